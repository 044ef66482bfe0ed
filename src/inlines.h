/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which functions are inlined at an address, from DWARF.  dwarf_getscopes
 * walks a whole compilation unit per query, which for CPython's ceval.c
 * costs hundreds of microseconds; this index walks each unit once and
 * answers later queries with a binary search.
 */
#ifndef PYSAMPLE_INLINES_H
#define PYSAMPLE_INLINES_H

#include <elfutils/libdwfl.h>

#include "common.h"

struct inline_unit;
struct unit_index;

struct inlines {
	struct inline_unit *units;
	size_t n, cap;
	/* Modules whose units libdw cannot find by address (no
	 * .debug_aranges: clang's output): their units' ranges, indexed here. */
	struct unit_index *indexes;
	size_t nindexes, indexes_cap;
};

void inlines_init(struct inlines *in);
void inlines_free(struct inlines *in);

/*
 * Names of the functions inlined at addr in mod, innermost first, as new
 * strings the caller frees; returns how many (at most max).  `demangle`
 * turns a linkage name into a readable one (returns a new string).
 */
size_t inlines_at(struct inlines *in, Dwfl_Module *mod, uint64_t addr, char **names, size_t max,
		  char *(*demangle)(const char *));

#endif
