// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU fd: creation, the vCPU ioctls that drive the state machine, the
 * run loop and the mmap()ed run struct. The arch step of every operation
 * goes through axvcpu_ops.
 */
#include <linux/anon_inodes.h>
#include <linux/cpu.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "axvcpu_core.h"
#include "axvcpu_trace.h"

/* The vCPU whose arch state is loaded on this CPU (the seed's current vCPU). */
static DEFINE_PER_CPU(struct axvcpu_vcpu *, axvcpu_current_vcpu);

/**
 * axvcpu_vcpu_load() - mark @vcpu as the one entering the guest here
 * @vcpu: the vCPU
 *
 * Called by the backend with interrupts disabled before it enters the
 * guest; pairs with axvcpu_vcpu_put(). Publishes the CPU so that
 * INJECT_INTERRUPT can kick it, then orders that store before the
 * backend's check for pending interrupts.
 *
 * Return: false, having done nothing, when this is not the vCPU's bound
 * CPU (the scheduler moved the thread: its CPU went offline); the backend
 * then enters nothing and returns AXVCPU_RUN_REENTER, and the run loop
 * moves the binding (axvcpu_vcpu_follow()).
 */
bool axvcpu_vcpu_load(struct axvcpu_vcpu *vcpu)
{
	if (smp_processor_id() != vcpu->bound_cpu)
		return false;
	WARN_ON_ONCE(__this_cpu_read(axvcpu_current_vcpu));
	__this_cpu_write(axvcpu_current_vcpu, vcpu);
	WRITE_ONCE(vcpu->running_cpu, smp_processor_id());
	/* Pairs with axvcpu_vcpu_kick(): a kick either sees us or we see its interrupt. */
	smp_mb();
	return true;
}

/**
 * axvcpu_vcpu_put() - @vcpu left the guest on this CPU
 * @vcpu: the vCPU passed to axvcpu_vcpu_load()
 */
void axvcpu_vcpu_put(struct axvcpu_vcpu *vcpu)
{
	WARN_ON_ONCE(__this_cpu_read(axvcpu_current_vcpu) != vcpu);
	WRITE_ONCE(vcpu->running_cpu, -1);
	__this_cpu_write(axvcpu_current_vcpu, NULL);
}

static void axvcpu_kick_nop(void *unused)
{
}

/* Make @vcpu notice a new interrupt: wake it if blocked, IPI it if in the guest. */
static void axvcpu_vcpu_kick(struct axvcpu_vcpu *vcpu)
{
	int cpu;

	wake_up_interruptible(&vcpu->wq);
	/* Pairs with the barrier in axvcpu_vcpu_load(). */
	smp_mb();
	cpu = READ_ONCE(vcpu->running_cpu);
	if (cpu >= 0 && cpu != raw_smp_processor_id())
		smp_call_function_single(cpu, axvcpu_kick_nop, NULL, 0);
}

static bool axvcpu_exit_can_fault(u32 exit_reason)
{
	return exit_reason == AXVCPU_EXIT_SYSREG_READ ||
	       exit_reason == AXVCPU_EXIT_SYSREG_WRITE;
}

/*
 * RUN's check of run->complete_fault: 0, or 1 right after an exit that can
 * be answered with a fault. Anything else is refused before the transition.
 */
static int axvcpu_check_complete_fault(struct axvcpu_vcpu *vcpu)
{
	u8 fault = READ_ONCE(vcpu->run->complete_fault);

	if (!fault)
		return 0;
	if (fault != 1 || !vcpu->completion_pending ||
	    !axvcpu_exit_can_fault(vcpu->last_exit))
		return -EINVAL;
	return 0;
}

/*
 * Apply the completion of the last exit (a read's value, or the fault
 * user space asked for) if still pending. complete_fault is read once and
 * only honoured after a SYSREG exit; the kernel clears it once applied.
 */
static void axvcpu_complete_exit(struct axvcpu_vcpu *vcpu)
{
	bool fault;

	if (!vcpu->completion_pending)
		return;
	fault = READ_ONCE(vcpu->run->complete_fault) == 1 &&
		axvcpu_exit_can_fault(vcpu->last_exit);
	axvcpu_ops->vcpu_complete(vcpu, vcpu->run, fault);
	if (fault)
		WRITE_ONCE(vcpu->run->complete_fault, 0);
	vcpu->completion_pending = false;
}

static int axvcpu_vcpu_setup(struct axvcpu_vcpu *vcpu,
			     const struct axvcpu_setup __user *uarg)
{
	struct axvcpu_setup setup;
	int ret;

	if (copy_from_user(&setup, uarg, sizeof(setup)))
		return -EFAULT;
	if (setup.flags || setup.pad ||
	    setup.entry >= 1ULL << axvcpu_ops->guest_phys_bits)
		return -EINVAL;
	ret = axvcpu_ops->vcpu_check_setup(&setup);
	if (ret)
		return ret;

	ret = axvcpu_state_check(vcpu, AXVCPU_STATE_CREATED);
	if (ret)
		return ret;
	ret = axvcpu_ops->vcpu_set_entry(vcpu, setup.entry);
	if (!ret)
		ret = axvcpu_ops->vcpu_set_ept_root(vcpu);
	if (!ret)
		ret = axvcpu_ops->vcpu_setup(vcpu, &setup);
	return axvcpu_state_finish(vcpu, AXVCPU_STATE_FREE, ret);
}

