// SPDX-License-Identifier: GPL-2.0
/*
 * The Intel VMX backend (SDM vol. 3C): controls picked once from the
 * capability MSRs, one VMCS per vCPU, EPT from the VM's regions, and the
 * guest's state mirrored in memory (struct vmx_vcpu.st): register ioctls
 * may come from any thread while the VMCS is active on the bound CPU
 * only, so the VMCS gets the mirror before each entry and gives it back
 * after each exit.
 */
#include <linux/bitfield.h>
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/io.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tsc.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include "vmx.h"
#include "vmx_vmcs.h"

struct vmx_caps vmx_caps;
static unsigned long *vmx_msr_bitmap;

/*
 * VPIDs 1-65535, one a vCPU (0 is the host's: 28.1). A vCPU that finds
 * none left runs without (its guest's TLB is then flushed at every entry
 * and exit, 28.3.3.3). A VPID used before by a vCPU that is gone needs no
 * INVVPID: with EPT every translation is also tagged with the EPT root
 * (28.3.1), and a vCPU's first entry on a CPU invalidates its VM's root
 * there (vmx_vcpu_run()).
 */
static DEFINE_IDA(vmx_vpids);

/*
 * An upper bound on one stay in guest mode, through the VMX-preemption
 * timer (25.5.1): for emulators whose VM entry leaves host interrupts
 * masked by a guest that runs with IF clear (Bochs 2.7: reliability.rst,
 * "Emulator bugs the lanes work around"), where a signal would otherwise
 * never end the RUN. Hardware needs none: 0, the default, leaves the
 * timer off.
 */
static unsigned int vmx_tick_us;
module_param(vmx_tick_us, uint, 0444);
MODULE_PARM_DESC(vmx_tick_us,
		 "VMX: exit guest mode at least every this many microseconds (0: off; for emulators)");

/*
 * The syscall MSRs and KernelGSbase are not in the VMCS (SVM switches
 * them with VMLOAD/VMSAVE): the guest's are loaded by VM entry and stored
 * by VM exit, which then loads the host's (24.7.2, 24.8.2, 27.4). The
 * guest reads and writes them without exits, as FS/GS base and the
 * SYSENTER MSRs, which are in the VMCS.
 */
static const u32 vmx_switched_msrs[VMX_NR_SWITCHED] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE,
};

static const u32 vmx_passthrough_msrs[] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE,
	MSR_FS_BASE, MSR_GS_BASE, MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
	MSR_IA32_SYSENTER_EIP,
};

/* No exit for @msr: its read and write bits clear in the bitmap (24.6.9). */
static void vmx_pass_msr(u32 msr)
{
	u8 *bm = (u8 *)vmx_msr_bitmap;
	unsigned int base = msr >= 0xc0000000 ? 0x400 : 0;
	u32 bit = msr & 0x1fff;

	__clear_bit(bit, (unsigned long *)(bm + base));
	__clear_bit(bit, (unsigned long *)(bm + base + 0x800));
}

#define VMX_DR6_INIT	0xffff0ff0ULL
#define VMX_DR7_INIT	0x400ULL
#define VMX_PAT_INIT	0x0007040600070406ULL

/* ---- the ABI's packed attributes and VMX access rights (24.4.1) ---- */

static u32 vmx_ar(u16 attrib)
{
	u32 ar = (attrib & 0xff) | ((u32)(attrib & 0xf00) << 4);

	/* P = 0 is what VMX calls unusable */
	return (attrib & BIT(7)) ? ar : ar | BIT(16);
}

static u16 vmx_attrib(u32 ar)
{
	if (ar & BIT(16))
		return 0;
	return (ar & 0xff) | ((ar >> 4) & 0xf00);
}

/* ---- capabilities ---- */

/*
 * The control value: @want, plus what the CPU requires, minus nothing:
 * -EOPNOTSUPP when the CPU cannot do a bit of @need (24.6, A.3).
 */
static int vmx_adjust(u32 msr, u32 want, u32 need, u32 *out)
{
	u32 lo, hi;

	rdmsr(msr, lo, hi);
	if (need & ~hi)
		return -EOPNOTSUPP;
	*out = (want & hi) | lo;
	return 0;
}

/* The timer's count for vmx_tick_us: it counts TSC >> rate (A.6). */
static void vmx_tick_setup(void)
{
	u64 misc, ticks;

	if (!(vmx_caps.pin & PIN_BASED_VMX_PREEMPTION_TIMER) || !tsc_khz) {
		pr_warn("axvcpu: vmx_tick_us: no VMX-preemption timer, ignored\n");
		return;
	}
	rdmsrl(MSR_IA32_VMX_MISC, misc);
	ticks = ((u64)vmx_tick_us * tsc_khz / 1000) >>
		FIELD_GET(AXV_VMX_MISC_TIMER_RATE, misc);
	vmx_caps.tick = clamp_t(u64, ticks, 1, U32_MAX);
}

