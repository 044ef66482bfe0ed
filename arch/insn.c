/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "insn-impl.h"

/* The state a branch target will start from when it is reached after an
 * instruction that does not fall through (ret, jmp): early exits taken
 * before the prologue (shrink wrapping) get the right state. */
struct insn_branch_states {
	size_t n;
	uint64_t addr[INSN_MAX_BRANCH_STATES];
	struct insn_state st[INSN_MAX_BRANCH_STATES];
};

/* capstone's allocations go through pysample's: memory running out is
 * pysample's orderly end, never a write through a NULL deep in a decoder
 * (capstone 4 does not check every allocation). */
static void *cs_alloc(size_t n) { return xmalloc(n); }
static void *cs_zalloc(size_t n, size_t size) { return xcalloc(n, size); }
static void *cs_resize(void *p, size_t n) { return xrealloc(p, n); }

struct insn_analyzer *insn_analyzer_new(enum insn_arch arch, char *err, size_t err_len)
{
	static cs_opt_mem mem = { cs_alloc, cs_zalloc, cs_resize, free, vsnprintf };
	struct insn_analyzer *a = calloc(1, sizeof(*a));
	cs_arch cs_arch = arch == INSN_X86_64 ? CS_ARCH_X86 : CS_ARCH_ARM64;
	cs_mode mode = arch == INSN_X86_64 ? CS_MODE_64 : CS_MODE_ARM;
	cs_err rc;

	if (!a) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	a->arch = arch;
	cs_option(0, CS_OPT_MEM, (size_t)&mem);
	rc = cs_open(cs_arch, mode, &a->cs);
	if (rc != CS_ERR_OK) {
		snprintf(err, err_len, "capstone cannot decode %s: %s",
			 arch == INSN_X86_64 ? "x86_64" : "aarch64", cs_strerror(rc));
		free(a);
		return NULL;
	}
	/* Operands are needed to follow the stack; Intel syntax (the default)
	 * prints memory operands in brackets, never parentheses. */
	cs_option(a->cs, CS_OPT_DETAIL, CS_OPT_ON);
	a->insn = cs_malloc(a->cs);
	if (!a->insn) {
		snprintf(err, err_len, "capstone: out of memory");
		cs_close(&a->cs);
		free(a);
		return NULL;
	}
	return a;
}

void insn_analyzer_free(struct insn_analyzer *a)
{
	if (!a)
		return;
	cs_free(a->insn, 1);
	cs_close(&a->cs);
	free(a);
}

enum insn_arch insn_host_arch(void)
{
#if defined(__aarch64__)
	return INSN_AARCH64;
#else
	return INSN_X86_64;
#endif
}

unsigned insn_sp_regno(enum insn_arch arch) { return arch == INSN_X86_64 ? 7 : 31; }
unsigned insn_fp_regno(enum insn_arch arch) { return arch == INSN_X86_64 ? 6 : 29; }

bool insn_analyze_from_start(struct insn_analyzer *a, const uint8_t *code, size_t len,
			     uint64_t start, uint64_t pc, struct insn_row *row, const char **why)
{
	if (pc < start || pc - start > len || pc - start >= INSN_MAX_FUNCTION_BYTES) {
		*why = "pc outside the function's code";
		return false;
	}
	if (a->arch == INSN_X86_64)
		return insn_x86_64_from_start(a, code, len, start, pc, row, why);
	return insn_aarch64_from_start(a, code, len, start, pc, row, why);
}

bool insn_analyze_to_return(struct insn_analyzer *a, const uint8_t *code, size_t len,
			    uint64_t code_addr, uint64_t pc, struct insn_row *row, const char **why)
{
	if (a->arch != INSN_X86_64) {
		/* The return address may still be in the link register. */
		*why = "no function start: aarch64 needs the prologue";
		return false;
	}
	if (pc < code_addr || pc - code_addr >= len) {
		*why = "pc outside the code read";
		return false;
	}
	return insn_x86_64_to_return(a, code, len, code_addr, pc, row, why);
}

