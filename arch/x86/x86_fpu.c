// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's FPU/SSE/AVX state, in the kernel's own guest FPU container
 * (struct fpu_guest, the API the kernel offers hypervisors), swapped in
 * once per RUN as KVM does: at the first entry of a RUN the thread's
 * user-space FPU state is saved and the guest's becomes the task's FPU
 * state, so that a preemption, a softirq or an interrupt handler that
 * uses the FPU saves and restores the guest's (TIF_NEED_FPU_LOAD, reloaded
 * before the next entry); at the end of the RUN (vcpu_run_end) the
 * user-space state comes back. Entries and exits handled in the kernel
 * switch no FPU registers at all.
 *
 * What is switched around each entry, with interrupts off, is what the
 * FPU state does not hold: the guest's XCR0 (a subset of the host's,
 * starting as the host's), loaded just before the entry and the host's
 * put back right after the exit, so that nothing in the host ever saves
 * or restores state with the guest's XCR0; and PKRU, which the kernel's
 * container leaves out (it is not in XFEATURE_MASK_FPSTATE) and does not
 * restore on the way back to user space either: the guest's is written
 * before the entry and read back after the exit, the VMM thread's written
 * back then. XSETBV is intercepted (svm_exit.c); where it is not (QEMU's
 * SVM), the value the guest set is read back at the exit. AMX's tile
 * data is a dynamic component the container has no room for by default:
 * guests do not get AMX (it is left out of their XCR0 and CPUID).
 */
#include <linux/slab.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/pkru.h>
#include <asm/cpufeature.h>
#include "x86.h"

#define X86_FXSAVE_SIZE		512

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
/* the most a guest's XCR0 may hold: the host's without AMX's tiles */
static u64 x86_guest_xcr0_max;
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
		x86_guest_xcr0_max = x86_host_xcr0 & ~XFEATURE_MASK_XTILE;
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
 * x86_fpu_get() - copy the guest's FPU state out
 * @xv: the vCPU (not in a RUN: its state is in the container)
 * @buf: x86_fpu_state_size() bytes, the standard XSAVE format with the
 *	guest's PKRU in its place
 */
void x86_fpu_get(struct x86_vcpu *xv, void *buf)
{
	fpu_copy_guest_fpstate_to_uabi(&xv->gfpu, buf, x86_fpu_size,
				       x86_host_xcr0, xv->pkru);
}

/**
 * x86_fpu_set() - load the guest's FPU state from user space's image
 * @xv: the vCPU (not in a RUN)
 * @buf: x86_fpu_state_size() bytes in the standard XSAVE format
 *
 * The kernel's copy checks what XRSTOR would (SDM vol. 1, 13.8): MXCSR
 * against MXCSR_MASK, XSTATE_BV within the components the guest may
 * have, XCOMP_BV zero (the standard format) and the rest of the header
 * zero. PKRU is the image's when its bit is set in XSTATE_BV, else 0.
 *
 * Return: 0, or -EINVAL (the state is unchanged).
 */
int x86_fpu_set(struct x86_vcpu *xv, const void *buf)
{
	const u8 *b = buf;
	u64 hdr[X86_XSAVE_HDR_SIZE / 8];
	u32 mxcsr;

	/* checked here too: the kernel's copy would take some in part */
	memcpy(&mxcsr, b + X86_MXCSR_OFFSET, sizeof(mxcsr));
	if (mxcsr & ~x86_mxcsr_mask)
		return -EINVAL;
	if (x86_fpu_xsave) {
		memcpy(hdr, b + X86_XSAVE_HDR, sizeof(hdr));
		if ((hdr[0] & ~x86_guest_xcr0_max) ||
		    memchr_inv(&hdr[1], 0, sizeof(hdr) - sizeof(hdr[0])))
			return -EINVAL;
	}
	if (fpu_copy_uabi_to_guest_fpstate(&xv->gfpu, buf, x86_guest_xcr0_max,
					   &xv->pkru))
		return -EINVAL;
	/* as XRSTOR: a component whose bit is clear is in its initial state */
	if (!x86_fpu_xsave || !(hdr[0] & XFEATURE_MASK_PKRU))
		xv->pkru = 0;
	return 0;
}

/**
 * x86_fpu_xcr0() - the XCR0 guests start with, and the most they may set
 *
 * Return: the host's XCR0 without AMX's tiles, or 0 on a host without
 * XSAVE.
 */
