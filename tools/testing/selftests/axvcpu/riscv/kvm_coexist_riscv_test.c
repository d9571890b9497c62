// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_coexist_riscv_test: axvcpu and KVM in one riscv64 kernel, both
 * running VMs at the same time (RISC-V has no exclusive virtualization
 * mode: each sets the H CSRs it needs around its own entries; SPEC
 * section 5, Documentation/design.rst "riscv64 H specifics"):
 *
 * (a) a KVM guest and an axvcpu guest take turns on one CPU, each reading
 *     the same guest physical address, which is a different host page in
 *     each VM: each always reads its own page (no stale translation of
 *     the other's VMID, no H CSR of the other left behind);
 * (b) two axvcpu VMs do the same (every axvcpu VM uses VMID 0: the hart
 *     flushes when the VM changes);
 * (c) a region removed and added again with other pages is read anew;
 * (d) a KVM guest looping in KVM's own SBI handling on one CPU while an
 *     axvcpu guest runs on the other, then the other way round.
 *
 * 6.1's riscv kvm.ko cannot be unloaded: it is loaded from $AXVCPU_KVM_DIR
 * ($AXVCPU_KVM_MODULES, or kvm.ko) and stays.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_guest.h"
#include "axvcpu_kvm_riscv.h"

#define SHARED_GPA	0x80001000UL	/* the page both kinds of guest read */
#define ROUNDS		200

/*
 * KVM's guest: read SHARED_GPA, store what it read to the MMIO address
 * (a KVM_EXIT_MMIO with the value), forever.
 */
extern const char kvm_reader[], kvm_reader_end[];
asm(".pushsection .rodata\n"
    ".globl kvm_reader, kvm_reader_end\n"
    ".balign 4\n"
    "kvm_reader:\n"
    "	.option push\n"
    "	.option norvc\n"
    "	li t0, 0x80001000\n"
    "	li t2, 0x10000000\n"
    "1:	lw t1, 0(t0)\n"
    "	sw t1, 0(t2)\n"
    "	j 1b\n"
    "	.option pop\n"
    "kvm_reader_end:\n"
    ".popsection\n");

/*
 * KVM's busy guest: a0 in-kernel SBI calls (base: spec version), then one
 * MMIO store, forever.
 */
extern const char kvm_sbi_loop[], kvm_sbi_loop_end[];
asm(".pushsection .rodata\n"
    ".globl kvm_sbi_loop, kvm_sbi_loop_end\n"
    ".balign 4\n"
    "kvm_sbi_loop:\n"
    "	.option push\n"
    "	.option norvc\n"
    "	mv s1, a0\n"
    "	li t2, 0x10000000\n"
    "2:	mv s0, s1\n"
    "1:	li a7, 0x10\n"
    "	li a6, 0\n"
    "	ecall\n"
    "	addi s0, s0, -1\n"
    "	bnez s0, 1b\n"
    "	sw s1, 0(t2)\n"
    "	j 2b\n"
    "	.option pop\n"
    "kvm_sbi_loop_end:\n"
    ".popsection\n");

static void axv_reader(void)
{
	for (;;)
		GUEST_SYNC(*(volatile __u32 *)SHARED_GPA);
}

static char skip_reason[600];

static int open_kvm(void)
{
	if (!axv_load_kvm_modules(KVM_RISCV_DEFAULT_MODULES, skip_reason,
				  sizeof(skip_reason)))
		return -1;
	return open("/dev/kvm", O_RDWR | O_CLOEXEC);
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

/* An axvcpu VM whose SHARED_GPA page is @page (slot 1, 64 KiB at 2 GiB). */
static struct axv_vcpu *axv_reader_vm(struct axv_vm *vm, __u32 **page)
{
	struct axv_vcpu *vcpu = axv_guest_vm(vm, axv_reader, 0);
	char *mem = axv_mem_add(vm, AXV_GUEST_FREE_SLOT, 0x80000000UL,
				0x10000, 0, NULL);

	*page = (__u32 *)(mem + 0x1000);
	return vcpu;
}

FIXTURE(coexist)
{
	int kvm;
};

FIXTURE_SETUP(coexist)
{
	struct axvcpu_info info;

	axv_read_info(&info);
	if (info.arch != AXVCPU_ARCH_RISCV_H)
		SKIP(return, "riscv64 H only; backend is %s",
		     axv_arch_name(info.arch));
	self->kvm = open_kvm();
	if (self->kvm < 0)
		SKIP(return, "no /dev/kvm: %s", skip_reason);
}

FIXTURE_TEARDOWN(coexist)
{
	if (self->kvm >= 0)
		close(self->kvm);
}

TEST_F(coexist, kvm_and_axvcpu_take_turns_on_one_cpu)
{
	struct kvm_riscv_vm k;
	struct axv_vcpu *vcpu;
	struct axv_vm vm;
	char why[200];
	__u32 *page, *kpage;
	int i;

	pin(axv_test_cpu(0));
	ASSERT_EQ(0, kvm_riscv_vm_create(&k, self->kvm, kvm_reader,
					 kvm_reader_end, 0, why, sizeof(why)))
		TH_LOG("%s", why);
	kpage = (__u32 *)((char *)k.mem + 0x1000);
	vcpu = axv_reader_vm(&vm, &page);
	for (i = 0; i < ROUNDS; i++) {
		*kpage = 0x4b000000 | i;		/* "K" */
		*page = 0x41000000 | i;			/* "A" */
		ASSERT_EQ(0, ioctl(k.vcpu, KVM_RUN, 0));
		ASSERT_EQ(KVM_EXIT_MMIO, k.run->exit_reason);
		ASSERT_EQ(KVM_RISCV_MMIO_GPA, k.run->mmio.phys_addr);
		ASSERT_EQ(0x4b000000 | i, *(__u32 *)k.run->mmio.data)
			TH_LOG("round %d: the KVM guest read another page", i);
		ASSERT_RUN_SYNC(vcpu, 0x41000000 | i);
	}
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
	kvm_riscv_vm_close(&k);
}

TEST_F(coexist, two_axvcpu_vms_take_turns_on_one_cpu)
{
	struct axv_vcpu *a, *b;
	struct axv_vm va, vb;
	__u32 *pa, *pb;
	int i;

	pin(axv_test_cpu(0));
	a = axv_reader_vm(&va, &pa);
	b = axv_reader_vm(&vb, &pb);
	for (i = 0; i < ROUNDS; i++) {
		*pa = 0x41000000 | i;
		*pb = 0x42000000 | i;
		ASSERT_RUN_SYNC(a, 0x41000000 | i);
		ASSERT_RUN_SYNC(b, 0x42000000 | i);
	}
	axv_vcpu_close(a);
	axv_vcpu_close(b);
	axv_vm_close(&va);
	axv_vm_close(&vb);
}

TEST_F(coexist, replaced_region_is_read_anew)
{
	struct axv_vcpu *vcpu;
	struct axv_vm vm;
	__u32 *page;
	char *mem;
	int i;

	pin(axv_test_cpu(0));
	vcpu = axv_reader_vm(&vm, &page);
	for (i = 0; i < 20; i++) {
		*page = 0x52000000 | i;
		ASSERT_RUN_SYNC(vcpu, 0x52000000 | i);
		axv_mem_delete(&vm, AXV_GUEST_FREE_SLOT);
		mem = axv_mem_add(&vm, AXV_GUEST_FREE_SLOT, 0x80000000UL,
				  0x10000, 0, NULL);
		page = (__u32 *)(mem + 0x1000);
		/* a stale translation would read the old page */
		*page = 0x53000000 | i;
		ASSERT_RUN_SYNC(vcpu, 0x53000000 | i);
	}
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
}

struct kvm_loop {
	struct kvm_riscv_vm k;
	int cpu;
	volatile int stop;
	long exits;
	int bad;
};

static void *kvm_loop_thread(void *arg)
{
	struct kvm_loop *l = arg;

	pin(l->cpu);
	while (!l->stop) {
		if (ioctl(l->k.vcpu, KVM_RUN, 0) ||
		    l->k.run->exit_reason != KVM_EXIT_MMIO ||
		    *(__u32 *)l->k.run->mmio.data != 50) {
			l->bad = 1;
			break;
		}
		l->exits++;
	}
	return NULL;
}

TEST_F(coexist, kvm_guest_beside_axvcpu_guest)
{
	struct kvm_loop l = { 0 };
	struct axv_vcpu *vcpu;
	struct axv_vm vm;
	char why[200];
	pthread_t th;
	__u32 *page;
	int round, i;

	if (axv_test_cpu(0) == axv_test_cpu(1))
		SKIP(return, "one test CPU");
	ASSERT_EQ(0, kvm_riscv_vm_create(&l.k, self->kvm, kvm_sbi_loop,
					 kvm_sbi_loop_end, 50, why, sizeof(why)))
		TH_LOG("%s", why);
	for (round = 0; round < 2; round++) {
		l.cpu = axv_test_cpu(round);
		l.stop = 0;
		l.exits = 0;
		ASSERT_EQ(0, pthread_create(&th, NULL, kvm_loop_thread, &l));
		pin(axv_test_cpu(round + 1));
		vcpu = axv_reader_vm(&vm, &page);
		for (i = 0; i < ROUNDS; i++) {
			*page = 0x43000000 | i;
			ASSERT_RUN_SYNC(vcpu, 0x43000000 | i);
		}
		/* the KVM guest made progress meanwhile */
		for (i = 0; i < 1000 && !l.exits && !l.bad; i++)
			usleep(10000);
		l.stop = 1;
		pthread_join(th, NULL);
		ASSERT_EQ(0, l.bad) TH_LOG("the KVM guest went wrong");
		ASSERT_LT(0, l.exits);
		axv_vcpu_close(vcpu);
		axv_vm_close(&vm);
	}
	kvm_riscv_vm_close(&l.k);
}

TEST_HARNESS_MAIN
