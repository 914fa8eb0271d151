/* SPDX-License-Identifier: MIT */
/*
 * The POSIX baseline (spec/baseline.adoc): what POSIX.1-2024 already requires
 * of fork(), _Fork(), pthread_atfork() and the MT-forked child.
 *
 * Length: one file per chapter; the POSIX baseline has four clause families
 * (FORK, RAWFORK, ABORT, ATFORK).
 *
 *   FORK-1   the child has one thread; fork returned 0 there.
 *   FORK-2   a representative set of async-signal-safe functions works,
 *            whatever other threads held: one case per holding (malloc,
 *            open-file list, loader, posix_spawn's lock).
 *   FORK-3   execve/execl/execle work (execl in a sub-process of the child).
 *   FORK-4   _exit/_Exit run no atexit handler and flush nothing.
 *   FORK-5   the child's mask is the forker's; nothing is pending.
 *   FORK-6   the forker's TLS (and &errno) is intact (recorded by a prepare
 *            handler, which runs in the forking thread).
 *   ABORT-1  abort() ends a sub-process of the child by SIGABRT although
 *            another thread held musl's abort lock (a posix_spawn stopped
 *            before its exec, tests/harness/spawnhold.c; glibc 2.36 holds its
 *            abort lock nowhere for long: stochastic there), or stdio's.
 *   RAWFORK-1 _Fork runs no fork handler; RAWFORK-2 _Fork from a signal
 *            handler interrupting malloc and fork in a multi-threaded child.
 *   ATFORK-1 handler order and thread; handlers may use malloc and stdio;
 *            parent order checked by a second fork in the child.
 *   ATFORK-2 a failed fork keeps its errno (a seccomp filter makes the
 *            child's fork fail with EAGAIN; a parent handler sets errno).
 *   ATFORK-3 a prepare handler registering a handler does not deadlock the
 *            (multi-threaded) fork, and the new handler does not run in it.
 * Holders (tests/harness/holdings.c): the open-file list (fflush(NULL) into a
 * parking stream, deterministic on both libcs) unless a case names another.
 */
#define _GNU_SOURCE
#include "have.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/fixture.h"
#include "clauses.h"

extern char **environ;
pid_t _Fork(void) __attribute__((weak));

static pid_t parent_pid;
static volatile sig_atomic_t caught;

static void on_signal(int s)
{
	(void)s;
	caught++;
}

/* --- handlers registered by the setup ----------------------------------- */

static struct {
	int prep[8], parent[8], child[8];
	int nprep, nparent, nchild;
	int wrong_thread, child_malloc_failed;
	pthread_t forker;
} H;
static _Thread_local int tls_value;
static int *tls_addr, *errno_addr;
static volatile int late_ran, parent_sets_errno;

static void prep(int i)
{
	if (H.nprep < 8)
		H.prep[H.nprep++] = i;
	if (i == 3)
		H.forker = pthread_self();
	else if (!pthread_equal(H.forker, pthread_self()))
		H.wrong_thread = 1;
	/* before any internal lock: malloc and stdio work here */
	free(malloc(100));
	FILE *f = fopen("/dev/null", "r");
	if (f)
		fclose(f);
}

static void parent(int i)
{
	if (H.nparent < 8)
		H.parent[H.nparent++] = i;
	if (!pthread_equal(H.forker, pthread_self()))
		H.wrong_thread = 1;
	if (parent_sets_errno)
		errno = EINTR;
}

static void child(int i)
{
	if (H.nchild < 8)
		H.child[H.nchild++] = i;
	if (!pthread_equal(H.forker, pthread_self()))
		H.wrong_thread = 1;
	/* after the child's repair: malloc and stdio work here */
	void *m = malloc(64 * 1024);
	FILE *f = fopen("/dev/null", "r");
	if (!m || !f)
		H.child_malloc_failed = 1;
	free(m);
	if (f)
		fclose(f);
}

static void prep1(void)
{
	prep(1);
}
static void prep2(void)
{
	prep(2);
}
static void prep3(void)
{
	H.nprep = H.nparent = H.nchild = 0; /* runs first: one fork's record */
	prep(3);
	tls_value = 1234;
	tls_addr = &tls_value;
	errno_addr = &errno;
}
static void parent1(void)
{
	parent(1);
}
static void parent2(void)
{
	parent(2);
}
static void parent3(void)
{
	parent(3);
}
static void child1(void)
{
	child(1);
}
static void child2(void)
{
	child(2);
}
static void child3(void)
{
	child(3);
}

