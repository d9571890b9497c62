// SPDX-License-Identifier: GPL-2.0
/*
 * Intercepted instructions both vendors complete the same way: the
 * instruction's length, RDMSR/WRMSR of the MSRs the module owns, MOV DRn,
 * MOV to CR4 and CR8, XSETBV, and a stage-2 fault that is an MMIO access.
 * A vendor file maps its exit code to one of these and answers the
 * questions in struct x86_vendor_ops (Jailhouse's vcpu.c has the same
 * split).
 */
#include <asm/mce.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include "x86.h"

const struct x86_vendor_ops *x86_vendor;

/**
 * x86_machine_check() - hand a #MC taken in guest mode to the host
 *
 * The exception intercept made it an exit: the host's handler runs as if
 * the machine check had arrived in user space, the way KVM hands it over.
 */
void x86_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = { .cs = 3, .flags = X86_EFLAGS_IF };

	do_machine_check(&regs);
#endif
}

static void x86_gp(struct x86_vcpu *xv)
{
	x86_vendor->inject_exception(xv, X86_TRAP_GP, true, 0);
}

static void x86_ud(struct x86_vcpu *xv)
{
	x86_vendor->inject_exception(xv, X86_TRAP_UD, false, 0);
}

/**
 * x86_read_insn() - the guest's execution mode and the bytes at its RIP
 * @xv: the vCPU
 * @bytes: 15 bytes
 * @len: how many could be read
 * @mode: the execution mode
 *
 * Leaves the registers it used in @xv->insn_regs.
 * Return: 0, or a negative errno when nothing could be read.
 */
int x86_read_insn(struct x86_vcpu *xv, u8 *bytes, unsigned int *len,
		  enum x86_cpu_mode *mode)
{
	struct axvcpu_x86_regs *regs = &xv->insn_regs;

	x86_vendor->get_regs(xv, regs);
	*mode = x86_cpu_mode(regs);
	return x86_fetch_insn(xv->vcpu->vm, regs, bytes, len);
}

/**
 * x86_insn_len() - the length of the intercepted instruction at RIP
 * @xv: the vCPU
 * @opcode_len: its length without prefixes
 *
 * The CPU's next RIP where it gives one (SVM next-RIP save, APM vol. 2,
 * 15.7.1; VMX exit instruction length), else the legacy and REX prefixes
 * counted in its bytes (a "66 0f a2" CPUID is three bytes, WBNOINVD is
 * F3 0F 09). When neither (the bytes cannot be read: a race with a
 * region's removal), the bare opcode's length.
 *
 * Return: the length in bytes.
 */
