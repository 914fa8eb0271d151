/* SPDX-License-Identifier: MIT */
/* userfaultfd: the suite's one opener, and the one-page trap built on it
 * (open, register one page, report faults, release). */
#define _GNU_SOURCE
#include "have.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "sysno.h"
#include <unistd.h>

#include "config.h"
#include "uffd.h"
#include "uffd_abi.h"

static int refused(char *why, size_t n, const char *what, int err, int fd)
{
	snprintf(why, n, "userfaultfd unavailable: %s%s%s", what, err ? ": " : "",
	         err ? strerror(err) : "");
	if (fd >= 0)
		close(fd);
	return -1;
}

static int open_fd(int flags)
{
#if HAVE_SYSCALL && defined(SYS_userfaultfd)
	return (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | flags);
#else
	(void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

int uffd_open(int kernel_too, uint64_t features, char *why, size_t n)
{
	if (config()->no_uffd)
		return refused(why, n, "disabled by MTFORK_NO_UFFD", 0, -1);
	/* Unprivileged processes get user-mode-only faults (kernel >= 5.11);
	 * older kernels reject the flag, and root may use the plain form, which
	 * also traps the kernel's own accesses (a system call writing a buffer
	 * in the trapped range: user-mode-only would make those EFAULT and
	 * change libc's path instead of parking it). */
	int first = kernel_too ? 0 : MT_UFFD_USER_MODE_ONLY;
	int fd = open_fd(first);
	if (fd < 0)
		fd = open_fd(first ^ MT_UFFD_USER_MODE_ONLY);
	if (fd < 0)
		return refused(why, n, "userfaultfd()", errno, -1);
	/* Never ask for the fork event: fork would then wait for us to read it. */
	struct mt_uffdio_api api = {.api = MT_UFFD_API, .features = features};
	if (ioctl(fd, MT_UFFDIO_API, &api))
		return refused(why, n, "UFFDIO_API with the features asked for", errno, fd);
	return fd;
}

static int trap_fails(struct uffd_trap *t, const char *what)
{
	refused(t->why, sizeof t->why, what, errno, t->fd);
	t->fd = -1;
	return -1;
}

int uffd_trap_open(struct uffd_trap *t)
{
	memset(t, 0, sizeof *t);
	t->page_size = (size_t)sysconf(_SC_PAGESIZE);
	/* Thread ids tell the holder's fault from the verifier's. */
	t->fd = uffd_open(0, MT_UFFD_FEATURE_THREAD_ID, t->why, sizeof t->why);
	if (t->fd < 0)
		return -1;
	t->map =
	    mmap(0, 2 * t->page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->map == MAP_FAILED)
		return trap_fails(t, "mmap");
	memset(t->map, 0, t->page_size);
	t->page = t->map + t->page_size;
	struct mt_uffdio_register reg = {
	    .range = {.start = (uintptr_t)t->page, .len = t->page_size},
	    .mode = MT_UFFDIO_REGISTER_MISSING,
	};
	if (ioctl(t->fd, MT_UFFDIO_REGISTER, &reg))
		return trap_fails(t, "UFFDIO_REGISTER");
	return 0;
}

int uffd_trap_next_fault(struct uffd_trap *t, int ms)
{
	struct pollfd p = {.fd = t->fd, .events = POLLIN};
	int n = poll(&p, 1, ms);
	if (n <= 0)
		return n;
	struct mt_uffd_msg msg;
	ssize_t r = read(t->fd, &msg, sizeof msg);
	if (r != (ssize_t)sizeof msg)
		return errno == EAGAIN ? 0 : -1;
	if (msg.event != MT_UFFD_EVENT_PAGEFAULT)
		return -1;
	return (int)msg.arg.pagefault.ptid;
}

int uffd_trap_release(struct uffd_trap *t, const void *content)
{
	struct mt_uffdio_copy c = {
	    .dst = (uintptr_t)t->page,
	    .src = (uintptr_t)content,
	    .len = t->page_size,
	};
	if (ioctl(t->fd, MT_UFFDIO_COPY, &c) && errno != EEXIST)
		return -1;
	return 0;
}
