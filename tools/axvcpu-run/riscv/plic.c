// SPDX-License-Identifier: GPL-2.0
/*
 * The platform-level interrupt controller (RISC-V PLIC specification
 * v1.0.0): level-triggered sources 1..31 with priorities, and one context
 * per hart (the hart's S mode, the only one a guest has). A source whose
 * line is up becomes pending; a context's claim takes the highest-priority
 * pending source it enables above its threshold, and its completion lets
 * the source, if still up, be pending again. A context with something to
 * claim raises its hart's VS external interrupt (AXVCPU_SET_IRQ_LINE,
 * AXVCPU_RISCV_IRQ_LINE_VSEI).
 */
#include <stdlib.h>
#include <string.h>

#include "riscv.h"

#define PLIC_PRIORITY		0x0
#define PLIC_PENDING		0x1000
#define PLIC_ENABLE		0x2000
#define PLIC_ENABLE_STRIDE	0x80
#define PLIC_CONTEXT		0x200000
#define PLIC_CONTEXT_STRIDE	0x1000

struct plic {
	struct vmm *vmm;
	uint32_t priority[RV_PLIC_SOURCES];
	uint32_t level;			/* the lines, bit = source */
	uint32_t pending;
	uint32_t claimed;		/* claimed, not completed */
	uint32_t enable[VMM_MAX_CPUS];
	uint32_t threshold[VMM_MAX_CPUS];
	bool out[VMM_MAX_CPUS];
};

static struct plic *the_plic;

/* The best source context @ctx may claim, 0 for none. */
static unsigned int plic_best(const struct plic *p, unsigned int ctx)
{
	uint32_t cand = p->pending & p->enable[ctx] & ~p->claimed;
	unsigned int src, best = 0;
	uint32_t prio = p->threshold[ctx];

	for (src = 1; src < RV_PLIC_SOURCES; src++)
		if ((cand & (1U << src)) && p->priority[src] > prio) {
			prio = p->priority[src];
			best = src;
		}
	return best;
}

/* Every context's line to its hart. With vmm->lock held. */
static void plic_update(struct plic *p)
{
	struct vmm *vmm = p->vmm;
	unsigned int ctx;

	p->pending |= p->level & ~p->claimed;
	for (ctx = 0; ctx < vmm->nr_vcpus; ctx++) {
		bool out = plic_best(p, ctx) != 0;

		if (out == p->out[ctx])
			continue;
		p->out[ctx] = out;
		/* the module wakes a vCPU waiting in WFI when a line goes up */
		vmm->hv->irq_line(&vmm->vcpus[ctx], AXVCPU_RISCV_IRQ_LINE_VSEI, out);
	}
}

void plic_set_source(struct vmm *vmm, unsigned int src, bool level)
{
	struct plic *p = the_plic;

	if (!p || !src || src >= RV_PLIC_SOURCES)
		return;
	if (level)
		p->level |= 1U << src;
	else
		p->level &= ~(1U << src);
	plic_update(p);
}

static void plic_read(struct vmm *vmm, void *dev, uint64_t off,
		      unsigned int width, uint64_t *val)
{
	struct plic *p = dev;
	unsigned int ctx, src;

	*val = 0;
	if (width != 4)
		return;
	if (off < PLIC_PENDING) {
		if (off / 4 < RV_PLIC_SOURCES)
			*val = p->priority[off / 4];
	} else if (off == PLIC_PENDING) {
		*val = p->pending;
	} else if (off >= PLIC_ENABLE && off < PLIC_CONTEXT) {
		ctx = (off - PLIC_ENABLE) / PLIC_ENABLE_STRIDE;
		if (ctx < vmm->nr_vcpus && (off - PLIC_ENABLE) % PLIC_ENABLE_STRIDE == 0)
			*val = p->enable[ctx];
	} else if (off >= PLIC_CONTEXT) {
		ctx = (off - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE;
		if (ctx >= vmm->nr_vcpus)
			return;
		switch ((off - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE) {
		case 0:
			*val = p->threshold[ctx];
			break;
		case 4:		/* claim */
			src = plic_best(p, ctx);
			if (src) {
				p->pending &= ~(1U << src);
				p->claimed |= 1U << src;
				plic_update(p);
			}
			*val = src;
			break;
		}
	}
}

static void plic_write(struct vmm *vmm, void *dev, uint64_t off,
		       unsigned int width, uint64_t val)
{
	struct plic *p = dev;
	unsigned int ctx;

	if (width != 4)
		return;
	if (off < PLIC_PENDING) {
		if (off / 4 && off / 4 < RV_PLIC_SOURCES)
			p->priority[off / 4] = val & 7;
	} else if (off >= PLIC_ENABLE && off < PLIC_CONTEXT) {
		ctx = (off - PLIC_ENABLE) / PLIC_ENABLE_STRIDE;
		if (ctx < vmm->nr_vcpus && (off - PLIC_ENABLE) % PLIC_ENABLE_STRIDE == 0)
			p->enable[ctx] = val & ~1U;
	} else if (off >= PLIC_CONTEXT) {
		ctx = (off - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE;
		if (ctx >= vmm->nr_vcpus)
			return;
		switch ((off - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE) {
		case 0:
			p->threshold[ctx] = val & 7;
			break;
		case 4:		/* complete */
			if (val && val < RV_PLIC_SOURCES)
				p->claimed &= ~(1U << val);
			break;
		}
	}
	plic_update(p);
}

void plic_init(struct vmm *vmm)
{
	struct plic *p = calloc(1, sizeof(*p));
	struct vmm_device d = {
		.name = "plic", .mmio = true, .base = RV_PLIC_BASE,
		.len = RV_PLIC_SIZE, .read = plic_read, .write = plic_write,
	};

	if (!p)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	p->vmm = vmm;
	d.dev = p;
	the_plic = p;
	vmm_add_device(vmm, &d);
}
