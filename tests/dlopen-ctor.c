/* SPDX-License-Identifier: MIT */
/*
 * DLOPEN-CTOR — libraries left partially constructed (spec/dlopen-ctor.adoc).
 *
 * The holder thread dlopen()s libmtf_ctor.so, whose constructor parks in
 * holder_park(): the fork happens while the constructor runs (WAY_APP: it is
 * application code, fork must never wait for it). In the child:
 *   DLOPEN-CTOR-1 dlopen of that library fails with a dlerror() message;
 *   DLOPEN-CTOR-2 so does dlopen of libmtf_dep.so, which needs it, and the
 *                 dependent's constructor does not run;
 *   DLOPEN-CTOR-3 dlopen of an unrelated library works;
 *   DLOPEN-CTOR-4 RTLD_NOLOAD gives no handle;
 *   DLOPEN-CTOR-5 the message names the library and the fork (SHOULD);
 *   DLOPEN-CTOR-7 exit() runs the destructors of a fully constructed library
 *                 (libmtf_good.so) but not the half-built one's (SHOULD);
 *   DLOPEN-CTOR-9 dlsym(RTLD_DEFAULT) of the half-built library's symbol (MAY).
 * DLOPEN-CTOR-8 (MAY): fork while dlclose() runs a destructor that parks
 * (libmtf_dtor.so); the child's dlopen of that library is recorded. Only
 * where dlclose runs destructors (glibc; musl never unloads).
 *
 * Destructors and constructors of the fixtures report on fixed descriptors
 * (FX_DTOR_FD, FX_CTOR_FD) that the probes connect to pipes.
 */
#define _GNU_SOURCE
#include "have.h"
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/fixture.h"
#include "clauses.h"

#if HAVE_DLOPEN
/* A pipe whose write end is descriptor fd; returns its read end or -1. */
static int pipe_at(int fd)
{
	int p[2];
	if (pipe(p))
		return -1;
	if (dup2(p[1], fd) < 0)
		return -1;
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	return p[0];
}

static int drain(int rfd, char *buf, int size)
{
	int n = 0;
	for (;;) {
		ssize_t r = read(rfd, buf + n, (size_t)(size - 1 - n));
		if (r <= 0 || (n += (int)r) >= size - 1)
			break;
	}
	buf[n] = 0;
	return n;
}

static int refused(struct probe *p, const void *h, const char *what)
{
	if (h)
		return probe_wrong(p, what);
	const char *e = dlerror();
	if (!e || !*e)
		return probe_wrong(p, "dlopen returned NULL but dlerror() gave no message");
	return PROBE_OK;
}

static int probe_dlopen_partial(struct probe *p)
{
	dlerror();
	void *h = dlopen(fx_path("libmtf_ctor.so"), RTLD_NOW);
	return refused(p, h, "dlopen returned a handle to the partially constructed library");
}

static int probe_dlopen_dependent(struct probe *p)
{
	char buf[16];
	int r = pipe_at(FX_CTOR_FD);
	if (r < 0)
		return probe_wrong(p, "pipe/dup2 failed");
	dlerror();
	void *h = dlopen(fx_path("libmtf_dep.so"), RTLD_NOW);
	int ran = drain(r, buf, sizeof buf) > 0;
	if (h && ran)
		return probe_wrong(p,
		                   "dlopen of a library depending on the partially constructed one "
		                   "returned a handle and ran its constructor");
	if (ran)
		return probe_wrong(p, "dlopen failed but ran the dependent library's constructor");
	return refused(p, h,
	               "dlopen of a library depending on the partially constructed one "
	               "returned a handle");
}

static int probe_dlopen_unrelated(struct probe *p)
{
	void *h = dlopen(fx_path("libmtf_new.so"), RTLD_NOW);
	if (!h)
		return probe_wrong(p, "dlopen of an unrelated library returned NULL");
	int *ran = dlsym(h, "fx_new_ctor_ran");
	return ran && *ran ? PROBE_OK : probe_wrong(p, "its constructor did not run");
}

static int probe_noload(struct probe *p)
{
	void *h = dlopen(fx_path("libmtf_ctor.so"), RTLD_NOW | RTLD_NOLOAD);
	return h ? probe_wrong(p, "RTLD_NOLOAD returned a handle to the partially constructed "
	                          "library")
	         : PROBE_OK;
}

