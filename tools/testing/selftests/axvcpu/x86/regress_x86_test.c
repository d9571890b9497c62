// SPDX-License-Identifier: GPL-2.0
/*
 * regress_x86_test: regression tests for bugs the fuzzer and the suite
 * found in the x86 backends, one test per bug, each named after it.
 */
#include <cpuid.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

#define X86_CR0_PG		(1ULL << 31)
#define X86_CR4_PAE		(1ULL << 5)
#define EFER_LME		(1ULL << 8)
#define EFER_LMA		(1ULL << 10)
#define EFER_NXE		(1ULL << 11)

/* #GP handler: OUT 0x0d to port 0xe0, then HLT. */
X86_GUEST(efer_guest, ".code32",
	"mov $" __stringify(X86_STACK_TOP) ", %esp\n\t"
	"lidt " __stringify(X86_IDTR_GPA) "\n\t"
	"mov $0xc0000080, %ecx\n\t"
	"xor %edx, %edx\n\t"
	"mov $0x100, %eax\n\t"		/* EFER.LME with CR4.PAE and CR0.PG clear */
	"wrmsr\n\t"
	"mov $0x11, %al\n\t"		/* not reached: the WRMSR faults */
	"out %al, $0xe1\n\t"
	"hlt\n\t"
	"efer_gp_handler:\n\t"
	"mov $0x0d, %al\n\t"
	"out %al, $0xe0\n\t"
	"rdmsr\n\t"			/* EFER unchanged */
	"out %eax, $0xe2\n\t"
	"mov %cr4, %eax\n\t"		/* now the same through CR4 */
	"or $0x20, %eax\n\t"
	"mov %eax, %cr4\n\t"		/* PAE on: allowed */
	"mov $0x100, %eax\n\t"
	"wrmsr\n\t"			/* LME with PAE: allowed */
	"rdmsr\n\t"
	"out %eax, $0xe3\n\t"
	"mov $" __stringify(X86_STACK_TOP) ", %esp\n\t"
	"mov %cr4, %eax\n\t"
	"and $~0x20, %eax\n\t"
	"mov %eax, %cr4\n\t"		/* PAE off with LME on, paging off: #GP */
	"hlt\n\t");
X86_GUEST_LABEL(efer_gp_handler);

