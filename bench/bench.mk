# SPDX-License-Identifier: MIT
# bench/bench.mk - libforklock benchmarks (included by ref/ref.mk).
# bench-forklock: gated-call cost, two-thread throughput and fork latency for
# glibc, glibc with an empty library preloaded (the baseline), with the
# adapter preloaded and with it linked in; in sets of four worker processes
# taking turns, the median of the sets' changes with its 95 % interval
# against each goal; table on stdout, JSON (with the machine: CPU, load,
# kernel, libc) in build/bench/forklock.json.
# FORKLOCK_BENCH_SCALE=x for x times the sets (0.1 to 5, default 1).

REF_BENCH_SRC := $(REF_SRC)/../bench
REF_BENCH_BIN := $(REF_BENCH_BUILD)/forklock_bench
REF_BENCH_LINKED := $(REF_BENCH_BUILD)/forklock_bench_linked
REF_BENCH_EMPTY := $(REF_BENCH_BUILD)/libempty.so

$(REF_BENCH_BIN): $(REF_BENCH_SRC)/forklock_bench.c
	@mkdir -p $(@D)
	$(REF_CC) -std=gnu11 -Wall -Wextra -Werror -O2 -o $@ $< -pthread

# The linked mode of forklock(7): the archive whole, its symbols exported.
$(REF_BENCH_LINKED): $(REF_BENCH_SRC)/forklock_bench.c $(REF_LIB)
	@mkdir -p $(@D)
	$(REF_CC) -std=gnu11 -Wall -Wextra -Werror -O2 -o $@ $< \
	  -Wl,--whole-archive $(REF_LIB) -Wl,--no-whole-archive -Wl,-E -pthread -ldl

$(REF_BENCH_EMPTY): $(REF_BENCH_SRC)/empty.c
	@mkdir -p $(@D)
	$(REF_CC) -shared -fPIC -O2 -o $@ $<

bench-forklock: $(REF_SO) $(REF_BENCH_BIN) $(REF_BENCH_LINKED) $(REF_BENCH_EMPTY)
	$(REF_BENCH_BIN) $(abspath $(REF_SO)) $(abspath $(REF_BENCH_LINKED)) \
	  $(abspath $(REF_BENCH_EMPTY)) $(REF_BENCH_BUILD)/forklock.json
