/* SPDX-License-Identifier: MIT */
/* mtaudit.h - layout of the shared record file of `tools/audit`
 * (MTAUDIT_FILE): a header, then `capacity` slots of `slot_size` bytes, one
 * per MT-forked child. The tool creates it; every process that loads the
 * audit library maps it. All fields are little-endian host integers. */
#ifndef MTAUDIT_H
#define MTAUDIT_H
#include <stdint.h>

#define MTAUDIT_MAGIC    0x3154445541544d31ULL /* "1MTAUDT1" */
#define MTAUDIT_F_NOWIPE 1u                    /* a process could not set MADV_WIPEONFORK */

enum { MTAUDIT_KIND_FORK = 1, MTAUDIT_KIND_RAWFORK = 2, MTAUDIT_KIND_UNSEEN = 3 };

struct mtaudit_header {
	uint64_t magic;
	uint32_t nfuncs;    /* length of names.txt: must match the library */
	uint32_t capacity;  /* slots */
	uint32_t slot_size; /* bytes per slot */
	uint32_t used;      /* slots claimed (atomic; may exceed capacity) */
	uint32_t dropped;   /* MT-forked children without a slot (atomic) */
	uint32_t loaded;    /* processes that loaded the library (atomic) */
	uint32_t flags;
	uint32_t pad[7]; /* header is 64 bytes */
};

struct mtaudit_slot {
	int32_t pid; /* 0 until claimed */
	int32_t ppid;
	int32_t parent_threads; /* threads of the parent at fork; -1 unknown */
	int32_t kind;           /* MTAUDIT_KIND_* */
	uint32_t nfirst;        /* entries of first[] used */
	uint32_t pad[3];
	uint32_t count[1024]; /* calls per function (names.txt order) */
	uint16_t first[1024]; /* function indexes in first-use order */
};
#endif
