/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axvcpu-run: the reference VMM for /dev/axvcpu (Documentation/vmm.rst).
 *
 * In kvmtool's shape: main.c parses the command line and builds the
 * machine, run.c has the generic run loop (one thread per vCPU, a switch
 * on the exit reason), the devices register port and MMIO ranges here, and
 * what is particular to an architecture lives in <arch>/.
 */
#ifndef AXVCPU_RUN_VMM_H
#define AXVCPU_RUN_VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/axvcpu.h>

#define VMM_NAME		"axvcpu-run"
#define VMM_VERSION		"0.1"
#define VMM_MAX_CPUS		64
#define VMM_MAX_DEVICES		32
#define VMM_MAX_LOADS		8

/* Exit statuses of the VMM itself (the guest's own are 0 and above). */
#define VMM_EXIT_USAGE		2	/* bad arguments or images */
#define VMM_EXIT_FAILURE	1	/* the VMM or the module failed */

struct vmm;
struct vmm_vcpu;

/*
 * A device: a port or MMIO range and its handlers. @read fills *@val with
 * @width bytes read at @off from the range's start; @write gets them.
 */
struct vmm_device {
	const char *name;
	bool mmio;
	uint64_t base, len;
	void (*read)(struct vmm *vmm, void *dev, uint64_t off, unsigned int width,
		     uint64_t *val);
	void (*write)(struct vmm *vmm, void *dev, uint64_t off,
		      unsigned int width, uint64_t val);
	void *dev;
};

/*
 * The hypervisor under the VMM: axvcpu, or KVM for comparison (--kvm, the
 * bench). The arch assembles both tables (x86/machine.c, x86/kvm.c).
 */
struct vmm_hv {
	const char *name;
	/* the VM with vmm->ram as its RAM at GPA 0 */
	void (*vm_create)(struct vmm *vmm);
	/* v->fd and v->run */
	void (*vcpu_create)(struct vmm_vcpu *v);
	/* the start state (v->entry, v->mode, v->gprs) and CPUID */
	void (*vcpu_setup)(struct vmm_vcpu *v);
	/* on the vCPU's thread, before its first run; -1 with errno */
	int (*vcpu_bind)(struct vmm_vcpu *v);
	/* one RUN; 0 with the exit in v->run, -1 with errno (EINTR: kicked) */
	int (*vcpu_run)(struct vmm_vcpu *v);
	/* send an interrupt vector or an NMI; any thread, vmm->lock held */
	void (*inject)(struct vmm_vcpu *v, unsigned int vector, bool nmi);
	/* after a HALT exit: may an interrupt wake it (interrupts on)? */
	bool (*halt_wakeable)(struct vmm_vcpu *v);
	/* an interrupt sent and not yet taken by the guest */
	bool (*irq_pending)(struct vmm_vcpu *v);
	/* riscv64: general-purpose register x@reg (SBI SRST's type, reason) */
	uint64_t (*get_gpr)(struct vmm_vcpu *v, unsigned int reg);
	/* arm64, riscv64: the level of the vCPU's interrupt line @line */
	void (*irq_line)(struct vmm_vcpu *v, unsigned int line, bool level);
	/* x86: the hypervisor's CPUID table (room for @max); a vCPU's own */
	unsigned int (*get_cpuid)(struct vmm *vmm,
				  struct axvcpu_cpuid_entry *e, unsigned int max);
	void (*set_cpuid)(struct vmm_vcpu *v,
			  const struct axvcpu_cpuid_entry *e, unsigned int n);
	/* optional: print the vCPU's registers after the guest died */
	void (*dump)(struct vmm_vcpu *v);
};

extern const struct vmm_hv vmm_hv_axvcpu, vmm_hv_kvm;

/* kvm.c: the parts of vmm_hv_kvm every architecture shares */
struct kvm_run;
extern int vmm_kvm_fd;
/* open /dev/kvm and create the VM (vmm->vm_fd) */
void kvm_open_vm(struct vmm *vmm);
/* the guest's RAM as slot 0, at arch_ram_base */
void kvm_add_ram(struct vmm *vmm);
/* a vCPU: its fd in *@fd and v->fd, v->run allocated; its kvm_run mapped */
struct kvm_run *kvm_open_vcpu(struct vmm_vcpu *v, int *fd);
/* KVM_EXIT_MMIO to the devices, a read's value back in @kr */
void kvm_mmio(struct vmm *vmm, struct kvm_run *kr);
/* any other exit: FAIL_ENTRY with KVM's exit reason and its detail */
void kvm_fail_entry(struct axvcpu_run *run, const struct kvm_run *kr);

