// SPDX-License-Identifier: GPL-2.0
/*
 * exits_x86_test: every exit an x86 guest can produce, with the payload
 * and completion rules of Documentation/api.rst: port I/O, VMMCALL, HLT,
 * MMIO loads and stores decoded, MSRs, nested page faults, triple fault,
 * refused guest state, string I/O, real mode, injected interrupts,
 * CPUID without an exit and PAUSE spins.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

#define MMIO		__stringify(X86_MMIO_GPA)

/* ---- port I/O ---- */

X86_GUEST(io_out_guest, ".code32",
	"mov $0xffffff12, %eax\n\t"
	"out %al, $0x10\n\t"
	"mov $0xffff3456, %eax\n\t"
	"out %ax, $0x11\n\t"
	"mov $0x789abcde, %eax\n\t"
	"out %eax, $0x12\n\t"
	"mov $0xabcd1234, %edx\n\t"
	"mov $0xab, %al\n\t"
	"out %al, (%dx)\n\t"
	"mov $0xcdef, %ax\n\t"
	"out %ax, (%dx)\n\t"
	"mov $0x01020304, %eax\n\t"
	"out %eax, (%dx)\n\t"
	"mov $0xffff, %dx\n\t"
	"out %al, (%dx)\n\t"
	"hlt\n\t");

X86_GUEST(io_in_guest, ".code32",
	"mov $0xaabbccdd, %eax\n\t"
	"in $0x20, %al\n\t"
	"out %eax, $0x21\n\t"
	"mov $0x11223344, %eax\n\t"
	"in $0x22, %ax\n\t"
	"out %eax, $0x21\n\t"
	"mov $0x99999999, %eax\n\t"
	"in $0x24, %eax\n\t"
	"out %eax, $0x21\n\t"
	"mov $0x3f8, %edx\n\t"
	"mov $0x55667788, %eax\n\t"
	"in (%dx), %al\n\t"
	"out %eax, $0x21\n\t"
	"in (%dx), %ax\n\t"
	"out %eax, $0x21\n\t"
	"in (%dx), %eax\n\t"
	"out %eax, $0x21\n\t"
	"hlt\n\t");

/* ---- VMMCALL (turned into VMCALL on VMX by x86_guest_load()) ---- */

