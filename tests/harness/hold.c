/* SPDX-License-Identifier: MIT */
/*
 * Steps 1 and 2 of a case with a deterministic holder (uffd, callback and
 * app ways; a guarded stack scans for its depth in gscan.c): the holder
 * parks inside the subsystem, the verifier must then park on a futex, and
 * the checker shows the hold takes no lock fork itself takes.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "casectx.h"

/* After verification: 1 when the checker shows the holder holds no lock
 * fork takes other than the one under test (see checker_main). */
static int fork_locks_free(struct casectx *cx, struct outcome *o)
{
	int val;
	long end = now_ms() + scaled_ms(VERIFY_MS);
	go(cx->go_checker[1]);
	for (;;) {
		int type = next_event(cx, 1, &val);
		if (type == EV_RETURNED && val == 'c')
			return 1;
		unsigned long at = type == 0 ? parked_on_futex(cx->tid_checker) : 0;
		/* Argument and callback ways park where their design says (in
		 * malloc_stats' output, in fflush's write): when the checker
		 * waits where the verifier does, the lock under test is the one
		 * fork takes (MALLOC, STDIO-LIST). */
		if (at == cx->verifier_futex)
			return 1;
		if (at) {
			finish(o, V_NOT_HELD,
			       "the holder also holds a lock fork takes (allocator or open-file "
			       "list): fork would wait for it and the case would test nothing");
			return 0;
		}
		if (now_ms() > end) {
			finish(o, V_NOT_HELD, "the checker neither finished nor blocked");
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
	go(cx->go_verifier[1]);
	end = now_ms() + scaled_ms(VERIFY_MS);
	for (;;) {
		type = next_event(cx, 2, &val);
		if (type == EV_RETURNED && val == 'v') {
			finish(o, V_NOT_HELD, "the verifier did not block: the lock was not held");
			return 0;
		}
		if (type == EV_FAULT && val == cx->tid_verifier) {
			finish(o, V_NOT_HELD,
			       "the verifier reached the trapped argument: the lock was not held");
			return 0;
		}
		if ((cx->verifier_futex = parked_on_futex(cx->tid_verifier)))
			return cx->w->kind == WAY_APP || fork_locks_free(cx, o);
		if (now_ms() > end) {
			finish(o, V_NOT_HELD,
			       "the verifier neither blocked on a futex nor returned");
			return 0;
		}
	}
}
