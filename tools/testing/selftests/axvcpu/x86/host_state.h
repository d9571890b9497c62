/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the host_*_x86_test programs share: the ports their 32-bit guests
 * report on, guest-memory and host-CPU helpers, the host_state fixture.
 * Each program's header comment says what it proves about the world
 * switch keeping the host's state and the guest's apart.
 */
#ifndef SELFTEST_AXVCPU_HOST_STATE_H
#define SELFTEST_AXVCPU_HOST_STATE_H

#include <cpuid.h>
#include <fcntl.h>
#include <sched.h>
#include <asm/prctl.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

#define DATA		__stringify(X86_DATA_GPA)
#define STACK		__stringify(X86_STACK_TOP)
#define IDTR		__stringify(X86_IDTR_GPA)

#define UD_VECTOR	6
#define GP_VECTOR	13

/* Ports the guests below report on. */
#define PORT_SSE	0x10
#define PORT_AVX	0x11
#define PORT_KEEP	0x20
#define PORT_FSGS	0x30
#define PORT_SYSMSR	0x31
#define PORT_DR		0x40
#define PORT_CPUID	0x50
#define PORT_EFER	0x58
#define PORT_UD		0x60	/* #UD handler: EIP of the faulting insn */
#define PORT_GP		0x61	/* #GP handler: EIP of the faulting insn */
#define PORT_DONE	0x62
#define PORT_XSETBV	0x63
#define PORT_BAD_UD	0x66	/* unexpected #UD (AVX guests): EIP */
#define PORT_INVD	0x70

/* ---------------------------------------------------------------- */
/* Host-side helpers                                                 */

static inline __u64 guest_u64(struct axv_vm *vm, __u64 gpa)
{
	__u64 v;

	memcpy(&v, axv_gpa2hva(vm, gpa), sizeof(v));
	return v;
}

static inline __u32 guest_u32(struct axv_vm *vm, __u64 gpa)
{
	__u32 v;

	memcpy(&v, axv_gpa2hva(vm, gpa), sizeof(v));
	return v;
}

static inline void guest_put_u64(struct axv_vm *vm, __u64 gpa, __u64 v)
{
	memcpy(axv_gpa2hva(vm, gpa), &v, sizeof(v));
}

static inline bool host_has_avx(char *why, size_t len)
{
	unsigned int a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_AVX)) {
		snprintf(why, len, "the CPU has no AVX (CPUID.1:ECX.AVX clear)");
		return false;
	}
	if (!(c & bit_OSXSAVE)) {
		snprintf(why, len, "the host kernel did not set CR4.OSXSAVE");
		return false;
	}
	asm volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	if ((lo & 6) != 6) {
		snprintf(why, len, "the host XCR0 (%#x) does not enable SSE+AVX",
			 lo);
		return false;
	}
	return true;
}

static inline bool host_has_osxsave(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE);
}

static inline __u64 host_xcr0(void)
{
	unsigned int lo, hi;

	asm volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	return ((__u64)hi << 32) | lo;
}

static inline void fill_pattern(__u8 *p, size_t n, __u8 seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (__u8)(seed * 31 + i * 7 + (i >> 4) * 13 + 1);
}

/*
 * The guests using VEX instructions have a #UD handler that reports the
 * faulting EIP on PORT_BAD_UD, so that an emulated CPU without AVX in the
 * guest gives a reason instead of a triple fault.
 */
#define BAD_UD_HANDLER(label)						\
	#label ":\n\t"							\
	"mov (%esp), %eax\n\t"						\
	"out %eax, $" __stringify(PORT_BAD_UD) "\n\t"			\
	"hlt\n\t"

/* ---------------------------------------------------------------- */

FIXTURE(host_state)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axv_vcpu *vcpu2;
	struct axvcpu_info info;
};

FIXTURE_SETUP(host_state)
{
	axv_read_info(&self->info);
}

FIXTURE_TEARDOWN(host_state)
{
	axv_vcpu_close(self->vcpu2);
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
}

#define GUEST(name)		X86_FIXTURE_GUEST(name, 0)

/* The guest stopped in its #UD handler: a VEX instruction was refused. */
#define SKIP_IF_GUEST_UD(_vcpu, _what) do {				\
	if ((_vcpu)->run->exit_reason == AXVCPU_EXIT_IO_WRITE &&	\
	    (_vcpu)->run->io.port == PORT_BAD_UD)			\
		SKIP(return, "%s: #UD in the guest at %#llx (no AVX for a guest with CR4.OSXSAVE on this CPU)", \
		     _what, (unsigned long long)(_vcpu)->run->io.data);	\
} while (0)

#endif /* SELFTEST_AXVCPU_HOST_STATE_H */
