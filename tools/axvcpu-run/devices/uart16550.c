// SPDX-License-Identifier: GPL-2.0
/*
 * A 16550 UART (COM1 at 0x3f8 on x86): what a polled console driver and
 * Linux's 8250 driver use. Transmitted bytes go to stdout at once, so the
 * transmitter is always empty; received ones come from stdin, polled when
 * the guest reads LSR or RBR and every 10 ms while it has the receive
 * interrupt enabled. Interrupts (data sheet section 8.6, IIR table): data
 * ready, and transmitter empty, which is raised when THR empties or the
 * interrupt is enabled and cleared by reading IIR or writing THR; the
 * line is the arch's IRQ, gated by MCR.OUT2 on a PC's port-mapped COM1
 * (not on riscv64's memory-mapped one, which has no such gate).
 * Registers: the National Semiconductor PC16550D data sheet, table II.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../vmm.h"

#define LCR_DLAB	0x80
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define IER_RDI		0x01
#define IER_THRI	0x02
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define RX_POLL_NS	10000000ULL

struct uart {
	struct vmm *vmm;
	unsigned int irq;
	bool out2_gate;		/* a PC's COM port: MCR.OUT2 gates the line */
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	int rx;			/* the byte waiting in RBR, -1 for none */
	bool stdin_eof;
	bool thri;		/* the transmitter-empty interrupt is pending */
	bool line;
	struct vmm_timer rx_poll;
};

static uint8_t uart_iir(const struct uart *u)
{
	if ((u->ier & IER_RDI) && u->rx >= 0)
		return IIR_RDI;
	if ((u->ier & IER_THRI) && u->thri)
		return IIR_THRI;
	return IIR_NONE;
}

static void uart_update(struct uart *u)
{
	bool line = uart_iir(u) != IIR_NONE &&
		    (!u->out2_gate || (u->mcr & MCR_OUT2));

	if (line != u->line) {
		u->line = line;
		arch_irq_line(u->vmm, u->irq, line);
	}
	if ((u->ier & IER_RDI) && !u->stdin_eof && !u->rx_poll.deadline)
		vmm_timer_set(u->vmm, &u->rx_poll, vmm_now() + RX_POLL_NS);
}

static void uart_poll_stdin(struct uart *u)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	unsigned char c;

	if (u->rx >= 0 || u->stdin_eof || (u->mcr & MCR_LOOP))
		return;
	if (poll(&p, 1, 0) == 1) {
		if (read(0, &c, 1) == 1)
			u->rx = c;
		else
			u->stdin_eof = true;
	}
}

static void uart_read(struct vmm *vmm, void *dev, uint64_t off,
		      unsigned int width, uint64_t *val)
{
	struct uart *u = dev;
	uint8_t v = 0;

	switch (off) {
	case 0:
		if (u->lcr & LCR_DLAB) {
			v = u->dll;
			break;
		}
		uart_poll_stdin(u);
		v = u->rx >= 0 ? u->rx : 0;
		u->rx = -1;
		uart_update(u);
		break;
	case 1:
		v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
		break;
	case 2:		/* IIR; FIFOs on if FCR enabled them */
		v = uart_iir(u);
		if (v == IIR_THRI)
			u->thri = false;
		v |= (u->fcr & 1) ? 0xc0 : 0;
		uart_update(u);
		break;
	case 3:
		v = u->lcr;
		break;
	case 4:
		v = u->mcr;
		break;
	case 5:
		uart_poll_stdin(u);
		v = LSR_THRE | LSR_TEMT | (u->rx >= 0 ? LSR_DR : 0);
		uart_update(u);
		break;
	case 6:		/* MSR: in loopback the modem outputs come back */
		if (u->mcr & MCR_LOOP)
			v = (u->mcr & 0x02) << 3 | (u->mcr & 0x01) << 5 |
			    (u->mcr & 0x04) << 4 | (u->mcr & 0x08) << 4;
		else
			v = 0xb0;	/* DCD, DSR, CTS */
		break;
	case 7:
		v = u->scr;
		break;
	}
	*val = v;
}

static void uart_write(struct vmm *vmm, void *dev, uint64_t off,
		       unsigned int width, uint64_t val)
{
	struct uart *u = dev;
	unsigned char c = val;

	switch (off) {
	case 0:
		if (u->lcr & LCR_DLAB)
			u->dll = c;
		else if (u->mcr & MCR_LOOP)
			u->rx = c;
		else if (write(1, &c, 1) != 1)
			;	/* stdout gone: the guest's output is lost */
		if (!(u->lcr & LCR_DLAB))
			u->thri = true;	/* sent: THR is empty again */
		break;
	case 1:
		if (u->lcr & LCR_DLAB) {
			u->dlm = c;
			break;
		}
		if ((c & IER_THRI) && !(u->ier & IER_THRI))
			u->thri = true;
		u->ier = c & 0x0f;
		break;
	case 2:
		u->fcr = c;
		break;
	case 3:
		u->lcr = c;
		break;
	case 4:
		u->mcr = c & 0x1f;
		break;
	case 7:
		u->scr = c;
		break;
	}
	uart_update(u);
}

static void uart_rx_poll(struct vmm *vmm, void *arg)
{
	struct uart *u = arg;

	uart_poll_stdin(u);
	uart_update(u);
}

void uart16550_init(struct vmm *vmm, uint64_t base, unsigned int irq,
		    bool mmio)
{
	struct uart *u = calloc(1, sizeof(*u));
	struct vmm_device d = {
		.name = "uart16550", .mmio = mmio, .base = base, .len = 8,
		.read = uart_read, .write = uart_write,
	};

	if (!u)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	u->rx = -1;
	u->vmm = vmm;
	u->irq = irq;
	u->out2_gate = !mmio;
	u->rx_poll.fire = uart_rx_poll;
	u->rx_poll.arg = u;
	vmm_timer_add(vmm, &u->rx_poll);
	d.dev = u;
	vmm_add_device(vmm, &d);
}
