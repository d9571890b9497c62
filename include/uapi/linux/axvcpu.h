/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * axvcpu: hardware virtual CPUs for user-space VMMs.
 *
 * This is the whole user-space ABI of /dev/axvcpu. The reference is
 * Documentation/api.rst; every struct here is fixed-size with explicit
 * padding, and every flags or reserved field must be zero unless a bit is
 * defined for it (else -EINVAL).
 */
#ifndef _UAPI_LINUX_AXVCPU_H
#define _UAPI_LINUX_AXVCPU_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define AXVCPU_API_VERSION		2

/* Backends, as reported in axvcpu_info.arch. */
#define AXVCPU_ARCH_NONE		0	/* no usable hardware: see dmesg */
#define AXVCPU_ARCH_X86_VMX		1
#define AXVCPU_ARCH_X86_SVM		2
#define AXVCPU_ARCH_ARM64_NVHE		3
#define AXVCPU_ARCH_RISCV_H		4

/* axvcpu_info.flags: optional features this module and backend offer. */
#define AXVCPU_FEATURE_READONLY_MEM	(1U << 0)
#define AXVCPU_FEATURE_EXIT_ON_HOST_INTR (1U << 1)
#define AXVCPU_FEATURE_HALT_IN_KERNEL	(1U << 2)
#define AXVCPU_FEATURE_IMMEDIATE_EXIT	(1U << 3)
#define AXVCPU_FEATURE_SYSREG_FAULT	(1U << 4)	/* axvcpu_run.complete_fault */
#define AXVCPU_FEATURE_INJECT_NMI	(1U << 5)	/* AXVCPU_INTERRUPT_NMI */
#define AXVCPU_FEATURE_INJECT_EXCEPTION	(1U << 6)	/* AXVCPU_INJECT_EXCEPTION */
#define AXVCPU_FEATURE_IRQ_LINES	(1U << 7)	/* AXVCPU_SET_IRQ_LINE */
#define AXVCPU_FEATURE_CPUID		(1U << 8)	/* AXVCPU_SET_CPUID */

/**
 * struct axvcpu_info - what AXVCPU_GET_INFO reports about the module
 * @arch: one of AXVCPU_ARCH_*
 * @flags: AXVCPU_FEATURE_* bits
 * @run_mmap_size: bytes to mmap() on a vCPU fd for struct axvcpu_run
 * @max_vcpus: vCPUs per VM (vcpu_id is below this)
 * @max_memory_regions: memory slots per VM (slot is below this)
 * @guest_phys_bits: guest physical addresses are below 1 << guest_phys_bits
 * @nr_exit_reasons: number of AXVCPU_EXIT_* values
 * @api_version: AXVCPU_API_VERSION
 * @fpu_state_size: bytes of a vCPU's FP/vector state (AXVCPU_GET_FPU)
 * @pad: zero
 * @reserved: zero
 */
struct axvcpu_info {
	__u32 arch;
	__u32 flags;
	__u32 run_mmap_size;
	__u32 max_vcpus;
	__u32 max_memory_regions;
	__u32 guest_phys_bits;
	__u32 nr_exit_reasons;
	__u32 api_version;
	__u32 fpu_state_size;
	__u32 pad;
	__u64 reserved[7];
};

/* axvcpu_create_vcpu.flags */
#define AXVCPU_VCPU_EXIT_ON_HOST_INTR	(1U << 0)
#define AXVCPU_VCPU_HALT_IN_KERNEL	(1U << 1)

/**
 * struct axvcpu_create_vcpu - argument of AXVCPU_CREATE_VCPU
 * @vm_fd: the VM the vCPU belongs to
 * @vcpu_id: unique within the VM, below axvcpu_info.max_vcpus
 * @favor_phys_cpu: the physical CPU BIND prefers
 * @flags: AXVCPU_VCPU_* bits
 * @allowed_cpus: user pointer to a CPU bitmap (bit n = CPU n, in __u64
 *	words, little-endian bit order as the kernel's cpumask), or 0 for
 *	every CPU
 * @allowed_cpus_size: size in bytes of that bitmap, a multiple of 8 (0 when
 *	@allowed_cpus is 0)
 * @pad: zero
 * @arch: architecture-specific creation config, zero for now
 * @reserved: zero
 */
