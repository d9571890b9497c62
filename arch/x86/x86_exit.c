// SPDX-License-Identifier: GPL-2.0
/*
 * Exit handling shared by the x86 vendors: GPR access with x86's partial
 * register rules, filling the run struct for port I/O, hypercalls, MSRs
 * and MMIO, completing reads on the next RUN, CPUID, and the queue of
 * injected interrupts.
 */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include "x86.h"

/**
 * x86_read_reg() - read a register operand of @width bytes
 * @xv: the vCPU
 * @reg: enum x86_gpr, or AXVCPU_X86_REG_AH..BH
 * @width: 1, 2, 4 or 8
 *
 * Return: the value, zero-extended.
 */
u64 x86_read_reg(const struct x86_vcpu *xv, u32 reg, unsigned int width)
{
	u64 v;

	if (reg >= AXVCPU_X86_REG_AH && reg <= AXVCPU_X86_REG_BH)
		return (xv->gprs[reg - AXVCPU_X86_REG_AH] >> 8) & 0xff;
	v = xv->gprs[reg & 15];
	return width == 8 ? v : v & GENMASK_ULL(width * 8 - 1, 0);
}

/**
 * x86_write_reg() - write a register operand of @width bytes
 * @xv: the vCPU
 * @reg: enum x86_gpr, or AXVCPU_X86_REG_AH..BH
 * @width: 1, 2, 4 or 8
 * @value: the value
 *
 * 8- and 16-bit writes keep the other bits, 32-bit writes zero the upper
 * half (SDM vol. 1, 3.4.1.1).
 */
void x86_write_reg(struct x86_vcpu *xv, u32 reg, unsigned int width,
		   u64 value)
{
	u64 *r, mask;

	if (reg >= AXVCPU_X86_REG_AH && reg <= AXVCPU_X86_REG_BH) {
		r = &xv->gprs[reg - AXVCPU_X86_REG_AH];
		*r = (*r & ~0xff00ULL) | ((value & 0xff) << 8);
		return;
	}
	r = &xv->gprs[reg & 15];
	if (width >= 4) {
		*r = width == 8 ? value : (u32)value;
		return;
	}
	mask = GENMASK_ULL(width * 8 - 1, 0);
	*r = (*r & ~mask) | (value & mask);
}

static void x86_set_pending(struct x86_vcpu *xv, u32 reason, u32 reg,
			    u8 width, u8 reg_width, bool sign_ext)
{
	xv->pending.reason = reason;
	xv->pending.reg = reg;
	xv->pending.width = width;
	xv->pending.reg_width = reg_width;
	xv->pending.sign_ext = sign_ext;
}

/**
 * x86_exit_io() - an IN or OUT exit to user space
 * @xv: the vCPU, RIP already past the instruction
 * @run: the run struct
 * @port: the port
 * @width: 1, 2 or 4
 * @in: IN (a read completed on the next RUN into AL/AX/EAX)
 */
void x86_exit_io(struct x86_vcpu *xv, struct axvcpu_run *run, u16 port,
		 unsigned int width, bool in)
{
	run->exit_reason = in ? AXVCPU_EXIT_IO_READ : AXVCPU_EXIT_IO_WRITE;
	run->io.port = port;
	run->io.pad = 0;
	run->io.width = width;
	run->io.data = in ? 0 : x86_read_reg(xv, X86_RAX, width);
	if (in)
		x86_set_pending(xv, AXVCPU_EXIT_IO_READ, X86_RAX, width, width,
				false);
}

/**
 * x86_exit_hypercall() - a hypercall exit (VMCALL/VMMCALL)
 * @xv: the vCPU, RIP already past the instruction
 * @run: the run struct
 *
 * nr in RAX, arguments in RDI, RSI, RDX, R10, R8, R9 (the Linux system
 * call convention); the next RUN puts hypercall.ret in RAX.
 */
void x86_exit_hypercall(struct x86_vcpu *xv, struct axvcpu_run *run)
{
	static const u8 argregs[6] = { X86_RDI, X86_RSI, X86_RDX, X86_R10,
				       X86_R8, X86_R9 };
	unsigned int i;

	run->exit_reason = AXVCPU_EXIT_HYPERCALL;
	run->hypercall.nr = xv->gprs[X86_RAX];
	for (i = 0; i < ARRAY_SIZE(argregs); i++)
		run->hypercall.args[i] = xv->gprs[argregs[i]];
	run->hypercall.ret = 0;
	/* One return register (RAX) and no function field on x86. */
	memset(run->hypercall.ret_extra, 0, sizeof(run->hypercall.ret_extra));
	run->hypercall.func = 0;
	x86_set_pending(xv, AXVCPU_EXIT_HYPERCALL, X86_RAX, 8, 8, false);
}

