/* SPDX-License-Identifier: MIT */
/*
 * SEM — named semaphores in the MT-forked child (spec/sem.adoc).
 *
 * SEM-1: sem_open creates or opens a semaphore in the child; SEM-2: a
 * semaphore the parent opened can be waited on, posted, read, closed and
 * unlinked in the child; both although another thread held the mapping
 * table lock at fork. glibc's sem_mappings_lock (sysdeps/pthread/
 * sem_routines.c) is neither taken nor reset by fork; musl takes its
 * sem_open lock (src/thread/sem_open.c) around fork.
 * SEM-3: sem_post in the child wakes a waiter in another process (a futex
 * operation with no libc lock: no libc here fails it; the case guards
 * against one that took a lock there).
 *
 * Files: every case process first mounts a private tmpfs on /dev/shm in a
 * mount namespace of its own, so whatever a parked or killed thread leaves
 * behind vanishes with the case; without that (not root) the cases skip
 * and no semaphore is created at all.
 *
 * Holder: no sem_open path touches caller memory under the lock (the name
 * is copied first), so a guarded stack parks a thread in sem_open/sem_close
 * (glibc); without userfaultfd, sem_close stopped in its munmap under the
 * lock by a seccomp user notification (glibc). musl's sections reach no
 * deeper under its lock than before it (a table scan), so there a thread
 * opening, closing and unlinking semaphores while forks repeat decides.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/mtfork.h"
#include "harness/seccomp_hold.h"
#include "clauses.h"

static int private_shm;
static sem_t *parents; /* opened before the fork, value 1 */

static void private_dev_shm(void)
{
	private_shm = !unshare(CLONE_NEWNS) && !mount(0, "/", 0, MS_REC | MS_PRIVATE, 0) &&
	              !mount("mtfork", "/dev/shm", "tmpfs", 0, "mode=1777,size=8m");
	if (!private_shm)
		return;
	parents = sem_open("/mtfork-parent", O_CREAT, 0600, 1);
	if (parents == SEM_FAILED)
		parents = 0;
}

/* "/mtfork-h-xx": a new name each time, built without printf (whose stack
 * use would hide sem_open's). */
static void next_name(char *name, unsigned n)
{
	memcpy(name, "/mtfork-h-xx", 13);
	name[10] = (char)('a' + n % 26);
	name[11] = (char)('a' + n / 26 % 26);
}

static void open_and_close(struct hold *h)
{
	static unsigned n;
	char name[16];
	(void)h;
	if (!private_shm)
		return;
	next_name(name, n++);
	sem_t *s = sem_open(name, O_CREAT, 0600, 0);
	if (s != SEM_FAILED)
		sem_close(s);
	sem_unlink(name);
}

#ifdef __GLIBC__
/* The seccomp holder: glibc's sem_close unmaps a semaphore's last mapping
 * with the mapping table lock taken (musl unmaps after unlocking). */
static sem_t *closing;

static void open_then_close(void)
{
	closing = sem_open("/mtfork-seccomp", O_CREAT, 0600, 0);
	if (closing == SEM_FAILED)
		return;
	sem_close(closing);
	sem_unlink("/mtfork-seccomp");
}

static int unmaps_it(const struct sc_notice *n)
{
	return n->tid == n->helper_tid && n->args[0] == (uintptr_t)closing;
}

static const struct sc_trap sem_unmap = {
    .nr = {SC_MUNMAP}, .match = unmaps_it, .call = open_then_close};

static void sem_close_unmapping(struct hold *h)
{
	if (private_shm)
		seccomp_hold(h, &sem_unmap);
}
#endif

static void sem_open_needs_lock(void)
{
	if (!private_shm)
		return;
	sem_t *s = sem_open("/mtfork-verify", O_CREAT, 0600, 0);
	if (s != SEM_FAILED)
		sem_close(s);
}