/*
 * The CPU BIND moves the calling thread to: one the vCPU may use, that is
 * online and that the thread may already run on, so that BIND never takes
 * a thread out of its own affinity (taskset, cpuset). The favoured CPU
 * when it is one of them, else the lowest.
 */
static int axvcpu_pick_cpu(struct axvcpu_vcpu *vcpu,
			   const struct cpumask *affinity)
{
	unsigned int cpu = vcpu->favor_phys_cpu;

	if (cpu < nr_cpu_ids && cpumask_test_cpu(cpu, vcpu->allowed) &&
	    cpu_online(cpu) && cpumask_test_cpu(cpu, affinity))
		return cpu;
	for_each_cpu_and(cpu, vcpu->allowed, cpu_online_mask)
		if (cpumask_test_cpu(cpu, affinity))
			return cpu;
	return -EINVAL;
}

/*
 * The binding thread becomes the one siblings yield to. Only a new thread
 * waits for readers of the old pid (rare: a VMM binds a vCPU from one
 * thread), as KVM does when a vCPU changes threads.
 */
static void axvcpu_vcpu_set_pid(struct axvcpu_vcpu *vcpu)
{
	struct pid *pid = get_task_pid(current, PIDTYPE_PID);
	struct pid *old = rcu_dereference_protected(vcpu->pid,
					lockdep_is_held(&vcpu->lock));

	if (old == pid) {
		put_pid(pid);
		return;
	}
	rcu_assign_pointer(vcpu->pid, pid);
	if (old) {
		synchronize_rcu();
		put_pid(old);
	}
}

static int axvcpu_vcpu_bind(struct axvcpu_vcpu *vcpu)
{
	int cpu, ret;

	cpus_read_lock();
	cpu = axvcpu_pick_cpu(vcpu, current->cpus_ptr);
	if (cpu < 0) {
		cpus_read_unlock();
		return cpu;
	}
	ret = axvcpu_state_check(vcpu, AXVCPU_STATE_FREE);
	if (ret)
		goto out;
	cpumask_copy(vcpu->saved_affinity, current->cpus_ptr);
	ret = set_cpus_allowed_ptr(current, cpumask_of(cpu));
	if (!ret) {
		ret = axvcpu_ops->vcpu_bind(vcpu, cpu);
		if (ret)
			set_cpus_allowed_ptr(current, vcpu->saved_affinity);
	}
	if (!ret) {
		get_task_struct(current);
		vcpu->bound_task = current;
		vcpu->bound_cpu = cpu;
		axvcpu_vcpu_set_pid(vcpu);
	}
	ret = axvcpu_state_finish(vcpu, AXVCPU_STATE_READY, ret);
out:
	cpus_read_unlock();
	return ret;
}

/* Drop the binding; the caller's affinity comes back if it is the bound thread. */
static void axvcpu_release_binding(struct axvcpu_vcpu *vcpu)
{
	if (vcpu->bound_task == current)
		set_cpus_allowed_ptr(current, vcpu->saved_affinity);
	put_task_struct(vcpu->bound_task);
	vcpu->bound_task = NULL;
	vcpu->bound_cpu = -1;
}

static int axvcpu_vcpu_unbind(struct axvcpu_vcpu *vcpu)
{
	int ret = axvcpu_state_check(vcpu, AXVCPU_STATE_READY);

	if (ret)
		return ret;
	ret = axvcpu_ops->vcpu_unbind(vcpu);
	axvcpu_release_binding(vcpu);
	return axvcpu_state_finish(vcpu, AXVCPU_STATE_FREE, ret);
}

/* In-kernel HLT: wait BLOCKED until an interrupt is pending or a signal comes. */
static int axvcpu_vcpu_block(struct axvcpu_vcpu *vcpu)
{
	int ret;

	axvcpu_state_block(vcpu);
	ret = wait_event_interruptible(vcpu->wq,
				       axvcpu_ops->vcpu_has_interrupt(vcpu));
	axvcpu_state_unblock(vcpu);
	return ret ? -EINTR : 0;
}

/*
 * The bound thread is not on the bound CPU: that CPU went offline and the
 * scheduler moved the thread, widening its affinity to every CPU. The
 * guest never runs on such a CPU (it may be outside the vCPU's allowed
 * set and the thread's own affinity). Move back to the bound CPU if it is
 * online again, else move the binding as BIND would choose, within the
 * thread's affinity from before BIND.
 *
 * Return: 0 to enter again; -EINVAL with *@unchanged set when no allowed CPU
 * of that affinity is online (nothing changed: not a failure of the
 * vCPU); or the backend's errno.
 */
