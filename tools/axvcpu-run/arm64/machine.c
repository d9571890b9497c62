// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 machine (arm64.h): devices, images, the start state of a vCPU,
 * and the exits the VMM answers: the PSCI calls the module leaves to it
 * (AFFINITY_INFO), CPU_ON and CPU_OFF (CPU_UP, CPU_DOWN), SYSTEM_OFF and
 * SYSTEM_RESET (SYSTEM_DOWN), SGIs (SEND_IPI) and the GIC's CPU interface
 * (SYSREG exits). Linux's arm64 boot protocol (Documentation/arm64/
 * booting.rst): the Image at text_offset from a 2 MiB-aligned base, entered
 * at EL1 with the MMU off, DAIF masked, x0 = the device tree, x1-x3 0;
 * other CPUs start through PSCI CPU_ON with x0 = its context id.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arm64.h"

#define PSCI_AFFINITY_INFO32	0x84000004U
#define PSCI_AFFINITY_INFO64	0xc4000004U
#define PSCI_SYSTEM_RESET	0x84000009U
#define PSCI_INVALID_PARAMS	(-2)
#define PSCI_ALREADY_ON		(-4)
#define PSCI_ON			0
#define PSCI_OFF		1

/* PSTATE at entry: EL1h, D, A, I and F masked */
#define A64_PSTATE_BOOT		0x3c5ULL

#define SYSREG(op0, op1, crn, crm, op2) \
	(AXVCPU_SYSREG_ARM64 | AXVCPU_SYSREG_ARM64_ENC(op0, op1, crn, crm, op2))
#define SYSREG_SCTLR_EL1	SYSREG(3, 0, 1, 0, 0)
#define SYSREG_CNTV_CTL_EL0	SYSREG(3, 3, 14, 3, 1)

/* The Image header (Documentation/arm64/booting.rst, 3.). */
struct a64_image_header {
	uint32_t code0, code1;
	uint64_t text_offset, image_size, flags;
	uint64_t res2, res3, res4;
	uint32_t magic, res5;
};

#define A64_IMAGE_MAGIC		0x644d5241	/* "ARM\x64" */

const uint64_t arch_ram_base = A64_RAM_BASE;
/* WFI waits in the kernel, which sees the guest's timer. */
const __u32 arch_vcpu_flags = AXVCPU_VCPU_HALT_IN_KERNEL;

/* the guest's SCTLR_EL1 at reset (the module's), for vCPUs started again */
static uint64_t sctlr_reset;

void arch_machine_init(struct vmm *vmm)
{
	if (!vmm->cfg.kvm)
		gic_init(vmm);
	pl011_init(vmm, A64_UART_BASE, A64_UART_SPI);
}

void arch_irq_line(struct vmm *vmm, unsigned int irq, bool level)
{
	if (vmm->cfg.kvm)
		vmm->hv->irq_line(&vmm->vcpus[0], 32 + irq, level);
	else
		gic_set_spi(vmm, irq, level);
}

/*
 * ICC_* registers go to the GIC model; the debug and PMU registers and
 * the EL1 physical timer the module traps read as zero and ignore writes
 * (the guest's device tree offers no PMU, and its timer is the virtual
 * one), as do the system instructions it traps (set/way cache
 * maintenance: caches are coherent with the host's here); ACTLR_EL1 reads
 * 0. Anything else faults (UNDEF) in the guest.
 */
bool arch_sysreg(struct vmm_vcpu *v, bool write, uint64_t enc, uint64_t *value)
{
	unsigned int op0 = enc >> 14 & 3, op1 = enc >> 11 & 7;
	unsigned int crn = enc >> 7 & 15;

	if (op0 == 3 && op1 == 0 && (crn == 12 || enc == AXVCPU_SYSREG_ARM64_ENC(3, 0, 4, 6, 0)))
		return gic_sysreg(v, write, enc, value);
	if (op0 == 2 || op0 == 1 ||			/* debug; DC, IC */
	    (op0 == 3 && crn == 9) ||			/* PMU */
	    (op0 == 3 && op1 == 3 && crn == 14) ||	/* PMU, CNTP_* */
	    enc == AXVCPU_SYSREG_ARM64_ENC(3, 0, 1, 0, 1)) {	/* ACTLR_EL1 */
		if (!write)
			*value = 0;
		return true;
	}
	return false;
}

