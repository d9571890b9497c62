// SPDX-License-Identifier: GPL-2.0
/*
 * The AMD SVM backend: the VMCB, the vCPU operations of the ops table and
 * the run step. Exit handling is in svm_exit.c, per-CPU state in
 * svm_percpu.c, the world switch in svm_vmrun.S.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include "svm.h"

#define SVM_IOPM_ORDER		2	/* 12 KiB used */
#define SVM_MSRPM_ORDER		1	/* 8 KiB */
#define SVM_CPUID_NPT		BIT(0)
#define SVM_GPAT_DEFAULT	0x0007040600070406ULL
#define SVM_DR6_INIT		0xffff0ff0ULL
#define SVM_DR7_INIT		0x400ULL

/* SVM packed segment attributes (APM vol. 2, 15.5.1) */

static void *svm_iopm;
static void *svm_msrpm;

/*
 * MSRs VMLOAD/VMSAVE switch: the guest owns them and reads and writes them
 * without an exit. Every other MSR is intercepted.
 */
static const u32 svm_passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR,
	MSR_CSTAR, MSR_SYSCALL_MASK, MSR_IA32_SYSENTER_CS,
	MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
};

/* Clear the read and write intercept bits of @msr (APM vol. 2, 15.11). */
static void svm_msrpm_allow(u32 msr)
{
	u32 base, off;
	u8 *pm = svm_msrpm;

	if (msr < 0x2000) {
		base = 0;
		off = msr;
	} else if (msr >= 0xc0000000 && msr < 0xc0002000) {
		base = 0x800;
		off = msr - 0xc0000000;
	} else if (msr >= 0xc0010000 && msr < 0xc0012000) {
		base = 0x1000;
		off = msr - 0xc0010000;
	} else {
		return;
	}
	pm[base + off / 4] &= ~(3 << ((off % 4) * 2));
}

static void svm_init_control(struct svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	/* Debug registers are emulated (svm_exit.c): intercept every access. */
	c->intercepts[INTERCEPT_DR] = 0xffffffff;
	/*
	 * CR4 writes: checked before they reach the VMCB
	 * (x86_exit_write_cr4()). CR8 writes: done by the module rather than
	 * by the CPU, because QEMU 7.2's SVM raises the virtual interrupt of
	 * a CR8 write without the lock its TCG needs and aborts the whole
	 * emulated machine when one is pending. On hardware that costs an
	 * exit per CR8 write, which only guests that use CR8 as their
	 * interrupt level (64-bit Windows) do often.
	 */
	c->intercepts[INTERCEPT_CR] = BIT(INTERCEPT_CR4_WRITE) |
				      BIT(INTERCEPT_CR8_WRITE);
	/* #AC and #DB are reflected: a guest looping on them must not starve the host. */
	/* #MC: a host machine check taken in guest mode is the host's */
	c->intercepts[INTERCEPT_EXCEPTION] = BIT(AC_VECTOR) | BIT(DB_VECTOR) |
					     BIT(MC_VECTOR);
	c->intercepts[INTERCEPT_WORD3] =
		BIT(INTERCEPT_INTR - 96) | BIT(INTERCEPT_NMI - 96) |
		BIT(INTERCEPT_SMI - 96) | BIT(INTERCEPT_CPUID - 96) |
		BIT(INTERCEPT_INVD - 96) | BIT(INTERCEPT_HLT - 96) |
		BIT(INTERCEPT_INVLPGA - 96) | BIT(INTERCEPT_IOIO_PROT - 96) |
		BIT(INTERCEPT_MSR_PROT - 96) | BIT(INTERCEPT_SHUTDOWN - 96) |
		BIT(INTERCEPT_RDPMC - 96);
	c->intercepts[INTERCEPT_WORD4] =
		BIT(INTERCEPT_VMRUN - 128) | BIT(INTERCEPT_VMMCALL - 128) |
		BIT(INTERCEPT_VMLOAD - 128) | BIT(INTERCEPT_VMSAVE - 128) |
		BIT(INTERCEPT_STGI - 128) | BIT(INTERCEPT_CLGI - 128) |
		BIT(INTERCEPT_SKINIT - 128) | BIT(INTERCEPT_MONITOR - 128) |
		BIT(INTERCEPT_MWAIT - 128) | BIT(INTERCEPT_XSETBV - 128) |
		BIT(INTERCEPT_WBINVD - 128) | BIT(INTERCEPT_RDPRU - 128);
	/*
	 * Pause filtering (APM vol. 2, 15.14.4): the 3000th PAUSE without an
	 * exit (within 128 cycles of the previous one, where the CPU has the
	 * threshold) is a spin; the vCPU yields to a sibling (axvcpu_spin.c).
	 * KVM's defaults.
	 */
	if (boot_cpu_has(X86_FEATURE_PAUSEFILTER)) {
		c->intercepts[INTERCEPT_WORD3] |= BIT(INTERCEPT_PAUSE - 96);
		c->pause_filter_count = 3000;
		if (boot_cpu_has(X86_FEATURE_PFTHRESHOLD))
			c->pause_filter_thresh = 128;
	}
	c->iopm_base_pa = __pa(svm_iopm);
	c->msrpm_base_pa = __pa(svm_msrpm);
	c->int_ctl = V_INTR_MASKING_MASK;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
}

