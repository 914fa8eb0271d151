/* SPDX-License-Identifier: MIT */
/*
 * Holding a thread inside process creation: a helper thread, created by the
 * holding's setup, installs (for itself only) a seccomp filter that turns
 * execve() into a user notification, then calls posix_spawn(), system() or
 * popen(). The vfork-style child those functions create stops in execve(),
 * and the helper stays inside the libc function, between the clone and the
 * exec, with whatever lock the function holds there: musl's abort lock
 * (posix_spawn, and so system and popen), glibc 2.36's list of popen streams.
 * The holder thread receives the notification (proof that the helper got
 * that far), parks in holder_park(), and once released lets the exec go on.
 *
 * Needs seccomp user notification (Linux >= 5.0, x86-64 here); where it is
 * missing the holder returns without parking and the next way is tried.
 * Commands run: /bin/true, and "true" through /bin/sh (a shell builtin: an
 * exec inside the shell would stop for good, since nobody answers).
 */
#define _GNU_SOURCE
#include "have.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include "sysno.h"
#include <sys/wait.h>
#include <unistd.h>
#if HAVE_POSIX_SPAWN
#include <spawn.h>
#endif

#include "fixture.h"
#include "harness.h"

extern char **environ;

enum fx_spawn_what { FX_SPAWN, FX_SYSTEM, FX_POPEN };

#include "seccomp_abi.h"

static struct {
	enum fx_spawn_what what;
	int go[2];
	atomic_int listener; /* the listener, or -1: unavailable */
	atomic_int ready;
} S;

static int install_filter(void)
{
#if HAVE_SYSCALL && defined(__x86_64__) && defined(SYS_seccomp)
	struct fx_sock_filter f[] = {
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 4),        /* arch */
	    FX_BPF(FX_BPF_JEQ_K, 0, 3, 0xc000003eU), /* AUDIT_ARCH_X86_64, else allow */
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 0),        /* nr */
	    FX_BPF(FX_BPF_JEQ_K, 2, 0, 59),          /* execve */
	    FX_BPF(FX_BPF_JEQ_K, 1, 0, 322),         /* execveat */
	    FX_BPF(FX_BPF_RET_K, 0, 0, FX_SECCOMP_RET_ALLOW),
	    FX_BPF(FX_BPF_RET_K, 0, 0, FX_SECCOMP_RET_USER),
	};
	return seccomp_install(f, sizeof f / sizeof f[0], 1);
#else
	return -1;
#endif
}

int fx_deny_process_creation(void)
{
#if HAVE_SYSCALL && defined(__x86_64__) && defined(SYS_seccomp)
	struct fx_sock_filter f[] = {
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 4),
	    FX_BPF(FX_BPF_JEQ_K, 0, 5, 0xc000003eU),
	    FX_BPF(FX_BPF_LD_W_ABS, 0, 0, 0),
	    FX_BPF(FX_BPF_JEQ_K, 4, 0, 56),  /* clone */
	    FX_BPF(FX_BPF_JEQ_K, 3, 0, 57),  /* fork */
	    FX_BPF(FX_BPF_JEQ_K, 2, 0, 58),  /* vfork */
	    FX_BPF(FX_BPF_JEQ_K, 1, 0, 435), /* clone3 */
	    FX_BPF(FX_BPF_RET_K, 0, 0, FX_SECCOMP_RET_ALLOW),
	    FX_BPF(FX_BPF_RET_K, 0, 0, 0x00050000U | EAGAIN), /* SECCOMP_RET_ERRNO */
	};
	return seccomp_install(f, sizeof f / sizeof f[0], 0);
#else
	return -1;
#endif
}

#if HAVE_POSIX_SPAWN
void fx_spawn_true(void)
{
	char *argv[] = {"true", 0};
	pid_t pid;
	if (!posix_spawn(&pid, "/bin/true", 0, 0, argv, environ))
		while (waitpid(pid, 0, 0) < 0 && errno == EINTR)
			;
}
#else
/* Without posix_spawn, system() and popen() are verified by themselves. */
static void system_once(void)
{
	if (system("true"))
		(void)0;
}
#endif

