/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axvcpu core: the architecture-independent vCPU, VM and memory objects and
 * the one ops table through which the core drives a backend.
 *
 * The core (axvcpu_*.c) never includes an arch header; a backend
 * (arch/<arch>/) never sees a file descriptor. struct axvcpu_arch_ops is
 * the seam: the AxArchVCpu and AxArchPerCpu traits of the seed as C
 * function pointers.
 */
#ifndef _AXVCPU_CORE_H
#define _AXVCPU_CORE_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include "axvcpu_compat.h"
#include <uapi/linux/axvcpu.h>

#define AXVCPU_MAX_VCPUS		64
#define AXVCPU_MAX_MEMORY_REGIONS	32
/* Largest allowed-CPU bitmap accepted from user space, in bytes. */
#define AXVCPU_MAX_CPU_BITMAP		1024

struct axvcpu_vm;
struct axvcpu_vcpu;
struct dentry;

/**
 * struct axvcpu_memslot - one guest memory region
 * @gpa: first guest physical address
 * @npages: number of pages
 * @uaddr: user address the pages were pinned from
 * @flags: AXVCPU_MEM_* flags
 * @pages: the pinned pages, @npages of them
 */
struct axvcpu_memslot {
	u64 gpa;
	unsigned long npages;
	u64 uaddr;
	u32 flags;
	struct page **pages;
};

/**
 * struct axvcpu_vm - a guest physical address space and its vCPUs
 * @ref: references: the VM fd and each vCPU
 * @id: the VM's id, unique while the module is loaded
 * @mm: the creator's mm, charged for pinned pages (mmgrab()ed)
 * @slots_lock: serializes changes of @slots and of the stage-2 tables
 * @slots: memory regions, NULL when the slot is empty; read under RCU
 * @vcpus: vcpu_id -> struct axvcpu_vcpu (a value entry while the vCPU is
 *	being created): the -EEXIST check and axvcpu_vcpu_on_spin()'s walk
 * @tlb_gen: bumped when a stage-2 mapping is removed; a vCPU that sees a
 *	new value flushes its guest TLB before it enters the guest
 * @debugfs: its directory under /sys/kernel/debug/axvcpu (NULL or an
 *	error pointer without debugfs)
 * @arch: backend data (the stage-2 tables)
 */
struct axvcpu_vm {
	struct kref ref;
	u32 id;
	struct dentry *debugfs;
	struct mm_struct *mm;
	struct mutex slots_lock; /* see @slots_lock above */
	struct axvcpu_memslot __rcu *slots[AXVCPU_MAX_MEMORY_REGIONS];
	struct xarray vcpus;
	atomic64_t tlb_gen;
	void *arch;
};

/**
 * struct axvcpu_vcpu_stats - what a vCPU did (debugfs "stats", axvcpu_debugfs.c)
 * @runs: RUN calls that passed the state check
 * @entries: arch run steps, each entering the guest once at most
 * @exits_kernel: exits handled in the kernel, the guest entered again
 *	without a return to user space (host interrupts included)
 * @exits_user: exits returned to user space
 * @exits: those by AXVCPU_EXIT_* reason
 * @halt_waits: halts waited for in the kernel (AXVCPU_VCPU_HALT_IN_KERNEL)
 * @halt_wait_ns: the time spent in them, in nanoseconds
 * @signal_exits: RUN calls that ended with EINTR (a signal, immediate_exit)
 * @injections: interrupts, NMIs, line changes and exceptions the backend
 *	accepted (any thread)
 *
 * All but @injections are written by the bound thread alone, under the
 * vCPU lock; readers take them as they are.
 */
struct axvcpu_vcpu_stats {
	u64 runs;
	u64 entries;
	u64 exits_kernel;
	u64 exits_user;
	u64 exits[AXVCPU_NR_EXIT_REASONS];
	u64 halt_waits;
	u64 halt_wait_ns;
	u64 signal_exits;
	atomic64_t injections;
};

