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
#define ARCH_ELF_MACHINE 62 /* EM_X86_64: a core file's e_machine */
#define ARCH_GREGS 27 /* struct user_regs_struct, in 64-bit words */
#define ARCH_DWARF_NREGS 17 /* rax..r15 and the return address column (rip) */
#define ARCH_DWARF_SP 7
#define ARCH_DWARF_PC 16
#define ARCH_DWARF_CFI_REGS 17 /* frame state for CFI: rip too (PLT CFI reads it) */
/* Bytes below the stack pointer that the ABI keeps from signal and
 * interrupt handlers (x86-64 psABI 3.2.2): a leaf may keep data there,
 * and an epilogue leaves what it popped there. */
#define ARCH_STACK_RED_ZONE 128
#elif defined(__aarch64__)
#define ARCH_NAME "aarch64"
#define ARCH_ELF_MACHINE 183 /* EM_AARCH64 */
#define ARCH_GREGS 34 /* struct user_pt_regs: x0-x30, sp, pc, pstate */
#define ARCH_DWARF_NREGS 33 /* x0-x30, sp, pc */
#define ARCH_DWARF_SP 31
#define ARCH_DWARF_PC 32
#define ARCH_DWARF_CFI_REGS 32 /* frame state for CFI: x0-x30, sp */
#define ARCH_STACK_RED_ZONE 0 /* AAPCS64 on Linux has none */
#else
#error "pysample supports x86_64 and aarch64"
#endif

struct arch_regs {
	uint64_t gregs[ARCH_GREGS];
};

/* Copies a stopped thread's general registers (the NT_PRSTATUS regset,
 * which is also what a core file keeps of each thread). */
bool arch_get_regs(pid_t tid, struct arch_regs *regs);
/* The system call a thread's registers say it is in: its number, -1 for
 * none (user code, a fault), -2 when these registers cannot tell. */
long arch_regs_syscall(const struct arch_regs *regs);

uint64_t arch_regs_pc(const struct arch_regs *regs);
uint64_t arch_regs_sp(const struct arch_regs *regs);

/* Whether a stopped thread last entered the kernel by a system call (and
 * stopped on its way out of it) rather than by an interrupt or a fault:
 * 1 or 0, or -1 when it cannot tell. */
int arch_stopped_in_syscall(pid_t tid, const struct arch_regs *regs);

/* Value of a register by DWARF number; false for numbers outside the
 * general registers. */
bool arch_regs_dwarf(const struct arch_regs *regs, unsigned dwarf_regno, uint64_t *value);

/* A frame's registers by DWARF number, the pc at ARCH_DWARF_PC: what the
 * unwinders start from, and what they hand over where a frame has no CFI.
 * Registers the unwind could not recover are not valid. */
struct dwarf_regs {
	uint64_t val[ARCH_DWARF_NREGS];
	uint64_t valid; /* bit n: val[n] is known */
};

void arch_dwarf_regs(const struct arch_regs *regs, struct dwarf_regs *out);
/* Registers a call preserves (the rest are the callee's to clobber). */
bool arch_dwarf_callee_saved(unsigned dwarf_regno);
/* A return address as stored, made a plain address (aarch64 pointer
 * authentication signs the upper bits). */
uint64_t arch_strip_return_address(uint64_t ra);

/* Whether an address is in the kernel's half of the address space (a
 * sample the kernel took while the thread ran kernel code). */
static inline bool arch_kernel_address(uint64_t addr)
{
	/* Both x86_64 and aarch64 give the kernel the addresses with the top
	 * bit set. */
	return (addr >> 63) != 0;
}

/* Where a PLT entry jumps: the address of its GOT slot (whose
 * relocation names the function), or, for a lazy-binding entry that only
 * pushes it, the index of its .rela.plt entry. */
struct arch_plt_target {
	bool is_index;
	uint64_t value;
};

/* Decodes the PLT entry at entry_addr (its bytes in code); false when it
 * is not one of the forms the linkers write. */
bool arch_plt_entry_target(const uint8_t *code, size_t len, uint64_t entry_addr,
			   struct arch_plt_target *out);

#endif
