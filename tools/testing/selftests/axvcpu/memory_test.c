// SPDX-License-Identifier: GPL-2.0
/*
 * memory_test: AXVCPU_SET_MEMORY_REGION. Adding and deleting slots, every
 * validation error of Documentation/api.rst with "nothing is changed"
 * checked afterwards (the slot and range can still be added, and a guest
 * read of the GPA is still MMIO), VmLck and RLIMIT_MEMLOCK accounting,
 * read-only slots (reads and execution work, a store is a
 * NESTED_PAGE_FAULT that is retried), and slots behind 2 MiB huge pages
 * (which a backend may map with stage-2 blocks). The guests are C (axvcpu_guest.h),
 * so every backend runs all of it; the exact RIP of the faulting store is
 * checked in x86/memory_x86_test.c.
 *
 * The library's slot 0 holds the program; the tests' slots use numbers
 * from AXV_GUEST_FREE_SLOT and addresses in AXV_GUEST_FREE_GPA's range.
 *
 * RLIMIT_MEMLOCK: the tests run as root; the ENOMEM check drops
 * CAP_IPC_LOCK from its own process with capset() (each test runs in a
 * process of its own, forked by the harness) and keeps uid 0.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_guest.h"

/*
 * GPAs the tests use: in the free range, 1 MiB up so that the ranges just
 * below T_GPA that the overlap test uses are free too; T_GPA2 far above.
 */
#define T_GPA		(AXV_GUEST_FREE_GPA + AXV_MiB)
#define T_GPA2		(AXV_GUEST_FREE_GPA + AXV_GUEST_FREE_SIZE / 2)
#define T_SIZE		(64 * 1024ULL)
#define RO_GPA		T_GPA

/* The tests' slot numbers: slot 0 is the guest library's. */
#define S1		(AXV_GUEST_FREE_SLOT)
#define S2		(AXV_GUEST_FREE_SLOT + 1)
#define S3		(AXV_GUEST_FREE_SLOT + 2)

/* GUEST_SYNC2 tags */
#define PROBE_VALUE	0x9e0beUL	/* the probe's read: the value */
#define RO_REPORT	0x7e90UL	/* ro_code's report: its value */
#define RO_RESULT	0x7e51UL	/* what ro_code returned */

/* What the host answers the probe's MMIO read with. */
#define PROBE_MMIO_DATA	0x5a5a1234U

/* The address the probe guest reads, set by the host before each RUN. */
static volatile __u64 probe_addr;

/*
 * Read the 32-bit word at probe_addr and report it, for ever: each
 * report leaves the guest at the top of its loop, ready for the next
 * address.
 */
static void probe_guest(void)
{
	for (;;)
		GUEST_SYNC2(PROBE_VALUE,
			    *(volatile __u32 *)(uintptr_t)probe_addr);
}

/* Read the read-only slot, write it, and report the word read back. */
static void ro_guest(void)
{
	volatile __u32 *ro = (volatile __u32 *)RO_GPA;

	GUEST_SYNC(ro[0]);
	ro[4] = 0xdeadbeef;
	GUEST_SYNC(ro[4]);
}

/* The guest's counter of delete_while_guest_reads, read by the host. */
static volatile __u64 reader_count;

/* Count and read T_GPA in a loop, without exits. */
static void reader_guest(void)
{
	for (;;) {
		reader_count++;
		(void)*(volatile __u32 *)T_GPA;
	}
}

static void ro_report(__u64 v)
{
	GUEST_SYNC2(RO_REPORT, v);
}

/*
 * Copied into the read-only slot and run there: a leaf but for a call
 * through a register, so it is position independent on every
 * architecture. noipa: it must stay as written, its callers are unknown.
 */
static __attribute__((noinline, noipa)) __u64
ro_code(void (*report)(__u64), __u64 x)
{
	report(x + 0x77);
	return x + 0x78;
}

/* Where ro_code lands: the slot holds the pages around it. */
#define RO_CODE_GPA(fn)	(RO_GPA + ((__u64)(uintptr_t)(fn) & (AXV_PAGE_SIZE - 1)))

/* Call the copy of ro_code in the read-only slot. */
static void ro_call_guest(void)
{
	__u64 (*fn)(void (*)(__u64), __u64) =
		(void *)(uintptr_t)RO_CODE_GPA(ro_code);

	GUEST_SYNC2(RO_RESULT, fn(ro_report, 0));
}

/*
 * Where a guest stopped: inside @fn, whose body is a few dozen bytes (256
 * covers it on every architecture with room to spare).
 */
#define pc_in_fn(vcpu, fn)	axv_guest_pc_in(vcpu, fn, 256)

FIXTURE(memory)
{
	struct axv_vm vm;
	struct axv_vcpu *probe;
	long vmlck_start;
};

FIXTURE_SETUP(memory)
{
	self->probe = axv_guest_vm(&self->vm, probe_guest, 0);
	ASSERT_LE(S3 + 1, self->vm.info.max_memory_regions)
		TH_LOG("these tests need %u slots, the module has %u",
		       S3 + 1, self->vm.info.max_memory_regions);
	self->vmlck_start = axv_proc_status_kb("VmLck");
}

FIXTURE_TEARDOWN(memory)
{
	axv_vcpu_close(self->probe);
	axv_vm_close(&self->vm);
}

