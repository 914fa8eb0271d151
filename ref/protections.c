/* SPDX-License-Identifier: MIT */
/* Prints the glibc adapter's protection names, one per line (make ref-protections). */
#include <stdio.h>

#include "glibc/protections.h"

#define PRINT(name) puts(#name);

int main(void)
{
	FORKLOCK_PROTECTIONS(PRINT)
	return 0;
}
