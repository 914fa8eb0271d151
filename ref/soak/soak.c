/* SPDX-License-Identifier: MIT */
/*
 * forklock soak: worker threads hammer random, setenv/getenv, localtime_r,
 * malloc/free and dlopen/dlsym/dlclose of a small library while the main
 * thread forks; every child calls the same functions once and _exit()s.
 * Run it with the adapter preloaded (LD_PRELOAD=.../libforklock.so), or
 * without it to see plain glibc.
 *
 * Length: one soak: the hammering threads, the forking loop and each child's
 * verdict (crash, proven hang, refusal).
 *
 *   soak LIBRARY [--forks N] [--seconds S] [--threads T] [--bound-ms MS]
 *        [--no-dl] [--quiet]
 *
 * Stops after N forks or S seconds, whichever comes first.  Each child gets
 * MS milliseconds (default 2000); one still running then is a hang: if it
 * has one thread parked in an untimed FUTEX_WAIT (/proc/PID/syscall), the
 * hang is proven (nothing can ever wake it), otherwise it is reported as a
 * timeout.  Either way the child is killed and reaped.  Children's stderr
 * goes through a pipe, so loader assertions ("Assertion `...' failed") are
 * counted apart from other crashes.
 *
 * A child that ld.so stops with a fatal error (its assertions exit with
 * status 127) counts as a loader failure.
 *
 * Exit status: 0 when every child exited 0 or reported a refusal (the
 * adapter refusing a dlopen() in a child whose loader state another thread
 * was changing: a documented outcome); 1 on any crash, assertion, hang or
 * wrong result; 2 on bad usage or set-up failure.  Leaves no process and
 * no file behind.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_REFUSED        3 /* the child's dlopen was refused by the adapter */
#define EXIT_WRONG          4 /* a call returned something impossible */
#define EXIT_REFUSED_LOADER 5 /* refused: the fork interrupted a loader phase */
#define MAX_THREADS         64

static const char *library;
static bool use_dl = true;
static atomic_bool stop;
static atomic_long worker_calls;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One round of the functions under test; returns an exit code for a child. */
static int one_round(unsigned *seed, bool in_child)
{
	char value[32];
	struct tm tm;
	time_t t = time(NULL);
	void *block;

	if (random() < 0)
		return EXIT_WRONG;
	snprintf(value, sizeof(value), "%u", rand_r(seed));
	if (setenv("FORKLOCK_SOAK", value, 1) != 0)
		return EXIT_WRONG;
	if (!getenv("FORKLOCK_SOAK"))
		return EXIT_WRONG;
	if (!localtime_r(&t, &tm))
		return EXIT_WRONG;
	block = malloc(16 + rand_r(seed) % 4096);
	if (!block)
		return EXIT_WRONG;
	memset(block, 1, 16);
	free(block);
	if (use_dl) {
		void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
		int (*fn)(void);
		if (!handle) {
			const char *why = dlerror();
			if (in_child && why && strstr(why, "loading or unloading"))
				return EXIT_REFUSED_LOADER;
			if (in_child && why && strstr(why, "multithreaded fork"))
				return EXIT_REFUSED;
			if (in_child)
				fprintf(stderr, "soak: child: dlopen: %s\n", why ? why : "?");
			return EXIT_WRONG;
		}
		fn = (int (*)(void))dlsym(handle, "soaklib_value");
		if (!fn || fn() != 42) {
			if (in_child)
				fprintf(stderr, "soak: child: %s\n",
				        fn ? "the library's constructor had not run (or its "
				             "destructor had)"
				           : "dlsym failed");
			return EXIT_WRONG;
		}
		if (dlclose(handle) != 0) {
			const char *why = dlerror();
			if (in_child && why && strstr(why, "multithreaded fork"))
				return EXIT_REFUSED;
			if (in_child)
				fprintf(stderr, "soak: child: dlclose: %s\n", why ? why : "?");
			return EXIT_WRONG;
		}
	}
	return 0;
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (one_round(&seed, false) != 0) {
			fprintf(stderr, "soak: a worker's call failed in the parent\n");
			abort();
		}
		atomic_fetch_add_explicit(&worker_calls, 1, memory_order_relaxed);
	}
	return NULL;
}

struct totals {
	long forks, exited_ok, refused, refused_loader, wrong, crashes, loader_fatal, assertions,
	    hangs_proven, hangs_timeout, fork_failed;
	long by_signal[65];
	double fork_us_sum;
};

