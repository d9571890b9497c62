// SPDX-License-Identifier: GPL-2.0
/*
 * VMX per-CPU state: CR4.VMXE and the VMXON region while axvcpu holds VMX
 * (SDM vol. 3C, 24.7 and 24.11.5), and the VMCS that is current on each
 * CPU. A VMCS is active on one CPU at most: VMCLEAR on the CPU it was
 * active on before VMPTRLD elsewhere (24.11.1), which the core's binding
 * makes the rule (a vCPU enters only on its bound CPU; moving it is
 * UNBIND and BIND, or a CPU going offline).
 */
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/smp.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>
#include "vmx.h"

struct vmx_cpu {
	struct vmx_region *vmxon;
	struct vmx_vcpu *current_vmx;	/* whose VMCS is current here */
	struct list_head active;	/* the VMCSs active here */
	bool enabled;
};

static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpus);

/**
 * vmx_percpu_init() - a VMXON region for every possible CPU
 *
 * Return: 0, or -ENOMEM.
 */
int vmx_percpu_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpus, cpu);

		vc->vmxon = (void *)get_zeroed_page(GFP_KERNEL);
		if (!vc->vmxon) {
			vmx_percpu_exit();
			return -ENOMEM;
		}
		/* the revision identifier, bit 31 clear (24.11.5) */
		vc->vmxon->revision_id = vmx_caps.revision;
		INIT_LIST_HEAD(&vc->active);
	}
	return 0;
}

/**
 * vmx_percpu_exit() - free what vmx_percpu_init() allocated
 */
void vmx_percpu_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpus, cpu);

		free_page((unsigned long)vc->vmxon);
		vc->vmxon = NULL;
	}
}

/**
 * vmx_hardware_enable() - enter VMX root operation on this CPU
 *
 * Context: preemption disabled.
 * Return: 0; -EBUSY when CR4.VMXE is already set (another hypervisor,
 * e.g. kvm_intel with a VM, is in VMX operation), with one log line;
 * -EIO when VMXON fails.
 */
int vmx_hardware_enable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);
	u64 pa = __pa(vc->vmxon);
	bool failed;

	if (cr4_read_shadow() & X86_CR4_VMXE) {
		pr_warn_ratelimited("axvcpu: cpu%d: CR4.VMXE is already set: another hypervisor (kvm_intel?) holds VMX\n",
				    smp_processor_id());
		return -EBUSY;
	}
	cr4_set_bits(X86_CR4_VMXE);
	/*
	 * VMXON: CF set on a bad region (30.3). It cannot fault: VMX is
	 * enabled in IA32_FEATURE_CONTROL (the kernel clears the VMX feature
	 * bit otherwise) and CR4.VMXE is set.
	 */
	asm volatile("vmxon %1\n\t"
		     "setc %0"
		     : "=qm"(failed) : "m"(pa) : "cc", "memory");
	if (!failed) {
		vc->enabled = true;
		return 0;
	}
	cr4_clear_bits(X86_CR4_VMXE);
	pr_warn_ratelimited("axvcpu: cpu%d: VMXON failed\n", smp_processor_id());
	return -EIO;
}

/*
 * Leave VMX operation: VMXOFF, then CR4.VMXE clear (SDM vol. 3C, 24.7 and
 * 24.8). Our own: the kernel's helper went with 6.6. The CPU is in VMX
 * operation (vc->enabled), so VMXOFF cannot fault.
 */
static void vmx_off(void)
{
	asm volatile("vmxoff" : : : "cc", "memory");
	cr4_clear_bits(X86_CR4_VMXE);
}

/**
 * vmx_hardware_disable() - leave VMX operation on this CPU
 *
 * The VMCSs active here are cleared first, so that their data is in
 * memory and they may be loaded on another CPU (24.11.1).
 * Context: preemption disabled (the hotplug thread of this CPU, or an IPI).
 */
void vmx_hardware_disable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);
	struct vmx_vcpu *vmx, *next;
	unsigned long flags;

	/*
	 * Interrupts off: an UNBIND on another CPU clears its VMCS here by
	 * IPI (vmx_vmcs_drop()), which must not cut into the list walk.
	 */
	local_irq_save(flags);
	if (vc->enabled) {
		list_for_each_entry_safe(vmx, next, &vc->active, node)
			vmx_vmcs_clear(vmx);
		vmx_off();
		vc->enabled = false;
	}
	local_irq_restore(flags);
}

/**
 * vmx_cpu_enabled() - does this CPU run with VMX on (for axvcpu)?
 *
 * Context: preemption disabled.
 * Return: true when a guest may be entered here.
 */
bool vmx_cpu_enabled(void)
{
	return this_cpu_ptr(&vmx_cpus)->enabled;
}

static void vmx_vmclear(struct vmx_region *vmcs)
{
	u64 pa = __pa(vmcs);

	asm volatile("vmclear %0" : : "m"(pa) : "cc", "memory");
}

/**
 * vmx_vmcs_clear() - make @vmx's VMCS inactive, its data in memory
 * @vmx: the vCPU
 *
 * Context: on the CPU the VMCS is active on, preemption disabled.
 */
void vmx_vmcs_clear(struct vmx_vcpu *vmx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);

	if (vmx->cpu != smp_processor_id())
		return;
	vmx_vmclear(vmx->vmcs);
	list_del(&vmx->node);
	vmx->launched = false;
	vmx->cpu = -1;
	if (vc->current_vmx == vmx)
		vc->current_vmx = NULL;
}

/**
 * vmx_vmcs_load() - make @vmx's VMCS the current one on this CPU
 * @vmx: the vCPU, whose VMCS is clear or active here (never elsewhere:
 *	vmx_vmcs_drop() clears it where it was)
 *
 * Context: interrupts disabled.
 */
void vmx_vmcs_load(struct vmx_vcpu *vmx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);
	u64 pa = __pa(vmx->vmcs);

	if (vc->current_vmx == vmx)
		return;
	/* a VMCS not active anywhere starts clear (24.11.3) */
	if (vmx->cpu < 0) {
		vmx_vmclear(vmx->vmcs);
		list_add(&vmx->node, &vc->active);
		vmx->cpu = smp_processor_id();
	}
	asm volatile("vmptrld %0" : : "m"(pa) : "cc", "memory");
	vc->current_vmx = vmx;
}
