/* SPDX-License-Identifier: MIT */
/*
 * iconv: glibc's iconv/gconv_db.c keeps the conversion modules under
 * __gconv_lock; fork neither takes nor resets it.  Entry points: iconv_open
 * (finds and may load modules) and iconv_close (releases them).  iconv itself
 * takes no lock.  Caveat (man page): loading a module goes through the
 * dynamic linker's lock, so fork can wait for a thread that waits for
 * another thread's dlopen, constructors included.
 */
#include "gated.h"

#include <iconv.h>

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_iconv = FORKLOCK_GATE_INIT("iconv");

FORKLOCK_PUBLIC iconv_t iconv_open(const char *to, const char *from)
{
	return GATED(&forklock_gate_iconv, iconv_open, to, from);
}

FORKLOCK_PUBLIC int iconv_close(iconv_t cd)
{
	return GATED(&forklock_gate_iconv, iconv_close, cd);
}
