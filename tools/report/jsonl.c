/* SPDX-License-Identifier: MIT */
/*
 * report: one record line, as a test binary writes it (tests/harness/main.c):
 * a flat JSON object with exactly the fields of spec/results.adoc's result
 * record but `tap`, each of its JSON type. Parsed strictly, in place: a
 * line that is not such an object is one error naming file:line. Values are
 * kept as the text the views print: null becomes "-", true/false and the
 * number stay as written; the values themselves are checked in records.c.
 */
#include "../jsonstr.h"
#include "report.h"

static const struct {
	const char *name;
	enum kind kind;
} FIELDS[NFIELDS] = {
    [F_CASE] = {"case", STR},
    [F_CLAUSE] = {"clause", STR},
    [F_LEVEL] = {"level", STR},
    [F_SUBSYSTEM] = {"subsystem", STR},
    [F_VERDICT] = {"verdict", STR},
    [F_MODE] = {"mode", STR_OR_NULL},
    [F_HOW] = {"how", STR_OR_NULL},
    [F_HOLDER] = {"holder", STR},
    [F_HELD] = {"held", BOOL_OR_NULL},
    [F_FORK_WAITED] = {"fork_waited", BOOL_OR_NULL},
    [F_EXPECTED] = {"expected", STR_OR_NULL},
    [F_REASON] = {"expected_reason", STR_OR_NULL},
    [F_UNEXPECTED] = {"unexpected", BOOL},
    [F_MS] = {"ms", NUM},
    [F_DETAIL] = {"detail", STR},
};

static char dash[] = "-";

struct cursor {
	char *p;
	const char *path;
	size_t lineno;
};

static void skip_ws(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

static unsigned hex4(struct cursor *c)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char h = c->p[i];

		if (!isxdigit((unsigned char)h))
			malformed(c->path, c->lineno, "bad \\u escape in a string");
		v = v * 16 +
		    (unsigned)(isdigit((unsigned char)h) ? h - '0' : (h | 0x20) - 'a' + 10);
	}
	c->p += 4;
	return v;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* A JSON string at c->p (its opening quote), decoded in place (the decoded
 * text is never longer); returns its start. */
static char *string(struct cursor *c)
{
	char *s = ++c->p, *o = s;

	for (;;) {
		unsigned char u = (unsigned char)*c->p;

		if (u == '"')
			break;
		if (!u)
			malformed(c->path, c->lineno, "a string is not closed");
		if (u < 0x20)
			malformed(c->path, c->lineno,
			          "a control character in a string (write \\u%04x)", u);
		if (u != '\\') {
			size_t n = utf8_seq((const unsigned char *)c->p);
			if (!n)
				malformed(c->path, c->lineno, "invalid UTF-8 in a string");
			memmove(o, c->p, n);
			o += n;
			c->p += n;
			continue;
		}
		c->p += 2;
		switch (c->p[-1]) {
		case '"':
		case '\\':
		case '/':
			*o++ = c->p[-1];
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u': {
			unsigned cp = hex4(c);

			if (cp >= 0xdc00 && cp <= 0xdfff)
				malformed(c->path, c->lineno, "a lone low surrogate \\u%04x", cp);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				unsigned lo;

				if (c->p[0] != '\\' || c->p[1] != 'u')
					malformed(c->path, c->lineno,
					          "a high surrogate \\u%04x without its low half",
					          cp);
				c->p += 2;
				lo = hex4(c);
				if (lo < 0xdc00 || lo > 0xdfff)
					malformed(c->path, c->lineno,
					          "a high surrogate \\u%04x without its low half",
					          cp);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (!cp)
				malformed(c->path, c->lineno,
				          "a NUL character (\\u0000) in a string");
			o = put_utf8(o, cp);
			break;
		}
		default:
			malformed(c->path, c->lineno, "unknown escape '\\%c' in a string",
			          c->p[-1] ? c->p[-1] : '0');
		}
	}
	c->p++;
	*o = 0;
	return s;
}

/* A bare word (true, false, null, a number) at c->p; returns it, ended. */
static char *word(struct cursor *c)
{
	char *s = c->p;

	while (*c->p && !strchr(" \t,}\"", *c->p))
		c->p++;
	if (c->p == s)
		malformed(c->path, c->lineno, "a value is missing");
	return s;
}

