// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_create_test: AXVCPU_CREATE_VCPU defaults, every validation error of
 * Documentation/api.rst, allowed CPU sets beyond 64 CPUs, GET_VCPU_INFO,
 * BIND's choice of physical CPU and max_vcpus vCPUs in one VM.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"

#define BITMAP_MAX_BYTES	1024

FIXTURE(create)
{
	int sys_fd;
	int vm_fd;
	struct axvcpu_info info;
	int nr_cpu_ids;
};

FIXTURE_SETUP(create)
{
	self->sys_fd = axv_open_dev();
	axv_get_info(self->sys_fd, &self->info);
	self->vm_fd = ioctl(self->sys_fd, AXVCPU_CREATE_VM, 0);
	ASSERT_LE(0, self->vm_fd)
		TH_LOG("CREATE_VM: %s", axv_errno_name(errno));
	self->nr_cpu_ids = axv_nr_cpu_ids();
}

FIXTURE_TEARDOWN(create)
{
	close(self->vm_fd);
	close(self->sys_fd);
}

static int create_vcpu(int sys_fd, struct axvcpu_create_vcpu *c)
{
	return ioctl(sys_fd, AXVCPU_CREATE_VCPU, c);
}

/* GET_VCPU_INFO copying the allowed set into @bitmap of @size bytes. */
static int vcpu_info(int fd, struct axvcpu_vcpu_info *vi, __u64 *bitmap,
		     __u32 size)
{
	memset(vi, 0, sizeof(*vi));
	vi->allowed_cpus = (__u64)(uintptr_t)bitmap;
	vi->allowed_cpus_size = size;
	return ioctl(fd, AXVCPU_GET_VCPU_INFO, vi);
}

static bool test_bit(const __u64 *bitmap, int n)
{
	return bitmap[n / 64] & (1ULL << (n % 64));
}

/* The failed calls before created nothing: vCPU 0 of the VM is still free. */
static void assert_vcpu0_free(struct __test_metadata *_metadata,
			      int sys_fd, int vm_fd)
{
	struct axvcpu_create_vcpu c = { .vm_fd = vm_fd };
	int fd;

	fd = create_vcpu(sys_fd, &c);
	ASSERT_LE(0, fd)
		TH_LOG("vCPU 0 after the failed calls: %s", axv_errno_name(errno));
	close(fd);
}

/*
 * The vCPU @c describes, set up and bound to this thread; @vi is its
 * GET_VCPU_INFO then. Returns its fd.
 */
static int create_and_bind(struct __test_metadata *_metadata, int sys_fd,
			   struct axvcpu_create_vcpu *c,
			   struct axvcpu_vcpu_info *vi)
{
	struct axvcpu_setup s = { 0 };
	int fd;

	fd = create_vcpu(sys_fd, c);
	ASSERT_LE(0, fd);
	ASSERT_OK(ioctl(fd, AXVCPU_SETUP, &s));
	ASSERT_OK(ioctl(fd, AXVCPU_BIND, 0));
	ASSERT_OK(vcpu_info(fd, vi, NULL, 0));
	return fd;
}

TEST_F(create, zero_struct_defaults)
{
	struct axvcpu_create_vcpu c = { .vm_fd = self->vm_fd };
	__u64 bitmap[BITMAP_MAX_BYTES / 8];
	struct axvcpu_vcpu_info vi;
	int fd, flags, cpu;

	fd = create_vcpu(self->sys_fd, &c);
	ASSERT_LE(0, fd)
		TH_LOG("CREATE_VCPU with a zero struct: %s", axv_errno_name(errno));
	flags = fcntl(fd, F_GETFD);
	ASSERT_TRUE(flags & FD_CLOEXEC)
		TH_LOG("vCPU fd: expected O_CLOEXEC, fd flags %#x", flags);
	ASSERT_EQ(AXVCPU_STATE_CREATED, ioctl(fd, AXVCPU_GET_STATE, 0));

	memset(bitmap, 0, sizeof(bitmap));
	ASSERT_OK(vcpu_info(fd, &vi, bitmap, sizeof(bitmap)));
	ASSERT_EQ(0, vi.vcpu_id);
	ASSERT_EQ(0, vi.favor_phys_cpu);
	ASSERT_EQ(1, vi.is_bsp) TH_LOG("vCPU 0 must be the BSP");
	ASSERT_EQ(-1, vi.bound_cpu)
		TH_LOG("bound_cpu before BIND: expected -1, got %d", vi.bound_cpu);
	ASSERT_EQ(AXVCPU_STATE_CREATED, vi.state)
		TH_LOG("state: expected CREATED, got %s", axv_state_name(vi.state));
	ASSERT_EQ(0, vi.flags);
	ASSERT_EQ(0, vi.allowed_cpus_size % 8)
		TH_LOG("allowed_cpus_size %u is not a multiple of 8",
		       vi.allowed_cpus_size);
	ASSERT_LE((self->nr_cpu_ids + 63) / 64 * 8, vi.allowed_cpus_size)
		TH_LOG("allowed_cpus_size %u cannot hold %d CPUs",
		       vi.allowed_cpus_size, self->nr_cpu_ids);
	ASSERT_GE(BITMAP_MAX_BYTES, vi.allowed_cpus_size);
	/* "any CPU allowed" */
	for (cpu = 0; cpu < self->nr_cpu_ids; cpu++) {
		ASSERT_TRUE(test_bit(bitmap, cpu))
			TH_LOG("CPU %d missing from the default allowed set", cpu);
	}
	close(fd);
}

