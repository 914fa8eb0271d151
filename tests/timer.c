/* SPDX-License-Identifier: MIT */
/*
 * TIMER — POSIX per-process timers in the MT-forked child.
 *
 * THREAD-7 (spec/threads.adoc): timer_create() with SIGEV_THREAD works in
 * the child (create, arm, read, delete), and an armed timer's notification
 * function runs in a thread of the child. TIMER-1 (spec/timer.adoc):
 * timers with SIGEV_SIGNAL and SIGEV_NONE notification work in the child
 * (create, arm, read, overrun count, delete) and the signal is delivered
 * with the timer's value. All although another thread was inside timer
 * creation or deletion at fork, and SIGEV_THREAD timers existed in the
 * parent.
 *
 * glibc (2.36, sysdeps/unix/sysv/linux/timer_routines.c): SIGEV_THREAD timers
 * are served by one helper thread started under a pthread_once; fork resets
 * that once and the helper's tid in the child (__timer_fork_subprocess), but
 * not __timer_active_sigev_thread_lock, the lock of the list of SIGEV_THREAD
 * timers, which timer_create, timer_delete and the helper take. _Fork()
 * resets neither (the child's timer_create then hands the kernel the
 * parent's helper tid: EINVAL). SIGEV_SIGNAL/SIGEV_NONE timers are plain
 * system calls. musl (>= 1.2.2) creates one thread per SIGEV_THREAD timer
 * with pthread_create and has no timer lock and no once any more.
 *
 * Holders: glibc's helper holds the list lock while it creates the thread
 * for an expiry, with the thread attributes the application passed in
 * sigev_notify_attributes. Those name a stack whose top pages are on a
 * userfaultfd of this file's own: pthread_create clears the new thread's
 * descriptor there and the helper parks, lock held; the holder thread sees
 * the fault and parks in holder_park() (a verifier's timer_create, which
 * needs the lock, must block). Without userfaultfd, the helper's clone of
 * that thread is stopped by a seccomp user notification instead (the
 * helper inherits the filter of the thread whose timer_create starts it).
 * Elsewhere (musl) a thread creating and
 * deleting SIGEV_THREAD timers while forks repeat decides (stochastic).
 * The libc-internal once of glibc's helper cannot be held while in progress
 * (the verifier would run it itself): its reset is what the _Fork target
 * shows missing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <linux/userfaultfd.h>
#endif

#include "lib/mtfork.h"
#include "lib/seccomp_hold.h"

#define WAIT_MS 1000 /* a probe waits this long for an expiry */

static void noop_notify(union sigval v)
{
	(void)v;
}

/* Create (and delete) a SIGEV_THREAD timer: glibc takes the list lock in
 * both; the verifier blocks on it. */
static void create_and_delete(void)
{
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD};
	ev.sigev_notify_function = noop_notify;
	timer_t t;
	if (!timer_create(CLOCK_MONOTONIC, &ev, &t))
		timer_delete(t);
}

static void hammer(struct hold *h)
{
	(void)h;
	create_and_delete();
}

#ifdef __GLIBC__
/* The helper thread parks inside pthread_create (clearing the new thread's
 * descriptor at the top of the stack we gave it), with the timer list lock
 * taken; then this thread parks in holder_park(). */
static void helper_parks(struct hold *h)
{
	(void)h;
	const char *off = getenv("MTFORK_NO_UFFD"); /* as for the harness's own traps */
	if (off && *off && strcmp(off, "0"))
		return;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), size = 64 * 1024;
	char *stack = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED)
		return;
	/* Non-blocking: poll() on a blocking userfaultfd reports POLLERR at once. */
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg = {.range = {(uintptr_t)(stack + size - 2 * pg), 2 * pg},
	                              .mode = UFFDIO_REGISTER_MODE_MISSING};
	if (fd < 0 || ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg))
		return;
	pthread_attr_t a;
	pthread_attr_init(&a);
	if (pthread_attr_setstack(&a, stack, size))
		return;
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD};
	ev.sigev_notify_function = noop_notify;
	ev.sigev_notify_attributes = &a;
	timer_t t;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t))
		return;
	struct itimerspec its = {.it_value = {0, 1000}};
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (timer_settime(t, 0, &its, 0) || poll(&p, 1, WAIT_MS) != 1 || !(p.revents & POLLIN))
		return; /* the helper never touched the stack: nothing held */
	holder_park();
	struct uffdio_zeropage z = {.range = reg.range};
	ioctl(fd, UFFDIO_ZEROPAGE, &z); /* released: let the helper go on */
}

/* Without userfaultfd: the same helper stopped in the clone of the
 * notification thread by a seccomp user notification. The helper inherits
 * the filter of the thread whose timer_create starts it, ours; the thread's
 * own clone (starting the helper) is not the one. */
static atomic_int notified;

static void note_notify(union sigval v)
{
	(void)v;
	notified = 1;
}

static void arm_thread_timer(void)
{
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD};
	ev.sigev_notify_function = note_notify;
	timer_t t;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t))
		return;
	struct itimerspec its = {.it_value = {0, 1000}};
	if (timer_settime(t, 0, &its, 0))
		return;
	for (int ms = 0; !notified && ms < WAIT_MS; ms++) /* released: the thread runs */
		usleep(1000);
}

static int helpers_clone(const struct sc_notice *n)
{
	return n->tid != n->helper_tid;
}

static const struct sc_trap notification_clone = {
    .nr = {SC_CLONE, SC_CLONE3}, .match = helpers_clone, .call = arm_thread_timer};

static void helper_clone_stopped(struct hold *h)
{
	seccomp_hold(h, &notification_clone);
}
#endif

