/* SPDX-License-Identifier: MIT */
/*
 * report: aggregate the per-target records the test binaries write into
 * results.json, junit.xml, summary.txt and a terminal matrix (default action),
 * or judge them against the per-target expectations (--check).
 *
 * Input (the contract, see DESIGN.md): DIR/<target>/target.tsv (key<TAB>value)
 * and DIR/<target>/<subsystem>.tsv, one case per line in 14 TAB-separated
 * fields. Whether a verdict met its expectation is decided once, by the test
 * binary, and arrives as the last field; this tool shows it, never re-judges. Anything that does
 * not fit the contract is reported as ONE line naming file and line, exit 2: a half-understood
 * report must never pass.
 *
 * Plain libc, no fixed-size buffers: every string is heap-allocated at the
 * size it has, so a 5 KB detail survives intact.
 */
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define USAGE                                                                                      \
	"usage: report [all|--check] [--dir DIR] [--spec DIR|''] [--suite-version V] [--commit C]"
#define REGEN "re-run 'make report' to regenerate"

/* Field order of one case line in <subsystem>.tsv. */
enum {
	F_CASE,
	F_CLAUSE,
	F_LEVEL,
	F_VERDICT,
	F_MODE,
	F_HOW,
	F_HOLDER,
	F_HELD,
	F_FORK_WAITED,
	F_EXPECTED,
	F_MS,
	F_DETAIL,
	F_REASON,
	F_UNEXPECTED,
	NFIELDS
};

struct tcase {
	char *f[NFIELDS]; /* pointers into one heap copy of the line */
	size_t lineno;
	bool unexpected;
};

struct tfile {
	char *subsys;
	char *tap; /* "target-dir/subsys.tap" relative to DIR, NULL if absent */
	struct tcase *cases;
	size_t ncases;
};

struct counts {
	size_t cases, pass, fail, xfail, skip, error, observed, unexpected;
	size_t skip_ok; /* skips that were allowed (an unexpected skip is a failure) */
};

struct target {
	char *dir; /* subdirectory name, used for TAP paths */
	char *name, *cc, *libc, *env, *reason;
	bool available;
	struct tfile *files;
	size_t nfiles;
	struct counts n;
};

static struct target *targets;
static size_t ntargets;

static const char *const LEVELS[] = {"MUST", "SHOULD", "MAY", NULL};
static const char *const VERDICTS[] = {"pass", "fail", "skip", "error", "observed", NULL};
static const char *const FAIL_MODES[] = {"deadlock", "crash", "wrong", NULL};
static const char *const BEHAVIOURS[] = {"works", "deadlock", "crash", "wrong", NULL};
static const char *const HOWS[] = {"proof", "timeout", "exit", "-", NULL};
static const char *const TRIBOOL[] = {"true", "false", "-", NULL};

