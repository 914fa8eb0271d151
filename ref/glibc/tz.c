/* SPDX-License-Identifier: MIT */
/*
 * tz: glibc's time/tzset.c guards the time zone state with tzset_lock, which
 * fork neither takes nor resets.  Entry points that reach it: tzset; the
 * conversions through __tz_convert, which lock even for UTC (localtime,
 * localtime_r, gmtime, gmtime_r, ctime, ctime_r); mktime/timelocal and timegm
 * (through tzset and the conversions); strftime and friends (tzset for %Z
 * without tm_zone, mktime for %s); strptime (%s converts).  getdate is left
 * open: it reads the file named by DATEMSK, which may block for as long as
 * the application likes, and fork must never wait for that.
 */
#include "gated.h"

#include <time.h>
#include <wchar.h>

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_tz = FORKLOCK_GATE_INIT("tz");

FORKLOCK_PUBLIC void tzset(void)
{
	GATED_VOID(&forklock_gate_tz, tzset);
}

FORKLOCK_PUBLIC struct tm *localtime(const time_t *when)
{
	return GATED(&forklock_gate_tz, localtime, when);
}

FORKLOCK_PUBLIC struct tm *localtime_r(const time_t *when, struct tm *result)
{
	return GATED(&forklock_gate_tz, localtime_r, when, result);
}

FORKLOCK_PUBLIC struct tm *gmtime(const time_t *when)
{
	return GATED(&forklock_gate_tz, gmtime, when);
}

FORKLOCK_PUBLIC struct tm *gmtime_r(const time_t *when, struct tm *result)
{
	return GATED(&forklock_gate_tz, gmtime_r, when, result);
}

FORKLOCK_PUBLIC char *ctime(const time_t *when)
{
	return GATED(&forklock_gate_tz, ctime, when);
}

FORKLOCK_PUBLIC char *ctime_r(const time_t *when, char *buf)
{
	return GATED(&forklock_gate_tz, ctime_r, when, buf);
}

FORKLOCK_PUBLIC time_t mktime(struct tm *tm)
{
	return GATED(&forklock_gate_tz, mktime, tm);
}

FORKLOCK_PUBLIC time_t timelocal(struct tm *tm)
{
	return GATED(&forklock_gate_tz, timelocal, tm);
}

FORKLOCK_PUBLIC time_t timegm(struct tm *tm)
{
	return GATED(&forklock_gate_tz, timegm, tm);
}

FORKLOCK_PUBLIC size_t strftime(char *s, size_t max, const char *format, const struct tm *tm)
{
	return GATED(&forklock_gate_tz, strftime, s, max, format, tm);
}

FORKLOCK_PUBLIC size_t strftime_l(char *s, size_t max, const char *format, const struct tm *tm,
                                  locale_t loc)
{
	return GATED(&forklock_gate_tz, strftime_l, s, max, format, tm, loc);
}

FORKLOCK_PUBLIC size_t wcsftime(wchar_t *s, size_t max, const wchar_t *format, const struct tm *tm)
{
	return GATED(&forklock_gate_tz, wcsftime, s, max, format, tm);
}

FORKLOCK_PUBLIC size_t wcsftime_l(wchar_t *s, size_t max, const wchar_t *format,
                                  const struct tm *tm, locale_t loc)
{
	return GATED(&forklock_gate_tz, wcsftime_l, s, max, format, tm, loc);
}

FORKLOCK_PUBLIC char *strptime(const char *s, const char *format, struct tm *tm)
{
	return GATED(&forklock_gate_tz, strptime, s, format, tm);
}
