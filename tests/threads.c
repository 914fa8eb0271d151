/* SPDX-License-Identifier: MIT */
/*
 * THREAD — threads in the MT-forked child (spec/threads.adoc).
 *
 * Length: one file per chapter, whose twelve clauses each need a holding or
 * a probe of their own.
 *
 *   THREAD-1  pthread_create/join in the child: several threads, one exiting
 *             early, then more. Holders: a lock thread creation needs, taken
 *             by dlopen() (its path on a userfaultfd page, or its open
 *             stopped by seccomp): musl's
 *             thread-creation inhibit lock, glibc 2.36's loader locks; glibc
 *             2.41 and later take none there, so pthread_create itself runs
 *             on a guarded stack and parks where the verifier's
 *             pthread_create blocks (glibc 2.43: 384 bytes deep; by the
 *             source, static TLS set-up under dl_load_tls_lock); else a
 *             thread creating and joining threads while forks repeat
 *             (stochastic).
 *   THREAD-2  the child ends with status 0 when its last thread exits after
 *             the initial one called pthread_exit (in a sub-process of the
 *             child, which has the child's thread bookkeeping).
 *   THREAD-3  thread-specific data. Holder: musl writes the new key under its
 *             key lock (pthread_key_create's key argument on a uffd page);
 *             glibc's key table is lock-free (stochastic create/delete).
 *   THREAD-5  (MAY) an application pthread_once whose init routine was running
 *             at fork (WAY_APP: holder_park() in the init routine).
 *   THREAD-6  pthread_mutexattr_setrobust/setprotocol while another thread
 *             was calling them (stochastic: the internal once-flags musl had
 *             before 1.2.2 are gone, glibc has none; nothing holds).
 *   THREAD-7  timer_create() with SIGEV_THREAD works in the child (create, arm,
 *             read, delete) and an armed timer's notification function runs
 *             in a thread of the child. Holder (tests/harness/holdings.c): glibc
 *             creates notification threads from one helper thread, holding
 *             __timer_active_sigev_thread_lock, which fork neither takes nor
 *             resets; the helper parks creating a thread on a stack whose top
 *             is on a userfaultfd. musl has no timer lock (a thread per
 *             timer): stochastic creation and deletion.
 *   THREAD-8  a robust mutex abandoned by a process forked from the child is
 *             recovered with EOWNERDEAD.
 *   THREAD-9  cancellation and pthread_exit cleanup handlers, while another
 *             thread was iterating the loaded objects (unwinding) at fork:
 *             glibc holds dl_load_write_lock in a dl_iterate_phdr callback.
 *   THREAD-10 set*id/setgroups in a child that created threads reach them.
 *   THREAD-11 (MAY) locking a robust mutex another thread held at fork
 *             (WAY_APP: the holder locked it and parked).
 */
#define _GNU_SOURCE
#include "have.h"
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#if HAVE_DL_ITERATE_PHDR
#include <link.h>
#endif
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "harness/sysno.h"
#include "clauses.h"
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/fixture.h"
#include "harness/proc.h"

static void *noop(void *a)
{
	return a;
}

static void create_and_join(void)
{
	pthread_t t;
	if (!pthread_create(&t, 0, noop, 0))
		pthread_join(t, 0);
}

static void create_hammer(struct hold *h)
{
	(void)h;
	create_and_join();
}

static const struct holding thread_creation = {
    .name = "thread creation lock",
#if HAVE_DLOPEN /* else only the stochastic way */
    .setup = fx_loader_setup,
#endif
    .verify = create_and_join,
    .ways =
        (const struct way[]){
#if HAVE_DLOPEN
            UFFD_WAY("dlopen", fx_dlopen_on_page, fx_fill_path_a),
            SECCOMP_CALL_WAY("dlopen", fx_dlopen_opening),
#endif
            /* glibc >= 2.41 takes no loader lock there: park pthread_create
             * itself where it holds a lock another creation needs (the
             * static TLS initialisation under dl_load_tls_lock). */
            STACK_WAY("pthread_create", create_hammer),
            STOCHASTIC_WAY("pthread_create", create_hammer),
            {0},
        },
};

static void key_on_page(struct hold *h)
{
	pthread_key_create((pthread_key_t *)(void *)h->page, 0);
}

static void key_hammer(struct hold *h)
{
	pthread_key_t k;
	(void)h;
	if (!pthread_key_create(&k, 0))
		pthread_key_delete(k);
}

static void key_needs_lock(void)
{
	key_hammer(0);
}

