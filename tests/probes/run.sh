#!/bin/sh
# SPDX-License-Identifier: MIT
# One build-time probe: does the target's compiler compile and link
# tests/probes/NAME.c with the suite's flags? Writes OUT/probes/NAME.have:
# "#define HAVE_NAME 1" (plus "#define HAVE_NAME_LIBS" lines naming the
# library it needed) or "#define HAVE_NAME 0", and OUT/probes/NAME.mk for
# make (HAVE_NAME := 1|0, MT_LIBS += the library found).
#
# A probe's first lines may say
#   /* libs: -lcompat -ldl */     libraries to try, in turn, when libc alone
#                                 does not link it (autoconf's AC_SEARCH_LIBS)
#   /* flags: -fPIC -shared */    extra flags (a probe of a capability such as
#                                 building shared libraries)
# Why link and not only compile: a minimal libc's compiler may fall back to
# the host's headers (dietlibc finds glibc's <spawn.h>), which declare what
# the libc does not have.
#
# MTFORK_PROBE_OFF='name...' reports those interfaces missing whatever the
# compiler says: how the suite's own tests see a libc without them
# (tools/testdata/probes/run.sh).
#
#   sh tests/probes/run.sh CC CFLAGS LDFLAGS SRC OUT
set -u
cc=$1 cflags=$2 ldflags=$3 src=$4 out=$5
name=$(basename "$src" .c)
macro=HAVE_$(printf '%s' "$name" | tr 'a-z-' 'A-Z_')
dir=$out/probes
mkdir -p "$dir"
libs=$(sed -n '1,8s|^/\* libs: \(.*\) \*/$|\1|p' "$src")
flags=$(sed -n '1,8s|^/\* flags: \(.*\) \*/$|\1|p' "$src")
log=$dir/$name.log
: >"$log"
case " ${MTFORK_PROBE_OFF:-} " in
*" $name "*)
	printf '#define %s 0 /* switched off by MTFORK_PROBE_OFF */\n' "$macro" >"$dir/$name.have"
	printf '%s := 0\n' "$macro" >"$dir/$name.mk"
	exit 0
	;;
esac
for lib in "" $libs; do
	# shellcheck disable=SC2086
	if $cc $cflags $flags -I"$out" -o "$dir/$name.bin" "$src" $ldflags $lib >>"$log" 2>&1; then
		rm -f "$dir/$name.bin"
		printf '#define %s 1\n' "$macro" >"$dir/$name.have"
		printf '%s := 1\n' "$macro" >"$dir/$name.mk"
		[ -z "$lib" ] || printf 'MT_LIBS += %s\n' "$lib" >>"$dir/$name.mk"
		exit 0
	fi
done
rm -f "$dir/$name.bin"
printf '#define %s 0 /* %s did not build: %s */\n' "$macro" "$src" "$log" >"$dir/$name.have"
printf '%s := 0\n' "$macro" >"$dir/$name.mk"
