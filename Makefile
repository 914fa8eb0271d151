# mtfork — conformance suite for the child of a multithreaded fork().
#
#   make report   build and run every available target; print the matrix and
#                 write build/report/ (results.json, junit.xml, TAP per target)
#   make check    the tests (harness self-tests, suite vs expect/, prove,
#                 traceability, teeth); ends with "check: N passed, N failed"
#   make spec     render the specification to build/spec/index.html
#   make bench    benchmarks of the reference library (build/bench/forklock.json)
#   make install  install libforklock (PREFIX=/usr/local, DESTDIR=); make uninstall
#   make clean    remove build/
#
# Another libc: make report TARGET=name CC=/path/to/its/cc
# One built-in target: make report TARGET=musl

TARGET ?=
# Where everything is built (several checkouts or agents: one each).
BUILD ?= build
ifeq ($(origin CC),command line)
MTFORK_CC := $(CC)
endif
MTFORK_ENV = MTFORK_TARGET='$(TARGET)' MTFORK_CC='$(MTFORK_CC)' MTFORK_BUILD='$(BUILD)'

.PHONY: all report check cases clean bench
all: report

report:
	@$(MTFORK_ENV) tools/mtfork report

check:
	@$(MTFORK_ENV) tools/mtfork check

$(BUILD)/cases.tsv cases:
	@$(MTFORK_ENV) tools/mtfork cases

clean:
	rm -rf $(BUILD)

bench: bench-forklock

REF_BUILD = $(BUILD)/ref
REF_BENCH_BUILD = $(BUILD)/bench
include ref/ref.mk

SPEC_BUILD = $(BUILD)/spec
SPEC_RESULTS = $(BUILD)/report/results.json
SPEC_CASES = $(BUILD)/cases.tsv
include spec/spec.mk
