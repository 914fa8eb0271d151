/* SPDX-License-Identifier: MIT */
/*
 * The spawn set (spec/spawn.adoc, seed 004): what sandboxes and process
 * spawners call between fork and exec. SPAWN-1 unshare, SPAWN-2 mount and
 * umount2, SPAWN-3 syscall, SPAWN-4 setgroups, SPAWN-5 the set*id family,
 * SPAWN-6 prctl, SPAWN-7 setpriority/getpriority/nice, SPAWN-8
 * pthread_sigmask/sigprocmask, SPAWN-9 assert, SPAWN-10 memmove and the
 * string functions (also through a lazily bound library), SPAWN-11 errno,
 * SPAWN-12 setns/chroot/chdir/fchdir/setsid/setpgid, SPAWN-13 rlimits,
 * SPAWN-14 strerror_r.
 *
 * Length: one file per chapter (spec/spawn.adoc), whose 14 clauses each need
 * their own probe.
 *
 * Every probe runs three times: with another thread inside malloc
 * (fx_malloc_holding), inside the loader (fx_loader_holding: dlopen with its
 * path on a userfaultfd page) and inside stdio (fx_stdio_holding: fflush(NULL)
 * writing into a parking stream), tests/harness/holdings.c.
 *
 * Privilege: the probes change nothing outside the child. Where a call needs
 * privilege (mount, setgroups, setns, chroot), the probe accepts the
 * documented EPERM when the child lacks it, so the case stays meaningful
 * unprivileged: it still checks that the call returns and reports. mount()
 * is only ever called inside a new mount namespace (a user namespace too if
 * that is what it takes), on /tmp, and never in the caller's namespace.
 */
#define _GNU_SOURCE
#include "have.h"
#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include "harness/sysno.h"
#include <sys/wait.h>
#include <unistd.h>
#include <pthread.h>

#include "harness/fixture.h"
#include "harness/proc.h"
#include "clauses.h"

#if HAVE_DLOPEN
static void *lazy_lib;
#endif
static int *errno_addr;
static char sigblk_ref[64];

static void record_errno(void)
{
	errno_addr = &errno;
}

