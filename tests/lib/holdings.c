/* SPDX-License-Identifier: MIT */
/*
 * Holdings shared by several test files (fixture.h):
 *   fx_malloc_holding  malloc arena lock: glibc's malloc_stats() printing to a
 *                      parking stderr (callback); elsewhere stochastic.
 *   fx_loader_holding  the loader's main lock: dlopen() whose path ends in a
 *                      userfaultfd page (glibc dl_load_lock, musl's rwlock and
 *                      its thread-creation inhibit lock); without
 *                      userfaultfd, dlopen() stopped in the open of the
 *                      library (seccomp user notification).
 *   fx_stdio_holding   the open-file list lock: fflush(NULL) writing into a
 *                      parking stream.
 *   fx_ctor_holding    a library constructor running inside dlopen() (WAY_APP:
 *                      application code fork must never wait for).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "fixture.h"
#include "seccomp_hold.h"

/* --- malloc ------------------------------------------------------------ */

static void *volatile sink;

void fx_malloc_setup(void)
{
#ifdef __GLIBC__
	mallopt(M_ARENA_MAX, 1);
#endif
}

#ifdef __GLIBC__
void fx_malloc_stats_parked(struct hold *h)
{
	(void)h;
	FILE *f = parking_stream();
	if (!f)
		return;
	setvbuf(f, NULL, _IONBF, 0);
	stderr = f;
	malloc_stats();
}
#endif

void fx_malloc_hammer(struct hold *h)
{
	static unsigned n;
	(void)h;
	sink = malloc(16 + (n++ % 64) * 1024);
	free(sink);
}

void fx_malloc_verify(void)
{
	sink = malloc(64 * 1024);
	free(sink);
}

const struct way fx_malloc_ways[] = {
#ifdef __GLIBC__
    {"callback:malloc_stats", WAY_CALLBACK, fx_malloc_stats_parked, 0},
#endif
    {"stochastic:malloc", WAY_STOCHASTIC, fx_malloc_hammer, 0},
    {0},
};

const struct holding fx_malloc_holding = {
    .name = "malloc arena lock",
    .setup = fx_malloc_setup,
    .verify = fx_malloc_verify,
    .ways = fx_malloc_ways,
};

/* --- loader ------------------------------------------------------------ */

void fx_loader_setup(void)
{
	fx_path("libmtf_a.so");
}

/* The path starts on the last byte of an ordinary page ('/') and continues
 * in the trapped one: dlopen reads it with the loader lock taken. */
void fx_dlopen_on_page(struct hold *h)
{
	*h->edge = '/';
	dlopen(h->edge, RTLD_NOW);
}

void fx_fill_path_a(char *page, size_t n)
{
	const char *p = fx_path("libmtf_a.so");
	strncpy(page, p + 1, n - 1);
}

static void dlopen_a(void)
{
	sink = dlopen(fx_path("libmtf_a.so"), RTLD_NOW);
}

/* Both libcs open the library with the loader lock taken (glibc before
 * r_debug says RT_ADD: the state the uffd way parks in). */
static const struct sc_trap library_open = {
    .nr = {SC_OPEN, SC_OPENAT}, .path = "/libmtf_a.so", .call = dlopen_a};

void fx_dlopen_opening(struct hold *h)
{
	seccomp_hold(h, &library_open);
}

static void loader_hammer(struct hold *h)
{
	(void)h;
	void *d = dlopen(fx_path("libmtf_a.so"), RTLD_NOW);
	if (d)
		dlclose(d);
}

void fx_loader_verify(void)
{
	sink = dlsym(RTLD_DEFAULT, "mtfork_no_such_symbol");
}

const struct way fx_loader_ways[] = {
    {"uffd-arg:dlopen", WAY_UFFD, fx_dlopen_on_page, fx_fill_path_a},
    {"seccomp-call:dlopen", WAY_CALLBACK, fx_dlopen_opening, 0},
    {"stochastic:dlopen", WAY_STOCHASTIC, loader_hammer, 0},
    {0},
};

const struct holding fx_loader_holding = {
    .name = "loader lock",
    .setup = fx_loader_setup,
    .verify = fx_loader_verify,
    .ways = fx_loader_ways,
};

/* --- stdio ------------------------------------------------------------- */

static FILE *pending;

void fx_stdio_setup(void)
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

void fx_stdio_verify(void)
{
	FILE *f = fopen("/dev/null", "r");
	if (f)
		fclose(f);
}

static void stdio_hammer(struct hold *h)
{
	(void)h;
	fx_stdio_verify(); /* fopen and fclose: in and out of the list lock */
}

const struct way fx_stdio_ways[] = {
    {"callback:fflush(NULL)", WAY_CALLBACK, flush_all, 0},
    {"stochastic:fopen", WAY_STOCHASTIC, stdio_hammer, 0},
    {0},
};

const struct holding fx_stdio_holding = {
    .name = "open-file list lock",
    .setup = fx_stdio_setup,
    .verify = fx_stdio_verify,
    .ways = fx_stdio_ways,
};

/* --- a running constructor --------------------------------------------- */

static void ctor_setup(void)
{
	fx_path("libmtf_ctor.so");
	fx_path("libmtf_dep.so");
	fx_path("libmtf_new.so");
	/* fully constructed before the fork: its destructor must run at exit */
	sink = dlopen(fx_path("libmtf_good.so"), RTLD_NOW);
}

/* libmtf_ctor.so's constructor calls holder_park(). */
static void dlopen_blocking_ctor(struct hold *h)
{
	(void)h;
	dlopen(fx_path("libmtf_ctor.so"), RTLD_NOW | RTLD_GLOBAL);
}

/* glibc: the loader lock is held across constructors; musl: dlopen of a
 * library another thread is constructing waits for it. */
static void ctor_verify(void)
{
	sink = dlopen(fx_path("libmtf_ctor.so"), RTLD_NOW | RTLD_GLOBAL);
}

const struct holding fx_ctor_holding = {
    .name = "library constructor running in dlopen()",
    .setup = ctor_setup,
    .verify = ctor_verify,
    .ways = (const struct way[]){{"app:constructor", WAY_APP, dlopen_blocking_ctor, 0}, {0}},
};
