// SPDX-License-Identifier: GPL-2.0
/*
 * exits_riscv_test: every exit and SBI call of a riscv64 guest, with the
 * mapping of Documentation/api.rst: SBI calls answered in the kernel
 * (Base, TIME, RFENCE) or turned into CPU_UP, CPU_DOWN, SYSTEM_DOWN,
 * SEND_IPI and HYPERCALL exits; MMIO loads and stores decoded, compressed
 * ones included, with sign extension; nested page faults; WFI; trapping
 * CSR accesses as SYSREG exits, answered with a value or a fault; the
 * interrupt lines and the guest timer.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "axvcpu_guest.h"

#define SBI_EXT_BASE	0x10
#define SBI_EXT_TIME	0x54494D45
#define SBI_EXT_IPI	0x735049
#define SBI_EXT_RFENCE	0x52464E43
#define SBI_EXT_HSM	0x48534D
#define SBI_EXT_SRST	0x53525354
#define SBI_ERR_NOT_SUPPORTED	(-2L)
#define SBI_ERR_FAILURE		(-1L)

#define MMIO		AXV_GUEST_MMIO_GPA
#define CAUSE_IRQ	(1UL << 63)

FIXTURE(rv)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axvcpu_info info;
};

FIXTURE_SETUP(rv)
{
	axv_read_info(&self->info);
	if (self->info.arch != AXVCPU_ARCH_RISCV_H)
		SKIP(return, "riscv64 H only; backend is %s",
		     axv_arch_name(self->info.arch));
}

FIXTURE_TEARDOWN(rv)
{
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
}

/* An SBI call: a0 (error) and a1 (value) back. */
struct sbiret {
	long error;
	long value;
};

static struct sbiret sbi_call(unsigned long eid, unsigned long fid,
			      unsigned long a0, unsigned long a1,
			      unsigned long a2)
{
	register unsigned long r0 asm("a0") = a0;
	register unsigned long r1 asm("a1") = a1;
	register unsigned long r2 asm("a2") = a2;
	register unsigned long r6 asm("a6") = fid;
	register unsigned long r7 asm("a7") = eid;

	asm volatile("ecall" : "+r"(r0), "+r"(r1)
		     : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct sbiret){ r0, r1 };
}

/* ---- SBI calls answered in the kernel ---- */

static void base_guest(void)
{
	struct sbiret r;

	r = sbi_call(SBI_EXT_BASE, 0, 0, 0, 0);		/* spec version */
	GUEST_SYNC2(r.error, r.value);
	r = sbi_call(SBI_EXT_BASE, 3, SBI_EXT_TIME, 0, 0);	/* probe */
	GUEST_SYNC2(r.error, r.value);
	r = sbi_call(SBI_EXT_BASE, 3, SBI_EXT_HSM, 0, 0);
	GUEST_SYNC2(r.error, r.value);
	r = sbi_call(SBI_EXT_RFENCE, 1, 0, -1UL, 0);	/* sfence.vma, all */
	GUEST_SYNC2(r.error, r.value);
	r = sbi_call(SBI_EXT_RFENCE, 0, 0, -1UL, 0);	/* fence.i */
	GUEST_SYNC2(r.error, r.value);
	r = sbi_call(SBI_EXT_BASE, 99, 0, 0, 0);	/* no such function */
	GUEST_SYNC2(r.error, r.value);
}

TEST_F(rv, sbi_base_and_rfence_in_kernel)
{
	struct axv_ucall uc;

	self->vcpu = axv_guest_vm(&self->vm, base_guest, 0);
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(0, uc.args[0]);
	ASSERT_EQ(1UL << 24, uc.args[1]) TH_LOG("SBI spec version 1.0");
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(0, uc.args[0]);
	ASSERT_EQ(1, uc.args[1]) TH_LOG("TIME is offered");
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(1, uc.args[1]) TH_LOG("HSM is offered");
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(0, uc.args[0]) TH_LOG("remote sfence.vma");
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(0, uc.args[0]) TH_LOG("remote fence.i");
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ((__u64)SBI_ERR_NOT_SUPPORTED, uc.args[0]);
	ASSERT_RUN_DONE(self->vcpu);
}

