/* SPDX-License-Identifier: MIT */
/*
 * Finding the lock a stochastic hammer takes, so that each fork can be
 * checked for it: the verifier thread, alone, installs a seccomp filter that
 * reports its own untimed private futex waits to the controller (user
 * notification, answered at once with "continue"). While the verifier calls
 * the holding's verify() in a loop against the hammer, the first contended
 * wait names the futex word of the lock both need. A forked child then reads
 * that word in its snapshot: nonzero means the lock was held at fork.
 *
 * Unprivileged (no_new_privs, set on the verifier thread only); x86-64 with
 * seccomp user notification (Linux >= 5.5 for "continue"). Elsewhere the
 * lock is not found and the stochastic holder has no evidence of holding.
 */
#define _GNU_SOURCE
#include "have.h"
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <stdint.h>
#include "sysno.h"
#include <unistd.h>

#include "harness.h"
#include "seccomp_abi.h"

int lockfind_install(void)
{
	if (config()->no_lockfind) /* to show what it guards */
		return -1;
#if HAVE_SYSCALL && defined(__x86_64__) && defined(SYS_seccomp)
	struct fx_sock_filter f[] = {
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 4),         /* arch */
	    FX_BPF(FX_BPF_JEQ_K, 0, 10, 0xc000003eU), /* AUDIT_ARCH_X86_64 */
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 0),         /* nr */
	    FX_BPF(FX_BPF_JEQ_K, 0, 8, 202),          /* futex */
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 24),        /* args[1]: op */
	    FX_BPF(FX_BPF_JEQ_K, 1, 0, 128),          /* FUTEX_WAIT_PRIVATE */
	    FX_BPF(FX_BPF_JEQ_K, 0, 5, 137),          /* FUTEX_WAIT_BITSET_PRIVATE */
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 40),        /* args[3]: no timeout */
	    FX_BPF(FX_BPF_JEQ_K, 0, 3, 0),
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 44),
	    FX_BPF(FX_BPF_JEQ_K, 0, 1, 0),
	    FX_BPF(FX_BPF_RET_K, 0, 0, FX_SECCOMP_RET_USER),
	    FX_BPF(FX_BPF_RET_K, 0, 0, FX_SECCOMP_RET_ALLOW),
	};
	return seccomp_install(f, sizeof f / sizeof f[0], 1);
#else
	return -1;
#endif
}

/* The forker's filter: only its waits on the found lock's word. A child
 * inherits it (and no_new_privs): its waits on that word are reported too,
 * and the judge answers them (its hook: watch_service), so they behave as before. */
int lockfind_watch(unsigned long addr)
{
	if (config()->no_lockfind) /* to show what it guards */
		return -1;
#if HAVE_SYSCALL && defined(__x86_64__) && defined(SYS_seccomp)
	struct fx_sock_filter f[] = {
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 4),
	    FX_BPF(FX_BPF_JEQ_K, 0, 9, 0xc000003eU),
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 0),
	    FX_BPF(FX_BPF_JEQ_K, 0, 7, 202),
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 24),
	    FX_BPF(FX_BPF_JEQ_K, 1, 0, 128),
	    FX_BPF(FX_BPF_JEQ_K, 0, 4, 137),
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 16), /* args[0], low half */
	    FX_BPF(FX_BPF_JEQ_K, 0, 2, (uint32_t)addr),
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 20), /* ... high half */
	    FX_BPF(FX_BPF_JEQ_K, 1, 0, (uint32_t)(addr >> 32)),
	    FX_BPF(FX_BPF_RET_K, 0, 0, FX_SECCOMP_RET_ALLOW),
	    FX_BPF(FX_BPF_RET_K, 0, 0, FX_SECCOMP_RET_USER),
	};
	return seccomp_install(f, sizeof f / sizeof f[0], 1);
#else
	(void)addr;
	return -1;
#endif
}

unsigned long lockfind_next(int fd, int ms)
{
	return lockfind_next_tid(fd, ms, 0);
}

unsigned long lockfind_next_tid(int fd, int ms, int *tid)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (fd < 0 || poll(&p, 1, ms) <= 0 || !(p.revents & POLLIN))
		return 0;
	struct fx_seccomp_notif n;
	memset(&n, 0, sizeof n);
	if (ioctl(fd, FX_NOTIF_RECV, &n))
		return 0;
	unsigned long addr;
	memcpy(&addr, n.rest + 24, sizeof addr); /* data.args[0] */
	if (tid) {
		uint32_t t;
		memcpy(&t, n.rest, sizeof t); /* pid: the waiting thread */
		*tid = (int)t;
	}
	struct fx_seccomp_notif_resp r = {
	    .id = n.id, .val = 0, .error = 0, .flags = FX_SECCOMP_FLAG_CONTINUE};
	if (ioctl(fd, FX_NOTIF_SEND, &r))
		return 0;
	return addr;
}
