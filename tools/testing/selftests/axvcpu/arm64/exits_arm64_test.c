// SPDX-License-Identifier: GPL-2.0
/*
 * exits_arm64_test: every exit of an arm64 guest, with the mapping of
 * Documentation/api.rst: HVC and SMC as HYPERCALL exits with SMCCC's
 * registers, PSCI answered in the kernel or turned into CPU_UP, CPU_DOWN
 * and SYSTEM_DOWN; MMIO loads and stores decoded from ESR_EL2's syndrome,
 * sign extension and W destinations included, and the access without a
 * syndrome refused; trapped MRS/MSR as SYSREG exits, answered with a value
 * or UNDEF; the GIC CPU interface trapped to the VMM and its SGIs as
 * SEND_IPI; WFI; the virtual timer; MPIDR; PSTATE checks of SET_REGS;
 * the FP/SIMD registers the guest first touches after exits without them;
 * an exception EL2 takes itself (injected through debugfs) giving the
 * host its registers back.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_guest.h"

#define MMIO		AXV_GUEST_MMIO_GPA

#define PSCI_VERSION		0x84000000UL
#define PSCI_CPU_SUSPEND	0x84000001UL
#define PSCI_CPU_OFF		0x84000002UL
#define PSCI_CPU_ON64		0xc4000003UL
#define PSCI_MIGRATE_INFO_TYPE	0x84000006UL
#define PSCI_SYSTEM_OFF		0x84000008UL
#define PSCI_SYSTEM_RESET	0x84000009UL
#define PSCI_FEATURES		0x8400000aUL
#define SMCCC_NOT_SUPPORTED	(~0ULL)

/* PMCR_EL0: trapped by MDCR_EL2.TPMCR */
#define ENC_PMCR_EL0	AXVCPU_SYSREG_ARM64_ENC(3, 3, 9, 12, 0)

FIXTURE(a64)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axvcpu_info info;
};

FIXTURE_SETUP(a64)
{
	axv_read_info(&self->info);
	if (self->info.arch != AXVCPU_ARCH_ARM64_NVHE)
		SKIP(return, "arm64 nVHE only; backend is %s",
		     axv_arch_name(self->info.arch));
}

FIXTURE_TEARDOWN(a64)
{
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
}

struct smccc_res {
	__u64 a0, a1, a2, a3;
};

static struct smccc_res hvc6(__u64 fn, __u64 a1, __u64 a2, __u64 a3,
			     __u64 a4, __u64 a5, __u64 a6)
{
	register __u64 x0 asm("x0") = fn;
	register __u64 x1 asm("x1") = a1;
	register __u64 x2 asm("x2") = a2;
	register __u64 x3 asm("x3") = a3;
	register __u64 x4 asm("x4") = a4;
	register __u64 x5 asm("x5") = a5;
	register __u64 x6 asm("x6") = a6;

	asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
		     : "r"(x4), "r"(x5), "r"(x6) : "memory");
	return (struct smccc_res){ x0, x1, x2, x3 };
}

static __u64 smc1(__u64 fn, __u64 a1)
{
	register __u64 x0 asm("x0") = fn;
	register __u64 x1 asm("x1") = a1;

	asm volatile("smc #0" : "+r"(x0), "+r"(x1) : : "memory");
	return x0;
}

/* ---- HVC and SMC ---- */

static void hvc_guest(void)
{
	struct smccc_res r = hvc6(0xc6000042, 1, 2, 3, 4, 5, 6);

	GUEST_SYNC2(r.a0, r.a1);
	GUEST_SYNC2(r.a2, r.a3);
	r = hvc6(0xc6000043, 11, 12, 13, 0, 0, 0);	/* left alone by the VMM */
	GUEST_SYNC2(r.a0, r.a1);
}

