// SPDX-License-Identifier: GPL-2.0
/*
 * api_test: the system fd (GET_API_VERSION, GET_INFO, CREATE_VM), the
 * general rules of Documentation/api.rst (wrong fd type and unknown ioctls
 * give ENOTTY, bad pointers EFAULT, no-struct ioctls take 0) and mmap() of
 * the run struct.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"

/* A user address that is certainly not mapped. */
static void *unmapped_address(void)
{
	void *p = mmap(NULL, AXV_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	AXV_REQUIRE(p != MAP_FAILED, "mmap");
	munmap(p, AXV_PAGE_SIZE);
	return p;
}

/* A VM of the system fd @sys and its vCPU 0, by the raw ioctls. */
static void create_vm_vcpu0(struct __test_metadata *_metadata, int sys,
			    int *vm_fd, int *vcpu_fd)
{
	struct axvcpu_create_vcpu c = { 0 };
	int vm, vcpu;

	vm = ioctl(sys, AXVCPU_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	c.vm_fd = vm;
	vcpu = ioctl(sys, AXVCPU_CREATE_VCPU, &c);
	ASSERT_LE(0, vcpu);
	*vm_fd = vm;
	*vcpu_fd = vcpu;
}

FIXTURE(sys)
{
	int fd;
	struct axvcpu_info info;
};

FIXTURE_SETUP(sys)
{
	self->fd = axv_open_dev();
	axv_get_info(self->fd, &self->info);
}

FIXTURE_TEARDOWN(sys)
{
	close(self->fd);
}

TEST_F(sys, api_version)
{
	ASSERT_EQ(AXVCPU_API_VERSION, ioctl(self->fd, AXVCPU_GET_API_VERSION, 0))
		TH_LOG("GET_API_VERSION: expected %d", AXVCPU_API_VERSION);
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, AXVCPU_GET_API_VERSION, 1));
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, AXVCPU_GET_API_VERSION, -1L));
	/* a failed call changed nothing */
	ASSERT_EQ(AXVCPU_API_VERSION, ioctl(self->fd, AXVCPU_GET_API_VERSION, 0));
}

TEST_F(sys, info_fields)
{
	struct axvcpu_info info;
	unsigned int i;

	memset(&info, 0xa5, sizeof(info));
	ASSERT_OK(ioctl(self->fd, AXVCPU_GET_INFO, &info));

	ASSERT_TRUE(info.arch == AXVCPU_ARCH_X86_VMX ||
		    info.arch == AXVCPU_ARCH_X86_SVM ||
		    info.arch == AXVCPU_ARCH_ARM64_NVHE ||
		    info.arch == AXVCPU_ARCH_RISCV_H)
		TH_LOG("arch: expected a known backend (1..4), got %u (%s)",
		       info.arch, axv_arch_name(info.arch));
	ASSERT_TRUE(axv_arch_of_host(info.arch))
		TH_LOG("arch %s is not one this host's architecture has",
		       axv_arch_name(info.arch));
	ASSERT_EQ(0, info.flags & ~(__u32)(AXVCPU_FEATURE_READONLY_MEM |
					    AXVCPU_FEATURE_EXIT_ON_HOST_INTR |
					    AXVCPU_FEATURE_HALT_IN_KERNEL |
					    AXVCPU_FEATURE_IMMEDIATE_EXIT |
					    AXVCPU_FEATURE_SYSREG_FAULT |
					    AXVCPU_FEATURE_INJECT_NMI |
					    AXVCPU_FEATURE_INJECT_EXCEPTION |
					    AXVCPU_FEATURE_IRQ_LINES |
					    AXVCPU_FEATURE_CPUID))
		TH_LOG("flags: expected only AXVCPU_FEATURE_* bits, got %#x",
		       info.flags);
	ASSERT_EQ(axv_required_features(info.arch),
		  info.flags & axv_required_features(info.arch))
		TH_LOG("flags %#x lack SPEC's required features %#x", info.flags,
		       axv_required_features(info.arch) & ~info.flags);
	ASSERT_LE(sizeof(struct axvcpu_run), info.run_mmap_size)
		TH_LOG("run_mmap_size: expected >= sizeof(struct axvcpu_run) = %zu, got %u",
		       sizeof(struct axvcpu_run), info.run_mmap_size);
	ASSERT_LE(1, info.max_vcpus)
		TH_LOG("max_vcpus: expected >= 1, got %u", info.max_vcpus);
	ASSERT_LE(1, info.max_memory_regions)
		TH_LOG("max_memory_regions: expected >= 1, got %u",
		       info.max_memory_regions);
	ASSERT_TRUE(info.guest_phys_bits >= 32 && info.guest_phys_bits <= 64)
		TH_LOG("guest_phys_bits: expected 32..64, got %u",
		       info.guest_phys_bits);
	ASSERT_EQ(AXVCPU_NR_EXIT_REASONS, info.nr_exit_reasons)
		TH_LOG("nr_exit_reasons: expected %d, got %u",
		       AXVCPU_NR_EXIT_REASONS, info.nr_exit_reasons);
	ASSERT_EQ(16, info.nr_exit_reasons);
	ASSERT_EQ(AXVCPU_API_VERSION, info.api_version)
		TH_LOG("api_version: expected %d, got %u", AXVCPU_API_VERSION,
		       info.api_version);
	for (i = 0; i < ARRAY_SIZE(info.reserved); i++) {
		ASSERT_EQ(0, info.reserved[i])
			TH_LOG("reserved[%u]: expected 0, got %#llx", i,
			       (unsigned long long)info.reserved[i]);
	}

	/* stable across calls */
	ASSERT_EQ(0, memcmp(&info, &self->info, sizeof(info)))
		TH_LOG("two GET_INFO calls gave different answers");
}

