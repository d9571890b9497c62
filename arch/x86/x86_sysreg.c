// SPDX-License-Identifier: GPL-2.0
/*
 * AXVCPU_GET_SYSREG / AXVCPU_SET_SYSREG on x86, for both vendors: the
 * MSRs the guest reads and writes without exits (the syscall and
 * SYSENTER MSRs, FS/GS base, KernelGSbase), EFER and PAT, TSC_AUX, the
 * emulated debug registers and XCR0. Where each lives is the vendor's
 * (x86_vendor_ops.msr_slot: SVM's VMCB save area, VMX's mirror and MSR
 * areas); every other MSR is user space's own: its guest accesses are
 * SYSREG exits.
 *
 * A value the hardware would not take from WRMSR is refused with EINVAL,
 * so that nothing reaches an entry that the guest could not have written
 * itself; whatever GET returns, SET takes back.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include "x86.h"

#define MSR_ID(msr)	(AXVCPU_SYSREG_X86_MSR | (msr))
#define XCR0_ID		(AXVCPU_SYSREG_X86_XCR | 0)
#define DR_ID(n)	(AXVCPU_SYSREG_X86_DR | (n))

/* In the order AXVCPU_GET_SYSREG_LIST gives them; XCR0 last, with XSAVE. */
static const u64 x86_sysreg_id_table[] = {
	MSR_ID(MSR_EFER), MSR_ID(MSR_IA32_CR_PAT), MSR_ID(MSR_STAR),
	MSR_ID(MSR_LSTAR), MSR_ID(MSR_CSTAR), MSR_ID(MSR_SYSCALL_MASK),
	MSR_ID(MSR_FS_BASE), MSR_ID(MSR_GS_BASE), MSR_ID(MSR_KERNEL_GS_BASE),
	MSR_ID(MSR_IA32_SYSENTER_CS), MSR_ID(MSR_IA32_SYSENTER_ESP),
	MSR_ID(MSR_IA32_SYSENTER_EIP), MSR_ID(MSR_TSC_AUX), DR_ID(0), DR_ID(1),
	DR_ID(2), DR_ID(3), DR_ID(6), DR_ID(7), XCR0_ID,
};

/*
 * The debug registers are emulated, never loaded into the hardware
 * (x86_exit_mov_dr()): any value is safe, and the guest's MOV to DRn stores
 * any value too.
 */
static u64 *x86_dr_field(struct x86_vcpu *xv, u64 id)
{
	switch (id) {
	case DR_ID(0): case DR_ID(1): case DR_ID(2): case DR_ID(3):
		return &xv->dr[id & 3];
	case DR_ID(6):
		return &xv->dr6;
	case DR_ID(7):
		return &xv->dr7;
	}
	return NULL;
}

/* An address WRMSR takes: canonical for the host's virtual address width. */
static bool x86_canonical(u64 v)
{
	unsigned int bits = boot_cpu_data.x86_virt_bits;

	return sign_extend64(v, bits - 1) == v;
}

/* The MSRs that hold an address: WRMSR #GPs on a non-canonical one. */
static bool x86_msr_is_address(u32 msr)
{
	switch (msr) {
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return true;
	}
	return false;
}

/* The field of a DR or plain MSR id (x86_vendor_ops.msr_slot's list). */
static u64 *x86_sysreg_field(struct x86_vcpu *xv, u64 id)
{
	u64 *f = x86_dr_field(xv, id);

	if (f)
		return f;
	if ((id & ~0xffffffffULL) != AXVCPU_SYSREG_X86_MSR)
		return NULL;
	switch ((u32)id) {
	case MSR_STAR: case MSR_LSTAR: case MSR_CSTAR: case MSR_SYSCALL_MASK:
	case MSR_FS_BASE: case MSR_GS_BASE: case MSR_KERNEL_GS_BASE:
	case MSR_IA32_SYSENTER_CS: case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return x86_vendor->msr_slot(xv, (u32)id);
	}
	return NULL;
}

