/* SPDX-License-Identifier: MIT */
/*
 * STDIO-LIST — the open-file list in the MT-forked child.
 *
 * STDIO-LIST-1 (spec/stdio-list.adoc): fopen, fclose, fmemopen and
 * open_memstream work in the child although another thread held the
 * open-file-list lock at fork. glibc takes and resets list_all_lock around
 * fork (libio/genops.c); musl takes its open-file-list lock.
 * STDIO-LIST-2: fdopen, freopen and tmpfile likewise.
 * STDIO-LIST-3: the list is consistent: fflush(NULL) walks it, and streams
 * opened before the fork can be used and closed in the child.
 * STDIO-LIST-4: with only the list lock held (no FILE), fflush(NULL) and
 * exit() work in the child.
 *
 * Holder: fflush(NULL) walks the list with its lock taken and flushes a
 * parking stream with pending output: the holder parks inside the write.
 */
#define _GNU_SOURCE
#include "have.h"
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness/fixture.h"
#include "harness/mtfork.h"
#include "clauses.h"

static FILE *opened_before;

/* The shared open-file-list holding (tests/harness/holdings.c: fflush(NULL)
 * parked in a parking stream's write), plus a stream opened before the fork
 * for STDIO-LIST-3. */
static void open_before_then_hold(void)
{
	opened_before = fopen("/dev/null", "w");
	fx_stdio_setup();
}

static const struct holding list_lock = {
    .name = "open-file list lock",
    .setup = open_before_then_hold,
    .verify = fx_stdio_verify,
    .ways = fx_stdio_ways,
};

static int probe_fopen(struct probe *p)
{
	return fopen("/dev/null", "r") ? PROBE_OK : probe_wrong(p, "fopen returned NULL");
}

static int probe_fclose(struct probe *p)
{
	FILE *f = fopen("/dev/null", "w");
	if (!f)
		return probe_wrong(p, "fopen returned NULL");
	fputs("x", f);
	return fclose(f) ? probe_wrong(p, "fclose failed") : PROBE_OK;
}

#if HAVE_FMEMOPEN
static int probe_fmemopen(struct probe *p)
{
	static char buf[32];
	FILE *f = fmemopen(buf, sizeof buf, "w+");
	if (!f)
		return probe_wrong(p, "fmemopen returned NULL");
	fputs("hello", f);
	if (fclose(f))
		return probe_wrong(p, "fclose of the fmemopen stream failed");
	return strcmp(buf, "hello") ? probe_wrong(p, "fmemopen buffer lost the output") : PROBE_OK;
}
#endif

#if HAVE_OPEN_MEMSTREAM
static int probe_open_memstream(struct probe *p)
{
	char *buf = 0;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return probe_wrong(p, "open_memstream returned NULL");
	fputs("hello", f);
	if (fclose(f))
		return probe_wrong(p, "fclose of the memstream failed");
	return len == 5 && buf && !strcmp(buf, "hello")
	           ? PROBE_OK
	           : probe_wrong(p, "open_memstream buffer lost the output");
}
#endif

static int probe_fdopen(struct probe *p)
{
	int fd[2];
	if (pipe(fd))
		return probe_wrong(p, "pipe failed");
	FILE *f = fdopen(fd[1], "w");
	if (!f)
		return probe_wrong(p, "fdopen returned NULL");
	fputs("x", f);
	if (fclose(f))
		return probe_wrong(p, "fclose of the fdopen stream failed");
	char c = 0;
	return read(fd[0], &c, 1) == 1 && c == 'x'
	           ? PROBE_OK
	           : probe_wrong(p, "fdopen stream lost its output");
}

static int probe_freopen(struct probe *p)
{
	FILE *f = fopen("/dev/null", "r");
	if (!f)
		return probe_wrong(p, "fopen returned NULL");
	f = freopen("/dev/null", "w", f);
	if (!f)
		return probe_wrong(p, "freopen returned NULL");
	return fputs("x", f) < 0 || fclose(f) ? probe_wrong(p, "the reopened stream failed")
	                                      : PROBE_OK;
}

static int probe_tmpfile(struct probe *p)
{
	FILE *f = tmpfile(); /* already unlinked: nothing is left behind */
	if (!f)
		return probe_wrong(p, "tmpfile returned NULL");
	char buf[8] = "";
	int unread = fputs("temp", f) < 0 || fseek(f, 0, SEEK_SET) || !fgets(buf, sizeof buf, f);
	fclose(f);
	if (unread)
		return probe_wrong(p, "tmpfile stream did not read back its output");
	return strcmp(buf, "temp") ? probe_wrong(p, "tmpfile read back the wrong data") : PROBE_OK;
}

static int probe_fflush_walk(struct probe *p)
{
	return fflush(NULL) ? probe_wrong(p, "fflush(NULL) failed") : PROBE_OK;
}

static int probe_streams_from_before(struct probe *p)
{
	if (!opened_before)
		return probe_wrong(p, "the parent could not open /dev/null");
	if (fputs("from the child", opened_before) < 0 || fflush(opened_before))
		return probe_wrong(p, "a stream opened before fork failed to write");
	return fclose(opened_before) ? probe_wrong(p, "a stream opened before fork failed to close")
	                             : PROBE_OK;
}

static int probe_exit(struct probe *p)
{
	(void)p;
	probe_report_then_exit();
}

#define NEEDS_FMEMOPEN(h, p)       MTFORK_NEEDS(HAVE_FMEMOPEN, "fmemopen()", h, p)
#define NEEDS_OPEN_MEMSTREAM(h, p) MTFORK_NEEDS(HAVE_OPEN_MEMSTREAM, "open_memstream()", h, p)

static const struct mtcase cases[] = {
    CASE(STDIO_LIST_1, "fopen", &list_lock, probe_fopen),
    CASE(STDIO_LIST_1, "fclose", &list_lock, probe_fclose),
    CASE(STDIO_LIST_1, "fmemopen", NEEDS_FMEMOPEN(&list_lock, probe_fmemopen)),
    CASE(STDIO_LIST_1, "open_memstream", NEEDS_OPEN_MEMSTREAM(&list_lock, probe_open_memstream)),
    CASE(STDIO_LIST_2, "fdopen", &list_lock, probe_fdopen),
    CASE(STDIO_LIST_2, "freopen", &list_lock, probe_freopen),
    CASE(STDIO_LIST_2, "tmpfile", &list_lock, probe_tmpfile),
    CASE(STDIO_LIST_3, "fflush-walk", &list_lock, probe_fflush_walk),
    CASE(STDIO_LIST_3, "streams-from-before", &list_lock, probe_streams_from_before),
    CASE(STDIO_LIST_4, "fflush-null", &list_lock, probe_fflush_walk),
    CASE(STDIO_LIST_4, "exit", &list_lock, probe_exit),
};

MTFORK_MAIN(cases)
