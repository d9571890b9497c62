// SPDX-License-Identifier: GPL-2.0
/*
 * torture_kill_test: a process that dies at any point gives back all it
 * held. Tens of times each, with random choices and delays from one
 * printed seed (torture.h):
 *
 * - a child killed with SIGKILL while several vCPU threads are inside RUN,
 *   while it adds and deletes a 64 MiB memory region, and while it creates
 *   and closes VMs and vCPUs;
 * - a child calling _exit() without closing anything, with vCPUs in every
 *   state (CREATED, FREE, READY, READY bound to a thread that is gone,
 *   RUNNING in another thread, BLOCKED in an in-kernel halt, INVALID) and
 *   VM fds holding memory regions.
 *
 * After every iteration the pinned pages (nr_foll_pin_*), this process's
 * VmLck and the module's use count (/sys/module/axvcpu/refcnt) must come
 * back to where they were: a killed process's fds are released
 * asynchronously, so they are polled. The kernel's own checks (KASAN,
 * lockdep, kmemleak in the debug lane) and the runner's splat gate do the
 * rest. Fds shared across fork() are torture_fd_test.c's, CPU hotplug is
 * torture_hotplug_test.c's, unload/reload module_test.c's.
 *
 * AXVCPU_TORTURE_SEED repeats the choices, AXVCPU_TORTURE_ITERS overrides
 * every test's iteration count.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "torture.h"

/* The large region of kill_during_memory_setup. */
#define BIG_SLOT	TOR_EXTRA_SLOT
#define BIG_GPA		TOR_EXTRA_GPA
#define BIG_SIZE	(64 * AXV_MiB)
_Static_assert(BIG_GPA + BIG_SIZE <= AXV_GUEST_FREE_GPA + AXV_GUEST_FREE_SIZE,
	       "the big region is outside the guest's free range");

TORTURE_FIXTURE();

/* ---- kill -9 during RUN ------------------------------------------------ */

/* A thread of a child running one of its vCPUs; it reports errors on @b. */
struct child_thread {
	pthread_t thread;
	struct axv_vcpu *vcpu;
	struct tor_board *b;
	bool exits;		/* run_child_thread(): the guest exits */
	bool run;		/* role_thread_fn(): RUN after BIND */
};

static void *run_child_thread(void *arg)
{
	struct child_thread *t = arg;
	struct axv_vcpu *vcpu = t->vcpu;
	__u64 last = 0;
	char why[320];
	int rc;

	if (ioctl(vcpu->fd, AXVCPU_BIND, 0))
		child_fail(t->b, "vCPU %u: BIND: %s", vcpu->id,
			   axv_errno_name(errno));
	for (;;) {
		rc = axv_run(vcpu);
		if (!t->exits)
			child_fail(t->b, "vCPU %u: the exit-less guest came back: %s / %s",
				   vcpu->id, axv_errno_name(-rc),
				   axv_exit_desc(vcpu->run));
		if (!loop_exit_ok(vcpu, rc, last, why, sizeof(why)))
			child_fail(t->b, "vCPU %u: %s", vcpu->id, why);
		last += LOOP_STEP;
	}
	return NULL;
}

static void __attribute__((noreturn))
run_child(struct tor_board *b, void *counters, unsigned int nvcpus,
	  unsigned int exit_mask)
{
	struct child_thread t[MAX_COUNTERS];
	struct axv_vm vm;
	unsigned int i;

	tor_vm_create(&vm, counters);
	for (i = 0; i < nvcpus; i++) {
		t[i].exits = exit_mask & (1U << i);
		t[i].b = b;
		t[i].vcpu = guest_vcpu(&vm, i, i, 0, axv_test_cpu(i),
				       t[i].exits ? TOR_GUEST(loop_guest) :
						    TOR_GUEST(busy_guest));
		axv_thread_run(&t[i].thread, run_child_thread, &t[i]);
	}
	STORE(b->ready, 1);
	for (;;)
		pause();
}

struct counters_arg {
	void *counters;
	unsigned int n;
};

static bool counters_running(void *arg)
{
	struct counters_arg *c = arg;
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (counter(c->counters, i) == 0)
			return false;
	return true;
}

/*
 * A child with 2-4 vCPU threads inside RUN (some guests never exit, some
 * exit every LOOP_STEP increments, so that a thread may also be between
 * two RUNs) is killed at a random moment once every guest counts.
 */
