// SPDX-License-Identifier: GPL-2.0
/*
 * SVM exit handling: map each #VMEXIT code (APM vol. 2, appendix C) to an
 * axvcpu exit for user space, or handle it in the kernel and re-enter.
 * Where the CPU has next-RIP saving and decode assists (real AMD CPUs,
 * Bochs's AMD models), the next RIP and a nested page fault's instruction
 * bytes come from the VMCB; QEMU's SVM has neither, so they come from
 * decoding the guest's instruction in memory here.
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

/*
 * Complete an intercepted instruction: RIP past it, and the interrupt
 * shadow gone. The shadow of STI or MOV SS covers the one instruction
 * after it (SDM vol. 2B, STI; APM vol. 2, 15.21.5); when that instruction
 * is the one completed here (STI; HLT), the shadow ends with it. Left set,
 * the next entry would hold an interrupt back past the instruction after
 * (STI; HLT; CLI never takes the interrupt that ended the HLT).
 */
static void svm_set_next_rip(struct svm_vcpu *svm, u64 rip)
{
	svm->vmcb->save.rip = rip;
	svm->vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
}

static void svm_skip(struct svm_vcpu *svm, unsigned int len)
{
	svm_set_next_rip(svm, svm->vmcb->save.rip + len);
}

/* The guest's execution mode and the bytes of the instruction at its RIP. */
static int svm_read_insn(struct svm_vcpu *svm, u8 *bytes, unsigned int *len,
			 enum x86_cpu_mode *mode);

/*
 * The length of the intercepted instruction at RIP, @opcode_len bytes
 * without prefixes: the next RIP the CPU saved when it has next-RIP saving
 * (APM vol. 2, 15.7.1), else the legacy and REX prefixes counted in its
 * bytes (a "66 0f a2" CPUID is three bytes, WBNOINVD is F3 0F 09).
 * Without either (the bytes cannot be read: a race with a region's
 * removal), the bare opcode's length.
 */
static unsigned int svm_insn_len(struct svm_vcpu *svm, unsigned int opcode_len)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	u64 rip = svm->vmcb->save.rip;
	enum x86_cpu_mode mode;
	unsigned int len, i;
	u8 bytes[15];

	if (c->next_rip > rip && c->next_rip - rip <= 15)
		return c->next_rip - rip;
	if (svm_read_insn(svm, bytes, &len, &mode))
		return opcode_len;
	for (i = 0; i < len && i < 14; i++) {
		switch (bytes[i]) {
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64:
		case 0x65: case 0x66: case 0x67: case 0xf2: case 0xf3:
			continue;
		}
		if (mode == X86_MODE_LONG64 && (bytes[i] & 0xf0) == 0x40)
			continue;	/* REX */
		break;
	}
	return i + opcode_len;
}

/* Complete an intercepted instruction of @opcode_len bytes and prefixes. */
static int svm_skip_insn(struct svm_vcpu *svm, unsigned int opcode_len)
{
	svm_skip(svm, svm_insn_len(svm, opcode_len));
	return AXVCPU_RUN_REENTER;
}

/*
 * The host's machine check handler, for a #MC taken in guest mode (the
 * exception intercept makes it an exit): as if it had arrived in user
 * space, the way KVM hands it over.
 */
static void svm_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = { .cs = 3, .flags = X86_EFLAGS_IF };

	do_machine_check(&regs);
#endif
}

void svm_inject_exception(struct svm_vcpu *svm, unsigned int vector,
			  bool has_error, u32 error)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	c->event_inj = vector | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID |
		       (has_error ? SVM_EVTINJ_VALID_ERR : 0);
	c->event_inj_err = error;
}

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
	svm_set_next_rip(svm, svm->vmcb->control.exit_info_2);
	x86_exit_io(&svm->x86, run, info >> 16, width, info & IOIO_IN);
	return AXVCPU_RUN_EXIT;
}

