/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SVM backend internals (APM vol. 2, chapter 15).
 */
#ifndef _AXVCPU_ARCH_X86_SVM_H
#define _AXVCPU_ARCH_X86_SVM_H

#include <asm/svm.h>
#include "x86.h"

/*
 * The VMCB fields behind each clean bit (svm_clean.c), one member per
 * group, compared whole.
 */
struct svm_clean_groups {
	struct {
		u32 intercepts[MAX_INTERCEPT];
		u16 pf_thresh;
		u16 pf_count;
		u64 tsc_offset;
	} i;
	struct {
		u64 iopm;
		u64 msrpm;
	} iopm;
	u32 asid;
	struct {
		u32 int_ctl;
		u32 int_vector;
	} tpr;
	struct {
		u64 nested_ctl;
		u64 ncr3;
		u64 g_pat;
	} np;
	struct {
		u64 cr0;
		u64 cr3;
		u64 cr4;
		u64 efer;
	} crx;
	struct {
		u64 dr6;
		u64 dr7;
	} drx;
	struct {
		struct vmcb_seg gdtr;
		struct vmcb_seg idtr;
	} dt;
	struct {
		struct vmcb_seg es;
		struct vmcb_seg cs;
		struct vmcb_seg ss;
		struct vmcb_seg ds;
		u8 cpl;
	} seg;
	u64 cr2;
};

/**
 * struct svm_vcpu - an SVM vCPU
 * @x86: the vendor-independent part (first: the arch pointer points here)
 * @vmcb: the VMCB (one page)
 * @vmcb_pa: its physical address
 * @asid: the ASID last used, valid for @asid_gen on @last_cpu
 * @asid_gen: the per-CPU ASID generation @asid belongs to
 * @last_cpu: the CPU the vCPU last entered the guest on, -1 before
 * @tlb_gen: the VM's TLB generation seen at the last entry
 * @unchecked: the save area came from SET_REGS and has not been accepted
 *	by VMRUN yet
 * @save_backup: the save area before such an entry: QEMU writes host
 *	values into the VMCB when VMRUN fails its checks, so a refused state is
 *	put back from here and stays the guest's
 * @clean_valid: @clean_then holds the VMCB as the last #VMEXIT left it
 * @clean_then: the clean-bit groups at the last #VMEXIT
 * @clean_now: the same before an entry (here rather than on the stack)
 */
struct svm_vcpu {
	struct x86_vcpu x86;
	struct vmcb *vmcb;
	phys_addr_t vmcb_pa;
	u32 asid;
	u64 asid_gen;
	int last_cpu;
	s64 tlb_gen;
	bool unchecked;
	struct vmcb_save_area save_backup;
	bool clean_valid;
	struct svm_clean_groups clean_then;
	struct svm_clean_groups clean_now;
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
bool svm_vmcb_cached(const struct svm_vcpu *svm);
extern u32 svm_max_asid;

/* svm_npt.c: the stage-2 ops in nested-paging format */
unsigned int svm_npt_levels(void);
unsigned long svm_npt_block_orders(void);
int svm_vm_init(struct axvcpu_vm *vm);
void svm_vm_destroy(struct axvcpu_vm *vm);
int svm_map_page(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		 bool readonly);
int svm_map_block(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		  unsigned int order, bool readonly);
void svm_unmap_page(struct axvcpu_vm *vm, u64 gpa);

/* svm_clean.c */
void svm_clean_bits(struct svm_vcpu *svm, bool same_cpu_vmcb);
void svm_clean_after_exit(struct svm_vcpu *svm, bool entered);

/* svm_exit.c */
int svm_handle_exit(struct svm_vcpu *svm, struct axvcpu_run *run);
void svm_inject_exception(struct svm_vcpu *svm, unsigned int vector,
			  bool has_error, u32 error);
void svm_nmi_iret(struct svm_vcpu *svm);
extern const struct x86_vendor_ops svm_vendor_ops;

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
