/* SPDX-License-Identifier: MIT */
/*
 * The registry: registered locks, kept sorted by rank, and the three walks
 * fork makes over them.  The registry's own lock is the first entry, so fork
 * holds it throughout and the list cannot change under the walks.
 */
#include "internal.h"

static struct forklock registry_lock = FORKLOCK_INIT(
    "registry", FORKLOCK_RANK_REGISTRY, &forklock_mutex_ops, &forklock_fork_state.registry);
static struct forklock *first = &registry_lock;
static struct forklock *last = &registry_lock;

static void insert_before(struct forklock *lock, struct forklock *successor)
{
	lock->next = successor;
	if (successor) {
		lock->prev = successor->prev;
		successor->prev = lock;
	} else {
		lock->prev = last;
		last = lock;
	}
	lock->prev->next = lock;
}

FORKLOCK_PUBLIC int forklock_register(struct forklock *lock)
{
	struct forklock *at;
	int result = 0;

	forklock_init();
	if (lock->rank <= FORKLOCK_RANK_REGISTRY || !lock->ops)
		return -1;
	forklock_take(&registry_lock);
	if (lock->prev || lock->next || lock == last) {
		result = -1;
	} else {
		/* After its equals: among leaves, registration order is fork order. */
		for (at = first; at && at->rank <= lock->rank; at = at->next)
			;
		insert_before(lock, at);
	}
	forklock_drop(&registry_lock);
	return result;
}

FORKLOCK_PUBLIC void forklock_take(struct forklock *lock)
{
	forklock_debug_before_take(lock, false);
	lock->ops->lock(lock->obj);
	forklock_debug_after_take(lock);
}

FORKLOCK_PUBLIC void forklock_drop(struct forklock *lock)
{
	forklock_debug_drop(lock);
	lock->ops->unlock(lock->obj);
}

FORKLOCK_HIDDEN void forklock_acquire_all(void)
{
	for (struct forklock *lock = first; lock; lock = lock->next) {
		forklock_debug_before_take(lock, true);
		lock->ops->lock(lock->obj);
		forklock_debug_after_take(lock);
	}
}

FORKLOCK_HIDDEN void forklock_release_all(void)
{
	struct forklock *lock = last, *prev;

	/* The registry lock comes last: read each link before letting go of it. */
	for (; lock; lock = prev) {
		prev = lock->prev;
		forklock_debug_drop(lock);
		lock->ops->unlock(lock->obj);
	}
}

FORKLOCK_HIDDEN FORKLOCK_CHILD_ONLY void forklock_reset_all(void)
{
	for (struct forklock *lock = first; lock; lock = lock->next)
		lock->ops->reset(lock->obj);
	forklock_debug_forget_held();
}
