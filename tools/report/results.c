/* SPDX-License-Identifier: MIT */
/*
 * report: results.json, the machine-readable view of the records, with
 * the run (host, times, settings) and the profile claims per target.
 */
#include "report.h"

extern char **environ;

/* ---- the run's environment ---------------------------------------------- */

static char *run_started; /* from the driver's INCOMPLETE marker, or NULL */
static char run_finished[32];

/* "started at 2026-01-01T00:00:00Z; ..." in DIR/INCOMPLETE, written by the driver. */
void read_run_times(const char *dir)
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

/* The fields of a record, in results.json's order, each as its JSON type:
 * the record as the binary wrote it ("-" stands for null). */
static void json_record(FILE *f, const struct tcase *c)
{
	static const int order[] = {F_CASE,   F_CLAUSE,     F_LEVEL, F_VERDICT,     F_MODE,
	                            F_HOW,    F_HOLDER,     F_HELD,  F_FORK_WAITED, F_EXPECTED,
	                            F_REASON, F_UNEXPECTED, F_MS,    F_DETAIL,      F_SUBSYSTEM};

	fputs("\n        {", f);
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const char *v = c->f[order[i]];

		fprintf(f, "%s\"%s\": ", i ? ", " : " ", field_name(order[i]));
		switch (field_kind(order[i])) {
		case STR:
			json_str(f, v);
			break;
		case STR_OR_NULL:
			json_str(f, dash_null(v));
			break;
		case BOOL:
		case BOOL_OR_NULL:
			json_bool3(f, v);
			break;
		case NUM:
			json_ms(f, v);
			break;
		}
	}
}

/*
 * results.json; with dir_for_tap (the dashboard's copy) every case also
 * carries "tap_lines", its excerpt of the TAP stream.
 */
void json_results(FILE *f, const char *version, const char *commit, const char *dir_for_tap)
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
				const char *id = tf->cases[k].f[F_CASE];

				fputs(sep, f);
				sep = ",";
				json_record(f, &tf->cases[k]);
				fputs(", \"tap\": ", f);
				json_str(f, tf->tap);
				if (dir_for_tap) {
					fputs(", \"tap_lines\": ", f);
					json_tap_excerpt(f, &tl, id);
				}
				fputs(" }", f);
			}
			free_tap(&tl);
		}
		fputs(*sep ? "\n      ] }" : "] }", f);
	}
	fputs(ntargets ? "\n  ]\n}" : "]\n}", f);
}

void write_json(const char *dir, const char *version, const char *commit)
{
	struct out o = out_open(dir, "results.json");

	json_results(o.f, version, commit, NULL);
	fputs("\n", o.f);
	out_close(&o);
}
