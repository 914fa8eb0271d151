/* SPDX-License-Identifier: MIT */
/*
 * The gate has teeth: a thread is parked inside initstate() holding glibc's
 * random lock (its state buffer lies in a userfaultfd page it faults on);
 * another thread forks.
 *   adapter:                  fork waits (forker parked in a private futex
 *                             wait) until the fault is resolved; random()
 *                             then works in the child.
 *   FORKLOCK_DISABLE=random,  fork returns at once and random() in the child
 *   and plain glibc:          deadlocks: a single-threaded process parked in
 *                             FUTEX_WAIT_PRIVATE with no timeout (proof).
 * Each scenario runs in a fresh copy of this program (argv[1]: the adapter).
 */
#include "tap.h"

#include <dlfcn.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

static int uffd;
static char *page;
static long page_size;
static int go_hold[2], go_verify[2], go_fork[2], child_report[2];
static atomic_int holder_tid, verifier_tid, forker_tid, fork_returned;
static atomic_int child_pid;

static void wait_for_go(int *fds, atomic_int *tid)
{
	char byte;

	atomic_store(tid, gettid());
	read(fds[0], &byte, 1);
}

static void *holder(void *arg)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	wait_for_go(go_hold, &holder_tid);
	initstate(7, page, 128); /* takes the lock, then writes the buffer: parks */
	return arg;
}

static void *verifier(void *arg)
{
	wait_for_go(go_verify, &verifier_tid);
	random();
	return arg;
}

static void *forker(void *arg)
{
	pid_t pid;

	wait_for_go(go_fork, &forker_tid);
	pid = fork();
	if (pid == 0) {
		long value = random();
		write(child_report[1], &value, sizeof(value));
		_exit(0);
	}
	atomic_store(&child_pid, pid);
	atomic_store(&fork_returned, 1);
	return arg;
}

static bool setup_uffd(void)
{
	struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_THREAD_ID};
	struct uffdio_register reg = {.mode = UFFDIO_REGISTER_MODE_MISSING};

	page_size = sysconf(_SC_PAGESIZE);
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	page = mmap(NULL, (size_t)page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	            -1, 0);
	reg.range.start = (unsigned long)page;
	reg.range.len = (unsigned long)page_size;
	return uffd >= 0 && page != MAP_FAILED && ioctl(uffd, UFFDIO_API, &api) == 0 &&
	       ioctl(uffd, UFFDIO_REGISTER, &reg) == 0;
}

static bool holder_faulted(void)
{
	struct pollfd p = {uffd, POLLIN, 0};
	struct uffd_msg msg;

	return poll(&p, 1, 2000) == 1 && read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
	       msg.event == UFFD_EVENT_PAGEFAULT &&
	       (int)msg.arg.pagefault.feat.ptid == atomic_load(&holder_tid);
}

static void resolve_fault(void)
{
	static const char zeros[65536] = {0};
	struct uffdio_copy copy = {.dst = (unsigned long)page,
	                           .src = (unsigned long)zeros,
	                           .len = (unsigned long)page_size};

	ioctl(uffd, UFFDIO_COPY, &copy);
}

static bool within(atomic_int *flag, int timeout_ms)
{
	double end = now_ms() + timeout_ms;

	while (!atomic_load(flag) && now_ms() < end)
		sleep_ms(1);
	return atomic_load(flag);
}

static bool child_reports(int timeout_ms)
{
	struct pollfd p = {child_report[0], POLLIN, 0};
	long value;

	return poll(&p, 1, timeout_ms) == 1 && read(child_report[0], &value, sizeof(value)) > 0;
}

static int threads_of(pid_t pid)
{
	char path[64], text[2048];
	int fd, threads = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		text[n] = 0;
		const char *at = strstr(text, "Threads:");
		if (at)
			threads = atoi(at + 8);
	}
	return threads;
}

/* Parked in a private futex wait, unchanged across 20 ms, and alone. */
static bool proven_deadlock(pid_t pid)
{
	unsigned long first[5], second[5];

	if (!becomes_futex_parked(pid, pid, 2000) || !read_syscall(pid, pid, first))
		return false;
	sleep_ms(20);
	return read_syscall(pid, pid, second) && memcmp(first, second, sizeof(first)) == 0 &&
	       in_private_futex_wait(pid, pid) && threads_of(pid) == 1;
}

static int scenario(bool expect_gate, bool expect_adapter)
{
	pthread_t threads[3];
	int status;

	pipe(go_hold), pipe(go_verify), pipe(go_fork), pipe(child_report);
	if (!setup_uffd()) {
		printf("not ok - userfaultfd (UFFD_USER_MODE_ONLY) available\n");
		return 1;
	}
	pthread_create(&threads[0], NULL, holder, NULL);
	pthread_create(&threads[1], NULL, verifier, NULL);
	pthread_create(&threads[2], NULL, forker, NULL);
	/* The checks below look the threads up by id: wait until each has
	 * published it (under load a new thread may not have run yet). */
	while (!atomic_load(&holder_tid) || !atomic_load(&verifier_tid) ||
	       !atomic_load(&forker_tid))
		sleep_ms(1);
	ok(expect_adapter == (dlsym(RTLD_DEFAULT, "forklock_prepare") != NULL), "adapter %s",
	   expect_adapter ? "loaded" : "absent");

	write(go_hold[1], "h", 1);
	ok(holder_faulted(), "holder parked on its fault inside initstate()");
	write(go_verify[1], "v", 1);
	ok(becomes_futex_parked(getpid(), atomic_load(&verifier_tid), 2000),
	   "verified: random() in another thread blocks on the held lock");

	write(go_fork[1], "f", 1);
	if (expect_gate) {
		ok(becomes_futex_parked(getpid(), atomic_load(&forker_tid), 2000) &&
		       !atomic_load(&fork_returned),
		   "fork waits, parked in FUTEX_WAIT_PRIVATE");
		sleep_ms(20);
		ok(!atomic_load(&fork_returned), "and keeps waiting while the lock is held");
		resolve_fault();
		ok(within(&fork_returned, 2000), "fork proceeds once the holder leaves");
		ok(child_reports(2000), "random() works in the child");
	} else {
		ok(within(&fork_returned, 2000), "fork returns at once");
		ok(!child_reports(100) && proven_deadlock(atomic_load(&child_pid)),
		   "random() in the child deadlocks (single thread, private futex, no timeout)");
		kill(atomic_load(&child_pid), SIGKILL);
		resolve_fault();
	}
	for (int i = 0; i < 3; i++)
		pthread_join(threads[i], NULL);
	reap_within(atomic_load(&child_pid), 2000, &status);
	return 0;
}

int main(int argc, char **argv)
{
	char preload[4096];

	if (argc > 2 && strcmp(argv[1], "--scenario") == 0) {
		setvbuf(stdout, NULL, _IONBF, 0);
		return scenario(strcmp(argv[2], "gate") == 0, strcmp(argv[2], "plain") != 0);
	}
	if (argc < 2) {
		printf("usage: %s path/to/libforklock.so\n", argv[0]);
		return 2;
	}
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", argv[1]);
	relay_scenario("adapter", (char *[]){preload, NULL}, "gate");
	relay_scenario("FORKLOCK_DISABLE=random",
	               (char *[]){preload, "FORKLOCK_DISABLE=random", NULL}, "disabled");
	relay_scenario("plain glibc", (char *[]){NULL}, "plain");
	return tap_done();
}
