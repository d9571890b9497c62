// SPDX-License-Identifier: GPL-2.0
/*
 * A local APIC per vCPU, in user space: the xAPIC registers at 0xfee00000
 * (Intel SDM vol. 3A, chapter 11: 11.4.1 the page, 11.5 the LVT and the
 * timer, 11.6 the ICR, 11.8 IRR/ISR/TMR, EOI and the priorities), the
 * IA32_APIC_BASE MSR, and in x2APIC mode (11.12) the same registers as
 * MSRs 0x800-0x8ff, with the 32-bit APIC ID, the derived logical ID, the
 * 64-bit ICR and SELF IPI. Each vCPU's accesses to the page reach its own
 * APIC (vmm_current); the page does not answer in x2APIC mode.
 *
 * An interrupt the APIC accepts is set in IRR; the highest whose priority
 * class is above PPR moves to ISR and is handed to the hypervisor
 * (vmm_inject(): AXVCPU_INJECT_INTERRUPT), which delivers it when the
 * guest's RFLAGS.IF allows, as the CPU would take it from the APIC; EOI clears the highest
 * ISR bit and lets the next one through. The timer counts at 1 GHz before
 * its divider (one-shot and periodic; no TSC-deadline mode, which CPUID
 * does not offer). The ICR sends fixed, lowest-priority (to the first
 * target), NMI, INIT and start-up IPIs, physical or logical (flat and
 * cluster), with the shorthands: INIT then SIPI starts an AP in real mode
 * at the vector's page. External interrupts of the 8259 reach vCPU 0
 * directly, as through its LINT0 in virtual-wire mode.
 */
#include <stdlib.h>
#include <string.h>

#include "x86.h"

#define APIC_ID			0x020
#define APIC_VERSION		0x030
#define APIC_TPR		0x080
#define APIC_APR		0x090
#define APIC_PPR		0x0a0
#define APIC_EOI		0x0b0
#define APIC_LDR		0x0d0
#define APIC_DFR		0x0e0
#define APIC_SVR		0x0f0
#define APIC_ISR		0x100
#define APIC_TMR		0x180
#define APIC_IRR		0x200
#define APIC_ESR		0x280
#define APIC_LVT_CMCI		0x2f0
#define APIC_ICR		0x300
#define APIC_ICR_HI		0x310
#define APIC_LVT		0x320	/* timer, thermal, perf, LINT0, LINT1, error */
#define APIC_TMICT		0x380
#define APIC_TMCCT		0x390
#define APIC_TDCR		0x3e0
#define APIC_SELF_IPI		0x3f0	/* x2APIC only */
#define X2APIC_MSR_BASE		0x800
#define X2APIC_MSR_END		0x900

#define NR_LVT			6
#define LVT_MASKED		(1U << 16)
#define LVT_TIMER_PERIODIC	(1U << 17)
#define SVR_ENABLED		(1U << 8)
#define ESR_RECV_ILLEGAL	(1U << 6)
#define ESR_SEND_ILLEGAL	(1U << 5)
/* version 0x14 (integrated), NR_LVT entries */
#define APIC_VERSION_VALUE	(0x14 | (NR_LVT - 1) << 16)

#define ICR_DM(v)		(((v) >> 8) & 7)
#define ICR_LOGICAL		(1U << 11)
#define ICR_LEVEL_ASSERT	(1U << 14)
#define ICR_TRIGGER_LEVEL	(1U << 15)
#define ICR_SHORTHAND(v)	(((v) >> 18) & 3)
#define DM_FIXED		0
#define DM_LOWEST		1
#define DM_NMI			4
#define DM_INIT			5
#define DM_STARTUP		6

#define APIC_BASE_BSP		(1ULL << 8)
#define APIC_BASE_EXTD		(1ULL << 10)
#define APIC_BASE_ENABLE	(1ULL << 11)

