/* SPDX-License-Identifier: MIT */
/*
 * One JSON string writer for the records a test binary writes
 * (tests/harness/main.c) and the files tools/report writes from them, so both
 * encode text the same way. Header-only: the binary and the tool are built
 * apart (the suite per target, the tool with the host compiler).
 */
#ifndef MTFORK_JSONSTR_H
#define MTFORK_JSONSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s, or 0 if the byte there starts none. */
static inline size_t utf8_seq(const unsigned char *s)
{
	unsigned cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	cp = s[0] & (0x3fu >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		return 0;
	if (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
		return 0;
	return n;
}

/*
 * s as a JSON string, NULL as null. Control bytes become \u00XX and invalid
 * UTF-8 U+FFFD (a probe's detail may hold any byte; the file must stay
 * parsable). html: '<', '>' and '&' escaped too, for JSON inside a <script>
 * element (never "</script>").
 */
static inline void json_put_str(FILE *o, const char *s, bool html)
{
	if (!s) {
		fputs("null", o);
		return;
	}
	putc('"', o);
	while (*s) {
		const unsigned char *u = (const unsigned char *)s;
		size_t n = utf8_seq(u);

		if (html && (*u == '<' || *u == '>' || *u == '&'))
			fprintf(o, "\\u%04x", *u);
		else if (*u == '"' || *u == '\\')
			fprintf(o, "\\%c", *u);
		else if (*u < 0x20 || *u == 0x7f)
			fprintf(o, "\\u%04x", *u);
		else if (n)
			fwrite(s, 1, n, o);
		else
			fputs("\\ufffd", o);
		s += n ? n : 1;
	}
	putc('"', o);
}

#endif
