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
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

#define USAGE "usage: report [all|--check] [--dir DIR] [--suite-version V] [--commit C]"
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

		if (*u == '"' || *u == '\\') {
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

static void write_json(const char *dir, const char *version, const char *commit)
{
	struct out o = out_open(dir, "results.json");
	FILE *f = o.f;
	struct utsname u;
	bool have_uname = uname(&u) == 0;

	fputs("{\n  \"format\": 1,\n  \"suite\": { \"name\": \"mtfork\", \"version\": ", f);
	json_str(f, version);
	fputs(", \"commit\": ", f);
	json_str(f, commit);
	fputs(" },\n  \"host\": { \"kernel\": ", f);
	json_str(f, have_uname ? u.release : "unknown");
	fputs(", \"arch\": ", f);
	json_str(f, have_uname ? u.machine : "unknown");
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
		    "\"unexpected\": %zu },\n      \"cases\": [",
		    t->n.cases, t->n.pass, t->n.fail, t->n.skip, t->n.error, t->n.observed,
		    t->n.unexpected);
		for (size_t j = 0; j < t->nfiles; j++) {
			const struct tfile *tf = &t->files[j];

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
				fputs(", \"tap\": ", f);
				json_str(f, tf->tap);
				fputs(" }", f);
			}
		}
		fputs(*sep ? "\n      ] }" : "] }", f);
	}
	fputs(ntargets ? "\n  ]\n}\n" : "]\n}\n", f);
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
		/* An expected failure or an observation passes, but says what it saw. */
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
			    n.cases, n.unexpected - n.error, n.error, n.skip_ok);
			for (size_t k = 0; k < tf->ncases; k++)
				junit_case(f, t, tf, &tf->cases[k]);
			fputs("  </testsuite>\n", f);
		}
	}
	fputs("</testsuites>\n", f);
	out_close(&o);
}

/* ---- terminal matrix and summary ------------------------------------------ */

struct row {
	const char *name; /* case name; NULL for a clause row */
	const char *clause, *level;
	size_t nclause_cases; /* clause rows: how many case rows follow */
};

enum colour { C_NONE, C_GREEN, C_RED, C_YELLOW, C_GREY };

static const char *const SGR[] = {"", "\033[32m", "\033[1;31m", "\033[33m", "\033[90m"};

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
		*col = C_GREY;
		return "skip";
	}
	if (!strcmp(v, "error")) {
		*col = C_RED;
		return "ERROR";
	}
	if (!strcmp(v, "pass")) {
		*col = c->unexpected ? C_RED : C_GREEN;
		return c->unexpected ? "XPASS" : "pass"; /* XPASS: a known failure is fixed */
	}
	*col = c->unexpected ? C_RED : C_YELLOW;
	if (!strcmp(v, "fail"))
		*owned = xasprintf("%s:%s", c->unexpected ? "FAIL" : "xfail", c->f[F_MODE]);
	else
		*owned = xasprintf("%s:%s", c->unexpected ? "OBS" : "obs", c->f[F_MODE]);
	return *owned;
}

static void pad(FILE *o, size_t n)
{
	while (n--)
		putc(' ', o);
}

/* Put case c under its clause row (appended on first sight) unless already listed. */
static struct row *add_row(struct row *rows, size_t *n, size_t *cap, char *const *c)
{
	size_t r, q, at;

	for (r = 0; r < *n; r++)
		if (!rows[r].name && !strcmp(rows[r].clause, c[F_CLAUSE]))
			break;
	if (r == *n) {
		rows = grow(rows, *n, cap, sizeof(*rows));
		rows[(*n)++] = (struct row){NULL, c[F_CLAUSE], c[F_LEVEL], 0};
	}
	at = r + 1 + rows[r].nclause_cases;
	for (q = r + 1; q < at; q++)
		if (!strcmp(rows[q].name, c[F_CASE]))
			return rows; /* listed by an earlier target */
	rows[r].nclause_cases++;
	rows = grow(rows, *n, cap, sizeof(*rows));
	memmove(&rows[at + 1], &rows[at], (*n - at) * sizeof(*rows));
	rows[at] = (struct row){c[F_CASE], c[F_CLAUSE], c[F_LEVEL], 0};
	(*n)++;
	return rows;
}

/* Rows: clauses in order of first appearance, each followed by its cases. */
static struct row *build_rows(size_t *nrows)
{
	struct row *rows = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < ntargets; i++)
		for (size_t j = 0; j < targets[i].nfiles; j++)
			for (size_t k = 0; k < targets[i].files[j].ncases; k++)
				rows = add_row(rows, &n, &cap, targets[i].files[j].cases[k].f);
	*nrows = n;
	return rows;
}

