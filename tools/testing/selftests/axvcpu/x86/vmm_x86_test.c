// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_x86_test: the reference VMM, axvcpu-run (tools/axvcpu-run,
 * Documentation/vmm.rst), run as a VMM author runs it: its arguments and
 * their one-line errors (status 2), unreadable and malformed images
 * (multiboot and bzImage; status 2), the sample multiboot guest of make demo (greeting, CPUID
 * signature, vCPU count from fw_cfg, RAM, command line, its --initrd as
 * the multiboot module, power-off with status 0), the exits guest (each
 * kind of exit, one line each), and raw guests that end through isa-debug-exit (status
 * (V << 1) | 1), power off from real mode, read COM1's receiver from the
 * VMM's stdin, and halt for good.
 *
 * The VMM is vmm/axvcpu-run beside this program (the lane builds it
 * there), or $AXVCPU_VMM.
 */
#include "vmm_util.h"
#include "axvcpu_kvm_x86.h"

TEST(help_and_version)
{
	static struct vmm_result r;

	run_vmm(&r, NULL, (const char *[]){ "--help", NULL });
	ASSERT_VMM(&r, 0);
	ASSERT_OUT(&r, "usage: axvcpu-run run --kernel FILE");
	run_vmm(&r, NULL, (const char *[]){ "--version", NULL });
	ASSERT_VMM(&r, 0);
	ASSERT_OUT(&r, "axvcpu-run ");
}

/* Each bad command line: status 2 and one line on stderr, nothing run. */
TEST(bad_arguments)
{
	static const char *const cases[][6] = {
		{ NULL },
		{ "start", NULL },
		{ "run", NULL },
		{ "run", "--bogus", NULL },
		{ "run", "--kernel", NULL },
		{ "run", "--kernel", "@HELLO", "--mem", "1T", NULL },
		{ "run", "--kernel", "@HELLO", "--mem", "1M", NULL },
		{ "run", "--kernel", "@HELLO", "--mem", "lots", NULL },
		{ "run", "--kernel", "@HELLO", "--cpus", "0", NULL },
		{ "run", "--kernel", "@HELLO", "--cpus", "65", NULL },
		{ "run", "--kernel", "@HELLO", "--entry", "0x100000", NULL },
		{ "run", "--load", "@HELLO", "--real-mode", NULL },
		{ "run", "--initrd", "@HELLO", "--entry", "0", NULL },
		{ "run", "--load", "nogpa", "--entry", "0", NULL },
		{ "run", "--load", "@HELLO@0xzz", "--entry", "0", NULL },
		{ "run", "--kernel", "@HELLO", "extra", NULL },
	};
	static struct vmm_result r;
	char arg[5000];
	unsigned int c, i;

	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		const char *argv[8] = { NULL };

		for (i = 0; cases[c][i]; i++) {
			if (!strncmp(cases[c][i], "@HELLO", 6)) {
				snprintf(arg, sizeof(arg), "%s%s", hello(),
					 cases[c][i] + 6);
				argv[i] = arg;
			} else {
				argv[i] = cases[c][i];
			}
		}
		run_vmm(&r, NULL, argv);
		ASSERT_EQ(2, r.status)
			TH_LOG("case %u (%s %s %s): status %d, stderr: %s", c,
			       argv[0] ?: "", argv[1] ?: "", argv[2] ?: "",
			       r.status, r.err);
		ASSERT_EQ(1, count_lines(r.err))
			TH_LOG("case %u: expected one line, got: %s", c, r.err);
		ASSERT_EQ(0, strncmp(r.err, "axvcpu-run: ", 12)) TH_LOG("%s", r.err);
		ASSERT_EQ(0, r.out[0]) TH_LOG("case %u printed: %s", c, r.out);
	}
}

/* Unreadable and malformed images: status 2, one line naming the file. */
/*
 * 4 KiB that look like a bzImage's setup header (the kernel's
 * Documentation/arch/x86/boot.rst): boot protocol @version, @setup_sects
 * sectors of setup, @init_size bytes to decompress into.
 */
