/* SPDX-License-Identifier: MIT */
/*
 * The case process: one case, one way of holding, in a process of its own.
 *
 *   1. Hold:   the holder thread enters the subsystem and parks inside it
 *              (on a userfaultfd page, or in a callback via holder_park()).
 *   2. Verify: the verifier thread calls something needing the same lock;
 *              it must stay parked in a futex wait, not return or fault.
 *   3. Fork:   the forker thread forks. If fork itself parks on a futex, the
 *              libc takes the lock around fork (musl's model): release the
 *              holder and record fork_waited — unless the state is the
 *              application's, which fork must never wait for.
 *   4. Probe and judge: the child runs the probe; judge_child() decides.
 *
 * Every thread is created before holding (creating one can block behind a
 * held loader lock), and after holding this controller uses only system
 * calls and lock-free helpers: the held lock may be one stdio or malloc uses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "harness.h"
#include "proc.h"
#include "uffd.h"

#define HOLD_MS       2000 /* the holder must park within this */
#define VERIFY_MS     1000 /* the verifier must park (or fail to) within this */
#define CHILD_MS      2000 /* a child not done by then is judged by timeout */
#define STABLE_MS     5    /* two samples this far apart must agree */
#define STOCH_FLOOR   50   /* stochastic: forks with evidence a pass needs */
#define STOCH_HUNT_MS 1000 /* ... without evidence, forks hunt a failure this long */
#define STOCH_CAP_MS  8000 /* ... with evidence coming in, the floor's time cap */
#define SCAN_MS       1500 /* guarded stack: the depth scan gives up after this */
#define SCAN_TRIES    400  /* ... or after this many depths */
#define FORK_SLOW_MS  200  /* a fork not back by then is watched for a proof */

/* MTFORK_FORK=_Fork forks with _Fork(), which takes and resets no lock: a
 * deliberately violating "target" proving cases that libc fork protects can
 * fail. Weak, so a libc without _Fork still links. */
pid_t _Fork(void) __attribute__((weak));

enum { EV_PARKED = 'P', EV_RETURNED = 'R', EV_FORKED = 'F' };

static struct {
	const struct mtcase *c;
	const struct way *w;
	struct uffd_trap trap;
	char *fill;     /* the page's content once released */
	int ev[2];      /* threads -> controller */
	int release[2]; /* controller -> a holder parked in holder_park() */
	int go_holder[2], go_verifier[2], go_forker[2], go_checker[2];
	int result_w; /* the next child's report pipe */
	atomic_int tid_holder, tid_verifier, tid_forker, tid_checker;
	atomic_int stop;
	atomic_int hammering;      /* the stochastic holder has been through enter() once */
	atomic_int in_call;        /* ... is inside its enter() (set by the harness) */
	atomic_int in_marked;      /* ... is between stochastic_inside(1) and (0) */
	atomic_int explicit_marks; /* ... enter() brackets its subsystem call itself */
	int last_inside;           /* the last child's snapshot of the above (1/0, -1 unknown) */
	int notif_fd;              /* stochastic: the verifier's futex-wait listener (lockfind.c) */
	atomic_int notif_ready, lock_found, verifier_done;
	unsigned long lock_addr; /* ... the futex word of the lock the hammer takes, or 0 */
	int watch_fd;            /* ... the forker's waits on it (lockfind_watch), or -1 */
	atomic_int watch_ready;
	int fork_waited_lock;      /* ... the forker waited on it during the last fork */
	unsigned long child_futex; /* the last child's proven wait (its futex word) */
	atomic_int released;       /* the holder was let go (before fork, if fork waited) */
	atomic_int pause_hammer;   /* stochastic: the hammer waits on unpause between passes */
	int unpause[2];            /* ... controller -> hammer: go on */
	pid_t (*fork)(void);
	int out_fd;                /* to the supervisor */
	unsigned long fork_futex;  /* where fork waited before the holder was released */
	void (*before_fork)(void); /* run_before_fork(): in the forker, before each fork */
	int stoch_forks, stoch_ms; /* stochastic_budget(), or 0 for the defaults */
	struct gstack gs;          /* WAY_STACK: the holder's guarded stack */
	size_t depth;              /* ... where the holder's next call starts */
	size_t touched;            /* ... how deep the last fault touched (0: unknown) */
	char note[160];            /* ... how the depth was found, for the detail */
	int in_allocator;          /* ... depths passed over: parked inside malloc */
} C;

void run_before_fork(void (*fn)(void))
{
	C.before_fork = fn;
}

void stochastic_inside(int inside)
{
	C.explicit_marks = 1;
	C.in_marked = inside;
}

/* One pass of the stochastic hammer, bracketed unless it brackets itself. */
static void hammer_pass(struct hold *h)
{
	C.in_call = 1;
	C.w->enter(h);
	C.in_call = 0;
}

void stochastic_budget(int forks, int ms)
{
	C.stoch_forks = forks;
	C.stoch_ms = ms;
}

static void post(int type, int val)
{
	int msg[2] = {type, val};
	if (write(C.ev[1], msg, sizeof msg) != sizeof msg)
		_exit(124);
}

static void await(int fd)
{
	char b;
	while (read(fd, &b, 1) < 0 && errno == EINTR)
		;
}

static void go(int fd)
{
	if (write(fd, "g", 1) != 1)
		_exit(124);
}

