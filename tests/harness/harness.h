/* SPDX-License-Identifier: MIT */
/* Internal interfaces of the harness (test files include only mtfork.h). */
#ifndef MTFORK_HARNESS_H
#define MTFORK_HARNESS_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "mtfork.h"
#include "proc.h"

enum verdict {
	V_PASS,
	V_FAIL,
	V_SKIP,
	V_ERROR,
	V_OBSERVED,
	V_NOT_HELD,    /* internal: this way did not verifiably hold; try the next */
	V_UNAVAILABLE, /* internal: this way cannot be used here (no userfaultfd...) */
};

/* How the child behaved: a fail's mode, or an observed MAY behaviour. */
enum behaviour { B_NONE, B_WORKS, B_DEADLOCK, B_CRASH, B_WRONG };

enum how { HOW_NONE, HOW_PROOF, HOW_TIMEOUT, HOW_EXIT };

#define OUTCOME_MAGIC 0x6d74666bU

/* What a case process sends its supervisor: one write, < PIPE_BUF. */
struct outcome {
	uint32_t magic;
	int verdict, behaviour, how;
	int held;         /* 1 verified, 0 not, -1 unknown (stochastic) */
	int fork_waited;  /* 1 fork blocked until the holder was released, -1 n/a */
	int forks;        /* stochastic: forks tried */
	int forks_inside; /* stochastic: forks whose child snapshot shows the hammer inside */
	char detail[1024];
};

/* What the judge concluded about one MT-forked child. */
struct child_result {
	int behaviour, how, signo;
	int skipped; /* the probe said the target cannot run it (detail: why) */
	int inside;  /* stochastic: the hammer was inside at the fork (child's snapshot); -1 n/a */
	int in_call; /* stochastic: ... inside its call, whatever its lock (1/0, -1 n/a) */
	unsigned long futex; /* a proven deadlock: the futex word waited on */
	char detail[400];
};

/* Scaled timing (MTFORK_TIMEOUT_MUL multiplies every limit). */
int scaled_ms(int ms);
long now_ms(void);
void sleep_ms(int ms);

/* judge.c: the deadlock proof, one sample per call: 1 once every thread of
 * pid has been seen in the same waits nothing can end (proc_stuck_sample)
 * twice, STABLE_MS apart, and the process-wide checks hold. */
struct proof {
	struct stuck_state prev, last;
	int have;              /* prev is a stuck sample */
	long prev_at, next_at; /* when prev was taken; no costly check before next_at */
};
int proof_step(struct proof *pr, pid_t pid);

/* forkproof.c: fork() itself stuck, proven from the forking process, one
 * sample per call: 1 once every thread but the caller has been seen twice,
 * STABLE_MS apart, in an untimed private futex wait (the forker among them),
 * in pause(), or reading one of idle_fds (pipes only the caller writes), and
 * no timer or child can send a signal. The caller must wake no futex. */
struct fork_proof {
	unsigned long sig, futex; /* futex: the forker's futex word */
	int have;
	long at, next_at;
};
int fork_proof_step(struct fork_proof *fp, pid_t forker, const int *idle_fds, int nidle);

/* judge.c: watch child pid (which reports on rfd) until it exits, crashes,
 * or is proven or timed out in a deadlock; it is killed and reaped. hook
 * (may be NULL) is called with hook_arg on every turn of the watch. */
void judge_child(pid_t pid, int rfd, int timeout_ms, struct child_result *r, void (*hook)(void *),
                 void *hook_arg);
/* judge.c: a case's verdict from what was seen (the behaviour: how its
 * child ended, or fork itself crashed or never returned) -- the one place it
 * is decided: a MAY case is observed, a skip stays a skip. */
int case_verdict(int level, int behaviour, int skipped);
/* forktakes.c: does fork_fn take the lock whose futex word is at addr?
 * Asked of a copy of this process, made before its threads start: 1 yes
 * (fork parked on that word), 0 no (fork returned), -1 unknown. */
int fork_takes_lock(unsigned long addr, pid_t (*fork_fn)(void));
/* child side, set before child_report: was the stochastic hammer inside
 * the subsystem in this child's snapshot (1/0; with a lock found, its word
 * held), or -1 (not stochastic); and inside its call, bracketed
 * (stochastic_inside) or whole, whatever its lock. */
extern int mtfork_snapshot_inside, mtfork_snapshot_in_call;
/* child side: run the probe and report to wfd, then _exit. */
void child_report(const struct mtcase *c, int wfd) __attribute__((noreturn));