/* axvcpu.c: the parts of vmm_hv_axvcpu every architecture shares */
void axvcpu_vm_create(struct vmm *vmm);
void axvcpu_vcpu_create(struct vmm_vcpu *v);
int axvcpu_vcpu_bind(struct vmm_vcpu *v);
int axvcpu_vcpu_run(struct vmm_vcpu *v);
void axvcpu_inject(struct vmm_vcpu *v, unsigned int vector, bool nmi);
uint64_t axvcpu_get_gpr(struct vmm_vcpu *v, unsigned int reg);
void axvcpu_set_gpr(struct vmm_vcpu *v, unsigned int reg, uint64_t value);
void axvcpu_irq_line(struct vmm_vcpu *v, unsigned int line, bool level);
/* halt_wakeable and irq_pending of a vCPU with HALT_IN_KERNEL: true */
bool axvcpu_halt_in_kernel(struct vmm_vcpu *v);

struct vmm_load {
	const char *file;
	uint64_t gpa;
};

struct vmm_config {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	uint64_t mem_size;
	unsigned int cpus;
	struct vmm_load loads[VMM_MAX_LOADS];
	unsigned int nr_loads;
	uint64_t entry;
	bool has_entry;
	bool real_mode;
	bool kvm;
};

/*
 * A one-shot timer of the VMM's clock (CLOCK_MONOTONIC, ns): @fire runs on
 * the timer thread with vmm->lock held once @deadline has passed, and may
 * set the timer again (timer.c).
 */
struct vmm_timer {
	uint64_t deadline;		/* 0: not set */
	void (*fire)(struct vmm *vmm, void *arg);
	void *arg;
};

#define VMM_MAX_TIMERS		(VMM_MAX_CPUS + 8)

struct vmm_vcpu {
	struct vmm *vmm;
	unsigned int id;
	int fd;
	struct axvcpu_run *run;
	size_t run_size;
	pthread_t thread;
	/* where it starts: set by the loader for vCPU 0, by the SIPI for APs */
	bool started;
	uint64_t entry;
	__u32 mode;
	uint64_t gprs[AXVCPU_X86_NR_GPRS];
	bool set_gprs;
	/* riscv64: a1 at the start (the device tree, or hart_start's opaque) */
	uint64_t boot_arg;
	/* bumped under vmm->lock by each interrupt sent to it (vmm_inject) */
	uint64_t wake_seq;
	void *arch;			/* the architecture's per-vCPU state */
	void *hv_vcpu;			/* the hypervisor's (KVM's run struct) */
};

struct vmm {
	struct vmm_config cfg;
	const struct vmm_hv *hv;
	int sys_fd, vm_fd;
	struct axvcpu_info info;
	uint8_t *ram;
	uint64_t ram_size;
	struct vmm_vcpu vcpus[VMM_MAX_CPUS];
	unsigned int nr_vcpus;
	struct vmm_device devices[VMM_MAX_DEVICES];
	unsigned int nr_devices;
	pthread_mutex_t lock;		/* devices, timers, halted, wake_seq */
	pthread_cond_t wake;		/* a halted vCPU's interrupt, the end */
	pthread_cond_t timer_cond;	/* the timers changed */
	struct vmm_timer *timers[VMM_MAX_TIMERS];
	unsigned int nr_timers;
	void *arch;			/* the machine's interrupt controllers */
	bool stopping;			/* atomic; set once by vmm_stop() */
	int exit_status;		/* written by the vmm_stop() that set it */
	unsigned int halted;		/* vCPUs halted for good */
};

/* Fatal errors: a one-line message, then exit(status). */
void __attribute__((noreturn, format(printf, 2, 3)))
vmm_die(int status, const char *fmt, ...);
void __attribute__((format(printf, 1, 2))) vmm_warn(const char *fmt, ...);

/* Register a device; the ranges of one kind must not overlap. */
void vmm_add_device(struct vmm *vmm, const struct vmm_device *d);
/* Guest physical -> host address of @len bytes of RAM, or NULL. */
void *vmm_gpa(struct vmm *vmm, uint64_t gpa, uint64_t len);
/* The same, or exit with status 2 naming @what (an image that does not fit). */
void *vmm_ram(struct vmm *vmm, uint64_t gpa, uint64_t len, const char *what);
/*
 * Copy @size bytes of @src into guest RAM at @gpa (vmm_ram's checks, @what
 * named on error), visible to a guest that reads with its caches off
 * (arch_ram_written).
 */
