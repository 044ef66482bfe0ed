/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A module's symbols sorted by address, so that naming a new address costs
 * a binary search: dwfl_module_addrinfo scans the whole symbol table at
 * every call, about 100 us in libpython, and a profile of the evaluation
 * loop asks for thousands of distinct addresses.  The table answers only
 * where libdw's answer cannot differ (one sized symbol covers the address,
 * and no other symbol could be preferred to it); everywhere else the
 * caller asks libdw.
 */
#ifndef PYSAMPLE_SYMTAB_H
#define PYSAMPLE_SYMTAB_H

#include <elfutils/libdwfl.h>

#include "common.h"

struct symtab;

struct symtabs {
	struct symtab *tables; /* one per module met, built on first use */
	size_t n, cap;
};

void symtabs_init(struct symtabs *s);
void symtabs_free(struct symtabs *s);

/* The name (libdw's string, valid while mod is) of the symbol containing
 * addr, with its start in *start; NULL when libdw must be asked. */
const char *symtabs_lookup(struct symtabs *s, Dwfl_Module *mod, uint64_t addr, uint64_t *start);

#endif
