/* SPDX-License-Identifier: MIT */
/*
 * Steps 3 and 4: fork while the lock is held, by the fork policy
 * (casectx.h), then judge the child (judge.c decides its verdict).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "casectx.h"
#include "proc.h"

/* Let a paused stochastic hammer go on. */
static void unpause_hammer(struct casectx *cx)
{
	if (!cx->pause_hammer)
		return;
	cx->pause_hammer = 0;
	if (write(cx->unpause[1], "g", 1) != 1)
		_exit(EXIT_EVENT_LOST);
}

/* fork() has not returned for a while: is it proven never to (forkproof.c)?
 * Only the controller runs then, and it wakes no futex. A running
 * stochastic hammer keeps the rule from holding: it is asked to wait
 * between passes (it leaves any lock it holds first), and let go on once
 * fork returns. */
static int fork_stuck(struct casectx *cx, struct fork_proof *fp, enum fork_policy policy,
                      int released)
{
	if (!released)
		return 0; /* the holder is parked on purpose: its release comes first */
	if (policy == JUST_WAIT && cx->hammering && !cx->pause_hammer) {
		/* only a fork in a futex wait: one merely slow (a loaded machine)
		 * keeps the hammer going, so it may still be inside at fork */
		struct sc_sample s;
		proc_sample(0, cx->tid_forker, &s);
		if (sc_unwakeable_wait(&s))
			cx->pause_hammer = 1;
	}
	int idle_fds[] = {cx->go_holder[0], cx->go_verifier[0], cx->go_forker[0], cx->release[0],
	                  cx->unpause[0]};
	return fork_proof_step(fp, cx->tid_forker, idle_fds,
	                       (int)(sizeof idle_fds / sizeof idle_fds[0]));
}

/* Step 3: fork; returns the child's pid or 0 after setting the outcome. */
static pid_t fork_while_held(struct casectx *cx, struct outcome *o, enum fork_policy policy)
{
	int val, released = policy != RELEASE_HOLDER, late = 0;
	long start = now_ms(), end = start + scaled_ms(CHILD_MS);
	struct fork_proof fp = {0};
	cx->fork_waited_lock = 0;
	go(cx->go_forker[1]);
	for (;;) {
		int type = next_event(cx, cx->watch_fd >= 0 ? 1 : 2, &val);
		watch_service(cx);
		if (type == EV_FORKED)
			unpause_hammer(cx);
		if (type == EV_FORKED) {
			if (val > 0 && late)
				str_add(o->detail, sizeof o->detail,
				        "fork waited without a futex wait (seen only at the "
				        "timeout); ");
			if (val > 0)
				return val;
			finish(o, V_ERROR, "fork() failed: errno ");
			str_add_num(o->detail, sizeof o->detail, -val);
			return 0;
		}
		unsigned long at = released ? 0 : parked_on_futex(cx->tid_forker);
		if (at) {
			released = 1;
			o->fork_waited = 1;
			cx->fork_futex = at;
			release_holder(cx);
			continue;
		}
		if (policy == NEVER_RELEASE && parked_on_futex(cx->tid_forker)) {
			/* a MAY case records it (SIGNAL-2: the forking thread's own
			 * signal handler waits for a lock its fork() holds) */
			finish(o, case_verdict(cx->c->level, B_DEADLOCK, 0),
			       cx->c->level == MAY
			           ? "fork() did not return: the forking thread parked on a futex; "
			           : "fork() parked on a futex only the holder of "
			             "application-controlled state can release: ");
			str_add(o->detail, sizeof o->detail, cx->c->holding->name);
			o->behaviour = B_DEADLOCK;
			o->how = HOW_PROOF;
			return 0;
		}
		if (now_ms() > end && !released) {
			/* A libc may wait for the lock without a futex (spinning,
			 * sched_yield): let the holder go once and see. */
			released = 1;
			o->fork_waited = 1;
			release_holder(cx);
			late = 1;
			end = now_ms() + scaled_ms(CHILD_MS);
			continue;
		}
		/* a fork takes a millisecond or less, tens on a loaded machine:
		 * /proc is sampled, and a stochastic hammer paused, only after
		 * FORK_SLOW_MS, so that the stochastic forks go on as before */
		if (type == 0 && now_ms() - start >= FORK_SLOW_MS &&
		    fork_stuck(cx, &fp, policy, released)) {
			finish(o, case_verdict(cx->c->level, B_DEADLOCK, 0),
			       "fork() never returns: the forking thread waits on futex ");
			put_hex(o->detail + strlen(o->detail), fp.futex);
			str_add(o->detail, sizeof o->detail,
			        " and every other thread of the process in a wait nothing can end "
			        "(untimed private futex waits, the harness's idle waits)");
			o->behaviour = B_DEADLOCK;
			o->how = HOW_PROOF;
			return 0;
		}
		if (now_ms() > end) {
			finish(o, case_verdict(cx->c->level, B_DEADLOCK, 0),
			       "fork() did not return");
			o->behaviour = B_DEADLOCK;
			o->how = HOW_TIMEOUT;
			return 0;
		}
	}
}

static void judge(struct casectx *cx, struct outcome *o, pid_t pid, int rfd)
{
	struct child_result r;
	/* a stochastic case answers the forker's reported waits meanwhile */
	judge_child(pid, rfd, scaled_ms(CHILD_MS), &r, cx->watch_fd >= 0 ? watch_service : 0, cx);
	cx->last_inside = r.inside;
	cx->last_in_call = r.in_call;
	cx->child_futex = r.futex;
	o->behaviour = r.behaviour;
	o->how = r.how;
	o->verdict = case_verdict(cx->c->level, r.behaviour, r.skipped);
	str_add(o->detail, sizeof o->detail, r.detail);
}

/* One fork and its judgement; returns the child's behaviour. */
int fork_and_judge(struct casectx *cx, struct outcome *o, enum fork_policy policy)
{
	int rp[2];
	/* non-blocking: a grandchild of the probe may keep the write end open */
	if (pipe2(rp, O_CLOEXEC | O_NONBLOCK)) {
		finish(o, V_ERROR, "pipe2 failed");
		return B_NONE;
	}
	cx->result_w = rp[1];
	pid_t pid = fork_while_held(cx, o, policy);
	sys_close(rp[1]);
	if (pid > 0)
		judge(cx, o, pid, rp[0]);
	sys_close(rp[0]);
	return pid > 0 ? o->behaviour : B_NONE;
}
