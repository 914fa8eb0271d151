/* SPDX-License-Identifier: MIT */
/*
 * The fork tracer of forktrace.h. The tracer is a child of the case process
 * forked while it is single-threaded; it uses system calls only. What it
 * did is in a shared page both sides of the fork can read.
 */
#define _GNU_SOURCE
#include "have.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#if HAVE_PTRACE_SEIZE
#include <sys/ptrace.h>
#endif
#include "sysno.h"
#include <sys/wait.h>
#include <unistd.h>

#include "forktrace.h"
#include "harness.h"

#ifndef PR_SET_PTRACER
#define PR_SET_PTRACER 0x59616d61
#endif

char ft_why[160];

struct ft_shared {
	volatile int queued; /* the signal was queued during the fork stop */
};

static struct ft_shared *sh;
static int cmd[2] = {-1, -1}, reply[2] = {-1, -1};
static pid_t tracer;

struct ft_reply {
	char code; /* 'A' attached, 'E' ptrace failed */
	int err;
};

#if HAVE_PTRACE_SEIZE
static void say(char code, int err)
{
	struct ft_reply r = {code, err};
	if (write(reply[1], &r, sizeof r) != sizeof r)
		_exit(1);
}

/* Wait for the traced thread's fork event, passing on anything else. */
static int await_fork(pid_t tid)
{
	for (;;) {
		int st;
		if (waitpid(tid, &st, __WALL) != tid || !WIFSTOPPED(st))
			return -1;
		if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_FORK << 8)))
			return 0;
		int sig = st >> 16 ? 0 : WSTOPSIG(st); /* an event stop has no signal */
		if (ptrace(PTRACE_CONT, tid, 0, (void *)(long)sig))
			return -1;
	}
}

static __attribute__((noreturn)) void tracer_main(pid_t tgid, enum ft_whom whom, int sig)
{
	pid_t tid;
	sys_close(cmd[1]);
	sys_close(reply[0]);
	if (read(cmd[0], &tid, sizeof tid) != sizeof tid)
		_exit(0); /* the case ended without arming */
	if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)PTRACE_O_TRACEFORK)) {
		say('E', errno);
		_exit(0);
	}
	say('A', 0);
	unsigned long child = 0;
	if (await_fork(tid) || ptrace(PTRACE_GETEVENTMSG, tid, 0, &child) || !child)
		_exit(1);
	int st;
	/* the new child's first stop: it has not yet run an instruction */
	if (waitpid((pid_t)child, &st, __WALL) != (pid_t)child || !WIFSTOPPED(st))
		_exit(1);
	if (whom == FT_CHILD ? kill((pid_t)child, sig) : (int)syscall(SYS_tgkill, tgid, tid, sig))
		_exit(1);
	sh->queued = 1;
	ptrace(PTRACE_DETACH, (pid_t)child, 0, 0);
	ptrace(PTRACE_DETACH, tid, 0, 0);
	_exit(0);
}

#endif

int ft_start(enum ft_whom whom, int sig)
{
#if HAVE_PTRACE_SEIZE
	sh = mmap(0, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || pipe2(cmd, O_CLOEXEC) || pipe2(reply, O_CLOEXEC)) {
		str_add(ft_why, sizeof ft_why, "mmap or pipe2 failed");
		return -1;
	}
	pid_t tgid = getpid();
	tracer = fork();
	if (tracer < 0) {
		str_add(ft_why, sizeof ft_why, "cannot fork the tracer");
		return -1;
	}
	if (tracer == 0)
		tracer_main(tgid, whom, sig);
	sys_close(cmd[0]);
	sys_close(reply[1]);
	return 0;
#else
	(void)whom;
	(void)sig;
	str_add(ft_why, sizeof ft_why, "the target lacks ptrace's PTRACE_SEIZE (tests/probes/)");
	return -1;
#endif
}

int ft_arm(void)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	struct ft_reply r;
	if (ft_why[0])
		return -1;
	/* Yama's ptrace_scope 1 lets only an ancestor trace, unless the
	 * tracee names its tracer; without Yama this fails harmlessly. */
	prctl(PR_SET_PTRACER, tracer, 0, 0, 0);
	if (write(cmd[1], &tid, sizeof tid) != sizeof tid ||
	    read(reply[0], &r, sizeof r) != sizeof r) {
		str_add(ft_why, sizeof ft_why, "the tracer process did not answer");
		return -1;
	}
	if (r.code != 'A') {
		str_add(ft_why, sizeof ft_why, "ptrace is not permitted here (PTRACE_SEIZE: ");
		str_add(ft_why, sizeof ft_why, strerror(r.err));
		str_add(ft_why, sizeof ft_why, "): the signal cannot be placed inside fork()");
		return -1;
	}
	return 0;
}

int ft_queued(void)
{
	return sh && sh != MAP_FAILED && sh->queued;
}

void ft_reap(void)
{
	if (tracer > 0)
		while (waitpid(tracer, 0, 0) < 0 && errno == EINTR)
			;
	tracer = 0;
}
