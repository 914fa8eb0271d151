/* SPDX-License-Identifier: MIT */
/*
 * The small library the soak loads and unloads: a constructor and a
 * destructor that allocate and free, and one function to call.
 */
#include <stdlib.h>
#include <string.h>

static char *state;

__attribute__((constructor)) static void soaklib_init(void)
{
	state = malloc(64);
	if (state)
		strcpy(state, "constructed");
}

__attribute__((destructor)) static void soaklib_fini(void)
{
	free(state);
	state = NULL;
}

int soaklib_value(void)
{
	return state && state[0] == 'c' ? 42 : -1;
}
