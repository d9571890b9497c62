/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guests written in C, for every backend (in the manner of KVM's
 * selftests).
 *
 * The test program's own image (its PT_LOAD segments: text, data, bss) is
 * copied into slot 0 of the VM at the guest physical addresses equal to its
 * link addresses, and the guest runs in its architecture's 64-bit mode with
 * virtual == physical (x86: long mode, identity page tables over the first
 * 4 GiB; arm64: EL1, MMU off; riscv64: VS mode, bare). So a guest is a plain
 * C function of the test, and a pointer means the same in guest and host.
 *
 * Guest code must not call the C library (no system calls, no TLS, no
 * malloc): only what this header offers, its own code and plain memory
 * accesses. The guest's globals are a copy taken when the VM was created:
 * axv_guest_sync_global() pushes a host value into the guest's copy,
 * axv_guest_read_global() fetches it back.
 *
 * The guest talks to the host with ucalls: a hypercall with the number
 * AXV_UCALL_NR (per architecture, outside the ranges a backend handles
 * itself) whose arguments are a command and four values. The host side
 * reads them with axv_get_ucall(); a failed GUEST_ASSERT() is an
 * AXV_UCALL_ABORT ucall carrying file, line and expression, which the
 * ASSERT_RUN_UCALL() family turns into a test failure with that text.
 *
 * Layout of slot 0 (the arch header gives the numbers):
 *   AXV_GUEST_SYS_GPA .. +64 KiB   the arch's tables (x86: GDT, TSS, IDT,
 *                                  page tables)
 *   the image                      at its link addresses
 *   after it                       a 16 KiB stack per vCPU id
 * AXV_GUEST_MMIO_GPA has no slot and is mapped in the guest's page tables:
 * accesses there exit as MMIO. Tests that add their own slots use slot
 * numbers from AXV_GUEST_FREE_SLOT and guest physical addresses from
 * AXV_GUEST_FREE_GPA (AXV_GUEST_FREE_SIZE bytes, mapped in the guest).
 */
#ifndef SELFTEST_AXVCPU_GUEST_H
#define SELFTEST_AXVCPU_GUEST_H

#include "axvcpu_util.h"

#if defined(__x86_64__)
#include "x86_64/guest_arch.h"
#elif defined(__riscv) && __riscv_xlen == 64
#include "riscv64/guest_arch.h"
#elif defined(__aarch64__)
#include "arm64/guest_arch.h"
#else
#error "no guest library for this architecture: add include/<arch>/guest_arch.h"
#endif

#define AXV_GUEST_FREE_SLOT	1
#define AXV_GUEST_STACK_SIZE	0x4000UL
#define AXV_GUEST_MAX_VCPUS	64

/* ucall commands */
enum {
	AXV_UCALL_NONE,
	AXV_UCALL_SYNC,		/* GUEST_SYNC(): a stage or a value */
	AXV_UCALL_DONE,		/* GUEST_DONE(), or the guest function returned */
	AXV_UCALL_ABORT,	/* a failed GUEST_ASSERT() */
};

/* What a ucall carried; for ABORT, @msg is "file:line: expr". */
struct axv_ucall {
	__u64 cmd;
	__u64 args[4];
	char msg[256];
};

/* ------------------------------------------------------------------ */
/* Guest side: callable only from guest code.                          */

/* A ucall: hypercall AXV_UCALL_NR with @cmd and four values. */
void guest_ucall(__u64 cmd, __u64 a0, __u64 a1, __u64 a2, __u64 a3);
void __attribute__((noreturn))
guest_assert_fail(const char *where, const char *expr, __u64 a, __u64 b);

#define GUEST_SYNC(v)		guest_ucall(AXV_UCALL_SYNC, (__u64)(v), 0, 0, 0)
#define GUEST_SYNC2(v, w)						\
	guest_ucall(AXV_UCALL_SYNC, (__u64)(v), (__u64)(w), 0, 0)
