/* SPDX-License-Identifier: MIT */
/*
 * dlerror: a dlopen() the adapter refuses (dlopen.c) reports its reason
 * through dlerror(), like any failed dlopen.  The message is per thread, as
 * glibc's is; otherwise dlerror() is glibc's.
 *
 * glibc's rule is "the most recent error since the last dlerror()": setting
 * our message discards glibc's unread one, and a later dlopen() that fails in
 * glibc discards ours.  Failures of dlsym() and dlclose() after a refusal are
 * not seen here (interposing dlsym would break RTLD_NEXT): the refusal is
 * reported first.  Not a gate: dlerror() touches thread-local state only.
 */
#include "gated.h"

#include <dlfcn.h>
#include <stdio.h>

#include "dl.h"

#define MESSAGE_MAX 1024

static __thread bool pending __attribute__((tls_model("initial-exec")));
static __thread char message[MESSAGE_MAX]; /* general dynamic: no static-TLS surplus used */

FORKLOCK_HIDDEN void forklock_dlerror_set(const char *a, const char *b, const char *c,
                                          const char *d)
{
	FORKLOCK_NEXT(dlerror)(); /* glibc's unread error is older than this one */
	snprintf(message, sizeof(message), "%s%s%s%s", a, b, c, d);
	pending = true;
}

FORKLOCK_HIDDEN void forklock_dlerror_forget(void)
{
	pending = false;
}

FORKLOCK_PUBLIC char *dlerror(void)
{
	if (unlikely(pending)) {
		pending = false;
		return message;
	}
	return FORKLOCK_NEXT(dlerror)();
}
