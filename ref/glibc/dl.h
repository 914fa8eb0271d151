/* SPDX-License-Identifier: MIT */
/*
 * Shared by the loader protections: dlopen (dlopen.c, dlchild.c, dlfini.c,
 * dlerror.c) and phdr (phdr.c).
 */
#ifndef FORKLOCK_GLIBC_DL_H
#define FORKLOCK_GLIBC_DL_H

#include "dldeps.h"

/*
 * dlopen.c: one record per operation slot of the core (ops.c), indexed by
 * the token of the dlopen() call that fills it.
 */
#define FORKLOCK_DLOPEN_RECORDS 64

struct dlopen_record {
	atomic_int valid; /* set while the glibc call runs */
	const char *name; /* as passed to glibc: memory a child forked mid-call still has */
	const struct link_map *mark; /* the last object of the list when the call began */
	const fl_dyn *mark_ld;
	const struct link_map *closing; /* a dlclose() record: the object it closes */
	const fl_dyn *closing_ld;
	bool mark_may_be_reused;    /* a dlclose() ran meanwhile: see dlchild.c */
	unsigned long closes_begun; /* forklock_dlclose_begun when the call began */
};

/*
 * dlopen.c: dlclose() calls begun and finished (any thread), and the
 * dlopen()/dlclose() calls now inside glibc; the last object of the list
 * when the adapter was loaded (objects up to it are never unloaded).
 */
extern FORKLOCK_HIDDEN atomic_ulong forklock_dlclose_begun, forklock_dlclose_done;
extern FORKLOCK_HIDDEN atomic_int forklock_loader_calls;
extern FORKLOCK_HIDDEN const struct link_map *forklock_startup_last;

/* dlopen.c: dlclose() records its object as an operation of the core too
 * (its destructors may run); -1 when nothing was recorded. */
FORKLOCK_HIDDEN int forklock_dlclose_begin(void *handle);
FORKLOCK_HIDDEN void forklock_dlclose_end(int token);

extern FORKLOCK_HIDDEN struct dlopen_record forklock_dlopen_records[FORKLOCK_DLOPEN_RECORDS];
/* In a child forked while other threads were in dlopen(): what it refuses (dlchild.c). */
extern FORKLOCK_HIDDEN struct fl_taint forklock_dlopen_taint;

/*
 * dlchild.c: set in a child forked while another thread was inside one of
 * the loader's bounded phases (mapping objects in, unmapping them: the
 * debugger state _r_debug.r_state was not RT_CONSISTENT).  The object list
 * may then hold half-added or already-unmapped objects and glibc's own
 * state asserts: the child's dlopen, dlclose and dl_iterate_phdr refuse
 * instead of touching it.
 */
extern FORKLOCK_HIDDEN bool forklock_loader_inconsistent;
FORKLOCK_HIDDEN void forklock_refuse_loader(void);

/* dlfini.c: the object's destructors (DT_FINI_ARRAY) will not run. */
FORKLOCK_HIDDEN void forklock_skip_destructors(const struct link_map *map);

extern FORKLOCK_HIDDEN struct forklock_gate forklock_gate_dlopen, forklock_gate_phdr;

/* Load-time registration of their fork hooks (after FORKLOCK_DISABLE is read). */
FORKLOCK_HIDDEN void forklock_dlopen_init(void);
FORKLOCK_HIDDEN void forklock_phdr_init(void);

/* fn(arg) once, with glibc's object list locked (phdr.c). */
FORKLOCK_HIDDEN void forklock_with_object_list(void (*fn)(void *), void *arg);

/* dlerror.c: the message the next dlerror() of this thread returns. */
FORKLOCK_HIDDEN void forklock_dlerror_set(const char *a, const char *b, const char *c,
                                          const char *d);
FORKLOCK_HIDDEN void forklock_dlerror_forget(void);

#endif
