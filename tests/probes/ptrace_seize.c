/* SPDX-License-Identifier: MIT */
/* ptrace() with PTRACE_SEIZE and fork events (<sys/ptrace.h>): the tracer
 * of the signal cases (tests/harness/forktrace.c). */
#define _GNU_SOURCE
#include <sys/ptrace.h>
#include <unistd.h>

int main(void)
{
	long msg = 0;
	if (ptrace(PTRACE_SEIZE, getppid(), 0, (void *)(long)PTRACE_O_TRACEFORK) == 0)
		ptrace(PTRACE_DETACH, getppid(), 0, 0);
	return (int)ptrace(PTRACE_GETEVENTMSG, getppid(), 0, &msg) == -2 && PTRACE_EVENT_FORK == 0;
}
