// SPDX-License-Identifier: GPL-2.0
/*
 * The PC's two 8259A interrupt controllers, master at 0x20 and slave at
 * 0xa0 cascaded on the master's IRQ 2, and the edge/level control
 * registers at 0x4d0/0x4d1 (Intel 8259A data sheet: ICW1-4, OCW1-3; the
 * PIIX4 data sheet for ELCR). What Linux's i8259 driver and the timer
 * check use: initialization, masks, fully nested priorities, specific and
 * non-specific EOI, reading IRR/ISR, auto-EOI.
 *
 * The acknowledge cycle happens when the interrupt is handed to the
 * hypervisor (vmm_inject()), not when the guest's IDT takes it:
 * the vector is then the guest's, delivered when its RFLAGS.IF allows, and
 * the in-service bit holds lower priorities back until the EOI, as on the
 * chip. The output goes to vCPU 0 (the bootstrap processor's LINT0).
 */
#include <stdlib.h>
#include <string.h>

#include "x86.h"

struct i8259;

struct pic_chip {
	struct i8259 *pic;
	uint8_t irr, isr, imr;
	uint8_t lines;		/* the input levels, for edge detection */
	uint8_t elcr, elcr_mask;
	uint8_t base;		/* ICW2: vector of IRQ 0 */
	uint8_t init_step;	/* 0 ready; 2, 3, 4: ICW2, ICW3, ICW4 next */
	bool icw4, single, auto_eoi, read_isr, poll;
};

struct i8259 {
	struct vmm *vmm;
	struct pic_chip chip[2];	/* master, slave */
};

/* The highest priority (lowest number) set in @bits, 8 for none. */
static unsigned int pic_first(uint8_t bits)
{
	return bits ? (unsigned int)__builtin_ctz(bits) : 8;
}

/* The IRQ @c would raise now, or -1. */
static int pic_pending(const struct pic_chip *c)
{
	unsigned int irq = pic_first(c->irr & ~c->imr);

	if (irq == 8 || irq >= pic_first(c->isr))
		return -1;
	return irq;
}

/* The acknowledge cycle of @irq on @c: its vector. */
static uint8_t pic_ack(struct pic_chip *c, unsigned int irq)
{
	if (!(c->elcr & (1U << irq)))
		c->irr &= ~(1U << irq);
	if (!c->auto_eoi)
		c->isr |= 1U << irq;
	return c->base + irq;
}

static void pic_update(struct i8259 *pic)
{
	struct pic_chip *m = &pic->chip[0], *s = &pic->chip[1];
	int irq;

	for (;;) {
		/* the slave's output is the master's IRQ 2, a level */
		if (pic_pending(s) >= 0)
			m->irr |= 1U << 2;
		else
			m->irr &= ~(1U << 2);
		irq = pic_pending(m);
		/* nothing before the guest has set the vectors up */
		if (irq < 0 || m->init_step || s->init_step || m->base < 0x20)
			return;
		if (irq == 2) {
			int sirq = pic_pending(s);

			pic_ack(m, 2);
			vmm_inject(&pic->vmm->vcpus[0], pic_ack(s, sirq), false);
		} else {
			vmm_inject(&pic->vmm->vcpus[0], pic_ack(m, irq), false);
		}
	}
}

void i8259_set_irq(struct i8259 *pic, unsigned int irq, bool level)
{
	struct pic_chip *c = &pic->chip[irq >> 3];
	uint8_t bit = 1U << (irq & 7);

	if (c->elcr & bit) {
		c->irr = level ? c->irr | bit : c->irr & ~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;
	}
	c->lines = level ? c->lines | bit : c->lines & ~bit;
	pic_update(pic);
}

