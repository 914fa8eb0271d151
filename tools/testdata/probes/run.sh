#!/bin/sh
# SPDX-License-Identifier: MIT
# The teeth of the build-time probes (tests/probes/, MTFORK_NEEDS): the host
# compiler with two interfaces switched off (MTFORK_PROBE_OFF) still builds
# random.t, and every case that needs them skips, naming the interface; the
# probe step writes HAVE_ macros for every probe. Prints TAP.
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
rm -rf "$out" "$out.log"
echo "1..$n"
exit $bad
