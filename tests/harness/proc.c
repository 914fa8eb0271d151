/* SPDX-License-Identifier: MIT */
/* The one /proc reader: for the judge, the fixtures and the probes (see
 * proc.h for why it avoids stdio). Length: syscall samples, status fields,
 * thread states, pipe writers and the memory map share its signal-safe
 * number formatting and file reading. */
#define _GNU_SOURCE
#include "have.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <stdint.h>
#include <sys/stat.h>
#include "sysno.h"
#include <string.h>
#include <unistd.h>

#include "mtfork.h"
#include "proc.h"

#ifndef SYS_futex_nr
#if defined(__x86_64__)
#define SYS_futex_nr 202
#elif defined(__aarch64__)
#define SYS_futex_nr 98
#endif
#endif

enum {
	FUTEX_CMD_WAIT = 0,
	FUTEX_CMD_LOCK_PI = 6,
	FUTEX_CMD_WAIT_BITSET = 9,
	FUTEX_CMD_WAIT_REQUEUE_PI = 11,
	FUTEX_CMD_LOCK_PI2 = 13,
	FUTEX_FLAG_PRIVATE = 128
};

char *put_dec(char *dst, long n)
{
	char tmp[24];
	int i = 0;
	unsigned long u = n < 0 ? -(unsigned long)n : (unsigned long)n;
	do
		tmp[i++] = (char)('0' + u % 10);
	while (u /= 10);
	if (n < 0)
		*dst++ = '-';
	while (i)
		*dst++ = tmp[--i];
	*dst = 0;
	return dst;
}

char *put_hex(char *dst, unsigned long n)
{
	char tmp[20];
	int i = 0;
	do
		tmp[i++] = "0123456789abcdef"[n % 16];
	while (n /= 16);
	*dst++ = '0';
	*dst++ = 'x';
	while (i)
		*dst++ = tmp[--i];
	*dst = 0;
	return dst;
}

static char *put_str(char *dst, const char *s)
{
	while (*s)
		*dst++ = *s++;
	*dst = 0;
	return dst;
}

void sys_close(int fd)
{
#if HAVE_SYSCALL
	syscall(SYS_close, fd);
#else
	close(fd);
#endif
}

ssize_t proc_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	sys_close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

static void proc_sample_path(const char *path, struct sc_sample *s);

/* probe_timers_disarmed(): the child's word, read by its judge at the same
 * address (a child is a copy of the case process); the magic keeps another
 * program's memory at that address from reading as a declaration. */
#define TIMER_NOTE_MAGIC 0x6d74666b74696d72UL
static volatile struct timer_note {
	unsigned long magic;
	unsigned long disarmed;
} timer_note;

void probe_timers_disarmed(int disarmed)
{
	timer_note.magic = TIMER_NOTE_MAGIC;
	timer_note.disarmed = disarmed != 0;
}

static int timers_declared_disarmed(pid_t pid)
{
	struct timer_note n = {0, 0};
#if HAVE_SYSCALL
	struct iovec local = {&n, sizeof n}, remote = {(void *)&timer_note, sizeof n};
	if (syscall(SYS_process_vm_readv, pid, &local, 1, &remote, 1, 0) != sizeof n)
		return 0;
#else
	char path[64];
	put_str(put_dec(put_str(path, "/proc/"), pid), "/mem");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd < 0 ? -1 : pread(fd, &n, sizeof n, (off_t)(uintptr_t)&timer_note);
	if (fd >= 0)
		sys_close(fd);
	if (got != sizeof n)
		return 0;
#endif
	return n.magic == TIMER_NOTE_MAGIC && n.disarmed == 1;
}

static const char *parse_num(const char *p, unsigned long *out, int *ok)
{
	int base = 10, digits = 0, neg = 0;
	unsigned long v = 0;
	while (*p == ' ')
		p++;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p[0] == '0' && p[1] == 'x') {
		base = 16;
		p += 2;
	}
	for (;; p++, digits++) {
		int d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			break;
		v = v * (unsigned long)base + (unsigned long)d;
	}
	*ok = digits > 0;
	*out = neg ? -v : v;
	return p;
}

void proc_sample(pid_t pid, pid_t tid, struct sc_sample *s)
{
	char path[64], *e = path;
	if (pid) {
		e = put_dec(put_str(e, "/proc/"), pid);
	} else {
		e = put_dec(put_str(e, "/proc/self/task/"), tid);
	}
	put_str(e, "/syscall");
	proc_sample_path(path, s);
}

