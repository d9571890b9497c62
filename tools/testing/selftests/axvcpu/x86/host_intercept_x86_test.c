// SPDX-License-Identifier: GPL-2.0
/*
 * host_intercept_x86_test: instructions through which a guest would reach
 * its host without an intercept (Documentation/design.rst, "SVM
 * specifics"): RDPMC (the host's performance counters) raises #GP;
 * WBINVD and WBNOINVD (a flush of every cache of the socket) are no-ops
 * that resume after the instruction, its prefixes counted; and
 * IA32_TSC_AUX, which RDTSCP and RDPID return, is the vCPU's own (0, then
 * what its WRMSR wrote), never the host's CPU number, while the host's
 * vgetcpu keeps its own after RUN. The #MC intercept is not tested: no
 * emulator here makes a machine check.
 */
#include <cpuid.h>
#include <sched.h>

#include "host_state.h"

#define PORT_TSC_AUX	0x67
#define GUEST_TSC_AUX	0x1234

/* RDPMC of counter 0; the #GP handler reports the EIP and skips 2 bytes. */
X86_GUEST(rdpmc_guest, ".code32",
	"mov $" STACK ", %esp\n\t"
	"lidt " IDTR "\n\t"
	"xor %ecx, %ecx\n\t"
	"rp_rdpmc: rdpmc\n\t"
	"mov $0xaa, %al\n\t"
	"out %al, $" __stringify(PORT_DONE) "\n\t"
	"hlt\n\t"
	"rp_gp:\n\t"
	"push %eax\n\t"
	"mov 8(%esp), %eax\n\t"
	"out %eax, $" __stringify(PORT_GP) "\n\t"
	"addl $2, 8(%esp)\n\t"
	"pop %eax\n\t"
	"add $4, %esp\n\t"
	"iret\n\t"
	"rp_ud:\n\t"
	"mov (%esp), %eax\n\t"
	"out %eax, $" __stringify(PORT_UD) "\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(rp_rdpmc);
X86_GUEST_LABEL(rp_gp);
X86_GUEST_LABEL(rp_ud);

/* WBINVD, OUT 1, WBNOINVD (F3 0F 09), OUT 2, HLT. */
X86_GUEST(wbinvd_guest, ".code32",
	"movl $0x12345678, " DATA "\n\t"
	"mov $1, %al\n\t"
	"wbinvd\n\t"
	"out %al, $" __stringify(PORT_INVD) "\n\t"
	"mov $2, %al\n\t"
	".byte 0xf3, 0x0f, 0x09\n\t"
	"out %al, $" __stringify(PORT_INVD) "\n\t"
	"wb_after:\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(wb_after);

/*
 * RDTSCP's ECX to DATA+0 and, with ESI set, RDPID to DATA+4; OUT 1; WRMSR
 * of GUEST_TSC_AUX to TSC_AUX; the same to DATA+8 and DATA+12; OUT 2.
 */
#define TSC_AUX_READ(off)						\
	"rdtscp\n\t"							\
	"mov %ecx, " DATA "+" #off "\n\t"				\
	"test %esi, %esi\n\t"						\
	"jz 1f\n\t"							\
	".byte 0xf3, 0x0f, 0xc7, 0xf8\n\t"	/* rdpid %eax */	\
	"mov %eax, " DATA "+4+" #off "\n\t"				\
	"1:\n\t"

X86_GUEST(tsc_aux_guest, ".code32",
	TSC_AUX_READ(0)
	"mov $1, %al\n\t"
	"out %al, $" __stringify(PORT_TSC_AUX) "\n\t"
	"mov $0xc0000103, %ecx\n\t"
	"mov $" __stringify(GUEST_TSC_AUX) ", %eax\n\t"
	"xor %edx, %edx\n\t"
	"wrmsr\n\t"
	TSC_AUX_READ(8)
	"mov $2, %al\n\t"
	"out %al, $" __stringify(PORT_TSC_AUX) "\n\t"
	"hlt\n\t");

TEST_F(host_state, rdpmc_raises_gp)
{
	struct axv_vcpu *vcpu;

	AXV_REQUIRE_X86(&self->info);
	GUEST(rdpmc_guest);
	vcpu = self->vcpu;
	x86_idt_set_gate(&self->vm, GP_VECTOR, X86_GUEST_GPA(rdpmc_guest, rp_gp));
	x86_idt_set_gate(&self->vm, UD_VECTOR, X86_GUEST_GPA(rdpmc_guest, rp_ud));
	ASSERT_EQ(0, axv_run(vcpu));
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_EQ(PORT_GP, vcpu->run->io.port)
		TH_LOG("RDPMC: OUT to port %#x data %#llx (%#x is #UD): not the #GP of the intercept",
		       vcpu->run->io.port,
		       (unsigned long long)vcpu->run->io.data, PORT_UD);
	ASSERT_EQ(X86_GUEST_GPA(rdpmc_guest, rp_rdpmc), vcpu->run->io.data);
	ASSERT_RUN_IO_WRITE(vcpu, PORT_DONE, 1, 0xaa);
}

/* Both go on right after themselves, and memory stays. */
TEST_F(host_state, wbinvd_and_wbnoinvd_are_noops)
{
	struct axv_vcpu *vcpu;

	AXV_REQUIRE_X86(&self->info);
	GUEST(wbinvd_guest);
	vcpu = self->vcpu;
	ASSERT_RUN_IO_WRITE(vcpu, PORT_INVD, 1, 1);
	ASSERT_RUN_IO_WRITE(vcpu, PORT_INVD, 1, 2);
	ASSERT_EQ(X86_GUEST_GPA(wbinvd_guest, wb_after), axv_vcpu_rip(vcpu))
		TH_LOG("RIP after WBNOINVD and OUT: its prefix miscounted");
	ASSERT_EQ(0x12345678, guest_u32(&self->vm, X86_DATA_GPA));
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

/* This thread's TSC_AUX as RDTSCP gives it: the kernel's CPU and node. */
static __u32 host_tsc_aux(void)
{
	__u32 lo, hi, aux;

	asm volatile("rdtscp" : "=a" (lo), "=d" (hi), "=c" (aux));
	return aux;
}

TEST_F(host_state, tsc_aux_is_the_guests)
{
	unsigned int a, b, c, d;
	struct axv_vcpu *vcpu;
	struct axvcpu_sysreg r = { .id = AXVCPU_SYSREG_X86_MSR | 0xc0000103 };
	bool rdpid;
	__u32 host;

	AXV_REQUIRE_X86(&self->info);
	if (!__get_cpuid(0x80000001, &a, &b, &c, &d) || !(d & (1U << 27)))
		SKIP(return, "no RDTSCP on this CPU");
	rdpid = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & (1U << 22));
	GUEST(tsc_aux_guest);
	vcpu = self->vcpu;
	axv_set_gpr(vcpu, X86_RSI, rdpid);

	ASSERT_RUN_IO_WRITE(vcpu, PORT_TSC_AUX, 1, 1);
	/* BIND pinned this thread to the vCPU's CPU */
	host = host_tsc_aux();
	ASSERT_EQ(sched_getcpu(), (int)(host & 0xfff))
		TH_LOG("the host's TSC_AUX %#x after RUN on CPU %d", host,
		       sched_getcpu());
	ASSERT_EQ(0, guest_u32(&self->vm, X86_DATA_GPA))
		TH_LOG("guest RDTSCP read TSC_AUX %#x (the host's is %#x)",
		       guest_u32(&self->vm, X86_DATA_GPA), host);
	if (rdpid)
		ASSERT_EQ(0, guest_u32(&self->vm, X86_DATA_GPA + 4));

	ASSERT_RUN_IO_WRITE(vcpu, PORT_TSC_AUX, 1, 2);
	ASSERT_EQ(GUEST_TSC_AUX, guest_u32(&self->vm, X86_DATA_GPA + 8));
	if (rdpid)
		ASSERT_EQ(GUEST_TSC_AUX, guest_u32(&self->vm, X86_DATA_GPA + 12));
	ASSERT_EQ(host, host_tsc_aux())
		TH_LOG("the host's TSC_AUX after the guest wrote %#x", GUEST_TSC_AUX);
	ASSERT_EQ(0, ioctl(vcpu->fd, AXVCPU_GET_SYSREG, &r));
	ASSERT_EQ(GUEST_TSC_AUX, r.value);
	if (!host)
		TH_LOG("the vCPU ran on a CPU whose TSC_AUX is 0: the first read proves less");
}

TEST_HARNESS_MAIN
