/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A flattened device tree writer (Devicetree Specification v0.4, chapter
 * 5: header, memory reservation block, structure block, strings block, all
 * big-endian): what the riscv64 and arm64 machines hand their guests'
 * kernels. Nodes are written in order: fdt_begin(), properties, children,
 * fdt_end(); fdt_finish() returns the blob.
 */
#ifndef AXVCPU_RUN_FDT_H
#define AXVCPU_RUN_FDT_H

#include <stddef.h>
#include <stdint.h>

struct fdt_buf {
	uint8_t *p;
	size_t len, cap;
};

struct fdt {
	struct fdt_buf st, str;
};

void fdt_begin(struct fdt *f, const char *name);
void fdt_end(struct fdt *f);
void fdt_prop(struct fdt *f, const char *name, const void *d, size_t n);
void fdt_prop_str(struct fdt *f, const char *name, const char *s);
/* @n 32-bit cells (at most 64) */
void fdt_prop_cells(struct fdt *f, const char *name, const uint32_t *c,
		    unsigned int n);
void fdt_prop_u32(struct fdt *f, const char *name, uint32_t v);
void fdt_prop_u64(struct fdt *f, const char *name, uint64_t v);
/* reg = <addr size> with #address-cells = #size-cells = 2 */
void fdt_prop_reg(struct fdt *f, uint64_t addr, uint64_t size);
/* The blob (malloc'ed, *@size bytes); @f is emptied. */
void *fdt_finish(struct fdt *f, size_t *size);

#endif /* AXVCPU_RUN_FDT_H */
