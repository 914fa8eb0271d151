/* SPDX-License-Identifier: MIT */
/*
 * report: aggregate the records the test binaries wrote into results.json,
 * junit.xml, summary.txt, summary-failures.txt, index.html and the terminal
 * matrix (default), or list the unexpected cases (--check). report.h says
 * which file does what.
 */
#include "report.h"

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

/*
 * --fields F,F... FILE...: the named fields of every record of the files, one
 * line each, TAB-separated (null as "-"; a TAB or line break inside a value
 * becomes a space): the records as the shell tools read them (tools/mtfork,
 * tools/teeth.sh, the container-like mode), checked as strictly as here:
 * nothing is printed unless every record is well-formed.
 */
static int print_fields(const char *list, int nfiles, char **files)
{
	int want[NFIELDS], n = 0;
	char *copy = xstrdup(list), *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
		int f;

		for (f = 0; f < NFIELDS && strcmp(tok, field_name(f)); f++)
			;
		if (f == NFIELDS || n == NFIELDS)
			die("--fields: '%s' is no field of a record (case, clause, level, "
			    "subsystem, "
			    "verdict, mode, how, holder, held, fork_waited, expected, "
			    "expected_reason, "
			    "unexpected, ms, detail)",
			    tok);
		want[n++] = f;
	}
	free(copy);
	if (!n || !nfiles)
		die("--fields needs fields and record files — " USAGE);
	if (!out)
		die("out of memory");
	for (int i = 0; i < nfiles; i++) {
		FILE *in = fopen(files[i], "r");
		size_t lineno = 0;
		char *line;

		if (!in)
			die("cannot open %s: %s", files[i], strerror(errno));
		while ((line = next_line(in, files[i], &lineno))) {
			struct tcase c;

			if (line[0]) {
				parse_record(&c, line, files[i], lineno);
				check_record(&c, files[i], lineno);
				for (int k = 0; k < n; k++) {
					if (k)
						putc('\t', out);
					for (const char *p = c.f[want[k]]; *p; p++)
						putc(strchr("\t\n\r", *p) ? ' ' : *p, out);
				}
				putc('\n', out);
			}
			free(line);
		}
		fclose(in);
	}
	if (fclose(out))
		die("out of memory");
	fwrite(text, 1, size, stdout);
	free(text);
	if (fflush(stdout) || ferror(stdout))
		die("cannot write to standard output: %s", strerror(errno));
	return 0;
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
	const char *spec = NULL;    /* functions.tsv's directory; default ./spec when there */
	const char *clauses = NULL; /* tools/clauses' output; none: no chapters, claims */
	bool do_check = false;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--fields")))
			return print_fields(v, argc - i - 1, argv + i + 1);
		if ((v = opt_value(argc, argv, &i, "--dir")))
			dir = v;
		else if ((v = opt_value(argc, argv, &i, "--suite-version")))
			version = v;
		else if ((v = opt_value(argc, argv, &i, "--commit")))
			commit = v;
		else if ((v = opt_value(argc, argv, &i, "--spec")))
			spec = v;
		else if ((v = opt_value(argc, argv, &i, "--clauses")))
			clauses = v;
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
		spec = access("spec/functions.tsv", R_OK) == 0 ? "spec" : "";
	if (spec[0] && access(spec, X_OK))
		die("--spec %s: %s (the directory of functions.tsv)", spec, strerror(errno));
	spec_dir = spec[0] ? spec : NULL;
	if (clauses && clauses[0])
		read_clauses(clauses);
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
