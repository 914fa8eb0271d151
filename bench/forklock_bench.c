/* SPDX-License-Identifier: MIT */
/*
 * libforklock benchmarks: the cost of a gated call (alone, and with two
 * threads calling at once) and fork latency, for four configurations:
 *
 * Length: the four configurations share one interleaved measurement loop and
 * one report.
 *
 *   glibc      this program as it is;
 *   +empty     with an empty library preloaded: the baseline cost of
 *              preloading anything (one more object mapped into every fork);
 *   +forklock  with the adapter preloaded (LD_PRELOAD=libforklock.so);
 *   linked     the same program linked with libforklock.a (forklock(7)).
 *
 * The machine is shared and noisy, so every measurement runs in a fresh
 * process, the configurations take turns within each round (A B C D, then
 * B C D A, ...), and each comparison is made pair by pair within a round.
 * A row reports the median over the rounds and the spread of the paired
 * changes (lowest to highest once a sixth of the rounds is dropped at each
 * end); a goal is "met" when that whole range meets it, "NOT met" when none of it does,
 * and otherwise "too noisy to judge" (run again, or with more rounds:
 * FORKLOCK_BENCH_ROUNDS=n, default 15).
 *
 * Usage: forklock_bench LIBFORKLOCK.so LINKED-BENCH EMPTY.so OUT.json
 *        forklock_bench --run calls|fork1|fork8   (one measurement)
 */
#define _GNU_SOURCE
#include <gnu/libc-version.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPEATS 7

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
		for (int i = 0; i < 200000; i++)
			call(w);
		double ns = (now_ns() - start) / 200000;
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

/* Calls per microsecond, two threads calling the same subsystem. */
static double two_thread_rate(enum workload w)
{
	double rates[3] = {0};

	for (int r = 0; r < 3; r++) {
		pthread_t threads[2];
		struct timespec period = {0, 100 * 1000 * 1000};
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
		rates[r] = atomic_load(&total_calls) / ((now_ns() - start) / 1e3);
	}
	return median(rates, 3);
}

static int idle_pipe[2];

static void *idle(void *arg)
{
	char byte;

	if (read(idle_pipe[0], &byte, 1) < 0)
		return NULL;
	return arg;
}

/* Median microseconds of fork + _exit + waitpid with threads and resident MB. */
static double fork_latency(int threads, size_t megabytes, int samples)
{
	pthread_t ids[8];
	size_t size = megabytes << 20;
	char *memory = malloc(size);
	double us[256] = {0};

	memset(memory, 1, size);
	if (threads > 1 && pipe(idle_pipe) != 0)
		exit(1);
	for (int i = 0; i < threads - 1; i++)
		pthread_create(&ids[i], NULL, idle, NULL);
	for (int s = 0; s < samples; s++) {
		double start = now_ns();
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
		us[s] = (now_ns() - start) / 1e3;
	}
	for (int i = 0; i < threads - 1; i++)
		if (write(idle_pipe[1], "x", 1) != 1)
			exit(1);
	for (int i = 0; i < threads - 1; i++)
		pthread_join(ids[i], NULL);
	if (threads > 1) {
		close(idle_pipe[0]);
		close(idle_pipe[1]);
	}
	free(memory);
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
    {"fork, 1 thread, 1 MB", "us", "fork1", 2, 1, 1},
    {"fork, 1 thread, 100 MB", "us", "fork1", 2, 5, 5},
    {"fork, 8 threads, 1 MB", "us", "fork8", 2, 5, 5},
    {"fork, 8 threads, 100 MB", "us", "fork8", 2, 5, 5},
};

static int run(const char *kind)
{
	if (strcmp(kind, "calls") == 0) {
		for (int w = 0; w < WORKLOADS; w++)
			printf("%d %.3f\n", R_NS_RANDOM + w, ns_per_call(w));
		for (int w = 0; w < 2; w++)
			printf("%d %.3f\n", R_MT_RANDOM + w, two_thread_rate(w));
	} else if (strcmp(kind, "fork1") == 0) {
		/* This process never has a second thread. */
		printf("%d %.3f\n", R_FORK1_1, fork_latency(1, 1, 201));
		printf("%d %.3f\n", R_FORK1_100, fork_latency(1, 100, 41));
	} else if (strcmp(kind, "fork8") == 0) {
		printf("%d %.3f\n", R_FORK8_1, fork_latency(8, 1, 201));
		printf("%d %.3f\n", R_FORK8_100, fork_latency(8, 100, 41));
	} else {
		return 2;
	}
	return 0;
}