static void svm_init_save(struct svm_vcpu *svm, u32 mode, u64 entry);

static int svm_vcpu_create(struct axvcpu_vcpu *vcpu)
{
	struct svm_vcpu *svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);

	if (!svm)
		return -ENOMEM;
	svm->vmcb = (struct vmcb *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!svm->vmcb || x86_fpu_alloc(&svm->x86)) {
		free_page((unsigned long)svm->vmcb);
		x86_fpu_free(&svm->x86);
		kfree(svm);
		return -ENOMEM;
	}
	svm->vmcb_pa = __pa(svm->vmcb);
	svm->last_cpu = -1;
	svm->x86.vcpu = vcpu;
	vcpu->arch = svm;
	svm_init_control(svm);
	svm_init_save(svm, AXVCPU_X86_MODE_FLAT32, 0);
	return 0;
}

static void svm_vcpu_destroy(struct axvcpu_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm_forget_vmcb(svm->vmcb);
	free_page((unsigned long)svm->vmcb);
	x86_fpu_free(&svm->x86);
	x86_cpuid_free(&svm->x86);
	kfree(svm);
	vcpu->arch = NULL;
}

static int svm_vcpu_set_ept_root(struct axvcpu_vcpu *vcpu)
{
	to_svm(vcpu)->vmcb->control.nested_cr3 =
		x86_stage2_root(vcpu->vm->arch);
	return 0;
}

static int svm_vcpu_setup(struct axvcpu_vcpu *vcpu,
			  const struct axvcpu_setup *setup)
{
	svm_init_save(to_svm(vcpu), setup->arch.x86.mode, setup->entry);
	return 0;
}

static int svm_vcpu_bind(struct axvcpu_vcpu *vcpu, int cpu)
{
	/* The ASID follows the CPU the vCPU really enters on (svm_assign_asid). */
	return 0;
}

static int svm_vcpu_unbind(struct axvcpu_vcpu *vcpu)
{
	return 0;
}

/*
 * VMRUN refused the state (VMEXIT_INVALID): put back what the refusal may
 * have overwritten, so that a failed entry changes nothing. QEMU 7.2
 * refuses some states (CR0[63:32] set, for one) before it loads the
 * guest's, and its #VMEXIT then writes the host's registers and the
 * host's int_ctl (0) into the VMCB. Without V_INTR_MASKING, the next good
 * entry would run with host interrupts masked by the guest's RFLAGS.IF:
 * a guest spinning with IF clear would hold the CPU until an NMI. The
 * guest's RAX and RSP stay as they were in the GPR array.
 */
static void svm_entry_refused(struct svm_vcpu *svm, u32 int_ctl, int took)
{
	svm->vmcb->control.int_ctl = int_ctl;
	if (took != SVM_TOOK_NOTHING)
		svm_untake_event(svm, took);
	if (svm->unchecked)
		svm->vmcb->save = svm->save_backup;
}

/*
 * One guest entry and exit. The guest's FPU state is the task's from the
 * first entry of the RUN (x86_fpu_run_begin()) to its end
 * (x86_vcpu_run_end()); preemption is off from the vCPU's load to its
 * put, interrupts from the ASID and interrupt checks to the exit.
 */
