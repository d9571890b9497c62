// SPDX-License-Identifier: GPL-2.0
/*
 * events_x86_test: what user space gives an x86 guest besides values:
 * a fault as the answer to an MSR exit (run->complete_fault), exceptions
 * with and without an error code (AXVCPU_INJECT_EXCEPTION, #PF with its
 * CR2), NMIs (AXVCPU_INTERRUPT_NMI), masked from delivery to IRET, and an
 * interrupt taken right after a HLT that exited, before the CLI that
 * follows it (the instruction the module completes ends the STI's
 * interrupt shadow). Documentation/api.rst, "AXVCPU_INJECT_EXCEPTION" and
 * "Completion".
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"
#include "axvcpu_guest.h"

#define UNKNOWN_MSR	0x4b564dff

/*
 * An RDMSR or WRMSR of an MSR user space does not emulate. The #GP
 * handler reports the error code (port 0x60), the EIP pushed (0x61) and
 * EAX and EDX, which a faulting RDMSR leaves alone (0x62, 0x63).
 */
X86_GUEST(msr_fault_guest, ".code32",
	"mov $" __stringify(X86_STACK_TOP) ", %esp\n\t"
	"lidt " __stringify(X86_IDTR_GPA) "\n\t"
	"mov $" __stringify(UNKNOWN_MSR) ", %ecx\n\t"
	"mov $0x11111111, %eax\n\t"
	"mov $0x22222222, %edx\n\t"
	"mf_rdmsr:\n\t"
	"rdmsr\n\t"
	"out %eax, $0x41\n\t"
	"mf_wrmsr:\n\t"
	"wrmsr\n\t"
	"mov $0x42, %al\n\t"
	"out %al, $0x42\n\t"
	"hlt\n\t"
	"mf_gp_handler:\n\t"
	"mov %eax, %ebx\n\t"
	"pop %eax\n\t"
	"out %eax, $0x60\n\t"
	"pop %eax\n\t"
	"out %eax, $0x61\n\t"
	"mov %ebx, %eax\n\t"
	"out %eax, $0x62\n\t"
	"mov %edx, %eax\n\t"
	"out %eax, $0x63\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(mf_rdmsr);
X86_GUEST_LABEL(mf_wrmsr);
X86_GUEST_LABEL(mf_gp_handler);

/*
 * Ready once it has an IDT (OUT to 0x11, IF stays clear), then loops on
 * OUT to 0x72. Each handler reports on its own ports and halts, but the
 * NMI handler, which reports on 0x70 and 0x71 and returns with IRET.
 */
X86_GUEST(events_guest, ".code32",
	"mov $" __stringify(X86_STACK_TOP) ", %esp\n\t"
	"lidt " __stringify(X86_IDTR_GPA) "\n\t"
	"mov $1, %al\n\t"
	"out %al, $0x11\n\t"
	"ev_ready:\n\t"
	"mov $0x72, %al\n\t"
	"out %al, $0x72\n\t"
	"jmp ev_ready\n\t"
	"ev_gp_handler:\n\t"
	"pop %eax\n\t"
	"out %eax, $0x60\n\t"
	"pop %eax\n\t"
	"out %eax, $0x61\n\t"
	"hlt\n\t"
	"ev_pf_handler:\n\t"
	"pop %eax\n\t"
	"out %eax, $0x60\n\t"
	"pop %eax\n\t"
	"out %eax, $0x61\n\t"
	"mov %cr2, %eax\n\t"
	"out %eax, $0x62\n\t"
	"hlt\n\t"
	"ev_ud_handler:\n\t"
	"pop %eax\n\t"
	"out %eax, $0x64\n\t"
	"hlt\n\t"
	"ev_nmi_handler:\n\t"
	"push %eax\n\t"
	"mov $0x70, %al\n\t"
	"out %al, $0x70\n\t"
	"mov $0x71, %al\n\t"
	"out %al, $0x71\n\t"
	"pop %eax\n\t"
	"iret\n\t");
X86_GUEST_LABEL(ev_ready);
X86_GUEST_LABEL(ev_gp_handler);
X86_GUEST_LABEL(ev_pf_handler);
X86_GUEST_LABEL(ev_ud_handler);
X86_GUEST_LABEL(ev_nmi_handler);

/* Halts (in the kernel, with HALT_IN_KERNEL) until an NMI comes. */
X86_GUEST(nmi_halt_guest, ".code32",
	"mov $" __stringify(X86_STACK_TOP) ", %esp\n\t"
	"lidt " __stringify(X86_IDTR_GPA) "\n\t"
	"hlt\n\t"
	"mov $0x73, %al\n\t"
	"out %al, $0x73\n\t"
	"hlt\n\t"
	"nh_nmi_handler:\n\t"
	"mov $0x70, %al\n\t"
	"out %al, $0x70\n\t"
	"iret\n\t");
X86_GUEST_LABEL(nh_nmi_handler);

#define EV_GPA(label)	X86_GUEST_GPA(events_guest, label)

FIXTURE(events)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axvcpu_info info;
};

