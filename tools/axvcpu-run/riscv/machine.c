// SPDX-License-Identifier: GPL-2.0
/*
 * The riscv64 machine (riscv.h): devices, images, the start state of a
 * hart, and the exits the VMM answers: the SBI calls the module leaves to
 * it (HYPERCALL: the legacy console, HSM hart status), hart start and stop
 * (CPU_UP, CPU_DOWN) and IPIs (SEND_IPI). Linux's riscv boot protocol
 * (Documentation/riscv/boot.rst): the kernel at a 2 MiB-aligned address,
 * entered in S mode (VS here) with a0 = hart id, a1 = the device tree,
 * satp 0; other harts start through SBI HSM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "riscv.h"

#define SBI_LEGACY_PUTCHAR	0x1
#define SBI_LEGACY_GETCHAR	0x2
#define SBI_EXT_BASE		0x10
#define SBI_BASE_PROBE_EXT	3
#define SBI_EXT_HSM		0x48534d
#define SBI_EXT_SRST		0x53525354
#define SBI_SRST_REASON_FAILURE	1
#define SBI_HSM_STATUS		2
#define SBI_HSM_STARTED		0
#define SBI_HSM_STOPPED		1
#define SBI_ERR_INVALID_PARAM	(-3)
#define SBI_ERR_ALREADY_AVAILABLE (-6)
#define SBI_ERR_NOT_SUPPORTED	(-2)

/* The Image header (Documentation/riscv/boot-image-header.rst). */
struct rv_image_header {
	uint32_t code0, code1;
	uint64_t text_offset, image_size, flags;
	uint32_t version, res1;
	uint64_t res2, magic;
	uint32_t magic2, res3;
};

#define RV_IMAGE_MAGIC2		0x05435352	/* "RSC\x05" */

const uint64_t arch_ram_base = RV_RAM_BASE;
/* WFI waits in the kernel, which sees the guest's timer (vstimecmp). */
const __u32 arch_vcpu_flags = AXVCPU_VCPU_HALT_IN_KERNEL;

void arch_machine_init(struct vmm *vmm)
{
	plic_init(vmm);
	uart16550_init(vmm, RV_UART_BASE, RV_UART_IRQ, true);
}

void arch_irq_line(struct vmm *vmm, unsigned int irq, bool level)
{
	plic_set_source(vmm, irq, level);
}

/* No CSR is emulated here: a trapping access faults in the guest. */
bool arch_sysreg(struct vmm_vcpu *vcpu, bool write, uint64_t id,
		 uint64_t *value)
{
	return false;
}

/* Does the module let the guest use stimecmp (henvcfg.STCE, bit 63)? */
static bool rv_guest_sstc(struct vmm *vmm)
{
	struct axvcpu_sysreg sr = { .id = AXVCPU_SYSREG_RISCV_CSR | 0x60a };

	if (vmm->cfg.kvm || ioctl(vmm->vcpus[0].fd, AXVCPU_GET_SYSREG, &sr))
		return false;
	return sr.value >> 63;
}

/* Guests read RAM through the caches, paging on or off: nothing to do. */
void arch_ram_written(void *hva, size_t size)
{
}

/*
 * A Linux Image (its header says where) or any other file, taken as a raw
 * image to run from its first byte, at RAM + 2 MiB; the initrd and the
 * device tree at the top of RAM.
 */
