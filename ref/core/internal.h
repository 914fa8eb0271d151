/* SPDX-License-Identifier: MIT */
/*
 * Private declarations shared by the protocol core and the glibc adapter.
 * Nothing here is ABI: everything is hidden from the shared object.
 */
#ifndef FORKLOCK_INTERNAL_H
#define FORKLOCK_INTERNAL_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../forklock.h"

#define FORKLOCK_HIDDEN __attribute__((visibility("hidden")))
#define FORKLOCK_PUBLIC __attribute__((visibility("default")))
/*
 * Code that runs only in the child, after fork. A child's page tables hold
 * none of the library's code (fork copies no page table of a file mapping),
 * so every 64 KB window of code it runs is a page fault (fault-around) in
 * every child. GCC puts cold functions together (.text.unlikely, at the
 * start of the code, beside the core): the child's path is one window (two
 * where the library's load address puts a 64 KB boundary inside it).
 */
#define FORKLOCK_CHILD_ONLY __attribute__((cold))
#define unlikely(x)         __builtin_expect(!!(x), 0)

/*
 * The only way this library ever blocks: a private futex wait with no
 * timeout.  The conformance harness recognises "fork is waiting" by exactly
 * this system call, and a child parked in it with no other thread is a proven
 * deadlock.  errno is preserved: callers run inside libc entry points.
 */
static inline void forklock_futex_wait(atomic_int *word, int expected)
{
	int saved = errno;
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL);
	errno = saved;
}

static inline void forklock_futex_wake_all(atomic_int *word)
{
	int saved = errno;
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX);
	errno = saved;
}

/*
 * Everything fork writes, in parent and child, on one cache line: after
 * fork every page either process writes costs it a copy-on-write fault, so
 * fork-time state spread over several pages made a small process's fork
 * measurably slower.  Defined in fork.c.
 */
struct forklock_fork_state {
	atomic_int gates_closed;     /* 0 open, 1 closed, 2 closed with waiters (gate.c) */
	atomic_int drain_seq;        /* bumped by threads leaving closed gates (gate.c) */
	forklock_mutex_t registry;   /* registry.c */
	_Atomic(const void *) owner; /* the thread whose fork holds the locks */
	int depth;                   /* its fork nesting, written by it only */
	_Atomic(struct forklock_thread *) closer; /* gate.c */
	atomic_bool threaded;                     /* threaded.c */
} __attribute__((aligned(64)));

extern FORKLOCK_HIDDEN struct forklock_fork_state forklock_fork_state;

/* A thread's identity that survives fork (the child's thread keeps it). */
FORKLOCK_HIDDEN const void *forklock_self_id(void);

/* Load-time setup: reads the environment, registers the gates.  Idempotent. */
FORKLOCK_HIDDEN void forklock_init(void);

/* registry.c: the walks fork makes, in rank order (release: reverse). */
FORKLOCK_HIDDEN void forklock_acquire_all(void);
FORKLOCK_HIDDEN void forklock_release_all(void);
FORKLOCK_HIDDEN void forklock_reset_all(void);

/* debug.c */
extern FORKLOCK_HIDDEN bool forklock_debug_on;
FORKLOCK_HIDDEN void forklock_report(const char *a, const char *b, const char *c);
FORKLOCK_HIDDEN void forklock_debug_before_take(const struct forklock *lock, bool in_fork);
FORKLOCK_HIDDEN void forklock_debug_after_take(struct forklock *lock);
FORKLOCK_HIDDEN void forklock_debug_drop(const struct forklock *lock);
FORKLOCK_HIDDEN void forklock_debug_gate_enter(const struct forklock_gate *gate);
FORKLOCK_HIDDEN void forklock_debug_forget_held(void);

/* ops.c: the child marks other threads' operations as interrupted. */
FORKLOCK_HIDDEN void forklock_ops_child(void);
/* Is the operation begun with this token one the fork interrupted?  (Adapters
 * keep per-token data of their own: glibc/dlopen.c.) */
FORKLOCK_HIDDEN bool forklock_op_token_interrupted(int token);

/* threaded.c: the child is single-threaded again. */
FORKLOCK_HIDDEN void forklock_threaded_child(void);

/* gate.c: the gate domain, registered at FORKLOCK_RANK_GATES. */
FORKLOCK_HIDDEN void forklock_gates_init(void);

#endif
