#!/bin/sh
# SPDX-License-Identifier: MIT
# The gate's own teeth: plant each fault the gate must catch and show that
# `tools/mtfork check` (or `report`, for faults a report must refuse) goes red
# with the right one-line reason. Prints TAP; exits non-zero on any failure.
#
#   tools/testdata/gate/run.sh BUILD
#
# BUILD is a build directory where `make check` already built the glibc
# target: its binaries are copied (nothing is recompiled), and every planted
# run happens in the copy, with one case selected. Faults inside a test
# binary come from fault.c, preloaded (see its comment); faulty expectations
# from a copy of expect/. Nothing outside BUILD/gate/ is written.
#
# The tests fall in independent parts (below, part_*), each in a directory
# of its own (BUILD/gate/PART) with its own copies: the parts run side by
# side, as their planted runs mostly wait (for a case, a bound, a killed
# driver), and their TAP is printed in a fixed order, numbered once, so the
# output is the same as one after another.
set -u
cd "$(dirname "$0")/../../.." || exit 1
self=tools/testdata/gate/run.sh # (each part is this script again, from the top)
B=${1:?usage: run.sh BUILD}
# absolute: the check for processes left behind must not see other checkouts' runs
R=$(cd "$B" && pwd)/gate
PARTS="faults expectations make_expect settings driver spec lint"

