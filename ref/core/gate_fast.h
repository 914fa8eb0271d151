/* SPDX-License-Identifier: MIT */
/*
 * The gate fast path, inlined into every gated entry point.
 *
 * Each thread owns a record with its gate nesting depth; only the owner
 * writes it, so entering and leaving touch no shared cache line.  fork sets
 * the shared "closed" word and then needs, for every thread, either to see
 * that thread's depth or to have that thread see "closed" (Dekker).  The
 * forker supplies the expensive half of that barrier with
 * membarrier(PRIVATE_EXPEDITED); the threads then need only a compiler
 * barrier.  Where membarrier is unavailable both sides use a full fence.
 */
#ifndef FORKLOCK_GATE_FAST_H
#define FORKLOCK_GATE_FAST_H

#include "internal.h"

struct forklock_thread {
	atomic_uint depth;            /* gates this thread is inside; written by its owner only */
	atomic_int claimed;           /* 1 while a live thread owns the record */
	const void *owner;            /* forklock_self_id() of that thread */
	struct forklock_thread *next; /* all records ever made; never freed */
	char pad[64 - sizeof(unsigned) - sizeof(int) - 2 * sizeof(void *)];
};

extern FORKLOCK_HIDDEN __thread struct forklock_thread *forklock_self_record
    __attribute__((tls_model("initial-exec")));
extern FORKLOCK_HIDDEN bool forklock_gates_need_fence;

FORKLOCK_HIDDEN struct forklock_thread *forklock_thread_claim(void);
/* Run by forklock_thread_claim (a thread's first gate), if set: adapters
 * that register the fork hooks lazily install them there (glibc/install.c). */
extern FORKLOCK_HIDDEN void (*forklock_first_gate_hook)(void);
FORKLOCK_HIDDEN void forklock_gate_wait_open(struct forklock_thread *self);
FORKLOCK_HIDDEN void forklock_gate_notify_closer(void);

/* Orders this thread's depth store before its load of the closed word. */
static inline void forklock_gate_store_load_barrier(void)
{
	if (unlikely(forklock_gates_need_fence))
		atomic_thread_fence(memory_order_seq_cst);
	else
		atomic_signal_fence(memory_order_seq_cst);
}

static inline int forklock_gate_enter_inline(struct forklock_gate *gate)
{
	struct forklock_thread *self;
	unsigned depth;

	if (gate->off)
		return 0;
	self = forklock_self_record;
	if (unlikely(!self))
		self = forklock_thread_claim();
	depth = atomic_load_explicit(&self->depth, memory_order_relaxed);
	atomic_store_explicit(&self->depth, depth + 1, memory_order_relaxed);
	if (depth == 0) {
		forklock_gate_store_load_barrier();
		if (unlikely(atomic_load_explicit(&forklock_fork_state.gates_closed,
		                                  memory_order_relaxed)))
			forklock_gate_wait_open(self);
		if (unlikely(forklock_debug_on))
			forklock_debug_gate_enter(gate);
	}
	return 1;
}

static inline void forklock_gate_leave_inline(struct forklock_gate *gate, int cookie)
{
	struct forklock_thread *self = forklock_self_record;
	unsigned depth;

	(void)gate;
	if (!cookie)
		return;
	depth = atomic_load_explicit(&self->depth, memory_order_relaxed) - 1;
	/* Release: the libc call's own stores are visible before the forker sees 0. */
	atomic_store_explicit(&self->depth, depth, memory_order_release);
	if (depth == 0) {
		forklock_gate_store_load_barrier();
		if (unlikely(atomic_load_explicit(&forklock_fork_state.gates_closed,
		                                  memory_order_relaxed)))
			forklock_gate_notify_closer();
	}
}

#endif