static void proc_sample_path(const char *path, struct sc_sample *s)
{
	memset(s, 0, sizeof *s);
	if (proc_read_file(path, s->raw, sizeof s->raw) <= 0)
		return;
	s->valid = 1;
	if (strncmp(s->raw, "running", 7) == 0)
		return;
	unsigned long nr;
	int ok;
	const char *p = parse_num(s->raw, &nr, &ok);
	if (!ok || (long)nr < 0)
		return; /* "-1 sp pc": blocked, but not in a system call */
	s->in_syscall = 1;
	s->nr = (long)nr;
	for (int i = 0; i < 6 && ok; i++)
		p = parse_num(p, &s->arg[i], &ok);
	if (!ok)
		s->valid = 0;
}

int proc_starved(pid_t pid, long elapsed_ms)
{
	char path[64], buf[512];
	put_str(put_dec(put_str(path, "/proc/"), pid), "/stat");
	ssize_t n = proc_read_file(path, buf, sizeof buf - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	const char *p = strrchr(buf, ')'); /* the name may hold spaces */
	if (!p || p[1] != ' ' || p[2] != 'R')
		return 0; /* blocked or stopped: not waiting for a processor */
	/* fields after the state: ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime (clock ticks) */
	p += 3;
	unsigned long v[12];
	int ok = 1;
	for (int i = 0; i < 12 && ok; i++) {
		while (*p == ' ')
			p++;
		if (*p == '-')
			p++;
		p = parse_num(p, &v[i], &ok);
	}
	if (!ok)
		return 0;
	long hz = sysconf(_SC_CLK_TCK);
	long cpu_ms = hz > 0 ? (long)((v[10] + v[11]) * 1000 / (unsigned long)hz) : 0;
	return cpu_ms * 4 < elapsed_ms;
}

int proc_exiting(pid_t pid)
{
#ifdef SYS_exit_group
	struct sc_sample s;
	proc_sample(pid, 0, &s);
	return s.valid && s.in_syscall && s.nr == SYS_exit_group;
#else
	(void)pid;
	return 0;
#endif
}

/* Thread tid of *pid has a child process (0 when none or unreadable). */
static int has_known_child(long tid, void *arg)
{
	char path[80], buf[16];
	put_str(put_dec(put_str(put_dec(put_str(path, "/proc/"), *(pid_t *)arg), "/task/"), tid),
	        "/children");
	return proc_read_file(path, buf, sizeof buf) > 0;
}

int proc_awaits_child(pid_t pid)
{
	char path[64], buf[64];
	put_str(put_dec(put_str(path, "/proc/"), pid), "/stat");
	ssize_t n = proc_read_file(path, buf, sizeof buf);
	const char *p = n > 0 ? strrchr(buf, ')') : 0;
	if (!p || p[1] != ' ' || p[2] != 'S')
		return 0; /* runnable, stopped or gone: not waiting for a child */
	put_str(put_dec(put_str(path, "/proc/"), pid), "/task");
	return proc_each_number(path, has_known_child, &pid) > 0;
}

int proc_status_field(pid_t pid, pid_t tid, const char *key, char *out, size_t size)
{
	char path[80], *e = path, buf[8192]; /* a long Groups: line comes early */
	e = pid ? put_dec(put_str(e, "/proc/"), pid) : put_str(e, "/proc/self");
	if (tid)
		e = put_dec(put_str(e, "/task/"), tid);
	put_str(e, "/status");
	out[0] = 0;
	if (proc_read_file(path, buf, sizeof buf) <= 0)
		return -1;
	size_t k = strlen(key);
	for (const char *p = buf; *p;) {
		if (!strncmp(p, key, k) && p[k] == ':') {
			for (p += k + 1; *p == '\t' || *p == ' '; p++)
				;
			size_t n = 0;
			while (p[n] && p[n] != '\n' && n + 1 < size)
				out[n] = p[n], n++;
			out[n] = 0;
			return (int)n;
		}
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	return -1;
}

long proc_status_num(pid_t pid, const char *key)
{
	char v[32];
	unsigned long n;
	int ok;
	if (proc_status_field(pid, 0, key, v, sizeof v) <= 0)
		return -1;
	parse_num(v, &n, &ok);
	return ok ? (long)n : -1;
}

int proc_threads(pid_t pid)
{
	return (int)proc_status_num(pid, "Threads");
}

int sc_futex_wait(const struct sc_sample *s)
{
#ifdef SYS_futex_nr
	if (!s->valid || !s->in_syscall || s->nr != SYS_futex_nr)
		return 0;
	switch (s->arg[1] & 127) {
	case FUTEX_CMD_WAIT:
	case FUTEX_CMD_WAIT_BITSET:
	case FUTEX_CMD_LOCK_PI:
	case FUTEX_CMD_LOCK_PI2:
	case FUTEX_CMD_WAIT_REQUEUE_PI:
		return 1;
	}
#else
	(void)s;
#endif
	return 0;
}

/* A FUTEX_WAIT or FUTEX_WAIT_BITSET with no timeout, private or not as asked. */
static int untimed_wait(const struct sc_sample *s, int private_flag)
{
	if (!sc_futex_wait(s) || !(s->arg[1] & FUTEX_FLAG_PRIVATE) != !private_flag)
		return 0;
	unsigned cmd = s->arg[1] & 127;
	return (cmd == FUTEX_CMD_WAIT || cmd == FUTEX_CMD_WAIT_BITSET) && s->arg[3] == 0;
}

int sc_unwakeable_wait(const struct sc_sample *s)
{
	return untimed_wait(s, 1);
}

int sc_shared_untimed_wait(const struct sc_sample *s)
{
	return untimed_wait(s, 0);
}

int sc_same(const struct sc_sample *a, const struct sc_sample *b)
{
	return a->valid && b->valid && strcmp(a->raw, b->raw) == 0;
}

/* --- proving a multi-threaded process stuck (see proc.h) ------------------- */

#ifndef SYS_rt_sigtimedwait_nr
#if defined(__x86_64__)
#define SYS_rt_sigtimedwait_nr 128
#define SYS_read_nr            0
#elif defined(__aarch64__)
#define SYS_rt_sigtimedwait_nr 137
#define SYS_read_nr            63
#endif
#endif

struct mt_dirent {
	unsigned long long ino;
	long long off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* Call fn(name, arg) for each numeric entry of directory path (getdents64:
 * no malloc); stops early when fn returns nonzero and returns that, or -1
 * when the directory cannot be read. */
#if HAVE_SYSCALL
int proc_each_number(const char *path, int (*fn)(long n, void *arg), void *arg)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		long got = syscall(SYS_getdents64, fd, buf, sizeof buf);
		if (got <= 0) {
			sys_close(fd);
			return got < 0 ? -1 : 0;
		}
		for (long at = 0; at < got;) {
			struct mt_dirent *d = (struct mt_dirent *)(void *)(buf + at);
			at += d->reclen;
			unsigned long n;
			int ok;
			const char *e = parse_num(d->name, &n, &ok);
			if (!ok || *e)
				continue;
			int r = fn((long)n, arg);
			if (r) {
				sys_close(fd);
				return r;
			}
		}
	}
}
#else
/* Without syscall(): readdir, which may allocate (a probe_deadlocked() in a
 * child whose malloc lock is held is then bounded by the judge's timeout). */
int proc_each_number(const char *path, int (*fn)(long n, void *arg), void *arg)
{
	DIR *dir = opendir(path);
	if (!dir)
		return -1;
	const struct dirent *d;
	int r = 0;
	while (!r && (d = readdir(dir))) {
		unsigned long n;
		int ok;
		const char *e = parse_num(d->d_name, &n, &ok);
		if (ok && !*e)
			r = fn((long)n, arg);
	}
	closedir(dir);
	return r;
}
#endif

struct stuck {
	pid_t pid;
	int threads, signals, ok, futexes;
	unsigned long sig; /* FNV-1a over every thread's syscall line */
	long pipes[8];     /* read() waits: the pipes' inodes */
	long pipe_fds[8];  /* and the descriptors read */
	int npipes, nshared;
	unsigned long shared[8]; /* untimed non-private futex waits' words */
	struct sc_sample first;
};

static long pipe_inode(pid_t pid, long fd)
{
	char path[64], link[64];
	put_dec(put_str(put_dec(put_str(path, "/proc/"), pid), "/fd/"), fd);
	ssize_t n = readlink(path, link, sizeof link - 1);
	if (n <= 6)
		return -1;
	link[n] = 0;
	if (strncmp(link, "pipe:[", 6))
		return -1;
	unsigned long ino;
	int ok;
	parse_num(link + 6, &ino, &ok);
	return ok ? (long)ino : -1;
}

static int thread_state(long tid, void *arg)
{
	struct stuck *st = arg;
	char path[80], *e;
	e = put_dec(put_str(put_dec(put_str(path, "/proc/"), st->pid), "/task/"), tid);
	put_str(e, "/syscall");
	struct sc_sample parsed;
	proc_sample_path(path, &parsed);
	if (!parsed.valid)
		return st->ok = 0, 1;
	if (!st->threads++)
		st->first = parsed;
	for (const char *c = parsed.raw; *c; c++)
		st->sig = (st->sig ^ (unsigned char)*c) * 1099511628211UL;
	st->sig = (st->sig ^ '|') * 1099511628211UL;
	if (sc_unwakeable_wait(&parsed)) {
		st->futexes++;
		return 0;
	}
	if (sc_shared_untimed_wait(&parsed) && st->nshared < 8) {
		st->shared[st->nshared++] = parsed.arg[0];
		return 0;
	}
#ifdef SYS_rt_sigtimedwait_nr
	if (parsed.valid && parsed.in_syscall && parsed.nr == SYS_rt_sigtimedwait_nr &&
	    parsed.arg[2] == 0) {
		st->signals = 1;
		return 0;
	}
	if (parsed.valid && parsed.in_syscall && parsed.nr == SYS_read_nr && st->npipes < 8) {
		long ino = pipe_inode(st->pid, (long)parsed.arg[0]);
		if (ino > 0) {
			st->pipe_fds[st->npipes] = (long)parsed.arg[0];
			st->pipes[st->npipes++] = ino;
			return 0;
		}
	}
#endif
	st->ok = 0;
	return 1;
}

struct writer_scan {
	pid_t pid, other;
	long ino;
	int found; /* a write end of the pipe outside pid */
};

static int fd_is_writer(long fd, void *arg)
{
	struct writer_scan *w = arg;
	if (pipe_inode(w->other, fd) != w->ino)
		return 0;
	char path[80], buf[256];
	put_dec(put_str(put_dec(put_str(path, "/proc/"), w->other), "/fdinfo/"), fd);
	if (proc_read_file(path, buf, sizeof buf) <= 0)
		return w->found = 1; /* cannot tell: assume it writes */
	const char *f = strstr(buf, "flags:");
	unsigned long flags = 0;
	if (f) {
		f += 6;
		while (*f == '\t' || *f == ' ')
			f++;
		for (; *f >= '0' && *f <= '7'; f++)
			flags = flags * 8 + (unsigned long)(*f - '0');
	}
	if (!f || (flags & 3) != 0) /* O_WRONLY or O_RDWR */
		return w->found = 1;
	return 0;
}

static int process_has_writer(long p, void *arg)
{
	struct writer_scan *w = arg;
	char path[64];
	if (p == w->pid)
		return 0; /* the waiting process's own ends: all its threads wait */
	w->other = (pid_t)p;
	put_str(put_dec(put_str(path, "/proc/"), p), "/fd");
	if (proc_each_number(path, fd_is_writer, w) < 0) {
		/* unreadable: another user's process (it cannot have been given
		 * our pipe without us), or one gone meanwhile */
		struct stat sb;
		put_str(put_dec(put_str(path, "/proc/"), p), "");
		if (stat(path, &sb) == 0 && sb.st_uid == getuid())
			w->found = 1;
	}
	return w->found;
}

static int has_child(long tid, void *arg)
{
	struct stuck *st = arg;
	char path[80], buf[16];
	put_str(put_dec(put_str(put_dec(put_str(path, "/proc/"), st->pid), "/task/"), tid),
	        "/children");
	ssize_t n = proc_read_file(path, buf, sizeof buf);
	return n != 0; /* unreadable (-1) or a child: not provable */
}

int proc_stuck_sample(pid_t pid, struct stuck_state *s)
{
	struct stuck st = {.pid = pid, .ok = 1, .sig = 1469598103934665603UL};
	char path[64];
	put_str(put_dec(put_str(path, "/proc/"), pid), "/task");
	int r = proc_each_number(path, thread_state, &st);
	s->first = st.first;
	if (r < 0 || !st.ok || !st.threads)
		return 0;
	s->threads = st.threads;
	s->sig = st.sig;
	s->first = st.first;
	s->signals = st.signals;
	s->futexes = st.futexes;
	s->npipes = st.npipes;
	s->nshared = st.nshared;
	memcpy(s->shared, st.shared, sizeof s->shared);
	memcpy(s->pipes, st.pipes, sizeof s->pipes);
	memcpy(s->pipe_fds, st.pipe_fds, sizeof s->pipe_fds);
	return 1;
}

/* Is addr, in pid, on a page present in memory and private anonymous? The
 * kernel keys a non-private futex wait on such a page by the process's
 * memory (get_futex_key: PageAnon), so only the process's own threads can
 * wake it, as for a private one; a page of a shared mapping or of a file
 * (bit 61 of /proc/PID/pagemap) is keyed for every process mapping it. */
static int private_anon_page(pid_t pid, unsigned long addr)
{
	char path[64];
	uint64_t entry = 0;
	put_str(put_dec(put_str(path, "/proc/"), pid), "/pagemap");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	off_t at = (off_t)(addr / (unsigned long)sysconf(_SC_PAGESIZE)) * (off_t)sizeof entry;
	ssize_t got = pread(fd, &entry, sizeof entry, at);
	sys_close(fd);
	return got == sizeof entry && (entry >> 63 & 1) && !(entry >> 61 & 1);
}

int proc_stuck_confirm(pid_t pid, const struct stuck_state *s)
{
	char path[64], buf[64];
	for (int i = 0; i < s->nshared; i++)
		if (!private_anon_page(pid, s->shared[i]))
			return 0;
	if (s->threads == 1 && !s->signals && !s->npipes)
		return 1; /* one thread in a futex wait only it could end */
	/* Nothing may arrive from outside: no armed POSIX timer (none at all,
	 * or the probe declared every one unarmed), no child process (SIGCHLD) */
	put_str(put_dec(put_str(path, "/proc/"), pid), "/timers");
	if (proc_read_file(path, buf, sizeof buf) != 0 && !timers_declared_disarmed(pid))
		return 0;
	struct stuck st = {.pid = pid};
	put_str(put_dec(put_str(path, "/proc/"), pid), "/task");
	if (proc_each_number(path, has_child, &st) != 0)
		return 0;
	for (int i = 0; i < s->npipes; i++) {
		struct writer_scan w = {.pid = pid, .ino = s->pipes[i]};
		if (proc_each_number("/proc", process_has_writer, &w) != 0)
			return 0;
		/* The waiting process must itself hold a write end: with none
		 * anywhere, the read is about to return end-of-file (the last
		 * writer just went), not stuck. */
		struct writer_scan own = {.pid = -1, .other = pid, .ino = s->pipes[i]};
		put_str(put_dec(put_str(path, "/proc/"), pid), "/fd");
		if (proc_each_number(path, fd_is_writer, &own) < 0 || !own.found)
			return 0;
		/* And nothing may be buffered: data a writer left just before it
		 * went wakes the reader, however stale our sample of it. */
		put_dec(put_str(put_dec(put_str(path, "/proc/"), pid), "/fd/"), s->pipe_fds[i]);
		int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		int avail = -1;
		if (fd < 0 || ioctl(fd, FIONREAD, &avail) || avail != 0) {
			if (fd >= 0)
				sys_close(fd);
			return 0;
		}
		sys_close(fd);
	}
	return 1;
}

static unsigned long hex_at(const char **p)
{
	unsigned long v = 0;
	for (;; (*p)++) {
		char c = **p;
		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned long)(c - 'a' + 10);
		else
			return v;
	}
}

