/*
 * The glibc adapter's load-time setup: which gates are on, and the fork
 * hooks.  The hooks are registered from the earliest constructor so that
 * glibc (prepare handlers LIFO, child handlers FIFO) runs our prepare after
 * the application's and our child hook before theirs.  A handler registered
 * even earlier still works: the forking thread passes closed gates.
 */
#include <stdlib.h>
#include <string.h>

#include "gated.h"

#include "dl.h"

static struct forklock_gate *const gates[] = {
    &forklock_gate_random, &forklock_gate_env,     &forklock_gate_tz,     &forklock_gate_syslog,
    &forklock_gate_locale, &forklock_gate_gettext, &forklock_gate_iconv,  &forklock_gate_sem,
    &forklock_gate_nss,    &forklock_gate_popen,   &forklock_gate_atexit, &forklock_gate_dlopen,
    &forklock_gate_phdr,
};

#define GATE_COUNT (sizeof(gates) / sizeof(gates[0]))

static bool disable_by_name(const char *name, size_t len)
{
	bool all = len == 3 && memcmp(name, "all", 3) == 0;
	bool found = false;

	for (size_t i = 0; i < GATE_COUNT; i++) {
		if (all ||
		    (strlen(gates[i]->name) == len && memcmp(gates[i]->name, name, len) == 0)) {
			gates[i]->off = true;
			found = true;
		}
	}
	return found;
}

/* FORKLOCK_DISABLE=name[,name...]: read once, before any thread can exist. */
static void apply_disable_list(void)
{
	const char *list = getenv("FORKLOCK_DISABLE");

	while (list && *list) {
		size_t len = strcspn(list, ",");
		if (len && !disable_by_name(list, len) && forklock_debug_on) {
			char name[64];
			size_t n = len < sizeof(name) - 1 ? len : sizeof(name) - 1;
			memcpy(name, list, n);
			name[n] = 0;
			forklock_report("forklock: FORKLOCK_DISABLE: unknown gate \"", name,
			                "\"\n");
		}
		list += len + (list[len] == ',');
	}
}

static void report_gates(void)
{
	forklock_report("forklock: glibc adapter loaded; gates:", "", "");
	for (size_t i = 0; i < GATE_COUNT; i++)
		forklock_report(" ", gates[i]->name, gates[i]->off ? "(off)" : "");
	forklock_report(forklock_gates_need_fence ? "; fences" : "; membarrier", "", "\n");
}

__attribute__((constructor(101))) static void forklock_glibc_load(void)
{
	forklock_init();
	apply_disable_list();
	forklock_dlopen_init();
	forklock_phdr_init();
	forklock_adapter_install_init(); /* the fork hooks: now or later (install.c) */
	if (forklock_debug_on)
		report_gates();
}
