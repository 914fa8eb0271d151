/* SPDX-License-Identifier: MIT */
/*
 * A thread cancelled inside a cancellable gated call leaves the gate: the
 * adapter is built without -fexceptions, so the gate is left by a
 * pthread_cleanup_push handler that glibc's cancellation longjmps to
 * (glibc/gated.h).  If it were not, a fork while the cancelled thread runs
 * its outer cleanup handlers (here: one that waits for that fork) would
 * wait for it.
 */
#include "tap.h"

#include <pthread.h>
#include <semaphore.h>

#include "../glibc/gated.h"

/* gated.h's symbol lookup, as the adapter's next_symbol.c does it. */
#include <dlfcn.h>
FORKLOCK_HIDDEN void *forklock_next_symbol(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static struct forklock_gate gate = FORKLOCK_GATE_INIT("test");
static pthread_barrier_t cancel_sent;
static sem_t in_outer_handler, forked;

/* Runs after the gate's own cleanup: waits (bounded) for main's fork. */
static void outer_handler(void *unused)
{
	struct timespec until;

	(void)unused;
	sem_post(&in_outer_handler);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 3;
	while (sem_timedwait(&forked, &until) != 0 && errno == EINTR)
		;
}

static void *cancelled_inside(void *arg)
{
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_barrier_wait(&cancel_sent); /* main cancels now: pending */
	pthread_barrier_wait(&cancel_sent);
	pthread_cleanup_push(outer_handler, NULL);
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	GATED_CANCELLABLE_VOID(&gate, pthread_testcancel); /* acted on inside the gate */
	pthread_cleanup_pop(0);
	return arg; /* not reached */
}

int main(void)
{
	pthread_t thread;
	void *result = NULL;
	int status = -1;
	struct timespec before, after;
	double waited;
	pid_t pid;

	forklock_install();
	pthread_barrier_init(&cancel_sent, NULL, 2);
	sem_init(&in_outer_handler, 0, 0);
	sem_init(&forked, 0, 0);
	pthread_create(&thread, NULL, cancelled_inside, NULL);
	pthread_barrier_wait(&cancel_sent);
	pthread_cancel(thread);
	pthread_barrier_wait(&cancel_sent);
	while (sem_wait(&in_outer_handler) != 0)
		;
	clock_gettime(CLOCK_MONOTONIC, &before);
	pid = fork();
	if (pid == 0)
		_exit(0);
	clock_gettime(CLOCK_MONOTONIC, &after);
	sem_post(&forked);
	waited = (double)(after.tv_sec - before.tv_sec) + (after.tv_nsec - before.tv_nsec) / 1e9;
	ok(pid > 0 && reap_within(pid, 5000, &status) && exited_zero(status) && waited < 1.5,
	   "fork does not wait for a thread cancelled inside a gate (%.3f s)", waited);
	pthread_join(thread, &result);
	ok(result == PTHREAD_CANCELED, "the thread was cancelled inside the gated call");
	return tap_done();
}
