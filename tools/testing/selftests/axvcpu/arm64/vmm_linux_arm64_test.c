// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_linux_arm64_test: Linux boots under the reference VMM on the arm64
 * nVHE backend (Documentation/vmm.rst, "Linux guests"): Debian's arm64
 * kernel (an uncompressed Image), which the lane copies to vmm/guests/, loaded by
 * axvcpu-run's Image loader with a device tree it writes (GICv3, PL011,
 * PSCI, the architected timer) and the initramfs of guests/linux (a static
 * /init that prints AXVCPU-LINUX-INIT through the kernel log and a line
 * through the console's tty, then powers off). The kernel must reach /init
 * with the CPUs asked for (one, or four on the lanes' two CPUs, the others
 * started through PSCI CPU_ON: the exit CPU_UP; their IPIs SEND_IPI exits
 * into the VMM's GIC) and power off
 * through PSCI SYSTEM_OFF (SYSTEM_DOWN, status 0); and the same boot on
 * KVM (--kvm) where the lane has it.
 */
#include "vmm_util.h"

#define LINUX_TIMEOUT_MS	240000
#define LINUX_CMDLINE		"console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1 loglevel=6"

static void boot_linux(struct vmm_result *r, const char *cpus, bool kvm)
{
	vmm_timeout_ms = LINUX_TIMEOUT_MS;
	run_vmm(r, NULL, (const char *[]){ "run",
		"--kernel", guest_path("Image"),
		"--initrd", guest_path("linux-initramfs.cpio"),
		"--mem", "256M", "--cpus", cpus,
		"--cmdline", axv_linux_cmdline(LINUX_CMDLINE), kvm ? "--kvm" : NULL, NULL });
}

FIXTURE(linux_guest) {
	struct vmm_result r;
};

FIXTURE_SETUP(linux_guest)
{
	struct stat st;

	ASSERT_EQ(0, stat(guest_path("Image"), &st))
		TH_LOG("no %s: the lane copies its kernel there",
		       guest_path("Image"));
}

FIXTURE_TEARDOWN(linux_guest)
{
}

TEST_F_TIMEOUT(linux_guest, boots_to_init, 300)
{
	boot_linux(&self->r, "1", false);
	ASSERT_VMM(&self->r, 0);
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-INIT cpus=1 online=0 ");
	/* the console's tty: the PL011's interrupt through the VMM's GIC */
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-TTY hello from /init");
	ASSERT_OUT(&self->r, "reboot: Power down");
	/* nothing the kernel found wrong with the machine (GIC, timer, PSCI) */
	ASSERT_NO_OUT(&self->r, "WARNING:");
	ASSERT_NO_OUT(&self->r, "broken firmware");
}

/*
 * The boot CPU starts the others through PSCI CPU_ON; four vCPUs on the
 * lanes' two CPUs, so that their threads share host CPUs and a CPU_ON or
 * an IPI often targets a vCPU whose thread is not running.
 */
TEST_F_TIMEOUT(linux_guest, boots_four_cpus, 300)
{
	boot_linux(&self->r, "4", false);
	ASSERT_VMM(&self->r, 0);
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-INIT cpus=4 online=0-3 ");
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-TTY hello from /init");
	ASSERT_OUT(&self->r, "reboot: Power down");
	ASSERT_NO_OUT(&self->r, "WARNING:");
	ASSERT_OUT(&self->r, "Linux version");
}

/*
 * The same boot with --kvm, make bench's reference: KVM's vGICv3 at the
 * same addresses, PSCI answered by KVM; the rest of the machine (PL011,
 * device tree, loader) is the same. Needs /dev/kvm: a boot without
 * kvm-arm.mode=none (lane arm64-nvhe-kvm); skips elsewhere.
 */
TEST_F_TIMEOUT(linux_guest, boots_two_cpus_on_kvm, 300)
{
	if (access("/dev/kvm", R_OK | W_OK))
		SKIP(return, "no /dev/kvm: KVM is off (kvm-arm.mode=none)");
	boot_linux(&self->r, "2", true);
	ASSERT_VMM(&self->r, 0);
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-INIT cpus=2 online=0-1 ");
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-TTY hello from /init");
	ASSERT_OUT(&self->r, "reboot: Power down");
}

TEST_HARNESS_MAIN
