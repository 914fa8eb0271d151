/* SPDX-License-Identifier: MIT */
/* An empty library: what preloading anything at all costs (the bench's baseline). */
int forklock_bench_empty;
