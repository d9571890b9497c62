// SPDX-License-Identifier: GPL-2.0
/*
 * A GICv3 (Arm IHI 0069, "GICv3 and GICv4 Software Overview" and the
 * architecture specification): the distributor and one redistributor per
 * vCPU as MMIO, the CPU interface through the guest's trapped ICC_*
 * accesses. What Linux's irq-gic-v3 driver uses, no more: one security
 * state (GICD_CTLR.DS set), affinity routing always on, group 1 delivered
 * (group 0 exists as registers but is never signalled), SGIs, PPIs and 64
 * SPIs, no LPIs or ITS, 5 priority bits. The interrupt it would signal to a
 * vCPU's CPU interface is the level of that vCPU's IRQ line.
 *
 * The guest's virtual timer is not an input here: the module raises the
 * IRQ line itself while the timer's condition holds. Its PPI (27) is
 * sampled from the module when the guest acknowledges an interrupt, and
 * dropped again at its deactivation (a new sample the next time). That
 * sample is a register ioctl, which completes the SYSREG_READ exit at once
 * (Documentation/api.rst, "Completion"): IAR1 and HPPIR1 are answered by
 * SET_GPR after it.
 */
#include <string.h>

#include "arm64.h"

#define NR_IRQS		(32 + A64_GIC_SPIS)
#define NR_WORDS	(NR_IRQS / 32)
#define SPURIOUS	1023
#define PRI_MASK	0xf8		/* 5 priority bits */
#define PRI_IDLE	0x100		/* the running priority with none active */
#define MAX_ACTIVE	32

/* GICD_CTLR with DS set (IHI 0069 12.9.4) */
#define CTLR_EN_GRP0	(1U << 0)
#define CTLR_EN_GRP1	(1U << 1)
#define CTLR_ARE	(1U << 4)
#define CTLR_DS		(1U << 6)
#define IROUTER_IRM	(1ULL << 31)
#define WAKER_SLEEP	(1U << 1)
#define WAKER_ASLEEP	(1U << 2)
#define ICC_CTLR_EOIMODE (1U << 1)
#define ICC_CTLR_CBPR	(1U << 0)
#define PIDR2_GICV3	0x30		/* ArchRev 3 */

/* the per-interrupt bits, in words of 32 INTIDs */
enum { EN, PEND, ACT, LVL, GRP, NR_BITS };

struct gic_cpu {
	uint32_t bits[NR_BITS];		/* INTIDs 0-31, banked per vCPU */
	uint32_t cfg1;			/* GICR_ICFGR1 (PPIs); SGIs are edge */
	uint8_t prio[32];
	bool sleep;			/* GICR_WAKER.ProcessorSleep */
	/* the CPU interface */
	uint32_t ctlr;
	uint8_t pmr, bpr0, bpr1;
	bool grpen0, grpen1;
	unsigned int nr_active;		/* the active priorities, nested */
	uint16_t act_id[MAX_ACTIVE];
	uint8_t act_prio[MAX_ACTIVE];
	bool line;
};

struct gic {
	struct vmm *vmm;
	uint32_t ctlr;
	uint32_t bits[NR_BITS][NR_WORDS];	/* word 0 unused: banked */
	uint32_t cfg[NR_WORDS * 2];		/* GICD_ICFGR, 2 bits each */
	uint8_t prio[NR_IRQS];
	uint64_t route[NR_IRQS];
	struct gic_cpu cpu[VMM_MAX_CPUS];
};

static struct gic gic;

static uint32_t *word(struct gic_cpu *c, unsigned int which, unsigned int intid)
{
	return intid < 32 ? &c->bits[which] : &gic.bits[which][intid / 32];
}

static bool bit(struct gic_cpu *c, unsigned int which, unsigned int intid)
{
	return *word(c, which, intid) >> (intid % 32) & 1;
}

static void set_bit(struct gic_cpu *c, unsigned int which, unsigned int intid,
		    bool on)
{
	uint32_t *w = word(c, which, intid), m = 1U << (intid % 32);

	*w = on ? *w | m : *w & ~m;
}

static uint8_t *prio(struct gic_cpu *c, unsigned int intid)
{
	return intid < 32 ? &c->prio[intid] : &gic.prio[intid];
}

/* Level-sensitive (ICFGR's Int_config bit 1 clear): SPIs and PPIs. */
static bool level_sensitive(struct gic_cpu *c, unsigned int intid)
{
	if (intid < 16)
		return false;
	if (intid < 32)
		return !(c->cfg1 >> (2 * (intid - 16) + 1) & 1);
	return !(gic.cfg[intid / 16] >> (2 * (intid % 16) + 1) & 1);
}

