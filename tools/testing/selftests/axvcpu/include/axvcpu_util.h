/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axvcpu selftest library: the boilerplate of opening /dev/axvcpu, creating
 * VMs and vCPUs, mapping guest memory and running, plus assertion helpers
 * for kselftest_harness.h tests that say what was expected and what came.
 *
 * Library functions abort() with a message when a step that is not under
 * test fails (like KVM selftests' TEST_ASSERT); the harness reports the
 * test as failed. The ASSERT_* macros below are for test bodies only.
 */
#ifndef SELFTEST_AXVCPU_UTIL_H
#define SELFTEST_AXVCPU_UTIL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <linux/axvcpu.h>

#define AXV_DEV_PATH		"/dev/axvcpu"
#define AXV_MAX_MEM		16

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define AXV_PAGE_SIZE		4096UL
#define AXV_MiB			(1024UL * 1024)

/* One memory slot as the library mapped it. */
struct axv_mem {
	bool used;
	__u32 slot;
	__u32 flags;
	__u64 gpa;
	__u64 size;
	void *hva;
	bool own_mapping;	/* the library mmap()ed hva */
};

struct axv_vm {
	int sys_fd;
	int fd;
	struct axvcpu_info info;
	struct axv_mem mem[AXV_MAX_MEM];
};

struct axv_vcpu {
	struct axv_vm *vm;
	int fd;
	__u32 id;
	struct axvcpu_run *run;
	size_t run_size;
};

/* Fatal error outside the code under test: print and abort(). */
void __attribute__((noreturn, format(printf, 3, 4)))
axv_die(const char *file, int line, const char *fmt, ...);

#define AXV_DIE(fmt, ...)	axv_die(__FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define AXV_REQUIRE(cond, fmt, ...) do {				\
	if (!(cond))							\
		AXV_DIE("%s: " fmt, #cond, ##__VA_ARGS__);		\
} while (0)

/* Names for messages. */
const char *axv_errno_name(int err);
const char *axv_exit_name(__u32 reason);
const char *axv_state_name(long state);
const char *axv_arch_name(__u32 arch);
const char *axv_exit_desc(const struct axvcpu_run *run);

/* System fd. */
int axv_open_dev(void);
void axv_get_info(int sys_fd, struct axvcpu_info *info);
/* GET_INFO through a system fd of its own, closed again. */
void axv_read_info(struct axvcpu_info *info);
bool axv_arch_is_x86(__u32 arch);
/* @arch is a backend of the architecture this program was built for. */
bool axv_arch_of_host(__u32 arch);

/* VM: opens its own system fd, creates the VM. */
void axv_vm_create(struct axv_vm *vm);
void axv_vm_close(struct axv_vm *vm);
/*
 * Map @size bytes at @gpa as @slot; @hva NULL means anonymous memory that
 * the library mmap()s (MAP_SHARED so that forked children share it).
 * Returns the host address.
 */
void *axv_mem_add(struct axv_vm *vm, __u32 slot, __u64 gpa, __u64 size,
		  __u32 flags, void *hva);
void axv_mem_delete(struct axv_vm *vm, __u32 slot);
/* Raw SET_MEMORY_REGION: returns 0 or -errno. */
int axv_set_region(int vm_fd, __u32 slot, __u32 flags, __u64 gpa,
		   __u64 size, __u64 uaddr);
/* Host address of a guest physical address inside a slot, or abort. */
void *axv_gpa2hva(struct axv_vm *vm, __u64 gpa);
/* Copy [start, end) to guest physical @gpa. */
void axv_guest_copy(struct axv_vm *vm, __u64 gpa, const void *start,
		    const void *end);

/* vCPU */
struct axv_vcpu *axv_vcpu_create(struct axv_vm *vm, __u32 id, __u32 flags);
struct axv_vcpu *axv_vcpu_create_args(struct axv_vm *vm,
				      struct axvcpu_create_vcpu *args);
void axv_vcpu_close(struct axv_vcpu *vcpu);
void axv_vcpu_setup(struct axv_vcpu *vcpu, __u64 entry, __u32 mode);
void axv_vcpu_bind(struct axv_vcpu *vcpu);
void axv_vcpu_unbind(struct axv_vcpu *vcpu);
/* RUN: 0 or -errno. */
int axv_run(struct axv_vcpu *vcpu);
long axv_get_state(struct axv_vcpu *vcpu);
void axv_get_vcpu_info(struct axv_vcpu *vcpu, struct axvcpu_vcpu_info *vi);
__u64 axv_get_gpr(struct axv_vcpu *vcpu, __u32 reg);
void axv_set_gpr(struct axv_vcpu *vcpu, __u32 reg, __u64 value);
void axv_get_regs(struct axv_vcpu *vcpu, struct axvcpu_regs *regs);
void axv_set_regs(struct axv_vcpu *vcpu, struct axvcpu_regs *regs);
/*
 * The test's interrupt: x86, AXVCPU_INJECT_INTERRUPT of @vector; arm64 and
 * riscv64, AXVCPU_SET_IRQ_LINE asserting line @vector (their guests take
 * levels; the guest library's handler lowers the line it acknowledges).
 * 0 or -errno.
 */
int axv_inject(struct axv_vcpu *vcpu, __u32 vector);
/* AXVCPU_INTERRUPT_NMI; AXVCPU_INJECT_EXCEPTION. 0 or -errno, as axv_inject(). */
int axv_inject_nmi(struct axv_vcpu *vcpu);
int axv_inject_exception(struct axv_vcpu *vcpu, __u32 vector, __u32 flags,
			 __u32 error_code, __u64 fault_addr);
/* Guest instruction pointer, for messages (~0 if it cannot be read). */
__u64 axv_vcpu_rip(struct axv_vcpu *vcpu);
/* The guest's program counter on any architecture (~0 if unreadable). */
__u64 axv_vcpu_pc(struct axv_vcpu *vcpu);
/*
 * The vCPU's main registers in one line, for a failure message (x86: RIP,
 * RSP, RFLAGS, RAX, RBX, CS, CR0, CR3, CR4, EFER); a per-thread buffer.
 */
const char *axv_regs_desc(struct axv_vcpu *vcpu);
/*
 * Poll GET_STATE (no mutex) until it returns @state, for at most
 * @timeout_ms. Returns the last state seen.
 */
long axv_wait_state(struct axv_vcpu *vcpu, long state, int timeout_ms);

/* Host facts. */
int axv_nr_cpu_ids(void);	/* from /sys/devices/system/cpu/possible */
int axv_nr_online_cpus(void);
/*
 * The CPUs tests put vCPUs and threads on: those of the process's affinity
 * at its start (taskset, cpuset; BIND never leaves it) that are online now,
 * lowest first. The harness may leave CPUs out this way (testing.rst).
 * axv_test_cpus() fills at most @max of them and returns how many;
 * axv_test_cpu(i) is the i-th, modulo their number.
 */
#define AXV_MAX_TEST_CPUS	64
int axv_test_cpus(int *cpus, int max);
int axv_nr_test_cpus(void);
int axv_test_cpu(int i);
long axv_proc_status_kb(const char *key);	/* /proc/self/status */
long axv_meminfo_kb(const char *key);		/* /proc/meminfo */
/*
 * Function-call IPIs CPU @cpu has taken (the "Function call interrupts"
 * row of /proc/interrupts, on every architecture): what the module's kick
 * of a vCPU in guest mode sends. -1 when unknown.
 */
long long axv_call_ipis(int cpu);
long long axv_vmstat(const char *key);		/* /proc/vmstat */
/* nr_foll_pin_acquired - nr_foll_pin_released, after vm.stat_refresh */
long long axv_pinned_pages(void);
/*
 * What a process's fds hold, for tests that check it all comes back (the
 * long long ones suit axv_poll_value()):
 * axv_vmlck_kb() - this process's VmLck in kB (/proc/self/status);
 * axv_module_refcnt() - the module's use count (/sys/module/axvcpu/refcnt),
 *	-1 when it is not loaded;
 * axv_open_fds() - how many fds this process has open (/proc/self/fd).
 */
long long axv_vmlck_kb(void);
long long axv_module_refcnt(void);
long axv_open_fds(void);
/*
 * Take CPU @cpu offline or bring it online through
 * /sys/devices/system/cpu/cpu<n>/online: 0 or -errno.
 */
int axv_set_cpu_online(int cpu, bool online);
/*
 * Fault injection (CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC and
 * their debugfs). AXV_FAIL_NTH arms the calling thread: writing n makes
 * its n-th fault point fail; it reads 0 once that happened.
 */
#define AXV_FAIL_NTH		"/proc/thread-self/fail-nth"
#define AXV_FI_KNOBS		6
struct axv_fi_saved {
	char value[AXV_FI_KNOBS][32];
	bool changed[AXV_FI_KNOBS];
};
/* fail-nth and the debugfs knobs exist; else false with a reason in @why. */
bool axv_fi_available(char *why, size_t len);
/*
 * Make failslab and fail_page_alloc consider sleeping and order-0
 * allocations (ignored by default) and print nothing (their default dump
 * has a "Call Trace:", which fails a lane). Their probability stays 0:
 * only threads armed through AXV_FAIL_NTH see failures. 0 or -errno.
 */
int axv_fi_configure(struct axv_fi_saved *saved);
void axv_fi_restore(struct axv_fi_saved *saved);

/* Poll @fn until it returns @want, for at most @ms; returns the last value. */
long long axv_poll_value(long long (*fn)(void), long long want, int ms);
/* Drop CAP_IPC_LOCK from the effective and permitted sets (capset). */
void axv_drop_cap_ipc_lock(void);
/*
 * Load Debian's KVM modules with finit_module() (EEXIST is fine) from
 * $AXVCPU_KVM_DIR, in the order of $AXVCPU_KVM_MODULES or @default_list,
 * each with the kernel command line's options for it, as modprobe would.
 * Returns false with a reason in @why when /dev/kvm cannot be had.
 */
bool axv_load_kvm_modules(const char *default_list, char *why, size_t len);
/* Those options for the module file @file ("kvm-amd.ko"), space-separated. */
void axv_cmdline_module_params(const char *file, char *out, size_t len);
/*
 * Seeded randomness for tests that print their seed: splitmix64 over
 * *@state; axv_seed() is $AXVCPU_TORTURE_SEED when set, else the time.
 */
__u64 axv_rand64(__u64 *state);
__u64 axv_seed(void);

/*
 * A thread that BINDs a vCPU and RUNs it once (axv_thread_run(&t,
 * axv_bind_and_run, &runner)): bind_rc and rc are 0 or -errno.
 */
struct axv_runner {
	struct axv_vcpu *vcpu;
	int bind_rc;
	int rc;
};
void *axv_bind_and_run(void *runner);

/* Install an empty SIGUSR1 handler without SA_RESTART. */
void axv_install_sigusr1(void);
void axv_msleep(unsigned int ms);
/* A start routine that runs fn(arg) on a pthread and joins it. */
void axv_thread_run(pthread_t *t, void *(*fn)(void *), void *arg);

/*
 * Watchdog: sends SIGUSR1 to @target every second after @seconds have
 * passed, until disarmed, so that a RUN that never returns ends with EINTR
 * and a readable failure instead of the harness's timeout.
 */
struct axv_watchdog {
	pthread_t thread;
	pthread_t target;
	unsigned int seconds;
	volatile bool disarmed;
	volatile bool fired;
};
void axv_watchdog_arm(struct axv_watchdog *wd, pthread_t target,
		      unsigned int seconds);
/* Returns true if it had fired. */
bool axv_watchdog_disarm(struct axv_watchdog *wd);

/*
 * Whether the lane declared an emulator quirk @name in AXVCPU_QUIRKS (a
 * comma-separated list, tools/testing/lib.sh): tests that cannot pass
 * under it skip, with the reason, and the lane lists the skip as
 * expected. "guest_masks_host_intr": a guest running with RFLAGS.IF
 * clear masks the host's interrupts (Bochs 2.7, reliability.rst).
 */
bool axv_lane_quirk(const char *name);

/*
 * A Linux guest's command line: @base, then the lane's
 * AXVCPU_LINUX_GUEST_ARGS (one more argument; Bochs's lanes give the
 * guest kernel its TSC's real rate there, tsc_early_khz=, as they give
 * their own kernel). A static buffer.
 */
const char *axv_linux_cmdline(const char *base);

/* ------------------------------------------------------------------ */
/* Assertions for kselftest_harness.h test bodies.                     */

/* @_expr must fail with -1 and errno @_want. */
#define ASSERT_ERRNO(_want, _expr) do {					\
	int __want_err = (_want);					\
	long __rc;							\
	int __err;							\
	errno = 0;							\
	__rc = (long)(_expr);						\
	__err = __rc == -1 ? errno : 0;					\
	ASSERT_EQ(__want_err, __err)					\
		TH_LOG("%s: expected -1 with errno %s, got %ld (%s)",	\
		       #_expr, axv_errno_name(__want_err), __rc,	\
		       __rc == -1 ? axv_errno_name(__err) : "no error");	\
} while (0)