static const struct holding timer_lock = {
    .name = "SIGEV_THREAD timer list lock",
    .verify = create_and_delete,
    .ways =
        (const struct way[]){
#ifdef __GLIBC__
            {"uffd-arg:sigev_notify_attributes-stack", WAY_CALLBACK, helper_parks, 0},
            {"seccomp-call:timer_settime", WAY_CALLBACK, helper_clone_stopped, 0},
#endif
            {"stochastic:timer_create+timer_delete", WAY_STOCHASTIC, hammer, 0},
            {0},
        },
};

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int probe_timer_create_thread(struct probe *p)
{
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD};
	ev.sigev_notify_function = noop_notify;
	timer_t t;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t))
		return probe_wrong_num(p, "timer_create(SIGEV_THREAD) failed: errno ", errno);
	struct itimerspec its = {.it_value = {30, 0}}, cur;
	if (timer_settime(t, 0, &its, 0) || timer_gettime(t, &cur))
		return probe_wrong(p, "timer_settime or timer_gettime failed");
	if (cur.it_value.tv_sec < 20 || cur.it_value.tv_sec > 30)
		return probe_wrong_num(p, "timer_gettime: seconds left ",
		                       (long)cur.it_value.tv_sec);
	return timer_delete(t) ? probe_wrong_num(p, "timer_delete failed: errno ", errno)
	                       : PROBE_OK;
}

static int notify_pipe[2] = {-1, -1};

/* Runs in the notification thread: report which process it runs in. */
static void report_pid(union sigval v)
{
	pid_t pid = getpid();
	if (v.sival_int == 4242 && write(notify_pipe[1], &pid, sizeof pid) != sizeof pid)
		_exit(9);
}

static int probe_thread_notification(struct probe *p)
{
	if (pipe(notify_pipe))
		return probe_wrong(p, "pipe failed");
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD, .sigev_value = {.sival_int = 4242}};
	ev.sigev_notify_function = report_pid;
	timer_t t;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t))
		return probe_wrong_num(p, "timer_create(SIGEV_THREAD) failed: errno ", errno);
	struct itimerspec its = {.it_value = {0, 1000000}};
	if (timer_settime(t, 0, &its, 0))
		return probe_wrong(p, "timer_settime failed");
	struct pollfd pf = {.fd = notify_pipe[0], .events = POLLIN};
	pid_t pid = 0;
	if (poll(&pf, 1, WAIT_MS) != 1 || read(notify_pipe[0], &pid, sizeof pid) != sizeof pid)
		return probe_wrong(p, "the notification function did not run within 1000 ms");
	if (pid != getpid())
		return probe_wrong_num(p, "the notification ran in another process: pid ", pid);
	return timer_delete(t) ? probe_wrong_num(p, "timer_delete failed: errno ", errno)
	                       : PROBE_OK;
}

static int probe_sigev_signal(struct probe *p)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &set, 0))
		return probe_wrong(p, "pthread_sigmask failed");
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
	ev.sigev_value.sival_int = 4243;
	timer_t t;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t))
		return probe_wrong_num(p, "timer_create(SIGEV_SIGNAL) failed: errno ", errno);
	struct itimerspec its = {.it_value = {0, 1000000}};
	if (timer_settime(t, 0, &its, 0))
		return probe_wrong(p, "timer_settime failed");
	struct timespec limit = {WAIT_MS / 1000, 0};
	siginfo_t si;
	if (sigtimedwait(&set, &si, &limit) != SIGUSR1)
		return probe_wrong(p, "no SIGUSR1 from the timer within 1000 ms");
	if (si.si_code != SI_TIMER || si.si_value.sival_int != 4243)
		return probe_wrong_num(p, "the signal is not the timer's: si_code ", si.si_code);
	if (timer_getoverrun(t) < 0)
		return probe_wrong(p, "timer_getoverrun failed");
	return timer_delete(t) ? probe_wrong_num(p, "timer_delete failed: errno ", errno)
	                       : PROBE_OK;
}

static int probe_sigev_none(struct probe *p)
{
	struct sigevent ev = {.sigev_notify = SIGEV_NONE};
	timer_t t;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (timer_create(CLOCK_MONOTONIC, &ev, &t))
		return probe_wrong_num(p, "timer_create(SIGEV_NONE) failed: errno ", errno);
	struct itimerspec its = {.it_value = {0, 2000000}, .it_interval = {0, 1000000}}, cur;
	if (timer_settime(t, 0, &its, 0))
		return probe_wrong(p, "timer_settime failed");
	struct timespec nap = {0, 3000000};
	nanosleep(&nap, 0);
	if (timer_gettime(t, &cur) || cur.it_interval.tv_nsec != 1000000)
		return probe_wrong(p, "timer_gettime: wrong interval");
	if (timer_getoverrun(t) < 0)
		return probe_wrong(p, "timer_getoverrun failed");
	if (timer_delete(t))
		return probe_wrong_num(p, "timer_delete failed: errno ", errno);
	return ms_since(&t0) > WAIT_MS ? probe_wrong(p, "the timer calls took over 1000 ms")
	                               : PROBE_OK;
}

static const struct mtcase cases[] = {
    {"THREAD-7.timer_create", "THREAD-7", MUST, &timer_lock, probe_timer_create_thread},
    {"THREAD-7.notification-runs", "THREAD-7", MUST, &timer_lock, probe_thread_notification},
    {"TIMER-1.sigev-signal", "TIMER-1", MUST, &timer_lock, probe_sigev_signal},
    {"TIMER-1.sigev-none", "TIMER-1", MUST, &timer_lock, probe_sigev_none},
};

MTFORK_MAIN(cases)