struct lapic {
	struct vmm_vcpu *vcpu;
	bool x2apic;			/* IA32_APIC_BASE.EXTD */
	uint32_t tpr, ldr, dfr, svr, esr, icr_hi, lvt[NR_LVT], lvt_cmci;
	uint32_t tmict, tdcr;
	uint32_t irr[8], isr[8], tmr[8];
	uint64_t timer_start;		/* vmm_now() at the period's start */
	struct vmm_timer timer;
	uint64_t base_msr;
	bool init_seen;			/* an AP has had INIT: SIPI starts it */
};

struct lapic_set {
	struct lapic *apic[VMM_MAX_CPUS];
	unsigned int n;
};

static uint32_t lapic_ppr(const struct lapic *a)
{
	int isr = x86_vec_highest(a->isr);
	uint32_t isr_class = isr < 0 ? 0 : (uint32_t)isr & 0xf0;

	return (a->tpr & 0xf0) >= isr_class ? a->tpr & 0xff : isr_class;
}

/* Hand the interrupts PPR lets through to the module. */
static void lapic_deliver(struct lapic *a)
{
	int v;

	while ((v = x86_vec_highest(a->irr)) >= 0 &&
	       ((uint32_t)v & 0xf0) > (lapic_ppr(a) & 0xf0)) {
		x86_vec_clear(a->irr, v);
		x86_vec_set(a->isr, v);
		vmm_inject(a->vcpu, v, false);
	}
}

static void lapic_accept(struct lapic *a, unsigned int vector)
{
	if (vector < 16) {
		a->esr |= ESR_RECV_ILLEGAL;
		return;
	}
	if (!(a->svr & SVR_ENABLED))
		return;		/* a software-disabled APIC takes nothing */
	x86_vec_set(a->irr, vector);
	lapic_deliver(a);
}

/* The timer's divider (SDM 11.5.4: TDCR bits 0, 1, 3). */
static uint64_t lapic_divider(const struct lapic *a)
{
	unsigned int d = (a->tdcr & 3) | ((a->tdcr & 8) >> 1);

	return d == 7 ? 1 : 2ULL << d;
}

static uint64_t lapic_period_ns(const struct lapic *a)
{
	return (uint64_t)a->tmict * lapic_divider(a);
}

static uint32_t lapic_current_count(const struct lapic *a)
{
	uint64_t period = lapic_period_ns(a), elapsed;

	if (!period)
		return 0;
	elapsed = vmm_now() - a->timer_start;
	if (a->lvt[0] & LVT_TIMER_PERIODIC)
		elapsed %= period;
	else if (elapsed >= period)
		return 0;
	return a->tmict - elapsed / lapic_divider(a);
}

static void lapic_timer_arm(struct lapic *a)
{
	uint64_t period = lapic_period_ns(a);

	vmm_timer_set(a->vcpu->vmm, &a->timer,
		      period ? a->timer_start + period : 0);
}

static void lapic_timer_fire(struct vmm *vmm, void *arg)
{
	struct lapic *a = arg;
	uint64_t period = lapic_period_ns(a), now = vmm_now();

	if (!(a->lvt[0] & LVT_MASKED))
		lapic_accept(a, a->lvt[0] & 0xff);
	if (!(a->lvt[0] & LVT_TIMER_PERIODIC) || !period) {
		a->tmict = 0;	/* one-shot: the count stays at 0 */
		return;
	}
	/* the next period, skipping those the VMM was too late for */
	a->timer_start += period;
	if (now - a->timer_start >= period)
		a->timer_start = now - (now - a->timer_start) % period;
	lapic_timer_arm(a);
}

static struct lapic_set *lapics(struct vmm *vmm)
{
	return x86_machine_lapics(vmm);
}

/* x2APIC's logical ID: cluster in 31:16, a bit of the cluster below. */
static uint32_t x2apic_ldr(const struct lapic *a)
{
	return (a->vcpu->id >> 4) << 16 | 1U << (a->vcpu->id & 0xf);
}

