/* SPDX-License-Identifier: MIT */
/*
 * LOCALE, GETTEXT, STRERROR — locales and message catalogues in the
 * MT-forked child (spec/locale.adoc).
 *
 * LOCALE-1: setlocale (query and set); LOCALE-2: newlocale, duplocale,
 * uselocale, freelocale; LOCALE-3: localeconv, nl_langinfo, <ctype.h>,
 * strtod, snprintf; GETTEXT-1: gettext, dcgettext, ngettext; GETTEXT-2:
 * bindtextdomain, textdomain; STRERROR-1: strerror, strerror_l, strsignal,
 * perror — all although another thread was inside the subsystem at fork:
 *   - as the *writer* of the locale lock (inside setlocale());
 *   - as a *reader* of it (inside dcgettext(), which in glibc holds
 *     __libc_setlocale_lock and _nl_state_lock for reading): a stale reader
 *     count in the child blocks every later writer;
 *   - as the writer of the gettext state (inside bindtextdomain()).
 * glibc's __libc_setlocale_lock (locale/setlocale.c) and _nl_state_lock
 * (intl/) are neither taken nor reset by fork; musl takes and resets its
 * locale and gettext locks. musl's dcgettext takes no locale lock, so the
 * reader holding cannot be held there and falls back to the stochastic one.
 *
 * Holders: setlocale() with the locale name on a userfaultfd page (both libcs
 * compare it under the lock); dcgettext() with the domain name there (glibc
 * compares it with the bound domains under its read locks); bindtextdomain()
 * with the domain straddling into it (glibc, under the write lock); a
 * guarded stack under each call where the argument is touched before the
 * lock (musl's bindtextdomain); without userfaultfd (glibc), setlocale()
 * of an absent locale and dcgettext() of an absent catalogue stopped in the
 * open of the file they look for (seccomp user notification); a hammering
 * thread otherwise.
 */
#define _GNU_SOURCE
#include "have.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <libintl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/mtfork.h"
#include "harness/seccomp_hold.h"
#include "clauses.h"

#define DOMAIN  "mtfork"
#define NOWHERE "/nonexistent-mtfork-locale" /* never created: lookups find nothing */

#if HAVE_NEWLOCALE
static locale_t parents_locale; /* made before the fork: uselocale needs no lock */
#endif

static void bind_domain(void)
{
#if HAVE_GETTEXT
	bindtextdomain(DOMAIN, NOWHERE);
#endif
#if HAVE_NEWLOCALE
	parents_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
#endif
}

static void fill_name(char *page, size_t n, const char *name)
{
	memset(page, 0, n);
	memcpy(page, name, strlen(name));
}

static void fill_c(char *page, size_t n)
{
	fill_name(page, n, "C");
}

#if HAVE_GETTEXT
static void fill_domain(char *page, size_t n)
{
	fill_name(page, n, DOMAIN);
}
#endif

/* The writer of the locale lock. */
static void setlocale_name_on_page(struct hold *h)
{
	setlocale(LC_ALL, h->page);
}

static void setlocale_on_stack(struct hold *h)
{
	(void)h;
	setlocale(LC_ALL, "C.UTF-8");
	setlocale(LC_ALL, "C");
}

#ifdef __GLIBC__
/* Seccomp holders (glibc; musl reads no file here): setlocale() of a
 * locale never installed looks for its files with the lock taken, and so
 * does dcgettext() for a catalogue it has not looked for before, in a
 * thread whose messages locale is not "C". */
#define ABSENT "mtfork_XX.UTF-8"

static void setlocale_absent(void)
{
	setlocale(LC_ALL, ABSENT);
}

static const struct sc_trap absent_locale_open = {
    .nr = {SC_OPEN, SC_OPENAT}, .path = "/" ABSENT, .call = setlocale_absent};

static void setlocale_opening(struct hold *h)
{
	seccomp_hold(h, &absent_locale_open);
}