static const struct holding sem_lock = {
    .name = "semaphore mapping table lock",
    .setup = private_dev_shm,
    .verify = sem_open_needs_lock,
    .ways =
        (const struct way[]){
            STACK_WAY("sem_open", open_and_close),
#ifdef __GLIBC__
            SECCOMP_CALL_WAY("sem_close", sem_close_unmapping),
#endif
            STOCHASTIC_WAY("sem_open", open_and_close),
            {0},
        },
};

static int skip_without_shm(struct probe *p)
{
	if (!private_shm)
		return probe_skip(p, "no private /dev/shm (needs root for a mount namespace)");
	if (!parents)
		return probe_wrong(p, "the parent's sem_open failed");
	return PROBE_OK;
}

static int probe_sem_open_new(struct probe *p)
{
	int r = skip_without_shm(p);
	if (r)
		return r;
	sem_t *s = sem_open("/mtfork-child", O_CREAT | O_EXCL, 0600, 3);
	if (s == SEM_FAILED)
		return probe_wrong_num(p, "sem_open(O_CREAT) failed: errno ", errno);
	int v = -1;
	if (sem_post(s) || sem_getvalue(s, &v) || v != 4)
		return probe_wrong(p, "the new semaphore does not count");
	if (sem_close(s) || sem_unlink("/mtfork-child"))
		return probe_wrong(p, "sem_close or sem_unlink failed");
	return PROBE_OK;
}

static int probe_sem_open_existing(struct probe *p)
{
	int r = skip_without_shm(p);
	if (r)
		return r;
	sem_t *s = sem_open("/mtfork-parent", 0);
	if (s == SEM_FAILED)
		return probe_wrong_num(p, "sem_open of the parent's name failed: errno ", errno);
	if (s != parents)
		return probe_wrong(p, "a second sem_open returned another address");
	return sem_close(s) ? probe_wrong(p, "sem_close failed") : PROBE_OK;
}

static int probe_parents_semaphore(struct probe *p)
{
	int r = skip_without_shm(p);
	if (r)
		return r;
	int v = -1;
	if (sem_wait(parents) || sem_post(parents) || sem_getvalue(parents, &v) || v != 1)
		return probe_wrong(p, "wait/post/getvalue on the parent's semaphore failed");
	if (sem_close(parents))
		return probe_wrong(p, "sem_close of the parent's semaphore failed");
	if (sem_unlink("/mtfork-parent"))
		return probe_wrong(p, "sem_unlink failed");
	/* The stochastic holder forks again in the same namespace: put the
	 * name back for the next child. */
	sem_t *again = sem_open("/mtfork-parent", O_CREAT, 0600, 1);
	return again == SEM_FAILED ? probe_wrong(p, "sem_open after sem_unlink failed") : PROBE_OK;
}

/* Weak: a libc that declares it but has none (dietlibc) skips, naming it. */
int sem_timedwait(sem_t *sem, const struct timespec *at) __attribute__((weak));

static int probe_post_wakes_other(struct probe *p)
{
	int r = skip_without_shm(p);
	if (r)
		return r;
	if (!sem_timedwait)
		return probe_skip(p, "this libc has no sem_timedwait()");
	if (sem_wait(parents)) /* value 0: the waiter below must block */
		return probe_wrong(p, "sem_wait failed");
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 2;
		_exit(sem_timedwait(parents, &ts) ? 1 : 0);
	}
	if (pid < 0)
		return probe_wrong(p, "fork failed");
	struct timespec pause = {0, 5 * 1000000};
	nanosleep(&pause, 0);
	if (sem_post(parents))
		return probe_wrong(p, "sem_post failed");
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return probe_wrong(p, "the other process was not woken by sem_post");
	return sem_post(parents) ? probe_wrong(p, "sem_post failed") : PROBE_OK; /* back to 1 */
}

static const struct mtcase cases[] = {
    CASE(SEM_1, "sem_open-create", &sem_lock, probe_sem_open_new),
    CASE(SEM_1, "sem_open-existing", &sem_lock, probe_sem_open_existing),
    CASE(SEM_2, "parents-semaphore", &sem_lock, probe_parents_semaphore),
    CASE(SEM_3, "sem_post", &sem_lock, probe_post_wakes_other),
};

MTFORK_MAIN(cases)
