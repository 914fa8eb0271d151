/* SPDX-License-Identifier: MIT */
/*
 * The fork hooks.  One fork is "in progress" from prepare until parent/child;
 * a handler that forks again while it is (nested fork) finds the locks
 * already held by its own thread and only counts the nesting.
 *
 * The single-threaded fast path writes no memory at all: every page written
 * between fork and exec is a copy-on-write fault in parent or child, and
 * those faults are most of what a no-op fork hook would cost.
 */
#include <pthread.h>

#include "internal.h"

/* owner is set only while a fork that took the locks is in progress. */
FORKLOCK_HIDDEN struct forklock_fork_state forklock_fork_state = {.registry = FORKLOCK_MUTEX_INIT};

static bool forking_thread_holds_locks(void)
{
	return atomic_load_explicit(&forklock_fork_state.owner, memory_order_relaxed) ==
	       forklock_self_id();
}

FORKLOCK_PUBLIC void forklock_prepare(void)
{
	int saved = errno;

	if (forking_thread_holds_locks()) {
		forklock_fork_state.depth++;
		return;
	}
	if (!forklock_is_threaded())
		return;
	/* A concurrent fork by another thread waits on the registry lock in here. */
	forklock_acquire_all();
	atomic_store_explicit(&forklock_fork_state.owner, forklock_self_id(), memory_order_relaxed);
	forklock_fork_state.depth = 1;
	errno = saved;
}

FORKLOCK_PUBLIC void forklock_parent(void)
{
	int saved = errno;

	if (!forking_thread_holds_locks() || --forklock_fork_state.depth > 0)
		return;
	atomic_store_explicit(&forklock_fork_state.owner, NULL, memory_order_relaxed);
	forklock_release_all();
	errno = saved;
}

/*
 * Reset, never unlock: the holders and waiters the locks remember do not
 * exist here.  A nested fork's child then takes them again, because the outer
 * fork, still in progress in this process, will release them.
 */
FORKLOCK_PUBLIC FORKLOCK_CHILD_ONLY void forklock_child(void)
{
	int saved = errno;

	forklock_ops_child();
	forklock_threaded_child();
	if (forking_thread_holds_locks()) {
		forklock_reset_all();
		if (--forklock_fork_state.depth > 0)
			forklock_acquire_all();
		else
			atomic_store_explicit(&forklock_fork_state.owner, NULL,
			                      memory_order_relaxed);
	}
	errno = saved;
}

FORKLOCK_PUBLIC int forklock_install(void)
{
	static atomic_int installed;
	int expected = 0;

	forklock_init();
	if (!atomic_compare_exchange_strong(&installed, &expected, 1))
		return 0;
	return pthread_atfork(forklock_prepare, forklock_parent, forklock_child);
}
