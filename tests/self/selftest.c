/* SPDX-License-Identifier: MIT */
/*
 * Self-tests of the harness itself, on synthetic children and locks:
 *   - the judge proves a deadlock only for a child whose every thread waits
 *     for what only the process itself could provide (an untimed futex wait
 *     that is private or on a private anonymous page, a read of its own
 *     pipe, a signal wait nothing can signal: no timer, or timers the probe
 *     declared unarmed), and never for sleep, timed
 *     waits, a futex wait on a shared mapping, a read or futex wait another
 *     process will end, or a thread that can still run;
 *   - crashes, wrong results and silent exits are classified;
 *   - a way that does not hold is never a silent pass;
 *   - a lock held at fork is judged fail; a lock the "libc" takes around fork
 *     (an atfork handler here) is recognised by fork_waited, and by asking a
 *     copy of the process whether its fork waits on the word; a fork that
 *     waits for application state fails FILE-EXCL-1's way;
 *   - fork() itself stuck is proven only when no thread but the controller
 *     can run (never for a prepare handler waiting on a thread that sleeps,
 *     waits with a timeout or reads a pipe a live writer fills);
 *   - a seccomp holder (seccomp_hold.c) parks a helper in a system call it
 *     makes with the lock taken: held and verified, released when fork
 *     waits, and never a pass when the call is made outside the lock;
 *   - a guarded stack (WAY_STACK) finds the depth at which a thread parks
 *     inside a lock that touches no caller memory, reuses that depth in a
 *     later case (still verifying), is released when fork waits, and never
 *     passes when no depth holds.
 * Output is TAP; the exit status is non-zero if any test failed.
 *
 * Length: every self-test of the harness in one TAP stream, a synthetic
 * child or lock each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../harness/sysno.h"
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../harness/casectx.h"
#include "../harness/harness.h"
#include "../harness/seccomp_abi.h"
#include "../harness/seccomp_hold.h"
#include "../harness/uffd.h"
#include "../../tools/tap.h"

/* One test (tools/tap.h); a failure carries the outcome's detail. */
static void check(int pass, const char *name, const char *detail)
{
	pass = ok(pass, "%s", name);
	if (getenv("MTFORK_SELF_VERBOSE"))
		printf("  # %s\n", detail);
	if (!pass)
		printf("  ---\n  detail: \"%s\"\n  ...\n", detail);
}

/* Kernel ABI (musl-gcc has no <linux/futex.h>). */
enum { FUTEX_WAIT = 0, FUTEX_WAIT_PRIVATE = 128 };

static int futex_word;

static long futex_wait(int op, const struct timespec *ts)
{
	return syscall(SYS_futex, &futex_word, op, 0, ts, 0, 0);
}

static int wait_private(struct probe *p)
{
	(void)p;
	for (;;)
		futex_wait(FUTEX_WAIT_PRIVATE, 0);
	return PROBE_OK;
}

/* A non-private untimed wait on the program's own (private) memory: keyed
 * by the process's memory, nothing outside can wake it. */
static int wait_shared_private_page(struct probe *p)
{
	(void)p;
	futex_word = 0; /* the page now the child's own copy */
	for (;;)
		futex_wait(FUTEX_WAIT, 0);
	return PROBE_OK;
}

/* The same wait on a MAP_SHARED page: another process mapping it could. */
static int *shared_page(void)
{
	void *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return m == MAP_FAILED ? 0 : m;
}

static int wait_shared_mapping(struct probe *p)
{
	int *w = shared_page();
	(void)p;
	while (w)
		syscall(SYS_futex, w, FUTEX_WAIT, 0, 0, 0, 0);
	return PROBE_OK;
}

/* ... and one that another process (an orphan, so the child has no child
 * of its own) does wake after 300 ms: the probe must end and work. */