FIXTURE_SETUP(events)
{
	axv_read_info(&self->info);
}

FIXTURE_TEARDOWN(events)
{
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
}

/* The events guest with its IDT, READY and past its set-up (OUT 0x11). */
static struct axv_vcpu *events_guest_ready(struct axv_vm *vm)
{
	x86_vm_create(vm);
	x86_guest_load(vm, X86_CODE_GPA, events_guest_start, events_guest_end);
	x86_idt_set_gate(vm, 2, EV_GPA(ev_nmi_handler));
	x86_idt_set_gate(vm, 6, EV_GPA(ev_ud_handler));
	x86_idt_set_gate(vm, 13, EV_GPA(ev_gp_handler));
	x86_idt_set_gate(vm, 14, EV_GPA(ev_pf_handler));
	return x86_vcpu_ready(vm, 0, 0, X86_CODE_GPA);
}

/* The MSR fault guest with its #GP gate, vCPU 0 READY. */
static struct axv_vcpu *msr_fault_vcpu(struct axv_vm *vm)
{
	x86_vm_create(vm);
	x86_guest_load(vm, X86_CODE_GPA, msr_fault_guest_start, msr_fault_guest_end);
	x86_idt_set_gate(vm, 13, X86_GUEST_GPA(msr_fault_guest, mf_gp_handler));
	return x86_vcpu_ready(vm, 0, 0, X86_CODE_GPA);
}

#define REQUIRE_EVENTS(_feature) do {					\
	AXV_REQUIRE_X86(&self->info);					\
	AXV_REQUIRE_FEATURE(&self->info, _feature);			\
} while (0)

/* An RDMSR answered with a fault: #GP(0) at the RDMSR, EAX/EDX untouched. */
static volatile __u64 halt_irqs;

static void count_irq(__u64 vector)
{
	halt_irqs++;
}

/*
 * STI; HLT; CLI: the HLT is in the STI's shadow, and ends it. An
 * interrupt sent while the vCPU is halted in user space (a HALT exit) is
 * taken before the CLI.
 */
static void sti_hlt_cli_guest(void)
{
	guest_irq_set_handler(count_irq);
	GUEST_SYNC(1);
	asm volatile("sti; hlt; cli" ::: "memory");
	GUEST_ASSERT_EQ(1, halt_irqs);
	GUEST_DONE();
}

TEST_F(events, interrupt_after_hlt_exit_before_cli)
{
	struct axv_ucall uc;
	struct axv_vcpu *vcpu;

	self->vcpu = axv_guest_vm(&self->vm, sti_hlt_cli_guest, 0);
	vcpu = self->vcpu;
	ASSERT_RUN_SYNC(vcpu, 1);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
	ASSERT_EQ(0, axv_inject(vcpu, AXV_GUEST_IRQ_VECTOR));
	ASSERT_EQ(0, axv_run(vcpu));
	ASSERT_EQ(AXV_UCALL_DONE, axv_get_ucall(vcpu, &uc))
		TH_LOG("after the HLT: %s (%s); a HALT exit again means the interrupt waited behind a stale interrupt shadow",
		       axv_exit_desc(vcpu->run), uc.msg);
}

TEST_F(events, rdmsr_answered_with_fault)
{
	struct axv_vcpu *vcpu;

	REQUIRE_EVENTS(AXVCPU_FEATURE_SYSREG_FAULT);
	vcpu = self->vcpu = msr_fault_vcpu(&self->vm);

	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_SYSREG_READ);
	ASSERT_RUN_FIELD(vcpu, "sysreg.addr", UNKNOWN_MSR, vcpu->run->sysreg.addr);
	vcpu->run->sysreg.value = 0x5555555566666666ULL;	/* not used */
	vcpu->run->complete_fault = 1;
	ASSERT_RUN_IO_WRITE(vcpu, 0x60, 4, 0);
	ASSERT_EQ(0, vcpu->run->complete_fault)
		TH_LOG("the kernel did not clear complete_fault once applied");
	ASSERT_RUN_IO_WRITE(vcpu, 0x61, 4, X86_GUEST_GPA(msr_fault_guest, mf_rdmsr));
	ASSERT_RUN_IO_WRITE(vcpu, 0x62, 4, 0x11111111);
	ASSERT_RUN_IO_WRITE(vcpu, 0x63, 4, 0x22222222);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

