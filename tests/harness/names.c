/* SPDX-License-Identifier: MIT */
/* Names for verdicts, modes and signals, and lock-free string building. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>

#include "harness.h"
#include "proc.h"

const char *verdict_name(int v)
{
	static const char *const n[] = {"pass",     "fail",     "skip",       "error",
	                                "observed", "not-held", "unavailable"};
	return v >= 0 && v <= V_UNAVAILABLE ? n[v] : "?";
}

const char *behaviour_name(int b)
{
	static const char *const n[] = {"-", "works", "deadlock", "crash", "wrong"};
	return b >= 0 && b <= B_WRONG ? n[b] : "?";
}

const char *how_name(int h)
{
	static const char *const n[] = {"-", "proof", "timeout", "exit"};
	return h >= 0 && h <= HOW_EXIT ? n[h] : "?";
}

const char *signal_name(int sig)
{
	/* Our own table: sigabbrev_np is glibc-only, strsignal may take locks. */
	static const struct {
		int sig;
		const char *name;
	} t[] = {
	    {SIGABRT, "SIGABRT"}, {SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"},   {SIGILL, "SIGILL"},
	    {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"}, {SIGTERM, "SIGTERM"}, {SIGPIPE, "SIGPIPE"},
	    {SIGSYS, "SIGSYS"},   {SIGTRAP, "SIGTRAP"}, {SIGALRM, "SIGALRM"}, {SIGINT, "SIGINT"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].sig == sig)
			return t[i].name;
	return "signal";
}

void str_add(char *dst, size_t size, const char *s)
{
	size_t n = strlen(dst);
	while (*s && n + 1 < size)
		dst[n++] = *s++;
	dst[n] = 0;
}

void str_add_num(char *dst, size_t size, long n)
{
	char buf[24];
	put_dec(buf, n);
	str_add(dst, size, buf);
}
