# SPDX-License-Identifier: MIT
# clauses.h from tools/clauses' output: for each clause ID (e.g. DLOPEN-CTOR-1)
# MTC_DLOPEN_CTOR_1 is its ID as a string and MTL_DLOPEN_CTOR_1 its level, for
# CASE() in tests/harness/mtfork.h. A case naming a clause the specification does
# not define then fails to compile.
BEGIN {
	FS = "\t"
	print "/* Generated from spec/ by tools/clauses and tools/clauses-h.awk: do not edit. */"
	print "#ifndef MTFORK_CLAUSES_H"
	print "#define MTFORK_CLAUSES_H"
}
/^#!/ { print "clauses-h: " substr($0, 4) > "/dev/stderr"; bad = 1; next }
/^#/ { next }
$2 !~ /^(MUST|SHOULD|MAY)$/ { print "clauses-h: line " NR ": no level for " $1 > "/dev/stderr"; bad = 1; next }
{
	name = $1
	gsub(/-/, "_", name)
	printf "#define MTC_%s \"%s\"\n#define MTL_%s %s\n", name, $1, name, $2
	n++
}
END {
	print "#endif"
	if (!n) { print "clauses-h: no clauses read" > "/dev/stderr"; bad = 1 }
	exit bad
}
