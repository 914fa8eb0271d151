/* SPDX-License-Identifier: MIT */
/*
 * The case process: one case, one way of holding, in a process of its own.
 *
 *   1. Hold:   the holder thread enters the subsystem and parks inside it
 *              (on a userfaultfd page, or in a callback via holder_park()).
 *   2. Verify: a copy of the process (raw clone: the lock as the holder
 *              holds it) calls something needing the same lock; it must
 *              stay parked in a futex wait, not return (hold.c says why a
 *              copy, never a thread).
 *   3. Fork:   the forker thread forks. If fork itself parks on a futex, the
 *              libc takes the lock around fork (musl's model): release the
 *              holder and record fork_waited — unless the state is the
 *              application's, which fork must never wait for.
 *   4. Probe and judge: the child runs the probe; judge.c decides.
 *
 * This file sets the case up and runs the steps in order (casectx.h names
 * the file of each); the outcome goes to the supervising runner.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "casectx.h"
#include "proc.h"

/* MTFORK_FORK=_Fork forks with _Fork(), which takes and resets no lock: a
 * deliberately violating "target" proving cases that libc fork protects can
 * fail. Weak, so a libc without _Fork still links. */
pid_t _Fork(void) __attribute__((weak));

/* The case this process runs, for the calls a holding makes without one
 * (run_before_fork, stochastic_inside, stochastic_budget: mtfork.h). Every
 * step is handed the context; only these entry points look it up here. */
static struct casectx *current;

void run_before_fork(void (*fn)(void))
{
	current->before_fork = fn;
}

void stochastic_inside(int inside)
{
	current->explicit_marks = 1;
	current->in_marked = inside;
}

void stochastic_budget(int forks, int ms)
{
	current->stoch_forks = forks;
	current->stoch_ms = ms;
}

void finish(struct outcome *o, int verdict, const char *what)
{
	o->verdict = verdict;
	o->detail[0] = 0;
	str_add(o->detail, sizeof o->detail, what);
}

/* Put s (and "; ") before o's detail. */
static void prefix_detail(struct outcome *o, const char *s)
{
	size_t n = strlen(s), sep = o->detail[0] ? 2 : 0, room = sizeof o->detail - 1;
	if (n + sep >= room)
		return;
	memmove(o->detail + n + sep, o->detail, room - n - sep);
	memcpy(o->detail, s, n);
	memcpy(o->detail + n, "; ", sep);
	o->detail[room] = 0;
}

void send_outcome(int fd, struct outcome *o)
{
	o->magic = OUTCOME_MAGIC;
	if (write(fd, o, sizeof *o) != sizeof *o)
		_exit(EXIT_OUTCOME_LOST);
	_exit(0);
}

void case_process(const struct mtcase *c, const struct way *w, int out_fd)
{
	struct outcome o = {.held = -1, .fork_waited = -1};
	static struct casectx the_case; /* lives as long as the process */
	struct casectx *cx = current = &the_case;
	cx->c = c;
	cx->w = w;
	cx->trap.fd = -1;
	cx->notif_fd = -1;
	cx->watch_fd = -1;
	cx->out_fd = out_fd;
	cx->fork = fork;
	if (config()->raw_fork) {
		if (!_Fork) {
			finish(&o, V_ERROR, "MTFORK_FORK=_Fork, but this libc has no _Fork");
			send_outcome(out_fd, &o);
		}
		cx->fork = _Fork;
	}
	/* MTFORK_WAY=prefix: only ways whose name starts so are tried (to see
	 * the fallbacks at work). */
	const char *only = config()->way;
	if (*only && strncmp(w->name, only, strlen(only))) {
		finish(&o, V_UNAVAILABLE, "not selected by MTFORK_WAY");
		send_outcome(out_fd, &o);
	}
	if (pipe2(cx->ev, O_CLOEXEC) || pipe2(cx->release, O_CLOEXEC) ||
	    pipe2(cx->go_holder, O_CLOEXEC) || pipe2(cx->go_verifier, O_CLOEXEC) ||
	    pipe2(cx->go_forker, O_CLOEXEC) || pipe2(cx->unpause, O_CLOEXEC)) {
		finish(&o, V_ERROR, "pipe2 failed");
		send_outcome(out_fd, &o);
	}
	park_init(cx->ev[1], cx->release[0]);
	if (c->holding->setup)
		c->holding->setup();
	if (w->kind == WAY_UFFD) {
		if (uffd_trap_open(&cx->trap)) {
			finish(&o, V_UNAVAILABLE, cx->trap.why);
			send_outcome(out_fd, &o);
		}
		cx->fill = mmap(0, cx->trap.page_size, PROT_READ | PROT_WRITE,
		                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (cx->fill == MAP_FAILED) {
			finish(&o, V_ERROR, "mmap failed");
			send_outcome(out_fd, &o);
		}
		if (w->fill)
			w->fill(cx->fill, cx->trap.page_size);
	}
	if (w->kind == WAY_STACK && gstack_open(&cx->gs)) {
		finish(&o, V_UNAVAILABLE, cx->gs.why);
		send_outcome(out_fd, &o);
	}
	if (w->kind == WAY_STOCHASTIC && c->holding->verify)
		cx->lock_addr = scout_lock(cx);
	if (cx->lock_addr)
		cx->fork_takes_lock = fork_takes_lock(cx->lock_addr, cx->fork);
#ifdef __GLIBC__
	if (w->kind != WAY_STOCHASTIC && w->kind != WAY_APP) /* the checker's copy shares it */
		mallopt(M_ARENA_MAX, 1);
#endif
	start_threads(cx);
	if (w->kind == WAY_STOCHASTIC) {
		stochastic(cx, &o);
		send_outcome(out_fd, &o);
	}
	if (!c->holding->verify && w->kind != WAY_APP) {
		/* only application state may go unverified: a libc lock must be
		 * shown held, or a pass would prove nothing */
		finish(&o, V_ERROR, "a holding without verify may only use WAY_APP ways");
		send_outcome(out_fd, &o);
	}
	if (!(w->kind == WAY_STACK ? scan_and_verify(cx, &o) : hold_and_verify(cx, &o))) {
		o.held = 0;
		send_outcome(out_fd, &o);
	}
	o.held = c->holding->verify ? 1 : -1;
	o.fork_waited = 0;
	fork_and_judge(cx, &o, w->kind == WAY_APP ? NEVER_RELEASE : RELEASE_HOLDER);
	if (cx->fork_futex && cx->fork_futex != cx->verifier_futex) {
		char n[120] = "fork waited on futex ";
		put_hex(n + strlen(n), cx->fork_futex);
		str_add(n, sizeof n, ", the verifier on ");
		put_hex(n + strlen(n), cx->verifier_futex);
		prefix_detail(&o, n);
	}
	if (cx->note[0] && o.verdict != V_SKIP) /* a skip's detail is its reason alone */
		prefix_detail(&o, cx->note);
	send_outcome(out_fd, &o);
}