/* ---- SBI calls that exit ---- */

static void hypercall_guest(void)
{
	register unsigned long a0 asm("a0") = 10, a1 asm("a1") = 11;
	register unsigned long a2 asm("a2") = 12, a3 asm("a3") = 13;
	register unsigned long a4 asm("a4") = 14, a5 asm("a5") = 15;
	register unsigned long a6 asm("a6") = 6, a7 asm("a7") = 0x0a000000;
	struct sbiret r;

	asm volatile("ecall" : "+r"(a0), "+r"(a1)
		     : "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a6), "r"(a7)
		     : "memory");
	GUEST_SYNC2(a0, a1);
	/* not answered: the presets, NOT_SUPPORTED and a1 unchanged */
	r = sbi_call(0x0a000001, 0, 0, 0x77, 0);
	GUEST_SYNC2(r.error, r.value);
	/* a probe of an extension the kernel does not know asks the VMM */
	r = sbi_call(SBI_EXT_BASE, 3, 0x0a000002, 0, 0);
	GUEST_SYNC2(r.error, r.value);
}

TEST_F(rv, unknown_sbi_call_is_hypercall)
{
	struct axvcpu_run *run;
	struct axv_ucall uc;
	int i;

	self->vcpu = axv_guest_vm(&self->vm, hypercall_guest, 0);
	run = self->vcpu->run;
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HYPERCALL);
	ASSERT_EQ(0x0a000000, run->hypercall.nr);
	ASSERT_EQ(6, run->hypercall.func);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(10 + i, run->hypercall.args[i]);
	ASSERT_EQ((__u64)SBI_ERR_NOT_SUPPORTED, run->hypercall.ret);
	ASSERT_EQ(11, run->hypercall.ret_extra[0]);
	ASSERT_EQ(10, run->hw_exit[0]) TH_LOG("scause 10: ecall from VS");
	run->hypercall.ret = 0;
	run->hypercall.ret_extra[0] = 0x1234;
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(0, uc.args[0]);
	ASSERT_EQ(0x1234, uc.args[1]);

	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HYPERCALL);
	ASSERT_EQ(0x0a000001, run->hypercall.nr);
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ((__u64)SBI_ERR_NOT_SUPPORTED, uc.args[0]);
	ASSERT_EQ(0x77, uc.args[1]);

	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HYPERCALL);
	ASSERT_EQ(SBI_EXT_BASE, run->hypercall.nr);
	ASSERT_EQ(3, run->hypercall.func);
	ASSERT_EQ(0x0a000002, run->hypercall.args[0]);
	run->hypercall.ret = 0;
	run->hypercall.ret_extra[0] = 1;
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(0, uc.args[0]);
	ASSERT_EQ(1, uc.args[1]);
	ASSERT_RUN_DONE(self->vcpu);
}

static void hsm_guest(void)
{
	struct sbiret r;

	r = sbi_call(SBI_EXT_HSM, 0, 3, 0x80200000, 0xfeed);	/* hart_start */
	GUEST_SYNC2(r.error, r.value);
	r = sbi_call(SBI_EXT_HSM, 1, 0, 0, 0);			/* hart_stop */
	GUEST_SYNC2(r.error, r.value);
	r = sbi_call(SBI_EXT_IPI, 0, 0x5, 2, 0);		/* send_ipi */
	GUEST_SYNC2(r.error, r.value);
	r = sbi_call(SBI_EXT_IPI, 0, 0, -1UL, 0);
	GUEST_SYNC2(r.error, r.value);
	sbi_call(SBI_EXT_SRST, 0, 1, 5, 0);	/* cold reboot, reason 5 */
	sbi_call(0x8, 0, 0, 0, 0);				/* legacy shutdown */
}

