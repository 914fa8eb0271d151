/* SPDX-License-Identifier: MIT */
/* getpwent_r(): a GNU extension (glibc has it; musl does not). */
#define _GNU_SOURCE
#include <pwd.h>
#include <stddef.h>

int main(void)
{
	static char buffer[4096];
	struct passwd pw, *found = NULL;
	int err = getpwent_r(&pw, buffer, sizeof buffer, &found);
	endpwent();
	return err != 0 && found != NULL;
}
