/* SPDX-License-Identifier: MIT */
/*
 * Disarming a partially constructed object's destructors in the child.
 *
 * glibc's exit (and dlclose) runs an object's DT_FINI_ARRAY when the object
 * is marked initialised, which glibc does before its first constructor
 * starts; the mark is private, the array is not: its entries are replaced
 * by a function that does nothing.  They live in RELRO memory, made
 * read-only after relocation, so the page is made writable for the store
 * and read-only again.  Only the child's copy changes.
 *
 * Not covered (forklock(7)): DT_FINI (on current toolchains an empty _fini),
 * and handlers the constructor registered with atexit/__cxa_atexit before
 * the fork: they belong to objects whose construction had finished.
 */
#include "gated.h"

#include <elf.h>
#include <string.h>
#include <sys/mman.h>

#include "dl.h"

static void skipped_destructor(void)
{
}

static fl_addr dyn_value(const struct link_map *map, fl_sxword tag)
{
	for (const fl_dyn *d = map->l_ld; d && d->d_tag != DT_NULL; d++)
		if (d->d_tag == tag)
			return d->d_un.d_val;
	return 0;
}

/* The program headers, from the ELF header at the start of a shared object. */
static const fl_phdr *program_headers(const struct link_map *map, int *count)
{
	const fl_ehdr *ehdr = (const fl_ehdr *)map->l_addr;

	if (!map->l_addr || memcmp(ehdr->e_ident, ELFMAG, SELFMAG) != 0 ||
	    ehdr->e_phentsize != sizeof(fl_phdr))
		return NULL;
	*count = ehdr->e_phnum;
	return (const fl_phdr *)(map->l_addr + ehdr->e_phoff);
}

/* The protection of the page at `page`, as the loader left it. */
static int page_protection(const struct link_map *map, fl_addr page, size_t page_size)
{
	int count = 0, prot = -1;
	const fl_phdr *phdr = program_headers(map, &count);

	for (int i = 0; phdr && i < count; i++) {
		fl_addr start = map->l_addr + phdr[i].p_vaddr;
		if (phdr[i].p_type == PT_LOAD && page + page_size > start &&
		    page < start + phdr[i].p_memsz)
			prot = ((phdr[i].p_flags & PF_R) ? PROT_READ : 0) |
			       ((phdr[i].p_flags & PF_W) ? PROT_WRITE : 0) |
			       ((phdr[i].p_flags & PF_X) ? PROT_EXEC : 0);
	}
	/* glibc protects the RELRO pages it covers entirely. */
	for (int i = 0; phdr && i < count; i++) {
		fl_addr start = map->l_addr + phdr[i].p_vaddr;
		fl_addr first = start & ~(fl_addr)(page_size - 1);
		fl_addr end = (start + phdr[i].p_memsz) & ~(fl_addr)(page_size - 1);
		if (phdr[i].p_type == PT_GNU_RELRO && page >= first && page < end)
			prot = PROT_READ;
	}
	return prot;
}

static bool store(const struct link_map *map, fl_addr *slot, fl_addr value)
{
	size_t page_size = (size_t)sysconf(_SC_PAGESIZE);
	fl_addr page = (fl_addr)slot & ~(fl_addr)(page_size - 1);
	int prot = page_protection(map, page, page_size);

	if (prot < 0)
		return false;
	if (!(prot & PROT_WRITE) &&
	    mprotect((void *)page, page_size, prot | PROT_WRITE | PROT_READ) != 0)
		return false;
	*slot = value;
	if (!(prot & PROT_WRITE))
		mprotect((void *)page, page_size, prot);
	return true;
}

FORKLOCK_HIDDEN void forklock_skip_destructors(const struct link_map *map)
{
	fl_addr array = dyn_value(map, DT_FINI_ARRAY);
	size_t count = dyn_value(map, DT_FINI_ARRAYSZ) / sizeof(fl_addr);

	if (!array || !count)
		return;
	if (array < map->l_addr) /* relative, as glibc reads it */
		array += map->l_addr;
	for (size_t i = 0; i < count; i++)
		if (!store(map, (fl_addr *)array + i, (fl_addr)skipped_destructor)) {
			forklock_report("forklock: child: cannot disarm the destructors of ",
			                map->l_name, "\n");
			return;
		}
}
