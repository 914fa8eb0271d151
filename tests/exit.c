/* SPDX-License-Identifier: MIT */
/*
 * EXIT — the exit path in the MT-forked child (spec/exit.adoc).
 *
 * EXIT-1: atexit, __cxa_atexit and on_exit (glibc) register in the child;
 * EXIT-2: at_quick_exit likewise; EXIT-3: exit() runs the handlers the
 * parent and the child registered, in reverse order, and terminates (also
 * with stdio output pending); EXIT-4: quick_exit() runs the at_quick_exit
 * handlers in reverse order and terminates with its status; EXIT-6: the
 * child's own buffered output is written exactly once at exit() although
 * another thread held the open-file list lock. All although another thread
 * held the handler lock at fork.
 * glibc's __exit_funcs_lock (stdlib/cxa_atexit.c; shared by the quick-exit
 * list) is neither taken nor reset by fork; musl takes its atexit and
 * at_quick_exit locks around fork.
 * EXIT-5 (SHOULD): another thread is inside exit(), parked in the first
 * handler it runs (application code: WAY_APP, no lock to verify): exit() in
 * the child runs the handler not yet run, never the one in progress, and
 * terminates. EXIT-7 (SHOULD): thread-local destructors registered by the
 * forking thread (in the holding's before_fork hook) run at exit() in the
 * child; those of the other thread do not.
 *
 * Holders: no exit-path call touches caller memory under its lock, so a
 * guarded stack parks a thread registering handlers: 33 registrations, so
 * that one needs a new handler block (allocated under the lock on both
 * libcs). musl's at_quick_exit stores into a fixed array with no deeper call
 * under its lock: there the stochastic holder decides (a thread registering
 * a bounded number of handlers while forks repeat). EXIT-6 holds the
 * open-file list lock with fflush(NULL) into a parking stream.
 *
 * quick_exit() and the EXIT-6 flush are first run in a process forked from
 * the child (so the result can be read back); if that hangs, the child runs
 * the same call itself, so a deadlock is proven on the child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/fixture.h"
#include "lib/mtfork.h"

int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);
extern void *__dso_handle;

#define GRANDCHILD_MS 1500

static pid_t case_pid;
static int log_fd = -1; /* where the handlers record their order */
static char order[8];   /* ... or here, for exit() in the child itself */
static int checking;

static void mark(char c)
{
	if (log_fd >= 0 && write(log_fd, &c, 1) != 1)
		_exit(6);
	size_t n = strlen(order);
	if (n + 1 < sizeof order)
		order[n] = c;
}

static void nop(void)
{
}

static void parent_handler(void)
{
	if (getpid() != case_pid)
		mark('P');
}

/* Registered first, so it runs last: in the child, the order must be right. */
static void check_order(void)
{
	if (getpid() != case_pid && checking && strcmp(order, "21P"))
		_exit(3);
}

static void child_handler1(void)
{
	mark('1');
}

static void child_handler2(void)
{
	mark('2');
}

static void cxa_handler(void *arg)
{
	*(int *)arg = 1;
}

static void register_parent_handlers(void)
{
	case_pid = getpid();
	atexit(check_order);
	atexit(parent_handler);
	(void)at_quick_exit(parent_handler);
}

static void atexit_33(struct hold *h)
{
	(void)h;
	for (int i = 0; i < 33; i++)
		atexit(nop);
}

static void atexit_hammer(struct hold *h)
{
	static int n;
	(void)h;
	if (n++ < 2000) {
		stochastic_inside(1);
		atexit(nop);
		stochastic_inside(0);
	}
}

static void atexit_needs_lock(void)
{
	atexit(nop);
}

static const struct holding exit_lock = {
    .name = "exit handler lock",
    .setup = register_parent_handlers,
    .verify = atexit_needs_lock,
    .ways =
        (const struct way[]){
            {"stack:atexit", WAY_STACK, atexit_33, 0},
            {"stochastic:atexit", WAY_STOCHASTIC, atexit_hammer, 0},
            {0},
        },
};

static void at_quick_exit_once(struct hold *h)
{
	(void)h;
	(void)at_quick_exit(nop);
}

/* musl's list holds 32 handlers: leave room for the child's. */
static void at_quick_exit_hammer(struct hold *h)
{
	static int n;
	(void)h;
	if (n++ < 16) {
		stochastic_inside(1);
		(void)at_quick_exit(nop);
		stochastic_inside(0);
	}
}

static void at_quick_exit_needs_lock(void)
{
	(void)at_quick_exit(nop);
}

static const struct holding quick_exit_lock = {
    .name = "quick-exit handler lock",
    .setup = register_parent_handlers,
    .verify = at_quick_exit_needs_lock,
    .ways =
        (const struct way[]){
            {"stack:at_quick_exit", WAY_STACK, at_quick_exit_once, 0},
            {"stochastic:at_quick_exit", WAY_STOCHASTIC, at_quick_exit_hammer, 0},
            {0},
        },
};

