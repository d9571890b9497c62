// SPDX-License-Identifier: GPL-2.0
/*
 * The device tree of the riscv64 machine (written by devices/fdt.c).
 * Linux's riscv boot protocol (Documentation/riscv/boot.rst) takes it in
 * a1.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "riscv.h"
#include "../devices/fdt.h"

#define PHANDLE_PLIC	0x100	/* a hart's interrupt controller: 1 + hart */

/* The host's timebase: the guest reads the host's time CSR (+ htimedelta). */
static uint32_t host_timebase(void)
{
	FILE *fp = fopen("/proc/device-tree/cpus/timebase-frequency", "rb");
	uint32_t v = 0;

	if (fp) {
		if (fread(&v, 4, 1, fp) != 1)
			v = 0;
		fclose(fp);
	}
	v = be32toh(v);
	return v ? v : 10000000;	/* QEMU virt's */
}

void *rv_make_fdt(struct vmm *vmm, uint64_t initrd_start, uint64_t initrd_end,
		  bool sstc, size_t *size)
{
	struct fdt f = { 0 };
	uint32_t irqs[2 * VMM_MAX_CPUS];
	char name[64];
	unsigned int i;

	fdt_begin(&f, "");
	fdt_prop_u32(&f, "#address-cells", 2);
	fdt_prop_u32(&f, "#size-cells", 2);
	fdt_prop_str(&f, "compatible", "linux,axvcpu-run");
	fdt_prop_str(&f, "model", "axvcpu-run riscv64");

	fdt_begin(&f, "chosen");
	fdt_prop_str(&f, "bootargs", vmm->cfg.cmdline ? vmm->cfg.cmdline : "");
	snprintf(name, sizeof(name), "/soc/serial@%llx",
		 (unsigned long long)RV_UART_BASE);
	fdt_prop_str(&f, "stdout-path", name);
	if (initrd_end > initrd_start) {
		fdt_prop_u64(&f, "linux,initrd-start", initrd_start);
		fdt_prop_u64(&f, "linux,initrd-end", initrd_end);
	}
	fdt_end(&f);

	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)RV_RAM_BASE);
	fdt_begin(&f, name);
	fdt_prop_str(&f, "device_type", "memory");
	fdt_prop_reg(&f, RV_RAM_BASE, vmm->ram_size);
	fdt_end(&f);

	fdt_begin(&f, "cpus");
	fdt_prop_u32(&f, "#address-cells", 1);
	fdt_prop_u32(&f, "#size-cells", 0);
	fdt_prop_u32(&f, "timebase-frequency", host_timebase());
	for (i = 0; i < vmm->nr_vcpus; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		fdt_begin(&f, name);
		fdt_prop_str(&f, "device_type", "cpu");
		fdt_prop_u32(&f, "reg", i);
		fdt_prop_str(&f, "status", "okay");
		fdt_prop_str(&f, "compatible", "riscv");
		/*
		 * no H for the guest; with Sstc its timer is its own stimecmp,
		 * else SBI set_timer, which the module answers
		 */
		fdt_prop_str(&f, "riscv,isa", sstc ? "rv64imafdc_sstc" : "rv64imafdc");
		fdt_prop_str(&f, "mmu-type", "riscv,sv48");
		fdt_begin(&f, "interrupt-controller");
		fdt_prop_u32(&f, "#interrupt-cells", 1);
		fdt_prop(&f, "interrupt-controller", NULL, 0);
		fdt_prop_str(&f, "compatible", "riscv,cpu-intc");
		fdt_prop_u32(&f, "phandle", 1 + i);
		fdt_end(&f);
		fdt_end(&f);
		irqs[2 * i] = 1 + i;
		irqs[2 * i + 1] = 9;	/* supervisor external interrupt */
	}
	fdt_end(&f);

	fdt_begin(&f, "soc");
	fdt_prop_u32(&f, "#address-cells", 2);
	fdt_prop_u32(&f, "#size-cells", 2);
	fdt_prop_str(&f, "compatible", "simple-bus");
	fdt_prop(&f, "ranges", NULL, 0);

	snprintf(name, sizeof(name), "plic@%llx", (unsigned long long)RV_PLIC_BASE);
	fdt_begin(&f, name);
	fdt_prop(&f, "compatible", "sifive,plic-1.0.0\0riscv,plic0",
	     sizeof("sifive,plic-1.0.0\0riscv,plic0"));
	fdt_prop_reg(&f, RV_PLIC_BASE, RV_PLIC_SIZE);
	fdt_prop_u32(&f, "#address-cells", 0);
	fdt_prop_u32(&f, "#interrupt-cells", 1);
	fdt_prop(&f, "interrupt-controller", NULL, 0);
	fdt_prop_cells(&f, "interrupts-extended", irqs, 2 * vmm->nr_vcpus);
	fdt_prop_u32(&f, "riscv,ndev", RV_PLIC_SOURCES - 1);
	fdt_prop_u32(&f, "phandle", PHANDLE_PLIC);
	fdt_end(&f);

	snprintf(name, sizeof(name), "serial@%llx", (unsigned long long)RV_UART_BASE);
	fdt_begin(&f, name);
	fdt_prop_str(&f, "compatible", "ns16550a");
	fdt_prop_reg(&f, RV_UART_BASE, 0x100);
	fdt_prop_u32(&f, "clock-frequency", 3686400);
	fdt_prop_u32(&f, "interrupts", RV_UART_IRQ);
	fdt_prop_u32(&f, "interrupt-parent", PHANDLE_PLIC);
	fdt_end(&f);
	fdt_end(&f);	/* soc */

	fdt_end(&f);	/* / */
	return fdt_finish(&f, size);
}
