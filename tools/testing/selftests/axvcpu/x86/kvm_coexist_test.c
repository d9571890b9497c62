// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_coexist_test: axvcpu and KVM (kvm_amd or kvm_intel) in one kernel,
 * one owner of SVM or VMX at a time (SPEC section 5, api.rst
 * AXVCPU_CREATE_VM):
 *
 * (a) while an axvcpu VM exists, KVM_CREATE_VM fails cleanly (EBUSY:
 *     kvm_amd finds EFER.SVME set, kvm_intel CR4.VMXE; EIO from the KVM
 *     of 6.12 on, kvm_refusal_errno()) and axvcpu guests still run on
 *     every CPU;
 *     after the axvcpu VM is gone, KVM_CREATE_VM succeeds;
 * (b) while a KVM VM exists, AXVCPU_CREATE_VM fails with EBUSY; after it
 *     is gone, AXVCPU_CREATE_VM succeeds and guests run;
 * (c) the two take turns many times ($AXVCPU_COEXIST_ROUNDS, default 10;
 *     make stress runs 100), each turn with a guest looping on OUT on
 *     every CPU at once, so that SVM or VMX changes owner on every CPU while the
 *     other CPU may still be running a guest.
 *
 * Debian's modules are loaded from $AXVCPU_KVM_DIR ($AXVCPU_KVM_MODULES,
 * or irqbypass.ko kvm.ko ccp.ko kvm-amd.ko, kvm-intel.ko on VMX) and left
 * loaded.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"
#include "axvcpu_kvm_x86.h"

/* OUT exits per guest and turn in alternate_with_kvm */
#define TURN_EXITS	300
#define MAX_TURN_CPUS	8

/*
 * How KVM_CREATE_VM fails while axvcpu holds SVM/VMX: KVM's per-CPU enable
 * sees EFER.SVME or CR4.VMXE set and fails with EBUSY, which 6.1 passes
 * on; the KVM of 6.12 (the one with kvm.enable_virt_at_load) turns any
 * failure of kvm_enable_virtualization() into EIO.
 */
static int kvm_refusal_errno(void)
{
	return access("/sys/module/kvm/parameters/enable_virt_at_load", F_OK) ?
	       EBUSY : EIO;
}

X86_GUEST(hello_guest, ".code32",
	"mov $0x5a, %al\n\t"
	"out %al, $0x10\n\t"
	"hlt\n\t");

/* EAX counts its OUTs: every exit shows the next value. */
X86_GUEST(count_guest, ".code32",
	"xor %eax, %eax\n\t"
	"1: inc %eax\n\t"
	"out %eax, $0x10\n\t"
	"jmp 1b\n\t");

static char skip_reason[900];

static bool load_kvm(const struct axvcpu_info *info)
{
	if (!axv_arch_is_x86(info->arch)) {
		snprintf(skip_reason, sizeof(skip_reason),
			 "x86 only; backend is %s", axv_arch_name(info->arch));
		return false;
	}
	return axv_load_kvm_modules(info->arch == AXVCPU_ARCH_X86_VMX ?
				    KVM_X86_INTEL_MODULES :
				    KVM_X86_DEFAULT_MODULES, skip_reason,
				    sizeof(skip_reason));
}

/*
 * KVM must be there on x86 when the lane ships its modules (it names them
 * in AXVCPU_KVM_MODULES): then failing to load them fails the test. Run by
 * hand without them, or on another backend, the test is skipped.
 */
#define REQUIRE_KVM() do {						\
	const char *__shipped = getenv("AXVCPU_KVM_MODULES");		\
	if (!self->ready) {						\
		ASSERT_FALSE(axv_arch_is_x86(self->info.arch) &&	\
			     __shipped && *__shipped)			\
			TH_LOG("the lane's KVM modules (%s) did not load: %s", \
			       __shipped, skip_reason);			\
		SKIP(return, "%s", skip_reason);			\
	}								\
} while (0)

