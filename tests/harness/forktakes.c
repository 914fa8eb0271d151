/* SPDX-License-Identifier: MIT */
/*
 * Does fork take the lock whose futex word the stochastic scout found?
 * musl's fork takes its allocator, sem_open and other internal locks; such
 * a lock is never held at fork, so a stochastic case must judge its forks
 * by the hammer being inside its call instead (stochastic.c).
 *
 * Asked of a copy of the case process made before its threads start (the
 * same addresses): the copy starts a forker thread (a libc takes its fork
 * locks only once it has threads), marks the word held, and lets the thread
 * fork with the case's own fork.  A fork that takes the lock parks on that
 * very word: yes.  A fork that returns: no.  Anything else: unknown.  The
 * marked value is negative, held for musl's locks and for glibc's (which
 * then waits for 2); the copy is killed, never released.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "casectx.h"
#include "proc.h"

#define FORKTAKES_MS 300 /* scaled: how long the copy's fork may take to park */

struct forker_arg {
	pid_t (*fork)(void);
	int go[2];
	atomic_int tid, returned;
};

static void *forker(void *p)
{
	struct forker_arg *a = p;
	char c;
	atomic_store(&a->tid, gettid_());
	if (read(a->go[0], &c, 1) != 1)
		return 0;
	pid_t pid = a->fork();
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		while (waitpid(pid, 0, 0) < 0 && errno == EINTR)
			;
	atomic_store(&a->returned, 1);
	return 0;
}

/* In the copy: 1, 0 or -1 as above. */
static int ask(unsigned long addr, pid_t (*fork_fn)(void))
{
	static struct forker_arg a;
	pthread_t t;
	a.fork = fork_fn;
	if (pipe(a.go) || pthread_create(&t, 0, forker, &a))
		return -1;
	while (!atomic_load(&a.tid))
		sleep_ms(1);
	atomic_store((atomic_int *)addr, INT_MIN + 1);
	go(a.go[1]);
	long end = now_ms() + scaled_ms(FORKTAKES_MS);
	while (now_ms() < end) {
		if (atomic_load(&a.returned))
			return 0;
		unsigned long at = parked_on_futex(atomic_load(&a.tid));
		if (at)
			return at == addr ? 1 : -1;
		sleep_ms(1);
	}
	return -1;
}

struct forktakes_question {
	unsigned long addr;
	pid_t (*fork)(void);
};

static void ask_in_copy(void *arg, void *answer)
{
	struct forktakes_question *q = arg;
	*(signed char *)answer = (signed char)ask(q->addr, q->fork);
}

int fork_takes_lock(unsigned long addr, pid_t (*fork_fn)(void))
{
	struct forktakes_question q = {addr, fork_fn};
	signed char answer = -1;
	if (!addr ||
	    !ask_copy(ask_in_copy, &q, &answer, sizeof answer, scaled_ms(FORKTAKES_MS + 500)))
		return -1;
	return answer;
}
