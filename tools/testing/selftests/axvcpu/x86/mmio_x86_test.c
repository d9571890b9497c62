// SPDX-License-Identifier: GPL-2.0
/*
 * mmio_x86_test: the MMIO decoder in 64-bit mode (C guests of
 * include/axvcpu_guest.h in long mode): 8-byte accesses, REX registers
 * (R8-R15, REX.W, the byte registers SPL..R15B that exist only with REX),
 * MOVZX/MOVSX to 64-bit destinations, MOV of a sign-extended imm32, MOV
 * with a 64-bit moffs; an 8-byte access that straddles a region's end in
 * long mode (3 bytes of memory, 5 of MMIO, both ways); and an instruction
 * the decoder does not know, which is a raw NESTED_PAGE_FAULT.
 */
#include "kselftest_harness.h"
#include "axvcpu_guest.h"
#include "axvcpu_x86.h"

#define MMIO		AXV_GUEST_MMIO_GPA
#define EDGE_SLOT	AXV_GUEST_FREE_SLOT
#define EDGE_GPA	AXV_GUEST_FREE_GPA
#define EDGE_SIZE	0x1000UL
#define EDGE_END	(EDGE_GPA + EDGE_SIZE)

FIXTURE(mmio)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axvcpu_info info;
};

FIXTURE_SETUP(mmio)
{
	axv_read_info(&self->info);
}

FIXTURE_TEARDOWN(mmio)
{
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
}

static void rex_guest(void)
{
	__u64 v;

	/* REX.W + REX.R: 8 bytes from R13 */
	asm volatile("mov %0, %%r13\n\t"
		     "mov %%r13, (%1)"
		     :: "r"(0x1122334455667788ULL), "r"(MMIO) : "r13", "memory");
	/* REX.W + REX.R load into R14 */
	asm volatile("mov (%1), %%r14\n\t"
		     "mov %%r14, %0"
		     : "=r"(v) : "r"(MMIO + 8) : "r14", "memory");
	GUEST_SYNC(v);
	/* a byte register that needs REX: R12B (41 88 24 ..), and SIL */
	asm volatile("mov $0x5a, %%r12d\n\t"
		     "mov %%r12b, (%0)\n\t"
		     "mov $0xa6, %%esi\n\t"
		     "mov %%sil, 1(%0)"
		     :: "r"(MMIO + 16) : "r12", "rsi", "memory");
	/* MOVZX r/m8 -> R9 (64-bit), MOVSX r/m16 -> R10 (REX.W) */
	asm volatile("movzbq (%1), %%r9\n\t"
		     "mov %%r9, %0"
		     : "=r"(v) : "r"(MMIO + 24) : "r9", "memory");
	GUEST_SYNC(v);
	asm volatile("movswq (%1), %%r10\n\t"
		     "mov %%r10, %0"
		     : "=r"(v) : "r"(MMIO + 32) : "r10", "memory");
	GUEST_SYNC(v);
	/* C7 /0 with REX.W: imm32 sign-extended to 8 bytes */
	asm volatile("movq $-5, (%0)" :: "r"(MMIO + 40) : "memory");
	/* A1 / A3 with an 8-byte moffs: MMIO + 48 and MMIO + 52 */
	_Static_assert(MMIO == 0xd0000000UL, "the moffs below");
	asm volatile("movabs 0xd0000030, %%eax\n\t"
		     "add $1, %%eax\n\t"
		     "movabs %%eax, 0xd0000034"
		     ::: "rax", "memory");
	GUEST_DONE();
}

/* One MMIO exit: reason, address, width; a read gets @reply. */
static int mmio_exit(struct axv_vcpu *vcpu, __u32 reason, __u64 addr,
		     __u32 width, __u64 reply)
{
	struct axvcpu_run *run = vcpu->run;

	if (axv_run(vcpu) || run->exit_reason != reason ||
	    run->mmio.addr != addr || run->mmio.width != width)
		return -1;
	if (reason == AXVCPU_EXIT_MMIO_READ)
		run->mmio.data = reply;
	return 0;
}

#define ASSERT_MMIO(_r, _a, _w, _reply)					\
	ASSERT_EQ(0, mmio_exit(self->vcpu, _r, _a, _w, _reply))		\
		TH_LOG("expected %s at %#llx width %u, got %s (rip %#llx)", \
		       axv_exit_name(_r), (unsigned long long)(_a), _w,	\
		       axv_exit_desc(self->vcpu->run),			\
		       (unsigned long long)axv_vcpu_pc(self->vcpu))

