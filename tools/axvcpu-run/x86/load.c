// SPDX-License-Identifier: GPL-2.0
/*
 * x86 images: raw files at a guest physical address, and multiboot v1
 * kernels the way QEMU's -kernel loads them (The Multiboot Specification
 * version 0.6.96: 3.1 the header, 3.2 the machine state, 3.3 the boot
 * information): an ELF32 or ELF64 image's PT_LOAD segments at their
 * physical addresses, or the header's a.out kludge addresses (flag 16).
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "x86.h"

#define MB_MAGIC		0x1badb002U
#define MB_BOOT_MAGIC		0x2badb002U
#define MB_SEARCH		8192
#define MB_FLAG_PAGE_ALIGN	(1U << 0)
#define MB_FLAG_MEMINFO		(1U << 1)
#define MB_FLAG_VIDEO		(1U << 2)
#define MB_FLAG_AOUT_KLUDGE	(1U << 16)

#define MBI_MEM			(1U << 0)
#define MBI_CMDLINE		(1U << 2)
#define MBI_MODS		(1U << 3)
#define MBI_MMAP		(1U << 6)
#define MBI_LOADER_NAME		(1U << 9)

/* Where the boot information goes: below 640 KiB, above the BIOS data. */
#define MBI_GPA			0x9000
#define MBI_MMAP_GPA		0x9100
#define MBI_MODS_GPA		0x9200
#define MBI_NAME_GPA		0x9300
#define MBI_CMDLINE_GPA		0x9400
#define MBI_END			0x10000

struct mb_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr,
		 entry_addr;
};

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline,
		 mods_count, mods_addr, syms[4], mmap_length, mmap_addr,
		 drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
};

struct mb_mmap {
	uint32_t size;
	struct x86_e820 e;
} __attribute__((packed));

static const struct mb_header *mb_find(const char *file, const uint8_t *img,
				       size_t size, uint32_t *off)
{
	size_t i;

	/* magic, flags and checksum first; the addresses only with flag 16 */
	for (i = 0; i + 12 <= size && i < MB_SEARCH; i += 4) {
		const struct mb_header *h = (const void *)(img + i);

		if (h->magic != MB_MAGIC)
			continue;
		if ((uint32_t)(h->magic + h->flags + h->checksum))
			vmm_die(VMM_EXIT_USAGE, "%s: multiboot header at %#zx with a bad checksum",
				file, i);
		if ((h->flags & MB_FLAG_AOUT_KLUDGE) &&
		    i + sizeof(*h) > size)
			vmm_die(VMM_EXIT_USAGE, "%s: multiboot header cut short",
				file);
		*off = i;
		return h;
	}
	vmm_die(VMM_EXIT_USAGE,
		"%s: neither a bzImage nor a multiboot kernel (no header in its first 8 KiB)",
		file);
}