static const struct holding key_lock = {
    .name = "thread-specific key lock",
    .verify = key_needs_lock,
    .ways =
        (const struct way[]){
            UFFD_WAY("pthread_key_create", key_on_page, 0),
            STOCHASTIC_WAY("pthread_key_create", key_hammer),
            {0},
        },
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static volatile int init_runs;

static void init_routine(void)
{
	holder_park();
	init_runs++;
}

static void once_in_holder(struct hold *h)
{
	(void)h;
	pthread_once(&once, init_routine);
}

static void once_needs_init(void)
{
	pthread_once(&once, init_routine);
}

static const struct holding app_once = {
    .name = "application pthread_once init routine",
    .verify = once_needs_init,
    .ways = (const struct way[]){APP_WAY("pthread_once", once_in_holder), {0}},
};

#if HAVE_ROBUST_MUTEX
static void attr_hammer(struct hold *h)
{
	pthread_mutexattr_t a;
	(void)h;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	pthread_mutexattr_destroy(&a);
}

static const struct holding attr_first_use = {
    .name = "mutex attribute setters",
    .ways = (const struct way[]){STOCHASTIC_WAY("setrobust", attr_hammer), {0}},
};
#endif

#if HAVE_ROBUST_MUTEX
static pthread_mutex_t robust;

static void init_robust(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &a);
}

static void lock_and_park(struct hold *h)
{
	(void)h;
	pthread_mutex_lock(&robust);
	holder_park();
}

static void robust_needs_lock(void)
{
	pthread_mutex_lock(&robust);
}

static const struct holding robust_held = {
    .name = "robust mutex held by another thread",
    .setup = init_robust,
    .verify = robust_needs_lock,
    .ways = (const struct way[]){APP_WAY("robust-mutex", lock_and_park), {0}},
};
#endif

/* --- probes ------------------------------------------------------------- */

static void *exit_early(void *a)
{
	pthread_exit(a);
}

static void *add_one(void *a)
{
	return (void *)((intptr_t)a + 1);
}

static int probe_threads(struct probe *p)
{
	pthread_t t[4];
	void *r;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++)
			if (pthread_create(&t[i], 0, i == 0 ? exit_early : add_one,
			                   (void *)(intptr_t)(10 * i)))
				return probe_wrong_num(p, "pthread_create failed in round ", round);
		for (int i = 0; i < 4; i++) {
			if (pthread_join(t[i], &r))
				return probe_wrong(p, "pthread_join failed");
			if ((intptr_t)r != 10 * i + (i != 0))
				return probe_wrong(p, "a joined thread returned the wrong value");
		}
	}
	return PROBE_OK;
}

static int last_fd = -1;

static void *outlive_main(void *a)
{
	(void)a;
	usleep(20000);
	if (write(last_fd, "T", 1) < 0)
		return 0;
	return 0;
}

static int main_exits_first(void *a)
{
	pthread_t t;
	(void)a;
	if (pthread_create(&t, 0, outlive_main, 0))
		return 3;
	pthread_exit(0);
}

static int probe_last_thread(struct probe *p)
{
	int fd[2];
	char c = 0;
	if (pipe(fd))
		return probe_wrong(p, "pipe failed");
	last_fd = fd[1];
	int st = fx_sub(main_exits_first, 0, 1000);
	close(fd[1]);
	if (st == -1)
		return probe_wrong(p, "the process did not end when its last thread exited");
	if (st != 0)
		return probe_wrong_num(p, "the process ended with wait status ", st);
	if (read(fd[0], &c, 1) != 1 || c != 'T')
		return probe_wrong(p, "the process ended before its last thread did");
	return PROBE_OK;
}

static int probe_keys(struct probe *p)
{
	pthread_key_t k[8];
	for (int i = 0; i < 8; i++) {
		if (pthread_key_create(&k[i], 0))
			return probe_wrong(p, "pthread_key_create failed");
		if (pthread_setspecific(k[i], (void *)(intptr_t)(i + 1)))
			return probe_wrong(p, "pthread_setspecific failed");
	}
	for (int i = 0; i < 8; i++) {
		if ((intptr_t)pthread_getspecific(k[i]) != i + 1)
			return probe_wrong(p, "pthread_getspecific returned the wrong value");
		if (pthread_key_delete(k[i]))
			return probe_wrong(p, "pthread_key_delete failed");
	}
	return PROBE_OK;
}

static int probe_once(struct probe *p)
{
	int before = init_runs;
	pthread_once(&once, init_routine);
	return init_runs > before ? PROBE_OK
	                          : probe_wrong(p, "pthread_once returned without running the "
	                                           "interrupted init routine");
}

