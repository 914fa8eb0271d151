/* SPDX-License-Identifier: MIT */
/*
 * RANDOM — the random() generator in the MT-forked child.
 *
 * Clause RANDOM-1 (spec/random.adoc): random, srandom, rand, initstate and
 * setstate work in the child although another thread held the generator's
 * internal lock at fork. glibc guards the generator with a lock fork neither
 * takes nor resets (stdlib/random.c); musl takes its lock around fork.
 *
 * RANDOM-2: the child's state is the one before or the one after the
 * interrupted initstate(), never a mixture: the child's first random() must
 * be the first value of one of the two sequences (computed before holding).
 * RANDOM-3 (SHOULD): arc4random works in the child, and the child's output
 * differs from that of its own fork child (no state shared across fork).
 *
 * Holder: initstate() with its state buffer on a userfaultfd page — both
 * libcs write the buffer with the lock taken, so the holder parks inside.
 * Fallback: a thread hammering random() while forks repeat (not for
 * RANDOM-2, whose expected values a hammer would make unknowable).
 * arc4random is looked up weakly: a libc without it skips RANDOM-3.
 */
#define _GNU_SOURCE
#include "have.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/mtfork.h"
#include "clauses.h"

/* Every case needs random() and its relatives (tests/probes/initstate.c). */
#define NEEDS_RANDOM(holding, probe)                                                               \
	MTFORK_NEEDS(HAVE_INITSTATE, "random(), srandom(), initstate() or setstate()", holding,    \
	             probe)

#if HAVE_INITSTATE
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
            UFFD_WAY("initstate", initstate_on_page, 0),
            STOCHASTIC_WAY("random", hammer),
            {0},
        },
};

static long old_first, new_first;

/* The first random() after the holder's initstate(1, ., 128), and the first
 * one of the sequence in force before it. */
static void learn_both_sequences(void)
{
	static char scratch[128];
	char *before = initstate(1, scratch, sizeof scratch);
	new_first = random();
	setstate(before);
	srandom(12345);
	old_first = random();
	srandom(12345);
}

/* Takes the lock like random(), but leaves the generator where the holder's
 * initstate() leaves it (seed 1, size 128), whichever of the two runs last:
 * a verifier that drew a value would move the sequence under test. */
static void reinitialise_like_the_holder(void)
{
	static char mine[128];
	initstate(1, mine, sizeof mine);
}

static const struct holding random_lock_known_sequences = {
    .name = "random generator lock",
    .setup = learn_both_sequences,
    .verify = reinitialise_like_the_holder,
    .ways =
        (const struct way[]){
            UFFD_WAY("initstate", initstate_on_page, 0),
            {0},
        },
};

uint32_t arc4random(void) __attribute__((weak));
void arc4random_buf(void *buf, size_t n) __attribute__((weak));
uint32_t arc4random_uniform(uint32_t bound) __attribute__((weak));

static void hammer_arc4random(struct hold *h)
{
	(void)h;
	if (arc4random)
		arc4random();
}

static const struct holding arc4random_state = {
    .name = "arc4random state",
    .verify = random_needs_lock,
    .ways =
        (const struct way[]){
            STOCHASTIC_WAY("arc4random", hammer_arc4random),
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

static int probe_state_not_mixed(struct probe *p)
{
	long first = random();
	if (first == old_first || first == new_first)
		return PROBE_OK;
	return probe_wrong_num(p, "random() continued neither sequence: ", first);
}

static int probe_arc4random(struct probe *p)
{
	if (!arc4random || !arc4random_buf || !arc4random_uniform)
		return probe_skip(p, "this libc has no arc4random");
	if (arc4random_uniform(10) >= 10)
		return probe_wrong(p, "arc4random_uniform(10) out of range");
	int fd[2];
	if (pipe(fd))
		return probe_wrong(p, "pipe failed");
	pid_t pid = fork();
	if (pid < 0)
		return probe_wrong(p, "fork in the child failed");
	unsigned char mine[16], theirs[16];
	arc4random_buf(mine, sizeof mine);
	if (pid == 0) {
		_exit(write(fd[1], mine, sizeof mine) == sizeof mine ? 0 : 1);
	}
	ssize_t n = read(fd[0], theirs, sizeof theirs);
	waitpid(pid, 0, 0);
	close(fd[0]);
	close(fd[1]);
	if (n != sizeof theirs)
		return probe_wrong(p, "the child's own fork child did not report");
	return memcmp(mine, theirs, sizeof mine)
	           ? PROBE_OK
	           : probe_wrong(p, "a fork child repeated its parent's arc4random output");
}

#endif

static const struct mtcase cases[] = {
    CASE(RANDOM_1, "random", NEEDS_RANDOM(&random_lock, probe_random)),
    CASE(RANDOM_1, "srandom", NEEDS_RANDOM(&random_lock, probe_srandom)),
    CASE(RANDOM_1, "rand", NEEDS_RANDOM(&random_lock, probe_rand)),
    CASE(RANDOM_1, "initstate", NEEDS_RANDOM(&random_lock, probe_initstate)),
    CASE(RANDOM_1, "setstate", NEEDS_RANDOM(&random_lock, probe_setstate)),
    CASE(RANDOM_2, "not-mixed", NEEDS_RANDOM(&random_lock_known_sequences, probe_state_not_mixed)),
    CASE(RANDOM_3, "arc4random", NEEDS_RANDOM(&arc4random_state, probe_arc4random)),
};

MTFORK_MAIN(cases)
