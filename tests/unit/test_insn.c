/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The instruction analysis on byte sequences: prologues, epilogues, early
 * returns and mid-function pcs, for x86_64 and aarch64 whatever the host.
 * Each x86_64 sequence is what `as` assembles for the instructions in its
 * comment; each aarch64 word is the architecture's encoding of its comment.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "insn.h"
#include "tap.h"

#define BASE 0x401000u

enum { RSP = 7, RBP = 6, RBX = 3, R12 = 12, X19 = 19, X20 = 20, X29 = 29, X30 = 30, SP = 31 };

static struct insn_analyzer *x86, *a64;

static bool saved_at(const struct insn_row *r, unsigned reg, int64_t off)
{
	return (r->saved & (1ull << reg)) && r->saved_off[reg] == off;
}

static bool cfa_is(const struct insn_row *r, unsigned reg, int64_t off)
{
	return r->cfa_reg == reg && r->cfa_off == off;
}

static bool from_start(struct insn_analyzer *a, const uint8_t *code, size_t len, size_t pc_off,
		       struct insn_row *row, const char **why)
{
	*why = "";
	return insn_analyze_from_start(a, code, len, BASE, BASE + pc_off, row, why);
}

/* push rbp; mov rbp,rsp; push rbx; sub rsp,0x18; call *rax;
 * add rsp,0x18; pop rbx; pop rbp; ret */
static const uint8_t fp_func[] = { 0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18,
				   0xff, 0xd0, 0x48, 0x83, 0xc4, 0x18, 0x5b, 0x5d, 0xc3 };

static void test_x86_prologue(void)
{
	struct insn_row r;
	const char *why;

	ok(from_start(x86, fp_func, sizeof(fp_func), 0, &r, &why) && cfa_is(&r, RSP, 8) &&
		   r.ra_reg < 0 && r.ra_off == -8 && r.saved == 0,
	   "x86_64 at entry: CFA = rsp + 8, return address at CFA - 8");
	ok(from_start(x86, fp_func, sizeof(fp_func), 1, &r, &why) && cfa_is(&r, RSP, 16) &&
		   saved_at(&r, RBP, -16),
	   "x86_64 after push rbp: CFA = rsp + 16, rbp saved");
	ok(from_start(x86, fp_func, sizeof(fp_func), 0xb, &r, &why) && cfa_is(&r, RBP, 16) &&
		   saved_at(&r, RBP, -16) && saved_at(&r, RBX, -24) && r.ra_off == -8,
	   "x86_64 after the call in a frame-pointer function: CFA = rbp + 16, rbx and rbp saved (%s)",
	   why);
	ok(from_start(x86, fp_func, sizeof(fp_func), 0x10, &r, &why) && cfa_is(&r, RBP, 16) &&
		   saved_at(&r, RBP, -16) && !(r.saved & (1ull << RBX)),
	   "x86_64 in the epilogue after pop rbx: CFA = rbp + 16, rbx restored (%s)", why);
	ok(from_start(x86, fp_func, sizeof(fp_func), 0x11, &r, &why) && cfa_is(&r, RSP, 8) &&
		   r.saved == 0,
	   "x86_64 at the final ret: CFA = rsp + 8, nothing saved");
	ok(!from_start(x86, fp_func, sizeof(fp_func), 2, &r, &why),
	   "x86_64 pc inside an instruction is refused (%s)", why);
}

/* OpenBLAS's kernels keep callee-saved registers by mov:
 * sub rsp,0x28; mov [rsp],rbx; mov [rsp+8],rbp; mov rbx,rdi; add rbx,1;
 * mov [rsp+0x10],rbx (a spill, not a save); mov rbx,[rsp];
 * mov rbp,[rsp+8]; add rsp,0x28; ret */
static const uint8_t movsave_func[] = {
	0x48, 0x83, 0xec, 0x28, 0x48, 0x89, 0x1c, 0x24, 0x48, 0x89, 0x6c, 0x24, 0x08,
	0x48, 0x89, 0xfb, 0x48, 0x83, 0xc3, 0x01, 0x48, 0x89, 0x5c, 0x24, 0x10,
	0x48, 0x8b, 0x1c, 0x24, 0x48, 0x8b, 0x6c, 0x24, 0x08, 0x48, 0x83, 0xc4, 0x28, 0xc3,
};

static void test_x86_movsave(void)
{
	struct insn_row r;
	const char *why;

	ok(from_start(x86, movsave_func, sizeof(movsave_func), 0x19, &r, &why) &&
		   cfa_is(&r, RSP, 0x30) && saved_at(&r, RBX, -0x30) && saved_at(&r, RBP, -0x28),
	   "x86_64 registers kept by mov [rsp+n]: saved there; a later spill of a changed "
	   "register is no save (%s)", why);
	ok(from_start(x86, movsave_func, sizeof(movsave_func), 0x22, &r, &why) &&
		   cfa_is(&r, RSP, 0x30) && r.saved == 0,
	   "x86_64 after mov rbx,[rsp] and mov rbp,[rsp+8]: both the caller's again (%s)", why);
}

