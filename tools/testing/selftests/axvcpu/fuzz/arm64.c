// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 part of the axvcpu ioctl fuzzer (fuzz/axvcpu_fuzz.h): random
 * guest code biased towards the instructions that exit or trap (HVC and
 * SMC with PSCI ids, WFI, system register accesses, loads and stores,
 * ERET and the like), perturbed arm64 register files (PSTATE above all:
 * EL2 and AArch32 modes must be refused), system register ids and FP
 * images.
 */
#include <string.h>

#include "axvcpu_fuzz.h"

#define rnd		fuzz_rnd
#define below		fuzz_below
#define chance		fuzz_chance
#define interesting	fuzz_interesting

const struct fuzz_arch_info fuzz_arch = {
	.nr_gprs = 31,		/* x0 .. x30 */
	.fault_vector = 0,	/* arm64 takes no injected exceptions */
};

static void put32(unsigned char *p, uint32_t insn)
{
	memcpy(p, &insn, 4);
}

void fuzz_arch_random_code(struct fuzz_thread *t, unsigned char *p, size_t len)
{
	static const uint32_t snippets[] = {
		0xd4000002,	/* hvc #0 */
		0xd4000003,	/* smc #0 */
		0xd503207f,	/* wfi */
		0xd503205f,	/* wfe */
		0xd5380000,	/* mrs x0, midr_el1 */
		0xd53e1100,	/* mrs x0, cptr_el3 (UNDEF at EL1) */
		0xd51c1100,	/* msr hcr_el2, x0 (UNDEF at EL1) */
		0xd5189000 | (9 << 12),	/* msr pmcr-class encoding (trapped) */
		0xd53be040,	/* mrs x0, cntv_cval_el0 */
		0xd51be020,	/* msr cntv_ctl_el0, x0 */
		0xd53be000,	/* mrs x0, cntfrq_el0 */
		0xd5300240,	/* mrs x0, mdscr_el1-class (trapped, TDA) */
		0xb9400000,	/* ldr w0, [x0] */
		0xf9000001,	/* str x1, [x0] */
		0x39400000,	/* ldrb w0, [x0] */
		0x38c00000,	/* ldursb x0, [x0] */
		0xa9400400,	/* ldp x0, x1, [x0] (no syndrome) */
		0x14000000,	/* b . */
		0x00000000,	/* udf #0 */
		0xd69f03e0,	/* eret */
		0xd4200000,	/* brk #0 */
		0xd508871f,	/* tlbi vmalle1 */
		0xd5087500,	/* ic iallu */
		0xd5033fdf,	/* isb */
	};
	size_t off = 0;

	if (chance(t, 25)) {
		for (off = 0; off < len; off++)
			p[off] = rnd(t);
		return;
	}
	while (off + 16 < len) {
		unsigned int k = below(t, 8);

		if (k == 0) {			/* movz x0/x1/x2 with a value */
			put32(p + off, 0xd2800000 | (below(t, 4) << 21) |
				       (((uint32_t)interesting(t) & 0xffff) << 5) |
				       below(t, 3));
			off += 4;
		} else if (k == 1) {		/* a PSCI id in w0 (movz/movk) */
			put32(p + off, 0xd2800000 | ((0x0000 + below(t, 16)) << 5));
			put32(p + off + 4, 0xf2b08000 | (below(t, 2) ? 0x8000 << 5 : 0));
			off += 8;
		} else {
			put32(p + off, snippets[below(t, sizeof(snippets) /
							 sizeof(snippets[0]))]);
			off += 4;
		}
	}
}

void fuzz_arch_setup(struct fuzz_thread *t, struct axvcpu_setup *s, bool session)
{
	/* arm64 has no set-up choices: anything nonzero is refused */
	if (!session && chance(t, 10))
		s->arch.pad[below(t, 8)] = interesting(t);
}

void fuzz_arch_random_regs(struct fuzz_thread *t, struct axvcpu_regs *regs)
{
	struct axvcpu_arm64_regs *r = &regs->arm64;
	unsigned int k;

	/* PSTATE with any mode: EL2h, EL2t, AArch32 must not be entered */
	if (chance(t, 30))
		r->pstate = (r->pstate & ~0x1fULL) | below(t, 32);
	for (k = below(t, 4); k; k--) {
		__u64 *f = (__u64 *)r +
			   below(t, offsetof(struct axvcpu_arm64_regs, reserved) / 8);

		*f = chance(t, 50) ? interesting(t) : *f ^ (1ULL << below(t, 64));
	}
}

void fuzz_arch_random_events(struct fuzz_thread *t, struct axvcpu_events *ev)
{
	/* arm64 keeps no events: any image is refused */
	((unsigned char *)ev->pad)[below(t, sizeof(ev->pad))] = rnd(t);
}

uint64_t fuzz_arch_sysreg_id(struct fuzz_thread *t)
{
	/* SCTLR, TTBR0, VBAR, CNTV_CTL, MPIDR, CNTVOFF_EL2 (op0..op2 packed) */
	static const uint16_t regs[] = { 0xc080, 0xc100, 0xc600, 0xdf19,
					 0xc005, 0xe703 };

	if (chance(t, 70))
		return AXVCPU_SYSREG_ARM64 | regs[below(t, sizeof(regs) / 2)];
	return AXVCPU_SYSREG_ARM64 | (uint32_t)interesting(t);
}

unsigned int fuzz_arch_fpu_offset(struct fuzz_thread *t)
{
	/* FPSR, FPCR, the reserved tail */
	return 512 + below(t, 8 + 56);
}

void fuzz_arch_vcpu_op(struct fuzz_thread *t, int fd)
{
}