static void register_handlers(void)
{
	parent_pid = getpid();
	pthread_atfork(prep1, parent1, child1);
	pthread_atfork(prep2, parent2, child2);
	pthread_atfork(prep3, parent3, child3);
}

static void malloc_and_handlers(void)
{
	register_handlers();
	fx_malloc_setup();
}

static void late_child(void)
{
	late_ran = 1;
}

static void prep_registers(void)
{
	pthread_atfork(0, 0, late_child);
}

static void register_from_handler(void)
{
	register_handlers();
	pthread_atfork(prep_registers, 0, 0);
	fx_malloc_setup();
}

/* Mask and pending set at fork: SIGUSR2 blocked in every thread (set before
 * the harness starts its threads) and pending for the process. */
static void block_and_raise(void)
{
	sigset_t s;
	register_handlers();
	fx_stdio_setup();
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, 0);
	kill(getpid(), SIGUSR2);
}

static int compare(const int *got, int n, const int *want, int m)
{
	if (n != m)
		return 0;
	for (int i = 0; i < n; i++)
		if (got[i] != want[i])
			return 0;
	return 1;
}

/* --- probes ------------------------------------------------------------- */

static int probe_one_thread(struct probe *p)
{
	long n = fx_status_num("Threads");
	if (n != 1)
		return probe_wrong_num(p, "/proc/self/status shows threads: ", n);
	if (getpid() == parent_pid || getppid() != parent_pid)
		return probe_wrong(p, "the child's pid or parent pid is wrong");
	return PROBE_OK;
}

static int probe_as_safe(struct probe *p)
{
	int fd[2], sv[2];
	char c = 0;
	struct stat st;
	struct utsname u;
	struct timespec ts;
	struct sigaction sa = {.sa_handler = on_signal};
	sigset_t set, old;
	if (pipe(fd) || write(fd[1], "x", 1) != 1 || read(fd[0], &c, 1) != 1 || c != 'x')
		return probe_wrong(p, "pipe/write/read failed");
	int d = dup(fd[0]);
	if (d < 0 || dup2(fd[1], d) != d || close(d) || close(fd[0]) || close(fd[1]))
		return probe_wrong(p, "dup/dup2/close failed");
	int n = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (n < 0 || fstat(n, &st) || !S_ISCHR(st.st_mode) || lseek(n, 0, SEEK_SET) < 0 ||
	    fcntl(n, F_GETFD) != FD_CLOEXEC || close(n))
		return probe_wrong(p, "open/fstat/lseek/fcntl/close of /dev/null failed");
	if (stat("/", &st) || access("/", R_OK) || chdir("/") || umask(022) > 0777)
		return probe_wrong(p, "stat/access/chdir/umask failed");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || send(sv[0], "y", 1, 0) != 1 ||
	    recv(sv[1], &c, 1, 0) != 1 || c != 'y' || close(sv[0]) || close(sv[1]))
		return probe_wrong(p, "socketpair/send/recv failed");
	if (getpid() <= 0 || getppid() != parent_pid || (int)getuid() < 0 || (int)getegid() < 0 ||
	    kill(getpid(), 0))
		return probe_wrong(p, "getpid/getppid/getuid/kill failed");
	if (clock_gettime(CLOCK_MONOTONIC, &ts) || time(0) <= 0 || uname(&u))
		return probe_wrong(p, "clock_gettime/time/uname failed");
	if (sigemptyset(&set) || sigaddset(&set, SIGUSR1) || sigaction(SIGUSR1, &sa, 0) ||
	    sigprocmask(SIG_UNBLOCK, &set, &old))
		return probe_wrong(p, "sigemptyset/sigaddset/sigaction/sigprocmask failed");
	caught = 0;
	if (raise(SIGUSR1) || !caught)
		return probe_wrong(p, "raise did not run the handler");
	alarm(0);
	return PROBE_OK;
}

static int do_execl(void *a)
{
	(void)a;
	execl("/bin/true", "true", (char *)0);
	return 126;
}