static void test_x86_trampoline(void)
{
	/* CPython 3.12's perf trampoline: sub rsp,8; call *rcx; add rsp,8; ret */
	static const uint8_t tramp[] = { 0x48, 0x83, 0xec, 0x08, 0xff, 0xd1,
					 0x48, 0x83, 0xc4, 0x08, 0xc3 };
	struct insn_row r, fwd;
	const char *why = "";

	ok(from_start(x86, tramp, sizeof(tramp), 6, &r, &why) && cfa_is(&r, RSP, 16) &&
		   r.ra_off == -8 && r.saved == 0,
	   "x86_64 perf trampoline after its call: CFA = rsp + 16");
	ok(insn_analyze_to_return(x86, tramp, sizeof(tramp), BASE, BASE + 6, &fwd, &why) &&
		   cfa_is(&fwd, RSP, 16) && fwd.ra_off == -8,
	   "x86_64 the same found forward, without the start (%s)", why);
}

static void test_x86_early_return(void)
{
	/* test edi,edi; je L; push rbx; call *rax; pop rbx; ret; L: xor eax,eax; ret */
	static const uint8_t code[] = { 0x85, 0xff, 0x74, 0x05, 0x53, 0xff, 0xd0,
					0x5b, 0xc3, 0x31, 0xc0, 0xc3 };
	struct insn_row r;
	const char *why;

	ok(from_start(x86, code, sizeof(code), 7, &r, &why) && cfa_is(&r, RSP, 16) &&
		   saved_at(&r, RBX, -16),
	   "x86_64 shrink-wrapped body after its call: rbx saved");
	ok(from_start(x86, code, sizeof(code), 0xb, &r, &why) && cfa_is(&r, RSP, 8) && r.saved == 0,
	   "x86_64 early exit taken before the prologue: the branch's state, not the body's (%s)",
	   why);
}

static void test_x86_alloca(void)
{
	/* push rbx; sub rsp,rax; call *rcx */
	static const uint8_t nofp[] = { 0x53, 0x48, 0x29, 0xc4, 0xff, 0xd1 };
	/* endbr64; push rbp; mov rbp,rsp; sub rsp,rax; and rsp,-16; call *rcx; leave; ret */
	static const uint8_t fp[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5, 0x48,
				      0x29, 0xc4, 0x48, 0x83, 0xe4, 0xf0, 0xff, 0xd1, 0xc9, 0xc3 };
	struct insn_row r;
	const char *why;

	ok(!from_start(x86, nofp, sizeof(nofp), 6, &r, &why),
	   "x86_64 alloca without a frame pointer is refused, not guessed (%s)", why);
	ok(from_start(x86, fp, sizeof(fp), 0x11, &r, &why) && cfa_is(&r, RBP, 16) &&
		   saved_at(&r, RBP, -16),
	   "x86_64 alloca and stack realignment with a frame pointer: CFA = rbp + 16 (%s)", why);
	ok(insn_analyze_to_return(x86, fp, sizeof(fp), BASE, BASE + 0x11, &r, &why) &&
		   cfa_is(&r, RBP, 16) && saved_at(&r, RBP, -16),
	   "x86_64 forward through leave; ret: CFA = rbp + 16 (%s)", why);
}

static void test_x86_forward(void)
{
	/* push r12; L: mov eax,[rip+x]; test eax,eax; je L; pop r12; ret */
	static const uint8_t spin[] = { 0x41, 0x54, 0x8b, 0x05, 0, 0, 0, 0, 0x85,
					0xc0, 0x74, 0xf6, 0x41, 0x5c, 0xc3 };
	static const uint8_t loop[] = { 0xeb, 0xfe }; /* L: jmp L */
	struct insn_row r;
	const char *why = "";

	ok(insn_analyze_to_return(x86, fp_func, sizeof(fp_func), BASE, BASE + 0xb, &r, &why) &&
		   cfa_is(&r, RSP, 48) && saved_at(&r, RBX, -24) && saved_at(&r, RBP, -16),
	   "x86_64 forward from the call through add/pop/pop/ret (%s)", why);
	ok(insn_analyze_to_return(x86, spin, sizeof(spin), BASE, BASE + 2, &r, &why) &&
		   cfa_is(&r, RSP, 16) && saved_at(&r, R12, -16),
	   "x86_64 forward out of a polling loop (%s)", why);
	ok(!insn_analyze_to_return(x86, loop, sizeof(loop), BASE, BASE, &r, &why),
	   "x86_64 forward in an endless loop is refused (%s)", why);
	ok(!insn_analyze_to_return(x86, fp_func, 12, BASE, BASE + 0xb, &r, &why),
	   "x86_64 forward past the code read is refused (%s)", why);
}

/* aarch64 words, little-endian. */
static size_t words(uint8_t *out, const uint32_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (unsigned b = 0; b < 4; b++)
			out[4 * i + b] = (uint8_t)(w[i] >> (8 * b));
	return 4 * n;
}

