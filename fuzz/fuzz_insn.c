/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The instruction analysis on arbitrary machine code: code without CFI is
 * read from the target's memory, which may hold anything (data, a freed
 * JIT buffer, a wrong function start).  Input: byte 0 picks the
 * architecture, bytes 1-2 the pc's offset into the code; the rest is code.
 */
#include <string.h>

#include "insn.h"

#include "fuzz.h"

#define BASE 0x400000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct insn_analyzer *an[2];
	struct insn_row row;
	const char *why = NULL;
	enum insn_arch arch;
	struct insn_analyzer *a;
	uint64_t pc;
	char text[160], err[128];

	if (size < 3)
		return 0;
	arch = data[0] & 1 ? INSN_AARCH64 : INSN_X86_64;
	if (!an[arch])
		an[arch] = insn_analyzer_new(arch, err, sizeof(err));
	a = an[arch];
	CHECK(a);
	pc = BASE + (size_t)(data[1] | data[2] << 8) % (size - 3 + 1);
	data += 3;
	size -= 3;
	if (insn_analyze_from_start(a, data, size, BASE, pc, &row, &why)) {
		CHECK(row.cfa_reg == insn_sp_regno(arch) || row.cfa_reg == insn_fp_regno(arch));
		CHECK(row.cfa_off >= 0);
	} else {
		CHECK(why != NULL);
	}
	why = NULL;
	if (insn_analyze_to_return(a, data, size, BASE, pc, &row, &why))
		CHECK(row.cfa_reg == insn_sp_regno(arch) || row.cfa_reg == insn_fp_regno(arch));
	else
		CHECK(why != NULL);
	if (insn_format(a, data, size, BASE, text, sizeof(text)))
		CHECK(strlen(text) < sizeof(text));
	return 0;
}
