// SPDX-License-Identifier: GPL-2.0
/*
 * riscv64 backend selection: the H extension, found through the kernel's
 * ISA extension API, and a G-stage mode, at load time.
 */
#include <linux/cpumask.h>
#include <linux/printk.h>
#include <linux/stddef.h>
#include <asm/hwcap.h>
#include "riscv.h"

static struct axvcpu_arch_ops riscv_ops;

/* How many VMID bits hgatp keeps (8.2.18: WARL, written all-ones). */
static unsigned int riscv_vmid_bits(void)
{
	unsigned long flags, old, v;

	local_irq_save(flags);
	old = csr_read(CSR_HGATP);
	csr_write(CSR_HGATP, HGATP_VMID_MASK);
	v = (csr_read(CSR_HGATP) & HGATP_VMID_MASK) >> HGATP_VMID_SHIFT;
	csr_write(CSR_HGATP, old);
	local_irq_restore(flags);
	return fls_long(v);
}

/**
 * axvcpu_arch_init() - pick the riscv64 backend for this hart
 *
 * Return: the H backend's ops, or NULL (one log line says why).
 */
const struct axvcpu_arch_ops *axvcpu_arch_init(void)
{
	unsigned int bits;
	int gpa_bits;

	/* riscv_switch.S knows these offsets by number */
	BUILD_BUG_ON(offsetof(struct riscv_ctx, host_s) != RISCV_CTX_HOST_S0);
	BUILD_BUG_ON(offsetof(struct riscv_ctx, host_sstatus) != RISCV_CTX_HOST_SSTATUS);
	BUILD_BUG_ON(offsetof(struct riscv_ctx, host_stvec) != RISCV_CTX_HOST_STVEC);
	BUILD_BUG_ON(offsetof(struct riscv_ctx, x) != RISCV_CTX_X0);
	BUILD_BUG_ON(offsetof(struct riscv_ctx, sepc) != RISCV_CTX_SEPC);
	BUILD_BUG_ON(offsetof(struct riscv_ctx, sstatus) != RISCV_CTX_SSTATUS);
	BUILD_BUG_ON(offsetof(struct riscv_ctx, hstatus) != RISCV_CTX_HSTATUS);
	BUILD_BUG_ON(offsetof(struct riscv_ctx, htinst) != RISCV_CTX_HTINST);
	/* riscv_fp_save() also saves the task's own, in the kernel's layout */
	BUILD_BUG_ON(sizeof(struct riscv_fp) != sizeof(struct __riscv_d_ext_state));
	BUILD_BUG_ON(offsetof(struct riscv_fp, fcsr) !=
		     offsetof(struct __riscv_d_ext_state, fcsr));

	if (!riscv_isa_extension_available(NULL, h)) {
		pr_info("axvcpu: no H extension on this CPU\n");
		return NULL;
	}
	gpa_bits = riscv_gstage_probe();
	if (!gpa_bits) {
		pr_info("axvcpu: the H extension offers no Sv39x4/Sv48x4/Sv57x4 G-stage\n");
		return NULL;
	}
	/* the guest timer: vstimecmp with Sstc, else an hrtimer and hvip */
	riscv_has_sstc = riscv_isa_extension_available(NULL, SSTC);
	/* as KVM decides whether it has VMIDs to give (riscv_tlb.c) */
	bits = riscv_vmid_bits();
	riscv_flush_always = !bits || (1UL << bits) < num_possible_cpus();
	/* the vCPUs' CSRs stay loaded between entries (riscv_vcpu.c) */
	preempt_notifier_inc();
	riscv_ops = riscv_h_ops;
	riscv_ops.guest_phys_bits = gpa_bits;
	pr_info("axvcpu: riscv64 H backend, %u-bit guest physical addresses, %u VMID bits, guest timer %s\n",
		gpa_bits, bits, riscv_has_sstc ? "Sstc" : "hrtimer");
	return &riscv_ops;
}

/**
 * axvcpu_arch_exit() - drop what axvcpu_arch_init() took
 */
void axvcpu_arch_exit(void)
{
	if (riscv_ops.arch)
		preempt_notifier_dec();
	riscv_ops.arch = 0;
}