TEST_F(rv, hsm_ipi_srst_exits)
{
	struct axvcpu_run *run;
	struct axv_ucall uc;

	self->vcpu = axv_guest_vm(&self->vm, hsm_guest, 0);
	run = self->vcpu->run;
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_CPU_UP);
	ASSERT_EQ(3, run->cpu_up.target_cpu);
	ASSERT_EQ(0x80200000, run->cpu_up.entry_point);
	ASSERT_EQ(0xfeed, run->cpu_up.arg);
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(0, uc.args[0]) TH_LOG("hart_start: success preset");

	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_CPU_DOWN);
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ((__u64)SBI_ERR_FAILURE, uc.args[0])
		TH_LOG("a hart_stop that returns failed");

	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SEND_IPI);
	ASSERT_EQ(0x5, run->send_ipi.target_cpu);
	ASSERT_EQ(2, run->send_ipi.target_cpu_aux);
	ASSERT_EQ(0, run->send_ipi.send_to_all);
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(0, uc.args[0]);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SEND_IPI);
	ASSERT_EQ(1, run->send_ipi.send_to_all);
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);

	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSTEM_DOWN);
	ASSERT_EQ(1, axv_get_gpr(self->vcpu, 10)) TH_LOG("a0: the reset type");
	ASSERT_EQ(5, axv_get_gpr(self->vcpu, 11)) TH_LOG("a1: the reason");
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSTEM_DOWN);
	ASSERT_RUN_DONE(self->vcpu);
}

/* ---- MMIO ---- */

/* A load of each kind from @addr (the compiler would pick LBU + shifts). */
#define MMIO_LOAD(insn, addr) ({					\
	unsigned long __v;						\
	asm volatile(insn " %0, 0(%1)" : "=r"(__v) : "r"(addr) : "memory"); \
	__v;								\
})

static void mmio_guest(void)
{
	unsigned long v;

	GUEST_SYNC(MMIO_LOAD("lb", MMIO));
	GUEST_SYNC(MMIO_LOAD("lbu", MMIO));
	GUEST_SYNC(MMIO_LOAD("lh", MMIO + 0x10));
	GUEST_SYNC(MMIO_LOAD("lw", MMIO + 0x20));
	GUEST_SYNC(MMIO_LOAD("lwu", MMIO + 0x20));
	GUEST_SYNC(MMIO_LOAD("ld", MMIO + 0x30));
	*(volatile __u8 *)MMIO = 0x12;
	*(volatile __u16 *)(MMIO + 0x10) = 0x3456;
	*(volatile __u32 *)(MMIO + 0x20) = 0x789abcde;
	*(volatile __u64 *)(MMIO + 0x30) = 0x0102030405060708ULL;
	/* compressed forms: c.lw and c.sw (x8-x15, offsets scaled) */
	asm volatile("mv s0, %1\n\t"
		     "c.lw a5, 4(s0)\n\t"
		     "mv %0, a5\n\t"
		     : "=r"(v) : "r"(MMIO + 0x40) : "s0", "a5", "memory");
	GUEST_SYNC(v);
	asm volatile("mv s0, %0\n\t"
		     "li a5, 0x55aa\n\t"
		     "c.sw a5, 8(s0)\n\t"
		     : : "r"(MMIO + 0x40) : "s0", "a5", "memory");
}

#define ASSERT_MMIO(_v, _r, _addr, _w) do {				\
	ASSERT_RUN_EXIT(_v, _r);					\
	ASSERT_EQ((__u64)(_addr), (_v)->run->mmio.addr);		\
	ASSERT_EQ(_w, (_v)->run->mmio.width);				\
} while (0)

