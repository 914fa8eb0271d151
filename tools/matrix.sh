#!/bin/bash
# SPDX-License-Identifier: MIT
# The suite across libc versions: in Debian roots made with mmdebstrap, plus
# the host's targets, merged into one cross-version results file.
#
#   tools/matrix.sh root SUITE      make (or reuse) the root of SUITE
#   tools/matrix.sh run SUITE VERB  run 'make VERB' (report or check) in it
#   tools/matrix.sh check SUITE     'make check' in it (CI: tools/matrix.sh check trixie)
#   tools/matrix.sh matrix [SUITE...]  'make report' on the host and in each root
#                                   (default: bookworm trixie sid), merged into
#                                   $BUILD/matrix/report/ (results.json, summary.txt)
#
# Roots are cached in $BUILD/matrix/roots/SUITE (minbase + gcc + make, the
# README's only prerequisites; make installs the rest inside with apt).
# A run copies the tracked sources into the root's /mtfork and runs the
# README's command there, with /proc, /dev and /dev/shm mounted and the root
# bind-mounted on itself (so / is a mount point, as on a real system), all
# unmounted again however the run ends. MATRIX_MIRROR overrides the mirror.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
build=${MTFORK_BUILD:-build}
mkdir -p "$build" || exit 2
build=$(cd "$build" && pwd)
mdir=$build/matrix
# The mirror: MATRIX_MIRROR, else the one the host's apt is configured with.
host_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$f"
	done | head -n 1
	awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null
}
mirror=${MATRIX_MIRROR:-$(host_mirror | head -n 1)}
suites_default="bookworm trixie sid"

say() { printf '%s\n' "$*"; }
die() {
	printf 'matrix: %s\n' "$*" >&2
	exit 2
}

valid_suite() { [[ $1 =~ ^[a-z][a-z0-9-]*$ ]]; }

make_root() { # SUITE: $mdir/roots/SUITE, made once
	local suite=$1 root=$mdir/roots/$1 t0=$SECONDS
	valid_suite "$suite" || die "'$suite' is not a Debian suite name (bookworm, trixie, sid, ...)"
	[ -f "$root/.mtfork-root" ] && return 0
	[ -n "$mirror" ] || die "no Debian mirror: the host's apt names none; give MATRIX_MIRROR=URL"
	[ "$(id -u)" = 0 ] || die "making a root needs root (mmdebstrap in root mode, chroot, mount)"
	if ! command -v mmdebstrap >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null 2>&1 ||
			die "mmdebstrap is missing and could not be installed (apt-get install mmdebstrap)"
	fi
	rm -rf "$root" && mkdir -p "$mdir/roots" || die "cannot create $mdir/roots"
	say "matrix: making the $suite root (mmdebstrap, minbase + gcc make) in $root"
	# A development suite's Release file may be past its Valid-Until date.
	if ! mmdebstrap --variant=minbase --include=gcc,make \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		"$suite" "$root" "$mirror" >"$mdir/root-$suite.log" 2>&1; then
		rm -rf "$root"
		die "mmdebstrap $suite failed: $(grep -m1 -E '^(E|W): ' "$mdir/root-$suite.log") (see $mdir/root-$suite.log)"
	fi
	# localhost on IPv4 only, as on the host: with "::1 localhost" too,
	# glibc's getaddrinfo("localhost") sorts two answers and takes the
	# interface-list lock, and NSS-3.getaddrinfo's verdict would follow
	# /etc/hosts rather than the libc version.
	printf '127.0.0.1\tlocalhost\n' >"$root/etc/hosts"
	touch "$root/.mtfork-root"
	say "matrix: $suite root made in $((SECONDS - t0)) s"
}