/* A thread whose work is done waits here until the process exits. */
static __attribute__((noreturn)) void idle(void)
{
	for (;;)
		pause();
}

static void block_signals(void)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, 0);
}

static void stack_entry(void *h)
{
	C.w->enter(h);
}

static void *holder_main(void *arg)
{
	(void)arg;
	struct hold h = {C.trap.page, C.trap.page ? C.trap.page - 1 : 0, C.trap.page_size};
	block_signals(); /* a parked holder must not run handlers */
	C.tid_holder = gettid_();
	park_set_holder(C.tid_holder);
	if (C.w->kind == WAY_STACK) {
		for (;;) { /* one call per depth tried */
			await(C.go_holder[0]);
			gstack_call(stack_entry, &h, gstack_top(&C.gs, C.depth));
			post(EV_RETURNED, 'h');
		}
	}
	await(C.go_holder[0]);
	if (C.w->kind == WAY_STOCHASTIC) {
		hammer_pass(&h);
		C.hammering = 1;
		while (!C.stop) {
			if (C.pause_hammer) /* a fork is stuck: see fork_stuck() */
				await(C.unpause[0]);
			hammer_pass(&h);
		}
		return 0;
	}
	C.w->enter(&h);
	post(EV_RETURNED, 'h');
	idle();
}

static void *verifier_main(void *arg)
{
	(void)arg;
	block_signals();
	C.tid_verifier = gettid_();
	if (C.w->kind == WAY_STOCHASTIC) { /* finding the lock: see stochastic() */
		await(C.go_verifier[0]);
		C.notif_fd = lockfind_install();
		C.notif_ready = 1;
		if (C.notif_fd >= 0)
			while (!C.lock_found && !C.stop)
				C.c->holding->verify();
		C.verifier_done = 1;
		idle();
	}
	for (;;) { /* once per hold tried (WAY_STACK tries several) */
		await(C.go_verifier[0]);
		C.c->holding->verify();
		post(EV_RETURNED, 'v');
	}
	return 0;
}

/* In the child: the harness's own descriptors are not the probe's business,
 * and an inherited end of a control pipe would keep the supervisor waiting
 * for a case process that has died. */
static void close_harness_fds(void)
{
	int *pairs[] = {C.ev,        C.release,    C.go_holder, C.go_verifier,
	                C.go_forker, C.go_checker, C.unpause};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		sys_close(pairs[i][0]);
		sys_close(pairs[i][1]);
	}
	if (C.trap.fd >= 0)
		sys_close(C.trap.fd);
	if (C.watch_fd >= 0)
		sys_close(C.watch_fd);
	if (C.out_fd >= 0)
		sys_close(C.out_fd);
}

/* The child's snapshot of the hammer's lock word: 1 held (nonzero), 0
 * free, -1 unreadable (the scout's address is no lock here). */
static int lock_word_held(unsigned long addr)
{
	int v = 0;
	struct iovec local = {&v, sizeof v}, remote = {(void *)addr, sizeof v};
	if (syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0) != sizeof v)
		return -1;
	return v != 0;
}

/* Answer the reported waits on the hammer's lock; note the forker's. */
static void watch_service(void)
{
	int tid = 0;
	while (C.watch_fd >= 0 && lockfind_next_tid(C.watch_fd, 0, &tid))
		if (tid == C.tid_forker)
			C.fork_waited_lock = 1;
}

static void *forker_main(void *arg)
{
	(void)arg;
	C.tid_forker = gettid_();
	if (C.w->kind == WAY_STOCHASTIC && C.lock_addr)
		C.watch_fd = lockfind_watch(C.lock_addr);
	C.watch_ready = 1;
	for (;;) {
		await(C.go_forker[0]);
		if (C.before_fork)
			C.before_fork();
		pid_t pid = C.fork();
		if (pid == 0) {
			/* This child's memory is the snapshot at fork: was the
			 * stochastic hammer inside the subsystem then? */
			if (C.w->kind == WAY_STOCHASTIC && C.lock_addr)
				mtfork_snapshot_inside = lock_word_held(C.lock_addr);
			else if (C.w->kind == WAY_STOCHASTIC)
				mtfork_snapshot_inside =
				    C.explicit_marks ? C.in_marked != 0 : C.in_call != 0;
			/* The trap is not inherited: the child's copy of a page
			 * never filled is plain memory. Give it what the release
			 * would have; a page filled before fork is left as is. */
			if (C.trap.page && !C.released)
				memcpy(C.trap.page, C.fill, C.trap.page_size);
			close_harness_fds();
			child_report(C.c, C.result_w);
		}
		post(EV_FORKED, pid < 0 ? -errno : pid);
	}
	return 0;
}

/* Next event from a thread, or a userfaultfd fault (type 'U', val = tid);
 * 0 on timeout. */
static int next_event(int ms, int *val)
{
	int ufd = C.w->kind == WAY_STACK ? C.gs.fd : C.trap.fd;
	struct pollfd p[2] = {{.fd = C.ev[0], .events = POLLIN}, {.fd = ufd, .events = POLLIN}};
	if (poll(p, ufd >= 0 ? 2 : 1, ms) <= 0)
		return 0;
	if (p[0].revents & POLLIN) {
		int msg[2];
		if (read(C.ev[0], msg, sizeof msg) != sizeof msg)
			return 0;
		*val = msg[1];
		return msg[0];
	}
	int tid = C.w->kind == WAY_STACK ? gstack_read_fault(&C.gs, C.depth, &C.touched)
	                                 : uffd_trap_next_fault(&C.trap, 0);
	if (tid <= 0)
		return 0;
	*val = tid;
	return 'U';
}