static void dcgettext_c_utf8(void)
{
	locale_t l = newlocale(LC_MESSAGES_MASK, "C.UTF-8", (locale_t)0);
	if (l == (locale_t)0)
		return; /* not installed: nothing is looked for */
	uselocale(l);
	dcgettext(DOMAIN, "mtfork message", LC_MESSAGES);
}

static const struct sc_trap catalogue_open = {
    .nr = {SC_OPEN, SC_OPENAT}, .path = NOWHERE "/", .call = dcgettext_c_utf8};

static void dcgettext_opening(struct hold *h)
{
	seccomp_hold(h, &catalogue_open);
}
#endif

static void set_c_locale(void)
{
	setlocale(LC_ALL, "C");
}

static void set_hammer(struct hold *h)
{
	(void)h;
	setlocale(LC_ALL, "C");
}

static const struct holding locale_writer = {
    .name = "locale lock (held by setlocale())",
    .setup = bind_domain,
    .verify = set_c_locale,
    .ways =
        (const struct way[]){
            UFFD_WAY("setlocale", setlocale_name_on_page, fill_c),
            STACK_WAY("setlocale", setlocale_on_stack),
#ifdef __GLIBC__
            SECCOMP_CALL_WAY("setlocale", setlocale_opening),
#endif
            STOCHASTIC_WAY("setlocale", set_hammer),
            {0},
        },
};

#if HAVE_GETTEXT
/* A reader of the locale lock (glibc: dcgettext). */
static void dcgettext_domain_on_page(struct hold *h)
{
	dcgettext(h->page, "mtfork message", LC_MESSAGES);
}

static void dcgettext_on_stack(struct hold *h)
{
	(void)h;
	dcgettext(DOMAIN, "mtfork message", LC_MESSAGES);
}

static const struct holding locale_reader = {
    .name = "locale lock (read by dcgettext())",
    .setup = bind_domain,
    .verify = set_c_locale, /* a writer: blocks behind a reader */
    .ways =
        (const struct way[]){
            UFFD_WAY("dcgettext", dcgettext_domain_on_page, fill_domain),
            STACK_WAY("dcgettext", dcgettext_on_stack),
#ifdef __GLIBC__
            SECCOMP_CALL_WAY("dcgettext", dcgettext_opening),
#endif
            STOCHASTIC_WAY("dcgettext", dcgettext_on_stack),
            {0},
        },
};

/* The writer of the gettext state. */
/* "m" on the ordinary page's last byte, the rest on the trapped page: glibc
 * checks the first character before locking and compares the rest with
 * the bound domains under the lock. */
static void bindtextdomain_on_edge(struct hold *h)
{
	h->edge[0] = 'm';
	bindtextdomain(h->edge, NOWHERE);
}

static void fill_domain_tail(char *page, size_t n)
{
	fill_name(page, n, DOMAIN + 1);
}

/* A new domain each time, so the call allocates under the lock; named
 * without printf, whose stack use would hide bindtextdomain's. */
static void bindtextdomain_on_stack(struct hold *h)
{
	static unsigned n;
	char name[] = "mtfork-xx";
	(void)h;
	name[7] = (char)('a' + n % 26);
	name[8] = (char)('a' + n / 26 % 26);
	n++;
	bindtextdomain(name, NOWHERE);
}

static void bind_other(void)
{
	bindtextdomain("mtfork-verify", NOWHERE);
}

static const struct holding gettext_writer = {
    .name = "gettext lock (held by bindtextdomain())",
    .setup = bind_domain,
    .verify = bind_other,
    .ways =
        (const struct way[]){
            UFFD_WAY("bindtextdomain", bindtextdomain_on_edge, fill_domain_tail),
            STACK_WAY("bindtextdomain", bindtextdomain_on_stack),
            STOCHASTIC_WAY("bindtextdomain", bindtextdomain_on_stack),
            {0},
        },
};
#endif

static int probe_setlocale_query(struct probe *p)
{
	const char *n = setlocale(LC_ALL, NULL);
	return n && *n ? PROBE_OK : probe_wrong(p, "setlocale(LC_ALL, NULL) returned nothing");
}

