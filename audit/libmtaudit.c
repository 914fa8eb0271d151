/* SPDX-License-Identifier: MIT */
/* libmtaudit - the audit library of `tools/audit` (LD_PRELOAD).
 *
 * In every child forked while its parent had more than one thread (an
 * MT-forked child) it records each call of a function of the spec's function
 * index (spec/functions.tsv -> names.h, wrappers.S), in first-use order with
 * counts, into a shared file mapping the audit tool prepared
 * (MTAUDIT_FILE=path), until the child execs or exits.
 *
 * The rules of the recording path (it must not change what it observes):
 *  - no locks, no allocation, no stdio, no errno, no libc call at all in the
 *    child: raw system calls and atomics on a MAP_SHARED mapping;
 *  - the real functions are resolved with dlsym(RTLD_NEXT) in the
 *    constructor, before any fork (never in a child);
 *  - records live in the shared mapping, so they survive the child crashing
 *    or hanging; no descriptor stays open (the mapping's is closed at once);
 *  - in the parent and in children of single-threaded parents a call costs
 *    one load and one predictable branch (the state byte is 1).
 *
 * How a child is recognised: the state byte lives on a page with
 * MADV_WIPEONFORK, so after any fork that copies memory (fork, _Fork, clone
 * without CLONE_VM, a raw syscall) it reads 0 in the child; the first
 * intercepted call there classifies the child (slow path) and sets the byte
 * to 1 (not MT-forked, or out of slots) or 2 (recording). fork()/_Fork()
 * wrappers count the parent's threads just before forking; a path that
 * bypasses them (clone, syscall(SYS_fork)) is classified with the parent's
 * thread count read when the child first calls an indexed function.
 * vfork() and posix_spawn() children share the parent's memory and run no
 * intercepted code: they are not seen (they may only exec or _exit).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include "names.h"
#include "mtaudit.h"

/* --- raw system calls (no libc, no errno) -------------------------------- */
static long sc6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
}
#define sc(n, a, b, c) sc6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* --- state ---------------------------------------------------------------- */
static unsigned char boot_state; /* 0 until the constructor ran: slow path */
__attribute__((visibility("hidden"))) volatile unsigned char *mtaudit_mark = &boot_state;
__attribute__((visibility("hidden"))) void *mtaudit_real[MTAUDIT_NFUNCS];
static struct mtaudit_header *shared; /* NULL: not auditing (state stays 1) */
static struct mtaudit_slot *slot;     /* this child's record */
static int inited;
/* set by the fork wrappers in the parent just before forking (not wiped) */
static volatile int pend_pid, pend_threads, pend_kind;
static int self_pid;

static int threads_of(long pid)
{
	char path[40] = "/proc/self/stat", buf[1024];
	if (pid > 0) { /* "/proc/PID/stat" */
		char d[12];
		int n = 0, i = 6;
		for (long p = pid; p; p /= 10)
			d[n++] = (char)('0' + p % 10);
		while (n)
			path[i++] = d[--n];
		const char *s = "/stat";
		while (*s)
			path[i++] = *s++;
		path[i] = 0;
	}
	long fd = sc(SYS_open, path, 02000000 /* O_CLOEXEC */, 0);
	if (fd < 0)
		return -1;
	long len = sc(SYS_read, fd, buf, sizeof buf - 1);
	sc(SYS_close, fd, 0, 0);
	if (len <= 0)
		return -1;
	buf[len] = 0;
	char *p = buf + len;
	while (p > buf && *p != ')')
		p--; /* comm may hold spaces and ')' */
	int field = 2, n = 0;
	for (; *p; p++) {
		if (*p == ' ') {
			field++;
			continue;
		}
		if (field == 20) {
			while (*p >= '0' && *p <= '9')
				n = n * 10 + (*p++ - '0');
			return n;
		}
	}
	return -1;
}

static const char *env_get(const char *name)
{
	extern char **environ;
	for (char **e = environ; e && *e; e++) {
		const char *a = *e, *b = name;
		while (*b && *a == *b)
			a++, b++;
		if (!*b && *a == '=')
			return a + 1;
	}
	return NULL;
}