/* A WRMSR answered with a fault: #GP(0) at the WRMSR. */
TEST_F(events, wrmsr_answered_with_fault)
{
	struct axv_vcpu *vcpu;

	REQUIRE_EVENTS(AXVCPU_FEATURE_SYSREG_FAULT);
	vcpu = self->vcpu = msr_fault_vcpu(&self->vm);

	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_SYSREG_READ);
	vcpu->run->sysreg.value = 0x0000000700000008ULL;
	ASSERT_RUN_IO_WRITE(vcpu, 0x41, 4, 8);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_SYSREG_WRITE);
	ASSERT_RUN_FIELD(vcpu, "sysreg.value", 0x0000000700000008ULL,
			 vcpu->run->sysreg.value);
	vcpu->run->complete_fault = 1;
	ASSERT_RUN_IO_WRITE(vcpu, 0x60, 4, 0);
	ASSERT_RUN_IO_WRITE(vcpu, 0x61, 4, X86_GUEST_GPA(msr_fault_guest, mf_wrmsr));
}

/*
 * complete_fault after an exit that has no fault, or with a value other
 * than 1, is refused by RUN with EINVAL; nothing changes, and the exit is
 * completed normally once the byte is 0 again.
 */
TEST_F(events, fault_answer_needs_a_sysreg_exit)
{
	struct axv_vcpu *vcpu;

	REQUIRE_EVENTS(AXVCPU_FEATURE_SYSREG_FAULT);
	vcpu = self->vcpu = msr_fault_vcpu(&self->vm);

	/* before any exit */
	vcpu->run->complete_fault = 1;
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_RUN, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	vcpu->run->complete_fault = 0;

	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_SYSREG_READ);
	vcpu->run->complete_fault = 2;
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_RUN, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	ASSERT_EQ(2, vcpu->run->complete_fault);
	vcpu->run->complete_fault = 0;
	vcpu->run->sysreg.value = 0x0000000700000008ULL;
	/* the RDMSR completes with the value: RIP was not moved */
	ASSERT_RUN_IO_WRITE(vcpu, 0x41, 4, 8);
	/* after an I/O exit */
	vcpu->run->complete_fault = 1;
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_RUN, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	vcpu->run->complete_fault = 0;
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_SYSREG_WRITE);
}

/*
 * A register ioctl between the exit and RUN applies the completion at
 * once: with complete_fault set, RIP is back at the RDMSR, the byte is
 * cleared, and the guest takes its #GP on the next RUN.
 */
TEST_F(events, fault_answer_applied_by_register_ioctl)
{
	struct axvcpu_regs regs;
	struct axv_vcpu *vcpu;

	REQUIRE_EVENTS(AXVCPU_FEATURE_SYSREG_FAULT);
	vcpu = self->vcpu = msr_fault_vcpu(&self->vm);

	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_SYSREG_READ);
	vcpu->run->complete_fault = 1;
	axv_get_regs(vcpu, &regs);
	ASSERT_EQ(X86_GUEST_GPA(msr_fault_guest, mf_rdmsr), regs.x86.rip);
	ASSERT_EQ(0x11111111, regs.x86.gprs[X86_RAX]);
	ASSERT_EQ(0, vcpu->run->complete_fault);
	ASSERT_RUN_IO_WRITE(vcpu, 0x60, 4, 0);
	ASSERT_RUN_IO_WRITE(vcpu, 0x61, 4, X86_GUEST_GPA(msr_fault_guest, mf_rdmsr));
}

/* #GP with an error code, pushed with the RIP of the next instruction. */
TEST_F(events, exception_with_error_code)
{
	struct axv_vcpu *vcpu;

	REQUIRE_EVENTS(AXVCPU_FEATURE_INJECT_EXCEPTION);
	vcpu = self->vcpu = events_guest_ready(&self->vm);
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 1, 1);
	ASSERT_EQ(0, axv_inject_exception(vcpu, 13, AXVCPU_EXCEPTION_ERROR_CODE, 0x1234, 0));
	ASSERT_RUN_IO_WRITE(vcpu, 0x60, 4, 0x1234);
	ASSERT_RUN_IO_WRITE(vcpu, 0x61, 4, EV_GPA(ev_ready));
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

