// SPDX-License-Identifier: GPL-2.0
/*
 * cr4_x86_test: the guest's MOV to CR4, which the backend intercepts
 * before the CPU checks it, raises #GP(0) where the SDM says so (MOV to
 * CR4: reserved bits; in IA-32e mode PAE cleared or LA57 changed; PCIDE
 * set with CR3[11:0] not zero) and never leaves a CR4 in the VMCB that
 * makes the next entry fail; a legal write takes effect. The guests run in
 * long mode (the C guest library); an exception they take ends them with
 * the library's ABORT, whose values are the vector and RIP.
 */
#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_guest.h"

#define CR4_PGE		(1ULL << 7)
#define CR4_LA57	(1ULL << 12)
#define CR4_PCIDE	(1ULL << 17)
#define CR4_RESERVED	(1ULL << 25)
#define GP_VECTOR	13

static __u64 read_cr4(void)
{
	__u64 v;

	asm volatile("mov %%cr4, %0" : "=r" (v));
	return v;
}

static void write_cr4(__u64 v)
{
	asm volatile("mov %0, %%cr4" :: "r" (v) : "memory");
}

/* Each guest writes CR4 once; if that did not fault, it says so. */
static void reserved_bit_guest(void)
{
	write_cr4(read_cr4() | CR4_RESERVED);
	GUEST_SYNC(read_cr4());
}

static void la57_toggle_guest(void)
{
	write_cr4(read_cr4() ^ CR4_LA57);
	GUEST_SYNC(read_cr4());
}

static void pcide_with_cr3_bits_guest(void)
{
	__u64 cr3;

	asm volatile("mov %%cr3, %0" : "=r" (cr3));
	/* PWT: a CR3 low bit that is legal while PCIDE is clear */
	asm volatile("mov %0, %%cr3" :: "r" (cr3 | 0x8) : "memory");
	write_cr4(read_cr4() | CR4_PCIDE);
	GUEST_SYNC(read_cr4());
}

static void legal_write_guest(void)
{
	__u64 cr4 = read_cr4();

	write_cr4(cr4 ^ CR4_PGE);
	GUEST_ASSERT_EQ(cr4 ^ CR4_PGE, read_cr4());
	write_cr4(cr4);
	GUEST_DONE();
}

FIXTURE(cr4)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axvcpu_info info;
};

FIXTURE_SETUP(cr4)
{
	axv_read_info(&self->info);
	AXV_REQUIRE_X86(&self->info);
}

FIXTURE_TEARDOWN(cr4)
{
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
}

/* Run @code: it must end in #GP(0) at its MOV to CR4, the vCPU usable. */
static void expect_gp(struct __test_metadata *_metadata,
		      FIXTURE_DATA(cr4) *self, void (*code)(void),
		      const char *what)
{
	struct axv_ucall uc;
	__u64 cmd;

	self->vcpu = axv_guest_vm(&self->vm, code, 0);
	ASSERT_EQ(0, axv_run(self->vcpu));
	ASSERT_NE(AXVCPU_EXIT_FAIL_ENTRY, self->vcpu->run->exit_reason)
		TH_LOG("%s: the CR4 written made the next entry fail (%s)",
		       what, axv_exit_desc(self->vcpu->run));
	cmd = axv_get_ucall(self->vcpu, &uc);
	ASSERT_EQ(AXV_UCALL_ABORT, cmd)
		TH_LOG("%s: no #GP; the guest went on with CR4 %#llx",
		       what, (unsigned long long)uc.args[0]);
	ASSERT_EQ(GP_VECTOR, uc.args[0])
		TH_LOG("%s: exception %llu at %#llx instead of #GP", what,
		       (unsigned long long)uc.args[0],
		       (unsigned long long)uc.args[1]);
	ASSERT_TRUE(uc.args[1] >= (__u64)(uintptr_t)code &&
		    uc.args[1] < (__u64)(uintptr_t)code + 256)
		TH_LOG("%s: #GP at %#llx, outside the guest's code", what,
		       (unsigned long long)uc.args[1]);
}

TEST_F(cr4, reserved_bit_raises_gp)
{
	expect_gp(_metadata, self, reserved_bit_guest, "CR4 bit 25");
}

TEST_F(cr4, la57_change_in_long_mode_raises_gp)
{
	expect_gp(_metadata, self, la57_toggle_guest, "LA57 toggled in long mode");
}

TEST_F(cr4, pcide_with_cr3_low_bits_raises_gp)
{
	expect_gp(_metadata, self, pcide_with_cr3_bits_guest,
		  "PCIDE with CR3[11:0] = 0x8");
}

TEST_F(cr4, legal_write_takes_effect)
{
	struct axv_ucall uc;

	self->vcpu = axv_guest_vm(&self->vm, legal_write_guest, 0);
	ASSERT_EQ(0, axv_run(self->vcpu));
	ASSERT_EQ(AXV_UCALL_DONE, axv_get_ucall(self->vcpu, &uc))
		TH_LOG("%s (%s)", axv_exit_desc(self->vcpu->run), uc.msg);
}

TEST_HARNESS_MAIN
