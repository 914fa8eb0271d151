/* SPDX-License-Identifier: MIT */
/* Copying and replaying dl_iterate_phdr() reports (see phdr_snapshot.h). */
#include "phdr_snapshot.h"

#include <string.h>

FORKLOCK_HIDDEN int fl_phdr_copy(struct dl_phdr_info *info, size_t size, void *snapshot)
{
	struct fl_phdr_snapshot *s = snapshot;

	if (s->count == 0 && s->first && !s->first(s->first_arg)) {
		s->stopped = true;
		return 1;
	}
	if (s->count < s->capacity) {
		struct fl_phdr_entry *e = &s->entry[s->count];
		e->size = size < sizeof(e->u) ? size : sizeof(e->u);
		memcpy(e->u.raw, info, e->size);
	}
	s->count++;
	return 0;
}

FORKLOCK_HIDDEN int fl_phdr_replay(struct fl_phdr_snapshot *snapshot,
                                   int (*callback)(struct dl_phdr_info *, size_t, void *),
                                   void *data)
{
	size_t count = snapshot->count < snapshot->capacity ? snapshot->count : snapshot->capacity;

	for (size_t i = 0; i < count; i++) {
		struct fl_phdr_entry *e = &snapshot->entry[i];
		int result = callback(&e->u.info, e->size, data);
		if (result != 0)
			return result;
	}
	return 0;
}