/* An ELF's PT_LOAD segments; returns the entry's physical address. */
static uint64_t mb_load_elf(struct vmm *vmm, const char *file,
			    const uint8_t *img, size_t size, uint64_t *end)
{
	const Elf32_Ehdr *e32 = (const void *)img;
	const Elf64_Ehdr *e64 = (const void *)img;
	bool is64 = size >= EI_NIDENT && img[EI_CLASS] == ELFCLASS64;
	uint64_t entry, phoff, entry_phys = 0;
	unsigned int i, phnum, phentsize;
	bool entry_found = false;

	if (size < sizeof(*e32) || memcmp(img, ELFMAG, SELFMAG) ||
	    (is64 && size < sizeof(*e64)) || img[EI_DATA] != ELFDATA2LSB)
		vmm_die(VMM_EXIT_USAGE,
			"%s: not a little-endian ELF, and its multiboot header has no load addresses",
			file);
	entry = is64 ? e64->e_entry : e32->e_entry;
	phoff = is64 ? e64->e_phoff : e32->e_phoff;
	phnum = is64 ? e64->e_phnum : e32->e_phnum;
	phentsize = is64 ? e64->e_phentsize : e32->e_phentsize;
	if (phentsize != (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) ||
	    phoff > size || (uint64_t)phnum * phentsize > size - phoff)
		vmm_die(VMM_EXIT_USAGE, "%s: malformed program headers", file);

	*end = 0;
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
		uint64_t type, off, vaddr, paddr, filesz, memsz;

		if (is64) {
			const Elf64_Phdr *p = (const void *)ph;

			type = p->p_type, off = p->p_offset, vaddr = p->p_vaddr;
			paddr = p->p_paddr, filesz = p->p_filesz, memsz = p->p_memsz;
		} else {
			const Elf32_Phdr *p = (const void *)ph;

			type = p->p_type, off = p->p_offset, vaddr = p->p_vaddr;
			paddr = p->p_paddr, filesz = p->p_filesz, memsz = p->p_memsz;
		}
		if (type != PT_LOAD || !memsz)
			continue;
		if (filesz > memsz || off > size || filesz > size - off)
			vmm_die(VMM_EXIT_USAGE, "%s: segment %u lies outside the file",
				file, i);
		if (paddr < MBI_END)
			vmm_die(VMM_EXIT_USAGE,
				"%s: segment %u at %#llx overlaps the boot information below 64 KiB",
				file, i, (unsigned long long)paddr);
		memcpy(vmm_ram(vmm, paddr, memsz, file), img + off, filesz);
		memset((uint8_t *)vmm_gpa(vmm, paddr, memsz) + filesz, 0,
		       memsz - filesz);
		if (paddr + memsz > *end)
			*end = paddr + memsz;
		/* the entry is virtual: its segment says where it is */
		if (!entry_found && entry >= vaddr && entry - vaddr < memsz) {
			entry_phys = entry - vaddr + paddr;
			entry_found = true;
		}
	}
	if (!*end)
		vmm_die(VMM_EXIT_USAGE, "%s: no loadable segment", file);
	if (!entry_found)
		entry_phys = entry;
	return entry_phys;
}

/* The a.out kludge: the header's own addresses (flag 16). */
static uint64_t mb_load_aout(struct vmm *vmm, const char *file,
			     const uint8_t *img, size_t size, uint32_t hoff,
			     const struct mb_header *h, uint64_t *end)
{
	uint64_t start, load_end, bss_end, len;

	if (h->header_addr < h->load_addr || hoff < h->header_addr - h->load_addr)
		vmm_die(VMM_EXIT_USAGE, "%s: multiboot load address past its header",
			file);
	start = hoff - (h->header_addr - h->load_addr);
	load_end = h->load_end_addr ? h->load_end_addr :
				      h->load_addr + (size - start);
	bss_end = h->bss_end_addr ? h->bss_end_addr : load_end;
	if (load_end < h->load_addr || bss_end < load_end ||
	    load_end - h->load_addr > size - start)
		vmm_die(VMM_EXIT_USAGE, "%s: multiboot load addresses out of order",
			file);
	if (h->load_addr < MBI_END)
		vmm_die(VMM_EXIT_USAGE,
			"%s: load address %#x overlaps the boot information below 64 KiB",
			file, h->load_addr);
	len = load_end - h->load_addr;
	memcpy(vmm_ram(vmm, h->load_addr, bss_end - h->load_addr, file),
	       img + start, len);
	memset((uint8_t *)vmm_gpa(vmm, h->load_addr + len, bss_end - load_end),
	       0, bss_end - load_end);
	*end = bss_end;
	return h->entry_addr;
}