/**
 * x86_exit_msr() - an RDMSR/WRMSR exit to user space
 * @xv: the vCPU, RIP already past the instruction
 * @run: the run struct
 * @write: WRMSR (value = EDX:EAX); else RDMSR, completed into EDX:EAX
 * @insn_rip: RIP of the instruction, for a fault completion
 */
void x86_exit_msr(struct x86_vcpu *xv, struct axvcpu_run *run, bool write,
		  u64 insn_rip)
{
	run->sysreg.addr = (u32)xv->gprs[X86_RCX];
	run->sysreg.reg = X86_RAX;
	run->sysreg.pad = 0;
	if (write) {
		run->exit_reason = AXVCPU_EXIT_SYSREG_WRITE;
		run->sysreg.value = (xv->gprs[X86_RDX] << 32) |
				    (u32)xv->gprs[X86_RAX];
		/* Nothing to complete but, if user space says so, a fault. */
		x86_set_pending(xv, AXVCPU_EXIT_SYSREG_WRITE, X86_RAX, 8, 8,
				false);
	} else {
		run->exit_reason = AXVCPU_EXIT_SYSREG_READ;
		run->sysreg.value = 0;
		x86_set_pending(xv, AXVCPU_EXIT_SYSREG_READ, X86_RAX, 8, 8,
				false);
	}
	xv->pending.insn_rip = insn_rip;
}

/**
 * x86_pending_can_fault() - may the pending completion be a fault?
 * @xv: the vCPU
 *
 * Return: true after an RDMSR or WRMSR exit not completed yet.
 */
bool x86_pending_can_fault(const struct x86_vcpu *xv)
{
	return xv->pending.reason == AXVCPU_EXIT_SYSREG_READ ||
	       xv->pending.reason == AXVCPU_EXIT_SYSREG_WRITE;
}

/* Bytes [@off, @off + @len) of the little-endian value @v. */
static u64 x86_bytes(u64 v, unsigned int off, unsigned int len)
{
	v >>= off * 8;
	return len >= 8 ? v : v & GENMASK_ULL(len * 8 - 1, 0);
}

/*
 * The RAM part of a split access (x86_mmio_split()): a store writes its
 * bytes there now, a load reads them for x86_complete() to merge.
 * Return: false when that part cannot be accessed (a read-only region for
 * a store, or the region went away): then the access is not split.
 */
static bool x86_split_ram(struct x86_vcpu *xv, const struct x86_split *split,
			  bool is_write, u64 value)
{
	struct axvcpu_vm *vm = xv->vcpu->vm;
	u64 bytes = 0;

	if (is_write) {
		bytes = x86_bytes(value, split->ram_off, split->ram_len);
		return !axvcpu_write_guest(vm, split->ram_gpa, &bytes,
					   split->ram_len);
	}
	if (axvcpu_read_guest(vm, split->ram_gpa, &bytes, split->ram_len))
		return false;
	xv->pending.ram_bytes = bytes << (split->ram_off * 8);
	return true;
}

/**
 * x86_exit_mmio() - a decoded MMIO access exit to user space
 * @xv: the vCPU, RIP already past the instruction
 * @run: the run struct
 * @gpa: the guest physical address accessed
 * @insn: the decoded instruction
 * @split: for an access that is part RAM, its parts (x86_mmio_split());
 *	NULL when the whole access is MMIO
 *
 * A split access is done in RAM for its bytes there; user space sees only
 * the others: mmio.addr and mmio.width are theirs, mmio.data holds them in
 * its low bytes (Documentation/api.rst, "mmio").
 */