static bool is_pending(struct gic_cpu *c, unsigned int intid)
{
	return bit(c, PEND, intid) ||
	       (level_sensitive(c, intid) && bit(c, LVL, intid));
}

/* The vCPU an SPI goes to (IROUTER; IRM: vCPU 0). */
static unsigned int spi_target(unsigned int intid)
{
	uint64_t r = gic.route[intid];
	unsigned int i;

	if (r & IROUTER_IRM)
		return 0;
	r &= 0xff00ffffffULL;
	for (i = 0; i < gic.vmm->nr_vcpus; i++)
		if (a64_mpidr(i) == r)
			return i;
	return VMM_MAX_CPUS;		/* nobody: never delivered */
}

static unsigned int running_prio(const struct gic_cpu *c)
{
	return c->nr_active ? c->act_prio[c->nr_active - 1] : PRI_IDLE;
}

/*
 * The highest-priority pending group 1 interrupt for vCPU @n that may
 * preempt what it runs, or SPURIOUS. Lowest INTID first among equals.
 */
static unsigned int best_irq(unsigned int n)
{
	struct gic_cpu *c = &gic.cpu[n];
	unsigned int intid, best = SPURIOUS, best_prio = PRI_IDLE;

	if (!(gic.ctlr & CTLR_EN_GRP1) || !c->grpen1)
		return SPURIOUS;
	for (intid = 0; intid < NR_IRQS; intid++) {
		unsigned int p;

		if (!bit(c, EN, intid) || !bit(c, GRP, intid) ||
		    bit(c, ACT, intid) || !is_pending(c, intid))
			continue;
		if (intid >= 32 && spi_target(intid) != n)
			continue;
		p = *prio(c, intid);
		if (p < best_prio) {
			best = intid;
			best_prio = p;
		}
	}
	if (best == SPURIOUS || best_prio >= c->pmr ||
	    best_prio >= running_prio(c))
		return SPURIOUS;
	return best;
}

/* Every vCPU's IRQ line to what the model would signal. */
static void update(void)
{
	struct vmm *vmm = gic.vmm;
	unsigned int i;

	for (i = 0; i < vmm->nr_vcpus; i++) {
		bool line = best_irq(i) != SPURIOUS;

		if (line != gic.cpu[i].line) {
			gic.cpu[i].line = line;
			vmm->hv->irq_line(&vmm->vcpus[i],
					  AXVCPU_ARM64_IRQ_LINE_IRQ, line);
			if (line) {
				vmm->vcpus[i].wake_seq++;
				pthread_cond_broadcast(&vmm->wake);
			}
		}
	}
}

void gic_set_spi(struct vmm *vmm, unsigned int spi, bool level)
{
	if (spi >= A64_GIC_SPIS)
		return;
	set_bit(&gic.cpu[0], LVL, 32 + spi, level);
	update();
}

/* ---- the registers shared by the distributor and redistributors ---- */

/*
 * The bit registers at @off (GICD_I[S|C]{ENABLE,PEND,ACTIVE}R, IGROUPR;
 * GICR_*R0 when @c is a redistributor's): 32-bit, one word of INTIDs
 * from @first. Returns false when @off is none of them.
 */
static bool bits_access(struct gic_cpu *c, uint64_t off, unsigned int first,
			bool write, uint32_t *val)
{
	static const struct { uint32_t off; int which; int op; } regs[] = {
		{ 0x080, GRP, 0 }, { 0x100, EN, 1 }, { 0x180, EN, -1 },
		{ 0x200, PEND, 1 }, { 0x280, PEND, -1 }, { 0x300, ACT, 1 },
		{ 0x380, ACT, -1 },
	};
	unsigned int i, j;

	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		uint32_t *w;

		if (off < regs[i].off || off >= regs[i].off + 4 * NR_WORDS)
			continue;
		j = first + 32 * ((off - regs[i].off) / 4);
		if (j >= NR_IRQS || (c == NULL) != (j >= 32))
			return true;	/* banked or beyond: RAZ/WI */
		w = word(c ? c : &gic.cpu[0], regs[i].which, j);
		if (!write) {
			*val = *w;
			/* ISPENDR: the latch or a level-sensitive input's level */
			if (regs[i].which == PEND) {
				unsigned int k;

				for (k = 0; k < 32; k++)
					if (is_pending(c ? c : &gic.cpu[0], j + k))
						*val |= 1U << k;
			}
		} else if (regs[i].op == 0) {
			*w = *val;
		} else if (regs[i].op > 0) {
			*w |= *val;
		} else {
			*w &= ~*val;
		}
		return true;
	}
	return false;
}

