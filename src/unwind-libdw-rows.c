/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unwind-libdw-rows.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#define ROW_SLOTS 8192 /* distinct return addresses in a profile: a few thousand */

enum row_kind { ROW_EMPTY, ROW_SIMPLE, ROW_BACKEND };
enum reg_rule { REG_UNDEFINED, REG_SAME, REG_SAVED_AT_CFA, REG_IS_CFA };

struct row {
	uint64_t lookup; /* the pc looked up (a return address minus one) */
	unsigned generation;
	uint8_t kind;
	uint8_t cfa_reg;
	uint8_t ra_col;
	int64_t cfa_off;
	uint8_t rule[ARCH_DWARF_NREGS];
	int32_t off[ARCH_DWARF_NREGS];
};

struct libdw_rows {
	struct modules *mods;
	struct row *rows;
};

struct libdw_rows *libdw_rows_new(struct modules *mods)
{
	struct libdw_rows *c = xcalloc(1, sizeof(*c));

	c->mods = mods;
	c->rows = xcalloc(ROW_SLOTS, sizeof(*c->rows));
	return c;
}

void libdw_rows_free(struct libdw_rows *c)
{
	if (!c)
		return;
	free(c->rows);
	free(c);
}

/* The CFA as libdw describes the simple case: one DW_OP_bregN/bregx. */
static bool cfa_rule(Dwarf_Frame *frame, struct row *r)
{
	Dwarf_Op *ops;
	size_t n;
	uint64_t reg;

	if (dwarf_frame_cfa(frame, &ops, &n) != 0 || n != 1)
		return false;
	if (ops[0].atom == DW_OP_bregx) {
		reg = ops[0].number;
		r->cfa_off = (int64_t)ops[0].number2;
	} else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
		reg = ops[0].atom - DW_OP_breg0;
		r->cfa_off = (int64_t)ops[0].number;
	} else {
		return false;
	}
	if (reg >= ARCH_DWARF_NREGS)
		return false;
	r->cfa_reg = (uint8_t)reg;
	return true;
}

/* libdw's forms, per dwarf_frame_register: nothing (undefined, or same
 * value), DW_OP_call_frame_cfa [DW_OP_plus_uconst n] (saved there), and
 * the same ending in DW_OP_stack_value (that is the value). */
static bool register_rule(Dwarf_Frame *frame, unsigned regno, struct row *r)
{
	Dwarf_Op mem[3], *ops = NULL;
	size_t n = 0, i = 1;
	int64_t off = 0;

	if (dwarf_frame_register(frame, (int)regno, mem, &ops, &n) != 0)
		return false;
	if (n == 0) {
		r->rule[regno] = ops ? REG_UNDEFINED : REG_SAME;
		return true;
	}
	if (ops[0].atom != DW_OP_call_frame_cfa)
		return false;
	if (i < n && ops[i].atom == DW_OP_plus_uconst)
		off = (int64_t)ops[i++].number;
	if (off != (int32_t)off)
		return false;
	r->off[regno] = (int32_t)off;
	if (i == n)
		r->rule[regno] = REG_SAVED_AT_CFA;
	else if (i + 1 == n && ops[i].atom == DW_OP_stack_value)
		r->rule[regno] = REG_IS_CFA;
	else
		return false;
	return true;
}

static void build_row(struct libdw_rows *c, uint64_t lookup, struct row *r)
{
	Dwarf_Frame *frame = modules_cfi_frame(c->mods, lookup);
	Dwarf_Addr start, end;
	bool signal = false;
	int ra;

	r->kind = ROW_BACKEND;
	if (!frame)
		return;
	ra = dwarf_frame_info(frame, &start, &end, &signal);
	if (ra >= 0 && ra < ARCH_DWARF_NREGS && !signal && cfa_rule(frame, r)) {
		unsigned regno;
		r->ra_col = (uint8_t)ra;
		for (regno = 0; regno < ARCH_DWARF_NREGS; regno++)
			if (regno != ARCH_DWARF_PC || regno == (unsigned)ra)
				if (!register_rule(frame, regno, r))
					break;
		/* The caller's stack pointer must come out as the CFA. */
		if (regno == ARCH_DWARF_NREGS && r->rule[ARCH_DWARF_SP] == REG_IS_CFA &&
		    r->off[ARCH_DWARF_SP] == 0)
			r->kind = ROW_SIMPLE;
	}
	free(frame);
}