static int live_waker_shared(struct probe *p)
{
	int *w = shared_page();
	(void)p;
	if (!w)
		return PROBE_OK;
	pid_t mid = fork();
	if (mid == 0) {
		if (fork() == 0) {
			usleep(300000);
			__atomic_store_n(w, 1, __ATOMIC_SEQ_CST);
			syscall(SYS_futex, w, 1 /* FUTEX_WAKE */, 1, 0, 0, 0);
			_exit(0);
		}
		_exit(0);
	}
	while (waitpid(mid, 0, 0) < 0 && errno == EINTR)
		;
	while (!__atomic_load_n(w, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, w, FUTEX_WAIT, 0, 0, 0, 0);
	return PROBE_OK;
}

static int wait_timed(struct probe *p)
{
	struct timespec ts = {30, 0};
	(void)p;
	for (;;)
		futex_wait(FUTEX_WAIT_PRIVATE, &ts);
	return PROBE_OK;
}

static int do_sleep(struct probe *p)
{
	(void)p;
	sleep(30);
	return PROBE_OK;
}

static int do_read(struct probe *p)
{
	int fd[2];
	char c;
	(void)p;
	if (pipe(fd) == 0)
		while (read(fd[0], &c, 1) < 0 && errno == EINTR)
			;
	return PROBE_OK;
}

static void *parked_thread(void *a)
{
	(void)a;
	for (;;)
		futex_wait(FUTEX_WAIT_PRIVATE, 0);
	return 0;
}

static int two_threads_waiting(struct probe *p)
{
	pthread_t t;
	pthread_create(&t, 0, parked_thread, 0);
	return wait_private(p);
}

/* The main thread in an untimed private futex wait, beside a second thread
 * doing what the argument says. */
static int pipe_fd[2] = {-1, -1};

static void *reading_thread(void *a)
{
	char c;
	(void)a;
	while (read(pipe_fd[0], &c, 1) < 0 && errno == EINTR)
		;
	return 0;
}

static void *sleeping_thread(void *a)
{
	(void)a;
	sleep(30);
	return 0;
}

static void *sigwaiting_thread(void *a)
{
	sigset_t set;
	siginfo_t si;
	(void)a;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	while (sigwaitinfo(&set, &si) < 0 && errno == EINTR)
		;
	return 0;
}

static void *sigwaiting_timed_thread(void *a)
{
	sigset_t set;
	siginfo_t si;
	struct timespec ts = {30, 0};
	(void)a;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	while (sigtimedwait(&set, &si, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

static int beside(void *(*fn)(void *))
{
	pthread_t t;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, 0);
	pthread_create(&t, 0, fn, 0);
	return wait_private(0);
}

static int own_pipe_read(struct probe *p)
{
	(void)p;
	if (pipe(pipe_fd))
		return PROBE_OK;
	return beside(reading_thread);
}

/* The write end lives in another process, not a child of this one (an
 * orphan: a child would already rule the proof out), which writes after
 * 300 ms: the read ends, and so must the probe (a live writer is no
 * deadlock). */
static int live_writer_read(struct probe *p)
{
	char c;
	(void)p;
	if (pipe(pipe_fd))
		return PROBE_OK;
	pid_t mid = fork();
	if (mid == 0) {
		if (fork() == 0) {
			usleep(300000);
			if (write(pipe_fd[1], "x", 1) != 1)
				_exit(1);
			_exit(0);
		}
		_exit(0);
	}
	while (waitpid(mid, 0, 0) < 0 && errno == EINTR)
		;
	close(pipe_fd[1]);
	while (read(pipe_fd[0], &c, 1) < 0 && errno == EINTR)
		;
	return PROBE_OK;
}

static int with_sleeper(struct probe *p)
{
	(void)p;
	return beside(sleeping_thread);
}

static int with_sigwait(struct probe *p)
{
	(void)p;
	return beside(sigwaiting_thread);
}

static int with_timed_sigwait(struct probe *p)
{
	(void)p;
	return beside(sigwaiting_timed_thread);
}

/* A POSIX timer armed to signal in 30 s: a signal can still come. */
static int with_sigwait_and_timer(struct probe *p)
{
	timer_t tm;
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
	struct itimerspec its = {.it_value = {30, 0}};
	(void)p;
	if (timer_create(CLOCK_MONOTONIC, &ev, &tm) || timer_settime(tm, 0, &its, 0))
		return PROBE_OK;
	return beside(sigwaiting_thread);
}

/* A timer created and never armed (glibc's timer_create stuck in THREAD-7
 * leaves one): /proc/PID/timers lists it either way, so only the probe's
 * declaration (probe_timers_disarmed) lets the judge rule it out. */
static int sigwait_beside_timer(int arm, int declared)
{
	timer_t tm;
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
	struct itimerspec its = {.it_value = {30, 0}};
	probe_timers_disarmed(1);
	if (timer_create(CLOCK_MONOTONIC, &ev, &tm))
		return PROBE_OK;
	if (arm) {
		probe_timers_disarmed(0); /* as a probe must, before arming */
		if (timer_settime(tm, 0, &its, 0))
			return PROBE_OK;
	}
	probe_timers_disarmed(declared);
	return beside(sigwaiting_thread);
}

static int with_unarmed_timer_declared(struct probe *p)
{
	(void)p;
	return sigwait_beside_timer(0, 1);
}

static int with_unarmed_timer_undeclared(struct probe *p)
{
	(void)p;
	return sigwait_beside_timer(0, 0);
}

static int with_armed_timer_cleared(struct probe *p)
{
	(void)p;
	return sigwait_beside_timer(1, 0);
}

static int do_crash(struct probe *p)
{
	(void)p;
	raise(SIGSEGV);
	return PROBE_OK;
}

static int do_wrong(struct probe *p)
{
	return probe_wrong(p, "synthetic wrong result");
}

static int do_silent_exit(struct probe *p)
{
	(void)p;
	_exit(0);
}

static int do_nothing(struct probe *p)
{
	(void)p;
	return PROBE_OK;
}

/* Fork a child running probe and judge it with the given timeout. */
static void judge_probe(int (*probe)(struct probe *), int timeout_ms, struct child_result *r,
                        long *ms)
{
	struct mtcase c = {"SELF.x", "SELF", MUST, 0, probe};
	int fd[2];
	if (pipe(fd))
		return;
	long t0 = now_ms();
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		child_report(&c, fd[1]);
	}
	close(fd[1]);
	judge_child(pid, fd[0], timeout_ms, r, 0, 0);
	close(fd[0]);
	*ms = now_ms() - t0;
}

static void judge_tests(void)
{
	struct child_result r;
	long ms;

	judge_probe(wait_private, 5000, &r, &ms);
	check(r.behaviour == B_DEADLOCK && r.how == HOW_PROOF && ms < 100,
	      "a private untimed futex wait is a proven deadlock in < 100 ms", r.detail);

	static const struct {
		int (*probe)(struct probe *);
		const char *name;
	} never_proof[] = {
	    {do_sleep, "a sleeping child is judged by timeout, never by proof"},
	    {wait_timed, "a timed futex wait is judged by timeout, never by proof"},
	    {wait_shared_mapping,
	     "a futex wait on a MAP_SHARED page is judged by timeout, never by proof"},
	    {with_sleeper, "a child with a sleeping thread is judged by timeout, never by proof"},
	    {with_timed_sigwait,
	     "a thread in a timed signal wait: judged by timeout, never by proof"},
	    {with_sigwait_and_timer,
	     "a signal wait with a timer armed to signal: judged by timeout, never by proof"},
	    {with_unarmed_timer_undeclared,
	     "a signal wait beside a timer never armed but not declared so: judged by timeout"},
	    {with_armed_timer_cleared,
	     "a signal wait beside a timer armed after the declaration was cleared: judged by "
	     "timeout"},
	};
	for (size_t i = 0; i < sizeof never_proof / sizeof never_proof[0]; i++) {
		judge_probe(never_proof[i].probe, 300, &r, &ms);
		check(r.behaviour == B_DEADLOCK && r.how == HOW_TIMEOUT && ms >= 300,
		      never_proof[i].name, r.detail);
	}

	static const struct {
		int (*probe)(struct probe *);
		const char *name;
	} proof[] = {
	    {two_threads_waiting, "two threads in private untimed futex waits: proven"},
	    {wait_shared_private_page,
	     "a non-private untimed futex wait on a private anonymous page: proven"},
	    {do_read, "a read of a pipe only the child itself can write: proven"},
	    {own_pipe_read, "a futex wait beside a read of the child's own pipe: proven"},
	    {with_sigwait, "a futex wait beside an untimed signal wait, no timer: proven"},
	    {with_unarmed_timer_declared,
	     "a futex wait beside a signal wait, its timer declared unarmed by the probe: proven"},
	};
	for (size_t i = 0; i < sizeof proof / sizeof proof[0]; i++) {
		judge_probe(proof[i].probe, 5000, &r, &ms);
		check(r.behaviour == B_DEADLOCK && r.how == HOW_PROOF && ms < 1000, proof[i].name,
		      r.detail);
	}
	judge_probe(live_writer_read, 5000, &r, &ms);
	check(r.behaviour == B_WORKS && ms >= 300,
	      "a read a live writer will satisfy is never proven: the child works", r.detail);
	judge_probe(live_waker_shared, 5000, &r, &ms);
	check(r.behaviour == B_WORKS && ms >= 300,
	      "a futex wait another process will wake is never proven: the child works", r.detail);

	judge_probe(do_crash, 2000, &r, &ms);
	check(r.behaviour == B_CRASH && r.signo == SIGSEGV && strstr(r.detail, "SIGSEGV"),
	      "a crashing child is a crash with its signal", r.detail);
	judge_probe(do_wrong, 2000, &r, &ms);
	check(r.behaviour == B_WRONG && !strcmp(r.detail, "synthetic wrong result"),
	      "a wrong result is reported with its detail", r.detail);
	judge_probe(do_silent_exit, 2000, &r, &ms);
	check(r.behaviour == B_WRONG, "a child exiting without a report is wrong", r.detail);
	judge_probe(do_nothing, 2000, &r, &ms);
	check(r.behaviour == B_WORKS, "a child that reports success works", r.detail);
}

/* A synthetic subsystem: one mutex, entered through a uffd-trapped argument. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void enter_locked(struct hold *h)
{
	pthread_mutex_lock(&lock);
	h->page[0] = 1; /* parks here, lock held */
	pthread_mutex_unlock(&lock);
}

static void enter_unlocked(struct hold *h)
{
	h->page[0] = 1; /* parks, but holds nothing */
}

static void enter_app(struct hold *h)
{
	(void)h;
	pthread_mutex_lock(&lock);
	holder_park();
}

/* Stack use the compiler cannot elide: n frames of about 300 bytes. */
static __attribute__((noinline)) void use_stack(int n)
{
	volatile char buf[256];
	buf[0] = (char)n;
	if (n > 0)
		use_stack(n - 1);
	buf[1] = buf[0];
}

/* Shallow before the lock, deeper under it, touching no caller memory:
 * only a guarded stack can park it inside. */
static void enter_stack_locked(struct hold *h)
{
	(void)h;
	use_stack(2);
	pthread_mutex_lock(&lock);
	use_stack(8);
	pthread_mutex_unlock(&lock);
}

static void enter_stack_unlocked(struct hold *h)
{
	(void)h;
	use_stack(8);
}

static void hammer(struct hold *h)
{
	(void)h;
	pthread_mutex_lock(&lock);
	pthread_mutex_unlock(&lock);
}

static void verify_lock(void)
{
	pthread_mutex_lock(&lock);
	pthread_mutex_unlock(&lock);
}

static void prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void after(void)
{
	pthread_mutex_unlock(&lock);
}

static void reset(void)
{
	pthread_mutex_init(&lock, 0);
}

/* A "libc" that waits for the lock in fork without a futex: it spins. */
static void spin_prepare(void)
{
	while (pthread_mutex_trylock(&lock))
		sched_yield();
}

static void spin_lock_at_fork(void)
{
	pthread_atfork(spin_prepare, after, reset);
}

/* Make this case process's "libc" take the lock around fork, as musl does. */
static void take_lock_at_fork(void)
{
	pthread_atfork(prepare, after, reset);
}

static int probe_lock_free(struct probe *p)
{
	if (pthread_mutex_trylock(&lock))
		return probe_wrong(p, "the synthetic lock is still held in the child");
	return PROBE_OK;
}

/* A child that takes its time (a loaded machine's, or a slow probe's). */
static int probe_lock_free_slowly(struct probe *p)
{
	usleep(12000);
	return probe_lock_free(p);
}

static const struct way held_way[] = {UFFD_WAY("synthetic", enter_locked, 0), {0}};
static const struct way hollow_then_stochastic[] = {
    UFFD_WAY("hollow", enter_unlocked, 0), STOCHASTIC_WAY("synthetic", hammer), {0}};
static const struct way hollow_only[] = {UFFD_WAY("hollow", enter_unlocked, 0), {0}};
static const struct way stack_way[] = {STACK_WAY("synthetic", enter_stack_locked), {0}};
static const struct way stack_way2[] = {STACK_WAY("synthetic", enter_stack_locked), {0}};
static const struct way stack_hollow[] = {STACK_WAY("hollow", enter_stack_unlocked), {0}};
static const struct way app_way[] = {APP_WAY("synthetic", enter_app), {0}};

/* The synthetic lock, and inside it the open-file list lock, which every
 * libc takes in fork: fork would wait for the list lock, the holder would be
 * released, and the synthetic lock would be tested by nothing. */
static FILE *pending;

static void make_pending_stream(void)
{
	pending = parking_stream();
	if (pending)
		fputs("pending", pending);
}

static void enter_locked_then_list(struct hold *h)
{
	(void)h;
	pthread_mutex_lock(&lock);
	fflush(NULL); /* parks in the parking stream's write, list lock held */
	pthread_mutex_unlock(&lock);
}

static const struct way also_list_way[] = {CALLBACK_WAY("also-list", enter_locked_then_list), {0}};

static void run(const struct holding *h, struct outcome *o, const char **holder);

/* Seccomp holders: the helper opens a file no one has (the call is stopped
 * before it runs), with the synthetic lock taken or not. */
static void open_marker(void)
{
	int fd = open("/nonexistent/mtfork-self-seccomp", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
}

static void open_locked(void)
{
	pthread_mutex_lock(&lock);
	open_marker();
	pthread_mutex_unlock(&lock);
}

static void open_unlocked(void)
{
	open_marker();
	pthread_mutex_lock(&lock);
	pthread_mutex_unlock(&lock);
}

static const struct sc_trap opening_locked = {
    .nr = {SC_OPEN, SC_OPENAT}, .path = "mtfork-self-seccomp", .call = open_locked};
static const struct sc_trap opening_unlocked = {
    .nr = {SC_OPEN, SC_OPENAT}, .path = "mtfork-self-seccomp", .call = open_unlocked};

static void enter_seccomp_locked(struct hold *h)
{
	seccomp_hold(h, &opening_locked);
}

static void enter_seccomp_unlocked(struct hold *h)
{
	seccomp_hold(h, &opening_unlocked);
}

static const struct way seccomp_way[] = {SECCOMP_CALL_WAY("synthetic", enter_seccomp_locked), {0}};
static const struct way seccomp_way2[] = {SECCOMP_CALL_WAY("synthetic", enter_seccomp_locked), {0}};
static const struct way seccomp_hollow[] = {SECCOMP_CALL_WAY("hollow", enter_seccomp_unlocked),
                                            {0}};

/* Can a filter with a listener be installed here (in a child: a filter is
 * for ever)? Not on kernels before 5.0, nor where seccomp is denied. */
static int seccomp_notify_works(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct fx_sock_filter allow = {.code = 0x06, .k = 0x7fff0000}; /* RET ALLOW */
		_exit(seccomp_install(&allow, 1, 1) >= 0 ? 0 : 1);
	}
	int st = 1;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void seccomp_tests(void)
{
	struct outcome o;
	const char *holder;
	if (!seccomp_notify_works()) {
		for (int i = 0; i < 3; i++)
			tap_skip("a seccomp holder", "no seccomp user notification here");
		return;
	}
	struct holding plain = {
	    .name = "synthetic lock", .verify = verify_lock, .ways = seccomp_way};
	run(&plain, &o, &holder);
	check(o.verdict == V_FAIL && o.behaviour == B_WRONG && o.held == 1 && o.fork_waited == 0 &&
	          !strcmp(holder, "seccomp-call:synthetic"),
	      "seccomp: a helper stopped in a call it makes with the lock taken holds it, verified",
	      o.detail);
	struct holding musl_like = {.name = "synthetic lock",
	                            .setup = take_lock_at_fork,
	                            .verify = verify_lock,
	                            .ways = seccomp_way2};
	run(&musl_like, &o, &holder);
	check(o.verdict == V_PASS && o.held == 1 && o.fork_waited == 1,
	      "seccomp: the stopped helper is released when fork waits for its lock", o.detail);
	struct holding hollow = {
	    .name = "synthetic lock", .verify = verify_lock, .ways = seccomp_hollow};
	run(&hollow, &o, &holder);
	check(o.verdict == V_ERROR && strstr(o.detail, "did not hold"),
	      "seccomp: a call made outside the lock holds nothing: an error, never a pass",
	      o.detail);
}

/* A hammer that does no work under any lock: its "subsystem call" is a
 * loop of arithmetic. */
static volatile unsigned long spin_sink;
static void hammer_nothing(struct hold *h)
{
	(void)h;
	for (int i = 0; i < 1000; i++)
		spin_sink += (unsigned long)i;
}

/* Holds the lock long enough that a contender stops spinning and waits
 * on the futex (musl's mutex spins first). */
static void hammer_slow(struct hold *h)
{
	(void)h;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < 2000; i++)
		spin_sink += (unsigned long)i;
	pthread_mutex_unlock(&lock);
}

/* Holds the lock in the scout (a copy of the case process: another pid),
 * never in the case process: the search finds the lock and no evidence. */
static pid_t case_pid;
static void remember_case_pid(void)
{
	case_pid = getpid();
}
static void hammer_in_copies(struct hold *h)
{
	if (getpid() == case_pid)
		hammer_nothing(h);
	else
		hammer_slow(h);
}

static const struct way stoch_way[] = {STOCHASTIC_WAY("synthetic", hammer_slow), {0}};
static const struct way stoch_nothing[] = {STOCHASTIC_WAY("nothing", hammer_nothing), {0}};
static const struct way stoch_scout_only[] = {STOCHASTIC_WAY("scout-only", hammer_in_copies), {0}};

static void take_lock_at_fork_high_floor(void)
{
	take_lock_at_fork();
	stochastic_budget(1000000, 300);
}

/* fork() itself stuck (forkproof.c): a prepare handler waits on lock2,
 * which a thread of the case process holds. The thread lets it go after
 * 300 ms (merely slow: a sleep, a timed wait, a read a live writer
 * satisfies) or never (it waits on lock2 itself: a deadlock). Only the
 * forker thread's first fork waits. */
static pthread_mutex_t lock2 = PTHREAD_MUTEX_INITIALIZER;
static int slow_ready[2] = {-1, -1}, slow_go[2] = {-1, -1}, slow_data[2] = {-1, -1};
static int slow_kind, slow_forks;
enum { SLOW_SLEEP, SLOW_TIMED_WAIT, SLOW_LIVE_WRITER, SLOW_NEVER };

static void *late_writer(void *a)
{
	(void)a;
	usleep(300000);
	if (write(slow_data[1], "x", 1) != 1)
		_exit(1);
	return 0;
}

static void *lock2_owner(void *a)
{
	char c;
	(void)a;
	pthread_mutex_lock(&lock2);
	if (write(slow_ready[1], "r", 1) != 1) /* lock2 held: setup may return */
		_exit(1);
	while (read(slow_go[0], &c, 1) < 0 && errno == EINTR)
		; /* the prepare handler says fork waits now */
	if (slow_kind == SLOW_SLEEP) {
		usleep(300000);
	} else if (slow_kind == SLOW_TIMED_WAIT) {
		struct timespec ts = {0, 300000000};
		futex_wait(FUTEX_WAIT_PRIVATE, &ts);
	} else if (slow_kind == SLOW_LIVE_WRITER) {
		pthread_t w;
		pthread_create(&w, 0, late_writer, 0);
		while (read(slow_data[0], &c, 1) < 0 && errno == EINTR)
			;
	} else {
		pthread_mutex_lock(&lock2); /* never: it holds lock2 itself */
	}
	pthread_mutex_unlock(&lock2);
	return 0;
}

static void slow_prepare(void)
{
	/* not the stochastic scout's fork, from the main thread: the forker's */
	if (syscall(SYS_gettid) == getpid() || slow_forks++)
		return;
	if (write(slow_go[1], "g", 1) != 1)
		_exit(1);
	pthread_mutex_lock(&lock2);
	pthread_mutex_unlock(&lock2);
}

static void slow_fork_setup(void)
{
	char c;
	pthread_t t;
	/* the slow first fork must not eat the search's time on a loaded
	 * machine: the verdict here is the rule's, not the budget's. (The
	 * holding has no lock to verify: its evidence is the hammer inside its
	 * call, 50 forks of it.) */
	stochastic_budget(0, 12000);
	if (pipe(slow_ready) || pipe(slow_go) || pipe(slow_data) ||
	    pthread_create(&t, 0, lock2_owner, 0))
		_exit(1);
	while (read(slow_ready[0], &c, 1) < 0 && errno == EINTR)
		;
	pthread_atfork(slow_prepare, 0, 0);
}

static void fork_proof_tests(void)
{
	struct outcome o;
	const char *holder;
	static const char *const what[] = {
	    "a prepare handler waiting for a thread that sleeps",
	    "a prepare handler waiting for a thread in a timed wait",
	    "a prepare handler waiting for a thread whose read a live writer satisfies"};
	for (slow_kind = SLOW_SLEEP; slow_kind <= SLOW_LIVE_WRITER; slow_kind++) {
		struct holding h = {
		    .name = "synthetic state", .setup = slow_fork_setup, .ways = stoch_nothing};
		run(&h, &o, &holder);
		char name[160] = "fork proof: ";
		str_add(name, sizeof name, what[slow_kind]);
		str_add(name, sizeof name, " is a slow fork, never a proven deadlock: a pass");
		check(o.verdict == V_PASS && o.behaviour == B_WORKS, name, o.detail);
	}
	slow_kind = SLOW_NEVER;
	struct holding h = {
	    .name = "synthetic state", .setup = slow_fork_setup, .ways = stoch_nothing};
	run(&h, &o, &holder);
	check(o.verdict == V_FAIL && o.behaviour == B_DEADLOCK && o.how == HOW_PROOF &&
	          strstr(o.detail, "fork() never returns"),
	      "fork proof: a fork whose prepare handler waits for a lock no thread can release "
	      "(the stochastic hammer paused) is a proven deadlock",
	      o.detail);
}

/* A lock word a prepare handler takes (2: held, contended), after waiting
 * until another word, if set, is clear. */
static atomic_int taken_word, other_word;

static void wait_word(atomic_int *w, int v)
{
	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, 0, 0, 0);
}

