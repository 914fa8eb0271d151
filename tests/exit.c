/* SPDX-License-Identifier: MIT */
/*
 * EXIT — the exit path in the MT-forked child (spec/exit.adoc).
 *
 * Length: one file per chapter; the exit path has eight clauses, EXIT-8's
 * twelve cases sharing one helper.
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
 * child; those of the other thread do not. EXIT-8: a process forked from
 * the child, single- or multi-threaded, forks inside a handler exit() runs
 * (atexit, on_exit where provided, __cxa_atexit); the process that handler
 * forked calls exit() or quick_exit() and must run the handlers left and
 * end with its status. Its exit() ends by flushing every stream, so the
 * holding is the open-file list lock, as for EXIT-6.
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
#include "have.h"
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

#include "harness/fixture.h"
#include "harness/mtfork.h"
#include "clauses.h"

/* Weak: a libc without it (dietlibc) skips its cases, naming it. */
int __cxa_atexit(void (*fn)(void *), void *arg, void *dso) __attribute__((weak));
extern void *__dso_handle;

#define GRANDCHILD_MS 1500 /* scaled (probe_ms) like every harness limit */

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
#if HAVE_QUICK_EXIT
	(void)at_quick_exit(parent_handler);
#endif
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
            STACK_WAY("atexit", atexit_33),
            STOCHASTIC_WAY("atexit", atexit_hammer),
            {0},
        },
};

#if HAVE_QUICK_EXIT
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
            STACK_WAY("at_quick_exit", at_quick_exit_once),
            STOCHASTIC_WAY("at_quick_exit", at_quick_exit_hammer),
            {0},
        },
};
#endif

/* EXIT-6: the shared open-file-list holding (tests/harness/holdings.c), after
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
	if (!__cxa_atexit)
		return probe_skip(p, "this libc has no __cxa_atexit()");
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

#if HAVE_QUICK_EXIT
static int probe_at_quick_exit(struct probe *p)
{
	return at_quick_exit(nop) ? probe_wrong(p, "at_quick_exit failed") : PROBE_OK;
}
#endif

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
	for (long ms = 0, bound = probe_ms(GRANDCHILD_MS); ms < bound && !done;) {
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

#if HAVE_QUICK_EXIT
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
#endif

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
    .ways = (const struct way[]){APP_WAY("exit-handler", exit_in_holder), {0}},
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
    .ways = (const struct way[]){APP_WAY("tls-dtor", holder_registers_then_parks), {0}},
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

/* EXIT-8: a process E forked from the child (with a second thread or
 * without) registers a handler with atexit(), on_exit() or __cxa_atexit()
 * and calls exit(0); the handler forks, and that process calls exit() or
 * quick_exit(). E registered later_handler (atexit) and later_quick
 * (at_quick_exit) before the forking handler, and the holding's setup
 * parent_handler on both lists: the forked process must run L then P at
 * exit(), Q then P at quick_exit(), and end with its status; E then ends
 * its own exit() with status 0 (later_handler checks there that the
 * forking handler ran first). Each wait is bounded (scaled) and a
 * deadlock proven where it can be; E reports by its exit status. */
enum { REG_ATEXIT, REG_ON_EXIT, REG_CXA_ATEXIT };

struct exit_fork {
	int reg, quick, threaded;
};

enum {
	EF_EXIT_STATUS = 42,  /* exit() in the process the handler forked */
	EF_QUICK_STATUS = 43, /* quick_exit() there */
	EF_FORK_FAILED = 20,  /* E's statuses when it did not pass */
	EF_DEADLOCK,
	EF_TIMEOUT,
	EF_WRONG_STATUS,
	EF_WRONG_HANDLERS,
	EF_NO_THREAD,
	EF_NO_REGISTER,
	EF_HANDLER_NOT_RUN,
};

#define EF_FORKED_MS  700  /* E waits this long for the forked process */
#define EF_EXITING_MS 1400 /* the child waits this long for E */

static const struct exit_fork *ef;
static pid_t exiting_pid;     /* E */
static int fork_handler_done; /* in E: the forking handler ran and passed */

/* Runs after the forking handler: in E, proof that it ran. */
static void later_handler(void)
{
	if (getpid() != exiting_pid)
		mark('L');
	else if (!fork_handler_done)
		_exit(EF_HANDLER_NOT_RUN);
}

#if HAVE_QUICK_EXIT
static void later_quick(void)
{
	if (getpid() != exiting_pid)
		mark('Q');
}
#endif