TEST_F(rv, mmio_loads_and_stores)
{
	struct axv_vcpu *v;

	v = self->vcpu = axv_guest_vm(&self->vm, mmio_guest, 0);
	ASSERT_MMIO(v, AXVCPU_EXIT_MMIO_READ, MMIO, 1);
	ASSERT_EQ(1, v->run->mmio.sign_ext);
	v->run->mmio.data = 0x80;
	ASSERT_RUN_SYNC(v, (__u64)(__s64)(__s8)0x80);
	ASSERT_MMIO(v, AXVCPU_EXIT_MMIO_READ, MMIO, 1);
	ASSERT_EQ(0, v->run->mmio.sign_ext);
	v->run->mmio.data = 0xff80;	/* bytes beyond the width are dropped */
	ASSERT_RUN_SYNC(v, 0x80);
	ASSERT_MMIO(v, AXVCPU_EXIT_MMIO_READ, MMIO + 0x10, 2);
	v->run->mmio.data = 0x8001;
	ASSERT_RUN_SYNC(v, (__u64)(__s64)(__s16)0x8001);
	ASSERT_MMIO(v, AXVCPU_EXIT_MMIO_READ, MMIO + 0x20, 4);
	v->run->mmio.data = 0x80000001;
	ASSERT_RUN_SYNC(v, 0xffffffff80000001ULL);
	ASSERT_MMIO(v, AXVCPU_EXIT_MMIO_READ, MMIO + 0x20, 4);
	ASSERT_EQ(0, v->run->mmio.sign_ext);
	v->run->mmio.data = 0x80000001;
	ASSERT_RUN_SYNC(v, 0x80000001);
	ASSERT_MMIO(v, AXVCPU_EXIT_MMIO_READ, MMIO + 0x30, 8);
	v->run->mmio.data = 0x1122334455667788ULL;
	ASSERT_RUN_SYNC(v, 0x1122334455667788ULL);

	ASSERT_MMIO(v, AXVCPU_EXIT_MMIO_WRITE, MMIO, 1);
	ASSERT_EQ(0x12, v->run->mmio.data);
	ASSERT_MMIO(v, AXVCPU_EXIT_MMIO_WRITE, MMIO + 0x10, 2);
	ASSERT_EQ(0x3456, v->run->mmio.data);
	ASSERT_MMIO(v, AXVCPU_EXIT_MMIO_WRITE, MMIO + 0x20, 4);
	ASSERT_EQ(0x789abcde, v->run->mmio.data);
	ASSERT_MMIO(v, AXVCPU_EXIT_MMIO_WRITE, MMIO + 0x30, 8);
	ASSERT_EQ(0x0102030405060708ULL, v->run->mmio.data);

	ASSERT_MMIO(v, AXVCPU_EXIT_MMIO_READ, MMIO + 0x44, 4);
	ASSERT_EQ(15, v->run->mmio.reg) TH_LOG("c.lw into a5 (x15)");
	v->run->mmio.data = 0x7fffffff;
	ASSERT_RUN_SYNC(v, 0x7fffffff);
	ASSERT_MMIO(v, AXVCPU_EXIT_MMIO_WRITE, MMIO + 0x48, 4);
	ASSERT_EQ(0x55aa, v->run->mmio.data);
	ASSERT_RUN_DONE(v);
}

/* ---- nested page faults ---- */

static void ro_store_guest(void)
{
	*(volatile __u32 *)(AXV_GUEST_FREE_GPA + 0x100) = 1;
	GUEST_SYNC(1);
	((void (*)(void))(MMIO + 0x1000))();
}

TEST_F(rv, read_only_store_and_fetch_are_npf)
{
	self->vcpu = axv_guest_vm(&self->vm, ro_store_guest, 0);
	axv_mem_add(&self->vm, AXV_GUEST_FREE_SLOT, AXV_GUEST_FREE_GPA, 0x1000,
		    AXVCPU_MEM_READONLY, NULL);
	ASSERT_RUN_NPF(self->vcpu, AXV_GUEST_FREE_GPA + 0x100,
		       AXVCPU_ACCESS_WRITE);
	ASSERT_EQ(23, self->vcpu->run->hw_exit[0]) TH_LOG("store guest-page fault");
	/* retried: still read-only, the same exit */
	ASSERT_RUN_NPF(self->vcpu, AXV_GUEST_FREE_GPA + 0x100,
		       AXVCPU_ACCESS_WRITE);
	axv_mem_delete(&self->vm, AXV_GUEST_FREE_SLOT);
	axv_mem_add(&self->vm, AXV_GUEST_FREE_SLOT, AXV_GUEST_FREE_GPA, 0x1000,
		    0, NULL);
	ASSERT_RUN_SYNC(self->vcpu, 1);
	ASSERT_RUN_NPF(self->vcpu, MMIO + 0x1000, AXVCPU_ACCESS_EXEC);
}

