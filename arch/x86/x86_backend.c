// SPDX-License-Identifier: GPL-2.0
/*
 * x86 backend selection: AMD SVM or Intel VMX by CPUID, at load time.
 */
#include <asm/cpufeature.h>
#include "x86.h"
#include "svm.h"
#include "vmx.h"

static const struct axvcpu_arch_ops *x86_ops;

/**
 * axvcpu_arch_init() - pick the x86 backend for this CPU
 *
 * Return: the SVM backend's ops on AMD-V hosts, the VMX backend's on
 * Intel VT-x hosts, NULL otherwise.
 */
const struct axvcpu_arch_ops *axvcpu_arch_init(void)
{
	/* the guests' FPU area and XCR0, which both vendors' probes read */
	x86_fpu_init();
	if (boot_cpu_has(X86_FEATURE_SVM))
		x86_ops = svm_probe();
	else if (boot_cpu_has(X86_FEATURE_VMX))
		x86_ops = vmx_probe();
	else
		pr_info("axvcpu: no AMD SVM or Intel VMX on this CPU\n");
	return x86_ops;
}

/**
 * axvcpu_arch_exit() - free the backend's global state
 */
void axvcpu_arch_exit(void)
{
	if (x86_ops && x86_ops->arch == AXVCPU_ARCH_X86_SVM)
		svm_unprobe();
	else if (x86_ops && x86_ops->arch == AXVCPU_ARCH_X86_VMX)
		vmx_unprobe();
	x86_ops = NULL;
}