struct axvcpu_create_vcpu {
	__u32 vm_fd;
	__u32 vcpu_id;
	__u32 favor_phys_cpu;
	__u32 flags;
	__u64 allowed_cpus;
	__u32 allowed_cpus_size;
	__u32 pad;
	__u64 arch[4];
	__u64 reserved[4];
};

/* axvcpu_memory_region.flags */
#define AXVCPU_MEM_READONLY		(1U << 0)

/**
 * struct axvcpu_memory_region - argument of AXVCPU_SET_MEMORY_REGION
 * @slot: slot number, below axvcpu_info.max_memory_regions
 * @flags: AXVCPU_MEM_* bits
 * @guest_phys_addr: first guest physical address, page aligned
 * @memory_size: bytes, page aligned; 0 deletes the slot
 * @userspace_addr: page-aligned address of the backing memory in the
 *	caller's address space
 */
struct axvcpu_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
};

/* x86 setup modes (axvcpu_setup.arch.x86.mode) */
#define AXVCPU_X86_MODE_FLAT32		0	/* CR0.PE=1, paging off, flat segments */
#define AXVCPU_X86_MODE_REAL		1	/* real mode, CS:IP = entry >> 4 : entry & 0xf */

/**
 * struct axvcpu_setup - argument of AXVCPU_SETUP
 * @entry: guest physical address of the vCPU's first instruction
 * @flags: zero
 * @pad: zero
 * @arch: architecture-specific set-up; x86: @arch.x86.mode is an
 *	AXVCPU_X86_MODE_* value
 */
struct axvcpu_setup {
	__u64 entry;
	__u32 flags;
	__u32 pad;
	union {
		struct {
			__u32 mode;
			__u32 pad;
		} x86;
		__u64 pad[8];
	} arch;
};

/**
 * struct axvcpu_gpr - argument of AXVCPU_SET_GPR and AXVCPU_GET_GPR
 * @reg: register number in the architecture's numbering (x86: 0..15 =
 *	RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15)
 * @pad: zero
 * @value: the value written, or read back
 */
struct axvcpu_gpr {
	__u32 reg;
	__u32 pad;
	__u64 value;
};

/* axvcpu_interrupt.flags */
#define AXVCPU_INTERRUPT_NMI		(1U << 0)	/* x86: an NMI; vector 0 */

/**
 * struct axvcpu_interrupt - argument of AXVCPU_INJECT_INTERRUPT
 * @vector: interrupt vector (x86: 32..255; 0 with AXVCPU_INTERRUPT_NMI)
 * @flags: AXVCPU_INTERRUPT_* bits
 */
struct axvcpu_interrupt {
	__u32 vector;
	__u32 flags;
};

/* axvcpu_irq_line.line: the guest's interrupt inputs (arm64, riscv64) */
#define AXVCPU_ARM64_IRQ_LINE_IRQ	0	/* HCR_EL2.VI */
#define AXVCPU_ARM64_IRQ_LINE_FIQ	1	/* HCR_EL2.VF */
#define AXVCPU_RISCV_IRQ_LINE_VSSI	2	/* hvip.VSSIP */
#define AXVCPU_RISCV_IRQ_LINE_VSTI	6	/* hvip.VSTIP */
#define AXVCPU_RISCV_IRQ_LINE_VSEI	10	/* hvip.VSEIP */

/**
 * struct axvcpu_irq_line - argument of AXVCPU_SET_IRQ_LINE
 * @line: AXVCPU_ARM64_IRQ_LINE_* or AXVCPU_RISCV_IRQ_LINE_*
 * @level: 1 asserts the line, 0 deasserts it
 * @reserved: zero
 */
struct axvcpu_irq_line {
	__u32 line;
	__u32 level;
	__u64 reserved[2];
};

/* axvcpu_exception.flags */
#define AXVCPU_EXCEPTION_ERROR_CODE	(1U << 0)	/* push @error_code */

/**
 * struct axvcpu_exception - argument of AXVCPU_INJECT_EXCEPTION
 * @vector: x86: exception vector 0..31, not 2 (NMI) nor a reserved one
 * @flags: AXVCPU_EXCEPTION_* bits; ERROR_CODE exactly for the vectors that
 *	push one (8, 10-14, 17, 21, 29, 30)
 * @error_code: the error code pushed (with AXVCPU_EXCEPTION_ERROR_CODE)
 * @pad: zero
 * @fault_addr: x86 #PF (vector 14): the address put in CR2; else zero
 * @reserved: zero
 */
