/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "arch.h"

/*
 * The forms of an x86-64 PLT entry (the linkers' output, with and without
 * IBT): an indirect jump through its GOT slot, `ff 25 disp32`, perhaps
 * after `endbr64` and with a `bnd` prefix (.plt, .plt.sec, .plt.got); or,
 * in an IBT build's lazy .plt, `endbr64; push $index; bnd jmp PLT0`, where
 * the index says which .rela.plt entry it binds.
 */
bool arch_plt_entry_target(const uint8_t *code, size_t len, uint64_t entry_addr,
			   struct arch_plt_target *out)
{
	static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	size_t at = 0;

	if (len >= sizeof(endbr64) && memcmp(code, endbr64, sizeof(endbr64)) == 0)
		at += sizeof(endbr64);
	if (at < len && code[at] == 0x68 && at + 5 <= len) {
		int32_t index;
		memcpy(&index, code + at + 1, 4);
		if (index < 0)
			return false;
		out->is_index = true;
		out->value = (uint64_t)index;
		return true;
	}
	if (at < len && code[at] == 0xf2) /* bnd */
		at++;
	if (at + 6 > len || code[at] != 0xff || code[at + 1] != 0x25)
		return false;
	int32_t disp;
	memcpy(&disp, code + at + 2, 4);
	out->is_index = false;
	out->value = entry_addr + at + 6 + (uint64_t)(int64_t)disp; /* rip-relative: the next insn */
	return true;
}
