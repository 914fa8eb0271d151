/* SPDX-License-Identifier: MIT */
/*
 * forklock.h - the fork-lock protocol of the MT-forked child.
 *
 * A process that forks while other threads run gets a child with one thread
 * and a copy of every lock those threads held.  The protocol makes such a
 * child unrestricted (every libc function works) by three rules:
 *
 *   1. Every libc-internal lock whose critical sections are bounded is
 *      registered here with a rank.  Before fork, the forking thread takes
 *      all of them in ascending rank order; so no other thread is inside one.
 *   2. After fork, the parent releases them in reverse order; the child
 *      RESETS them (it is the only thread, and resetting also forgets stale
 *      waiter counts that unlocking would try to wake).
 *   3. Operations of unbounded length under application control (running a
 *      library's constructors) are never waited for: they are recorded, and
 *      the child refuses to build on them (see forklock_op_begin).
 *
 * A process that never had a second thread skips all of it, so fork stays
 * async-signal-safe there.
 *
 * Gates: a libc that cannot register its own locks (glibc, seen from outside)
 * is quiesced by gating the public entry points that reach an internal lock.
 * All gates share one registered lock of rank FORKLOCK_RANK_GATES; taking
 * it closes every gate and waits until no thread is inside one.
 *
 * Environment (read once, at load): FORKLOCK_DEBUG=1 checks lock ranks at run
 * time and reports on stderr; FORKLOCK_DISABLE=name,... turns gates off.
 */
#ifndef FORKLOCK_H
#define FORKLOCK_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The order the spec prescribes.  A thread may take a lock only while every
 * lock it holds has a strictly lower rank; fork takes them in this order.
 * Locks of equal rank are independent leaves and must never nest.
 */
enum forklock_rank {
	FORKLOCK_RANK_REGISTRY = 0,      /* this library's registry, held across fork */
	FORKLOCK_RANK_GATES = 100,       /* public entry points: outermost */
	FORKLOCK_RANK_LOADER = 200,      /* dynamic linker main lock */
	FORKLOCK_RANK_LOADER_INIT = 210, /* init/fini bookkeeping (not the ctors) */
	FORKLOCK_RANK_DLERROR = 220,
	FORKLOCK_RANK_LEAF = 300,         /* random, env, tz, syslog, locale, ... */
	FORKLOCK_RANK_STDIO_LIST = 800,   /* the list of open FILEs, not FILE locks */
	FORKLOCK_RANK_MALLOC = 900,       /* last but one: the others may allocate */
	FORKLOCK_RANK_THREAD_LIST = 1000, /* last, with application signals blocked */
};

/* How fork handles one kind of lock.  reset runs in the child only. */
struct forklock_ops {
	void (*lock)(void *obj);
	void (*unlock)(void *obj);
	void (*reset)(void *obj);
};

/* A registered lock.  Caller-owned storage that outlives the process. */
struct forklock {
	const char *name;
	int rank;
	const struct forklock_ops *ops;
	void *obj;
	struct forklock *prev, *next; /* private: the registry's links */
};

#define FORKLOCK_INIT(name, rank, ops, obj)                                                        \
	{                                                                                          \
		(name), (rank), (ops), (obj), 0, 0                                                 \
	}

/* Registration: returns 0, or -1 if the lock is already registered. */
int forklock_register(struct forklock *lock);

/* Normal-path locking of a registered lock (rank-checked in debug mode). */
void forklock_take(struct forklock *lock);
void forklock_drop(struct forklock *lock);

/*
 * The three fork hooks.  forklock_install() registers them with
 * pthread_atfork; a libc calls them from fork() directly instead.  The
 * prepare hook must run after every application prepare handler, the child
 * hook before every application child handler.  Nested forks (from a handler)
 * are allowed.
 */
void forklock_prepare(void);
void forklock_parent(void);
void forklock_child(void);
int forklock_install(void);

/*
 * The single-threaded fast path: fork takes no lock until the process has had
 * a second thread.  A libc calls forklock_mark_threaded() before it creates
 * one; on glibc the library also asks __libc_single_threaded.  The child
 * starts single-threaded again.
 */
void forklock_mark_threaded(void);
bool forklock_is_threaded(void);

/* A minimal futex lock, usable as a registered lock (obj = the mutex). */
typedef struct {
	int word; /* 0 free, 1 held, 2 held with waiters */
} forklock_mutex_t;
#define FORKLOCK_MUTEX_INIT                                                                        \
	{                                                                                          \
		0                                                                                  \
	}
void forklock_mutex_lock(forklock_mutex_t *mutex);
void forklock_mutex_unlock(forklock_mutex_t *mutex);
extern const struct forklock_ops forklock_mutex_ops;

/*
 * Gates.  Calls may nest; only the outermost entry can wait (while fork is in
 * progress), so a thread already inside a gate never blocks on another.  Never
 * put a gate around code that can run application code or block on
 * application-controlled state: fork waits for every thread inside a gate.
 */
struct forklock_gate {
	const char *name;
	bool off; /* set once, before threads exist: FORKLOCK_DISABLE */
};

#define FORKLOCK_GATE_INIT(name)                                                                   \
	{                                                                                          \
		(name), false                                                                      \
	}

/* forklock_gate_enter returns a cookie to pass to forklock_gate_leave. */
int forklock_gate_enter(struct forklock_gate *gate);
void forklock_gate_leave(struct forklock_gate *gate, int cookie);

/*
 * Unbounded operations in progress (e.g. running a library's constructors).
 * fork never waits for them.  In a child forked while another thread was in
 * one, forklock_op_was_interrupted(name) is true from then on (also in
 * grandchildren), and forklock_op_begin refuses that name.
 */
enum forklock_op_kind {
	FORKLOCK_OP_CTOR = 1, /* constructors of the named object */
	FORKLOCK_OP_DTOR = 2, /* destructors of the named object */
	FORKLOCK_OP_USER = 3, /* anything else a runtime cannot finish in the child */
};

#define FORKLOCK_OP_REFUSED   (-1) /* name was interrupted by a fork: do not proceed */
#define FORKLOCK_OP_UNTRACKED (-2) /* table full: proceeds, but is not recorded */
#define FORKLOCK_OP_NAME_MAX  256

int forklock_op_begin(int kind, const char *name);
void forklock_op_end(int token);
bool forklock_op_was_interrupted(const char *name);

/* Debug mode: FORKLOCK_DEBUG=1 at load, or switched on by a test harness. */
bool forklock_debug_enabled(void);
void forklock_set_debug(bool on);

#ifdef __cplusplus
}
#endif

#endif
