// SPDX-License-Identifier: GPL-2.0
/*
 * What a trap from the guest becomes (RISC-V Privileged Architecture 8.6,
 * "Traps"): guest page faults outside the memory regions are MMIO, inside
 * them a NESTED_PAGE_FAULT; WFI is HALT; a CSR access that traps is a
 * SYSREG exit; an ecall from VS mode is an SBI call (riscv_sbi.c); host
 * interrupts go back to the host. The mapping is in Documentation/api.rst.
 */
#include <linux/bitfield.h>
#include "riscv.h"

#define INSN_OPCODE(i)		((i) & 0x7f)
#define INSN_RD(i)		(((i) >> 7) & 0x1f)
#define INSN_FUNCT3(i)		(((i) >> 12) & 7)
#define INSN_RS1(i)		(((i) >> 15) & 0x1f)
#define INSN_RS2(i)		(((i) >> 20) & 0x1f)
#define INSN_CSR(i)		((i) >> 20)
#define OPCODE_LOAD		0x03
#define OPCODE_STORE		0x23
#define OPCODE_SYSTEM		0x73
#define INSN_WFI		0x10500073UL

/* A transformed htinst has bit 0 set; bit 1 clear means it was compressed. */
#define HTINST_TRANSFORMED	BIT(0)
#define HTINST_WAS_32BIT	BIT(1)

/**
 * riscv_redirect_trap() - deliver an exception to the guest's own handler
 * @rv: the vCPU, at the instruction that takes it
 * @cause: the exception code
 * @tval: what the guest's stval gets
 *
 * What the hart does on a trap taken in VS mode (8.6.4, 4.1.1): the guest's
 * sstatus records its mode and interrupt enable, and it continues at its
 * stvec in VS mode.
 */
void riscv_redirect_trap(struct riscv_vcpu *rv, unsigned long cause,
			 unsigned long tval)
{
	unsigned long s = rv->csr.vsstatus & ~(SR_SPP | SR_SPIE | SR_SIE);

	if (rv->mode == AXVCPU_RISCV_MODE_VS)
		s |= SR_SPP;
	if (rv->csr.vsstatus & SR_SIE)
		s |= SR_SPIE;
	rv->csr.vsstatus = s;
	rv->csr.vscause = cause;
	rv->csr.vstval = tval;
	rv->csr.vsepc = rv->ctx.sepc;
	rv->ctx.sepc = rv->csr.vstvec & ~3UL;
	rv->mode = AXVCPU_RISCV_MODE_VS;
	rv->csr_dirty = true;
}

static unsigned int insn_len(unsigned long insn)
{
	return (insn & 3) == 3 ? 4 : 2;
}

struct mmio_insn {
	bool store;
	u32 width;
	u32 reg;	/* rd of a load, rs2 of a store */
	bool sign_ext;
	unsigned int len;
};

/* The compressed register fields name x8..x15 (RVC, 16.2). */
#define CREG(v)	(8 + ((v) & 7))

/* Decode the integer loads and stores MMIO may use (RV64I, RVC). */
static bool riscv_decode_mmio(unsigned long insn, unsigned int len,
			      struct mmio_insn *m)
{
	static const u8 lw[] = { 1, 2, 4, 8, 1, 2, 4 };
	u32 f3;

	m->len = len;
	if (len == 2) {
		/* C.LW, C.LD, C.SW, C.SD and their SP forms */
		u32 op = insn & 3, f = (insn >> 13) & 7;

		if (op == 0 && (f == 2 || f == 3)) {		/* C.LW, C.LD */
			*m = (struct mmio_insn){ false, f == 2 ? 4 : 8,
						 CREG(insn >> 2), f == 2, 2 };
			return true;
		}
		if (op == 0 && (f == 6 || f == 7)) {		/* C.SW, C.SD */
			*m = (struct mmio_insn){ true, f == 6 ? 4 : 8,
						 CREG(insn >> 2), false, 2 };
			return true;
		}
		if (op == 2 && (f == 2 || f == 3) && INSN_RD(insn)) {
			*m = (struct mmio_insn){ false, f == 2 ? 4 : 8,
						 INSN_RD(insn), f == 2, 2 };
			return true;				/* C.LWSP, C.LDSP */
		}
		if (op == 2 && (f == 6 || f == 7)) {		/* C.SWSP, C.SDSP */
			*m = (struct mmio_insn){ true, f == 6 ? 4 : 8,
						 (insn >> 2) & 0x1f, false, 2 };
			return true;
		}
		return false;
	}
	f3 = INSN_FUNCT3(insn);
	if (INSN_OPCODE(insn) == OPCODE_LOAD && f3 < ARRAY_SIZE(lw)) {
		m->store = false;
		m->width = lw[f3];
		m->reg = INSN_RD(insn);
		m->sign_ext = f3 < 3;	/* LB, LH, LW; LD has nothing to extend */
		return true;
	}
	if (INSN_OPCODE(insn) == OPCODE_STORE && f3 < 4) {
		m->store = true;
		m->width = 1U << f3;
		m->reg = INSN_RS2(insn);
		m->sign_ext = false;
		return true;
	}
	return false;
}

