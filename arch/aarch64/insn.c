/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aarch64 instruction analysis.  At entry the CFA is sp and the return
 * address is in the link register x30; the usual prologue stores x29/x30
 * with `stp x29, x30, [sp, #-N]!`, points x29 at them (`mov x29, sp`) and
 * stores more callee-saved pairs.  A call (bl, blr) overwrites x30, so a
 * return address still in x30 is only trusted in the frame that was
 * interrupted.
 */
#include "insn-impl.h"

enum { DW_X29 = 29, DW_X30 = 30, DW_SP = 31, RA_LOST = -2 };

static int dwarf_reg(arm64_reg r)
{
	if (r >= ARM64_REG_X0 && r <= ARM64_REG_X28)
		return (int)(r - ARM64_REG_X0);
	if (r == ARM64_REG_X29)
		return DW_X29;
	if (r == ARM64_REG_X30)
		return DW_X30;
	if (r == ARM64_REG_SP)
		return DW_SP;
	return -1;
}

static const cs_arm64_op *op(const struct insn_analyzer *a, unsigned i)
{
	const cs_arm64 *x = &a->insn->detail->arm64;
	return i < x->op_count ? &x->operands[i] : NULL;
}

static bool op_is_reg(const cs_arm64_op *o, arm64_reg reg)
{
	return o && o->type == ARM64_OP_REG && o->reg == reg;
}

static bool imm_value(const cs_arm64_op *o, int64_t *v)
{
	if (!o || o->type != ARM64_OP_IMM)
		return false;
	*v = o->imm;
	if (o->shift.type == ARM64_SFT_LSL)
		*v <<= o->shift.value; /* add sp, sp, #1, lsl #12 */
	return true;
}

static void on_store(struct insn_state *s, int reg, int64_t off)
{
	if (reg < 0 || reg == DW_SP)
		return;
	insn_state_save(s, (unsigned)reg, off);
	if (reg == DW_X30 && s->ra_reg == DW_X30) {
		s->ra_reg = -1;
		s->ra_off = off;
	}
}

static void on_load(struct insn_state *s, int reg, int64_t off)
{
	if (reg < 0)
		return;
	if (reg == DW_X30 && s->ra_reg == -1 && s->ra_off == off)
		s->ra_reg = DW_X30;
	else if (reg == DW_X30 && s->ra_reg == DW_X30)
		s->ra_reg = RA_LOST;
	insn_state_restore(s, (unsigned)reg, off);
	if (reg == DW_X29) {
		s->fp_known = false;
		s->cfa_on_fp = false;
	}
}

/*
 * stp/ldp/str/ldr with sp as the base: [sp, #d] (no writeback), pre-index
 * [sp, #d]! (sp += d first) or post-index [sp], #d (sp += d after).
 * Returns false when the base is not sp.
 */
static bool sp_transfer(struct insn_analyzer *a, struct insn_state *s, bool store, unsigned nregs)
{
	const cs_arm64 *x = &a->insn->detail->arm64;
	const cs_arm64_op *m = op(a, nregs);
	int64_t post = 0, slot;
	bool has_post;

	if (!m || m->type != ARM64_OP_MEM || m->mem.base != ARM64_REG_SP)
		return false;
	has_post = x->writeback && imm_value(op(a, nregs + 1), &post);
	if (x->writeback && !has_post)
		s->sp_depth -= m->mem.disp; /* pre-index */
	slot = -s->sp_depth + (x->writeback ? 0 : m->mem.disp);
	for (unsigned i = 0; i < nregs; i++) {
		const cs_arm64_op *r = op(a, i);
		int reg = r && r->type == ARM64_OP_REG ? dwarf_reg(r->reg) : -1;
		if (store)
			on_store(s, reg, slot + 8 * (int64_t)i);
		else
			on_load(s, reg, slot + 8 * (int64_t)i);
	}
	if (has_post)
		s->sp_depth -= post;
	return true;
}

static void fp_from_sp(struct insn_state *s, int64_t disp)
{
	s->fp_known = s->sp_known;
	s->fp_depth = s->sp_depth - disp;
	s->cfa_on_fp = s->fp_known && (s->saved & (1ull << DW_X29));
}

static bool writes_reg(struct insn_analyzer *a, arm64_reg reg)
{
	cs_regs rd, wr;
	uint8_t nrd = 0, nwr = 0;
	const cs_arm64_op *o0 = op(a, 0);

	if (o0 && o0->type == ARM64_OP_REG && o0->reg == reg && (o0->access & CS_AC_WRITE))
		return true;
	if (cs_regs_access(a->cs, a->insn, rd, &nrd, wr, &nwr) != CS_ERR_OK)
		return true;
	for (unsigned i = 0; i < nwr; i++)
		if (wr[i] == reg)
			return true;
	return false;
}

static bool is_unconditional_branch(const struct insn_analyzer *a)
{
	arm64_cc cc = a->insn->detail->arm64.cc;
	return a->insn->id == ARM64_INS_B && (cc == ARM64_CC_INVALID || cc == ARM64_CC_AL);
}

