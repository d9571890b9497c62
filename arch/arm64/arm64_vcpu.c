// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 vCPU: its state, the ops table, one entry. The guest runs at EL1
 * and EL0 (AArch64), the world switch is EL2's (arm64_hyp.S); the guest's
 * FP/SIMD registers are loaded at EL1 between kernel_neon_begin() and
 * kernel_neon_end(), which put the task's own away, from the guest's
 * first use of them on: until then CPTR_EL2.TFP traps that use (an exit
 * handled in the kernel, arm64_exit.c) and the task's registers stay
 * where they are, out of the guest's reach.
 */
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/arch_timer.h>
#include <asm/cputype.h>
#include <asm/kvm_arm.h>
#include <asm/neon.h>
#include <asm/ptrace.h>
#include <asm/sysreg.h>
#include <clocksource/arm_arch_timer.h>
#include <linux/irqchip/arm-gic-v3.h>
#include "arm64.h"

/*
 * HCR_EL2 while the guest runs (D13.2.46): stage 2 on; physical IRQs,
 * FIQs and SErrors to EL2 (and the virtual ones through VI/VF); WFI, SMC,
 * set/way cache maintenance, ACTLR, IMPLEMENTATION DEFINED registers, the
 * LORegion registers and reads of the ID registers (answered by
 * arm64_idregs.c) trapped; EL1 is AArch64; broadcast TLB and barrier
 * maintenance inner shareable, as the host's.
 */
#define A64_HCR_GUEST	(HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | \
			 HCR_FB | HCR_BSU_IS | HCR_TWI | HCR_TSC | HCR_TIDCP | \
			 HCR_TACR | HCR_TSW | HCR_RW | HCR_TID3 | HCR_TLOR)

/* CNTHCTL_EL2 (nVHE): the physical counter readable, its timer trapped */
#define A64_CNTHCTL_GUEST	CNTHCTL_EL1PCTEN

/* SCTLR_EL1 at reset: its RES1 bits, MMU and caches off (D13.2.118) */
#define A64_SCTLR_EL1_RESET	(BIT(11) | BIT(20) | BIT(22) | BIT(28) | BIT(29))

/*
 * The GICv3 CPU interface while the guest runs (GICv3 and GICv4 Software
 * Overview / IHI 0069, 12.5.7 ICH_HCR_EL2, 12.7.6 ICC_SRE_EL2): every ICC_*
 * access of the guest's EL1 traps to EL2 (TC: the common registers, SGI
 * generation included; TALL0, TALL1: the group 0 and group 1 ones), a
 * SYSREG exit for the VMM's GIC model; and ICC_SRE_EL2.Enable clear, so
 * that ICC_SRE_EL1, which the host shares, traps too instead of letting
 * the guest turn the host's system register interface off.
 */
#define A64_ICH_HCR_GUEST	(ICH_HCR_TC | ICH_HCR_TALL0 | ICH_HCR_TALL1)
#define A64_ICC_SRE_EL2_GUEST	(ICC_SRE_EL2_SRE | ICC_SRE_EL1_DFB | \
				 ICC_SRE_EL1_DIB)

/* the CPUs have the GICv3 system register interface and the host uses it */
static bool arm64_gic_sysregs;

#define A64_PSTATE_RESET	(PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | \
				 PSR_I_BIT | PSR_F_BIT)

