/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Code without CFI for tests/targets/nocfi.c: no .cfi_* directives, so
 * neither .eh_frame nor .debug_frame describes it.  Only the instruction
 * analysis can unwind through it.
 */
	.text

/* relay(next, arg): calls next(arg).  It saves rbp and then uses it as a
 * scratch register, so a frame-pointer walk goes astray, and a caller that
 * keeps its CFA in rbp unwinds only if rbp is restored from this frame. */
	.globl	asm_relay
	.type	asm_relay, @function
asm_relay:
	push	%rbp
	push	%rbx
	sub	$24, %rsp
	mov	%rdi, %rbx
	movabs	$0x5a5a5a5a5a5a5a5a, %rbp
	mov	%rsi, %rdi
	call	*%rbx
	add	$24, %rsp
	pop	%rbx
	pop	%rbp
	ret
	.size	asm_relay, .-asm_relay

/* spin(flag): polls *flag until it is non-zero, as a leaf. */
	.globl	asm_spin
	.type	asm_spin, @function
asm_spin:
	push	%r12
	mov	%rdi, %r12
1:	mov	(%r12), %eax
	test	%eax, %eax
	jz	1b
	pop	%r12
	ret
	.size	asm_spin, .-asm_spin

/* movsave_spin(flag): keeps rbx and rbp in its frame by mov, as OpenBLAS's
 * kernels do (no push), uses both as scratch registers, and polls *flag. */
	.globl	asm_movsave_spin
	.type	asm_movsave_spin, @function
asm_movsave_spin:
	sub	$40, %rsp
	mov	%rbx, (%rsp)
	mov	%rbp, 8(%rsp)
	movabs	$0x5a5a5a5a5a5a5a5a, %rbp
	mov	%rdi, %rbx
1:	mov	(%rbx), %eax
	test	%eax, %eax
	jz	1b
	mov	(%rsp), %rbx
	mov	8(%rsp), %rbp
	add	$40, %rsp
	ret
	.size	asm_movsave_spin, .-asm_movsave_spin

/* Copied into anonymous executable memory at run time, where no symbol
 * names it: blob(next, arg) calls next(arg) with a frame pointer. */
	.section .rodata
	.globl	blob_template, blob_template_end
blob_template:
	push	%rbp
	mov	%rsp, %rbp
	push	%r12
	sub	$8, %rsp
	mov	%rdi, %r12
	mov	%rsi, %rdi
	call	*%r12
	add	$8, %rsp
	pop	%r12
	pop	%rbp
	ret
blob_template_end:

	.section .note.GNU-stack, "", @progbits
