// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid_x86_test: what CPUID returns to the guest: the default
 * (AXVCPU_GET_SUPPORTED_CPUID lists it), the VMM's own table
 * (AXVCPU_SET_CPUID: a hidden feature stays hidden, a missing leaf reads
 * as zeros, subleaves are told apart), OSXSAVE and OSPKE following the
 * guest's CR4, and the tables refused. Documentation/api.rst,
 * "AXVCPU_SET_CPUID".
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

#define HV_LEAF		0x40000000
#define ECX_SSE3	(1U << 0)
#define ECX_OSXSAVE	(1U << 27)
#define ECX_HYPERVISOR	(1U << 31)
#define ECX_VMX		(1U << 5)
#define EDX_SSE		(1U << 25)
#define ECX7_OSPKE	(1U << 4)

/* Reads a leaf and a subleaf (IN from port 0x60), reports EAX..EDX on 0x61..0x64. */
X86_GUEST(cpuid_loop_guest, ".code32",
	"1:\n\t"
	"in $0x60, %eax\n\t"
	"mov %eax, %esi\n\t"
	"in $0x60, %eax\n\t"
	"mov %eax, %ecx\n\t"
	"mov %esi, %eax\n\t"
	"cpuid\n\t"
	"out %eax, $0x61\n\t"
	"mov %ebx, %eax\n\t"
	"out %eax, $0x62\n\t"
	"mov %ecx, %eax\n\t"
	"out %eax, $0x63\n\t"
	"mov %edx, %eax\n\t"
	"out %eax, $0x64\n\t"
	"jmp 1b\n\t");

FIXTURE(cpuid)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axvcpu_info info;
	struct axvcpu_cpuid_entry *sup;
	unsigned int nsup;
};

FIXTURE_SETUP(cpuid)
{
	axv_read_info(&self->info);
	self->sup = calloc(AXVCPU_MAX_CPUID_ENTRIES, sizeof(*self->sup));
	ASSERT_NE(NULL, self->sup);
}

FIXTURE_TEARDOWN(cpuid)
{
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
	free(self->sup);
}

#define REQUIRE_CPUID() do {						\
	AXV_REQUIRE_X86(&self->info);					\
	AXV_REQUIRE_FEATURE(&self->info, AXVCPU_FEATURE_CPUID);		\
} while (0)

/* The guest's CPUID(@leaf, @sub) into @r. */
#define GUEST_CPUID(_vcpu, _leaf, _sub, _r) do {			\
	unsigned int __p;						\
	ASSERT_RUN_IO_READ(_vcpu, 0x60, 4);				\
	(_vcpu)->run->io.data = (_leaf);				\
	ASSERT_RUN_IO_READ(_vcpu, 0x60, 4);				\
	(_vcpu)->run->io.data = (_sub);					\
	for (__p = 0; __p < 4; __p++) {					\
		ASSERT_RUN_EXIT(_vcpu, AXVCPU_EXIT_IO_WRITE);		\
		ASSERT_EQ(0x61 + __p, (_vcpu)->run->io.port);		\
		(_r)[__p] = (_vcpu)->run->io.data;			\
	}								\
} while (0)

static int get_supported(int sys_fd, struct axvcpu_cpuid_entry *e, __u32 *nent)
{
	struct axvcpu_cpuid c = { .nent = *nent, .entries = (__u64)(unsigned long)e };
	int rc = ioctl(sys_fd, AXVCPU_GET_SUPPORTED_CPUID, &c) ? -errno : 0;

	*nent = c.nent;
	return rc;
}

static int set_cpuid(struct axv_vcpu *vcpu, const struct axvcpu_cpuid_entry *e,
		     __u32 nent)
{
	struct axvcpu_cpuid c = { .nent = nent, .entries = (__u64)(unsigned long)e };

	return ioctl(vcpu->fd, AXVCPU_SET_CPUID, &c) ? -errno : 0;
}

static struct axvcpu_cpuid_entry *find(struct axvcpu_cpuid_entry *e, unsigned int n,
				       __u32 function, __u32 index)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (e[i].function == function &&
		    (!(e[i].flags & AXVCPU_CPUID_SIGNIFICANT_INDEX) || e[i].index == index))
			return &e[i];
	return NULL;
}

/* Fill self->sup from GET_SUPPORTED_CPUID (E2BIG first to size it). */
#define LOAD_SUPPORTED() do {						\
	int __fd = axv_open_dev();					\
	__u32 __n = 0;							\
	ASSERT_EQ(-E2BIG, get_supported(__fd, self->sup, &__n));	\
	ASSERT_LT(0, __n);						\
	ASSERT_GE(AXVCPU_MAX_CPUID_ENTRIES, __n);			\
	ASSERT_EQ(0, get_supported(__fd, self->sup, &__n));		\
	self->nsup = __n;						\
	close(__fd);							\
} while (0)

static struct axv_vcpu *cpuid_vcpu(struct axv_vm *vm)
{
	return x86_vm_with_guest(vm, cpuid_loop_guest_start, cpuid_loop_guest_end, 0);
}

