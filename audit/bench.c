/* SPDX-License-Identifier: MIT */
/* bench.c - cost of the audit library: ns per intercepted call in a parent
 * (strlen, random, time through the PLT) and fork()+waitpid latency, single-
 * and multi-threaded. Run once plain and once under tools/audit (see
 * audit/audit.mk, make audit-bench); prints "name value" lines, medians. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}
static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}
static double median(double *v, int n)
{
	qsort(v, n, sizeof *v, cmp);
	return v[n / 2];
}

static size_t (*volatile p_strlen)(const char *) = strlen;
static long (*volatile p_random)(void) = random;
static time_t (*volatile p_time)(time_t *) = time;
static volatile size_t sink;

#define CALLS(name, expr)                                                                          \
	do {                                                                                       \
		double v[21];                                                                      \
		for (int r = 0; r < 21; r++) {                                                     \
			double t0 = now();                                                         \
			for (int i = 0; i < 1000000; i++)                                          \
				sink += (size_t)(expr);                                            \
			v[r] = (now() - t0) / 1e6;                                                 \
		}                                                                                  \
		printf("%s %.2f\n", name, median(v, 21));                                          \
	} while (0)

static volatile int stop;
static void *spin(void *a)
{
	(void)a;
	while (!stop)
		usleep(1000);
	return NULL;
}

static void forks(const char *name)
{
	double v[201];
	for (int r = 0; r < 201; r++) {
		double t0 = now();
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		waitpid(p, NULL, 0);
		v[r] = (now() - t0) / 1e3;
	}
	printf("%s %.1f\n", name, median(v, 201));
}

int main(void)
{
	CALLS("strlen_ns", p_strlen("hello"));
	CALLS("random_ns", p_random());
	CALLS("time_ns", p_time(NULL));
	forks("fork_1thread_us");
	pthread_t th;
	pthread_create(&th, NULL, spin, NULL);
	forks("fork_2threads_us");
	stop = 1;
	pthread_join(th, NULL);
	return 0;
}