/* #PF: its error code, and CR2 = fault_addr when the handler runs. */
TEST_F(events, page_fault_sets_cr2)
{
	struct axv_vcpu *vcpu;

	REQUIRE_EVENTS(AXVCPU_FEATURE_INJECT_EXCEPTION);
	vcpu = self->vcpu = events_guest_ready(&self->vm);
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 1, 1);
	ASSERT_EQ(0, axv_inject_exception(vcpu, 14, AXVCPU_EXCEPTION_ERROR_CODE, 0x6,
				      0xdeadb123));
	ASSERT_RUN_IO_WRITE(vcpu, 0x60, 4, 6);
	ASSERT_RUN_IO_WRITE(vcpu, 0x61, 4, EV_GPA(ev_ready));
	ASSERT_RUN_IO_WRITE(vcpu, 0x62, 4, 0xdeadb123);
}

/* #UD pushes no error code: the handler's first pop is the EIP. */
TEST_F(events, exception_without_error_code)
{
	struct axv_vcpu *vcpu;

	REQUIRE_EVENTS(AXVCPU_FEATURE_INJECT_EXCEPTION);
	vcpu = self->vcpu = events_guest_ready(&self->vm);
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 1, 1);
	ASSERT_EQ(0, axv_inject_exception(vcpu, 6, 0, 0, 0));
	ASSERT_RUN_IO_WRITE(vcpu, 0x64, 4, EV_GPA(ev_ready));
}

/* Bad requests: EINVAL or EBUSY, and the exception queued stays as it was. */
TEST_F(events, exception_bad_arguments)
{
	struct axvcpu_exception exc = { .vector = 6 };
	struct axv_vcpu *vcpu;

	REQUIRE_EVENTS(AXVCPU_FEATURE_INJECT_EXCEPTION);
	vcpu = self->vcpu = events_guest_ready(&self->vm);
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 1, 1);
	ASSERT_EQ(-EINVAL, axv_inject_exception(vcpu, 32, 0, 0, 0));
	ASSERT_EQ(-EINVAL, axv_inject_exception(vcpu, 2, 0, 0, 0));	/* NMI */
	ASSERT_EQ(-EINVAL, axv_inject_exception(vcpu, 15, 0, 0, 0));	/* reserved */
	ASSERT_EQ(-EINVAL, axv_inject_exception(vcpu, 31, 0, 0, 0));	/* reserved */
	ASSERT_EQ(-EINVAL, axv_inject_exception(vcpu, 13, 0, 0, 0));	/* needs its code */
	ASSERT_EQ(-EINVAL, axv_inject_exception(vcpu, 6, AXVCPU_EXCEPTION_ERROR_CODE, 0, 0));
	ASSERT_EQ(-EINVAL, axv_inject_exception(vcpu, 6, 0, 5, 0));	/* code without flag */
	ASSERT_EQ(-EINVAL, axv_inject_exception(vcpu, 13, AXVCPU_EXCEPTION_ERROR_CODE, 0,
					    0x1000));		/* fault_addr not #PF */
	ASSERT_EQ(-EINVAL, axv_inject_exception(vcpu, 6, 1U << 1, 0, 0));
	exc.pad = 1;
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_INJECT_EXCEPTION, &exc));
	exc.pad = 0;
	exc.reserved[3] = 1;
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_INJECT_EXCEPTION, &exc));
	ASSERT_ERRNO(EFAULT, ioctl(vcpu->fd, AXVCPU_INJECT_EXCEPTION, (void *)8));

	ASSERT_EQ(0, axv_inject_exception(vcpu, 6, 0, 0, 0));
	ASSERT_EQ(-EBUSY, axv_inject_exception(vcpu, 13, AXVCPU_EXCEPTION_ERROR_CODE, 0, 0));
	/* the #UD queued first is the one delivered */
	ASSERT_RUN_IO_WRITE(vcpu, 0x64, 4, EV_GPA(ev_ready));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

