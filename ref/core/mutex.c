/* SPDX-License-Identifier: MIT */
/* The built-in lock: three-state futex mutex (free, held, held with waiters). */
#include "internal.h"

static atomic_int *word_of(forklock_mutex_t *mutex)
{
	return (atomic_int *)&mutex->word;
}

FORKLOCK_PUBLIC void forklock_mutex_lock(forklock_mutex_t *mutex)
{
	atomic_int *word = word_of(mutex);
	int seen = 0;

	if (atomic_compare_exchange_strong(word, &seen, 1))
		return;
	if (seen != 2)
		seen = atomic_exchange(word, 2);
	while (seen != 0) {
		forklock_futex_wait(word, 2);
		seen = atomic_exchange(word, 2);
	}
}

FORKLOCK_PUBLIC void forklock_mutex_unlock(forklock_mutex_t *mutex)
{
	atomic_int *word = word_of(mutex);

	if (atomic_exchange(word, 0) == 2) {
		int saved = errno;
		syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1);
		errno = saved;
	}
}

/* The waiters it remembers are threads the child does not have. */
static FORKLOCK_CHILD_ONLY void mutex_reset(void *obj)
{
	atomic_store_explicit(word_of(obj), 0, memory_order_relaxed);
}

static void mutex_lock_op(void *obj)
{
	forklock_mutex_lock(obj);
}

static void mutex_unlock_op(void *obj)
{
	forklock_mutex_unlock(obj);
}

FORKLOCK_PUBLIC const struct forklock_ops forklock_mutex_ops = {mutex_lock_op, mutex_unlock_op,
                                                                mutex_reset};
