// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: the memory regions (slots) of a VM. User pages are pinned
 * long-term, charged to the owner's RLIMIT_MEMLOCK and mapped into the VM's
 * stage-2 tables, which the backend builds and owns. User space never sees
 * a host physical address.
 *
 * The slot array is read under RCU (the exit paths that read or write
 * guest memory never wait for a region being added) and changed under
 * the VM's slots_lock; a region's pages are pinned before that lock is
 * taken, so pinning a large region holds up no one. A deleted slot's
 * pages are unpinned only after an RCU grace period.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "axvcpu_core.h"

/* Pages pinned per call: bounds the time between checks for a fatal signal. */
#define AXVCPU_PIN_BATCH	512UL

static bool axvcpu_ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

static void axvcpu_unmap_pages(struct axvcpu_vm *vm, u64 gpa,
			       unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		axvcpu_ops->unmap_page(vm, gpa + i * PAGE_SIZE);
}

/* Give a slot's pages back: unpinned (dirty if writable), uncharged. */
static void axvcpu_memslot_release(struct axvcpu_vm *vm,
				   struct axvcpu_memslot *slot, bool dirty)
{
	unpin_user_pages_dirty_lock(slot->pages, slot->npages, dirty);
	account_locked_vm(vm->mm, slot->npages, false);
	kvfree(slot->pages);
	kfree(slot);
}

/*
 * Undo a slot completely, once it is out of vm->slots: stage-2 mappings,
 * TLBs, then (after the readers of @readers' RCU period) pins and memlock
 * charge. A guest's stores set no dirty bit the kernel sees: a writable
 * slot's pages are marked dirty as they go back, so that a shared file
 * mapping behind them is written back (as KVM does).
 */
static void axvcpu_memslot_free(struct axvcpu_vm *vm,
				struct axvcpu_memslot *slot, bool readers)
{
	axvcpu_unmap_pages(vm, slot->gpa, slot->npages);
	axvcpu_vm_flush_tlbs(vm);
	if (readers)
		synchronize_rcu();
	axvcpu_memslot_release(vm, slot,
			       !(slot->flags & AXVCPU_MEM_READONLY));
}

static int axvcpu_memslot_pin(struct axvcpu_memslot *slot)
{
	unsigned int gup = FOLL_LONGTERM;
	unsigned long done = 0;
	int ret = 0;

	if (!(slot->flags & AXVCPU_MEM_READONLY))
		gup |= FOLL_WRITE;

	while (done < slot->npages) {
		unsigned long n = min(slot->npages - done, AXVCPU_PIN_BATCH);

		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = pin_user_pages_fast(slot->uaddr + done * PAGE_SIZE, n,
					  gup, slot->pages + done);
		if (ret <= 0) {
			ret = ret ?: -EFAULT;
			break;
		}
		/* A short pin: the next call starts at the page that failed and says why. */
		done += ret;
		ret = 0;
		cond_resched();
	}
	if (ret) {
		unpin_user_pages(slot->pages, done);
		/* Any failure to pin a range that access_ok() passed is a bad address. */
		if (ret != -EINTR && ret != -ENOMEM)
			ret = -EFAULT;
	}
	return ret;
}

/*
 * The largest block the backend offers that maps the slot's pages from
 * @i with one entry: the guest address and the first page's frame aligned
 * to it, and the pages behind it physically contiguous (as a huge page of
 * hugetlbfs or THP is). Every page stays pinned on its own, so a block
 * over pages that merely happen to be contiguous is as safe. 0: none.
 */
static unsigned int axvcpu_block_order(const struct axvcpu_memslot *slot,
				       unsigned long i)
{
	unsigned long orders = axvcpu_ops->block_orders;
	unsigned long pfn, k, n;
	unsigned int order;

	if (!orders)
		return 0;
	pfn = page_to_pfn(slot->pages[i]);
	while (orders) {
		order = __fls(orders);
		orders &= ~BIT(order);
		n = 1UL << order;
		if (!IS_ALIGNED((slot->gpa >> PAGE_SHIFT) + i, n) ||
		    !IS_ALIGNED(pfn, n) || i + n > slot->npages)
			continue;
		for (k = 1; k < n; k++)
			if (page_to_pfn(slot->pages[i + k]) != pfn + k)
				break;
		if (k == n)
			return order;
	}
	return 0;
}

static int axvcpu_memslot_map(struct axvcpu_vm *vm, struct axvcpu_memslot *slot)
{
	bool ro = slot->flags & AXVCPU_MEM_READONLY;
	unsigned long i, n, next_resched = AXVCPU_PIN_BATCH;
	unsigned int order;
	int ret;

	for (i = 0; i < slot->npages; i += n) {
		u64 gpa = slot->gpa + i * PAGE_SIZE;

		order = axvcpu_block_order(slot, i);
		n = 1UL << order;
		ret = order ? axvcpu_ops->map_block(vm, gpa, slot->pages[i],
						    order, ro) : -EEXIST;
		if (ret == -EEXIST) {
			n = 1;
			ret = axvcpu_ops->map_page(vm, gpa, slot->pages[i], ro);
		}
		if (ret) {
			/*
			 * The pages before @i are mapped (whole blocks and
			 * pages). Nothing ran on them: no flush needed yet,
			 * but be safe.
			 */
			axvcpu_unmap_pages(vm, slot->gpa, i);
			axvcpu_vm_flush_tlbs(vm);
			return ret;
		}
		if (i + n >= next_resched) {
			next_resched = i + n + AXVCPU_PIN_BATCH;
			cond_resched();
		}
	}
	return 0;
}

