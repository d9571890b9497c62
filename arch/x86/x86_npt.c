// SPDX-License-Identifier: GPL-2.0
/*
 * Stage-2 tables in AMD's nested-paging format, which is the host's own
 * long-mode page-table format (APM vol. 2, 15.25.5): 4 levels, or 5 when the
 * host runs with CR4.LA57 (nested walks follow the host's paging mode).
 * Every level sets U/S because nested walks are user accesses. Leaves are
 * 4 KiB, write-back (PAT index 0). Intermediate tables live until the VM
 * goes. Callers serialize map/unmap (the VM's slots_lock); the hardware
 * walks concurrently, so entries are written with WRITE_ONCE().
 */
#include <linux/gfp.h>
#include <linux/slab.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include "x86.h"

#define NPT_P		BIT_ULL(0)
#define NPT_RW		BIT_ULL(1)
#define NPT_US		BIT_ULL(2)
#define NPT_ADDR_MASK	GENMASK_ULL(51, 12)
#define NPT_TABLE	(NPT_P | NPT_RW | NPT_US)

struct x86_npt {
	u64 *root;
	unsigned int levels;
};

/**
 * x86_npt_levels() - the number of levels nested paging uses on this host
 *
 * Return: 5 with CR4.LA57, else 4.
 */
unsigned int x86_npt_levels(void)
{
	return (native_read_cr4() & X86_CR4_LA57) ? 5 : 4;
}

/**
 * x86_npt_alloc() - an empty stage-2 tree
 *
 * Return: the tree, or NULL.
 */
struct x86_npt *x86_npt_alloc(void)
{
	struct x86_npt *npt = kzalloc(sizeof(*npt), GFP_KERNEL_ACCOUNT);

	if (!npt)
		return NULL;
	npt->levels = x86_npt_levels();
	npt->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!npt->root) {
		kfree(npt);
		return NULL;
	}
	return npt;
}

static void x86_npt_free_level(u64 *table, unsigned int level)
{
	unsigned int i;

	if (level > 1) {
		for (i = 0; i < 512; i++)
			if (table[i] & NPT_P)
				x86_npt_free_level(__va(table[i] & NPT_ADDR_MASK),
						   level - 1);
	}
	free_page((unsigned long)table);
}

/**
 * x86_npt_free() - free the tree (the leaves' pages are not owned by it)
 * @npt: the tree, or NULL
 */
void x86_npt_free(struct x86_npt *npt)
{
	if (!npt)
		return;
	x86_npt_free_level(npt->root, npt->levels);
	kfree(npt);
}

static unsigned int x86_npt_index(u64 gpa, unsigned int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & 511;
}

/* The leaf entry for @gpa, allocating tables on the way if @alloc. */
static u64 *x86_npt_walk(struct x86_npt *npt, u64 gpa, bool alloc)
{
	u64 *table = npt->root;
	unsigned int level;

	for (level = npt->levels; level > 1; level--) {
		u64 *e = &table[x86_npt_index(gpa, level)];

		if (!(*e & NPT_P)) {
			u64 *next;

			if (!alloc)
				return NULL;
			next = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
			if (!next)
				return NULL;
			WRITE_ONCE(*e, __pa(next) | NPT_TABLE);
		}
		table = __va(*e & NPT_ADDR_MASK);
	}
	return &table[x86_npt_index(gpa, 1)];
}

/**
 * x86_npt_map() - map one 4 KiB guest page
 * @npt: the tree
 * @gpa: guest physical address, page aligned
 * @hpa: host physical address of the page
 * @readonly: map without write permission
 *
 * Return: 0, or -ENOMEM.
 */
int x86_npt_map(struct x86_npt *npt, u64 gpa, phys_addr_t hpa, bool readonly)
{
	u64 *pte = x86_npt_walk(npt, gpa, true);

	if (!pte)
		return -ENOMEM;
	WRITE_ONCE(*pte, (hpa & NPT_ADDR_MASK) | NPT_P | NPT_US |
			 (readonly ? 0 : NPT_RW));
	return 0;
}

/**
 * x86_npt_unmap() - remove the mapping of one guest page
 * @npt: the tree
 * @gpa: guest physical address, page aligned
 *
 * The caller flushes the guest TLBs before the page is reused.
 */
void x86_npt_unmap(struct x86_npt *npt, u64 gpa)
{
	u64 *pte = x86_npt_walk(npt, gpa, false);

	if (pte)
		WRITE_ONCE(*pte, 0);
}

/**
 * x86_npt_root() - the physical address to load as the stage-2 root
 * @npt: the tree
 *
 * Return: the root table's physical address.
 */
phys_addr_t x86_npt_root(const struct x86_npt *npt)
{
	return __pa(npt->root);
}
