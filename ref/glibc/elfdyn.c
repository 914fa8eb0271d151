/* SPDX-License-Identifier: MIT */
/*
 * ELF dynamic-section reading, in memory and on disk (see elfdyn.h).
 *
 * Why parse instead of asking the loader: the loader's only way to list a
 * library's dependencies is to load it, which runs its constructors, and the
 * point is to refuse before any of them runs.  DT_NEEDED names are what the
 * loader itself resolves, so reading them gives the same graph.
 */
#include "elfdyn.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

FORKLOCK_HIDDEN const char *fl_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * glibc relocates the address-valued entries of a writable dynamic section
 * in place (DT_STRTAB becomes absolute); read-only ones (the vDSO) stay
 * relative.  A relative value is an offset inside the object, far below its
 * load address, which tells the two apart.
 */
static const char *mem_strtab(const struct link_map *map)
{
	for (const fl_dyn *d = map->l_ld; d && d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_STRTAB) {
			fl_addr at = d->d_un.d_ptr;
			return (const char *)(at < map->l_addr ? at + map->l_addr : at);
		}
	return NULL;
}

FORKLOCK_HIDDEN const char *fl_mem_soname(const struct link_map *map)
{
	const char *strtab = mem_strtab(map);

	for (const fl_dyn *d = map->l_ld; strtab && d && d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_SONAME)
			return strtab + d->d_un.d_val;
	return NULL;
}

FORKLOCK_HIDDEN int fl_mem_needed(const struct link_map *map, fl_each_string each, void *ctx)
{
	const char *strtab = mem_strtab(map);

	for (const fl_dyn *d = map->l_ld; strtab && d && d->d_tag != DT_NULL; d++) {
		int stop = d->d_tag == DT_NEEDED ? each(strtab + d->d_un.d_val, ctx) : 0;
		if (stop)
			return stop;
	}
	return 0;
}

/* --- files -------------------------------------------------------------- */

#define PHDRS_MAX 32
#define DYN_CHUNK 32

struct elf_file {
	int fd;
	fl_phdr phdr[PHDRS_MAX];
	int phnum;
	fl_off dyn_off;
	size_t dyn_count;
	fl_off strtab_off;
	size_t strtab_size;
};

/* How many dynamic entries to read at base: at most one chunk. */
static size_t chunk(size_t count, size_t base)
{
	return count - base < DYN_CHUNK ? count - base : DYN_CHUNK;
}

static bool read_at(int fd, void *buf, size_t size, fl_off offset)
{
	return pread(fd, buf, size, (off_t)offset) == (ssize_t)size;
}

/* File offset of a virtual address, through the PT_LOAD that maps it. */
static bool vaddr_to_offset(const struct elf_file *f, fl_addr vaddr, fl_off *offset)
{
	for (int i = 0; i < f->phnum; i++) {
		const fl_phdr *p = &f->phdr[i];
		if (p->p_type == PT_LOAD && vaddr >= p->p_vaddr &&
		    vaddr < p->p_vaddr + p->p_filesz) {
			*offset = p->p_offset + (vaddr - p->p_vaddr);
			return true;
		}
	}
	return false;
}

static bool same_machine(const fl_ehdr *e)
{
	return memcmp(e->e_ident, ELFMAG, SELFMAG) == 0 && e->e_ident[EI_CLASS] == FL_ELFCLASS &&
	       (e->e_type == ET_DYN || e->e_type == ET_EXEC) && e->e_phentsize == sizeof(fl_phdr) &&
	       e->e_phnum > 0 && e->e_phnum <= PHDRS_MAX;
}

