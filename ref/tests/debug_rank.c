/* SPDX-License-Identifier: MIT */
/*
 * Debug mode (FORKLOCK_DEBUG=1) reports a rank violation on stderr, naming
 * both locks and ranks, and aborts.  The checks run in re-executed copies of
 * this program so that the environment variable itself is exercised.
 */
#include "tap.h"

#include "../forklock.h"

static struct forklock low = FORKLOCK_INIT("low", 200, &forklock_mutex_ops, &(forklock_mutex_t){0});
static struct forklock high =
    FORKLOCK_INIT("high", 300, &forklock_mutex_ops, &(forklock_mutex_t){0});
static struct forklock_gate gate = FORKLOCK_GATE_INIT("test");

static int scenario(const char *name)
{
	if (!forklock_debug_enabled())
		return 3;
	forklock_register(&low);
	forklock_register(&high);
	if (strcmp(name, "in-order") == 0) {
		forklock_take(&low);
		forklock_take(&high);
		forklock_drop(&high);
		forklock_drop(&low);
	} else if (strcmp(name, "inverted") == 0) {
		forklock_take(&high);
		forklock_take(&low);
	} else if (strcmp(name, "gate") == 0) {
		forklock_take(&high);
		forklock_gate_enter(&gate);
	}
	return 0;
}

/* Runs this program on a scenario with FORKLOCK_DEBUG=1; collects stderr. */
static int run(const char *name, char *err, size_t size)
{
	char *envp[] = {"FORKLOCK_DEBUG=1", NULL};
	bool finished;

	return run_scenario(name, envp, 2, err, size, 5000, &finished);
}

int main(int argc, char **argv)
{
	char err[512];
	int status;

	if (argc > 2 && strcmp(argv[1], "--scenario") == 0)
		return scenario(argv[2]);

	status = run("in-order", err, sizeof(err));
	ok(exited_zero(status) && err[0] == 0, "locks taken in rank order: silent");

	status = run("inverted", err, sizeof(err));
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "inverted order aborts");
	ok(strstr(err, "\"low\" (rank 200)") && strstr(err, "\"high\" (rank 300)"),
	   "report names both locks and ranks: %.*s", (int)strcspn(err, "\n"), err);

	status = run("gate", err, sizeof(err));
	ok(WIFSIGNALED(status) && strstr(err, "entering gate \"test\""),
	   "entering a gate while holding a later-ranked lock is reported");
	return tap_done();
}
