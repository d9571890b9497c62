// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's FPU/SSE/AVX state. Around each guest entry the host's
 * user-space FPU state is put aside with kernel_fpu_begin() (it is saved once
 * and reloaded on the way back to user space), the guest's state is loaded
 * with XRSTOR and saved again with XSAVE after the exit, for every
 * component the host's XCR0 enables. The guest has an XCR0 of its own, a
 * subset of the host's (starting as the host's): it is loaded after that
 * XRSTOR, just before the entry, and the host's is put back after the exit
 * before the XSAVE, so that the host never saves or restores state with
 * the guest's XCR0 and the area keeps the host's layout. XSETBV is
 * intercepted (svm_exit.c); where it is not (QEMU's SVM), the value the
 * guest set is read back at the exit. PKRU is the guest's in between
 * too, and the host's is written back after the XSAVE.
 */
#include <linux/log2.h>
#include <linux/slab.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/pkru.h>
#include <asm/cpufeature.h>
#include "x86.h"

#define X86_FXSAVE_SIZE		512
#define X86_FCW_INIT		0x37f
#define X86_MXCSR_INIT		0x1f80

/* The XSAVE header follows the legacy area (SDM vol. 1, 13.4.2). */
#define X86_XSAVE_HDR		512
#define X86_XSAVE_HDR_SIZE	64
#define X86_MXCSR_OFFSET	24
#define X86_MXCSR_MASK_OFFSET	28
/* MXCSR_MASK reads 0 on CPUs from before it existed (SDM vol. 1, 11.6.6). */
#define X86_MXCSR_MASK_DEFAULT	0xffbf

static unsigned int x86_fpu_size;
static bool x86_fpu_xsave;
static u64 x86_host_xcr0;
/* CPUID.(EAX=0DH,ECX=i): where component i of the standard format ends */
static u32 x86_xstate_end[64];
static u32 x86_mxcsr_mask = X86_MXCSR_MASK_DEFAULT;

/* The MXCSR bits this CPU accepts, from FXSAVE's MXCSR_MASK. */
static void x86_fpu_read_mxcsr_mask(void)
{
	/* kmalloc(512) is 512-byte aligned; FXSAVE needs 16. */
	u8 *area = kzalloc(X86_FXSAVE_SIZE, GFP_KERNEL);
	u32 mask;

	if (!area)
		return;
	kernel_fpu_begin();
	asm volatile("fxsave64 %0" : "=m" (*area) : : "memory");
	kernel_fpu_end();
	memcpy(&mask, area + X86_MXCSR_MASK_OFFSET, sizeof(mask));
	if (mask)
		x86_mxcsr_mask = mask;
	kfree(area);
}

/**
 * x86_fpu_init() - size the guest FPU area for this host
 *
 * Return: 0.
 */
int x86_fpu_init(void)
{
	unsigned int eax, ebx, ecx, edx, i;

	x86_fpu_xsave = boot_cpu_has(X86_FEATURE_XSAVE) &&
			boot_cpu_has(X86_FEATURE_OSXSAVE);
	if (x86_fpu_xsave) {
		/* CPUID.(EAX=0DH,ECX=0).EBX: the XSAVE area size for XCR0. */
		cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
		x86_fpu_size = ebx;
		x86_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		for (i = 2; i < 64; i++) {
			if (!(x86_host_xcr0 & BIT_ULL(i)))
				continue;
			cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
			x86_xstate_end[i] = ebx + eax;
		}
	} else {
		x86_fpu_size = X86_FXSAVE_SIZE;
	}
	x86_fpu_read_mxcsr_mask();
	return 0;
}

/**
 * x86_fpu_state_size() - bytes of a guest FPU area (AXVCPU_GET_FPU)
 *
 * Return: CPUID.(EAX=0DH,ECX=0).EBX for the host's XCR0, or 512 (FXSAVE).
 */
u32 x86_fpu_state_size(void)
{
	return x86_fpu_size;
}

/**
 * x86_fpu_get() - copy a guest FPU area out
 * @area: the guest's area
 * @buf: x86_fpu_state_size() bytes
 */
void x86_fpu_get(const void *area, void *buf)
{
	memcpy(buf, area, x86_fpu_size);
}

/**
 * x86_fpu_set() - load a guest FPU area from user space's image
 * @area: the guest's area
 * @buf: x86_fpu_state_size() bytes in the standard XSAVE format
 *
 * XRSTOR of the area runs in the kernel at the next entry, where a #GP
 * would be a kernel fault: everything it checks is checked here (SDM vol.
 * 1, 13.8): MXCSR against MXCSR_MASK, XSTATE_BV within XCR0, XCOMP_BV zero
 * (the standard format) and the rest of the header zero.
 *
 * Return: 0, or -EINVAL (the area is unchanged).
 */
int x86_fpu_set(void *area, const void *buf)
{
	const u8 *b = buf;
	u64 hdr[X86_XSAVE_HDR_SIZE / 8];
	u32 mxcsr;

	memcpy(&mxcsr, b + X86_MXCSR_OFFSET, sizeof(mxcsr));
	if (mxcsr & ~x86_mxcsr_mask)
		return -EINVAL;
	if (x86_fpu_xsave) {
		memcpy(hdr, b + X86_XSAVE_HDR, sizeof(hdr));
		if ((hdr[0] & ~x86_host_xcr0) ||
		    memchr_inv(&hdr[1], 0, sizeof(hdr) - sizeof(hdr[0])))
			return -EINVAL;
	}
	memcpy(area, buf, x86_fpu_size);
	return 0;
}

/**
 * x86_fpu_xcr0() - the XCR0 guests start with, and the most they may set
 *
 * Return: the host's XCR0, or 0 on a host without XSAVE.
 */
u64 x86_fpu_xcr0(void)
{
	return x86_fpu_xsave ? x86_host_xcr0 : 0;
}

/**
 * x86_fpu_xcr0_valid() - whether XSETBV would take @xcr0 on this host
 * @xcr0: a guest's value
 *
 * The rules of XSETBV (SDM vol. 1, 13.3): x87 always on, AVX only with
 * SSE, the AVX-512 components together and only with AVX, MPX's two
 * together; and within the host's XCR0 (the components the module saves).
 *
 * Return: true if valid.
 */
bool x86_fpu_xcr0_valid(u64 xcr0)
{
	if (!x86_fpu_xsave || (xcr0 & ~x86_host_xcr0) ||
	    !(xcr0 & XFEATURE_MASK_FP))
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	if ((xcr0 & XFEATURE_MASK_AVX512) &&
	    ((xcr0 & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512 ||
	     !(xcr0 & XFEATURE_MASK_YMM)))
		return false;
	if (!(xcr0 & XFEATURE_MASK_BNDREGS) != !(xcr0 & XFEATURE_MASK_BNDCSR))
		return false;
	return true;
}

/**
 * x86_fpu_xstate_size() - the standard-format XSAVE area for @xcr0
 * @xcr0: a value x86_fpu_xcr0_valid() accepts
 *
 * Return: what CPUID.(EAX=0DH,ECX=0).EBX reads with that XCR0 (SDM vol. 2A,
 * CPUID): the end of its last component, at least the legacy area and
 * the header.
 */
u32 x86_fpu_xstate_size(u64 xcr0)
{
	u32 size = X86_XSAVE_HDR + X86_XSAVE_HDR_SIZE;
	unsigned int i;

	for (i = 2; i < 64; i++)
		if ((xcr0 & BIT_ULL(i)) && x86_xstate_end[i] > size)
			size = x86_xstate_end[i];
	return size;
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
	memcpy(area + X86_MXCSR_OFFSET, &mxcsr, sizeof(mxcsr));
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
 * x86_fpu_enter_guest() - load the guest's FPU state, XCR0 and PKRU
 * @xv: the vCPU: its area, XCR0; the host's PKRU is kept in it
 *
 * Disables preemption until x86_fpu_leave_guest(). Interrupt handlers do
 * not use the FPU meanwhile (kernel_fpu_begin() makes irq_fpu_usable()
 * false), so nothing but the guest runs with its XCR0. The XRSTOR loads
 * the guest's PKRU with the rest (or PKRU's init value, 0, when the area
 * has none): the host's is read first, for x86_fpu_leave_guest().
 */
void x86_fpu_enter_guest(struct x86_vcpu *xv)
{
	kernel_fpu_begin_mask(0);
	xv->host_pkru = read_pkru();
	if (x86_fpu_xsave) {
		asm volatile("xrstor64 %0" : : "m" (*(u8 *)xv->fpu), "a" (-1),
			     "d" (-1) : "memory");
		if (xv->xcr0 != x86_host_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, xv->xcr0);
	} else {
		asm volatile("fxrstor64 %0" : : "m" (*(u8 *)xv->fpu) : "memory");
	}
}

/**
 * x86_fpu_leave_guest() - save the guest's FPU state, put the host's back
 * @xv: the vCPU: its area, its XCR0 (updated to what the guest left)
 *
 * The host's XCR0 goes back before the XSAVE, the host's PKRU after it:
 * the kernel does not restore PKRU on the way back to user space (it is
 * not in XFEATURE_MASK_FPSTATE; switch_to() keeps it right), so without
 * this the VMM thread would run on with the guest's protection keys.
 * Re-enables preemption.
 */
void x86_fpu_leave_guest(struct x86_vcpu *xv)
{
	u64 cur;

	/*
	 * XSETBV is intercepted, but QEMU's SVM lets it run: what the guest
	 * set is its XCR0 (the CPU checked it as XSETBV does; a value beyond
	 * the host's is refused by x86_fpu_xcr0_valid() and kept out). The
	 * host's goes back before anything saves or restores state with it.
	 */
	if (x86_fpu_xsave) {
		cur = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		if (unlikely(cur != xv->xcr0) && x86_fpu_xcr0_valid(cur))
			xv->xcr0 = cur;
		if (cur != x86_host_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, x86_host_xcr0);
		asm volatile("xsave64 %0" : "=m" (*(u8 *)xv->fpu) : "a" (-1),
			     "d" (-1) : "memory");
	} else {
		asm volatile("fxsave64 %0" : "=m" (*(u8 *)xv->fpu) : : "memory");
	}
	write_pkru(xv->host_pkru);
	kernel_fpu_end();
}
