/* SPDX-License-Identifier: MIT */
/*
 * report: the terminal matrix and summary.txt: clauses by chapter, each
 * followed by its cases, one column per target, fitted to the terminal.
 */
#include "report.h"

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

void print_summary(FILE *o, bool colour, size_t width)
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
