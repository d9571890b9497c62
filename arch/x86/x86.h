/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 layer shared by the VMX and SVM backends: the register file, the
 * instruction decoder, guest memory access through the guest's own paging,
 * port I/O, MSR and CPUID handling, and the completion of read exits.
 * Vendor files (svm*.c, later vmx*.c) answer only vendor questions.
 */
#ifndef _AXVCPU_ARCH_X86_H
#define _AXVCPU_ARCH_X86_H

#include <linux/bitmap.h>
#include <linux/types.h>
#include <asm/page.h>
#include <asm/fpu/types.h>
#include "../../axvcpu_core.h"

/* GPR numbering of struct axvcpu_gpr (the hardware's register encoding) */
enum x86_gpr {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};

/**
 * struct x86_pending_read - what the next RUN must complete
 * @reason: AXVCPU_EXIT_* of the exit returned, NOTHING when none
 * @reg: destination (x86 numbering, AXVCPU_X86_REG_AH..BH for high bytes)
 * @width: bytes the access read
 * @reg_width: bytes of the destination register written
 * @sign_ext: sign-extend from @width to @reg_width
 * @insn_rip: RIP of the RDMSR/WRMSR of a SYSREG exit, where a fault
 *	completion puts RIP back
 * @mmio_len: a split MMIO read (x86_mmio_split.c): the bytes user space
 *	answers, 0 when the read is not split
 * @mmio_off: their offset in the access
 * @ram_bytes: the bytes read from RAM, in their place in the access
 *
 * Kept in the kernel: the run struct is user-writable, so only the value
 * read is taken from it.
 */
struct x86_pending_read {
	u32 reason;
	u32 reg;
	u8 width;
	u8 reg_width;
	bool sign_ext;
	u64 insn_rip;
	u8 mmio_len;
	u8 mmio_off;
	u64 ram_bytes;
};

/**
 * struct x86_exception - an exception AXVCPU_INJECT_EXCEPTION queued
 * @pending: waiting for the next entry
 * @vector: 0..31
 * @has_error: push @error
 * @error: the error code
 * @cr2: #PF: the guest's CR2 when it is delivered
 */
struct x86_exception {
	bool pending;
	u8 vector;
	bool has_error;
	u32 error;
	u64 cr2;
};

/**
 * struct x86_vcpu - the vendor-independent part of an x86 vCPU
 * @gprs: guest GPRs, RAX..R15 (RSP and RAX are mirrored from the vendor's
 *	control block around each entry)
 * @pending_irqs: vectors injected and not yet handed to the hardware
 * @nmi_pending: bit 0: an NMI injected and not yet handed to the hardware
 *	(set from any thread)
 * @nmi_masked: an NMI was delivered and its handler has not reached IRET
 * @nmi_after_iret: the IRET that unmasks NMIs exited and has not run yet
 * @exception: the exception user space queued
 * @cpuid: the VMM's CPUID table (AXVCPU_SET_CPUID), NULL for the default
 * @cpuid_nent: its entries
 * @pending: the read exit awaiting completion
 * @gfpu: the guest's FPU state, in the kernel's container (x86_fpu.c)
 * @fpu_in: @gfpu is the task's FPU state (from the first entry of a RUN
 *	to its end)
 * @xcr0: the guest's XCR0
 * @pkru: the guest's PKRU (not in @gfpu)
 * @host_pkru: the VMM thread's PKRU during a RUN
 * @dr: guest DR0..DR3 (accesses are intercepted and emulated)
 * @dr6: guest DR6 (emulated, never loaded)
 * @dr7: guest DR7 (emulated, never loaded)
 * @insn_regs: x86_read_insn()'s view of the registers, here so that an
 *	exit allocates nothing
 * @vcpu: the core vCPU
 */
