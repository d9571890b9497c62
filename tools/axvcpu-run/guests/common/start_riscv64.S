/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The riscv64 entry of the sample guests, as the Linux boot protocol
 * enters a kernel (Documentation/riscv/boot.rst): VS-mode, paging off,
 * a0 = hart id, a1 = the device tree. Every hart gets its own stack;
 * harts started by SBI HSM hart_start enter at _secondary with a1 = the
 * opaque value (SBI v2.0, 9.1).
 */
#define STACK_SIZE	4096
#define MAX_HARTS	8

	.section .text.start, "ax"
	.globl _start
_start:
	call	set_stack
	call	guest_main
	j	park

	.text
	.globl _secondary
_secondary:
	call	set_stack
	call	guest_secondary
park:
	wfi
	j	park

/* sp = the top of hart a0's stack; harts past MAX_HARTS park */
set_stack:
	li	t0, MAX_HARTS
	bgeu	a0, t0, park
	la	sp, stacks
	addi	t0, a0, 1
	slli	t0, t0, 12		/* STACK_SIZE */
	add	sp, sp, t0
	ret

	.section .note.GNU-stack, "", @progbits

	.bss
	.balign 16
stacks:
	.skip	STACK_SIZE * MAX_HARTS
