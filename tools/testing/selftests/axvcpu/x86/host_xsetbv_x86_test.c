// SPDX-License-Identifier: GPL-2.0
/*
 * host_xsetbv_x86_test: the guest's XCR0 is its own: XSETBV of a valid
 * subset of the host's XCR0 is the guest's from then on, across exits; an
 * invalid value raises #GP in the guest; and in no case does the host run
 * with the guest's XCR0.
 */
#include "host_state.h"

/*
 * The end of the XSETBV guests: XGETBV (ECX is 0) to DATA+0x08, OUT 2 on
 * PORT_XSETBV, HLT; then their #GP handler at @gp_label, which reports the
 * faulting EIP on PORT_GP, drops the error code and returns past the
 * 3-byte XSETBV.
 */
#define XSETBV_GUEST_END(gp_label)					\
	"xgetbv\n\t"							\
	"mov %eax, " DATA "+0x08\n\t"					\
	"mov %edx, " DATA "+0x0c\n\t"					\
	"mov $2, %al\n\t"						\
	"out %al, $" __stringify(PORT_XSETBV) "\n\t"			\
	"hlt\n\t"							\
	#gp_label ":\n\t"						\
	"push %eax\n\t"							\
	"mov 8(%esp), %eax\n\t"						\
	"out %eax, $" __stringify(PORT_GP) "\n\t"			\
	"addl $3, 8(%esp)\n\t"						\
	"pop %eax\n\t"							\
	"add $4, %esp\n\t"						\
	"iret\n\t"

/*
 * XGETBV to DATA+0x00; XSETBV of that value (allowed); XSETBV of ESI:EDI's
 * value (EDX:EAX = EDI:ESI), which must raise #GP; XGETBV to DATA+0x10;
 * then XCR0 is written back at once from DATA+0x00, in case the second
 * XSETBV was not refused and changed the XCR0 the host shares, and read
 * to DATA+0x08. The #GP handler reports EIP, drops the error code and
 * returns past the 3-byte XSETBV.
 */
X86_GUEST(xsetbv_guest, ".code32",
	"mov $" STACK ", %esp\n\t"
	"lidt " IDTR "\n\t"
	"xor %ecx, %ecx\n\t"
	"xgetbv\n\t"
	"mov %eax, " DATA "+0x00\n\t"
	"mov %edx, " DATA "+0x04\n\t"
	"xsetbv\n\t"
	"mov $1, %al\n\t"
	"out %al, $" __stringify(PORT_XSETBV) "\n\t"
	"xor %ecx, %ecx\n\t"
	"mov %esi, %eax\n\t"
	"mov %edi, %edx\n\t"
	"xs_other: xsetbv\n\t"
	"xor %ecx, %ecx\n\t"
	"xgetbv\n\t"
	"mov %eax, " DATA "+0x10\n\t"
	"mov %edx, " DATA "+0x14\n\t"
	"mov " DATA "+0x00, %eax\n\t"
	"mov " DATA "+0x04, %edx\n\t"
	"xsetbv\n\t"
	XSETBV_GUEST_END(xs_gp_handler)
	BAD_UD_HANDLER(xs_ud_handler));
X86_GUEST_LABEL(xs_other);
X86_GUEST_LABEL(xs_gp_handler);
X86_GUEST_LABEL(xs_ud_handler);

/*
 * XSETBV of ESI:EDI's value without putting XCR0 back: XGETBV to
 * DATA+0x00, OUT 1; after the next entry XGETBV to DATA+0x08, OUT 2. A #GP
 * (the XSETBV intercepted) is reported on PORT_GP and skipped.
 */
X86_GUEST(xcr0_left_guest, ".code32",
	"mov $" STACK ", %esp\n\t"
	"lidt " IDTR "\n\t"
	"xor %ecx, %ecx\n\t"
	"mov %esi, %eax\n\t"
	"mov %edi, %edx\n\t"
	"xsetbv\n\t"
	"xor %ecx, %ecx\n\t"
	"xgetbv\n\t"
	"mov %eax, " DATA "+0x00\n\t"
	"mov %edx, " DATA "+0x04\n\t"
	"mov $1, %al\n\t"
	"out %al, $" __stringify(PORT_XSETBV) "\n\t"
	"xor %ecx, %ecx\n\t"
	XSETBV_GUEST_END(xl_gp_handler)
	BAD_UD_HANDLER(xl_ud_handler));
X86_GUEST_LABEL(xl_gp_handler);
X86_GUEST_LABEL(xl_ud_handler);

/*
 * The vCPU of an XSETBV guest: its #GP handler at @gp_gpa and its #UD
 * handler at @ud_gpa in the IDT, CR4.OSFXSR and CR4.OSXSAVE set, and the
 * XCR0 @value it is to write in ESI:EDI.
 */
