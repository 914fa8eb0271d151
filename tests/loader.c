/* SPDX-License-Identifier: MIT */
/*
 * DL — the dynamic loader in the MT-forked child (spec/loader.adoc).
 *
 * DL-1 dlopen of a new library, DL-2 dlsym/dlvsym, DL-3 dlclose, DL-4 dladdr,
 * DL-5 dl_iterate_phdr, DL-6 dlopen/dlclose after an interrupted iteration,
 * DL-7 dlerror, DL-8 dynamic TLS, DL-9 lazy binding: each works in the child
 * although another thread was inside the loader at fork. Fixture libraries
 * (tests/fixtures/) are found next to the binary (../fixtures/).
 *
 * Holders:
 *   uffd-arg:dlopen  dlopen() whose path ends in a userfaultfd page: parks
 *                    with the main loader lock taken (glibc dl_load_lock,
 *                    musl's rwlock plus its thread-creation inhibit lock).
 *   uffd-arg:dlsym   dlsym(RTLD_DEFAULT, name) with the name on the page.
 *   callback:dl_iterate_phdr  holder_park() in the callback: glibc holds
 *                    dl_load_write_lock across callbacks, which fork neither
 *                    takes nor resets. musl holds no lock there (the way does
 *                    not verify), so a stochastic iterating thread decides.
 */
#define _GNU_SOURCE
#include "have.h"
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>
#if HAVE_DL_ITERATE_PHDR
#include <link.h>
#endif

#include "harness/fixture.h"
#include "clauses.h"

/* The whole file needs the dynamic loader's interfaces (tests/probes/). */
#define HAVE_LOADER (HAVE_DLOPEN && HAVE_DL_ITERATE_PHDR && HAVE_DLADDR)
#if HAVE_LOADER
static void *tls_lib, *lazy_lib;
static void *volatile sink;

static void loader_setup(void)
{
	fx_loader_setup();
	fx_path("libmtf_new.so");
	tls_lib = dlopen(fx_path("libmtf_tls.so"), RTLD_NOW);
	lazy_lib = dlopen(fx_path("libmtf_lazy.so"), RTLD_LAZY);
}

static const struct holding dlopen_holding = {
    .name = "loader lock (dlopen)",
    .setup = loader_setup,
    .verify = fx_loader_verify,
    .ways = fx_loader_ways,
};

static void dlsym_on_page(struct hold *h)
{
	*h->edge = 'm';
	sink = dlsym(RTLD_DEFAULT, h->edge);
}

static void fill_symbol(char *page, size_t n)
{
	(void)n;
	strcpy(page, "tfork_no_such_symbol");
}

static void dlopen_needs_lock(void)
{
	sink = dlopen(fx_path("libmtf_a.so"), RTLD_NOW);
}

static const struct holding dlsym_holding = {
    .name = "loader lock (dlsym)",
    .setup = loader_setup,
    .verify = dlopen_needs_lock,
    .ways = (const struct way[]){UFFD_WAY("dlsym", dlsym_on_page, fill_symbol), {0}},
};

static int count_objects(struct dl_phdr_info *i, size_t n, void *a)
{
	(void)n;
	int *c = a;
	c[0]++;
	if (i->dlpi_name && strstr(i->dlpi_name, "libmtf_tls.so"))
		c[1]++;
	return 0;
}

static const struct holding iterate_holding = {
    .name = "object-list lock (dl_iterate_phdr callback)",
    .setup = loader_setup,
    .verify = fx_phdr_verify,
    .ways = fx_phdr_ways,
};

/* --- probes ------------------------------------------------------------ */

static int probe_dlopen_new(struct probe *p)
{
	void *h = dlopen(fx_path("libmtf_new.so"), RTLD_NOW);
	if (!h)
		return probe_wrong(p, "dlopen of a new library returned NULL");
	int *ran = dlsym(h, "fx_new_ctor_ran");
	if (!ran || !*ran)
		return probe_wrong(p, "the new library's constructor did not run");
	return PROBE_OK;
}

