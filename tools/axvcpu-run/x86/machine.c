// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 machine: the small PC that test kernels written for QEMU and
 * Linux expect (Documentation/vmm.rst): COM1 on IRQ 4, QEMU's
 * isa-debug-exit, fw_cfg, the 8259 PICs, the 8254 PIT, the CMOS RTC, a
 * local APIC per vCPU, ACPI tables and PM registers; the images; the exits that need x86 knowledge
 * (HLT, pending interrupts). CPUID and MSRs are in cpu.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../vmm.h"
#include "x86.h"

#define COM1_BASE		0x3f8
#define COM1_IRQ		4
#define DEBUG_EXIT_PORT		0xf4
#define FW_CFG_PORT		0x510

#define X86_RFLAGS_IF		(1ULL << 9)

struct x86_machine {
	struct i8259 *pic;
	struct lapic_set *lapics;
};

struct lapic_set *x86_machine_lapics(struct vmm *vmm)
{
	struct x86_machine *m = vmm->arch;

	return m->lapics;
}

/* isa-debug-exit: a write of V ends QEMU with status (V << 1) | 1. */
static void debug_exit_write(struct vmm *vmm, void *dev, uint64_t off,
			     unsigned int width, uint64_t val)
{
	vmm_stop(vmm, (int)((((uint32_t)val) << 1) | 1));
}

unsigned int x86_e820(struct vmm *vmm, struct x86_e820 *map)
{
	unsigned int n = 0;

	map[n++] = (struct x86_e820){ 0, X86_LOW_RAM_END, 1 };
	if (vmm->ram_size <= X86_BIOS_END)
		return n;
	/* the EBDA, the VGA window and ROMs, the BIOS area with ACPI */
	map[n++] = (struct x86_e820){ X86_LOW_RAM_END, 0xa0000 - X86_LOW_RAM_END, 2 };
	map[n++] = (struct x86_e820){ X86_ACPI_BASE, X86_BIOS_END - X86_ACPI_BASE, 2 };
	map[n++] = (struct x86_e820){ X86_BIOS_END, vmm->ram_size - X86_BIOS_END, 1 };
	return n;
}

void arch_machine_init(struct vmm *vmm)
{
	static const struct vmm_device debug_exit = {
		.name = "isa-debug-exit", .base = DEBUG_EXIT_PORT, .len = 4,
		.write = debug_exit_write,
	};
	struct x86_machine *m = calloc(1, sizeof(*m));

	if (!m)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	if (vmm->hv == &vmm_hv_axvcpu &&
	    !(vmm->info.arch == AXVCPU_ARCH_X86_SVM ||
	      vmm->info.arch == AXVCPU_ARCH_X86_VMX))
		vmm_die(VMM_EXIT_FAILURE, "the module's backend (arch %u) is not x86",
			vmm->info.arch);
	vmm->arch = m;
	m->pic = i8259_init(vmm);
	lapic_init(vmm, &m->lapics);
	i8254_init(vmm);
	rtc_init(vmm);
	uart16550_init(vmm, COM1_BASE, COM1_IRQ, false);
	fw_cfg_init(vmm, FW_CFG_PORT);
	vmm_add_device(vmm, &debug_exit);
	acpi_init(vmm);
	x86_cpu_init(vmm);
}

const uint64_t arch_ram_base;		/* RAM from GPA 0, as on a PC */
const __u32 arch_vcpu_flags;

/* x86 answers no exit of its own: HYPERCALL gets the generic answer. */
bool arch_handle_exit(struct vmm_vcpu *vcpu, bool *cont)
{
	return false;
}

void arch_irq_line(struct vmm *vmm, unsigned int irq, bool level)
{
	struct x86_machine *m = vmm->arch;

	i8259_set_irq(m->pic, irq, level);
}

/* Guests read RAM through the caches, paging on or off: nothing to do. */
void arch_ram_written(void *hva, size_t size)
{
}

void arch_load(struct vmm *vmm)
{
	struct vmm_vcpu *bsp = &vmm->vcpus[0];
	uint8_t *img;
	size_t size;

	vmm_load_files(vmm);
	if (vmm->cfg.kernel) {
		img = vmm_read_file(vmm->cfg.kernel, &size, vmm->ram_size);
		if (x86_is_bzimage(img, size))
			x86_load_bzimage(vmm, bsp, img, size);
		else
			x86_load_multiboot(vmm, bsp, img, size);
		free(img);
		return;
	}
	bsp->entry = vmm->cfg.entry;
	bsp->mode = vmm->cfg.real_mode ? AXVCPU_X86_MODE_REAL :
					 AXVCPU_X86_MODE_FLAT32;
	if (vmm->cfg.real_mode && bsp->entry > 0xfffff)
		vmm_die(VMM_EXIT_USAGE, "--entry %#llx: real mode reaches 1 MiB",
			(unsigned long long)bsp->entry);
	if (!vmm_gpa(vmm, bsp->entry, 1))
		vmm_die(VMM_EXIT_USAGE, "--entry %#llx: not in guest RAM",
			(unsigned long long)bsp->entry);
}