static void xsetbv_vcpu_prepare(struct axv_vm *vm, struct axv_vcpu *vcpu,
				__u64 gp_gpa, __u64 ud_gpa, __u64 value)
{
	x86_idt_set_gate(vm, GP_VECTOR, gp_gpa);
	x86_idt_set_gate(vm, UD_VECTOR, ud_gpa);
	x86_vcpu_set_cr4(vcpu, X86_CR4_OSFXSR | X86_CR4_OSXSAVE);
	axv_set_gpr(vcpu, X86_RSI, (__u32)value);
	axv_set_gpr(vcpu, X86_RDI, value >> 32);
}

/* XCR0 as GET_SYSREG gives it. */
static __u64 vcpu_xcr0(struct axv_vcpu *vcpu)
{
	struct axvcpu_sysreg r = { .id = AXVCPU_SYSREG_X86_XCR | 0 };

	if (ioctl(vcpu->fd, AXVCPU_GET_SYSREG, &r))
		AXV_DIE("GET_SYSREG XCR0");
	return r.value;
}

/*
 * Run xsetbv_guest with @other as its second XSETBV (*@xcr0_out: the
 * host's XCR0): its first, of the XCR0 it reads, is accepted. *@port is the port of the exit after the
 * second (PORT_GP when it raised #GP, whose report is then taken), 0 when
 * the test was skipped.
 */
