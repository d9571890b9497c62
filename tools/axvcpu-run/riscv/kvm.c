// SPDX-License-Identifier: GPL-2.0
/*
 * axvcpu-run on /dev/kvm (--kvm), riscv64: the same machine and guests on
 * KVM, the reference of make bench's Linux boot row. KVM answers in the
 * kernel what axvcpu leaves to the VMM: SBI HSM (every hart but hart 0 is
 * created powered off and its KVM_RUN waits for hart_start), IPI, RFENCE,
 * TIME and WFI; what is left comes here (Documentation/virt/kvm/api.rst):
 * MMIO to the devices, KVM_EXIT_RISCV_SBI (the legacy console, given to
 * the machine's SBI code as a HYPERCALL exit) and KVM_EXIT_SYSTEM_EVENT
 * (SRST: SYSTEM_DOWN). The PLIC's output drives the hart's external
 * interrupt with KVM_INTERRUPT (KVM_INTERRUPT_SET/UNSET), which riscv KVM
 * takes from any thread.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "riscv.h"

#define KVM_RV_REG(idx)		(KVM_REG_RISCV | KVM_REG_SIZE_U64 | \
				 KVM_REG_RISCV_CORE | (idx))
/* struct kvm_riscv_core: pc, then x1..x31, then the mode */
#define KVM_RV_PC		KVM_RV_REG(0)
#define KVM_RV_X(n)		KVM_RV_REG(n)
#define KVM_RV_MODE		KVM_RV_REG(32)

struct kvm_rv_vcpu {
	int fd;
	struct kvm_run *run;
};

static struct kvm_rv_vcpu *kv(struct vmm_vcpu *v)
{
	return v->hv_vcpu;
}

static void kvm_rv_vm_create(struct vmm *vmm)
{
	kvm_open_vm(vmm);
	kvm_add_ram(vmm);
}

static void kvm_rv_vcpu_create(struct vmm_vcpu *v)
{
	struct kvm_rv_vcpu *k = calloc(1, sizeof(*k));

	if (!k)
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: out of memory", v->id);
	k->run = kvm_open_vcpu(v, &k->fd);
	v->hv_vcpu = k;
	/* KVM holds the harts KVM_RUN has not been told to start (HSM) */
	v->started = true;
}

static void kvm_rv_set(struct vmm_vcpu *v, __u64 id, __u64 value)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&value };

	if (ioctl(kv(v)->fd, KVM_SET_ONE_REG, &r))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: KVM_SET_ONE_REG %#llx: %s",
			v->id, (unsigned long long)id, strerror(errno));
}

static uint64_t kvm_rv_get_gpr(struct vmm_vcpu *v, unsigned int reg)
{
	__u64 value = 0;
	struct kvm_one_reg r = { .id = KVM_RV_X(reg), .addr = (uintptr_t)&value };

	if (ioctl(kv(v)->fd, KVM_GET_ONE_REG, &r))
		vmm_warn("vCPU %u: KVM_GET_ONE_REG x%u: %s", v->id, reg,
			 strerror(errno));
	return value;
}

/* The boot hart's state, as axvcpu_rv_setup() gives it; KVM starts the rest. */
static void kvm_rv_vcpu_setup(struct vmm_vcpu *v)
{
	if (v->id)
		return;
	kvm_rv_set(v, KVM_RV_X(10), v->id);
	kvm_rv_set(v, KVM_RV_X(11), v->boot_arg);
	kvm_rv_set(v, KVM_RV_PC, v->entry);
	kvm_rv_set(v, KVM_RV_MODE, KVM_RISCV_MODE_S);
}

static int kvm_rv_vcpu_bind(struct vmm_vcpu *v)
{
	return 0;	/* KVM runs a vCPU wherever its thread is */
}

static int kvm_rv_vcpu_run(struct vmm_vcpu *v)
{
	struct kvm_run *kr = kv(v)->run;
	struct axvcpu_run *run = v->run;
	unsigned int i;
	int ret;

	/* the answer to the SBI call of the last exit */
	if (kr->exit_reason == KVM_EXIT_RISCV_SBI &&
	    run->exit_reason == AXVCPU_EXIT_HYPERCALL) {
		kr->riscv_sbi.ret[0] = run->hypercall.ret;
		kr->riscv_sbi.ret[1] = run->hypercall.ret_extra[0];
	}
	ret = ioctl(kv(v)->fd, KVM_RUN, 0);
	if (ret)
		return ret;
	run->exit_reason = AXVCPU_EXIT_NOTHING;
	switch (kr->exit_reason) {
	case KVM_EXIT_MMIO:
		kvm_mmio(v->vmm, kr);
		break;
	case KVM_EXIT_RISCV_SBI:
		run->exit_reason = AXVCPU_EXIT_HYPERCALL;
		run->hypercall.nr = kr->riscv_sbi.extension_id;
		run->hypercall.func = kr->riscv_sbi.function_id;
		for (i = 0; i < 6; i++)
			run->hypercall.args[i] = kr->riscv_sbi.args[i];
		run->hypercall.ret = kr->riscv_sbi.ret[0];
		run->hypercall.ret_extra[0] = kr->riscv_sbi.ret[1];
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

/* The PLIC's output: the hart's external interrupt, from any thread. */
static void kvm_rv_irq_line(struct vmm_vcpu *v, unsigned int line, bool level)
{
	struct kvm_interrupt irq = {
		.irq = level ? KVM_INTERRUPT_SET : KVM_INTERRUPT_UNSET,
	};

	if (line != AXVCPU_RISCV_IRQ_LINE_VSEI) {
		vmm_warn("vCPU %u: --kvm drives only the external interrupt, not line %u",
			 v->id, line);
		return;
	}
	if (ioctl(kv(v)->fd, KVM_INTERRUPT, &irq))
		vmm_warn("vCPU %u: KVM_INTERRUPT: %s", v->id, strerror(errno));
}

static void kvm_rv_inject(struct vmm_vcpu *v, unsigned int vector, bool nmi)
{
	kvm_rv_irq_line(v, vector, true);
}

/* WFI waits in KVM: a HALT exit never reaches the VMM. */
static bool kvm_rv_true(struct vmm_vcpu *v)
{
	return true;
}

const struct vmm_hv vmm_hv_kvm = {
	.name = "kvm",
	.vm_create = kvm_rv_vm_create,
	.vcpu_create = kvm_rv_vcpu_create,
	.vcpu_setup = kvm_rv_vcpu_setup,
	.vcpu_bind = kvm_rv_vcpu_bind,
	.vcpu_run = kvm_rv_vcpu_run,
	.inject = kvm_rv_inject,
	.halt_wakeable = kvm_rv_true,
	.irq_pending = kvm_rv_true,
	.irq_line = kvm_rv_irq_line,
	.get_gpr = kvm_rv_get_gpr,
};
