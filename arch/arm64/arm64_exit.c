// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 exits: the exception that ended an entry (ESR_EL2, Arm ARM D13.2.37
 * and its ISS encodings) turned into an exit for user space or handled
 * here, the completions of those exits, the guest's virtual timer as an
 * interrupt on its IRQ line, and UNDEF for what the guest may not do.
 */
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <asm/arch_timer.h>
#include <asm/esr.h>
#include <asm/ptrace.h>
#include <clocksource/arm_arch_timer.h>
#include "arm64.h"

/* HPFAR_EL2.FIPA: bits 51:12 of the faulting IPA, at 47:4 (D13.2.55) */
#define A64_HPFAR_FIPA		GENMASK_ULL(47, 4)

/* CNTV_CTL_EL0 (D13.8.17) */
#define A64_CNTV_ENABLE		BIT(0)
#define A64_CNTV_IMASK		BIT(1)

/**
 * arm64_inject_undef() - take an UNDEF exception in the guest
 * @av: the vCPU, at the instruction that is undefined for it
 *
 * What the CPU does on a synchronous exception to EL1 (D1.10.1): SPSR_EL1
 * and ELR_EL1 get PSTATE and the PC, ESR_EL1 the "unknown reason" class,
 * PSTATE becomes EL1h with DAIF masked and the PC the vector's.
 */
void arm64_inject_undef(struct arm64_vcpu *av)
{
	struct arm64_ctx *c = av->ctx;
	u64 mode = c->pstate & PSR_MODE_MASK, off;

	if (mode == PSR_MODE_EL0t)
		off = 0x400;	/* from a lower EL, AArch64 */
	else if (mode == PSR_MODE_EL1t)
		off = 0x000;	/* current EL with SP_EL0 */
	else
		off = 0x200;	/* current EL with SP_ELx */
	c->sys[A64_SYS_ESR] = ((u64)ESR_ELx_EC_UNKNOWN << ESR_ELx_EC_SHIFT) |
			      ESR_ELx_IL;
	c->sys[A64_SYS_ELR_EL1] = c->pc;
	c->sys[A64_SYS_SPSR_EL1] = c->pstate;
	c->pstate = PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT;
	c->pc = c->sys[A64_SYS_VBAR] + off;
}

/**
 * arm64_timer_pending() - the guest's virtual timer condition is met
 * @av: the vCPU
 *
 * Return: true when CNTV_CTL enables it unmasked and the virtual count
 * (the physical one less CNTVOFF_EL2) has reached CNTV_CVAL.
 */
bool arm64_timer_pending(struct arm64_vcpu *av)
{
	const struct arm64_ctx *c = av->ctx;
	u64 ctl = READ_ONCE(c->sys[A64_SYS_CNTV_CTL]);

	if ((ctl & (A64_CNTV_ENABLE | A64_CNTV_IMASK)) != A64_CNTV_ENABLE)
		return false;
	return arch_timer_read_counter() - c->cntvoff >=
	       READ_ONCE(c->sys[A64_SYS_CNTV_CVAL]);
}

/**
 * arm64_wfi_timer_fired() - the guest's timer passed while it waited in WFI
 * @t: the vCPU's wfi_timer
 *
 * Return: HRTIMER_NORESTART.
 */
enum hrtimer_restart arm64_wfi_timer_fired(struct hrtimer *t)
{
	struct arm64_vcpu *av = container_of(t, struct arm64_vcpu, wfi_timer);

	wake_up_interruptible(&av->vcpu->wq);
	return HRTIMER_NORESTART;
}

/**
 * arm64_arm_wfi_timer() - wake an in-kernel WFI wait when the timer fires
 * @av: the vCPU about to wait (HALT_IN_KERNEL)
 */
void arm64_arm_wfi_timer(struct arm64_vcpu *av)
{
	const struct arm64_ctx *c = av->ctx;
	u64 ctl = c->sys[A64_SYS_CNTV_CTL], now, ns = 0;

	if ((ctl & (A64_CNTV_ENABLE | A64_CNTV_IMASK)) != A64_CNTV_ENABLE)
		return;
	now = arch_timer_read_counter() - c->cntvoff;
	if (c->sys[A64_SYS_CNTV_CVAL] > now)
		ns = mul_u64_u64_div_u64(c->sys[A64_SYS_CNTV_CVAL] - now,
					 NSEC_PER_SEC, arch_timer_get_cntfrq());
	hrtimer_start(&av->wfi_timer, ns_to_ktime(ns), HRTIMER_MODE_REL);
	av->wfi_armed = true;
}

