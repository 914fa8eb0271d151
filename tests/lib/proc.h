/* Reading what a process or thread is blocked in, from /proc. These run in
 * the controller after a libc lock may be held by a parked thread, so they
 * use only open/read/close and their own number formatting: no stdio, no
 * malloc, no locale. */
#ifndef MTFORK_PROC_H
#define MTFORK_PROC_H

#include <sys/types.h>

struct sc_sample {
	int valid;            /* the file was read and parsed */
	int in_syscall;       /* blocked in a system call (not "running") */
	long nr;              /* its number */
	unsigned long arg[6]; /* its arguments */
	char raw[160];        /* the line, for comparing two samples */
};

/* Sample /proc/PID/syscall, or /proc/self/task/TID/syscall when pid == 0. */
void proc_sample(pid_t pid, pid_t tid, struct sc_sample *s);

/* Number of threads of pid (from /proc/PID/status), or -1. */
int proc_threads(pid_t pid);

/* A futex wait of any kind: the thread waits for somebody to release a lock. */
int sc_futex_wait(const struct sc_sample *s);

/* A FUTEX_WAIT or FUTEX_WAIT_BITSET on a *private* futex with no timeout:
 * in a single-threaded process nothing can ever wake it. */
int sc_unwakeable_wait(const struct sc_sample *s);

/* Two samples of the same blocked state. */
int sc_same(const struct sc_sample *a, const struct sc_sample *b);

/* close(2) as a bare system call. A libc's close() may do more: musl's
 * cancels the descriptor's aio requests, taking its aio lock, which a
 * thread may hold forever at fork (musl 1.2.3). After holding, the harness
 * closes with this. */
void sys_close(int fd);

/* Append decimal n to dst (no locale, no stdio); returns the new end. */
char *put_dec(char *dst, long n);
/* Append n in hexadecimal (0x...) to dst; returns the new end. */
char *put_hex(char *dst, unsigned long n);

#endif
