/* SPDX-License-Identifier: MIT */
/*
 * The one TAP writer of the C test programs: the harness self-tests
 * (tests/self/selftest.c) and libforklock's unit tests (ref/tests/). One
 * result line per test, numbered here, and the plan at the end. Header-only:
 * the two are built apart (the suite per target, the reference once). The
 * test binaries' case lines are a view of their records (tests/harness/main.c).
 */
#ifndef MTFORK_TAP_H
#define MTFORK_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int tap_count, tap_failures;

/* One test: "ok N - DESCRIPTION" when pass, else "not ok ..." (counted).
 * Returns pass, so a caller can add diagnostics to a failure. */
__attribute__((format(printf, 2, 3))) static inline bool ok(bool pass, const char *format, ...)
{
	va_list args;

	printf("%sok %d - ", pass ? "" : "not ", ++tap_count);
	va_start(args, format);
	vprintf(format, args);
	va_end(args);
	printf("\n");
	fflush(stdout);
	if (!pass)
		tap_failures++;
	return pass;
}

/* One test that could not run here, with the reason. */
static inline void tap_skip(const char *description, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_count, description, why);
	fflush(stdout);
}

/* The plan; the exit status of the program (0 when no test failed). */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	fflush(stdout);
	return tap_failures ? 1 : 0;
}

#endif