struct x86_vcpu {
	u64 gprs[AXVCPU_X86_NR_GPRS];
	DECLARE_BITMAP(pending_irqs, 256);
	unsigned long nmi_pending;
	bool nmi_masked;
	bool nmi_after_iret;
	struct x86_exception exception;
	struct axvcpu_cpuid_entry *cpuid;
	u32 cpuid_nent;
	struct x86_pending_read pending;
	struct fpu_guest gfpu;
	bool fpu_in;
	u64 xcr0;
	u32 pkru;
	u32 host_pkru;
	u64 tsc_aux;
	u64 dr[4];
	u64 dr6;
	u64 dr7;
	struct axvcpu_x86_regs insn_regs;
	struct axvcpu_vcpu *vcpu;
};

/* The vendor's state x86_insn_exit.c reads and writes through its ops. */
enum x86_ctl {
	X86_CTL_CR0,
	X86_CTL_CR3,
	X86_CTL_CR4,	/* set: the vendor drops the guest's TLB too */
	X86_CTL_TPR,	/* CR8 */
	X86_CTL_EFER,	/* as the guest sees it; set keeps the vendor's bits */
	X86_CTL_PAT,
	X86_CTL_CPL,	/* read only */
};

/**
 * struct x86_vendor_ops - what the shared exit handling asks a vendor
 * @get_regs: the guest's register file (for instruction fetch and decode)
 * @rip: the guest's RIP
 * @next_rip: the RIP after the intercepted instruction as the CPU gave
 *	it (SVM's next-RIP save, VMX's instruction length), 0 when unknown
 * @complete: the intercepted instruction is done: RIP becomes @next_rip
 *	and the interrupt shadow of a preceding STI or MOV SS ends
 * @inject_exception: raise @vector in the guest at the next entry
 * @get_ctl: read one enum x86_ctl value
 * @set_ctl: write one (validated by the caller)
 * @msr_slot: where the vCPU keeps one of the MSRs the guest accesses
 *	without exits (x86_sysreg.c lists them)
 * @fault_insn: the bytes of the instruction that caused a stage-2 fault
 *	as the CPU fetched them (SVM decode assists); NULL or -ENOENT: read
 *	from guest memory
 * @cpuid_hide: NULL, or clears from the default answer @r (EAX..EDX) of
 *	leaf @leaf, subleaf @sub the features whose instructions this
 *	vendor's controls, as set up, turn into #UD in the guest
 */
struct x86_vendor_ops {
	void (*get_regs)(struct x86_vcpu *xv, struct axvcpu_x86_regs *regs);
	u64 (*rip)(struct x86_vcpu *xv);
	u64 (*next_rip)(struct x86_vcpu *xv);
	void (*complete)(struct x86_vcpu *xv, u64 next_rip);
	void (*inject_exception)(struct x86_vcpu *xv, unsigned int vector,
				 bool has_error, u32 error);
	u64 (*get_ctl)(struct x86_vcpu *xv, enum x86_ctl ctl);
	void (*set_ctl)(struct x86_vcpu *xv, enum x86_ctl ctl, u64 value);
	u64 *(*msr_slot)(struct x86_vcpu *xv, u32 msr);
	int (*fault_insn)(struct x86_vcpu *xv, u8 *bytes, unsigned int *len);
	void (*cpuid_hide)(u32 leaf, u32 sub, u32 *r);
};

/* The running vendor's ops, set once when the backend is probed. */
extern const struct x86_vendor_ops *x86_vendor;

/* Guest execution mode, for decoding. */
enum x86_cpu_mode {
	X86_MODE_REAL,		/* also virtual-8086 */
	X86_MODE_PROT16,
	X86_MODE_PROT32,
	X86_MODE_LONG64,
};

/* struct x86_mem_operand.seg: the segment registers, SDM vol. 2 2.1.1 order */
enum x86_seg {
	X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS,
	X86_SEG_DEFAULT,
};

