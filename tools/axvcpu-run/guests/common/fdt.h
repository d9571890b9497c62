/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the sample guests read of the flattened device tree the VMM gives
 * them (Devicetree Specification v0.4, chapter 5: a header, a structure
 * block of tokens and a strings block): the root's model, /chosen's
 * bootargs, the first memory node, and the cpu@ nodes of /cpus (their reg,
 * the first one's compatible and riscv,isa). Freestanding: no libc.
 */
#ifndef AXVCPU_RUN_GUEST_FDT_H
#define AXVCPU_RUN_GUEST_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC		0xd00dfeed
#define FDT_BEGIN_NODE		1
#define FDT_END_NODE		2
#define FDT_PROP		3
#define FDT_NOP			4
#define FDT_END			9

#define FDT_MAX_CPUS		8

struct fdt_machine {
	const char *model, *bootargs;
	const char *cpu_compatible, *isa;	/* the first cpu@ node's */
	uint64_t mem_base, mem_size;
	unsigned int cpus;
	uint64_t cpu_reg[FDT_MAX_CPUS];		/* hart id, MPIDR affinity */
};

/* Byte by byte: the tree is big-endian and its cells only 4-byte aligned. */
static inline uint32_t fdt_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

static inline uint64_t fdt_be64(const void *p)
{
	return (uint64_t)fdt_be32(p) << 32 | fdt_be32((const uint8_t *)p + 4);
}

static inline bool fdt_streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static inline bool fdt_prefix(const char *s, const char *p)
{
	while (*p && *s == *p)
		s++, p++;
	return !*p;
}

static inline size_t fdt_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* Fills @m from the tree at @fdt; false if @fdt is not one. */
static inline bool fdt_parse(const uint8_t *fdt, struct fdt_machine *m)
{
	const uint8_t *p = fdt + fdt_be32(fdt + 8);
	const char *strings = (const char *)fdt + fdt_be32(fdt + 12);
	const char *node[4] = { "", "", "", "" };
	bool in_cpu = false;
	int depth = 0;

	if (fdt_be32(fdt) != FDT_MAGIC)
		return false;
	for (;;) {
		uint32_t tok = fdt_be32(p), vlen;
		const char *name;

		p += 4;
		switch (tok) {
		case FDT_BEGIN_NODE:
			name = (const char *)p;
			if (depth < 4)
				node[depth] = name;
			depth++;
			in_cpu = depth == 3 && fdt_streq(node[1], "cpus") &&
				 fdt_prefix(name, "cpu@");
			if (in_cpu)
				m->cpus++;
			p += (fdt_strlen(name) + 4) & ~3UL;
			break;
		case FDT_END_NODE:
			depth--;
			in_cpu = false;
			break;
		case FDT_PROP:
			vlen = fdt_be32(p);
			name = strings + fdt_be32(p + 4);
			p += 8;
			if (depth == 1 && fdt_streq(name, "model"))
				m->model = (const char *)p;
			else if (depth == 2 && fdt_streq(node[1], "chosen") &&
				 fdt_streq(name, "bootargs"))
				m->bootargs = (const char *)p;
			else if (depth == 2 && fdt_prefix(node[1], "memory@") &&
				 fdt_streq(name, "reg") && vlen >= 16 && !m->mem_size)
				m->mem_base = fdt_be64(p), m->mem_size = fdt_be64(p + 8);
			else if (in_cpu && m->cpus <= FDT_MAX_CPUS &&
				 fdt_streq(name, "reg"))
				m->cpu_reg[m->cpus - 1] = vlen >= 8 ? fdt_be64(p) : fdt_be32(p);
			else if (in_cpu && m->cpus == 1 && fdt_streq(name, "compatible"))
				m->cpu_compatible = (const char *)p;
			else if (in_cpu && m->cpus == 1 && fdt_streq(name, "riscv,isa"))
				m->isa = (const char *)p;
			p += (vlen + 3) & ~3UL;
			break;
		case FDT_NOP:
			break;
		default:	/* FDT_END, or not a device tree */
			return tok == FDT_END;
		}
	}
}

#endif /* AXVCPU_RUN_GUEST_FDT_H */
