/* SPDX-License-Identifier: MIT */
/*
 * Dependency closures over loaded objects and library files (see dldeps.h).
 * No allocation and no lock: called in the MT-forked child, whose malloc or
 * loader state may be anything.  Bounded work: closures stop at CLOSURE_MAX
 * objects and files are followed FILE_DEPTH levels deep.
 */
#include "dldeps.h"

#include <string.h>
#include <sys/stat.h>

#define CLOSURE_MAX 512
#define FILE_DEPTH  6

FORKLOCK_HIDDEN bool fl_taint_has(const struct fl_taint *taint, const struct link_map *map)
{
	for (int i = 0; i < taint->count; i++)
		if (taint->map[i] == map && taint->ld[i] == map->l_ld)
			return true;
	return false;
}

FORKLOCK_HIDDEN void fl_taint_add(struct fl_taint *taint, const struct link_map *map)
{
	if (fl_taint_has(taint, map))
		return;
	if (taint->count == FL_TAINT_MAX) {
		taint->overflow = true;
		return;
	}
	taint->map[taint->count] = map;
	taint->ld[taint->count++] = map->l_ld;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/*
 * The loader matches a name against each object's file name and the names
 * it was loaded as (its soname, the DT_NEEDED name that brought it in); the
 * latter list is private, so its usual members are checked: the soname and
 * the file's basename.  A path names an object if it is the same file.
 */
FORKLOCK_HIDDEN const struct link_map *fl_find_loaded(const char *name)
{
	const struct link_map *map;
	bool path = strchr(name, '/') != NULL;

	for (map = _r_debug.r_map; map; map = map->l_next) {
		const char *soname;
		if (!map->l_name || !map->l_name[0])
			continue; /* the executable */
		if (strcmp(map->l_name, name) == 0)
			return map;
		if (path)
			continue;
		soname = fl_mem_soname(map);
		if ((soname && strcmp(soname, name) == 0) ||
		    strcmp(fl_basename(map->l_name), name) == 0)
			return map;
	}
	if (!path)
		return NULL;
	for (map = _r_debug.r_map; map; map = map->l_next)
		if (map->l_name && map->l_name[0] == '/' && same_file(map->l_name, name))
			return map;
	return NULL;
}

/* --- closures over loaded objects --------------------------------------- */

struct closure {
	const struct link_map *seen[CLOSURE_MAX];
	int count, next;
	const struct link_map *mark; /* only objects after it are followed */
	const fl_dyn *mark_ld;
};

static bool seen(const struct closure *c, const struct link_map *map)
{
	for (int i = 0; i < c->count; i++)
		if (c->seen[i] == map)
			return true;
	return false;
}

/* Is map after the mark in the list?  The mark is found by address first:
 * if it was unloaded since, nothing is known and everything counts. */
static bool after_mark(const struct closure *c, const struct link_map *map)
{
	const struct link_map *at;

	if (!c->mark)
		return true;
	for (at = _r_debug.r_map; at && at != c->mark; at = at->l_next)
		;
	if (!at || at->l_ld != c->mark_ld)
		return true;
	for (at = at->l_next; at; at = at->l_next)
		if (at == map)
			return true;
	return false;
}

static int push_needed(const char *name, void *ctx)
{
	struct closure *c = ctx;
	const struct link_map *map = fl_find_loaded(name);

	if (map && !seen(c, map) && c->count < CLOSURE_MAX && after_mark(c, map))
		c->seen[c->count++] = map;
	return 0;
}

/* Breadth first from root; returns the first object `stop` accepts, or NULL. */
static const struct link_map *walk(struct closure *c, const struct link_map *root,
                                   bool (*stop)(const struct link_map *, const void *),
                                   const void *arg)
{
	c->count = c->next = 0;
	if (!after_mark(c, root))
		return NULL;
	c->seen[c->count++] = root;
	while (c->next < c->count) {
		const struct link_map *map = c->seen[c->next++];
		if (stop && stop(map, arg))
			return map;
		fl_mem_needed(map, push_needed, c);
	}
	return NULL;
}

FORKLOCK_HIDDEN void fl_taint_closure(struct fl_taint *taint, const struct link_map *root,
                                      const struct link_map *mark, const fl_dyn *mark_ld)
{
	struct closure c;

	c.mark = mark;
	c.mark_ld = mark_ld;
	walk(&c, root, NULL, NULL);
	for (int i = 0; i < c.count; i++)
		fl_taint_add(taint, c.seen[i]);
}

static bool is_tainted(const struct link_map *map, const void *taint)
{
	return fl_taint_has(taint, map);
}

static const struct link_map *loaded_builds_on_taint(const struct link_map *root,
                                                     const struct fl_taint *taint)
{
	struct closure c;

	c.mark = NULL;
	c.mark_ld = NULL;
	return walk(&c, root, is_tainted, taint);
}

/* --- libraries not loaded yet: follow their files ------------------------ */

struct file_walk {
	const struct fl_taint *taint;
	const struct fl_search_path *from; /* the requiring file's search path */
	int depth;
	const struct link_map *found;
};

static const struct link_map *file_builds_on_taint(const char *file, const struct fl_taint *taint,
                                                   int depth);

static int check_needed(const char *name, void *ctx)
{
	struct file_walk *w = ctx;
	const struct link_map *map = fl_find_loaded(name);
	char file[FL_PATH_MAX];

	if (map)
		w->found = loaded_builds_on_taint(map, w->taint);
	else if (w->depth < FILE_DEPTH && fl_find_file(name, w->from, file, sizeof(file)) == 0)
		w->found = file_builds_on_taint(file, w->taint, w->depth + 1);
	return w->found != NULL;
}

static const struct link_map *file_builds_on_taint(const char *file, const struct fl_taint *taint,
                                                   int depth)
{
	struct fl_search_path path;
	struct file_walk w = {taint, &path, depth, NULL};

	/* A file that cannot be read will not load either: nothing to refuse. */
	fl_file_needed(file, check_needed, &w, &path);
	return w.found;
}

FORKLOCK_HIDDEN const struct link_map *fl_builds_on_taint(const char *name,
                                                          const struct fl_taint *taint)
{
	const struct link_map *map;
	char file[FL_PATH_MAX];

	if (taint->count == 0)
		return NULL;
	map = fl_find_loaded(name);
	if (map)
		return loaded_builds_on_taint(map, taint);
	if (fl_find_file(name, NULL, file, sizeof(file)) != 0)
		return NULL;
	return file_builds_on_taint(file, taint, 0);
}