/* An NMI is delivered with RFLAGS.IF clear, and returns with IRET. */
TEST_F(events, nmi_delivered_with_interrupts_off)
{
	struct axv_vcpu *vcpu;

	REQUIRE_EVENTS(AXVCPU_FEATURE_INJECT_NMI);
	vcpu = self->vcpu = events_guest_ready(&self->vm);
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 1, 1);
	ASSERT_RUN_IO_WRITE(vcpu, 0x72, 1, 0x72);
	ASSERT_EQ(0, axv_inject_nmi(vcpu));
	ASSERT_RUN_IO_WRITE(vcpu, 0x70, 1, 0x70);
	ASSERT_RUN_IO_WRITE(vcpu, 0x71, 1, 0x71);
	ASSERT_RUN_IO_WRITE(vcpu, 0x72, 1, 0x72);
	ASSERT_RUN_IO_WRITE(vcpu, 0x72, 1, 0x72);
}

/*
 * A second NMI injected inside the handler waits for the handler's IRET,
 * then comes; two NMIs injected together are one (as on hardware, where
 * NMI is an edge and at most one more is held pending).
 */
TEST_F(events, nmi_masked_until_iret)
{
	struct axv_vcpu *vcpu;
	unsigned int i;

	REQUIRE_EVENTS(AXVCPU_FEATURE_INJECT_NMI);
	vcpu = self->vcpu = events_guest_ready(&self->vm);
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 1, 1);
	ASSERT_EQ(0, axv_inject_nmi(vcpu));
	ASSERT_RUN_IO_WRITE(vcpu, 0x70, 1, 0x70);
	ASSERT_EQ(0, axv_inject_nmi(vcpu));
	ASSERT_EQ(0, axv_inject_nmi(vcpu));
	ASSERT_RUN_IO_WRITE(vcpu, 0x71, 1, 0x71);
	/* After the IRET: the loop's OUT, unless a host interrupt came first. */
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_IO_WRITE);
	if (vcpu->run->io.port == 0x72)
		ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_RUN_FIELD(vcpu, "io.port", 0x70, vcpu->run->io.port);
	ASSERT_RUN_IO_WRITE(vcpu, 0x71, 1, 0x71);
	/* and no third one */
	for (i = 0; i < 5; i++)
		ASSERT_RUN_IO_WRITE(vcpu, 0x72, 1, 0x72);
}

/* NMI requests with a vector or unknown flags: EINVAL. */
TEST_F(events, nmi_bad_arguments)
{
	struct axvcpu_interrupt irq = { .vector = 2, .flags = AXVCPU_INTERRUPT_NMI };
	struct axv_vcpu *vcpu;

	REQUIRE_EVENTS(AXVCPU_FEATURE_INJECT_NMI);
	vcpu = self->vcpu = events_guest_ready(&self->vm);
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq));
	irq.vector = 0;
	irq.flags = 1U << 1;
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq));
	/* nothing was queued: the guest runs its loop */
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 1, 1);
	ASSERT_RUN_IO_WRITE(vcpu, 0x72, 1, 0x72);
	ASSERT_RUN_IO_WRITE(vcpu, 0x72, 1, 0x72);
}

/* x86 has no interrupt lines: SET_IRQ_LINE is refused, nothing queued. */
TEST_F(events, no_irq_lines_on_x86)
{
	struct axvcpu_irq_line l = { .line = 0, .level = 1 };
	struct axv_vcpu *vcpu;
	unsigned int line;

	AXV_REQUIRE_X86(&self->info);
	ASSERT_FALSE(self->info.flags & AXVCPU_FEATURE_IRQ_LINES);
	vcpu = self->vcpu = events_guest_ready(&self->vm);
	for (line = 0; line < 12; line++) {
		l.line = line;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_IRQ_LINE, &l));
	}
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 1, 1);
	ASSERT_RUN_IO_WRITE(vcpu, 0x72, 1, 0x72);
}

static void get_events(struct __test_metadata *_metadata, struct axv_vcpu *vcpu,
		       struct axvcpu_events *ev)
{
	memset(ev, 0xa5, sizeof(*ev));
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_GET_EVENTS, ev));
}

static int set_events(struct axv_vcpu *vcpu, struct axvcpu_events *ev)
{
	return ioctl(vcpu->fd, AXVCPU_SET_EVENTS, ev) ? -errno : 0;
}

/*
 * The events guest started at its loop with an IDT (gate 0x40 and 2 to
 * the NMI handler, 13 to the #GP one) and a stack from SET_REGS, and
 * RFLAGS.IF as given.
 */
