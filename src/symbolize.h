/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Native addresses to `symbol+offset (module)`, cached per address. */
#ifndef PYSAMPLE_SYMBOLIZE_H
#define PYSAMPLE_SYMBOLIZE_H

#include "inlines.h"
#include "modules.h"
#include "symtab.h"

struct symbol {
	const char *name;   /* NULL when unknown; C++ names demangled */
	uint64_t offset;    /* from the symbol's start */
	const char *module; /* path of the module, NULL outside any */
	/* The module's GNU build-id in hex; NULL: none (or JIT code).  Owned
	 * by the modules, like `module`: valid until modules_free. */
	const char *build_id;
	bool jit;           /* named by the perf map file (module is its path) */
	/* Functions inlined at this address, innermost first, from DWARF
	 * debug info (none without it). */
	char *const *inlined;
	size_t ninlined;
};

struct sym_entry;

struct symbolizer {
	struct modules *mods;
	struct inlines inlines;
	struct symtabs symtabs;
	struct sym_entry *slots;
	size_t cap, used;
	uint64_t hits, misses;
};

void symbolizer_init(struct symbolizer *s, struct modules *mods);
void symbolizer_clear(struct symbolizer *s);
void symbolizer_free(struct symbolizer *s);

/*
 * Symbol for a frame.  For a caller frame (exact == false) the lookup is
 * made at pc - 1, inside the call instruction, or a call that ends a
 * function would be named after the next one; the offset printed is still
 * relative to pc.
 */
void symbolize(struct symbolizer *s, uint64_t pc, bool exact, struct symbol *out);

#endif