/* IPRIORITYR (one byte per INTID) at @off from 0x400, @width bytes */
static void prio_access(struct gic_cpu *c, uint64_t off, unsigned int width,
			bool write, uint64_t *val)
{
	unsigned int i, intid;
	uint64_t v = 0;

	for (i = 0; i < width; i++) {
		intid = off - 0x400 + i;
		if (intid >= NR_IRQS || (c == NULL) != (intid >= 32))
			continue;	/* banked or beyond: RAZ/WI */
		if (write)
			*prio(c ? c : &gic.cpu[0], intid) = (*val >> (8 * i)) & PRI_MASK;
		else
			v |= (uint64_t)*prio(c ? c : &gic.cpu[0], intid) << (8 * i);
	}
	if (!write)
		*val = v;
}

/* ---- the distributor (GICD, IHI 0069 12.9) ---- */

static uint32_t gicd_read32(uint64_t off)
{
	uint32_t v = 0;

	if (bits_access(NULL, off, 0, false, &v))
		return v;
	if (off >= 0xc00 && off < 0xc00 + 4 * 2 * NR_WORDS)
		return (off - 0xc00) / 4 >= 2 ? gic.cfg[(off - 0xc00) / 4] : 0;
	if (off >= 0x6100 && off < 0x6000 + 8 * NR_IRQS)
		return gic.route[(off - 0x6000) / 8] >> (off & 4 ? 32 : 0);
	switch (off) {
	case 0x0000:	/* CTLR; RWP (31) clear: writes take effect at once */
		return gic.ctlr | CTLR_ARE | CTLR_DS;
	case 0x0004:	/* TYPER: ITLinesNumber, 10 INTID bits, no LPIs */
		return (NR_IRQS / 32 - 1) | (9 << 19) |
		       (((gic.vmm->nr_vcpus - 1) & 7) << 5);
	case 0x0008:	/* IIDR: no implementer a driver has quirks for */
		return 0;
	case 0xffe8:	/* PIDR2 */
		return PIDR2_GICV3;
	}
	return 0;
}

static void gicd_write32(uint64_t off, uint32_t v)
{
	if (bits_access(NULL, off, 0, true, &v))
		return;
	if (off >= 0xc00 + 8 && off < 0xc00 + 4 * 2 * NR_WORDS) {
		/* Int_config bit 1 per INTID: edge (1) or level (0) */
		gic.cfg[(off - 0xc00) / 4] = v & 0xaaaaaaaa;
		return;
	}
	if (off >= 0x6100 && off < 0x6000 + 8 * NR_IRQS) {
		uint64_t *r = &gic.route[(off - 0x6000) / 8];

		if (off & 4)
			*r = (*r & 0xffffffffULL) | ((uint64_t)v << 32);
		else
			*r = (*r & ~0xffffffffULL) | v;
		*r &= 0xff80ffffffULL;
		return;
	}
	if (off == 0x0000)
		gic.ctlr = v & (CTLR_EN_GRP0 | CTLR_EN_GRP1);
}

static void gicd_read(struct vmm *vmm, void *dev, uint64_t off,
		      unsigned int width, uint64_t *val)
{
	if (off >= 0x400 && off < 0x400 + NR_IRQS) {
		prio_access(NULL, off, width, false, val);
		return;
	}
	*val = gicd_read32(off & ~3ULL) >> (8 * (off & 3));
	if (width == 8)
		*val |= (uint64_t)gicd_read32(off + 4) << 32;
}

static void gicd_write(struct vmm *vmm, void *dev, uint64_t off,
		       unsigned int width, uint64_t val)
{
	if (off >= 0x400 && off < 0x400 + NR_IRQS)
		prio_access(NULL, off, width, true, &val);
	else if (width >= 4 && !(off & 3)) {
		gicd_write32(off, val);
		if (width == 8)
			gicd_write32(off + 4, val >> 32);
	}
	update();
}

/* ---- the redistributors (GICR, IHI 0069 12.10, 12.11) ---- */

