// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 backend's file in /sys/kernel/debug/axvcpu, for tests:
 * arm64_el2_fault. Writing 1 makes the next entry, on any CPU, hand
 * A64_HVC_RUN a context page that EL2's identity map does not map, so
 * that EL2 takes a data abort itself at its first access to it: the way
 * a real fault there goes (a context page EL2 cannot reach, an EL2 bug),
 * which must give the host its registers back (A64_EXIT_HYP_PANIC, the
 * vCPU INVALID) and leave the CPU able to run guests, not stop it.
 * Writing 0 disarms; reading says whether one is armed. One shot, root
 * only (debugfs); the exit's log line says "(injected)" and there is no
 * WARN for it.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/percpu.h>
#include "arm64.h"

bool arm64_el2_fault_next;
static u64 arm64_el2_fault_pa;
static DEFINE_PER_CPU(bool, arm64_el2_fault_taken);

/**
 * arm64_el2_fault_take() - use the armed fault for this entry
 * @pa: the context's physical address, replaced by the unmapped one
 *
 * Context: interrupts disabled, before A64_HVC_RUN.
 */
void arm64_el2_fault_take(u64 *pa)
{
	if (!xchg(&arm64_el2_fault_next, false))
		return;
	*pa = READ_ONCE(arm64_el2_fault_pa);
	this_cpu_write(arm64_el2_fault_taken, true);
}

/**
 * arm64_el2_fault_injected() - was this CPU's last EL2 exception ours?
 *
 * Return: true once after an entry that took the injected fault.
 */
bool arm64_el2_fault_injected(void)
{
	return this_cpu_xchg(arm64_el2_fault_taken, false);
}

static ssize_t arm64_el2_fault_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	bool arm;
	u64 pa;
	int ret;

	ret = kstrtobool_from_user(ubuf, len, &arm);
	if (ret)
		return ret;
	if (arm) {
		if (!arm64_el2_unmapped_pa(&pa))
			return -ENXIO;
		WRITE_ONCE(arm64_el2_fault_pa, pa);
	}
	/* the address before the flag: an entry that sees one sees both */
	smp_store_release(&arm64_el2_fault_next, arm);
	return len;
}

static ssize_t arm64_el2_fault_read(struct file *file, char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	char buf[2] = { READ_ONCE(arm64_el2_fault_next) ? '1' : '0', '\n' };

	return simple_read_from_buffer(ubuf, len, ppos, buf, sizeof(buf));
}

static const struct file_operations arm64_el2_fault_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = arm64_el2_fault_read,
	.write = arm64_el2_fault_write,
	.llseek = default_llseek,
};

/**
 * arm64_debugfs_init() - the backend's files in @dir
 * @dir: /sys/kernel/debug/axvcpu
 */
void arm64_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("arm64_el2_fault", 0600, dir, NULL,
			    &arm64_el2_fault_fops);
}