static int axvcpu_vcpu_follow(struct axvcpu_vcpu *vcpu, bool *unchanged)
{
	int cpu, ret = 0;

	if (likely(raw_smp_processor_id() == vcpu->bound_cpu))
		return 0;
	cpus_read_lock();
	cpu = vcpu->bound_cpu;
	if (!cpu_online(cpu)) {
		cpu = axvcpu_pick_cpu(vcpu, vcpu->saved_affinity);
		if (cpu < 0) {
			*unchanged = true;
			ret = cpu;
			goto out;
		}
		ret = axvcpu_ops->vcpu_unbind(vcpu);
		if (!ret)
			ret = axvcpu_ops->vcpu_bind(vcpu, cpu);
		if (ret)
			goto out;
		WRITE_ONCE(vcpu->bound_cpu, cpu);
	}
	/* Moves this thread there before it returns. */
	ret = set_cpus_allowed_ptr(current, cpumask_of(cpu));
out:
	cpus_read_unlock();
	return ret;
}

static void axvcpu_count_user_exit(struct axvcpu_vcpu *vcpu,
				   const struct axvcpu_run *run)
{
	u32 reason = run->exit_reason;

	vcpu->stats.exits_user++;
	if (!WARN_ON_ONCE(reason >= AXVCPU_NR_EXIT_REASONS))
		vcpu->stats.exits[reason]++;
	if (trace_axvcpu_exit_enabled()) {
		u64 a, b;

		axvcpu_exit_brief(run, &a, &b);
		trace_axvcpu_exit(vcpu, true, reason, a, b);
	}
}

static int axvcpu_run_loop(struct axvcpu_vcpu *vcpu, struct axvcpu_run *run,
			   bool *unchanged)
{
	int ret;

	for (;;) {
		if (READ_ONCE(run->immediate_exit) || signal_pending(current)) {
			run->exit_reason = AXVCPU_EXIT_NOTHING;
			return -EINTR;
		}
		/* The host reboots: no entry, nothing of the vCPU changes. */
		if (axvcpu_hardware_stopped()) {
			*unchanged = true;
			run->exit_reason = AXVCPU_EXIT_NOTHING;
			return -ESHUTDOWN;
		}
		ret = axvcpu_vcpu_follow(vcpu, unchanged);
		if (ret) {
			run->exit_reason = AXVCPU_EXIT_NOTHING;
			return ret;
		}
		if (vcpu->halted) {
			u64 t0 = ktime_get_ns();

			ret = axvcpu_vcpu_block(vcpu);
			vcpu->stats.halt_waits++;
			vcpu->stats.halt_wait_ns += ktime_get_ns() - t0;
			if (ret) {
				run->exit_reason = AXVCPU_EXIT_NOTHING;
				return ret;
			}
			vcpu->halted = false;
		}

		trace_axvcpu_entry(vcpu);
		vcpu->stats.entries++;
		ret = axvcpu_ops->vcpu_run(vcpu, run);
		if (ret < 0)
			return ret;
		if (ret == AXVCPU_RUN_BUSY) {
			*unchanged = true;
			run->exit_reason = AXVCPU_EXIT_NOTHING;
			return axvcpu_hardware_stopped() ? -ESHUTDOWN : -EBUSY;
		}
		if (ret == AXVCPU_RUN_REENTER) {
			vcpu->stats.exits_kernel++;
			trace_axvcpu_exit(vcpu, false, 0, 0, 0);
			cond_resched();
			continue;
		}
		if (run->exit_reason == AXVCPU_EXIT_HALT &&
		    (vcpu->flags & AXVCPU_VCPU_HALT_IN_KERNEL)) {
			vcpu->stats.exits_kernel++;
			trace_axvcpu_exit(vcpu, false, 0, 0, 0);
			vcpu->halted = true;
			continue;
		}
		axvcpu_count_user_exit(vcpu, run);
		vcpu->last_exit = run->exit_reason;
		vcpu->completion_pending = true;
		return 0;
	}
}

