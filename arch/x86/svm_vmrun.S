/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SVM world switch (APM vol. 2, 15.5 and 15.6).
 *
 * void svm_vmrun(phys_addr_t vmcb_pa, u64 *gprs, phys_addr_t host_save_pa)
 *
 * Called with interrupts off and GIF clear. VMRUN switches RAX, RSP, RIP,
 * RFLAGS, CR0/3/4, EFER and the CS/DS/ES/SS segments; VMSAVE/VMLOAD switch
 * FS, GS, TR, LDTR, KernelGSbase and the syscall/sysenter MSRs; the other
 * GPRs are switched here. Interrupts are enabled (STI) right before VMRUN
 * so that, with V_INTR_MASKING, a host interrupt during the guest causes an
 * INTR intercept; GIF keeps them pending until the caller's STGI.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/alternative.h>
#include <asm/cpufeatures.h>
#include <asm/nospec-branch.h>

#define GPR(n)	((n) * 8)
#define RCX	1
#define RDX	2
#define RBX	3
#define RBP	5
#define RSI	6
#define RDI	7

.section .text, "ax"

SYM_FUNC_START(svm_vmrun)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	push %rdx		/* 16(%rsp): host save area */
	push %rsi		/*  8(%rsp): gprs */
	push %rdi		/*  0(%rsp): VMCB */

	/* The host's hidden state out, the guest's in. */
	mov  %rdx, %rax
	vmsave %rax
	mov  %rdi, %rax
	vmload %rax

	/* Guest GPRs but RAX and RSP (those are in the VMCB). */
	mov  %rsi, %rax
	mov  GPR(RCX)(%rax), %rcx
	mov  GPR(RDX)(%rax), %rdx
	mov  GPR(RBX)(%rax), %rbx
	mov  GPR(RBP)(%rax), %rbp
	mov  GPR(RSI)(%rax), %rsi
	mov  GPR(RDI)(%rax), %rdi
	mov  GPR(8)(%rax), %r8
	mov  GPR(9)(%rax), %r9
	mov  GPR(10)(%rax), %r10
	mov  GPR(11)(%rax), %r11
	mov  GPR(12)(%rax), %r12
	mov  GPR(13)(%rax), %r13
	mov  GPR(14)(%rax), %r14
	mov  GPR(15)(%rax), %r15

	mov  0(%rsp), %rax
	sti
	vmrun %rax
	cli

	/* RSP and RAX are the host's again; the others hold guest values. */
	mov  8(%rsp), %rax
	mov  %rcx, GPR(RCX)(%rax)
	mov  %rdx, GPR(RDX)(%rax)
	mov  %rbx, GPR(RBX)(%rax)
	mov  %rbp, GPR(RBP)(%rax)
	mov  %rsi, GPR(RSI)(%rax)
	mov  %rdi, GPR(RDI)(%rax)
	mov  %r8, GPR(8)(%rax)
	mov  %r9, GPR(9)(%rax)
	mov  %r10, GPR(10)(%rax)
	mov  %r11, GPR(11)(%rax)
	mov  %r12, GPR(12)(%rax)
	mov  %r13, GPR(13)(%rax)
	mov  %r14, GPR(14)(%rax)
	mov  %r15, GPR(15)(%rax)

	/* Guest hidden state out, the host's back (GS base: per-CPU data). */
	mov  0(%rsp), %rax
	vmsave %rax
	mov  16(%rsp), %rax
	vmload %rax
	/*
	 * Before the first RET: the guest's return predictions must not
	 * steer the host's. Refill the return stack buffer where the running
	 * kernel's Spectre v2 mitigation asks for it at VM exit (RSB
	 * underflow, SpectreRSB); untrain returns where Retbleed or SRSO
	 * mitigation needs it (AMD Zen); IBPB where SRSO's mode is "IBPB on
	 * VMEXIT". Each is an alternative the kernel patched for its CPU:
	 * nothing runs where the CPU has no such bug.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	UNTRAIN_RET
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT

	/* Do not let guest values linger in registers. */
	xor  %ecx, %ecx
	xor  %edx, %edx
	xor  %esi, %esi
	xor  %edi, %edi
	xor  %r8d, %r8d
	xor  %r9d, %r9d
	xor  %r10d, %r10d
	xor  %r11d, %r11d

	add  $24, %rsp
	pop  %rbx
	pop  %r12
	pop  %r13
	pop  %r14
	pop  %r15
	pop  %rbp
	RET
SYM_FUNC_END(svm_vmrun)