#if HAVE_ROBUST_MUTEX
static int probe_attr(struct probe *p)
{
	pthread_mutexattr_t a;
	pthread_mutex_t m;
	if (pthread_mutexattr_init(&a) || pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST))
		return probe_wrong(p, "pthread_mutexattr_setrobust failed");
	int e = pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	if (e && e != ENOTSUP)
		return probe_wrong_num(p, "pthread_mutexattr_setprotocol failed: ", e);
	if (pthread_mutex_init(&m, &a) || pthread_mutex_lock(&m) || pthread_mutex_unlock(&m))
		return probe_wrong(p, "a mutex with these attributes does not work");
	return PROBE_OK;
}

static pthread_mutex_t *shared_mutex;

static int lock_and_vanish(void *a)
{
	(void)a;
	return pthread_mutex_lock(shared_mutex) ? 1 : 0;
}

static int probe_robust_recovered(struct probe *p)
{
	pthread_mutexattr_t a;
	shared_mutex = mmap(0, sizeof *shared_mutex, PROT_READ | PROT_WRITE,
	                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared_mutex == MAP_FAILED)
		return probe_wrong(p, "mmap failed");
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (pthread_mutex_init(shared_mutex, &a))
		return probe_wrong(p, "pthread_mutex_init failed");
	int st = fx_sub(lock_and_vanish, 0, 2000);
	if (st != 0)
		return probe_wrong_num(p, "the locking process failed: wait status ", st);
	int e = pthread_mutex_lock(shared_mutex);
	if (e != EOWNERDEAD)
		return probe_wrong_num(
		    p, "locking the abandoned mutex did not give EOWNERDEAD but ", e);
	if (pthread_mutex_consistent(shared_mutex) || pthread_mutex_unlock(shared_mutex))
		return probe_wrong(p, "pthread_mutex_consistent/unlock failed");
	return PROBE_OK;
}
#endif

#if HAVE_DL_ITERATE_PHDR
static volatile int cleaned;

static void cleanup(void *a)
{
	(void)a;
	cleaned++;
}

static void *wait_for_cancel(void *a)
{
	int *fd = a;
	char c;
	pthread_cleanup_push(cleanup, 0);
	while (read(fd[0], &c, 1) < 0)
		;
	pthread_cleanup_pop(0);
	return 0;
}

static void *exit_with_cleanup(void *a)
{
	pthread_cleanup_push(cleanup, 0);
	pthread_exit(a);
	pthread_cleanup_pop(0);
	return 0;
}

static int probe_cancel(struct probe *p)
{
	pthread_t t;
	void *r;
	int fd[2];
	if (pipe(fd) || pthread_create(&t, 0, wait_for_cancel, fd))
		return probe_wrong(p, "pipe/pthread_create failed");
	usleep(5000);
	if (pthread_cancel(t) || pthread_join(t, &r) || r != PTHREAD_CANCELED || cleaned != 1)
		return probe_wrong(p, "a cancelled thread did not run its cleanup handler and end");
	if (pthread_create(&t, 0, exit_with_cleanup, 0) || pthread_join(t, &r) || cleaned != 2)
		return probe_wrong(p, "pthread_exit did not run the cleanup handler");
	return PROBE_OK;
}
#endif

#if HAVE_SYSCALL
static pid_t helper_tid;
static int helper_pipe[2];

static void *report_tid_and_wait(void *a)
{
	char c;
	(void)a;
	helper_tid = (pid_t)syscall(SYS_gettid);
	while (read(helper_pipe[0], &c, 1) < 0)
		;
	return 0;
}

/* "Groups:" of one of our threads lists gid g. */
static int thread_has_group(pid_t tid, gid_t g)
{
	char buf[4096];
	if (proc_status_field(0, tid, "Groups", buf, sizeof buf) < 0)
		return 0;
	for (char *l = buf; *l;) {
		char *end;
		unsigned long v = strtoul(l, &end, 10);
		if (end == l)
			break;
		if (v == g)
			return 1;
		l = end;
	}
	return 0;
}

static int probe_setxid_threads(struct probe *p)
{
	pthread_t t;
	if (pipe(helper_pipe) || pthread_create(&t, 0, report_tid_and_wait, 0))
		return probe_wrong(p, "pipe/pthread_create failed");
	while (!helper_tid)
		usleep(1000);
	int ret = PROBE_OK;
	gid_t g[2] = {getegid(), 4242};
	if (geteuid() == 0) {
		if (setgroups(2, g))
			ret = probe_wrong(p, "setgroups failed");
		else if (!thread_has_group(helper_tid, 4242))
			ret = probe_wrong(p, "setgroups did not reach the child's other thread");
	} else if (setgroups(2, g) != -1 || errno != EPERM) {
		ret = probe_wrong(p, "unprivileged setgroups did not fail with EPERM");
	}
	if (ret == PROBE_OK && (setgid(getegid()) || setuid(geteuid())))
		ret = probe_wrong(p, "setgid/setuid to the current ids failed");
	close(helper_pipe[1]);
	pthread_join(t, 0);
	return ret;
}
#endif

