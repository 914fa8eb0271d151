/* SPDX-License-Identifier: MIT */
/*
 * Expectations: per-target records that a case is known not to pass, kept in
 * expect/<target> outside the test sources. One per line:
 *
 * Length: the one expectation matcher and the grammar of its files
 * (versioned ranges, validation naming file:line) belong together.
 *
 *   PATTERN  EXPECTED  [@LIBC[>=VERSION][,<VERSION]]  REASON...
 *
 * PATTERN is a case ID (RANDOM-1.random), a clause ID (all its cases) or a
 * prefix ending in '*'. EXPECTED is pass, fail, fail:MODE, skip, observed or
 * observed:BEHAVIOUR, or alternatives joined by '|' for an intermittent case
 * (pass|fail:deadlock: a real failure only the stochastic holder finds). A case ID beats a clause
 * ID beats the longest prefix.
 *
 * The optional third field names the libc versions the line holds for:
 * @glibc<2.41 (below 2.41), @musl>=1.2.4 (from 1.2.4 on), @glibc>=2.37,<2.41,
 * or @glibc (every version of that libc). Versions are numbers joined by dots,
 * compared number by number (2.43.9000, a development snapshot, is after 2.43
 * and before 2.44). The target's libc is MTFORK_LIBC ("glibc 2.36", set by the
 * driver from the target itself, or from LIBC_VERSION=); a line for another
 * libc, or a versioned line when the libc is unknown, is an error. A line
 * whose range excludes the target's version is checked but not applied; the
 * same pattern may be given again only for a disjoint range.
 *
 * A REASON that starts with "TODO(make expect)" is the placeholder written by
 * make expect: the expectation is not accepted until someone writes why, so
 * its cases count as unexpected whatever their verdict.
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
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include "harness.h"

#define PLACEHOLDER "TODO(make expect)"
#define VPARTS      6

struct version {
	long part[VPARTS];
	int set; /* 0: unbounded on this side */
};

