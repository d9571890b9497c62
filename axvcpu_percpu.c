// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU hardware enable (the seed's AxArchPerCpu), reference counted by
 * VMs: the first VM enables virtualization on every online CPU, the last
 * one to go disables it everywhere. A dynamic CPU hotplug state does both
 * the "every online CPU now" and the "CPUs that come later" parts, and
 * rolls back the CPUs already enabled when one fails.
 */
#include <linux/cpuhotplug.h>
#include <linux/mutex.h>
#include "axvcpu_core.h"

static DEFINE_MUTEX(axvcpu_hw_lock);
static unsigned int axvcpu_hw_users;
static int axvcpu_hp_state;

static int axvcpu_cpu_online(unsigned int cpu)
{
	int ret;

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
 * there is no usable backend; -EBUSY (or the backend's errno) when a CPU
 * could not be enabled, e.g. because another hypervisor holds it.
 */
int axvcpu_hardware_get(void)
{
	int ret = 0;

	if (!axvcpu_ops)
		return -ENODEV;

	mutex_lock(&axvcpu_hw_lock);
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

/**
 * axvcpu_percpu_exit() - module exit check: no reference may remain
 */
void axvcpu_percpu_exit(void)
{
	WARN_ON(axvcpu_hw_users);
}
