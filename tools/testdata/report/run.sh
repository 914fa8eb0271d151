#!/bin/sh
# SPDX-License-Identifier: MIT
# Tests for tools/report/: build it into build/tools/, run it on copies of the
# fixtures here (it writes into its --dir, never into the source tree) and check
# every output. Prints TAP. Usage: tools/testdata/report/run.sh  (CC=... to pick
# the compiler; musl-gcc, clang-format, cppcheck, xmllint are used when present).
# Length: one test an output and a malformed input, each a few lines.
set -u
cd "$(dirname "$0")/../../.." || exit 1
CC=${CC:-cc}
CFLAGS="-std=gnu11 -Wall -Wextra -Werror -O2"
DATA=tools/testdata/report
B=build/tools
W=$B/report-test
# a copy of its own: the shared build/tools/report is run meanwhile by the
# steps beside this one (the teeth), and relinking it in place made one of
# them find it half-written ("Permission denied")
R=$W/report
. tools/testdata/tap.sh
# python3 itself, resolved once: a version manager's shim (pyenv) costs a
# tenth of a second a call
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || PY=python3
have() { command -v "$1" >/dev/null 2>&1; }

# run DIR-ARGS...: stdout+stderr to $W/out, exit status to $rc
run() { env -u COLUMNS "$R" "$@" >"$W/out" 2>&1; rc=$?; }
lines() { wc -l <"$W/out" | tr -d ' '; }
fixture() { rm -rf "$W/$2" && cp -r "$DATA/$1" "$W/$2"; }

rm -rf "$W" && mkdir -p "$W" || exit 1

# --- build and lint -----------------------------------------------------------
$CC $CFLAGS -o "$R" tools/report/*.c 2>"$W/cc.err"
ok $? "builds with $CC $CFLAGS" "$W/cc.err"
[ -x "$R" ] || { echo "Bail out! report did not build"; exit 1; }
if have musl-gcc; then
	musl-gcc $CFLAGS -o "$W/report-musl" tools/report/*.c 2>"$W/cc.err"
	ok $? "builds with musl-gcc" "$W/cc.err"
else skip "builds with musl-gcc" "musl-gcc not installed"; fi
if have clang-format; then
	clang-format --dry-run --Werror tools/report/*.[ch] tools/jsonstr.h >"$W/fmt.err" 2>&1
	ok $? "clang-format clean" "$W/fmt.err"
else skip "clang-format clean" "clang-format not installed"; fi
if have cppcheck; then
	cppcheck --error-exitcode=1 --enable=warning,style,performance,portability -q \
		--suppress=normalCheckLevelMaxBranches \
		tools/report/*.c >"$W/cppcheck.err" 2>&1
	ok $? "cppcheck clean" "$W/cppcheck.err"
else skip "cppcheck clean" "cppcheck not installed"; fi

# --- the good dir: all outputs ------------------------------------------------
# the fixture spec's clauses, as the driver lists them for the report
sh tools/clauses "$DATA/spec" >"$W/clauses.tsv" 2>"$W/clauses.err"
ok $? "tools/clauses lists the fixture spec's clauses" "$W/clauses.err"
CL="--clauses $W/clauses.tsv"
fixture good good
echo "started at 2026-01-02T03:04:05Z; the run did not finish" >"$W/good/INCOMPLETE"
env MTFORK_TIMEOUT_MUL=3 MTFORK_EMPTY= FORKLOCK_DISABLE=random "$R" --dir "$W/good" \
	$CL --spec "$DATA/spec" --suite-version 1.2 --commit abc123 >"$W/out" 2>&1
rc=$?
[ $rc -eq 0 ] && [ -s "$W/good/results.json" ] && [ -s "$W/good/junit.xml" ] &&
	[ -s "$W/good/summary.txt" ]
ok $? "report writes results.json, junit.xml, summary.txt (exit $rc)" "$W/out"
cmp -s "$W/out" "$W/good/summary.txt"
ok $? "matrix on a pipe is uncoloured and equals summary.txt" "$W/out"
"$PY" -m json.tool "$W/good/results.json" >/dev/null 2>"$W/py.err"
ok $? "results.json is valid JSON" "$W/py.err"

"$PY" - "$W/good/results.json" >"$W/py.err" 2>&1 <<'EOF'
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
                        "observed": 1, "unexpected": 1, "xfail": 2}, g["summary"]
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
assert c["ENV-3.observed"]["subsystem"] == "env" and c["RANDOM-1.initstate"]["subsystem"] == "random"
assert "tap_lines" not in x  # only the dashboard's copy carries TAP lines
EOF
ok $? "results.json content: order, counts, nulls, booleans, escapes" "$W/py.err"

"$PY" - "$W/good/results.json" >"$W/py.err" 2>&1 <<'EOF'
import json, sys, re
r = json.load(open(sys.argv[1]))
h, run = r["host"], r["run"]
assert h["name"] and h["os"] and isinstance(h["cpus"], int) and h["cpus"] >= 1, h
assert run["started"] == "2026-01-02T03:04:05Z", run
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", run["finished"]), run
st = run["settings"]
assert st["MTFORK_TIMEOUT_MUL"] == "3" and st["FORKLOCK_DISABLE"] == "random", st
assert "MTFORK_EMPTY" not in st and all(k.startswith(("MTFORK_", "FORKLOCK_")) for k in st), st
assert list(st) == sorted(st), list(st)
EOF
ok $? "results.json records the run: host name, OS, CPUs, start (from INCOMPLETE), end, MTFORK_*/FORKLOCK_* settings" "$W/py.err"