/*
 * Whether @a is a destination of @dest in the ICR's mode (SDM 11.6.2;
 * 11.12.10 for the sender in x2APIC mode, @x2).
 */
static bool lapic_match(const struct lapic *a, uint32_t dest, bool logical,
			bool x2)
{
	if (x2) {
		if (dest == 0xffffffff)
			return true;
		if (!logical)
			return dest == a->vcpu->id;
		return (dest >> 16) == (x2apic_ldr(a) >> 16) &&
		       (dest & x2apic_ldr(a) & 0xffff);
	}
	if (!logical)
		return dest == 0xff || dest == a->vcpu->id;
	if (dest == 0xff)
		return true;
	if ((a->dfr >> 28) == 0xf)		/* flat */
		return (a->ldr >> 24) & dest;
	return (a->ldr >> 28) == (dest >> 4) &&	/* cluster */
	       ((a->ldr >> 24) & dest & 0xf);
}

static void lapic_ipi_one(struct lapic *t, uint32_t icr)
{
	struct vmm_vcpu *v = t->vcpu;

	switch (ICR_DM(icr)) {
	case DM_FIXED: case DM_LOWEST:
		lapic_accept(t, icr & 0xff);
		break;
	case DM_NMI:
		vmm_inject(v, 0, true);
		break;
	case DM_INIT:
		/* the INIT level de-assert of old CPUs does nothing */
		if (!(icr & ICR_LEVEL_ASSERT) && (icr & ICR_TRIGGER_LEVEL))
			break;
		if (v->started)
			vmm_warn("vCPU %u: INIT of a running vCPU ignored", v->id);
		else
			t->init_seen = true;
		break;
	case DM_STARTUP:
		if (!v->started && t->init_seen)
			vmm_vcpu_start(v, (uint64_t)(icr & 0xff) << 12,
				       AXVCPU_X86_MODE_REAL);
		break;
	default:
		t->esr |= ESR_SEND_ILLEGAL;
	}
}

static void lapic_send_ipi(struct lapic *a, uint32_t icr)
{
	struct lapic_set *set = lapics(a->vcpu->vmm);
	uint32_t dest = a->x2apic ? a->icr_hi : a->icr_hi >> 24;
	unsigned int i, sh = ICR_SHORTHAND(icr);

	for (i = 0; i < set->n; i++) {
		struct lapic *t = set->apic[i];

		if ((sh == 1 && t != a) || (sh == 3 && t == a) ||
		    (sh == 0 && !lapic_match(t, dest, icr & ICR_LOGICAL, a->x2apic)))
			continue;
		lapic_ipi_one(t, icr);
		if (ICR_DM(icr) == DM_LOWEST && sh == 0)
			break;		/* lowest priority: one of them */
	}
}

static uint32_t lapic_reg_read(struct lapic *a, unsigned int reg)
{
	switch (reg) {
	case APIC_ID:
		return a->x2apic ? a->vcpu->id : a->vcpu->id << 24;
	case APIC_VERSION:
		return APIC_VERSION_VALUE;
	case APIC_TPR:
		return a->tpr;
	case APIC_PPR:
		return lapic_ppr(a);
	case APIC_LDR:
		return a->x2apic ? x2apic_ldr(a) : a->ldr;
	case APIC_DFR:
		return a->dfr;
	case APIC_SVR:
		return a->svr;
	case APIC_ESR:
		return a->esr;
	case APIC_LVT_CMCI:
		return a->lvt_cmci;
	case APIC_ICR:
		return 0;	/* delivery status: idle; the IPI is sent */
	case APIC_ICR_HI:
		return a->icr_hi;
	case APIC_TMICT:
		return a->tmict;
	case APIC_TMCCT:
		return lapic_current_count(a);
	case APIC_TDCR:
		return a->tdcr;
	}
	if (reg >= APIC_LVT && reg < APIC_LVT + 0x10 * NR_LVT)
		return a->lvt[(reg - APIC_LVT) >> 4];
	if (reg >= APIC_ISR && reg < APIC_ISR + 0x80)
		return a->isr[(reg - APIC_ISR) >> 4];
	if (reg >= APIC_TMR && reg < APIC_TMR + 0x80)
		return a->tmr[(reg - APIC_TMR) >> 4];
	if (reg >= APIC_IRR && reg < APIC_IRR + 0x80)
		return a->irr[(reg - APIC_IRR) >> 4];
	return 0;
}

