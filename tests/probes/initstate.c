/* SPDX-License-Identifier: MIT */
/* random(), srandom(), initstate(), setstate(). */
#define _GNU_SOURCE
#include <stdlib.h>

int main(void)
{
	static char st[128];
	char *old = initstate(1, st, sizeof st);
	srandom(2);
	long r = random();
	return !setstate(old) || r < 0;
}