#define GUEST_DONE()		guest_ucall(AXV_UCALL_DONE, 0, 0, 0, 0)

#define __GUEST_STR1(x)		#x
#define __GUEST_STR(x)		__GUEST_STR1(x)
#define GUEST_ASSERT(cond) do {						\
	if (!(cond))							\
		guest_assert_fail(__FILE__ ":" __GUEST_STR(__LINE__),	\
				  #cond, 0, 0);				\
} while (0)
#define GUEST_ASSERT_EQ(a, b) do {					\
	__u64 __ga = (__u64)(a), __gb = (__u64)(b);			\
	if (__ga != __gb)						\
		guest_assert_fail(__FILE__ ":" __GUEST_STR(__LINE__),	\
				  #a " == " #b, __ga, __gb);		\
} while (0)

/*
 * The architecture's hypercall (x86 VMMCALL or VMCALL, arm64 HVC, riscv64
 * ECALL) with @nr and six arguments in the registers of Documentation/
 * api.rst; returns the return register.
 */
__u64 guest_hypercall(__u64 nr, __u64 a0, __u64 a1, __u64 a2, __u64 a3,
		      __u64 a4, __u64 a5);
/* Wait for an interrupt (x86 HLT, arm64 and riscv64 WFI). */
void guest_halt(void);
/* Enable interrupts and wait for one, with no window in between. */
void guest_safe_halt(void);
void guest_irq_enable(void);
void guest_irq_disable(void);
/* A spin-loop hint. */
void guest_cpu_relax(void);
/*
 * @handler runs, with interrupts off, for each interrupt the host injects
 * (AXVCPU_INTERRUPT's vector, or the arch's interrupt cause); NULL for
 * none. An exception with no handler is an AXV_UCALL_ABORT.
 */
void guest_irq_set_handler(void (*handler)(__u64 vector));

/* ------------------------------------------------------------------ */
/* Host side.                                                          */

/*
 * A new VM @vm whose slot 0 holds this program's image and the arch's
 * tables, and its vCPU 0, created with @vcpu_flags, set up to call
 * @guest_code() and bound. Returns vCPU 0.
 */
struct axv_vcpu *axv_guest_vm(struct axv_vm *vm, void (*guest_code)(void),
			      __u32 vcpu_flags);
/* The VM alone; vCPUs come from axv_guest_vcpu(). */
void axv_guest_vm_create(struct axv_vm *vm);
/*
 * vCPU @id of a VM from axv_guest_vm_create(), with its own stack, set up
 * to call @guest_code() and bound (READY).
 */
struct axv_vcpu *axv_guest_vcpu(struct axv_vm *vm, __u32 id, __u32 flags,
				void (*guest_code)(void));
/* The same, but left in FREE: set up, not bound. */
struct axv_vcpu *axv_guest_vcpu_free(struct axv_vm *vm, __u32 id,
				     __u32 flags, void (*guest_code)(void));
/*
 * A vCPU created with @args (the CPU choices: favor_phys_cpu,
 * allowed_cpus), set up to call @guest_code on its id's stack (FREE).
 */
struct axv_vcpu *axv_guest_vcpu_args(struct axv_vm *vm,
				     struct axvcpu_create_vcpu *args,
				     void (*guest_code)(void));
/*
 * Point a vCPU at @guest_code again on a fresh stack: from CREATED by
 * SETUP (then FREE), from FREE or READY by SET_REGS alone (SETUP is for
 * CREATED only).
 */
void axv_guest_vcpu_restart(struct axv_vcpu *vcpu, void (*guest_code)(void));
/* The same on a stack of the caller's (for ids past AXV_GUEST_MAX_VCPUS). */
void axv_guest_vcpu_start(struct axv_vcpu *vcpu, void (*guest_code)(void),
			  __u64 stack_top);
/* The first @n (at most 6) arguments of the guest function. */
void axv_guest_args(struct axv_vcpu *vcpu, int n, ...);

