/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One unwind step through code without CFI: find where the function
 * starts (its symbol, or the perf map entry of JIT code), read its code,
 * let the instruction analysis (arch/insn.h) say where the caller's
 * registers are, and recover them from the stack copy.  Analyses are
 * cached per pc: code does not change under a profile.
 */
#ifndef PYSAMPLE_UNWIND_INSN_H
#define PYSAMPLE_UNWIND_INSN_H

#include "modules.h"
#include "snapshot.h"

enum insn_step {
	INSN_STEP_OK,     /* *caller holds the caller's registers */
	INSN_STEP_UNSURE, /* the analysis could not tell: *why says what */
	INSN_STEP_CUT,    /* the caller's registers lie beyond the stack copy */
	INSN_STEP_OUTERMOST, /* a process entry point (ELF e_entry): no caller */
};

struct insn_unwinder;

struct insn_unwinder *insn_unwinder_new(struct modules *mods, char *err, size_t err_len);
void insn_unwinder_free(struct insn_unwinder *iu);

/* `frame`: the registers of a frame whose pc has no CFI; `is_caller`: its
 * pc is a return address (not the interrupted instruction). */
enum insn_step insn_unwind_step(struct insn_unwinder *iu, const struct snapshot *snap,
				const struct dwarf_regs *frame, bool is_caller,
				struct dwarf_regs *caller, const char **why);

#endif
