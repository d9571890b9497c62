/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sample guests' console output, over the putc() of the architecture's
 * io header (which includes this after defining it): strings, decimal and
 * hexadecimal numbers of the guest's word size.
 */
#ifndef AXVCPU_RUN_GUEST_PRINT_H
#define AXVCPU_RUN_GUEST_PRINT_H

static inline void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static inline void putu(unsigned long v)
{
	char buf[3 * sizeof(v) + 1];
	int i = sizeof(buf) - 1;

	buf[i] = 0;
	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	puts(buf + i);
}

static inline void puthex(unsigned long v)
{
	int i;

	puts("0x");
	for (i = 8 * sizeof(v) - 4; i > 0 && !(v >> i); i -= 4)
		;
	for (; i >= 0; i -= 4)
		putc("0123456789abcdef"[(v >> i) & 0xf]);
}

#endif /* AXVCPU_RUN_GUEST_PRINT_H */
