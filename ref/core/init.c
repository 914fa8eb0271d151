/* SPDX-License-Identifier: MIT */
/* Load-time setup of the core: environment, gates. */
#include <stdlib.h>

#include "internal.h"

static atomic_int initialised;

static bool env_flag(const char *name)
{
	const char *value = getenv(name);

	return value && *value && !(value[0] == '0' && value[1] == 0);
}

FORKLOCK_HIDDEN void forklock_init(void)
{
	int expected = 0;

	if (!atomic_compare_exchange_strong(&initialised, &expected, 1))
		return;
	if (env_flag("FORKLOCK_DEBUG"))
		forklock_debug_on = true;
	forklock_gates_init();
}

/* Earliest priority: other constructors in this object may use the core. */
__attribute__((constructor(101))) static void forklock_load(void)
{
	forklock_init();
}
