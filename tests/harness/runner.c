/* SPDX-License-Identifier: MIT */
/*
 * Supervisor side of one case: run the case process once per way until a way
 * holds, isolate it in its own process group, and leave nothing behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define CASE_MS  20000 /* a case process that has not reported by then is a harness fault */
#define SWEEP_MS 2000  /* how long sweep() waits for a killed group to be reaped */

/* Kill the case's process group and reap everything that died. We are the
 * subreaper, so orphaned grandchildren come back to us too. */
static void sweep(pid_t pgid)
{
	kill(-pgid, SIGKILL);
	long end = now_ms() + SWEEP_MS;
	for (;;) {
		pid_t w = waitpid(-1, 0, WNOHANG);
		if (w < 0 && errno == ECHILD)
			return;
		if (w <= 0) {
			if (now_ms() > end) {
				fprintf(stderr, "mtfork: children of case group %d did not exit\n",
				        (int)pgid);
				return;
			}
			sleep_ms(1);
		}
	}
}

static int in_fork_none;
volatile int *mtfork_in_fork = &in_fork_none;

/* A case process killed while its forker was inside fork(): the libc's
 * fork (or a handler it called: ATFORK-4's unmapped handler) crashed. */
static void crashed_in_fork(const struct mtcase *c, struct outcome *o, int sig)
{
	o->verdict = case_verdict(c->level, B_CRASH, 0);
	o->behaviour = B_CRASH;
	o->how = HOW_EXIT;
	o->held = -1;
	o->fork_waited = -1;
	snprintf(o->detail, sizeof o->detail,
	         "the forking process was killed by %s inside fork() (in fork itself or in a "
	         "fork handler it called)",
	         signal_name(sig));
}

static void run_way(const struct mtcase *c, const struct way *w, struct outcome *o)
{
	int p[2];
	memset(o, 0, sizeof *o);
	if (mtfork_in_fork == &in_fork_none) {
		void *m =
		    mmap(0, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (m != MAP_FAILED)
			mtfork_in_fork = m;
	}
	*mtfork_in_fork = 0;
	if (pipe2(p, O_CLOEXEC)) {
		o->verdict = V_ERROR;
		snprintf(o->detail, sizeof o->detail, "pipe2: %m");
		return;
	}
	fflush(0); /* nothing buffered may be inherited and written twice */
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		close(p[0]);
		case_process(c, w, p[1]);
	}
	close(p[1]);
	if (pid < 0) {
		o->verdict = V_ERROR;
		snprintf(o->detail, sizeof o->detail, "fork: %m");
		close(p[0]);
		return;
	}
	setpgid(pid, pid);
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	int n = poll(&pf, 1, scaled_ms(CASE_MS));
	ssize_t got = n > 0 ? read(p[0], o, sizeof *o) : 0;
	close(p[0]);
	if (got != (ssize_t)sizeof *o || o->magic != OUTCOME_MAGIC) {
		int st = 0;
		memset(o, 0, sizeof *o);
		o->verdict = V_ERROR;
		if (n == 0)
			snprintf(o->detail, sizeof o->detail,
			         "the case process did not report within %d ms",
			         scaled_ms(CASE_MS));
		else if (waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && *mtfork_in_fork)
			crashed_in_fork(c, o, WTERMSIG(st));
		else if (WIFSIGNALED(st))
			snprintf(o->detail, sizeof o->detail,
			         "the case process was killed by %s without reporting",
			         signal_name(WTERMSIG(st)));
		else
			snprintf(o->detail, sizeof o->detail,
			         "the case process exited with status %d%s without reporting",
			         WEXITSTATUS(st), harness_exit_name(WEXITSTATUS(st)));
	}
	sweep(pid);
}

const char *harness_exit_name(int status)
{
	switch (status) {
	case EXIT_OUTCOME_LOST:
		return " (the outcome could not be sent)";
	case EXIT_NO_THREAD:
		return " (the harness's threads could not be created)";
	case EXIT_EVENT_LOST:
		return " (a harness thread lost its pipe)";
	case EXIT_REPORT_LOST:
		return " (the child could not send its report)";
	}
	return "";
}

long case_bound_ms(const struct mtcase *c)
{
	long ways = 0;
	for (const struct way *w = c->holding->ways; w->name; w++)
		ways++;
	return ways * (scaled_ms(CASE_MS) + SWEEP_MS);
}

/* A pass decided by the stochastic holder is a number of lucky forks, not a
 * proof: with no expectation to fall back on (a new target, a new case) it
 * says so, with its confidence (the forks with the lock shown held, the
 * time), so that it is not read as a plain pass. `make verify` reruns it. */
static void mark_stochastic_pass(const struct mtcase *c, struct outcome *o)
{
	if (expect_for(c->id, c->clause).reason)
		return;
	char d[sizeof o->detail] = "stochastic pass, no expectation to fall back on: ";
	str_add(d, sizeof d, o->detail);
	str_add(d, sizeof d,
	        "; a deadlock needing more forks would be missed (make verify "
	        "reruns it)");
	memcpy(o->detail, d, sizeof o->detail);
}

void run_case(const struct mtcase *c, struct outcome *o, const char **holder)
{
	char tried[sizeof o->detail] = "";
	int any_not_held = 0;
	*holder = "-";
	if (!c->probe) { /* MTFORK_NEEDS: the holding names the missing interface */
		memset(o, 0, sizeof *o);
		o->verdict = V_SKIP;
		o->held = o->fork_waited = -1; /* nothing was held: neither applies */
		snprintf(o->detail, sizeof o->detail,
		         "the target lacks %s (not found by the build-time probe; see have.h)",
		         c->holding->name);
		return;
	}
	for (const struct way *w = c->holding->ways; w->name; w++) {
		run_way(c, w, o);
		any_not_held |= o->verdict == V_NOT_HELD;
		if (o->verdict == V_NOT_HELD || o->verdict == V_UNAVAILABLE) {
			str_add(tried, sizeof tried, w->name);
			str_add(tried, sizeof tried,
			        o->verdict == V_NOT_HELD ? " did not hold (" : " unavailable (");
			str_add(tried, sizeof tried, o->detail);
			str_add(tried, sizeof tried, "); ");
			continue;
		}
		*holder = w->name;
		if (o->verdict == V_PASS && w->kind == WAY_STOCHASTIC)
			mark_stochastic_pass(c, o);
		if (tried[0]) {
			str_add(tried, sizeof tried, "decided by ");
			str_add(tried, sizeof tried, w->name);
			if (o->detail[0])
				str_add(tried, sizeof tried, ": ");
			str_add(tried, sizeof tried, o->detail);
			memcpy(o->detail, tried, sizeof o->detail);
		}
		return;
	}
	/* Nothing could even be set up here (no userfaultfd, another arch):
	 * the target cannot run the case, a skip. Ways that ran and did not
	 * hold are a harness fault: an error, never a pass. */
	o->verdict = any_not_held ? V_ERROR : V_SKIP;
	o->behaviour = B_NONE;
	snprintf(o->detail, sizeof o->detail, "%s the %s: %s",
	         any_not_held ? "no way could hold" : "no way can be set up here to hold",
	         c->holding->name, tried);
}
