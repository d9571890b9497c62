/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A boot sector that executes MOV %AX, <segment register 6> (8E F0) in
 * real mode. Hardware raises #UD: ModRM.reg 0-5 name ES, CS, SS, DS, FS
 * and GS, 6 and 7 name none (Intel SDM Vol. 2B, MOV, "Move to/from
 * segment registers"; AMD APM Vol. 3, MOV(Sreg)). Prints
 * "M" before it, "U" from the #UD handler, "N" if no fault was raised.
 */
	.code16
	.globl	_start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7c00, %sp
	movw	$ud_handler, 6 * 4	/* IVT entry of vector 6 (#UD) */
	movw	%ax, 6 * 4 + 2
	movw	$0x3f8, %dx		/* COM1 */
	movb	$'M', %al
	outb	%al, %dx
	.byte	0x8e, 0xf0		/* mov %ax, %sreg6 */
	movb	$'N', %al
	outb	%al, %dx
1:	hlt
	jmp	1b
ud_handler:
	movb	$'U', %al
	outb	%al, %dx
2:	hlt
	jmp	2b
	.org	510
	.byte	0x55, 0xaa
