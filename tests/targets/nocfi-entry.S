/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A process entry point without CFI, as the dynamic loader's _start is:
 * it realigns the stack (which no analysis can undo) and calls C.  Nothing
 * called it, so its frame must end the stack, marked complete. */
	.text
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	entry_main
	movl	%eax, %edi
	movl	$60, %eax		/* exit */
	syscall
	hlt
	.size	_start, .-_start
	.section .note.GNU-stack,"",@progbits
