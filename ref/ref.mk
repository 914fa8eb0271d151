# SPDX-License-Identifier: MIT
# ref/ref.mk - libforklock: the protocol core and the glibc adapter.
# Included by the top-level Makefile; run from the top of the tree.  Every
# variable is prefixed REF_ so the fragment cannot clash with its includer.
#
# Targets: ref, ref-check, install, uninstall, bench-forklock, ref-clean.

REF_SRC := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
REF_BUILD ?= build/ref
REF_BENCH_BUILD ?= build/bench
REF_CC ?= cc
REF_AR ?= ar
REF_ASCIIDOCTOR ?= asciidoctor
REF_VERSION := 0.1.0

# No -fexceptions: cancellation is handled with pthread_cleanup_push (gated.h),
# so the library needs no unwinder (no libgcc_s.so.1).  Fewer mappings:
# -z noseparate-code puts headers, code and read-only data in one segment.
REF_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -fPIC -fvisibility=hidden
REF_LDFLAGS := -Wl,-z,now -Wl,-z,noseparate-code

REF_CORE_SRCS := $(wildcard $(REF_SRC)/core/*.c)
REF_GLIBC_SRCS := $(wildcard $(REF_SRC)/glibc/*.c)
REF_HEADERS := $(wildcard $(REF_SRC)/*.h $(REF_SRC)/core/*.h $(REF_SRC)/glibc/*.h)
REF_CORE_OBJS := $(patsubst $(REF_SRC)/core/%.c,$(REF_BUILD)/obj/core/%.o,$(REF_CORE_SRCS))
REF_GLIBC_OBJS := $(patsubst $(REF_SRC)/glibc/%.c,$(REF_BUILD)/obj/glibc/%.o,$(REF_GLIBC_SRCS))
REF_SO := $(REF_BUILD)/libforklock.so
REF_LIB := $(REF_BUILD)/libforklock.a

REF_TEST_SRCS := $(wildcard $(REF_SRC)/tests/*.c)
REF_TEST_BINS := $(patsubst $(REF_SRC)/tests/%.c,$(REF_BUILD)/tests/%,$(REF_TEST_SRCS))

PREFIX ?= /usr/local
REF_LIBDIR = $(PREFIX)/lib
REF_INCLUDEDIR = $(PREFIX)/include
REF_PCDIR = $(REF_LIBDIR)/pkgconfig
REF_MANDIR = $(PREFIX)/share/man/man7

.PHONY: ref ref-check install uninstall bench-forklock ref-clean ref-force

ref: $(REF_SO) $(REF_LIB)

$(REF_BUILD)/obj/core/%.o: $(REF_SRC)/core/%.c $(REF_HEADERS)
	@mkdir -p $(@D)
	$(REF_CC) $(REF_CFLAGS) -c $< -o $@

$(REF_BUILD)/obj/glibc/%.o: $(REF_SRC)/glibc/%.c $(REF_HEADERS)
	@mkdir -p $(@D)
	$(REF_CC) $(REF_CFLAGS) -c $< -o $@

# SONAME libforklock.so.0: programs linked with -lforklock keep working
# across compatible updates; the ABI is forklock.h.
$(REF_SO): $(REF_CORE_OBJS) $(REF_GLIBC_OBJS)
	$(REF_CC) -shared $(REF_LDFLAGS) -Wl,-soname,libforklock.so.0 -o $@ $^

$(REF_LIB): $(REF_CORE_OBJS) $(REF_GLIBC_OBJS)
	@rm -f $@
	$(REF_AR) rcs $@ $^

# Unit tests link the core objects only (they call the hooks themselves);
# tests of the adapter load $(REF_SO), whose path they get as argv[1].
$(REF_BUILD)/tests/%: $(REF_SRC)/tests/%.c $(REF_SRC)/tests/tap.h tools/tap.h $(REF_CORE_OBJS) $(REF_HEADERS)
	@mkdir -p $(@D)
	$(REF_CC) -std=gnu11 -Wall -Wextra -Werror -O2 -Wl,-z,now -o $@ $< $(REF_CORE_OBJS) -pthread

ref-check: $(REF_SO) $(REF_TEST_BINS)
	@sh $(REF_SRC)/tests/run-tap.sh $(REF_SO) $(REF_TEST_BINS)

$(REF_BUILD)/forklock.7: $(REF_SRC)/forklock.7.adoc
	@mkdir -p $(@D)
	$(REF_ASCIIDOCTOR) -b manpage -a revnumber=$(REF_VERSION) -o $@ $<

# Regenerated every time: it records PREFIX.
$(REF_BUILD)/forklock.pc: ref-force
	@mkdir -p $(@D)
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(REF_LIBDIR)' 'includedir=$(REF_INCLUDEDIR)' '' \
	  'Name: forklock' \
	  'Description: fork-lock protocol for the MT-forked child (glibc adapter)' \
	  'Version: $(REF_VERSION)' 'Libs: -L$${libdir} -lforklock' 'Cflags: -I$${includedir}' > $@

# The man page needs asciidoctor; without it everything else is installed
# and one line says the page was skipped.
install: $(REF_SO) $(REF_LIB) $(REF_BUILD)/forklock.pc
	install -d $(DESTDIR)$(REF_LIBDIR) $(DESTDIR)$(REF_INCLUDEDIR) $(DESTDIR)$(REF_PCDIR)
	install -m 755 $(REF_SO) $(DESTDIR)$(REF_LIBDIR)/libforklock.so.$(REF_VERSION)
	ln -sf libforklock.so.$(REF_VERSION) $(DESTDIR)$(REF_LIBDIR)/libforklock.so.0
	ln -sf libforklock.so.0 $(DESTDIR)$(REF_LIBDIR)/libforklock.so
	install -m 644 $(REF_LIB) $(DESTDIR)$(REF_LIBDIR)/libforklock.a
	install -m 644 $(REF_SRC)/forklock.h $(DESTDIR)$(REF_INCLUDEDIR)/forklock.h
	install -m 644 $(REF_BUILD)/forklock.pc $(DESTDIR)$(REF_PCDIR)/forklock.pc
	@if command -v $(REF_ASCIIDOCTOR) >/dev/null 2>&1; then \
	  set -x; $(MAKE) --no-print-directory $(REF_BUILD)/forklock.7 && \
	  install -d $(DESTDIR)$(REF_MANDIR) && \
	  install -m 644 $(REF_BUILD)/forklock.7 $(DESTDIR)$(REF_MANDIR)/forklock.7; \
	else \
	  echo "install: forklock(7) skipped: $(REF_ASCIIDOCTOR) not found (the page is $(REF_SRC)/forklock.7.adoc)"; \
	fi

uninstall:
	rm -f $(DESTDIR)$(REF_LIBDIR)/libforklock.so $(DESTDIR)$(REF_LIBDIR)/libforklock.so.0 \
	  $(DESTDIR)$(REF_LIBDIR)/libforklock.so.$(REF_VERSION) $(DESTDIR)$(REF_LIBDIR)/libforklock.a \
	  $(DESTDIR)$(REF_INCLUDEDIR)/forklock.h \
	  $(DESTDIR)$(REF_PCDIR)/forklock.pc $(DESTDIR)$(REF_MANDIR)/forklock.7

ref-force:

ref-clean:
	rm -rf $(REF_BUILD) $(REF_BENCH_BUILD)

-include $(REF_SRC)/../bench/bench.mk

# Unit tests of the adapter's pure parts include the sources they test; the
# dependency test also needs fixture libraries: libfl_top -> libfl_mid ->
# libfl_base (DT_RUNPATH $ORIGIN), libfl_other alone.
REF_FIXTURES := $(REF_BUILD)/tests/fixtures
REF_FIXTURE_LIBS := $(addprefix $(REF_FIXTURES)/libfl_,base.so mid.so top.so other.so)

$(REF_FIXTURES)/libfl_%.so: $(REF_SRC)/tests/fixtures/lib.c
	@mkdir -p $(@D)
	$(REF_CC) -shared -fPIC -O2 -Wall -Wextra -Werror -o $@ $< -DFL_NAME=fl_$* \
	  -Wl,-soname,libfl_$*.so -Wl,--enable-new-dtags,-rpath,'$$ORIGIN' -L$(@D) \
	  $(if $(filter mid,$*),-DFL_CALLS=fl_base -lfl_base) \
	  $(if $(filter top,$*),-DFL_CALLS=fl_mid -lfl_mid)

$(REF_FIXTURES)/libfl_mid.so: $(REF_FIXTURES)/libfl_base.so
$(REF_FIXTURES)/libfl_top.so: $(REF_FIXTURES)/libfl_mid.so
$(REF_BUILD)/tests/dep_check: $(REF_SRC)/glibc/elfdyn.c $(REF_SRC)/glibc/dldeps.c $(REF_FIXTURE_LIBS)
$(REF_BUILD)/tests/phdr_snapshot: $(REF_SRC)/glibc/phdr_snapshot.c

# The soak (ref/soak/): worker threads load and unload a small library and
# call gated functions while the main thread forks; every child does the
# same once.  soak-check: a few seconds, fails on any crash, loader
# assertion or hang.  soak: the full run (>= 10,000 forks, 8 threads).
REF_SOAK := $(REF_BUILD)/soak/soak
REF_SOAK_LIB := $(REF_BUILD)/soak/libsoak.so
REF_SOAK_RUN = LD_PRELOAD=$(abspath $(REF_SO)) $(REF_SOAK) $(abspath $(REF_SOAK_LIB))

$(REF_SOAK): $(REF_SRC)/soak/soak.c
	@mkdir -p $(@D)
	$(REF_CC) -std=gnu11 -Wall -Wextra -Werror -O2 -o $@ $< -pthread -ldl

$(REF_SOAK_LIB): $(REF_SRC)/soak/soaklib.c
	@mkdir -p $(@D)
	$(REF_CC) -shared -fPIC -O2 -Wall -Wextra -Werror -o $@ $<

.PHONY: soak soak-check
soak-check: $(REF_SO) $(REF_SOAK) $(REF_SOAK_LIB)
	$(REF_SOAK_RUN) --seconds 4 --forks 1000000 --threads 8 --bound-ms 2000

soak: $(REF_SO) $(REF_SOAK) $(REF_SOAK_LIB)
	$(REF_SOAK_RUN) --forks 10000 --seconds 1800 --threads 8 --bound-ms 2000

# The protection names FORKLOCK_DISABLE accepts, one per line (besides
# "all"), printed from the adapter's own table (glibc/protections.h).
.PHONY: ref-protections
$(REF_BUILD)/protections: $(REF_SRC)/protections.c $(REF_SRC)/glibc/protections.h
	@mkdir -p $(@D)
	@$(REF_CC) -std=gnu11 -Wall -Wextra -Werror -O2 -o $@ $<

ref-protections: $(REF_BUILD)/protections
	@$(REF_BUILD)/protections
