// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop: one thread per vCPU, a switch on the exit reason
 * (Documentation/api.rst, "Exit reasons"), devices looked up by port or
 * guest physical address.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vmm.h"

static struct vmm_device *find_device(struct vmm *vmm, bool mmio,
				      uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < vmm->nr_devices; i++) {
		struct vmm_device *d = &vmm->devices[i];

		if (d->mmio == mmio && addr >= d->base && addr - d->base < d->len)
			return d;
	}
	return NULL;
}

/*
 * A device access; unclaimed reads see all ones (a floating bus) and
 * unclaimed writes vanish, as on a PC.
 */
uint64_t vmm_device_access(struct vmm *vmm, bool mmio, uint64_t addr,
			   unsigned int width, bool write, uint64_t val)
{
	struct vmm_device *d;

	pthread_mutex_lock(&vmm->lock);
	d = find_device(vmm, mmio, addr);
	if (!d)
		val = write ? 0 : ~0ULL;
	else if (write && d->write)
		d->write(vmm, d->dev, addr - d->base, width, val);
	else if (!write && d->read)
		d->read(vmm, d->dev, addr - d->base, width, &val);
	else if (!write)
		val = ~0ULL;
	pthread_mutex_unlock(&vmm->lock);
	return val;
}

__thread struct vmm_vcpu *vmm_current;

static void no_op_handler(int sig)
{
}

void vmm_vcpu_start(struct vmm_vcpu *v, uint64_t entry, __u32 mode)
{
	v->entry = entry;
	v->mode = mode;
	v->set_gprs = false;
	v->started = true;
	pthread_cond_broadcast(&v->vmm->wake);
}

bool vmm_vcpu_wait_restart(struct vmm_vcpu *v)
{
	struct vmm *vmm = v->vmm;

	pthread_mutex_lock(&vmm->lock);
	v->started = false;
	pthread_cond_broadcast(&vmm->wake);
	while (!v->started && !__atomic_load_n(&vmm->stopping, __ATOMIC_SEQ_CST))
		pthread_cond_wait(&vmm->wake, &vmm->lock);
	pthread_mutex_unlock(&vmm->lock);
	if (!v->started)
		return false;
	vmm->hv->vcpu_setup(v);
	return true;
}

/* vCPUs stopped for good, or never started: all of them ends the VM. */
static bool all_halted(struct vmm *vmm)
{
	unsigned int i, idle = vmm->halted;

	for (i = 0; i < vmm->nr_vcpus; i++)
		idle += !vmm->vcpus[i].started;
	return idle == vmm->nr_vcpus;
}

void vmm_inject(struct vmm_vcpu *v, unsigned int vector, bool nmi)
{
	v->vmm->hv->inject(v, vector, nmi);
	v->wake_seq++;
	pthread_cond_broadcast(&v->vmm->wake);
}

/*
 * HLT: wait here until an interrupt is sent to the vCPU. wake_seq is read
 * before the module is asked whether it still holds an undelivered
 * interrupt (one sent just before an STI; HLT), so that one sent between
 * the question and the wait is not missed. A vCPU that halted with
 * interrupts off is stopped for good; when all are, the guest is over.
 */
static bool vcpu_halt(struct vmm_vcpu *v)
{
	struct vmm *vmm = v->vmm;
	uint64_t seq;
	bool over;

	pthread_mutex_lock(&vmm->lock);
	seq = v->wake_seq;
	pthread_mutex_unlock(&vmm->lock);
	if (!vmm->hv->halt_wakeable(v)) {
		pthread_mutex_lock(&vmm->lock);
		vmm->halted++;
		over = all_halted(vmm);
		pthread_mutex_unlock(&vmm->lock);
		if (over) {
			vmm_warn("every vCPU halted for good: the guest stopped");
			vmm_stop(vmm, 0);
		}
		return false;
	}
	if (vmm->hv->irq_pending(v))
		return true;
	pthread_mutex_lock(&vmm->lock);
	while (v->wake_seq == seq &&
	       !__atomic_load_n(&vmm->stopping, __ATOMIC_SEQ_CST))
		pthread_cond_wait(&vmm->wake, &vmm->lock);
	pthread_mutex_unlock(&vmm->lock);
	return true;
}

/*
 * AXVCPU_RUN_TRACE set: exits on stderr, the first 3000 and then every
 * 10000th (a guest stuck in an exit loop shows which), with the first
 * payload word (MMIO, I/O or system register address; hypercall number)
 * and the hardware's own account.
 */
static bool trace_exits;	/* set once by vmm_run(), read on every exit */

static void trace_exit(struct vmm_vcpu *v)
{
	static unsigned long n;
	unsigned long k = __atomic_fetch_add(&n, 1, __ATOMIC_RELAXED);
	const struct axvcpu_run *run = v->run;

	if (k > 3000 && k % 10000)
		return;
	fprintf(stderr, "axvcpu-run: exit %lu: vCPU %u reason %u addr %#llx hw %#llx %#llx %#llx\n",
		k, v->id, run->exit_reason, (unsigned long long)run->mmio.addr,
		(unsigned long long)run->hw_exit[0],
		(unsigned long long)run->hw_exit[1],
		(unsigned long long)run->hw_exit[2]);
}