"$PY" - "$W/good/results.json" >"$W/py.err" 2>&1 <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
g, m = r["targets"]
p = g["profiles"]
assert list(p) == ["posix", "spawn", "unrestricted"], list(p)
assert p["posix"] == {"verdict": "conforms", "must": 1, "must_pass": 1, "must_fail": 0, "must_error": 0,
                      "must_untested": 0, "should": 1, "should_tested": 1, "should_pass": 0}, p["posix"]
assert p["spawn"]["verdict"] == "undecided" and p["spawn"]["must_untested"] == 1, p["spawn"]
assert p["unrestricted"]["verdict"] == "does-not-conform" and p["unrestricted"]["must_fail"] == 1 \
    and p["unrestricted"]["must"] == 3, p["unrestricted"]
assert "profiles" not in m
EOF
ok $? "results.json: profile claims per target (conforms, undecided when a MUST clause only skips, does not conform)" "$W/py.err"

xml_ok() {
	if have xmllint; then xmllint --noout "$1"
	else "$PY" -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1"; fi
}
xml_ok "$W/good/junit.xml" >"$W/xml.err" 2>&1
ok $? "junit.xml is well-formed" "$W/xml.err"

"$PY" - "$W/good/junit.xml" >"$W/py.err" 2>&1 <<'EOF'
import sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
s = {t.get("name"): t for t in root.iter("testsuite")}
assert list(s) == ["glibc/env", "glibc/random", "musl"], list(s)
r = s["glibc/random"]
assert (r.get("tests"), r.get("failures"), r.get("errors"), r.get("skipped")) == ("3", "1", "0", "2")
cases = {c.get("name"): c for c in r.iter("testcase")}
f = cases["RANDOM-1.random"].find("failure")
assert f is not None and f.get("message").startswith("verdict pass, expected fail:deadlock")
assert cases["RANDOM-1.initstate"].find("failure") is None
x = cases["RANDOM-1.initstate"].find("skipped")
assert x is not None and x.get("type") == "xfail", "expected failure not a skipped of type xfail"
assert x.get("message").startswith("expected failure: fail:deadlock (glibc: the random() lock"), x.get("message")
assert cases["RANDOM-2.srandom"].find("skipped").get("type") == "xfail"
assert cases["RANDOM-1.random"].find("skipped") is None
assert "as expected: fail:deadlock" in cases["RANDOM-1.initstate"].find("system-out").text
assert cases["RANDOM-1.initstate"].get("classname") == "mtfork.glibc.random"
assert cases["RANDOM-1.initstate"].get("time") == "0.003100"
e = {c.get("name"): c for c in s["glibc/env"].iter("testcase")}
assert e["ENV-2.getenv"].find("skipped").get("message") == "no holder: userfaultfd unavailable"
assert s["musl"].get("skipped") == "1"
assert "musl-tools" in s["musl"].find("testcase/skipped").get("message")
EOF
ok $? "junit.xml content: suites, failure, expected fail as <skipped type=xfail>, skipped, unavailable" "$W/py.err"

