// SPDX-License-Identifier: GPL-2.0
/*
 * The exits guest: each kind of exit axvcpu-run sees from an x86 guest,
 * one line each on COM1 (vmm_x86_test checks them): port I/O to a port
 * no device claims, MMIO to the local APIC, MSRs the VMM keeps and one it
 * does not (a #GP), a hypercall (VMMCALL or VMCALL, by CPU vendor), HLT
 * woken by the PIT through the 8259 and by the local APIC timer, the
 * x2APIC's MSRs and a self IPI, and at last a triple fault (SYSTEM_DOWN),
 * which ends the VMM.
 */
#include <stdint.h>

#include "../common/io.h"

#define LAPIC		0xfee00000
#define APIC_TPR	0x080
#define APIC_VERSION	0x030
#define APIC_SVR	0x0f0
#define APIC_LVT_TIMER	0x320
#define APIC_TMICT	0x380
#define APIC_TDCR	0x3e0
#define MSR_APIC_BASE	0x1b
#define MSR_AMD_HWCR	0xc0010015
#define APIC_BASE_EXTD	(1U << 10)
/* a hypercall number neither the VMM nor KVM knows ("AXVC") */
#define HC_NR		0x41585643
#define X2APIC_ID	0x802
#define X2APIC_VERSION	0x803
#define X2APIC_SELF_IPI	0x83f

volatile uint32_t gp_count, irq0_count, apic_timer_count, self_ipi_count;
void gp_entry(void), irq0_entry(void), apic_timer_entry(void),
	self_ipi_entry(void);

static uint64_t idt[256];
/* null, flat 32-bit code at 0x08, flat data at 0x10 */
static const uint64_t gdt[3] = { 0, 0x00cf9a000000ffffULL,
				 0x00cf92000000ffffULL };

/* Multiboot leaves GDTR unspecified: a GDT of our own before any IDT. */
static void load_gdt(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uint32_t)gdt };

	asm volatile("lgdt %0\n\t"
		     "ljmp $0x08, $1f\n"
		     "1:\tmov $0x10, %%eax\n\t"
		     "mov %%eax, %%ds\n\t"
		     "mov %%eax, %%es\n\t"
		     "mov %%eax, %%ss\n\t"
		     "mov %%eax, %%fs\n\t"
		     "mov %%eax, %%gs"
		     :: "m"(gdtr) : "eax", "memory");
}

static void set_gate(unsigned int vector, void (*fn)(void))
{
	uint32_t off = (uint32_t)fn;
	uint16_t cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	/* a 32-bit interrupt gate, present, DPL 0 */
	idt[vector] = (off & 0xffff) | (uint64_t)cs << 16 |
		      (uint64_t)0x8e00 << 32 | (uint64_t)(off >> 16) << 48;
}

static void load_idt(uint16_t limit)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr = { limit, (uint32_t)idt };

	asm volatile("lidt %0" :: "m"(idtr));
}

static uint32_t apic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(LAPIC + reg);
}

static void apic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC + reg) = v;
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo = 0, hi = 0;

	asm volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v),
		     "d"((uint32_t)(v >> 32)));
}

/* HLT until @count moves; returns the HLTs it took. */
static uint32_t halt_until(volatile uint32_t *count)
{
	uint32_t seen = *count, n = 0;

	while (*count == seen) {
		asm volatile("sti; hlt; cli");
		n++;
	}
	return n;
}

void guest_main(uint32_t magic, const void *mbi);

void guest_main(uint32_t magic, const void *mbi)
{
	uint32_t r[4], ret;
	int amd;

	load_gdt();
	set_gate(13, gp_entry);
	set_gate(0x20, irq0_entry);
	set_gate(0x40, apic_timer_entry);
	set_gate(0x41, self_ipi_entry);
	load_idt(sizeof(idt) - 1);
	puts("exits guest\n");

	puts("io: port 0x2f8 (no COM2) reads ");
	puthex(inb(0x2f8));
	puts("\n");

	puts("mmio: local APIC version ");
	puthex(apic_read(APIC_VERSION));
	apic_write(APIC_TPR, 0x20);
	puts(", TPR written 0x20 reads ");
	puthex(apic_read(APIC_TPR));
	apic_write(APIC_TPR, 0);
	puts("\n");

	puts("msr: APIC_BASE ");
	puthex(rdmsr(MSR_APIC_BASE));
	rdmsr(0x4b564dff);
	puts(", MSR 0x4b564dff faults: ");
	putu(gp_count);
	puts(" #GP\n");
	wrmsr(MSR_AMD_HWCR, 0x1234);
	puts("msr: HWCR written 0x1234 reads ");
	puthex(rdmsr(MSR_AMD_HWCR));
	puts("\n");

	cpuid(0, r);
	amd = r[1] == 0x68747541;	/* "Auth" */
	if (amd)
		asm volatile("vmmcall" : "=a"(ret) : "a"(HC_NR) : "memory");
	else
		asm volatile("vmcall" : "=a"(ret) : "a"(HC_NR) : "memory");
	puts("hypercall: returns ");
	if ((int32_t)ret < 0) {
		putc('-');
		ret = -ret;
	}
	putu(ret);
	puts("\n");

	/* the 8259s at vectors 0x20 and 0x28, IRQ 0 alone unmasked */
	outb(0x20, 0x11);
	outb(0x21, 0x20);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0xa0, 0x11);
	outb(0xa1, 0x28);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, 0xfe);
	outb(0xa1, 0xff);
	/* PIT counter 0, mode 0, 10 ms */
	outb(0x43, 0x30);
	outb(0x40, 11932 & 0xff);
	outb(0x40, 11932 >> 8);
	halt_until(&irq0_count);
	puts("halt: woken by the PIT's IRQ 0 through the 8259\n");
	outb(0x21, 0xff);

	/* the APIC timer: enabled APIC, vector 0x40 one-shot, 1 ms */
	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_TDCR, 0xb);		/* divide by 1 */
	apic_write(APIC_LVT_TIMER, 0x40);
	apic_write(APIC_TMICT, 1000000);
	halt_until(&apic_timer_count);
	puts("halt: woken by the local APIC timer\n");

	/* x2APIC mode, if CPUID offers it: the registers as MSRs, a self IPI */
	cpuid(1, r);
	if (!(r[2] & (1U << 21))) {
		puts("x2apic: not offered\n");
		goto done;
	}
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	puts("x2apic: ID ");
	putu(rdmsr(X2APIC_ID));
	puts(", version ");
	puthex(rdmsr(X2APIC_VERSION));
	wrmsr(X2APIC_SELF_IPI, 0x41);
	asm volatile("sti; nop; cli");
	puts(", self IPIs taken: ");
	putu(self_ipi_count);
	puts("\n");

done:
	puts("triple fault\n");
	load_idt(0);
	asm volatile("int3");
}