static void test_aarch64(void)
{
	static const uint32_t frame[] = {
		0xd503233f, /* paciasp */
		0xa9be7bfd, /* stp x29, x30, [sp, #-32]! */
		0x910003fd, /* mov x29, sp */
		0xa90153f3, /* stp x19, x20, [sp, #16] */
		0x94000010, /* bl +0x40 */
		0xa94153f3, /* ldp x19, x20, [sp, #16] */
		0xa8c27bfd, /* ldp x29, x30, [sp], #32 */
		0xd50323bf, /* autiasp */
		0xd65f03c0, /* ret */
	};
	static const uint32_t sub_first[] = {
		0xd10103ff, /* sub sp, sp, #0x40 */
		0xa9037bfd, /* stp x29, x30, [sp, #48] */
		0x9100c3fd, /* add x29, sp, #0x30 */
		0x94000010, /* bl +0x40 */
	};
	static const uint32_t leaf[] = {
		0xd10043ff, /* sub sp, sp, #0x10 */
		0xd503201f, /* nop */
		0x94000010, /* bl +0x40, with x30 never saved */
		0xd503201f, /* nop */
	};
	uint8_t code[64];
	size_t len;
	struct insn_row r;
	const char *why = "";

	len = words(code, frame, 9);
	ok(from_start(a64, code, len, 0, &r, &why) && cfa_is(&r, SP, 0) && r.ra_reg == X30,
	   "aarch64 at entry: CFA = sp, return address in x30");
	ok(from_start(a64, code, len, 8, &r, &why) && cfa_is(&r, SP, 32) && r.ra_reg < 0 &&
		   r.ra_off == -24 && saved_at(&r, X29, -32),
	   "aarch64 after stp x29, x30, [sp, #-32]!: CFA = sp + 32, x30 at CFA - 24 (%s)", why);
	ok(from_start(a64, code, len, 20, &r, &why) && cfa_is(&r, X29, 32) && r.ra_off == -24 &&
		   saved_at(&r, X19, -16) && saved_at(&r, X20, -8) && saved_at(&r, X29, -32),
	   "aarch64 after the call: CFA = x29 + 32, x19/x20/x29/x30 saved (%s)", why);
	ok(from_start(a64, code, len, 28, &r, &why) && cfa_is(&r, SP, 0) && r.ra_reg == X30 &&
		   r.saved == 0,
	   "aarch64 after ldp x29, x30, [sp], #32: CFA = sp, return address back in x30 (%s)", why);

	len = words(code, sub_first, 4);
	ok(from_start(a64, code, len, 16, &r, &why) && cfa_is(&r, X29, 16) && r.ra_off == -8 &&
		   saved_at(&r, X29, -16),
	   "aarch64 sub sp first, then stp at an offset and add x29: CFA = x29 + 16 (%s)", why);

	len = words(code, leaf, 4);
	ok(from_start(a64, code, len, 4, &r, &why) && cfa_is(&r, SP, 16) && r.ra_reg == X30,
	   "aarch64 leaf that never saves x30: CFA = sp + 16, return address in x30 (%s)", why);
	ok(!from_start(a64, code, len, 12, &r, &why),
	   "aarch64 a call that overwrote the unsaved x30 is refused (%s)", why);
	ok(!from_start(a64, code, len, 2, &r, &why), "aarch64 a misaligned pc is refused (%s)", why);
	ok(!insn_analyze_to_return(a64, code, len, BASE, BASE, &r, &why),
	   "aarch64 without the function start is refused (%s)", why);
}

static void test_format(void)
{
	char buf[128];
	uint8_t a64_ret[4];

	ok(insn_format(x86, fp_func + 1, 3, BASE, buf, sizeof(buf)) == 3 &&
		   strcmp(buf, "mov rbp, rsp") == 0,
	   "x86_64 instruction text: '%s'", buf);
	ok(insn_format(x86, (const uint8_t *)"\x8b\x18", 2, BASE, buf, sizeof(buf)) == 2 &&
		   !strchr(buf, '('),
	   "x86_64 memory operands have no parentheses: '%s'", buf);
	words(a64_ret, (const uint32_t[]){ 0xd65f03c0 }, 1);
	ok(insn_format(a64, a64_ret, 4, BASE, buf, sizeof(buf)) == 4 && strcmp(buf, "ret") == 0,
	   "aarch64 instruction text: '%s'", buf);
	ok(insn_format(x86, (const uint8_t *)"\x0f", 1, BASE, buf, sizeof(buf)) == 0,
	   "truncated bytes do not decode");
}

int main(void)
{
	char err[256];

	x86 = insn_analyzer_new(INSN_X86_64, err, sizeof(err));
	a64 = insn_analyzer_new(INSN_AARCH64, err, sizeof(err));
	if (!x86 || !a64) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	test_x86_prologue();
	test_x86_trampoline();
	test_x86_movsave();
	test_x86_early_return();
	test_x86_alloca();
	test_x86_forward();
	test_aarch64();
	test_format();
	insn_analyzer_free(x86);
	insn_analyzer_free(a64);
	return tap_done();
}
