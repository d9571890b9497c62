// SPDX-License-Identifier: GPL-2.0
/*
 * axvcpu-run on /dev/kvm (--kvm): the same machine and guests on KVM, so
 * that axvcpu's figures have a reference measured in the same boot
 * (Documentation/benchmarks.rst). KVM runs without its in-kernel
 * interrupt controllers (no KVM_CREATE_IRQCHIP), as the VMM's own 8259s
 * and local APICs drive the guest: an interrupt is queued here and given
 * with KVM_INTERRUPT when the guest can take it (the run struct's
 * ready_for_interrupt_injection and if_flag; else an interrupt window is
 * requested), the vCPU kicked out of KVM_RUN by immediate_exit and a
 * signal (Documentation/virt/kvm/api.rst, "KVM_INTERRUPT",
 * "request_interrupt_window"). Port and MMIO exits go to the devices
 * here; MSRs KVM does not know, and IA32_APIC_BASE (filtered: the APIC is
 * the VMM's), come to the VMM as axvcpu's SYSREG exits do
 * (KVM_CAP_X86_USER_SPACE_MSR). The exits left (HLT, shutdown, entry
 * failures) are given to the run loop in axvcpu's run struct, which this
 * backend keeps in memory of its own.
 *
 * KVM's paravirtual CPUID leaves (0x40000000 on) are left out: the guest
 * sees the same machine as under axvcpu, without kvmclock; and x2APIC,
 * whose MSRs KVM's filters cannot send to user space
 * (Documentation/virt/kvm/api.rst, KVM_X86_SET_MSR_FILTER).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "x86.h"

#define MSR_APIC_BASE		0x1b
#define KVM_MAX_CPUID		256

struct kvm_vcpu {
	int fd;
	struct kvm_run *run;
	uint32_t pending[8];		/* vectors to give, vmm->lock */
	bool nmi;
};

static struct kvm_vcpu *kv(struct vmm_vcpu *v)
{
	return v->hv_vcpu;
}

static void kvm_vm_create(struct vmm *vmm)
{
	/* a 0 bit denies the MSR to KVM, so that it exits to the VMM */
	static uint8_t apic_base_bitmap;
	struct kvm_msr_filter filter = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = { .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			       .nmsrs = 1, .base = MSR_APIC_BASE,
			       .bitmap = &apic_base_bitmap },
	};
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args[0] = KVM_MSR_EXIT_REASON_UNKNOWN | KVM_MSR_EXIT_REASON_FILTER };

	kvm_open_vm(vmm);
	if (ioctl(vmm_kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR) <= 0 ||
	    ioctl(vmm_kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER) <= 0)
		vmm_die(VMM_EXIT_FAILURE, "KVM lacks user-space MSRs or MSR filters");
	/* VMX needs three pages for its real-mode TSS; below the APIC */
	if (ioctl(vmm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL) ||
	    ioctl(vmm->vm_fd, KVM_ENABLE_CAP, &cap) ||
	    ioctl(vmm->vm_fd, KVM_X86_SET_MSR_FILTER, &filter))
		vmm_die(VMM_EXIT_FAILURE, "KVM VM set-up: %s", strerror(errno));
	kvm_add_ram(vmm);
}

static void kvm_vcpu_create(struct vmm_vcpu *v)
{
	struct kvm_vcpu *k = calloc(1, sizeof(*k));

	if (!k)
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: out of memory", v->id);
	k->run = kvm_open_vcpu(v, &k->fd);
	v->hv_vcpu = k;
}

static void kvm_seg(struct kvm_segment *s, uint16_t sel, uint8_t type,
		    uint32_t limit, bool big)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->type = type;
	s->limit = limit;
	s->present = 1;
	s->s = 1;
	s->db = big;
	s->g = big;
}