/* ---- errors and memory ---------------------------------------------------- */

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("report: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* The one-line diagnostic for input that breaks the contract. */
__attribute__((noreturn, format(printf, 3, 4))) static void
malformed(const char *path, size_t lineno, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (lineno)
		fprintf(stderr, "report: %s:%zu: ", path, lineno);
	else
		fprintf(stderr, "report: %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" — " REGEN "\n", stderr);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		die("out of memory");
	return p;
}

__attribute__((format(printf, 1, 2))) static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	int len;
	char *p;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		die("formatting failed");
	p = xrealloc(NULL, (size_t)len + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* Grow *arr so that index n is valid; amortised doubling. */
static void *grow(void *arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 8;
	if (*cap > (size_t)-1 / size)
		die("out of memory");
	return xrealloc(arr, *cap * size);
}

static bool one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* ---- reading ------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Sorted names in dir that end with suffix (all names if NULL), hidden ones
 * excluded. Returns NULL (errno set) if dir cannot be opened.
 */
static char **list_dir(const char *dir, const char *suffix, size_t *count)
{
	DIR *d = opendir(dir);
	const struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, sl = suffix ? strlen(suffix) : 0;

	if (!d)
		return NULL;
	while ((errno = 0, e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len <= sl ||
		    strcmp(e->d_name + len - sl, suffix ? suffix : ""))
			continue;
		names = grow(names, n, &cap, sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	if (errno)
		die("cannot read %s: %s", dir, strerror(errno));
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	*count = n;
	return names ? names : xrealloc(NULL, sizeof(*names));
}

static void free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * Next line of f without its line terminator (LF or CRLF), or NULL at EOF.
 * The caller owns the returned string. Embedded NUL bytes break the contract.
 */
static char *next_line(FILE *f, const char *path, size_t *lineno)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len = getline(&line, &cap, f);

	if (len < 0) {
		free(line);
		if (ferror(f))
			die("cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	++*lineno;
	if (strlen(line) != (size_t)len)
		malformed(path, *lineno, "NUL byte in line");
	if (len && line[len - 1] == '\n')
		line[--len] = 0;
	if (len && line[len - 1] == '\r')
		line[--len] = 0;
	return line;
}

/* Undo the writer's TSV escapes (\t \n \r \\) in place; others are kept. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '\\' && (s[1] == 't' || s[1] == 'n' || s[1] == 'r' || s[1] == '\\')) {
			s++;
			*o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s == 'r' ? '\r' : '\\';
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

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
		unescape(val);
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

/* A decimal number: digits, optionally '.' and more digits. */
static bool valid_ms(const char *s)
{
	const char *p = s;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == s)
		return false;
	if (*p == '.') {
		const char *frac = ++p;

		while (*p >= '0' && *p <= '9')
			p++;
		if (p == frac)
			return false;
	}
	return *p == 0;
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

/* Split and validate one case line; line becomes owned by the case. */
static void parse_case(struct tcase *c, char *line, const char *path, size_t lineno)
{
	size_t n = 0;
	char *p = line;
	const char *v, *m;

	c->lineno = lineno;
	for (;;) {
		char *tab = strchr(p, '\t');

		if (n < NFIELDS)
			c->f[n] = p;
		n++;
		if (!tab)
			break;
		*tab = 0;
		p = tab + 1;
	}
	if (n != NFIELDS)
		malformed(path, lineno,
		          "%zu fields, expected %d (case clause level verdict mode how holder "
		          "held fork_waited expected ms detail reason unexpected)",
		          n, NFIELDS);
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
		malformed(path, lineno, "mode '%s' on a %s verdict, expected '-'", m, v);
	if (!one_of(c->f[F_HOW], HOWS))
		malformed(path, lineno, "how '%s', expected proof, timeout, exit or -",
		          c->f[F_HOW]);
	if (!one_of(c->f[F_HELD], TRIBOOL))
		malformed(path, lineno, "held '%s', expected true, false or -", c->f[F_HELD]);
	if (!one_of(c->f[F_FORK_WAITED], TRIBOOL))
		malformed(path, lineno, "fork_waited '%s', expected true, false or -",
		          c->f[F_FORK_WAITED]);
	/* "-": a harness failure the binary could not report, expectation unknown */
	if (strcmp(c->f[F_EXPECTED], "-") && !valid_expected(c->f[F_EXPECTED]))
		malformed(path, lineno,
		          "expected '%s', want pass, fail[:MODE], skip or observed[:BEHAVIOUR]",
		          c->f[F_EXPECTED]);
	if (!valid_ms(c->f[F_MS]))
		malformed(path, lineno, "ms '%s' is not a decimal number", c->f[F_MS]);
	if (strcmp(c->f[F_UNEXPECTED], "true") && strcmp(c->f[F_UNEXPECTED], "false"))
		malformed(path, lineno, "unexpected '%s', expected true or false",
		          c->f[F_UNEXPECTED]);
	unescape(c->f[F_DETAIL]);
	unescape(c->f[F_REASON]);
	c->unexpected = !strcmp(c->f[F_UNEXPECTED], "true");
}

static void count_case(struct counts *n, const struct tcase *c)
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

static const struct tcase *find_case(const struct target *t, const char *name)
{
	for (size_t i = 0; i < t->nfiles; i++)
		for (size_t j = 0; j < t->files[i].ncases; j++)
			if (!strcmp(t->files[i].cases[j].f[F_CASE], name))
				return &t->files[i].cases[j];
	return NULL;
}

static void read_cases(struct target *t, struct tfile *tf, const char *tdir)
{
	char *path = xasprintf("%s/%s.tsv", tdir, tf->subsys);
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

		if (!line[0] || line[0] == '#') {
			free(line);
			continue;
		}
		tf->cases = grow(tf->cases, tf->ncases, &cap, sizeof(*tf->cases));
		c = &tf->cases[tf->ncases];
		parse_case(c, line, path, lineno);
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
	names = list_dir(tdir, ".tsv", &n);
	if (!names)
		die("cannot read %s: %s", tdir, strerror(errno));
	for (size_t i = 0; i < n; i++) {
		struct tfile *tf;

		if (!strcmp(names[i], "target.tsv"))
			continue;
		t->files = grow(t->files, t->nfiles, &cap, sizeof(*t->files));
		tf = &t->files[t->nfiles++];
		memset(tf, 0, sizeof(*tf));
		tf->subsys = xstrdup(names[i]);
		tf->subsys[strlen(tf->subsys) - 4] = 0;
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

static void load(const char *dir)
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
				char **tsvs = list_dir(tdir, ".tsv", &ntsv);

				if (tsvs && ntsv)
					malformed(tsv, 0, "missing, but %s has case files", tdir);
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

/* ---- the specification: chapters and clauses in document order ----------- */

/*
 * The clause list comes from the .adoc files of the spec directory, read the way
 * tools/spec-status.rb and tools/trace read it: files in the order index.adoc includes them (then
 * any other, sorted); an anchor [[ID]] followed by a heading "=... ID: title";
 * its Level:: and Profile:: lines; "== Title" opens a chapter. Delimited
 * blocks are skipped. Without a spec directory the outputs simply lack
 * chapters, titles and profile claims.
 */
struct sclause {
	char *id, *title, *level, *profile;
	size_t chapter; /* index into chapters */
};

static char **chapters;
static size_t nchapters;
static struct sclause *sclauses;
static size_t nsclauses;
static bool have_spec;
static const char *spec_dir; /* for functions.tsv */

static const char *const PROFILES[] = {"posix", "spawn", "unrestricted", NULL};

/* Profiles are nested: rank of a clause's (smallest) profile, -1 if unknown. */
static int profile_rank(const char *p)
{
	for (int i = 0; PROFILES[i]; i++)
		if (p && !strcmp(p, PROFILES[i]))
			return i;
	return -1;
}

/* CLAUSE-ID shape: [A-Z][A-Z0-9]*(-[A-Z0-9]+)*-[0-9]+ */
static bool clause_id(const char *s, size_t n)
{
	size_t last = 0;

	if (n < 3 || s[0] < 'A' || s[0] > 'Z')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '-') {
			if (s[i - 1] == '-' || i + 1 == n)
				return false;
			last = i;
		} else if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
			return false;
	}
	if (!last)
		return false;
	for (size_t i = last + 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static const struct sclause *find_sclause(const char *id)
{
	for (size_t i = 0; i < nsclauses; i++)
		if (!strcmp(sclauses[i].id, id))
			return &sclauses[i];
	return NULL;
}

/*
 * Heading text without AsciiDoc inline markup people would see as noise;
 * Asciidoctor's built-in {cpp} becomes C++ (it is longer, hence the room).
 */
static char *plain_title(const char *s)
{
	char *t = xrealloc(NULL, 2 * strlen(s) + 1), *o = t;

	for (const char *p = s; *p; p++) {
		if (!strncmp(p, "{cpp}", 5)) {
			memcpy(o, "C++", 3);
			o += 3;
			p += 4;
		} else if (*p != '`' && !(*p == '+' && (p[1] == '`' || (p > s && p[-1] == '`'))))
			*o++ = *p;
	}
	*o = 0;
	return t;
}

/* A delimiter line: one character repeated. */
static bool all_same(const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p != s[0])
			return false;
	return true;
}

static void read_spec_file(const char *path, size_t *ccap, size_t *kcap)
{
	FILE *f = fopen(path, "r");
	size_t lineno = 0;
	char *line, *delim = NULL, *pending = NULL;
	struct sclause *cur = NULL;

	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	while ((line = next_line(f, path, &lineno))) {
		size_t len = strlen(line), eq = strspn(line, "=");

		if (delim) {
			if (!strcmp(line, delim)) {
				free(delim);
				delim = NULL;
			}
		} else if (len >= 4 && strchr(".-/+", line[0]) && all_same(line)) {
			delim = xstrdup(line);
		} else if (len > 4 && !strncmp(line, "[[", 2) && !strcmp(line + len - 2, "]]") &&
		           clause_id(line + 2, len - 4)) {
			free(pending);
			pending = xstrndup(line + 2, len - 4);
			cur = NULL;
		} else if (eq && line[eq] == ' ') {
			const char *text = line + eq + 1;
			size_t il = pending ? strlen(pending) : 0;

			cur = NULL;
			if (eq == 2) {
				chapters = grow(chapters, nchapters, ccap, sizeof(*chapters));
				chapters[nchapters++] = plain_title(text);
			}
			if (pending && !strncmp(text, pending, il) && text[il] == ':' &&
			    !find_sclause(pending)) {
				sclauses = grow(sclauses, nsclauses, kcap, sizeof(*sclauses));
				cur = &sclauses[nsclauses++];
				cur->id = pending;
				pending = NULL;
				cur->title = plain_title(text + il + 1 + (text[il + 1] == ' '));
				cur->level = cur->profile = NULL;
				cur->chapter = nchapters ? nchapters - 1 : 0;
				if (!nchapters) {
					chapters =
					    grow(chapters, nchapters, ccap, sizeof(*chapters));
					chapters[nchapters++] = xstrdup("");
				}
			}
			free(pending);
			pending = NULL;
		} else if (line[0]) {
			free(pending);
			pending = NULL;
			if (cur && !strncmp(line, "Level::", 7)) {
				free(cur->level);
				cur->level =
				    xstrndup(line + 7 + strspn(line + 7, " "),
				             strcspn(line + 7 + strspn(line + 7, " "), " "));
			} else if (cur && !strncmp(line, "Profile::", 9)) {
				free(cur->profile);
				cur->profile =
				    xstrndup(line + 9 + strspn(line + 9, " "),
				             strcspn(line + 9 + strspn(line + 9, " "), " "));
			}
		}
		free(line);
	}
	free(delim);
	free(pending);
	fclose(f);
}

static void read_spec(const char *dir)
{
	char *index = xasprintf("%s/index.adoc", dir);
	FILE *f = fopen(index, "r");
	char **files = NULL, **all, *line;
	size_t nfiles = 0, fcap = 0, nall, lineno = 0, ccap = 0, kcap = 0;

	all = list_dir(dir, ".adoc", &nall);
	if (!all)
		die("cannot read the specification in '%s': %s (--spec DIR)", dir, strerror(errno));
	while (f && (line = next_line(f, index, &lineno))) {
		size_t n;

		if (!strncmp(line, "include::", 9) && (n = strcspn(line + 9, "[{}")) > 5 &&
		    line[9 + n] == '[' && !strncmp(line + 9 + n - 5, ".adoc", 5)) {
			for (size_t i = 0; i < nall; i++)
				if (all[i] && strlen(all[i]) == n &&
				    !strncmp(all[i], line + 9, n)) {
					files = grow(files, nfiles, &fcap, sizeof(*files));
					files[nfiles++] = all[i];
					all[i] = NULL;
				}
		}
		free(line);
	}
	if (f)
		fclose(f);
	for (size_t i = 0; i < nall; i++)
		if (all[i]) {
			files = grow(files, nfiles, &fcap, sizeof(*files));
			files[nfiles++] = all[i];
		}
	for (size_t i = 0; i < nfiles; i++) {
		char *path = xasprintf("%s/%s", dir, files[i]);

		read_spec_file(path, &ccap, &kcap);
		free(path);
		free(files[i]);
	}
	free(files);
	free(all);
	free(index);
	have_spec = true;
}

/* ---- verdicts of a clause and profile claims ------------------------------ */

enum agg { A_NONE, A_SKIP, A_OBSERVED, A_PASS, A_ERROR, A_FAIL };

/* One clause on one target: fail > error > pass > observed > skip > none. */
static enum agg clause_agg(const struct target *t, const char *clause)
{
	enum agg a = A_NONE;

	for (size_t i = 0; i < t->nfiles; i++)
		for (size_t j = 0; j < t->files[i].ncases; j++) {
			const char *const *c = (const char *const *)t->files[i].cases[j].f;
			const char *v = c[F_VERDICT];
			enum agg x = !strcmp(v, "fail")    ? A_FAIL
			             : !strcmp(v, "error") ? A_ERROR
			             : !strcmp(v, "pass")  ? A_PASS
			             : !strcmp(v, "skip")  ? A_SKIP
			                                   : A_OBSERVED;

			if (!strcmp(c[F_CLAUSE], clause) && x > a)
				a = x;
		}
	return a;
}

struct claim {
	size_t must, must_pass, must_fail, must_error, must_untested;
	size_t should, should_tested, should_pass;
	const char *verdict; /* conforms, does-not-conform, undecided */
};

/*
 * The claim of a profile on a target (spec chapter "Profiles"): every case of
 * every MUST clause of the profile and of those it contains passes. A clause
 * whose cases all skip is untested. SHOULD clauses are counted, not decisive.
 */
static struct claim profile_claim(const struct target *t, int rank)
{
	struct claim c = {0};

	for (size_t i = 0; i < nsclauses; i++) {
		const struct sclause *s = &sclauses[i];
		int r = profile_rank(s->profile);
		enum agg a;

		if (r < 0 || r > rank || !s->level)
			continue;
		a = clause_agg(t, s->id);
		if (!strcmp(s->level, "MUST")) {
			c.must++;
			c.must_pass += a == A_PASS || a == A_OBSERVED;
			c.must_fail += a == A_FAIL;
			c.must_error += a == A_ERROR;
			c.must_untested += a == A_NONE || a == A_SKIP;
		} else if (!strcmp(s->level, "SHOULD")) {
			c.should++;
			c.should_tested += a != A_NONE && a != A_SKIP;
			c.should_pass += a == A_PASS;
		}
	}
	c.verdict = c.must_fail                                  ? "does-not-conform"
	            : c.must_error || c.must_untested || !c.must ? "undecided"
	                                                         : "conforms";
	return c;
}

/* "does not conform: 3 of 40 MUST clauses fail" and the like. */
static char *claim_text(const struct claim *c)
{
	if (c->must_fail)
		return xasprintf("does not conform (%zu of %zu MUST clauses fail)", c->must_fail,
		                 c->must);
	if (c->must_error)
		return xasprintf("undecided (%zu MUST clauses with errors)", c->must_error);
	if (c->must_untested || !c->must)
		return xasprintf("undecided (%zu of %zu MUST clauses untested)", c->must_untested,
		                 c->must);
	return xasprintf("conforms (all %zu MUST clauses pass)", c->must);
}

/* ---- encoding helpers ----------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s, or 0 if the byte there starts none. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	cp = s[0] & (0x3fu >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		return 0;
	if (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
		return 0;
	return n;
}

/* Columns s takes on a terminal: one per code point (names are not CJK). */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Set while writing JSON into the dashboard's <script> element. */
static bool json_html;

/* JSON string (NULL or "-" where allowed becomes null via the callers). */
static void json_str(FILE *o, const char *s)
{
	if (!s) {
		fputs("null", o);
		return;
	}
	putc('"', o);
	while (*s) {
		const unsigned char *u = (const unsigned char *)s;
		size_t n = utf8_seq(u);

		if (json_html && (*u == '<' || *u == '>' || *u == '&')) {
			fprintf(o, "\\u%04x", *u); /* inside <script>, never "</script>" */
		} else if (*u == '"' || *u == '\\') {
			putc('\\', o);
			putc(*u, o);
		} else if (*u < 0x20 || *u == 0x7f) {
			fprintf(o, "\\u%04x", *u);
		} else if (n) {
			fwrite(s, 1, n, o);
			s += n - 1;
		} else {
			fputs("\\ufffd", o); /* invalid UTF-8 would make the file unparsable */
		}
		s++;
	}
	putc('"', o);
}

static const char *dash_null(const char *s)
{
	return strcmp(s, "-") ? s : NULL;
}

static void json_bool3(FILE *o, const char *s)
{
	fputs(!strcmp(s, "-") ? "null" : s, o);
}

/* The ms field is validated as digits[.digits]; drop leading zeros for JSON. */
static void json_ms(FILE *o, const char *s)
{
	while (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		s++;
	fputs(s, o);
}

/* XML text or attribute value; control bytes XML 1.0 forbids become \xNN. */
static void xml_str(FILE *o, const char *s, bool attr)
{
	for (; *s; s++) {
		const unsigned char *u = (const unsigned char *)s;
		size_t n = utf8_seq(u);

		switch (*u) {
		case '&':
			fputs("&amp;", o);
			continue;
		case '<':
			fputs("&lt;", o);
			continue;
		case '>':
			fputs("&gt;", o);
			continue;
		case '"':
			fputs(attr ? "&quot;" : "\"", o);
			continue;
		case '\t':
		case '\n':
		case '\r':
			/* Character references survive attribute-value normalisation. */
			if (attr || *u == '\r')
				fprintf(o, "&#%d;", *u);
			else
				putc(*u, o);
			continue;
		default:
			break;
		}
		if (*u < 0x20)
			fprintf(o, "\\x%02x", *u);
		else if (n == 3 && u[0] == 0xef && u[1] == 0xbf && u[2] >= 0xbe)
			fputs("\xef\xbf\xbd", o); /* U+FFFE/U+FFFF are not XML characters */
		else if (n) {
			fwrite(s, 1, n, o);
			s += n - 1;
		} else
			fputs("\xef\xbf\xbd", o);
	}
}

/* Free text on one terminal line: control characters become spaces. */
static void put_oneline(FILE *o, const char *s)
{
	for (; *s; s++)
		putc((unsigned char)*s < 0x20 ? ' ' : *s, o);
}

/* "fail:deadlock", "observed:works", or the bare verdict. */
static void put_verdict(FILE *o, const struct tcase *c)
{
	fputs(c->f[F_VERDICT], o);
	if (strcmp(c->f[F_MODE], "-"))
		fprintf(o, ":%s", c->f[F_MODE]);
}

/* ---- outputs -------------------------------------------------------------- */

struct out {
	FILE *f;
	char *tmp, *path;
};

/* Write to a temporary name and rename, so readers never see half a file. */
static struct out out_open(const char *dir, const char *name)
{
	struct out o;

	o.path = xasprintf("%s/%s", dir, name);
	o.tmp = xasprintf("%s/.%s.tmp", dir, name);
	o.f = fopen(o.tmp, "w");
	if (!o.f)
		die("cannot write %s: %s", o.tmp, strerror(errno));
	return o;
}

static void out_close(struct out *o)
{
	bool bad = ferror(o->f);

	if (fclose(o->f) || bad)
		die("cannot write %s: %s", o->tmp, strerror(errno));
	if (rename(o->tmp, o->path))
		die("cannot rename %s to %s: %s", o->tmp, o->path, strerror(errno));
	free(o->tmp);
	free(o->path);
}

/* ---- the run's environment ---------------------------------------------- */

static char *run_started; /* from the driver's INCOMPLETE marker, or NULL */
static char run_finished[32];

/* "started at 2026-01-01T00:00:00Z; ..." in DIR/INCOMPLETE, written by the driver. */
static void read_run_times(const char *dir)
{
	char *path = xasprintf("%s/INCOMPLETE", dir);
	FILE *f = fopen(path, "r");
	size_t lineno = 0;
	char *line;
	time_t now = time(NULL);
	struct tm tm;

	if (f && (line = next_line(f, path, &lineno))) {
		if (!strncmp(line, "started at ", 11))
			run_started = xstrndup(line + 11, strcspn(line + 11, "; "));
		free(line);
	}
	if (f)
		fclose(f);
	free(path);
	if (gmtime_r(&now, &tm))
		strftime(run_finished, sizeof run_finished, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The settings that change what a run does: MTFORK_* and FORKLOCK_*, set and non-empty. */
static bool is_setting(const char *e)
{
	const char *eq = strchr(e, '=');

	return eq && eq[1] && (!strncmp(e, "MTFORK_", 7) || !strncmp(e, "FORKLOCK_", 9));
}

static void json_settings(FILE *f)
{
	char **names = NULL;
	size_t n = 0, cap = 0;

	for (char **e = environ; e && *e; e++)
		if (is_setting(*e)) {
			names = grow(names, n, &cap, sizeof(*names));
			names[n++] = *e;
		}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	fputs("{", f);
	for (size_t i = 0; i < n; i++) {
		char *name = xstrndup(names[i], strcspn(names[i], "="));

		fputs(i ? ", " : " ", f);
		json_str(f, name);
		fputs(": ", f);
		json_str(f, names[i] + strlen(name) + 1);
		free(name);
	}
	fputs(n ? " }" : "}", f);
	free(names);
}

static void json_profiles(FILE *f, const struct target *t)
{
	if (!have_spec) {
		fputs("null", f);
		return;
	}
	fputs("{", f);
	for (int p = 0; PROFILES[p]; p++) {
		struct claim c = profile_claim(t, p);

		fprintf(
		    f,
		    "%s\n        \"%s\": { \"verdict\": \"%s\", \"must\": %zu, \"must_pass\": %zu, "
		    "\"must_fail\": %zu, \"must_error\": %zu, \"must_untested\": %zu, "
		    "\"should\": %zu, \"should_tested\": %zu, \"should_pass\": %zu }",
		    p ? "," : "", PROFILES[p], c.verdict, c.must, c.must_pass, c.must_fail,
		    c.must_error, c.must_untested, c.should, c.should_tested, c.should_pass);
	}
	fputs(" }", f);
}

/* Lines of a TAP file, for the dashboard's excerpts. */
struct taplines {
	char **line;
	size_t n;
};

static struct taplines read_tap(const char *dir, const char *tap)
{
	struct taplines tl = {NULL, 0};
	size_t cap = 0, lineno = 0;
	char *path, *line;
	FILE *f;

	if (!tap)
		return tl;
	path = xasprintf("%s/%s", dir, tap);
	f = fopen(path, "r");
	while (f && (line = next_line(f, path, &lineno))) {
		tl.line = grow(tl.line, tl.n, &cap, sizeof(*tl.line));
		tl.line[tl.n++] = line;
	}
	if (f)
		fclose(f);
	free(path);
	return tl;
}

/* The case's result line ("ok 3 - NAME ...") and its YAML block. */
static void json_tap_excerpt(FILE *f, const struct taplines *tl, const char *name)
{
	size_t nl = strlen(name), i;

	fputs("[", f);
	for (i = 0; i < tl->n; i++) {
		const char *l = tl->line[i], *p = l + (strncmp(l, "not ", 4) ? 0 : 4);

		if (strncmp(p, "ok ", 3))
			continue;
		p += 3 + strspn(p + 3, "0123456789");
		if (!strncmp(p, " - ", 3) && !strncmp(p + 3, name, nl) &&
		    (p[3 + nl] == 0 || p[3 + nl] == ' '))
			break;
	}
	for (size_t j = i; j < tl->n && (j == i || tl->line[j][0] == ' '); j++) {
		if (j > i)
			fputs(", ", f);
		json_str(f, tl->line[j]);
	}
	fputs("]", f);
}

static void free_tap(struct taplines *tl)
{
	free_list(tl->line, tl->n);
}

/*
 * results.json; with dir_for_tap (the dashboard's copy) every case also
 * carries "tap_lines", its excerpt of the TAP stream.
 */
static void json_results(FILE *f, const char *version, const char *commit, const char *dir_for_tap)
{
	struct utsname u;
	bool have_uname = uname(&u) == 0;
	char host[256];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (gethostname(host, sizeof host))
		strcpy(host, "unknown");
	host[sizeof host - 1] = 0;
	fputs("{\n  \"format\": 1,\n  \"suite\": { \"name\": \"mtfork\", \"version\": ", f);
	json_str(f, version);
	fputs(", \"commit\": ", f);
	json_str(f, commit);
	fputs(" },\n  \"host\": { \"kernel\": ", f);
	json_str(f, have_uname ? u.release : "unknown");
	fputs(", \"arch\": ", f);
	json_str(f, have_uname ? u.machine : "unknown");
	fputs(", \"name\": ", f);
	json_str(f, host);
	fputs(", \"os\": ", f);
	json_str(f, have_uname ? u.sysname : "unknown");
	fprintf(f, ", \"cpus\": %ld },\n  \"run\": { \"started\": ", cpus > 0 ? cpus : 0);
	json_str(f, run_started);
	fputs(", \"finished\": ", f);
	json_str(f, run_finished[0] ? run_finished : NULL);
	fputs(", \"settings\": ", f);
	json_settings(f);
	fputs(" },\n  \"targets\": [", f);
	for (size_t i = 0; i < ntargets; i++) {
		const struct target *t = &targets[i];
		const char *sep = "";

		fputs(i ? ",\n    { \"name\": " : "\n    { \"name\": ", f);
		json_str(f, t->name);
		fputs(", \"cc\": ", f);
		json_str(f, t->cc);
		if (!t->available) {
			fputs(", \"available\": false, \"reason\": ", f);
			json_str(f, t->reason);
			fputs(", \"cases\": [] }", f);
			continue;
		}
		fputs(", \"libc\": ", f);
		json_str(f, t->libc);
		fputs(", \"env\": ", f);
		json_str(f, t->env);
		fprintf(
		    f,
		    ", \"available\": true,\n      \"summary\": { \"cases\": %zu, \"pass\": %zu, "
		    "\"fail\": %zu, \"skip\": %zu, \"error\": %zu, \"observed\": %zu, "
		    "\"unexpected\": %zu, \"xfail\": %zu },\n      \"profiles\": ",
		    t->n.cases, t->n.pass, t->n.fail, t->n.skip, t->n.error, t->n.observed,
		    t->n.unexpected, t->n.xfail);
		json_profiles(f, t);
		fputs(",\n      \"cases\": [", f);
		for (size_t j = 0; j < t->nfiles; j++) {
			const struct tfile *tf = &t->files[j];
			struct taplines tl = {NULL, 0};

			if (dir_for_tap)
				tl = read_tap(dir_for_tap, tf->tap);
			for (size_t k = 0; k < tf->ncases; k++) {
				char *const *c = tf->cases[k].f;

				fprintf(f, "%s\n        { \"case\": ", sep);
				sep = ",";
				json_str(f, c[F_CASE]);
				fputs(", \"clause\": ", f);
				json_str(f, c[F_CLAUSE]);
				fputs(", \"level\": ", f);
				json_str(f, c[F_LEVEL]);
				fputs(", \"verdict\": ", f);
				json_str(f, c[F_VERDICT]);
				fputs(", \"mode\": ", f);
				json_str(f, dash_null(c[F_MODE]));
				fputs(", \"how\": ", f);
				json_str(f, dash_null(c[F_HOW]));
				fputs(", \"holder\": ", f);
				json_str(f, c[F_HOLDER]);
				fputs(", \"held\": ", f);
				json_bool3(f, c[F_HELD]);
				fputs(", \"fork_waited\": ", f);
				json_bool3(f, c[F_FORK_WAITED]);
				fputs(", \"expected\": ", f);
				json_str(f, dash_null(c[F_EXPECTED]));
				fputs(", \"expected_reason\": ", f);
				json_str(f, dash_null(c[F_REASON]));
				fprintf(f, ", \"unexpected\": %s, \"ms\": ",
				        tf->cases[k].unexpected ? "true" : "false");
				json_ms(f, c[F_MS]);
				fputs(", \"detail\": ", f);
				json_str(f, c[F_DETAIL]);
				fputs(", \"subsystem\": ", f);
				json_str(f, tf->subsys);
				fputs(", \"tap\": ", f);
				json_str(f, tf->tap);
				if (dir_for_tap) {
					fputs(", \"tap_lines\": ", f);
					json_tap_excerpt(f, &tl, c[F_CASE]);
				}
				fputs(" }", f);
			}
			free_tap(&tl);
		}
		fputs(*sep ? "\n      ] }" : "] }", f);
	}
	fputs(ntargets ? "\n  ]\n}" : "]\n}", f);
}

static void write_json(const char *dir, const char *version, const char *commit)
{
	struct out o = out_open(dir, "results.json");

	json_results(o.f, version, commit, NULL);
	fputs("\n", o.f);
	out_close(&o);
}

/* "verdict pass, expected fail:deadlock (reason)" — shared by junit and --check. */
static void put_mismatch(FILE *o, const struct tcase *c, void (*put)(FILE *, const char *))
{
	fputs("verdict ", o);
	put_verdict(o, c);
	fprintf(o, ", expected %s", c->f[F_EXPECTED]);
	if (strcmp(c->f[F_REASON], "-")) {
		fputs(" (", o);
		put(o, c->f[F_REASON]);
		fputs(")", o);
	}
	if (!strcmp(c->f[F_VERDICT], "error") && c->f[F_DETAIL][0] && strcmp(c->f[F_DETAIL], "-")) {
		fputs(": ", o); /* an error's detail is the only clue to the harness fault */
		put(o, c->f[F_DETAIL]);
	}
}

static void xml_attr(FILE *o, const char *s)
{
	xml_str(o, s, true);
}

/* One <testcase>: unexpected verdicts fail (errors error), expected ones pass. */
static void junit_case(FILE *f, const struct target *t, const struct tfile *tf,
                       const struct tcase *c)
{
	const char *v = c->f[F_VERDICT];
	const char *el = !strcmp(v, "error") ? "error" : "failure";

	fputs("    <testcase classname=\"mtfork.", f);
	xml_attr(f, t->name);
	putc('.', f);
	xml_attr(f, tf->subsys);
	fputs("\" name=\"", f);
	xml_attr(f, c->f[F_CASE]);
	fprintf(f, "\" time=\"%.6f\">\n", strtod(c->f[F_MS], NULL) / 1000);
	if (c->unexpected) {
		fprintf(f, "      <%s message=\"", el);
		put_mismatch(f, c, xml_attr);
		fputs("\">", f);
		xml_str(f, c->f[F_DETAIL], false);
		fprintf(f, "</%s>\n", el);
	} else if (!strcmp(v, "skip")) {
		/* A skip's detail says why it skipped; the reason only why that is expected. */
		bool detail = c->f[F_DETAIL][0] && strcmp(c->f[F_DETAIL], "-");

		fputs("      <skipped message=\"", f);
		xml_attr(f, detail ? c->f[F_DETAIL] : c->f[F_REASON]);
		fputs("\"/>\n", f);
	} else if (strcmp(v, "pass")) {
		/*
		 * An expected failure stays visible to CI dashboards as a skip of
		 * type "xfail" (pytest's convention); an observation passes. Both
		 * say what they saw.
		 */
		if (!strcmp(v, "fail")) {
			fputs("      <skipped type=\"xfail\" message=\"expected failure: ", f);
			put_verdict(f, c);
			if (strcmp(c->f[F_REASON], "-")) {
				fputs(" (", f);
				xml_attr(f, c->f[F_REASON]);
				fputs(")", f);
			}
			fputs("\"/>\n", f);
		}
		fputs("      <system-out>as expected: ", f);
		put_verdict(f, c);
		if (strcmp(c->f[F_REASON], "-")) {
			fputs(" (", f);
			xml_str(f, c->f[F_REASON], false);
			fputs(")", f);
		}
		fputs("\n", f);
		xml_str(f, c->f[F_DETAIL], false);
		fputs("</system-out>\n", f);
	}
	fputs("    </testcase>\n", f);
}

static void write_junit(const char *dir)
{
	struct out o = out_open(dir, "junit.xml");
	FILE *f = o.f;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mtfork\">\n", f);
	for (size_t i = 0; i < ntargets; i++) {
		const struct target *t = &targets[i];

		if (!t->available) {
			fputs("  <testsuite name=\"", f);
			xml_attr(f, t->name);
			fputs("\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\">\n"
			      "    <testcase classname=\"mtfork.",
			      f);
			xml_attr(f, t->name);
			fputs("\" name=\"target available\" time=\"0\">\n"
			      "      <skipped message=\"unavailable: ",
			      f);
			xml_attr(f, t->reason);
			fputs("\"/>\n    </testcase>\n  </testsuite>\n", f);
			continue;
		}
		for (size_t j = 0; j < t->nfiles; j++) {
			const struct tfile *tf = &t->files[j];
			struct counts n = {0};

			for (size_t k = 0; k < tf->ncases; k++)
				count_case(&n, &tf->cases[k]);
			fputs("  <testsuite name=\"", f);
			xml_attr(f, t->name);
			putc('/', f);
			xml_attr(f, tf->subsys);
			fprintf(
			    f,
			    "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
			    n.cases, n.unexpected - n.error, n.error, n.skip_ok + n.xfail);
			for (size_t k = 0; k < tf->ncases; k++)
				junit_case(f, t, tf, &tf->cases[k]);
			fputs("  </testsuite>\n", f);
		}
	}
	fputs("</testsuites>\n", f);
	out_close(&o);
}

/* ---- terminal matrix and summary ------------------------------------------ */

enum rkind { R_CHAPTER, R_CLAUSE, R_CASE };

struct row {
	enum rkind kind;
	const char *name; /* case name (R_CASE), chapter title (R_CHAPTER) */
	const char *clause, *level;
	size_t nclause_cases; /* clause rows: how many case rows follow */
};

enum colour { C_NONE, C_GREEN, C_RED, C_YELLOW, C_GREY, C_CYAN };

static const char *const SGR[] = {"", "\033[32m", "\033[1;31m", "\033[33m", "\033[90m", "\033[36m"};

/* Cell text and colour of one case on one target. */
static const char *cell(const struct target *t, const struct tcase *c, enum colour *col,
                        char **owned)
{
	const char *v;

	*owned = NULL;
	if (!t->available) {
		*col = C_GREY;
		return "n/a";
	}
	if (!c) {
		*col = C_GREY;
		return "-";
	}
	v = c->f[F_VERDICT];
	if (!strcmp(v, "skip")) {
		*col = c->unexpected ? C_RED : C_GREY;
		return c->unexpected ? "SKIP" : "skip";
	}
	if (!strcmp(v, "error")) {
		*col = C_RED;
		return "ERROR";
	}
	if (!strcmp(v, "pass")) {
		*col = c->unexpected ? C_RED : C_GREEN;
		return c->unexpected ? "XPASS" : "pass"; /* XPASS: a known failure is fixed */
	}
	if (!strcmp(v, "fail")) {
		*col = c->unexpected ? C_RED : C_YELLOW;
		*owned = xasprintf("%s:%s", c->unexpected ? "FAIL" : "xfail", c->f[F_MODE]);
	} else {
		/* An observation is recorded, not judged: never the colour of a failure. */
		*col = c->unexpected ? C_RED : C_CYAN;
		*owned = xasprintf("%s:%s", c->unexpected ? "OBS" : "obs", c->f[F_MODE]);
	}
	return *owned;
}

static void pad(FILE *o, size_t n)
{
	while (n--)
		putc(' ', o);
}

/* Columns of s on a terminal, not counting SGR colour sequences. */
static size_t visible_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++) {
		if (*s == '\033' && s[1] == '[') {
			s += 2 + strspn(s + 2, "0123456789;");
			if (!*s)
				break;
			continue;
		}
		w += ((unsigned char)*s & 0xc0) != 0x80;
	}
	return w;
}

/* s in at most w columns: cut with "…" when longer. */
static void put_fit(FILE *o, const char *s, size_t w)
{
	size_t sw = text_width(s), cols = 0;

	if (sw <= w) {
		fputs(s, o);
		pad(o, w - sw);
		return;
	}
	for (; *s && cols + 1 < w; s++) {
		putc(*s, o);
		if (((unsigned char)s[1] & 0xc0) != 0x80)
			cols++;
	}
	fputs("…", o);
	pad(o, w - cols - 1);
}

/* Prose in at most w columns: cut after the last whole word that fits, then "…". */
static void put_fit_words(FILE *o, const char *s, size_t w)
{
	size_t cols = 0, cut = 0;

	if (text_width(s) <= w) {
		fputs(s, o);
		return;
	}
	for (size_t i = 0; s[i] && cols + 2 <= w; i++) {
		if (s[i] == ' ')
			cut = i;
		cols += ((unsigned char)s[i] & 0xc0) != 0x80;
	}
	if (!cut) {
		put_fit(o, s, w);
		return;
	}
	fwrite(s, 1, cut, o);
	fputs(" …", o);
}

/*
 * text as lines of at most width columns (0: one line), broken at spaces,
 * continuation lines indented; a word longer than a line stays whole.
 */
static void put_wrapped(FILE *o, const char *text, size_t width, size_t indent)
{
	size_t col = 0;
	const char *p = text;

	if (!width) {
		fprintf(o, "%s\n", text);
		return;
	}
	col = strspn(p, " "); /* the line's own indentation stays */
	pad(o, col);
	p += col;
	while (*p) {
		size_t n = strcspn(p, " ");
		char *word = xstrndup(p, n);
		size_t ww = visible_width(word);

		if (col > indent && col + 1 + ww > width) {
			putc('\n', o);
			pad(o, indent);
			col = indent;
		} else if (p > text + strspn(text, " ")) {
			putc(' ', o);
			col++;
		}
		fputs(word, o);
		col += ww;
		free(word);
		p += n;
		p += strspn(p, " ");
	}
	putc('\n', o);
}

/* Put case c under its clause row (appended on first sight) unless already listed. */
static struct row *add_row(struct row *rows, size_t *n, size_t *cap, char *const *c)
{
	size_t r, q, at;

	for (r = 0; r < *n; r++)
		if (rows[r].kind == R_CLAUSE && !strcmp(rows[r].clause, c[F_CLAUSE]))
			break;
	if (r == *n) {
		rows = grow(rows, *n, cap, sizeof(*rows));
		rows[(*n)++] = (struct row){R_CLAUSE, NULL, c[F_CLAUSE], c[F_LEVEL], 0};
	}
	at = r + 1 + rows[r].nclause_cases;
	for (q = r + 1; q < at; q++)
		if (!strcmp(rows[q].name, c[F_CASE]))
			return rows; /* listed by an earlier target */
	rows[r].nclause_cases++;
	rows = grow(rows, *n, cap, sizeof(*rows));
	memmove(&rows[at + 1], &rows[at], (*n - at) * sizeof(*rows));
	rows[at] = (struct row){R_CASE, c[F_CASE], c[F_CLAUSE], c[F_LEVEL], 0};
	(*n)++;
	return rows;
}

struct group {
	size_t start, key1, key2; /* key: chapter, then place in the spec */
};

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->key1 != y->key1)
		return x->key1 < y->key1 ? -1 : 1;
	return x->key2 < y->key2 ? -1 : x->key2 > y->key2;
}

/*
 * Rows: clauses in the order of the specification, under a row naming their
 * chapter, each followed by its cases; clauses the spec does not define come
 * last, in order of first appearance.
 */
static struct row *build_rows(size_t *nrows)
{
	struct row *rows = NULL, *out;
	size_t n = 0, cap = 0, ng = 0, no = 0, last = (size_t)-1;
	struct group *g;

	for (size_t i = 0; i < ntargets; i++)
		for (size_t j = 0; j < targets[i].nfiles; j++)
			for (size_t k = 0; k < targets[i].files[j].ncases; k++)
				rows = add_row(rows, &n, &cap, targets[i].files[j].cases[k].f);
	if (!have_spec) {
		*nrows = n;
		return rows;
	}
	g = xrealloc(NULL, (n ? n : 1) * sizeof(*g));
	for (size_t r = 0; r < n; r++) {
		const struct sclause *sc;

		if (rows[r].kind != R_CLAUSE)
			continue;
		sc = find_sclause(rows[r].clause);
		g[ng] = (struct group){r, sc ? sc->chapter : nchapters,
		                       sc ? (size_t)(sc - sclauses) : nsclauses + r};
		ng++;
	}
	qsort(g, ng, sizeof(*g), cmp_group);
	out = xrealloc(NULL, (2 * n + 1) * sizeof(*out));
	for (size_t i = 0; i < ng; i++) {
		const struct row *cl = &rows[g[i].start];

		if (g[i].key1 != last) {
			last = g[i].key1;
			out[no++] = (struct row){R_CHAPTER,
			                         last < nchapters ? chapters[last]
			                                          : "Not in the specification",
			                         NULL, NULL, 0};
		}
		memcpy(&out[no], cl, (cl->nclause_cases + 1) * sizeof(*out));
		no += cl->nclause_cases + 1;
	}
	free(g);
	free(rows);
	*nrows = no;
	return out;
}

/* Terminal columns for stdout: $COLUMNS, else the terminal's size, else 0 (no limit). */
static size_t out_width(void)
{
	const char *c = getenv("COLUMNS");
	struct winsize ws;

	if (c && *c) {
		char *end;
		unsigned long v = strtoul(c, &end, 10);

		if (!*end && v >= 20 && v <= 10000)
			return v;
	}
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 0;
}

/* A case row's label: the full ID, or ".variant" under its clause when short. */
static const char *case_label(const struct row *r, bool shortnames)
{
	size_t cl = strlen(r->clause);

	if (shortnames && !strncmp(r->name, r->clause, cl) && r->name[cl] == '.')
		return r->name + cl;
	return r->name;
}

static size_t name_width(const struct row *rows, size_t nrows, bool shortnames)
{
	size_t w0 = strlen("clause / case");

	for (size_t r = 0; r < nrows; r++) {
		size_t rw = rows[r].kind == R_CASE
		                ? 2 + text_width(case_label(&rows[r], shortnames))
		            : rows[r].kind == R_CLAUSE
		                ? text_width(rows[r].clause) + 1 + strlen(rows[r].level)
		                : 0;

		w0 = rw > w0 ? rw : w0;
	}
	return w0;
}

/* The matrix for targets [from, to): header, then one line per row. */
static void print_block(FILE *o, bool colour, const struct row *rows, size_t nrows, size_t from,
                        size_t to, size_t w0, const size_t *w, bool shortnames, size_t width)
{
	fputs("clause / case", o);
	pad(o, w0 - 13);
	for (size_t i = from; i < to; i++) {
		pad(o, 2);
		fputs(targets[i].name, o);
		if (i + 1 < to)
			pad(o, w[i] - text_width(targets[i].name));
	}
	putc('\n', o);
	/* A second header line: the libc (and version) of each column. */
	pad(o, w0);
	for (size_t i = from; i < to; i++) {
		const char *l = targets[i].libc[0] ? targets[i].libc : "-";

		pad(o, 2);
		fputs(l, o);
		if (i + 1 < to)
			pad(o, w[i] - text_width(l));
	}
	putc('\n', o);
	for (size_t r = 0; r < nrows; r++) {
		if (rows[r].kind == R_CHAPTER) {
			fputs("== ", o);
			if (width && text_width(rows[r].name) + 3 > width)
				put_fit(o, rows[r].name, width - 3);
			else
				fputs(rows[r].name, o);
			putc('\n', o);
			continue;
		}
		if (rows[r].kind == R_CLAUSE) {
			const struct sclause *sc = find_sclause(rows[r].clause);
			size_t used = text_width(rows[r].clause) + 1 + strlen(rows[r].level);

			fprintf(o, "%s %s", rows[r].clause, rows[r].level);
			/* The clause's title, when the spec is known, cut to the width. */
			if (sc && sc->title[0] && (!width || used + 2 + 8 <= width)) {
				pad(o, used < w0 ? w0 - used + 2 : 2);
				used = used < w0 ? w0 + 2 : used + 2;
				if (width && used + text_width(sc->title) > width)
					put_fit_words(o, sc->title, width - used);
				else
					fputs(sc->title, o);
			}
			putc('\n', o);
			continue;
		}
		fputs("  ", o);
		put_fit(o, case_label(&rows[r], shortnames), w0 - 2);
		for (size_t i = from; i < to; i++) {
			enum colour col;
			char *owned;
			const char *s =
			    cell(&targets[i], find_case(&targets[i], rows[r].name), &col, &owned);

			pad(o, 2);
			/* Pad outside the colour so trailing blanks stay plain. */
			fprintf(o, "%s%s%s", colour ? SGR[col] : "", s, colour ? "\033[0m" : "");
			if (i + 1 < to)
				pad(o, w[i] - strlen(s));
			free(owned);
		}
		putc('\n', o);
	}
}

static void print_summary(FILE *o, bool colour, size_t width)
{
	size_t nrows, w0, *w, unexpected = 0, total;
	struct row *rows = build_rows(&nrows);
	bool shortnames = false;

	w = xrealloc(NULL, (ntargets ? ntargets : 1) * sizeof(*w));
	for (size_t i = 0; i < ntargets; i++) {
		size_t lw = text_width(targets[i].libc);

		w[i] = text_width(targets[i].name);
		w[i] = lw > w[i] ? lw : w[i];
		for (size_t r = 0; r < nrows; r++) {
			enum colour col;
			char *owned;
			size_t cw;

			if (rows[r].kind != R_CASE)
				continue;
			cw = strlen(
			    cell(&targets[i], find_case(&targets[i], rows[r].name), &col, &owned));
			free(owned);
			w[i] = cw > w[i] ? cw : w[i];
		}
	}
	/* Fit the width: short case names, then blocks of targets, then cut names. */
	w0 = name_width(rows, nrows, false);
	total = w0;
	for (size_t i = 0; i < ntargets; i++)
		total += 2 + w[i];
	if (width && total > width) {
		shortnames = true;
		w0 = name_width(rows, nrows, true);
		total += w0 - name_width(rows, nrows, false);
		/* A few long names are cut ("…") rather than splitting the matrix. */
		if (total > width && total - w0 + 24 <= width)
			w0 = width - (total - w0);
	}
	for (size_t from = 0, to; from < ntargets || (!ntargets && !from); from = to) {
		size_t used = w0, bw0 = w0;

		for (to = from; to < ntargets; to++) {
			if (width && to > from && used + 2 + w[to] > width)
				break;
			used += 2 + w[to];
		}
		if (!ntargets)
			to = 1;
		if (width && used > width && ntargets) /* one target still too wide: cut names */
			bw0 = used - width < w0 - 13 ? w0 - (used - width) : 13;
		if (from)
			putc('\n', o);
		print_block(o, colour, rows, nrows, from, ntargets ? to : 0, bw0, w, shortnames,
		            width);
	}
	if (nrows)
		put_wrapped(o,
		            "legend: pass, xfail (failed as expected), obs (a MAY behaviour, "
		            "recorded), skip = as expected; FAIL, XPASS (passed, expected to "
		            "fail), OBS (behaviour changed), SKIP, ERROR = unexpected",
		            width, 2);
	putc('\n', o);
	for (size_t i = 0; i < ntargets; i++) {
		const struct target *t = &targets[i];
		char *line = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&line, &len);

		if (!m)
			die("out of memory");
		fputs(t->name, m);
		if (!t->available) {
			fputs(": unavailable — ", m);
			put_oneline(m, t->reason);
		} else {
			if (t->libc[0] || t->env[0]) {
				fputs(" (", m);
				put_oneline(m, t->libc[0] ? t->libc : "unknown libc");
				if (t->env[0]) {
					fputs("; ", m);
					put_oneline(m, t->env);
				}
				putc(')', m);
			}
			fprintf(
			    m,
			    ": %zu cases — %zu pass, %zu fail (%zu expected), %zu observed, %zu "
			    "skip, %zu error",
			    t->n.cases, t->n.pass, t->n.fail, t->n.xfail, t->n.observed, t->n.skip,
			    t->n.error);
			if (t->n.unexpected)
				fprintf(m, ", %s%zu unexpected%s", colour ? SGR[C_RED] : "",
				        t->n.unexpected, colour ? "\033[0m" : "");
			unexpected += t->n.unexpected;
		}
		fclose(m);
		put_wrapped(o, line, width, 2);
		free(line);
		if (t->available && have_spec) {
			line = NULL;
			m = open_memstream(&line, &len);
			if (!m)
				die("out of memory");
			fputs("  profiles:", m);
			for (int p = 0; PROFILES[p]; p++) {
				struct claim c = profile_claim(t, p);
				char *txt = claim_text(&c);

				fprintf(m, "%s %s %s", p ? ";" : "", PROFILES[p], txt);
				free(txt);
			}
			fclose(m);
			put_wrapped(o, line, width, 4);
			free(line);
		}
	}
	if (unexpected) {
		char *line = xasprintf("unexpected: %zu ('report --check' lists them)", unexpected);

		put_wrapped(o, line, width, 2);
		free(line);
	}
	free(w);
	free(rows);
}

/* summary-failures.txt: what did not pass, one line each, as glibc's tests.sum. */
static void write_failures(const char *dir, const char *version, const char *commit)
{
	struct out o = out_open(dir, "summary-failures.txt");
	FILE *f = o.f;

	fprintf(f, "mtfork %s (commit %s): cases that did not pass\n", version, commit);
	for (size_t i = 0; i < ntargets; i++) {
		const struct target *t = &targets[i];
		size_t nfail = 0, nxpass = 0, nerror = 0;

		fprintf(f, "\n=== %s", t->name);
		if (t->available && t->libc[0]) {
			fputs(" (", f);
			put_oneline(f, t->libc);
			putc(')', f);
		}
		putc('\n', f);
		if (!t->available) {
			fprintf(f, "UNSUPPORTED: %s: target unavailable — ", t->name);
			put_oneline(f, t->reason);
			putc('\n', f);
			continue;
		}
		for (int pass = 0; pass < 2; pass++)
			for (size_t j = 0; j < t->nfiles; j++)
				for (size_t k = 0; k < t->files[j].ncases; k++) {
					const struct tcase *c = &t->files[j].cases[k];
					const char *v = c->f[F_VERDICT], *label;

					if (pass == 0 && c->unexpected) {
						label = !strcmp(v, "pass")    ? "XPASS"
						        : !strcmp(v, "error") ? "ERROR"
						                              : "FAIL";
						nxpass += !strcmp(v, "pass");
						nerror += !strcmp(v, "error");
						nfail += strcmp(v, "pass") && strcmp(v, "error");
					} else if (pass == 1 && !c->unexpected &&
					           !strcmp(v, "fail")) {
						label = "XFAIL";
					} else {
						continue;
					}
					fprintf(f, "%s: %s/%s/%s: ", label, t->name,
					        t->files[j].subsys, c->f[F_CASE]);
					if (c->unexpected) {
						put_mismatch(f, c, put_oneline);
					} else {
						put_verdict(f, c);
						if (strcmp(c->f[F_HOW], "-") &&
						    strcmp(c->f[F_HOW], "exit"))
							fprintf(f, " (%s)", c->f[F_HOW]);
						if (strcmp(c->f[F_REASON], "-")) {
							fputs(" — ", f);
							put_oneline(f, c->f[F_REASON]);
						}
					}
					putc('\n', f);
				}
		fprintf(f, "Summary of test results:\n");
		fprintf(f,
		        "%7zu FAIL\n%7zu ERROR\n%7zu XPASS\n%7zu XFAIL\n%7zu PASS\n%7zu OBSERVED\n"
		        "%7zu UNSUPPORTED\n",
		        nfail, nerror, nxpass, t->n.xfail, t->n.pass - nxpass, t->n.observed,
		        t->n.skip_ok);
	}
	out_close(&o);
}

/* ---- the dashboard: build/report/index.html ------------------------------- */

/* BEGIN dashboard template: tools/dashboard.html, copied by tools/embed-dashboard.rb */
// clang-format off
static const char *const DASH_HEAD[] = {
	"<!-- SPDX-License-Identifier: MIT -->\n",
	"<!DOCTYPE html>\n",
	"<!-- mtfork dashboard. Template of build/report/index.html: tools/report.c\n",
	"     writes it with the data in place of the DATA marker below (tools/embed-dashboard.rb\n",
	"     copies this file into report.c). Self-contained: no network, no external files. -->\n",
	"<html lang=\"en\">\n",
	"<head>\n",
	"<meta charset=\"utf-8\">\n",
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
	"<title>mtfork results</title>\n",
	"<style>\n",
	":root { --pass: #1a7f37; --fail: #b42318; --xfail: #9a6700; --obs: #1d4ed8; --skip: #6b7280;\n",
	"  --bg: #fff; --fg: #1f2328; --line: #d0d7de; --soft: #f6f8fa; }\n",
	"* { box-sizing: border-box; }\n",
	"body { font: 14px/1.45 system-ui, -apple-system, \"Segoe UI\", sans-serif; color: var(--fg);\n",
	"  background: var(--bg); margin: 0 auto; padding: 12px 20px 40px; max-width: 1400px; }\n",
	"h1 { font-size: 1.4em; margin: 0 0 2px; }\n",
	"h2 { font-size: 1.1em; margin: 18px 0 6px; }\n",
	"code, pre, .mono { font-family: ui-monospace, \"DejaVu Sans Mono\", Menlo, Consolas, monospace; font-size: 12.5px; }\n",
	".meta { color: #57606a; font-size: 12.5px; }\n",
	".cards { display: flex; flex-wrap: wrap; gap: 10px; }\n",
	".card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 280px; flex: 1; background: var(--soft); }\n",
	".card h3 { margin: 0 0 4px; font-size: 1.05em; }\n",
	".card table { border-collapse: collapse; }\n",
	".card td { padding: 0 8px 0 0; vertical-align: top; }\n",
	".card td .v { white-space: nowrap; }\n",
	".n { font-variant-numeric: tabular-nums; text-align: right; }\n",
	"#search { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }\n",
	"#q { font-size: 16px; padding: 6px 10px; width: min(640px, 100%); border: 1px solid #8c959f; border-radius: 6px; }\n",
	"#answer { margin-top: 8px; }\n",
	".answer { border-left: 4px solid var(--line); padding: 6px 12px; background: var(--soft); }\n",
	".answer h3 { margin: 0 0 4px; font-size: 1.05em; }\n",
	".answer ul { margin: 4px 0; padding-left: 18px; }\n",
	".suggest button { margin: 2px; }\n",
	"#filters { display: flex; gap: 14px; flex-wrap: wrap; align-items: center; margin: 6px 0; }\n",
	"#filters label { font-size: 13px; }\n",
	"table.matrix { border-collapse: collapse; width: 100%; }\n",
	"table.matrix th, table.matrix td { border-bottom: 1px solid var(--line); padding: 2px 6px; text-align: left; vertical-align: top; }\n",
	"table.matrix thead th { position: sticky; top: 0; background: var(--bg); z-index: 1; border-bottom: 2px solid var(--fg); }\n",
	"tr.chapter th { background: #eaeef2; font-weight: 600; }\n",
	"td.title { color: #3d444d; max-width: 460px; }\n",
	"button.clause { font: inherit; font-family: ui-monospace, \"DejaVu Sans Mono\", Menlo, monospace; font-size: 12.5px;\n",
	"  border: 0; background: none; padding: 0; cursor: pointer; color: #0550ae; text-align: left; white-space: nowrap; }\n",
	"button.clause::before { content: \"▸ \"; color: #57606a; }\n",
	"button.clause[aria-expanded=\"true\"]::before { content: \"▾ \"; }\n",
	".lvl { font-size: 11px; color: #57606a; }\n",
	".v { font-family: ui-monospace, \"DejaVu Sans Mono\", Menlo, monospace; font-size: 12.5px; white-space: nowrap; border-radius: 3px; padding: 0 4px; }\n",
	".v-pass { color: var(--pass); }\n",
	".v-xfail { color: var(--xfail); background: #fff8c5; }\n",
	".v-fail, .v-unexpected { color: #fff; background: var(--fail); font-weight: 700; }\n",
	".v-error { color: #fff; background: #9a3412; font-weight: 700; }\n",
	".v-obs { color: var(--obs); }\n",
	".v-skip, .v-none, .v-na { color: var(--skip); }\n",
	"tr.detail > td { background: var(--soft); padding: 6px 10px 10px 24px; }\n",
	"table.cases { border-collapse: collapse; margin: 2px 0 6px; }\n",
	"table.cases th, table.cases td { border: 1px solid var(--line); padding: 1px 6px; font-size: 12.5px; text-align: left; vertical-align: top; }\n",
	"table.cases td.detailtext { max-width: 700px; }\n",
	"pre.tap { margin: 2px 0; padding: 4px 8px; background: #fff; border: 1px solid var(--line); overflow-x: auto; max-height: 320px; }\n",
	"details > summary { cursor: pointer; color: #0550ae; font-size: 12.5px; }\n",
	".legend span { margin-right: 12px; }\n",
	".hidden { display: none; }\n",
	"@media (prefers-color-scheme: dark) {\n",
	"  :root { --bg: #0d1117; --fg: #e6edf3; --line: #30363d; --soft: #161b22; --pass: #3fb950; --xfail: #d29922; --obs: #79c0ff; --skip: #8b949e; }\n",
	"  .meta, .lvl, td.title { color: #9198a1; }\n",
	"  tr.chapter th { background: #21262d; }\n",
	"  .v-xfail { background: #3b2e00; }\n",
	"  button.clause, details > summary { color: #79c0ff; }\n",
	"  pre.tap { background: #0d1117; }\n",
	"  #q { background: #0d1117; color: var(--fg); }\n",
	"}\n",
	"@media print { #search, #filters { display: none; } }\n",
	"</style>\n",
	"</head>\n",
	"<body>\n",
	"<header>\n",
	"<h1>mtfork: the MT-forked child, results</h1>\n",
	"<div class=\"meta\" id=\"meta\"></div>\n",
	"</header>\n",
	"<noscript><p>This page renders its data with JavaScript (inline, no network). The same data is in <code>results.json</code> and <code>summary.txt</code> next to it.</p></noscript>\n",
	"<section aria-labelledby=\"h-ask\">\n",
	"<h2 id=\"h-ask\">Is a function safe in the MT-forked child?</h2>\n",
	"<div id=\"search\">\n",
	"<input id=\"q\" type=\"search\" autocomplete=\"off\" spellcheck=\"false\"\n",
	"  placeholder=\"a libc function, e.g. localtime, or a question: is malloc safe on musl?\" aria-label=\"function to look up\">\n",
	"</div>\n",
	"<div id=\"answer\" aria-live=\"polite\"></div>\n",
	"</section>\n",
	"<section aria-labelledby=\"h-targets\">\n",
	"<h2 id=\"h-targets\">Targets</h2>\n",
	"<div class=\"cards\" id=\"cards\"></div>\n",
	"</section>\n",
	"<section aria-labelledby=\"h-matrix\">\n",
	"<h2 id=\"h-matrix\">Clauses × targets</h2>\n",
	"<div id=\"filters\">\n",
	"<label>subsystem <select id=\"f-sub\"><option value=\"\">all</option></select></label>\n",
	"<label>profile <select id=\"f-prof\"><option value=\"\">all</option><option>posix</option><option>spawn</option><option>unrestricted</option></select></label>\n",
	"<label>level <select id=\"f-lvl\"><option value=\"\">all</option><option>MUST</option><option>SHOULD</option><option>MAY</option></select></label>\n",
	"<label>verdict <select id=\"f-v\"><option value=\"\">all</option><option value=\"unexpected\">unexpected (FAIL, XPASS, ERROR, …)</option>\n",
	"<option value=\"fail\">fail (expected or not)</option><option value=\"xfail\">xfail (expected failure)</option><option value=\"pass\">pass</option>\n",
	"<option value=\"observed\">observed</option><option value=\"skip\">skip</option><option value=\"error\">error</option><option value=\"none\">no cases</option></select></label>\n",
	"<label><input type=\"checkbox\" id=\"f-empty\"> clauses without cases</label>\n",
	"<button id=\"expand-all\" type=\"button\">expand shown</button>\n",
	"<button id=\"collapse-all\" type=\"button\">collapse all</button>\n",
	"<span class=\"meta\" id=\"shown\"></span>\n",
	"</div>\n",
	"<p class=\"legend meta\" id=\"legend\"></p>\n",
	"<table class=\"matrix\" id=\"matrix\"><thead></thead><tbody></tbody></table>\n",
	"</section>\n",
	"<script type=\"application/json\" id=\"mtfork-data\">",
	NULL};
static const char *const DASH_TAIL[] = {
	"</script>\n",
	"<script>\n",
	"\"use strict\";\n",
	"(function () {\n",
	"const D = JSON.parse(document.getElementById(\"mtfork-data\").textContent);\n",
	"const R = D.results, SPEC = D.spec || { chapters: [], clauses: [] }, FUNCS = D.functions || [];\n",
	"const T = R.targets;\n",
	"const PROFILES = [\"posix\", \"spawn\", \"unrestricted\"];\n",
	"const $ = (id) => document.getElementById(id);\n",
	"function el(tag, attrs, ...kids) {\n",
	"  const e = document.createElement(tag);\n",
	"  for (const [k, v] of Object.entries(attrs || {})) {\n",
	"    if (v === null || v === undefined || v === false) continue;\n",
	"    if (k === \"class\") e.className = v; else if (k === \"text\") e.textContent = v;\n",
	"    else if (k.startsWith(\"on\")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v === true ? \"\" : v);\n",
	"  }\n",
	"  for (const k of kids) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));\n",
	"  return e;\n",
	"}\n",
	"function label(t) { // \"glibc 2.36\", \"glibc+forklock (glibc 2.36)\"\n",
	"  const libc = t.libc || \"\";\n",
	"  if (libc && t.name === libc.split(\" \")[0]) return libc;\n",
	"  return libc ? t.name + \" (\" + libc + \")\" : t.name;\n",
	"}\n",
	"\n",
	"// ---- clauses: the spec's, in document order, then any the results cite\n",
	"const clauses = [], byId = {};\n",
	"for (const c of SPEC.clauses) { const x = Object.assign({ cases: {} }, c); clauses.push(x); byId[c.id] = x; }\n",
	"const OTHER = SPEC.chapters.length;\n",
	"T.forEach((t, ti) => (t.cases || []).forEach((r) => {\n",
	"  let c = byId[r.clause];\n",
	"  if (!c) { c = { id: r.clause, title: \"\", level: r.level, profile: null, chapter: OTHER, cases: {} }; clauses.push(c); byId[r.clause] = c; }\n",
	"  (c.cases[ti] = c.cases[ti] || []).push(r);\n",
	"  c.subs = c.subs || new Set(); c.subs.add(r.subsystem || (r.tap || \"\").replace(/^.*\\//, \"\").replace(/\\.tap$/, \"\"));\n",
	"}));\n",
	"const chapterName = (i) => i < SPEC.chapters.length ? SPEC.chapters[i] : \"Not in the specification\";\n",
	"\n",
	"// ---- one case, one clause on one target: word, symbol, class\n",
	"function caseClass(r) {\n",
	"  if (r.unexpected) return r.verdict === \"error\" ? \"error\" : \"unexpected\";\n",
	"  return { pass: \"pass\", fail: \"xfail\", skip: \"skip\", error: \"error\", observed: \"obs\" }[r.verdict];\n",
	"}\n",
	"function caseWord(r) {\n",
	"  const m = r.mode ? \":\" + r.mode : \"\";\n",
	"  if (r.unexpected) return { pass: \"‼ XPASS\", fail: \"‼ FAIL\" + m, skip: \"‼ SKIP\", error: \"‼ ERROR\", observed: \"‼ OBS\" + m }[r.verdict];\n",
	"  return { pass: \"✓ pass\", fail: \"✗ xfail\" + m, skip: \"○ skip\", error: \"‼ ERROR\", observed: \"◆ obs\" + m }[r.verdict];\n",
	"}\n",
	"const RANK = { fail: 0, error: 1, observed: 2, pass: 3, skip: 4 };\n",
	"function worst(recs) {\n",
	"  const un = recs.filter((r) => r.unexpected);\n",
	"  const pool = un.length ? un : recs;\n",
	"  return pool.slice().sort((a, b) => RANK[a.verdict] - RANK[b.verdict])[0];\n",
	"}\n",
	"function clauseCell(c, ti) {\n",
	"  const t = T[ti];\n",
	"  if (!t.available) return { word: \"n/a\", cls: \"na\", tip: \"target unavailable: \" + (t.reason || \"\") };\n",
	"  const recs = c.cases[ti] || [];\n",
	"  if (!recs.length) return { word: \"· none\", cls: \"none\", tip: \"no case of this clause ran here\" };\n",
	"  const w = worst(recs);\n",
	"  const counts = {};\n",
	"  recs.forEach((r) => { counts[r.verdict] = (counts[r.verdict] || 0) + 1; });\n",
	"  const tip = recs.length + \" case(s): \" + Object.entries(counts).map(([k, n]) => n + \" \" + k).join(\", \");\n",
	"  return { word: caseWord(w) + (recs.length > 1 ? \" \" + recs.filter((r) => r.verdict === w.verdict).length + \"/\" + recs.length : \"\"), cls: caseClass(w), tip: tip };\n",
	"}\n",
	"\n",
	"// ---- header and target cards\n",
	"(function () {\n",
	"  const s = R.suite || {}, h = R.host || {}, run = R.run || {};\n",
	"  const bits = [\"suite \" + (s.version || \"?\") + (s.commit ? \" (commit \" + s.commit + \")\" : \"\"), \"results format \" + R.format];\n",
	"  if (h.name) bits.push(\"host \" + h.name);\n",
	"  bits.push([h.os, h.kernel, h.arch].filter(Boolean).join(\" \") + (h.cpus ? \", \" + h.cpus + \" CPUs\" : \"\"));\n",
	"  if (run.started || run.finished) bits.push(\"run \" + (run.started || \"?\") + \" – \" + (run.finished || \"?\"));\n",
	"  const set = Object.entries(run.settings || {});\n",
	"  bits.push(set.length ? \"settings: \" + set.map(([k, v]) => k + \"=\" + v).join(\" \") : \"default settings\");\n",
	"  $(\"meta\").textContent = bits.join(\" · \");\n",
	"  for (const t of T) {\n",
	"    const card = el(\"div\", { class: \"card\", id: \"target-\" + t.name });\n",
	"    card.append(el(\"h3\", { text: t.name + (t.libc ? \" — \" + t.libc : \"\") }));\n",
	"    if (!t.available) { card.append(el(\"div\", { class: \"v v-na\", text: \"unavailable: \" + (t.reason || \"\") })); $(\"cards\").append(card); continue; }\n",
	"    if (t.env) card.append(el(\"div\", { class: \"meta mono\", text: t.env }));\n",
	"    const n = t.summary || {};\n",
	"    const xfail = n.xfail !== undefined ? n.xfail : null;\n",
	"    card.append(el(\"div\", {}, n.cases + \" cases: \",\n",
	"      el(\"span\", { class: \"v v-pass\", text: \"✓ \" + n.pass + \" pass\" }), \" \",\n",
	"      el(\"span\", { class: \"v v-xfail\", text: \"✗ \" + n.fail + \" fail\" + (xfail !== null ? \" (\" + xfail + \" expected)\" : \"\") }), \" \",\n",
	"      el(\"span\", { class: \"v v-obs\", text: \"◆ \" + n.observed + \" observed\" }), \" \",\n",
	"      el(\"span\", { class: \"v v-skip\", text: \"○ \" + n.skip + \" skip\" }), \" \",\n",
	"      el(\"span\", { class: n.error ? \"v v-error\" : \"v v-skip\", text: n.error + \" error\" }), \" \",\n",
	"      el(\"span\", { class: n.unexpected ? \"v v-unexpected\" : \"v v-pass\", text: (n.unexpected ? \"‼ \" : \"\") + n.unexpected + \" unexpected\" })));\n",
	"    if (t.profiles) {\n",
	"      const tb = el(\"table\", { class: \"claims\" });\n",
	"      for (const p of PROFILES) {\n",
	"        const c = t.profiles[p]; if (!c) continue;\n",
	"        const [sym, cls, txt] = c.verdict === \"conforms\" ? [\"✓\", \"pass\", \"conforms\"]\n",
	"          : c.verdict === \"does-not-conform\" ? [\"✗\", \"xfail\", \"does not conform\"] : [\"?\", \"skip\", \"undecided\"];\n",
	"        const why = c.verdict === \"conforms\" ? \"all \" + c.must + \" MUST clauses pass\"\n",
	"          : c.verdict === \"does-not-conform\" ? c.must_fail + \" of \" + c.must + \" MUST clauses fail\"\n",
	"          : (c.must_error ? c.must_error + \" MUST with errors, \" : \"\") + c.must_untested + \" of \" + c.must + \" MUST untested\";\n",
	"        tb.append(el(\"tr\", { \"data-profile\": p, \"data-verdict\": c.verdict }, el(\"td\", { text: p }), el(\"td\", {}, el(\"span\", { class: \"v v-\" + cls, text: sym + \" \" + txt })),\n",
	"          el(\"td\", { class: \"meta\", text: why + \"; SHOULD \" + c.should_pass + \" of \" + c.should_tested + \" tested pass\" })));\n",
	"      }\n",
	"      card.append(el(\"div\", { class: \"meta\", text: \"profile claims (a claim needs every case of every MUST clause to pass)\" }), tb);\n",
	"    }\n",
	"    $(\"cards\").append(card);\n",
	"  }\n",
	"  $(\"legend\").textContent = \"✓ pass · ✗ xfail = failed as expected (a known bug of the target, recorded in expect/) · ◆ obs = a MAY behaviour, recorded, not judged · ○ skip · · none = no case ran · ‼ = unexpected (FAIL, XPASS, ERROR, SKIP, OBS changed). A cell shows the clause's worst case; n/m counts cases with that verdict. Click a clause for its cases and TAP lines.\";\n",
	"})();\n",
	"\n",
	"// ---- the matrix\n",
	"const subs = new Set();\n",
	"clauses.forEach((c) => (c.subs || []).forEach((s) => subs.add(s)));\n",
	"[...subs].sort().forEach((s) => $(\"f-sub\").append(el(\"option\", { text: s })));\n",
	"const thead = $(\"matrix\").tHead, tbody = $(\"matrix\").tBodies[0];\n",
	"thead.append(el(\"tr\", {}, el(\"th\", { text: \"clause\" }), el(\"th\", { text: \"title\" }),\n",
	"  ...T.map((t) => el(\"th\", { scope: \"col\", title: t.env || \"\" }, t.name, t.libc ? el(\"div\", { class: \"lvl\", text: t.libc }) : null))));\n",
	"const ncol = 2 + T.length;\n",
	"const rowsOf = [];\n",
	"let lastChapter = -1;\n",
	"const sorted = clauses.slice().sort((a, b) => a.chapter - b.chapter);\n",
	"for (const c of sorted) {\n",
	"  if (c.chapter !== lastChapter) {\n",
	"    lastChapter = c.chapter;\n",
	"    const ch = el(\"tr\", { class: \"chapter\" }, el(\"th\", { colspan: ncol, text: chapterName(c.chapter) }));\n",
	"    ch.dataset.chapter = c.chapter; tbody.append(ch);\n",
	"  }\n",
	"  const btn = el(\"button\", { class: \"clause\", type: \"button\", \"aria-expanded\": \"false\", id: \"clause-\" + c.id }, c.id);\n",
	"  const tr = el(\"tr\", { class: \"clause-row\" }, el(\"td\", {}, btn, \" \", el(\"span\", { class: \"lvl\", text: (c.level || \"?\") + (c.profile ? \" · \" + c.profile : \"\") })),\n",
	"    el(\"td\", { class: \"title\", text: c.title || \"\" }),\n",
	"    ...T.map((t, ti) => { const x = clauseCell(c, ti); return el(\"td\", { title: x.tip }, el(\"span\", { class: \"v v-\" + x.cls, text: x.word })); }));\n",
	"  const det = el(\"tr\", { class: \"detail hidden\" }, el(\"td\", { colspan: ncol }));\n",
	"  btn.addEventListener(\"click\", () => toggle(c, btn, det));\n",
	"  tr.dataset.chapter = c.chapter;\n",
	"  tbody.append(tr, det);\n",
	"  rowsOf.push({ c, tr, det, btn });\n",
	"}\n",
	"function toggle(c, btn, det, open) {\n",
	"  const want = open !== undefined ? open : btn.getAttribute(\"aria-expanded\") !== \"true\";\n",
	"  btn.setAttribute(\"aria-expanded\", String(want));\n",
	"  det.classList.toggle(\"hidden\", !want);\n",
	"  if (want && !det.dataset.filled) { det.dataset.filled = \"1\"; det.firstChild.append(caseDetail(c)); }\n",
	"}\n",
	"const yn = (v) => v === null || v === undefined ? \"–\" : String(v);\n",
	"function caseDetail(c) {\n",
	"  const box = el(\"div\", {});\n",
	"  const names = [];\n",
	"  T.forEach((t, ti) => (c.cases[ti] || []).forEach((r) => { if (!names.includes(r.case)) names.push(r.case); }));\n",
	"  if (!names.length) { box.append(el(\"p\", { class: \"meta\", text: \"No case of this clause ran on any target.\" })); return box; }\n",
	"  const tb = el(\"table\", { class: \"cases\" });\n",
	"  tb.append(el(\"tr\", {}, ...[\"case\", \"target\", \"verdict\", \"mode\", \"how\", \"holder\", \"held\", \"fork_waited\", \"ms\", \"expected\", \"detail\"].map((h) => el(\"th\", { text: h }))));\n",
	"  for (const name of names) {\n",
	"    T.forEach((t, ti) => {\n",
	"      const r = (c.cases[ti] || []).find((x) => x.case === name);\n",
	"      if (!r) return;\n",
	"      const detail = el(\"td\", { class: \"detailtext\" }, r.detail && r.detail !== \"-\" ? r.detail : \"\");\n",
	"      if (r.tap_lines && r.tap_lines.length)\n",
	"        detail.append(el(\"details\", {}, el(\"summary\", { text: \"TAP (\" + (r.tap || \"\") + \")\" }), el(\"pre\", { class: \"tap\", text: r.tap_lines.join(\"\\n\") })));\n",
	"      tb.append(el(\"tr\", {}, el(\"td\", { class: \"mono\", text: name }), el(\"td\", { text: label(t) }),\n",
	"        el(\"td\", {}, el(\"span\", { class: \"v v-\" + caseClass(r), text: caseWord(r) })),\n",
	"        el(\"td\", { text: r.mode || \"–\" }), el(\"td\", { text: r.how || \"–\" }), el(\"td\", { class: \"mono\", text: r.holder || \"–\" }),\n",
	"        el(\"td\", { text: yn(r.held) }), el(\"td\", { text: yn(r.fork_waited) }), el(\"td\", { class: \"n\", text: r.ms }),\n",
	"        el(\"td\", {}, (r.expected || \"–\") + (r.expected_reason ? \" — \" + r.expected_reason : \"\")), detail));\n",
	"    });\n",
	"  }\n",
	"  box.append(tb);\n",
	"  return box;\n",
	"}\n",
	"function matchVerdict(c, v) {\n",
	"  const all = T.flatMap((t, ti) => c.cases[ti] || []);\n",
	"  if (v === \"none\") return all.length === 0;\n",
	"  if (v === \"unexpected\") return all.some((r) => r.unexpected);\n",
	"  if (v === \"xfail\") return all.some((r) => r.verdict === \"fail\" && !r.unexpected);\n",
	"  return all.some((r) => r.verdict === v);\n",
	"}\n",
	"function applyFilters() {\n",
	"  const sub = $(\"f-sub\").value, prof = $(\"f-prof\").value, lvl = $(\"f-lvl\").value, v = $(\"f-v\").value, empty = $(\"f-empty\").checked;\n",
	"  let shown = 0; const chapters = new Set();\n",
	"  for (const x of rowsOf) {\n",
	"    const c = x.c, has = T.some((t, ti) => (c.cases[ti] || []).length);\n",
	"    let ok = (empty || has || v === \"none\")\n",
	"      && (!sub || (c.subs && c.subs.has(sub)))\n",
	"      && (!prof || (PROFILES.indexOf(c.profile) >= 0 && PROFILES.indexOf(c.profile) <= PROFILES.indexOf(prof)))\n",
	"      && (!lvl || c.level === lvl)\n",
	"      && (!v || matchVerdict(c, v));\n",
	"    x.tr.classList.toggle(\"hidden\", !ok);\n",
	"    x.det.classList.toggle(\"hidden\", !ok || x.btn.getAttribute(\"aria-expanded\") !== \"true\");\n",
	"    if (ok) { shown++; chapters.add(String(c.chapter)); }\n",
	"  }\n",
	"  for (const ch of tbody.querySelectorAll(\"tr.chapter\")) ch.classList.toggle(\"hidden\", !chapters.has(ch.dataset.chapter));\n",
	"  $(\"shown\").textContent = shown + \" of \" + rowsOf.length + \" clauses shown\";\n",
	"}\n",
	"for (const id of [\"f-sub\", \"f-prof\", \"f-lvl\", \"f-v\", \"f-empty\"]) $(id).addEventListener(\"change\", applyFilters);\n",
	"$(\"expand-all\").addEventListener(\"click\", () => rowsOf.forEach((x) => { if (!x.tr.classList.contains(\"hidden\")) toggle(x.c, x.btn, x.det, true); }));\n",
	"$(\"collapse-all\").addEventListener(\"click\", () => rowsOf.forEach((x) => toggle(x.c, x.btn, x.det, false)));\n",
	"applyFilters();\n",
	"\n",
	"// ---- the function index: \"is localtime safe on glibc 2.36?\"\n",
	"const FN = {};\n",
	"FUNCS.forEach((f) => { FN[f.name] = f; });\n",
	"const ownCase = (r, name) => ((r.case.split(\".\")[1] || \"\").split(\"-\")).includes(name);\n",
	"function functionStatus(ti, f) { // the rule of tools/funcindex.rb (tools/why)\n",
	"  const all = {}, own = {};\n",
	"  f.clauses.forEach((cl) => { all[cl] = (byId[cl] && byId[cl].cases[ti]) || []; own[cl] = all[cl].filter((r) => ownCase(r, f.name)); });\n",
	"  const basis = Object.values(own).some((l) => l.some((r) => r.verdict !== \"skip\")) ? \"own\" : f.as_safe ? \"as_safe\" : \"clause\";\n",
	"  let use = basis === \"own\" ? own : all;\n",
	"  if (basis === \"as_safe\") use = { \"FORK-2\": (byId[\"FORK-2\"] && byId[\"FORK-2\"].cases[ti]) || [] };\n",
	"  const per = Object.entries(use).map(([cl, recs]) => ({ cl, recs, worst: recs.length ? recs.slice().sort((a, b) => RANK[a.verdict] - RANK[b.verdict])[0] : null }));\n",
	"  const decided = per.filter((p) => p.recs.some((r) => r.verdict !== \"skip\"));\n",
	"  const state = decided.some((p) => p.worst.verdict === \"fail\") ? \"fail\" : decided.some((p) => p.worst.verdict === \"error\") ? \"error\" : decided.length ? \"pass\" : \"untested\";\n",
	"  return { state, per, basis };\n",
	"}\n",
	"function answerFor(f, wanted) {\n",
	"  const box = el(\"div\", { class: \"answer\", id: \"answer-\" + f.name });\n",
	"  box.append(el(\"h3\", {}, el(\"code\", { text: f.name + \"()\" }), \" \", el(\"span\", { class: \"meta\", text: \"<\" + f.header + \"> · async-signal-safe in POSIX.1-2024: \" + (f.as_safe ? \"yes\" : \"no\") })));\n",
	"  const ul = el(\"ul\", {});\n",
	"  for (const cl of f.clauses) {\n",
	"    const c = byId[cl];\n",
	"    ul.append(el(\"li\", {}, el(\"a\", { href: \"#clause-\" + cl, class: \"mono\", onclick: (e) => { e.preventDefault(); showClause(cl); } }, cl), \" \",\n",
	"      el(\"span\", { class: \"lvl\", text: c ? (c.level || \"?\") + \" · \" + (c.profile || \"?\") : \"\" }), \" \", c ? c.title : \"\"));\n",
	"  }\n",
	"  box.append(el(\"div\", { class: \"meta\", text: \"clauses\" }), ul);\n",
	"  const res = el(\"ul\", { class: \"verdicts\" });\n",
	"  T.forEach((t, ti) => {\n",
	"    if (wanted.length && !wanted.includes(ti)) return;\n",
	"    if (!t.available) { res.append(el(\"li\", {}, label(t) + \": \", el(\"span\", { class: \"v v-na\", text: \"unavailable — \" + (t.reason || \"\") }))); return; }\n",
	"    const st = functionStatus(ti, f);\n",
	"    const [sym, cls, word] = st.state === \"fail\" ? [\"✗\", \"unexpected\", \"NOT safe\"] : st.state === \"error\" ? [\"‼\", \"error\", \"undecided (error)\"]\n",
	"      : st.state === \"pass\" ? [\"✓\", \"pass\", \"safe\"] : [\"?\", \"skip\", \"untested\"];\n",
	"    const basis = { own: \"by the cases that call it\", as_safe: \"by FORK-2 (async-signal-safe)\", clause: \"by every case of its clauses\" }[st.basis];\n",
	"    const ev = st.per.map((p) => {\n",
	"      if (!p.worst) return p.cl + \": no case\";\n",
	"      const r = p.worst;\n",
	"      const cnt = {}; p.recs.forEach((x) => { cnt[x.verdict] = (cnt[x.verdict] || 0) + 1; });\n",
	"      return p.cl + \" \" + r.verdict + (r.mode ? \":\" + r.mode : \"\") + (r.verdict === \"fail\" && r.how ? \" (\" + r.how + \")\" : \"\") + (r.unexpected ? \" UNEXPECTED\" : \"\") +\n",
	"        \" — \" + r.case + \" [\" + Object.entries(cnt).map(([k, n]) => n + \" \" + k).join(\", \") + \"]\";\n",
	"    }).join(\"; \");\n",
	"    res.append(el(\"li\", { \"data-target\": t.name, \"data-state\": st.state }, el(\"b\", { text: label(t) }), \": \",\n",
	"      el(\"span\", { class: \"v v-\" + cls, text: sym + \" \" + word }), \" \", el(\"span\", { class: \"meta\", text: basis + \" — \" + ev })));\n",
	"  });\n",
	"  box.append(el(\"div\", { class: \"meta\", text: \"in the MT-forked child, per target\" }), res);\n",
	"  return box;\n",
	"}\n",
	"function showClause(id) {\n",
	"  const x = rowsOf.find((r) => r.c.id === id); if (!x) return;\n",
	"  $(\"f-sub\").value = \"\"; $(\"f-prof\").value = \"\"; $(\"f-lvl\").value = \"\"; $(\"f-v\").value = \"\";\n",
	"  if (!T.some((t, ti) => (x.c.cases[ti] || []).length)) $(\"f-empty\").checked = true;\n",
	"  applyFilters(); toggle(x.c, x.btn, x.det, true); x.tr.scrollIntoView({ block: \"center\" }); x.btn.focus();\n",
	"}\n",
	"function ask(q) {\n",
	"  const out = $(\"answer\"); out.textContent = \"\";\n",
	"  const text = q.trim(); if (!text) return;\n",
	"  const words = (text.match(/[A-Za-z_][A-Za-z0-9_.+-]*/g) || []).map((w) => w.replace(/\\(\\)$/, \"\"));\n",
	"  const lower = text.toLowerCase();\n",
	"  // Which targets the question names (\"on glibc 2.36\", \"musl\"): the most specific match.\n",
	"  let wanted = T.map((t, ti) => ti).filter((ti) => lower.includes(T[ti].name.toLowerCase()) || (T[ti].libc && lower.includes(T[ti].libc.toLowerCase())));\n",
	"  if (wanted.length > 1) { const exact = wanted.filter((ti) => T[ti].libc && lower.includes(T[ti].libc.toLowerCase()) && !T.some((u) => u !== T[ti] && u.name.length > T[ti].name.length && u.name.startsWith(T[ti].name) && lower.includes(u.name.toLowerCase()))); if (exact.length) wanted = exact; }\n",
	"  const hits = words.filter((w) => FN[w]);\n",
	"  const clauseHit = words.find((w) => byId[w.toUpperCase()]);\n",
	"  if (hits.length) { [...new Set(hits)].forEach((h) => out.append(answerFor(FN[h], wanted))); return; }\n",
	"  if (clauseHit) { out.append(el(\"p\", {}, \"Clause \", el(\"a\", { href: \"#\", onclick: (e) => { e.preventDefault(); showClause(clauseHit.toUpperCase()); } }, clauseHit.toUpperCase()), \": \" + byId[clauseHit.toUpperCase()].title)); return; }\n",
	"  const stop = new Set([\"is\", \"it\", \"safe\", \"in\", \"the\", \"on\", \"a\", \"an\", \"to\", \"call\", \"child\", \"after\", \"fork\", \"mt\", \"forked\", \"glibc\", \"musl\", \"what\", \"can\", \"i\", \"and\", \"or\", \"of\"]);\n",
	"  const key = words.filter((w) => !stop.has(w.toLowerCase())).sort((a, b) => b.length - a.length)[0] || \"\";\n",
	"  const near = key ? FUNCS.filter((f) => f.name.includes(key) || key.includes(f.name) && f.name.length > 2).slice(0, 16) : [];\n",
	"  if (near.length === 1) { out.append(answerFor(near[0], wanted)); return; }\n",
	"  const p = el(\"div\", { class: \"answer suggest\" }, el(\"span\", { text: (key ? \"“\" + key + \"” is not in the function index (spec/functions.tsv): the specification says nothing specific about it.\" : \"Type a libc function name.\") + (near.length ? \" Similar:\" : \"\") }));\n",
	"  near.forEach((f) => p.append(el(\"button\", { type: \"button\", onclick: () => { $(\"q\").value = f.name; ask(f.name); } }, f.name)));\n",
	"  out.append(p);\n",
	"}\n",
	"let timer = null;\n",
	"$(\"q\").addEventListener(\"input\", () => { clearTimeout(timer); timer = setTimeout(() => { ask($(\"q\").value); history.replaceState(null, \"\", \"#q=\" + encodeURIComponent($(\"q\").value)); }, 120); });\n",
	"function fromHash() {\n",
	"  const h = decodeURIComponent(location.hash.slice(1));\n",
	"  if (h.startsWith(\"q=\")) { $(\"q\").value = h.slice(2); ask(h.slice(2)); }\n",
	"  else if (h.startsWith(\"clause-\")) showClause(h.slice(7));\n",
	"}\n",
	"window.addEventListener(\"hashchange\", fromHash);\n",
	"fromHash();\n",
	"document.documentElement.dataset.ready = \"1\";\n",
	"})();\n",
	"</script>\n",
	"</body>\n",
	"</html>\n",
	NULL};
// clang-format on
/* END dashboard template */

static void json_spec(FILE *f)
{
	fputs("{ \"chapters\": [", f);
	for (size_t i = 0; i < nchapters; i++) {
		fputs(i ? ", " : "", f);
		json_str(f, chapters[i]);
	}
	fputs("],\n  \"clauses\": [", f);
	for (size_t i = 0; i < nsclauses; i++) {
		const struct sclause *c = &sclauses[i];

		fputs(i ? ",\n    { \"id\": " : "\n    { \"id\": ", f);
		json_str(f, c->id);
		fputs(", \"title\": ", f);
		json_str(f, c->title);
		fputs(", \"level\": ", f);
		json_str(f, c->level);
		fputs(", \"profile\": ", f);
		json_str(f, c->profile);
		fprintf(f, ", \"chapter\": %zu }", c->chapter);
	}
	fputs("] }", f);
}

/* A comma-separated field as a JSON list of strings ("-": empty). */
static void json_list(FILE *f, char *s)
{
	bool first = true;

	fputs("[", f);
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		tok += strspn(tok, " ");
		tok[strcspn(tok, " ")] = 0;
		if (!*tok || !strcmp(tok, "-"))
			continue;
		fputs(first ? "" : ", ", f);
		first = false;
		json_str(f, tok);
	}
	fputs("]", f);
}

/* The function index (functions.tsv: function clauses as_safe header see). */
static void json_functions(FILE *f)
{
	char *path = spec_dir ? xasprintf("%s/functions.tsv", spec_dir) : NULL;
	FILE *in = path ? fopen(path, "r") : NULL;
	size_t lineno = 0;
	bool first = true;
	char *line;

	fputs("[", f);
	while (in && (line = next_line(in, path, &lineno))) {
		char *fld[5];
		size_t n = 0;

		for (char *p = line; n < 5; n++) {
			fld[n] = p;
			p = strchr(p, '\t');
			if (!p) {
				n++;
				break;
			}
			*p++ = 0;
		}
		if (line[0] && line[0] != '#' && n == 5) {
			fputs(first ? "\n    { \"name\": " : ",\n    { \"name\": ", f);
			first = false;
			json_str(f, fld[0]);
			fputs(", \"clauses\": ", f);
			json_list(f, fld[1]);
			fprintf(f, ", \"as_safe\": %s, \"header\": ",
			        !strcmp(fld[2], "yes") ? "true" : "false");
			json_str(f, fld[3]);
			fputs(", \"see\": ", f);
			json_list(f, fld[4]);
			fputs(" }", f);
		}
		free(line);
	}
	if (in)
		fclose(in);
	free(path);
	fputs("]", f);
}

/*
 * index.html: one self-contained page (inline CSS and JS, no network) with
 * the records of results.json, the clauses of the spec, the function index
 * and every case's TAP lines embedded, so it works from file:// and copied
 * alone.
 */
static void write_dashboard(const char *dir, const char *version, const char *commit)
{
	struct out o = out_open(dir, "index.html");

	for (size_t i = 0; DASH_HEAD[i]; i++)
		fputs(DASH_HEAD[i], o.f);
	json_html = true;
	fputs("{ \"results\": ", o.f);
	json_results(o.f, version, commit, dir);
	fputs(",\n\"spec\": ", o.f);
	json_spec(o.f);
	fputs(",\n\"functions\": ", o.f);
	json_functions(o.f);
	fputs(" }", o.f);
	json_html = false;
	for (size_t i = 0; DASH_TAIL[i]; i++)
		fputs(DASH_TAIL[i], o.f);
	out_close(&o);
}

/* --check: list every unexpected case; exit 1 if any, 2 if there is nothing to judge. */
static int check(const char *dir)
{
	size_t ok = 0, bad = 0, total = 0;

	for (size_t i = 0; i < ntargets; i++)
		total += targets[i].n.cases;
	if (!total)
		die("no test cases in '%s' (every target unavailable or nothing ran) — run 'make "
		    "report' first",
		    dir);
	for (size_t i = 0; i < ntargets; i++) {
		const struct target *t = &targets[i];

		if (!t->available) {
			/* Not a failure (musl-tools may be absent), but CI logs should say so. */
			printf("UNAVAILABLE %s: ", t->name);
			put_oneline(stdout, t->reason);
			putchar('\n');
		}
		for (size_t j = 0; j < t->nfiles; j++)
			for (size_t k = 0; k < t->files[j].ncases; k++) {
				const struct tcase *c = &t->files[j].cases[k];

				if (!c->unexpected) {
					ok++;
					continue;
				}
				bad++;
				printf("UNEXPECTED %s %s: ", t->name, c->f[F_CASE]);
				put_mismatch(stdout, c, put_oneline);
				putchar('\n');
			}
	}
	printf("check: %zu passed, %zu failed\n", ok, bad);
	return bad ? 1 : 0;
}

/* ---- main ----------------------------------------------------------------- */

/* Value of "--opt V" or "--opt=V" at argv[*i], or NULL if argv[*i] is not opt. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt)
{
	size_t len = strlen(opt);

	if (strncmp(argv[*i], opt, len))
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len])
		return NULL;
	if (*i + 1 >= argc)
		die("%s needs a value — " USAGE, opt);
	return argv[++*i];
}

int main(int argc, char **argv)
{
	const char *dir = "build/report", *version = "unknown", *commit = "unknown", *v;
	const char *spec = NULL; /* default: ./spec when it is there */
	bool do_check = false;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--dir")))
			dir = v;
		else if ((v = opt_value(argc, argv, &i, "--suite-version")))
			version = v;
		else if ((v = opt_value(argc, argv, &i, "--commit")))
			commit = v;
		else if ((v = opt_value(argc, argv, &i, "--spec")))
			spec = v;
		else if (!strcmp(argv[i], "--check") || !strcmp(argv[i], "check"))
			do_check = true;
		else if (!strcmp(argv[i], "all"))
			do_check = false;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			puts(USAGE);
			return 0;
		} else
			die("unknown option '%s' — " USAGE, argv[i]);
	}
	if (!dir[0])
		die("--dir is empty — " USAGE);

	if (!spec) /* default: ./spec when it is there; --spec '': none */
		spec = access("spec/index.adoc", R_OK) == 0 ? "spec" : "";
	if (spec[0])
		read_spec(spec);
	spec_dir = spec[0] ? spec : NULL;
	read_run_times(dir);
	load(dir);
	if (!ntargets)
		die("no targets in report directory '%s' (no */target.tsv) — run 'make report' "
		    "first",
		    dir);
	if (do_check) {
		rc = check(dir);
	} else {
		struct out o = out_open(dir, "summary.txt");

		write_json(dir, version, commit);
		write_junit(dir);
		write_failures(dir, version, commit);
		write_dashboard(dir, version, commit);
		print_summary(o.f, false, 0);
		out_close(&o);
		/* https://no-color.org: colour only for a terminal, never when asked not to. */
		bool colour =
		    isatty(STDOUT_FILENO) && !(getenv("NO_COLOR") && getenv("NO_COLOR")[0]);
		print_summary(stdout, colour, out_width());
	}
	if (fflush(stdout) || ferror(stdout))
		die("cannot write to standard output: %s", strerror(errno));
	return rc;
}