X86_GUEST(hypercall_guest, ".code32",
	"mov $42, %eax\n\t"
	"mov $0x1001, %edi\n\t"
	"mov $0x1002, %esi\n\t"
	"mov $0x1003, %edx\n\t"
	"vmmcall\n\t"
	"hc_after:\n\t"
	"out %eax, $0x30\n\t"
	"mov $7, %eax\n\t"
	"vmmcall\n\t"
	"out %eax, $0x30\n\t"
	"mov $8, %eax\n\t"
	"vmmcall\n\t"
	"out %eax, $0x30\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(hc_after);

/* ---- HLT ---- */

X86_GUEST(halt_guest, ".code32",
	"hlt\n\t"
	"hlt_after:\n\t"
	"mov $5, %al\n\t"
	"out %al, $0x31\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(hlt_after);

/* ---- MMIO ---- */

X86_GUEST(mmio_write_guest, ".code32",
	"mov $" MMIO ", %edi\n\t"
	"mov $0x11223344, %eax\n\t"
	"mov $0x55667788, %ecx\n\t"
	"mov $0x99aabbcc, %edx\n\t"
	"mov $0x0000abcd, %ebx\n\t"
	"mov %al, (%edi)\n\t"
	"mov %ah, 1(%edi)\n\t"
	"mov %bh, 3(%edi)\n\t"
	"mov %cx, 2(%edi)\n\t"
	"mov %edx, 4(%edi)\n\t"
	"movb $0x5a, 8(%edi)\n\t"
	"movw $0x1234, 10(%edi)\n\t"
	"movl $0xcafebabe, 12(%edi)\n\t"
	"mov $4, %esi\n\t"
	"mov %eax, 0x10(%edi,%esi,4)\n\t"
	"mov %ebx, " MMIO " + 0x100\n\t"
	"mov %si, 0x7fe(%edi)\n\t"
	"hlt\n\t");

static const struct mmio_write {
	__u64 addr;
	__u32 width;
	__u32 reg;
	__u64 data;
} mmio_writes[] = {
	{ X86_MMIO_GPA + 0x0,   1, X86_RAX,	      0x44 },
	{ X86_MMIO_GPA + 0x1,   1, AXVCPU_X86_REG_AH, 0x33 },
	{ X86_MMIO_GPA + 0x3,   1, AXVCPU_X86_REG_BH, 0xab },
	{ X86_MMIO_GPA + 0x2,   2, X86_RCX,	      0x7788 },
	{ X86_MMIO_GPA + 0x4,   4, X86_RDX,	      0x99aabbcc },
	{ X86_MMIO_GPA + 0x8,   1, AXVCPU_REG_NONE,   0x5a },
	{ X86_MMIO_GPA + 0xa,   2, AXVCPU_REG_NONE,   0x1234 },
	{ X86_MMIO_GPA + 0xc,   4, AXVCPU_REG_NONE,   0xcafebabe },
	{ X86_MMIO_GPA + 0x20,  4, X86_RAX,	      0x11223344 },
	{ X86_MMIO_GPA + 0x100, 4, X86_RBX,	      0xabcd },
	{ X86_MMIO_GPA + 0x7fe, 2, X86_RSI,	      0x4 },
};

/* Each load is followed by a checkpoint OUT to port 0x99. */
X86_GUEST(mmio_read_guest, ".code32",
	"mov $" MMIO ", %edi\n\t"
	"mov $0x11223344, %eax\n\t"
	"mov (%edi), %al\n\t"
	"out %al, $0x99\n\t"
	"mov 1(%edi), %ah\n\t"
	"out %al, $0x99\n\t"
	"mov $0xaaaabbbb, %ecx\n\t"
	"mov 2(%edi), %cx\n\t"
	"out %al, $0x99\n\t"
	"mov 4(%edi), %edx\n\t"
	"out %al, $0x99\n\t"
	"mov $0xffffffff, %esi\n\t"
	"movzbl 8(%edi), %esi\n\t"
	"out %al, $0x99\n\t"
	"movsbl 9(%edi), %ebx\n\t"
	"out %al, $0x99\n\t"
	"movswl 10(%edi), %ebp\n\t"
	"out %al, $0x99\n\t"
	"mov $0x12345678, %edx\n\t"
	"movzwl 12(%edi), %edx\n\t"
	"out %al, $0x99\n\t"
	"mov $0x12345678, %ecx\n\t"
	"movsbw 14(%edi), %cx\n\t"
	"out %al, $0x99\n\t"
	"mov $4, %esi\n\t"
	"mov 0x20(%edi,%esi,4), %eax\n\t"
	"out %al, $0x99\n\t"
	"mov $0x12345678, %ebx\n\t"
	"mov " MMIO " + 0x100, %bh\n\t"
	"out %al, $0x99\n\t"
	"mov $0x12345678, %ecx\n\t"
	"movzbw 0x200(%edi), %cx\n\t"
	"out %al, $0x99\n\t"
	"hlt\n\t");

static const struct mmio_read {
	__u64 addr;
	__u32 width;
	__u32 reg;
	__u32 reg_width;
	__u32 sign_ext;
	__u64 data;		/* what user space answers */
	__u32 gpr;		/* the register to check afterwards */
	__u64 value;		/* and its value */
} mmio_reads[] = {
	/* mov (%edi), %al: keeps the rest of RAX */
	{ X86_MMIO_GPA + 0x0, 1, X86_RAX, 1, 0, 0x5a, X86_RAX, 0x1122335a },
	/* mov 1(%edi), %ah */
	{ X86_MMIO_GPA + 0x1, 1, AXVCPU_X86_REG_AH, 1, 0, 0x77, X86_RAX, 0x1122775a },
	/* mov 2(%edi), %cx: keeps the upper half of ECX */
	{ X86_MMIO_GPA + 0x2, 2, X86_RCX, 2, 0, 0x1234, X86_RCX, 0xaaaa1234 },
	/* mov 4(%edi), %edx: only 4 bytes of data count, upper half zeroed */
	{ X86_MMIO_GPA + 0x4, 4, X86_RDX, 4, 0, 0xffffffff89abcdefULL, X86_RDX, 0x89abcdef },
	/* movzbl */
	{ X86_MMIO_GPA + 0x8, 1, X86_RSI, 4, 0, 0xf0, X86_RSI, 0xf0 },
	/* movsbl */
	{ X86_MMIO_GPA + 0x9, 1, X86_RBX, 4, 1, 0x80, X86_RBX, 0xffffff80 },
	/* movswl */
	{ X86_MMIO_GPA + 0xa, 2, X86_RBP, 4, 1, 0x8001, X86_RBP, 0xffff8001 },
	/* movzwl */
	{ X86_MMIO_GPA + 0xc, 2, X86_RDX, 4, 0, 0xffff, X86_RDX, 0xffff },
	/* movsbw: 16-bit destination keeps the upper half */
	{ X86_MMIO_GPA + 0xe, 1, X86_RCX, 2, 1, 0x80, X86_RCX, 0x1234ff80 },
	/* SIB addressing */
	{ X86_MMIO_GPA + 0x30, 4, X86_RAX, 4, 0, 0x600df00d, X86_RAX, 0x600df00d },
	/* mov disp32, %bh */
	{ X86_MMIO_GPA + 0x100, 1, AXVCPU_X86_REG_BH, 1, 0, 0x9a, X86_RBX, 0x12349a78 },
	/* movzbw */
	{ X86_MMIO_GPA + 0x200, 1, X86_RCX, 2, 0, 0xfe, X86_RCX, 0x123400fe },
};

/* ---- MSRs ---- */

/* ECX = the MSR index (set by the host) */
X86_GUEST(msr_guest, ".code32",
	"mov $0x11111111, %eax\n\t"
	"mov $0x22222222, %edx\n\t"
	"rdmsr\n\t"
	"out %eax, $0x41\n\t"
	"mov %edx, %eax\n\t"
	"out %eax, $0x41\n\t"
	"mov $0xaabbccdd, %eax\n\t"
	"mov $0x11223344, %edx\n\t"
	"wrmsr\n\t"
	"mov $1, %al\n\t"
	"out %al, $0x42\n\t"
	"hlt\n\t");

/* ---- faults and refused state ---- */

X86_GUEST(npf_guest, ".code32",
	"mov " __stringify(X86_RO_GPA) " + 0x40, %eax\n\t"
	"out %eax, $0x10\n\t"
	"npf_store:\n\t"
	"mov %eax, " __stringify(X86_RO_GPA) " + 0x44\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(npf_store);

/*
 * An MMIO read the decoder does not handle (ADD from memory), then a jump
 * into the MMIO range: both are NESTED_PAGE_FAULT exits, read and exec.
 */
X86_GUEST(npf_raw_guest, ".code32",
	"mov $" MMIO ", %edi\n\t"
	"npf_add:\n\t"
	"add 8(%edi), %eax\n\t"
	"npf_add_end:\n\t"
	"jmp *%edi\n\t");
X86_GUEST_LABEL(npf_add);
X86_GUEST_LABEL(npf_add_end);

/* An IDT with limit 0 (the zeroed data page): #UD -> #GP -> #DF -> shutdown */
X86_GUEST(triple_fault_guest, ".code32",
	"lidt " __stringify(X86_DATA_GPA) " + 0x100\n\t"
	"ud2\n\t");

X86_GUEST(simple_guest, ".code32",
	"mov $0x66, %al\n\t"
	"out %al, $0x10\n\t"
	"hlt\n\t");

X86_GUEST(string_io_guest, ".code32",
	"mov $0x10, %edx\n\t"
	"mov $" __stringify(X86_DATA_GPA) ", %esi\n\t"
	"mov $" __stringify(X86_DATA_GPA) ", %edi\n\t"
	"str_outsb:\n\t"
	"outsb\n\t"
	"str_outsb_end:\n\t"
	"mov $3, %ecx\n\t"
	"str_rep_insw:\n\t"
	"rep insw\n\t"
	"str_rep_insw_end:\n\t"
	"mov $7, %al\n\t"
	"out %al, $0x10\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(str_outsb);
X86_GUEST_LABEL(str_outsb_end);
X86_GUEST_LABEL(str_rep_insw);
X86_GUEST_LABEL(str_rep_insw_end);

/* ---- real mode, loaded at 0x1008: CS = 0x100, IP = 8 ---- */

#define REAL_ENTRY	0x1008

X86_GUEST(real_guest, ".code16",
	"mov $0x42, %al\n\t"
	"out %al, $0x10\n\t"
	"mov %cs, %ax\n\t"
	"out %ax, $0x11\n\t"
	"movw $0x1234, " __stringify(X86_DATA_GPA) "\n\t"
	"mov $0x5678, %ax\n\t"
	"out %ax, $0x12\n\t"
	"hlt\n\t");

/* ---- interrupts ---- */

X86_GUEST(irq_guest, ".code32",
	"mov $" __stringify(X86_STACK_TOP) ", %esp\n\t"
	"lidt " __stringify(X86_IDTR_GPA) "\n\t"
	"mov $1, %al\n\t"
	"out %al, $0x11\n\t"
	"sti\n\t"
	"1: jmp 1b\n\t"
	"irq_handler_40:\n\t"
	"push %eax\n\t"
	"mov $0x40, %al\n\t"
	"out %al, $0x40\n\t"
	"pop %eax\n\t"
	"iret\n\t"
	"irq_handler_41:\n\t"
	"push %eax\n\t"
	"mov $0x41, %al\n\t"
	"out %al, $0x40\n\t"
	"pop %eax\n\t"
	"iret\n\t"
	"irq_handler_50:\n\t"
	"push %eax\n\t"
	"mov $0x50, %al\n\t"
	"out %al, $0x40\n\t"
	"pop %eax\n\t"
	"iret\n\t");
X86_GUEST_LABEL(irq_handler_40);
X86_GUEST_LABEL(irq_handler_41);
X86_GUEST_LABEL(irq_handler_50);

/* ---- CPUID ---- */

X86_GUEST(cpuid_guest, ".code32",
	"mov $1, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"cpuid\n\t"
	"mov %edx, %eax\n\t"
	"and $1, %eax\n\t"
	"out %al, $0x50\n\t"
	"xor %eax, %eax\n\t"
	"cpuid\n\t"
	"out %eax, $0x51\n\t"
	"mov %ebx, %eax\n\t"
	"out %eax, $0x52\n\t"
	"hlt\n\t");

/*
 * ---- PAUSE spins (pause filtering) ----
 * vCPU 0 counts PAUSE rounds at SPIN_COUNT until vCPU 1, on the same CPU,
 * sets SPIN_FLAG after a while of work (a lock holder): where the CPU
 * filters PAUSE (Bochs's zambezi), every 3000th PAUSE is an exit in which
 * vCPU 0 yields to vCPU 1 if it was preempted in RUN; elsewhere PAUSE runs
 * in the guest.
 */
#define SPIN_COUNT	(X86_DATA_GPA + 0x100)
#define SPIN_FLAG	(X86_DATA_GPA + 0x104)
#define SPIN_ROUNDS	20000	/* vCPU 1 starts after this many */
/* vCPU 1's rounds before it sets the flag: long enough to be preempted */
#define SIBLING_WORK	5000000

X86_GUEST(spin_guest, ".code32",
	"1: pause\n\t"
	"incl " __stringify(SPIN_COUNT) "\n\t"
	"cmpl $1, " __stringify(SPIN_FLAG) "\n\t"
	"jne 1b\n\t"
	"mov " __stringify(SPIN_COUNT) ", %eax\n\t"
	"out %eax, $0x60\n\t"
	"hlt\n\t"
	"spin_sibling:\n\t"
	"mov $" __stringify(SIBLING_WORK) ", %ecx\n\t"
	"2: dec %ecx\n\t"
	"jnz 2b\n\t"
	"movl $1, " __stringify(SPIN_FLAG) "\n\t"
	"out %al, $0x61\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(spin_sibling);

FIXTURE(exits)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axvcpu_info info;
};

FIXTURE_SETUP(exits)
{
	axv_read_info(&self->info);
}

FIXTURE_TEARDOWN(exits)
{
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
}

#define GUEST(name)		X86_FIXTURE_GUEST(name, 0)

TEST_F(exits, io_write)
{
	struct axv_vcpu *vcpu;

	GUEST(io_out_guest);
	vcpu = self->vcpu;
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 0x12);
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 2, 0x3456);
	ASSERT_RUN_IO_WRITE(vcpu, 0x12, 4, 0x789abcde);
	ASSERT_RUN_IO_WRITE(vcpu, 0x1234, 1, 0xab);
	ASSERT_RUN_IO_WRITE(vcpu, 0x1234, 2, 0xcdef);
	ASSERT_RUN_IO_WRITE(vcpu, 0x1234, 4, 0x01020304);
	ASSERT_RUN_IO_WRITE(vcpu, 0xffff, 1, 0x04);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

/*
 * hw_exit: SVM's EXITCODE and EXITINFO1 of the exit (IOIO 0x7b with the
 * port in bits 31:16; HLT 0x78). sync_dirty must stay 0 until a sync-regs
 * part exists: RUN refuses it and nothing changes.
 */
TEST_F(exits, hw_exit_and_sync_regs_reserved)
{
	struct axv_vcpu *vcpu;

	GUEST(io_out_guest);
	vcpu = self->vcpu;
	ASSERT_EQ(0, vcpu->run->sync_valid);
	vcpu->run->sync_dirty = 1;
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_RUN, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	vcpu->run->sync_dirty = 0;
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 0x12);
	if (self->info.arch == AXVCPU_ARCH_X86_SVM) {
		ASSERT_EQ(0x7b, vcpu->run->hw_exit[0]);
		ASSERT_EQ(0x10, vcpu->run->hw_exit[1] >> 16);
	}
	/* the other OUTs, then the HLT */
	do {
		ASSERT_EQ(0, axv_run(vcpu));
	} while (vcpu->run->exit_reason == AXVCPU_EXIT_IO_WRITE);
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_HALT);
	if (self->info.arch == AXVCPU_ARCH_X86_SVM)
		ASSERT_EQ(0x78, vcpu->run->hw_exit[0]);
}

TEST_F(exits, io_read_completion)
{
	struct axv_vcpu *vcpu;

	GUEST(io_in_guest);
	vcpu = self->vcpu;
	/* in al: only the low byte of data lands, the rest of EAX stays */
	ASSERT_RUN_IO_READ(vcpu, 0x20, 1);
	vcpu->run->io.data = 0xffffff5a;
	ASSERT_RUN_IO_WRITE(vcpu, 0x21, 4, 0xaabbcc5a);
	/* in ax */
	ASSERT_RUN_IO_READ(vcpu, 0x22, 2);
	vcpu->run->io.data = 0xffffbeef;
	ASSERT_RUN_IO_WRITE(vcpu, 0x21, 4, 0x1122beef);
	/* in eax: 32-bit destination, upper half of RAX zero */
	ASSERT_RUN_IO_READ(vcpu, 0x24, 4);
	vcpu->run->io.data = 0xffffffffcafef00dULL;
	ASSERT_RUN_IO_WRITE(vcpu, 0x21, 4, 0xcafef00d);
	ASSERT_GPR(vcpu, X86_RAX, 0xcafef00d);
	/* the DX forms */
	ASSERT_RUN_IO_READ(vcpu, 0x3f8, 1);
	vcpu->run->io.data = 0x01;
	ASSERT_RUN_IO_WRITE(vcpu, 0x21, 4, 0x55667701);
	ASSERT_RUN_IO_READ(vcpu, 0x3f8, 2);
	vcpu->run->io.data = 0xa1a2;
	ASSERT_RUN_IO_WRITE(vcpu, 0x21, 4, 0x5566a1a2);
	ASSERT_RUN_IO_READ(vcpu, 0x3f8, 4);
	vcpu->run->io.data = 0xb1b2b3b4;
	ASSERT_RUN_IO_WRITE(vcpu, 0x21, 4, 0xb1b2b3b4);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

/*
 * A register ioctl between the exit and the next RUN applies the pending
 * completion at once; what SET_GPR writes then stays.
 */
TEST_F(exits, completion_then_set_gpr)
{
	struct axv_vcpu *vcpu;

	GUEST(io_in_guest);
	vcpu = self->vcpu;
	ASSERT_RUN_IO_READ(vcpu, 0x20, 1);
	vcpu->run->io.data = 0x5a;
	ASSERT_GPR(vcpu, X86_RAX, 0xaabbcc5a);
	/* a later change of the run struct no longer matters */
	vcpu->run->io.data = 0x77;
	axv_set_gpr(vcpu, X86_RAX, 0x13572468);
	ASSERT_RUN_IO_WRITE(vcpu, 0x21, 4, 0x13572468);
}

TEST_F(exits, hypercall)
{
	struct axv_vcpu *vcpu;
	__u64 v;

	GUEST(hypercall_guest);
	vcpu = self->vcpu;
	axv_set_gpr(vcpu, X86_R10, 0x1004);
	axv_set_gpr(vcpu, X86_R8, 0x1005);
	axv_set_gpr(vcpu, X86_R9, 0x1006);
	axv_set_gpr(vcpu, X86_RBX, 0x77);
	/* the exit must overwrite what user space left in the run struct */
	vcpu->run->hypercall.func = 0xdead;
	vcpu->run->hypercall.ret_extra[0] = 0xdead;
	vcpu->run->hypercall.ret_extra[2] = 0xdead;

	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HYPERCALL);
	ASSERT_RUN_FIELD(vcpu, "hypercall.nr", 42, vcpu->run->hypercall.nr);
	ASSERT_RUN_FIELD(vcpu, "hypercall.func (none on x86)", 0,
			 vcpu->run->hypercall.func);
	ASSERT_RUN_FIELD(vcpu, "hypercall.ret_extra[0]", 0,
			 vcpu->run->hypercall.ret_extra[0]);
	ASSERT_RUN_FIELD(vcpu, "hypercall.ret_extra[2]", 0,
			 vcpu->run->hypercall.ret_extra[2]);
	ASSERT_RUN_FIELD(vcpu, "hypercall.args[0] (RDI)", 0x1001,
			 vcpu->run->hypercall.args[0]);
	ASSERT_RUN_FIELD(vcpu, "hypercall.args[1] (RSI)", 0x1002,
			 vcpu->run->hypercall.args[1]);
	ASSERT_RUN_FIELD(vcpu, "hypercall.args[2] (RDX)", 0x1003,
			 vcpu->run->hypercall.args[2]);
	ASSERT_RUN_FIELD(vcpu, "hypercall.args[3] (R10)", 0x1004,
			 vcpu->run->hypercall.args[3]);
	ASSERT_RUN_FIELD(vcpu, "hypercall.args[4] (R8)", 0x1005,
			 vcpu->run->hypercall.args[4]);
	ASSERT_RUN_FIELD(vcpu, "hypercall.args[5] (R9)", 0x1006,
			 vcpu->run->hypercall.args[5]);
	ASSERT_RUN_FIELD(vcpu, "hypercall.ret (preset)", 0,
			 vcpu->run->hypercall.ret);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	/*
	 * ret goes to RAX on the next RUN, or at the first register ioctl
	 * before it (the GET_REGS below), so it is set first.
	 */
	vcpu->run->hypercall.ret = 0x1234;
	/* x86 has one return register: ret_extra goes nowhere */
	vcpu->run->hypercall.ret_extra[0] = 0x5555;
	vcpu->run->hypercall.ret_extra[1] = 0x6666;
	ASSERT_EQ(X86_GUEST_GPA(hypercall_guest, hc_after), axv_vcpu_rip(vcpu))
		TH_LOG("RIP at the hypercall exit: expected past VMMCALL");
	ASSERT_GPR(vcpu, X86_RDX, 0x1003);
	ASSERT_GPR(vcpu, X86_RBX, 0x77);
	ASSERT_RUN_IO_WRITE(vcpu, 0x30, 4, 0x1234);

	/* ret left at its preset 0 */
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HYPERCALL);
	ASSERT_RUN_FIELD(vcpu, "hypercall.nr", 7, vcpu->run->hypercall.nr);
	ASSERT_RUN_FIELD(vcpu, "hypercall.ret (preset)", 0,
			 vcpu->run->hypercall.ret);
	ASSERT_RUN_IO_WRITE(vcpu, 0x30, 4, 0);

	/* SET_RETURN_VALUE instead of hypercall.ret */
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HYPERCALL);
	ASSERT_RUN_FIELD(vcpu, "hypercall.nr", 8, vcpu->run->hypercall.nr);
	v = 0x777;
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_SET_RETURN_VALUE, &v));
	ASSERT_RUN_IO_WRITE(vcpu, 0x30, 4, 0x777);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

