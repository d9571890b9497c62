// SPDX-License-Identifier: GPL-2.0
/*
 * G-stage translation (RISC-V Privileged Architecture 8.5, "Two-Stage
 * Address Translation"): the VM's guest-physical to host-physical tables,
 * in the widest hgatp mode the hart has (Sv57x4, Sv48x4 or Sv39x4). The
 * root table is 16 KiB (two more GPA bits than the mode's VA) and 16 KiB
 * aligned; leaves are 4 KiB, or 2 MiB and 1 GiB superpages where the
 * slot's pages are physically contiguous (a huge page behind them), with
 * U set (G-stage accesses are user accesses, 8.5.1) and A and D preset
 * (no hardware A/D update is assumed). Intermediate tables live until the
 * VM goes; a superpage never replaces one (a hart may still hold a walk
 * through it), the pages go one by one there instead. Callers serialize map and
 * unmap (the VM's slots_lock); harts walk concurrently, so entries are
 * written with WRITE_ONCE().
 */
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "riscv.h"

#define GPTE_V		BIT_ULL(0)
#define GPTE_R		BIT_ULL(1)
#define GPTE_W		BIT_ULL(2)
#define GPTE_X		BIT_ULL(3)
#define GPTE_U		BIT_ULL(4)
#define GPTE_A		BIT_ULL(6)
#define GPTE_D		BIT_ULL(7)
#define GPTE_PPN_SHIFT	10
#define GPTE_PPN_MASK	GENMASK_ULL(53, 10)
#define GSTAGE_ROOT_ORDER	2	/* 16 KiB */

unsigned long riscv_hgatp_mode;
unsigned int riscv_gstage_levels;

static u64 gpte_of(phys_addr_t pa, u64 flags)
{
	return ((pa >> PAGE_SHIFT) << GPTE_PPN_SHIFT) | flags;
}

/* A leaf: R, W or X set; V alone points to the next table (4.3.1). */
static bool gpte_leaf(u64 pte)
{
	return pte & (GPTE_R | GPTE_W | GPTE_X);
}

static u64 *gpte_table(u64 pte)
{
	return __va(((pte & GPTE_PPN_MASK) >> GPTE_PPN_SHIFT) << PAGE_SHIFT);
}

/*
 * riscv_gstage_probe() - the widest G-stage mode this hart takes
 *
 * hgatp is WARL: a mode the hart lacks reads back as another (8.2.18). The
 * hart's own value goes back afterwards (KVM may have one loaded).
 *
 * Return: the guest physical address bits, or 0 with no usable mode.
 */
int riscv_gstage_probe(void)
{
	static const struct { unsigned long mode; unsigned int levels, bits; } m[] = {
		{ HGATP_MODE_SV57X4, 5, RISCV_GPA_BITS_SV57X4 },
		{ HGATP_MODE_SV48X4, 4, RISCV_GPA_BITS_SV48X4 },
		{ HGATP_MODE_SV39X4, 3, RISCV_GPA_BITS_SV39X4 },
	};
	unsigned long flags, old;
	int i, bits = 0;

	local_irq_save(flags);
	old = csr_read(CSR_HGATP);
	for (i = 0; i < ARRAY_SIZE(m); i++) {
		csr_write(CSR_HGATP, m[i].mode << HGATP_MODE_SHIFT);
		if ((csr_read(CSR_HGATP) >> HGATP_MODE_SHIFT) == m[i].mode) {
			riscv_hgatp_mode = m[i].mode;
			riscv_gstage_levels = m[i].levels;
			bits = m[i].bits;
			break;
		}
	}
	csr_write(CSR_HGATP, old);
	local_irq_restore(flags);
	return bits;
}

int riscv_vm_init(struct axvcpu_vm *vm)
{
	struct riscv_vm *rvm = kzalloc(sizeof(*rvm), GFP_KERNEL_ACCOUNT);

	if (!rvm)
		return -ENOMEM;
	rvm->root = (u64 *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO,
					    GSTAGE_ROOT_ORDER);
	if (!rvm->root) {
		kfree(rvm);
		return -ENOMEM;
	}
	rvm->levels = riscv_gstage_levels;
	rvm->id = riscv_new_id();
	vm->arch = rvm;
	return 0;
}

