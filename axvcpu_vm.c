// SPDX-License-Identifier: GPL-2.0
/*
 * The VM object and its fd: one guest physical address space, its memory
 * regions and the ids of its vCPUs. A VM lives while its fd or any of its
 * vCPUs does.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include "axvcpu_core.h"

static DEFINE_IDA(axvcpu_vm_ida);

static void axvcpu_vm_release_ref(struct kref *ref)
{
	struct axvcpu_vm *vm = container_of(ref, struct axvcpu_vm, ref);

	axvcpu_vm_debugfs_remove(vm);
	axvcpu_free_memslots(vm);
	axvcpu_ops->vm_destroy(vm);
	WARN_ON(!xa_empty(&vm->vcpus));
	xa_destroy(&vm->vcpus);
	mmdrop(vm->mm);
	ida_free(&axvcpu_vm_ida, vm->id);
	kfree(vm);
	axvcpu_hardware_put();
}

/**
 * axvcpu_vm_put() - drop a reference on a VM
 * @vm: the VM; freed with its memory and stage-2 tables at the last put
 */
void axvcpu_vm_put(struct axvcpu_vm *vm)
{
	kref_put(&vm->ref, axvcpu_vm_release_ref);
}

/**
 * axvcpu_vm_add_vcpu_id() - reserve a vCPU id in the VM
 * @vm: the VM
 * @vcpu_id: the id
 *
 * Return: 0, -EEXIST if the id is taken, -ENOMEM.
 */
int axvcpu_vm_add_vcpu_id(struct axvcpu_vm *vm, u32 vcpu_id)
{
	int ret = xa_insert(&vm->vcpus, vcpu_id, xa_mk_value(vcpu_id),
			    GFP_KERNEL_ACCOUNT);

	return ret == -EBUSY ? -EEXIST : ret;
}

/**
 * axvcpu_vm_del_vcpu_id() - release an id taken by axvcpu_vm_add_vcpu_id()
 * @vm: the VM
 * @vcpu_id: the id
 */
void axvcpu_vm_del_vcpu_id(struct axvcpu_vm *vm, u32 vcpu_id)
{
	xa_erase(&vm->vcpus, vcpu_id);
}

/**
 * axvcpu_vm_publish_vcpu() - make a created vCPU visible to its siblings
 * @vm: the VM
 * @vcpu: the vCPU, whose id axvcpu_vm_add_vcpu_id() reserved
 *
 * Replaces the reservation: no allocation, cannot fail.
 */
void axvcpu_vm_publish_vcpu(struct axvcpu_vm *vm, struct axvcpu_vcpu *vcpu)
{
	xa_store(&vm->vcpus, vcpu->vcpu_id, vcpu, GFP_KERNEL_ACCOUNT);
}

static void axvcpu_nop(void *unused)
{
}

/**
 * axvcpu_vm_flush_tlbs() - make every vCPU of @vm drop stale guest TLBs
 * @vm: the VM whose stage-2 mappings shrank
 *
 * Bumps the VM's TLB generation, which every vCPU compares with interrupts
 * off before it enters the guest, then waits for an interrupt on every CPU:
 * a vCPU in guest mode exits on it, so when this returns no CPU still runs
 * this VM's guest with the old mappings and the pages may be unpinned.
 *
 * Context: process context, may sleep.
 */
void axvcpu_vm_flush_tlbs(struct axvcpu_vm *vm)
{
	atomic64_inc(&vm->tlb_gen);
	on_each_cpu(axvcpu_nop, NULL, 1);
}

static long axvcpu_vm_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	struct axvcpu_vm *vm = filp->private_data;
	struct axvcpu_memory_region mr;

	switch (cmd) {
	case AXVCPU_SET_MEMORY_REGION:
		if (copy_from_user(&mr, (void __user *)arg, sizeof(mr)))
			return -EFAULT;
		return axvcpu_set_memory_region(vm, &mr);
	default:
		return -ENOTTY;
	}
}

static int axvcpu_vm_release(struct inode *inode, struct file *filp)
{
	axvcpu_vm_put(filp->private_data);
	return 0;
}

static const struct file_operations axvcpu_vm_fops = {
	.owner = THIS_MODULE,
	.release = axvcpu_vm_release,
	.unlocked_ioctl = axvcpu_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/**
 * axvcpu_vm_get_from_fd() - the VM behind a VM fd, referenced
 * @fd: a file descriptor of the caller
 *
 * Return: the VM with a reference the caller drops with axvcpu_vm_put(),
 * ERR_PTR(-EBADF) when @fd is not open, ERR_PTR(-EINVAL) when it is not an
 * axvcpu VM fd.
 */
struct axvcpu_vm *axvcpu_vm_get_from_fd(int fd)
{
	struct axvcpu_vm *vm;
	struct fd f = fdget(fd);

	if (!axvcpu_fd_file(f))
		return ERR_PTR(-EBADF);
	if (axvcpu_fd_file(f)->f_op != &axvcpu_vm_fops) {
		fdput(f);
		return ERR_PTR(-EINVAL);
	}
	vm = axvcpu_fd_file(f)->private_data;
	kref_get(&vm->ref);
	fdput(f);
	return vm;
}

/**
 * axvcpu_create_vm() - AXVCPU_CREATE_VM: a new VM and its fd
 *
 * Takes a reference on hardware virtualization (enabling it on every CPU
 * for the first VM).
 *
 * Return: the new fd, or -ENODEV, -EBUSY, -ENOMEM, -EMFILE.
 */
int axvcpu_create_vm(void)
{
	struct axvcpu_vm *vm;
	int ret, fd;

	ret = axvcpu_hardware_get();
	if (ret)
		return ret;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm) {
		ret = -ENOMEM;
		goto err_hw;
	}
	kref_init(&vm->ref);
	mutex_init(&vm->slots_lock);
	xa_init(&vm->vcpus);
	atomic64_set(&vm->tlb_gen, 0);
	ret = ida_alloc(&axvcpu_vm_ida, GFP_KERNEL);
	if (ret < 0)
		goto err_free;
	vm->id = ret;
	ret = axvcpu_ops->vm_init(vm);
	if (ret)
		goto err_ida;
	vm->mm = current->mm;
	mmgrab(vm->mm);
	axvcpu_vm_debugfs_add(vm);

	fd = anon_inode_getfd("axvcpu-vm", &axvcpu_vm_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		/* The put frees everything, the hardware reference included. */
		axvcpu_vm_put(vm);
		return fd;
	}
	return fd;

err_ida:
	ida_free(&axvcpu_vm_ida, vm->id);
err_free:
	kfree(vm);
err_hw:
	axvcpu_hardware_put();
	return ret;
}