static const struct row *row_for(struct libdw_rows *c, uint64_t lookup)
{
	struct row *r = &c->rows[hash_index(lookup, ROW_SLOTS)];

	if (r->kind == ROW_EMPTY || r->lookup != lookup || r->generation != c->mods->generation) {
		memset(r, 0, sizeof(*r));
		r->lookup = lookup;
		r->generation = c->mods->generation;
		build_row(c, lookup, r);
	}
	return r;
}

/* One step with a simple row; false when something must be left to the
 * backend (a read beyond the copy, an unknown register, no progress). */
static bool step(struct libdw_rows *c, const struct snapshot *snap, const struct row *r,
		 const struct dwarf_regs *callee, bool first, struct dwarf_regs *caller)
{
	uint64_t cfa, v;
	bool cut = false;

	if (!(callee->valid & (1ull << r->cfa_reg)))
		return false;
	cfa = callee->val[r->cfa_reg] + (uint64_t)r->cfa_off;
	/* A caller's frame lies above its callee's: anything else loops. */
	if (!(callee->valid & (1ull << ARCH_DWARF_SP)) || cfa < callee->val[ARCH_DWARF_SP] ||
	    (cfa == callee->val[ARCH_DWARF_SP] && !first))
		return false;
	memset(caller, 0, sizeof(*caller));
	for (unsigned regno = 0; regno < ARCH_DWARF_NREGS; regno++) {
		if (regno == ARCH_DWARF_PC && regno != r->ra_col)
			continue;
		switch (r->rule[regno]) {
		case REG_UNDEFINED:
			continue;
		case REG_SAME:
			if (!(callee->valid & (1ull << regno)))
				continue;
			v = callee->val[regno];
			break;
		case REG_SAVED_AT_CFA:
			if (!unwind_read_word(c->mods, snap, cfa + (uint64_t)(int64_t)r->off[regno], &v, &cut))
				return false;
			break;
		default: /* REG_IS_CFA */
			v = cfa + (uint64_t)(int64_t)r->off[regno];
			break;
		}
		caller->val[regno] = v;
		caller->valid |= 1ull << regno;
	}
	/* The return address column gives the caller's pc; undefined there
	 * means the outermost frame (the caller is left without a pc). */
	if (caller->valid & (1ull << r->ra_col)) {
		caller->val[ARCH_DWARF_PC] = arch_strip_return_address(caller->val[r->ra_col]);
		caller->valid |= 1ull << ARCH_DWARF_PC;
	} else {
		caller->valid &= ~(1ull << ARCH_DWARF_PC);
	}
	return true;
}

bool libdw_rows_unwind(struct libdw_rows *c, const struct snapshot *snap,
		       const struct dwarf_regs *start, bool caller, unsigned max_frames,
		       struct unwind_result *out, struct dwarf_regs *at, bool *at_caller)
{
	struct dwarf_regs regs = *start, next;
	bool first = true;

	for (;;) {
		uint64_t pc = regs.val[ARCH_DWARF_PC];
		const struct row *r;

		if (out->n >= max_frames) {
			out->end = UNWIND_MAX_FRAMES;
			return true;
		}
		if (!(regs.valid & (1ull << ARCH_DWARF_PC)))
			break;
		if (pc == 0 && out->n > 0) {
			out->end = UNWIND_COMPLETE; /* a zeroed return address ends the chain */
			return true;
		}
		r = row_for(c, caller ? pc - 1 : pc);
		if (r->kind != ROW_SIMPLE || !step(c, snap, r, &regs, first, &next))
			break;
		unwind_result_push(out, pc, !caller);
		if (!(next.valid & (1ull << ARCH_DWARF_PC))) {
			out->end = UNWIND_COMPLETE; /* undefined return address: outermost */
			return true;
		}
		regs = next;
		caller = true;
		first = false;
	}
	*at = regs;
	*at_caller = caller;
	return false;
}
