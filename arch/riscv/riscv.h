/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The riscv64 H-extension backend (HS mode runs the host, VS/VU mode the
 * guest; RISC-V Privileged Architecture, chapter 8 "Hypervisor Extension").
 *
 * Nothing here owns HS mode: KVM may use the same H CSRs between our
 * entries (it writes hedeleg, hideleg and hcounteren once per CPU and
 * hgatp at its vCPU loads), so every H CSR the guest needs is saved and
 * loaded around each entry and the host's value put back before
 * interrupts are enabled again (riscv_csr.c).
 */
#ifndef _AXVCPU_RISCV_H
#define _AXVCPU_RISCV_H

/* struct riscv_ctx offsets, for riscv_switch.S */
#define RISCV_CTX_HOST_RA	0
#define RISCV_CTX_HOST_SP	8
#define RISCV_CTX_HOST_GP	16
#define RISCV_CTX_HOST_TP	24
#define RISCV_CTX_HOST_S0	32
#define RISCV_CTX_HOST_SSTATUS	128
#define RISCV_CTX_HOST_HSTATUS	136
#define RISCV_CTX_HOST_SSCRATCH	144
#define RISCV_CTX_HOST_STVEC	152
#define RISCV_CTX_X0		160
#define RISCV_CTX_SEPC		416
#define RISCV_CTX_SSTATUS	424
#define RISCV_CTX_HSTATUS	432
#define RISCV_CTX_SCAUSE	440
#define RISCV_CTX_STVAL		448
#define RISCV_CTX_HTVAL		456
#define RISCV_CTX_HTINST	464

#ifndef __ASSEMBLY__

#include <linux/hrtimer.h>
#include <linux/preempt.h>
#include <linux/types.h>
#include <asm/csr.h>
#include "axvcpu_core.h"

/* hgatp.MODE values and the G-stage levels they walk (Priv. spec 8.2.18) */
#define RISCV_GPA_BITS_SV39X4	41
#define RISCV_GPA_BITS_SV48X4	50
#define RISCV_GPA_BITS_SV57X4	59

/*
 * The one VMID every axvcpu VM runs with: KVM never uses VMID 0 when the
 * hardware has VMID bits (its allocator restarts at 1), and with none it
 * flushes the whole G-stage TLB at each vCPU load; our own VMs are told
 * apart by flushing on this hart when another one ran (riscv_tlb.c).
 */
#define RISCV_AXVCPU_VMID	0

/*
 * The world-switch context, shared with riscv_switch.S (offsets checked by
 * BUILD_BUG_ON in riscv_vcpu.c, defined above). Host registers the C calling convention
 * preserves, the host CSRs the switch replaces, then the guest's.
 */
struct riscv_ctx {
	unsigned long host_ra, host_sp, host_gp, host_tp;
	unsigned long host_s[12];
	unsigned long host_sstatus, host_hstatus, host_sscratch, host_stvec;
	unsigned long x[32];		/* x[0] unused */
	unsigned long sepc;		/* the guest pc */
	unsigned long sstatus;		/* HS sstatus for the sret (SPP, FS) */
	unsigned long hstatus;		/* the guest's hstatus (SPV, SPVP, VTW) */
	unsigned long scause, stval, htval, htinst;
};

/* f0-f31 and fcsr, as riscv_fp_save()/riscv_fp_load() store them */
struct riscv_fp {
	u64 f[32];
	u32 fcsr;
};

/* The guest's CSRs kept while it is out (loaded at each entry). */
struct riscv_guest_csrs {
	unsigned long vsstatus, vsie, vstvec, vsscratch, vsepc, vscause;
	unsigned long vstval, vsatp;
	unsigned long henvcfg, htimedelta, vstimecmp, hcounteren, scounteren;
};

/* The interrupt lines as hvip bits (AXVCPU_RISCV_IRQ_LINE_* = bit). */
#define RISCV_LINES_MASK	(BIT(IRQ_VS_SOFT) | BIT(IRQ_VS_TIMER) | \
				 BIT(IRQ_VS_EXT))

/* What an exit left for the completion of the next RUN. */
struct riscv_pending {
	u32 reason;		/* AXVCPU_EXIT_* awaiting completion, or NOTHING */
	u32 reg;		/* destination GPR of a read, 0 for none */
	u32 width;		/* bytes of an MMIO read */
	bool sign_ext;
	unsigned long insn_pc;	/* the trapping instruction (for a fault) */
	unsigned long insn;	/* it, for a SYSREG fault's stval */
};