unsigned int x86_insn_len(struct x86_vcpu *xv, unsigned int opcode_len)
{
	u64 rip = x86_vendor->rip(xv), next = x86_vendor->next_rip(xv);
	enum x86_cpu_mode mode;
	unsigned int len, i;
	u8 bytes[15];

	if (next > rip && next - rip <= 15)
		return next - rip;
	if (x86_read_insn(xv, bytes, &len, &mode))
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

/**
 * x86_skip() - complete the intercepted instruction of @len bytes
 * @xv: the vCPU
 * @len: its length
 *
 * RIP moves past it and the interrupt shadow ends: the shadow of STI or
 * MOV SS covers the one instruction after it (SDM vol. 2B, STI; APM vol.
 * 2, 15.21.5); when that is the instruction completed here (STI; HLT),
 * the shadow ends with it. Left set, the next entry would hold an
 * interrupt back past the instruction after (STI; HLT; CLI would never
 * take the interrupt that ended the HLT).
 */
void x86_skip(struct x86_vcpu *xv, unsigned int len)
{
	x86_vendor->complete(xv, x86_vendor->rip(xv) + len);
}

/**
 * x86_skip_insn() - complete an instruction of @opcode_len bytes and prefixes
 * @xv: the vCPU
 * @opcode_len: its length without prefixes
 *
 * Return: AXVCPU_RUN_REENTER.
 */
int x86_skip_insn(struct x86_vcpu *xv, unsigned int opcode_len)
{
	x86_skip(xv, x86_insn_len(xv, opcode_len));
	return AXVCPU_RUN_REENTER;
}

/**
 * x86_exit_rdwrmsr() - an intercepted RDMSR or WRMSR
 * @xv: the vCPU
 * @run: the run struct, for an exit to user space
 * @write: WRMSR
 *
 * The MSRs the module owns (EFER and PAT, kept by the vendor where the
 * CPU loads them; TSC_AUX, x86_tsc_aux.c) are done here, with #GP(0) for
 * a value WRMSR would refuse; every other MSR is a SYSREG exit.
 *
 * Return: AXVCPU_RUN_EXIT or AXVCPU_RUN_REENTER.
 */
int x86_exit_rdwrmsr(struct x86_vcpu *xv, struct axvcpu_run *run, bool write)
{
	const struct x86_vendor_ops *v = x86_vendor;
	u32 msr = xv->gprs[X86_RCX];
	u64 value = (xv->gprs[X86_RDX] << 32) | (u32)xv->gprs[X86_RAX];
	u64 rip, efer;

	switch (msr) {
	case MSR_EFER:
		efer = v->get_ctl(xv, X86_CTL_EFER);
		if (write && (!x86_efer_valid(value) ||
			      !x86_long_mode_state_ok(value,
						      v->get_ctl(xv, X86_CTL_CR0),
						      v->get_ctl(xv, X86_CTL_CR4))))
			goto gp;
		/* LMA is the CPU's to set (SDM vol. 3, 10.8.5) */
		if (write)
			v->set_ctl(xv, X86_CTL_EFER,
				   (value & ~EFER_LMA) | (efer & EFER_LMA));
		else
			value = efer;
		break;
	case MSR_IA32_CR_PAT:
		if (write && !x86_pat_valid(value))
			goto gp;
		if (write)
			v->set_ctl(xv, X86_CTL_PAT, value);
		else
			value = v->get_ctl(xv, X86_CTL_PAT);
		break;
	case MSR_TSC_AUX:
		/* bits 63:32 are reserved (SDM vol. 4) */
		if (write && (value >> 32))
			goto gp;
		if (write)
			xv->tsc_aux = value;
		else
			value = xv->tsc_aux;
		break;
	default:
		rip = v->rip(xv);
		x86_skip(xv, x86_insn_len(xv, 2));
		x86_exit_msr(xv, run, write, rip);
		return AXVCPU_RUN_EXIT;
	}
	if (!write) {
		xv->gprs[X86_RAX] = (u32)value;
		xv->gprs[X86_RDX] = value >> 32;
	}
	return x86_skip_insn(xv, 2);

gp:
	/* A fault: RIP stays at the instruction. */
	x86_gp(xv);
	return AXVCPU_RUN_REENTER;
}

/**
 * x86_exit_mov_dr() - MOV to or from DRn, emulated against shadow values
 * @xv: the vCPU
 *
 * The debug registers are never loaded into the hardware: the guest's
 * breakpoints do not fire, and the host's stay the host's.
 *
 * Return: AXVCPU_RUN_REENTER.
 */
int x86_exit_mov_dr(struct x86_vcpu *xv)
{
	enum x86_cpu_mode mode;
	unsigned int got;
	u8 bytes[15], len;
	u64 *slot, mask;
	u32 gpr, dr;
	bool to_dr;
	int ret;

	ret = x86_read_insn(xv, bytes, &got, &mode);
	if (!ret)
		ret = x86_decode_mov_dr(bytes, got, mode, &gpr, &dr, &to_dr,
					&len);
	/* DR4/DR5 alias DR6/DR7 unless CR4.DE (then #UD, SDM vol. 3, 18.2.2). */
	if (!ret && (dr == 4 || dr == 5)) {
		if (xv->insn_regs.cr4 & X86_CR4_DE)
			ret = -EINVAL;
		else
			dr += 2;
	}
	if (ret) {
		x86_ud(xv);
		return AXVCPU_RUN_REENTER;
	}
	slot = dr < 4 ? &xv->dr[dr] : dr == 6 ? &xv->dr6 : &xv->dr7;
	mask = mode == X86_MODE_LONG64 ? ~0ULL : 0xffffffffULL;
	if (to_dr)
		*slot = xv->gprs[gpr] & mask;
	else
		xv->gprs[gpr] = *slot & mask;
	x86_skip(xv, len);
	return AXVCPU_RUN_REENTER;
}

/*
 * The value a MOV to control register @want at the guest's RIP writes,
 * and the instruction's length. Anything else there (the guest changed its
 * code under the exit) gets #UD: false.
 */
static bool x86_mov_to_cr_value(struct x86_vcpu *xv, u32 want, u64 *value,
				u8 *len)
{
	enum x86_cpu_mode mode;
	unsigned int got;
	u8 bytes[15];
	u32 gpr, cr;
	int ret;

	ret = x86_read_insn(xv, bytes, &got, &mode);
	if (!ret)
		ret = x86_decode_mov_to_cr(bytes, got, mode, &gpr, &cr, len);
	if (ret || cr != want) {
		x86_ud(xv);
		return false;
	}
	*value = xv->gprs[gpr];
	if (mode != X86_MODE_LONG64)
		*value = (u32)*value;
	return true;
}

/**
 * x86_exit_write_cr4() - MOV to CR4, checked before it reaches the CPU
 * @xv: the vCPU
 *
 * Intercepted to keep out the state x86_long_mode_state_ok() and
 * x86_cr4_write_ok() refuse: a guest-made state the next entry would fail
 * on is #GP(0) in the guest instead.
 *
 * Return: AXVCPU_RUN_REENTER.
 */
int x86_exit_write_cr4(struct x86_vcpu *xv)
{
	const struct x86_vendor_ops *v = x86_vendor;
	u64 value, efer = v->get_ctl(xv, X86_CTL_EFER);
	u8 len;

	if (!x86_mov_to_cr_value(xv, 4, &value, &len))
		return AXVCPU_RUN_REENTER;
	if (!x86_long_mode_state_ok(efer, v->get_ctl(xv, X86_CTL_CR0), value) ||
	    !x86_cr4_write_ok(v->get_ctl(xv, X86_CTL_CR4), value, efer,
			      v->get_ctl(xv, X86_CTL_CR3))) {
		x86_gp(xv);
		return AXVCPU_RUN_REENTER;
	}
	v->set_ctl(xv, X86_CTL_CR4, value);
	x86_skip(xv, len);
	return AXVCPU_RUN_REENTER;
}

/**
 * x86_exit_write_cr8() - MOV to CR8, the task priority
 * @xv: the vCPU
 *
 * Return: AXVCPU_RUN_REENTER.
 */
int x86_exit_write_cr8(struct x86_vcpu *xv)
{
	u64 value;
	u8 len;

	if (!x86_mov_to_cr_value(xv, 8, &value, &len))
		return AXVCPU_RUN_REENTER;
	/* bits 63:4 are reserved (SDM vol. 3, 11.8.6.1) */
	if (value & ~0xfULL) {
		x86_gp(xv);
		return AXVCPU_RUN_REENTER;
	}
	x86_vendor->set_ctl(xv, X86_CTL_TPR, value);
	x86_skip(xv, len);
	return AXVCPU_RUN_REENTER;
}

/**
 * x86_exit_xsetbv() - XSETBV: the guest's own XCR0
 * @xv: the vCPU
 *
 * A valid subset of the host's (SDM vol. 2C, XSETBV: #GP(0) for ECX other
 * than 0, CPL above 0 or a value it refuses).
 *
 * Return: AXVCPU_RUN_REENTER.
 */
int x86_exit_xsetbv(struct x86_vcpu *xv)
{
	u64 value = (xv->gprs[X86_RDX] << 32) | (u32)xv->gprs[X86_RAX];

	if ((u32)xv->gprs[X86_RCX] != 0 ||
	    x86_vendor->get_ctl(xv, X86_CTL_CPL) ||
	    !x86_fpu_xcr0_valid(value)) {
		x86_gp(xv);
		return AXVCPU_RUN_REENTER;
	}
	xv->xcr0 = value;
	return x86_skip_insn(xv, 3);
}

/* The faulting instruction: the CPU's copy, else guest memory's. */
static int x86_fault_insn(struct x86_vcpu *xv, u8 *bytes, unsigned int *len,
			  enum x86_cpu_mode *mode)
{
	if (x86_vendor->fault_insn && !x86_vendor->fault_insn(xv, bytes, len)) {
		x86_vendor->get_regs(xv, &xv->insn_regs);
		*mode = x86_cpu_mode(&xv->insn_regs);
		return 0;
	}
	return x86_read_insn(xv, bytes, len, mode);
}

/**
 * x86_exit_stage2_fault() - a guest access stage 2 did not allow
 * @xv: the vCPU
 * @run: the run struct
 * @gpa: the guest physical address
 * @access: AXVCPU_ACCESS_READ, _WRITE or _EXEC
 * @present: a permission fault on a mapping (a write to a read-only slot)
 * @data: a data access by an instruction (not a fetch, not a walk of the
 *	guest's own page tables)
 *
 * A data access outside every region is MMIO: the instruction is decoded
 * and completed as an MMIO exit (split where it straddles RAM). Anything
 * else is a NESTED_PAGE_FAULT exit with RIP at the instruction; a fault on
 * a region that is mapped again by now (a race with SET_MEMORY_REGION) is
 * retried.
 *
 * Return: AXVCPU_RUN_EXIT or AXVCPU_RUN_REENTER.
 */
int x86_exit_stage2_fault(struct x86_vcpu *xv, struct axvcpu_run *run,
			  u64 gpa, u32 access, bool present, bool data)
{
	struct axvcpu_vcpu *vcpu = xv->vcpu;
	struct x86_split split;
	enum x86_cpu_mode mode;
	struct x86_insn insn;
	unsigned int len;
	bool is_split, write;
	u8 bytes[15];
	int ret;

	run->nested_page_fault.addr = gpa;
	run->nested_page_fault.access = access;
	run->nested_page_fault.pad = 0;
	run->exit_reason = AXVCPU_EXIT_NESTED_PAGE_FAULT;

	if (present)
		return AXVCPU_RUN_EXIT;
	if (axvcpu_gpa_is_mapped(vcpu->vm, gpa))
		return AXVCPU_RUN_REENTER;
	if (!data)
		return AXVCPU_RUN_EXIT;

	ret = x86_fault_insn(xv, bytes, &len, &mode);
	if (!ret)
		ret = x86_decode_mmio(bytes, len, mode, &insn);
	/* Not an instruction the decoder knows: user space sees the raw fault. */
	write = access == AXVCPU_ACCESS_WRITE;
	if (ret || insn.is_write != write)
		return AXVCPU_RUN_EXIT;

	/* xv->insn_regs still has RIP at the instruction */
	is_split = x86_mmio_split(vcpu->vm, &xv->insn_regs, mode, &insn, gpa,
				  &split);
	x86_skip(xv, insn.len);
	x86_exit_mmio(xv, run, gpa, &insn, is_split ? &split : NULL);
	return AXVCPU_RUN_EXIT;
}
