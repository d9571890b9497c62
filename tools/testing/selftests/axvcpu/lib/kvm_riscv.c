// SPDX-License-Identifier: GPL-2.0
/*
 * The riscv64 /dev/kvm guest of include/axvcpu_kvm_riscv.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "axvcpu_kvm_riscv.h"

static int set_core_reg(int vcpu, unsigned long idx, unsigned long v)
{
	struct kvm_one_reg reg = {
		.id = KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE | idx,
		.addr = (unsigned long)&v,
	};

	return ioctl(vcpu, KVM_SET_ONE_REG, &reg);
}

#define FAIL(what) do {					\
	snprintf(why, len, "%s: %s", what, strerror(errno));	\
	return -1;						\
} while (0)

int kvm_riscv_vm_create(struct kvm_riscv_vm *k, int kvm, const char *start,
			const char *end, unsigned long a0, char *why,
			size_t len)
{
	struct kvm_userspace_memory_region r = { 0 };
	int sz;

	memset(k, 0, sizeof(*k));
	k->vm = k->vcpu = -1;
	k->vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (k->vm < 0)
		FAIL("KVM_CREATE_VM");
	k->mem = mmap(NULL, KVM_RISCV_MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (k->mem == MAP_FAILED) {
		k->mem = NULL;
		FAIL("mmap guest memory");
	}
	memcpy(k->mem, start, end - start);
	r.guest_phys_addr = KVM_RISCV_GPA;
	r.memory_size = KVM_RISCV_MEM_SIZE;
	r.userspace_addr = (unsigned long)k->mem;
	if (ioctl(k->vm, KVM_SET_USER_MEMORY_REGION, &r))
		FAIL("KVM_SET_USER_MEMORY_REGION");
	k->vcpu = ioctl(k->vm, KVM_CREATE_VCPU, 0);
	if (k->vcpu < 0)
		FAIL("KVM_CREATE_VCPU");
	sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		FAIL("KVM_GET_VCPU_MMAP_SIZE");
	k->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, k->vcpu, 0);
	if (k->run == MAP_FAILED) {
		k->run = NULL;
		FAIL("mmap kvm_run");
	}
	k->run_size = sz;
	if (set_core_reg(k->vcpu, KVM_REG_RISCV_CORE_REG(regs.pc), KVM_RISCV_GPA))
		FAIL("KVM_SET_ONE_REG pc");
	if (set_core_reg(k->vcpu, KVM_REG_RISCV_CORE_REG(regs.a0), a0))
		FAIL("KVM_SET_ONE_REG a0");
	return 0;
}

void kvm_riscv_vm_close(struct kvm_riscv_vm *k)
{
	if (k->run)
		munmap(k->run, k->run_size);
	if (k->vcpu >= 0)
		close(k->vcpu);
	if (k->mem)
		munmap(k->mem, KVM_RISCV_MEM_SIZE);
	if (k->vm >= 0)
		close(k->vm);
	memset(k, 0, sizeof(*k));
	k->vm = k->vcpu = -1;
}
