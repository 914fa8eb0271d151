/* SPDX-License-Identifier: MIT */
/*
 * The case process's threads and the event protocol between them and the
 * controller (casectx.h). Every thread is created before holding (creating
 * one can block behind a held loader lock):
 *   holder    enters the subsystem and parks there (or hammers it: stochastic)
 *   verifier  app ways: calls verify(), which must block on the application's
 *             state and stays blocked through fork (part of the scene fork
 *             must not wait for); stochastic ways: calls verify() against the
 *             hammer to find its lock (lockfind.c). A libc lock's holder is
 *             verified in a copy of the process instead (hold.c).
 *   forker    forks on the controller's word; its child runs the probe
 * Each waits on its own "go" pipe; all report on one event pipe.
 */
#define _GNU_SOURCE
#include "have.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sysno.h"
#include <sys/uio.h>
#include <unistd.h>

#include "casectx.h"
#include "proc.h"

static void post(struct casectx *cx, int type, int val)
{
	int msg[2] = {type, val};
	if (write(cx->ev[1], msg, sizeof msg) != sizeof msg)
		_exit(EXIT_EVENT_LOST);
}

static void await(int fd)
{
	char b;
	while (read(fd, &b, 1) < 0 && errno == EINTR)
		;
}

void go(int fd)
{
	if (write(fd, "g", 1) != 1)
		_exit(EXIT_EVENT_LOST);
}

/* A thread whose work is done waits here until the process exits. */
static __attribute__((noreturn)) void idle(void)
{
	for (;;)
		pause();
}

static void block_signals(void)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, 0);
}

/* One pass of the stochastic hammer, bracketed unless it brackets itself. */
static void hammer_pass(struct casectx *cx, struct hold *h)
{
	cx->in_call = 1;
	cx->w->enter(h);
	cx->in_call = 0;
}

/* A guarded-stack call: the holder's enter() on the stack at the depth tried. */
struct stack_call {
	struct casectx *cx;
	struct hold *h;
};

static void stack_entry(void *arg)
{
	struct stack_call *s = arg;
	s->cx->w->enter(s->h);
}

static void *holder_main(void *arg)
{
	struct casectx *cx = arg;
	struct hold h = {cx->trap.page, cx->trap.page ? cx->trap.page - 1 : 0, cx->trap.page_size};
	block_signals(); /* a parked holder must not run handlers */
	cx->tid_holder = gettid_();
	park_set_holder(cx->tid_holder);
	if (cx->w->kind == WAY_STACK) {
		struct stack_call s = {cx, &h};
		for (;;) { /* one call per depth tried */
			await(cx->go_holder[0]);
			gstack_call(stack_entry, &s, gstack_top(&cx->gs, cx->depth));
			post(cx, EV_RETURNED, 'h');
		}
	}
	await(cx->go_holder[0]);
	if (cx->w->kind == WAY_STOCHASTIC) {
		hammer_pass(cx, &h);
		cx->hammering = 1;
		while (!cx->stop) {
			if (cx->pause_hammer) /* a fork is stuck: see fork_stuck() */
				await(cx->unpause[0]);
			hammer_pass(cx, &h);
		}
		return 0;
	}
	cx->w->enter(&h);
	post(cx, EV_RETURNED, 'h');
	idle();
}

static void *verifier_main(void *arg)
{
	struct casectx *cx = arg;
	block_signals();
	cx->tid_verifier = gettid_();
	if (cx->w->kind == WAY_APP || cx->c->holding->verify_in_process) {
		await(cx->go_verifier[0]);
		cx->c->holding->verify();
		post(cx, EV_RETURNED, 'v');
		idle();
	}
	/* finding the lock: see stochastic(cx) */
	await(cx->go_verifier[0]);
	cx->notif_fd = lockfind_install();
	cx->notif_ready = 1;
	if (cx->notif_fd >= 0)
		while (!cx->lock_found && !cx->stop)
			cx->c->holding->verify();
	cx->verifier_done = 1;
	idle();
	return 0;
}

/* In the child: the harness's own descriptors are not the probe's business,
 * and an inherited end of a control pipe would keep the supervisor waiting
 * for a case process that has died. */
static void close_harness_fds(struct casectx *cx)
{
	int *pairs[] = {cx->ev,          cx->release,   cx->go_holder,
	                cx->go_verifier, cx->go_forker, cx->unpause};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		sys_close(pairs[i][0]);
		sys_close(pairs[i][1]);
	}
	if (cx->trap.fd >= 0)
		sys_close(cx->trap.fd);
	if (cx->watch_fd >= 0)
		sys_close(cx->watch_fd);
	if (cx->out_fd >= 0)
		sys_close(cx->out_fd);
}

/* The child's snapshot of the hammer's lock word: 1 held (nonzero), 0
 * free, -1 unreadable (the scout's address is no lock here). */
