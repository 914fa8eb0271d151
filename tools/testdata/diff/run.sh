#!/bin/sh
# SPDX-License-Identifier: MIT
# Tests of tools/diff-results: a run against itself, against a deliberately
# broken copy (a regression, a fix, a new, a removed and a changed case, a
# new libc version, a new target), and bad input. Prints TAP.
# Usage: tools/testdata/diff/run.sh [BUILD]   (default build; run by
# tools/testdata/report/run.sh). Uses BUILD/report/results.json too when a
# real run left one.
set -u
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${1:-build}
W=$BUILD/tools/diff-test
D=tools/diff-results
. tools/testdata/tap.sh
# python3 itself, resolved once: a version manager's shim (pyenv) costs a
# tenth of a second a call
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || PY=python3
run() { ruby "$D" "$@" >"$W/out" 2>&1; rc=$?; }

rm -rf "$W" && mkdir -p "$W/a" "$W/b" || exit 1
cc -std=gnu11 -O2 -o "$W/report" tools/report/*.c 2>"$W/cc.err"
ok $? "tools/report/ builds" "$W/cc.err"
cp -r tools/testdata/report/good "$W/a/run"
"$W/report" --dir "$W/a/run" --spec '' >/dev/null 2>"$W/cc.err"
ok $? "a results.json from the report fixture" "$W/cc.err"
A=$W/a/run/results.json

# break PATH-IN PATH-OUT: a regression, a fix, a new, a removed and a changed case
break_copy() {
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
g = r["targets"][0]
cs = {c["case"]: c for c in g["cases"]}
first_pass = next(c for c in g["cases"] if c["verdict"] == "pass" and not c["unexpected"])
first_fail = next((c for c in g["cases"] if c["verdict"] == "fail"), None)
first_pass.update(verdict="fail", mode="deadlock", how="timeout", unexpected=True, detail="planted")
if first_fail:
    first_fail.update(verdict="pass", mode=None, how="exit", unexpected=True)
obs = next((c for c in g["cases"] if c["verdict"] == "observed"), None)
if obs:
    obs.update(mode="deadlock")
gone = next(c for c in g["cases"] if c["verdict"] == "skip" or c is not first_pass and c is not first_fail and c is not obs)
g["cases"].remove(gone)
g["cases"].append(dict(first_pass, case=first_pass["clause"] + ".planted-new", verdict="pass", mode=None, unexpected=False))
g["libc"] = "glibc 2.37"
r["targets"].append({"name": "mylibc", "cc": "cc", "available": True, "libc": "mylibc 1.0", "cases": []})
json.dump(r, open(sys.argv[2], "w"), indent=1)
print(first_pass["case"])
EOF
}
reg=$(break_copy "$A" "$W/b/results.json")

run "$A" "$A"
[ $rc -eq 0 ] && [ "$(tail -n 1 "$W/out")" = "diff: no regressions" ] && ! grep -q '^  [A-Z]' "$W/out"
ok $? "a run against itself: no changes, exit 0 (got $rc)" "$W/out"

run --markdown "$W/diff.md" "$W/a/run" "$W/b"
[ $rc -eq 1 ] && [ "$(tail -n 1 "$W/out")" = "diff: 1 regression" ] &&
	grep -q "^  REGRESSED $reg: pass -> fail:deadlock (timeout) UNEXPECTED$" "$W/out" &&
	grep -q '^  FIXED ' "$W/out" && grep -q '^  NEW .*\.planted-new: — -> pass$' "$W/out" &&
	grep -q '^  REMOVED ' "$W/out" && grep -q '^  CHANGED .*observed:works -> observed:deadlock' "$W/out" &&
	grep -q '^glibc (glibc 2.36 → glibc 2.37): 1 regressed, 1 fixed, 1 new, 1 removed, 1 changed$' "$W/out" &&
	grep -q '^mylibc (mylibc 1.0): .* — target only in B$' "$W/out"
ok $? "against a broken copy (directories as arguments): regressed, fixed, new, removed, changed per target and libc version; exit 1 (got $rc)" "$W/out"

grep -q '^| target | libc | regressed | fixed | new | removed | changed | note |$' "$W/diff.md" &&
	grep -q '^| glibc | glibc 2.36 → glibc 2.37 | \*\*1\*\* | 1 | 1 | 1 | 1 |  |$' "$W/diff.md" &&
	grep -q "^| glibc | \`$reg\` | .* | pass | fail:deadlock (timeout) UNEXPECTED | planted |$" "$W/diff.md" &&
	grep -qx '\*\*1 regression.\*\*' "$W/diff.md"
ok $? "--markdown: a summary table per target and one table per kind, for a CI to post" "$W/diff.md"

run "$W/b/results.json" "$A"
[ $rc -eq 1 ] && grep -q "^  FIXED     $reg: fail:deadlock (timeout) UNEXPECTED -> pass$" "$W/out" &&
	grep -q "^  REGRESSED .*: pass UNEXPECTED -> fail:" "$W/out"
ok $? "the other way round: the planted regression is a fix, the planted fix a regression (got $rc)" "$W/out"

run "$A"
[ $rc -eq 2 ] && [ "$(wc -l <"$W/out")" -eq 1 ]
ok $? "one argument: one line, exit 2 (got $rc)" "$W/out"
run "$A" "$W/missing.json"
[ $rc -eq 2 ] && [ "$(wc -l <"$W/out")" -eq 1 ] && grep -q 'missing.json: no such file' "$W/out"
ok $? "missing file: one line naming it, exit 2 (got $rc)" "$W/out"
echo '{"format": 1, "targets": [' >"$W/bad.json"
run "$A" "$W/bad.json"
[ $rc -eq 2 ] && grep -q 'bad.json: malformed JSON' "$W/out"
ok $? "malformed JSON: exit 2 (got $rc)" "$W/out"
echo '{"format": 2, "targets": []}' >"$W/f2.json"
run "$A" "$W/f2.json"
[ $rc -eq 2 ] && grep -q 'format 2' "$W/out"
ok $? "another results format: exit 2 (got $rc)" "$W/out"

real=$BUILD/report/results.json
if [ -f "$real" ]; then
	reg=$(break_copy "$real" "$W/real-broken.json")
	run --markdown - "$real" "$W/real-broken.json"
	[ $rc -eq 1 ] && grep -q "^  REGRESSED $reg: " "$W/out" && grep -q '^| glibc | ' "$W/out"
	ok $? "the last real run against a broken copy: the regression is listed, exit 1 (got $rc)" "$W/out"
else
	skip "the last real run against a broken copy" "no $real (make report)"
fi

tap_done