/* Only the forker thread's forks: not the main thread's, which makes the
 * copy that fork_takes_lock asks. */
static void take_word(void)
{
	int v;
	if (syscall(SYS_gettid) == getpid())
		return;
	while ((v = atomic_load(&other_word)) != 0)
		wait_word(&other_word, v);
	while (atomic_exchange(&taken_word, 2) != 0)
		wait_word(&taken_word, 2);
}

static void drop_word(void)
{
	if (syscall(SYS_gettid) != getpid())
		atomic_store(&taken_word, 0);
}

/* In a process of its own (the handlers stay registered): bit 0 when
 * fork_takes_lock answers 1 for the word the handler takes, bit 1 when it
 * answers 0 for a word nothing takes, bit 2 when it answers -1 for a fork
 * that parks on another word. */
static int fork_takes_answers(void)
{
	static atomic_int untouched;
	int bits = 0;
	pthread_atfork(take_word, drop_word, drop_word);
	bits |= fork_takes_lock((unsigned long)&taken_word, fork) == 1;
	bits |= (fork_takes_lock((unsigned long)&untouched, fork) == 0) << 1;
	atomic_store(&other_word, 1);
	bits |= (fork_takes_lock((unsigned long)&taken_word, fork) == -1) << 2;
	return bits;
}

