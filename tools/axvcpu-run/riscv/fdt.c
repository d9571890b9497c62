// SPDX-License-Identifier: GPL-2.0
/*
 * The device tree of the riscv64 machine, written as a flattened blob
 * (Devicetree Specification v0.4, chapter 5: header, memory reservation
 * block, structure block, strings block, all big-endian). Linux's riscv
 * boot protocol (Documentation/riscv/boot.rst) takes it in a1.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "riscv.h"

#define FDT_MAGIC	0xd00dfeed
#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_END		9
#define PHANDLE_PLIC	0x100	/* a hart's interrupt controller: 1 + hart */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *d, size_t n)
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

struct fdt {
	struct buf st, str;
};

static void u32(struct buf *b, uint32_t v)
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

static void begin(struct fdt *f, const char *name)
{
	u32(&f->st, FDT_BEGIN_NODE);
	put(&f->st, name, strlen(name) + 1);
}

static void end(struct fdt *f)
{
	u32(&f->st, FDT_END_NODE);
}

static void prop(struct fdt *f, const char *name, const void *d, size_t n)
{
	u32(&f->st, FDT_PROP);
	u32(&f->st, n);
	u32(&f->st, str_off(f, name));
	if (n)
		put(&f->st, d, n);
}

static void prop_str(struct fdt *f, const char *name, const char *s)
{
	prop(f, name, s, strlen(s) + 1);
}

/* @n 32-bit cells */
static void prop_cells(struct fdt *f, const char *name, const uint32_t *c,
		       unsigned int n)
{
	uint32_t be[64];
	unsigned int i;

	for (i = 0; i < n; i++)
		be[i] = htobe32(c[i]);
	prop(f, name, be, 4 * n);
}

static void prop_u32(struct fdt *f, const char *name, uint32_t v)
{
	prop_cells(f, name, &v, 1);
}

static void prop_u64(struct fdt *f, const char *name, uint64_t v)
{
	uint32_t c[2] = { v >> 32, (uint32_t)v };

	prop_cells(f, name, c, 2);
}

/* reg = <addr size> with #address-cells = #size-cells = 2 */
static void prop_reg(struct fdt *f, uint64_t addr, uint64_t size)
{
	uint32_t c[4] = { addr >> 32, (uint32_t)addr, size >> 32, (uint32_t)size };

	prop_cells(f, "reg", c, 4);
}

/* The host's timebase: the guest reads the host's time CSR (+ htimedelta). */
static uint32_t host_timebase(void)
{
	FILE *fp = fopen("/proc/device-tree/cpus/timebase-frequency", "rb");
	uint32_t v = 0;

	if (fp) {
		if (fread(&v, 4, 1, fp) != 1)
			v = 0;
		fclose(fp);
	}
	v = be32toh(v);
	return v ? v : 10000000;	/* QEMU virt's */
}

