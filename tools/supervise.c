/* SPDX-License-Identifier: MIT */
/*
 * supervise: run one test binary with a time bound and leave nothing behind.
 *
 *   supervise [--bound-ms N] [--tee FILE] [--stderr FILE] [--status FILE]
 *             [--label NAME] -- COMMAND [ARG...]
 *
 * The command's standard output is passed through (to tap-driver.sh) and
 * copied to --tee; its standard error goes to --stderr. supervise is a child
 * subreaper, so every process the command leaves behind -- a case process in
 * a process group of its own, an orphaned grandchild -- comes back to it and
 * is killed and reaped before supervise exits, however the command ended.
 *
 * A command that outlives its bound, dies on a signal, or exits with a status
 * above 1 (1 only means "unexpected verdicts", which its TAP already says)
 * gets one "Bail out!" line naming what happened, so the TAP consumer records
 * a harness failure with its reason, and the status file holds the same fact
 * for the report: "ok", "exit N", "signal NAME" or "timeout MS".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* supervise's own exit statuses (the command's verdicts live in its TAP). */
enum {
	SV_OK = 0,      /* the command exited 0 or 1 */
	SV_FAILED = 1,  /* it exited with a status above 1 */
	SV_SIGNAL = 2,  /* it died on a signal */
	SV_TIMEOUT = 3, /* it outlived its bound and was killed */
	SV_USAGE = 64,  /* supervise was called wrongly */
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* The signal's name, without strsignal's prose or glibc-only calls. */
static const char *signame(int sig)
{
	static const struct {
		int no;
		const char *name;
	} names[] = {
	    {SIGSEGV, "SIGSEGV"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGILL, "SIGILL"},
	    {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"}, {SIGTERM, "SIGTERM"}, {SIGINT, "SIGINT"},
	    {SIGHUP, "SIGHUP"},   {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTRAP, "SIGTRAP"},
	    {SIGSYS, "SIGSYS"},   {SIGQUIT, "SIGQUIT"}, {SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"}};
	static char other[16];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].no == sig)
			return names[i].name;
	snprintf(other, sizeof other, "signal %d", sig);
	return other;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

/* Kill every process whose parent is us (orphans are re-parented to a
 * subreaper), and its process group; returns how many were found. */
static int kill_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300], buf[512];
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		char *p = strrchr(buf, ')'); /* the name may hold spaces and ')' */
		int ppid, pgrp;
		if (p && sscanf(p + 1, " %*c %d %d", &ppid, &pgrp) == 2 && ppid == getpid()) {
			if (pgrp != getpgrp()) /* never our own group: it holds our caller */
				kill(-pgrp, SIGKILL);
			kill(atoi(e->d_name), SIGKILL);
			found++;
		}
	}
	closedir(d);
	return found;
}

/* Reap everything, killing what is still alive, until no child is left. */
static void sweep(void)
{
	for (;;) {
		while (waitpid(-1, 0, WNOHANG) > 0)
			;
		if (waitpid(-1, 0, WNOHANG) < 0 && errno == ECHILD)
			return;
		kill_children();
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, 0);
	}
}