TEST_F(create, vcpu_info_ids)
{
	struct axvcpu_create_vcpu c = { .vm_fd = self->vm_fd };
	struct axvcpu_vcpu_info vi0, vi1, vi2;
	int fd0, fd1, fd2, vm2;

	fd0 = create_vcpu(self->sys_fd, &c);
	ASSERT_LE(0, fd0);
	c.vcpu_id = 1;
	c.favor_phys_cpu = self->nr_cpu_ids - 1;
	c.flags = AXVCPU_VCPU_EXIT_ON_HOST_INTR | AXVCPU_VCPU_HALT_IN_KERNEL;
	fd1 = create_vcpu(self->sys_fd, &c);
	ASSERT_LE(0, fd1)
		TH_LOG("CREATE_VCPU id 1 with both flags: %s", axv_errno_name(errno));
	vm2 = ioctl(self->sys_fd, AXVCPU_CREATE_VM, 0);
	ASSERT_LE(0, vm2);
	memset(&c, 0, sizeof(c));
	c.vm_fd = vm2;
	fd2 = create_vcpu(self->sys_fd, &c);
	ASSERT_LE(0, fd2) TH_LOG("vCPU 0 of a second VM: %s", axv_errno_name(errno));

	ASSERT_OK(vcpu_info(fd0, &vi0, NULL, 0));
	ASSERT_OK(vcpu_info(fd1, &vi1, NULL, 0));
	ASSERT_OK(vcpu_info(fd2, &vi2, NULL, 0));
	ASSERT_EQ(vi0.vm_id, vi1.vm_id) TH_LOG("two vCPUs of one VM: vm_id differs");
	ASSERT_NE(vi0.vm_id, vi2.vm_id) TH_LOG("two VMs share vm_id %u", vi0.vm_id);
	ASSERT_EQ(1, vi1.vcpu_id);
	ASSERT_EQ(0, vi1.is_bsp) TH_LOG("vCPU 1 must not be the BSP");
	ASSERT_EQ(self->nr_cpu_ids - 1, vi1.favor_phys_cpu);
	ASSERT_EQ(AXVCPU_VCPU_EXIT_ON_HOST_INTR | AXVCPU_VCPU_HALT_IN_KERNEL,
		  vi1.flags);
	ASSERT_EQ(0, vi2.vcpu_id);
	ASSERT_EQ(1, vi2.is_bsp);
	close(fd0);
	close(fd1);
	close(fd2);
	close(vm2);
}

TEST_F(create, bad_vm_fd)
{
	struct axvcpu_create_vcpu c = { 0 };
	int devnull, closed_fd, vcpu_fd;

	closed_fd = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, closed_fd);
	close(closed_fd);
	c.vm_fd = closed_fd;
	ASSERT_ERRNO(EBADF, create_vcpu(self->sys_fd, &c));
	c.vm_fd = 0x7fffffff;
	ASSERT_ERRNO(EBADF, create_vcpu(self->sys_fd, &c));
	c.vm_fd = 0xffffffff;	/* -1 */
	ASSERT_ERRNO(EBADF, create_vcpu(self->sys_fd, &c));

	devnull = open("/dev/null", O_RDWR);
	ASSERT_LE(0, devnull);
	c.vm_fd = devnull;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	c.vm_fd = self->sys_fd;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));

	c.vm_fd = self->vm_fd;
	vcpu_fd = create_vcpu(self->sys_fd, &c);
	ASSERT_LE(0, vcpu_fd);
	c.vm_fd = vcpu_fd;
	c.vcpu_id = 1;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	close(devnull);
	close(vcpu_fd);
}