TEST_F_TIMEOUT(torture, kill_during_run, 600)
{
	struct tor_state *ts = &self->t;
	unsigned int n = iterations(20);
	unsigned int it, vcpus_total = 0;
	struct counters_arg ca;
	struct tor_board *b;
	void *counters;
	int status, rc;

	b = board_create();
	counters = counters_create();
	ca.counters = counters;
	for (it = 0; it < n; it++) {
		unsigned int nvcpus = tor_range(&ts->rng, 2, 4);
		unsigned int exit_mask = tor_next(&ts->rng);
		unsigned int delay = tor_range(&ts->rng, 0, 20);

		memset(b, 0, sizeof(*b));
		counters_clear(counters);
		ts->child = tor_fork();
		ASSERT_LE(0, ts->child);
		if (ts->child == 0)
			run_child(b, counters, nvcpus, exit_mask);

		ca.n = nvcpus;
		rc = wait_child_cond(ts, &status, counters_running, &ca,
				     PROGRESS_MS);
		assert_child_waited(_metadata, rc, &status, b, it,
				    "not every one of %u guests counts after %d s",
				    nvcpus, PROGRESS_MS / 1000);
		axv_msleep(delay);
		kill_child(_metadata, ts, b, "kill during RUN", it);
		assert_released(_metadata, ts, "kill during RUN", it);
		vcpus_total += nvcpus;
	}
	TH_LOG("%u children killed with %u vCPU threads in RUN", n,
	       vcpus_total);
	counters_destroy(counters);
	board_destroy(b);
}

/* ---- kill -9 during memory region set-up ------------------------------- */

enum { PHASE_USER, PHASE_ADD, PHASE_DELETE, NR_PHASES };

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void *mem_child_vcpu_fn(void *arg)
{
	struct child_thread *t = arg;
	int rc;

	if (ioctl(t->vcpu->fd, AXVCPU_BIND, 0))
		child_fail(t->b, "BIND: %s", axv_errno_name(errno));
	rc = axv_run(t->vcpu);
	child_fail(t->b, "the exit-less guest came back: %s / %s",
		   axv_errno_name(-rc), axv_exit_desc(t->vcpu->run));
}

static void __attribute__((noreturn))
mem_child(struct tor_board *b, void *counters, bool run_vcpu, bool populate)
{
	struct child_thread t = { .b = b };
	long long t0, t1;
	struct axv_vm vm;
	void *big;
	int rc;

	tor_vm_create(&vm, counters);
	if (run_vcpu) {
		/* a guest runs while its VM's regions come and go */
		t.vcpu = guest_vcpu(&vm, 0, 0, 0, 0, TOR_GUEST(busy_guest));
		axv_thread_run(&t.thread, mem_child_vcpu_fn, &t);
	}
	/* not populated: the first add faults the pages in as it pins them */
	big = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0),
		   -1, 0);
	if (big == MAP_FAILED)
		child_fail(b, "mmap %lu MiB: %s", BIG_SIZE / AXV_MiB,
			   axv_errno_name(errno));
	STORE(b->ready, 1);
	for (;;) {
		STORE(b->phase, PHASE_ADD);
		t0 = now_us();
		rc = axv_set_region(vm.fd, BIG_SLOT, 0, BIG_GPA, BIG_SIZE,
				    (__u64)(uintptr_t)big);
		if (rc)
			child_fail(b, "adding %lu MiB: %s", BIG_SIZE / AXV_MiB,
				   axv_errno_name(-rc));
		STORE(b->phase, PHASE_DELETE);
		t1 = now_us();
		rc = axv_set_region(vm.fd, BIG_SLOT, 0, BIG_GPA, 0, 0);
		if (rc)
			child_fail(b, "deleting %lu MiB: %s",
				   BIG_SIZE / AXV_MiB, axv_errno_name(-rc));
		STORE(b->phase, PHASE_USER);
		STORE(b->add_us, t1 - t0);
		STORE(b->delete_us, now_us() - t1);
		STORE(b->cycles, b->cycles + 1);
	}
}

static bool board_cycled(void *arg)
{
	return LOAD(((struct tor_board *)arg)->cycles) > 0;
}