TEST_F(sys, info_efault)
{
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, AXVCPU_GET_INFO, NULL));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, AXVCPU_GET_INFO, unmapped_address()));
}

TEST_F(sys, create_vm)
{
	int vm1, vm2, flags;

	vm1 = ioctl(self->fd, AXVCPU_CREATE_VM, 0);
	ASSERT_LE(0, vm1)
		TH_LOG("CREATE_VM: expected an fd, got %s",
		       axv_errno_name(errno));
	flags = fcntl(vm1, F_GETFD);
	ASSERT_TRUE(flags & FD_CLOEXEC)
		TH_LOG("VM fd: expected O_CLOEXEC, fd flags %#x", flags);

	vm2 = ioctl(self->fd, AXVCPU_CREATE_VM, 0);
	ASSERT_LE(0, vm2)
		TH_LOG("second CREATE_VM: expected an fd, got %s",
		       axv_errno_name(errno));
	ASSERT_NE(vm1, vm2);

	ASSERT_ERRNO(EINVAL, ioctl(self->fd, AXVCPU_CREATE_VM, 1));
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, AXVCPU_CREATE_VM, -1L));
	close(vm1);
	close(vm2);

	/* still works after the failures and closes */
	vm1 = ioctl(self->fd, AXVCPU_CREATE_VM, 0);
	ASSERT_LE(0, vm1);
	close(vm1);
}

