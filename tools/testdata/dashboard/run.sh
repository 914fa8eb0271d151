#!/bin/sh
# SPDX-License-Identifier: MIT
# Tests of the dashboard (build/report/index.html, written by tools/report/)
# in a real browser: headless Chromium loads the page from file://, copied
# alone into an empty directory; the function search answers "localtime" with
# TIME-1; no page (the dashboard, the rendered specification) references an
# http:// or https:// resource. Screenshots go to BUILD/report/.
# Prints TAP; exits non-zero on any failure.
#
# Usage: tools/testdata/dashboard/run.sh [BUILD]   (default build)
# Needs chromium (Debian package chromium); as root with apt-get it is
# installed, otherwise the one missing package is named and the script fails.
set -u
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${1:-build}
W=$BUILD/tools/dashboard-test
R=$W/report
. tools/testdata/tap.sh
# python3 itself, resolved once: a version manager's shim (pyenv) costs a
# tenth of a second a call
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || PY=python3

rm -rf "$W" && mkdir -p "$W" || exit 1
if ! command -v chromium >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "# installing chromium with apt-get"
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ||
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }; } >"$W/apt.log" 2>&1
	fi
	if ! command -v chromium >/dev/null 2>&1; then
		echo "dashboard: missing package chromium (apt-get install chromium)" >&2
		echo "Bail out! chromium is not installed (apt-get install chromium)"
		exit 1
	fi
fi

# browser OUT-PREFIX URL [EXTRA-FLAGS...]: run headless Chromium once, fresh profile.
browser() {
	out=$1 url=$2
	shift 2
	rm -rf "$W/profile"
	timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$W/profile" --hide-scrollbars --enable-logging=stderr --v=0 \
		"$@" "$url" >"$out.out" 2>"$out.err"
}
# No JavaScript error on the console.
js_clean() { ! grep -i 'Uncaught\|SyntaxError\|TypeError\|ReferenceError' "$1.err"; }
# No resource the page would fetch from the network.
no_remote() { # FILE: lines that reference an http(s) resource, if any
	"$PY" - "$1" <<'EOF'
import re, sys
html = open(sys.argv[1], encoding="utf-8", errors="replace").read()
# Comments fetch nothing (the stylesheet Asciidoctor embeds names its licence URL in one).
html = re.sub(r"<!--.*?-->", "", html, flags=re.S)
html = re.sub(r"<style\b[^>]*>.*?</style>", lambda m: re.sub(r"/\*.*?\*/", "", m.group(0), flags=re.S), html, flags=re.S | re.I)
bad = re.findall(r"""<(?:link|script|img|iframe|source|audio|video|embed|object)\b[^>]*\b(?:src|href|data)\s*=\s*["']?(?:https?:)?//[^"'\s>]*""", html, re.I)
bad += re.findall(r"""url\(\s*["']?(?:https?:)?//[^)]*\)|@import[^;]*""", html, re.I)
for b in bad:
    print(b[:200])
sys.exit(1 if bad else 0)
EOF
}

# --- the dashboard of a fixture, with the real specification and function index
cc -std=gnu11 -Wall -Wextra -Werror -O2 -o "$R" tools/report/*.c 2>"$W/cc.err"
ok $? "tools/report/ builds" "$W/cc.err"
rm -rf "$W/data" && cp -r tools/testdata/report/good "$W/data"
sh tools/clauses spec >"$W/clauses.tsv" 2>/dev/null
"$R" --dir "$W/data" --clauses "$W/clauses.tsv" --spec spec --suite-version test --commit test >"$W/report.out" 2>&1
ok $? "report writes index.html from the fixture records" "$W/report.out"
mkdir -p "$W/alone" && cp "$W/data/index.html" "$W/alone/index.html"
page=$(cd "$W/alone" && pwd)/index.html

no_remote "$page" >"$W/remote.txt"
ok $? "index.html references no http:// or https:// resource" "$W/remote.txt"
printf '<style>/* https://licence */</style><!-- <img src="https://x"> -->\n<link rel="stylesheet" href="https://cdn.example/x.css">\n' >"$W/remote.html"
! no_remote "$W/remote.html" >"$W/remote2.txt" && grep -q 'cdn.example' "$W/remote2.txt" && ! grep -q licence "$W/remote2.txt"
ok $? "the remote-resource check finds a remote stylesheet and ignores comments" "$W/remote2.txt"

