/* SPDX-License-Identifier: MIT */
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

/* The one reader of /proc/.../status: the value of "KEY:" (blanks after the
 * colon skipped, up to the line's end) for pid (0: this process) or, when
 * tid is nonzero, its thread tid, into out; its length, or -1. */
int proc_status_field(pid_t pid, pid_t tid, const char *key, char *out, size_t size);
/* The same as a number (the first one in the value), or -1. */
long proc_status_num(pid_t pid, const char *key);

/* Number of threads of pid (from /proc/PID/status), or -1. */
int proc_threads(pid_t pid);

/* A futex wait of any kind: the thread waits for somebody to release a lock. */
int sc_futex_wait(const struct sc_sample *s);

/* A FUTEX_WAIT or FUTEX_WAIT_BITSET on a *private* futex with no timeout:
 * in a single-threaded process nothing can ever wake it. */
int sc_unwakeable_wait(const struct sc_sample *s);

/* A FUTEX_WAIT or FUTEX_WAIT_BITSET without the private flag and with no
 * timeout (libstdc++'s static-initialisation guard): its word's address in
 * arg[0]. On a private anonymous page the kernel keys it by the process's
 * memory, as a private one (proc_stuck_confirm checks the page). */
int sc_shared_untimed_wait(const struct sc_sample *s);

/* A whole process stuck: every thread in a wait nothing outside the process
 * can end (a private untimed futex wait, or a shared one on a private
 * anonymous page; read() on a pipe whose every write end the process itself
 * holds; an untimed rt_sigtimedwait when no POSIX
 * timer and no child process can send a signal). proc_stuck_sample reads
 * every thread (cheap: 1 when each is in such a wait, with a signature of
 * all their states); proc_stuck_confirm does the costly checks once two
 * samples agree (timers, children, every process's descriptors). */
struct stuck_state {
	int threads, signals, npipes, futexes;
	unsigned long sig;
	long pipes[8];    /* read() waits: the pipes' inodes ... */
	long pipe_fds[8]; /* ... and the descriptors read, in the waiting process */
	int nshared;
	unsigned long shared[8]; /* untimed non-private futex waits: their words */
	struct sc_sample first;
};
int proc_stuck_sample(pid_t pid, struct stuck_state *s);
/* 1 when pid is runnable but has had the processor for less than a quarter
 * of elapsed_ms: a loaded machine starving it, not a hang. */
int proc_starved(pid_t pid, long elapsed_ms);
/* 1 when pid (single-threaded) is inside exit_group(): past every library
 * call, the kernel tearing it down (a mount namespace's release waits for
 * RCU grace periods, slow on a loaded machine). */
int proc_exiting(pid_t pid);
/* 1 when pid is blocked (not runnable) and has a process of its own: a probe
 * waiting for its helper or grandchild, which its own bound limits. */
int proc_awaits_child(pid_t pid);
int proc_stuck_confirm(pid_t pid, const struct stuck_state *s);

/* Read a small file into buf (NUL-terminated); its length, or -1. */
ssize_t proc_read_file(const char *path, char *buf, size_t size);

/* Call fn(n, arg) for each numeric entry of directory path (no malloc);
 * stops early when fn returns nonzero and returns that, or -1 when the
 * directory cannot be read. */
int proc_each_number(const char *path, int (*fn)(long n, void *arg), void *arg);

/* Two samples of the same blocked state. */
int sc_same(const struct sc_sample *a, const struct sc_sample *b);

/* close(2) as a bare system call. A libc's close() may do more: musl's
 * cancels the descriptor's aio requests, taking its aio lock, which a
 * thread may hold forever at fork (musl 1.2.3). After holding, the harness
 * closes with this. */
void sys_close(int fd);

/* Is addr in a library's or the program's static data (a file-backed
 * writable mapping of this process, or the anonymous one right after it:
 * .bss)? From /proc/self/maps. */
int proc_in_static_data(unsigned long addr);

/* Append decimal n to dst (no locale, no stdio); returns the new end. */
char *put_dec(char *dst, long n);
/* Append n in hexadecimal (0x...) to dst; returns the new end. */
char *put_hex(char *dst, unsigned long n);

#endif
