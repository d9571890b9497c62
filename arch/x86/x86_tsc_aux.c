// SPDX-License-Identifier: GPL-2.0
/*
 * IA32_TSC_AUX, the value RDTSCP returns in ECX and RDPID returns: the
 * host keeps its CPU and node number there (vgetcpu), and neither SVM nor
 * VMX switches it. Each vCPU has its own (0 at creation; its WRMSR and
 * AXVCPU_SET_SYSREG set it, svm_exit.c, svm_sysreg.c), loaded just for the
 * guest: after CLGI and before STGI, where not even an NMI can run host
 * code on the guest's value (the kernel's paranoid entry reads its per-CPU
 * base with RDPID). Without this the guest would read the host's CPU
 * number, and the host's vgetcpu would read whatever the guest wrote.
 */
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include "x86.h"

static bool x86_has_tsc_aux(void)
{
	return static_cpu_has(X86_FEATURE_RDTSCP) ||
	       static_cpu_has(X86_FEATURE_RDPID);
}

/**
 * x86_tsc_aux_enter() - load the guest's TSC_AUX
 * @xv: the vCPU
 *
 * With GIF (or interrupts and NMIs) blocked, just before the entry.
 *
 * Return: the host's value, for x86_tsc_aux_leave().
 */
u64 x86_tsc_aux_enter(struct x86_vcpu *xv)
{
	u64 host;

	if (!x86_has_tsc_aux())
		return 0;
	/*
	 * Read, not cached per CPU: KVM on this CPU may have left its own
	 * guest's value here (it restores the host's only on its thread's
	 * return to user space), and that is what must come back.
	 */
	rdmsrl(MSR_TSC_AUX, host);
	if (host != xv->tsc_aux)
		wrmsrl(MSR_TSC_AUX, xv->tsc_aux);
	return host;
}

/**
 * x86_tsc_aux_leave() - put the host's TSC_AUX back
 * @xv: the vCPU
 * @host: what x86_tsc_aux_enter() returned
 *
 * Right after the exit, still with GIF blocked.
 */
void x86_tsc_aux_leave(struct x86_vcpu *xv, u64 host)
{
	if (x86_has_tsc_aux() && host != xv->tsc_aux)
		wrmsrl(MSR_TSC_AUX, host);
}
