# Build the suite for one target, out of tree:
#   make -f tests/tests.mk OUT=build/glibc TCC=cc
# One binary per subsystem (tests/*.c -> $(OUT)/tests/*.t), the harness
# self-test ($(OUT)/self/selftest.t), all linked with the harness library.
# -z now: no lazy binding, so the dynamic linker never runs inside a holder.

TCC ?= cc
OUT ?= build/default
MT_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -O2 -g -pthread
MT_LDFLAGS = -pthread -Wl,-z,now

MT_LIB_SRC := $(wildcard tests/lib/*.c)
MT_LIB_HDR := $(wildcard tests/lib/*.h)
MT_LIB_OBJ := $(patsubst tests/lib/%.c,$(OUT)/lib/%.o,$(MT_LIB_SRC))
MT_TESTS := $(patsubst tests/%.c,$(OUT)/tests/%.t,$(wildcard tests/*.c))

all: $(MT_TESTS) $(OUT)/self/selftest.t $(OUT)/libc-version

$(OUT)/lib/%.o: tests/lib/%.c $(MT_LIB_HDR)
	@mkdir -p $(@D)
	$(TCC) $(MT_CFLAGS) -c -o $@ $<

$(OUT)/tests/%.t: tests/%.c $(MT_LIB_OBJ) $(MT_LIB_HDR)
	@mkdir -p $(@D)
	$(TCC) $(MT_CFLAGS) -o $@ $< $(MT_LIB_OBJ) $(MT_LDFLAGS)

$(OUT)/self/selftest.t: tests/self/selftest.c $(MT_LIB_OBJ) $(MT_LIB_HDR)
	@mkdir -p $(@D)
	$(TCC) $(MT_CFLAGS) -o $@ $< $(MT_LIB_OBJ) $(MT_LDFLAGS)

$(OUT)/libc-version: tools/libc-version.c
	@mkdir -p $(@D)
	$(TCC) $(MT_CFLAGS) -o $@ $<

.PHONY: all
