/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 nVHE backend. The kernel runs at EL1; EL2 holds the kernel's
 * hyp stub until axvcpu installs its own vectors through the stub's
 * HVC_SET_VECTORS (Documentation/design.rst, "arm64"). axvcpu's EL2 code
 * (arm64_hyp.S) is copied into pages of its own and runs there with the
 * EL2 MMU on, through an identity map of the kernel's RAM (arm64_el2.c):
 * it can read any structure the kernel hands it by physical address.
 */
#ifndef _AXVCPU_ARM64_H
#define _AXVCPU_ARM64_H

/*
 * Our hyp calls (x0 of an HVC from EL1 while axvcpu owns EL2). The stub's
 * own calls (asm/virt.h: HVC_SET_VECTORS, HVC_SOFT_RESTART,
 * HVC_RESET_VECTORS) keep their meaning; they are small numbers.
 */
#define A64_HVC_INIT		0x41580001	/* x1: struct arm64_hyp_cpu PA */
#define A64_HVC_PING		0x41580002	/* answers A64_HVC_PONG */
#define A64_HVC_RUN		0x41580003	/* x1: struct arm64_ctx PA */
#define A64_HVC_PONG		0x41585632

/* What A64_HVC_RUN returns: why the guest stopped */
#define A64_EXIT_SYNC		1	/* a synchronous exception: ESR_EL2 */
#define A64_EXIT_IRQ		2	/* a physical IRQ (HCR_EL2.IMO) */
#define A64_EXIT_FIQ		3
#define A64_EXIT_SERROR		4
#define A64_EXIT_HYP_PANIC	5	/* EL2 itself took an exception */

/* The EL1 and EL0 system registers the world switch exchanges, in order */
#define A64_SYS_SCTLR		0
#define A64_SYS_CPACR		1
#define A64_SYS_TTBR0		2
#define A64_SYS_TTBR1		3
#define A64_SYS_TCR		4
#define A64_SYS_ESR		5
#define A64_SYS_AFSR0		6
#define A64_SYS_AFSR1		7
#define A64_SYS_FAR		8
#define A64_SYS_MAIR		9
#define A64_SYS_VBAR		10
#define A64_SYS_CONTEXTIDR	11
#define A64_SYS_AMAIR		12
#define A64_SYS_CNTKCTL		13
#define A64_SYS_PAR		14
#define A64_SYS_TPIDR_EL1	15
#define A64_SYS_SP_EL1		16
#define A64_SYS_ELR_EL1		17
#define A64_SYS_SPSR_EL1	18
#define A64_SYS_SP_EL0		19
#define A64_SYS_TPIDR_EL0	20
#define A64_SYS_TPIDRRO_EL0	21
#define A64_SYS_MDSCR		22
#define A64_SYS_CSSELR		23
#define A64_SYS_CNTV_CTL	24
#define A64_SYS_CNTV_CVAL	25
#define A64_NR_SYS		26

/* struct arm64_ctx offsets, for arm64_hyp.S */
#define A64_CTX_X		0	/* x0..x30 */
#define A64_CTX_PC		248
#define A64_CTX_PSTATE		256
#define A64_CTX_SYS		264	/* A64_NR_SYS registers */
#define A64_CTX_HCR		472
#define A64_CTX_VTTBR		480
#define A64_CTX_CNTVOFF		488
#define A64_CTX_VPIDR		496
#define A64_CTX_VMPIDR		504
#define A64_CTX_CPTR		512
#define A64_CTX_MDCR		520
#define A64_CTX_CNTHCTL		528
#define A64_CTX_FLUSH		536
#define A64_CTX_ESR		544
#define A64_CTX_FAR		552
#define A64_CTX_HPFAR		560
#define A64_CTX_ICC_SRE		568
#define A64_CTX_ICH_HCR		576

