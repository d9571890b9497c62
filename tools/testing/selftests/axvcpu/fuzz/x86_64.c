// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 part of the axvcpu ioctl fuzzer (fuzz/axvcpu_fuzz.h): random
 * 32-bit and real-mode guest code biased towards the instructions that
 * exit, SETUP in FLAT32 or real mode, and perturbed x86 register files,
 * events, MSR ids, XSAVE images and CPUID tables.
 *
 * Each function draws from the thread's generator in the order the
 * fuzzer did before it was split by architecture, so old seeds replay.
 */
#include <string.h>

#include "axvcpu_fuzz.h"

#define rnd		fuzz_rnd
#define below		fuzz_below
#define chance		fuzz_chance
#define interesting	fuzz_interesting
#define some_ptr	fuzz_some_ptr

const struct fuzz_arch_info fuzz_arch = {
	.nr_gprs = 16,		/* RAX .. R15 */
	.fault_vector = 14,	/* #PF: its fault address is CR2 */
};

/*
 * QEMU 10.0's TCG (the x86 lanes' emulator) dies with SIGSEGV while it
 * translates MOV to segment register 6 or 7 (8E with ModRM.reg 6 or 7),
 * which hardware answers with #UD; 7.2 translates it fine. The reproducer
 * is one real-mode instruction without axvcpu:
 * tools/testing/qemu-bugs/mov-sreg/. Any 8E byte may be decoded as that
 * opcode, so every 8E byte whose next byte has reg 6 or 7 (and a final 8E)
 * becomes 8C (MOV from a segment register, translated correctly).
 */
static void avoid_qemu_crashers(unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] == 0x8e && (i + 1 == len || ((p[i + 1] >> 3) & 7) >= 6))
			p[i] = 0x8c;
}

void fuzz_arch_random_code(struct fuzz_thread *t, unsigned char *p, size_t len)
{
	/* Instructions that make exits, followed or not by random bytes. */
	static const unsigned char snippets[][8] = {
		{ 2, 0xe6, 0x80 },		/* out %al, $0x80 */
		{ 2, 0xe4, 0x81 },		/* in $0x81, %al */
		{ 1, 0xf4 },			/* hlt */
		{ 3, 0x0f, 0x01, 0xd9 },	/* vmmcall */
		{ 2, 0x0f, 0x32 },		/* rdmsr */
		{ 2, 0x0f, 0x30 },		/* wrmsr */
		{ 2, 0x0f, 0xa2 },		/* cpuid */
		{ 3, 0x0f, 0x23, 0xc0 },	/* mov %eax, %dr0 */
		{ 3, 0x0f, 0x21, 0xf8 },	/* mov %dr7, %eax */
		{ 1, 0xfb },			/* sti */
		{ 1, 0xfa },			/* cli */
		{ 1, 0xcc },			/* int3 */
		{ 2, 0x0f, 0x0b },		/* ud2 */
		{ 2, 0xeb, 0xfe },		/* jmp . */
		{ 1, 0x6e },			/* outsb */
		{ 3, 0x0f, 0x01, 0xd1 },	/* xsetbv */
		{ 2, 0x0f, 0x08 },		/* invd */
		{ 3, 0x0f, 0x01, 0xda },	/* vmload */
		{ 3, 0x0f, 0x22, 0xc0 },	/* mov %eax, %cr0 */
		{ 3, 0x0f, 0x22, 0xe0 },	/* mov %eax, %cr4 */
		{ 2, 0x8b, 0x00 },		/* mov (%eax), %eax */
		{ 2, 0x89, 0x18 },		/* mov %ebx, (%eax) */
		{ 3, 0x0f, 0xbe, 0x08 },	/* movsbl (%eax), %ecx */
		{ 3, 0xc6, 0x00, 0x5a },	/* movb $0x5a, (%eax) */
		{ 2, 0x0f, 0x01 },		/* a group 7 opcode, random ModRM next */
	};
	size_t off = 0;

	if (chance(t, 25)) {
		for (off = 0; off < len; off++)
			p[off] = rnd(t);
		avoid_qemu_crashers(p, len);
		return;
	}
	while (off + 16 < len) {
		unsigned int k = below(t, 8);

		if (k == 0) {			/* mov $imm32, %eax/%ecx/%ebx */
			uint32_t v = interesting(t);

			p[off++] = 0xb8 + below(t, 4);
			memcpy(p + off, &v, 4);
			off += 4;
		} else if (k == 1) {		/* a random byte */
			p[off++] = rnd(t);
		} else {
			const unsigned char *s = snippets[below(t, sizeof(snippets) /
							      sizeof(snippets[0]))];

			memcpy(p + off, s + 1, s[0]);
			off += s[0];
		}
	}
	avoid_qemu_crashers(p, len);
}

