// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU hardware enable (the seed's AxArchPerCpu), reference counted by
 * VMs: the first VM enables virtualization on every online CPU, the last
 * one to go disables it everywhere. A dynamic CPU hotplug state does both
 * the "every online CPU now" and the "CPUs that come later" parts, and
 * rolls back the CPUs already enabled when one fails.
 *
 * A reboot, kexec or power-off turns virtualization off on every CPU for
 * good (until the module is loaded again in the next kernel), VMs alive
 * or not: the next kernel must find the hardware as a fresh boot leaves
 * it. arm64: kexec installs its own EL2 vectors through the hyp stub
 * (HVC_SET_VECTORS, which axvcpu's EL2 refuses) to enter the new kernel
 * at EL2, and the kernel being copied may overwrite axvcpu's EL2 code and
 * tables; x86: INIT is blocked in VMX root operation (Intel SDM Vol. 3C
 * 26.2 "Other causes of VM exits" and 33.14 "VMX and INIT"), so the new
 * kernel could not start its other CPUs. A crash kexec runs no notifier:
 * there the architecture's own paths serve (x86: the kernel's emergency
 * VMXOFF and SVM disable; arm64: axvcpu's EL2 serves the stub's
 * HVC_SOFT_RESTART, Documentation/design.rst).
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/mutex.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include "axvcpu_core.h"

static DEFINE_MUTEX(axvcpu_hw_lock);
static unsigned int axvcpu_hw_users;
static int axvcpu_hp_state;
static bool axvcpu_hw_stopped;

/**
 * axvcpu_hardware_stopped() - has the host begun to reboot or power off?
 *
 * A backend asks with interrupts disabled right before an entry: once the
 * reboot notifier has turned virtualization off on this CPU (an IPI, not
 * taken while interrupts are off) no guest may be entered again.
 *
 * Return: true from the reboot notifier on.
 */
bool axvcpu_hardware_stopped(void)
{
	return READ_ONCE(axvcpu_hw_stopped);
}

static int axvcpu_cpu_online(unsigned int cpu)
{
	int ret;

	/* A CPU that comes up during a reboot stays without. */
	if (axvcpu_hardware_stopped())
		return 0;
	/* Runs in the hotplug thread bound to @cpu. */
	preempt_disable();
	ret = axvcpu_ops->hardware_enable();
	preempt_enable();
	return ret;
}

static int axvcpu_cpu_offline(unsigned int cpu)
{
	preempt_disable();
	axvcpu_ops->hardware_disable();
	preempt_enable();
	return 0;
}

/**
 * axvcpu_hardware_get() - take a reference on hardware virtualization
 *
 * Context: process context; sleeps.
 * Return: 0 with virtualization enabled on every online CPU; -ENODEV when
 * there is no usable backend; -ESHUTDOWN once the host reboots; -EBUSY
 * (or the backend's errno) when a CPU could not be enabled, e.g. because
 * another hypervisor holds it.
 */
int axvcpu_hardware_get(void)
{
	int ret = 0;

	if (!axvcpu_ops)
		return -ENODEV;

	mutex_lock(&axvcpu_hw_lock);
	if (axvcpu_hardware_stopped()) {
		ret = -ESHUTDOWN;
		goto out;
	}
	if (axvcpu_hw_users == 0) {
		ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "axvcpu:online",
					axvcpu_cpu_online, axvcpu_cpu_offline);
		/* The backend's enable logged the one line saying why. */
		if (ret < 0)
			goto out;
		axvcpu_hp_state = ret;
		ret = 0;
	}
	axvcpu_hw_users++;
out:
	mutex_unlock(&axvcpu_hw_lock);
	return ret;
}

/**
 * axvcpu_hardware_put() - drop a reference taken by axvcpu_hardware_get()
 *
 * The last reference disables virtualization on every online CPU.
 */
void axvcpu_hardware_put(void)
{
	mutex_lock(&axvcpu_hw_lock);
	if (!WARN_ON_ONCE(axvcpu_hw_users == 0) && --axvcpu_hw_users == 0)
		cpuhp_remove_state(axvcpu_hp_state);
	mutex_unlock(&axvcpu_hw_lock);
}

static void axvcpu_cpu_stop(void *unused)
{
	axvcpu_ops->hardware_disable();
}

/*
 * Called by kernel_restart_prepare(), kernel_halt() and kernel_power_off()
 * (kexec included) with every CPU still online. The flag first, then an
 * IPI to each CPU: a vCPU thread about to enter tests the flag with
 * interrupts off, and one already in guest mode is sent out by the IPI,
 * which runs before it could enter again. Hotplug waits meanwhile, so no
 * CPU comes up half-enabled.
 */
static int axvcpu_reboot(struct notifier_block *nb, unsigned long code,
			 void *unused)
{
	mutex_lock(&axvcpu_hw_lock);
	cpus_read_lock();
	WRITE_ONCE(axvcpu_hw_stopped, true);
	if (axvcpu_hw_users) {
		on_each_cpu(axvcpu_cpu_stop, NULL, 1);
		/* a warning: the guests of those VMs end without notice */
		pr_warn("axvcpu: %s: virtualization off on every CPU (%u VM%s left)\n",
			code == SYS_RESTART ? "restart" : "halt or power-off",
			axvcpu_hw_users, axvcpu_hw_users == 1 ? "" : "s");
	}
	cpus_read_unlock();
	mutex_unlock(&axvcpu_hw_lock);
	return NOTIFY_OK;
}

static struct notifier_block axvcpu_reboot_nb = {
	.notifier_call = axvcpu_reboot,
};

/**
 * axvcpu_percpu_init() - module init: watch for a reboot
 *
 * Return: 0, or the notifier chain's errno.
 */
int axvcpu_percpu_init(void)
{
	return register_reboot_notifier(&axvcpu_reboot_nb);
}

/**
 * axvcpu_percpu_exit() - module exit: no reference may remain
 */
void axvcpu_percpu_exit(void)
{
	unregister_reboot_notifier(&axvcpu_reboot_nb);
	WARN_ON(axvcpu_hw_users);
}