struct axvcpu_exception {
	__u32 vector;
	__u32 flags;
	__u32 error_code;
	__u32 pad;
	__u64 fault_addr;
	__u64 reserved[4];
};

/*
 * x86 register file. A segment's attrib holds the attribute bits of its
 * descriptor (bits 40-47 and 52-55 of it, packed: type:4 s:1 dpl:2 p:1
 * avl:1 l:1 db:1 g:1, bits 15:12 zero); P = 0 marks a segment VMX calls
 * unusable (a null selector loaded).
 */
struct axvcpu_x86_segment {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u16 attrib;
};

struct axvcpu_x86_dtable {
	__u64 base;
	__u32 limit;
	__u32 pad;
};

#define AXVCPU_X86_NR_GPRS		16

/* axvcpu_run.mmio.reg on x86: 0..15 as struct axvcpu_gpr, then these */
#define AXVCPU_X86_REG_AH		16
#define AXVCPU_X86_REG_CH		17
#define AXVCPU_X86_REG_DH		18
#define AXVCPU_X86_REG_BH		19
/* axvcpu_run.mmio.reg when the access has no register (a store of an immediate) */
#define AXVCPU_REG_NONE			0xffffffffU

/* axvcpu_run.fail_entry.hardware_entry_failure_reason values not from hardware */
#define AXVCPU_X86_FAIL_STRING_IO	0x100000001ULL	/* INS/OUTS are not emulated */
/* arm64: a data abort outside the regions without a syndrome (ESR_EL2.ISV 0) */
#define AXVCPU_ARM64_FAIL_MMIO_NO_ISV	0x200000001ULL
/* arm64: the guest took an SError (its ESR_EL2 in hw_exit[0]) */
#define AXVCPU_ARM64_FAIL_SERROR	0x200000002ULL

/**
 * struct axvcpu_x86_regs - the x86 register file of AXVCPU_GET/SET_REGS
 * @gprs: RAX..R15 in the numbering of struct axvcpu_gpr
 * @rip: instruction pointer
 * @rflags: flags
 * @cs: code segment, and the others below alike
 * @ds: data segment
 * @es: extra segment
 * @fs: FS
 * @gs: GS
 * @ss: stack segment
 * @tr: task register
 * @ldtr: local descriptor table register
 * @gdt: global descriptor table register
 * @idt: interrupt descriptor table register
 * @cr0: control register 0
 * @cr2: control register 2
 * @cr3: control register 3
 * @cr4: control register 4
 * @efer: extended feature enable register
 * @cr8: the task priority, 0..15 (added in API version 2)
 * @reserved: zero
 */
struct axvcpu_x86_regs {
	__u64 gprs[AXVCPU_X86_NR_GPRS];
	__u64 rip;
	__u64 rflags;
	struct axvcpu_x86_segment cs, ds, es, fs, gs, ss, tr, ldtr;
	struct axvcpu_x86_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, efer;
	__u64 cr8;
	__u64 reserved[15];
};

/**
 * struct axvcpu_arm64_regs - the arm64 core registers of AXVCPU_GET/SET_REGS
 * @x: X0..X30
 * @sp_el0: SP_EL0
 * @sp_el1: SP_EL1
 * @pc: the guest's PC (ELR_EL2 while it is out)
 * @pstate: the guest's PSTATE, in SPSR_EL2's layout
 * @elr_el1: ELR_EL1
 * @spsr_el1: SPSR_EL1
 * @reserved: zero
 *
 * The other EL1 system registers are AXVCPU_SYSREG_ARM64 ids, V0-V31,
 * FPSR and FPCR struct axvcpu_arm64_fpu.
 */
struct axvcpu_arm64_regs {
	__u64 x[31];
	__u64 sp_el0;
	__u64 sp_el1;
	__u64 pc;
	__u64 pstate;
	__u64 elr_el1;
	__u64 spsr_el1;
	__u64 reserved[16];
};

/* axvcpu_riscv64_regs.mode */
#define AXVCPU_RISCV_MODE_VU		0	/* VU-mode (V=1, U) */
#define AXVCPU_RISCV_MODE_VS		1	/* VS-mode (V=1, S) */