static const void *fake_bzimage(__u16 version, __u8 setup_sects,
				__u32 init_size)
{
	static __u8 img[4096];

	memset(img, 0, sizeof(img));
	img[0x1f1] = setup_sects;
	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	img[0x200] = 0xeb;		/* jmp over the header */
	img[0x201] = 0x66;
	memcpy(img + 0x202, "HdrS", 4);
	memcpy(img + 0x206, &version, 2);
	img[0x211] = 0x01;		/* LOADED_HIGH */
	memcpy(img + 0x260, &init_size, 4);
	return img;
}

/*
 * Each run creates the VM before its image is read, pinning --mem of RAM:
 * eleven of them take over 30 s under the debug lane's KASAN.
 */
FIXTURE(images) {
};

FIXTURE_SETUP(images)
{
}

FIXTURE_TEARDOWN(images)
{
}

TEST_F_TIMEOUT(images, image_errors, 180)
{
	static const char text[] = "this is not a kernel\n";
	static struct vmm_result r;
	__u32 bad_sum[3] = { 0x1badb002, 0, 1 };
	const char *f;

	run_vmm(&r, NULL, (const char *[]){ "run", "--kernel", "/nonexistent", NULL });
	ASSERT_VMM(&r, 2);
	ASSERT_NE(NULL, strstr(r.err, "/nonexistent")) TH_LOG("%s", r.err);
	run_vmm(&r, NULL, (const char *[]){ "run", "--kernel", "/tmp", NULL });
	ASSERT_VMM(&r, 2);

	f = tmp_file("text", text, sizeof(text) - 1);
	run_vmm(&r, NULL, (const char *[]){ "run", "--kernel", f, NULL });
	ASSERT_VMM(&r, 2);
	ASSERT_NE(NULL, strstr(r.err, "neither a bzImage nor a multiboot kernel")) TH_LOG("%s", r.err);
	ASSERT_EQ(1, count_lines(r.err)) TH_LOG("%s", r.err);

	/* bzImages: an old boot protocol, a cut file, too little RAM */
	f = tmp_file("bz-old", fake_bzimage(0x0200, 1, 0), 4096);
	run_vmm(&r, NULL, (const char *[]){ "run", "--kernel", f, NULL });
	ASSERT_VMM(&r, 2);
	ASSERT_NE(NULL, strstr(r.err, "boot protocol 2.00")) TH_LOG("%s", r.err);
	f = tmp_file("bz-cut", fake_bzimage(0x020f, 40, 0), 4096);
	run_vmm(&r, NULL, (const char *[]){ "run", "--kernel", f, NULL });
	ASSERT_VMM(&r, 2);
	ASSERT_NE(NULL, strstr(r.err, "out of range")) TH_LOG("%s", r.err);
	f = tmp_file("bz-big", fake_bzimage(0x020f, 1, 64 << 20), 4096);
	run_vmm(&r, NULL, (const char *[]){ "run", "--kernel", f, "--mem", "16M", NULL });
	ASSERT_VMM(&r, 2);
	ASSERT_NE(NULL, strstr(r.err, "--mem is too small")) TH_LOG("%s", r.err);
	ASSERT_EQ(1, count_lines(r.err)) TH_LOG("%s", r.err);

	f = tmp_file("badsum", bad_sum, sizeof(bad_sum));
	run_vmm(&r, NULL, (const char *[]){ "run", "--kernel", f, NULL });
	ASSERT_VMM(&r, 2);
	ASSERT_NE(NULL, strstr(r.err, "checksum")) TH_LOG("%s", r.err);

	/* a raw image past the end of RAM */
	f = tmp_file("raw", text, sizeof(text) - 1);
	run_vmm(&r, NULL, (const char *[]){ "run", "--mem", "4M", "--load",
		strcat(strcpy((char [300]){ 0 }, f), "@0x3ffff0"),
		"--entry", "0x100000", NULL });
	ASSERT_VMM(&r, 2);
	ASSERT_NE(NULL, strstr(r.err, "not in the guest")) TH_LOG("%s", r.err);
	/* the entry outside RAM */
	run_vmm(&r, NULL, (const char *[]){ "run", "--mem", "4M", "--entry",
		"0x800000", NULL });
	ASSERT_VMM(&r, 2);
}