grep -qx 'glibc (glibc 2.36): 6 cases — 2 pass, 2 fail (2 expected), 1 observed, 1 skip, 0 error, 1 unexpected' "$W/good/summary.txt" &&
	grep -qx 'musl: unavailable — musl-gcc not found (apt-get install musl-tools)' "$W/good/summary.txt" &&
	grep -Eq '^RANDOM-1 MUST +random\(\) works in the child$' "$W/good/summary.txt" &&
	grep -Eq '^ENV-3 MAY +what clearenv\(\) does is recorded \(in C\+\+ too\)$' "$W/good/summary.txt" &&
	grep -Eq '^  RANDOM-1\.random +XPASS +n/a$' "$W/good/summary.txt" &&
	grep -Eq '^  RANDOM-1\.initstate +xfail:deadlock +n/a$' "$W/good/summary.txt" &&
	! grep -q "$(printf '\033')" "$W/good/summary.txt"
ok $? "summary.txt: clause rows with titles (markup removed), cells, per-target lines, no colour" "$W/good/summary.txt"

# Chapters in spec order (random.adoc is included before env.adoc), not file order.
grep -o -e '^== .*' -e '^RANDOM-1 MUST' -e '^ENV-1 MUST' "$W/good/summary.txt" | tr '\n' '|' >"$W/order.txt"
[ "$(cat "$W/order.txt")" = "== Random numbers|RANDOM-1 MUST|== The environment|ENV-1 MUST|" ] &&
	grep -qx '  profiles: posix conforms (all 1 MUST clauses pass); spawn undecided (1 of 2 MUST clauses untested); unrestricted does not conform (1 of 3 MUST clauses fail)' "$W/good/summary.txt"
ok $? "matrix grouped by chapter in spec order; profile claims per target ($(cat "$W/order.txt"))" "$W/good/summary.txt"

f=$W/good/summary-failures.txt
[ "$(head -n 1 "$f")" = "mtfork 1.2 (commit abc123): cases that did not pass" ] &&
	grep -qx '=== glibc (glibc 2.36)' "$f" &&
	grep -qx 'XPASS: glibc/random/RANDOM-1.random: verdict pass, expected fail:deadlock (glibc: the random() lock is neither taken nor reset by fork)' "$f" &&
	grep -qx 'XFAIL: glibc/random/RANDOM-1.initstate: fail:deadlock (proof) — glibc: the random() lock is neither taken nor reset by fork' "$f" &&
	grep -qx 'XFAIL: glibc/random/RANDOM-2.srandom: fail:crash — glibc: srandom after fork is undefined there' "$f" &&
	grep -qx 'UNSUPPORTED: musl: target unavailable — musl-gcc not found (apt-get install musl-tools)' "$f" &&
	! grep -q 'ENV-1.setenv\|ENV-3.observed' "$f" &&
	[ "$(sed -n '/^Summary of test results:$/,/^$/p' "$f" | tr -s ' ' | tr '\n' '|')" = "Summary of test results:| 0 FAIL| 0 ERROR| 1 XPASS| 2 XFAIL| 1 PASS| 1 OBSERVED| 1 UNSUPPORTED||" ]
ok $? "summary-failures.txt: unexpected then expected failures, glibc .sum style, with totals" "$f"

