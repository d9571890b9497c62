// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_linux_riscv_test: Linux boots under the reference VMM on the riscv64
 * backend (Documentation/vmm.rst, "Linux guests"): the lane's own riscv64
 * kernel, which the lane copies to vmm/guests/Image, loaded by
 * axvcpu-run's Image loader with a device tree it writes (16550, PLIC,
 * Sstc timer) and the initramfs of guests/linux (a static /init that
 * prints AXVCPU-LINUX-INIT through the kernel log and a line through the
 * console's tty, then powers off). The kernel must reach /init with the
 * harts asked for (one, or four on the lane's two test CPUs, the others
 * started through SBI HSM: the exits CPU_UP and SEND_IPI) and power off
 * through SBI SRST (SYSTEM_DOWN, status 0).
 */
#include "vmm_util.h"
#include "axvcpu_kvm_riscv.h"

#define LINUX_TIMEOUT_MS	240000
#define LINUX_CMDLINE		"console=ttyS0 panic=-1 loglevel=6"

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
	/* the console's tty: the 16550's interrupt through the PLIC */
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-TTY hello from /init");
	ASSERT_OUT(&self->r, "reboot: Power down");
}

/*
 * The boot hart starts the others through SBI HSM hart_start; four harts
 * on the lane's two test CPUs, so that their threads share host CPUs and
 * a hart_start or an IPI often targets a hart whose thread is not
 * running.
 */
TEST_F_TIMEOUT(linux_guest, boots_four_harts, 300)
{
	boot_linux(&self->r, "4", false);
	ASSERT_VMM(&self->r, 0);
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-INIT cpus=4 online=0-3 ");
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-TTY hello from /init");
	ASSERT_OUT(&self->r, "reboot: Power down");
}

/*
 * The same boot with --kvm, make bench's reference: KVM starts the second
 * hart and answers SBI itself; the machine in user space is the same.
 */
TEST_F_TIMEOUT(linux_guest, boots_two_harts_on_kvm, 300)
{
	VMM_REQUIRE_KVM(KVM_RISCV_DEFAULT_MODULES);
	boot_linux(&self->r, "2", true);
	ASSERT_VMM(&self->r, 0);
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-INIT cpus=2 online=0-1 ");
	ASSERT_OUT(&self->r, "AXVCPU-LINUX-TTY hello from /init");
	ASSERT_OUT(&self->r, "reboot: Power down");
}

TEST_HARNESS_MAIN
