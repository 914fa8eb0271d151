/* SPDX-License-Identifier: MIT */
/* open_memstream(): a FILE on a growing buffer. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	char *b = 0;
	size_t n = 0;
	FILE *f = open_memstream(&b, &n);
	if (!f || fclose(f))
		return 1;
	free(b);
	return 0;
}
