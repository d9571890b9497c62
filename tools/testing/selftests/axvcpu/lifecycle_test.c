// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle_test: fds closed in every order and state (a vCPU holds its VM:
 * it still runs after the VM fd is closed), pinned memory and VmLck back to
 * where they were afterwards, two VMs with two vCPUs each running at once,
 * and a process killed while it is inside RUN.
 */
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

#define MEM_SIZE	(1 * AXV_MiB)

#if defined(__x86_64__)
/* Report the word at X86_DATA_GPA on port 0x10, twice. */
X86_GUEST(report_guest, ".code32",
	"mov " __stringify(X86_DATA_GPA) ", %eax\n\t"
	"out %eax, $0x10\n\t"
	"mov " __stringify(X86_DATA_GPA) ", %eax\n\t"
	"out %eax, $0x10\n\t"
	"hlt\n\t");

#define COUNT_TO	500
#define MAGIC_GPA	(X86_DATA_GPA + 0x800)

/*
 * Report this VM's magic word (port 0x11), then count the word at EBX up
 * to COUNT_TO, reporting each value (port 0x10).
 */
X86_GUEST(count_guest, ".code32",
	"mov " __stringify(MAGIC_GPA) ", %eax\n\t"
	"out %eax, $0x11\n\t"
	"1: incl (%ebx)\n\t"
	"mov (%ebx), %eax\n\t"
	"out %eax, $0x10\n\t"
	"cmp $" __stringify(COUNT_TO) ", %eax\n\t"
	"jb 1b\n\t"
	"hlt\n\t");

X86_GUEST(hello_guest, ".code32",
	"mov $0x5a, %al\n\t"
	"out %al, $0x10\n\t"
	"hlt\n\t");

/* Count at X86_DATA_GPA forever, without exits. */
X86_GUEST(busy_guest, ".code32",
	"1: incl " __stringify(X86_DATA_GPA) "\n\t"
	"jmp 1b\n\t");
#endif

FIXTURE(close_order)
{
	long long vmlck_start;
	long long pins_start;
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	__u32 *data;
	bool x86;
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
	axv_vm_create(&self->vm);
	self->x86 = axv_arch_is_x86(self->vm.info.arch);
	self->data = axv_mem_add(&self->vm, 0, 0, MEM_SIZE, 0, NULL);
#if defined(__x86_64__)
	if (self->x86) {
		x86_write_flat_gdt(self->data);
		x86_guest_load(&self->vm, X86_CODE_GPA, report_guest_start,
			       report_guest_end);
		self->data = axv_gpa2hva(&self->vm, X86_DATA_GPA);
	}
#endif
	self->vcpu = axv_vcpu_create(&self->vm, 0, 0);
}

FIXTURE_TEARDOWN(close_order)
{
}

static void reach(struct __test_metadata *_metadata, struct axv_vcpu *vcpu,
		  long from, long to)
{
	struct axvcpu_setup s = { .entry = X86_CODE_GPA };

	s.arch.x86.mode = AXVCPU_X86_MODE_FLAT32;
	if (from < AXVCPU_STATE_FREE && to >= AXVCPU_STATE_FREE)
		ASSERT_OK(ioctl(vcpu->fd, AXVCPU_SETUP, &s));
	if (from < AXVCPU_STATE_READY && to >= AXVCPU_STATE_READY)
		ASSERT_OK(ioctl(vcpu->fd, AXVCPU_BIND, 0));
	ASSERT_STATE(vcpu, to);
}