static int probe_dlsym(struct probe *p)
{
	pid_t (*gp)(void) = (pid_t(*)(void))dlsym(RTLD_DEFAULT, "getpid");
	if (!gp || gp() != getpid())
		return probe_wrong(p, "dlsym(RTLD_DEFAULT, \"getpid\") did not give getpid");
	void *self = dlopen(0, RTLD_NOW);
	if (!self || dlsym(self, "holder_park") != (void *)holder_park)
		return probe_wrong(p, "dlsym of the executable's own symbol failed");
	if (dlsym(RTLD_DEFAULT, "mtfork_no_such_symbol"))
		return probe_wrong(p, "dlsym of a missing symbol did not return NULL");
#ifdef __GLIBC__
	if (!dlvsym(RTLD_DEFAULT, "memcpy", "GLIBC_2.14"))
		return probe_wrong(p, "dlvsym(memcpy, GLIBC_2.14) returned NULL");
#endif
	return PROBE_OK;
}

static int probe_dlclose(struct probe *p)
{
	if (!tls_lib)
		return probe_wrong(p, "the parent could not load libmtf_tls.so");
	if (dlclose(tls_lib))
		return probe_wrong(p, "dlclose of a handle from before the fork failed");
	void *h = dlopen(fx_path("libmtf_new.so"), RTLD_NOW);
	if (!h)
		return probe_wrong(p, "dlopen of a new library returned NULL");
	if (dlclose(h))
		return probe_wrong(p, "dlclose of a handle from the child failed");
	return PROBE_OK;
}

static int probe_dladdr(struct probe *p)
{
	Dl_info info;
	if (!dladdr((void *)holder_park, &info) || !info.dli_fname || !info.dli_sname ||
	    strcmp(info.dli_sname, "holder_park"))
		return probe_wrong(p, "dladdr did not name holder_park in the executable");
	void *gp = dlsym(RTLD_DEFAULT, "getpid");
	if (!gp || !dladdr(gp, &info) || !info.dli_fname || !*info.dli_fname || !info.dli_sname ||
	    !strstr(info.dli_sname, "getpid"))
		return probe_wrong(p, "dladdr of getpid did not name its object and symbol");
	return PROBE_OK;
}

static int probe_iterate(struct probe *p)
{
	int c[2] = {0, 0};
	dl_iterate_phdr(count_objects, c);
	if (c[0] < 2)
		return probe_wrong_num(p, "dl_iterate_phdr visited too few objects: ", c[0]);
	if (!c[1])
		return probe_wrong(p, "dl_iterate_phdr did not visit libmtf_tls.so");
	return PROBE_OK;
}

static int probe_dlerror(struct probe *p)
{
	dlerror();
	if (dlopen("/nonexistent/mtfork/libnone.so", RTLD_NOW))
		return probe_wrong(p, "dlopen of a missing file returned a handle");
	const char *e = dlerror();
	if (!e || !*e)
		return probe_wrong(p, "dlerror() gave no message after a failed dlopen");
	if (dlerror())
		return probe_wrong(p, "a second dlerror() did not return NULL");
	if (dlsym(RTLD_DEFAULT, "mtfork_no_such_symbol") || !dlerror())
		return probe_wrong(p, "dlerror() gave no message after a failed dlsym");
	return PROBE_OK;
}

static int probe_tls_parent(struct probe *p)
{
	if (!tls_lib)
		return probe_wrong(p, "the parent could not load libmtf_tls.so");
	int *(*addr)(void) = (int *(*)(void))dlsym(tls_lib, "fx_tls_addr");
	char *(*big)(void) = (char *(*)(void))dlsym(tls_lib, "fx_tls_big_addr");
	if (!addr || !big)
		return probe_wrong(p, "dlsym of the TLS accessors failed");
	int *v = addr();
	char *b = big();
	if (!v || *v != 42 || !b || b[0] != 1 || b[8191] != 0)
		return probe_wrong(p, "a dynamic-TLS variable is not initialised in the child");
	*v = 43;
	return addr() == v && *addr() == 43 ? PROBE_OK
	                                    : probe_wrong(p, "the TLS address is not stable");
}

