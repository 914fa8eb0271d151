/* SPDX-License-Identifier: MIT */
/*
 * dlopen: a library whose constructors another thread was running at fork
 * is refused in the child, and so is anything that depends on it
 * (DLOPEN-CTOR-1..5); unrelated libraries load.
 *
 * glibc runs constructors inside dlopen() with dl_load_lock held and marks a
 * library initialised before its constructor starts, so in the child a
 * dlopen() of it takes the "already loaded" path and returns the half-built
 * library.  Fork cannot wait for a constructor (application code), so every
 * dlopen() is recorded as an unbounded operation of the core
 * (forklock_op_begin): "thread T is in dlopen(name); the object list ended
 * at M when it began".  Constructors run only inside dlopen(), so the
 * record covers them, nested dlopen() calls from constructors included (each
 * has a record of its own).  A child forked while another thread had a
 * record open turns it into a taint set (dlchild.c): the objects that call
 * brought in (after M; the "already loaded" fast path brings in none), which
 * the child refuses to hand out or build on.
 *
 * The name is passed on to glibc from here, so glibc sees this library as
 * the caller: names it resolves relative to the caller (no slash: the
 * caller's DT_RPATH/DT_RUNPATH; $ORIGIN) are resolved here first, against
 * the real caller.  dlmopen() is not interposed (forklock(7)).
 *
 * FORKLOCK_DISABLE=dlopen: glibc's dlopen, nothing recorded.
 */
#include "gated.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>

#include "dl.h"
#include "dldeps.h"

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_dlopen = FORKLOCK_GATE_INIT("dlopen");

FORKLOCK_HIDDEN struct dlopen_record forklock_dlopen_records[FORKLOCK_DLOPEN_RECORDS];
FORKLOCK_HIDDEN atomic_ulong forklock_dlclose_begun, forklock_dlclose_done;
FORKLOCK_HIDDEN atomic_int forklock_loader_calls;
FORKLOCK_HIDDEN const struct link_map *forklock_startup_last;
FORKLOCK_HIDDEN struct fl_taint forklock_dlopen_taint;

/* What is computed with glibc's object list locked. */
struct begin {
	const char *file;
	const struct link_map *caller; /* resolve relative to it, or NULL */
	char resolved[FL_PATH_MAX];
	const char *name; /* file or resolved */
	const struct link_map *mark;
	bool closing_meanwhile; /* a dlclose() was in progress */
	unsigned long closes_begun;
};

/* $ORIGIN in a dlopen name is the caller's directory. */
static bool expand_origin(struct begin *b, const struct fl_search_path *path)
{
	const char *at = strstr(b->file, "$ORIGIN");
	size_t skip = 7;

	if (!at && (at = strstr(b->file, "${ORIGIN}")))
		skip = 9;
	if (!at)
		return false;
	return (size_t)snprintf(b->resolved, sizeof(b->resolved), "%.*s%s%s", (int)(at - b->file),
	                        b->file, path->origin, at + skip) < sizeof(b->resolved);
}

/*
 * Glibc first looks for a loaded object of that name (whoever calls), then
 * searches the caller's DT_RPATH, LD_LIBRARY_PATH, the caller's DT_RUNPATH,
 * its cache and the system directories.  This library has no path of its
 * own, so only the caller's directories need searching here; the rest glibc
 * does the same for any caller.
 */
static void resolve_for_caller(struct begin *b)
{
	struct fl_search_path path;

	fl_mem_search_path(b->caller, &path);
	if (strchr(b->file, '$')) {
		if (expand_origin(b, &path))
			b->name = b->resolved;
		return;
	}
	if (!path.dirs[0] || fl_find_loaded(b->file))
		return;
	path.is_runpath = false; /* search only the caller's directories */
	if (fl_find_file_in(b->file, &path, b->resolved, sizeof(b->resolved)) == 0)
		b->name = b->resolved;
}

static void begin_under_lock(void *arg)
{
	struct begin *b = arg;
	const struct link_map *map;

	if (b->caller)
		resolve_for_caller(b);
	for (map = _r_debug.r_map; map && map->l_next; map = map->l_next)
		;
	b->mark = map;
	/* Under the list lock: an unload in progress has not unlinked yet. */
	b->closes_begun = atomic_load(&forklock_dlclose_begun);
	b->closing_meanwhile = b->closes_begun != atomic_load(&forklock_dlclose_done);
}

/*
 * The object containing the caller's code, if the name depends on it.  An
 * absolute name is not read at all before glibc reads it under its lock: a
 * DST inside an absolute path ("/x/$ORIGIN/..") is left to glibc, which
 * then expands it relative to this library (forklock(7)).
 */
static const struct link_map *caller_map(const char *file, const void *caller)
{
	struct link_map *map = NULL;
	Dl_info info;

	if (file[0] == '/' || getauxval(AT_SECURE) || (strchr(file, '/') && !strchr(file, '$')))
		return NULL;
	if (!dladdr1(caller, &info, (void **)&map, RTLD_DL_LINKMAP))
		return NULL;
	return map;
}

/*
 * The operation's name in the core: the calling thread, not the library
 * (reading the name is glibc's business, under its lock; the record keeps
 * the pointer).  Unique among live threads, so the core's refusal by name
 * never applies to another thread's dlopen().
 */