/* Free the tables below @table (@n entries at @level); not @table itself. */
static void gstage_free_tables(u64 *table, unsigned int level, unsigned int n)
{
	unsigned int i;

	if (level == 0)
		return;
	for (i = 0; i < n; i++) {
		if (!(table[i] & GPTE_V) || gpte_leaf(table[i]))
			continue;
		gstage_free_tables(gpte_table(table[i]), level - 1, 512);
		free_page((unsigned long)gpte_table(table[i]));
	}
}

void riscv_vm_destroy(struct axvcpu_vm *vm)
{
	struct riscv_vm *rvm = to_rv_vm(vm);

	if (!rvm)
		return;
	gstage_free_tables(rvm->root, rvm->levels - 1, 2048);
	free_pages((unsigned long)rvm->root, GSTAGE_ROOT_ORDER);
	kfree(rvm);
	vm->arch = NULL;
}

static unsigned int gstage_index(const struct riscv_vm *rvm, u64 gpa,
				 unsigned int level)
{
	u64 mask = level == rvm->levels - 1 ? 2047 : 511;

	return (gpa >> (PAGE_SHIFT + 9 * level)) & mask;
}

/*
 * The entry for @gpa at @level (0: 4 KiB, 1: 2 MiB, 2: 1 GiB), allocating
 * tables on the way if @alloc; or the superpage above @level that holds
 * @gpa (*@at says which level the entry is at). NULL: no table there, or
 * no memory for one.
 */
static u64 *gstage_walk(struct riscv_vm *rvm, u64 gpa, unsigned int level,
			bool alloc, unsigned int *at)
{
	u64 *table = rvm->root;
	unsigned int l;

	for (l = rvm->levels - 1; l > level; l--) {
		u64 *e = &table[gstage_index(rvm, gpa, l)];

		if (gpte_leaf(*e)) {
			*at = l;
			return e;
		}
		if (!(*e & GPTE_V)) {
			u64 *next;

			if (!alloc)
				return NULL;
			next = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
			if (!next)
				return NULL;
			/* a non-leaf: V alone (8.5.1 and 4.3.1) */
			WRITE_ONCE(*e, gpte_of(__pa(next), GPTE_V));
		}
		table = gpte_table(*e);
	}
	*at = level;
	return &table[gstage_index(rvm, gpa, level)];
}

static int gstage_map(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		      unsigned int level, bool readonly)
{
	u64 flags = GPTE_V | GPTE_R | GPTE_X | GPTE_U | GPTE_A;
	unsigned int at;
	u64 *pte = gstage_walk(to_rv_vm(vm), gpa, level, true, &at);

	if (!pte)
		return -ENOMEM;
	/* slots never overlap: only a table left by a gone slot can be here */
	if (at != level || *pte & GPTE_V)
		return -EEXIST;
	if (!readonly)
		flags |= GPTE_W | GPTE_D;
	WRITE_ONCE(*pte, gpte_of(page_to_phys(page), flags));
	return 0;
}

int riscv_map_page(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		   bool readonly)
{
	int ret = gstage_map(vm, gpa, page, 0, readonly);

	return WARN_ON_ONCE(ret == -EEXIST) ? -EINVAL : ret;
}

/*
 * A superpage: its PPN aligned to its size, or the hart raises a page
 * fault on every access (8.5.1, as 4.3.2 step 6 for a misaligned
 * superpage); the core gives aligned runs only.
 */
int riscv_map_block(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		    unsigned int order, bool readonly)
{
	if (WARN_ON_ONCE(order % 9 || !(BIT(order) & RISCV_GSTAGE_BLOCK_ORDERS)))
		return -EINVAL;
	return gstage_map(vm, gpa, page, order / 9, readonly);
}

void riscv_unmap_page(struct axvcpu_vm *vm, u64 gpa)
{
	unsigned int at;
	u64 *pte = gstage_walk(to_rv_vm(vm), gpa, 0, false, &at);

	/* the core bumps the VM's TLB generation before the page is reused */
	if (pte)
		WRITE_ONCE(*pte, 0);
}

/**
 * riscv_hgatp() - the hgatp value that selects @rvm's tables
 * @rvm: the VM
 *
 * Return: mode, VMID and root PPN (8.2.18).
 */
unsigned long riscv_hgatp(const struct riscv_vm *rvm)
{
	return (riscv_hgatp_mode << HGATP_MODE_SHIFT) |
	       ((unsigned long)RISCV_AXVCPU_VMID << HGATP_VMID_SHIFT) |
	       (__pa(rvm->root) >> PAGE_SHIFT);
}
