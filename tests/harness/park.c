/* SPDX-License-Identifier: MIT */
/* Parking a holder inside a libc callback (WAY_CALLBACK, WAY_APP). */
#define _GNU_SOURCE
#include "have.h"
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "sysno.h"
#include <unistd.h>

#include "harness.h"

static int event_fd = -1, release_fd = -1;
static pid_t holder_tid;
static atomic_int parked;

pid_t gettid_(void)
{
#if HAVE_SYSCALL
	return (pid_t)syscall(SYS_gettid);
#else
	/* /proc/thread-self is /proc/PID/task/TID: no libc call beyond readlink */
	char buf[64];
	ssize_t n = readlink("/proc/thread-self", buf, sizeof buf - 1);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	const char *tid = strrchr(buf, '/');
	return tid ? (pid_t)atoi(tid + 1) : -1;
#endif
}

void park_init(int ev, int rel)
{
	event_fd = ev;
	release_fd = rel;
}

void park_set_holder(pid_t tid)
{
	holder_tid = tid;
}

void holder_park(void)
{
	/* Park once, in the holder thread of the case process only: a forked
	 * child or another thread passing through the same callback must never
	 * be stopped by the harness. Thread IDs are unique while the holder
	 * lives, so its ID alone tells it apart (a forked child's thread has
	 * another); no process ID is compared, since a libc whose threads are
	 * processes of their own (dietlibc) gives each thread its own. */
	if (gettid_() != holder_tid || atomic_exchange(&parked, 1))
		return;
	int msg[2] = {'P', holder_tid};
	if (write(event_fd, msg, sizeof msg) != sizeof msg)
		return;
	char c;
	while (read(release_fd, &c, 1) < 0)
		;
}

#if HAVE_FOPENCOOKIE
static ssize_t parking_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	(void)buf;
	holder_park();
	return (ssize_t)n;
}

FILE *parking_stream(void)
{
	cookie_io_functions_t io = {.write = parking_write};
	FILE *f = fopencookie(NULL, "w", io);
	if (f)
		setvbuf(f, NULL, _IOFBF, 4096);
	return f;
}
#else
/* Without fopencookie there is no stream to park in: the callers' ways are
 * then unavailable (NULL, errno ENOSYS), like any missing holder. */
FILE *parking_stream(void)
{
	errno = ENOSYS;
	return NULL;
}
#endif