size_t insn_format(struct insn_analyzer *a, const uint8_t *code, size_t len, uint64_t pc,
		   char *buf, size_t buf_len)
{
	const uint8_t *p = code;
	size_t left = len;
	uint64_t addr = pc;

	if (!cs_disasm_iter(a->cs, &p, &left, &addr, a->insn)) {
		snprintf(buf, buf_len, "(bad)");
		return 0;
	}
	if (a->insn->op_str[0])
		snprintf(buf, buf_len, "%s %s", a->insn->mnemonic, a->insn->op_str);
	else
		snprintf(buf, buf_len, "%s", a->insn->mnemonic);
	return a->insn->size;
}

void insn_state_entry(struct insn_state *s, int ra_reg, int64_t ra_off)
{
	memset(s, 0, sizeof(*s));
	s->sp_known = true;
	s->ra_reg = ra_reg;
	s->ra_off = ra_off;
}

void insn_state_save(struct insn_state *s, unsigned reg, int64_t off)
{
	if (reg >= INSN_MAX_REGS || (s->saved & (1ull << reg)))
		return;
	s->saved |= 1ull << reg;
	s->saved_off[reg] = off;
}

void insn_state_restore(struct insn_state *s, unsigned reg, int64_t off)
{
	if (reg < INSN_MAX_REGS && (s->saved & (1ull << reg)) && s->saved_off[reg] == off)
		s->saved &= ~(1ull << reg);
}

bool insn_state_to_row(const struct insn_state *s, unsigned sp, unsigned fp,
		       struct insn_row *row, const char **why)
{
	memset(row, 0, sizeof(*row));
	if (s->cfa_on_fp && s->fp_known) {
		row->cfa_reg = fp;
		row->cfa_off = s->fp_depth;
	} else if (s->sp_known) {
		row->cfa_reg = sp;
		row->cfa_off = s->sp_depth;
	} else {
		*why = "the stack pointer moved by an unknown amount and there is no frame pointer";
		return false;
	}
	if (row->cfa_off < 0) {
		*why = "the stack pointer is above the frame's base";
		return false;
	}
	row->ra_reg = s->ra_reg;
	row->ra_off = s->ra_off;
	row->saved = s->saved;
	memcpy(row->saved_off, s->saved_off, sizeof(row->saved_off));
	return true;
}

static const struct insn_state *insn_branch_find(const struct insn_branch_states *b,
						 uint64_t addr);

static void insn_branch_note(struct insn_branch_states *b, uint64_t addr,
			     const struct insn_state *s)
{
	if (insn_branch_find(b, addr) || b->n >= INSN_MAX_BRANCH_STATES)
		return; /* the first path to a target wins */
	b->addr[b->n] = addr;
	b->st[b->n] = *s;
	b->n++;
}

static const struct insn_state *insn_branch_find(const struct insn_branch_states *b,
						 uint64_t addr)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->addr[i] == addr)
			return &b->st[i];
	return NULL;
}

bool insn_walk_to_pc(struct insn_analyzer *a, const struct insn_walk_ops *ops,
		     const uint8_t *code, size_t len, uint64_t start, uint64_t pc,
		     struct insn_state *st, const char **why)
{
	struct insn_branch_states branches;
	struct insn_state body = *st;
	const uint8_t *p = code;
	size_t left = len;
	uint64_t addr = start;
	bool falls_through = true;
	unsigned steps = 0;

	branches.n = 0;
	while (addr < pc) {
		uint64_t at = addr, target;
		bool epilogue;

		if (!falls_through) {
			/* Reached only by a jump: from the state that jump had,
			 * or, unknown, from the function's body. */
			const struct insn_state *b = insn_branch_find(&branches, at);
			*st = b ? *b : body;
		}
		if (++steps > INSN_MAX_STEPS) {
			*why = "function too long to analyse";
			return false;
		}
		if (!cs_disasm_iter(a->cs, &p, &left, &addr, a->insn)) {
			*why = "undecodable instruction before the pc";
			return false;
		}
		if (ops->stops(a)) {
			falls_through = false;
			continue;
		}
		if (ops->branch_target(a, &target) && target > at && target <= pc)
			insn_branch_note(&branches, target, st);
		falls_through = ops->step(a, st, &epilogue);
		if (!epilogue && falls_through)
			body = *st;
	}
	if (addr != pc) {
		*why = "pc is not on an instruction boundary";
		return false;
	}
	if (!falls_through) {
		const struct insn_state *b = insn_branch_find(&branches, pc);
		*st = b ? *b : body;
	}
	return true;
}