static int svm_vcpu_run(struct axvcpu_vcpu *vcpu, struct axvcpu_run *run)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	u64 host_tsc_aux;
	s64 tlb_gen;
	bool cached, entered;
	u32 int_ctl;
	int took, ret;

	x86_fpu_run_begin(&svm->x86);
	preempt_disable();
	local_irq_disable();
	/*
	 * This CPU is going offline, or it is not the bound one (the
	 * scheduler moved us off an offline CPU): the core moves us.
	 */
	if (!svm_cpu_enabled() || !axvcpu_vcpu_load(vcpu)) {
		local_irq_enable();
		preempt_enable();
		return AXVCPU_RUN_REENTER;
	}
	x86_fpu_enter_guest(&svm->x86);
	cached = svm_vmcb_cached(svm);
	svm_switch_vmcb(svm);
	tlb_gen = atomic64_read(&vcpu->vm->tlb_gen);
	svm_assign_asid(svm, tlb_gen != svm->tlb_gen);
	svm->tlb_gen = tlb_gen;
	took = svm_inject_event(svm);
	svm_inject_pending(svm);

	vmcb->save.rax = svm->x86.gprs[X86_RAX];
	vmcb->save.rsp = svm->x86.gprs[X86_RSP];
	if (unlikely(svm->unchecked))
		svm->save_backup = vmcb->save;
	int_ctl = vmcb->control.int_ctl;
	svm_clean_bits(svm, cached);
	clgi();
	host_tsc_aux = x86_tsc_aux_enter(&svm->x86);
	svm_vmrun(svm->vmcb_pa, svm->x86.gprs, svm_host_save_pa());
	x86_tsc_aux_leave(&svm->x86, host_tsc_aux);
	/* #VMEXIT leaves DR7 at its reset value: bring back host breakpoints. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	stgi();
	entered = vmcb->control.exit_code != (u32)SVM_EXIT_ERR;
	svm_clean_after_exit(svm, entered);
	if (unlikely(!entered)) {
		svm_entry_refused(svm, int_ctl, took);
	} else {
		svm->unchecked = false;
		svm->x86.gprs[X86_RAX] = vmcb->save.rax;
		svm->x86.gprs[X86_RSP] = vmcb->save.rsp;
	}
	x86_fpu_leave_guest(&svm->x86);
	axvcpu_vcpu_put(vcpu);
	local_irq_enable();
	preempt_enable();

	vcpu->hw_exit = ((u64)vmcb->control.exit_code_hi << 32) |
			vmcb->control.exit_code;
	ret = svm_handle_exit(svm, run);
	if (ret == AXVCPU_RUN_EXIT) {
		/* The exit as the hardware told it (api.rst, hw_exit). */
		run->hw_exit[0] = ((u64)vmcb->control.exit_code_hi << 32) |
				  vmcb->control.exit_code;
		run->hw_exit[1] = vmcb->control.exit_info_1;
		run->hw_exit[2] = vmcb->control.exit_info_2;
		run->hw_exit[3] = vmcb->control.exit_int_info |
				  ((u64)vmcb->control.exit_int_info_err << 32);
	}
	return ret;
}

static void svm_vcpu_complete(struct axvcpu_vcpu *vcpu,
			      const struct axvcpu_run *run, bool fault)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (fault && x86_pending_can_fault(&svm->x86)) {
		/* #GP(0) at the RDMSR/WRMSR, as for an MSR the CPU lacks. */
		svm->vmcb->save.rip = svm->x86.pending.insn_rip;
		svm->x86.pending.reason = AXVCPU_EXIT_NOTHING;
		svm_inject_exception(svm, GP_VECTOR, true, 0);
		return;
	}
	x86_complete(&svm->x86, run);
}

static void svm_seg_out(struct axvcpu_x86_segment *d, const struct vmcb_seg *s)
{
	d->base = s->base;
	d->limit = s->limit;
	d->selector = s->selector;
	d->attrib = s->attrib;
}

static void svm_seg_in(struct vmcb_seg *d, const struct axvcpu_x86_segment *s)
{
	d->base = s->base;
	d->limit = s->limit;
	d->selector = s->selector;
	d->attrib = s->attrib;
}

/**
 * svm_get_x86_regs() - the guest's register file from the VMCB and GPRs
 * @svm: the vCPU
 * @regs: filled in
 */
