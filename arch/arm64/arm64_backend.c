// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 backend selection at load time. axvcpu's arm64 design is nVHE:
 * the kernel runs at EL1 and axvcpu takes EL2 from the kernel's hyp stub
 * for its world switch (Documentation/design.rst, "arm64").
 */
#include <linux/printk.h>
#include <asm/cpufeature.h>
#include <asm/sysreg.h>
#include <asm/virt.h>
#include "arm64.h"

static struct axvcpu_arch_ops arm64_ops;

/**
 * axvcpu_arch_init() - pick the arm64 backend for this CPU
 *
 * Return: the backend's ops, or NULL (one log line says why).
 */
const struct axvcpu_arch_ops *axvcpu_arch_init(void)
{
	u64 pfr0 = read_sanitised_ftr_reg(SYS_ID_AA64PFR0_EL1);

	/* VHE: the kernel itself runs at EL2, there is no stub to take EL2 from */
	if (is_kernel_in_hyp_mode()) {
		pr_info("axvcpu: the kernel runs at EL2 (VHE); axvcpu needs an nVHE kernel (boot with id_aa64mmfr1.vh=0 or kvm-arm.mode=nvhe)\n");
		return NULL;
	}
	/* D19.2.64 ID_AA64PFR0_EL1.EL2: 0 when EL2 is not implemented */
	if (!cpuid_feature_extract_unsigned_field(pfr0, ID_AA64PFR0_EL1_EL2_SHIFT)) {
		pr_info("axvcpu: no EL2 on this CPU\n");
		return NULL;
	}
	/* arm64_hyp.S knows these offsets by number */
	BUILD_BUG_ON(offsetof(struct arm64_ctx, x) != A64_CTX_X);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, pc) != A64_CTX_PC);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, sys) != A64_CTX_SYS);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, hcr) != A64_CTX_HCR);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, vttbr) != A64_CTX_VTTBR);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, cntvoff) != A64_CTX_CNTVOFF);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, vpidr) != A64_CTX_VPIDR);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, vmpidr) != A64_CTX_VMPIDR);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, cptr) != A64_CTX_CPTR);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, mdcr) != A64_CTX_MDCR);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, cnthctl) != A64_CTX_CNTHCTL);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, flush) != A64_CTX_FLUSH);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, esr) != A64_CTX_ESR);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, far) != A64_CTX_FAR);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, hpfar) != A64_CTX_HPFAR);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, icc_sre) != A64_CTX_ICC_SRE);
	BUILD_BUG_ON(offsetof(struct arm64_ctx, ich_hcr) != A64_CTX_ICH_HCR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, guest) != A64_CPU_GUEST);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, stub) != A64_CPU_STUB);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, host_vectors) != A64_CPU_HOST_VECTORS);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, guest_vectors) != A64_CPU_GUEST_VECTORS);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, x) != A64_CPU_X18);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, elr) != A64_CPU_ELR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, spsr) != A64_CPU_SPSR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, sys) != A64_CPU_SYS);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, hcr) != A64_CPU_HCR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, cnthctl) != A64_CPU_CNTHCTL);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, cntvoff) != A64_CPU_CNTVOFF);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, cptr) != A64_CPU_CPTR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, mdcr) != A64_CPU_MDCR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, vpidr) != A64_CPU_VPIDR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, vmpidr) != A64_CPU_VMPIDR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, panic_esr) != A64_CPU_PANIC_ESR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, panic_elr) != A64_CPU_PANIC_ELR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, panic_far) != A64_CPU_PANIC_FAR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, mair) != A64_CPU_MAIR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, tcr) != A64_CPU_TCR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, ttbr) != A64_CPU_TTBR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, sctlr) != A64_CPU_SCTLR);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, sp) != A64_CPU_SP);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, icc_sre) != A64_CPU_ICC_SRE);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, icc_sre_host) !=
		     A64_CPU_ICC_SRE_HOST);
	BUILD_BUG_ON(offsetof(struct arm64_hyp_cpu, vtcr) != A64_CPU_VTCR);

	if (arm64_vtimer_init())
		return NULL;
	if (arm64_el2_setup()) {
		arm64_vtimer_exit();
		return NULL;
	}
	arm64_vcpu_init_ids();
	arm64_ops = arm64_nvhe_ops;
	arm64_ops.guest_phys_bits = arm64_s2_guest_phys_bits();
	arm64_idregs_init(arm64_ops.guest_phys_bits);
	pr_info("axvcpu: arm64 nVHE backend, EL2 taken from the hyp stub, %u-bit IPA\n",
		arm64_ops.guest_phys_bits);
	return &arm64_ops;
}

/**
 * axvcpu_arch_exit() - drop what axvcpu_arch_init() took
 */
void axvcpu_arch_exit(void)
{
	if (arm64_ops.arch) {
		arm64_el2_teardown();
		arm64_vtimer_exit();
	}
	arm64_ops.arch = 0;
}
