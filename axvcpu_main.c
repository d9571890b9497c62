// SPDX-License-Identifier: GPL-2.0
/*
 * axvcpu: hardware virtual CPUs for user-space VMMs.
 *
 * Module init/exit, the /dev/axvcpu misc device and the system fd's ioctls.
 * VM fds are in axvcpu_vm.c, vCPU fds in axvcpu_vcpu.c.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <linux/uaccess.h>
#include "axvcpu_core.h"

const struct axvcpu_arch_ops *axvcpu_ops;

static long axvcpu_get_info(struct axvcpu_info __user *uinfo)
{
	struct axvcpu_info info = {
		.arch = AXVCPU_ARCH_NONE,
		.run_mmap_size = PAGE_SIZE,
		.max_vcpus = AXVCPU_MAX_VCPUS,
		.max_memory_regions = AXVCPU_MAX_MEMORY_REGIONS,
		.nr_exit_reasons = AXVCPU_NR_EXIT_REASONS,
		.api_version = AXVCPU_API_VERSION,
	};

	if (axvcpu_ops) {
		info.arch = axvcpu_ops->arch;
		info.flags = axvcpu_ops->features;
		info.guest_phys_bits = axvcpu_ops->guest_phys_bits;
		info.fpu_state_size = axvcpu_ops->fpu_state_size;
	}
	return copy_to_user(uinfo, &info, sizeof(info)) ? -EFAULT : 0;
}

/*
 * x86: the CPUID guests see by default; with too little room, E2BIG and
 * nent set to the count.
 */
static long axvcpu_get_supported_cpuid(struct axvcpu_cpuid __user *uarg)
{
	struct axvcpu_cpuid_entry *e;
	struct axvcpu_cpuid c;
	long ret = 0;
	u32 room;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.flags || !axvcpu_ops || !axvcpu_ops->get_supported_cpuid)
		return -EINVAL;
	e = kcalloc(AXVCPU_MAX_CPUID_ENTRIES, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	room = c.nent;
	c.nent = axvcpu_ops->get_supported_cpuid(e);
	if (copy_to_user(uarg, &c, sizeof(c)))
		ret = -EFAULT;
	else if (room < c.nent)
		ret = -E2BIG;
	else if (copy_to_user(u64_to_user_ptr(c.entries), e,
			      c.nent * sizeof(*e)))
		ret = -EFAULT;
	kfree(e);
	return ret;
}

static long axvcpu_dev_ioctl(struct file *filp, unsigned int cmd,
			     unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case AXVCPU_GET_API_VERSION:
		return arg ? -EINVAL : AXVCPU_API_VERSION;
	case AXVCPU_GET_INFO:
		return axvcpu_get_info(argp);
	case AXVCPU_CREATE_VM:
		return arg ? -EINVAL : axvcpu_create_vm();
	case AXVCPU_CREATE_VCPU:
		return axvcpu_create_vcpu(argp);
	case AXVCPU_GET_SUPPORTED_CPUID:
		return axvcpu_get_supported_cpuid(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations axvcpu_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = axvcpu_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice axvcpu_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "axvcpu",
	.fops = &axvcpu_dev_fops,
	.mode = 0600,
};

static int __init axvcpu_init(void)
{
	int ret;

	/* No usable hardware still loads, so that GET_INFO can say so. */
	axvcpu_ops = axvcpu_arch_init();
	ret = axvcpu_percpu_init();
	if (ret)
		goto err_arch;
	axvcpu_debugfs_init();
	ret = misc_register(&axvcpu_dev);
	if (ret)
		goto err_percpu;
	pr_info("axvcpu: /dev/axvcpu ready, backend %s\n",
		axvcpu_ops ? axvcpu_ops->name : "none");
	return 0;

err_percpu:
	axvcpu_debugfs_exit();
	axvcpu_percpu_exit();
err_arch:
	axvcpu_arch_exit();
	return ret;
}

static void __exit axvcpu_exit(void)
{
	misc_deregister(&axvcpu_dev);
	/* vCPUs are freed after a grace period (axvcpu_vcpu_free()) */
	rcu_barrier();
	axvcpu_debugfs_exit();
	axvcpu_percpu_exit();
	axvcpu_arch_exit();
}

module_init(axvcpu_init);
module_exit(axvcpu_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("axvcpu developers");
MODULE_DESCRIPTION("Hardware virtual CPUs for user-space VMMs (/dev/axvcpu)");
/* "<ABI version>.<source version>", e.g. 2.21e051f (Kbuild says where from) */
MODULE_VERSION(__stringify(AXVCPU_API_VERSION) "." AXVCPU_SRC_VERSION);
