/* SPDX-License-Identifier: MIT */
/* fopencookie(): a FILE with the program's own I/O functions. */
#define _GNU_SOURCE
#include <stdio.h>

static ssize_t wr(void *c, const char *b, size_t n)
{
	(void)c;
	(void)b;
	return (ssize_t)n;
}

int main(void)
{
	cookie_io_functions_t io = {.write = wr};
	FILE *f = fopencookie(NULL, "w", io);
	return !f || fclose(f);
}