static void axvcpu_x86_setup(struct vmm_vcpu *v)
{
	struct axvcpu_setup s = { .entry = v->entry };
	unsigned int r;

	s.arch.x86.mode = v->mode;
	if (ioctl(v->fd, AXVCPU_SETUP, &s))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: SETUP at %#llx: %s", v->id,
			(unsigned long long)v->entry, strerror(errno));
	for (r = 0; v->set_gprs && r < AXVCPU_X86_NR_GPRS; r++) {
		struct axvcpu_gpr g = { .reg = r, .value = v->gprs[r] };

		if (r == X86_RSP)	/* SETUP's stack stays */
			continue;
		if (ioctl(v->fd, AXVCPU_SET_GPR, &g))
			vmm_die(VMM_EXIT_FAILURE, "vCPU %u: SET_GPR %u: %s",
				v->id, r, strerror(errno));
	}
	x86_cpu_vcpu_init(v);
}

/* HLT with interrupts off never ends (no NMI source in this machine). */
static bool axvcpu_x86_halt_wakeable(struct vmm_vcpu *vcpu)
{
	struct axvcpu_regs regs = { 0 };

	if (ioctl(vcpu->fd, AXVCPU_GET_REGS, &regs))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: GET_REGS: %s", vcpu->id,
			strerror(errno));
	return regs.x86.rflags & X86_RFLAGS_IF;
}

static bool axvcpu_x86_irq_pending(struct vmm_vcpu *vcpu)
{
	struct axvcpu_events ev = { 0 };
	unsigned int i;

	if (ioctl(vcpu->fd, AXVCPU_GET_EVENTS, &ev))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: GET_EVENTS: %s", vcpu->id,
			strerror(errno));
	for (i = 0; i < 4; i++)
		if (ev.x86.pending_irqs[i])
			return true;
	return ev.x86.injected_valid;
}

static unsigned int axvcpu_x86_get_cpuid(struct vmm *vmm,
					 struct axvcpu_cpuid_entry *e,
					 unsigned int max)
{
	struct axvcpu_cpuid c = { .nent = max, .entries = (uintptr_t)e };

	if (ioctl(vmm->sys_fd, AXVCPU_GET_SUPPORTED_CPUID, &c))
		vmm_die(VMM_EXIT_FAILURE, "GET_SUPPORTED_CPUID: %s",
			strerror(errno));
	return c.nent;
}

static void axvcpu_x86_set_cpuid(struct vmm_vcpu *v,
				 const struct axvcpu_cpuid_entry *e,
				 unsigned int n)
{
	struct axvcpu_cpuid c = { .nent = n, .entries = (uintptr_t)e };

	if (ioctl(v->fd, AXVCPU_SET_CPUID, &c))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: SET_CPUID: %s", v->id,
			strerror(errno));
}

static void dump_segment(const char *name, const struct axvcpu_x86_segment *s)
{
	vmm_warn("  %-4s %04x base %016llx limit %08x attrib %04x", name,
		 s->selector, (unsigned long long)s->base, s->limit, s->attrib);
}

/*
 * What QEMU's -d cpu_reset or KVM's "internal error" dump show: where the
 * guest was when it died, for the user to find it in the guest's image.
 */
static void axvcpu_x86_dump(struct vmm_vcpu *v)
{
	struct axvcpu_regs regs = { 0 };
	const struct axvcpu_x86_regs *r = &regs.x86;
	static const char *const names[AXVCPU_X86_NR_GPRS] = {
		"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	unsigned int i;

	if (ioctl(v->fd, AXVCPU_GET_REGS, &regs)) {
		vmm_warn("vCPU %u: GET_REGS: %s", v->id, strerror(errno));
		return;
	}
	vmm_warn("vCPU %u: rip %016llx rflags %08llx", v->id,
		 (unsigned long long)r->rip, (unsigned long long)r->rflags);
	for (i = 0; i < AXVCPU_X86_NR_GPRS; i += 4)
		vmm_warn("  %-3s %016llx %-3s %016llx %-3s %016llx %-3s %016llx",
			 names[i], (unsigned long long)r->gprs[i],
			 names[i + 1], (unsigned long long)r->gprs[i + 1],
			 names[i + 2], (unsigned long long)r->gprs[i + 2],
			 names[i + 3], (unsigned long long)r->gprs[i + 3]);
	dump_segment("cs", &r->cs);
	dump_segment("ss", &r->ss);
	dump_segment("ds", &r->ds);
	dump_segment("tr", &r->tr);
	vmm_warn("  gdt %016llx/%x idt %016llx/%x",
		 (unsigned long long)r->gdt.base, r->gdt.limit,
		 (unsigned long long)r->idt.base, r->idt.limit);
	vmm_warn("  cr0 %08llx cr2 %016llx cr3 %016llx cr4 %08llx efer %llx",
		 (unsigned long long)r->cr0, (unsigned long long)r->cr2,
		 (unsigned long long)r->cr3, (unsigned long long)r->cr4,
		 (unsigned long long)r->efer);
}

const struct vmm_hv vmm_hv_axvcpu = {
	.name = "axvcpu",
	.vm_create = axvcpu_vm_create,
	.vcpu_create = axvcpu_vcpu_create,
	.vcpu_setup = axvcpu_x86_setup,
	.vcpu_bind = axvcpu_vcpu_bind,
	.vcpu_run = axvcpu_vcpu_run,
	.inject = axvcpu_inject,
	.halt_wakeable = axvcpu_x86_halt_wakeable,
	.irq_pending = axvcpu_x86_irq_pending,
	.get_cpuid = axvcpu_x86_get_cpuid,
	.set_cpuid = axvcpu_x86_set_cpuid,
	.dump = axvcpu_x86_dump,
};