static void fork_in_handler(void)
{
	int fd[2];
	if (pipe(fd))
		_exit(EF_FORK_FAILED);
	pid_t pid = fork();
	if (pid < 0)
		_exit(EF_FORK_FAILED);
	if (pid == 0) {
		close(fd[0]);
		log_fd = fd[1];
#if HAVE_QUICK_EXIT
		if (ef->quick)
			quick_exit(EF_QUICK_STATUS);
#endif
		exit(EF_EXIT_STATUS);
	}
	close(fd[1]);
	int st = fx_wait(pid, EF_FORKED_MS);
	if (st == -1)
		_exit(fx_deadlocked ? EF_DEADLOCK : EF_TIMEOUT);
	char out[16];
	ssize_t got = 0, r;
	while (got < (ssize_t)sizeof out - 1 &&
	       (r = read(fd[0], out + got, sizeof out - 1 - (size_t)got)) > 0)
		got += r;
	out[got] = 0;
	close(fd[0]);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != (ef->quick ? EF_QUICK_STATUS : EF_EXIT_STATUS))
		_exit(EF_WRONG_STATUS);
	if (strcmp(out, ef->quick ? "QP" : "LP"))
		_exit(EF_WRONG_HANDLERS);
	fork_handler_done = 1; /* E's exit() goes on */
}

#ifdef __GLIBC__
static void fork_in_on_exit(int status, void *arg)
{
	(void)status;
	(void)arg;
	fork_in_handler();
}
#endif

static void fork_in_cxa(void *arg)
{
	(void)arg;
	fork_in_handler();
}

/* E: register, then exit(0), whose first handler forks. */
static int exit_forking(void *arg)
{
	ef = arg;
	exiting_pid = getpid();
	if (ef->threaded && fx_idle_start())
		return EF_NO_THREAD;
	if (atexit(later_handler))
		return EF_NO_REGISTER;
#if HAVE_QUICK_EXIT
	if (at_quick_exit(later_quick))
		return EF_NO_REGISTER;
#endif
	int r = 0;
	if (ef->reg == REG_ATEXIT)
		r = atexit(fork_in_handler);
#ifdef __GLIBC__
	else if (ef->reg == REG_ON_EXIT)
		r = on_exit(fork_in_on_exit, 0);
#endif
	else
		r = __cxa_atexit(fork_in_cxa, 0, __dso_handle);
	if (r)
		return EF_NO_REGISTER;
	exit(0);
}

static int probe_exit_fork(struct probe *p, const struct exit_fork *e)
{
#ifndef __GLIBC__
	if (e->reg == REG_ON_EXIT)
		return probe_skip(p, "this libc has no on_exit()");
#endif
	if (e->reg == REG_CXA_ATEXIT && !__cxa_atexit)
		return probe_skip(p, "this libc has no __cxa_atexit()");
	int st = fx_sub(exit_forking, (void *)e, EF_EXITING_MS);
	if (st == -2)
		return probe_wrong(p, "fork failed");
	if (st == -1)
		return fx_deadlocked ? probe_deadlock(p, "the exiting process deadlocked (proven)")
		                     : probe_wrong(p, "the exiting process did not end in time");
	if (!WIFEXITED(st))
		return probe_wrong_num(p, "the exiting process ended with wait status ", st);
	switch (WEXITSTATUS(st)) {
	case 0:
		return PROBE_OK;
	case EF_FORK_FAILED:
		return probe_wrong(p, "fork() in the exit handler failed");
	case EF_DEADLOCK:
		return probe_deadlock(p, e->quick
		                             ? "quick_exit() in the process forked by the exit "
		                               "handler deadlocked (proven)"
		                             : "exit() in the process forked by the exit handler "
		                               "deadlocked (proven)");
	case EF_TIMEOUT:
		return probe_wrong(p, e->quick ? "quick_exit() in the process forked by the exit "
		                                 "handler did not end in time"
		                               : "exit() in the process forked by the exit handler "
		                                 "did not end in time");
	case EF_WRONG_STATUS:
		return probe_wrong(p, "the process forked by the exit handler ended with a wrong "
		                      "status");
	case EF_WRONG_HANDLERS:
		return probe_wrong(p, e->quick ? "quick_exit() there did not run Q then P"
		                               : "exit() there did not run L then P");
	case EF_NO_THREAD:
		return probe_wrong(p, "pthread_create failed");
	case EF_NO_REGISTER:
		return probe_wrong(p, "registering the handlers failed");
	case EF_HANDLER_NOT_RUN:
		return probe_wrong(p, "exit() did not run the forking handler first");
	default:
		return probe_wrong_num(p, "the exiting process ended with status ",
		                       WEXITSTATUS(st));
	}
}