static int axvcpu_vcpu_run(struct axvcpu_vcpu *vcpu)
{
	bool unchanged = false;
	int ret;

	/* Only the bound thread runs the vCPU: an argument check, no transition. */
	if (axvcpu_state_get(vcpu) == AXVCPU_STATE_READY &&
	    vcpu->bound_task != current)
		return -EPERM;
	ret = axvcpu_check_complete_fault(vcpu);
	if (ret)
		return ret;
	/* No sync-regs part is defined yet: user space may not mark one. */
	if (READ_ONCE(vcpu->run->sync_dirty))
		return -EINVAL;
	ret = axvcpu_state_transition(vcpu, AXVCPU_STATE_READY,
				      AXVCPU_STATE_RUNNING);
	if (ret)
		return ret;

	vcpu->stats.runs++;
	axvcpu_complete_exit(vcpu);
	ret = axvcpu_run_loop(vcpu, vcpu->run, &unchanged);
	if (ret == -EINTR)
		vcpu->stats.signal_exits++;
	if (axvcpu_ops->vcpu_run_end)
		axvcpu_ops->vcpu_run_end(vcpu);
	if (ret < 0 && ret != -EINTR && !unchanged) {
		/* An internal error of the arch step: the vCPU is unusable. */
		axvcpu_state_set_invalid(vcpu);
		return ret;
	}
	WARN_ON_ONCE(axvcpu_state_transition(vcpu, AXVCPU_STATE_RUNNING,
					     AXVCPU_STATE_READY));
	return ret;
}

static int axvcpu_vcpu_gpr(struct axvcpu_vcpu *vcpu, bool set,
			   struct axvcpu_gpr __user *uarg)
{
	struct axvcpu_gpr gpr;
	int ret;

	if (copy_from_user(&gpr, uarg, sizeof(gpr)))
		return -EFAULT;
	if (gpr.pad)
		return -EINVAL;
	if (set)
		return axvcpu_ops->vcpu_set_gpr(vcpu, gpr.reg, gpr.value);
	ret = axvcpu_ops->vcpu_get_gpr(vcpu, gpr.reg, &gpr.value);
	if (ret)
		return ret;
	return copy_to_user(uarg, &gpr, sizeof(gpr)) ? -EFAULT : 0;
}

static int axvcpu_vcpu_regs(struct axvcpu_vcpu *vcpu, bool set,
			    struct axvcpu_regs __user *uarg)
{
	struct axvcpu_regs *regs;
	int ret = 0;

	regs = kzalloc(sizeof(*regs), GFP_KERNEL);
	if (!regs)
		return -ENOMEM;
	if (set) {
		if (copy_from_user(regs, uarg, sizeof(*regs)))
			ret = -EFAULT;
		else if (regs->arch != axvcpu_ops->arch || regs->flags)
			ret = -EINVAL;
		else
			ret = axvcpu_ops->vcpu_set_regs(vcpu, regs);
	} else {
		regs->arch = axvcpu_ops->arch;
		axvcpu_ops->vcpu_get_regs(vcpu, regs);
		if (copy_to_user(uarg, regs, sizeof(*regs)))
			ret = -EFAULT;
	}
	kfree(regs);
	return ret;
}

static int axvcpu_vcpu_info(struct axvcpu_vcpu *vcpu,
			    struct axvcpu_vcpu_info __user *uarg)
{
	u32 need = BITS_TO_LONGS(nr_cpu_ids) * sizeof(unsigned long);
	struct axvcpu_vcpu_info info;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (memchr_inv(info.reserved, 0, sizeof(info.reserved)))
		return -EINVAL;
	if (info.allowed_cpus_size &&
	    (info.allowed_cpus_size % 8 || info.allowed_cpus_size < need))
		return -EINVAL;
	if (info.allowed_cpus_size &&
	    copy_to_user(u64_to_user_ptr(info.allowed_cpus),
			 cpumask_bits(vcpu->allowed), need))
		return -EFAULT;

