// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_virt_at_load_x86_test: KVM from 6.12 on turns SVM or VMX on at
 * every CPU when kvm_amd or kvm_intel loads (kvm.enable_virt_at_load,
 * default on, virt/kvm/kvm_main.c), not at its first VM as 6.1 does
 * (Documentation/api.rst, AXVCPU_CREATE_VM):
 *
 * (a) with it on, axvcpu's CREATE_VM fails with EBUSY as long as the
 *     vendor module is loaded, VM or none, and takes nothing; once it is
 *     unloaded axvcpu's guests run;
 * (b) with kvm.enable_virt_at_load=0 (on the kernel command line, or
 *     given to modprobe) the two take turns as on 6.1: an axvcpu guest
 *     runs while kvm_amd is loaded, and a KVM VM is created after it.
 *
 * Needs a kernel whose kvm.ko has the parameter (lane x86-svm-612 boots
 * Debian's 6.12 with kvm.enable_virt_at_load=0); the modules are loaded
 * from $AXVCPU_KVM_DIR ($AXVCPU_KVM_MODULES) and left loaded with the
 * parameter off.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_guest.h"

#define KVMIO		0xAE
#define KVM_CREATE_VM	_IO(KVMIO, 0x01)
#define PARAM		"/sys/module/kvm/parameters/enable_virt_at_load"

FIXTURE(virt_at_load)
{
	struct axvcpu_info info;
	const char *vendor;
};

static void done_guest(void)
{
	GUEST_DONE();
}

/* The vendor module, then kvm.ko: 0 when neither is loaded afterwards. */
static int unload_kvm(const char *vendor)
{
	const char *names[] = { vendor, "kvm" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (syscall(SYS_delete_module, names[i], O_NONBLOCK) &&
		    errno != ENOENT)
			return -errno;
	return 0;
}

/* $AXVCPU_KVM_MODULES in order, kvm.ko with @kvm_params. */
static int load_kvm(const char *kvm_params)
{
	const char *dir = getenv("AXVCPU_KVM_DIR");
	const char *list = getenv("AXVCPU_KVM_MODULES");
	char names[256], path[512], *name, *save;
	int fd, rc;

	if (!dir || !list || !*list)
		return -ENOENT;
	snprintf(names, sizeof(names), "%s", list);
	for (name = strtok_r(names, " ", &save); name;
	     name = strtok_r(NULL, " ", &save)) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		rc = syscall(SYS_finit_module, fd,
			     strcmp(name, "kvm.ko") ? "" : kvm_params, 0);
		close(fd);
		if (rc && errno != EEXIST)
			return -errno;
	}
	return 0;
}

static char param_value(void)
{
	char c = 0;
	int fd = open(PARAM, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = 0;
		close(fd);
	}
	return c;
}

FIXTURE_SETUP(virt_at_load)
{
	axv_read_info(&self->info);
	self->vendor = self->info.arch == AXVCPU_ARCH_X86_VMX ?
		       "kvm_intel" : "kvm_amd";
	if (!axv_arch_is_x86(self->info.arch))
		SKIP(return, "x86 only; backend is %s",
		     axv_arch_name(self->info.arch));
	ASSERT_EQ(0, unload_kvm(self->vendor))
		TH_LOG("cannot unload %s and kvm (in use?)", self->vendor);
}

FIXTURE_TEARDOWN(virt_at_load)
{
	/* as the lane boots it: loaded, virtualization off until a VM */
	unload_kvm(self->vendor);
	load_kvm("enable_virt_at_load=0");
}

/* One axvcpu guest to its end: CREATE_VM's errno, or 0. */
static int axvcpu_guest_runs(struct __test_metadata *_metadata)
{
	struct axv_vm vm;
	struct axv_vcpu *v;
	int sys = axv_open_dev();
	int fd = ioctl(sys, AXVCPU_CREATE_VM, 0);

	if (fd < 0) {
		int err = errno;

		close(sys);
		return -err;
	}
	close(fd);
	close(sys);
	v = axv_guest_vm(&vm, done_guest, 0);
	ASSERT_RUN_DONE(v);
	axv_vcpu_close(v);
	axv_vm_close(&vm);
	return 0;
}

TEST_F(virt_at_load, axvcpu_refused_while_kvm_holds_the_cpus)
{
	int rc;

	ASSERT_EQ(0, load_kvm("enable_virt_at_load=1"));
	ASSERT_EQ('Y', param_value())
		TH_LOG("%s: this kvm.ko has no enable_virt_at_load (before 6.12?)",
		       PARAM);
	/* no KVM VM exists, and still SVM/VMX is KVM's on every CPU */
	rc = axvcpu_guest_runs(_metadata);
	ASSERT_EQ(-EBUSY, rc)
		TH_LOG("CREATE_VM with %s loaded and enable_virt_at_load on: %s",
		       self->vendor, axv_errno_name(-rc));
	/* refused twice the same way: nothing was taken */
	ASSERT_EQ(-EBUSY, axvcpu_guest_runs(_metadata));
	ASSERT_EQ(0, unload_kvm(self->vendor));
	ASSERT_EQ(0, axvcpu_guest_runs(_metadata))
		TH_LOG("after unloading %s, axvcpu's guest must run", self->vendor);
}

TEST_F(virt_at_load, turns_with_enable_virt_at_load_off)
{
	int kvm, vm, rc;

	ASSERT_EQ(0, load_kvm("enable_virt_at_load=0"));
	ASSERT_EQ('N', param_value());
	rc = axvcpu_guest_runs(_metadata);
	ASSERT_EQ(0, rc) TH_LOG("CREATE_VM with %s loaded, the parameter off: %s",
				self->vendor, axv_errno_name(-rc));
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, kvm);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm) TH_LOG("KVM_CREATE_VM after axvcpu's VM: %s",
				axv_errno_name(errno));
	close(vm);
	close(kvm);
	/* KVM gives the CPUs back with its last VM */
	ASSERT_EQ(0, axvcpu_guest_runs(_metadata));
}

TEST_HARNESS_MAIN
