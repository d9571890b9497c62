// SPDX-License-Identifier: GPL-2.0
/*
 * The flattened device tree writer of fdt.h (Devicetree Specification
 * v0.4, chapter 5).
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "../vmm.h"
#include "fdt.h"

#define FDT_MAGIC	0xd00dfeed
#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_END		9

static void put(struct fdt_buf *b, const void *d, size_t n)
{
	if (b->len + n + 4 > b->cap) {
		b->cap = (b->len + n + 4) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			vmm_die(VMM_EXIT_FAILURE, "out of memory");
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
	while (b->len & 3)		/* tokens are 32-bit aligned */
		b->p[b->len++] = 0;
}

static void u32(struct fdt_buf *b, uint32_t v)
{
	v = htobe32(v);
	put(b, &v, 4);
}

static uint32_t str_off(struct fdt *f, const char *name)
{
	size_t i = 0, n = strlen(name) + 1;

	while (i < f->str.len) {
		if (!strcmp((char *)f->str.p + i, name))
			return i;
		i += strlen((char *)f->str.p + i) + 1;
	}
	/* the strings block is not padded: append byte-exact */
	if (f->str.len + n > f->str.cap) {
		f->str.cap = (f->str.len + n) * 2;
		f->str.p = realloc(f->str.p, f->str.cap);
		if (!f->str.p)
			vmm_die(VMM_EXIT_FAILURE, "out of memory");
	}
	memcpy(f->str.p + f->str.len, name, n);
	f->str.len += n;
	return i;
}

void fdt_begin(struct fdt *f, const char *name)
{
	u32(&f->st, FDT_BEGIN_NODE);
	put(&f->st, name, strlen(name) + 1);
}

void fdt_end(struct fdt *f)
{
	u32(&f->st, FDT_END_NODE);
}

void fdt_prop(struct fdt *f, const char *name, const void *d, size_t n)
{
	u32(&f->st, FDT_PROP);
	u32(&f->st, n);
	u32(&f->st, str_off(f, name));
	if (n)
		put(&f->st, d, n);
}

void fdt_prop_str(struct fdt *f, const char *name, const char *s)
{
	fdt_prop(f, name, s, strlen(s) + 1);
}

void fdt_prop_cells(struct fdt *f, const char *name, const uint32_t *c,
		       unsigned int n)
{
	uint32_t be[64];
	unsigned int i;

	for (i = 0; i < n; i++)
		be[i] = htobe32(c[i]);
	fdt_prop(f, name, be, 4 * n);
}

void fdt_prop_u32(struct fdt *f, const char *name, uint32_t v)
{
	fdt_prop_cells(f, name, &v, 1);
}

void fdt_prop_u64(struct fdt *f, const char *name, uint64_t v)
{
	uint32_t c[2] = { v >> 32, (uint32_t)v };

	fdt_prop_cells(f, name, c, 2);
}

void fdt_prop_reg(struct fdt *f, uint64_t addr, uint64_t size)
{
	uint32_t c[4] = { addr >> 32, (uint32_t)addr, size >> 32, (uint32_t)size };

	fdt_prop_cells(f, "reg", c, 4);
}

void *fdt_finish(struct fdt *f, size_t *size)
{
	uint32_t hdr[10];
	size_t off_st, off_str, total;
	unsigned int i;
	uint8_t *blob;

	u32(&f->st, FDT_END);
	/* header (40 bytes), a memory reservation block of one empty entry */
	off_st = 40 + 16;
	off_str = off_st + f->st.len;
	total = off_str + f->str.len;
	blob = calloc(1, total);
	if (!blob)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	hdr[0] = FDT_MAGIC;
	hdr[1] = total;
	hdr[2] = off_st;
	hdr[3] = off_str;
	hdr[4] = 40;		/* off_mem_rsvmap */
	hdr[5] = 17;		/* version */
	hdr[6] = 16;		/* last_comp_version */
	hdr[7] = 0;		/* boot_cpuid_phys */
	hdr[8] = f->str.len;
	hdr[9] = f->st.len;
	for (i = 0; i < 10; i++)
		hdr[i] = htobe32(hdr[i]);
	memcpy(blob, hdr, 40);
	memcpy(blob + off_st, f->st.p, f->st.len);
	memcpy(blob + off_str, f->str.p, f->str.len);
	free(f->st.p);
	free(f->str.p);
	memset(f, 0, sizeof(*f));
	*size = total;
	return blob;
}