/* make demo's guest: greets, reports, powers off (status 0). */
TEST(hello_guest)
{
	static struct vmm_result r;

	run_vmm(&r, NULL, (const char *[]){ "run", "--kernel", hello(), "--mem",
		"64M", "--cmdline", "vmm_test says hi", NULL });
	ASSERT_VMM(&r, 0);
	ASSERT_OUT(&r, "Hello from an axvcpu guest");
	ASSERT_OUT(&r, "running on: AxVCpuAxVCpu");
	ASSERT_OUT(&r, " 1 vCPU(s), 64 MiB of RAM");
	ASSERT_OUT(&r, "command line: vmm_test says hi");
	ASSERT_OUT(&r, "powering off");
	ASSERT_EQ(0, r.err[0]) TH_LOG("stderr: %s", r.err);
}

/* --initrd is the multiboot module: the guest sees its size and bytes. */
TEST(hello_guest_module)
{
	static const char data[] = "initrd for the sample guest";
	static struct vmm_result r;
	const char *f = tmp_file("initrd", data, sizeof(data) - 1);

	run_vmm(&r, NULL, (const char *[]){ "run", "--kernel", hello(), "--mem",
		"32M", "--initrd", f, NULL });
	ASSERT_VMM(&r, 0);
	ASSERT_OUT(&r, "module: 27 bytes: initrd for the sample guest\r\n");
	ASSERT_OUT(&r, " 32 MiB of RAM");
}

/* A raw 32-bit guest: OUT of 0x21 to isa-debug-exit, status 0x43. */
/*
 * The exits guest (guests/exits): each kind of exit the VMM sees from an
 * x86 guest, one line each: IO to an unclaimed port, MMIO to the local
 * APIC, MSRs kept and one that faults, a hypercall, HLT woken by the PIT
 * through the 8259 and by the APIC timer, the x2APIC's MSRs and a self
 * IPI; then SYSTEM_DOWN.
 */
/* The lines of the exits guest that every hypervisor under the VMM gives. */
static void check_exits_guest(struct __test_metadata *_metadata,
			      const struct vmm_result *r)
{
	ASSERT_VMM(r, 0);
	ASSERT_OUT(r, "io: port 0x2f8 (no COM2) reads 0xff\r\n");
	ASSERT_OUT(r, "mmio: local APIC version 0x50014, TPR written 0x20 reads 0x20\r\n");
	ASSERT_OUT(r, "msr: APIC_BASE 0xfee00900, MSR 0x4b564dff faults: 1 #GP\r\n");
	ASSERT_OUT(r, "hypercall: returns -1000\r\n");
	ASSERT_OUT(r, "halt: woken by the PIT's IRQ 0 through the 8259\r\n");
	ASSERT_OUT(r, "halt: woken by the local APIC timer\r\n");
	ASSERT_OUT(r, "triple fault\r\n");
	ASSERT_NE(NULL, strstr(r->err, "shut the machine down (x86: a triple fault)"))
		TH_LOG("stderr: %s", r->err);
}

TEST(exits_guest)
{
	static struct vmm_result r;

	run_vmm(&r, NULL, (const char *[]){ "run", "--kernel",
		guest_path("exits.elf"), "--mem", "16M", NULL });
	check_exits_guest(_metadata, &r);
	/* an MSR the VMM keeps as storage (KVM has its own HWCR) */
	ASSERT_OUT(&r, "msr: HWCR written 0x1234 reads 0x1234\r\n");
	ASSERT_OUT(&r, "x2apic: ID 0, version 0x50014, self IPIs taken: 1\r\n");
}

/*
 * The same guest with axvcpu-run --kvm, the bench's reference: the machine
 * in user space behaves the same on KVM. The lane ships KVM's modules
 * (AXVCPU_KVM_MODULES): not loading them fails the test.
 */