/* The child's stderr: assertion lines are counted, the first few shown. */
static int err_pipe[2];
static int shown;

static long drain_stderr(bool quiet)
{
	static char buf[65536];
	static size_t kept;
	long asserts = 0;
	ssize_t n;

	while ((n = read(err_pipe[0], buf + kept, sizeof(buf) - 1 - kept)) > 0) {
		char *line = buf, *nl;
		kept += (size_t)n;
		buf[kept] = 0;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			if (strstr(line, "Assertion"))
				asserts++;
			if (!quiet && shown < 10 && *line) {
				fprintf(stderr, "soak: child said: %s\n", line);
				shown++;
			}
			line = nl + 1;
		}
		kept = strlen(line);
		memmove(buf, line, kept);
		if (kept == sizeof(buf) - 1)
			kept = 0; /* a line too long to keep: drop it */
	}
	return asserts;
}

/*
 * A hung child is proven deadlocked when it has a single thread parked in
 * futex(FUTEX_WAIT[_PRIVATE]) with no timeout: nothing can wake it.
 */
static bool proven_deadlock(pid_t pid, char *where, size_t size)
{
	char path[64], text[512];
	long nr = -1, op = -1, timeout = -1;
	int threads = 0;
	FILE *f;

	snprintf(where, size, "?");
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r"))) {
		while (fgets(text, sizeof(text), f))
			if (sscanf(text, "Threads: %d", &threads) == 1)
				break;
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	if ((f = fopen(path, "r"))) {
		if (fgets(text, sizeof(text), f)) {
			unsigned long a0, a1, a2, a3;
			text[strcspn(text, "\n")] = 0;
			snprintf(where, size, "threads=%d syscall=%.200s", threads, text);
			if (sscanf(text, "%ld %lx %lx %lx %lx", &nr, &a0, &a1, &a2, &a3) == 5) {
				op = (long)a1;
				timeout = (long)a3;
			}
		}
		fclose(f);
	}
	if (nr == SYS_futex) {
		/* Where the futex word lives: object and offset, for the report. */
		unsigned long word = 0, lo, hi, off;
		char file[256];
		sscanf(text, "%*d %lx", &word);
		snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
		if ((f = fopen(path, "r"))) {
			while (fgets(text, sizeof(text), f)) {
				file[0] = 0;
				if (sscanf(text, "%lx-%lx %*s %lx %*s %*s %255s", &lo, &hi, &off,
				           file) >= 3 &&
				    word >= lo && word < hi) {
					size_t len = strlen(where);
					snprintf(where + len, size - len, " futex in %.120s+0x%lx",
					         file[0] ? file : "[anon]", word - lo + off);
					break;
				}
			}
			fclose(f);
		}
	}
	return threads == 1 && nr == SYS_futex &&
	       ((op & 0x7f) == 0 /* FUTEX_WAIT */ || (op & 0x7f) == 9 /* _BITSET */) &&
	       timeout == 0;
}

