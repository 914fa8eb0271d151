/* SPDX-License-Identifier: MIT */
/*
 * report: summary-failures.txt, what did not pass, as glibc's tests.sum.
 */
#include "report.h"

/* summary-failures.txt: what did not pass, one line each, as glibc's tests.sum. */
void write_failures(const char *dir, const char *version, const char *commit)
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
