/* SPDX-License-Identifier: MIT */
/*
 * SYSLOG — syslog() in the MT-forked child.
 *
 * SYSLOG-1 (spec/syslog.adoc): syslog and vsyslog return in the child
 * although another thread held the syslog lock at fork. SYSLOG-2: openlog,
 * closelog and setlogmask likewise. glibc's syslog_lock (misc/syslog.c) is
 * neither taken nor reset by fork; musl takes its syslog lock around fork.
 *
 * The clauses are about the lock, not delivery: no message may reach a real
 * logger. Where /dev/log exists, each case process hides it first (a private
 * mount namespace with /dev/null bound over it, so connect() is refused and
 * syslog drops the message); where it cannot be hidden the holders do
 * nothing and every case skips. LOG_CONS is never set.
 *
 * Holders: syslog("%s", s) with s starting on the last byte of an ordinary
 * page and running into a userfaultfd page (both libcs format under the
 * lock); openlog() with its ident there (musl copies it under the lock); a
 * guarded stack under syslog(); without userfaultfd, syslog() stopped in
 * its connect() to /dev/log (seccomp user notification); a thread
 * hammering syslog() while forks repeat.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mount.h>
#include <syslog.h>
#include <unistd.h>

#include "harness/mtfork.h"
#include "harness/seccomp_hold.h"
#include "clauses.h"

static int unsafe; /* a logger may be listening: touch nothing */

static void hide_dev_log(void)
{
	if (access("/dev/log", F_OK))
		return; /* nothing listens: syslog fails to connect and drops */
	if (unshare(CLONE_NEWNS) || mount(0, "/", 0, MS_REC | MS_PRIVATE, 0) ||
	    mount("/dev/null", "/dev/log", 0, MS_BIND, 0))
		unsafe = 1;
}

static void syslog_edge(struct hold *h)
{
	if (unsafe)
		return;
	h->edge[0] = 'm';
	syslog(LOG_INFO, "mtfork holder %s", h->edge);
}

static void openlog_ident_on_page(struct hold *h)
{
	if (!unsafe)
		openlog(h->page, LOG_ODELAY, LOG_USER);
}

static void syslog_on_stack(struct hold *h)
{
	(void)h;
	if (!unsafe)
		syslog(LOG_INFO, "mtfork holder %d", 1);
}

/* The seccomp holder: both libcs connect to /dev/log with the lock taken
 * (glibc on every syslog() while nothing listens, musl in its openlog). */
static void syslog_call(void)
{
	syslog_on_stack(0);
}

static const struct sc_trap dev_log_connect = {
    .nr = {SC_CONNECT}, .path = "/dev/log", .call = syslog_call};

static void syslog_connecting(struct hold *h)
{
	if (!unsafe)
		seccomp_hold(h, &dev_log_connect);
}

static void closelog_needs_lock(void)
{
	if (!unsafe)
		closelog();
}

static void fill_ident(char *page, size_t n)
{
	memset(page, 0, n);
	memcpy(page, "mtfork", 6);
}

static const struct holding syslog_lock = {
    .name = "syslog lock",
    .setup = hide_dev_log,
    .verify = closelog_needs_lock,
    .ways =
        (const struct way[]){
            UFFD_WAY("syslog", syslog_edge, 0),
            UFFD_WAY("openlog", openlog_ident_on_page, fill_ident),
            STACK_WAY("syslog", syslog_on_stack),
            SECCOMP_CALL_WAY("syslog", syslog_connecting),
            STOCHASTIC_WAY("syslog", syslog_on_stack),
            {0},
        },
};

static int skip_if_unsafe(struct probe *p)
{
	return unsafe ? probe_skip(p, "/dev/log exists and could not be hidden (needs root)")
	              : PROBE_OK;
}

static int probe_syslog(struct probe *p)
{
	if (skip_if_unsafe(p))
		return PROBE_SKIP;
	syslog(LOG_INFO, "mtfork child %d", 1);
	syslog(LOG_ERR, "mtfork child %s", "again");
	return PROBE_OK;
}

static void call_vsyslog(int pri, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

static int probe_vsyslog(struct probe *p)
{
	if (skip_if_unsafe(p))
		return PROBE_SKIP;
	call_vsyslog(LOG_NOTICE, "mtfork child %d", 2);
	return PROBE_OK;
}

static int probe_openlog(struct probe *p)
{
	if (skip_if_unsafe(p))
		return PROBE_SKIP;
	openlog("mtfork-child", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	syslog(LOG_INFO, "mtfork child %d", 3);
	return PROBE_OK;
}

static int probe_closelog(struct probe *p)
{
	if (skip_if_unsafe(p))
		return PROBE_SKIP;
	closelog();
	return PROBE_OK;
}

static int probe_setlogmask(struct probe *p)
{
	if (skip_if_unsafe(p))
		return PROBE_SKIP;
	int want = LOG_UPTO(LOG_WARNING);
	setlogmask(want);
	int got = setlogmask(0); /* 0: query only */
	return got == want ? PROBE_OK : probe_wrong_num(p, "setlogmask(0) returned ", got);
}

static const struct mtcase cases[] = {
    CASE(SYSLOG_1, "syslog", &syslog_lock, probe_syslog),
    CASE(SYSLOG_1, "vsyslog", &syslog_lock, probe_vsyslog),
    CASE(SYSLOG_2, "openlog", &syslog_lock, probe_openlog),
    CASE(SYSLOG_2, "closelog", &syslog_lock, probe_closelog),
    CASE(SYSLOG_2, "setlogmask", &syslog_lock, probe_setlogmask),
};

MTFORK_MAIN(cases)
