// SPDX-License-Identifier: GPL-2.0
/*
 * sysreg_x86_test: system registers by id (AXVCPU_GET_SYSREG,
 * AXVCPU_SET_SYSREG, AXVCPU_GET_SYSREG_LIST) on x86: the list, a round
 * trip of every id, what the guest reads after SET and what GET reads
 * after the guest's WRMSR, and the errors (unknown ids, values the
 * register cannot hold, small lists). Documentation/api.rst,
 * "AXVCPU_GET_SYSREG / AXVCPU_SET_SYSREG".
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

#define MSR(index)	(AXVCPU_SYSREG_X86_MSR | (index))
#define XCR0		(AXVCPU_SYSREG_X86_XCR | 0)

#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_PAT			0x277
#define MSR_TSC_AUX		0xc0000103
#define MSR_APIC_BASE		0x1b

/*
 * ECX = the MSR (set by the host): RDMSR, report EAX and EDX on ports
 * 0x41 and 0x42, then WRMSR of EDI:ESI (set by the host), OUT 0x43.
 */
X86_GUEST(sysreg_guest, ".code32",
	"rdmsr\n\t"
	"out %eax, $0x41\n\t"
	"mov %edx, %eax\n\t"
	"out %eax, $0x42\n\t"
	"mov %esi, %eax\n\t"
	"mov %edi, %edx\n\t"
	"wrmsr\n\t"
	"mov $1, %al\n\t"
	"out %al, $0x43\n\t"
	"hlt\n\t");

#define DR(n)		(AXVCPU_SYSREG_X86_DR | (n))
#define NR_DRS		6	/* DR0-DR3, DR6, DR7 */

/* Reports DR0 and DR7 (ports 0x44, 0x45), then writes 0x55 to DR3 (0x46). */
X86_GUEST(dr_guest, ".code32",
	"mov %dr0, %eax\n\t"
	"out %eax, $0x44\n\t"
	"mov %dr7, %eax\n\t"
	"out %eax, $0x45\n\t"
	"mov $0x55, %eax\n\t"
	"mov %eax, %dr3\n\t"
	"out %al, $0x46\n\t"
	"hlt\n\t");

/*
 * CR8 from 32-bit code: LOCK MOV CR0 is CR8 on CPUs with AltMovCr8
 * (CPUID 0x80000001:ECX[4], AMD APM vol. 3, MOV CRn). Reports CR8 (0x47),
 * then writes 9 to it (0x48).
 */
X86_GUEST(cr8_guest, ".code32",
	".byte 0xf0, 0x0f, 0x20, 0xc0\n\t"	/* lock mov %cr0, %eax */
	"out %eax, $0x47\n\t"
	"mov $9, %eax\n\t"
	".byte 0xf0, 0x0f, 0x22, 0xc0\n\t"	/* lock mov %eax, %cr0 */
	"out %al, $0x48\n\t"
	"hlt\n\t");

/* Two values each register can hold: one set by the host, one by the guest. */
static const struct {
	__u32 msr;
	__u64 host, guest;
} msr_values[] = {
	{ MSR_EFER,		0x800,			0x801 },
	{ MSR_PAT,		0x0007040600070406ULL,	0x0606060606060606ULL },
	{ MSR_STAR,		0x0023001000000000ULL,	0x001b000800000000ULL },
	{ MSR_LSTAR,		0xffffffff81000000ULL,	0x00007fff12345000ULL },
	{ MSR_CSTAR,		0xffffffff81000040ULL,	0x00007fff12346000ULL },
	{ MSR_SYSCALL_MASK,	0x47700,		0x200 },
	{ MSR_FS_BASE,		0x00007f0000001000ULL,	0xffff888000002000ULL },
	{ MSR_GS_BASE,		0xffff888000003000ULL,	0x00007f0000004000ULL },
	{ MSR_KERNEL_GS_BASE,	0x00007f0000005000ULL,	0xffff888000006000ULL },
	{ MSR_SYSENTER_CS,	0x10,			0x8 },
	{ MSR_SYSENTER_ESP,	0xffffc90000008000ULL,	0x0000000000009000ULL },
	{ MSR_SYSENTER_EIP,	0xffffffff81a00000ULL,	0x000000000000a000ULL },
	{ MSR_TSC_AUX,		0x1001,			0x2 },
};

FIXTURE(sysreg)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axvcpu_info info;
};

FIXTURE_SETUP(sysreg)
{
	axv_read_info(&self->info);
}

FIXTURE_TEARDOWN(sysreg)
{
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
}

