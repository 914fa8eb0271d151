#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the libforklock unit tests and merges their TAP into one stream:
# every "ok"/"not ok" line is renumbered and tagged with its program; one
# plan at the end.  Exits non-zero on any "not ok" or failing program.
# Usage: run-tap.sh path/to/libforklock.so test-binary...
so=$1
shift
n=0
failed=0
for test in "$@"; do
	name=$(basename "$test")
	out=$("$test" "$so" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		"not ok"*)
			n=$((n + 1))
			failed=1
			echo "not ok $n - $name:${line#not ok*-}"
			;;
		"ok"*)
			n=$((n + 1))
			echo "ok $n - $name:${line#ok*-}"
			;;
		1..*) ;;
		*) echo "# $name: $line" ;;
		esac
	done <<END
$out
END
	if [ $rc -ne 0 ]; then
		n=$((n + 1))
		failed=1
		echo "not ok $n - $name: exited with status $rc"
	fi
done
echo "1..$n"
exit $failed
