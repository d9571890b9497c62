// SPDX-License-Identifier: GPL-2.0
/*
 * axvcpu-run on /dev/kvm (--kvm), arm64: the same machine and guests on
 * KVM, the reference of make bench. KVM answers in the kernel what axvcpu
 * leaves to the VMM: PSCI (every vCPU but vCPU 0 is created powered off and
 * its KVM_RUN waits for CPU_ON), WFI, and the GIC, which is KVM's vGICv3 at
 * the machine's addresses instead of gic.c's model. What is left comes here
 * (Documentation/virt/kvm/api.rst, devices/arm-vgic-v3.rst): MMIO to the
 * devices and KVM_EXIT_SYSTEM_EVENT (SYSTEM_OFF, SYSTEM_RESET: SYSTEM_DOWN).
 * Device interrupts are SPIs of the vGIC (KVM_IRQ_LINE), from any thread.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "arm64.h"

#define KVM_A64_CORE(field)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | \
				 KVM_REG_ARM_CORE | \
				 (offsetof(struct kvm_regs, field) / sizeof(__u32)))

struct kvm_a64_vcpu {
	int fd;
	struct kvm_run *run;
};

static int vgic_fd = -1;

static struct kvm_a64_vcpu *kv(struct vmm_vcpu *v)
{
	return v->hv_vcpu;
}

static void vgic_attr(__u32 group, __u64 attr, void *addr)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uintptr_t)addr,
	};

	if (ioctl(vgic_fd, KVM_SET_DEVICE_ATTR, &a))
		vmm_die(VMM_EXIT_FAILURE, "vGICv3 attribute %u/%llu: %s", group,
			(unsigned long long)attr, strerror(errno));
}

/* The VM, its RAM, and KVM's vGICv3 where gic.c's model would be. */
static void kvm_a64_vm_create(struct vmm *vmm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	__u64 dist = A64_GICD_BASE, redist = A64_GICR_BASE;
	__u32 nr_irqs = 32 + A64_GIC_SPIS;

	kvm_open_vm(vmm);
	kvm_add_ram(vmm);
	if (ioctl(vmm->vm_fd, KVM_CREATE_DEVICE, &cd))
		vmm_die(VMM_EXIT_FAILURE, "KVM_CREATE_DEVICE vGICv3: %s",
			strerror(errno));
	vgic_fd = cd.fd;
	vgic_attr(KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &dist);
	vgic_attr(KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist);
	vgic_attr(KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
}

static void kvm_a64_vcpu_create(struct vmm_vcpu *v)
{
	struct kvm_a64_vcpu *k = calloc(1, sizeof(*k));
	struct kvm_vcpu_init init;

	if (!k)
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: out of memory", v->id);
	k->run = kvm_open_vcpu(v, &k->fd);
	v->hv_vcpu = k;
	if (ioctl(v->vmm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init))
		vmm_die(VMM_EXIT_FAILURE, "KVM_ARM_PREFERRED_TARGET: %s",
			strerror(errno));
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (v->id)
		init.features[0] |= 1U << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(k->fd, KVM_ARM_VCPU_INIT, &init))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: KVM_ARM_VCPU_INIT: %s", v->id,
			strerror(errno));
	/* KVM holds the vCPUs PSCI has not started in their KVM_RUN */
	v->started = true;
	/* the vGIC is set up once every vCPU exists */
	if (v->id == v->vmm->cfg.cpus - 1)
		vgic_attr(KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
}

static void kvm_a64_set(struct vmm_vcpu *v, __u64 id, __u64 value)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&value };

	if (ioctl(kv(v)->fd, KVM_SET_ONE_REG, &r))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: KVM_SET_ONE_REG %#llx: %s",
			v->id, (unsigned long long)id, strerror(errno));
}

static uint64_t kvm_a64_get_gpr(struct vmm_vcpu *v, unsigned int reg)
{
	__u64 value = 0;
	struct kvm_one_reg r = {
		.id = KVM_A64_CORE(regs.regs[0]) + 2 * reg,
		.addr = (uintptr_t)&value,
	};

	if (ioctl(kv(v)->fd, KVM_GET_ONE_REG, &r))
		vmm_warn("vCPU %u: KVM_GET_ONE_REG x%u: %s", v->id, reg,
			 strerror(errno));
	return value;
}

/* vCPU 0's boot state (KVM_ARM_VCPU_INIT gave EL1h, DAIF masked, MMU off). */
static void kvm_a64_vcpu_setup(struct vmm_vcpu *v)
{
	if (v->id)
		return;
	kvm_a64_set(v, KVM_A64_CORE(regs.regs[0]), v->boot_arg);
	kvm_a64_set(v, KVM_A64_CORE(regs.pc), v->entry);
}

static int kvm_a64_vcpu_bind(struct vmm_vcpu *v)
{
	return 0;	/* KVM runs a vCPU wherever its thread is */
}

static int kvm_a64_vcpu_run(struct vmm_vcpu *v)
{
	struct kvm_run *kr = kv(v)->run;
	struct axvcpu_run *run = v->run;
	int ret;

	ret = ioctl(kv(v)->fd, KVM_RUN, 0);
	if (ret)
		return ret;
	run->exit_reason = AXVCPU_EXIT_NOTHING;
	switch (kr->exit_reason) {
	case KVM_EXIT_MMIO:
		kvm_mmio(v->vmm, kr);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		run->exit_reason = AXVCPU_EXIT_SYSTEM_DOWN;
		break;
	case KVM_EXIT_INTR:
		break;
	default:
		kvm_fail_entry(run, kr);
		break;
	}
	return 0;
}

/*
 * Under KVM arch_irq_line() passes the INTID of an SPI as @line (the vGIC
 * routes it): its level through KVM_IRQ_LINE, from any thread.
 */
static void kvm_a64_irq_line(struct vmm_vcpu *v, unsigned int line, bool level)
{
	struct kvm_irq_level irq = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | line,
		.level = level,
	};

	if (ioctl(v->vmm->vm_fd, KVM_IRQ_LINE, &irq))
		vmm_warn("KVM_IRQ_LINE SPI %u: %s", line, strerror(errno));
}

static void kvm_a64_inject(struct vmm_vcpu *v, unsigned int vector, bool nmi)
{
	kvm_a64_irq_line(v, vector, true);
}

/* WFI waits in KVM: a HALT exit never reaches the VMM. */
static bool kvm_a64_true(struct vmm_vcpu *v)
{
	return true;
}

const struct vmm_hv vmm_hv_kvm = {
	.name = "kvm",
	.vm_create = kvm_a64_vm_create,
	.vcpu_create = kvm_a64_vcpu_create,
	.vcpu_setup = kvm_a64_vcpu_setup,
	.vcpu_bind = kvm_a64_vcpu_bind,
	.vcpu_run = kvm_a64_vcpu_run,
	.inject = kvm_a64_inject,
	.halt_wakeable = kvm_a64_true,
	.irq_pending = kvm_a64_true,
	.irq_line = kvm_a64_irq_line,
	.get_gpr = kvm_a64_get_gpr,
};