static int do_execle(void *a)
{
	(void)a;
	char *env[] = {"MTFORK=1", 0};
	execle("/bin/sh", "sh", "-c", "test \"$MTFORK\" = 1", (char *)0, env);
	return 126;
}

static int probe_exec(struct probe *p)
{
	char *argv[] = {"none", 0};
	errno = 0;
	if (execve("/nonexistent/mtfork", argv, environ) != -1 || errno != ENOENT)
		return probe_wrong(p, "execve of a missing file did not fail with ENOENT");
	int st = fx_sub(do_execl, 0, 2000);
	if (st != 0)
		return probe_wrong_num(p, "execl(/bin/true) in a sub-process: wait status ", st);
	st = fx_sub(do_execle, 0, 2000);
	if (st != 0)
		return probe_wrong_num(p, "execle with an environment: wait status ", st);
	return PROBE_OK;
}

static int exit_fd = -1;

static void atexit_writes(void)
{
	if (write(exit_fd, "A", 1) < 0)
		return;
}

static int use_Exit;
/* Weak: a libc that declares _Exit but has none (dietlibc) checks _exit only. */
void _Exit(int status) __attribute__((weak));

static int do_underscore_exit(void *a)
{
	(void)a;
	FILE *f = fdopen(dup(exit_fd), "w");
	atexit(atexit_writes);
	if (f)
		fputs("buffered", f);
	if (use_Exit)
		_Exit(7);
	_exit(7);
}

static int probe_exit_now(struct probe *p)
{
	int fd[2];
	for (int v = 0; v < (_Exit ? 2 : 1); v++) {
		char buf[16];
		if (pipe(fd))
			return probe_wrong(p, "pipe failed");
		exit_fd = fd[1];
		use_Exit = v;
		int st = fx_sub(do_underscore_exit, 0, 2000);
		close(fd[1]);
		fcntl(fd[0], F_SETFL, O_NONBLOCK);
		ssize_t n = read(fd[0], buf, sizeof buf);
		close(fd[0]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 7)
			return probe_wrong_num(
			    p, v ? "_Exit(7): wait status " : "_exit(7): wait status ", st);
		if (n > 0)
			return probe_wrong(p, "_exit ran an atexit handler or flushed a stream");
	}
	return PROBE_OK;
}

static int probe_sigmask(struct probe *p)
{
	sigset_t m, pend;
	if (sigprocmask(SIG_BLOCK, 0, &m) || sigpending(&pend))
		return probe_wrong(p, "sigprocmask/sigpending failed");
	if (!sigismember(&m, SIGUSR2))
		return probe_wrong(p,
		                   "SIGUSR2, blocked in the forker, is not blocked in the child");
	if (sigismember(&m, SIGUSR1) || sigismember(&m, SIGTERM) || sigismember(&m, SIGCHLD))
		return probe_wrong(p, "the child has signals blocked that the forker had not");
	for (int s = 1; s < 32; s++)
		if (sigismember(&pend, s))
			return probe_wrong_num(p, "a signal is pending in the child: ", s);
	return PROBE_OK;
}

static int probe_tls(struct probe *p)
{
	if (!tls_addr)
		return probe_wrong(p, "the prepare handler did not run");
	if (tls_addr != &tls_value || tls_value != 1234)
		return probe_wrong(p, "the forker's _Thread_local variable is not intact");
	if (errno_addr != &errno)
		return probe_wrong(p, "&errno differs from the forking thread's");
	errno = EDOM;
	return *errno_addr == EDOM ? PROBE_OK : probe_wrong(p, "errno is not writable");
}

static int do_abort(void *a)
{
	(void)a;
	abort();
}

static int probe_abort(struct probe *p)
{
	int st = fx_sub(do_abort, 0, 2000);
	if (st == -1)
		return fx_deadlocked ? probe_deadlock(p, "abort() deadlocked (proven)")
		                     : probe_wrong(p, "abort() did not end the process");
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT)
		return probe_wrong_num(p, "abort() did not end by SIGABRT: wait status ", st);
	return PROBE_OK;
}

static int check_no_child_handler(void *a)
{
	(void)a;
	return H.nchild ? 1 : 0;
}