/* The hart's values of the CSRs the guest's replace while it is loaded. */
struct riscv_host_csrs {
	unsigned long hedeleg, hideleg, hcounteren, henvcfg, hgatp, hvip;
	unsigned long htimedelta, vstimecmp, scounteren, vsie;
};

struct riscv_vm {
	u64 *root;		/* 16 KiB x4 root table */
	unsigned int levels;
	u64 id;			/* unique for the module's life (riscv_tlb.c) */
};

struct riscv_vcpu {
	struct axvcpu_vcpu *vcpu;
	struct riscv_ctx ctx;
	struct riscv_guest_csrs csr;
	struct riscv_fp fp;
	unsigned long hvip;		/* the lines, as the guest last saw them */
	unsigned long lines;		/* AXVCPU_SET_IRQ_LINE levels (atomic bitops) */
	unsigned long lines_changed;	/* lines set since the last entry */
	struct riscv_pending pending;
	u64 id;				/* unique for the module's life */
	int last_cpu;			/* the hart it last entered on */
	s64 tlb_gen;
	struct hrtimer wfi_timer;	/* the guest timer: wakes WFI, ends an entry */
	u32 mode;			/* AXVCPU_RISCV_MODE_* */
	bool fp_on;			/* the last entry ran with the FP state */
	int loaded_cpu;			/* the hart holding its CSRs, or -1 */
	bool csr_dirty;			/* rv->csr changed: write it at entry */
	struct riscv_host_csrs host;	/* the loaded hart's own values */
	struct preempt_notifier pn;	/* gives the hart back on preemption */
	bool pn_registered;
	unsigned long exit_insn;	/* the trapping instruction, or 0 */
};

static inline struct riscv_vcpu *to_rv(struct axvcpu_vcpu *vcpu)
{
	return vcpu->arch;
}

static inline struct riscv_vm *to_rv_vm(struct axvcpu_vm *vm)
{
	return vm->arch;
}

/* riscv_switch.S */
unsigned long riscv_switch_to_guest(struct riscv_ctx *ctx);
void riscv_fp_save(struct riscv_fp *fp);
void riscv_fp_load(const struct riscv_fp *fp);
/* 0, or the scause of the trap the HLVX.HU at @pc took */
unsigned long riscv_read_guest_insn(unsigned long pc, unsigned long *insn);

/* riscv_gstage.c */
extern unsigned long riscv_hgatp_mode;
extern unsigned int riscv_gstage_levels;
int riscv_gstage_probe(void);
int riscv_vm_init(struct axvcpu_vm *vm);
void riscv_vm_destroy(struct axvcpu_vm *vm);
int riscv_map_page(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		   bool readonly);
/* 2 MiB and 1 GiB leaves, in every hgatp mode (Sv39x4 and wider) */
#define RISCV_GSTAGE_BLOCK_ORDERS	(BIT(9) | BIT(18))
int riscv_map_block(struct axvcpu_vm *vm, u64 gpa, struct page *page,
		    unsigned int order, bool readonly);
void riscv_unmap_page(struct axvcpu_vm *vm, u64 gpa);
unsigned long riscv_hgatp(const struct riscv_vm *rvm);

/* riscv_tlb.c */
u64 riscv_new_id(void);
extern bool riscv_flush_always;
void riscv_tlb_before_entry(struct riscv_vcpu *rv, struct riscv_vm *rvm,
			    s64 tlb_gen);

/* riscv_exit.c */
int riscv_handle_exit(struct riscv_vcpu *rv, struct axvcpu_run *run);
void riscv_redirect_trap(struct riscv_vcpu *rv, unsigned long cause,
			 unsigned long tval);
void riscv_complete(struct riscv_vcpu *rv, const struct axvcpu_run *run,
		    bool fault);

/* riscv_sbi.c */
int riscv_sbi_call(struct riscv_vcpu *rv, struct axvcpu_run *run);

/* riscv_vcpu.c */
extern bool riscv_has_sstc;
extern const struct axvcpu_arch_ops riscv_h_ops;
bool riscv_timer_pending(struct riscv_vcpu *rv);
void riscv_arm_wfi_timer(struct riscv_vcpu *rv);
void riscv_set_gpr(struct riscv_vcpu *rv, u32 reg, unsigned long value);

#endif /* __ASSEMBLY__ */
#endif /* _AXVCPU_RISCV_H */
