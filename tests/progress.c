/* SPDX-License-Identifier: MIT */
/*
 * PROGRESS — fork's bounded progress (spec/progress.adoc).
 *
 * Length: one file per chapter; PROGRESS-7's silent name server (namespaces,
 * a socket, bind mounts) is a third of it.
 *
 *   PROGRESS-1 fork returns while another thread holds an application mutex
 *              (and the verifier waits for it), while one waits on a
 *              condition variable, and while one is blocked reading through
 *              stdio (a cookie read function parks, FILE lock taken).
 *   PROGRESS-2 fork returns while a library constructor runs (libmtf_ctor.so
 *              parks in it).
 *   PROGRESS-3 fork inside a constructor, while dlopen loads the library in a
 *              multi-threaded process (the child makes itself so).
 *   PROGRESS-4 fork inside an atexit handler while exit runs the handlers in
 *              a multi-threaded process.
 *   PROGRESS-5 (SHOULD) fork from a signal handler interrupting malloc in a
 *              process that never had a second thread (a fresh helper
 *              process: this binary re-run with MTFORK_FX_HELPER).
 *   PROGRESS-6 three threads of the child fork concurrently; every fork
 *              returns and every new process can malloc.
 *   PROGRESS-7 fork returns while another thread's getaddrinfo() waits on
 *              a name server that never answers, and the child can _exit
 *              and look up "localhost" (dns_* below).
 * All holders of PROGRESS-1/2/7 are WAY_APP: fork parked on a
 * futex they hold is a proven failure.
 */
#define _GNU_SOURCE
#include "have.h"
#include <dlfcn.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#if HAVE_POSIX_SPAWN
#include <spawn.h>
#endif

#include "harness/fixture.h"
#include "clauses.h"

extern char **environ;

static pthread_mutex_t app_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cv_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void lock_and_park(struct hold *h)
{
	(void)h;
	pthread_mutex_lock(&app_mutex);
	holder_park();
}

static void mutex_needs_lock(void)
{
	pthread_mutex_lock(&app_mutex);
}

static const struct holding app_mutex_held = {
    .name = "application mutex",
    .verify = mutex_needs_lock,
    .ways = (const struct way[]){APP_WAY("mutex", lock_and_park), {0}},
};

static void wait_on_condvar(void)
{
	pthread_mutex_lock(&cv_mutex);
	pthread_cond_wait(&cv, &cv_mutex);
}

static const struct holding condvar_waiter = {
    .name = "application mutex, and a thread waiting on a condition variable",
    .verify = wait_on_condvar,
    .ways = (const struct way[]){APP_WAY("mutex+condvar", lock_and_park), {0}},
};

#if HAVE_FOPENCOOKIE
static FILE *reading;

static ssize_t parking_read(void *c, char *buf, size_t n)
{
	(void)c, (void)buf, (void)n;
	holder_park();
	return 0;
}

static void open_blocking_input(void)
{
	cookie_io_functions_t io = {.read = parking_read};
	reading = fopencookie(0, "r", io);
}

static void read_and_park(struct hold *h)
{
	(void)h;
	if (reading)
		fgetc(reading);
}

static void file_needs_lock(void)
{
	flockfile(reading);
}

static const struct holding blocked_read = {
    .name = "FILE whose read is blocked",
    .setup = open_blocking_input,
    .verify = file_needs_lock,
    .ways = (const struct way[]){APP_WAY("blocked-read", read_and_park), {0}},
};
#endif

