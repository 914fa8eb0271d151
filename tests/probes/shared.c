/* SPDX-License-Identifier: MIT */
/* flags: -fPIC -shared */
/* Shared libraries: the fixtures the loader cases dlopen, the violator. */
int mtfork_probe_shared(void);

int mtfork_probe_shared(void)
{
	return 1;
}
