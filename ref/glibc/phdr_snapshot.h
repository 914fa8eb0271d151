/* SPDX-License-Identifier: MIT */
/*
 * A copy of what dl_iterate_phdr() reports, so that the application's
 * callback can run after the loader has dropped its lock.
 *
 * Each struct dl_phdr_info is copied as the loader passed it, up to its
 * `size` argument (glibc has grown the struct over time: dlpi_adds/subs in
 * 2.4, dlpi_tls_modid/data in 2.12; callers test `size`), capped at
 * FL_PHDR_INFO_MAX; the copy is replayed with the size actually copied, so a
 * caller never reads a field that was not copied.  Pointers in the info
 * (dlpi_name, dlpi_phdr) still point into the loaded object, as they do
 * with glibc: callers compute addresses from them.
 */
#ifndef FORKLOCK_GLIBC_PHDR_SNAPSHOT_H
#define FORKLOCK_GLIBC_PHDR_SNAPSHOT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <link.h>
#include <stdbool.h>
#include <stddef.h>

#include "../core/internal.h"

#define FL_PHDR_INFO_MAX 128

struct fl_phdr_entry {
	size_t size;
	union {
		struct dl_phdr_info info;
		unsigned char raw[FL_PHDR_INFO_MAX];
	} u;
};

struct fl_phdr_snapshot {
	struct fl_phdr_entry *entry;
	size_t capacity;
	size_t count;             /* objects reported; more than capacity: take a bigger one */
	bool (*first)(void *arg); /* run under the loader lock before copying; false: stop */
	void *first_arg;
	bool stopped; /* first() said stop */
};

/* The callback to pass to the real dl_iterate_phdr. */
FORKLOCK_HIDDEN int fl_phdr_copy(struct dl_phdr_info *info, size_t size, void *snapshot);

/* Calls callback on each copy in order; stops at and returns the first nonzero result. */
FORKLOCK_HIDDEN int fl_phdr_replay(struct fl_phdr_snapshot *snapshot,
                                   int (*callback)(struct dl_phdr_info *, size_t, void *),
                                   void *data);

#endif
