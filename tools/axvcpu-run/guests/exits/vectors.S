/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exits guest's interrupt and exception entries (32-bit, flat): #GP
 * counts the fault and steps over the 2-byte RDMSR/WRMSR that raised it;
 * the PIT's IRQ 0 (vector 0x20) sends the 8259 its EOI; the local APIC
 * timer (vector 0x40) writes the APIC's EOI register, the x2APIC's self
 * IPI (vector 0x41) its EOI MSR. Each counts in a variable of exits.c.
 */
#define PIC1_CMD	0x20
#define PIC_EOI		0x20
#define APIC_EOI	0xfee000b0
#define X2APIC_EOI	0x80b

	.text
	.code32
	.globl gp_entry, irq0_entry, apic_timer_entry, self_ipi_entry
gp_entry:
	incl	gp_count
	addl	$4, %esp		/* the error code */
	addl	$2, (%esp)		/* past RDMSR / WRMSR */
	iret

irq0_entry:
	push	%eax
	incl	irq0_count
	mov	$PIC_EOI, %al
	outb	%al, $PIC1_CMD
	pop	%eax
	iret

apic_timer_entry:
	incl	apic_timer_count
	movl	$0, APIC_EOI
	iret

self_ipi_entry:
	push	%eax
	push	%ecx
	push	%edx
	incl	self_ipi_count
	mov	$X2APIC_EOI, %ecx
	xor	%eax, %eax
	xor	%edx, %edx
	wrmsr
	pop	%edx
	pop	%ecx
	pop	%eax
	iret

	.section .note.GNU-stack, "", @progbits
