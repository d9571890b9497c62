/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64 numbers of the C guest library (include/axvcpu_guest.h).
 *
 * The guest runs at EL1h with its MMU on: an identity map of 1 GiB blocks
 * (lib/arm64/guest.c writes the table at AXV_GUEST_SYS_GPA + 0x1000),
 * normal write-back memory everywhere but the 1 GiB holding
 * AXV_GUEST_MMIO_GPA, which is device memory; FP/SIMD enabled (compiled C
 * uses it); VBAR_EL1 at the library's vectors. Tests are built with
 * -ffixed-x28.
 */
#ifndef SELFTEST_AXVCPU_GUEST_ARCH_ARM64_H
#define SELFTEST_AXVCPU_GUEST_ARCH_ARM64_H

#define AXV_GUEST_SYS_GPA	0x0UL
#define AXV_GUEST_SYS_SIZE	0x10000UL

#define AXV_GUEST_MMIO_GPA	0xd0000000UL
#define AXV_GUEST_FREE_GPA	0x40000000UL
#define AXV_GUEST_FREE_SIZE	0x40000000UL

/*
 * The interrupt a test injects: the guest's IRQ line
 * (AXVCPU_ARM64_IRQ_LINE_IRQ, which axv_inject() asserts), and what the
 * guest's handler sees for it (0: an IRQ, not an FIQ). The line is a
 * level: as a VMM's interrupt controller would at the end of the
 * interrupt, the library lowers it when the guest's IRQ entry, after the
 * handler, reads AXV_GUEST_IRQ_ACK_GPA (an MMIO read that axv_run()
 * answers and completes itself).
 */
#define AXV_GUEST_IRQ_VECTOR	0
#define AXV_GUEST_IRQ_SEEN	0
#define AXV_GUEST_IRQ_ACK_GPA	0xdfff0000UL

/* x28: no compiled guest code touches it (-ffixed-x28) */
#define AXV_GUEST_SCRATCH_GPR	28

/* x0 of the ucall HVC: "ucal", no SMCCC service's (bit 31 clear) */
#define AXV_UCALL_NR		0x7563616cUL

#endif /* SELFTEST_AXVCPU_GUEST_ARCH_ARM64_H */
