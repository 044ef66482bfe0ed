/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PLT entries as the linkers write them (bytes from objdump of GNU ld and
 * lld output), decoded to the GOT slot or .rela.plt index that names the
 * function.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "tap.h"

struct plt_case {
	const char *what;
	uint8_t code[16];
	size_t len;
	uint64_t at;
	bool ok, is_index;
	uint64_t value;
};

int main(void)
{
#if defined(__x86_64__)
	static const struct plt_case cases[] = {
		{ "lazy .plt entry: jmp *GOT(%rip); push; jmp PLT0",
		  { 0xff, 0x25, 0xca, 0x2f, 0x00, 0x00, 0x68, 0x00, 0x00, 0x00, 0x00, 0xe9, 0xe0, 0xff, 0xff, 0xff },
		  16, 0x1030, true, false, 0x4000 },
		{ ".plt.got entry: jmp *GOT(%rip); xchg",
		  { 0xff, 0x25, 0x8a, 0x2f, 0x00, 0x00, 0x66, 0x90 }, 8, 0x1050, true, false, 0x3fe0 },
		{ ".plt.sec entry (IBT): endbr64; bnd jmp *GOT(%rip)",
		  { 0xf3, 0x0f, 0x1e, 0xfa, 0xf2, 0xff, 0x25, 0x75, 0x2f, 0x00, 0x00, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
		  16, 0x1060, true, false, 0x1060 + 11 + 0x2f75 },
		{ "lazy .plt entry (IBT): endbr64; push $1; bnd jmp PLT0",
		  { 0xf3, 0x0f, 0x1e, 0xfa, 0x68, 0x01, 0x00, 0x00, 0x00, 0xf2, 0xe9, 0xe1, 0xff, 0xff, 0xff, 0x90 },
		  16, 0x1030, true, true, 1 },
		{ "PLT0 (push GOT+8; jmp *GOT+16): names nothing",
		  { 0xff, 0x35, 0xca, 0x2f, 0x00, 0x00, 0xff, 0x25, 0xcc, 0x2f, 0x00, 0x00, 0x0f, 0x1f, 0x40, 0x00 },
		  16, 0x1020, false, false, 0 },
		{ "a negative displacement", { 0xff, 0x25, 0x00, 0xf0, 0xff, 0xff }, 6, 0x10000, true, false,
		  0x10000 + 6 - 0x1000 },
		{ "cut short", { 0xff, 0x25, 0xca, 0x2f }, 4, 0x1030, false, false, 0 },
		{ "a negative push index", { 0x68, 0xff, 0xff, 0xff, 0xff }, 5, 0x1030, false, false, 0 },
	};
#else
	static const struct plt_case cases[] = {
		{ "adrp x16; ldr x17, [x16, #0xf80]; add; br x17",
		  { 0x90, 0x00, 0x00, 0xb0, 0x11, 0xc2, 0x47, 0xf9, 0x10, 0x02, 0x3e, 0x91, 0x20, 0x02, 0x1f, 0xd6 },
		  16, 0x400610, true, false, 0x411000 + 0xf80 },
	};
#endif
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct plt_case *c = &cases[i];
		struct arch_plt_target t = { false, 0 };
		bool got = arch_plt_entry_target(c->code, c->len, c->at, &t);
		ok(got == c->ok && (!got || (t.is_index == c->is_index && t.value == c->value)),
		   "%s: %s %#llx", c->what, got ? (t.is_index ? "index" : "slot") : "none",
		   (unsigned long long)t.value);
	}
	return tap_done();
}
