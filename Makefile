# SPDX-License-Identifier: MIT
# mtfork — conformance suite for the child of a multithreaded fork().
#
#   make report   build and run every available target; print the matrix and
#                 write build/report/ (results.json, junit.xml, TAP per target)
#   make check    the gate: the suite through Automake's tap-driver against
#                 expect/, self-tests, report tests, prove, traceability, teeth,
#                 the gate's own teeth, libforklock's tests, the spec; ends with
#                 "check: N passed, N failed"
#   make recheck  rerun only the test binaries that did not pass last time
#   make expect   update expect/ from the last run (new failures get a
#                 placeholder reason that make check refuses until written)
#   make matrix   the suite in Debian roots (bookworm trixie sid, SUITES=) and
#                 on the host, merged into build/matrix/report/
#   make verify   N=5 [TARGET=]: rerun the last run's stochastically decided
#                 cases N times and report those whose verdict flips
#   make spec     render the specification to build/spec/index.html
#   make bench    benchmarks of the reference library (build/bench/forklock.json)
#   make bench-suite  the suite's speed, proof latency and verdict stability
#                 (RUNS=3 runs per target, MODES=parallel,serial,loaded, LOAD=2,
#                 TOGETHER=1; build/bench/suite.json, suite-stability.txt)
#   make why      F=localtime: the clauses, levels and verdicts of one function
#   make diff     A=old/report [B=build/report]: fixed, regressed, new and removed
#                 cases (Markdown in build/diff.md; exit 1 on a regression)
#   make audit    ARGS='-- PROGRAM ARGS': which calls the program's MT-forked
#                 children make, and their verdicts (tools/audit)
#   make install  install libforklock (PREFIX=/usr/local, DESTDIR=); make uninstall
#   make clean    remove build/
#
# Another libc: make report TARGET=name CC=/path/to/its/cc
# One built-in target: make report TARGET=musl
# Some cases only: make report CASES='RANDOM-1 TIME-*' 

TARGET ?=
# A file of more targets (NAME CC [LIBC_VERSION=libc-version] [VAR=value...]).
TARGETS ?=
# The libc and version of the selected target, e.g. glibc-2.43.9000.
LIBC_VERSION ?=
# Where everything is built (several checkouts or agents: one each).
BUILD ?= build
ifeq ($(origin CC),command line)
MTFORK_CC := $(CC)
endif
# Only these cases (IDs, clause IDs or PREFIX*, space-separated).
CASES ?=
MTFORK_ENV = MTFORK_TARGET='$(TARGET)' MTFORK_CC='$(MTFORK_CC)' MTFORK_BUILD='$(BUILD)' \
	MTFORK_TARGETS='$(TARGETS)' MTFORK_LIBC_VERSION='$(LIBC_VERSION)' \
	MTFORK_CASES='$(CASES)'

.PHONY: all report check recheck expect matrix verify cases clean bench bench-suite
all: report

report:
	@$(MTFORK_ENV) tools/mtfork report

check:
	@$(MTFORK_ENV) tools/mtfork check

recheck:
	@$(MTFORK_ENV) tools/mtfork recheck

# Update expect/ (or MTFORK_EXPECT) from the last run's results (RESULTS=file).
RESULTS ?=
expect:
	@$(MTFORK_ENV) MTFORK_RESULTS='$(RESULTS)' tools/mtfork expect

# The suite in Debian roots (SUITES='bookworm trixie sid') and on the host.
SUITES ?=
matrix:
	@$(MTFORK_ENV) tools/mtfork matrix $(SUITES)

# Rerun the stochastically decided cases of the last run N times (tools/verify).
N ?= 5
verify:
	@$(MTFORK_ENV) MTFORK_RUNS='$(N)' tools/mtfork verify

$(BUILD)/cases.tsv cases:
	@$(MTFORK_ENV) tools/mtfork cases

clean:
	rm -rf $(BUILD)

bench: bench-forklock

# The suite's own speed and verdict stability (RUNS=3 runs per target;
# MODES=parallel,serial,loaded interleaved; LOAD=2 spinning processes in the
# loaded mode; TOGETHER=1: all targets in one report per run).
RUNS ?= 3
MODES ?= parallel
LOAD ?= 2
TOGETHER ?=
bench-suite:
	@MTFORK_BUILD='$(BUILD)' tools/bench-suite --runs '$(RUNS)' --modes '$(MODES)' --load '$(LOAD)' \
		$(if $(TOGETHER),--together)

REF_BUILD = $(BUILD)/ref
REF_BENCH_BUILD = $(BUILD)/bench
include ref/ref.mk

# What the spec and the last results say about one function: make why F=localtime
F ?=
.PHONY: why
why:
	@if [ -z '$(F)' ]; then echo "make why: name the function: make why F=localtime" >&2; exit 2; fi
	@MTFORK_BUILD='$(BUILD)' tools/mtfork why '$(F)'

# Compare two runs: make diff A=old-report-dir-or-results.json [B=build/report] [MD=build/diff.md]
A ?=
B ?= $(BUILD)/report
MD ?= $(BUILD)/diff.md
.PHONY: diff
diff:
	@if [ -z '$(A)' ]; then echo "make diff: name the earlier run: make diff A=DIR-or-results.json (B defaults to $(BUILD)/report)" >&2; exit 2; fi
	@ruby tools/diff-results --markdown '$(MD)' '$(A)' '$(B)'

include audit/audit.mk

SPEC_BUILD = $(BUILD)/spec
SPEC_RESULTS = $(BUILD)/report/results.json
SPEC_CASES = $(BUILD)/cases.tsv
include spec/spec.mk