static int vmx_read_caps(void)
{
	u64 basic, ept_vpid = 0;
	bool true_ctls;
	int ret;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	vmx_caps.revision = basic & 0x7fffffff;
	true_ctls = basic & AXV_VMX_BASIC_TRUE_CTLS;
	if (FIELD_GET(AXV_VMX_BASIC_MEM_TYPE, basic) != AXV_VMX_BASIC_MEM_TYPE_WB)
		return -EOPNOTSUPP;
	ret = vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
				     MSR_IA32_VMX_PINBASED_CTLS,
			 PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING |
			 PIN_BASED_VIRTUAL_NMIS | PIN_BASED_VMX_PREEMPTION_TIMER,
			 PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING |
			 PIN_BASED_VIRTUAL_NMIS,
			 &vmx_caps.pin);
	if (!ret && vmx_tick_us)
		vmx_tick_setup();
	if (!vmx_caps.tick)
		vmx_caps.pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
	ret = ret ?: vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
					    MSR_IA32_VMX_PROCBASED_CTLS,
				CPU_BASED_HLT_EXITING |
				CPU_BASED_UNCOND_IO_EXITING |
				CPU_BASED_USE_MSR_BITMAPS |
				CPU_BASED_MOV_DR_EXITING |
				CPU_BASED_CR8_LOAD_EXITING |
				CPU_BASED_CR8_STORE_EXITING |
				CPU_BASED_RDPMC_EXITING |
				CPU_BASED_MWAIT_EXITING |
				CPU_BASED_MONITOR_EXITING |
				CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
				CPU_BASED_HLT_EXITING |
				CPU_BASED_UNCOND_IO_EXITING |
				CPU_BASED_USE_MSR_BITMAPS |
				CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
				&vmx_caps.proc);
	ret = ret ?: vmx_adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
				SECONDARY_EXEC_ENABLE_EPT |
				SECONDARY_EXEC_UNRESTRICTED_GUEST |
				SECONDARY_EXEC_ENABLE_VPID |
				SECONDARY_EXEC_ENABLE_RDTSCP |
				SECONDARY_EXEC_ENABLE_INVPCID |
				SECONDARY_EXEC_WBINVD_EXITING |
				SECONDARY_EXEC_PAUSE_LOOP_EXITING,
				SECONDARY_EXEC_ENABLE_EPT |
				SECONDARY_EXEC_UNRESTRICTED_GUEST,
				&vmx_caps.proc2);
	ret = ret ?: vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
					    MSR_IA32_VMX_EXIT_CTLS,
				VM_EXIT_HOST_ADDR_SPACE_SIZE |
				VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER |
				VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT,
				VM_EXIT_HOST_ADDR_SPACE_SIZE |
				VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER |
				VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT,
				&vmx_caps.exit);
	ret = ret ?: vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
					    MSR_IA32_VMX_ENTRY_CTLS,
				VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT,
				VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT,
				&vmx_caps.entry);
	if (ret)
		return ret;
	/* the entry control follows the guest's EFER.LMA, set per entry */
	vmx_caps.entry &= ~VM_ENTRY_IA32E_MODE;
	rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &ept_vpid);
	/* 4-level walks, write-back tables, INVEPT (A.10) */
	if (!(ept_vpid & VMX_EPT_PAGE_WALK_4_BIT) ||
	    !(ept_vpid & VMX_EPTP_WB_BIT) || !(ept_vpid & VMX_EPT_INVEPT_BIT) ||
	    !(ept_vpid & VMX_EPT_EXTENT_CONTEXT_BIT))
		return -EOPNOTSUPP;
	vmx_caps.ept_1g = ept_vpid & VMX_EPT_1GB_PAGE_BIT;
	/*
	 * INVVPID and its single-context type: bits 32 and 41 (A.10); the
	 * kernel's VMX_VPID_* bits count from bit 32, the MSR's high half
	 */
	vmx_caps.vpid = (vmx_caps.proc2 & SECONDARY_EXEC_ENABLE_VPID) &&
			((ept_vpid >> 32) & VMX_VPID_INVVPID_BIT) &&
			((ept_vpid >> 32) & VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT);
	if (!vmx_caps.vpid)
		vmx_caps.proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	return 0;
}

/* ---- EPT (28.3): R, W, X in bits 0-2, the memory type in 5:3 ---- */

#define EPT_R		BIT_ULL(0)
#define EPT_W		BIT_ULL(1)
#define EPT_X		BIT_ULL(2)
#define EPT_MT_WB	(6ULL << 3)

static u64 ept_table(phys_addr_t pa)
{
	return pa | EPT_R | EPT_W | EPT_X;
}

static u64 ept_leaf(phys_addr_t pa, bool readonly)
{
	/* write-back, combined with the guest's PAT (IPAT clear: 28.3.7) */
	return pa | EPT_R | EPT_X | EPT_MT_WB | (readonly ? 0 : EPT_W);
}

static bool ept_present(u64 e)
{
	return e & (EPT_R | EPT_W | EPT_X);
}

static const struct x86_s2_format vmx_ept_format = {
	.table = ept_table,
	.leaf = ept_leaf,
	.present = ept_present,
};

static int vmx_vm_init(struct axvcpu_vm *vm)
{
	vm->arch = x86_stage2_alloc(&vmx_ept_format, 4);
	return vm->arch ? 0 : -ENOMEM;
}

static void vmx_vm_destroy(struct axvcpu_vm *vm)
{
	x86_stage2_free(vm->arch);
	vm->arch = NULL;
}

static int vmx_map_page(struct axvcpu_vm *vm, u64 gpa, struct page *page,
			bool readonly)
{
	int ret = x86_stage2_map(vm->arch, gpa, page_to_phys(page), 1,
				 readonly);

	return WARN_ON_ONCE(ret == -EEXIST) ? -EINVAL : ret;
}

static int vmx_map_block(struct axvcpu_vm *vm, u64 gpa, struct page *page,
			 unsigned int order, bool readonly)
{
	return x86_stage2_map(vm->arch, gpa, page_to_phys(page),
			      1 + order / 9, readonly);
}

static void vmx_unmap_page(struct axvcpu_vm *vm, u64 gpa)
{
	x86_stage2_unmap(vm->arch, gpa);
}

static u64 vmx_eptp(struct axvcpu_vm *vm)
{
	/* WB tables, 4 levels (walk length - 1 in bits 5:3) */
	return x86_stage2_root(vm->arch) | VMX_EPTP_MT_WB | VMX_EPTP_PWL_4;
}

/* INVEPT single context: the VM's EPT translations go (28.3.3.1) */
static void vmx_invept(u64 eptp)
{
	struct { u64 eptp, gpa; } desc = { eptp, 0 };

	asm volatile("invept %0, %1"
		     : : "m"(desc), "r"((u64)VMX_EPT_EXTENT_CONTEXT)
		     : "cc", "memory");
}

/* ---- vCPUs ---- */

/* The vCPU's state after SETUP, documented in Documentation/api.rst. */
static void vmx_init_state(struct vmx_vcpu *vmx, u32 mode, u64 entry)
{
	unsigned int i;

	/* VM entry wants TR busy (26.3.1.2), as x86_reset_regs() has it */
	x86_reset_regs(&vmx->st, mode, entry);
	vmx->pat = VMX_PAT_INIT;
	vmx->sysenter_cs = 0;
	vmx->sysenter_esp = 0;
	vmx->sysenter_eip = 0;
	for (i = 0; i < VMX_NR_SWITCHED; i++) {
		vmx->msrs[i].index = vmx_switched_msrs[i];
		vmx->msrs[i].value = 0;
		vmx->msrs[VMX_NR_SWITCHED + i].index = vmx_switched_msrs[i];
	}
	vmx->intr_state = 0;
	vmx->event = 0;
	vmx->x86.dr6 = VMX_DR6_INIT;
	vmx->x86.dr7 = VMX_DR7_INIT;
	memset(vmx->x86.dr, 0, sizeof(vmx->x86.dr));
	memset(vmx->x86.gprs, 0, sizeof(vmx->x86.gprs));
}

