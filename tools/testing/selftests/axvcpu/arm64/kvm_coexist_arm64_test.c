// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_coexist_arm64_test: axvcpu and KVM (nVHE, built into Debian's
 * arm64 kernel) take turns on EL2 (Documentation/design.rst, "arm64 nVHE
 * specifics"). KVM takes EL2 from the hyp stub on every CPU while it has
 * a VM and gives it back after its last one, as axvcpu does:
 *
 * (a) while a KVM VM exists, AXVCPU_CREATE_VM fails with EBUSY (KVM's EL2
 *     refuses the stub's HVC_SET_VECTORS) and takes nothing; after it is
 *     gone, AXVCPU_CREATE_VM succeeds and a guest runs on every CPU;
 * (b) they take turns several times;
 * (c) the other order: a KVM VM created while an axvcpu VM exists takes
 *     EL2 (KVM resets it to the stub first, a call of the stub's ABI that
 *     axvcpu's EL2 serves); meanwhile axvcpu's RUN fails with EBUSY and
 *     changes nothing, and once KVM's VM is gone the same vCPU runs on.
 *
 * Needs /dev/kvm: a boot without kvm-arm.mode=none (lane
 * arm64-nvhe-kvm); skips elsewhere.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_guest.h"

#define KVMIO			0xAE
#define KVM_CREATE_VM		_IO(KVMIO, 0x01)
#define KVM_CREATE_VCPU		_IO(KVMIO, 0x41)

FIXTURE(coexist)
{
	struct axvcpu_info info;
	int kvm;
};

FIXTURE_SETUP(coexist)
{
	axv_read_info(&self->info);
	self->kvm = -1;
	if (self->info.arch != AXVCPU_ARCH_ARM64_NVHE)
		SKIP(return, "arm64 nVHE only; backend is %s",
		     axv_arch_name(self->info.arch));
	self->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (self->kvm < 0)
		SKIP(return, "no /dev/kvm: KVM is off (kvm-arm.mode=none)");
}

FIXTURE_TEARDOWN(coexist)
{
	if (self->kvm >= 0)
		close(self->kvm);
}

static void wfi_guest(void)
{
	guest_halt();
	GUEST_DONE();
}

/* A guest on each test CPU: EL2 is ours everywhere. */
static void run_everywhere(struct __test_metadata *_metadata)
{
	struct axv_vm vm;
	int i, n = axv_nr_test_cpus();

	axv_guest_vm_create(&vm);
	for (i = 0; i < n && i < 8; i++) {
		struct axvcpu_create_vcpu args = {
			.vcpu_id = i, .favor_phys_cpu = axv_test_cpu(i),
		};
		struct axv_vcpu *v = axv_guest_vcpu_args(&vm, &args, wfi_guest);

		axv_vcpu_bind(v);
		ASSERT_RUN_EXIT(v, AXVCPU_EXIT_HALT);
		ASSERT_RUN_DONE(v);
		axv_vcpu_close(v);
	}
	axv_vm_close(&vm);
}

/* (a) a KVM VM holds EL2: axvcpu is refused, then has it. */
TEST_F_TIMEOUT(coexist, axvcpu_refused_while_kvm_vm, 120)
{
	int sys = axv_open_dev(), kvm_vm, vcpu, vm;

	kvm_vm = ioctl(self->kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, kvm_vm) TH_LOG("KVM_CREATE_VM: %s", axv_errno_name(errno));
	/* a vCPU too: KVM's EL2 is set up with the VM (hardware enable) */
	vcpu = ioctl(kvm_vm, KVM_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu) TH_LOG("KVM_CREATE_VCPU: %s", axv_errno_name(errno));
	vm = ioctl(sys, AXVCPU_CREATE_VM, 0);
	ASSERT_EQ(-1, vm) TH_LOG("CREATE_VM succeeded while KVM holds EL2");
	ASSERT_EQ(EBUSY, errno) TH_LOG("CREATE_VM: %s", axv_errno_name(errno));
	close(vcpu);
	close(kvm_vm);
	run_everywhere(_metadata);
	close(sys);
}

/* (b) turns: KVM, axvcpu, KVM, ... each one's VM gone before the other's */
TEST_F_TIMEOUT(coexist, take_turns, 300)
{
	int i;

	for (i = 0; i < 5; i++) {
		int kvm_vm = ioctl(self->kvm, KVM_CREATE_VM, 0);

		ASSERT_LE(0, kvm_vm) TH_LOG("round %d: KVM_CREATE_VM: %s", i,
					    axv_errno_name(errno));
		close(kvm_vm);
		run_everywhere(_metadata);
	}
}

static void sync_twice_guest(void)
{
	GUEST_SYNC(1);
	GUEST_SYNC(2);
}

/* (c) KVM's VM takes EL2 from a live axvcpu VM; axvcpu waits, then runs on. */
TEST_F_TIMEOUT(coexist, axvcpu_busy_while_later_kvm_vm, 120)
{
	struct axvcpu_create_vcpu args = { .favor_phys_cpu = axv_test_cpu(0) };
	struct axv_vcpu *v;
	struct axv_vm vm;
	int kvm_vm, vcpu;

	axv_guest_vm_create(&vm);
	v = axv_guest_vcpu_args(&vm, &args, sync_twice_guest);
	axv_vcpu_bind(v);
	ASSERT_RUN_SYNC(v, 1);

	kvm_vm = ioctl(self->kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, kvm_vm) TH_LOG("KVM_CREATE_VM: %s", axv_errno_name(errno));
	vcpu = ioctl(kvm_vm, KVM_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu) TH_LOG("KVM_CREATE_VCPU: %s", axv_errno_name(errno));
	ASSERT_ERRNO(EBUSY, ioctl(v->fd, AXVCPU_RUN, 0));
	ASSERT_EQ(AXVCPU_EXIT_NOTHING, v->run->exit_reason);
	ASSERT_STATE(v, AXVCPU_STATE_READY);
	/* again: still nothing changes */
	ASSERT_ERRNO(EBUSY, ioctl(v->fd, AXVCPU_RUN, 0));
	close(vcpu);
	close(kvm_vm);

	/* the guest goes on where it was */
	ASSERT_RUN_SYNC(v, 2);
	ASSERT_RUN_DONE(v);
	axv_vcpu_close(v);
	axv_vm_close(&vm);
	run_everywhere(_metadata);
}

TEST_HARNESS_MAIN
