/* SPDX-License-Identifier: MIT */
/*
 * Debug mode: every thread keeps the registered locks it holds, and taking a
 * lock whose rank is not above all of them is reported and aborts.  The check
 * proves the rank order on the paths a test exercises; a violation found at
 * run time is a deadlock with fork waiting to happen.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define HELD_MAX 64

FORKLOCK_HIDDEN bool forklock_debug_on;

static __thread struct {
	int count;
	const struct forklock *lock[HELD_MAX];
} held __attribute__((tls_model("initial-exec")));

static void put(const char *text)
{
	size_t len = strlen(text);

	while (len) {
		ssize_t n = write(2, text, len);
		if (n <= 0)
			return;
		text += n;
		len -= (size_t)n;
	}
}

/* stderr through write(2) only: the caller may hold any lock, stdio's too. */
FORKLOCK_HIDDEN void forklock_report(const char *a, const char *b, const char *c)
{
	int saved = errno;

	put(a);
	put(b);
	put(c);
	errno = saved;
}

static const char *format_int(char *buf, size_t size, int value)
{
	unsigned magnitude = value < 0 ? 0u - (unsigned)value : (unsigned)value;
	char *p = buf + size - 1;

	*p = 0;
	do
		*--p = (char)('0' + magnitude % 10);
	while ((magnitude /= 10) && p > buf + 1);
	if (value < 0)
		*--p = '-';
	return p;
}

static void violation(const char *what, const char *name, int rank, const struct forklock *top)
{
	char a[16], b[16];

	forklock_report("forklock: rank violation: ", what, " \"");
	forklock_report(name, "\" (rank ", format_int(a, sizeof(a), rank));
	forklock_report(") while holding \"", top->name, "\" (rank ");
	forklock_report(format_int(b, sizeof(b), top->rank), ")", "\n");
	abort();
}

static const struct forklock *top_held(void)
{
	return held.count ? held.lock[held.count - 1] : NULL;
}

/* Fork takes equal ranks together (independent leaves); nobody else may. */
FORKLOCK_HIDDEN void forklock_debug_before_take(const struct forklock *lock, bool in_fork)
{
	const struct forklock *top = top_held();

	if (!forklock_debug_on || !top)
		return;
	if (top->rank > lock->rank || (!in_fork && top->rank == lock->rank))
		violation("taking", lock->name, lock->rank, top);
}

FORKLOCK_HIDDEN void forklock_debug_after_take(struct forklock *lock)
{
	if (forklock_debug_on && held.count < HELD_MAX)
		held.lock[held.count++] = lock;
}

FORKLOCK_HIDDEN void forklock_debug_drop(const struct forklock *lock)
{
	for (int i = held.count - 1; i >= 0; i--) {
		if (held.lock[i] != lock)
			continue;
		memmove(&held.lock[i], &held.lock[i + 1],
		        (size_t)(held.count - 1 - i) * sizeof(lock));
		held.count--;
		return;
	}
}

/* A thread that waits at a closed gate must hold nothing fork takes later. */
FORKLOCK_HIDDEN void forklock_debug_gate_enter(const struct forklock_gate *gate)
{
	const struct forklock *top = top_held();

	if (top && top->rank >= FORKLOCK_RANK_GATES)
		violation("entering gate", gate->name, FORKLOCK_RANK_GATES, top);
}

FORKLOCK_HIDDEN FORKLOCK_CHILD_ONLY void forklock_debug_forget_held(void)
{
	held.count = 0;
}

FORKLOCK_PUBLIC bool forklock_debug_enabled(void)
{
	return forklock_debug_on;
}

FORKLOCK_PUBLIC void forklock_set_debug(bool on)
{
	forklock_debug_on = on;
}
