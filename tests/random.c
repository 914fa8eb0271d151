/*
 * RANDOM — the random() generator in the MT-forked child.
 *
 * Clause RANDOM-1 (spec/random.adoc): random, srandom, rand, initstate and
 * setstate work in the child although another thread held the generator's
 * internal lock at fork. glibc guards the generator with a lock fork neither
 * takes nor resets (stdlib/random.c); musl takes its lock around fork.
 *
 * Holder: initstate() with its state buffer on a userfaultfd page — both
 * libcs write the buffer with the lock taken, so the holder parks inside.
 * Fallback: a thread hammering random() while forks repeat.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "lib/mtfork.h"

static void initstate_on_page(struct hold *h)
{
	initstate(1, h->page, 128);
}

static void hammer(struct hold *h)
{
	(void)h;
	random();
}

static void random_needs_lock(void)
{
	random();
}

static const struct holding random_lock = {
    .name = "random generator lock",
    .verify = random_needs_lock,
    .ways =
        (const struct way[]){
            {"uffd-arg:initstate", WAY_UFFD, initstate_on_page, 0},
            {"stochastic:random", WAY_STOCHASTIC, hammer, 0},
            {0},
        },
};

static int probe_random(struct probe *p)
{
	return random() >= 0 ? PROBE_OK : probe_wrong(p, "random() returned a negative value");
}

static int probe_srandom(struct probe *p)
{
	srandom(42);
	long a = random();
	srandom(42);
	return random() == a ? PROBE_OK
	                     : probe_wrong(p, "srandom(42) did not restart the sequence");
}

static int probe_rand(struct probe *p)
{
	return rand() >= 0 ? PROBE_OK : probe_wrong(p, "rand() returned a negative value");
}

static int probe_initstate(struct probe *p)
{
	static char state[64];
	return initstate(7, state, sizeof state) ? PROBE_OK
	                                         : probe_wrong(p, "initstate returned NULL");
}

static int probe_setstate(struct probe *p)
{
	static char mine[64];
	char *old = initstate(7, mine, sizeof mine);
	if (!old)
		return probe_wrong(p, "initstate returned NULL");
	return setstate(old) == mine ? PROBE_OK
	                             : probe_wrong(p, "setstate did not return the current state");
}

static const struct mtcase cases[] = {
    {"RANDOM-1.random", "RANDOM-1", MUST, &random_lock, probe_random},
    {"RANDOM-1.srandom", "RANDOM-1", MUST, &random_lock, probe_srandom},
    {"RANDOM-1.rand", "RANDOM-1", MUST, &random_lock, probe_rand},
    {"RANDOM-1.initstate", "RANDOM-1", MUST, &random_lock, probe_initstate},
    {"RANDOM-1.setstate", "RANDOM-1", MUST, &random_lock, probe_setstate},
};

MTFORK_MAIN(cases)
