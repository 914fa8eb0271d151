/* SPDX-License-Identifier: MIT */
/* libs: -ldl */
/* dlopen() and friends, RTLD_NOLOAD included. */
#define _GNU_SOURCE
#include <dlfcn.h>

int main(void)
{
	void *h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	if (h)
		dlclose(h);
	return dlsym(RTLD_DEFAULT, "main") == 0 && dlerror() == 0;
}
