# bench/bench.mk - libforklock benchmarks (included by ref/ref.mk).
# bench-forklock: gated-call cost, two-thread throughput and fork latency,
# plain glibc against the adapter; table on stdout, JSON in build/bench/.

REF_BENCH_SRC := $(REF_SRC)/../bench
REF_BENCH_BIN := $(REF_BENCH_BUILD)/forklock_bench

$(REF_BENCH_BIN): $(REF_BENCH_SRC)/forklock_bench.c
	@mkdir -p $(@D)
	$(REF_CC) -std=gnu11 -Wall -Wextra -Werror -O2 -o $@ $< -pthread

bench-forklock: $(REF_SO) $(REF_BENCH_BIN)
	$(REF_BENCH_BIN) $(REF_SO) $(REF_BENCH_BUILD)/forklock.json