static void lapic_reg_write(struct lapic *a, unsigned int reg, uint32_t v)
{
	unsigned int i;

	switch (reg) {
	case APIC_TPR:
		a->tpr = v & 0xff;
		lapic_deliver(a);
		return;
	case APIC_EOI: {
		int isr = x86_vec_highest(a->isr);

		if (isr >= 0)
			x86_vec_clear(a->isr, isr);
		lapic_deliver(a);
		return;
	}
	case APIC_LDR:
		a->ldr = v & 0xff000000;
		return;
	case APIC_DFR:
		a->dfr = v | 0x0fffffff;
		return;
	case APIC_SVR:
		a->svr = v & 0x3ff;
		if (!(v & SVR_ENABLED))	/* disabling masks every LVT */
			for (i = 0; i < NR_LVT; i++)
				a->lvt[i] |= LVT_MASKED;
		lapic_deliver(a);
		return;
	case APIC_ESR:
		a->esr = 0;
		return;
	case APIC_LVT_CMCI:
		a->lvt_cmci = v & 0x117ff;
		return;
	case APIC_ICR:
		lapic_send_ipi(a, v);
		return;
	case APIC_ICR_HI:
		a->icr_hi = a->x2apic ? v : v & 0xff000000;
		return;
	case APIC_SELF_IPI:
		if (a->x2apic)
			lapic_accept(a, v & 0xff);
		return;
	case APIC_TMICT:
		a->tmict = v;
		a->timer_start = vmm_now();
		lapic_timer_arm(a);
		return;
	case APIC_TDCR:
		a->tdcr = v & 0xb;
		return;
	}
	if (reg >= APIC_LVT && reg < APIC_LVT + 0x10 * NR_LVT) {
		i = (reg - APIC_LVT) >> 4;
		if (!(a->svr & SVR_ENABLED))
			v |= LVT_MASKED;
		/* the timer keeps mode bit 17, the others their delivery bits */
		a->lvt[i] = v & (i == 0 ? 0x300ff : 0x1a7ff);
		if (i == 0)
			lapic_timer_arm(a);
	}
}

/* The current vCPU's APIC, if it answers on the xAPIC page. */
static struct lapic *lapic_self(struct vmm *vmm)
{
	struct vmm_vcpu *v = vmm_current;
	struct lapic *a = v ? lapics(vmm)->apic[v->id] : NULL;

	return a && !a->x2apic && (a->base_msr & APIC_BASE_ENABLE) ? a : NULL;
}

static void lapic_mmio_read(struct vmm *vmm, void *dev, uint64_t off,
			    unsigned int width, uint64_t *val)
{
	struct lapic *a = lapic_self(vmm);

	/* 32-bit registers at 16-byte strides; other accesses read 0 */
	*val = a && !(off & 0xf) ? lapic_reg_read(a, off) : 0;
}

static void lapic_mmio_write(struct vmm *vmm, void *dev, uint64_t off,
			     unsigned int width, uint64_t val)
{
	struct lapic *a = lapic_self(vmm);

	if (a && !(off & 0xf))
		lapic_reg_write(a, off, val);
}

/*
 * IA32_APIC_BASE (SDM 11.4.4, 11.12.5): the base stays put; EN and EXTD
 * move between the valid states (disabled, xAPIC, x2APIC; x2APIC goes
 * back only through disabled), with x2APIC when CPUID offers it.
 */