	info.vm_id = vcpu->vm->id;
	info.vcpu_id = vcpu->vcpu_id;
	info.favor_phys_cpu = vcpu->favor_phys_cpu;
	info.bound_cpu = vcpu->bound_cpu;
	info.is_bsp = vcpu->vcpu_id == 0;
	info.state = axvcpu_state_get(vcpu);
	info.flags = vcpu->flags;
	info.allowed_cpus_size = need;
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static int axvcpu_vcpu_inject(struct axvcpu_vcpu *vcpu,
			      const struct axvcpu_interrupt __user *uarg)
{
	struct axvcpu_interrupt irq;
	int ret;

	if (copy_from_user(&irq, uarg, sizeof(irq)))
		return -EFAULT;
	if (irq.flags & ~AXVCPU_INTERRUPT_NMI)
		return -EINVAL;
	if ((irq.flags & AXVCPU_INTERRUPT_NMI) &&
	    (irq.vector || !axvcpu_ops->vcpu_inject_nmi))
		return -EINVAL;
	if (axvcpu_state_get(vcpu) == AXVCPU_STATE_INVALID)
		return -EBADFD;
	if (irq.flags & AXVCPU_INTERRUPT_NMI)
		ret = axvcpu_ops->vcpu_inject_nmi(vcpu);
	else
		ret = axvcpu_ops->vcpu_inject_interrupt(vcpu, irq.vector);
	trace_axvcpu_inject(vcpu, irq.flags & AXVCPU_INTERRUPT_NMI ?
			    AXVCPU_TRACE_NMI : AXVCPU_TRACE_INTERRUPT,
			    irq.vector, 1, ret);
	if (!ret) {
		atomic64_inc(&vcpu->stats.injections);
		axvcpu_vcpu_kick(vcpu);
	}
	return ret;
}

/*
 * Lock-free like INJECT_INTERRUPT: a VMM's interrupt controller model
 * drives the line from any thread, also while the vCPU runs.
 */
static int axvcpu_vcpu_irq_line(struct axvcpu_vcpu *vcpu,
				const struct axvcpu_irq_line __user *uarg)
{
	struct axvcpu_irq_line l;
	int ret;

	if (copy_from_user(&l, uarg, sizeof(l)))
		return -EFAULT;
	if (l.level > 1 || memchr_inv(l.reserved, 0, sizeof(l.reserved)) ||
	    !axvcpu_ops->vcpu_set_irq_line)
		return -EINVAL;
	if (axvcpu_state_get(vcpu) == AXVCPU_STATE_INVALID)
		return -EBADFD;
	ret = axvcpu_ops->vcpu_set_irq_line(vcpu, l.line, l.level);
	trace_axvcpu_inject(vcpu, AXVCPU_TRACE_LINE, l.line, l.level, ret);
	if (!ret)
		atomic64_inc(&vcpu->stats.injections);
	if (!ret && l.level)
		axvcpu_vcpu_kick(vcpu);
	return ret;
}

static int axvcpu_vcpu_exception(struct axvcpu_vcpu *vcpu,
				 const struct axvcpu_exception __user *uarg)
{
	struct axvcpu_exception exc;
	int ret;

	if (copy_from_user(&exc, uarg, sizeof(exc)))
		return -EFAULT;
	if (exc.flags & ~AXVCPU_EXCEPTION_ERROR_CODE || exc.pad ||
	    memchr_inv(exc.reserved, 0, sizeof(exc.reserved)) ||
	    !axvcpu_ops->vcpu_inject_exception)
		return -EINVAL;
	ret = axvcpu_ops->vcpu_inject_exception(vcpu, &exc);
	trace_axvcpu_inject(vcpu, AXVCPU_TRACE_EXCEPTION, exc.vector, 1, ret);
	if (!ret)
		atomic64_inc(&vcpu->stats.injections);
	return ret;
}

static int axvcpu_vcpu_sysreg(struct axvcpu_vcpu *vcpu, bool set,
			      struct axvcpu_sysreg __user *uarg)
{
	struct axvcpu_sysreg r;
	int ret;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (r.flags || r.pad)
		return -EINVAL;
	if (!axvcpu_ops->vcpu_get_sysreg)
		return -ENOENT;
	if (set)
		return axvcpu_ops->vcpu_set_sysreg(vcpu, r.id, r.value);
	ret = axvcpu_ops->vcpu_get_sysreg(vcpu, r.id, &r.value);
	if (ret)
		return ret;
	return copy_to_user(uarg, &r, sizeof(r)) ? -EFAULT : 0;
}

/*
 * The backend's ids; with too little room, E2BIG and nr set to the count
 * (KVM_GET_REG_LIST's rule), so that one call with nr = 0 sizes the array.
 */
static int axvcpu_vcpu_sysreg_list(struct axvcpu_sysreg_list __user *uarg)
{
	struct axvcpu_sysreg_list l;
	u32 room;

	if (copy_from_user(&l, uarg, sizeof(l)))
		return -EFAULT;
	if (l.pad)
		return -EINVAL;
	room = l.nr;
	l.nr = axvcpu_ops->nr_sysreg_ids;
	if (copy_to_user(uarg, &l, sizeof(l)))
		return -EFAULT;
	if (room < l.nr)
		return -E2BIG;
	if (copy_to_user(u64_to_user_ptr(l.ids), axvcpu_ops->sysreg_ids,
			 l.nr * sizeof(u64)))
		return -EFAULT;
	return 0;
}

/*
 * AXVCPU_GET_FPU / AXVCPU_SET_FPU: the state goes through a kernel buffer
 * of the backend's size; GET with too small a buffer says how big with
 * E2BIG, SET needs exactly that size.
 */
static int axvcpu_vcpu_fpu(struct axvcpu_vcpu *vcpu, bool set,
			   struct axvcpu_fpu __user *uarg)
{
	u32 size = axvcpu_ops->fpu_state_size;
	struct axvcpu_fpu f;
	void *buf;
	int ret = 0;