/* KVM_CREATE_VM until it works or @ms pass; returns the fd or -errno. */
static int kvm_create_vm(int kvm, int ms)
{
	int fd;

	for (;;) {
		fd = ioctl(kvm, KVM_CREATE_VM, 0);
		if (fd >= 0 || ms <= 0)
			return fd >= 0 ? fd : -errno;
		axv_msleep(20);
		ms -= 20;
	}
}

static int axvcpu_create_vm(int sys, int ms)
{
	int fd;

	for (;;) {
		fd = ioctl(sys, AXVCPU_CREATE_VM, 0);
		if (fd >= 0 || ms <= 0)
			return fd >= 0 ? fd : -errno;
		axv_msleep(20);
		ms -= 20;
	}
}

/* A guest runs to its OUT on every test CPU (axv_test_cpus()) of @vm. */
static void run_on_every_cpu(struct __test_metadata *_metadata,
			     struct axv_vm *vm, __u32 first_id)
{
	int i, cpu, ncpus = axv_nr_test_cpus();
	struct axvcpu_vcpu_info vi;

	for (i = 0; i < ncpus; i++) {
		struct axvcpu_create_vcpu args = {
			.vcpu_id = first_id + i,
			.favor_phys_cpu = cpu = axv_test_cpu(i),
		};
		struct axv_vcpu *vcpu = axv_vcpu_create_args(vm, &args);

		axv_vcpu_setup(vcpu, X86_CODE_GPA, AXVCPU_X86_MODE_FLAT32);
		axv_vcpu_bind(vcpu);
		axv_get_vcpu_info(vcpu, &vi);
		ASSERT_EQ(cpu, vi.bound_cpu);
		ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 0x5a);
		axv_vcpu_unbind(vcpu);
		axv_vcpu_close(vcpu);
	}
}

FIXTURE(coexist)
{
	struct axvcpu_info info;
	int sys;
	int kvm;
	bool ready;
};

FIXTURE_SETUP(coexist)
{
	self->sys = axv_open_dev();
	axv_get_info(self->sys, &self->info);
	self->kvm = -1;
	self->ready = load_kvm(&self->info);
	if (self->ready) {
		self->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, self->kvm);
	}
}

FIXTURE_TEARDOWN(coexist)
{
	if (self->kvm >= 0)
		close(self->kvm);
	close(self->sys);
}

TEST_F_TIMEOUT(coexist, kvm_refused_while_axvcpu_vm, 120)
{
	struct axv_vm vm;
	int kvm_vm, err;

	REQUIRE_KVM();

	x86_vm_create(&vm);
	x86_guest_load(&vm, X86_CODE_GPA, hello_guest_start, hello_guest_end);
	run_on_every_cpu(_metadata, &vm, 0);

	kvm_vm = ioctl(self->kvm, KVM_CREATE_VM, 0);
	err = errno;
	ASSERT_EQ(-1, kvm_vm)
		TH_LOG("KVM_CREATE_VM succeeded while axvcpu holds the hardware");
	ASSERT_EQ(kvm_refusal_errno(), err)
		TH_LOG("KVM_CREATE_VM while axvcpu holds the hardware: expected %s, got %s",
		       axv_errno_name(kvm_refusal_errno()), axv_errno_name(err));
	/* KVM's failed attempt left axvcpu's state alone on every CPU */
	run_on_every_cpu(_metadata, &vm, axv_nr_test_cpus());

	axv_vm_close(&vm);
	kvm_vm = kvm_create_vm(self->kvm, 2000);
	ASSERT_LE(0, kvm_vm)
		TH_LOG("KVM_CREATE_VM after the last axvcpu VM closed: %s",
		       axv_errno_name(-kvm_vm));
	close(kvm_vm);
}

