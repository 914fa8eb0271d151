/* SPDX-License-Identifier: MIT */
/* The harness's one way to install a seccomp filter on the calling thread
 * (seccomp_abi.h): lockfind.c, seccomp_hold.c and spawnhold.c build the
 * filters, this installs them. */
#define _GNU_SOURCE
#include "have.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include "sysno.h"
#include <unistd.h>

#include "seccomp_abi.h"

int seccomp_install(struct fx_sock_filter *f, unsigned short n, int listener)
{
#if HAVE_SYSCALL && defined(SYS_seccomp)
	struct fx_sock_fprog prog = {.len = n, .filter = f};
	/* unprivileged: a filter needs no_new_privs (inherited by the child) */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	long fd = syscall(SYS_seccomp, FX_SECCOMP_SET_FILTER,
	                  listener ? FX_SECCOMP_NEW_LISTENER : 0UL, &prog);
	if (fd < 0)
		return -1;
	if (listener)
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	return (int)fd;
#else
	(void)f, (void)n, (void)listener;
	errno = ENOSYS;
	return -1;
#endif
}