/**
 * struct axvcpu_riscv64_regs - the riscv64 registers of AXVCPU_GET/SET_REGS
 * @x: x0..x31 (x0 reads 0 and is ignored by SET_REGS)
 * @pc: the guest's pc (sepc while it is out)
 * @mode: AXVCPU_RISCV_MODE_*: the privilege the guest runs at
 * @vsstatus: the VS-mode CSRs, the guest's sstatus..satp
 * @vsie: see @vsstatus
 * @vstvec: see @vsstatus
 * @vsscratch: see @vsstatus
 * @vsepc: see @vsstatus
 * @vscause: see @vsstatus
 * @vstval: see @vsstatus
 * @vsip: see @vsstatus
 * @vsatp: see @vsstatus
 * @reserved: zero
 *
 * Other CSRs (henvcfg, vstimecmp, ...) are AXVCPU_SYSREG_RISCV_CSR ids,
 * f0-f31 and fcsr struct axvcpu_riscv64_fpu.
 */
struct axvcpu_riscv64_regs {
	__u64 x[32];
	__u64 pc;
	__u64 mode;
	__u64 vsstatus;
	__u64 vsie;
	__u64 vstvec;
	__u64 vsscratch;
	__u64 vsepc;
	__u64 vscause;
	__u64 vstval;
	__u64 vsip;
	__u64 vsatp;
	__u64 reserved[16];
};

/**
 * struct axvcpu_regs - argument of AXVCPU_GET_REGS and AXVCPU_SET_REGS
 * @arch: AXVCPU_ARCH_* of the register file (filled by GET_REGS; SET_REGS
 *	requires the backend's value, which says which member is used)
 * @flags: zero
 * @x86: the x86 register file (VMX and SVM)
 * @arm64: the arm64 core registers
 * @riscv64: the riscv64 registers
 * @pad: sizes the union
 */
struct axvcpu_regs {
	__u32 arch;
	__u32 flags;
	union {
		struct axvcpu_x86_regs x86;
		struct axvcpu_arm64_regs arm64;
		struct axvcpu_riscv64_regs riscv64;
		__u64 pad[128];
	};
};

/**
 * struct axvcpu_vcpu_info - what AXVCPU_GET_VCPU_INFO reports
 * @vm_id: the VM's id (unique while the module is loaded)
 * @vcpu_id: the vCPU's id within its VM
 * @favor_phys_cpu: the favoured physical CPU
 * @bound_cpu: the physical CPU the vCPU is bound to, -1 when not bound
 * @is_bsp: 1 for vCPU 0 (the bootstrap processor), else 0
 * @state: the current enum axvcpu_state
 * @flags: the AXVCPU_VCPU_* creation flags
 * @allowed_cpus_size: in: bytes at @allowed_cpus (0: do not copy the set);
 *	out: bytes the full set needs
 * @allowed_cpus: user pointer where the allowed CPU bitmap is copied
 * @reserved: zero
 */
struct axvcpu_vcpu_info {
	__u32 vm_id;
	__u32 vcpu_id;
	__u32 favor_phys_cpu;
	__s32 bound_cpu;
	__u32 is_bsp;
	__u32 state;
	__u32 flags;
	__u32 allowed_cpus_size;
	__u64 allowed_cpus;
	__u64 reserved[4];
};

/*
 * System register ids (struct axvcpu_sysreg.id): a class in bits 63:56,
 * the architecture's own number below it.
 */
#define AXVCPU_SYSREG_CLASS_MASK	(0xffULL << 56)
#define AXVCPU_SYSREG_X86_MSR		(0x01ULL << 56)	/* | MSR index, bits 31:0 */
#define AXVCPU_SYSREG_X86_XCR		(0x02ULL << 56)	/* | XCR index, bits 31:0 */
#define AXVCPU_SYSREG_X86_DR		(0x03ULL << 56)	/* | 0-3, 6, 7: DR0-DR3, DR6, DR7 */
#define AXVCPU_SYSREG_ARM64		(0x10ULL << 56)	/* | the encoding below */
#define AXVCPU_SYSREG_RISCV_CSR		(0x20ULL << 56)	/* | CSR number, bits 11:0 */
/*
 * arm64: op0, op1, CRn, CRm, op2 of an MRS/MSR, packed as bits 20:5 of the
 * instruction encode them (Arm ARM C6.2, MRS); the SYSREG exit's addr
 * uses the same packing.
 */
