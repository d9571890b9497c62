// SPDX-License-Identifier: GPL-2.0
/*
 * riscv64 part of the C guest library (include/axvcpu_guest.h,
 * include/riscv64/guest_arch.h): VS mode set up through SETUP and
 * SET_REGS, the trap entry and its dispatcher, and the guest primitives.
 */
#include "axvcpu_guest.h"

static void (*guest_irq_handler)(__u64 vector);

#define SSTATUS_SIE	(1UL << 1)
#define SSTATUS_FS_INIT	(1UL << 13)
#define SIP_SSIP	(1UL << 1)
#define CAUSE_IRQ	(1UL << 63)
/* sie: software, timer and external interrupts (SSIE, STIE, SEIE) */
#define SIE_ALL		0x222UL

extern const char guest_riscv_trap_entry[];

void guest_arch_vm_init(struct axv_vm *vm)
{
	*axv_guest_global(vm, guest_irq_handler) = NULL;
}

void guest_arch_vcpu_init(struct axv_vcpu *vcpu, __u64 entry, __u64 stack_top)
{
	struct axvcpu_regs regs;
	struct axvcpu_riscv64_regs *r = &regs.riscv64;
	__u64 gp;

	/* SETUP (CREATED only) does the reset; SET_REGS alone restarts */
	if (axv_get_state(vcpu) == AXVCPU_STATE_CREATED)
		axv_vcpu_setup(vcpu, entry, 0);
	axv_get_regs(vcpu, &regs);
	/* the image is at the same addresses in the guest: so is its gp */
	asm("mv %0, gp" : "=r"(gp));
	memset(r->x, 0, sizeof(r->x));
	r->x[1] = (__u64)(uintptr_t)guest_return_trampoline;	/* ra */
	r->x[2] = stack_top;					/* sp */
	r->x[3] = gp;
	r->pc = entry;
	r->mode = AXVCPU_RISCV_MODE_VS;
	r->vsstatus = SSTATUS_FS_INIT;
	r->vsie = SIE_ALL;
	r->vstvec = (__u64)(uintptr_t)guest_riscv_trap_entry;
	r->vsscratch = 0;
	r->vsatp = 0;
	r->vsip = 0;
	axv_set_regs(vcpu, &regs);
}

void guest_arch_set_args(struct axv_vcpu *vcpu, int n, const __u64 *args)
{
	int i;

	for (i = 0; i < n; i++)
		axv_set_gpr(vcpu, 10 + i, args[i]);	/* a0.. */
}

/* ------------------------------------------------------------------ */
/* Guest side.                                                         */

__u64 guest_hypercall(__u64 nr, __u64 a0, __u64 a1, __u64 a2, __u64 a3,
		      __u64 a4, __u64 a5)
{
	register __u64 r_a0 asm("a0") = a0;
	register __u64 r_a1 asm("a1") = a1;
	register __u64 r_a2 asm("a2") = a2;
	register __u64 r_a3 asm("a3") = a3;
	register __u64 r_a4 asm("a4") = a4;
	register __u64 r_a5 asm("a5") = a5;
	register __u64 r_a6 asm("a6") = 0;
	register __u64 r_a7 asm("a7") = nr;

	asm volatile("ecall"
		     : "+r"(r_a0), "+r"(r_a1)
		     : "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5), "r"(r_a6),
		       "r"(r_a7)
		     : "memory");
	return r_a0;
}

void guest_halt(void)
{
	asm volatile("wfi" ::: "memory");
}

void guest_safe_halt(void)
{
	/*
	 * WFI wakes for an interrupt that sie enables even with sstatus.SIE
	 * clear (Privileged Architecture 3.3.3): enabling afterwards loses
	 * nothing, and the interrupt is taken right then.
	 */
	asm volatile("wfi; csrs sstatus, %0" : : "r"(SSTATUS_SIE) : "memory");
}

void guest_irq_enable(void)
{
	asm volatile("csrs sstatus, %0" : : "r"(SSTATUS_SIE) : "memory");
}

void guest_irq_disable(void)
{
	asm volatile("csrc sstatus, %0" : : "r"(SSTATUS_SIE) : "memory");
}

void guest_cpu_relax(void)
{
	asm volatile("nop" ::: "memory");
}

void guest_irq_set_handler(void (*handler)(__u64 vector))
{
	guest_irq_handler = handler;
}

void guest_riscv_trap(__u64 scause, __u64 sepc, __u64 stval);
void guest_riscv_trap(__u64 scause, __u64 sepc, __u64 stval)
{
	if (!(scause & CAUSE_IRQ) || !guest_irq_handler)
		guest_assert_fail("riscv64 guest", "a trap with no handler "
				  "(values: scause, sepc)", scause, sepc);
	/* a software interrupt is acknowledged by clearing its pending bit */
	if ((scause & ~CAUSE_IRQ) == AXV_GUEST_IRQ_SEEN)
		asm volatile("csrc sip, %0" : : "r"(SIP_SSIP) : "memory");
	guest_irq_handler(scause & ~CAUSE_IRQ);
}

/*
 * The trap entry (stvec, direct mode): save the registers the C calling
 * convention lets guest_riscv_trap() change, call it, sret. The handler
 * runs with sstatus.SIE clear (the trap cleared it) and returns to where
 * the trap hit, with SIE as it was (sstatus.SPIE).
 */
asm(".pushsection .text\n"
    ".align 2\n"
    ".globl guest_riscv_trap_entry\n"
    "guest_riscv_trap_entry:\n"
    "	addi sp, sp, -144\n"
    "	sd ra, 0(sp)\n"
    "	sd t0, 8(sp)\n"
    "	sd t1, 16(sp)\n"
    "	sd t2, 24(sp)\n"
    "	sd a0, 32(sp)\n"
    "	sd a1, 40(sp)\n"
    "	sd a2, 48(sp)\n"
    "	sd a3, 56(sp)\n"
    "	sd a4, 64(sp)\n"
    "	sd a5, 72(sp)\n"
    "	sd a6, 80(sp)\n"
    "	sd a7, 88(sp)\n"
    "	sd t3, 96(sp)\n"
    "	sd t4, 104(sp)\n"
    "	sd t5, 112(sp)\n"
    "	sd t6, 120(sp)\n"
    "	csrr a0, scause\n"
    "	csrr a1, sepc\n"
    "	csrr a2, stval\n"
    "	sd a1, 128(sp)\n"
    "	call guest_riscv_trap\n"
    "	ld a1, 128(sp)\n"
    "	csrw sepc, a1\n"
    "	ld ra, 0(sp)\n"
    "	ld t0, 8(sp)\n"
    "	ld t1, 16(sp)\n"
    "	ld t2, 24(sp)\n"
    "	ld a0, 32(sp)\n"
    "	ld a1, 40(sp)\n"
    "	ld a2, 48(sp)\n"
    "	ld a3, 56(sp)\n"
    "	ld a4, 64(sp)\n"
    "	ld a5, 72(sp)\n"
    "	ld a6, 80(sp)\n"
    "	ld a7, 88(sp)\n"
    "	ld t3, 96(sp)\n"
    "	ld t4, 104(sp)\n"
    "	ld t5, 112(sp)\n"
    "	ld t6, 120(sp)\n"
    "	addi sp, sp, 144\n"
    "	sret\n"
    /* a guest function's return: report DONE */
    ".globl guest_return_trampoline\n"
    "guest_return_trampoline:\n"
    "	andi sp, sp, -16\n"
    "	call guest_returned\n"
    "	unimp\n"
    ".popsection\n");
