/* SPDX-License-Identifier: MIT */
/*
 * When the fork hooks are registered.  A process that never has a second
 * thread needs no protection, and glibc runs every registered atfork
 * handler at every fork: registered at load, the hooks would run, and fault
 * their pages in, in every fork of every small single-threaded program.  So
 * the adapter registers them only when they can matter:
 *
 *   - before the first pthread_create or thrd_create (they are interposed);
 *   - before anyone else registers an atfork handler (__register_atfork,
 *     which pthread_atfork calls, is interposed): glibc runs prepare
 *     handlers last-registered first and child handlers first-registered
 *     first, and ours must run after every application prepare handler and
 *     before every application child handler, so they must be the first
 *     registered;
 *   - at load, in a process that already has threads (dlopen()ed late);
 *   - on the first gated call of any thread in a process that has become
 *     multi-threaded some other way (threads glibc creates itself: timer and
 *     mq_notify helpers, which then run application code in new threads).
 */
#include "gated.h"

#include <threads.h>

#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
#include <sys/single_threaded.h>
#endif

static atomic_int installed;

FORKLOCK_HIDDEN void forklock_adapter_install(void)
{
	int expected = 0;

	if (atomic_load_explicit(&installed, memory_order_acquire) ||
	    !atomic_compare_exchange_strong(&installed, &expected, 1))
		return;
	/* Its pthread_atfork comes back through __register_atfork below: installed is set. */
	if (forklock_install() != 0)
		forklock_report("forklock: ", "pthread_atfork failed; fork is unprotected", "\n");
}

/* Called by the core when a thread enters its first gate. */
static void install_if_threaded(void)
{
#ifdef __GLIBC__
	if (!__libc_single_threaded)
		forklock_adapter_install();
#endif
}

FORKLOCK_HIDDEN void forklock_adapter_install_init(void)
{
	forklock_first_gate_hook = install_if_threaded;
	install_if_threaded();
}

int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void), void *dso);

FORKLOCK_PUBLIC int __register_atfork(void (*prepare)(void), void (*parent)(void),
                                      void (*child)(void), void *dso)
{
	if (unlikely(!atomic_load_explicit(&installed, memory_order_relaxed)))
		forklock_adapter_install();
	return FORKLOCK_NEXT(__register_atfork)(prepare, parent, child, dso);
}

FORKLOCK_PUBLIC int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                                   void *(*start)(void *), void *arg)
{
	if (unlikely(!atomic_load_explicit(&installed, memory_order_relaxed)))
		forklock_adapter_install();
	return FORKLOCK_NEXT(pthread_create)(thread, attr, start, arg);
}

FORKLOCK_PUBLIC int thrd_create(thrd_t *thread, thrd_start_t start, void *arg)
{
	if (unlikely(!atomic_load_explicit(&installed, memory_order_relaxed)))
		forklock_adapter_install();
	return FORKLOCK_NEXT(thrd_create)(thread, start, arg);
}
