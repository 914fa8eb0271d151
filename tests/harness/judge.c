/* SPDX-License-Identifier: MIT */
/*
 * The judge: how did the MT-forked child end?
 *
 * A child parked in a FUTEX_WAIT on a private futex with no timeout, alone in
 * its process, and so across two samples, can never be woken: that is a
 * proven deadlock, decided in milliseconds whatever the machine's load. So
 * is a child whose every thread waits for what only the process itself
 * could provide (proc_stuck_confirm). Any other stuck child is judged only
 * when the (scaled) timeout expires.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "proc.h"

#define CHILD_MAGIC 0x63686c64U
#define STABLE_MS   5

struct child_msg {
	uint32_t magic;
	int status;
	int inside;  /* mtfork_snapshot_inside */
	int in_call; /* mtfork_snapshot_in_call */
	char detail[200];
};

int scaled_ms(int ms)
{
	return (int)(ms * config()->timeout_mul);
}

int probe_ms(int ms)
{
	return scaled_ms(ms);
}

long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

void sleep_ms(int ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

int probe_wrong(struct probe *p, const char *what)
{
	p->detail[0] = 0;
	str_add(p->detail, sizeof p->detail, what);
	return PROBE_WRONG;
}

int probe_skip(struct probe *p, const char *why)
{
	probe_wrong(p, why);
	return PROBE_SKIP;
}

/* probe_deadlocked(): the proven process's first thread, as /proc shows
 * it, for probe_deadlock to say where it waits. */
static char proven_where[80];

int probe_deadlock(struct probe *p, const char *what)
{
	probe_wrong(p, what);
	if (proven_where[0]) {
		str_add(p->detail, sizeof p->detail, "; /proc syscall: ");
		str_add(p->detail, sizeof p->detail, proven_where);
	}
	return PROBE_DEADLOCK;
}

int probe_ok_note(struct probe *p, const char *what)
{
	probe_wrong(p, what);
	return PROBE_OK;
}

int probe_wrong_num(struct probe *p, const char *what, long n)
{
	probe_wrong(p, what);
	str_add_num(p->detail, sizeof p->detail, n);
	return PROBE_WRONG;
}

static int child_wfd = -1;
int mtfork_snapshot_inside = -1, mtfork_snapshot_in_call = -1;

void probe_report_then_exit(void)
{
	struct child_msg m = {.magic = CHILD_MAGIC,
	                      .status = PROBE_OK,
	                      .inside = mtfork_snapshot_inside,
	                      .in_call = mtfork_snapshot_in_call};
	if (write(child_wfd, &m, sizeof m) != sizeof m)
		_exit(EXIT_REPORT_LOST);
	exit(0);
}

void child_report(const struct mtcase *c, int wfd)
{
	child_wfd = wfd;
	struct probe p = {{0}};
	struct child_msg m = {.magic = CHILD_MAGIC,
	                      .inside = mtfork_snapshot_inside,
	                      .in_call = mtfork_snapshot_in_call};
	m.status = c->probe(&p);
	memcpy(m.detail, p.detail, sizeof m.detail);
	m.detail[sizeof m.detail - 1] = 0;
	if (write(wfd, &m, sizeof m) != sizeof m)
		_exit(EXIT_REPORT_LOST);
	_exit(0);
}

static void set(struct child_result *r, int b, int how, const char *what)
{
	r->behaviour = b;
	r->how = how;
	r->detail[0] = 0;
	str_add(r->detail, sizeof r->detail, what);
}

static void classify_exit(struct child_result *r, int st, const struct child_msg *m, int got)
{
	if (WIFSIGNALED(st)) {
		r->signo = WTERMSIG(st);
		set(r, B_CRASH, HOW_EXIT, "child killed by ");
		str_add(r->detail, sizeof r->detail, signal_name(r->signo));
		if (got && m->status == PROBE_OK)
			str_add(r->detail, sizeof r->detail, " after the probe reported success");
	} else if (!got) {
		set(r, B_WRONG, HOW_EXIT, "child exited without reporting, status ");
		str_add_num(r->detail, sizeof r->detail, WEXITSTATUS(st));
		str_add(r->detail, sizeof r->detail, harness_exit_name(WEXITSTATUS(st)));
	} else if (m->status == PROBE_SKIP) {
		set(r, B_NONE, HOW_NONE, m->detail);
		r->skipped = 1;
	} else if (m->status == PROBE_DEADLOCK) {
		set(r, B_DEADLOCK, HOW_PROOF, m->detail); /* in a process the probe waited for */
	} else if (m->status != PROBE_OK) {
		set(r, B_WRONG, HOW_EXIT, m->detail);
	} else if (WEXITSTATUS(st) != 0) {
		set(r, B_WRONG, HOW_EXIT, "probe succeeded but the child exited with status ");
		str_add_num(r->detail, sizeof r->detail, WEXITSTATUS(st));
	} else {
		set(r, B_WORKS, HOW_EXIT, m->detail); /* empty unless probe_ok_note() */
	}
}

static void describe_wait(struct child_result *r, const struct sc_sample *s)
{
	str_add(r->detail, sizeof r->detail, "; /proc syscall: ");
	str_add(r->detail, sizeof r->detail, s->raw);
	size_t n = strlen(r->detail);
	while (n && (r->detail[n - 1] == '\n' || r->detail[n - 1] == ' '))
		r->detail[--n] = 0;
}

int proof_step(struct proof *pr, pid_t pid)
{
	long t = now_ms();
	if (!proc_stuck_sample(pid, &pr->last)) {
		pr->have = 0;
		return 0;
	}
	if (!pr->have || pr->prev.sig != pr->last.sig || pr->prev.threads != pr->last.threads) {
		pr->prev = pr->last;
		pr->have = 1;
		pr->prev_at = t;
		return 0;
	}
	if (t - pr->prev_at < STABLE_MS || t < pr->next_at)
		return 0;
	if (proc_stuck_confirm(pid, &pr->last))
		return 1;
	pr->next_at = t + 100; /* the costly checks failed: not again at once */
	return 0;
}

int probe_deadlocked(pid_t pid)
{
	/* probes watch one process at a time: one remembered sample will do */
	static struct proof pr;
	static pid_t watched;
	if (pid != watched) {
		memset(&pr, 0, sizeof pr);
		watched = pid;
	}
	if (!proof_step(&pr, pid))
		return 0;
	memcpy(proven_where, pr.last.first.raw, sizeof proven_where - 1);
	proven_where[sizeof proven_where - 1] = 0;
	char *nl = strchr(proven_where, '\n');
	if (nl)
		*nl = 0;
	return 1;
}

void judge_child(pid_t pid, int rfd, int timeout_ms, struct child_result *r, void (*hook)(void *),
                 void *hook_arg)
{
	struct child_msg m;
	struct proof pr = {0};
	long start = now_ms();
	int got = 0, st;

	memset(r, 0, sizeof *r);
	r->inside = r->in_call = -1;
	for (;;) {
		if (hook)
			hook(hook_arg);
		struct pollfd p = {.fd = rfd, .events = POLLIN};
		if (!got && poll(&p, 1, 1) > 0 && (p.revents & POLLIN))
			got = read(rfd, &m, sizeof m) == sizeof m && m.magic == CHILD_MAGIC;
		else if (got || (p.revents & POLLHUP))
			sleep_ms(1); /* nothing more to read: do not spin */
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid) {
			if (!got)
				got = read(rfd, &m, sizeof m) == sizeof m && m.magic == CHILD_MAGIC;
			classify_exit(r, st, &m, got);
			r->inside = got ? m.inside : -1;
			r->in_call = got ? m.in_call : -1;
			return;
		}
		if (proof_step(&pr, pid)) {
			if (pr.last.threads == 1 && !pr.last.signals && !pr.last.npipes) {
				/* a shared wait here was shown to be keyed to the child's memory */
				const char *what = pr.last.nshared
				                       ? "an untimed futex wait on a private "
				                         "anonymous page"
				                       : "a private futex wait with no timeout";
				set(r, B_DEADLOCK, HOW_PROOF, "single-threaded child parked in ");
				str_add(r->detail, sizeof r->detail, what);
			} else {
				set(r, B_DEADLOCK, HOW_PROOF, "all ");
				str_add_num(r->detail, sizeof r->detail, pr.last.threads);
				str_add(r->detail, sizeof r->detail,
				        pr.last.threads == 1 ? " thread" : " threads");
				str_add(r->detail, sizeof r->detail,
				        " of the child in waits nothing can end:");
				if (pr.last.futexes)
					str_add(r->detail, sizeof r->detail,
					        " private untimed futex waits;");
				if (pr.last.nshared)
					str_add(r->detail, sizeof r->detail,
					        " untimed futex waits on private anonymous pages;");
				if (pr.last.npipes)
					str_add(r->detail, sizeof r->detail,
					        " a read of a pipe only the child can write;");
				if (pr.last.signals)
					str_add(
					    r->detail, sizeof r->detail,
					    " a signal wait with no armed timer (none, or the "
					    "probe declared them unarmed) and no child to signal;");
				r->detail[strlen(r->detail) - 1] = 0;
			}
			r->futex = pr.last.first.arg[0];
			describe_wait(r, &pr.last.first);
			break;
		}
		long waited = now_ms() - start;
		/* A child that is runnable but has hardly had the processor is
		 * starved by a loaded machine, not hung: it gets more time, up to
		 * four times the bound (a spinning child uses the processor it
		 * gets and is judged at the bound). So does a child that reported
		 * and is inside exit_group(): the library is done, the kernel is
		 * tearing it down (SPAWN-2's mount namespace, under load). */
		if (waited > timeout_ms && waited < 4L * timeout_ms &&
		    (proc_starved(pid, waited) ||
		     (got && m.status == PROBE_OK && proc_exiting(pid)) || proc_awaits_child(pid)))
			continue;
		if (waited > timeout_ms) {
			set(r, B_DEADLOCK, HOW_TIMEOUT, "child still running after ");
			str_add_num(r->detail, sizeof r->detail, waited);
			str_add(r->detail, sizeof r->detail, " ms");
			if (pr.last.first.valid)
				describe_wait(r, &pr.last.first);
			break;
		}
	}
	if (got && m.status == PROBE_OK)
		str_add(r->detail, sizeof r->detail, " (after the probe reported success)");
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

int case_verdict(int level, int behaviour, int skipped)
{
	if (skipped)
		return V_SKIP;
	if (level == MAY)
		return V_OBSERVED; /* recorded, never judged */
	return behaviour == B_WORKS ? V_PASS : V_FAIL;
}
