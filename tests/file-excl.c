/* SPDX-License-Identifier: MIT */
/*
 * FILE-EXCL — individual FILEs locked by the application at fork.
 *
 * A FILE locked with flockfile(), or by a write blocked inside it, is state
 * under application control: fork cannot wait for it (the lock may be held
 * forever) and the child cannot rely on it (spec/file-excl.adoc).
 *   FILE-EXCL-1 (MUST, posix): fork() returns in bounded time.
 *   FILE-EXCL-2 (MUST): FILEs that were not locked work in the child.
 *   FILE-EXCL-3..5 (MAY, recorded): the locked FILE itself, fflush(NULL) and
 *   exit() in the child. glibc re-initialises every FILE lock in the child;
 *   musl leaves them owned by a thread that no longer exists.
 *   FILE-EXCL-6 (MUST): fork() returns while the verifier is blocked on the
 *   flockfile()d FILE inside fflush(NULL), holding the open-file list lock.
 *   FILE-EXCL-7 (MUST): a FILE the forking thread itself locked (in a
 *   prepare handler) is still locked by the child's thread, recursion count
 *   included.
 *
 * Holders are WAY_APP: the controller never releases them for fork.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/fixture.h"
#include "clauses.h"

static FILE *locked;

static void open_target_file(void)
{
	locked = fopen("/dev/null", "w");
}

static void lock_and_park(struct hold *h)
{
	(void)h;
	flockfile(locked);
	holder_park();
}

static void make_blocking_file(void)
{
	locked = parking_stream();
	if (locked)
		fputs("data the write is blocked on", locked);
}

static void flush_into_parked_write(struct hold *h)
{
	(void)h;
	fflush(locked);
}

static void lock_needs_file(void)
{
	flockfile(locked);
}

static const struct holding flockfile_holding = {
    .name = "FILE locked with flockfile()",
    .setup = open_target_file,
    .verify = lock_needs_file,
    .ways = (const struct way[]){APP_WAY("flockfile", lock_and_park), {0}},
};

static const struct holding blocked_write_holding = {
    .name = "FILE whose write is blocked",
    .setup = make_blocking_file,
    .verify = lock_needs_file,
    .ways = (const struct way[]){APP_WAY("blocked-write", flush_into_parked_write), {0}},
};

/* FILE-EXCL-6: the verifier, blocked on the flockfile'd FILE inside
 * fflush(NULL), holds the open-file list lock. */
static void open_pending_file(void)
{
	locked = fopen("/dev/null", "w");
	if (locked)
		fputs("pending output", locked);
}

static void flush_all(void)
{
	fflush(NULL);
}

static const struct holding flush_behind_flockfile = {
    .name = "FILE locked with flockfile(), and fflush(NULL) waiting for it",
    .setup = open_pending_file,
    .verify = flush_all,
    .ways = (const struct way[]){APP_WAY("flockfile+fflush(NULL)", lock_and_park), {0}},
};

/* FILE-EXCL-7: the forking thread locks the FILE in its prepare handler,
 * so the child's only thread inherits it locked. */
static void prepare_locks(void)
{
	flockfile(locked);
}

static void parent_unlocks(void)
{
	funlockfile(locked);
}

static void forker_locks_file(void)
{
	locked = fopen("/dev/null", "w");
	pthread_atfork(prepare_locks, parent_unlocks, 0);
	fx_malloc_setup();
}

static const struct holding forker_locked = {
    .name = "malloc arena lock",
    .setup = forker_locks_file,
    .verify = fx_malloc_verify,
    .ways = fx_malloc_ways,
};

static int probe_nothing(struct probe *p)
{
	(void)p;
	return PROBE_OK; /* the clause is about fork() returning */
}

static int probe_other_file(struct probe *p)
{
	FILE *f = fopen("/dev/null", "w");
	if (!f)
		return probe_wrong(p, "fopen of another file failed");
	int bad = fputs("other", f) < 0 || fflush(f);
	if (fclose(f) || bad)
		return probe_wrong(p, "writing or closing another file failed");
	return PROBE_OK;
}

static int probe_locked_file(struct probe *p)
{
	if (fputc('x', locked) == EOF || fflush(locked))
		return probe_wrong(p, "writing the FILE locked at fork failed");
	return PROBE_OK;
}

static int probe_fflush_null(struct probe *p)
{
	return fflush(NULL) ? probe_wrong(p, "fflush(NULL) failed") : PROBE_OK;
}

static int probe_exit(struct probe *p)
{
	(void)p;
	probe_report_then_exit();
}

static volatile int other_got;

static void *try_from_other_thread(void *a)
{
	(void)a;
	other_got = ftrylockfile(locked) == 0;
	if (other_got)
		funlockfile(locked);
	return 0;
}

static int other_thread_can_lock(void)
{
	pthread_t t;
	other_got = -1;
	if (pthread_create(&t, 0, try_from_other_thread, 0) || pthread_join(t, 0))
		return -1;
	return other_got;
}

static int probe_forker_lock_kept(struct probe *p)
{
	if (!locked)
		return probe_wrong(p, "fopen failed in the parent");
	int r = other_thread_can_lock();
	if (r < 0)
		return probe_wrong(p, "pthread_create failed");
	if (r)
		return probe_wrong(p, "another thread of the child could lock the FILE the forking "
		                      "thread had locked");
	if (ftrylockfile(locked))
		return probe_wrong(p, "the child's thread does not own the FILE it locked before "
		                      "fork (ftrylockfile failed)");
	funlockfile(locked);
	funlockfile(locked);
	if (other_thread_can_lock() != 1)
		return probe_wrong(p, "after the matching funlockfile calls, the FILE is not free");
	return PROBE_OK;
}

static const struct mtcase cases[] = {
    CASE(FILE_EXCL_1, "flockfile", &flockfile_holding, probe_nothing),
    CASE(FILE_EXCL_1, "blocked-write", &blocked_write_holding, probe_nothing),
    CASE(FILE_EXCL_2, "other-file", &flockfile_holding, probe_other_file),
    CASE(FILE_EXCL_3, "locked-file", &flockfile_holding, probe_locked_file),
    CASE(FILE_EXCL_4, "fflush-null", &flockfile_holding, probe_fflush_null),
    CASE(FILE_EXCL_5, "exit", &flockfile_holding, probe_exit),
    CASE(FILE_EXCL_6, "fflush-null", &flush_behind_flockfile, probe_nothing),
    CASE(FILE_EXCL_7, "forker-locked", &forker_locked, probe_forker_lock_kept),
};

MTFORK_MAIN(cases)
