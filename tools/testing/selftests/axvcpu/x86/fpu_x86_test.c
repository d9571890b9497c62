// SPDX-License-Identifier: GPL-2.0
/*
 * fpu_x86_test: a vCPU's FP/SSE state through AXVCPU_GET_FPU and
 * AXVCPU_SET_FPU, in the standard XSAVE format: its size as GET_INFO and
 * CPUID report it, what the guest sees after SET, what GET sees after the
 * guest, and the images XRSTOR would refuse (EINVAL, nothing changed).
 * Documentation/api.rst, "AXVCPU_GET_FPU / AXVCPU_SET_FPU".
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

/* FXSAVE/XSAVE layout (SDM vol. 1, 10.5.1 and 13.4) */
#define FCW_OFF		0
#define MXCSR_OFF	24
#define XMM_OFF(n)	(160 + 16 * (n))
#define XSTATE_BV_OFF	512
#define XCOMP_BV_OFF	520
#define HDR_RSVD_OFF	528

/*
 * Reports XMM3's low dword (port 0x50), FCW (0x51) and MXCSR (0x52),
 * then loads 0x12345678 into XMM5 and 0x137f into FCW and says so (0x53).
 */
X86_GUEST(fpu_guest, ".code32",
	"movd %xmm3, %eax\n\t"
	"out %eax, $0x50\n\t"
	"fnstcw " __stringify(X86_DATA_GPA) "\n\t"
	"movzwl " __stringify(X86_DATA_GPA) ", %eax\n\t"
	"out %eax, $0x51\n\t"
	"stmxcsr " __stringify(X86_DATA_GPA) "\n\t"
	"mov " __stringify(X86_DATA_GPA) ", %eax\n\t"
	"out %eax, $0x52\n\t"
	"mov $0x12345678, %eax\n\t"
	"movd %eax, %xmm5\n\t"
	"movw $0x137f, " __stringify(X86_DATA_GPA) "\n\t"
	"fldcw " __stringify(X86_DATA_GPA) "\n\t"
	"mov $1, %al\n\t"
	"out %al, $0x53\n\t"
	"hlt\n\t");

FIXTURE(fpu)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axvcpu_info info;
	unsigned char *buf;
};