if [ $# = 1 ]; then
	[ -x "$B/glibc/tests/random.t" ] || {
		echo "Bail out! $B/glibc has no built suite: run make check (it builds it first)"
		exit 1
	}
	rm -rf "$R" && mkdir -p "$R" || exit 1
	cc -std=gnu11 -Wall -Wextra -Werror -O2 -fPIC -shared -o "$R/libfault.so" \
		tools/testdata/gate/fault.c || exit 1
	for part in $PARTS; do
		sh "$self" "$B" "$part" >"$R/$part.tap" 2>&1 &
	done
	wait
	# one TAP stream: the parts in order, numbered once; a part that ended
	# without its plan (killed, crashed) is a failure of its own
	for part in $PARTS; do
		grep -q '^1\.\.[0-9]' "$R/$part.tap" || echo "not ok - part $part ended without its plan"
		grep -v '^1\.\.[0-9]' "$R/$part.tap"
	done | awk '/^(not )?ok / { n++; bad += /^not/; sub(/^(not )?ok( [0-9]+)?/, (/^not/ ? "not ok " : "ok ") n) }
		{ print } END { print "1.." n; exit (bad > 0) }' || exit 1
	[ "${KEEP:-}" ] || rm -rf "$R"
	exit 0
fi

# One part: its own copy of the glibc build, the tools and expect/.
part=$2
G=$R/$part
. tools/testdata/tap.sh
TAP_DIAG=$G/out # a failing test shows the planted run's output
mkdir -p "$G" && cp -a "$B/glibc" "$G/glibc" && cp -a "$B/tools" "$G/tools" &&
	cp -r expect "$G/expect" && cp "$R/libfault.so" "$G/" || exit 1

# run EXPECTED-STATUS VERB VAR=VALUE...: tools/mtfork VERB in the gate's build
# directory on the glibc target, one case, plus the given environment.
run() {
	want=$1 verb=$2
	shift 2
	env MTFORK_BUILD="$G" MTFORK_TARGET=glibc MTFORK_CASES=RANDOM-1.random \
		MTFORK_EXPECT="$G/expect" "$@" tools/mtfork "$verb" >"$G/out" 2>&1 </dev/null
	rc=$?
	[ "$want" = nonzero ] && [ $rc -ne 0 ] && return 0
	[ "$rc" = "$want" ]
}
has() { grep -q -- "$1" "$G/out"; }
fault() { # FAULT BINARY STEPS: a check run with a planted fault
	run nonzero check MTFORK_STEPS="$3" LD_PRELOAD="$G/libfault.so" \
		MTFORK_GATE_FAULT="$1" MTFORK_GATE_BINARY="$2"
}

part_faults() {
	# The control: unplanted, the same selection is green (else nothing below
	# would mean anything).
	run 0 check MTFORK_STEPS="suite records aggregate"
	ok $? "control: one case, no fault: check is green"

	fault crash selftest.t selftest
	has 'FAILED: harness self-tests on glibc'
	ok $? "a failing self-test: check red, the self-test step says so"

	fault garbage random.t "suite prove"
	has 'FAILED: prove reads' && has 'ERROR [1-9]'
	ok $? "an unreadable TAP stream (tests out of order): tap-driver ERROR and prove red"

	fault badplan random.t suite
	has 'ERROR [1-9]' && grep -q 'too few tests run' "$G/check/glibc/random.log"
	ok $? "a plan of 99 with 1 test run: red, tap-driver names it"

	fault silent random.t "suite aggregate"
	has 'ERROR [1-9]' && grep -q 'not reported' "$G/report/results.json"
	ok $? "a binary that exits 0 with nothing: red, its case an error in results.json"

	fault badrecord random.t "suite aggregate"
	has 'FAILED: report aggregation' && has "report: .*/glibc/random.jsonl:1: a string is not closed — re-run 'make report'"
	ok $? "a malformed record line (cut short): aggregation red, one line naming file:line"

	fault crash random.t "suite aggregate"
	has 'was killed by SIGSEGV' && grep -q 'killed by SIGSEGV' "$G/report/junit.xml"
	ok $? "a crashing binary: red once, with the signal's name, in junit.xml too"

	start=$(date +%s)
	fault hang random.t "suite aggregate"
	has 'killed after its bound of 1500 ms' && grep -q 'a hang' "$G/report/results.json" &&
		[ $(($(date +%s) - start)) -lt 30 ]
	ok $? "a hanging binary: killed at its bound, red, recorded with the reason"

	run nonzero check MTFORK_STEPS=suite MTFORK_NO_UFFD=1 MTFORK_WAY=uffd-arg
	grep -q 'unexpected skip, expected fail:deadlock' "$G/report/glibc/random.tap" && has 'FAIL 1'
	ok $? "a skip where a failure is expected: red"

	run 2 report MTFORK_WAY=nosuch
	has 'MTFORK_WAY=nosuch is the start of no holder'
	ok $? "MTFORK_WAY=nosuch: report refuses it in one line"
}

part_expectations() {
	printf 'RANDOM-1.random fail:deadlock first\nRANDOM-1.random pass second\n' >"$G/expect/glibc/random"
	run nonzero check MTFORK_STEPS=suite
	has 'pattern RANDOM-1.random (every libc) is already given at line 1'
	ok $? "an expectation given twice: red, file:line named"
	printf 'RANDOM-9.nosuch fail:deadlock a typo\n' >"$G/expect/glibc/random"
	run nonzero check MTFORK_STEPS=suite
	has 'pattern RANDOM-9.nosuch matches no case'
	ok $? "an expectation matching no case: red, file:line named"
	printf 'RANDOM-1.random observed:hang not a behaviour\n' >"$G/expect/glibc/random"
	run nonzero check MTFORK_STEPS=suite
	has "random:1: expected 'PATTERN EXPECTED \\[@LIBC-VERSIONS\\] REASON'"
	ok $? "an expectation with an unknown behaviour: red, file:line named"

	# Versioned expectations (the target's libc here: glibc, from libc-version).
	printf 'RANDOM-1.random fail:deadlock @glibc<2.41 a\nRANDOM-1.random pass @glibc>=2.40 b\n' >"$G/expect/glibc/random"
	run nonzero check MTFORK_STEPS=suite
	has 'random:2: pattern RANDOM-1.random (glibc>=2.40) is already given at line 1 (glibc<2.41)'
	ok $? "an expectation given twice for overlapping libc versions: red, file:line named"
	printf 'RANDOM-1.random fail:deadlock @glibc<=2.41 a\n' >"$G/expect/glibc/random"
	run nonzero check MTFORK_STEPS=suite
	has "random:1: '@glibc<=2.41' is not a libc version range"
	ok $? "a malformed version range: red, file:line named"
	printf 'RANDOM-1 fail:deadlock @musl<9 for another libc\n' >"$G/expect/glibc/random"
	run nonzero check MTFORK_STEPS=suite
	has 'random:1: this line is for musl, but the target runs glibc'
	ok $? "a versioned line for another libc: red, file:line named"
	printf 'RANDOM-1 fail:deadlock @glibc>=2.99 a later version\n' >"$G/expect/glibc/random"
	run nonzero check MTFORK_STEPS=suite
	has 'FAIL 1'
	ok $? "a line whose versions exclude the target's is not applied: the failure is unexpected, red"
	run 0 check MTFORK_STEPS=suite MTFORK_LIBC_VERSION=glibc-2.99.9000
	has 'libc given as glibc 2.99.9000' && grep -q 'glibc 2.99.9000' "$G/report/glibc/target.tsv"
	ok $? "LIBC_VERSION=glibc-2.99.9000 (a snapshot) selects the line for it: green, the label recorded"
	run 2 report MTFORK_LIBC_VERSION=2.41
	[ "$(grep -c . "$G/out")" = 1 ] && has "LIBC_VERSION='2.41' is not a libc and version"
	ok $? "LIBC_VERSION=2.41 (no libc name): one line, exit 2"
	printf 'RANDOM-1 fail:deadlock TODO(make expect): why? fail:deadlock on glibc 2.36\n' >"$G/expect/glibc/random"
	run nonzero check MTFORK_STEPS=suite
	has "RANDOM-1.random: the reason in expect/ is still make expect's placeholder" && has 'FAIL 1'
	ok $? "make expect's placeholder reason: red although the verdict is the one expected"
}

part_make_expect() {
	# make expect: a new failure gets a placeholder (red until written), a line
	# that now passes keeps only the versions below the run's.
	: >"$G/expect/glibc/random"
	run 0 report
	v=$(sed -n 's/^libc\tglibc //p' "$G/report/glibc/target.tsv") # the host's glibc version
	run 0 expect
	has 'random:1: RANDOM-1.random: added' && grep -q "^RANDOM-1.random .*fail:deadlock .*@glibc>=$v *TODO(make expect)" "$G/expect/glibc/random"
	ok $? "make expect adds a new failure for the run's version on, with a placeholder reason"
	run nonzero check MTFORK_STEPS=suite
	has 'FAIL 1'
	ok $? "... which make check refuses until the reason is written"
	sed -i 's/TODO(make expect).*/written by a person/' "$G/expect/glibc/random"
	run 0 check MTFORK_STEPS=suite
	ok $? "... and accepts once it is"
	# ENV-2.getenv passes on glibc with a deterministic (verified) holder.
	cp expect/glibc/random "$G/expect/glibc/random"
	printf 'ENV-2  fail:deadlock  was broken once\n' >"$G/expect/glibc/env"
	run 0 report MTFORK_CASES=ENV-2.getenv
	run 0 expect
	grep -q "^ENV-2  fail:deadlock  @glibc<$v  was broken once" "$G/expect/glibc/env" && has "now holds below glibc $v only"
	ok $? "make expect keeps a line that now passes for the versions below the run's only, with its reason"
	run 0 check MTFORK_STEPS=suite MTFORK_CASES=ENV-2.getenv
	ok $? "... and check is green again"
	cp expect/glibc/env "$G/expect/glibc/env"
}

part_settings() {
	# A targets file: each bad line is one line naming file:line. (Its
	# target starts from a copy of the glibc build, with the same compiler:
	# what is tested is the target's run and label, not a second build.)
	cp -a "$G/glibc" "$G/mine" || exit 1
	printf 'mine cc LIBC_VERSION=glibc-2.36.9000\n' >"$G/targets"
	run 0 report MTFORK_TARGET=mine MTFORK_TARGETS="$G/targets"
	grep -q 'glibc 2.36.9000' "$G/report/summary.txt" && grep -q '"name": "mine"' "$G/report/results.json"
	ok $? "a targets file's target runs, its libc label in the matrix header and results.json"
	printf 'mine cc\nmine cc\n' >"$G/targets"
	run 2 report MTFORK_TARGETS="$G/targets"
	has "targets:2: target mine is already given at line 1"
	ok $? "a targets file naming a target twice: one line, file:line"
	printf 'glibc cc\n' >"$G/targets"
	run 2 report MTFORK_TARGETS="$G/targets"
	has "targets:1: glibc is a built-in target"
	ok $? "a targets file redefining a built-in target: refused, file:line"
	printf 'x cc LIBC_VERSION=new\n' >"$G/targets"
	run 2 report MTFORK_TARGETS="$G/targets"
	has "targets:1: LIBC_VERSION=new is not a libc and version"
	ok $? "a targets file with a bad LIBC_VERSION: one line, file:line"

	run 2 report MTFORK_TARGET=../../x
	has "TARGET='../../x' is not a target name" && [ ! -e "$G/../../x" ]
	ok $? "TARGET=../../x: one line, nothing created outside the build directory"
	run 2 report MTFORK_TARGET=glibc MTFORK_CC=musl-gcc
	has 'TARGET=glibc is built in'
	ok $? "TARGET=glibc CC=musl-gcc: refused, glibc's expectations never judge musl"
	for knob in MTFORK_JOBS=abc MTFORK_FORK=garbage FORKLOCK_DISABLE=bogus MTFORK_TIMEOUT_MUL=0 \
		MTFORK_STEPS=nosuch MTFORK_PARALLEL=2; do
		run 2 report "$knob"
		[ "$(grep -c . "$G/out")" = 1 ] && has "${knob%%=*}"
		ok $? "$knob: one line naming it, exit 2"
	done
}

part_driver() {
	# A killed driver stops everything it started, leaves no stale report and
	# says the run is incomplete.
	# A killed driver stops everything it started, leaves no stale report and
	# says the run is incomplete.
	run 0 report MTFORK_STEPS= >/dev/null
	[ -s "$G/report/results.json" ]
	ok $? "a complete report writes results.json"
	env MTFORK_BUILD="$G" MTFORK_TARGET=glibc MTFORK_CASES=RANDOM-1.random MTFORK_EXPECT="$G/expect" \
		LD_PRELOAD="$G/libfault.so" MTFORK_GATE_FAULT=hang MTFORK_GATE_BINARY=random.t \
		MTFORK_GATE_BOUND=60000 tools/mtfork report >"$G/out" 2>&1 </dev/null &
	driver=$!
	i=0
	# wait until this run has replaced the last report and its binary is running
	# (the hang fault keeps it there): then the kill lands mid-run, however
	# loaded the machine is
	while ! { [ -f "$G/report/INCOMPLETE" ] && [ ! -e "$G/report/results.json" ] &&
		[ -e "$G/report/glibc/random.tap" ]; } && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.2
	killed=$(date +%s)
	kill -TERM "$driver"
	wait "$driver"
	rc=$?
	# at once, not when the hanging binary's bound (60 s) ends it
	took=$(($(date +%s) - killed))
	sleep 0.2
	left=0
	for f in /proc/[0-9]*/cmdline; do # (the list is made before any grep below starts)
		p=${f#/proc/} && p=${p%/cmdline}
		[ "$p" = $$ ] && continue
		tr '\0' ' ' 2>/dev/null <"$f" | grep -q -- "$G/" && left=$((left + 1))
	done
	[ $rc -ne 0 ] && [ "$left" = 0 ] && [ "$took" -lt 10 ] && [ -f "$G/report/INCOMPLETE" ] &&
		[ ! -e "$G/report/results.json" ] && ! ls "$G/report"/.log-* >/dev/null 2>&1
	ok $? "a killed driver: stopped in ${took} s (< 10), no process left ($left), report marked INCOMPLETE, no stale results.json"
}

part_spec() {
	# The specification's own checks, on a copy of spec/ with one planted fault
	# each: a malformed inline source reference fails `make spec`'s first step;
	# a MUST clause naming in its title a function the index does not list for
	# it fails the function index check (the closed list would omit it).
	mkdir -p "$G/spec-src" && cp spec/*.adoc spec/functions.tsv "$G/spec-src/" || exit 1
	sed -i '0,/\[\.src\]#glibc 2\.36: /s//[.src]#glibc 2.36 /' "$G/spec-src/signals.adoc"
	ruby tools/spec-src-check.rb "$G/spec-src" >"$G/out" 2>&1
	[ $? = 1 ] && has 'signals.adoc:[0-9]*: malformed source reference' && has 'LIBC \[VERSION\] and a colon'
	ok $? "a malformed [.src] reference: make spec's source check red, naming file:line and the form"
	cp spec/signals.adoc "$G/spec-src/signals.adoc" &&
		sed -i 's/^=== SIGNAL-1: no signal handler runs/=== SIGNAL-1: no signal handler (not even mtfork_nosuch()) runs/' "$G/spec-src/signals.adoc"
	for t in "$B"/glibc/tests/*.t; do "$t" --list; done >"$G/cases.tsv" 2>/dev/null
	ruby tools/functions-check --spec "$G/spec-src" --cases "$G/cases.tsv" --no-symbols -v >"$G/out" 2>&1
	[ $? = 1 ] && has 'SIGNAL-1 (SHOULD) names mtfork_nosuch() in its title'
	ok $? "a clause title naming a function the index does not list for it: the function index check red"

}

part_lint() {
	# cppcheck's cache (tools/cppcheck-c) must not hide a fault: after a
	# clean, cached analysis, a fault planted in a header is found in the
	# file that includes it, though that file did not change.
	# (the analysis is judged with Debian 12's cppcheck only, as make check does)
	case $(cppcheck --version 2>/dev/null) in
	'Cppcheck 2.10'*) ;;
	*)
		skip "a fault planted after a cached cppcheck analysis: red" "no cppcheck 2.10 here (make check judges only that version)"
		return
		;;
	esac
	L=$G/lint
	mkdir -p "$L/tools/report" && cp tools/jsonstr.h "$L/tools/" && cp tools/report/encode.c tools/report/*.h "$L/tools/report/" || exit 1
	(cd "$L" && sh "$OLDPWD/tools/cppcheck-c" "$L/cache" tools/report/encode.c) >"$G/out" 2>&1
	first=$?
	printf 'static inline int planted(void) { int a[2]; a[3] = 1; return a[0]; }\n' >>"$L/tools/jsonstr.h"
	(cd "$L" && sh "$OLDPWD/tools/cppcheck-c" "$L/cache" tools/report/encode.c) >"$G/out" 2>&1
	second=$?
	[ $first = 0 ] && [ $second = 1 ] && has "jsonstr.h:[0-9]*:[0-9]*: error: Array 'a\[2\]' accessed at index 3"
	ok $? "a fault planted in a header after a clean, cached cppcheck analysis: red, file:line named"
}

case " $PARTS " in
*" $part "*) "part_$part" ;;
*) echo "Bail out! no part $part (one of: $PARTS)" && exit 1 ;;
esac
tap_done
