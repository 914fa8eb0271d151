/* SPDX-License-Identifier: MIT */
/*
 * libmtf_break.so — a violating target for the teeth runs (expect/teeth).
 *
 * Preloaded (LD_PRELOAD) into a test binary, it makes the target's libc
 * violate clauses on purpose, so that `make check` can prove each case
 * detects the violation it is about (README.adoc, make check: the teeth runs). Two kinds of
 * violation, chosen by name in MTFORK_BREAK=name[,name...] (read once, at
 * load):
 *
 * 1. A function name (unshare, getenv, fork, __errno_location, ...): that
 *    function, when called in an MT-forked child, parks forever in
 *    FUTEX_WAIT_PRIVATE on a word nothing will ever wake — exactly what a
 *    libc does whose function takes a lock another thread held at fork
 *    (copied held into the child, never reset). The suite's judge proves
 *    that deadlock from /proc/PID/syscall. Everywhere else (the parent, the
 *    child of a single-threaded fork, a function not listed) the wrapper
 *    calls the real function (dlsym(RTLD_NEXT), resolved at load, so that
 *    no loader lock is needed later: a holder may be parked inside the
 *    loader). "MT-forked" is inherited by the child's own children: a lock
 *    held in the child stays held in every process it forks.
 *
 * 2. An option: fork() (or _Fork()) itself misbehaves, as libcs have done:
 *      fork-fflush   fork flushes every stream first (fflush(NULL) in its
 *                    prepare stage): it waits for every FILE lock, including
 *                    the application's (flockfile, a blocked read or write);
 *      fork-mutex    fork waits until every mutex the application has locked
 *                    (through pthread_mutex_lock) is free;
 *      fork-dns      fork waits until no getaddrinfo() is in progress (a
 *                    lock held across the lookup, name-server wait
 *                    included, and taken in fork's prepare stage);
 *      fork-loader   fork waits for the dynamic loader to be idle (it
 *                    dlopen()s every loaded object first), i.e. for library
 *                    constructors running in other threads;
 *      fork-thread   an MT-forked child is given a second thread (as a libc
 *                    restarting its helper thread eagerly would);
 *      fork-sigmask  an MT-forked child keeps the all-signals-blocked mask
 *                    fork used internally, instead of the forker's;
 *      _Fork-runs-handlers  _Fork() is fork(): it runs the fork handlers
 *                    (and takes every lock fork takes);
 *      exit-handler-lock  exit() keeps its handler lock across each handler
 *                    call and fork neither takes nor resets it: in a process
 *                    forked (by any fork, from any number of threads) while
 *                    its parent was inside exit(), exit() and quick_exit()
 *                    park (EXIT-8).
 *
 * An MT-forked child is detected with pthread_atfork: the prepare handler
 * counts the parent's threads in /proc/self/status using only open/read (a
 * holder may be parked inside malloc or stdio), the child handler records
 * "the parent had more than one thread". The handlers are registered from
 * this library's constructor, before the application's: the prepare handler
 * runs after every application prepare handler, the child handler before
 * every application child handler.
 *
 * Every wrapper has the prototype the libc's header declares (the compiler
 * checks the definition against it). The variadic syscall() forwards six
 * unsigned longs and prctl() four (the most either takes on Linux x86-64,
 * where reading an argument that was not passed reads a dead register, the
 * same convention libc's own syscall() relies on); open() forwards the mode
 * only with O_CREAT/O_TMPFILE, fcntl() one unsigned long; execl/execle
 * collect their argument list and call the real execve, as libc does.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <assert.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <grp.h>
#include <libintl.h>
#include <limits.h>
#include <link.h>
#include <locale.h>
#include <langinfo.h>
#include <netdb.h>
#include <pthread.h>
#include <pwd.h>
#include <resolv.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* glibc turns these into macros under -O2 (libintl.h); the wrappers must
 * define the functions themselves. */
#undef gettext
#undef dgettext
#undef dcgettext
#undef ngettext
#undef dngettext
#undef dcngettext

