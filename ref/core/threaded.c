/* SPDX-License-Identifier: MIT */
/*
 * Thread identity and the single-threaded fast path.  Until a process has had
 * a second thread no lock can be held by anyone else, so fork takes none and
 * stays async-signal-safe.
 */
#define _GNU_SOURCE
#include "internal.h"

#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
#include <sys/single_threaded.h>
#define HAVE_LIBC_SINGLE_THREADED 1
#endif

static __thread char identity_anchor __attribute__((tls_model("initial-exec")));

FORKLOCK_HIDDEN const void *forklock_self_id(void)
{
	return &identity_anchor;
}

FORKLOCK_PUBLIC void forklock_mark_threaded(void)
{
	atomic_store(&forklock_fork_state.threaded, true);
}

/*
 * glibc clears __libc_single_threaded at the first pthread_create and never
 * sets it again, not even in the child: trusting it only errs on the safe
 * side (the child of a threaded parent takes the slow path).
 */
FORKLOCK_PUBLIC bool forklock_is_threaded(void)
{
	if (atomic_load_explicit(&forklock_fork_state.threaded, memory_order_relaxed))
		return true;
#ifdef HAVE_LIBC_SINGLE_THREADED
	if (!__libc_single_threaded)
		return true;
#endif
	return false;
}

/* Written only if set: an untouched page costs the child no copy. */
FORKLOCK_HIDDEN FORKLOCK_CHILD_ONLY void forklock_threaded_child(void)
{
	if (atomic_load_explicit(&forklock_fork_state.threaded, memory_order_relaxed))
		atomic_store_explicit(&forklock_fork_state.threaded, false, memory_order_relaxed);
}