void x86_exit_mmio(struct x86_vcpu *xv, struct axvcpu_run *run, u64 gpa,
		   const struct x86_insn *insn, const struct x86_split *split)
{
	u64 value = 0;

	if (insn->is_write)
		value = insn->reg == AXVCPU_REG_NONE ? insn->imm :
			x86_read_reg(xv, insn->reg, insn->width);
	xv->pending.mmio_len = 0;
	if (split && !x86_split_ram(xv, split, insn->is_write, value))
		split = NULL;

	run->mmio.addr = split ? split->mmio_gpa : gpa;
	run->mmio.width = split ? split->mmio_len : insn->width;
	run->mmio.reg = insn->reg;
	run->mmio.reg_width = insn->is_write ? 0 : insn->reg_width;
	run->mmio.sign_ext = insn->sign_ext;
	if (insn->is_write) {
		run->exit_reason = AXVCPU_EXIT_MMIO_WRITE;
		run->mmio.data = split ? x86_bytes(value, split->mmio_off,
						   split->mmio_len) : value;
	} else {
		run->exit_reason = AXVCPU_EXIT_MMIO_READ;
		run->mmio.data = 0;
		x86_set_pending(xv, AXVCPU_EXIT_MMIO_READ, insn->reg,
				insn->width, insn->reg_width, insn->sign_ext);
		if (split) {
			xv->pending.mmio_len = split->mmio_len;
			xv->pending.mmio_off = split->mmio_off;
		}
	}
}

/**
 * x86_complete() - apply the pending read's value from the run struct
 * @xv: the vCPU
 * @run: the run struct user space filled in
 */
void x86_complete(struct x86_vcpu *xv, const struct axvcpu_run *run)
{
	struct x86_pending_read *p = &xv->pending;
	u64 v;

	switch (p->reason) {
	case AXVCPU_EXIT_IO_READ:
		x86_write_reg(xv, X86_RAX, p->width, READ_ONCE(run->io.data));
		break;
	case AXVCPU_EXIT_MMIO_READ:
		v = READ_ONCE(run->mmio.data);
		/* a split read: user space's bytes go around the RAM's */
		if (p->mmio_len)
			v = x86_bytes(v, 0, p->mmio_len) << (p->mmio_off * 8) |
			    p->ram_bytes;
		if (p->width < 8) {
			v &= GENMASK_ULL(p->width * 8 - 1, 0);
			if (p->sign_ext)
				v = sign_extend64(v, p->width * 8 - 1);
		}
		x86_write_reg(xv, p->reg, p->reg_width, v);
		break;
	case AXVCPU_EXIT_SYSREG_READ:
		v = READ_ONCE(run->sysreg.value);
		xv->gprs[X86_RAX] = (u32)v;
		xv->gprs[X86_RDX] = v >> 32;
		break;
	case AXVCPU_EXIT_HYPERCALL:
		xv->gprs[X86_RAX] = READ_ONCE(run->hypercall.ret);
		break;
	}
	p->reason = AXVCPU_EXIT_NOTHING;
}

/**
 * x86_efer_valid() - may the guest's EFER hold @efer?
 * @efer: the value (SVME may be set: the backend owns that bit)
 *
 * Only SCE, LME, LMA and NXE are offered. Reserved or unsupported bits are
 * refused before they reach the hardware: under QEMU's SVM, a VMRUN with
 * such an EFER did not fail cleanly but left the host CPU in a broken state.
 *
 * Return: true when every set bit is offered.
 */
bool x86_efer_valid(u64 efer)
{
	return !(efer & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX |
			       EFER_SVME));
}

/**
 * x86_long_mode_state_ok() - is this EFER/CR0/CR4 combination one we run?
 * @efer: guest EFER
 * @cr0: guest CR0
 * @cr4: guest CR4
 *
 * EFER.LME with paging off and CR4.PAE clear is legal on hardware, but
 * QEMU's SVM restores the host's CR0 on #VMEXIT before its CR4 and, seeing
 * LME without PAE, leaves the host running with the guest's CR0: the host
 * CPU is lost. No OS needs the state (the SDM's sequence sets PAE before
 * LME), so the backend refuses it: #GP for the guest's WRMSR or MOV CR4,
 * EINVAL for SET_REGS.
 *
 * Return: false for LME set, PG clear and PAE clear.
 */
bool x86_long_mode_state_ok(u64 efer, u64 cr0, u64 cr4)
{
	return !(efer & EFER_LME) || (cr0 & X86_CR0_PG) || (cr4 & X86_CR4_PAE);
}