u64 x86_fpu_xcr0(void)
{
	return x86_fpu_xsave ? x86_guest_xcr0_max : 0;
}

/**
 * x86_fpu_xcr0_valid() - whether XSETBV would take @xcr0 on this host
 * @xcr0: a guest's value
 *
 * The rules of XSETBV (SDM vol. 1, 13.3): x87 always on, AVX only with
 * SSE, the AVX-512 components together and only with AVX, MPX's two
 * together; and within the host's XCR0 without AMX's tiles (the
 * components the guest's container saves).
 *
 * Return: true if valid.
 */
bool x86_fpu_xcr0_valid(u64 xcr0)
{
	if (!x86_fpu_xsave || (xcr0 & ~x86_guest_xcr0_max) ||
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
 * x86_fpu_alloc() - the guest's FPU container, in its initial state
 * @xv: the vCPU
 *
 * Return: 0, or -ENOMEM.
 */
int x86_fpu_alloc(struct x86_vcpu *xv)
{
	if (!fpu_alloc_guest_fpstate(&xv->gfpu))
		return -ENOMEM;
	xv->xcr0 = x86_fpu_xcr0();
	xv->pkru = 0;	/* PKRU's initial value (SDM vol. 1, 13.6) */
	return 0;
}

/**
 * x86_fpu_free() - free the guest's FPU container
 * @xv: the vCPU (not in a RUN), or one x86_fpu_alloc() failed for
 */
void x86_fpu_free(struct x86_vcpu *xv)
{
	fpu_free_guest_fpstate(&xv->gfpu);
}

/**
 * x86_fpu_run_begin() - the guest's FPU state becomes the task's
 * @xv: the vCPU, on its bound thread, preemption enabled
 *
 * At the first entry of a RUN; nothing on the next ones. The VMM
 * thread's PKRU is read here: nothing changes it until the RUN returns.
 */
void x86_fpu_run_begin(struct x86_vcpu *xv)
{
	if (xv->fpu_in)
		return;
	xv->host_pkru = read_pkru();
	fpu_swap_kvm_fpstate(&xv->gfpu, true);
	xv->fpu_in = true;
}

/**
 * x86_fpu_run_end() - the task's own FPU state back, at the end of a RUN
 * @xv: the vCPU, on its bound thread, preemption enabled
 */
void x86_fpu_run_end(struct x86_vcpu *xv)
{
	if (!xv->fpu_in)
		return;
	fpu_swap_kvm_fpstate(&xv->gfpu, false);
	xv->fpu_in = false;
}

/**
 * x86_fpu_enter_guest() - just before an entry: the guest's registers
 * @xv: the vCPU, after x86_fpu_run_begin(); interrupts disabled
 *
 * The guest's FPU registers are reloaded if something put them aside
 * since the last exit (a preemption, kernel_fpu_begin() in a softirq);
 * then the guest's XCR0 and PKRU, which nothing in the host runs with.
 */
void x86_fpu_enter_guest(struct x86_vcpu *xv)
{
	lockdep_assert_irqs_disabled();
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	if (x86_fpu_xsave && xv->xcr0 != x86_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, xv->xcr0);
	if (xv->pkru != xv->host_pkru)
		write_pkru(xv->pkru);
}

/**
 * x86_fpu_leave_guest() - right after an exit: the host's XCR0 and PKRU
 * @xv: the vCPU: its XCR0 and PKRU (updated to what the guest left);
 *	interrupts disabled
 *
 * The host's XCR0 goes back before anything can save the FPU state (an
 * interrupt handler, once interrupts are on); the VMM thread's PKRU
 * before the thread can run user code.
 */
void x86_fpu_leave_guest(struct x86_vcpu *xv)
{
	u64 cur;

	/*
	 * XSETBV is intercepted, but QEMU's SVM lets it run: what the guest
	 * set is its XCR0 (the CPU checked it as XSETBV does; a value beyond
	 * the guest's maximum is refused by x86_fpu_xcr0_valid() and kept
	 * out).
	 */
	if (x86_fpu_xsave) {
		cur = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		if (unlikely(cur != xv->xcr0) && x86_fpu_xcr0_valid(cur))
			xv->xcr0 = cur;
		if (cur != x86_host_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, x86_host_xcr0);
	}
	if (cpu_feature_enabled(X86_FEATURE_OSPKE)) {
		xv->pkru = read_pkru();
		if (xv->pkru != xv->host_pkru)
			write_pkru(xv->host_pkru);
	}
}
