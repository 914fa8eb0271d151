#!/bin/sh
# SPDX-License-Identifier: MIT
# The teeth of what the build generates: the probes (tests/probes/,
# MTFORK_NEEDS): the host compiler with two interfaces switched off
# (MTFORK_PROBE_OFF) still builds random.t, and every case that needs them
# skips, naming the interface; the probe step writes HAVE_ macros for every
# probe. And clauses.h (CASE()): one ID and level per clause of spec/, and a
# case of a clause spec/ does not define does not compile. Prints TAP.
#   sh tools/testdata/probes/run.sh [BUILD]
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 2
out=${1:-build}/probes-test
rm -rf "$out"
n=0 bad=0
t() { # DESCRIPTION STATUS
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1" && bad=1; fi
}
MTFORK_PROBE_OFF='initstate fopencookie' make -s -j2 -f tests/tests.mk OUT="$out" TCC=cc \
	"$out/tests/random.t" >"$out.log" 2>&1
t "random.t builds without random() and fopencookie()" "$([ -x "$out/tests/random.t" ]; echo $?)"
probes=$(ls tests/probes/*.c | wc -l)
t "have.h defines one HAVE_ macro per probe ($probes)" \
	"$([ "$(grep -c '^#define HAVE_' "$out/have.h" 2>/dev/null)" = "$probes" ]; echo $?)"
t "a switched-off probe is 0 in have.h" "$(grep -q '^#define HAVE_INITSTATE 0' "$out/have.h"; echo $?)"
t "a present interface is 1 in have.h" "$(grep -q '^#define HAVE_SYSCALL 1' "$out/have.h"; echo $?)"
tap=$("$out/tests/random.t" 2>&1)
rc=$?
t "the binary still lists all its cases" "$([ "$("$out/tests/random.t" --list | wc -l)" = 7 ]; echo $?)"
t "every case skips, naming the missing interface, and the binary exits 0" \
	"$([ $rc = 0 ] && [ "$(printf '%s\n' "$tap" | grep -c '^ok [0-9]* - RANDOM-[0-9.a-z-]* # SKIP the target lacks random(), srandom(), initstate() or setstate()')" = 7 ]; echo $?)"
t "no case ran a holder (holder: -)" "$([ "$(printf '%s\n' "$tap" | grep -c '^  holder: -$')" = 7 ]; echo $?)"
clauses=$(sh tools/clauses spec 2>/dev/null | grep -vc '^#')
t "clauses.h gives an ID and a level for each of the $clauses clauses of spec/" \
	"$([ "$(grep -c '^#define MTC_' "$out/clauses.h" 2>/dev/null)" = "$clauses" ] &&
		[ "$(grep -c '^#define MTL_' "$out/clauses.h")" = "$clauses" ]; echo $?)"
row() { # CLAUSE: compile one case row of that clause; the compiler's status
	printf '#include "harness/mtfork.h"\n#include "clauses.h"\nconst struct mtcase c[] = {CASE(%s, "x", 0, 0)};\n' "$1" |
		cc -std=gnu11 -Werror -fsyntax-only -Itests -I"$out" -x c - >/dev/null 2>&1
	echo $?
}
t "a case of a clause spec/ defines compiles (RANDOM_1)" "$(row RANDOM_1)"
t "a case of a clause spec/ does not define is a build error (RANDOM_99)" "$([ "$(row RANDOM_99)" != 0 ]; echo $?)"
rm -rf "$out" "$out.log"
echo "1..$n"
exit $bad
