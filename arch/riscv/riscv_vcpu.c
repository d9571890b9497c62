// SPDX-License-Identifier: GPL-2.0
/*
 * The riscv64 vCPU: its state, the ops the core calls, and one entry into
 * VS mode (riscv_vcpu_run()).
 *
 * The H CSRs the guest needs replace the hart's (the host's, or what KVM
 * left there: it sets hedeleg, hideleg and hcounteren once per CPU and
 * loads henvcfg, hgatp, hvip and the timer CSRs at each vCPU load) from
 * the first entry of a RUN until the RUN returns or the thread is
 * preempted (riscv_load(), riscv_unload()): nothing else runs a guest on
 * the hart in between. So does vsie, which enables VS-level interrupts at
 * the hart. The other VS CSRs (vsstatus, vstvec, ..., vsatp) are read
 * back at each exit and written again only when the exit handling changed
 * them, and not given back: they mean nothing while V=0, and KVM writes
 * all of them at its next vCPU load, having saved its own at its last
 * vCPU put.
 */
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <asm/delay.h>
#include <asm/hwcap.h>
#include <asm/timex.h>
#include "riscv.h"

/* sstatus.VS (vector state), unknown to this kernel's csr.h */
#define RISCV_SR_VS		(3UL << 9)
/* sstatus.MXR, unknown to this kernel's csr.h (4.1.1.2) */
#define RISCV_SR_MXR		BIT(19)
/* vsstatus bits a VMM may set (the rest are read-only or not offered) */
#define RISCV_VSSTATUS_RW	(SR_SIE | SR_SPIE | SR_SPP | SR_FS | SR_SUM | \
				 RISCV_SR_MXR)
#define RISCV_VSSTATUS_RO	(SR_SD | SR_UXL | SR_XS)
/* vsie / vsip: the VS interrupts, seen at their S-mode bit positions */
#define RISCV_VS_S_BITS		(BIT(IRQ_S_SOFT) | BIT(IRQ_S_TIMER) | \
				 BIT(IRQ_S_EXT))
/*
 * Exceptions of the guest its own trap handler takes (hedeleg). Not
 * illegal instructions: one may be the guest's first FP instruction after
 * it turned sstatus.FS on while the entry ran with FP off (riscv_exit.c).
 */
#define RISCV_HEDELEG		(BIT(EXC_INST_MISALIGNED) | \
				 BIT(EXC_BREAKPOINT) | \
				 BIT(4) /* load misaligned */ | \
				 BIT(6) /* store misaligned */ | \
				 BIT(EXC_SYSCALL) | BIT(EXC_INST_PAGE_FAULT) | \
				 BIT(EXC_LOAD_PAGE_FAULT) | \
				 BIT(EXC_STORE_PAGE_FAULT))
#define RISCV_HIDELEG		RISCV_LINES_MASK
/* cycle, time, instret readable in the guest; hpmcounters trap (SYSREG) */
#define RISCV_HCOUNTEREN	0x7UL
#define RISCV_ENVCFG_STCE	BIT_ULL(63)

bool riscv_has_sstc;

/* The guest's values of the CSRs it has its own of, into the hart. */
static void riscv_write_guest_csrs(struct riscv_vcpu *rv)
{
	csr_write(CSR_HCOUNTEREN, rv->csr.hcounteren);
	csr_write(CSR_HENVCFG, rv->csr.henvcfg);
	csr_write(CSR_HTIMEDELTA, rv->csr.htimedelta);
	if (riscv_has_sstc)
		csr_write(CSR_VSTIMECMP, rv->csr.vstimecmp);
	/* not banked for VS mode (8.2): the guest's is the hart's own */
	csr_write(CSR_SCOUNTEREN, rv->csr.scounteren);
	csr_write(CSR_VSIE, rv->csr.vsie);
	csr_write(CSR_VSSTATUS, rv->csr.vsstatus);
	csr_write(CSR_VSTVEC, rv->csr.vstvec);
	csr_write(CSR_VSSCRATCH, rv->csr.vsscratch);
	csr_write(CSR_VSEPC, rv->csr.vsepc);
	csr_write(CSR_VSCAUSE, rv->csr.vscause);
	csr_write(CSR_VSTVAL, rv->csr.vstval);
	csr_write(CSR_VSATP, rv->csr.vsatp);
}