bool lapic_base_msr(struct vmm_vcpu *v, bool write, uint64_t *value)
{
	struct lapic *a = lapics(v->vmm)->apic[v->id];
	uint64_t mode = *value & (APIC_BASE_ENABLE | APIC_BASE_EXTD);

	if (!write) {
		*value = a->base_msr;
		return true;
	}
	if ((*value & ~(APIC_BASE_BSP | APIC_BASE_ENABLE | APIC_BASE_EXTD)) !=
	    X86_LAPIC_BASE ||
	    (*value & APIC_BASE_BSP) != (a->base_msr & APIC_BASE_BSP) ||
	    mode == APIC_BASE_EXTD ||
	    (a->x2apic && mode == APIC_BASE_ENABLE))
		return false;
	a->x2apic = mode & APIC_BASE_EXTD;
	a->base_msr = *value;
	return true;
}

/*
 * The x2APIC registers as MSRs (SDM 11.12.1.2): only in x2APIC mode; DFR
 * and the upper ICR half are gone, the ICR is one 64-bit write, EOI and
 * SELF IPI take only writes (EOI of 0), and write-only or read-only
 * registers fault the other way.
 */
bool lapic_x2apic_msr(struct vmm_vcpu *v, bool write, uint64_t msr,
		      uint64_t *value)
{
	struct lapic *a;
	unsigned int reg;

	if (msr < X2APIC_MSR_BASE || msr >= X2APIC_MSR_END)
		return false;
	a = lapics(v->vmm)->apic[v->id];
	reg = (msr - X2APIC_MSR_BASE) << 4;
	if (!a->x2apic || reg == APIC_DFR || reg == APIC_ICR_HI)
		return false;
	if (!write) {
		if (reg == APIC_EOI || reg == APIC_SELF_IPI)
			return false;
		*value = lapic_reg_read(a, reg);
		if (reg == APIC_ICR)
			*value |= (uint64_t)a->icr_hi << 32;
		return true;
	}
	switch (reg) {
	case APIC_ID: case APIC_VERSION: case APIC_PPR: case APIC_LDR:
	case APIC_TMCCT:
		return false;
	case APIC_EOI:
		if (*value)
			return false;
		break;
	case APIC_ICR:
		a->icr_hi = *value >> 32;
		break;
	}
	if ((reg >= APIC_ISR && reg < APIC_IRR + 0x80))
		return false;
	lapic_reg_write(a, reg, *value);
	return true;
}

void lapic_init(struct vmm *vmm, struct lapic_set **out)
{
	struct lapic_set *set = calloc(1, sizeof(*set));
	struct vmm_device d = { .name = "local APIC", .mmio = true,
				.base = X86_LAPIC_BASE, .len = 0x1000,
				.read = lapic_mmio_read,
				.write = lapic_mmio_write };
	unsigned int i, j;

	if (!set)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	for (i = 0; i < vmm->nr_vcpus; i++) {
		struct lapic *a = calloc(1, sizeof(*a));

		if (!a)
			vmm_die(VMM_EXIT_FAILURE, "out of memory");
		/* the state after RESET (SDM 11.4.7.1) */
		a->vcpu = &vmm->vcpus[i];
		a->dfr = 0xffffffff;
		a->svr = 0xff;
		for (j = 0; j < NR_LVT; j++)
			a->lvt[j] = LVT_MASKED;
		a->lvt_cmci = LVT_MASKED;
		a->base_msr = X86_LAPIC_BASE | APIC_BASE_ENABLE |
			      (i ? 0 : APIC_BASE_BSP);
		a->timer.fire = lapic_timer_fire;
		a->timer.arg = a;
		vmm_timer_add(vmm, &a->timer);
		set->apic[i] = a;
	}
	set->n = vmm->nr_vcpus;
	vmm_add_device(vmm, &d);
	*out = set;
}