void fuzz_arch_setup(struct fuzz_thread *t, struct axvcpu_setup *s, bool session)
{
	/* the code above is 32-bit code, and makes sense in real mode too */
	if (session)
		s->arch.x86.mode = chance(t, 80) ? AXVCPU_X86_MODE_FLAT32 :
						   AXVCPU_X86_MODE_REAL;
	else
		s->arch.x86.mode = chance(t, 90) ? below(t, 2) : interesting(t);
}

void fuzz_arch_random_regs(struct fuzz_thread *t, struct axvcpu_regs *regs)
{
	unsigned int k;

	/* any 8-byte field before the reserved tail */
	for (k = below(t, 4); k; k--) {
		__u64 *f = (__u64 *)&regs->x86 +
			   below(t, offsetof(struct axvcpu_x86_regs, reserved) / 8);

		*f = chance(t, 50) ? interesting(t) : *f ^ (1ULL << below(t, 64));
	}
}

void fuzz_arch_random_events(struct fuzz_thread *t, struct axvcpu_events *ev)
{
	if (chance(t, 50))
		((unsigned char *)&ev->x86)[below(t, sizeof(ev->x86))] = rnd(t);
	if (chance(t, 20))
		ev->x86.pending_irqs[below(t, 4)] = interesting(t);
}

uint64_t fuzz_arch_sysreg_id(struct fuzz_thread *t)
{
	return AXVCPU_SYSREG_X86_MSR | (uint32_t)interesting(t);
}

unsigned int fuzz_arch_fpu_offset(struct fuzz_thread *t)
{
	/* MXCSR in the legacy area, or the XSAVE header */
	return chance(t, 50) ? 24 + below(t, 4) : 512 + below(t, 64);
}

/*
 * CPUID: the supported list (system fd), then a table made from it with
 * a few entries changed, duplicated or given bad flags, or a wrong size.
 */
void fuzz_arch_vcpu_op(struct fuzz_thread *t, int fd)
{
	static __thread struct axvcpu_cpuid_entry e[AXVCPU_MAX_CPUID_ENTRIES + 4];
	struct axvcpu_cpuid c;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	c.nent = chance(t, 80) ? AXVCPU_MAX_CPUID_ENTRIES : below(t, 64);
	c.entries = (uintptr_t)some_ptr(t, e);
	fuzz_ioctl(t, fuzz_sys_fd(t), AXVCPU_GET_SUPPORTED_CPUID,
		   (uintptr_t)some_ptr(t, &c), "GET_SUPPORTED_CPUID");
	if (c.nent > AXVCPU_MAX_CPUID_ENTRIES)
		c.nent = AXVCPU_MAX_CPUID_ENTRIES;
	for (i = below(t, 4); i; i--) {
		struct axvcpu_cpuid_entry *x = &e[below(t, AXVCPU_MAX_CPUID_ENTRIES)];

		if (chance(t, 50))
			x->ecx ^= 1U << below(t, 32);
		else if (chance(t, 20))
			*x = e[below(t, AXVCPU_MAX_CPUID_ENTRIES)];
		else if (chance(t, 20))
			x->flags = rnd(t);
		else
			x->function = interesting(t);
	}
	if (chance(t, 10))
		c.nent = chance(t, 50) ? 0 : interesting(t);
	if (chance(t, 5))
		c.flags = rnd(t);
	fuzz_ioctl(t, fd, AXVCPU_SET_CPUID, (uintptr_t)some_ptr(t, &c), "SET_CPUID");
}
