/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86_64 instruction analysis.  At entry the return address is at [rsp]
 * and the CFA is rsp + 8.  The analysis follows what moves rsp and rbp:
 * push/pop, sub/add/lea on rsp, mov rbp,rsp, leave, enter; anything else
 * that writes rsp makes the stack pointer unknown (fine when the function
 * keeps a frame pointer, a failure otherwise).
 */
#include <string.h>

#include "insn-impl.h"

enum { DW_RSP = 7, DW_RBP = 6 };

static int dwarf_reg(x86_reg r)
{
	switch (r) {
	case X86_REG_RAX: return 0;
	case X86_REG_RDX: return 1;
	case X86_REG_RCX: return 2;
	case X86_REG_RBX: return 3;
	case X86_REG_RSI: return 4;
	case X86_REG_RDI: return 5;
	case X86_REG_RBP: return 6;
	case X86_REG_RSP: return 7;
	case X86_REG_R8: return 8;
	case X86_REG_R9: return 9;
	case X86_REG_R10: return 10;
	case X86_REG_R11: return 11;
	case X86_REG_R12: return 12;
	case X86_REG_R13: return 13;
	case X86_REG_R14: return 14;
	case X86_REG_R15: return 15;
	default: return -1;
	}
}

static bool writes(struct insn_analyzer *a, x86_reg reg)
{
	cs_regs rd, wr;
	uint8_t nrd = 0, nwr = 0;

	if (cs_regs_access(a->cs, a->insn, rd, &nrd, wr, &nwr) != CS_ERR_OK)
		return true; /* cannot tell: assume the worst */
	for (unsigned i = 0; i < nwr; i++)
		if (wr[i] == reg)
			return true;
	return false;
}

static const cs_x86_op *op(const struct insn_analyzer *a, unsigned i)
{
	const cs_x86 *x = &a->insn->detail->x86;
	return i < x->op_count ? &x->operands[i] : NULL;
}

static bool op_is_reg(const cs_x86_op *o, x86_reg reg)
{
	return o && o->type == X86_OP_REG && o->reg == reg;
}

/* lea REG, [base + disp] with no index: the displacement, or false. */
static bool lea_from(const struct insn_analyzer *a, x86_reg base, int64_t *disp)
{
	const cs_x86_op *m = op(a, 1);

	if (!m || m->type != X86_OP_MEM || m->mem.base != base || m->mem.index != X86_REG_INVALID)
		return false;
	*disp = m->mem.disp;
	return true;
}

static bool is_conditional_jump(const struct insn_analyzer *a)
{
	return a->insn->id != X86_INS_JMP && cs_insn_group(a->cs, a->insn, X86_GRP_JUMP);
}

/* The target of a direct branch, or false for an indirect one. */
static bool direct_target(const struct insn_analyzer *a, uint64_t *target)
{
	const cs_x86_op *o = op(a, 0);

	if (!o || o->type != X86_OP_IMM)
		return false;
	*target = (uint64_t)o->imm;
	return true;
}

static bool never_returns(unsigned id)
{
	return id == X86_INS_HLT || id == X86_INS_UD2 || id == X86_INS_INT3 || id == X86_INS_INVALID;
}

/* pop into `reg`: the slot at the current depth is read back. */
static void pop_reg(struct insn_state *s, int reg)
{
	if (reg >= 0)
		insn_state_restore(s, (unsigned)reg, -s->sp_depth);
	s->sp_depth -= 8;
	if (reg == DW_RBP) {
		s->fp_known = false; /* the caller's rbp again */
		s->cfa_on_fp = false;
	}
}

static void fp_from_sp(struct insn_state *s, int64_t disp)
{
	s->fp_known = s->sp_known;
	s->fp_depth = s->sp_depth - disp;
	/* A frame pointer counts once the caller's rbp is saved. */
	s->cfa_on_fp = s->fp_known && (s->saved & (1ull << DW_RBP));
}

static void sp_from_fp(struct insn_state *s, int64_t disp)
{
	s->sp_known = s->fp_known;
	s->sp_depth = s->fp_depth - disp;
}

static bool callee_saved(int reg)
{
	/* rbx, rbp, r12-r15 (psABI 3.2.1) */
	return reg == 3 || reg == DW_RBP || (reg >= 12 && reg <= 15);
}

