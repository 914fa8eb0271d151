/* SPDX-License-Identifier: MIT */
/* libs: -lcompat */
/* syscall(): the harness's raw system calls (userfaultfd, seccomp, futex). */
#define _GNU_SOURCE
#include <unistd.h>
#include "../harness/sysno.h"

int main(void)
{
	return syscall(SYS_getpid) != getpid();
}