/**
 * struct x86_mem_operand - how an instruction addresses its memory operand
 * @addrsize: address size in bytes (2, 4, 8)
 * @seg: segment override prefix, X86_SEG_DEFAULT when none
 * @moffs: MOV with a moffs operand: @disp is the whole offset
 * @rip_rel: RIP-relative (64-bit mode, ModRM mod 0 r/m 5)
 * @mod: ModRM.mod
 * @rm: ModRM.rm, REX.B included (16-bit: the r/m of SDM table 2-1)
 * @has_sib: a SIB byte follows ModRM
 * @base: SIB base, REX.B included; -1 for none
 * @index: SIB index, REX.X included; -1 for none
 * @scale: SIB scale as a shift (0..3)
 * @disp: the displacement, sign-extended
 */
struct x86_mem_operand {
	u8 addrsize;
	u8 seg;
	bool moffs;
	bool rip_rel;
	u8 mod;
	u8 rm;
	bool has_sib;
	s8 base;
	s8 index;
	u8 scale;
	s64 disp;
};

/**
 * struct x86_insn - a decoded memory-access instruction (MMIO)
 * @len: instruction length in bytes
 * @is_write: stores to memory
 * @width: bytes accessed in memory
 * @reg: register operand (enum x86_gpr, AXVCPU_X86_REG_AH.. for high
 *	bytes), AXVCPU_REG_NONE for an immediate
 * @reg_width: bytes of the register written by a load
 * @sign_ext: a load that sign-extends (MOVSX)
 * @imm: the immediate stored
 * @mem: the memory operand's addressing
 */
struct x86_insn {
	u8 len;
	bool is_write;
	u8 width;
	u32 reg;
	u8 reg_width;
	bool sign_ext;
	u64 imm;
	struct x86_mem_operand mem;
};

/**
 * struct x86_split - an access that is part RAM, part MMIO
 * @ram_gpa: where its bytes in RAM are
 * @ram_off: their offset in the access
 * @ram_len: how many
 * @mmio_gpa: where its bytes outside any region are (the MMIO exit's addr)
 * @mmio_off: their offset in the access
 * @mmio_len: how many (the MMIO exit's width)
 */
struct x86_split {
	u64 ram_gpa;
	u8 ram_off;
	u8 ram_len;
	u64 mmio_gpa;
	u8 mmio_off;
	u8 mmio_len;
};

/* x86_mmio_split.c */
bool x86_mmio_split(struct axvcpu_vm *vm, const struct axvcpu_x86_regs *regs,
		    enum x86_cpu_mode mode, const struct x86_insn *insn,
		    u64 gpa, struct x86_split *split);

/* x86_decode.c */
int x86_decode_mmio(const u8 *bytes, unsigned int avail,
		    enum x86_cpu_mode mode, struct x86_insn *insn);
int x86_decode_mov_dr(const u8 *bytes, unsigned int avail,
		      enum x86_cpu_mode mode, u32 *gpr, u32 *dr, bool *to_dr,
		      u8 *len);

int x86_decode_mov_to_cr(const u8 *bytes, unsigned int avail,
			 enum x86_cpu_mode mode, u32 *gpr, u32 *cr, u8 *len);

/* x86_guest_mem.c */
int x86_fetch_insn(struct axvcpu_vm *vm, const struct axvcpu_x86_regs *regs,
		   u8 *buf, unsigned int *len);
enum x86_cpu_mode x86_cpu_mode(const struct axvcpu_x86_regs *regs);
int x86_gva_to_gpa(struct axvcpu_vm *vm, const struct axvcpu_x86_regs *regs,
		   u64 gva, u64 *gpa);

/* x86_exit.c */
u64 x86_read_reg(const struct x86_vcpu *xv, u32 reg, unsigned int width);
void x86_write_reg(struct x86_vcpu *xv, u32 reg, unsigned int width,
		   u64 value);
void x86_exit_io(struct x86_vcpu *xv, struct axvcpu_run *run, u16 port,
		 unsigned int width, bool in);
void x86_exit_hypercall(struct x86_vcpu *xv, struct axvcpu_run *run);
void x86_exit_msr(struct x86_vcpu *xv, struct axvcpu_run *run, bool write,
		  u64 insn_rip);
