/* SPDX-License-Identifier: MIT */
/*
 * report: what the parts of tools/report share. The tool reads the records
 * the test binaries wrote (records.c: a report directory; jsonl.c: one
 * record line, strictly) and writes views of them: results.json
 * (results.c), junit.xml (junit.c), the terminal matrix and summary.txt
 * (matrix.c, fitted to the terminal by fit.c), summary-failures.txt
 * (failures.c) and the dashboard (dashboard.c around template.c, generated
 * from tools/dashboard.html). spec.c reads the clauses tools/clauses listed
 * and decides the profile claims; encode.c escapes text for each format;
 * util.c holds memory, files and errors; main.c the options, --check and
 * --fields. None of them judges a case again: each record carries its
 * `unexpected`, decided by the binary that ran the case.
 */
#ifndef MTFORK_REPORT_H
#define MTFORK_REPORT_H

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

#define USAGE                                                                                      \
	"usage: report [all|--check] [--dir DIR] [--clauses FILE] [--spec DIR|''] "                \
	"[--suite-version V] [--commit C]; report --fields F,F... FILE.jsonl..."
#define REGEN "re-run 'make report' to regenerate"

/* The fields of one record (jsonl.c names them). */
enum {
	F_CASE,
	F_CLAUSE,
	F_LEVEL,
	F_SUBSYSTEM,
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
	char *f[NFIELDS]; /* into the record's line, decoded in place; null is "-" */
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

extern struct target *targets;
extern size_t ntargets;

/*
 * A clause as tools/clauses lists it (--clauses FILE). Without that file the
 * outputs simply lack chapters, titles and profile claims.
 */
struct sclause {
	char *id, *title, *level, *profile;
	size_t chapter; /* index into chapters */
};

struct claim {
	size_t must, must_pass, must_fail, must_error, must_untested;
	size_t should, should_tested, should_pass;
	const char *verdict; /* conforms, does-not-conform, undecided */
};

struct out {
	FILE *f;
	char *tmp, *path;
};

/* util.c */
__attribute__((noreturn, format(printf, 3, 4))) void malformed(const char *path, size_t lineno,
                                                               const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);
void *grow(void *arr, size_t n, size_t *cap, size_t size);
bool one_of(const char *s, const char *const *list);
int cmp_str(const void *a, const void *b);
char **list_dir(const char *dir, const char *suffix, size_t *count);
void free_list(char **names, size_t n);
char *next_line(FILE *f, const char *path, size_t *lineno);
struct out out_open(const char *dir, const char *name);
void out_close(struct out *o);

/* jsonl.c: one record line into c (line becomes owned by c), or one
 * error naming path:lineno, exit 2 */
void parse_record(struct tcase *c, char *line, const char *path, size_t lineno);
/* A field's name and JSON type, as the results contract has them. */
enum kind { STR, STR_OR_NULL, BOOL, BOOL_OR_NULL, NUM };
const char *field_name(int f);
enum kind field_kind(int f);

/* records.c */
void check_record(struct tcase *c, const char *path, size_t lineno);
void count_case(struct counts *n, const struct tcase *c);
const struct tcase *find_case(const struct target *t, const char *name);
void load(const char *dir);

/* spec.c */
extern char **chapters;
extern size_t nchapters;
extern struct sclause *sclauses;
extern size_t nsclauses;
extern bool have_spec;
extern const char *spec_dir; /* for functions.tsv */
extern const char *const PROFILES[];
const struct sclause *find_sclause(const char *id);
void read_clauses(const char *path);
struct claim profile_claim(const struct target *t, int rank);
char *claim_text(const struct claim *c);

/* encode.c */
size_t text_width(const char *s);
extern bool json_html;
void json_str(FILE *o, const char *s);
const char *dash_null(const char *s);
void json_bool3(FILE *o, const char *s);
void json_ms(FILE *o, const char *s);
void xml_str(FILE *o, const char *s, bool attr);
void put_oneline(FILE *o, const char *s);
void put_verdict(FILE *o, const struct tcase *c);

/* results.c */
void read_run_times(const char *dir);
void json_results(FILE *f, const char *version, const char *commit, const char *dir_for_tap);
void write_json(const char *dir, const char *version, const char *commit);

/* junit.c */
void put_mismatch(FILE *o, const struct tcase *c, void (*put)(FILE *, const char *));
void write_junit(const char *dir);

/* fit.c */
void pad(FILE *o, size_t n);
size_t visible_width(const char *s);
void put_fit(FILE *o, const char *s, size_t w);
void put_fit_words(FILE *o, const char *s, size_t w);
void put_wrapped(FILE *o, const char *text, size_t width, size_t indent);
size_t out_width(void);

/* matrix.c */
void print_summary(FILE *o, bool colour, size_t width);

/* failures.c */
void write_failures(const char *dir, const char *version, const char *commit);

/* template.c: tools/dashboard.html before and after its data */
extern const char *const DASH_HEAD[], *const DASH_TAIL[];

/* dashboard.c */
void write_dashboard(const char *dir, const char *version, const char *commit);

#endif
