// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle_test: fds closed in every order and state (a vCPU holds its VM:
 * it still runs after the VM fd is closed), pinned memory and VmLck back to
 * where they were afterwards, two VMs with two vCPUs each running at once
 * on memory of their own, a process killed while it is inside RUN, and
 * CPU hotplug under a bound vCPU. The guests are C (axvcpu_guest.h), so
 * every backend with a guest library runs all of it.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_guest.h"

/* What report_guest reports; the host writes it in the guest's copy. */
static volatile __u64 report_word;

/* Report report_word twice, then wait. */
static void report_guest(void)
{
	GUEST_SYNC(report_word);
	GUEST_SYNC(report_word);
	guest_halt();
}

#define COUNT_TO	500
#define STAGE_COUNT	0x10
#define STAGE_MAGIC	0x11

/*
 * Each VM's magic word, and a page of counters (one per vCPU, 0x100 bytes
 * apart): written by the host in each VM's own copy.
 */
static volatile __u32 vm_magic;
static volatile __u32 count_page[0x800 / 4];

/*
 * Report this VM's magic word, then count *@counter up to COUNT_TO,
 * reporting each value.
 */
static void count_guest(volatile __u32 *counter)
{
	__u32 v;

	GUEST_SYNC2(STAGE_MAGIC, vm_magic);
	do {
		v = ++*counter;
		GUEST_SYNC2(STAGE_COUNT, v);
	} while (v < COUNT_TO);
	GUEST_DONE();
}

static void hello_guest(void)
{
	GUEST_SYNC(0x5a);
	guest_halt();
}

/* Count forever, without exits. */
static volatile __u64 busy_count;

static void busy_guest(void)
{
	for (;;)
		busy_count++;
}

/* The kB of guest memory a VM has in its slots: what VmLck grows by. */
static long long vm_mem_kb(struct axv_vm *vm)
{
	long long kb = 0;
	int i;

	for (i = 0; i < AXV_MAX_MEM; i++)
		if (vm->mem[i].used)
			kb += vm->mem[i].size / 1024;
	return kb;
}

FIXTURE(close_order)
{
	long long vmlck_start;
	long long pins_start;
	long long mem_kb;
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
};

FIXTURE_VARIANT(close_order)
{
	long state;
	bool vm_first;
};

FIXTURE_VARIANT_ADD(close_order, created_vcpu_first) { AXVCPU_STATE_CREATED, false };
FIXTURE_VARIANT_ADD(close_order, free_vcpu_first)    { AXVCPU_STATE_FREE, false };
FIXTURE_VARIANT_ADD(close_order, ready_vcpu_first)   { AXVCPU_STATE_READY, false };
FIXTURE_VARIANT_ADD(close_order, created_vm_first)   { AXVCPU_STATE_CREATED, true };
FIXTURE_VARIANT_ADD(close_order, free_vm_first)      { AXVCPU_STATE_FREE, true };
FIXTURE_VARIANT_ADD(close_order, ready_vm_first)     { AXVCPU_STATE_READY, true };

FIXTURE_SETUP(close_order)
{
	self->vmlck_start = axv_vmlck_kb();
	self->pins_start = axv_pinned_pages();
	axv_guest_vm_create(&self->vm);
	self->mem_kb = vm_mem_kb(&self->vm);
	/* vCPU 0 in the variant's state: only set up, or also bound */
	if (variant->state == AXVCPU_STATE_CREATED)
		self->vcpu = axv_vcpu_create(&self->vm, 0, 0);
	else if (variant->state == AXVCPU_STATE_FREE)
		self->vcpu = axv_guest_vcpu_free(&self->vm, 0, 0, report_guest);
	else
		self->vcpu = axv_guest_vcpu(&self->vm, 0, 0, report_guest);
}

FIXTURE_TEARDOWN(close_order)
{
	/* the fds are closed by the test; this unmaps the guest memory */
	axv_vm_close(&self->vm);
}

