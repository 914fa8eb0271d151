/* SPDX-License-Identifier: MIT */
/* Finding glibc's definition of an entry point this library interposes. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

#include "gated.h"

FORKLOCK_HIDDEN void *forklock_next_symbol(const char *name)
{
	void *found = dlsym(RTLD_NEXT, name);

	if (!found) {
		forklock_report("forklock: no definition of ", name, " after libforklock\n");
		abort();
	}
	return found;
}
