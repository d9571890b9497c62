// SPDX-License-Identifier: GPL-2.0
/*
 * The ops of struct axvcpu_arch_ops that are the same on both x86 vendors:
 * they touch only the vendor-independent part of the vCPU, which both
 * vendors' vCPU structures have first (vcpu->arch points at it).
 */
#include <linux/bitops.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include "x86.h"

static struct x86_vcpu *x86_of(struct axvcpu_vcpu *vcpu)
{
	return vcpu->arch;
}

/**
 * x86_vcpu_check_setup() - the x86 part of a SETUP argument
 * @setup: the argument
 *
 * Return: 0, or -EINVAL for a mode or entry the backends do not take.
 */
int x86_vcpu_check_setup(const struct axvcpu_setup *setup)
{
	const u64 *pad = setup->arch.pad;
	unsigned int i;

	/* arch.x86 overlays pad[0]; the rest must be zero. */
	if (setup->arch.x86.pad)
		return -EINVAL;
	for (i = 1; i < ARRAY_SIZE(setup->arch.pad); i++)
		if (pad[i])
			return -EINVAL;
	switch (setup->arch.x86.mode) {
	case AXVCPU_X86_MODE_FLAT32:
		return setup->entry > U32_MAX ? -EINVAL : 0;
	case AXVCPU_X86_MODE_REAL:
		return setup->entry >= SZ_1M ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

static void x86_seg(struct axvcpu_x86_segment *s, u16 sel, u16 attrib,
		    u32 limit, u64 base)
{
	s->selector = sel;
	s->attrib = attrib;
	s->limit = limit;
	s->base = base;
}

/**
 * x86_reset_regs() - the register file SETUP gives a vCPU
 * @r: filled in (zeroed first)
 * @mode: AXVCPU_X86_MODE_REAL or _FLAT32
 * @entry: the entry point SETUP was given
 *
 * The state Documentation/api.rst documents after SETUP, the same on both
 * vendors: real mode at @entry's segment and offset, or flat 32-bit
 * protected mode at @entry; TR a busy 32-bit TSS as GET_REGS shows it.
 */
void x86_reset_regs(struct axvcpu_x86_regs *r, u32 mode, u64 entry)
{
	u16 sel;

	memset(r, 0, sizeof(*r));
	if (mode == AXVCPU_X86_MODE_REAL) {
		sel = entry >> 4;
		x86_seg(&r->cs, sel, X86_ATTR_CODE16, 0xffff, (u64)sel << 4);
		x86_seg(&r->ds, 0, X86_ATTR_DATA16, 0xffff, 0);
		r->cr0 = X86_CR0_ET | X86_CR0_NE;
		r->rip = entry & 0xf;
	} else {
		x86_seg(&r->cs, 0x08, X86_ATTR_CODE32, 0xffffffff, 0);
		x86_seg(&r->ds, 0x10, X86_ATTR_DATA32, 0xffffffff, 0);
		r->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
		r->rip = entry;
	}
	r->es = r->ds;
	r->ss = r->ds;
	r->fs = r->ds;
	r->gs = r->ds;
	r->gdt.limit = 0xffff;
	r->idt.limit = 0xffff;
	x86_seg(&r->ldtr, 0, X86_ATTR_LDT, 0xffff, 0);
	x86_seg(&r->tr, 0, X86_ATTR_TSS32_BUSY, 0xffff, 0);
	r->rflags = X86_EFLAGS_FIXED;
}

/* Applied with the mode by the vendor's vcpu_setup. */
int x86_vcpu_set_entry(struct axvcpu_vcpu *vcpu, u64 entry)
{
	return 0;
}

/* The end of RUN: the VMM thread's own FPU state back. */
void x86_vcpu_run_end(struct axvcpu_vcpu *vcpu)
{
	x86_fpu_run_end(x86_of(vcpu));
}

int x86_vcpu_set_gpr(struct axvcpu_vcpu *vcpu, u32 reg, u64 value)
{
	return x86_set_gpr(x86_of(vcpu), reg, value);
}

int x86_vcpu_get_gpr(struct axvcpu_vcpu *vcpu, u32 reg, u64 *value)
{
	return x86_get_gpr(x86_of(vcpu), reg, value);
}

void x86_vcpu_set_return_value(struct axvcpu_vcpu *vcpu, u64 value)
{
	x86_of(vcpu)->gprs[X86_RAX] = value;
}

int x86_vcpu_inject_interrupt(struct axvcpu_vcpu *vcpu, u32 vector)
{
	return x86_inject_interrupt(x86_of(vcpu), vector);
}

int x86_vcpu_inject_nmi(struct axvcpu_vcpu *vcpu)
{
	set_bit(0, &x86_of(vcpu)->nmi_pending);
	return 0;
}

int x86_vcpu_inject_exception(struct axvcpu_vcpu *vcpu,
			      const struct axvcpu_exception *exc)
{
	return x86_queue_exception(x86_of(vcpu), exc);
}

void x86_vcpu_get_fpu(struct axvcpu_vcpu *vcpu, void *buf)
{
	x86_fpu_get(x86_of(vcpu), buf);
}

int x86_vcpu_set_fpu(struct axvcpu_vcpu *vcpu, const void *buf)
{
	return x86_fpu_set(x86_of(vcpu), buf);
}

int x86_vcpu_set_cpuid(struct axvcpu_vcpu *vcpu,
		       const struct axvcpu_cpuid_entry *e, u32 n)
{
	return x86_set_cpuid(x86_of(vcpu), e, n);
}
