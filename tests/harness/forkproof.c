/* SPDX-License-Identifier: MIT */
/*
 * Proving fork() itself stuck, from the forking process.
 *
 * When fork() never returns there is no child to judge: the deadlock is in
 * the forking process (musl 1.2.3's ATFORK-3: a prepare handler registering
 * a handler waits for the atfork lock its own fork holds; AIO-1: the forker
 * and an aio submitter each wait for a lock the other holds). The case
 * process's controller can prove it from /proc/self, because it knows that
 * it itself, from here on, only makes system calls and wakes no futex. The
 * rule: every thread of the process but the controller is
 *   - in an untimed FUTEX_WAIT on a private futex, and really waiting in the
 *     kernel (its wchan names a futex function: not stopped at a seccomp
 *     notification, which the controller would answer and let go on), or
 *   - in pause(), or in read() of a pipe only the controller writes (the
 *     harness's control pipes, which the caller names),
 * the forking thread among the futex waiters; two samples STABLE_MS apart
 * agree; and no POSIX timer or child process can send a signal. Then no
 * thread of the process can run again, so none can wake the forker. A sleep,
 * a timed wait, a read of another pipe or a running thread anywhere in the
 * process keeps the rule from holding (and the timeout decides, as before).
 */
#define _GNU_SOURCE
#include <string.h>
#include "sysno.h"
#include <unistd.h>

#include "harness.h"
#include "proc.h"

#define STABLE_MS 5

static char *task_path(char *dst, long tid, const char *leaf)
{
	char *e = put_dec(strcpy(dst, "/proc/self/task/") + 16, tid);
	strcpy(e, leaf);
	return dst;
}

struct self_scan {
	pid_t me, forker;
	const int *idle_fds;
	int nidle;
	int ok, forker_waits;
	unsigned long sig, futex;
};

static int idle_read(const struct self_scan *st, const struct sc_sample *s)
{
	if (!s->in_syscall || s->nr != SYS_read)
		return 0;
	for (int i = 0; i < st->nidle; i++)
		if (st->idle_fds[i] >= 0 && s->arg[0] == (unsigned long)st->idle_fds[i])
			return 1;
	return 0;
}

static int thread_stuck(long tid, void *arg)
{
	struct self_scan *st = arg;
	if (tid == st->me)
		return 0;
	char path[96], wchan[64];
	struct sc_sample s;
	proc_sample(0, (pid_t)tid, &s);
	if (!s.valid)
		return st->ok = 0, 1;
	for (const char *c = s.raw; *c; c++)
		st->sig = (st->sig ^ (unsigned char)*c) * 1099511628211UL;
	st->sig = (st->sig ^ (unsigned long)tid) * 1099511628211UL;
	if (sc_unwakeable_wait(&s)) {
		if (proc_read_file(task_path(path, tid, "/wchan"), wchan, sizeof wchan) <= 0 ||
		    !strstr(wchan, "futex"))
			return st->ok = 0, 1;
		if (tid == st->forker) {
			st->forker_waits = 1;
			st->futex = s.arg[0];
		}
		return 0;
	}
	if (tid == st->forker)
		return st->ok = 0, 1;
#ifdef SYS_pause
	if (s.in_syscall && s.nr == SYS_pause)
		return 0;
#endif
	if (idle_read(st, &s))
		return 0;
	return st->ok = 0, 1;
}

/* The signature of the whole process's state, or 0 when the rule does not
 * hold in this sample. */
static unsigned long sample_self(pid_t forker, const int *idle_fds, int nidle, unsigned long *futex)
{
	struct self_scan st = {.me = (pid_t)syscall(SYS_gettid),
	                       .forker = forker,
	                       .idle_fds = idle_fds,
	                       .nidle = nidle,
	                       .ok = 1,
	                       .sig = 1469598103934665603UL};
	if (proc_each_number("/proc/self/task", thread_stuck, &st) < 0 || !st.ok ||
	    !st.forker_waits)
		return 0;
	*futex = st.futex;
	return st.sig ? st.sig : 1;
}

static int has_child(long tid, void *arg)
{
	char path[96], buf[16];
	(void)arg;
	return proc_read_file(task_path(path, tid, "/children"), buf, sizeof buf) != 0;
}

/* Nothing can send a signal: no POSIX timer, no child process. */
static int no_signal_source(void)
{
	char buf[64];
	if (proc_read_file("/proc/self/timers", buf, sizeof buf) != 0)
		return 0;
	return proc_each_number("/proc/self/task", has_child, 0) == 0;
}

int fork_proof_step(struct fork_proof *fp, pid_t forker, const int *idle_fds, int nidle)
{
	long t = now_ms();
	if (t < fp->next_at)
		return 0;
	unsigned long sig = sample_self(forker, idle_fds, nidle, &fp->futex);
	if (!sig) {
		fp->have = 0;
		return 0;
	}
	if (!fp->have || fp->sig != sig) {
		fp->sig = sig;
		fp->have = 1;
		fp->at = t;
		return 0;
	}
	if (t - fp->at < STABLE_MS)
		return 0;
	if (no_signal_source())
		return 1;
	fp->next_at = t + 100; /* a timer or a child: not again at once */
	return 0;
}