void svm_get_x86_regs(struct svm_vcpu *svm, struct axvcpu_x86_regs *regs)
{
	const struct vmcb_save_area *s = &svm->vmcb->save;

	memcpy(regs->gprs, svm->x86.gprs, sizeof(regs->gprs));
	regs->rip = s->rip;
	regs->rflags = s->rflags;
	svm_seg_out(&regs->cs, &s->cs);
	svm_seg_out(&regs->ds, &s->ds);
	svm_seg_out(&regs->es, &s->es);
	svm_seg_out(&regs->fs, &s->fs);
	svm_seg_out(&regs->gs, &s->gs);
	svm_seg_out(&regs->ss, &s->ss);
	svm_seg_out(&regs->tr, &s->tr);
	/* a TSS in TR reads back busy, whatever svm_vcpu_set_regs() kept */
	if ((regs->tr.attrib & 0x5) == 0x1)
		regs->tr.attrib |= X86_ATTR_TSS_BUSY;
	svm_seg_out(&regs->ldtr, &s->ldtr);
	regs->gdt.base = s->gdtr.base;
	regs->gdt.limit = s->gdtr.limit;
	regs->idt.base = s->idtr.base;
	regs->idt.limit = s->idtr.limit;
	regs->cr0 = s->cr0;
	regs->cr2 = s->cr2;
	regs->cr3 = s->cr3;
	regs->cr4 = s->cr4;
	regs->efer = s->efer & ~EFER_SVME;
	/* CR8 is V_TPR under V_INTR_MASKING (APM vol. 2, 15.21.1). */
	regs->cr8 = svm->vmcb->control.int_ctl & V_TPR_MASK;
}

static void svm_vcpu_get_regs(struct axvcpu_vcpu *vcpu,
			      struct axvcpu_regs *regs)
{
	svm_get_x86_regs(to_svm(vcpu), &regs->x86);
}

/* The register file into the VMCB (checked by the caller). */
static void svm_load_regs(struct svm_vcpu *svm,
			  const struct axvcpu_x86_regs *r)
{
	struct vmcb_save_area *s = &svm->vmcb->save;

	memcpy(svm->x86.gprs, r->gprs, sizeof(svm->x86.gprs));
	s->rip = r->rip;
	s->rflags = r->rflags;
	svm_seg_in(&s->cs, &r->cs);
	svm_seg_in(&s->ds, &r->ds);
	svm_seg_in(&s->es, &r->es);
	svm_seg_in(&s->fs, &r->fs);
	svm_seg_in(&s->gs, &r->gs);
	svm_seg_in(&s->ss, &r->ss);
	svm_seg_in(&s->tr, &r->tr);
	/*
	 * The hidden TR's busy bit means nothing to the CPU, but QEMU's TCG
	 * keeps TR with the available type (what LTR loads) and aborts the
	 * machine on an interrupt that switches stacks with a busy one: it
	 * is kept clear (GET_REGS shows it set again).
	 */
	s->tr.attrib &= ~X86_ATTR_TSS_BUSY;
	svm_seg_in(&s->ldtr, &r->ldtr);
	s->gdtr.base = r->gdt.base;
	s->gdtr.limit = r->gdt.limit;
	s->idtr.base = r->idt.base;
	s->idtr.limit = r->idt.limit;
	s->cr0 = r->cr0;
	s->cr2 = r->cr2;
	s->cr3 = r->cr3;
	s->cr4 = r->cr4;
	svm->vmcb->control.int_ctl = (svm->vmcb->control.int_ctl & ~V_TPR_MASK) |
				     r->cr8;
	/* The guest's EFER.SVME must be set for VMRUN; it is hidden from the guest. */
	s->efer = r->efer | EFER_SVME;
	/* CPL is the DPL of SS (APM vol. 2, 15.5.1). */
	s->cpl = (r->ss.attrib >> 5) & 3;
	/*
	 * A new state: no event of the old one is still being delivered, and
	 * no NMI handler of the old one is waiting for its IRET.
	 */
	svm->vmcb->control.event_inj = 0;
	svm->x86.nmi_masked = false;
	svm->x86.nmi_after_iret = false;
	svm_set_iret_intercept(svm, false);
	svm->unchecked = true;
	/*
	 * New paging registers: the translations the guest's ASID holds
	 * are the old state's (VMRUN keeps them, APM vol. 2, 15.16); the
	 * next entry takes a fresh ASID, as a MOV to CR3 would flush.
	 */
	svm->asid_gen = 0;
}