	if (copy_from_user(&f, uarg, sizeof(f)))
		return -EFAULT;
	if (f.flags || f.pad || memchr_inv(f.reserved, 0, sizeof(f.reserved)) ||
	    !axvcpu_ops->vcpu_get_fpu || !size)
		return -EINVAL;
	if (set && (f.arch != axvcpu_ops->arch || f.size != size))
		return -EINVAL;
	if (!set && f.size < size) {
		f.size = size;
		f.arch = axvcpu_ops->arch;
		return copy_to_user(uarg, &f, sizeof(f)) ? -EFAULT : -E2BIG;
	}
	buf = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	if (set) {
		if (copy_from_user(buf, u64_to_user_ptr(f.addr), size))
			ret = -EFAULT;
		else
			ret = axvcpu_ops->vcpu_set_fpu(vcpu, buf);
	} else {
		axvcpu_ops->vcpu_get_fpu(vcpu, buf);
		f.size = size;
		f.arch = axvcpu_ops->arch;
		if (copy_to_user(u64_to_user_ptr(f.addr), buf, size) ||
		    copy_to_user(uarg, &f, sizeof(f)))
			ret = -EFAULT;
	}
	kfree(buf);
	return ret;
}

static int axvcpu_vcpu_events(struct axvcpu_vcpu *vcpu, bool set,
			      struct axvcpu_events __user *uarg)
{
	struct axvcpu_events ev;

	if (!axvcpu_ops->vcpu_get_events)
		return -EINVAL;
	if (set) {
		if (copy_from_user(&ev, uarg, sizeof(ev)))
			return -EFAULT;
		if (ev.arch != axvcpu_ops->arch || ev.flags)
			return -EINVAL;
		return axvcpu_ops->vcpu_set_events(vcpu, &ev);
	}
	memset(&ev, 0, sizeof(ev));
	ev.arch = axvcpu_ops->arch;
	axvcpu_ops->vcpu_get_events(vcpu, &ev);
	return copy_to_user(uarg, &ev, sizeof(ev)) ? -EFAULT : 0;
}

/* x86: the vCPU's CPUID table, checked and copied by the backend. */
static int axvcpu_vcpu_cpuid(struct axvcpu_vcpu *vcpu,
			     const struct axvcpu_cpuid __user *uarg)
{
	struct axvcpu_cpuid_entry *e;
	struct axvcpu_cpuid c;
	int ret;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.flags || !axvcpu_ops->vcpu_set_cpuid)
		return -EINVAL;
	if (c.nent > AXVCPU_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (!c.nent)
		return axvcpu_ops->vcpu_set_cpuid(vcpu, NULL, 0);
	e = memdup_user(u64_to_user_ptr(c.entries), c.nent * sizeof(*e));
	if (IS_ERR(e))
		return PTR_ERR(e);
	ret = axvcpu_ops->vcpu_set_cpuid(vcpu, e, c.nent);
	kfree(e);
	return ret;
}

/* The ioctls that run under the vCPU lock. */
static long axvcpu_vcpu_locked_ioctl(struct axvcpu_vcpu *vcpu,
				     unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	u64 value;

	switch (cmd) {
	case AXVCPU_SETUP:
		return axvcpu_vcpu_setup(vcpu, argp);
	case AXVCPU_BIND:
		return arg ? -EINVAL : axvcpu_vcpu_bind(vcpu);
	case AXVCPU_UNBIND:
		return arg ? -EINVAL : axvcpu_vcpu_unbind(vcpu);
	case AXVCPU_RUN:
		return arg ? -EINVAL : axvcpu_vcpu_run(vcpu);
	case AXVCPU_GET_VCPU_INFO:
		if (axvcpu_state_get(vcpu) == AXVCPU_STATE_INVALID)
			return -EBADFD;
		return axvcpu_vcpu_info(vcpu, argp);
	}

	/* Register access: not a transition, allowed in CREATED, FREE, READY. */
	if (!axvcpu_state_allows_regs(vcpu))
		return -EBADFD;
	axvcpu_complete_exit(vcpu);
	switch (cmd) {
	case AXVCPU_SET_GPR:
		return axvcpu_vcpu_gpr(vcpu, true, argp);
	case AXVCPU_GET_GPR:
		return axvcpu_vcpu_gpr(vcpu, false, argp);
	case AXVCPU_SET_REGS:
		return axvcpu_vcpu_regs(vcpu, true, argp);
	case AXVCPU_GET_REGS:
		return axvcpu_vcpu_regs(vcpu, false, argp);
	case AXVCPU_SET_RETURN_VALUE:
		if (copy_from_user(&value, argp, sizeof(value)))
			return -EFAULT;
		axvcpu_ops->vcpu_set_return_value(vcpu, value);
		return 0;
	case AXVCPU_INJECT_EXCEPTION:
		return axvcpu_vcpu_exception(vcpu, argp);
	case AXVCPU_GET_SYSREG:
		return axvcpu_vcpu_sysreg(vcpu, false, argp);
	case AXVCPU_SET_SYSREG:
		return axvcpu_vcpu_sysreg(vcpu, true, argp);
	case AXVCPU_GET_SYSREG_LIST:
		return axvcpu_vcpu_sysreg_list(argp);
	case AXVCPU_GET_FPU:
		return axvcpu_vcpu_fpu(vcpu, false, argp);
	case AXVCPU_SET_FPU:
		return axvcpu_vcpu_fpu(vcpu, true, argp);
	case AXVCPU_SET_CPUID:
		return axvcpu_vcpu_cpuid(vcpu, argp);
	case AXVCPU_GET_EVENTS:
		return axvcpu_vcpu_events(vcpu, false, argp);
	case AXVCPU_SET_EVENTS:
		return axvcpu_vcpu_events(vcpu, true, argp);
	}
	return -ENOTTY;
}

static bool axvcpu_vcpu_ioctl_known(unsigned int cmd)
{
	switch (cmd) {
	case AXVCPU_SETUP:
	case AXVCPU_BIND:
	case AXVCPU_UNBIND:
	case AXVCPU_RUN:
	case AXVCPU_GET_VCPU_INFO:
	case AXVCPU_SET_GPR:
	case AXVCPU_GET_GPR:
	case AXVCPU_SET_REGS:
	case AXVCPU_GET_REGS:
	case AXVCPU_SET_RETURN_VALUE:
	case AXVCPU_INJECT_EXCEPTION:
	case AXVCPU_GET_SYSREG:
	case AXVCPU_SET_SYSREG:
	case AXVCPU_GET_SYSREG_LIST:
	case AXVCPU_GET_FPU:
	case AXVCPU_SET_FPU:
	case AXVCPU_SET_CPUID:
	case AXVCPU_GET_EVENTS:
	case AXVCPU_SET_EVENTS:
		return true;
	default:
		return false;
	}
}

static long axvcpu_vcpu_ioctl(struct file *filp, unsigned int cmd,
			      unsigned long arg)
{
	struct axvcpu_vcpu *vcpu = filp->private_data;
	long ret;

	/* Lock-free: GET_STATE must answer while RUN holds the lock. */
	if (cmd == AXVCPU_GET_STATE)
		return arg ? -EINVAL : axvcpu_state_get(vcpu);
	if (cmd == AXVCPU_INJECT_INTERRUPT)
		return axvcpu_vcpu_inject(vcpu, (void __user *)arg);
	if (cmd == AXVCPU_SET_IRQ_LINE)
		return axvcpu_vcpu_irq_line(vcpu, (void __user *)arg);
	if (!axvcpu_vcpu_ioctl_known(cmd))
		return -ENOTTY;

	if (mutex_lock_killable(&vcpu->lock))
		return -EINTR;
	if (axvcpu_state_get(vcpu) == AXVCPU_STATE_INVALID)
		ret = -EBADFD;
	else
		ret = axvcpu_vcpu_locked_ioctl(vcpu, cmd, arg);
	mutex_unlock(&vcpu->lock);
	return ret;
}

static vm_fault_t axvcpu_run_fault(struct vm_fault *vmf)
{
	struct axvcpu_vcpu *vcpu = vmf->vma->vm_file->private_data;

	if (vmf->pgoff != 0)
		return VM_FAULT_SIGBUS;
	vmf->page = virt_to_page(vcpu->run);
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct axvcpu_run_vm_ops = {
	.fault = axvcpu_run_fault,
};

static int axvcpu_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start > PAGE_SIZE)
		return -EINVAL;
	/*
	 * One page, for good: without VM_DONTEXPAND a later mmap() of the
	 * same fd at the next offset right after this one would be merged
	 * into it before this check runs (and mremap() could grow it), and
	 * its page would fault with SIGBUS.
	 */
	axvcpu_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &axvcpu_run_vm_ops;
	return 0;
}

