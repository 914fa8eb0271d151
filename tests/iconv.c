/* SPDX-License-Identifier: MIT */
/*
 * ICONV — character conversion in the MT-forked child (spec/iconv.adoc).
 *
 * ICONV-1: iconv_open, iconv and iconv_close work in the child although
 * another thread held the conversion database lock at fork; ICONV-2: a
 * descriptor the parent opened is used and closed in the child; ICONV-3
 * (SHOULD): iconv_open loads a conversion module not loaded before the
 * fork (skipped where conversions are built in: musl).
 * glibc's __gconv_lock (iconv/gconv_db.c) is neither taken nor reset by
 * fork. musl's converters are built in and iconv_open takes no lock: no
 * holder can be verified there and the stochastic one decides.
 *
 * Holder: iconv_open copies its names before locking, so a guarded stack
 * parks a thread inside iconv_open()/iconv_close() (glibc); a thread doing
 * the same while forks repeat is the fallback. Without userfaultfd (glibc),
 * iconv_open() stopped in the open of a conversion module it loads under
 * the lock (seccomp user notification).
 */
#define _GNU_SOURCE
#include <iconv.h>
#include <string.h>

#include "harness/mtfork.h"
#include "harness/seccomp_hold.h"
#include "clauses.h"

static iconv_t parents = (iconv_t)-1;

static void open_in_parent(void)
{
	parents = iconv_open("UTF-16LE", "UTF-8");
}

static void open_and_close(struct hold *h)
{
	(void)h;
	iconv_t cd = iconv_open("UTF-32BE", "UTF-8");
	if (cd != (iconv_t)-1)
		iconv_close(cd);
}

static void iconv_open_needs_lock(void)
{
	iconv_t cd = iconv_open("UCS-2LE", "UTF-8");
	if (cd != (iconv_t)-1)
		iconv_close(cd);
}

#ifdef __GLIBC__
/* The seccomp holder: glibc loads a conversion module with the database
 * lock taken (__gconv_find_transform); its open is stopped by a seccomp
 * user notification. KOI8-R: a module no probe loads. */
static void open_koi8r(void)
{
	iconv_t cd = iconv_open("KOI8-R", "UTF-8");
	if (cd != (iconv_t)-1)
		iconv_close(cd);
}

static const struct sc_trap module_open = {
    .nr = {SC_OPEN, SC_OPENAT}, .path = "/KOI8-R.so", .call = open_koi8r};

static void loading_module(struct hold *h)
{
	seccomp_hold(h, &module_open);
}
#endif

static const struct holding gconv_lock = {
    .name = "conversion database lock",
    .setup = open_in_parent,
    .verify = iconv_open_needs_lock,
    .ways =
        (const struct way[]){
            STACK_WAY("iconv_open", open_and_close),
#ifdef __GLIBC__
            SECCOMP_CALL_WAY("iconv_open", loading_module),
#endif
            STOCHASTIC_WAY("iconv_open", open_and_close),
            {0},
        },
};

/* "h\xc3\xa9" (hé) to UTF-16LE is 68 00 e9 00. */
static int convert(struct probe *p, iconv_t cd)
{
	char in[] = "h\xc3\xa9", out[8] = {0};
	char *ip = in, *op = out;
	size_t il = 3, ol = sizeof out;
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
		return probe_wrong(p, "iconv failed");
	if (il || sizeof out - ol != 4 || memcmp(out, "h\0\xe9\0", 4))
		return probe_wrong(p, "iconv converted wrongly");
	return PROBE_OK;
}

static int probe_iconv_open(struct probe *p)
{
	iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
	if (cd == (iconv_t)-1)
		return probe_wrong(p, "iconv_open(UTF-16LE, UTF-8) failed");
	int r = convert(p, cd);
	if (iconv_close(cd))
		return probe_wrong(p, "iconv_close failed");
	return r;
}

static int probe_parents_descriptor(struct probe *p)
{
	if (parents == (iconv_t)-1)
		return probe_wrong(p, "the parent's iconv_open failed");
	int r = convert(p, parents);
	if (iconv_close(parents))
		return probe_wrong(p, "iconv_close of the parent's descriptor failed");
	return r;
}

static int probe_load_module(struct probe *p)
{
#ifdef __GLIBC__
	/* ISO-8859-15 lives in a gconv module no one loaded before the fork. */
	iconv_t cd = iconv_open("ISO-8859-15", "UTF-8");
	if (cd == (iconv_t)-1)
		return probe_wrong(p, "iconv_open(ISO-8859-15) failed");
	char in[] = "\xe2\x82\xac", out[4] = {0}; /* the euro sign is 0xa4 there */
	char *ip = in, *op = out;
	size_t il = 3, ol = sizeof out;
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || (unsigned char)out[0] != 0xa4)
		return probe_wrong(p, "ISO-8859-15 conversion is wrong");
	return iconv_close(cd) ? probe_wrong(p, "iconv_close failed") : PROBE_OK;
#else
	return probe_skip(p, "conversions are built in: no module to load");
#endif
}

static const struct mtcase cases[] = {
    CASE(ICONV_1, "iconv_open", &gconv_lock, probe_iconv_open),
    CASE(ICONV_2, "parents-descriptor", &gconv_lock, probe_parents_descriptor),
    CASE(ICONV_3, "load-module", &gconv_lock, probe_load_module),
};

MTFORK_MAIN(cases)
