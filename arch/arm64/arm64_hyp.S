/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axvcpu's EL2 code: two vector tables and the world switch. It is data
 * here (.rodata): arm64_el2.c copies it whole into pages of its own and
 * runs it at their physical addresses, with the EL2 MMU off for the first
 * call and on (identity map) after A64_HVC_INIT, so everything in it is
 * position-independent and it touches only memory given by physical
 * address (TPIDR_EL2 and x1 of the hyp calls).
 *
 * The host vectors take the host's HVCs: the kernel's hyp-stub calls
 * (asm/virt.h), which a C function issues and so may clobber x0-x17 as a
 * call does, and ours. The guest vectors are in VBAR_EL2 while a guest
 * runs: any exception from below is an exit. Exceptions EL2 takes itself
 * are a bug here: the host gets its registers back and A64_EXIT_HYP_PANIC.
 * Arm ARM (DDI 0487) D1.10 "Exception entry", D13.2 for the registers.
 */
#include <linux/linkage.h>
#include <asm/assembler.h>
#include <asm/esr.h>
#include <asm/kvm_arm.h>
#include <asm/sysreg.h>
#include <asm/virt.h>
#include "arm64.h"

/* the EL1/EL0 registers of A64_SYS_* order, to or from [\base + \off] */
.macro sys_save base, off
	mrs	x5, sctlr_el1
	mrs	x6, cpacr_el1
	stp	x5, x6, [\base, #(\off + 8 * A64_SYS_SCTLR)]
	mrs	x5, ttbr0_el1
	mrs	x6, ttbr1_el1
	stp	x5, x6, [\base, #(\off + 8 * A64_SYS_TTBR0)]
	mrs	x5, tcr_el1
	mrs	x6, esr_el1
	stp	x5, x6, [\base, #(\off + 8 * A64_SYS_TCR)]
	mrs	x5, afsr0_el1
	mrs	x6, afsr1_el1
	stp	x5, x6, [\base, #(\off + 8 * A64_SYS_AFSR0)]
	mrs	x5, far_el1
	mrs	x6, mair_el1
	stp	x5, x6, [\base, #(\off + 8 * A64_SYS_FAR)]
	mrs	x5, vbar_el1
	mrs	x6, contextidr_el1
	stp	x5, x6, [\base, #(\off + 8 * A64_SYS_VBAR)]
	mrs	x5, amair_el1
	mrs	x6, cntkctl_el1
	stp	x5, x6, [\base, #(\off + 8 * A64_SYS_AMAIR)]
	mrs	x5, par_el1
	mrs	x6, tpidr_el1
	stp	x5, x6, [\base, #(\off + 8 * A64_SYS_PAR)]
	mrs	x5, sp_el1
	mrs	x6, elr_el1
	stp	x5, x6, [\base, #(\off + 8 * A64_SYS_SP_EL1)]
	mrs	x5, spsr_el1
	mrs	x6, sp_el0
	stp	x5, x6, [\base, #(\off + 8 * A64_SYS_SPSR_EL1)]
	mrs	x5, tpidr_el0
	mrs	x6, tpidrro_el0
	stp	x5, x6, [\base, #(\off + 8 * A64_SYS_TPIDR_EL0)]
	mrs	x5, mdscr_el1
	mrs	x6, csselr_el1
	stp	x5, x6, [\base, #(\off + 8 * A64_SYS_MDSCR)]
	mrs	x5, cntv_ctl_el0
	mrs	x6, cntv_cval_el0
	stp	x5, x6, [\base, #(\off + 8 * A64_SYS_CNTV_CTL)]
.endm

/*
 * \reg, register \idx of A64_SYS_* order, from [\to + \to_off], unless
 * [\from + \from_off] (what it holds now: the other side's copy, just
 * saved) is the same value. A system register write is not free (it
 * may synchronize; an emulator ends its translation block at each one)
 * and host and guest often agree (AFSRn, AMAIR, CONTEXTIDR, PAR, CSSELR,
 * TPIDRRO_EL0; MAIR and CNTKCTL between two Linux kernels). \from
 * "none": written whatever it holds. x5, x6 clobbered.
 */
.macro sys_set reg, idx, to, to_off, from, from_off
	ldr	x5, [\to, #(\to_off + 8 * \idx)]
	.ifnc	\from, none
	ldr	x6, [\from, #(\from_off + 8 * \idx)]
	cmp	x5, x6
	b.eq	.Lsys_same\@
	.endif
	msr	\reg, x5
.Lsys_same\@:
.endm

/*
 * The EL1/EL0 registers of A64_SYS_* order from [\to + \to_off], all but
 * the four that define the EL1&0 translation regime (mmu_regs_*), each
 * written only if it differs from [\from + \from_off] (sys_set); CNTV_CVAL
 * before CNTV_CTL, so that the timer never fires on the old compare value.
 */
.macro sys_load_quiet to, to_off, from, from_off
	sys_set	cpacr_el1, A64_SYS_CPACR, \to, \to_off, \from, \from_off
	sys_set	esr_el1, A64_SYS_ESR, \to, \to_off, \from, \from_off
	sys_set	afsr0_el1, A64_SYS_AFSR0, \to, \to_off, \from, \from_off
	sys_set	afsr1_el1, A64_SYS_AFSR1, \to, \to_off, \from, \from_off
	sys_set	far_el1, A64_SYS_FAR, \to, \to_off, \from, \from_off
	sys_set	mair_el1, A64_SYS_MAIR, \to, \to_off, \from, \from_off
	sys_set	vbar_el1, A64_SYS_VBAR, \to, \to_off, \from, \from_off
	sys_set	contextidr_el1, A64_SYS_CONTEXTIDR, \to, \to_off, \from, \from_off
	sys_set	amair_el1, A64_SYS_AMAIR, \to, \to_off, \from, \from_off
	sys_set	cntkctl_el1, A64_SYS_CNTKCTL, \to, \to_off, \from, \from_off
	sys_set	par_el1, A64_SYS_PAR, \to, \to_off, \from, \from_off
	sys_set	tpidr_el1, A64_SYS_TPIDR_EL1, \to, \to_off, \from, \from_off
	sys_set	sp_el1, A64_SYS_SP_EL1, \to, \to_off, \from, \from_off
	sys_set	elr_el1, A64_SYS_ELR_EL1, \to, \to_off, \from, \from_off
	sys_set	spsr_el1, A64_SYS_SPSR_EL1, \to, \to_off, \from, \from_off
	sys_set	sp_el0, A64_SYS_SP_EL0, \to, \to_off, \from, \from_off
	sys_set	tpidr_el0, A64_SYS_TPIDR_EL0, \to, \to_off, \from, \from_off
	sys_set	tpidrro_el0, A64_SYS_TPIDRRO_EL0, \to, \to_off, \from, \from_off
	sys_set	mdscr_el1, A64_SYS_MDSCR, \to, \to_off, \from, \from_off
	sys_set	csselr_el1, A64_SYS_CSSELR, \to, \to_off, \from, \from_off
	sys_set	cntv_cval_el0, A64_SYS_CNTV_CVAL, \to, \to_off, \from, \from_off
	sys_set	cntv_ctl_el0, A64_SYS_CNTV_CTL, \to, \to_off, \from, \from_off
.endm

/*
 * SCTLR_EL1, TTBR0_EL1, TTBR1_EL1 and TCR_EL1 from [\base + \off] into
 * x7-x10 (mmu_regs_fetch), then into the registers (mmu_regs_load) with
 * no memory access between them. A write to one of these can drop every
 * cached translation (an emulator's TLB, QEMU's among them, is flushed by
 * it), so they go last, after everything that reads memory, each world
 * switch refilling the TLB once instead of once per register.
 */
.macro mmu_regs_fetch base, off
	ldr	x7, [\base, #(\off + 8 * A64_SYS_SCTLR)]
	ldp	x8, x9, [\base, #(\off + 8 * A64_SYS_TTBR0)]
	ldr	x10, [\base, #(\off + 8 * A64_SYS_TCR)]
.endm

.macro mmu_regs_load
	msr	ttbr0_el1, x8
	msr	ttbr1_el1, x9
	msr	tcr_el1, x10
	msr	sctlr_el1, x7
.endm

/*
 * EL2 control \reg from [\to + \to_off], unless [\from + \from_off]
 * (what it holds now) is the same value: a write that changes nothing is
 * skipped. \from "none": written whatever it holds. x5, x6 clobbered.
 */
.macro el2_switch reg, to, to_off, from, from_off
	ldr	x5, [\to, #\to_off]
	.ifnc	\from, none
	ldr	x6, [\from, #\from_off]
	cmp	x5, x6
	b.eq	.Lsame\@
	.endif
	msr	\reg, x5
.Lsame\@:
.endm

/*
 * The host's EL2 controls, EL1 registers, ELR/SPSR and x18-x30 back; then
 * ERET (x0 kept). What reads memory comes first, the stage-2 and EL1&0
 * translation controls last (mmu_regs_fetch says why). A register is
 * skipped when the guest's context (\from x7: just saved, or just loaded
 * from) says it holds the host's value already; \from "none" (the panic
 * path, where the context may be half switched or not even mapped)
 * writes every one of them and reads nothing of the guest's.
 */
.macro host_return cpu, from=x7
	/* the host's GIC controls, if the guest had its own */
	ldr	x5, [\cpu, #A64_CPU_ICC_SRE]
	cbz	x5, 9f
	msr	ICH_HCR_EL2, xzr
	msr	ICC_SRE_EL2, x5
9:
	.ifnc	\from, none
	ldr	x7, [\cpu, #A64_CPU_GUEST]
	.endif
	el2_switch cnthctl_el2, \cpu, A64_CPU_CNTHCTL, \from, A64_CTX_CNTHCTL
	el2_switch cntvoff_el2, \cpu, A64_CPU_CNTVOFF, \from, A64_CTX_CNTVOFF
	el2_switch cptr_el2, \cpu, A64_CPU_CPTR, \from, A64_CTX_CPTR
	el2_switch mdcr_el2, \cpu, A64_CPU_MDCR, \from, A64_CTX_MDCR
	el2_switch vpidr_el2, \cpu, A64_CPU_VPIDR, \from, A64_CTX_VPIDR
	el2_switch vmpidr_el2, \cpu, A64_CPU_VMPIDR, \from, A64_CTX_VMPIDR
	sys_load_quiet \cpu, A64_CPU_SYS, \from, A64_CTX_SYS
	mmu_regs_fetch \cpu, A64_CPU_SYS
	ldr	x11, [\cpu, #A64_CPU_HCR]
	ldr	x12, [\cpu, #A64_CPU_HOST_VECTORS]
	ldp	x13, x14, [\cpu, #A64_CPU_ELR]
	str	xzr, [\cpu, #A64_CPU_GUEST]
	ldp	x18, x19, [\cpu, #(A64_CPU_X18 + 0)]
	ldp	x20, x21, [\cpu, #(A64_CPU_X18 + 16)]
	ldp	x22, x23, [\cpu, #(A64_CPU_X18 + 32)]
	ldp	x24, x25, [\cpu, #(A64_CPU_X18 + 48)]
	ldp	x26, x27, [\cpu, #(A64_CPU_X18 + 64)]
	ldp	x28, x29, [\cpu, #(A64_CPU_X18 + 80)]
	ldr	x30, [\cpu, #(A64_CPU_X18 + 96)]
	msr	hcr_el2, x11
	msr	vttbr_el2, xzr
	mmu_regs_load
	msr	vbar_el2, x12
	msr	elr_el2, x13
	msr	spsr_el2, x14
	isb
	eret
.endm

/*
 * Give EL2 back: MMU off, VBAR_EL2 = the stub's, no translation of ours
 * or of our guests' left in the TLBs; x5 clobbered (not x30: the caller
 * of the stub call returns through it).
 */
.macro give_back
	mrs	x5, tpidr_el2
	ldr	x5, [x5, #A64_CPU_STUB]
	msr	vbar_el2, x5
	mov_q	x5, INIT_SCTLR_EL2_MMU_OFF
	pre_disable_mmu_workaround
	msr	sctlr_el2, x5
	isb
	tlbi	alle2
	tlbi	alle1
	dsb	nsh
	isb
.endm


/* a vector entry that branches to \target (entries are 0x80 bytes) */
.macro vec target
	.balign	0x80
	b	\target
.endm

	.pushsection .rodata.axvcpu_hyp, "a"
	.balign	PAGE_SIZE
	.globl	__axv_hyp_start
__axv_hyp_start:

/* ---- the host's vectors (VBAR_EL2 while no guest runs) ---- */
	.balign	SZ_2K
	.globl	__axv_hyp_host_vectors
__axv_hyp_host_vectors:
	vec	hyp_panic_sync		/* current EL, SP0 */
	vec	hyp_panic_other
	vec	hyp_panic_other
	vec	hyp_panic_other
	vec	hyp_panic_sync		/* current EL, SPx */
	vec	hyp_panic_other
	vec	hyp_panic_other
	vec	hyp_panic_other
	vec	host_hvc		/* lower EL, AArch64 */
	vec	host_other
	vec	host_other
	vec	host_other
	vec	host_other		/* lower EL, AArch32: not the host */
	vec	host_other
	vec	host_other
	vec	host_other
	.balign	0x80

/* ---- the guest's vectors (VBAR_EL2 while a guest runs) ---- */
	.balign	SZ_2K
	.globl	__axv_hyp_guest_vectors
__axv_hyp_guest_vectors:
	vec	hyp_panic_sync		/* current EL, SP0 */
	vec	hyp_panic_other
	vec	hyp_panic_other
	vec	hyp_panic_other
	vec	hyp_panic_sync		/* current EL, SPx */
	vec	hyp_panic_other
	vec	hyp_panic_other
	vec	hyp_panic_other
	vec	guest_sync		/* lower EL, AArch64 */
	vec	guest_irq
	vec	guest_fiq
	vec	guest_serror
	vec	guest_sync		/* lower EL, AArch32 (the guest's EL0) */
	vec	guest_irq
	vec	guest_fiq
	vec	guest_serror
	.balign	0x80

/*
 * An HVC from the host: x0 the call, x1.. its arguments. Before
 * A64_HVC_INIT the MMU is off and there is no stack: nothing here uses one.
 */
host_hvc:
	mrs	x17, esr_el2
	ubfx	x17, x17, #ESR_ELx_EC_SHIFT, #ESR_ELx_EC_WIDTH
	cmp	x17, #ESR_ELx_EC_HVC64
	b.ne	host_other
	cmp	x0, #HVC_SOFT_RESTART
	b.eq	host_soft_restart
	cmp	x0, #HVC_RESET_VECTORS
	b.eq	host_reset_vectors
	mov_q	x17, A64_HVC_RUN
	cmp	x0, x17
	b.eq	host_run
	mov_q	x17, A64_HVC_PING
	cmp	x0, x17
	b.eq	host_ping
	mov_q	x17, A64_HVC_INIT
	cmp	x0, x17
	b.eq	host_init
	/*
	 * HVC_SET_VECTORS (KVM taking EL2 while axvcpu holds it), and any
	 * other call: refused as the stub refuses what it does not know.
	 */
	mov_q	x0, HVC_STUB_ERR
	eret

/*
 * Anything else from the host: nothing of the host's configuration traps
 * to EL2, so this is not expected; the instruction is stepped over (its
 * ELR_EL2 points at it) and x0 says HVC_STUB_ERR, rather than a loop.
 */
host_other:
	mrs	x17, elr_el2
	add	x17, x17, #4
	msr	elr_el2, x17
	mov_q	x0, HVC_STUB_ERR
	eret

host_ping:
	mov_q	x0, A64_HVC_PONG
	eret

/*
 * A64_HVC_INIT, x1 = this CPU's struct arm64_hyp_cpu (cleaned to the
 * point of coherency: the MMU is off). Loads the identity map and turns
 * the MMU on; the code goes on at the same addresses.
 */
host_init:
	ldr	x2, [x1, #A64_CPU_SP]
	mov	sp, x2
	msr	tpidr_el2, x1
	ldr	x2, [x1, #A64_CPU_MAIR]
	msr	mair_el2, x2
	ldr	x2, [x1, #A64_CPU_TCR]
	msr	tcr_el2, x2
	ldr	x2, [x1, #A64_CPU_TTBR]
	msr	ttbr0_el2, x2
	/* one stage-2 configuration for every VM: not switched per entry */
	ldr	x2, [x1, #A64_CPU_VTCR]
	msr	vtcr_el2, x2
	isb
	/* nothing of an earlier owner's EL2 or guests' translations stays */
	tlbi	alle2
	tlbi	alle1
	dsb	nsh
	isb
	ldr	x2, [x1, #A64_CPU_SCTLR]
	msr	sctlr_el2, x2
	isb
	/* the host's EL2 controls, which A64_HVC_RUN puts back at each exit */
	mrs	x2, hcr_el2
	str	x2, [x1, #A64_CPU_HCR]
	mrs	x2, cnthctl_el2
	str	x2, [x1, #A64_CPU_CNTHCTL]
	mrs	x2, cntvoff_el2
	str	x2, [x1, #A64_CPU_CNTVOFF]
	mrs	x2, cptr_el2
	str	x2, [x1, #A64_CPU_CPTR]
	mrs	x2, mdcr_el2
	str	x2, [x1, #A64_CPU_MDCR]
	mrs	x2, vpidr_el2
	str	x2, [x1, #A64_CPU_VPIDR]
	mrs	x2, vmpidr_el2
	str	x2, [x1, #A64_CPU_VMPIDR]
	str	xzr, [x1, #A64_CPU_ICC_SRE_HOST]
	mov	x0, #0
	eret

/*
 * HVC_RESET_VECTORS: EL2 goes back to the kernel's stub as it was: MMU
 * off, the stub's vectors, no translation of ours or our guests' left.
 */
host_reset_vectors:
	give_back
	mov	x0, #0
	eret

/*
 * HVC_SOFT_RESTART (kexec, reboot): x1 the entry, x2-x4 its arguments;
 * as the stub does, branch there at EL2 with the MMU off, x0-x2 = x2-x4.
 */
host_soft_restart:
	give_back
	mov	x0, x2
	mov	x2, x4
	mov	x4, x1
	mov	x1, x3
	br	x4


/*
 * A64_HVC_RUN, x1 = the vCPU's struct arm64_ctx. The host's x18-x30, its
 * EL1/EL0 registers and EL2 controls are kept in this CPU's struct
 * arm64_hyp_cpu; the guest's loaded; ERET into the guest.
 */
host_run:
	mrs	x4, tpidr_el2
	stp	x18, x19, [x4, #(A64_CPU_X18 + 0)]
	stp	x20, x21, [x4, #(A64_CPU_X18 + 16)]
	stp	x22, x23, [x4, #(A64_CPU_X18 + 32)]
	stp	x24, x25, [x4, #(A64_CPU_X18 + 48)]
	stp	x26, x27, [x4, #(A64_CPU_X18 + 64)]
	stp	x28, x29, [x4, #(A64_CPU_X18 + 80)]
	str	x30, [x4, #(A64_CPU_X18 + 96)]
	mrs	x5, elr_el2
	mrs	x6, spsr_el2
	stp	x5, x6, [x4, #A64_CPU_ELR]
	/* from here an EL2 exception can give the host its state back */
	str	x1, [x4, #A64_CPU_GUEST]
	sys_save x4, A64_CPU_SYS
	/* GICv3: the guest's ICC_* accesses trap (arm64_vcpu.c says why) */
	mov	x5, xzr
	ldr	x6, [x1, #A64_CTX_ICC_SRE]
	cbz	x6, 2f
	/* the host's value never changes (its SRE bit is set): read once */
	ldr	x5, [x4, #A64_CPU_ICC_SRE_HOST]
	cbnz	x5, 3f
	mrs	x5, ICC_SRE_EL2
	str	x5, [x4, #A64_CPU_ICC_SRE_HOST]
3:	msr	ICC_SRE_EL2, x6
	ldr	x6, [x1, #A64_CTX_ICH_HCR]
	msr	ICH_HCR_EL2, x6
2:	str	x5, [x4, #A64_CPU_ICC_SRE]

	el2_switch cnthctl_el2, x1, A64_CTX_CNTHCTL, x4, A64_CPU_CNTHCTL
	el2_switch cntvoff_el2, x1, A64_CTX_CNTVOFF, x4, A64_CPU_CNTVOFF
	el2_switch cptr_el2, x1, A64_CTX_CPTR, x4, A64_CPU_CPTR
	el2_switch mdcr_el2, x1, A64_CTX_MDCR, x4, A64_CPU_MDCR
	el2_switch vpidr_el2, x1, A64_CTX_VPIDR, x4, A64_CPU_VPIDR
	el2_switch vmpidr_el2, x1, A64_CTX_VMPIDR, x4, A64_CPU_VMPIDR
	sys_load_quiet x1, A64_CTX_SYS, x4, A64_CPU_SYS
	/* from here the translation controls, with no memory access between */
	mmu_regs_fetch x1, A64_CTX_SYS
	ldr	x11, [x1, #A64_CTX_HCR]
	ldr	x12, [x1, #A64_CTX_VTTBR]
	ldr	x13, [x4, #A64_CPU_GUEST_VECTORS]
	ldp	x14, x15, [x1, #A64_CTX_PC]
	ldr	x16, [x1, #A64_CTX_FLUSH]
	msr	vttbr_el2, x12
	isb
	/* the VM's stage-2 translations changed, or another VM ran here */
	cbz	x16, 1f
	/* the table writes before the TLB maintenance that drops their old entries */
	dsb	ishst
	tlbi	vmalls12e1
	dsb	nsh
	isb
1:	mmu_regs_load
	msr	hcr_el2, x11
	msr	vbar_el2, x13
	msr	elr_el2, x14
	msr	spsr_el2, x15
	ldp	x2, x3, [x1, #(A64_CTX_X + 16)]
	ldp	x4, x5, [x1, #(A64_CTX_X + 32)]
	ldp	x6, x7, [x1, #(A64_CTX_X + 48)]
	ldp	x8, x9, [x1, #(A64_CTX_X + 64)]
	ldp	x10, x11, [x1, #(A64_CTX_X + 80)]
	ldp	x12, x13, [x1, #(A64_CTX_X + 96)]
	ldp	x14, x15, [x1, #(A64_CTX_X + 112)]
	ldp	x16, x17, [x1, #(A64_CTX_X + 128)]
	ldp	x18, x19, [x1, #(A64_CTX_X + 144)]
	ldp	x20, x21, [x1, #(A64_CTX_X + 160)]
	ldp	x22, x23, [x1, #(A64_CTX_X + 176)]
	ldp	x24, x25, [x1, #(A64_CTX_X + 192)]
	ldp	x26, x27, [x1, #(A64_CTX_X + 208)]
	ldp	x28, x29, [x1, #(A64_CTX_X + 224)]
	ldr	x30, [x1, #(A64_CTX_X + 240)]
	ldp	x0, x1, [x1, #(A64_CTX_X + 0)]
	eret

/* an exception from the guest: \code in x0, the rest in the context */
.macro guest_exit code
	stp	x0, x1, [sp, #-16]!
	mrs	x0, tpidr_el2
	ldr	x1, [x0, #A64_CPU_GUEST]
	stp	x2, x3, [x1, #(A64_CTX_X + 16)]
	stp	x4, x5, [x1, #(A64_CTX_X + 32)]
	stp	x6, x7, [x1, #(A64_CTX_X + 48)]
	stp	x8, x9, [x1, #(A64_CTX_X + 64)]
	stp	x10, x11, [x1, #(A64_CTX_X + 80)]
	stp	x12, x13, [x1, #(A64_CTX_X + 96)]
	stp	x14, x15, [x1, #(A64_CTX_X + 112)]
	stp	x16, x17, [x1, #(A64_CTX_X + 128)]
	stp	x18, x19, [x1, #(A64_CTX_X + 144)]
	stp	x20, x21, [x1, #(A64_CTX_X + 160)]
	stp	x22, x23, [x1, #(A64_CTX_X + 176)]
	stp	x24, x25, [x1, #(A64_CTX_X + 192)]
	stp	x26, x27, [x1, #(A64_CTX_X + 208)]
	stp	x28, x29, [x1, #(A64_CTX_X + 224)]
	str	x30, [x1, #(A64_CTX_X + 240)]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x1, #(A64_CTX_X + 0)]
	mov	x4, x0
	mov	x0, #\code
	b	guest_exit_common
.endm

guest_sync:
	guest_exit A64_EXIT_SYNC
guest_irq:
	guest_exit A64_EXIT_IRQ
guest_fiq:
	guest_exit A64_EXIT_FIQ
guest_serror:
	guest_exit A64_EXIT_SERROR

/* x0 = exit code, x1 = the guest's context, x4 = this CPU's hyp data */
guest_exit_common:
	mrs	x5, elr_el2
	mrs	x6, spsr_el2
	stp	x5, x6, [x1, #A64_CTX_PC]
	mrs	x5, esr_el2
	str	x5, [x1, #A64_CTX_ESR]
	mrs	x5, far_el2
	str	x5, [x1, #A64_CTX_FAR]
	mrs	x5, hpfar_el2
	str	x5, [x1, #A64_CTX_HPFAR]
	sys_save x1, A64_CTX_SYS
	host_return x4

/*
 * EL2 took an exception itself. Inside A64_HVC_RUN the host gets its
 * registers back with A64_EXIT_HYP_PANIC (the ESR, ELR and FAR in the hyp
 * data); anywhere else there is nothing to return to: the CPU stops.
 */
hyp_panic_sync:
hyp_panic_other:
	mrs	x4, tpidr_el2
	cbz	x4, 2f
	mrs	x5, esr_el2
	str	x5, [x4, #A64_CPU_PANIC_ESR]
	mrs	x5, elr_el2
	str	x5, [x4, #A64_CPU_PANIC_ELR]
	mrs	x5, far_el2
	str	x5, [x4, #A64_CPU_PANIC_FAR]
	ldr	x1, [x4, #A64_CPU_GUEST]
	cbz	x1, 2f
	mov	x0, #A64_EXIT_HYP_PANIC
	host_return x4, none
2:	wfe
	b	2b

	.balign	PAGE_SIZE
	.globl	__axv_hyp_end
__axv_hyp_end:
	.popsection
