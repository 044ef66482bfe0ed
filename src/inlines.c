/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "inlines.h"

#include "debuginfo.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIE_DEPTH 256
#define MAX_RANGES (1u << 20)

/*
 * Two levels, both built on first use: per compilation unit, the address
 * ranges of its functions (top-level DIEs only, a cheap scan even for an
 * LTO unit holding a whole program); per function, the ranges of what is
 * inlined into it (a walk of that function's subtree alone).
 */
struct range {
	uint64_t low, high; /* unit addresses (module bias not applied) */
	unsigned depth;     /* inline nesting: larger is further in */
	const char *name;   /* owned by libdw */
	Dwarf_Die die;      /* the function, for the unit level */
	struct range_set *inner; /* the function's inline ranges, once built */
};

struct range_set {
	struct range *r; /* sorted by low */
	uint64_t *max_high; /* max of r[0..i].high: where backward scans stop */
	size_t n, cap;
};

struct inline_unit {
	Dwfl_Module *mod;
	Dwarf_Off cu_offset;
	struct range_set functions;
};

struct unit_index {
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	struct range_set units; /* each unit's ranges, with its DIE */
};

void inlines_init(struct inlines *in)
{
	memset(in, 0, sizeof(*in));
}

static void free_set(struct range_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i].inner) {
			free_set(s->r[i].inner);
			free(s->r[i].inner);
		}
	free(s->r);
	free(s->max_high);
}

void inlines_free(struct inlines *in)
{
	for (size_t i = 0; i < in->n; i++)
		free_set(&in->units[i].functions);
	free(in->units);
	for (size_t i = 0; i < in->nindexes; i++)
		free_set(&in->indexes[i].units);
	free(in->indexes);
	memset(in, 0, sizeof(*in));
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name = NULL;

	/* Inlined instances name their function through DW_AT_abstract_origin;
	 * the _integrate variants follow it.  The linkage name demangles to
	 * the full C++ name. */
	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
		name = dwarf_formstring(&attr);
	if (!name && dwarf_attr_integrate(die, DW_AT_name, &attr))
		name = dwarf_formstring(&attr);
	return name;
}

static void add_ranges(struct range_set *s, Dwarf_Die *die, unsigned depth, const char *name)
{
	Dwarf_Addr base, start, end;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(die, off, &base, &start, &end)) > 0 && s->n < MAX_RANGES) {
		if (end <= start)
			continue;
		grow_array((void **)&s->r, &s->cap, s->n, sizeof(*s->r));
		s->r[s->n++] = (struct range){ .low = start, .high = end, .depth = depth,
					       .name = name, .die = *die };
	}
}

static int by_low(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	if (x->low != y->low)
		return x->low < y->low ? -1 : 1;
	return x->depth < y->depth ? -1 : x->depth > y->depth;
}

static void finish_set(struct range_set *s)
{
	if (!s->n)
		return;
	qsort(s->r, s->n, sizeof(*s->r), by_low);
	s->max_high = xmalloc(s->n * sizeof(*s->max_high));
	for (size_t i = 0; i < s->n; i++)
		s->max_high[i] = i && s->max_high[i - 1] > s->r[i].high ? s->max_high[i - 1]
									 : s->r[i].high;
}

/* Inline ranges below `parent`; nesting is bounded because debug info is
 * input like any other. */