bool a64_vtimer_level(struct vmm_vcpu *v)
{
	struct axvcpu_sysreg sr = { .id = SYSREG_CNTV_CTL_EL0 };

	if (ioctl(v->fd, AXVCPU_GET_SYSREG, &sr))
		return false;
	/* ENABLE, not IMASK, ISTATUS */
	return (sr.value & 7) == 5;
}

void a64_answer_read(struct vmm_vcpu *v, uint64_t value)
{
	if (!v->vmm->cfg.kvm && v->run->sysreg.reg < 31)	/* XZR: nothing */
		axvcpu_set_gpr(v, v->run->sysreg.reg, value);
}

/*
 * What this VMM wrote into guest RAM, cleaned to the point of coherency
 * (DC CVAC by VA, which Linux lets user space run: SCTLR_EL1.UCI; the line
 * size from CTR_EL0.DminLine, readable too: UCT). A guest starts with its
 * MMU off and reads RAM as non-cacheable memory, past the data cache this
 * process wrote through; the module maps RAM at SET_MEMORY_REGION and
 * cleans nothing (Documentation/design.rst, "Known limitations"), so on a
 * CPU without FEAT_S2FWB this is what makes the images visible
 * (Documentation/arm64/booting.rst asks the same of a boot loader). QEMU
 * models no caches: there it only costs the loop.
 */
void arch_ram_written(void *start, size_t size)
{
	uint64_t ctr, line, a, end = (uintptr_t)start + size;

	asm volatile("mrs %0, ctr_el0" : "=r"(ctr));
	line = 4ULL << ((ctr >> 16) & 0xf);
	for (a = (uintptr_t)start & ~(line - 1); a < end; a += line)
		asm volatile("dc cvac, %0" : : "r"(a) : "memory");
	asm volatile("dsb sy" : : : "memory");
}

/*
 * A Linux Image (its header says where) or any other file, taken as a raw
 * image to run from its first byte, at the start of RAM; the initrd and
 * the device tree at the top of RAM, each written by vmm_put() (cleaned to
 * the point of coherency, as the --load files).
 */
void arch_load(struct vmm *vmm)
{
	struct vmm_vcpu *bsp = &vmm->vcpus[0];
	uint64_t top = A64_RAM_BASE + vmm->ram_size, initrd = 0, initrd_end = 0;
	uint64_t load = A64_RAM_BASE, need;
	size_t size, fdt_size;
	uint8_t *img;
	void *fdt;

	vmm_load_files(vmm);
	/* the device tree in the top 2 MiB (at most its size, booting.rst) */
	top -= 0x200000;
	if (vmm->cfg.initrd) {
		img = vmm_read_file(vmm->cfg.initrd, &size, vmm->ram_size);
		if (size + 0x200000 > vmm->ram_size)
			vmm_die(VMM_EXIT_USAGE, "--initrd %s: bigger than guest RAM",
				vmm->cfg.initrd);
		initrd = (top - size) & ~0xfffULL;
		vmm_put(vmm, initrd, img, size, "the initrd");
		initrd_end = initrd + size;
		top = initrd;
		free(img);
	}
	if (vmm->cfg.kernel) {
		const struct a64_image_header *h;

		img = vmm_read_file(vmm->cfg.kernel, &size, vmm->ram_size);
		h = (const void *)img;
		need = size;
		if (size >= sizeof(*h) && h->magic == A64_IMAGE_MAGIC) {
			load = A64_RAM_BASE + h->text_offset;
			/* the image with its bss: the memory the kernel takes */
			if (h->image_size > need)
				need = h->image_size;
		} else if (size >= 2 && img[0] == 0x1f && img[1] == 0x8b) {
			vmm_die(VMM_EXIT_USAGE, "--kernel %s: a gzip file; give the Image inside (zcat)",
				vmm->cfg.kernel);
		}
		if (load + need > top)
			vmm_die(VMM_EXIT_USAGE, "--kernel %s: needs %llu MiB of RAM from %#llx, below the initrd and device tree (--mem)",
				vmm->cfg.kernel, (unsigned long long)(need >> 20),
				(unsigned long long)load);
		vmm_put(vmm, load, img, size, vmm->cfg.kernel);
		free(img);
		bsp->entry = load;
	} else {
		bsp->entry = vmm->cfg.entry;
		if (!vmm_gpa(vmm, bsp->entry, 1))
			vmm_die(VMM_EXIT_USAGE, "--entry %#llx: not in guest RAM (which starts at %#llx)",
				(unsigned long long)bsp->entry,
				(unsigned long long)A64_RAM_BASE);
	}
	fdt = a64_make_fdt(vmm, initrd, initrd_end, &fdt_size);
	if (fdt_size > 0x200000)
		vmm_die(VMM_EXIT_FAILURE, "the device tree is over 2 MiB");
	bsp->boot_arg = A64_RAM_BASE + vmm->ram_size - 0x200000;
	vmm_put(vmm, bsp->boot_arg, fdt, fdt_size, "the device tree");
	free(fdt);
}

