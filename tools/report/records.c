/* SPDX-License-Identifier: MIT */
/*
 * report: read a report directory, DIR/<target>/target.tsv (key<TAB>value,
 * written by tools/mtfork) and DIR/<target>/<subsystem>.jsonl (the records
 * of one test binary, one JSON object per line, jsonl.c), strictly: anything that does not fit
 * the contract is one line naming file:line, exit 2 (a half-understood report
 * must never pass). Targets are ordered here for every view.
 */
#include "report.h"

struct target *targets;
size_t ntargets;

static const char *const LEVELS[] = {"MUST", "SHOULD", "MAY", NULL};
static const char *const VERDICTS[] = {"pass", "fail", "skip", "error", "observed", NULL};
static const char *const FAIL_MODES[] = {"deadlock", "crash", "wrong", NULL};
static const char *const BEHAVIOURS[] = {"works", "deadlock", "crash", "wrong", NULL};
static const char *const HOWS[] = {"proof", "timeout", "exit", "-", NULL}; /* "-": null */

static void read_target_tsv(struct target *t, const char *path)
{
	FILE *f = fopen(path, "r");
	size_t lineno = 0;
	bool have_available = false;
	char *line;

	if (!f)
		die("cannot open %s: %s — " REGEN, path, strerror(errno));
	while ((line = next_line(f, path, &lineno))) {
		char *val = strchr(line, '\t'), **slot = NULL;

		if (!line[0] || line[0] == '#') {
			free(line);
			continue;
		}
		if (!val)
			malformed(path, lineno, "expected 'key<TAB>value'");
		*val++ = 0;
		if (strchr(val, '\t'))
			malformed(path, lineno, "more than one TAB in '%s' line", line);
		if (!strcmp(line, "name"))
			slot = &t->name;
		else if (!strcmp(line, "cc"))
			slot = &t->cc;
		else if (!strcmp(line, "libc"))
			slot = &t->libc;
		else if (!strcmp(line, "env"))
			slot = &t->env;
		else if (!strcmp(line, "reason"))
			slot = &t->reason;
		else if (!strcmp(line, "available")) {
			if (strcmp(val, "yes") && strcmp(val, "no"))
				malformed(path, lineno, "available is '%s', expected yes or no",
				          val);
			t->available = !strcmp(val, "yes");
			have_available = true;
		}
		/* Unknown keys are ignored so that newer writers stay readable. */
		if (slot) {
			free(*slot);
			*slot = xstrdup(val);
		}
		free(line);
	}
	fclose(f);
	if (!have_available)
		malformed(path, 0, "no 'available' line");
	if (!t->name || !t->name[0])
		malformed(path, 0, "no 'name' line");
	if (!t->cc)
		t->cc = xstrdup("");
	if (!t->libc)
		t->libc = xstrdup("");
	if (!t->env)
		t->env = xstrdup("");
	if (!t->reason)
		t->reason = xstrdup(t->available ? "" : "no reason given");
}

static bool valid_one_expected(const char *e, size_t n)
{
	char one[64];

	if (n == 0 || n >= sizeof one)
		return false;
	memcpy(one, e, n);
	one[n] = 0;
	if (!strcmp(one, "pass") || !strcmp(one, "fail") || !strcmp(one, "skip") ||
	    !strcmp(one, "observed"))
		return true;
	if (!strncmp(one, "fail:", 5))
		return one_of(one + 5, FAIL_MODES);
	if (!strncmp(one, "observed:", 9))
		return one_of(one + 9, BEHAVIOURS);
	return false;
}

/* An expectation may list alternatives, "pass|fail:deadlock", for a case
 * known to be intermittent (a failure only a stochastic holder finds). */
static bool valid_expected(const char *e)
{
	for (;;) {
		size_t n = strcspn(e, "|");
		if (!valid_one_expected(e, n))
			return false;
		if (!e[n])
			return true;
		e += n + 1;
	}
}

