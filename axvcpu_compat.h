/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel versions axvcpu builds against, 6.1 (Debian 12) to 6.12
 * (Debian 13, RHEL 10), and the few interfaces that changed between them,
 * each behind one helper keyed on LINUX_VERSION_CODE.
 */
#ifndef _AXVCPU_COMPAT_H
#define _AXVCPU_COMPAT_H

#include <linux/file.h>
#include <linux/mm.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "axvcpu needs Linux 6.1 or later (its guest FPU, GUP and hotplug interfaces)"
#endif

/*
 * VMA flags: written directly up to 6.2; from 6.3 the field is read-only
 * and vm_flags_set() takes the mmap lock's write side into account.
 */
static inline void axvcpu_vm_flags_set(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
	vma->vm_flags |= flags;
#else
	vm_flags_set(vma, flags);
#endif
}

/* The file of a struct fd: a field up to 6.11, packed in a word from 6.12. */
static inline struct file *axvcpu_fd_file(struct fd f)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	return f.file;
#else
	return fd_file(f);
#endif
}

#endif /* _AXVCPU_COMPAT_H */