/* ---- WFI, CSRs ---- */

static void wfi_guest(void)
{
	guest_halt();
	GUEST_SYNC(1);
}

TEST_F(rv, wfi_is_halt)
{
	self->vcpu = axv_guest_vm(&self->vm, wfi_guest, 0);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HALT);
	ASSERT_EQ(22, self->vcpu->run->hw_exit[0]) TH_LOG("virtual instruction");
	ASSERT_RUN_SYNC(self->vcpu, 1);
}

static volatile __u64 trap_cause, trap_tval;

/* The external line stays up: its handler masks it (sie.SEIE). */
static void ext_handler(__u64 cause)
{
	trap_cause = cause;
	asm volatile("csrc sie, %0" : : "r"(1UL << 9));
}

/* Sstc offered (henvcfg.STCE): the guest writes stimecmp, else SBI */
static bool guest_sstc;

static void set_timer(unsigned long when)
{
	if (guest_sstc)
		asm volatile("csrw stimecmp, %0" : : "r"(when));
	else
		sbi_call(SBI_EXT_TIME, 0, when, 0, 0);
}

/* The timer stays pending until stimecmp moves: the handler moves it. */
static void timer_handler(__u64 cause)
{
	trap_cause = cause;
	set_timer(-1UL);
}

static void csr_guest(void)
{
	unsigned long v;

	asm volatile("csrr %0, hpmcounter3" : "=r"(v));
	GUEST_SYNC(v);
	asm volatile("csrw hstatus, %0" : : "r"(0x1234UL));
	GUEST_SYNC(2);
	{
		register unsigned long a0 asm("a0");

		asm volatile("csrr a0, 0x603" : "=r"(a0));	/* hideleg */
		GUEST_SYNC(a0);
	}
}

TEST_F(rv, trapping_csr_is_sysreg)
{
	struct axvcpu_run *run;

	self->vcpu = axv_guest_vm(&self->vm, csr_guest, 0);
	run = self->vcpu->run;
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSREG_READ);
	ASSERT_EQ(0xc03, run->sysreg.addr);
	run->sysreg.value = 0xabcdef;
	ASSERT_RUN_SYNC(self->vcpu, 0xabcdef);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSREG_WRITE);
	ASSERT_EQ(0x600, run->sysreg.addr);
	ASSERT_EQ(0x1234, run->sysreg.value);
	ASSERT_RUN_SYNC(self->vcpu, 2);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSREG_READ);
	ASSERT_EQ(0x603, run->sysreg.addr);
	ASSERT_EQ(10, run->sysreg.reg) TH_LOG("destination a0");
	run->sysreg.value = 7;
	ASSERT_RUN_SYNC(self->vcpu, 7);
	ASSERT_RUN_DONE(self->vcpu);
}

static void csr_fault_guest(void)
{
	unsigned long v = 5;

	trap_cause = 0;
	asm volatile("csrr %0, hpmcounter4" : "+r"(v));
	GUEST_SYNC2(trap_cause, v);
}

/* The illegal-instruction trap the guest takes when the VMM says so. */
void illegal_handler(void);