/* HVC: x0 the call, x1-x6 the arguments; x0-x3 come back from the VMM. */
TEST_F(a64, hvc_hypercall_registers)
{
	struct axv_ucall uc;
	int i;

	self->vcpu = axv_guest_vm(&self->vm, hvc_guest, 0);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HYPERCALL);
	ASSERT_EQ(0xc6000042, self->vcpu->run->hypercall.nr);
	ASSERT_EQ(0, self->vcpu->run->hypercall.func);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(i + 1, self->vcpu->run->hypercall.args[i]);
	ASSERT_EQ(SMCCC_NOT_SUPPORTED, self->vcpu->run->hypercall.ret);
	ASSERT_EQ(1, self->vcpu->run->hypercall.ret_extra[0]);
	self->vcpu->run->hypercall.ret = 0x70;
	self->vcpu->run->hypercall.ret_extra[0] = 0x71;
	self->vcpu->run->hypercall.ret_extra[1] = 0x72;
	self->vcpu->run->hypercall.ret_extra[2] = 0x73;
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(0x70, uc.args[0]);
	ASSERT_EQ(0x71, uc.args[1]);
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(0x72, uc.args[0]);
	ASSERT_EQ(0x73, uc.args[1]);
	/* the presets: x0 NOT_SUPPORTED, x1-x3 as they were */
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HYPERCALL);
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(SMCCC_NOT_SUPPORTED, uc.args[0]);
	ASSERT_EQ(11, uc.args[1]);
}

static void smc_guest(void)
{
	GUEST_SYNC(smc1(0x82000010, 5));
	GUEST_SYNC(smc1(PSCI_VERSION, 0));
}

/* SMC traps (HCR_EL2.TSC) and is the same call; the PC goes past it. */
TEST_F(a64, smc_is_a_call_too)
{
	self->vcpu = axv_guest_vm(&self->vm, smc_guest, 0);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HYPERCALL);
	ASSERT_EQ(0x82000010, self->vcpu->run->hypercall.nr);
	ASSERT_EQ(5, self->vcpu->run->hypercall.args[0]);
	self->vcpu->run->hypercall.ret = 99;
	ASSERT_RUN_SYNC(self->vcpu, 99);
	ASSERT_RUN_SYNC(self->vcpu, 0x10000);
}

/* ---- PSCI ---- */

static void psci_info_guest(void)
{
	GUEST_SYNC(hvc6(PSCI_VERSION, 0, 0, 0, 0, 0, 0).a0);
	GUEST_SYNC(hvc6(PSCI_FEATURES, PSCI_CPU_ON64, 0, 0, 0, 0, 0).a0);
	GUEST_SYNC(hvc6(PSCI_FEATURES, PSCI_CPU_SUSPEND, 0, 0, 0, 0, 0).a0);
	GUEST_SYNC(hvc6(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0, 0, 0, 0).a0);
	/* CPU_SUSPEND: the VMM's (a HYPERCALL exit) */
	GUEST_SYNC(hvc6(PSCI_CPU_SUSPEND, 0, 0, 0, 0, 0, 0).a0);
}

/* VERSION, FEATURES and MIGRATE_INFO_TYPE are answered in the kernel. */
TEST_F(a64, psci_answered_in_kernel)
{
	self->vcpu = axv_guest_vm(&self->vm, psci_info_guest, 0);
	ASSERT_RUN_SYNC(self->vcpu, 0x10000);		/* 1.0 */
	ASSERT_RUN_SYNC(self->vcpu, 0);			/* CPU_ON: there */
	ASSERT_RUN_SYNC(self->vcpu, SMCCC_NOT_SUPPORTED);	/* CPU_SUSPEND */
	ASSERT_RUN_SYNC(self->vcpu, 2);			/* no trusted OS */
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HYPERCALL);
	ASSERT_EQ(PSCI_CPU_SUSPEND, self->vcpu->run->hypercall.nr);
	ASSERT_RUN_SYNC(self->vcpu, SMCCC_NOT_SUPPORTED);
}

static void psci_power_guest(void)
{
	GUEST_SYNC(hvc6(PSCI_CPU_ON64, 0x101, 0x40001000, 0x55, 0, 0, 0).a0);
	GUEST_SYNC(hvc6(PSCI_CPU_OFF, 0, 0, 0, 0, 0, 0).a0);
	hvc6(PSCI_SYSTEM_RESET, 0, 0, 0, 0, 0, 0);
	hvc6(PSCI_SYSTEM_OFF, 0, 0, 0, 0, 0, 0);
}

/* CPU_ON, CPU_OFF, SYSTEM_RESET and SYSTEM_OFF are exits. */
TEST_F(a64, psci_power_exits)
{
	struct axvcpu_regs regs;

	self->vcpu = axv_guest_vm(&self->vm, psci_power_guest, 0);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_CPU_UP);
	ASSERT_EQ(0x101, self->vcpu->run->cpu_up.target_cpu);
	ASSERT_EQ(0x40001000, self->vcpu->run->cpu_up.entry_point);
	ASSERT_EQ(0x55, self->vcpu->run->cpu_up.arg);
	ASSERT_RUN_SYNC(self->vcpu, 0);			/* SUCCESS */
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_CPU_DOWN);
	ASSERT_RUN_SYNC(self->vcpu, (__u64)-3);		/* DENIED: ran again */
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSTEM_DOWN);
	axv_get_regs(self->vcpu, &regs);
	ASSERT_EQ(PSCI_SYSTEM_RESET, regs.arm64.x[0]);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSTEM_DOWN);
	axv_get_regs(self->vcpu, &regs);
	ASSERT_EQ(PSCI_SYSTEM_OFF, regs.arm64.x[0]);
}