static struct axv_vcpu *events_guest_at_loop(struct __test_metadata *_metadata,
					     struct axv_vm *vm, __u32 id, bool intr_on)
{
	struct axvcpu_regs regs;
	struct axv_vcpu *vcpu;

	if (id == 0) {
		x86_vm_create(vm);
		x86_guest_load(vm, X86_CODE_GPA, events_guest_start, events_guest_end);
		x86_idt_set_gate(vm, 2, EV_GPA(ev_nmi_handler));
		x86_idt_set_gate(vm, 13, EV_GPA(ev_gp_handler));
		x86_idt_set_gate(vm, 0x40, EV_GPA(ev_nmi_handler));
	}
	vcpu = x86_vcpu_ready(vm, id, 0, EV_GPA(ev_ready));
	axv_get_regs(vcpu, &regs);
	regs.x86.idt.base = X86_IDT_GPA;
	regs.x86.idt.limit = 0x7ff;
	regs.x86.gprs[X86_RSP] = X86_STACK_TOP - 0x1000 * id;
	if (intr_on)
		regs.x86.rflags |= X86_RFLAGS_IF;
	axv_set_regs(vcpu, &regs);
	return vcpu;
}

/*
 * GET_EVENTS shows what is queued; SET_EVENTS into another vCPU of the
 * VM queues the same, which that vCPU delivers.
 */
TEST_F(events, events_saved_and_restored)
{
	struct axvcpu_events ev;
	struct axv_vcpu *other;
	struct axv_vcpu *vcpu;

	REQUIRE_EVENTS(AXVCPU_FEATURE_INJECT_NMI);
	vcpu = self->vcpu = events_guest_at_loop(_metadata, &self->vm, 0, false);
	get_events(_metadata, vcpu, &ev);
	ASSERT_EQ(self->info.arch, ev.arch);
	ASSERT_EQ(0, ev.x86.nmi_pending | ev.x86.exception_pending | ev.x86.injected_valid |
		     ev.x86.interrupt_shadow | ev.x86.nmi_masked);
	ASSERT_EQ(0, ev.x86.pending_irqs[0] | ev.x86.pending_irqs[1] |
		     ev.x86.pending_irqs[2] | ev.x86.pending_irqs[3]);
	ASSERT_EQ(0, axv_inject(vcpu, 0x40));
	ASSERT_EQ(0, axv_inject(vcpu, 0xfe));
	ASSERT_EQ(0, axv_inject_nmi(vcpu));
	ASSERT_EQ(0, axv_inject_exception(vcpu, 13, AXVCPU_EXCEPTION_ERROR_CODE, 0x18, 0));
	get_events(_metadata, vcpu, &ev);
	ASSERT_EQ(1, ev.x86.nmi_pending);
	ASSERT_EQ(1, ev.x86.exception_pending);
	ASSERT_EQ(13, ev.x86.exception_vector);
	ASSERT_EQ(1, ev.x86.exception_has_error_code);
	ASSERT_EQ(0x18, ev.x86.exception_error_code);
	ASSERT_EQ(1ULL << 0, ev.x86.pending_irqs[1]);		/* 0x40 */
	ASSERT_EQ(1ULL << 62, ev.x86.pending_irqs[3]);		/* 0xfe */

	/* the exception and the vectors (the NMI would come inside its handler) */
	ev.x86.nmi_pending = 0;
	other = events_guest_at_loop(_metadata, &self->vm, 1, true);
	ASSERT_EQ(0, set_events(other, &ev));
	ASSERT_RUN_IO_WRITE(other, 0x60, 4, 0x18);
	ASSERT_RUN_IO_WRITE(other, 0x61, 4, EV_GPA(ev_ready));
	ASSERT_RUN_EXIT(other, AXVCPU_EXIT_HALT);
	/* the #GP handler runs with IF clear: both vectors still queued */
	get_events(_metadata, other, &ev);
	ASSERT_EQ(0, ev.x86.exception_pending);
	ASSERT_EQ(1ULL << 0, ev.x86.pending_irqs[1]);
	ASSERT_EQ(1ULL << 62, ev.x86.pending_irqs[3]);
	axv_vcpu_close(other);

	/* the NMI alone */
	memset(&ev.x86, 0, sizeof(ev.x86));
	ev.x86.nmi_pending = 1;
	other = events_guest_at_loop(_metadata, &self->vm, 2, false);
	ASSERT_EQ(0, set_events(other, &ev));
	ASSERT_RUN_IO_WRITE(other, 0x70, 1, 0x70);
	get_events(_metadata, other, &ev);
	ASSERT_EQ(0, ev.x86.nmi_pending);
	ASSERT_EQ(1, ev.x86.nmi_masked);
	axv_vcpu_close(other);
}

