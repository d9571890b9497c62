// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the guest's instruction at its RIP: the execution mode, the
 * guest's own paging (none, 32-bit, PAE, 4- and 5-level; SDM vol. 3,
 * chapter 4) and the memory regions behind the guest physical addresses.
 * Accessed/dirty bits are not set: this is a read by the hypervisor.
 */
#include <linux/errno.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "x86.h"

#define X86_INSN_MAX		15
#define SEG_ATTR_L		BIT(9)
#define SEG_ATTR_DB		BIT(10)
#define PTE_P			BIT_ULL(0)
#define PTE_PS			BIT_ULL(7)
#define PTE_ADDR		GENMASK_ULL(51, 12)

/**
 * x86_cpu_mode() - the execution mode the guest's registers describe
 * @regs: the guest's register file
 *
 * Return: the mode that decides default operand and address sizes.
 */
enum x86_cpu_mode x86_cpu_mode(const struct axvcpu_x86_regs *regs)
{
	if (!(regs->cr0 & X86_CR0_PE) || (regs->rflags & X86_EFLAGS_VM))
		return X86_MODE_REAL;
	if ((regs->efer & EFER_LMA) && (regs->cs.attrib & SEG_ATTR_L))
		return X86_MODE_LONG64;
	return (regs->cs.attrib & SEG_ATTR_DB) ? X86_MODE_PROT32 :
						 X86_MODE_PROT16;
}

static int x86_read_pte(struct axvcpu_vm *vm, u64 gpa, u64 *pte, bool wide)
{
	u32 narrow;
	int ret;

	if (wide)
		return axvcpu_read_guest(vm, gpa, pte, sizeof(*pte));
	ret = axvcpu_read_guest(vm, gpa, &narrow, sizeof(narrow));
	*pte = narrow;
	return ret;
}

/**
 * x86_gva_to_gpa() - guest linear -> guest physical through the guest's
 *	page tables
 * @vm: the VM
 * @regs: the guest's registers (CR0, CR3, CR4, EFER)
 * @gva: the linear address
 * @gpa: set to the guest physical address
 *
 * Return: 0, or -EFAULT when a table is not in guest memory or an entry is
 * not present.
 */
int x86_gva_to_gpa(struct axvcpu_vm *vm, const struct axvcpu_x86_regs *regs,
		   u64 gva, u64 *gpa)
{
	unsigned int level, levels, shift;
	bool wide = true;
	u64 table, pte;

	if (!(regs->cr0 & X86_CR0_PG)) {
		*gpa = gva;
		return 0;
	}
	if (regs->efer & EFER_LMA) {
		levels = (regs->cr4 & X86_CR4_LA57) ? 5 : 4;
		table = regs->cr3 & PTE_ADDR;
	} else if (regs->cr4 & X86_CR4_PAE) {
		/* PAE: CR3 points at 4 PDPTEs; bits 31:30 select one. */
		if (x86_read_pte(vm, (regs->cr3 & ~0x1fULL) + ((gva >> 30) & 3) * 8,
				 &pte, true) || !(pte & PTE_P))
			return -EFAULT;
		levels = 2;
		table = pte & PTE_ADDR;
	} else {
		levels = 2;
		wide = false;
		table = regs->cr3 & 0xfffff000ULL;
	}

	for (level = levels; level >= 1; level--) {
		unsigned int idx;

		if (wide) {
			shift = 12 + 9 * (level - 1);
			idx = (gva >> shift) & 511;
		} else {
			shift = 12 + 10 * (level - 1);
			idx = (gva >> shift) & 1023;
		}
		if (x86_read_pte(vm, table + idx * (wide ? 8 : 4), &pte, wide) ||
		    !(pte & PTE_P))
			return -EFAULT;
		if (level > 1 && (pte & PTE_PS)) {
			u64 base;

			if (wide)
				base = pte & PTE_ADDR & ~((1ULL << shift) - 1);
			else	/* 4 MiB page: PSE-36 bits 20:13 are PA 39:32 */
				base = (pte & 0xffc00000ULL) |
				       ((pte & 0x1fe000ULL) << 19);
			*gpa = base | (gva & ((1ULL << shift) - 1));
			return 0;
		}
		table = wide ? (pte & PTE_ADDR) : (pte & 0xfffff000ULL);
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}

/**
 * x86_fetch_insn() - read the bytes of the instruction at the guest's RIP
 * @vm: the VM
 * @regs: the guest's register file
 * @buf: room for 15 bytes
 * @len: set to the number of bytes read (fewer at the end of mapped memory)
 *
 * Return: 0 when at least one byte was read, -EFAULT otherwise.
 */
int x86_fetch_insn(struct axvcpu_vm *vm, const struct axvcpu_x86_regs *regs,
		   u8 *buf, unsigned int *len)
{
	enum x86_cpu_mode mode = x86_cpu_mode(regs);
	u64 lin = regs->rip;
	unsigned int got = 0;

	if (mode != X86_MODE_LONG64)
		lin = (u32)(regs->cs.base + (u32)lin);

	while (got < X86_INSN_MAX) {
		unsigned int n = min_t(unsigned int, X86_INSN_MAX - got,
				       PAGE_SIZE - ((lin + got) & ~PAGE_MASK));
		u64 gpa;

		if (x86_gva_to_gpa(vm, regs, lin + got, &gpa) ||
		    axvcpu_read_guest(vm, gpa, buf + got, n))
			break;
		got += n;
	}
	*len = got;
	return got ? 0 : -EFAULT;
}