/* The values of a parsed record, checked against the results contract. */
void check_record(struct tcase *c, const char *path, size_t lineno)
{
	const char *v, *m;

	if (!c->f[F_CASE][0])
		malformed(path, lineno, "empty case name");
	if (!c->f[F_CLAUSE][0])
		malformed(path, lineno, "empty clause");
	if (!one_of(c->f[F_LEVEL], LEVELS))
		malformed(path, lineno, "level '%s', expected MUST, SHOULD or MAY", c->f[F_LEVEL]);
	v = c->f[F_VERDICT];
	m = c->f[F_MODE];
	if (!one_of(v, VERDICTS))
		malformed(path, lineno, "unknown verdict '%s' (pass, fail, skip, error, observed)",
		          v);
	if (!strcmp(v, "fail") && !one_of(m, FAIL_MODES))
		malformed(path, lineno, "fail mode '%s', expected deadlock, crash or wrong", m);
	if (!strcmp(v, "observed") && !one_of(m, BEHAVIOURS))
		malformed(path, lineno,
		          "observed behaviour '%s', expected works, deadlock, crash or wrong", m);
	if (strcmp(v, "fail") && strcmp(v, "observed") && strcmp(m, "-"))
		malformed(path, lineno, "mode '%s' on a %s verdict, expected null", m, v);
	if (!one_of(c->f[F_HOW], HOWS))
		malformed(path, lineno, "how '%s', expected proof, timeout, exit or null",
		          c->f[F_HOW]);
	/* null: a harness failure the binary could not report, expectation unknown */
	if (strcmp(c->f[F_EXPECTED], "-") && !valid_expected(c->f[F_EXPECTED]))
		malformed(path, lineno,
		          "expected '%s', want pass, fail[:MODE], skip or observed[:BEHAVIOUR]",
		          c->f[F_EXPECTED]);
	c->unexpected = !strcmp(c->f[F_UNEXPECTED], "true");
}

void count_case(struct counts *n, const struct tcase *c)
{
	const char *v = c->f[F_VERDICT];

	n->cases++;
	n->unexpected += c->unexpected;
	if (!strcmp(v, "pass"))
		n->pass++;
	else if (!strcmp(v, "fail")) {
		n->fail++;
		n->xfail += !c->unexpected;
	} else if (!strcmp(v, "skip")) {
		n->skip++;
		n->skip_ok += !c->unexpected;
	} else if (!strcmp(v, "error"))
		n->error++;
	else
		n->observed++;
}

const struct tcase *find_case(const struct target *t, const char *name)
{
	for (size_t i = 0; i < t->nfiles; i++)
		for (size_t j = 0; j < t->files[i].ncases; j++)
			if (!strcmp(t->files[i].cases[j].f[F_CASE], name))
				return &t->files[i].cases[j];
	return NULL;
}

static void read_cases(struct target *t, struct tfile *tf, const char *tdir)
{
	char *path = xasprintf("%s/%s.jsonl", tdir, tf->subsys);
	char *tap = xasprintf("%s/%s.tap", tdir, tf->subsys);
	FILE *f = fopen(path, "r");
	size_t lineno = 0, cap = 0;
	char *line;

	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	if (access(tap, F_OK) == 0)
		tf->tap = xasprintf("%s/%s.tap", t->dir, tf->subsys);
	while ((line = next_line(f, path, &lineno))) {
		struct tcase *c;
		const struct tcase *dup;

		if (!line[0]) {
			free(line);
			continue;
		}
		tf->cases = grow(tf->cases, tf->ncases, &cap, sizeof(*tf->cases));
		c = &tf->cases[tf->ncases];
		parse_record(c, line, path, lineno);
		check_record(c, path, lineno);
		if (strcmp(c->f[F_SUBSYSTEM], tf->subsys))
			malformed(path, lineno, "subsystem \"%s\" in the records of %s",
			          c->f[F_SUBSYSTEM], tf->subsys);
		/* The matrix and the expectations key on the case name. */
		dup = find_case(t, c->f[F_CASE]);
		if (dup)
			malformed(path, lineno, "duplicate case '%s' (first at line %zu)",
			          c->f[F_CASE], dup->lineno);
		tf->ncases++;
		count_case(&t->n, c);
	}
	fclose(f);
	free(tap);
	free(path);
}

