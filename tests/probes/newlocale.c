/* SPDX-License-Identifier: MIT */
/* locale_t: newlocale(), uselocale(), freelocale(), strerror_l(). */
#define _GNU_SOURCE
#include <errno.h>
#include <locale.h>
#include <string.h>

int main(void)
{
	locale_t l = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!l)
		return 1;
	locale_t old = uselocale(l);
	const char *s = strerror_l(EACCES, l);
	uselocale(old);
	freelocale(l);
	return !s;
}