TEST(exits_guest_on_kvm)
{
	static struct vmm_result r;

	VMM_REQUIRE_KVM(KVM_X86_DEFAULT_MODULES);
	run_vmm(&r, NULL, (const char *[]){ "run", "--kvm", "--kernel",
		guest_path("exits.elf"), "--mem", "16M", NULL });
	check_exits_guest(_metadata, &r);
	/* KVM's MSR filters cannot give the x2APIC MSRs to the VMM */
	ASSERT_OUT(&r, "x2apic: not offered\r\n");
}

TEST(debug_exit_status)
{
	static const unsigned char code[] = {
		0xb8, 0x21, 0x00, 0x00, 0x00,	/* mov $0x21, %eax */
		0xe7, 0xf4,			/* out %eax, $0xf4 */
		0xf4,				/* hlt */
	};
	static struct vmm_result r;
	char load[300];

	snprintf(load, sizeof(load), "%s@0x100000",
		 tmp_file("exit", code, sizeof(code)));
	run_vmm(&r, NULL, (const char *[]){ "run", "--mem", "16M", "--load", load,
		"--entry", "0x100000", NULL });
	ASSERT_VMM(&r, 0x43);
}

/* Real mode at 0x7c00: PM1a_CNT.SLP_EN powers off, status 0. */
TEST(real_mode_poweroff)
{
	static const unsigned char code[] = {
		0xb8, 0x00, 0x20,		/* mov $0x2000, %ax */
		0xba, 0x04, 0x06,		/* mov $0x604, %dx */
		0xef,				/* out %ax, %dx */
		0xb8, 0x7f, 0x00,		/* mov $0x7f, %ax: not reached */
		0xe7, 0xf4,			/* out %ax, $0xf4 */
	};
	static struct vmm_result r;
	char load[300];

	snprintf(load, sizeof(load), "%s@0x7c00",
		 tmp_file("real", code, sizeof(code)));
	run_vmm(&r, NULL, (const char *[]){ "run", "--mem", "16M", "--load", load,
		"--entry", "0x7c00", "--real-mode", NULL });
	ASSERT_VMM(&r, 0);
	ASSERT_EQ(0, r.err[0]) TH_LOG("stderr: %s", r.err);
}

/* COM1's receiver gets the VMM's stdin: the byte comes back as the status. */
TEST(uart_reads_stdin)
{
	static const unsigned char code[] = {
		0xba, 0xfd, 0x03, 0x00, 0x00,	/* mov $0x3fd, %edx (LSR) */
		0xec,				/* 1: in %dx, %al */
		0xa8, 0x01,			/* test $1, %al (DR) */
		0x74, 0xfb,			/* jz 1b */
		0xba, 0xf8, 0x03, 0x00, 0x00,	/* mov $0x3f8, %edx (RBR) */
		0xec,				/* in %dx, %al */
		0x0f, 0xb6, 0xc0,		/* movzbl %al, %eax */
		0xe7, 0xf4,			/* out %eax, $0xf4 */
		0xf4,				/* hlt */
	};
	static struct vmm_result r;
	char load[300];

	snprintf(load, sizeof(load), "%s@0x100000",
		 tmp_file("uart", code, sizeof(code)));
	run_vmm(&r, "A", (const char *[]){ "run", "--mem", "16M", "--load", load,
		"--entry", "0x100000", NULL });
	ASSERT_VMM(&r, ('A' << 1) | 1);
}

/* CLI; HLT: nothing can wake the guest; the VMM ends with status 0. */
TEST(halt_for_good)
{
	static const unsigned char code[] = { 0xfa, 0xf4 };	/* cli; hlt */
	static struct vmm_result r;
	char load[300];

	snprintf(load, sizeof(load), "%s@0x100000",
		 tmp_file("halt", code, sizeof(code)));
	run_vmm(&r, NULL, (const char *[]){ "run", "--mem", "16M", "--load", load,
		"--entry", "0x100000", NULL });
	ASSERT_VMM(&r, 0);
	ASSERT_NE(NULL, strstr(r.err, "halted")) TH_LOG("stderr: %s", r.err);
}

TEST_HARNESS_MAIN
