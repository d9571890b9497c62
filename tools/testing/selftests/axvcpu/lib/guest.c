// SPDX-License-Identifier: GPL-2.0
/*
 * C guests for every backend: the program image in slot 0, vCPU stacks and
 * the ucall channel (see include/axvcpu_guest.h). The arch parts are in
 * lib/<arch>/guest.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <link.h>
#include <stdarg.h>

#include "axvcpu_guest.h"

/* The span of this program's PT_LOAD segments, found once. */
static __u64 image_lo = ~0ULL, image_hi;

static int image_phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	int i;

	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		__u64 lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		if (lo < image_lo)
			image_lo = lo;
		if (lo + ph->p_memsz > image_hi)
			image_hi = lo + ph->p_memsz;
	}
	return 1;	/* the program alone: a static binary has no others */
}

static void image_find(void)
{
	if (image_hi)
		return;
	dl_iterate_phdr(image_phdr_cb, NULL);
	AXV_REQUIRE(image_hi > image_lo, "no PT_LOAD segment found");
	AXV_REQUIRE(image_lo >= AXV_GUEST_SYS_GPA + AXV_GUEST_SYS_SIZE,
		    "image at %#llx overlaps the guest tables (a static, "
		    "non-PIE build is needed)", (unsigned long long)image_lo);
}

static __u64 stacks_gpa(void)
{
	return (image_hi + 0xffff) & ~0xffffULL;
}

static int copy_phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct axv_vm *vm = data;
	int i;

	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		__u64 lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		memcpy(axv_gpa2hva(vm, lo), (const void *)(uintptr_t)lo,
		       ph->p_memsz);
	}
	return 1;
}

void axv_guest_vm_create(struct axv_vm *vm)
{
	__u64 size;

	image_find();
	size = stacks_gpa() + AXV_GUEST_MAX_VCPUS * AXV_GUEST_STACK_SIZE -
	       AXV_GUEST_SYS_GPA;
	axv_vm_create(vm);
	axv_mem_add(vm, 0, AXV_GUEST_SYS_GPA, size, 0, NULL);
	dl_iterate_phdr(copy_phdr_cb, vm);
	guest_arch_vm_init(vm);
}

static __u64 stack_top(__u32 id)
{
	AXV_REQUIRE(id < AXV_GUEST_MAX_VCPUS, "vCPU id %u has no guest stack",
		    id);
	return stacks_gpa() + (id + 1) * AXV_GUEST_STACK_SIZE;
}

struct axv_vcpu *axv_guest_vcpu_free(struct axv_vm *vm, __u32 id,
				     __u32 flags, void (*guest_code)(void))
{
	struct axv_vcpu *vcpu = axv_vcpu_create(vm, id, flags);

	guest_arch_vcpu_init(vcpu, (__u64)(uintptr_t)guest_code, stack_top(id));
	return vcpu;
}

struct axv_vcpu *axv_guest_vcpu(struct axv_vm *vm, __u32 id, __u32 flags,
				void (*guest_code)(void))
{
	struct axv_vcpu *vcpu = axv_guest_vcpu_free(vm, id, flags, guest_code);

	axv_vcpu_bind(vcpu);
	return vcpu;
}

void axv_guest_vcpu_restart(struct axv_vcpu *vcpu, void (*guest_code)(void))
{
	guest_arch_vcpu_init(vcpu, (__u64)(uintptr_t)guest_code,
			     stack_top(vcpu->id));
}

void axv_guest_vcpu_start(struct axv_vcpu *vcpu, void (*guest_code)(void),
			  __u64 stack_top)
{
	guest_arch_vcpu_init(vcpu, (__u64)(uintptr_t)guest_code, stack_top);
}

struct axv_vcpu *axv_guest_vcpu_args(struct axv_vm *vm,
				     struct axvcpu_create_vcpu *args,
				     void (*guest_code)(void))
{
	struct axv_vcpu *vcpu = axv_vcpu_create_args(vm, args);

	axv_guest_vcpu_restart(vcpu, guest_code);
	return vcpu;
}

struct axv_vcpu *axv_guest_vm(struct axv_vm *vm, void (*guest_code)(void),
			      __u32 vcpu_flags)
{
	axv_guest_vm_create(vm);
	return axv_guest_vcpu(vm, 0, vcpu_flags, guest_code);
}

void axv_guest_args(struct axv_vcpu *vcpu, int n, ...)
{
	__u64 args[6];
	va_list ap;
	int i;

	AXV_REQUIRE(n >= 0 && n <= 6, "%d guest arguments", n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		args[i] = va_arg(ap, __u64);
	va_end(ap);
	guest_arch_set_args(vcpu, n, args);
}

bool axv_guest_pc_in(struct axv_vcpu *vcpu, const void *fn, size_t len)
{
	__u64 pc = axv_vcpu_pc(vcpu), start = (__u64)(uintptr_t)fn;

	return pc > start && pc < start + len;
}

/* A NUL-terminated string of guest memory at @gva, into @buf. */
static void guest_string(struct axv_vm *vm, __u64 gva, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		const char *p;
		int s;

		/* stay inside slots: a wild pointer gives "?" */
		for (s = 0; s < AXV_MAX_MEM; s++) {
			struct axv_mem *m = &vm->mem[s];

			if (m->used && gva + i >= m->gpa &&
			    gva + i - m->gpa < m->size)
				break;
		}
		if (s == AXV_MAX_MEM) {
			buf[i++] = '?';
			break;
		}
		p = axv_gpa2hva(vm, gva + i);
		buf[i] = *p;
		if (!*p)
			return;
	}
	buf[i] = '\0';
}

__u64 axv_get_ucall(struct axv_vcpu *vcpu, struct axv_ucall *uc)
{
	const struct axvcpu_run *run = vcpu->run;
	struct axv_ucall dummy;
	size_t n;

	if (!uc)
		uc = &dummy;
	memset(uc, 0, sizeof(*uc));
	if (run->exit_reason != AXVCPU_EXIT_HYPERCALL ||
	    run->hypercall.nr != AXV_UCALL_NR)
		return AXV_UCALL_NONE;
	uc->cmd = run->hypercall.args[0];
	memcpy(uc->args, &run->hypercall.args[1], sizeof(uc->args));
	if (uc->cmd == AXV_UCALL_ABORT) {
		guest_string(vcpu->vm, uc->args[0], uc->msg, sizeof(uc->msg));
		n = strlen(uc->msg);
		if (n + 2 < sizeof(uc->msg)) {
			memcpy(uc->msg + n, ": ", 3);
			guest_string(vcpu->vm, uc->args[1], uc->msg + n + 2,
				     sizeof(uc->msg) - n - 2);
		}
		/* the compared values, for ASSERT_RUN_UCALL's message */
		uc->args[0] = uc->args[2];
		uc->args[1] = uc->args[3];
	}
	return uc->cmd;
}

/* ------------------------------------------------------------------ */
/* Guest side.                                                         */

void guest_ucall(__u64 cmd, __u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	guest_hypercall(AXV_UCALL_NR, cmd, a0, a1, a2, a3, 0);
}

void guest_assert_fail(const char *where, const char *expr, __u64 a, __u64 b)
{
	for (;;)
		guest_ucall(AXV_UCALL_ABORT, (__u64)(uintptr_t)where,
			    (__u64)(uintptr_t)expr, a, b);
}

/* Where a guest function returns to (through guest_return_trampoline). */
void guest_returned(void);
void guest_returned(void)
{
	for (;;)
		GUEST_DONE();
}
