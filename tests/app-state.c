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
 *   ATFORK-4    a library whose fork handlers are registered is dlclose()d by
 *               another thread while the forking thread runs its prepare
 *               handler: fork must not return into unmapped code, and must
 *               run the library's child handler after its prepare handler.
 *   CXXGUARD-1  (MAY) the initialisation guard of a C++ function-local
 *               static that another thread was initialising at fork: what
 *               __cxa_guard_acquire() does in the child is recorded
 *               (WAY_APP: the holder acquired the guard and parked). The
 *               C++ runtime is libstdc++, opened with dlopen(): a target
 *               that cannot load it skips.
 *
 * Holding for APPMUTEX-*: the malloc arena lock (tests/harness/holdings.c), so
 * the child is an MT-forked child with a libc lock held as well; the
 * mutexes are taken by the forking thread itself, in the prepare handler
 * this file registers first (it runs last, just before fork's own work).
 */
#define _GNU_SOURCE
#include "have.h"
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "harness/fixture.h"
#include "harness/mtfork.h"
#include "clauses.h"

#if HAVE_MUTEX_KINDS
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

#endif

#if HAVE_DLOPEN /* CXXGUARD and ATFORK-4 load libraries */
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
    .ways = (const struct way[]){APP_WAY("__cxa_guard_acquire", initialise_and_park), {0}},
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

/* --- ATFORK-4 ------------------------------------------------------------ */

/* libmtf_atfork.so is dlclose()d by the closer thread while the forking
 * thread is inside its prepare handler; the handler waits (bounded) for
 * dlclose() to return before it returns itself. Where dlclose() unmapped
 * the library, that return crashes the forking process inside fork(): the
 * harness makes it the case's verdict (fail: crash). Shared with the child:
 * whether dlclose() returned, and when. */
struct closing {
	volatile int closed;         /* dlclose() returned */
	volatile int during_prepare; /* ... while the prepare handler waited */
};
static struct closing *cl;
static void *atfork_lib;
static int closer_go[2];
static volatile int lib_prepared, lib_child;
static const char *atfork_why;

static int prepare_goes_on; /* the library's prepare handler runs on after its report */

int fx_atfork_returns(void);
int fx_atfork_returns(void)
{
	return prepare_goes_on;
}

void fx_atfork_event(int which);
void fx_atfork_event(int which)
{
	if (which == 'c') {
		lib_child = 1;
		return;
	}
	if (which != 'p' || lib_prepared)
		return;
	lib_prepared = 1;
	if (write(closer_go[1], "g", 1) != 1)
		return;
	struct timespec tick = {0, 1000000};
	for (int ms = probe_ms(300); !cl->closed && ms > 0; ms--)
		nanosleep(&tick, 0);
	cl->during_prepare = cl->closed;
}

static void *closer(void *arg)
{
	char b;
	(void)arg;
	if (read(closer_go[0], &b, 1) == 1 && !dlclose(atfork_lib))
		cl->closed = 1;
	return 0;
}

static void open_atfork_lib(int goes_on)
{
	pthread_t t;
	prepare_goes_on = goes_on;
	cl = mmap(0, sizeof *cl, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	atfork_lib = dlopen(fx_path("libmtf_atfork.so"), RTLD_NOW | RTLD_LOCAL);
	if (!atfork_lib)
		atfork_why = dlerror();
	else if (cl == MAP_FAILED || pipe(closer_go) || pthread_create(&t, 0, closer, 0))
		atfork_why = "cannot start the closing thread";
}

static void atfork_lib_setup(void)
{
	open_atfork_lib(1);
}

/* The prepare handler's report is its last act: only the pairing of the
 * handlers is at stake, not a return into unmapped code. */
static void atfork_lib_tail_setup(void)
{
	open_atfork_lib(0);
}

static const struct holding closing_lib = {
    .name = "a library with fork handlers dlclose()d while its prepare handler runs",
    .setup = atfork_lib_setup,
    .ways = fx_parked_thread,
};

static const struct holding closing_lib_tail = {
    .name = "a library with fork handlers dlclose()d while its prepare handler makes its "
            "last call",
    .setup = atfork_lib_tail_setup,
    .ways = fx_parked_thread,
};

static int probe_atfork_dlclose(struct probe *p)
{
	if (atfork_why)
		return probe_skip(p, atfork_why);
	if (!lib_prepared)
		return probe_wrong(p, "the library's prepare handler did not run");
	if (!lib_child)
		return probe_wrong(p,
		                   cl->during_prepare
		                       ? "the library was closed during its prepare handler, "
		                         "which ran; its child handler did not"
		                       : "the library's prepare handler ran, its child handler "
		                         "did not (dlclose() returned after the prepare handler)");
	struct timespec tick = {0, 1000000};
	for (int ms = probe_ms(2000); !cl->closed && ms > 0; ms--)
		nanosleep(&tick, 0);
	if (!cl->closed)
		return probe_wrong(p, "dlclose() in the parent did not return");
	return PROBE_OK;
}

#endif

#define NEEDS_MUTEX_KINDS(h, p)                                                                    \
	MTFORK_NEEDS(HAVE_MUTEX_KINDS, "PTHREAD_MUTEX_NORMAL, _ERRORCHECK or _RECURSIVE", h, p)
#define NEEDS_DLOPEN(h, p) MTFORK_NEEDS(HAVE_DLOPEN, "dlopen()", h, p)

static const struct mtcase cases[] = {
    CASE(APPMUTEX_1, "normal-child-handler", NEEDS_MUTEX_KINDS(&forker_owns, probe_normal_handler)),
    CASE(APPMUTEX_1, "normal-in-child", NEEDS_MUTEX_KINDS(&forker_owns, probe_normal_child)),
    CASE(APPMUTEX_2, "errorcheck-child-handler",
         NEEDS_MUTEX_KINDS(&forker_owns, probe_errorcheck_handler)),
    CASE(APPMUTEX_2, "errorcheck-in-child",
         NEEDS_MUTEX_KINDS(&forker_owns, probe_errorcheck_child)),
    CASE(APPMUTEX_2, "recursive-child-handler",
         NEEDS_MUTEX_KINDS(&forker_owns, probe_recursive_handler)),
    CASE(APPMUTEX_2, "recursive-in-child", NEEDS_MUTEX_KINDS(&forker_owns, probe_recursive_child)),
    CASE(ATFORK_4, "prepare-runs-on", NEEDS_DLOPEN(&closing_lib, probe_atfork_dlclose)),
    CASE(ATFORK_4, "child-after-prepare", NEEDS_DLOPEN(&closing_lib_tail, probe_atfork_dlclose)),
    CASE(CXXGUARD_1, "function-local-static", NEEDS_DLOPEN(&static_init_running, probe_guard)),
};

MTFORK_MAIN(cases)
