/* SPDX-License-Identifier: MIT */
/* complete.c - the audit's completeness test: a child forked while a second
 * thread runs calls a known set of indexed functions, function i exactly
 * i+1 times, in this order, then _exit(0). tools/audit must report exactly
 * these calls, in this order, with these counts: nothing missed, nothing
 * invented. Usage: complete [mt|st|rawfork|many N|hang]
 *   mt       (default) the scenario above
 *   st       the same child, but forked before any thread exists: no record
 *   rawfork  forks with syscall(SYS_fork), bypassing fork(): still seen
 *   many N   N MT-forked children, each calling time() once
 *   empty    the MT-forked child calls only _exit(0): what libc itself calls
 *   hang     the child blocks forever after its calls (the audit must end
 *            when the program does) */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;
static void *spin(void *a)
{
	(void)a;
	while (!stop)
		usleep(1000);
	return NULL;
}

static int hang_fd = -1; /* hang mode: the write end of the "calls made" pipe */

static void child(int hang)
{
	volatile size_t sink = 0;
	struct timespec ts;
	struct rlimit rl;
	struct tm tm;
	sigset_t set;
	time_t t = 0;
	sigemptyset(&set);
	for (int i = 0; i < 1; i++)
		sink += (size_t)time(NULL);
	for (int i = 0; i < 2; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	for (int i = 0; i < 3; i++)
		sink += getenv("PATH") != NULL;
	for (int i = 0; i < 4; i++)
		sink += strlen("complete");
	for (int i = 0; i < 5; i++)
		// cppcheck-suppress staticStringCompare ; the call itself is what is audited
		sink += (size_t)memcmp("ab", "ac", 2);
	for (int i = 0; i < 6; i++)
		sink += strchr("abc", 'c') != NULL;
	for (int i = 0; i < 7; i++)
		srandom(1);
	for (int i = 0; i < 8; i++)
		sink += (size_t)random();
	for (int i = 0; i < 9; i++)
		sink += (size_t)getpriority(PRIO_PROCESS, 0);
	for (int i = 0; i < 10; i++)
		getrlimit(RLIMIT_NOFILE, &rl);
	for (int i = 0; i < 11; i++)
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (int i = 0; i < 12; i++)
		gmtime_r(&t, &tm);
	for (int i = 0; i < 13; i++)
		free(malloc(16));
	if (hang) {
		/* tell the parent the calls are made (a raw system call: nothing
		 * recorded), so it ends only after them, however loaded the machine */
		syscall(SYS_write, hang_fd, "", 1);
		for (;;)
			pause();
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "mt";
	pthread_t th;
	int n = 1;
	int many = strcmp(mode, "many") == 0, hang = strcmp(mode, "hang") == 0;
	int raw = strcmp(mode, "rawfork") == 0, empty = strcmp(mode, "empty") == 0;
	if (strcmp(mode, "st") == 0) {
		pid_t p = fork();
		if (p == 0)
			child(0);
		waitpid(p, NULL, 0);
		return 0;
	}
	if (many)
		n = argc > 2 ? atoi(argv[2]) : 100;
	{ /* load the timezone rules now: the child's gmtime_r() allocates nothing */
		time_t t = 0;
		struct tm tm;
		gmtime_r(&t, &tm);
	}
	int made[2] = {-1, -1};
	if (hang && pipe(made))
		return 1;
	hang_fd = made[1];
	if (pthread_create(&th, NULL, spin, NULL))
		return 1;
	for (int i = 0; i < n; i++) {
		pid_t p = raw ? (pid_t)syscall(SYS_fork) : fork();
		if (p == 0) {
			if (many) {
				time(NULL);
				_exit(0);
			}
			if (empty)
				_exit(0);
			child(hang);
		}
		if (!hang)
			waitpid(p, NULL, 0);
		else { /* the child's calls are made: now the program may end */
			char c;
			close(made[1]); /* a child that died early ends the read */
			while (syscall(SYS_read, made[0], &c, 1) < 0)
				;
		}
	}
	stop = 1;
	pthread_join(th, NULL);
	return 0;
}