X86_GUEST(triple_then_out_guest, ".code32",
	"lidt " __stringify(X86_DATA_GPA) " + 0x100\n\t"
	"ud2\n\t"
	"good_entry:\n\t"
	"mov $0x77, %al\n\t"
	"out %al, $0xe4\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(good_entry);

/*
 * LOCK MOV CR0 is MOV CR8 on AMD CPUs with AltMovCr8 (CPUID
 * 8000_0001h:ECX[4]), in 32-bit mode too. Interrupts stay off, so an
 * injected interrupt stays pending in V_IRQ while the guest writes CR8.
 */
X86_GUEST(cr8_guest, ".code32",
	"cli\n\t"
	"mov $3, %eax\n\t"
	".byte 0xf0, 0x0f, 0x22, 0xc0\n\t"	/* lock mov %eax, %cr0 = CR8 <- 3 */
	"xor %eax, %eax\n\t"
	".byte 0xf0, 0x0f, 0x20, 0xc0\n\t"	/* lock mov %cr0, %eax = EAX <- CR8 */
	"out %eax, $0xe5\n\t"
	"mov $0xf, %eax\n\t"
	".byte 0xf0, 0x0f, 0x22, 0xc0\n\t"
	".byte 0xf0, 0x0f, 0x20, 0xc0\n\t"
	"out %eax, $0xe6\n\t"
	"hlt\n\t");

/* Ring 3 code calls INT 0x80; its DPL-3 gate runs the handler in ring 0. */
#define TSS_GPA		0x9000
X86_GUEST(ring3_int_guest, ".code32",
	"int $0x80\n\t"
	"hlt\n\t"
	"ring0_handler:\n\t"
	"mov %ss, %eax\n\t"
	"out %eax, $0xe7\n\t"		/* SS0 from the TSS */
	"mov %esp, %eax\n\t"
	"out %eax, $0xe8\n\t"		/* ESP0 less the frame */
	"hlt\n\t");
X86_GUEST_LABEL(ring0_handler);

/* Interrupts off, then a long but finite spin: only a host interrupt ends it early. */
X86_GUEST(cli_spin_guest, ".code32",
	"cli\n\t"
	"mov $0x10000000, %ecx\n\t"
	"1: dec %ecx\n\t"
	"jnz 1b\n\t"
	"mov $0x99, %al\n\t"
	"out %al, $0xe9\n\t"
	"hlt\n\t");

/*
 * Long mode: CR0 bit 32 is reserved. On hardware the MOV to CR0 raises
 * #GP (OUT 0x0d to port 0xea); QEMU 7.2 drops the bit (OUT 0x11).
 */
X86_GUEST(cr0_high_guest, ".code64",
	"mov %cr0, %rax\n\t"
	"bts $32, %rax\n\t"
	"mov %rax, %cr0\n\t"
	"mov $0x11, %al\n\t"
	"out %al, $0xea\n\t"
	"cr0_high_after:\n\t"
	"hlt\n\t"
	"cr0_high_gp_handler:\n\t"
	"mov $0x0d, %al\n\t"
	"out %al, $0xea\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(cr0_high_gp_handler);
X86_GUEST_LABEL(cr0_high_after);

/*
 * From SETUP's state, no SET_REGS: IRET into virtual-8086 mode, where
 * UD2 raises #UD through a ring-0 gate: a stack switch through TR.
 */
X86_GUEST(setup_vm86_guest, ".code32",
	"mov $" __stringify(X86_STACK_TOP) ", %esp\n\t"
	"lidt " __stringify(X86_IDTR_GPA) "\n\t"
	"push $0\n\t"			/* GS, FS, DS, ES, SS */
	"push $0\n\t"
	"push $0\n\t"
	"push $0\n\t"
	"push $0\n\t"
	"push $0x7000\n\t"		/* SP */
	"push $0x20002\n\t"		/* EFLAGS: VM */
	"push $0\n\t"			/* CS */
	"push $" X86_ASM_GPA(setup_vm86_guest, vm86_code) "\n\t"
	"iret\n\t"
	"vm86_code:\n\t"
	"ud2\n\t"
	"vm86_ud_handler:\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(vm86_ud_handler);

FIXTURE(regress) {
	struct axvcpu_info info;
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
};

FIXTURE_SETUP(regress)
{
	axv_read_info(&self->info);
	self->vcpu = NULL;
	self->vm.fd = -1;
}

FIXTURE_TEARDOWN(regress)
{
	if (self->vcpu)
		axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
}

/*
 * Fuzzer finding: EFER.LME with CR0.PG and CR4.PAE clear made QEMU's SVM
 * leave the host CPU on the guest's CR0 at the next #VMEXIT (a hard hang).
 * SET_REGS refuses it and changes nothing.
 */
TEST_F(regress, set_regs_refuses_lme_without_pae)
{
	struct axvcpu_regs good, bad, now;

	AXV_REQUIRE_X86(&self->info);
	self->vcpu = x86_vm_with_guest(&self->vm, triple_then_out_guest_start,
				       triple_then_out_guest_end, 0);
	axv_get_regs(self->vcpu, &good);

	bad = good;
	bad.x86.efer = EFER_LME;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_REGS, &bad));
	bad.x86.efer = 1ULL << 14;	/* FFXSR: not offered */
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_REGS, &bad));
	bad.x86.efer = 0xffff;
	ASSERT_ERRNO(EINVAL, ioctl(self->vcpu->fd, AXVCPU_SET_REGS, &bad));
	axv_get_regs(self->vcpu, &now);
	ASSERT_EQ(0, memcmp(&good, &now, sizeof(now))) TH_LOG("a refused SET_REGS changed the registers");
	ASSERT_STATE(self->vcpu, AXVCPU_STATE_READY);

	/* LME with PAE (paging still off) and NXE are fine. */
	bad = good;
	bad.x86.efer = EFER_LME | EFER_NXE;
	bad.x86.cr4 = X86_CR4_PAE;
	ASSERT_OK(ioctl(self->vcpu->fd, AXVCPU_SET_REGS, &bad));
}

