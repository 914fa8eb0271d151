/* SPDX-License-Identifier: MIT */
/*
 * A test binary's main: select cases, run each in isolation (runner.c), and
 * report each as TAP (stdout) and as one record (--records FILE: JSON Lines,
 * the fields of spec/results.adoc's result record). Whether a verdict met its
 * expectation is decided here, once (decide(), with expect.c's matcher), and
 * written into both: TAP "ok"/"not ok" and the record's unexpected field.
 * tools/report makes results.json, junit.xml and the matrix from the records
 * and never judges again.
 *
 *   tests/random.t [--list|--ways|--bound] [--expect FILE] [--records FILE]
 *                  [--target NAME] [CASE|CLAUSE|PREFIX* ...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include "../../tools/jsonstr.h"
#include "harness.h"

static const char *const level_names[] = {"MUST", "SHOULD", "MAY"};

static int usage(const char *prog, const char *problem)
{
	fprintf(stderr,
	        "%s: %s\nusage: %s [--list|--ways|--bound] [--expect FILE] [--records FILE] "
	        "[--target NAME] [CASE|CLAUSE|PREFIX* ...]\n",
	        prog, problem, prog);
	return EXIT_BAD_INPUT;
}

static int selected(const struct mtcase *c, int argc, char **argv, int first)
{
	if (first >= argc)
		return 1;
	for (int i = first; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (!strcmp(argv[i], c->id) || !strcmp(argv[i], c->clause) ||
		    (n && argv[i][n - 1] == '*' && !strncmp(argv[i], c->id, n - 1)))
			return 1;
	}
	return 0;
}

/* YAML double-quoted scalar. */
static void yaml_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_str(FILE *f, const char *s)
{
	json_put_str(f, s, false);
}

/* The results contract's null/true/false for held and fork_waited. */
static const char *tri(int v)
{
	return v < 0 ? "null" : v ? "true" : "false";
}

/* The one record of a case: every field of the results contract (but `tap`,
 * where the report put the TAP stream), decided here and nowhere else. */
struct record {
	const struct mtcase *c;
	const struct outcome *o;
	const char *subsystem, *holder, *mode, *how;
	struct expectation e;
	int met; /* the verdict meets the expectation: unexpected is !met */
	double ms;
};

static const char *mode_of(const struct outcome *o)
{
	return o->verdict == V_FAIL || o->verdict == V_OBSERVED ? behaviour_name(o->behaviour) : 0;
}

/* The verdict against its expectation, decided once: TAP, the record and
 * the exit status all show this decision. A MAY clause is recorded, not
 * judged: unless expect/ pins a behaviour, any observed behaviour is as
 * expected. */
static struct record decide(const struct mtcase *c, const struct outcome *o, const char *holder,
                            const char *subsystem, double ms)
{
	struct record r = {c, o, subsystem, holder, mode_of(o), 0, expect_for(c->id, c->clause),
	                   0, ms};
	if (c->level == MAY && !r.e.reason)
		r.e.expected = "observed";
	r.met = expect_met(r.e.expected, o->verdict, o->behaviour);
	r.how = strcmp(how_name(o->how), "-") ? how_name(o->how) : 0;
	return r;
}

static void write_tap(int no, const struct record *r)
{
	const struct outcome *o = r->o;
	int ok = o->verdict == V_PASS || (o->verdict == V_SKIP && r->met) ||
	         (o->verdict == V_OBSERVED && r->met);
	printf("%s %d - %s", ok ? "ok" : "not ok", no, r->c->id);
	if (o->verdict == V_SKIP && r->met)
		printf(" # SKIP %s", o->detail);
	else if (o->verdict == V_SKIP) /* a skip must not hide an expected failure */
		printf(" (unexpected skip, expected %s: %s)", r->e.expected, o->detail);
	else if ((o->verdict == V_FAIL && r->met) || (o->verdict == V_PASS && !r->met))
		/* an expected failure, or an unexpected pass: TAP's TODO says so */
		printf(" # TODO expected %s: %s", r->e.expected, r->e.reason);
	else if (o->verdict == V_OBSERVED)
		printf(" (observed: %s)", behaviour_name(o->behaviour));
	printf("\n  ---\n  clause: %s\n  level: %s\n  verdict: %s\n", r->c->clause,
	       level_names[r->c->level], verdict_name(o->verdict));
	printf("  mode: %s\n  how: %s\n  holder: %s\n  held: %s\n  fork_waited: %s\n",
	       r->mode ? r->mode : "-", r->how ? r->how : "-", r->holder,
	       o->held < 0 ? "-" : tri(o->held), o->fork_waited < 0 ? "-" : tri(o->fork_waited));
	if (o->forks)
		printf("  forks: %d\n  forks_inside: %d\n", o->forks, o->forks_inside);
	printf("  ms: %.1f\n  expected: %s\n  detail: ", r->ms, r->e.expected);
	yaml_str(stdout, o->detail);
	printf("\n  ...\n");
	fflush(stdout);
}

/* One JSON Lines record (spec/results.adoc, "The result record"). An empty
 * holder or detail is "-", as results.json has always shown it. */