FIXTURE_SETUP(fpu)
{
	axv_read_info(&self->info);
	self->buf = calloc(1, self->info.fpu_state_size + 64);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(fpu)
{
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
	free(self->buf);
}

static int fpu_ioctl(struct axv_vcpu *vcpu, unsigned long cmd, struct axvcpu_fpu *f,
		     __u32 arch, __u32 size, void *buf)
{
	memset(f, 0, sizeof(*f));
	f->arch = arch;
	f->size = size;
	f->addr = (__u64)(unsigned long)buf;
	return ioctl(vcpu->fd, cmd, f) ? -errno : 0;
}

static bool host_osxsave(void)
{
	__u32 eax, ebx, ecx, edx;

	asm volatile("cpuid" : "=a" (eax), "=b" (ebx), "=c" (ecx), "=d" (edx)
		     : "a" (1), "c" (0));
	return ecx & (1U << 27);
}

/* CPUID.(EAX=0DH,ECX=0).EBX: the XSAVE area for the XCR0 in use. */
static __u32 host_xsave_size(void)
{
	__u32 eax, ebx, ecx, edx;

	asm volatile("cpuid" : "=a" (eax), "=b" (ebx), "=c" (ecx), "=d" (edx)
		     : "a" (0xd), "c" (0));
	return ebx;
}

static void put32(unsigned char *b, unsigned int off, __u32 v)
{
	memcpy(b + off, &v, sizeof(v));
}

static __u32 get32(const unsigned char *b, unsigned int off)
{
	__u32 v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static void put64(unsigned char *b, unsigned int off, __u64 v)
{
	memcpy(b + off, &v, sizeof(v));
}

static struct axv_vcpu *fpu_vcpu(struct axv_vm *vm)
{
	struct axv_vcpu *vcpu = x86_vm_with_guest(vm, fpu_guest_start, fpu_guest_end, 0);

	x86_vcpu_set_cr4(vcpu, X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	return vcpu;
}

/* The size: GET_INFO's, CPUID's, and GET_FPU's E2BIG answer. */
TEST_F(fpu, size)
{
	struct axvcpu_fpu f;

	AXV_REQUIRE_X86(&self->info);
	ASSERT_EQ(host_osxsave() ? host_xsave_size() : 512, self->info.fpu_state_size);
	self->vcpu = fpu_vcpu(&self->vm);
	ASSERT_EQ(-E2BIG, fpu_ioctl(self->vcpu, AXVCPU_GET_FPU, &f, 0, 0, self->buf));
	ASSERT_EQ(self->info.fpu_state_size, f.size);
	ASSERT_EQ(self->info.arch, f.arch);
	ASSERT_EQ(-E2BIG, fpu_ioctl(self->vcpu, AXVCPU_GET_FPU, &f, 0,
				    self->info.fpu_state_size - 1, self->buf));
	ASSERT_EQ(0, fpu_ioctl(self->vcpu, AXVCPU_GET_FPU, &f, 0,
			       self->info.fpu_state_size + 64, self->buf));
	ASSERT_EQ(self->info.fpu_state_size, f.size);
	/* the reset state: FCW 0x37f, MXCSR 0x1f80 */
	ASSERT_EQ(0x37f, get32(self->buf, FCW_OFF) & 0xffff);
	ASSERT_EQ(0x1f80, get32(self->buf, MXCSR_OFF));
}

/* SET_FPU, the guest sees it; the guest changes it, GET_FPU sees that. */
TEST_F(fpu, round_trip_through_the_guest)
{
	__u32 size = self->info.fpu_state_size;
	struct axvcpu_fpu f;

	AXV_REQUIRE_X86(&self->info);
	self->vcpu = fpu_vcpu(&self->vm);
	ASSERT_EQ(0, fpu_ioctl(self->vcpu, AXVCPU_GET_FPU, &f, 0, size, self->buf));
	put32(self->buf, XMM_OFF(3), 0xcafef00d);
	put32(self->buf, FCW_OFF, 0x27f);
	put32(self->buf, MXCSR_OFF, 0x9f80);		/* FTZ set */
	if (size > 512)					/* XSTATE_BV: x87 and SSE in use */
		put64(self->buf, XSTATE_BV_OFF, get32(self->buf, XSTATE_BV_OFF) | 3);
	ASSERT_EQ(0, fpu_ioctl(self->vcpu, AXVCPU_SET_FPU, &f, self->info.arch, size,
			       self->buf));
	ASSERT_RUN_IO_WRITE(self->vcpu, 0x50, 4, 0xcafef00d);
	ASSERT_RUN_IO_WRITE(self->vcpu, 0x51, 4, 0x27f);
	ASSERT_RUN_IO_WRITE(self->vcpu, 0x52, 4, 0x9f80);
	ASSERT_RUN_IO_WRITE(self->vcpu, 0x53, 1, 1);
	memset(self->buf, 0, size);
	ASSERT_EQ(0, fpu_ioctl(self->vcpu, AXVCPU_GET_FPU, &f, 0, size, self->buf));
	ASSERT_EQ(0x12345678, get32(self->buf, XMM_OFF(5)));
	ASSERT_EQ(0xcafef00d, get32(self->buf, XMM_OFF(3)));
	ASSERT_EQ(0x137f, get32(self->buf, FCW_OFF) & 0xffff);
	/* what GET gives, SET takes */
	ASSERT_EQ(0, fpu_ioctl(self->vcpu, AXVCPU_SET_FPU, &f, self->info.arch, size,
			       self->buf));
}

/* Images XRSTOR would refuse, and bad arguments: EINVAL, state unchanged. */
TEST_F(fpu, bad_images)
{
	__u32 size = self->info.fpu_state_size;
	unsigned char *good;
	struct axvcpu_fpu f;
	unsigned int i;

	AXV_REQUIRE_X86(&self->info);
	self->vcpu = fpu_vcpu(&self->vm);
	good = calloc(1, size);
	ASSERT_NE(NULL, good);
	ASSERT_EQ(0, fpu_ioctl(self->vcpu, AXVCPU_GET_FPU, &f, 0, size, good));
	for (i = 0; i < 6; i++) {
		memcpy(self->buf, good, size);
		switch (i) {
		case 0:
			put32(self->buf, MXCSR_OFF, 0x1f80 | (1U << 31));
			break;
		case 1:
			if (size <= 512)
				continue;
			put64(self->buf, XSTATE_BV_OFF, 1ULL << 63);
			break;
		case 2:
			if (size <= 512)
				continue;
			put64(self->buf, XCOMP_BV_OFF, 1ULL << 63);
			break;
		case 3:
			if (size <= 512)
				continue;
			self->buf[HDR_RSVD_OFF + 17] = 1;
			break;
		case 4:
			/* wrong arch */
			ASSERT_EQ(-EINVAL, fpu_ioctl(self->vcpu, AXVCPU_SET_FPU, &f,
						     AXVCPU_ARCH_RISCV_H, size, self->buf));
			continue;
		case 5:
			/* wrong size */
			ASSERT_EQ(-EINVAL, fpu_ioctl(self->vcpu, AXVCPU_SET_FPU, &f,
						     self->info.arch, size - 1, self->buf));
			ASSERT_EQ(-EINVAL, fpu_ioctl(self->vcpu, AXVCPU_SET_FPU, &f,
						     self->info.arch, size + 1, self->buf));
			continue;
		}
		ASSERT_EQ(-EINVAL, fpu_ioctl(self->vcpu, AXVCPU_SET_FPU, &f,
					     self->info.arch, size, self->buf))
			TH_LOG("bad image %u accepted", i);
	}
	memset(&f, 0, sizeof(f));
	f.arch = self->info.arch;
	f.size = size;
	f.addr = (__u64)(unsigned long)good;
	f.flags = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_FPU, &f));
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_GET_FPU, &f));
	f.flags = 0;
	f.reserved[3] = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_FPU, &f));
	f.reserved[3] = 0;
	f.addr = 8;
	ASSERT_ERRNO(EFAULT, ioctl(self->vcpu->fd, AXVCPU_SET_FPU, &f));
	ASSERT_ERRNO(EFAULT, ioctl(self->vcpu->fd, AXVCPU_GET_FPU, &f));
	ASSERT_ERRNO(EFAULT, ioctl(self->vcpu->fd, AXVCPU_GET_FPU, (void *)8));

	/* nothing of the refused images was loaded */
	memset(self->buf, 0, size);
	ASSERT_EQ(0, fpu_ioctl(self->vcpu, AXVCPU_GET_FPU, &f, 0, size, self->buf));
	ASSERT_EQ(0, memcmp(good, self->buf, size));
	/* and the guest runs with the reset state */
	ASSERT_RUN_IO_WRITE(self->vcpu, 0x50, 4, 0);
	ASSERT_RUN_IO_WRITE(self->vcpu, 0x51, 4, 0x37f);
	ASSERT_RUN_IO_WRITE(self->vcpu, 0x52, 4, 0x1f80);
	free(good);
}

TEST_HARNESS_MAIN