static void *map_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	AXV_REQUIRE(p != MAP_FAILED, "mmap %zu", size);
	return p;
}

static __u64 uaddr(void *p)
{
	return (__u64)(uintptr_t)p;
}

/*
 * The range [gpa, gpa + size) and @slot are free: adding exactly that
 * succeeds (then it is deleted again).
 */
static void assert_free(struct __test_metadata *_metadata, int vm_fd,
			__u32 slot, __u64 gpa, __u64 size)
{
	void *p = map_anon(size);
	int rc;

	rc = axv_set_region(vm_fd, slot, 0, gpa, size, uaddr(p));
	ASSERT_EQ(0, rc)
		TH_LOG("after a failed call, slot %u at [%#llx, %#llx) should still be free: adding it gave %s",
		       slot, (unsigned long long)gpa,
		       (unsigned long long)(gpa + size), axv_errno_name(-rc));
	rc = axv_set_region(vm_fd, slot, 0, gpa, 0, 0);
	ASSERT_EQ(0, rc) TH_LOG("delete slot %u: %s", slot, axv_errno_name(-rc));
	munmap(p, size);
}

/*
 * Run the probe guest on GPA @gpa: with @mapped it must report @value,
 * else it must be an MMIO read of @gpa, which the next RUN completes with
 * PROBE_MMIO_DATA and the guest reports.
 */
static void probe_gpa(struct __test_metadata *_metadata, struct axv_vm *vm,
		      struct axv_vcpu *vcpu, __u64 gpa, bool mapped,
		      __u32 value)
{
	struct axv_ucall uc;

	/* (axv_guest_sync_global() cannot take a volatile global) */
	*axv_guest_global(vm, probe_addr) = gpa;
	if (!mapped) {
		ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_MMIO_READ);
		ASSERT_RUN_FIELD(vcpu, "mmio.addr", gpa, vcpu->run->mmio.addr);
		vcpu->run->mmio.data = PROBE_MMIO_DATA;
		value = PROBE_MMIO_DATA;
	}
	ASSERT_RUN_UCALL(vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(PROBE_VALUE, uc.args[0]);
	ASSERT_EQ(value, uc.args[1])
		TH_LOG("guest read of %#llx (%s): expected %#x, got %#llx",
		       (unsigned long long)gpa, mapped ? "memory" : "MMIO",
		       value, (unsigned long long)uc.args[1]);
}

TEST_F(memory, add_delete)
{
	int fd = self->vm.fd;
	void *p = map_anon(T_SIZE);

	ASSERT_EQ(0, axv_set_region(fd, S1, 0, T_GPA, T_SIZE, uaddr(p)));
	ASSERT_EQ(0, axv_set_region(fd, S1, 0, T_GPA, 0, 0))
		TH_LOG("delete of a used slot failed");
	ASSERT_EQ(-ENOENT, axv_set_region(fd, S1, 0, T_GPA, 0, 0))
		TH_LOG("second delete: expected ENOENT");
	/* the slot and the range are reusable, also with another size */
	ASSERT_EQ(0, axv_set_region(fd, S1, 0, T_GPA, AXV_PAGE_SIZE, uaddr(p)));
	ASSERT_EQ(0, axv_set_region(fd, S2, 0, T_GPA + AXV_PAGE_SIZE,
				    AXV_PAGE_SIZE, uaddr(p) + AXV_PAGE_SIZE));
	/* the last slot number is valid */
	ASSERT_EQ(0, axv_set_region(fd, self->vm.info.max_memory_regions - 1, 0,
				    T_GPA + 2 * AXV_PAGE_SIZE, AXV_PAGE_SIZE,
				    uaddr(p) + 2 * AXV_PAGE_SIZE));
	ASSERT_EQ(0, axv_set_region(fd, S1, 0, 0, 0, 0));
	ASSERT_EQ(0, axv_set_region(fd, S2, 0, 0, 0, 0));
	ASSERT_EQ(0, axv_set_region(fd, self->vm.info.max_memory_regions - 1,
				    0, 0, 0, 0));
	/* one host buffer may back two slots */
	ASSERT_EQ(0, axv_set_region(fd, S1, 0, T_GPA, T_SIZE, uaddr(p)));
	ASSERT_EQ(0, axv_set_region(fd, S2, 0, T_GPA2, T_SIZE, uaddr(p)));
	munmap(p, T_SIZE);
}

TEST_F(memory, bad_slot)
{
	__u32 max = self->vm.info.max_memory_regions;
	void *p = map_anon(T_SIZE);

	ASSERT_EQ(-EINVAL, axv_set_region(self->vm.fd, max, 0, T_GPA, T_SIZE,
					  uaddr(p)));
	ASSERT_EQ(-EINVAL, axv_set_region(self->vm.fd, 0xffffffff, 0, T_GPA,
					  T_SIZE, uaddr(p)));
	ASSERT_EQ(-EINVAL, axv_set_region(self->vm.fd, max, 0, T_GPA, 0, 0))
		TH_LOG("deleting slot max_memory_regions: expected EINVAL");
	assert_free(_metadata, self->vm.fd, S1, T_GPA, T_SIZE);
	munmap(p, T_SIZE);
}