static int riscv_exit_npf(struct riscv_vcpu *rv, struct axvcpu_run *run,
			  u64 gpa, u32 access)
{
	run->exit_reason = AXVCPU_EXIT_NESTED_PAGE_FAULT;
	run->nested_page_fault.addr = gpa;
	run->nested_page_fault.access = access;
	run->nested_page_fault.pad = 0;
	return AXVCPU_RUN_EXIT;
}

/* A load or store guest-page fault (scause 21, 23). */
static int riscv_exit_guest_fault(struct riscv_vcpu *rv,
				  struct axvcpu_run *run, bool store)
{
	struct riscv_ctx *c = &rv->ctx;
	u64 gpa = (c->htval << 2) | (c->stval & 3);
	unsigned long insn;
	struct mmio_insn m;
	unsigned int len;

	if (axvcpu_gpa_is_mapped(rv->vcpu->vm, gpa)) {
		/* a region's page: a store to a read-only region */
		if (store)
			return riscv_exit_npf(rv, run, gpa, AXVCPU_ACCESS_WRITE);
		/* a load that raced with the region's removal: try again */
		return AXVCPU_RUN_REENTER;
	}
	if (c->htinst & HTINST_TRANSFORMED) {
		insn = c->htinst | 3;
		len = (c->htinst & HTINST_WAS_32BIT) ? 4 : 2;
	} else if (!c->htinst && rv->exit_insn) {
		insn = rv->exit_insn;
		len = insn_len(insn);
	} else {
		/* the guest's own page-table walk hit no region (8.6.3) */
		return riscv_exit_npf(rv, run, gpa, store ? AXVCPU_ACCESS_WRITE :
						      AXVCPU_ACCESS_READ);
	}
	/* a transformed instruction is always in its 32-bit form */
	if (!riscv_decode_mmio(insn, (c->htinst & HTINST_TRANSFORMED) ? 4 : len,
			       &m) || m.store != store)
		return riscv_exit_npf(rv, run, gpa, store ? AXVCPU_ACCESS_WRITE :
						      AXVCPU_ACCESS_READ);

	run->mmio.addr = gpa;
	run->mmio.width = m.width;
	run->mmio.sign_ext = 0;
	c->sepc += len;
	if (store) {
		run->exit_reason = AXVCPU_EXIT_MMIO_WRITE;
		run->mmio.reg = m.reg;
		run->mmio.reg_width = m.width;
		run->mmio.data = m.reg ? c->x[m.reg] : 0;
		if (m.width < 8)
			run->mmio.data &= BIT_ULL(8 * m.width) - 1;
		return AXVCPU_RUN_EXIT;
	}
	run->exit_reason = AXVCPU_EXIT_MMIO_READ;
	run->mmio.reg = m.reg;
	run->mmio.reg_width = 8;
	run->mmio.sign_ext = m.sign_ext;
	run->mmio.data = 0;
	rv->pending = (struct riscv_pending){
		.reason = AXVCPU_EXIT_MMIO_READ, .reg = m.reg,
		.width = m.width, .sign_ext = m.sign_ext,
	};
	return AXVCPU_RUN_EXIT;
}

/* A virtual-instruction trap (scause 22, 8.6.1): WFI or a CSR access. */
static int riscv_exit_virtual_insn(struct riscv_vcpu *rv,
				   struct axvcpu_run *run)
{
	struct riscv_ctx *c = &rv->ctx;
	unsigned long insn = c->stval ? c->stval : rv->exit_insn;
	u32 f3 = INSN_FUNCT3(insn), rd = INSN_RD(insn), rs1 = INSN_RS1(insn);

	if (insn == INSN_WFI) {
		c->sepc += 4;
		run->exit_reason = AXVCPU_EXIT_HALT;
		if (rv->vcpu->flags & AXVCPU_VCPU_HALT_IN_KERNEL)
			riscv_arm_wfi_timer(rv);
		return AXVCPU_RUN_EXIT;
	}
	if (INSN_OPCODE(insn) == OPCODE_SYSTEM && f3 && f3 != 4) {
		bool imm = f3 & 4;
		u32 op = f3 & 3;	/* 1 RW, 2 RS, 3 RC */

		rv->pending = (struct riscv_pending){
			.insn_pc = c->sepc, .insn = insn,
		};
		/* CSRRS/CSRRC with x0 (or 0) are reads */
		if (op != 1 && !rs1) {
			run->exit_reason = AXVCPU_EXIT_SYSREG_READ;
			run->sysreg.addr = INSN_CSR(insn);
			run->sysreg.reg = rd;
			run->sysreg.pad = 0;
			run->sysreg.value = 0;
			rv->pending.reason = AXVCPU_EXIT_SYSREG_READ;
			rv->pending.reg = rd;
			c->sepc += 4;
			return AXVCPU_RUN_EXIT;
		}
		/* CSRRW/CSRRWI that reads nothing back is a write */
		if (op == 1 && !rd) {
			run->exit_reason = AXVCPU_EXIT_SYSREG_WRITE;
			run->sysreg.addr = INSN_CSR(insn);
			run->sysreg.reg = imm ? AXVCPU_REG_NONE : rs1;
			run->sysreg.pad = 0;
			run->sysreg.value = imm ? rs1 : c->x[rs1];
			rv->pending.reason = AXVCPU_EXIT_SYSREG_WRITE;
			c->sepc += 4;
			return AXVCPU_RUN_EXIT;
		}
	}
	/* anything else, as a hart without the H extension would see it */
	riscv_redirect_trap(rv, EXC_INST_ILLEGAL, insn);
	return AXVCPU_RUN_REENTER;
}