static int probe_rawfork_handlers(struct probe *p)
{
	if (!_Fork)
		return probe_wrong(p, "this libc has no _Fork");
	if (fx_idle_start())
		return probe_wrong(p, "pthread_create failed");
	H.nprep = H.nparent = H.nchild = 0;
	int st = fx_sub_rawfork(check_no_child_handler, 0, 2000);
	fx_idle_stop();
	if (st == -1)
		return probe_wrong(p, "the child of _Fork did not exit");
	if (st != 0)
		return probe_wrong(p, "_Fork ran child handlers");
	if (H.nprep || H.nparent)
		return probe_wrong(p, "_Fork ran prepare or parent handlers");
	return PROBE_OK;
}

static void *volatile heap_sink;

static int probe_rawfork_signal(struct probe *p)
{
	if (!_Fork)
		return probe_wrong(p, "this libc has no _Fork");
	if (fx_idle_start())
		return probe_wrong(p, "pthread_create failed");
	fx_handler_fork = _Fork; /* the handler forks with _Fork(), the AS-safe one */
	struct sigaction sa = {.sa_handler = fx_fork_in_handler, .sa_flags = SA_RESTART};
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGALRM);
	sigaction(SIGALRM, &sa, 0);
	sigprocmask(SIG_UNBLOCK, &s, 0);
	struct itimerval it = {{0, 300}, {0, 300}};
	setitimer(ITIMER_REAL, &it, 0);
	for (int i = 0; fx_handler_forks < 10 && i < 200000; i++) {
		heap_sink = malloc(100 + (i % 50) * 1000);
		free(heap_sink);
		if (i % 64 == 0) {
			pid_t pid = fork();
			if (pid == 0)
				_exit(0);
			if (pid > 0)
				while (waitpid(pid, 0, 0) < 0 && errno == EINTR)
					;
		}
	}
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, 0);
	fx_idle_stop();
	if (fx_handler_errors)
		return probe_wrong(p, "_Fork in a signal handler failed or its child did not exit");
	return fx_handler_forks ? PROBE_OK : probe_wrong(p, "the timer signal never forked");
}

static int check_child_order(void *a)
{
	static const int want[] = {1, 2, 3};
	(void)a;
	return compare(H.child, H.nchild, want, 3) ? 0 : 1;
}

static int probe_atfork_order(struct probe *p)
{
	static const int fwd[] = {1, 2, 3}, rev[] = {3, 2, 1};
	if (!compare(H.prep, H.nprep, rev, 3))
		return probe_wrong(p, "prepare handlers did not run once each in reverse order");
	if (!compare(H.child, H.nchild, fwd, 3))
		return probe_wrong(p, "child handlers did not run once each in registration order");
	if (H.wrong_thread || !pthread_equal(H.forker, pthread_self()))
		return probe_wrong(p, "a handler ran in a thread other than the forking thread");
	if (H.child_malloc_failed)
		return probe_wrong(p, "malloc or fopen failed in a child handler");
	/* A second fork, from the child: the parent handlers run here. */
	H.nprep = H.nparent = H.nchild = 0;
	int st = fx_sub(check_child_order, 0, 2000);
	if (st != 0)
		return probe_wrong_num(p, "second fork: child handler order wrong, wait status ",
		                       st);
	if (!compare(H.parent, H.nparent, fwd, 3))
		return probe_wrong(p,
		                   "parent handlers did not run once each in registration order");
	if (!compare(H.prep, H.nprep, rev, 3))
		return probe_wrong(p, "second fork: prepare handlers out of order");
	return PROBE_OK;
}

static int probe_failed_fork_errno(struct probe *p)
{
	if (fx_idle_start())
		return probe_wrong(p, "pthread_create failed");
	if (fx_deny_process_creation())
		return probe_wrong(p, "cannot make fork fail here (no seccomp filter)");
	H.nparent = 0;
	parent_sets_errno = 1;
	errno = 0;
	pid_t pid = fork();
	int e = errno;
	parent_sets_errno = 0;
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		return probe_wrong(p, "fork succeeded despite the filter");
	if (e != EAGAIN)
		return probe_wrong_num(p, "the failed fork's errno is not EAGAIN but ", e);
	if (H.nparent != 3)
		return probe_wrong(p, "parent handlers did not run after the failed fork");
	return PROBE_OK;
}