TEST_F(memory, bad_flags)
{
	void *p = map_anon(T_SIZE);

	ASSERT_EQ(-EINVAL, axv_set_region(self->vm.fd, S1, 1U << 1, T_GPA,
					  T_SIZE, uaddr(p)));
	ASSERT_EQ(-EINVAL, axv_set_region(self->vm.fd, S1, 1U << 31, T_GPA,
					  T_SIZE, uaddr(p)));
	ASSERT_EQ(-EINVAL, axv_set_region(self->vm.fd, S1,
					  AXVCPU_MEM_READONLY | (1U << 7),
					  T_GPA, T_SIZE, uaddr(p)));
	assert_free(_metadata, self->vm.fd, S1, T_GPA, T_SIZE);
	munmap(p, T_SIZE);
}

TEST_F(memory, misaligned)
{
	int fd = self->vm.fd;
	char *p = map_anon(T_SIZE + AXV_PAGE_SIZE);

	ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, T_GPA + 0x800, T_SIZE,
					  uaddr(p)));
	ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, T_GPA + 1, T_SIZE,
					  uaddr(p)));
	ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, T_GPA, T_SIZE - 0x800,
					  uaddr(p)));
	ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, T_GPA, 1, uaddr(p)));
	ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, T_GPA, T_SIZE,
					  uaddr(p + 0x10)));
	ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, T_GPA, T_SIZE,
					  uaddr(p + 0x800)));
	assert_free(_metadata, fd, S1, T_GPA, T_SIZE);
	munmap(p, T_SIZE + AXV_PAGE_SIZE);
}

TEST_F(memory, gpa_wrap_and_phys_bits)
{
	__u32 bits = self->vm.info.guest_phys_bits;
	int fd = self->vm.fd;
	void *p = map_anon(2 * AXV_PAGE_SIZE);

	/* gpa + size wraps around 2^64 */
	ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, 0xfffffffffffff000ULL,
					  2 * AXV_PAGE_SIZE, uaddr(p)));
	ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, 0xfffffffffffff000ULL,
					  AXV_PAGE_SIZE, uaddr(p)));
	if (bits < 64) {
		__u64 top = 1ULL << bits;

		/* crossing 1 << guest_phys_bits, and wholly above it */
		ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, top - AXV_PAGE_SIZE,
						  2 * AXV_PAGE_SIZE, uaddr(p)));
		ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, top, AXV_PAGE_SIZE,
						  uaddr(p)));
		/* the last page below the limit is fine */
		assert_free(_metadata, fd, S1, top - AXV_PAGE_SIZE, AXV_PAGE_SIZE);
	}
	assert_free(_metadata, fd, S1, T_GPA, AXV_PAGE_SIZE);
	munmap(p, 2 * AXV_PAGE_SIZE);
}

/*
 * A region far larger than any machine, over user addresses nothing is
 * mapped at (access_ok() passes): ENOMEM, nothing charged, and no kernel
 * warning (the gate fails the lane on one). Its page array alone would be
 * over INT_MAX bytes, which kvmalloc() refuses with a WARN unless told
 * __GFP_NOWARN; found by the fault-injection work.
 */
TEST_F(memory, huge_region_enomem)
{
	__u32 bits = self->vm.info.guest_phys_bits;
	long long pins = axv_pinned_pages();
	__u64 size, gpa;
	int rc;

	ASSERT_LE(34, bits) TH_LOG("guest_phys_bits %u", bits);
	/* the upper half of the guest physical space, at most 16 TiB */
	size = 1ULL << (bits - 1 < 44 ? bits - 1 : 44);
	gpa = (1ULL << bits) - size;
	/* 1 TiB up in the address space: below TASK_SIZE, nothing there */
	rc = axv_set_region(self->vm.fd, S1, 0, gpa, size, 1ULL << 40);
	ASSERT_EQ(-ENOMEM, rc)
		TH_LOG("a %llu GiB region over unmapped memory: expected ENOMEM, got %s",
		       (unsigned long long)(size >> 30), axv_errno_name(-rc));
	ASSERT_EQ(self->vmlck_start, axv_proc_status_kb("VmLck"));
	ASSERT_EQ(pins, axv_pinned_pages());
	assert_free(_metadata, self->vm.fd, S1, gpa, AXV_PAGE_SIZE);
}

TEST_F(memory, uaddr_wrap)
{
	int fd = self->vm.fd;

	ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, T_GPA, 2 * AXV_PAGE_SIZE,
					  0xfffffffffffff000ULL));
	ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, T_GPA, 0x10000000ULL,
					  0xfffffffff8000000ULL));
	assert_free(_metadata, fd, S1, T_GPA, T_SIZE);
}