TEST_F(exits, halt)
{
	struct axv_vcpu *vcpu;

	GUEST(halt_guest);
	vcpu = self->vcpu;
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
	ASSERT_EQ(X86_GUEST_GPA(halt_guest, hlt_after), axv_vcpu_rip(vcpu))
		TH_LOG("RIP at the HALT exit: expected past HLT at %#llx",
		       (unsigned long long)X86_GUEST_GPA(halt_guest, hlt_after));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	ASSERT_RUN_IO_WRITE(vcpu, 0x31, 1, 5);
}

TEST_F(exits, mmio_write)
{
	struct axv_vcpu *vcpu;
	unsigned int i;
	char what[64];

	GUEST(mmio_write_guest);
	vcpu = self->vcpu;
	for (i = 0; i < ARRAY_SIZE(mmio_writes); i++) {
		const struct mmio_write *w = &mmio_writes[i];

		ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_MMIO_WRITE);
		snprintf(what, sizeof(what), "store %u: mmio.addr", i);
		ASSERT_RUN_FIELD(vcpu, what, w->addr, vcpu->run->mmio.addr);
		snprintf(what, sizeof(what), "store %u: mmio.width", i);
		ASSERT_RUN_FIELD(vcpu, what, w->width, vcpu->run->mmio.width);
		snprintf(what, sizeof(what), "store %u: mmio.data", i);
		ASSERT_RUN_FIELD(vcpu, what, w->data, vcpu->run->mmio.data);
		snprintf(what, sizeof(what), "store %u: mmio.reg (source)", i);
		ASSERT_RUN_FIELD(vcpu, what, w->reg, vcpu->run->mmio.reg);
	}
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

