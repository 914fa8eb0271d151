# SPDX-License-Identifier: MIT
# audit/audit.mk - the audit library of `tools/audit`, built per target, and
# the `make audit` wrapper. Include it from the top Makefile:
#
#   include audit/audit.mk
#
#   make audit-lib [TARGET=glibc|musl]   build $(BUILD)/<target>/audit/libmtaudit.so
#   make audit TARGET=glibc ARGS='-- python3 script.py'
#                                        run tools/audit with those arguments
#   make audit-check                     completeness and real-program tests
#
# Variables: BUILD (default build), TARGET (default glibc). The interception
# list is generated from spec/functions.tsv (audit/gen-wrappers.rb).

BUILD ?= build
AUDIT_TARGET = $(if $(TARGET),$(TARGET),glibc)
AUDIT_DIR = $(BUILD)/$(AUDIT_TARGET)/audit
AUDIT_CC_glibc = cc
AUDIT_CC_glibc+forklock = cc
AUDIT_CC_musl = musl-gcc
AUDIT_CC = $(or $(AUDIT_CC_$(AUDIT_TARGET)),$(if $(filter command line,$(origin CC)),$(CC),cc))
# The target's libc shared object: its exports decide what is intercepted.
AUDIT_LIBC = $(if $(findstring musl,$(AUDIT_CC)),$(firstword $(wildcard /lib/ld-musl-*.so.1)),$(shell $(AUDIT_CC) -print-file-name=libc.so.6))
AUDIT_CFLAGS = -std=gnu11 -O2 -fPIC -Wall -Wextra -Werror -fno-builtin \
	-fno-stack-protector -fno-tree-loop-distribute-patterns -fvisibility=hidden

.PHONY: audit audit-lib audit-check
audit-lib: $(AUDIT_DIR)/libmtaudit.so

$(AUDIT_DIR)/names.h: spec/functions.tsv audit/gen-wrappers.rb tools/funcindex.rb
	@mkdir -p $(AUDIT_DIR)
	@ruby audit/gen-wrappers.rb spec/functions.tsv '$(AUDIT_LIBC)' $(AUDIT_DIR) >/dev/null

$(AUDIT_DIR)/libmtaudit.so: audit/libmtaudit.c audit/mtaudit.h $(AUDIT_DIR)/names.h
	$(AUDIT_CC) $(AUDIT_CFLAGS) -I$(AUDIT_DIR) -Iaudit -shared -Wl,-z,now \
		-o $@ audit/libmtaudit.c $(AUDIT_DIR)/wrappers.S -ldl

audit:
	@tools/audit --target $(AUDIT_TARGET) --build $(BUILD) $(ARGS)

audit-check:
	@BUILD=$(BUILD) ruby tools/testdata/audit/run.rb

# make audit-bench: the cost of the audit library (ns per intercepted call in
# a parent, fork()+waitpid latency), plain glibc vs under tools/audit.
AUDIT_BENCH = $(BUILD)/glibc/audit/bench
.PHONY: audit-bench
$(AUDIT_BENCH): audit/bench.c
	@mkdir -p $(dir $@)
	cc -O2 -fno-builtin -pthread -o $@ audit/bench.c
audit-bench: $(AUDIT_BENCH)
	@$(MAKE) -s -f audit/audit.mk audit-lib TARGET=glibc BUILD=$(BUILD)
	@$(AUDIT_BENCH) > $(BUILD)/glibc/audit/bench-plain.txt
	@tools/audit --build $(BUILD) -o /dev/null -- $(AUDIT_BENCH) > $(BUILD)/glibc/audit/bench-audit.txt
	@echo "benchmark            plain    audited"
	@join $(BUILD)/glibc/audit/bench-plain.txt $(BUILD)/glibc/audit/bench-audit.txt | \
		awk '{ printf "%-18s %8s %10s  (%+.2f)\n", $$1, $$2, $$3, $$3 - $$2 }'