/* The EL1 registers of GET/SET_SYSREG beyond the register file */
static const struct {
	u32 sys_reg;		/* the kernel's encoding: sys_reg(op0, ...) */
	u32 idx;		/* A64_SYS_* */
} arm64_sysregs[] = {
	{ SYS_SCTLR_EL1, A64_SYS_SCTLR },
	{ SYS_CPACR_EL1, A64_SYS_CPACR },
	{ SYS_TTBR0_EL1, A64_SYS_TTBR0 },
	{ SYS_TTBR1_EL1, A64_SYS_TTBR1 },
	{ SYS_TCR_EL1, A64_SYS_TCR },
	{ SYS_ESR_EL1, A64_SYS_ESR },
	{ SYS_AFSR0_EL1, A64_SYS_AFSR0 },
	{ SYS_AFSR1_EL1, A64_SYS_AFSR1 },
	{ SYS_FAR_EL1, A64_SYS_FAR },
	{ SYS_MAIR_EL1, A64_SYS_MAIR },
	{ SYS_VBAR_EL1, A64_SYS_VBAR },
	{ SYS_CONTEXTIDR_EL1, A64_SYS_CONTEXTIDR },
	{ SYS_AMAIR_EL1, A64_SYS_AMAIR },
	{ SYS_CNTKCTL_EL1, A64_SYS_CNTKCTL },
	{ SYS_PAR_EL1, A64_SYS_PAR },
	{ SYS_TPIDR_EL1, A64_SYS_TPIDR_EL1 },
	{ SYS_TPIDR_EL0, A64_SYS_TPIDR_EL0 },
	{ SYS_TPIDRRO_EL0, A64_SYS_TPIDRRO_EL0 },
	{ SYS_MDSCR_EL1, A64_SYS_MDSCR },
	{ SYS_CSSELR_EL1, A64_SYS_CSSELR },
	{ SYS_CNTV_CTL_EL0, A64_SYS_CNTV_CTL },
	{ SYS_CNTV_CVAL_EL0, A64_SYS_CNTV_CVAL },
};

/* ids of the ones kept outside ctx->sys: the identity and the offset */
#define A64_ID(r)		(AXVCPU_SYSREG_ARM64 | ((r) >> 5))
#define A64_ID_MIDR		A64_ID(SYS_MIDR_EL1)
#define A64_ID_MPIDR		A64_ID(SYS_MPIDR_EL1)
#define A64_ID_CNTVOFF		A64_ID(sys_reg(3, 4, 14, 0, 3))	/* CNTVOFF_EL2 */

static u64 arm64_sysreg_ids[ARRAY_SIZE(arm64_sysregs) + 3];

/* the MPIDR a vCPU has: KVM's layout, 16 CPUs per Aff1 (GICv3 target lists) */
static u64 arm64_mpidr(u32 id)
{
	return BIT_ULL(31) | (id & 0xf) | (((u64)(id >> 4) & 0xff) << 8) |
	       (((u64)(id >> 12) & 0xff) << 16);
}

/* MDCR_EL2 for the guest: PMU and debug registers trapped; the counters EL1 may see */
static u64 arm64_mdcr_guest(void)
{
	u64 dfr0 = read_sanitised_ftr_reg(SYS_ID_AA64DFR0_EL1);
	u64 hpmn = 0;

	/* ID_AA64DFR0_EL1.PMUVer, bits 11:8: 0 when there is no PMU */
	if (cpuid_feature_extract_unsigned_field(dfr0, 8))
		hpmn = (read_sysreg(pmcr_el0) >> 11) & 0x1f;	/* PMCR_EL0.N */
	return hpmn | MDCR_EL2_TPM | MDCR_EL2_TPMCR | MDCR_EL2_TDA |
	       MDCR_EL2_TDOSA | MDCR_EL2_TDRA | MDCR_EL2_TTRF;
}

/* The architectural reset of what SETUP leaves to the backend. */
static void arm64_reset(struct arm64_vcpu *av, u64 entry)
{
	struct arm64_ctx *c = av->ctx;

	memset(c->x, 0, sizeof(c->x));
	memset(c->sys, 0, sizeof(c->sys));
	memset(&av->fp, 0, sizeof(av->fp));
	av->fp_eager = false;
	memset(&av->pending, 0, sizeof(av->pending));
	c->pc = entry;
	c->pstate = A64_PSTATE_RESET;
	c->sys[A64_SYS_SCTLR] = A64_SCTLR_EL1_RESET;
	av->flush = true;
}