"$PY" - "$W/good/index.html" >"$W/py.err" 2>&1 <<'EOF'
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import""", html), "external resource"
m = re.search(r'<script type="application/json" id="mtfork-data">(.*?)</script>', html, re.S)
d = json.loads(m.group(1))
r = d["results"]
assert r["format"] == 1 and r["suite"]["commit"] == "abc123"
c = {x["case"]: x for x in r["targets"][0]["cases"]}
assert c["RANDOM-1.initstate"]["tap_lines"] == ["ok 1 - RANDOM-1.initstate # TODO expected fail:deadlock"], c["RANDOM-1.initstate"]["tap_lines"]
assert c["ENV-1.setenv"]["detail"].startswith('"quoted" <xml>')  # escaped as \u003c in the page
assert "<xml>" not in m.group(1)
assert [x["id"] for x in d["spec"]["clauses"]] == ["RANDOM-1", "RANDOM-2", "ENV-1", "ENV-2", "ENV-3"], d["spec"]
assert d["spec"]["chapters"] == ["Random numbers", "The environment"]
assert d["spec"]["clauses"][0]["title"] == "random() works in the child"
assert d["functions"][1] == {"name": "setenv", "clauses": ["ENV-1"], "as_safe": False,
                            "header": "stdlib.h", "see": ["ENV-2", "ENV-3"]}, d["functions"]
EOF
ok $? "index.html: self-contained (no external resources), data with TAP lines, spec clauses and function index embedded" "$W/py.err"
ruby tools/embed-dashboard.rb --check >"$W/embed.err" 2>&1
ok $? "tools/report/template.c carries the current dashboard template (tools/embed-dashboard.rb --check)" "$W/embed.err"

run --dir "$W/good" --spec "$DATA/spec"
"$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["targets"][0]["profiles"] is None
' "$W/good/results.json" >"$W/py.err" 2>&1 && ! grep -q '^== ' "$W/good/summary.txt"
ok $? "no --clauses: no chapters, profile claims null (got $rc)" "$W/py.err"
run --dir "$W/good" --clauses "$W/no-such-clauses.tsv"
[ $rc -eq 2 ] && [ "$(lines)" -eq 1 ] && grep -q "no-such-clauses" "$W/out"
ok $? "--clauses of a missing file: one line, exit 2 (got $rc)" "$W/out"
run --dir "$W/good" --spec "$W/no-such-spec"
[ $rc -eq 2 ] && [ "$(lines)" -eq 1 ] && grep -q "no-such-spec" "$W/out"
ok $? "--spec of a missing directory: one line, exit 2 (got $rc)" "$W/out"
printf 'A-1\tMUST\n' >"$W/bad-clauses.tsv"
run --dir "$W/good" --clauses "$W/bad-clauses.tsv"
[ $rc -eq 2 ] && [ "$(lines)" -eq 1 ] && grep -q "bad-clauses.tsv:1: " "$W/out"
ok $? "a clauses line that is not tools/clauses': one line naming file:line, exit 2 (got $rc)" "$W/out"

# --- --check ------------------------------------------------------------------
run --check --dir "$W/good"
[ $rc -eq 1 ] && [ "$(tail -n 1 "$W/out")" = "check: 5 passed, 1 failed" ] &&
	grep -qx "UNEXPECTED glibc RANDOM-1.random: verdict pass, expected fail:deadlock (glibc: the random() lock is neither taken nor reset by fork)" "$W/out"
ok $? "--check on good: unexpected pass listed, 'check: 5 passed, 1 failed', exit 1 (got $rc)" "$W/out"

fixture good clean
grep -v '^{"case":"RANDOM-1\.random"' "$DATA/good/glibc/random.jsonl" >"$W/clean/glibc/random.jsonl"
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
sed -i 's/"unexpected":true/"unexpected":false/' "$W/trusted/glibc/case.jsonl"
run --check --dir "$W/trusted"
[ $rc -eq 0 ] && [ "$(tail -n 1 "$W/out")" = "check: 6 passed, 0 failed" ]
ok $? "--check never re-judges: records marked as expected count as expected (got $rc)" "$W/out"
run --dir "$W/mismatch"
xml_ok "$W/mismatch/junit.xml" >"$W/xml.err" 2>&1 &&
	"$PY" - "$W/mismatch/junit.xml" >"$W/xml.err" 2>&1 <<'EOF'
import sys, xml.etree.ElementTree as E
t = E.parse(sys.argv[1]).getroot().find("testsuite")
assert (t.get("tests"), t.get("failures"), t.get("errors"), t.get("skipped")) == ("6", "5", "1", "0")
assert t.find("testcase[@name='M-2.skipped']/failure") is not None
assert t.find("testcase[@name='M-1.error']/error") is not None
EOF
ok $? "junit: error verdicts become <error>, other unexpected ones <failure>" "$W/xml.err"

# --- odd content: 5 KB detail, control bytes, invalid UTF-8 -------------------
fixture good big
"$PY" - "$W/big/glibc/env.jsonl" <<'EOF'
import sys
detail = '"' + "x" * 5000 + '<&>\\"\\u0001\\ufffd\u00e9 \\ud83d\\ude00 end"'
line = ('{"case":"ENV-9.big","clause":"ENV-9","level":"MUST","subsystem":"env","verdict":"pass",'
        '"mode":null,"how":"exit","holder":"h","held":true,"fork_waited":false,"expected":"fail",'
        '"expected_reason":null,"unexpected":true,"ms":007.5,"detail":' + detail + '}\r\n')
open(sys.argv[1], "ab").write(line.encode())
EOF
run --dir "$W/big"
[ $rc -eq 0 ] && "$PY" - "$W/big" >"$W/py.err" 2>&1 <<'EOF'
import json, sys, xml.etree.ElementTree as E
r = json.load(open(sys.argv[1] + "/results.json", encoding="utf-8"))
c = [x for x in r["targets"][0]["cases"] if x["case"] == "ENV-9.big"][0]
assert c["detail"] == "x" * 5000 + "<&>\"\x01\ufffd\u00e9 \U0001F600 end", repr(c["detail"][-20:])
assert c["ms"] == 7.5
f = E.parse(sys.argv[1] + "/junit.xml").getroot().find(".//testcase[@name='ENV-9.big']/failure")
assert f.text == "x" * 5000 + "<&>\"\\x01\ufffd\u00e9 \U0001F600 end", repr(f.text[-20:])
EOF
ok $? "a 5 KB detail with escapes (control byte, U+FFFD, a surrogate pair) survives into JSON and XML" "$W/py.err"

# --- target order and width ---------------------------------------------------
mkdir -p "$W/order"
for t in zeta glibc+forklock musl glibc alpha; do
	mkdir -p "$W/order/d-$t"
	cp "$DATA"/good/glibc/*.jsonl "$DATA"/good/glibc/*.tap "$W/order/d-$t/"
	printf 'name\t%s\ncc\tcc\nlibc\tglibc 2.36\navailable\tyes\n' "$t" >"$W/order/d-$t/target.tsv"
done
run --dir "$W/order"
[ $rc -eq 0 ] && "$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))
names = [t["name"] for t in r["targets"]]
assert names == ["glibc", "musl", "glibc+forklock", "alpha", "zeta"], names
assert r["targets"][2]["cases"][0]["tap"] == "d-glibc+forklock/env.tap"
' "$W/order/results.json" >"$W/py.err" 2>&1
ok $? "targets ordered glibc, musl, glibc+forklock, then by name" "$W/py.err"
rm -rf "$W/order/d-zeta" "$W/order/d-alpha"
run --dir "$W/order"
"$PY" -c '
import sys
long = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines()
        if len(l) > 100 and "cases —" not in l and not l.startswith(("legend:", "  profiles:"))]
assert not long, long
' "$W/order/summary.txt" >"$W/py.err" 2>&1
ok $? "matrix with 3 targets fits in 100 columns" "$W/py.err"

# --- fitted to the terminal width ---------------------------------------------
fixture good wide
sed 's/^{"case":"RANDOM-1\.random"/{"case":"RANDOM-1.random-with-a-very-long-variant-name-that-must-be-cut"/' \
	"$DATA/good/glibc/random.jsonl" >"$W/wide/glibc/random.jsonl"
for t in musl glibc+forklock; do
	mkdir -p "$W/wide/d-$t" && cp "$W/wide/glibc/"*.jsonl "$W/wide/glibc/"*.tap "$W/wide/d-$t/"
	printf 'name\t%s\ncc\tcc\nlibc\tglibc 2.36\navailable\tyes\n' "$t" >"$W/wide/d-$t/target.tsv"
done
rm -rf "$W/wide/musl"
for cols in 80 60 40; do
	COLUMNS=$cols "$R" --dir "$W/wide" $CL >"$W/w$cols.txt" 2>&1
	"$PY" - "$W/w$cols.txt" "$cols" >"$W/py.err" 2>&1 <<'EOF'
import sys, re
text = open(sys.argv[1], encoding="utf-8").read()
cols = int(sys.argv[2])
long = [l for l in text.splitlines() if len(l) > cols]
assert not long, long
# No word is broken: every label is a whole case variant, or cut with an ellipsis.
for l in text.splitlines():
    m = re.match(r"  (\.\S+|[A-Z]\S+)", l)
    if m and not m.group(1).endswith("…"):
        assert m.group(1) in (".initstate", ".random-with-a-very-long-variant-name-that-must-be-cut",
                              ".srandom", ".setenv", ".getenv", ".observed") or "-" in m.group(1) or m.group(1)[0].isupper(), l
assert "mtfork" not in text or True
EOF
	ok $? "COLUMNS=$cols: every line fits, case names shortened or cut, none broken mid-word" "$W/py.err"
done
[ "$(grep -c '^clause / case' "$W/w40.txt")" -ge 2 ] && [ "$(grep -c '^clause / case' "$W/w80.txt")" -eq 1 ] &&
	grep -q '^  \.initstate ' "$W/w80.txt" && grep -q '…' "$W/w80.txt"
ok $? "80 columns: one matrix with '.variant' names (long ones cut); 40 columns: targets in several blocks" "$W/w40.txt"
grep -q '^RANDOM-1 MUST  *random() works in the child$' "$W/w80.txt" && grep -q '^RANDOM-1 MUST  *random() …$' "$W/w40.txt"
ok $? "clause rows carry the clause's title, cut after a whole word to fit" "$W/w40.txt"
env -u COLUMNS "$R" --dir "$W/wide" $CL | grep -q '^  RANDOM-1\.random-with-a-very-long-variant-name-that-must-be-cut '
ok $? "no COLUMNS and not a terminal: full case names, no width limit"

# --- colour only on a terminal ------------------------------------------------
tty_run() { # tty_run NO_COLOR-VALUE-or-unset: prints what report wrote to a pty
	"$PY" - "$R" "$W/good" "$1" <<'EOF'
import os, pty, subprocess, sys
env = dict(os.environ)
env.pop("NO_COLOR", None)
env.pop("COLUMNS", None)
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
tty_run unset | grep -q "$(printf '\033')\[36mobs:works"
ok $? "colour on a terminal: obs:works in cyan, not in the yellow of an expected failure"
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
# A record line that breaks the contract in each way a writer could: the
# error names the file and line (2: line 1 is a good record).
for f in "$DATA"/malformed/*; do
	v=$(basename "$f")
	v=${v%.*}
	fixture good "m-$v"
	case $v in
	target-*) cp "$f" "$W/m-$v/glibc/target.tsv"; where="glibc/target.tsv" ;;
	*) cp "$f" "$W/m-$v/glibc/random.jsonl"; where="glibc/random.jsonl:2:" ;;
	esac
	for mode in --check all; do
		run $mode --dir "$W/m-$v"
		one_line_2 && grep -q "^report: .*$where.* — re-run 'make report' to regenerate$" "$W/out"
		ok $? "malformed $v ($mode): one line, exit 2 (got $rc): $(head -c 150 "$W/out")" "$W/out"
	done
done
fixture good m-nul
printf '{"case":"A-1.a","detail":"nul\000here"}\n' >>"$W/m-nul/glibc/env.jsonl"
run --check --dir "$W/m-nul"
one_line_2 && grep -q "env.jsonl:4: NUL byte" "$W/out"
ok $? "malformed: NUL byte in a line (got $rc)" "$W/out"
fixture good m-lost
rm "$W/m-lost/glibc/target.tsv"
run --check --dir "$W/m-lost"
one_line_2 && grep -q "glibc/target.tsv: missing" "$W/out"
ok $? "malformed: records without target.tsv (got $rc)" "$W/out"

# --- --fields: the records for the shell tools, checked as strictly ------------
run --fields case,verdict,unexpected,detail "$DATA/good/glibc/env.jsonl"
[ $rc -eq 0 ] && [ "$(lines)" -eq 3 ] &&
	[ "$(sed -n 1p "$W/out")" = "ENV-1.setenv	pass	false	\"quoted\" <xml> & tab\\ttab newline backslash\\\\ end" ] &&
	[ "$(sed -n 2p "$W/out" | cut -f1-3)" = "ENV-2.getenv	skip	false" ]
ok $? "--fields: the named fields, TAB-separated, a TAB or newline in a value as a space (got $rc)" "$W/out"
run --fields case,expected_reason,held "$DATA/good/glibc/random.jsonl"
[ $rc -eq 0 ] && grep -qx 'RANDOM-2.srandom	glibc: srandom after fork is undefined there	false' "$W/out" &&
	[ "$(sed -n 1p "$DATA/good/glibc/env.jsonl" >"$W/one.jsonl"; env -u COLUMNS "$R" --fields held,mode "$W/one.jsonl")" = "true	-" ]
ok $? "--fields: null as '-', booleans as written (got $rc)" "$W/out"
run --fields case "$DATA/malformed/truncated.jsonl"
one_line_2 && grep -q "truncated.jsonl:2: " "$W/out"
ok $? "--fields on a malformed record: one line naming file:line, exit 2 (got $rc)" "$W/out"
run --fields case,colour "$DATA/good/glibc/env.jsonl"
one_line_2 && grep -q "'colour' is no field" "$W/out"
ok $? "--fields with an unknown field: one line, exit 2 (got $rc)" "$W/out"

# --- tools/diff-results (its own TAP, one line here) ----------------------------
if have ruby; then
	sh tools/testdata/diff/run.sh "$(dirname "$B")" >"$W/diff.tap" 2>&1
	ok $? "tools/diff-results tests: $(grep -c '^ok' "$W/diff.tap") ok, $(grep -c '^not ok' "$W/diff.tap") not ok (tools/testdata/diff/run.sh)" "$W/diff.tap"
else skip "tools/diff-results tests" "ruby not installed"; fi

tap_done
