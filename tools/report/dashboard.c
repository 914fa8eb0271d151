/* SPDX-License-Identifier: MIT */
/*
 * report: index.html, the self-contained dashboard: the page of
 * template.c around the records, the clauses and the function index.
 */
#include "report.h"

/* ---- the dashboard: build/report/index.html ------------------------------- */

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
void write_dashboard(const char *dir, const char *version, const char *commit)
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
