/* SPDX-License-Identifier: MIT */
/*
 * The child resets registered locks instead of unlocking them, and fork waits
 * (bounded) for a thread that holds one.
 */
#include "tap.h"

#include <pthread.h>

#include "../forklock.h"

static forklock_mutex_t mutex = FORKLOCK_MUTEX_INIT;
static int unlocks, resets; /* by the forking (main) thread */
static pthread_t main_thread;

static void counted_lock(void *obj)
{
	forklock_mutex_lock(obj);
}

static void counted_unlock(void *obj)
{
	if (pthread_equal(pthread_self(), main_thread))
		unlocks++;
	forklock_mutex_unlock(obj);
}

static void counted_reset(void *obj)
{
	resets++;
	forklock_mutex_ops.reset(obj);
}

static const struct forklock_ops counted = {counted_lock, counted_unlock, counted_reset};
static struct forklock lock = FORKLOCK_INIT("state", FORKLOCK_RANK_LEAF, &counted, &mutex);
static int holding[2];

static void *holder(void *arg)
{
	forklock_take(&lock);
	write(holding[1], "h", 1);
	sleep_ms(100);
	forklock_drop(&lock);
	return arg;
}

int main(void)
{
	pthread_t thread;
	double start;
	char byte;
	int status;
	pid_t pid;

	main_thread = pthread_self();
	forklock_register(&lock);
	forklock_install();
	pipe(holding);
	pthread_create(&thread, NULL, holder, NULL);
	read(holding[0], &byte, 1);
	start = now_ms();
	unlocks = resets = 0;
	pid = fork();
	if (pid == 0) {
		bool reset_only = resets == 1 && unlocks == 0 && mutex.word == 0;
		forklock_take(&lock); /* would hang if the lock were copied held */
		forklock_drop(&lock);
		_exit(reset_only ? 0 : 1);
	}
	ok(now_ms() - start >= 90, "fork waited for the thread holding a registered lock");
	ok(unlocks == 1 && resets == 0, "parent unlocked, did not reset");
	ok(reap_within(pid, 5000, &status) && exited_zero(status),
	   "child: lock reset (not unlocked) and usable");
	pthread_join(thread, NULL);
	return tap_done();
}
