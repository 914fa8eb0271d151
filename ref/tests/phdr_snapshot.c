/* SPDX-License-Identifier: MIT */
/*
 * The dl_iterate_phdr snapshot (glibc/phdr_snapshot.c), in isolation: it
 * copies what glibc reports, replays it in order, honours the early-stop
 * return value, caps the copied size, reports overflow, and nests (a
 * callback that iterates again).
 */
#include "tap.h"

#include "../glibc/phdr_snapshot.c"

#define CAPACITY 512

static struct fl_phdr_entry entries[CAPACITY], inner_entries[CAPACITY];
static struct dl_phdr_info direct[CAPACITY];
static size_t direct_count, direct_size;

/* The signature dl_iterate_phdr wants. */
// cppcheck-suppress constParameter
static int record_direct(struct dl_phdr_info *info, size_t size, void *unused)
{
	(void)unused;
	if (direct_count < CAPACITY)
		direct[direct_count] = *info;
	direct_count++;
	direct_size = size;
	return 0;
}

struct replay_check {
	size_t calls, mismatches, stop_at, nested_count;
};

static int check_entry(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct replay_check *c = arg;
	const struct dl_phdr_info *d = &direct[c->calls];

	if (size != direct_size || info->dlpi_addr != d->dlpi_addr ||
	    info->dlpi_name != d->dlpi_name || info->dlpi_phdr != d->dlpi_phdr ||
	    info->dlpi_phnum != d->dlpi_phnum)
		c->mismatches++;
	if (++c->calls == c->stop_at)
		return 7;
	return 0;
}

static int nest(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct replay_check *c = arg;
	struct fl_phdr_snapshot inner = {inner_entries, CAPACITY, 0, NULL, NULL, false};

	(void)info, (void)size;
	dl_iterate_phdr(fl_phdr_copy, &inner);
	c->nested_count = inner.count;
	return 1;
}

static bool refuse(void *unused)
{
	(void)unused;
	return false;
}

int main(void)
{
	struct fl_phdr_snapshot s = {entries, CAPACITY, 0, NULL, NULL, false};
	struct replay_check all = {0}, early = {0}, nested = {0};
	unsigned char big[FL_PHDR_INFO_MAX * 2];

	dl_iterate_phdr(record_direct, NULL);
	dl_iterate_phdr(fl_phdr_copy, &s);
	ok(s.count == direct_count && s.count >= 2, "copies every object (%zu)", s.count);
	ok(fl_phdr_replay(&s, check_entry, &all) == 0 && all.calls == s.count && !all.mismatches,
	   "replays them in order with the size and fields glibc gave");
	early.stop_at = 2;
	ok(fl_phdr_replay(&s, check_entry, &early) == 7 && early.calls == 2,
	   "a nonzero callback result stops the walk and is returned");
	ok(fl_phdr_replay(&s, nest, &nested) == 1 && nested.nested_count == s.count,
	   "a callback may iterate again (no lock is held)");

	memset(big, 0xab, sizeof(big));
	s.count = 0;
	fl_phdr_copy((struct dl_phdr_info *)big, sizeof(big), &s);
	ok(entries[0].size == FL_PHDR_INFO_MAX, "a larger info is cut to what is copied");
	memset(&entries[0], 0, sizeof(entries[0]));
	s.count = 0;
	fl_phdr_copy((struct dl_phdr_info *)big, 16, &s);
	ok(entries[0].size == 16 && entries[0].u.raw[15] == 0xab && entries[0].u.raw[16] == 0,
	   "a smaller info (an older glibc) is copied as given, no further");

	s.capacity = 1;
	s.count = 0;
	dl_iterate_phdr(fl_phdr_copy, &s);
	all.calls = 0;
	ok(s.count == direct_count && fl_phdr_replay(&s, check_entry, &all) == 0 && all.calls == 1,
	   "overflow is reported; only what fitted is replayed");

	s.capacity = CAPACITY;
	s.count = 0;
	s.first = refuse;
	dl_iterate_phdr(fl_phdr_copy, &s);
	ok(s.stopped && s.count == 0, "the hook run under the lock can stop before copying");
	return tap_done();
}
