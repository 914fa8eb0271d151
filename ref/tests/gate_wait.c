/* SPDX-License-Identifier: MIT */
/*
 * Gates: fork waits, parked in a private futex wait (what the suite's harness
 * looks for), until no other thread is inside a gate; a thread arriving while
 * fork is pending waits until fork is done; a gate switched off is ignored.
 */
#include "tap.h"

#include <pthread.h>
#include <stdatomic.h>

#include "../forklock.h"

static struct forklock_gate gate = FORKLOCK_GATE_INIT("test");
static struct forklock_gate off_gate = {"off", true};
static int inside[2], release_inside[2], go_fork[2];
static atomic_int forker_tid, fork_returned, late_entered;
static atomic_int fork_status = -1;

static void *sit_in_gate(void *arg)
{
	struct forklock_gate *which = arg;
	int cookie = forklock_gate_enter(which);
	char byte;

	/* Nesting while fork is pending must not block this thread. */
	int nested = forklock_gate_enter(which);
	write(inside[1], "i", 1);
	read(release_inside[0], &byte, 1);
	forklock_gate_leave(which, nested);
	forklock_gate_leave(which, cookie);
	return NULL;
}

static void *forker(void *arg)
{
	char byte;
	int status = -1;
	pid_t pid;

	(void)arg;
	atomic_store(&forker_tid, gettid());
	read(go_fork[0], &byte, 1);
	pid = fork();
	if (pid == 0)
		_exit(0);
	atomic_store(&fork_returned, 1);
	reap_within(pid, 5000, &status);
	atomic_store(&fork_status, status);
	return NULL;
}

static void *late_arrival(void *arg)
{
	int cookie = forklock_gate_enter(&gate);

	/* The gate reopens in fork's parent handler, before fork() returns
	 * to its caller: entering then is correct, so only record entry.
	 * That it was held while fork was pending is checked separately. */
	atomic_store(&late_entered, 1);
	forklock_gate_leave(&gate, cookie);
	return arg;
}

static void run(struct forklock_gate *which, bool expect_wait)
{
	pthread_t sitter, fork_thread, late;
	char byte;

	atomic_store(&fork_returned, 0);
	atomic_store(&late_entered, 0);
	atomic_store(&forker_tid, 0);
	pthread_create(&fork_thread, NULL, forker, NULL);
	/* checked below by thread id: wait until the forker has published it */
	while (!atomic_load(&forker_tid))
		sleep_ms(1);
	pthread_create(&sitter, NULL, sit_in_gate, which);
	read(inside[0], &byte, 1);
	write(go_fork[1], "g", 1);
	if (expect_wait) {
		ok(becomes_futex_parked(getpid(), atomic_load(&forker_tid), 2000) &&
		       !atomic_load(&fork_returned),
		   "fork waits in FUTEX_WAIT_PRIVATE while a thread is inside");
		pthread_create(&late, NULL, late_arrival, NULL);
		sleep_ms(20);
		ok(atomic_load(&late_entered) == 0,
		   "a thread arriving meanwhile is held at the gate");
		write(release_inside[1], "r", 1);
		pthread_join(fork_thread, NULL);
		pthread_join(late, NULL);
		ok(atomic_load(&late_entered) == 1, "it enters once fork is done");
	} else {
		pthread_join(fork_thread, NULL);
		ok(atomic_load(&fork_returned), "a gate switched off does not hold fork");
		write(release_inside[1], "r", 1);
	}
	pthread_join(sitter, NULL);
	ok(exited_zero(atomic_load(&fork_status)), "the child ran and exited");
}

int main(void)
{
	pipe(inside);
	pipe(release_inside);
	pipe(go_fork);
	forklock_install();
	run(&gate, true);
	run(&off_gate, false);
	return tap_done();
}