static int svm_exit_msr(struct svm_vcpu *svm, struct axvcpu_run *run)
{
	struct x86_vcpu *xv = &svm->x86;
	struct vmcb_save_area *s = &svm->vmcb->save;
	bool write = svm->vmcb->control.exit_info_1;
	u32 msr = xv->gprs[X86_RCX];
	u64 value = (xv->gprs[X86_RDX] << 32) | (u32)xv->gprs[X86_RAX];
	u64 rip;

	/* The MSRs the module owns: EFER and PAT live in the VMCB. */
	switch (msr) {
	case MSR_EFER:
		if (write && (!x86_efer_valid(value) ||
			      !x86_long_mode_state_ok(value, s->cr0, s->cr4)))
			goto gp;
		if (write)
			s->efer = (value & ~EFER_LMA) | (s->efer & EFER_LMA) |
				  EFER_SVME;
		else
			value = s->efer & ~EFER_SVME;
		break;
	case MSR_IA32_CR_PAT:
		if (write && !x86_pat_valid(value))
			goto gp;
		if (write)
			s->g_pat = value;
		else
			value = s->g_pat;
		break;
	case MSR_TSC_AUX:
		/* x86_tsc_aux.c; bits 63:32 are reserved (SDM vol. 4) */
		if (write && (value >> 32))
			goto gp;
		if (write)
			xv->tsc_aux = value;
		else
			value = xv->tsc_aux;
		break;
	default:
		rip = s->rip;
		svm_skip(svm, svm_insn_len(svm, 2));
		x86_exit_msr(xv, run, write, rip);
		return AXVCPU_RUN_EXIT;
	}
	if (!write) {
		xv->gprs[X86_RAX] = (u32)value;
		xv->gprs[X86_RDX] = value >> 32;
	}
	return svm_skip_insn(svm, 2);

gp:
	/* A fault: RIP stays at the WRMSR. */
	svm_inject_exception(svm, GP_VECTOR, true, 0);
	return AXVCPU_RUN_REENTER;
}

static u32 svm_npf_access(u64 error)
{
	if (error & NPF_FETCH)
		return AXVCPU_ACCESS_EXEC;
	return (error & NPF_WRITE) ? AXVCPU_ACCESS_WRITE : AXVCPU_ACCESS_READ;
}

static int svm_read_insn(struct svm_vcpu *svm, u8 *bytes, unsigned int *len,
			 enum x86_cpu_mode *mode)
{
	struct axvcpu_x86_regs *regs = &svm->insn_regs;

	svm_get_x86_regs(svm, regs);
	*mode = x86_cpu_mode(regs);
	return x86_fetch_insn(svm->x86.vcpu->vm, regs, bytes, len);
}

/*
 * The instruction of a nested page fault: the bytes the CPU fetched
 * itself when it has decode assists (APM vol. 2, 15.8, "Decode Assists":
 * the number fetched in bits 3:0 of the instruction-length byte, 0 when
 * none could be), else read from guest memory here.
 */
static int svm_npf_insn(struct svm_vcpu *svm, u8 *bytes, unsigned int *len,
			enum x86_cpu_mode *mode)
{
	const struct vmcb_control_area *c = &svm->vmcb->control;
	unsigned int n = c->insn_len & 0xf;

	if (!boot_cpu_has(X86_FEATURE_DECODEASSISTS) || !n)
		return svm_read_insn(svm, bytes, len, mode);
	svm_get_x86_regs(svm, &svm->insn_regs);
	*mode = x86_cpu_mode(&svm->insn_regs);
	memcpy(bytes, c->insn_bytes, n);
	*len = n;
	return 0;
}

