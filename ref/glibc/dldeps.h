/* SPDX-License-Identifier: MIT */
/*
 * Which libraries build on a partially constructed one.
 *
 * A "taint set" holds the loaded objects that a dlopen() interrupted by fork
 * (in another thread) brought in: one of them had its constructors running,
 * and from outside the loader we cannot tell which, so all of them count.
 * dlopen() in the child refuses a library that is in the set or whose
 * dependency closure (DT_NEEDED, transitively; through files on disk for
 * dependencies not loaded yet) reaches it.
 *
 * Only the base namespace is walked (_r_debug.r_map): libraries the
 * application opens with dlopen() live there.
 */
#ifndef FORKLOCK_GLIBC_DLDEPS_H
#define FORKLOCK_GLIBC_DLDEPS_H

#include "elfdyn.h"

#define FL_TAINT_MAX 256

struct fl_taint {
	int count;
	bool overflow; /* more than FL_TAINT_MAX: the rest are not refused (forklock(7)) */
	const struct link_map *map[FL_TAINT_MAX];
	fl_dyn *ld[FL_TAINT_MAX]; /* with the pointer: a map freed and reused is not it */
};

FORKLOCK_HIDDEN bool fl_taint_has(const struct fl_taint *taint, const struct link_map *map);
FORKLOCK_HIDDEN void fl_taint_add(struct fl_taint *taint, const struct link_map *map);

/* The loaded object the loader would take for this dlopen or DT_NEEDED name. */
FORKLOCK_HIDDEN const struct link_map *fl_find_loaded(const char *name);

/*
 * Adds root and the objects of its closure that were loaded after `mark`
 * (the last object of the list when the interrupted dlopen began; NULL:
 * unknown, all count) to the taint set.  Objects loaded before the mark were
 * constructed before that dlopen began and are not added.
 */
FORKLOCK_HIDDEN void fl_taint_closure(struct fl_taint *taint, const struct link_map *root,
                                      const struct link_map *mark, const fl_dyn *mark_ld);

/* The tainted object that dlopen(name) would build on (the library itself or
 * a dependency), or NULL. */
FORKLOCK_HIDDEN const struct link_map *fl_builds_on_taint(const char *name,
                                                          const struct fl_taint *taint);

#endif
