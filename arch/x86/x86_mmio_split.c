// SPDX-License-Identifier: GPL-2.0
/*
 * An MMIO access that crosses a page boundary from guest RAM into a guest
 * physical address with no memory region (or the other way round): the
 * bytes on the RAM side belong to RAM, only the others are MMIO. The
 * nested page fault names the faulting address but not where the access
 * began, so the memory operand's linear address is computed from the
 * decoded addressing (SDM vol. 1, 3.7.5; vol. 3A, 3.4) and each page of
 * the access is translated through the guest's page tables.
 */
#include <linux/errno.h>
#include "x86.h"

static const struct axvcpu_x86_segment *
x86_seg_reg(const struct axvcpu_x86_regs *regs, u8 seg)
{
	switch (seg) {
	case X86_SEG_ES:
		return &regs->es;
	case X86_SEG_CS:
		return &regs->cs;
	case X86_SEG_SS:
		return &regs->ss;
	case X86_SEG_FS:
		return &regs->fs;
	case X86_SEG_GS:
		return &regs->gs;
	}
	return &regs->ds;
}

/* The effective address of a 16-bit ModRM operand (SDM vol. 2, table 2-1). */
static u64 x86_ea16(const struct x86_mem_operand *m,
		    const struct axvcpu_x86_regs *regs, bool *stack)
{
	static const s8 base[8] = { X86_RBX, X86_RBX, X86_RBP, X86_RBP,
				    -1, -1, X86_RBP, X86_RBX };
	static const s8 index[8] = { X86_RSI, X86_RDI, X86_RSI, X86_RDI,
				     X86_RSI, X86_RDI, -1, -1 };
	u64 ea = m->disp;

	/* mod 0, r/m 6 is disp16 alone */
	if (base[m->rm] >= 0 && !(m->mod == 0 && m->rm == 6)) {
		ea += regs->gprs[base[m->rm]];
		*stack = base[m->rm] == X86_RBP;
	}
	if (index[m->rm] >= 0)
		ea += regs->gprs[index[m->rm]];
	return ea;
}

/**
 * x86_mem_linear() - the linear address of a decoded memory operand
 * @m: the operand
 * @regs: the guest's registers, RIP at the instruction
 * @mode: the guest's execution mode
 * @len: the instruction's length (for RIP-relative addressing)
 *
 * Return: the linear address (segment limits are not checked: the
 * hardware already did, the access faulted in the nested tables).
 */
static u64 x86_mem_linear(const struct x86_mem_operand *m,
			  const struct axvcpu_x86_regs *regs,
			  enum x86_cpu_mode mode, unsigned int len)
{
	bool stack = false;
	u8 seg = m->seg;
	u64 ea;

	if (m->moffs) {
		ea = m->disp;
	} else if (m->addrsize == 2) {
		ea = x86_ea16(m, regs, &stack);
	} else {
		ea = m->disp;
		if (m->rip_rel)
			ea += regs->rip + len;
		if (m->base >= 0) {
			ea += regs->gprs[m->base];
			/* ESP or EBP as base: SS (SDM vol. 1, 3.7.4.1) */
			stack = m->base == X86_RSP || m->base == X86_RBP;
		}
		if (m->index >= 0)
			ea += regs->gprs[m->index] << m->scale;
	}
	if (m->addrsize == 2)
		ea &= 0xffff;
	else if (m->addrsize == 4)
		ea &= 0xffffffff;
	if (seg == X86_SEG_DEFAULT)
		seg = stack ? X86_SEG_SS : X86_SEG_DS;

	/* 64-bit mode: only FS and GS have a base (SDM vol. 3A, 3.2.4) */
	if (mode == X86_MODE_LONG64)
		return (seg == X86_SEG_FS || seg == X86_SEG_GS) ?
		       ea + x86_seg_reg(regs, seg)->base : ea;
	return (u32)(x86_seg_reg(regs, seg)->base + ea);
}

/**
 * x86_mmio_split() - the RAM part and the MMIO part of a page-crossing access
 * @vm: the VM
 * @regs: the guest's registers, RIP at the instruction
 * @mode: the guest's execution mode
 * @insn: the decoded access
 * @gpa: the guest physical address the nested page fault reported
 * @split: filled in when the access is split
 *
 * An access that crosses a page boundary, one page in a memory region and
 * the other in none, is split in two: the bytes in the region are RAM, the
 * others are the MMIO access user space sees. Everything else (an access
 * inside one page, both pages without memory, a translation that does not
 * lead back to @gpa) is not split.
 *
 * Return: true when @split describes a split access.
 */
bool x86_mmio_split(struct axvcpu_vm *vm, const struct axvcpu_x86_regs *regs,
		    enum x86_cpu_mode mode, const struct x86_insn *insn,
		    u64 gpa, struct x86_split *split)
{
	u64 lin = x86_mem_linear(&insn->mem, regs, mode, insn->len);
	unsigned int first = PAGE_SIZE - (lin & ~PAGE_MASK);
	bool ram1, ram2;
	u64 g1, g2;

	if (first >= insn->width)
		return false;
	if (mode != X86_MODE_LONG64)
		lin = (u32)lin;
	if (x86_gva_to_gpa(vm, regs, lin, &g1) ||
	    x86_gva_to_gpa(vm, regs, mode == X86_MODE_LONG64 ? lin + first :
			   (u32)(lin + first), &g2))
		return false;
	ram1 = axvcpu_gpa_is_mapped(vm, g1);
	ram2 = axvcpu_gpa_is_mapped(vm, g2);
	if (ram1 == ram2)
		return false;
	if (ram1) {
		/* RAM first: the fault is at the start of the second page */
		if ((gpa & PAGE_MASK) != (g2 & PAGE_MASK))
			return false;
		split->ram_gpa = g1;
		split->ram_off = 0;
		split->ram_len = first;
		split->mmio_gpa = g2;
		split->mmio_off = first;
		split->mmio_len = insn->width - first;
	} else {
		if ((gpa & PAGE_MASK) != (g1 & PAGE_MASK))
			return false;
		split->ram_gpa = g2;
		split->ram_off = first;
		split->ram_len = insn->width - first;
		split->mmio_gpa = g1;
		split->mmio_off = 0;
		split->mmio_len = first;
	}
	return true;
}
