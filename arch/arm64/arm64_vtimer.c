// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's virtual timer at the host's interrupt controller. While a
 * guest runs, its CNTV_* registers are loaded: when its timer condition
 * is met the timer's PPI fires, a physical IRQ that ends the entry
 * (HCR_EL2.IMO) so that the next entry raises the guest's IRQ line
 * (arm64_timer_pending()). But the condition stays met until the guest's
 * handler has run, and entering with the PPI enabled would end every
 * entry at once: an exit storm, the guest never running an instruction.
 * So an entry with the condition met masks the PPI on its CPU, and the
 * exit unmasks it (the host's own CNTV_CTL, 0, is back by then: the line
 * is low), as KVM does without an in-kernel GIC.
 *
 * The PPI is the device tree timer node's third interrupt (the virtual
 * timer, binding arm,armv8-timer) or, on an ACPI host, the GTDT's virtual
 * timer GSI (ACPI 6.5, 5.2.25). axvcpu requests it unless KVM has
 * (KVM's timer, when KVM is on): then it only masks and unmasks it
 * around its own entries, leaving it enabled as KVM expects.
 */
#include <linux/acpi.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/percpu.h>
#include "arm64.h"

static unsigned int arm64_vtimer_virq;
static bool arm64_vtimer_requested;
static DEFINE_PER_CPU(u8, arm64_vtimer_cookie);

/* The line is only high while a guest's registers are loaded: nothing to do */
static irqreturn_t arm64_vtimer_irq(int irq, void *dev)
{
	return IRQ_HANDLED;
}

static void arm64_vtimer_enable_here(void *unused)
{
	enable_percpu_irq(arm64_vtimer_virq, IRQ_TYPE_NONE);
}

static void arm64_vtimer_disable_here(void *unused)
{
	disable_percpu_irq(arm64_vtimer_virq);
}

/*
 * An ACPI host's virtual timer PPI: the GTDT's GSI (a PPI's INTID) with its
 * trigger and polarity flags. acpi_register_gsi() returns the mapping the
 * arch timer driver made from the same entry (irq_create_fwspec_mapping()
 * finds it), which is why it is never unregistered here. 0: none.
 */
static unsigned int arm64_vtimer_acpi(void)
{
	unsigned int virq = 0;
#ifdef CONFIG_ACPI
	struct acpi_table_header *hdr;
	struct acpi_table_gtdt *gtdt;
	int irq;

	if (acpi_disabled || ACPI_FAILURE(acpi_get_table(ACPI_SIG_GTDT, 0, &hdr)))
		return 0;
	gtdt = container_of(hdr, struct acpi_table_gtdt, header);
	if (hdr->length >= sizeof(*gtdt) && gtdt->virtual_timer_interrupt) {
		irq = acpi_register_gsi(NULL, gtdt->virtual_timer_interrupt,
					gtdt->virtual_timer_flags & ACPI_GTDT_INTERRUPT_MODE ?
					ACPI_EDGE_SENSITIVE : ACPI_LEVEL_SENSITIVE,
					gtdt->virtual_timer_flags & ACPI_GTDT_INTERRUPT_POLARITY ?
					ACPI_ACTIVE_LOW : ACPI_ACTIVE_HIGH);
		if (irq > 0)
			virq = irq;
	}
	acpi_put_table(hdr);
#endif
	return virq;
}

/* A device tree host's: the timer node's third interrupt. 0: none. */
static unsigned int arm64_vtimer_of(void)
{
	struct device_node *np = of_find_compatible_node(NULL, NULL,
							 "arm,armv8-timer");
	unsigned int virq = 0;

	if (!np)
		np = of_find_compatible_node(NULL, NULL, "arm,armv7-timer");
	if (np)
		virq = irq_of_parse_and_map(np, 2);
	of_node_put(np);
	return virq;
}

/**
 * arm64_vtimer_init() - find the virtual timer's PPI and request it
 *
 * From the ACPI GTDT when the kernel uses ACPI, else from the device tree;
 * one log line says which and the INTID.
 *
 * Return: 0, or -ENODEV when neither names it (one log line says so).
 */
int arm64_vtimer_init(void)
{
	const char *from = "ACPI GTDT";
	int ret;

	arm64_vtimer_virq = arm64_vtimer_acpi();
	if (!arm64_vtimer_virq) {
		from = "device tree";
		arm64_vtimer_virq = arm64_vtimer_of();
	}
	if (!arm64_vtimer_virq) {
		pr_info("axvcpu: no virtual timer interrupt in the device tree or the ACPI GTDT\n");
		return -ENODEV;
	}
	pr_info("axvcpu: guests' virtual timer: INTID %lu, from the %s\n",
		irqd_to_hwirq(irq_get_irq_data(arm64_vtimer_virq)), from);
	/* KVM's (KVM is on): masked and unmasked around our entries only */
	if (irq_has_action(arm64_vtimer_virq))
		return 0;
	ret = request_percpu_irq(arm64_vtimer_virq, arm64_vtimer_irq,
				 "axvcpu-vtimer", &arm64_vtimer_cookie);
	if (ret) {
		pr_info("axvcpu: the virtual timer interrupt %u cannot be had: %d\n",
			arm64_vtimer_virq, ret);
		return ret;
	}
	arm64_vtimer_requested = true;
	on_each_cpu(arm64_vtimer_enable_here, NULL, 1);
	return 0;
}

/**
 * arm64_vtimer_exit() - free the PPI if axvcpu requested it
 */
void arm64_vtimer_exit(void)
{
	if (!arm64_vtimer_requested)
		return;
	on_each_cpu(arm64_vtimer_disable_here, NULL, 1);
	free_percpu_irq(arm64_vtimer_virq, &arm64_vtimer_cookie);
	arm64_vtimer_requested = false;
}

/**
 * arm64_vtimer_mask() - mask (before an entry) or unmask (after) the PPI
 * @mask: true to mask
 *
 * Context: interrupts disabled, on the CPU of the entry.
 */
void arm64_vtimer_mask(bool mask)
{
	if (mask)
		disable_percpu_irq(arm64_vtimer_virq);
	else
		enable_percpu_irq(arm64_vtimer_virq, IRQ_TYPE_NONE);
}