static void print_summary(FILE *o, bool colour)
{
	size_t nrows, w0 = strlen("clause / case"), *w, unexpected = 0;
	struct row *rows = build_rows(&nrows);

	w = xrealloc(NULL, (ntargets ? ntargets : 1) * sizeof(*w));
	for (size_t r = 0; r < nrows; r++) {
		size_t rw = rows[r].name ? 2 + text_width(rows[r].name)
		                         : text_width(rows[r].clause) + 1 + strlen(rows[r].level);

		w0 = rw > w0 ? rw : w0;
	}
	for (size_t i = 0; i < ntargets; i++) {
		size_t lw = text_width(targets[i].libc);

		w[i] = text_width(targets[i].name);
		w[i] = lw > w[i] ? lw : w[i];
		for (size_t r = 0; r < nrows; r++) {
			enum colour col;
			char *owned;
			size_t cw;

			if (!rows[r].name)
				continue;
			cw = strlen(
			    cell(&targets[i], find_case(&targets[i], rows[r].name), &col, &owned));
			free(owned);
			w[i] = cw > w[i] ? cw : w[i];
		}
	}

	/* Two header lines: the targets, then the libc (and version) of each. */
	fputs("clause / case", o);
	for (size_t i = 0; i < ntargets; i++) {
		pad(o, (i ? w[i - 1] - text_width(targets[i - 1].name) : w0 - 13) + 2);
		fputs(targets[i].name, o);
	}
	putc('\n', o);
	if (ntargets) {
		size_t last = 0;

		pad(o, w0);
		for (size_t i = 0; i < ntargets; i++) {
			const char *l = targets[i].libc[0] ? targets[i].libc : "-";

			pad(o, (i ? w[i - 1] - last : 0) + 2);
			fputs(l, o);
			last = text_width(l);
		}
		putc('\n', o);
	}
	for (size_t r = 0; r < nrows; r++) {
		if (!rows[r].name) {
			fprintf(o, "%s %s\n", rows[r].clause, rows[r].level);
			continue;
		}
		fprintf(o, "  %s", rows[r].name);
		pad(o, w0 - 2 - text_width(rows[r].name));
		for (size_t i = 0; i < ntargets; i++) {
			enum colour col;
			char *owned;
			const char *s =
			    cell(&targets[i], find_case(&targets[i], rows[r].name), &col, &owned);

			pad(o, 2);
			/* Pad outside the colour so trailing blanks stay plain. */
			fprintf(o, "%s%s%s", colour ? SGR[col] : "", s, colour ? "\033[0m" : "");
			if (i + 1 < ntargets)
				pad(o, w[i] - strlen(s));
			free(owned);
		}
		putc('\n', o);
	}
	if (nrows)
		fputs("legend: xfail, obs = as expected; FAIL, OBS, ERROR, XPASS (passes, expected "
		      "to fail) = unexpected\n",
		      o);
	putc('\n', o);
	for (size_t i = 0; i < ntargets; i++) {
		const struct target *t = &targets[i];

		fputs(t->name, o);
		if (!t->available) {
			fputs(": unavailable — ", o);
			put_oneline(o, t->reason);
			putc('\n', o);
			continue;
		}
		if (t->libc[0] || t->env[0]) {
			fputs(" (", o);
			put_oneline(o, t->libc[0] ? t->libc : "unknown libc");
			if (t->env[0]) {
				fputs("; ", o);
				put_oneline(o, t->env);
			}
			putc(')', o);
		}
		fprintf(
		    o,
		    ": %zu cases — %zu pass, %zu fail (%zu expected), %zu observed, %zu skip, %zu "
		    "error",
		    t->n.cases, t->n.pass, t->n.fail, t->n.xfail, t->n.observed, t->n.skip,
		    t->n.error);
		if (t->n.unexpected)
			fprintf(o, ", %s%zu unexpected%s", colour ? SGR[C_RED] : "",
			        t->n.unexpected, colour ? "\033[0m" : "");
		putc('\n', o);
		unexpected += t->n.unexpected;
	}
	if (unexpected)
		fprintf(o, "unexpected: %zu ('report --check' lists them)\n", unexpected);
	free(w);
	free(rows);
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
	bool do_check = false;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--dir")))
			dir = v;
		else if ((v = opt_value(argc, argv, &i, "--suite-version")))
			version = v;
		else if ((v = opt_value(argc, argv, &i, "--commit")))
			commit = v;
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
		print_summary(o.f, false);
		out_close(&o);
		/* https://no-color.org: colour only for a terminal, never when asked not to. */
		bool colour =
		    isatty(STDOUT_FILENO) && !(getenv("NO_COLOR") && getenv("NO_COLOR")[0]);
		print_summary(stdout, colour);
	}
	if (fflush(stdout) || ferror(stdout))
		die("cannot write to standard output: %s", strerror(errno));
	return rc;
}