/**
 * struct axvcpu_vcpu - the architecture-independent vCPU (the seed's AxVCpu)
 * @vm: the VM, referenced
 * @vcpu_id: id within the VM
 * @favor_phys_cpu: preferred physical CPU
 * @flags: AXVCPU_VCPU_* creation flags
 * @allowed: physical CPUs the vCPU may be bound to
 * @state: enum axvcpu_state, written only by axvcpu_state.c
 * @lock: serializes the ioctls that touch the vCPU (the seed's per-vCPU
 *	exclusive access)
 * @bound_task: the thread that BIND bound, referenced; NULL when unbound
 * @bound_cpu: the physical CPU of the binding, -1 when unbound
 * @saved_affinity: the bound thread's affinity before BIND
 * @run: the mmap()ed run struct (one zeroed page)
 * @completion_pending: the last exit was returned to user space and its
 *	completion (a read's value) has not been applied yet
 * @last_exit: the AXVCPU_EXIT_* of that exit, as the backend reported it
 *	(the run struct's copy is user-writable)
 * @halted: the guest executed HLT and waits (HALT_IN_KERNEL) for an interrupt
 * @running_cpu: the CPU the vCPU is entering the guest on, -1 otherwise
 * @wq: where a BLOCKED vCPU waits
 * @pid: the thread that last bound the vCPU, for a spinning sibling's
 *	directed yield (axvcpu_vcpu_on_spin()); NULL before the first BIND
 * @spin_next: the vCPU id axvcpu_vcpu_on_spin() tries first next time
 * @rcu: the vCPU is freed after a grace period: axvcpu_vcpu_on_spin()
 *	walks its VM's vCPUs under RCU
 * @hw_exit: the hardware's code for the last exit, for the exit trace
 *	event (x86: the SVM EXITCODE or the VMX basic exit reason; arm64:
 *	ESR_EL2 for an exception, else the A64_EXIT_* class; riscv64:
 *	scause); set by the backend after each entry
 * @stats: counters for debugfs
 * @debugfs: its directory in the VM's (NULL or an error pointer)
 * @arch: backend vCPU (the seed's ArchVCpu)
 */
struct axvcpu_vcpu {
	struct axvcpu_vm *vm;
	u32 vcpu_id;
	u32 favor_phys_cpu;
	u32 flags;
	cpumask_var_t allowed;
	atomic_t state;
	struct mutex lock; /* see @lock above */
	struct task_struct *bound_task;
	int bound_cpu;
	cpumask_var_t saved_affinity;
	struct axvcpu_run *run;
	bool completion_pending;
	u32 last_exit;
	bool halted;
	int running_cpu;
	wait_queue_head_t wq;
	struct pid __rcu *pid;
	u32 spin_next;
	struct rcu_head rcu;
	u64 hw_exit;
	struct axvcpu_vcpu_stats stats;
	struct dentry *debugfs;
	void *arch;
};

/*
 * What an arch run step returns (besides a negative errno for an internal
 * error, which makes the vCPU INVALID).
 */
enum axvcpu_run_result {
	AXVCPU_RUN_REENTER = 0,	/* exit handled in the kernel: enter again */
	AXVCPU_RUN_EXIT = 1,	/* run->exit_reason and its payload are set */
	AXVCPU_RUN_BUSY = 2,	/* not entered: another hypervisor holds the */
				/* hardware on this CPU, or the host reboots */
				/* (axvcpu_hardware_stopped()); nothing changed */
};