static void init(void)
{
	if (__atomic_exchange_n(&inited, 1, __ATOMIC_ACQ_REL))
		return;
	for (int i = 0; i < MTAUDIT_NFUNCS; i++)
		if (!mtaudit_real[i])
			mtaudit_real[i] = dlsym(RTLD_NEXT, mtaudit_names[i]);
	self_pid = (int)sc(SYS_getpid, 0, 0, 0);
	const char *path = env_get("MTAUDIT_FILE");
	if (path && *path) {
		long fd = sc(SYS_open, path, 02 /* O_RDWR */ | 02000000, 0);
		if (fd >= 0) {
			struct mtaudit_header h;
			if (sc(SYS_read, fd, &h, sizeof h) == (long)sizeof h &&
			    h.magic == MTAUDIT_MAGIC && h.nfuncs == MTAUDIT_NFUNCS &&
			    h.slot_size >= sizeof(struct mtaudit_slot)) {
				long size =
				    (long)(sizeof h + (unsigned long)h.capacity * h.slot_size);
				long m =
				    sc6(SYS_mmap, 0, size, 3 /* RW */, 1 /* MAP_SHARED */, fd, 0);
				if (m > -4096L && m < 0)
					m = 0;
				shared = (struct mtaudit_header *)m;
			}
			sc(SYS_close, fd, 0, 0);
		}
		if (shared)
			__atomic_fetch_add(&shared->loaded, 1, __ATOMIC_RELAXED);
	}
	/* the state page: wiped (0) in every child that copies memory */
	long pg = sc6(SYS_mmap, 0, 4096, 3, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
	if (pg == 0 || (unsigned long)pg >= -4096UL) /* no page: an errno value */
		return;                              /* stays on the boot state: slow, inert */
	volatile unsigned char *m = (volatile unsigned char *)pg;
	*m = 1;
	if (shared && sc(SYS_madvise, pg, 4096, 18 /* MADV_WIPEONFORK */) != 0)
		__atomic_fetch_or(&shared->flags, MTAUDIT_F_NOWIPE, __ATOMIC_RELAXED);
	__atomic_store_n(&mtaudit_mark, m, __ATOMIC_RELEASE);
}

__attribute__((constructor(101))) static void ctor(void)
{
	init();
}

/* First intercepted call in a fresh child: is it an MT-forked child? */
static void classify(void)
{
	volatile unsigned char *m = mtaudit_mark;
	int me = (int)sc(SYS_getpid, 0, 0, 0), pp = (int)sc(SYS_getppid, 0, 0, 0);
	int threads, kind;
	if (pend_pid && pend_pid == pp) {
		threads = pend_threads, kind = pend_kind;
	} else { /* a fork path that bypassed the wrappers */
		threads = threads_of(pp), kind = MTAUDIT_KIND_UNSEEN;
	}
	self_pid = me;
	pend_pid = 0;
	if (!shared || threads == 1 || (threads < 1 && kind != MTAUDIT_KIND_UNSEEN)) {
		*m = 1;
		return;
	}
	uint32_t i = __atomic_fetch_add(&shared->used, 1, __ATOMIC_RELAXED);
	if (i >= shared->capacity) {
		__atomic_fetch_add(&shared->dropped, 1, __ATOMIC_RELAXED);
		*m = 1;
		return;
	}
	slot = (struct mtaudit_slot *)((char *)shared + sizeof *shared +
	                               (size_t)i * shared->slot_size);
	slot->ppid = pp;
	slot->parent_threads = threads;
	slot->kind = kind;
	__atomic_store_n(&slot->pid, me, __ATOMIC_RELEASE);
	*m = 2;
}

static void *mtaudit_slow_or_fast(long idx);

static void record(int idx)
{
	struct mtaudit_slot *s = slot;
	if (__atomic_fetch_add(&s->count[idx], 1, __ATOMIC_RELAXED) == 0) {
		uint32_t k = __atomic_fetch_add(&s->nfirst, 1, __ATOMIC_RELAXED);
		if (k < MTAUDIT_NFUNCS)
			s->first[k] = (uint16_t)idx;
	}
}

/* The slow path of every wrapper; returns the real function. */
__attribute__((visibility("hidden"))) void *mtaudit_slow(long idx);
__attribute__((visibility("hidden"))) void *mtaudit_slow(long idx)
{
	if (!inited)
		init();
	if (!mtaudit_real[idx]) /* called before the constructor (another ctor) */
		mtaudit_real[idx] = dlsym(RTLD_NEXT, mtaudit_names[idx]);
	volatile unsigned char *m = mtaudit_mark;
	if (m == &boot_state)
		return mtaudit_real[idx];
	if (*m == 0)
		classify();
	if (*m == 2)
		record((int)idx);
	return mtaudit_real[idx];
}

/* Trampoline slow path: index in r11; keeps every argument register. */
__asm__(".text\n"
        ".globl mtaudit_tramp_slow\n"
        ".hidden mtaudit_tramp_slow\n"
        ".type mtaudit_tramp_slow,@function\n"
        "mtaudit_tramp_slow:\n"
        "\tpushq %rdi\n\tpushq %rsi\n\tpushq %rdx\n\tpushq %rcx\n"
        "\tpushq %r8\n\tpushq %r9\n\tpushq %rax\n"
        "\tsubq $128, %rsp\n"
        "\tmovdqu %xmm0, 0(%rsp)\n\tmovdqu %xmm1, 16(%rsp)\n"
        "\tmovdqu %xmm2, 32(%rsp)\n\tmovdqu %xmm3, 48(%rsp)\n"
        "\tmovdqu %xmm4, 64(%rsp)\n\tmovdqu %xmm5, 80(%rsp)\n"
        "\tmovdqu %xmm6, 96(%rsp)\n\tmovdqu %xmm7, 112(%rsp)\n"
        "\tmovq %r11, %rdi\n"
        "\tcall mtaudit_slow\n"
        "\tmovq %rax, %r11\n"
        "\tmovdqu 0(%rsp), %xmm0\n\tmovdqu 16(%rsp), %xmm1\n"
        "\tmovdqu 32(%rsp), %xmm2\n\tmovdqu 48(%rsp), %xmm3\n"
        "\tmovdqu 64(%rsp), %xmm4\n\tmovdqu 80(%rsp), %xmm5\n"
        "\tmovdqu 96(%rsp), %xmm6\n\tmovdqu 112(%rsp), %xmm7\n"
        "\taddq $128, %rsp\n"
        "\tpopq %rax\n\tpopq %r9\n\tpopq %r8\n\tpopq %rcx\n"
        "\tpopq %rdx\n\tpopq %rsi\n\tpopq %rdi\n"
        "\tjmp *%r11\n"
        ".size mtaudit_tramp_slow,.-mtaudit_tramp_slow\n");

/* fork() and _Fork(): note the parent's thread count for the child. */
static pid_t forkish(int idx, int kind)
{
	typedef pid_t (*fn)(void);
	fn real = (fn)mtaudit_slow_or_fast(idx);
	if (shared) {
		pend_threads = threads_of(0);
		pend_kind = kind;
		pend_pid = self_pid ? self_pid : (int)sc(SYS_getpid, 0, 0, 0);
	}
	pid_t p = real();
	if (p != 0)
		pend_pid = 0; /* parent (or failure): nothing pending */
	return p;
}

#if MTAUDIT_IDX_fork >= 0
__attribute__((visibility("default"))) pid_t fork(void)
{
	return forkish(MTAUDIT_IDX_fork, MTAUDIT_KIND_FORK);
}
#endif
#if MTAUDIT_IDX_Fork >= 0
__attribute__((visibility("default"))) pid_t _Fork(void)
{
	return forkish(MTAUDIT_IDX_Fork, MTAUDIT_KIND_RAWFORK);
}
#endif

static void *mtaudit_slow_or_fast(long idx)
{
	if (*mtaudit_mark == 1)
		return mtaudit_real[idx];
	return mtaudit_slow(idx);
}
