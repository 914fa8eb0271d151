/* SPDX-License-Identifier: MIT */
/* Fork takes registered locks in ascending rank, releases them in reverse. */
#include "tap.h"

#include <pthread.h>

#include "../forklock.h"

static char trace[128];

static void note(char what, const char *name)
{
	size_t len = strlen(trace);

	if (len + 3 < sizeof(trace)) {
		trace[len] = what;
		trace[len + 1] = name[0];
		trace[len + 2] = 0;
	}
}

static void traced_lock(void *name)
{
	note('L', name);
}

static void traced_unlock(void *name)
{
	note('U', name);
}

static void traced_reset(void *name)
{
	note('R', name);
}

static const struct forklock_ops traced = {traced_lock, traced_unlock, traced_reset};
static struct forklock leaf_a = FORKLOCK_INIT("a", FORKLOCK_RANK_LEAF, &traced, "a");
static struct forklock loader = FORKLOCK_INIT("l", FORKLOCK_RANK_LOADER, &traced, "l");
static struct forklock heap = FORKLOCK_INIT("m", FORKLOCK_RANK_MALLOC, &traced, "m");
static struct forklock leaf_b = FORKLOCK_INIT("b", FORKLOCK_RANK_LEAF, &traced, "b");

static void *idle(void *arg)
{
	return arg;
}

int main(void)
{
	pthread_t thread;
	int status;
	pid_t pid;

	/* Registered out of order; equal ranks keep registration order. */
	ok(forklock_register(&leaf_a) == 0 && forklock_register(&heap) == 0 &&
	       forklock_register(&loader) == 0 && forklock_register(&leaf_b) == 0,
	   "four locks register");
	ok(forklock_register(&heap) == -1, "registering a lock twice is refused");
	ok(forklock_install() == 0, "fork hooks install");
	pthread_create(&thread, NULL, idle, NULL);
	pthread_join(thread, NULL);

	trace[0] = 0;
	pid = fork();
	if (pid == 0)
		_exit(strcmp(trace, "LlLaLbLmRlRaRbRm") == 0 ? 0 : 1);
	ok(strcmp(trace, "LlLaLbLmUmUbUaUl") == 0, "parent: rank order, then reverse (%s)", trace);
	ok(reap_within(pid, 5000, &status) && exited_zero(status),
	   "child: same acquisition, then reset in rank order, never unlock");

	trace[0] = 0;
	forklock_take(&loader);
	forklock_take(&leaf_a);
	forklock_drop(&leaf_a);
	forklock_drop(&loader);
	ok(strcmp(trace, "LlLaUaUl") == 0, "forklock_take/drop run the lock's own operations");
	return tap_done();
}
