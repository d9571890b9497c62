// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics in debugfs, as KVM keeps them under /sys/kernel/debug/kvm:
 *
 *   /sys/kernel/debug/axvcpu/<pid>-<vm id>/stats          the VM's vCPUs summed
 *   /sys/kernel/debug/axvcpu/<pid>-<vm id>/vcpu<N>/stats  one vCPU's
 *
 * <pid> is the creator's, <vm id> the one AXVCPU_GET_VCPU_INFO reports.
 * Each stats file has one "name value" line per counter of struct
 * axvcpu_vcpu_stats, user exits as exit_<reason> (api.rst, "Statistics").
 * debugfs failing (or absent) leaves a VM without statistics, never
 * without its fd; removal waits for readers in flight, which is what
 * lets a VM's file walk its vCPUs until the VM goes.
 */
#include <linux/debugfs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/xarray.h>
#include "axvcpu_core.h"
#include "axvcpu_trace.h"

static struct dentry *axvcpu_debugfs_root;

/* The exit reasons' names, the trace events' (axvcpu_trace.h) */
static const struct {
	u32 reason;
	const char *name;
} axvcpu_exit_names[] = { AXVCPU_TRACE_EXITS };

/* The counters as plain numbers, for one vCPU or a VM's sum. */
struct axvcpu_stats_sum {
	u64 runs, entries, exits_kernel, exits_user;
	u64 exits[AXVCPU_NR_EXIT_REASONS];
	u64 halt_waits, halt_wait_ns, signal_exits, injections;
};

static void axvcpu_stats_add(struct axvcpu_stats_sum *sum,
			     const struct axvcpu_vcpu_stats *s)
{
	int i;

	sum->runs += READ_ONCE(s->runs);
	sum->entries += READ_ONCE(s->entries);
	sum->exits_kernel += READ_ONCE(s->exits_kernel);
	sum->exits_user += READ_ONCE(s->exits_user);
	for (i = 0; i < AXVCPU_NR_EXIT_REASONS; i++)
		sum->exits[i] += READ_ONCE(s->exits[i]);
	sum->halt_waits += READ_ONCE(s->halt_waits);
	sum->halt_wait_ns += READ_ONCE(s->halt_wait_ns);
	sum->signal_exits += READ_ONCE(s->signal_exits);
	sum->injections += atomic64_read(&s->injections);
}

static void axvcpu_stats_show(struct seq_file *m,
			      const struct axvcpu_stats_sum *sum)
{
	int i;

	seq_printf(m, "runs %llu\n", sum->runs);
	seq_printf(m, "entries %llu\n", sum->entries);
	seq_printf(m, "exits_kernel %llu\n", sum->exits_kernel);
	seq_printf(m, "exits_user %llu\n", sum->exits_user);
	BUILD_BUG_ON(ARRAY_SIZE(axvcpu_exit_names) != AXVCPU_NR_EXIT_REASONS);
	for (i = 0; i < ARRAY_SIZE(axvcpu_exit_names); i++)
		seq_printf(m, "exit_%s %llu\n", axvcpu_exit_names[i].name,
			   sum->exits[axvcpu_exit_names[i].reason]);
	seq_printf(m, "halt_waits %llu\n", sum->halt_waits);
	seq_printf(m, "halt_wait_ns %llu\n", sum->halt_wait_ns);
	seq_printf(m, "signal_exits %llu\n", sum->signal_exits);
	seq_printf(m, "injections %llu\n", sum->injections);
}

static int axvcpu_vcpu_stats_show(struct seq_file *m, void *unused)
{
	struct axvcpu_vcpu *vcpu = m->private;
	struct axvcpu_stats_sum sum = {};

	axvcpu_stats_add(&sum, &vcpu->stats);
	axvcpu_stats_show(m, &sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(axvcpu_vcpu_stats);

static int axvcpu_vm_stats_show(struct seq_file *m, void *unused)
{
	struct axvcpu_vm *vm = m->private;
	struct axvcpu_stats_sum sum = {};
	struct axvcpu_vcpu *vcpu;
	unsigned long id;

	/* vCPUs are freed after a grace period (axvcpu_vcpu_free()) */
	rcu_read_lock();
	xa_for_each(&vm->vcpus, id, vcpu) {
		/* a value entry: an id reserved by a vCPU being created */
		if (!xa_is_value(vcpu))
			axvcpu_stats_add(&sum, &vcpu->stats);
	}
	rcu_read_unlock();
	axvcpu_stats_show(m, &sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(axvcpu_vm_stats);

/**
 * axvcpu_debugfs_init() - module init: /sys/kernel/debug/axvcpu
 */
void axvcpu_debugfs_init(void)
{
	axvcpu_debugfs_root = debugfs_create_dir("axvcpu", NULL);
	if (axvcpu_ops && axvcpu_ops->debugfs_init)
		axvcpu_ops->debugfs_init(axvcpu_debugfs_root);
}

/**
 * axvcpu_debugfs_exit() - module exit: no VM is left, the directory goes
 */
void axvcpu_debugfs_exit(void)
{
	debugfs_remove(axvcpu_debugfs_root);
}

/**
 * axvcpu_vm_debugfs_add() - the VM's directory and its stats file
 * @vm: the VM, its id set, not yet visible to user space
 */
void axvcpu_vm_debugfs_add(struct axvcpu_vm *vm)
{
	char name[32];

	if (IS_ERR_OR_NULL(axvcpu_debugfs_root))
		return;
	snprintf(name, sizeof(name), "%d-%u", task_tgid_nr(current), vm->id);
	vm->debugfs = debugfs_create_dir(name, axvcpu_debugfs_root);
	debugfs_create_file("stats", 0444, vm->debugfs, vm,
			    &axvcpu_vm_stats_fops);
}

/**
 * axvcpu_vm_debugfs_remove() - the VM's directory goes, its vCPUs' gone
 * @vm: the VM, at its last reference
 */
void axvcpu_vm_debugfs_remove(struct axvcpu_vm *vm)
{
	debugfs_remove(vm->debugfs);
	vm->debugfs = NULL;
}

/**
 * axvcpu_vcpu_debugfs_add() - vcpu<N>/stats in its VM's directory
 * @vcpu: the vCPU, published in its VM
 */
void axvcpu_vcpu_debugfs_add(struct axvcpu_vcpu *vcpu)
{
	char name[16];

	if (IS_ERR_OR_NULL(vcpu->vm->debugfs))
		return;
	snprintf(name, sizeof(name), "vcpu%u", vcpu->vcpu_id);
	vcpu->debugfs = debugfs_create_dir(name, vcpu->vm->debugfs);
	debugfs_create_file("stats", 0444, vcpu->debugfs, vcpu,
			    &axvcpu_vcpu_stats_fops);
}

/**
 * axvcpu_vcpu_debugfs_remove() - its directory goes before the vCPU does
 * @vcpu: the vCPU
 */
void axvcpu_vcpu_debugfs_remove(struct axvcpu_vcpu *vcpu)
{
	debugfs_remove(vcpu->debugfs);
	vcpu->debugfs = NULL;
}