TEST_F_TIMEOUT(coexist, axvcpu_refused_while_kvm_vm, 120)
{
	struct axv_vm vm;
	int kvm_vm, fd;

	REQUIRE_KVM();

	kvm_vm = kvm_create_vm(self->kvm, 2000);
	ASSERT_LE(0, kvm_vm)
		TH_LOG("KVM_CREATE_VM: %s", axv_errno_name(-kvm_vm));

	fd = ioctl(self->sys, AXVCPU_CREATE_VM, 0);
	ASSERT_EQ(-1, fd)
		TH_LOG("AXVCPU_CREATE_VM succeeded while a KVM VM holds the hardware");
	ASSERT_EQ(EBUSY, errno)
		TH_LOG("AXVCPU_CREATE_VM while a KVM VM exists: expected EBUSY, got %s",
		       axv_errno_name(errno));
	/* and again: a failed enable leaves nothing half done */
	ASSERT_ERRNO(EBUSY, ioctl(self->sys, AXVCPU_CREATE_VM, 0));

	close(kvm_vm);
	fd = axvcpu_create_vm(self->sys, 2000);
	ASSERT_LE(0, fd)
		TH_LOG("AXVCPU_CREATE_VM after the KVM VM closed: %s",
		       axv_errno_name(-fd));
	close(fd);

	/* guests run on every CPU again */
	x86_vm_create(&vm);
	x86_guest_load(&vm, X86_CODE_GPA, hello_guest_start, hello_guest_end);
	run_on_every_cpu(_metadata, &vm, 0);
	axv_vm_close(&vm);
}

/* One guest of a turn: a thread on @cpu runs it TURN_EXITS exits long. */
struct turn_guest {
	pthread_t thread;
	int cpu;
	struct axv_vcpu *vcpu;		/* axvcpu's turn */
	struct kvm_x86_vm kvm;		/* KVM's turn */
	char err[256];
};

static void *axvcpu_turn_fn(void *arg)
{
	struct turn_guest *g = arg;
	struct axvcpu_run *run = g->vcpu->run;
	unsigned int i;
	int rc;

	if (ioctl(g->vcpu->fd, AXVCPU_BIND, 0)) {
		snprintf(g->err, sizeof(g->err), "cpu %d: BIND: %s", g->cpu,
			 axv_errno_name(errno));
		return NULL;
	}
	for (i = 1; i <= TURN_EXITS; i++) {
		rc = axv_run(g->vcpu);
		if (rc || run->exit_reason != AXVCPU_EXIT_IO_WRITE ||
		    run->io.port != 0x10 || run->io.data != i) {
			snprintf(g->err, sizeof(g->err),
				 "cpu %d: exit %u: expected OUT %#x to port 0x10, got %s / %s",
				 g->cpu, i, i, axv_errno_name(-rc),
				 axv_exit_desc(run));
			return NULL;
		}
	}
	if (ioctl(g->vcpu->fd, AXVCPU_UNBIND, 0))
		snprintf(g->err, sizeof(g->err), "cpu %d: UNBIND: %s", g->cpu,
			 axv_errno_name(errno));
	return NULL;
}

static void *kvm_turn_fn(void *arg)
{
	struct turn_guest *g = arg;
	struct kvm_run *run = g->kvm.run;
	cpu_set_t set;
	unsigned int i;
	__u32 data;

	CPU_ZERO(&set);
	CPU_SET(g->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		snprintf(g->err, sizeof(g->err), "cpu %d: sched_setaffinity: %s",
			 g->cpu, axv_errno_name(errno));
		return NULL;
	}
	for (i = 1; i <= TURN_EXITS; i++) {
		if (ioctl(g->kvm.vcpu, KVM_RUN, 0) ||
		    run->exit_reason != KVM_EXIT_IO ||
		    run->io.port != 0x10 || run->io.size != 4) {
			snprintf(g->err, sizeof(g->err),
				 "cpu %d: KVM exit %u: expected KVM_EXIT_IO to port 0x10, got exit_reason %u (%s)",
				 g->cpu, i, run->exit_reason,
				 axv_errno_name(errno));
			return NULL;
		}
		memcpy(&data, (char *)run + run->io.data_offset, 4);
		if (data != i) {
			snprintf(g->err, sizeof(g->err),
				 "cpu %d: KVM exit %u: the guest wrote %#x",
				 g->cpu, i, data);
			return NULL;
		}
	}
	return NULL;
}

