/* SPDX-License-Identifier: MIT */
/*
 * NSS — name services and the resolver in the MT-forked child
 * (spec/nss.adoc), local sources only.
 *
 * NSS-1: getpwnam, getpwuid, getgrnam, getgrgid although another thread was
 * inside getpwnam at fork; NSS-2: getpwnam_r, getgrnam_r, getgrouplist;
 * NSS-3: getaddrinfo("localhost") with and without AI_ADDRCONFIG, and
 * res_init, although another thread was inside getaddrinfo(AI_ADDRCONFIG);
 * NSS-4: gethostbyname("localhost") although another thread was inside it;
 * NSS-5: setpwent/getpwent/endpwent although another thread was inside
 * getpwent(), setpwent() or the reentrant getpwent_r() (glibc only; all take
 * one lock, nss/getXXent_r.c).
 * glibc keeps one lock per non-reentrant function (nss/getXXbyYY.c,
 * getXXent.c) and locks for the resolver configuration and the interface
 * list (resolv/resolv_conf.c, sysdeps/unix/sysv/linux/check_pf.c); fork
 * takes and resets none of them (it snapshots the NSS configuration, which
 * is why the reentrant functions work). musl has no such locks.
 *
 * Nothing may reach the network: users and groups looked up exist in the
 * files backend ("root"); host lookups ask for AF_INET "localhost" only,
 * and only when /etc/hosts lists it (otherwise they skip).
 *
 * Holders: getpwnam() and gethostbyname() with the name on a userfaultfd
 * page (glibc reads it under the function's lock); a guarded stack under
 * getaddrinfo(AI_ADDRCONFIG) and under getpwent(); without userfaultfd, the
 * same calls stopped by a seccomp user notification in the open of their
 * file (/etc/passwd, /etc/hosts) or of the netlink socket, made under the
 * lock (glibc); threads hammering the same calls while forks repeat where
 * nothing holds (musl).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "have.h"
#include "harness/mtfork.h"
#include "harness/seccomp_hold.h"
#include "clauses.h"

static int have_localhost;

static void check_hosts(void)
{
	char line[256];
	FILE *f = fopen("/etc/hosts", "r");
	if (!f)
		return;
	while (!have_localhost && fgets(line, sizeof line, f))
		if (!strncmp(line, "127.0.0.1", 9) && strstr(line, "localhost"))
			have_localhost = 1;
	fclose(f);
}

static void fill_root(char *page, size_t n)
{
	memset(page, 0, n);
	memcpy(page, "root", 4);
}

static void fill_localhost(char *page, size_t n)
{
	memset(page, 0, n);
	memcpy(page, "localhost", 9);
}

static void getpwnam_on_page(struct hold *h)
{
	getpwnam(h->page);
}

static void getpwnam_root(struct hold *h)
{
	(void)h;
	getpwnam("root");
}

static void getpwnam_needs_lock(void)
{
	getpwnam("root");
}

/* Seccomp holders (glibc): nss_files opens its file with the calling
 * function's lock taken; AI_ADDRCONFIG opens a netlink socket with the
 * interface-list lock taken. musl takes no lock there: these never verify. */
static void getpwnam_call(void)
{
	getpwnam_root(0);
}

static const struct sc_trap passwd_open_getpwnam = {
    .nr = {SC_OPEN, SC_OPENAT}, .path = "/etc/passwd", .call = getpwnam_call};

static void getpwnam_opening(struct hold *h)
{
	seccomp_hold(h, &passwd_open_getpwnam);
}

static const struct holding getpwnam_lock = {
    .name = "getpwnam lock",
    .verify = getpwnam_needs_lock,
    .ways =
        (const struct way[]){
            UFFD_WAY("getpwnam", getpwnam_on_page, fill_root),
            SECCOMP_CALL_WAY("getpwnam", getpwnam_opening),
            STOCHASTIC_WAY("getpwnam", getpwnam_root),
            {0},
        },
};

static void gethostbyname_on_page(struct hold *h)
{
	if (have_localhost)
		gethostbyname(h->page);
}

static void gethostbyname_localhost(struct hold *h)
{
	(void)h;
	if (have_localhost)
		gethostbyname("localhost");
}

static void gethostbyname_needs_lock(void)
{
	gethostbyname_localhost(0);
}

static const struct sc_trap hosts_open = {
    .nr = {SC_OPEN, SC_OPENAT}, .path = "/etc/hosts", .call = gethostbyname_needs_lock};

static void gethostbyname_opening(struct hold *h)
{
	if (have_localhost)
		seccomp_hold(h, &hosts_open);
}

static const struct holding gethostbyname_lock = {
    .name = "gethostbyname lock",
    .setup = check_hosts,
    .verify = gethostbyname_needs_lock,
    .ways =
        (const struct way[]){
            UFFD_WAY("gethostbyname", gethostbyname_on_page, fill_localhost),
            SECCOMP_CALL_WAY("gethostbyname", gethostbyname_opening),
            STOCHASTIC_WAY("gethostbyname", gethostbyname_localhost),
            {0},
        },
};