#ifdef __GLIBC__
typedef __priority_which_t which_t;
typedef __rlimit_resource_t resource_t;
typedef unsigned int assert_line_t;
#define HAVE_ARC4RANDOM __GLIBC_PREREQ(2, 36)
#else
typedef int which_t;
typedef int resource_t;
typedef int assert_line_t;
#define HAVE_ARC4RANDOM 0
#endif

extern char **environ;

/* FUTEX_WAIT | FUTEX_PRIVATE_FLAG (<linux/futex.h>, which musl-gcc lacks). */
#define WAIT_PRIVATE 128

/* Every wrapped function, once. */
#define FUNCS_COMMON(X)                                                                            \
	X(unshare)                                                                                 \
	X(sethostname)                                                                             \
	X(gethostname)                                                                             \
	X(mount)                                                                                   \
	X(umount)                                                                                  \
	X(umount2)                                                                                 \
	X(syscall)                                                                                 \
	X(getgroups)                                                                               \
	X(setgroups)                                                                               \
	X(getresuid)                                                                               \
	X(getresgid)                                                                               \
	X(setresuid)                                                                               \
	X(setresgid)                                                                               \
	X(setreuid)                                                                                \
	X(setregid)                                                                                \
	X(seteuid)                                                                                 \
	X(setegid)                                                                                 \
	X(setuid)                                                                                  \
	X(setgid)                                                                                  \
	X(prctl)                                                                                   \
	X(getpriority)                                                                             \
	X(setpriority)                                                                             \
	X(nice)                                                                                    \
	X(pthread_sigmask)                                                                         \
	X(sigprocmask)                                                                             \
	X(sigpending)                                                                              \
	X(__assert_fail)                                                                           \
	X(memmove)                                                                                 \
	X(memcpy)                                                                                  \
	X(memset)                                                                                  \
	X(memcmp)                                                                                  \
	X(strlen)                                                                                  \
	X(strcmp)                                                                                  \
	X(strchr)                                                                                  \
	X(strnlen)                                                                                 \
	X(__errno_location)                                                                        \
	X(setns)                                                                                   \
	X(chroot)                                                                                  \
	X(chdir)                                                                                   \
	X(fchdir)                                                                                  \
	X(setsid)                                                                                  \
	X(setpgid)                                                                                 \
	X(getrlimit)                                                                               \
	X(setrlimit)                                                                               \
	X(prlimit)                                                                                 \
	X(strerror_r)                                                                              \
	X(pipe)                                                                                    \
	X(read)                                                                                    \
	X(write)                                                                                   \
	X(open)                                                                                    \
	X(close)                                                                                   \
	X(dup)                                                                                     \
	X(dup2)                                                                                    \
	X(fstat)                                                                                   \
	X(stat)                                                                                    \
	X(lseek)                                                                                   \
	X(fcntl)                                                                                   \
	X(access)                                                                                  \
	X(umask)                                                                                   \
	X(socketpair)                                                                              \
	X(send)                                                                                    \
	X(recv)                                                                                    \
	X(getpid)                                                                                  \
	X(getppid)                                                                                 \
	X(getuid)                                                                                  \
	X(getegid)                                                                                 \
	X(kill)                                                                                    \
	X(raise)                                                                                   \
	X(alarm)                                                                                   \
	X(sigemptyset)                                                                             \
	X(sigaddset)                                                                               \
	X(sigaction)                                                                               \
	X(sigtimedwait)                                                                            \
	X(clock_gettime)                                                                           \
	X(gettimeofday)                                                                            \
	X(time)                                                                                    \
	X(nanosleep)                                                                               \
	X(uname)                                                                                   \
	X(execve)                                                                                  \
	X(execl)                                                                                   \
	X(execle)                                                                                  \
	X(fork)                                                                                    \
	X(_Fork)                                                                                   \
	X(waitpid)                                                                                 \
	X(abort)                                                                                   \
	X(exit)                                                                                    \
	X(quick_exit)                                                                              \
	X(getenv)                                                                                  \
	X(fopen)                                                                                   \
	X(fputs)                                                                                   \
	X(fflush)                                                                                  \
	X(fclose)                                                                                  \
	X(open_memstream)                                                                          \
	X(snprintf)                                                                                \
	X(vsnprintf)                                                                               \
	X(strtod)                                                                                  \
	X(gettext)                                                                                 \
	X(dgettext)                                                                                \
	X(dcgettext)                                                                               \
	X(ngettext)                                                                                \
	X(dngettext)                                                                               \
	X(dcngettext)                                                                              \
	X(setlocale)                                                                               \
	X(uselocale)                                                                               \
	X(localeconv)                                                                              \
	X(nl_langinfo)                                                                             \
	X(getpwuid)                                                                                \
	X(getgrnam)                                                                                \
	X(getgrgid)                                                                                \
	X(getpwnam_r)                                                                              \
	X(getgrnam_r)                                                                              \
	X(getgrouplist)                                                                            \
	X(getaddrinfo)                                                                             \
	X(freeaddrinfo)                                                                            \
	X(res_init)                                                                                \
	X(posix_spawn)                                                                             \
	X(posix_spawnp)                                                                            \
	X(system)                                                                                  \
	X(sem_wait)                                                                                \
	X(sem_timedwait)                                                                           \
	X(sem_post)                                                                                \
	X(pthread_mutexattr_setrobust)                                                             \
	X(pthread_mutexattr_setprotocol)                                                           \
	X(pthread_mutex_init)                                                                      \
	X(pthread_mutex_lock)                                                                      \
	X(pthread_mutex_unlock)                                                                    \
	X(timer_create)                                                                            \
	X(timer_settime)                                                                           \
	X(timer_gettime)                                                                           \
	X(timer_getoverrun)                                                                        \
	X(timer_delete)