/* Is thread tid parked in a futex wait, the same one across STABLE_MS? */
/* Is thread tid parked in a futex wait, the same one across STABLE_MS?
 * Returns the futex's address (nonzero), or 0. */
static unsigned long parked_on_futex(pid_t tid)
{
	struct sc_sample a, b;
	proc_sample(0, tid, &a);
	if (!sc_futex_wait(&a))
		return 0;
	sleep_ms(STABLE_MS);
	proc_sample(0, tid, &b);
	return sc_same(&a, &b) ? (a.arg[0] ? a.arg[0] : 1) : 0;
}

static void finish(struct outcome *o, int verdict, const char *what)
{
	o->verdict = verdict;
	o->detail[0] = 0;
	str_add(o->detail, sizeof o->detail, what);
}

/* A hold that also holds a lock fork itself takes is no use: fork would
 * wait for that lock, the holder would be released, and the case would pass
 * without testing the subsystem. glibc and musl both take their allocator
 * and open-file-list locks in fork, so after verification the checker
 * allocates a block too big for any per-thread cache and opens a stream: it
 * must not block, unless on the very lock the verifier waits for (then that
 * lock is the subsystem under test: MALLOC, STDIO-LIST). glibc: one arena
 * for all threads (see case_process), or the checker would use its own. */
static void *volatile checker_sink;
static unsigned long verifier_futex; /* where the verifier parked */

static void *checker_main(void *arg)
{
	(void)arg;
	block_signals();
	C.tid_checker = gettid_();
	for (;;) {
		await(C.go_checker[0]);
		checker_sink = malloc(64 * 1024);
		free(checker_sink);
		FILE *f = fopen("/dev/null", "r");
		if (f)
			fclose(f);
		post(EV_RETURNED, 'c');
	}
	return 0;
}

static void start_threads(void)
{
	pthread_t t;
	void *(*mains[])(void *) = {holder_main, verifier_main, forker_main, checker_main};
	size_t n = C.w->kind == WAY_STOCHASTIC || C.w->kind == WAY_APP ? 3 : 4;
	for (size_t i = 0; i < n; i++)
		if (pthread_create(&t, 0, mains[i], 0))
			_exit(123);
	while (!C.tid_holder || !C.tid_verifier || !C.tid_forker || (n == 4 && !C.tid_checker))
		sleep_ms(1);
}

static void release_holder(void)
{
	C.released = 1;
	if (C.w->kind == WAY_UFFD)
		uffd_trap_release(&C.trap, C.fill);
	else if (C.w->kind == WAY_STACK)
		gstack_disarm(&C.gs);
	else if (write(C.release[1], "r", 1) != 1)
		_exit(124);
}

/* After verification: 1 when the checker shows the holder holds no lock
 * fork takes other than the one under test (see checker_main). */
static int fork_locks_free(struct outcome *o)
{
	int val;
	long end = now_ms() + scaled_ms(VERIFY_MS);
	go(C.go_checker[1]);
	for (;;) {
		int type = next_event(1, &val);
		if (type == EV_RETURNED && val == 'c')
			return 1;
		unsigned long at = type == 0 ? parked_on_futex(C.tid_checker) : 0;
		/* Argument and callback ways park where their design says (in
		 * malloc_stats' output, in fflush's write): when the checker
		 * waits where the verifier does, the lock under test is the one
		 * fork takes (MALLOC, STDIO-LIST). */
		if (at == verifier_futex)
			return 1;
		if (at) {
			finish(o, V_NOT_HELD,
			       "the holder also holds a lock fork takes (allocator or open-file "
			       "list): fork would wait for it and the case would test nothing");
			return 0;
		}
		if (now_ms() > end) {
			finish(o, V_NOT_HELD, "the checker neither finished nor blocked");
			return 0;
		}
	}
}

/* Steps 1 and 2; returns 1 when the lock is verifiably held. */
static int hold_and_verify(struct outcome *o)
{
	int type, val;
	long end = now_ms() + scaled_ms(HOLD_MS);
	go(C.go_holder[1]);
	for (;;) {
		type = next_event(10, &val);
		if (type == 'U' && val == C.tid_holder)
			break;
		if (type == EV_PARKED)
			break;
		if (type == EV_RETURNED) {
			finish(o, V_NOT_HELD, "the holder's call returned without parking");
			return 0;
		}
		if (now_ms() > end) {
			finish(o, V_NOT_HELD, "the holder did not park");
			return 0;
		}
	}
	if (!C.c->holding->verify)
		return 1; /* application state that is no lock: parking is all there is */
	go(C.go_verifier[1]);
	end = now_ms() + scaled_ms(VERIFY_MS);
	for (;;) {
		type = next_event(2, &val);
		if (type == EV_RETURNED && val == 'v') {
			finish(o, V_NOT_HELD, "the verifier did not block: the lock was not held");
			return 0;
		}
		if (type == 'U' && val == C.tid_verifier) {
			finish(o, V_NOT_HELD,
			       "the verifier reached the trapped argument: the lock was not held");
			return 0;
		}
		if ((verifier_futex = parked_on_futex(C.tid_verifier)))
			return C.w->kind == WAY_APP || fork_locks_free(o);
		if (now_ms() > end) {
			finish(o, V_NOT_HELD,
			       "the verifier neither blocked on a futex nor returned");
			return 0;
		}
	}
}