static void read_target(struct target *t, const char *tdir)
{
	char *tsv = xasprintf("%s/target.tsv", tdir);
	char **names;
	size_t n, cap = 0;

	read_target_tsv(t, tsv);
	free(tsv);
	if (!t->available)
		return; /* nothing ran; stale case files must not count */
	names = list_dir(tdir, ".jsonl", &n);
	if (!names)
		die("cannot read %s: %s", tdir, strerror(errno));
	for (size_t i = 0; i < n; i++) {
		struct tfile *tf;

		t->files = grow(t->files, t->nfiles, &cap, sizeof(*t->files));
		tf = &t->files[t->nfiles++];
		memset(tf, 0, sizeof(*tf));
		tf->subsys = xstrdup(names[i]);
		tf->subsys[strlen(tf->subsys) - strlen(".jsonl")] = 0;
		read_cases(t, tf, tdir);
	}
	free_list(names, n);
}

/* Built-in targets first, in the order people compare them; then by name.
 * A merged run's columns (glibc@trixie: the target glibc in another root)
 * stand beside their target's, in increasing libc version. */
static int target_rank(const char *name)
{
	static const char *const first[] = {"glibc", "musl", "glibc+forklock"};
	size_t n = strcspn(name, "@");

	for (int i = 0; i < 3; i++)
		if (strlen(first[i]) == n && !strncmp(name, first[i], n))
			return i;
	return 3;
}

/* "glibc 2.9" before "glibc 2.36": numbers compare as numbers. */
static int vers_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			char *ea, *eb;
			unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);

			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		a++;
		b++;
	}
	return 0;
}

static int cmp_target(const void *a, const void *b)
{
	const struct target *x = a, *y = b;
	int rx = target_rank(x->name), ry = target_rank(y->name), c;
	size_t nx = strcspn(x->name, "@"), ny = strcspn(y->name, "@");

	if (rx != ry)
		return rx - ry;
	if (nx != ny || strncmp(x->name, y->name, nx))
		return strcmp(x->name, y->name);
	c = vers_cmp(x->libc, y->libc);
	return c ? c : strcmp(x->name, y->name);
}

void load(const char *dir)
{
	size_t n, cap = 0;
	char **names = list_dir(dir, NULL, &n);

	if (!names)
		die("cannot read report directory '%s': %s — run 'make report' first, or pass "
		    "--dir DIR",
		    dir, strerror(errno));
	for (size_t i = 0; i < n; i++) {
		char *tdir = xasprintf("%s/%s", dir, names[i]);
		char *tsv = xasprintf("%s/target.tsv", tdir);
		struct stat st;

		if (stat(tdir, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (access(tsv, F_OK) == 0) {
				targets = grow(targets, ntargets, &cap, sizeof(*targets));
				memset(&targets[ntargets], 0, sizeof(*targets));
				targets[ntargets].dir = xstrdup(names[i]);
				read_target(&targets[ntargets++], tdir);
			} else {
				/* A target dir whose target.tsv is lost is not ignorable. */
				size_t ntsv;
				char **tsvs = list_dir(tdir, ".jsonl", &ntsv);

				if (tsvs && ntsv)
					malformed(tsv, 0, "missing, but %s has records", tdir);
				if (tsvs)
					free_list(tsvs, ntsv);
			}
		}
		free(tsv);
		free(tdir);
	}
	free_list(names, n);
	if (ntargets > 1)
		qsort(targets, ntargets, sizeof(*targets), cmp_target);
	for (size_t i = 1; i < ntargets; i++)
		if (!strcmp(targets[i].name, targets[i - 1].name))
			die("%s/%s and %s/%s both describe target '%s' — " REGEN, dir,
			    targets[i - 1].dir, dir, targets[i].dir, targets[i].name);
}