TEST_F(sys, vm_fd_outlives_system_fd)
{
	struct axvcpu_create_vcpu c = { 0 };
	int sys2, vm, vcpu;

	sys2 = axv_open_dev();
	vm = ioctl(sys2, AXVCPU_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	close(sys2);
	/* the VM fd still answers: deleting an empty slot is ENOENT */
	ASSERT_EQ(-ENOENT, axv_set_region(vm, 0, 0, 0, 0, 0))
		TH_LOG("the VM fd stopped working when its system fd closed");
	c.vm_fd = vm;
	vcpu = ioctl(self->fd, AXVCPU_CREATE_VCPU, &c);
	ASSERT_LE(0, vcpu)
		TH_LOG("CREATE_VCPU with a VM from a closed system fd: %s",
		       axv_errno_name(errno));
	close(vcpu);
	close(vm);
}

/* Every ioctl on the kind of fd it does not belong to: ENOTTY. */
TEST_F(sys, wrong_fd_type)
{
	struct axvcpu_create_vcpu c = { 0 };
	struct axvcpu_memory_region r = { 0 };
	struct axvcpu_setup s = { 0 };
	struct axvcpu_info info;
	struct axvcpu_gpr g = { 0 };
	struct axvcpu_regs regs;
	struct axvcpu_vcpu_info vi;
	struct axvcpu_interrupt irq = { .vector = 32 };
	__u64 v = 0;
	int vm, vcpu;

	create_vm_vcpu0(_metadata, self->fd, &vm, &vcpu);
	c.vm_fd = vm;
	memset(&regs, 0, sizeof(regs));
	memset(&vi, 0, sizeof(vi));

	/* system ioctls on a VM fd and a vCPU fd */
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_GET_API_VERSION, 0));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_GET_INFO, &info));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_CREATE_VM, 0));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_CREATE_VCPU, &c));
	ASSERT_ERRNO(ENOTTY, ioctl(vcpu, AXVCPU_GET_API_VERSION, 0));
	ASSERT_ERRNO(ENOTTY, ioctl(vcpu, AXVCPU_GET_INFO, &info));
	ASSERT_ERRNO(ENOTTY, ioctl(vcpu, AXVCPU_CREATE_VM, 0));
	ASSERT_ERRNO(ENOTTY, ioctl(vcpu, AXVCPU_CREATE_VCPU, &c));

	/* VM ioctls on the system fd and a vCPU fd */
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, AXVCPU_SET_MEMORY_REGION, &r));
	ASSERT_ERRNO(ENOTTY, ioctl(vcpu, AXVCPU_SET_MEMORY_REGION, &r));

	/* vCPU ioctls on the system fd and the VM fd */
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, AXVCPU_SETUP, &s));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_SETUP, &s));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, AXVCPU_BIND, 0));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_BIND, 0));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, AXVCPU_UNBIND, 0));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_UNBIND, 0));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, AXVCPU_RUN, 0));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_RUN, 0));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, AXVCPU_GET_STATE, 0));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_GET_STATE, 0));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, AXVCPU_SET_GPR, &g));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_SET_GPR, &g));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, AXVCPU_GET_GPR, &g));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_GET_GPR, &g));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, AXVCPU_SET_RETURN_VALUE, &v));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_SET_RETURN_VALUE, &v));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, AXVCPU_INJECT_INTERRUPT, &irq));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_INJECT_INTERRUPT, &irq));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, AXVCPU_GET_REGS, &regs));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_GET_REGS, &regs));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, AXVCPU_SET_REGS, &regs));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_SET_REGS, &regs));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, AXVCPU_GET_VCPU_INFO, &vi));
	ASSERT_ERRNO(ENOTTY, ioctl(vm, AXVCPU_GET_VCPU_INFO, &vi));

	/* none of that touched the vCPU */
	ASSERT_EQ(AXVCPU_STATE_CREATED, ioctl(vcpu, AXVCPU_GET_STATE, 0));
	close(vcpu);
	close(vm);
}

TEST_F(sys, unknown_ioctl)
{
	unsigned long bogus[] = {
		_IO(AXVCPU_IO_MAGIC, 0x7f),
		_IO(AXVCPU_IO_MAGIC, 0xff),
		_IOW(AXVCPU_IO_MAGIC, 0x30, __u64),
		/* a known number with the wrong size */
		_IOR(AXVCPU_IO_MAGIC, 0x01, __u32),
		_IO(0xAE, 0x00),	/* KVM_GET_API_VERSION */
	};
	__u64 buf[64] = { 0 };
	unsigned int i;
	int vm, vcpu;

	create_vm_vcpu0(_metadata, self->fd, &vm, &vcpu);

	for (i = 0; i < ARRAY_SIZE(bogus); i++) {
		int fds[] = { self->fd, vm, vcpu }, j, rc, err;

		for (j = 0; j < 3; j++) {
			rc = ioctl(fds[j], bogus[i], buf);
			err = rc == -1 ? errno : 0;
			ASSERT_EQ(ENOTTY, err)
				TH_LOG("ioctl %#lx on the %s fd: expected ENOTTY, got %d (%s)",
				       bogus[i], j == 0 ? "system" : j == 1 ? "VM" : "vCPU",
				       rc, axv_errno_name(err));
		}
	}
	ASSERT_EQ(AXVCPU_STATE_CREATED, ioctl(vcpu, AXVCPU_GET_STATE, 0));
	close(vcpu);
	close(vm);
}

