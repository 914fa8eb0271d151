/* SPDX-License-Identifier: MIT */
/*
 * TIME — timezone and time conversion in the MT-forked child.
 *
 * TIME-1 (spec/time.adoc): localtime, localtime_r, gmtime, gmtime_r, ctime
 * and ctime_r work in the child although another thread held the timezone
 * lock at fork. TIME-2: mktime, tzset and strftime (%Z, %z). TIME-3: the
 * child can change TZ and see the new zone. TIME-4: time, clock_gettime and
 * gettimeofday (no lock on either libc here; the case guards against a libc
 * that resolves its clock source lazily under a lock).
 * glibc's tzset_lock (time/tzset.c) is neither taken nor reset by fork, and
 * gmtime goes through the same locked __tz_convert; musl takes its timezone
 * lock (src/time/__tz.c) around fork.
 *
 * TZ is a POSIX rule string (no zone file is read), so results are exact.
 * Holders: localtime_r() with its result struct on a userfaultfd page (both
 * libcs write it with the lock taken); then a guarded stack under
 * localtime_r(); then, without userfaultfd, tzset() stopped in the open of
 * a zone file by a seccomp user notification; then a thread hammering
 * localtime_r() while forks repeat.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "harness/mtfork.h"
#include "harness/seccomp_hold.h"
#include "clauses.h"

#define ZONE "CET-1CEST,M3.5.0,M10.5.0/3"

static void set_zone(void)
{
	setenv("TZ", ZONE, 1);
	tzset();
}

static void localtime_r_into_page(struct hold *h)
{
	time_t t = 0;
	localtime_r(&t, (struct tm *)h->page);
}

/* The seccomp holder: tzset() reading a zone file TZ names for the first
 * time opens it with the timezone lock taken (both libcs). The file is a
 * memfd reached through /proc/self/fd (nothing left in any file system):
 * TZif version 2, no transitions, one type (CET, +1 h), and the footer
 * rule ZONE, so every probe's result is the same as with TZ=ZONE. */
static char zone_file[40];

static void tzset_zone_file(void)
{
	static const unsigned char head[] = {
	    'T', 'Z', 'i', 'f', '2', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0,   0,   0,   0,   0,   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* utc, std, leap, time */
	    0,   0,   0,   1,   0,   0, 0, 4};                           /* 1 type, 4 chars */
	static const unsigned char body[] = {0, 0, 0x0e, 0x10, 0, 0, 'C', 'E', 'T', 0};
	static const char foot[] = "\n" ZONE "\n";
	int fd = memfd_create("mtfork-zone", 0);
	if (fd < 0)
		return;
	for (int v = 0; v < 2; v++) /* the version 1 block, then version 2's */
		if (write(fd, head, sizeof head) != sizeof head ||
		    write(fd, body, sizeof body) != sizeof body)
			return;
	if (write(fd, foot, sizeof foot - 1) != sizeof foot - 1)
		return;
	snprintf(zone_file, sizeof zone_file, "/proc/self/fd/%d", fd);
	setenv("TZ", zone_file, 1);
	tzset();
}

static const struct sc_trap zone_file_open = {
    .nr = {SC_OPEN, SC_OPENAT}, .path = "/proc/self/fd/", .call = tzset_zone_file};

static void tzset_opening_file(struct hold *h)
{
	seccomp_hold(h, &zone_file_open);
}

static void localtime_r_on_stack(struct hold *h)
{
	(void)h;
	time_t t = 86400 * 200; /* a summer day: the DST rule is evaluated */
	struct tm tm;
	localtime_r(&t, &tm);
}

static void convert(void)
{
	time_t t = 0;
	struct tm tm;
	localtime_r(&t, &tm);
}

static void hammer(struct hold *h)
{
	(void)h;
	convert();
}

static const struct holding tz_lock = {
    .name = "timezone lock",
    .setup = set_zone,
    .verify = convert,
    .ways =
        (const struct way[]){
            UFFD_WAY("localtime_r", localtime_r_into_page, 0),
            STACK_WAY("localtime_r", localtime_r_on_stack),
            SECCOMP_CALL_WAY("tzset", tzset_opening_file),
            STOCHASTIC_WAY("localtime_r", hammer),
            {0},
        },
};

/* 1970-01-01 00:00:00 UTC is 01:00:00 CET. */
static int check_tm(struct probe *p, const struct tm *tm, int hour)
{
	if (!tm)
		return probe_wrong(p, "the conversion returned NULL");
	if (tm->tm_year != 70 || tm->tm_mon != 0 || tm->tm_mday != 1 || tm->tm_min != 0)
		return probe_wrong(p, "wrong date for time 0");
	if (tm->tm_hour != hour)
		return probe_wrong_num(p, "wrong hour for time 0: ", tm->tm_hour);
	return PROBE_OK;
}

