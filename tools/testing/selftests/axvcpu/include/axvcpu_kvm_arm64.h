/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A /dev/kvm guest on arm64 for the benchmark that puts axvcpu beside KVM
 * in one kernel: one VM without an in-kernel GIC, one vCPU at EL1h with the
 * MMU off (KVM_ARM_VCPU_INIT's reset state, PSCI 0.2 on), KVM_ARM64_MEM_SIZE
 * bytes of memory at KVM_ARM64_GPA holding the code at its start. A store
 * to KVM_ARM64_MMIO_GPA (no memory there) is a KVM_EXIT_MMIO.
 */
#ifndef SELFTEST_AXVCPU_KVM_ARM64_H
#define SELFTEST_AXVCPU_KVM_ARM64_H

#include <stddef.h>
#include <linux/kvm.h>

/* Debian's arm64 KVM is built in: no modules to load. */
#define KVM_ARM64_DEFAULT_MODULES	""
#define KVM_ARM64_GPA			0x40000000UL
#define KVM_ARM64_MEM_SIZE		0x10000UL
#define KVM_ARM64_MMIO_GPA		0x10000000UL

struct kvm_arm64_vm {
	int vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	void *mem;
};

/*
 * A VM on the /dev/kvm fd @kvm running the position-independent code
 * [@start, @end) from KVM_ARM64_GPA. Returns 0, or -1 with @why saying
 * which step failed; kvm_arm64_vm_close() frees what was made either way.
 */
int kvm_arm64_vm_create(struct kvm_arm64_vm *k, int kvm, const char *start,
			const char *end, char *why, size_t len);
void kvm_arm64_vm_close(struct kvm_arm64_vm *k);

#endif /* SELFTEST_AXVCPU_KVM_ARM64_H */
