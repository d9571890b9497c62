// SPDX-License-Identifier: GPL-2.0
/*
 * The VMM's clock and timers: one thread sleeps until the earliest
 * deadline and runs that timer's callback with vmm->lock held, so that a
 * device's timer (the PIT's counter reaching zero, a local APIC timer)
 * changes the device's state as its port and MMIO handlers do, under the
 * same lock. Deadlines are CLOCK_MONOTONIC nanoseconds: the guest's TSC
 * and this clock both follow real time.
 */
#include <errno.h>
#include <time.h>

#include "vmm.h"

uint64_t vmm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void vmm_timer_add(struct vmm *vmm, struct vmm_timer *t)
{
	if (vmm->nr_timers == VMM_MAX_TIMERS)
		vmm_die(VMM_EXIT_FAILURE, "too many timers");
	t->deadline = 0;
	vmm->timers[vmm->nr_timers++] = t;
}

void vmm_timer_set(struct vmm *vmm, struct vmm_timer *t, uint64_t deadline)
{
	t->deadline = deadline;
	pthread_cond_signal(&vmm->timer_cond);
}

static void *timer_thread(void *arg)
{
	struct vmm *vmm = arg;

	pthread_mutex_lock(&vmm->lock);
	while (!__atomic_load_n(&vmm->stopping, __ATOMIC_SEQ_CST)) {
		struct vmm_timer *next = NULL;
		uint64_t now = vmm_now();
		struct timespec ts;
		unsigned int i;

		for (i = 0; i < vmm->nr_timers; i++) {
			struct vmm_timer *t = vmm->timers[i];

			if (t->deadline && (!next || t->deadline < next->deadline))
				next = t;
		}
		if (next && next->deadline <= now) {
			next->deadline = 0;
			next->fire(vmm, next->arg);
			continue;
		}
		/* at most a second: vmm_stop() does not signal this cond */
		if (!next || next->deadline - now > 1000000000ULL)
			now += 1000000000ULL;
		else
			now = next->deadline;
		ts.tv_sec = now / 1000000000ULL;
		ts.tv_nsec = now % 1000000000ULL;
		pthread_cond_timedwait(&vmm->timer_cond, &vmm->lock, &ts);
	}
	pthread_mutex_unlock(&vmm->lock);
	return NULL;
}

void vmm_timers_start(struct vmm *vmm)
{
	pthread_t t;

	if (pthread_create(&t, NULL, timer_thread, vmm))
		vmm_die(VMM_EXIT_FAILURE, "cannot start the timer thread");
	pthread_detach(t);
}
