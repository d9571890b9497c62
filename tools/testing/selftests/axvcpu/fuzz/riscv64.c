// SPDX-License-Identifier: GPL-2.0
/*
 * The riscv64 part of the axvcpu ioctl fuzzer (fuzz/axvcpu_fuzz.h): random
 * guest code biased towards the instructions that exit (ECALL with SBI ids,
 * WFI, CSR accesses, loads and stores), perturbed riscv64 register files,
 * CSR ids and FP images.
 */
#include <string.h>

#include "axvcpu_fuzz.h"

#define rnd		fuzz_rnd
#define below		fuzz_below
#define chance		fuzz_chance
#define interesting	fuzz_interesting

const struct fuzz_arch_info fuzz_arch = {
	.nr_gprs = 32,		/* x0 .. x31 */
	.fault_vector = 13,	/* load page fault: stval holds the address */
};

static void put32(unsigned char *p, uint32_t insn)
{
	memcpy(p, &insn, 4);
}

void fuzz_arch_random_code(struct fuzz_thread *t, unsigned char *p, size_t len)
{
	static const uint32_t snippets[] = {
		0x00000073,	/* ecall */
		0x10500073,	/* wfi */
		0x60002573,	/* csrr a0, hstatus (virtual instruction) */
		0xc0302573,	/* csrr a0, hpmcounter3 */
		0x14d51073,	/* csrw stimecmp, a0 */
		0x00100073,	/* ebreak */
		0x00052503,	/* lw a0, 0(a0) */
		0x00b52023,	/* sw a1, 0(a0) */
		0x00053503,	/* ld a0, 0(a0) */
		0x00050503,	/* lb a0, 0(a0) */
		0x0000006f,	/* j . */
		0x00000000,	/* illegal */
		0x10200073,	/* sret */
		0x30200073,	/* mret */
		0x12000073,	/* sfence.vma */
		0x0000100f,	/* fence.i */
	};
	size_t off = 0;

	if (chance(t, 25)) {
		for (off = 0; off < len; off++)
			p[off] = rnd(t);
		return;
	}
	while (off + 16 < len) {
		unsigned int k = below(t, 8);

		if (k == 0) {			/* lui a0/a1/a7 with a value */
			static const uint32_t rd[] = { 10, 11, 17, 16 };

			put32(p + off, ((uint32_t)interesting(t) & 0xfffff000) |
				       rd[below(t, 4)] << 7 | 0x37);
			off += 4;
		} else if (k == 1) {		/* a random halfword */
			p[off++] = rnd(t);
			p[off++] = rnd(t);
		} else {
			put32(p + off, snippets[below(t, sizeof(snippets) /
							 sizeof(snippets[0]))]);
			off += 4;
		}
	}
}

void fuzz_arch_setup(struct fuzz_thread *t, struct axvcpu_setup *s, bool session)
{
	/* riscv64 has no set-up choices: anything nonzero is refused */
	if (!session && chance(t, 10))
		s->arch.pad[below(t, 8)] = interesting(t);
}

void fuzz_arch_random_regs(struct fuzz_thread *t, struct axvcpu_regs *regs)
{
	unsigned int k;

	/* any 8-byte field before the reserved tail */
	for (k = below(t, 4); k; k--) {
		__u64 *f = (__u64 *)&regs->riscv64 +
			   below(t, offsetof(struct axvcpu_riscv64_regs, reserved) / 8);

		*f = chance(t, 50) ? interesting(t) : *f ^ (1ULL << below(t, 64));
	}
}

void fuzz_arch_random_events(struct fuzz_thread *t, struct axvcpu_events *ev)
{
	/* riscv64 keeps no events: any image is refused */
	((unsigned char *)ev->pad)[below(t, sizeof(ev->pad))] = rnd(t);
}

uint64_t fuzz_arch_sysreg_id(struct fuzz_thread *t)
{
	static const uint16_t csrs[] = { 0x106, 0x14d, 0x605, 0x60a, 0x100,
					 0x180, 0x600 };

	if (chance(t, 70))
		return AXVCPU_SYSREG_RISCV_CSR | csrs[below(t, sizeof(csrs) / 2)];
	return AXVCPU_SYSREG_RISCV_CSR | (uint32_t)interesting(t);
}

unsigned int fuzz_arch_fpu_offset(struct fuzz_thread *t)
{
	/* fcsr, its padding, the reserved tail */
	return 256 + below(t, 8 + 56);
}

void fuzz_arch_vcpu_op(struct fuzz_thread *t, int fd)
{
}
