/* SPDX-License-Identifier: MIT */
/* posix_spawn(), posix_spawnp() with attributes (signal masks). */
#define _GNU_SOURCE
#include <signal.h>
#include <spawn.h>

extern char **environ;

int main(void)
{
	pid_t pid;
	posix_spawnattr_t a;
	sigset_t s;
	char *argv[] = {"true", 0};
	sigfillset(&s);
	if (posix_spawnattr_init(&a) || posix_spawnattr_setsigmask(&a, &s))
		return 1;
	return posix_spawn(&pid, "/bin/true", 0, &a, argv, environ) &&
	       posix_spawnp(&pid, "true", 0, 0, argv, environ);
}
