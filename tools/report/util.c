/* SPDX-License-Identifier: MIT */
/*
 * report: errors (one line, exit 2), memory, directory listings, lines of
 * a file, and outputs written under a temporary name then renamed.
 */
#include "report.h"

/* ---- errors and memory ---------------------------------------------------- */

__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
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
__attribute__((noreturn, format(printf, 3, 4))) void malformed(const char *path, size_t lineno,
                                                               const char *fmt, ...)
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

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		die("out of memory");
	return p;
}

__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...)
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
void *grow(void *arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 8;
	if (*cap > (size_t)-1 / size)
		die("out of memory");
	return xrealloc(arr, *cap * size);
}

bool one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* ---- reading ------------------------------------------------------------- */

int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Sorted names in dir that end with suffix (all names if NULL), hidden ones
 * excluded. Returns NULL (errno set) if dir cannot be opened.
 */
char **list_dir(const char *dir, const char *suffix, size_t *count)
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

void free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * Next line of f without its line terminator (LF or CRLF), or NULL at EOF.
 * The caller owns the returned string. Embedded NUL bytes break the contract.
 */
char *next_line(FILE *f, const char *path, size_t *lineno)
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

/* ---- outputs -------------------------------------------------------------- */

/* Write to a temporary name and rename, so readers never see half a file. */
struct out out_open(const char *dir, const char *name)
{
	struct out o;

	o.path = xasprintf("%s/%s", dir, name);
	o.tmp = xasprintf("%s/.%s.tmp", dir, name);
	o.f = fopen(o.tmp, "w");
	if (!o.f)
		die("cannot write %s: %s", o.tmp, strerror(errno));
	return o;
}

void out_close(struct out *o)
{
	bool bad = ferror(o->f);

	if (fclose(o->f) || bad)
		die("cannot write %s: %s", o->tmp, strerror(errno));
	if (rename(o->tmp, o->path))
		die("cannot rename %s to %s: %s", o->tmp, o->path, strerror(errno));
	free(o->tmp);
	free(o->path);
}
