// SPDX-License-Identifier: GPL-2.0
/*
 * What both architectures' --kvm backends (x86/kvm.c, riscv/kvm.c) do the
 * same way on /dev/kvm: open it and create the VM, give it the guest's
 * RAM as slot 0, create a vCPU with its kvm_run mapped, and hand an MMIO
 * exit to the devices (Documentation/virt/kvm/api.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "vmm.h"

int vmm_kvm_fd = -1;

void kvm_open_vm(struct vmm *vmm)
{
	vmm_kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vmm_kvm_fd < 0)
		vmm_die(VMM_EXIT_FAILURE, "/dev/kvm: %s", strerror(errno));
	if (ioctl(vmm_kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		vmm_die(VMM_EXIT_FAILURE, "KVM API version %d expected",
			KVM_API_VERSION);
	vmm->vm_fd = ioctl(vmm_kvm_fd, KVM_CREATE_VM, 0);
	if (vmm->vm_fd < 0)
		vmm_die(VMM_EXIT_FAILURE, "KVM_CREATE_VM: %s", strerror(errno));
}

void kvm_add_ram(struct vmm *vmm)
{
	struct kvm_userspace_memory_region r = {
		.guest_phys_addr = arch_ram_base,
		.memory_size = vmm->ram_size,
		.userspace_addr = (uintptr_t)vmm->ram,
	};

	if (ioctl(vmm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		vmm_die(VMM_EXIT_FAILURE, "KVM_SET_USER_MEMORY_REGION: %s",
			strerror(errno));
}

struct kvm_run *kvm_open_vcpu(struct vmm_vcpu *v, int *fd)
{
	int size = ioctl(vmm_kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run;

	/* the run struct the VMM's loop reads: axvcpu's layout */
	v->run = calloc(1, sizeof(*v->run));
	if (!v->run || size <= 0)
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: out of memory", v->id);
	*fd = ioctl(v->vmm->vm_fd, KVM_CREATE_VCPU, v->id);
	if (*fd < 0)
		vmm_die(VMM_EXIT_FAILURE, "KVM_CREATE_VCPU %u: %s", v->id,
			strerror(errno));
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (run == MAP_FAILED)
		vmm_die(VMM_EXIT_FAILURE, "mmap of vCPU %u's kvm_run: %s", v->id,
			strerror(errno));
	v->fd = *fd;
	return run;
}

void kvm_mmio(struct vmm *vmm, struct kvm_run *kr)
{
	uint64_t val = 0;

	memcpy(&val, kr->mmio.data, kr->mmio.len);
	val = vmm_device_access(vmm, true, kr->mmio.phys_addr, kr->mmio.len,
				kr->mmio.is_write, val);
	if (!kr->mmio.is_write)
		memcpy(kr->mmio.data, &val, kr->mmio.len);
}

void kvm_fail_entry(struct axvcpu_run *run, const struct kvm_run *kr)
{
	/* entry failures, internal errors: the reason as KVM gives it */
	run->exit_reason = AXVCPU_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason =
		(uint64_t)kr->exit_reason << 32 |
		(kr->exit_reason == KVM_EXIT_INTERNAL_ERROR ?
		 kr->internal.suberror :
		 kr->fail_entry.hardware_entry_failure_reason);
}
