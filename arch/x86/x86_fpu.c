// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's FPU/SSE/AVX state. Around each guest entry the host's
 * user-space FPU state is put aside with kernel_fpu_begin() (it is saved once
 * and reloaded on the way back to user space), the guest's state is loaded
 * with XRSTOR and saved again with XSAVE after the exit, for every
 * component the host's XCR0 enables. The guest runs with the host's XCR0;
 * XSETBV is intercepted (see svm_exit.c).
 */
#include <linux/log2.h>
#include <linux/slab.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/cpufeature.h>
#include "x86.h"

#define X86_FXSAVE_SIZE		512
#define X86_FCW_INIT		0x37f
#define X86_MXCSR_INIT		0x1f80

static unsigned int x86_fpu_size;
static bool x86_fpu_xsave;
static u64 x86_host_xcr0;

/**
 * x86_fpu_init() - size the guest FPU area for this host
 *
 * Return: 0.
 */
int x86_fpu_init(void)
{
	unsigned int eax, ebx, ecx, edx;

	x86_fpu_xsave = boot_cpu_has(X86_FEATURE_XSAVE) &&
			boot_cpu_has(X86_FEATURE_OSXSAVE);
	if (x86_fpu_xsave) {
		/* CPUID.(EAX=0DH,ECX=0).EBX: the XSAVE area size for XCR0. */
		cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
		x86_fpu_size = ebx;
		x86_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	} else {
		x86_fpu_size = X86_FXSAVE_SIZE;
	}
	return 0;
}

/**
 * x86_fpu_alloc() - a guest FPU area in its initial state
 *
 * Return: the area (64-byte aligned), or NULL.
 */
void *x86_fpu_alloc(void)
{
	/* Power-of-two kmalloc sizes are naturally aligned. */
	u8 *area = kzalloc(roundup_pow_of_two(x86_fpu_size),
			   GFP_KERNEL_ACCOUNT);
	u16 fcw = X86_FCW_INIT;
	u32 mxcsr = X86_MXCSR_INIT;

	if (!area)
		return NULL;
	/* FXSAVE layout: FCW at 0, MXCSR at 24 (SDM vol. 1, 10.5.1). */
	memcpy(area, &fcw, sizeof(fcw));
	memcpy(area + 24, &mxcsr, sizeof(mxcsr));
	return area;
}

/**
 * x86_fpu_free() - free a guest FPU area
 * @area: the area, or NULL
 */
void x86_fpu_free(void *area)
{
	kfree(area);
}

/**
 * x86_fpu_enter_guest() - load the guest's FPU state
 * @area: the guest's area
 *
 * Disables preemption until x86_fpu_leave_guest().
 */
void x86_fpu_enter_guest(void *area)
{
	kernel_fpu_begin_mask(0);
	if (x86_fpu_xsave)
		asm volatile("xrstor64 %0" : : "m" (*(u8 *)area), "a" (-1),
			     "d" (-1) : "memory");
	else
		asm volatile("fxrstor64 %0" : : "m" (*(u8 *)area) : "memory");
}

/**
 * x86_fpu_leave_guest() - save the guest's FPU state
 * @area: the guest's area
 *
 * Re-enables preemption.
 */
void x86_fpu_leave_guest(void *area)
{
	/*
	 * XSETBV is intercepted, but QEMU's SVM lets it run: put the host's
	 * XCR0 back before anything saves or restores state with it.
	 */
	if (x86_fpu_xsave &&
	    unlikely(xgetbv(XCR_XFEATURE_ENABLED_MASK) != x86_host_xcr0))
		xsetbv(XCR_XFEATURE_ENABLED_MASK, x86_host_xcr0);
	if (x86_fpu_xsave)
		asm volatile("xsave64 %0" : "=m" (*(u8 *)area) : "a" (-1),
			     "d" (-1) : "memory");
	else
		asm volatile("fxsave64 %0" : "=m" (*(u8 *)area) : : "memory");
	kernel_fpu_end();
}
