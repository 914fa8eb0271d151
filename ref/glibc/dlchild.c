/*
 * The child of a fork that interrupted other threads' dlopen() calls: their
 * records (dlopen.c) become the taint set dlopen() refuses, and the tainted
 * objects' destructors are disarmed so that exit() does not run them
 * (DLOPEN-CTOR-7: destructors assume their constructors finished).
 *
 * Runs as the reset step of a registered entry with no lock of its own:
 * fork's child hook calls it after the core has marked other threads'
 * operations interrupted, before any application child handler.  The child
 * has one thread; nothing here locks or allocates.
 */
#include "gated.h"

#include "dl.h"

static void taint_interrupted(void *unused)
{
	struct fl_taint *taint = &forklock_dlopen_taint;
	int before = taint->count;

	(void)unused;
	for (int i = 0; i < FORKLOCK_DLOPEN_RECORDS; i++) {
		struct dlopen_record *r = &forklock_dlopen_records[i];
		const struct link_map *root;
		if (!atomic_load_explicit(&r->valid, memory_order_acquire) ||
		    !forklock_op_token_interrupted(i))
			continue;
		root = fl_find_loaded(r->name); /* not in the list yet: nothing was built */
		if (root)
			fl_taint_closure(taint, root, r->mark, r->mark_ld);
	}
	for (int i = before; i < taint->count; i++) {
		if (forklock_debug_on)
			forklock_report("forklock: child: partially constructed: ",
			                taint->map[i]->l_name, "\n");
		forklock_skip_destructors(taint->map[i]);
	}
	if (taint->overflow)
		forklock_report("forklock: child: ", "too many partially constructed objects",
		                "; some are not refused\n");
}

static void nothing(void *unused)
{
	(void)unused;
}

static const struct forklock_ops child_ops = {nothing, nothing, taint_interrupted};
static struct forklock dlopen_child =
    FORKLOCK_INIT("dlopen-records", FORKLOCK_RANK_LOADER, &child_ops, NULL);

FORKLOCK_HIDDEN void forklock_dlopen_init(void)
{
	if (!forklock_gate_dlopen.off)
		forklock_register(&dlopen_child);
}