TEST_F(rv, sysreg_fault_is_illegal_instruction)
{
	struct axvcpu_regs regs;

	self->vcpu = axv_guest_vm(&self->vm, csr_fault_guest, 0);
	/* the guest's own trap vector: skips the faulting instruction */
	axv_get_regs(self->vcpu, &regs);
	regs.riscv64.vstvec = (__u64)(uintptr_t)illegal_handler;
	axv_set_regs(self->vcpu, &regs);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_SYSREG_READ);
	ASSERT_EQ(0xc04, self->vcpu->run->sysreg.addr);
	self->vcpu->run->complete_fault = 1;
	ASSERT_RUN_SYNC(self->vcpu, 2);	/* scause 2: illegal instruction */
	ASSERT_EQ(5, self->vcpu->run->hypercall.args[2]) TH_LOG("rd unchanged");
	ASSERT_EQ(0, self->vcpu->run->complete_fault);
	ASSERT_EQ(0xc0402573 & 0xfff0007f,
		  axv_guest_read_global(&self->vm, trap_tval) & 0xfff0007f)
		TH_LOG("stval is the CSR instruction");
}

/* a trap handler in C would need the library's entry; this one is asm */
asm(".pushsection .text\n"
    ".align 2\n"
    ".globl illegal_handler\n"
    "illegal_handler:\n"
    "	csrr t0, scause\n"
    "	la t1, trap_cause\n"
    "	sd t0, 0(t1)\n"
    "	csrr t0, stval\n"
    "	la t1, trap_tval\n"
    "	sd t0, 0(t1)\n"
    "	csrr t0, sepc\n"
    "	addi t0, t0, 4\n"
    "	csrw sepc, t0\n"
    "	sret\n"
    ".popsection\n");

/* ---- interrupt lines and the timer ---- */

static void line_guest(void)
{
	guest_irq_set_handler(ext_handler);
	GUEST_SYNC(0);
	guest_irq_enable();
	while (!trap_cause)
		guest_cpu_relax();
	guest_irq_disable();
	GUEST_SYNC(trap_cause);
}

TEST_F(rv, external_line_reaches_guest)
{
	struct axvcpu_irq_line l = { .line = AXVCPU_RISCV_IRQ_LINE_VSEI, .level = 1 };
	struct axvcpu_regs regs;

	self->vcpu = axv_guest_vm(&self->vm, line_guest, 0);
	ASSERT_RUN_SYNC(self->vcpu, 0);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, AXVCPU_SET_IRQ_LINE, &l));
	axv_get_regs(self->vcpu, &regs);
	ASSERT_EQ(1UL << 9, regs.riscv64.vsip & (1UL << 9)) TH_LOG("vsip.SEIP");
	/* level: the guest takes it for as long as it is up; lower it first */
	l.level = 0;
	ASSERT_RUN_SYNC(self->vcpu, 9);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, AXVCPU_SET_IRQ_LINE, &l));
	ASSERT_RUN_DONE(self->vcpu);
	l.line = 3;
	l.level = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_IRQ_LINE, &l));
}

static void timer_guest(void)
{
	unsigned long now;

	guest_irq_set_handler(timer_handler);
	asm volatile("rdtime %0" : "=r"(now));
	/* 1 ms at 10 MHz: stimecmp is the guest's vstimecmp with Sstc */
	set_timer(now + 10000);
	guest_safe_halt();
	guest_irq_disable();
	GUEST_SYNC(trap_cause);
	asm volatile("rdtime %0" : "=r"(now));
	sbi_call(SBI_EXT_TIME, 0, now + 10000, 0, 0);
	trap_cause = 0;
	guest_safe_halt();
	guest_irq_disable();
	GUEST_SYNC(trap_cause);
}

TEST_F(rv, timer_wakes_wfi_in_kernel)
{
	struct axvcpu_sysreg sr = { .id = AXVCPU_SYSREG_RISCV_CSR | 0x60a };

	self->vcpu = axv_guest_vm(&self->vm, timer_guest,
				  AXVCPU_VCPU_HALT_IN_KERNEL);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, AXVCPU_GET_SYSREG, &sr));
	guest_sstc = sr.value >> 63;
	axv_guest_sync_global(&self->vm, guest_sstc);
	ASSERT_RUN_SYNC(self->vcpu, 5);
	/* the same through SBI set_timer */
	ASSERT_RUN_SYNC(self->vcpu, 5);
	ASSERT_RUN_DONE(self->vcpu);
}