/* A bad user pointer: EFAULT, and nothing changed. */
TEST_F(sys, bad_pointer_efault)
{
	struct axvcpu_create_vcpu c = { 0 };
	void *bad = unmapped_address();
	void *kernel = (void *)0xffff800000000000UL;
	int vm, vcpu;

	vm = ioctl(self->fd, AXVCPU_CREATE_VM, 0);
	ASSERT_LE(0, vm);

	ASSERT_ERRNO(EFAULT, ioctl(self->fd, AXVCPU_CREATE_VCPU, NULL));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, AXVCPU_CREATE_VCPU, bad));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, AXVCPU_CREATE_VCPU, kernel));
	ASSERT_ERRNO(EFAULT, ioctl(vm, AXVCPU_SET_MEMORY_REGION, NULL));
	ASSERT_ERRNO(EFAULT, ioctl(vm, AXVCPU_SET_MEMORY_REGION, bad));

	/* vCPU 0 was not created by the failed calls */
	c.vm_fd = vm;
	vcpu = ioctl(self->fd, AXVCPU_CREATE_VCPU, &c);
	ASSERT_LE(0, vcpu)
		TH_LOG("CREATE_VCPU id 0 after EFAULTs: %s", axv_errno_name(errno));
	/* and no slot was added: deleting slot 0 finds nothing */
	ASSERT_EQ(-ENOENT, axv_set_region(vm, 0, 0, 0, 0, 0));

	ASSERT_ERRNO(EFAULT, ioctl(vcpu, AXVCPU_SETUP, NULL));
	ASSERT_ERRNO(EFAULT, ioctl(vcpu, AXVCPU_SETUP, bad));
	ASSERT_ERRNO(EFAULT, ioctl(vcpu, AXVCPU_SET_GPR, bad));
	ASSERT_ERRNO(EFAULT, ioctl(vcpu, AXVCPU_GET_GPR, bad));
	ASSERT_ERRNO(EFAULT, ioctl(vcpu, AXVCPU_SET_RETURN_VALUE, bad));
	ASSERT_ERRNO(EFAULT, ioctl(vcpu, AXVCPU_INJECT_INTERRUPT, bad));
	ASSERT_ERRNO(EFAULT, ioctl(vcpu, AXVCPU_GET_REGS, bad));
	ASSERT_ERRNO(EFAULT, ioctl(vcpu, AXVCPU_SET_REGS, bad));
	ASSERT_ERRNO(EFAULT, ioctl(vcpu, AXVCPU_GET_VCPU_INFO, bad));
	ASSERT_ERRNO(EFAULT, ioctl(vcpu, AXVCPU_GET_VCPU_INFO, NULL));

	/* argument errors are not transitions: still CREATED */
	ASSERT_EQ(AXVCPU_STATE_CREATED, ioctl(vcpu, AXVCPU_GET_STATE, 0))
		TH_LOG("state after EFAULTs: expected CREATED, got %s",
		       axv_state_name(ioctl(vcpu, AXVCPU_GET_STATE, 0)));
	close(vcpu);
	close(vm);
}

/* "An ioctl that takes no struct takes 0 as its argument (else EINVAL)." */
TEST_F(sys, no_struct_ioctls_take_zero)
{
	int vm, vcpu;

	create_vm_vcpu0(_metadata, self->fd, &vm, &vcpu);

	ASSERT_ERRNO(EINVAL, ioctl(vcpu, AXVCPU_GET_STATE, 1));
	ASSERT_ERRNO(EINVAL, ioctl(vcpu, AXVCPU_BIND, 1));
	ASSERT_ERRNO(EINVAL, ioctl(vcpu, AXVCPU_UNBIND, 1));
	ASSERT_ERRNO(EINVAL, ioctl(vcpu, AXVCPU_RUN, 1));
	ASSERT_EQ(AXVCPU_STATE_CREATED, ioctl(vcpu, AXVCPU_GET_STATE, 0))
		TH_LOG("argument errors must not be transitions");
	close(vcpu);
	close(vm);
}

