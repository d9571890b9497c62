// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 machine: the small PC that test kernels written for QEMU expect
 * (Documentation/vmm.rst): COM1, QEMU's isa-debug-exit, the ACPI PM1a
 * control register's power-off, fw_cfg; vCPU set-up and the exits that
 * need x86 knowledge (MSRs, HLT).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../vmm.h"
#include "x86.h"

#define COM1_BASE		0x3f8
#define DEBUG_EXIT_PORT		0xf4
#define PM1A_CNT_PORT		0x604	/* QEMU's PIIX4 and ICH9 PM base + 4 */
#define BOCHS_PM1A_CNT_PORT	0xb004	/* older QEMU and Bochs */
#define PM1_SLP_EN		(1U << 13)
#define FW_CFG_PORT		0x510

#define X86_RFLAGS_IF		(1ULL << 9)

/* isa-debug-exit: a write of V ends QEMU with status (V << 1) | 1. */
static void debug_exit_write(struct vmm *vmm, void *dev, uint64_t off,
			     unsigned int width, uint64_t val)
{
	vmm_stop(vmm, (int)((((uint32_t)val) << 1) | 1));
}

/* PM1a_CNT: SLP_EN enters the sleep state SLP_TYP names; S5 is all there is. */
static void pm1a_cnt_write(struct vmm *vmm, void *dev, uint64_t off,
			   unsigned int width, uint64_t val)
{
	if (off == 0 && width >= 2 && (val & PM1_SLP_EN))
		vmm_stop(vmm, 0);
}

static void pm1a_cnt_read(struct vmm *vmm, void *dev, uint64_t off,
			  unsigned int width, uint64_t *val)
{
	*val = 1;	/* SCI_EN: ACPI mode, the way firmware leaves it */
}

void arch_machine_init(struct vmm *vmm)
{
	static const struct vmm_device fixed[] = {
		{ .name = "isa-debug-exit", .base = DEBUG_EXIT_PORT, .len = 4,
		  .write = debug_exit_write },
		{ .name = "pm1a_cnt", .base = PM1A_CNT_PORT, .len = 2,
		  .read = pm1a_cnt_read, .write = pm1a_cnt_write },
		{ .name = "pm1a_cnt (Bochs)", .base = BOCHS_PM1A_CNT_PORT,
		  .len = 2, .read = pm1a_cnt_read, .write = pm1a_cnt_write },
	};
	unsigned int i;

	if (!(vmm->info.arch == AXVCPU_ARCH_X86_SVM ||
	      vmm->info.arch == AXVCPU_ARCH_X86_VMX))
		vmm_die(VMM_EXIT_FAILURE, "the module's backend (arch %u) is not x86",
			vmm->info.arch);
	/* the APs wait for INIT and SIPI, which need the local APIC */
	if (vmm->nr_vcpus > 1)
		vmm_die(VMM_EXIT_USAGE,
			"--cpus %u: more than one vCPU needs the local APIC, not built yet",
			vmm->nr_vcpus);
	uart16550_init(vmm, COM1_BASE);
	fw_cfg_init(vmm, FW_CFG_PORT);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		vmm_add_device(vmm, &fixed[i]);
}

void arch_load(struct vmm *vmm)
{
	struct vmm_vcpu *bsp = &vmm->vcpus[0];
	unsigned int i;

	for (i = 0; i < vmm->cfg.nr_loads; i++)
		x86_load_raw(vmm, vmm->cfg.loads[i].file, vmm->cfg.loads[i].gpa);
	if (vmm->cfg.kernel) {
		x86_load_multiboot(vmm, bsp);
		return;
	}
	bsp->entry = vmm->cfg.entry;
	bsp->mode = vmm->cfg.real_mode ? AXVCPU_X86_MODE_REAL :
					 AXVCPU_X86_MODE_FLAT32;
	if (vmm->cfg.real_mode && bsp->entry > 0xfffff)
		vmm_die(VMM_EXIT_USAGE, "--entry %#llx: real mode reaches 1 MiB",
			(unsigned long long)bsp->entry);
	if (!vmm_gpa(vmm, bsp->entry, 1))
		vmm_die(VMM_EXIT_USAGE, "--entry %#llx: not in guest RAM",
			(unsigned long long)bsp->entry);
}

void arch_vcpu_init(struct vmm_vcpu *v)
{
	struct axvcpu_setup s = { .entry = v->entry };
	unsigned int r;

	s.arch.x86.mode = v->mode;
	if (ioctl(v->fd, AXVCPU_SETUP, &s))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: SETUP at %#llx: %s", v->id,
			(unsigned long long)v->entry, strerror(errno));
	for (r = 0; v->set_gprs && r < AXVCPU_X86_NR_GPRS; r++) {
		struct axvcpu_gpr g = { .reg = r, .value = v->gprs[r] };

		if (r == X86_RSP)	/* SETUP's stack stays */
			continue;
		if (ioctl(v->fd, AXVCPU_SET_GPR, &g))
			vmm_die(VMM_EXIT_FAILURE, "vCPU %u: SET_GPR %u: %s",
				v->id, r, strerror(errno));
	}
}

/*
 * MSRs the module leaves to user space: none is emulated here yet, so
 * they fault (#GP), as on KVM without ignore_msrs.
 */
bool arch_sysreg(struct vmm_vcpu *vcpu, bool write, uint64_t id,
		 uint64_t *value)
{
	return false;
}

/*
 * HLT: nothing in this machine raises an interrupt yet, so a halted vCPU
 * stays halted, whether its interrupts are on or off.
 */
bool arch_halt(struct vmm_vcpu *vcpu)
{
	struct axvcpu_regs regs = { 0 };

	if (!ioctl(vcpu->fd, AXVCPU_GET_REGS, &regs) &&
	    (regs.x86.rflags & X86_RFLAGS_IF))
		vmm_warn("vCPU %u halted waiting for an interrupt no device of this machine sends",
			 vcpu->id);
	return false;
}