static int probe_localtime(struct probe *p)
{
	time_t t = 0;
	return check_tm(p, localtime(&t), 1);
}

static int probe_localtime_r(struct probe *p)
{
	time_t t = 0;
	struct tm tm;
	return check_tm(p, localtime_r(&t, &tm), 1);
}

static int probe_gmtime(struct probe *p)
{
	time_t t = 0;
	return check_tm(p, gmtime(&t), 0);
}

static int probe_gmtime_r(struct probe *p)
{
	time_t t = 0;
	struct tm tm;
	return check_tm(p, gmtime_r(&t, &tm), 0);
}

static int check_ctime(struct probe *p, const char *s)
{
	if (!s)
		return probe_wrong(p, "ctime returned NULL");
	return strcmp(s, "Thu Jan  1 01:00:00 1970\n") ? probe_wrong(p, "ctime: wrong string")
	                                               : PROBE_OK;
}

static int probe_ctime(struct probe *p)
{
	time_t t = 0;
	return check_ctime(p, ctime(&t));
}

static int probe_ctime_r(struct probe *p)
{
	time_t t = 0;
	char buf[32];
	return check_ctime(p, ctime_r(&t, buf));
}

static int probe_mktime(struct probe *p)
{
	struct tm tm = {.tm_year = 70, .tm_mday = 1, .tm_hour = 1, .tm_isdst = -1};
	time_t t = mktime(&tm);
	return t == 0 ? PROBE_OK : probe_wrong_num(p, "mktime(1970-01-01 01:00 CET) gave ", t);
}

static int probe_tzset(struct probe *p)
{
	tzset();
	return timezone == -3600 ? PROBE_OK
	                         : probe_wrong_num(p, "timezone after tzset() is ", timezone);
}

static int probe_strftime(struct probe *p)
{
	time_t t = 0;
	struct tm tm;
	char buf[64];
	if (!localtime_r(&t, &tm))
		return probe_wrong(p, "localtime_r returned NULL");
	if (!strftime(buf, sizeof buf, "%H %Z %z", &tm))
		return probe_wrong(p, "strftime returned 0");
	return strcmp(buf, "01 CET +0100") ? probe_wrong(p, "strftime: wrong %H %Z %z") : PROBE_OK;
}

static int probe_new_zone(struct probe *p)
{
	time_t t = 0;
	struct tm tm;
	char buf[16];
	if (setenv("TZ", "XYZ-5", 1))
		return probe_wrong(p, "setenv(TZ) failed");
	tzset();
	if (!localtime_r(&t, &tm) || tm.tm_hour != 5)
		return probe_wrong(p, "localtime_r ignored the new TZ");
	if (!strftime(buf, sizeof buf, "%Z", &tm) || strcmp(buf, "XYZ"))
		return probe_wrong(p, "strftime %Z ignored the new TZ");
	return PROBE_OK;
}

static int probe_clocks(struct probe *p)
{
	struct timespec ts;
	struct timeval tv;
	time_t a = time(0);
	if (clock_gettime(CLOCK_REALTIME, &ts) || gettimeofday(&tv, 0))
		return probe_wrong(p, "clock_gettime or gettimeofday failed");
	time_t b = time(0);
	if (a < 1600000000 || b < a || ts.tv_sec < a || ts.tv_sec > b + 1 || tv.tv_sec < a ||
	    tv.tv_sec > b + 1)
		return probe_wrong(p, "the clocks disagree");
	return clock_gettime(CLOCK_MONOTONIC, &ts) ? probe_wrong(p, "CLOCK_MONOTONIC failed")
	                                           : PROBE_OK;
}

static const struct mtcase cases[] = {
    CASE(TIME_1, "localtime", &tz_lock, probe_localtime),
    CASE(TIME_1, "localtime_r", &tz_lock, probe_localtime_r),
    CASE(TIME_1, "gmtime", &tz_lock, probe_gmtime),
    CASE(TIME_1, "gmtime_r", &tz_lock, probe_gmtime_r),
    CASE(TIME_1, "ctime", &tz_lock, probe_ctime),
    CASE(TIME_1, "ctime_r", &tz_lock, probe_ctime_r),
    CASE(TIME_2, "mktime", &tz_lock, probe_mktime),
    CASE(TIME_2, "tzset", &tz_lock, probe_tzset),
    CASE(TIME_2, "strftime", &tz_lock, probe_strftime),
    CASE(TIME_3, "setenv-tzset", &tz_lock, probe_new_zone),
    CASE(TIME_4, "clocks", &tz_lock, probe_clocks),
};

MTFORK_MAIN(cases)
