/* SPDX-License-Identifier: MIT */
/*
 * MALLOC — the allocator in the MT-forked child.
 *
 * MALLOC-1 (spec/malloc.adoc): malloc, calloc, realloc, free and
 * posix_memalign work in the child although another thread was inside malloc
 * with an arena lock taken at fork. Both glibc (malloc/arena.c fork handlers)
 * and musl (mallocng's lock, taken last) take and reset their locks.
 * MALLOC-2: blocks the parent allocated can be freed and reallocated.
 * MALLOC-3: functions that allocate internally (strdup, asprintf, getline,
 * aligned_alloc) work too.
 * MALLOC-4: blocks of a thread that does not exist in the child (the
 * holder's) can be freed there, and new allocations never overlap a block
 * still in use.
 * MALLOC-5 (SHOULD): introspection and trimming, where the libc has them
 * (looked up weakly; absent ones skip).
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
#include "have.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "harness/fixture.h"
#include "harness/mtfork.h"
#include "clauses.h"

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

/* The shared malloc holding (tests/harness/holdings.c), after a block the
 * parent allocates for MALLOC-2. */
static void allocate_in_parent(void)
{
	fx_malloc_setup(); /* glibc: one arena, shared by every thread */
	parent_block = malloc(BIG);
	if (parent_block)
		memset(parent_block, 'p', BIG);
}

/* Blocks the holder thread allocates before it enters malloc for good:
 * `mine` to be freed in the child, `kept` to stay in use there, plus one
 * left in the holder's per-thread cache. */
#define KEPT 256
static char *mine, *kept;

static void allocate_in_holder(void)
{
	if (mine)
		return;
	mine = malloc(KEPT);
	kept = malloc(KEPT);
	if (mine)
		memset(mine, 'm', KEPT);
	if (kept)
		memset(kept, 'k', KEPT);
	sink = malloc(KEPT);
	free(sink);
}

#ifdef __GLIBC__
static void allocate_then_stats(struct hold *h)
{
	allocate_in_holder();
	fx_malloc_stats_parked(h);
}
#endif

static void allocate_then_hammer(struct hold *h)
{
	allocate_in_holder();
	fx_malloc_hammer(h);
}

static void allocate_then_map(struct hold *h)
{
	allocate_in_holder();
	fx_malloc_mapping(h);
}

static const struct holding malloc_lock = {
    .name = "malloc arena lock",
    .setup = allocate_in_parent,
    .verify = fx_malloc_verify,
    .ways = fx_malloc_ways,
};