/* ---- MMIO ---- */

static void mmio_guest(void)
{
	__u64 v;

	asm volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(MMIO + 1) : "memory");
	GUEST_SYNC(v);
	asm volatile("ldrsh %w0, [%1]" : "=r"(v) : "r"(MMIO + 2) : "memory");
	GUEST_SYNC(v);
	asm volatile("ldrsb %0, [%1]" : "=r"(v) : "r"(MMIO + 3) : "memory");
	GUEST_SYNC(v);
	asm volatile("ldr %0, [%1]" : "=r"(v) : "r"(MMIO + 8) : "memory");
	GUEST_SYNC(v);
	asm volatile("strh %w0, [%1]" : : "r"(0x12345678UL), "r"(MMIO + 4) : "memory");
	asm volatile("str %0, [%1]" : : "r"(0x1122334455667788UL), "r"(MMIO + 16) : "memory");
	asm volatile("str xzr, [%0]" : : "r"(MMIO + 24) : "memory");
}

/* Loads and stores of every width, sign extension, W and X destinations. */
TEST_F(a64, mmio_from_the_syndrome)
{
	struct axvcpu_run *run;

	self->vcpu = axv_guest_vm(&self->vm, mmio_guest, 0);
	run = self->vcpu->run;
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_MMIO_READ);
	ASSERT_EQ(MMIO + 1, run->mmio.addr);
	ASSERT_EQ(1, run->mmio.width);
	ASSERT_EQ(4, run->mmio.reg_width);
	ASSERT_EQ(0, run->mmio.sign_ext);
	run->mmio.data = 0xfff0;		/* bytes above the width go */
	ASSERT_RUN_SYNC(self->vcpu, 0xf0);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_MMIO_READ);
	ASSERT_EQ(2, run->mmio.width);
	ASSERT_EQ(1, run->mmio.sign_ext);
	ASSERT_EQ(4, run->mmio.reg_width);
	run->mmio.data = 0x8001;		/* into a W register: 32 bits */
	ASSERT_RUN_SYNC(self->vcpu, 0xffff8001);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_MMIO_READ);
	ASSERT_EQ(1, run->mmio.width);
	ASSERT_EQ(8, run->mmio.reg_width);
	run->mmio.data = 0x80;
	ASSERT_RUN_SYNC(self->vcpu, 0xffffffffffffff80ULL);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_MMIO_READ);
	ASSERT_EQ(8, run->mmio.width);
	run->mmio.data = 0x0123456789abcdefULL;
	ASSERT_RUN_SYNC(self->vcpu, 0x0123456789abcdefULL);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_MMIO_WRITE);
	ASSERT_EQ(MMIO + 4, run->mmio.addr);
	ASSERT_EQ(2, run->mmio.width);
	ASSERT_EQ(0x5678, run->mmio.data);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_MMIO_WRITE);
	ASSERT_EQ(8, run->mmio.width);
	ASSERT_EQ(0x1122334455667788ULL, run->mmio.data);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_MMIO_WRITE);
	ASSERT_EQ(MMIO + 24, run->mmio.addr);
	ASSERT_EQ(31, run->mmio.reg);		/* XZR */
	ASSERT_EQ(0, run->mmio.data);
	ASSERT_RUN_DONE(self->vcpu);
}

extern const char ldp_insn[];

static void ldp_guest(void)
{
	__u64 a, b;

	asm volatile(".globl ldp_insn\nldp_insn: ldp %0, %1, [%2]"
		     : "=r"(a), "=r"(b) : "r"(MMIO) : "memory");
	GUEST_SYNC2(a, b);
}

