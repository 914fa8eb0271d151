/* SPDX-License-Identifier: MIT */
/*
 * SIGNAL — signals around fork (spec/signals.adoc).
 *
 *   SIGNAL-1  a signal that reaches the child before fork() has repaired the
 *             library stays pending until the repair is done: a handler
 *             that allocates (.malloc-in-handler) or forks again
 *             (.fork-in-handler, async-signal-safe in the single-threaded
 *             child by PROGRESS-5) works.
 *   SIGNAL-2  (MAY) a handler that runs in the parent's forking thread
 *             inside fork(), after the prepare handlers: where it ran and
 *             whether it could allocate is recorded.
 *
 * The signal is placed by a tracer (lib/forktrace.h): it stops the child
 * before its first user-space instruction, or the parent inside the
 * system call, and queues the signal there. Where ptrace is not permitted
 * the cases skip with that reason. A handler that deadlocks in the child
 * is proven by the judge (a single-threaded child in an untimed private
 * futex wait); in the parent, by the forking thread parked on a futex
 * inside fork(), which only its own return could release.
 *
 * Holding: a thread parked in the application (the process has more than
 * one thread; fork takes no lock for it).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "harness/fixture.h"
#include "harness/forktrace.h"
#include "harness/mtfork.h"
#include "clauses.h"

/* Bigger than any per-thread cache and smaller than the mmap threshold:
 * served under the arena lock fork holds. */
#define ALLOC_SIZE (64 * 1024)

static void arm(void)
{
	ft_arm(); /* on failure ft_why says why; the probe skips with it */
}

static void on(int sig, void (*handler)(int))
{
	struct sigaction sa = {.sa_handler = handler, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, 0);
}

/* --- SIGNAL-1 ------------------------------------------------------------ */

static volatile sig_atomic_t handled, allocated;

static void allocating_handler(int s)
{
	(void)s;
	void *volatile b = malloc(ALLOC_SIZE);
	allocated = b != 0;
	free(b);
	handled = 1;
}

static void trace_child(void (*handler)(int))
{
	on(SIGUSR1, handler);
	if (ft_start(FT_CHILD, SIGUSR1))
		return;
	pthread_atfork(0, ft_reap, 0); /* after ft_start: its own fork needs no reaping */
	run_before_fork(arm);
}

static void child_alloc_setup(void)
{
	trace_child(allocating_handler);
}

static void child_fork_setup(void)
{
	trace_child(fx_fork_in_handler);
}

static const struct holding child_signal_alloc = {
    .name = "a signal queued to the child before its first instruction (handler allocates)",
    .setup = child_alloc_setup,
    .ways = fx_parked_thread,
};

static const struct holding child_signal_fork = {
    .name = "a signal queued to the child before its first instruction (handler forks)",
    .setup = child_fork_setup,
    .ways = fx_parked_thread,
};

static int traced(struct probe *p)
{
	if (ft_why[0])
		return probe_skip(p, ft_why);
	if (!ft_queued())
		return probe_skip(p, "the tracer did not queue the signal at the fork");
	return PROBE_OK;
}

static const char not_delivered[] = "the signal queued before the child's first instruction had "
                                    "not been handled when fork() returned";

static int probe_alloc(struct probe *p)
{
	if (traced(p))
		return PROBE_SKIP;
	if (!handled)
		return probe_wrong(p, not_delivered);
	if (!allocated)
		return probe_wrong(p, "malloc() in the handler returned NULL");
	return PROBE_OK;
}

static int probe_fork(struct probe *p)
{
	if (traced(p))
		return PROBE_SKIP;
	if (!fx_handler_forks && !fx_handler_errors)
		return probe_wrong(p, not_delivered);
	if (fx_handler_errors)
		return probe_wrong(p, "fork() in the handler failed or its child did not exit 0");
	return PROBE_OK;
}

/* --- SIGNAL-2 ------------------------------------------------------------ */

/* What the parent's handler did, visible to the child (shared page). */
struct record {
	volatile int done, inside, allocated;
};
static struct record *rec;
static volatile int in_fork; /* between the last prepare and the first parent handler */

static void parent_handler(int s)
{
	(void)s;
	rec->inside = in_fork;
	void *volatile b = malloc(ALLOC_SIZE);
	rec->allocated = b != 0;
	free(b);
	rec->done = 1;
}

static void prepare_last(void)
{
	in_fork = 1;
}

static void parent_first(void)
{
	in_fork = 0;
	ft_reap();
}

static void parent_signal_setup(void)
{
	rec = mmap(0, sizeof *rec, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rec == MAP_FAILED) {
		rec = 0;
		return;
	}
	on(SIGUSR2, parent_handler);
	if (ft_start(FT_PARENT, SIGUSR2))
		return;
	/* registered first: its prepare handler runs last, its parent handler
	 * first */
	pthread_atfork(prepare_last, parent_first, 0);
	run_before_fork(arm);
}

static const struct holding parent_signal = {
    .name = "a signal queued to the forking thread inside the fork system call",
    .setup = parent_signal_setup,
    .ways = fx_parked_thread,
};

/* The parent's handler runs as its fork() returns; the child waits for its
 * record (bounded) and reports it. */
static int probe_parent_record(struct probe *p)
{
	if (!rec)
		return probe_skip(p, "mmap of the shared record failed");
	if (traced(p))
		return PROBE_SKIP;
	struct timespec tick = {0, 1000000};
	for (int ms = probe_ms(2000); !rec->done && ms > 0; ms--)
		nanosleep(&tick, 0);
	if (!rec->done)
		return probe_wrong(p, "the parent's handler had not completed (deadlocked, or "
		                      "never delivered)");
	if (!rec->allocated)
		return probe_wrong(p, "malloc() in the parent's handler returned NULL");
	if (!rec->inside)
		return probe_ok_note(p, "the handler ran after fork() returned in the parent; "
		                        "malloc() in it returned");
	return probe_ok_note(p, "the handler ran inside fork() (after the prepare handlers, "
	                        "before the parent handlers); malloc() in it returned");
}

static const struct mtcase cases[] = {
    CASE(SIGNAL_1, "malloc-in-handler", &child_signal_alloc, probe_alloc),
    CASE(SIGNAL_1, "fork-in-handler", &child_signal_fork, probe_fork),
    CASE(SIGNAL_2, "malloc-in-parent-handler", &parent_signal, probe_parent_record),
};

MTFORK_MAIN(cases)
