/* SPDX-License-Identifier: MIT */
/*
 * The case process's context, shared by the files of its steps (internal to
 * the harness). One case, one way of holding, one process:
 *
 *   caseproc.c     set-up and the sequence of steps; the outcome it sends
 *   casethreads.c  the threads (holder, verifier, forker) and the
 *                  event protocol between them and the controller
 *   hold.c         steps 1-2: hold and verify (uffd, callback, app ways)
 *   gscan.c        steps 1-2 for a guarded stack: the depth scan
 *   forkstep.c     step 3: fork while held, by the fork policy; step 4: judge
 *   stochastic.c   the stochastic holder: find the lock, fork until evidence
 *   forktakes.c    does the target's fork take the lock found?
 *   askcopy.c      asking a copy of this process (the scout, forktakes.c)
 *
 * The controller (the case process's main thread) owns a struct casectx and
 * hands it to every step and to each thread it starts. After holding, the
 * controller and the threads use only system calls and lock-free helpers:
 * the held lock may be one stdio or malloc uses.
 */
#ifndef MTFORK_CASECTX_H
#define MTFORK_CASECTX_H

#include <stdatomic.h>
#include <sys/types.h>

#include "harness.h"
#include "uffd.h"

#define HOLD_MS          2000 /* the holder must park within this */
#define VERIFY_MS        1000 /* the verifier must park (or fail to) within this */
#define CHILD_MS         2000 /* a child not done by then is judged by timeout */
#define STABLE_MS        5    /* two samples this far apart must agree */
#define STOCH_FLOOR      50   /* stochastic: forks with evidence a pass needs */
#define STOCH_HUNT_MS    1000 /* ... without evidence, forks hunt a failure this long */
#define STOCH_HUNT_MIN   100  /* ... and at least this many (every failure: by fork 55) */
#define STOCH_HUNT_FORKS 200  /* ... and, with no lock found to watch, this many at most */
#define STOCH_CAP_MS     8000 /* ... the time cap of every search */
#define SCAN_MS          1500 /* guarded stack: the depth scan gives up after this */
#define SCAN_TRIES       400  /* ... or after this many depths */
#define FIND_MS          500  /* stochastic: finding the hammer's lock, at most */
#define FORK_SLOW_MS     200  /* a fork not back by then is watched for a proof */

/* Events from the threads to the controller; a userfaultfd fault is 'U'. */
enum { EV_PARKED = 'P', EV_RETURNED = 'R', EV_FORKED = 'F', EV_FAULT = 'U' };

struct casectx {
	const struct mtcase *c;
	const struct way *w;
	struct uffd_trap trap;
	char *fill;     /* the page's content once released */
	int ev[2];      /* threads -> controller */
	int release[2]; /* controller -> a holder parked in holder_park() */
	int go_holder[2], go_verifier[2], go_forker[2];
	int result_w; /* the next child's report pipe */
	atomic_int tid_holder, tid_verifier, tid_forker;
	atomic_int stop;
	atomic_int hammering;      /* the stochastic holder has been through enter() once */
	atomic_int in_call;        /* ... is inside its enter() (set by the harness) */
	atomic_int in_marked;      /* ... is between stochastic_inside(1) and (0) */
	atomic_int explicit_marks; /* ... enter() brackets its subsystem call itself */
	int last_inside;           /* the last child's snapshot of the above (1/0, -1 unknown) */
	int last_in_call;          /* ... of in_call or in_marked alone, whatever the lock */
	int notif_fd;              /* stochastic: the verifier's futex-wait listener (lockfind.c) */
	atomic_int notif_ready, lock_found, verifier_done;
	unsigned long lock_addr; /* ... the futex word of the lock the hammer takes, or 0 */
	int watch_fd;            /* ... the forker's waits on it (lockfind_watch), or -1 */
	atomic_int watch_ready;
	int fork_waited_lock;         /* ... the forker waited on it during the last fork */
	int fork_takes_lock;          /* ... fork takes it (fork_takes_lock(): 1, 0, -1) */
	unsigned long child_futex;    /* the last child's proven wait (its futex word) */
	unsigned long verifier_futex; /* where the verifier parked */
	atomic_int released;          /* the holder was let go (before fork, if fork waited) */
	atomic_int pause_hammer;      /* stochastic: the hammer waits on unpause between passes */
	int unpause[2];               /* ... controller -> hammer: go on */
	pid_t (*fork)(void);
	int out_fd;                /* to the supervisor */
	unsigned long fork_futex;  /* where fork waited before the holder was released */
	void (*before_fork)(void); /* run_before_fork(): in the forker, before each fork */
	int stoch_forks, stoch_ms; /* stochastic_budget(), or 0 for the defaults */
	struct gstack gs;          /* WAY_STACK: the holder's guarded stack */
	size_t depth;              /* ... where the holder's next call starts */
	size_t touched;            /* ... how deep the last fault touched (0: unknown) */
	char note[160];            /* ... how the depth was found, for the detail */
	int in_allocator;          /* ... depths passed over: parked inside malloc */
};

/* caseproc.c: set o's verdict and replace its detail with what. */
void finish(struct outcome *o, int verdict, const char *what);

/* casethreads.c: the threads and the event protocol. */
void start_threads(struct casectx *cx);
void go(int fd); /* wake the thread waiting on fd's other end */
/* The next event (type, *val) or fault (EV_FAULT, *val = tid), or 0 after ms. */
int next_event(struct casectx *cx, int ms, int *val);
/* Is thread tid parked in a futex wait, the same one across STABLE_MS?
 * Returns the futex's address (nonzero), or 0. */
unsigned long parked_on_futex(pid_t tid);
void release_holder(struct casectx *cx);
/* Answer the reported waits on the hammer's lock; note the forker's. */
void watch_service(void *cx);

/* hold.c: the holding's verify() in a copy of this process (see there). */
enum { VERIFY_BLOCKED, VERIFY_RETURNED, VERIFY_STUCK };
int verify_in_copy(void (*call)(void), unsigned long *futex);
/* askcopy.c: fork a copy of this process, run work(arg, answer) there and
 * read its size-byte answer within ms; 1 if it came. The copy is killed. */
int ask_copy(void (*work)(void *arg, void *answer), void *arg, void *answer, size_t size, int ms);
/* hold.c: the checker's calls (the locks glibc and musl take in fork). */
void fork_lock_calls(void);
/* hold.c, gscan.c: steps 1 and 2; 1 when the lock is verifiably held. */
int hold_and_verify(struct casectx *cx, struct outcome *o);
int scan_and_verify(struct casectx *cx, struct outcome *o);

/* forkstep.c: what the controller does when the forker parks inside fork(). */
enum fork_policy {
	RELEASE_HOLDER, /* a libc lock: fork may wait for it, so let the holder go */
	NEVER_RELEASE,  /* application state: fork must not wait for it */
	JUST_WAIT,      /* stochastic: the hammer leaves by itself; only time out */
};
/* Steps 3 and 4: one fork and its judgement; returns the child's behaviour. */
int fork_and_judge(struct casectx *cx, struct outcome *o, enum fork_policy policy);

/* stochastic.c: the lock the hammer takes, found in a scout process (0 if
 * none); the whole stochastic search. */
unsigned long scout_lock(struct casectx *cx);
void stochastic(struct casectx *cx, struct outcome *o);

#endif