static int arm64_vcpu_create(struct axvcpu_vcpu *vcpu)
{
	struct arm64_vcpu *av = kzalloc(sizeof(*av), GFP_KERNEL_ACCOUNT);
	struct arm64_ctx *c;

	if (!av)
		return -ENOMEM;
	/*
	 * EL2 reads it by physical address: one page of the linear map, in
	 * EL2's identity map (RAM hot-added after the module loaded is not,
	 * until this maps the page)
	 */
	c = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!c || arm64_el2_map_page(__pa(c))) {
		free_page((unsigned long)c);
		kfree(av);
		return -ENOMEM;
	}
	BUILD_BUG_ON(sizeof(*c) > PAGE_SIZE);
	av->vcpu = vcpu;
	av->ctx = c;
	c->vpidr = read_cpuid_id();
	c->vmpidr = arm64_mpidr(vcpu->vcpu_id);
	/* the RES1 bits by the name 6.1 and 6.12 share (6.12 dropped _DEFAULT) */
	c->cptr = CPTR_NVHE_EL2_RES1 | CPTR_EL2_TZ | CPTR_EL2_TTA | CPTR_EL2_TAM;
	c->mdcr = arm64_mdcr_guest();
	c->cnthctl = A64_CNTHCTL_GUEST;
	if (arm64_gic_sysregs) {
		c->icc_sre = A64_ICC_SRE_EL2_GUEST;
		c->ich_hcr = A64_ICH_HCR_GUEST;
	}
	hrtimer_init(&av->wfi_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	av->wfi_timer.function = arm64_wfi_timer_fired;
	vcpu->arch = av;
	arm64_reset(av, 0);
	return 0;
}

static void arm64_vcpu_destroy(struct axvcpu_vcpu *vcpu)
{
	struct arm64_vcpu *av = to_av(vcpu);

	if (!av)
		return;
	hrtimer_cancel(&av->wfi_timer);
	free_page((unsigned long)av->ctx);
	kfree(av);
	vcpu->arch = NULL;
}

static int arm64_vcpu_check_setup(const struct axvcpu_setup *setup)
{
	/* arm64 has no set-up choices: EL1h, MMU off, interrupts masked */
	return memchr_inv(&setup->arch, 0, sizeof(setup->arch)) ? -EINVAL : 0;
}

static int arm64_vcpu_set_entry(struct axvcpu_vcpu *vcpu, u64 entry)
{
	arm64_reset(to_av(vcpu), entry);
	return 0;
}

static int arm64_vcpu_nothing(struct axvcpu_vcpu *vcpu)
{
	/* VTTBR_EL2 is built from the VM's root at each entry */
	return 0;
}

static int arm64_vcpu_setup(struct axvcpu_vcpu *vcpu,
			    const struct axvcpu_setup *setup)
{
	return 0;
}

static int arm64_vcpu_bind(struct axvcpu_vcpu *vcpu, int cpu)
{
	return 0;
}

static int arm64_vcpu_run(struct axvcpu_vcpu *vcpu, struct axvcpu_run *run)
{
	struct arm64_vcpu *av = to_av(vcpu);
	struct arm64_vm *avm = vcpu->vm->arch;
	struct arm64_ctx *c = av->ctx;
	bool fp = av->fp_eager;
	unsigned long lines;
	bool timer;
	u64 code;

	/* only an in-kernel WFI wait arms it: most entries have nothing to cancel */
	if (av->wfi_armed) {
		hrtimer_cancel(&av->wfi_timer);
		av->wfi_armed = false;
	}
	if (fp)
		kernel_neon_begin();
	local_irq_disable();
	if (!axvcpu_vcpu_load(vcpu)) {
		local_irq_enable();
		if (fp)
			kernel_neon_end();
		return AXVCPU_RUN_REENTER;
	}
	lines = READ_ONCE(av->lines);
	/* the timer's level on the IRQ line, its PPI masked meanwhile */
	timer = arm64_timer_pending(av);
	if (timer) {
		lines |= BIT(AXVCPU_ARM64_IRQ_LINE_IRQ);
		arm64_vtimer_mask(true);
	}
	c->hcr = A64_HCR_GUEST |
		 (lines & BIT(AXVCPU_ARM64_IRQ_LINE_IRQ) ? HCR_VI : 0) |
		 (lines & BIT(AXVCPU_ARM64_IRQ_LINE_FIQ) ? HCR_VF : 0);
	c->vttbr = arm64_s2_vttbr(avm);
	c->flush = arm64_s2_flush_needed(avm, av, atomic64_read(&vcpu->vm->tlb_gen)) ||
		   av->flush;
	av->flush = false;
	if (fp) {
		c->cptr &= ~CPTR_EL2_TFP;
		arm64_fp_load(&av->fp);
	} else {
		c->cptr |= CPTR_EL2_TFP;
	}
	code = arm64_el2_run(c);
	if (timer)
		arm64_vtimer_mask(false);
	if (fp)
		arm64_fp_save(&av->fp);
	axvcpu_vcpu_put(vcpu);
	/* a host interrupt that ended the entry is taken here */
	local_irq_enable();
	if (fp)
		kernel_neon_end();
	vcpu->hw_exit = code == A64_EXIT_SYNC ? c->esr : code;
	return arm64_handle_exit(av, run, code);
}

