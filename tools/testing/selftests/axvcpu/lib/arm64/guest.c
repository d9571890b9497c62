// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 part of the C guest library (include/axvcpu_guest.h,
 * include/arm64/guest_arch.h): EL1h with the MMU on through an identity
 * map, set up by SETUP, SET_REGS and SET_SYSREG; the exception vectors
 * and the guest primitives.
 */
#include <sys/ioctl.h>

#include "axvcpu_guest.h"

static void (*guest_irq_handler)(__u64 vector);

#define PT_GPA		(AXV_GUEST_SYS_GPA + 0x1000)
/* block descriptors (Arm ARM D8.3): AttrIndx 0 normal, 1 device; AF; SH */
#define PT_BLOCK	0x1ULL
#define PT_ATTR(i)	((__u64)(i) << 2)
#define PT_SH_INNER	(3ULL << 8)
#define PT_AF		(1ULL << 10)
#define PT_XN		(3ULL << 53)	/* PXN and UXN */
/* MAIR: attribute 0 normal write-back, 1 device-nGnRnE */
#define GUEST_MAIR	0x00ffULL
/* TCR: 39-bit VA (T0SZ 25), walks write-back, no TTBR1 (EPD1), 40-bit IPS */
#define GUEST_TCR	(25ULL | (1ULL << 8) | (1ULL << 10) | (3ULL << 12) | \
			 (1ULL << 23) | (2ULL << 32))
/* SCTLR_EL1: its RES1 bits, M, C, SA, I */
#define GUEST_SCTLR	(0x30d00800ULL | (1 << 0) | (1 << 2) | (1 << 3) | \
			 (1 << 12))
#define GUEST_CPACR	(3ULL << 20)	/* FPEN: FP/SIMD at EL1 and EL0 */
#define PSTATE_EL1H_DAIF 0x3c5ULL

#define SYSREG(op0, op1, crn, crm, op2)					\
	(AXVCPU_SYSREG_ARM64 | AXVCPU_SYSREG_ARM64_ENC(op0, op1, crn, crm, op2))
#define SYS_SCTLR_EL1	SYSREG(3, 0, 1, 0, 0)
#define SYS_CPACR_EL1	SYSREG(3, 0, 1, 0, 2)
#define SYS_TTBR0_EL1	SYSREG(3, 0, 2, 0, 0)
#define SYS_TCR_EL1	SYSREG(3, 0, 2, 0, 2)
#define SYS_MAIR_EL1	SYSREG(3, 0, 10, 2, 0)
#define SYS_VBAR_EL1	SYSREG(3, 0, 12, 0, 0)

extern const char guest_arm64_vectors[];

void guest_arch_vm_init(struct axv_vm *vm)
{
	__u64 *pt = axv_gpa2hva(vm, PT_GPA);
	int i;

	for (i = 0; i < 512; i++) {
		bool dev = (__u64)i == AXV_GUEST_MMIO_GPA >> 30;

		pt[i] = ((__u64)i << 30) | PT_BLOCK | PT_AF |
			(dev ? PT_ATTR(1) | PT_XN : PT_ATTR(0) | PT_SH_INNER);
	}
	*axv_guest_global(vm, guest_irq_handler) = NULL;
}

static void set_sysreg(struct axv_vcpu *vcpu, __u64 id, __u64 value)
{
	struct axvcpu_sysreg r = { .id = id, .value = value };

	AXV_REQUIRE(ioctl(vcpu->fd, AXVCPU_SET_SYSREG, &r) == 0,
		    "AXVCPU_SET_SYSREG %#llx", (unsigned long long)id);
}

void guest_arch_vcpu_init(struct axv_vcpu *vcpu, __u64 entry, __u64 stack_top)
{
	struct axvcpu_regs regs;
	struct axvcpu_arm64_regs *r = &regs.arm64;

	/* SETUP (CREATED only) does the reset; SET_REGS alone restarts */
	if (axv_get_state(vcpu) == AXVCPU_STATE_CREATED)
		axv_vcpu_setup(vcpu, entry, 0);
	axv_get_regs(vcpu, &regs);
	memset(r, 0, sizeof(*r));
	r->x[30] = (__u64)(uintptr_t)guest_return_trampoline;	/* lr */
	r->sp_el1 = stack_top;
	r->pc = entry;
	r->pstate = PSTATE_EL1H_DAIF;
	axv_set_regs(vcpu, &regs);
	set_sysreg(vcpu, SYS_MAIR_EL1, GUEST_MAIR);
	set_sysreg(vcpu, SYS_TCR_EL1, GUEST_TCR);
	set_sysreg(vcpu, SYS_TTBR0_EL1, PT_GPA);
	set_sysreg(vcpu, SYS_CPACR_EL1, GUEST_CPACR);
	set_sysreg(vcpu, SYS_VBAR_EL1, (__u64)(uintptr_t)guest_arm64_vectors);
	set_sysreg(vcpu, SYS_SCTLR_EL1, GUEST_SCTLR);
}

void guest_arch_set_args(struct axv_vcpu *vcpu, int n, const __u64 *args)
{
	int i;

	for (i = 0; i < n; i++)
		axv_set_gpr(vcpu, i, args[i]);	/* x0.. */
}

/* ------------------------------------------------------------------ */
/* Guest side.                                                         */

