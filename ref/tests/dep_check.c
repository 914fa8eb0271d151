/* SPDX-License-Identifier: MIT */
/*
 * The dependency check of the dlopen protection (glibc/elfdyn.c,
 * glibc/dldeps.c), in isolation: which library builds on a tainted one,
 * through loaded objects and through files not loaded yet (DT_NEEDED found
 * by DT_RUNPATH with $ORIGIN), and which objects a dlopen that began at a
 * given mark brought in.  Fixtures: libfl_top -> libfl_mid -> libfl_base,
 * libfl_other alone (ref.mk builds them next to this test).
 */
#include "tap.h"

#include <dlfcn.h>

#include "../glibc/dldeps.c"
#include "../glibc/elfdyn.c"

static char dir[FL_PATH_MAX];

static const char *fixture(const char *name)
{
	static char paths[4][2 * FL_PATH_MAX];
	static int next;
	char *path = paths[next++ % 4];

	snprintf(path, sizeof(paths[0]), "%s/fixtures/%s", dir, name);
	return path;
}

static int collect(const char *name, void *ctx)
{
	char *list = ctx;

	strcat(list, name);
	strcat(list, " ");
	return 0;
}

static const struct link_map *last_object(void)
{
	const struct link_map *map = _r_debug.r_map;

	while (map->l_next)
		map = map->l_next;
	return map;
}

static bool named(const struct link_map *map, const char *base)
{
	return map && strcmp(fl_basename(map->l_name), base) == 0;
}

int main(void)
{
	struct fl_search_path path;
	struct fl_taint taint = {0}, brought = {0};
	char list[256] = "", found[FL_PATH_MAX];
	const struct link_map *base, *top, *mark;

	ssize_t n = readlink("/proc/self/exe", found, sizeof(found) - 1);

	found[n > 0 ? n : 0] = 0;
	directory_of(found, dir, sizeof(dir));

	ok(fl_file_needed(fixture("libfl_top.so"), collect, list, &path) == 0 &&
	       strstr(list, "libfl_mid.so") && !strstr(list, "libfl_base.so"),
	   "file: DT_NEEDED of libfl_top.so is libfl_mid.so (%s)", list);
	ok(path.is_runpath && strcmp(path.dirs, "$ORIGIN") == 0, "file: DT_RUNPATH read (\"%s\")",
	   path.dirs);
	ok(fl_find_file("libfl_mid.so", &path, found, sizeof(found)) == 0 &&
	       strcmp(found, fixture("libfl_mid.so")) == 0,
	   "search: $ORIGIN expands to the requiring file's directory");
	ok(fl_find_file("libfl_none.so", &path, found, sizeof(found)) != 0,
	   "search: a missing library is not found");
	ok(fl_file_needed("/dev/null", collect, list, NULL) < 0, "file: not ELF is an error");

	ok(dlopen(fixture("libfl_base.so"), RTLD_NOW) != NULL, "load libfl_base.so");
	base = fl_find_loaded("libfl_base.so");
	ok(named(base, "libfl_base.so"), "loaded: found by soname");
	ok(fl_find_loaded(fixture("libfl_base.so")) == base, "loaded: found by path");
	ok(fl_mem_soname(base) && strcmp(fl_mem_soname(base), "libfl_base.so") == 0,
	   "memory: DT_SONAME read");
	fl_taint_add(&taint, base);

	ok(fl_builds_on_taint("libfl_base.so", &taint) == base, "the tainted library itself");
	ok(fl_builds_on_taint(fixture("libfl_top.so"), &taint) == base,
	   "a file two levels up, through a dependency not loaded either");
	ok(fl_builds_on_taint(fixture("libfl_other.so"), &taint) == NULL, "an unrelated file");
	ok(fl_builds_on_taint("libc.so.6", &taint) == NULL, "an unrelated loaded library");

	mark = last_object();
	ok(dlopen(fixture("libfl_top.so"), RTLD_NOW) != NULL, "load libfl_top.so");
	top = fl_find_loaded("libfl_top.so");
	ok(fl_builds_on_taint(fixture("libfl_top.so"), &taint) == base &&
	       fl_builds_on_taint("libfl_mid.so", &taint) == base,
	   "loaded libraries depending on it, directly and transitively");

	fl_taint_closure(&brought, top, mark, mark->l_ld);
	ok(brought.count == 2 && fl_taint_has(&brought, top) &&
	       fl_taint_has(&brought, fl_find_loaded("libfl_mid.so")) &&
	       !fl_taint_has(&brought, base),
	   "a dlopen's closure: only what it brought in (%d objects)", brought.count);
	memset(&brought, 0, sizeof(brought));
	fl_taint_closure(&brought, base, mark, mark->l_ld);
	ok(brought.count == 0, "loaded before the mark: nothing (the already-loaded path)");
	fl_taint_closure(&brought, top, NULL, NULL);
	ok(fl_taint_has(&brought, base), "unknown mark: the whole closure counts");
	return tap_done();
}
