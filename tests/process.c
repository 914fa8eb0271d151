/* SPDX-License-Identifier: MIT */
/*
 * PROC — process creation from the MT-forked child (spec/process.adoc).
 *
 *   PROC-1 fork() in the child, from its initial thread and from a thread it
 *          created; the new process can malloc and write (malloc holding:
 *          the lock must have been repaired eagerly, not on first use).
 *   PROC-2 posix_spawn/posix_spawnp, PROC-3 system, PROC-4 popen/pclose,
 *          while another thread was inside the same function at fork: a
 *          seccomp user notification stops the new process's execve, so the
 *          spawning thread stays inside the function between clone and exec
 *          (tests/harness/spawnhold.c). That holds musl's abort lock (all three)
 *          and glibc 2.36's popen list lock; where the function holds nothing
 *          there (glibc posix_spawn and system), a thread calling it in a
 *          loop while forks repeat decides (stochastic).
 *   PROC-5 execvp/execlp/execvpe search PATH (a missing command fails with
 *          ENOENT in the child; a found one runs in a sub-process), with the
 *          malloc or open-file-list lock held.
 * Commands run: /bin/true, and sh -c with builtins only.
 */
#define _GNU_SOURCE
#include "have.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#if HAVE_POSIX_SPAWN
#include <spawn.h>
#endif

#include "harness/fixture.h"
#include "clauses.h"

extern char **environ;

static int malloc_and_exit(void *a)
{
	(void)a;
	char *m = malloc(64 * 1024);
	if (!m)
		return 2;
	memset(m, 1, 64 * 1024);
	free(m);
	return write(1, "", 0) == 0 ? 0 : 3;
}

static int probe_fork(struct probe *p)
{
	int st = fx_sub(malloc_and_exit, 0, 2000);
	if (st == -1)
		return fx_deadlocked ? probe_deadlock(p, "the grandchild deadlocked (proven)")
		                     : probe_wrong(p, "the grandchild did not exit");
	return st == 0 ? PROBE_OK : probe_wrong_num(p, "the grandchild's wait status: ", st);
}

static void *fork_from_thread(void *a)
{
	int *st = a;
	*st = fx_sub(malloc_and_exit, 0, 2000);
	return 0;
}

static int probe_fork_from_thread(struct probe *p)
{
	pthread_t t;
	int st = -5;
	if (pthread_create(&t, 0, fork_from_thread, &st) || pthread_join(t, 0))
		return probe_wrong(p, "pthread_create/join failed");
	if (st == -1)
		return probe_wrong(p,
		                   "the grandchild forked by a thread of the child did not exit");
	return st == 0 ? PROBE_OK : probe_wrong_num(p, "the grandchild's wait status: ", st);
}

#if HAVE_POSIX_SPAWN
static int probe_posix_spawn(struct probe *p)
{
	char *argv[] = {"true", 0};
	pid_t pid;
	int e = posix_spawn(&pid, "/bin/true", 0, 0, argv, environ);
	if (e)
		return probe_wrong_num(p, "posix_spawn failed: ", e);
	int st = fx_wait(pid, 2000);
	if (st != 0)
		return probe_wrong_num(p, "the spawned /bin/true: wait status ", st);
	e = posix_spawnp(&pid, "true", 0, 0, argv, environ);
	if (e)
		return probe_wrong_num(p, "posix_spawnp failed: ", e);
	st = fx_wait(pid, 2000);
	return st == 0 ? PROBE_OK : probe_wrong_num(p, "posix_spawnp's true: wait status ", st);
}
#endif

static int probe_system(struct probe *p)
{
	int st = system("exit 3");
	if (st == -1)
		return probe_wrong_num(p, "system failed: errno ", errno);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 3)
		return probe_wrong_num(p, "system(\"exit 3\") returned ", st);
	return system(0) ? PROBE_OK : probe_wrong(p, "system(NULL) says there is no shell");
}

static int probe_popen(struct probe *p)
{
	char line[32] = "";
	FILE *f = popen("echo mtfork", "r");
	if (!f)
		return probe_wrong_num(p, "popen failed: errno ", errno);
	if (!fgets(line, sizeof line, f) || strcmp(line, "mtfork\n"))
		return probe_wrong(p, "reading the command's output failed");
	int st = pclose(f);
	return st == 0 ? PROBE_OK : probe_wrong_num(p, "pclose returned ", st);
}

static int use_execlp;

static int run_execvp(void *a)
{
	(void)a;
	if (use_execlp) {
		execlp("true", "true", (char *)0);
	} else {
		char *argv[] = {"true", 0};
		execvp("true", argv);
	}
	return 126;
}

static int probe_execvp(struct probe *p)
{
	char *argv[] = {"mtfork-no-such-command", 0};
	errno = 0;
	if (execvp(argv[0], argv) != -1 || errno != ENOENT)
		return probe_wrong(p, "execvp of a missing command did not fail with ENOENT");
#if HAVE_EXECVPE /* else there is no execvpe to check */
	errno = 0;
	if (execvpe(argv[0], argv, environ) != -1 || errno != ENOENT)
		return probe_wrong(p, "execvpe of a missing command did not fail with ENOENT");
#endif
	for (int v = 0; v < 2; v++) {
		use_execlp = v;
		int st = fx_sub(run_execvp, 0, 2000);
		if (st != 0)
			return probe_wrong_num(
			    p, v ? "execlp(true): wait status " : "execvp(true): wait status ", st);
	}
	return PROBE_OK;
}

#define NEEDS_POSIX_SPAWN(h, p) MTFORK_NEEDS(HAVE_POSIX_SPAWN, "posix_spawn()", h, p)

static const struct mtcase cases[] = {
    CASE(PROC_1, "fork", &fx_malloc_holding, probe_fork),
    CASE(PROC_1, "fork-from-thread", &fx_malloc_holding, probe_fork_from_thread),
    CASE(PROC_1, "fork-stdio", &fx_stdio_holding, probe_fork),
    CASE(PROC_2, "posix_spawn", NEEDS_POSIX_SPAWN(&fx_posix_spawn_holding, probe_posix_spawn)),
    CASE(PROC_3, "system", &fx_system_holding, probe_system),
    CASE(PROC_4, "popen", &fx_popen_holding, probe_popen),
    CASE(PROC_5, "execvp-malloc", &fx_malloc_holding, probe_execvp),
    CASE(PROC_5, "execvp-stdio", &fx_stdio_holding, probe_execvp),
};

MTFORK_MAIN(cases)