#define AXVCPU_SYSREG_ARM64_ENC(op0, op1, crn, crm, op2)		\
	((((__u64)(op0) & 3) << 14) | (((__u64)(op1) & 7) << 11) |	\
	 (((__u64)(crn) & 15) << 7) | (((__u64)(crm) & 15) << 3) |	\
	 ((__u64)(op2) & 7))

/**
 * struct axvcpu_sysreg - argument of AXVCPU_GET_SYSREG and AXVCPU_SET_SYSREG
 * @id: AXVCPU_SYSREG_* class | number
 * @value: the value written, or read back
 * @flags: zero
 * @pad: zero
 */
struct axvcpu_sysreg {
	__u64 id;
	__u64 value;
	__u32 flags;
	__u32 pad;
};

/**
 * struct axvcpu_sysreg_list - argument of AXVCPU_GET_SYSREG_LIST
 * @nr: in: room at @ids (entries); out: the number of ids the backend has
 * @pad: zero
 * @ids: user pointer to an array of __u64 ids
 */
struct axvcpu_sysreg_list {
	__u32 nr;
	__u32 pad;
	__u64 ids;
};

/**
 * struct axvcpu_fpu - argument of AXVCPU_GET_FPU and AXVCPU_SET_FPU
 * @arch: AXVCPU_ARCH_* of the state (filled by GET_FPU; SET_FPU requires
 *	the backend's value)
 * @flags: zero
 * @size: in: bytes at @addr; out (GET_FPU): bytes of the state
 * @pad: zero
 * @addr: user pointer to the state: x86, an XSAVE area in the standard
 *	(non-compacted) format for the XCR0 guests run with (FXSAVE's 512
 *	bytes without XSAVE); arm64, struct axvcpu_arm64_fpu; riscv64,
 *	struct axvcpu_riscv64_fpu
 * @reserved: zero
 */
struct axvcpu_fpu {
	__u32 arch;
	__u32 flags;
	__u32 size;
	__u32 pad;
	__u64 addr;
	__u64 reserved[4];
};

/* The FP/vector state of an arm64 vCPU (AXVCPU_GET_FPU's buffer). */
struct axvcpu_arm64_fpu {
	__u64 v[32][2];		/* V0..V31, 128 bits each, low half first */
	__u32 fpsr;
	__u32 fpcr;
	__u64 reserved[7];
};

/* The FP state of a riscv64 vCPU (AXVCPU_GET_FPU's buffer, F and D). */
struct axvcpu_riscv64_fpu {
	__u64 f[32];
	__u32 fcsr;
	__u32 pad;
	__u64 reserved[7];
};

/* axvcpu_x86_events.injected_type: the interruption types of SDM vol. 3, 25.8.3 */
#define AXVCPU_X86_EVENT_INTR		0	/* external interrupt */
#define AXVCPU_X86_EVENT_NMI		2
#define AXVCPU_X86_EVENT_EXCEPTION	3	/* hardware exception */
#define AXVCPU_X86_EVENT_SOFT_INTR	4	/* INT n */

/**
 * struct axvcpu_x86_events - an x86 vCPU's events in flight
 * @interrupt_shadow: 1 after STI or MOV SS: no interrupt before the next
 *	instruction
 * @nmi_pending: an NMI injected (AXVCPU_INTERRUPT_NMI), not delivered yet
 * @nmi_masked: an NMI was delivered and its handler has not run IRET
 * @exception_pending: the exception AXVCPU_INJECT_EXCEPTION queued, not
 *	delivered yet: @exception_vector, @exception_has_error_code,
 *	@exception_error_code, @exception_fault_addr
 * @exception_vector: see @exception_pending
 * @exception_has_error_code: see @exception_pending
 * @injected_valid: an event whose delivery an exit interrupted, delivered
 *	again on the next entry: @injected_type (AXVCPU_X86_EVENT_*),
 *	@injected_vector, @injected_has_error_code, @injected_error_code
 * @injected_type: see @injected_valid
 * @injected_vector: see @injected_valid
 * @injected_has_error_code: see @injected_valid
 * @pad: zero
 * @exception_error_code: see @exception_pending
 * @injected_error_code: see @injected_valid
 * @exception_fault_addr: see @exception_pending
 * @pending_irqs: vectors AXVCPU_INJECT_INTERRUPT queued and the guest has
 *	not taken yet, bit n of word n / 64 for vector n
 * @reserved: zero
 */