static int probe_tls_new(struct probe *p)
{
	void *h = dlopen(fx_path("libmtf_new.so"), RTLD_NOW);
	if (!h)
		return probe_wrong(p, "dlopen of a new library returned NULL");
	int *(*addr)(void) = (int *(*)(void))dlsym(h, "fx_new_tls_addr");
	if (!addr)
		return probe_wrong(p, "dlsym of fx_new_tls_addr failed");
	int *v = addr();
	return v && *v == 7 ? PROBE_OK
	                    : probe_wrong(p, "the new library's TLS variable is not initialised");
}

static int probe_lazy(struct probe *p)
{
	if (!lazy_lib)
		return probe_wrong(p, "the parent could not load libmtf_lazy.so");
	long (*f)(long) = (long (*)(long))dlsym(lazy_lib, "fx_lazy_labs");
	if (!f)
		return probe_wrong(p, "dlsym of fx_lazy_labs failed");
	return f(-5) == 5 ? PROBE_OK : probe_wrong(p, "a lazily bound call returned a wrong value");
}

#endif

#if !HAVE_DLOPEN
#define NEEDS_LOADER(h, p) MTFORK_NEEDS(0, "dlopen()", h, p)
#elif !HAVE_DL_ITERATE_PHDR
#define NEEDS_LOADER(h, p) MTFORK_NEEDS(0, "dl_iterate_phdr()", h, p)
#elif !HAVE_DLADDR
#define NEEDS_LOADER(h, p) MTFORK_NEEDS(0, "dladdr()", h, p)
#else
#define NEEDS_LOADER(h, p) MTFORK_NEEDS(1, "", h, p)
#endif

static const struct mtcase cases[] = {
    CASE(DL_1, "dlopen", NEEDS_LOADER(&dlopen_holding, probe_dlopen_new)),
    CASE(DL_2, "dlsym", NEEDS_LOADER(&dlopen_holding, probe_dlsym)),
    CASE(DL_2, "dlsym-held-in-dlsym", NEEDS_LOADER(&dlsym_holding, probe_dlsym)),
    CASE(DL_3, "dlclose", NEEDS_LOADER(&dlopen_holding, probe_dlclose)),
    CASE(DL_4, "dladdr", NEEDS_LOADER(&dlopen_holding, probe_dladdr)),
    CASE(DL_5, "dl_iterate_phdr", NEEDS_LOADER(&iterate_holding, probe_iterate)),
    CASE(DL_5, "dl_iterate_phdr-held-in-dlopen", NEEDS_LOADER(&dlopen_holding, probe_iterate)),
    CASE(DL_6, "dlopen", NEEDS_LOADER(&iterate_holding, probe_dlopen_new)),
    CASE(DL_6, "dlclose", NEEDS_LOADER(&iterate_holding, probe_dlclose)),
    CASE(DL_7, "dlerror", NEEDS_LOADER(&dlopen_holding, probe_dlerror)),
    CASE(DL_7, "dlerror-held-in-dlsym", NEEDS_LOADER(&dlsym_holding, probe_dlerror)),
    CASE(DL_8, "tls-loaded-before", NEEDS_LOADER(&dlopen_holding, probe_tls_parent)),
    CASE(DL_8, "tls-loaded-in-child", NEEDS_LOADER(&dlopen_holding, probe_tls_new)),
    CASE(DL_9, "lazy-plt", NEEDS_LOADER(&dlopen_holding, probe_lazy)),
};

MTFORK_MAIN(cases)
