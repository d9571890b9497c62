// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64 part of the C guest library (include/axvcpu_guest.h,
 * include/x86_64/guest_arch.h): long mode set up through SETUP and
 * SET_REGS, the IDT and its dispatcher, and the guest primitives.
 */
#include "axvcpu_guest.h"
#include "axvcpu_x86.h"

/* Set by the host in the guest's copy: VMCALL instead of VMMCALL. */
static bool guest_x86_vmcall;
static void (*guest_irq_handler)(__u64 vector);

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)

#define CR0_MP		(1ULL << 1)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

/* SVM-packed attributes (struct axvcpu_x86_segment.attrib) */
#define ATTR_CODE64	0xa9b	/* G, L, P, S, execute/read accessed */
#define ATTR_DATA	0xc93	/* G, D/B, P, S, read/write accessed */
#define ATTR_TSS64_BUSY	0x08b	/* P, 64-bit TSS (busy) */

/* 256 stubs, 16 bytes apart, each pushing an error code and its vector. */
extern const char guest_x86_isr_stubs[];

void guest_arch_vm_init(struct axv_vm *vm)
{
	__u64 *gdt = axv_gpa2hva(vm, AXV_GUEST_GDT_GPA);
	__u64 *pml4 = axv_gpa2hva(vm, AXV_GUEST_PML4_GPA);
	__u64 *pdpt = axv_gpa2hva(vm, AXV_GUEST_PDPT_GPA);
	__u64 *pd = axv_gpa2hva(vm, AXV_GUEST_PD_GPA);
	__u64 *idt = axv_gpa2hva(vm, AXV_GUEST_IDT_GPA);
	__u64 tss = AXV_GUEST_TSS_GPA;
	bool vmx = vm->info.arch == AXVCPU_ARCH_X86_VMX;
	int i;

	/* Intel SDM vol. 3A 3.4.5 (segment descriptors), 7.2.3 (TSS) */
	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffULL;		/* 0x08: 64-bit code */
	gdt[2] = 0x00cf93000000ffffULL;		/* 0x10: data */
	gdt[3] = 0x67 | (tss & 0xffffff) << 16 | 0x8bULL << 40 |
		 (tss >> 24 & 0xff) << 56;	/* 0x18: busy 64-bit TSS */
	gdt[4] = tss >> 32;

	/* 4-level paging, 2 MiB pages (SDM vol. 3A 4.5) */
	pml4[0] = AXV_GUEST_PDPT_GPA | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (AXV_GUEST_PD_GPA + i * 0x1000) | PTE_P | PTE_RW;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = (__u64)i << 21 | PTE_P | PTE_RW | PTE_PS;

	/* 64-bit interrupt gates, selector 0x08, DPL 0 (SDM vol. 3A 6.14.1) */
	for (i = 0; i < 256; i++) {
		__u64 h = (__u64)(uintptr_t)guest_x86_isr_stubs + i * 16;

		idt[2 * i] = (h & 0xffff) | (__u64)AXV_GUEST_CS << 16 |
			     0x8eULL << 40 | (h >> 16 & 0xffff) << 48;
		idt[2 * i + 1] = h >> 32;
	}

	*axv_guest_global(vm, guest_x86_vmcall) = vmx;
	*axv_guest_global(vm, guest_irq_handler) = NULL;
}

static void set_seg(struct axvcpu_x86_segment *s, __u16 sel, __u64 base,
		    __u32 limit, __u16 attrib)
{
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->attrib = attrib;
}

void guest_arch_vcpu_init(struct axv_vcpu *vcpu, __u64 entry, __u64 stack_top)
{
	struct axvcpu_regs regs;
	struct axvcpu_x86_regs *x = &regs.x86;
	__u64 ret = (__u64)(uintptr_t)guest_return_trampoline;

	/*
	 * SETUP (CREATED only) does the architectural reset; long mode comes
	 * by SET_REGS, which alone restarts a FREE or READY vCPU.
	 */
	if (axv_get_state(vcpu) == AXVCPU_STATE_CREATED)
		axv_vcpu_setup(vcpu, entry, AXVCPU_X86_MODE_FLAT32);
	axv_get_regs(vcpu, &regs);
	memset(x->gprs, 0, sizeof(x->gprs));
	/* as if called: the return address on a 16-byte aligned stack */
	memcpy(axv_gpa2hva(vcpu->vm, stack_top - 8), &ret, 8);
	x->gprs[X86_RSP] = stack_top - 8;
	x->rip = entry;
	x->rflags = 0x2;
	x->cr0 = X86_CR0_PE | CR0_MP | X86_CR0_ET | X86_CR0_NE | CR0_WP |
		 CR0_PG;
	x->cr3 = AXV_GUEST_PML4_GPA;
	x->cr4 = CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	x->efer = EFER_LME | EFER_LMA;
	set_seg(&x->cs, AXV_GUEST_CS, 0, 0xffffffff, ATTR_CODE64);
	set_seg(&x->ds, AXV_GUEST_DS, 0, 0xffffffff, ATTR_DATA);
	x->es = x->ds;
	x->fs = x->ds;
	x->gs = x->ds;
	x->ss = x->ds;
	set_seg(&x->tr, AXV_GUEST_TSS_SEL, AXV_GUEST_TSS_GPA, 0x67,
		ATTR_TSS64_BUSY);
	x->gdt.base = AXV_GUEST_GDT_GPA;
	x->gdt.limit = 5 * 8 - 1;
	x->idt.base = AXV_GUEST_IDT_GPA;
	x->idt.limit = 256 * 16 - 1;
	x->cr8 = 0;
	axv_set_regs(vcpu, &regs);
}