/**
 * x86_vcpu_get_sysreg() - AXVCPU_GET_SYSREG
 * @vcpu: the vCPU (lock held)
 * @id: AXVCPU_SYSREG_X86_MSR, _X86_XCR or _X86_DR | number
 * @value: the value
 *
 * Return: 0, or -ENOENT for an id not in the list.
 */
int x86_vcpu_get_sysreg(struct axvcpu_vcpu *vcpu, u64 id, u64 *value)
{
	struct x86_vcpu *xv = vcpu->arch;
	u64 *f;

	if (id == XCR0_ID && x86_fpu_xcr0()) {
		*value = xv->xcr0;
		return 0;
	}
	if (id == MSR_ID(MSR_TSC_AUX)) {
		*value = xv->tsc_aux;
		return 0;
	}
	if (id == MSR_ID(MSR_EFER)) {
		*value = x86_vendor->get_ctl(xv, X86_CTL_EFER);
		return 0;
	}
	if (id == MSR_ID(MSR_IA32_CR_PAT)) {
		*value = x86_vendor->get_ctl(xv, X86_CTL_PAT);
		return 0;
	}
	f = x86_sysreg_field(xv, id);
	if (!f)
		return -ENOENT;
	*value = *f;
	return 0;
}

/**
 * x86_vcpu_set_sysreg() - AXVCPU_SET_SYSREG
 * @vcpu: the vCPU (lock held)
 * @id: AXVCPU_SYSREG_X86_MSR, _X86_XCR or _X86_DR | number
 * @value: the new value
 *
 * EFER follows SET_REGS's rules (only SCE, LME, LMA, NXE; not LME with
 * paging and PAE off), PAT needs valid memory types, address MSRs a
 * canonical address, and XCR0 a value XSETBV takes within the host's.
 *
 * Return: 0, -ENOENT for an id not in the list, -EINVAL for a value the
 * register cannot hold (nothing changes).
 */
int x86_vcpu_set_sysreg(struct axvcpu_vcpu *vcpu, u64 id, u64 value)
{
	const struct x86_vendor_ops *v = x86_vendor;
	struct x86_vcpu *xv = vcpu->arch;
	u64 *f;

	if (id == XCR0_ID && x86_fpu_xcr0()) {
		if (!x86_fpu_xcr0_valid(value))
			return -EINVAL;
		xv->xcr0 = value;
		return 0;
	}
	if (id == MSR_ID(MSR_TSC_AUX)) {
		if (value >> 32)	/* reserved, as WRMSR says */
			return -EINVAL;
		xv->tsc_aux = value;
		return 0;
	}
	if (id == MSR_ID(MSR_EFER)) {
		if (!x86_efer_valid(value) || (value & EFER_SVME) ||
		    !x86_long_mode_state_ok(value, v->get_ctl(xv, X86_CTL_CR0),
					    v->get_ctl(xv, X86_CTL_CR4)))
			return -EINVAL;
		v->set_ctl(xv, X86_CTL_EFER, value);
		return 0;
	}
	if (id == MSR_ID(MSR_IA32_CR_PAT)) {
		if (!x86_pat_valid(value))
			return -EINVAL;
		v->set_ctl(xv, X86_CTL_PAT, value);
		return 0;
	}
	f = x86_sysreg_field(xv, id);
	if (!f)
		return -ENOENT;
	if (!x86_dr_field(xv, id) && x86_msr_is_address((u32)id) &&
	    !x86_canonical(value))
		return -EINVAL;
	*f = value;
	return 0;
}

/**
 * x86_sysreg_ids() - the ids x86_vcpu_get_sysreg() knows
 * @nr: their number
 *
 * Return: the array (XCR0 is left out on a host without XSAVE).
 */
const u64 *x86_sysreg_ids(unsigned int *nr)
{
	*nr = ARRAY_SIZE(x86_sysreg_id_table) - (x86_fpu_xcr0() ? 0 : 1);
	return x86_sysreg_id_table;
}
