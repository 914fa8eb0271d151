# SPDX-License-Identifier: MIT
# Teeth: sourced by tools/mtfork (uses its say, step, fail_step, scaled,
# target_env, select_cases, bg_wait, build, report, sel_target, sel_cases,
# ran_targets, binary_jobs).
#
# Each line of expect/teeth runs a target's binaries with the line's
# environment and selected cases; every selected case must fail. A line is
# TARGET (a target name, or '*' for every target of the run), then NAME=VALUE
# words (the environment; @BUILD@ is the absolute build directory, @TARGET@
# the target's name), then the cases: a word with '=' is environment, any
# other a case pattern. A line's LD_PRELOAD is added to the target's own, so
# glibc+forklock keeps its adapter under a violator.
#
# Then every MUST case must have teeth: fail on some target in the main run
# or under some violation, or be waived in expect/no-teeth with the reason.

teeth_table=

# Run one line on one target; prints "STATUS<TAB>step message" lines and
# table lines "T<TAB>text" for the caller to count and show.
teeth_line() { # N TARGET REST
	local n=$1 name=$2 rest=$3 w words envs shown pats t sub rec bad=0 total=0 clauses= tenv pre
	tenv=$(target_env "$name")
	[ -n "$tenv" ] || tenv=$(sed -n 's/^env\t//p' "$report/$name/target.tsv" 2>/dev/null)
	read -ra words <<<"$rest" # no pathname expansion of PREFIX* patterns
	envs='' shown='' pats=''
	for w in "${words[@]}"; do
		case $w in
		@*) # the libc versions the violation bites on (expect/'s grammar)
			libc_in_range "$(sed -n 's/^libc\t//p' "$report/$name/target.tsv")" "$w"
			case $? in
			0) shown="$shown $w" ;;
			1)
				printf 'T\t  %-15s %-50s not run: %s is outside %s\n' "$name" "$rest" \
					"$(sed -n 's/^libc\t//p' "$report/$name/target.tsv")" "$w"
				return 0
				;;
			*)
				printf '1\tteeth: %s: %s is not a libc version range (@glibc<2.41, @musl>=1.2.4)\n' "$expectdir/teeth" "$w"
				return 0
				;;
			esac
			;;
		*=*)
			w=${w//@BUILD@/$abs_build}
			w=${w//@TARGET@/$name}
			if [ "${w%%=*}" = LD_PRELOAD ]; then
				pre=$(tr ' ' '\n' <<<"$tenv" | sed -n 's/^LD_PRELOAD=//p')
				shown="$shown LD_PRELOAD=${w##*/}"
				[ -n "$pre" ] && w="$w:$pre"
			else
				shown="$shown $w"
			fi
			envs="$envs $w"
			;;
		*) pats="$pats $w" ;;
		esac
	done
	envs=${envs# } shown=${shown# } pats=${pats# }
	for sub in $(select_cases "$name" "$pats"); do
		t=$build/$name/tests/$sub.t
		rec=$build/teeth/$n-$name-$sub.jsonl # line number: lines may share a target and env
		rm -f "$rec"
		# shellcheck disable=SC2046,SC2086
		(set -f && "$build/tools/supervise" --bound-ms "$("$t" --bound $pats 2>/dev/null || scaled 60000)" \
			-- env $tenv $envs "$t" --records "$rec" --target "$name+teeth" $pats) >/dev/null 2>&1
		if [ ! -s "$rec" ]; then # the binary refused the environment, hung or crashed
			printf 'M\t  teeth: %s %s wrote no records\n' "$name" "$sub"
			total=$((total + 1)) bad=$((bad + 1))
			continue
		fi
		"$build/tools/report" --fields case,clause,verdict "$rec" >"$rec.txt" 2>&1 ||
			printf 'M\t  teeth: %s\n' "$(cat "$rec.txt")"
		total=$((total + $(grep -c . "$rec")))
		bad=$((bad + $(awk -F'\t' '$3 != "fail"' "$rec.txt" | grep -c .)))
		awk -F'\t' -v t="$name" '$3 != "fail" {print "M\t  teeth: " $1 " on " t " did not fail (" $3 ")"}' "$rec.txt"
		clauses="$clauses $(awk -F'\t' '$3 == "fail" {print $2}' "$rec.txt" | sort -u | tr '\n' ' ')"
	done
	printf 'T\t  %-15s %-50s %3d/%-3d %s\n' "$name" "$shown" $((total - bad)) "$total" \
		"$(echo $clauses | tr ' ' '\n' | sort -u | tr '\n' ' ')"
	printf '%d\tteeth: %d of %d cases fail on %s with %s (%s)\n' $((bad > 0 || total == 0)) \
		$((total - bad)) "$total" "$name" "$shown" "$pats"
}

# All lines of one target, side by side (MTFORK_BINARY_JOBS at a time: their
# cases are mostly proofs, which wait), each into a file of its own; printed
# in the order of expect/teeth.
teeth_target() { # NAME
	local name=$1 line_target rest n=0 pids=() outs=() f
	while read -r line_target rest; do
		n=$((n + 1))
		case $line_target in '' | '#'*) continue ;; esac
		[ "$line_target" = "$name" ] || [ "$line_target" = '*' ] || continue
		while [ "$(jobs -rp | wc -l)" -ge "$binary_jobs" ]; do wait -n 2>/dev/null || true; done
		f=$build/teeth/.line-$n-$name
		teeth_line "$n" "$name" "$rest" >"$f" 2>&1 &
		pids+=($!) outs+=("$f")
	done <"$expectdir/teeth"
	[ ${#pids[@]} = 0 ] || wait "${pids[@]}"
	for f in "${outs[@]}"; do
		cat "$f"
		rm -f "$f"
	done
}

# Run every target's lines (the targets side by side, like the main run);
# cmd_check starts this in the background and judges it with teeth.
teeth_run() {
	local name i=0 pids=()
	mkdir -p "$build/teeth"
	rm -f "$build"/teeth/*.jsonl "$build"/teeth/*.jsonl.txt "$build"/teeth/.out-*
	tool report >/dev/null || exit 2 # teeth_line reads the records with it
	for name in $ran_targets; do
		[ -d "$build/$name/tests" ] || continue
		grep -qx 'available	yes' "$report/$name/target.tsv" 2>/dev/null || continue
		i=$((i + 1))
		teeth_target "$name" >"$build/teeth/.out-$i" 2>&1 &
		pids+=($!)
	done
	[ ${#pids[@]} = 0 ] || wait "${pids[@]}"
}

teeth() {
	local st msg any=0 took
	teeth_table=$report/teeth.txt
	bg_wait teeth
	took=$step_took step_took=
	printf 'teeth: violation -> cases that must then fail (failed/selected, clauses)\n' >"$teeth_table"
	for f in "$build"/teeth/.out-*; do
		[ -f "$f" ] || continue
		while IFS=$'\t' read -r st msg; do
			case $st in
			T) say "$msg" >>"$teeth_table" ;;
			M) say "$msg" ;;
			*)
				any=1
				step "$msg" test "$st" = 0
				;;
			esac
		done <"$f"
		rm -f "$f"
	done
	[ $any = 1 ] || fail_step "teeth: no violation ran on any target (expect/teeth has no line for: $ran_targets)"
	cat "$teeth_table"
	say "teeth ran${took}"
	must_teeth
}

# MUST cases that fail nowhere: neither on a target in the main run nor
# under a violation. Each must be waived in expect/no-teeth with a reason;
# a waiver for a case that has teeth is stale and fails too.
must_teeth() {
	local out=$report/no-teeth.txt full=1
	[ -z "$sel_target$sel_cases" ] || full=0
	"$build/tools/report" --fields case,verdict "$report"/*/*.jsonl "$build"/teeth/*.jsonl 2>/dev/null |
		awk -F'\t' '$2 == "fail" {print $1}' | sort -u >"$build/teeth/failed.txt"
	awk -F'\t' '$3 == "MUST" {print $1}' "$build/cases.tsv" | sort -u >"$build/teeth/must.txt"
	comm -23 "$build/teeth/must.txt" "$build/teeth/failed.txt" >"$out"
	local none waived stale unwaived
	none=$(grep -c . "$out")
	awk '!/^#/ && NF {print $1}' "$expectdir/no-teeth" | sort -u >"$build/teeth/waived.txt"
	unwaived=$(comm -23 "$out" "$build/teeth/waived.txt")
	stale=$(comm -13 "$out" "$build/teeth/waived.txt")
	waived=$(comm -12 "$out" "$build/teeth/waived.txt" | grep -c .)
	say "teeth coverage: $(($(grep -c . "$build/teeth/must.txt") - none)) of $(grep -c . "$build/teeth/must.txt") MUST cases fail on some target or violation; $waived waived in expect/no-teeth"
	if [ $full = 0 ]; then
		say "  (not judged: a run of selected targets or cases cannot show every case's teeth)"
		return 0
	fi
	step "every MUST case has teeth or a waiver with its reason (expect/no-teeth)" \
		eval '[ -z "$unwaived$stale" ] || { printf "  no teeth, no waiver: %s\n" $unwaived; printf "  waived but has teeth (remove the line): %s\n" $stale; false; }'
}
