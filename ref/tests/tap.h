/* SPDX-License-Identifier: MIT */
/*
 * Process helpers for the libforklock unit tests, and the suite's one TAP
 * writer (tools/tap.h: ok(), tap_skip(), tap_done()). Every helper that
 * waits has a bound; every child is reaped.
 */
#ifndef FORKLOCK_TEST_TAP_H
#define FORKLOCK_TEST_TAP_H

#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../tools/tap.h"

static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Waits up to timeout_ms for pid; kills and reaps it if it does not exit. */
static inline bool reap_within(pid_t pid, int timeout_ms, int *status)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = {fd, POLLIN, 0};
	bool exited = fd >= 0 && poll(&p, 1, timeout_ms) == 1;

	if (!exited)
		kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	if (fd >= 0)
		close(fd);
	return exited;
}

static inline bool exited_zero(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Reads /proc/<pid>/task/<tid>/syscall: "nr arg0 arg1 arg2 arg3 ...". */
static inline bool read_syscall(pid_t pid, pid_t tid, unsigned long field[5])
{
	char path[64], text[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = 0;
	return sscanf(text, "%lu %lx %lx %lx %lx", &field[0], &field[1], &field[2], &field[3],
	              &field[4]) == 5;
}

/* Parked in FUTEX_WAIT_PRIVATE (or its bitset form) with no timeout. */
static inline bool in_private_futex_wait(pid_t pid, pid_t tid)
{
	unsigned long f[5];

	return read_syscall(pid, tid, f) && f[0] == (unsigned long)SYS_futex &&
	       (f[2] == 0x80 || f[2] == 0x89) && f[4] == 0;
}

/* Polls (test side only) until the thread parks in a private futex wait. */
static inline bool becomes_futex_parked(pid_t pid, pid_t tid, int timeout_ms)
{
	double end = now_ms() + timeout_ms;

	while (now_ms() < end) {
		if (in_private_futex_wait(pid, tid))
			return true;
		sleep_ms(1);
	}
	return false;
}

/*
 * Runs this program again (/proc/self/exe) as "PROG --scenario MODE" with
 * environment envp; what it writes to its descriptor fd (1 or 2) lands in
 * out, NUL-terminated.  Returns its wait status; a copy still running after
 * timeout_ms is killed (*finished false).
 */
static inline int run_scenario(const char *mode, char *const envp[], int fd, char *out, size_t size,
                               int timeout_ms, bool *finished)
{
	int fds[2], status = -1;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	pipe(fds);
	pid = fork();
	if (pid == 0) {
		char *argv[] = {"scenario", "--scenario", (char *)mode, NULL};
		dup2(fds[1], fd);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(fds[1]);
	while (len + 1 < size && (n = read(fds[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = 0;
	close(fds[0]);
	*finished = reap_within(pid, timeout_ms, &status);
	return status;
}

/* Runs a scenario that prints TAP and relays its lines, each under label. */
static inline void relay_scenario(const char *label, char *const envp[], const char *mode)
{
	char out[4096], *line, *save = NULL;
	bool finished;
	int status = run_scenario(mode, envp, 1, out, sizeof(out), 10000, &finished);

	ok(finished && exited_zero(status), "%s: scenario completed", label);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bool fail = strncmp(line, "not ok", 6) == 0;
		char *text = strstr(line, " - ");
		if ((fail || strncmp(line, "ok", 2) == 0) && text)
			ok(!fail, "%s: %s", label, text + 3);
		else if (line[0] == '#')
			printf("# %s: %s\n", label, line + 2);
	}
}

#endif
