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
 *   fx_parked_thread   a way: a thread parked in the application (WAY_APP).
 *   fx_ctor_holding    a library constructor running inside dlopen() (WAY_APP:
 *                      application code fork must never wait for).
 *   fx_phdr_holding    the loader's object-list lock: a dl_iterate_phdr()
 *                      callback parks (glibc holds dl_load_write_lock across
 *                      the callbacks; musl takes no lock there).
 *   fx_timer_holding   glibc's SIGEV_THREAD timer list lock, held by its
 *                      timer helper thread while it creates a notification
 *                      thread on a stack whose top is on a userfaultfd
 *                      (glibc 2.36 sysdeps/unix/sysv/linux/timer_routines.c),
 *                      or without userfaultfd in the clone of that thread,
 *                      stopped by seccomp; elsewhere stochastic
 *                      timer_create+timer_delete.
 */
#define _GNU_SOURCE
#include "have.h"
#include <dlfcn.h>
#if HAVE_DL_ITERATE_PHDR
#include <link.h>
#endif
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "fixture.h"
#include "seccomp_hold.h"
#include "uffd.h"
#include "uffd_abi.h"

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

/* Without userfaultfd, or on a libc with no malloc_stats(): the memory a
 * malloc maps with its lock taken. musl's mallocng maps a new group of
 * slots for a size class, and grows its metadata area, under its lock;
 * glibc extends its heap with brk() under the arena lock (with one arena,
 * fx_malloc_setup). A helper allocating blocks of many sizes under 64 KiB
 * and freeing none soon needs such a mapping, and is stopped in it. Sizes
 * stay far below both libcs' threshold for a mapping of its own (128 KiB),
 * which musl makes before taking the lock; the harness's verification
 * rejects any stop the lock was not held at. */
static void *growing[256];

static void allocate_growing(void)
{
	for (size_t i = 0; i < sizeof growing / sizeof growing[0]; i++)
		growing[i] = malloc(2048 + i * 256);
	for (size_t i = 0; i < sizeof growing / sizeof growing[0]; i++)
		free(growing[i]);
}

static int helper_maps(const struct sc_notice *n)
{
	return n->tid == n->helper_tid;
}

static const struct sc_trap malloc_maps = {
    .nr = {SC_MMAP, SC_BRK}, .match = helper_maps, .call = allocate_growing};

void fx_malloc_mapping(struct hold *h)
{
	seccomp_hold(h, &malloc_maps);
}

const struct way fx_malloc_ways[] = {
#ifdef __GLIBC__
    CALLBACK_WAY("malloc_stats", fx_malloc_stats_parked),
#endif
    SECCOMP_CALL_WAY("malloc", fx_malloc_mapping),
    STOCHASTIC_WAY("malloc", fx_malloc_hammer),
    {0},
};

const struct holding fx_malloc_holding = {
    .name = "malloc arena lock",
    .setup = fx_malloc_setup,
    .verify = fx_malloc_verify,
    .ways = fx_malloc_ways,
};

/* --- loader ------------------------------------------------------------ */

#if HAVE_DLOPEN /* else the cases that use these skip (MTFORK_NEEDS) */

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
    UFFD_WAY("dlopen", fx_dlopen_on_page, fx_fill_path_a),
    SECCOMP_CALL_WAY("dlopen", fx_dlopen_opening),
    STOCHASTIC_WAY("dlopen", loader_hammer),
    {0},
};

const struct holding fx_loader_holding = {
    .name = "loader lock",
    .setup = fx_loader_setup,
    .verify = fx_loader_verify,
    .ways = fx_loader_ways,
};
#endif

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
    CALLBACK_WAY("fflush(NULL)", flush_all),
    STOCHASTIC_WAY("fopen", stdio_hammer),
    {0},
};

const struct holding fx_stdio_holding = {
    .name = "open-file list lock",
    .setup = fx_stdio_setup,
    .verify = fx_stdio_verify,
    .ways = fx_stdio_ways,
};

/* --- a running constructor --------------------------------------------- */

#if HAVE_DLOPEN

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

#endif

static void park_here(struct hold *h)
{
	(void)h;
	holder_park();
}

const struct way fx_parked_thread[] = {APP_WAY("parked-thread", park_here), {0}};

#if HAVE_DLOPEN
const struct holding fx_ctor_holding = {
    .name = "library constructor running in dlopen()",
    .setup = ctor_setup,
    .verify = ctor_verify,
    .ways = (const struct way[]){APP_WAY("constructor", dlopen_blocking_ctor), {0}},
};
#endif

/* --- the SIGEV_THREAD timer list lock (THREAD-7, TIMER-1) -------------- */

static void timer_noop(union sigval v)
{
	(void)v;
}

/* Create (and delete) a SIGEV_THREAD timer: glibc takes the list lock in
 * both; the verifier blocks on it. */