/* The default as GET_SUPPORTED_CPUID gives it: the rules of design.rst. */
TEST_F(cpuid, supported)
{
	struct axvcpu_cpuid_entry *e;
	unsigned int i, j;

	REQUIRE_CPUID();
	LOAD_SUPPORTED();
	e = find(self->sup, self->nsup, 1, 0);
	ASSERT_NE(NULL, e);
	ASSERT_TRUE(e->ecx & ECX_HYPERVISOR);
	ASSERT_FALSE(e->ecx & ECX_VMX);
	ASSERT_EQ(0, e->ebx >> 24);
	e = find(self->sup, self->nsup, HV_LEAF, 0);
	ASSERT_NE(NULL, e);
	ASSERT_EQ(0, memcmp(&e->ebx, "AxVCpuAxVCpu", 12));
	e = find(self->sup, self->nsup, 0x80000001, 0);
	ASSERT_NE(NULL, e);
	ASSERT_FALSE(e->ecx & (1U << 2)) TH_LOG("SVM offered to the guest");
	e = find(self->sup, self->nsup, 7, 0);
	ASSERT_NE(NULL, e);
	ASSERT_TRUE(e->flags & AXVCPU_CPUID_SIGNIFICANT_INDEX);
	for (i = 0; i < self->nsup; i++)
		for (j = 0; j < i; j++)
			ASSERT_FALSE(self->sup[i].function == self->sup[j].function &&
				     self->sup[i].index == self->sup[j].index)
				TH_LOG("leaf %#x.%u listed twice", self->sup[i].function,
				       self->sup[i].index);
}

/* Without a table the guest sees the default, its id as APIC ID, CR4's bits. */
TEST_F(cpuid, default_is_supported)
{
	static const __u32 leaves[][2] = {
		{ 0, 0 }, { 1, 0 }, { 7, 0 }, { 0xd, 0 }, { 0xd, 1 },
		{ 0x80000000, 0 }, { 0x80000001, 0 }, { HV_LEAF, 0 },
	};
	struct axvcpu_cpuid_entry *e;
	unsigned int i;
	__u32 r[4];

	REQUIRE_CPUID();
	LOAD_SUPPORTED();
	self->vcpu = cpuid_vcpu(&self->vm);
	for (i = 0; i < ARRAY_SIZE(leaves); i++) {
		e = find(self->sup, self->nsup, leaves[i][0], leaves[i][1]);
		if (!e)
			continue;
		GUEST_CPUID(self->vcpu, leaves[i][0], leaves[i][1], r);
		if (leaves[i][0] == 1) {
			e->ecx &= ~ECX_OSXSAVE;		/* the guest's CR4 has none */
		} else if (leaves[i][0] == 7) {
			e->ecx &= ~ECX7_OSPKE;
		}
		ASSERT_EQ(e->eax, r[0]) TH_LOG("leaf %#x", leaves[i][0]);
		ASSERT_EQ(e->ebx, r[1]) TH_LOG("leaf %#x", leaves[i][0]);
		ASSERT_EQ(e->ecx, r[2]) TH_LOG("leaf %#x", leaves[i][0]);
		ASSERT_EQ(e->edx, r[3]) TH_LOG("leaf %#x", leaves[i][0]);
	}
}

/*
 * The VMM's table: SSE3 and SSE hidden, its own hypervisor leaf, a leaf
 * left out (zeros), OSXSAVE and OSPKE set in the table but clear for the
 * guest (its CR4 has neither).
 */
TEST_F(cpuid, table_is_what_the_guest_sees)
{
	struct axvcpu_cpuid_entry *e;
	unsigned int i, n = 0;
	__u32 r[4];

	REQUIRE_CPUID();
	LOAD_SUPPORTED();
	self->vcpu = cpuid_vcpu(&self->vm);
	/* everything but 0x80000008 */
	for (i = 0; i < self->nsup; i++)
		if (self->sup[i].function != 0x80000008)
			self->sup[n++] = self->sup[i];
	e = find(self->sup, n, 1, 0);
	ASSERT_NE(NULL, e);
	e->ecx = (e->ecx & ~ECX_SSE3) | ECX_OSXSAVE;
	e->edx &= ~EDX_SSE;
	e->ebx = (e->ebx & 0x00ffffff) | (5U << 24);
	e = find(self->sup, n, 7, 0);
	ASSERT_NE(NULL, e);
	e->ecx |= ECX7_OSPKE;
	e = find(self->sup, n, HV_LEAF, 0);
	ASSERT_NE(NULL, e);
	memcpy(&e->ebx, "TestTestTest", 12);
	ASSERT_EQ(0, set_cpuid(self->vcpu, self->sup, n));

	GUEST_CPUID(self->vcpu, 1, 0, r);
	ASSERT_FALSE(r[2] & ECX_SSE3);
	ASSERT_FALSE(r[3] & EDX_SSE);
	ASSERT_FALSE(r[2] & ECX_OSXSAVE) TH_LOG("OSXSAVE without CR4.OSXSAVE");
	ASSERT_EQ(5, r[1] >> 24) TH_LOG("the table's APIC ID is the guest's");
	GUEST_CPUID(self->vcpu, 7, 0, r);
	ASSERT_FALSE(r[2] & ECX7_OSPKE) TH_LOG("OSPKE without CR4.PKE");
	GUEST_CPUID(self->vcpu, HV_LEAF, 0, r);
	ASSERT_EQ(0, memcmp(&r[1], "TestTestTest", 12));
	GUEST_CPUID(self->vcpu, 0x80000008, 0, r);
	ASSERT_EQ(0, r[0] | r[1] | r[2] | r[3]);
}