static int probe_setlocale_set(struct probe *p)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		return probe_wrong(p, "setlocale(LC_ALL, \"C.UTF-8\") failed");
	const char *n = setlocale(LC_CTYPE, NULL);
	if (!n || !strstr(n, "UTF-8"))
		return probe_wrong(p, "LC_CTYPE is not C.UTF-8 after setlocale");
	return setlocale(LC_ALL, "C") ? PROBE_OK : probe_wrong(p, "setlocale back to C failed");
}

#if HAVE_NEWLOCALE
static int probe_newlocale(struct probe *p)
{
	locale_t l = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
	if (!l)
		return probe_wrong(p, "newlocale(C.UTF-8) failed");
	locale_t d = duplocale(l);
	if (!d)
		return probe_wrong(p, "duplocale failed");
	freelocale(d);
	freelocale(l);
	return PROBE_OK;
}

static int probe_uselocale(struct probe *p)
{
	if (!parents_locale)
		return probe_wrong(p, "the parent's newlocale(C.UTF-8) failed");
	locale_t old = uselocale(parents_locale);
	int bad = !old || MB_CUR_MAX < 4; /* 4 on musl, 6 on glibc */
	uselocale(LC_GLOBAL_LOCALE);
	return bad ? probe_wrong(p, "uselocale did not switch to UTF-8 (MB_CUR_MAX)") : PROBE_OK;
}
#endif

static int probe_locale_readers(struct probe *p)
{
	struct lconv *lc = localeconv();
	if (!lc || strcmp(lc->decimal_point, "."))
		return probe_wrong(p, "localeconv: wrong decimal point");
	if (!nl_langinfo(CODESET) || !*nl_langinfo(CODESET))
		return probe_wrong(p, "nl_langinfo(CODESET) is empty");
	volatile char a = 'a'; /* not folded at compile time */
	if (!isalpha(a) || isdigit(a) || toupper(a) != 'A')
		return probe_wrong(p, "<ctype.h> classification is wrong");
	if (strtod("1.5", 0) != 1.5)
		return probe_wrong(p, "strtod(\"1.5\") is wrong");
	char buf[32];
	snprintf(buf, sizeof buf, "%.1f|%d", 2.5, 42);
	return strcmp(buf, "2.5|42") ? probe_wrong(p, "snprintf formatted wrongly") : PROBE_OK;
}

#if HAVE_GETTEXT
static int probe_gettext(struct probe *p)
{
	const char *m = "mtfork untranslated";
	if (strcmp(gettext(m), m) || strcmp(dgettext(DOMAIN, m), m) ||
	    strcmp(dcgettext(DOMAIN, m, LC_MESSAGES), m))
		return probe_wrong(p, "gettext/dgettext/dcgettext did not return the message");
	if (strcmp(ngettext("one", "many", 2), "many") ||
	    strcmp(dngettext(DOMAIN, "one", "many", 1), "one"))
		return probe_wrong(p, "ngettext/dngettext chose the wrong form");
	return PROBE_OK;
}

static int probe_bindtextdomain(struct probe *p)
{
	const char *d = bindtextdomain("mtfork-child", "/nonexistent-mtfork-child");
	if (!d || strcmp(d, "/nonexistent-mtfork-child"))
		return probe_wrong(p, "bindtextdomain did not return the directory");
	/* NULL without an error is musl's documented answer: UTF-8 is the
	 * only codeset it has, and NULL means the default. */
	errno = 0;
	const char *c = bind_textdomain_codeset("mtfork-child", "UTF-8");
	if (c ? strcmp(c, "UTF-8") != 0 : errno != 0)
		return probe_wrong(p, "bind_textdomain_codeset(UTF-8) failed");
	return PROBE_OK;
}