static int lookup_localhost(int flags)
{
	struct addrinfo hints = {
	    .ai_family = AF_INET, .ai_socktype = SOCK_STREAM, .ai_flags = flags};
	struct addrinfo *res = 0;
	int e = getaddrinfo("localhost", "80", &hints, &res);
	if (e)
		return e;
	int ok = res && res->ai_family == AF_INET &&
	         ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == htonl(0x7f000001);
	freeaddrinfo(res);
	return ok ? 0 : EAI_FAIL;
}

static void getaddrinfo_addrconfig(struct hold *h)
{
	(void)h;
	if (have_localhost)
		lookup_localhost(AI_ADDRCONFIG);
}

static void addrconfig_needs_lock(void)
{
	getaddrinfo_addrconfig(0);
}

static int netlink_socket(const struct sc_notice *n)
{
	return n->tid == n->helper_tid && n->args[0] == AF_NETLINK;
}

static const struct sc_trap netlink_open = {
    .nr = {SC_SOCKET}, .match = netlink_socket, .call = addrconfig_needs_lock};

static void addrconfig_opening(struct hold *h)
{
	if (have_localhost)
		seccomp_hold(h, &netlink_open);
}

static const struct holding addrconfig_lock = {
    .name = "resolver interface-list lock (AI_ADDRCONFIG)",
    .setup = check_hosts,
    .verify = addrconfig_needs_lock,
    .ways =
        (const struct way[]){
            STACK_WAY("getaddrinfo", getaddrinfo_addrconfig),
            SECCOMP_CALL_WAY("getaddrinfo", addrconfig_opening),
            STOCHASTIC_WAY("getaddrinfo", getaddrinfo_addrconfig),
            {0},
        },
};

static void enumerate(struct hold *h)
{
	(void)h;
	setpwent();
	while (getpwent())
		;
	endpwent();
}

static void getpwent_needs_lock(void)
{
	setpwent();
	endpwent();
}

#ifdef __GLIBC__
/* Each case's holder makes only the call its case is about: a guarded stack
 * parks in the first call that goes deep enough with the lock held, and a
 * holder that called setpwent first would test setpwent's protection under
 * getpwent's name. */
static void getpwent_only(struct hold *h)
{
	(void)h;
	while (getpwent())
		;
}

static void setpwent_only(struct hold *h)
{
	(void)h;
	setpwent();
}

static void getpwent_call(void)
{
	getpwent();
}

static void setpwent_call(void)
{
	setpwent();
}

/* The first call of an enumeration opens the file, under the lock. */
static const struct sc_trap passwd_open_getpwent = {
    .nr = {SC_OPEN, SC_OPENAT}, .path = "/etc/passwd", .call = getpwent_call};
static const struct sc_trap passwd_open_setpwent = {
    .nr = {SC_OPEN, SC_OPENAT}, .path = "/etc/passwd", .call = setpwent_call};

static void getpwent_opening(struct hold *h)
{
	seccomp_hold(h, &passwd_open_getpwent);
}

static void setpwent_opening(struct hold *h)
{
	seccomp_hold(h, &passwd_open_setpwent);
}
#endif

#if HAVE_GETPWENT_R
/* Static result storage: what the guarded stack meets is glibc's own frames. */
static void enumerate_r(struct hold *h)
{
	static char buffer[4096];
	static struct passwd pw;
	struct passwd *found;
	(void)h;
	while (getpwent_r(&pw, buffer, sizeof buffer, &found) == 0 && found)
		;
}

static void getpwent_r_call(void)
{
	static char buffer[4096];
	static struct passwd pw;
	struct passwd *found;
	getpwent_r(&pw, buffer, sizeof buffer, &found);
}

/* The first getpwent_r opens the file, under the lock. */
static const struct sc_trap passwd_open_getpwent_r = {
    .nr = {SC_OPEN, SC_OPENAT}, .path = "/etc/passwd", .call = getpwent_r_call};

static void getpwent_r_opening(struct hold *h)
{
	seccomp_hold(h, &passwd_open_getpwent_r);
}

static const struct holding getpwent_r_lock = {
    .name = "getpwent lock",
    .verify = getpwent_needs_lock,
    .ways =
        (const struct way[]){
            STACK_WAY("getpwent_r", enumerate_r),
            SECCOMP_CALL_WAY("getpwent_r", getpwent_r_opening),
            {0},
        },
};
#endif

static const struct holding getpwent_lock = {
    .name = "getpwent lock",
    .verify = getpwent_needs_lock,
    .ways =
        (const struct way[]){
#ifdef __GLIBC__ /* elsewhere the verifier's setpwent would close the holder's stream */
            STACK_WAY("getpwent", getpwent_only),
            SECCOMP_CALL_WAY("getpwent", getpwent_opening),
#endif
            STOCHASTIC_WAY("getpwent", enumerate),
            {0},
        },
};

