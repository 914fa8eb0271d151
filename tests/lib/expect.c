/*
 * Expectations: per-target records that a case is known not to pass, kept in
 * expect/<target> outside the test sources. One per line:
 *
 *   PATTERN  EXPECTED  REASON...
 *
 * PATTERN is a case ID (RANDOM-1.random), a clause ID (all its cases) or a
 * prefix ending in '*'. EXPECTED is pass, fail, fail:MODE, skip, observed or
 * observed:BEHAVIOUR, or alternatives joined by '|' for an intermittent case
 * (pass|fail:deadlock: a real failure only the stochastic holder finds). A case ID beats a clause
 * ID beats the longest prefix.
 *
 * A file is checked whole when it is loaded and against the binary's cases
 * (expect_check): a malformed line, an unknown behaviour, a pattern given
 * twice or one that matches no case is one line naming file:line and the fix,
 * never a rule silently ignored. This is the only matcher: every record
 * carries its verdict (expect_met), and nothing downstream judges again.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

struct rule {
	char *pattern, *expected, *reason;
	const char *path;
	int line;
};

static struct rule *rules;
static size_t nrules;

static int valid_one_expected(const char *e)
{
	static const char *const ok[] = {"pass",           "fail",           "fail:deadlock",
	                                 "fail:crash",     "fail:wrong",     "skip",
	                                 "observed",       "observed:works", "observed:deadlock",
	                                 "observed:crash", "observed:wrong", 0};
	for (size_t i = 0; ok[i]; i++)
		if (!strcmp(e, ok[i]))
			return 1;
	return 0;
}

/* Alternatives "pass|fail:deadlock" mark a case known to be intermittent:
 * a failure that only a stochastic holder finds, now and then. */
static int valid_expected(const char *e)
{
	char one[64];
	for (;;) {
		size_t n = strcspn(e, "|");
		if (!n || n >= sizeof one)
			return 0;
		memcpy(one, e, n);
		one[n] = 0;
		if (!valid_one_expected(one))
			return 0;
		if (!e[n])
			return 1;
		e += n + 1;
	}
}

int expect_load(const char *path)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	if (!f) {
		fprintf(stderr, "mtfork: cannot read expectations %s: %m (create it, even empty)\n",
		        path);
		return -1;
	}
	if (fstat(fileno(f), &st) || S_ISDIR(st.st_mode)) {
		fprintf(stderr,
		        "mtfork: expectations %s is a directory: give the file of this binary "
		        "(expect/<target>/<subsystem>)\n",
		        path);
		fclose(f);
		return -1;
	}
	char *line = 0;
	size_t cap = 0;
	for (int no = 1; getline(&line, &cap, f) > 0; no++) {
		char *p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || !*p)
			continue;
		char *pat = strtok(p, " \t\n");
		char *exp = strtok(0, " \t\n");
		char *why = strtok(0, "\n");
		if (why)
			why += strspn(why, " \t");
		if (!exp || !valid_expected(exp) || !why || !*why) {
			fprintf(stderr,
			        "mtfork: %s:%d: expected 'PATTERN EXPECTED REASON' with EXPECTED "
			        "one of pass, fail[:deadlock|crash|wrong], skip, "
			        "observed[:works|deadlock|crash|wrong], or alternatives joined by "
			        "'|'\n",
			        path, no);
			free(line);
			fclose(f);
			return -1;
		}
		for (size_t k = 0; k < nrules; k++)
			if (!strcmp(rules[k].pattern, pat)) {
				fprintf(
				    stderr,
				    "mtfork: %s:%d: pattern %s is already given at line %d: keep "
				    "one line per pattern (alternatives: pass|fail:deadlock)\n",
				    path, no, pat, rules[k].line);
				free(line);
				fclose(f);
				return -1;
			}
		rules = realloc(rules, (nrules + 1) * sizeof *rules);
		if (!rules)
			abort();
		rules[nrules++] =
		    (struct rule){strdup(pat), strdup(exp), strdup(why), strdup(path), no};
	}
	free(line);
	fclose(f);
	return 0;
}

static int score(const struct rule *r, const char *id, const char *clause)
{
	size_t n = strlen(r->pattern);
	if (!strcmp(r->pattern, id))
		return 100000;
	if (!strcmp(r->pattern, clause))
		return 50000;
	if (n && r->pattern[n - 1] == '*' && !strncmp(r->pattern, id, n - 1))
		return (int)n;
	return -1;
}

struct expectation expect_for(const char *id, const char *clause)
{
	struct expectation e = {"pass", 0};
	int best = -1;
	for (size_t i = 0; i < nrules; i++) {
		int s = score(&rules[i], id, clause);
		if (s > best) {
			best = s;
			e.expected = rules[i].expected;
			e.reason = rules[i].reason;
		}
	}
	return e;
}

int expect_check(const struct mtcase *cases, size_t n)
{
	for (size_t i = 0; i < nrules; i++) {
		size_t k = 0;
		while (k < n && score(&rules[i], cases[k].id, cases[k].clause) < 0)
			k++;
		if (k == n) {
			fprintf(stderr,
			        "mtfork: %s:%d: pattern %s matches no case of this binary: fix the "
			        "name or remove the line (see --list)\n",
			        rules[i].path, rules[i].line, rules[i].pattern);
			return -1;
		}
	}
	return 0;
}

static int met_one(const char *expected, int verdict, int behaviour);

/* A skip decides nothing. It meets an expectation that says nothing is wrong
 * (pass, or an unpinned MAY record) or one that lists skip; a skip where a
 * failure is expected hides the failure, so it does not meet that. */
static int skip_allowed(const char *expected)
{
	char one[64];
	for (;;) {
		size_t n = strcspn(expected, "|");
		if (n < sizeof one) {
			memcpy(one, expected, n);
			one[n] = 0;
			if (!strcmp(one, "skip") || !strcmp(one, "pass") ||
			    !strcmp(one, "observed"))
				return 1;
		}
		if (!expected[n])
			return 0;
		expected += n + 1;
	}
}

int expect_met(const char *expected, int verdict, int behaviour)
{
	char one[64];
	if (verdict == V_SKIP)
		return skip_allowed(expected);
	for (;;) {
		size_t n = strcspn(expected, "|");
		if (n < sizeof one) {
			memcpy(one, expected, n);
			one[n] = 0;
			if (met_one(one, verdict, behaviour))
				return 1;
		}
		if (!expected[n])
			return 0;
		expected += n + 1;
	}
}

static int met_one(const char *expected, int verdict, int behaviour)
{
	switch (verdict) {
	case V_SKIP: /* decided by skip_allowed */
	case V_ERROR:
		return 0;
	case V_PASS:
		return !strcmp(expected, "pass");
	case V_FAIL:
		return !strcmp(expected, "fail") ||
		       (!strncmp(expected, "fail:", 5) &&
		        !strcmp(expected + 5, behaviour_name(behaviour)));
	case V_OBSERVED:
		return !strcmp(expected, "observed") ||
		       (!strncmp(expected, "observed:", 9) &&
		        !strcmp(expected + 9, behaviour_name(behaviour)));
	}
	return 0;
}