# Mount what a run needs; unmounted by unmount_root, also on interrupt.
mounted=()
mount_root() { # ROOT
	local r=$1
	mountpoint -q "$r" || { mount --bind "$r" "$r" && mounted=("$r" "${mounted[@]}"); } ||
		die "cannot bind-mount $r on itself"
	mount -t proc proc "$r/proc" && mounted=("$r/proc" "${mounted[@]}") || die "cannot mount $r/proc"
	mount --rbind /dev "$r/dev" && mount --make-rslave "$r/dev" && mounted=("$r/dev" "${mounted[@]}") ||
		die "cannot mount $r/dev"
	mkdir -p "$r/dev/shm"
	mount -t tmpfs -o mode=1777,nosuid,nodev shm "$r/dev/shm" && mounted=("$r/dev/shm" "${mounted[@]}") ||
		die "cannot mount $r/dev/shm"
	cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
}
unmount_root() {
	local m
	for m in "${mounted[@]}"; do
		umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			say "matrix: could not unmount $m" >&2
	done
	mounted=()
}
trap 'unmount_root; exit 130' INT TERM HUP
trap 'unmount_root' EXIT

# The tracked sources (with uncommitted changes), fresh in the root's /mtfork;
# its build directory is kept between runs (the compile is make's business).
copy_sources() { # ROOT
	local r=$1
	mkdir -p "$r/mtfork"
	find "$r/mtfork" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +
	git ls-files -z --cached --others --exclude-standard |
		tar --null -T - -cf - 2>/dev/null | tar -xf - -C "$r/mtfork" ||
		die "cannot copy the sources into $r/mtfork"
}

run_in() { # SUITE VERB [MAKE-ARGS...]: 'make VERB' inside the root; its status
	local suite=$1 verb=$2 r rc t0=$SECONDS
	shift 2
	make_root "$suite"
	r=$mdir/roots/$suite
	copy_sources "$r"
	mount_root "$r"
	say "matrix: make $verb $* in the $suite root"
	chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 MTFORK_TIMEOUT_MUL="${MTFORK_TIMEOUT_MUL:-1}" \
		${LIBC_VERSION:+LIBC_VERSION="$LIBC_VERSION"} ${MTFORK_FORK:+MTFORK_FORK="$MTFORK_FORK"} \
		${MTFORK_STEPS:+MTFORK_STEPS="$MTFORK_STEPS"} \
		sh -c 'cd /mtfork && make "$@"' make "$verb" "$@"
	rc=$?
	unmount_root
	say "matrix: make $verb in the $suite root: exit $rc after $((SECONDS - t0)) s"
	return $rc
}