/* WAY_STACK, one try: start the holder's call at C.depth. */
enum { TRY_HELD, TRY_DEEPER, TRY_RETURNED, TRY_STUCK };

/* Wait until every thread named in `who` ('h', 'v', 'c') has returned. */
static int wait_returns(const char *who, int ms)
{
	char left[4] = "";
	int val;
	long end = now_ms() + scaled_ms(ms);
	str_add(left, sizeof left, who);
	while (left[0]) {
		if (next_event(10, &val) == EV_RETURNED && strchr(left, val))
			memmove(strchr(left, val), strchr(left, val) + 1,
			        strlen(strchr(left, val)));
		if (left[0] && now_ms() > end)
			return 0;
	}
	return 1;
}

static int try_depth(void)
{
	int type, val;
	long end = now_ms() + scaled_ms(HOLD_MS);
	if (gstack_arm(&C.gs))
		return TRY_STUCK;
	C.touched = 0;
	go(C.go_holder[1]);
	for (;;) {
		type = next_event(10, &val);
		if (type == 'U' && val == C.tid_holder)
			break;
		if (type == EV_RETURNED && val == 'h') {
			gstack_disarm(&C.gs);
			return TRY_RETURNED; /* never went deeper than C.depth */
		}
		if (now_ms() > end)
			return TRY_STUCK;
	}
	size_t touched = C.touched;
	int held = 0;
	go(C.go_verifier[1]);
	end = now_ms() + scaled_ms(VERIFY_MS);
	for (;;) {
		type = next_event(1, &val);
		if (type == EV_RETURNED && val == 'v')
			break;
		if (type == 0 && (verifier_futex = parked_on_futex(C.tid_verifier))) {
			held = 1;
			break;
		}
		if (now_ms() > end)
			return TRY_STUCK;
	}
	int in_allocator = 0;
	if (held) {
		go(C.go_checker[1]);
		end = now_ms() + scaled_ms(VERIFY_MS);
		for (;;) {
			type = next_event(1, &val);
			if (type == EV_RETURNED && val == 'c')
				return TRY_HELD;
			/* No exception for "the checker waits where the verifier
			 * does" here: a guarded stack parks at an arbitrary depth,
			 * possibly inside malloc called by the subsystem, and then
			 * the verifier waits on the allocator lock too. */
			if (type == 0 && parked_on_futex(C.tid_checker)) {
				in_allocator = 1;
				break;
			}
			if (now_ms() > end)
				return TRY_STUCK;
		}
	}
	/* Parked outside the lock (or inside the allocator): let the call
	 * finish, then start deeper, past the depth that parked it this time. */
	gstack_disarm(&C.gs);
	if (!wait_returns(in_allocator ? "hvc" : held ? "hv" : "h", HOLD_MS))
		return TRY_STUCK;
	C.in_allocator += in_allocator;
	size_t next = (touched + 15) & ~(size_t)15;
	C.depth = next > C.depth ? next : C.depth + 16;
	return TRY_DEEPER;
}

/* Steps 1 and 2 for WAY_STACK: scan the depth upward from the shallowest
 * (or from the depth that held in an earlier case) until the verifier
 * blocks; bounded in tries and time. Returns 1 when held. */
static int scan_and_verify(struct outcome *o)
{
	long start = now_ms();
	int hint = gstack_hint(C.w), tries = 0, r;
	C.depth = hint > 0 ? (size_t)hint : 16;
	for (;;) {
		if (C.depth > C.gs.max_depth || tries >= SCAN_TRIES ||
		    now_ms() - start > scaled_ms(SCAN_MS)) {
			r = TRY_STUCK;
			finish(o, V_NOT_HELD, "no starting depth up to ");
			str_add_num(o->detail, sizeof o->detail, (long)C.depth);
			str_add(o->detail, sizeof o->detail, " bytes held the lock");
			break;
		}
		tries++;
		r = try_depth();
		if (r == TRY_HELD)
			break;
		if (r != TRY_STUCK && hint > 0) { /* the hint failed: scan from the start */
			hint = 0;
			C.depth = 16;
			continue;
		}
		if (r == TRY_RETURNED) {
			finish(o, V_NOT_HELD, "the call returned without going deeper than ");
			str_add_num(o->detail, sizeof o->detail, (long)C.depth);
			str_add(o->detail, sizeof o->detail,
			        " bytes, and no shallower start held the lock");
		} else if (r == TRY_STUCK) {
			finish(o, V_NOT_HELD,
			       "the holder or verifier neither parked nor returned at ");
			str_add_num(o->detail, sizeof o->detail, (long)C.depth);
			str_add(o->detail, sizeof o->detail, " bytes");
		}
		if (r != TRY_DEEPER)
			break;
	}
	char *n = C.note;
	n[0] = 0;
	str_add(n, sizeof C.note, r == TRY_HELD ? "guarded stack held at depth " : "scanned to ");
	str_add_num(n, sizeof C.note, (long)C.depth);
	str_add(n, sizeof C.note, " bytes (");
	str_add_num(n, sizeof C.note, tries);
	str_add(n, sizeof C.note, tries == 1 ? " try, " : " tries, ");
	str_add_num(n, sizeof C.note, now_ms() - start);
	str_add(n, sizeof C.note, C.gs.exact ? " ms" : " ms, 16-byte steps");
	if (C.in_allocator) {
		str_add(n, sizeof C.note, ", ");
		str_add_num(n, sizeof C.note, C.in_allocator);
		str_add(n, sizeof C.note, " inside malloc passed over");
	}
	str_add(n, sizeof C.note, ")");
	if (r != TRY_HELD) {
		str_add(o->detail, sizeof o->detail, "; ");
		str_add(o->detail, sizeof o->detail, n);
		n[0] = 0;
		return 0;
	}
	gstack_set_hint(C.w, (int)C.depth);
	return 1;
}