/* PROGRESS-7: a name server that never answers, made in the case process
 * only. Setup (single-threaded, so unshare may make new namespaces):
 * private mount and network namespaces (and a user namespace when that is
 * what it takes), the loopback interface up, a UDP socket bound to
 * 127.0.0.1:53 that nobody reads, and a resolv.conf naming it and an
 * nsswitch.conf with "hosts: files dns" bind-mounted over /etc's (the
 * files made in /tmp and unlinked at once). Nothing can leave the private
 * network namespace, the host's files are untouched, and everything goes
 * with the case process (the namespaces, the mounts, the socket). The
 * holder starts a thread that calls getaddrinfo() on a name no hosts file
 * lists and parks (holder_park) once the socket has received its query:
 * the query thread is then waiting for the answer, the evidence that it is
 * held (an external wait is no lock: there is no verify). The resolver's
 * timeout (5 s, one attempt) bounds the query; the child's snapshot of
 * dns_query_over shows whether fork returned while the query was still
 * waiting, however long the harness lets fork take. Without an
 * /etc/nsswitch.conf (musl systems) none is mounted: musl reads none, and
 * glibc's default asks DNS for hosts too. */
static int dns_fd = -1;
static char dns_why[160];
static volatile int dns_query_over; /* the query thread's getaddrinfo returned */
static int dns_have_localhost;

static void dns_fail(const char *what, int err)
{
	snprintf(dns_why, sizeof dns_why, "no silent name server could be set up here: %s: %s",
	         what, strerror(err));
}

/* A file with text under /tmp (its path in path): 0, or -1 with errno. */
static int dns_file(char *path, const char *text)
{
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	int ok = write(fd, text, n) == (ssize_t)n;
	int e = errno;
	close(fd);
	errno = ok ? 0 : e ? e : EIO;
	return ok ? 0 : -1;
}

static int dns_namespaces(void)
{
	if (!unshare(CLONE_NEWNS | CLONE_NEWNET))
		return 0;
	int e = errno;
	if (!unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET))
		return 0;
	dns_fail("unshare(CLONE_NEWNS | CLONE_NEWNET) (and with CLONE_NEWUSER)", e);
	return -1;
}

