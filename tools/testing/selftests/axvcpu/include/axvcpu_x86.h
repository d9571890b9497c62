/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 guests for the axvcpu selftests.
 *
 * Guests are a few lines of .code32 (or .code16) assembly beside the test,
 * placed in .rodata between <name>_start and <name>_end and copied to
 * X86_CODE_GPA. The standard layout of a test VM (slot 0, 1 MiB at GPA 0):
 *
 *   0x00000  flat GDT written by the host (null, 0x08 code32, 0x10 data32),
 *            which AXVCPU_X86_MODE_FLAT32's GDTR (base 0) points at
 *   0x01000  guest code
 *   0x03000  an IDT, when a test needs one (x86_idt_set_gate())
 *   0x07ff0  its IDTR image for the guest's LIDT: limit 0x7ff, base 0x3000
 *   0x08000  guest data
 *   0x80000  top of the guest stack
 *
 * 0xd0000000 has no slot: accesses there are MMIO.
 */
#ifndef SELFTEST_AXVCPU_X86_H
#define SELFTEST_AXVCPU_X86_H

#include "axvcpu_util.h"

#define __stringify_1(x...)	#x
#define __stringify(x...)	__stringify_1(x)

/* No suffixes: these are also pasted into guest assembly. */
#define X86_MEM_SIZE		0x100000
#define X86_GDT_GPA		0x0
#define X86_CODE_GPA		0x1000
#define X86_IDT_GPA		0x3000
#define X86_IDTR_GPA		0x7ff0
#define X86_DATA_GPA		0x8000
#define X86_STACK_TOP		0x80000
#define X86_MMIO_GPA		0xd0000000
#define X86_RO_GPA		0x200000

/* struct axvcpu_gpr numbering */
enum {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};

#define X86_CR0_PE		(1ULL << 0)
#define X86_CR0_ET		(1ULL << 4)
#define X86_CR0_NE		(1ULL << 5)
#define X86_CR0_NW		(1ULL << 29)
#define X86_CR0_CD		(1ULL << 30)
#define X86_RFLAGS_IF		(1ULL << 9)
#define X86_CR4_DE		(1ULL << 3)
#define X86_CR4_OSFXSR		(1ULL << 9)
#define X86_CR4_OSXMMEXCPT	(1ULL << 10)
#define X86_CR4_OSXSAVE		(1ULL << 18)
#define X86_EFER_NXE		(1ULL << 11)
#define X86_EFER_SVME		(1ULL << 12)

/* SVM packed segment attributes (struct axvcpu_x86_segment.attrib) */
#define X86_SEG_TYPE(a)		((a) & 0xf)
#define X86_SEG_S		(1U << 4)
#define X86_SEG_DPL(a)		(((a) >> 5) & 3)
#define X86_SEG_P		(1U << 7)
#define X86_SEG_L		(1U << 9)
#define X86_SEG_DB		(1U << 10)
#define X86_SEG_G		(1U << 11)

/*
 * Declare a guest: X86_GUEST(name, ".code32", "insn\n\t" ...). Labels a
 * test needs from the host side are declared with X86_GUEST_LABEL().
 */
#define X86_GUEST(name, mode, code)					\
	asm(".pushsection .rodata\n"					\
	    mode "\n"							\
	    #name "_start:\n\t"						\
	    code "\n"							\
	    #name "_end:\n"						\
	    ".code64\n"							\
	    ".popsection\n");						\
	extern const char name##_start[], name##_end[]

#define X86_GUEST_LABEL(label)	extern const char label[]

/* Guest physical address of @label of guest @name loaded at X86_CODE_GPA. */
#define X86_GUEST_GPA(name, label)					\
	((__u64)X86_CODE_GPA + (__u64)((label) - name##_start))

/* The same, as an assembler expression inside the guest's own code. */
#define X86_ASM_GPA(name, label)					\
	"(" #label " - " #name "_start + " __stringify(X86_CODE_GPA) ")"

/*
 * A VM with slot 0 = X86_MEM_SIZE bytes at GPA 0 and the flat GDT.
 * Returns the host address of GPA 0.
 */
void *x86_vm_create(struct axv_vm *vm);
/*
 * Copy a guest to @gpa. On VMX the VMMCALL byte sequences are turned into
 * VMCALL, so that the same guest source serves both vendors.
 */
void x86_guest_load(struct axv_vm *vm, __u64 gpa, const char *start,
		    const char *end);
/* vCPU @id with @flags, set up in FLAT32 mode at @entry and bound. */
struct axv_vcpu *x86_vcpu_ready(struct axv_vm *vm, __u32 id, __u32 flags,
				__u64 entry);
/* All of the above for one guest at X86_CODE_GPA: vCPU 0, READY. */
struct axv_vcpu *x86_vm_with_guest(struct axv_vm *vm, const char *start,
				   const char *end, __u32 vcpu_flags);
/*
 * The same in the body of a test whose fixture has the members info (from
 * GET_INFO), vm and vcpu: skip the test unless the backend is x86, else
 * self->vcpu is vCPU 0, created with @flags, of a new self->vm running
 * guest @name.
 */
#define X86_FIXTURE_GUEST(name, flags) do {				\
	AXV_REQUIRE_X86(&self->info);					\
	self->vcpu = x86_vm_with_guest(&self->vm, name##_start,		\
				       name##_end, (flags));		\
} while (0)
/* Flat 32-bit segments for /dev/kvm and SET_REGS users. */
void x86_write_flat_gdt(void *gdt);
/*
 * A 32-bit interrupt gate (selector 0x08, DPL 0) for @vector at
 * X86_IDT_GPA, and the IDTR image at X86_IDTR_GPA the guest loads with
 * "lidt X86_IDTR_GPA".
 */
void x86_idt_set_gate(struct axv_vm *vm, __u8 vector, __u64 handler_gpa);
/*
 * Set @bits in the vCPU's CR4 (GET_REGS, then SET_REGS), e.g.
 * X86_CR4_OSFXSR for a guest that uses SSE. SET_REGS does not check the
 * value: a CR4 the hardware refuses ends the next RUN with FAIL_ENTRY.
 */
void x86_vcpu_set_cr4(struct axv_vcpu *vcpu, __u64 bits);

#endif /* SELFTEST_AXVCPU_X86_H */
