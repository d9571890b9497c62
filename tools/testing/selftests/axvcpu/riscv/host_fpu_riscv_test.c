// SPDX-License-Identifier: GPL-2.0
/*
 * host_fpu_riscv_test: the FP registers are switched, never shared. The
 * VMM's f0-f31 and fcsr, live in the registers across AXVCPU_RUN (the
 * ioctl is made from assembly that loads them before the ecall and
 * stores them after it), come back as they were while the guest wrote
 * every one of its own; the guest's values come back to the guest on its
 * next entry and show in AXVCPU_GET_FPU; a second VM's guest starts with
 * zeroes, not the first guest's values; a guest with sstatus.FS off
 * takes an illegal-instruction trap of its own, nothing else.
 */
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "axvcpu_guest.h"

#define GUEST_PATTERN	0x6765737400000000ULL	/* "gest" */
#define HOST_PATTERN	0x686f737400000000ULL	/* "host" */

/* f0-f31 from @in, ioctl(@fd, @cmd, 0), f0-f31 and fcsr into @out. */
long fp_ioctl(const __u64 *in, __u64 *out, long fd, long cmd, __u32 fcsr);
asm(".pushsection .text\n"
    ".globl fp_ioctl\n"
    "fp_ioctl:\n"
    "	fscsr a4\n"
    "	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
    "	fld f\\n, (8 * \\n)(a0)\n"
    "	.endr\n"
    "	.irp n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
    "	fld f\\n, (8 * \\n)(a0)\n"
    "	.endr\n"
    "	mv t0, a1\n"
    "	mv a0, a2\n"
    "	mv a1, a3\n"
    "	li a2, 0\n"
    "	li a7, 29\n"		/* __NR_ioctl */
    "	ecall\n"
    "	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
    "	fsd f\\n, (8 * \\n)(t0)\n"
    "	.endr\n"
    "	.irp n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
    "	fsd f\\n, (8 * \\n)(t0)\n"
    "	.endr\n"
    "	frcsr t1\n"
    "	sd t1, 256(t0)\n"
    "	ret\n"
    ".popsection\n");

/* The guest: every FP register and fcsr its own, then SYNC; then check. */
void guest_fp_fill(void);
asm(".pushsection .text\n"
    ".globl guest_fp_fill\n"
    "guest_fp_fill:\n"
    "	li t0, 0x67657374\n"
    "	slli t0, t0, 32\n"
    "	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
    "	addi t1, t0, \\n\n"
    "	fmv.d.x f\\n, t1\n"
    "	.endr\n"
    "	.irp n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
    "	addi t1, t0, \\n\n"
    "	fmv.d.x f\\n, t1\n"
    "	.endr\n"
    "	li t1, 0x85\n"		/* frm 4 (RMM), NX */
    "	fscsr t1\n"
    "	ret\n"
    ".popsection\n");

static void fp_guest(void)
{
	__u64 f5, f31;
	__u32 fcsr;

	guest_fp_fill();
	GUEST_SYNC(1);
	/* the host's RUN in between: the guest's registers are its own */
	asm volatile("fmv.x.d %0, f5" : "=r"(f5));
	asm volatile("fmv.x.d %0, f31" : "=r"(f31));
	asm volatile("frcsr %0" : "=r"(fcsr));
	GUEST_SYNC2(f5, f31);
	GUEST_SYNC(fcsr);
}

static void zero_guest(void)
{
	__u64 f5, f31;

	asm volatile("fmv.x.d %0, f5" : "=r"(f5));
	asm volatile("fmv.x.d %0, f31" : "=r"(f31));
	GUEST_SYNC2(f5, f31);
}

static void host_run_checked(struct __test_metadata *_metadata,
			     struct axv_vcpu *vcpu)
{
	__u64 in[32], out[33];
	long rc;
	int i;