static int probe_textdomain(struct probe *p)
{
	const char *d = textdomain("mtfork-child");
	if (!d || strcmp(d, "mtfork-child"))
		return probe_wrong(p, "textdomain did not set the domain");
	d = textdomain(NULL);
	return d && !strcmp(d, "mtfork-child") ? PROBE_OK
	                                       : probe_wrong(p, "textdomain(NULL) disagrees");
}
#endif

static int probe_strerror(struct probe *p)
{
	const char *s = strerror(ENOENT);
	if (!s || strcmp(s, "No such file or directory"))
		return probe_wrong(p, "strerror(ENOENT) is wrong");
#if HAVE_NEWLOCALE /* else there is no strerror_l to check */
	locale_t l = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!l)
		return probe_wrong(p, "newlocale(C) failed");
	s = strerror_l(EACCES, l);
	freelocale(l);
	return s && !strcmp(s, "Permission denied") ? PROBE_OK
	                                            : probe_wrong(p, "strerror_l(EACCES) is wrong");
#else
	return PROBE_OK;
#endif
}

static int probe_strsignal(struct probe *p)
{
	const char *s = strsignal(SIGTERM);
	return s && !strcmp(s, "Terminated") ? PROBE_OK
	                                     : probe_wrong(p, "strsignal(SIGTERM) is wrong");
}

static int probe_perror(struct probe *p)
{
	int fd = open("/dev/null", O_WRONLY);
	if (fd < 0 || dup2(fd, 2) < 0)
		return probe_wrong(p, "could not point stderr at /dev/null");
	errno = ENOENT;
	perror("mtfork child");
	return PROBE_OK;
}

#define NEEDS_NEWLOCALE(h, p)                                                                      \
	MTFORK_NEEDS(HAVE_NEWLOCALE, "newlocale(), uselocale() or freelocale()", h, p)
#define NEEDS_GETTEXT(h, p) MTFORK_NEEDS(HAVE_GETTEXT, "the gettext functions (<libintl.h>)", h, p)

static const struct mtcase cases[] = {
    CASE(LOCALE_1, "setlocale-query", &locale_writer, probe_setlocale_query),
    CASE(LOCALE_1, "setlocale-set", &locale_writer, probe_setlocale_set),
    CASE(LOCALE_1, "setlocale-set-after-reader",
         NEEDS_GETTEXT(&locale_reader, probe_setlocale_set)),
    CASE(LOCALE_2, "newlocale", NEEDS_NEWLOCALE(&locale_writer, probe_newlocale)),
    CASE(LOCALE_2, "newlocale-after-reader", NEEDS_NEWLOCALE(&locale_reader, probe_newlocale)),
    CASE(LOCALE_2, "uselocale", NEEDS_NEWLOCALE(&locale_writer, probe_uselocale)),
    CASE(LOCALE_3, "readers", &locale_writer, probe_locale_readers),
    CASE(GETTEXT_1, "gettext", NEEDS_GETTEXT(&gettext_writer, probe_gettext)),
    CASE(GETTEXT_1, "gettext-after-setlocale", NEEDS_GETTEXT(&locale_writer, probe_gettext)),
    CASE(GETTEXT_1, "gettext-after-reader", NEEDS_GETTEXT(&locale_reader, probe_gettext)),
    CASE(GETTEXT_2, "bindtextdomain", NEEDS_GETTEXT(&gettext_writer, probe_bindtextdomain)),
    CASE(GETTEXT_2, "textdomain", NEEDS_GETTEXT(&gettext_writer, probe_textdomain)),
    CASE(GETTEXT_2, "textdomain-after-reader", NEEDS_GETTEXT(&locale_reader, probe_textdomain)),
    CASE(STRERROR_1, "strerror", &locale_writer, probe_strerror),
    CASE(STRERROR_1, "strsignal", &locale_writer, probe_strsignal),
    CASE(STRERROR_1, "perror", &locale_writer, probe_perror),
    CASE(STRERROR_1, "strerror-after-bindtextdomain",
         NEEDS_GETTEXT(&gettext_writer, probe_strerror)),
};

MTFORK_MAIN(cases)