void vmm_put(struct vmm *vmm, uint64_t gpa, const void *src, size_t size,
	     const char *what);
/* Read a whole file (at most @max bytes); exits with status 2 on error. */
void *vmm_read_file(const char *path, size_t *size, size_t max);
/* End the VM: every vCPU stops, the VMM exits with @status. */
void vmm_stop(struct vmm *vmm, int status);

/* run.c */
int vmm_run(struct vmm *vmm);
/* The vCPU whose thread this is (NULL on other threads). */
extern __thread struct vmm_vcpu *vmm_current;
/*
 * Start a vCPU that waits for its start (an AP) at @entry in @mode (x86:
 * AXVCPU_X86_MODE_*). With vmm->lock held.
 */
void vmm_vcpu_start(struct vmm_vcpu *vcpu, uint64_t entry, __u32 mode);
/*
 * A vCPU the guest stopped (PSCI CPU_OFF, SBI hart_stop) waits on its
 * thread until vmm_vcpu_start() names it again, then gets its start state
 * (vcpu_setup); false when the VM ends first.
 */
bool vmm_vcpu_wait_restart(struct vmm_vcpu *vcpu);
/* The --load files, each at its guest physical address. */
void vmm_load_files(struct vmm *vmm);
/*
 * Send interrupt @vector (or an NMI) to @vcpu through the hypervisor and
 * wake it if it is halted. With vmm->lock held.
 */
void vmm_inject(struct vmm_vcpu *vcpu, unsigned int vector, bool nmi);
/* Port I/O or MMIO to the devices: a read's value, or 0 for a write. */
uint64_t vmm_device_access(struct vmm *vmm, bool mmio, uint64_t addr,
			   unsigned int width, bool write, uint64_t val);

/* timer.c: the VMM's clock, timers (their callbacks hold vmm->lock) */
uint64_t vmm_now(void);
void vmm_timer_add(struct vmm *vmm, struct vmm_timer *t);
/* With vmm->lock held: fire @t at @deadline (vmm_now() ns; 0 cancels). */
void vmm_timer_set(struct vmm *vmm, struct vmm_timer *t, uint64_t deadline);
void vmm_timers_start(struct vmm *vmm);

/* The architecture's part (x86/machine.c, riscv/machine.c). */
/* Where RAM starts in the guest's physical space (x86 0, riscv64 2 GiB). */
extern const uint64_t arch_ram_base;
/* AXVCPU_VCPU_* flags of the arch's vCPUs (riscv64 waits for WFI in the kernel). */
extern const __u32 arch_vcpu_flags;
void arch_machine_init(struct vmm *vmm);
/* Load the images of the configuration and set vCPU 0's entry. */
void arch_load(struct vmm *vmm);
/*
 * @size bytes at @hva of guest RAM were written by this process (vmm_put):
 * make them visible to a guest running with its caches off (arm64 cleans
 * them to the point of coherency; x86 and riscv64 guests read RAM
 * cacheable even with paging off, so nothing).
 */
void arch_ram_written(void *hva, size_t size);

/* A SYSREG_READ/WRITE exit; false to fault the access in the guest. */
bool arch_sysreg(struct vmm_vcpu *vcpu, bool write, uint64_t id,
		 uint64_t *value);
/* A device's interrupt line @irq (x86: the ISA IRQ) goes to @level. */
void arch_irq_line(struct vmm *vmm, unsigned int irq, bool level);
/*
 * An exit the arch answers (riscv64: HYPERCALL for SBI, CPU_UP, CPU_DOWN,
 * SEND_IPI): true when it did, with *@cont false when the vCPU's thread
 * is done; false leaves it to the generic loop.
 */
bool arch_handle_exit(struct vmm_vcpu *vcpu, bool *cont);

/* Devices (devices/ and <arch>/). */
/* @mmio: memory-mapped (riscv64), else a PC's port-mapped COM port */
void uart16550_init(struct vmm *vmm, uint64_t base, unsigned int irq,
		    bool mmio);
void fw_cfg_init(struct vmm *vmm, uint64_t base);
/* an Arm PL011 UART (arm64) on interrupt line @irq (arch_irq_line) */
void pl011_init(struct vmm *vmm, uint64_t base, unsigned int irq);

#endif /* AXVCPU_RUN_VMM_H */
