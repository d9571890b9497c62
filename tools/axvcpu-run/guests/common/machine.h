/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of the raw-image sample guests' greeting that the device tree
 * gives (fdt.h), printed with the console functions of print.h (include
 * this after the architecture's io header).
 */
#ifndef AXVCPU_RUN_GUEST_MACHINE_H
#define AXVCPU_RUN_GUEST_MACHINE_H

#include "fdt.h"

/*
 * "machine: <model>, <n> <unit>(s) (<about>), <size> MiB of RAM at <base>",
 * then the command line if there is one. @about: what the first CPU node
 * says of itself (riscv,isa; compatible).
 */
static inline void print_machine(const struct fdt_machine *m,
				 const char *unit, const char *about)
{
	puts("machine: ");
	puts(m->model ? m->model : "?");
	puts(", ");
	putu(m->cpus);
	puts(" ");
	puts(unit);
	puts("(s) (");
	puts(about ? about : "?");
	puts("), ");
	putu(m->mem_size >> 20);
	puts(" MiB of RAM at ");
	puthex(m->mem_base);
	puts("\n");
	if (m->bootargs && *m->bootargs) {
		puts("command line: ");
		puts(m->bootargs);
		puts("\n");
	}
}

#endif /* AXVCPU_RUN_GUEST_MACHINE_H */