/* The interrupt shadow holds an interrupt back for one instruction. */
TEST_F(events, interrupt_shadow)
{
	struct axvcpu_events ev;
	struct axv_vcpu *vcpu, *other;

	REQUIRE_EVENTS(AXVCPU_FEATURE_INJECT_NMI);
	vcpu = self->vcpu = events_guest_at_loop(_metadata, &self->vm, 0, true);
	/* no shadow: the interrupt comes before the first instruction */
	ASSERT_EQ(0, axv_inject(vcpu, 0x40));
	ASSERT_RUN_IO_WRITE(vcpu, 0x70, 1, 0x70);

	other = events_guest_at_loop(_metadata, &self->vm, 1, true);
	get_events(_metadata, other, &ev);
	ev.x86.interrupt_shadow = 1;
	ASSERT_EQ(0, set_events(other, &ev));
	get_events(_metadata, other, &ev);
	ASSERT_EQ(1, ev.x86.interrupt_shadow);
	ASSERT_EQ(0, axv_inject(other, 0x40));
	/* MOV $0x72, %al runs first; the interrupt before the OUT */
	ASSERT_RUN_IO_WRITE(other, 0x70, 1, 0x70);
	ASSERT_RUN_IO_WRITE(other, 0x71, 1, 0x71);
	ASSERT_RUN_IO_WRITE(other, 0x72, 1, 0x72);
	axv_vcpu_close(other);
}

/*
 * An event in flight is delivered at the next entry, IF or not on SVM.
 * VMX's entry takes an external interrupt only with IF set: SET_EVENTS
 * refuses it with IF clear there (api.rst, the vendors' differences).
 */
TEST_F(events, injected_event_in_flight)
{
	struct axvcpu_events ev;
	struct axvcpu_regs regs;
	struct axv_vcpu *vcpu;

	REQUIRE_EVENTS(AXVCPU_FEATURE_INJECT_NMI);
	vcpu = self->vcpu = events_guest_at_loop(_metadata, &self->vm, 0, false);
	get_events(_metadata, vcpu, &ev);
	ev.x86.injected_valid = 1;
	ev.x86.injected_type = AXVCPU_X86_EVENT_INTR;
	ev.x86.injected_vector = 0x40;
	if (self->info.arch == AXVCPU_ARCH_X86_VMX) {
		ASSERT_EQ(-EINVAL, set_events(vcpu, &ev));
		axv_get_regs(vcpu, &regs);
		regs.x86.rflags |= X86_RFLAGS_IF;
		axv_set_regs(vcpu, &regs);
	}
	ASSERT_EQ(0, set_events(vcpu, &ev));
	get_events(_metadata, vcpu, &ev);
	ASSERT_EQ(1, ev.x86.injected_valid);
	ASSERT_EQ(AXVCPU_X86_EVENT_INTR, ev.x86.injected_type);
	ASSERT_EQ(0x40, ev.x86.injected_vector);
	ASSERT_RUN_IO_WRITE(vcpu, 0x70, 1, 0x70);
	get_events(_metadata, vcpu, &ev);
	ASSERT_EQ(0, ev.x86.injected_valid);
}

