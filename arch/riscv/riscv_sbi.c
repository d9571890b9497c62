// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's SBI calls (RISC-V SBI specification v1.0): an ecall from VS
 * mode with the extension id in a7, the function id in a6, arguments in
 * a0-a5; the error code returns in a0 and the value in a1.
 *
 * Answered here, with no exit: Base, Time (the guest's vstimecmp: Sstc),
 * RFENCE and the legacy timer and fences, so that a Linux guest's timer
 * ticks and TLB shootdowns need no trip to user space. Turned into the
 * exits of the seed: HSM hart_start -> CPU_UP, hart_stop -> CPU_DOWN, SRST
 * and the legacy shutdown -> SYSTEM_DOWN, IPI and the legacy send_ipi ->
 * SEND_IPI. Everything else (the console, HSM status, vendor calls, the
 * tests' ucalls) is a HYPERCALL exit for the VMM.
 */
#include <asm/sbi.h>
#include <asm/cacheflush.h>
#include "riscv.h"

/*
 * The legacy (v0.1) extensions (SBI spec, chapter 5); the kernel's asm/sbi.h
 * names them only with CONFIG_RISCV_SBI_V01.
 */
#define SBI_LEGACY_SET_TIMER			0x0
#define SBI_LEGACY_CLEAR_IPI			0x3
#define SBI_LEGACY_REMOTE_FENCE_I		0x5
#define SBI_LEGACY_REMOTE_SFENCE_VMA		0x6
#define SBI_LEGACY_REMOTE_SFENCE_VMA_ASID	0x7
#define SBI_LEGACY_SHUTDOWN			0x8

#define A(n)		(rv->ctx.x[10 + (n)])
#define SBI_SPEC_V1_0	BIT(24)
/* SBI implementation id: not in the spec's table; "ax" */
#define SBI_IMPL_AXVCPU	0x6178UL

static bool riscv_sbi_in_kernel(unsigned long eid)
{
	switch (eid) {
	case SBI_EXT_BASE:
	case SBI_EXT_TIME:
	case SBI_EXT_IPI:
	case SBI_EXT_RFENCE:
	case SBI_EXT_HSM:
	case SBI_EXT_SRST:
		return true;
	default:
		return false;
	}
}

static void riscv_sbi_ret(struct riscv_vcpu *rv, long err, unsigned long val)
{
	A(0) = err;
	A(1) = val;
}

static void riscv_fence_i_here(void *unused)
{
	local_flush_icache_all();
}

/*
 * A remote fence for some of the VM's harts. Every hart may hold this VM's
 * translations, and a vCPU's next entry flushes them when the VM's TLB
 * generation moved (riscv_tlb.c); axvcpu_vm_flush_tlbs() moves it and
 * waits until no hart still runs the guest with the old ones.
 */
static void riscv_sbi_rfence(struct riscv_vcpu *rv, unsigned long fid)
{
	if (fid == SBI_EXT_RFENCE_REMOTE_FENCE_I)
		on_each_cpu(riscv_fence_i_here, NULL, 1);
	else
		axvcpu_vm_flush_tlbs(rv->vcpu->vm);
}

static int riscv_sbi_hypercall(struct riscv_vcpu *rv, struct axvcpu_run *run)
{
	int i;

	run->exit_reason = AXVCPU_EXIT_HYPERCALL;
	run->hypercall.nr = rv->ctx.x[17];
	run->hypercall.func = rv->ctx.x[16];
	for (i = 0; i < 6; i++)
		run->hypercall.args[i] = A(i);
	run->hypercall.ret = (u64)SBI_ERR_NOT_SUPPORTED;
	run->hypercall.ret_extra[0] = A(1);
	run->hypercall.ret_extra[1] = 0;
	run->hypercall.ret_extra[2] = 0;
	rv->pending.reason = AXVCPU_EXIT_HYPERCALL;
	return AXVCPU_RUN_EXIT;
}

static int riscv_sbi_legacy(struct riscv_vcpu *rv, struct axvcpu_run *run,
			    unsigned long eid)
{
	switch (eid) {
	case SBI_LEGACY_SET_TIMER:
		rv->csr.vstimecmp = A(0);
		rv->csr_dirty = true;
		A(0) = 0;
		return AXVCPU_RUN_REENTER;
	case SBI_LEGACY_CLEAR_IPI:
		clear_bit(IRQ_VS_SOFT, &rv->lines);
		A(0) = 0;
		return AXVCPU_RUN_REENTER;
	case SBI_LEGACY_REMOTE_FENCE_I:
		riscv_sbi_rfence(rv, SBI_EXT_RFENCE_REMOTE_FENCE_I);
		A(0) = 0;
		return AXVCPU_RUN_REENTER;
	case SBI_LEGACY_REMOTE_SFENCE_VMA:
	case SBI_LEGACY_REMOTE_SFENCE_VMA_ASID:
		riscv_sbi_rfence(rv, SBI_EXT_RFENCE_REMOTE_SFENCE_VMA);
		A(0) = 0;
		return AXVCPU_RUN_REENTER;
	case SBI_LEGACY_SHUTDOWN:
		run->exit_reason = AXVCPU_EXIT_SYSTEM_DOWN;
		return AXVCPU_RUN_EXIT;
	default:
		/* the console (and send_ipi's hart mask in guest memory) */
		return riscv_sbi_hypercall(rv, run);
	}
}

/**
 * riscv_sbi_call() - an ecall from VS mode
 * @rv: the vCPU, its pc at the ecall
 * @run: the run struct for an exit
 *
 * Return: AXVCPU_RUN_REENTER when answered here, else AXVCPU_RUN_EXIT.
 */
int riscv_sbi_call(struct riscv_vcpu *rv, struct axvcpu_run *run)
{
	unsigned long eid = rv->ctx.x[17], fid = rv->ctx.x[16];

	rv->ctx.sepc += 4;
	if (eid <= SBI_LEGACY_SHUTDOWN)
		return riscv_sbi_legacy(rv, run, eid);

	switch (eid) {
	case SBI_EXT_BASE:
		switch (fid) {
		case SBI_EXT_BASE_GET_SPEC_VERSION:
			riscv_sbi_ret(rv, 0, SBI_SPEC_V1_0);
			break;
		case SBI_EXT_BASE_GET_IMP_ID:
			riscv_sbi_ret(rv, 0, SBI_IMPL_AXVCPU);
			break;
		case SBI_EXT_BASE_GET_IMP_VERSION:
			riscv_sbi_ret(rv, 0, AXVCPU_API_VERSION);
			break;
		case SBI_EXT_BASE_PROBE_EXT:
			/* the VMM answers for the extensions it implements */
			if (!riscv_sbi_in_kernel(A(0)) && A(0) > SBI_LEGACY_SHUTDOWN)
				return riscv_sbi_hypercall(rv, run);
			riscv_sbi_ret(rv, 0, 1);
			break;
		case SBI_EXT_BASE_GET_MVENDORID:
		case SBI_EXT_BASE_GET_MARCHID:
		case SBI_EXT_BASE_GET_MIMPID:
			riscv_sbi_ret(rv, 0, 0);
			break;
		default:
			riscv_sbi_ret(rv, SBI_ERR_NOT_SUPPORTED, 0);
		}
		return AXVCPU_RUN_REENTER;
	case SBI_EXT_TIME:
		if (fid != SBI_EXT_TIME_SET_TIMER) {
			riscv_sbi_ret(rv, SBI_ERR_NOT_SUPPORTED, 0);
			return AXVCPU_RUN_REENTER;
		}
		rv->csr.vstimecmp = A(0);
		rv->csr_dirty = true;
		riscv_sbi_ret(rv, 0, 0);
		return AXVCPU_RUN_REENTER;
	case SBI_EXT_RFENCE:
		if (fid > SBI_EXT_RFENCE_REMOTE_SFENCE_VMA_ASID) {
			/* the hypervisor fences are for a nested hypervisor */
			riscv_sbi_ret(rv, SBI_ERR_NOT_SUPPORTED, 0);
			return AXVCPU_RUN_REENTER;
		}
		riscv_sbi_rfence(rv, fid);
		riscv_sbi_ret(rv, 0, 0);
		return AXVCPU_RUN_REENTER;
	case SBI_EXT_IPI:
		if (fid != SBI_EXT_IPI_SEND_IPI)
			break;
		/* hart_mask, hart_mask_base (-1: every hart) */
		run->exit_reason = AXVCPU_EXIT_SEND_IPI;
		run->send_ipi.target_cpu = A(0);
		run->send_ipi.target_cpu_aux = A(1);
		run->send_ipi.send_to_all = A(1) == -1UL;
		run->send_ipi.send_to_self = 0;
		memset(run->send_ipi.pad, 0, sizeof(run->send_ipi.pad));
		run->send_ipi.vector = IRQ_S_SOFT;
		riscv_sbi_ret(rv, 0, 0);
		return AXVCPU_RUN_EXIT;
	case SBI_EXT_HSM:
		if (fid == SBI_EXT_HSM_HART_START) {
			run->exit_reason = AXVCPU_EXIT_CPU_UP;
			run->cpu_up.target_cpu = A(0);
			run->cpu_up.entry_point = A(1);
			run->cpu_up.arg = A(2);
			riscv_sbi_ret(rv, 0, 0);
			return AXVCPU_RUN_EXIT;
		}
		if (fid == SBI_EXT_HSM_HART_STOP) {
			run->exit_reason = AXVCPU_EXIT_CPU_DOWN;
			run->cpu_down.state = 0;
			/* a stopped hart does not return: if run again, it failed */
			riscv_sbi_ret(rv, SBI_ERR_FAILURE, 0);
			return AXVCPU_RUN_EXIT;
		}
		break;	/* status and suspend: the VMM's */
	case SBI_EXT_SRST:
		if (fid != SBI_EXT_SRST_RESET)
			break;
		/*
		 * a0 (reset_type) and a1 (reset_reason) stay for the VMM to
		 * read: a successful system_reset does not return (SBI v2.0,
		 * 10.1)
		 */
		run->exit_reason = AXVCPU_EXIT_SYSTEM_DOWN;
		return AXVCPU_RUN_EXIT;
	default:
		break;
	}
	return riscv_sbi_hypercall(rv, run);
}
