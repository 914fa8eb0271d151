/* SPDX-License-Identifier: MIT */
/*
 * Seccomp holders: a helper thread parked in a system call its libc makes
 * with a subsystem's lock taken (see seccomp_hold.h). x86-64, Linux >= 5.5
 * (user notification with "continue"); elsewhere the way never parks and
 * the next is tried.
 *
 * Why a helper and not the holder thread itself: the holder must receive
 * the report and park in holder_park() while the call it reports stays
 * stopped, and a thread stopped in a system call can do neither. The
 * helper is created here, in enter(), when no lock is held yet, so the
 * harness's rule that no thread starts once a lock may be held still holds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"
#include "seccomp_abi.h"
#include "seccomp_hold.h"

#define MATCH_MS 2000 /* the matching report must come within this (scaled) */
#define SERVE_MS 2000 /* after release, the helper's call must return within this */

static struct {
	const struct sc_trap *t;
	atomic_int listener; /* the helper's listener, -1 unavailable */
	atomic_int ready, done, tid;
} H;

/* The helper's filter: the trap's calls reported, everything else allowed. */
static int install(const struct sc_trap *t)
{
#if defined(__x86_64__) && defined(SYS_seccomp)
	struct fx_sock_filter f[12];
	unsigned n = 0, calls = 0;
	while (calls < 4 && t->nr[calls])
		calls++;
	f[n++] = (struct fx_sock_filter)FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 4); /* arch */
	f[n++] = (struct fx_sock_filter)FX_BPF(FX_BPF_JEQ_K, 0, (uint8_t)(calls + 1), 0xc000003eU);
	f[n++] = (struct fx_sock_filter)FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 0); /* nr */
	for (unsigned i = 0; i < calls; i++) /* a match jumps to the report */
		f[n++] = (struct fx_sock_filter)FX_BPF(FX_BPF_JEQ_K, (uint8_t)(calls - i), 0,
		                                       (uint32_t)t->nr[i]);
	f[n++] = (struct fx_sock_filter)FX_BPF(FX_BPF_RET_K, 0, 0, FX_SECCOMP_RET_ALLOW);
	f[n++] = (struct fx_sock_filter)FX_BPF(FX_BPF_RET_K, 0, 0, FX_SECCOMP_RET_USER);
	return calls ? seccomp_install(f, (unsigned short)n, 1) : -1;
#else
	(void)t;
	return -1;
#endif
}

static void *helper_main(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, 0); /* stopped in a call, it must not run handlers */
	H.tid = gettid_();
	H.listener = install(H.t);
	H.ready = 1;
	if (H.listener >= 0)
		H.t->call();
	H.done = 1;
	for (;;) /* its calls are reported no longer once the listener closes */
		pause();
	return 0;
}

const char *sc_path(const struct sc_notice *n)
{
	/* The helper is a thread of this process, stopped in the call: the
	 * arguments point into memory that stays valid while it is. */
	if (n->nr == SC_OPEN)
		return (const char *)(uintptr_t)n->args[0];
	if (n->nr == SC_OPENAT)
		return (const char *)(uintptr_t)n->args[1];
	if (n->nr == SC_CONNECT && n->args[1] &&
	    n->args[2] > offsetof(struct sockaddr_un, sun_path)) {
		const struct sockaddr_un *a = (const void *)(uintptr_t)n->args[1];
		return a->sun_family == AF_UNIX ? a->sun_path : 0;
	}
	return 0;
}

static int matches(const struct sc_trap *t, const struct sc_notice *n)
{
	if (t->path) {
		const char *p = sc_path(n);
		if (!p || !strstr(p, t->path))
			return 0;
	}
	return t->match ? t->match(n) : n->tid == n->helper_tid;
}

/* Next report within ms: 1 (filled in), 0 none. */
static int next_report(int fd, int ms, struct fx_seccomp_notif *raw, struct sc_notice *n)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, ms) <= 0 || !(p.revents & POLLIN))
		return 0;
	memset(raw, 0, sizeof *raw);
	if (ioctl(fd, FX_NOTIF_RECV, raw))
		return 0;
	uint32_t pid;
	int32_t nr;
	memcpy(&pid, raw->rest, sizeof pid);             /* seccomp_notif.pid */
	memcpy(&nr, raw->rest + 8, sizeof nr);           /* .data.nr */
	memcpy(n->args, raw->rest + 24, sizeof n->args); /* .data.args */
	n->nr = nr;
	n->tid = (int)pid;
	n->helper_tid = H.tid;
	return 1;
}

static void answer(int fd, uint64_t id)
{
	struct fx_seccomp_notif_resp r = {
	    .id = id, .val = 0, .error = 0, .flags = FX_SECCOMP_FLAG_CONTINUE};
	ioctl(fd, FX_NOTIF_SEND, &r); /* ENOENT: the caller was interrupted; nothing to do */
}

void seccomp_hold(struct hold *h, const struct sc_trap *t)
{
	(void)h;
	pthread_t th;
	pthread_attr_t a;
	H.t = t;
	H.listener = -1;
	if (pthread_attr_init(&a) || pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED) ||
	    pthread_create(&th, &a, helper_main, 0))
		return;
	pthread_attr_destroy(&a);
	long end = now_ms() + scaled_ms(MATCH_MS);
	while (!H.ready && now_ms() < end)
		sleep_ms(1);
	int fd = H.listener;
	if (fd < 0)
		return; /* no seccomp user notification here */
	struct fx_seccomp_notif raw;
	struct sc_notice n;
	int held = 0;
	while (!held && !H.done && now_ms() < end) {
		if (!next_report(fd, 5, &raw, &n))
			continue;
		held = matches(t, &n);
		if (held)
			holder_park(); /* verified by the harness, forked, released */
		answer(fd, raw.id);
	}
	/* The helper goes on to the end of its call; its later reports (or
	 * its threads') are answered until then. */
	end = now_ms() + scaled_ms(SERVE_MS);
	while (held && !H.done && now_ms() < end)
		if (next_report(fd, 5, &raw, &n))
			answer(fd, raw.id);
	close(fd); /* from now on a reported call fails with ENOSYS */
}
