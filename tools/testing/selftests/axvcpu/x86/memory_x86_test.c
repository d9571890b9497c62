// SPDX-License-Identifier: GPL-2.0
/*
 * memory_x86_test: what memory_test cannot say without x86 code. A store
 * to an AXVCPU_MEM_READONLY slot ends RUN with NESTED_PAGE_FAULT with RIP
 * exactly at the faulting store instruction (not after it, not anywhere
 * before it), the memory unchanged; the next RUN retries it, and once the
 * slot is writable the same store completes. A guest's cached
 * translations do not outlive a SET_REGS: the VMM that rewrote its page
 * tables and loaded its paging registers sees the guest use the new ones.
 */
#include <string.h>
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

/* 32-bit paging (no PAE): read the word at linear PG_LINEAR, OUT it, again. */
#define PG_DIR_GPA	0x10000
#define PG_LOW_PT_GPA	0x11000
#define PG_HIGH_PT_GPA	0x12000
#define PG_A_GPA	0x20000
#define PG_B_GPA	0x21000
#define PG_LINEAR	0x400000	/* PDE 1, PTE 0 */
#define X86_CR0_WP	(1ULL << 16)
#define X86_CR0_PG	(1ULL << 31)

X86_GUEST(pg_guest, ".code32",
	"1:\n\t"
	"mov " __stringify(PG_LINEAR) ", %eax\n\t"
	"out %eax, $0x10\n\t"
	"jmp 1b\n\t");

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

/*
 * With VPIDs (VMX) and ASIDs (SVM) the guest's TLB entries survive VM
 * exits and entries: the backend must drop them when the VMM loads new
 * paging registers, as the guest's own MOV to CR3 would have. (Emulators
 * flush on every world switch and pass regardless; this is for hardware.)
 */
TEST_F(memory, set_regs_drops_cached_translations)
{
	struct axvcpu_regs regs;
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	__u32 *pd, *pt;
	char *mem;
	int i;

	AXV_REQUIRE_X86(&self->info);
	mem = x86_vm_create(&vm);
	x86_guest_load(&vm, X86_CODE_GPA, pg_guest_start, pg_guest_end);
	pd = (__u32 *)(mem + PG_DIR_GPA);
	pt = (__u32 *)(mem + PG_LOW_PT_GPA);
	for (i = 0; i < X86_MEM_SIZE / 4096; i++)
		pt[i] = i * 4096 | 3;			/* identity, RW, P */
	pd[0] = PG_LOW_PT_GPA | 3;
	pd[1] = PG_HIGH_PT_GPA | 3;
	pt = (__u32 *)(mem + PG_HIGH_PT_GPA);
	pt[0] = PG_A_GPA | 3;
	*(__u32 *)(mem + PG_A_GPA) = 0xaaaa0001;
	*(__u32 *)(mem + PG_B_GPA) = 0xbbbb0002;
	vcpu = x86_vcpu_ready(&vm, 0, 0, X86_CODE_GPA);
	axv_get_regs(vcpu, &regs);
	regs.x86.cr3 = PG_DIR_GPA;
	regs.x86.cr0 |= X86_CR0_PG | X86_CR0_WP;
	axv_set_regs(vcpu, &regs);

	/* twice: the second read may come from the TLB */
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 4, 0xaaaa0001);
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 4, 0xaaaa0001);

	/* the VMM points the page elsewhere and loads CR3 again */
	pt[0] = PG_B_GPA | 3;
	axv_get_regs(vcpu, &regs);
	ASSERT_EQ(PG_DIR_GPA, regs.x86.cr3);
	axv_set_regs(vcpu, &regs);
	/* 0xaaaa0001: the guest read through the translation of before */
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 4, 0xbbbb0002);

	/* and to a second page directory: the same again */
	memcpy(mem + PG_DIR_GPA + 0x3000, pd, 4096);
	pd = (__u32 *)(mem + PG_DIR_GPA + 0x3000);
	pd[1] = (PG_HIGH_PT_GPA + 0x3000) | 3;
	pt = (__u32 *)(mem + PG_HIGH_PT_GPA + 0x3000);
	pt[0] = PG_A_GPA | 3;
	regs.x86.cr3 = PG_DIR_GPA + 0x3000;
	axv_set_regs(vcpu, &regs);
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 4, 0xaaaa0001);
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
}

TEST_HARNESS_MAIN
