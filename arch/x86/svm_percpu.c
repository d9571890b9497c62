// SPDX-License-Identifier: GPL-2.0
/*
 * SVM per-CPU state: EFER.SVME and the host save area (VM_HSAVE_PA) while
 * axvcpu holds the hardware, the page where VMSAVE keeps the host's hidden
 * state (FS/GS/TR/LDTR, the syscall and sysenter MSRs) across a guest run,
 * and ASID allocation.
 *
 * ASIDs are handed out per CPU in generations: a vCPU takes a fresh ASID
 * when it moves to another CPU, when its VM's stage-2 mappings shrank, or
 * when the CPU's generation changed. Running out starts a new generation
 * and flushes every ASID on that CPU. A vCPU whose VM's mappings shrank
 * keeps its ASID and has it flushed where the CPU can flush one ASID
 * (CPUID Fn8000_000A EDX[6], APM vol. 2, 15.16.1); QEMU's SVM cannot, and
 * there a new ASID is how a single vCPU gets a clean TLB.
 */
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include "svm.h"

struct svm_cpu {
	void *hsave;
	void *host_save;
	struct vmcb *last_vmcb;		/* the VMCB this CPU ran last */
	u32 next_asid;
	u64 asid_gen;
	bool enabled;
	bool flush_all;
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);
u32 svm_max_asid;

/**
 * svm_percpu_init() - allocate every possible CPU's pages
 *
 * Return: 0, or -ENOMEM.
 */
int svm_percpu_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);

		sc->hsave = (void *)get_zeroed_page(GFP_KERNEL);
		sc->host_save = (void *)get_zeroed_page(GFP_KERNEL);
		if (!sc->hsave || !sc->host_save) {
			svm_percpu_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * svm_percpu_exit() - free what svm_percpu_init() allocated
 */
void svm_percpu_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);

		free_page((unsigned long)sc->hsave);
		free_page((unsigned long)sc->host_save);
		sc->hsave = NULL;
		sc->host_save = NULL;
	}
}

/**
 * svm_hardware_enable() - set EFER.SVME and VM_HSAVE_PA on this CPU
 *
 * Context: preemption disabled.
 * Return: 0, or -EBUSY when EFER.SVME is already set (another hypervisor,
 * e.g. kvm_amd with a VM, holds SVM), with one log line.
 */
int svm_hardware_enable(void)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		/* a user can retry CREATE_VM in a loop: ratelimited */
		pr_warn_ratelimited("axvcpu: cpu%d: EFER.SVME is already set: another hypervisor (kvm_amd?) holds SVM\n",
				    smp_processor_id());
		return -EBUSY;
	}
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, __pa(sc->hsave));
	/* A new generation: nothing cached from before may be reused. */
	sc->asid_gen++;
	sc->next_asid = svm_max_asid + 1;
	sc->enabled = true;
	return 0;
}

/**
 * svm_hardware_disable() - undo svm_hardware_enable() on this CPU
 *
 * Context: preemption disabled.
 */
void svm_hardware_disable(void)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	u64 efer;

	if (!sc->enabled)
		return;
	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	sc->enabled = false;
}

/**
 * svm_cpu_enabled() - does this CPU run with SVM on (for axvcpu)?
 *
 * Context: preemption disabled.
 * Return: true when a guest may be entered here.
 */
bool svm_cpu_enabled(void)
{
	return this_cpu_ptr(&svm_cpus)->enabled;
}

/**
 * svm_host_save_pa() - this CPU's VMSAVE page for the host's hidden state
 *
 * Context: preemption disabled.
 * Return: its physical address.
 */
phys_addr_t svm_host_save_pa(void)
{
	return __pa(this_cpu_ptr(&svm_cpus)->host_save);
}

/**
 * svm_switch_vmcb() - a barrier between two vCPUs' branch predictions
 * @svm: the vCPU about to enter on this CPU
 *
 * When this CPU last ran another VMCB, that guest's indirect branch
 * targets must not steer this one's (Spectre v2 between guests): IBPB, if
 * the running kernel's mitigation uses it (X86_FEATURE_USE_IBPB, patched
 * in by the alternative), as KVM does on every VMCB change.
 * Context: interrupts disabled.
 */
void svm_switch_vmcb(struct svm_vcpu *svm)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);

	if (sc->last_vmcb == svm->vmcb)
		return;
	sc->last_vmcb = svm->vmcb;
	indirect_branch_prediction_barrier();
}

/**
 * svm_vmcb_cached() - may this CPU still cache state of @svm's VMCB?
 * @svm: the vCPU about to enter on this CPU
 *
 * True when this CPU's last VMRUN, since it enabled SVM and within its
 * ASID generation, was of this VMCB: the condition for VMCB clean bits
 * (APM vol. 2, 15.15.4: a VMCB run elsewhere since must be all dirty).
 * Context: interrupts disabled, before svm_switch_vmcb().
 */
bool svm_vmcb_cached(const struct svm_vcpu *svm)
{
	const struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);

	return sc->last_vmcb == svm->vmcb &&
	       svm->last_cpu == smp_processor_id() &&
	       svm->asid_gen == sc->asid_gen;
}

/**
 * svm_forget_vmcb() - a freed VMCB is nobody's last
 * @vmcb: the VMCB about to be freed
 *
 * Its page may come back as another vCPU's VMCB: without this, that
 * vCPU would be taken for the one that ran last and miss its barrier.
 */
void svm_forget_vmcb(struct vmcb *vmcb)
{
	int cpu;

	for_each_possible_cpu(cpu)
		cmpxchg(&per_cpu_ptr(&svm_cpus, cpu)->last_vmcb, vmcb, NULL);
}

/**
 * svm_assign_asid() - make sure @svm has an ASID with no stale TLB entries
 * @svm: the vCPU about to enter on this CPU
 * @force_new: the VM's mappings shrank: the ASID's TLB entries must go
 *
 * Sets the VMCB's ASID and TLB control for this entry.
 * Context: interrupts disabled.
 */
void svm_assign_asid(struct svm_vcpu *svm, bool force_new)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	int cpu = smp_processor_id();

	svm->vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
	if (svm->last_cpu == cpu && svm->asid_gen == sc->asid_gen) {
		if (!force_new)
			return;
		if (boot_cpu_has(X86_FEATURE_FLUSHBYASID)) {
			svm->vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ASID;
			return;
		}
	}
	if (sc->next_asid > svm_max_asid) {
		sc->asid_gen++;
		sc->next_asid = 1;
		sc->flush_all = true;
	}
	if (sc->flush_all) {
		svm->vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
		sc->flush_all = false;
	}
	svm->asid = sc->next_asid++;
	svm->asid_gen = sc->asid_gen;
	svm->last_cpu = cpu;
	svm->vmcb->control.asid = svm->asid;
}
