/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A /dev/kvm guest on riscv64 for the tests and the benchmark that put
 * axvcpu beside KVM in one kernel: one VM, one vCPU in VS mode with vsatp
 * bare, KVM_RISCV_MEM_SIZE bytes of memory at KVM_RISCV_GPA holding the
 * code at its start. A store to KVM_RISCV_MMIO_GPA (no memory there) is
 * a KVM_EXIT_MMIO.
 */
#ifndef SELFTEST_AXVCPU_KVM_RISCV_H
#define SELFTEST_AXVCPU_KVM_RISCV_H

#include <stddef.h>
#include <linux/kvm.h>

/* 6.1's riscv kvm.ko needs no other module. */
#define KVM_RISCV_DEFAULT_MODULES	"kvm.ko"
#define KVM_RISCV_GPA			0x80000000UL
#define KVM_RISCV_MEM_SIZE		0x10000UL
#define KVM_RISCV_MMIO_GPA		0x10000000UL

struct kvm_riscv_vm {
	int vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	void *mem;
};

/*
 * A VM on the /dev/kvm fd @kvm running the position-independent code
 * [@start, @end) from KVM_RISCV_GPA, a0 = @a0. Returns 0, or -1 with @why
 * saying which step failed; kvm_riscv_vm_close() frees what was made
 * either way.
 */
int kvm_riscv_vm_create(struct kvm_riscv_vm *k, int kvm, const char *start,
			const char *end, unsigned long a0, char *why,
			size_t len);
void kvm_riscv_vm_close(struct kvm_riscv_vm *k);

#endif /* SELFTEST_AXVCPU_KVM_RISCV_H */
