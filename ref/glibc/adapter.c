/* SPDX-License-Identifier: MIT */
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

#include "protections.h"

#define DECLARE_GATE(name) extern FORKLOCK_HIDDEN struct forklock_gate forklock_gate_##name;
FORKLOCK_PROTECTIONS(DECLARE_GATE)

#define GATE_ENTRY(name) {#name, &forklock_gate_##name},
static const struct {
	const char *name;
	struct forklock_gate *gate;
} gates[] = {FORKLOCK_PROTECTIONS(GATE_ENTRY)};

#define NAME_WORD(name) " " #name
static const char valid_names[] = FORKLOCK_PROTECTIONS(NAME_WORD);

#define GATE_COUNT (sizeof(gates) / sizeof(gates[0]))

static bool disable_by_name(const char *name, size_t len)
{
	bool all = len == 3 && memcmp(name, "all", 3) == 0;
	bool found = false;

	for (size_t i = 0; i < GATE_COUNT; i++) {
		if (all ||
		    (strlen(gates[i].name) == len && memcmp(gates[i].name, name, len) == 0)) {
			gates[i].gate->off = true;
			found = true;
		}
	}
	return found;
}

/*
 * FORKLOCK_DISABLE=name[,name...]: read once, before any thread can exist.
 * An unknown name is reported in one line (always: a typo would otherwise
 * leave a protection on that the user meant to switch off) and ignored.
 */
static void apply_disable_list(void)
{
	const char *list = getenv("FORKLOCK_DISABLE");

	while (list && *list) {
		size_t len = strcspn(list, ",");
		if (len && !disable_by_name(list, len)) {
			char name[64];
			size_t n = len < sizeof(name) - 1 ? len : sizeof(name) - 1;
			memcpy(name, list, n);
			name[n] = 0;
			forklock_report("forklock: FORKLOCK_DISABLE: unknown protection \"", name,
			                "\" ignored; valid:");
			forklock_report(valid_names, " all", "\n");
		}
		list += len + (list[len] == ',');
	}
}

/* Each gate's own name must be its word in the table (protections.h). */
static void check_names(void)
{
	for (size_t i = 0; i < GATE_COUNT; i++)
		if (strcmp(gates[i].name, gates[i].gate->name) != 0)
			forklock_report("forklock: internal: gate \"", gates[i].gate->name,
			                "\" is not named as in protections.h\n");
}

static void report_gates(void)
{
	forklock_report("forklock: glibc adapter loaded; gates:", "", "");
	for (size_t i = 0; i < GATE_COUNT; i++)
		forklock_report(" ", gates[i].name, gates[i].gate->off ? "(off)" : "");
	forklock_report(forklock_gates_need_fence ? "; fences" : "; membarrier", "", "\n");
}

__attribute__((constructor(101))) static void forklock_glibc_load(void)
{
	forklock_init();
	check_names();
	apply_disable_list();
	forklock_dlopen_init();
	forklock_phdr_init();
	forklock_adapter_install_init(); /* the fork hooks: now or later (install.c) */
	if (forklock_debug_on)
		report_gates();
}
