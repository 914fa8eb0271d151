/* SPDX-License-Identifier: MIT */
/* aligned_alloc() (C11). */
#define _GNU_SOURCE
#include <stdlib.h>

int main(void)
{
	void *(*volatile call)(size_t, size_t) = aligned_alloc;
	void *b = call(4096, 4096);
	free(b);
	return !b;
}