static uint32_t gicr_read32(unsigned int n, uint64_t off)
{
	struct gic_cpu *c = &gic.cpu[n];
	uint64_t typer;
	uint32_t v = 0;

	if (off >= 0x10000) {		/* SGI_base */
		off -= 0x10000;
		if (bits_access(c, off, 0, false, &v))
			return v;
		if (off == 0xc00)
			return 0xaaaaaaaa;	/* SGIs: edge */
		if (off == 0xc04)
			return c->cfg1;
		return 0;
	}
	typer = (a64_mpidr(n) << 32) | ((uint64_t)n << 8) |
		(n == gic.vmm->nr_vcpus - 1 ? 1 << 4 : 0);	/* Last */
	switch (off) {
	case 0x0000:	/* CTLR: no LPIs, RWP clear */
		return 0;
	case 0x0008:	/* TYPER */
		return typer;
	case 0x000c:
		return typer >> 32;
	case 0x0014:	/* WAKER */
		return c->sleep ? WAKER_SLEEP | WAKER_ASLEEP : 0;
	case 0xffe8:
		return PIDR2_GICV3;
	}
	return 0;
}

static void gicr_write32(unsigned int n, uint64_t off, uint32_t v)
{
	struct gic_cpu *c = &gic.cpu[n];

	if (off >= 0x10000) {
		off -= 0x10000;
		if (bits_access(c, off, 0, true, &v))
			return;
		if (off == 0xc04)
			c->cfg1 = v & 0xaaaaaaaa;
		return;
	}
	if (off == 0x0014)
		c->sleep = v & WAKER_SLEEP;
}

static void gicr_read(struct vmm *vmm, void *dev, uint64_t off,
		      unsigned int width, uint64_t *val)
{
	unsigned int n = off / A64_GICR_STRIDE;

	off %= A64_GICR_STRIDE;
	if (off >= 0x10400 && off < 0x10420) {
		prio_access(&gic.cpu[n], off - 0x10000, width, false, val);
		return;
	}
	*val = gicr_read32(n, off & ~3ULL) >> (8 * (off & 3));
	if (width == 8)
		*val |= (uint64_t)gicr_read32(n, off + 4) << 32;
}

static void gicr_write(struct vmm *vmm, void *dev, uint64_t off,
		       unsigned int width, uint64_t val)
{
	unsigned int n = off / A64_GICR_STRIDE;

	off %= A64_GICR_STRIDE;
	if (off >= 0x10400 && off < 0x10420)
		prio_access(&gic.cpu[n], off - 0x10000, width, true, &val);
	else if (width >= 4 && !(off & 3)) {
		gicr_write32(n, off, val);
		if (width == 8)
			gicr_write32(n, off + 4, val >> 32);
	}
	update();
}

/* ---- SGIs ---- */

void gic_send_sgi(struct vmm_vcpu *v)
{
	const struct axvcpu_run *run = v->run;
	struct vmm *vmm = v->vmm;
	unsigned int i;

	pthread_mutex_lock(&vmm->lock);
	for (i = 0; i < vmm->nr_vcpus; i++) {
		uint64_t aff = a64_mpidr(i), base = run->send_ipi.target_cpu_aux;

		if (run->send_ipi.send_to_all) {
			if (i == v->id)
				continue;
		} else if ((aff & ~0xfULL) != base ||
			   !(run->send_ipi.target_cpu >> (aff & 0xf) & 1)) {
			continue;
		}
		set_bit(&gic.cpu[i], PEND, run->send_ipi.vector & 15, true);
	}
	update();
	pthread_mutex_unlock(&vmm->lock);
}

/* ---- the CPU interface (ICC_*, IHI 0069 12.2) ---- */

#define ICC(crn, crm, op2)	AXVCPU_SYSREG_ARM64_ENC(3, 0, crn, crm, op2)

/* ICC_IAR1_EL1: acknowledge the best interrupt, now active */
static unsigned int icc_ack(struct vmm_vcpu *v, struct gic_cpu *c)
{
	unsigned int intid;

	set_bit(c, LVL, A64_PPI_VTIMER, a64_vtimer_level(v));
	intid = best_irq(v->id);
	if (intid == SPURIOUS || c->nr_active == MAX_ACTIVE)
		return SPURIOUS;
	/* an edge's latch (a level's input stays: pending again later) */
	set_bit(c, PEND, intid, false);
	set_bit(c, ACT, intid, true);
	c->act_id[c->nr_active] = intid;
	c->act_prio[c->nr_active++] = *prio(c, intid);
	return intid;
}