TEST_F(memory, overlap)
{
	static const struct {
		const char *what;
		__s64 start;	/* relative to T_GPA, in pages */
		__u64 pages;
	} bad[] = {
		{ "identical",		 0, 16 },
		{ "overlapping the start", -8, 16 },
		{ "overlapping the end",  15, 2 },
		{ "contained",		 4, 1 },
		{ "containing",		-16, 64 },
		{ "same start, longer",	 0, 17 },
		{ "same end, shorter",	 8, 8 },
	};
	int fd = self->vm.fd;
	char *p = map_anon(64 * AXV_PAGE_SIZE);
	char *q = map_anon(64 * AXV_PAGE_SIZE);
	unsigned int i;
	int rc;

	ASSERT_EQ(0, axv_set_region(fd, S1, 0, T_GPA, 16 * AXV_PAGE_SIZE,
				    uaddr(p)));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		__u64 gpa = T_GPA + bad[i].start * (__s64)AXV_PAGE_SIZE;

		rc = axv_set_region(fd, S2, 0, gpa, bad[i].pages * AXV_PAGE_SIZE,
				    uaddr(q));
		ASSERT_EQ(-EINVAL, rc)
			TH_LOG("slot 2 %s slot 1 ([%#llx, +%llu pages)): expected EINVAL, got %s",
			       bad[i].what, (unsigned long long)gpa,
			       (unsigned long long)bad[i].pages,
			       axv_errno_name(-rc));
	}
	/* read-only does not make an overlap legal */
	ASSERT_EQ(-EINVAL, axv_set_region(fd, S2, AXVCPU_MEM_READONLY, T_GPA,
					  AXV_PAGE_SIZE, uaddr(q)));
	/* adjacent below and above are fine */
	ASSERT_EQ(0, axv_set_region(fd, S2, 0, T_GPA - AXV_PAGE_SIZE,
				    AXV_PAGE_SIZE, uaddr(q)))
		TH_LOG("a slot right below another must be accepted");
	ASSERT_EQ(0, axv_set_region(fd, S3, 0, T_GPA + 16 * AXV_PAGE_SIZE,
				    AXV_PAGE_SIZE, uaddr(q) + AXV_PAGE_SIZE))
		TH_LOG("a slot right above another must be accepted");
	/* after deleting slot 1 its range is free again */
	ASSERT_EQ(0, axv_set_region(fd, S1, 0, 0, 0, 0));
	assert_free(_metadata, fd, S1, T_GPA, 16 * AXV_PAGE_SIZE);
	munmap(p, 64 * AXV_PAGE_SIZE);
	munmap(q, 64 * AXV_PAGE_SIZE);
}

TEST_F(memory, slot_in_use)
{
	int fd = self->vm.fd;
	void *p = map_anon(T_SIZE);

	ASSERT_EQ(0, axv_set_region(fd, S1, 0, T_GPA, T_SIZE, uaddr(p)));
	/* a used slot cannot be changed in place, even elsewhere */
	ASSERT_EQ(-EEXIST, axv_set_region(fd, S1, 0, T_GPA2, T_SIZE, uaddr(p)));
	ASSERT_EQ(-EEXIST, axv_set_region(fd, S1, AXVCPU_MEM_READONLY, T_GPA2,
					  T_SIZE, uaddr(p)));
	/* the original slot is unchanged: its range still overlaps */
	ASSERT_EQ(-EINVAL, axv_set_region(fd, S2, 0, T_GPA, AXV_PAGE_SIZE, uaddr(p)));
	/* and nothing was added at the other range */
	assert_free(_metadata, fd, S2, T_GPA2, T_SIZE);
	munmap(p, T_SIZE);
}

TEST_F(memory, delete_empty_slot)
{
	ASSERT_EQ(-ENOENT, axv_set_region(self->vm.fd, S1, 0, 0, 0, 0));
	ASSERT_EQ(-ENOENT, axv_set_region(self->vm.fd,
					  self->vm.info.max_memory_regions - 1,
					  0, T_GPA, 0, 0));
	assert_free(_metadata, self->vm.fd, S1, T_GPA, T_SIZE);
}