void guest_arch_set_args(struct axv_vcpu *vcpu, int n, const __u64 *args)
{
	static const __u32 reg[] = { X86_RDI, X86_RSI, X86_RDX, X86_RCX,
				     X86_R8, X86_R9 };
	int i;

	for (i = 0; i < n; i++)
		axv_set_gpr(vcpu, reg[i], args[i]);
}

/* ------------------------------------------------------------------ */
/* Guest side.                                                         */

__u64 guest_hypercall(__u64 nr, __u64 a0, __u64 a1, __u64 a2, __u64 a3,
		      __u64 a4, __u64 a5)
{
	register __u64 r10 asm("r10") = a3;
	register __u64 r8 asm("r8") = a4;
	register __u64 r9 asm("r9") = a5;
	__u64 ret;

	if (guest_x86_vmcall)
		asm volatile("vmcall"
			     : "=a"(ret)
			     : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10),
			       "r"(r8), "r"(r9)
			     : "memory");
	else
		asm volatile("vmmcall"
			     : "=a"(ret)
			     : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10),
			       "r"(r8), "r"(r9)
			     : "memory");
	return ret;
}

void guest_halt(void)
{
	asm volatile("hlt" ::: "memory");
}

void guest_safe_halt(void)
{
	/* STI's interrupt shadow covers HLT (SDM vol. 2B, STI) */
	asm volatile("sti; hlt" ::: "memory");
}

void guest_irq_enable(void)
{
	asm volatile("sti" ::: "memory");
}

void guest_irq_disable(void)
{
	asm volatile("cli" ::: "memory");
}

void guest_cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

void guest_irq_set_handler(void (*handler)(__u64 vector))
{
	guest_irq_handler = handler;
}

/* What guest_x86_isr_common pushed, lowest address first. */
struct guest_x86_frame {
	__u64 r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	__u64 vector, error_code;
	__u64 rip, cs, rflags, rsp, ss;
};

void guest_x86_isr(struct guest_x86_frame *f);
void guest_x86_isr(struct guest_x86_frame *f)
{
	if (guest_irq_handler)
		guest_irq_handler(f->vector);
	else
		guest_assert_fail("x86 guest", "an interrupt or exception "
				  "with no handler (values: vector, rip)",
				  f->vector, f->rip);
}

/*
 * The stubs: the CPU pushes an error code for vectors 8, 10-14, 17, 21,
 * 29 and 30 (SDM vol. 3A 6.13, AMD APM vol. 2 8.2), the others get a zero
 * one so that every frame looks alike. The common part saves the
 * caller-saved registers and the FPU/SSE state (the handler is C code),
 * calls guest_x86_isr() with RSP 16-byte aligned (the CPU aligned it
 * before pushing its 40-byte frame) and returns with IRETQ.
 */
asm(".pushsection .text\n"
    ".globl guest_x86_isr_stubs\n"
    ".align 16\n"
    "guest_x86_isr_stubs:\n"
    ".set vec, 0\n"
    ".rept 256\n"
    ".align 16\n"
    ".if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30\n"
    ".else\n"
    "	pushq $0\n"
    ".endif\n"
    "	pushq $vec\n"
    "	jmp guest_x86_isr_common\n"
    ".set vec, vec + 1\n"
    ".endr\n"
    "guest_x86_isr_common:\n"
    "	push %rax\n"
    "	push %rcx\n"
    "	push %rdx\n"
    "	push %rsi\n"
    "	push %rdi\n"
    "	push %r8\n"
    "	push %r9\n"
    "	push %r10\n"
    "	push %r11\n"
    "	mov %rsp, %rdi\n"
    "	sub $512, %rsp\n"
    "	fxsave64 (%rsp)\n"
    "	cld\n"
    "	call guest_x86_isr\n"
    "	fxrstor64 (%rsp)\n"
    "	add $512, %rsp\n"
    "	pop %r11\n"
    "	pop %r10\n"
    "	pop %r9\n"
    "	pop %r8\n"
    "	pop %rdi\n"
    "	pop %rsi\n"
    "	pop %rdx\n"
    "	pop %rcx\n"
    "	pop %rax\n"
    "	add $16, %rsp\n"
    "	iretq\n"
    /* a guest function's return: realign the stack, report DONE */
    ".globl guest_return_trampoline\n"
    "guest_return_trampoline:\n"
    "	and $-16, %rsp\n"
    "	call guest_returned\n"
    "	ud2\n"
    ".popsection\n");
