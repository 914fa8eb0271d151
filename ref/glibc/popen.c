/* SPDX-License-Identifier: MIT */
/*
 * popen: glibc 2.36 links popen streams on a chain under
 * proc_file_chain_lock (libio/iopopen.c); fork neither takes nor resets it
 * (2.41 does).  popen holds it while it spawns the command: bounded.
 *
 * pclose is deliberately NOT gated: it waits for the command to exit, which
 * the application controls, and fork must never wait for that.  Its own
 * critical section (unlinking the stream) is short but cannot be gated apart
 * from the wait: a known gap, stated in the man page.  Same for system().
 */
#include "gated.h"

#include <stdio.h>

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_popen = FORKLOCK_GATE_INIT("popen");

FORKLOCK_PUBLIC FILE *popen(const char *command, const char *mode)
{
	return GATED_CANCELLABLE(&forklock_gate_popen, popen, command, mode);
}