struct axvcpu_x86_events {
	__u8 interrupt_shadow;
	__u8 nmi_pending;
	__u8 nmi_masked;
	__u8 exception_pending;
	__u8 exception_vector;
	__u8 exception_has_error_code;
	__u8 injected_valid;
	__u8 injected_type;
	__u8 injected_vector;
	__u8 injected_has_error_code;
	__u8 pad[6];
	__u32 exception_error_code;
	__u32 injected_error_code;
	__u64 exception_fault_addr;
	__u64 pending_irqs[4];
	__u64 reserved[8];
};

/**
 * struct axvcpu_events - argument of AXVCPU_GET_EVENTS and AXVCPU_SET_EVENTS
 * @arch: AXVCPU_ARCH_* (filled by GET_EVENTS; SET_EVENTS requires the
 *	backend's value)
 * @flags: zero
 * @x86: x86 (VMX and SVM)
 * @pad: sizes the union
 */
struct axvcpu_events {
	__u32 arch;
	__u32 flags;
	union {
		struct axvcpu_x86_events x86;
		__u64 pad[32];
	};
};

/* x86 CPUID (AXVCPU_SET_CPUID, AXVCPU_GET_SUPPORTED_CPUID) */
#define AXVCPU_MAX_CPUID_ENTRIES	256
/* axvcpu_cpuid_entry.flags: the entry is for subleaf @index only */
#define AXVCPU_CPUID_SIGNIFICANT_INDEX	(1U << 0)

/**
 * struct axvcpu_cpuid_entry - what CPUID returns for one leaf (and subleaf)
 * @function: the leaf (EAX)
 * @index: the subleaf (ECX), with AXVCPU_CPUID_SIGNIFICANT_INDEX
 * @flags: AXVCPU_CPUID_* bits
 * @eax: EAX returned
 * @ebx: EBX returned
 * @ecx: ECX returned
 * @edx: EDX returned
 * @pad: zero
 */
struct axvcpu_cpuid_entry {
	__u32 function;
	__u32 index;
	__u32 flags;
	__u32 eax;
	__u32 ebx;
	__u32 ecx;
	__u32 edx;
	__u32 pad;
};

/**
 * struct axvcpu_cpuid - argument of AXVCPU_SET_CPUID and
 *	AXVCPU_GET_SUPPORTED_CPUID
 * @nent: entries at @entries (SET); in: room, out: count (GET_SUPPORTED)
 * @flags: zero
 * @entries: user pointer to an array of struct axvcpu_cpuid_entry
 */
struct axvcpu_cpuid {
	__u32 nent;
	__u32 flags;
	__u64 entries;
};

/* enum axvcpu_state: the seed's values */
enum axvcpu_state {
	AXVCPU_STATE_INVALID = 0,
	AXVCPU_STATE_CREATED = 1,
	AXVCPU_STATE_FREE = 2,
	AXVCPU_STATE_READY = 3,
	AXVCPU_STATE_RUNNING = 4,
	AXVCPU_STATE_BLOCKED = 5,
};

/* axvcpu_run.exit_reason: the seed's AxVCpuExitReason */
#define AXVCPU_EXIT_NOTHING		0
#define AXVCPU_EXIT_HYPERCALL		1
#define AXVCPU_EXIT_MMIO_READ		2
#define AXVCPU_EXIT_MMIO_WRITE		3
#define AXVCPU_EXIT_SYSREG_READ		4
#define AXVCPU_EXIT_SYSREG_WRITE	5
#define AXVCPU_EXIT_IO_READ		6
#define AXVCPU_EXIT_IO_WRITE		7
#define AXVCPU_EXIT_EXTERNAL_INTERRUPT	8
#define AXVCPU_EXIT_NESTED_PAGE_FAULT	9
#define AXVCPU_EXIT_HALT		10
#define AXVCPU_EXIT_CPU_UP		11
#define AXVCPU_EXIT_CPU_DOWN		12
#define AXVCPU_EXIT_SYSTEM_DOWN		13
#define AXVCPU_EXIT_FAIL_ENTRY		14
#define AXVCPU_EXIT_SEND_IPI		15
#define AXVCPU_NR_EXIT_REASONS		16

