/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the arm64 sample guests share: PSCI calls through HVC (the SMC
 * Calling Convention, DEN0028: the function id in w0, arguments in x1-x3,
 * the result in x0; the device tree's psci node says "hvc") and a polled
 * console on the machine's PL011 (FR.TXFF clear before each byte; PL011
 * TRM, 3.3.3), by MMIO at axvcpu-run's address, QEMU virt's. The guests run
 * with the MMU off: every access is Device-nGnRnE, so they are built with
 * -mstrict-align and never use exclusives.
 */
#ifndef AXVCPU_RUN_GUEST_IO_ARM64_H
#define AXVCPU_RUN_GUEST_IO_ARM64_H

#include <stdint.h>

#define UART_BASE		0x09000000UL
#define UART_DR			0x00
#define UART_FR			0x18
#define UART_FR_TXFF		(1U << 5)

/* PSCI 1.1 (DEN0022), 5.1: function ids, SMC64 where there is one */
#define PSCI_VERSION		0x84000000U
#define PSCI_CPU_OFF		0x84000002U
#define PSCI_CPU_ON		0xc4000003U
#define PSCI_AFFINITY_INFO	0xc4000004U
#define PSCI_SYSTEM_OFF		0x84000008U
#define PSCI_AFFINITY_OFF	1

static inline long psci_call(uint32_t fn, unsigned long arg0,
			     unsigned long arg1, unsigned long arg2)
{
	register unsigned long x0 asm("x0") = fn;
	register unsigned long x1 asm("x1") = arg0;
	register unsigned long x2 asm("x2") = arg1;
	register unsigned long x3 asm("x3") = arg2;

	asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
		     : : "memory");
	return (long)x0;
}

#define read_sysreg(r) ({						\
	unsigned long __v;						\
	asm volatile("mrs %0, " #r : "=r"(__v));			\
	__v;								\
})

static inline void putc(char c)
{
	if (c == '\n')
		putc('\r');
	while (*(volatile uint32_t *)(UART_BASE + UART_FR) & UART_FR_TXFF)
		;
	*(volatile uint32_t *)(UART_BASE + UART_DR) = (uint8_t)c;
}

#include "print.h"

#endif /* AXVCPU_RUN_GUEST_IO_ARM64_H */