TEST_F(exits, mmio_read_completion)
{
	struct axv_vcpu *vcpu;
	unsigned int i;
	char what[64];

	GUEST(mmio_read_guest);
	vcpu = self->vcpu;
	for (i = 0; i < ARRAY_SIZE(mmio_reads); i++) {
		const struct mmio_read *r = &mmio_reads[i];

		ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_MMIO_READ);
		snprintf(what, sizeof(what), "load %u: mmio.addr", i);
		ASSERT_RUN_FIELD(vcpu, what, r->addr, vcpu->run->mmio.addr);
		snprintf(what, sizeof(what), "load %u: mmio.width", i);
		ASSERT_RUN_FIELD(vcpu, what, r->width, vcpu->run->mmio.width);
		snprintf(what, sizeof(what), "load %u: mmio.reg", i);
		ASSERT_RUN_FIELD(vcpu, what, r->reg, vcpu->run->mmio.reg);
		snprintf(what, sizeof(what), "load %u: mmio.reg_width", i);
		ASSERT_RUN_FIELD(vcpu, what, r->reg_width,
				 vcpu->run->mmio.reg_width);
		snprintf(what, sizeof(what), "load %u: mmio.sign_ext", i);
		ASSERT_RUN_FIELD(vcpu, what, r->sign_ext,
				 vcpu->run->mmio.sign_ext);
		vcpu->run->mmio.data = r->data;
		ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_IO_WRITE);
		snprintf(what, sizeof(what), "load %u: checkpoint io.port", i);
		ASSERT_RUN_FIELD(vcpu, what, 0x99, vcpu->run->io.port);
		ASSERT_GPR(vcpu, r->gpr, r->value);
	}
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