/* The same state reached by the guest itself: WRMSR and MOV CR4 raise #GP. */
TEST_F(regress, guest_cannot_set_lme_without_pae)
{
	struct axv_vcpu *vcpu;

	AXV_REQUIRE_X86(&self->info);
	vcpu = self->vcpu = x86_vm_with_guest(&self->vm, efer_guest_start,
					      efer_guest_end, 0);
	x86_idt_set_gate(&self->vm, 13, X86_GUEST_GPA(efer_guest, efer_gp_handler));

	ASSERT_RUN_IO_WRITE(vcpu, 0xe0, 1, 0x0d);
	ASSERT_RUN_IO_WRITE(vcpu, 0xe2, 4, 0);		/* EFER as before */
	ASSERT_RUN_IO_WRITE(vcpu, 0xe3, 4, EFER_LME);	/* set once PAE was on */
	/* Clearing PAE now faults into the handler again. */
	ASSERT_RUN_IO_WRITE(vcpu, 0xe0, 1, 0x0d);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

/*
 * Bug: after a SHUTDOWN exit the event that triple-faulted stayed queued
 * and was injected again on every entry, so a good state loaded with
 * SET_REGS still ended in SYSTEM_DOWN.
 */
TEST_F(regress, shutdown_then_new_state_runs)
{
	struct axvcpu_regs regs;
	struct axv_vcpu *vcpu;

	AXV_REQUIRE_X86(&self->info);
	vcpu = self->vcpu = x86_vm_with_guest(&self->vm, triple_then_out_guest_start,
					      triple_then_out_guest_end, 0);
	axv_get_regs(vcpu, &regs);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_SYSTEM_DOWN);

	regs.x86.rip = X86_GUEST_GPA(triple_then_out_guest, good_entry);
	axv_set_regs(vcpu, &regs);
	ASSERT_RUN_IO_WRITE(vcpu, 0xe4, 1, 0x77);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

/*
 * Fuzzer finding (make fuzz, seed 2933366287): QEMU 7.2 aborted the whole
 * emulated machine ("tcg_handle_interrupt: assertion failed:
 * (qemu_mutex_iothread_locked())") when a guest wrote CR8 while a virtual
 * interrupt was pending: its MOV CR8 helper raises the interrupt without
 * the lock it needs. CR8 writes are intercepted and done by the module
 * (V_TPR), so the guest's write never reaches that path; the guest still
 * reads back what it wrote.
 */
TEST_F(regress, cr8_write_with_interrupt_pending)
{
	unsigned int eax, ebx, ecx, edx;
	struct axv_vcpu *vcpu;

	AXV_REQUIRE_X86(&self->info);
	if (self->info.arch != AXVCPU_ARCH_X86_SVM)
		SKIP(return, "LOCK MOV CR0 as CR8 is AMD's");
	if (!__get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) || !(ecx & (1U << 4)))
		SKIP(return, "this CPU has no AltMovCr8 (CPUID 8000_0001h:ECX[4])");
	vcpu = self->vcpu = x86_vm_with_guest(&self->vm, cr8_guest_start,
					      cr8_guest_end, 0);
	ASSERT_EQ(0, axv_inject(vcpu, 0x30));
	ASSERT_RUN_IO_WRITE(vcpu, 0xe5, 4, 3);
	ASSERT_RUN_IO_WRITE(vcpu, 0xe6, 4, 0xf);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

/*
 * Fuzzer finding (make fuzz, seed 2933366287, after the CR8 fix): a guest
 * in ring 3 (there: virtual-8086 mode) taking an interrupt made QEMU 7.2
 * abort the whole machine ("qemu: fatal: invalid tss type"): its TCG
 * expects TR's hidden type to be an available TSS, as LTR leaves it, and
 * SETUP gave the busy type. The module keeps the busy bit clear in the
 * VMCB (it means nothing to the CPU there); SET_REGS refuses a TR that is
 * not a present TSS, the rules VMX checks at entry.
 */
TEST_F(regress, ring3_interrupt_switches_stack_through_tss)
{
	__u32 *tss, *gdt;
	struct axvcpu_regs regs, back;
	struct axv_vcpu *vcpu;
	__u16 *gate;

	AXV_REQUIRE_X86(&self->info);
	vcpu = self->vcpu = x86_vm_with_guest(&self->vm, ring3_int_guest_start,
					      ring3_int_guest_end, 0);
	/* ring-3 code and data at 0x18 and 0x20 */
	gdt = axv_gpa2hva(&self->vm, X86_GDT_GPA + 0x18);
	gdt[0] = 0x0000ffff;
	gdt[1] = 0x00cffb00;
	gdt[2] = 0x0000ffff;
	gdt[3] = 0x00cff300;
	tss = axv_gpa2hva(&self->vm, TSS_GPA);
	memset(tss, 0, 104);
	tss[1] = X86_STACK_TOP;		/* ESP0 */
	tss[2] = 0x10;			/* SS0 */
	x86_idt_set_gate(&self->vm, 0x80,
			 X86_GUEST_GPA(ring3_int_guest, ring0_handler));
	gate = axv_gpa2hva(&self->vm, X86_IDT_GPA + 0x80 * 8);
	gate[2] = 0xee00;		/* DPL 3 */

	axv_get_regs(vcpu, &regs);
	/* not a present TSS: refused, nothing changed */
	back = regs;
	back.x86.tr.attrib = 0x00b;			/* P clear */
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &back));
	back.x86.tr.attrib = 0x08e;			/* an interrupt gate */
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &back));
	back.x86.tr.attrib = 0x09b;			/* S set: a code segment */
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &back));
	back.x86.tr.attrib = 0x083;			/* 16-bit TSS in long mode */
	back.x86.efer = EFER_LME | (1ULL << 10);
	back.x86.cr4 = X86_CR4_PAE;
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &back));
	axv_get_regs(vcpu, &back);
	ASSERT_EQ(0, memcmp(&regs, &back, sizeof(back)));

	/* ring 3, with the busy 32-bit TSS a VMM would give */
	regs.x86.cs.selector = 0x1b;
	regs.x86.cs.attrib = 0xcfb;
	regs.x86.ss.selector = 0x23;
	regs.x86.ss.attrib = 0xcf3;
	regs.x86.ds = regs.x86.ss;
	regs.x86.es = regs.x86.ss;
	regs.x86.tr.base = TSS_GPA;
	regs.x86.tr.limit = 103;
	regs.x86.tr.attrib = 0x08b;
	regs.x86.idt.base = X86_IDT_GPA;
	regs.x86.idt.limit = 0x7ff;
	regs.x86.rip = X86_CODE_GPA;
	regs.x86.gprs[X86_RSP] = 0x60000;
	axv_set_regs(vcpu, &regs);
	axv_get_regs(vcpu, &back);
	ASSERT_EQ(0x08b, back.x86.tr.attrib) TH_LOG("TR reads back busy");

	ASSERT_RUN_IO_WRITE(vcpu, 0xe7, 4, 0x10);
	ASSERT_RUN_IO_WRITE(vcpu, 0xe8, 4, X86_STACK_TOP - 20);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

