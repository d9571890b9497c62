// SPDX-License-Identifier: GPL-2.0
/*
 * The VMM on /dev/axvcpu (Documentation/api.rst): the VM and its RAM
 * slot, the vCPUs and their run structs, BIND, RUN and interrupt
 * injection. What depends on the architecture (SETUP's mode, the register
 * file, CPUID) is the arch's, which assembles the ops table
 * (x86/machine.c: vmm_hv_axvcpu).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vmm.h"

void axvcpu_vm_create(struct vmm *vmm)
{
	struct axvcpu_memory_region r = { 0 };

	vmm->sys_fd = open("/dev/axvcpu", O_RDWR | O_CLOEXEC);
	if (vmm->sys_fd < 0)
		vmm_die(VMM_EXIT_FAILURE, "/dev/axvcpu: %s (is axvcpu.ko loaded?)",
			strerror(errno));
	if (ioctl(vmm->sys_fd, AXVCPU_GET_API_VERSION, 0) != AXVCPU_API_VERSION)
		vmm_die(VMM_EXIT_FAILURE, "axvcpu API version %d expected",
			AXVCPU_API_VERSION);
	if (ioctl(vmm->sys_fd, AXVCPU_GET_INFO, &vmm->info))
		vmm_die(VMM_EXIT_FAILURE, "GET_INFO: %s", strerror(errno));
	if (vmm->cfg.cpus > vmm->info.max_vcpus)
		vmm_die(VMM_EXIT_USAGE, "--cpus %u: the module allows %u",
			vmm->cfg.cpus, vmm->info.max_vcpus);
	vmm->vm_fd = ioctl(vmm->sys_fd, AXVCPU_CREATE_VM, 0);
	if (vmm->vm_fd < 0)
		vmm_die(VMM_EXIT_FAILURE, "CREATE_VM: %s%s", strerror(errno),
			errno == ENODEV ? " (no usable hardware: see dmesg)" : "");
	r.slot = 0;
	r.guest_phys_addr = arch_ram_base;
	r.memory_size = vmm->ram_size;
	r.userspace_addr = (uintptr_t)vmm->ram;
	if (ioctl(vmm->vm_fd, AXVCPU_SET_MEMORY_REGION, &r))
		vmm_die(VMM_EXIT_FAILURE, "SET_MEMORY_REGION of %llu MiB: %s",
			(unsigned long long)(vmm->ram_size >> 20), strerror(errno));
}

/*
 * x86: HLT comes to the VMM (no HALT_IN_KERNEL), which knows what can wake
 * it; riscv64: WFI waits in the kernel, which sees the guest's timer.
 */
void axvcpu_vcpu_create(struct vmm_vcpu *v)
{
	struct vmm *vmm = v->vmm;
	struct axvcpu_create_vcpu args = { .vcpu_id = v->id,
					   .vm_fd = vmm->vm_fd,
					   .flags = arch_vcpu_flags };

	v->fd = ioctl(vmm->sys_fd, AXVCPU_CREATE_VCPU, &args);
	if (v->fd < 0)
		vmm_die(VMM_EXIT_FAILURE, "CREATE_VCPU %u: %s", v->id,
			strerror(errno));
	v->run_size = vmm->info.run_mmap_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED)
		vmm_die(VMM_EXIT_FAILURE, "mmap of vCPU %u's run struct: %s",
			v->id, strerror(errno));
}

int axvcpu_vcpu_bind(struct vmm_vcpu *v)
{
	return ioctl(v->fd, AXVCPU_BIND, 0);
}

int axvcpu_vcpu_run(struct vmm_vcpu *v)
{
	return ioctl(v->fd, AXVCPU_RUN, 0);
}

/* From any thread: the module kicks a running vCPU. */
void axvcpu_inject(struct vmm_vcpu *v, unsigned int vector, bool nmi)
{
	struct axvcpu_interrupt irq = { .vector = nmi ? 0 : vector,
					.flags = nmi ? AXVCPU_INTERRUPT_NMI : 0 };

	if (ioctl(v->fd, AXVCPU_INJECT_INTERRUPT, &irq))
		vmm_warn("vCPU %u: INJECT_INTERRUPT %s%#x: %s", v->id,
			 nmi ? "NMI " : "", vector, strerror(errno));
}

void axvcpu_set_gpr(struct vmm_vcpu *v, unsigned int reg, uint64_t value)
{
	struct axvcpu_gpr g = { .reg = reg, .value = value };

	if (ioctl(v->fd, AXVCPU_SET_GPR, &g))
		vmm_warn("vCPU %u: SET_GPR %u: %s", v->id, reg, strerror(errno));
}

/* arm64, riscv64: from any thread; the module kicks a running vCPU. */
void axvcpu_irq_line(struct vmm_vcpu *v, unsigned int line, bool level)
{
	struct axvcpu_irq_line l = { .line = line, .level = level };

	if (ioctl(v->fd, AXVCPU_SET_IRQ_LINE, &l))
		vmm_warn("vCPU %u: SET_IRQ_LINE %u: %s", v->id, line,
			 strerror(errno));
}

/* HALT_IN_KERNEL: WFI waits in the kernel, a HALT exit never comes here. */
bool axvcpu_halt_in_kernel(struct vmm_vcpu *v)
{
	return true;
}

uint64_t axvcpu_get_gpr(struct vmm_vcpu *v, unsigned int reg)
{
	struct axvcpu_gpr g = { .reg = reg };

	if (ioctl(v->fd, AXVCPU_GET_GPR, &g))
		vmm_warn("vCPU %u: GET_GPR %u: %s", v->id, reg, strerror(errno));
	return g.value;
}
