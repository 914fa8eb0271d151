/* SPDX-License-Identifier: MIT */
/*
 * syslog: glibc's misc/syslog.c holds syslog_lock while it formats the
 * message, converts the time (under the time zone lock, nested) and sends
 * it to the system logger; fork neither takes nor resets it.  The send
 * blocks for as long as the logger does not read (a stalled /dev/log), an
 * external, unbounded wait: fork must not wait for it, so a gate around
 * glibc's syslog (what this file did before) is not allowed, and without
 * one the child of a fork during a send deadlocks at its first syslog().
 *
 * So the adapter implements the syslog family itself, on public interfaces,
 * with a lock of its own that fork never takes and the child resets:
 *
 *   - openlog, syslog, vsyslog, __syslog_chk, __vsyslog_chk, closelog and
 *     setlogmask never enter glibc's syslog code (glibc's lock stays free);
 *   - the time is converted with localtime_r, whose tz gate makes fork wait
 *     for that bounded part only;
 *   - the message is formatted and sent under the adapter's lock; a fork
 *     during a send leaves the child a reset lock and the same socket (the
 *     message in flight belongs to the parent; a datagram is sent whole or
 *     not at all), and the child logs normally.
 *
 * The format is glibc's: "<PRI>Mmm dd hh:mm:ss TAG[PID]: message", the time
 * in the C locale, TAG the openlog ident or the program's short name; %m
 * works (printf's, with the caller's errno).  Options: LOG_PID, LOG_CONS
 * (to /dev/console when the logger cannot be reached), LOG_NDELAY,
 * LOG_ODELAY, LOG_NOWAIT, LOG_PERROR (also to standard error).  The logger
 * is /dev/log, a datagram socket, or a stream socket (messages then end
 * with a NUL), reconnected once when a send fails.  These are cancellation
 * points: a cancelled thread releases the lock.
 *
 * FORKLOCK_DISABLE=syslog: glibc's own functions, unprotected.
 */
#undef _FORTIFY_SOURCE
#include "gated.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>

void __syslog_chk(int priority, int flag, const char *format, ...);
void __vsyslog_chk(int priority, int flag, const char *format, va_list args);

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_syslog = FORKLOCK_GATE_INIT("syslog");

#define MESSAGE_MAX 2048

static forklock_mutex_t lock = FORKLOCK_MUTEX_INIT;
static int log_fd = -1;
static int log_type = SOCK_DGRAM;
static bool connected;
static const char *log_tag;
static int log_options;
static int log_facility = LOG_USER;
static int log_mask = 0xff;

static void unlock_cleanup(void *unused)
{
	(void)unused;
	forklock_mutex_unlock(&lock);
}

/* Fork does not take the lock; the child resets it (its holder is gone). */
static void nothing(void *unused)
{
	(void)unused;
}

static FORKLOCK_CHILD_ONLY void reset_in_child(void *unused)
{
	atomic_int *word = (atomic_int *)&lock.word;

	if (atomic_load_explicit(word, memory_order_relaxed))
		atomic_store_explicit(word, 0, memory_order_relaxed);
	(void)unused;
}

static const struct forklock_ops syslog_ops = {nothing, nothing, reset_in_child};
static struct forklock syslog_entry =
    FORKLOCK_INIT("syslog-lock", FORKLOCK_RANK_LEAF, &syslog_ops, NULL);

__attribute__((constructor(102))) static void syslog_register(void)
{
	forklock_register(&syslog_entry);
}

static void disconnect(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	connected = false;
}

