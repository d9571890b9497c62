// SPDX-License-Identifier: GPL-2.0
/*
 * AXVCPU_GET_SYSREG / AXVCPU_SET_SYSREG on SVM: the MSRs that live in the
 * VMCB's save area (the module's EFER and PAT, and those VMLOAD/VMSAVE
 * switch, which the guest reads and writes without exits), the emulated
 * debug registers and XCR0. Every
 * other MSR is user space's own: its guest accesses are SYSREG exits.
 *
 * A value the hardware would not take from WRMSR is refused with EINVAL,
 * so that nothing reaches VMRUN that the guest could not have written
 * itself; whatever GET returns, SET takes back.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include "svm.h"

#define MSR_ID(msr)	(AXVCPU_SYSREG_X86_MSR | (msr))
#define XCR0_ID		(AXVCPU_SYSREG_X86_XCR | 0)
#define DR_ID(n)	(AXVCPU_SYSREG_X86_DR | (n))

/* In the order AXVCPU_GET_SYSREG_LIST gives them; XCR0 last, with XSAVE. */
static const u64 svm_sysreg_id_table[] = {
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
static u64 *svm_dr_field(struct svm_vcpu *svm, u64 id)
{
	switch (id) {
	case DR_ID(0): case DR_ID(1): case DR_ID(2): case DR_ID(3):
		return &svm->x86.dr[id & 3];
	case DR_ID(6):
		return &svm->x86.dr6;
	case DR_ID(7):
		return &svm->x86.dr7;
	}
	return NULL;
}

/* An address WRMSR takes: canonical for the host's virtual address width. */
static bool svm_canonical(u64 v)
{
	unsigned int bits = boot_cpu_data.x86_virt_bits;

	return sign_extend64(v, bits - 1) == v;
}

/* The save-area field of a plain MSR, and whether it holds an address. */
static u64 *svm_msr_field(struct vmcb_save_area *s, u32 msr, bool *address)
{
	*address = true;
	switch (msr) {
	case MSR_LSTAR:
		return &s->lstar;
	case MSR_CSTAR:
		return &s->cstar;
	case MSR_FS_BASE:
		return &s->fs.base;
	case MSR_GS_BASE:
		return &s->gs.base;
	case MSR_KERNEL_GS_BASE:
		return &s->kernel_gs_base;
	case MSR_IA32_SYSENTER_ESP:
		return &s->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:
		return &s->sysenter_eip;
	}
	*address = false;
	switch (msr) {
	case MSR_STAR:
		return &s->star;
	case MSR_SYSCALL_MASK:
		return &s->sfmask;
	case MSR_IA32_SYSENTER_CS:
		return &s->sysenter_cs;
	}
	return NULL;
}

/* The field of a DR or plain MSR id, and whether it holds an address. */
static u64 *svm_sysreg_field(struct svm_vcpu *svm, u64 id, bool *address)
{
	u64 *f = svm_dr_field(svm, id);

	*address = false;
	if (f)
		return f;
	if ((id & ~0xffffffffULL) != AXVCPU_SYSREG_X86_MSR)
		return NULL;
	return svm_msr_field(&svm->vmcb->save, (u32)id, address);
}

/**
 * svm_get_sysreg() - AXVCPU_GET_SYSREG
 * @vcpu: the vCPU (lock held)
 * @id: AXVCPU_SYSREG_X86_MSR or _X86_XCR | number
 * @value: the value
 *
 * Return: 0, or -ENOENT for an id not in the list.
 */
int svm_get_sysreg(struct axvcpu_vcpu *vcpu, u64 id, u64 *value)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;
	bool address;
	u64 *f;

	if (id == XCR0_ID && x86_fpu_xcr0()) {
		*value = to_svm(vcpu)->x86.xcr0;
		return 0;
	}
	if (id == MSR_ID(MSR_TSC_AUX)) {
		*value = to_svm(vcpu)->x86.tsc_aux;
		return 0;
	}
	if (id == MSR_ID(MSR_EFER)) {
		*value = s->efer & ~EFER_SVME;
		return 0;
	}
	if (id == MSR_ID(MSR_IA32_CR_PAT)) {
		*value = s->g_pat;
		return 0;
	}
	f = svm_sysreg_field(to_svm(vcpu), id, &address);
	if (!f)
		return -ENOENT;
	*value = *f;
	return 0;
}

/**
 * svm_set_sysreg() - AXVCPU_SET_SYSREG
 * @vcpu: the vCPU (lock held)
 * @id: AXVCPU_SYSREG_X86_MSR or _X86_XCR | number
 * @value: the new value
 *
 * EFER follows SET_REGS's rules (only SCE, LME, LMA, NXE; not LME with
 * paging and PAE off), PAT needs valid memory types, address MSRs a
 * canonical address, and XCR0 a value XSETBV takes within the host's.
 *
 * Return: 0, -ENOENT for an id not in the list, -EINVAL for a value the
 * register cannot hold (nothing changes).
 */
int svm_set_sysreg(struct axvcpu_vcpu *vcpu, u64 id, u64 value)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save_area *s = &svm->vmcb->save;
	bool address;
	u64 *f;

	if (id == XCR0_ID && x86_fpu_xcr0()) {
		if (!x86_fpu_xcr0_valid(value))
			return -EINVAL;
		svm->x86.xcr0 = value;
		return 0;
	}
	if (id == MSR_ID(MSR_TSC_AUX)) {
		if (value >> 32)	/* reserved, as WRMSR says */
			return -EINVAL;
		svm->x86.tsc_aux = value;
		return 0;
	}
	if (id == MSR_ID(MSR_EFER)) {
		if (!x86_efer_valid(value) || (value & EFER_SVME) ||
		    !x86_long_mode_state_ok(value, s->cr0, s->cr4))
			return -EINVAL;
		s->efer = value | EFER_SVME;
		/* With LMA, the VMRUN checks may refuse the state: keep it. */
		svm->unchecked = true;
		return 0;
	}
	if (id == MSR_ID(MSR_IA32_CR_PAT)) {
		if (!x86_pat_valid(value))
			return -EINVAL;
		s->g_pat = value;
		return 0;
	}
	f = svm_sysreg_field(svm, id, &address);
	if (!f)
		return -ENOENT;
	if (address && !svm_canonical(value))
		return -EINVAL;
	*f = value;
	return 0;
}

/**
 * svm_sysreg_ids() - the ids svm_get_sysreg() knows
 * @nr: their number
 *
 * Return: the array (XCR0 is left out on a host without XSAVE).
 */
const u64 *svm_sysreg_ids(unsigned int *nr)
{
	*nr = ARRAY_SIZE(svm_sysreg_id_table) - (x86_fpu_xcr0() ? 0 : 1);
	return svm_sysreg_id_table;
}
