// SPDX-License-Identifier: GPL-2.0
/*
 * Stage 2 (Arm ARM D8.1.2, D8.3 "Translation table descriptor formats"):
 * the VM's IPA to PA tables, 4 KiB granule, walks starting at level 1
 * (VTCR_EL2.SL0 = 1) with up to 40 IPA bits (a 40-bit IPA space needs two
 * concatenated level-1 tables, D8.2.7), fewer when the CPU's physical
 * addresses are narrower. Leaves are normal write-back memory, inner
 * shareable, access flag set (no hardware AF update assumed): 4 KiB
 * pages, or 2 MiB and 1 GiB blocks where the slot's pages are physically
 * contiguous. Intermediate tables live until the VM goes; a block never
 * replaces one. Callers serialize map and unmap (slots_lock); CPUs walk
 * concurrently, so entries are written with WRITE_ONCE().
 *
 * Every axvcpu VM runs with one VMID (A64_VMID): a CPU flushes its stage-1
 * and stage-2 TLB entries of that VMID when another VM ran on it last,
 * the VM's mappings shrank since, or another vCPU ran there
 * (arm64_s2_flush_needed()).
 */
#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/cpufeature.h>
#include <asm/kvm_arm.h>
#include <asm/sysreg.h>
#include "arm64.h"

#define S2_VALID	BIT_ULL(0)
#define S2_TABLE	BIT_ULL(1)	/* a table at levels 1-2, a page at 3 */
#define S2_MEMATTR_WB	(0xfULL << 2)	/* normal, outer and inner write-back */
#define S2_AP_R		BIT_ULL(6)
#define S2_AP_W		BIT_ULL(7)
#define S2_SH_INNER	(3ULL << 8)
#define S2_AF		BIT_ULL(10)
#define S2_ADDR		GENMASK_ULL(47, 12)

/* VMID 0 tags the host's own EL1&0 translations while EL2 is ours */
#define A64_VMID	1ULL

static atomic64_t arm64_vm_ids = ATOMIC64_INIT(0);

struct arm64_hart_tlb {
	u64 vm_id;
	s64 vm_gen;
	const void *vcpu;
};

static DEFINE_PER_CPU(struct arm64_hart_tlb, arm64_hart_tlb);

static u64 *s2_table(u64 e)
{
	return __va(e & S2_ADDR);
}

static unsigned int arm64_ipa_bits(void)
{
	return min(arm64_pa_bits, 40U);
}

/* level-1 entries: 512 per concatenated table */
static unsigned int s2_root_entries(void)
{
	return 1U << (arm64_ipa_bits() - 30);
}

/**
 * arm64_s2_guest_phys_bits() - the IPA width the VMs get
 *
 * Return: bits of guest physical address.
 */
unsigned int arm64_s2_guest_phys_bits(void)
{
	return arm64_ipa_bits();
}

int arm64_vm_init(struct axvcpu_vm *vm)
{
	struct arm64_vm *avm = kzalloc(sizeof(*avm), GFP_KERNEL_ACCOUNT);
	unsigned int order = arm64_ipa_bits() > 39 ? 1 : 0;

	if (!avm)
		return -ENOMEM;
	/* concatenated tables are aligned to their whole size (D8.2.7) */
	avm->root = (u64 *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, order);
	if (!avm->root) {
		kfree(avm);
		return -ENOMEM;
	}
	avm->root_order = order;
	avm->id = atomic64_inc_return(&arm64_vm_ids);
	vm->arch = avm;
	return 0;
}

static void s2_free_tables(u64 *table, unsigned int level, unsigned int n)
{
	unsigned int i;

	for (i = 0; level < 3 && i < n; i++) {
		if ((table[i] & (S2_VALID | S2_TABLE)) != (S2_VALID | S2_TABLE))
			continue;
		s2_free_tables(s2_table(table[i]), level + 1, 512);
		free_page((unsigned long)s2_table(table[i]));
	}
}

void arm64_vm_destroy(struct axvcpu_vm *vm)
{
	struct arm64_vm *avm = vm->arch;

	if (!avm)
		return;
	s2_free_tables(avm->root, 1, s2_root_entries());
	free_pages((unsigned long)avm->root, avm->root_order);
	kfree(avm);
	vm->arch = NULL;
}

/*
 * The entry for @gpa at @level (1: 1 GiB, 2: 2 MiB, 3: 4 KiB), allocating
 * tables on the way if @alloc, or the block above @level that holds @gpa
 * (*@at says which level). NULL: no table there, or no memory for one.
 */
