// SPDX-License-Identifier: GPL-2.0
/*
 * The sample guest of make demo: greets through COM1, says what it runs
 * on (the hypervisor's CPUID signature, the CPU vendor, the vCPU count
 * from fw_cfg, the multiboot command line and memory) and powers off
 * through the ACPI PM1a control register, as under QEMU.
 */
#include <stdint.h>

#include "../common/io.h"

#define FW_CFG_SEL	0x510
#define FW_CFG_DATA	0x511
#define FW_CFG_NB_CPUS	0x05
#define PM1A_CNT	0x604
#define PM1_SLP_EN	(1 << 13)

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline,
		 mods_count, mods_addr;
};

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
};

static void put_regs(const uint32_t *r, int n)
{
	char s[13];
	int i;

	for (i = 0; i < 4 * n; i++)
		s[i] = ((const char *)r)[i];
	s[4 * n] = 0;
	puts(s);
}

static uint16_t fw_cfg_u16(uint16_t key)
{
	outw(FW_CFG_SEL, key);
	return inb(FW_CFG_DATA) | inb(FW_CFG_DATA) << 8;
}

void guest_main(uint32_t magic, const struct mb_info *mbi);

void guest_main(uint32_t magic, const struct mb_info *mbi)
{
	uint32_t r[4], vendor[3];

	puts("Hello from an axvcpu guest\n");
	if (magic != 0x2badb002) {
		puts("(not started by a multiboot loader)\n");
		return;
	}
	cpuid(0, r);
	vendor[0] = r[1], vendor[1] = r[3], vendor[2] = r[2];
	cpuid(1, r);
	puts("running on: ");
	if (r[2] & (1U << 31)) {	/* CPUID.1:ECX.hypervisor */
		cpuid(0x40000000, r);
		put_regs(&r[1], 3);
	} else {
		puts("no hypervisor signature");
	}
	puts(", CPU vendor ");
	put_regs(vendor, 3);
	puts(", ");
	putu(fw_cfg_u16(FW_CFG_NB_CPUS));
	puts(" vCPU(s), ");
	putu((mbi->mem_upper + 1024) / 1024);
	puts(" MiB of RAM\n");
	if ((mbi->flags & 4) && *(const char *)mbi->cmdline) {
		puts("command line: ");
		puts((const char *)mbi->cmdline);
		puts("\n");
	}
	if ((mbi->flags & 8) && mbi->mods_count) {
		const struct mb_module *m = (const void *)mbi->mods_addr;
		const char *p = (const char *)m->mod_start;
		uint32_t i, n = m->mod_end - m->mod_start;

		puts("module: ");
		putu(n);
		puts(" bytes: ");
		for (i = 0; i < n && i < 32 && p[i] >= ' ' && p[i] < 127; i++)
			putc(p[i]);
		puts("\n");
	}
	puts("powering off\n");
	outw(PM1A_CNT, PM1_SLP_EN);
}