static int dns_loopback_up(int s)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static void dns_setup(void)
{
	char conf[] = "/tmp/mtfork-resolv-XXXXXX", nss[] = "/tmp/mtfork-nsswitch-XXXXXX";
	FILE *hosts = fopen("/etc/hosts", "r");
	char line[256];
	while (hosts && !dns_have_localhost && fgets(line, sizeof line, hosts))
		if (!strncmp(line, "127.0.0.1", 9) && strstr(line, "localhost"))
			dns_have_localhost = 1;
	if (hosts)
		fclose(hosts);
	if (dns_file(conf, "nameserver 127.0.0.1\noptions timeout:5 attempts:1\n")) {
		dns_fail("a resolv.conf in /tmp", errno);
		return;
	}
	if (dns_file(nss, "passwd: files\ngroup: files\nhosts: files dns\n")) {
		dns_fail("an nsswitch.conf in /tmp", errno);
		unlink(conf);
		return;
	}
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (dns_namespaces())
		;
	else if (mount(0, "/", 0, MS_REC | MS_PRIVATE, 0))
		dns_fail("making the private mount namespace's mounts private", errno);
	else if (mount(conf, "/etc/resolv.conf", 0, MS_BIND, 0))
		dns_fail("bind-mounting a resolv.conf over /etc/resolv.conf", errno);
	else if (mount(nss, "/etc/nsswitch.conf", 0, MS_BIND, 0) && errno != ENOENT)
		dns_fail("bind-mounting an nsswitch.conf over /etc/nsswitch.conf", errno);
	else if ((dns_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		dns_fail("socket(AF_INET, SOCK_DGRAM)", errno);
	else if (dns_loopback_up(dns_fd))
		dns_fail("bringing up the private network namespace's lo", errno);
	else if (bind(dns_fd, (struct sockaddr *)&a, sizeof a))
		dns_fail("binding UDP 127.0.0.1:53", errno);
	if (dns_why[0] && dns_fd >= 0) {
		close(dns_fd);
		dns_fd = -1;
	}
	unlink(conf);
	unlink(nss);
}

static void *dns_query(void *a)
{
	(void)a;
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res = 0;
	/* absolute (no search list); .invalid is in no hosts file (RFC 6761) */
	if (!getaddrinfo("mtfork-silent-ns.invalid.", "53", &hints, &res))
		freeaddrinfo(res);
	dns_query_over = 1;
	return 0;
}

static void query_and_park(struct hold *h)
{
	(void)h;
	pthread_t t;
	if (dns_fd < 0) { /* nothing to hold: the probe skips with dns_why */
		holder_park();
		return;
	}
	if (pthread_create(&t, 0, dns_query, 0))
		return; /* returns without parking: not held */
	struct pollfd pf = {.fd = dns_fd, .events = POLLIN};
	if (poll(&pf, 1, probe_ms(1500)) == 1 && (pf.revents & POLLIN))
		holder_park(); /* the query has arrived: its thread waits for the answer */
}

static const struct holding silent_name_server = {
    .name = "getaddrinfo() waiting on a name server that never answers (its query received)",
    .setup = dns_setup,
    .ways = (const struct way[]){APP_WAY("getaddrinfo-silent-dns", query_and_park), {0}},
};

/* --- probes ------------------------------------------------------------- */

static int probe_nothing(struct probe *p)
{
	(void)p;
	return PROBE_OK; /* the clause is about fork() returning */
}

#if HAVE_DLOPEN
static int probe_fork_in_ctor(struct probe *p)
{
	if (fx_idle_start())
		return probe_wrong(p, "pthread_create failed");
	void *h = dlopen(fx_path("libmtf_forkctor.so"), RTLD_NOW);
	fx_idle_stop();
	if (!h)
		return probe_wrong(p, "dlopen of the forking library failed");
	int *st = dlsym(h, "fx_forkctor_status");
	if (!st)
		return probe_wrong(p, "dlsym of fx_forkctor_status failed");
	return *st == 0 ? PROBE_OK
	                : probe_wrong_num(p, "fork in the constructor: wait status ", *st);
}
#endif

static void fork_at_exit(void)
{
	int st;
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0)
		_exit(3);
}

static int probe_fork_in_atexit(struct probe *p)
{
	if (fx_idle_start() || atexit(fork_at_exit))
		return probe_wrong(p, "pthread_create or atexit failed");
	probe_report_then_exit();
}

/* PROGRESS-5: fork() from a SIGALRM handler that interrupts malloc/free in a
 * process that never created a thread. */
static int helper_fork_in_handler(void)
{
	struct sigaction sa = {.sa_handler = fx_fork_in_handler, .sa_flags = SA_RESTART};
	sigaction(SIGALRM, &sa, 0);
	struct itimerval it = {{0, 300}, {0, 300}};
	setitimer(ITIMER_REAL, &it, 0);
	for (long i = 0; fx_handler_forks < 20 && i < 2000000; i++)
		free(malloc(16 + (size_t)(i % 64) * 512));
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, 0);
	return fx_handler_errors ? 2 : fx_handler_forks ? 0 : 3;
}

/* This binary, re-run by probe_fresh_process with MTFORK_FX_HELPER set, is
 * that helper: decided before main, so the process never has a thread. */
__attribute__((constructor)) static void fork_in_handler_helper(void)
{
	const char *h = getenv("MTFORK_FX_HELPER"); /* this file's own, not a user knob */
	if (h && !strcmp(h, "fork-in-handler"))
		_exit(helper_fork_in_handler());
}

#if HAVE_POSIX_SPAWN
static int probe_fresh_process(struct probe *p)
{
	char *argv[] = {"mtfork-helper", 0};
	char *envp[] = {"MTFORK_FX_HELPER=fork-in-handler", 0};
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return probe_wrong(p, "readlink /proc/self/exe failed");
	exe[n] = 0;
	pid_t pid;
	if (posix_spawn(&pid, exe, 0, 0, argv, envp))
		return probe_wrong(p, "posix_spawn of the helper failed");
	int st = fx_wait(pid, 3000);
	if (st == -1)
		return probe_wrong(p, "fork in a signal handler of a single-threaded process hung");
	return st == 0 ? PROBE_OK : probe_wrong_num(p, "the helper's wait status: ", st);
}
#endif

static int malloc_and_exit(void *a)
{
	(void)a;
	void *m = malloc(32 * 1024);
	free(m);
	return m ? 0 : 2;
}