/*
 * A child adds and deletes a 64 MiB region in a loop (half the time with
 * a vCPU of the VM running a guest, half the time with the memory faulted
 * in beforehand) and is killed after a random delay of up to twice the
 * first add/delete cycle measured for its kind (without populate the
 * first add also faults the pages in; the later ones are faster): while
 * it pins and maps, while it unmaps and unpins, or between the two.
 */
TEST_F_TIMEOUT(torture, kill_during_memory_setup, 600)
{
	struct tor_state *ts = &self->t;
	static const char *const phase_names[NR_PHASES] = {
		"between the ioctls", "adding", "deleting",
	};
	unsigned int n = iterations(20), it, at_kill[NR_PHASES] = { 0 };
	/* the first add/delete cycle of a child, without and with populate */
	long long cycle_us[2] = { 0, 0 };
	unsigned long cycles_total = 0;
	struct tor_board *b;
	void *counters;
	int status, rc;

	b = board_create();
	counters = counters_create();
	for (it = 0; it < n; it++) {
		bool run_vcpu = tor_next(&ts->rng) & 1;
		bool populate = tor_next(&ts->rng) & 1;
		long long delay_us;

		memset(b, 0, sizeof(*b));
		ts->child = tor_fork();
		ASSERT_LE(0, ts->child);
		if (ts->child == 0)
			mem_child(b, counters, run_vcpu, populate);

		rc = wait_child_cond(ts, &status, board_ready, b,
				     PROGRESS_MS);
		/* the first time: how long is a cycle? */
		if (rc == 1 && !cycle_us[populate])
			rc = wait_child_cond(ts, &status, board_cycled, b,
					     PROGRESS_MS);
		assert_child_waited(_metadata, rc, &status, b, it,
				    "the child did not start (or add and delete)");
		if (!cycle_us[populate])
			cycle_us[populate] = LOAD(b->add_us) +
					     LOAD(b->delete_us);
		delay_us = tor_next(&ts->rng) % (2 * cycle_us[populate] + 1);
		usleep(delay_us);
		at_kill[LOAD(b->phase)]++;
		kill_child(_metadata, ts, b, "kill during memory set-up", it);
		cycles_total += LOAD(b->cycles);
		assert_released(_metadata, ts, "kill during memory set-up",
				it);
	}
	TH_LOG("%u kills: %u %s, %u %s, %u %s",
	       n, at_kill[PHASE_ADD], phase_names[PHASE_ADD],
	       at_kill[PHASE_DELETE], phase_names[PHASE_DELETE],
	       at_kill[PHASE_USER], phase_names[PHASE_USER]);
	TH_LOG("%lu add/delete cycles of %lu MiB done; a first one: %lld ms, populated %lld ms",
	       cycles_total, BIG_SIZE / AXV_MiB, cycle_us[0] / 1000,
	       cycle_us[1] / 1000);
	/* The test's premise: kills did land inside SET_MEMORY_REGION. */
	ASSERT_LT(0, at_kill[PHASE_ADD] + at_kill[PHASE_DELETE]);
	counters_destroy(counters);
	board_destroy(b);
}

/* ---- kill -9 during CREATE_VM / CREATE_VCPU loops ---------------------- */

struct create_thread {
	pthread_t thread;
	struct tor_board *b;
	struct tor_rng rng;
	void *buf;		/* 64 KiB this thread maps as a region */
	size_t run_size;
	unsigned int max_vcpus;	/* vCPU ids are drawn below this */
};

#define CREATE_MAX_VCPUS	8
#define CREATE_MAX_IDS		256
#define CREATE_BUF_SIZE		(64 * 1024)
/*
 * The entry point the loops SETUP their vCPUs with, inside the 64 KiB
 * region some of their VMs get at 0: nothing runs, SETUP only records it.
 */
#define CREATE_ENTRY_GPA	0x1000