static void run_xsetbv_guest(struct __test_metadata *_metadata,
			     FIXTURE_DATA(host_state) *self,
			     __u64 *xcr0_out, __u64 other, unsigned int *port)
{
	struct axv_vcpu *vcpu;
	__u64 seen, xcr0;

	*port = 0;
	AXV_REQUIRE_X86(&self->info);
	if (!host_has_osxsave())
		SKIP(return, "the host kernel does not use XSAVE (CR4.OSXSAVE clear)");
	xcr0 = *xcr0_out = host_xcr0();
	GUEST(xsetbv_guest);
	vcpu = self->vcpu;
	xsetbv_vcpu_prepare(&self->vm, vcpu, X86_GUEST_GPA(xsetbv_guest, xs_gp_handler),
			    X86_GUEST_GPA(xsetbv_guest, xs_ud_handler), other);
	if (axv_run(vcpu))
		AXV_DIE("RUN");
	if (vcpu->run->exit_reason == AXVCPU_EXIT_FAIL_ENTRY)
		SKIP(return, "a guest CR4 with OSXSAVE was refused (FAIL_ENTRY %#llx)",
		     (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
	SKIP_IF_GUEST_UD(vcpu, "xgetbv/xsetbv");
	/* XSETBV of the value it starts with (the host's): accepted */
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_EQ(PORT_XSETBV, vcpu->run->io.port)
		TH_LOG("XSETBV of the host's XCR0 %#llx: OUT to port %#x data %#llx (%#x is #GP)",
		       (unsigned long long)xcr0, vcpu->run->io.port,
		       (unsigned long long)vcpu->run->io.data, PORT_GP);
	seen = guest_u64(&self->vm, X86_DATA_GPA);
	ASSERT_EQ(xcr0, seen) TH_LOG("guest XGETBV %#llx, host XCR0 %#llx",
				     (unsigned long long)seen,
				     (unsigned long long)xcr0);
	if (axv_run(vcpu))
		AXV_DIE("RUN");
	ASSERT_EQ(xcr0, host_xcr0())
		TH_LOG("host XCR0 %#llx after the guest's XSETBV, was %#llx",
		       (unsigned long long)host_xcr0(), (unsigned long long)xcr0);
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	*port = vcpu->run->io.port;
	if (*port == PORT_GP) {
		ASSERT_EQ(X86_GUEST_GPA(xsetbv_guest, xs_other), vcpu->run->io.data)
			TH_LOG("#GP at %#llx", (unsigned long long)vcpu->run->io.data);
		ASSERT_RUN_IO_WRITE(vcpu, PORT_XSETBV, 1, 2);
	}
	/* the guest put its first value back and read it */
	ASSERT_RUN_FIELD(vcpu, "io.port", PORT_XSETBV, vcpu->run->io.port);
	ASSERT_RUN_FIELD(vcpu, "io.data (checkpoint)", 2, vcpu->run->io.data);
	seen = guest_u64(&self->vm, X86_DATA_GPA + 8);
	ASSERT_EQ(xcr0, seen)
		TH_LOG("guest XGETBV %#llx at the end", (unsigned long long)seen);
	ASSERT_EQ(xcr0, host_xcr0());
}

/*
 * XSETBV of a valid subset of the host's XCR0 (x87 and SSE) is the
 * guest's: it reads it back with XGETBV, and the host's XCR0 is untouched.
 */
TEST_F(host_state, xsetbv_subset_is_the_guests)
{
	unsigned int port;
	__u64 xcr0, seen;

	run_xsetbv_guest(_metadata, self, &xcr0, 0x3, &port);
	if (!port)
		return;
	ASSERT_EQ(PORT_XSETBV, port)
		TH_LOG("XSETBV of 0x3 (host XCR0 %#llx) raised #GP",
		       (unsigned long long)xcr0);
	seen = guest_u64(&self->vm, X86_DATA_GPA + 0x10);
	ASSERT_EQ(0x3, seen) TH_LOG("guest XGETBV %#llx after XSETBV of 0x3",
				    (unsigned long long)seen);
}

/*
 * XSETBV of a value XSETBV refuses (x87 off) raises #GP in the guest and
 * changes nothing, whether the module or the CPU refuses it.
 */
TEST_F(host_state, xsetbv_invalid_raises_gp)
{
	unsigned int port;
	__u64 xcr0, seen;

	run_xsetbv_guest(_metadata, self, &xcr0, 0x2, &port);
	if (!port)
		return;
	ASSERT_EQ(PORT_GP, port)
		TH_LOG("XSETBV of 0x2 (x87 off) did not raise #GP");
	seen = guest_u64(&self->vm, X86_DATA_GPA + 0x10);
	ASSERT_EQ(xcr0, seen) TH_LOG("guest XGETBV %#llx after the refused XSETBV",
				     (unsigned long long)seen);
	ASSERT_EQ(xcr0, vcpu_xcr0(self->vcpu));
}

/*
 * Whatever a guest's XSETBV does, the host never runs with the guest's
 * XCR0, and the guest keeps its own across exits: here the guest sets
 * x87|SSE and does not put it back. Intercepted (hardware), the module
 * takes the value; not intercepted (QEMU's SVM), it changes the XCR0 the
 * CPU has until the exit, where the module reads it and puts the host's
 * back before it saves or restores any state. Without that the host's
 * next FPU restore fails ("Bad FPU state") and its AVX code dies of
 * SIGILL, this test first.
 */
TEST_F(host_state, xsetbv_never_reaches_host)
{
	__u8 in[32], out[32];
	__u64 xcr0, first, later;
	struct axv_vcpu *vcpu;
	char why[128];

	AXV_REQUIRE_X86(&self->info);
	if (!host_has_osxsave())
		SKIP(return, "the host kernel does not use XSAVE (CR4.OSXSAVE clear)");
	xcr0 = host_xcr0();
	GUEST(xcr0_left_guest);
	vcpu = self->vcpu;
	xsetbv_vcpu_prepare(&self->vm, vcpu, X86_GUEST_GPA(xcr0_left_guest, xl_gp_handler),
			    X86_GUEST_GPA(xcr0_left_guest, xl_ud_handler), 0x3);

	ASSERT_EQ(0, axv_run(vcpu));
	ASSERT_EQ(xcr0, host_xcr0())
		TH_LOG("host XCR0 %#llx after RUN: the guest's XSETBV of 0x3 reached the host (was %#llx)",
		       (unsigned long long)host_xcr0(), (unsigned long long)xcr0);
	if (vcpu->run->exit_reason == AXVCPU_EXIT_FAIL_ENTRY)
		SKIP(return, "a guest CR4 with OSXSAVE was refused (FAIL_ENTRY %#llx)",
		     (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
	SKIP_IF_GUEST_UD(vcpu, "xgetbv/xsetbv");
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_RUN_FIELD(vcpu, "io.port", PORT_XSETBV, vcpu->run->io.port);
	ASSERT_RUN_FIELD(vcpu, "io.data (checkpoint)", 1, vcpu->run->io.data);
	first = guest_u64(&self->vm, X86_DATA_GPA);
	ASSERT_EQ(0x3, first);
	ASSERT_EQ(0x3, vcpu_xcr0(vcpu));

	/* the host's own FPU and AVX state work with its XCR0 */
	fill_pattern(in, sizeof(in), 0x3c);
	if (host_has_avx(why, sizeof(why)))
		asm volatile("vmovdqu %1, %%ymm3\n\t"
			     "vmovdqu %%ymm3, %0\n\t"
			     "vzeroupper"
			     : "=m" (out) : "m" (in) : "xmm3");
	else
		memcpy(out, in, sizeof(out));
	ASSERT_EQ(0, memcmp(in, out, sizeof(in)));
	ASSERT_EQ(getpid(), (pid_t)syscall(SYS_getpid));

	/* back in the guest, XCR0 is still the guest's */
	ASSERT_RUN_IO_WRITE(vcpu, PORT_XSETBV, 1, 2);
	later = guest_u64(&self->vm, X86_DATA_GPA + 8);
	ASSERT_EQ(0x3, later)
		TH_LOG("guest XGETBV %#llx after an exit, host XCR0 %#llx",
		       (unsigned long long)later, (unsigned long long)xcr0);
	ASSERT_EQ(xcr0, host_xcr0());
}

TEST_HARNESS_MAIN
