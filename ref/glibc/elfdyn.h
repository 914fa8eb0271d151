/* SPDX-License-Identifier: MIT */
/*
 * Reading dependency information (DT_NEEDED, DT_SONAME, DT_RUNPATH,
 * DT_RPATH) of ELF objects, loaded or on disk, and finding a library file the
 * way the dynamic linker would.  Used by the dlopen protection to decide
 * which libraries build on a partially constructed one.
 *
 * Public ELF data only: the dynamic section (struct link_map's l_ld, l_addr,
 * l_name and the list links are the documented part of <link.h>) and the
 * file format.  Nothing here takes a lock or allocates, so the MT-forked
 * child may call all of it.
 */
#ifndef FORKLOCK_GLIBC_ELFDYN_H
#define FORKLOCK_GLIBC_ELFDYN_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <elf.h>
#include <link.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/internal.h"

#define FL_PATH_MAX 512

/* This machine's ELF types (what <link.h>'s ElfW() names, spelt out). */
#if UINTPTR_MAX > 0xffffffffu
typedef Elf64_Addr fl_addr;
typedef Elf64_Off fl_off;
typedef Elf64_Xword fl_xword;
typedef Elf64_Sxword fl_sxword;
typedef Elf64_Dyn fl_dyn;
typedef Elf64_Ehdr fl_ehdr;
typedef Elf64_Phdr fl_phdr;
#define FL_ELFCLASS ELFCLASS64
#else
typedef Elf32_Addr fl_addr;
typedef Elf32_Off fl_off;
typedef Elf32_Word fl_xword;
typedef Elf32_Sword fl_sxword;
typedef Elf32_Dyn fl_dyn;
typedef Elf32_Ehdr fl_ehdr;
typedef Elf32_Phdr fl_phdr;
#define FL_ELFCLASS ELFCLASS32
#endif

/* Called for each string; a nonzero return stops the walk and is returned. */
typedef int (*fl_each_string)(const char *name, void *ctx);

/* A search path: DT_RUNPATH or DT_RPATH of an object, and its directory. */
struct fl_search_path {
	char dirs[FL_PATH_MAX];   /* colon-separated, "" if none */
	bool is_runpath;          /* DT_RUNPATH: searched after LD_LIBRARY_PATH */
	char origin[FL_PATH_MAX]; /* what $ORIGIN expands to */
};

/* A loaded object: its DT_SONAME (or NULL), its DT_NEEDED names. */
FORKLOCK_HIDDEN const char *fl_mem_soname(const struct link_map *map);
FORKLOCK_HIDDEN int fl_mem_needed(const struct link_map *map, fl_each_string each, void *ctx);

/* A loaded object's own search path (DT_RUNPATH or DT_RPATH, $ORIGIN). */
FORKLOCK_HIDDEN void fl_mem_search_path(const struct link_map *map, struct fl_search_path *out);

/* A file: its DT_NEEDED names; fills *path_out (may be NULL).  -1 if unreadable or not
 * an ELF object of this machine's class. */
FORKLOCK_HIDDEN int fl_file_needed(const char *file, fl_each_string each, void *ctx,
                                   struct fl_search_path *path_out);

/* The file the loader would map for a DT_NEEDED or dlopen name without a
 * slash, searched in `from`'s path (may be NULL), LD_LIBRARY_PATH and the
 * system directories (ld.so.cache is not read: see forklock(7)).  Names with
 * a slash are taken as they are.  0 and the path in out, or -1. */
FORKLOCK_HIDDEN int fl_find_file(const char *name, const struct fl_search_path *from, char *out,
                                 size_t size);

/* The same in path's own directories only. */
FORKLOCK_HIDDEN int fl_find_file_in(const char *name, const struct fl_search_path *path, char *out,
                                    size_t size);

/* The last path component. */
FORKLOCK_HIDDEN const char *fl_basename(const char *path);

#endif