/* Waits for the child at most bound_ms; kills and reaps it if it is still running. */
static void wait_child(pid_t pid, int bound_ms, struct totals *t, bool quiet)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int status = 0;
	bool done = false;

	if (pidfd >= 0) {
		struct pollfd p = {pidfd, POLLIN, 0};
		int r;
		do
			r = poll(&p, 1, bound_ms);
		while (r < 0 && errno == EINTR);
		done = r > 0;
	} else {
		/* No pidfd: poll waitpid. */
		for (int waited = 0; waited < bound_ms * 10; waited++) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				done = true;
				goto reaped;
			}
			usleep(100);
		}
	}
	if (!done) {
		char where[256];
		bool proven = proven_deadlock(pid, where, sizeof(where));
		if (proven)
			t->hangs_proven++;
		else
			t->hangs_timeout++;
		if (!quiet && (t->hangs_proven + t->hangs_timeout) <= 5)
			fprintf(stderr, "soak: child %d hung (%s): %s\n", (int)pid,
			        proven ? "proven: one thread, untimed FUTEX_WAIT" : "timeout",
			        where);
		if (getenv("SOAK_GDB")) { /* diagnosis: a backtrace of the hung child */
			char cmd[128];
			snprintf(cmd, sizeof(cmd), "gdb -batch -p %d -ex bt 2>&1 | grep '^#' >&2",
			         (int)pid);
			if (system(cmd) != 0)
				fprintf(stderr, "soak: gdb failed\n");
		}
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
reaped:
	if (pidfd >= 0)
		close(pidfd);
	if (!done)
		return;
	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);
		if (code == 0)
			t->exited_ok++;
		else if (code == EXIT_REFUSED)
			t->refused++;
		else if (code == EXIT_REFUSED_LOADER)
			t->refused_loader++;
		else if (code == 127)
			t->loader_fatal++; /* ld.so's assertions exit with 127 */
		else
			t->wrong++;
	} else if (WIFSIGNALED(status)) {
		t->crashes++;
		if (WTERMSIG(status) < 65)
			t->by_signal[WTERMSIG(status)]++;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: soak LIBRARY [--forks N] [--seconds S] [--threads T] "
	                "[--bound-ms MS] [--no-dl] [--quiet]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long max_forks = 10000;
	double seconds = 600, start, elapsed;
	int threads = 8, bound_ms = 2000;
	bool quiet = false;
	pthread_t ids[MAX_THREADS];
	struct totals t = {0};
	const char *preload = getenv("LD_PRELOAD");

	if (argc < 2)
		usage();
	library = argv[1];
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--forks") && i + 1 < argc)
			max_forks = atol(argv[++i]);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--bound-ms") && i + 1 < argc)
			bound_ms = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--no-dl"))
			use_dl = false;
		else if (!strcmp(argv[i], "--quiet"))
			quiet = true;
		else
			usage();
	}
	if (threads < 1 || threads > MAX_THREADS || max_forks < 1 || bound_ms < 1)
		usage();
	if (use_dl) {
		void *h = dlopen(library, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "soak: %s\n", dlerror());
			return 2;
		}
		dlclose(h);
	}
	if (pipe2(err_pipe, O_CLOEXEC) != 0 || fcntl(err_pipe[0], F_SETFL, O_NONBLOCK) != 0) {
		perror("soak: pipe");
		return 2;
	}
	for (int i = 0; i < threads; i++)
		if (pthread_create(&ids[i], NULL, worker, (void *)(uintptr_t)(i + 1)) != 0) {
			fprintf(stderr, "soak: pthread_create failed\n");
			return 2;
		}
	start = now_s();
	while (t.forks < max_forks && now_s() - start < seconds) {
		double before = now_s();
		pid_t pid = fork();
		if (pid == 0) {
			unsigned seed = (unsigned)getpid();
			dup2(err_pipe[1], 2);
			_exit(one_round(&seed, true));
		}
		if (pid < 0) {
			t.fork_failed++;
			usleep(1000);
			continue;
		}
		t.fork_us_sum += (now_s() - before) * 1e6;
		t.forks++;
		wait_child(pid, bound_ms, &t, quiet);
		t.assertions += drain_stderr(quiet);
	}
	elapsed = now_s() - start;
	atomic_store(&stop, true);
	for (int i = 0; i < threads; i++)
		pthread_join(ids[i], NULL);
	t.assertions += drain_stderr(quiet);
	close(err_pipe[0]);
	close(err_pipe[1]);

	printf("soak: %s, %d threads%s, adapter %s\n", use_dl ? "with dlopen/dlclose" : "no dlopen",
	       threads, "", preload && strstr(preload, "forklock") ? preload : "absent");
	printf("soak: forks %ld in %.1f s (%.0f us per fork cycle, fork() itself %.0f us mean); "
	       "worker rounds %ld\n",
	       t.forks, elapsed, t.forks ? elapsed * 1e6 / (double)t.forks : 0,
	       t.forks ? t.fork_us_sum / (double)t.forks : 0, atomic_load(&worker_calls));
	printf("soak: children ok %ld, refused %ld (library half built or destroyed %ld, "
	       "loader mid-change %ld), wrong %ld, crashed %ld, loader fatal %ld "
	       "(assertions %ld), hung %ld (proven %ld, timeout %ld)\n",
	       t.exited_ok, t.refused + t.refused_loader, t.refused, t.refused_loader, t.wrong,
	       t.crashes, t.loader_fatal, t.assertions, t.hangs_proven + t.hangs_timeout,
	       t.hangs_proven, t.hangs_timeout);
	for (int s = 1; s < 65; s++)
		if (t.by_signal[s])
			printf("soak:   killed by signal %d (%s): %ld\n", s, strsignal(s),
			       t.by_signal[s]);
	if (t.fork_failed)
		printf("soak: fork() failed %ld times\n", t.fork_failed);
	return t.crashes || t.loader_fatal || t.assertions || t.wrong || t.hangs_proven ||
	               t.hangs_timeout
	           ? 1
	           : 0;
}
