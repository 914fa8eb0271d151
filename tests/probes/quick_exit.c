/* SPDX-License-Identifier: MIT */
/* quick_exit() and at_quick_exit() (C11). */
#define _GNU_SOURCE
#include <stdlib.h>

static void nop(void)
{
}

int main(void)
{
	if (at_quick_exit(nop))
		return 1;
	quick_exit(0);
}