static int svm_exit_npf(struct svm_vcpu *svm, struct axvcpu_run *run)
{
	struct axvcpu_vcpu *vcpu = svm->x86.vcpu;
	u64 error = svm->vmcb->control.exit_info_1;
	u64 gpa = svm->vmcb->control.exit_info_2;
	struct x86_split split;
	enum x86_cpu_mode mode;
	struct x86_insn insn;
	unsigned int len;
	bool is_split;
	u8 bytes[15];
	int ret;

	run->nested_page_fault.addr = gpa;
	run->nested_page_fault.access = svm_npf_access(error);
	run->nested_page_fault.pad = 0;
	run->exit_reason = AXVCPU_EXIT_NESTED_PAGE_FAULT;

	/* A permission fault on a region (a write to a read-only slot). */
	if (error & NPF_PRESENT)
		return AXVCPU_RUN_EXIT;
	/* A region that is there now (a race with SET_MEMORY_REGION): retry. */
	if (axvcpu_gpa_is_mapped(vcpu->vm, gpa))
		return AXVCPU_RUN_REENTER;
	/* MMIO is a data access by an instruction, not a fetch or a table walk. */
	if (error & (NPF_FETCH | NPF_GUEST_TABLES))
		return AXVCPU_RUN_EXIT;

	ret = svm_npf_insn(svm, bytes, &len, &mode);
	if (!ret)
		ret = x86_decode_mmio(bytes, len, mode, &insn);
	/* Not an instruction the decoder knows: user space sees the raw fault. */
	if (ret || insn.is_write != !!(error & NPF_WRITE))
		return AXVCPU_RUN_EXIT;

	/* svm->insn_regs still has RIP at the instruction */
	is_split = x86_mmio_split(vcpu->vm, &svm->insn_regs, mode, &insn, gpa,
				  &split);
	svm_skip(svm, insn.len);
	x86_exit_mmio(&svm->x86, run, gpa, &insn, is_split ? &split : NULL);
	return AXVCPU_RUN_EXIT;
}

/* MOV to/from DRn: emulated against shadow values, never loaded. */
static int svm_exit_dr(struct svm_vcpu *svm)
{
	enum x86_cpu_mode mode;
	unsigned int got;
	u8 bytes[15], len;
	u64 *slot, mask;
	u32 gpr, dr;
	bool to_dr;
	int ret;

	ret = svm_read_insn(svm, bytes, &got, &mode);
	if (!ret)
		ret = x86_decode_mov_dr(bytes, got, mode, &gpr, &dr, &to_dr,
					&len);
	/* DR4/DR5 alias DR6/DR7 unless CR4.DE (then #UD, SDM vol. 3, 18.2.2). */
	if (!ret && (dr == 4 || dr == 5)) {
		if (svm->vmcb->save.cr4 & X86_CR4_DE)
			ret = -EINVAL;
		else
			dr += 2;
	}
	if (ret) {
		svm_inject_exception(svm, UD_VECTOR, false, 0);
		return AXVCPU_RUN_REENTER;
	}
	slot = dr < 4 ? &svm->x86.dr[dr] : dr == 6 ? &svm->dr6 : &svm->dr7;
	mask = mode == X86_MODE_LONG64 ? ~0ULL : 0xffffffffULL;
	if (to_dr)
		*slot = svm->x86.gprs[gpr] & mask;
	else
		svm->x86.gprs[gpr] = *slot & mask;
	svm_skip(svm, len);
	return AXVCPU_RUN_REENTER;
}

/*
 * The value a MOV to control register @want at the guest's RIP writes,
 * and the instruction's length. Anything else there (the guest changed its
 * code under the exit) gets #UD: false.
 */
static bool svm_mov_to_cr_value(struct svm_vcpu *svm, u32 want, u64 *value,
				u8 *len)
{
	enum x86_cpu_mode mode;
	unsigned int got;
	u8 bytes[15];
	u32 gpr, cr;
	int ret;

	ret = svm_read_insn(svm, bytes, &got, &mode);
	if (!ret)
		ret = x86_decode_mov_to_cr(bytes, got, mode, &gpr, &cr, len);
	if (ret || cr != want) {
		svm_inject_exception(svm, UD_VECTOR, false, 0);
		return false;
	}
	*value = svm->x86.gprs[gpr];
	if (mode != X86_MODE_LONG64)
		*value = (u32)*value;
	return true;
}

/* MOV to CR4: intercepted only to keep out the state x86_long_mode_state_ok() refuses. */
static int svm_exit_write_cr4(struct svm_vcpu *svm)
{
	struct vmcb_save_area *s = &svm->vmcb->save;
	u64 value;
	u8 len;

	if (!svm_mov_to_cr_value(svm, 4, &value, &len))
		return AXVCPU_RUN_REENTER;
	if (!x86_long_mode_state_ok(s->efer, s->cr0, value) ||
	    !x86_cr4_write_ok(s->cr4, value, s->efer, s->cr3)) {
		svm_inject_exception(svm, GP_VECTOR, true, 0);
		return AXVCPU_RUN_REENTER;
	}
	s->cr4 = value;
	/* CR4 changes paging: the guest's TLB goes with a fresh ASID. */
	svm->asid_gen = 0;
	svm_skip(svm, len);
	return AXVCPU_RUN_REENTER;
}