static void put_all(int fd, const char *s, size_t n)
{
	while (fd >= 0 && n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static int open_out(const char *path)
{
	return path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
}

static int usage(const char *why)
{
	fprintf(stderr,
	        "supervise: %s\nusage: supervise [--bound-ms N] [--tee FILE] [--stderr FILE] "
	        "[--status FILE] [--label NAME] -- COMMAND [ARG...]\n",
	        why);
	return SV_USAGE;
}

int main(int argc, char **argv)
{
	const char *tee = 0, *err = 0, *status = 0, *label = "the test binary";
	long bound = 0;
	int i;
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : 0;
		if (!v)
			return usage("an option lacks its value");
		if (!strcmp(argv[i], "--bound-ms")) {
			char *end;
			bound = strtol(v, &end, 10);
			if (*end || bound < 1)
				return usage("--bound-ms wants a positive number of milliseconds");
		} else if (!strcmp(argv[i], "--tee"))
			tee = v;
		else if (!strcmp(argv[i], "--stderr"))
			err = v;
		else if (!strcmp(argv[i], "--status"))
			status = v;
		else if (!strcmp(argv[i], "--label"))
			label = v;
		else
			return usage("unknown option");
		i++;
	}
	if (i + 1 >= argc)
		return usage("no command after --");
	char **cmd = argv + i + 1;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* If whoever runs us dies (the driver was killed), end the command too. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	struct sigaction sa = {.sa_handler = on_stop};
	sigaction(SIGTERM, &sa, 0);
	sigaction(SIGINT, &sa, 0);
	sigaction(SIGHUP, &sa, 0);
	signal(SIGPIPE, SIG_IGN);

	int tee_fd = open_out(tee), err_fd = open_out(err), out[2];
	if ((tee && tee_fd < 0) || (err && err_fd < 0) || pipe2(out, O_CLOEXEC)) {
		fprintf(stderr, "supervise: cannot open its output files: %m\n");
		return SV_USAGE;
	}
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0); /* one group to kill, never the caller's */
		dup2(out[1], 1);
		if (err_fd >= 0)
			dup2(err_fd, 2);
		signal(SIGPIPE, SIG_DFL);
		execvp(cmd[0], cmd);
		fprintf(stderr, "supervise: cannot run %s: %m\n", cmd[0]);
		_exit(127);
	}
	close(out[1]);
	if (pid > 0)
		setpgid(pid, pid);
	if (pid < 0) {
		fprintf(stderr, "supervise: fork: %m\n");
		return SV_USAGE;
	}

	/* Pass the output through until it ends, the bound passes, or we are
	 * told to stop. */
	long deadline = bound ? now_ms() + bound : 0;
	char buf[65536], last = '\n';
	int timed_out = 0;
	for (;;) {
		int wait = deadline ? (int)(deadline - now_ms()) : -1;
		if (stop_signal || (deadline && wait <= 0)) {
			timed_out = !stop_signal;
			break;
		}
		struct pollfd pf = {.fd = out[0], .events = POLLIN};
		int n = poll(&pf, 1, wait);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		ssize_t got = read(out[0], buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		put_all(1, buf, (size_t)got);
		put_all(tee_fd, buf, (size_t)got);
		last = buf[got - 1];
	}
	int st = 0;
	if (timed_out || stop_signal) {
		kill(pid, SIGKILL);
		kill(-pid, SIGKILL);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	close(out[0]);
	sweep(); /* whatever the command left behind, in any process group */

	char line[512], fact[128];
	int rc = SV_OK;
	if (timed_out) {
		snprintf(fact, sizeof fact, "timeout %ld", bound);
		snprintf(line, sizeof line,
		         "Bail out! %s was killed after its bound of %ld ms (a hang); the TAP "
		         "above is what it wrote before",
		         label, bound);
		rc = SV_TIMEOUT;
	} else if (stop_signal) {
		snprintf(fact, sizeof fact, "stopped %s", signame(stop_signal));
		snprintf(line, sizeof line, "Bail out! %s was stopped: the driver was interrupted",
		         label);
		rc = SV_SIGNAL;
	} else if (WIFSIGNALED(st)) {
		snprintf(fact, sizeof fact, "signal %s", signame(WTERMSIG(st)));
		snprintf(line, sizeof line, "Bail out! %s was killed by %s", label,
		         signame(WTERMSIG(st)));
		rc = SV_SIGNAL;
	} else if (WEXITSTATUS(st) > 1) {
		snprintf(fact, sizeof fact, "exit %d", WEXITSTATUS(st));
		snprintf(line, sizeof line,
		         "Bail out! %s exited with status %d (see its standard error)", label,
		         WEXITSTATUS(st));
		rc = SV_FAILED;
	} else
		snprintf(fact, sizeof fact, "ok");
	if (rc != SV_OK) {
		char msg[600];
		int n = snprintf(msg, sizeof msg, "%s%s\n", last == '\n' ? "" : "\n", line);
		put_all(1, msg, (size_t)n);
		put_all(tee_fd, msg, (size_t)n);
	}
	if (status) {
		int fd = open_out(status);
		char msg[160];
		int n = snprintf(msg, sizeof msg, "%s\n", fact);
		put_all(fd, msg, (size_t)n);
		if (fd >= 0)
			close(fd);
	}
	return rc;
}
