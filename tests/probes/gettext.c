/* SPDX-License-Identifier: MIT */
/* The gettext family with its standard prototypes (<libintl.h>). */
#define _GNU_SOURCE
#include <libintl.h>
#include <locale.h>
#include <string.h>

int main(void)
{
	const char *m = "x";
	if (!bindtextdomain("mtfork-probe", "/nonexistent") || !textdomain("mtfork-probe"))
		return 1;
	(void)bind_textdomain_codeset("mtfork-probe", "UTF-8");
	return strcmp(gettext(m), m) || strcmp(dgettext("d", m), m) ||
	       strcmp(dcgettext("d", m, LC_MESSAGES), m) || !ngettext("a", "b", 2) ||
	       !dngettext("d", "a", "b", 1);
}