static int get_sysreg(struct axv_vcpu *vcpu, __u64 id, __u64 *value)
{
	struct axvcpu_sysreg r = { .id = id };

	if (ioctl(vcpu->fd, AXVCPU_GET_SYSREG, &r))
		return -errno;
	*value = r.value;
	return 0;
}

static int set_sysreg(struct axv_vcpu *vcpu, __u64 id, __u64 value)
{
	struct axvcpu_sysreg r = { .id = id, .value = value };

	return ioctl(vcpu->fd, AXVCPU_SET_SYSREG, &r) ? -errno : 0;
}

static __u64 host_xcr0(void)
{
	__u32 eax, edx;

	asm volatile("xgetbv" : "=a" (eax), "=d" (edx) : "c" (0));
	return ((__u64)edx << 32) | eax;
}

static bool host_has_xsave(void)
{
	__u32 eax, ebx, ecx, edx;

	asm volatile("cpuid" : "=a" (eax), "=b" (ebx), "=c" (ecx), "=d" (edx)
		     : "a" (1), "c" (0));
	return ecx & (1U << 27);	/* OSXSAVE */
}

static struct axv_vcpu *sysreg_vcpu(struct axv_vm *vm)
{
	return x86_vm_with_guest(vm, sysreg_guest_start, sysreg_guest_end, 0);
}

/* The list: sized by nr = 0 (E2BIG), then filled; every id reads. */
TEST_F(sysreg, list)
{
	struct axvcpu_sysreg_list l = { .nr = 0 };
	__u64 ids[64], v = 0;
	unsigned int i, j;
	bool seen[ARRAY_SIZE(msr_values)] = { false };

	AXV_REQUIRE_X86(&self->info);
	self->vcpu = sysreg_vcpu(&self->vm);
	ASSERT_ERRNO(E2BIG, ioctl(self->vcpu->fd, AXVCPU_GET_SYSREG_LIST, &l));
	ASSERT_EQ(ARRAY_SIZE(msr_values) + NR_DRS + host_has_xsave(), l.nr);
	l.nr -= 1;
	l.ids = (__u64)(unsigned long)ids;
	ASSERT_ERRNO(E2BIG, ioctl(self->vcpu->fd, AXVCPU_GET_SYSREG_LIST, &l));
	memset(ids, 0, sizeof(ids));
	l.nr = ARRAY_SIZE(ids);
	ASSERT_OK(ioctl(self->vcpu->fd, AXVCPU_GET_SYSREG_LIST, &l));
	ASSERT_EQ(ARRAY_SIZE(msr_values) + NR_DRS + host_has_xsave(), l.nr);
	ASSERT_EQ(0, ids[l.nr]) TH_LOG("GET_SYSREG_LIST wrote past nr");
	for (i = 0; i < l.nr; i++) {
		ASSERT_EQ(0, get_sysreg(self->vcpu, ids[i], &v))
			TH_LOG("id %#llx is listed but does not read",
			       (unsigned long long)ids[i]);
		/* whatever GET gives, SET takes back */
		ASSERT_EQ(0, set_sysreg(self->vcpu, ids[i], v))
			TH_LOG("id %#llx: SET of the value read (%#llx) refused",
			       (unsigned long long)ids[i], (unsigned long long)v);
		for (j = 0; j < ARRAY_SIZE(msr_values); j++)
			if (ids[i] == MSR(msr_values[j].msr))
				seen[j] = true;
		if (ids[i] == XCR0)
			ASSERT_TRUE(host_has_xsave());
	}
	for (j = 0; j < ARRAY_SIZE(msr_values); j++)
		ASSERT_TRUE(seen[j]) TH_LOG("MSR %#x not listed", msr_values[j].msr);

	l.pad = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_GET_SYSREG_LIST, &l));
	l.pad = 0;
	l.ids = 8;
	ASSERT_ERRNO(EFAULT, ioctl(self->vcpu->fd, AXVCPU_GET_SYSREG_LIST, &l));
	ASSERT_ERRNO(EFAULT, ioctl(self->vcpu->fd, AXVCPU_GET_SYSREG_LIST, (void *)8));
}

/*
 * For each MSR: SET, the guest's RDMSR sees it (without a SYSREG exit);
 * the guest's WRMSR, GET sees that.
 */
