// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_linux_x86_test: an unmodified Linux boots under the reference VMM
 * (Documentation/vmm.rst, "Linux guests"): Debian's x86_64 vmlinuz, as the
 * lane copies it to vmm/guests/vmlinuz, loaded by axvcpu-run's bzImage
 * loader with the initramfs of guests/linux (a static /init that prints
 * AXVCPU-LINUX-INIT through the kernel log and a line through the
 * console's tty, then powers off). Each test asserts that the kernel
 * reached /init with the CPUs asked for and powered the machine off
 * through ACPI (status 0).
 */
#include "vmm_util.h"

#define LINUX_TIMEOUT_MS	240000
#define LINUX_CMDLINE		"console=ttyS0 panic=-1 loglevel=6"

static void boot_linux(struct vmm_result *r, const char *cpus)
{
	vmm_timeout_ms = LINUX_TIMEOUT_MS;
	run_vmm(r, NULL, (const char *[]){ "run",
		"--kernel", guest_path("vmlinuz"),
		"--initrd", guest_path("linux-initramfs.cpio"),
		"--mem", "256M", "--cpus", cpus,
		"--cmdline", axv_linux_cmdline(LINUX_CMDLINE), NULL });
}

FIXTURE(linux_guest) {
	struct vmm_result r;
};

FIXTURE_SETUP(linux_guest)
{
	struct stat st;

	ASSERT_EQ(0, stat(guest_path("vmlinuz"), &st))
		TH_LOG("no %s: the lane copies Debian's vmlinuz there",
		       guest_path("vmlinuz"));
}

FIXTURE_TEARDOWN(linux_guest)
{
}

TEST_F_TIMEOUT(linux_guest, boots_to_init, 300)
{
	boot_linux(&self->r, "1");
	ASSERT_VMM(&self->r, 0);
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-INIT cpus=1 online=0 ");
	/* the console's tty: COM1's transmit interrupt through the PIC */
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-TTY hello from /init");
	/* ACPI's S5 through PM1a_CNT, found in the DSDT */
	ASSERT_OUT(&self->r, "reboot: Power down");
}

/*
 * The BSP starts the APs with INIT and SIPI through its local APIC; four
 * vCPUs on the lanes' two test CPUs, so that their threads share host
 * CPUs and an INIT/SIPI or an IPI often targets a vCPU whose thread is
 * not running.
 */
TEST_F_TIMEOUT(linux_guest, boots_four_cpus, 300)
{
	boot_linux(&self->r, "4");
	ASSERT_VMM(&self->r, 0);
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-INIT cpus=4 online=0-3 ");
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-TTY hello from /init");
	ASSERT_OUT(&self->r, "reboot: Power down");
}

TEST_HARNESS_MAIN
