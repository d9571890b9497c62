// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_coexist_test: axvcpu and KVM (kvm_amd) in one kernel, one owner of
 * SVM at a time (SPEC section 5, api.rst AXVCPU_CREATE_VM):
 *
 * (a) while an axvcpu VM exists, KVM_CREATE_VM fails cleanly (EBUSY: kvm_amd
 *     finds EFER.SVME set) and axvcpu guests still run on every CPU;
 *     after the axvcpu VM is gone, KVM_CREATE_VM succeeds;
 * (b) while a KVM VM exists, AXVCPU_CREATE_VM fails with EBUSY; after it
 *     is gone, AXVCPU_CREATE_VM succeeds and guests run.
 *
 * Debian's modules are loaded from $AXVCPU_KVM_DIR ($AXVCPU_KVM_MODULES,
 * or irqbypass.ko kvm.ko ccp.ko kvm-amd.ko) and left loaded.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

#define DEFAULT_KVM_MODULES	"irqbypass.ko kvm.ko ccp.ko kvm-amd.ko"

X86_GUEST(hello_guest, ".code32",
	"mov $0x5a, %al\n\t"
	"out %al, $0x10\n\t"
	"hlt\n\t");

static char skip_reason[900];

static bool load_kvm(const struct axvcpu_info *info)
{
	if (info->arch != AXVCPU_ARCH_X86_SVM) {
		snprintf(skip_reason, sizeof(skip_reason),
			 "SVM only; backend is %s", axv_arch_name(info->arch));
		return false;
	}
	return axv_load_kvm_modules(DEFAULT_KVM_MODULES, skip_reason,
				    sizeof(skip_reason));
}

/* KVM_CREATE_VM until it works or @ms pass; returns the fd or -errno. */
static int kvm_create_vm(int kvm, int ms)
{
	int fd;

	for (;;) {
		fd = ioctl(kvm, KVM_CREATE_VM, 0);
		if (fd >= 0 || ms <= 0)
			return fd >= 0 ? fd : -errno;
		axv_msleep(20);
		ms -= 20;
	}
}

static int axvcpu_create_vm(int sys, int ms)
{
	int fd;

	for (;;) {
		fd = ioctl(sys, AXVCPU_CREATE_VM, 0);
		if (fd >= 0 || ms <= 0)
			return fd >= 0 ? fd : -errno;
		axv_msleep(20);
		ms -= 20;
	}
}

/* A guest runs to its OUT on every online CPU of @vm. */
static void run_on_every_cpu(struct __test_metadata *_metadata,
			     struct axv_vm *vm, __u32 first_id)
{
	int cpu, ncpus = axv_nr_online_cpus();
	struct axvcpu_vcpu_info vi;

	for (cpu = 0; cpu < ncpus; cpu++) {
		struct axvcpu_create_vcpu args = {
			.vcpu_id = first_id + cpu,
			.favor_phys_cpu = cpu,
		};
		struct axv_vcpu *vcpu = axv_vcpu_create_args(vm, &args);

		axv_vcpu_setup(vcpu, X86_CODE_GPA, AXVCPU_X86_MODE_FLAT32);
		axv_vcpu_bind(vcpu);
		axv_get_vcpu_info(vcpu, &vi);
		ASSERT_EQ(cpu, vi.bound_cpu);
		ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 0x5a);
		axv_vcpu_unbind(vcpu);
		axv_vcpu_close(vcpu);
	}
}

FIXTURE(coexist)
{
	struct axvcpu_info info;
	int sys;
	int kvm;
	bool ready;
};

FIXTURE_SETUP(coexist)
{
	self->sys = axv_open_dev();
	axv_get_info(self->sys, &self->info);
	self->kvm = -1;
	self->ready = load_kvm(&self->info);
	if (self->ready) {
		self->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, self->kvm);
	}
}

FIXTURE_TEARDOWN(coexist)
{
	if (self->kvm >= 0)
		close(self->kvm);
	close(self->sys);
}

TEST_F_TIMEOUT(coexist, kvm_refused_while_axvcpu_vm, 120)
{
	struct axv_vm vm;
	int kvm_vm;

	if (!self->ready)
		SKIP(return, "%s", skip_reason);

	x86_vm_create(&vm);
	x86_guest_load(&vm, X86_CODE_GPA, hello_guest_start, hello_guest_end);
	run_on_every_cpu(_metadata, &vm, 0);

	kvm_vm = ioctl(self->kvm, KVM_CREATE_VM, 0);
	ASSERT_EQ(-1, kvm_vm)
		TH_LOG("KVM_CREATE_VM succeeded while axvcpu holds SVM");
	ASSERT_EQ(EBUSY, errno)
		TH_LOG("KVM_CREATE_VM while axvcpu holds SVM: expected EBUSY, got %s",
		       axv_errno_name(errno));
	/* KVM's failed attempt left axvcpu's SVM state alone on every CPU */
	run_on_every_cpu(_metadata, &vm, axv_nr_online_cpus());

	axv_vm_close(&vm);
	kvm_vm = kvm_create_vm(self->kvm, 2000);
	ASSERT_LE(0, kvm_vm)
		TH_LOG("KVM_CREATE_VM after the last axvcpu VM closed: %s",
		       axv_errno_name(-kvm_vm));
	close(kvm_vm);
}

TEST_F_TIMEOUT(coexist, axvcpu_refused_while_kvm_vm, 120)
{
	struct axv_vm vm;
	int kvm_vm, fd;

	if (!self->ready)
		SKIP(return, "%s", skip_reason);

	kvm_vm = kvm_create_vm(self->kvm, 2000);
	ASSERT_LE(0, kvm_vm)
		TH_LOG("KVM_CREATE_VM: %s", axv_errno_name(-kvm_vm));

	fd = ioctl(self->sys, AXVCPU_CREATE_VM, 0);
	ASSERT_EQ(-1, fd)
		TH_LOG("AXVCPU_CREATE_VM succeeded while a KVM VM holds SVM");
	ASSERT_EQ(EBUSY, errno)
		TH_LOG("AXVCPU_CREATE_VM while a KVM VM exists: expected EBUSY, got %s",
		       axv_errno_name(errno));
	/* and again: a failed enable leaves nothing half done */
	ASSERT_ERRNO(EBUSY, ioctl(self->sys, AXVCPU_CREATE_VM, 0));

	close(kvm_vm);
	fd = axvcpu_create_vm(self->sys, 2000);
	ASSERT_LE(0, fd)
		TH_LOG("AXVCPU_CREATE_VM after the KVM VM closed: %s",
		       axv_errno_name(-fd));
	close(fd);

	/* guests run on every CPU again */
	x86_vm_create(&vm);
	x86_guest_load(&vm, X86_CODE_GPA, hello_guest_start, hello_guest_end);
	run_on_every_cpu(_metadata, &vm, 0);
	axv_vm_close(&vm);
}

TEST_HARNESS_MAIN
