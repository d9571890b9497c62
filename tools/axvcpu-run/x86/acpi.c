// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI for the x86 machine (ACPI 6.4 specification): the tables a guest
 * finds through the RSDP in the BIOS area (5.2.5.1: a 16-byte aligned
 * search of 0xe0000-0xfffff), and the fixed hardware registers they name,
 * at QEMU's PIIX4 PM addresses: PM1a event (0x600: status, enable),
 * PM1a control (0x604: SLP_EN powers off), the 32-bit PM timer (0x608,
 * 3.579545 MHz, from the VMM's clock) and the reset register (0xcf9).
 *
 * Tables: RSDP (revision 2) -> RSDT and XSDT -> FADT (revision 4: FACS,
 * DSDT, the blocks above, SCI on IRQ 9, the RTC's century index), MADT
 * (5.2.12: a local APIC per vCPU, their LINT1 as NMI, the 8259s present;
 * no I/O APIC, so Linux runs its APICs in virtual-wire mode with the
 * 8259's output on the BSP's LINT0) and a DSDT whose only object is \_S5,
 * the package that says which SLP_TYP is soft-off (7.4.2).
 */
#include <stdlib.h>
#include <string.h>

#include "x86.h"

#define PM_BASE			0x600
#define PM1A_EVT		(PM_BASE + 0)
#define PM1A_CNT		(PM_BASE + 4)
#define PM_TMR			(PM_BASE + 8)
#define BOCHS_PM1A_CNT		0xb004		/* older QEMU and Bochs */
#define RESET_PORT		0xcf9
#define PM1_SLP_EN		(1U << 13)
#define PM_TIMER_HZ		3579545ULL

#define RSDP_GPA		(X86_ACPI_BASE + 0x000)
#define RSDT_GPA		(X86_ACPI_BASE + 0x040)
#define XSDT_GPA		(X86_ACPI_BASE + 0x080)
#define FACS_GPA		(X86_ACPI_BASE + 0x0c0)
#define FADT_GPA		(X86_ACPI_BASE + 0x100)
#define DSDT_GPA		(X86_ACPI_BASE + 0x200)
#define MADT_GPA		(X86_ACPI_BASE + 0x300)
#define ACPI_END		(X86_ACPI_BASE + 0x1000)

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem_id[6], oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_gas {		/* 5.2.3.2 Generic Address Structure */
	uint8_t space, bit_width, bit_offset, access_size;
	uint64_t address;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum, reserved[3];
} __attribute__((packed));

struct acpi_fadt {		/* 5.2.9, revision 4's 244 bytes */
	struct acpi_header h;
	uint32_t firmware_ctrl, dsdt;
	uint8_t reserved0, pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt, pm1b_evt, pm1a_cnt, pm1b_cnt, pm2_cnt, pm_tmr,
		 gpe0, gpe1;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len,
		gpe0_len, gpe1_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value, reserved2[3];
	uint64_t x_firmware_ctrl, x_dsdt;
	struct acpi_gas x_pm1a_evt, x_pm1b_evt, x_pm1a_cnt, x_pm1b_cnt,
			x_pm2_cnt, x_pm_tmr, x_gpe0, x_gpe1;
} __attribute__((packed));

#define FADT_WBINVD		(1U << 0)
#define FADT_C1_SUPPORTED	(1U << 2)
#define FADT_POWER_BUTTON	(1U << 4)	/* none as a fixed feature */
#define FADT_SLEEP_BUTTON	(1U << 5)
#define FADT_32BIT_TIMER	(1U << 8)
#define FADT_RESET_REGISTER	(1U << 10)
#define BOOT_ARCH_LEGACY	(1U << 0)	/* ISA devices: PIC, PIT, RTC */
#define BOOT_ARCH_NO_VGA	(1U << 2)
#define BOOT_ARCH_NO_MSI	(1U << 3)

struct acpi_madt_lapic {	/* 5.2.12.2, type 0 */
	uint8_t type, length, uid, apic_id;
	uint32_t flags;			/* 1: enabled */
} __attribute__((packed));

struct acpi_madt_nmi {		/* 5.2.12.7, type 4 */
	uint8_t type, length, uid;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

struct acpi_facs {		/* 5.2.10 */
	char signature[4];
	uint32_t length, hw_signature, waking_vector, global_lock, flags;
	uint64_t x_waking_vector;
	uint8_t version, reserved[31];
} __attribute__((packed));

/* \_S5: Name (_S5, Package (4) { 0, 0, 0, 0 }): SLP_TYP 0 is soft-off */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
};

struct acpi_pm {
	uint16_t status, enable;
};

static uint8_t acpi_sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s += *b++;
	return s;
}

static void *acpi_table(struct vmm *vmm, uint64_t gpa, const char *sig,
			uint32_t len, uint8_t rev)
{
	struct acpi_header *h = vmm_gpa(vmm, gpa, len);

	if (gpa + len > ACPI_END || !h)
		vmm_die(VMM_EXIT_FAILURE, "ACPI table %s does not fit", sig);
	memset(h, 0, len);
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "AXVCPU", 6);
	memcpy(h->oem_table_id, "AXVCPURN", 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "AXVR", 4);
	h->creator_revision = 1;
	return h;
}