static void connect_logger(void)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX, .sun_path = "/dev/log"};

	if (log_fd < 0) {
		log_fd = socket(AF_UNIX, log_type | SOCK_CLOEXEC, 0);
		if (log_fd < 0)
			return;
	}
	if (!connected) {
		if (connect(log_fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
			connected = true;
		} else if (errno == EPROTOTYPE) {
			/* The logger listens on a stream socket: try that once. */
			disconnect();
			log_type = log_type == SOCK_DGRAM ? SOCK_STREAM : SOCK_DGRAM;
			log_fd = socket(AF_UNIX, log_type | SOCK_CLOEXEC, 0);
			if (log_fd >= 0 &&
			    connect(log_fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
				connected = true;
			else
				disconnect();
		} else {
			disconnect();
		}
	}
}

static bool send_message(const char *text, size_t len)
{
	/* A stream logger separates messages by their NUL. */
	size_t size = len + (log_type == SOCK_STREAM);

	return connected && send(log_fd, text, size, MSG_NOSIGNAL) == (ssize_t)size;
}

static void write_all(int fd, const char *text, size_t len)
{
	while (len) {
		ssize_t n = write(fd, text, len);
		if (n <= 0)
			return;
		text += n;
		len -= (size_t)n;
	}
}

static void to_console(const char *text, size_t len)
{
	int fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return;
	write_all(fd, text, len);
	write_all(fd, "\r\n", 2);
	close(fd);
}

static void open_locked(const char *ident, int option, int facility)
{
	if (ident)
		log_tag = ident;
	log_options = option;
	if (facility != 0 && (facility & ~LOG_FACMASK) == 0)
		log_facility = facility;
	if (option & LOG_NDELAY)
		connect_logger();
}

static void log_locked(int priority, const char *format, va_list args, int saved_errno);

static void complain_v(int unused, ...)
{
	va_list args;

	va_start(args, unused);
	log_locked(LOG_ERR | LOG_CONS | LOG_PERROR | LOG_PID,
	           "syslog: unknown facility/priority: %x", args, 0);
	va_end(args);
}

static void complain(int priority)
{
	complain_v(0, priority);
}

static void log_locked(int priority, const char *format, va_list args, int saved_errno)
{
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	char message[MESSAGE_MAX];
	const char *tag = log_tag ? log_tag : program_invocation_short_name;
	time_t now = time(NULL);
	struct tm tm;
	int head, body, len;

	if (priority & ~(LOG_PRIMASK | LOG_FACMASK)) {
		/* glibc's complaint (with its priority), then the message without the stray bits.
		 */
		complain(priority);
		priority &= LOG_PRIMASK | LOG_FACMASK;
	}
	if (!(LOG_MASK(LOG_PRI(priority)) & log_mask))
		return;
	if ((priority & LOG_FACMASK) == 0)
		priority |= log_facility;
	if (!localtime_r(&now, &tm)) /* the tz gate: fork waits for this part only */
		memset(&tm, 0, sizeof(tm));
	head = snprintf(message, sizeof(message), "<%d>%s %2d %02d:%02d:%02d ", priority,
	                months[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	body = head + snprintf(message + head, sizeof(message) - (size_t)head,
	                       (log_options & LOG_PID) ? "%s[%d]: " : "%s: ", tag, (int)getpid());
	if (body >= (int)sizeof(message))
		body = (int)sizeof(message) - 1;
	errno = saved_errno; /* for %m */
	len = body + vsnprintf(message + body, sizeof(message) - (size_t)body, format, args);
	if (len >= (int)sizeof(message))
		len = (int)sizeof(message) - 1;
	if (log_options & LOG_PERROR) {
		write_all(STDERR_FILENO, message + head, (size_t)(len - head));
		if (len == 0 || message[len - 1] != '\n')
			write_all(STDERR_FILENO, "\n", 1);
	}
	connect_logger();
	if (!send_message(message, (size_t)len)) {
		disconnect(); /* the logger may have restarted: once more */
		connect_logger();
		if (!send_message(message, (size_t)len) && (log_options & LOG_CONS))
			to_console(message + head, (size_t)(len - head));
	}
}

static void do_log(int priority, const char *format, va_list args)
{
	int saved_errno = errno;

	forklock_mutex_lock(&lock);
	pthread_cleanup_push(unlock_cleanup, NULL);
	log_locked(priority, format, args, saved_errno);
	pthread_cleanup_pop(1);
	errno = saved_errno;
}

FORKLOCK_PUBLIC void openlog(const char *ident, int option, int facility)
{
	if (forklock_gate_syslog.off) {
		FORKLOCK_NEXT(openlog)(ident, option, facility);
		return;
	}
	forklock_mutex_lock(&lock);
	pthread_cleanup_push(unlock_cleanup, NULL);
	open_locked(ident, option, facility);
	pthread_cleanup_pop(1);
}

FORKLOCK_PUBLIC void closelog(void)
{
	if (forklock_gate_syslog.off) {
		FORKLOCK_NEXT(closelog)();
		return;
	}
	forklock_mutex_lock(&lock);
	pthread_cleanup_push(unlock_cleanup, NULL);
	disconnect();
	log_tag = NULL;
	log_type = SOCK_DGRAM;
	pthread_cleanup_pop(1);
}

FORKLOCK_PUBLIC int setlogmask(int mask)
{
	int old;

	if (forklock_gate_syslog.off)
		return FORKLOCK_NEXT(setlogmask)(mask);
	forklock_mutex_lock(&lock);
	old = log_mask;
	if (mask != 0)
		log_mask = mask;
	forklock_mutex_unlock(&lock);
	return old;
}

FORKLOCK_PUBLIC void vsyslog(int priority, const char *format, va_list args)
{
	if (forklock_gate_syslog.off) {
		FORKLOCK_NEXT(vsyslog)(priority, format, args);
		return;
	}
	do_log(priority, format, args);
}

FORKLOCK_PUBLIC void syslog(int priority, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsyslog(priority, format, args);
	va_end(args);
}

FORKLOCK_PUBLIC void __vsyslog_chk(int priority, int flag, const char *format, va_list args)
{
	if (forklock_gate_syslog.off) {
		FORKLOCK_NEXT(__vsyslog_chk)(priority, flag, format, args);
		return;
	}
	do_log(priority, format, args); /* the format checks of _FORTIFY_SOURCE are not repeated */
}

FORKLOCK_PUBLIC void __syslog_chk(int priority, int flag, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	__vsyslog_chk(priority, flag, format, args);
	va_end(args);
}