static void write_record(FILE *f, const struct record *r)
{
	const struct outcome *o = r->o;
	fputs("{\"case\":", f);
	json_str(f, r->c->id);
	fputs(",\"clause\":", f);
	json_str(f, r->c->clause);
	fprintf(f, ",\"level\":\"%s\",\"subsystem\":", level_names[r->c->level]);
	json_str(f, r->subsystem);
	fprintf(f, ",\"verdict\":\"%s\",\"mode\":", verdict_name(o->verdict));
	json_str(f, r->mode);
	fputs(",\"how\":", f);
	json_str(f, r->how);
	fputs(",\"holder\":", f);
	json_str(f, *r->holder ? r->holder : "-");
	fprintf(f, ",\"held\":%s,\"fork_waited\":%s,\"expected\":", tri(o->held),
	        tri(o->fork_waited));
	json_str(f, r->e.expected);
	fputs(",\"expected_reason\":", f);
	json_str(f, r->e.reason);
	fprintf(f, ",\"unexpected\":%s,\"ms\":%.1f,\"detail\":", r->met ? "false" : "true", r->ms);
	json_str(f, *o->detail ? o->detail : "-");
	fputs("}\n", f);
	fflush(f);
}

int mtfork_main(int argc, char **argv, const struct mtcase *cases, size_t n)
{
	const char *prog = argv[0], *records = 0, *target = "unnamed";
	int list = 0, ways = 0, bound = 0, i;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf(
			    "usage: %s [--list] [--expect FILE] [--records FILE] [--target NAME] "
			    "[CASE|CLAUSE|PREFIX* ...]\nRuns the cases (all, or those selected) "
			    "and writes TAP to stdout; see README.adoc.\n",
			    prog);
			return 0;
		}
		if (!strcmp(argv[i], "--list"))
			list = 1;
		else if (!strcmp(argv[i], "--ways"))
			ways = 1;
		else if (!strcmp(argv[i], "--bound"))
			bound = 1;
		else if (!strcmp(argv[i], "--expect") && i + 1 < argc) {
			if (expect_load(argv[++i]))
				return EXIT_BAD_INPUT;
		} else if (!strcmp(argv[i], "--records") && i + 1 < argc)
			records = argv[++i];
		else if (!strcmp(argv[i], "--target") && i + 1 < argc)
			target = argv[++i];
		else
			return usage(prog, "unknown or incomplete option");
	}
	for (int a = i; a < argc; a++) {
		size_t hits = 0;
		for (size_t k = 0; k < n; k++)
			hits += selected(&cases[k], a + 1, argv, a); /* argv[a] alone */
		if (!hits) /* a typo must not pass unnoticed; none matching at all is fatal below */
			fprintf(stderr, "%s: warning: '%s' matches no case (see --list)\n", prog,
			        argv[a]);
	}
	size_t chosen = 0;
	for (size_t k = 0; k < n; k++)
		chosen += selected(&cases[k], argc, argv, i);
	if (!chosen)
		return usage(prog, "no case matches the selection (see --list)");
	if (list) {
		for (size_t k = 0; k < n; k++)
			if (selected(&cases[k], argc, argv, i))
				printf("%s\t%s\t%s\n", cases[k].id, cases[k].clause,
				       level_names[cases[k].level]);
		return 0;
	}
	if (ways) { /* every way's name, for the driver to check MTFORK_WAY against */
		for (size_t k = 0; k < n; k++)
			for (const struct way *w = cases[k].holding->ways; w->name; w++)
				if (selected(&cases[k], argc, argv, i))
					printf("%s\n", w->name);
		return 0;
	}
	if (config_check(prog) || expect_check(cases, n))
		return EXIT_BAD_INPUT;
	if (bound) { /* the longest this selection can run, in ms */
		long total = 0;
		for (size_t k = 0; k < n; k++)
			if (selected(&cases[k], argc, argv, i))
				total += case_bound_ms(&cases[k]);
		printf("%ld\n", total);
		return 0;
	}
	FILE *rec = records ? fopen(records, "w") : 0;
	if (records && !rec) {
		fprintf(stderr, "%s: cannot write %s: %m\n", prog, records);
		return EXIT_BAD_INPUT;
	}
	/* Orphaned grandchildren (a case's MT-forked child) come back to us. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
#ifdef __GLIBC__
	const char *libc = gnu_get_libc_version();
#else
	const char *libc = "?";
#endif
	printf("TAP version 13\n# mtfork %s on target %s (glibc version: %s)\n1..%zu\n",
	       strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog, target, libc, chosen);
	char subsystem[256]; /* the binary's name: tests/random.t runs "random" */
	snprintf(subsystem, sizeof subsystem, "%s",
	         strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog);
	if (strlen(subsystem) > 2 && !strcmp(subsystem + strlen(subsystem) - 2, ".t"))
		subsystem[strlen(subsystem) - 2] = 0;
	int bad = 0, no = 0;
	for (size_t k = 0; k < n; k++) {
		const struct mtcase *c = &cases[k];
		if (!selected(c, argc, argv, i))
			continue;
		struct outcome o;
		const char *holder;
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		run_case(c, &o, &holder);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
		struct record r = decide(c, &o, holder, subsystem, ms);
		bad |= !r.met;
		write_tap(++no, &r);
		if (rec)
			write_record(rec, &r);
	}
	if (rec && fclose(rec)) { /* a full disk must not pass as a short run */
		fprintf(stderr, "%s: cannot write %s: %m\n", prog, records);
		return EXIT_BAD_INPUT;
	}
	return bad ? EXIT_UNEXPECTED : EXIT_AS_EXPECTED;
}