static void axvcpu_vcpu_free_rcu(struct rcu_head *head)
{
	struct axvcpu_vcpu *vcpu = container_of(head, struct axvcpu_vcpu, rcu);

	put_pid(rcu_access_pointer(vcpu->pid));
	free_page((unsigned long)vcpu->run);
	free_cpumask_var(vcpu->saved_affinity);
	free_cpumask_var(vcpu->allowed);
	kfree(vcpu);
}

/* After a grace period: a sibling's axvcpu_vcpu_on_spin() may be reading it. */
static void axvcpu_vcpu_free(struct axvcpu_vcpu *vcpu)
{
	call_rcu(&vcpu->rcu, axvcpu_vcpu_free_rcu);
}

static int axvcpu_vcpu_release(struct inode *inode, struct file *filp)
{
	struct axvcpu_vcpu *vcpu = filp->private_data;
	struct axvcpu_vm *vm = vcpu->vm;

	axvcpu_vcpu_debugfs_remove(vcpu);
	if (vcpu->bound_task) {
		axvcpu_ops->vcpu_unbind(vcpu);
		axvcpu_release_binding(vcpu);
	}
	axvcpu_ops->vcpu_destroy(vcpu);
	axvcpu_vm_del_vcpu_id(vm, vcpu->vcpu_id);
	axvcpu_vcpu_free(vcpu);
	axvcpu_vm_put(vm);
	return 0;
}