/* --- the driver ----------------------------------------------------------- */

enum config { C_GLIBC, C_EMPTY, C_FORKLOCK, C_LINKED, CONFIGS };
static const char *const config_name[CONFIGS] = {"glibc", "+empty", "+forklock", "linked"};
static const char *const config_key[CONFIGS] = {"glibc", "empty", "forklock", "linked"};

#define MAX_ROUNDS 31
static double values[ROWS][CONFIGS][MAX_ROUNDS];

static int measure(const char *program, const char *preload, const char *kind, int round,
                   enum config c)
{
	char line[128], env[4200];
	char *envp[] = {env, NULL};
	int fds[2], status;
	FILE *in;
	pid_t pid;

	snprintf(env, sizeof(env), "LD_PRELOAD=%s", preload ? preload : "");
	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char *argv[] = {"forklock_bench", "--run", (char *)kind, NULL};
		dup2(fds[1], 1);
		close(fds[0]);
		execve(program, argv, preload ? envp : (char *[]){NULL});
		_exit(127);
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	while (fgets(line, sizeof(line), in)) {
		int r;
		double v;
		if (sscanf(line, "%d %lf", &r, &v) == 2 && r >= 0 && r < ROWS)
			values[r][c][round] = v;
	}
	fclose(in);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Paired change of config c against glibc in one round, in the row's unit. */
static double change(enum row r, enum config c, int round)
{
	double base = values[r][C_GLIBC][round], v = values[r][c][round];

	switch (rows[r].goal_kind) {
	case 0:
		return v - base;
	case 1:
		return v / base;
	default:
		return (v / base - 1) * 100;
	}
}

struct judged {
	double median, lo, hi;
	const char *verdict;
};

/* The paired values' median and spread, and the verdict against goal. */
static struct judged judge(double *paired, int rounds, bool at_least, double goal)
{
	struct judged j;
	int trim = rounds / 6;

