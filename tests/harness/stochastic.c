/* SPDX-License-Identifier: MIT */
/*
 * The stochastic holder (WAY_STOCHASTIC): a hammer thread enters the
 * subsystem over and over while forks repeat. Before any thread starts, a
 * scout process finds the futex word of the lock the hammer takes
 * (lockfind.c), so each child can tell whether its snapshot had the lock
 * held; a pass needs an evidence floor of such forks (spec/results.adoc,
 * stochastic evidence).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "casectx.h"
#include "proc.h"

/* Let the verifier call verify() against the hammer until one address of
 * its contended futex waits has been seen 3 times (or FIND_MS): that word
 * is the lock both need; 0 when none was seen (or no seccomp). */
static unsigned long find_lock(struct casectx *cx)
{
	unsigned long seen[8] = {0};
	int count[8] = {0}, best = -1;
	long end = now_ms() + scaled_ms(FIND_MS);
	go(cx->go_verifier[1]);
	while (!cx->notif_ready && now_ms() < end)
		sleep_ms(1);
	while (cx->notif_fd >= 0 && now_ms() < end && (best < 0 || count[best] < 3)) {
		unsigned long a = lockfind_next(cx->notif_fd, 5);
		if (!a)
			continue;
		int i = 0;
		while (i < 8 && seen[i] && seen[i] != a)
			i++;
		if (i == 8)
			continue;
		seen[i] = a;
		count[i]++;
		if (best < 0 || count[i] > count[best])
			best = i;
	}
	return best < 0 ? 0 : seen[best];
}

/* Before any thread starts: find the hammer's lock in a scout, a fork of
 * this process (so the same addresses) that runs its own hammer and
 * verifier; a verify() that is not safe against the hammer (musl's
 * getpwnam and its static buffer) may crash the scout, never the case. */
static void scout(void *arg, void *answer)
{
	struct casectx *cx = arg;
	unsigned long a = 0;
	int *pairs[] = {cx->ev, cx->release, cx->go_holder, cx->go_verifier, cx->go_forker};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		sys_close(pairs[i][0]);
		sys_close(pairs[i][1]);
		if (pipe2(pairs[i], O_CLOEXEC))
			_exit(1);
	}
	park_init(cx->ev[1], cx->release[0]);
	start_threads(cx);
	go(cx->go_holder[1]);
	long end = now_ms() + scaled_ms(HOLD_MS);
	while (!cx->hammering && now_ms() < end)
		sleep_ms(1);
	if (cx->hammering)
		a = find_lock(cx);
	if (a && !proc_in_static_data(a))
		a = 0;
	*(unsigned long *)answer = a;
}

unsigned long scout_lock(struct casectx *cx)
{
	unsigned long a = 0;
	return ask_copy(scout, cx, &a, sizeof a, scaled_ms(FIND_MS + HOLD_MS + 500)) ? a : 0;
}

/* Can `have` forks with evidence after `t` ms still grow to `need` by `cap`
 * ms? Judged at an optimistic rate, about the 97.5 % upper bound of a
 * Poisson count (have + 2 sqrt(have) + 2 in t ms), and only from half the
 * cap on: evidence comes in bursts (musl's NSS-3 had 1 in its first second
 * and 50 by 6.5 s), and judged from the old budget on, 6 of 18 passes were
 * lost. A search that only spends the cap to end undecided (musl's NSS-1:
 * about 30 in 8 s) stops at half of it. Every failure found by stochastic
 * search came long before that (make matrix, teeth, stability runs: by
 * fork 55; the latest, at 2.2 s, musl's AIO-1, which sets its own budget),
 * so this loses none. A case that sets its own budget (stochastic_budget)
 * gets all of it. */
static int floor_in_reach(int have, int need, long t, long cap)
{
	long r = 0;
	while ((r + 1) * (r + 1) <= have)
		r++;
	long optimistic = have + 2 * r + 2;
	return have + optimistic * (cap - t) / t >= need;
}

