/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "arch.h"

#include <elf.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

_Static_assert(sizeof(struct user_regs_struct) == ARCH_GREGS * 8, "user_regs_struct size");

#define GREG(name) (offsetof(struct user_regs_struct, name) / 8)

bool arch_get_regs(pid_t tid, struct arch_regs *regs)
{
	struct iovec iov = { regs->gregs, sizeof(regs->gregs) };
	return ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) == 0 &&
	       iov.iov_len == sizeof(regs->gregs);
}

uint64_t arch_regs_pc(const struct arch_regs *regs) { return regs->gregs[GREG(rip)]; }
uint64_t arch_regs_sp(const struct arch_regs *regs) { return regs->gregs[GREG(rsp)]; }

int arch_stopped_in_syscall(pid_t tid, const struct arch_regs *regs)
{
	(void)tid;
	/* The entry code stores the system call's number in orig_rax, and -1
	 * there for an interrupt or an exception. */
	return (int64_t)regs->gregs[GREG(orig_rax)] >= 0;
}

long arch_regs_syscall(const struct arch_regs *regs)
{
	int64_t nr = (int64_t)regs->gregs[GREG(orig_rax)];

	return nr >= 0 ? (long)nr : -1;
}

/* DWARF numbering of the x86-64 psABI: rax, rdx, rcx, rbx, rsi, rdi, rbp,
 * rsp, r8-r15, then 16 = the return address (rip). */
static const unsigned char dwarf_to_greg[ARCH_DWARF_NREGS] = {
	GREG(rax), GREG(rdx), GREG(rcx), GREG(rbx), GREG(rsi), GREG(rdi),
	GREG(rbp), GREG(rsp), GREG(r8),  GREG(r9),  GREG(r10), GREG(r11),
	GREG(r12), GREG(r13), GREG(r14), GREG(r15), GREG(rip),
};

bool arch_regs_dwarf(const struct arch_regs *regs, unsigned dwarf_regno, uint64_t *value)
{
	if (dwarf_regno >= ARCH_DWARF_NREGS)
		return false;
	*value = regs->gregs[dwarf_to_greg[dwarf_regno]];
	return true;
}

void arch_dwarf_regs(const struct arch_regs *regs, struct dwarf_regs *out)
{
	/* 0-15 are the general registers; 16 is the return address column
	 * (rip), which PLT CFI refers to, and the pc. */
	for (unsigned n = 0; n < ARCH_DWARF_NREGS; n++)
		arch_regs_dwarf(regs, n, &out->val[n]);
	out->valid = (1ull << ARCH_DWARF_NREGS) - 1;
}

bool arch_dwarf_callee_saved(unsigned dwarf_regno)
{
	/* rbx, rbp, rsp, r12-r15 (psABI 3.2.1) */
	return dwarf_regno == 3 || dwarf_regno == 6 || dwarf_regno == 7 ||
	       (dwarf_regno >= 12 && dwarf_regno <= 15);
}

uint64_t arch_strip_return_address(uint64_t ra) { return ra; }
