/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Leaf functions whose CFI still places the caller's rbp below the stack
 * pointer, for tests/targets/redzone.c: the epilogue popped it and the
 * CFI never said so (no .cfi_restore), as in hand-written and some
 * generated code.  The value is still there, in memory the stack copy must
 * reach, and the caller needs it: its CFA is rbp-based.
 */
	.text

/* epilogue_spin(flag): saves rbp, pops it again, then polls *flag.  While
 * it polls, rbp's saved copy sits 8 bytes below the stack pointer, in the
 * red zone (which no signal or interrupt overwrites on x86_64). */
	.globl	epilogue_spin
	.type	epilogue_spin, @function
epilogue_spin:
	.cfi_startproc
	push	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	mov	$0x5a5a5a5a, %ebp
	pop	%rbp
	.cfi_def_cfa_offset 8
1:	mov	(%rdi), %eax
	test	%eax, %eax
	jz	1b
	ret
	.cfi_endproc
	.size	epilogue_spin, .-epilogue_spin

/* deep_spin(flag): the same, but the saved rbp is left 256 bytes below the
 * stack pointer, beyond any red zone: its value cannot be known, and the
 * stack of a sample here ends early (and must be counted so). */
	.globl	deep_spin
	.type	deep_spin, @function
deep_spin:
	.cfi_startproc
	sub	$256, %rsp
	.cfi_def_cfa_offset 264
	mov	%rbp, (%rsp)
	.cfi_offset %rbp, -264
	mov	$0x5a5a5a5a, %ebp
	mov	(%rsp), %rbp
	add	$256, %rsp
	.cfi_def_cfa_offset 8
1:	mov	(%rdi), %eax
	test	%eax, %eax
	jz	1b
	ret
	.cfi_endproc
	.size	deep_spin, .-deep_spin

	.section .note.GNU-stack, "", @progbits