#if HAVE_ARC4RANDOM
#define FUNCS_ARC4(X) X(arc4random) X(arc4random_buf) X(arc4random_uniform)
#else
#define FUNCS_ARC4(X)
#endif

#define FUNCS(X) FUNCS_COMMON(X) FUNCS_ARC4(X)

#define ENUM(name) F_##name,
enum { FUNCS(ENUM) NFUNCS };

/* The symbol looked up is the expanded name: glibc's res_init is a macro
 * for __res_init. */
#define STR2(x)    #x
#define STR(x)     STR2(x)
#define NAME(name) STR(name),
static const char *const names[] = {FUNCS(NAME)};
/* MTFORK_BREAK may use either spelling (res_init or __res_init). */
#define WORD(name) #name,
static const char *const words[] = {FUNCS(WORD)};

/* The options: how fork itself (or exit with fork) misbehaves. */
enum { O_FFLUSH, O_MUTEX, O_DNS, O_LOADER, O_THREAD, O_SIGMASK, O_RAWHANDLERS, O_EXITLOCK, NOPTS };
static const char *const options[] = {"fork-fflush",         "fork-mutex",       "fork-dns",
                                      "fork-loader",         "fork-thread",      "fork-sigmask",
                                      "_Fork-runs-handlers", "exit-handler-lock"};

static void *real[NFUNCS];
static unsigned char broken[NFUNCS];
static unsigned char option[NOPTS];
static int parent_threads;       /* counted by the prepare handler */
static volatile int mt_child;    /* this process descends from an MT fork */
static volatile int never_woken; /* the futex word a broken function waits on */

/* The real function; resolved at load, or here if something calls it
 * before this library's constructor ran. */
static void *real_of(int f)
{
	if (!real[f])
		real[f] = dlsym(RTLD_NEXT, names[f]);
	return real[f];
}

#define REAL(name) ((__typeof__(&name))real_of(F_##name))

/* What a libc function does that takes a lock held at fork: wait for
 * ever. A private futex wait without timeout, on a word nobody wakes. */
