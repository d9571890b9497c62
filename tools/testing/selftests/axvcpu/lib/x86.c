// SPDX-License-Identifier: GPL-2.0
/*
 * x86 guest set-up for the axvcpu selftests (see include/axvcpu_x86.h).
 */
#include <string.h>

#include "axvcpu_x86.h"

void x86_write_flat_gdt(void *gdt)
{
	static const __u64 flat_gdt[] = {
		0,
		0x00cf9b000000ffffULL,	/* 0x08: code, base 0, 4 GiB, 32-bit */
		0x00cf93000000ffffULL,	/* 0x10: data, base 0, 4 GiB, 32-bit */
	};

	memcpy(gdt, flat_gdt, sizeof(flat_gdt));
}

void x86_idt_set_gate(struct axv_vm *vm, __u8 vector, __u64 handler_gpa)
{
	unsigned char *idtr = axv_gpa2hva(vm, X86_IDTR_GPA);
	__u16 *gate = axv_gpa2hva(vm, X86_IDT_GPA + vector * 8);
	__u16 limit = 256 * 8 - 1;
	__u32 base = X86_IDT_GPA;

	gate[0] = handler_gpa & 0xffff;
	gate[1] = 0x08;
	gate[2] = 0x8e00;	/* present, DPL 0, 32-bit interrupt gate */
	gate[3] = handler_gpa >> 16;
	memcpy(idtr, &limit, 2);
	memcpy(idtr + 2, &base, 4);
}

void *x86_vm_create(struct axv_vm *vm)
{
	void *mem;

	axv_vm_create(vm);
	mem = axv_mem_add(vm, 0, 0, X86_MEM_SIZE, 0, NULL);
	x86_write_flat_gdt((char *)mem + X86_GDT_GPA);
	return mem;
}

void x86_guest_load(struct axv_vm *vm, __u64 gpa, const char *start,
		    const char *end)
{
	unsigned char *code = axv_gpa2hva(vm, gpa);
	size_t len = end - start, i;

	axv_guest_copy(vm, gpa, start, end);
	if (vm->info.arch != AXVCPU_ARCH_X86_VMX)
		return;
	/* VMMCALL (0f 01 d9) -> VMCALL (0f 01 c1) */
	for (i = 0; i + 2 < len; i++) {
		if (code[i] == 0x0f && code[i + 1] == 0x01 && code[i + 2] == 0xd9)
			code[i + 2] = 0xc1;
	}
}

struct axv_vcpu *x86_vcpu_ready(struct axv_vm *vm, __u32 id, __u32 flags,
				__u64 entry)
{
	struct axv_vcpu *vcpu = axv_vcpu_create(vm, id, flags);

	axv_vcpu_setup(vcpu, entry, AXVCPU_X86_MODE_FLAT32);
	axv_vcpu_bind(vcpu);
	return vcpu;
}

struct axv_vcpu *x86_vm_with_guest(struct axv_vm *vm, const char *start,
				   const char *end, __u32 vcpu_flags)
{
	x86_vm_create(vm);
	x86_guest_load(vm, X86_CODE_GPA, start, end);
	return x86_vcpu_ready(vm, 0, vcpu_flags, X86_CODE_GPA);
}

void x86_vcpu_set_cr4(struct axv_vcpu *vcpu, __u64 bits)
{
	struct axvcpu_regs regs;

	axv_get_regs(vcpu, &regs);
	regs.x86.cr4 |= bits;
	axv_set_regs(vcpu, &regs);
}