static int arm64_vcpu_set_gpr(struct axvcpu_vcpu *vcpu, u32 reg, u64 value)
{
	if (reg >= 31)
		return -EINVAL;
	to_av(vcpu)->ctx->x[reg] = value;
	return 0;
}

static int arm64_vcpu_get_gpr(struct axvcpu_vcpu *vcpu, u32 reg, u64 *value)
{
	if (reg >= 31)
		return -EINVAL;
	*value = to_av(vcpu)->ctx->x[reg];
	return 0;
}

static void arm64_vcpu_set_return_value(struct axvcpu_vcpu *vcpu, u64 value)
{
	/* x0, where an SMCCC call returns */
	to_av(vcpu)->ctx->x[0] = value;
}

static void arm64_vcpu_complete(struct axvcpu_vcpu *vcpu,
				const struct axvcpu_run *run, bool fault)
{
	arm64_complete(to_av(vcpu), run, fault);
}

static void arm64_vcpu_get_regs(struct axvcpu_vcpu *vcpu,
				struct axvcpu_regs *regs)
{
	struct arm64_ctx *c = to_av(vcpu)->ctx;
	struct axvcpu_arm64_regs *r = &regs->arm64;

	memcpy(r->x, c->x, sizeof(r->x));
	r->sp_el0 = c->sys[A64_SYS_SP_EL0];
	r->sp_el1 = c->sys[A64_SYS_SP_EL1];
	r->pc = c->pc;
	r->pstate = c->pstate;
	r->elr_el1 = c->sys[A64_SYS_ELR_EL1];
	r->spsr_el1 = c->sys[A64_SYS_SPSR_EL1];
}

/*
 * A PSTATE the guest may have (SPSR_EL2's layout, C5.2.19): AArch64 at
 * EL0 or EL1, never EL2 (an ERET to EL2 would run the guest here) and no
 * AArch32 state, which the guest's EL1 cannot be.
 */
static bool arm64_pstate_ok(u64 pstate)
{
	u64 mode = pstate & (PSR_MODE32_BIT | PSR_MODE_MASK);

	return mode == PSR_MODE_EL0t || mode == PSR_MODE_EL1t ||
	       mode == PSR_MODE_EL1h;
}

static int arm64_vcpu_set_regs(struct axvcpu_vcpu *vcpu,
			       const struct axvcpu_regs *regs)
{
	struct arm64_vcpu *av = to_av(vcpu);
	const struct axvcpu_arm64_regs *r = &regs->arm64;
	struct arm64_ctx *c = av->ctx;

	if (memchr_inv(r->reserved, 0, sizeof(r->reserved)) ||
	    !arm64_pstate_ok(r->pstate) || r->pstate >> 32)
		return -EINVAL;
	memcpy(c->x, r->x, sizeof(c->x));
	c->sys[A64_SYS_SP_EL0] = r->sp_el0;
	c->sys[A64_SYS_SP_EL1] = r->sp_el1;
	c->pc = r->pc;
	c->pstate = r->pstate;
	c->sys[A64_SYS_ELR_EL1] = r->elr_el1;
	c->sys[A64_SYS_SPSR_EL1] = r->spsr_el1;
	/* a new state: the translations the guest's TLB holds go */
	av->flush = true;
	return 0;
}