/* Put s (and "; ") before o's detail. */
static void prefix_detail(struct outcome *o, const char *s)
{
	size_t n = strlen(s), sep = o->detail[0] ? 2 : 0, room = sizeof o->detail - 1;
	if (n + sep >= room)
		return;
	memmove(o->detail + n + sep, o->detail, room - n - sep);
	memcpy(o->detail, s, n);
	memcpy(o->detail + n, "; ", sep);
	o->detail[room] = 0;
}

/* What the controller does when the forker parks inside fork(). */
enum fork_policy {
	RELEASE_HOLDER, /* a libc lock: fork may wait for it, so let the holder go */
	NEVER_RELEASE,  /* application state: fork must not wait for it */
	JUST_WAIT,      /* stochastic: the hammer leaves by itself; only time out */
};

/* Let a paused stochastic hammer go on. */
static void unpause_hammer(void)
{
	if (!C.pause_hammer)
		return;
	C.pause_hammer = 0;
	if (write(C.unpause[1], "g", 1) != 1)
		_exit(124);
}

/* fork() has not returned for a while: is it proven never to (forkproof.c)?
 * Only the controller runs then, and it wakes no futex. A running
 * stochastic hammer keeps the rule from holding: it is asked to wait
 * between passes (it leaves any lock it holds first), and let go on once
 * fork returns. */
static int fork_stuck(struct fork_proof *fp, enum fork_policy policy, int released)
{
	if (!released)
		return 0; /* the holder is parked on purpose: its release comes first */
	if (policy == JUST_WAIT && C.hammering && !C.pause_hammer) {
		/* only a fork in a futex wait: one merely slow (a loaded machine)
		 * keeps the hammer going, so it may still be inside at fork */
		struct sc_sample s;
		proc_sample(0, C.tid_forker, &s);
		if (sc_unwakeable_wait(&s))
			C.pause_hammer = 1;
	}
	int idle_fds[] = {C.go_holder[0],  C.go_verifier[0], C.go_forker[0],
	                  C.go_checker[0], C.release[0],     C.unpause[0]};
	return fork_proof_step(fp, C.tid_forker, idle_fds,
	                       (int)(sizeof idle_fds / sizeof idle_fds[0]));
}

/* Step 3: fork; returns the child's pid or 0 after setting the outcome. */
static pid_t fork_while_held(struct outcome *o, enum fork_policy policy)
{
	int val, released = policy != RELEASE_HOLDER, late = 0;
	long start = now_ms(), end = start + scaled_ms(CHILD_MS);
	struct fork_proof fp = {0};
	C.fork_waited_lock = 0;
	go(C.go_forker[1]);
	for (;;) {
		int type = next_event(C.watch_fd >= 0 ? 1 : 2, &val);
		watch_service();
		if (type == EV_FORKED)
			unpause_hammer();
		if (type == EV_FORKED) {
			if (val > 0 && late)
				str_add(o->detail, sizeof o->detail,
				        "fork waited without a futex wait (seen only at the "
				        "timeout); ");
			if (val > 0)
				return val;
			finish(o, V_ERROR, "fork() failed: errno ");
			str_add_num(o->detail, sizeof o->detail, -val);
			return 0;
		}
		unsigned long at = released ? 0 : parked_on_futex(C.tid_forker);
		if (at) {
			released = 1;
			o->fork_waited = 1;
			C.fork_futex = at;
			release_holder();
			continue;
		}
		if (policy == NEVER_RELEASE && parked_on_futex(C.tid_forker)) {
			finish(o, V_FAIL,
			       "fork() parked on a futex only the holder of application-controlled "
			       "state can release: ");
			str_add(o->detail, sizeof o->detail, C.c->holding->name);
			o->behaviour = B_DEADLOCK;
			o->how = HOW_PROOF;
			return 0;
		}
		if (now_ms() > end && !released) {
			/* A libc may wait for the lock without a futex (spinning,
			 * sched_yield): let the holder go once and see. */
			released = 1;
			o->fork_waited = 1;
			release_holder();
			late = 1;
			end = now_ms() + scaled_ms(CHILD_MS);
			continue;
		}
		/* a fork takes a millisecond or less, tens on a loaded machine:
		 * /proc is sampled, and a stochastic hammer paused, only after
		 * FORK_SLOW_MS, so that the stochastic forks go on as before */
		if (type == 0 && now_ms() - start >= FORK_SLOW_MS &&
		    fork_stuck(&fp, policy, released)) {
			finish(o, V_FAIL,
			       "fork() never returns: the forking thread waits on futex ");
			put_hex(o->detail + strlen(o->detail), fp.futex);
			str_add(o->detail, sizeof o->detail,
			        " and every other thread of the process in a wait nothing can end "
			        "(untimed private futex waits, the harness's idle waits)");
			o->behaviour = B_DEADLOCK;
			o->how = HOW_PROOF;
			return 0;
		}
		if (now_ms() > end) {
			finish(o, V_FAIL, "fork() did not return");
			o->behaviour = B_DEADLOCK;
			o->how = HOW_TIMEOUT;
			return 0;
		}
	}
}