/* From state @from to READY: SETUP (through the library) and BIND. */
static void reach_ready(struct __test_metadata *_metadata,
			struct axv_vcpu *vcpu, long from)
{
	if (from < AXVCPU_STATE_FREE)
		axv_guest_vcpu_restart(vcpu, report_guest);
	if (from < AXVCPU_STATE_READY)
		ASSERT_OK(ioctl(vcpu->fd, AXVCPU_BIND, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

TEST_F(close_order, close)
{
	struct axv_vm *vm = &self->vm;
	struct axv_vcpu *vcpu = self->vcpu;
	long long v;

	ASSERT_STATE(vcpu, variant->state);
	ASSERT_EQ(self->vmlck_start + self->mem_kb, axv_vmlck_kb());

	if (variant->vm_first) {
		/* the vCPU keeps the VM, its memory and its pins */
		close(vm->fd);
		close(vm->sys_fd);
		vm->fd = vm->sys_fd = -1;
		ASSERT_EQ(self->vmlck_start + self->mem_kb, axv_vmlck_kb())
			TH_LOG("closing the VM fd released the memory of a VM that has a vCPU");
		ASSERT_STATE(vcpu, variant->state);
		reach_ready(_metadata, vcpu, variant->state);
		/* it runs on the VM's memory, and sees the host's writes there */
		*axv_guest_global(vm, report_word) = 0x1234abcd;
		ASSERT_RUN_SYNC(vcpu, 0x1234abcd);
		*axv_guest_global(vm, report_word) = 0x600d600d;
		ASSERT_RUN_SYNC(vcpu, 0x600d600d);
		axv_vcpu_close(vcpu);
	} else {
		axv_vcpu_close(vcpu);
		/* the VM is intact without it */
		ASSERT_EQ(self->vmlck_start + self->mem_kb, axv_vmlck_kb());
		ASSERT_EQ(-ENOENT, axv_set_region(vm->fd, AXV_GUEST_FREE_SLOT,
						  0, 0, 0, 0));
		vcpu = axv_guest_vcpu(vm, 1, 0, report_guest);
		ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
		*axv_guest_global(vm, report_word) = 0x0ddba11;
		ASSERT_RUN_SYNC(vcpu, 0x0ddba11);
		axv_vcpu_close(vcpu);
		close(vm->fd);
		close(vm->sys_fd);
		vm->fd = vm->sys_fd = -1;
	}
	v = axv_poll_value(axv_vmlck_kb, self->vmlck_start, 2000);
	ASSERT_EQ(self->vmlck_start, v)
		TH_LOG("VmLck after closing everything: expected %lld kB, got %lld kB",
		       self->vmlck_start, v);
	v = axv_poll_value(axv_pinned_pages, self->pins_start, 2000);
	ASSERT_EQ(self->pins_start, v)
		TH_LOG("pinned pages after closing everything: %lld more than before",
		       v - self->pins_start);
}

FIXTURE(lifecycle)
{
	int offline_cpu;	/* brought online again in the teardown */
};

FIXTURE_SETUP(lifecycle)
{
}

FIXTURE_TEARDOWN(lifecycle)
{
	if (self->offline_cpu > 0)
		axv_set_cpu_online(self->offline_cpu, true);
}

/* The last RUN, for a thread's error message: its error or its exit. */
static void run_desc(char *buf, size_t len, int rc, struct axv_vcpu *vcpu,
		     const struct axv_ucall *uc)
{
	if (rc)
		snprintf(buf, len, "RUN: %s", axv_errno_name(-rc));
	else if (uc->cmd == AXV_UCALL_ABORT)
		snprintf(buf, len, "guest assert failed: %.200s", uc->msg);
	else
		snprintf(buf, len, "%s, ucall %llu (%#llx, %#llx)",
			 axv_exit_desc(vcpu->run), (unsigned long long)uc->cmd,
			 (unsigned long long)uc->args[0],
			 (unsigned long long)uc->args[1]);
}

struct counter_thread {
	pthread_t thread;
	struct axv_vcpu *vcpu;
	__u32 magic;
	char error[512];
	unsigned int count;
};

/* RUN once: the ucall's command, AXV_UCALL_NONE for another exit. */
static __u64 run_ucall(struct axv_vcpu *vcpu, int *rc, struct axv_ucall *uc)
{
	memset(uc, 0, sizeof(*uc));
	*rc = axv_run(vcpu);
	return *rc ? AXV_UCALL_NONE : axv_get_ucall(vcpu, uc);
}

static void *counter_fn(void *arg)
{
	struct counter_thread *c = arg;
	struct axv_vcpu *vcpu = c->vcpu;
	struct axv_ucall uc;
	char desc[320];
	int rc;

	if (ioctl(vcpu->fd, AXVCPU_BIND, 0)) {
		snprintf(c->error, sizeof(c->error), "BIND: %s",
			 axv_errno_name(errno));
		return NULL;
	}
	if (run_ucall(vcpu, &rc, &uc) != AXV_UCALL_SYNC ||
	    uc.args[0] != STAGE_MAGIC || uc.args[1] != c->magic) {
		run_desc(desc, sizeof(desc), rc, vcpu, &uc);
		snprintf(c->error, sizeof(c->error),
			 "first exit: expected the magic %#x, got %s",
			 c->magic, desc);
		return NULL;
	}
	while (c->count < COUNT_TO) {
		if (run_ucall(vcpu, &rc, &uc) != AXV_UCALL_SYNC ||
		    uc.args[0] != STAGE_COUNT || uc.args[1] != c->count + 1) {
			run_desc(desc, sizeof(desc), rc, vcpu, &uc);
			snprintf(c->error, sizeof(c->error),
				 "count %u: expected %u, got %s",
				 c->count, c->count + 1, desc);
			return NULL;
		}
		c->count++;
	}
	if (run_ucall(vcpu, &rc, &uc) != AXV_UCALL_DONE) {
		run_desc(desc, sizeof(desc), rc, vcpu, &uc);
		snprintf(c->error, sizeof(c->error),
			 "after counting: expected DONE, got %s", desc);
	}
	return NULL;
}

/* 2 VMs x 2 vCPUs in 4 threads; each VM's memory is its own. */
TEST_F_TIMEOUT(lifecycle, two_vms_two_vcpus, 240)
{
	static const __u32 magic[2] = { 0xaaaa0001, 0xbbbb0002 };
	struct counter_thread c[4];
	struct axv_vm vms[2];
	int v, i;

	memset(c, 0, sizeof(c));
	for (v = 0; v < 2; v++) {
		axv_guest_vm_create(&vms[v]);
		*axv_guest_global(&vms[v], vm_magic) = magic[v];
		for (i = 0; i < 2; i++) {
			struct counter_thread *t = &c[v * 2 + i];
			struct axvcpu_create_vcpu args = {
				.vcpu_id = i,
				.favor_phys_cpu = axv_test_cpu(v * 2 + i),
			};

			t->vcpu = axv_guest_vcpu_args(&vms[v], &args,
						  (void (*)(void))count_guest);
			t->magic = magic[v];
			/* both VMs' vCPU i count the same address */
			axv_guest_args(t->vcpu, 1,
				       (__u64)(uintptr_t)&count_page[i * 0x100 / 4]);
		}
	}
	for (i = 0; i < 4; i++)
		axv_thread_run(&c[i].thread, counter_fn, &c[i]);
	for (i = 0; i < 4; i++)
		pthread_join(c[i].thread, NULL);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, c[i].error[0])
			TH_LOG("VM %d vCPU %d: %s", i / 2, i % 2, c[i].error);
	}
	for (v = 0; v < 2; v++) {
		volatile __u32 *d = *axv_guest_global(&vms[v], count_page);

		for (i = 0; i < (int)ARRAY_SIZE(count_page); i++) {
			__u32 want = (i == 0 || i == 0x100 / 4) ? COUNT_TO : 0;

			ASSERT_EQ(want, d[i])
				TH_LOG("VM %d: word %#x of the count page is %u, expected %u",
				       v, i * 4, d[i], want);
		}
	}
	for (i = 0; i < 4; i++)
		axv_vcpu_close(c[i].vcpu);
	axv_vm_close(&vms[0]);
	axv_vm_close(&vms[1]);
}

/* What the child of kill_during_run tells its parent once it has a VM. */
struct busy_child {
	__u64 count_hva;	/* its guest's busy_count, in the child */
	__u64 mem_size;		/* the bytes of its slot */
};

/*
 * busy_count of the child's guest, read in the child through
 * /proc/<pid>/mem (process_vm_readv() needs CONFIG_CROSS_MEMORY_ATTACH,
 * which not every kernel has): 0 if unreadable, the reason in *@err.
 */
static __u64 child_count(pid_t pid, const struct busy_child *bc, int *err)
{
	char path[64];
	__u64 v = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return 0;
	}
	if (pread(fd, &v, sizeof(v), (off_t)bc->count_hva) != sizeof(v)) {
		*err = errno;
		v = 0;
	}
	close(fd);
	return v;
}

