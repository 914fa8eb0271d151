/* SPDX-License-Identifier: MIT */
/*
 * The C++ cases of a target without a C++ compiler (tests/tests.mk builds
 * this instead of tests/NAME.cc): the same case IDs, each a skip that says
 * why, so the matrix shows them as not run rather than missing.
 * CXX_CASES is the case list's path, CXX_WHY the reason.
 */
#include "../harness/fixture.h"
#include "clauses.h"

static const struct holding no_cxx = {
    .name = "none (no C++ compiler for this target)",
    .ways = fx_parked_thread,
};

static int probe_no_cxx(struct probe *p)
{
	return probe_skip(p, CXX_WHY);
}

#define CXX_CASE(clause, what, holding, probe) CASE(clause, what, &no_cxx, probe_no_cxx),
static const struct mtcase cases[] = {
#include CXX_CASES
};

MTFORK_MAIN(cases)
