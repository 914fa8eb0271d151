/* SPDX-License-Identifier: MIT */
/*
 * Every MTFORK_* setting the harness reads, in one struct, read from the
 * environment once (at the first config() call: main, or a constructor
 * that runs before it) and checked once by config_check(), which main runs
 * before any case. README.adoc documents them for users; tools/mtfork sets
 * MTFORK_LIBC itself and checks its own knobs.
 */
#ifndef MTFORK_CONFIG_H
#define MTFORK_CONFIG_H

struct mtfork_config {
	double timeout_mul; /* MTFORK_TIMEOUT_MUL: every time limit times this, 1..1000 */
	int raw_fork;       /* MTFORK_FORK=_Fork: fork with _Fork(), the violating target */
	const char *way;    /* MTFORK_WAY: only ways whose label starts so ("": all) */
	int no_uffd;        /* MTFORK_NO_UFFD=1: no userfaultfd holder, as in a container */
	int no_lockfind;    /* MTFORK_NO_LOCKFIND=1: no lock search for stochastic cases
	                       (to show what it guards) */
	int stoch_floor;    /* MTFORK_STOCH_FLOOR: the stochastic evidence floor, for
	                       measurements only (0: the harness's own) */
	const char *libc;   /* MTFORK_LIBC: "NAME VERSION" of the target's libc ("": ask it) */
	const char *bad;    /* the first setting not understood, as a message, or 0 */
};

/* The settings (read at the first call; never NULL). Only the harness's
 * self-tests change a field, to exercise what it switches. */
struct mtfork_config *config(void);

/* 0, or -1 after one line on stderr naming the bad setting and its fix. */
int config_check(const char *prog);

#endif
