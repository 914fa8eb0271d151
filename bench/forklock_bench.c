/* SPDX-License-Identifier: MIT */
/*
 * libforklock benchmarks: the cost of a gated call (alone, and with two
 * threads calling at once) and fork latency, for four configurations:
 *
 *   glibc      this program as it is;
 *   +empty     with an empty library preloaded: the baseline cost of
 *              preloading anything (one more object mapped into every fork);
 *   +forklock  with the adapter preloaded (LD_PRELOAD=libforklock.so);
 *   linked     the same program linked with libforklock.a (forklock(7)).
 *
 * The machine is shared and noisy: a measurement's time drifts over
 * seconds, and a process's memory layout makes it a few percent faster or
 * slower than its twin for its whole life. So the measurements are made in
 * sets: a set starts one worker process per configuration, which then take
 * turns (in a fresh order each turn) at short measurements, a few
 * milliseconds apart; each change against glibc (or +empty) is taken turn
 * by turn, and a set's change is the median of its turns'. Many sets, each with fresh
 * processes, average the layouts out. A row reports the median of the
 * sets' changes with its 95 % confidence interval (distribution-free: order
 * statistics of the sets' changes); a goal is "met" when the whole interval
 * meets it, "NOT met" when none of it does, and otherwise "too noisy to
 * judge" (run again, or with more sets: FORKLOCK_BENCH_SCALE=2).
 *
 * Usage: forklock_bench LIBFORKLOCK.so LINKED-BENCH EMPTY.so OUT.json
 *        forklock_bench --serve KIND   (a worker: one measurement per byte
 *                                       read from stdin)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPEATS 3 /* a turn's runs of a call loop; the best counts */