/* The CR4 bits this host's CPU does not have, or the guest may not use. */
static u64 x86_cr4_reserved(void)
{
	/* 15 and 25 on reserved; SMX, KL (19), CET, PKS (24) never offered */
	u64 r = ~(BIT_ULL(25) - 1) | BIT_ULL(15) | X86_CR4_VMXE |
		X86_CR4_SMXE | BIT_ULL(19) | X86_CR4_CET | BIT_ULL(24);

	if (!boot_cpu_has(X86_FEATURE_UMIP))
		r |= X86_CR4_UMIP;
	if (!boot_cpu_has(X86_FEATURE_LA57))
		r |= X86_CR4_LA57;
	if (!boot_cpu_has(X86_FEATURE_FSGSBASE))
		r |= X86_CR4_FSGSBASE;
	if (!boot_cpu_has(X86_FEATURE_PCID))
		r |= X86_CR4_PCIDE;
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		r |= X86_CR4_OSXSAVE;
	if (!boot_cpu_has(X86_FEATURE_SMEP))
		r |= X86_CR4_SMEP;
	if (!boot_cpu_has(X86_FEATURE_SMAP))
		r |= X86_CR4_SMAP;
	if (!boot_cpu_has(X86_FEATURE_PKU))
		r |= X86_CR4_PKE;
	return r;
}

/**
 * x86_cr4_write_ok() - may the guest's MOV to CR4 write @cr4?
 * @old: CR4 before the write
 * @cr4: the value written
 * @efer: the guest's EFER
 * @cr3: the guest's CR3
 *
 * The #GP(0) conditions of MOV to CR4 (SDM vol. 2B, MOV—Move to/from
 * Control Registers; vol. 3A, 4.5 for LA57, 4.10.1 for PCIDE): a reserved
 * bit (or a feature this CPU lacks, or one the guest is never offered:
 * VMX, SMX, CET, key locker, supervisor keys); in IA-32e mode, PAE
 * cleared or LA57 changed; PCIDE set outside IA-32e mode or with CR3's
 * bits 11:0 not zero. Checked here because the write is intercepted before
 * the CPU's own checks (QEMU's SVM checks the intercept first), and a CR4
 * the CPU would refuse must never reach the VMCB: the next VMRUN would
 * fail.
 *
 * Return: true if the write is legal.
 */
bool x86_cr4_write_ok(u64 old, u64 cr4, u64 efer, u64 cr3)
{
	if (cr4 & x86_cr4_reserved())
		return false;
	if ((efer & EFER_LMA) &&
	    (!(cr4 & X86_CR4_PAE) || ((cr4 ^ old) & X86_CR4_LA57)))
		return false;
	if ((cr4 & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	    (!(efer & EFER_LMA) || (cr3 & 0xfff)))
		return false;
	return true;
}

/**
 * x86_tr_valid() - may the hidden part of TR hold @attrib with @efer?
 * @attrib: packed attributes (type 3:0, S 4, DPL 6:5, P 7, ...)
 * @efer: the guest EFER that goes with it
 *
 * TR must be a present system descriptor of a TSS: type 1 or 3 (16-bit,
 * available or busy) or 9 or 11 (32-bit), only 9 or 11 with EFER.LMA (the
 * rules VMX checks at entry, SDM vol. 3, 27.3.1.2). The guest itself can
 * only load such a TR (LTR and task switches check it); SET_REGS could
 * give another, with which QEMU's TCG aborts the whole emulated machine
 * ("invalid tss") on the first interrupt that switches stacks.
 *
 * Return: true for a TR the guest may run with.
 */
bool x86_tr_valid(u16 attrib, u64 efer)
{
	u8 type = attrib & 0xf;

	if (!(attrib & BIT(7)) || (attrib & BIT(4)))
		return false;
	if (efer & EFER_LMA)
		return type == 9 || type == 11;
	return (type & 5) == 1;
}

/**
 * x86_segs_valid() - do the segments of a register file use only the
 *	attribute bits the ABI defines?
 * @regs: the register file from SET_REGS
 *
 * Return: false when a segment has any of attrib's bits 15:12 set.
 */
bool x86_segs_valid(const struct axvcpu_x86_regs *regs)
{
	const struct axvcpu_x86_segment *segs[] = {
		&regs->cs, &regs->ds, &regs->es, &regs->fs, &regs->gs,
		&regs->ss, &regs->tr, &regs->ldtr,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(segs); i++)
		if (segs[i]->attrib & 0xf000)
			return false;
	return true;
}

/**
 * x86_pat_valid() - is @pat a valid IA32_PAT value?
 * @pat: eight memory types, one a byte
 *
 * Return: true when every byte is UC, WC, WT, WP, WB or UC- (SDM vol. 3,
 * 11.12.2); other values make WRMSR raise #GP.
 */
bool x86_pat_valid(u64 pat)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (i * 8);

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

/**
 * x86_inject_interrupt() - queue an external interrupt vector
 * @xv: the vCPU (any thread, no lock)
 * @vector: 32..255
 *
 * Return: 0, or -EINVAL for a vector the guest cannot take as an interrupt.
 */
int x86_inject_interrupt(struct x86_vcpu *xv, u32 vector)
{
	if (vector < 32 || vector > 255)
		return -EINVAL;
	set_bit(vector, xv->pending_irqs);
	return 0;
}

/* Vectors that exist (SDM vol. 3, 6.3.1: 9, 15, 22-27 and 31 are reserved). */
#define X86_EXC_VALID	((GENMASK(8, 0) & ~BIT(2)) | GENMASK(14, 10) | \
			 GENMASK(21, 16) | GENMASK(30, 28))
