// SPDX-License-Identifier: GPL-2.0
/*
 * host_pkru_x86_test: the VMM thread's PKRU (its protection keys) is the
 * same after RUN as before, whether the guest writes its own PKRU or never
 * touches it (the guest's FPU area would load PKRU's init value, 0), and
 * the guest's PKRU survives its exits. The kernel does not restore PKRU
 * on the way back to user space, so the module must (Documentation/
 * design.rst, "SVM specifics").
 */
#include <cpuid.h>

#include "host_state.h"

#define X86_CR4_PKE	(1ULL << 22)
#define PORT_PKRU	0x64
#define GUEST_PKRU	0x0000000cU	/* key 1: access and write disabled */

/*
 * WRPKRU of GUEST_PKRU, then OUT of RDPKRU on PORT_PKRU (data 1); after
 * the next entry RDPKRU again (data 2), then HLT.
 */
X86_GUEST(pkru_guest, ".code32",
	"xor %ecx, %ecx\n\t"
	"xor %edx, %edx\n\t"
	"mov $" __stringify(GUEST_PKRU) ", %eax\n\t"
	"wrpkru\n\t"
	"xor %ecx, %ecx\n\t"
	"rdpkru\n\t"
	"out %eax, $" __stringify(PORT_PKRU) "\n\t"
	"xor %ecx, %ecx\n\t"
	"rdpkru\n\t"
	"out %eax, $" __stringify(PORT_PKRU) "\n\t"
	"hlt\n\t");

/* OUT on PORT_PKRU and HLT: a guest that leaves PKRU alone. */
X86_GUEST(no_pkru_guest, ".code32",
	"mov $1, %eax\n\t"
	"out %eax, $" __stringify(PORT_PKRU) "\n\t"
	"hlt\n\t");

static bool host_has_ospke(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & (1U << 4));
}

static __u32 rdpkru(void)
{
	__u32 eax, edx;

	asm volatile("rdpkru" : "=a" (eax), "=d" (edx) : "c" (0));
	return eax;
}

static void wrpkru(__u32 v)
{
	asm volatile("wrpkru" :: "a" (v), "c" (0), "d" (0) : "memory");
}

/* This thread's PKRU, set to @host for the test (keys 1-15 are unused). */
#define HOST_PKRU	0x55555550U

TEST_F(host_state, guest_pkru_never_reaches_host)
{
	struct axv_vcpu *vcpu;
	__u32 saved, seen;

	AXV_REQUIRE_X86(&self->info);
	if (!host_has_ospke())
		SKIP(return, "the host kernel does not use PKU (CPUID.7:ECX.OSPKE clear)");
	saved = rdpkru();
	wrpkru(HOST_PKRU);
	GUEST(pkru_guest);
	vcpu = self->vcpu;
	x86_vcpu_set_cr4(vcpu, X86_CR4_PKE);

	ASSERT_EQ(0, axv_run(vcpu));
	seen = rdpkru();
	wrpkru(saved);
	ASSERT_EQ(HOST_PKRU, seen)
		TH_LOG("the VMM thread's PKRU is %#x after a RUN whose guest wrote %#x (was %#x)",
		       seen, GUEST_PKRU, HOST_PKRU);
	ASSERT_RUN_FIELD(vcpu, "io.port", PORT_PKRU, vcpu->run->io.port);
	ASSERT_RUN_FIELD(vcpu, "io.data (guest PKRU)", GUEST_PKRU,
			 vcpu->run->io.data);

	/* the guest's own PKRU after an exit and the host's use of its own */
	wrpkru(HOST_PKRU);
	ASSERT_EQ(0, axv_run(vcpu));
	seen = rdpkru();
	wrpkru(saved);
	ASSERT_EQ(HOST_PKRU, seen);
	ASSERT_RUN_FIELD(vcpu, "io.port", PORT_PKRU, vcpu->run->io.port);
	ASSERT_RUN_FIELD(vcpu, "io.data (guest PKRU after an exit)", GUEST_PKRU,
			 vcpu->run->io.data);
}

/* A guest that never touches PKRU: the area's init value must not stick. */
TEST_F(host_state, untouched_pkru_stays_the_hosts)
{
	__u32 saved, seen;

	AXV_REQUIRE_X86(&self->info);
	if (!host_has_ospke())
		SKIP(return, "the host kernel does not use PKU (CPUID.7:ECX.OSPKE clear)");
	saved = rdpkru();
	wrpkru(HOST_PKRU);
	GUEST(no_pkru_guest);
	ASSERT_EQ(0, axv_run(self->vcpu));
	seen = rdpkru();
	wrpkru(saved);
	ASSERT_EQ(HOST_PKRU, seen)
		TH_LOG("the VMM thread's PKRU is %#x after a RUN (was %#x)",
		       seen, HOST_PKRU);
	ASSERT_RUN_FIELD(self->vcpu, "io.port", PORT_PKRU, self->vcpu->run->io.port);
}

TEST_HARNESS_MAIN