static int axvcpu_check_region(struct axvcpu_vm *vm,
			       const struct axvcpu_memory_region *mr)
{
	u64 limit = 1ULL << axvcpu_ops->guest_phys_bits;

	if (mr->slot >= AXVCPU_MAX_MEMORY_REGIONS)
		return -EINVAL;
	if (mr->flags & ~AXVCPU_MEM_READONLY)
		return -EINVAL;
	if (!PAGE_ALIGNED(mr->guest_phys_addr) ||
	    !PAGE_ALIGNED(mr->memory_size) || !PAGE_ALIGNED(mr->userspace_addr))
		return -EINVAL;
	if (!mr->memory_size)
		return 0;
	if (mr->guest_phys_addr + mr->memory_size < mr->guest_phys_addr ||
	    mr->guest_phys_addr + mr->memory_size > limit)
		return -EINVAL;
	if (mr->userspace_addr + mr->memory_size < mr->userspace_addr)
		return -EINVAL;
	if (!access_ok((void __user *)(unsigned long)mr->userspace_addr,
		       mr->memory_size))
		return -EFAULT;
	return 0;
}

/* May @mr go into the VM: its slot free, its range overlapping none. */
static int axvcpu_region_fits(struct axvcpu_vm *vm,
			      const struct axvcpu_memory_region *mr)
{
	struct axvcpu_memslot *s;
	unsigned int i;

	lockdep_assert_held(&vm->slots_lock);
	if (rcu_access_pointer(vm->slots[mr->slot]))
		return -EEXIST;
	for (i = 0; i < AXVCPU_MAX_MEMORY_REGIONS; i++) {
		s = rcu_dereference_protected(vm->slots[i],
					      lockdep_is_held(&vm->slots_lock));
		if (s && axvcpu_ranges_overlap(mr->guest_phys_addr,
					       mr->memory_size, s->gpa,
					       s->npages << PAGE_SHIFT))
			return -EINVAL;
	}
	return 0;
}

/* A new slot for @mr with its pages pinned and charged; no lock held. */
static struct axvcpu_memslot *
axvcpu_memslot_prepare(struct axvcpu_vm *vm,
		       const struct axvcpu_memory_region *mr)
{
	struct axvcpu_memslot *slot;
	int ret;

	/*
	 * Every page gets pinned: a region larger than the host's RAM can
	 * never be, and its page array alone could make kvmalloc() warn
	 * (over INT_MAX bytes) or push the host into reclaim for nothing.
	 */
	if (mr->memory_size >> PAGE_SHIFT > totalram_pages())
		return ERR_PTR(-ENOMEM);

	slot = kzalloc(sizeof(*slot), GFP_KERNEL_ACCOUNT);
	if (!slot)
		return ERR_PTR(-ENOMEM);
	slot->gpa = mr->guest_phys_addr;
	slot->npages = mr->memory_size >> PAGE_SHIFT;
	slot->uaddr = mr->userspace_addr;
	slot->flags = mr->flags;
	slot->pages = kvcalloc(slot->npages, sizeof(*slot->pages),
			       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!slot->pages) {
		ret = -ENOMEM;
		goto err_slot;
	}
	ret = account_locked_vm(vm->mm, slot->npages, true);
	if (ret)
		goto err_pages;
	ret = axvcpu_memslot_pin(slot);
	if (ret)
		goto err_account;
	return slot;

err_account:
	account_locked_vm(vm->mm, slot->npages, false);
err_pages:
	kvfree(slot->pages);
err_slot:
	kfree(slot);
	return ERR_PTR(ret);
}

/*
 * Add @mr: checked under the lock (a quick refusal), pinned outside it,
 * then checked again, mapped and published under it.
 */
static int axvcpu_add_region(struct axvcpu_vm *vm,
			     const struct axvcpu_memory_region *mr)
{
	struct axvcpu_memslot *slot;
	int ret;

	mutex_lock(&vm->slots_lock);
	ret = axvcpu_region_fits(vm, mr);
	mutex_unlock(&vm->slots_lock);
	if (ret)
		return ret;

	slot = axvcpu_memslot_prepare(vm, mr);
	if (IS_ERR(slot))
		return PTR_ERR(slot);

	mutex_lock(&vm->slots_lock);
	/* another SET_MEMORY_REGION may have taken the slot or the range */
	ret = axvcpu_region_fits(vm, mr);
	if (!ret)
		ret = axvcpu_memslot_map(vm, slot);
	if (!ret)
		rcu_assign_pointer(vm->slots[mr->slot], slot);
	mutex_unlock(&vm->slots_lock);
	if (ret)
		axvcpu_memslot_release(vm, slot, false);
	return ret;
}

