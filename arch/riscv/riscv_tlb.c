// SPDX-License-Identifier: GPL-2.0
/*
 * Guest TLB maintenance. Every axvcpu VM runs with VMID 0
 * (RISCV_AXVCPU_VMID), so a hart's cached translations for VMID 0 belong
 * to whichever VM and vCPU last ran there. Before an entry the hart
 * flushes what could be stale (Privileged Architecture 8.3.2, HFENCE.GVMA
 * and HFENCE.VVMA): the G-stage of VMID 0 when another VM ran here or the
 * VM's mappings shrank since (its TLB generation); the VS-stage when
 * another vCPU ran here or this one ran elsewhere in between (its own
 * SFENCE.VMAs went to that hart). The probes measured fences costing more
 * than the world switch itself, so an entry that follows the same vCPU's
 * exit on the same hart flushes nothing.
 *
 * KVM allocates VMIDs from 1 when the hart has enough VMID bits for its
 * taste, so ours never alias its translations; with fewer bits it runs
 * every VM with VMID 0 and flushes at each vCPU load, but not at each
 * entry: then we flush at every entry of ours too (riscv_flush_always).
 */
#include <linux/atomic.h>
#include <linux/percpu.h>
#include "riscv.h"

struct riscv_hart_tlb {
	u64 vm_id;	/* the VM whose VMID-0 translations the hart may hold */
	s64 vm_gen;	/* its TLB generation then */
	u64 vcpu_id;	/* the vCPU whose VS-stage translations it may hold */
};

static DEFINE_PER_CPU(struct riscv_hart_tlb, riscv_hart_tlb);
static atomic64_t riscv_ids = ATOMIC64_INIT(0);
bool riscv_flush_always;

/**
 * riscv_new_id() - an id no other VM or vCPU had while the module is loaded
 *
 * Return: a nonzero id (0 marks "nothing" in the per-hart record).
 */
u64 riscv_new_id(void)
{
	return atomic64_inc_return(&riscv_ids);
}

static void hfence_gvma_vmid(unsigned long vmid)
{
	register unsigned long rs2 asm("t0") = vmid;

	/* hfence.gvma x0, t0: every guest address of VMID @vmid */
	asm volatile(".insn r 0x73, 0, 0x31, x0, x0, %0" : : "r"(rs2) : "memory");
}

static void hfence_vvma_all(void)
{
	/* hfence.vvma x0, x0: every VS-stage translation of hgatp.VMID */
	asm volatile(".insn r 0x73, 0, 0x11, x0, x0, x0" : : : "memory");
}

/**
 * riscv_tlb_before_entry() - flush what @rv could see stale on this hart
 * @rv: the vCPU entering
 * @rvm: its VM
 * @tlb_gen: the VM's TLB generation read for this entry
 *
 * Context: interrupts off, the guest's hgatp loaded (HFENCE.VVMA acts on
 * hgatp.VMID).
 */
void riscv_tlb_before_entry(struct riscv_vcpu *rv, struct riscv_vm *rvm,
			    s64 tlb_gen)
{
	struct riscv_hart_tlb *h = this_cpu_ptr(&riscv_hart_tlb);
	int cpu = smp_processor_id();
	bool vs = false;

	if (riscv_flush_always || h->vm_id != rvm->id || h->vm_gen != tlb_gen) {
		hfence_gvma_vmid(RISCV_AXVCPU_VMID);
		h->vm_id = rvm->id;
		h->vm_gen = tlb_gen;
		vs = true;
	}
	if (vs || h->vcpu_id != rv->id || rv->last_cpu != cpu) {
		hfence_vvma_all();
		h->vcpu_id = rv->id;
	}
	rv->last_cpu = cpu;
}
