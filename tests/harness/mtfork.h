/* SPDX-License-Identifier: MIT */
/*
 * mtfork harness: what a test file needs to declare its cases.
 *
 * A test file (one per chapter of spec/, by the same name) declares
 *   - a `struct holding`: how to put another thread inside the subsystem with
 *     its internal lock taken (a list of `struct way`, tried in order), and a
 *     `verify` call that needs the same lock and so must block while it is held;
 *   - its cases, CASE(CLAUSE_N, "what", &holding, probe): the clause (its ID
 *     and level come from spec/ through the generated clauses.h), the
 *     holding, and a `probe` that runs in the MT-forked child and returns
 *     PROBE_OK or probe_wrong(...);
 * and ends with MTFORK_MAIN(cases). The harness runs each case in its own
 * process: hold, verify, fork from a forker thread, probe, judge.
 */
#ifndef MTFORK_H
#define MTFORK_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus /* the C++ cases (tests/NAME.cc) link the C harness */
extern "C" {
#endif

enum level { MUST, SHOULD, MAY };

/* A probe must not install signal handlers that can run while it waits (an
 * armed alarm or timer): the judge proves a deadlock from an untimed private
 * futex wait in a single-threaded child, which only such a handler could
 * interrupt. */

/* What a holder's enter() is given. */
struct hold {
	char *page; /* uffd ways: a never-touched page; libc parks when it touches it */
	char *edge; /* the last byte of the ordinary page just below `page` */
	size_t page_size;
};

enum way_kind {
	WAY_UFFD,         /* enter() passes h->page to a call that touches it under the lock */
	WAY_CALLBACK,     /* enter() makes libc call back into code that calls holder_park() */
	WAY_APP,          /* application-controlled state (flockfile...): never released for fork */
	WAY_STOCHASTIC,   /* enter() is one use of the subsystem, hammered while forks repeat */
	WAY_STACK,        /* enter() runs on a guarded stack: libc parks where it first goes
	                     deeper than a depth the harness scans (x86-64); enter() may run
	                     several times while the depth is searched */
	WAY_SECCOMP_EXEC, /* as WAY_CALLBACK: a process libc creates is stopped at its exec
	                     by a seccomp notification (spawnhold.c) */
	WAY_SECCOMP_CALL, /* as WAY_CALLBACK: a helper's system call libc makes under the
	                     lock is stopped by a seccomp notification (seccomp_hold.c) */
};

/* A way, written with the macro of its kind: its label ("kind:detail", the
 * case's holder; spec/results.adoc lists the kinds) gets the prefix of its
 * kind, so label and kind cannot disagree. */
#define UFFD_WAY(detail, enter, fill)                                                              \
	{                                                                                          \
		"uffd-arg:" detail, WAY_UFFD, enter, fill                                          \
	}
#define CALLBACK_WAY(detail, enter)                                                                \
	{                                                                                          \
		"callback:" detail, WAY_CALLBACK, enter, 0                                         \
	}
#define APP_WAY(detail, enter)                                                                     \
	{                                                                                          \
		"app:" detail, WAY_APP, enter, 0                                                   \
	}
#define STOCHASTIC_WAY(detail, enter)                                                              \
	{                                                                                          \
		"stochastic:" detail, WAY_STOCHASTIC, enter, 0                                     \
	}
#define STACK_WAY(detail, enter)                                                                   \
	{                                                                                          \
		"stack:" detail, WAY_STACK, enter, 0                                               \
	}
#define SECCOMP_EXEC_WAY(detail, enter)                                                            \
	{                                                                                          \
		"seccomp-exec:" detail, WAY_SECCOMP_EXEC, enter, 0                                 \
	}
#define SECCOMP_CALL_WAY(detail, enter)                                                            \
	{                                                                                          \
		"seccomp-call:" detail, WAY_SECCOMP_CALL, enter, 0                                 \
	}

struct way {
	const char *name; /* shown as the case's holder, e.g. "uffd-arg:initstate" */
	enum way_kind kind;
	void (*enter)(struct hold *h);      /* runs in the holder thread */
	void (*fill)(char *page, size_t n); /* uffd: what the page holds once released (NULL: 0s) */
};

struct holding {
	const char *name;       /* the lock or state held, e.g. "random lock" */
	void (*setup)(void);    /* in the case process, before any thread starts (may be NULL) */
	void (*verify)(void);   /* needs the held lock: must block while it is held; NULL only
	                           for WAY_APP state that is no lock (held is then unknown) */
	const struct way *ways; /* tried in order until one verifiably holds; {0} ends */
	/* verify() needs this process's own threads (a libc helper thread that
	 * a copy of the process would not have): it then runs in a thread of
	 * the case process, blocked through fork, instead of in a copy (hold.c);
	 * say why where it is set */
	int verify_in_process;
};

/* From a holding's setup: run fn in the forking thread just before each
 * fork (e.g. to give that thread state of its own, such as thread-local
 * destructors, that the child continues). */
void run_before_fork(void (*fn)(void));

/* From a holding's setup: a stochastic pass needs this many forks with
 * evidence of the hammer's lock held at fork (the evidence floor; default
 * 50) and may search for them this long (scaled ms; default 8000), for a
 * failure known to need more forks to show. */
void stochastic_budget(int forks, int ms);

/* In a WAY_STOCHASTIC enter(): bracket the part of one pass that is inside
 * the subsystem (the libc call under test). A fork counts as evidence for a
 * pass only when the child's snapshot shows the hammer between the two
 * calls; a hammer that never calls them is bracketed whole by the harness.
 * A pass that does nothing (a hammer that stopped registering handlers)
 * must not be bracketed. */
void stochastic_inside(int inside);

/* A probe returns PROBE_OK, probe_wrong*(...), probe_deadlock(...) when a
 * process it waits for was proven deadlocked, or probe_skip(...) when the
 * target lacks the interface or the environment forbids the call (e.g. not
 * root): the case is then a skip with that reason, never a pass. */
enum { PROBE_OK = 0, PROBE_WRONG = 1, PROBE_SKIP = 2, PROBE_DEADLOCK = 3 };

struct probe {
	char detail[200];
};

struct mtcase {
	const char *id;     /* "RANDOM-1.random": clause, dot, what the child calls */
	const char *clause; /* "RANDOM-1" (spec/) */
	enum level level;
	const struct holding *holding;
	int (*probe)(struct probe *p); /* runs in the MT-forked child; NULL: see MTFORK_NEEDS */
};

/* A case row: CASE(RANDOM_1, "random", &holding, probe) is the case
 * "RANDOM-1.random" of clause RANDOM-1, at the level the specification gives
 * that clause. Both come from clauses.h, generated from spec/ when the suite
 * is built (tools/clauses): a case of a clause the specification does not
 * define does not compile, and no level is typed by hand. The rest of the
 * row is the holding and the probe, or MTFORK_NEEDS(...) for both. */
#define CASE(clause, what, ...)                                                                    \
	{                                                                                          \
		MTC_##clause "." what, MTC_##clause, MTL_##clause, __VA_ARGS__                     \
	}

/* A case whose interface the build-time probes did not find (have.h,
 * tests/probes/): in the cases table,
 *   CASE(CLAUSE_1, "what", MTFORK_NEEDS(HAVE_X, "x()", &holding, probe)),
 * with the holding and probe defined under #if HAVE_X. With HAVE_X 0 the
 * case keeps its ID and clause and skips without running, naming the
 * interface: its probe is NULL and its holding, with no way, is named after
 * the interface; the real holding and probe are not referred to. */
#define MTFORK_NEEDS(have, iface, h, pr)  MTFORK_NEEDS_(have, iface, h, pr)
#define MTFORK_NEEDS_(have, iface, h, pr) MTFORK_NEEDS_##have(iface, h, pr)
#define MTFORK_NEEDS_1(iface, h, pr)      h, pr
#define MTFORK_NEEDS_0(iface, h, pr)                                                               \
	&(const struct holding){.name = iface, .ways = (const struct way[]){{0}}}, 0

/* In a probe: record what was wrong (a constant string plus an optional
 * number; no stdio, since the child may have inherited held locks). */
int probe_wrong(struct probe *p, const char *what);
int probe_wrong_num(struct probe *p, const char *what, long n);
int probe_skip(struct probe *p, const char *why);
/* In a probe: a process it waited for (its helper, a grandchild) was proven
 * deadlocked (fx_deadlocked, probe_deadlocked()): the case fails with mode
 * deadlock, how proof, and what says which process and call. */
int probe_deadlock(struct probe *p, const char *what);
/* In a MAY probe: PROBE_OK with a note of what was observed (kept in the
 * record's detail; a judged pass needs none). */
int probe_ok_note(struct probe *p, const char *what);

/* In a probe: declare that no POSIX timer of this process is armed (1), or
 * that one may be (0, the state every child starts in).  Clear it before
 * arming one.  While it is declared, a timer the child has (created, never
 * armed) can send no signal, and the judge may prove a deadlock of a child
 * with a thread in an untimed signal wait (glibc's SIGEV_THREAD helper):
 * /proc/PID/timers lists timers but not whether they are armed. */
void probe_timers_disarmed(int disarmed);

/* A probe's own time bound, in ms, scaled by MTFORK_TIMEOUT_MUL like every
 * harness limit (a fixed wait inside a probe must not turn a slow child
 * into a failure on a loaded machine). */
int probe_ms(int ms);

/* In a probe that runs a call in a process of its own (e.g. exit(), which
 * cannot report): call while waiting for pid; 1 once pid is proven
 * deadlocked, by the same rule the judge applies to the child. */
int probe_deadlocked(pid_t pid);

/* In a probe whose subject is exit() itself: report success, then call
 * exit(0); the judge then decides by whether the child terminates. */
__attribute__((noreturn)) void probe_report_then_exit(void);

/* In a WAY_CALLBACK/WAY_APP holder: park this thread here until the controller
 * releases it. Only the first call in the case process parks; later calls,
 * and every call in a forked child, return at once. */
void holder_park(void);

/* A fully buffered FILE whose write function calls holder_park(): flushing it
 * parks the flushing thread inside stdio with the FILE (and whatever stdio
 * lock the flush path holds) taken. In a forked child its writes succeed. */
FILE *parking_stream(void);

int mtfork_main(int argc, char **argv, const struct mtcase *cases, size_t n);

#define MTFORK_MAIN(cases)                                                                         \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		return mtfork_main(argc, argv, cases, sizeof cases / sizeof cases[0]);             \
	}

#ifdef __cplusplus
}
#endif

#endif