static int arm64_vcpu_inject_interrupt(struct axvcpu_vcpu *vcpu, u32 vector)
{
	/* arm64 takes levels on its lines (AXVCPU_SET_IRQ_LINE) */
	return -EINVAL;
}

static bool arm64_vcpu_has_interrupt(struct axvcpu_vcpu *vcpu)
{
	struct arm64_vcpu *av = to_av(vcpu);

	/* WFI ends on a pending interrupt, masked or not (C6.2.353) */
	return READ_ONCE(av->lines) || arm64_timer_pending(av);
}

static int arm64_vcpu_set_irq_line(struct axvcpu_vcpu *vcpu, u32 line,
				   bool level)
{
	struct arm64_vcpu *av = to_av(vcpu);

	if (line != AXVCPU_ARM64_IRQ_LINE_IRQ && line != AXVCPU_ARM64_IRQ_LINE_FIQ)
		return -EINVAL;
	if (level)
		set_bit(line, &av->lines);
	else
		clear_bit(line, &av->lines);
	return 0;
}

static int arm64_sysreg_index(u64 id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(arm64_sysregs); i++)
		if (id == A64_ID(arm64_sysregs[i].sys_reg))
			return arm64_sysregs[i].idx;
	return -1;
}

static int arm64_vcpu_get_sysreg(struct axvcpu_vcpu *vcpu, u64 id, u64 *value)
{
	struct arm64_ctx *c = to_av(vcpu)->ctx;
	int i = arm64_sysreg_index(id);

	if (i >= 0)
		*value = c->sys[i];
	else if (id == A64_ID_MIDR)
		*value = c->vpidr;
	else if (id == A64_ID_MPIDR)
		*value = c->vmpidr;
	else if (id == A64_ID_CNTVOFF)
		*value = c->cntvoff;
	else
		return -ENOENT;
	return 0;
}

static int arm64_vcpu_set_sysreg(struct axvcpu_vcpu *vcpu, u64 id, u64 value)
{
	struct arm64_vcpu *av = to_av(vcpu);
	struct arm64_ctx *c = av->ctx;
	int i = arm64_sysreg_index(id);

	if (i >= 0) {
		c->sys[i] = value;
		/* a translation register changed: as SET_REGS */
		av->flush = true;
	} else if (id == A64_ID_MIDR) {
		c->vpidr = value;
	} else if (id == A64_ID_MPIDR) {
		/* bit 31 is RES1; the affinity fields are the VMM's to choose */
		c->vmpidr = value | BIT_ULL(31);
	} else if (id == A64_ID_CNTVOFF) {
		c->cntvoff = value;
	} else {
		return -ENOENT;
	}
	return 0;
}

static void arm64_vcpu_get_fpu(struct axvcpu_vcpu *vcpu, void *buf)
{
	memcpy(buf, &to_av(vcpu)->fp, sizeof(struct axvcpu_arm64_fpu));
}

static int arm64_vcpu_set_fpu(struct axvcpu_vcpu *vcpu, const void *buf)
{
	const struct axvcpu_arm64_fpu *f = buf;

	if (memchr_inv(f->reserved, 0, sizeof(f->reserved)))
		return -EINVAL;
	memcpy(&to_av(vcpu)->fp, f, sizeof(*f));
	return 0;
}

static int arm64_hardware_enable(void)
{
	return arm64_el2_take();
}

static void arm64_hardware_disable(void)
{
	arm64_el2_give_back();
}

