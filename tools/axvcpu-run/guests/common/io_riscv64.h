/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the riscv64 sample guests share: SBI calls (the SBI v2.0 calling
 * convention: a7 the extension, a6 the function, a0/a1 the error and the
 * value) and a polled console on the machine's 16550 (LSR.THRE before
 * each byte), by MMIO at axvcpu-run's address, QEMU virt's.
 */
#ifndef AXVCPU_RUN_GUEST_IO_RISCV64_H
#define AXVCPU_RUN_GUEST_IO_RISCV64_H

#include <stdint.h>

#define UART_BASE	0x10000000UL

struct sbiret {
	long error;
	long value;
};

static inline struct sbiret sbi_call(unsigned long ext, unsigned long fid,
				     unsigned long arg0, unsigned long arg1,
				     unsigned long arg2)
{
	register unsigned long a0 asm("a0") = arg0;
	register unsigned long a1 asm("a1") = arg1;
	register unsigned long a2 asm("a2") = arg2;
	register unsigned long a6 asm("a6") = fid;
	register unsigned long a7 asm("a7") = ext;

	asm volatile("ecall" : "+r"(a0), "+r"(a1)
		     : "r"(a2), "r"(a6), "r"(a7) : "memory");
	return (struct sbiret){ (long)a0, (long)a1 };
}

static inline uint8_t mmio_read8(unsigned long addr)
{
	return *(volatile uint8_t *)addr;
}

static inline void mmio_write8(unsigned long addr, uint8_t v)
{
	*(volatile uint8_t *)addr = v;
}

static inline void putc(char c)
{
	if (c == '\n')
		putc('\r');
	while (!(mmio_read8(UART_BASE + 5) & 0x20))	/* LSR.THRE */
		;
	mmio_write8(UART_BASE, c);
}

#include "print.h"

#endif /* AXVCPU_RUN_GUEST_IO_RISCV64_H */
