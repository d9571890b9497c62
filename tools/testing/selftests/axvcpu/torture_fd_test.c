// SPDX-License-Identifier: GPL-2.0
/*
 * torture_fd_test: the fds of a VM and its vCPUs inherited across fork().
 * Tens of times, with random choices from one printed seed (torture.h):
 * this process creates a VM with regions and vCPUs, forks and closes all
 * of it, so that a child holds the VM alone. The child may not change the
 * regions (EIO) nor run a vCPU bound to this process's thread (EPERM), but
 * runs a vCPU of its own in the VM; the pins and the VmLck charge stay
 * with this process until the child exits or is killed, and then all of it
 * must come back: the pinned pages (nr_foll_pin_*), this process's VmLck
 * and the module's use count (/sys/module/axvcpu/refcnt), polled since a
 * killed process's fds are released asynchronously.
 *
 * AXVCPU_TORTURE_SEED repeats the choices, AXVCPU_TORTURE_ITERS overrides
 * the iteration count.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "torture.h"

/* The region the child tries to add, after TOR_EXTRA_GPA's (<= 16 MiB). */
#define CHILD_SLOT	(TOR_EXTRA_SLOT + 1)
#define CHILD_GPA	(TOR_EXTRA_GPA + 16 * AXV_MiB)
_Static_assert(CHILD_GPA + AXV_PAGE_SIZE <=
	       AXV_GUEST_FREE_GPA + AXV_GUEST_FREE_SIZE,
	       "the child's region is outside the guest's free range");

TORTURE_FIXTURE();

/* The child's own vCPU, in a thread of the child. */
struct child_thread {
	pthread_t thread;
	struct axv_vcpu *vcpu;
	struct tor_board *b;
};

static void *child_vcpu_fn(void *arg)
{
	struct child_thread *t = arg;
	int rc;

	if (ioctl(t->vcpu->fd, AXVCPU_BIND, 0))
		child_fail(t->b, "vCPU %u: BIND: %s", t->vcpu->id,
			   axv_errno_name(errno));
	rc = axv_run(t->vcpu);
	child_fail(t->b, "vCPU %u: RUN came back: %s / %s", t->vcpu->id,
		   axv_errno_name(-rc), axv_exit_desc(t->vcpu->run));
}

static void __attribute__((noreturn))
inherited_child(struct tor_board *b, struct axv_vm *vm, struct axv_vcpu *ready,
		void *counters)
{
	struct child_thread t = { .b = b };
	int i;

	/* only the creator changes the regions */
	b->results[0] = axv_set_region(vm->fd, CHILD_SLOT, 0, CHILD_GPA,
				       AXV_PAGE_SIZE,
				       (__u64)(uintptr_t)counters);
	/* only the bound thread (the parent's) runs it */
	b->results[1] = axv_run(ready);
	/* a vCPU of the inherited VM, created and run here */
	t.vcpu = guest_vcpu(vm, 3, 3, 0, 0, TOR_GUEST(busy_guest));
	axv_thread_run(&t.thread, child_vcpu_fn, &t);
	for (i = 0; i < PROGRESS_MS && !counter(counters, 3); i++)
		axv_msleep(1);
	b->results[2] = axv_wait_state(t.vcpu, AXVCPU_STATE_RUNNING,
				       PROGRESS_MS);
	STORE(b->ready, 1);
	while (!LOAD(b->go))
		axv_msleep(1);
	_exit(0);
}

/* What the VM's regions charge to VmLck, in kB. */
static long long regions_kb(const struct axv_vm *vm)
{
	long long kb = 0;
	int i;

	for (i = 0; i < AXV_MAX_MEM; i++)
		if (vm->mem[i].used)
			kb += vm->mem[i].size / 1024;
	return kb;
}

/*
 * This process creates a VM with regions (charged to its VmLck) and
 * vCPUs in CREATED, FREE and READY (bound here), forks, and closes all of
 * it: the child, which also runs a vCPU of its own in the VM, now holds
 * the VM alone, and the charge stays with this process until the child
 * exits or is killed. Then it must all come back.
 */
TEST_F_TIMEOUT(torture, inherited_fds_exit, 600)
{
	struct tor_state *ts = &self->t;
	unsigned int n = iterations(20), it, kills = 0;
	int ncpus = axv_nr_test_cpus();
	struct tor_board *b;
	int status, rc;

	b = board_create();
	for (it = 0; it < n; it++) {
		size_t extra = tor_range(&ts->rng, 1, 16) * AXV_MiB;
		bool kill_it = tor_next(&ts->rng) & 1;
		long long want_kb, pins;
		struct axv_vcpu *v[3];
		struct axv_vm vm;
		void *counters;

		memset(b, 0, sizeof(*b));
		/* the library's memory: MAP_SHARED, the child sees the counts */
		counters = tor_vm_create(&vm, NULL);
		axv_mem_add(&vm, TOR_EXTRA_SLOT, TOR_EXTRA_GPA, extra, 0, NULL);
		want_kb = ts->vmlck_start + regions_kb(&vm);
		ASSERT_EQ(want_kb, axv_vmlck_kb());
		v[0] = axv_vcpu_create(&vm, 0, 0);
		v[1] = guest_vcpu(&vm, 1, 1, 0, 0, TOR_GUEST(busy_guest));
		v[2] = guest_vcpu(&vm, 2, 2, 0,
				  axv_test_cpu(tor_range(&ts->rng, 0, ncpus - 1)),
				  TOR_GUEST(loop_guest));
		axv_vcpu_bind(v[2]);

		ts->child = tor_fork();
		ASSERT_LE(0, ts->child);
		if (ts->child == 0)
			inherited_child(b, &vm, v[2], counters);

		rc = wait_child_cond(ts, &status, board_ready, b,
				     PROGRESS_MS);
		assert_child_waited(_metadata, rc, &status, b, it,
				    "the child's vCPU did not run");
		ASSERT_EQ(-EIO, b->results[0])
			TH_LOG("SET_MEMORY_REGION from another process: expected EIO, got %s",
			       axv_errno_name(-b->results[0]));
		ASSERT_EQ(-EPERM, b->results[1])
			TH_LOG("RUN from another process: expected EPERM, got %s",
			       axv_errno_name(-b->results[1]));
		ASSERT_EQ(AXVCPU_STATE_RUNNING, b->results[2])
			TH_LOG("the child's vCPU: %s",
			       axv_state_name(b->results[2]));

		/* closing everything here releases nothing: the child has it */
		pins = axv_pinned_pages();
		axv_vcpu_close(v[0]);
		axv_vcpu_close(v[1]);
		axv_vcpu_close(v[2]);
		axv_vm_close(&vm);
		ASSERT_EQ(want_kb, axv_vmlck_kb())
			TH_LOG("iteration %u: the child still has the VM, but VmLck dropped",
			       it);
		ASSERT_EQ(pins, axv_pinned_pages())
			TH_LOG("iteration %u: the child still has the VM, but pages were unpinned",
			       it);

		if (kill_it) {
			kill_child(_metadata, ts, b, "inherited fds", it);
			kills++;
		} else {
			STORE(b->go, 1);
			waitpid(ts->child, &status, 0);
			ts->child = 0;
			ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
				TH_LOG("iteration %u: child %s", it,
				       child_status(status, b));
		}
		/* the binding of v[2] kept this thread on one CPU */
		sched_setaffinity(0, sizeof(ts->affinity), &ts->affinity);
		assert_released(_metadata, ts, "inherited fds", it);
	}
	TH_LOG("%u children: %u killed, %u exited", n, kills, n - kills);
	board_destroy(b);
}

TEST_HARNESS_MAIN
