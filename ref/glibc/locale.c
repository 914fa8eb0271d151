/* SPDX-License-Identifier: MIT */
/*
 * locale: glibc's __libc_setlocale_lock is a rwlock that fork neither takes
 * nor resets.  Writers: setlocale (a query with a null name reads without
 * it), newlocale, duplocale and freelocale (reference counts of the loaded
 * locale data).  Readers: the gettext family (see gettext.c).  uselocale,
 * localeconv and nl_langinfo take no lock.  Loading locale files is bounded.
 * Not gateable from outside: the first multibyte conversion in a locale
 * whose charset functions are not yet loaded takes the write lock lazily.
 */
#include "gated.h"

#include <locale.h>

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_locale = FORKLOCK_GATE_INIT("locale");

FORKLOCK_PUBLIC char *setlocale(int category, const char *name)
{
	return GATED(&forklock_gate_locale, setlocale, category, name);
}

FORKLOCK_PUBLIC locale_t newlocale(int mask, const char *name, locale_t base)
{
	return GATED(&forklock_gate_locale, newlocale, mask, name, base);
}

FORKLOCK_PUBLIC locale_t duplocale(locale_t loc)
{
	return GATED(&forklock_gate_locale, duplocale, loc);
}

FORKLOCK_PUBLIC void freelocale(locale_t loc)
{
	GATED_VOID(&forklock_gate_locale, freelocale, loc);
}