/* AXVCPU_SETUP's states (Documentation/api.rst), in KVM's registers. */
static void kvm_vcpu_setup(struct vmm_vcpu *v)
{
	struct kvm_vcpu *k = kv(v);
	struct kvm_sregs sr;
	struct kvm_regs r = { .rflags = 0x2 };
	__u64 *gpr = &r.rax;
	/* struct kvm_regs: rax rbx rcx rdx rsi rdi rsp rbp r8..r15 */
	static const unsigned int axv_to_kvm[] = { 0, 2, 3, 1, 6, 7, 4, 5 };
	unsigned int i;

	x86_cpu_vcpu_init(v);
	if (ioctl(k->fd, KVM_GET_SREGS, &sr))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: KVM_GET_SREGS: %s", v->id,
			strerror(errno));
	if (v->mode == AXVCPU_X86_MODE_REAL) {
		kvm_seg(&sr.cs, v->entry >> 4, 0xb, 0xffff, false);
		sr.cs.base = (v->entry >> 4) << 4;
		kvm_seg(&sr.ds, 0, 3, 0xffff, false);
		r.rip = v->entry & 0xf;
	} else {
		kvm_seg(&sr.cs, 0x08, 0xb, 0xffffffff, true);
		kvm_seg(&sr.ds, 0x10, 3, 0xffffffff, true);
		sr.cr0 = 0x31;		/* PE, ET, NE */
		r.rip = v->entry;
	}
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.cr3 = sr.cr4 = sr.efer = 0;
	for (i = 0; v->set_gprs && i < AXVCPU_X86_NR_GPRS; i++)
		if (i != X86_RSP)
			gpr[i < 8 ? axv_to_kvm[i] : i] = v->gprs[i];
	if (ioctl(k->fd, KVM_SET_SREGS, &sr) || ioctl(k->fd, KVM_SET_REGS, &r))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: KVM_SET_SREGS/REGS: %s",
			v->id, strerror(errno));
}

static int kvm_vcpu_bind(struct vmm_vcpu *v)
{
	return 0;	/* KVM runs a vCPU wherever its thread is */
}

/* With vmm->lock held, before KVM_RUN: what the guest can take now. */
static void kvm_give_interrupts(struct vmm_vcpu *v)
{
	struct kvm_vcpu *k = kv(v);
	struct kvm_run *kr = k->run;
	int vec = x86_vec_highest(k->pending);

	if (k->nmi && !ioctl(k->fd, KVM_NMI, 0))
		k->nmi = false;
	if (vec >= 0 && kr->ready_for_interrupt_injection && kr->if_flag) {
		struct kvm_interrupt irq = { .irq = vec };

		if (!ioctl(k->fd, KVM_INTERRUPT, &irq)) {
			x86_vec_clear(k->pending, vec);
			kr->ready_for_interrupt_injection = 0;
		}
	}
	kr->request_interrupt_window = x86_vec_highest(k->pending) >= 0;
	kr->immediate_exit = v->run->immediate_exit;
}

static void kvm_io(struct vmm_vcpu *v, struct kvm_run *kr)
{
	uint8_t *data = (uint8_t *)kr + kr->io.data_offset;
	bool write = kr->io.direction == KVM_EXIT_IO_OUT;
	uint64_t val;
	uint32_t i;

	/* INS/OUTS and their REP forms come as @count elements */
	for (i = 0; i < kr->io.count; i++, data += kr->io.size) {
		val = 0;
		if (write)
			memcpy(&val, data, kr->io.size);
		val = vmm_device_access(v->vmm, false, kr->io.port,
					kr->io.size, write, val);
		if (!write)
			memcpy(data, &val, kr->io.size);
	}
}

static void kvm_msr(struct vmm_vcpu *v, struct kvm_run *kr, bool write)
{
	uint64_t val = kr->msr.data;

	if (arch_sysreg(v, write, kr->msr.index, &val)) {
		kr->msr.error = 0;
		if (!write)
			kr->msr.data = val;
	} else {
		kr->msr.error = 1;	/* #GP */
	}
}

static int kvm_vcpu_run(struct vmm_vcpu *v)
{
	struct vmm *vmm = v->vmm;
	struct kvm_run *kr = kv(v)->run;
	struct axvcpu_run *run = v->run;
	int ret;

	pthread_mutex_lock(&vmm->lock);
	kvm_give_interrupts(v);
	pthread_mutex_unlock(&vmm->lock);
	ret = ioctl(kv(v)->fd, KVM_RUN, 0);
	pthread_mutex_lock(&vmm->lock);
	kr->immediate_exit = 0;
	pthread_mutex_unlock(&vmm->lock);
	if (ret)
		return ret;
	run->exit_reason = AXVCPU_EXIT_NOTHING;
	switch (kr->exit_reason) {
	case KVM_EXIT_IO:
		kvm_io(v, kr);
		break;
	case KVM_EXIT_MMIO:
		kvm_mmio(vmm, kr);
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		kvm_msr(v, kr, kr->exit_reason == KVM_EXIT_X86_WRMSR);
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	case KVM_EXIT_INTR:
		break;
	case KVM_EXIT_HLT:
		run->exit_reason = AXVCPU_EXIT_HALT;
		break;
	case KVM_EXIT_SHUTDOWN:
		run->exit_reason = AXVCPU_EXIT_SYSTEM_DOWN;
		break;
	default:
		kvm_fail_entry(run, kr);
		break;
	}
	return 0;
}