void *rv_make_fdt(struct vmm *vmm, uint64_t initrd_start, uint64_t initrd_end,
		  bool sstc, size_t *size)
{
	struct fdt f = { 0 };
	uint32_t hdr[10], irqs[2 * VMM_MAX_CPUS];
	char name[64];
	unsigned int i;
	uint8_t *blob;
	size_t off_st, off_str, total;

	begin(&f, "");
	prop_u32(&f, "#address-cells", 2);
	prop_u32(&f, "#size-cells", 2);
	prop_str(&f, "compatible", "linux,axvcpu-run");
	prop_str(&f, "model", "axvcpu-run riscv64");

	begin(&f, "chosen");
	prop_str(&f, "bootargs", vmm->cfg.cmdline ? vmm->cfg.cmdline : "");
	snprintf(name, sizeof(name), "/soc/serial@%llx",
		 (unsigned long long)RV_UART_BASE);
	prop_str(&f, "stdout-path", name);
	if (initrd_end > initrd_start) {
		prop_u64(&f, "linux,initrd-start", initrd_start);
		prop_u64(&f, "linux,initrd-end", initrd_end);
	}
	end(&f);

	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)RV_RAM_BASE);
	begin(&f, name);
	prop_str(&f, "device_type", "memory");
	prop_reg(&f, RV_RAM_BASE, vmm->ram_size);
	end(&f);

	begin(&f, "cpus");
	prop_u32(&f, "#address-cells", 1);
	prop_u32(&f, "#size-cells", 0);
	prop_u32(&f, "timebase-frequency", host_timebase());
	for (i = 0; i < vmm->nr_vcpus; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		begin(&f, name);
		prop_str(&f, "device_type", "cpu");
		prop_u32(&f, "reg", i);
		prop_str(&f, "status", "okay");
		prop_str(&f, "compatible", "riscv");
		/*
		 * no H for the guest; with Sstc its timer is its own stimecmp,
		 * else SBI set_timer, which the module answers
		 */
		prop_str(&f, "riscv,isa", sstc ? "rv64imafdc_sstc" : "rv64imafdc");
		prop_str(&f, "mmu-type", "riscv,sv48");
		begin(&f, "interrupt-controller");
		prop_u32(&f, "#interrupt-cells", 1);
		prop(&f, "interrupt-controller", NULL, 0);
		prop_str(&f, "compatible", "riscv,cpu-intc");
		prop_u32(&f, "phandle", 1 + i);
		end(&f);
		end(&f);
		irqs[2 * i] = 1 + i;
		irqs[2 * i + 1] = 9;	/* supervisor external interrupt */
	}
	end(&f);

	begin(&f, "soc");
	prop_u32(&f, "#address-cells", 2);
	prop_u32(&f, "#size-cells", 2);
	prop_str(&f, "compatible", "simple-bus");
	prop(&f, "ranges", NULL, 0);

	snprintf(name, sizeof(name), "plic@%llx", (unsigned long long)RV_PLIC_BASE);
	begin(&f, name);
	prop(&f, "compatible", "sifive,plic-1.0.0\0riscv,plic0",
	     sizeof("sifive,plic-1.0.0\0riscv,plic0"));
	prop_reg(&f, RV_PLIC_BASE, RV_PLIC_SIZE);
	prop_u32(&f, "#address-cells", 0);
	prop_u32(&f, "#interrupt-cells", 1);
	prop(&f, "interrupt-controller", NULL, 0);
	prop_cells(&f, "interrupts-extended", irqs, 2 * vmm->nr_vcpus);
	prop_u32(&f, "riscv,ndev", RV_PLIC_SOURCES - 1);
	prop_u32(&f, "phandle", PHANDLE_PLIC);
	end(&f);

	snprintf(name, sizeof(name), "serial@%llx", (unsigned long long)RV_UART_BASE);
	begin(&f, name);
	prop_str(&f, "compatible", "ns16550a");
	prop_reg(&f, RV_UART_BASE, 0x100);
	prop_u32(&f, "clock-frequency", 3686400);
	prop_u32(&f, "interrupts", RV_UART_IRQ);
	prop_u32(&f, "interrupt-parent", PHANDLE_PLIC);
	end(&f);
	end(&f);	/* soc */

	end(&f);	/* / */
	u32(&f.st, FDT_END);

	/* header (40 bytes), a memory reservation block of one empty entry */
	off_st = 40 + 16;
	off_str = off_st + f.st.len;
	total = off_str + f.str.len;
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
	hdr[8] = f.str.len;
	hdr[9] = f.st.len;
	for (i = 0; i < 10; i++)
		hdr[i] = htobe32(hdr[i]);
	memcpy(blob, hdr, 40);
	memcpy(blob + off_st, f.st.p, f.st.len);
	memcpy(blob + off_str, f.str.p, f.str.len);
	free(f.st.p);
	free(f.str.p);
	*size = total;
	return blob;
}