TEST_F(create, duplicate_id)
{
	struct axvcpu_create_vcpu c = { .vm_fd = self->vm_fd, .vcpu_id = 0 };
	int fd0, fd1, vm2, fd2;

	fd0 = create_vcpu(self->sys_fd, &c);
	ASSERT_LE(0, fd0);
	ASSERT_ERRNO(EEXIST, create_vcpu(self->sys_fd, &c));
	c.vcpu_id = self->info.max_vcpus - 1;
	if (c.vcpu_id) {
		fd1 = create_vcpu(self->sys_fd, &c);
		ASSERT_LE(0, fd1);
		ASSERT_ERRNO(EEXIST, create_vcpu(self->sys_fd, &c));
		close(fd1);
	}
	/* the id is per VM */
	vm2 = ioctl(self->sys_fd, AXVCPU_CREATE_VM, 0);
	ASSERT_LE(0, vm2);
	c.vm_fd = vm2;
	c.vcpu_id = 0;
	fd2 = create_vcpu(self->sys_fd, &c);
	ASSERT_LE(0, fd2)
		TH_LOG("vCPU 0 in a second VM: expected success, got %s",
		       axv_errno_name(errno));
	close(fd2);
	close(vm2);
	close(fd0);
}

TEST_F(create, id_and_cpu_limits)
{
	struct axvcpu_create_vcpu c = { .vm_fd = self->vm_fd };
	int fd;

	c.vcpu_id = self->info.max_vcpus;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	c.vcpu_id = 0xffffffff;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	c.vcpu_id = 0;
	c.favor_phys_cpu = self->nr_cpu_ids;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	c.favor_phys_cpu = 0xffffffff;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	c.favor_phys_cpu = self->nr_cpu_ids - 1;
	fd = create_vcpu(self->sys_fd, &c);
	ASSERT_LE(0, fd)
		TH_LOG("favor_phys_cpu %d (nr_cpu_ids - 1): %s",
		       self->nr_cpu_ids - 1, axv_errno_name(errno));
	close(fd);
}

TEST_F(create, flags_pad_arch_reserved)
{
	struct axvcpu_create_vcpu c;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	c.vm_fd = self->vm_fd;
	c.flags = 1U << 2;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	c.flags = 1U << 31;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	c.flags = 0;
	c.pad = 1;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	c.pad = 0;
	for (i = 0; i < ARRAY_SIZE(c.arch); i++) {
		c.arch[i] = 1ULL << 63;
		ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
		c.arch[i] = 0;
	}
	for (i = 0; i < ARRAY_SIZE(c.reserved); i++) {
		c.reserved[i] = 1;
		ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
		c.reserved[i] = 0;
	}
	/* nothing was created: vCPU 0 is still free */
	assert_vcpu0_free(_metadata, self->sys_fd, self->vm_fd);
}

TEST_F(create, bitmap_errors)
{
	struct axvcpu_create_vcpu c = { .vm_fd = self->vm_fd };
	__u64 bitmap[BITMAP_MAX_BYTES / 8 + 1];
	void *unmapped;

	memset(bitmap, 0xff, sizeof(bitmap));
	c.allowed_cpus = (__u64)(uintptr_t)bitmap;

	/* size not a multiple of 8, zero with a pointer, above 1024 */
	c.allowed_cpus_size = 4;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	c.allowed_cpus_size = 12;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	c.allowed_cpus_size = 0;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	c.allowed_cpus_size = BITMAP_MAX_BYTES + 8;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	c.allowed_cpus_size = 0xfffffff8;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	/* a size without a pointer */
	c.allowed_cpus = 0;
	c.allowed_cpus_size = 8;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));

	/* empty set */
	memset(bitmap, 0, sizeof(bitmap));
	c.allowed_cpus = (__u64)(uintptr_t)bitmap;
	c.allowed_cpus_size = 8;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	c.allowed_cpus_size = BITMAP_MAX_BYTES;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	/* only CPUs that cannot exist */
	if (self->nr_cpu_ids < 8 * BITMAP_MAX_BYTES) {
		int bit = 8 * BITMAP_MAX_BYTES - 1;

		bitmap[bit / 64] = 1ULL << (bit % 64);
		ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
		bitmap[bit / 64] = 0;
	}

	/* a pointer that faults */
	unmapped = mmap(NULL, AXV_PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	munmap(unmapped, AXV_PAGE_SIZE);
	c.allowed_cpus = (__u64)(uintptr_t)unmapped;
	c.allowed_cpus_size = 8;
	ASSERT_ERRNO(EFAULT, create_vcpu(self->sys_fd, &c));
	c.allowed_cpus = 0xffff800000000000ULL;
	ASSERT_ERRNO(EFAULT, create_vcpu(self->sys_fd, &c));

	/* nothing was created */
	assert_vcpu0_free(_metadata, self->sys_fd, self->vm_fd);
}

