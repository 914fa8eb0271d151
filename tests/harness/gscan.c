/* SPDX-License-Identifier: MIT */
/*
 * Steps 1 and 2 for a guarded stack (WAY_STACK, stack.c): start the
 * holder's call at a depth above the registered pages, see where it parks,
 * and scan upward until the verifier blocks. Bounded in tries and time.
 */
#define _GNU_SOURCE
#include <string.h>

#include "casectx.h"

/* WAY_STACK, one try: start the holder's call at cx->depth. */
enum { TRY_HELD, TRY_DEEPER, TRY_RETURNED, TRY_STUCK };

/* Wait until every thread named in `who` ('h') has returned. */
static int wait_returns(struct casectx *cx, const char *who, int ms)
{
	char left[4] = "";
	int val;
	long end = now_ms() + scaled_ms(ms);
	str_add(left, sizeof left, who);
	while (left[0]) {
		if (next_event(cx, 10, &val) == EV_RETURNED && strchr(left, val))
			memmove(strchr(left, val), strchr(left, val) + 1,
			        strlen(strchr(left, val)));
		if (left[0] && now_ms() > end)
			return 0;
	}
	return 1;
}

static int try_depth(struct casectx *cx)
{
	int type, val;
	long end = now_ms() + scaled_ms(HOLD_MS);
	if (gstack_arm(&cx->gs))
		return TRY_STUCK;
	cx->touched = 0;
	go(cx->go_holder[1]);
	for (;;) {
		type = next_event(cx, 10, &val);
		if (type == EV_FAULT && val == cx->tid_holder)
			break;
		if (type == EV_RETURNED && val == 'h') {
			gstack_disarm(&cx->gs);
			return TRY_RETURNED; /* never went deeper than cx->depth */
		}
		if (now_ms() > end)
			return TRY_STUCK;
	}
	size_t touched = cx->touched;
	unsigned long at = 0;
	int v = verify_in_copy(cx->c->holding->verify, &cx->verifier_futex);
	if (v == VERIFY_STUCK)
		return TRY_STUCK;
	int in_allocator = 0;
	if (v == VERIFY_BLOCKED) {
		/* No exception for "the checker waits where the verifier does"
		 * here: a guarded stack parks at an arbitrary depth, possibly
		 * inside malloc called by the subsystem, and then the verifier
		 * waits on the allocator lock too. */
		v = verify_in_copy(fork_lock_calls, &at);
		if (v == VERIFY_RETURNED)
			return TRY_HELD;
		if (v == VERIFY_STUCK)
			return TRY_STUCK;
		in_allocator = 1;
	}
	/* Parked outside the lock (or inside the allocator): let the call
	 * finish, then start deeper, past the depth that parked it this time. */
	gstack_disarm(&cx->gs);
	if (!wait_returns(cx, "h", HOLD_MS))
		return TRY_STUCK;
	cx->in_allocator += in_allocator;
	size_t next = (touched + 15) & ~(size_t)15;
	cx->depth = next > cx->depth ? next : cx->depth + 16;
	return TRY_DEEPER;
}

/* Steps 1 and 2 for WAY_STACK: scan the depth upward from the shallowest
 * (or from the depth that held in an earlier case) until the verifier
 * blocks; bounded in tries and time. Returns 1 when held. */
int scan_and_verify(struct casectx *cx, struct outcome *o)
{
	if (cx->c->holding->verify_in_process) { /* try_depth verifies in a copy */
		finish(o, V_ERROR,
		       "a holding whose verify needs the process's threads cannot use a guarded "
		       "stack");
		return 0;
	}
	long start = now_ms();
	int hint = gstack_hint(cx->w), tries = 0, r;
	cx->depth = hint > 0 ? (size_t)hint : 16;
	for (;;) {
		if (cx->depth > cx->gs.max_depth || tries >= SCAN_TRIES ||
		    now_ms() - start > scaled_ms(SCAN_MS)) {
			r = TRY_STUCK;
			finish(o, V_NOT_HELD, "no starting depth up to ");
			str_add_num(o->detail, sizeof o->detail, (long)cx->depth);
			str_add(o->detail, sizeof o->detail, " bytes held the lock");
			break;
		}
		tries++;
		r = try_depth(cx);
		if (r == TRY_HELD)
			break;
		if (r != TRY_STUCK && hint > 0) { /* the hint failed: scan from the start */
			hint = 0;
			cx->depth = 16;
			continue;
		}
		if (r == TRY_RETURNED) {
			finish(o, V_NOT_HELD, "the call returned without going deeper than ");
			str_add_num(o->detail, sizeof o->detail, (long)cx->depth);
			str_add(o->detail, sizeof o->detail,
			        " bytes, and no shallower start held the lock");
		} else if (r == TRY_STUCK) {
			finish(o, V_NOT_HELD,
			       "the holder or verifier neither parked nor returned at ");
			str_add_num(o->detail, sizeof o->detail, (long)cx->depth);
			str_add(o->detail, sizeof o->detail, " bytes");
		}
		if (r != TRY_DEEPER)
			break;
	}
	char *n = cx->note;
	n[0] = 0;
	str_add(n, sizeof cx->note, r == TRY_HELD ? "guarded stack held at depth " : "scanned to ");
	str_add_num(n, sizeof cx->note, (long)cx->depth);
	str_add(n, sizeof cx->note, " bytes (");
	str_add_num(n, sizeof cx->note, tries);
	str_add(n, sizeof cx->note, tries == 1 ? " try, " : " tries, ");
	str_add_num(n, sizeof cx->note, now_ms() - start);
	str_add(n, sizeof cx->note, cx->gs.exact ? " ms" : " ms, 16-byte steps");
	if (cx->in_allocator) {
		str_add(n, sizeof cx->note, ", ");
		str_add_num(n, sizeof cx->note, cx->in_allocator);
		str_add(n, sizeof cx->note, " inside malloc passed over");
	}
	str_add(n, sizeof cx->note, ")");
	if (r != TRY_HELD) {
		str_add(o->detail, sizeof o->detail, "; ");
		str_add(o->detail, sizeof o->detail, n);
		n[0] = 0;
		return 0;
	}
	gstack_set_hint(cx->w, (int)cx->depth);
	return 1;
}