static void *create_loop_fn(void *arg)
{
	struct create_thread *t = arg;
	int fds[CREATE_MAX_VCPUS + 2];
	void *runs[CREATE_MAX_VCPUS];
	unsigned int ids[CREATE_MAX_IDS], order[CREATE_MAX_VCPUS + 2];
	unsigned int k, j, nfds;
	int sys, vm;

	for (;;) {
		sys = open(AXV_DEV_PATH, O_RDWR | O_CLOEXEC);
		if (sys < 0)
			child_fail(t->b, "open: %s", axv_errno_name(errno));
		vm = ioctl(sys, AXVCPU_CREATE_VM, 0);
		if (vm < 0)
			child_fail(t->b, "CREATE_VM: %s", axv_errno_name(errno));
		if (tor_next(&t->rng) & 1) {
			int rc = axv_set_region(vm, 0, 0, 0, CREATE_BUF_SIZE,
						(__u64)(uintptr_t)t->buf);

			if (rc)
				child_fail(t->b, "SET_MEMORY_REGION: %s",
					   axv_errno_name(-rc));
		}
		k = tor_range(&t->rng, 1, CREATE_MAX_VCPUS);
		tor_shuffle(&t->rng, ids, t->max_vcpus);
		for (j = 0; j < k; j++) {
			struct axvcpu_create_vcpu c = {
				.vm_fd = vm,
				.vcpu_id = ids[j],
			};
			struct axvcpu_setup s = { .entry = CREATE_ENTRY_GPA };

			fds[j] = ioctl(sys, AXVCPU_CREATE_VCPU, &c);
			if (fds[j] < 0)
				child_fail(t->b, "CREATE_VCPU %u: %s", ids[j],
					   axv_errno_name(errno));
			runs[j] = NULL;
			if (tor_next(&t->rng) & 1 &&
			    ioctl(fds[j], AXVCPU_SETUP, &s))
				child_fail(t->b, "SETUP: %s",
					   axv_errno_name(errno));
			if (tor_next(&t->rng) & 1) {
				runs[j] = mmap(NULL, t->run_size,
					       PROT_READ | PROT_WRITE,
					       MAP_SHARED, fds[j], 0);
				if (runs[j] == MAP_FAILED)
					child_fail(t->b, "mmap run: %s",
						   axv_errno_name(errno));
			}
		}
		fds[k] = vm;
		fds[k + 1] = sys;
		nfds = k + 2;
		tor_shuffle(&t->rng, order, nfds);
		for (j = 0; j < nfds; j++) {
			close(fds[order[j]]);
			if (order[j] < k && runs[order[j]])
				munmap(runs[order[j]], t->run_size);
		}
		__atomic_add_fetch(&t->b->cycles, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void __attribute__((noreturn))
create_child(struct tor_board *b, __u64 seed, const struct axvcpu_info *info)
{
	struct create_thread t[2];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		t[i].b = b;
		t[i].rng.s = seed + i;
		t[i].run_size = info->run_mmap_size;
		t[i].max_vcpus = info->max_vcpus < CREATE_MAX_IDS ?
				 info->max_vcpus : CREATE_MAX_IDS;
		t[i].buf = mmap(NULL, CREATE_BUF_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (t[i].buf == MAP_FAILED)
			child_fail(b, "mmap: %s", axv_errno_name(errno));
	}
	STORE(b->ready, 1);
	axv_thread_run(&t[1].thread, create_loop_fn, &t[1]);
	create_loop_fn(&t[0]);
	_exit(CHILD_FAILED);
}

/*
 * A child whose two threads create VMs (some with a region) and vCPUs
 * (some set up, some with their run struct mapped) and close them in a
 * random order, in a loop, is killed after a random delay. Afterwards a
 * VM of this process still enables the hardware and runs a guest.
 */
TEST_F_TIMEOUT(torture, kill_during_create_loops, 600)
{
	struct tor_state *ts = &self->t;
	unsigned int n = iterations(30), it;
	unsigned long cycles_total = 0;
	struct tor_board *b;
	char why[320];
	int status, rc;

	b = board_create();
	for (it = 0; it < n; it++) {
		unsigned int delay = tor_range(&ts->rng, 0, 80);
		__u64 seed = tor_next(&ts->rng);

		memset(b, 0, sizeof(*b));
		ts->child = tor_fork();
		ASSERT_LE(0, ts->child);
		if (ts->child == 0)
			create_child(b, seed, &ts->info);

		rc = wait_child_cond(ts, &status, board_ready, b,
				     PROGRESS_MS);
		assert_child_waited(_metadata, rc, &status, b, it,
				    "the child did not start");
		axv_msleep(delay);
		kill_child(_metadata, ts, b, "kill during create loops", it);
		cycles_total += LOAD(b->cycles);
		assert_released(_metadata, ts, "kill during create loops", it);
	}
	TH_LOG("%u kills, %lu VMs created and closed by the children", n,
	       cycles_total);
	/* the device still works: a new VM runs the hello guest to its exits */
	ASSERT_TRUE(hello_runs(0, why, sizeof(why)))
		TH_LOG("a VM after the kills: %s", why);
	board_destroy(b);
}

/* ---- _exit() with vCPUs in every state --------------------------------- */

enum role {
	ROLE_CREATED, ROLE_FREE, ROLE_READY, ROLE_READY_GONE, ROLE_RUNNING,
	ROLE_BLOCKED, ROLE_INVALID, NR_ROLES,
};

static const char *const role_names[NR_ROLES] = {
	"CREATED", "FREE", "READY", "READY (bound thread gone)", "RUNNING",
	"BLOCKED", "INVALID",
};

static const long role_states[NR_ROLES] = {
	AXVCPU_STATE_CREATED, AXVCPU_STATE_FREE, AXVCPU_STATE_READY,
	AXVCPU_STATE_READY, AXVCPU_STATE_RUNNING, AXVCPU_STATE_BLOCKED,
	AXVCPU_STATE_INVALID,
};

#define ROLE_ABSENT	(-2L)

/* Bind, then either return (the vCPU stays bound to a gone thread) or RUN. */
static void *role_thread_fn(void *arg)
{
	struct child_thread *t = arg;
	int rc;

	if (ioctl(t->vcpu->fd, AXVCPU_BIND, 0))
		child_fail(t->b, "vCPU %u: BIND: %s", t->vcpu->id,
			   axv_errno_name(errno));
	if (!t->run)
		return NULL;
	rc = axv_run(t->vcpu);
	child_fail(t->b, "vCPU %u: RUN came back: %s / %s", t->vcpu->id,
		   axv_errno_name(-rc), axv_exit_desc(t->vcpu->run));
}

struct states_config {
	struct tor_rng rng;
	bool halt_in_kernel;
	unsigned int max_vcpus;
	unsigned int ncpus;
};

/*
 * The guests' index is their role (their counter and stack); their vCPU
 * ids are random, below max_vcpus.
 */
static void __attribute__((noreturn))
states_child(struct tor_board *b, void *counters, struct states_config *cfg)
{
	struct child_thread t[NR_ROLES];
	struct axv_vcpu *v[NR_ROLES] = { NULL };
	unsigned int order[NR_ROLES], ids[CREATE_MAX_IDS], i;
	struct axvcpu_setup s = {
		.entry = (__u64)(uintptr_t)busy_guest,
	};
	void (*busy)(void) = TOR_GUEST(busy_guest);
	struct axv_vm vm, vm2;
	long st;

	tor_vm_create(&vm, counters);
	axv_mem_add(&vm, TOR_EXTRA_SLOT, TOR_EXTRA_GPA,
		    tor_range(&cfg->rng, 1, 8) * AXV_MiB, 0, NULL);
	/* a second VM holding a region and no vCPU */
	axv_vm_create(&vm2);
	axv_mem_add(&vm2, 0, 0, tor_range(&cfg->rng, 1, 4) * AXV_MiB, 0,
		    NULL);

	tor_shuffle(&cfg->rng, order, NR_ROLES);
	tor_shuffle(&cfg->rng, ids, cfg->max_vcpus);
	memset(t, 0, sizeof(t));
	for (i = 0; i < NR_ROLES; i++) {
		enum role r = order[i];
		__u32 favor = axv_test_cpu(tor_range(&cfg->rng, 0,
						     cfg->ncpus - 1));

		t[r].b = b;
		switch (r) {
		case ROLE_CREATED:
			v[r] = axv_vcpu_create(&vm, ids[i], 0);
			break;
		case ROLE_FREE:
			v[r] = guest_vcpu(&vm, ids[i], r, 0, favor, busy);
			break;
		case ROLE_READY:
			v[r] = guest_vcpu(&vm, ids[i], r, 0, favor, busy);
			axv_vcpu_bind(v[r]);
			break;
		case ROLE_READY_GONE:
			t[r].vcpu = guest_vcpu(&vm, ids[i], r, 0, favor, busy);
			v[r] = t[r].vcpu;
			axv_thread_run(&t[r].thread, role_thread_fn, &t[r]);
			pthread_join(t[r].thread, NULL);
			break;
		case ROLE_RUNNING:
			t[r].vcpu = guest_vcpu(&vm, ids[i], r, 0, favor, busy);
			v[r] = t[r].vcpu;
			t[r].run = true;
			axv_thread_run(&t[r].thread, role_thread_fn, &t[r]);
			break;
		case ROLE_BLOCKED:
			if (!cfg->halt_in_kernel)
				break;
			t[r].vcpu = guest_vcpu(&vm, ids[i], r,
					       AXVCPU_VCPU_HALT_IN_KERNEL,
					       favor, halt_guest);
			v[r] = t[r].vcpu;
			t[r].run = true;
			axv_thread_run(&t[r].thread, role_thread_fn, &t[r]);
			break;
		case ROLE_INVALID:
			/* SETUP twice: the second is from the wrong state */
			v[r] = guest_vcpu(&vm, ids[i], r, 0, favor, busy);
			if (ioctl(v[r]->fd, AXVCPU_SETUP, &s) != -1 ||
			    errno != EBADFD)
				child_fail(b, "a second SETUP did not fail with EBADFD");
			break;
		default:
			break;
		}
	}
	/* the running guest counts, the halted one waits in the kernel */
	for (i = 0; i < PROGRESS_MS && !counter(counters, ROLE_RUNNING); i++)
		axv_msleep(1);
	if (v[ROLE_RUNNING])
		axv_wait_state(v[ROLE_RUNNING], AXVCPU_STATE_RUNNING,
			       PROGRESS_MS);
	if (v[ROLE_BLOCKED])
		axv_wait_state(v[ROLE_BLOCKED], AXVCPU_STATE_BLOCKED,
			       PROGRESS_MS);
	for (i = 0; i < NR_ROLES; i++) {
		st = v[i] ? axv_get_state(v[i]) : ROLE_ABSENT;
		b->states[i] = st;
	}
	STORE(b->ready, 1);
	usleep(tor_range(&cfg->rng, 0, 5000));
	_exit(0);
}

/*
 * A child leaves with _exit() and closes nothing: two VMs with regions,
 * one of them with a vCPU in every state, each with its run struct
 * mapped. Everything must be released by the exit alone.
 */
TEST_F_TIMEOUT(torture, exit_with_fds_in_every_state, 600)
{
	struct tor_state *ts = &self->t;
	unsigned int n = iterations(20), it, i;
	struct states_config cfg;
	struct tor_board *b;
	void *counters;
	int status, rc;

	cfg.halt_in_kernel = ts->info.flags & AXVCPU_FEATURE_HALT_IN_KERNEL;
	cfg.max_vcpus = ts->info.max_vcpus < CREATE_MAX_IDS ?
			ts->info.max_vcpus : CREATE_MAX_IDS;
	cfg.ncpus = axv_nr_test_cpus();
	ASSERT_LE(NR_ROLES, cfg.max_vcpus);
	if (!cfg.halt_in_kernel)
		TH_LOG("no AXVCPU_FEATURE_HALT_IN_KERNEL: no BLOCKED vCPU");
	b = board_create();
	counters = counters_create();
	for (it = 0; it < n; it++) {
		cfg.rng.s = tor_next(&ts->rng);
		memset(b, 0, sizeof(*b));
		counters_clear(counters);
		ts->child = tor_fork();
		ASSERT_LE(0, ts->child);
		if (ts->child == 0)
			states_child(b, counters, &cfg);

		rc = wait_child_cond(ts, &status, board_ready, b,
				     PROGRESS_MS);
		if (rc == 1) {
			waitpid(ts->child, &status, 0);
			ts->child = 0;
		}
		ASSERT_NE(0, rc)
			TH_LOG("iteration %u: the child did not get its vCPUs into their states",
			       it);
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("iteration %u: child %s", it,
			       child_status(status, b));
		for (i = 0; i < NR_ROLES; i++) {
			long want = role_states[i];

			if (i == ROLE_BLOCKED && !cfg.halt_in_kernel)
				want = ROLE_ABSENT;
			ASSERT_EQ(want, b->states[i])
				TH_LOG("iteration %u: the %s vCPU was in state %s before the exit",
				       it, role_names[i],
				       axv_state_name(b->states[i]));
		}
		assert_released(_metadata, ts, "_exit with fds open", it);
	}
	counters_destroy(counters);
	board_destroy(b);
}

TEST_HARNESS_MAIN
