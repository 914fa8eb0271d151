/* SPDX-License-Identifier: MIT */
/*
 * A tracer that makes a signal arrive at a chosen instant of fork(), for the
 * SIGNAL-* cases (tests/signals.c). Without it a signal lands in the
 * child's few-microsecond repair window too rarely to judge.
 *
 * ft_start() (in a holding's setup, single-threaded) forks the tracer
 * process; ft_arm() (in the forking thread, just before its fork) has the
 * tracer attach to that thread with PTRACE_O_TRACEFORK. At the fork, the
 * kernel stops the parent thread inside the system call and the new child
 * before its first user-space instruction; the tracer queues the signal to
 * one of them and detaches both. The signal is then delivered as that
 * process returns to user space -- in the child before fork() has run one
 * instruction of its own, in the parent right after the system call --
 * unless the library blocked it around the system call.
 */
#ifndef MTFORK_FORKTRACE_H
#define MTFORK_FORKTRACE_H

enum ft_whom { FT_CHILD, FT_PARENT };

/* Fork the tracer (it waits for ft_arm). 0, or -1 with ft_why set. */
int ft_start(enum ft_whom whom, int sig);

/* In the thread about to fork: have the tracer attach to it (allowing it
 * under Yama's ptrace_scope 1). 0 once attached, or -1 with ft_why set
 * (ptrace not permitted in a container, say); the fork then goes untraced. */
int ft_arm(void);

/* After the fork (in the child or the parent): 1 when the tracer reported
 * the signal queued while the target was stopped at the fork, 0 if not
 * (yet). Reads without blocking. */
int ft_queued(void);

/* In the parent after its fork: reap the tracer (it exits once it has
 * detached). */
void ft_reap(void);

/* Why tracing is not possible here, or "" */
extern char ft_why[160];

#endif
