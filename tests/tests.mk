# SPDX-License-Identifier: MIT
# Build the suite for one target, out of tree:
#   make -f tests/tests.mk OUT=build/glibc TCC=cc
# One binary per subsystem (tests/*.c -> $(OUT)/tests/*.t), the harness
# self-test ($(OUT)/self/selftest.t), all linked with the harness library,
# and the fixture libraries the loader tests dlopen
# (tests/fixtures/NAME.c -> $(OUT)/fixtures/libmtf_NAME.so), which the tests
# find relative to their own binary (../fixtures/), and the violator
# (tests/violators/break_in_child.c -> $(OUT)/violators/libmtf_break.so), which
# the teeth runs preload to make this target violate clauses (expect/teeth).
# -z now: no lazy binding, so the dynamic linker never runs inside a holder.
# -rdynamic: fixture constructors call the binary's holder_park().

TCC ?= cc
OUT ?= build/default
MT_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -O2 -g -pthread
MT_LDFLAGS = -pthread -Wl,-z,now -rdynamic

MT_LIB_SRC := $(wildcard tests/lib/*.c)
MT_LIB_HDR := $(wildcard tests/lib/*.h)
MT_LIB_OBJ := $(patsubst tests/lib/%.c,$(OUT)/lib/%.o,$(MT_LIB_SRC))
MT_TESTS := $(patsubst tests/%.c,$(OUT)/tests/%.t,$(wildcard tests/*.c))
MT_FIXTURES := $(patsubst tests/fixtures/%.c,$(OUT)/fixtures/libmtf_%.so,$(wildcard tests/fixtures/*.c))

# Fixtures: position-independent, bound at load time except libmtf_lazy.so
# (lazy PLT slots whose first use is in the child), no builtins (every
# string function is a real call).
FX_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -O2 -fPIC -shared -fno-builtin
FX_BIND_lazy = -Wl,-z,lazy
FX_LIBS_dep = -L$(OUT)/fixtures -lmtf_ctor -Wl,-rpath,'$$ORIGIN'
FX_BIND = $(or $(FX_BIND_$*),-Wl$(comma)-z$(comma)now)
comma := ,

# The C++ cases (tests/NAME.cc, their list in tests/NAME.cases): built with
# the target's C++ compiler, TCXX, by default the one beside TCC (cc -> c++,
# *gcc -> *g++, *clang -> *clang++) when it exists. Without one (musl-gcc:
# Debian has no musl g++) tests/cxx/stub.c is built from the same list, and
# every C++ case is a skip naming why (TCXX=none forces that).
MT_CXX_GUESS := $(if $(filter cc,$(notdir $(TCC))),$(patsubst %cc,%c++,$(TCC)),$(patsubst %gcc,%g++,$(patsubst %clang,%clang++,$(TCC))))
TCXX ?= $(if $(filter-out $(TCC),$(MT_CXX_GUESS)),$(shell command -v $(MT_CXX_GUESS) 2>/dev/null))
MT_CXX_TCXX := $(filter-out none,$(TCXX))
MT_CXXFLAGS = -std=gnu++17 -Wall -Wextra -Werror -O2 -g -pthread
MT_CXX_TESTS := $(patsubst tests/%.cc,$(OUT)/tests/%.t,$(wildcard tests/*.cc))
MT_CXX_WHY = no C++ compiler for this target ($(if $(filter none,$(TCXX)),TCXX=none,$(MT_CXX_GUESS) not found; TCXX= names one)): the C++ cases are not built

all: $(MT_TESTS) $(MT_CXX_TESTS) $(OUT)/self/selftest.t $(OUT)/libc-version $(MT_FIXTURES) \
    $(OUT)/violators/libmtf_break.so prune

# The driver runs every binary in $(OUT)/tests: one whose source was renamed
# or removed would still run (and duplicate or resurrect cases), so drop it.
prune:
	@rm -f $(filter-out $(MT_TESTS) $(MT_CXX_TESTS),$(wildcard $(OUT)/tests/*.t))

$(OUT)/lib/%.o: tests/lib/%.c $(MT_LIB_HDR)
	@mkdir -p $(@D)
	$(TCC) $(MT_CFLAGS) -c -o $@ $<

$(OUT)/tests/%.t: tests/%.c $(MT_LIB_OBJ) $(MT_LIB_HDR)
	@mkdir -p $(@D)
	$(TCC) $(MT_CFLAGS) -o $@ $< $(MT_LIB_OBJ) $(MT_LDFLAGS)

ifneq ($(MT_CXX_TCXX),)
$(OUT)/tests/%.t: tests/%.cc tests/%.cases $(MT_LIB_OBJ) $(MT_LIB_HDR)
	@mkdir -p $(@D)
	$(MT_CXX_TCXX) $(MT_CXXFLAGS) -o $@ $< $(MT_LIB_OBJ) $(MT_LDFLAGS)
else
$(OUT)/tests/%.t: tests/%.cases tests/cxx/stub.c $(MT_LIB_OBJ) $(MT_LIB_HDR)
	@mkdir -p $(@D)
	$(TCC) $(MT_CFLAGS) -DCXX_CASES='"../$*.cases"' -DCXX_WHY='"$(MT_CXX_WHY)"' \
	    -o $@ tests/cxx/stub.c $(MT_LIB_OBJ) $(MT_LDFLAGS)
endif

$(OUT)/self/selftest.t: tests/self/selftest.c $(MT_LIB_OBJ) $(MT_LIB_HDR)
	@mkdir -p $(@D)
	$(TCC) $(MT_CFLAGS) -o $@ $< $(MT_LIB_OBJ) $(MT_LDFLAGS)

$(OUT)/libc-version: tools/libc-version.c
	@mkdir -p $(@D)
	$(TCC) $(MT_CFLAGS) -o $@ $<

$(OUT)/fixtures/libmtf_%.so: tests/fixtures/%.c $(MT_LIB_HDR)
	@mkdir -p $(@D)
	$(TCC) $(FX_CFLAGS) -Wl,-soname,libmtf_$*.so $(FX_BIND) -o $@ $< $(FX_LIBS_$*)

$(OUT)/fixtures/libmtf_dep.so: $(OUT)/fixtures/libmtf_ctor.so

# The violator: an LD_PRELOAD library, position-independent, libc only.
VL_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -O2 -g -pthread -fPIC -shared

$(OUT)/violators/libmtf_break.so: tests/violators/break_in_child.c
	@mkdir -p $(@D)
	$(TCC) $(VL_CFLAGS) -o $@ $<

.PHONY: all prune
