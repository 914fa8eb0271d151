/* SPDX-License-Identifier: MIT */
/*
 * phdr: dl_iterate_phdr() without the loader lock held across callbacks.
 *
 * glibc 2.36 (elf/dl-iteratephdr.c) holds dl_load_write_lock while it calls
 * the application's callback; fork neither takes nor resets that lock, so a
 * child forked while another thread was in a callback deadlocks in its first
 * dlopen, dlclose or dl_iterate_phdr (C++ unwinding goes through the last).
 * Fork cannot wait for a callback: it is application code.
 *
 * So the adapter iterates in two phases: it calls glibc's dl_iterate_phdr
 * with its own callback, which copies each report (bounded, inside the
 * "phdr" gate, so fork waits for it and never copies the lock held), and
 * then calls the application's callback on the copies, lock-free.
 *
 * What the application sees is a snapshot: an object loaded during the
 * callbacks is not reported, one unloaded during them is.  The contract
 * allows the first (glibc also reports the list as it was when the call
 * took the lock; musl and FreeBSD iterate without a lock).  The second must
 * not leave dangling pointers, so dlclose() waits, before calling glibc,
 * until every snapshot taken before it started has been replayed:
 *
 *   - a snapshot "reader" registers itself, and a dlclose "closer"
 *     announces itself, under glibc's own list lock (inside the real
 *     dl_iterate_phdr), so each sees the other in one order only;
 *   - a reader that finds a closer announced does not wait: it falls back to
 *     glibc's dl_iterate_phdr for this call (lock held across callbacks, as
 *     without the adapter), so a dlclose never makes a reader wait for
 *     destructors;
 *   - a closer waits for the readers registered before it.  A dlclose
 *     called from inside a callback does not wait (two callbacks closing
 *     would wait for each other): the glibc semantics there are that the
 *     caller's own iteration sees the unload.
 *
 * The child resets both counts to what the forking thread itself holds.
 */
#include "gated.h"

#include <dlfcn.h>
#include <stdlib.h>

#include "dl.h"
#include "phdr_snapshot.h"

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_phdr = FORKLOCK_GATE_INIT("phdr");

#define LOCAL_ENTRIES 16

static atomic_int readers; /* snapshots being replayed */
static atomic_int closers; /* dlclose calls announced */
static atomic_size_t size_hint;
static __thread int my_reads __attribute__((tls_model("initial-exec")));
static __thread int my_closes __attribute__((tls_model("initial-exec")));

/* Runs under glibc's list lock, before the first copy. */
static bool register_reader(void *unused)
{
	(void)unused;
	if (atomic_load(&closers) > 0)
		return false;
	atomic_fetch_add(&readers, 1);
	return true;
}

static void leave_reader(void)
{
	if (atomic_fetch_sub(&readers, 1) == 1 && atomic_load(&closers) > 0)
		forklock_futex_wake_all(&readers);
}

static int take_snapshot(struct fl_phdr_snapshot *s)
{
	__typeof__(dl_iterate_phdr) *real = FORKLOCK_NEXT(dl_iterate_phdr);
	int cookie = forklock_gate_enter_inline(&forklock_gate_phdr);

	s->count = 0;
	s->stopped = false;
	real(fl_phdr_copy, s);
	forklock_gate_leave_inline(&forklock_gate_phdr, cookie);
	return s->stopped ? -1 : 0;
}

