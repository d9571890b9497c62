// SPDX-License-Identifier: GPL-2.0
/*
 * host_insn_x86_test: what the guest sees of the instructions the backend
 * intercepts: CPUID (hypervisor bit, no SVM, "AxVCpuAxVCpu", the vCPU id as
 * APIC ID) and INVPCID as CPUID says; VMRUN, VMLOAD, VMSAVE, STGI, CLGI, SKINIT, INVLPGA, MONITOR,
 * MWAIT and RDPRU (the host's APERF/MPERF) raise #UD; INVD is a no-op;
 * an intercepted instruction with prefixes (CPUID, RDMSR, HLT) resumes
 * after its last byte, not after its bare opcode's length.
 */
#include "host_state.h"

/* CPUID leaves 1, 0x80000001, 0x40000000, 0x8000000a to DATA+0x00.. */
X86_GUEST(cpuid_guest, ".code32",
	"mov $1, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"cpuid\n\t"
	"mov %eax, " DATA "+0x00\n\t"
	"mov %ebx, " DATA "+0x04\n\t"
	"mov %ecx, " DATA "+0x08\n\t"
	"mov %edx, " DATA "+0x0c\n\t"
	"mov $0x80000001, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"cpuid\n\t"
	"mov %eax, " DATA "+0x10\n\t"
	"mov %ebx, " DATA "+0x14\n\t"
	"mov %ecx, " DATA "+0x18\n\t"
	"mov %edx, " DATA "+0x1c\n\t"
	"mov $0x40000000, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"cpuid\n\t"
	"mov %eax, " DATA "+0x20\n\t"
	"mov %ebx, " DATA "+0x24\n\t"
	"mov %ecx, " DATA "+0x28\n\t"
	"mov %edx, " DATA "+0x2c\n\t"
	"mov $0x8000000a, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"cpuid\n\t"
	"mov %eax, " DATA "+0x30\n\t"
	"mov %ebx, " DATA "+0x34\n\t"
	"mov %ecx, " DATA "+0x38\n\t"
	"mov %edx, " DATA "+0x3c\n\t"
	"out %al, $" __stringify(PORT_CPUID) "\n\t"
	"hlt\n\t");

/*
 * Every SVM instruction and MONITOR/MWAIT in turn; the #UD handler reports
 * the faulting EIP and returns past the (3-byte) instruction.
 */
X86_GUEST(ud_guest, ".code32",
	"mov $" STACK ", %esp\n\t"
	"lidt " IDTR "\n\t"
	"xor %eax, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"xor %edx, %edx\n\t"
	"ud_vmrun: vmrun\n\t"
	"ud_vmload: vmload\n\t"
	"ud_vmsave: vmsave\n\t"
	"ud_stgi: stgi\n\t"
	"ud_clgi: clgi\n\t"
	"ud_skinit: skinit\n\t"
	"ud_invlpga: invlpga\n\t"
	"mov $" DATA ", %eax\n\t"
	"ud_monitor: monitor\n\t"
	"ud_mwait: mwait\n\t"
	"xor %ecx, %ecx\n\t"
	"ud_rdpru: .byte 0x0f, 0x01, 0xfd\n\t"
	"mov $0xaa, %al\n\t"
	"out %al, $" __stringify(PORT_DONE) "\n\t"
	"hlt\n\t"
	"ud_handler:\n\t"
	"push %eax\n\t"
	"mov 4(%esp), %eax\n\t"
	"out %eax, $" __stringify(PORT_UD) "\n\t"
	"addl $3, 4(%esp)\n\t"
	"pop %eax\n\t"
	"iret\n\t");
X86_GUEST_LABEL(ud_vmrun);
X86_GUEST_LABEL(ud_vmload);
X86_GUEST_LABEL(ud_vmsave);
X86_GUEST_LABEL(ud_stgi);
X86_GUEST_LABEL(ud_clgi);
X86_GUEST_LABEL(ud_skinit);
X86_GUEST_LABEL(ud_invlpga);
X86_GUEST_LABEL(ud_monitor);
X86_GUEST_LABEL(ud_mwait);
X86_GUEST_LABEL(ud_rdpru);
X86_GUEST_LABEL(ud_handler);