static const struct holding malloc_lock_with_holder_blocks = {
    .name = "malloc arena lock",
    .setup = allocate_in_parent,
    .verify = fx_malloc_verify,
    .ways =
        (const struct way[]){
#ifdef __GLIBC__
            CALLBACK_WAY("malloc_stats", allocate_then_stats),
#endif
            SECCOMP_CALL_WAY("malloc", allocate_then_map),
            STOCHASTIC_WAY("malloc", allocate_then_hammer),
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

#if HAVE_POSIX_MEMALIGN
static int probe_posix_memalign(struct probe *p)
{
	void *b = 0;
	int e = posix_memalign(&b, 4096, BIG);
	if (e || !b)
		return probe_wrong_num(p, "posix_memalign failed with ", e);
	return (uintptr_t)b % 4096 ? probe_wrong(p, "misaligned block") : PROBE_OK;
}
#endif

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

static int probe_strdup(struct probe *p)
{
	char *d = strdup("duplicated in the child");
	if (!d || strcmp(d, "duplicated in the child"))
		return probe_wrong(p, "strdup failed");
	free(d);
	return PROBE_OK;
}

static int probe_asprintf(struct probe *p)
{
	char *s = 0;
	if (asprintf(&s, "%s %d", "child", 42) != 8 || !s || strcmp(s, "child 42"))
		return probe_wrong(p, "asprintf failed");
	free(s);
	return PROBE_OK;
}

#if HAVE_FMEMOPEN
static int probe_getline(struct probe *p)
{
	static char text[] = "first line\nsecond\n";
	FILE *f = fmemopen(text, sizeof text - 1, "r");
	if (!f)
		return probe_wrong(p, "fmemopen failed");
	char *line = 0;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	fclose(f);
	if (n != 11 || !line || strcmp(line, "first line\n"))
		return probe_wrong(p, "getline did not return the first line");
	free(line);
	return PROBE_OK;
}
#endif

#if HAVE_ALIGNED_ALLOC
static int probe_aligned_alloc(struct probe *p)
{
	/* Called through a volatile pointer: GCC 16 removes an aligned_alloc
	 * whose block is only freed, and the child would call nothing. */
	void *(*volatile call)(size_t, size_t) = aligned_alloc;
	void *b = call(256, 1024);
	if (!b)
		return probe_wrong(p, "aligned_alloc returned NULL");
	int misaligned = (uintptr_t)b % 256 != 0;
	free(b);
	return misaligned ? probe_wrong(p, "aligned_alloc returned a misaligned block") : PROBE_OK;
}
#endif

static int probe_free_dead_thread_blocks(struct probe *p)
{
	if (!mine || !kept)
		return probe_wrong(p, "the holder's allocations failed");
	for (int i = 0; i < KEPT; i++)
		if (mine[i] != 'm' || kept[i] != 'k')
			return probe_wrong(p,
			                   "the holder's blocks were damaged before the child ran");
	free(mine);
	/* Reuse must not reach the block still in use. */
	for (int n = 0; n < 64; n++) {
		char *b = malloc(KEPT);
		if (!b)
			return probe_wrong(p, "malloc returned NULL");
		if (b < kept + KEPT && kept < b + KEPT)
			return probe_wrong(p, "malloc handed out a block still in use");
		memset(b, 'c', KEPT);
	}
	for (int i = 0; i < KEPT; i++)
		if (kept[i] != 'k')
			return probe_wrong(p, "a block still in use was overwritten");
	free(kept);
	return PROBE_OK;
}

/* Looked up weakly: a libc without them skips (MALLOC-5 is "where provided"). */
size_t malloc_usable_size(void *block) __attribute__((weak));
int malloc_trim(size_t pad) __attribute__((weak));
void malloc_stats(void) __attribute__((weak));

static int probe_malloc_usable_size(struct probe *p)
{
	if (!malloc_usable_size)
		return probe_skip(p, "this libc has no malloc_usable_size");
	char *b = malloc(100);
	if (!b)
		return probe_wrong(p, "malloc returned NULL");
	size_t n = malloc_usable_size(b);
	free(b);
	return n >= 100 ? PROBE_OK : probe_wrong_num(p, "malloc_usable_size too small: ", (long)n);
}

static int probe_malloc_trim(struct probe *p)
{
	if (!malloc_trim)
		return probe_skip(p, "this libc has no malloc_trim");
	malloc_trim(0);
	return PROBE_OK;
}

static int probe_mallinfo2(struct probe *p)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	struct mallinfo2 mi = mallinfo2();
	return mi.arena > 0 ? PROBE_OK : probe_wrong(p, "mallinfo2 reported an empty arena");
#else
	return probe_skip(p, "this libc has no mallinfo2");
#endif
}

static int probe_malloc_stats(struct probe *p)
{
	if (!malloc_stats)
		return probe_skip(p, "this libc has no malloc_stats");
	malloc_stats(); /* to stderr: the holder may have made it a parking stream */
	return PROBE_OK;
}

#define NEEDS_POSIX_MEMALIGN(h, p) MTFORK_NEEDS(HAVE_POSIX_MEMALIGN, "posix_memalign()", h, p)
#define NEEDS_FMEMOPEN(h, p)       MTFORK_NEEDS(HAVE_FMEMOPEN, "fmemopen()", h, p)
#define NEEDS_ALIGNED_ALLOC(h, p)  MTFORK_NEEDS(HAVE_ALIGNED_ALLOC, "aligned_alloc()", h, p)

static const struct mtcase cases[] = {
    CASE(MALLOC_1, "malloc", &malloc_lock, probe_malloc),
    CASE(MALLOC_1, "calloc", &malloc_lock, probe_calloc),
    CASE(MALLOC_1, "realloc", &malloc_lock, probe_realloc),
    CASE(MALLOC_1, "free", &malloc_lock, probe_free),
    CASE(MALLOC_1, "posix_memalign", NEEDS_POSIX_MEMALIGN(&malloc_lock, probe_posix_memalign)),
    CASE(MALLOC_2, "free-parent-block", &malloc_lock, probe_free_parent_block),
    CASE(MALLOC_2, "realloc-parent-block", &malloc_lock, probe_realloc_parent_block),
    CASE(MALLOC_3, "strdup", &malloc_lock, probe_strdup),
    CASE(MALLOC_3, "asprintf", &malloc_lock, probe_asprintf),
    CASE(MALLOC_3, "getline", NEEDS_FMEMOPEN(&malloc_lock, probe_getline)),
    CASE(MALLOC_3, "aligned_alloc", NEEDS_ALIGNED_ALLOC(&malloc_lock, probe_aligned_alloc)),
    CASE(MALLOC_4, "free-dead-thread-blocks", &malloc_lock_with_holder_blocks,
         probe_free_dead_thread_blocks),
    CASE(MALLOC_5, "malloc_usable_size", &malloc_lock, probe_malloc_usable_size),
    CASE(MALLOC_5, "malloc_trim", &malloc_lock, probe_malloc_trim),
    CASE(MALLOC_5, "mallinfo2", &malloc_lock, probe_mallinfo2),
    CASE(MALLOC_5, "malloc_stats", &malloc_lock, probe_malloc_stats),
};

MTFORK_MAIN(cases)