/* axvcpu_run.nested_page_fault.access */
#define AXVCPU_ACCESS_READ		(1U << 0)
#define AXVCPU_ACCESS_WRITE		(1U << 1)
#define AXVCPU_ACCESS_EXEC		(1U << 2)

/**
 * struct axvcpu_run - the mmap()ed run struct of a vCPU
 * @immediate_exit: set by user space: the next RUN returns -EINTR at once
 * @complete_fault: set to 1 by user space after a SYSREG_READ or
 *	SYSREG_WRITE exit: the access faults in the guest (x86 #GP(0), arm64
 *	UNDEF, riscv64 illegal instruction) instead of completing; the
 *	kernel sets it back to 0 when it has done so
 * @pad: zero
 * @exit_reason: AXVCPU_EXIT_* of the last RUN
 * @flags: zero
 * @hypercall: AXVCPU_EXIT_HYPERCALL: @hypercall.nr, .func and .args are
 *	the call (per architecture: Documentation/api.rst); @hypercall.ret
 *	and .ret_extra go to the guest's return registers on the next RUN
 * @mmio: AXVCPU_EXIT_MMIO_READ / _MMIO_WRITE; for a read, user space puts
 *	the value in @mmio.data and the next RUN writes it to @mmio.reg
 * @sysreg: AXVCPU_EXIT_SYSREG_READ / _SYSREG_WRITE
 * @io: AXVCPU_EXIT_IO_READ / _IO_WRITE (x86 port I/O)
 * @external_interrupt: AXVCPU_EXIT_EXTERNAL_INTERRUPT
 * @nested_page_fault: AXVCPU_EXIT_NESTED_PAGE_FAULT
 * @cpu_up: AXVCPU_EXIT_CPU_UP
 * @cpu_down: AXVCPU_EXIT_CPU_DOWN
 * @fail_entry: AXVCPU_EXIT_FAIL_ENTRY
 * @send_ipi: AXVCPU_EXIT_SEND_IPI
 * @padding: sizes the union
 * @hw_exit: the hardware's own account of the last exit, for debugging
 *	and for what the exit fields above leave out (x86 SVM: EXITCODE,
 *	EXITINFO1, EXITINFO2, EXITINTINFO; arm64: ESR_EL2, FAR_EL2, HPFAR_EL2,
 *	0; riscv64: scause, stval, htval, htinst)
 * @sync_valid: reserved for registers the kernel puts in @sync_regs at
 *	each exit; zero
 * @sync_dirty: reserved for registers user space changed in @sync_regs,
 *	loaded by the next RUN; must be zero (else RUN fails with EINVAL)
 * @sync_regs: reserved room for those registers
 */
struct axvcpu_run {
	__u8 immediate_exit;
	__u8 complete_fault;
	__u8 pad[2];
	__u32 exit_reason;
	__u64 flags;
	union {
		struct {
			__u64 nr;
			__u64 args[6];
			__u64 ret;
			__u64 ret_extra[3];
			__u64 func;
		} hypercall;
		struct {
			__u64 addr;
			__u32 width;
			__u32 reg;
			__u32 reg_width;
			__u32 sign_ext;
			__u64 data;
		} mmio;
		struct {
			__u64 addr;
			__u32 reg;
			__u32 pad;
			__u64 value;
		} sysreg;
		struct {
			__u16 port;
			__u16 pad;
			__u32 width;
			__u64 data;
		} io;
		struct {
			__u64 vector;
		} external_interrupt;
		struct {
			__u64 addr;
			__u32 access;
			__u32 pad;
		} nested_page_fault;
		struct {
			__u64 target_cpu;
			__u64 entry_point;
			__u64 arg;
		} cpu_up;
		struct {
			__u64 state;
		} cpu_down;
		struct {
			__u64 hardware_entry_failure_reason;
		} fail_entry;
		struct {
			__u64 target_cpu;
			__u64 target_cpu_aux;
			__u8 send_to_all;
			__u8 send_to_self;
			__u8 pad[6];
			__u64 vector;
		} send_ipi;
		__u8 padding[256];
	};
	__u64 hw_exit[4];
	__u64 sync_valid;
	__u64 sync_dirty;
	__u8 sync_regs[2048];
};

