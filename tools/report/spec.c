/* SPDX-License-Identifier: MIT */
/*
 * report: the clauses of the specification (chapters, titles, levels,
 * profiles) and the profile claims decided from the records.
 */
#include "report.h"

/* ---- the specification: chapters and clauses in document order ----------- */

char **chapters;
size_t nchapters;
struct sclause *sclauses;
size_t nsclauses;
bool have_spec;
const char *spec_dir; /* for functions.tsv */

const char *const PROFILES[] = {"posix", "spawn", "unrestricted", NULL};

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

const struct sclause *find_sclause(const char *id)
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

void read_spec(const char *dir)
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

/*
 * The claim of a profile on a target (spec chapter "Profiles"): every case of
 * every MUST clause of the profile and of those it contains passes. A clause
 * whose cases all skip is untested. SHOULD clauses are counted, not decisive.
 */
struct claim profile_claim(const struct target *t, int rank)
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
char *claim_text(const struct claim *c)
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