void arch_load(struct vmm *vmm)
{
	struct vmm_vcpu *bsp = &vmm->vcpus[0];
	uint64_t top = RV_RAM_BASE + vmm->ram_size, initrd = 0, initrd_end = 0;
	uint64_t load = RV_RAM_BASE + RV_KERNEL_OFFSET, need;
	size_t size, fdt_size;
	uint8_t *img;
	void *fdt;

	vmm_load_files(vmm);
	if (vmm->cfg.initrd) {
		img = vmm_read_file(vmm->cfg.initrd, &size, vmm->ram_size);
		/* 64 KiB below the top for the device tree, page aligned */
		initrd = (top - 0x10000 - size) & ~0xfffULL;
		if (size + 0x10000 > vmm->ram_size)
			vmm_die(VMM_EXIT_USAGE, "--initrd %s: bigger than guest RAM",
				vmm->cfg.initrd);
		memcpy(vmm_ram(vmm, initrd, size, "the initrd"), img, size);
		initrd_end = initrd + size;
		top = initrd;
		free(img);
	}
	if (vmm->cfg.kernel) {
		const struct rv_image_header *h;

		img = vmm_read_file(vmm->cfg.kernel, &size, vmm->ram_size);
		h = (const void *)img;
		need = size;
		if (size >= sizeof(*h) && h->magic2 == RV_IMAGE_MAGIC2) {
			if (h->text_offset)
				load = RV_RAM_BASE + h->text_offset;
			/* the image with its bss: the memory the kernel takes */
			if (h->image_size > need)
				need = h->image_size;
		}
		if (load + need > top)
			vmm_die(VMM_EXIT_USAGE, "--kernel %s: needs %llu MiB of RAM from %#llx, below the initrd and device tree (--mem)",
				vmm->cfg.kernel, (unsigned long long)(need >> 20),
				(unsigned long long)load);
		memcpy(vmm_ram(vmm, load, size, vmm->cfg.kernel), img, size);
		free(img);
		bsp->entry = load;
	} else {
		bsp->entry = vmm->cfg.entry;
		if (!vmm_gpa(vmm, bsp->entry, 1))
			vmm_die(VMM_EXIT_USAGE, "--entry %#llx: not in guest RAM (which starts at %#llx)",
				(unsigned long long)bsp->entry,
				(unsigned long long)RV_RAM_BASE);
	}
	fdt = rv_make_fdt(vmm, initrd, initrd_end, rv_guest_sstc(vmm), &fdt_size);
	bsp->boot_arg = (RV_RAM_BASE + vmm->ram_size - 0x10000) & ~7ULL;
	if (initrd && bsp->boot_arg < initrd_end)
		vmm_die(VMM_EXIT_FAILURE, "the device tree overlaps the initrd");
	memcpy(vmm_ram(vmm, bsp->boot_arg, fdt_size, "the device tree"), fdt,
	       fdt_size);
	free(fdt);
}

/* ---- /dev/axvcpu ---- */

/* SETUP (CREATED only), then the boot state by SET_REGS: a0, a1, pc. */
static void axvcpu_rv_setup(struct vmm_vcpu *v)
{
	struct axvcpu_setup s = { .entry = v->entry };
	struct axvcpu_regs regs;

	if (ioctl(v->fd, AXVCPU_GET_STATE, 0) == AXVCPU_STATE_CREATED &&
	    ioctl(v->fd, AXVCPU_SETUP, &s))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: SETUP at %#llx: %s", v->id,
			(unsigned long long)v->entry, strerror(errno));
	memset(&regs, 0, sizeof(regs));
	if (ioctl(v->fd, AXVCPU_GET_REGS, &regs))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: GET_REGS: %s", v->id,
			strerror(errno));
	memset(regs.riscv64.x, 0, sizeof(regs.riscv64.x));
	regs.riscv64.x[10] = v->id;
	regs.riscv64.x[11] = v->boot_arg;
	regs.riscv64.pc = v->entry;
	regs.riscv64.mode = AXVCPU_RISCV_MODE_VS;
	regs.riscv64.vsstatus = 0;
	regs.riscv64.vsie = 0;
	regs.riscv64.vsatp = 0;
	regs.riscv64.vsip = 0;
	if (ioctl(v->fd, AXVCPU_SET_REGS, &regs))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: SET_REGS: %s", v->id,
			strerror(errno));
}

/* vmm_inject(): an interrupt line raised (lines go down by irq_line). */
static void axvcpu_rv_inject(struct vmm_vcpu *v, unsigned int vector,
			     bool nmi)
{
	axvcpu_irq_line(v, vector, true);
}

const struct vmm_hv vmm_hv_axvcpu = {
	.name = "axvcpu",
	.vm_create = axvcpu_vm_create,
	.vcpu_create = axvcpu_vcpu_create,
	.vcpu_setup = axvcpu_rv_setup,
	.vcpu_bind = axvcpu_vcpu_bind,
	.vcpu_run = axvcpu_vcpu_run,
	.inject = axvcpu_rv_inject,
	.halt_wakeable = axvcpu_halt_in_kernel,
	.irq_pending = axvcpu_halt_in_kernel,
	.irq_line = axvcpu_irq_line,
	.get_gpr = axvcpu_get_gpr,
};

/* ---- the exits the VMM answers ---- */

static void set_a0(struct vmm_vcpu *v, long value)
{
	axvcpu_set_gpr(v, 10, value);
}

static struct vmm_vcpu *hart(struct vmm *vmm, uint64_t id)
{
	return id < vmm->nr_vcpus ? &vmm->vcpus[id] : NULL;
}