static int vmx_vcpu_create(struct axvcpu_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = kzalloc(sizeof(*vmx), GFP_KERNEL_ACCOUNT);

	if (!vmx)
		return -ENOMEM;
	vmx->vmcs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vmx->msrs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vmx->vmcs || !vmx->msrs || x86_fpu_alloc(&vmx->x86)) {
		free_page((unsigned long)vmx->vmcs);
		free_page((unsigned long)vmx->msrs);
		x86_fpu_free(&vmx->x86);
		kfree(vmx);
		return -ENOMEM;
	}
	vmx->vmcs->revision_id = vmx_caps.revision;
	vmx->cpu = -1;
	if (vmx_caps.vpid) {
		int id = ida_alloc_range(&vmx_vpids, 1, 0xffff, GFP_KERNEL);

		vmx->vpid = id > 0 ? id : 0;
	}
	vmx->x86.vcpu = vcpu;
	vcpu->arch = vmx;
	vmx_init_state(vmx, AXVCPU_X86_MODE_FLAT32, 0);
	return 0;
}

/* On the CPU where the VMCS is active: clear it there. */
static void vmx_vmcs_clear_here(void *arg)
{
	vmx_vmcs_clear(arg);
}

static void vmx_vmcs_drop(struct vmx_vcpu *vmx)
{
	int cpu = READ_ONCE(vmx->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_vmcs_clear_here, vmx, 1);
}

static void vmx_vcpu_destroy(struct axvcpu_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_vmcs_drop(vmx);
	if (vmx->vpid)
		ida_free(&vmx_vpids, vmx->vpid);
	free_page((unsigned long)vmx->vmcs);
	free_page((unsigned long)vmx->msrs);
	x86_fpu_free(&vmx->x86);
	x86_cpuid_free(&vmx->x86);
	kfree(vmx);
	vcpu->arch = NULL;
}

static int vmx_vcpu_set_ept_root(struct axvcpu_vcpu *vcpu)
{
	return 0;
}

static int vmx_vcpu_setup(struct axvcpu_vcpu *vcpu,
			  const struct axvcpu_setup *setup)
{
	vmx_init_state(to_vmx(vcpu), setup->arch.x86.mode, setup->entry);
	return 0;
}

static int vmx_vcpu_bind(struct axvcpu_vcpu *vcpu, int cpu)
{
	return 0;
}

/* The VMCS goes inactive: the next BIND may be on another CPU. */
static int vmx_vcpu_unbind(struct axvcpu_vcpu *vcpu)
{
	vmx_vmcs_drop(to_vmx(vcpu));
	return 0;
}

/* ---- the VMCS ---- */

/* Fields that do not change while the VMCS stays on this CPU. */
static void vmx_vmcs_setup(struct vmx_vcpu *vmx)
{
	struct cpu_entry_area *cea;
	struct desc_ptr dt;
	u64 v;

	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, vmx_caps.pin);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx_caps.proc);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, vmx->vpid ? vmx_caps.proc2 :
		   vmx_caps.proc2 & ~SECONDARY_EXEC_ENABLE_VPID);
	vmcs_write(VM_EXIT_CONTROLS, vmx_caps.exit);
	vmcs_write(VM_ENTRY_CONTROLS, vmx_caps.entry);
	vmcs_write(EXCEPTION_BITMAP, BIT(X86_TRAP_MC) | BIT(X86_TRAP_DB) |
		   BIT(X86_TRAP_AC));
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, __pa(vmx->msrs));
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, VMX_NR_SWITCHED);
	vmcs_write(VM_EXIT_MSR_STORE_ADDR, __pa(vmx->msrs));
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, VMX_NR_SWITCHED);
	vmcs_write(VM_EXIT_MSR_LOAD_ADDR, __pa(&vmx->msrs[VMX_NR_SWITCHED]));
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, VMX_NR_SWITCHED);
	vmcs_write(MSR_BITMAP, __pa(vmx_msr_bitmap));
	vmcs_write(VMCS_LINK_POINTER, -1ULL);
	/*
	 * Pause-loop exiting (25.1.3): PAUSEs less than 128 TSC cycles apart
	 * for 4096 cycles are a spin; the vCPU yields to a sibling
	 * (axvcpu_spin.c). KVM's defaults.
	 */
	if (vmx_caps.proc2 & SECONDARY_EXEC_PAUSE_LOOP_EXITING) {
		vmcs_write(PLE_GAP, 128);
		vmcs_write(PLE_WINDOW, 4096);
	}
	vmcs_write(EPT_POINTER, vmx_eptp(vmx->x86.vcpu->vm));
	if (vmx->vpid)
		vmcs_write(VIRTUAL_PROCESSOR_ID, vmx->vpid);
	/*
	 * CR0.NE/ET and CR4.VMXE are the CPU's to keep (fixed bits, 24.8):
	 * owned by the host, the guest reads its own values from the read
	 * shadows. CR4 writes exit (x86_exit_write_cr4()).
	 */
	vmcs_write(CR0_GUEST_HOST_MASK, X86_CR0_NE | X86_CR0_ET);
	vmcs_write(CR4_GUEST_HOST_MASK, ~0UL);

	/* the host (25.5): this CPU's tables, the kernel's segments */
	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CR4, cr4_read_shadow());
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	cea = get_cpu_entry_area(smp_processor_id());
	vmcs_write(HOST_TR_BASE, (unsigned long)&cea->tss.x86_tss);
	native_store_gdt(&dt);
	vmcs_write(HOST_GDTR_BASE, dt.address);
	store_idt(&dt);
	vmcs_write(HOST_IDTR_BASE, dt.address);
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	vmcs_write(HOST_IA32_SYSENTER_CS, v);
	rdmsrl(MSR_IA32_SYSENTER_ESP, v);
	vmcs_write(HOST_IA32_SYSENTER_ESP, v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	vmcs_write(HOST_IA32_SYSENTER_EIP, v);
	rdmsrl(MSR_IA32_CR_PAT, v);
	vmcs_write(HOST_IA32_PAT, v);
	rdmsrl(MSR_EFER, v);
	vmcs_write(HOST_IA32_EFER, v);
	vmcs_write(HOST_RIP, (unsigned long)vmx_vmexit);
}

static void vmx_seg_write(unsigned long sel, const struct axvcpu_x86_segment *s)
{
	/* ES..TR fields are laid out in steps of 2 (appendix B) */
	unsigned long i = sel - GUEST_ES_SELECTOR;

	vmcs_write(GUEST_ES_SELECTOR + i, s->selector);
	vmcs_write(GUEST_ES_BASE + i, s->base);
	vmcs_write(GUEST_ES_LIMIT + i, s->limit);
	vmcs_write(GUEST_ES_AR_BYTES + i, vmx_ar(s->attrib));
}

static void vmx_seg_read(unsigned long sel, struct axvcpu_x86_segment *s)
{
	unsigned long i = sel - GUEST_ES_SELECTOR;

	s->selector = vmcs_read(GUEST_ES_SELECTOR + i);
	s->base = vmcs_read(GUEST_ES_BASE + i);
	s->limit = vmcs_read(GUEST_ES_LIMIT + i);
	s->attrib = vmx_attrib(vmcs_read(GUEST_ES_AR_BYTES + i));
}

