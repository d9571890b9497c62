/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axvcpu-run's arm64 machine: the shape of QEMU's virt machine, the parts
 * Linux needs: RAM at 1 GiB, a GICv3 (distributor at 0x08000000,
 * redistributors from 0x080a0000), a PL011 at 0x09000000 on SPI 1, PSCI
 * through HVC, the architected timer; described to the guest by a device
 * tree. The GIC is modelled here: its CPU interface through the SYSREG
 * exits of the guest's ICC_* accesses, its SGIs through SEND_IPI
 * (Documentation/api.rst, arm64).
 */
#ifndef AXVCPU_RUN_ARM64_H
#define AXVCPU_RUN_ARM64_H

#include "../vmm.h"

#define A64_RAM_BASE		0x40000000ULL
#define A64_GICD_BASE		0x08000000ULL
#define A64_GICD_SIZE		0x10000ULL
#define A64_GICR_BASE		0x080a0000ULL
#define A64_GICR_STRIDE		0x20000ULL	/* RD_base and SGI_base frames */
#define A64_UART_BASE		0x09000000ULL
#define A64_UART_SIZE		0x1000ULL
#define A64_UART_SPI		1		/* INTID 33 */
#define A64_GIC_SPIS		64		/* INTIDs 32..95 */
#define A64_PPI_VTIMER		27		/* the EL1 virtual timer */

/* The guest's MPIDR_EL1 affinity of vCPU @id: the module's (KVM's) layout. */
static inline uint64_t a64_mpidr(unsigned int id)
{
	return (id & 0xf) | (((uint64_t)(id >> 4) & 0xff) << 8) |
	       (((uint64_t)(id >> 12) & 0xff) << 16);
}

/* gic.c: the GICv3 model */
void gic_init(struct vmm *vmm);
/* An SPI's input (0-based) goes to @level. With vmm->lock held. */
void gic_set_spi(struct vmm *vmm, unsigned int spi, bool level);
/* A SEND_IPI exit of @v. */
void gic_send_sgi(struct vmm_vcpu *v);
/* An ICC_* access of @v (a SYSREG exit); false: not a GIC register. */
bool gic_sysreg(struct vmm_vcpu *v, bool write, uint64_t enc, uint64_t *value);

/*
 * machine.c: the level of @v's virtual timer output, read from the module
 * (a register ioctl: it completes a pending exit, see a64_answer_read())
 */
bool a64_vtimer_level(struct vmm_vcpu *v);
/* The value of @v's SYSREG_READ exit after a register ioctl: by SET_GPR. */
void a64_answer_read(struct vmm_vcpu *v, uint64_t value);

/* fdt.c: the machine's device tree, in a buffer of @size bytes */
void *a64_make_fdt(struct vmm *vmm, uint64_t initrd_start, uint64_t initrd_end,
		   size_t *size);

#endif /* AXVCPU_RUN_ARM64_H */
