/* SPDX-License-Identifier: MIT */
/*
 * gettext: glibc's intl/ keeps the message catalogs under _nl_state_lock and
 * a tree lock, and reads the locale under __libc_setlocale_lock; fork takes
 * and resets none of them.  Entry points: the gettext family and the domain
 * bindings, plus the functions that translate their messages through it:
 * strerror, strerror_r (both forms), strerror_l, strsignal, gai_strerror.
 * perror, psignal, err and friends translate too, but then write to stderr,
 * which the application controls: they stay open (the man page says so).
 */
#include "gated.h"

#include <libintl.h>
#include <netdb.h>
#include <string.h>

/* With optimisation libintl.h turns these into macros; we define the functions. */
#undef gettext
#undef dgettext
#undef dcgettext
#undef ngettext
#undef dngettext
#undef dcngettext

char *__dcgettext(const char *domain, const char *msgid, int category);
char *__dgettext(const char *domain, const char *msgid);
int __xpg_strerror_r(int errnum, char *buf, size_t len);

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_gettext = FORKLOCK_GATE_INIT("gettext");

FORKLOCK_PUBLIC char *gettext(const char *msgid)
{
	return GATED(&forklock_gate_gettext, gettext, msgid);
}

FORKLOCK_PUBLIC char *dgettext(const char *domain, const char *msgid)
{
	return GATED(&forklock_gate_gettext, dgettext, domain, msgid);
}

FORKLOCK_PUBLIC char *__dgettext(const char *domain, const char *msgid)
{
	return GATED(&forklock_gate_gettext, __dgettext, domain, msgid);
}

FORKLOCK_PUBLIC char *dcgettext(const char *domain, const char *msgid, int category)
{
	return GATED(&forklock_gate_gettext, dcgettext, domain, msgid, category);
}

FORKLOCK_PUBLIC char *__dcgettext(const char *domain, const char *msgid, int category)
{
	return GATED(&forklock_gate_gettext, __dcgettext, domain, msgid, category);
}

FORKLOCK_PUBLIC char *ngettext(const char *msgid, const char *plural, unsigned long n)
{
	return GATED(&forklock_gate_gettext, ngettext, msgid, plural, n);
}

FORKLOCK_PUBLIC char *dngettext(const char *domain, const char *msgid, const char *plural,
                                unsigned long n)
{
	return GATED(&forklock_gate_gettext, dngettext, domain, msgid, plural, n);
}

FORKLOCK_PUBLIC char *dcngettext(const char *domain, const char *msgid, const char *plural,
                                 unsigned long n, int category)
{
	return GATED(&forklock_gate_gettext, dcngettext, domain, msgid, plural, n, category);
}

FORKLOCK_PUBLIC char *textdomain(const char *domain)
{
	return GATED(&forklock_gate_gettext, textdomain, domain);
}

FORKLOCK_PUBLIC char *bindtextdomain(const char *domain, const char *dir)
{
	return GATED(&forklock_gate_gettext, bindtextdomain, domain, dir);
}

FORKLOCK_PUBLIC char *bind_textdomain_codeset(const char *domain, const char *codeset)
{
	return GATED(&forklock_gate_gettext, bind_textdomain_codeset, domain, codeset);
}

FORKLOCK_PUBLIC char *strerror(int errnum)
{
	return GATED(&forklock_gate_gettext, strerror, errnum);
}

FORKLOCK_PUBLIC char *strerror_r(int errnum, char *buf, size_t len)
{
	return GATED(&forklock_gate_gettext, strerror_r, errnum, buf, len);
}

FORKLOCK_PUBLIC int __xpg_strerror_r(int errnum, char *buf, size_t len)
{
	return GATED(&forklock_gate_gettext, __xpg_strerror_r, errnum, buf, len);
}

FORKLOCK_PUBLIC char *strerror_l(int errnum, locale_t loc)
{
	return GATED(&forklock_gate_gettext, strerror_l, errnum, loc);
}

FORKLOCK_PUBLIC char *strsignal(int sig)
{
	return GATED(&forklock_gate_gettext, strsignal, sig);
}

FORKLOCK_PUBLIC const char *gai_strerror(int code)
{
	return GATED(&forklock_gate_gettext, gai_strerror, code);
}