/**
 * struct axvcpu_arch_ops - the backend (AxArchVCpu + AxArchPerCpu)
 * @name: backend name for log messages
 * @arch: AXVCPU_ARCH_* value
 * @features: AXVCPU_FEATURE_* bits the backend supports
 * @guest_phys_bits: width of guest physical addresses
 * @hardware_enable: AxArchPerCpu::hardware_enable on the calling CPU
 *	(preemption off); -EBUSY if another hypervisor holds the hardware
 * @hardware_disable: undo @hardware_enable on the calling CPU
 * @vm_init: allocate the VM's stage-2 root (set_ept_root's source)
 * @vm_destroy: free what @vm_init and @map_page allocated
 * @map_page: map one guest page at @gpa to @page (read-only if @readonly)
 * @block_orders: bit n set: @map_block maps 2^n pages with one stage-2
 *	entry (a block, superpage or large page); 0 when the backend maps
 *	pages only
 * @map_block: map the 2^@order physically contiguous pages from @page at
 *	@gpa, both aligned to their size, with one entry; -EEXIST when a
 *	table already sits where the entry would go (the core maps those
 *	pages one by one then). NULL when @block_orders is 0
 * @unmap_page: remove the mapping of the guest page at @gpa; a block that
 *	holds it goes whole (the core unmaps a slot's blocks whole only)
 * @vcpu_create: AxArchVCpu::new
 * @vcpu_destroy: free what @vcpu_create allocated
 * @vcpu_check_setup: validate the arch part of a SETUP argument
 * @vcpu_set_entry: AxArchVCpu::set_entry
 * @vcpu_set_ept_root: AxArchVCpu::set_ept_root (the VM's stage-2 root)
 * @vcpu_setup: AxArchVCpu::setup with the arch setup config
 * @vcpu_bind: AxArchVCpu::bind to @cpu
 * @vcpu_unbind: AxArchVCpu::unbind
 * @vcpu_run: AxArchVCpu::run: enter the guest once and handle the exit;
 *	called with preemption enabled on the bound thread
 * @vcpu_run_end: RUN is returning to user space (any way it does), on the
 *	bound thread with preemption enabled; state the backend kept on the
 *	CPU between entries goes back. NULL when none is kept
 * @vcpu_complete: apply the completion of the exit in @run (a read's value
 *	or a hypercall's return value); with @fault (only after a SYSREG
 *	exit) raise the access's fault in the guest instead
 * @vcpu_set_gpr: AxArchVCpu::set_gpr
 * @vcpu_get_gpr: read one general-purpose register
 * @vcpu_set_return_value: AxArchVCpu::set_return_value
 * @vcpu_get_regs: copy out the register file
 * @vcpu_set_regs: load the register file
 * @vcpu_inject_interrupt: AxArchVCpu::inject_interrupt: queue @vector; may
 *	be called from any thread without the vCPU lock
 * @vcpu_inject_nmi: queue an NMI (any thread, no lock); NULL when the
 *	architecture has none
 * @vcpu_inject_exception: queue an exception for the next entry (vCPU
 *	lock held); -EBUSY while one is still queued; NULL when not offered
 * @vcpu_has_interrupt: true if an injected interrupt or NMI waits for
 *	delivery
 * @sysreg_ids: the AXVCPU_SYSREG_* ids the backend gives access to
 * @nr_sysreg_ids: how many
 * @vcpu_get_sysreg: read the system register @id; -ENOENT if unknown
 * @vcpu_set_sysreg: write it; -ENOENT if unknown, -EINVAL for a value the
 *	register cannot hold (nothing changes then)
 * @vcpu_set_irq_line: set the level of one of the guest's interrupt lines
 *	(any thread, no lock); NULL on architectures without them (x86)
 * @get_supported_cpuid: x86: fill @e (room for AXVCPU_MAX_CPUID_ENTRIES)
 *	with what guests see by default; return the count
 * @vcpu_set_cpuid: x86: replace the vCPU's CPUID table with @n entries
 *	(checked, copied); 0 entries give back the default
 * @vcpu_get_events: the events in flight (vCPU lock held); NULL when the
 *	architecture keeps none
 * @vcpu_set_events: load them; -EINVAL for an impossible set (nothing
 *	changes then)
 * @fpu_state_size: bytes of the FP/vector state of AXVCPU_GET_FPU
 * @vcpu_get_fpu: copy the FP/vector state to @buf (@fpu_state_size bytes)
 * @vcpu_set_fpu: load it from @buf; -EINVAL for a state the hardware would
 *	refuse to load (nothing changes then)
 * @debugfs_init: add the backend's own files to /sys/kernel/debug/axvcpu
 *	(@dir) at module load; NULL when it has none. They go with the
 *	directory at unload
 */
