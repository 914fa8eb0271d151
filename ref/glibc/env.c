/* SPDX-License-Identifier: MIT */
/*
 * env: glibc's stdlib/setenv.c serialises changes to environ with envlock;
 * fork neither takes nor resets it.  Entry points: setenv, unsetenv, putenv
 * (which may also unset), clearenv.  getenv and secure_getenv read without
 * the lock.  The critical sections copy strings and may allocate: bounded.
 */
#include "gated.h"

#include <stdlib.h>

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_env = FORKLOCK_GATE_INIT("env");

FORKLOCK_PUBLIC int setenv(const char *name, const char *value, int overwrite)
{
	return GATED(&forklock_gate_env, setenv, name, value, overwrite);
}

FORKLOCK_PUBLIC int unsetenv(const char *name)
{
	return GATED(&forklock_gate_env, unsetenv, name);
}

FORKLOCK_PUBLIC int putenv(char *string)
{
	return GATED(&forklock_gate_env, putenv, string);
}

FORKLOCK_PUBLIC int clearenv(void)
{
	return GATED(&forklock_gate_env, clearenv);
}