static void fork_takes_tests(void)
{
	int status = 0;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(fork_takes_answers());
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int bits = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
	check(bits & 1, "fork takes lock: a fork that waits on the word says yes", "");
	check(bits & 2, "fork takes lock: a fork that never touches the word says no", "");
	check(bits & 4, "fork takes lock: a fork parked on another word is unknown, never yes", "");
}

static void stochastic_tests(void)
{
	struct outcome o;
	const char *holder;

	fork_takes_tests();
	struct holding plain = {.name = "synthetic lock", .verify = verify_lock, .ways = stoch_way};
	run(&plain, &o, &holder);
	check(o.verdict == V_FAIL && o.behaviour == B_WRONG,
	      "stochastic: a lock the child inherits held is found", o.detail);

	struct holding musl_like = {.name = "synthetic lock",
	                            .setup = take_lock_at_fork,
	                            .verify = verify_lock,
	                            .ways = stoch_way};
	run(&musl_like, &o, &holder);
	check(o.verdict == V_PASS && o.forks_inside >= 50 && o.forks >= 200 &&
	          strstr(o.detail, "fork takes the found lock"),
	      "stochastic: a lock fork takes is never held at fork: a pass counts forks with the "
	      "hammer in its call (evidence floor, and 200 forks)",
	      o.detail);

	config()->no_lockfind = 1;
	run(&musl_like, &o, &holder);
	config()->no_lockfind = 0;
	check(o.verdict == V_SKIP && o.forks_inside == 0 && strstr(o.detail, "undecided"),
	      "stochastic: without a found lock there is no evidence: undecided, never a pass",
	      o.detail);

	struct holding hollow = {
	    .name = "synthetic lock", .verify = verify_lock, .ways = stoch_nothing};
	run(&hollow, &o, &holder);
	check(o.verdict == V_SKIP && strstr(o.detail, "undecided") && o.forks >= STOCH_HUNT_MIN &&
	          o.forks <= STOCH_HUNT_FORKS,
	      "stochastic: a hammer that never holds the lock is undecided after a hunt of 100 "
	      "to 200 forks, never a pass",
	      o.detail);

	/* A lock found, no evidence: the first evidence may come late, in a
	 * burst; the search keeps the budget's second for it (it does not stop
	 * at 200 forks, which a quiet machine makes in a fraction of that). */
	struct holding found = {.name = "synthetic lock",
	                        .setup = remember_case_pid,
	                        .verify = verify_lock,
	                        .ways = stoch_scout_only};
	run(&found, &o, &holder);
	const char *in = strstr(o.detail, " forks in ");
	long took = in ? strtol(in + strlen(" forks in "), 0, 10) : 0;
	check(o.verdict == V_SKIP && o.forks_inside == 0 && strstr(o.detail, "[lock word") &&
	          took >= 1000 && o.forks >= STOCH_HUNT_MIN,
	      "stochastic: a search that found a lock but no evidence keeps the budget's second "
	      "for it",
	      o.detail);

	/* Each child takes 12 ms: a hunt that the 1 s budget alone ended would
	 * stop at about 80 forks. */
	struct mtcase slow = {"SELF.lock", "SELF", MUST, &hollow, probe_lock_free_slowly};
	run_case(&slow, &o, &holder);
	check(o.verdict == V_SKIP && strstr(o.detail, "undecided") && o.forks >= STOCH_HUNT_MIN,
	      "stochastic: slow forks make the hunt longer, never shorter than 100 forks",
	      o.detail);

	struct holding high = {.name = "synthetic lock",
	                       .setup = take_lock_at_fork_high_floor,
	                       .verify = verify_lock,
	                       .ways = stoch_way};
	run(&high, &o, &holder);
	check(o.verdict == V_SKIP && o.forks_inside > 0 && strstr(o.detail, "undecided"),
	      "stochastic: evidence below the floor at the time cap is undecided, with the count",
	      o.detail);
}

