/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the loader, dlopen-ctor, threads, process, baseline,
 * spawn and progress tests: fixture libraries, bounded sub-processes of the
 * MT-forked child, and holdings several test files reuse.
 *
 * Everything here that a probe calls uses system calls and string code only
 * (no stdio, no malloc): the child may have inherited those locks held.
 */
#ifndef MTFORK_FIXTURE_H
#define MTFORK_FIXTURE_H

#include <sys/types.h>

#include "mtfork.h"

/* The fixture libraries the suite builds for each target live in
 * <dir of this binary>/../fixtures/. fx_path("libmtf_new.so") gives the full
 * path, from a static table (computed once; call it first in a setup). */
const char *fx_path(const char *lib);

/* The descriptors fixture destructors and constructors report on (see
 * tests/fixtures/ctor.c and dtor.c): a probe dup2()s a pipe there. */
enum { FX_DTOR_FD = 200, FX_CTOR_FD = 201 };

/* Bounded wait for a child of the calling process: its wait status, or -1
 * when it did not end within ms (scaled by MTFORK_TIMEOUT_MUL) or was proven
 * deadlocked (single-threaded, parked twice in the same untimed private futex
 * wait: fx_deadlocked is then 1); it is then killed and reaped. */
int fx_wait(pid_t pid, int ms);

/* A signal handler that forks (with fx_handler_fork: fork by default) and
 * reaps an empty child, counting successes and failures (PROGRESS-5,
 * RAWFORK-2). */
void fx_fork_in_handler(int s);
extern pid_t (*fx_handler_fork)(void);
extern volatile int fx_handler_forks, fx_handler_errors;
extern int fx_deadlocked;

/* Fork (with fork()) a sub-process that returns fn(arg) as its exit status
 * through _exit; fx_wait for it. -2 if fork failed. */
int fx_sub(int (*fn)(void *), void *arg, int ms);

/* The same with _Fork() where the libc has it (-3 if it has not). */
int fx_sub_rawfork(int (*fn)(void *), void *arg, int ms);

/* A thread of the calling process that waits until fx_idle_stop() (used to
 * make the child multi-threaded); 0 on success. */
int fx_idle_start(void);
void fx_idle_stop(void);

/* Read the whole of a small /proc file into buf (NUL-terminated); length or -1. */
int fx_read_file(const char *path, char *buf, int size);
/* The number after "Key:" in /proc/self/status (or -1). */
long fx_status_num(const char *key);

/* Holdings several test files share (tests/harness/holdings.c). */
extern const struct holding fx_malloc_holding; /* malloc arena lock */
extern const struct holding fx_loader_holding; /* loader lock: dlopen path on a uffd page */
/* Their parts, for a test file's own holding of the same lock with a setup
 * of its own (which must call the holding's setup). */
extern const struct way fx_malloc_ways[], fx_loader_ways[], fx_stdio_ways[];
void fx_malloc_setup(void), fx_loader_setup(void), fx_stdio_setup(void);
void fx_malloc_verify(void), fx_loader_verify(void), fx_stdio_verify(void);
/* The malloc holding's ways, for holdings that do more first: glibc's
 * malloc_stats() parked in its output with an arena lock taken; a hammer. */
void fx_malloc_stats_parked(struct hold *h), fx_malloc_hammer(struct hold *h);
/* malloc stopped by seccomp in the mapping it makes with its lock taken */
void fx_malloc_mapping(struct hold *h);
/* The loader's uffd way: dlopen() of libmtf_a.so with its path on the page. */
void fx_dlopen_on_page(struct hold *h);
void fx_fill_path_a(char *page, size_t n);
/* Its seccomp way: dlopen() of libmtf_a.so stopped in the library's open. */
void fx_dlopen_opening(struct hold *h);
extern const struct holding fx_stdio_holding; /* open-file list lock: fflush(NULL) */
/* One WAY_APP way: a thread parked in the application (no lock), for cases
 * that only need the parent to have more than one thread. */
extern const struct way fx_parked_thread[];
extern const struct holding fx_ctor_holding; /* a library constructor running (WAY_APP) */
/* The loader's object-list lock: a dl_iterate_phdr() callback parks. */
extern const struct holding fx_phdr_holding;
extern const struct way fx_phdr_ways[];
void fx_phdr_verify(void);
/* glibc's SIGEV_THREAD timer list lock (its helper thread parked while it
 * creates a notification thread); its verifier: create and delete one. */
extern const struct holding fx_timer_holding;
void fx_timer_create_and_delete(void);
/* Process creation stopped before its exec (tests/harness/spawnhold.c): a helper
 * thread, started by the setup, calls posix_spawn(), system() or popen(), and
 * a seccomp user notification stops the new process's execve() until the
 * holder is released; meanwhile the helper is inside the libc function with
 * whatever lock it holds around process creation (musl: the abort lock;
 * glibc 2.36 popen: the list of popen streams). Fallback: stochastic. */
extern const struct holding fx_posix_spawn_holding;
extern const struct way fx_posix_spawn_ways[]; /* for another holding of the same lock */
extern const struct holding fx_system_holding;
extern const struct holding fx_popen_holding;
/* For other holdings of the same lock (ABORT-1 on musl). */
void fx_spawnhold_setup_posix_spawn(void);
void fx_spawnhold_enter(struct hold *h);
void fx_spawn_true(void); /* posix_spawn /bin/true and wait: needs musl's abort lock */
/* Make every later clone/fork/vfork/clone3 of the calling thread fail with
 * EAGAIN (a seccomp filter on this thread only); 0 on success. */
int fx_deny_process_creation(void);

#endif