static const struct holding setpwent_lock = {
    .name = "getpwent lock",
    .verify = getpwent_needs_lock,
    .ways =
        (const struct way[]){
#ifdef __GLIBC__
            STACK_WAY("setpwent", setpwent_only),
            SECCOMP_CALL_WAY("setpwent", setpwent_opening),
#endif
            STOCHASTIC_WAY("getpwent", enumerate),
            {0},
        },
};

static int probe_getpwnam(struct probe *p)
{
	struct passwd *pw = getpwnam("root");
	return pw && pw->pw_uid == 0 ? PROBE_OK : probe_wrong(p, "getpwnam(root) failed");
}

static int probe_getpwuid(struct probe *p)
{
	struct passwd *pw = getpwuid(0);
	return pw && !strcmp(pw->pw_name, "root") ? PROBE_OK : probe_wrong(p, "getpwuid(0) failed");
}

static int probe_getgrnam(struct probe *p)
{
	struct group *g = getgrnam("root");
	if (!g || g->gr_gid != 0)
		return probe_wrong(p, "getgrnam(root) failed");
	g = getgrgid(0);
	return g && !strcmp(g->gr_name, "root") ? PROBE_OK : probe_wrong(p, "getgrgid(0) failed");
}

static int probe_getpwnam_r(struct probe *p)
{
	struct passwd pw, *res = 0;
	struct group gr, *gres = 0;
	char buf[1024];
	if (getpwnam_r("root", &pw, buf, sizeof buf, &res) || !res || pw.pw_uid != 0)
		return probe_wrong(p, "getpwnam_r(root) failed");
	if (getgrnam_r("root", &gr, buf, sizeof buf, &gres) || !gres || gr.gr_gid != 0)
		return probe_wrong(p, "getgrnam_r(root) failed");
	gid_t groups[64];
	int n = 64;
	if (getgrouplist("root", 0, groups, &n) < 0 || n < 1 || groups[0] != 0)
		return probe_wrong(p, "getgrouplist(root) failed");
	return PROBE_OK;
}

static int probe_gethostbyname(struct probe *p)
{
	if (!have_localhost)
		return probe_skip(p,
		                  "/etc/hosts does not list localhost: a lookup could reach DNS");
	struct hostent *he = gethostbyname("localhost");
	if (!he || he->h_addrtype != AF_INET || !he->h_addr_list[0])
		return probe_wrong(p, "gethostbyname(localhost) failed");
	return memcmp(he->h_addr_list[0], "\x7f\0\0\x01", 4) ? probe_wrong(p, "not 127.0.0.1")
	                                                     : PROBE_OK;
}

static int probe_getaddrinfo(struct probe *p, int flags)
{
	if (!have_localhost)
		return probe_skip(p,
		                  "/etc/hosts does not list localhost: a lookup could reach DNS");
	int e = lookup_localhost(flags);
	return e ? probe_wrong_num(p, "getaddrinfo(localhost) failed: ", e) : PROBE_OK;
}

static int probe_getaddrinfo_plain(struct probe *p)
{
	return probe_getaddrinfo(p, 0);
}

static int probe_getaddrinfo_addrconfig(struct probe *p)
{
	return probe_getaddrinfo(p, AI_ADDRCONFIG);
}

static int probe_res_init(struct probe *p)
{
	return res_init() ? probe_wrong(p, "res_init failed") : PROBE_OK;
}

static int probe_getpwent(struct probe *p)
{
	int root = 0;
	struct passwd *pw;
	setpwent();
	while ((pw = getpwent()))
		root |= !strcmp(pw->pw_name, "root");
	endpwent();
	return root ? PROBE_OK : probe_wrong(p, "getpwent never returned root");
}

static const struct mtcase cases[] = {
    CASE(NSS_1, "getpwnam", &getpwnam_lock, probe_getpwnam),
    CASE(NSS_1, "getpwuid", &getpwnam_lock, probe_getpwuid),
    CASE(NSS_1, "getgrnam", &getpwnam_lock, probe_getgrnam),
    CASE(NSS_2, "getpwnam_r", &getpwnam_lock, probe_getpwnam_r),
    CASE(NSS_3, "getaddrinfo", &addrconfig_lock, probe_getaddrinfo_plain),
    CASE(NSS_3, "getaddrinfo-addrconfig", &addrconfig_lock, probe_getaddrinfo_addrconfig),
    CASE(NSS_3, "res_init", &addrconfig_lock, probe_res_init),
    CASE(NSS_4, "gethostbyname", &gethostbyname_lock, probe_gethostbyname),
    CASE(NSS_5, "getpwent", &getpwent_lock, probe_getpwent),
    CASE(NSS_5, "setpwent", &setpwent_lock, probe_getpwent),
    CASE(NSS_5, "getpwent_r",
         MTFORK_NEEDS(HAVE_GETPWENT_R, "getpwent_r()", &getpwent_r_lock, probe_getpwent)),
};

MTFORK_MAIN(cases)