/* [rsp + disp] with no index: the displacement, or false. */
static bool at_rsp(const cs_x86_op *m, int64_t *disp)
{
	if (!m || m->type != X86_OP_MEM || m->mem.base != X86_REG_RSP ||
	    m->mem.index != X86_REG_INVALID)
		return false;
	*disp = m->mem.disp;
	return true;
}

/* Which callee-saved registers the instruction changes (a call preserves
 * them). */
static void note_writes(struct insn_analyzer *a, struct insn_state *s)
{
	cs_regs rd, wr;
	uint8_t nrd = 0, nwr = 0;

	if (a->insn->id == X86_INS_CALL ||
	    cs_regs_access(a->cs, a->insn, rd, &nrd, wr, &nwr) != CS_ERR_OK)
		return;
	for (unsigned i = 0; i < nwr; i++) {
		int reg = dwarf_reg(wr[i]);
		/* A write to any part of a register changes it. */
		if (reg < 0) {
			switch (wr[i]) {
			case X86_REG_EBX: case X86_REG_BX: case X86_REG_BL: case X86_REG_BH:
				reg = 3; break;
			case X86_REG_EBP: case X86_REG_BP: case X86_REG_BPL:
				reg = DW_RBP; break;
			case X86_REG_R12D: case X86_REG_R12W: case X86_REG_R12B: reg = 12; break;
			case X86_REG_R13D: case X86_REG_R13W: case X86_REG_R13B: reg = 13; break;
			case X86_REG_R14D: case X86_REG_R14W: case X86_REG_R14B: reg = 14; break;
			case X86_REG_R15D: case X86_REG_R15W: case X86_REG_R15B: reg = 15; break;
			default: break;
			}
		}
		if (reg >= 0 && callee_saved(reg))
			s->written |= 1ull << reg;
	}
}

/* Applies one instruction; false if it ends the path (ret, jmp). */
static bool step(struct insn_analyzer *a, struct insn_state *s, bool *epilogue)
{
	const cs_x86_op *o0 = op(a, 0), *o1 = op(a, 1);
	unsigned id = a->insn->id;
	int64_t disp;

	*epilogue = false;
	switch (id) {
	case X86_INS_PUSH:
		s->sp_depth += 8;
		if (o0 && o0->type == X86_OP_REG && dwarf_reg(o0->reg) >= 0)
			insn_state_save(s, (unsigned)dwarf_reg(o0->reg), -s->sp_depth);
		return true;
	case X86_INS_PUSHFQ:
		s->sp_depth += 8;
		return true;
	case X86_INS_POP:
		*epilogue = true;
		if (op_is_reg(o0, X86_REG_RSP)) {
			s->sp_known = false;
			return true;
		}
		pop_reg(s, o0 && o0->type == X86_OP_REG ? dwarf_reg(o0->reg) : -1);
		return true;
	case X86_INS_POPFQ:
		s->sp_depth -= 8;
		return true;
	case X86_INS_ENTER:
		s->sp_depth += 8;
		insn_state_save(s, DW_RBP, -s->sp_depth);
		fp_from_sp(s, 0);
		s->sp_depth += o0 && o0->type == X86_OP_IMM ? o0->imm : 0;
		return true;
	case X86_INS_LEAVE:
		*epilogue = true;
		sp_from_fp(s, 0);
		pop_reg(s, DW_RBP);
		return true;
	case X86_INS_RET:
	case X86_INS_RETF:
	case X86_INS_JMP:
		*epilogue = true;
		return false;
	case X86_INS_SUB:
	case X86_INS_ADD:
		if (op_is_reg(o0, X86_REG_RSP)) {
			*epilogue = id == X86_INS_ADD;
			if (o1 && o1->type == X86_OP_IMM)
				s->sp_depth += id == X86_INS_SUB ? o1->imm : -o1->imm;
			else
				s->sp_known = false; /* alloca */
			return true;
		}
		break;
	case X86_INS_MOV:
		if (op_is_reg(o0, X86_REG_RBP) && op_is_reg(o1, X86_REG_RSP)) {
			fp_from_sp(s, 0);
			return true;
		}
		if (op_is_reg(o0, X86_REG_RSP) && op_is_reg(o1, X86_REG_RBP)) {
			*epilogue = true;
			sp_from_fp(s, 0);
			return true;
		}
		/* A callee-saved register stored into the frame before the
		 * function changed it is saved there, as by a push (OpenBLAS's
		 * kernels: sub rsp, N; mov [rsp + 8], rbp); loaded back, it is
		 * the caller's again. */
		if (s->sp_known && o1 && o1->type == X86_OP_REG && o1->size == 8 &&
		    at_rsp(o0, &disp) && callee_saved(dwarf_reg(o1->reg)) &&
		    !(s->written & (1ull << dwarf_reg(o1->reg)))) {
			insn_state_save(s, (unsigned)dwarf_reg(o1->reg), disp - s->sp_depth);
			return true;
		}
		if (s->sp_known && o0 && o0->type == X86_OP_REG && o0->size == 8 &&
		    at_rsp(o1, &disp) && callee_saved(dwarf_reg(o0->reg)))
			insn_state_restore(s, (unsigned)dwarf_reg(o0->reg), disp - s->sp_depth);
		break;
	case X86_INS_LEA:
		if (op_is_reg(o0, X86_REG_RSP)) {
			*epilogue = true;
			if (lea_from(a, X86_REG_RSP, &disp))
				s->sp_depth -= disp;
			else if (lea_from(a, X86_REG_RBP, &disp))
				sp_from_fp(s, disp);
			else
				s->sp_known = false;
			return true;
		}
		if (op_is_reg(o0, X86_REG_RBP) && lea_from(a, X86_REG_RSP, &disp)) {
			fp_from_sp(s, disp);
			return true;
		}
		break;
	default:
		break;
	}
	if (writes(a, X86_REG_RSP) && id != X86_INS_CALL)
		s->sp_known = false;
	if (writes(a, X86_REG_RBP)) {
		s->fp_known = false;
		s->cfa_on_fp = false;
	}
	note_writes(a, s);
	return true;
}