/* Impossible event sets: EINVAL, and the events stay as they were. */
TEST_F(events, bad_events)
{
	struct axvcpu_events good, ev, now;
	struct axv_vcpu *vcpu;
	unsigned int i;

	REQUIRE_EVENTS(AXVCPU_FEATURE_INJECT_NMI);
	vcpu = self->vcpu = events_guest_at_loop(_metadata, &self->vm, 0, false);
	ASSERT_EQ(0, axv_inject(vcpu, 0x41));
	get_events(_metadata, vcpu, &good);
	for (i = 0; i < 14; i++) {
		ev = good;
		switch (i) {
		case 0: ev.x86.nmi_pending = 2; break;
		case 1: ev.x86.interrupt_shadow = 2; break;
		case 2: ev.x86.pending_irqs[0] = 1ULL << 14; break;	/* vector 14 */
		case 3: ev.x86.exception_pending = 1; ev.x86.exception_vector = 2; break;
		case 4: ev.x86.exception_pending = 1; ev.x86.exception_vector = 13; break;
		case 5: ev.x86.exception_vector = 6; break;	/* without pending */
		case 6: ev.x86.injected_valid = 1; ev.x86.injected_type = 1; break;
		case 7: ev.x86.injected_valid = 1; ev.x86.injected_type = AXVCPU_X86_EVENT_NMI;
			ev.x86.injected_vector = 3; break;
		case 8: ev.x86.injected_valid = 1;
			ev.x86.injected_type = AXVCPU_X86_EVENT_EXCEPTION;
			ev.x86.injected_vector = 6; ev.x86.injected_has_error_code = 1; break;
		case 9: ev.x86.injected_vector = 0x40; break;	/* without valid */
		case 10: ev.x86.pad[5] = 1; break;
		case 11: ev.x86.reserved[7] = 1; break;
		case 12: ev.flags = 1; break;
		case 13: ev.arch = AXVCPU_ARCH_ARM64_NVHE; break;
		}
		ASSERT_EQ(-EINVAL, set_events(vcpu, &ev)) TH_LOG("bad set %u accepted", i);
	}
	if (self->info.arch == AXVCPU_ARCH_X86_VMX) {
		/* a software interrupt in flight: VMX would need its length */
		ev = good;
		ev.x86.injected_valid = 1;
		ev.x86.injected_type = AXVCPU_X86_EVENT_SOFT_INTR;
		ev.x86.injected_vector = 0x40;
		ASSERT_EQ(-EINVAL, set_events(vcpu, &ev));
	}
	ASSERT_ERRNO(EFAULT, ioctl(vcpu->fd, AXVCPU_SET_EVENTS, (void *)8));
	ASSERT_ERRNO(EFAULT, ioctl(vcpu->fd, AXVCPU_GET_EVENTS, (void *)8));
	get_events(_metadata, vcpu, &now);
	ASSERT_EQ(0, memcmp(&good, &now, sizeof(now)));
	ASSERT_EQ(0, set_events(vcpu, &good));
}

struct nmi_waker {
	struct axv_vcpu *vcpu;
	long state_seen;
	int rc;
};

static void *nmi_when_blocked(void *arg)
{
	struct nmi_waker *w = arg;

	w->state_seen = axv_wait_state(w->vcpu, AXVCPU_STATE_BLOCKED, 20000);
	w->rc = axv_inject_nmi(w->vcpu);
	return NULL;
}

/* A vCPU halted in the kernel (BLOCKED) wakes up for an NMI. */
TEST_F(events, nmi_wakes_halted_vcpu)
{
	struct nmi_waker w = { 0 };
	struct axv_watchdog wd;
	struct axv_vcpu *vcpu;
	pthread_t t;
	int rc;

	REQUIRE_EVENTS(AXVCPU_FEATURE_INJECT_NMI);
	AXV_REQUIRE_FEATURE(&self->info, AXVCPU_FEATURE_HALT_IN_KERNEL);
	x86_vm_create(&self->vm);
	x86_guest_load(&self->vm, X86_CODE_GPA, nmi_halt_guest_start,
		       nmi_halt_guest_end);
	x86_idt_set_gate(&self->vm, 2, X86_GUEST_GPA(nmi_halt_guest, nh_nmi_handler));
	vcpu = self->vcpu = x86_vcpu_ready(&self->vm, 0, AXVCPU_VCPU_HALT_IN_KERNEL,
					   X86_CODE_GPA);
	w.vcpu = vcpu;
	axv_thread_run(&t, nmi_when_blocked, &w);
	axv_watchdog_arm(&wd, pthread_self(), 30);
	rc = axv_run(vcpu);
	ASSERT_FALSE(axv_watchdog_disarm(&wd))
		TH_LOG("the NMI did not wake the halted vCPU within 30 s (waker saw %s, rc %d)",
		       axv_state_name(w.state_seen), w.rc);
	pthread_join(t, NULL);
	ASSERT_EQ(AXVCPU_STATE_BLOCKED, w.state_seen);
	ASSERT_EQ(0, w.rc);
	ASSERT_EQ(0, rc);
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_RUN_FIELD(vcpu, "io.port", 0x70, vcpu->run->io.port);
	/* the IRET returns past the HLT */
	ASSERT_RUN_IO_WRITE(vcpu, 0x73, 1, 0x73);
}

TEST_HARNESS_MAIN