TEST_F(memory, unmapped_user_memory)
{
	int fd = self->vm.fd;
	long long pins = axv_pinned_pages(), now;
	char *p = map_anon(4 * AXV_PAGE_SIZE);
	char *ro;

	/* nothing mapped there */
	munmap(p, 4 * AXV_PAGE_SIZE);
	ASSERT_EQ(-EFAULT, axv_set_region(fd, S1, 0, T_GPA, 4 * AXV_PAGE_SIZE,
					  uaddr(p)));
	/* the first pages mapped, the last not: the pinned ones are released */
	p = map_anon(4 * AXV_PAGE_SIZE);
	memset(p, 1, 4 * AXV_PAGE_SIZE);
	munmap(p + 3 * AXV_PAGE_SIZE, AXV_PAGE_SIZE);
	ASSERT_EQ(-EFAULT, axv_set_region(fd, S1, 0, T_GPA, 4 * AXV_PAGE_SIZE,
					  uaddr(p)));
	now = axv_poll_value(axv_pinned_pages, pins, 3000);
	ASSERT_EQ(pins, now)
		TH_LOG("a failed SET_MEMORY_REGION left %lld pages pinned",
		       now - pins);
	ASSERT_EQ(self->vmlck_start, axv_proc_status_kb("VmLck"))
		TH_LOG("a failed SET_MEMORY_REGION left VmLck at %ld kB, was %ld kB",
		       axv_proc_status_kb("VmLck"), self->vmlck_start);
	/* a writable slot over read-only user memory */
	ro = mmap(NULL, T_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(-EFAULT, axv_set_region(fd, S1, 0, T_GPA, T_SIZE, uaddr(ro)));
	assert_free(_metadata, fd, S1, T_GPA, T_SIZE);
	munmap(ro, T_SIZE);
	munmap(p, 3 * AXV_PAGE_SIZE);
}

/* A read-only slot accepts a read-only shared mapping of a file. */
TEST_F(memory, readonly_file_mapping)
{
	__u32 data[AXV_PAGE_SIZE / 4], i;
	int memfd, rc;
	void *ro;

	AXV_REQUIRE_FEATURE(&self->vm.info, AXVCPU_FEATURE_READONLY_MEM);
	for (i = 0; i < ARRAY_SIZE(data); i++)
		data[i] = 0x5eed0000 + i;
	memfd = memfd_create("axvcpu-ro", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(sizeof(data), write(memfd, data, sizeof(data)));
	ro = mmap(NULL, sizeof(data), PROT_READ, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, ro);

	rc = axv_set_region(self->vm.fd, S1, 0, T_GPA, sizeof(data), uaddr(ro));
	ASSERT_EQ(-EFAULT, rc)
		TH_LOG("writable slot over a read-only mapping: expected EFAULT, got %s",
		       axv_errno_name(-rc));
	rc = axv_set_region(self->vm.fd, S1, AXVCPU_MEM_READONLY, T_GPA,
			    sizeof(data), uaddr(ro));
	ASSERT_EQ(0, rc)
		TH_LOG("read-only slot over a read-only mapping: expected success, got %s",
		       axv_errno_name(-rc));
	probe_gpa(_metadata, &self->vm, self->probe, T_GPA + 8, true, data[2]);
	ASSERT_EQ(0, axv_set_region(self->vm.fd, S1, 0, 0, 0, 0));
	munmap(ro, sizeof(data));
	close(memfd);
}

/* After each failed add, a guest read of the GPA is still MMIO. */
TEST_F(memory, failed_add_leaves_gpa_unmapped)
{
	struct axv_vcpu *vcpu = self->probe;
	struct axv_vm *vm = &self->vm;
	int fd = self->vm.fd;
	char *p, *q;

	p = map_anon(4 * AXV_PAGE_SIZE);
	q = map_anon(4 * AXV_PAGE_SIZE);
	memset(p, 0x11, 4 * AXV_PAGE_SIZE);
	*(__u32 *)p = 0x12345678;

	probe_gpa(_metadata, vm, vcpu, T_GPA, false, 0);

	/* EFAULT half way: the first pages must not stay mapped */
	munmap(p + 2 * AXV_PAGE_SIZE, 2 * AXV_PAGE_SIZE);
	ASSERT_EQ(-EFAULT, axv_set_region(fd, S1, 0, T_GPA, 4 * AXV_PAGE_SIZE,
					  uaddr(p)));
	probe_gpa(_metadata, vm, vcpu, T_GPA, false, 0);
	/* EINVAL for an overlap with a slot further up */
	ASSERT_EQ(0, axv_set_region(fd, S2, 0, T_GPA + 2 * AXV_PAGE_SIZE,
				    AXV_PAGE_SIZE, uaddr(q)));
	ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, T_GPA, 4 * AXV_PAGE_SIZE,
					  uaddr(q)));
	probe_gpa(_metadata, vm, vcpu, T_GPA, false, 0);
	/* EINVAL for a flag, a size, EEXIST for a used slot */
	ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 1U << 5, T_GPA, AXV_PAGE_SIZE,
					  uaddr(p)));
	probe_gpa(_metadata, vm, vcpu, T_GPA, false, 0);
	ASSERT_EQ(-EINVAL, axv_set_region(fd, S1, 0, T_GPA, AXV_PAGE_SIZE + 8,
					  uaddr(p)));
	probe_gpa(_metadata, vm, vcpu, T_GPA, false, 0);
	ASSERT_EQ(-EEXIST, axv_set_region(fd, S2, 0, T_GPA, AXV_PAGE_SIZE,
					  uaddr(p)));
	probe_gpa(_metadata, vm, vcpu, T_GPA, false, 0);

	/* and a good one maps it */
	ASSERT_EQ(0, axv_set_region(fd, S1, 0, T_GPA, 2 * AXV_PAGE_SIZE,
				    uaddr(p)));
	probe_gpa(_metadata, vm, vcpu, T_GPA, true, 0x12345678);
	munmap(q, 4 * AXV_PAGE_SIZE);
}

/* A deleted slot is gone from the guest's view at once. */
TEST_F(memory, delete_unmaps_from_guest)
{
	struct axv_vcpu *vcpu = self->probe;
	struct axv_vm *vm = &self->vm;
	__u32 *p;

	p = axv_mem_add(vm, S1, T_GPA, T_SIZE, 0, NULL);
	p[1] = 0xa5a5f00d;
	probe_gpa(_metadata, vm, vcpu, T_GPA + 4, true, 0xa5a5f00d);
	/* the guest sees host writes: it is the same memory */
	p[1] = 0x0badcafe;
	probe_gpa(_metadata, vm, vcpu, T_GPA + 4, true, 0x0badcafe);
	axv_mem_delete(vm, S1);
	probe_gpa(_metadata, vm, vcpu, T_GPA + 4, false, 0);
	/* re-added elsewhere: the old GPA stays MMIO, the new one is memory */
	p = axv_mem_add(vm, S1, T_GPA2, T_SIZE, 0, NULL);
	p[1] = 0x600dd00d;
	probe_gpa(_metadata, vm, vcpu, T_GPA + 4, false, 0);
	probe_gpa(_metadata, vm, vcpu, T_GPA2 + 4, true, 0x600dd00d);
}

/*
 * Deleting a slot that a running guest reads in a loop: the guest's next
 * read after SET_MEMORY_REGION returns is an MMIO exit (stage-2 mapping
 * removed and the running vCPU's TLB flushed).
 */
