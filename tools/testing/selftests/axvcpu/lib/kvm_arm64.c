// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 /dev/kvm guest of include/axvcpu_kvm_arm64.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "axvcpu_kvm_arm64.h"

#define FAIL(what) do {					\
	snprintf(why, len, "%s: %s", what, strerror(errno));	\
	return -1;						\
} while (0)

int kvm_arm64_vm_create(struct kvm_arm64_vm *k, int kvm, const char *start,
			const char *end, char *why, size_t len)
{
	struct kvm_userspace_memory_region r = { 0 };
	struct kvm_vcpu_init init;
	__u64 pc = KVM_ARM64_GPA;
	struct kvm_one_reg reg = {
		.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
		      (offsetof(struct kvm_regs, regs.pc) / sizeof(__u32)),
		.addr = (unsigned long)&pc,
	};
	int sz;

	memset(k, 0, sizeof(*k));
	k->vm = k->vcpu = -1;
	k->vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (k->vm < 0)
		FAIL("KVM_CREATE_VM");
	k->mem = mmap(NULL, KVM_ARM64_MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (k->mem == MAP_FAILED) {
		k->mem = NULL;
		FAIL("mmap guest memory");
	}
	memcpy(k->mem, start, end - start);
	r.guest_phys_addr = KVM_ARM64_GPA;
	r.memory_size = KVM_ARM64_MEM_SIZE;
	r.userspace_addr = (unsigned long)k->mem;
	if (ioctl(k->vm, KVM_SET_USER_MEMORY_REGION, &r))
		FAIL("KVM_SET_USER_MEMORY_REGION");
	k->vcpu = ioctl(k->vm, KVM_CREATE_VCPU, 0);
	if (k->vcpu < 0)
		FAIL("KVM_CREATE_VCPU");
	if (ioctl(k->vm, KVM_ARM_PREFERRED_TARGET, &init))
		FAIL("KVM_ARM_PREFERRED_TARGET");
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(k->vcpu, KVM_ARM_VCPU_INIT, &init))
		FAIL("KVM_ARM_VCPU_INIT");
	sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		FAIL("KVM_GET_VCPU_MMAP_SIZE");
	k->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, k->vcpu, 0);
	if (k->run == MAP_FAILED) {
		k->run = NULL;
		FAIL("mmap kvm_run");
	}
	k->run_size = sz;
	if (ioctl(k->vcpu, KVM_SET_ONE_REG, &reg))
		FAIL("KVM_SET_ONE_REG pc");
	return 0;
}

void kvm_arm64_vm_close(struct kvm_arm64_vm *k)
{
	if (k->run)
		munmap(k->run, k->run_size);
	if (k->vcpu >= 0)
		close(k->vcpu);
	if (k->mem)
		munmap(k->mem, KVM_ARM64_MEM_SIZE);
	if (k->vm >= 0)
		close(k->vm);
	memset(k, 0, sizeof(*k));
	k->vm = k->vcpu = -1;
}
