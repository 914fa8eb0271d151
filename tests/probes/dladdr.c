/* SPDX-License-Identifier: MIT */
/* libs: -ldl */
/* dladdr(): which object a symbol is in. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

int main(void)
{
	Dl_info i;
	return !dladdr((void *)printf, &i) || !i.dli_fname;
}