TEST_F(sysreg, guest_sees_set_and_get_sees_guest)
{
	unsigned int i;
	__u64 v = 0;

	AXV_REQUIRE_X86(&self->info);
	x86_vm_create(&self->vm);
	x86_guest_load(&self->vm, X86_CODE_GPA, sysreg_guest_start, sysreg_guest_end);
	for (i = 0; i < ARRAY_SIZE(msr_values); i++) {
		struct axv_vcpu *vcpu = x86_vcpu_ready(&self->vm, i, 0, X86_CODE_GPA);
		__u64 h = msr_values[i].host, g = msr_values[i].guest;

		TH_LOG("MSR %#x", msr_values[i].msr);
		ASSERT_EQ(0, set_sysreg(vcpu, MSR(msr_values[i].msr), h));
		ASSERT_EQ(0, get_sysreg(vcpu, MSR(msr_values[i].msr), &v));
		ASSERT_EQ(h, v);
		axv_set_gpr(vcpu, X86_RCX, msr_values[i].msr);
		axv_set_gpr(vcpu, X86_RSI, (__u32)g);
		axv_set_gpr(vcpu, X86_RDI, g >> 32);
		ASSERT_RUN_IO_WRITE(vcpu, 0x41, 4, (__u32)h);
		ASSERT_RUN_IO_WRITE(vcpu, 0x42, 4, h >> 32);
		ASSERT_RUN_IO_WRITE(vcpu, 0x43, 1, 1);
		ASSERT_EQ(0, get_sysreg(vcpu, MSR(msr_values[i].msr), &v));
		ASSERT_EQ(g, v);
		ioctl(vcpu->fd, AXVCPU_UNBIND, 0);
		axv_vcpu_close(vcpu);
	}
}

/* The debug registers: SET, the guest reads them; the guest's MOV, GET. */
TEST_F(sysreg, debug_registers)
{
	__u64 v = 0;

	AXV_REQUIRE_X86(&self->info);
	self->vcpu = x86_vm_with_guest(&self->vm, dr_guest_start, dr_guest_end, 0);
	ASSERT_EQ(0, get_sysreg(self->vcpu, DR(7), &v));
	ASSERT_EQ(0x400, v) TH_LOG("DR7 after SETUP: its reset value");
	ASSERT_EQ(0, get_sysreg(self->vcpu, DR(6), &v));
	ASSERT_EQ(0xffff0ff0, v) TH_LOG("DR6 after SETUP: its reset value");
	ASSERT_EQ(0, set_sysreg(self->vcpu, DR(0), 0x1234));
	ASSERT_EQ(0, set_sysreg(self->vcpu, DR(7), 0x401));
	ASSERT_RUN_IO_WRITE(self->vcpu, 0x44, 4, 0x1234);
	ASSERT_RUN_IO_WRITE(self->vcpu, 0x45, 4, 0x401);
	ASSERT_RUN_IO_WRITE(self->vcpu, 0x46, 1, 0x55);
	ASSERT_EQ(0, get_sysreg(self->vcpu, DR(3), &v));
	ASSERT_EQ(0x55, v);
	ASSERT_EQ(-ENOENT, get_sysreg(self->vcpu, DR(4), &v));
	ASSERT_EQ(-ENOENT, set_sysreg(self->vcpu, DR(5), 0));
	ASSERT_EQ(-ENOENT, get_sysreg(self->vcpu, DR(8), &v));
}

/* CR8 is part of GET_REGS/SET_REGS (API version 2): both ways. */
TEST_F(sysreg, cr8_in_regs)
{
	__u32 eax, ebx, ecx, edx;
	struct axvcpu_regs regs;

	AXV_REQUIRE_X86(&self->info);
	asm volatile("cpuid" : "=a" (eax), "=b" (ebx), "=c" (ecx), "=d" (edx)
		     : "a" (0x80000001), "c" (0));
	if (!(ecx & (1U << 4)))
		SKIP(return, "no AltMovCr8: 32-bit code cannot reach CR8");
	self->vcpu = x86_vm_with_guest(&self->vm, cr8_guest_start, cr8_guest_end, 0);
	axv_get_regs(self->vcpu, &regs);
	ASSERT_EQ(0, regs.x86.cr8);
	regs.x86.cr8 = 5;
	axv_set_regs(self->vcpu, &regs);
	ASSERT_RUN_IO_WRITE(self->vcpu, 0x47, 4, 5);
	ASSERT_RUN_IO_WRITE(self->vcpu, 0x48, 1, 9);
	axv_get_regs(self->vcpu, &regs);
	ASSERT_EQ(9, regs.x86.cr8);
}

/*
 * XCR0 is the guest's own: it starts as the host's and takes what XSETBV
 * would within it (x87 on, AVX only with SSE); anything else is refused
 * and changes nothing.
 */
