/* SPDX-License-Identifier: MIT */
/* fmemopen(): a FILE on a buffer. */
#define _GNU_SOURCE
#include <stdio.h>

int main(void)
{
	char b[8];
	FILE *f = fmemopen(b, sizeof b, "w+");
	return !f || fclose(f);
}
