/* SPDX-License-Identifier: MIT */
/* userfaultfd trap: open, register one page, report faults, release. */
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

#include "uffd.h"
#include "uffd_abi.h"

static int unavailable(struct uffd_trap *t, const char *what, int err)
{
	snprintf(t->why, sizeof t->why, "userfaultfd unavailable: %s%s%s", what, err ? ": " : "",
	         err ? strerror(err) : "");
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	return -1;
}

static int open_fd(void)
{
#if HAVE_SYSCALL && defined(SYS_userfaultfd)
	/* Unprivileged processes get user-mode-only faults (kernel >= 5.11);
	 * older kernels reject the flag, and root may use the plain form. */
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | MT_UFFD_USER_MODE_ONLY);
	if (fd < 0)
		fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	return fd;
#else
	errno = ENOSYS;
	return -1;
#endif
}

int uffd_trap_open(struct uffd_trap *t)
{
	memset(t, 0, sizeof *t);
	t->fd = -1;
	const char *off = getenv("MTFORK_NO_UFFD");
	if (off && *off && strcmp(off, "0"))
		return unavailable(t, "disabled by MTFORK_NO_UFFD", 0);
	t->page_size = (size_t)sysconf(_SC_PAGESIZE);
	t->fd = open_fd();
	if (t->fd < 0)
		return unavailable(t, "userfaultfd()", errno);
	/* Thread ids tell the holder's fault from the verifier's. Never ask for
	 * the fork event: fork would then wait for us to read it. */
	struct mt_uffdio_api api = {.api = MT_UFFD_API, .features = MT_UFFD_FEATURE_THREAD_ID};
	if (ioctl(t->fd, MT_UFFDIO_API, &api))
		return unavailable(t, "UFFDIO_API with THREAD_ID", errno);
	t->map =
	    mmap(0, 2 * t->page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->map == MAP_FAILED)
		return unavailable(t, "mmap", errno);
	memset(t->map, 0, t->page_size);
	t->page = t->map + t->page_size;
	struct mt_uffdio_register reg = {
	    .range = {.start = (uintptr_t)t->page, .len = t->page_size},
	    .mode = MT_UFFDIO_REGISTER_MISSING,
	};
	if (ioctl(t->fd, MT_UFFDIO_REGISTER, &reg))
		return unavailable(t, "UFFDIO_REGISTER", errno);
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