static bool stops(const struct insn_analyzer *a)
{
	return never_returns(a->insn->id);
}

static bool branch_target(const struct insn_analyzer *a, uint64_t *target)
{
	return (is_conditional_jump(a) || a->insn->id == X86_INS_JMP) && direct_target(a, target);
}

static const struct insn_walk_ops walk_ops = { stops, branch_target, step };

bool insn_x86_64_from_start(struct insn_analyzer *a, const uint8_t *code, size_t len,
			    uint64_t start, uint64_t pc, struct insn_row *row, const char **why)
{
	struct insn_state st;

	insn_state_entry(&st, -1, -8);
	st.sp_depth = 8;
	return insn_walk_to_pc(a, &walk_ops, code, len, start, pc, &st, why) &&
	       insn_state_to_row(&st, DW_RSP, DW_RBP, row, why);
}

/*
 * Without the function's start: walk from pc to the instruction that
 * leaves the function (ret, or a jmp out of it: a tail call), following
 * direct jumps and the fall-through of conditional ones, and undo what the
 * walk pops.  Offsets are kept from the stack pointer at pc, or from the
 * frame pointer at pc once `leave` or `mov rsp, rbp` makes the stack
 * pointer a function of it.
 */
struct pop_record {
	int reg;
	bool on_fp;
	int64_t off;
};

