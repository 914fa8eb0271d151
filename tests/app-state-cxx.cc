// SPDX-License-Identifier: MIT
/*
 * The C++ runtime in the MT-forked child (spec/app-state.adoc, CXXGUARD-1),
 * written in C++ so that the compiler's own guard code and the runtime's
 * streams and locales are what runs (tests/app-state.c reaches the guard
 * functions through dlsym() instead). Built with the target's C++ compiler
 * (tests/tests.mk: TCXX); a target without one builds tests/cxx/stub.c, in
 * which every case below is a skip naming why.
 *
 *   .static-initialiser-running  another thread was inside the constructor of
 *       a function-local static at fork (WAY_APP: the constructor parks); the
 *       child's first use of the static is recorded.
 *   .cout-locale  with the allocator's lock held at fork (the child is an
 *       MT-forked child with libc state to repair), the child formats with
 *       std::cout (redirected to a string), std::ostringstream and the
 *       classic and environment locales; what happens is recorded.
 */
#include <iostream>
#include <locale>
#include <sstream>
#include <stdexcept>
#include <string>

#include "harness/fixture.h"
#include "clauses.h"

namespace
{

struct Slow {
	int value;
	Slow() : value(0)
	{
		holder_park(); // the initialisation is in progress while parked
		value = 42;
	}
};

Slow &slow()
{
	static Slow s; // the guard: __cxa_guard_acquire/release around Slow()
	return s;
}

void construct_and_park(struct hold *h)
{
	(void)h;
	slow();
}

const struct way static_ways[] = {APP_WAY("static-initialiser", construct_and_park),
                                  {0, WAY_APP, 0, 0}};

const struct holding static_init_running = {
    "C++ function-local static whose constructor another thread was running", 0, 0, static_ways, 0};

int probe_static(struct probe *p)
{
	if (slow().value != 42)
		return probe_wrong(p, "the static's value is not the one its constructor sets");
	return probe_ok_note(p, "the child ran the static's constructor itself");
}

int probe_cout_locale(struct probe *p)
{
	std::ostringstream out;
	std::streambuf *old = std::cout.rdbuf(out.rdbuf()); // never the TAP stream
	std::cout.imbue(std::locale::classic());
	std::cout << 12345 << ' ' << 1.5 << std::flush;
	std::cout.rdbuf(old);
	if (out.str() != "12345 1.5")
		return probe_wrong(p, "std::cout with the classic locale formatted wrongly");
	try {
		std::ostringstream env;
		env.imbue(std::locale("")); // LANG/LC_*: may name a locale not installed
		env << 7;
		if (env.str().empty())
			return probe_wrong(p,
			                   "a stream with the environment's locale wrote nothing");
	} catch (const std::runtime_error &) {
		return probe_ok_note(p, "std::cout and the classic locale work; the environment's "
		                        "locale is not installed (std::locale(\"\") threw)");
	}
	return PROBE_OK;
}

#define CXX_CASE(clause, what, holding, probe) CASE(clause, what, &holding, probe),
const struct mtcase cases[] = {
#include "app-state-cxx.cases"
};

} // namespace

MTFORK_MAIN(cases)
