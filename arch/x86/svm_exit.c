// SPDX-License-Identifier: GPL-2.0
/*
 * SVM exit handling: map each #VMEXIT code (APM vol. 2, appendix C) to an
 * axvcpu exit for user space, or handle it in the kernel and re-enter.
 * Instructions both vendors complete alike go to x86_insn_exit.c, which
 * asks SVM through svm_vendor_ops: where the CPU has next-RIP saving and
 * decode assists (real AMD CPUs; Bochs's zambezi saves the next RIP), the
 * next RIP and a nested page fault's instruction bytes come from the
 * VMCB; QEMU's SVM has neither, and they come from decoding the guest's
 * instruction in memory.
 */
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/mce.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include "svm.h"

#define NPF_PRESENT		BIT_ULL(0)
#define NPF_WRITE		BIT_ULL(1)
#define NPF_FETCH		BIT_ULL(4)
#define NPF_GUEST_TABLES	BIT_ULL(33)
#define IOIO_IN			BIT(0)
#define IOIO_STR		BIT(2)

void svm_inject_exception(struct svm_vcpu *svm, unsigned int vector,
			  bool has_error, u32 error)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	c->event_inj = vector | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID |
		       (has_error ? SVM_EVTINJ_VALID_ERR : 0);
	c->event_inj_err = error;
}

/* ---- what x86_insn_exit.c asks of SVM ---- */

static struct svm_vcpu *xv_to_svm(struct x86_vcpu *xv)
{
	return container_of(xv, struct svm_vcpu, x86);
}

static void svm_vendor_get_regs(struct x86_vcpu *xv,
				struct axvcpu_x86_regs *regs)
{
	svm_get_x86_regs(xv_to_svm(xv), regs);
}

static u64 svm_rip(struct x86_vcpu *xv)
{
	return xv_to_svm(xv)->vmcb->save.rip;
}

/* The next RIP the CPU saved (APM vol. 2, 15.7.1), where it saves one. */
static u64 svm_next_rip(struct x86_vcpu *xv)
{
	if (!boot_cpu_has(X86_FEATURE_NRIPS))
		return 0;
	return xv_to_svm(xv)->vmcb->control.next_rip;
}

static void svm_complete(struct x86_vcpu *xv, u64 next_rip)
{
	struct vmcb *vmcb = xv_to_svm(xv)->vmcb;

	vmcb->save.rip = next_rip;
	vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
}

static void svm_vendor_inject_exception(struct x86_vcpu *xv,
					unsigned int vector, bool has_error,
					u32 error)
{
	svm_inject_exception(xv_to_svm(xv), vector, has_error, error);
}

static u64 svm_get_ctl(struct x86_vcpu *xv, enum x86_ctl ctl)
{
	struct vmcb *vmcb = xv_to_svm(xv)->vmcb;

	switch (ctl) {
	case X86_CTL_CR0:
		return vmcb->save.cr0;
	case X86_CTL_CR3:
		return vmcb->save.cr3;
	case X86_CTL_CR4:
		return vmcb->save.cr4;
	case X86_CTL_TPR:
		/* CR8 is V_TPR under V_INTR_MASKING (APM vol. 2, 15.21.1) */
		return vmcb->control.int_ctl & V_TPR_MASK;
	case X86_CTL_EFER:
		/* EFER.SVME is VMRUN's, hidden from the guest */
		return vmcb->save.efer & ~EFER_SVME;
	case X86_CTL_PAT:
		return vmcb->save.g_pat;
	case X86_CTL_CPL:
		return vmcb->save.cpl;
	}
	return 0;
}

static void svm_set_ctl(struct x86_vcpu *xv, enum x86_ctl ctl, u64 value)
{
	struct svm_vcpu *svm = xv_to_svm(xv);
	struct vmcb *vmcb = svm->vmcb;

	/*
	 * A paging register written for the guest: the translations its
	 * ASID holds go with a fresh ASID at the next entry, as the guest's
	 * own MOV to CR would have flushed them (VMRUN keeps them).
	 */
	switch (ctl) {
	case X86_CTL_CR0:
		vmcb->save.cr0 = value;
		svm->asid_gen = 0;
		break;
	case X86_CTL_CR3:
		vmcb->save.cr3 = value;
		svm->asid_gen = 0;
		break;
	case X86_CTL_CR4:
		vmcb->save.cr4 = value;
		svm->asid_gen = 0;
		break;
	case X86_CTL_TPR:
		vmcb->control.int_ctl = (vmcb->control.int_ctl & ~V_TPR_MASK) |
					(value & V_TPR_MASK);
		break;
	case X86_CTL_EFER:
		vmcb->save.efer = value | EFER_SVME;
		svm->asid_gen = 0;
		/* with LMA, VMRUN's checks may refuse the state: keep it */
		svm->unchecked = true;
		break;
	case X86_CTL_PAT:
		vmcb->save.g_pat = value;
		break;
	case X86_CTL_CPL:
		break;
	}
}