/*
 * A child spinning inside RUN is killed with SIGKILL: its pinned pages are
 * all released when its fds go.
 */
TEST_F_TIMEOUT(lifecycle, kill_during_run, 120)
{
	struct busy_child bc = { 0 };
	long long pins, during, after;
	__u64 first, second;
	bool child_gone, told;
	int status, ms, p[2], err = 0;
	pid_t pid;

	pins = axv_pinned_pages();
	ASSERT_EQ(0, pipe(p));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct axv_vcpu *vcpu;
		struct axv_vm vm;

		close(p[0]);
		vcpu = axv_guest_vm(&vm, busy_guest, 0);
		bc.count_hva = (__u64)(uintptr_t)axv_guest_global(&vm,
								  busy_count);
		bc.mem_size = vm.mem[0].size;
		if (write(p[1], &bc, sizeof(bc)) != sizeof(bc))
			_exit(2);
		axv_run(vcpu);
		_exit(1);	/* RUN never returns on its own */
	}
	close(p[1]);
	told = read(p[0], &bc, sizeof(bc)) == sizeof(bc);
	close(p[0]);

	/*
	 * Wait until the guest counts (in the child's copy of busy_count):
	 * then the child is inside RUN.
	 */
	for (ms = 0; told && ms < 30000 && !child_count(pid, &bc, &err);
	     ms += 10)
		axv_msleep(10);
	first = told ? child_count(pid, &bc, &err) : 0;
	axv_msleep(20);
	second = told ? child_count(pid, &bc, &err) : 0;
	during = axv_pinned_pages();
	child_gone = waitpid(pid, &status, WNOHANG) == pid;

	/* kill it before any assertion can leave it spinning */
	if (!child_gone) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	ASSERT_FALSE(child_gone)
		TH_LOG("the child exited by itself (status %#x)", status);
	ASSERT_TRUE(told) TH_LOG("the child did not report its VM");
	ASSERT_NE(0, first) TH_LOG("the child's guest never ran (%s)",
				   err ? axv_errno_name(err) : "read 0");
	ASSERT_NE(first, second) TH_LOG("the child's guest stopped counting");
	ASSERT_LE(pins + (long long)(bc.mem_size / AXV_PAGE_SIZE), during)
		TH_LOG("a %llu kB slot pinned only %lld pages (pin_user_pages: nr_foll_pin_*)",
		       (unsigned long long)bc.mem_size / 1024, during - pins);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("child status %#x", status);

	after = axv_poll_value(axv_pinned_pages, pins, 10000);
	ASSERT_EQ(pins, after)
		TH_LOG("%lld pages still pinned after the killed child's fds went",
		       after - pins);
}