#if HAVE_ROBUST_MUTEX
/* A timed lock, so that "stays locked for good" is decided in 100 ms. */
static int probe_robust_held(struct probe *p)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += 100 * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	int e = pthread_mutex_timedlock(&robust, &t);
	if (e == EOWNERDEAD)
		return PROBE_OK;
	if (e == ETIMEDOUT)
		return probe_wrong(p, "the mutex stays locked by the vanished thread (timed lock "
		                      "gave ETIMEDOUT)");
	return probe_wrong_num(p, "locking the mutex another thread held at fork returned ", e);
}
#endif

/* --- THREAD-7: SIGEV_THREAD timers (holding: fx_timer_holding) ---------- */

static void timer_noop(union sigval v)
{
	(void)v;
}

/* timer_create() in the child: until it returns, no timer of the child is
 * armed (timers are not inherited, and the probe arms its own only later),
 * so a stuck timer_create can be proven (probe_timers_disarmed). */
static int create_unarmed(struct sigevent *ev, timer_t *t)
{
	probe_timers_disarmed(1);
	int r = timer_create(CLOCK_MONOTONIC, ev, t);
	probe_timers_disarmed(0);
	return r;
}

static int probe_timer_create_thread(struct probe *p)
{
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD};
	ev.sigev_notify_function = timer_noop;
	timer_t t;
	if (create_unarmed(&ev, &t))
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
	if (create_unarmed(&ev, &t))
		return probe_wrong_num(p, "timer_create(SIGEV_THREAD) failed: errno ", errno);
	struct itimerspec its = {.it_value = {0, 1000000}};
	if (timer_settime(t, 0, &its, 0))
		return probe_wrong(p, "timer_settime failed");
	struct pollfd pf = {.fd = notify_pipe[0], .events = POLLIN};
	pid_t pid = 0;
	if (poll(&pf, 1, probe_ms(1000)) != 1 ||
	    read(notify_pipe[0], &pid, sizeof pid) != sizeof pid)
		return probe_wrong(p, "the notification function did not run within 1000 ms");
	if (pid != getpid())
		return probe_wrong_num(p, "the notification ran in another process: pid ", pid);
	return timer_delete(t) ? probe_wrong_num(p, "timer_delete failed: errno ", errno)
	                       : PROBE_OK;
}

#define NEEDS_ROBUST_MUTEX(h, p)                                                                   \
	MTFORK_NEEDS(HAVE_ROBUST_MUTEX, "robust mutexes (pthread_mutexattr_setrobust())", h, p)
#define NEEDS_DL_ITERATE_PHDR(h, p) MTFORK_NEEDS(HAVE_DL_ITERATE_PHDR, "dl_iterate_phdr()", h, p)
#define NEEDS_SYSCALL(h, p)         MTFORK_NEEDS(HAVE_SYSCALL, "syscall()", h, p)

static const struct mtcase cases[] = {
    CASE(THREAD_1, "pthread_create", &thread_creation, probe_threads),
    CASE(THREAD_2, "last-thread-exits", &thread_creation, probe_last_thread),
    CASE(THREAD_3, "keys", &key_lock, probe_keys),
    CASE(THREAD_5, "app-once", &app_once, probe_once),
    CASE(THREAD_6, "setrobust-setprotocol", NEEDS_ROBUST_MUTEX(&attr_first_use, probe_attr)),
    CASE(THREAD_7, "timer_create", &fx_timer_holding, probe_timer_create_thread),
    CASE(THREAD_7, "notification-runs", &fx_timer_holding, probe_thread_notification),
    CASE(THREAD_8, "robust-recovered",
         NEEDS_ROBUST_MUTEX(&fx_malloc_holding, probe_robust_recovered)),
    CASE(THREAD_9, "cancel", NEEDS_DL_ITERATE_PHDR(&fx_phdr_holding, probe_cancel)),
    CASE(THREAD_10, "setgroups-reaches-threads",
         NEEDS_SYSCALL(&thread_creation, probe_setxid_threads)),
    CASE(THREAD_11, "robust-held-at-fork", NEEDS_ROBUST_MUTEX(&robust_held, probe_robust_held)),
};

MTFORK_MAIN(cases)