/*
 * MOV to CR8 (the task priority, V_TPR under V_INTR_MASKING): done here
 * rather than by the CPU. QEMU 7.2's SVM raises the virtual interrupt of a
 * CR8 write without the lock its TCG needs and aborts the whole emulated
 * machine when one is pending; intercepted, the write never gets there.
 * On hardware it costs an exit per CR8 write, which only guests that use
 * CR8 as their interrupt level (64-bit Windows) do often.
 */
static int svm_exit_write_cr8(struct svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	u64 value;
	u8 len;

	if (!svm_mov_to_cr_value(svm, 8, &value, &len))
		return AXVCPU_RUN_REENTER;
	if (value & ~(u64)V_TPR_MASK) {
		svm_inject_exception(svm, GP_VECTOR, true, 0);
		return AXVCPU_RUN_REENTER;
	}
	c->int_ctl = (c->int_ctl & ~V_TPR_MASK) | value;
	svm_skip(svm, len);
	return AXVCPU_RUN_REENTER;
}

/*
 * XSETBV: the guest's own XCR0, a valid subset of the host's (SDM vol. 2C,
 * XSETBV: #GP(0) for ECX other than 0, CPL above 0 or a value it refuses).
 */
static int svm_exit_xsetbv(struct svm_vcpu *svm)
{
	u64 value = (svm->x86.gprs[X86_RDX] << 32) |
		    (u32)svm->x86.gprs[X86_RAX];

	if ((u32)svm->x86.gprs[X86_RCX] != 0 || svm->vmcb->save.cpl ||
	    !x86_fpu_xcr0_valid(value)) {
		svm_inject_exception(svm, GP_VECTOR, true, 0);
		return AXVCPU_RUN_REENTER;
	}
	svm->x86.xcr0 = value;
	svm_skip(svm, svm_insn_len(svm, 3));
	return AXVCPU_RUN_REENTER;
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
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		/* Taken by the host once GIF is set again. */
		return AXVCPU_RUN_REENTER;
	case SVM_EXIT_IRET:
		svm_nmi_iret(svm);
		return AXVCPU_RUN_REENTER;
	case SVM_EXIT_VMMCALL:
		svm_skip(svm, svm_insn_len(svm, 3));
		x86_exit_hypercall(&svm->x86, run);
		return AXVCPU_RUN_EXIT;
	case SVM_EXIT_HLT:
		svm_skip(svm, svm_insn_len(svm, 1));
		run->exit_reason = AXVCPU_EXIT_HALT;
		return AXVCPU_RUN_EXIT;
	case SVM_EXIT_IOIO:
		return svm_exit_ioio(svm, run);
	case SVM_EXIT_MSR:
		return svm_exit_msr(svm, run);
	case SVM_EXIT_NPF:
		return svm_exit_npf(svm, run);
	case SVM_EXIT_CPUID:
		x86_emulate_cpuid(&svm->x86, svm->vmcb->save.cr4);
		return svm_skip_insn(svm, 2);
	case SVM_EXIT_INVD:
		/* INVD would drop the host's dirty cache lines: do nothing. */
		return svm_skip_insn(svm, 2);
	case SVM_EXIT_WBINVD:
		/*
		 * WBINVD and WBNOINVD write back every cache of the socket:
		 * a guest could stall its neighbours at will. No device of
		 * the guest needs it (no DMA it is not coherent with): a
		 * no-op, as KVM makes it without assigned devices.
		 */
		return svm_skip_insn(svm, 2);
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
		svm_machine_check();
		return AXVCPU_RUN_REENTER;
	case SVM_EXIT_XSETBV:
		return svm_exit_xsetbv(svm);
	case SVM_EXIT_WRITE_CR4:
		return svm_exit_write_cr4(svm);
	case SVM_EXIT_WRITE_CR8:
		return svm_exit_write_cr8(svm);
	case SVM_EXIT_READ_DR0 ... SVM_EXIT_WRITE_DR7:
		return svm_exit_dr(svm);
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
