/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 entry of the sample guests, as Linux's arm64 boot protocol
 * enters a kernel (Documentation/arm64/booting.rst, 4.): EL1, the MMU
 * off, x0 = the device tree. An Image header comes first (booting.rst,
 * 3.) so that any arm64 kernel loader takes the file. CPUs started by
 * PSCI CPU_ON enter at _secondary with x0 = the context id (PSCI 1.1,
 * 5.6). Each CPU's stack is chosen by its MPIDR_EL1 Aff0 (axvcpu-run's
 * vCPU n has Aff0 n up to 15); exceptions end in guest_exception().
 */
#define STACK_SIZE	4096
#define MAX_CPUS	8

	.section .text.start, "ax"
	.globl _start
_start:
	b	primary			/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset */
	.quad	_end - _start		/* image_size, bss included */
	.quad	2			/* flags: little-endian, 4K pages, near the start of RAM */
	.quad	0, 0, 0			/* res2-res4 */
	.long	0x644d5241		/* magic, "ARM\x64" */
	.long	0			/* res5 */

primary:
	mov	x19, x0
	bl	set_stack
	mov	x0, x19
	bl	guest_main
	b	park

	.text
	.globl _secondary
_secondary:
	mov	x19, x0
	bl	set_stack
	mov	x0, x19
	bl	guest_secondary
park:
	wfi
	b	park

/* sp = the top of this CPU's stack, VBAR_EL1 = vectors; others park */
set_stack:
	mrs	x1, mpidr_el1
	and	x1, x1, #0xff
	cmp	x1, #MAX_CPUS
	b.hs	park
	adrp	x2, stacks
	add	x2, x2, :lo12:stacks
	add	x1, x1, #1
	add	x2, x2, x1, lsl #12	/* STACK_SIZE */
	mov	sp, x2
	adrp	x2, vectors
	add	x2, x2, :lo12:vectors
	msr	vbar_el1, x2
	isb
	ret

/*
 * Sixteen entries of 0x80 bytes, 2 KiB aligned (Arm ARM D1.3.1): x0 the
 * entry's number (its offset / 0x80), then ESR, ELR and FAR.
 */
	.balign	2048
vectors:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.balign	0x80
	mov	x0, #\n
	b	exception
	.endr

exception:
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	bl	guest_exception
	b	park

	.section .note.GNU-stack, "", @progbits

	.bss
	.balign 16
stacks:
	.skip	STACK_SIZE * MAX_CPUS