/*
 * The bound CPU goes offline while the vCPU is READY (not in RUN): the
 * scheduler moves the thread and widens its affinity. RUN must not enter
 * the guest there: with another allowed CPU in the thread's affinity it
 * moves the binding (GET_VCPU_INFO shows it, and RUN returns with the
 * thread on it); with none it returns EINVAL, READY and still bound, and
 * runs once the CPU is back.
 */
TEST_F_TIMEOUT(lifecycle, run_after_bound_cpu_offline, 120)
{
	int n = axv_nr_test_cpus(), cpu = axv_test_cpu(n - 1), rc;
	struct axvcpu_create_vcpu args = { 0 };
	struct axvcpu_vcpu_info vi;
	struct axv_vcpu *any, *only;
	struct axv_vm vm;
	__u64 set[16];

	if (n < 2)
		SKIP(return, "needs two CPUs to run tests on");
	axv_guest_vm_create(&vm);

	/* one vCPU may use any CPU, the other only @cpu; both bound there */
	args.vcpu_id = 0;
	args.favor_phys_cpu = cpu;
	any = axv_guest_vcpu_args(&vm, &args, hello_guest);
	memset(set, 0, sizeof(set));
	set[cpu / 64] = 1ULL << (cpu % 64);
	args.vcpu_id = 1;
	args.allowed_cpus = (__u64)(uintptr_t)set;
	args.allowed_cpus_size = sizeof(set);
	only = axv_guest_vcpu_args(&vm, &args, hello_guest);
	axv_vcpu_bind(any);
	axv_vcpu_bind(only);
	axv_get_vcpu_info(any, &vi);
	ASSERT_EQ(cpu, vi.bound_cpu);

	rc = axv_set_cpu_online(cpu, false);
	if (rc)
		SKIP(return, "cannot take CPU %d offline: %s", cpu,
		     axv_errno_name(-rc));
	self->offline_cpu = cpu;

	ASSERT_RUN_SYNC(any, 0x5a);
	axv_get_vcpu_info(any, &vi);
	ASSERT_NE(cpu, vi.bound_cpu)
		TH_LOG("RUN with CPU %d offline: still bound to it", cpu);
	ASSERT_EQ(vi.bound_cpu, sched_getcpu())
		TH_LOG("RUN returned on CPU %d, bound to CPU %d",
		       sched_getcpu(), vi.bound_cpu);

	ASSERT_EQ(-EINVAL, axv_run(only))
		TH_LOG("RUN of a vCPU whose only CPU is offline: %s",
		       axv_exit_desc(only->run));
	ASSERT_STATE(only, AXVCPU_STATE_READY);
	axv_get_vcpu_info(only, &vi);
	ASSERT_EQ(cpu, vi.bound_cpu);

	rc = axv_set_cpu_online(cpu, true);
	ASSERT_EQ(0, rc) TH_LOG("bringing CPU %d back: %s", cpu,
				axv_errno_name(-rc));
	self->offline_cpu = 0;
	ASSERT_RUN_SYNC(only, 0x5a);
	ASSERT_EQ(cpu, sched_getcpu());
	axv_vcpu_unbind(only);
	axv_vcpu_unbind(any);
	axv_vcpu_close(only);
	axv_vcpu_close(any);
	axv_vm_close(&vm);
}