/* The target of a conditional branch (b.cond, cbz/cbnz, tbz/tbnz). */
static bool conditional_target(const struct insn_analyzer *a, uint64_t *target)
{
	const cs_arm64 *x = &a->insn->detail->arm64;
	unsigned id = a->insn->id;

	if (!((id == ARM64_INS_B && !is_unconditional_branch(a)) || id == ARM64_INS_CBZ ||
	      id == ARM64_INS_CBNZ || id == ARM64_INS_TBZ || id == ARM64_INS_TBNZ) ||
	    x->op_count == 0 || x->operands[x->op_count - 1].type != ARM64_OP_IMM)
		return false;
	*target = (uint64_t)x->operands[x->op_count - 1].imm;
	return true;
}

static bool step(struct insn_analyzer *a, struct insn_state *s, bool *epilogue)
{
	const cs_arm64_op *o0 = op(a, 0), *o1 = op(a, 1), *o2 = op(a, 2);
	unsigned id = a->insn->id;
	int64_t imm;

	*epilogue = false;
	switch (id) {
	case ARM64_INS_STP:
		if (sp_transfer(a, s, true, 2))
			return true;
		break;
	case ARM64_INS_STR:
		if (sp_transfer(a, s, true, 1))
			return true;
		break;
	case ARM64_INS_LDP:
		*epilogue = true;
		if (sp_transfer(a, s, false, 2))
			return true;
		break;
	case ARM64_INS_LDR:
		if (sp_transfer(a, s, false, 1)) {
			*epilogue = true;
			return true;
		}
		break;
	case ARM64_INS_SUB:
	case ARM64_INS_ADD:
		if (op_is_reg(o0, ARM64_REG_SP) && op_is_reg(o1, ARM64_REG_SP) && imm_value(o2, &imm)) {
			*epilogue = id == ARM64_INS_ADD;
			s->sp_depth += id == ARM64_INS_SUB ? imm : -imm;
			return true;
		}
		if (op_is_reg(o0, ARM64_REG_X29) && op_is_reg(o1, ARM64_REG_SP) && imm_value(o2, &imm)) {
			fp_from_sp(s, id == ARM64_INS_ADD ? imm : -imm);
			return true;
		}
		if (op_is_reg(o0, ARM64_REG_SP) && op_is_reg(o1, ARM64_REG_X29) && imm_value(o2, &imm)) {
			*epilogue = true;
			s->sp_known = s->fp_known;
			s->sp_depth = s->fp_depth - (id == ARM64_INS_ADD ? imm : -imm);
			return true;
		}
		break;
	case ARM64_INS_MOV:
		if (op_is_reg(o0, ARM64_REG_X29) && op_is_reg(o1, ARM64_REG_SP)) {
			fp_from_sp(s, 0);
			return true;
		}
		if (op_is_reg(o0, ARM64_REG_SP) && op_is_reg(o1, ARM64_REG_X29)) {
			*epilogue = true;
			s->sp_known = s->fp_known;
			s->sp_depth = s->fp_depth;
			return true;
		}
		break;
	case ARM64_INS_RET:
	case ARM64_INS_BR:
		*epilogue = true;
		return false;
	case ARM64_INS_B:
		if (is_unconditional_branch(a)) {
			*epilogue = true;
			return false;
		}
		return true;
	case ARM64_INS_BL:
	case ARM64_INS_BLR:
		if (s->ra_reg == DW_X30)
			s->ra_reg = RA_LOST; /* the call overwrote the only copy */
		return true;
	default:
		break;
	}
	if (writes_reg(a, ARM64_REG_SP))
		s->sp_known = false;
	if (writes_reg(a, ARM64_REG_X29)) {
		s->fp_known = false;
		s->cfa_on_fp = false;
	}
	if (s->ra_reg == DW_X30 && writes_reg(a, ARM64_REG_X30))
		s->ra_reg = RA_LOST;
	return true;
}

static bool stops(const struct insn_analyzer *a)
{
	return a->insn->id == ARM64_INS_BRK || a->insn->id == ARM64_INS_HLT;
}

static bool branch_target(const struct insn_analyzer *a, uint64_t *target)
{
	const cs_arm64_op *o0 = op(a, 0);

	if (conditional_target(a, target))
		return true;
	if (!is_unconditional_branch(a) || !o0 || o0->type != ARM64_OP_IMM)
		return false;
	*target = (uint64_t)o0->imm;
	return true;
}

static const struct insn_walk_ops walk_ops = { stops, branch_target, step };

bool insn_aarch64_from_start(struct insn_analyzer *a, const uint8_t *code, size_t len,
			     uint64_t start, uint64_t pc, struct insn_row *row, const char **why)
{
	struct insn_state st;

	if ((start | pc) & 3) {
		*why = "aarch64 code is not 4-byte aligned";
		return false;
	}
	insn_state_entry(&st, DW_X30, 0);
	if (!insn_walk_to_pc(a, &walk_ops, code, len, start, pc, &st, why))
		return false;
	if (st.ra_reg == RA_LOST) {
		*why = "the return address was overwritten and not saved";
		return false;
	}
	return insn_state_to_row(&st, DW_SP, DW_X29, row, why);
}