static int probe_late_handler(struct probe *p)
{
	return late_ran ? probe_wrong(p, "a handler registered during the fork ran in it")
	                : PROBE_OK;
}

/* --- holdings ----------------------------------------------------------- */

static const struct holding h_malloc = {
    .name = "malloc arena lock",
    .setup = malloc_and_handlers,
    .verify = fx_malloc_verify,
    .ways = fx_malloc_ways,
};

static const struct holding h_sigmask = {
    .name = "open-file list lock",
    .setup = block_and_raise,
    .verify = fx_stdio_verify,
    .ways = fx_stdio_ways,
};

static const struct holding h_register = {
    .name = "malloc arena lock",
    .setup = register_from_handler,
    .verify = fx_malloc_verify,
    .ways = fx_malloc_ways,
};

static void stdio_and_handlers(void)
{
	register_handlers();
	fx_stdio_setup();
}

static const struct holding h_stdio = {
    .name = "open-file list lock",
    .setup = stdio_and_handlers,
    .verify = fx_stdio_verify,
    .ways = fx_stdio_ways,
};

#if HAVE_DLOPEN
static void loader_and_handlers(void)
{
	register_handlers();
	fx_loader_setup();
}

static const struct holding h_loader = {
    .name = "loader lock",
    .setup = loader_and_handlers,
    .verify = fx_loader_verify,
    .ways = fx_loader_ways,
};
#endif

/* The abort lock: musl holds it around posix_spawn's process creation (a
 * spawn stopped before its exec holds it). glibc 2.36 drops its abort lock
 * before raising SIGABRT and holds it nowhere else for long: there the
 * stochastic way (posix_spawn in a loop) decides. */
#if HAVE_POSIX_SPAWN
static void spawn_and_handlers(void)
{
	register_handlers();
	fx_spawnhold_setup_posix_spawn();
}

static const struct holding h_abort = {
    .name = "abort lock",
    .setup = spawn_and_handlers,
    .verify = fx_spawn_true,
    .ways = fx_posix_spawn_ways,
};
#endif

#define NEEDS_DLOPEN(h, p)      MTFORK_NEEDS(HAVE_DLOPEN, "dlopen()", h, p)
#define NEEDS_POSIX_SPAWN(h, p) MTFORK_NEEDS(HAVE_POSIX_SPAWN, "posix_spawn()", h, p)

static const struct mtcase cases[] = {
    CASE(FORK_1, "one-thread", &h_stdio, probe_one_thread),
    CASE(FORK_2, "as-safe-malloc", &h_malloc, probe_as_safe),
    CASE(FORK_2, "as-safe-stdio", &h_stdio, probe_as_safe),
    CASE(FORK_2, "as-safe-loader", NEEDS_DLOPEN(&h_loader, probe_as_safe)),
    CASE(FORK_2, "as-safe-abort-lock", NEEDS_POSIX_SPAWN(&h_abort, probe_as_safe)),
    CASE(FORK_3, "exec-malloc", &h_malloc, probe_exec),
    CASE(FORK_3, "exec-loader", NEEDS_DLOPEN(&h_loader, probe_exec)),
    CASE(FORK_4, "_exit", &h_stdio, probe_exit_now),
    CASE(FORK_5, "sigmask", &h_sigmask, probe_sigmask),
    CASE(FORK_6, "tls", &h_stdio, probe_tls),
    CASE(ABORT_1, "abort", NEEDS_POSIX_SPAWN(&h_abort, probe_abort)),
    CASE(ABORT_1, "abort-stdio", &h_stdio, probe_abort),
    CASE(RAWFORK_1, "no-handlers", &h_stdio, probe_rawfork_handlers),
    CASE(RAWFORK_2, "signal-handler", &h_stdio, probe_rawfork_signal),
    CASE(ATFORK_1, "order", &h_malloc, probe_atfork_order),
    CASE(ATFORK_1, "order-stdio", &h_stdio, probe_atfork_order),
    CASE(ATFORK_2, "errno", &h_stdio, probe_failed_fork_errno),
    CASE(ATFORK_3, "register-in-handler", &h_register, probe_late_handler),
};

MTFORK_MAIN(cases)