bool x86_pending_can_fault(const struct x86_vcpu *xv);
void x86_exit_mmio(struct x86_vcpu *xv, struct axvcpu_run *run, u64 gpa,
		   const struct x86_insn *insn, const struct x86_split *split);
void x86_complete(struct x86_vcpu *xv, const struct axvcpu_run *run);

bool x86_efer_valid(u64 efer);
bool x86_long_mode_state_ok(u64 efer, u64 cr0, u64 cr4);
bool x86_cr4_write_ok(u64 old, u64 cr4, u64 efer, u64 cr3);
bool x86_pat_valid(u64 pat);
bool x86_segs_valid(const struct axvcpu_x86_regs *regs);
bool x86_tr_valid(u16 attrib, u64 efer);
int x86_inject_interrupt(struct x86_vcpu *xv, u32 vector);
bool x86_exception_valid(u32 vector, bool has_error, u32 error, u64 fault_addr);
int x86_queue_exception(struct x86_vcpu *xv,
			const struct axvcpu_exception *exc);
int x86_next_interrupt(struct x86_vcpu *xv);
bool x86_has_interrupt(struct x86_vcpu *xv);
int x86_get_gpr(struct x86_vcpu *xv, u32 reg, u64 *value);
int x86_set_gpr(struct x86_vcpu *xv, u32 reg, u64 value);

/* x86_cpuid.c */
void x86_emulate_cpuid(struct x86_vcpu *xv, u64 cr4);
unsigned int x86_get_supported_cpuid(struct axvcpu_cpuid_entry *e);
int x86_set_cpuid(struct x86_vcpu *xv, const struct axvcpu_cpuid_entry *e,
		  u32 n);
void x86_cpuid_free(struct x86_vcpu *xv);

/* x86_fpu.c */
int x86_fpu_init(void);
u64 x86_tsc_aux_enter(struct x86_vcpu *xv);
void x86_tsc_aux_leave(struct x86_vcpu *xv, u64 host);
u64 x86_fpu_xcr0(void);
bool x86_fpu_xcr0_valid(u64 xcr0);
u32 x86_fpu_xstate_size(u64 xcr0);
u32 x86_fpu_state_size(void);
void x86_fpu_get(struct x86_vcpu *xv, void *buf);
int x86_fpu_set(struct x86_vcpu *xv, const void *buf);
int x86_fpu_alloc(struct x86_vcpu *xv);
void x86_fpu_free(struct x86_vcpu *xv);
void x86_fpu_run_begin(struct x86_vcpu *xv);
void x86_fpu_run_end(struct x86_vcpu *xv);
void x86_fpu_enter_guest(struct x86_vcpu *xv);
void x86_fpu_leave_guest(struct x86_vcpu *xv);

/* the ABI's packed segment attributes (struct axvcpu_x86_segment.attrib) */
#define X86_ATTR_CODE32		0xc9b	/* G, D, P, S, type 11 (exec/read, accessed) */
#define X86_ATTR_DATA32		0xc93	/* G, B, P, S, type 3 (read/write, accessed) */
#define X86_ATTR_CODE16		0x09b	/* P, S, type 11 */
#define X86_ATTR_DATA16		0x093	/* P, S, type 3 */
#define X86_ATTR_LDT		0x082	/* P, type 2 */
#define X86_ATTR_TSS32_BUSY	0x08b	/* P, type 11 (busy 32-bit TSS) */
#define X86_ATTR_TSS_BUSY	0x002	/* the busy bit of a TSS type */

