// SPDX-License-Identifier: GPL-2.0
/*
 * Linux's x86 bzImage, loaded by the 32-bit boot protocol (the kernel's
 * Documentation/arch/x86/boot.rst, "32-bit boot protocol"; the zero page's
 * layout in Documentation/arch/x86/zero-page.rst): the setup header
 * copied into a zeroed boot_params, the protected-mode kernel at 1 MiB,
 * the command line, the initrd as high as the kernel allows, the E820 map
 * and the RSDP's address. vCPU 0 starts at code32_start in flat 32-bit
 * protected mode, paging off, interrupts off, with ESI = boot_params and
 * EBP, EDI, EBX zero.
 */
#include <stdlib.h>
#include <string.h>

#include "x86.h"

/* boot_params offsets (zero-page.rst) */
#define BP_ACPI_RSDP		0x070
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_E820_ENTRIES		0x1e8
#define BP_HDR			0x1f1
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128
/* setup header offsets (boot.rst), from the start of the image */
#define HDR_SETUP_SECTS		0x1f1
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP		0x200
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_CODE32_START	0x214
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_INIT_SIZE		0x260

#define LOADED_HIGH		0x01
#define KEEP_SEGMENTS		0x40
#define CAN_USE_HEAP		0x80
#define XLF_CAN_BE_LOADED_ABOVE_4G	0x02

#define BP_GPA			0x10000
#define CMDLINE_GPA		0x20000
#define CMDLINE_MAX		0x10000
#define KERNEL_GPA		0x100000

static uint16_t get16(const uint8_t *p, unsigned int off)
{
	return p[off] | p[off + 1] << 8;
}

static uint32_t get32(const uint8_t *p, unsigned int off)
{
	return get16(p, off) | (uint32_t)get16(p, off + 2) << 16;
}

static void put32(uint8_t *p, unsigned int off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}

bool x86_is_bzimage(const uint8_t *img, size_t size)
{
	return size >= 0x270 && get16(img, HDR_BOOT_FLAG) == 0xaa55 &&
	       !memcmp(img + HDR_MAGIC, "HdrS", 4);
}

void x86_load_bzimage(struct vmm *vmm, struct vmm_vcpu *bsp, uint8_t *img,
		      size_t size)
{
	const char *file = vmm->cfg.kernel;
	unsigned int setup_sects = img[HDR_SETUP_SECTS] ? : 4;
	uint16_t version = get16(img, HDR_VERSION);
	size_t hdr_end = HDR_JUMP + 2 + img[HDR_JUMP + 1];
	size_t kernel_off = (setup_sects + 1) * 512, cmdlen;
	struct x86_e820 map[X86_E820_MAX];
	uint32_t cmdline_max, init_size;
	unsigned int i, n;
	uint8_t *bp;

	if (version < 0x0206)
		vmm_die(VMM_EXIT_USAGE, "%s: boot protocol %u.%02u, older than the 2.06 this loader needs",
			file, version >> 8, version & 0xff);
	if (!(img[HDR_LOADFLAGS] & LOADED_HIGH))
		vmm_die(VMM_EXIT_USAGE, "%s: a zImage (loaded low): not supported",
			file);
	if (kernel_off >= size || hdr_end > 0x290)
		vmm_die(VMM_EXIT_USAGE, "%s: setup header or sizes out of range",
			file);
	init_size = version >= 0x020a ? get32(img, HDR_INIT_SIZE) : 0;
	if (init_size < size - kernel_off)
		init_size = size - kernel_off;
	if (!vmm_gpa(vmm, KERNEL_GPA, init_size))
		vmm_die(VMM_EXIT_USAGE, "%s: needs %u MiB above 1 MiB to decompress into; --mem is too small",
			file, init_size >> 20);

	bp = vmm_gpa(vmm, BP_GPA, 4096);
	memset(bp, 0, 4096);
	memcpy(bp + BP_HDR, img + BP_HDR, hdr_end - BP_HDR);
	memcpy(vmm_gpa(vmm, KERNEL_GPA, size - kernel_off), img + kernel_off,
	       size - kernel_off);

	bp[HDR_TYPE_OF_LOADER] = 0xff;		/* undefined loader */
	bp[HDR_LOADFLAGS] = (bp[HDR_LOADFLAGS] & ~KEEP_SEGMENTS) | CAN_USE_HEAP;
	put32(bp, HDR_CODE32_START, KERNEL_GPA);

	cmdline_max = get32(img, HDR_CMDLINE_SIZE);
	if (cmdline_max >= CMDLINE_MAX)
		cmdline_max = CMDLINE_MAX - 1;
	cmdlen = strlen(vmm->cfg.cmdline);
	if (cmdlen > cmdline_max)
		vmm_die(VMM_EXIT_USAGE, "--cmdline: %zu bytes, the kernel takes %u",
			cmdlen, cmdline_max);
	memcpy(vmm_gpa(vmm, CMDLINE_GPA, cmdlen + 1), vmm->cfg.cmdline,
	       cmdlen + 1);
	put32(bp, HDR_CMD_LINE_PTR, CMDLINE_GPA);

	if (vmm->cfg.initrd) {
		uint64_t top = (uint64_t)get32(img, HDR_INITRD_ADDR_MAX) + 1;
		size_t isize;
		void *buf = vmm_read_file(vmm->cfg.initrd, &isize, vmm->ram_size);
		uint64_t at;

		if (img[HDR_XLOADFLAGS] & XLF_CAN_BE_LOADED_ABOVE_4G ||
		    top > vmm->ram_size)
			top = vmm->ram_size;
		at = (top - isize) & ~0xfffULL;
		if (isize > top || at < KERNEL_GPA + init_size)
			vmm_die(VMM_EXIT_USAGE, "%s: %zu bytes do not fit between the kernel and %#llx",
				vmm->cfg.initrd, isize, (unsigned long long)top);
		memcpy(vmm_gpa(vmm, at, isize), buf, isize);
		free(buf);
		put32(bp, HDR_RAMDISK_IMAGE, at);
		put32(bp, HDR_RAMDISK_SIZE, isize);
		put32(bp, BP_EXT_RAMDISK_IMAGE, at >> 32);
		put32(bp, BP_EXT_RAMDISK_SIZE, (uint64_t)isize >> 32);
	}

	n = x86_e820(vmm, map);
	bp[BP_E820_ENTRIES] = n;
	for (i = 0; i < n && i < BP_E820_MAX; i++)
		memcpy(bp + BP_E820_TABLE + 20 * i, &map[i], 20);
	if (version >= 0x020e) {
		uint64_t rsdp = acpi_rsdp(vmm);

		memcpy(bp + BP_ACPI_RSDP, &rsdp, 8);
	}

	bsp->entry = KERNEL_GPA;
	bsp->mode = AXVCPU_X86_MODE_FLAT32;
	bsp->set_gprs = true;
	memset(bsp->gprs, 0, sizeof(bsp->gprs));
	bsp->gprs[X86_RSI] = BP_GPA;
}