/* After an exit: what the guest may have changed of them. */
static void riscv_read_guest_csrs(struct riscv_vcpu *rv)
{
	rv->csr.vsstatus = csr_read(CSR_VSSTATUS);
	rv->csr.vsie = csr_read(CSR_VSIE);
	rv->csr.vstvec = csr_read(CSR_VSTVEC);
	rv->csr.vsscratch = csr_read(CSR_VSSCRATCH);
	rv->csr.vsepc = csr_read(CSR_VSEPC);
	rv->csr.vscause = csr_read(CSR_VSCAUSE);
	rv->csr.vstval = csr_read(CSR_VSTVAL);
	rv->csr.vsatp = csr_read(CSR_VSATP);
	if (riscv_has_sstc)
		rv->csr.vstimecmp = csr_read(CSR_VSTIMECMP);
	rv->csr.scounteren = csr_read(CSR_SCOUNTEREN);
	rv->hvip = csr_read(CSR_HVIP);
}

/*
 * The hart's values of the CSRs KVM sets once per CPU when it loads
 * (kvm_arch_hardware_enable): hedeleg, hideleg, hcounteren, hvip.
 */
static void riscv_save_percpu(struct riscv_vcpu *rv)
{
	struct riscv_host_csrs *h = &rv->host;

	h->hedeleg = csr_swap(CSR_HEDELEG, RISCV_HEDELEG);
	h->hideleg = csr_swap(CSR_HIDELEG, RISCV_HIDELEG);
	h->hcounteren = csr_read(CSR_HCOUNTEREN);
	h->hvip = csr_read(CSR_HVIP);
}

/*
 * Make the hart the guest's: save what the host (or KVM) has in every CSR
 * the guest needs, write the guest's. Interrupts off; undone by
 * riscv_unload() before anything else may run a guest on this hart.
 */
static void riscv_load(struct riscv_vcpu *rv, struct riscv_vm *rvm)
{
	struct riscv_host_csrs *h = &rv->host;

	riscv_save_percpu(rv);
	h->henvcfg = csr_read(CSR_HENVCFG);
	h->hgatp = csr_swap(CSR_HGATP, riscv_hgatp(rvm));
	h->htimedelta = csr_read(CSR_HTIMEDELTA);
	if (riscv_has_sstc)
		h->vstimecmp = csr_read(CSR_VSTIMECMP);
	h->scounteren = csr_read(CSR_SCOUNTEREN);
	/*
	 * vsie is hie's VS bits (8.2.12), read once hideleg is ours (it shows
	 * only the bits hideleg delegates): left set once hideleg is the
	 * host's again, a VS interrupt pending at the hart (the host's
	 * vstimecmp passed) would trap to HS mode.
	 */
	h->vsie = csr_read(CSR_VSIE);
	riscv_write_guest_csrs(rv);
	rv->loaded_cpu = smp_processor_id();
}

/* The host's values back (the guest's were read at its last exit). */
static void riscv_unload(struct riscv_vcpu *rv)
{
	const struct riscv_host_csrs *h = &rv->host;

	/*
	 * vsie first: its bits read as zero, and ignore writes, where hideleg
	 * is clear (8.2.12), and the host's hideleg may have them clear.
	 */
	csr_write(CSR_VSIE, h->vsie);
	csr_write(CSR_HEDELEG, h->hedeleg);
	csr_write(CSR_HIDELEG, h->hideleg);
	csr_write(CSR_HCOUNTEREN, h->hcounteren);
	csr_write(CSR_HENVCFG, h->henvcfg);
	csr_write(CSR_HGATP, h->hgatp);
	csr_write(CSR_HVIP, h->hvip);
	csr_write(CSR_HTIMEDELTA, h->htimedelta);
	if (riscv_has_sstc)
		csr_write(CSR_VSTIMECMP, h->vstimecmp);
	csr_write(CSR_SCOUNTEREN, h->scounteren);
	rv->loaded_cpu = -1;
}

/*
 * Before an entry (interrupts off): the guest's CSRs on this hart. They
 * stay from one entry to the next of a RUN; the thread's preemption
 * (riscv_sched_out()) and the end of RUN (riscv_vcpu_run_end()) give the
 * hart back. KVM loading meanwhile (its per-CPU set-up runs in an IPI,
 * when interrupts are on between two entries) rewrites hedeleg and its
 * kin: that shows as a hedeleg of KVM's, and those are saved anew.
 */