__u64 guest_hypercall(__u64 nr, __u64 a0, __u64 a1, __u64 a2, __u64 a3,
		      __u64 a4, __u64 a5)
{
	register __u64 x0 asm("x0") = nr;
	register __u64 x1 asm("x1") = a0;
	register __u64 x2 asm("x2") = a1;
	register __u64 x3 asm("x3") = a2;
	register __u64 x4 asm("x4") = a3;
	register __u64 x5 asm("x5") = a4;
	register __u64 x6 asm("x6") = a5;

	asm volatile("hvc #0"
		     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
		     : "r"(x4), "r"(x5), "r"(x6)
		     : "memory");
	return x0;
}

void guest_halt(void)
{
	asm volatile("wfi" ::: "memory");
}

void guest_safe_halt(void)
{
	/*
	 * WFI wakes for a pending IRQ even while PSTATE.I masks it (Arm ARM
	 * D1.16.2): unmasking afterwards loses nothing, and the interrupt is
	 * taken right then.
	 */
	asm volatile("wfi; msr daifclr, #2" ::: "memory");
}

void guest_irq_enable(void)
{
	asm volatile("msr daifclr, #2" ::: "memory");
}

void guest_irq_disable(void)
{
	asm volatile("msr daifset, #2" ::: "memory");
}

void guest_cpu_relax(void)
{
	asm volatile("yield" ::: "memory");
}

void guest_irq_set_handler(void (*handler)(__u64 vector))
{
	guest_irq_handler = handler;
}

void guest_arm64_irq(__u64 fiq);
void guest_arm64_irq(__u64 fiq)
{
	if (!guest_irq_handler)
		guest_assert_fail("arm64 guest", "an interrupt with no handler "
				  "(values: FIQ, 0)", fiq, 0);
	guest_irq_handler(fiq);
	/*
	 * End of interrupt: the line goes down (axv_run()), and the exit
	 * lets the next entry see what the handler changed (a timer it
	 * masked no longer raises the line)
	 */
	(void)*(volatile __u32 *)AXV_GUEST_IRQ_ACK_GPA;
}

void guest_arm64_sync(__u64 esr, __u64 elr);
void guest_arm64_sync(__u64 esr, __u64 elr)
{
	guest_assert_fail("arm64 guest", "an exception with no handler "
			  "(values: ESR_EL1, ELR_EL1)", esr, elr);
}

/*
 * The vectors (VBAR_EL1, 2 KiB aligned, 16 entries of 0x80 bytes). The
 * guest runs at EL1h: its IRQs and FIQs come to 0x280 and 0x300. An
 * interrupt saves the registers the C calling convention lets the
 * handler change, calls the handler, ends the interrupt (guest_arch.h)
 * and returns to where it hit.
 */
asm(".pushsection .text\n"
    ".balign 2048\n"
    ".globl guest_arm64_vectors\n"
    "guest_arm64_vectors:\n"
    ".rept 5\n"
    "	b guest_arm64_vec_other\n"
    "	.balign 0x80\n"
    ".endr\n"
    /* 0x280: IRQ, current EL with SP_ELx */
    "	sub sp, sp, #176\n"
    "	str x0, [sp, #160]\n"
    "	mov x0, #0\n"
    "	b guest_arm64_vec_irq\n"
    "	.balign 0x80\n"
    /* 0x300: FIQ */
    "	sub sp, sp, #176\n"
    "	str x0, [sp, #160]\n"
    "	mov x0, #1\n"
    "	b guest_arm64_vec_irq\n"
    "	.balign 0x80\n"
    ".rept 9\n"
    "	b guest_arm64_vec_other\n"
    "	.balign 0x80\n"
    ".endr\n"
    "guest_arm64_vec_other:\n"
    "	mrs x0, esr_el1\n"
    "	mrs x1, elr_el1\n"
    "	bl guest_arm64_sync\n"
    "	b .\n"
    "guest_arm64_vec_irq:\n"
    "	stp x1, x2, [sp, #0]\n"
    "	stp x3, x4, [sp, #16]\n"
    "	stp x5, x6, [sp, #32]\n"
    "	stp x7, x8, [sp, #48]\n"
    "	stp x9, x10, [sp, #64]\n"
    "	stp x11, x12, [sp, #80]\n"
    "	stp x13, x14, [sp, #96]\n"
    "	stp x15, x16, [sp, #112]\n"
    "	stp x17, x18, [sp, #128]\n"
    "	stp x29, x30, [sp, #144]\n"
    "	bl guest_arm64_irq\n"
    "	ldp x1, x2, [sp, #0]\n"
    "	ldp x3, x4, [sp, #16]\n"
    "	ldp x5, x6, [sp, #32]\n"
    "	ldp x7, x8, [sp, #48]\n"
    "	ldp x9, x10, [sp, #64]\n"
    "	ldp x11, x12, [sp, #80]\n"
    "	ldp x13, x14, [sp, #96]\n"
    "	ldp x15, x16, [sp, #112]\n"
    "	ldp x17, x18, [sp, #128]\n"
    "	ldp x29, x30, [sp, #144]\n"
    "	ldr x0, [sp, #160]\n"
    "	add sp, sp, #176\n"
    "	eret\n"
    /* a guest function's return: report DONE */
    ".globl guest_return_trampoline\n"
    "guest_return_trampoline:\n"
    "	mov x0, sp\n"
    "	and x0, x0, #~15\n"
    "	mov sp, x0\n"
    "	bl guest_returned\n"
    "	udf #0\n"
    ".popsection\n");