TEST_F_TIMEOUT(memory, delete_while_guest_reads, 90)
{
	struct axv_runner r = { 0 };
	struct axv_watchdog wd;
	volatile __u64 *counter;
	struct axv_vcpu *vcpu;
	struct axv_vm vm;
	__u64 c0;
	pthread_t t;
	int ms;

	axv_guest_vm_create(&vm);
	axv_mem_add(&vm, S1, T_GPA, T_SIZE, 0, NULL);
	counter = axv_guest_global(&vm, reader_count);
	vcpu = axv_guest_vcpu_free(&vm, 0, 0, reader_guest);
	r.vcpu = vcpu;

	axv_thread_run(&t, axv_bind_and_run, &r);
	axv_watchdog_arm(&wd, t, 20);
	for (ms = 0; ms < 10000 && *counter < 1000; ms += 5)
		axv_msleep(5);
	c0 = *counter;
	axv_mem_delete(&vm, S1);
	pthread_join(t, NULL);
	ASSERT_FALSE(axv_watchdog_disarm(&wd))
		TH_LOG("the guest went on reading the deleted slot for 20 s");
	ASSERT_LE(1000, c0) TH_LOG("the guest was not running its loop");
	ASSERT_EQ(0, r.bind_rc) TH_LOG("BIND: %s", axv_errno_name(-r.bind_rc));
	ASSERT_EQ(0, r.rc) TH_LOG("RUN: %s", axv_errno_name(-r.rc));
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_MMIO_READ);
	ASSERT_RUN_FIELD(vcpu, "mmio.addr", T_GPA, vcpu->run->mmio.addr);
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
}

/* VmLck grows by the slot size and comes back after delete and close. */
TEST_F(memory, vmlck_accounting)
{
	const __u64 size = 4 * AXV_MiB;
	long start = self->vmlck_start, now;
	struct axv_vm vm2;
	void *p = map_anon(size);

	memset(p, 0, size);
	ASSERT_EQ(0, axv_set_region(self->vm.fd, S1, 0, T_GPA, size, uaddr(p)));
	now = axv_proc_status_kb("VmLck");
	ASSERT_EQ(start + (long)(size / 1024), now)
		TH_LOG("VmLck after adding %llu kB: expected %ld kB, got %ld kB",
		       (unsigned long long)size / 1024, start + (long)(size / 1024),
		       now);
	ASSERT_EQ(0, axv_set_region(self->vm.fd, S1, 0, 0, 0, 0));
	now = axv_proc_status_kb("VmLck");
	ASSERT_EQ(start, now)
		TH_LOG("VmLck after delete: expected %ld kB, got %ld kB", start, now);

	/* a read-only slot is charged as well */
	if (self->vm.info.flags & AXVCPU_FEATURE_READONLY_MEM) {
		ASSERT_EQ(0, axv_set_region(self->vm.fd, S1, AXVCPU_MEM_READONLY,
					    T_GPA, size, uaddr(p)));
		ASSERT_EQ(start + (long)(size / 1024), axv_proc_status_kb("VmLck"));
		ASSERT_EQ(0, axv_set_region(self->vm.fd, S1, 0, 0, 0, 0));
		ASSERT_EQ(start, axv_proc_status_kb("VmLck"));
	}

	/* closing the VM releases everything */
	axv_vm_create(&vm2);
	ASSERT_EQ(0, axv_set_region(vm2.fd, 0, 0, T_GPA, size, uaddr(p)));
	ASSERT_EQ(0, axv_set_region(vm2.fd, 1, 0, T_GPA2, size, uaddr(p)));
	ASSERT_EQ(start + 2 * (long)(size / 1024), axv_proc_status_kb("VmLck"));
	axv_vm_close(&vm2);
	now = axv_proc_status_kb("VmLck");
	ASSERT_EQ(start, now)
		TH_LOG("VmLck after closing the VM: expected %ld kB, got %ld kB",
		       start, now);
	munmap(p, size);
}

/* Without CAP_IPC_LOCK, RLIMIT_MEMLOCK bounds the pinned memory. */
TEST_F(memory, memlock_rlimit)
{
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	long start;
	void *p = map_anon(AXV_MiB);
	int rc;

	/* 64 kB more than what the fixture's code slot holds already */
	start = axv_proc_status_kb("VmLck");
	rl.rlim_cur = rl.rlim_max = 64 * 1024 + start * 1024;
	ASSERT_OK(setrlimit(RLIMIT_MEMLOCK, &rl));
	axv_drop_cap_ipc_lock();

	rc = axv_set_region(self->vm.fd, S1, 0, T_GPA, AXV_MiB, uaddr(p));
	ASSERT_EQ(-ENOMEM, rc)
		TH_LOG("1 MiB slot over a 64 kB RLIMIT_MEMLOCK without CAP_IPC_LOCK: expected ENOMEM, got %s",
		       axv_errno_name(-rc));
	ASSERT_EQ(start, axv_proc_status_kb("VmLck"))
		TH_LOG("the failed call left VmLck changed");
	/* within the limit */
	rc = axv_set_region(self->vm.fd, S1, 0, T_GPA, 32 * 1024, uaddr(p));
	ASSERT_EQ(0, rc)
		TH_LOG("32 kB slot within the limit: %s", axv_errno_name(-rc));
	ASSERT_EQ(start + 32, axv_proc_status_kb("VmLck"));
	/* the sum counts: 32 + 64 > 64 */
	rc = axv_set_region(self->vm.fd, S2, 0, T_GPA2, 64 * 1024, uaddr(p));
	ASSERT_EQ(-ENOMEM, rc)
		TH_LOG("second slot beyond the limit: expected ENOMEM, got %s",
		       axv_errno_name(-rc));
	rc = axv_set_region(self->vm.fd, S2, 0, T_GPA2, 32 * 1024, uaddr(p));
	ASSERT_EQ(0, rc)
		TH_LOG("second 32 kB slot, exactly at the limit: %s",
		       axv_errno_name(-rc));
	/* deleting uncharges */
	ASSERT_EQ(0, axv_set_region(self->vm.fd, S1, 0, 0, 0, 0));
	ASSERT_EQ(0, axv_set_region(self->vm.fd, S2, 0, 0, 0, 0));
	ASSERT_EQ(start, axv_proc_status_kb("VmLck"));
	munmap(p, AXV_MiB);
}