/* A load pair has no syndrome: FAIL_ENTRY, the PC at the instruction. */
TEST_F(a64, mmio_without_syndrome_fails)
{
	struct axvcpu_regs regs;

	self->vcpu = axv_guest_vm(&self->vm, ldp_guest, 0);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_FAIL_ENTRY);
	ASSERT_EQ(AXVCPU_ARM64_FAIL_MMIO_NO_ISV,
		  self->vcpu->run->fail_entry.hardware_entry_failure_reason);
	axv_get_regs(self->vcpu, &regs);
	ASSERT_EQ((__u64)(uintptr_t)ldp_insn, regs.arm64.pc);
	ASSERT_STATE(self->vcpu, AXVCPU_STATE_READY);
}

/* ---- system registers ---- */

extern const char pmcr_read_insn[];

static void sysreg_guest(void)
{
	__u64 v;

	asm volatile("msr pmcr_el0, %0" : : "r"(0x41UL));
	asm volatile("mrs %0, pmcr_el0" : "=r"(v));
	GUEST_SYNC(v);
	asm volatile(".globl pmcr_read_insn\npmcr_read_insn: mrs %0, pmcr_el0"
		     : "=r"(v));
	GUEST_SYNC(v);
}

/* A trapped MSR and MRS: the value, then the fault answer (UNDEF). */
TEST_F(a64, sysreg_exits_and_fault)
{
	struct axvcpu_run *run;
	struct axv_ucall uc;

	self->vcpu = axv_guest_vm(&self->vm, sysreg_guest, 0);
	run = self->vcpu->run;
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSREG_WRITE);
	ASSERT_EQ(ENC_PMCR_EL0, run->sysreg.addr);
	ASSERT_EQ(0x41, run->sysreg.value);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSREG_READ);
	ASSERT_EQ(ENC_PMCR_EL0, run->sysreg.addr);
	run->sysreg.value = 0x4242;
	ASSERT_RUN_SYNC(self->vcpu, 0x4242);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSREG_READ);
	run->complete_fault = 1;
	/* the library's vectors report the exception: EC 0 at the MRS */
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HYPERCALL);
	ASSERT_EQ(AXV_UCALL_ABORT, axv_get_ucall(self->vcpu, &uc));
	ASSERT_EQ(0, uc.args[0] >> 26);
	ASSERT_EQ((__u64)(uintptr_t)pmcr_read_insn, uc.args[1]);
}

/* ---- the GICv3 CPU interface: the VMM's (ICH_HCR_EL2 traps) ---- */

#define ENC_ICC_PMR_EL1		AXVCPU_SYSREG_ARM64_ENC(3, 0, 4, 6, 0)
#define ENC_ICC_IAR1_EL1	AXVCPU_SYSREG_ARM64_ENC(3, 0, 12, 12, 0)
#define ENC_ICC_EOIR1_EL1	AXVCPU_SYSREG_ARM64_ENC(3, 0, 12, 12, 1)
#define ENC_ICC_SRE_EL1		AXVCPU_SYSREG_ARM64_ENC(3, 0, 12, 12, 5)
#define ENC_ICC_IGRPEN0_EL1	AXVCPU_SYSREG_ARM64_ENC(3, 0, 12, 12, 6)

/* Aff3 0x34, Aff2 0x12, RS 2, Aff1 5, INTID 3, targets Aff0 0 and 2 */
#define SGI1R_SOME	((0x34UL << 48) | (2UL << 44) | (0x12UL << 32) | \
			 (3UL << 24) | (5UL << 16) | 0x5)
/* IRM: every PE but the sender, INTID 15 */
#define SGI1R_OTHERS	((1UL << 40) | (15UL << 24))

static void gic_guest(void)
{
	__u64 v;

	asm volatile("msr s3_0_c4_c6_0, %0" : : "r"(0xf0UL));	/* PMR */
	asm volatile("mrs %0, s3_0_c12_c12_0" : "=r"(v));	/* IAR1 */
	GUEST_SYNC(v);
	asm volatile("msr s3_0_c12_c12_1, %0" : : "r"(v));	/* EOIR1 */
	asm volatile("msr s3_0_c12_c11_5, %0" : : "r"(SGI1R_SOME));
	asm volatile("msr s3_0_c12_c11_5, %0" : : "r"(SGI1R_OTHERS));
	asm volatile("mrs %0, s3_0_c12_c12_6" : "=r"(v));	/* IGRPEN0 */
	GUEST_SYNC(v);
	asm volatile("mrs %0, s3_0_c12_c12_5" : "=r"(v));	/* SRE */
	GUEST_SYNC(v);
}

/*
 * The guest's GIC CPU interface registers are SYSREG exits (group 0, group
 * 1 and the common ones), ICC_SRE_EL1 included (the host's own register),
 * and its group 1 SGIs SEND_IPI exits with their targets decoded.
 */