static void judge(struct outcome *o, pid_t pid, int rfd)
{
	struct child_result r;
	judge_child(pid, rfd, scaled_ms(CHILD_MS), &r);
	C.last_inside = r.inside;
	C.child_futex = r.futex;
	o->behaviour = r.behaviour;
	o->how = r.how;
	if (r.skipped)
		o->verdict = V_SKIP;
	else if (C.c->level == MAY)
		o->verdict = V_OBSERVED;
	else
		o->verdict = r.behaviour == B_WORKS ? V_PASS : V_FAIL;
	str_add(o->detail, sizeof o->detail, r.detail);
}

/* One fork and its judgement; returns the child's behaviour. */
static int fork_and_judge(struct outcome *o, enum fork_policy policy)
{
	int rp[2];
	/* non-blocking: a grandchild of the probe may keep the write end open */
	if (pipe2(rp, O_CLOEXEC | O_NONBLOCK)) {
		finish(o, V_ERROR, "pipe2 failed");
		return B_NONE;
	}
	C.result_w = rp[1];
	pid_t pid = fork_while_held(o, policy);
	sys_close(rp[1]);
	if (pid > 0)
		judge(o, pid, rp[0]);
	sys_close(rp[0]);
	return pid > 0 ? o->behaviour : B_NONE;
}

#define FIND_MS 500 /* finding the hammer's lock: at most this long (scaled) */

/* Let the verifier call verify() against the hammer until one address of
 * its contended futex waits has been seen 3 times (or FIND_MS): that word
 * is the lock both need; 0 when none was seen (or no seccomp). */
static unsigned long find_lock(void)
{
	unsigned long seen[8] = {0};
	int count[8] = {0}, best = -1;
	long end = now_ms() + scaled_ms(FIND_MS);
	go(C.go_verifier[1]);
	while (!C.notif_ready && now_ms() < end)
		sleep_ms(1);
	while (C.notif_fd >= 0 && now_ms() < end && (best < 0 || count[best] < 3)) {
		unsigned long a = lockfind_next(C.notif_fd, 5);
		if (!a)
			continue;
		int i = 0;
		while (i < 8 && seen[i] && seen[i] != a)
			i++;
		if (i == 8)
			continue;
		seen[i] = a;
		count[i]++;
		if (best < 0 || count[i] > count[best])
			best = i;
	}
	return best < 0 ? 0 : seen[best];
}

static unsigned long hex_at(const char **p)
{
	unsigned long v = 0;
	for (;; (*p)++) {
		char c = **p;
		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned long)(c - 'a' + 10);
		else
			return v;
	}
}

/* Is addr in a library's or the program's static data (a file-backed
 * writable mapping, or the anonymous one right after it: .bss)? A futex word
 * elsewhere is no libc lock: a thread descriptor's (pthread_join, which the
 * kernel clears at thread exit), a heap object's. */
static int in_static_data(unsigned long addr)
{
	static char maps[1 << 16];
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	ssize_t n = 0, r;
	if (fd < 0)
		return 0;
	while (n < (ssize_t)sizeof maps - 1 && (r = read(fd, maps + n, sizeof maps - 1 - n)) > 0)
		n += r;
	sys_close(fd);
	maps[n] = 0;
	unsigned long prev_end = 0;
	int prev_file_rw = 0;
	for (const char *p = maps; *p;) {
		unsigned long lo = hex_at(&p);
		p += *p == '-';
		unsigned long hi = hex_at(&p);
		const char *perms = p + 1, *eol = strchr(p, '\n'), *path = strchr(p, '/');
		if (!eol)
			eol = p + strlen(p);
		int file = path && path < eol, rw = perms[0] == 'r' && perms[1] == 'w';
		if (addr >= lo && addr < hi)
			return rw && (file || (prev_file_rw && prev_end == lo));
		prev_end = hi;
		prev_file_rw = file && rw;
		p = *eol ? eol + 1 : eol;
	}
	return 0;
}

/* Before any thread starts: find the hammer's lock in a scout, a fork of
 * this process (so the same addresses) that runs its own hammer and
 * verifier; a verify() that is not safe against the hammer (musl's
 * getpwnam and its static buffer) may crash the scout, never the case. */
