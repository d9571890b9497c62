/* SPDX-License-Identifier: GPL-2.0 */
/* axvcpu-run's x86 parts: image loaders (x86/load.c). */
#ifndef AXVCPU_RUN_X86_H
#define AXVCPU_RUN_X86_H

#include "../vmm.h"

/* struct axvcpu_gpr numbering */
enum { X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI };

#define X86_LAPIC_BASE		0xfee00000ULL

/* The BIOS area, reserved in the memory map; the ACPI tables are there. */
#define X86_ACPI_BASE		0xe0000
#define X86_BIOS_END		0x100000
#define X86_LOW_RAM_END		0x9fc00		/* 639 KiB, then the EBDA */

/* A memory map entry, as E820 and multiboot give it. */
struct x86_e820 {
	uint64_t addr, len;
	uint32_t type;		/* 1 RAM, 2 reserved */
} __attribute__((packed));

#define X86_E820_MAX		4

/* The guest's memory map (machine.c); returns the number of entries. */
unsigned int x86_e820(struct vmm *vmm, struct x86_e820 *map);

/* Copy @file into guest RAM at @gpa (exit status 2 if it does not fit). */
/*
 * The multiboot v1 kernel of the configuration, its module (--initrd) and
 * command line; @bsp starts at its entry in 32-bit flat protected mode
 * with EAX = 0x2badb002 and EBX = the multiboot information.
 */
void x86_load_multiboot(struct vmm *vmm, struct vmm_vcpu *bsp,
			const uint8_t *img, size_t size);
/* Linux's bzImage (bzimage.c). */
bool x86_is_bzimage(const uint8_t *img, size_t size);
void x86_load_bzimage(struct vmm *vmm, struct vmm_vcpu *bsp, uint8_t *img,
		      size_t size);

/* CPUID and MSRs (cpu.c) */
void x86_cpu_init(struct vmm *vmm);
void x86_cpu_vcpu_init(struct vmm_vcpu *v);

/* ACPI tables and PM registers (acpi.c); the RSDP's address, or 0. */
void acpi_init(struct vmm *vmm);
uint64_t acpi_rsdp(struct vmm *vmm);

/* Local APICs (lapic.c); the machine keeps them (machine.c). */
struct lapic_set;
void lapic_init(struct vmm *vmm, struct lapic_set **set);
struct lapic_set *x86_machine_lapics(struct vmm *vmm);
/* IA32_APIC_BASE; false to fault the access. */
bool lapic_base_msr(struct vmm_vcpu *v, bool write, uint64_t *value);
/* An x2APIC register MSR (0x800-0x8ff); false to fault the access. */
bool lapic_x2apic_msr(struct vmm_vcpu *v, bool write, uint64_t msr,
		      uint64_t *value);

/* A 256-bit map of interrupt vectors (IRR/ISR, a queue): bit v of word v / 32. */
static inline void x86_vec_set(uint32_t *map, unsigned int v)
{
	map[v >> 5] |= 1U << (v & 31);
}

static inline void x86_vec_clear(uint32_t *map, unsigned int v)
{
	map[v >> 5] &= ~(1U << (v & 31));
}

/* The highest vector set in @map, -1 for none. */
static inline int x86_vec_highest(const uint32_t *map)
{
	int i;

	for (i = 7; i >= 0; i--)
		if (map[i])
			return i * 32 + 31 - __builtin_clz(map[i]);
	return -1;
}

/* The ISA devices: PIC (i8259.c), PIT (i8254.c), RTC (rtc.c). */
struct i8259 *i8259_init(struct vmm *vmm);
void i8259_set_irq(struct i8259 *pic, unsigned int irq, bool level);
struct i8254 *i8254_init(struct vmm *vmm);
void rtc_init(struct vmm *vmm);

#endif /* AXVCPU_RUN_X86_H */