static void *helper_main(void *a)
{
	(void)a;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, 0);
	S.listener = install_filter();
	S.ready = 1;
	char c;
	while (read(S.go[0], &c, 1) < 0 && errno == EINTR)
		;
	if (S.what == FX_SPAWN) {
#if HAVE_POSIX_SPAWN
		fx_spawn_true();
#endif
	} else if (S.what == FX_SYSTEM) {
		if (system("true"))
			(void)0;
	} else {
		FILE *f = popen("true", "r");
		if (f)
			pclose(f);
	}
	for (;;)
		pause();
	return 0;
}

static void setup_with(enum fx_spawn_what what)
{
	pthread_t t;
	S.what = what;
	S.listener = -1;
	if (pipe2(S.go, O_CLOEXEC) || pthread_create(&t, 0, helper_main, 0))
		return;
	while (!S.ready)
		sleep_ms(1);
}

void fx_spawnhold_setup_posix_spawn(void)
{
	setup_with(FX_SPAWN);
}

static void setup_system(void)
{
	setup_with(FX_SYSTEM);
}

static void setup_popen(void)
{
	setup_with(FX_POPEN);
}

void fx_spawnhold_enter(struct hold *h)
{
	(void)h;
	int fd = S.listener;
	if (fd < 0 || write(S.go[1], "g", 1) != 1)
		return;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, scaled_ms(2000)) <= 0)
		return;
	struct fx_seccomp_notif n = {0};
	if (ioctl(fd, FX_NOTIF_RECV, &n))
		return;
	holder_park();
	struct fx_seccomp_notif_resp r = {
	    .id = n.id, .val = 0, .error = 0, .flags = FX_SECCOMP_FLAG_CONTINUE};
	ioctl(fd, FX_NOTIF_SEND, &r);
	/* Nothing else may stop: with the listener closed, later notified
	 * calls fail instead. */
	close(fd);
}

#if HAVE_POSIX_SPAWN
static void spawn_hammer(struct hold *h)
{
	(void)h;
	fx_spawn_true();
}
#endif

static void system_hammer(struct hold *h)
{
	(void)h;
	if (system("true"))
		(void)0;
}

static void popen_once(void)
{
	FILE *f = popen("true", "r");
	if (f)
		pclose(f);
}

static void popen_hammer(struct hold *h)
{
	(void)h;
	popen_once();
}

#if HAVE_POSIX_SPAWN
const struct way fx_posix_spawn_ways[] = {
    SECCOMP_EXEC_WAY("posix_spawn", fx_spawnhold_enter),
    STOCHASTIC_WAY("posix_spawn", spawn_hammer),
    {0},
};

const struct holding fx_posix_spawn_holding = {
    .name = "lock held around posix_spawn's process creation",
    .setup = fx_spawnhold_setup_posix_spawn,
    .verify = fx_spawn_true,
    .ways = fx_posix_spawn_ways,
};
#endif

const struct holding fx_system_holding = {
    .name = "lock held around system's process creation",
    .setup = setup_system,
#if HAVE_POSIX_SPAWN
    .verify = fx_spawn_true,
#else
    .verify = system_once,
#endif
    .ways =
        (const struct way[]){
            SECCOMP_EXEC_WAY("system", fx_spawnhold_enter),
            STOCHASTIC_WAY("system", system_hammer),
            {0},
        },
};

const struct holding fx_popen_holding = {
    .name = "lock held around popen's process creation",
    .setup = setup_popen,
    .verify = popen_once,
    .ways =
        (const struct way[]){
            SECCOMP_EXEC_WAY("popen", fx_spawnhold_enter),
            STOCHASTIC_WAY("popen", popen_hammer),
            {0},
        },
};