static void gate(int f)
{
	if (!mt_child || !broken[f])
		return;
	for (;;)
		REAL(syscall)(SYS_futex, &never_woken, WAIT_PRIVATE, 0, 0, 0, 0);
}

/* A wrapper that gates, then forwards. */
#define W(ret, name, params, args)                                                                 \
	ret name params                                                                            \
	{                                                                                          \
		gate(F_##name);                                                                    \
		return ((__typeof__(&name))real_of(F_##name))args;                                 \
	}

/* --- thread count and the fork handlers ----------------------------------- */

/* Threads: of /proc/self/status, with open/read only (no malloc, no stdio). */
static int count_threads(void)
{
	char buf[4096];
	int fd = REAL(open)("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = REAL(read)(fd, buf, sizeof buf - 1);
	REAL(close)(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	for (char *p = buf; *p; p++) {
		if ((p == buf || p[-1] == '\n') && !REAL(memcmp)(p, "Threads:", 8)) {
			int t = 0;
			for (p += 8; *p == ' ' || *p == '\t'; p++)
				;
			for (; *p >= '0' && *p <= '9'; p++)
				t = t * 10 + (*p - '0');
			return t;
		}
	}
	return 0;
}

/* fork-mutex: the mutexes the application has locked. */
static _Atomic(pthread_mutex_t *) mutexes[64];

static void remember_mutex(pthread_mutex_t *m)
{
	for (size_t i = 0; i < sizeof mutexes / sizeof mutexes[0]; i++) {
		pthread_mutex_t *seen = atomic_load(&mutexes[i]);
		if (seen == m)
			return;
		if (!seen && atomic_compare_exchange_strong(&mutexes[i], &seen, m))
			return;
		if (seen == m)
			return;
	}
}

/* fork-dns: held by every getaddrinfo() in progress. */
static pthread_mutex_t lookup_lock = PTHREAD_MUTEX_INITIALIZER;

/* fork-loader: dlopen() every loaded object by name (RTLD_NOLOAD). glibc
 * holds its loader lock, and musl its constructor lock for the object,
 * while a constructor runs in another thread: either makes this wait. */
static int reopen_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size, (void)data;
	if (!info->dlpi_name || !info->dlpi_name[0])
		return 0;
	void *h = dlopen(info->dlpi_name, RTLD_NOW | RTLD_NOLOAD);
	if (h)
		dlclose(h);
	return 0;
}

static void *idle_forever(void *a)
{
	(void)a;
	for (;;)
		pause();
	return 0;
}

static void prepare(void)
{
	parent_threads = count_threads();
	if (option[O_FFLUSH])
		REAL(fflush)(NULL);
	if (option[O_MUTEX])
		for (size_t i = 0; i < sizeof mutexes / sizeof mutexes[0]; i++) {
			pthread_mutex_t *m = atomic_load(&mutexes[i]);
			if (m && !REAL(pthread_mutex_lock)(m))
				REAL(pthread_mutex_unlock)(m);
		}
	if (option[O_DNS] && !REAL(pthread_mutex_lock)(&lookup_lock))
		REAL(pthread_mutex_unlock)(&lookup_lock);
	if (option[O_LOADER])
		dl_iterate_phdr(reopen_object, 0);
}

static void in_child(void)
{
	if (parent_threads <= 1)
		return; /* a single-threaded fork: inherit whatever the parent was */
	mt_child = 1;
	if (option[O_SIGMASK]) {
		sigset_t all;
		sigfillset(&all);
		REAL(sigprocmask)(SIG_BLOCK, &all, 0);
	}
	if (option[O_THREAD]) {
		pthread_t t;
		pthread_create(&t, 0, idle_forever, 0);
	}
}

/* MTFORK_BREAK, from environ (getenv is one of the wrapped functions). */
static const char *break_list(void)
{
	static const char key[] = "MTFORK_BREAK=";
	for (char **e = environ; e && *e; e++)
		if (!REAL(memcmp)(*e, key, sizeof key - 1))
			return *e + sizeof key - 1;
	return "";
}

static int same(const char *word, size_t len, const char *name)
{
	return REAL(strlen)(name) == len && !REAL(memcmp)(word, name, len);
}

__attribute__((constructor)) static void load(void)
{
	for (int f = 0; f < NFUNCS; f++)
		real_of(f);
	const char *s = break_list();
	while (*s) {
		size_t len = 0;
		while (s[len] && s[len] != ',')
			len++;
		int known = 0;
		for (int f = 0; f < NFUNCS; f++)
			if (same(s, len, names[f]) || same(s, len, words[f]))
				broken[f] = known = 1;
		for (int o = 0; o < NOPTS; o++)
			if (same(s, len, options[o]))
				option[o] = known = 1;
		if (!known && len) {
			static const char msg[] = "libmtf_break: unknown name in MTFORK_BREAK\n";
			REAL(write)(2, msg, sizeof msg - 1);
		}
		s += len + (s[len] == ',');
	}
	pthread_atfork(prepare, 0, in_child);
}

/* --- the wrappers ---------------------------------------------------------- */

/* SPAWN-1..14 */
W(int, unshare, (int flags), (flags))
W(int, sethostname, (const char *name, size_t len), (name, len))
W(int, gethostname, (char *name, size_t len), (name, len))
W(int, mount,
  (const char *src, const char *target, const char *type, unsigned long flags, const void *data),
  (src, target, type, flags, data))
W(int, umount, (const char *target), (target))
W(int, umount2, (const char *target, int flags), (target, flags))

long syscall(long n, ...)
{
	va_list ap;
	unsigned long a[6];
	va_start(ap, n);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	gate(F_syscall);
	return REAL(syscall)(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}

W(int, getgroups, (int n, gid_t *list), (n, list))
W(int, setgroups, (size_t n, const gid_t *list), (n, list))
W(int, getresuid, (uid_t * r, uid_t *e, uid_t *s), (r, e, s))
W(int, getresgid, (gid_t * r, gid_t *e, gid_t *s), (r, e, s))
W(int, setresuid, (uid_t r, uid_t e, uid_t s), (r, e, s))
W(int, setresgid, (gid_t r, gid_t e, gid_t s), (r, e, s))
W(int, setreuid, (uid_t r, uid_t e), (r, e))
W(int, setregid, (gid_t r, gid_t e), (r, e))
W(int, seteuid, (uid_t e), (e))
W(int, setegid, (gid_t e), (e))
W(int, setuid, (uid_t u), (u))
W(int, setgid, (gid_t g), (g))

int prctl(int option, ...)
{
	va_list ap;
	unsigned long a[4];
	va_start(ap, option);
	for (int i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	gate(F_prctl);
	return REAL(prctl)(option, a[0], a[1], a[2], a[3]);
}

W(int, getpriority, (which_t which, id_t who), (which, who))
W(int, setpriority, (which_t which, id_t who, int prio), (which, who, prio))
W(int, nice, (int inc), (inc))
W(int, pthread_sigmask, (int how, const sigset_t *set, sigset_t *old), (how, set, old))
W(int, sigprocmask, (int how, const sigset_t *set, sigset_t *old), (how, set, old))
W(int, sigpending, (sigset_t * set), (set))

void __assert_fail(const char *expr, const char *file, assert_line_t line, const char *func)
{
	gate(F___assert_fail);
	REAL(__assert_fail)(expr, file, line, func);
	__builtin_unreachable();
}

W(void *, memmove, (void *d, const void *s, size_t n), (d, s, n))
W(void *, memcpy, (void *restrict d, const void *restrict s, size_t n), (d, s, n))
W(void *, memset, (void *d, int c, size_t n), (d, c, n))
W(int, memcmp, (const void *a, const void *b, size_t n), (a, b, n))
W(size_t, strlen, (const char *s), (s))
W(int, strcmp, (const char *a, const char *b), (a, b))
/* glibc 2.43's headers make strchr a const-preserving _Generic macro (C23):
 * the wrapper defines the function itself. */
#undef strchr
W(char *, strchr, (const char *s, int c), (s, c))
W(size_t, strnlen, (const char *s, size_t n), (s, n))
W(int *, __errno_location, (void), ())
W(int, setns, (int fd, int type), (fd, type))
W(int, chroot, (const char *path), (path))
W(int, chdir, (const char *path), (path))
W(int, fchdir, (int fd), (fd))
W(pid_t, setsid, (void), ())
W(int, setpgid, (pid_t pid, pid_t pgid), (pid, pgid))
W(int, getrlimit, (resource_t r, struct rlimit *l), (r, l))
W(int, setrlimit, (resource_t r, const struct rlimit *l), (r, l))
W(int, prlimit, (pid_t pid, resource_t r, const struct rlimit *l, struct rlimit *old),
  (pid, r, l, old))
#ifdef __GLIBC__
W(char *, strerror_r, (int e, char *buf, size_t n), (e, buf, n)) /* the GNU one */
#else
W(int, strerror_r, (int e, char *buf, size_t n), (e, buf, n))
#endif

/* FORK-1..6, ABORT-1, RAWFORK-1/2, ATFORK-1/2: the async-signal-safe set and
 * process creation. */
W(int, pipe, (int fd[2]), (fd))
W(ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n))
W(ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n))

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	gate(F_open);
	return REAL(open)(path, flags, mode);
}

W(int, close, (int fd), (fd))
W(int, dup, (int fd), (fd))
W(int, dup2, (int fd, int to), (fd, to))
W(int, fstat, (int fd, struct stat *st), (fd, st))
W(int, stat, (const char *restrict path, struct stat *restrict st), (path, st))
W(off_t, lseek, (int fd, off_t off, int whence), (fd, off, whence))

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	unsigned long arg = va_arg(ap, unsigned long);
	va_end(ap);
	gate(F_fcntl);
	return REAL(fcntl)(fd, cmd, arg);
}

W(int, access, (const char *path, int mode), (path, mode))
W(mode_t, umask, (mode_t m), (m))
W(int, socketpair, (int dom, int type, int proto, int sv[2]), (dom, type, proto, sv))
W(ssize_t, send, (int fd, const void *buf, size_t n, int flags), (fd, buf, n, flags))
W(ssize_t, recv, (int fd, void *buf, size_t n, int flags), (fd, buf, n, flags))
W(pid_t, getpid, (void), ())
W(pid_t, getppid, (void), ())
W(uid_t, getuid, (void), ())
W(gid_t, getegid, (void), ())
W(int, kill, (pid_t pid, int sig), (pid, sig))
W(int, raise, (int sig), (sig))
W(unsigned, alarm, (unsigned s), (s))
W(int, sigemptyset, (sigset_t * set), (set))
W(int, sigaddset, (sigset_t * set, int sig), (set, sig))
W(int, sigaction, (int sig, const struct sigaction *restrict sa, struct sigaction *restrict old),
  (sig, sa, old))
W(int, sigtimedwait,
  (const sigset_t *restrict set, siginfo_t *restrict si, const struct timespec *restrict ts),
  (set, si, ts))
W(int, clock_gettime, (clockid_t c, struct timespec *ts), (c, ts))
W(int, gettimeofday, (struct timeval *restrict tv, void *restrict tz), (tv, tz))
W(time_t, time, (time_t * t), (t))
W(int, nanosleep, (const struct timespec *req, struct timespec *rem), (req, rem))
W(int, uname, (struct utsname * u), (u))
W(int, execve, (const char *path, char *const argv[], char *const envp[]), (path, argv, envp))

/* execl/execle: the argument list into an array, then the real execve (what
 * libc itself does). At most 64 arguments, as no probe passes more. */
static int collect(const char *arg0, va_list ap, char **argv, char ***envp)
{
	int n = 0;
	for (const char *a = arg0; a; a = va_arg(ap, const char *)) {
		if (n == 63)
			return -1;
		argv[n++] = (char *)a;
	}
	argv[n] = 0;
	if (envp)
		*envp = va_arg(ap, char **);
	return 0;
}

int execl(const char *path, const char *arg, ...)
{
	char *argv[64];
	va_list ap;
	va_start(ap, arg);
	int r = collect(arg, ap, argv, 0);
	va_end(ap);
	gate(F_execl);
	return r ? r : REAL(execve)(path, argv, environ);
}

int execle(const char *path, const char *arg, ...)
{
	char *argv[64], **envp = 0;
	va_list ap;
	va_start(ap, arg);
	int r = collect(arg, ap, argv, &envp);
	va_end(ap);
	gate(F_execle);
	return r ? r : REAL(execve)(path, argv, envp);
}

W(pid_t, fork, (void), ())
pid_t _Fork(void)
{
	gate(F__Fork);
	return option[O_RAWHANDLERS] ? REAL(fork)() : REAL(_Fork)();
}
W(pid_t, waitpid, (pid_t pid, int *st, int opt), (pid, st, opt))

void abort(void)
{
	gate(F_abort);
	REAL(abort)();
	__builtin_unreachable();
}

/* exit-handler-lock: the process that called exit() (inherited by fork). */
static volatile pid_t exiting_pid;

/* exit-handler-lock: a process forked while its parent was inside exit()
 * inherited the handler lock held, and waits for it for ever. */
static void exit_handler_lock(void)
{
	if (!option[O_EXITLOCK] || !exiting_pid || exiting_pid == REAL(getpid)())
		return;
	for (;;)
		REAL(syscall)(SYS_futex, &never_woken, WAIT_PRIVATE, 0, 0, 0, 0);
}

/* EXIT-5, EXIT-7, EXIT-8 */
void exit(int status)
{
	gate(F_exit);
	exit_handler_lock();
	if (!exiting_pid)
		exiting_pid = REAL(getpid)();
	REAL(exit)(status);
	__builtin_unreachable();
}

/* EXIT-8 */
void quick_exit(int status)
{
	gate(F_quick_exit);
	exit_handler_lock();
	REAL(quick_exit)(status);
	__builtin_unreachable();
}

/* ENV-2, FILE-EXCL-2, STDIO-LIST-1, LOCALE-1..3, GETTEXT-1 */
// cppcheck-suppress CastIntegerToAddressAtReturn ; cppcheck cannot see __typeof__
W(char *, getenv, (const char *name), (name))
W(FILE *, fopen, (const char *restrict path, const char *restrict mode), (path, mode))
W(int, fputs, (const char *restrict s, FILE *restrict f), (s, f))
W(int, fflush, (FILE * f), (f))
W(int, fclose, (FILE * f), (f))
W(FILE *, open_memstream, (char **buf, size_t *len), (buf, len))

int snprintf(char *restrict buf, size_t n, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	gate(F_snprintf);
	int r = REAL(vsnprintf)(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

W(int, vsnprintf, (char *restrict buf, size_t n, const char *restrict fmt, va_list ap),
  (buf, n, fmt, ap))
W(double, strtod, (const char *restrict s, char **restrict end), (s, end))
// cppcheck-suppress CastIntegerToAddressAtReturn ; cppcheck cannot see __typeof__
W(char *, gettext, (const char *m), (m))
W(char *, dgettext, (const char *d, const char *m), (d, m))
W(char *, dcgettext, (const char *d, const char *m, int c), (d, m, c))
W(char *, ngettext, (const char *m1, const char *m2, unsigned long n), (m1, m2, n))
W(char *, dngettext, (const char *d, const char *m1, const char *m2, unsigned long n),
  (d, m1, m2, n))
W(char *, dcngettext, (const char *d, const char *m1, const char *m2, unsigned long n, int c),
  (d, m1, m2, n, c))
W(char *, setlocale, (int c, const char *name), (c, name))
W(locale_t, uselocale, (locale_t l), (l))
W(struct lconv *, localeconv, (void), ())
W(char *, nl_langinfo, (nl_item i), (i))

/* NSS-1..3 */
W(struct passwd *, getpwuid, (uid_t u), (u))
// cppcheck-suppress CastIntegerToAddressAtReturn ; cppcheck cannot see __typeof__
W(struct group *, getgrnam, (const char *name), (name))
W(struct group *, getgrgid, (gid_t g), (g))
W(int, getpwnam_r, (const char *name, struct passwd *pw, char *buf, size_t n, struct passwd **res),
  (name, pw, buf, n, res))
W(int, getgrnam_r, (const char *name, struct group *gr, char *buf, size_t n, struct group **res),
  (name, gr, buf, n, res))
W(int, getgrouplist, (const char *user, gid_t g, gid_t *groups, int *n), (user, g, groups, n))
int getaddrinfo(const char *restrict node, const char *restrict serv,
                const struct addrinfo *restrict hints, struct addrinfo **restrict res)
{
	gate(F_getaddrinfo);
	if (!option[O_DNS])
		return REAL(getaddrinfo)(node, serv, hints, res);
	REAL(pthread_mutex_lock)(&lookup_lock);
	int r = REAL(getaddrinfo)(node, serv, hints, res);
	REAL(pthread_mutex_unlock)(&lookup_lock);
	return r;
}
W(void, freeaddrinfo, (struct addrinfo * ai), (ai))
W(int, res_init, (void), ())

/* PROC-2/3 */
W(int, posix_spawn,
  (pid_t *restrict pid, const char *restrict path, const posix_spawn_file_actions_t *fa,
   const posix_spawnattr_t *restrict attr, char *const argv[restrict], char *const envp[restrict]),
  (pid, path, fa, attr, argv, envp))
W(int, posix_spawnp,
  (pid_t *restrict pid, const char *restrict file, const posix_spawn_file_actions_t *fa,
   const posix_spawnattr_t *restrict attr, char *const argv[restrict], char *const envp[restrict]),
  (pid, file, fa, attr, argv, envp))
W(int, system, (const char *cmd), (cmd))

/* SEM-3, THREAD-6, TIMER-1, TIME-4, RANDOM-3 */
W(int, sem_wait, (sem_t * s), (s))
W(int, sem_timedwait, (sem_t *restrict s, const struct timespec *restrict ts), (s, ts))
W(int, sem_post, (sem_t * s), (s))
W(int, pthread_mutexattr_setrobust, (pthread_mutexattr_t * a, int r), (a, r))
W(int, pthread_mutexattr_setprotocol, (pthread_mutexattr_t * a, int p), (a, p))
W(int, pthread_mutex_init, (pthread_mutex_t *restrict m, const pthread_mutexattr_t *restrict a),
  (m, a))

int pthread_mutex_lock(pthread_mutex_t *m)
{
	gate(F_pthread_mutex_lock);
	if (option[O_MUTEX])
		remember_mutex(m);
	return REAL(pthread_mutex_lock)(m);
}

W(int, pthread_mutex_unlock, (pthread_mutex_t * m), (m))
W(int, timer_create, (clockid_t c, struct sigevent *restrict ev, timer_t *restrict t), (c, ev, t))
W(int, timer_settime,
  (timer_t t, int flags, const struct itimerspec *restrict v, struct itimerspec *restrict old),
  (t, flags, v, old))
W(int, timer_gettime, (timer_t t, struct itimerspec *v), (t, v))
W(int, timer_getoverrun, (timer_t t), (t))
W(int, timer_delete, (timer_t t), (t))
#if HAVE_ARC4RANDOM
W(uint32_t, arc4random, (void), ())
W(void, arc4random_buf, (void *buf, size_t n), (buf, n))
W(uint32_t, arc4random_uniform, (uint32_t n), (n))
#endif
