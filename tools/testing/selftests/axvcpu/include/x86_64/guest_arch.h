/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 numbers of the C guest library (include/axvcpu_guest.h).
 *
 * The guest runs in 64-bit long mode at CPL 0 with flat segments, 2 MiB
 * identity pages over the first 4 GiB, SSE enabled (CR4.OSFXSR, because
 * compiled C code uses it) and an IDT whose 256 gates all lead to the
 * library's dispatcher. The tests are built with -mno-red-zone: an
 * interrupt taken at CPL 0 pushes its frame right below RSP (Intel SDM
 * vol. 3A 6.14.2), where a leaf function's red zone would be.
 */
#ifndef SELFTEST_AXVCPU_GUEST_ARCH_X86_64_H
#define SELFTEST_AXVCPU_GUEST_ARCH_X86_64_H

#define AXV_GUEST_SYS_GPA	0x0UL
#define AXV_GUEST_GDT_GPA	0x0UL
#define AXV_GUEST_TSS_GPA	0x1000UL
#define AXV_GUEST_IDT_GPA	0x2000UL
#define AXV_GUEST_PML4_GPA	0x4000UL
#define AXV_GUEST_PDPT_GPA	0x5000UL
#define AXV_GUEST_PD_GPA	0x6000UL	/* four pages: 0..4 GiB */
#define AXV_GUEST_SYS_SIZE	0x10000UL

#define AXV_GUEST_MMIO_GPA	0xd0000000UL
#define AXV_GUEST_FREE_GPA	0x40000000UL
#define AXV_GUEST_FREE_SIZE	0x40000000UL

/*
 * An interrupt a test injects with AXVCPU_INJECT_INTERRUPT, and the value
 * the guest's handler sees for it.
 */
#define AXV_GUEST_IRQ_VECTOR	0x40
#define AXV_GUEST_IRQ_SEEN	0x40

/*
 * A register no compiled guest code touches (the tests are built with
 * -ffixed-r15), for tests of GET_GPR and SET_GPR while the guest runs: its
 * struct axvcpu_gpr number.
 */
#define AXV_GUEST_SCRATCH_GPR	15

/* RAX of the ucall VMMCALL: "ucal", no hypervisor ABI uses it. */
#define AXV_UCALL_NR		0x7563616cUL

/* The selectors of the library's GDT. */
#define AXV_GUEST_CS		0x08
#define AXV_GUEST_DS		0x10
#define AXV_GUEST_TSS_SEL	0x18

#endif /* SELFTEST_AXVCPU_GUEST_ARCH_X86_64_H */
