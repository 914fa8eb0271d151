/* SPDX-License-Identifier: MIT */
/* posix_memalign(). */
#define _GNU_SOURCE
#include <stdlib.h>

int main(void)
{
	void *b;
	if (posix_memalign(&b, 4096, 64))
		return 1;
	free(b);
	return 0;
}
