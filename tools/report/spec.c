/* SPDX-License-Identifier: MIT */
/*
 * report: the clauses of the specification (chapters, titles, levels,
 * profiles, as tools/clauses lists them) and the profile claims decided from
 * the records.
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

/*
 * The clauses from the file tools/clauses writes (the one reader of the
 * AsciiDoc): "id level profile chapter title functions mentions where" per
 * line, '#' comments, in document order. A chapter is listed once, where its
 * first clause is.
 */
void read_clauses(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t lineno = 0, ccap = 0, kcap = 0;
	char *line;

	if (!f)
		die("cannot open the clauses %s: %s (tools/clauses SPECDIR writes them)", path,
		    strerror(errno));
	while ((line = next_line(f, path, &lineno))) {
		char *fld[8] = {0};
		size_t n = 0;

		if (!line[0] || line[0] == '#') {
			free(line);
			continue;
		}
		for (char *p = line; n < 8; p++) {
			fld[n++] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p = 0;
		}
		if (n != 8 || strchr(fld[7], '\t'))
			die("%s:%zu: not 'id level profile chapter title functions mentions where' "
			    "— "
			    "rerun tools/clauses",
			    path, lineno);
		if (!find_sclause(fld[0])) {
			if (!nchapters || strcmp(chapters[nchapters - 1], fld[3])) {
				chapters = grow(chapters, nchapters, &ccap, sizeof(*chapters));
				chapters[nchapters++] = xstrdup(fld[3]);
			}
			sclauses = grow(sclauses, nsclauses, &kcap, sizeof(*sclauses));
			struct sclause *c = &sclauses[nsclauses++];

			c->id = xstrdup(fld[0]);
			c->level = strcmp(fld[1], "-") ? xstrdup(fld[1]) : NULL;
			c->profile = strcmp(fld[2], "-") ? xstrdup(fld[2]) : NULL;
			c->title = plain_title(fld[4]);
			c->chapter = nchapters - 1;
		}
		free(line);
	}
	fclose(f);
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
