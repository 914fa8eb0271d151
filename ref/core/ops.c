/* SPDX-License-Identifier: MIT */
/*
 * Unbounded operations in progress.  fork never waits for them (a
 * constructor may run forever, or may itself be the caller of fork); instead
 * the child records which ones another thread left half done, and refuses to
 * begin them again.  A fixed table of slots: no allocation, usable in the
 * child and in a signal handler.
 */
#include <string.h>

#include "internal.h"

#define OPS_MAX 64

enum slot_state { SLOT_FREE, SLOT_FILLING, SLOT_RUNNING, SLOT_INTERRUPTED };

struct op_slot {
	atomic_int state;
	int kind;
	const void *owner;
	char name[FORKLOCK_OP_NAME_MAX];
};

static struct op_slot slots[OPS_MAX];
/* Slots ever claimed: lets fork skip the table (and its pages) when unused. */
static atomic_int slots_used;

static bool same_name(const struct op_slot *slot, const char *name)
{
	return strncmp(slot->name, name, sizeof(slot->name) - 1) == 0;
}

FORKLOCK_PUBLIC bool forklock_op_was_interrupted(const char *name)
{
	int used = atomic_load_explicit(&slots_used, memory_order_acquire);

	for (int i = 0; i < used; i++)
		if (atomic_load_explicit(&slots[i].state, memory_order_acquire) ==
		        SLOT_INTERRUPTED &&
		    same_name(&slots[i], name))
			return true;
	return false;
}

static void raise_slots_used(int count)
{
	int seen = atomic_load(&slots_used);

	while (seen < count && !atomic_compare_exchange_weak(&slots_used, &seen, count))
		;
}

FORKLOCK_PUBLIC int forklock_op_begin(int kind, const char *name)
{
	if (forklock_op_was_interrupted(name))
		return FORKLOCK_OP_REFUSED;
	for (int i = 0; i < OPS_MAX; i++) {
		int expected = SLOT_FREE;
		if (!atomic_compare_exchange_strong(&slots[i].state, &expected, SLOT_FILLING))
			continue;
		raise_slots_used(i + 1);
		slots[i].kind = kind;
		slots[i].owner = forklock_self_id();
		strncpy(slots[i].name, name, sizeof(slots[i].name) - 1);
		slots[i].name[sizeof(slots[i].name) - 1] = 0;
		atomic_store_explicit(&slots[i].state, SLOT_RUNNING, memory_order_release);
		return i;
	}
	if (forklock_debug_on)
		forklock_report("forklock: operation table full, not tracking \"", name, "\"\n");
	return FORKLOCK_OP_UNTRACKED;
}

FORKLOCK_HIDDEN bool forklock_op_token_interrupted(int token)
{
	return token >= 0 && token < OPS_MAX &&
	       atomic_load_explicit(&slots[token].state, memory_order_acquire) == SLOT_INTERRUPTED;
}

FORKLOCK_PUBLIC void forklock_op_end(int token)
{
	if (token >= 0 && token < OPS_MAX)
		atomic_store_explicit(&slots[token].state, SLOT_FREE, memory_order_release);
}

/*
 * Another thread's running operation can never finish here.  One still
 * filling its slot had not begun: it is dropped.  The forking thread's own
 * operations continue in the child (fork called from a constructor).
 */
FORKLOCK_HIDDEN FORKLOCK_CHILD_ONLY void forklock_ops_child(void)
{
	const void *self = forklock_self_id();
	int used = atomic_load_explicit(&slots_used, memory_order_relaxed);

	for (int i = 0; i < used; i++) {
		int state = atomic_load_explicit(&slots[i].state, memory_order_relaxed);
		if (state == SLOT_FILLING)
			atomic_store_explicit(&slots[i].state, SLOT_FREE, memory_order_relaxed);
		else if (state == SLOT_RUNNING && slots[i].owner != self) {
			if (forklock_debug_on)
				forklock_report("forklock: child: interrupted operation \"",
				                slots[i].name, "\"\n");
			atomic_store_explicit(&slots[i].state, SLOT_INTERRUPTED,
			                      memory_order_relaxed);
		}
	}
}
