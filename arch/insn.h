/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Instruction analysis for code that has no CFI (JIT code, CPython's perf
 * trampolines, hand-written assembly, anonymous executable memory).  The
 * analysis reads the machine code with capstone and produces what a CFI row
 * would have said at one pc: how to find the canonical frame address (CFA),
 * where the return address is, and where callee-saved registers were
 * stored.  When the code does anything the analysis cannot follow, it says
 * so rather than guess.
 *
 * Both architectures' analyses are built on every host, so each is unit
 * tested on byte sequences whatever the machine.
 */
#ifndef PYSAMPLE_INSN_H
#define PYSAMPLE_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum insn_arch { INSN_X86_64, INSN_AARCH64 };

#define INSN_MAX_REGS 34 /* DWARF register numbers below this (aarch64 pc = 32) */

/* What is known at one pc; register numbers are DWARF numbers. */
struct insn_row {
	unsigned cfa_reg;  /* the stack pointer or the frame pointer */
	int64_t cfa_off;   /* CFA = cfa_reg + cfa_off; the caller's sp is the CFA */
	int ra_reg;        /* >= 0: the return address is still in this register */
	int64_t ra_off;    /* else it is stored at CFA + ra_off */
	uint64_t saved;    /* registers stored in the frame: bit n for register n */
	int64_t saved_off[INSN_MAX_REGS]; /* each at CFA + saved_off[n] */
};

struct insn_analyzer;

/* NULL when capstone lacks the architecture (err says so). */
struct insn_analyzer *insn_analyzer_new(enum insn_arch arch, char *err, size_t err_len);
void insn_analyzer_free(struct insn_analyzer *a);
enum insn_arch insn_host_arch(void);
/* DWARF numbers of the stack pointer and the frame pointer. */
unsigned insn_sp_regno(enum insn_arch arch);
unsigned insn_fp_regno(enum insn_arch arch);

/*
 * The row at `pc`, from the function's first instruction at `start`:
 * `code` holds the bytes from start up to at least pc.  The prologue is
 * followed; an epilogue before pc (an early return) is undone.  Returns
 * false, with `why`, when the analysis cannot be sure.
 */
bool insn_analyze_from_start(struct insn_analyzer *a, const uint8_t *code, size_t len,
			     uint64_t start, uint64_t pc, struct insn_row *row, const char **why);

/*
 * The row at `pc` without knowing where the function starts: the code from
 * pc on is followed to the function's return, undoing what it pops.
 * `code` holds bytes from `code_addr` (<= pc, so backward jumps can be
 * followed).  Only x86_64, where the return address is always on the stack.
 */
bool insn_analyze_to_return(struct insn_analyzer *a, const uint8_t *code, size_t len,
			    uint64_t code_addr, uint64_t pc, struct insn_row *row, const char **why);

/* One instruction as text ("mov rbx, qword ptr [rax]": Intel syntax, no
 * parentheses, so no profile reader mistakes it for a frame); its length
 * in bytes, 0 when the bytes do not decode. */
size_t insn_format(struct insn_analyzer *a, const uint8_t *code, size_t len, uint64_t pc,
		   char *buf, size_t buf_len);

#endif