static bool open_elf(const char *file, struct elf_file *f)
{
	fl_ehdr ehdr;
	fl_dyn dyn[DYN_CHUNK];

	memset(f, 0, sizeof(*f));
	f->fd = open(file, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return false;
	if (!read_at(f->fd, &ehdr, sizeof(ehdr), 0) || !same_machine(&ehdr) ||
	    !read_at(f->fd, f->phdr, ehdr.e_phnum * sizeof(fl_phdr), ehdr.e_phoff))
		goto fail;
	f->phnum = ehdr.e_phnum;
	for (int i = 0; i < f->phnum; i++)
		if (f->phdr[i].p_type == PT_DYNAMIC) {
			f->dyn_off = f->phdr[i].p_offset;
			f->dyn_count = f->phdr[i].p_filesz / sizeof(fl_dyn);
		}
	for (size_t base = 0; base < f->dyn_count; base += DYN_CHUNK) {
		size_t n = chunk(f->dyn_count, base);
		if (!read_at(f->fd, dyn, n * sizeof(fl_dyn), f->dyn_off + base * sizeof(fl_dyn)))
			goto fail;
		for (size_t i = 0; i < n; i++) {
			if (dyn[i].d_tag == DT_STRTAB &&
			    !vaddr_to_offset(f, dyn[i].d_un.d_ptr, &f->strtab_off))
				goto fail;
			if (dyn[i].d_tag == DT_STRSZ)
				f->strtab_size = dyn[i].d_un.d_val;
		}
	}
	if (f->dyn_count && f->strtab_size)
		return true;
fail:
	close(f->fd);
	f->fd = -1;
	return false;
}

/* A string of the file's string table, NUL-terminated within out. */
static bool file_string(const struct elf_file *f, fl_xword index, char *out, size_t size)
{
	ssize_t got;

	if (index >= f->strtab_size)
		return false;
	if (size > f->strtab_size - index)
		size = f->strtab_size - index;
	got = pread(f->fd, out, size, (off_t)(f->strtab_off + index));
	if (got <= 0 || !memchr(out, 0, (size_t)got))
		return false;
	return true;
}

static void directory_of(const char *file, char *out, size_t size)
{
	const char *base = fl_basename(file);
	size_t len = (size_t)(base - file);

	if (len == 0) {
		snprintf(out, size, ".");
		return;
	}
	if (len > 1)
		len--; /* drop the slash, keep "/" for the root */
	snprintf(out, size, "%.*s", (int)len, file);
}

/*
 * Two passes over the dynamic section: the search path first (DT_RUNPATH
 * usually follows the DT_NEEDED entries, and a callback may need it to find
 * a dependency), then the dependencies.
 */
static int file_pass(struct elf_file *f, bool needed, fl_each_string each, void *ctx,
                     struct fl_search_path *path)
{
	fl_dyn dyn[DYN_CHUNK];
	char name[FL_PATH_MAX];
	int stop = 0;

	for (size_t base = 0; base < f->dyn_count && !stop; base += DYN_CHUNK) {
		size_t n = chunk(f->dyn_count, base);
		if (!read_at(f->fd, dyn, n * sizeof(fl_dyn), f->dyn_off + base * sizeof(fl_dyn)))
			break;
		for (size_t i = 0; i < n && !stop && dyn[i].d_tag != DT_NULL; i++) {
			fl_sxword tag = dyn[i].d_tag;
			if (needed && tag == DT_NEEDED &&
			    file_string(f, dyn[i].d_un.d_val, name, sizeof(name)))
				stop = each(name, ctx);
			/* DT_RUNPATH, when present, makes the loader ignore DT_RPATH. */
			else if (!needed &&
			         (tag == DT_RUNPATH || (tag == DT_RPATH && !path->is_runpath)) &&
			         file_string(f, dyn[i].d_un.d_val, path->dirs, sizeof(path->dirs)))
				path->is_runpath = tag == DT_RUNPATH;
		}
	}
	return stop;
}

FORKLOCK_HIDDEN int fl_file_needed(const char *file, fl_each_string each, void *ctx,
                                   struct fl_search_path *path_out)
{
	struct elf_file f;
	int stop;

	if (!open_elf(file, &f))
		return -1;
	if (path_out) {
		path_out->dirs[0] = 0;
		path_out->is_runpath = false;
		directory_of(file, path_out->origin, sizeof(path_out->origin));
		file_pass(&f, false, NULL, NULL, path_out);
	}
	stop = file_pass(&f, true, each, ctx, NULL);
	close(f.fd);
	return stop;
}

/* --- searching ---------------------------------------------------------- */

/* dir/name into out, $ORIGIN expanded; true if that file can be read. */
static bool try_dir(const char *dir, size_t len, const char *origin, const char *name, char *out,
                    size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < size;) {
		size_t skip = 0;
		if (strncmp(dir + i, "$ORIGIN", 7) == 0)
			skip = 7;
		else if (strncmp(dir + i, "${ORIGIN}", 9) == 0)
			skip = 9;
		if (skip && origin) {
			n += (size_t)snprintf(out + n, size - n, "%s", origin);
			if (n >= size)
				return false;
			i += skip;
		} else {
			out[n++] = dir[i++];
		}
	}
	if (n == 0 || (size_t)snprintf(out + n, size - n, "/%s", name) >= size - n)
		return false;
	return access(out, R_OK) == 0;
}