/* RDMSR/WRMSR of MSRs the module does not own (api.rst, design.rst). */
TEST_F(exits, msr)
{
	static const __u32 msrs[] = {
		0x1b,		/* APIC_BASE: inside the MSR permission map */
		0x4b564dff,	/* a synthetic index outside it */
	};
	struct axv_vcpu *vcpu;
	unsigned int i;

	AXV_REQUIRE_X86(&self->info);
	x86_vm_create(&self->vm);
	x86_guest_load(&self->vm, X86_CODE_GPA, msr_guest_start, msr_guest_end);
	for (i = 0; i < ARRAY_SIZE(msrs); i++) {
		vcpu = x86_vcpu_ready(&self->vm, i, 0, X86_CODE_GPA);
		axv_set_gpr(vcpu, X86_RCX, msrs[i]);
		TH_LOG("MSR %#x", msrs[i]);

		ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_SYSREG_READ);
		ASSERT_RUN_FIELD(vcpu, "sysreg.addr", msrs[i], vcpu->run->sysreg.addr);
		ASSERT_RUN_FIELD(vcpu, "sysreg.reg", 0, vcpu->run->sysreg.reg);
		vcpu->run->sysreg.value = 0x8877665544332211ULL;
		ASSERT_RUN_IO_WRITE(vcpu, 0x41, 4, 0x44332211);
		ASSERT_GPR(vcpu, X86_RDX, 0x88776655);
		ASSERT_RUN_IO_WRITE(vcpu, 0x41, 4, 0x88776655);

		ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_SYSREG_WRITE);
		ASSERT_RUN_FIELD(vcpu, "sysreg.addr", msrs[i], vcpu->run->sysreg.addr);
		ASSERT_RUN_FIELD(vcpu, "sysreg.value", 0x11223344aabbccddULL,
				 vcpu->run->sysreg.value);
		ASSERT_RUN_IO_WRITE(vcpu, 0x42, 1, 1);
		ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
		ioctl(vcpu->fd, AXVCPU_UNBIND, 0);
		axv_vcpu_close(vcpu);
	}
}

