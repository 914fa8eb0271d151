/* SPDX-License-Identifier: MIT */
/*
 * report: text for each output: JSON strings, XML text, one terminal line,
 * a verdict word.
 */
#include "../jsonstr.h"
#include "report.h"

/* ---- encoding helpers ----------------------------------------------------- */

/* Columns s takes on a terminal: one per code point (names are not CJK). */
size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Set while writing JSON into the dashboard's <script> element. */
bool json_html;

/* JSON string (NULL or "-" where allowed becomes null via the callers). */
void json_str(FILE *o, const char *s)
{
	json_put_str(o, s, json_html);
}

const char *dash_null(const char *s)
{
	return strcmp(s, "-") ? s : NULL;
}

void json_bool3(FILE *o, const char *s)
{
	fputs(!strcmp(s, "-") ? "null" : s, o);
}

/* The ms field is validated as digits[.digits]; drop leading zeros for JSON. */
void json_ms(FILE *o, const char *s)
{
	while (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		s++;
	fputs(s, o);
}

/* XML text or attribute value; control bytes XML 1.0 forbids become \xNN. */
void xml_str(FILE *o, const char *s, bool attr)
{
	for (; *s; s++) {
		const unsigned char *u = (const unsigned char *)s;
		size_t n = utf8_seq(u);

		switch (*u) {
		case '&':
			fputs("&amp;", o);
			continue;
		case '<':
			fputs("&lt;", o);
			continue;
		case '>':
			fputs("&gt;", o);
			continue;
		case '"':
			fputs(attr ? "&quot;" : "\"", o);
			continue;
		case '\t':
		case '\n':
		case '\r':
			/* Character references survive attribute-value normalisation. */
			if (attr || *u == '\r')
				fprintf(o, "&#%d;", *u);
			else
				putc(*u, o);
			continue;
		default:
			break;
		}
		if (*u < 0x20)
			fprintf(o, "\\x%02x", *u);
		else if (n == 3 && u[0] == 0xef && u[1] == 0xbf && u[2] >= 0xbe)
			fputs("\xef\xbf\xbd", o); /* U+FFFE/U+FFFF are not XML characters */
		else if (n) {
			fwrite(s, 1, n, o);
			s += n - 1;
		} else
			fputs("\xef\xbf\xbd", o);
	}
}

/* Free text on one terminal line: control characters become spaces. */
void put_oneline(FILE *o, const char *s)
{
	for (; *s; s++)
		putc((unsigned char)*s < 0x20 ? ' ' : *s, o);
}

/* "fail:deadlock", "observed:works", or the bare verdict. */
void put_verdict(FILE *o, const struct tcase *c)
{
	fputs(c->f[F_VERDICT], o);
	if (strcmp(c->f[F_MODE], "-"))
		fprintf(o, ":%s", c->f[F_MODE]);
}
