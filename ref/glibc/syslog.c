/*
 * syslog: glibc's misc/syslog.c holds syslog_lock while it connects to and
 * sends to the system logger; fork neither takes nor resets it.  Entry
 * points: openlog, syslog, vsyslog, their _FORTIFY_SOURCE forms
 * __syslog_chk/__vsyslog_chk, closelog, setlogmask.  syslog also converts
 * the time (tz lock) while holding nothing of ours: nesting passes.
 *
 * Bounded?  The send blocks only while the system logger's queue is full,
 * which musl (that takes its syslog lock in fork) accepts too.  One caveat,
 * stated in the man page: with LOG_PERROR the message is also written to
 * stderr, which the application controls; fork waits for that write.
 * These are cancellation points, so the gate is left on cancellation.
 */
#undef _FORTIFY_SOURCE
#include "gated.h"

#include <stdarg.h>
#include <syslog.h>

void __syslog_chk(int priority, int flag, const char *format, ...);
void __vsyslog_chk(int priority, int flag, const char *format, va_list args);

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_syslog = FORKLOCK_GATE_INIT("syslog");

FORKLOCK_PUBLIC void openlog(const char *ident, int option, int facility)
{
	GATED_CANCELLABLE_VOID(&forklock_gate_syslog, openlog, ident, option, facility);
}

FORKLOCK_PUBLIC void closelog(void)
{
	GATED_CANCELLABLE_VOID(&forklock_gate_syslog, closelog);
}

FORKLOCK_PUBLIC int setlogmask(int mask)
{
	return GATED(&forklock_gate_syslog, setlogmask, mask);
}

FORKLOCK_PUBLIC void vsyslog(int priority, const char *format, va_list args)
{
	GATED_CANCELLABLE_VOID(&forklock_gate_syslog, vsyslog, priority, format, args);
}

FORKLOCK_PUBLIC void syslog(int priority, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	GATED_CANCELLABLE_VOID(&forklock_gate_syslog, vsyslog, priority, format, args);
	va_end(args);
}

FORKLOCK_PUBLIC void __vsyslog_chk(int priority, int flag, const char *format, va_list args)
{
	GATED_CANCELLABLE_VOID(&forklock_gate_syslog, __vsyslog_chk, priority, flag, format, args);
}

FORKLOCK_PUBLIC void __syslog_chk(int priority, int flag, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	GATED_CANCELLABLE_VOID(&forklock_gate_syslog, __vsyslog_chk, priority, flag, format, args);
	va_end(args);
}