/* "SigBlk:" of /proc/self/status after blocking every signal number. */
static void sigblk_after_blocking_all(char *out, size_t size)
{
	sigset_t all, old;
	memset(&all, 0xff, sizeof all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	proc_status_field(0, 0, "SigBlk", out, size);
	pthread_sigmask(SIG_SETMASK, &old, 0);
}

static void common_setup(void)
{
#if HAVE_DLOPEN
	lazy_lib = dlopen(fx_path("libmtf_lazy.so"), RTLD_LAZY);
#endif
	pthread_atfork(record_errno, 0, 0);
	sigblk_after_blocking_all(sigblk_ref, sizeof sigblk_ref);
}

static void setup_malloc(void)
{
	common_setup();
	fx_malloc_setup();
}

#if HAVE_DLOPEN
static void setup_loader(void)
{
	common_setup();
	fx_loader_setup();
}
#endif

static void setup_stdio(void)
{
	common_setup();
	fx_stdio_setup();
}

static const struct holding h_malloc = {.name = "malloc arena lock",
                                        .setup = setup_malloc,
                                        .verify = fx_malloc_verify,
                                        .ways = fx_malloc_ways};
#if HAVE_DLOPEN
static const struct holding h_loader = {.name = "loader lock",
                                        .setup = setup_loader,
                                        .verify = fx_loader_verify,
                                        .ways = fx_loader_ways};
#endif
static const struct holding h_stdio = {.name = "open-file list lock",
                                       .setup = setup_stdio,
                                       .verify = fx_stdio_verify,
                                       .ways = fx_stdio_ways};

/* 0 or the documented EPERM of an unprivileged caller. */
static int ok_or_eperm(int r)
{
	return r == 0 || (r == -1 && errno == EPERM);
}

static int probe_unshare(struct probe *p)
{
	if (unshare(0) || unshare(CLONE_FILES) || unshare(CLONE_FS))
		return probe_wrong(p, "unshare(0 / CLONE_FILES / CLONE_FS) failed");
	int r = unshare(CLONE_NEWUTS);
	if (!ok_or_eperm(r))
		return probe_wrong_num(p, "unshare(CLONE_NEWUTS) failed with errno ", errno);
	if (r == 0) {
		char name[64];
		if (sethostname("mtfork-child", 12) || gethostname(name, sizeof name) ||
		    strcmp(name, "mtfork-child"))
			return probe_wrong(p, "the new UTS namespace is not the child's");
	}
	errno = 0;
	if (unshare(-1) != -1 || errno != EINVAL)
		return probe_wrong(p, "unshare(-1) did not fail with EINVAL");
	return PROBE_OK;
}

static int probe_mount(struct probe *p)
{
	if (unshare(CLONE_NEWNS) && unshare(CLONE_NEWUSER | CLONE_NEWNS)) {
		/* No namespace of our own: exercise the wrappers harmlessly. */
		errno = 0;
		if (mount("none", "/nonexistent/mtfork", "mtfork-nofs", 0, 0) != -1 || !errno)
			return probe_wrong(p, "mount of a missing target did not fail");
		errno = 0;
		if (umount2("/nonexistent/mtfork", 0) != -1 || !errno)
			return probe_wrong(p, "umount2 of a missing target did not fail");
		return PROBE_OK;
	}
	int r = mount(0, "/", 0, MS_REC | MS_PRIVATE, 0);
	if (r && errno == EINVAL) /* an environment limit, not the libc's */
		return probe_skip(
		    p, "/ is not a mount point here (a plain chroot): it cannot be made "
		       "private (EINVAL); bind-mount the root on itself to run this case");
	if (r)
		return probe_wrong_num(p, "making / private failed: errno ", errno);
	if (mount("mtfork", "/tmp", "tmpfs", 0, "size=64k"))
		return probe_wrong_num(p, "mount of a tmpfs failed: errno ", errno);
	if (umount2("/tmp", MNT_DETACH))
		return probe_wrong_num(p, "umount2 failed: errno ", errno);
	if (mount("mtfork", "/tmp", "tmpfs", MS_RDONLY, "size=64k") || umount("/tmp"))
		return probe_wrong_num(p, "mount/umount failed: errno ", errno);
	return PROBE_OK;
}

#if HAVE_SYSCALL
static int probe_syscall(struct probe *p)
{
	if (syscall(SYS_getpid) != getpid())
		return probe_wrong(p, "syscall(SYS_getpid) is not getpid()");
	errno = 0;
	if (syscall(SYS_close, -1) != -1 || errno != EBADF)
		return probe_wrong(p, "syscall(SYS_close, -1) did not fail with EBADF");
	return PROBE_OK;
}
#endif

static int probe_setgroups(struct probe *p)
{
	gid_t g[64], h[64];
	int n = getgroups(64, g);
	if (n < 0)
		return probe_wrong(p, "getgroups failed");
	int r = setgroups((size_t)n, g);
	if (!ok_or_eperm(r) || (r && geteuid() == 0))
		return probe_wrong_num(p, "setgroups(current groups) failed: errno ", errno);
	if (getgroups(64, h) != n || memcmp(g, h, (size_t)n * sizeof *g))
		return probe_wrong(p, "the group list changed");
	return PROBE_OK;
}

static int probe_setid(struct probe *p)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) || getresgid(&rg, &eg, &sg))
		return probe_wrong(p, "getresuid/getresgid failed");
	if (setresgid(rg, eg, sg) || setresuid(ru, eu, su))
		return probe_wrong_num(p, "setresgid/setresuid to the current ids failed: errno ",
		                       errno);
	if (setregid(rg, eg) || setreuid(ru, eu) || setegid(eg) || seteuid(eu))
		return probe_wrong_num(p, "setre*id/sete*id to the current ids failed: errno ",
		                       errno);
	if (setgid(eu ? rg : eg) || setuid(eu ? ru : eu))
		return probe_wrong_num(p, "setgid/setuid to the current ids failed: errno ", errno);
	return PROBE_OK;
}

#if HAVE_PRCTL
static int probe_prctl(struct probe *p)
{
	char name[17] = "";
	int sig = 0;
	if (prctl(PR_SET_NAME, "mtfork-kid", 0, 0, 0) || prctl(PR_GET_NAME, name, 0, 0, 0) ||
	    strcmp(name, "mtfork-kid"))
		return probe_wrong(p, "PR_SET_NAME/PR_GET_NAME failed");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) ||
	    sig != SIGKILL)
		return probe_wrong(p, "PR_SET_PDEATHSIG/PR_GET_PDEATHSIG failed");
	errno = 0;
	if (prctl(-1, 0, 0, 0, 0) != -1 || errno != EINVAL)
		return probe_wrong(p, "an unknown prctl option did not fail with EINVAL");
	return PROBE_OK;
}
#endif