static void run(const struct holding *h, struct outcome *o, const char **holder)
{
	struct mtcase c = {"SELF.lock", "SELF", MUST, h, probe_lock_free};
	run_case(&c, o, holder);
}

/* Without userfaultfd, each test of a uffd or guarded-stack holder is one
 * SKIP line, so the plan stays true. */
#define UFFD_TESTS 9

static void holder_tests(void)
{
	struct outcome o;
	const char *holder;
	struct uffd_trap probe_trap;

	if (uffd_trap_open(&probe_trap)) {
		for (int i = 0; i < UFFD_TESTS; i++)
			tap_skip("a userfaultfd holder", probe_trap.why);
		goto no_uffd;
	}
	close(probe_trap.fd);

	struct holding plain = {.name = "synthetic lock", .verify = verify_lock, .ways = held_way};
	run(&plain, &o, &holder);
	check(o.verdict == V_FAIL && o.behaviour == B_WRONG && o.held == 1 && o.fork_waited == 0,
	      "a lock held at fork and not reset is a failure, verifiably held", o.detail);

	struct holding musl_like = {.name = "synthetic lock",
	                            .setup = take_lock_at_fork,
	                            .verify = verify_lock,
	                            .ways = held_way};
	run(&musl_like, &o, &holder);
	check(o.verdict == V_PASS && o.held == 1 && o.fork_waited == 1,
	      "a lock taken around fork is recognised: fork_waited, then pass", o.detail);

	struct holding spinning = {.name = "synthetic lock",
	                           .setup = spin_lock_at_fork,
	                           .verify = verify_lock,
	                           .ways = held_way};
	run(&spinning, &o, &holder);
	check(o.verdict == V_PASS && o.fork_waited == 1 && strstr(o.detail, "without a futex"),
	      "a fork that waits by spinning is released at the timeout, never judged a deadlock",
	      o.detail);

	struct holding hollow = {
	    .name = "synthetic lock", .verify = verify_lock, .ways = hollow_then_stochastic};
	run(&hollow, &o, &holder);
	check(strcmp(holder, "stochastic:synthetic") == 0 && strstr(o.detail, "did not hold"),
	      "a way that holds nothing falls back to the stochastic holder, and says so",
	      o.detail);

	struct holding hollow_alone = {
	    .name = "synthetic lock", .verify = verify_lock, .ways = hollow_only};
	run(&hollow_alone, &o, &holder);
	check(o.verdict == V_ERROR, "a way that holds nothing, with no fallback, is an error",
	      o.detail);

	struct holding on_stack = {
	    .name = "synthetic lock", .verify = verify_lock, .ways = stack_way};
	run(&on_stack, &o, &holder);
	check(o.verdict == V_FAIL && o.held == 1 && o.fork_waited == 0 &&
	          strstr(o.detail, "guarded stack held at depth"),
	      "a guarded stack holds a lock taken where no caller memory is touched", o.detail);
	run(&on_stack, &o, &holder);
	check(o.verdict == V_FAIL && o.held == 1 && strstr(o.detail, "(1 try,"),
	      "a later case starts at the depth that held before, and verifies it", o.detail);
	struct holding stack_musl_like = {.name = "synthetic lock",
	                                  .setup = take_lock_at_fork,
	                                  .verify = verify_lock,
	                                  .ways = stack_way2};
	run(&stack_musl_like, &o, &holder);
	check(o.verdict == V_PASS && o.held == 1 && o.fork_waited == 1,
	      "a guarded-stack holder is released when fork waits for its lock", o.detail);
	struct holding stack_nothing = {
	    .name = "synthetic lock", .verify = verify_lock, .ways = stack_hollow};
	run(&stack_nothing, &o, &holder);
	check(o.verdict == V_ERROR && strstr(o.detail, "scanned to"),
	      "a guarded stack that holds nothing at any depth is an error, never a pass",
	      o.detail);

no_uffd:
	seccomp_tests();
	stochastic_tests();
	fork_proof_tests();

	struct holding also_list = {.name = "synthetic lock",
	                            .setup = make_pending_stream,
	                            .verify = verify_lock,
	                            .ways = also_list_way};
	run(&also_list, &o, &holder);
	check(o.verdict == V_ERROR && strstr(o.detail, "also holds a lock fork takes"),
	      "a holder that also holds a lock fork takes (the open-file list) is never a pass",
	      o.detail);

	struct holding app = {.name = "application lock",
	                      .setup = take_lock_at_fork,
	                      .verify = verify_lock,
	                      .ways = app_way};
	run(&app, &o, &holder);
	check(o.verdict == V_FAIL && o.behaviour == B_DEADLOCK && o.how == HOW_PROOF,
	      "fork waiting for application-held state fails (never released)", o.detail);
}

int main(void)
{
	printf("TAP version 13\n");
	fflush(stdout);
	judge_tests();
	holder_tests();
	return tap_done();
}
