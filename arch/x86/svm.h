/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SVM backend internals (APM vol. 2, chapter 15).
 */
#ifndef _AXVCPU_ARCH_X86_SVM_H
#define _AXVCPU_ARCH_X86_SVM_H

#include <asm/svm.h>
#include "x86.h"

/**
 * struct svm_vcpu - an SVM vCPU
 * @x86: the vendor-independent part (first: the arch pointer points here)
 * @vmcb: the VMCB (one page)
 * @vmcb_pa: its physical address
 * @asid: the ASID last used, valid for @asid_gen on @last_cpu
 * @asid_gen: the per-CPU ASID generation @asid belongs to
 * @last_cpu: the CPU the vCPU last entered the guest on, -1 before
 * @tlb_gen: the VM's TLB generation seen at the last entry
 * @dr6: guest DR6 (debug registers are emulated, not loaded)
 * @dr7: guest DR7
 * @unchecked: the save area came from SET_REGS and has not been accepted
 *	by VMRUN yet
 * @save_backup: the save area before such an entry: QEMU writes host
 *	values into the VMCB when VMRUN fails its checks, so a refused state is
 *	put back from here and stays the guest's
 */
struct svm_vcpu {
	struct x86_vcpu x86;
	struct vmcb *vmcb;
	phys_addr_t vmcb_pa;
	u32 asid;
	u64 asid_gen;
	int last_cpu;
	s64 tlb_gen;
	u64 dr6;
	u64 dr7;
	bool unchecked;
	struct vmcb_save_area save_backup;
	/* svm_read_insn()'s view of the registers: no allocation on an exit */
	struct axvcpu_x86_regs insn_regs;
};

static inline struct svm_vcpu *to_svm(struct axvcpu_vcpu *vcpu)
{
	return vcpu->arch;
}

/* svm_percpu.c */
int svm_percpu_init(void);
void svm_percpu_exit(void);
int svm_hardware_enable(void);
void svm_hardware_disable(void);
bool svm_cpu_enabled(void);
phys_addr_t svm_host_save_pa(void);
void svm_assign_asid(struct svm_vcpu *svm, bool force_new);
void svm_switch_vmcb(struct svm_vcpu *svm);
void svm_forget_vmcb(struct vmcb *vmcb);
extern u32 svm_max_asid;

/* svm_exit.c */
int svm_handle_exit(struct svm_vcpu *svm, struct axvcpu_run *run);
void svm_inject_exception(struct svm_vcpu *svm, unsigned int vector,
			  bool has_error, u32 error);
void svm_nmi_iret(struct svm_vcpu *svm);

/* svm_events.c: what svm_inject_event() took for one entry */
#define SVM_TOOK_NOTHING	0
#define SVM_TOOK_NMI		1
#define SVM_TOOK_EXCEPTION	2
void svm_set_iret_intercept(struct svm_vcpu *svm, bool on);
int svm_inject_event(struct svm_vcpu *svm);
void svm_inject_pending(struct svm_vcpu *svm);
void svm_untake_event(struct svm_vcpu *svm, int took);
void svm_get_events(struct axvcpu_vcpu *vcpu, struct axvcpu_events *ev);
int svm_set_events(struct axvcpu_vcpu *vcpu, const struct axvcpu_events *ev);

/* svm_sysreg.c */
int svm_get_sysreg(struct axvcpu_vcpu *vcpu, u64 id, u64 *value);
int svm_set_sysreg(struct axvcpu_vcpu *vcpu, u64 id, u64 value);
const u64 *svm_sysreg_ids(unsigned int *nr);
void svm_get_x86_regs(struct svm_vcpu *svm, struct axvcpu_x86_regs *regs);

static inline void clgi(void)
{
	asm volatile("clgi" ::: "memory");
}

static inline void stgi(void)
{
	asm volatile("stgi" ::: "memory");
}

void svm_unprobe(void);

/* svm_vmrun.S: the world switch; GIF clear, interrupts off */
void svm_vmrun(phys_addr_t vmcb_pa, u64 *gprs, phys_addr_t host_save_pa);

#endif /* _AXVCPU_ARCH_X86_SVM_H */
