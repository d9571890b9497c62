// SPDX-License-Identifier: GPL-2.0
/*
 * The stage-2 tables of an x86 VM (AMD nested paging, Intel EPT): one
 * walker over the radix tree both vendors share (512 entries a level, 4 or
 * 5 levels, a leaf at level 2 or 3 being a 2 MiB or 1 GiB page with bit 7
 * set), and a small format per vendor that encodes and tests the entries
 * (struct x86_s2_format: the permission bits differ). Intermediate tables
 * live until the VM goes. Callers serialize map/unmap (the VM's
 * slots_lock); the hardware walks concurrently, so entries are written
 * with WRITE_ONCE() and a table is linked only once it is zeroed.
 */
#include <linux/gfp.h>
#include <linux/slab.h>
#include "x86.h"

#define S2_LARGE	BIT_ULL(7)	/* a leaf above level 1 (PS / EPT bit 7) */
#define S2_ADDR_MASK	GENMASK_ULL(51, 12)

struct x86_stage2 {
	u64 *root;
	unsigned int levels;
	const struct x86_s2_format *fmt;
};

/**
 * x86_stage2_alloc() - an empty stage-2 tree
 * @fmt: the vendor's entry format
 * @levels: 4 or 5
 *
 * Return: the tree, or NULL.
 */
struct x86_stage2 *x86_stage2_alloc(const struct x86_s2_format *fmt,
				    unsigned int levels)
{
	struct x86_stage2 *s2 = kzalloc(sizeof(*s2), GFP_KERNEL_ACCOUNT);

	if (!s2)
		return NULL;
	s2->fmt = fmt;
	s2->levels = levels;
	s2->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!s2->root) {
		kfree(s2);
		return NULL;
	}
	return s2;
}

static bool s2_is_table(const struct x86_stage2 *s2, u64 e,
			unsigned int level)
{
	return level > 1 && s2->fmt->present(e) && !(e & S2_LARGE);
}

static void x86_stage2_free_level(struct x86_stage2 *s2, u64 *table,
				  unsigned int level)
{
	unsigned int i;

	for (i = 0; i < 512; i++)
		if (s2_is_table(s2, table[i], level))
			x86_stage2_free_level(s2, __va(table[i] & S2_ADDR_MASK),
					      level - 1);
	free_page((unsigned long)table);
}

/**
 * x86_stage2_free() - free the tree (the leaves' pages are not owned by it)
 * @s2: the tree, or NULL
 */
void x86_stage2_free(struct x86_stage2 *s2)
{
	if (!s2)
		return;
	x86_stage2_free_level(s2, s2->root, s2->levels);
	kfree(s2);
}

static unsigned int s2_index(u64 gpa, unsigned int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & 511;
}

/*
 * The entry for @gpa at @level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB), allocating
 * tables on the way if @alloc; or the large leaf above @level that holds
 * @gpa (*@at says at which level the entry is). NULL: no table there, or
 * no memory for one.
 */
static u64 *s2_walk(struct x86_stage2 *s2, u64 gpa, unsigned int level,
		    bool alloc, unsigned int *at)
{
	u64 *table = s2->root;
	unsigned int l;

	for (l = s2->levels; l > level; l--) {
		u64 *e = &table[s2_index(gpa, l)];

		if (s2->fmt->present(*e) && (*e & S2_LARGE)) {
			*at = l;
			return e;
		}
		if (!s2->fmt->present(*e)) {
			u64 *next;

			if (!alloc)
				return NULL;
			next = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
			if (!next)
				return NULL;
			WRITE_ONCE(*e, s2->fmt->table(__pa(next)));
		}
		table = __va(*e & S2_ADDR_MASK);
	}
	*at = level;
	return &table[s2_index(gpa, level)];
}

/**
 * x86_stage2_map() - map a guest page or a large page
 * @s2: the tree
 * @gpa: guest physical address, aligned to the mapping's size
 * @hpa: host physical address, aligned alike
 * @level: 1 for 4 KiB, 2 for 2 MiB, 3 for 1 GiB
 * @readonly: map without write permission
 *
 * Return: 0, -ENOMEM, or -EEXIST when something already sits where the
 * entry would go (a table left by a deleted slot, under a large page).
 */
int x86_stage2_map(struct x86_stage2 *s2, u64 gpa, phys_addr_t hpa,
		   unsigned int level, bool readonly)
{
	unsigned int at;
	u64 *e = s2_walk(s2, gpa, level, true, &at);

	if (!e)
		return -ENOMEM;
	if (at != level || s2->fmt->present(*e))
		return -EEXIST;
	WRITE_ONCE(*e, s2->fmt->leaf(hpa & S2_ADDR_MASK, readonly) |
		       (level > 1 ? S2_LARGE : 0));
	return 0;
}

/**
 * x86_stage2_unmap() - remove the mapping that holds a guest page
 * @s2: the tree
 * @gpa: guest physical address, page aligned
 *
 * A large page that holds @gpa goes whole. The caller flushes the guest
 * TLBs before the pages are reused.
 */
void x86_stage2_unmap(struct x86_stage2 *s2, u64 gpa)
{
	unsigned int at;
	u64 *e = s2_walk(s2, gpa, 1, false, &at);

	if (e)
		WRITE_ONCE(*e, 0);
}

/**
 * x86_stage2_root() - the physical address to load as the stage-2 root
 * @s2: the tree
 *
 * Return: the root table's physical address.
 */
phys_addr_t x86_stage2_root(const struct x86_stage2 *s2)
{
	return __pa(s2->root);
}