#define AXVCPU_IO_MAGIC			0xA7

/* system fd */
#define AXVCPU_GET_API_VERSION		_IO(AXVCPU_IO_MAGIC, 0x00)
#define AXVCPU_GET_INFO			_IOR(AXVCPU_IO_MAGIC, 0x01, struct axvcpu_info)
#define AXVCPU_CREATE_VM		_IO(AXVCPU_IO_MAGIC, 0x02)
#define AXVCPU_CREATE_VCPU		_IOW(AXVCPU_IO_MAGIC, 0x03, struct axvcpu_create_vcpu)
#define AXVCPU_GET_SUPPORTED_CPUID	_IOWR(AXVCPU_IO_MAGIC, 0x04, struct axvcpu_cpuid)

/* VM fd */
#define AXVCPU_SET_MEMORY_REGION	_IOW(AXVCPU_IO_MAGIC, 0x10, struct axvcpu_memory_region)

/* vCPU fd */
#define AXVCPU_SETUP			_IOW(AXVCPU_IO_MAGIC, 0x20, struct axvcpu_setup)
#define AXVCPU_BIND			_IO(AXVCPU_IO_MAGIC, 0x21)
#define AXVCPU_UNBIND			_IO(AXVCPU_IO_MAGIC, 0x22)
#define AXVCPU_RUN			_IO(AXVCPU_IO_MAGIC, 0x23)
#define AXVCPU_GET_STATE		_IO(AXVCPU_IO_MAGIC, 0x24)
#define AXVCPU_SET_GPR			_IOW(AXVCPU_IO_MAGIC, 0x25, struct axvcpu_gpr)
#define AXVCPU_GET_GPR			_IOWR(AXVCPU_IO_MAGIC, 0x26, struct axvcpu_gpr)
#define AXVCPU_SET_RETURN_VALUE		_IOW(AXVCPU_IO_MAGIC, 0x27, __u64)
#define AXVCPU_INJECT_INTERRUPT		_IOW(AXVCPU_IO_MAGIC, 0x28, struct axvcpu_interrupt)
#define AXVCPU_GET_REGS			_IOR(AXVCPU_IO_MAGIC, 0x29, struct axvcpu_regs)
#define AXVCPU_SET_REGS			_IOW(AXVCPU_IO_MAGIC, 0x2a, struct axvcpu_regs)
#define AXVCPU_GET_VCPU_INFO		_IOWR(AXVCPU_IO_MAGIC, 0x2b, struct axvcpu_vcpu_info)
#define AXVCPU_INJECT_EXCEPTION		_IOW(AXVCPU_IO_MAGIC, 0x2c, struct axvcpu_exception)
#define AXVCPU_GET_SYSREG		_IOWR(AXVCPU_IO_MAGIC, 0x2d, struct axvcpu_sysreg)
#define AXVCPU_SET_SYSREG		_IOW(AXVCPU_IO_MAGIC, 0x2e, struct axvcpu_sysreg)
#define AXVCPU_GET_SYSREG_LIST		_IOWR(AXVCPU_IO_MAGIC, 0x2f, struct axvcpu_sysreg_list)
#define AXVCPU_GET_FPU			_IOWR(AXVCPU_IO_MAGIC, 0x30, struct axvcpu_fpu)
#define AXVCPU_SET_FPU			_IOW(AXVCPU_IO_MAGIC, 0x31, struct axvcpu_fpu)
#define AXVCPU_SET_IRQ_LINE		_IOW(AXVCPU_IO_MAGIC, 0x32, struct axvcpu_irq_line)
#define AXVCPU_SET_CPUID		_IOW(AXVCPU_IO_MAGIC, 0x33, struct axvcpu_cpuid)
#define AXVCPU_GET_EVENTS		_IOR(AXVCPU_IO_MAGIC, 0x34, struct axvcpu_events)
#define AXVCPU_SET_EVENTS		_IOW(AXVCPU_IO_MAGIC, 0x35, struct axvcpu_events)

#endif /* _UAPI_LINUX_AXVCPU_H */