static u64 *s2_walk(struct arm64_vm *avm, u64 gpa, unsigned int level,
		    bool alloc, unsigned int *at)
{
	u64 *table = avm->root;
	unsigned int l;
	u64 idx;

	if (gpa >> arm64_ipa_bits())
		return NULL;
	idx = gpa >> 30;	/* across the concatenated root tables */
	for (l = 1; l < level; l++) {
		u64 *e = &table[idx];

		if ((*e & S2_VALID) && !(*e & S2_TABLE)) {
			*at = l;
			return e;
		}
		if (!(*e & S2_VALID)) {
			u64 *next;

			if (!alloc)
				return NULL;
			next = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
			if (!next)
				return NULL;
			WRITE_ONCE(*e, __pa(next) | S2_VALID | S2_TABLE);
		}
		table = s2_table(*e);
		idx = (gpa >> (39 - 9 * (l + 1))) & 511;
	}
	*at = level;
	return &table[idx];
}

static int s2_map(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		  unsigned int level, bool readonly)
{
	u64 e = page_to_phys(page) | S2_MEMATTR_WB | S2_AP_R | S2_SH_INNER |
		S2_AF | S2_VALID;
	unsigned int at;
	u64 *pte = s2_walk(vm->arch, gpa, level, true, &at);

	if (!pte)
		return -ENOMEM;
	/* slots never overlap: only a table left by a gone slot can be here */
	if (at != level || *pte & S2_VALID)
		return -EEXIST;
	if (!readonly)
		e |= S2_AP_W;
	if (level == 3)
		e |= S2_TABLE;	/* a page descriptor */
	WRITE_ONCE(*pte, e);
	/* seen by the table walks of the next entries (D8.2.9 "Ordering") */
	dsb(ishst);
	return 0;
}

int arm64_map_page(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		   bool readonly)
{
	int ret = s2_map(vm, gpa, page, 3, readonly);

	return WARN_ON_ONCE(ret == -EEXIST) ? -EINVAL : ret;
}

/* a block's output address is aligned to its size (the core's runs are) */
int arm64_map_block(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		    unsigned int order, bool readonly)
{
	if (WARN_ON_ONCE(order != 9 && order != 18))
		return -EINVAL;
	return s2_map(vm, gpa, page, order == 18 ? 1 : 2, readonly);
}

void arm64_unmap_page(struct axvcpu_vm *vm, u64 gpa)
{
	unsigned int at;
	u64 *pte = s2_walk(vm->arch, gpa, 3, false, &at);

	/* the core bumps the VM's TLB generation before the page is reused */
	if (pte)
		WRITE_ONCE(*pte, 0);
}

/**
 * arm64_s2_vttbr() - VTTBR_EL2 for @avm: its root, our VMID
 * @avm: the VM
 *
 * Return: the register's value.
 */
u64 arm64_s2_vttbr(const struct arm64_vm *avm)
{
	return __pa(avm->root) | (A64_VMID << VTTBR_VMID_SHIFT);
}

/**
 * arm64_s2_vtcr() - VTCR_EL2 for the VMs
 *
 * Return: the register's value (D13.2.152, SL0 = 1: walks start at level 1).
 */
u64 arm64_s2_vtcr(void)
{
	return VTCR_EL2_RES1 | (64 - arm64_ipa_bits()) |
	       (1ULL << VTCR_EL2_SL0_SHIFT) | VTCR_EL2_IRGN0_WBWA |
	       VTCR_EL2_ORGN0_WBWA | VTCR_EL2_SH0_INNER | VTCR_EL2_TG0_4K |
	       ((u64)arm64_parange << VTCR_EL2_PS_SHIFT);
}

/**
 * arm64_s2_flush_needed() - must this entry flush our VMID's TLB entries?
 * @avm: the VM entering on this CPU
 * @vcpu: the vCPU entering
 * @tlb_gen: the VM's TLB generation, read for this entry
 *
 * The guest's own stage-1 entries are tagged with the VMID and its ASIDs
 * only: another vCPU's (of the same VM, or any VM) may be here under the
 * same tags, as KVM knows (it flushes when another vCPU ran on the CPU).
 *
 * Context: interrupts disabled (the entry follows on this CPU).
 * Return: true when another vCPU ran here last, or @avm's mappings shrank.
 */
bool arm64_s2_flush_needed(struct arm64_vm *avm, const void *vcpu,
			   s64 tlb_gen)
{
	struct arm64_hart_tlb *h = this_cpu_ptr(&arm64_hart_tlb);

	if (h->vm_id == avm->id && h->vm_gen == tlb_gen && h->vcpu == vcpu)
		return false;
	h->vm_id = avm->id;
	h->vm_gen = tlb_gen;
	h->vcpu = vcpu;
	return true;
}