/* The SBI calls the module leaves to the VMM. */
static void rv_sbi(struct vmm_vcpu *v)
{
	struct axvcpu_run *run = v->run;
	struct vmm *vmm = v->vmm;
	struct vmm_vcpu *t;
	char c;

	switch (run->hypercall.nr) {
	case SBI_EXT_BASE:
		if (run->hypercall.func != SBI_BASE_PROBE_EXT)
			break;
		/* an extension the module left to the VMM: none here */
		run->hypercall.ret = 0;
		run->hypercall.ret_extra[0] = 0;
		return;
	case SBI_LEGACY_PUTCHAR:
		c = run->hypercall.args[0];
		if (write(STDOUT_FILENO, &c, 1) < 0)
			;
		run->hypercall.ret = 0;
		return;
	case SBI_LEGACY_GETCHAR:
		run->hypercall.ret = (uint64_t)-1;	/* nothing to read */
		return;
	case SBI_EXT_HSM:
		if (run->hypercall.func != SBI_HSM_STATUS)
			break;
		t = hart(vmm, run->hypercall.args[0]);
		if (!t) {
			run->hypercall.ret = (uint64_t)SBI_ERR_INVALID_PARAM;
			return;
		}
		pthread_mutex_lock(&vmm->lock);
		run->hypercall.ret_extra[0] = t->started ? SBI_HSM_STARTED :
							   SBI_HSM_STOPPED;
		pthread_mutex_unlock(&vmm->lock);
		run->hypercall.ret = 0;
		return;
	}
	run->hypercall.ret = (uint64_t)SBI_ERR_NOT_SUPPORTED;
}

/* SBI HSM hart_start: the target starts at @entry with a1 = opaque. */
static void rv_cpu_up(struct vmm_vcpu *v)
{
	struct vmm *vmm = v->vmm;
	struct vmm_vcpu *t = hart(vmm, v->run->cpu_up.target_cpu);

	if (!t) {
		set_a0(v, SBI_ERR_INVALID_PARAM);
		return;
	}
	pthread_mutex_lock(&vmm->lock);
	if (t->started) {
		pthread_mutex_unlock(&vmm->lock);
		set_a0(v, SBI_ERR_ALREADY_AVAILABLE);
		return;
	}
	t->boot_arg = v->run->cpu_up.arg;
	vmm_vcpu_start(t, v->run->cpu_up.entry_point, 0);
	pthread_mutex_unlock(&vmm->lock);
}

/* SBI IPI send_ipi: each hart of the mask gets its software interrupt. */
static void rv_send_ipi(struct vmm_vcpu *v)
{
	const struct axvcpu_run *run = v->run;
	struct vmm *vmm = v->vmm;
	uint64_t mask = run->send_ipi.target_cpu;
	uint64_t base = run->send_ipi.target_cpu_aux;
	unsigned int i;

	for (i = 0; i < vmm->nr_vcpus; i++) {
		if (!run->send_ipi.send_to_all &&
		    (i < base || i - base >= 64 || !(mask & (1ULL << (i - base)))))
			continue;
		vmm->hv->irq_line(&vmm->vcpus[i], AXVCPU_RISCV_IRQ_LINE_VSSI, true);
	}
}

/*
 * SBI SRST system_reset (a0 = type, a1 = reason; SBI v2.0, 10.1) or the
 * legacy shutdown: the VM ends, as under QEMU -no-reboot, with a failure
 * status when the guest gave "system failure" as the reason.
 */
static void rv_system_down(struct vmm_vcpu *v)
{
	uint64_t type = 0, reason = 0;

	if (v->vmm->hv->get_gpr(v, 17) == SBI_EXT_SRST) {	/* a7 */
		type = v->vmm->hv->get_gpr(v, 10);
		reason = v->vmm->hv->get_gpr(v, 11);
	}
	if (type)
		vmm_warn("vCPU %u: the guest asked for a %s reboot: stopping, as QEMU -no-reboot does",
			 v->id, type == 1 ? "cold" : "warm");
	if (reason == SBI_SRST_REASON_FAILURE) {
		vmm_warn("vCPU %u: the guest reset the machine for a system failure",
			 v->id);
		vmm_stop(v->vmm, VMM_EXIT_FAILURE);
		return;
	}
	vmm_stop(v->vmm, 0);
}

bool arch_handle_exit(struct vmm_vcpu *v, bool *cont)
{
	switch (v->run->exit_reason) {
	case AXVCPU_EXIT_HYPERCALL:
		rv_sbi(v);
		return true;
	case AXVCPU_EXIT_CPU_UP:
		rv_cpu_up(v);
		return true;
	case AXVCPU_EXIT_CPU_DOWN:
		/* SBI HSM hart_stop: until a hart_start names it again */
		*cont = vmm_vcpu_wait_restart(v);
		return true;
	case AXVCPU_EXIT_SEND_IPI:
		rv_send_ipi(v);
		return true;
	case AXVCPU_EXIT_SYSTEM_DOWN:
		rv_system_down(v);
		*cont = false;
		return true;
	default:
		return false;
	}
}
