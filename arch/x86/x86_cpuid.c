// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID for x86 guests, answered in the kernel (the instruction always
 * exits). By default the host's values with what the guest cannot use
 * hidden; AXVCPU_SET_CPUID replaces them with the VMM's table, which the
 * guest then sees as it is (a leaf missing from it reads as zeros), but
 * for the bits that follow the guest's own CR4 as on hardware: OSXSAVE
 * (CPUID.1:ECX[27]) and OSPKE (CPUID.(7,0):ECX[4]) (SDM vol. 2A, CPUID).
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/fpu/types.h>
#include "x86.h"

#define CPUID_1_ECX_MONITOR	BIT(3)
#define CPUID_1_ECX_VMX		BIT(5)
#define CPUID_1_ECX_SMX		BIT(6)
#define CPUID_1_ECX_X2APIC	BIT(21)
#define CPUID_1_ECX_OSXSAVE	BIT(27)
#define CPUID_1_ECX_HYPERVISOR	BIT(31)
#define CPUID_7_ECX_OSPKE	BIT(4)
#define CPUID_7_EBX_MPX		BIT(14)
/* AVX-512 (SDM vol. 2A, CPUID leaf 7): F DQ IFMA PF ER CD BW VL */
#define CPUID_7_EBX_AVX512	(BIT(16) | BIT(17) | BIT(21) | BIT(26) | \
				 BIT(27) | BIT(28) | BIT(30) | BIT(31))
/* VBMI VBMI2 VNNI BITALG VPOPCNTDQ; 4VNNIW 4FMAPS VP2INTERSECT FP16 */
#define CPUID_7_ECX_AVX512	(BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14))
#define CPUID_7_EDX_AVX512	(BIT(2) | BIT(3) | BIT(8) | BIT(23))
#define CPUID_7_EDX_AMX		(BIT(22) | BIT(24) | BIT(25))
#define CPUID_D1_EAX_XSAVES	BIT(3)
#define CPUID_80000001_ECX_SVM	BIT(2)
#define CPUID_80000008_EBX_RDPRU	BIT(4)
#define CPUID_HV_BASE		0x40000000
#define CPUID_EXT_BASE		0x80000000

/* Leaves whose answer depends on ECX (the subleaf). */
static bool x86_cpuid_indexed(u32 leaf)
{
	switch (leaf) {
	case 4: case 7: case 0xb: case 0xd: case 0xf: case 0x10: case 0x12:
	case 0x14: case 0x17: case 0x18: case 0x1d: case 0x1e: case 0x1f:
	case 0x20: case 0x23: case 0x24: case 0x8000001d: case 0x80000020:
	case 0x80000026:
		return true;
	}
	return false;
}

/*
 * XSAVE's leaf and the features with XSAVE state, for the components a
 * guest may enable: those of the host's XCR0 (x86_fpu.c). XSAVES is
 * hidden: no supervisor state (IA32_XSS) is switched.
 */
