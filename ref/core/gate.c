/* SPDX-License-Identifier: MIT */
/*
 * Gates: the slow paths behind gate_fast.h, and the one registered lock that
 * closes every gate at fork and waits until no thread is inside one.
 */
#define _GNU_SOURCE
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "gate_fast.h"

FORKLOCK_HIDDEN __thread struct forklock_thread *forklock_self_record
    __attribute__((tls_model("initial-exec")));
/* Safe default until membarrier registration succeeds at load. */
FORKLOCK_HIDDEN bool forklock_gates_need_fence = true;

static _Atomic(struct forklock_thread *) all_records;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
FORKLOCK_HIDDEN void (*forklock_first_gate_hook)(void);

/* A thread that exits gives its record back; a record is never unmapped. */
static void release_record(void *arg)
{
	struct forklock_thread *rec = arg;

	atomic_store_explicit(&rec->depth, 0, memory_order_relaxed);
	rec->owner = NULL;
	atomic_store_explicit(&rec->claimed, 0, memory_order_release);
}

static void make_exit_key(void)
{
	if (pthread_key_create(&exit_key, release_record) != 0)
		forklock_report("forklock: ", "cannot create the thread-exit key", "\n");
}

static struct forklock_thread *claim_free_record(void)
{
	struct forklock_thread *rec;

	for (rec = atomic_load_explicit(&all_records, memory_order_acquire); rec; rec = rec->next) {
		int expected = 0;
		if (atomic_compare_exchange_strong(&rec->claimed, &expected, 1))
			return rec;
	}
	return NULL;
}

/* mmap, not malloc: a gated call may run in a signal handler or during malloc's fork. */
static struct forklock_thread *make_records(void)
{
	size_t count = 4096 / sizeof(struct forklock_thread);
	struct forklock_thread *chunk;

	chunk = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (chunk == MAP_FAILED)
		return NULL;
	atomic_store_explicit(&chunk[0].claimed, 1, memory_order_relaxed);
	for (size_t i = 0; i < count; i++) {
		struct forklock_thread *head = atomic_load(&all_records);
		do
			chunk[i].next = head;
		while (!atomic_compare_exchange_weak(&all_records, &head, &chunk[i]));
	}
	return &chunk[0];
}

FORKLOCK_HIDDEN struct forklock_thread *forklock_thread_claim(void)
{
	struct forklock_thread *rec;
	int saved = errno;

	if (forklock_first_gate_hook)
		forklock_first_gate_hook();
	pthread_once(&exit_key_once, make_exit_key);
	rec = claim_free_record();
	if (!rec)
		rec = make_records();
	if (!rec) {
		forklock_report("forklock: ", "out of memory for thread records", "\n");
		abort();
	}
	rec->owner = forklock_self_id();
	pthread_setspecific(exit_key, rec);
	forklock_self_record = rec;
	errno = saved;
	return rec;
}

FORKLOCK_HIDDEN void forklock_gate_notify_closer(void)
{
	atomic_fetch_add(&forklock_fork_state.drain_seq, 1);
	forklock_futex_wake_all(&forklock_fork_state.drain_seq);
}

/* A waiter marks the word 2 first, so that opening wakes only when someone waits. */
static void wait_until_open(void)
{
	atomic_int *closed = &forklock_fork_state.gates_closed;
	int seen;

	while ((seen = atomic_load_explicit(closed, memory_order_acquire)) != 0) {
		if (seen == 1 && !atomic_compare_exchange_weak(closed, &seen, 2))
			continue;
		forklock_futex_wait(closed, 2);
	}
}

/* Called at the outermost entry when fork is closing the gates. */
FORKLOCK_HIDDEN void forklock_gate_wait_open(struct forklock_thread *self)
{
	if (self == atomic_load_explicit(&forklock_fork_state.closer, memory_order_relaxed))
		return;
	do {
		atomic_store_explicit(&self->depth, 0, memory_order_release);
		forklock_gate_store_load_barrier();
		forklock_gate_notify_closer();
		wait_until_open();
		atomic_store_explicit(&self->depth, 1, memory_order_relaxed);
		forklock_gate_store_load_barrier();
	} while (atomic_load_explicit(&forklock_fork_state.gates_closed, memory_order_relaxed));
}

/* The forker's half of the Dekker barrier with every gated thread. */
static void barrier_all_threads(void)
{
	if (forklock_gates_need_fence ||
	    syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
		atomic_thread_fence(memory_order_seq_cst);
}

static bool another_thread_inside(const struct forklock_thread *self)
{
	struct forklock_thread *rec;

	for (rec = atomic_load_explicit(&all_records, memory_order_acquire); rec; rec = rec->next)
		if (rec != self && atomic_load_explicit(&rec->depth, memory_order_acquire))
			return true;
	return false;
}

static void close_gates(void *unused)
{
	struct forklock_thread *self = forklock_self_record;

	(void)unused;
	if (!self)
		self = forklock_thread_claim();
	atomic_store(&forklock_fork_state.closer, self);
	atomic_store(&forklock_fork_state.gates_closed, 1);
	barrier_all_threads();
	for (;;) {
		int seq = atomic_load(&forklock_fork_state.drain_seq);
		if (!another_thread_inside(self))
			break;
		forklock_futex_wait(&forklock_fork_state.drain_seq, seq);
	}
}

static void open_gates(void *unused)
{
	(void)unused;
	atomic_store(&forklock_fork_state.closer, NULL);
	/* The system call only when a thread waits (the common fork has none). */
	if (atomic_exchange_explicit(&forklock_fork_state.gates_closed, 0, memory_order_release) ==
	    2)
		forklock_futex_wake_all(&forklock_fork_state.gates_closed);
}

/* In the child every other record belongs to a thread that does not exist. */
static FORKLOCK_CHILD_ONLY void reset_gates(void *unused)
{
	struct forklock_thread *self = forklock_self_record;
	struct forklock_thread *rec;

	(void)unused;
	/* Stores only where something changes: an untouched page is never copied. */
	for (rec = atomic_load(&all_records); rec; rec = rec->next) {
		if (rec == self || !atomic_load_explicit(&rec->claimed, memory_order_relaxed))
			continue;
		atomic_store_explicit(&rec->depth, 0, memory_order_relaxed);
		rec->owner = NULL;
		atomic_store_explicit(&rec->claimed, 0, memory_order_relaxed);
	}
	atomic_store(&forklock_fork_state.closer, NULL);
	atomic_store(&forklock_fork_state.drain_seq, 0);
	atomic_store(&forklock_fork_state.gates_closed, 0);
	/* The membarrier registration is copied with the address space: nothing to renew. */
}

static const struct forklock_ops gate_ops = {close_gates, open_gates, reset_gates};
static struct forklock gates_lock = FORKLOCK_INIT("gates", FORKLOCK_RANK_GATES, &gate_ops, NULL);

FORKLOCK_HIDDEN void forklock_gates_init(void)
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
		forklock_gates_need_fence = false;
	forklock_register(&gates_lock);
}

FORKLOCK_PUBLIC int forklock_gate_enter(struct forklock_gate *gate)
{
	return forklock_gate_enter_inline(gate);
}

FORKLOCK_PUBLIC void forklock_gate_leave(struct forklock_gate *gate, int cookie)
{
	forklock_gate_leave_inline(gate, cookie);
}
