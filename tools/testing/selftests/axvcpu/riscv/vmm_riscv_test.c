// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_riscv_test: the reference VMM's riscv64 machine with make demo's
 * sample guest (tools/axvcpu-run/guests/hello/hello_riscv64.c, a raw
 * image): the SBI base calls answered by the module, the device tree
 * axvcpu-run writes, the second hart started and stopped through SBI HSM
 * (CPU_UP, CPU_DOWN), the 16550 by MMIO and the power-off through SBI
 * SRST (SYSTEM_DOWN) with its reason; the same guest with --kvm, the
 * bench's reference, where KVM answers SBI and HSM itself.
 */
#include "vmm_util.h"
#include "axvcpu_kvm_riscv.h"

#define HELLO_MACHINE	"machine: axvcpu-run riscv64, 2 hart(s) (rv64imafdc"

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
	ASSERT_VMM(r, 0);
	ASSERT_OUT(r, "Hello from an axvcpu guest (riscv64, hart 0)\r\n");
	ASSERT_OUT(r, HELLO_MACHINE);
	ASSERT_OUT(r, "), 64 MiB of RAM at 0x80000000\r\n");
	ASSERT_OUT(r, "command line: make demo\r\n");
	ASSERT_OUT(r, "hart 1: started through SBI HSM, opaque 0x68656c6c6f (as given)\r\n");
	ASSERT_OUT(r, "powering off\r\n");
}

TEST(hello_guest)
{
	static struct vmm_result r;
	char line[128];

	run_hello(&r, false);
	check_hello(_metadata, &r);
	/* the module's SBI implementation id and version (the API's) */
	snprintf(line, sizeof(line),
		 "running on: SBI 1.0, implementation axvcpu version %u\r\n",
		 AXVCPU_API_VERSION);
	ASSERT_OUT(&r, line);
}

TEST(hello_guest_on_kvm)
{
	static struct vmm_result r;

	VMM_REQUIRE_KVM(KVM_RISCV_DEFAULT_MODULES);
	run_hello(&r, true);
	check_hello(_metadata, &r);
	ASSERT_OUT(&r, "implementation 0x3 ");	/* KVM's SBI id */
}

/* SRST with the reason "system failure": the VMM's status says so. */
TEST(srst_failure_status)
{
	static const __u32 code[] = {
		0x00000513,	/* li a0, 0: shutdown */
		0x00100593,	/* li a1, 1: system failure */
		0x535258b7,	/* lui a7, 0x53525 */
		0x3548889b,	/* addiw a7, a7, 0x354: SRST */
		0x00000813,	/* li a6, 0: system_reset */
		0x00000073,	/* ecall */
	};
	static struct vmm_result r;
	char load[300];

	snprintf(load, sizeof(load), "%s@0x80200000",
		 tmp_file("srst", code, sizeof(code)));
	run_vmm(&r, NULL, (const char *[]){ "run", "--mem", "16M", "--load",
		load, "--entry", "0x80200000", NULL });
	ASSERT_VMM(&r, 1);
	ASSERT_NE(NULL, strstr(r.err, "for a system failure"))
		TH_LOG("stderr: %s", r.err);
}

TEST_HARNESS_MAIN