TEST_F(sys, run_mmap)
{
	size_t size = self->info.run_mmap_size;
	struct axvcpu_run *run;
	int vm, vcpu;
	void *p;

	create_vm_vcpu0(_metadata, self->fd, &vm, &vcpu);

	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	ASSERT_NE(MAP_FAILED, run)
		TH_LOG("mmap(run_mmap_size %zu): %s", size,
		       axv_errno_name(errno));
	/* user space owns immediate_exit: it reads back what was written */
	run->immediate_exit = 1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(1, ((struct axvcpu_run *)p)->immediate_exit)
		TH_LOG("two mappings of one vCPU's run struct differ");
	munmap(p, size);
	run->immediate_exit = 0;

	/* smaller than run_mmap_size is fine */
	p = mmap(NULL, AXV_PAGE_SIZE, PROT_READ, MAP_SHARED, vcpu, 0);
	ASSERT_NE(MAP_FAILED, p)
		TH_LOG("mmap of one page: %s", axv_errno_name(errno));
	munmap(p, AXV_PAGE_SIZE);

	/* offset 0 only, size at most run_mmap_size */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu,
		 AXV_PAGE_SIZE);
	ASSERT_EQ(MAP_FAILED, p)
		TH_LOG("mmap at offset 4096: expected EINVAL, got a mapping");
	ASSERT_EQ(EINVAL, errno)
		TH_LOG("mmap at offset 4096: expected EINVAL, got %s",
		       axv_errno_name(errno));
	p = mmap(NULL, size + AXV_PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED, vcpu, 0);
	ASSERT_EQ(MAP_FAILED, p)
		TH_LOG("mmap of run_mmap_size + 4096: expected EINVAL, got a mapping");
	ASSERT_EQ(EINVAL, errno)
		TH_LOG("mmap of run_mmap_size + 4096: expected EINVAL, got %s",
		       axv_errno_name(errno));

	munmap(run, size);
	close(vcpu);
	close(vm);
}

/*
 * Fuzzer finding: a mapping at offset 4096 placed right after a run
 * mapping of the same fd was merged into it by mmap() before the module's
 * check ran: mmap() succeeded and the new page faulted with SIGBUS.
 * mremap() must not grow a run mapping either.
 */
TEST_F(sys, run_mmap_cannot_grow)
{
	char *area, *p;
	int vm, vcpu;

	ASSERT_EQ(AXV_PAGE_SIZE, self->info.run_mmap_size);
	create_vm_vcpu0(_metadata, self->fd, &vm, &vcpu);

	/* two free pages: the run page, then the next offset right after */
	area = mmap(NULL, 2 * AXV_PAGE_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	munmap(area, 2 * AXV_PAGE_SIZE);
	p = mmap(area, AXV_PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED_NOREPLACE, vcpu, 0);
	ASSERT_EQ(area, p) TH_LOG("mmap of the run page: %s", axv_errno_name(errno));
	p = mmap(area + AXV_PAGE_SIZE, AXV_PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED_NOREPLACE, vcpu, AXV_PAGE_SIZE);
	ASSERT_EQ(MAP_FAILED, p)
		TH_LOG("mmap at offset 4096 next to the run page: expected EINVAL, got a mapping");
	ASSERT_EQ(EINVAL, errno);

	p = mremap(area, AXV_PAGE_SIZE, 2 * AXV_PAGE_SIZE, MREMAP_MAYMOVE);
	ASSERT_EQ(MAP_FAILED, p) TH_LOG("mremap grew the run mapping");
	((volatile struct axvcpu_run *)area)->immediate_exit = 0;

	munmap(area, AXV_PAGE_SIZE);
	close(vcpu);
	close(vm);
}

TEST_HARNESS_MAIN
