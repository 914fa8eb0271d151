/* SPDX-License-Identifier: MIT */
/*
 * The single-threaded fast path: until the process has a second thread, fork
 * takes no registered lock; so fork from a signal handler that interrupted a
 * lock holder does not deadlock (fork stays async-signal-safe).
 */
#include "tap.h"

#include <pthread.h>

#include "../forklock.h"

static forklock_mutex_t mutex = FORKLOCK_MUTEX_INIT;
static int takes;

static void counted_lock(void *obj)
{
	takes++;
	forklock_mutex_lock(obj);
}

static void plain_unlock(void *obj)
{
	forklock_mutex_unlock(obj);
}

static void plain_reset(void *obj)
{
	forklock_mutex_ops.reset(obj);
}

static const struct forklock_ops counted = {counted_lock, plain_unlock, plain_reset};
static struct forklock lock = FORKLOCK_INIT("state", FORKLOCK_RANK_LEAF, &counted, &mutex);
static pid_t handler_child = -1;

static void fork_in_handler(int sig)
{
	(void)sig;
	handler_child = fork();
	if (handler_child == 0)
		_exit(0);
}

static void *idle(void *arg)
{
	return arg;
}

static int fork_and_reap(void)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	reap_within(pid, 5000, &status);
	return status;
}

int main(void)
{
	pthread_t thread;
	int status = -1;

	forklock_register(&lock);
	forklock_install();
	ok(!forklock_is_threaded(), "a process that never had a thread is single-threaded");

	takes = 0;
	ok(exited_zero(fork_and_reap()) && takes == 0, "single-threaded fork takes no lock");

	signal(SIGALRM, fork_in_handler);
	forklock_take(&lock);
	kill(getpid(), SIGALRM);
	forklock_drop(&lock);
	ok(handler_child > 0 && reap_within(handler_child, 5000, &status) && exited_zero(status),
	   "fork in a signal handler that interrupted the lock holder");

	pthread_create(&thread, NULL, idle, NULL);
	pthread_join(thread, NULL);
	takes = 0;
	ok(forklock_is_threaded(), "after a second thread the process counts as threaded");
	ok(exited_zero(fork_and_reap()) && takes == 1, "then fork takes the lock");
	return tap_done();
}