static bool try_list(const char *list, const char *origin, const char *name, char *out, size_t size)
{
	while (list && *list) {
		size_t len = strcspn(list, ":;");
		if (try_dir(list, len, origin, name, out, size))
			return true;
		list += len + (list[len] != 0);
	}
	return false;
}

/*
 * The system directories: where this process's libc was found (the
 * multiarch directory on Debian), its /usr twin, and the classic ones.
 */
static bool try_system(const char *name, char *out, size_t size)
{
	static const char *const fixed[] = {"/lib64", "/usr/lib64", "/lib", "/usr/lib",
	                                    "/usr/local/lib"};
	char libc_dir[FL_PATH_MAX] = "";

	for (const struct link_map *map = _r_debug.r_map; map; map = map->l_next)
		if (map->l_name && strncmp(fl_basename(map->l_name), "libc.so", 7) == 0) {
			directory_of(map->l_name, libc_dir, sizeof(libc_dir));
			break;
		}
	if (libc_dir[0] == '/') {
		char twin[FL_PATH_MAX];
		if (try_dir(libc_dir, strlen(libc_dir), NULL, name, out, size))
			return true;
		if (strncmp(libc_dir, "/usr/", 5) == 0)
			snprintf(twin, sizeof(twin), "%s", libc_dir + 4);
		else
			snprintf(twin, sizeof(twin), "/usr%s", libc_dir);
		if (try_dir(twin, strlen(twin), NULL, name, out, size))
			return true;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (try_dir(fixed[i], strlen(fixed[i]), NULL, name, out, size))
			return true;
	return false;
}

FORKLOCK_HIDDEN int fl_find_file_in(const char *name, const struct fl_search_path *path, char *out,
                                    size_t size)
{
	return try_list(path->dirs, path->origin, name, out, size) ? 0 : -1;
}

FORKLOCK_HIDDEN int fl_find_file(const char *name, const struct fl_search_path *from, char *out,
                                 size_t size)
{
	/* getenv takes no lock in glibc; secure mode ignores LD_LIBRARY_PATH. */
	const char *env = secure_getenv("LD_LIBRARY_PATH");
	const char *origin = from ? from->origin : NULL;

	if (strchr(name, '/')) {
		if ((size_t)snprintf(out, size, "%s", name) >= size)
			return -1;
		return 0;
	}
	if (from && from->dirs[0] && !from->is_runpath &&
	    try_list(from->dirs, origin, name, out, size))
		return 0;
	if (try_list(env, NULL, name, out, size))
		return 0;
	if (from && from->dirs[0] && from->is_runpath &&
	    try_list(from->dirs, origin, name, out, size))
		return 0;
	return try_system(name, out, size) ? 0 : -1;
}

FORKLOCK_HIDDEN void fl_mem_search_path(const struct link_map *map, struct fl_search_path *out)
{
	const char *strtab = mem_strtab(map);
	char exe[FL_PATH_MAX];
	ssize_t len;

	out->dirs[0] = 0;
	out->is_runpath = false;
	for (const fl_dyn *d = map->l_ld; strtab && d && d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_RUNPATH || (d->d_tag == DT_RPATH && !out->is_runpath)) {
			snprintf(out->dirs, sizeof(out->dirs), "%s", strtab + d->d_un.d_val);
			out->is_runpath = d->d_tag == DT_RUNPATH;
		}
	}
	/* The executable's link map has an empty name. */
	if (map->l_name && map->l_name[0]) {
		directory_of(map->l_name, out->origin, sizeof(out->origin));
		return;
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = 0;
	directory_of(exe, out->origin, sizeof(out->origin));
}
