/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "symtab.h"

#include <stdlib.h>
#include <string.h>

struct sized_symbol {
	uint64_t start, end;
	const char *name;
	int index;     /* in the module's symbol table */
	int binding;   /* libdw's preference: global over weak over local */
	bool ambiguous; /* overlaps another without being its exact alias */
};

struct symtab {
	Dwfl_Module *mod;
	struct sized_symbol *sized;
	size_t nsized;
	/* Where sizeless symbols sit: libdw may prefer one found exactly. */
	uint64_t *sizeless;
	size_t nsizeless;
};

void symtabs_init(struct symtabs *s)
{
	memset(s, 0, sizeof(*s));
}

void symtabs_free(struct symtabs *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->tables[i].sized);
		free(s->tables[i].sizeless);
	}
	free(s->tables);
	memset(s, 0, sizeof(*s));
}

/* libdw's order of preference among symbols covering the same range: the
 * stronger binding, then the first in the table. */
static int by_start(const void *a, const void *b)
{
	const struct sized_symbol *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	if (x->binding != y->binding)
		return x->binding > y->binding ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

static int binding_rank(int bind)
{
	switch (bind) {
	case STB_GLOBAL:
		return 3;
	case STB_GNU_UNIQUE:
		return 2;
	case STB_WEAK:
		return 1;
	default:
		return 0;
	}
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The symbols libdw's address lookup considers, split by size. */
static void build(struct symtab *t)
{
	int n = dwfl_module_getsymtab(t->mod);
	size_t sized_cap = 0, sizeless_cap = 0, widest = 0;

	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(t->mod, i, &sym, &addr, &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);

		if (!name || sym.st_shndx == SHN_UNDEF || type == STT_SECTION || type == STT_FILE ||
		    type == STT_TLS)
			continue;
		if (sym.st_size == 0) {
			grow_array((void **)&t->sizeless, &sizeless_cap, t->nsizeless,
				   sizeof(*t->sizeless));
			t->sizeless[t->nsizeless++] = addr;
			continue;
		}
		grow_array((void **)&t->sized, &sized_cap, t->nsized, sizeof(*t->sized));
		t->sized[t->nsized++] = (struct sized_symbol){ addr, addr + sym.st_size, name, i,
							       binding_rank(GELF_ST_BIND(sym.st_info)),
							       false };
	}
	if (t->nsized)
		qsort(t->sized, t->nsized, sizeof(*t->sized), by_start);
	/* Exact aliases (a function and its weak or versioned names): the one
	 * libdw prefers stands for all. */
	size_t kept = 0;
	for (size_t i = 0; i < t->nsized; i++)
		if (!kept || t->sized[i].start != t->sized[kept - 1].start ||
		    t->sized[i].end != t->sized[kept - 1].end)
			t->sized[kept++] = t->sized[i];
	t->nsized = kept;
	if (t->nsizeless)
		qsort(t->sizeless, t->nsizeless, sizeof(*t->sizeless), by_value);
	/* Nested or overlapping symbols (aliases, entry points inside a
	 * function) are where libdw's preferences (globals first, binding,
	 * order in the table) decide: left to it. */
	for (size_t i = 1; i < t->nsized; i++) {
		if (t->sized[i].start < t->sized[widest].end) {
			t->sized[i].ambiguous = true;
			t->sized[widest].ambiguous = true;
		}
		if (t->sized[i].end > t->sized[widest].end)
			widest = i;
	}
}

static struct symtab *table_of(struct symtabs *s, Dwfl_Module *mod)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->tables[i].mod == mod)
			return &s->tables[i];
	grow_array((void **)&s->tables, &s->cap, s->n, sizeof(*s->tables));
	s->tables[s->n] = (struct symtab){ .mod = mod };
	build(&s->tables[s->n]);
	return &s->tables[s->n++];
}

static bool has_sizeless_at(const struct symtab *t, uint64_t addr)
{
	size_t lo = 0, hi = t->nsizeless;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->sizeless[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nsizeless && t->sizeless[lo] == addr;
}

const char *symtabs_lookup(struct symtabs *s, Dwfl_Module *mod, uint64_t addr, uint64_t *start)
{
	struct symtab *t;
	size_t lo = 0, hi;

	if (!mod)
		return NULL;
	t = table_of(s, mod);
	/* The last symbol starting at or below addr. */
	hi = t->nsized;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->sized[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct sized_symbol *sym = &t->sized[lo - 1];
	if (sym->ambiguous || addr >= sym->end || has_sizeless_at(t, addr))
		return NULL;
	*start = sym->start;
	return sym->name;
}
