/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "arch.h"

static uint32_t insn_at(const uint8_t *code, size_t i)
{
	uint32_t v;

	memcpy(&v, code + 4 * i, 4);
	return v; /* aarch64 Linux is little-endian */
}

/*
 * An AArch64 PLT entry (GNU ld, lld): perhaps `bti c`, then
 * `adrp x16, page; ldr x17, [x16, #off]; add x16, x16, #off; br x17`:
 * the GOT slot is the page plus the load's offset.
 */
bool arch_plt_entry_target(const uint8_t *code, size_t len, uint64_t entry_addr,
			   struct arch_plt_target *out)
{
	size_t i = 0;
	uint32_t adrp, ldr;

	if (len >= 4 && insn_at(code, 0) == 0xd503245f) /* bti c */
		i = 1;
	if (len < 4 * (i + 2))
		return false;
	adrp = insn_at(code, i);
	ldr = insn_at(code, i + 1);
	/* adrp x16 (op 1, bits 28-24 10000), then ldr x17, [x16, #imm] (64-bit, unsigned offset). */
	if ((adrp & 0x9f00001f) != 0x90000010 || (ldr & 0xffc003ff) != 0xf9400211)
		return false;
	uint64_t immlo = (adrp >> 29) & 3, immhi = (adrp >> 5) & 0x7ffff;
	int64_t page = (int64_t)((immhi << 2 | immlo) << 43) >> 31; /* sign-extended, x 4096 */
	uint64_t pc = entry_addr + 4 * i;
	out->is_index = false;
	out->value = (pc & ~0xfffull) + (uint64_t)page + 8 * ((ldr >> 10) & 0xfff);
	return true;
}
