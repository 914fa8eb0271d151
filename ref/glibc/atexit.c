/* SPDX-License-Identifier: MIT */
/*
 * atexit: glibc's stdlib/cxa_atexit.c guards the exit-handler lists with
 * __exit_funcs_lock; fork neither takes nor resets it.  The registration
 * entry points are gated: __cxa_atexit (atexit, C++ static destructors),
 * on_exit, __cxa_at_quick_exit (at_quick_exit); atexit and at_quick_exit
 * themselves live in the application (libc_nonshared.a) and call these.
 *
 * exit, quick_exit and __cxa_finalize are NOT gated: they run the handlers,
 * application code of any length, and fork must never wait for it.  glibc
 * drops the lock around each handler, so the remaining window is the moment
 * between handlers: a known gap, stated in the man page.
 */
#include "gated.h"

#include <stdlib.h>

int __cxa_atexit(void (*function)(void *), void *arg, void *dso);
int __cxa_at_quick_exit(void (*function)(void *), void *dso);

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_atexit = FORKLOCK_GATE_INIT("atexit");

FORKLOCK_PUBLIC int __cxa_atexit(void (*function)(void *), void *arg, void *dso)
{
	return GATED(&forklock_gate_atexit, __cxa_atexit, function, arg, dso);
}

FORKLOCK_PUBLIC int __cxa_at_quick_exit(void (*function)(void *), void *dso)
{
	return GATED(&forklock_gate_atexit, __cxa_at_quick_exit, function, dso);
}

FORKLOCK_PUBLIC int on_exit(void (*function)(int, void *), void *arg)
{
	return GATED(&forklock_gate_atexit, on_exit, function, arg);
}
