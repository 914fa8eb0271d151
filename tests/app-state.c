/* SPDX-License-Identifier: MIT */
/*
 * APP — application state across fork (spec/app-state.adoc).
 *
 *   APPMUTEX-1  a default mutex the forking thread locked (in a prepare
 *               handler) is unlocked by the child handler and can be locked
 *               again in the child.
 *   APPMUTEX-2  the same for error-checking and recursive mutexes: the child's
 *               thread owns them, so pthread_mutex_unlock() in the child
 *               returns 0 (glibc 2.36 compares the stored owner TID with the
 *               child's new TID and returns EPERM). Two forms: the child
 *               handler unlocks (the pthread_atfork idiom), or the child's
 *               own code unlocks a mutex the prepare handler left locked.
 *   CXXGUARD-1  (MAY) the initialisation guard of a C++ function-local
 *               static that another thread was initialising at fork: what
 *               __cxa_guard_acquire() does in the child is recorded
 *               (WAY_APP: the holder acquired the guard and parked). The
 *               C++ runtime is libstdc++, opened with dlopen(): a target
 *               that cannot load it skips.
 *
 * Holding for APPMUTEX-*: the malloc arena lock (tests/lib/holdings.c), so
 * the child is an MT-forked child with a libc lock held as well; the
 * mutexes are taken by the forking thread itself, in the prepare handler
 * this file registers first (it runs last, just before fork's own work).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "lib/fixture.h"
#include "lib/mtfork.h"

/* --- APPMUTEX ------------------------------------------------------------ */

enum { M_NORMAL, M_ERRORCHECK, M_RECURSIVE, NM };
static const int kinds[NM] = {PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_ERRORCHECK,
                              PTHREAD_MUTEX_RECURSIVE};
/* by_handler[k]: unlocked by the child handler; by_child[k]: left locked for
 * the child's own code. */
static pthread_mutex_t by_handler[NM], by_child[NM];
static volatile int handler_rc[NM][2]; /* the child handler's unlock results */
static volatile int prepared;          /* the prepare handler ran in this fork */

static void lock_all(void)
{
	for (int k = 0; k < NM; k++) {
		pthread_mutex_lock(&by_handler[k]);
		pthread_mutex_lock(&by_child[k]);
		if (k == M_RECURSIVE) { /* twice: the count must survive too */
			pthread_mutex_lock(&by_handler[k]);
			pthread_mutex_lock(&by_child[k]);
		}
	}
	prepared = 1;
}

static void unlock_all_parent(void)
{
	for (int k = 0; k < NM; k++)
		for (int i = 0; i < (k == M_RECURSIVE ? 2 : 1); i++) {
			pthread_mutex_unlock(&by_handler[k]);
			pthread_mutex_unlock(&by_child[k]);
		}
	prepared = 0;
}

static void unlock_in_child_handler(void)
{
	for (int k = 0; k < NM; k++) {
		handler_rc[k][0] = pthread_mutex_unlock(&by_handler[k]);
		handler_rc[k][1] = k == M_RECURSIVE ? pthread_mutex_unlock(&by_handler[k]) : 0;
	}
}

static void mutexes_and_handlers(void)
{
	for (int k = 0; k < NM; k++) {
		pthread_mutexattr_t a;
		pthread_mutexattr_init(&a);
		pthread_mutexattr_settype(&a, kinds[k]);
		pthread_mutex_init(&by_handler[k], &a);
		pthread_mutex_init(&by_child[k], &a);
		pthread_mutexattr_destroy(&a);
	}
	/* registered before the holding's own setup: runs last among the
	 * prepare handlers, first among the child handlers */
	pthread_atfork(lock_all, unlock_all_parent, unlock_in_child_handler);
	fx_malloc_setup();
}

static const struct holding forker_owns = {
    .name = "malloc arena lock (and mutexes the forking thread owns)",
    .setup = mutexes_and_handlers,
    .verify = fx_malloc_verify,
    .ways = fx_malloc_ways,
};

/* After the unlock(s), the mutex must be free: lock it again and release. */
static int relock(struct probe *p, pthread_mutex_t *m)
{
	int rc = pthread_mutex_trylock(m);
	if (rc)
		return probe_wrong_num(
		    p, "the mutex is not free after the unlock: trylock returned ", rc);
	pthread_mutex_unlock(m);
	return PROBE_OK;
}