static int arm64_exit_npf(struct axvcpu_run *run, u64 ipa, u32 access)
{
	run->exit_reason = AXVCPU_EXIT_NESTED_PAGE_FAULT;
	run->nested_page_fault.addr = ipa;
	run->nested_page_fault.access = access;
	run->nested_page_fault.pad = 0;
	return AXVCPU_RUN_EXIT;
}

static int arm64_fail(struct axvcpu_run *run, u64 reason)
{
	run->exit_reason = AXVCPU_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = reason;
	return AXVCPU_RUN_EXIT;
}

/*
 * A data abort from the guest that stage 2 raised (ISS: D13.2.37.9). In a
 * region it is a write to a read-only one; elsewhere MMIO, decoded from
 * the syndrome when it has one (ISV): a load or store of one register.
 */
static int arm64_exit_dabt(struct arm64_vcpu *av, struct axvcpu_run *run)
{
	struct arm64_ctx *c = av->ctx;
	u64 esr = c->esr;
	u64 ipa = ((c->hpfar & A64_HPFAR_FIPA) << 8) | (c->far & 0xfff);
	u32 reg = (esr & ESR_ELx_SRT_MASK) >> ESR_ELx_SRT_SHIFT;
	u32 width = 1U << ((esr & ESR_ELx_SAS) >> ESR_ELx_SAS_SHIFT);

	if (axvcpu_gpa_is_mapped(av->vcpu->vm, ipa))
		return arm64_exit_npf(run, ipa, (esr & ESR_ELx_WNR) ?
				      AXVCPU_ACCESS_WRITE : AXVCPU_ACCESS_READ);
	/* a cache maintenance instruction on MMIO: nothing to do (ISS.CM) */
	if (esr & ESR_ELx_CM) {
		c->pc += 4;
		return AXVCPU_RUN_REENTER;
	}
	if (!(esr & ESR_ELx_ISV) || (esr & ESR_ELx_S1PTW))
		return arm64_fail(run, AXVCPU_ARM64_FAIL_MMIO_NO_ISV);
	run->mmio.addr = ipa;
	run->mmio.width = width;
	run->mmio.reg = reg;
	run->mmio.reg_width = (esr & ESR_ELx_SF) ? 8 : 4;
	run->mmio.sign_ext = !!(esr & ESR_ELx_SSE);
	if (esr & ESR_ELx_WNR) {
		u64 v = reg == 31 ? 0 : c->x[reg];

		run->exit_reason = AXVCPU_EXIT_MMIO_WRITE;
		run->mmio.data = width < 8 ? v & (BIT_ULL(8 * width) - 1) : v;
	} else {
		run->exit_reason = AXVCPU_EXIT_MMIO_READ;
		run->mmio.data = 0;
		av->pending = (struct arm64_pending){
			.reason = AXVCPU_EXIT_MMIO_READ, .reg = reg,
			.width = width, .sign_ext = !!(esr & ESR_ELx_SSE),
			.sf = !!(esr & ESR_ELx_SF),
		};
	}
	c->pc += 4;
	return AXVCPU_RUN_EXIT;
}

/*
 * ICC_SGI1R_EL1 (IHI 0069, 12.2.22): TargetList 15:0, Aff1 23:16, INTID
 * 27:24, Aff2 39:32, IRM 40, RS 47:44, Aff3 55:48.
 */
#define A64_SGI1R_ENC		AXVCPU_SYSREG_ARM64_ENC(3, 0, 12, 11, 5)

/*
 * A group 1 SGI the guest generates (its ICC_SGI1R_EL1 write, trapped by
 * ICH_HCR_EL2.TC): a SEND_IPI exit. target_cpu is the target list, one
 * bit per Aff0 value; target_cpu_aux the MPIDR affinity its bit 0 stands
 * for (Aff3.Aff2.Aff1, and RS * 16 as Aff0); send_to_all is IRM (every
 * PE but the sender); vector the SGI's INTID.
 */
static int arm64_exit_sgi(struct axvcpu_run *run, u64 v)
{
	run->exit_reason = AXVCPU_EXIT_SEND_IPI;
	run->send_ipi.target_cpu = v & 0xffff;
	run->send_ipi.target_cpu_aux = (((v >> 48) & 0xff) << 32) |
				       (((v >> 32) & 0xff) << 16) |
				       (((v >> 16) & 0xff) << 8) |
				       (((v >> 44) & 0xf) << 4);
	run->send_ipi.send_to_all = (v >> 40) & 1;
	run->send_ipi.send_to_self = 0;
	memset(run->send_ipi.pad, 0, sizeof(run->send_ipi.pad));
	run->send_ipi.vector = (v >> 24) & 0xf;
	return AXVCPU_RUN_EXIT;
}