static unsigned long scout_lock(void)
{
	int p[2];
	unsigned long a = 0;
	if (pipe2(p, O_CLOEXEC))
		return 0;
	pid_t pid = fork();
	if (pid == 0) {
		int *pairs[] = {C.ev,          C.release,   C.go_holder,
		                C.go_verifier, C.go_forker, C.go_checker};
		sys_close(p[0]);
		for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
			sys_close(pairs[i][0]);
			sys_close(pairs[i][1]);
			if (pipe2(pairs[i], O_CLOEXEC))
				_exit(1);
		}
		park_init(C.ev[1], C.release[0]);
		start_threads();
		go(C.go_holder[1]);
		long end = now_ms() + scaled_ms(HOLD_MS);
		while (!C.hammering && now_ms() < end)
			sleep_ms(1);
		if (C.hammering)
			a = find_lock();
		if (a && !in_static_data(a))
			a = 0;
		if (write(p[1], &a, sizeof a) != sizeof a)
			_exit(1);
		_exit(0);
	}
	sys_close(p[1]);
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	if (pid > 0 && poll(&pf, 1, scaled_ms(FIND_MS + HOLD_MS + 500)) > 0 &&
	    read(p[0], &a, sizeof a) != sizeof a)
		a = 0;
	sys_close(p[0]);
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, 0, 0) < 0 && errno == EINTR)
			;
	}
	return a;
}

/* The stochastic holder: a hammer thread enters the subsystem over and over
 * while forks repeat. Every fork's child reports whether its snapshot shows
 * the hammer inside the subsystem (mtfork_snapshot_inside). The first child
 * that does not work decides a failure; a pass needs `floor` working
 * children whose snapshot had the hammer inside (the evidence floor). The
 * search stops as soon as the floor is met; under load it takes longer,
 * never fewer forks: only the (scaled) cap ends it, and a case that did not
 * reach its floor by then is a skip, undecided, with the evidence it had. */
static void stochastic(struct outcome *o)
{
	int need = C.stoch_forks > 0 ? C.stoch_forks : STOCH_FLOOR;
	long start = now_ms(), cap = scaled_ms(C.stoch_ms > 0 ? C.stoch_ms : STOCH_CAP_MS);
	const char *env = getenv("MTFORK_STOCH_FLOOR"); /* measurements only (tools/) */
	if (env && atoi(env) > 0)
		need = atoi(env);
	o->held = -1;
	go(C.go_holder[1]);
	/* Fork only once the hammer really runs: its first pass may set up state
	 * the probe relies on, and forks before it would test nothing. */
	while (!C.hammering) {
		if (now_ms() - start > scaled_ms(HOLD_MS)) {
			finish(o, V_ERROR, "the stochastic holder never completed a first pass");
			return;
		}
		sleep_ms(1);
	}
	const char *lock_note =
	    !C.c->holding->verify ? " with the hammer inside its call at fork (no lock to verify)"
	    : C.lock_addr         ? " with the hammer's lock held at fork (its word nonzero in "
	                            "the child, or fork waited on it)"
	                          : " with the hammer's lock held at fork (the lock was not "
	                            "found: no evidence)";
	while (!C.watch_ready && now_ms() - start < scaled_ms(HOLD_MS))
		sleep_ms(1);
	if (C.watch_fd >= 0)
		judge_hook = watch_service;
	/* Without the lock's address a holding with a verify has no evidence:
	 * its forks can still find a failure, for the old budget's time. */
	int undecided = 0, can_count = C.lock_addr || !C.c->holding->verify;
	long hunt = scaled_ms(C.stoch_ms > 0 ? C.stoch_ms : STOCH_HUNT_MS);
	for (o->forks = 1;; o->forks++) {
		o->detail[0] = 0;
		int b = fork_and_judge(o, JUST_WAIT);
		/* a MAY case is observed, never pass: it too keeps forking while
		 * the child works */
		if (b != B_WORKS || o->verdict == V_SKIP || o->verdict == V_ERROR)
			break;
		/* held in the child's snapshot, or fork waited for it (a libc
		 * that takes the lock around fork, as musl does) */
		o->forks_inside += (C.last_inside == 1 || C.fork_waited_lock) && can_count;
		if (o->forks_inside >= need)
			break;
		/* after the old budget, go on only while evidence comes in */
		if (now_ms() - start > (can_count && o->forks_inside ? cap : hunt)) {
			undecided = 1;
			break;
		}
	}
	C.stop = 1;
	if (o->verdict == V_SKIP)
		return; /* the reason alone says why */
	char note[260] = "";
	if (undecided) {
		o->verdict = V_SKIP;
		o->behaviour = B_NONE;
		o->how = HOW_NONE;
		str_add(note, sizeof note, "undecided: ");
	}
	str_add_num(note, sizeof note, o->forks);
	str_add(note, sizeof note, o->forks == 1 ? " fork in " : " forks in ");
	str_add_num(note, sizeof note, now_ms() - start);
	str_add(note, sizeof note, " ms, ");
	str_add_num(note, sizeof note, o->forks_inside);
	str_add(note, sizeof note, lock_note);
	if (C.lock_addr) {
		str_add(note, sizeof note, " [lock word ");
		put_hex(note + strlen(note), C.lock_addr);
		str_add(note, sizeof note, "]");
	}
	str_add(note, sizeof note, " (a pass needs ");
	str_add_num(note, sizeof note, need);
	str_add(note, sizeof note, ")");
	if (o->verdict == V_FAIL || o->verdict == V_OBSERVED) {
		str_add(note, sizeof note,
		        C.last_inside == 1   ? "; this child: hammer inside"
		        : C.last_inside == 0 ? "; this child: hammer outside"
		                             : "");
	}
	if (undecided)
		o->detail[0] = 0;
	/* A child proven stuck on another lock than the one found: say so (a
	 * lock the hammer's call takes alongside, e.g. glibc's
	 * dl_load_write_lock next to the dl_load_lock it resets). */
	if (o->verdict == V_FAIL && o->how == HOW_PROOF && C.lock_addr && C.child_futex &&
	    C.child_futex != C.lock_addr) { /* (0: fork itself was proven stuck) */
		str_add(note, sizeof note, "; the child waits on ");
		put_hex(note + strlen(note), C.child_futex);
		str_add(note, sizeof note, ", not the found lock");
	}
	if (o->detail[0])
		str_add(note, sizeof note, ": ");
	size_t n = strlen(note);
	if (n < sizeof o->detail) {
		memmove(o->detail + n, o->detail, sizeof o->detail - n);
		memcpy(o->detail, note, n);
	}
	o->detail[sizeof o->detail - 1] = 0;
}