/* The mirror into the VMCS, before an entry. */
static void vmx_state_to_vmcs(struct vmx_vcpu *vmx)
{
	const struct axvcpu_x86_regs *r = &vmx->st;
	u32 entry = vmx_caps.entry;
	u64 efer = r->efer;

	vmcs_write(GUEST_RIP, r->rip);
	vmcs_write(GUEST_RSP, vmx->x86.gprs[X86_RSP]);
	vmcs_write(GUEST_RFLAGS, r->rflags);
	vmx_seg_write(GUEST_ES_SELECTOR, &r->es);
	vmx_seg_write(GUEST_CS_SELECTOR, &r->cs);
	vmx_seg_write(GUEST_SS_SELECTOR, &r->ss);
	vmx_seg_write(GUEST_DS_SELECTOR, &r->ds);
	vmx_seg_write(GUEST_FS_SELECTOR, &r->fs);
	vmx_seg_write(GUEST_GS_SELECTOR, &r->gs);
	vmx_seg_write(GUEST_LDTR_SELECTOR, &r->ldtr);
	vmx_seg_write(GUEST_TR_SELECTOR, &r->tr);
	vmcs_write(GUEST_GDTR_BASE, r->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, r->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, r->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, r->idt.limit);
	vmcs_write(GUEST_CR0, r->cr0 | X86_CR0_NE | X86_CR0_ET);
	vmcs_write(CR0_READ_SHADOW, r->cr0);
	vmcs_write(GUEST_CR3, r->cr3);
	vmcs_write(GUEST_CR4, r->cr4 | X86_CR4_VMXE);
	vmcs_write(CR4_READ_SHADOW, r->cr4);
	/* LMA follows LME and CR0.PG (26.3.1.1: checked against IA-32e mode) */
	if ((efer & EFER_LME) && (r->cr0 & X86_CR0_PG))
		efer |= EFER_LMA;
	else
		efer &= ~EFER_LMA;
	if (efer & EFER_LMA)
		entry |= VM_ENTRY_IA32E_MODE;
	vmcs_write(VM_ENTRY_CONTROLS, entry);
	vmcs_write(GUEST_IA32_EFER, efer);
	vmcs_write(GUEST_IA32_PAT, vmx->pat);
	vmcs_write(GUEST_DR7, VMX_DR7_INIT);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(GUEST_SYSENTER_CS, vmx->sysenter_cs);
	vmcs_write(GUEST_SYSENTER_ESP, vmx->sysenter_esp);
	vmcs_write(GUEST_SYSENTER_EIP, vmx->sysenter_eip);
}

/* The VMCS back into the mirror, after an exit. */
static void vmx_vmcs_to_state(struct vmx_vcpu *vmx)
{
	struct axvcpu_x86_regs *r = &vmx->st;
	u64 mask = X86_CR0_NE | X86_CR0_ET;

	r->rip = vmcs_read(GUEST_RIP);
	vmx->x86.gprs[X86_RSP] = vmcs_read(GUEST_RSP);
	r->rflags = vmcs_read(GUEST_RFLAGS);
	vmx_seg_read(GUEST_ES_SELECTOR, &r->es);
	vmx_seg_read(GUEST_CS_SELECTOR, &r->cs);
	vmx_seg_read(GUEST_SS_SELECTOR, &r->ss);
	vmx_seg_read(GUEST_DS_SELECTOR, &r->ds);
	vmx_seg_read(GUEST_FS_SELECTOR, &r->fs);
	vmx_seg_read(GUEST_GS_SELECTOR, &r->gs);
	vmx_seg_read(GUEST_LDTR_SELECTOR, &r->ldtr);
	vmx_seg_read(GUEST_TR_SELECTOR, &r->tr);
	r->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	r->gdt.limit = vmcs_read(GUEST_GDTR_LIMIT);
	r->idt.base = vmcs_read(GUEST_IDTR_BASE);
	r->idt.limit = vmcs_read(GUEST_IDTR_LIMIT);
	/* the guest's own NE/ET from the shadow, the rest from the CPU */
	r->cr0 = (vmcs_read(GUEST_CR0) & ~mask) |
		 (vmcs_read(CR0_READ_SHADOW) & mask);
	r->cr3 = vmcs_read(GUEST_CR3);
	r->efer = vmcs_read(GUEST_IA32_EFER);
	vmx->pat = vmcs_read(GUEST_IA32_PAT);
	vmx->sysenter_cs = vmcs_read(GUEST_SYSENTER_CS);
	vmx->sysenter_esp = vmcs_read(GUEST_SYSENTER_ESP);
	vmx->sysenter_eip = vmcs_read(GUEST_SYSENTER_EIP);
	vmx->intr_state = vmcs_read(GUEST_INTERRUPTIBILITY_INFO) &
			  (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS |
			   GUEST_INTR_STATE_NMI);
}

/* ---- what x86_insn_exit.c asks of VMX ---- */

static struct vmx_vcpu *xv_to_vmx(struct x86_vcpu *xv)
{
	return container_of(xv, struct vmx_vcpu, x86);
}

static void vmx_vendor_get_regs(struct x86_vcpu *xv,
				struct axvcpu_x86_regs *regs)
{
	*regs = xv_to_vmx(xv)->st;
	memcpy(regs->gprs, xv->gprs, sizeof(regs->gprs));
}

static u64 vmx_rip(struct x86_vcpu *xv)
{
	return xv_to_vmx(xv)->st.rip;
}

/* The exit's instruction length (27.2.5) gives the next RIP. */
static u64 vmx_next_rip(struct x86_vcpu *xv)
{
	struct vmx_vcpu *vmx = xv_to_vmx(xv);

	return vmx->exit_insn_len ? vmx->st.rip + vmx->exit_insn_len : 0;
}

static void vmx_complete(struct x86_vcpu *xv, u64 next_rip)
{
	struct vmx_vcpu *vmx = xv_to_vmx(xv);

	vmx->st.rip = next_rip;
	vmx->intr_state &= ~VMX_SHADOW;
}

static void vmx_vendor_inject_exception(struct x86_vcpu *xv,
					unsigned int vector, bool has_error,
					u32 error)
{
	vmx_inject_exception(xv_to_vmx(xv), vector, has_error, error);
}

