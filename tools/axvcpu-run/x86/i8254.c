// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 interval timer at 0x40-0x43 (Intel 82C54 data sheet) and the
 * port 0x61 bits that go with it (gate and output of counter 2, the
 * refresh toggle). Counter 0 drives IRQ 0 in modes 0 (one shot), 2 and 3
 * (periodic); counter 2 is what Linux calibrates the TSC with. A counter's
 * value is computed from the VMM's clock at 1.193182 MHz whenever it is
 * read, so no timer runs but counter 0's next IRQ.
 */
#include <stdlib.h>

#include "x86.h"

#define PIT_HZ		1193182ULL
#define NS		1000000000ULL

struct pit_counter {
	uint32_t reload;	/* the count written, 65536 for 0 */
	uint8_t mode, rw;	/* rw: 1 LSB, 2 MSB, 3 LSB then MSB */
	bool loaded;		/* counting since a whole count was written */
	bool gate;
	uint64_t start;		/* vmm_now() of the load or the gate's rise */
	uint64_t ticks;		/* counted before start (while gated) */
	bool write_msb, read_msb;
	uint8_t write_lsb;
	bool latched, status_latched;
	uint16_t latch;
	uint8_t status;
};

struct i8254 {
	struct vmm *vmm;
	struct pit_counter c[3];
	struct vmm_timer irq0;
	uint64_t irq0_ticks;	/* counter 0's ticks at its next output */
	bool speaker;
};

static uint64_t pit_ticks(const struct pit_counter *c, uint64_t now)
{
	if (!c->loaded)
		return 0;
	if (!c->gate)
		return c->ticks;
	return c->ticks + (unsigned __int128)(now - c->start) * PIT_HZ / NS;
}

/* The counter's value and output after @t ticks of its mode. */
static uint16_t pit_count(const struct pit_counter *c, uint64_t t, bool *out)
{
	uint32_t n = c->reload;

	if (!c->loaded) {
		*out = c->mode != 0;
		return n;
	}
	switch (c->mode) {
	case 2:
		*out = t % n != n - 1;
		return n - t % n;
	case 3:
		*out = t % n < (n + 1) / 2;
		return (n - 2 * (t % (n / 2 ? n / 2 : 1))) & 0xffff;
	default:	/* 0, 1, 4, 5: counting down once, then wrapping */
		*out = t >= n;
		if (c->mode == 4 || c->mode == 5)
			*out = t != n;
		return (n - t) & 0xffff;
	}
}

static uint64_t pit_ns(uint64_t ticks)
{
	return (unsigned __int128)ticks * NS / PIT_HZ + 1;
}

/* Counter 0's next output edge: IRQ 0. */
static void pit_irq0_arm(struct i8254 *pit)
{
	struct pit_counter *c = &pit->c[0];
	uint64_t now = vmm_now(), t = pit_ticks(c, now);

	if (!c->loaded) {
		vmm_timer_set(pit->vmm, &pit->irq0, 0);
		return;
	}
	if (c->mode == 2 || c->mode == 3) {
		pit->irq0_ticks = (t / c->reload + 1) * c->reload;
	} else if (t < c->reload) {
		pit->irq0_ticks = c->reload;
	} else {
		vmm_timer_set(pit->vmm, &pit->irq0, 0);
		return;
	}
	vmm_timer_set(pit->vmm, &pit->irq0,
		      c->start + pit_ns(pit->irq0_ticks - c->ticks));
}

static void pit_irq0_fire(struct vmm *vmm, void *arg)
{
	struct i8254 *pit = arg;

	arch_irq_line(vmm, 0, true);
	arch_irq_line(vmm, 0, false);
	if (pit->c[0].mode == 2 || pit->c[0].mode == 3)
		pit_irq0_arm(pit);
}

static void pit_load(struct i8254 *pit, struct pit_counter *c,
		     uint32_t count)
{
	c->reload = count ? count : 0x10000;
	c->loaded = true;
	c->start = vmm_now();
	c->ticks = 0;
	if (c == &pit->c[0])
		pit_irq0_arm(pit);
}

static void pit_latch(struct pit_counter *c)
{
	bool out;

	if (!c->latched) {
		c->latch = pit_count(c, pit_ticks(c, vmm_now()), &out);
		c->latched = true;
	}
}