static const struct file_operations axvcpu_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = axvcpu_vcpu_release,
	.unlocked_ioctl = axvcpu_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = axvcpu_vcpu_mmap,
	.llseek = noop_llseek,
};

/* Fill @mask from the user bitmap of @arg; EINVAL when no possible CPU is in it. */
static int axvcpu_copy_allowed(struct cpumask *mask,
			       const struct axvcpu_create_vcpu *arg)
{
	unsigned int nwords = arg->allowed_cpus_size / sizeof(u64);
	unsigned int w, bit;
	u64 *words;

	if (!arg->allowed_cpus) {
		if (arg->allowed_cpus_size)
			return -EINVAL;
		cpumask_copy(mask, cpu_possible_mask);
		return 0;
	}
	if (!arg->allowed_cpus_size || arg->allowed_cpus_size % sizeof(u64) ||
	    arg->allowed_cpus_size > AXVCPU_MAX_CPU_BITMAP)
		return -EINVAL;
	words = memdup_user(u64_to_user_ptr(arg->allowed_cpus),
			    arg->allowed_cpus_size);
	if (IS_ERR(words))
		return PTR_ERR(words);
	cpumask_clear(mask);
	for (w = 0; w < nwords; w++) {
		for (bit = 0; bit < 64; bit++) {
			unsigned int cpu = w * 64 + bit;

			if ((words[w] & BIT_ULL(bit)) && cpu < nr_cpu_ids &&
			    cpu_possible(cpu))
				cpumask_set_cpu(cpu, mask);
		}
	}
	kfree(words);
	return cpumask_empty(mask) ? -EINVAL : 0;
}

static int axvcpu_check_create(const struct axvcpu_create_vcpu *arg)
{
	if (arg->vcpu_id >= AXVCPU_MAX_VCPUS ||
	    arg->favor_phys_cpu >= nr_cpu_ids)
		return -EINVAL;
	if (arg->flags & ~(AXVCPU_VCPU_EXIT_ON_HOST_INTR |
			   AXVCPU_VCPU_HALT_IN_KERNEL))
		return -EINVAL;
	if (arg->pad || memchr_inv(arg->arch, 0, sizeof(arg->arch)) ||
	    memchr_inv(arg->reserved, 0, sizeof(arg->reserved)))
		return -EINVAL;
	return 0;
}

/**
 * axvcpu_create_vcpu() - AXVCPU_CREATE_VCPU: a vCPU of a VM, in CREATED
 * @uarg: the user's struct axvcpu_create_vcpu
 *
 * Return: the new vCPU fd, or -EFAULT, -EBADF, -EINVAL, -EEXIST, -ENOMEM.
 */
int axvcpu_create_vcpu(const struct axvcpu_create_vcpu __user *uarg)
{
	struct axvcpu_create_vcpu arg;
	struct axvcpu_vcpu *vcpu;
	struct axvcpu_vm *vm;
	int ret, fd;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	ret = axvcpu_check_create(&arg);
	if (ret)
		return ret;
	vm = axvcpu_vm_get_from_fd(arg.vm_fd);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	ret = -ENOMEM;
	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		goto err_vm;
	if (!zalloc_cpumask_var(&vcpu->allowed, GFP_KERNEL_ACCOUNT) ||
	    !zalloc_cpumask_var(&vcpu->saved_affinity, GFP_KERNEL_ACCOUNT))
		goto err_free;
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run)
		goto err_free;
	ret = axvcpu_copy_allowed(vcpu->allowed, &arg);
	if (ret)
		goto err_free;

	vcpu->vm = vm;
	vcpu->vcpu_id = arg.vcpu_id;
	vcpu->favor_phys_cpu = arg.favor_phys_cpu;
	vcpu->flags = arg.flags;
	vcpu->bound_cpu = -1;
	vcpu->running_cpu = -1;
	mutex_init(&vcpu->lock);
	init_waitqueue_head(&vcpu->wq);
	atomic_set(&vcpu->state, AXVCPU_STATE_CREATED);

	ret = axvcpu_vm_add_vcpu_id(vm, arg.vcpu_id);
	if (ret)
		goto err_free;
	ret = axvcpu_ops->vcpu_create(vcpu);
	if (ret)
		goto err_id;
	axvcpu_vm_publish_vcpu(vm, vcpu);
	/* before the fd: a close of a just-installed fd would race with it */
	axvcpu_vcpu_debugfs_add(vcpu);
	fd = anon_inode_getfd("axvcpu-vcpu", &axvcpu_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_arch;
	}
	return fd;

err_arch:
	axvcpu_vcpu_debugfs_remove(vcpu);
	axvcpu_ops->vcpu_destroy(vcpu);
err_id:
	axvcpu_vm_del_vcpu_id(vm, arg.vcpu_id);
err_free:
	axvcpu_vcpu_free(vcpu);
err_vm:
	axvcpu_vm_put(vm);
	return ret;
}