static int probe_message(struct probe *p)
{
	dlerror();
	if (dlopen(fx_path("libmtf_ctor.so"), RTLD_NOW))
		return probe_wrong(p, "dlopen returned a handle: there is no message");
	const char *e = dlerror();
	if (!e || !strstr(e, "libmtf_ctor"))
		return probe_wrong(p, "the dlerror() message does not name the library");
	if (!strstr(e, "fork"))
		return probe_wrong(p, "the dlerror() message does not name the fork as the cause");
	return PROBE_OK;
}

static int call_exit(void *a)
{
	(void)a;
	exit(0);
}

/* exit() in a sub-process of the child, which has the same half-built
 * library: libmtf_good.so's destructor writes 'G', libmtf_ctor.so's 'B'. */
static int probe_exit_destructors(struct probe *p)
{
	char buf[16];
	int r = pipe_at(FX_DTOR_FD);
	if (r < 0)
		return probe_wrong(p, "pipe/dup2 failed");
	int st = fx_sub(call_exit, 0, 2000);
	close(FX_DTOR_FD);
	if (st == -1)
		return fx_deadlocked
		           ? probe_deadlock(p, "exit() deadlocked (proven: an untimed private "
		                               "futex wait in a single-threaded process)")
		           : probe_wrong(p, "exit() did not end the process in bounded time");
	if (st < 0)
		return probe_wrong(p, "fork failed");
	drain(r, buf, sizeof buf);
	if (strchr(buf, 'B'))
		return probe_wrong(p, "exit() ran the partially constructed library's destructor");
	if (!strchr(buf, 'G'))
		return probe_wrong(p, "exit() did not run the destructor of a fully constructed "
		                      "library");
	return st == 0 ? PROBE_OK : probe_wrong_num(p, "exit(0) ended with wait status ", st);
}

static int probe_dlsym_default(struct probe *p)
{
	return dlsym(RTLD_DEFAULT, "fx_ctor_fn")
	           ? probe_wrong(p, "dlsym(RTLD_DEFAULT) found a symbol of the partially "
	                            "constructed library")
	           : PROBE_OK;
}

#ifdef __GLIBC__
static void *dtor_lib;

static void load_dtor_lib(void)
{
	dtor_lib = dlopen(fx_path("libmtf_dtor.so"), RTLD_NOW);
}

static void dlclose_into_parked_dtor(struct hold *h)
{
	(void)h;
	if (dtor_lib)
		dlclose(dtor_lib);
}

static void *volatile sink;

static void dlopen_needs_lock(void)
{
	sink = dlopen(fx_path("libmtf_new.so"), RTLD_NOW);
}

static const struct holding dtor_holding = {
    .name = "library destructor running in dlclose()",
    .setup = load_dtor_lib,
    .verify = dlopen_needs_lock,
    .ways = (const struct way[]){APP_WAY("destructor", dlclose_into_parked_dtor), {0}},
};

static int probe_dlopen_closing(struct probe *p)
{
	void *h = dlopen(fx_path("libmtf_dtor.so"), RTLD_NOW);
	if (!h)
		return probe_wrong(p, "dlopen of the library being closed returned NULL");
	int (*f)(void) = (int (*)(void))dlsym(h, "fx_dtor_fn");
	return f && f() == 7 ? PROBE_OK : probe_wrong(p, "its function is not callable");
}
#endif

#endif

#define NEEDS_DLOPEN(h, p) MTFORK_NEEDS(HAVE_DLOPEN, "dlopen()", h, p)

static const struct mtcase cases[] = {
    CASE(DLOPEN_CTOR_1, "dlopen", NEEDS_DLOPEN(&fx_ctor_holding, probe_dlopen_partial)),
    CASE(DLOPEN_CTOR_2, "dependent", NEEDS_DLOPEN(&fx_ctor_holding, probe_dlopen_dependent)),
    CASE(DLOPEN_CTOR_3, "unrelated", NEEDS_DLOPEN(&fx_ctor_holding, probe_dlopen_unrelated)),
    CASE(DLOPEN_CTOR_4, "noload", NEEDS_DLOPEN(&fx_ctor_holding, probe_noload)),
    CASE(DLOPEN_CTOR_5, "message", NEEDS_DLOPEN(&fx_ctor_holding, probe_message)),
    CASE(DLOPEN_CTOR_7, "exit", NEEDS_DLOPEN(&fx_ctor_holding, probe_exit_destructors)),
#ifdef __GLIBC__
    CASE(DLOPEN_CTOR_8, "dlopen", NEEDS_DLOPEN(&dtor_holding, probe_dlopen_closing)),
#endif
    CASE(DLOPEN_CTOR_9, "dlsym-default", NEEDS_DLOPEN(&fx_ctor_holding, probe_dlsym_default)),
};

MTFORK_MAIN(cases)