/* Start @fn on every guest of @g, wait for all, and report the first error. */
static const char *turn_run(struct turn_guest *g, int n, void *(*fn)(void *))
{
	int i;

	for (i = 0; i < n; i++) {
		g[i].err[0] = 0;
		axv_thread_run(&g[i].thread, fn, &g[i]);
	}
	for (i = 0; i < n; i++)
		pthread_join(g[i].thread, NULL);
	for (i = 0; i < n; i++)
		if (g[i].err[0])
			return g[i].err;
	return NULL;
}

static unsigned int coexist_rounds(void)
{
	const char *v = getenv("AXVCPU_COEXIST_ROUNDS");

	return v && atoi(v) > 0 ? atoi(v) : 10;
}

TEST_F_TIMEOUT(coexist, alternate_with_kvm, 1800)
{
	int ncpus = axv_nr_test_cpus(), cpu, fd;
	unsigned int round, rounds = coexist_rounds();
	struct turn_guest g[MAX_TURN_CPUS];
	char why[256];
	const char *err;

	REQUIRE_KVM();
	if (ncpus > MAX_TURN_CPUS)
		ncpus = MAX_TURN_CPUS;

	for (round = 0; round < rounds; round++) {
		struct axv_vm vm;

		/* axvcpu's turn: a guest on every test CPU; KVM is refused */
		x86_vm_create(&vm);
		x86_guest_load(&vm, X86_CODE_GPA, count_guest_start,
			       count_guest_end);
		for (cpu = 0; cpu < ncpus; cpu++) {
			struct axvcpu_create_vcpu args = {
				.vcpu_id = cpu,
				.favor_phys_cpu = axv_test_cpu(cpu),
			};

			g[cpu].cpu = axv_test_cpu(cpu);
			g[cpu].vcpu = axv_vcpu_create_args(&vm, &args);
			axv_vcpu_setup(g[cpu].vcpu, X86_CODE_GPA,
				       AXVCPU_X86_MODE_FLAT32);
		}
		err = turn_run(g, ncpus, axvcpu_turn_fn);
		ASSERT_EQ(NULL, err)
			TH_LOG("round %u, axvcpu's turn: %s", round, err);
		ASSERT_ERRNO(kvm_refusal_errno(), ioctl(self->kvm, KVM_CREATE_VM, 0));
		for (cpu = 0; cpu < ncpus; cpu++)
			axv_vcpu_close(g[cpu].vcpu);
		axv_vm_close(&vm);

		/* KVM's turn: a KVM VM per test CPU; axvcpu is refused */
		for (cpu = 0; cpu < ncpus; cpu++) {
			int rc = -1, ms;

			/* KVM may need a moment after the last axvcpu VM */
			for (ms = 0; rc && ms <= 2000; ms += 20) {
				rc = kvm_x86_vm_create(&g[cpu].kvm, self->kvm,
						       count_guest_start,
						       count_guest_end, false,
						       why, sizeof(why));
				if (rc) {
					kvm_x86_vm_close(&g[cpu].kvm);
					axv_msleep(20);
				}
			}
			ASSERT_EQ(0, rc)
				TH_LOG("round %u: KVM VM for cpu %d: %s", round,
				       cpu, why);
		}
		ASSERT_ERRNO(EBUSY, ioctl(self->sys, AXVCPU_CREATE_VM, 0));
		err = turn_run(g, ncpus, kvm_turn_fn);
		ASSERT_EQ(NULL, err)
			TH_LOG("round %u, KVM's turn: %s", round, err);
		for (cpu = 0; cpu < ncpus; cpu++)
			kvm_x86_vm_close(&g[cpu].kvm);
	}
	fd = axvcpu_create_vm(self->sys, 2000);
	ASSERT_LE(0, fd)
		TH_LOG("AXVCPU_CREATE_VM after the last KVM VM: %s",
		       axv_errno_name(-fd));
	close(fd);
	TH_LOG("%u rounds, %d CPUs, %u exits per guest and turn", rounds,
	       ncpus, TURN_EXITS);
}

TEST_HARNESS_MAIN