/*
 * Bug (the RCU stalls of the debug lane's fuzz_test): QEMU 7.2 refuses
 * CR0[63:32] != 0 before it loads the guest's state, and the #VMEXIT
 * then wrote the host's int_ctl (0) into the VMCB. The vCPU lost
 * V_INTR_MASKING for good: once a good state was set, a guest spinning
 * with interrupts off held the host CPU with its timer interrupts masked
 * until an NMI came. A refused entry now changes nothing: the spin below
 * ends in a host interrupt exit, not at its OUT after 2^28 rounds.
 */
TEST_F(regress, refused_entry_keeps_host_interrupts_exiting)
{
	struct axvcpu_regs regs, bad;
	struct axv_vcpu *vcpu;
	int i;

	AXV_REQUIRE_FEATURE(&self->info, AXVCPU_FEATURE_EXIT_ON_HOST_INTR);
	if (axv_lane_quirk("guest_masks_host_intr"))
		SKIP(return, "the emulator masks host interrupts while the guest runs with IF clear (AXVCPU_QUIRKS; reliability.rst, Emulator bugs)");
	X86_FIXTURE_GUEST(cli_spin_guest, AXVCPU_VCPU_EXIT_ON_HOST_INTR);
	vcpu = self->vcpu;
	axv_get_regs(vcpu, &regs);
	bad = regs;
	bad.x86.cr0 |= 1ULL << 32;
	axv_set_regs(vcpu, &bad);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_FAIL_ENTRY);
	axv_get_regs(vcpu, &regs);
	ASSERT_EQ(bad.x86.cr0, regs.x86.cr0);
	ASSERT_EQ(bad.x86.rip, regs.x86.rip);

	regs.x86.cr0 &= ~(1ULL << 32);
	axv_set_regs(vcpu, &regs);
	for (i = 0; i < 3; i++)
		ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_EXTERNAL_INTERRUPT);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

/*
 * The other way to a refused entry would be the guest itself setting a
 * reserved CR0 bit: VMRUN refuses CR0[63:32] before it loads the state,
 * and QEMU then writes the host's registers over the VMCB's save area
 * (kept by the module only for states from SET_REGS). A guest cannot get
 * there: hardware raises #GP, QEMU 7.2 drops the bit; either way the next
 * entry runs the guest's own state.
 */
