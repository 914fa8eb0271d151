/* SPDX-License-Identifier: MIT */
/* The harness's settings: read once from the environment (config.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static struct mtfork_config cfg;
static char why[200];

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v ? v : "";
}

/* A switch: unset, empty or 0 is off, 1 is on; anything else is an error. */
static int flag(const char *name, const char *meaning)
{
	const char *v = env(name);
	if (!*v || !strcmp(v, "0"))
		return 0;
	if (!strcmp(v, "1"))
		return 1;
	if (!cfg.bad) {
		snprintf(why, sizeof why, "%s=%s is not understood: use %s=1 %s, or 0", name, v,
		         name, meaning);
		cfg.bad = why;
	}
	return 0;
}

static double number(const char *name, double lo, double hi, double dflt)
{
	const char *v = env(name);
	if (!*v)
		return dflt;
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || *end || !(d >= lo) || d > hi) {
		if (!cfg.bad) {
			snprintf(why, sizeof why, "%s=%s is not a number in [%g, %g]", name, v, lo,
			         hi);
			cfg.bad = why;
		}
		return dflt;
	}
	return d;
}

static void read_all(void)
{
	/* below 1 would shrink the limits and turn slow passes into deadlocks */
	cfg.timeout_mul = number("MTFORK_TIMEOUT_MUL", 1, 1000, 1);
	const char *f = env("MTFORK_FORK");
	cfg.raw_fork = !strcmp(f, "_Fork");
	if (*f && !cfg.raw_fork && strcmp(f, "fork") && !cfg.bad) {
		snprintf(
		    why, sizeof why,
		    "MTFORK_FORK=%s is not understood: use MTFORK_FORK=_Fork (fork without the "
		    "libc's locking) or leave it unset",
		    f);
		cfg.bad = why;
	}
	cfg.way = env("MTFORK_WAY");
	cfg.no_uffd = flag("MTFORK_NO_UFFD", "to disable the userfaultfd holders");
	cfg.no_lockfind = flag("MTFORK_NO_LOCKFIND", "to disable the stochastic lock search");
	cfg.stoch_floor = (int)number("MTFORK_STOCH_FLOOR", 0, 1000000, 0);
	cfg.libc = env("MTFORK_LIBC");
}

struct mtfork_config *config(void)
{
	static int done;
	if (!done) {
		done = 1;
		read_all();
	}
	return &cfg;
}

int config_check(const char *prog)
{
	if (!config()->bad)
		return 0;
	fprintf(stderr, "%s: %s\n", prog, cfg.bad);
	return -1;
}
