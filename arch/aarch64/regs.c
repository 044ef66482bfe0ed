/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "arch.h"

#include <elf.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

/* Layout of struct user_pt_regs: x0..x30, sp, pc, pstate. */
enum { AARCH64_SP = 31, AARCH64_PC = 32 };

bool arch_get_regs(pid_t tid, struct arch_regs *regs)
{
	struct iovec iov = { regs->gregs, sizeof(regs->gregs) };
	return ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) == 0 &&
	       iov.iov_len == sizeof(regs->gregs);
}

uint64_t arch_regs_pc(const struct arch_regs *regs) { return regs->gregs[AARCH64_PC]; }
uint64_t arch_regs_sp(const struct arch_regs *regs) { return regs->gregs[AARCH64_SP]; }

#ifndef NT_ARM_SYSTEM_CALL
#define NT_ARM_SYSTEM_CALL 0x404
#endif

int arch_stopped_in_syscall(pid_t tid, const struct arch_regs *regs)
{
	/* pt_regs->syscallno: the system call's number, or -1 (NO_SYSCALL)
	 * when the kernel was entered by an exception or an interrupt; not in
	 * the general registers, it has a register set of its own. */
	int syscallno = -1;
	struct iovec iov = { &syscallno, sizeof(syscallno) };

	(void)regs;
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &iov) != 0)
		return -1;
	return syscallno >= 0;
}

long arch_regs_syscall(const struct arch_regs *regs)
{
	(void)regs; /* the number is in a register set of its own (above) */
	return -2;
}

/* DWARF for AArch64: 0-30 are x0-x30, 31 is sp; pc has no DWARF number of
 * its own, pysample uses 32 for it as libdw's frame state does. */
bool arch_regs_dwarf(const struct arch_regs *regs, unsigned dwarf_regno, uint64_t *value)
{
	if (dwarf_regno >= ARCH_DWARF_NREGS)
		return false;
	*value = regs->gregs[dwarf_regno];
	return true;
}

void arch_dwarf_regs(const struct arch_regs *regs, struct dwarf_regs *out)
{
	for (unsigned n = 0; n < ARCH_DWARF_NREGS; n++)
		arch_regs_dwarf(regs, n, &out->val[n]);
	out->valid = (1ull << ARCH_DWARF_NREGS) - 1;
}

bool arch_dwarf_callee_saved(unsigned dwarf_regno)
{
	/* x19-x29 and sp (AAPCS64 6.1.1) */
	return (dwarf_regno >= 19 && dwarf_regno <= 29) || dwarf_regno == ARCH_DWARF_SP;
}

/* Pointer authentication keeps its code in the bits above the 48-bit
 * virtual address space Linux uses for user space. */
uint64_t arch_strip_return_address(uint64_t ra) { return ra & ((1ull << 48) - 1); }