TEST_F(sysreg, xcr0)
{
	__u64 v = 0, host;

	AXV_REQUIRE_X86(&self->info);
	self->vcpu = sysreg_vcpu(&self->vm);
	if (!host_has_xsave()) {
		ASSERT_EQ(-ENOENT, get_sysreg(self->vcpu, XCR0, &v));
		return;
	}
	host = host_xcr0();
	ASSERT_EQ(0, get_sysreg(self->vcpu, XCR0, &v));
	ASSERT_EQ(host, v);
	ASSERT_EQ(0, set_sysreg(self->vcpu, XCR0, 0x3));
	ASSERT_EQ(0, get_sysreg(self->vcpu, XCR0, &v));
	ASSERT_EQ(0x3, v);
	ASSERT_EQ(-EINVAL, set_sysreg(self->vcpu, XCR0, 0x2));	/* no x87 */
	ASSERT_EQ(-EINVAL, set_sysreg(self->vcpu, XCR0, host | (1ULL << 62)));
	if (host & 4)	/* AVX without SSE */
		ASSERT_EQ(-EINVAL, set_sysreg(self->vcpu, XCR0, 0x5));
	ASSERT_EQ(0, get_sysreg(self->vcpu, XCR0, &v));
	ASSERT_EQ(0x3, v);
	ASSERT_EQ(0, set_sysreg(self->vcpu, XCR0, host));
	ASSERT_EQ(host, host_xcr0());
}

/* Unknown ids: ENOENT for GET and SET; nothing else changes. */
TEST_F(sysreg, unknown_ids)
{
	static const __u64 ids[] = {
		0, MSR(MSR_APIC_BASE), MSR(0x4b564dff), MSR(MSR_LSTAR) | (1ULL << 32),
		AXVCPU_SYSREG_X86_XCR | 1, AXVCPU_SYSREG_ARM64 | 0xc000,
		AXVCPU_SYSREG_RISCV_CSR | 0x200, MSR_LSTAR, ~0ULL,
	};
	unsigned int i;
	__u64 v = 0;

	AXV_REQUIRE_X86(&self->info);
	self->vcpu = sysreg_vcpu(&self->vm);
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		ASSERT_EQ(-ENOENT, get_sysreg(self->vcpu, ids[i], &v))
			TH_LOG("id %#llx", (unsigned long long)ids[i]);
		ASSERT_EQ(-ENOENT, set_sysreg(self->vcpu, ids[i], 0))
			TH_LOG("id %#llx", (unsigned long long)ids[i]);
	}
}

/* Values the register cannot hold: EINVAL, and the value stays. */
TEST_F(sysreg, bad_values)
{
	static const struct {
		__u32 msr;
		__u64 value;
	} bad[] = {
		{ MSR_PAT, 0x0000000000000002ULL },	/* type 2 is reserved */
		{ MSR_PAT, 0x0800000000000000ULL },
		{ MSR_EFER, 1ULL << 1 },		/* reserved */
		{ MSR_EFER, 1ULL << 12 },		/* SVME: the module's */
		{ MSR_EFER, 1ULL << 8 },		/* LME with paging and PAE off */
		{ MSR_LSTAR, 0x8000000000000000ULL },	/* not canonical */
		{ MSR_FS_BASE, 0x0100000000000000ULL },	/* for 48 and 57 bits */
		{ MSR_SYSENTER_EIP, 0x7fffffffffffffffULL },
		{ MSR_TSC_AUX, 1ULL << 32 },		/* bits 63:32 reserved */
	};
	struct axvcpu_sysreg r = { .id = MSR(MSR_STAR) };
	unsigned int i;
	__u64 before = 0, after = 0;

	AXV_REQUIRE_X86(&self->info);
	self->vcpu = sysreg_vcpu(&self->vm);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(0, get_sysreg(self->vcpu, MSR(bad[i].msr), &before));
		ASSERT_EQ(-EINVAL, set_sysreg(self->vcpu, MSR(bad[i].msr), bad[i].value))
			TH_LOG("MSR %#x value %#llx", bad[i].msr,
			       (unsigned long long)bad[i].value);
		ASSERT_EQ(0, get_sysreg(self->vcpu, MSR(bad[i].msr), &after));
		ASSERT_EQ(before, after);
	}
	r.flags = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_SYSREG, &r));
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_GET_SYSREG, &r));
	r.flags = 0;
	r.pad = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_SYSREG, &r));
	ASSERT_ERRNO(EFAULT, ioctl(self->vcpu->fd, AXVCPU_GET_SYSREG, (void *)8));
	ASSERT_ERRNO(EFAULT, ioctl(self->vcpu->fd, AXVCPU_SET_SYSREG, (void *)8));
}

TEST_HARNESS_MAIN
