/* SPDX-License-Identifier: MIT */
/* strerror_r() usable as declared (either the GNU or the XSI variant). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

int main(void)
{
	char buf[64] = "";
	(void)strerror_r(EBADF, buf, sizeof buf);
	return 0;
}