/* @_expr must succeed (return >= 0). */
#define ASSERT_OK(_expr) do {						\
	long __rc;							\
	int __err;							\
	errno = 0;							\
	__rc = (long)(_expr);						\
	__err = errno;							\
	ASSERT_LE(0, __rc)						\
		TH_LOG("%s: expected success, got %ld (%s)", #_expr,	\
		       __rc, axv_errno_name(__err));			\
} while (0)

#define ASSERT_STATE(_vcpu, _want) do {					\
	long __st = axv_get_state(_vcpu);				\
	ASSERT_EQ((long)(_want), __st)					\
		TH_LOG("vCPU %u: expected state %s, got %s",		\
		       (_vcpu)->id, axv_state_name(_want),		\
		       axv_state_name(__st));				\
} while (0)

/* The last RUN ended with @_reason. */
#define ASSERT_EXIT_REASON(_vcpu, _reason) do {				\
	__u32 __want_r = (_reason);					\
	__u32 __got_r = (_vcpu)->run->exit_reason;			\
	ASSERT_EQ(__want_r, __got_r)					\
		TH_LOG("vCPU %u: expected exit %s, got %s (rip %#llx)",	\
		       (_vcpu)->id, axv_exit_name(__want_r),		\
		       axv_exit_desc((_vcpu)->run),			\
		       (unsigned long long)axv_vcpu_rip(_vcpu));	\
} while (0)