static void x86_cpuid_xsave(u32 leaf, u32 sub, u32 *r)
{
	u64 xcr0 = x86_fpu_xcr0();

	if (!xcr0)
		return;
	if (leaf == 7 && sub == 0) {
		if (!(xcr0 & XFEATURE_MASK_BNDREGS))
			r[1] &= ~CPUID_7_EBX_MPX;
		if ((xcr0 & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512) {
			r[1] &= ~CPUID_7_EBX_AVX512;
			r[2] &= ~CPUID_7_ECX_AVX512;
			r[3] &= ~CPUID_7_EDX_AVX512;
		}
		if (!(xcr0 & XFEATURE_MASK_XTILE))
			r[3] &= ~CPUID_7_EDX_AMX;
		return;
	}
	if (leaf != 0xd)
		return;
	if (sub == 0) {
		r[0] &= (u32)xcr0;
		r[3] &= xcr0 >> 32;
		r[1] = x86_fpu_xstate_size(xcr0);
		r[2] = r[1];
	} else if (sub == 1) {
		r[0] &= ~CPUID_D1_EAX_XSAVES;
		r[2] = 0;
		r[3] = 0;
	} else if (sub >= 64 || !(xcr0 & BIT_ULL(sub))) {
		memset(r, 0, 4 * sizeof(*r));
	}
}

/*
 * The default answer: the host's, without VMX, SMX (GETSEC always exits),
 * SVM (and its leaf), MONITOR/MWAIT and x2APIC, with the hypervisor bit,
 * XSAVE's leaf for the host's XCR0, less what the vendor's controls do not
 * let a guest execute (x86_vendor_ops.cpuid_hide), and leaf 0x40000000
 * answering "AxVCpuAxVCpu".
 */
static void x86_cpuid_default(u32 leaf, u32 sub, u32 *r)
{
	if (leaf >= CPUID_HV_BASE && leaf < CPUID_HV_BASE + 0x100) {
		memset(r, 0, 4 * sizeof(*r));
		if (leaf == CPUID_HV_BASE) {
			r[0] = CPUID_HV_BASE;
			/* "AxVCpuAxVCpu" in EBX, ECX, EDX */
			r[1] = 0x43567841;
			r[2] = 0x78417570;
			r[3] = 0x75704356;
		}
		return;
	}
	cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
	switch (leaf) {
	case 1:
		r[2] &= ~(CPUID_1_ECX_VMX | CPUID_1_ECX_SMX |
			  CPUID_1_ECX_X2APIC | CPUID_1_ECX_MONITOR);
		r[2] |= CPUID_1_ECX_HYPERVISOR;
		break;
	case 0x80000001:
		r[2] &= ~CPUID_80000001_ECX_SVM;
		break;
	case 0x8000000a:
		memset(r, 0, 4 * sizeof(*r));
		break;
	case 0x80000008:
		r[1] &= ~CPUID_80000008_EBX_RDPRU;	/* intercepted: #UD */
		break;
	case 7: case 0xd:
		x86_cpuid_xsave(leaf, sub, r);
		break;
	}
	if (x86_vendor->cpuid_hide)
		x86_vendor->cpuid_hide(leaf, sub, r);
}

static void x86_cpuid_put(struct axvcpu_cpuid_entry *e, u32 leaf, u32 sub,
			  const u32 *r)
{
	memset(e, 0, sizeof(*e));
	e->function = leaf;
	e->index = sub;
	e->flags = x86_cpuid_indexed(leaf) ? AXVCPU_CPUID_SIGNIFICANT_INDEX : 0;
	e->eax = r[0];
	e->ebx = r[1];
	e->ecx = r[2];
	e->edx = r[3];
}

/* The default entries of @leaf's subleaves, from @n on; returns the new @n. */
static unsigned int x86_cpuid_leaf(struct axvcpu_cpuid_entry *e,
				   unsigned int n, u32 leaf)
{
	u32 r[4], sub;

	for (sub = 0; sub < 64 && n < AXVCPU_MAX_CPUID_ENTRIES; sub++) {
		x86_cpuid_default(leaf, sub, r);
		if (sub && !(r[0] | r[1] | r[2] | r[3])) {
			/* XSAVE's components are sparse: look at them all. */
			if (leaf == 0xd)
				continue;
			break;
		}
		x86_cpuid_put(&e[n++], leaf, sub, r);
		if (!x86_cpuid_indexed(leaf))
			break;
	}
	return n;
}

/**
 * x86_get_supported_cpuid() - AXVCPU_GET_SUPPORTED_CPUID
 * @e: room for AXVCPU_MAX_CPUID_ENTRIES entries
 *
 * What a guest sees without AXVCPU_SET_CPUID: every basic and extended
 * leaf and 0x40000000, with their subleaves. The initial APIC ID
 * (CPUID.1:EBX[31:24]) reads 0 here; the default gives each vCPU its id.
 *
 * Return: the number of entries.
 */
unsigned int x86_get_supported_cpuid(struct axvcpu_cpuid_entry *e)
{
	u32 r[4], leaf, max;
	unsigned int n = 0, i;

	x86_cpuid_default(0, 0, r);
	max = r[0];
	for (leaf = 0; leaf <= max; leaf++)
		n = x86_cpuid_leaf(e, n, leaf);
	n = x86_cpuid_leaf(e, n, CPUID_HV_BASE);
	x86_cpuid_default(CPUID_EXT_BASE, 0, r);
	max = r[0];
	for (leaf = CPUID_EXT_BASE; leaf <= max && leaf < CPUID_EXT_BASE + 0x100;
	     leaf++)
		n = x86_cpuid_leaf(e, n, leaf);
	for (i = 0; i < n; i++)
		if (e[i].function == 1)
			e[i].ebx &= 0x00ffffff;
	return n;
}

static bool x86_cpuid_same(const struct axvcpu_cpuid_entry *a,
			   const struct axvcpu_cpuid_entry *b)
{
	return a->function == b->function &&
	       (!(a->flags & AXVCPU_CPUID_SIGNIFICANT_INDEX) ||
		!(b->flags & AXVCPU_CPUID_SIGNIFICANT_INDEX) ||
		a->index == b->index);
}

/**
 * x86_set_cpuid() - AXVCPU_SET_CPUID
 * @xv: the vCPU (lock held)
 * @e: the VMM's entries
 * @n: their number, at most AXVCPU_MAX_CPUID_ENTRIES; 0 for the default
 *
 * Return: 0; -EINVAL for unknown flags, nonzero pad or two entries for
 * one leaf and subleaf; -ENOMEM (the table is unchanged on errors).
 */
int x86_set_cpuid(struct x86_vcpu *xv, const struct axvcpu_cpuid_entry *e,
		  u32 n)
{
	struct axvcpu_cpuid_entry *copy = NULL;
	u32 i, j;

	for (i = 0; i < n; i++) {
		if ((e[i].flags & ~AXVCPU_CPUID_SIGNIFICANT_INDEX) || e[i].pad)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (x86_cpuid_same(&e[i], &e[j]))
				return -EINVAL;
	}
	if (n) {
		copy = kmemdup(e, n * sizeof(*e), GFP_KERNEL_ACCOUNT);
		if (!copy)
			return -ENOMEM;
	}
	kfree(xv->cpuid);
	xv->cpuid = copy;
	xv->cpuid_nent = n;
	return 0;
}

/**
 * x86_cpuid_free() - free the vCPU's CPUID table
 * @xv: the vCPU
 */
void x86_cpuid_free(struct x86_vcpu *xv)
{
	kfree(xv->cpuid);
	xv->cpuid = NULL;
	xv->cpuid_nent = 0;
}

/**
 * x86_emulate_cpuid() - answer CPUID in the kernel
 * @xv: the vCPU (EAX, ECX in; EAX..EDX out); RIP is advanced by the caller
 * @cr4: the guest's CR4
 *
 * The VMM's table if it set one, else the default with the vCPU id as
 * initial APIC ID; OSXSAVE and OSPKE from @cr4 and XSAVE's area size
 * (leaf 0xD, subleaf 0, EBX) from the guest's XCR0 either way.
 */
void x86_emulate_cpuid(struct x86_vcpu *xv, u64 cr4)
{
	u32 leaf = xv->gprs[X86_RAX], sub = xv->gprs[X86_RCX];
	u32 r[4] = { 0, 0, 0, 0 };
	u32 i;

	if (xv->cpuid) {
		for (i = 0; i < xv->cpuid_nent; i++) {
			const struct axvcpu_cpuid_entry *e = &xv->cpuid[i];

			if (e->function == leaf &&
			    (!(e->flags & AXVCPU_CPUID_SIGNIFICANT_INDEX) ||
			     e->index == sub)) {
				r[0] = e->eax;
				r[1] = e->ebx;
				r[2] = e->ecx;
				r[3] = e->edx;
				break;
			}
		}
	} else {
		x86_cpuid_default(leaf, sub, r);
		if (leaf == 1)
			r[1] = (r[1] & 0x00ffffff) | (xv->vcpu->vcpu_id << 24);
	}
	if (leaf == 1) {
		r[2] &= ~CPUID_1_ECX_OSXSAVE;
		if (cr4 & X86_CR4_OSXSAVE)
			r[2] |= CPUID_1_ECX_OSXSAVE;
	} else if (leaf == 7 && sub == 0) {
		r[2] &= ~CPUID_7_ECX_OSPKE;
		if (cr4 & X86_CR4_PKE)
			r[2] |= CPUID_7_ECX_OSPKE;
	} else if (leaf == 0xd && sub == 0 && x86_fpu_xcr0()) {
		/* the XSAVE area for the XCR0 the guest has set */
		r[1] = x86_fpu_xstate_size(xv->xcr0);
	}
	xv->gprs[X86_RAX] = r[0];
	xv->gprs[X86_RBX] = r[1];
	xv->gprs[X86_RCX] = r[2];
	xv->gprs[X86_RDX] = r[3];
}