/* One vCPU's exit; false when the thread is done. */
static bool handle_exit(struct vmm_vcpu *v)
{
	struct axvcpu_run *run = v->run;
	struct vmm *vmm = v->vmm;
	bool cont = true;
	uint64_t val;

	if (trace_exits)
		trace_exit(v);

	if (arch_handle_exit(v, &cont))
		return cont;
	switch (run->exit_reason) {
	case AXVCPU_EXIT_NOTHING:
	case AXVCPU_EXIT_EXTERNAL_INTERRUPT:
		return true;
	case AXVCPU_EXIT_IO_READ:
		run->io.data = vmm_device_access(vmm, false, run->io.port,
					     run->io.width, false, 0);
		return true;
	case AXVCPU_EXIT_IO_WRITE:
		vmm_device_access(vmm, false, run->io.port, run->io.width, true,
			      run->io.data);
		return true;
	case AXVCPU_EXIT_MMIO_READ:
		run->mmio.data = vmm_device_access(vmm, true, run->mmio.addr,
					       run->mmio.width, false, 0);
		return true;
	case AXVCPU_EXIT_MMIO_WRITE:
		vmm_device_access(vmm, true, run->mmio.addr, run->mmio.width, true,
			      run->mmio.data);
		return true;
	case AXVCPU_EXIT_SYSREG_READ:
	case AXVCPU_EXIT_SYSREG_WRITE:
		val = run->sysreg.value;
		if (!arch_sysreg(v, run->exit_reason == AXVCPU_EXIT_SYSREG_WRITE,
				 run->sysreg.addr, &val))
			run->complete_fault = 1;
		else
			run->sysreg.value = val;
		return true;
	case AXVCPU_EXIT_HYPERCALL:
		/* no hypercalls: what KVM answers for an unknown one */
		run->hypercall.ret = (uint64_t)-1000;
		return true;
	case AXVCPU_EXIT_HALT:
		return vcpu_halt(v);
	case AXVCPU_EXIT_SYSTEM_DOWN:
		vmm_warn("vCPU %u: the guest shut the machine down (x86: a triple fault): stopping, as QEMU -no-reboot does",
			 v->id);
		if (vmm->hv->dump)
			vmm->hv->dump(v);
		vmm_stop(vmm, 0);
		return false;
	case AXVCPU_EXIT_FAIL_ENTRY:
		vmm_warn("vCPU %u: the hardware refused to enter the guest (reason %#llx)",
			 v->id,
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		if (vmm->hv->dump)
			vmm->hv->dump(v);
		vmm_stop(vmm, VMM_EXIT_FAILURE);
		return false;
	case AXVCPU_EXIT_NESTED_PAGE_FAULT:
		vmm_warn("vCPU %u: guest access %#x at %#llx outside RAM and devices the VMM cannot emulate",
			 v->id, run->nested_page_fault.access,
			 (unsigned long long)run->nested_page_fault.addr);
		vmm_stop(vmm, VMM_EXIT_FAILURE);
		return false;
	}
	vmm_warn("vCPU %u: exit %u not handled by this VMM", v->id,
		 run->exit_reason);
	vmm_stop(vmm, VMM_EXIT_FAILURE);
	return false;
}

static void *vcpu_thread(void *arg)
{
	struct vmm_vcpu *v = arg;
	struct vmm *vmm = v->vmm;
	sigset_t set;

	vmm_current = v;
	/* SIGUSR1 kicks this thread out of RUN when the VM stops */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	/* an AP waits for its start (x86: INIT and SIPI from the BSP) */
	pthread_mutex_lock(&vmm->lock);
	while (!v->started && !__atomic_load_n(&vmm->stopping, __ATOMIC_SEQ_CST))
		pthread_cond_wait(&vmm->wake, &vmm->lock);
	pthread_mutex_unlock(&vmm->lock);
	if (!v->started)
		return NULL;
	vmm->hv->vcpu_setup(v);
	if (vmm->hv->vcpu_bind(v)) {
		vmm_warn("vCPU %u: BIND: %s", v->id, strerror(errno));
		vmm_stop(vmm, VMM_EXIT_FAILURE);
		return NULL;
	}
	for (;;) {
		if (__atomic_load_n(&vmm->stopping, __ATOMIC_SEQ_CST))
			break;
		if (vmm->hv->vcpu_run(v)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vmm_warn("vCPU %u: RUN: %s", v->id, strerror(errno));
			vmm_stop(vmm, VMM_EXIT_FAILURE);
			break;
		}
		if (!handle_exit(v))
			break;
	}
	return NULL;
}

int vmm_run(struct vmm *vmm)
{
	struct sigaction sa = { .sa_handler = no_op_handler };
	bool joined[VMM_MAX_CPUS] = { false };
	unsigned int i;
	sigset_t set;

	/* only the vCPU threads take SIGUSR1 (no SA_RESTART: RUN returns) */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	trace_exits = getenv("AXVCPU_RUN_TRACE");
	vmm_timers_start(vmm);
	for (i = 0; i < vmm->nr_vcpus; i++)
		if (pthread_create(&vmm->vcpus[i].thread, NULL, vcpu_thread,
				   &vmm->vcpus[i]))
			vmm_die(VMM_EXIT_FAILURE, "cannot start vCPU %u's thread", i);
	/* wait for the end, then kick the threads still in RUN out of it */
	for (;;) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		bool stopping = __atomic_load_n(&vmm->stopping, __ATOMIC_SEQ_CST);
		unsigned int left = 0;

		for (i = 0; i < vmm->nr_vcpus; i++) {
			if (joined[i])
				continue;
			if (!pthread_tryjoin_np(vmm->vcpus[i].thread, NULL)) {
				joined[i] = true;
				continue;
			}
			left++;
			if (stopping)
				pthread_kill(vmm->vcpus[i].thread, SIGUSR1);
		}
		if (!left)
			break;
		nanosleep(&ts, NULL);
	}
	return vmm->exit_status;
}
