// SPDX-License-Identifier: GPL-2.0
/*
 * host_xsetbv_x86_test: XSETBV of another value than the host's XCR0 raises
 * #GP in the guest, and in no case does the host run with the guest's
 * XCR0.
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
	"xs_same: xsetbv\n\t"
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
X86_GUEST_LABEL(xs_same);
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
	"xl_set: xsetbv\n\t"
	"xor %ecx, %ecx\n\t"
	"xgetbv\n\t"
	"mov %eax, " DATA "+0x00\n\t"
	"mov %edx, " DATA "+0x04\n\t"
	"mov $1, %al\n\t"
	"out %al, $" __stringify(PORT_XSETBV) "\n\t"
	"xor %ecx, %ecx\n\t"
	XSETBV_GUEST_END(xl_gp_handler)
	BAD_UD_HANDLER(xl_ud_handler));
X86_GUEST_LABEL(xl_set);
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

/*
 * XSETBV may only write the host's XCR0 (the guest runs with it): the
 * same value is accepted, another (valid) one raises #GP in the guest.
 * The guest writes the host's value back right after, so that an XSETBV
 * that was not intercepted (QEMU 7.2 TCG has no XSETBV intercept) leaves
 * the host's XCR0 as it was: a host running with the guest's XCR0 gets
 * "Bad FPU state" on its next FPU restore and SIGILL in user space.
 */