	for (i = 0; i < 32; i++)
		in[i] = HOST_PATTERN | i;
	memset(out, 0, sizeof(out));
	rc = fp_ioctl(in, out, vcpu->fd, AXVCPU_RUN, 0x22);
	ASSERT_EQ(0, rc);
	for (i = 0; i < 32; i++)
		ASSERT_EQ(in[i], out[i]) TH_LOG("host f%d after RUN", i);
	ASSERT_EQ(0x22, out[32] & 0xff) TH_LOG("host fcsr after RUN");
}

TEST(host_fp_survives_guest_fp)
{
	struct axvcpu_riscv64_fpu fpu;
	struct axvcpu_fpu f = { .size = sizeof(fpu), .addr = (uintptr_t)&fpu };
	struct axv_vcpu *vcpu;
	struct axv_ucall uc;
	struct axv_vm vm;

	vcpu = axv_guest_vm(&vm, fp_guest, 0);
	if (vm.info.arch != AXVCPU_ARCH_RISCV_H)
		SKIP(return, "riscv64 H only");
	/* the guest fills its registers: the host's stay */
	host_run_checked(_metadata, vcpu);
	ASSERT_EQ(AXV_UCALL_SYNC, axv_get_ucall(vcpu, &uc));
	ASSERT_EQ(1, uc.args[0]);
	ASSERT_EQ(0, ioctl(vcpu->fd, AXVCPU_GET_FPU, &f));
	ASSERT_EQ(GUEST_PATTERN | 5, fpu.f[5]);
	ASSERT_EQ(0x85, fpu.fcsr);
	/* and get theirs back on the next entry */
	host_run_checked(_metadata, vcpu);
	ASSERT_EQ(AXV_UCALL_SYNC, axv_get_ucall(vcpu, &uc));
	ASSERT_EQ(GUEST_PATTERN | 5, uc.args[0]);
	ASSERT_EQ(GUEST_PATTERN | 31, uc.args[1]);
	ASSERT_RUN_SYNC(vcpu, 0x85);
	axv_vcpu_close(vcpu);

	/* another VM on the same CPU: zeroes, not the first guest's values */
	axv_vm_close(&vm);
	vcpu = axv_guest_vm(&vm, zero_guest, 0);
	host_run_checked(_metadata, vcpu);
	ASSERT_EQ(AXV_UCALL_SYNC, axv_get_ucall(vcpu, &uc));
	ASSERT_EQ(0, uc.args[0]);
	ASSERT_EQ(0, uc.args[1]);
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
}

static volatile __u64 fs_off_cause;

void fs_off_handler(void);
asm(".pushsection .text\n"
    ".align 2\n"
    ".globl fs_off_handler\n"
    "fs_off_handler:\n"
    "	csrr t0, scause\n"
    "	la t1, fs_off_cause\n"
    "	sd t0, 0(t1)\n"
    "	csrr t0, sepc\n"
    "	addi t0, t0, 4\n"
    "	csrw sepc, t0\n"
    "	sret\n"
    ".popsection\n");

static void fs_off_guest(void)
{
	asm volatile("fmv.d.x f3, zero");
	GUEST_SYNC(fs_off_cause);
}

TEST(fs_off_guest_traps_itself)
{
	struct axvcpu_regs regs;
	struct axv_vcpu *vcpu;
	struct axv_vm vm;

	vcpu = axv_guest_vm(&vm, fs_off_guest, 0);
	if (vm.info.arch != AXVCPU_ARCH_RISCV_H)
		SKIP(return, "riscv64 H only");
	axv_get_regs(vcpu, &regs);
	regs.riscv64.vsstatus &= ~(3UL << 13);		/* FS off */
	regs.riscv64.vstvec = (__u64)(uintptr_t)fs_off_handler;
	axv_set_regs(vcpu, &regs);
	host_run_checked(_metadata, vcpu);
	ASSERT_EQ(AXV_UCALL_SYNC, axv_get_ucall(vcpu, NULL));
	ASSERT_EQ(2, vcpu->run->hypercall.args[1])
		TH_LOG("illegal instruction in the guest");
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
}

TEST_HARNESS_MAIN