static void acpi_seal(void *table)
{
	struct acpi_header *h = table;

	h->checksum -= acpi_sum(h, h->length);
}

static struct acpi_gas acpi_io(uint16_t port, uint8_t bytes)
{
	struct acpi_gas g = { .space = 1, .bit_width = 8 * bytes,
			      .access_size = bytes == 4 ? 3 : bytes,
			      .address = port };

	return g;
}

static void acpi_fadt(struct vmm *vmm)
{
	struct acpi_fadt *f = acpi_table(vmm, FADT_GPA, "FACP", sizeof(*f), 4);
	struct acpi_facs *facs = vmm_gpa(vmm, FACS_GPA, sizeof(*facs));

	memset(facs, 0, sizeof(*facs));
	memcpy(facs->signature, "FACS", 4);
	facs->length = sizeof(*facs);
	facs->version = 2;

	f->firmware_ctrl = FACS_GPA;
	f->x_firmware_ctrl = FACS_GPA;
	f->dsdt = DSDT_GPA;
	f->x_dsdt = DSDT_GPA;
	f->sci_int = 9;		/* SMI_CMD 0: always in ACPI mode */
	f->pm1a_evt = PM1A_EVT;
	f->pm1a_cnt = PM1A_CNT;
	f->pm_tmr = PM_TMR;
	f->pm1_evt_len = 4;
	f->pm1_cnt_len = 2;
	f->pm_tmr_len = 4;
	f->x_pm1a_evt = acpi_io(PM1A_EVT, 4);
	f->x_pm1a_cnt = acpi_io(PM1A_CNT, 2);
	f->x_pm_tmr = acpi_io(PM_TMR, 4);
	/* no C2/C3 (latencies above 100 and 1000 us mean none) */
	f->p_lvl2_lat = 101;
	f->p_lvl3_lat = 1001;
	f->century = 0x32;
	f->iapc_boot_arch = BOOT_ARCH_LEGACY | BOOT_ARCH_NO_VGA |
			    BOOT_ARCH_NO_MSI;
	f->flags = FADT_WBINVD | FADT_C1_SUPPORTED | FADT_POWER_BUTTON |
		   FADT_SLEEP_BUTTON | FADT_32BIT_TIMER | FADT_RESET_REGISTER;
	f->reset_reg = acpi_io(RESET_PORT, 1);
	f->reset_value = 0x06;	/* RST_CPU | SYS_RST, as the PIIX4 takes */
	acpi_seal(f);
}

static void acpi_dsdt(struct vmm *vmm)
{
	struct acpi_header *h = acpi_table(vmm, DSDT_GPA, "DSDT",
					   sizeof(*h) + sizeof(dsdt_aml), 2);

	memcpy(h + 1, dsdt_aml, sizeof(dsdt_aml));
	acpi_seal(h);
}

static void acpi_madt(struct vmm *vmm)
{
	uint32_t len = sizeof(struct acpi_header) + 8 +
		       vmm->nr_vcpus * sizeof(struct acpi_madt_lapic) +
		       sizeof(struct acpi_madt_nmi);
	struct acpi_header *h = acpi_table(vmm, MADT_GPA, "APIC", len, 3);
	uint8_t *p = (uint8_t *)(h + 1);
	uint32_t lapic = X86_LAPIC_BASE, flags = 1;	/* PCAT_COMPAT */
	struct acpi_madt_nmi nmi = { 4, sizeof(nmi), 0xff, 0, 1 };
	unsigned int i;

	memcpy(p, &lapic, 4);
	memcpy(p + 4, &flags, 4);
	p += 8;
	for (i = 0; i < vmm->nr_vcpus; i++) {
		struct acpi_madt_lapic l = { 0, sizeof(l), i, i, 1 };

		memcpy(p, &l, sizeof(l));
		p += sizeof(l);
	}
	memcpy(p, &nmi, sizeof(nmi));
	acpi_seal(h);
}