TEST_F(a64, gic_cpu_interface_traps)
{
	struct axvcpu_run *run;

	self->vcpu = axv_guest_vm(&self->vm, gic_guest, 0);
	run = self->vcpu->run;
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSREG_WRITE);
	ASSERT_EQ(ENC_ICC_PMR_EL1, run->sysreg.addr);
	ASSERT_EQ(0xf0, run->sysreg.value);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSREG_READ);
	ASSERT_EQ(ENC_ICC_IAR1_EL1, run->sysreg.addr);
	run->sysreg.value = 27;
	ASSERT_RUN_SYNC(self->vcpu, 27);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSREG_WRITE);
	ASSERT_EQ(ENC_ICC_EOIR1_EL1, run->sysreg.addr);
	ASSERT_EQ(27, run->sysreg.value);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SEND_IPI);
	ASSERT_EQ(0x5, run->send_ipi.target_cpu);
	ASSERT_EQ(0x3400120520ULL, run->send_ipi.target_cpu_aux);
	ASSERT_EQ(0, run->send_ipi.send_to_all);
	ASSERT_EQ(0, run->send_ipi.send_to_self);
	ASSERT_EQ(3, run->send_ipi.vector);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SEND_IPI);
	ASSERT_EQ(1, run->send_ipi.send_to_all);
	ASSERT_EQ(15, run->send_ipi.vector);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSREG_READ);
	ASSERT_EQ(ENC_ICC_IGRPEN0_EL1, run->sysreg.addr);
	run->sysreg.value = 0;
	ASSERT_RUN_SYNC(self->vcpu, 0);
	/*
	 * ICC_SRE_EL1 traps on hardware (ICC_SRE_EL2.Enable clear); QEMU 10
	 * does not model that trap and lets the guest read the register,
	 * whose SRE bit it keeps set (no legacy interface to turn to).
	 */
	ASSERT_EQ(0, axv_run(self->vcpu));
	if (run->exit_reason == AXVCPU_EXIT_SYSREG_READ) {
		ASSERT_EQ(ENC_ICC_SRE_EL1, run->sysreg.addr);
		run->sysreg.value = 7;
		ASSERT_RUN_SYNC(self->vcpu, 7);
	} else {
		struct axv_ucall uc;

		ASSERT_EQ(AXVCPU_EXIT_HYPERCALL, run->exit_reason);
		ASSERT_EQ(AXV_UCALL_SYNC, axv_get_ucall(self->vcpu, &uc));
		ASSERT_EQ(1, uc.args[0] & 1);		/* SRE */
	}
}

/* ---- WFI, the timer, MPIDR ---- */

static void wfi_guest(void)
{
	asm volatile("wfi" ::: "memory");
	GUEST_SYNC(1);
}

TEST_F(a64, wfi_is_halt)
{
	self->vcpu = axv_guest_vm(&self->vm, wfi_guest, 0);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HALT);
	ASSERT_RUN_SYNC(self->vcpu, 1);
}

static volatile __u64 timer_irqs;

static void timer_irq(__u64 vector)
{
	/* the timer's level goes down: mask it */
	asm volatile("msr cntv_ctl_el0, %0; isb" : : "r"(3UL));
	timer_irqs++;
}

static void timer_guest(void)
{
	__u64 now, freq;

	guest_irq_set_handler(timer_irq);
	asm volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	asm volatile("isb; mrs %0, cntvct_el0" : "=r"(now));
	asm volatile("msr cntv_cval_el0, %0" : : "r"(now + freq / 100));
	asm volatile("msr cntv_ctl_el0, %0; isb" : : "r"(1UL));
	while (!timer_irqs)
		guest_safe_halt();
	guest_irq_disable();
	GUEST_SYNC(timer_irqs);
}

/*
 * The virtual timer is the guest's own: with HALT_IN_KERNEL its WFI
 * waits in the kernel until the deadline, and the interrupt comes on the
 * IRQ line without the VMM asserting it; once the handler masked the
 * timer, it is gone (one interrupt).
 */
TEST_F(a64, virtual_timer_interrupt)
{
	self->vcpu = axv_guest_vm(&self->vm, timer_guest,
				  AXVCPU_VCPU_HALT_IN_KERNEL);
	ASSERT_RUN_SYNC(self->vcpu, 1);
}

