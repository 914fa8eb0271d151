/* SPDX-License-Identifier: MIT */
/*
 * Steps 3 and 4: fork while the lock is held, by the fork policy
 * (casectx.h), then judge the child (judge.c decides its verdict).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

#include "casectx.h"
#include "proc.h"

/* Step 3: fork; returns the child's pid or 0 after setting the outcome. */
static pid_t fork_while_held(struct casectx *cx, struct outcome *o, enum fork_policy policy)
{
	int val, released = policy != RELEASE_HOLDER, late = 0;
	long end = now_ms() + scaled_ms(CHILD_MS);
	cx->fork_waited_lock = 0;
	go(cx->go_forker[1]);
	for (;;) {
		int type = next_event(cx, cx->watch_fd >= 0 ? 1 : 2, &val);
		watch_service(cx);
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
