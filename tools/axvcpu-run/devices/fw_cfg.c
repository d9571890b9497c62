// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU's fw_cfg, the port interface (docs/specs/fw_cfg.rst in QEMU): a
 * 16-bit selector at base and a byte-wide data port at base + 1 that reads
 * the selected item from its start. Items: the signature, the interface
 * ID, the RAM size, the number of CPUs and an empty file directory.
 */
#include <stdlib.h>
#include <string.h>

#include "../vmm.h"

#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_MAX_CPUS		0x0f
#define FW_CFG_FILE_DIR		0x19

struct fw_cfg {
	uint16_t key;
	uint32_t off;
	uint8_t item[8];
	uint32_t len;
};

static void fw_cfg_select(struct vmm *vmm, struct fw_cfg *f, uint16_t key)
{
	uint64_t v = 0;

	f->key = key;
	f->off = 0;
	f->len = 0;
	switch (key) {
	case FW_CFG_SIGNATURE:
		memcpy(f->item, "QEMU", 4);
		f->len = 4;
		return;
	case FW_CFG_ID:
		v = 1;		/* the traditional interface, no DMA */
		f->len = 4;
		break;
	case FW_CFG_RAM_SIZE:
		v = vmm->ram_size;
		f->len = 8;
		break;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		v = vmm->nr_vcpus;
		f->len = 2;
		break;
	case FW_CFG_FILE_DIR:	/* a big-endian count of 0 files */
		f->len = 4;
		break;
	}
	memcpy(f->item, &v, sizeof(f->item));	/* little-endian items */
}

static void fw_cfg_read(struct vmm *vmm, void *dev, uint64_t off,
			unsigned int width, uint64_t *val)
{
	struct fw_cfg *f = dev;

	if (off != 1) {
		*val = ~0ULL;
		return;
	}
	/* past the item's end: zeros */
	*val = f->off < f->len ? f->item[f->off] : 0;
	f->off++;
}

static void fw_cfg_write(struct vmm *vmm, void *dev, uint64_t off,
			 unsigned int width, uint64_t val)
{
	if (off == 0)
		fw_cfg_select(vmm, dev, val);
}

void fw_cfg_init(struct vmm *vmm, uint64_t base)
{
	struct fw_cfg *f = calloc(1, sizeof(*f));
	struct vmm_device d = {
		.name = "fw_cfg", .base = base, .len = 2,
		.read = fw_cfg_read, .write = fw_cfg_write,
	};

	if (!f)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	d.dev = f;
	vmm_add_device(vmm, &d);
	fw_cfg_select(vmm, f, FW_CFG_SIGNATURE);
}
