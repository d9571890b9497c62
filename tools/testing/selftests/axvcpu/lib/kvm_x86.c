// SPDX-License-Identifier: GPL-2.0
/*
 * A /dev/kvm guest beside axvcpu's (see include/axvcpu_kvm_x86.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm_para.h>

#include "axvcpu_util.h"
#include "axvcpu_x86.h"
#include "axvcpu_kvm_x86.h"

/* A flat 4 GiB segment of @type (11: code, 3: data), DPL 0, 32-bit. */
static void kvm_flat_seg(struct kvm_segment *s, __u16 sel, __u8 type)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->db = 1;
	s->s = 1;
	s->g = 1;
}

/* The failed step and its errno in @why; errno is kept for the caller. */
static int kvm_step_failed(char *why, size_t len, const char *step)
{
	int err = errno;

	snprintf(why, len, "%s: %s", step, axv_errno_name(err));
	errno = err;
	return -1;
}

int kvm_x86_vm_create(struct kvm_x86_vm *c, int kvm, const char *start,
		      const char *end, bool exit_hypercall, char *why,
		      size_t len)
{
	struct kvm_userspace_memory_region r = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int mmap_size;

	memset(c, 0, sizeof(*c));
	c->kvm = kvm;
	c->vm = c->vcpu = -1;
	c->vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (c->vm < 0)
		return kvm_step_failed(why, len, "KVM_CREATE_VM");
	if (exit_hypercall) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_EXIT_HYPERCALL,
			.args[0] = 1ULL << KVM_HC_MAP_GPA_RANGE,
		};

		if (ioctl(c->vm, KVM_ENABLE_CAP, &cap))
			return kvm_step_failed(why, len,
					       "KVM_CAP_EXIT_HYPERCALL");
	}
	c->mem = mmap(NULL, X86_MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->mem == MAP_FAILED) {
		c->mem = NULL;
		return kvm_step_failed(why, len, "mmap of the guest memory");
	}
	x86_write_flat_gdt((char *)c->mem + X86_GDT_GPA);
	memcpy((char *)c->mem + X86_CODE_GPA, start, end - start);
	r.memory_size = X86_MEM_SIZE;
	r.userspace_addr = (__u64)(uintptr_t)c->mem;
	if (ioctl(c->vm, KVM_SET_USER_MEMORY_REGION, &r))
		return kvm_step_failed(why, len, "KVM_SET_USER_MEMORY_REGION");
	c->vcpu = ioctl(c->vm, KVM_CREATE_VCPU, 0);
	if (c->vcpu < 0)
		return kvm_step_failed(why, len, "KVM_CREATE_VCPU");
	mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size <= 0)
		return kvm_step_failed(why, len, "KVM_GET_VCPU_MMAP_SIZE");
	c->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      c->vcpu, 0);
	if (c->run == MAP_FAILED) {
		c->run = NULL;
		return kvm_step_failed(why, len, "mmap of kvm_run");
	}
	c->run_size = mmap_size;

	if (ioctl(c->vcpu, KVM_GET_SREGS, &sregs))
		return kvm_step_failed(why, len, "KVM_GET_SREGS");
	kvm_flat_seg(&sregs.cs, 0x08, 11);
	kvm_flat_seg(&sregs.ds, 0x10, 3);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = X86_GDT_GPA;
	sregs.gdt.limit = 0xffff;
	sregs.cr0 |= X86_CR0_PE;
	if (ioctl(c->vcpu, KVM_SET_SREGS, &sregs))
		return kvm_step_failed(why, len, "KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = X86_CODE_GPA;
	regs.rflags = 0x2;
	if (ioctl(c->vcpu, KVM_SET_REGS, &regs))
		return kvm_step_failed(why, len, "KVM_SET_REGS");
	return 0;
}

void kvm_x86_vm_close(struct kvm_x86_vm *c)
{
	if (c->run)
		munmap(c->run, c->run_size);
	if (c->vcpu >= 0)
		close(c->vcpu);
	if (c->vm >= 0)
		close(c->vm);
	if (c->mem)
		munmap(c->mem, X86_MEM_SIZE);
	memset(c, 0, sizeof(*c));
	c->vm = c->vcpu = -1;
}