/* Xn of the guest; n 31 is XZR: nothing */
static void arm64_set_x(struct arm64_vcpu *av, u32 reg, u64 v)
{
	if (reg < 31)
		av->ctx->x[reg] = v;
}

/*
 * MSR, MRS and the system instructions the guest may not run (ISS:
 * D13.2.37.6): a SYSREG exit numbered as AXVCPU_SYSREG_ARM64_ENC packs it.
 */
static int arm64_exit_sysreg(struct arm64_vcpu *av, struct axvcpu_run *run)
{
	struct arm64_ctx *c = av->ctx;
	u64 esr = c->esr;
	u32 op0 = (esr >> 20) & 3, op2 = (esr >> 17) & 7, op1 = (esr >> 14) & 7;
	u32 crn = (esr >> 10) & 15, rt = (esr >> 5) & 31, crm = (esr >> 1) & 15;

	u64 enc = AXVCPU_SYSREG_ARM64_ENC(op0, op1, crn, crm, op2);

	/* an ID register (HCR_EL2.TID3): answered here, no exit */
	if ((esr & 1) && op0 == 3 && op1 == 0 && crn == 0 && crm >= 1) {
		arm64_set_x(av, rt, arm64_idreg_read(crm, op2));
		c->pc += 4;
		return AXVCPU_RUN_REENTER;
	}
	if (enc == A64_SGI1R_ENC && !(esr & 1)) {
		c->pc += 4;
		return arm64_exit_sgi(run, rt == 31 ? 0 : c->x[rt]);
	}
	run->sysreg.addr = enc;
	run->sysreg.reg = rt;
	run->sysreg.pad = 0;
	av->pending = (struct arm64_pending){ .reg = rt, .insn_pc = c->pc };
	if (esr & 1) {		/* direction: a read (MRS) */
		run->exit_reason = AXVCPU_EXIT_SYSREG_READ;
		run->sysreg.value = 0;
		av->pending.reason = AXVCPU_EXIT_SYSREG_READ;
	} else {
		run->exit_reason = AXVCPU_EXIT_SYSREG_WRITE;
		run->sysreg.value = rt == 31 ? 0 : c->x[rt];
		av->pending.reason = AXVCPU_EXIT_SYSREG_WRITE;
	}
	c->pc += 4;
	return AXVCPU_RUN_EXIT;
}

static int arm64_exit_sync(struct arm64_vcpu *av, struct axvcpu_run *run)
{
	struct arm64_ctx *c = av->ctx;

	switch (ESR_ELx_EC(c->esr)) {
	case ESR_ELx_EC_WFx:
		c->pc += 4;
		if (c->esr & 1)		/* WFE: not trapped; a spinning guest's hint */
			return AXVCPU_RUN_REENTER;
		run->exit_reason = AXVCPU_EXIT_HALT;
		if (av->vcpu->flags & AXVCPU_VCPU_HALT_IN_KERNEL)
			arm64_arm_wfi_timer(av);
		return AXVCPU_RUN_EXIT;
	case ESR_ELx_EC_HVC64:
		/* ELR_EL2 is past the HVC already (D1.10.2) */
		return arm64_psci_call(av, run);
	case ESR_ELx_EC_SMC64:
		/* SMC traps (HCR_EL2.TSC) before it runs: ELR_EL2 is at it */
		c->pc += 4;
		return arm64_psci_call(av, run);
	case ESR_ELx_EC_SYS64:
		return arm64_exit_sysreg(av, run);
	case ESR_ELx_EC_DABT_LOW:
		return arm64_exit_dabt(av, run);
	case ESR_ELx_EC_IABT_LOW:
		return arm64_exit_npf(run, ((c->hpfar & A64_HPFAR_FIPA) << 8) |
				      (c->far & 0xfff), AXVCPU_ACCESS_EXEC);
	case ESR_ELx_EC_FP_ASIMD:
		/*
		 * The guest's first FP/SIMD use (CPTR_EL2.TFP): from now on
		 * its registers are loaded for every entry, and the trapped
		 * instruction runs again (ELR_EL2 is at it, D1.10.2).
		 */
		av->fp_eager = true;
		return AXVCPU_RUN_REENTER;
	default:
		/* SVE, trace, pointer authentication...: not the guest's */
		arm64_inject_undef(av);
		return AXVCPU_RUN_REENTER;
	}
}