# One load: the page renders, and #q= asks what typing into the search box asks.
browser "$W/ask" "file://$page#q=localtime" --dump-dom
grep -q 'data-ready="1"' "$W/ask.out" && grep -q 'id="clause-RANDOM-1"' "$W/ask.out" &&
	grep -q 'id="target-glibc"' "$W/ask.out" && js_clean "$W/ask" >"$W/js.txt"
ok $? "Chromium renders the page copied alone (file://, no other file): cards, matrix, no script error" "$W/js.txt"
"$PY" - "$W/ask.out" >"$W/ask.txt" 2>&1 <<'EOF'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<div class="answer" id="answer-localtime">(.*?)</div>\s*</div>|<div class="answer" id="answer-localtime">(.*)', dom, re.S)
assert m, "no answer for localtime"
text = re.sub(r"<[^>]+>", " ", m.group(0))
assert "TIME-1" in text, text[:500]
assert "localtime() and gmtime() work in the child" in text, text[:500]
assert 'data-target="glibc"' in m.group(0), "no verdict line for the glibc target"
EOF
ok $? "the search answers 'localtime' with TIME-1, its title and a verdict per target" "$W/ask.txt"

browser "$W/anim" "file://$page#clause-RANDOM-1" --dump-dom
grep -q 'aria-expanded="true" id="clause-RANDOM-1"\|id="clause-RANDOM-1"[^>]*aria-expanded="true"' "$W/anim.out" &&
	grep -q 'ok 1 - RANDOM-1.initstate # TODO expected fail:deadlock' "$W/anim.out" &&
	grep -q 'uffd-arg:initstate' "$W/anim.out"
ok $? "a clause expands to its cases with holder and TAP lines (#clause-RANDOM-1)" "$W/anim.out"

# --- the real report and specification, when this build has them
real=$BUILD/report/index.html
if [ -f "$real" ]; then
	rpage=$(cd "$(dirname "$real")" && pwd)/index.html
	no_remote "$rpage" >"$W/rremote.txt"
	ok $? "$real references no http:// or https:// resource" "$W/rremote.txt"
	browser "$W/shot" "file://$rpage" --window-size=1280,1000 --screenshot="$(pwd)/$BUILD/report/dashboard.png"
	[ -s "$BUILD/report/dashboard.png" ] && js_clean "$W/shot" >"$W/js.txt"
	ok $? "screenshot of the dashboard: $BUILD/report/dashboard.png" "$W/js.txt"
	browser "$W/rshot" "file://$rpage#q=is%20localtime%20safe%20on%20glibc%202.36%3F" --window-size=1280,640 \
		--screenshot="$(pwd)/$BUILD/report/dashboard-localtime.png"
	[ -s "$BUILD/report/dashboard-localtime.png" ]
	ok $? "screenshot of the answer: $BUILD/report/dashboard-localtime.png"
else
	browser "$W/shot" "file://$page#q=localtime" --window-size=1280,1000 --screenshot="$(pwd)/$W/dashboard.png"
	skip "the real dashboard" "no $real (make report); screenshot of the fixture in $W/dashboard.png"
fi
spec=$BUILD/spec/index.html
if [ -f "$spec" ]; then
	no_remote "$spec" >"$W/sremote.txt"
	ok $? "$spec references no http:// or https:// resource (no web fonts, no remote stylesheet)" "$W/sremote.txt"
else
	skip "the rendered specification has no remote resources" "no $spec (make spec)"
fi

tap_done
