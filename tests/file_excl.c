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
 *
 * Holders are WAY_APP: the controller never releases them for fork.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mtfork.h"

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
    .ways = (const struct way[]){{"app:flockfile", WAY_APP, lock_and_park, 0}, {0}},
};

static const struct holding blocked_write_holding = {
    .name = "FILE whose write is blocked",
    .setup = make_blocking_file,
    .verify = lock_needs_file,
    .ways = (const struct way[]){{"app:blocked-write", WAY_APP, flush_into_parked_write, 0}, {0}},
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

static const struct mtcase cases[] = {
    {"FILE-EXCL-1.flockfile", "FILE-EXCL-1", MUST, &flockfile_holding, probe_nothing},
    {"FILE-EXCL-1.blocked-write", "FILE-EXCL-1", MUST, &blocked_write_holding, probe_nothing},
    {"FILE-EXCL-2.other-file", "FILE-EXCL-2", MUST, &flockfile_holding, probe_other_file},
    {"FILE-EXCL-3.locked-file", "FILE-EXCL-3", MAY, &flockfile_holding, probe_locked_file},
    {"FILE-EXCL-4.fflush-null", "FILE-EXCL-4", MAY, &flockfile_holding, probe_fflush_null},
    {"FILE-EXCL-5.exit", "FILE-EXCL-5", MAY, &flockfile_holding, probe_exit},
};

MTFORK_MAIN(cases)
