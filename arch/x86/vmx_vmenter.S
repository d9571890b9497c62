/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX world switch (SDM vol. 3C, 26 and 27).
 *
 * int vmx_vmenter(u64 *gprs, bool launched)
 *
 * Called with interrupts off and the vCPU's VMCS current. VM entry loads
 * the guest's RSP, RIP, RFLAGS, control registers, segments and the MSRs
 * the entry controls name from the VMCS; the other GPRs are switched
 * here. A VM exit comes back at vmx_vmexit (HOST_RIP) with the host's
 * RSP from HOST_RSP, written here right before the entry: the stack then
 * holds what this function pushed. Returns 0 after a VM exit, 1 when
 * VMLAUNCH or VMRESUME failed (VMfailValid or VMfailInvalid: the caller
 * reads VM_INSTRUCTION_ERROR).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/alternative.h>
#include <asm/cpufeatures.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

#define GPR(n)	((n) * 8)
#define RAX	0
#define RCX	1
#define RDX	2
#define RBX	3
#define RBP	5
#define RSI	6
#define RDI	7
#define VMCS_HOST_RSP	0x6c14

.section .text, "ax"

SYM_FUNC_START(vmx_vmenter)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	push %rdi		/* 0(%rsp): gprs */

	mov  $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax

	/* CF = launched; MOV sets no flags, VERW only ZF */
	bt   $0, %esi
	mov  GPR(RCX)(%rdi), %rcx
	mov  GPR(RDX)(%rdi), %rdx
	mov  GPR(RBX)(%rdi), %rbx
	mov  GPR(RBP)(%rdi), %rbp
	mov  GPR(RSI)(%rdi), %rsi
	mov  GPR(8)(%rdi), %r8
	mov  GPR(9)(%rdi), %r9
	mov  GPR(10)(%rdi), %r10
	mov  GPR(11)(%rdi), %r11
	mov  GPR(12)(%rdi), %r12
	mov  GPR(13)(%rdi), %r13
	mov  GPR(14)(%rdi), %r14
	mov  GPR(15)(%rdi), %r15
	mov  GPR(RAX)(%rdi), %rax
	mov  GPR(RDI)(%rdi), %rdi
	/* MDS and its kin: CPU buffers cleared where the kernel asks */
	CLEAR_CPU_BUFFERS
	jc   .Lresume
	/*
	 * A successful entry comes back at vmx_vmexit (HOST_RIP), not
	 * after the instruction: objtool keeps this point's stack state
	 * for there.
	 */
	UNWIND_HINT_SAVE
	vmlaunch
	jmp  .Lfailed
.Lresume:
	vmresume
.Lfailed:
	/* VM entry failed: nothing of the guest's ran; the host's back. */
	mov  $1, %eax
	jmp  .Lout

SYM_INNER_LABEL(vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	/* RSP is ours again (HOST_RSP); every GPR but RSP holds the guest's. */
	push %rdi
	mov  8(%rsp), %rdi
	mov  %rax, GPR(RAX)(%rdi)
	mov  %rcx, GPR(RCX)(%rdi)
	mov  %rdx, GPR(RDX)(%rdi)
	mov  %rbx, GPR(RBX)(%rdi)
	mov  %rbp, GPR(RBP)(%rdi)
	mov  %rsi, GPR(RSI)(%rdi)
	pop  GPR(RDI)(%rdi)
	mov  %r8, GPR(8)(%rdi)
	mov  %r9, GPR(9)(%rdi)
	mov  %r10, GPR(10)(%rdi)
	mov  %r11, GPR(11)(%rdi)
	mov  %r12, GPR(12)(%rdi)
	mov  %r13, GPR(13)(%rdi)
	mov  %r14, GPR(14)(%rdi)
	mov  %r15, GPR(15)(%rdi)
	/*
	 * Before the first RET: the guest's return predictions must not
	 * steer the host's (as in svm_vmrun.S; eIBRS parts need only the
	 * lite refill the kernel patches in).
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	xor  %eax, %eax

.Lout:
	/* Do not let guest values linger in registers. */
	xor  %ecx, %ecx
	xor  %edx, %edx
	xor  %esi, %esi
	xor  %edi, %edi
	xor  %r8d, %r8d
	xor  %r9d, %r9d
	xor  %r10d, %r10d
	xor  %r11d, %r11d

	add  $8, %rsp
	pop  %rbx
	pop  %r12
	pop  %r13
	pop  %r14
	pop  %r15
	pop  %rbp
	RET
SYM_FUNC_END(vmx_vmenter)