/* runner.c: a page shared by the supervisor and the case process; the
 * forker sets it while it is inside fork(), so that a case process killed
 * by a signal there (fork itself, or a fork handler it called, crashed) is a
 * verdict of the case and not a harness fault. */
extern volatile int *mtfork_in_fork;

/* Exit statuses of the harness's own processes when its plumbing fails:
 * the case process's and the child's; the runner and the judge name them. */
enum {
	EXIT_OUTCOME_LOST = 122, /* the case process could not send its outcome */
	EXIT_NO_THREAD = 123,    /* the case process could not start its threads */
	EXIT_EVENT_LOST = 124,   /* a thread and the controller lost their pipe */
	EXIT_REPORT_LOST = 125,  /* the child could not send its probe's report */
};
/* What one of those statuses means ("" for any other). */
const char *harness_exit_name(int status);

/* caseproc.c: body of the case process for one way; never returns. */
void case_process(const struct mtcase *c, const struct way *w, int out_fd)
    __attribute__((noreturn));
void send_outcome(int fd, struct outcome *o) __attribute__((noreturn));

/* park.c: wiring holder_park() to the controller. */
void park_init(int event_fd, int release_fd);
void park_set_holder(pid_t tid);
pid_t gettid_(void);

/* stack.c: the guarded stack of WAY_STACK holders. */
struct gstack {
	int fd;    /* the userfaultfd, or -1 */
	int exact; /* faults report the exact address touched */
	char *map; /* [PROT_NONE page][guard, registered][normal] */
	size_t map_len;
	char *guard;      /* start of the registered region */
	char *boundary;   /* first byte of the ordinary region above it */
	size_t max_depth; /* the deepest starting point the ordinary region allows */
	char why[120];    /* why the stack is unavailable, when gstack_open fails */
};
int gstack_open(struct gstack *s);
int gstack_arm(struct gstack *s);    /* drop the guard's pages and register them */
int gstack_disarm(struct gstack *s); /* unregister: wakes the parked thread */
char *gstack_top(struct gstack *s, size_t depth);
/* Read one fault: returns the faulting thread's id (0: none pending, -1 error);
 * *touched is how far below the top of a call started at depth it touched,
 * or 0 when unknown. */
int gstack_read_fault(struct gstack *s, size_t depth, size_t *touched);
/* Call fn(arg) with the stack pointer at top. */
void gstack_call(void (*fn)(void *), void *arg, char *top);
int gstack_hint(const void *key);
void gstack_set_hint(const void *key, int depth);

/* lockfind.c: in the verifier thread, report its own untimed private futex
 * waits (returns the listener, or -1); in the controller, the next waited-on
 * address within ms (answered "continue"), or 0. */
int lockfind_install(void);
unsigned long lockfind_next(int fd, int ms);
/* In the forker: report its waits on addr only (and its children's). */
int lockfind_watch(unsigned long addr);
unsigned long lockfind_next_tid(int fd, int ms, int *tid);

/* names.c */
const char *verdict_name(int v);
const char *behaviour_name(int b);
const char *how_name(int h);
const char *signal_name(int sig);
/* Bounded string appends that stay usable after a lock is held (no stdio). */
void str_add(char *dst, size_t size, const char *s);
void str_add_num(char *dst, size_t size, long n);

/* expect.c */
struct expectation {
	const char *expected; /* "pass" when nothing is recorded */
	const char *reason;   /* NULL when nothing is recorded */
};
int expect_load(const char *path);
/* Every loaded pattern must match one of the binary's cases: 0, or -1 with
 * one line on stderr. */
int expect_check(const struct mtcase *cases, size_t n);
struct expectation expect_for(const char *case_id, const char *clause);
int expect_met(const char *expected, int verdict, int behaviour);

/* runner.c: run one case (every way in turn) and report it. */
void run_case(const struct mtcase *c, struct outcome *o, const char **holder);
/* runner.c: the longest run_case can take for c, in scaled milliseconds
 * (the driver bounds a whole binary by the sum over its cases). */
long case_bound_ms(const struct mtcase *c);

/* A test binary's exit statuses (the driver and tap-driver read them). */
enum {
	EXIT_AS_EXPECTED = 0, /* every verdict met its expectation */
	EXIT_UNEXPECTED = 1,  /* some did not: the TAP says which */
	EXIT_BAD_INPUT = 2,   /* bad option, expectation file or MTFORK_ variable */
};

#endif
