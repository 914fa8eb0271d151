#!/bin/bash
# SPDX-License-Identifier: MIT
# Container-like mode: the suite with userfaultfd denied, compared with the
# expectations. Two ways of denying it, each a mode:
#   env      MTFORK_NO_UFFD=1 (the harness does not try userfaultfd)
#   seccomp  deny_uffd (this directory): a seccomp filter under no_new_privs
#            makes userfaultfd(2) fail with EPERM, as container runtimes'
#            default profiles do; the harness finds out by itself
# Every case must then either keep a verdict that meets its expectation, or
# be a skip that says why (an undecided stochastic case: forks tried, forks
# with evidence, time). Exits 1 on any unexpected pass (a verdict without
# evidence), 2 on a harness problem; lists every undecided case and every
# other unexpected verdict (unexpected skips of expected failures are how a
# lost deterministic holder shows: listed, not fatal; NOUFFD_STRICT=1 makes
# any unexpected verdict other than such a skip fatal too).
#
#   tools/testdata/nouffd/run.sh BUILD [MODE...]      (default: env seccomp)
#   tools/testdata/nouffd/run.sh --summarise DIR      (records already made)
#
# BUILD is a build directory where `make check` or `make report` built the
# targets (BUILD/<target>/tests/*.t); output goes to BUILD/nouffd/<mode>/.
# Prints one line per finding and a summary per mode and target, including
# how many cases kept a deterministic verdict (pass, fail or observed, decided
# by a holder other than the stochastic one).
set -u
if [ "${1:-}" = --summarise ] && [ -d "${2:-}" ]; then
	set -- --summarise "$(cd "$2" && pwd)"
elif [ -d "${1:-}" ]; then
	b=$(cd "$1" && pwd)
	shift
	set -- "$b" "$@"
fi
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 2