/* RUN succeeds and ends with @_reason. */
#define ASSERT_RUN_EXIT(_vcpu, _reason) do {				\
	int __rrc = axv_run(_vcpu);					\
	ASSERT_EQ(0, __rrc)						\
		TH_LOG("vCPU %u: RUN expected to return 0 with exit %s, " \
		       "got %s (exit_reason %s, rip %#llx)",		\
		       (_vcpu)->id, axv_exit_name(_reason),		\
		       axv_errno_name(-__rrc),				\
		       axv_exit_desc((_vcpu)->run),			\
		       (unsigned long long)axv_vcpu_rip(_vcpu));	\
	ASSERT_EXIT_REASON(_vcpu, _reason);				\
} while (0)

#define __ASSERT_FIELD(_vcpu, _name, _want, _got) do {			\
	unsigned long long __w = (_want), __g = (_got);			\
	ASSERT_EQ(__w, __g)						\
		TH_LOG("vCPU %u: %s: expected %#llx, got %#llx (%s)",	\
		       (_vcpu)->id, _name, __w, __g,			\
		       axv_exit_desc((_vcpu)->run));			\
} while (0)

/* RUN ends with IO_WRITE of @_width bytes @_data to @_port. */
#define ASSERT_RUN_IO_WRITE(_vcpu, _port, _width, _data) do {		\
	ASSERT_RUN_EXIT(_vcpu, AXVCPU_EXIT_IO_WRITE);			\
	__ASSERT_FIELD(_vcpu, "io.port", _port, (_vcpu)->run->io.port);	\
	__ASSERT_FIELD(_vcpu, "io.width", _width, (_vcpu)->run->io.width); \
	__ASSERT_FIELD(_vcpu, "io.data", _data, (_vcpu)->run->io.data);	\
} while (0)