static u64 vmx_get_ctl(struct x86_vcpu *xv, enum x86_ctl ctl)
{
	struct vmx_vcpu *vmx = xv_to_vmx(xv);

	switch (ctl) {
	case X86_CTL_CR0:
		return vmx->st.cr0;
	case X86_CTL_CR3:
		return vmx->st.cr3;
	case X86_CTL_CR4:
		return vmx->st.cr4;
	case X86_CTL_TPR:
		return vmx->st.cr8;
	case X86_CTL_EFER:
		return vmx->st.efer;
	case X86_CTL_PAT:
		return vmx->pat;
	case X86_CTL_CPL:
		return (vmx->st.ss.attrib >> 5) & 3;
	}
	return 0;
}

static void vmx_set_ctl(struct x86_vcpu *xv, enum x86_ctl ctl, u64 value)
{
	struct vmx_vcpu *vmx = xv_to_vmx(xv);

	/*
	 * With VPID, VM entry keeps the guest's translations (28.3.3.3): a
	 * paging register the VMM changes flushes them, as the guest's own
	 * MOV to CR would have (the next entry does INVEPT, which drops
	 * every combined mapping of the VM's EPT root).
	 */
	switch (ctl) {
	case X86_CTL_CR0:
		vmx->st.cr0 = value;
		vmx->tlb_gen = -1;
		break;
	case X86_CTL_CR3:
		vmx->st.cr3 = value;
		vmx->tlb_gen = -1;
		break;
	case X86_CTL_CR4:
		vmx->st.cr4 = value;
		vmx->tlb_gen = -1;
		break;
	case X86_CTL_TPR:
		vmx->st.cr8 = value;
		break;
	case X86_CTL_EFER:
		vmx->st.efer = value;
		vmx->tlb_gen = -1;
		break;
	case X86_CTL_PAT:
		vmx->pat = value;
		break;
	case X86_CTL_CPL:
		break;
	}
}

/* The MSRs in the VMCS's guest area, or switched by the MSR areas. */
static u64 *vmx_msr_slot(struct x86_vcpu *xv, u32 msr)
{
	struct vmx_vcpu *vmx = xv_to_vmx(xv);
	unsigned int i;

	switch (msr) {
	case MSR_FS_BASE:
		return &vmx->st.fs.base;
	case MSR_GS_BASE:
		return &vmx->st.gs.base;
	case MSR_IA32_SYSENTER_CS:
		return &vmx->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:
		return &vmx->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:
		return &vmx->sysenter_eip;
	}
	for (i = 0; i < VMX_NR_SWITCHED; i++)
		if (vmx_switched_msrs[i] == msr)
			return &vmx->msrs[i].value;
	return NULL;
}

#define CPUID_7_EBX_SGX		BIT(2)
#define CPUID_7_EBX_INVPCID	BIT(10)
#define CPUID_7_ECX_WAITPKG	BIT(5)
#define CPUID_7_ECX_RDPID	BIT(22)
#define CPUID_7_ECX_SGX_LC	BIT(30)
#define CPUID_81_EDX_RDTSCP	BIT(27)

/*
 * Instructions VMX non-root operation turns into #UD unless a secondary
 * control lets them through (SDM vol. 3C 26.3, "Changes to Instruction
 * Behavior in VMX Non-Root Operation"): INVPCID and RDTSCP/RDPID when the
 * CPU lacks their enable controls, and always TPAUSE/UMWAIT (enable
 * user wait and pause stays clear: IA32_UMWAIT_CONTROL is not switched)
 * and SGX's ENCLS/ENCLU (the host's enclave page cache is not the guest's).
 */
static void vmx_cpuid_hide(u32 leaf, u32 sub, u32 *r)
{
	bool rdtscp = vmx_caps.proc2 & SECONDARY_EXEC_ENABLE_RDTSCP;

	if (leaf == 7 && sub == 0) {
		if (!(vmx_caps.proc2 & SECONDARY_EXEC_ENABLE_INVPCID))
			r[1] &= ~CPUID_7_EBX_INVPCID;
		if (!rdtscp)
			r[2] &= ~CPUID_7_ECX_RDPID;
		r[1] &= ~CPUID_7_EBX_SGX;
		r[2] &= ~(CPUID_7_ECX_WAITPKG | CPUID_7_ECX_SGX_LC);
	} else if (leaf == 0x12) {
		memset(r, 0, 4 * sizeof(*r));
	} else if (leaf == 0x80000001 && !rdtscp) {
		r[3] &= ~CPUID_81_EDX_RDTSCP;
	}
}

static const struct x86_vendor_ops vmx_vendor_ops = {
	.get_regs = vmx_vendor_get_regs,
	.rip = vmx_rip,
	.next_rip = vmx_next_rip,
	.complete = vmx_complete,
	.inject_exception = vmx_vendor_inject_exception,
	.get_ctl = vmx_get_ctl,
	.set_ctl = vmx_set_ctl,
	.msr_slot = vmx_msr_slot,
	.cpuid_hide = vmx_cpuid_hide,
};

/* ---- exits (appendix C) ---- */

static int vmx_fail(struct axvcpu_run *run, u64 reason)
{
	run->exit_reason = AXVCPU_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = reason;
	return AXVCPU_RUN_EXIT;
}

/* I/O instruction: the qualification has it all (27.2.1, table 27-5). */
static int vmx_exit_io(struct vmx_vcpu *vmx, struct axvcpu_run *run)
{
	u64 q = vmx->exit_qual;

	if (q & BIT(4))
		return vmx_fail(run, AXVCPU_X86_FAIL_STRING_IO);
	x86_skip(&vmx->x86, vmx->exit_insn_len);
	x86_exit_io(&vmx->x86, run, q >> 16, (q & 7) + 1, q & BIT(3));
	return AXVCPU_RUN_EXIT;
}

/* Control-register access (table 27-3): the CRs the controls intercept. */
static int vmx_exit_cr(struct vmx_vcpu *vmx)
{
	u64 q = vmx->exit_qual;
	unsigned int cr = q & 0xf, type = (q >> 4) & 3, gpr = (q >> 8) & 0xf;
	struct x86_vcpu *xv = &vmx->x86;

	if (type == 0 && cr == 4)
		return x86_exit_write_cr4(xv);
	if (type == 0 && cr == 8)
		return x86_exit_write_cr8(xv);
	if (type == 1 && cr == 8) {
		xv->gprs[gpr] = vmx->st.cr8;
		x86_skip(xv, vmx->exit_insn_len);
		return AXVCPU_RUN_REENTER;
	}
	if (type == 0 && cr == 0) {
		u64 value = xv->gprs[gpr];

		if (!(vmx->st.efer & EFER_LMA))
			value = (u32)value;
		if ((value >> 32) ||
		    !x86_long_mode_state_ok(vmx->st.efer, value, vmx->st.cr4)) {
			vmx_inject_exception(vmx, X86_TRAP_GP, true, 0);
			return AXVCPU_RUN_REENTER;
		}
		vmx->st.cr0 = value;
		x86_skip(xv, vmx->exit_insn_len);
		return AXVCPU_RUN_REENTER;
	}
	vmx_inject_exception(vmx, X86_TRAP_UD, false, 0);
	return AXVCPU_RUN_REENTER;
}

