/* SPDX-License-Identifier: MIT */
/*
 * TIMER — POSIX per-process timers in the MT-forked child (spec/timer.adoc).
 *
 * TIMER-1: timers with SIGEV_SIGNAL and SIGEV_NONE notification work in the
 * child (create, arm, read, overrun count, delete) and the signal is
 * delivered with the timer's value, although another thread was inside
 * timer creation or deletion at fork and SIGEV_THREAD timers existed in the
 * parent. Those are plain system calls in both libraries; the holding
 * (tests/harness/holdings.c, fx_timer_holding) is glibc's SIGEV_THREAD list
 * lock, whose own clause, THREAD-7, lives with the threads (tests/threads.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h> /* pthread_sigmask: some libcs declare it here only (dietlibc) */
#include <signal.h>
#include <time.h>

#include "harness/fixture.h"
#include "clauses.h"

#define WAIT_MS 1000 /* a probe waits this long (scaled) for an expiry */

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int probe_sigev_signal(struct probe *p)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &set, 0))
		return probe_wrong(p, "pthread_sigmask failed");
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
	ev.sigev_value.sival_int = 4243;
	timer_t t;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t))
		return probe_wrong_num(p, "timer_create(SIGEV_SIGNAL) failed: errno ", errno);
	struct itimerspec its = {.it_value = {0, 1000000}};
	if (timer_settime(t, 0, &its, 0))
		return probe_wrong(p, "timer_settime failed");
	int wait_ms = probe_ms(WAIT_MS);
	struct timespec limit = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};
	siginfo_t si;
	if (sigtimedwait(&set, &si, &limit) != SIGUSR1)
		return probe_wrong(p, "no SIGUSR1 from the timer within 1000 ms");
	if (si.si_code != SI_TIMER || si.si_value.sival_int != 4243)
		return probe_wrong_num(p, "the signal is not the timer's: si_code ", si.si_code);
	if (timer_getoverrun(t) < 0)
		return probe_wrong(p, "timer_getoverrun failed");
	return timer_delete(t) ? probe_wrong_num(p, "timer_delete failed: errno ", errno)
	                       : PROBE_OK;
}

static int probe_sigev_none(struct probe *p)
{
	struct sigevent ev = {.sigev_notify = SIGEV_NONE};
	timer_t t;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (timer_create(CLOCK_MONOTONIC, &ev, &t))
		return probe_wrong_num(p, "timer_create(SIGEV_NONE) failed: errno ", errno);
	struct itimerspec its = {.it_value = {0, 2000000}, .it_interval = {0, 1000000}}, cur;
	if (timer_settime(t, 0, &its, 0))
		return probe_wrong(p, "timer_settime failed");
	struct timespec nap = {0, 3000000};
	nanosleep(&nap, 0);
	if (timer_gettime(t, &cur) || cur.it_interval.tv_nsec != 1000000)
		return probe_wrong(p, "timer_gettime: wrong interval");
	if (timer_getoverrun(t) < 0)
		return probe_wrong(p, "timer_getoverrun failed");
	if (timer_delete(t))
		return probe_wrong_num(p, "timer_delete failed: errno ", errno);
	return ms_since(&t0) > probe_ms(WAIT_MS)
	           ? probe_wrong(p, "the timer calls took over 1000 ms")
	           : PROBE_OK;
}

static const struct mtcase cases[] = {
    CASE(TIMER_1, "sigev-signal", &fx_timer_holding, probe_sigev_signal),
    CASE(TIMER_1, "sigev-none", &fx_timer_holding, probe_sigev_none),
};

MTFORK_MAIN(cases)