/* struct arm64_hyp_cpu offsets */
#define A64_CPU_GUEST		0
#define A64_CPU_STUB		8
#define A64_CPU_HOST_VECTORS	16
#define A64_CPU_GUEST_VECTORS	24
#define A64_CPU_X18		32	/* x18..x30 */
#define A64_CPU_ELR		136
#define A64_CPU_SPSR		144
#define A64_CPU_SYS		152	/* A64_NR_SYS registers */
#define A64_CPU_HCR		360
#define A64_CPU_CNTHCTL		368
#define A64_CPU_CNTVOFF		376
#define A64_CPU_CPTR		384
#define A64_CPU_MDCR		392
#define A64_CPU_VPIDR		400
#define A64_CPU_VMPIDR		408
#define A64_CPU_PANIC_ESR	416
#define A64_CPU_PANIC_ELR	424
#define A64_CPU_PANIC_FAR	432
#define A64_CPU_MAIR		440
#define A64_CPU_TCR		448
#define A64_CPU_TTBR		456
#define A64_CPU_SCTLR		464
#define A64_CPU_SP		472
#define A64_CPU_ICC_SRE		480
#define A64_CPU_ICC_SRE_HOST	488
#define A64_CPU_VTCR		496

#ifndef __ASSEMBLY__

#include <linux/hrtimer.h>
#include <linux/types.h>
#include <uapi/linux/axvcpu.h>
#include "../../axvcpu_core.h"

/**
 * struct arm64_ctx - a vCPU's state as EL2 switches it (one page)
 * @x: x0-x30
 * @pc: the guest's PC (ELR_EL2)
 * @pstate: its PSTATE (SPSR_EL2)
 * @sys: the EL1/EL0 registers, A64_SYS_* order
 * @hcr: HCR_EL2 while the guest runs
 * @vttbr: VTTBR_EL2 (VMID, stage-2 root)
 * @cntvoff: CNTVOFF_EL2
 * @vpidr: VPIDR_EL2 (the guest's MIDR_EL1)
 * @vmpidr: VMPIDR_EL2 (the guest's MPIDR_EL1)
 * @cptr: CPTR_EL2 while the guest runs
 * @mdcr: MDCR_EL2 while the guest runs
 * @cnthctl: CNTHCTL_EL2 while the guest runs
 * @flush: nonzero: TLBI VMALLS12E1 after VTTBR_EL2 is loaded
 * @esr: ESR_EL2 of the last exit
 * @far: FAR_EL2 of the last exit
 * @hpfar: HPFAR_EL2 of the last exit
 * @icc_sre: ICC_SRE_EL2 while the guest runs, 0 when the CPU has no GICv3
 *	system register interface (nor ICH_HCR_EL2 then)
 * @ich_hcr: ICH_HCR_EL2 while the guest runs (with @icc_sre only)
 */
struct arm64_ctx {
	u64 x[31];
	u64 pc;
	u64 pstate;
	u64 sys[A64_NR_SYS];
	u64 hcr;
	u64 vttbr;
	u64 cntvoff;
	u64 vpidr;
	u64 vmpidr;
	u64 cptr;
	u64 mdcr;
	u64 cnthctl;
	u64 flush;
	u64 esr;
	u64 far;
	u64 hpfar;
	u64 icc_sre;
	u64 ich_hcr;
};