bool insn_x86_64_to_return(struct insn_analyzer *a, const uint8_t *code, size_t len,
			   uint64_t code_addr, uint64_t pc, struct insn_row *row, const char **why)
{
	struct pop_record pops[16];
	uint64_t jumped[16];
	size_t npops = 0, njumped = 0;
	bool on_fp = false, fp_changed = false;
	int64_t d = 0; /* sp - base */
	uint64_t addr = pc;
	unsigned steps = 0;

	for (;;) {
		const uint8_t *p;
		size_t left;
		uint64_t next = addr, target;
		const cs_x86_op *o0, *o1;
		int64_t disp;
		unsigned id;

		if (addr < code_addr || addr - code_addr >= len) {
			*why = "the path to the return leaves the code read";
			return false;
		}
		if (++steps > 1024) {
			*why = "no return found";
			return false;
		}
		p = code + (addr - code_addr);
		left = len - (addr - code_addr);
		if (!cs_disasm_iter(a->cs, &p, &left, &next, a->insn)) {
			*why = "undecodable instruction after the pc";
			return false;
		}
		id = a->insn->id;
		o0 = op(a, 0);
		o1 = op(a, 1);
		if (never_returns(id)) {
			*why = "the code after the pc does not return";
			return false;
		}
		if (id == X86_INS_RET)
			break;
		if (id == X86_INS_JMP) {
			if (!direct_target(a, &target)) {
				*why = "indirect jump after the pc";
				return false;
			}
			if (target < code_addr || target - code_addr >= len)
				break; /* a tail call: the return address is on top */
			for (size_t i = 0; i < njumped; i++)
				if (jumped[i] == target) {
					*why = "the code after the pc loops without returning";
					return false;
				}
			if (njumped == ARRAY_LEN(jumped)) {
				*why = "too many jumps before the return";
				return false;
			}
			jumped[njumped++] = target;
			addr = target;
			continue;
		}
		addr = next;
		switch (id) {
		case X86_INS_PUSH:
		case X86_INS_PUSHFQ:
			d -= 8;
			continue;
		case X86_INS_POP:
		case X86_INS_POPFQ:
			if (id == X86_INS_POP && o0 && o0->type == X86_OP_REG) {
				int reg = dwarf_reg(o0->reg);
				if (reg == DW_RSP) {
					*why = "pop rsp after the pc";
					return false;
				}
				if (reg >= 0 && npops < ARRAY_LEN(pops))
					pops[npops++] = (struct pop_record){ reg, on_fp, d };
				if (reg == DW_RBP)
					fp_changed = true;
			}
			d += 8;
			continue;
		case X86_INS_LEAVE:
			if (fp_changed) {
				*why = "rbp changes before leave";
				return false;
			}
			on_fp = true;
			d = 0;
			if (npops < ARRAY_LEN(pops))
				pops[npops++] = (struct pop_record){ DW_RBP, true, 0 };
			fp_changed = true;
			d = 8;
			continue;
		case X86_INS_ADD:
		case X86_INS_SUB:
			if (op_is_reg(o0, X86_REG_RSP)) {
				if (!o1 || o1->type != X86_OP_IMM) {
					*why = "rsp moves by a register amount after the pc";
					return false;
				}
				d += id == X86_INS_ADD ? o1->imm : -o1->imm;
				continue;
			}
			break;
		case X86_INS_LEA:
			if (op_is_reg(o0, X86_REG_RSP)) {
				if (lea_from(a, X86_REG_RSP, &disp)) {
					d += disp;
					continue;
				}
				if (lea_from(a, X86_REG_RBP, &disp) && !fp_changed) {
					on_fp = true;
					d = disp;
					continue;
				}
				*why = "rsp is loaded from an unknown address after the pc";
				return false;
			}
			break;
		case X86_INS_MOV:
			if (op_is_reg(o0, X86_REG_RSP) && op_is_reg(o1, X86_REG_RBP) && !fp_changed) {
				on_fp = true;
				d = 0;
				continue;
			}
			break;
		case X86_INS_CALL:
			continue; /* the callee returns with the stack as it was */
		default:
			break;
		}
		if (writes(a, X86_REG_RSP)) {
			*why = "rsp is written in a way the analysis does not follow";
			return false;
		}
		if (writes(a, X86_REG_RBP))
			fp_changed = true;
	}
	/* Here [base + d] is the return address. */
	memset(row, 0, sizeof(*row));
	row->cfa_reg = on_fp ? DW_RBP : DW_RSP;
	row->cfa_off = d + 8;
	row->ra_reg = -1;
	row->ra_off = -8;
	for (size_t i = 0; i < npops; i++) {
		unsigned reg = (unsigned)pops[i].reg;
		if (pops[i].on_fp != on_fp) {
			*why = "registers are restored from two different bases";
			return false;
		}
		if (!(row->saved & (1ull << reg))) {
			row->saved |= 1ull << reg;
			row->saved_off[reg] = pops[i].off - row->cfa_off;
		}
	}
	if (on_fp && row->cfa_off < 8) {
		*why = "the frame pointer does not point into the frame";
		return false;
	}
	return true;
}
