/* SPDX-License-Identifier: MIT */
/*
 * Print the name and version of the libc this program runs on, e.g.
 * "glibc 2.36" or "musl 1.2.3"; built with each target's compiler.
 * glibc says so itself; musl's libc.so is also its dynamic linker, which
 * prints its version when run with no arguments (found with dladdr, where the
 * libc has it: have.h); anything else is "unknown" (name it: LIBC_VERSION=).
 */
#define _GNU_SOURCE
#include "have.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#if !defined(__GLIBC__) && HAVE_DLADDR
static int musl_version(void)
{
	Dl_info where;
	char out[512];
	int fd[2];
	/* the object that provides printf is the libc */
	if (!dladdr((void *)printf, &where) || !where.dli_fname || !strstr(where.dli_fname, "musl"))
		return 0;
	if (pipe(fd))
		return 0;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		execl(where.dli_fname, where.dli_fname, (char *)0);
		_exit(127);
	}
	close(fd[1]);
	ssize_t n, len = 0;
	while (len < (ssize_t)sizeof out - 1 &&
	       (n = read(fd[0], out + len, sizeof out - 1 - (size_t)len)) > 0)
		len += n;
	out[len] = 0;
	close(fd[0]);
	waitpid(pid, 0, 0);
	const char *v = strstr(out, "Version ");
	if (!v)
		return 0;
	printf("musl %.*s\n", (int)strcspn(v + 8, "\n"), v + 8);
	return 1;
}
#endif

int main(void)
{
#ifdef __GLIBC__
	printf("glibc %s\n", gnu_get_libc_version());
#elif HAVE_DLADDR
	if (!musl_version())
		printf("unknown\n");
#else
	printf("unknown\n");
#endif
	return 0;
}
