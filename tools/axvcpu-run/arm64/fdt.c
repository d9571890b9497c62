// SPDX-License-Identifier: GPL-2.0
/*
 * The device tree of the arm64 machine (written by devices/fdt.c), in the
 * bindings Linux reads: arm,gic-v3, arm,armv8-timer, arm,psci-1.0,
 * arm,pl011 with its fixed clock. Linux's arm64 boot protocol
 * (Documentation/arm64/booting.rst) takes it in x0.
 */
#include <stdio.h>
#include <string.h>

#include "arm64.h"
#include "../devices/fdt.h"

#define PHANDLE_GIC	1
#define PHANDLE_CLK	2

/* GIC interrupt specifiers: <type number flags> */
#define GIC_SPI		0
#define GIC_PPI		1
#define IRQ_LEVEL_HIGH	4

void *a64_make_fdt(struct vmm *vmm, uint64_t initrd_start, uint64_t initrd_end,
		   size_t *size)
{
	/* secure and non-secure physical, virtual, hypervisor timers (PPIs) */
	static const uint32_t timer_irqs[] = {
		GIC_PPI, 13, IRQ_LEVEL_HIGH, GIC_PPI, 14, IRQ_LEVEL_HIGH,
		GIC_PPI, A64_PPI_VTIMER - 16, IRQ_LEVEL_HIGH,
		GIC_PPI, 10, IRQ_LEVEL_HIGH,
	};
	uint32_t uart_irq[3] = { GIC_SPI, A64_UART_SPI, IRQ_LEVEL_HIGH };
	uint32_t clocks[2] = { PHANDLE_CLK, PHANDLE_CLK };
	uint32_t reg[8];
	struct fdt f = { 0 };
	char name[64];
	unsigned int i;

	fdt_begin(&f, "");
	fdt_prop_u32(&f, "#address-cells", 2);
	fdt_prop_u32(&f, "#size-cells", 2);
	fdt_prop_str(&f, "compatible", "linux,axvcpu-run");
	fdt_prop_str(&f, "model", "axvcpu-run arm64");
	fdt_prop_u32(&f, "interrupt-parent", PHANDLE_GIC);

	fdt_begin(&f, "chosen");
	fdt_prop_str(&f, "bootargs", vmm->cfg.cmdline ? vmm->cfg.cmdline : "");
	snprintf(name, sizeof(name), "/pl011@%llx",
		 (unsigned long long)A64_UART_BASE);
	fdt_prop_str(&f, "stdout-path", name);
	if (initrd_end > initrd_start) {
		fdt_prop_u64(&f, "linux,initrd-start", initrd_start);
		fdt_prop_u64(&f, "linux,initrd-end", initrd_end);
	}
	fdt_end(&f);

	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)A64_RAM_BASE);
	fdt_begin(&f, name);
	fdt_prop_str(&f, "device_type", "memory");
	fdt_prop_reg(&f, A64_RAM_BASE, vmm->ram_size);
	fdt_end(&f);

	fdt_begin(&f, "cpus");
	fdt_prop_u32(&f, "#address-cells", 1);
	fdt_prop_u32(&f, "#size-cells", 0);
	for (i = 0; i < vmm->nr_vcpus; i++) {
		snprintf(name, sizeof(name), "cpu@%llx",
			 (unsigned long long)a64_mpidr(i));
		fdt_begin(&f, name);
		fdt_prop_str(&f, "device_type", "cpu");
		fdt_prop_str(&f, "compatible", "arm,armv8");
		fdt_prop_u32(&f, "reg", a64_mpidr(i));
		fdt_prop_str(&f, "enable-method", "psci");
		fdt_end(&f);
	}
	fdt_end(&f);

	fdt_begin(&f, "psci");
	fdt_prop(&f, "compatible", "arm,psci-1.0\0arm,psci-0.2",
		 sizeof("arm,psci-1.0\0arm,psci-0.2"));
	fdt_prop_str(&f, "method", "hvc");
	fdt_end(&f);

	snprintf(name, sizeof(name), "intc@%llx", (unsigned long long)A64_GICD_BASE);
	fdt_begin(&f, name);
	fdt_prop_str(&f, "compatible", "arm,gic-v3");
	fdt_prop_u32(&f, "#interrupt-cells", 3);
	fdt_prop(&f, "interrupt-controller", NULL, 0);
	fdt_prop_u32(&f, "#redistributor-regions", 1);
	reg[0] = A64_GICD_BASE >> 32;
	reg[1] = (uint32_t)A64_GICD_BASE;
	reg[2] = 0;
	reg[3] = A64_GICD_SIZE;
	reg[4] = A64_GICR_BASE >> 32;
	reg[5] = (uint32_t)A64_GICR_BASE;
	reg[6] = 0;
	reg[7] = A64_GICR_STRIDE * vmm->nr_vcpus;
	fdt_prop_cells(&f, "reg", reg, 8);
	fdt_prop_u32(&f, "phandle", PHANDLE_GIC);
	fdt_end(&f);

	fdt_begin(&f, "timer");
	fdt_prop_str(&f, "compatible", "arm,armv8-timer");
	fdt_prop_cells(&f, "interrupts", timer_irqs,
		       sizeof(timer_irqs) / sizeof(timer_irqs[0]));
	fdt_prop(&f, "always-on", NULL, 0);
	fdt_end(&f);

	fdt_begin(&f, "apb-pclk");
	fdt_prop_str(&f, "compatible", "fixed-clock");
	fdt_prop_u32(&f, "#clock-cells", 0);
	fdt_prop_u32(&f, "clock-frequency", 24000000);
	fdt_prop_str(&f, "clock-output-names", "clk24mhz");
	fdt_prop_u32(&f, "phandle", PHANDLE_CLK);
	fdt_end(&f);

	snprintf(name, sizeof(name), "pl011@%llx", (unsigned long long)A64_UART_BASE);
	fdt_begin(&f, name);
	fdt_prop(&f, "compatible", "arm,pl011\0arm,primecell",
		 sizeof("arm,pl011\0arm,primecell"));
	fdt_prop_reg(&f, A64_UART_BASE, A64_UART_SIZE);
	fdt_prop_cells(&f, "interrupts", uart_irq, 3);
	fdt_prop_cells(&f, "clocks", clocks, 2);
	fdt_prop(&f, "clock-names", "uartclk\0apb_pclk",
		 sizeof("uartclk\0apb_pclk"));
	fdt_end(&f);

	fdt_end(&f);	/* / */
	return fdt_finish(&f, size);
}