void send_outcome(int fd, struct outcome *o)
{
	o->magic = OUTCOME_MAGIC;
	if (write(fd, o, sizeof *o) != sizeof *o)
		_exit(122);
	_exit(0);
}

void case_process(const struct mtcase *c, const struct way *w, int out_fd)
{
	struct outcome o = {.held = -1, .fork_waited = -1};
	C.c = c;
	C.w = w;
	C.trap.fd = -1;
	C.notif_fd = -1;
	C.watch_fd = -1;
	C.out_fd = out_fd;
	C.fork = fork;
	const char *how = getenv("MTFORK_FORK");
	if (how && !strcmp(how, "_Fork")) {
		if (!_Fork) {
			finish(&o, V_ERROR, "MTFORK_FORK=_Fork, but this libc has no _Fork");
			send_outcome(out_fd, &o);
		}
		C.fork = _Fork;
	}
	/* MTFORK_WAY=prefix: only ways whose name starts so are tried (to see
	 * the fallbacks at work). */
	const char *only = getenv("MTFORK_WAY");
	if (only && *only && strncmp(w->name, only, strlen(only))) {
		finish(&o, V_UNAVAILABLE, "not selected by MTFORK_WAY");
		send_outcome(out_fd, &o);
	}
	if (pipe2(C.ev, O_CLOEXEC) || pipe2(C.release, O_CLOEXEC) ||
	    pipe2(C.go_holder, O_CLOEXEC) || pipe2(C.go_verifier, O_CLOEXEC) ||
	    pipe2(C.go_forker, O_CLOEXEC) || pipe2(C.go_checker, O_CLOEXEC) ||
	    pipe2(C.unpause, O_CLOEXEC)) {
		finish(&o, V_ERROR, "pipe2 failed");
		send_outcome(out_fd, &o);
	}
	park_init(C.ev[1], C.release[0]);
	if (c->holding->setup)
		c->holding->setup();
	if (w->kind == WAY_UFFD) {
		if (uffd_trap_open(&C.trap)) {
			finish(&o, V_UNAVAILABLE, C.trap.why);
			send_outcome(out_fd, &o);
		}
		C.fill = mmap(0, C.trap.page_size, PROT_READ | PROT_WRITE,
		              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (C.fill == MAP_FAILED) {
			finish(&o, V_ERROR, "mmap failed");
			send_outcome(out_fd, &o);
		}
		if (w->fill)
			w->fill(C.fill, C.trap.page_size);
	}
	if (w->kind == WAY_STACK && gstack_open(&C.gs)) {
		finish(&o, V_UNAVAILABLE, C.gs.why);
		send_outcome(out_fd, &o);
	}
	if (w->kind == WAY_STOCHASTIC && c->holding->verify)
		C.lock_addr = scout_lock();
#ifdef __GLIBC__
	if (w->kind != WAY_STOCHASTIC && w->kind != WAY_APP) /* the checker shares the arena */
		mallopt(M_ARENA_MAX, 1);
#endif
	start_threads();
	if (w->kind == WAY_STOCHASTIC) {
		stochastic(&o);
		send_outcome(out_fd, &o);
	}
	if (!c->holding->verify && w->kind != WAY_APP) {
		/* only application state may go unverified: a libc lock must be
		 * shown held, or a pass would prove nothing */
		finish(&o, V_ERROR, "a holding without verify may only use WAY_APP ways");
		send_outcome(out_fd, &o);
	}
	if (!(w->kind == WAY_STACK ? scan_and_verify(&o) : hold_and_verify(&o))) {
		o.held = 0;
		send_outcome(out_fd, &o);
	}
	o.held = c->holding->verify ? 1 : -1;
	o.fork_waited = 0;
	fork_and_judge(&o, w->kind == WAY_APP ? NEVER_RELEASE : RELEASE_HOLDER);
	if (C.fork_futex && C.fork_futex != verifier_futex) {
		char n[120] = "fork waited on futex ";
		put_hex(n + strlen(n), C.fork_futex);
		str_add(n, sizeof n, ", the verifier on ");
		put_hex(n + strlen(n), verifier_futex);
		prefix_detail(&o, n);
	}
	if (C.note[0] && o.verdict != V_SKIP) /* a skip's detail is its reason alone */
		prefix_detail(&o, C.note);
	send_outcome(out_fd, &o);
}
