/* SPDX-License-Identifier: MIT */
/*
 * Seccomp holders (tests/harness/seccomp_hold.c): a deterministic holder that
 * needs no userfaultfd. A helper thread, started by the way's enter(),
 * installs a seccomp filter on itself alone (unprivileged, under
 * no_new_privs) that reports the given system calls to a listener, then
 * makes the libc call. The holder thread answers every report "continue"
 * until one matches (the system call, and the argument naming the file,
 * socket or mapping the libc uses while its lock is taken): the helper is
 * then inside the subsystem with its lock held, the holder parks in
 * holder_park(), and the harness verifies the lock as for any holder. Once
 * released, the matched call continues and the holder answers the helper's
 * later reports until its call returns.
 *
 * Threads the helper creates (glibc's timer and aio helper threads) inherit
 * the filter: match() decides whose call counts. The forking thread has no
 * filter, so neither has the MT-forked child.
 */
#ifndef MTFORK_SECCOMP_HOLD_H
#define MTFORK_SECCOMP_HOLD_H

#include <stdint.h>

#include "mtfork.h"

/* x86-64 system call numbers the holders trap (musl-gcc has no kernel
 * headers for <asm/unistd.h>'s names everywhere). */
enum {
	SC_MMAP = 9,
	SC_BRK = 12,
	SC_MUNMAP = 11,
	SC_OPEN = 2,
	SC_SOCKET = 41,
	SC_CONNECT = 42,
	SC_CLONE = 56,
	SC_OPENAT = 257,
	SC_CLONE3 = 435,
};

/* One reported system call. */
struct sc_notice {
	int nr;
	int tid;        /* the thread that made it */
	int helper_tid; /* the thread making the libc call */
	uint64_t args[6];
};

struct sc_trap {
	int nr[4]; /* the system calls reported; unused entries 0 */
	/* The call made under the lock names a path containing this (open,
	 * openat: the file; connect: an AF_UNIX socket's), or NULL. */
	const char *path;
	/* And this decides (1: the call made under the lock); NULL: the
	 * helper's own call. */
	int (*match)(const struct sc_notice *n);
	void (*call)(void); /* the libc call, in the helper thread */
};

/* The way's enter(): see above. Returns without parking when seccomp user
 * notification is unavailable, or the call returned (or 2 s passed, scaled)
 * without a matching report: the harness then tries the next way. */
void seccomp_hold(struct hold *h, const struct sc_trap *t);

/* The path an open, openat or (AF_UNIX) connect report names, or NULL. */
const char *sc_path(const struct sc_notice *n);

#endif