/**
 * struct arm64_hyp_cpu - what EL2 keeps per CPU (TPIDR_EL2 points here)
 * @guest: PA of the struct arm64_ctx being run, 0 outside A64_HVC_RUN
 * @stub: PA of the kernel's __hyp_stub_vectors, put back on give-back
 * @host_vectors: PA of our vectors for the host's HVCs
 * @guest_vectors: PA of our vectors while a guest runs
 * @x: the host's x18-x30 across A64_HVC_RUN
 * @elr: the host's ELR_EL2 (its return address) across A64_HVC_RUN
 * @spsr: the host's SPSR_EL2 across A64_HVC_RUN
 * @sys: the host's EL1/EL0 registers across A64_HVC_RUN
 * @hcr: the host's HCR_EL2 (and the registers below) across A64_HVC_RUN
 * @cnthctl: CNTHCTL_EL2
 * @cntvoff: CNTVOFF_EL2
 * @cptr: CPTR_EL2
 * @mdcr: MDCR_EL2
 * @vpidr: VPIDR_EL2
 * @vmpidr: VMPIDR_EL2
 * @panic_esr: ESR_EL2 of an exception EL2 took itself
 * @panic_elr: its ELR_EL2
 * @panic_far: its FAR_EL2
 * @mair: MAIR_EL2 for A64_HVC_INIT (and the three below)
 * @tcr: TCR_EL2
 * @ttbr: TTBR0_EL2: the identity map
 * @sctlr: SCTLR_EL2 with the MMU on
 * @sp: the top of this CPU's EL2 stack (PA)
 * @icc_sre: the host's ICC_SRE_EL2 across A64_HVC_RUN, 0 when the guest's
 *	context left the GIC registers alone
 * @icc_sre_host: the host's ICC_SRE_EL2, read at the first A64_HVC_RUN
 *	that switches it (0 before)
 * @vtcr: VTCR_EL2, the same for every VM (arm64_s2_vtcr()): loaded by
 *	A64_HVC_INIT, not at each entry
 *
 * @hcr to @vmpidr are the host's EL2 controls, read once at A64_HVC_INIT:
 * only EL2 writes them, and EL2 is ours.
 */
struct arm64_hyp_cpu {
	u64 guest;
	u64 stub;
	u64 host_vectors;
	u64 guest_vectors;
	u64 x[13];
	u64 elr;
	u64 spsr;
	u64 sys[A64_NR_SYS];
	u64 hcr;
	u64 cnthctl;
	u64 cntvoff;
	u64 cptr;
	u64 mdcr;
	u64 vpidr;
	u64 vmpidr;
	u64 panic_esr;
	u64 panic_elr;
	u64 panic_far;
	u64 mair;
	u64 tcr;
	u64 ttbr;
	u64 sctlr;
	u64 sp;
	u64 icc_sre;
	u64 icc_sre_host;
	u64 vtcr;
};

/**
 * struct arm64_vm - the arm64 part of a VM
 * @root: the stage-2 level-1 table(s)
 * @root_order: their page order (1: two concatenated tables)
 * @id: tells this VM from any other for the TLB tracking
 */
struct arm64_vm {
	u64 *root;
	unsigned int root_order;
	u64 id;
};

/**
 * struct arm64_pending - the completion an exit to user space awaits
 * @reason: AXVCPU_EXIT_* of that exit, NOTHING when none
 * @reg: the destination register (31: none, XZR)
 * @width: the access's bytes (MMIO)
 * @sign_ext: sign-extend the value read (MMIO, ESR's SSE)
 * @sf: the destination is 64 bits wide (ESR's SF)
 * @insn_pc: the PC of the trapped instruction (a SYSREG exit's fault)
 */
struct arm64_pending {
	u32 reason;
	u32 reg;
	u32 width;
	bool sign_ext;
	bool sf;
	u64 insn_pc;
};

/**
 * struct arm64_vcpu - the arm64 part of a vCPU
 * @vcpu: the core's vCPU
 * @ctx: what EL2 switches (a page of its own)
 * @fp: the guest's FP/SIMD registers, loaded at EL1 around each entry
 *	once the guest has used them (@fp_eager)
 * @fp_eager: the guest touched FP/SIMD: its registers are loaded for every
 *	entry; until then CPTR_EL2.TFP traps its first use
 * @lines: AXVCPU_ARM64_IRQ_LINE_* levels set by user space (bits)
 * @pending: the completion the last exit awaits
 * @flush: drop the guest's TLB entries at the next entry (SET_REGS)
 * @wfi_timer: wakes an in-kernel WFI wait when the guest's timer fires
 * @wfi_armed: @wfi_timer was started since the last entry (the vCPU's
 *	thread alone starts and cancels it: no lock)
 */