/*
 * CPUID with an operand-size prefix (66 0F A2), OUT 0xa1; RDMSR of an MSR
 * user space answers, with a CS override (2E 0F 32), OUT of EAX; a HLT
 * with a REP prefix (F3 F4), OUT 0xa3.
 */
X86_GUEST(prefixed_guest, ".code32",
	"mov $1, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	".byte 0x66, 0x0f, 0xa2\n\t"
	"mov $0xa1, %al\n\t"
	"out %al, $" __stringify(PORT_DONE) "\n\t"
	"mov $0x4b564dff, %ecx\n\t"
	".byte 0x2e, 0x0f, 0x32\n\t"
	"out %eax, $" __stringify(PORT_DONE) "\n\t"
	".byte 0xf3, 0xf4\n\t"
	"mov $0xa3, %al\n\t"
	"out %al, $" __stringify(PORT_DONE) "\n\t"
	"pf_end:\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(pf_end);

X86_GUEST(invd_guest, ".code32",
	"movl $0x12345678, " DATA "\n\t"
	"mov $0x5a, %al\n\t"
	"invd\n\t"
	"out %al, $" __stringify(PORT_INVD) "\n\t"
	"invd_after_out:\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(invd_after_out);

/*
 * CPUID.(7,0):EBX to DATA+0x10, then INVPCID of type 2 (every context,
 * globals too) with the zero descriptor at DATA (66 0F 38 82 /r, 5 bytes
 * with this operand: the #UD handler skips 5), OUT 0xab.
 */
X86_GUEST(invpcid_guest, ".code32",
	"mov $" STACK ", %esp\n\t"
	"lidt " IDTR "\n\t"
	"mov $7, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"cpuid\n\t"
	"mov %ebx, " DATA "+0x10\n\t"
	"mov $2, %eax\n\t"
	"mov $" DATA ", %ebx\n\t"
	"invpcid_at: invpcid (%ebx), %eax\n\t"
	"mov $0xab, %al\n\t"
	"out %al, $" __stringify(PORT_DONE) "\n\t"
	"hlt\n\t"
	"invpcid_ud:\n\t"
	"push %eax\n\t"
	"mov 4(%esp), %eax\n\t"
	"out %eax, $" __stringify(PORT_UD) "\n\t"
	"addl $5, 4(%esp)\n\t"
	"pop %eax\n\t"
	"iret\n\t");
X86_GUEST_LABEL(invpcid_at);
X86_GUEST_LABEL(invpcid_ud);

/*
 * CPUID as the guest sees it, on vCPU 3: the hypervisor bit, no SVM (and
 * an empty SVM leaf), no VMX, x2APIC or MONITOR, "AxVCpuAxVCpu" at
 * 0x40000000, and the vCPU id as initial APIC ID.
 */
TEST_F(host_state, cpuid_guest_view)
{
	unsigned int a, b, c, d;
	__u32 l1_ebx, l1_ecx, ext_ecx, sig[3];
	struct axv_vcpu *vcpu;
	unsigned int i;

	AXV_REQUIRE_X86(&self->info);
	x86_vm_create(&self->vm);
	x86_guest_load(&self->vm, X86_CODE_GPA, cpuid_guest_start,
		       cpuid_guest_end);
	vcpu = self->vcpu = x86_vcpu_ready(&self->vm, 3, 0, X86_CODE_GPA);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_RUN_FIELD(vcpu, "io.port (no exit before)", PORT_CPUID,
			 vcpu->run->io.port);

	l1_ebx = guest_u32(&self->vm, X86_DATA_GPA + 0x04);
	l1_ecx = guest_u32(&self->vm, X86_DATA_GPA + 0x08);
	ext_ecx = guest_u32(&self->vm, X86_DATA_GPA + 0x18);
	for (i = 0; i < 3; i++)
		sig[i] = guest_u32(&self->vm, X86_DATA_GPA + 0x24 + 4 * i);

	ASSERT_TRUE(l1_ecx & (1U << 31))
		TH_LOG("CPUID.1:ECX %#x: hypervisor bit (31) clear", l1_ecx);
	ASSERT_EQ(0, l1_ecx & (1U << 5))
		TH_LOG("CPUID.1:ECX %#x: VMX (5) visible", l1_ecx);
	ASSERT_EQ(0, l1_ecx & (1U << 21))
		TH_LOG("CPUID.1:ECX %#x: x2APIC (21) visible", l1_ecx);
	ASSERT_EQ(0, l1_ecx & (1U << 3))
		TH_LOG("CPUID.1:ECX %#x: MONITOR (3) visible", l1_ecx);
	ASSERT_EQ(3, l1_ebx >> 24)
		TH_LOG("CPUID.1:EBX %#x: initial APIC ID %u, expected the vCPU id 3",
		       l1_ebx, l1_ebx >> 24);
	/* the host has SVM (we run on it): the guest must not see it */
	__cpuid(0x80000001, a, b, c, d);
	ASSERT_EQ(0, ext_ecx & (1U << 2))
		TH_LOG("CPUID.80000001:ECX %#x: SVM (2) visible (host's %#x)",
		       ext_ecx, c);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, guest_u32(&self->vm, X86_DATA_GPA + 0x30 + 4 * i))
			TH_LOG("CPUID.8000000A register %u nonzero: SVM features visible", i);
	ASSERT_EQ(0, memcmp(sig, "AxVCpuAxVCpu", 12))
		TH_LOG("CPUID.40000000 EBX,ECX,EDX = \"%.12s\"", (char *)sig);
	ASSERT_LE(0x40000000, guest_u32(&self->vm, X86_DATA_GPA + 0x20))
		TH_LOG("CPUID.40000000:EAX (max leaf) %#x",
		       guest_u32(&self->vm, X86_DATA_GPA + 0x20));
}

/* VMRUN, VMLOAD, VMSAVE, STGI, CLGI, SKINIT, INVLPGA, MONITOR, MWAIT: #UD. */
TEST_F(host_state, svm_instructions_raise_ud)
{
	static const struct {
		const char *name;
		const char *label;
	} insns[] = {
		{ "VMRUN", ud_vmrun }, { "VMLOAD", ud_vmload },
		{ "VMSAVE", ud_vmsave }, { "STGI", ud_stgi },
		{ "CLGI", ud_clgi }, { "SKINIT", ud_skinit },
		{ "INVLPGA", ud_invlpga }, { "MONITOR", ud_monitor },
		{ "MWAIT", ud_mwait }, { "RDPRU", ud_rdpru },
	};
	struct axv_vcpu *vcpu;
	unsigned int i;

	GUEST(ud_guest);
	vcpu = self->vcpu;
	x86_idt_set_gate(&self->vm, UD_VECTOR,
			 X86_GUEST_GPA(ud_guest, ud_handler));
	for (i = 0; i < ARRAY_SIZE(insns); i++) {
		__u64 at = X86_CODE_GPA + (insns[i].label - ud_guest_start);

		ASSERT_EQ(0, axv_run(vcpu));
		ASSERT_EQ(AXVCPU_EXIT_IO_WRITE, vcpu->run->exit_reason)
			TH_LOG("%s at %#llx: expected #UD in the guest, got exit %s (rip %#llx)",
			       insns[i].name, (unsigned long long)at,
			       axv_exit_desc(vcpu->run),
			       (unsigned long long)axv_vcpu_rip(vcpu));
		ASSERT_EQ(PORT_UD, vcpu->run->io.port)
			TH_LOG("%s at %#llx: no #UD (OUT to port %#x instead)",
			       insns[i].name, (unsigned long long)at,
			       vcpu->run->io.port);
		ASSERT_EQ(at, vcpu->run->io.data)
			TH_LOG("%s: #UD reported at %#llx, expected %#llx", insns[i].name,
			       (unsigned long long)vcpu->run->io.data,
			       (unsigned long long)at);
	}
	ASSERT_RUN_IO_WRITE(vcpu, PORT_DONE, 1, 0xaa);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

/*
 * The default CPUID and the instruction agree: INVPCID runs when
 * CPUID.(7,0):EBX[10] offers it and raises #UD when it does not. VMX
 * turns it into #UD unless the VMCS enables it (SDM vol. 3C, 26.3); a
 * Linux guest that CPUID told it was there stopped at its first INVPCID.
 */
TEST_F(host_state, invpcid_as_cpuid_says)
{
	struct axv_vcpu *vcpu;
	bool offered;

	GUEST(invpcid_guest);
	vcpu = self->vcpu;
	x86_idt_set_gate(&self->vm, UD_VECTOR,
			 X86_GUEST_GPA(invpcid_guest, invpcid_ud));
	ASSERT_EQ(0, axv_run(vcpu));
	ASSERT_EQ(AXVCPU_EXIT_IO_WRITE, vcpu->run->exit_reason)
		TH_LOG("expected an OUT (done or #UD), got exit %s",
		       axv_exit_desc(vcpu->run));
	offered = guest_u32(&self->vm, X86_DATA_GPA + 0x10) & (1U << 10);
	if (offered) {
		ASSERT_EQ(PORT_DONE, vcpu->run->io.port)
			TH_LOG("CPUID offers INVPCID, yet it raised #UD at %#llx",
			       (unsigned long long)vcpu->run->io.data);
		ASSERT_EQ(0xab, vcpu->run->io.data & 0xff);
	} else {
		ASSERT_EQ(PORT_UD, vcpu->run->io.port)
			TH_LOG("CPUID hides INVPCID, yet it ran (OUT to %#x)",
			       vcpu->run->io.port);
		ASSERT_EQ(X86_GUEST_GPA(invpcid_guest, invpcid_at),
			  vcpu->run->io.data);
		ASSERT_RUN_IO_WRITE(vcpu, PORT_DONE, 1, 0xab);
	}
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

/*
 * INVD is a no-op: the guest goes on without an exit and memory stays.
 * (QEMU 7.2 checks INVD against the WBINVD intercept bit, which the module
 * does not set, so there INVD never reaches the module's handler.)
 */
TEST_F(host_state, invd_is_noop)
{
	struct axv_vcpu *vcpu;

	GUEST(invd_guest);
	vcpu = self->vcpu;
	ASSERT_RUN_IO_WRITE(vcpu, PORT_INVD, 1, 0x5a);
	ASSERT_EQ(X86_GUEST_GPA(invd_guest, invd_after_out), axv_vcpu_rip(vcpu))
		TH_LOG("RIP after INVD and OUT");
	ASSERT_EQ(0x12345678, guest_u32(&self->vm, X86_DATA_GPA))
		TH_LOG("the store before INVD was lost");
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

/*
 * Without next-RIP saving (QEMU's SVM) the backend counts the prefixes;
 * skipping the bare opcode's length would resume inside the instruction.
 */
TEST_F(host_state, prefixed_instructions_resume_after_them)
{
	struct axv_vcpu *vcpu;

	GUEST(prefixed_guest);
	vcpu = self->vcpu;
	ASSERT_RUN_IO_WRITE(vcpu, PORT_DONE, 1, 0xa1);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_SYSREG_READ);
	ASSERT_EQ(0x4b564dff, vcpu->run->sysreg.addr);
	vcpu->run->sysreg.value = 0x12345678;
	ASSERT_RUN_IO_WRITE(vcpu, PORT_DONE, 4, 0x12345678);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
	ASSERT_RUN_IO_WRITE(vcpu, PORT_DONE, 1, 0xa3);
	ASSERT_EQ(X86_GUEST_GPA(prefixed_guest, pf_end), axv_vcpu_rip(vcpu));
}

TEST_HARNESS_MAIN
