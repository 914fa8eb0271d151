# SPDX-License-Identifier: MIT
# tools/testdata/tap.sh - the one TAP vocabulary of the shell test scripts
# under tools/testdata/ (sourced; POSIX sh).
#   ok STATUS DESCRIPTION [FILE]  one test: "ok" when STATUS is 0, otherwise
#                                 "not ok", then the last 40 lines of FILE
#                                 (default $TAP_DIAG) as diagnostics
#   skip DESCRIPTION REASON       one test skipped, with its reason
#   tap_done                      the plan; the script's exit status (0 when
#                                 no test failed)
n=0
failed=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		diag=${3:-${TAP_DIAG:-}}
		[ -n "$diag" ] && [ -f "$diag" ] && sed 's/^/# /' "$diag" | tail -n 40
	fi
	return 0
}
skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}
tap_done() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
