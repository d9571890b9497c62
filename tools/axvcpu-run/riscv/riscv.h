/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axvcpu-run's riscv64 machine: the shape of QEMU's virt machine, the
 * parts Linux needs (RAM at 2 GiB, a 16550 at 0x10000000 on PLIC source
 * 10, the PLIC at 0x0c000000), described to the guest by a device tree.
 * SBI comes from the module (timer, fences) and from here (console, HSM
 * status, IPIs, hart start and stop).
 */
#ifndef AXVCPU_RUN_RISCV_H
#define AXVCPU_RUN_RISCV_H

#include "../vmm.h"

#define RV_RAM_BASE		0x80000000ULL
#define RV_UART_BASE		0x10000000ULL
#define RV_UART_IRQ		10
#define RV_PLIC_BASE		0x0c000000ULL
#define RV_PLIC_SIZE		0x4000000ULL
#define RV_PLIC_SOURCES		32	/* 1..31; 0 means none */
/* Where the kernel goes: RAM + 2 MiB, as OpenSBI's fw_dynamic leaves it. */
#define RV_KERNEL_OFFSET	0x200000ULL

/* plic.c: the PLIC, one S-mode context per hart */
void plic_init(struct vmm *vmm);
void plic_set_source(struct vmm *vmm, unsigned int src, bool level);

/*
 * fdt.c: the machine's device tree, in a buffer of @size bytes; @sstc:
 * the guest may use stimecmp (the module set henvcfg.STCE)
 */
void *rv_make_fdt(struct vmm *vmm, uint64_t initrd_start, uint64_t initrd_end,
		  bool sstc, size_t *size);

#endif /* AXVCPU_RUN_RISCV_H */