/* The save-area fields VMLOAD/VMSAVE and VMRUN switch (APM vol. 2, B.2). */
static u64 *svm_msr_slot(struct x86_vcpu *xv, u32 msr)
{
	struct vmcb_save_area *s = &xv_to_svm(xv)->vmcb->save;

	switch (msr) {
	case MSR_STAR:
		return &s->star;
	case MSR_LSTAR:
		return &s->lstar;
	case MSR_CSTAR:
		return &s->cstar;
	case MSR_SYSCALL_MASK:
		return &s->sfmask;
	case MSR_FS_BASE:
		return &s->fs.base;
	case MSR_GS_BASE:
		return &s->gs.base;
	case MSR_KERNEL_GS_BASE:
		return &s->kernel_gs_base;
	case MSR_IA32_SYSENTER_CS:
		return &s->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:
		return &s->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:
		return &s->sysenter_eip;
	}
	return NULL;
}

/*
 * The bytes of a nested page fault's instruction as the CPU fetched them,
 * where it has decode assists (APM vol. 2, 15.8, "Decode Assists": the
 * number fetched in bits 3:0 of the instruction-length byte, 0 when none
 * could be).
 */
static int svm_fault_insn(struct x86_vcpu *xv, u8 *bytes, unsigned int *len)
{
	const struct vmcb_control_area *c = &xv_to_svm(xv)->vmcb->control;
	unsigned int n = c->insn_len & 0xf;

	if (!boot_cpu_has(X86_FEATURE_DECODEASSISTS) || !n)
		return -ENOENT;
	memcpy(bytes, c->insn_bytes, n);
	*len = n;
	return 0;
}

const struct x86_vendor_ops svm_vendor_ops = {
	.get_regs = svm_vendor_get_regs,
	.rip = svm_rip,
	.next_rip = svm_next_rip,
	.complete = svm_complete,
	.inject_exception = svm_vendor_inject_exception,
	.get_ctl = svm_get_ctl,
	.set_ctl = svm_set_ctl,
	.msr_slot = svm_msr_slot,
	.fault_insn = svm_fault_insn,
};

static int svm_fail(struct axvcpu_run *run, u64 reason)
{
	run->exit_reason = AXVCPU_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = reason;
	return AXVCPU_RUN_EXIT;
}

static int svm_exit_ioio(struct svm_vcpu *svm, struct axvcpu_run *run)
{
	u64 info = svm->vmcb->control.exit_info_1;
	unsigned int width = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;

	/* String forms are not emulated: report them, RIP at the instruction. */
	if (info & IOIO_STR)
		return svm_fail(run, AXVCPU_X86_FAIL_STRING_IO);
	/* SZ8/SZ16/SZ32 are one-hot bits 4..6 (= 1, 2, 4); EXITINFO2 is the next RIP. */
	svm_complete(&svm->x86, svm->vmcb->control.exit_info_2);
	x86_exit_io(&svm->x86, run, info >> 16, width, info & IOIO_IN);
	return AXVCPU_RUN_EXIT;
}

/*
 * A nested page fault (APM vol. 2, 15.25.6): EXITINFO1 is the page-fault
 * error code (P, W, fetch; bit 33: during a walk of the guest's tables),
 * EXITINFO2 the guest physical address.
 */
static int svm_exit_npf(struct svm_vcpu *svm, struct axvcpu_run *run)
{
	u64 error = svm->vmcb->control.exit_info_1;
	u32 access = (error & NPF_FETCH) ? AXVCPU_ACCESS_EXEC :
		     (error & NPF_WRITE) ? AXVCPU_ACCESS_WRITE :
					   AXVCPU_ACCESS_READ;

	return x86_exit_stage2_fault(&svm->x86, run,
				     svm->vmcb->control.exit_info_2, access,
				     error & NPF_PRESENT,
				     !(error & (NPF_FETCH | NPF_GUEST_TABLES)));
}

/* An event the exit interrupted (EXITINTINFO) is delivered on the next entry. */
static void svm_requeue_event(struct svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	c->event_inj = 0;
	if (c->exit_int_info & SVM_EXITINTINFO_VALID) {
		c->event_inj = c->exit_int_info;
		c->event_inj_err = c->exit_int_info_err;
	}
}

/**
 * svm_handle_exit() - handle the #VMEXIT the VMCB describes
 * @svm: the vCPU, just out of the guest
 * @run: the run struct to fill for an exit to user space
 *
 * Return: AXVCPU_RUN_EXIT, AXVCPU_RUN_REENTER, or a negative errno.
 */
