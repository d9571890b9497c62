// SPDX-License-Identifier: GPL-2.0
/*
 * memory_x86_test: what memory_test cannot say without x86 code. A store
 * to an AXVCPU_MEM_READONLY slot ends RUN with NESTED_PAGE_FAULT with RIP
 * exactly at the faulting store instruction (not after it, not anywhere
 * before it), the memory unchanged; the next RUN retries it, and once the
 * slot is writable the same store completes.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

#define T_SIZE		(64 * 1024ULL)

/* Read the read-only slot, then write it. */
X86_GUEST(ro_guest, ".code32",
	"mov " __stringify(X86_RO_GPA) ", %eax\n\t"
	"out %eax, $0x10\n\t"
	"ro_store:\n\t"
	"movl $0xdeadbeef, " __stringify(X86_RO_GPA) " + 0x10\n\t"
	"mov " __stringify(X86_RO_GPA) " + 0x10, %eax\n\t"
	"out %eax, $0x11\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(ro_store);

FIXTURE(memory)
{
	struct axvcpu_info info;
};

FIXTURE_SETUP(memory)
{
	axv_read_info(&self->info);
}

FIXTURE_TEARDOWN(memory)
{
}

TEST_F(memory, readonly_slot_store_rip)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	__u32 *ro;

	AXV_REQUIRE_X86(&self->info);
	AXV_REQUIRE_FEATURE(&self->info, AXVCPU_FEATURE_READONLY_MEM);
	x86_vm_create(&vm);
	x86_guest_load(&vm, X86_CODE_GPA, ro_guest_start, ro_guest_end);
	ro = mmap(NULL, T_SIZE, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro[0] = 0xc0ffee00;
	ro[4] = 0x11111111;
	axv_mem_add(&vm, 1, X86_RO_GPA, T_SIZE, AXVCPU_MEM_READONLY, ro);
	vcpu = x86_vcpu_ready(&vm, 0, 0, X86_CODE_GPA);

	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 4, 0xc0ffee00);
	ASSERT_RUN_NPF(vcpu, X86_RO_GPA + 0x10, AXVCPU_ACCESS_WRITE);
	ASSERT_EQ(X86_GUEST_GPA(ro_guest, ro_store), axv_vcpu_rip(vcpu))
		TH_LOG("RIP after the fault: expected the faulting store at %#llx",
		       (unsigned long long)X86_GUEST_GPA(ro_guest, ro_store));
	ASSERT_EQ(0x11111111, ro[4])
		TH_LOG("the guest wrote a read-only slot: %#x", ro[4]);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);

	/* retried: faults again, at the same store */
	ASSERT_RUN_NPF(vcpu, X86_RO_GPA + 0x10, AXVCPU_ACCESS_WRITE);
	ASSERT_EQ(X86_GUEST_GPA(ro_guest, ro_store), axv_vcpu_rip(vcpu));
	ASSERT_EQ(0x11111111, ro[4]);

	/* make it writable: the retried store now completes */
	axv_mem_delete(&vm, 1);
	axv_mem_add(&vm, 1, X86_RO_GPA, T_SIZE, 0, ro);
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 4, 0xdeadbeef);
	ASSERT_EQ(0xdeadbeef, ro[4]);
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
	munmap(ro, T_SIZE);
}

TEST_HARNESS_MAIN
