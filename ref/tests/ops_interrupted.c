/* SPDX-License-Identifier: MIT */
/*
 * Unbounded operations: fork does not wait for another thread's operation;
 * the child (and its children) see it as interrupted and refuse it; the
 * forking thread's own operation continues in the child.
 */
#include "tap.h"

#include <pthread.h>

#include "../forklock.h"

static int started[2], finish[2];

static void *constructor(void *arg)
{
	int token = forklock_op_begin(FORKLOCK_OP_CTOR, "libslow.so");
	char byte;

	write(started[1], "s", 1);
	read(finish[0], &byte, 1);
	forklock_op_end(token);
	return arg;
}

static int child_checks(void)
{
	int failed = 0, status = -1;
	pid_t pid;

	failed |= !forklock_op_was_interrupted("libslow.so");
	failed |= forklock_op_begin(FORKLOCK_OP_CTOR, "libslow.so") != FORKLOCK_OP_REFUSED;
	failed |= forklock_op_was_interrupted("libmine.so") << 1;
	failed |= (forklock_op_begin(FORKLOCK_OP_CTOR, "libother.so") < 0) << 2;
	pid = fork();
	if (pid == 0)
		_exit(!forklock_op_was_interrupted("libslow.so"));
	failed |= (!reap_within(pid, 5000, &status) || !exited_zero(status)) << 3;
	return failed;
}

int main(void)
{
	pthread_t thread;
	double start;
	char byte;
	int mine, status = -1;
	pid_t pid;

	pipe(started);
	pipe(finish);
	forklock_install();
	mine = forklock_op_begin(FORKLOCK_OP_CTOR, "libmine.so");
	pthread_create(&thread, NULL, constructor, NULL);
	read(started[0], &byte, 1);
	start = now_ms();
	pid = fork();
	if (pid == 0)
		_exit(child_checks());
	ok(now_ms() - start < 1000, "fork does not wait for another thread's constructor");
	reap_within(pid, 5000, &status);
	ok(exited_zero(status),
	   "child: interrupted, refused, inherited by grandchild; own and other ops fine");
	ok(!forklock_op_was_interrupted("libslow.so"), "parent: nothing interrupted");
	write(finish[1], "f", 1);
	pthread_join(thread, NULL);
	forklock_op_end(mine);
	ok(forklock_op_begin(FORKLOCK_OP_CTOR, "libslow.so") >= 0, "parent: may begin it again");
	return tap_done();
}
