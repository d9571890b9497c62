/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMREAD and VMWRITE of the current VMCS (SDM vol. 3C, 30.3). A field
 * the CPU does not have fails (VMfailValid); the module only touches
 * fields its controls need, so a failure is a bug: warned once.
 */
#ifndef _AXVCPU_ARCH_X86_VMX_VMCS_H
#define _AXVCPU_ARCH_X86_VMX_VMCS_H

#include <linux/bug.h>
#include <linux/types.h>

static __always_inline u64 vmcs_read(unsigned long field)
{
	u64 value;
	bool fail;

	asm volatile("vmread %2, %1\n\t"
		     "setna %0"
		     : "=qm"(fail), "=rm"(value) : "r"(field) : "cc");
	WARN_ONCE(fail, "axvcpu: VMREAD %#lx failed\n", field);
	return value;
}

static __always_inline void vmcs_write(unsigned long field, u64 value)
{
	bool fail;

	asm volatile("vmwrite %2, %1\n\t"
		     "setna %0"
		     : "=qm"(fail) : "r"(field), "rm"(value) : "cc", "memory");
	WARN_ONCE(fail, "axvcpu: VMWRITE %#lx failed\n", field);
}

#endif /* _AXVCPU_ARCH_X86_VMX_VMCS_H */