static void *fork_ten_times(void *a)
{
	int *bad = a;
	for (int i = 0; i < 10; i++)
		if (fx_sub(malloc_and_exit, 0, 2000) != 0)
			++*bad;
	return 0;
}

static int probe_concurrent_forks(struct probe *p)
{
	pthread_t t[3];
	int bad[3] = {0, 0, 0};
	for (int i = 0; i < 3; i++)
		if (pthread_create(&t[i], 0, fork_ten_times, &bad[i]))
			return probe_wrong(p, "pthread_create failed");
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], 0);
	int sum = bad[0] + bad[1] + bad[2];
	return sum ? probe_wrong_num(p,
	                             "concurrent forks that failed or whose child did not "
	                             "exit cleanly: ",
	                             sum)
	           : PROBE_OK;
}

/* PROGRESS-7: 0 when fork returned while the query was waiting. */
static int dns_fork_was_prompt(struct probe *p)
{
	if (dns_fd < 0)
		return probe_skip(p, dns_why);
	if (dns_query_over)
		return probe_wrong(p,
		                   "fork returned only after the other thread's getaddrinfo() had "
		                   "given up on the silent name server: it waited for the external "
		                   "wait");
	return PROBE_OK;
}

static int probe_dns_exit(struct probe *p)
{
	return dns_fork_was_prompt(p); /* the child then reports and _exits */
}

static int probe_dns_lookup(struct probe *p)
{
	int r = dns_fork_was_prompt(p);
	if (r != PROBE_OK)
		return r;
	if (!dns_have_localhost)
		return probe_skip(p, "/etc/hosts does not list localhost: the lookup would ask the "
		                     "silent name server");
	struct addrinfo hints = {
	    .ai_family = AF_INET, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = 0;
	int e = getaddrinfo("localhost", "80", &hints, &res);
	if (e)
		return probe_wrong_num(p, "getaddrinfo(localhost) failed: ", e);
	int ok = res && res->ai_family == AF_INET &&
	         ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
	freeaddrinfo(res);
	return ok ? PROBE_OK : probe_wrong(p, "getaddrinfo(localhost) did not give 127.0.0.1");
}

#define NEEDS_FOPENCOOKIE(h, p) MTFORK_NEEDS(HAVE_FOPENCOOKIE, "fopencookie()", h, p)
#define NEEDS_DLOPEN(h, p)      MTFORK_NEEDS(HAVE_DLOPEN, "dlopen()", h, p)
#define NEEDS_POSIX_SPAWN(h, p) MTFORK_NEEDS(HAVE_POSIX_SPAWN, "posix_spawn()", h, p)

static const struct mtcase cases[] = {
    CASE(PROGRESS_1, "app-mutex", &app_mutex_held, probe_nothing),
    CASE(PROGRESS_1, "condvar", &condvar_waiter, probe_nothing),
    CASE(PROGRESS_1, "stdio-read", NEEDS_FOPENCOOKIE(&blocked_read, probe_nothing)),
    CASE(PROGRESS_2, "constructor", NEEDS_DLOPEN(&fx_ctor_holding, probe_nothing)),
    CASE(PROGRESS_3, "fork-in-constructor", NEEDS_DLOPEN(&fx_stdio_holding, probe_fork_in_ctor)),
    CASE(PROGRESS_4, "fork-in-atexit", &fx_stdio_holding, probe_fork_in_atexit),
    CASE(PROGRESS_5, "fork-in-signal-handler",
         NEEDS_POSIX_SPAWN(&fx_stdio_holding, probe_fresh_process)),
    CASE(PROGRESS_6, "concurrent-forks", &fx_malloc_holding, probe_concurrent_forks),
    CASE(PROGRESS_7, "getaddrinfo-silent-dns", &silent_name_server, probe_dns_exit),
    CASE(PROGRESS_7, "getaddrinfo-silent-dns-then-lookup", &silent_name_server, probe_dns_lookup),
};

MTFORK_MAIN(cases)