TEST_F(exits, nested_page_fault)
{
	struct axv_vcpu *vcpu;
	__u32 *ro;

	AXV_REQUIRE_X86(&self->info);
	AXV_REQUIRE_FEATURE(&self->info, AXVCPU_FEATURE_READONLY_MEM);
	x86_vm_create(&self->vm);
	x86_guest_load(&self->vm, X86_CODE_GPA, npf_guest_start, npf_guest_end);
	ro = mmap(NULL, AXV_PAGE_SIZE, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro[0x40 / 4] = 0xfeedf00d;
	ro[0x44 / 4] = 0x0;
	axv_mem_add(&self->vm, 1, X86_RO_GPA, AXV_PAGE_SIZE,
		    AXVCPU_MEM_READONLY, ro);
	vcpu = self->vcpu = x86_vcpu_ready(&self->vm, 0, 0, X86_CODE_GPA);

	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 4, 0xfeedf00d);
	ASSERT_RUN_NPF(vcpu, X86_RO_GPA + 0x44, AXVCPU_ACCESS_WRITE);
	ASSERT_EQ(X86_GUEST_GPA(npf_guest, npf_store), axv_vcpu_rip(vcpu))
		TH_LOG("RIP at the fault: expected the store");
	ASSERT_EQ(0, ro[0x44 / 4]) TH_LOG("read-only memory was written");
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

/*
 * NESTED_PAGE_FAULT with read and exec access: an MMIO access the decoder
 * does not handle leaves RIP at the instruction for user space to deal
 * with (here: step over it); a fetch from a GPA with no region is one too.
 */
TEST_F(exits, nested_page_fault_read_and_exec)
{
	struct axvcpu_regs regs;
	struct axv_vcpu *vcpu;

	GUEST(npf_raw_guest);
	vcpu = self->vcpu;
	ASSERT_RUN_NPF(vcpu, X86_MMIO_GPA + 8, AXVCPU_ACCESS_READ);
	ASSERT_EQ(X86_GUEST_GPA(npf_raw_guest, npf_add), axv_vcpu_rip(vcpu))
		TH_LOG("an undecoded MMIO access must leave RIP at the instruction");
	/* the VMM emulates it; here it only steps over it */
	axv_get_regs(vcpu, &regs);
	regs.x86.rip = X86_GUEST_GPA(npf_raw_guest, npf_add_end);
	axv_set_regs(vcpu, &regs);
	ASSERT_RUN_NPF(vcpu, X86_MMIO_GPA, AXVCPU_ACCESS_EXEC);
	ASSERT_EQ(X86_MMIO_GPA, axv_vcpu_rip(vcpu));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

TEST_F(exits, system_down)
{
	struct axv_vcpu *vcpu;

	GUEST(triple_fault_guest);
	vcpu = self->vcpu;
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_SYSTEM_DOWN);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	/* still a working vCPU: GET_REGS and INJECT are allowed */
	axv_vcpu_rip(vcpu);
	ASSERT_EQ(0, axv_inject(vcpu, 0x40));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

/* CR0.NW=1 with CR0.CD=0 is an illegal VMCB state: VMEXIT_INVALID. */
TEST_F(exits, fail_entry_then_fix)
{
	bool svm = self->info.arch == AXVCPU_ARCH_X86_SVM;
	struct axvcpu_regs regs, good;
	struct axv_vcpu *vcpu;

	AXV_REQUIRE_X86(&self->info);
	GUEST(simple_guest);
	vcpu = self->vcpu;

	/*
	 * A state each vendor's entry refuses and SET_REGS takes: CR0.NW
	 * without CR0.CD (SVM's VMRUN, APM vol. 2, 15.5.1); a DS limit whose
	 * bits 11:0 are not all set with G set (VMX, SDM vol. 3C, 26.3.1.2).
	 * hardware_entry_failure_reason: VMEXIT_INVALID (-1), or the VMX exit
	 * reason "invalid guest state" (33) with its entry-failure bit 31.
	 */
	axv_get_regs(vcpu, &good);
	regs = good;
	if (svm) {
		regs.x86.cr0 |= X86_CR0_NW;
		regs.x86.cr0 &= ~X86_CR0_CD;
	} else {
		regs.x86.ds.limit = 0x1000;
	}
	axv_set_regs(vcpu, &regs);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_FAIL_ENTRY);
	ASSERT_RUN_FIELD(vcpu, "fail_entry.hardware_entry_failure_reason",
			 svm ? 0xffffffffffffffffULL : 0x80000021ULL,
			 vcpu->run->fail_entry.hardware_entry_failure_reason);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	/* refused twice, the same way */
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_FAIL_ENTRY);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);

	axv_get_regs(vcpu, &regs);
	ASSERT_EQ(X86_CODE_GPA, regs.x86.rip) TH_LOG("the guest moved");
	axv_set_regs(vcpu, &good);
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 0x66);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