struct arm64_vcpu {
	struct axvcpu_vcpu *vcpu;
	struct arm64_ctx *ctx;
	struct axvcpu_arm64_fpu fp;
	bool fp_eager;
	unsigned long lines;
	struct arm64_pending pending;
	bool flush;
	struct hrtimer wfi_timer;
	bool wfi_armed;
};

static inline struct arm64_vcpu *to_av(struct axvcpu_vcpu *vcpu)
{
	return vcpu->arch;
}

/* arm64_hyp.S: the EL2 blob, copied whole; offsets from its start */
extern const char __axv_hyp_start[], __axv_hyp_end[];
extern const char __axv_hyp_host_vectors[], __axv_hyp_guest_vectors[];
u64 arm64_hyp_call(u64 fn, u64 arg);
void arm64_fp_save(void *fp);
void arm64_fp_load(const void *fp);

/* arm64_el2.c */
int arm64_el2_setup(void);
void arm64_el2_teardown(void);
int arm64_el2_take(void);
void arm64_el2_give_back(void);
u64 arm64_el2_run(struct arm64_ctx *ctx);
int arm64_el2_map_page(phys_addr_t pa);
bool arm64_el2_unmapped_pa(u64 *pa);

/* arm64_debugfs.c */
extern bool arm64_el2_fault_next;
void arm64_debugfs_init(struct dentry *dir);
void arm64_el2_fault_take(u64 *pa);
bool arm64_el2_fault_injected(void);

/* a test armed an EL2 fault for the next entry (arm64_debugfs.c) */
static inline bool arm64_el2_fault_armed(void)
{
	return READ_ONCE(arm64_el2_fault_next);
}

/* arm64_stage2.c */
int arm64_vm_init(struct axvcpu_vm *vm);
void arm64_vm_destroy(struct axvcpu_vm *vm);
int arm64_map_page(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		   bool readonly);
int arm64_map_block(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		    unsigned int order, bool readonly);
void arm64_unmap_page(struct axvcpu_vm *vm, u64 gpa);
u64 arm64_s2_vttbr(const struct arm64_vm *avm);
u64 arm64_s2_vtcr(void);
unsigned int arm64_s2_guest_phys_bits(void);
bool arm64_s2_flush_needed(struct arm64_vm *avm, const void *vcpu,
			   s64 tlb_gen);

/* arm64_exit.c, arm64_psci.c */
int arm64_handle_exit(struct arm64_vcpu *av, struct axvcpu_run *run, u64 code);
void arm64_complete(struct arm64_vcpu *av, const struct axvcpu_run *run,
		    bool fault);
void arm64_inject_undef(struct arm64_vcpu *av);
int arm64_psci_call(struct arm64_vcpu *av, struct axvcpu_run *run);
bool arm64_timer_pending(struct arm64_vcpu *av);
void arm64_arm_wfi_timer(struct arm64_vcpu *av);
enum hrtimer_restart arm64_wfi_timer_fired(struct hrtimer *t);

/* arm64_idregs.c */
void arm64_idregs_init(unsigned int ipa_bits);
u64 arm64_idreg_read(u32 crm, u32 op2);

/* arm64_vtimer.c */
int arm64_vtimer_init(void);
void arm64_vtimer_exit(void);
void arm64_vtimer_mask(bool mask);

/* arm64_vcpu.c */
extern const struct axvcpu_arch_ops arm64_nvhe_ops;
void arm64_vcpu_init_ids(void);
bool arm64_el2_panic_info(u64 *esr, u64 *elr, u64 *far);
extern unsigned int arm64_pa_bits;
extern unsigned int arm64_parange;

#endif /* __ASSEMBLY__ */
#endif /* _AXVCPU_ARM64_H */
