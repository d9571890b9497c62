/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the sample guests share: port I/O, CPUID, and a polled console on
 * COM1 (the 16550's LSR.THRE before each byte).
 */
#ifndef AXVCPU_RUN_GUEST_IO_H
#define AXVCPU_RUN_GUEST_IO_H

#include <stdint.h>

#define COM1		0x3f8

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" :: "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" :: "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpuid(uint32_t leaf, uint32_t *r)
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(0));
}

static inline void putc(char c)
{
	if (c == '\n')
		putc('\r');
	while (!(inb(COM1 + 5) & 0x20))	/* LSR.THRE */
		;
	outb(COM1, c);
}

#include "print.h"

#endif /* AXVCPU_RUN_GUEST_IO_H */
