/* SPDX-License-Identifier: GPL-2.0 */
/* axvcpu-run's x86 parts: image loaders (x86/load.c). */
#ifndef AXVCPU_RUN_X86_H
#define AXVCPU_RUN_X86_H

#include "../vmm.h"

/* struct axvcpu_gpr numbering */
enum { X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP };

/* Copy @file into guest RAM at @gpa (exit status 2 if it does not fit). */
void x86_load_raw(struct vmm *vmm, const char *file, uint64_t gpa);
/*
 * The multiboot v1 kernel of the configuration, its module (--initrd) and
 * command line; @bsp starts at its entry in 32-bit flat protected mode
 * with EAX = 0x2badb002 and EBX = the multiboot information.
 */
void x86_load_multiboot(struct vmm *vmm, struct vmm_vcpu *bsp);

#endif /* AXVCPU_RUN_X86_H */