TEST_F(mmio, rex_and_64bit)
{
	struct axvcpu_run *run;

	AXV_REQUIRE_X86(&self->info);
	self->vcpu = axv_guest_vm(&self->vm, rex_guest, 0);
	run = self->vcpu->run;

	ASSERT_MMIO(AXVCPU_EXIT_MMIO_WRITE, MMIO, 8, 0);
	ASSERT_EQ(0x1122334455667788ULL, run->mmio.data);
	ASSERT_EQ(X86_R13, run->mmio.reg);

	ASSERT_MMIO(AXVCPU_EXIT_MMIO_READ, MMIO + 8, 8, 0x8877665544332211ULL);
	ASSERT_EQ(X86_R14, run->mmio.reg);
	ASSERT_EQ(8, run->mmio.reg_width);
	ASSERT_RUN_SYNC(self->vcpu, 0x8877665544332211ULL);

	ASSERT_MMIO(AXVCPU_EXIT_MMIO_WRITE, MMIO + 16, 1, 0);
	ASSERT_EQ(0x5a, run->mmio.data);
	ASSERT_EQ(X86_R12, run->mmio.reg) TH_LOG("R12B, not AH..BH");
	ASSERT_MMIO(AXVCPU_EXIT_MMIO_WRITE, MMIO + 17, 1, 0);
	ASSERT_EQ(0xa6, run->mmio.data);
	ASSERT_EQ(X86_RSI, run->mmio.reg) TH_LOG("SIL with REX, not DH");

	/* the reply's upper bytes must not leak into a MOVZX of one byte */
	ASSERT_MMIO(AXVCPU_EXIT_MMIO_READ, MMIO + 24, 1, 0xffffffffffffff81ULL);
	ASSERT_EQ(X86_R9, run->mmio.reg);
	ASSERT_EQ(8, run->mmio.reg_width);
	ASSERT_EQ(0, run->mmio.sign_ext);
	ASSERT_RUN_SYNC(self->vcpu, 0x81);

	ASSERT_MMIO(AXVCPU_EXIT_MMIO_READ, MMIO + 32, 2, 0x8001);
	ASSERT_EQ(X86_R10, run->mmio.reg);
	ASSERT_EQ(1, run->mmio.sign_ext);
	ASSERT_RUN_SYNC(self->vcpu, 0xffffffffffff8001ULL);

	ASSERT_MMIO(AXVCPU_EXIT_MMIO_WRITE, MMIO + 40, 8, 0);
	ASSERT_EQ(0xfffffffffffffffbULL, run->mmio.data);
	ASSERT_EQ(AXVCPU_REG_NONE, run->mmio.reg);

	ASSERT_MMIO(AXVCPU_EXIT_MMIO_READ, MMIO + 48, 4, 0x7ffffffe);
	ASSERT_MMIO(AXVCPU_EXIT_MMIO_WRITE, MMIO + 52, 4, 0);
	ASSERT_EQ(0x7fffffff, run->mmio.data);
	ASSERT_RUN_DONE(self->vcpu);
}

static void straddle_guest(void)
{
	volatile __u64 *p = (volatile __u64 *)(EDGE_END - 3);

	*p = 0x0102030405060708ULL;		/* 3 bytes memory, 5 MMIO */
	GUEST_SYNC(*p);
	GUEST_DONE();
}

/*
 * An 8-byte access across a region's end in long mode: 3 bytes are memory,
 * 5 are MMIO (a width that is no power of two), both ways.
 */
TEST_F(mmio, straddle_8_bytes)
{
	struct axvcpu_run *run;
	unsigned char *edge;

	AXV_REQUIRE_X86(&self->info);
	axv_guest_vm_create(&self->vm);
	edge = axv_mem_add(&self->vm, EDGE_SLOT, EDGE_GPA, EDGE_SIZE, 0, NULL);
	self->vcpu = axv_guest_vcpu(&self->vm, 0, 0, straddle_guest);
	run = self->vcpu->run;

	ASSERT_MMIO(AXVCPU_EXIT_MMIO_WRITE, EDGE_END, 5, 0);
	ASSERT_EQ(0x0102030405ULL, run->mmio.data);
	ASSERT_EQ(0x08, edge[EDGE_SIZE - 3]);
	ASSERT_EQ(0x07, edge[EDGE_SIZE - 2]);
	ASSERT_EQ(0x06, edge[EDGE_SIZE - 1]);

	edge[EDGE_SIZE - 3] = 0xaa;	/* the load sees memory as it is now */
	ASSERT_MMIO(AXVCPU_EXIT_MMIO_READ, EDGE_END, 5, 0xffffff1122334455ULL);
	ASSERT_RUN_SYNC(self->vcpu, 0x11223344550607aaULL);
	ASSERT_RUN_DONE(self->vcpu);
}

static void unknown_insn_guest(void)
{
	/* ADD to memory: not an instruction the MMIO decoder handles */
	asm volatile("addl $1, (%0)" :: "r"(MMIO + 0x100) : "memory");
	GUEST_DONE();
}

/*
 * An MMIO access by an instruction the decoder does not know is the raw
 * NESTED_PAGE_FAULT. Its access is READ or WRITE: a read-modify-write may
 * fault as either (hardware reports the write intent, QEMU's TCG faults
 * on the load first).
 */
TEST_F(mmio, undecodable_instruction)
{
	struct axvcpu_run *run;
	__u64 pc = 0;
	int i;

	AXV_REQUIRE_X86(&self->info);
	self->vcpu = axv_guest_vm(&self->vm, unknown_insn_guest, 0);
	run = self->vcpu->run;
	for (i = 0; i < 2; i++) {
		ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_NESTED_PAGE_FAULT);
		ASSERT_EQ(MMIO + 0x100, run->nested_page_fault.addr);
		ASSERT_TRUE(run->nested_page_fault.access == AXVCPU_ACCESS_READ ||
			    run->nested_page_fault.access == AXVCPU_ACCESS_WRITE)
			TH_LOG("access %#x", run->nested_page_fault.access);
		/* RIP stays at the instruction: the same fault again */
		if (i == 0)
			pc = axv_vcpu_pc(self->vcpu);
		else
			ASSERT_EQ(pc, axv_vcpu_pc(self->vcpu));
	}
	/* and that instruction is in the guest function, near its start */
	ASSERT_TRUE(pc >= (__u64)(uintptr_t)unknown_insn_guest &&
		    pc < (__u64)(uintptr_t)unknown_insn_guest + 64)
		TH_LOG("rip %#llx, function at %p", (unsigned long long)pc,
		       unknown_insn_guest);
}

TEST_HARNESS_MAIN