/**
 * axvcpu_set_memory_region() - AXVCPU_SET_MEMORY_REGION
 * @vm: the VM
 * @mr: the region, copied from user space
 *
 * Adds a slot (pin, charge, map) or deletes one (@mr->memory_size == 0).
 * On any error nothing has changed.
 *
 * Return: 0, -EINVAL, -EEXIST, -ENOENT, -EFAULT, -ENOMEM, -EINTR, or -EIO
 * when called from a process other than the VM's creator.
 */
int axvcpu_set_memory_region(struct axvcpu_vm *vm,
			     const struct axvcpu_memory_region *mr)
{
	struct axvcpu_memslot *slot;
	int ret;

	if (current->mm != vm->mm)
		return -EIO;
	ret = axvcpu_check_region(vm, mr);
	if (ret)
		return ret;

	if (mr->memory_size)
		return axvcpu_add_region(vm, mr);

	mutex_lock(&vm->slots_lock);
	slot = rcu_dereference_protected(vm->slots[mr->slot],
					 lockdep_is_held(&vm->slots_lock));
	if (slot) {
		RCU_INIT_POINTER(vm->slots[mr->slot], NULL);
		axvcpu_memslot_free(vm, slot, true);
	} else {
		ret = -ENOENT;
	}
	mutex_unlock(&vm->slots_lock);
	return ret;
}

/**
 * axvcpu_free_memslots() - delete every slot of a dying VM
 * @vm: the VM, no vCPU left
 */
void axvcpu_free_memslots(struct axvcpu_vm *vm)
{
	struct axvcpu_memslot *slot;
	unsigned int i;

	/* no vCPU, no reader: no grace period to wait for */
	for (i = 0; i < AXVCPU_MAX_MEMORY_REGIONS; i++) {
		slot = rcu_dereference_protected(vm->slots[i], true);
		if (slot) {
			RCU_INIT_POINTER(vm->slots[i], NULL);
			axvcpu_memslot_free(vm, slot, false);
		}
	}
}

/* The page backing @gpa, or NULL; in an RCU read-side section. */
static struct page *axvcpu_gpa_to_page(struct axvcpu_vm *vm, u64 gpa,
				       bool write)
{
	unsigned int i;

	for (i = 0; i < AXVCPU_MAX_MEMORY_REGIONS; i++) {
		struct axvcpu_memslot *s = rcu_dereference(vm->slots[i]);

		if (!s || gpa < s->gpa ||
		    gpa - s->gpa >= (u64)s->npages << PAGE_SHIFT)
			continue;
		if (write && (s->flags & AXVCPU_MEM_READONLY))
			return NULL;
		return s->pages[(gpa - s->gpa) >> PAGE_SHIFT];
	}
	return NULL;
}

/**
 * axvcpu_gpa_is_mapped() - is @gpa inside a memory region?
 * @vm: the VM
 * @gpa: guest physical address
 *
 * Context: any; an RCU read-side section.
 * Return: true when a slot covers @gpa.
 */
bool axvcpu_gpa_is_mapped(struct axvcpu_vm *vm, u64 gpa)
{
	bool ret;

	rcu_read_lock();
	ret = axvcpu_gpa_to_page(vm, gpa, false);
	rcu_read_unlock();
	return ret;
}

static int axvcpu_access_guest(struct axvcpu_vm *vm, u64 gpa, void *buf,
			       size_t len, bool write)
{
	int ret = 0;

	/*
	 * The slot's pin keeps the page while the RCU section keeps the
	 * slot; the page is marked dirty when the slot goes.
	 */
	rcu_read_lock();
	while (len) {
		size_t off = offset_in_page(gpa);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		struct page *page = axvcpu_gpa_to_page(vm, gpa, write);
		void *va;

		if (!page) {
			ret = -EFAULT;
			break;
		}
		va = kmap_local_page(page);
		if (write)
			memcpy(va + off, buf, n);
		else
			memcpy(buf, va + off, n);
		kunmap_local(va);
		gpa += n;
		buf += n;
		len -= n;
	}
	rcu_read_unlock();
	return ret;
}

/**
 * axvcpu_read_guest() - copy guest physical memory out of the VM's slots
 * @vm: the VM
 * @gpa: guest physical address
 * @buf: destination
 * @len: bytes
 *
 * Context: any; an RCU read-side section.
 * Return: 0, or -EFAULT when a byte is not in a slot.
 */
int axvcpu_read_guest(struct axvcpu_vm *vm, u64 gpa, void *buf, size_t len)
{
	return axvcpu_access_guest(vm, gpa, buf, len, false);
}

/**
 * axvcpu_write_guest() - copy into guest physical memory
 * @vm: the VM
 * @gpa: guest physical address
 * @buf: source
 * @len: bytes
 *
 * Context: any; an RCU read-side section.
 * Return: 0, or -EFAULT when a byte is not in a writable slot.
 */
int axvcpu_write_guest(struct axvcpu_vm *vm, u64 gpa, const void *buf,
		       size_t len)
{
	return axvcpu_access_guest(vm, gpa, (void *)buf, len, true);
}