TEST_F(exits, string_io_refused)
{
	struct axvcpu_regs regs;
	struct axv_vcpu *vcpu;

	GUEST(string_io_guest);
	vcpu = self->vcpu;

	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_FAIL_ENTRY);
	ASSERT_RUN_FIELD(vcpu, "fail_entry.hardware_entry_failure_reason",
			 AXVCPU_X86_FAIL_STRING_IO,
			 vcpu->run->fail_entry.hardware_entry_failure_reason);
	ASSERT_EQ(X86_GUEST_GPA(string_io_guest, str_outsb), axv_vcpu_rip(vcpu))
		TH_LOG("RIP: expected at the OUTSB");
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);

	/* user space skips it and runs on */
	axv_get_regs(vcpu, &regs);
	regs.x86.rip = X86_GUEST_GPA(string_io_guest, str_outsb_end);
	axv_set_regs(vcpu, &regs);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_FAIL_ENTRY);
	ASSERT_RUN_FIELD(vcpu, "fail_entry.hardware_entry_failure_reason",
			 AXVCPU_X86_FAIL_STRING_IO,
			 vcpu->run->fail_entry.hardware_entry_failure_reason);
	ASSERT_EQ(X86_GUEST_GPA(string_io_guest, str_rep_insw), axv_vcpu_rip(vcpu))
		TH_LOG("RIP: expected at the REP INSW");
	ASSERT_GPR(vcpu, X86_RCX, 3);

	axv_get_regs(vcpu, &regs);
	regs.x86.rip = X86_GUEST_GPA(string_io_guest, str_rep_insw_end);
	axv_set_regs(vcpu, &regs);
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 7);
}

TEST_F(exits, real_mode)
{
	struct axvcpu_regs regs;
	struct axv_vcpu *vcpu;
	__u16 *data;

	AXV_REQUIRE_X86(&self->info);
	x86_vm_create(&self->vm);
	axv_guest_copy(&self->vm, REAL_ENTRY, real_guest_start, real_guest_end);
	data = axv_gpa2hva(&self->vm, X86_DATA_GPA);
	vcpu = self->vcpu = axv_vcpu_create(&self->vm, 0, 0);
	axv_vcpu_setup(vcpu, REAL_ENTRY, AXVCPU_X86_MODE_REAL);
	axv_vcpu_bind(vcpu);

	axv_get_regs(vcpu, &regs);
	ASSERT_EQ(REAL_ENTRY >> 4, regs.x86.cs.selector);
	ASSERT_EQ(REAL_ENTRY & ~0xf, regs.x86.cs.base);
	ASSERT_EQ(REAL_ENTRY & 0xf, regs.x86.rip);

	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 0x42);
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 2, REAL_ENTRY >> 4);
	ASSERT_RUN_IO_WRITE(vcpu, 0x12, 2, 0x5678);
	ASSERT_EQ(0x1234, *data) TH_LOG("real-mode store to DS:0x8000 missing");
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