/* EPT violation (table 27-7): MMIO, or a write to a read-only region. */
static int vmx_exit_ept(struct vmx_vcpu *vmx, struct axvcpu_run *run)
{
	u64 q = vmx->exit_qual;
	u32 access = (q & BIT(2)) ? AXVCPU_ACCESS_EXEC :
		     (q & BIT(1)) ? AXVCPU_ACCESS_WRITE : AXVCPU_ACCESS_READ;
	/* bit 7: a linear address; bit 8 clear then: a guest table walk */
	bool data = !(q & BIT(2)) && (!(q & BIT(7)) || (q & BIT(8)));

	return x86_exit_stage2_fault(&vmx->x86, run,
				     vmx->exit_gpa, access,
				     q & (BIT(3) | BIT(4) | BIT(5)), data);
}

static int vmx_exit_exception(struct vmx_vcpu *vmx)
{
	u32 info = vmx->exit_intr_info;
	unsigned int vector = info & INTR_INFO_VECTOR_MASK;

	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		return AXVCPU_RUN_REENTER;	/* taken by the host: vmx_vcpu_run() */
	if (vector == X86_TRAP_DB) {
		/* DR6's B0-B3 and BS as the #DB would have set them (27.2.1) */
		vmx->x86.dr6 = (vmx->x86.dr6 & ~(u64)(DR_TRAP_BITS | DR_STEP)) |
			       (vmx->exit_qual & (DR_TRAP_BITS | DR_STEP));
		if ((info & INTR_INFO_INTR_TYPE_MASK) ==
		    INTR_TYPE_PRIV_SW_EXCEPTION) {
			vmx_inject_icebp(vmx);
			return AXVCPU_RUN_REENTER;
		}
	}
	if (vector == X86_TRAP_MC) {
		/* a machine check of the host, taken while the guest ran */
		x86_machine_check();
		return AXVCPU_RUN_REENTER;
	}
	/* #DB and #AC are reflected: intercepted so a loop cannot starve the host */
	vmx_inject_exception(vmx, vector, vector == X86_TRAP_AC,
			     vmx->exit_intr_err);
	return AXVCPU_RUN_REENTER;
}

static int vmx_handle_exit(struct vmx_vcpu *vmx, struct axvcpu_run *run)
{
	struct x86_vcpu *xv = &vmx->x86;
	u32 reason = vmx->exit_reason;

	if (reason & VMX_EXIT_REASONS_FAILED_VMENTRY)
		return vmx_fail(run, reason | (vmx->exit_qual << 32));
	switch (reason & 0xffff) {
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		if (xv->vcpu->flags & AXVCPU_VCPU_EXIT_ON_HOST_INTR) {
			/* not acknowledged at the exit: the vector is unknown */
			run->exit_reason = AXVCPU_EXIT_EXTERNAL_INTERRUPT;
			run->external_interrupt.vector = 0;
			return AXVCPU_RUN_EXIT;
		}
		return AXVCPU_RUN_REENTER;
	case EXIT_REASON_EXCEPTION_NMI:
		return vmx_exit_exception(vmx);
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_NMI_WINDOW:
	case EXIT_REASON_PREEMPTION_TIMER:
		return AXVCPU_RUN_REENTER;
	case EXIT_REASON_PAUSE_INSTRUCTION:
		/* PAUSE itself has not run: it does when the guest resumes */
		axvcpu_vcpu_on_spin(xv->vcpu);
		return AXVCPU_RUN_REENTER;
	case EXIT_REASON_TRIPLE_FAULT:
		vmx->event = 0;
		run->exit_reason = AXVCPU_EXIT_SYSTEM_DOWN;
		return AXVCPU_RUN_EXIT;
	case EXIT_REASON_VMCALL:
		x86_skip(xv, vmx->exit_insn_len);
		x86_exit_hypercall(xv, run);
		return AXVCPU_RUN_EXIT;
	case EXIT_REASON_HLT:
		x86_skip(xv, vmx->exit_insn_len);
		run->exit_reason = AXVCPU_EXIT_HALT;
		return AXVCPU_RUN_EXIT;
	case EXIT_REASON_IO_INSTRUCTION:
		return vmx_exit_io(vmx, run);
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
		return x86_exit_rdwrmsr(xv, run,
					(reason & 0xffff) == EXIT_REASON_MSR_WRITE);
	case EXIT_REASON_EPT_VIOLATION:
		return vmx_exit_ept(vmx, run);
	case EXIT_REASON_CPUID:
		x86_emulate_cpuid(xv, vmx->st.cr4);
		return x86_skip_insn(xv, 2);
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		/* as on SVM: no-ops (svm_exit.c says why) */
		return x86_skip_insn(xv, 2);
	case EXIT_REASON_XSETBV:
		return x86_exit_xsetbv(xv);
	case EXIT_REASON_CR_ACCESS:
		return vmx_exit_cr(vmx);
	case EXIT_REASON_DR_ACCESS:
		return x86_exit_mov_dr(xv);
	case EXIT_REASON_RDPMC:
		vmx_inject_exception(vmx, X86_TRAP_GP, true, 0);
		return AXVCPU_RUN_REENTER;
	case EXIT_REASON_VMCLEAR ... EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
	case EXIT_REASON_MWAIT_INSTRUCTION:
	case EXIT_REASON_MONITOR_INSTRUCTION:
		/* the guest sees no VMX and no MONITOR/MWAIT in CPUID */
		vmx_inject_exception(vmx, X86_TRAP_UD, false, 0);
		return AXVCPU_RUN_REENTER;
	default:
		return vmx_fail(run, reason);
	}
}

/* ---- the run loop ---- */

/*
 * What a VM exit leaves different from the kernel's state (27.5): the
 * GDT's limit (0xffff), TR's limit (0x67, cutting off the I/O bitmap),
 * the LDT (null) and the DS/ES/FS/GS selectors (the host fields, 0).
 */
struct vmx_host_segs {
	u16 ldt, ds, es;
};

static void vmx_host_save(struct vmx_host_segs *h)
{
	asm volatile("sldt %0" : "=g"(h->ldt));
	savesegment(ds, h->ds);
	savesegment(es, h->es);
}

static void vmx_host_restore(const struct vmx_host_segs *h)
{
	if (h->ldt)
		asm volatile("lldt %0" : : "rm"(h->ldt));
	if (h->ds)
		loadsegment(ds, h->ds);
	if (h->es)
		loadsegment(es, h->es);
	load_fixmap_gdt(smp_processor_id());
	invalidate_tss_limit();
}