struct axvcpu_arch_ops {
	const char *name;
	u32 arch;
	u32 features;
	u32 guest_phys_bits;

	int (*hardware_enable)(void);
	void (*hardware_disable)(void);

	int (*vm_init)(struct axvcpu_vm *vm);
	void (*vm_destroy)(struct axvcpu_vm *vm);
	int (*map_page)(struct axvcpu_vm *vm, u64 gpa, struct page *page,
			bool readonly);
	unsigned long block_orders;
	int (*map_block)(struct axvcpu_vm *vm, u64 gpa, struct page *page,
			 unsigned int order, bool readonly);
	void (*unmap_page)(struct axvcpu_vm *vm, u64 gpa);

	int (*vcpu_create)(struct axvcpu_vcpu *vcpu);
	void (*vcpu_destroy)(struct axvcpu_vcpu *vcpu);
	int (*vcpu_check_setup)(const struct axvcpu_setup *setup);
	int (*vcpu_set_entry)(struct axvcpu_vcpu *vcpu, u64 entry);
	int (*vcpu_set_ept_root)(struct axvcpu_vcpu *vcpu);
	int (*vcpu_setup)(struct axvcpu_vcpu *vcpu,
			  const struct axvcpu_setup *setup);
	int (*vcpu_bind)(struct axvcpu_vcpu *vcpu, int cpu);
	int (*vcpu_unbind)(struct axvcpu_vcpu *vcpu);
	int (*vcpu_run)(struct axvcpu_vcpu *vcpu, struct axvcpu_run *run);
	void (*vcpu_run_end)(struct axvcpu_vcpu *vcpu);
	void (*vcpu_complete)(struct axvcpu_vcpu *vcpu,
			      const struct axvcpu_run *run, bool fault);
	int (*vcpu_set_gpr)(struct axvcpu_vcpu *vcpu, u32 reg, u64 value);
	int (*vcpu_get_gpr)(struct axvcpu_vcpu *vcpu, u32 reg, u64 *value);
	void (*vcpu_set_return_value)(struct axvcpu_vcpu *vcpu, u64 value);
	void (*vcpu_get_regs)(struct axvcpu_vcpu *vcpu,
			      struct axvcpu_regs *regs);
	int (*vcpu_set_regs)(struct axvcpu_vcpu *vcpu,
			     const struct axvcpu_regs *regs);
	int (*vcpu_inject_interrupt)(struct axvcpu_vcpu *vcpu, u32 vector);
	int (*vcpu_inject_nmi)(struct axvcpu_vcpu *vcpu);
	int (*vcpu_inject_exception)(struct axvcpu_vcpu *vcpu,
				     const struct axvcpu_exception *exc);
	bool (*vcpu_has_interrupt)(struct axvcpu_vcpu *vcpu);
	const u64 *sysreg_ids;
	unsigned int nr_sysreg_ids;
	int (*vcpu_get_sysreg)(struct axvcpu_vcpu *vcpu, u64 id, u64 *value);
	int (*vcpu_set_sysreg)(struct axvcpu_vcpu *vcpu, u64 id, u64 value);
	int (*vcpu_set_irq_line)(struct axvcpu_vcpu *vcpu, u32 line, bool level);
	unsigned int (*get_supported_cpuid)(struct axvcpu_cpuid_entry *e);
	int (*vcpu_set_cpuid)(struct axvcpu_vcpu *vcpu,
			      const struct axvcpu_cpuid_entry *e, u32 n);
	void (*vcpu_get_events)(struct axvcpu_vcpu *vcpu,
				struct axvcpu_events *ev);
	int (*vcpu_set_events)(struct axvcpu_vcpu *vcpu,
			       const struct axvcpu_events *ev);
	u32 fpu_state_size;
	void (*vcpu_get_fpu)(struct axvcpu_vcpu *vcpu, void *buf);
	int (*vcpu_set_fpu)(struct axvcpu_vcpu *vcpu, const void *buf);
	void (*debugfs_init)(struct dentry *dir);
};