/* An allowed set of 1024 CPUs (128 bytes) is accepted and read back. */
TEST_F(create, bitmap_beyond_64_cpus)
{
	struct axvcpu_create_vcpu c = { .vm_fd = self->vm_fd };
	__u64 set[16], out[BITMAP_MAX_BYTES / 8];
	struct axvcpu_vcpu_info vi;
	int fd, last = self->nr_cpu_ids - 1, cpu;

	/* every possible CPU, plus bits beyond 64 that are ignored */
	memset(set, 0, sizeof(set));
	for (cpu = 0; cpu < self->nr_cpu_ids && cpu < 1024; cpu++)
		set[cpu / 64] |= 1ULL << (cpu % 64);
	set[15] |= 1ULL << 63;		/* CPU 1023 */
	set[2] |= 1ULL << 1;		/* CPU 129 */
	c.allowed_cpus = (__u64)(uintptr_t)set;
	c.allowed_cpus_size = sizeof(set);
	fd = create_vcpu(self->sys_fd, &c);
	ASSERT_LE(0, fd)
		TH_LOG("CREATE_VCPU with a 128-byte allowed set: %s",
		       axv_errno_name(errno));
	memset(out, 0, sizeof(out));
	ASSERT_OK(vcpu_info(fd, &vi, out, sizeof(out)));
	for (cpu = 0; cpu < self->nr_cpu_ids && cpu < 1024; cpu++) {
		ASSERT_TRUE(test_bit(out, cpu))
			TH_LOG("CPU %d allowed at creation, missing in GET_VCPU_INFO",
			       cpu);
	}
	close(fd);

	/* only the last possible CPU, given in a 128-byte set */
	memset(set, 0, sizeof(set));
	set[last / 64] = 1ULL << (last % 64);
	c.vcpu_id = 1;
	fd = create_vcpu(self->sys_fd, &c);
	ASSERT_LE(0, fd)
		TH_LOG("CREATE_VCPU allowing only CPU %d: %s", last,
		       axv_errno_name(errno));
	memset(out, 0, sizeof(out));
	ASSERT_OK(vcpu_info(fd, &vi, out, sizeof(out)));
	for (cpu = 0; cpu < self->nr_cpu_ids; cpu++) {
		ASSERT_EQ(cpu == last, test_bit(out, cpu))
			TH_LOG("allowed set read back: CPU %d expected %s",
			       cpu, cpu == last ? "set" : "clear");
	}

	/* GET_VCPU_INFO: size not a multiple of 8, or too small */
	ASSERT_ERRNO(EINVAL, vcpu_info(fd, &vi, out, 4));
	ASSERT_OK(vcpu_info(fd, &vi, NULL, 0));
	if (vi.allowed_cpus_size > 8)
		ASSERT_ERRNO(EINVAL, vcpu_info(fd, &vi, out, 8));
	close(fd);
}

/*
 * BIND picks the favoured CPU when allowed, else the lowest allowed online
 * CPU, never one outside the calling thread's own affinity, and pins the
 * thread there until UNBIND.
 */