#define LM_PML4_GPA	0x10000
#define LM_CODE64_SEL	0x18
TEST_F(regress, guest_cannot_set_reserved_cr0_bits)
{
	struct axvcpu_regs regs;
	struct axv_vcpu *vcpu;
	__u64 *pt, handler;
	__u32 *gate;
	char *mem;

	AXV_REQUIRE_X86(&self->info);
	vcpu = self->vcpu = x86_vm_with_guest(&self->vm, cr0_high_guest_start,
					      cr0_high_guest_end, 0);
	mem = axv_gpa2hva(&self->vm, 0);
	/* 64-bit code segment; identity map of the first 2 MiB */
	((__u64 *)(mem + X86_GDT_GPA))[LM_CODE64_SEL / 8] = 0x00af9b000000ffffULL;
	pt = (__u64 *)(mem + LM_PML4_GPA);
	pt[0] = (LM_PML4_GPA + 0x1000) | 3;
	pt[512] = (LM_PML4_GPA + 0x2000) | 3;
	pt[1024] = 0x83;			/* 2 MiB page at 0, RW, present */
	/* 64-bit interrupt gate for #GP */
	handler = X86_GUEST_GPA(cr0_high_guest, cr0_high_gp_handler);
	gate = (__u32 *)(mem + X86_IDT_GPA + 13 * 16);
	gate[0] = (LM_CODE64_SEL << 16) | (handler & 0xffff);
	gate[1] = (handler & 0xffff0000) | 0x8e00;
	gate[2] = handler >> 32;
	gate[3] = 0;

	axv_get_regs(vcpu, &regs);
	regs.x86.efer |= EFER_LME | EFER_LMA;
	regs.x86.cr4 |= X86_CR4_PAE;
	regs.x86.cr3 = LM_PML4_GPA;
	regs.x86.cr0 |= X86_CR0_PG;
	regs.x86.cs.selector = LM_CODE64_SEL;
	regs.x86.cs.attrib = 0xa9b;			/* code, P, L, G */
	regs.x86.gdt.limit = LM_CODE64_SEL + 7;
	regs.x86.idt.base = X86_IDT_GPA;
	regs.x86.idt.limit = 256 * 16 - 1;
	regs.x86.gprs[X86_RSP] = X86_STACK_TOP;
	axv_set_regs(vcpu, &regs);

	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_IO_WRITE);
	if (vcpu->run->io.data == 0x0d) {
		axv_get_regs(vcpu, &regs);
		ASSERT_EQ(0, regs.x86.cr0 >> 32);
		ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
		return;
	}
	ASSERT_RUN_FIELD(vcpu, "io.data (no #GP: the write went through)",
			 0x11, vcpu->run->io.data);
	axv_get_regs(vcpu, &regs);
	ASSERT_EQ(0, regs.x86.cr0 >> 32);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
	ASSERT_EQ(X86_GUEST_GPA(cr0_high_guest, cr0_high_after) + 1,
		  axv_vcpu_rip(vcpu));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

/*
 * Fuzzer finding (make check's fuzz_test, debug lane, multi-threaded TCG):
 * QEMU 7.2 aborted the whole emulated machine ("qemu: fatal: invalid tss
 * type") when a guest that SETUP had started went into virtual-8086 mode
 * and took an exception: SETUP gave TR the busy type, which its TCG does
 * not accept when it switches stacks (SET_REGS already kept it clear).
 * The TSS at base 0 holds no good ring-0 stack, so the exception ends in
 * a triple fault: a SHUTDOWN exit, and the machine lives on.
 */
TEST_F(regress, setup_state_vm86_exception_switches_stack)
{
	struct axvcpu_regs regs;
	struct axv_vcpu *vcpu;

	X86_FIXTURE_GUEST(setup_vm86_guest, 0);
	vcpu = self->vcpu;
	x86_idt_set_gate(&self->vm, 6,
			 X86_GUEST_GPA(setup_vm86_guest, vm86_ud_handler));
	axv_get_regs(vcpu, &regs);
	ASSERT_EQ(0x8b, regs.x86.tr.attrib & 0xff)
		TH_LOG("GET_REGS shows SETUP's TR as a busy 32-bit TSS");
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_SYSTEM_DOWN);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

TEST_HARNESS_MAIN