/*
 * The host's values VM exit loads (27.6): the syscall MSRs are the
 * kernel's own, the same on every CPU and for good, read once with the
 * VMCS's other host fields; KernelGSbase is the VMM thread's user GS
 * base, which the thread may change between RUNs: read before each entry.
 */
static void vmx_host_msrs(struct vmx_vcpu *vmx)
{
	struct vmx_msr_entry *h = &vmx->msrs[VMX_NR_SWITCHED];
	unsigned int i;

	for (i = 0; i < VMX_NR_SWITCHED; i++)
		rdmsrl(h[i].index, h[i].value);
}

/*
 * The exit fields the handlers use, read while the VMCS is still current
 * on this CPU: the handlers run after preemption is enabled again, when
 * the vCPU may have moved and another VMCS be current here.
 */
static void vmx_read_exit_info(struct vmx_vcpu *vmx)
{
	u32 reason = vmx->exit_reason & 0xffff;

	vmx->exit_intr_info = 0;
	vmx->exit_intr_err = 0;
	vmx->exit_gpa = 0;
	if (reason == EXIT_REASON_EXCEPTION_NMI) {
		vmx->exit_intr_info = vmcs_read(VM_EXIT_INTR_INFO);
		if (vmx->exit_intr_info & INTR_INFO_DELIVER_CODE_MASK)
			vmx->exit_intr_err = vmcs_read(VM_EXIT_INTR_ERROR_CODE);
	} else if (reason == EXIT_REASON_EPT_VIOLATION) {
		vmx->exit_gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	}
}

static int vmx_vcpu_run(struct axvcpu_vcpu *vcpu, struct axvcpu_run *run)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_host_segs host;
	u64 host_tsc_aux, fs_base;
	int cpu, failed, ret;
	s64 tlb_gen;

	x86_fpu_run_begin(&vmx->x86);
	preempt_disable();
	local_irq_disable();
	if (!vmx_cpu_enabled() || !axvcpu_vcpu_load(vcpu)) {
		local_irq_enable();
		preempt_enable();
		return AXVCPU_RUN_REENTER;
	}
	cpu = smp_processor_id();
	x86_fpu_enter_guest(&vmx->x86);
	if (vmx->cpu != cpu) {
		/* active elsewhere: cleared there first (vmx_vcpu_unbind()) */
		if (WARN_ON_ONCE(vmx->cpu >= 0)) {
			x86_fpu_leave_guest(&vmx->x86);
			axvcpu_vcpu_put(vcpu);
			local_irq_enable();
			preempt_enable();
			return -EIO;
		}
		vmx_vmcs_load(vmx);
		vmx_vmcs_setup(vmx);
		vmx_host_msrs(vmx);
		vmx->tlb_gen = -1;
	} else {
		vmx_vmcs_load(vmx);
	}
	tlb_gen = atomic64_read(&vcpu->vm->tlb_gen);
	if (tlb_gen != vmx->tlb_gen) {
		vmx_invept(vmx_eptp(vcpu->vm));
		vmx->tlb_gen = tlb_gen;
	}
	vmcs_write(HOST_CR3, __read_cr3());
	rdmsrl(MSR_FS_BASE, fs_base);
	vmcs_write(HOST_FS_BASE, fs_base);
	vmcs_write(HOST_GS_BASE, cpu_kernelmode_gs_base(cpu));
	/* KernelGSbase: the last of vmx_switched_msrs */
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->msrs[2 * VMX_NR_SWITCHED - 1].value);
	vmx_state_to_vmcs(vmx);
	vmx_pick_event(vmx);
	if (vmx_caps.tick)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, vmx_caps.tick);
	vmx_host_save(&host);
	host_tsc_aux = x86_tsc_aux_enter(&vmx->x86);
	if (read_cr2() != vmx->st.cr2)
		write_cr2(vmx->st.cr2);
	/*
	 * L1TF: a guest must not read the host's data left in L1D through a
	 * not-present guest page table entry; flush L1D before every entry
	 * where the CPU has the bug and the flush command (KVM's "always"
	 * mode; without the command the CPU needs a software flush, which
	 * axvcpu does not do: Documentation/reliability.rst).
	 */
	if (boot_cpu_has_bug(X86_BUG_L1TF) &&
	    boot_cpu_has(X86_FEATURE_FLUSH_L1D))
		wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);

	failed = vmx_vmenter(vmx->x86.gprs, vmx->launched);

	vmx->st.cr2 = read_cr2();
	vmx_host_restore(&host);
	x86_tsc_aux_leave(&vmx->x86, host_tsc_aux);
	/* VM exit leaves DR7 at 0x400: bring back host breakpoints (27.5.1) */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	if (failed) {
		vmx->exit_reason = 0;
		vmx->exit_qual = vmcs_read(VM_INSTRUCTION_ERROR);
	} else {
		vmx->exit_reason = vmcs_read(VM_EXIT_REASON);
		vmx->exit_qual = vmcs_read(EXIT_QUALIFICATION);
		vmx->exit_insn_len = vmcs_read(VM_EXIT_INSTRUCTION_LEN);
		vmx_read_exit_info(vmx);
		/* a failed entry leaves the launch state as it was (26.8) */
		if (!(vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY)) {
			vmx->launched = true;
			vmx_vmcs_to_state(vmx);
			vmx_requeue_event(vmx);
		}
		/* a host NMI taken in guest mode: its handler, now (27.2.2) */
		if ((vmx->exit_reason & 0xffff) == EXIT_REASON_EXCEPTION_NMI &&
		    (vmx->exit_intr_info & INTR_INFO_INTR_TYPE_MASK) ==
		    INTR_TYPE_NMI_INTR)
			asm volatile("int $2");
	}
	x86_fpu_leave_guest(&vmx->x86);
	axvcpu_vcpu_put(vcpu);
	local_irq_enable();
	preempt_enable();

	if (failed)
		return vmx_fail(run, (1ULL << 32) | vmx->exit_qual);
	vcpu->hw_exit = vmx->exit_reason;
	ret = vmx_handle_exit(vmx, run);
	if (ret == AXVCPU_RUN_EXIT) {
		run->hw_exit[0] = vmx->exit_reason;
		run->hw_exit[1] = vmx->exit_qual;
		run->hw_exit[2] = 0;
		run->hw_exit[3] = 0;
	}
	return ret;
}

static void vmx_vcpu_complete(struct axvcpu_vcpu *vcpu,
			      const struct axvcpu_run *run, bool fault)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (fault && x86_pending_can_fault(&vmx->x86)) {
		vmx->st.rip = vmx->x86.pending.insn_rip;
		vmx->x86.pending.reason = AXVCPU_EXIT_NOTHING;
		vmx_inject_exception(vmx, X86_TRAP_GP, true, 0);
		return;
	}
	x86_complete(&vmx->x86, run);
}

