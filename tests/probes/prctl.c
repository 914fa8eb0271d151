/* SPDX-License-Identifier: MIT */
/* prctl() with the Linux prototype (pointer arguments pass as they are). */
#define _GNU_SOURCE
#include <sys/prctl.h>

int main(void)
{
	char name[16];
	return prctl(PR_GET_NAME, name, 0, 0, 0);
}