	j.median = median(paired, rounds); /* sorts */
	j.lo = paired[trim];
	j.hi = paired[rounds - 1 - trim];
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

int main(int argc, char **argv)
{
	const char *self = "/proc/self/exe";
	char cpu[256], load_before[128], load_after[128], exe[4096];
	struct utsname un;
	int rounds = 15;
	const char *env_rounds = getenv("FORKLOCK_BENCH_ROUNDS");
	FILE *json;
	ssize_t len;

	if (argc == 3 && strcmp(argv[1], "--run") == 0)
		return run(argv[2]);
	if (argc != 5) {
		fprintf(stderr, "usage: %s LIBFORKLOCK.so LINKED-BENCH EMPTY.so OUT.json\n",
		        argv[0]);
		return 2;
	}
	if (env_rounds && atoi(env_rounds) >= 3)
		rounds = atoi(env_rounds) < MAX_ROUNDS ? atoi(env_rounds) : MAX_ROUNDS;
	len = readlink(self, exe, sizeof(exe) - 1);
	if (len <= 0)
		return 1;
	exe[len] = 0;
	read_first_line("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
	read_first_line("/proc/loadavg", NULL, load_before, sizeof(load_before));
	uname(&un);
	printf("machine: %s, %ld CPUs, kernel %s, glibc %s, load %s\n", cpu,
	       sysconf(_SC_NPROCESSORS_ONLN), un.release, gnu_get_libc_version(), load_before);
	printf("%d rounds; in each, every configuration in turn, each measurement in a fresh "
	       "process\n",
	       rounds);
	fflush(stdout);

	for (int round = 0; round < rounds; round++) {
		static const char *const kinds[] = {"fork1", "fork8", "calls"};
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			for (int i = 0; i < CONFIGS; i++) {
				enum config c = (enum config)((i + round) % CONFIGS);
				const char *program = c == C_LINKED ? argv[2] : exe;
				const char *preload = c == C_EMPTY      ? argv[3]
				                      : c == C_FORKLOCK ? argv[1]
				                                        : NULL;
				if (measure(program, preload, kinds[k], round, c) != 0) {
					fprintf(stderr,
					        "forklock_bench: a measurement failed (%s, %s)\n",
					        config_name[c], kinds[k]);
					return 1;
				}
			}
		fprintf(stderr, "\rround %d/%d", round + 1, rounds);
	}
	fprintf(stderr, "\r");
	read_first_line("/proc/loadavg", NULL, load_after, sizeof(load_after));

	json = fopen(argv[4], "w");
	if (!json) {
		perror(argv[4]);
		return 1;
	}
	fprintf(json, "{\n  \"format\": 2,\n  \"machine\": {\"cpu\": ");
	json_string(json, cpu);
	fprintf(json, ", \"cpus\": %ld, \"kernel\": ", sysconf(_SC_NPROCESSORS_ONLN));
	json_string(json, un.release);
	fprintf(json, ", \"libc\": ");
	json_string(json, gnu_get_libc_version());
	fprintf(json, ", \"loadavg_before\": ");
	json_string(json, load_before);
	fprintf(json, ", \"loadavg_after\": ");
	json_string(json, load_after);
	fprintf(json, "},\n  \"rounds\": %d,\n  \"rows\": [", rounds);

	printf("%-26s %-10s %18s %18s %22s %-16s %s\n", "benchmark", "config", "median",
	       "glibc median", "change [spread]", "goal", "verdict");
	for (int r = 0; r < ROWS; r++) {
		fprintf(json, "%s\n    {\"name\": ", r ? "," : "");
		json_string(json, rows[r].name);
		fprintf(json, ", \"unit\": \"%s\", \"values\": {", rows[r].unit);
		for (int c = 0; c < CONFIGS; c++) {
			fprintf(json, "%s\"%s\": [", c ? ", " : "", config_key[c]);
			for (int i = 0; i < rounds; i++)
				fprintf(json, "%s%.3f", i ? ", " : "", values[r][c][i]);
			fprintf(json, "]");
		}
		fprintf(json, "}, \"comparisons\": [");
		for (int c = C_EMPTY; c < CONFIGS; c++) {
			double paired[MAX_ROUNDS] = {0}, raw[MAX_ROUNDS] = {0},
			       base[MAX_ROUNDS] = {0};
			double goal = c == C_LINKED ? rows[r].goal_linked : rows[r].goal;
			bool vs_empty = r == R_FORK1_1 && c == C_FORKLOCK;
			bool at_least = rows[r].goal_kind == 1;
			char goal_text[64], change_text[64], median_text[48], base_text[48];
			struct judged j;
			double m, b, spread;

			for (int i = 0; i < rounds; i++) {
				paired[i] = change((enum row)r, (enum config)c, i);
				if (vs_empty)
					paired[i] -= change((enum row)r, C_EMPTY, i);
				raw[i] = values[r][c][i];
				base[i] = values[r][C_GLIBC][i];
			}
			j = judge(paired, rounds, at_least, goal);
			m = median(raw, rounds);
			spread = (raw[rounds - 1 - rounds / 6] - raw[rounds / 6]) / 2 / m * 100;
			b = median(base, rounds);
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
				snprintf(change_text, sizeof(change_text), "x%.2f [%.2f..%.2f]",
				         j.median, j.lo, j.hi);
			else
				snprintf(change_text, sizeof(change_text), "%+.1f%s [%+.1f..%+.1f]",
				         j.median, vs_empty ? "pp" : unit_of_change((enum row)r),
				         j.lo, j.hi);
			snprintf(median_text, sizeof(median_text), "%.1f +-%.0f%%", m, spread);
			snprintf(base_text, sizeof(base_text), "%.1f", b);
			printf("%-26s %-10s %18s %18s %22s %-16s %s\n",
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
	printf("(median +-: half the spread of the rounds, in %% of the median; change: median of "
	       "the paired\n changes against glibc in the same round, [its range without the "
	       "lowest and highest sixth];\n load after: %s)\n",
	       load_after);
	printf("written: %s\n", argv[4]);
	return 0;
}
