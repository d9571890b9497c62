/* SPDX-License-Identifier: GPL-2.0 */
/*
 * riscv64 numbers of the C guest library (include/axvcpu_guest.h).
 *
 * The guest runs in VS mode with vsatp bare (guest virtual == guest
 * physical, no tables to build), sstatus.FS on (compiled C may use the FP
 * registers), gp at the program's __global_pointer$ (the linker relaxes
 * global accesses against it) and stvec at the library's trap entry.
 * Tests are built with -ffixed-s11.
 */
#ifndef SELFTEST_AXVCPU_GUEST_ARCH_RISCV64_H
#define SELFTEST_AXVCPU_GUEST_ARCH_RISCV64_H

#define AXV_GUEST_SYS_GPA	0x0UL
#define AXV_GUEST_SYS_SIZE	0x10000UL

#define AXV_GUEST_MMIO_GPA	0xd0000000UL
#define AXV_GUEST_FREE_GPA	0x40000000UL
#define AXV_GUEST_FREE_SIZE	0x40000000UL

/*
 * The interrupt a test injects: the guest's software interrupt line
 * (AXVCPU_RISCV_IRQ_LINE_VSSI, which axv_inject() asserts), and the
 * scause code the guest's handler sees for it (supervisor software
 * interrupt). The handler clears sip.SSIP, which lowers the line.
 */
#define AXV_GUEST_IRQ_VECTOR	2
#define AXV_GUEST_IRQ_SEEN	1

/* s11 (x27): no compiled guest code touches it (-ffixed-s11) */
#define AXV_GUEST_SCRATCH_GPR	27

/* a7 of the ucall ECALL: "ucal", no SBI extension (SBI spec, chapter 3) */
#define AXV_UCALL_NR		0x7563616cUL

#endif /* SELFTEST_AXVCPU_GUEST_ARCH_RISCV64_H */