static int svm_vcpu_set_regs(struct axvcpu_vcpu *vcpu,
			     const struct axvcpu_regs *regs)
{
	const struct axvcpu_x86_regs *r = &regs->x86;

	if (memchr_inv(r->reserved, 0, sizeof(r->reserved)) || r->gdt.pad ||
	    r->idt.pad || !x86_segs_valid(r) || !x86_efer_valid(r->efer) ||
	    r->cr8 > V_TPR_MASK ||
	    !x86_long_mode_state_ok(r->efer, r->cr0, r->cr4) ||
	    !x86_tr_valid(r->tr.attrib, r->efer))
		return -EINVAL;
	svm_load_regs(to_svm(vcpu), r);
	return 0;
}

/* The vCPU's state after SETUP, documented in Documentation/api.rst. */
static void svm_init_save(struct svm_vcpu *svm, u32 mode, u64 entry)
{
	struct vmcb_save_area *s = &svm->vmcb->save;
	struct axvcpu_x86_regs r;

	memset(s, 0, sizeof(*s));
	/* TR's busy bit stays clear in the VMCB: svm_load_regs() says why */
	x86_reset_regs(&r, mode, entry);
	svm_load_regs(svm, &r);
	s->dr6 = SVM_DR6_INIT;
	s->dr7 = SVM_DR7_INIT;
	s->g_pat = SVM_GPAT_DEFAULT;
	svm->x86.dr6 = SVM_DR6_INIT;
	svm->x86.dr7 = SVM_DR7_INIT;
	memset(svm->x86.dr, 0, sizeof(svm->x86.dr));
}

static bool svm_vcpu_has_interrupt(struct axvcpu_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	return x86_has_interrupt(&svm->x86) ||
	       test_bit(0, &svm->x86.nmi_pending) ||
	       (READ_ONCE(svm->vmcb->control.int_ctl) & V_IRQ_MASK);
}

static struct axvcpu_arch_ops svm_ops = {
	.name = "x86 AMD SVM",
	.arch = AXVCPU_ARCH_X86_SVM,
	.features = AXVCPU_FEATURE_READONLY_MEM |
		    AXVCPU_FEATURE_EXIT_ON_HOST_INTR |
		    AXVCPU_FEATURE_HALT_IN_KERNEL |
		    AXVCPU_FEATURE_IMMEDIATE_EXIT |
		    AXVCPU_FEATURE_SYSREG_FAULT |
		    AXVCPU_FEATURE_INJECT_NMI |
		    AXVCPU_FEATURE_INJECT_EXCEPTION |
		    AXVCPU_FEATURE_CPUID,
	.hardware_enable = svm_hardware_enable,
	.hardware_disable = svm_hardware_disable,
	.vm_init = svm_vm_init,
	.vm_destroy = svm_vm_destroy,
	.map_page = svm_map_page,
	.map_block = svm_map_block,
	.unmap_page = svm_unmap_page,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_check_setup = x86_vcpu_check_setup,
	.vcpu_set_entry = x86_vcpu_set_entry,
	.vcpu_set_ept_root = svm_vcpu_set_ept_root,
	.vcpu_setup = svm_vcpu_setup,
	.vcpu_bind = svm_vcpu_bind,
	.vcpu_unbind = svm_vcpu_unbind,
	.vcpu_run = svm_vcpu_run,
	.vcpu_run_end = x86_vcpu_run_end,
	.vcpu_complete = svm_vcpu_complete,
	.vcpu_set_gpr = x86_vcpu_set_gpr,
	.vcpu_get_gpr = x86_vcpu_get_gpr,
	.vcpu_set_return_value = x86_vcpu_set_return_value,
	.vcpu_get_regs = svm_vcpu_get_regs,
	.vcpu_set_regs = svm_vcpu_set_regs,
	.vcpu_inject_interrupt = x86_vcpu_inject_interrupt,
	.vcpu_inject_nmi = x86_vcpu_inject_nmi,
	.vcpu_inject_exception = x86_vcpu_inject_exception,
	.vcpu_get_sysreg = x86_vcpu_get_sysreg,
	.vcpu_set_sysreg = x86_vcpu_set_sysreg,
	.get_supported_cpuid = x86_get_supported_cpuid,
	.vcpu_set_cpuid = x86_vcpu_set_cpuid,
	.vcpu_get_events = svm_get_events,
	.vcpu_set_events = svm_set_events,
	.vcpu_get_fpu = x86_vcpu_get_fpu,
	.vcpu_set_fpu = x86_vcpu_set_fpu,
	.vcpu_has_interrupt = svm_vcpu_has_interrupt,
};

