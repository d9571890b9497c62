/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A /dev/kvm guest for the tests and the benchmark that put axvcpu beside
 * KVM in one kernel: one VM, one vCPU in flat 32-bit protected mode at
 * X86_CODE_GPA with the same guest code axvcpu runs, no in-kernel irqchip
 * (so HLT and port I/O come to user space).
 */
#ifndef SELFTEST_AXVCPU_KVM_X86_H
#define SELFTEST_AXVCPU_KVM_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/kvm.h>

/* Debian's kvm-amd and what it needs, in load order. */
#define KVM_X86_DEFAULT_MODULES	"irqbypass.ko kvm.ko ccp.ko kvm-amd.ko"
/* Debian's kvm-intel and what it needs, in load order. */
#define KVM_X86_INTEL_MODULES	"irqbypass.ko kvm.ko kvm-intel.ko"

struct kvm_x86_vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	void *mem;
};

/*
 * A VM on the /dev/kvm fd @kvm with guest [@start, @end) at X86_CODE_GPA,
 * in X86_MEM_SIZE bytes at GPA 0 with the flat GDT. @exit_hypercall asks
 * for KVM_HC_MAP_GPA_RANGE to come to user space. Returns 0, or -1 with
 * @why saying which step failed (errno kept); kvm_x86_vm_close() frees
 * what was made either way.
 */
int kvm_x86_vm_create(struct kvm_x86_vm *c, int kvm, const char *start,
		      const char *end, bool exit_hypercall, char *why,
		      size_t len);
void kvm_x86_vm_close(struct kvm_x86_vm *c);

#endif /* SELFTEST_AXVCPU_KVM_X86_H */