/* EXIT-6: the shared open-file-list holding (tests/lib/holdings.c), after
 * registering the parent's handlers. */
static void handlers_then_hold_list(void)
{
	register_parent_handlers();
	fx_stdio_setup();
}

static const struct holding list_lock = {
    .name = "open-file list lock",
    .setup = handlers_then_hold_list,
    .verify = fx_stdio_verify,
    .ways = fx_stdio_ways,
};

static int probe_atexit(struct probe *p)
{
	return atexit(nop) ? probe_wrong(p, "atexit failed") : PROBE_OK;
}

static int probe_cxa_atexit(struct probe *p)
{
	static int ran;
	return __cxa_atexit(cxa_handler, &ran, __dso_handle) ? probe_wrong(p, "__cxa_atexit failed")
	                                                     : PROBE_OK;
}

static int probe_on_exit(struct probe *p)
{
#ifdef __GLIBC__
	return on_exit((void (*)(int, void *))(void (*)(void))nop, 0)
	           ? probe_wrong(p, "on_exit failed")
	           : PROBE_OK;
#else
	return probe_skip(p, "this libc has no on_exit()");
#endif
}

static int probe_at_quick_exit(struct probe *p)
{
	return at_quick_exit(nop) ? probe_wrong(p, "at_quick_exit failed") : PROBE_OK;
}

static int probe_exit_order(struct probe *p)
{
	if (atexit(child_handler1) || atexit(child_handler2))
		return probe_wrong(p, "atexit failed");
	checking = 1; /* check_order turns a wrong order into exit status 3 */
	probe_report_then_exit();
}

static int probe_exit_pending_output(struct probe *p)
{
	FILE *f = fopen("/dev/null", "w");
	if (!f)
		return probe_wrong(p, "fopen(/dev/null) failed");
	setvbuf(f, 0, _IOFBF, 4096);
	fputs("buffered, flushed by exit()", f);
	probe_report_then_exit();
}

/* Run fn in a process forked from the child, which inherits the child's
 * locks; collect what it writes to log_fd. 1: it finished in time. */
static int in_grandchild(void (*fn)(void), int *status, char *out, size_t n)
{
	int fd[2];
	if (pipe(fd))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		log_fd = fd[1];
		fn();
		_exit(99);
	}
	close(fd[1]);
	size_t got = 0;
	int done = 0;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long ms = 0; ms < GRANDCHILD_MS && !done;) {
		struct pollfd pf = {.fd = fd[0], .events = POLLIN};
		if (poll(&pf, 1, 1) > 0 && (pf.revents & POLLIN)) {
			ssize_t r = read(fd[0], out + got, n - 1 - got);
			if (r > 0)
				got += (size_t)r;
		} else if (pf.revents & POLLHUP) {
			usleep(1000); /* all written: wait for the exit itself */
		}
		done = waitpid(pid, status, WNOHANG) == pid;
		if (!done && probe_deadlocked(pid))
			break; /* proven: it inherited a held lock */
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
	}
	if (!done) {
		kill(pid, SIGKILL);
		while (waitpid(pid, status, 0) < 0 && errno == EINTR)
			;
	}
	ssize_t r;
	while (got < n - 1 && (r = read(fd[0], out + got, n - 1 - got)) > 0)
		got += (size_t)r;
	out[got] = 0;
	close(fd[0]);
	return done;
}

/* Run fn, which ends its process, in a process forked from the child and
 * collect what the handlers wrote; if that hangs, run fn in the child
 * itself, so the deadlock is proven on the child. 1 when it ended with
 * status want (out then holds what was written); else 0, with p set. */
static int ended_with(struct probe *p, void (*fn)(void), int want, char *out, size_t n)
{
	int st = 0, done = in_grandchild(fn, &st, out, n);
	if (done < 0)
		return probe_wrong(p, "pipe failed"), 0;
	if (!done) {
		log_fd = open("/dev/null", O_WRONLY);
		fn(); /* hangs the same way, in the child itself */
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != want)
		return probe_wrong_num(p, "the process ended with wait status ", st), 0;
	return 1;
}

static void quick_exit_with_handlers(void)
{
	if (at_quick_exit(child_handler1) || at_quick_exit(child_handler2))
		_exit(7);
	quick_exit(5);
}

static int probe_quick_exit(struct probe *p)
{
	char out[16];
	if (!ended_with(p, quick_exit_with_handlers, 5, out, sizeof out))
		return PROBE_WRONG;
	return strcmp(out, "21P") ? probe_wrong(p, "at_quick_exit handlers did not run as 2, 1, P")
	                          : PROBE_OK;
}

