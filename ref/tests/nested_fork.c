/* SPDX-License-Identifier: MIT */
/*
 * Forks at every depth: a child of a threaded parent creates threads and
 * forks again; each generation can use the registered locks and gates.
 */
#include "tap.h"

#include <pthread.h>

#include "../forklock.h"

static forklock_mutex_t mutex = FORKLOCK_MUTEX_INIT;
static struct forklock lock =
    FORKLOCK_INIT("state", FORKLOCK_RANK_LEAF, &forklock_mutex_ops, &mutex);
static struct forklock_gate gate = FORKLOCK_GATE_INIT("test");

/* Keeps the lock and the gate busy while forks happen. */
static void *churn(void *arg)
{
	for (int i = 0; i < 2000; i++) {
		int cookie = forklock_gate_enter(&gate);
		forklock_take(&lock);
		forklock_drop(&lock);
		forklock_gate_leave(&gate, cookie);
	}
	return arg;
}

/* Returns 0 if this generation and all below it worked. */
static int generation(int depth)
{
	pthread_t thread;
	int status, failed = 0;

	pthread_create(&thread, NULL, churn, NULL);
	for (int i = 0; i < 4 && !failed; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			int cookie = forklock_gate_enter(&gate);
			forklock_take(&lock);
			forklock_drop(&lock);
			forklock_gate_leave(&gate, cookie);
			_exit(depth > 1 ? generation(depth - 1) : 0);
		}
		if (!reap_within(pid, 5000, &status) || !exited_zero(status))
			failed = 1;
	}
	pthread_join(thread, NULL);
	return failed;
}

int main(void)
{
	forklock_register(&lock);
	forklock_install();
	ok(generation(3) == 0, "three generations of threaded forks: locks and gates usable");
	return tap_done();
}
