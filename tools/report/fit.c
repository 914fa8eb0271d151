/* SPDX-License-Identifier: MIT */
/*
 * report: text fitted to a terminal: padding, widths without colour
 * sequences, cutting with "…" (after a whole word for prose), wrapping, and
 * the width of the terminal itself.
 */
#include "report.h"

void pad(FILE *o, size_t n)
{
	while (n--)
		putc(' ', o);
}

/* Columns of s on a terminal, not counting SGR colour sequences. */
size_t visible_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++) {
		if (*s == '\033' && s[1] == '[') {
			s += 2 + strspn(s + 2, "0123456789;");
			if (!*s)
				break;
			continue;
		}
		w += ((unsigned char)*s & 0xc0) != 0x80;
	}
	return w;
}

/* s in at most w columns: cut with "…" when longer. */
void put_fit(FILE *o, const char *s, size_t w)
{
	size_t sw = text_width(s), cols = 0;

	if (sw <= w) {
		fputs(s, o);
		pad(o, w - sw);
		return;
	}
	for (; *s && cols + 1 < w; s++) {
		putc(*s, o);
		if (((unsigned char)s[1] & 0xc0) != 0x80)
			cols++;
	}
	fputs("…", o);
	pad(o, w - cols - 1);
}

/* Prose in at most w columns: cut after the last whole word that fits, then "…". */
void put_fit_words(FILE *o, const char *s, size_t w)
{
	size_t cols = 0, cut = 0;

	if (text_width(s) <= w) {
		fputs(s, o);
		return;
	}
	for (size_t i = 0; s[i] && cols + 2 <= w; i++) {
		if (s[i] == ' ')
			cut = i;
		cols += ((unsigned char)s[i] & 0xc0) != 0x80;
	}
	if (!cut) {
		put_fit(o, s, w);
		return;
	}
	fwrite(s, 1, cut, o);
	fputs(" …", o);
}

/*
 * text as lines of at most width columns (0: one line), broken at spaces,
 * continuation lines indented; a word longer than a line stays whole.
 */
void put_wrapped(FILE *o, const char *text, size_t width, size_t indent)
{
	size_t col = 0;
	const char *p = text;

	if (!width) {
		fprintf(o, "%s\n", text);
		return;
	}
	col = strspn(p, " "); /* the line's own indentation stays */
	pad(o, col);
	p += col;
	while (*p) {
		size_t n = strcspn(p, " ");
		char *word = xstrndup(p, n);
		size_t ww = visible_width(word);

		if (col > indent && col + 1 + ww > width) {
			putc('\n', o);
			pad(o, indent);
			col = indent;
		} else if (p > text + strspn(text, " ")) {
			putc(' ', o);
			col++;
		}
		fputs(word, o);
		col += ww;
		free(word);
		p += n;
		p += strspn(p, " ");
	}
	putc('\n', o);
}

/* Terminal columns for stdout: $COLUMNS, else the terminal's size, else 0 (no limit). */
size_t out_width(void)
{
	const char *c = getenv("COLUMNS");
	struct winsize ws;

	if (c && *c) {
		char *end;
		unsigned long v = strtoul(c, &end, 10);

		if (!*end && v >= 20 && v <= 10000)
			return v;
	}
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 0;
}