# Merge the runs (DIR=LABEL ...) into $mdir/report: one column per target
# and run, named TARGET@LABEL ("host" keeps the plain name), each with its
# libc and version.
merge() {
	local out=$mdir/report arg d label t name r
	rm -rf "$out" && mkdir -p "$out" || die "cannot create $out"
	for arg in "$@"; do
		d=${arg%=*} label=${arg##*=}
		for t in "$d"/*/target.tsv; do
			[ -f "$t" ] || continue
			name=$(basename "$(dirname "$t")")
			[ "$label" = host ] || name=$name@$label
			cp -r "$(dirname "$t")" "$out/$name"
			sed -i "s/^name\t.*/name\t$name/" "$out/$name/target.tsv"
		done
	done
	r=$build/tools/report
	mkdir -p "$build/tools"
	[ -x "$r" ] && [ -z "$(find tools/report tools/jsonstr.h -newer "$r")" ] || cc -std=gnu11 -Wall -Wextra -Werror -O2 -o "$r" tools/report/*.c || die "cannot build tools/report/"
	"$r" --dir "$out" --suite-version "$(sed -n 's/^Version \([^ ]*\).*/\1/p' CHANGES | head -n 1)" \
		--commit "$(git rev-parse --short HEAD 2>/dev/null || echo none)" >/dev/null ||
		die "merging the runs failed (see the line above)"
	changes "$out/results.json" >"$out/changes.txt"
}

# The cases whose verdict differs between versions of one target's libc.
changes() { # RESULTS
	ruby -rjson -e '
		d = JSON.parse(File.read(ARGV[0]))
		cols = d["targets"].select { |t| t["available"] }
		groups = cols.group_by { |t| t["name"].sub(/@.*/, "") }
		puts "cases whose verdict changes across libc versions (one line per target and case):"
		groups.each do |base, ts|
			next if ts.size < 2
			ts = ts.sort_by { |t| t["libc"].split(" ", 2)[1].to_s.split(".").map(&:to_i) }
			ids = ts.flat_map { |t| t["cases"].map { |c| c["case"] } }.uniq
			ids.each do |id|
				v = ts.map do |t|
					c = t["cases"].find { |x| x["case"] == id }
					c ? (c["mode"] && c["mode"] != "-" && c["verdict"] != "pass" ? "#{c["verdict"]}:#{c["mode"]}" : c["verdict"]) : "-"
				end
				next if v.uniq.size < 2
				puts format("  %-16s %-40s %s", base, id, ts.zip(v).map { |t, x| "#{t["libc"]} #{x}" }.join("; "))
			end
		end' "$1"
}

cmd_matrix() { # [SUITE...]
	local suites=${*:-$suites_default} s runs=() rc=0 t0=$SECONDS
	for s in $suites; do valid_suite "$s" || die "'$s' is not a Debian suite name"; done
	mkdir -p "$mdir/runs"
	say "matrix: make report on the host"
	MTFORK_BUILD=$build tools/mtfork report >"$mdir/host.log" 2>&1
	case $? in 0) ;; *) say "matrix: the host run failed: $(tail -n 1 "$mdir/host.log")" && rc=1 ;; esac
	rm -rf "$mdir/runs/host" && cp -r "$build/report" "$mdir/runs/host" && runs+=("$mdir/runs/host=host")
	for s in $suites; do
		# user targets (TARGETS=, CC=) name host compilers: the roots run the built-in ones
		(unset MTFORK_TARGETS MTFORK_CC MTFORK_TARGET MTFORK_LIBC_VERSION LIBC_VERSION
			run_in "$s" report) >"$mdir/$s.log" 2>&1 || {
			say "matrix: the $s run failed: $(grep -m1 -E 'FAILED|mtfork:|matrix:.*exit' "$mdir/$s.log")"
			rc=1
		}
		rm -rf "$mdir/runs/$s"
		if [ -f "$mdir/roots/$s/mtfork/build/report/results.json" ]; then
			cp -r "$mdir/roots/$s/mtfork/build/report" "$mdir/runs/$s" && runs+=("$mdir/runs/$s=$s")
		fi
		say "matrix: $s done ($(awk '/ cases — / { u = 0; if (match($0, /[0-9]+ unexpected/)) u = substr($0, RSTART, RLENGTH - 11)
			printf "%s%s %s unexpected", sep, $1, u; sep = ", " }' "$mdir/$s.log"))"
	done
	merge "${runs[@]}"
	cat "$mdir/report/summary.txt" "$mdir/report/changes.txt"
	say "matrix: wrote $mdir/report/results.json, summary.txt, changes.txt in $((SECONDS - t0)) s (logs: $mdir/*.log)"
	return $rc
}

case ${1:-} in
root)
	[ $# = 2 ] || die "usage: tools/matrix.sh root SUITE"
	make_root "$2"
	;;
run)
	[ $# -ge 3 ] || die "usage: tools/matrix.sh run SUITE VERB [MAKE-ARGS]"
	shift
	run_in "$@"
	;;
check)
	[ $# = 2 ] || die "usage: tools/matrix.sh check SUITE"
	run_in "$2" check
	;;
matrix)
	shift
	cmd_matrix "$@"
	;;
merge) # DIR=LABEL...: merge runs already made
	shift
	merge "$@"
	cat "$mdir/report/summary.txt" "$mdir/report/changes.txt"
	;;
*) die "usage: tools/matrix.sh root|run|check|matrix|merge ..." ;;
esac