/* From any thread, vmm->lock held: queue, and kick the vCPU out of KVM_RUN. */
static void kvm_inject(struct vmm_vcpu *v, unsigned int vector, bool nmi)
{
	struct kvm_vcpu *k = kv(v);

	if (nmi)
		k->nmi = true;
	else
		x86_vec_set(k->pending, vector);
	if (vmm_current != v && v->started) {
		k->run->immediate_exit = 1;
		pthread_kill(v->thread, SIGUSR1);
	}
}

static bool kvm_halt_wakeable(struct vmm_vcpu *v)
{
	struct kvm_regs r;

	if (ioctl(kv(v)->fd, KVM_GET_REGS, &r))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: KVM_GET_REGS: %s", v->id,
			strerror(errno));
	return r.rflags & (1U << 9);
}

static bool kvm_irq_pending(struct vmm_vcpu *v)
{
	struct kvm_vcpu *k = kv(v);
	bool pending;

	pthread_mutex_lock(&v->vmm->lock);
	pending = k->nmi || x86_vec_highest(k->pending) >= 0;
	pthread_mutex_unlock(&v->vmm->lock);
	return pending;
}

static unsigned int kvm_get_cpuid(struct vmm *vmm, struct axvcpu_cpuid_entry *e,
				  unsigned int max)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + KVM_MAX_CPUID *
				      sizeof(struct kvm_cpuid_entry2));
	unsigned int i, n = 0;

	if (!c)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	c->nent = KVM_MAX_CPUID;
	if (ioctl(vmm_kvm_fd, KVM_GET_SUPPORTED_CPUID, c))
		vmm_die(VMM_EXIT_FAILURE, "KVM_GET_SUPPORTED_CPUID: %s",
			strerror(errno));
	for (i = 0; i < c->nent && n < max; i++) {
		const struct kvm_cpuid_entry2 *k = &c->entries[i];

		if ((k->function & 0xffffff00) == 0x40000000)
			continue;	/* KVM's own leaves */
		e[n] = (struct axvcpu_cpuid_entry){
			.function = k->function, .index = k->index,
			.flags = k->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX ?
				 AXVCPU_CPUID_SIGNIFICANT_INDEX : 0,
			.eax = k->eax, .ebx = k->ebx, .ecx = k->ecx,
			.edx = k->edx };
		n++;
	}
	free(c);
	return n;
}

static void kvm_set_cpuid(struct vmm_vcpu *v, const struct axvcpu_cpuid_entry *e,
			  unsigned int n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n *
				      sizeof(struct kvm_cpuid_entry2));
	unsigned int i;

	if (!c)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	c->nent = n;
	for (i = 0; i < n; i++)
		c->entries[i] = (struct kvm_cpuid_entry2){
			.function = e[i].function, .index = e[i].index,
			.flags = e[i].flags & AXVCPU_CPUID_SIGNIFICANT_INDEX ?
				 KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
			.eax = e[i].eax, .ebx = e[i].ebx, .ecx = e[i].ecx,
			.edx = e[i].edx };
	if (ioctl(kv(v)->fd, KVM_SET_CPUID2, c))
		vmm_die(VMM_EXIT_FAILURE, "vCPU %u: KVM_SET_CPUID2: %s", v->id,
			strerror(errno));
	free(c);
}

const struct vmm_hv vmm_hv_kvm = {
	.name = "kvm",
	.vm_create = kvm_vm_create,
	.vcpu_create = kvm_vcpu_create,
	.vcpu_setup = kvm_vcpu_setup,
	.vcpu_bind = kvm_vcpu_bind,
	.vcpu_run = kvm_vcpu_run,
	.inject = kvm_inject,
	.halt_wakeable = kvm_halt_wakeable,
	.irq_pending = kvm_irq_pending,
	.get_cpuid = kvm_get_cpuid,
	.set_cpuid = kvm_set_cpuid,
};