static void write_then_exit(void)
{
	FILE *f = fdopen(log_fd, "w");
	if (!f)
		_exit(8);
	setvbuf(f, 0, _IOFBF, 4096);
	fputs("child-data", f);
	log_fd = -1; /* parent_handler must not write to it */
	exit(0);
}

static int probe_exit_flush_once(struct probe *p)
{
	char out[64];
	if (!ended_with(p, write_then_exit, 0, out, sizeof out))
		return PROBE_WRONG;
	return strcmp(out, "child-data") ? probe_wrong(p, "the child's output was not written once")
	                                 : PROBE_OK;
}

/* EXIT-5: the holder registers two handlers and calls exit(); the last
 * registered runs first and parks, the first registered waits its turn. */
static void not_run_yet(void)
{
	if (log_fd >= 0 && write(log_fd, "R", 1) != 1)
		_exit(9);
}

static void parks_while_exiting(void)
{
	if (log_fd >= 0 && write(log_fd, "P", 1) != 1)
		_exit(9);
	holder_park();
}

static void exit_in_holder(struct hold *h)
{
	(void)h;
	if (atexit(not_run_yet) || atexit(parks_while_exiting))
		return; /* returning without parking: the way did not hold */
	exit(0);
}

static const struct holding exiting_thread = {
    .name = "another thread inside exit()",
    .ways = (const struct way[]){{"app:exit-handler", WAY_APP, exit_in_holder, 0}, {0}},
};

static void exit_zero(void)
{
	exit(0);
}

static int probe_exit_while_exiting(struct probe *p)
{
	char out[16];
	if (!ended_with(p, exit_zero, 0, out, sizeof out))
		return PROBE_WRONG;
	if (strchr(out, 'P'))
		return probe_wrong(p, "exit() re-ran the handler another thread was running");
	return strcmp(out, "R") ? probe_wrong(p, "exit() did not run the handler not yet run")
	                        : PROBE_OK;
}

/* EXIT-7: looked up weakly (glibc >= 2.18 has it; musl has none). */
int __cxa_thread_atexit_impl(void (*dtor)(void *), void *obj, void *dso) __attribute__((weak));
extern void *__dso_handle __attribute__((weak));

static void tls_dtor(void *whose)
{
	if (log_fd >= 0 && write(log_fd, whose, 1) != 1)
		_exit(9);
}

static void holder_registers_then_parks(struct hold *h)
{
	(void)h;
	if (__cxa_thread_atexit_impl)
		__cxa_thread_atexit_impl(tls_dtor, "H", &__dso_handle);
	holder_park();
}

static void forker_registers(void)
{
	static int done;
	if (__cxa_thread_atexit_impl && !done++)
		__cxa_thread_atexit_impl(tls_dtor, "F", &__dso_handle);
}

static void forker_will_register(void)
{
	run_before_fork(forker_registers);
}

static const struct holding two_threads_tls = {
    .name = "thread-local destructors of two threads",
    .setup = forker_will_register,
    .ways = (const struct way[]){{"app:tls-dtor", WAY_APP, holder_registers_then_parks, 0}, {0}},
};

static int probe_tls_dtors(struct probe *p)
{
	if (!__cxa_thread_atexit_impl)
		return probe_skip(p, "this libc has no __cxa_thread_atexit_impl");
	char out[16];
	if (!ended_with(p, exit_zero, 0, out, sizeof out))
		return PROBE_WRONG;
	if (strchr(out, 'H'))
		return probe_wrong(p,
		                   "exit() ran a destructor of a thread that is not in the child");
	return strcmp(out, "F")
	           ? probe_wrong(p, "exit() did not run the forking thread's destructor")
	           : PROBE_OK;
}

static const struct mtcase cases[] = {
    {"EXIT-1.atexit", "EXIT-1", MUST, &exit_lock, probe_atexit},
    {"EXIT-1.__cxa_atexit", "EXIT-1", MUST, &exit_lock, probe_cxa_atexit},
    {"EXIT-1.on_exit", "EXIT-1", MUST, &exit_lock, probe_on_exit},
    {"EXIT-2.at_quick_exit", "EXIT-2", MUST, &quick_exit_lock, probe_at_quick_exit},
    {"EXIT-3.exit-handler-order", "EXIT-3", MUST, &exit_lock, probe_exit_order},
    {"EXIT-3.exit-pending-output", "EXIT-3", MUST, &exit_lock, probe_exit_pending_output},
    {"EXIT-4.quick_exit", "EXIT-4", MUST, &quick_exit_lock, probe_quick_exit},
    {"EXIT-6.exit-flush-once", "EXIT-6", MUST, &list_lock, probe_exit_flush_once},
    {"EXIT-5.exit-while-exiting", "EXIT-5", SHOULD, &exiting_thread, probe_exit_while_exiting},
    {"EXIT-7.tls-destructors", "EXIT-7", SHOULD, &two_threads_tls, probe_tls_dtors},
};

MTFORK_MAIN(cases)
