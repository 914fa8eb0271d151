/* SPDX-License-Identifier: MIT */
/*
 * Asking a copy of this process: fork, let the copy work out an answer with
 * the same addresses (and break what it likes: it is thrown away), and read
 * that answer within a bound. The copy is killed and reaped either way, and
 * dies with this process (PR_SET_PDEATHSIG). The stochastic scout and
 * fork_takes_lock ask so, before the case's threads start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "casectx.h"
#include "proc.h"

int ask_copy(void (*work)(void *arg, void *answer), void *arg, void *answer, size_t size, int ms)
{
	int p[2], got = 0;
	if (pipe2(p, O_CLOEXEC))
		return 0;
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		sys_close(p[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(1);
		work(arg, answer);
		if (write(p[1], answer, size) != (ssize_t)size)
			_exit(1);
		_exit(0);
	}
	sys_close(p[1]);
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	if (pid > 0 && poll(&pf, 1, ms) > 0)
		got = read(p[0], answer, size) == (ssize_t)size;
	sys_close(p[0]);
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, 0, 0) < 0 && errno == EINTR)
			;
	}
	return got;
}