/* Those that push an error code (#DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX). */
#define X86_EXC_ERROR	(BIT(8) | GENMASK(14, 10) | BIT(17) | BIT(21) | \
			 BIT(29) | BIT(30))

/**
 * x86_exception_valid() - may a VMM give the guest this exception?
 * @vector: the vector
 * @has_error: with an error code
 * @error: the error code (0 without one)
 * @fault_addr: CR2 for #PF (0 for the others)
 *
 * Return: true for a vector that exists (not NMI), an error code exactly
 * where the vector pushes one, and a fault address only for #PF.
 */
bool x86_exception_valid(u32 vector, bool has_error, u32 error, u64 fault_addr)
{
	return vector <= 31 && (X86_EXC_VALID & BIT(vector)) &&
	       has_error == !!(X86_EXC_ERROR & BIT(vector)) &&
	       (!fault_addr || vector == 14) && (has_error || !error);
}

/**
 * x86_queue_exception() - AXVCPU_INJECT_EXCEPTION
 * @xv: the vCPU (vCPU lock held)
 * @exc: the request; flags, pad and reserved already checked by the core
 *
 * The exception is delivered on the next entry, before the instruction
 * at RIP (RIP is what it pushes, as for a fault). The error code is given
 * exactly for the vectors that push one; in real mode none is pushed.
 *
 * Return: 0, -EINVAL for a bad vector, error-code flag or fault address,
 * -EBUSY while an exception queued before is not delivered yet.
 */
int x86_queue_exception(struct x86_vcpu *xv,
			const struct axvcpu_exception *exc)
{
	bool has_error = exc->flags & AXVCPU_EXCEPTION_ERROR_CODE;

	if (!x86_exception_valid(exc->vector, has_error, exc->error_code,
				 exc->fault_addr))
		return -EINVAL;
	if (xv->exception.pending)
		return -EBUSY;
	xv->exception.vector = exc->vector;
	xv->exception.has_error = has_error;
	xv->exception.error = exc->error_code;
	xv->exception.cr2 = exc->fault_addr;
	xv->exception.pending = true;
	return 0;
}

/**
 * x86_next_interrupt() - take the highest queued vector
 * @xv: the vCPU
 *
 * Return: the vector, or -1 when none is queued.
 */
int x86_next_interrupt(struct x86_vcpu *xv)
{
	unsigned long v;

	for (;;) {
		v = find_last_bit(xv->pending_irqs, 256);
		if (v >= 256)
			return -1;
		if (test_and_clear_bit(v, xv->pending_irqs))
			return v;
	}
}

/**
 * x86_has_interrupt() - is a vector queued?
 * @xv: the vCPU
 *
 * Return: true when x86_next_interrupt() would return one.
 */
bool x86_has_interrupt(struct x86_vcpu *xv)
{
	return !bitmap_empty(xv->pending_irqs, 256);
}

/**
 * x86_get_gpr() - AXVCPU_GET_GPR
 * @xv: the vCPU
 * @reg: 0..15
 * @value: the register's value
 *
 * Return: 0, or -EINVAL for an unknown register.
 */
int x86_get_gpr(struct x86_vcpu *xv, u32 reg, u64 *value)
{
	if (reg >= AXVCPU_X86_NR_GPRS)
		return -EINVAL;
	*value = xv->gprs[reg];
	return 0;
}

/**
 * x86_set_gpr() - AXVCPU_SET_GPR
 * @xv: the vCPU
 * @reg: 0..15
 * @value: the new value
 *
 * Return: 0, or -EINVAL for an unknown register.
 */
int x86_set_gpr(struct x86_vcpu *xv, u32 reg, u64 value)
{
	if (reg >= AXVCPU_X86_NR_GPRS)
		return -EINVAL;
	xv->gprs[reg] = value;
	return 0;
}