static void irq_guest_idt(struct axv_vm *vm)
{
	x86_idt_set_gate(vm, 0x40, X86_GUEST_GPA(irq_guest, irq_handler_40));
	x86_idt_set_gate(vm, 0x41, X86_GUEST_GPA(irq_guest, irq_handler_41));
	x86_idt_set_gate(vm, 0x50, X86_GUEST_GPA(irq_guest, irq_handler_50));
}

/* Injected before RUN: delivered once the guest has set up its IDT and IF. */
TEST_F(exits, inject_before_run)
{
	struct axv_vcpu *vcpu;

	GUEST(irq_guest);
	vcpu = self->vcpu;
	irq_guest_idt(&self->vm);
	ASSERT_EQ(0, axv_inject(vcpu, 0x40));
	/* IF is 0 until the STI after this OUT: nothing delivered yet */
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 1, 1);
	ASSERT_RUN_IO_WRITE(vcpu, 0x40, 1, 0x40);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

/* Several pending vectors: the highest first, each after the previous IRET. */
TEST_F(exits, inject_priority)
{
	struct axv_vcpu *vcpu;

	GUEST(irq_guest);
	vcpu = self->vcpu;
	irq_guest_idt(&self->vm);
	ASSERT_EQ(0, axv_inject(vcpu, 0x41));
	ASSERT_EQ(0, axv_inject(vcpu, 0x50));
	ASSERT_EQ(0, axv_inject(vcpu, 0x40));
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 1, 1);
	ASSERT_RUN_IO_WRITE(vcpu, 0x40, 1, 0x50);
	ASSERT_RUN_IO_WRITE(vcpu, 0x40, 1, 0x41);
	ASSERT_RUN_IO_WRITE(vcpu, 0x40, 1, 0x40);
}

/* CPUID runs without an exit to user space. */
TEST_F(exits, cpuid_no_exit)
{
	struct axv_vcpu *vcpu;

	GUEST(cpuid_guest);
	vcpu = self->vcpu;
	/* CPUID.1:EDX.FPU */
	ASSERT_RUN_IO_WRITE(vcpu, 0x50, 1, 1);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_RUN_FIELD(vcpu, "io.port", 0x51, vcpu->run->io.port);
	ASSERT_LE(1, vcpu->run->io.data)
		TH_LOG("CPUID.0:EAX (max leaf) is %llu",
		       (unsigned long long)vcpu->run->io.data);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_RUN_FIELD(vcpu, "io.port", 0x52, vcpu->run->io.port);
	ASSERT_NE(0, vcpu->run->io.data) TH_LOG("CPUID.0:EBX (vendor) is 0");
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

struct spin_sibling_ctx {
	struct axv_vm *vm;
	volatile __u32 *count;
	volatile __u32 *flag;
	int reason;		/* vCPU 1's exit, or -errno */
	__u32 port;
};

/* vCPU 1, on the spinner's CPU: starts once vCPU 0 spins, sets the flag. */
static void *spin_sibling_thread(void *arg)
{
	struct spin_sibling_ctx *ctx = arg;
	struct axv_vcpu *v;
	int i;

	for (i = 0; i < 60000 && *ctx->count < SPIN_ROUNDS; i++)
		usleep(1000);
	v = x86_vcpu_ready(ctx->vm, 1, 0,
			   X86_GUEST_GPA(spin_guest, spin_sibling));
	if (axv_run(v) == 0) {
		ctx->reason = v->run->exit_reason;
		ctx->port = v->run->io.port;
	} else {
		ctx->reason = -errno;
	}
	/* vCPU 0 must end whatever happened here */
	*ctx->flag = 1;
	axv_vcpu_close(v);
	return NULL;
}

/*
 * A guest spinning with PAUSE on a flag its sibling sets, both vCPUs on
 * one CPU: where PAUSE is filtered the spinner exits and yields
 * (axvcpu_vcpu_on_spin()); PAUSE must still complete and the sibling run.
 */
TEST_F(exits, pause_spin_yields_to_sibling)
{
	struct spin_sibling_ctx ctx = { .reason = -1 };
	struct axv_vcpu *vcpu;
	pthread_t thread;
	__u8 *mem;

	GUEST(spin_guest);
	vcpu = self->vcpu;
	mem = self->vm.mem[0].hva;
	ctx.vm = &self->vm;
	ctx.count = (volatile __u32 *)(mem + SPIN_COUNT);
	ctx.flag = (volatile __u32 *)(mem + SPIN_FLAG);
	/* created after BIND: the thread shares vCPU 0's CPU */
	ASSERT_EQ(0, pthread_create(&thread, NULL, spin_sibling_thread, &ctx));
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_RUN_FIELD(vcpu, "io.port", 0x60, vcpu->run->io.port);
	ASSERT_LE(SPIN_ROUNDS, vcpu->run->io.data)
		TH_LOG("vCPU 0 saw the flag after %llu rounds",
		       (unsigned long long)vcpu->run->io.data);
	ASSERT_EQ(AXVCPU_EXIT_IO_WRITE, ctx.reason)
		TH_LOG("vCPU 1 ended with %d", ctx.reason);
	ASSERT_EQ(0x61, ctx.port);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

TEST_HARNESS_MAIN
