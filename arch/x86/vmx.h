/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel VMX backend internals (SDM vol. 3C, chapters 23 to 29).
 */
#ifndef _AXVCPU_ARCH_X86_VMX_H
#define _AXVCPU_ARCH_X86_VMX_H

#include <linux/list.h>
#include <asm/vmx.h>
#include "x86.h"

/* A VMCS or VMXON region: the revision identifier first (24.2) */
struct vmx_region {
	u32 revision_id;
	u32 abort;
};

/* the MSRs VMX leaves to software, switched through the MSR areas */
#define VMX_NR_SWITCHED	5

/*
 * Fields of the VMX capability MSRs (SDM vol. 3D, A.1 and A.6), defined
 * here: the kernel's names for them changed in 6.10.
 */
#define AXV_VMX_BASIC_MEM_TYPE		GENMASK_ULL(53, 50)
#define AXV_VMX_BASIC_MEM_TYPE_WB	6ULL
#define AXV_VMX_BASIC_TRUE_CTLS		BIT_ULL(55)
#define AXV_VMX_MISC_TIMER_RATE		GENMASK_ULL(4, 0)

/**
 * struct vmx_caps - what this CPU's VMX offers, read once at probe
 * @revision: the VMCS revision identifier (IA32_VMX_BASIC[30:0])
 * @pin: pin-based controls to set
 * @proc: primary processor-based controls to set
 * @proc2: secondary processor-based controls to set
 * @exit: VM-exit controls to set
 * @entry: VM-entry controls to set (IA-32e mode guest is added per entry)
 * @vpid: the CPU tags TLB entries with VPIDs
 * @ept_1g: EPT can map 1 GiB pages
 * @tick: the VMX-preemption timer's count for each entry, 0 when off
 *	(the vmx_tick_us module parameter)
 */
struct vmx_caps {
	u32 revision;
	u32 pin;
	u32 proc;
	u32 proc2;
	u32 exit;
	u32 entry;
	bool vpid;
	bool ept_1g;
	u32 tick;
};

extern struct vmx_caps vmx_caps;

/**
 * struct vmx_vcpu - a VMX vCPU
 * @x86: the vendor-independent part (first: the arch pointer points here)
 * @vmcs: the VMCS region (one page)
 * @node: in the list of VMCSs active on @cpu
 * @launched: VMLAUNCH succeeded since the last VMCLEAR (VMRESUME next)
 * @cpu: the CPU the VMCS is active on, -1 when it is clear
 * @vpid: the vCPU's VPID, 0 without VPIDs
 * @tlb_gen: the VM's TLB generation seen at the last entry
 * @exit_reason: the exit reason of the last exit (bit 31: entry failure)
 * @exit_qual: its exit qualification
 * @exit_insn_len: its VM-exit instruction length
 * @exit_intr_info: its VM-exit interruption information
 * @exit_intr_err: its VM-exit interruption error code (when info has one)
 * @exit_gpa: its guest-physical address (EPT violations)
 * @st: the guest's register file (gprs unused: those are @x86's)
 * @pat: the guest's IA32_PAT
 * @intr_state: the guest's interruptibility state (STI/MOV SS blocking)
 * @event: an event for the next entry (VM-entry interruption information)
 * @event_err: its error code
 * @event_len: its instruction length (software interrupts, INT3, INTO)
 * @sysenter_cs: the guest's IA32_SYSENTER_CS (and ESP, EIP below)
 * @sysenter_esp: IA32_SYSENTER_ESP
 * @sysenter_eip: IA32_SYSENTER_EIP
 * @msrs: a page: the guest's values of the switched MSRs (loaded at
 *	entry, stored at exit), then the host's at VMX_NR_SWITCHED (loaded
 *	at exit)
 */
struct vmx_vcpu {
	struct x86_vcpu x86;
	struct vmx_region *vmcs;
	struct list_head node;
	bool launched;
	int cpu;
	u16 vpid;
	s64 tlb_gen;
	u32 exit_reason;
	u64 exit_qual;
	u32 exit_insn_len;
	u32 exit_intr_info;
	u32 exit_intr_err;
	u64 exit_gpa;
	struct axvcpu_x86_regs st;
	u64 pat;
	u32 intr_state;
	u32 event;
	u32 event_err;
	u32 event_len;
	u64 sysenter_cs;
	u64 sysenter_esp;
	u64 sysenter_eip;
	struct vmx_msr_entry *msrs;
};

static inline struct vmx_vcpu *to_vmx(struct axvcpu_vcpu *vcpu)
{
	return vcpu->arch;
}

/* an interrupt shadow: STI or MOV SS blocking (24.4.2) */
#define VMX_SHADOW	(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)

/* vmx.c */
const struct axvcpu_arch_ops *vmx_probe(void);
void vmx_unprobe(void);

/* vmx_events.c */
void vmx_inject_exception(struct vmx_vcpu *vmx, unsigned int vector,
			  bool has_error, u32 error);
void vmx_inject_icebp(struct vmx_vcpu *vmx);
void vmx_pick_event(struct vmx_vcpu *vmx);
void vmx_requeue_event(struct vmx_vcpu *vmx);
void vmx_get_events(struct axvcpu_vcpu *vcpu, struct axvcpu_events *ev);
int vmx_set_events(struct axvcpu_vcpu *vcpu, const struct axvcpu_events *ev);

/* vmx_percpu.c */
int vmx_percpu_init(void);
void vmx_percpu_exit(void);
int vmx_hardware_enable(void);
void vmx_hardware_disable(void);
bool vmx_cpu_enabled(void);
void vmx_vmcs_load(struct vmx_vcpu *vmx);
void vmx_vmcs_clear(struct vmx_vcpu *vmx);

/* vmx_vmenter.S: 0 after a VM exit, 1 when VMLAUNCH/VMRESUME failed */
int vmx_vmenter(u64 *gprs, bool launched);
void vmx_vmexit(void);

#endif /* _AXVCPU_ARCH_X86_VMX_H */
