#!/bin/sh
# SPDX-License-Identifier: MIT
# The teeth of make verify (tools/verify): a planted flip must be reported.
# A fake target whose binary decides X-1.flippy pass, fail:deadlock, pass, ...
# (a counter file), X-1.steady always pass, X-1.undecided pass or skip, all
# "stochastic"; X-2.proof was decided deterministically and must never be
# rerun. Prints TAP.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0 bad=0
t() { # DESCRIPTION STATUS
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1" && bad=1; fi
}
b=$tmp/build
mkdir -p "$b/report" "$b/fake/tests"
cat >"$b/report/results.json" <<'END'
{"format": 1, "targets": [{"name": "fake", "libc": "fakelibc 1.0", "env": "", "available": true,
 "cases": [
  {"case": "X-1.flippy", "verdict": "pass", "mode": null, "holder": "stochastic:hammer", "subsystem": "fake"},
  {"case": "X-1.steady", "verdict": "pass", "mode": null, "holder": "stochastic:hammer", "subsystem": "fake"},
  {"case": "X-1.undecided", "verdict": "pass", "mode": null, "holder": "stochastic:hammer", "subsystem": "fake"},
  {"case": "X-2.proof", "verdict": "fail", "mode": "deadlock", "holder": "uffd-arg:x", "subsystem": "fake"}]}]}
END
cat >"$b/fake/tests/fake.t" <<END
#!/bin/sh
# planted: X-1.flippy fails every second run
[ "\$1" = --expect ] && shift 2
case \$1 in --bound) echo 1000; exit 0 ;; --target) shift 2 ;; esac
c=\$(cat "$tmp/count" 2>/dev/null || echo 0); echo \$((c + 1)) >"$tmp/count"
echo "TAP version 13"; echo "1..\$#"; i=0
for id in "\$@"; do
	i=\$((i + 1)); v=pass m=-
	[ "\$id" = X-1.flippy ] && [ \$((c % 2)) = 0 ] && v=fail m=deadlock
	[ "\$id" = X-1.undecided ] && [ \$((c % 2)) = 0 ] && v=skip
	[ "\$id" = X-2.proof ] && echo "\$id" >>"$tmp/wrongly-rerun"
	[ \$v = pass ] && echo "ok \$i - \$id" || echo "not ok \$i - \$id"
	printf '  ---\n  verdict: %s\n  mode: %s\n  ...\n' \$v \$m
done
END
chmod +x "$b/fake/tests/fake.t"
out=$(ruby "$top/tools/verify" --build "$b" --runs 3 --expect "$tmp/none" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
t "a planted flip turns make verify red (exit 1)" "$([ $rc = 1 ]; echo $?)"
t "the flip is reported with each verdict's count" \
	"$(printf '%s\n' "$out" | grep -q '^FLIP  *fake  *X-1.flippy  *fail:deadlock x2, pass x2 (the last run: pass)$'; echo $?)"
t "a case only sometimes undecided (skip) is unstable, not a flip" \
	"$(printf '%s\n' "$out" | grep -q '^UNSTABLE  *fake  *X-1.undecided  *pass x2, skip x2'; echo $?)"
t "a case that never flipped is not reported" "$(printf '%s\n' "$out" | grep -q 'FLIP.*X-1.steady'; [ $? = 1 ]; echo $?)"
t "a deterministically decided case is not rerun" "$([ ! -f "$tmp/wrongly-rerun" ]; echo $?)"
t "the flips are written to build/verify/flips.txt" "$(grep -q X-1.flippy "$b/verify/flips.txt"; echo $?)"
out=$(ruby "$top/tools/verify" --build "$b" --runs 0 2>&1)
t "a bad N is one line naming the fix (exit 2)" "$([ $? = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && printf '%s' "$out" | grep -q 'N=0'; echo $?)"
echo "1..$n"
exit $bad
