/* SPDX-License-Identifier: MIT */
/* dl_iterate_phdr(): the loaded objects. */
#define _GNU_SOURCE
#include <link.h>
#include <stddef.h>

static int one(struct dl_phdr_info *i, size_t size, void *arg)
{
	(void)i;
	(void)size;
	return arg != 0;
}

int main(void)
{
	return dl_iterate_phdr(one, 0);
}