static void pit_control(struct i8254 *pit, uint8_t v)
{
	unsigned int i, sc = v >> 6;
	struct pit_counter *c;
	bool out;

	if (sc == 3) {		/* read-back: bits 3:1 select the counters */
		for (i = 0; i < 3; i++) {
			c = &pit->c[i];
			if (!(v & (2U << i)))
				continue;
			if (!(v & 0x20))
				pit_latch(c);
			if (!(v & 0x10) && !c->status_latched) {
				pit_count(c, pit_ticks(c, vmm_now()), &out);
				c->status = out << 7 | !c->loaded << 6 |
					    c->rw << 4 | c->mode << 1;
				c->status_latched = true;
			}
		}
		return;
	}
	c = &pit->c[sc];
	if (!(v & 0x30)) {
		pit_latch(c);
		return;
	}
	c->rw = (v >> 4) & 3;
	c->mode = (v >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;	/* 6 and 7 are 2 and 3 */
	c->loaded = false;
	c->latched = c->status_latched = false;
	c->write_msb = c->read_msb = false;
	if (sc == 0)
		vmm_timer_set(pit->vmm, &pit->irq0, 0);
}

static void pit_write(struct vmm *vmm, void *dev, uint64_t off,
		      unsigned int width, uint64_t val)
{
	struct i8254 *pit = dev;
	struct pit_counter *c = &pit->c[off & 3];
	uint8_t v = val;

	if (off == 3) {
		pit_control(pit, v);
		return;
	}
	switch (c->rw) {
	case 1:
		pit_load(pit, c, v);
		break;
	case 2:
		pit_load(pit, c, v << 8);
		break;
	case 3:
		if (!c->write_msb) {
			c->write_lsb = v;
			c->write_msb = true;
			if (c->mode == 0)	/* the first byte stops mode 0 */
				c->loaded = false;
		} else {
			c->write_msb = false;
			pit_load(pit, c, c->write_lsb | v << 8);
		}
		break;
	}
}

static void pit_read(struct vmm *vmm, void *dev, uint64_t off,
		     unsigned int width, uint64_t *val)
{
	struct i8254 *pit = dev;
	struct pit_counter *c = &pit->c[off & 3];
	uint16_t count;
	bool out, msb;

	if (off == 3) {
		*val = 0xff;
		return;
	}
	if (c->status_latched) {
		c->status_latched = false;
		*val = c->status;
		return;
	}
	count = c->latched ? c->latch :
			     pit_count(c, pit_ticks(c, vmm_now()), &out);
	msb = c->rw == 2 || (c->rw == 3 && c->read_msb);
	*val = msb ? count >> 8 : count & 0xff;
	if (c->rw == 3)
		c->read_msb = !c->read_msb;
	if (c->rw != 3 || !c->read_msb)
		c->latched = false;
}

/* Port 0x61: bit 0 gate 2, bit 1 speaker, bit 4 refresh, bit 5 OUT2. */
static void port61_read(struct vmm *vmm, void *dev, uint64_t off,
			unsigned int width, uint64_t *val)
{
	struct i8254 *pit = dev;
	struct pit_counter *c = &pit->c[2];
	uint64_t now = vmm_now();
	bool out;

	pit_count(c, pit_ticks(c, now), &out);
	*val = c->gate | pit->speaker << 1 | ((now / 15085) & 1) << 4 |
	       out << 5;
}

static void port61_write(struct vmm *vmm, void *dev, uint64_t off,
			 unsigned int width, uint64_t val)
{
	struct i8254 *pit = dev;
	struct pit_counter *c = &pit->c[2];
	bool gate = val & 1;
	uint64_t now = vmm_now();

	pit->speaker = val & 2;
	if (gate == c->gate)
		return;
	if (!gate) {
		c->ticks = pit_ticks(c, now);
	} else if (c->mode != 0 && c->mode != 4) {
		c->ticks = 0;		/* modes 1, 2, 3, 5 restart on the rise */
	}
	c->start = now;
	c->gate = gate;
}

struct i8254 *i8254_init(struct vmm *vmm)
{
	struct i8254 *pit = calloc(1, sizeof(*pit));
	struct vmm_device d = { .name = "8254 PIT", .base = 0x40, .len = 4,
				.read = pit_read, .write = pit_write };
	unsigned int i;

	if (!pit)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	pit->vmm = vmm;
	for (i = 0; i < 3; i++) {
		pit->c[i].gate = i != 2;
		pit->c[i].reload = 0x10000;
		pit->c[i].rw = 3;
	}
	pit->irq0.fire = pit_irq0_fire;
	pit->irq0.arg = pit;
	vmm_timer_add(vmm, &pit->irq0);
	d.dev = pit;
	vmm_add_device(vmm, &d);
	d.name = "port 0x61";
	d.base = 0x61;
	d.len = 1;
	d.read = port61_read;
	d.write = port61_write;
	vmm_add_device(vmm, &d);
	return pit;
}