static void riscv_enter_csrs(struct riscv_vcpu *rv, struct riscv_vm *rvm)
{
	if (rv->loaded_cpu != smp_processor_id()) {
		riscv_load(rv, rvm);
	} else if (unlikely(csr_read(CSR_HEDELEG) != RISCV_HEDELEG)) {
		riscv_save_percpu(rv);
		riscv_write_guest_csrs(rv);
	} else if (rv->csr_dirty) {
		riscv_write_guest_csrs(rv);
	}
	rv->csr_dirty = false;
}

static void riscv_sched_in(struct preempt_notifier *pn, int cpu)
{
}

/* The thread leaves the CPU: the hart is the host's again. */
static void riscv_sched_out(struct preempt_notifier *pn,
			    struct task_struct *next)
{
	struct riscv_vcpu *rv = container_of(pn, struct riscv_vcpu, pn);

	if (rv->loaded_cpu == smp_processor_id())
		riscv_unload(rv);
}

static struct preempt_ops riscv_preempt_ops = {
	.sched_in = riscv_sched_in,
	.sched_out = riscv_sched_out,
};

/* The end of RUN: the hart is the host's again; no more notifications. */
static void riscv_vcpu_run_end(struct axvcpu_vcpu *vcpu)
{
	struct riscv_vcpu *rv = to_rv(vcpu);
	unsigned long flags;

	preempt_disable();
	local_irq_save(flags);
	if (rv->loaded_cpu == smp_processor_id())
		riscv_unload(rv);
	if (rv->pn_registered) {
		preempt_notifier_unregister(&rv->pn);
		rv->pn_registered = false;
	}
	local_irq_restore(flags);
	preempt_enable();
}

/*
 * The guest's software interrupt line is the one line the guest itself
 * clears (its sip.SSIP is hvip.VSSIP, 8.2.12), as it would clear an IPI:
 * a clear it made comes back into the line's level, unless the VMM set the
 * line again meanwhile.
 */
static void riscv_lines_after_exit(struct riscv_vcpu *rv)
{
	if (rv->hvip & BIT(IRQ_VS_SOFT) || !test_bit(IRQ_VS_SOFT, &rv->lines))
		return;
	clear_bit(IRQ_VS_SOFT, &rv->lines);
	/* Pairs with the barrier in riscv_vcpu_set_irq_line(). */
	smp_mb__after_atomic();
	if (test_bit(IRQ_VS_SOFT, &rv->lines_changed))
		set_bit(IRQ_VS_SOFT, &rv->lines);
}

/*
 * The host task's FP registers are live on the hart (the kernel saves them
 * only when it switches tasks). A guest whose vsstatus.FS is on gets its
 * own for the entry; the task's go back before interrupts are enabled, so
 * a task switch after the exit saves the task's, never the guest's.
 */
static bool riscv_fp_enter(struct riscv_vcpu *rv)
{
	struct pt_regs *regs = task_pt_regs(current);

	if ((rv->csr.vsstatus & SR_FS) == SR_FS_OFF)
		return false;
	if ((regs->status & SR_FS) == SR_FS_DIRTY) {
		riscv_fp_save((struct riscv_fp *)&current->thread.fstate);
		regs->status = (regs->status & ~SR_FS) | SR_FS_CLEAN;
	}
	riscv_fp_load(&rv->fp);
	return true;
}

static void riscv_fp_leave(struct riscv_vcpu *rv)
{
	struct pt_regs *regs = task_pt_regs(current);

	if ((rv->ctx.sstatus & SR_FS) == SR_FS_DIRTY)
		riscv_fp_save(&rv->fp);
	if ((regs->status & SR_FS) != SR_FS_OFF)
		riscv_fp_load((const struct riscv_fp *)&current->thread.fstate);
}

/* Which exits need the trapping instruction, fetched while hgatp is ours. */
static bool riscv_exit_needs_insn(const struct riscv_ctx *c)
{
	switch (c->scause) {
	case EXC_LOAD_GUEST_PAGE_FAULT:
	case EXC_STORE_GUEST_PAGE_FAULT:
		return !c->htinst;
	case EXC_VIRTUAL_INST_FAULT:
		return !c->stval;
	default:
		return false;
	}
}