/* Is addr in a library's or the program's static data (a file-backed
 * writable mapping, or the anonymous one right after it: .bss)? A futex word
 * elsewhere is no libc lock: a thread descriptor's (pthread_join, which the
 * kernel clears at thread exit), a heap object's. */
int proc_in_static_data(unsigned long addr)
{
	static char maps[1 << 16];
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	ssize_t n = 0, r;
	if (fd < 0)
		return 0;
	while (n < (ssize_t)sizeof maps - 1 && (r = read(fd, maps + n, sizeof maps - 1 - n)) > 0)
		n += r;
	sys_close(fd);
	maps[n] = 0;
	unsigned long prev_end = 0;
	int prev_file_rw = 0;
	for (const char *p = maps; *p;) {
		unsigned long lo = hex_at(&p);
		p += *p == '-';
		unsigned long hi = hex_at(&p);
		const char *perms = p + 1, *eol = strchr(p, '\n'), *path = strchr(p, '/');
		if (!eol)
			eol = p + strlen(p);
		int file = path && path < eol, rw = perms[0] == 'r' && perms[1] == 'w';
		if (addr >= lo && addr < hi)
			return rw && (file || (prev_file_rw && prev_end == lo));
		prev_end = hi;
		prev_file_rw = file && rw;
		p = *eol ? eol + 1 : eol;
	}
	return 0;
}