static int probe_priority(struct probe *p)
{
	errno = 0;
	int pr = getpriority(PRIO_PROCESS, 0);
	if (pr == -1 && errno)
		return probe_wrong_num(p, "getpriority failed: errno ", errno);
	int want = pr < 19 ? pr + 1 : 19;
	if (setpriority(PRIO_PROCESS, 0, want))
		return probe_wrong_num(p, "setpriority failed: errno ", errno);
	errno = 0;
	if (getpriority(PRIO_PROCESS, 0) != want || errno)
		return probe_wrong(p, "getpriority does not report the new priority");
	errno = 0;
	if (nice(0) != want || errno)
		return probe_wrong(p, "nice(0) does not report the priority");
	return PROBE_OK;
}

static int probe_sigmask(struct probe *p)
{
	sigset_t s, old;
	char got[64];
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &s, 0) || sigprocmask(SIG_BLOCK, 0, &old) ||
	    !sigismember(&old, SIGUSR1))
		return probe_wrong(p, "pthread_sigmask/sigprocmask did not block SIGUSR1");
	if (sigprocmask(SIG_UNBLOCK, &s, 0) || pthread_sigmask(SIG_BLOCK, 0, &old) ||
	    sigismember(&old, SIGUSR1))
		return probe_wrong(p, "sigprocmask/pthread_sigmask did not unblock SIGUSR1");
	sigblk_after_blocking_all(got, sizeof got);
	if (!got[0] || strcmp(got, sigblk_ref))
		return probe_wrong(p, "blocking every signal is filtered differently from the "
		                      "parent (SigBlk)");
	return PROBE_OK;
}

static volatile int one = 1;

static int assert_fails(void *a)
{
	(void)a;
	int devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, 2); /* the message is not judged here */
	assert(one == 2);
	return 0;
}

static int probe_assert(struct probe *p)
{
	assert(one == 1);
	int st = fx_sub(assert_fails, 0, 2000);
	if (st == -1)
		return fx_deadlocked ? probe_deadlock(p, "a failing assert() deadlocked (proven)")
		                     : probe_wrong(p, "a failing assert() did not end the process");
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT)
		return probe_wrong_num(p, "a failing assert() did not end by SIGABRT: status ", st);
	return PROBE_OK;
}

/* The string functions through volatile pointers: with constant sizes the
 * compiler expands memmove, memcpy, memset, memcmp and strnlen inline, and
 * the child would then not call libc's at all. */
static void *(*volatile memmove_f)(void *, const void *, size_t) = memmove;
static void *(*volatile memcpy_f)(void *, const void *, size_t) = memcpy;
static void *(*volatile memset_f)(void *, int, size_t) = memset;
static int (*volatile memcmp_f)(const void *, const void *, size_t) = memcmp;
static size_t (*volatile strlen_f)(const char *) = strlen;
static int (*volatile strcmp_f)(const char *, const char *) = strcmp;
static char *(*volatile strchr_f)(const char *, int) = strchr;
static size_t (*volatile strnlen_f)(const char *, size_t) = strnlen;

static int probe_strings(struct probe *p)
{
	char a[32] = "abcdefgh", b[32];
	memmove_f(a + 2, a, 8);
	memcpy_f(b, a, sizeof b);
	memset_f(b + 10, 0, 4);
	if (memcmp_f(b, "ababcdefgh", 10) || strlen_f(b) != 10 || strcmp_f(b, "ababcdefgh") ||
	    strchr_f(b, 'h') != b + 9 || strnlen_f(b, 4) != 4)
		return probe_wrong(p, "a string function returned a wrong result");
#if HAVE_DLOPEN /* else no library is bound lazily: the calls above are all */
	if (!lazy_lib)
		return probe_wrong(p, "the parent could not load libmtf_lazy.so");
	int (*f)(void) = (int (*)(void))dlsym(lazy_lib, "fx_lazy_strings");
	if (!f)
		return probe_wrong(p, "dlsym of fx_lazy_strings failed");
	int r = f();
	return r ? probe_wrong_num(p, "through lazily bound PLT slots: check failed: ", r)
	         : PROBE_OK;
#else
	return PROBE_OK;
#endif
}

static int probe_errno(struct probe *p)
{
	errno = 0;
	if (close(-1) != -1 || errno != EBADF)
		return probe_wrong(p, "close(-1) did not set errno to EBADF");
	errno = 0;
	if (errno)
		return probe_wrong(p, "errno cannot be assigned");
	if (errno_addr != &errno)
		return probe_wrong(p, "&errno is not the forking thread's");
	return PROBE_OK;
}