TEST_F(host_state, xsetbv_other_value_raises_gp)
{
	__u64 xcr0, other, seen, restored;
	struct axv_vcpu *vcpu;

	AXV_REQUIRE_X86(&self->info);
	if (!host_has_osxsave())
		SKIP(return, "the host kernel does not use XSAVE (CR4.OSXSAVE clear)");
	xcr0 = host_xcr0();
	/* x87+SSE, or x87 alone: always a value the CPU would accept */
	other = xcr0 != 0x3 ? 0x3 : 0x1;
	GUEST(xsetbv_guest);
	vcpu = self->vcpu;
	xsetbv_vcpu_prepare(&self->vm, vcpu, X86_GUEST_GPA(xsetbv_guest, xs_gp_handler),
			    X86_GUEST_GPA(xsetbv_guest, xs_ud_handler), other);

	ASSERT_EQ(0, axv_run(vcpu));
	if (vcpu->run->exit_reason == AXVCPU_EXIT_FAIL_ENTRY)
		SKIP(return, "a guest CR4 with OSXSAVE was refused (FAIL_ENTRY %#llx)",
		     (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
	SKIP_IF_GUEST_UD(vcpu, "xgetbv/xsetbv");
	/* XSETBV of the host's own value: accepted, no #GP */
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_EQ(PORT_XSETBV, vcpu->run->io.port)
		TH_LOG("XSETBV of the host's XCR0 %#llx: OUT to port %#x data %#llx (%#x is #GP)",
		       (unsigned long long)xcr0, vcpu->run->io.port,
		       (unsigned long long)vcpu->run->io.data, PORT_GP);
	seen = guest_u64(&self->vm, X86_DATA_GPA);
	ASSERT_EQ(xcr0, seen) TH_LOG("guest XGETBV %#llx, host XCR0 %#llx",
				     (unsigned long long)seen,
				     (unsigned long long)xcr0);

	ASSERT_EQ(0, axv_run(vcpu));
	ASSERT_EQ(xcr0, host_xcr0())
		TH_LOG("host XCR0 %#llx after the guest's XSETBV, was %#llx",
		       (unsigned long long)host_xcr0(), (unsigned long long)xcr0);
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	seen = guest_u64(&self->vm, X86_DATA_GPA + 0x10);
	if (vcpu->run->io.port == PORT_XSETBV && seen == other)
		SKIP(return, "this CPU does not intercept XSETBV (QEMU's SVM): the guest's XSETBV ran; host XCR0 checked unchanged after RUN");
	ASSERT_EQ(PORT_GP, vcpu->run->io.port)
		TH_LOG("XSETBV %#llx (host XCR0 %#llx) did not raise #GP (OUT to port %#x data %#llx); XGETBV after it gave %#llx: %s",
		       (unsigned long long)other, (unsigned long long)xcr0,
		       vcpu->run->io.port, (unsigned long long)vcpu->run->io.data,
		       (unsigned long long)seen,
		       vcpu->run->io.port != PORT_XSETBV ? "unexpected port" :
		       seen == other ?
		       "the XSETBV was executed, not intercepted: the guest set the XCR0 it shares with the host (and put it back itself)" :
		       "XCR0 unchanged: the XSETBV was skipped without #GP");
	ASSERT_EQ(X86_GUEST_GPA(xsetbv_guest, xs_other), vcpu->run->io.data)
		TH_LOG("#GP at %#llx", (unsigned long long)vcpu->run->io.data);
	ASSERT_RUN_IO_WRITE(vcpu, PORT_XSETBV, 1, 2);
	restored = guest_u64(&self->vm, X86_DATA_GPA + 8);
	ASSERT_EQ(xcr0, restored)
		TH_LOG("guest XGETBV %#llx at the end", (unsigned long long)restored);
	ASSERT_EQ(xcr0, host_xcr0());
}

/*
 * Whatever a guest's XSETBV does, the host never runs with the guest's
 * XCR0: here the guest does not put it back. Intercepted (hardware), it
 * raises #GP and XCR0 never changes; not intercepted (QEMU's SVM), it
 * changes the shared XCR0 until the exit, and the module must put the
 * host's back before it saves or restores any state with it. Without that
 * the host's next FPU restore fails ("Bad FPU state") and its AVX code
 * dies of SIGILL, this test first.
 */
TEST_F(host_state, xsetbv_never_reaches_host)
{
	__u8 in[32], out[32];
	__u64 xcr0, other, first, later;
	struct axv_vcpu *vcpu;
	char why[128];
	bool gp = false;

	AXV_REQUIRE_X86(&self->info);
	if (!host_has_osxsave())
		SKIP(return, "the host kernel does not use XSAVE (CR4.OSXSAVE clear)");
	xcr0 = host_xcr0();
	other = xcr0 != 0x3 ? 0x3 : 0x1;
	GUEST(xcr0_left_guest);
	vcpu = self->vcpu;
	xsetbv_vcpu_prepare(&self->vm, vcpu, X86_GUEST_GPA(xcr0_left_guest, xl_gp_handler),
			    X86_GUEST_GPA(xcr0_left_guest, xl_ud_handler), other);

	ASSERT_EQ(0, axv_run(vcpu));
	ASSERT_EQ(xcr0, host_xcr0())
		TH_LOG("host XCR0 %#llx after RUN: the guest's XSETBV of %#llx reached the host (was %#llx)",
		       (unsigned long long)host_xcr0(),
		       (unsigned long long)other, (unsigned long long)xcr0);
	if (vcpu->run->exit_reason == AXVCPU_EXIT_FAIL_ENTRY)
		SKIP(return, "a guest CR4 with OSXSAVE was refused (FAIL_ENTRY %#llx)",
		     (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
	SKIP_IF_GUEST_UD(vcpu, "xgetbv/xsetbv");
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	if (vcpu->run->io.port == PORT_GP) {
		gp = true;
		ASSERT_EQ(X86_GUEST_GPA(xcr0_left_guest, xl_set), vcpu->run->io.data);
		ASSERT_EQ(0, axv_run(vcpu));
		ASSERT_EQ(xcr0, host_xcr0());
	}
	ASSERT_RUN_FIELD(vcpu, "io.port", PORT_XSETBV, vcpu->run->io.port);
	ASSERT_RUN_FIELD(vcpu, "io.data (checkpoint)", 1, vcpu->run->io.data);
	first = guest_u64(&self->vm, X86_DATA_GPA);
	TH_LOG("XSETBV %#llx %s; the guest read %#llx before its exit",
	       (unsigned long long)other,
	       gp ? "raised #GP" : "was not intercepted", (unsigned long long)first);

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

	/* back in the guest, XCR0 is the host's again: the guest runs with it */
	ASSERT_RUN_IO_WRITE(vcpu, PORT_XSETBV, 1, 2);
	later = guest_u64(&self->vm, X86_DATA_GPA + 8);
	ASSERT_EQ(xcr0, later)
		TH_LOG("guest XGETBV %#llx after an exit, host XCR0 %#llx",
		       (unsigned long long)later, (unsigned long long)xcr0);
	ASSERT_EQ(xcr0, host_xcr0());
}

TEST_HARNESS_MAIN