/* x86_vcpu_ops.c: the ops both vendors' tables share */
void x86_reset_regs(struct axvcpu_x86_regs *r, u32 mode, u64 entry);
int x86_vcpu_check_setup(const struct axvcpu_setup *setup);
int x86_vcpu_set_entry(struct axvcpu_vcpu *vcpu, u64 entry);
void x86_vcpu_run_end(struct axvcpu_vcpu *vcpu);
int x86_vcpu_set_gpr(struct axvcpu_vcpu *vcpu, u32 reg, u64 value);
int x86_vcpu_get_gpr(struct axvcpu_vcpu *vcpu, u32 reg, u64 *value);
void x86_vcpu_set_return_value(struct axvcpu_vcpu *vcpu, u64 value);
int x86_vcpu_inject_interrupt(struct axvcpu_vcpu *vcpu, u32 vector);
int x86_vcpu_inject_nmi(struct axvcpu_vcpu *vcpu);
int x86_vcpu_inject_exception(struct axvcpu_vcpu *vcpu,
			      const struct axvcpu_exception *exc);
void x86_vcpu_get_fpu(struct axvcpu_vcpu *vcpu, void *buf);
int x86_vcpu_set_fpu(struct axvcpu_vcpu *vcpu, const void *buf);
bool x86_events_valid(const struct axvcpu_x86_events *e);
void x86_events_get_queued(struct x86_vcpu *xv, struct axvcpu_x86_events *e);
void x86_events_set_queued(struct x86_vcpu *xv,
			   const struct axvcpu_x86_events *e);
int x86_vcpu_get_sysreg(struct axvcpu_vcpu *vcpu, u64 id, u64 *value);
int x86_vcpu_set_sysreg(struct axvcpu_vcpu *vcpu, u64 id, u64 value);
const u64 *x86_sysreg_ids(unsigned int *nr);
int x86_vcpu_set_cpuid(struct axvcpu_vcpu *vcpu,
		       const struct axvcpu_cpuid_entry *e, u32 n);

/* x86_insn_exit.c: intercepted instructions, completed alike on both vendors */
void x86_machine_check(void);
int x86_read_insn(struct x86_vcpu *xv, u8 *bytes, unsigned int *len,
		  enum x86_cpu_mode *mode);
unsigned int x86_insn_len(struct x86_vcpu *xv, unsigned int opcode_len);
void x86_skip(struct x86_vcpu *xv, unsigned int len);
int x86_skip_insn(struct x86_vcpu *xv, unsigned int opcode_len);
int x86_exit_rdwrmsr(struct x86_vcpu *xv, struct axvcpu_run *run, bool write);
int x86_exit_mov_dr(struct x86_vcpu *xv);
int x86_exit_write_cr4(struct x86_vcpu *xv);
int x86_exit_write_cr8(struct x86_vcpu *xv);
int x86_exit_xsetbv(struct x86_vcpu *xv);
int x86_exit_stage2_fault(struct x86_vcpu *xv, struct axvcpu_run *run,
			  u64 gpa, u32 access, bool present, bool data);

/**
 * struct x86_s2_format - a vendor's stage-2 entries (x86_stage2.c)
 * @table: the entry that links a next-level table at @pa
 * @leaf: a leaf for the page(s) at @pa, without write permission if
 *	@readonly (the walker adds bit 7 above level 1)
 * @present: does the entry map or link anything?
 */
struct x86_s2_format {
	u64 (*table)(phys_addr_t pa);
	u64 (*leaf)(phys_addr_t pa, bool readonly);
	bool (*present)(u64 e);
};

/* x86_stage2.c: the stage-2 tree both vendors walk the same way */
struct x86_stage2;
struct x86_stage2 *x86_stage2_alloc(const struct x86_s2_format *fmt,
				    unsigned int levels);
void x86_stage2_free(struct x86_stage2 *s2);
int x86_stage2_map(struct x86_stage2 *s2, u64 gpa, phys_addr_t hpa,
		   unsigned int level, bool readonly);
void x86_stage2_unmap(struct x86_stage2 *s2, u64 gpa);
phys_addr_t x86_stage2_root(const struct x86_stage2 *s2);

/* The SVM backend (svm.c) */
const struct axvcpu_arch_ops *svm_probe(void);

#endif /* _AXVCPU_ARCH_X86_H */