void fx_timer_create_and_delete(void)
{
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD};
	ev.sigev_notify_function = timer_noop;
	timer_t t;
	if (!timer_create(CLOCK_MONOTONIC, &ev, &t))
		timer_delete(t);
}

static void timer_hammer(struct hold *h)
{
	(void)h;
	fx_timer_create_and_delete();
}

#ifdef __GLIBC__
/* The helper thread parks inside pthread_create (clearing the new thread's
 * descriptor at the top of the stack we gave it), with the timer list lock
 * taken; then this thread parks in holder_park(). */
static void timer_helper_parks(struct hold *h)
{
	(void)h;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), size = 64 * 1024;
	char *stack = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED)
		return;
	char why[120];
	int fd = uffd_open(0, 0, why, sizeof why); /* honours MTFORK_NO_UFFD */
	struct mt_uffdio_register reg = {.range = {(uintptr_t)(stack + size - 2 * pg), 2 * pg},
	                                 .mode = MT_UFFDIO_REGISTER_MISSING};
	if (fd < 0 || ioctl(fd, MT_UFFDIO_REGISTER, &reg))
		return;
	pthread_attr_t a;
	pthread_attr_init(&a);
	if (pthread_attr_setstack(&a, stack, size))
		return;
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD};
	ev.sigev_notify_function = timer_noop;
	ev.sigev_notify_attributes = &a;
	timer_t t;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t))
		return;
	struct itimerspec its = {.it_value = {0, 1000}};
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (timer_settime(t, 0, &its, 0) || poll(&p, 1, probe_ms(1000)) != 1 ||
	    !(p.revents & POLLIN))
		return; /* the helper never touched the stack: nothing held */
	holder_park();
	struct mt_uffdio_zeropage z = {.range = reg.range};
	ioctl(fd, MT_UFFDIO_ZEROPAGE, &z); /* released: let the helper go on */
}

/* Without userfaultfd: the same helper stopped in the clone of the
 * notification thread by a seccomp user notification. The helper inherits
 * the filter of the thread whose timer_create starts it, ours; that
 * thread's own clone (starting the helper) is not the one. */
static atomic_int timer_notified;

static void timer_note(union sigval v)
{
	(void)v;
	timer_notified = 1;
}

static void arm_thread_timer(void)
{
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD};
	ev.sigev_notify_function = timer_note;
	timer_t t;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t))
		return;
	struct itimerspec its = {.it_value = {0, 1000}};
	if (timer_settime(t, 0, &its, 0))
		return;
	for (int ms = 0; !timer_notified && ms < probe_ms(1000); ms++) /* released: it runs */
		usleep(1000);
}

static int timer_helpers_clone(const struct sc_notice *n)
{
	return n->tid != n->helper_tid;
}

static const struct sc_trap notification_clone = {
    .nr = {SC_CLONE, SC_CLONE3}, .match = timer_helpers_clone, .call = arm_thread_timer};

static void timer_helper_clone_stopped(struct hold *h)
{
	seccomp_hold(h, &notification_clone);
}
#endif

const struct holding fx_timer_holding = {
    .name = "SIGEV_THREAD timer list lock",
    .verify = fx_timer_create_and_delete,
    /* glibc's timer_create(SIGEV_THREAD) targets the process's helper
     * thread; in a copy, which has none, it fails before taking the lock */
    .verify_in_process = 1,
    .ways =
        (const struct way[]){
#ifdef __GLIBC__
            CALLBACK_WAY("sigev_notify_attributes-stack", timer_helper_parks),
            SECCOMP_CALL_WAY("timer_settime", timer_helper_clone_stopped),
#endif
            STOCHASTIC_WAY("timer_create+timer_delete", timer_hammer),
            {0},
        },
};

/* --- the object-list lock (dl_iterate_phdr) ----------------------------- */

#if HAVE_DL_ITERATE_PHDR
static int park_in_callback(struct dl_phdr_info *i, size_t n, void *a)
{
	(void)i, (void)n, (void)a;
	holder_park();
	return 1;
}

static int visit(struct dl_phdr_info *i, size_t n, void *a)
{
	(void)i, (void)n, (void)a;
	return 0;
}

static void iterate_and_park(struct hold *h)
{
	(void)h;
	dl_iterate_phdr(park_in_callback, 0);
}

static void iterate(struct hold *h)
{
	(void)h;
	dl_iterate_phdr(visit, 0);
}

void fx_phdr_verify(void)
{
	iterate(0);
}

const struct way fx_phdr_ways[] = {
    CALLBACK_WAY("dl_iterate_phdr", iterate_and_park),
    STOCHASTIC_WAY("dl_iterate_phdr", iterate),
    {0},
};

const struct holding fx_phdr_holding = {
    .name = "object-list lock (dl_iterate_phdr callback)",
    .verify = fx_phdr_verify,
    .ways = fx_phdr_ways,
};
#endif
