/*
 * STDIO-LIST — the open-file list in the MT-forked child.
 *
 * STDIO-LIST-1 (spec/stdio-list.adoc): fopen, fclose, fmemopen and
 * open_memstream work in the child although another thread held the
 * open-file-list lock at fork. glibc takes and resets list_all_lock around
 * fork (libio/genops.c); musl takes its open-file-list lock.
 *
 * Holder: fflush(NULL) walks the list with its lock taken and flushes a
 * parking stream with pending output: the holder parks inside the write.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "lib/mtfork.h"

static FILE *pending;

static void make_pending_output(void)
{
	pending = parking_stream();
	if (pending)
		fputs("pending", pending);
}

static void flush_all(struct hold *h)
{
	(void)h;
	fflush(NULL);
}

static void hammer(struct hold *h)
{
	(void)h;
	FILE *f = fopen("/dev/null", "r");
	if (f)
		fclose(f);
}

static void fopen_needs_lock(void)
{
	FILE *f = fopen("/dev/null", "r");
	if (f)
		fclose(f);
}

static const struct holding list_lock = {
    .name = "open-file list lock",
    .setup = make_pending_output,
    .verify = fopen_needs_lock,
    .ways =
        (const struct way[]){
            {"callback:fflush(NULL)", WAY_CALLBACK, flush_all, 0},
            {"stochastic:fopen", WAY_STOCHASTIC, hammer, 0},
            {0},
        },
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

static const struct mtcase cases[] = {
    {"STDIO-LIST-1.fopen", "STDIO-LIST-1", MUST, &list_lock, probe_fopen},
    {"STDIO-LIST-1.fclose", "STDIO-LIST-1", MUST, &list_lock, probe_fclose},
    {"STDIO-LIST-1.fmemopen", "STDIO-LIST-1", MUST, &list_lock, probe_fmemopen},
    {"STDIO-LIST-1.open_memstream", "STDIO-LIST-1", MUST, &list_lock, probe_open_memstream},
};

MTFORK_MAIN(cases)