void x86_load_multiboot(struct vmm *vmm, struct vmm_vcpu *bsp,
			const uint8_t *img, size_t size)
{
	const char *file = vmm->cfg.kernel;
	struct mb_info *mbi = vmm_ram(vmm, MBI_GPA, sizeof(*mbi), "boot information");
	struct mb_mmap *mmap = vmm_ram(vmm, MBI_MMAP_GPA,
				   X86_E820_MAX * sizeof(*mmap), "memory map");
	const char *name = VMM_NAME " " VMM_VERSION;
	size_t cmdlen = strlen(vmm->cfg.cmdline) + 1;
	struct x86_e820 map[X86_E820_MAX];
	const struct mb_header *h;
	unsigned int i, n;
	uint64_t entry, end;
	uint32_t hoff;

	h = mb_find(file, img, size, &hoff);
	if (h->flags & 0xfff8)
		vmm_die(VMM_EXIT_USAGE, "%s: multiboot flags %#x ask for what this loader does not know",
			file, h->flags);
	if ((h->flags & 0xffff) & MB_FLAG_VIDEO)
		vmm_warn("%s asks for a video mode: it gets the text console it has", file);
	if (h->flags & MB_FLAG_AOUT_KLUDGE)
		entry = mb_load_aout(vmm, file, img, size, hoff, h, &end);
	else
		entry = mb_load_elf(vmm, file, img, size, &end);
	if (entry > 0xffffffffULL || !vmm_gpa(vmm, entry, 1))
		vmm_die(VMM_EXIT_USAGE, "%s: entry %#llx is not in 32-bit guest RAM",
			file, (unsigned long long)entry);

	memset(mbi, 0, sizeof(*mbi));
	mbi->flags = MBI_MEM | MBI_MMAP | MBI_LOADER_NAME | MBI_CMDLINE;
	mbi->mem_lower = X86_LOW_RAM_END >> 10;
	mbi->mem_upper = (vmm->ram_size - X86_BIOS_END) >> 10;
	n = x86_e820(vmm, map);
	for (i = 0; i < n; i++) {
		mmap[i].size = sizeof(mmap[i]) - sizeof(mmap[i].size);
		mmap[i].e = map[i];
	}
	mbi->mmap_addr = MBI_MMAP_GPA;
	mbi->mmap_length = n * sizeof(*mmap);
	strcpy(vmm_ram(vmm, MBI_NAME_GPA, strlen(name) + 1, "loader name"), name);
	mbi->boot_loader_name = MBI_NAME_GPA;
	if (cmdlen > MBI_END - MBI_CMDLINE_GPA)
		vmm_die(VMM_EXIT_USAGE, "--cmdline: longer than %d bytes",
			MBI_END - MBI_CMDLINE_GPA - 1);
	memcpy(vmm_ram(vmm, MBI_CMDLINE_GPA, cmdlen, "--cmdline"),
	       vmm->cfg.cmdline, cmdlen);
	mbi->cmdline = MBI_CMDLINE_GPA;

	if (vmm->cfg.initrd) {
		struct mb_module *mod = vmm_ram(vmm, MBI_MODS_GPA, sizeof(*mod), "modules");
		uint64_t at = (end + 0xfff) & ~0xfffULL;
		size_t msize;
		void *buf = vmm_read_file(vmm->cfg.initrd, &msize, vmm->ram_size);

		memcpy(vmm_ram(vmm, at, msize, vmm->cfg.initrd), buf, msize);
		free(buf);
		if (at + msize > 0xffffffffULL)
			vmm_die(VMM_EXIT_USAGE, "%s: past 4 GiB", vmm->cfg.initrd);
		mod->mod_start = at;
		mod->mod_end = at + msize;
		/* the module's string: its file name, as QEMU gives it */
		mod->string = MBI_NAME_GPA + 0x80;
		strncpy(vmm_ram(vmm, mod->string, 0x80, "module name"),
			vmm->cfg.initrd, 0x7f);
		mod->reserved = 0;
		mbi->mods_count = 1;
		mbi->mods_addr = MBI_MODS_GPA;
		mbi->flags |= MBI_MODS;
	}

	bsp->entry = entry;
	bsp->mode = AXVCPU_X86_MODE_FLAT32;
	bsp->set_gprs = true;
	memset(bsp->gprs, 0, sizeof(bsp->gprs));
	bsp->gprs[X86_RAX] = MB_BOOT_MAGIC;
	bsp->gprs[X86_RBX] = MBI_GPA;
}