/* The same with WFI exits to user space: the line is up at a later entry. */
TEST_F(a64, virtual_timer_after_halt_exits)
{
	struct axv_ucall uc;
	int n;

	self->vcpu = axv_guest_vm(&self->vm, timer_guest, 0);
	for (n = 0; n < 100000; n++) {
		ASSERT_EQ(0, axv_run(self->vcpu));
		if (self->vcpu->run->exit_reason != AXVCPU_EXIT_HALT)
			break;
	}
	ASSERT_EQ(AXV_UCALL_SYNC, axv_get_ucall(self->vcpu, &uc))
		TH_LOG("after %d HALT exits: %s", n, axv_exit_desc(self->vcpu->run));
	ASSERT_EQ(1, uc.args[0]);
}

static void mpidr_guest(void)
{
	__u64 v;

	asm volatile("mrs %0, mpidr_el1" : "=r"(v));
	GUEST_SYNC(v);
}

/* MPIDR_EL1 spreads the vcpu_id as KVM does: 16 per Aff1. */
TEST_F(a64, mpidr_from_vcpu_id)
{
	axv_guest_vm_create(&self->vm);
	self->vcpu = axv_guest_vcpu(&self->vm, 17, 0, mpidr_guest);
	ASSERT_RUN_SYNC(self->vcpu, 0x80000101);
}

/* ---- ID registers ---- */

#define ID_FIELD(v, shift)	(((v) >> (shift)) & 0xf)

static void idreg_guest(void)
{
	__u64 v;

	asm volatile("mrs %0, id_aa64pfr0_el1" : "=r"(v));
	GUEST_SYNC(v);
	asm volatile("mrs %0, id_aa64pfr1_el1" : "=r"(v));
	GUEST_SYNC(v);
	asm volatile("mrs %0, id_aa64isar0_el1" : "=r"(v));
	GUEST_SYNC(v);
	asm volatile("mrs %0, id_aa64isar1_el1" : "=r"(v));
	GUEST_SYNC(v);
	asm volatile("mrs %0, id_aa64dfr0_el1" : "=r"(v));
	GUEST_SYNC(v);
	asm volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(v));
	GUEST_SYNC(v);
	asm volatile("mrs %0, s3_0_c0_c4_4" : "=r"(v));	/* ID_AA64ZFR0_EL1 */
	GUEST_SYNC(v);
	asm volatile("mrs %0, s3_0_c0_c4_3" : "=r"(v));	/* not allocated */
	GUEST_SYNC(v);
}

/* The next SYNC's value: the register the guest read, with no exit between. */
#define ID_READ(_v) do {						\
	struct axv_ucall __u;						\
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &__u);		\
	(_v) = __u.args[0];						\
} while (0)

/*
 * ID registers (HCR_EL2.TID3, answered in the kernel): the host's, with
 * what the backend does not switch hidden (SVE, SME, pointer
 * authentication, MTE, PMU, SPE, trace, RAS, EL2, EL3), PARange within
 * the VM's IPA size, an unallocated encoding zero; and the instruction
 * set fields the host's own EL0 sees (its emulated MRS) the same.
 */