/* ---- the register file ---- */

TEST_F(rv, set_regs_refuses_what_the_hart_cannot_hold)
{
	struct axvcpu_regs regs, bad;

	self->vcpu = axv_guest_vm(&self->vm, wfi_guest, 0);
	axv_get_regs(self->vcpu, &regs);
	ASSERT_EQ(AXVCPU_ARCH_RISCV_H, regs.arch);
	ASSERT_EQ(AXVCPU_RISCV_MODE_VS, regs.riscv64.mode);
	ASSERT_EQ(0, regs.riscv64.x[0]);
	/* what GET_REGS gives, SET_REGS takes */
	axv_set_regs(self->vcpu, &regs);

	bad = regs;
	bad.riscv64.mode = 2;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_REGS, &bad));
	bad = regs;
	bad.riscv64.vsatp = 5ULL << 60;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_REGS, &bad));
	bad = regs;
	bad.riscv64.vstvec |= 2;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_REGS, &bad));
	bad = regs;
	bad.riscv64.vsie = 1UL << 11;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_REGS, &bad));
	bad = regs;
	bad.riscv64.reserved[3] = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_REGS, &bad));
	/* nothing of a refused set changed the vCPU */
	axv_get_regs(self->vcpu, &bad);
	ASSERT_EQ(0, memcmp(&regs, &bad, sizeof(regs)));
	/* x0 stays 0 */
	bad.riscv64.x[0] = 5;
	axv_set_regs(self->vcpu, &bad);
	ASSERT_EQ(0, axv_get_gpr(self->vcpu, 0));
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HALT);
}

TEST_F(rv, sysreg_list_round_trips)
{
	__u64 ids[8];
	struct axvcpu_sysreg_list l = { .nr = 8, .ids = (uintptr_t)ids };
	struct axvcpu_sysreg sr = { 0 };
	unsigned int i;

	self->vcpu = axv_guest_vm(&self->vm, wfi_guest, 0);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, AXVCPU_GET_SYSREG_LIST, &l));
	ASSERT_EQ(4, l.nr);
	for (i = 0; i < l.nr; i++) {
		sr.id = ids[i];
		ASSERT_EQ(0, ioctl(self->vcpu->fd, AXVCPU_GET_SYSREG, &sr));
		ASSERT_EQ(0, ioctl(self->vcpu->fd, AXVCPU_SET_SYSREG, &sr))
			TH_LOG("id %#llx value %#llx", (unsigned long long)sr.id,
			       (unsigned long long)sr.value);
	}
	sr.id = AXVCPU_SYSREG_RISCV_CSR | 0x60a;	/* henvcfg: STCE only */
	sr.value = 1;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_SYSREG, &sr));
	sr.id = AXVCPU_SYSREG_RISCV_CSR | 0x180;	/* satp: in the regs */
	ASSERT_ERRNO(ENOENT, ioctl(self->vcpu->fd, AXVCPU_GET_SYSREG, &sr));
}

static void timedelta_guest(void)
{
	unsigned long t;

	asm volatile("rdtime %0" : "=r"(t));
	GUEST_SYNC(t);
}

TEST_F(rv, htimedelta_moves_guest_time)
{
	struct axvcpu_sysreg sr = {
		.id = AXVCPU_SYSREG_RISCV_CSR | 0x605,
		.value = 1ULL << 50,
	};
	struct axv_ucall uc;

	self->vcpu = axv_guest_vm(&self->vm, timedelta_guest, 0);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, AXVCPU_SET_SYSREG, &sr));
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_LE(1ULL << 50, uc.args[0]);
	ASSERT_GT((1ULL << 50) + (1ULL << 40), uc.args[0]);
}

TEST_HARNESS_MAIN