int svm_handle_exit(struct svm_vcpu *svm, struct axvcpu_run *run)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	u64 code = ((u64)c->exit_code_hi << 32) | c->exit_code;

	/* EXITCODE is 64 bits wide; QEMU writes VMEXIT_INVALID in the low half only. */
	if (c->exit_code == (u32)SVM_EXIT_ERR)
		code = SVM_EXIT_ERR;
	/* A refused entry keeps the event it was to deliver (svm_entry_refused). */
	if (code != SVM_EXIT_ERR)
		svm_requeue_event(svm);
	/* Any exit but the IRET's own comes after that IRET has run. */
	if (code != SVM_EXIT_IRET)
		svm->x86.nmi_after_iret = false;

	switch (code) {
	case SVM_EXIT_INTR:
		if (svm->x86.vcpu->flags & AXVCPU_VCPU_EXIT_ON_HOST_INTR) {
			/* SVM does not tell which vector it was. */
			run->exit_reason = AXVCPU_EXIT_EXTERNAL_INTERRUPT;
			run->external_interrupt.vector = 0;
			return AXVCPU_RUN_EXIT;
		}
		return AXVCPU_RUN_REENTER;
	case SVM_EXIT_PAUSE:
		/* PAUSE itself has not run: it does when the guest resumes. */
		axvcpu_vcpu_on_spin(svm->x86.vcpu);
		return AXVCPU_RUN_REENTER;
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		/* Taken by the host once GIF is set again. */
		return AXVCPU_RUN_REENTER;
	case SVM_EXIT_IRET:
		svm_nmi_iret(svm);
		return AXVCPU_RUN_REENTER;
	case SVM_EXIT_VMMCALL:
		x86_skip(&svm->x86, x86_insn_len(&svm->x86, 3));
		x86_exit_hypercall(&svm->x86, run);
		return AXVCPU_RUN_EXIT;
	case SVM_EXIT_HLT:
		x86_skip(&svm->x86, x86_insn_len(&svm->x86, 1));
		run->exit_reason = AXVCPU_EXIT_HALT;
		return AXVCPU_RUN_EXIT;
	case SVM_EXIT_IOIO:
		return svm_exit_ioio(svm, run);
	case SVM_EXIT_MSR:
		return x86_exit_rdwrmsr(&svm->x86, run,
					svm->vmcb->control.exit_info_1);
	case SVM_EXIT_NPF:
		return svm_exit_npf(svm, run);
	case SVM_EXIT_CPUID:
		x86_emulate_cpuid(&svm->x86, svm->vmcb->save.cr4);
		return x86_skip_insn(&svm->x86, 2);
	case SVM_EXIT_INVD:
		/* INVD would drop the host's dirty cache lines: do nothing. */
		return x86_skip_insn(&svm->x86, 2);
	case SVM_EXIT_WBINVD:
		/*
		 * WBINVD and WBNOINVD write back every cache of the socket:
		 * a guest could stall its neighbours at will. No device of
		 * the guest needs it (no DMA it is not coherent with): a
		 * no-op, as KVM makes it without assigned devices.
		 */
		return x86_skip_insn(&svm->x86, 2);
	case SVM_EXIT_RDPMC:
		/* No performance counters are offered: #GP, as with CR4.PCE off at CPL 3. */
		svm_inject_exception(svm, GP_VECTOR, true, 0);
		return AXVCPU_RUN_REENTER;
	case SVM_EXIT_RDPRU:
		/* The host's APERF/MPERF are not the guest's: hidden in CPUID, #UD. */
		svm_inject_exception(svm, UD_VECTOR, false, 0);
		return AXVCPU_RUN_REENTER;
	case SVM_EXIT_EXCP_BASE + MC_VECTOR:
		/* A machine check of the host, taken while the guest ran. */
		x86_machine_check();
		return AXVCPU_RUN_REENTER;
	case SVM_EXIT_XSETBV:
		return x86_exit_xsetbv(&svm->x86);
	case SVM_EXIT_WRITE_CR4:
		return x86_exit_write_cr4(&svm->x86);
	case SVM_EXIT_WRITE_CR8:
		return x86_exit_write_cr8(&svm->x86);
	case SVM_EXIT_READ_DR0 ... SVM_EXIT_WRITE_DR7:
		return x86_exit_mov_dr(&svm->x86);
	case SVM_EXIT_EXCP_BASE + DB_VECTOR:
		svm_inject_exception(svm, DB_VECTOR, false, 0);
		return AXVCPU_RUN_REENTER;
	case SVM_EXIT_EXCP_BASE + AC_VECTOR:
		svm_inject_exception(svm, AC_VECTOR, true, c->exit_info_1);
		return AXVCPU_RUN_REENTER;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
		/* The guest sees no SVM and no MONITOR/MWAIT in CPUID. */
		svm_inject_exception(svm, UD_VECTOR, false, 0);
		return AXVCPU_RUN_REENTER;
	case SVM_EXIT_SHUTDOWN:
		/* The event that faulted into the shutdown must not come back. */
		c->event_inj = 0;
		run->exit_reason = AXVCPU_EXIT_SYSTEM_DOWN;
		return AXVCPU_RUN_EXIT;
	default:
		/* VMEXIT_INVALID (-1): the VMCB state is illegal; or an exit we do not handle. */
		return svm_fail(run, code);
	}
}
