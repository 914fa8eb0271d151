/* SPDX-License-Identifier: MIT */
/* execvpe(): execvp with an environment. */
#define _GNU_SOURCE
#include <unistd.h>

extern char **environ;

int main(void)
{
	char *argv[] = {"/nonexistent/x", 0};
	return execvpe(argv[0], argv, environ) != -1;
}