/* ---- /dev/axvcpu ---- */

/*
 * SETUP (CREATED only), then the boot state by SET_REGS: x0, the PC,
 * PSTATE; a vCPU started again (CPU_OFF, CPU_ON) gets SCTLR_EL1's reset
 * value back, its MMU off.
 */
static void axvcpu_a64_setup(struct vmm_vcpu *v)
{
	struct axvcpu_setup s = { .entry = v->entry };
	struct axvcpu_sysreg sr = { .id = SYSREG_SCTLR_EL1 };
	struct axvcpu_regs regs;

	if (ioctl(v->fd, AXVCPU_GET_STATE, 0) == AXVCPU_STATE_CREATED) {
		if (ioctl(v->fd, AXVCPU_SETUP, &s))
			vmm_die(VMM_EXIT_FAILURE, "vCPU %u: SETUP at %#llx: %s",
				v->id, (unsigned long long)v->entry, strerror(errno));
		if (!ioctl(v->fd, AXVCPU_GET_SYSREG, &sr))
			__atomic_store_n(&sctlr_reset, sr.value, __ATOMIC_RELAXED);
	} else {
		sr.value = __atomic_load_n(&sctlr_reset, __ATOMIC_RELAXED);
		if (ioctl(v->fd, AXVCPU_SET_SYSREG, &sr))
			vmm_die(VMM_EXIT_FAILURE, "vCPU %u: SET_SYSREG SCTLR_EL1: %s",
				v->id, strerror(errno));
	}
	memset(&regs, 0, sizeof(regs));
	if (ioctl(v->fd, AXVCPU_GET_REGS, &regs))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: GET_REGS: %s", v->id,
			strerror(errno));
	memset(regs.arm64.x, 0, sizeof(regs.arm64.x));
	regs.arm64.x[0] = v->boot_arg;
	regs.arm64.pc = v->entry;
	regs.arm64.pstate = A64_PSTATE_BOOT;
	if (ioctl(v->fd, AXVCPU_SET_REGS, &regs))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: SET_REGS: %s", v->id,
			strerror(errno));
}

/* vmm_inject(): the IRQ line raised (the GIC lowers it by irq_line). */
static void axvcpu_a64_inject(struct vmm_vcpu *v, unsigned int vector,
			      bool nmi)
{
	axvcpu_irq_line(v, AXVCPU_ARM64_IRQ_LINE_IRQ, true);
}

