/* SPDX-License-Identifier: MIT */
/*
 * Steps 1 and 2 of a case with a deterministic holder (uffd, callback and
 * app ways; a guarded stack scans for its depth in gscan.c): the holder
 * parks inside the subsystem, the verifier must then park on a futex, and
 * the checker shows the hold takes no lock fork itself takes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "casectx.h"
#include "proc.h"
#include "sysno.h"

/*
 * The verifier runs in a copy of this process made by a raw clone (no fork
 * handlers, no libc fork locks: the memory as it is, the lock held by a
 * holder the copy does not have), never in a thread beside the holder.  A
 * verifier blocked in this process would itself be a thread inside the
 * subsystem at fork, and a fork that waits for every thread inside (the
 * gates of an interposed library such as libforklock) would wait for it
 * whether or not it waits for the holder: the case would pass with the
 * holder's own call unprotected.
 *   Blocked means proven stuck, by the judge's own rule (proof_step: every
 * thread of the copy in a wait nothing can end, twice): a timed wait, or a
 * thread the verify call created and joins, is no block.  And a second copy,
 * made after the first was proven, must block on the same word: a lock that
 * another thread of this process held for a moment when the first copy was
 * made stays held in that copy forever, but not at both instants.
 */
static int verify_once(void (*call)(void), unsigned long *futex)
{
	int status, r = VERIFY_STUCK;
	long end = now_ms() + scaled_ms(VERIFY_MS);
	struct proof pr = {0};
	pid_t parent = getpid();
	pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		/* a case process that dies takes its copy along */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			syscall(SYS_exit_group, 1);
		call();
		syscall(SYS_exit_group, 0);
	}
	if (pid < 0)
		return VERIFY_STUCK;
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? VERIFY_RETURNED
			                                                     : VERIFY_STUCK;
		if (proof_step(&pr, pid)) {
			*futex = sc_futex_wait(&pr.last.first) && pr.last.first.arg[0]
			             ? pr.last.first.arg[0]
			             : 1;
			r = VERIFY_BLOCKED;
			break;
		}
		if (now_ms() > end)
			break;
		sleep_ms(1);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, 0, 0) < 0 && errno == EINTR)
		;
	return r;
}

/* Returns VERIFY_BLOCKED (*futex: the word), VERIFY_RETURNED, or
 * VERIFY_STUCK (neither within VERIFY_MS, the two copies disagree, or no
 * copy). */
int verify_in_copy(void (*call)(void), unsigned long *futex)
{
	unsigned long again = 0;
	int r = verify_once(call, futex);
	if (r != VERIFY_BLOCKED)
		return r;
	r = verify_once(call, &again);
	return r == VERIFY_BLOCKED && again != *futex ? VERIFY_STUCK : r;
}

/* The checker's calls: an allocation too big for any per-thread cache and
 * a stream opened and closed, the allocator and open-file list locks that
 * glibc and musl both take in fork. */
static void *volatile checker_sink;
void fork_lock_calls(void)
{
	checker_sink = malloc(64 * 1024);
	free(checker_sink);
	FILE *f = fopen("/dev/null", "r");
	if (f)
		fclose(f);
}

/*
 * After verification: 1 when the hold takes no lock fork takes other than
 * the one under test.  A hold that also held one would make fork wait for
 * it, the holder would be released, and the case would test nothing.  The
 * checker runs in a copy too, never in a thread: blocked in this process
 * it would go on once the holder is released, and a thread inside fclose()
 * (its stream locked, waiting for the list lock fork holds) leaves the
 * child a stream locked forever, which the child's fflush(NULL) or exit()
 * then waits for (musl's STDIO-LIST-4 and EXIT-8, once each in 75 and 50
 * runs).  Argument and callback ways park where their design says (in
 * malloc_stats' output, in fflush's write): when the checker waits where
 * the verifier does, the lock under test is the one fork takes (MALLOC,
 * STDIO-LIST).
 */
static int fork_locks_free(struct casectx *cx, struct outcome *o)
{
	unsigned long at = 0;
	switch (verify_in_copy(fork_lock_calls, &at)) {
	case VERIFY_RETURNED:
		return 1;
	case VERIFY_BLOCKED:
		if (at == cx->verifier_futex)
			return 1;
		finish(o, V_NOT_HELD,
		       "the holder also holds a lock fork takes (allocator or open-file "
		       "list): fork would wait for it and the case would test nothing");
		return 0;
	default:
		finish(o, V_NOT_HELD, "the checker neither finished nor blocked");
		return 0;
	}
}

/* Application state (WAY_APP): the verifier is a thread of this process,
 * blocked on that state through fork, because a thread waiting for the
 * application is part of what fork must never wait for (FILE-EXCL-6: its
 * fflush(NULL) holds the open-file list lock while it waits for the
 * flockfile'd FILE; PROGRESS-1: a second waiter on the application mutex).
 * Also a holding whose verify() needs the process's own threads
 * (verify_in_process): a fork that waits for every thread inside the
 * subsystem then waits for the verifier too, so such a case cannot tell a
 * protected holder's call from an unprotected one. */
static int verify_in_thread(struct casectx *cx, struct outcome *o)
{
	int type, val;
	long end = now_ms() + scaled_ms(VERIFY_MS);
	go(cx->go_verifier[1]);
	for (;;) {
		type = next_event(cx, 2, &val);
		if (type == EV_RETURNED && val == 'v') {
			finish(o, V_NOT_HELD, "the verifier did not block: the state was not held");
			return 0;
		}
		if ((cx->verifier_futex = parked_on_futex(cx->tid_verifier)))
			return 1;
		if (now_ms() > end) {
			finish(o, V_NOT_HELD,
			       "the verifier neither blocked on a futex nor returned");
			return 0;
		}
	}
}

/* Steps 1 and 2; returns 1 when the lock is verifiably held. */
int hold_and_verify(struct casectx *cx, struct outcome *o)
{
	int type, val;
	long end = now_ms() + scaled_ms(HOLD_MS);
	go(cx->go_holder[1]);
	for (;;) {
		type = next_event(cx, 10, &val);
		if (type == EV_FAULT && val == cx->tid_holder)
			break;
		if (type == EV_PARKED)
			break;
		if (type == EV_RETURNED) {
			finish(o, V_NOT_HELD, "the holder's call returned without parking");
			return 0;
		}
		if (now_ms() > end) {
			finish(o, V_NOT_HELD, "the holder did not park");
			return 0;
		}
	}
	if (!cx->c->holding->verify)
		return 1; /* application state that is no lock: parking is all there is */
	if (cx->w->kind == WAY_APP)
		return verify_in_thread(cx, o);
	if (cx->c->holding->verify_in_process)
		return verify_in_thread(cx, o) && fork_locks_free(cx, o);
	switch (verify_in_copy(cx->c->holding->verify, &cx->verifier_futex)) {
	case VERIFY_BLOCKED:
		return fork_locks_free(cx, o);
	case VERIFY_RETURNED:
		finish(o, V_NOT_HELD, "the verifier did not block: the lock was not held");
		return 0;
	default:
		finish(o, V_NOT_HELD, "the verifier neither blocked on a futex nor returned");
		return 0;
	}
}
