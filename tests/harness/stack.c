/* SPDX-License-Identifier: MIT */
/*
 * Guarded stack (WAY_STACK): a private stack for the holder whose pages below
 * a boundary are registered with userfaultfd. The holder's call starts at
 * `depth` bytes above the boundary; the first time libc goes deeper, the
 * thread parks on the fault, wherever libc is at that moment. Moving the
 * starting point (16-byte steps, so alignment never changes) moves where the
 * thread parks; the controller scans upward until the verifier blocks.
 *
 * With UFFD_FEATURE_EXACT_ADDRESS (Linux >= 5.18) a fault tells how deep the
 * touch was, so the scan jumps straight to the next new depth the call
 * reaches: a few tens of tries. Without it, the scan steps by 16 bytes.
 *
 * Depth hints: the depth that held for a way is shared with later case
 * processes of the same binary (a shared page mapped before main), which
 * try it first; every case still verifies its own hold.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "sysno.h"
#include <unistd.h>

#include "harness.h"
#include "uffd.h"
#include "uffd_abi.h"

#define MT_UFFD_FEATURE_EXACT_ADDRESS (1ULL << 11)
#define MT_UFFDIO_UNREGISTER          _IOR(0xAA, 0x01, struct mt_uffdio_range)

#define GUARD_LEN  (1024 * 1024) /* registered: deeper than any libc call goes */
#define NORMAL_LEN (64 * 1024)   /* ordinary: room for the deepest start */

#if defined(__x86_64__)
/* gstack_call(fn, arg, top): call fn(arg) with the stack pointer at top (16-byte
 * aligned); rbp keeps the caller's stack pointer across the call. */
__asm__(".text\n"
        ".globl mtfork_gstack_call\n"
        ".type mtfork_gstack_call,@function\n"
        "mtfork_gstack_call:\n"
        "	push %rbp\n"
        "	mov %rsp, %rbp\n"
        "	mov %rdx, %rsp\n"
        "	mov %rdi, %rax\n"
        "	mov %rsi, %rdi\n"
        "	call *%rax\n"
        "	mov %rbp, %rsp\n"
        "	pop %rbp\n"
        "	ret\n"
        ".size mtfork_gstack_call, .-mtfork_gstack_call\n");
void mtfork_gstack_call(void (*fn)(void *), void *arg, char *top);
#define HAVE_TRAMPOLINE 1
#else
#define HAVE_TRAMPOLINE 0
#endif

void gstack_call(void (*fn)(void *), void *arg, char *top)
{
#if HAVE_TRAMPOLINE
	mtfork_gstack_call(fn, arg, top);
#else
	(void)top;
	fn(arg);
#endif
}

static int unavailable(struct gstack *s, const char *what, int err)
{
	s->why[0] = 0;
	str_add(s->why, sizeof s->why, "guarded stack unavailable: ");
	str_add(s->why, sizeof s->why, what);
	if (err) {
		str_add(s->why, sizeof s->why, ": errno ");
		str_add_num(s->why, sizeof s->why, err);
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return -1;
}

int gstack_open(struct gstack *s)
{
	memset(s, 0, sizeof *s);
	s->fd = -1;
	if (!HAVE_TRAMPOLINE)
		return unavailable(s, "no stack-switching trampoline for this architecture", 0);
	/* The kernel's accesses must fault too (a system call writing a buffer
	 * on the stack). EXACT_ADDRESS (Linux >= 5.18) lets the scan jump; the
	 * handshake is once per descriptor, so without it, open afresh. */
	char why[sizeof s->why];
	s->fd = uffd_open(1, MT_UFFD_FEATURE_THREAD_ID | MT_UFFD_FEATURE_EXACT_ADDRESS, why,
	                  sizeof why);
	s->exact = s->fd >= 0;
	if (s->fd < 0)
		s->fd = uffd_open(1, MT_UFFD_FEATURE_THREAD_ID, why, sizeof why);
	if (s->fd < 0)
		return unavailable(s, why, 0);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	s->map_len = page + GUARD_LEN + NORMAL_LEN;
	s->map = mmap(0, s->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->map == MAP_FAILED)
		return unavailable(s, "mmap", errno);
	mprotect(s->map, page, PROT_NONE); /* deeper than the guard: a crash, not a scribble */
	s->guard = s->map + page;
	s->boundary = s->guard + GUARD_LEN;
	memset(s->boundary, 0, NORMAL_LEN);
	s->max_depth = NORMAL_LEN - 256;
	return 0;
}

int gstack_arm(struct gstack *s)
{
	if (madvise(s->guard, GUARD_LEN, MADV_DONTNEED))
		return -1;
	struct mt_uffdio_register reg = {
	    .range = {.start = (uintptr_t)s->guard, .len = GUARD_LEN},
	    .mode = MT_UFFDIO_REGISTER_MISSING,
	};
	return ioctl(s->fd, MT_UFFDIO_REGISTER, &reg);
}

int gstack_disarm(struct gstack *s)
{
	/* Unregistering wakes every thread parked on the range; it then
	 * retries the access and gets an ordinary zero page. */
	struct mt_uffdio_range r = {.start = (uintptr_t)s->guard, .len = GUARD_LEN};
	return ioctl(s->fd, MT_UFFDIO_UNREGISTER, &r);
}

char *gstack_top(struct gstack *s, size_t depth)
{
	return s->boundary + (depth & ~(size_t)15);
}

int gstack_read_fault(struct gstack *s, size_t depth, size_t *touched)
{
	struct mt_uffd_msg msg;
	ssize_t r = read(s->fd, &msg, sizeof msg);
	if (r != (ssize_t)sizeof msg || msg.event != MT_UFFD_EVENT_PAGEFAULT)
		return r < 0 && errno == EAGAIN ? 0 : -1;
	uintptr_t a = msg.arg.pagefault.address, top = (uintptr_t)gstack_top(s, depth);
	*touched = s->exact && a < top ? top - a : 0;
	return (int)msg.arg.pagefault.ptid;
}

/* Depth hints, shared by every case process of this binary. */
#define HINTS 64
static struct hint {
	const void *key;
	atomic_int depth;
} * hints;

__attribute__((constructor)) static void map_hints(void)
{
	void *p = mmap(0, HINTS * sizeof *hints, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	               -1, 0);
	hints = p == MAP_FAILED ? 0 : p;
}

int gstack_hint(const void *key)
{
	for (int i = 0; hints && i < HINTS; i++)
		if (hints[i].key == key)
			return hints[i].depth;
	return 0;
}

void gstack_set_hint(const void *key, int depth)
{
	for (int i = 0; hints && i < HINTS; i++)
		if (hints[i].key == key || !hints[i].key) {
			hints[i].key = key;
			hints[i].depth = depth;
			return;
		}
}
