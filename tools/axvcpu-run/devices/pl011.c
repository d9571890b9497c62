// SPDX-License-Identifier: GPL-2.0
/*
 * An Arm PL011 UART (PrimeCell UART technical reference manual, ARM DDI
 * 0183, chapter 3): what an early console and Linux's amba-pl011 driver
 * use. Transmitted bytes go to stdout at once, so the transmit FIFO is
 * always empty and its interrupt (TXRIS) always raised; a received byte
 * comes from stdin, polled when the guest reads FR or DR and every 10 ms
 * while the receive interrupts are unmasked, and raises RXRIS and RTRIS.
 * The line is (RIS & IMSC) != 0. The peripheral and PrimeCell ID registers
 * let the AMBA bus find it.
 */
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "../vmm.h"

#define DR		0x000
#define RSR		0x004
#define FR		0x018
#define IBRD		0x024
#define FBRD		0x028
#define LCR_H		0x02c
#define CR		0x030
#define IFLS		0x034
#define IMSC		0x038
#define RIS		0x03c
#define MIS		0x040
#define ICR		0x044
#define DMACR		0x048

#define FR_RXFE		(1U << 4)
#define FR_TXFE		(1U << 7)
#define INT_RX		(1U << 4)
#define INT_TX		(1U << 5)
#define INT_RT		(1U << 6)
#define RX_POLL_NS	10000000ULL

struct pl011 {
	struct vmm *vmm;
	unsigned int irq;
	uint32_t ibrd, fbrd, lcr_h, cr, ifls, imsc, dmacr;
	uint32_t ris;
	int rx;			/* the byte waiting in DR, -1 for none */
	bool stdin_eof;
	bool line;
	struct vmm_timer rx_poll;
};

/* PeriphID0-3 (0x00041011: a PL011 r1p5), PrimeCell ID0-3 from 0xfe0 */
static const uint8_t pl011_ids[8] = {
	0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1,
};

static void pl011_poll_stdin(struct pl011 *u)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	unsigned char c;

	if (u->rx >= 0 || u->stdin_eof)
		return;
	if (poll(&p, 1, 0) == 1) {
		if (read(0, &c, 1) == 1) {
			u->rx = c;
			u->ris |= INT_RX | INT_RT;
		} else {
			u->stdin_eof = true;
		}
	}
}

static void pl011_update(struct pl011 *u)
{
	bool line = u->ris & u->imsc;

	if (line != u->line) {
		u->line = line;
		arch_irq_line(u->vmm, u->irq, line);
	}
	if ((u->imsc & (INT_RX | INT_RT)) && !u->stdin_eof && !u->rx_poll.deadline)
		vmm_timer_set(u->vmm, &u->rx_poll, vmm_now() + RX_POLL_NS);
}

static void pl011_read(struct vmm *vmm, void *dev, uint64_t off,
		       unsigned int width, uint64_t *val)
{
	struct pl011 *u = dev;
	uint32_t v = 0;

	switch (off) {
	case DR:
		pl011_poll_stdin(u);
		v = u->rx >= 0 ? u->rx : 0;
		u->rx = -1;
		u->ris &= ~(INT_RX | INT_RT);
		break;
	case FR:
		pl011_poll_stdin(u);
		v = FR_TXFE | (u->rx < 0 ? FR_RXFE : 0);
		break;
	case IBRD:
		v = u->ibrd;
		break;
	case FBRD:
		v = u->fbrd;
		break;
	case LCR_H:
		v = u->lcr_h;
		break;
	case CR:
		v = u->cr;
		break;
	case IFLS:
		v = u->ifls;
		break;
	case IMSC:
		v = u->imsc;
		break;
	case RIS:
		v = u->ris;
		break;
	case MIS:
		v = u->ris & u->imsc;
		break;
	case DMACR:
		v = u->dmacr;
		break;
	default:
		if (off >= 0xfe0 && off < 0x1000 && !(off & 3))
			v = pl011_ids[(off - 0xfe0) / 4];
		break;
	}
	*val = v;
	pl011_update(u);
}

static void pl011_write(struct vmm *vmm, void *dev, uint64_t off,
			unsigned int width, uint64_t val)
{
	struct pl011 *u = dev;
	unsigned char c = val;

	switch (off) {
	case DR:
		if (write(1, &c, 1) != 1)
			;	/* stdout gone: the guest's output is lost */
		u->ris |= INT_TX;	/* sent: the FIFO is empty again */
		break;
	case IBRD:
		u->ibrd = val & 0xffff;
		break;
	case FBRD:
		u->fbrd = val & 0x3f;
		break;
	case LCR_H:
		u->lcr_h = val & 0xff;
		break;
	case CR:
		u->cr = val & 0xff87;
		break;
	case IFLS:
		u->ifls = val & 0x3f;
		break;
	case IMSC:
		u->imsc = val & 0x7ff;
		break;
	case ICR:
		u->ris &= ~val;
		/* what is still true comes back */
		if (u->rx >= 0)
			u->ris |= INT_RX | INT_RT;
		break;
	case DMACR:
		u->dmacr = val & 7;
		break;
	}
	pl011_update(u);
}

static void pl011_rx_poll(struct vmm *vmm, void *arg)
{
	struct pl011 *u = arg;

	pl011_poll_stdin(u);
	pl011_update(u);
}

void pl011_init(struct vmm *vmm, uint64_t base, unsigned int irq)
{
	struct pl011 *u = calloc(1, sizeof(*u));
	struct vmm_device d = {
		.name = "pl011", .mmio = true, .base = base, .len = 0x1000,
		.read = pl011_read, .write = pl011_write,
	};

	if (!u)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	u->rx = -1;
	u->vmm = vmm;
	u->irq = irq;
	u->ris = INT_TX;
	u->cr = 0x300;		/* TXE, RXE: the reset value */
	u->rx_poll.fire = pl011_rx_poll;
	u->rx_poll.arg = u;
	vmm_timer_add(vmm, &u->rx_poll);
	d.dev = u;
	vmm_add_device(vmm, &d);
}
