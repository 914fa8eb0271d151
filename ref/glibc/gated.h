/* SPDX-License-Identifier: MIT */
/*
 * How a gated entry point is written: it resolves glibc's definition once
 * (dlsym RTLD_NEXT) and calls it inside the subsystem's gate, so fork sees no
 * thread inside the subsystem and glibc's internal lock is free when the
 * address space is copied.
 */
#ifndef FORKLOCK_GLIBC_GATED_H
#define FORKLOCK_GLIBC_GATED_H

#define _GNU_SOURCE
#include <pthread.h>

#include "../core/gate_fast.h"

/* dlsym(RTLD_NEXT, name), or a report and abort: a wrapper with no target is fatal. */
FORKLOCK_HIDDEN void *forklock_next_symbol(const char *name);

#define FORKLOCK_NEXT(fn)                                                                          \
	({                                                                                         \
		static __typeof__(fn) *next_;                                                      \
		__typeof__(fn) *found_ = __atomic_load_n(&next_, __ATOMIC_RELAXED);                \
		if (unlikely(!found_)) {                                                           \
			found_ = (__typeof__(fn) *)forklock_next_symbol(#fn);                      \
			__atomic_store_n(&next_, found_, __ATOMIC_RELAXED);                        \
		}                                                                                  \
		found_;                                                                            \
	})

/* Evaluates to fn(args) called inside gate. */
#define GATED(gate, fn, ...)                                                                       \
	({                                                                                         \
		__typeof__(fn) *real_ = FORKLOCK_NEXT(fn);                                         \
		int cookie_ = forklock_gate_enter_inline(gate);                                    \
		__typeof__(real_(__VA_ARGS__)) result_ = real_(__VA_ARGS__);                       \
		forklock_gate_leave_inline(gate, cookie_);                                         \
		result_;                                                                           \
	})

#define GATED_VOID(gate, fn, ...)                                                                  \
	do {                                                                                       \
		__typeof__(fn) *real_ = FORKLOCK_NEXT(fn);                                         \
		int cookie_ = forklock_gate_enter_inline(gate);                                    \
		real_(__VA_ARGS__);                                                                \
		forklock_gate_leave_inline(gate, cookie_);                                         \
	} while (0)

/*
 * For entry points that are cancellation points: a thread cancelled inside
 * must still leave the gate, or the next fork would wait for it forever.
 * pthread_cleanup_push, in C without -fexceptions, registers a jump buffer
 * that glibc's cancellation unwinding longjmps to: no unwinder is linked
 * into this library (with -fexceptions, cleanup attributes need
 * _Unwind_Resume and so libgcc_s.so.1, one more library mapped into every
 * process).  Costs one _setjmp per call, on calls that make system calls.
 */
#ifdef __EXCEPTIONS
#error "the glibc adapter is compiled without -fexceptions (see gated.h)"
#endif
/*
 * -Wclobbered: every local live across that _setjmp is assigned before it
 * and never changed after, except the result, which is volatile.
 */
#pragma GCC diagnostic ignored "-Wclobbered"

struct forklock_gate_exit {
	struct forklock_gate *gate;
	int cookie;
};

static inline void forklock_gate_exit_cleanup(void *arg)
{
	struct forklock_gate_exit *exit = arg;

	forklock_gate_leave_inline(exit->gate, exit->cookie);
}

/* `first` (an expression) is evaluated inside the gate, before the call:
 * what fork must see done together with the call (nss.c records there who
 * uses an enumeration). */
#define GATED_CANCELLABLE_FIRST(gate, first, fn, ...)                                              \
	({                                                                                         \
		__typeof__(fn) *real_ = FORKLOCK_NEXT(fn);                                         \
		struct forklock_gate_exit exit_ = {gate, forklock_gate_enter_inline(gate)};        \
		__typeof__(real_(__VA_ARGS__)) volatile result_;                                   \
		pthread_cleanup_push(forklock_gate_exit_cleanup, &exit_);                          \
		(void)(first);                                                                     \
		result_ = real_(__VA_ARGS__);                                                      \
		pthread_cleanup_pop(1);                                                            \
		result_;                                                                           \
	})

#define GATED_CANCELLABLE_FIRST_VOID(gate, first, fn, ...)                                         \
	do {                                                                                       \
		__typeof__(fn) *real_ = FORKLOCK_NEXT(fn);                                         \
		struct forklock_gate_exit exit_ = {gate, forklock_gate_enter_inline(gate)};        \
		pthread_cleanup_push(forklock_gate_exit_cleanup, &exit_);                          \
		(void)(first);                                                                     \
		real_(__VA_ARGS__);                                                                \
		pthread_cleanup_pop(1);                                                            \
	} while (0)

#define GATED_CANCELLABLE(gate, fn, ...)      GATED_CANCELLABLE_FIRST(gate, 0, fn, __VA_ARGS__)
#define GATED_CANCELLABLE_VOID(gate, fn, ...) GATED_CANCELLABLE_FIRST_VOID(gate, 0, fn, __VA_ARGS__)

/* install.c: registers the fork hooks (once); at load, the lazy triggers. */
FORKLOCK_HIDDEN void forklock_adapter_install(void);
FORKLOCK_HIDDEN void forklock_adapter_install_init(void);

/* The subsystems, for FORKLOCK_DISABLE. */
extern FORKLOCK_HIDDEN struct forklock_gate forklock_gate_random, forklock_gate_env,
    forklock_gate_tz, forklock_gate_syslog, forklock_gate_locale, forklock_gate_gettext,
    forklock_gate_iconv, forklock_gate_sem, forklock_gate_nss, forklock_gate_popen,
    forklock_gate_atexit;

#endif