TEST_F(a64, id_registers_hide_what_is_not_switched)
{
	__u64 pfr0, pfr1, isar0, isar1, dfr0, mmfr0, zfr0, none;
	__u64 host_pfr0, host_isar0;
	unsigned int shift, pa_bits;
	static const unsigned int parange[] = { 32, 36, 40, 42, 44, 48, 52 };

	self->vcpu = axv_guest_vm(&self->vm, idreg_guest, 0);
	ID_READ(pfr0);
	ID_READ(pfr1);
	ID_READ(isar0);
	ID_READ(isar1);
	ID_READ(dfr0);
	ID_READ(mmfr0);
	ID_READ(zfr0);
	ID_READ(none);
	ASSERT_RUN_DONE(self->vcpu);

	EXPECT_NE(0, ID_FIELD(pfr0, 4));	/* EL1: there */
	EXPECT_EQ(0, ID_FIELD(pfr0, 8));	/* EL2 */
	EXPECT_EQ(0, ID_FIELD(pfr0, 12));	/* EL3 */
	EXPECT_EQ(0, ID_FIELD(pfr0, 28));	/* RAS */
	EXPECT_EQ(0, ID_FIELD(pfr0, 32));	/* SVE */
	EXPECT_EQ(0, ID_FIELD(pfr0, 40));	/* MPAM */
	EXPECT_EQ(0, ID_FIELD(pfr0, 44));	/* AMU */
	EXPECT_EQ(0, ID_FIELD(pfr1, 8));	/* MTE */
	EXPECT_EQ(0, ID_FIELD(pfr1, 24));	/* SME */
	EXPECT_EQ(0, ID_FIELD(isar1, 4));	/* APA */
	EXPECT_EQ(0, ID_FIELD(isar1, 8));	/* API */
	EXPECT_EQ(0, ID_FIELD(isar1, 24));	/* GPA */
	EXPECT_EQ(0, ID_FIELD(isar1, 28));	/* GPI */
	EXPECT_EQ(0, ID_FIELD(dfr0, 4));	/* TraceVer */
	EXPECT_EQ(0, ID_FIELD(dfr0, 8));	/* PMUVer */
	EXPECT_EQ(0, ID_FIELD(dfr0, 32));	/* PMSVer */
	EXPECT_EQ(0, zfr0);
	EXPECT_EQ(0, none);
	pa_bits = ID_FIELD(mmfr0, 0) < ARRAY_SIZE(parange) ?
		  parange[ID_FIELD(mmfr0, 0)] : 0;
	EXPECT_LE(pa_bits, self->info.guest_phys_bits)
		TH_LOG("PARange %llu", ID_FIELD(mmfr0, 0));
	EXPECT_LE(32, pa_bits);

	/* what the host's EL0 sees (the kernel emulates its MRS) is the guest's too */
	asm volatile("mrs %0, id_aa64pfr0_el1" : "=r"(host_pfr0));
	asm volatile("mrs %0, id_aa64isar0_el1" : "=r"(host_isar0));
	EXPECT_EQ(ID_FIELD(host_pfr0, 16), ID_FIELD(pfr0, 16));	/* FP */
	EXPECT_EQ(ID_FIELD(host_pfr0, 20), ID_FIELD(pfr0, 20));	/* AdvSIMD */
	for (shift = 0; shift < 64; shift += 4)
		if (ID_FIELD(host_isar0, shift))
			EXPECT_EQ(ID_FIELD(host_isar0, shift), ID_FIELD(isar0, shift))
				TH_LOG("ID_AA64ISAR0_EL1 field at bit %u", shift);
	printf("# guest: ID_AA64PFR0 %#llx PFR1 %#llx ISAR0 %#llx ISAR1 %#llx DFR0 %#llx MMFR0 %#llx\n",
	       pfr0, pfr1, isar0, isar1, dfr0, mmfr0);
}

/* ---- SET_REGS ---- */

/* EL2 and AArch32 modes are refused, and nothing changes. */
TEST_F(a64, set_regs_refuses_el2_and_aarch32)
{
	static const __u64 bad[] = { 0x3c8, 0x3c9, 0x3d0, 0x3d3,
				     (1ULL << 32) | 0x3c5 };
	struct axvcpu_regs regs, back;
	unsigned int i;

	self->vcpu = axv_guest_vm(&self->vm, wfi_guest, 0);
	axv_get_regs(self->vcpu, &regs);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct axvcpu_regs r = regs;

		r.arm64.pstate = bad[i];
		r.arm64.x[5] = 0x5555;
		ASSERT_EQ(-1, ioctl(self->vcpu->fd, AXVCPU_SET_REGS, &r))
			TH_LOG("PSTATE %#llx accepted", (unsigned long long)bad[i]);
		ASSERT_EQ(EINVAL, errno);
		axv_get_regs(self->vcpu, &back);
		ASSERT_EQ(regs.arm64.pstate, back.arm64.pstate);
		ASSERT_EQ(regs.arm64.x[5], back.arm64.x[5]);
	}
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HALT);
}

/* ---- FP/SIMD, switched from the guest's first use ---- */

#define HOST_D8		0xa5a5a5a55a5a5a5aULL
#define GUEST_V8_LO	0x1111222233334444ULL
#define GUEST_V8_HI	0x5555666677778888ULL

static void fp_late_guest(void)
{
	__u64 lo, hi;

	/* exits before any FP/SIMD instruction: CPTR_EL2.TFP still traps */
	hvc6(0xc6000050, 0, 0, 0, 0, 0, 0);
	hvc6(0xc6000051, 0, 0, 0, 0, 0, 0);
	asm volatile("mov %0, v8.d[0]\n\tmov %1, v8.d[1]" : "=r"(lo), "=r"(hi));
	GUEST_SYNC2(lo, hi);
	/* V20: caller-saved, so no epilogue puts an older value back */
	asm volatile("movi v20.2d, #0xffffffffffffffff" : : : "v20");
	GUEST_SYNC(2);
}