static int lock_word_held(unsigned long addr)
{
	int v = 0;
	struct iovec local = {&v, sizeof v}, remote = {(void *)addr, sizeof v};
#if HAVE_SYSCALL
	if (syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0) != sizeof v)
		return -1;
#else
	(void)local;
	(void)remote;
	int fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	ssize_t got = fd < 0 ? -1 : pread(fd, &v, sizeof v, (off_t)addr);
	if (fd >= 0)
		sys_close(fd);
	if (got != sizeof v)
		return -1;
#endif
	return v != 0;
}

/* Answer the reported waits on the hammer's lock; note the forker's. */
void watch_service(void *arg)
{
	struct casectx *cx = arg;
	int tid = 0;
	while (cx->watch_fd >= 0 && lockfind_next_tid(cx->watch_fd, 0, &tid))
		if (tid == cx->tid_forker)
			cx->fork_waited_lock = 1;
}

static void *forker_main(void *arg)
{
	struct casectx *cx = arg;
	cx->tid_forker = gettid_();
	if (cx->w->kind == WAY_STOCHASTIC && cx->lock_addr)
		cx->watch_fd = lockfind_watch(cx->lock_addr);
	cx->watch_ready = 1;
	for (;;) {
		await(cx->go_forker[0]);
		if (cx->before_fork)
			cx->before_fork();
		*mtfork_in_fork = 1;
		pid_t pid = cx->fork();
		if (pid == 0) {
			/* This child's memory is the snapshot at fork: was the
			 * stochastic hammer inside the subsystem then? */
			if (cx->w->kind == WAY_STOCHASTIC)
				mtfork_snapshot_in_call =
				    cx->explicit_marks ? cx->in_marked != 0 : cx->in_call != 0;
			if (cx->w->kind == WAY_STOCHASTIC && cx->lock_addr)
				mtfork_snapshot_inside = lock_word_held(cx->lock_addr);
			else if (cx->w->kind == WAY_STOCHASTIC)
				mtfork_snapshot_inside = mtfork_snapshot_in_call;
			/* The trap is not inherited: the child's copy of a page
			 * never filled is plain memory. Give it what the release
			 * would have; a page filled before fork is left as is. */
			if (cx->trap.page && !cx->released)
				memcpy(cx->trap.page, cx->fill, cx->trap.page_size);
			close_harness_fds(cx);
			child_report(cx->c, cx->result_w);
		}
		*mtfork_in_fork = 0;
		post(cx, EV_FORKED, pid < 0 ? -errno : pid);
	}
	return 0;
}

void start_threads(struct casectx *cx)
{
	pthread_t t;
	void *(*mains[])(void *) = {holder_main, verifier_main, forker_main};
	for (size_t i = 0; i < sizeof mains / sizeof mains[0]; i++)
		if (pthread_create(&t, 0, mains[i], cx))
			_exit(EXIT_NO_THREAD);
	while (!cx->tid_holder || !cx->tid_verifier || !cx->tid_forker)
		sleep_ms(1);
}

/* Next event from a thread, or a userfaultfd fault (type EV_FAULT, val = tid);
 * 0 on timeout. */
int next_event(struct casectx *cx, int ms, int *val)
{
	int ufd = cx->w->kind == WAY_STACK ? cx->gs.fd : cx->trap.fd;
	struct pollfd p[2] = {{.fd = cx->ev[0], .events = POLLIN}, {.fd = ufd, .events = POLLIN}};
	if (poll(p, ufd >= 0 ? 2 : 1, ms) <= 0)
		return 0;
	if (p[0].revents & POLLIN) {
		int msg[2];
		if (read(cx->ev[0], msg, sizeof msg) != sizeof msg)
			return 0;
		*val = msg[1];
		return msg[0];
	}
	int tid = cx->w->kind == WAY_STACK ? gstack_read_fault(&cx->gs, cx->depth, &cx->touched)
	                                   : uffd_trap_next_fault(&cx->trap, 0);
	if (tid <= 0)
		return 0;
	*val = tid;
	return EV_FAULT;
}

/* Is thread tid parked in a futex wait, the same one across STABLE_MS?
 * Returns the futex's address (nonzero), or 0. */
unsigned long parked_on_futex(pid_t tid)
{
	struct sc_sample a, b;
	proc_sample(0, tid, &a);
	if (!sc_futex_wait(&a))
		return 0;
	sleep_ms(STABLE_MS);
	proc_sample(0, tid, &b);
	return sc_same(&a, &b) ? (a.arg[0] ? a.arg[0] : 1) : 0;
}

void release_holder(struct casectx *cx)
{
	cx->released = 1;
	if (cx->w->kind == WAY_UFFD)
		uffd_trap_release(&cx->trap, cx->fill);
	else if (cx->w->kind == WAY_STACK)
		gstack_disarm(&cx->gs);
	else if (write(cx->release[1], "r", 1) != 1)
		_exit(EXIT_EVENT_LOST);
}