/**
 * riscv_timer_pending() - the guest's timer compare has passed
 * @rv: the vCPU
 *
 * Return: true when time (with the guest's htimedelta) >= its vstimecmp.
 */
bool riscv_timer_pending(struct riscv_vcpu *rv)
{
	return get_cycles64() + rv->csr.htimedelta >= rv->csr.vstimecmp;
}

/*
 * The guest's timer compare passed: a vCPU waiting in WFI wakes; one in
 * the guest was interrupted by this very interrupt (the timer is pinned to
 * its CPU) and gets hvip.VSTIP at its next entry (no Sstc).
 */
static enum hrtimer_restart riscv_timer_fired(struct hrtimer *t)
{
	struct riscv_vcpu *rv = container_of(t, struct riscv_vcpu, wfi_timer);

	wake_up_interruptible(&rv->vcpu->wq);
	return HRTIMER_NORESTART;
}

static void riscv_arm_timer(struct riscv_vcpu *rv, enum hrtimer_mode mode)
{
	u64 now = get_cycles64() + rv->csr.htimedelta;
	u64 delta, ns;

	delta = rv->csr.vstimecmp > now ? rv->csr.vstimecmp - now : 0;
	ns = mul_u64_u64_div_u64(delta, NSEC_PER_SEC, riscv_timebase);
	hrtimer_start(&rv->wfi_timer, ns_to_ktime(ns), mode);
}

/**
 * riscv_arm_wfi_timer() - wake an in-kernel WFI wait when the timer fires
 * @rv: the vCPU about to wait (HALT_IN_KERNEL)
 */
void riscv_arm_wfi_timer(struct riscv_vcpu *rv)
{
	if (!(rv->csr.vsie & BIT(IRQ_S_TIMER)) || rv->csr.vstimecmp == ~0ULL)
		return;
	riscv_arm_timer(rv, HRTIMER_MODE_REL);
}

static int riscv_vcpu_run(struct axvcpu_vcpu *vcpu, struct axvcpu_run *run)
{
	struct riscv_vcpu *rv = to_rv(vcpu);
	struct riscv_vm *rvm = to_rv_vm(vcpu->vm);
	struct riscv_ctx *c = &rv->ctx;
	unsigned long changed, hvip, insn = 0;
	bool fp;
	int ret;

	hrtimer_cancel(&rv->wfi_timer);
	local_irq_disable();
	if (!axvcpu_vcpu_load(vcpu)) {
		local_irq_enable();
		return AXVCPU_RUN_REENTER;
	}
	changed = xchg(&rv->lines_changed, 0);
	if (changed)
		atomic_long_or(changed, (atomic_long_t *)&rv->lines);
	hvip = READ_ONCE(rv->lines) & RISCV_LINES_MASK;
	/*
	 * Without Sstc the guest's timer is ours to raise: pending now, or an
	 * hrtimer on this CPU whose interrupt ends the entry in time.
	 */
	if (!riscv_has_sstc) {
		if (riscv_timer_pending(rv))
			hvip |= BIT(IRQ_VS_TIMER);
		else if (rv->csr.vstimecmp != ~0UL)
			riscv_arm_timer(rv, HRTIMER_MODE_REL_PINNED);
	}

	if (!rv->pn_registered) {
		preempt_notifier_register(&rv->pn);
		rv->pn_registered = true;
	}
	riscv_enter_csrs(rv, rvm);
	csr_write(CSR_HVIP, hvip);
	riscv_tlb_before_entry(rv, rvm, atomic64_read(&vcpu->vm->tlb_gen));
	fp = riscv_fp_enter(rv);
	rv->fp_on = fp;
	c->sstatus = (csr_read(CSR_SSTATUS) & ~(SR_SPP | SR_SPIE | SR_SIE |
						SR_FS | RISCV_SR_VS)) |
		     (rv->mode == AXVCPU_RISCV_MODE_VS ? SR_SPP : 0) |
		     (fp ? SR_FS_CLEAN : SR_FS_OFF);
	c->hstatus = (csr_read(CSR_HSTATUS) &
		      ~(HSTATUS_SPVP | HSTATUS_VTSR | HSTATUS_VTVM | HSTATUS_HU |
			HSTATUS_GVA | HSTATUS_VGEIN)) |
		     HSTATUS_SPV | HSTATUS_VTW |
		     (rv->mode == AXVCPU_RISCV_MODE_VS ? HSTATUS_SPVP : 0);

	riscv_switch_to_guest(c);

	rv->mode = (c->sstatus & SR_SPP) ? AXVCPU_RISCV_MODE_VS :
					   AXVCPU_RISCV_MODE_VU;
	if (riscv_exit_needs_insn(c) && riscv_read_guest_insn(c->sepc, &insn))
		insn = 0;
	rv->exit_insn = insn;
	riscv_read_guest_csrs(rv);
	if (fp)
		riscv_fp_leave(rv);
	axvcpu_vcpu_put(vcpu);
	/* a host interrupt that ended the entry is taken here */
	local_irq_enable();

	riscv_lines_after_exit(rv);
	vcpu->hw_exit = c->scause;
	ret = riscv_handle_exit(rv, run);
	if (ret == AXVCPU_RUN_EXIT) {
		run->hw_exit[0] = c->scause;
		run->hw_exit[1] = c->stval;
		run->hw_exit[2] = c->htval;
		run->hw_exit[3] = c->htinst;
	}
	return ret;
}