/* Subleaves: significant ones told apart, others matching any ECX. */
TEST_F(cpuid, subleaves)
{
	struct axvcpu_cpuid_entry t[] = {
		{ .function = 7, .index = 0, .flags = AXVCPU_CPUID_SIGNIFICANT_INDEX,
		  .eax = 1, .ebx = 0x1111 },
		{ .function = 7, .index = 1, .flags = AXVCPU_CPUID_SIGNIFICANT_INDEX,
		  .ebx = 0x2222 },
		{ .function = 0x20, .eax = 5, .edx = 0x55 },
	};
	__u32 r[4];

	REQUIRE_CPUID();
	self->vcpu = cpuid_vcpu(&self->vm);
	ASSERT_EQ(0, set_cpuid(self->vcpu, t, ARRAY_SIZE(t)));
	GUEST_CPUID(self->vcpu, 7, 0, r);
	ASSERT_EQ(0x1111, r[1]);
	GUEST_CPUID(self->vcpu, 7, 1, r);
	ASSERT_EQ(0x2222, r[1]);
	GUEST_CPUID(self->vcpu, 7, 2, r);
	ASSERT_EQ(0, r[0] | r[1] | r[2] | r[3]);
	GUEST_CPUID(self->vcpu, 0x20, 9, r);
	ASSERT_EQ(5, r[0]);
	ASSERT_EQ(0x55, r[3]);
	/* nent 0: the default again */
	ASSERT_EQ(0, set_cpuid(self->vcpu, NULL, 0));
	GUEST_CPUID(self->vcpu, HV_LEAF, 0, r);
	ASSERT_EQ(0, memcmp(&r[1], "AxVCpuAxVCpu", 12));
}

/* Tables refused: E2BIG, EINVAL, EFAULT, and the table in force stays. */
TEST_F(cpuid, bad_tables)
{
	struct axvcpu_cpuid_entry good = { .function = HV_LEAF, .ebx = 0x4b4f };
	struct axvcpu_cpuid_entry *big;
	struct axvcpu_cpuid_entry t[2];
	struct axvcpu_cpuid c = { 0 };
	__u32 r[4];

	REQUIRE_CPUID();
	self->vcpu = cpuid_vcpu(&self->vm);
	ASSERT_EQ(0, set_cpuid(self->vcpu, &good, 1));

	big = calloc(AXVCPU_MAX_CPUID_ENTRIES + 1, sizeof(*big));
	ASSERT_NE(NULL, big);
	ASSERT_EQ(-E2BIG, set_cpuid(self->vcpu, big, AXVCPU_MAX_CPUID_ENTRIES + 1));
	free(big);
	/* two entries for one leaf */
	memset(t, 0, sizeof(t));
	t[0].function = t[1].function = 3;
	ASSERT_EQ(-EINVAL, set_cpuid(self->vcpu, t, 2));
	t[1].flags = AXVCPU_CPUID_SIGNIFICANT_INDEX;
	ASSERT_EQ(-EINVAL, set_cpuid(self->vcpu, t, 2));
	t[0].flags = AXVCPU_CPUID_SIGNIFICANT_INDEX;
	t[0].index = t[1].index = 4;
	ASSERT_EQ(-EINVAL, set_cpuid(self->vcpu, t, 2));
	/* unknown flag, pad */
	memset(t, 0, sizeof(t));
	t[0].flags = 1U << 1;
	ASSERT_EQ(-EINVAL, set_cpuid(self->vcpu, t, 1));
	t[0].flags = 0;
	t[0].pad = 1;
	ASSERT_EQ(-EINVAL, set_cpuid(self->vcpu, t, 1));
	c.nent = 1;
	c.flags = 1;
	c.entries = (__u64)(unsigned long)&good;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_CPUID, &c));
	c.flags = 0;
	c.entries = 8;
	ASSERT_ERRNO(EFAULT, ioctl(self->vcpu->fd, AXVCPU_SET_CPUID, &c));
	ASSERT_ERRNO(EFAULT, ioctl(self->vcpu->fd, AXVCPU_SET_CPUID, (void *)8));

	GUEST_CPUID(self->vcpu, HV_LEAF, 0, r);
	ASSERT_EQ(0x4b4f, r[1]) TH_LOG("a refused table replaced the one in force");
}

TEST_HARNESS_MAIN
