// SPDX-License-Identifier: GPL-2.0
/*
 * AMD nested page tables: the host's long-mode page-table format (APM
 * vol. 2, 15.25.5), walked by x86_stage2.c. 4 levels, or 5 when the host
 * runs with CR4.LA57 (nested walks follow the host's paging mode). Every
 * level sets U/S because nested walks are user accesses. Leaves are
 * write-back (PAT index 0: PWT, PCD and PAT clear); 2 MiB pages always,
 * 1 GiB pages where the host's paging has them (APM vol. 2, 15.25.1).
 */
#include <linux/mm.h>
#include <asm/cpufeature.h>
#include <asm/io.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include "svm.h"

#define NPT_P		BIT_ULL(0)
#define NPT_RW		BIT_ULL(1)
#define NPT_US		BIT_ULL(2)

static u64 npt_table(phys_addr_t pa)
{
	return pa | NPT_P | NPT_RW | NPT_US;
}

static u64 npt_leaf(phys_addr_t pa, bool readonly)
{
	return pa | NPT_P | NPT_US | (readonly ? 0 : NPT_RW);
}

static bool npt_present(u64 e)
{
	return e & NPT_P;
}

static const struct x86_s2_format svm_npt_format = {
	.table = npt_table,
	.leaf = npt_leaf,
	.present = npt_present,
};

/**
 * svm_npt_levels() - the number of levels nested paging uses on this host
 *
 * Return: 5 with CR4.LA57, else 4.
 */
unsigned int svm_npt_levels(void)
{
	return (native_read_cr4() & X86_CR4_LA57) ? 5 : 4;
}

/**
 * svm_npt_block_orders() - the large pages nested paging can map
 *
 * Return: struct axvcpu_arch_ops.block_orders: 2 MiB, and 1 GiB where
 * the CPU has 1 GiB pages.
 */
unsigned long svm_npt_block_orders(void)
{
	return BIT(PMD_SHIFT - PAGE_SHIFT) |
	       (boot_cpu_has(X86_FEATURE_GBPAGES) ?
		BIT(PUD_SHIFT - PAGE_SHIFT) : 0);
}

int svm_vm_init(struct axvcpu_vm *vm)
{
	vm->arch = x86_stage2_alloc(&svm_npt_format, svm_npt_levels());
	return vm->arch ? 0 : -ENOMEM;
}

void svm_vm_destroy(struct axvcpu_vm *vm)
{
	x86_stage2_free(vm->arch);
	vm->arch = NULL;
}

int svm_map_page(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		 bool readonly)
{
	int ret = x86_stage2_map(vm->arch, gpa, page_to_phys(page), 1,
				 readonly);

	/* slots never overlap: a page's entry is always free */
	return WARN_ON_ONCE(ret == -EEXIST) ? -EINVAL : ret;
}

int svm_map_block(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		  unsigned int order, bool readonly)
{
	if (WARN_ON_ONCE(!(BIT(order) & svm_npt_block_orders())))
		return -EINVAL;
	return x86_stage2_map(vm->arch, gpa, page_to_phys(page),
			      1 + order / 9, readonly);
}

void svm_unmap_page(struct axvcpu_vm *vm, u64 gpa)
{
	x86_stage2_unmap(vm->arch, gpa);
}
