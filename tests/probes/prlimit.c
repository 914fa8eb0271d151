/* SPDX-License-Identifier: MIT */
/* prlimit(). */
#define _GNU_SOURCE
#include <sys/resource.h>

int main(void)
{
	struct rlimit old;
	return prlimit(0, RLIMIT_NOFILE, 0, &old);
}