static void walk_inlined(struct range_set *s, Dwarf_Die *parent, unsigned depth, unsigned level)
{
	Dwarf_Die child;

	if (level > MAX_DIE_DEPTH || dwarf_child(parent, &child) != 0)
		return;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_inlined_subroutine: {
			const char *name = die_name(&child);
			if (name)
				add_ranges(s, &child, depth + 1, name);
			walk_inlined(s, &child, depth + 1, level + 1);
			break;
		}
		case DW_TAG_lexical_block:
		case DW_TAG_try_block:
		case DW_TAG_catch_block:
			walk_inlined(s, &child, depth, level + 1);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* Functions of a unit (and of its namespaces and classes, for C++). */
static void walk_functions(struct range_set *s, Dwarf_Die *parent, unsigned level)
{
	Dwarf_Die child;

	if (level > 16 || dwarf_child(parent, &child) != 0)
		return;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
			add_ranges(s, &child, 0, NULL);
			break;
		case DW_TAG_namespace:
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
			walk_functions(s, &child, level + 1);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* Ranges of `s` containing pc, deepest first, appended to hits. */
static size_t ranges_at(struct range_set *s, uint64_t pc, struct range **hits, size_t max)
{
	size_t lo = 0, hi = s->n, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->r[mid].low <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0 && s->max_high[i] > pc && n < max;)
		if (s->r[i].high > pc)
			hits[n++] = &s->r[i];
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && hits[j]->depth > hits[j - 1]->depth; j--) {
			struct range *t = hits[j];
			hits[j] = hits[j - 1];
			hits[j - 1] = t;
		}
	return n;
}

static struct inline_unit *unit_for(struct inlines *in, Dwfl_Module *mod, Dwarf_Die *cu)
{
	Dwarf_Off off = dwarf_dieoffset(cu);
	struct inline_unit *u;

	for (size_t i = 0; i < in->n; i++)
		if (in->units[i].mod == mod && in->units[i].cu_offset == off)
			return &in->units[i];
	grow_array((void **)&in->units, &in->cap, in->n, sizeof(*in->units));
	u = &in->units[in->n++];
	memset(u, 0, sizeof(*u));
	u->mod = mod;
	u->cu_offset = off;
	walk_functions(&u->functions, cu, 0);
	finish_set(&u->functions);
	return u;
}

/*
 * The unit holding `addr` when libdw cannot say: libdw 0.188 finds a unit
 * by address only through .debug_aranges, which clang does not emit, so
 * every unit's own ranges (DW_AT_ranges or low/high pc) are indexed once
 * per module.
 */
static Dwarf_Die *unit_by_ranges(struct inlines *in, Dwfl_Module *mod, uint64_t addr,
				 Dwarf_Addr *bias)
{
	struct unit_index *ix = NULL;
	struct range *hit[1];

	for (size_t i = 0; i < in->nindexes && !ix; i++)
		if (in->indexes[i].mod == mod)
			ix = &in->indexes[i];
	if (!ix) {
		Dwarf_Die *cu = NULL;
		grow_array((void **)&in->indexes, &in->indexes_cap, in->nindexes,
			   sizeof(*in->indexes));
		ix = &in->indexes[in->nindexes++];
		memset(ix, 0, sizeof(*ix));
		ix->mod = mod;
		while ((cu = dwfl_module_nextcu(mod, cu, &ix->bias)) != NULL &&
		       ix->units.n < MAX_RANGES)
			add_ranges(&ix->units, cu, 0, NULL);
		finish_set(&ix->units);
	}
	*bias = ix->bias;
	return addr >= ix->bias && ranges_at(&ix->units, addr - ix->bias, hit, 1) ? &hit[0]->die
										    : NULL;
}

size_t inlines_at(struct inlines *in, Dwfl_Module *mod, uint64_t addr, char **names, size_t max,
		  char *(*demangle)(const char *))
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = NULL;
	struct range *fn[4], *hits[64];
	size_t n;
	uint64_t pc;

	if (!debuginfo_dwarf_usable(mod))
		return 0;
	cu = dwfl_module_addrdie(mod, addr, &bias);
	if (!cu)
		cu = unit_by_ranges(in, mod, addr, &bias);
	if (!cu)
		return 0;
	pc = addr - bias;
	if (!ranges_at(&unit_for(in, mod, cu)->functions, pc, fn, 1))
		return 0;
	if (!fn[0]->inner) {
		fn[0]->inner = xcalloc(1, sizeof(*fn[0]->inner));
		walk_inlined(fn[0]->inner, &fn[0]->die, 0, 0);
		finish_set(fn[0]->inner);
	}
	n = ranges_at(fn[0]->inner, pc, hits, ARRAY_SIZE(hits));
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		names[i] = demangle(hits[i]->name);
	return n;
}