static void vmx_vcpu_get_regs(struct axvcpu_vcpu *vcpu,
			      struct axvcpu_regs *regs)
{
	vmx_vendor_get_regs(&to_vmx(vcpu)->x86, &regs->x86);
}

static int vmx_vcpu_set_regs(struct axvcpu_vcpu *vcpu,
			     const struct axvcpu_regs *regs)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	const struct axvcpu_x86_regs *r = &regs->x86;

	if (memchr_inv(r->reserved, 0, sizeof(r->reserved)) || r->gdt.pad ||
	    r->idt.pad || !x86_segs_valid(r) || !x86_efer_valid(r->efer) ||
	    r->cr8 > 15 || !x86_long_mode_state_ok(r->efer, r->cr0, r->cr4) ||
	    !x86_tr_valid(r->tr.attrib, r->efer))
		return -EINVAL;
	memcpy(vmx->x86.gprs, r->gprs, sizeof(vmx->x86.gprs));
	vmx->st = *r;
	vmx->event = 0;
	vmx->intr_state = 0;
	vmx->x86.nmi_masked = false;
	vmx->x86.nmi_after_iret = false;
	/* new paging registers: the VPID's translations go (vmx_set_ctl()) */
	vmx->tlb_gen = -1;
	return 0;
}

static bool vmx_vcpu_has_interrupt(struct axvcpu_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	return x86_has_interrupt(&vmx->x86) ||
	       test_bit(0, &vmx->x86.nmi_pending);
}

static struct axvcpu_arch_ops vmx_ops = {
	.name = "x86 Intel VMX",
	.arch = AXVCPU_ARCH_X86_VMX,
	.features = AXVCPU_FEATURE_READONLY_MEM |
		    AXVCPU_FEATURE_EXIT_ON_HOST_INTR |
		    AXVCPU_FEATURE_HALT_IN_KERNEL |
		    AXVCPU_FEATURE_IMMEDIATE_EXIT |
		    AXVCPU_FEATURE_SYSREG_FAULT |
		    AXVCPU_FEATURE_INJECT_NMI |
		    AXVCPU_FEATURE_INJECT_EXCEPTION |
		    AXVCPU_FEATURE_CPUID,
	.hardware_enable = vmx_hardware_enable,
	.hardware_disable = vmx_hardware_disable,
	.vm_init = vmx_vm_init,
	.vm_destroy = vmx_vm_destroy,
	.map_page = vmx_map_page,
	.map_block = vmx_map_block,
	.unmap_page = vmx_unmap_page,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_destroy = vmx_vcpu_destroy,
	.vcpu_check_setup = x86_vcpu_check_setup,
	.vcpu_set_entry = x86_vcpu_set_entry,
	.vcpu_set_ept_root = vmx_vcpu_set_ept_root,
	.vcpu_setup = vmx_vcpu_setup,
	.vcpu_bind = vmx_vcpu_bind,
	.vcpu_unbind = vmx_vcpu_unbind,
	.vcpu_run = vmx_vcpu_run,
	.vcpu_run_end = x86_vcpu_run_end,
	.vcpu_complete = vmx_vcpu_complete,
	.vcpu_set_gpr = x86_vcpu_set_gpr,
	.vcpu_get_gpr = x86_vcpu_get_gpr,
	.vcpu_set_return_value = x86_vcpu_set_return_value,
	.vcpu_get_regs = vmx_vcpu_get_regs,
	.vcpu_set_regs = vmx_vcpu_set_regs,
	.vcpu_inject_interrupt = x86_vcpu_inject_interrupt,
	.vcpu_inject_nmi = x86_vcpu_inject_nmi,
	.vcpu_inject_exception = x86_vcpu_inject_exception,
	.get_supported_cpuid = x86_get_supported_cpuid,
	.vcpu_set_cpuid = x86_vcpu_set_cpuid,
	.vcpu_get_fpu = x86_vcpu_get_fpu,
	.vcpu_set_fpu = x86_vcpu_set_fpu,
	.vcpu_has_interrupt = vmx_vcpu_has_interrupt,
	.vcpu_get_sysreg = x86_vcpu_get_sysreg,
	.vcpu_set_sysreg = x86_vcpu_set_sysreg,
	.vcpu_get_events = vmx_get_events,
	.vcpu_set_events = vmx_set_events,
};

/**
 * vmx_probe() - the VMX backend, if this CPU can run it
 *
 * Needs VMX with EPT (4 levels, write-back) and unrestricted guests, as
 * every VMX CPU since 2010 has. Logs one line saying which, or why not.
 *
 * Return: the ops, or NULL.
 */
const struct axvcpu_arch_ops *vmx_probe(void)
{
	int ret = vmx_read_caps();
	unsigned int i;

	if (ret) {
		pr_info("axvcpu: Intel VMX without EPT and unrestricted guests is not supported\n");
		return NULL;
	}
	vmx_msr_bitmap = (void *)__get_free_page(GFP_KERNEL);
	if (!vmx_msr_bitmap || vmx_percpu_init()) {
		free_page((unsigned long)vmx_msr_bitmap);
		vmx_msr_bitmap = NULL;
		return NULL;
	}
	/* every other MSR access exits (x86_exit_rdwrmsr()) */
	memset(vmx_msr_bitmap, 0xff, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(vmx_passthrough_msrs); i++)
		vmx_pass_msr(vmx_passthrough_msrs[i]);
	pr_info("axvcpu: Intel VMX with EPT%s, unrestricted guests, VPID %s%s\n",
		vmx_caps.ept_1g ? " (1 GiB pages)" : "",
		vmx_caps.vpid ? "yes" : "no",
		vmx_caps.tick ? ", preemption timer tick" : "");
	vmx_ops.fpu_state_size = x86_fpu_state_size();
	vmx_ops.block_orders = BIT(PMD_SHIFT - PAGE_SHIFT) |
			       (vmx_caps.ept_1g ? BIT(PUD_SHIFT - PAGE_SHIFT) : 0);
	vmx_ops.guest_phys_bits = min_t(u32, boot_cpu_data.x86_phys_bits, 48);
	vmx_ops.sysreg_ids = x86_sysreg_ids(&vmx_ops.nr_sysreg_ids);
	x86_vendor = &vmx_vendor_ops;
	return &vmx_ops;
}

/**
 * vmx_unprobe() - free what vmx_probe() allocated (module exit)
 */
void vmx_unprobe(void)
{
	vmx_percpu_exit();
	ida_destroy(&vmx_vpids);
	free_page((unsigned long)vmx_msr_bitmap);
	vmx_msr_bitmap = NULL;
}