static int check_handler(struct probe *p, int k)
{
	if (!prepared)
		return probe_wrong(p, "the prepare handler did not run before this fork");
	if (handler_rc[k][0])
		return probe_wrong_num(p, "pthread_mutex_unlock in the child handler returned ",
		                       handler_rc[k][0]);
	if (handler_rc[k][1])
		return probe_wrong_num(p, "the second unlock of the recursive mutex returned ",
		                       handler_rc[k][1]);
	return relock(p, &by_handler[k]);
}

static int check_child(struct probe *p, int k)
{
	if (!prepared)
		return probe_wrong(p, "the prepare handler did not run before this fork");
	for (int i = 0; i < (k == M_RECURSIVE ? 2 : 1); i++) {
		int rc = pthread_mutex_unlock(&by_child[k]);
		if (rc)
			return probe_wrong_num(p, "pthread_mutex_unlock in the child returned ",
			                       rc);
	}
	return relock(p, &by_child[k]);
}

static int probe_normal_handler(struct probe *p)
{
	return check_handler(p, M_NORMAL);
}
static int probe_normal_child(struct probe *p)
{
	return check_child(p, M_NORMAL);
}
static int probe_errorcheck_handler(struct probe *p)
{
	return check_handler(p, M_ERRORCHECK);
}
static int probe_errorcheck_child(struct probe *p)
{
	return check_child(p, M_ERRORCHECK);
}
static int probe_recursive_handler(struct probe *p)
{
	return check_handler(p, M_RECURSIVE);
}
static int probe_recursive_child(struct probe *p)
{
	return check_child(p, M_RECURSIVE);
}

/* --- CXXGUARD ------------------------------------------------------------ */

/* The Itanium C++ ABI's guard of a function-local static: 64 bits, the
 * first byte non-zero once initialised. */
static int (*guard_acquire)(int64_t *);
static void (*guard_release)(int64_t *);
static int64_t guard;

static void open_cxx_runtime(void)
{
	void *h = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_GLOBAL);
	if (!h)
		return;
	guard_acquire = (int (*)(int64_t *))dlsym(h, "__cxa_guard_acquire");
	guard_release = (void (*)(int64_t *))dlsym(h, "__cxa_guard_release");
	if (!guard_acquire || !guard_release)
		guard_acquire = 0;
}

/* The holder begins the initialisation (acquire returned 1: this thread
 * must initialise) and parks inside it, as a constructor of the static
 * that waits for something would. */
static void initialise_and_park(struct hold *h)
{
	(void)h;
	if (guard_acquire && guard_acquire(&guard) == 1) {
		holder_park();
		guard_release(&guard);
		return;
	}
	holder_park();
}

static const struct holding static_init_running = {
    .name = "C++ static initialisation guard held by another thread",
    .setup = open_cxx_runtime,
    .ways = (const struct way[]){{"app:__cxa_guard_acquire", WAY_APP, initialise_and_park, 0}, {0}},
};

static int probe_guard(struct probe *p)
{
	if (!guard_acquire)
		return probe_skip(p, "no C++ runtime (libstdc++.so.6) loads into this target");
	int r = guard_acquire(&guard);
	if (r == 1) { /* the child initialises it itself */
		guard_release(&guard);
		return PROBE_OK;
	}
	return probe_wrong_num(p, "__cxa_guard_acquire returned ", r);
}

static const struct mtcase cases[] = {
    {"APPMUTEX-1.normal-child-handler", "APPMUTEX-1", MUST, &forker_owns, probe_normal_handler},
    {"APPMUTEX-1.normal-in-child", "APPMUTEX-1", MUST, &forker_owns, probe_normal_child},
    {"APPMUTEX-2.errorcheck-child-handler", "APPMUTEX-2", MUST, &forker_owns,
     probe_errorcheck_handler},
    {"APPMUTEX-2.errorcheck-in-child", "APPMUTEX-2", MUST, &forker_owns, probe_errorcheck_child},
    {"APPMUTEX-2.recursive-child-handler", "APPMUTEX-2", MUST, &forker_owns,
     probe_recursive_handler},
    {"APPMUTEX-2.recursive-in-child", "APPMUTEX-2", MUST, &forker_owns, probe_recursive_child},
    {"CXXGUARD-1.function-local-static", "CXXGUARD-1", MAY, &static_init_running, probe_guard},
};

MTFORK_MAIN(cases)