static int probe_session(struct probe *p)
{
	int fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return probe_wrong(p, "cannot open /proc/self/ns/uts");
	if (!ok_or_eperm(setns(fd, CLONE_NEWUTS)))
		return probe_wrong_num(p, "setns into the own UTS namespace failed: errno ", errno);
	close(fd);
	if (!ok_or_eperm(chroot("/")))
		return probe_wrong_num(p, "chroot(\"/\") failed: errno ", errno);
	int d = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (chdir("/tmp") || d < 0 || fchdir(d) || close(d))
		return probe_wrong(p, "chdir/fchdir failed");
	if (setsid() != getpid())
		return probe_wrong_num(p, "setsid did not make a new session: errno ", errno);
	errno = 0;
	if (setpgid(0, 0) != -1 || errno != EPERM)
		return probe_wrong(p, "setpgid of a session leader did not fail with EPERM");
	return PROBE_OK;
}

static int probe_rlimit(struct probe *p)
{
	struct rlimit r, old;
	if (getrlimit(RLIMIT_CORE, &r))
		return probe_wrong(p, "getrlimit failed");
	r.rlim_cur = 0;
	if (setrlimit(RLIMIT_CORE, &r) || getrlimit(RLIMIT_CORE, &r) || r.rlim_cur != 0)
		return probe_wrong(p, "setrlimit(RLIMIT_CORE) did not take effect");
#if HAVE_PRLIMIT /* else there is no prlimit to check */
	if (prlimit(0, RLIMIT_NOFILE, 0, &old) || old.rlim_cur == 0)
		return probe_wrong(p, "prlimit failed");
#else
	(void)old;
#endif
	return PROBE_OK;
}

#if HAVE_STRERROR_R
static int probe_strerror(struct probe *p)
{
	char buf[128] = "";
#ifdef __GLIBC__
	const char *m = strerror_r(EBADF, buf, sizeof buf);
#else
	const char *m = strerror_r(EBADF, buf, sizeof buf) ? 0 : buf;
#endif
	if (!m || !*m)
		return probe_wrong(p, "strerror_r gave no message");
	return PROBE_OK;
}
#endif

/* Each call under each of the three holdings; THREE_IF: the call needs an
 * interface the target may lack (HAVE_X, tests/probes/), and the loader
 * holding needs dlopen(): a missing one is named in the skip. */
#define THREE_IF(have, iface, clause, what, probe)                                                 \
	CASE(clause, what "-malloc", MTFORK_NEEDS(have, iface, &h_malloc, probe)),                 \
	    CASE(clause, what "-loader", LOADER_CASE(have, iface, probe)),                         \
	    CASE(clause, what "-stdio", MTFORK_NEEDS(have, iface, &h_stdio, probe))
#define LOADER_CASE(have, iface, probe)  LOADER_CASE_(have, iface, probe)
#define LOADER_CASE_(have, iface, probe) LOADER_CASE_##have(iface, probe)
#define LOADER_CASE_0(iface, probe)      MTFORK_NEEDS(0, iface, &h_loader, probe)
#define LOADER_CASE_1(iface, probe)      MTFORK_NEEDS(HAVE_DLOPEN, "dlopen()", &h_loader, probe)
/* A clause's three cases: its probe under each of the three holdings. */
#define THREE(clause, what, probe) THREE_IF(1, "", clause, what, probe)

static const struct mtcase cases[] = {
    THREE(SPAWN_1, "unshare", probe_unshare),
    THREE(SPAWN_2, "mount", probe_mount),
    THREE_IF(HAVE_SYSCALL, "syscall()", SPAWN_3, "syscall", probe_syscall),
    THREE(SPAWN_4, "setgroups", probe_setgroups),
    THREE(SPAWN_5, "setresuid", probe_setid),
    THREE_IF(HAVE_PRCTL, "prctl() with the Linux prototype", SPAWN_6, "prctl", probe_prctl),
    THREE(SPAWN_7, "setpriority", probe_priority),
    THREE(SPAWN_8, "pthread_sigmask", probe_sigmask),
    THREE(SPAWN_9, "assert", probe_assert),
    THREE(SPAWN_10, "memmove", probe_strings),
    THREE(SPAWN_11, "errno", probe_errno),
    THREE(SPAWN_12, "setsid", probe_session),
    THREE(SPAWN_13, "setrlimit", probe_rlimit),
    THREE_IF(HAVE_STRERROR_R, "strerror_r()", SPAWN_14, "strerror_r", probe_strerror),
};

MTFORK_MAIN(cases)