/**
 * riscv_handle_exit() - turn the trap that ended an entry into a result
 * @rv: the vCPU, its context holding the trap
 * @run: the run struct for an exit to user space
 *
 * Return: AXVCPU_RUN_REENTER or AXVCPU_RUN_EXIT.
 */
int riscv_handle_exit(struct riscv_vcpu *rv, struct axvcpu_run *run)
{
	struct riscv_ctx *c = &rv->ctx;

	if (c->scause & CAUSE_IRQ_FLAG) {
		/* the host took its interrupt when interrupts came back on */
		if (!(rv->vcpu->flags & AXVCPU_VCPU_EXIT_ON_HOST_INTR))
			return AXVCPU_RUN_REENTER;
		run->exit_reason = AXVCPU_EXIT_EXTERNAL_INTERRUPT;
		run->external_interrupt.vector = c->scause & ~CAUSE_IRQ_FLAG;
		return AXVCPU_RUN_EXIT;
	}
	switch (c->scause) {
	case EXC_SUPERVISOR_SYSCALL:	/* ecall from VS mode */
		return riscv_sbi_call(rv, run);
	case EXC_INST_GUEST_PAGE_FAULT:
		return riscv_exit_npf(rv, run, (c->htval << 2) | (c->stval & 3),
				      AXVCPU_ACCESS_EXEC);
	case EXC_LOAD_GUEST_PAGE_FAULT:
		return riscv_exit_guest_fault(rv, run, false);
	case EXC_STORE_GUEST_PAGE_FAULT:
		return riscv_exit_guest_fault(rv, run, true);
	case EXC_VIRTUAL_INST_FAULT:
		return riscv_exit_virtual_insn(rv, run);
	case EXC_INST_ILLEGAL:
		/*
		 * The guest turned its sstatus.FS on during an entry that ran
		 * with FP off (sstatus.FS too gates FP while V=1, 8.2.1): the
		 * next entry loads its FP state, and the instruction runs.
		 */
		if (!rv->fp_on && (rv->csr.vsstatus & SR_FS) != SR_FS_OFF)
			return AXVCPU_RUN_REENTER;
		riscv_redirect_trap(rv, c->scause, c->stval);
		return AXVCPU_RUN_REENTER;
	default:
		/* access faults (PMP) and the like: the guest's to handle */
		riscv_redirect_trap(rv, c->scause, c->stval);
		return AXVCPU_RUN_REENTER;
	}
}

/**
 * riscv_complete() - apply the completion of the exit user space answered
 * @rv: the vCPU
 * @run: the run struct with the answer
 * @fault: raise an illegal-instruction trap at the CSR access instead
 */
void riscv_complete(struct riscv_vcpu *rv, const struct axvcpu_run *run,
		    bool fault)
{
	struct riscv_pending *p = &rv->pending;
	u64 v;

	switch (p->reason) {
	case AXVCPU_EXIT_MMIO_READ:
		v = run->mmio.data;
		if (p->width < 8) {
			v &= BIT_ULL(8 * p->width) - 1;
			if (p->sign_ext)
				v = sign_extend64(v, 8 * p->width - 1);
		}
		riscv_set_gpr(rv, p->reg, v);
		break;
	case AXVCPU_EXIT_SYSREG_READ:
	case AXVCPU_EXIT_SYSREG_WRITE:
		if (fault) {
			rv->ctx.sepc = p->insn_pc;
			riscv_redirect_trap(rv, EXC_INST_ILLEGAL, p->insn);
		} else if (p->reason == AXVCPU_EXIT_SYSREG_READ) {
			riscv_set_gpr(rv, p->reg, run->sysreg.value);
		}
		break;
	case AXVCPU_EXIT_HYPERCALL:
		rv->ctx.x[10] = run->hypercall.ret;
		rv->ctx.x[11] = run->hypercall.ret_extra[0];
		break;
	default:
		break;
	}
	p->reason = AXVCPU_EXIT_NOTHING;
}