/* A duration: digits, optionally '.' and more digits (no sign, no exponent). */
static bool decimal(const char *s)
{
	const char *p = s;

	while (isdigit((unsigned char)*p))
		p++;
	if (p == s)
		return false;
	if (*p == '.') {
		const char *frac = ++p;

		while (isdigit((unsigned char)*p))
			p++;
		if (p == frac)
			return false;
	}
	return *p == 0;
}

/* The value of field f at c->p, into tc; returns the character after it
 * (consumed: a bare word is ended where it stood). */
static char value(struct cursor *c, struct tcase *tc, int f)
{
	const char *name = FIELDS[f].name;
	enum kind k = FIELDS[f].kind;
	bool str = *c->p == '"';
	char *v = str ? string(c) : word(c);
	char end = *c->p;

	*c->p = 0;
	if (end)
		c->p++;
	if (str && (k == STR || k == STR_OR_NULL)) {
		if (k == STR_OR_NULL && !strcmp(v, "-"))
			malformed(c->path, c->lineno, "%s is \"-\": write null for none", name);
		tc->f[f] = v;
	} else if (!str && !strcmp(v, "null") && (k == STR_OR_NULL || k == BOOL_OR_NULL)) {
		tc->f[f] = dash;
	} else if (!str && (!strcmp(v, "true") || !strcmp(v, "false")) &&
	           (k == BOOL || k == BOOL_OR_NULL)) {
		tc->f[f] = v;
	} else if (!str && k == NUM && decimal(v)) {
		tc->f[f] = v;
	} else {
		static const char *const want[] = {[STR] = "a string",
		                                   [STR_OR_NULL] = "a string or null",
		                                   [BOOL] = "true or false",
		                                   [BOOL_OR_NULL] = "true, false or null",
		                                   [NUM] = "a decimal number of milliseconds"};

		malformed(c->path, c->lineno, "%s is %s%s%s, expected %s", name, str ? "\"" : "", v,
		          str ? "\"" : "", want[k]);
	}
	return end;
}

void parse_record(struct tcase *tc, char *line, const char *path, size_t lineno)
{
	struct cursor c = {line, path, lineno};
	bool seen[NFIELDS] = {false};

	memset(tc->f, 0, sizeof tc->f);
	tc->lineno = lineno;
	skip_ws(&c);
	if (*c.p != '{')
		malformed(path, lineno, "not a JSON object: a record is one {...} per line");
	c.p++;
	for (;;) {
		char *key, next;
		int f;

		skip_ws(&c);
		if (*c.p != '"')
			malformed(path, lineno, "expected a field name in double quotes");
		key = string(&c);
		for (f = 0; f < NFIELDS && strcmp(key, FIELDS[f].name); f++)
			;
		if (f == NFIELDS)
			malformed(
			    path, lineno,
			    "unknown field \"%s\" (a record has case, clause, level, subsystem, "
			    "verdict, mode, how, holder, held, fork_waited, expected, "
			    "expected_reason, unexpected, ms, detail)",
			    key);
		if (seen[f])
			malformed(path, lineno, "field \"%s\" given twice", key);
		seen[f] = true;
		skip_ws(&c);
		if (*c.p != ':')
			malformed(path, lineno, "expected ':' after \"%s\"", key);
		c.p++;
		skip_ws(&c);
		next = value(&c, tc, f);
		while (next == ' ' || next == '\t') {
			next = *c.p;
			if (next)
				c.p++;
		}
		if (next == '}')
			break;
		if (next != ',')
			malformed(path, lineno, "expected ',' or '}' after the value of \"%s\"",
			          key);
	}
	skip_ws(&c);
	if (*c.p)
		malformed(path, lineno, "text after the record's closing '}'");
	for (int f = 0; f < NFIELDS; f++)
		if (!seen[f])
			malformed(path, lineno, "no field \"%s\"", FIELDS[f].name);
}

const char *field_name(int f)
{
	return FIELDS[f].name;
}

enum kind field_kind(int f)
{
	return FIELDS[f].kind;
}