static void svm_free_tables(void)
{
	free_pages((unsigned long)svm_iopm, SVM_IOPM_ORDER);
	free_pages((unsigned long)svm_msrpm, SVM_MSRPM_ORDER);
	svm_iopm = NULL;
	svm_msrpm = NULL;
}

static const char *svm_yes(unsigned int feature)
{
	return boot_cpu_has(feature) ? "yes" : "no";
}

/**
 * svm_probe() - the SVM backend, if this CPU can run it
 *
 * Needs SVM with nested paging, and SVM not disabled by the firmware
 * (VM_CR.SVMDIS). Logs one line saying why not.
 *
 * Return: the ops, or NULL.
 */
const struct axvcpu_arch_ops *svm_probe(void)
{
	u32 eax, ebx, ecx, edx;
	u64 vm_cr;
	unsigned int i;

	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_info("axvcpu: no AMD SVM on this CPU\n");
		return NULL;
	}
	if (!rdmsrl_safe(MSR_VM_CR, &vm_cr) &&
	    (vm_cr & SVM_VM_CR_SVM_DIS_MASK)) {
		pr_info("axvcpu: SVM is disabled by the firmware (VM_CR.SVMDIS)\n");
		return NULL;
	}
	cpuid(SVM_CPUID_FUNC, &eax, &ebx, &ecx, &edx);
	if (!(edx & SVM_CPUID_NPT)) {
		pr_info("axvcpu: SVM without nested paging is not supported\n");
		return NULL;
	}
	svm_max_asid = ebx - 1;
	/*
	 * The hardware assists used where the CPU has them (svm_exit.c,
	 * svm_clean.c, svm_percpu.c, pause filtering): one line, so that a
	 * log says which paths run
	 */
	pr_info("axvcpu: AMD SVM with nested paging, %u ASIDs, next-RIP save %s, decode assists %s, clean bits %s, flush-by-ASID %s, pause filter %s\n",
		svm_max_asid, svm_yes(X86_FEATURE_NRIPS),
		svm_yes(X86_FEATURE_DECODEASSISTS),
		svm_yes(X86_FEATURE_VMCBCLEAN),
		svm_yes(X86_FEATURE_FLUSHBYASID),
		svm_yes(X86_FEATURE_PAUSEFILTER));

	svm_iopm = (void *)__get_free_pages(GFP_KERNEL, SVM_IOPM_ORDER);
	svm_msrpm = (void *)__get_free_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	if (!svm_iopm || !svm_msrpm || svm_percpu_init()) {
		svm_free_tables();
		pr_warn("axvcpu: out of memory setting up SVM\n");
		return NULL;
	}
	/* Every port and MSR traps but the MSRs VMLOAD/VMSAVE switch. */
	memset(svm_iopm, 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	memset(svm_msrpm, 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);
	for (i = 0; i < ARRAY_SIZE(svm_passthrough_msrs); i++)
		svm_msrpm_allow(svm_passthrough_msrs[i]);

	svm_ops.sysreg_ids = x86_sysreg_ids(&svm_ops.nr_sysreg_ids);
	svm_ops.fpu_state_size = x86_fpu_state_size();
	svm_ops.block_orders = svm_npt_block_orders();
	x86_vendor = &svm_vendor_ops;
	svm_ops.guest_phys_bits = min_t(u32, boot_cpu_data.x86_phys_bits,
					svm_npt_levels() == 5 ? 52 : 48);
	return &svm_ops;
}

/**
 * svm_unprobe() - free what svm_probe() allocated (module exit)
 */
void svm_unprobe(void)
{
	svm_percpu_exit();
	svm_free_tables();
}