TEST_F(close_order, close)
{
	struct axv_vm *vm = &self->vm;
	struct axv_vcpu *vcpu = self->vcpu;
	long long v;

	reach(_metadata, vcpu, AXVCPU_STATE_CREATED, variant->state);
	ASSERT_EQ(self->vmlck_start + MEM_SIZE / 1024, axv_vmlck_kb());

	if (variant->vm_first) {
		/* the vCPU keeps the VM, its memory and its pins */
		close(vm->fd);
		close(vm->sys_fd);
		vm->fd = vm->sys_fd = -1;
		ASSERT_EQ(self->vmlck_start + MEM_SIZE / 1024, axv_vmlck_kb())
			TH_LOG("closing the VM fd released the memory of a VM that has a vCPU");
		ASSERT_STATE(vcpu, variant->state);
		if (self->x86) {
			reach(_metadata, vcpu, variant->state, AXVCPU_STATE_READY);
			*self->data = 0x1234abcd;
			ASSERT_RUN_IO_WRITE(vcpu, 0x10, 4, 0x1234abcd);
			*self->data = 0x600d600d;
			ASSERT_RUN_IO_WRITE(vcpu, 0x10, 4, 0x600d600d);
		}
		axv_vcpu_close(vcpu);
	} else {
		axv_vcpu_close(vcpu);
		/* the VM is intact without it */
		ASSERT_EQ(self->vmlck_start + MEM_SIZE / 1024, axv_vmlck_kb());
		ASSERT_EQ(-ENOENT, axv_set_region(vm->fd, 1, 0, 0, 0, 0));
		vcpu = axv_vcpu_create(vm, 1, 0);
		reach(_metadata, vcpu, AXVCPU_STATE_CREATED, AXVCPU_STATE_READY);
		if (self->x86) {
			*self->data = 0x0ddba11;
			ASSERT_RUN_IO_WRITE(vcpu, 0x10, 4, 0x0ddba11);
		}
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
	struct axvcpu_info info;
	int offline_cpu;	/* brought online again in the teardown */
};

FIXTURE_SETUP(lifecycle)
{
	axv_read_info(&self->info);
}

FIXTURE_TEARDOWN(lifecycle)
{
	if (self->offline_cpu > 0)
		axv_set_cpu_online(self->offline_cpu, true);
}

#if defined(__x86_64__)
struct counter_thread {
	pthread_t thread;
	struct axv_vcpu *vcpu;
	__u32 magic;
	char error[256];
	unsigned int count;
};

static void *counter_fn(void *arg)
{
	struct counter_thread *c = arg;
	struct axv_vcpu *vcpu = c->vcpu;
	int rc;

	if (ioctl(vcpu->fd, AXVCPU_BIND, 0)) {
		snprintf(c->error, sizeof(c->error), "BIND: %s",
			 axv_errno_name(errno));
		return NULL;
	}
	rc = axv_run(vcpu);
	if (rc || vcpu->run->exit_reason != AXVCPU_EXIT_IO_WRITE ||
	    vcpu->run->io.port != 0x11 || vcpu->run->io.data != c->magic) {
		snprintf(c->error, sizeof(c->error),
			 "first exit: expected the magic %#x on port 0x11, got %s / %s",
			 c->magic, axv_errno_name(-rc), axv_exit_desc(vcpu->run));
		return NULL;
	}
	while (c->count < COUNT_TO) {
		rc = axv_run(vcpu);
		if (rc || vcpu->run->exit_reason != AXVCPU_EXIT_IO_WRITE ||
		    vcpu->run->io.port != 0x10 ||
		    vcpu->run->io.data != c->count + 1) {
			snprintf(c->error, sizeof(c->error),
				 "count %u: expected %u on port 0x10, got %s / %s",
				 c->count, c->count + 1, axv_errno_name(-rc),
				 axv_exit_desc(vcpu->run));
			return NULL;
		}
		c->count++;
	}
	rc = axv_run(vcpu);
	if (rc || vcpu->run->exit_reason != AXVCPU_EXIT_HALT)
		snprintf(c->error, sizeof(c->error),
			 "after counting: expected HALT, got %s / %s",
			 axv_errno_name(-rc), axv_exit_desc(vcpu->run));
	return NULL;
}
#endif

/* 2 VMs x 2 vCPUs in 4 threads; each VM's memory is its own. */
TEST_F_TIMEOUT(lifecycle, two_vms_two_vcpus, 240)
{
#if defined(__x86_64__)
	static const __u32 magic[2] = { 0xaaaa0001, 0xbbbb0002 };
	struct counter_thread c[4];
	struct axv_vm vms[2];
	int v, i;

	AXV_REQUIRE_X86(&self->info);
	memset(c, 0, sizeof(c));
	for (v = 0; v < 2; v++) {
		x86_vm_create(&vms[v]);
		x86_guest_load(&vms[v], X86_CODE_GPA, count_guest_start,
			       count_guest_end);
		*(__u32 *)axv_gpa2hva(&vms[v], MAGIC_GPA) = magic[v];
		for (i = 0; i < 2; i++) {
			struct counter_thread *t = &c[v * 2 + i];
			struct axvcpu_create_vcpu args = {
				.vcpu_id = i,
				.favor_phys_cpu = axv_test_cpu(v * 2 + i),
			};

			t->vcpu = axv_vcpu_create_args(&vms[v], &args);
			t->magic = magic[v];
			axv_vcpu_setup(t->vcpu, X86_CODE_GPA,
				       AXVCPU_X86_MODE_FLAT32);
			axv_set_gpr(t->vcpu, X86_RBX, X86_DATA_GPA + i * 0x100);
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
		__u32 *d = axv_gpa2hva(&vms[v], X86_DATA_GPA);

		for (i = 0; i < 0x800 / 4; i++) {
			__u32 want = (i == 0 || i == 0x100 / 4) ? COUNT_TO : 0;

			ASSERT_EQ(want, d[i])
				TH_LOG("VM %d: word %#x of the data page is %u, expected %u",
				       v, i * 4, d[i], want);
		}
	}
	for (i = 0; i < 4; i++)
		axv_vcpu_close(c[i].vcpu);
	axv_vm_close(&vms[0]);
	axv_vm_close(&vms[1]);
#else
	SKIP(return, "no guest code for this architecture");
#endif
}

/*
 * A child spinning inside RUN is killed with SIGKILL: its pinned pages are
 * all released when its fds go.
 */
TEST_F_TIMEOUT(lifecycle, kill_during_run, 120)
{
#if defined(__x86_64__)
	const size_t size = 4 * AXV_MiB;
	volatile __u32 *counter;
	long long pins, during, after;
	__u32 first, second;
	bool child_gone;
	void *mem;
	pid_t pid;
	int status, ms;

	AXV_REQUIRE_X86(&self->info);
	pins = axv_pinned_pages();

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	counter = (__u32 *)((char *)mem + X86_DATA_GPA);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct axv_vm vm;
		struct axv_vcpu *vcpu;

		axv_vm_create(&vm);
		axv_mem_add(&vm, 0, 0, size, 0, mem);
		x86_write_flat_gdt(mem);
		x86_guest_load(&vm, X86_CODE_GPA, busy_guest_start,
			       busy_guest_end);
		vcpu = x86_vcpu_ready(&vm, 0, 0, X86_CODE_GPA);
		axv_run(vcpu);
		_exit(1);	/* RUN never returns on its own */
	}

	/* wait until the guest counts: then the child is inside RUN */
	for (ms = 0; ms < 30000 && *counter == 0; ms += 10)
		axv_msleep(10);
	first = *counter;
	axv_msleep(20);
	second = *counter;
	during = axv_pinned_pages();
	child_gone = waitpid(pid, &status, WNOHANG) == pid;

	/* kill it before any assertion can leave it spinning */
	if (!child_gone) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	ASSERT_FALSE(child_gone)
		TH_LOG("the child exited by itself (status %#x)", status);
	ASSERT_NE(0, first) TH_LOG("the child's guest never ran");
	ASSERT_NE(first, second) TH_LOG("the child's guest stopped counting");
	ASSERT_LE(pins + (long long)(size / AXV_PAGE_SIZE), during)
		TH_LOG("a 4 MiB slot pinned only %lld pages (pin_user_pages: nr_foll_pin_*)",
		       during - pins);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("child status %#x", status);

	after = axv_poll_value(axv_pinned_pages, pins, 10000);
	ASSERT_EQ(pins, after)
		TH_LOG("%lld pages still pinned after the killed child's fds went",
		       after - pins);
	/* the memory is the parent's again: nothing holds it */
	ASSERT_EQ(0, munmap(mem, size));
#else
	SKIP(return, "no guest code for this architecture");
#endif
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
#if defined(__x86_64__)
	int n = axv_nr_test_cpus(), cpu = axv_test_cpu(n - 1), rc;
	struct axvcpu_create_vcpu args = { 0 };
	struct axvcpu_vcpu_info vi;
	struct axv_vcpu *any, *only;
	struct axv_vm vm;
	__u64 set[16];

	AXV_REQUIRE_X86(&self->info);
	if (n < 2)
		SKIP(return, "needs two CPUs to run tests on");
	x86_vm_create(&vm);
	x86_guest_load(&vm, X86_CODE_GPA, hello_guest_start, hello_guest_end);

	/* one vCPU may use any CPU, the other only @cpu; both bound there */
	args.vcpu_id = 0;
	args.favor_phys_cpu = cpu;
	any = axv_vcpu_create_args(&vm, &args);
	memset(set, 0, sizeof(set));
	set[cpu / 64] = 1ULL << (cpu % 64);
	args.vcpu_id = 1;
	args.allowed_cpus = (__u64)(uintptr_t)set;
	args.allowed_cpus_size = sizeof(set);
	only = axv_vcpu_create_args(&vm, &args);
	axv_vcpu_setup(any, X86_CODE_GPA, AXVCPU_X86_MODE_FLAT32);
	axv_vcpu_setup(only, X86_CODE_GPA, AXVCPU_X86_MODE_FLAT32);
	axv_vcpu_bind(any);
	axv_vcpu_bind(only);
	axv_get_vcpu_info(any, &vi);
	ASSERT_EQ(cpu, vi.bound_cpu);

	rc = axv_set_cpu_online(cpu, false);
	if (rc)
		SKIP(return, "cannot take CPU %d offline: %s", cpu,
		     axv_errno_name(-rc));
	self->offline_cpu = cpu;

	ASSERT_RUN_IO_WRITE(any, 0x10, 1, 0x5a);
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
	ASSERT_RUN_IO_WRITE(only, 0x10, 1, 0x5a);
	ASSERT_EQ(cpu, sched_getcpu());
	axv_vcpu_unbind(only);
	axv_vcpu_unbind(any);
	axv_vcpu_close(only);
	axv_vcpu_close(any);
	axv_vm_close(&vm);
#else
	SKIP(return, "no guest code for this architecture");
#endif
}

/*
 * CPU hotplug while a VM exists: BIND fails with EINVAL (and changes
 * nothing) when no allowed CPU is online; once the CPU is back, the
 * hardware is enabled on it again and a guest runs there.
 */
TEST_F_TIMEOUT(lifecycle, cpu_offline_and_back, 120)
{
#if defined(__x86_64__)
	int n = axv_nr_test_cpus(), cpu = axv_test_cpu(n - 1), rc;
	struct axvcpu_create_vcpu args = { 0 };
	struct axvcpu_vcpu_info vi;
	struct axv_vcpu *vcpu;
	struct axv_vm vm;
	__u64 set[16];

	AXV_REQUIRE_X86(&self->info);
	if (n < 2)
		SKIP(return, "needs two CPUs to run tests on");
	x86_vm_create(&vm);
	x86_guest_load(&vm, X86_CODE_GPA, hello_guest_start, hello_guest_end);

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
	vcpu = axv_vcpu_create_args(&vm, &args);
	axv_vcpu_setup(vcpu, X86_CODE_GPA, AXVCPU_X86_MODE_FLAT32);
	ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_BIND, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_FREE);

	rc = axv_set_cpu_online(cpu, true);
	ASSERT_EQ(0, rc) TH_LOG("bringing CPU %d back: %s", cpu,
				axv_errno_name(-rc));
	self->offline_cpu = 0;
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_BIND, 0));
	axv_get_vcpu_info(vcpu, &vi);
	ASSERT_EQ(cpu, vi.bound_cpu);
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 0x5a);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
	axv_vcpu_unbind(vcpu);
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
#else
	SKIP(return, "no guest code for this architecture");
#endif
}

TEST_HARNESS_MAIN