/* The architectural reset of what SETUP leaves to the backend. */
static void riscv_reset(struct riscv_vcpu *rv, u64 entry)
{
	memset(&rv->ctx, 0, sizeof(rv->ctx));
	memset(&rv->fp, 0, sizeof(rv->fp));
	memset(&rv->pending, 0, sizeof(rv->pending));
	rv->ctx.sepc = entry;
	/* the SBI boot convention: a0 = hart id (a1, the FDT, is the VMM's) */
	rv->ctx.x[10] = rv->vcpu->vcpu_id;
	rv->mode = AXVCPU_RISCV_MODE_VS;
	rv->csr_dirty = true;
	rv->csr = (struct riscv_guest_csrs) {
		.vsstatus = SR_UXL_64,
		.vstimecmp = ~0UL,
		.hcounteren = RISCV_HCOUNTEREN,
		.henvcfg = riscv_has_sstc ? RISCV_ENVCFG_STCE : 0,
	};
}

static int riscv_vcpu_create(struct axvcpu_vcpu *vcpu)
{
	struct riscv_vcpu *rv = kzalloc(sizeof(*rv), GFP_KERNEL_ACCOUNT);

	if (!rv)
		return -ENOMEM;
	rv->vcpu = vcpu;
	rv->id = riscv_new_id();
	rv->last_cpu = -1;
	rv->loaded_cpu = -1;
	preempt_notifier_init(&rv->pn, &riscv_preempt_ops);
	hrtimer_init(&rv->wfi_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	rv->wfi_timer.function = riscv_timer_fired;
	vcpu->arch = rv;
	riscv_reset(rv, 0);
	return 0;
}

static void riscv_vcpu_destroy(struct axvcpu_vcpu *vcpu)
{
	struct riscv_vcpu *rv = to_rv(vcpu);

	if (!rv)
		return;
	hrtimer_cancel(&rv->wfi_timer);
	kfree(rv);
	vcpu->arch = NULL;
}

static int riscv_vcpu_check_setup(const struct axvcpu_setup *setup)
{
	/* riscv64 has no set-up choices: VS mode, vsatp bare (SPEC 3) */
	return memchr_inv(&setup->arch, 0, sizeof(setup->arch)) ? -EINVAL : 0;
}

static int riscv_vcpu_set_entry(struct axvcpu_vcpu *vcpu, u64 entry)
{
	riscv_reset(to_rv(vcpu), entry);
	return 0;
}

static int riscv_vcpu_set_ept_root(struct axvcpu_vcpu *vcpu)
{
	/* hgatp is built from the VM's root at each entry (riscv_hgatp()) */
	return 0;
}

static int riscv_vcpu_setup(struct axvcpu_vcpu *vcpu,
			    const struct axvcpu_setup *setup)
{
	return 0;
}

static int riscv_vcpu_bind(struct axvcpu_vcpu *vcpu, int cpu)
{
	return 0;
}

static int riscv_vcpu_unbind(struct axvcpu_vcpu *vcpu)
{
	return 0;
}

/**
 * riscv_set_gpr() - write x@reg (x0 stays 0)
 * @rv: the vCPU
 * @reg: 0..31
 * @value: the value
 */
void riscv_set_gpr(struct riscv_vcpu *rv, u32 reg, unsigned long value)
{
	if (reg && reg < 32)
		rv->ctx.x[reg] = value;
}

static int riscv_vcpu_set_gpr(struct axvcpu_vcpu *vcpu, u32 reg, u64 value)
{
	if (reg >= 32)
		return -EINVAL;
	riscv_set_gpr(to_rv(vcpu), reg, value);
	return 0;
}

static int riscv_vcpu_get_gpr(struct axvcpu_vcpu *vcpu, u32 reg, u64 *value)
{
	if (reg >= 32)
		return -EINVAL;
	*value = reg ? to_rv(vcpu)->ctx.x[reg] : 0;
	return 0;
}

static void riscv_vcpu_set_return_value(struct axvcpu_vcpu *vcpu, u64 value)
{
	/* a0, where an SBI call returns its error code */
	to_rv(vcpu)->ctx.x[10] = value;
}

static void riscv_vcpu_complete(struct axvcpu_vcpu *vcpu,
				const struct axvcpu_run *run, bool fault)
{
	riscv_complete(to_rv(vcpu), run, fault);
}

/* vsip as the guest reads it: the lines and the timer, at S positions */
static unsigned long riscv_vsip(struct riscv_vcpu *rv)
{
	unsigned long p = READ_ONCE(rv->lines) & RISCV_LINES_MASK;

	if (riscv_timer_pending(rv))
		p |= BIT(IRQ_VS_TIMER);
	return p >> 1;
}

static void riscv_vcpu_get_regs(struct axvcpu_vcpu *vcpu,
				struct axvcpu_regs *regs)
{
	struct riscv_vcpu *rv = to_rv(vcpu);
	struct axvcpu_riscv64_regs *r = &regs->riscv64;

	memcpy(r->x, rv->ctx.x, sizeof(r->x));
	r->x[0] = 0;
	r->pc = rv->ctx.sepc;
	r->mode = rv->mode;
	r->vsstatus = rv->csr.vsstatus;
	r->vsie = rv->csr.vsie;
	r->vstvec = rv->csr.vstvec;
	r->vsscratch = rv->csr.vsscratch;
	r->vsepc = rv->csr.vsepc;
	r->vscause = rv->csr.vscause;
	r->vstval = rv->csr.vstval;
	r->vsip = riscv_vsip(rv);
	r->vsatp = rv->csr.vsatp;
}

/* vsatp.MODE: Bare, Sv39, Sv48, Sv57 (4.1.11) */
static bool riscv_vsatp_ok(u64 vsatp)
{
	u64 mode = vsatp >> 60;	/* MODE: bits 63:60 */

	return mode == 0 || (mode >= 8 && mode <= 10);
}

static int riscv_vcpu_set_regs(struct axvcpu_vcpu *vcpu,
			       const struct axvcpu_regs *regs)
{
	struct riscv_vcpu *rv = to_rv(vcpu);
	const struct axvcpu_riscv64_regs *r = &regs->riscv64;

	if (r->mode > AXVCPU_RISCV_MODE_VS ||
	    r->vsstatus & ~(RISCV_VSSTATUS_RW | RISCV_VSSTATUS_RO) ||
	    r->vsie & ~RISCV_VS_S_BITS || r->vsip & ~RISCV_VS_S_BITS ||
	    (r->vstvec & 3) > 1 || !riscv_vsatp_ok(r->vsatp) ||
	    memchr_inv(r->reserved, 0, sizeof(r->reserved)))
		return -EINVAL;

	memcpy(rv->ctx.x, r->x, sizeof(rv->ctx.x));
	rv->ctx.x[0] = 0;
	rv->ctx.sepc = r->pc;
	rv->mode = r->mode;
	/* UXL stays 64 (the only XLEN this backend runs) */
	rv->csr.vsstatus = (r->vsstatus & RISCV_VSSTATUS_RW) | SR_UXL_64;
	rv->csr.vsie = r->vsie;
	rv->csr.vstvec = r->vstvec;
	rv->csr.vsscratch = r->vsscratch;
	rv->csr.vsepc = r->vsepc;
	rv->csr.vscause = r->vscause;
	rv->csr.vstval = r->vstval;
	rv->csr.vsatp = r->vsatp;
	/* vsip's one writable bit is the guest-cleared software line */
	if (r->vsip & BIT(IRQ_S_SOFT))
		set_bit(IRQ_VS_SOFT, &rv->lines);
	else
		clear_bit(IRQ_VS_SOFT, &rv->lines);
	memset(&rv->pending, 0, sizeof(rv->pending));
	rv->csr_dirty = true;
	/*
	 * A new state: the VS-stage translations the hart holds are the old
	 * one's, which the guest cannot SFENCE.VMA away from inside the new
	 * one: the next entry does HFENCE.VVMA (riscv_tlb_before_entry()).
	 */
	rv->last_cpu = -1;
	return 0;
}

static int riscv_vcpu_inject_interrupt(struct axvcpu_vcpu *vcpu, u32 vector)
{
	/* riscv64 takes levels on its lines (AXVCPU_SET_IRQ_LINE) */
	return -EINVAL;
}

static bool riscv_vcpu_has_interrupt(struct axvcpu_vcpu *vcpu)
{
	struct riscv_vcpu *rv = to_rv(vcpu);
	unsigned long p = READ_ONCE(rv->lines) | READ_ONCE(rv->lines_changed);

	if (riscv_timer_pending(rv))
		p |= BIT(IRQ_VS_TIMER);
	/* WFI ends on a pending interrupt that vsie enables (3.3.3) */
	return p & (READ_ONCE(rv->csr.vsie) << 1) & RISCV_LINES_MASK;
}

static int riscv_vcpu_set_irq_line(struct axvcpu_vcpu *vcpu, u32 line,
				   bool level)
{
	struct riscv_vcpu *rv = to_rv(vcpu);

	if (line >= BITS_PER_LONG || !(BIT(line) & RISCV_LINES_MASK))
		return -EINVAL;
	if (level) {
		set_bit(line, &rv->lines);
		/* Pairs with the barrier in riscv_lines_after_exit(). */
		smp_mb__after_atomic();
		set_bit(line, &rv->lines_changed);
	} else {
		clear_bit(line, &rv->lines_changed);
		clear_bit(line, &rv->lines);
	}
	return 0;
}

/* The CSRs a VMM saves and restores beside the register file. */
static const u64 riscv_sysreg_ids[] = {
	AXVCPU_SYSREG_RISCV_CSR | CSR_SCOUNTEREN,
	AXVCPU_SYSREG_RISCV_CSR | CSR_STIMECMP,
	AXVCPU_SYSREG_RISCV_CSR | CSR_HTIMEDELTA,
	AXVCPU_SYSREG_RISCV_CSR | CSR_HENVCFG,
};

static int riscv_vcpu_get_sysreg(struct axvcpu_vcpu *vcpu, u64 id, u64 *value)
{
	struct riscv_vcpu *rv = to_rv(vcpu);

	switch (id) {
	case AXVCPU_SYSREG_RISCV_CSR | CSR_SCOUNTEREN:
		*value = rv->csr.scounteren;
		return 0;
	case AXVCPU_SYSREG_RISCV_CSR | CSR_STIMECMP:
		*value = rv->csr.vstimecmp;
		return 0;
	case AXVCPU_SYSREG_RISCV_CSR | CSR_HTIMEDELTA:
		*value = rv->csr.htimedelta;
		return 0;
	case AXVCPU_SYSREG_RISCV_CSR | CSR_HENVCFG:
		*value = rv->csr.henvcfg;
		return 0;
	default:
		return -ENOENT;
	}
}

static int riscv_vcpu_set_sysreg(struct axvcpu_vcpu *vcpu, u64 id, u64 value)
{
	struct riscv_vcpu *rv = to_rv(vcpu);

	switch (id) {
	case AXVCPU_SYSREG_RISCV_CSR | CSR_SCOUNTEREN:
		/* the counters the guest lets its U mode read (4.1.5) */
		if (value >> 32)
			return -EINVAL;
		rv->csr.scounteren = value;
		rv->csr_dirty = true;
		return 0;
	case AXVCPU_SYSREG_RISCV_CSR | CSR_STIMECMP:
		rv->csr.vstimecmp = value;
		rv->csr_dirty = true;
		return 0;
	case AXVCPU_SYSREG_RISCV_CSR | CSR_HTIMEDELTA:
		rv->csr.htimedelta = value;
		rv->csr_dirty = true;
		return 0;
	case AXVCPU_SYSREG_RISCV_CSR | CSR_HENVCFG:
		if (value & ~(riscv_has_sstc ? RISCV_ENVCFG_STCE : 0))
			return -EINVAL;
		rv->csr.henvcfg = value;
		rv->csr_dirty = true;
		return 0;
	default:
		return -ENOENT;
	}
}

static void riscv_vcpu_get_fpu(struct axvcpu_vcpu *vcpu, void *buf)
{
	struct riscv_vcpu *rv = to_rv(vcpu);
	struct axvcpu_riscv64_fpu *f = buf;

	memset(f, 0, sizeof(*f));
	memcpy(f->f, rv->fp.f, sizeof(f->f));
	f->fcsr = rv->fp.fcsr;
}

static int riscv_vcpu_set_fpu(struct axvcpu_vcpu *vcpu, const void *buf)
{
	struct riscv_vcpu *rv = to_rv(vcpu);
	const struct axvcpu_riscv64_fpu *f = buf;

	/* fcsr: frm (7:5) and fflags (4:0); the rest is reserved (11.2) */
	if (f->fcsr & ~0xffU || f->pad ||
	    memchr_inv(f->reserved, 0, sizeof(f->reserved)))
		return -EINVAL;
	memcpy(rv->fp.f, f->f, sizeof(rv->fp.f));
	rv->fp.fcsr = f->fcsr;
	return 0;
}

static int riscv_hardware_enable(void)
{
	/* nothing to switch on: every H CSR is set around each entry */
	return 0;
}

static void riscv_hardware_disable(void)
{
}

const struct axvcpu_arch_ops riscv_h_ops = {
	.name = "riscv64 H",
	.arch = AXVCPU_ARCH_RISCV_H,
	.features = AXVCPU_FEATURE_READONLY_MEM |
		    AXVCPU_FEATURE_EXIT_ON_HOST_INTR |
		    AXVCPU_FEATURE_HALT_IN_KERNEL |
		    AXVCPU_FEATURE_IMMEDIATE_EXIT |
		    AXVCPU_FEATURE_SYSREG_FAULT |
		    AXVCPU_FEATURE_IRQ_LINES,
	.hardware_enable = riscv_hardware_enable,
	.hardware_disable = riscv_hardware_disable,
	.vm_init = riscv_vm_init,
	.vm_destroy = riscv_vm_destroy,
	.map_page = riscv_map_page,
	.block_orders = RISCV_GSTAGE_BLOCK_ORDERS,
	.map_block = riscv_map_block,
	.unmap_page = riscv_unmap_page,
	.vcpu_create = riscv_vcpu_create,
	.vcpu_destroy = riscv_vcpu_destroy,
	.vcpu_check_setup = riscv_vcpu_check_setup,
	.vcpu_set_entry = riscv_vcpu_set_entry,
	.vcpu_set_ept_root = riscv_vcpu_set_ept_root,
	.vcpu_setup = riscv_vcpu_setup,
	.vcpu_bind = riscv_vcpu_bind,
	.vcpu_unbind = riscv_vcpu_unbind,
	.vcpu_run = riscv_vcpu_run,
	.vcpu_complete = riscv_vcpu_complete,
	.vcpu_run_end = riscv_vcpu_run_end,
	.vcpu_set_gpr = riscv_vcpu_set_gpr,
	.vcpu_get_gpr = riscv_vcpu_get_gpr,
	.vcpu_set_return_value = riscv_vcpu_set_return_value,
	.vcpu_get_regs = riscv_vcpu_get_regs,
	.vcpu_set_regs = riscv_vcpu_set_regs,
	.vcpu_inject_interrupt = riscv_vcpu_inject_interrupt,
	.vcpu_has_interrupt = riscv_vcpu_has_interrupt,
	.sysreg_ids = riscv_sysreg_ids,
	.nr_sysreg_ids = ARRAY_SIZE(riscv_sysreg_ids),
	.vcpu_get_sysreg = riscv_vcpu_get_sysreg,
	.vcpu_set_sysreg = riscv_vcpu_set_sysreg,
	.vcpu_set_irq_line = riscv_vcpu_set_irq_line,
	.fpu_state_size = sizeof(struct axvcpu_riscv64_fpu),
	.vcpu_get_fpu = riscv_vcpu_get_fpu,
	.vcpu_set_fpu = riscv_vcpu_set_fpu,
};