static void fpu_io(struct __test_metadata *_metadata, struct axv_vcpu *vcpu,
		   unsigned long cmd, struct axvcpu_arm64_fpu *st)
{
	struct axvcpu_fpu f = {
		.arch = AXVCPU_ARCH_ARM64_NVHE,
		.size = sizeof(*st),
		.addr = (__u64)(unsigned long)st,
	};

	ASSERT_EQ(0, ioctl(vcpu->fd, cmd, &f));
}

/*
 * A guest that reads an FP/SIMD register only after some exits reads the
 * value SET_FPU gave it, never the VMM thread's; its writes stay its own:
 * the thread's D8 (callee-saved, AAPCS64) is the same after the RUNs.
 */
TEST_F(a64, fp_registers_are_the_guests)
{
	struct axvcpu_arm64_fpu st;
	struct axv_ucall uc;
	__u64 host_d8 = HOST_D8, after;
	int i;

	self->vcpu = axv_guest_vm(&self->vm, fp_late_guest, 0);
	fpu_io(_metadata, self->vcpu, AXVCPU_GET_FPU, &st);
	st.v[8][0] = GUEST_V8_LO;
	st.v[8][1] = GUEST_V8_HI;
	fpu_io(_metadata, self->vcpu, AXVCPU_SET_FPU, &st);
	asm volatile("fmov d8, %0" : : "r"(host_d8) : "v8");
	for (i = 0; i < 2; i++) {
		ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HYPERCALL);
		ASSERT_EQ(0xc6000050 + i, self->vcpu->run->hypercall.nr);
	}
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(GUEST_V8_LO, uc.args[0]);
	ASSERT_EQ(GUEST_V8_HI, uc.args[1]);
	ASSERT_RUN_SYNC(self->vcpu, 2);
	asm volatile("fmov %0, d8" : "=r"(after));
	ASSERT_EQ(HOST_D8, after);
	fpu_io(_metadata, self->vcpu, AXVCPU_GET_FPU, &st);
	ASSERT_EQ(~0ULL, st.v[20][0]);
	ASSERT_EQ(~0ULL, st.v[20][1]);
}

/* ---- an exception EL2 takes itself ---- */

#define EL2_FAULT	"/sys/kernel/debug/axvcpu/arm64_el2_fault"

static __u64 read_tpidr_el0(void)
{
	__u64 v;

	asm volatile("mrs %0, tpidr_el0" : "=r"(v));
	return v;
}

/*
 * EL2 taking an exception itself, injected: A64_HVC_RUN is handed a
 * context page EL2's identity map does not map, so EL2's first access to
 * it aborts. The host gets its registers back (this thread's TLS register
 * among them): RUN fails EIO, the vCPU is INVALID, nothing stays armed,
 * and the same CPU runs the next guest. (The panic path used to read
 * that context again, and took the abort again, for ever.)
 */
TEST_F(a64, el2_exception_gives_the_host_back)
{
	struct axv_vm vm2 = { 0 };
	struct axv_vcpu *v2;
	__u64 tls = read_tpidr_el0();
	cpu_set_t cpus;
	char armed;
	int fd;

	CPU_ZERO(&cpus);
	CPU_SET(axv_test_cpu(0), &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	fd = open(EL2_FAULT, O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("%s: %s (is debugfs mounted?)", EL2_FAULT,
				axv_errno_name(errno));
	self->vcpu = axv_guest_vm(&self->vm, psci_info_guest, 0);
	ASSERT_RUN_SYNC(self->vcpu, 0x10000);

	ASSERT_EQ(1, write(fd, "1", 1));
	ASSERT_EQ(-EIO, axv_run(self->vcpu));
	ASSERT_EQ(AXVCPU_STATE_INVALID, axv_get_state(self->vcpu));
	ASSERT_EQ(tls, read_tpidr_el0());
	ASSERT_EQ(1, pread(fd, &armed, 1, 0));
	ASSERT_EQ('0', armed);
	close(fd);

	v2 = axv_guest_vm(&vm2, psci_info_guest, 0);
	ASSERT_RUN_SYNC(v2, 0x10000);
	ASSERT_RUN_SYNC(v2, 0);
	axv_vcpu_close(v2);
	axv_vm_close(&vm2);
}

TEST_HARNESS_MAIN
