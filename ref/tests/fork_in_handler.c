/* SPDX-License-Identifier: MIT */
/*
 * fork called from atfork handlers: from a prepare handler that runs before
 * ours, from one that runs after ours (the locks are then already held: a
 * nested fork), from a parent handler and from a child handler.
 */
#include "tap.h"

#include <pthread.h>

#include "../forklock.h"

static forklock_mutex_t mutex = FORKLOCK_MUTEX_INIT;
static struct forklock lock =
    FORKLOCK_INIT("state", FORKLOCK_RANK_LEAF, &forklock_mutex_ops, &mutex);
static struct forklock_gate gate = FORKLOCK_GATE_INIT("test");

enum { EARLY_PREPARE, LATE_PREPARE, PARENT, CHILD, PLACES };
static const char *const place_name[PLACES] = {"a prepare handler running before ours",
                                               "a prepare handler running after ours (nested)",
                                               "a parent handler", "a child handler"};
static int armed = -1;
static int result[PLACES];

/* The nested child (fork still in progress) may only use what passes: gates. */
static void fork_here(int place, bool nested)
{
	int status;
	pid_t pid;

	if (armed != place)
		return;
	armed = -1;
	pid = fork();
	if (pid == 0) {
		int cookie = forklock_gate_enter(&gate);
		if (!nested) {
			forklock_take(&lock);
			forklock_drop(&lock);
		}
		forklock_gate_leave(&gate, cookie);
		_exit(0);
	}
	result[place] = reap_within(pid, 5000, &status) && exited_zero(status) ? 1 : 2;
}

static void late_prepare(void)
{
	fork_here(LATE_PREPARE, true);
}

static void early_prepare(void)
{
	fork_here(EARLY_PREPARE, false);
}

static void parent_handler(void)
{
	fork_here(PARENT, false);
}

static void child_handler(void)
{
	fork_here(CHILD, false);
}

static void *idle(void *arg)
{
	return arg;
}

int main(void)
{
	pthread_t thread;
	int status;

	/* glibc runs prepare handlers last-registered first. */
	pthread_atfork(late_prepare, NULL, NULL);
	forklock_register(&lock);
	forklock_install();
	pthread_atfork(early_prepare, parent_handler, child_handler);
	pthread_create(&thread, NULL, idle, NULL);
	pthread_join(thread, NULL);

	for (int place = 0; place < PLACES; place++) {
		pid_t pid;
		armed = place;
		result[place] = 0;
		pid = fork();
		if (pid == 0) {
			forklock_take(&lock);
			forklock_drop(&lock);
			_exit(place == CHILD ? result[CHILD] != 1 : 0);
		}
		ok(reap_within(pid, 5000, &status) && exited_zero(status) &&
		       (place == CHILD || result[place] == 1),
		   "fork from %s", place_name[place]);
	}
	forklock_take(&lock);
	forklock_drop(&lock);
	ok(true, "parent's lock usable after all of them");
	return tap_done();
}