FORKLOCK_PUBLIC int dl_iterate_phdr(int (*callback)(struct dl_phdr_info *, size_t, void *),
                                    void *data)
{
	__typeof__(dl_iterate_phdr) *real = FORKLOCK_NEXT(dl_iterate_phdr);
	struct fl_phdr_entry local[LOCAL_ENTRIES];
	struct fl_phdr_snapshot s = {local, LOCAL_ENTRIES, 0, register_reader, NULL, false};
	void *heap = NULL;
	int result;

	if (unlikely(forklock_loader_inconsistent))
		return 0; /* the object list may hold unmapped objects (dlchild.c) */
	if (forklock_gate_phdr.off)
		return real(callback, data);
	for (;;) {
		size_t want = atomic_load_explicit(&size_hint, memory_order_relaxed);
		if (want > s.capacity) {
			/* Outside the loader lock: malloc may itself iterate (profilers). */
			void *bigger = realloc(heap, want * sizeof(*s.entry));
			if (!bigger)
				break;
			heap = bigger;
			s.entry = heap;
			s.capacity = want;
		}
		if (take_snapshot(&s) != 0)
			break; /* a dlclose is waiting: iterate the glibc way */
		if (s.count <= s.capacity) {
			my_reads++;
			result = fl_phdr_replay(&s, callback, data);
			my_reads--;
			leave_reader();
			free(heap);
			return result;
		}
		leave_reader();
		/* More objects than room: retry with room for some more loads. */
		atomic_store_explicit(&size_hint, s.count + s.count / 4 + 8, memory_order_relaxed);
	}
	free(heap);
	return real(callback, data);
}

/* --- dlclose waits for snapshots that may report the object -------------- */

static bool announce_closer(void *unused)
{
	(void)unused;
	atomic_fetch_add(&closers, 1);
	return false; /* nothing to copy */
}

FORKLOCK_PUBLIC int dlclose(void *handle)
{
	__typeof__(dlclose) *real = FORKLOCK_NEXT(dlclose);
	struct fl_phdr_snapshot s = {NULL, 0, 0, announce_closer, NULL, false};
	int result, seen, token = -1;
	bool tracked = !forklock_gate_dlopen.off;

	if (unlikely(forklock_loader_inconsistent)) {
		forklock_refuse_loader();
		return -1;
	}
	if (tracked) {
		/* Not while a fork is in progress: unmapping is a loader phase (dlchild.c). */
		int cookie = forklock_gate_enter_inline(&forklock_gate_dlopen);
		token = forklock_dlclose_begin(handle);
		forklock_gate_leave_inline(&forklock_gate_dlopen, cookie);
	}
	/* forklock_dlclose_end counts the call done (and ends a record, if any). */
	if (forklock_gate_phdr.off) {
		result = real(handle);
		if (tracked)
			forklock_dlclose_end(token);
		return result;
	}
	take_snapshot(&s);
	my_closes++;
	while (my_reads == 0 && (seen = atomic_load(&readers)) > 0)
		forklock_futex_wait(&readers, seen);
	result = real(handle);
	if (tracked)
		forklock_dlclose_end(token);
	my_closes--;
	atomic_fetch_sub(&closers, 1);
	return result;
}

/* --- fork --------------------------------------------------------------- */

static void nothing(void *unused)
{
	(void)unused;
}

/* Only the forking thread exists in the child: only its reads and closes. */
static FORKLOCK_CHILD_ONLY void phdr_child(void *unused)
{
	(void)unused;
	/* Stores only if needed: a page left untouched is never copied. */
	if (atomic_load_explicit(&readers, memory_order_relaxed) != my_reads)
		atomic_store_explicit(&readers, my_reads, memory_order_relaxed);
	if (atomic_load_explicit(&closers, memory_order_relaxed) != my_closes)
		atomic_store_explicit(&closers, my_closes, memory_order_relaxed);
}

static const struct forklock_ops phdr_ops = {nothing, nothing, phdr_child};
static struct forklock phdr_counts =
    FORKLOCK_INIT("phdr-snapshots", FORKLOCK_RANK_LOADER, &phdr_ops, NULL);

FORKLOCK_HIDDEN void forklock_phdr_init(void)
{
	if (!forklock_gate_phdr.off)
		forklock_register(&phdr_counts);
}

/*
 * fn(arg) once, under glibc's list lock and inside the phdr gate: the
 * dlopen protection reads the object list there (objects are linked and
 * unlinked under that lock).
 */
struct under_lock {
	void (*fn)(void *);
	void *arg;
};

static bool run_under_lock(void *arg)
{
	struct under_lock *u = arg;

	u->fn(u->arg);
	return false;
}

FORKLOCK_HIDDEN void forklock_with_object_list(void (*fn)(void *), void *arg)
{
	struct under_lock u = {fn, arg};
	struct fl_phdr_snapshot s = {NULL, 0, 0, run_under_lock, &u, false};

	take_snapshot(&s);
}