static void icc_deactivate(struct gic_cpu *c, unsigned int intid)
{
	if (intid >= NR_IRQS)
		return;
	set_bit(c, ACT, intid, false);
	/* the timer is sampled again at the next acknowledge */
	if (intid == A64_PPI_VTIMER)
		set_bit(c, LVL, intid, false);
}

/* ICC_EOIR1_EL1: drop the running priority; in EOImode 0 deactivate too */
static void icc_eoi(struct gic_cpu *c, unsigned int intid)
{
	if (c->nr_active)
		c->nr_active--;
	if (!(c->ctlr & ICC_CTLR_EOIMODE))
		icc_deactivate(c, intid);
}

bool gic_sysreg(struct vmm_vcpu *v, bool write, uint64_t enc, uint64_t *value)
{
	struct vmm *vmm = v->vmm;
	struct gic_cpu *c = &gic.cpu[v->id];
	uint64_t r = 0;
	bool known = true;

	pthread_mutex_lock(&vmm->lock);
	switch (enc) {
	case ICC(4, 6, 0):		/* PMR */
		if (write)
			c->pmr = *value & PRI_MASK;
		r = c->pmr;
		break;
	case ICC(12, 12, 0):		/* IAR1 */
		if (!write) {
			r = icc_ack(v, c);
			a64_answer_read(v, r);
		}
		break;
	case ICC(12, 12, 1):		/* EOIR1 */
		if (write)
			icc_eoi(c, *value & 0xffffff);
		break;
	case ICC(12, 12, 2):		/* HPPIR1 (read-only: a write changes nothing) */
		if (!write) {
			set_bit(c, LVL, A64_PPI_VTIMER, a64_vtimer_level(v));
			r = best_irq(v->id);
			a64_answer_read(v, r);
		}
		break;
	case ICC(12, 11, 1):		/* DIR */
		if (write)
			icc_deactivate(c, *value & 0xffffff);
		break;
	case ICC(12, 11, 3):		/* RPR */
		r = running_prio(c) & 0xff;
		break;
	case ICC(12, 12, 3):		/* BPR1 */
		if (write)
			c->bpr1 = *value & 7;
		r = c->bpr1;
		break;
	case ICC(12, 8, 3):		/* BPR0 */
		if (write)
			c->bpr0 = *value & 7;
		r = c->bpr0;
		break;
	case ICC(12, 12, 4):		/* CTLR: 5 priority bits, 16 INTID bits */
		if (write)
			c->ctlr = *value & (ICC_CTLR_EOIMODE | ICC_CTLR_CBPR);
		r = c->ctlr | (4 << 8);
		break;
	case ICC(12, 12, 5):		/* SRE: system registers, bypass off */
		r = 7;
		break;
	case ICC(12, 12, 6):		/* IGRPEN0 */
		if (write)
			c->grpen0 = *value & 1;
		r = c->grpen0;
		break;
	case ICC(12, 12, 7):		/* IGRPEN1 */
		if (write)
			c->grpen1 = *value & 1;
		r = c->grpen1;
		break;
	case ICC(12, 8, 0):		/* IAR0, HPPIR0: group 0 never signals */
	case ICC(12, 8, 2):
		r = SPURIOUS;
		break;
	case ICC(12, 8, 1):		/* EOIR0, SGI0R, ASGI1R: nothing to do */
	case ICC(12, 11, 6):
	case ICC(12, 11, 7):
		break;
	default:
		/* AP0R0-3, AP1R0-3: no saved state to restore here */
		if ((enc & ~3ULL) == ICC(12, 8, 4) || (enc & ~3ULL) == ICC(12, 9, 0))
			break;
		known = false;
	}
	if (!write)
		*value = r;
	update();
	pthread_mutex_unlock(&vmm->lock);
	return known;
}

void gic_init(struct vmm *vmm)
{
	struct vmm_device d = {
		.name = "gicd", .mmio = true, .base = A64_GICD_BASE,
		.len = A64_GICD_SIZE, .read = gicd_read, .write = gicd_write,
	};
	unsigned int i;

	gic.vmm = vmm;
	for (i = 0; i < vmm->nr_vcpus; i++)
		gic.cpu[i].sleep = true;
	vmm_add_device(vmm, &d);
	d = (struct vmm_device){
		.name = "gicr", .mmio = true, .base = A64_GICR_BASE,
		.len = A64_GICR_STRIDE * vmm->nr_vcpus,
		.read = gicr_read, .write = gicr_write,
	};
	vmm_add_device(vmm, &d);
}