/* RUN ends with IO_READ of @_width bytes from @_port. */
#define ASSERT_RUN_IO_READ(_vcpu, _port, _width) do {			\
	ASSERT_RUN_EXIT(_vcpu, AXVCPU_EXIT_IO_READ);			\
	__ASSERT_FIELD(_vcpu, "io.port", _port, (_vcpu)->run->io.port);	\
	__ASSERT_FIELD(_vcpu, "io.width", _width, (_vcpu)->run->io.width); \
} while (0)

/*
 * RUN ends with NESTED_PAGE_FAULT at guest physical @_addr for an access
 * of kind @_access (AXVCPU_ACCESS_*).
 */
#define ASSERT_RUN_NPF(_vcpu, _addr, _access) do {			\
	struct axv_vcpu *__npf_vcpu = (_vcpu);				\
	ASSERT_RUN_EXIT(__npf_vcpu, AXVCPU_EXIT_NESTED_PAGE_FAULT);	\
	__ASSERT_FIELD(__npf_vcpu, "nested_page_fault.addr", _addr,	\
		       __npf_vcpu->run->nested_page_fault.addr);	\
	__ASSERT_FIELD(__npf_vcpu, "nested_page_fault.access", _access,	\
		       __npf_vcpu->run->nested_page_fault.access);	\
} while (0)