/* With CAP_IPC_LOCK (root), the limit does not apply. */
TEST_F(memory, memlock_rlimit_cap_ipc_lock)
{
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	void *p = map_anon(AXV_MiB);
	int rc;

	if (geteuid() != 0)
		SKIP(return, "needs root (CAP_IPC_LOCK)");
	rl.rlim_cur = rl.rlim_max = 64 * 1024 +
				    axv_proc_status_kb("VmLck") * 1024;
	ASSERT_OK(setrlimit(RLIMIT_MEMLOCK, &rl));
	rc = axv_set_region(self->vm.fd, S1, 0, T_GPA, AXV_MiB, uaddr(p));
	ASSERT_EQ(0, rc)
		TH_LOG("1 MiB slot over a 64 kB limit with CAP_IPC_LOCK: expected success, got %s",
		       axv_errno_name(-rc));
	ASSERT_EQ(0, axv_set_region(self->vm.fd, S1, 0, 0, 0, 0));
	munmap(p, AXV_MiB);
}

/*
 * Read-only slot: guest reads work, a guest write ends RUN with
 * NESTED_PAGE_FAULT (Documentation/api.rst) before the store is done, the
 * memory is unchanged, and the write is retried by the next RUN: it faults
 * again at the same PC, and completes once the slot is writable. (The
 * exact RIP of the store is checked in x86/memory_x86_test.c.)
 */
TEST_F(memory, readonly_slot)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	__u64 pc;
	__u32 *ro;

	AXV_REQUIRE_FEATURE(&self->vm.info, AXVCPU_FEATURE_READONLY_MEM);
	vcpu = axv_guest_vm(&vm, ro_guest, 0);
	ro = map_anon(T_SIZE);
	ro[0] = 0xc0ffee00;
	ro[4] = 0x11111111;
	axv_mem_add(&vm, S1, RO_GPA, T_SIZE, AXVCPU_MEM_READONLY, ro);

	ASSERT_RUN_SYNC(vcpu, 0xc0ffee00);
	ASSERT_RUN_NPF(vcpu, RO_GPA + 0x10, AXVCPU_ACCESS_WRITE);
	pc = axv_vcpu_pc(vcpu);
	ASSERT_TRUE(pc_in_fn(vcpu, ro_guest))
		TH_LOG("PC after the fault %#llx: expected the store in ro_guest at %p",
		       (unsigned long long)pc, ro_guest);
	ASSERT_EQ(0x11111111, ro[4])
		TH_LOG("the guest wrote a read-only slot: %#x", ro[4]);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);

	/* retried: faults again, at the same instruction */
	ASSERT_RUN_NPF(vcpu, RO_GPA + 0x10, AXVCPU_ACCESS_WRITE);
	ASSERT_EQ(pc, axv_vcpu_pc(vcpu))
		TH_LOG("the retried store faulted at another PC");
	ASSERT_EQ(0x11111111, ro[4]);

	/* make it writable: the retried store now completes */
	axv_mem_delete(&vm, S1);
	axv_mem_add(&vm, S1, RO_GPA, T_SIZE, 0, ro);
	ASSERT_RUN_SYNC(vcpu, 0xdeadbeef);
	ASSERT_EQ(0xdeadbeef, ro[4]);
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
}

/*
 * The guest may execute from a read-only slot: it calls a copy of ro_code
 * there, which reports through a function of slot 0 and returns.
 */