/**
 * arm64_handle_exit() - turn the end of an entry into a result
 * @av: the vCPU, its context holding the exit
 * @run: the run struct for an exit to user space
 * @code: what A64_HVC_RUN returned (A64_EXIT_*), 0 when EL2 was not ours
 *
 * Return: AXVCPU_RUN_REENTER, AXVCPU_RUN_EXIT or a negative errno.
 */
int arm64_handle_exit(struct arm64_vcpu *av, struct axvcpu_run *run, u64 code)
{
	struct arm64_ctx *c = av->ctx;
	u64 esr, elr, far;
	bool injected;
	int ret;

	switch (code) {
	case A64_EXIT_IRQ:
	case A64_EXIT_FIQ:
		/* the host took its interrupt when interrupts came back on */
		if (!(av->vcpu->flags & AXVCPU_VCPU_EXIT_ON_HOST_INTR))
			return AXVCPU_RUN_REENTER;
		run->exit_reason = AXVCPU_EXIT_EXTERNAL_INTERRUPT;
		run->external_interrupt.vector = 0;
		ret = AXVCPU_RUN_EXIT;
		break;
	case A64_EXIT_SYNC:
		ret = arm64_exit_sync(av, run);
		break;
	case A64_EXIT_SERROR:
		ret = arm64_fail(run, AXVCPU_ARM64_FAIL_SERROR);
		break;
	case A64_EXIT_HYP_PANIC:
		injected = arm64_el2_panic_info(&esr, &elr, &far);
		pr_err_ratelimited("axvcpu: EL2 took an exception%s: ESR %#llx ELR %#llx FAR %#llx\n",
				   injected ? " (injected)" : "", esr, elr, far);
		WARN_ON_ONCE(!injected);
		return -EIO;
	default:
		/*
		 * Not entered: KVM took EL2 with a VM of its own (it resets
		 * EL2 to the stub, whose ABI we serve, before it sets its
		 * vectors). The guest's state is as it was; the next entry
		 * after KVM's last VM takes EL2 again, flushing every TLB.
		 * Or the host reboots: EL2 went back to the stub for good.
		 */
		if (axvcpu_hardware_stopped())
			return AXVCPU_RUN_BUSY;
		pr_info_ratelimited("axvcpu: EL2 is not ours on CPU %d (KVM has a VM?): not entered\n",
				    raw_smp_processor_id());
		return AXVCPU_RUN_BUSY;
	}
	if (ret == AXVCPU_RUN_EXIT) {
		run->hw_exit[0] = c->esr;
		run->hw_exit[1] = c->far;
		run->hw_exit[2] = c->hpfar;
		run->hw_exit[3] = 0;
	}
	return ret;
}

/**
 * arm64_complete() - apply the completion of the exit user space answered
 * @av: the vCPU
 * @run: the run struct with the answer
 * @fault: UNDEF at the MRS or MSR instead (complete_fault)
 */
void arm64_complete(struct arm64_vcpu *av, const struct axvcpu_run *run,
		    bool fault)
{
	struct arm64_pending *p = &av->pending;
	struct arm64_ctx *c = av->ctx;
	u64 v;

	switch (p->reason) {
	case AXVCPU_EXIT_MMIO_READ:
		v = run->mmio.data;
		if (p->width < 8) {
			v &= BIT_ULL(8 * p->width) - 1;
			if (p->sign_ext)
				v = sign_extend64(v, 8 * p->width - 1);
		}
		/* a W register: its upper half is zero (C1.2.5) */
		if (!p->sf)
			v &= U32_MAX;
		arm64_set_x(av, p->reg, v);
		break;
	case AXVCPU_EXIT_SYSREG_READ:
	case AXVCPU_EXIT_SYSREG_WRITE:
		if (fault) {
			c->pc = p->insn_pc;
			arm64_inject_undef(av);
		} else if (p->reason == AXVCPU_EXIT_SYSREG_READ) {
			arm64_set_x(av, p->reg, run->sysreg.value);
		}
		break;
	case AXVCPU_EXIT_HYPERCALL:
		c->x[0] = run->hypercall.ret;
		c->x[1] = run->hypercall.ret_extra[0];
		c->x[2] = run->hypercall.ret_extra[1];
		c->x[3] = run->hypercall.ret_extra[2];
		break;
	default:
		break;
	}
	p->reason = AXVCPU_EXIT_NOTHING;
}
