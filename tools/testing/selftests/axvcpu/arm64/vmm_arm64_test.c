// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_arm64_test: the reference VMM's arm64 machine with make demo's
 * sample guest (tools/axvcpu-run/guests/hello/hello_arm64.c, an Image
 * with text_offset 0): PSCI_VERSION answered by the module, MIDR_EL1 as
 * the host's CPU (VPIDR_EL2), EL1 at entry, the device tree axvcpu-run
 * writes, the second CPU started through PSCI CPU_ON with its context id
 * and turned off by CPU_OFF (CPU_UP, CPU_DOWN, AFFINITY_INFO answered by
 * the VMM), the PL011 by MMIO, no exception in the guest, and the
 * power-off through SYSTEM_OFF (SYSTEM_DOWN, status 0); the same guest
 * with --kvm where the lane has KVM (arm64-nvhe-kvm).
 */
#include "vmm_util.h"

#define HELLO_MACHINE	"machine: axvcpu-run arm64, 2 CPU(s) (arm,armv8), 64 MiB of RAM at 0x40000000\r\n"
#define HOST_MIDR	"/sys/devices/system/cpu/cpu0/regs/identification/midr_el1"

static void run_hello(struct vmm_result *r, bool kvm)
{
	run_vmm(r, NULL, (const char *[]){ "run",
		"--kernel", guest_path("hello.bin"), "--mem", "64M",
		"--cpus", "2", "--cmdline", "make demo",
		kvm ? "--kvm" : NULL, NULL });
}

static void check_hello(struct __test_metadata *_metadata,
			const struct vmm_result *r)
{
	char line[128];
	unsigned long long midr;
	FILE *f;

	ASSERT_VMM(r, 0);
	ASSERT_OUT(r, "Hello from an axvcpu guest (arm64, CPU 0)\r\n");
	ASSERT_OUT(r, HELLO_MACHINE);
	ASSERT_OUT(r, "command line: make demo\r\n");
	ASSERT_OUT(r, "CPU 1: started through PSCI CPU_ON, context id 0x68656c6c6f (as given)\r\n");
	ASSERT_OUT(r, "\r\npowering off\r\n");
	ASSERT_NO_OUT(r, "unexpected exception");
	ASSERT_NO_OUT(r, "CPU_OFF returned");
	/* the guest sees the host's CPU, at EL1 */
	f = fopen(HOST_MIDR, "r");
	ASSERT_NE(NULL, f) TH_LOG("%s: %s", HOST_MIDR, strerror(errno));
	ASSERT_EQ(1, fscanf(f, "%llx", &midr));
	fclose(f);
	snprintf(line, sizeof(line), ", MIDR_EL1 %#llx, EL1\r\n", midr);
	ASSERT_OUT(r, line);
}

TEST(hello_guest)
{
	static struct vmm_result r;

	run_hello(&r, false);
	check_hello(_metadata, &r);
	/* the module's PSCI (Documentation/api.rst, arm64) */
	ASSERT_OUT(&r, "running on: PSCI 1.0, ");
}

TEST(hello_guest_on_kvm)
{
	static struct vmm_result r;

	if (access("/dev/kvm", R_OK | W_OK))
		SKIP(return, "no /dev/kvm: KVM is off (kvm-arm.mode=none)");
	run_hello(&r, true);
	check_hello(_metadata, &r);
	ASSERT_OUT(&r, "running on: PSCI 1.");
}

TEST_HARNESS_MAIN
