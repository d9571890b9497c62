// SPDX-License-Identifier: GPL-2.0
/*
 * A spinning guest gives its CPU away. A vCPU that spins on a lock whose
 * holder is a preempted sibling vCPU only burns its time slice; the CPU
 * tells (AMD pause filtering, Intel pause-loop exiting, Arm WFE traps),
 * and the spinner yields to a sibling that is in RUN but not on a CPU,
 * the directed yield KVM's kvm_vcpu_on_spin() does.
 */
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include "axvcpu_core.h"

/* A sibling worth yielding to: in RUN and not waiting for an interrupt. */
static struct task_struct *axvcpu_spin_candidate(struct axvcpu_vcpu *me,
						 void *entry)
{
	struct axvcpu_vcpu *v = entry;

	if (xa_is_value(entry) || v == me ||
	    axvcpu_state_get(v) != AXVCPU_STATE_RUNNING ||
	    READ_ONCE(v->halted))
		return NULL;
	return get_pid_task(rcu_dereference(v->pid), PIDTYPE_PID);
}

/**
 * axvcpu_vcpu_on_spin() - the guest of @me spins: yield to a sibling
 * @me: the spinning vCPU, in RUN on its bound thread
 *
 * Tries the VM's vCPUs round-robin from the one after the last tried, one
 * candidate per call: yield_to() fails at once for a sibling that is on
 * a CPU, and the next spin exit tries the next one.
 *
 * Context: process context, preemption enabled; may schedule.
 * Return: true if the CPU went to a sibling.
 */
bool axvcpu_vcpu_on_spin(struct axvcpu_vcpu *me)
{
	struct axvcpu_vm *vm = me->vm;
	struct task_struct *task = NULL;
	unsigned long idx;
	void *entry;
	int yielded;

	rcu_read_lock();
	xa_for_each_start(&vm->vcpus, idx, entry, me->spin_next) {
		task = axvcpu_spin_candidate(me, entry);
		if (task)
			break;
	}
	if (!task) {
		xa_for_each_range(&vm->vcpus, idx, entry, 0, me->spin_next) {
			task = axvcpu_spin_candidate(me, entry);
			if (task)
				break;
		}
	}
	rcu_read_unlock();
	if (!task)
		return false;
	me->spin_next = idx + 1;
	yielded = yield_to(task, true);
	put_task_struct(task);
	return yielded > 0;
}