#define EXIT_FORK_PROBE(name, reg, quick, threaded)                                                \
	static int probe_##name(struct probe *p)                                                   \
	{                                                                                          \
		static const struct exit_fork e = {reg, quick, threaded};                          \
		return probe_exit_fork(p, &e);                                                     \
	}
EXIT_FORK_PROBE(atexit_exit, REG_ATEXIT, 0, 0)
#if HAVE_QUICK_EXIT
EXIT_FORK_PROBE(atexit_quick, REG_ATEXIT, 1, 0)
#endif
EXIT_FORK_PROBE(atexit_exit_mt, REG_ATEXIT, 0, 1)
#if HAVE_QUICK_EXIT
EXIT_FORK_PROBE(atexit_quick_mt, REG_ATEXIT, 1, 1)
#endif
EXIT_FORK_PROBE(on_exit_exit, REG_ON_EXIT, 0, 0)
#if HAVE_QUICK_EXIT
EXIT_FORK_PROBE(on_exit_quick, REG_ON_EXIT, 1, 0)
#endif
EXIT_FORK_PROBE(on_exit_exit_mt, REG_ON_EXIT, 0, 1)
#if HAVE_QUICK_EXIT
EXIT_FORK_PROBE(on_exit_quick_mt, REG_ON_EXIT, 1, 1)
#endif
EXIT_FORK_PROBE(cxa_exit, REG_CXA_ATEXIT, 0, 0)
#if HAVE_QUICK_EXIT
EXIT_FORK_PROBE(cxa_quick, REG_CXA_ATEXIT, 1, 0)
#endif
EXIT_FORK_PROBE(cxa_exit_mt, REG_CXA_ATEXIT, 0, 1)
#if HAVE_QUICK_EXIT
EXIT_FORK_PROBE(cxa_quick_mt, REG_CXA_ATEXIT, 1, 1)
#endif

/* The quick_exit() cases need it and at_quick_exit() (tests/probes/quick_exit.c). */
#define NEEDS_QUICK(holding, probe)                                                                \
	MTFORK_NEEDS(HAVE_QUICK_EXIT, "quick_exit() or at_quick_exit()", holding, probe)

static const struct mtcase cases[] = {
    CASE(EXIT_1, "atexit", &exit_lock, probe_atexit),
    CASE(EXIT_1, "__cxa_atexit", &exit_lock, probe_cxa_atexit),
    CASE(EXIT_1, "on_exit", &exit_lock, probe_on_exit),
    CASE(EXIT_2, "at_quick_exit", NEEDS_QUICK(&quick_exit_lock, probe_at_quick_exit)),
    CASE(EXIT_3, "exit-handler-order", &exit_lock, probe_exit_order),
    CASE(EXIT_3, "exit-pending-output", &exit_lock, probe_exit_pending_output),
    CASE(EXIT_4, "quick_exit", NEEDS_QUICK(&quick_exit_lock, probe_quick_exit)),
    CASE(EXIT_6, "exit-flush-once", &list_lock, probe_exit_flush_once),
    CASE(EXIT_8, "atexit-exit", &list_lock, probe_atexit_exit),
    CASE(EXIT_8, "atexit-quick_exit", NEEDS_QUICK(&list_lock, probe_atexit_quick)),
    CASE(EXIT_8, "atexit-exit-threaded", &list_lock, probe_atexit_exit_mt),
    CASE(EXIT_8, "atexit-quick_exit-threaded", NEEDS_QUICK(&list_lock, probe_atexit_quick_mt)),
    CASE(EXIT_8, "on_exit-exit", &list_lock, probe_on_exit_exit),
    CASE(EXIT_8, "on_exit-quick_exit", NEEDS_QUICK(&list_lock, probe_on_exit_quick)),
    CASE(EXIT_8, "on_exit-exit-threaded", &list_lock, probe_on_exit_exit_mt),
    CASE(EXIT_8, "on_exit-quick_exit-threaded", NEEDS_QUICK(&list_lock, probe_on_exit_quick_mt)),
    CASE(EXIT_8, "__cxa_atexit-exit", &list_lock, probe_cxa_exit),
    CASE(EXIT_8, "__cxa_atexit-quick_exit", NEEDS_QUICK(&list_lock, probe_cxa_quick)),
    CASE(EXIT_8, "__cxa_atexit-exit-threaded", &list_lock, probe_cxa_exit_mt),
    CASE(EXIT_8, "__cxa_atexit-quick_exit-threaded", NEEDS_QUICK(&list_lock, probe_cxa_quick_mt)),
    CASE(EXIT_5, "exit-while-exiting", &exiting_thread, probe_exit_while_exiting),
    CASE(EXIT_7, "tls-destructors", &two_threads_tls, probe_tls_dtors),
};

MTFORK_MAIN(cases)