const struct axvcpu_arch_ops arm64_nvhe_ops = {
	.name = "arm64 nVHE",
	.arch = AXVCPU_ARCH_ARM64_NVHE,
	.features = AXVCPU_FEATURE_READONLY_MEM |
		    AXVCPU_FEATURE_EXIT_ON_HOST_INTR |
		    AXVCPU_FEATURE_HALT_IN_KERNEL |
		    AXVCPU_FEATURE_IMMEDIATE_EXIT |
		    AXVCPU_FEATURE_SYSREG_FAULT |
		    AXVCPU_FEATURE_IRQ_LINES,
	.hardware_enable = arm64_hardware_enable,
	.hardware_disable = arm64_hardware_disable,
	.vm_init = arm64_vm_init,
	.vm_destroy = arm64_vm_destroy,
	.map_page = arm64_map_page,
	.block_orders = BIT(9) | BIT(18),
	.map_block = arm64_map_block,
	.unmap_page = arm64_unmap_page,
	.vcpu_create = arm64_vcpu_create,
	.vcpu_destroy = arm64_vcpu_destroy,
	.vcpu_check_setup = arm64_vcpu_check_setup,
	.vcpu_set_entry = arm64_vcpu_set_entry,
	.vcpu_set_ept_root = arm64_vcpu_nothing,
	.vcpu_setup = arm64_vcpu_setup,
	.vcpu_bind = arm64_vcpu_bind,
	.vcpu_unbind = arm64_vcpu_nothing,
	.vcpu_run = arm64_vcpu_run,
	.vcpu_complete = arm64_vcpu_complete,
	.vcpu_set_gpr = arm64_vcpu_set_gpr,
	.vcpu_get_gpr = arm64_vcpu_get_gpr,
	.vcpu_set_return_value = arm64_vcpu_set_return_value,
	.vcpu_get_regs = arm64_vcpu_get_regs,
	.vcpu_set_regs = arm64_vcpu_set_regs,
	.vcpu_inject_interrupt = arm64_vcpu_inject_interrupt,
	.vcpu_has_interrupt = arm64_vcpu_has_interrupt,
	.sysreg_ids = arm64_sysreg_ids,
	.nr_sysreg_ids = ARRAY_SIZE(arm64_sysreg_ids),
	.vcpu_get_sysreg = arm64_vcpu_get_sysreg,
	.vcpu_set_sysreg = arm64_vcpu_set_sysreg,
	.vcpu_set_irq_line = arm64_vcpu_set_irq_line,
	.fpu_state_size = sizeof(struct axvcpu_arm64_fpu),
	.vcpu_get_fpu = arm64_vcpu_get_fpu,
	.vcpu_set_fpu = arm64_vcpu_set_fpu,
	.debugfs_init = arm64_debugfs_init,
};

/**
 * arm64_vcpu_init_ids() - fill the GET_SYSREG_LIST ids once; see whether
 *	the guest's GIC registers are to be trapped
 */
void arm64_vcpu_init_ids(void)
{
	u64 pfr0 = read_sanitised_ftr_reg(SYS_ID_AA64PFR0_EL1);
	unsigned int i;

	/*
	 * ID_AA64PFR0_EL1.GIC (D19.2.64) says the CPU interface has system
	 * registers; ICC_SRE_EL1.SRE that the kernel runs it that way, so
	 * ICC_SRE_EL2.SRE is set and ICH_HCR_EL2 is there to program.
	 */
	if (cpuid_feature_extract_unsigned_field(pfr0, ID_AA64PFR0_EL1_GIC_SHIFT))
		arm64_gic_sysregs = read_sysreg_s(SYS_ICC_SRE_EL1) & ICC_SRE_EL1_SRE;

	for (i = 0; i < ARRAY_SIZE(arm64_sysregs); i++)
		arm64_sysreg_ids[i] = A64_ID(arm64_sysregs[i].sys_reg);
	arm64_sysreg_ids[i++] = A64_ID_MIDR;
	arm64_sysreg_ids[i++] = A64_ID_MPIDR;
	arm64_sysreg_ids[i] = A64_ID_CNTVOFF;
}