#define ASSERT_RUN_FIELD(_vcpu, _name, _want, _got)			\
	__ASSERT_FIELD(_vcpu, _name, _want, _got)

/* GPR @_reg holds @_want. */
#define ASSERT_GPR(_vcpu, _reg, _want) do {				\
	unsigned long long __wv = (_want);				\
	unsigned long long __gv = axv_get_gpr(_vcpu, _reg);		\
	ASSERT_EQ(__wv, __gv)						\
		TH_LOG("vCPU %u: GPR %u (%s): expected %#llx, got %#llx", \
		       (_vcpu)->id, (unsigned int)(_reg),		\
		       axv_x86_gpr_name(_reg), __wv, __gv);		\
} while (0)

/* Skip a test body unless the backend is x86 (VMX or SVM). */
#define AXV_REQUIRE_X86(_info) do {					\
	if (!axv_arch_is_x86((_info)->arch))				\
		SKIP(return, "x86 guest code only; backend is %s",	\
		     axv_arch_name((_info)->arch));			\
} while (0)

/*
 * The AXVCPU_FEATURE_* bits SPEC requires of a backend of @arch (the
 * lifecycle options of section 3 everywhere; the section 3a injections and
 * CPUID on x86, interrupt lines on arm64 and riscv64).
 */
__u32 axv_required_features(__u32 arch);

/*
 * Skip unless the backend offers @_feat; a feature SPEC requires of this
 * backend is not a reason to skip: its absence fails the test.
 */
#define AXV_REQUIRE_FEATURE(_info, _feat) do {				\
	if (!((_info)->flags & (_feat))) {				\
		ASSERT_FALSE(axv_required_features((_info)->arch) & (_feat)) \
			TH_LOG("backend %s lacks %s, which SPEC requires", \
			       axv_arch_name((_info)->arch), #_feat);	\
		SKIP(return, "backend does not offer %s", #_feat);	\
	}								\
} while (0)

const char *axv_x86_gpr_name(__u32 reg);

#endif /* SELFTEST_AXVCPU_UTIL_H */
