/* SPDX-License-Identifier: MIT */
/*
 * The child of a fork that interrupted other threads' dlopen() calls: their
 * records (dlopen.c) become the taint set dlopen() refuses, and the tainted
 * objects' destructors are disarmed so that exit() does not run them
 * (DLOPEN-CTOR-7: destructors assume their constructors finished).
 *
 * Runs as the reset step of a registered entry: fork's child hook calls it
 * after the core has marked other threads' operations interrupted, before
 * any application child handler.  The child has one thread; nothing here
 * locks or allocates.
 *
 * The loader's bounded phases.  glibc changes its object list only inside
 * two phases that run no application code, and announces them to debuggers
 * in _r_debug.r_state (<link.h>): RT_ADD while dlopen() maps objects in,
 * RT_DELETE while dlclose() unmaps them (after their destructors ran).  A
 * fork inside one left a child with an object on the list whose memory was
 * already unmapped (reading it crashed this very hook), the list lock held,
 * and r_state stuck, so that the child's next load failed glibc's assertion
 * "r->r_state == RT_ADD".  Hence:
 *
 *   - before fork (this entry's lock step, after the gates are closed, so no
 *     new dlopen() or dlclose() gets past this library), fork waits until
 *     r_state is RT_CONSISTENT, for at most LOADER_WAIT_NS: the phases are
 *     bounded, but they read files, and fork must keep bounded progress;
 *   - the child reads r_state first, one word that the forking thread's
 *     copy of the address space fixed: RT_CONSISTENT means no thread was
 *     changing the object list at the moment of the fork (the list is only
 *     changed inside the phases), so reading it is safe; anything else means
 *     one was, and the child refuses loader calls instead of reading it.
 *
 * A thread that was already inside glibc's dlopen() or dlclose() (waiting
 * for the loader lock, or running constructors or destructors, which fork
 * never waits for) can still enter a phase after the wait: that child
 * refuses (forklock(7), LOADER).
 */
#include "gated.h"

#include <link.h>
#include <sched.h>
#include <time.h>

#include "dl.h"

#define LOADER_WAIT_NS   100000000L /* 100 ms: a phase in progress */
#define LOADER_SETTLE_NS 1000000L   /* 1 ms: calls already inside glibc */

FORKLOCK_HIDDEN bool forklock_loader_inconsistent;

static int loader_state(void)
{
	return (int)*(volatile int *)&_r_debug.r_state;
}

static long elapsed_ns(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000000000L + (now.tv_nsec - since->tv_nsec);
}

/*
 * Bounded: a phase ends by itself, and this thread holds nothing it needs.
 * dlopen() and dlclose() calls that got into glibc before the gates closed
 * can still enter a phase during the fork; they are given LOADER_SETTLE_NS
 * to return (most take microseconds), no more: they may be running
 * constructors or destructors, which fork does not wait for.
 */
static bool settled(const struct timespec *start)
{
	if (loader_state() != RT_CONSISTENT)
		return elapsed_ns(start) >= LOADER_WAIT_NS; /* the child will refuse */
	return atomic_load(&forklock_loader_calls) <= 0 || elapsed_ns(start) >= LOADER_SETTLE_NS;
}

static void wait_loader_consistent(void *unused)
{
	struct timespec start, nap = {0, 20000};

	(void)unused;
	/* A child that inherited a stuck r_state: nobody will ever change it. */
	if (forklock_loader_inconsistent ||
	    (loader_state() == RT_CONSISTENT && atomic_load(&forklock_loader_calls) <= 0))
		return;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int i = 0; !settled(&start); i++) {
		if (i < 8)
			sched_yield();
		else
			nanosleep(&nap, NULL);
	}
}

static FORKLOCK_CHILD_ONLY void taint_interrupted(void)
{
	struct fl_taint *taint = &forklock_dlopen_taint;
	int before = taint->count;

	for (int i = 0; i < FORKLOCK_DLOPEN_RECORDS; i++) {
		struct dlopen_record *r = &forklock_dlopen_records[i];
		const struct link_map *root;
		if (!atomic_load_explicit(&r->valid, memory_order_acquire) ||
		    !forklock_op_token_interrupted(i))
			continue;
		if (r->closing) {
			/* Still on the list (the same object): its destructors were running. */
			for (root = _r_debug.r_map; root; root = root->l_next)
				if (root == r->closing && root->l_ld == r->closing_ld) {
					fl_taint_add(taint, root);
					break;
				}
			continue;
		}
		root = fl_find_loaded(r->name); /* not in the list yet: nothing was built */
		if (!root)
			continue;
		/*
		 * A dlclose() ran during this dlopen(): the mark may have been
		 * unloaded and its memory reused by an object this call loaded
		 * (same address, same l_ld): then every object loaded since the
		 * program started counts.
		 */
		if ((r->mark_may_be_reused ||
		     atomic_load_explicit(&forklock_dlclose_begun, memory_order_relaxed) !=
		         r->closes_begun) &&
		    forklock_startup_last)
			fl_taint_closure(taint, root, forklock_startup_last,
			                 forklock_startup_last->l_ld);
		else
			fl_taint_closure(taint, root, r->mark, r->mark_ld);
	}
	for (int i = before; i < taint->count; i++) {
		if (forklock_debug_on)
			forklock_report("forklock: child: partially constructed: ",
			                taint->map[i]->l_name, "\n");
		forklock_skip_destructors(taint->map[i]);
	}
	if (taint->overflow)
		forklock_report("forklock: child: ", "too many partially constructed objects",
		                "; some are not refused\n");
}

static FORKLOCK_CHILD_ONLY void in_child(void *unused)
{
	(void)unused;
	if (forklock_loader_inconsistent)
		return;
	if (loader_state() != RT_CONSISTENT) {
		forklock_loader_inconsistent = true;
		if (forklock_debug_on)
			forklock_report("forklock: child: ", "forked inside a loader phase",
			                "; dlopen, dlclose and dl_iterate_phdr refuse\n");
		return;
	}
	taint_interrupted();
}

static void nothing(void *unused)
{
	(void)unused;
}

static const struct forklock_ops child_ops = {wait_loader_consistent, nothing, in_child};
static struct forklock dlopen_child =
    FORKLOCK_INIT("dlopen-records", FORKLOCK_RANK_LOADER, &child_ops, NULL);

static void note_startup_last(void *unused)
{
	const struct link_map *map = _r_debug.r_map;

	(void)unused;
	while (map && map->l_next)
		map = map->l_next;
	forklock_startup_last = map;
}

FORKLOCK_HIDDEN void forklock_dlopen_init(void)
{
	forklock_with_object_list(note_startup_last, NULL);
	if (!forklock_gate_dlopen.off)
		forklock_register(&dlopen_child);
}

FORKLOCK_HIDDEN void forklock_refuse_loader(void)
{
	forklock_dlerror_set("Loader state is inconsistent due to multithreaded fork: ",
	                     "another thread was loading or unloading a library", "", "");
}
