/*
 * libforklock benchmarks: cost of a gated call (alone and with two threads
 * calling at once) and fork latency, plain glibc against the adapter.
 * The driver runs this program without and with LD_PRELOAD (the fork part
 * in several alternating rounds), prints a table and writes JSON.  Usage: forklock_bench
 * path/to/libforklock.so out.json
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	return values[count / 2];
}

enum workload { W_RANDOM, W_LOCALTIME, W_SETENV, WORKLOADS };
static const char *const workload_name[WORKLOADS] = {"random", "localtime_r", "setenv"};

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
		struct timespec period = {0, 200 * 1000 * 1000};
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

	read(idle_pipe[0], &byte, 1);
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
	pipe(idle_pipe);
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
		write(idle_pipe[1], "x", 1);
	for (int i = 0; i < threads - 1; i++)
		pthread_join(ids[i], NULL);
	close(idle_pipe[0]);
	close(idle_pipe[1]);
	free(memory);
	return median(us, samples);
}

static const int fork_threads[] = {1, 8};
static const size_t fork_megabytes[] = {1, 100};

static void measure(bool forks_only)
{
	for (int w = 0; w < WORKLOADS && !forks_only; w++)
		printf("ns %d %.3f\n", w, ns_per_call(w));
	for (int w = 0; w < 2 && !forks_only; w++)
		printf("mt %d %.3f\n", w, two_thread_rate(w));
	for (int t = 0; t < 2; t++)
		for (int m = 0; m < 2; m++)
			printf("fork %d %d %.2f\n", t, m,
			       fork_latency(fork_threads[t], fork_megabytes[m],
			                    fork_megabytes[m] > 10 ? 41 : 201));
}

struct results {
	double ns[WORKLOADS], mt[2], fork[2][2];
};

/*
 * Fork latency is a few hundred microseconds and the machine is shared:
 * one run's median moves by more than the effect measured.  The fork part
 * is therefore repeated in alternating rounds (plain, adapter, plain, ...)
 * and each cell keeps its lowest median: the run least disturbed.
 */
#define FORK_ROUNDS 5

static int collect(char *const envp[], struct results *r, bool forks_only)
{
	char line[128];
	int fds[2], status;
	FILE *in;
	pid_t pid;

	pipe(fds);
	pid = fork();
	if (pid == 0) {
		char *argv[] = {"forklock_bench", forks_only ? "--forks" : "--measure", NULL};
		dup2(fds[1], 1);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	while (fgets(line, sizeof(line), in)) {
		int a, b;
		double v;
		if (sscanf(line, "ns %d %lf", &a, &v) == 2 && a >= 0 && a < WORKLOADS)
			r->ns[a] = v;
		else if (sscanf(line, "mt %d %lf", &a, &v) == 2 && a >= 0 && a < 2)
			r->mt[a] = v;
		else if (sscanf(line, "fork %d %d %lf", &a, &b, &v) == 3 && a >= 0 && a < 2 &&
		         b >= 0 && b < 2 && (r->fork[a][b] == 0 || v < r->fork[a][b]))
			r->fork[a][b] = v;
	}
	fclose(in);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void report(const struct results *plain, const struct results *gated, FILE *json)
{
	printf("%-34s %10s %10s %10s\n", "benchmark", "glibc", "+forklock", "delta");
	fprintf(json, "{\n  \"format\": 1,\n  \"uncontended_ns_per_call\": {");
	for (int w = 0; w < WORKLOADS; w++) {
		printf("%-34s %10.2f %10.2f %+9.2f ns\n", workload_name[w], plain->ns[w],
		       gated->ns[w], gated->ns[w] - plain->ns[w]);
		fprintf(json, "%s\n    \"%s\": {\"glibc\": %.3f, \"forklock\": %.3f}", w ? "," : "",
		        workload_name[w], plain->ns[w], gated->ns[w]);
	}
	fprintf(json, "\n  },\n  \"two_threads_calls_per_us\": {");
	for (int w = 0; w < 2; w++) {
		char label[64];
		snprintf(label, sizeof(label), "%s, 2 threads (calls/us)", workload_name[w]);
		printf("%-34s %10.2f %10.2f %9.3f x\n", label, plain->mt[w], gated->mt[w],
		       gated->mt[w] / plain->mt[w]);
		fprintf(json,
		        "%s\n    \"%s\": {\"glibc\": %.3f, \"forklock\": %.3f, \"ratio\": %.3f}",
		        w ? "," : "", workload_name[w], plain->mt[w], gated->mt[w],
		        gated->mt[w] / plain->mt[w]);
	}
	fprintf(json, "\n  },\n  \"fork_median_us\": [");
	for (int t = 0; t < 2; t++)
		for (int m = 0; m < 2; m++) {
			char label[64];
			double p = plain->fork[t][m], g = gated->fork[t][m];
			snprintf(label, sizeof(label), "fork %d thr %3zu MB (us)", fork_threads[t],
			         fork_megabytes[m]);
			printf("%-34s %10.1f %10.1f %+8.1f %%\n", label, p, g, (g / p - 1) * 100);
			fprintf(json,
			        "%s\n    {\"threads\": %d, \"resident_mb\": %zu, \"glibc\": %.2f, "
			        "\"forklock\": %.2f, \"added_percent\": %.2f}",
			        t || m ? "," : "", fork_threads[t], fork_megabytes[m], p, g,
			        (g / p - 1) * 100);
		}
	fprintf(json, "\n  ],\n  \"fork_rounds\": %d\n}\n", FORK_ROUNDS);
}

int main(int argc, char **argv)
{
	struct results plain = {0}, gated = {0};
	char preload[4096];
	FILE *json;

	if (argc > 1 && (strcmp(argv[1], "--measure") == 0 || strcmp(argv[1], "--forks") == 0)) {
		measure(strcmp(argv[1], "--forks") == 0);
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: %s path/to/libforklock.so out.json\n", argv[0]);
		return 2;
	}
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", argv[1]);
	for (int round = 0; round < FORK_ROUNDS; round++)
		if (collect((char *[]){NULL}, &plain, round > 0) ||
		    collect((char *[]){preload, NULL}, &gated, round > 0)) {
			fprintf(stderr, "forklock_bench: a measurement run failed\n");
			return 1;
		}
	json = fopen(argv[2], "w");
	if (!json) {
		perror(argv[2]);
		return 1;
	}
	report(&plain, &gated, json);
	fclose(json);
	printf("written: %s\n", argv[2]);
	return 0;
}