static void acpi_roots(struct vmm *vmm, const uint32_t *tables,
		       unsigned int n)
{
	struct acpi_header *rsdt = acpi_table(vmm, RSDT_GPA, "RSDT",
					      sizeof(*rsdt) + 4 * n, 1);
	struct acpi_header *xsdt = acpi_table(vmm, XSDT_GPA, "XSDT",
					      sizeof(*xsdt) + 8 * n, 1);
	struct acpi_rsdp *rsdp = vmm_gpa(vmm, RSDP_GPA, sizeof(*rsdp));
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t x = tables[i];

		memcpy((uint8_t *)(rsdt + 1) + 4 * i, &tables[i], 4);
		memcpy((uint8_t *)(xsdt + 1) + 8 * i, &x, 8);
	}
	acpi_seal(rsdt);
	acpi_seal(xsdt);
	memset(rsdp, 0, sizeof(*rsdp));
	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, "AXVCPU", 6);
	rsdp->revision = 2;
	rsdp->rsdt = RSDT_GPA;
	rsdp->xsdt = XSDT_GPA;
	rsdp->length = sizeof(*rsdp);
	rsdp->checksum -= acpi_sum(rsdp, 20);
	rsdp->ext_checksum -= acpi_sum(rsdp, sizeof(*rsdp));
}

static void pm_evt_read(struct vmm *vmm, void *dev, uint64_t off,
			unsigned int width, uint64_t *val)
{
	struct acpi_pm *pm = dev;
	uint32_t both = pm->status | (uint32_t)pm->enable << 16;

	*val = both >> (8 * off);
}

static void pm_evt_write(struct vmm *vmm, void *dev, uint64_t off,
			 unsigned int width, uint64_t val)
{
	struct acpi_pm *pm = dev;
	uint32_t v = (uint32_t)val << (8 * off);
	uint32_t mask = (width >= 4 ? ~0U : ((1U << (8 * width)) - 1)) << (8 * off);

	pm->status &= ~(v & mask);		/* status bits: write 1 to clear */
	if (mask >> 16)
		pm->enable = (pm->enable & ~(mask >> 16)) | (v >> 16);
}

static void pm_cnt_read(struct vmm *vmm, void *dev, uint64_t off,
			unsigned int width, uint64_t *val)
{
	*val = off ? 0 : 1;	/* SCI_EN: ACPI mode, as firmware leaves it */
}

static void pm_cnt_write(struct vmm *vmm, void *dev, uint64_t off,
			 unsigned int width, uint64_t val)
{
	/* SLP_EN enters the sleep state SLP_TYP names; S5 is all there is */
	if (off == 0 && width >= 2 && (val & PM1_SLP_EN))
		vmm_stop(vmm, 0);
}

static void pm_tmr_read(struct vmm *vmm, void *dev, uint64_t off,
			unsigned int width, uint64_t *val)
{
	uint64_t t = (unsigned __int128)vmm_now() * PM_TIMER_HZ / 1000000000ULL;

	*val = (uint32_t)t >> (8 * off);
}

/* The reset control register: RST_CPU (bit 2) resets the machine. */
static void reset_write(struct vmm *vmm, void *dev, uint64_t off,
			unsigned int width, uint64_t val)
{
	if (val & 0x04) {
		vmm_warn("the guest reset the machine: stopping, as QEMU -no-reboot does");
		vmm_stop(vmm, 0);
	}
}

void acpi_init(struct vmm *vmm)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));
	const struct vmm_device devs[] = {
		{ .name = "PM1a_EVT", .base = PM1A_EVT, .len = 4,
		  .read = pm_evt_read, .write = pm_evt_write, .dev = pm },
		{ .name = "PM1a_CNT", .base = PM1A_CNT, .len = 2,
		  .read = pm_cnt_read, .write = pm_cnt_write },
		{ .name = "PM1a_CNT (Bochs)", .base = BOCHS_PM1A_CNT, .len = 2,
		  .read = pm_cnt_read, .write = pm_cnt_write },
		{ .name = "PM_TMR", .base = PM_TMR, .len = 4,
		  .read = pm_tmr_read },
		{ .name = "reset", .base = RESET_PORT, .len = 1,
		  .write = reset_write },
	};
	uint32_t tables[2];
	unsigned int i, n = 0;

	if (!pm)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		vmm_add_device(vmm, &devs[i]);
	if (!vmm_gpa(vmm, X86_ACPI_BASE, ACPI_END - X86_ACPI_BASE))
		return;		/* a guest in less than 1 MiB gets no tables */
	acpi_fadt(vmm);
	acpi_dsdt(vmm);
	acpi_madt(vmm);
	tables[n++] = FADT_GPA;
	tables[n++] = MADT_GPA;
	acpi_roots(vmm, tables, n);
}

uint64_t acpi_rsdp(struct vmm *vmm)
{
	return vmm_gpa(vmm, X86_ACPI_BASE, ACPI_END - X86_ACPI_BASE) ?
	       RSDP_GPA : 0;
}
