/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the per-architecture instruction analyses: the capstone
 * handle, and the frame state both analyses track while they walk code.
 */
#ifndef PYSAMPLE_INSN_IMPL_H
#define PYSAMPLE_INSN_IMPL_H

#include <capstone/capstone.h>

#include "insn.h"

/* Bounds on what one analysis reads and follows: the code without CFI that
 * matters (trampolines, stubs, hand-written loops) is small. */
#define INSN_MAX_FUNCTION_BYTES (64u << 10)
#define INSN_MAX_STEPS 4096
#define INSN_MAX_BRANCH_STATES 64

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct insn_analyzer {
	enum insn_arch arch;
	csh cs;
	cs_insn *insn;
};

/* The frame while walking a function forward from its entry.  Depths are
 * measured down from the CFA (the stack pointer before the call), so they
 * grow as the function pushes. */
struct insn_state {
	bool sp_known;
	int64_t sp_depth;   /* CFA - sp */
	bool fp_known;
	int64_t fp_depth;   /* CFA - fp */
	bool cfa_on_fp;     /* the function keeps a frame pointer: use it */
	int ra_reg;         /* >= 0: the return address is still in this register */
	int64_t ra_off;
	uint64_t saved;
	int64_t saved_off[INSN_MAX_REGS];
	uint64_t written; /* registers the function has changed so far */
};

void insn_state_entry(struct insn_state *s, int ra_reg, int64_t ra_off);
/* A register stored at CFA + off; only its first store is the save. */
void insn_state_save(struct insn_state *s, unsigned reg, int64_t off);
/* A register loaded back from CFA + off: no longer saved in the frame. */
void insn_state_restore(struct insn_state *s, unsigned reg, int64_t off);
bool insn_state_to_row(const struct insn_state *s, unsigned sp, unsigned fp,
		       struct insn_row *row, const char **why);

/* What an architecture says about the instruction just decoded into
 * a->insn, for the walk from a function's start. */
struct insn_walk_ops {
	/* Never falls through (hlt, ud2, brk): what follows is reached only by
	 * a jump. */
	bool (*stops)(const struct insn_analyzer *a);
	/* The target of a direct branch, conditional or not. */
	bool (*branch_target)(const struct insn_analyzer *a, uint64_t *target);
	/* Applies the instruction to the state; false when the path ends there
	 * (ret, an unconditional jump).  *epilogue: it undoes the frame. */
	bool (*step)(struct insn_analyzer *a, struct insn_state *s, bool *epilogue);
};

/*
 * Walks from `start` to `pc` with `st` holding the entry state, which it
 * turns into the state at pc.  An instruction reached after one that does
 * not fall through gets the state of a branch seen to it, or the body's
 * (the last state before an epilogue), so early exits before pc are
 * undone.
 */
bool insn_walk_to_pc(struct insn_analyzer *a, const struct insn_walk_ops *ops,
		     const uint8_t *code, size_t len, uint64_t start, uint64_t pc,
		     struct insn_state *st, const char **why);

bool insn_x86_64_from_start(struct insn_analyzer *a, const uint8_t *code, size_t len,
			    uint64_t start, uint64_t pc, struct insn_row *row, const char **why);
bool insn_x86_64_to_return(struct insn_analyzer *a, const uint8_t *code, size_t len,
			   uint64_t code_addr, uint64_t pc, struct insn_row *row, const char **why);
bool insn_aarch64_from_start(struct insn_analyzer *a, const uint8_t *code, size_t len,
			     uint64_t start, uint64_t pc, struct insn_row *row, const char **why);

#endif