/*
 * CPU hotplug while a VM exists: BIND fails with EINVAL (and changes
 * nothing) when no allowed CPU is online; once the CPU is back, the
 * hardware is enabled on it again and a guest runs there.
 */
TEST_F_TIMEOUT(lifecycle, cpu_offline_and_back, 120)
{
	int n = axv_nr_test_cpus(), cpu = axv_test_cpu(n - 1), rc;
	struct axvcpu_create_vcpu args = { 0 };
	struct axvcpu_vcpu_info vi;
	struct axv_vcpu *vcpu;
	struct axv_vm vm;
	__u64 set[16];

	if (n < 2)
		SKIP(return, "needs two CPUs to run tests on");
	axv_guest_vm_create(&vm);

	rc = axv_set_cpu_online(cpu, false);
	if (rc)
		SKIP(return, "cannot take CPU %d offline: %s", cpu,
		     axv_errno_name(-rc));
	self->offline_cpu = cpu;

	memset(set, 0, sizeof(set));
	set[cpu / 64] = 1ULL << (cpu % 64);
	args.favor_phys_cpu = cpu;
	args.allowed_cpus = (__u64)(uintptr_t)set;
	args.allowed_cpus_size = sizeof(set);
	vcpu = axv_guest_vcpu_args(&vm, &args, hello_guest);
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_BIND, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_FREE);

	rc = axv_set_cpu_online(cpu, true);
	ASSERT_EQ(0, rc) TH_LOG("bringing CPU %d back: %s", cpu,
				axv_errno_name(-rc));
	self->offline_cpu = 0;
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_BIND, 0));
	axv_get_vcpu_info(vcpu, &vi);
	ASSERT_EQ(cpu, vi.bound_cpu);
	ASSERT_RUN_SYNC(vcpu, 0x5a);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
	axv_vcpu_unbind(vcpu);
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
}

TEST_HARNESS_MAIN
