/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The riscv64 world switch: HS mode -> VS/VU mode by sret with hstatus.SPV
 * set, and back through a trap vector that is ours only while the guest
 * runs (RISC-V Privileged Architecture 8.6.4, "Trap Return"; 8.6.2 for
 * what a trap from V=1 writes). Interrupts are off around it: a host
 * interrupt while the guest runs still traps here (HS-level interrupts are
 * always enabled while V=1, 8.6.3), and the host takes it once the caller
 * enables interrupts again.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/csr.h>
#include "riscv.h"

#define GX(n)	(RISCV_CTX_X0 + 8 * (n))

	.text
	.option push
	.option norvc

/*
 * unsigned long riscv_switch_to_guest(struct riscv_ctx *ctx): enter the
 * guest with the state in @ctx; return scause once it traps, its
 * registers and the trap CSRs stored in @ctx and the host's stvec,
 * sscratch, sstatus and hstatus back as they were.
 */
SYM_FUNC_START(riscv_switch_to_guest)
	sd	ra, RISCV_CTX_HOST_RA(a0)
	sd	sp, RISCV_CTX_HOST_SP(a0)
	sd	gp, RISCV_CTX_HOST_GP(a0)
	sd	tp, RISCV_CTX_HOST_TP(a0)
	.irp i, 0,1,2,3,4,5,6,7,8,9,10,11
	sd	s\i, (RISCV_CTX_HOST_S0 + 8 * \i)(a0)
	.endr

	/* the guest's sstatus (SPP) and hstatus (SPV) select where sret goes */
	ld	t0, RISCV_CTX_SSTATUS(a0)
	ld	t1, RISCV_CTX_HSTATUS(a0)
	la	t3, riscv_guest_trap
	ld	t4, RISCV_CTX_SEPC(a0)
	csrrw	t0, CSR_SSTATUS, t0
	csrrw	t1, CSR_HSTATUS, t1
	csrrw	t2, CSR_SSCRATCH, a0
	csrrw	t3, CSR_STVEC, t3
	csrw	CSR_SEPC, t4
	sd	t0, RISCV_CTX_HOST_SSTATUS(a0)
	sd	t1, RISCV_CTX_HOST_HSTATUS(a0)
	sd	t2, RISCV_CTX_HOST_SSCRATCH(a0)
	sd	t3, RISCV_CTX_HOST_STVEC(a0)

	/* the guest's registers, a0 (x10) last */
	.irp n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\n, GX(\n)(a0)
	.endr
	ld	a0, GX(10)(a0)
	sret
SYM_FUNC_END(riscv_switch_to_guest)

	/* stvec needs 4-byte alignment (direct mode) */
	.align	2
riscv_guest_trap:
	/* sscratch holds the context: swap it with the guest's a0 */
	csrrw	a0, CSR_SSCRATCH, a0
	.irp n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd	x\n, GX(\n)(a0)
	.endr
	csrr	t0, CSR_SSCRATCH
	sd	t0, GX(10)(a0)

	ld	t1, RISCV_CTX_HOST_SSCRATCH(a0)
	csrw	CSR_SSCRATCH, t1
	ld	t1, RISCV_CTX_HOST_STVEC(a0)
	csrw	CSR_STVEC, t1
	ld	t1, RISCV_CTX_HOST_HSTATUS(a0)
	csrrw	t1, CSR_HSTATUS, t1
	sd	t1, RISCV_CTX_HSTATUS(a0)
	ld	t1, RISCV_CTX_HOST_SSTATUS(a0)
	csrrw	t1, CSR_SSTATUS, t1
	sd	t1, RISCV_CTX_SSTATUS(a0)
	csrr	t0, CSR_SEPC
	sd	t0, RISCV_CTX_SEPC(a0)
	csrr	t0, CSR_SCAUSE
	sd	t0, RISCV_CTX_SCAUSE(a0)
	csrr	t0, CSR_STVAL
	sd	t0, RISCV_CTX_STVAL(a0)
	csrr	t0, CSR_HTVAL
	sd	t0, RISCV_CTX_HTVAL(a0)
	csrr	t0, CSR_HTINST
	sd	t0, RISCV_CTX_HTINST(a0)

	ld	ra, RISCV_CTX_HOST_RA(a0)
	ld	sp, RISCV_CTX_HOST_SP(a0)
	ld	gp, RISCV_CTX_HOST_GP(a0)
	ld	tp, RISCV_CTX_HOST_TP(a0)
	.irp i, 0,1,2,3,4,5,6,7,8,9,10,11
	ld	s\i, (RISCV_CTX_HOST_S0 + 8 * \i)(a0)
	.endr
	ld	a0, RISCV_CTX_SCAUSE(a0)
	ret

/*
 * unsigned long riscv_read_guest_insn(unsigned long pc, unsigned long *insn):
 * the guest's instruction at @pc through its own translation (vsatp, then
 * hgatp) with HLVX.HU (8.4, "Hypervisor Virtual-Machine Load and Store
 * Instructions"), as the guest's privilege (hstatus.SPVP set: the caller
 * reads only instructions of VS mode). QEMU does not fill htinst, so this
 * is how an MMIO access is decoded. A trap of the load (the page went away
 * under another vCPU) lands on our own vector and returns its scause;
 * else 0 with the instruction (16 or 32 bits) in *@insn. Interrupts off.
 */
SYM_FUNC_START(riscv_read_guest_insn)
	la	t0, 2f
	csrrw	t0, CSR_STVEC, t0
	csrr	t3, CSR_HSTATUS
	li	t1, HSTATUS_SPVP
	or	t1, t3, t1
	csrw	CSR_HSTATUS, t1
	li	a2, 0
	/* hlvx.hu t2, (a0) */
	.insn	i 0x73, 4, t2, a0, 0x643
	andi	t4, t2, 3
	li	t5, 3
	bne	t4, t5, 1f
	addi	a3, a0, 2
	/* hlvx.hu t4, (a3): the upper half of a 32-bit instruction */
	.insn	i 0x73, 4, t4, a3, 0x643
	slli	t4, t4, 16
	or	t2, t2, t4
1:	sd	t2, 0(a1)
	j	3f
	.align	2
2:	csrr	a2, CSR_SCAUSE
3:	csrw	CSR_HSTATUS, t3
	csrw	CSR_STVEC, t0
	mv	a0, a2
	ret
SYM_FUNC_END(riscv_read_guest_insn)

/*
 * void riscv_fp_save(struct riscv_fp *fp) / riscv_fp_load(fp): f0-f31 and
 * fcsr (D extension), with sstatus.FS on for the moment (the kernel runs
 * with it off).
 */
SYM_FUNC_START(riscv_fp_save)
	li	t1, SR_FS
	csrrs	t0, CSR_SSTATUS, t1
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	fsd	f\n, (8 * \n)(a0)
	.endr
	.irp n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fsd	f\n, (8 * \n)(a0)
	.endr
	frcsr	t2
	sw	t2, 256(a0)
	csrw	CSR_SSTATUS, t0
	ret
SYM_FUNC_END(riscv_fp_save)

SYM_FUNC_START(riscv_fp_load)
	li	t1, SR_FS
	csrrs	t0, CSR_SSTATUS, t1
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	fld	f\n, (8 * \n)(a0)
	.endr
	.irp n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fld	f\n, (8 * \n)(a0)
	.endr
	lw	t2, 256(a0)
	fscsr	t2
	csrw	CSR_SSTATUS, t0
	ret
SYM_FUNC_END(riscv_fp_load)

	.option pop
