/*
 * MALLOC — the allocator in the MT-forked child.
 *
 * MALLOC-1 (spec/malloc.adoc): malloc, calloc, realloc, free and
 * posix_memalign work in the child although another thread was inside malloc
 * with an arena lock taken at fork. Both glibc (malloc/arena.c fork handlers)
 * and musl (mallocng's lock, taken last) take and reset their locks.
 * MALLOC-2: blocks the parent allocated can be freed and reallocated.
 *
 * Probes use 64 KiB blocks as well as small ones: small requests may be served
 * from a per-thread cache without touching the arena lock at all.
 *
 * Holder (glibc): malloc_stats() prints to stderr with each arena's lock
 * taken; with stderr an unbuffered parking stream it parks there. M_ARENA_MAX
 * = 1 makes every thread share that arena, so the verifier's malloc blocks.
 * No libc call holds musl's malloc lock while touching caller memory or
 * calling back: there the stochastic holder decides.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "lib/mtfork.h"

#define BIG (64 * 1024)

static char *parent_block;

/* The compiler may delete a free(malloc(n)) pair outright; storing through a
 * volatile pointer keeps each call real. */
static void *volatile sink;

static void use_and_free(size_t n)
{
	sink = malloc(n);
	free(sink);
}

static void allocate_in_parent(void)
{
#ifdef __GLIBC__
	mallopt(M_ARENA_MAX, 1);
#endif
	parent_block = malloc(BIG);
	if (parent_block)
		memset(parent_block, 'p', BIG);
}

#ifdef __GLIBC__
static void stats_to_parking_stderr(struct hold *h)
{
	(void)h;
	FILE *f = parking_stream();
	if (!f)
		return;
	setvbuf(f, NULL, _IONBF, 0); /* each fprintf reaches the cookie at once */
	stderr = f;
	malloc_stats();
}
#endif

static void hammer(struct hold *h)
{
	static unsigned n;
	(void)h;
	use_and_free(16 + (n++ % 64) * 1024);
}

static void malloc_needs_lock(void)
{
	use_and_free(BIG);
}

static const struct holding malloc_lock = {
    .name = "malloc arena lock",
    .setup = allocate_in_parent,
    .verify = malloc_needs_lock,
    .ways =
        (const struct way[]){
#ifdef __GLIBC__
            {"callback:malloc_stats", WAY_CALLBACK, stats_to_parking_stderr, 0},
#endif
            {"stochastic:malloc", WAY_STOCHASTIC, hammer, 0},
            {0},
        },
};

static int probe_malloc(struct probe *p)
{
	char *a = malloc(24), *b = malloc(BIG);
	if (!a || !b)
		return probe_wrong(p, "malloc returned NULL");
	memset(b, 1, BIG);
	sink = a;
	sink = b;
	return PROBE_OK;
}

static int probe_calloc(struct probe *p)
{
	unsigned char *b = calloc(BIG, 1);
	if (!b)
		return probe_wrong(p, "calloc returned NULL");
	for (size_t i = 0; i < BIG; i++)
		if (b[i])
			return probe_wrong(p, "calloc memory not zeroed at byte ");
	return PROBE_OK;
}

static int probe_realloc(struct probe *p)
{
	char *b = malloc(100);
	if (!b)
		return probe_wrong(p, "malloc returned NULL");
	memset(b, 'r', 100);
	b = realloc(b, BIG);
	if (!b)
		return probe_wrong(p, "realloc returned NULL");
	for (int i = 0; i < 100; i++)
		if (b[i] != 'r')
			return probe_wrong(p, "realloc lost the block's content");
	return PROBE_OK;
}

static int probe_free(struct probe *p)
{
	sink = malloc(40);
	if (!sink)
		return probe_wrong(p, "malloc returned NULL");
	free(sink);
	use_and_free(BIG);
	return PROBE_OK;
}

static int probe_posix_memalign(struct probe *p)
{
	void *b = 0;
	int e = posix_memalign(&b, 4096, BIG);
	if (e || !b)
		return probe_wrong_num(p, "posix_memalign failed with ", e);
	return (uintptr_t)b % 4096 ? probe_wrong(p, "misaligned block") : PROBE_OK;
}

static int probe_free_parent_block(struct probe *p)
{
	if (!parent_block)
		return probe_wrong(p, "the parent's allocation failed");
	free(parent_block);
	return PROBE_OK;
}

static int probe_realloc_parent_block(struct probe *p)
{
	if (!parent_block)
		return probe_wrong(p, "the parent's allocation failed");
	char *b = realloc(parent_block, 2 * BIG);
	if (!b)
		return probe_wrong(p, "realloc returned NULL");
	for (int i = 0; i < BIG; i += 512)
		if (b[i] != 'p')
			return probe_wrong(p, "realloc lost the parent's content");
	return PROBE_OK;
}

static const struct mtcase cases[] = {
    {"MALLOC-1.malloc", "MALLOC-1", MUST, &malloc_lock, probe_malloc},
    {"MALLOC-1.calloc", "MALLOC-1", MUST, &malloc_lock, probe_calloc},
    {"MALLOC-1.realloc", "MALLOC-1", MUST, &malloc_lock, probe_realloc},
    {"MALLOC-1.free", "MALLOC-1", MUST, &malloc_lock, probe_free},
    {"MALLOC-1.posix_memalign", "MALLOC-1", MUST, &malloc_lock, probe_posix_memalign},
    {"MALLOC-2.free-parent-block", "MALLOC-2", MUST, &malloc_lock, probe_free_parent_block},
    {"MALLOC-2.realloc-parent-block", "MALLOC-2", MUST, &malloc_lock, probe_realloc_parent_block},
};

MTFORK_MAIN(cases)
