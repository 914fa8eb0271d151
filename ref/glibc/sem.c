/* SPDX-License-Identifier: MIT */
/*
 * sem: glibc keeps the table of named-semaphore mappings under
 * sem_mappings_lock (sysdeps/pthread/sem_routines.c); fork neither takes nor
 * resets it.  Entry points: sem_open and sem_close (sem_unlink takes none).
 * sem_open creates and maps a file in /dev/shm: bounded.
 */
#include "gated.h"

#include <fcntl.h>
#include <semaphore.h>
#include <stdarg.h>

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_sem = FORKLOCK_GATE_INIT("sem");

FORKLOCK_PUBLIC sem_t *sem_open(const char *name, int flags, ...)
{
	mode_t mode = 0;
	unsigned value = 0;

	if (flags & O_CREAT) {
		va_list args;
		va_start(args, flags);
		mode = va_arg(args, mode_t);
		value = va_arg(args, unsigned);
		va_end(args);
	}
	return GATED_CANCELLABLE(&forklock_gate_sem, sem_open, name, flags, mode, value);
}

FORKLOCK_PUBLIC int sem_close(sem_t *sem)
{
	return GATED(&forklock_gate_sem, sem_close, sem);
}