/* The stochastic holder: a hammer thread enters the subsystem over and over
 * while forks repeat. Every fork's child reports whether its snapshot shows
 * the hammer inside the subsystem (mtfork_snapshot_inside). The first child
 * that does not work decides a failure; a pass needs `floor` working
 * children whose snapshot had the hammer inside (the evidence floor). The
 * search stops as soon as the floor is met; under load it takes longer,
 * never fewer forks: only the (scaled) cap ends it, and a case that did not
 * reach its floor by then is a skip, undecided, with the evidence it had.
 *   A lock that fork itself takes (the forker was seen waiting on it, as
 * musl's fork does with its allocator, sem_open and other internal locks)
 * is never held at fork: forks with it held in the child could not come,
 * and only forks that waited on it would count, a few a second.  Once fork
 * is known to take the found lock (forktakes.c asks a copy of the process
 * before the case's threads start; or the forker was seen waiting on it),
 * a fork counts when the hammer was inside its call at fork, whatever that
 * lock: the state the clause is about is the call's.  Such a pass also needs STOCH_HUNT_FORKS forks
 * in all, the hunt of a search with no lock found: a lock the call holds besides is then met as
 * often as that hunt would meet it. */
void stochastic(struct casectx *cx, struct outcome *o)
{
	int need = cx->stoch_forks > 0 ? cx->stoch_forks : STOCH_FLOOR;
	long start = now_ms(), cap = scaled_ms(cx->stoch_ms > 0 ? cx->stoch_ms : STOCH_CAP_MS);
	if (config()->stoch_floor > 0) /* measurements only (tools/) */
		need = config()->stoch_floor;
	o->held = -1;
	go(cx->go_holder[1]);
	/* Fork only once the hammer really runs: its first pass may set up state
	 * the probe relies on, and forks before it would test nothing. */
	while (!cx->hammering) {
		if (now_ms() - start > scaled_ms(HOLD_MS)) {
			finish(o, V_ERROR, "the stochastic holder never completed a first pass");
			return;
		}
		sleep_ms(1);
	}
	while (!cx->watch_ready && now_ms() - start < scaled_ms(HOLD_MS))
		sleep_ms(1);
	/* Without the lock's address a holding with a verify has no evidence:
	 * its forks can still find a failure (the hunt, below). */
	int undecided = 0, futile = 0, can_count = cx->lock_addr || !cx->c->holding->verify;
	/* forks with the lock held in the child or fork waiting on it; forks
	 * with the hammer in its call or fork waiting on the lock */
	int lock_evidence = 0, call_evidence = 0, fork_takes_lock = cx->fork_takes_lock == 1;
	long hunt = scaled_ms(cx->stoch_ms > 0 ? cx->stoch_ms : STOCH_HUNT_MS);
	for (o->forks = 1;; o->forks++) {
		o->detail[0] = 0;
		int b = fork_and_judge(cx, o, JUST_WAIT);
		/* a MAY case is observed, never pass: it too keeps forking while
		 * the child works */
		if (b != B_WORKS || o->verdict == V_SKIP || o->verdict == V_ERROR)
			break;
		/* held in the child's snapshot, or fork waited for it (a libc
		 * that takes the lock around fork, as musl does) */
		fork_takes_lock |= cx->lock_addr && cx->fork_waited_lock;
		lock_evidence += (cx->last_inside == 1 || cx->fork_waited_lock) && can_count;
		call_evidence += (cx->last_in_call == 1 || cx->fork_waited_lock) && can_count;
		o->forks_inside = fork_takes_lock ? call_evidence : lock_evidence;
		if (o->forks_inside >= need && (!fork_takes_lock || o->forks >= STOCH_HUNT_FORKS))
			break;
		/* Without evidence the forks only hunt a failure, for the old
		 * budget (1 s); under load that made as few as 35 forks, so the
		 * budget ends a hunt only once it made STOCH_HUNT_MIN (100). With
		 * no lock found to watch, none can ever come: that hunt stops at
		 * STOCH_HUNT_FORKS (200) too. On record, every stochastic failure
		 * came by fork 55 (musl's AIO-1, by 107, has a budget of its own).
		 * A search that found a lock keeps the budget's time for its first
		 * evidence, which comes in bursts. With evidence coming in, only
		 * the cap ends the search, and futility (below). A case's own
		 * budget (stochastic_budget) is all its own. */
		long t = now_ms() - start;
		int evidence = can_count && o->forks_inside, own = cx->stoch_ms > 0;
		if (t > (evidence ? cap : hunt) && (o->forks >= STOCH_HUNT_MIN || own || t > cap)) {
			undecided = 1;
			break;
		}
		if (!can_count && !own && cx->stoch_forks <= 0 && o->forks >= STOCH_HUNT_FORKS) {
			undecided = 1;
			break;
		}
		if (cx->stoch_ms <= 0 && t > cap / 2 && o->forks_inside &&
		    !floor_in_reach(o->forks_inside, need, t, cap)) {
			undecided = futile = 1;
			break;
		}
	}
	cx->stop = 1;
	if (o->verdict == V_SKIP)
		return; /* the reason alone says why */
	const char *lock_note =
	    !cx->c->holding->verify ? " with the hammer inside its call at fork (no lock to verify)"
	    : fork_takes_lock
	        ? " with the hammer inside its call at fork (fork takes the found lock)"
	    : cx->lock_addr ? " with the hammer's lock held at fork (its word nonzero in "
	                      "the child, or fork waited on it)"
	                    : " with the hammer's lock held at fork (the lock was not "
	                      "found: no evidence)";
	char note[260] = "";
	if (undecided) {
		o->verdict = V_SKIP;
		o->behaviour = B_NONE;
		o->how = HOW_NONE;
		str_add(note, sizeof note, "undecided: ");
	}
	str_add_num(note, sizeof note, o->forks);
	str_add(note, sizeof note, o->forks == 1 ? " fork in " : " forks in ");
	str_add_num(note, sizeof note, now_ms() - start);
	str_add(note, sizeof note, " ms, ");
	str_add_num(note, sizeof note, o->forks_inside);
	str_add(note, sizeof note, lock_note);
	if (cx->lock_addr) {
		str_add(note, sizeof note, " [lock word ");
		put_hex(note + strlen(note), cx->lock_addr);
		str_add(note, sizeof note, "]");
	}
	str_add(note, sizeof note, " (a pass needs ");
	str_add_num(note, sizeof note, need);
	str_add(note, sizeof note,
	        futile ? "; at the best rate these forks allow, not by the cap of " : ")");
	if (futile) {
		str_add_num(note, sizeof note, cap);
		str_add(note, sizeof note, " ms)");
	}
	if (o->verdict == V_FAIL || o->verdict == V_OBSERVED) {
		str_add(note, sizeof note,
		        cx->last_inside == 1   ? "; this child: hammer inside"
		        : cx->last_inside == 0 ? "; this child: hammer outside"
		                               : "");
	}
	if (undecided)
		o->detail[0] = 0;
	/* A child proven stuck on another lock than the one found: say so (a
	 * lock the hammer's call takes alongside, e.g. glibc's
	 * dl_load_write_lock next to the dl_load_lock it resets). */
	if (o->verdict == V_FAIL && o->how == HOW_PROOF && cx->lock_addr && cx->child_futex &&
	    cx->child_futex != cx->lock_addr) { /* (0: fork itself was proven stuck) */
		str_add(note, sizeof note, "; the child waits on ");
		put_hex(note + strlen(note), cx->child_futex);
		str_add(note, sizeof note, ", not the found lock");
	}
	if (o->detail[0])
		str_add(note, sizeof note, ": ");
	size_t n = strlen(note);
	if (n < sizeof o->detail) {
		memmove(o->detail + n, o->detail, sizeof o->detail - n);
		memcpy(o->detail, note, n);
	}
	o->detail[sizeof o->detail - 1] = 0;
}
