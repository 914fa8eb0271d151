/* SPDX-License-Identifier: MIT */
/*
 * ENV — the environment in the MT-forked child.
 *
 * ENV-1 (spec/env.adoc): setenv, unsetenv and putenv work in the child
 * although another thread held the environment lock at fork. glibc's
 * envlock (stdlib/setenv.c) is neither taken nor reset by fork; musl has no
 * environment lock at all.
 * ENV-2: getenv in the child sees the environment the parent left.
 * ENV-3: clearenv empties it, and setenv then builds a new one.
 *
 * Holder: glibc walks `environ` with envlock taken, so pointing `environ` at
 * a userfaultfd page parks setenv() inside the lock. Where the walk happens
 * without a lock (musl) the verifier reaches the page too, the way does not
 * hold, and the stochastic holder decides.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "harness/mtfork.h"
#include "clauses.h"

extern char **environ;

/* The environment vector as the parent had it, copied into the page. */
static char *saved[256];

static void remember_environment(void)
{
	setenv("MTFORK_PARENT", "parent", 1);
	setenv("MTFORK_DOOMED", "1", 1);
	size_t n = 0;
	for (char **e = environ; *e && n + 1 < sizeof saved / sizeof saved[0]; e++)
		saved[n++] = *e;
	saved[n] = 0;
}

static void fill_with_environment(char *page, size_t size)
{
	memcpy(page, saved, sizeof saved < size ? sizeof saved : size);
}

static void setenv_walks_page(struct hold *h)
{
	environ = (char **)h->page;
	setenv("MTFORK_HOLDER", "1", 1);
}

static void hammer(struct hold *h)
{
	(void)h;
	setenv("MTFORK_HAMMER", "1", 1);
}

static void unsetenv_needs_lock(void)
{
	unsetenv("MTFORK_VERIFIER");
}

static const struct holding env_lock = {
    .name = "environment lock",
    .setup = remember_environment,
    .verify = unsetenv_needs_lock,
    .ways =
        (const struct way[]){
            UFFD_WAY("environ", setenv_walks_page, fill_with_environment),
            STOCHASTIC_WAY("setenv", hammer),
            {0},
        },
};

static int probe_setenv(struct probe *p)
{
	if (setenv("MTFORK_CHILD", "child", 1))
		return probe_wrong(p, "setenv failed");
	const char *v = getenv("MTFORK_CHILD");
	return v && !strcmp(v, "child") ? PROBE_OK : probe_wrong(p, "getenv missed setenv's value");
}

static int probe_unsetenv(struct probe *p)
{
	if (unsetenv("MTFORK_DOOMED"))
		return probe_wrong(p, "unsetenv failed");
	return getenv("MTFORK_DOOMED") ? probe_wrong(p, "variable still set after unsetenv")
	                               : PROBE_OK;
}

static int probe_putenv(struct probe *p)
{
	static char entry[] = "MTFORK_PUT=put";
	if (putenv(entry))
		return probe_wrong(p, "putenv failed");
	const char *v = getenv("MTFORK_PUT");
	return v && !strcmp(v, "put") ? PROBE_OK : probe_wrong(p, "getenv missed putenv's entry");
}

static int probe_getenv(struct probe *p)
{
	const char *v = getenv("MTFORK_PARENT");
	return v && !strcmp(v, "parent") ? PROBE_OK
	                                 : probe_wrong(p, "the parent's MTFORK_PARENT is missing");
}

static int probe_clearenv(struct probe *p)
{
	if (clearenv())
		return probe_wrong(p, "clearenv failed");
	if (getenv("MTFORK_PARENT"))
		return probe_wrong(p, "a variable survived clearenv");
	if (setenv("MTFORK_AFTER", "1", 1) || !getenv("MTFORK_AFTER"))
		return probe_wrong(p, "setenv after clearenv failed");
	return PROBE_OK;
}

static const struct mtcase cases[] = {
    CASE(ENV_1, "setenv", &env_lock, probe_setenv),
    CASE(ENV_1, "unsetenv", &env_lock, probe_unsetenv),
    CASE(ENV_1, "putenv", &env_lock, probe_putenv),
    CASE(ENV_2, "getenv", &env_lock, probe_getenv),
    CASE(ENV_3, "clearenv", &env_lock, probe_clearenv),
};

MTFORK_MAIN(cases)
