/* SPDX-License-Identifier: MIT */
/* A one-page userfaultfd trap: the page a holder hands to libc so that libc
 * parks on it, inside its critical section, until the controller fills it. */
#ifndef MTFORK_UFFD_H
#define MTFORK_UFFD_H

#include <stddef.h>
#include <stdint.h>

/* The suite's one way to get a userfaultfd: non-blocking, close-on-exec, its
 * API handshake done with `features` (UFFD_FEATURE_* bits). kernel_too asks
 * for the form that also traps the kernel's own accesses to the range (tried
 * first; the user-mode-only form otherwise, and as the fallback). Returns the
 * descriptor, or -1 with the reason in why (n bytes) when userfaultfd is
 * missing, refused, or disabled by MTFORK_NO_UFFD=1. */
int uffd_open(int kernel_too, uint64_t features, char *why, size_t n);

struct uffd_trap {
	int fd;     /* the userfaultfd, or -1 */
	char *map;  /* two pages: [0] ordinary and touched, [1] registered */
	char *page; /* == map + page_size: the registered page */
	size_t page_size;
	char why[120]; /* why the trap is unavailable, when uffd_trap_open fails */
};

/* 0 on success; -1 when this kernel or sandbox offers no usable userfaultfd
 * (the reason is in t->why). MTFORK_NO_UFFD=1 makes it fail on purpose. */
int uffd_trap_open(struct uffd_trap *t);

/* Wait up to ms for a fault on the page; returns the faulting thread's id,
 * 0 on timeout, -1 on error. */
int uffd_trap_next_fault(struct uffd_trap *t, int ms);

/* Fill the page with content (page_size bytes) and wake every parked thread. */
int uffd_trap_release(struct uffd_trap *t, const void *content);

#endif