/* The guest's copy of a global of the program. */
#define axv_guest_global(vm, g)						\
	((__typeof__(&(g)))axv_gpa2hva((vm), (__u64)(uintptr_t)&(g)))
#define axv_guest_sync_global(vm, g)					\
	memcpy((void *)axv_guest_global(vm, g), (const void *)&(g), sizeof(g))
#define axv_guest_read_global(vm, g)	(*axv_guest_global(vm, g))

/*
 * The vCPU's program counter is inside guest function @fn, past its first
 * instruction and within @len bytes of it (where a loop of @fn spins).
 */
bool axv_guest_pc_in(struct axv_vcpu *vcpu, const void *fn, size_t len);

/*
 * If the last exit is a ucall, fill @uc (may be NULL) and return its
 * command; AXV_UCALL_NONE otherwise.
 */
__u64 axv_get_ucall(struct axv_vcpu *vcpu, struct axv_ucall *uc);
/*
 * RUN ends with a ucall of @_cmd, its values in *@_uc. A guest assert
 * fails the test with the guest's file, line and expression.
 */
#define ASSERT_RUN_UCALL(_vcpu, _cmd, _uc) do {				\
	struct axv_vcpu *__uv = (_vcpu);				\
	__u64 __uw = (_cmd), __ug;					\
	ASSERT_RUN_EXIT(__uv, AXVCPU_EXIT_HYPERCALL);			\
	__ug = axv_get_ucall(__uv, (_uc));				\
	ASSERT_NE(AXV_UCALL_ABORT, __ug)				\
		TH_LOG("vCPU %u: guest assert failed: %s "		\
		       "(values %#llx, %#llx)", __uv->id, (_uc)->msg,	\
		       (unsigned long long)(_uc)->args[0],		\
		       (unsigned long long)(_uc)->args[1]);		\
	ASSERT_EQ(__uw, __ug)						\
		TH_LOG("vCPU %u: expected ucall %llu, got %llu (%s)",	\
		       __uv->id, (unsigned long long)__uw,		\
		       (unsigned long long)__ug,			\
		       axv_exit_desc(__uv->run));			\
} while (0)

/* RUN ends with GUEST_SYNC(@_val). */
#define ASSERT_RUN_SYNC(_vcpu, _val) do {				\
	struct axv_ucall __us;						\
	ASSERT_RUN_UCALL(_vcpu, AXV_UCALL_SYNC, &__us);			\
	ASSERT_EQ((__u64)(_val), __us.args[0])				\
		TH_LOG("vCPU %u: GUEST_SYNC(%#llx), expected %#llx",	\
		       (_vcpu)->id, (unsigned long long)__us.args[0],	\
		       (unsigned long long)(_val));			\
} while (0)

/* RUN ends with GUEST_DONE() (or the guest function's return). */
#define ASSERT_RUN_DONE(_vcpu) do {					\
	struct axv_ucall __ud;						\
	ASSERT_RUN_UCALL(_vcpu, AXV_UCALL_DONE, &__ud);			\
} while (0)

/* ------------------------------------------------------------------ */
/* What each lib/<arch>/guest.c provides to lib/guest.c.               */

/* Write the arch's tables into slot 0 (AXV_GUEST_SYS_GPA onwards). */
void guest_arch_vm_init(struct axv_vm *vm);
/*
 * Make the vCPU call @entry on the stack ending at @stack_top: SETUP
 * first when it is CREATED, then the arch's registers by SET_REGS.
 */
void guest_arch_vcpu_init(struct axv_vcpu *vcpu, __u64 entry, __u64 stack_top);
/* Put @args[0..n-1] in the argument registers. */
void guest_arch_set_args(struct axv_vcpu *vcpu, int n, const __u64 *args);
/* Called by the guest function's return: a DONE ucall, never returns. */
void guest_return_trampoline(void);

#endif /* SELFTEST_AXVCPU_GUEST_H */
