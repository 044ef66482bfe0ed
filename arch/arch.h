/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The architecture boundary: registers as the kernel hands them out, and
 * their DWARF numbering.  Only arch/<name>/ knows register names; the rest
 * of pysample asks through these functions.
 */
#ifndef PYSAMPLE_ARCH_H
#define PYSAMPLE_ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#if defined(__x86_64__)
#define ARCH_NAME "x86_64"
#define ARCH_GREGS 27 /* struct user_regs_struct, in 64-bit words */
#define ARCH_DWARF_NREGS 17 /* rax..r15 and the return address column (rip) */
#elif defined(__aarch64__)
#define ARCH_NAME "aarch64"
#define ARCH_GREGS 34 /* struct user_pt_regs: x0-x30, sp, pc, pstate */
#define ARCH_DWARF_NREGS 33 /* x0-x30, sp, pc */
#else
#error "pysample supports x86_64 and aarch64"
#endif

struct arch_regs {
	uint64_t gregs[ARCH_GREGS];
};

/* Copies a stopped thread's general registers. */
bool arch_get_regs(pid_t tid, struct arch_regs *regs);

uint64_t arch_regs_pc(const struct arch_regs *regs);
uint64_t arch_regs_sp(const struct arch_regs *regs);

/* Value of a register by DWARF number; false for numbers outside the
 * general registers. */
bool arch_regs_dwarf(const struct arch_regs *regs, unsigned dwarf_regno, uint64_t *value);

#endif