/* The backend in use, chosen at load time; NULL when none is usable. */
extern const struct axvcpu_arch_ops *axvcpu_ops;

/**
 * axvcpu_arch_init() - pick the backend for this CPU
 *
 * Implemented once per architecture (arch/<arch>/). Logs one line saying
 * why when no backend fits.
 *
 * Return: the backend's ops, or NULL.
 */
const struct axvcpu_arch_ops *axvcpu_arch_init(void);

/**
 * axvcpu_arch_exit() - free what axvcpu_arch_init() allocated
 */
void axvcpu_arch_exit(void);

/* axvcpu_state.c */
int axvcpu_state_transition(struct axvcpu_vcpu *vcpu, enum axvcpu_state from,
			    enum axvcpu_state to);
int axvcpu_state_check(struct axvcpu_vcpu *vcpu, enum axvcpu_state from);
int axvcpu_state_finish(struct axvcpu_vcpu *vcpu, enum axvcpu_state to,
			int err);
void axvcpu_state_set_invalid(struct axvcpu_vcpu *vcpu);
enum axvcpu_state axvcpu_state_get(const struct axvcpu_vcpu *vcpu);
bool axvcpu_state_allows_regs(const struct axvcpu_vcpu *vcpu);
void axvcpu_state_block(struct axvcpu_vcpu *vcpu);
void axvcpu_state_unblock(struct axvcpu_vcpu *vcpu);

/* axvcpu_percpu.c */
int axvcpu_hardware_get(void);
void axvcpu_hardware_put(void);
bool axvcpu_hardware_stopped(void);

void axvcpu_debugfs_init(void);
void axvcpu_debugfs_exit(void);
void axvcpu_vm_debugfs_add(struct axvcpu_vm *vm);
void axvcpu_vm_debugfs_remove(struct axvcpu_vm *vm);
void axvcpu_vcpu_debugfs_add(struct axvcpu_vcpu *vcpu);
void axvcpu_vcpu_debugfs_remove(struct axvcpu_vcpu *vcpu);
void axvcpu_exit_brief(const struct axvcpu_run *run, u64 *a, u64 *b);
int axvcpu_percpu_init(void);
void axvcpu_percpu_exit(void);

/* axvcpu_vm.c */
int axvcpu_create_vm(void);
struct axvcpu_vm *axvcpu_vm_get_from_fd(int fd);
void axvcpu_vm_put(struct axvcpu_vm *vm);
int axvcpu_vm_add_vcpu_id(struct axvcpu_vm *vm, u32 vcpu_id);
void axvcpu_vm_del_vcpu_id(struct axvcpu_vm *vm, u32 vcpu_id);
void axvcpu_vm_publish_vcpu(struct axvcpu_vm *vm, struct axvcpu_vcpu *vcpu);
void axvcpu_vm_flush_tlbs(struct axvcpu_vm *vm);

/* axvcpu_mem.c */
int axvcpu_set_memory_region(struct axvcpu_vm *vm,
			     const struct axvcpu_memory_region *mr);
void axvcpu_free_memslots(struct axvcpu_vm *vm);
bool axvcpu_gpa_is_mapped(struct axvcpu_vm *vm, u64 gpa);
int axvcpu_read_guest(struct axvcpu_vm *vm, u64 gpa, void *buf, size_t len);
int axvcpu_write_guest(struct axvcpu_vm *vm, u64 gpa, const void *buf,
		       size_t len);

/* axvcpu_vcpu.c */
int axvcpu_create_vcpu(const struct axvcpu_create_vcpu __user *uarg);

bool axvcpu_vcpu_load(struct axvcpu_vcpu *vcpu);
void axvcpu_vcpu_put(struct axvcpu_vcpu *vcpu);

/* axvcpu_spin.c */
bool axvcpu_vcpu_on_spin(struct axvcpu_vcpu *me);

#endif /* _AXVCPU_CORE_H */