const struct vmm_hv vmm_hv_axvcpu = {
	.name = "axvcpu",
	.vm_create = axvcpu_vm_create,
	.vcpu_create = axvcpu_vcpu_create,
	.vcpu_setup = axvcpu_a64_setup,
	.vcpu_bind = axvcpu_vcpu_bind,
	.vcpu_run = axvcpu_vcpu_run,
	.inject = axvcpu_a64_inject,
	.halt_wakeable = axvcpu_halt_in_kernel,
	.irq_pending = axvcpu_halt_in_kernel,
	.irq_line = axvcpu_irq_line,
	.get_gpr = axvcpu_get_gpr,
};

/* ---- the exits the VMM answers ---- */

static void set_x0(struct vmm_vcpu *v, long value)
{
	axvcpu_set_gpr(v, 0, value);
}

/* The vCPU whose MPIDR affinity is @mpidr, or NULL. */
static struct vmm_vcpu *by_mpidr(struct vmm *vmm, uint64_t mpidr)
{
	unsigned int i;

	mpidr &= 0xff00ffffffULL;
	for (i = 0; i < vmm->nr_vcpus; i++)
		if (a64_mpidr(i) == mpidr)
			return &vmm->vcpus[i];
	return NULL;
}

/* PSCI calls the module leaves to the VMM (DEN 0022): AFFINITY_INFO. */
static void a64_psci(struct vmm_vcpu *v)
{
	struct axvcpu_run *run = v->run;
	struct vmm *vmm = v->vmm;
	struct vmm_vcpu *t;

	if (run->hypercall.nr != PSCI_AFFINITY_INFO32 &&
	    run->hypercall.nr != PSCI_AFFINITY_INFO64)
		return;			/* ret stays NOT_SUPPORTED */
	t = by_mpidr(vmm, run->hypercall.args[0]);
	if (!t || run->hypercall.args[1]) {
		run->hypercall.ret = (uint64_t)PSCI_INVALID_PARAMS;
		return;
	}
	pthread_mutex_lock(&vmm->lock);
	run->hypercall.ret = t->started ? PSCI_ON : PSCI_OFF;
	pthread_mutex_unlock(&vmm->lock);
}

/* PSCI CPU_ON: the target starts at the entry with x0 = its context id. */
static void a64_cpu_up(struct vmm_vcpu *v)
{
	struct vmm *vmm = v->vmm;
	struct vmm_vcpu *t = by_mpidr(vmm, v->run->cpu_up.target_cpu);

	if (!t) {
		set_x0(v, PSCI_INVALID_PARAMS);
		return;
	}
	pthread_mutex_lock(&vmm->lock);
	if (t->started) {
		pthread_mutex_unlock(&vmm->lock);
		set_x0(v, PSCI_ALREADY_ON);
		return;
	}
	t->boot_arg = v->run->cpu_up.arg;
	vmm_vcpu_start(t, v->run->cpu_up.entry_point, 0);
	pthread_mutex_unlock(&vmm->lock);
}

/* SYSTEM_OFF or SYSTEM_RESET (x0): the VM ends, as under QEMU -no-reboot. */
static void a64_system_down(struct vmm_vcpu *v)
{
	if ((uint32_t)v->vmm->hv->get_gpr(v, 0) == PSCI_SYSTEM_RESET)
		vmm_warn("vCPU %u: the guest asked for a reboot: stopping, as QEMU -no-reboot does",
			 v->id);
	vmm_stop(v->vmm, 0);
}

bool arch_handle_exit(struct vmm_vcpu *v, bool *cont)
{
	switch (v->run->exit_reason) {
	case AXVCPU_EXIT_HYPERCALL:
		a64_psci(v);
		return true;
	case AXVCPU_EXIT_CPU_UP:
		a64_cpu_up(v);
		return true;
	case AXVCPU_EXIT_CPU_DOWN:
		/* PSCI CPU_OFF: until a CPU_ON names it again */
		*cont = vmm_vcpu_wait_restart(v);
		return true;
	case AXVCPU_EXIT_SEND_IPI:
		gic_send_sgi(v);
		return true;
	case AXVCPU_EXIT_SYSTEM_DOWN:
		a64_system_down(v);
		*cont = false;
		return true;
	default:
		return false;
	}
}