TEST_F(memory, readonly_slot_exec)
{
	__u64 page = (__u64)(uintptr_t)ro_code & ~(AXV_PAGE_SIZE - 1);
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axv_ucall uc;
	char *ro;

	AXV_REQUIRE_FEATURE(&self->vm.info, AXVCPU_FEATURE_READONLY_MEM);
	vcpu = axv_guest_vm(&vm, ro_call_guest, 0);
	ro = map_anon(T_SIZE);
	/* ro_code's page and the next, in case it crosses into it */
	memcpy(ro, (const void *)(uintptr_t)page, 2 * AXV_PAGE_SIZE);
	axv_mem_add(&vm, S1, RO_GPA, T_SIZE, AXVCPU_MEM_READONLY, ro);

	ASSERT_RUN_UCALL(vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(RO_REPORT, uc.args[0]);
	ASSERT_EQ(0x77, uc.args[1]) TH_LOG("ro_code reported %#llx",
					   (unsigned long long)uc.args[1]);
	ASSERT_RUN_UCALL(vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(RO_RESULT, uc.args[0]);
	ASSERT_EQ(0x78, uc.args[1]) TH_LOG("ro_code returned %#llx",
					   (unsigned long long)uc.args[1]);
	ASSERT_RUN_DONE(vcpu);
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
}

/* ---- memory behind huge pages ---- */

#define HUGE_2M		(2 * AXV_MiB)
#define HUGE_GPA	(AXV_GUEST_FREE_GPA + 2 * HUGE_2M)	/* 2 MiB aligned */
#define HUGE_SIZE	(2 * HUGE_2M)
#define HUGE_PAGES	(HUGE_SIZE / AXV_PAGE_SIZE)
#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static bool write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%ld\n", v) > 0;
	return fclose(f) == 0 && ok;
}

/* Each 4 KiB page of @p says which it is, at byte 8 of the page. */
static void fill_pages(__u32 *p, __u32 tag)
{
	unsigned long i;

	for (i = 0; i < HUGE_PAGES; i++)
		p[i * (AXV_PAGE_SIZE / 4) + 2] = tag ^ (__u32)i;
}

/*
 * The guest reads pages across both huge pages of a slot at @gpa: the
 * first and last of each 2 MiB, neighbours across the 2 MiB boundary and
 * pages in between, each the host's page (or MMIO if !@mapped).
 */
static void probe_huge(struct __test_metadata *_metadata, struct axv_vm *vm,
		       struct axv_vcpu *vcpu, __u64 gpa, bool mapped, __u32 tag)
{
	static const unsigned long pages[] = {
		0, 1, 17, 255, 510, 511, 512, 513, 700, 1000, 1022, 1023,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pages); i++)
		probe_gpa(_metadata, vm, vcpu, gpa + pages[i] * AXV_PAGE_SIZE + 8,
			  mapped, tag ^ (__u32)pages[i]);
}

/*
 * A slot whose memory is two 2 MiB hugetlbfs pages: the backend may map
 * it with 2 MiB stage-2 blocks (riscv64 does; Documentation/design.rst,
 * "Guest memory"). Every page of it must still be the host's page behind
 * it; deleting it must unmap all of it; the same memory at a GPA that is
 * not 2 MiB aligned is mapped page by page, and back at the aligned GPA,
 * where page tables now remain from that, correctly again.
 */
TEST_F(memory, huge_page_backing)
{
	struct axv_vcpu *vcpu = self->probe;
	struct axv_vm *vm = &self->vm;
	long reserved = read_long(NR_HUGEPAGES);
	__u32 *p;

	if (reserved < 0)
		SKIP(return, "no %s: a kernel without hugetlbfs", NR_HUGEPAGES);
	p = mmap(NULL, HUGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED) {
		/* reserve two more huge pages for this test, and retry */
		ASSERT_TRUE(write_long(NR_HUGEPAGES, reserved + 2));
		p = mmap(NULL, HUGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE,
			 -1, 0);
	}
	ASSERT_NE(MAP_FAILED, p) TH_LOG("two 2 MiB huge pages: %s (%s = %ld)",
					axv_errno_name(errno), NR_HUGEPAGES,
					read_long(NR_HUGEPAGES));
	fill_pages(p, 0x4e6e0000);
	ASSERT_EQ(0, axv_set_region(vm->fd, S1, 0, HUGE_GPA, HUGE_SIZE,
				    (uintptr_t)p));
	probe_huge(_metadata, vm, vcpu, HUGE_GPA, true, 0x4e6e0000);
	/* the guest sees host writes: it is the same memory */
	fill_pages(p, 0x0c0f0000);
	probe_huge(_metadata, vm, vcpu, HUGE_GPA, true, 0x0c0f0000);
	ASSERT_EQ(0, axv_set_region(vm->fd, S1, 0, HUGE_GPA, 0, 0));
	probe_huge(_metadata, vm, vcpu, HUGE_GPA, false, 0);

	/* one page up: no 2 MiB of it is aligned, pages only */
	ASSERT_EQ(0, axv_set_region(vm->fd, S1, 0, HUGE_GPA + AXV_PAGE_SIZE,
				    HUGE_SIZE, (uintptr_t)p));
	probe_gpa(_metadata, vm, vcpu, HUGE_GPA + 8, false, 0);
	probe_huge(_metadata, vm, vcpu, HUGE_GPA + AXV_PAGE_SIZE, true, 0x0c0f0000);
	ASSERT_EQ(0, axv_set_region(vm->fd, S1, 0, 0, 0, 0));
	probe_huge(_metadata, vm, vcpu, HUGE_GPA + AXV_PAGE_SIZE, false, 0);

	/* back at the aligned GPA, over the tables the pages left */
	fill_pages(p, 0x7ab10000);
	ASSERT_EQ(0, axv_set_region(vm->fd, S1, 0, HUGE_GPA, HUGE_SIZE,
				    (uintptr_t)p));
	probe_huge(_metadata, vm, vcpu, HUGE_GPA, true, 0x7ab10000);
	ASSERT_EQ(0, axv_set_region(vm->fd, S1, 0, 0, 0, 0));
	probe_huge(_metadata, vm, vcpu, HUGE_GPA, false, 0);
	munmap(p, HUGE_SIZE);
	if (read_long(NR_HUGEPAGES) != reserved)
		write_long(NR_HUGEPAGES, reserved);
}

TEST_HARNESS_MAIN