TEST_F(create, bind_cpu_choice)
{
	struct axvcpu_create_vcpu c = { .vm_fd = self->vm_fd };
	struct axvcpu_vcpu_info vi;
	cpu_set_t before, during, after, only_last;
	int last = axv_test_cpu(axv_nr_test_cpus() - 1);
	int first = axv_test_cpu(0);
	__u64 set[16];
	int fd;

	ASSERT_OK(sched_getaffinity(0, sizeof(before), &before));

	/* favoured and allowed */
	c.favor_phys_cpu = last;
	fd = create_and_bind(_metadata, self->sys_fd, &c, &vi);
	ASSERT_EQ(last, vi.bound_cpu)
		TH_LOG("favoured CPU %d: expected bound_cpu %d, got %d", last,
		       last, vi.bound_cpu);
	ASSERT_EQ(AXVCPU_STATE_READY, vi.state);
	ASSERT_OK(sched_getaffinity(0, sizeof(during), &during));
	ASSERT_EQ(1, CPU_COUNT(&during))
		TH_LOG("after BIND the thread may run on %d CPUs, expected 1",
		       CPU_COUNT(&during));
	ASSERT_TRUE(CPU_ISSET(last, &during));
	ASSERT_EQ(last, sched_getcpu());
	ASSERT_OK(ioctl(fd, AXVCPU_UNBIND, 0));
	ASSERT_OK(vcpu_info(fd, &vi, NULL, 0));
	ASSERT_EQ(-1, vi.bound_cpu);
	ASSERT_OK(sched_getaffinity(0, sizeof(after), &after));
	ASSERT_TRUE(CPU_EQUAL(&before, &after))
		TH_LOG("UNBIND did not restore the thread's affinity");
	close(fd);

	/* favoured but not allowed: the lowest allowed online CPU */
	memset(set, 0, sizeof(set));
	set[last / 64] = 1ULL << (last % 64);
	c.vcpu_id = 1;
	c.favor_phys_cpu = 0;
	c.allowed_cpus = (__u64)(uintptr_t)set;
	c.allowed_cpus_size = sizeof(set);
	fd = create_and_bind(_metadata, self->sys_fd, &c, &vi);
	ASSERT_EQ(last, vi.bound_cpu)
		TH_LOG("favoured CPU 0 not allowed, only %d: expected bound_cpu %d, got %d",
		       last, last, vi.bound_cpu);
	ASSERT_EQ(last, sched_getcpu());
	close(fd);
	if (first == last)
		return;

	/* favoured and allowed, but not in the thread's affinity */
	CPU_ZERO(&only_last);
	CPU_SET(last, &only_last);
	ASSERT_OK(sched_setaffinity(0, sizeof(only_last), &only_last));
	c.vcpu_id = 2;
	c.favor_phys_cpu = first;
	c.allowed_cpus = 0;
	c.allowed_cpus_size = 0;
	fd = create_and_bind(_metadata, self->sys_fd, &c, &vi);
	ASSERT_EQ(last, vi.bound_cpu)
		TH_LOG("favoured CPU %d outside the thread's affinity {%d}: expected bound_cpu %d, got %d",
		       first, last, last, vi.bound_cpu);
	close(fd);

	/* the only allowed CPU is outside the thread's affinity: refused */
	memset(set, 0, sizeof(set));
	set[first / 64] = 1ULL << (first % 64);
	c.vcpu_id = 3;
	c.allowed_cpus = (__u64)(uintptr_t)set;
	c.allowed_cpus_size = sizeof(set);
	fd = create_vcpu(self->sys_fd, &c);
	ASSERT_LE(0, fd);
	ASSERT_OK(ioctl(fd, AXVCPU_SETUP, &(struct axvcpu_setup){ 0 }));
	ASSERT_ERRNO(EINVAL, ioctl(fd, AXVCPU_BIND, 0));
	ASSERT_EQ(AXVCPU_STATE_FREE, ioctl(fd, AXVCPU_GET_STATE, 0));
	ASSERT_OK(sched_getaffinity(0, sizeof(during), &during));
	ASSERT_TRUE(CPU_EQUAL(&only_last, &during))
		TH_LOG("a refused BIND changed the thread's affinity");
	close(fd);
	ASSERT_OK(sched_setaffinity(0, sizeof(before), &before));
}

/* max_vcpus vCPUs in one VM; one more id is out of range. */
TEST_F_TIMEOUT(create, max_vcpus, 180)
{
	struct axvcpu_create_vcpu c = { .vm_fd = self->vm_fd };
	__u32 n = self->info.max_vcpus, i;
	struct axvcpu_vcpu_info vi;
	struct rlimit rl;
	int *fds;

	fds = calloc(n, sizeof(*fds));
	ASSERT_NE(NULL, fds);
	ASSERT_OK(getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur < n + 64) {
		rl.rlim_cur = rl.rlim_max = n + 64;
		ASSERT_OK(setrlimit(RLIMIT_NOFILE, &rl));
	}
	for (i = 0; i < n; i++) {
		c.vcpu_id = i;
		c.favor_phys_cpu = i % self->nr_cpu_ids;
		fds[i] = create_vcpu(self->sys_fd, &c);
		ASSERT_LE(0, fds[i])
			TH_LOG("vCPU %u of max_vcpus %u: %s", i, n,
			       axv_errno_name(errno));
	}
	c.vcpu_id = n;
	ASSERT_ERRNO(EINVAL, create_vcpu(self->sys_fd, &c));
	ASSERT_OK(vcpu_info(fds[n - 1], &vi, NULL, 0));
	ASSERT_EQ(n - 1, vi.vcpu_id);
	ASSERT_EQ(n > 1 ? 0 : 1, vi.is_bsp);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}

TEST_HARNESS_MAIN
