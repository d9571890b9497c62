/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The multiboot v1 entry of the sample guests: the header (The Multiboot
 * Specification 0.6.96, 3.1.1), a stack, then guest_main(magic, info).
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory info */

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	mov	$stack_top, %esp
	push	%ebx			/* the multiboot information */
	push	%eax			/* 0x2badb002 */
	call	guest_main
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits

	.bss
	.balign 16
	.skip 16384
stack_top:
