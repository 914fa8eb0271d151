#!/bin/sh
# Tests for tools/report.c: build it into build/tools/, run it on copies of the
# fixtures here (it writes into its --dir, never into the source tree) and check
# every output. Prints TAP. Usage: tools/testdata/report/run.sh  (CC=... to pick
# the compiler; musl-gcc, clang-format, cppcheck, xmllint are used when present).
set -u
cd "$(dirname "$0")/../../.." || exit 1
CC=${CC:-cc}
CFLAGS="-std=gnu11 -Wall -Wextra -Werror -O2"
DATA=tools/testdata/report
B=build/tools
W=$B/report-test
R=$B/report
n=0
failed=0

ok() { # ok STATUS DESCRIPTION [DIAGNOSTIC-FILE]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		[ -n "${3:-}" ] && [ -f "$3" ] && sed 's/^/# /' "$3"
	fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
have() { command -v "$1" >/dev/null 2>&1; }

# run DIR-ARGS...: stdout+stderr to $W/out, exit status to $rc
run() { "$R" "$@" >"$W/out" 2>&1; rc=$?; }
lines() { wc -l <"$W/out" | tr -d ' '; }
fixture() { rm -rf "$W/$2" && cp -r "$DATA/$1" "$W/$2"; }

rm -rf "$W" && mkdir -p "$W" || exit 1

# --- build and lint -----------------------------------------------------------
$CC $CFLAGS -o "$R" tools/report.c 2>"$W/cc.err"
ok $? "builds with $CC $CFLAGS" "$W/cc.err"
[ -x "$R" ] || { echo "Bail out! report did not build"; exit 1; }
if have musl-gcc; then
	musl-gcc $CFLAGS -o "$W/report-musl" tools/report.c 2>"$W/cc.err"
	ok $? "builds with musl-gcc" "$W/cc.err"
else skip "builds with musl-gcc" "musl-gcc not installed"; fi
if have clang-format; then
	clang-format --dry-run --Werror tools/report.c >"$W/fmt.err" 2>&1
	ok $? "clang-format clean" "$W/fmt.err"
else skip "clang-format clean" "clang-format not installed"; fi
if have cppcheck; then
	cppcheck --error-exitcode=1 --enable=warning,style,performance,portability -q \
		--suppress=normalCheckLevelMaxBranches \
		tools/report.c >"$W/cppcheck.err" 2>&1
	ok $? "cppcheck clean" "$W/cppcheck.err"
else skip "cppcheck clean" "cppcheck not installed"; fi

# --- the good dir: all outputs ------------------------------------------------
fixture good good
run --dir "$W/good" --suite-version 1.2 --commit abc123
[ $rc -eq 0 ] && [ -s "$W/good/results.json" ] && [ -s "$W/good/junit.xml" ] &&
	[ -s "$W/good/summary.txt" ]
ok $? "report writes results.json, junit.xml, summary.txt (exit $rc)" "$W/out"
cmp -s "$W/out" "$W/good/summary.txt"
ok $? "matrix on a pipe is uncoloured and equals summary.txt" "$W/out"
python3 -m json.tool "$W/good/results.json" >/dev/null 2>"$W/py.err"
ok $? "results.json is valid JSON" "$W/py.err"

python3 - "$W/good/results.json" >"$W/py.err" 2>&1 <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["format"] == 1
assert r["suite"] == {"name": "mtfork", "version": "1.2", "commit": "abc123"}, r["suite"]
assert r["host"]["kernel"] and r["host"]["arch"]
assert [t["name"] for t in r["targets"]] == ["glibc", "musl"]
g, m = r["targets"]
assert m == {"name": "musl", "cc": "musl-gcc", "available": False,
             "reason": "musl-gcc not found (apt-get install musl-tools)", "cases": []}, m
assert g["available"] is True and g["libc"] == "glibc 2.36" and g["env"] == ""
assert g["summary"] == {"cases": 6, "pass": 2, "fail": 2, "skip": 1, "error": 0,
                        "observed": 1, "unexpected": 1}, g["summary"]
c = {x["case"]: x for x in g["cases"]}
# files alphabetically (env before random), cases in file order
assert [x["case"] for x in g["cases"]] == ["ENV-1.setenv", "ENV-2.getenv", "ENV-3.observed",
    "RANDOM-1.initstate", "RANDOM-1.random", "RANDOM-2.srandom"]
assert c["ENV-1.setenv"]["detail"] == '"quoted" <xml> & tab\\ttab\tnewline\nbackslash\\\\ end'
x = c["RANDOM-1.initstate"]
assert (x["verdict"], x["mode"], x["how"], x["held"], x["fork_waited"], x["expected"],
        x["unexpected"], x["ms"], x["tap"]) == ("fail", "deadlock", "proof", True, False,
        "fail:deadlock", False, 3.1, "glibc/random.tap"), x
assert x["expected_reason"].startswith("glibc: the random() lock")
assert c["RANDOM-1.random"]["unexpected"] is True and c["RANDOM-1.random"]["mode"] is None
x = c["ENV-2.getenv"]
assert (x["how"], x["held"], x["fork_waited"], x["expected_reason"]) == (None, None, None, None)
assert c["ENV-3.observed"]["mode"] == "works" and not c["ENV-3.observed"]["unexpected"]
EOF
ok $? "results.json content: order, counts, nulls, booleans, escapes" "$W/py.err"

xml_ok() {
	if have xmllint; then xmllint --noout "$1"
	else python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1"; fi
}
xml_ok "$W/good/junit.xml" >"$W/xml.err" 2>&1
ok $? "junit.xml is well-formed" "$W/xml.err"

python3 - "$W/good/junit.xml" >"$W/py.err" 2>&1 <<'EOF'
import sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
s = {t.get("name"): t for t in root.iter("testsuite")}
assert list(s) == ["glibc/env", "glibc/random", "musl"], list(s)
r = s["glibc/random"]
assert (r.get("tests"), r.get("failures"), r.get("errors"), r.get("skipped")) == ("3", "1", "0", "0")
cases = {c.get("name"): c for c in r.iter("testcase")}
f = cases["RANDOM-1.random"].find("failure")
assert f is not None and f.get("message").startswith("verdict pass, expected fail:deadlock")
assert cases["RANDOM-1.initstate"].find("failure") is None
assert "as expected: fail:deadlock" in cases["RANDOM-1.initstate"].find("system-out").text
assert cases["RANDOM-1.initstate"].get("classname") == "mtfork.glibc.random"
assert cases["RANDOM-1.initstate"].get("time") == "0.003100"
e = {c.get("name"): c for c in s["glibc/env"].iter("testcase")}
assert e["ENV-2.getenv"].find("skipped").get("message") == "no holder: userfaultfd unavailable"
assert s["musl"].get("skipped") == "1"
assert "musl-tools" in s["musl"].find("testcase/skipped").get("message")
EOF
ok $? "junit.xml content: suites, failure, expected fail, skipped, unavailable" "$W/py.err"

grep -qx 'glibc (glibc 2.36): 6 cases — 2 pass, 2 fail (2 expected), 1 observed, 1 skip, 0 error, 1 unexpected' "$W/good/summary.txt" &&
	grep -qx 'musl: unavailable — musl-gcc not found (apt-get install musl-tools)' "$W/good/summary.txt" &&
	grep -q '^RANDOM-1 MUST$' "$W/good/summary.txt" &&
	grep -Eq '^  RANDOM-1\.random +XPASS +n/a$' "$W/good/summary.txt" &&
	grep -Eq '^  RANDOM-1\.initstate +xfail:deadlock +n/a$' "$W/good/summary.txt" &&
	! grep -q "$(printf '\033')" "$W/good/summary.txt"
ok $? "summary.txt: clause rows, cells, per-target lines, no colour" "$W/good/summary.txt"

# --- --check ------------------------------------------------------------------
run --check --dir "$W/good"
[ $rc -eq 1 ] && [ "$(tail -n 1 "$W/out")" = "check: 5 passed, 1 failed" ] &&
	grep -qx "UNEXPECTED glibc RANDOM-1.random: verdict pass, expected fail:deadlock (glibc: the random() lock is neither taken nor reset by fork)" "$W/out"
ok $? "--check on good: unexpected pass listed, 'check: 5 passed, 1 failed', exit 1 (got $rc)" "$W/out"

fixture good clean
grep -v '^RANDOM-1\.random	' "$DATA/good/glibc/random.tsv" >"$W/clean/glibc/random.tsv"
run --check --dir "$W/clean"
[ $rc -eq 0 ] && [ "$(tail -n 1 "$W/out")" = "check: 5 passed, 0 failed" ] && ! grep -q UNEXPECTED "$W/out"
ok $? "--check with everything as expected: exit 0 (got $rc)" "$W/out"

fixture mismatch mismatch
run --check --dir "$W/mismatch"
[ $rc -eq 1 ] && [ "$(tail -n 1 "$W/out")" = "check: 0 passed, 6 failed" ] &&
	[ "$(grep -c '^UNEXPECTED glibc ' "$W/out")" -eq 6 ] &&
	grep -qx 'UNEXPECTED glibc M-1.mode: verdict fail:crash, expected fail:deadlock (known deadlock)' "$W/out" &&
	grep -qx 'UNEXPECTED glibc M-1.error: verdict error, expected pass: harness: holder never parked' "$W/out" &&
	grep -q 'M-2.skipped' "$W/out"
ok $? "--check shows the binary's decision: error, wrong mode, regression, behaviour change, unskip, skip of an expected failure" "$W/out"
fixture mismatch trusted
sed -i 's/	true$/	false/' "$W/trusted/glibc/case.tsv"
run --check --dir "$W/trusted"
[ $rc -eq 0 ] && [ "$(tail -n 1 "$W/out")" = "check: 6 passed, 0 failed" ]
ok $? "--check never re-judges: records marked as expected count as expected (got $rc)" "$W/out"
run --dir "$W/mismatch"
xml_ok "$W/mismatch/junit.xml" >"$W/xml.err" 2>&1 &&
	python3 - "$W/mismatch/junit.xml" >"$W/xml.err" 2>&1 <<'EOF'
import sys, xml.etree.ElementTree as E
t = E.parse(sys.argv[1]).getroot().find("testsuite")
assert (t.get("tests"), t.get("failures"), t.get("errors"), t.get("skipped")) == ("6", "5", "1", "0")
assert t.find("testcase[@name='M-2.skipped']/failure") is not None
assert t.find("testcase[@name='M-1.error']/error") is not None
EOF
ok $? "junit: error verdicts become <error>, other unexpected ones <failure>" "$W/xml.err"

# --- odd content: 5 KB detail, control bytes, invalid UTF-8 -------------------
fixture good big
python3 - "$W/big/glibc/env.tsv" <<'EOF'
import sys
detail = ("x" * 5000 + "<&>\"") .encode() + b"\x01\xff\xc3\xa9 end"
line = b"\t".join([b"ENV-9.big", b"ENV-9", b"MUST", b"pass", b"-", b"exit", b"h", b"true",
                   b"false", b"fail", b"007.5", detail, b"-", b"true"]) + b"\r\n"
open(sys.argv[1], "ab").write(line)
EOF
run --dir "$W/big"
[ $rc -eq 0 ] && python3 - "$W/big" >"$W/py.err" 2>&1 <<'EOF'
import json, sys, xml.etree.ElementTree as E
r = json.load(open(sys.argv[1] + "/results.json", encoding="utf-8"))
c = [x for x in r["targets"][0]["cases"] if x["case"] == "ENV-9.big"][0]
assert c["detail"] == "x" * 5000 + "<&>\"\x01\ufffd\u00e9 end", repr(c["detail"][-20:])
assert c["ms"] == 7.5
f = E.parse(sys.argv[1] + "/junit.xml").getroot().find(".//testcase[@name='ENV-9.big']/failure")
assert f.text == "x" * 5000 + "<&>\"\\x01\ufffd\u00e9 end", repr(f.text[-20:])
EOF
ok $? "a 5 KB detail with control bytes and invalid UTF-8 survives into JSON and XML" "$W/py.err"

# --- target order and width ---------------------------------------------------
mkdir -p "$W/order"
for t in zeta glibc+forklock musl glibc alpha; do
	mkdir -p "$W/order/d-$t"
	cp "$DATA"/good/glibc/*.tsv "$DATA"/good/glibc/*.tap "$W/order/d-$t/"
	printf 'name\t%s\ncc\tcc\nlibc\tglibc 2.36\navailable\tyes\n' "$t" >"$W/order/d-$t/target.tsv"
done
run --dir "$W/order"
[ $rc -eq 0 ] && python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
names = [t["name"] for t in r["targets"]]
assert names == ["glibc", "musl", "glibc+forklock", "alpha", "zeta"], names
assert r["targets"][2]["cases"][0]["tap"] == "d-glibc+forklock/env.tap"
' "$W/order/results.json" >"$W/py.err" 2>&1
ok $? "targets ordered glibc, musl, glibc+forklock, then by name" "$W/py.err"
rm -rf "$W/order/d-zeta" "$W/order/d-alpha"
run --dir "$W/order"
python3 -c '
import sys
long = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines()
        if len(l) > 100 and "cases —" not in l]
assert not long, long
' "$W/order/summary.txt" >"$W/py.err" 2>&1
ok $? "matrix with 3 targets fits in 100 columns" "$W/py.err"

# --- colour only on a terminal ------------------------------------------------
tty_run() { # tty_run NO_COLOR-VALUE-or-unset: prints what report wrote to a pty
	python3 - "$R" "$W/good" "$1" <<'EOF'
import os, pty, subprocess, sys
env = dict(os.environ)
env.pop("NO_COLOR", None)
if sys.argv[3] != "unset":
    env["NO_COLOR"] = sys.argv[3]
m, s = pty.openpty()
p = subprocess.Popen([sys.argv[1], "--dir", sys.argv[2]], stdout=s, env=env)
os.close(s)
out = b""
while True:
    try:
        chunk = os.read(m, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
p.wait()
sys.stdout.write(out.decode())
EOF
}
tty_run unset | grep -q "$(printf '\033')\[1;31mXPASS"
ok $? "colour on a terminal: unexpected pass in red"
! tty_run 1 | grep -q "$(printf '\033')"
ok $? "no colour on a terminal with NO_COLOR=1"

# --- usage errors: one line, exit 2 -------------------------------------------
one_line_2() { [ $rc -eq 2 ] && [ "$(lines)" -eq 1 ]; }
mkdir -p "$W/empty"
run --check --dir "$W/empty"
one_line_2 && grep -q "no targets" "$W/out"
ok $? "--check on an empty dir: one line, exit 2 (got $rc)" "$W/out"
mkdir -p "$W/nocases/musl" && cp "$DATA/good/musl/target.tsv" "$W/nocases/musl/"
run --check --dir "$W/nocases"
one_line_2 && grep -q "no test cases" "$W/out"
ok $? "--check with no cases at all (only unavailable targets): exit 2 (got $rc)" "$W/out"
run --check --dir "$W/does-not-exist"
one_line_2 && grep -q "does-not-exist.*make report" "$W/out"
ok $? "missing dir: one line naming dir and fix, exit 2 (got $rc)" "$W/out"
run --frobnicate
one_line_2 && grep -q "unknown option '--frobnicate'.*usage" "$W/out"
ok $? "unknown option: one line, exit 2 (got $rc)" "$W/out"
run --dir
one_line_2 && grep -q -- "--dir needs a value" "$W/out"
ok $? "--dir without a value: one line, exit 2 (got $rc)" "$W/out"

# --- malformed input: exactly one line naming file:line, exit 2 ---------------
for f in "$DATA"/malformed/*.tsv; do
	v=$(basename "$f" .tsv)
	fixture good "m-$v"
	case $v in
	target-*) cp "$f" "$W/m-$v/glibc/target.tsv"; where="glibc/target.tsv" ;;
	*) cp "$f" "$W/m-$v/glibc/random.tsv"; where="glibc/random.tsv:3:" ;;
	esac
	for mode in --check all; do
		run $mode --dir "$W/m-$v"
		one_line_2 && grep -q "^report: .*$where.* — re-run 'make report' to regenerate$" "$W/out"
		ok $? "malformed $v ($mode): one line, exit 2 (got $rc): $(head -c 150 "$W/out")" "$W/out"
	done
done
fixture good m-nul
printf 'A-1.a\tA-1\tMUST\tpass\t-\texit\th\ttrue\tfalse\tpass\t1\tnul\000here\t-\tfalse\n' >>"$W/m-nul/glibc/env.tsv"
run --check --dir "$W/m-nul"
one_line_2 && grep -q "env.tsv:4: NUL byte" "$W/out"
ok $? "malformed: NUL byte in a line (got $rc)" "$W/out"
fixture good m-lost
rm "$W/m-lost/glibc/target.tsv"
run --check --dir "$W/m-lost"
one_line_2 && grep -q "glibc/target.tsv: missing" "$W/out"
ok $? "malformed: case files without target.tsv (got $rc)" "$W/out"

echo "1..$n"
[ $failed -eq 0 ]