#define CALLS   50000

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *values, int count)
{
	qsort(values, (size_t)count, sizeof(*values), compare_doubles);
	return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

/* --- measurements (in a fresh process each) ------------------------------ */

enum workload { W_RANDOM, W_LOCALTIME, W_SETENV, WORKLOADS };

static void call(enum workload w)
{
	static __thread struct tm tm;
	time_t t = 1700000000;

	switch (w) {
	case W_RANDOM:
		random();
		break;
	case W_LOCALTIME:
		localtime_r(&t, &tm);
		break;
	default:
		setenv("FORKLOCK_BENCH", "1", 1);
		break;
	}
}

/* Best of several runs: the cost of the call itself, not of interruptions. */
static double ns_per_call(enum workload w)
{
	double best = 1e18;

	for (int r = 0; r < REPEATS; r++) {
		double start = now_ns();
		for (int i = 0; i < CALLS; i++)
			call(w);
		double ns = (now_ns() - start) / CALLS;
		best = ns < best ? ns : best;
	}
	return best;
}

static atomic_int running;
static atomic_long total_calls;

static void *hammer(void *arg)
{
	enum workload w = (enum workload)(long)arg;
	long calls = 0;

	while (atomic_load_explicit(&running, memory_order_relaxed)) {
		for (int i = 0; i < 256; i++)
			call(w);
		calls += 256;
	}
	atomic_fetch_add(&total_calls, calls);
	return NULL;
}

/* Calls per microsecond, two threads calling the same subsystem for 25 ms
 * (a turn; the turns and sets give the median). */
static double two_thread_rate(enum workload w)
{
	pthread_t threads[2];
	struct timespec period = {0, 25 * 1000 * 1000};
	double start;

	atomic_store(&running, 1);
	atomic_store(&total_calls, 0);
	start = now_ns();
	for (int i = 0; i < 2; i++)
		pthread_create(&threads[i], NULL, hammer, (void *)(long)w);
	nanosleep(&period, NULL);
	atomic_store(&running, 0);
	for (int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	return atomic_load(&total_calls) / ((now_ns() - start) / 1e3);
}

static int idle_pipe[2];

static void *idle(void *arg)
{
	char byte;

	if (read(idle_pipe[0], &byte, 1) < 0)
		return NULL;
	return arg;
}

/* A fork worker's state for its whole life: resident memory, and idle
 * threads (a process with eight threads forks). */
static void fork_ready(int threads, size_t megabytes)
{
	static pthread_t ids[8];
	size_t size = megabytes << 20;
	char *memory = malloc(size);

	if (!memory)
		exit(1);
	memset(memory, 1, size);
	if (threads > 1 && pipe(idle_pipe) != 0)
		exit(1);
	for (int i = 0; i < threads - 1; i++)
		pthread_create(&ids[i], NULL, idle, NULL);
}

/* Median microseconds of fork + _exit + waitpid, over some forks. */
static double fork_latency(int samples)
{
	double us[64] = {0};

	for (int s = 0; s < samples; s++) {
		double start = now_ns();
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
		us[s] = (now_ns() - start) / 1e3;
	}
	return median(us, samples);
}

/* The rows, and which measurement process produces each. */
enum row {
	R_NS_RANDOM,
	R_NS_LOCALTIME,
	R_NS_SETENV,
	R_MT_RANDOM,
	R_MT_LOCALTIME,
	R_FORK1_1,
	R_FORK1_100,
	R_FORK8_1,
	R_FORK8_100,
	ROWS
};

static const struct row_info {
	const char *name, *unit, *kind;
	int goal_kind;      /* 0 ns added, 1 ratio at least, 2 percent added */
	double goal;        /* for +forklock */
	double goal_linked; /* for linked */
} rows[ROWS] = {
    {"random()", "ns/call", "calls", 0, 10, 10},
    {"localtime_r()", "ns/call", "calls", 0, 10, 10},
    {"setenv()", "ns/call", "calls", 0, 10, 10},
    {"random(), 2 threads", "calls/us", "calls", 1, 0.9, 0.9},
    {"localtime_r(), 2 threads", "calls/us", "calls", 1, 0.9, 0.9},
    /* 1 thread, 1 MB: +forklock is judged against +empty (percentage points). */
    {"fork, 1 thread, 1 MB", "us", "fork1-small", 2, 1, 1},
    {"fork, 1 thread, 100 MB", "us", "fork1-large", 2, 5, 5},
    {"fork, 8 threads, 1 MB", "us", "fork8-small", 2, 5, 5},
    {"fork, 8 threads, 100 MB", "us", "fork8-large", 2, 5, 5},
};

/* The kinds of worker, each measuring some rows per turn, with its number
 * of sets and of turns per set. The 1-thread 1 MB fork has the tightest
 * goal (1 percentage point over +empty) and gets the most; a turn of the
 * others costs more. */
static const struct kind {
	const char *name;
	int sets, turns;
} kinds[] = {
    {"fork1-small", 80, 20}, {"fork1-large", 24, 8}, {"fork8-small", 24, 10},
    {"fork8-large", 24, 8},  {"calls", 20, 4},
};
#define KINDS (int)(sizeof(kinds) / sizeof(kinds[0]))

/* One turn: the kind's rows, "ROW VALUE" lines, then "end". The fork
 * workers hold their memory and threads for their whole life (fork_ready)
 * and time a few forks per turn. */
static int measure_once(const char *kind)
{
	if (strcmp(kind, "calls") == 0) {
		for (int w = 0; w < WORKLOADS; w++)
			printf("%d %.3f\n", R_NS_RANDOM + w, ns_per_call(w));
		for (int w = 0; w < 2; w++)
			printf("%d %.3f\n", R_MT_RANDOM + w, two_thread_rate(w));
	} else if (strcmp(kind, "fork1-small") == 0) {
		printf("%d %.3f\n", R_FORK1_1, fork_latency(21)); /* never a second thread */
	} else if (strcmp(kind, "fork1-large") == 0) {
		printf("%d %.3f\n", R_FORK1_100, fork_latency(5));
	} else if (strcmp(kind, "fork8-small") == 0) {
		printf("%d %.3f\n", R_FORK8_1, fork_latency(21));
	} else if (strcmp(kind, "fork8-large") == 0) {
		printf("%d %.3f\n", R_FORK8_100, fork_latency(5));
	} else {
		return 2;
	}
	printf("end\n");
	return fflush(stdout) == 0 ? 0 : 1;
}

static int serve(const char *kind)
{
	char byte;

	if (strncmp(kind, "fork", 4) == 0)
		fork_ready(kind[4] == '8' ? 8 : 1, strstr(kind, "large") ? 100 : 1);
	while (read(0, &byte, 1) == 1)
		if (measure_once(kind))
			return 2;
	return 0;
}

/* --- the driver ----------------------------------------------------------- */

enum config { C_GLIBC, C_EMPTY, C_FORKLOCK, C_LINKED, CONFIGS };
static const char *const config_name[CONFIGS] = {"glibc", "+empty", "+forklock", "linked"};
static const char *const config_key[CONFIGS] = {"glibc", "empty", "forklock", "linked"};

#define MAX_SETS     400
#define MAX_TURNS    64
#define TURN_LIMIT_S 60 /* a turn takes milliseconds: a worker silent this long is stuck */
static double turn_value[ROWS][CONFIGS][MAX_TURNS]; /* this set's */
static double set_value[ROWS][CONFIGS][MAX_SETS];   /* each set's median */
static double set_change[ROWS][CONFIGS][MAX_SETS];  /* each set's median change */
static int sets_of[ROWS], turns_of[ROWS];

struct worker {
	pid_t pid;
	FILE *to, *from;
};

/* A worker of a kind for one configuration: PROGRAM --serve KIND, with the
 * configuration's preload (and no other environment). */
static int start_worker(struct worker *w, const char *program, const char *preload,
                        const char *kind)
{
	char env[4200];
	char *envp[] = {env, NULL}; /* the same one variable for all: setenv() */
	int in[2], out[2];

	snprintf(env, sizeof(env), "LD_PRELOAD=%s", preload ? preload : "");
	/* close-on-exec: a later worker holding this one's request pipe open
	 * would keep it from ever seeing the end of its requests */
	if (pipe2(in, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) != 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	w->pid = fork();
	if (w->pid == 0) {
		char *argv[] = {"forklock_bench", "--serve", (char *)kind, NULL};
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execve(program, argv, envp);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	w->to = fdopen(in[1], "w");
	w->from = fdopen(out[0], "r");
	return w->pid > 0 && w->to && w->from ? 0 : -1;
}

/* One turn: the worker measures its kind's rows once; all of them must
 * come (a worker that stops answering is cut short by the turn's alarm). */
static int take_turn(struct worker *w, enum config c, int turn, const char *kind, int expected)
{
	char line[128];
	int got = 0;

	if (fputc('x', w->to) == EOF || fflush(w->to) == EOF)
		return -1;
	alarm(TURN_LIMIT_S);
	while (fgets(line, sizeof(line), w->from)) {
		int r;
		double v;
		if (strcmp(line, "end\n") == 0) {
			alarm(0);
			return got == expected ? 0 : -1;
		}
		if (sscanf(line, "%d %lf", &r, &v) == 2 && r >= 0 && r < ROWS &&
		    strcmp(rows[r].kind, kind) == 0) {
			turn_value[r][c][turn] = v;
			got++;
		}
	}
	alarm(0);
	return -1; /* the worker died, or did not answer in time */
}

static int stop_worker(struct worker *w, bool kill_it)
{
	int status;

	if (kill_it)
		kill(w->pid, SIGKILL);
	fclose(w->to); /* end of requests: it exits */
	fclose(w->from);
	alarm(TURN_LIMIT_S);
	pid_t got = waitpid(w->pid, &status, 0);
	alarm(0);
	if (got != w->pid) { /* stuck in its exit: not ours to wait for longer */
		kill(w->pid, SIGKILL);
		waitpid(w->pid, &status, 0);
		return -1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Change of config c against glibc in one turn, in the row's unit. */
static double change(enum row r, enum config c, int turn)
{
	double base = turn_value[r][C_GLIBC][turn], v = turn_value[r][c][turn];

	switch (rows[r].goal_kind) {
	case 0:
		return v - base;
	case 1:
		return v / base;
	default:
		return (v / base - 1) * 100;
	}
}

/* +forklock on the 1-thread 1 MB fork is judged against +empty: the pair's
 * change in percentage points. */
static bool against_empty(enum row r, enum config c)
{
	return r == R_FORK1_1 && c == C_FORKLOCK;
}

/* A set of one kind: a worker per configuration, taking turns. */
static int run_set(const struct kind *k, int set, const char *programs[CONFIGS],
                   const char *preloads[CONFIGS])
{
	struct worker w[CONFIGS];
	double v[MAX_TURNS];
	int failed = 0, started = 0, expected = 0;
	unsigned seed = 0x9e3779b9u * (unsigned)(set + 1) + (unsigned)(k - kinds);

	for (int r = 0; r < ROWS; r++)
		expected += strcmp(rows[r].kind, k->name) == 0;
	for (; started < CONFIGS; started++)
		if (start_worker(&w[started], programs[started], preloads[started], k->name) != 0) {
			failed = 1;
			break;
		}
	/* A fresh order every turn: each configuration follows each other one
	 * alike (what a worker leaves in caches and allocators is no
	 * configuration's), and fixed by the set and kind, so a run repeats. */
	for (int t = 0; t < k->turns && !failed; t++) {
		enum config order[CONFIGS] = {C_GLIBC, C_EMPTY, C_FORKLOCK, C_LINKED};
		for (int i = CONFIGS - 1; i > 0; i--) {
			seed = seed * 1103515245u + 12345u;
			int j = (int)((seed >> 16) % (unsigned)(i + 1));
			enum config x = order[i];
			order[i] = order[j];
			order[j] = x;
		}
		for (int i = 0; i < CONFIGS && !failed; i++)
			failed = take_turn(&w[order[i]], order[i], t, k->name, expected) != 0;
	}
	for (int c = 0; c < started; c++)
		failed |= stop_worker(&w[c], failed) != 0;
	if (failed)
		return -1;
	for (int r = 0; r < ROWS; r++) {
		if (strcmp(rows[r].kind, k->name) != 0)
			continue;
		for (int c = 0; c < CONFIGS; c++) {
			for (int t = 0; t < k->turns; t++)
				v[t] = turn_value[r][c][t];
			set_value[r][c][set] = median(v, k->turns);
			if (c == C_GLIBC)
				continue;
			for (int t = 0; t < k->turns; t++)
				v[t] = change((enum row)r, (enum config)c, t) -
				       (against_empty((enum row)r, (enum config)c)
				            ? change((enum row)r, C_EMPTY, t)
				            : 0);
			set_change[r][c][set] = median(v, k->turns);
		}
		sets_of[r] = set + 1;
		turns_of[r] = k->turns;
	}
	return 0;
}

struct judged {
	double median, lo, hi;
	const char *verdict;
};

/* The rank (1-based, from each end) of a distribution-free 95 % confidence
 * interval of the median of n values: the largest k with P(B < k) <= 2.5 %
 * for B ~ Binomial(n, 1/2), so that [k-th lowest, k-th highest] holds the
 * median with at least 95 % (n = 20: 6th..15th; n = 80: 31st..50th). Below
 * 6 values there is none (k = 0): the whole range is given. */
static int interval_rank(int n)
{
	double p = 1, below = 0; /* P(B = i), P(B <= i) */
	int k = 0;

	for (int i = 0; i < n; i++)
		p /= 2;
	for (int i = 0; i < n; i++) {
		below += p;
		if (below > 0.025)
			break;
		k = i + 1;
		p = p * (n - i) / (i + 1);
	}
	return k;
}

/* The sets' changes: their median, its 95 % confidence interval, and the
 * verdict against goal. */
static struct judged judge(double *changes, int n, bool at_least, double goal)
{
	struct judged j;
	int k = interval_rank(n);

	j.median = median(changes, n); /* sorts */
	j.lo = changes[k ? k - 1 : 0];
	j.hi = changes[k ? n - k : n - 1];
	if (at_least)
		j.verdict = j.lo >= goal ? "met" : j.hi < goal ? "NOT met" : "too noisy to judge";
	else
		j.verdict = j.hi <= goal ? "met" : j.lo > goal ? "NOT met" : "too noisy to judge";
	return j;
}

static void read_first_line(const char *path, const char *prefix, char *out, size_t size)
{
	char line[512];
	FILE *f = fopen(path, "r");

	snprintf(out, size, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!prefix || strncmp(line, prefix, strlen(prefix)) == 0) {
			char *value = prefix ? strchr(line, ':') : line;
			value = value ? value + (prefix ? 1 : 0) : line;
			while (*value == ' ' || *value == '\t')
				value++;
			value[strcspn(value, "\n")] = 0;
			snprintf(out, size, "%.200s", value);
			break;
		}
	fclose(f);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	fputc('"', f);
}

static const char *unit_of_change(enum row r)
{
	return rows[r].goal_kind == 0 ? "ns" : rows[r].goal_kind == 1 ? "x" : "%";
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	const char *self = "/proc/self/exe";
	char cpu[256], load_before[128], load_after[128], exe[4096];
	struct utsname un;
	double scale = 1;
	const char *env_scale = getenv("FORKLOCK_BENCH_SCALE");
	FILE *json;
	ssize_t len;

	if (argc == 3 && strcmp(argv[1], "--serve") == 0)
		return serve(argv[2]);
	if (argc != 5) {
		fprintf(stderr, "usage: %s LIBFORKLOCK.so LINKED-BENCH EMPTY.so OUT.json\n",
		        argv[0]);
		return 2;
	}
	if (env_scale) {
		char *end;
		scale = strtod(env_scale, &end);
		if (*end || !(scale >= 0.1 && scale <= 5)) {
			fprintf(stderr,
			        "forklock_bench: FORKLOCK_BENCH_SCALE=%s is not a number from 0.1 "
			        "to 5 (the sets, times the default)\n",
			        env_scale);
			return 2;
		}
	}
	/* a dead worker is a failed turn, not the end of this program; a silent
	 * one is interrupted by the turn's alarm (no SA_RESTART) */
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGALRM, &(struct sigaction){.sa_handler = on_alarm}, NULL);
	len = readlink(self, exe, sizeof(exe) - 1);
	if (len <= 0)
		return 1;
	exe[len] = 0;
	const char *programs[CONFIGS] = {exe, exe, exe, argv[2]};
	const char *preloads[CONFIGS] = {NULL, argv[3], argv[1], NULL};
	read_first_line("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
	read_first_line("/proc/loadavg", NULL, load_before, sizeof(load_before));
	uname(&un);
	printf("machine: %s, %ld CPUs, kernel %s, glibc %s, load %s\n", cpu,
	       sysconf(_SC_NPROCESSORS_ONLN), un.release, gnu_get_libc_version(), load_before);
	printf("in sets of four worker processes, one per configuration, taking turns; the "
	       "sets' changes\n");
	fflush(stdout);

	bool tty = isatty(2);
	for (int k = 0; k < KINDS; k++) {
		int sets = (int)(kinds[k].sets * scale + 0.5);
		sets = sets < 6 ? 6 : sets > MAX_SETS ? MAX_SETS : sets;
		for (int set = 0; set < sets; set++) {
			if (run_set(&kinds[k], set, programs, preloads) != 0) {
				fprintf(stderr, "\nforklock_bench: a worker failed (%s, set %d)\n",
				        kinds[k].name, set + 1);
				return 1;
			}
			if (tty)
				fprintf(stderr, "\r%-12s set %d/%d", kinds[k].name, set + 1, sets);
		}
		if (!tty)
			fprintf(stderr, "%s: %d sets of %d turns\n", kinds[k].name, sets,
			        kinds[k].turns);
	}
	if (tty)
		fprintf(stderr, "\r%40s\r", "");
	read_first_line("/proc/loadavg", NULL, load_after, sizeof(load_after));

	json = fopen(argv[4], "w");
	if (!json) {
		perror(argv[4]);
		return 1;
	}
	fprintf(json, "{\n  \"format\": 3,\n  \"machine\": {\"cpu\": ");
	json_string(json, cpu);
	fprintf(json, ", \"cpus\": %ld, \"kernel\": ", sysconf(_SC_NPROCESSORS_ONLN));
	json_string(json, un.release);
	fprintf(json, ", \"libc\": ");
	json_string(json, gnu_get_libc_version());
	fprintf(json, ", \"loadavg_before\": ");
	json_string(json, load_before);
	fprintf(json, ", \"loadavg_after\": ");
	json_string(json, load_after);
	fprintf(json, "},\n  \"interval\": \"95%% confidence interval of the median of the "
	              "sets' changes\",\n  \"rows\": [");

	printf("%-26s %-10s %18s %18s %26s %-16s %s\n", "benchmark", "config", "median",
	       "glibc median", "change [95% interval]", "goal", "verdict");
	for (int r = 0; r < ROWS; r++) {
		int n = sets_of[r];
		fprintf(json, "%s\n    {\"name\": ", r ? "," : "");
		json_string(json, rows[r].name);
		fprintf(json, ", \"unit\": \"%s\", \"sets\": %d, \"turns\": %d, \"values\": {",
		        rows[r].unit, n, turns_of[r]);
		for (int c = 0; c < CONFIGS; c++) {
			fprintf(json, "%s\"%s\": [", c ? ", " : "", config_key[c]);
			for (int i = 0; i < n; i++)
				fprintf(json, "%s%.3f", i ? ", " : "", set_value[r][c][i]);
			fprintf(json, "]");
		}
		fprintf(json, "}, \"comparisons\": [");
		for (int c = C_EMPTY; c < CONFIGS; c++) {
			double changes[MAX_SETS] = {0}, raw[MAX_SETS] = {0}, base[MAX_SETS] = {0};
			double goal = c == C_LINKED ? rows[r].goal_linked : rows[r].goal;
			bool vs_empty = against_empty((enum row)r, (enum config)c);
			bool at_least = rows[r].goal_kind == 1;
			char goal_text[64], change_text[64], median_text[48], base_text[48];
			struct judged j;
			double m, b, spread;

			for (int i = 0; i < n; i++) {
				changes[i] = set_change[r][c][i];
				raw[i] = set_value[r][c][i];
				base[i] = set_value[r][C_GLIBC][i];
			}
			j = judge(changes, n, at_least, goal);
			m = median(raw, n);
			spread = (raw[n - 1 - n / 6] - raw[n / 6]) / 2 / m * 100;
			b = median(base, n);
			if (c == C_EMPTY) {
				snprintf(goal_text, sizeof(goal_text), "(baseline)");
				j.verdict = "";
			} else if (vs_empty) {
				snprintf(goal_text, sizeof(goal_text), "<= +empty +%g pp", goal);
			} else if (at_least) {
				snprintf(goal_text, sizeof(goal_text), ">= x%g", goal);
			} else {
				snprintf(goal_text, sizeof(goal_text), "<= +%g %s", goal,
				         unit_of_change((enum row)r));
			}
			if (at_least)
				snprintf(change_text, sizeof(change_text), "x%.3f [%.3f..%.3f]",
				         j.median, j.lo, j.hi);
			else
				snprintf(change_text, sizeof(change_text), "%+.2f%s [%+.2f..%+.2f]",
				         j.median, vs_empty ? "pp" : unit_of_change((enum row)r),
				         j.lo, j.hi);
			snprintf(median_text, sizeof(median_text), "%.1f +-%.0f%%", m, spread);
			snprintf(base_text, sizeof(base_text), "%.1f", b);
			printf("%-26s %-10s %18s %18s %26s %-16s %s\n",
			       c == C_EMPTY ? rows[r].name : "", config_name[c], median_text,
			       base_text, change_text, goal_text, j.verdict);
			fprintf(json,
			        "%s{\"config\": \"%s\", \"median\": %.3f, \"glibc_median\": %.3f, "
			        "\"change\": %.3f, \"change_lo\": %.3f, \"change_hi\": %.3f, "
			        "\"change_unit\": \"%s\", \"goal\": ",
			        c > C_EMPTY ? ", " : "", config_key[c], m, b, j.median, j.lo, j.hi,
			        vs_empty ? "pp over +empty" : unit_of_change((enum row)r));
			json_string(json, goal_text);
			fprintf(json, ", \"verdict\": ");
			json_string(json, j.verdict);
			fprintf(json, "}");
		}
		fprintf(json, "]}");
	}
	fprintf(json, "\n  ]\n}\n");
	fclose(json);
	printf("(median +-: a set's median, over the sets: half the spread of their middle two "
	       "thirds,\n in %% of the median; change: the median over the sets of each set's "
	       "median change\n turn by turn, [its 95%% confidence interval];\n load after: %s)\n",
	       load_after);
	printf("written: %s\n", argv[4]);
	return 0;
}
