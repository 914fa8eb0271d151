/* SPDX-License-Identifier: MIT */
/*
 * The glibc adapter's protections: the names FORKLOCK_DISABLE accepts, one
 * gate each (struct forklock_gate forklock_gate_<name>, whose name string
 * must be the same word: adapter.c checks at load).  This is the single
 * list: adapter.c builds its table from it and `make ref-protections`
 * prints it (ref/protections.c).
 */
#ifndef FORKLOCK_GLIBC_PROTECTIONS_H
#define FORKLOCK_GLIBC_PROTECTIONS_H

#define FORKLOCK_PROTECTIONS(X)                                                                    \
	X(random)                                                                                  \
	X(env)                                                                                     \
	X(tz)                                                                                      \
	X(syslog)                                                                                  \
	X(locale)                                                                                  \
	X(gettext)                                                                                 \
	X(iconv)                                                                                   \
	X(sem)                                                                                     \
	X(nss)                                                                                     \
	X(popen)                                                                                   \
	X(atexit)                                                                                  \
	X(dlopen)                                                                                  \
	X(phdr)

#endif
