/* SPDX-License-Identifier: MIT */
/*
 * random: glibc's stdlib/random.c guards the one global generator with a
 * static lock that fork neither takes nor resets.  Every public entry point
 * that reaches it: random, srandom (srand is another name for it), initstate,
 * setstate, and rand, which calls random internally (so interposing random
 * alone would miss it).  rand_r, random_r and the drand48 family take no
 * lock.  All critical sections are short and run no application code.
 */
#include "gated.h"

#include <stdlib.h>

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_random = FORKLOCK_GATE_INIT("random");

FORKLOCK_PUBLIC long random(void)
{
	return GATED(&forklock_gate_random, random);
}

FORKLOCK_PUBLIC void srandom(unsigned seed)
{
	GATED_VOID(&forklock_gate_random, srandom, seed);
}

FORKLOCK_PUBLIC void srand(unsigned seed)
{
	GATED_VOID(&forklock_gate_random, srand, seed);
}

FORKLOCK_PUBLIC int rand(void)
{
	return GATED(&forklock_gate_random, rand);
}

FORKLOCK_PUBLIC char *initstate(unsigned seed, char *state, size_t size)
{
	return GATED(&forklock_gate_random, initstate, seed, state, size);
}

FORKLOCK_PUBLIC char *setstate(char *state)
{
	return GATED(&forklock_gate_random, setstate, state);
}