struct rule {
	char *pattern, *expected, *reason;
	const char *path;
	int line;
	char *libc;            /* the libc named by @LIBC, or NULL: every libc */
	struct version lo, hi; /* lo <= version < hi */
	int active, placeholder;
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

/* "2.41" or "1.2.4": numbers joined by dots; the end of it in *end. */
static int parse_version(const char *s, struct version *v, const char **end)
{
	*v = (struct version){{0}, 1};
	for (int i = 0;; i++) {
		if (i == VPARTS || *s < '0' || *s > '9')
			return -1;
		char *e;
		v->part[i] = strtol(s, &e, 10);
		s = e;
		if (*s != '.' || s[1] < '0' || s[1] > '9')
			break;
		s++;
	}
	*end = s;
	return 0;
}

static int vcmp(const struct version *a, const struct version *b)
{
	for (int i = 0; i < VPARTS; i++)
		if (a->part[i] != b->part[i])
			return a->part[i] < b->part[i] ? -1 : 1;
	return 0;
}

/* The target's libc, "NAME VERSION": MTFORK_LIBC, else what glibc says. */
static char cur_name[64];
static struct version cur_version;
static int cur_known = -1; /* -1: not yet looked at; 0: unknown; 1: name; 2: name and version */

static void current_libc(void)
{
	char buf[128] = "";
	const char *e = config()->libc;
	if (cur_known >= 0)
		return;
	cur_known = 0;
	if (e && *e)
		snprintf(buf, sizeof buf, "%s", e);
#ifdef __GLIBC__
	else
		snprintf(buf, sizeof buf, "glibc %s", gnu_get_libc_version());
#endif
	size_t n = strcspn(buf, " -");
	if (!n || n >= sizeof cur_name || !strcmp(buf, "unknown"))
		return;
	memcpy(cur_name, buf, n);
	cur_name[n] = 0;
	cur_known = 1;
	const char *end;
	if (buf[n] && !parse_version(buf + n + 1, &cur_version, &end) && !*end)
		cur_known = 2;
}

static const char *const range_forms =
    "use @LIBC, @LIBC>=VERSION, @LIBC<VERSION or @LIBC>=VERSION,<VERSION "
    "(e.g. @glibc<2.41, @musl>=1.2.4)";

/* "@glibc>=2.37,<2.41" into r; 0, or -1 with the problem in why. */
static int parse_range(const char *s, struct rule *r, const char **why)
{
	size_t n = strspn(++s, "abcdefghijklmnopqrstuvwxyz0123456789_+");
	const char *end;
	*why = range_forms;
	if (!n || n >= 64)
		return -1;
	r->libc = strndup(s, n);
	s += n;
	if (!strncmp(s, ">=", 2)) {
		if (parse_version(s + 2, &r->lo, &end))
			return -1;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	if (*s == '<') {
		if (parse_version(s + 1, &r->hi, &end) || *end)
			return -1;
		s = end;
	}
	if (*s)
		return -1;
	if (r->lo.set && r->hi.set && vcmp(&r->lo, &r->hi) >= 0) {
		*why = "the range is empty: its lower bound must be below its upper one";
		return -1;
	}
	return 0;
}

static int in_range(const struct rule *r, const struct version *v)
{
	return (!r->lo.set || vcmp(&r->lo, v) <= 0) && (!r->hi.set || vcmp(v, &r->hi) < 0);
}

static int overlap(const struct rule *a, const struct rule *b)
{
	if (a->libc && b->libc && strcmp(a->libc, b->libc))
		return 0;
	if (a->lo.set && b->hi.set && vcmp(&b->hi, &a->lo) <= 0)
		return 0;
	if (b->lo.set && a->hi.set && vcmp(&a->hi, &b->lo) <= 0)
		return 0;
	return 1;
}

static void range_text(const struct rule *r, char *out, size_t size)
{
	int n = snprintf(out, size, "%s", r->libc ? r->libc : "every libc");
	for (int side = 0; side < 2; side++) {
		const struct version *v = side ? &r->hi : &r->lo;
		if (!v->set || n < 0 || (size_t)n >= size)
			continue;
		int last = VPARTS - 1;
		while (last > 1 && !v->part[last])
			last--;
		n += snprintf(out + n, size - (size_t)n, "%s%s", side && r->lo.set ? "," : "",
		              side ? "<" : ">=");
		for (int i = 0; i <= last && (size_t)n < size; i++)
			n += snprintf(out + n, size - (size_t)n, i ? ".%ld" : "%ld", v->part[i]);
	}
}

/* Is the versioned rule r for this target? 1 yes, 0 no, -1 an error. */
static int applies(struct rule *r)
{
	current_libc();
	if (!r->libc)
		return 1;
	if (cur_known < 2) {
		fprintf(stderr,
		        "mtfork: %s:%d: this line holds for some %s versions, but the target's "
		        "libc version is unknown (MTFORK_LIBC='%s'): name it, e.g. "
		        "MTFORK_LIBC='%s 1.0' for a binary run by hand, LIBC_VERSION= for make\n",
		        r->path, r->line, r->libc, config()->libc, r->libc);
		return -1;
	}
	if (strcmp(r->libc, cur_name)) {
		fprintf(stderr,
		        "mtfork: %s:%d: this line is for %s, but the target runs %s (MTFORK_LIBC): "
		        "fix the libc name, or give the target its own expectations\n",
		        r->path, r->line, r->libc, cur_name);
		return -1;
	}
	return in_range(r, &cur_version);
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
		struct rule r = {0};
		const char *bad = 0;
		if (why)
			why += strspn(why, " \t");
		if (why && *why == '@') { /* the libc versions this line holds for */
			size_t n = strcspn(why, " \t");
			char range[128];
			snprintf(range, sizeof range, "%.*s", (int)(n < 127 ? n : 127), why);
			if (parse_range(range, &r, &bad)) {
				fprintf(stderr,
				        "mtfork: %s:%d: '%s' is not a libc version range: %s\n",
				        path, no, range, bad);
				goto bad;
			}
			why += n;
			why += strspn(why, " \t");
		}
		if (!exp || !valid_expected(exp) || !why || !*why) {
			fprintf(
			    stderr,
			    "mtfork: %s:%d: expected 'PATTERN EXPECTED [@LIBC-VERSIONS] REASON' "
			    "with EXPECTED one of pass, fail[:deadlock|crash|wrong], skip, "
			    "observed[:works|deadlock|crash|wrong], or alternatives joined by "
			    "'|'\n",
			    path, no);
			goto bad;
		}
		r.pattern = strdup(pat);
		r.expected = strdup(exp);
		r.reason = strdup(why);
		r.path = strdup(path);
		r.line = no;
		r.placeholder = !strncmp(why, PLACEHOLDER, strlen(PLACEHOLDER));
		if ((r.active = applies(&r)) < 0)
			goto bad;
		for (size_t k = 0; k < nrules; k++)
			if (!strcmp(rules[k].pattern, pat) && overlap(&rules[k], &r)) {
				char a[96], b[96];
				range_text(&r, a, sizeof a);
				range_text(&rules[k], b, sizeof b);
				fprintf(
				    stderr,
				    "mtfork: %s:%d: pattern %s (%s) is already given at line %d "
				    "(%s): "
				    "keep one line per pattern and libc version (alternatives: "
				    "pass|fail:deadlock; ranges: @glibc<2.41 and @glibc>=2.41)\n",
				    path, no, pat, a, rules[k].line, b);
				goto bad;
			}
		rules = realloc(rules, (nrules + 1) * sizeof *rules);
		if (!rules)
			abort();
		rules[nrules++] = r;
		continue;
	bad:
		free(line);
		fclose(f);
		return -1;
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
		int s = rules[i].active ? score(&rules[i], id, clause) : -1;
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
	/* make expect's placeholder: not accepted until its reason is written */
	for (size_t i = 0; i < nrules; i++)
		if (rules[i].expected == expected && rules[i].placeholder)
			return 0;
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