# --- summarising records: the verdicts are the binaries' own (main.c) --------
# Read through tools/report --fields (as strictly as the report reads them):
#   case verdict mode holder expected unexpected detail
FIELDS=case,verdict,mode,holder,expected,unexpected,detail
report_tool() { # the report tool, built from tools/report/ when stale
	local r=${B:-$top/build}/tools/report
	if [ ! -x "$r" ] || [ -n "$(find tools/report tools/jsonstr.h -newer "$r" 2>/dev/null)" ]; then
		mkdir -p "$(dirname "$r")" && cc -std=gnu11 -Wall -Wextra -Werror -O2 -o "$r" tools/report/*.c || return 2
	fi
	printf '%s\n' "$r"
}
summarise() { # DIR: DIR/<target>/*.jsonl
	local dir=$1 t bad=0 r
	r=$(report_tool) || return 2
	for t in "$dir"/*/; do
		t=${t%/}
		[ -d "$t" ] || continue
		{ "$r" --fields "$FIELDS" "$t"/*.jsonl 2>&1 || echo "malformed records"; } | awk -F'\t' -v target="$(basename "$t")" \
			-v strict="${NOUFFD_STRICT:-0}" '
			NF != 7 { printf "nouffd: %s: %s\n", target, $0; harness++; next }
			{ n++ }
			$2 == "pass" && $6 == "true" {
				printf "UNEXPECTED PASS %s %s (expected %s): %s\n", target, $1, $5, $7; xpass++ }
			$2 == "skip" && $7 ~ /undecided/ {
				printf "undecided %s %s: %s\n", target, $1, substr($7, index($7, "undecided")); undecided++ }
			$2 == "skip" && $6 == "true" { lost++ }
			$2 != "pass" && $2 != "skip" && $6 == "true" {
				printf "unexpected %s %s: %s%s%s (expected %s): %s\n", target, $1, $2, $3 == "-" ? "" : ":", $3 == "-" ? "" : $3, $5, $7; other++ }
			$2 == "error" { errors++ }
			($2 == "pass" || $2 == "fail" || $2 == "observed") && $4 !~ /^stochastic/ { det++ }
			($2 == "pass" || $2 == "fail" || $2 == "observed") && $4 ~ /^stochastic/ { stoch++ }
			END {
				printf "summary %s: %d cases, %d deterministic verdicts, %d stochastic verdicts (with evidence or a failure), %d undecided, %d unexpected passes, %d unexpected skips of expected failures, %d other unexpected, %d errors\n",
				       target, n, det, stoch, undecided, xpass, lost, other, errors
				exit xpass > 0 || harness > 0 || (strict && other > 0) ? 1 : 0 }' || bad=1
	done
	return $bad
}

if [ "${1:-}" = --summarise ]; then
	[ -d "${2:-}" ] || { echo "usage: $0 --summarise DIR" >&2; exit 2; }
	summarise "$2"
	exit $?
fi

B=${1:?usage: run.sh BUILD [env|seccomp ...]}
shift
modes=${*:-env seccomp}
jobs=${MTFORK_BINARY_JOBS:-3}
out=$B/nouffd
mkdir -p "$out" || exit 2
cc -std=gnu11 -Wall -Wextra -Werror -O2 -o "$out/deny_uffd" tools/testdata/nouffd/deny_uffd.c ||
	exit 2

# Targets as tools/targets names them, where they were built.
targets=$(awk '!/^#/ && NF >= 4 { print }' tools/targets)

run_one() { # MODE NAME ENV T
	local mode=$1 name=$2 env=$3 t=$4 sub expect dir bound wrap=
	sub=$(basename "$t" .t)
	dir=$out/$mode/$name
	expect=expect/$name/$sub
	[ -f "$expect" ] || expect=/dev/null
	[ "$mode" = seccomp ] && wrap=$out/deny_uffd
	# The target's libc and version, as the suite's own runs name it: an
	# expectation line for some versions only needs it (else status 2).
	local libc
	libc=$("$B/$name/libc-version" 2>/dev/null)
	export MTFORK_LIBC=$libc
	# shellcheck disable=SC2086
	bound=$(env $env "$t" --expect "$expect" --bound 2>/dev/null)
	[[ $bound =~ ^[0-9]+$ ]] || bound=60000
	if [ "$mode" = env ]; then
		# shellcheck disable=SC2086
		MTFORK_NO_UFFD=1 timeout -k 5 $((bound / 1000 + 10)) env $env "$t" --expect "$expect" \
			--records "$dir/$sub.jsonl" --target "$name" >"$dir/$sub.tap" 2>"$dir/$sub.stderr"
	else
		# shellcheck disable=SC2086
		timeout -k 5 $((bound / 1000 + 10)) $wrap env $env "$t" --expect "$expect" \
			--records "$dir/$sub.jsonl" --target "$name" >"$dir/$sub.tap" 2>"$dir/$sub.stderr"
	fi
	local st=$?
	if [ $st -ge 2 ]; then
		echo "nouffd: $mode $name/$sub.t exited with status $st (see $dir/$sub.stderr)"
	fi
}

status=0
for mode in $modes; do
	case $mode in env | seccomp) ;; *) echo "nouffd: no mode '$mode' (env, seccomp)" >&2; exit 2 ;; esac
	rm -rf "${out:?}/$mode"
	while read -r name _ _ _ env; do
		[ -d "$B/$name/tests" ] || { echo "nouffd: $name not built in $B: skipped"; continue; }
		env=${env//@BUILD@/$B}
		mkdir -p "$out/$mode/$name"
		running=0
		for t in "$B/$name"/tests/*.t; do
			run_one "$mode" "$name" "$env" "$t" &
			running=$((running + 1))
			if [ $running -ge "$jobs" ]; then
				wait -n
				running=$((running - 1))
			fi
		done
		wait
	done <<<"$targets"
	echo "== mode $mode (records in $out/$mode)"
	summarise "$out/$mode" || status=1
done
exit $status