static void pic_write(struct vmm *vmm, void *dev, uint64_t off,
		      unsigned int width, uint64_t val)
{
	struct pic_chip *c = dev;
	struct i8259 *pic = c->pic;
	uint8_t v = val;

	if (!(off & 1)) {
		if (v & 0x10) {			/* ICW1 */
			c->init_step = 2;
			c->icw4 = v & 0x01;
			c->single = v & 0x02;
			c->irr &= c->elcr;
			c->isr = 0;
			c->imr = 0;
			c->auto_eoi = c->read_isr = c->poll = false;
		} else if (v & 0x08) {		/* OCW3 */
			if (v & 0x02)
				c->read_isr = v & 0x01;
			c->poll = v & 0x04;
		} else {			/* OCW2 */
			switch (v >> 5) {
			case 1: case 5:		/* non-specific EOI */
				c->isr &= c->isr - 1;
				break;
			case 3: case 7:		/* specific EOI */
				c->isr &= ~(1U << (v & 7));
				break;
			}
		}
	} else {
		switch (c->init_step) {
		case 2:
			c->base = v & 0xf8;
			c->init_step = c->single ? (c->icw4 ? 4 : 0) : 3;
			break;
		case 3:				/* ICW3: the cascade is fixed */
			c->init_step = c->icw4 ? 4 : 0;
			break;
		case 4:
			c->auto_eoi = v & 0x02;
			c->init_step = 0;
			break;
		default:			/* OCW1 */
			c->imr = v;
		}
	}
	pic_update(pic);
}

static void pic_read(struct vmm *vmm, void *dev, uint64_t off,
		     unsigned int width, uint64_t *val)
{
	struct pic_chip *c = dev;
	struct i8259 *pic = c->pic;
	int irq;

	if (off & 1) {
		*val = c->imr;
	} else if (c->poll) {		/* poll mode: the read acknowledges */
		c->poll = false;
		irq = pic_pending(c);
		if (irq >= 0)
			pic_ack(c, irq);
		*val = irq >= 0 ? 0x80 | irq : 0;
		pic_update(pic);
	} else {
		*val = c->read_isr ? c->isr : c->irr;
	}
}

static void elcr_write(struct vmm *vmm, void *dev, uint64_t off,
		       unsigned int width, uint64_t val)
{
	struct i8259 *pic = dev;
	unsigned int i;

	for (i = 0; i < width && off + i < 2; i++) {
		struct pic_chip *c = &pic->chip[off + i];

		c->elcr = (val >> (8 * i)) & c->elcr_mask;
	}
}

static void elcr_read(struct vmm *vmm, void *dev, uint64_t off,
		      unsigned int width, uint64_t *val)
{
	struct i8259 *pic = dev;
	unsigned int i;

	*val = 0;
	for (i = 0; i < width && off + i < 2; i++)
		*val |= (uint64_t)pic->chip[off + i].elcr << (8 * i);
}

struct i8259 *i8259_init(struct vmm *vmm)
{
	struct i8259 *pic = calloc(1, sizeof(*pic));
	struct vmm_device d = { .name = "8259 master", .base = 0x20, .len = 2,
				.read = pic_read, .write = pic_write };

	if (!pic)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	pic->vmm = vmm;
	pic->chip[0].pic = pic->chip[1].pic = pic;
	/* what firmware leaves: everything masked, BIOS vectors */
	pic->chip[0].imr = pic->chip[1].imr = 0xff;
	pic->chip[0].base = 0x08;
	pic->chip[1].base = 0x70;
	/* IRQ 0, 1, 2, 8 and 13 are edge-triggered on a PC (PIIX4 ELCR) */
	pic->chip[0].elcr_mask = 0xf8;
	pic->chip[1].elcr_mask = 0xde;
	d.dev = &pic->chip[0];
	vmm_add_device(vmm, &d);
	d.name = "8259 slave";
	d.base = 0xa0;
	d.dev = &pic->chip[1];
	vmm_add_device(vmm, &d);
	d.name = "8259 ELCR";
	d.dev = pic;
	d.base = 0x4d0;
	d.read = elcr_read;
	d.write = elcr_write;
	vmm_add_device(vmm, &d);
	return pic;
}