static __thread char identity_anchor __attribute__((tls_model("initial-exec")));

static const char *operation_name(char *buf, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	uintptr_t id = (uintptr_t)&identity_anchor;
	char *p = buf + size;

	*--p = 0;
	do
		*--p = digits[id & 15];
	while ((id >>= 4) && p > buf + 20);
	memcpy(p -= 19, "dlopen in thread 0x", 19);
	return p;
}

static void *refuse(const char *file, const struct link_map *partial)
{
	static const char cause[] = " is inconsistent due to multithreaded fork: another thread "
	                            "was running its constructors or destructors";
	static const char dependent[] =
	    ", whose state is inconsistent due to multithreaded fork: "
	    "another thread was running its constructors or destructors";

	if (strcmp(file, partial->l_name) == 0 || fl_find_loaded(file) == partial)
		forklock_dlerror_set("State of ", file, cause, "");
	else
		forklock_dlerror_set(file, ": depends on ", partial->l_name, dependent);
	if (forklock_debug_on)
		forklock_report("forklock: dlopen refused: ", file, "\n");
	return NULL;
}

FORKLOCK_PUBLIC void *dlopen(const char *file, int mode)
{
	__typeof__(dlopen) *real = FORKLOCK_NEXT(dlopen);
	struct begin b;
	char id[48];
	struct dlopen_record *record;
	void *handle;
	int token, cookie;

	if (forklock_gate_dlopen.off)
		return real(file, mode);
	if (unlikely(forklock_loader_inconsistent)) {
		forklock_refuse_loader();
		return NULL;
	}
	if (!file)
		return real(file, mode);
	if (unlikely(forklock_dlopen_taint.count)) {
		const struct link_map *partial = fl_builds_on_taint(file, &forklock_dlopen_taint);
		if (partial)
			return refuse(file, partial);
	}
	if (mode & RTLD_NOLOAD) /* runs no constructor */
		return real(file, mode);
	b.file = b.name = file;
	b.caller = caller_map(file, __builtin_return_address(0));
	/*
	 * The bookkeeping is bounded and done inside the gate: while a fork is
	 * in progress no new dlopen() gets past this point, so none can start
	 * mapping objects in (dlchild.c).  The glibc call itself is outside:
	 * it runs constructors, which fork never waits for.
	 */
	cookie = forklock_gate_enter_inline(&forklock_gate_dlopen);
	forklock_with_object_list(begin_under_lock, &b);
	token = forklock_op_begin(FORKLOCK_OP_CTOR, operation_name(id, sizeof(id)));
	record =
	    token >= 0 && token < FORKLOCK_DLOPEN_RECORDS ? &forklock_dlopen_records[token] : NULL;
	if (record) {
		record->name = b.name;
		record->mark = b.mark;
		record->mark_ld = b.mark ? b.mark->l_ld : NULL;
		record->closing = NULL;
		record->mark_may_be_reused = b.closing_meanwhile;
		record->closes_begun = b.closes_begun;
		atomic_store_explicit(&record->valid, 1, memory_order_release);
	}
	atomic_fetch_add(&forklock_loader_calls, 1);
	forklock_gate_leave_inline(&forklock_gate_dlopen, cookie);
	handle = real(b.name, mode);
	atomic_fetch_sub(&forklock_loader_calls, 1);
	if (record)
		atomic_store_explicit(&record->valid, 0, memory_order_relaxed);
	forklock_op_end(token);
	if (!handle)
		forklock_dlerror_forget(); /* glibc's error is the newer one */
	return handle;
}

/*
 * dlclose: glibc runs the destructors of the objects it unloads before it
 * unmaps them, with the loader lock held; a child forked meanwhile finds the
 * object still loaded, and dlopen() would hand out a half-destructed
 * library.  The call is recorded like a dlopen(); the child taints the
 * object it was closing (not its dependencies: whether their reference
 * counts reached zero is private to glibc).  Called inside the dlopen gate.
 */
FORKLOCK_HIDDEN int forklock_dlclose_begin(void *handle)
{
	struct link_map *map = NULL;
	char id[48];
	int token;

	atomic_fetch_add(&forklock_loader_calls, 1);
	atomic_fetch_add(&forklock_dlclose_begun, 1);
	if (!handle || dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map)
		return -1;
	token = forklock_op_begin(FORKLOCK_OP_DTOR, operation_name(id, sizeof(id)));
	if (token < 0 || token >= FORKLOCK_DLOPEN_RECORDS) {
		forklock_op_end(token);
		return -1;
	}
	forklock_dlopen_records[token].name = NULL;
	forklock_dlopen_records[token].mark = NULL;
	forklock_dlopen_records[token].mark_ld = NULL;
	forklock_dlopen_records[token].closing = map;
	forklock_dlopen_records[token].closing_ld = map->l_ld;
	atomic_store_explicit(&forklock_dlopen_records[token].valid, 1, memory_order_release);
	return token;
}

FORKLOCK_HIDDEN void forklock_dlclose_end(int token)
{
	atomic_fetch_add(&forklock_dlclose_done, 1);
	atomic_fetch_sub(&forklock_loader_calls, 1);
	if (token < 0)
		return;
	atomic_store_explicit(&forklock_dlopen_records[token].valid, 0, memory_order_relaxed);
	forklock_op_end(token);
}
