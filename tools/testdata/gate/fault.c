/* SPDX-License-Identifier: MIT */
/*
 * A planted fault for the gate's own tests (tools/testdata/gate/run.sh),
 * preloaded into every process of a run: in the one test binary named by
 * MTFORK_GATE_BINARY (e.g. random.t), before main, it misbehaves as
 * MTFORK_GATE_FAULT says, the way a broken libc or harness would:
 *   crash    SIGSEGV at start, whatever the arguments;
 *   hang     in a run, pause() for ever (asked for its bound, it answers a
 *            short one, MTFORK_GATE_BOUND or 1500 ms, so the test need not
 *            wait the real bound);
 *   silent   in a run, exit 0 having written nothing;
 *   badplan  in a run, plan 99 tests and run one;
 *   garbage  in a run, TAP with test numbers out of order;
 *   badrecord  in a run, a passing TAP line but a record line cut short
 *            (--records FILE), as a writer dying mid-line would leave it.
 * Every other process (make, cc, the driver's tools) is left alone.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int has_arg(int argc, char **argv, const char *a)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], a))
			return 1;
	return 0;
}

__attribute__((constructor)) static void plant(int argc, char **argv)
{
	const char *bin = getenv("MTFORK_GATE_BINARY"), *fault = getenv("MTFORK_GATE_FAULT");
	if (!bin || !fault || argc < 1 || strcmp(basename(argv[0]), bin))
		return;
	if (!strcmp(fault, "crash"))
		raise(SIGSEGV);
	if (has_arg(argc, argv, "--list") || has_arg(argc, argv, "--ways"))
		return;
	if (has_arg(argc, argv, "--bound")) {
		if (!strcmp(fault, "hang")) { /* MTFORK_GATE_BOUND ms, default 1500 */
			const char *b = getenv("MTFORK_GATE_BOUND");
			printf("%s\n", b && *b ? b : "1500");
			exit(0);
		}
		return;
	}
	if (!strcmp(fault, "hang"))
		for (;;)
			pause();
	if (!strcmp(fault, "silent"))
		exit(0);
	if (!strcmp(fault, "badplan")) {
		printf("TAP version 13\n1..99\nok 1 - the only one\n");
		exit(0);
	}
	if (!strcmp(fault, "badrecord")) {
		for (int i = 1; i + 1 < argc; i++)
			if (!strcmp(argv[i], "--records")) {
				FILE *f = fopen(argv[i + 1], "w");
				if (f) {
					fputs("{\"case\":\"RANDOM-1.random\",\"clause\":\"RANDOM-"
					      "1\",\"lev\n",
					      f);
					fclose(f);
				}
			}
		printf("TAP version 13\n1..1\nok 1 - RANDOM-1.random\n");
		exit(0);
	}
	if (!strcmp(fault, "garbage")) {
		printf("TAP version 13\n1..2\nok 2 - second\nok 1 - first\n");
		exit(0);
	}
}
