// SPDX-License-Identifier: GPL-2.0
/*
 * fault_inject_test: the module's allocation paths under fault injection.
 *
 * Each step of a VMM's life (CREATE_VM, CREATE_VCPU, SETUP, BIND, adding a
 * memory region, RUN to a ucall and to an MMIO exit, GET_REGS/SET_REGS) is
 * repeated with the n-th fault-injection point of the calling thread
 * failing, n = 1, 2, ... until the step no longer reaches n points
 * (/proc/thread-self/fail-nth, Documentation/fault-injection in the kernel).
 * failslab and fail_page_alloc are told to consider sleeping and order-0
 * allocations, which they ignore by default; their probability stays 0, so
 * nothing but the armed thread sees a failure.
 *
 * Every injected failure must give ENOMEM (or be absorbed: success) and
 * change nothing but what the state machine says: a failed argument-level
 * call (CREATE_*, SET_MEMORY_REGION, the register ioctls) leaves everything
 * as it was and can be repeated; a failed transition (SETUP, BIND, RUN)
 * leaves the vCPU INVALID (SPEC: "a transition whose arch operation fails
 * leaves it INVALID"), and closing it releases it. Afterwards no fd, pinned
 * page, VmLck kilobyte or module reference is left over. Leaks of kernel
 * objects are kmemleak's to find: the debug lane scans after the run.
 *
 * Needs CONFIG_FAULT_INJECTION (fail-nth) and CONFIG_FAILSLAB /
 * CONFIG_FAIL_PAGE_ALLOC with debugfs: the x86-svm-debug lane's kernel has
 * them; elsewhere the tests are skipped with that reason.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_guest.h"

#define MAX_POINTS	400	/* more fault points than this in one call is a bug */
#define REGION_GPA	0x400000ULL
#define REGION_SIZE	(16 * AXV_PAGE_SIZE)
#define FI_SYNC		0x5a
#define FI_STORE	0x1234

/* What the guest stored: proof, read back by the host, that it ran. */
static volatile __u32 fi_store;

/* Writes RAM, then reports with a ucall; then reads MMIO. */
static void fi_guest(void)
{
	fi_store = FI_STORE;
	GUEST_SYNC(FI_SYNC);
	(void)*(volatile __u32 *)AXV_GUEST_MMIO_GPA;
	GUEST_DONE();
}

/* What one step saw over all n. */
struct fi_stats {
	unsigned int points;	/* fault points the step reaches */
	unsigned int enomem;	/* injected failures that gave ENOMEM */
	unsigned int absorbed;	/* injected failures the call survived */
};

FIXTURE(fault)
{
	int nth_fd;
	char why[200];		/* why fault injection is not available */
	struct axv_fi_saved saved;
	struct axv_vm vm;
	bool have_vm;
	struct fi_stats st;
	long fds0;
	long long refs0, pins0;
	long long vmlck0;
};

FIXTURE_SETUP(fault)
{
	int rc;

	self->nth_fd = -1;
	self->have_vm = false;
	self->why[0] = 0;
	memset(&self->saved, 0, sizeof(self->saved));
	memset(&self->st, 0, sizeof(self->st));
	/* SKIP() here would not stop the test body: each body checks FI_REQUIRE */
	if (!axv_fi_available(self->why, sizeof(self->why)))
		return;
	rc = axv_fi_configure(&self->saved);
	ASSERT_EQ(0, rc) TH_LOG("configuring failslab / fail_page_alloc: %s",
				axv_errno_name(-rc));
	self->nth_fd = open(AXV_FAIL_NTH, O_RDWR);
	ASSERT_LE(0, self->nth_fd) TH_LOG("open %s: %s", AXV_FAIL_NTH, strerror(errno));

	axv_vm_create(&self->vm);
	self->have_vm = true;
	self->fds0 = axv_open_fds();
	self->refs0 = axv_module_refcnt();
	self->pins0 = axv_pinned_pages();
	self->vmlck0 = axv_vmlck_kb();
}

FIXTURE_TEARDOWN(fault)
{
	if (self->nth_fd >= 0) {
		/* never leave the thread armed */
		ASSERT_EQ(2, pwrite(self->nth_fd, "0\n", 2, 0));
		close(self->nth_fd);
	}
	axv_fi_restore(&self->saved);
	if (self->have_vm)
		axv_vm_close(&self->vm);
}

/* Skip the test body where the kernel has no fault injection. */
#define FI_REQUIRE(_self) do {						\
	if ((_self)->why[0])						\
		SKIP(return, "%s", (_self)->why);			\
} while (0)

/*
 * Arm the calling thread's @n-th fault point, run @call, disarm. Returns
 * whether the n-th point was reached (and so failed); @rc and @err get the
 * call's result. Nothing between arming and the call touches new memory.
 */
#define FI_CALL(_self, _n, _rc, _err, _call) ({				\
	char __b[16];							\
	int __l = snprintf(__b, sizeof(__b), "%u", (_n));		\
	ssize_t __r;							\
									\
	AXV_REQUIRE(pwrite((_self)->nth_fd, __b, __l, 0) == __l,	\
		    "arm fail-nth");					\
	errno = 0;							\
	(_rc) = (long)(_call);						\
	(_err) = errno;							\
	__r = pread((_self)->nth_fd, __b, sizeof(__b) - 1, 0);		\
	AXV_REQUIRE(__r > 0, "read fail-nth");				\
	__b[__r] = 0;							\
	AXV_REQUIRE(pwrite((_self)->nth_fd, "0", 1, 0) == 1,		\
		    "disarm fail-nth");					\
	atoi(__b) == 0;							\
})

/*
 * Account one call of a step: returns true while the step still reached
 * the n-th point (the loop goes on). A call that did not reach it must
 * have succeeded: it ran with no failure at all.
 */
static bool fi_account(struct __test_metadata *_metadata, struct fi_stats *st,
		       const char *step, unsigned int n, bool reached, long rc,
		       int err)
{
	if (!reached) {
		EXPECT_LE(0, rc)
			TH_LOG("%s: failed with %s without an injected failure",
			       step, axv_errno_name(err));
		st->points = n - 1;
		return false;
	}
	if (rc >= 0) {
		st->absorbed++;
	} else {
		EXPECT_EQ(ENOMEM, err)
			TH_LOG("%s: fault point %u: expected ENOMEM, got %s",
			       step, n, axv_errno_name(err));
		st->enomem++;
	}
	EXPECT_GT(MAX_POINTS, n) TH_LOG("%s: more than %u fault points", step,
					MAX_POINTS);
	return n < MAX_POINTS && _metadata->passed;
}

/*
 * Log what a step saw, and check that fail-nth reached it: a step that
 * allocates must have met fault points (else the loop proved nothing),
 * one that does not (SETUP, BIND and RUN allocate nothing, by design:
 * reliability.rst) must have met none.
 */
static void fi_report(struct __test_metadata *_metadata, const char *step,
		      const struct fi_stats *st, bool allocates)
{
	TH_LOG("%s: %u fault points; injected failures: %u ENOMEM, %u absorbed",
	       step, st->points, st->enomem, st->absorbed);
	if (allocates) {
		EXPECT_LT(0, st->points)
			TH_LOG("%s reached no fault point: no failure was injected", step);
	} else {
		EXPECT_EQ(0, st->points)
			TH_LOG("%s allocates now: its failures need testing", step);
	}
}

/* Nothing is left over: fds, pins, VmLck, module references. */
static void assert_clean(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fault) *self)
{
	long long p = axv_poll_value(axv_pinned_pages, self->pins0, 5000);

	ASSERT_EQ(self->fds0, axv_open_fds()) TH_LOG("open fds");
	ASSERT_EQ(self->pins0, p) TH_LOG("pinned pages");
	ASSERT_EQ(self->vmlck0, axv_vmlck_kb()) TH_LOG("VmLck kB");
	ASSERT_EQ(self->refs0, axv_module_refcnt()) TH_LOG("axvcpu module references");
}

static int create_vcpu_raw(struct axv_vm *vm, __u32 id)
{
	struct axvcpu_create_vcpu args = { .vm_fd = vm->fd, .vcpu_id = id };

	return ioctl(vm->sys_fd, AXVCPU_CREATE_VCPU, &args);
}

static long state_of(int vcpu_fd)
{
	return ioctl(vcpu_fd, AXVCPU_GET_STATE, 0);
}

/* A failed transition leaves the vCPU INVALID and every other ioctl EBADFD. */
static void assert_invalid(struct __test_metadata *_metadata, int vcpu_fd,
			   const char *step)
{
	ASSERT_EQ(AXVCPU_STATE_INVALID, state_of(vcpu_fd))
		TH_LOG("%s failed: the vCPU should be INVALID", step);
	ASSERT_ERRNO(EBADFD, ioctl(vcpu_fd, AXVCPU_BIND, 0));
}

TEST_F_TIMEOUT(fault, create_vm, 300)
{
	unsigned int n;
	long rc;
	int err;

	FI_REQUIRE(self);

	for (n = 1; ; n++) {
		bool hit = FI_CALL(self, n, rc, err,
				   ioctl(self->vm.sys_fd, AXVCPU_CREATE_VM, 0));

		if (rc >= 0) {
			/* the new VM works */
			struct axvcpu_create_vcpu args = { .vm_fd = rc };
			int v = ioctl(self->vm.sys_fd, AXVCPU_CREATE_VCPU, &args);

			ASSERT_LE(0, v) TH_LOG("a vCPU in the new VM: %s",
					       axv_errno_name(errno));
			close(v);
			close(rc);
		}
		if (!fi_account(_metadata, &self->st, "CREATE_VM", n, hit, rc, err))
			break;
		ASSERT_EQ(self->fds0, axv_open_fds());
	}
	fi_report(_metadata, "CREATE_VM", &self->st, true);
	assert_clean(_metadata, self);
}

TEST_F_TIMEOUT(fault, create_vcpu, 300)
{
	unsigned int n;
	long rc;
	int err;

	FI_REQUIRE(self);

	for (n = 1; ; n++) {
		bool hit = FI_CALL(self, n, rc, err,
				   create_vcpu_raw(&self->vm, 3));

		if (rc < 0) {
			/* nothing of it is left: the same id is free */
			rc = create_vcpu_raw(&self->vm, 3);
			ASSERT_LE(0, rc) TH_LOG("id 3 after a failed CREATE_VCPU: %s",
						axv_errno_name(errno));
			ASSERT_EQ(AXVCPU_STATE_CREATED, state_of(rc));
			close(rc);
			rc = -1;
		} else {
			ASSERT_EQ(AXVCPU_STATE_CREATED, state_of(rc));
			close(rc);
		}
		if (!fi_account(_metadata, &self->st, "CREATE_VCPU", n, hit, rc, err))
			break;
	}
	fi_report(_metadata, "CREATE_VCPU", &self->st, true);
	assert_clean(_metadata, self);
}

TEST_F_TIMEOUT(fault, setup_and_bind, 300)
{
	/* any address: SETUP and BIND need no guest memory */
	struct axvcpu_setup setup = { .entry = AXV_PAGE_SIZE };
	struct fi_stats bind = { 0 };
	unsigned int n;
	long rc;
	int err, fd;

	FI_REQUIRE(self);

	for (n = 1; ; n++) {
		bool hit;

		fd = create_vcpu_raw(&self->vm, 1);
		ASSERT_LE(0, fd);
		hit = FI_CALL(self, n, rc, err, ioctl(fd, AXVCPU_SETUP, &setup));
		if (rc < 0)
			assert_invalid(_metadata, fd, "SETUP");
		else
			ASSERT_EQ(AXVCPU_STATE_FREE, state_of(fd));
		close(fd);
		if (!fi_account(_metadata, &self->st, "SETUP", n, hit, rc, err))
			break;
	}
	fi_report(_metadata, "SETUP", &self->st, false);

	for (n = 1; ; n++) {
		bool hit;

		fd = create_vcpu_raw(&self->vm, 1);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ioctl(fd, AXVCPU_SETUP, &setup));
		hit = FI_CALL(self, n, rc, err, ioctl(fd, AXVCPU_BIND, 0));
		if (rc < 0)
			assert_invalid(_metadata, fd, "BIND");
		else
			ASSERT_EQ(AXVCPU_STATE_READY, state_of(fd));
		close(fd);
		if (!fi_account(_metadata, &bind, "BIND", n, hit, rc, err))
			break;
	}
	fi_report(_metadata, "BIND", &bind, false);
	assert_clean(_metadata, self);
}

/* @touch: the memory is faulted in before (else pinning faults it in). */
static void region_add(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fault) *self, bool touch, const char *step)
{
	unsigned int n;
	__u64 gpa;
	long rc;
	int err;

	for (n = 1; ; n++) {
		char *p = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		bool hit;

		ASSERT_NE(MAP_FAILED, p);
		if (touch)
			memset(p, 0x5a, REGION_SIZE);
		/* a new 2 MiB stretch each time: stage-2 tables get allocated */
		gpa = REGION_GPA + ((__u64)n << 21);
		hit = FI_CALL(self, n, rc, err,
			      axv_set_region(self->vm.fd, 1, 0, gpa,
					     REGION_SIZE, (__u64)(uintptr_t)p));
		if (rc < 0) {
			err = -rc;
			rc = -1;
			/* nothing charged or pinned, the slot still free */
			ASSERT_EQ(self->vmlck0, axv_vmlck_kb());
			ASSERT_EQ(self->pins0, axv_pinned_pages());
		}
		/* either way the slot can be (re)added now and deleted */
		if (rc < 0)
			ASSERT_EQ(0, axv_set_region(self->vm.fd, 1, 0, gpa,
						    REGION_SIZE, (__u64)(uintptr_t)p));
		ASSERT_EQ(self->pins0 + (long long)(REGION_SIZE / AXV_PAGE_SIZE),
			  axv_pinned_pages());
		ASSERT_EQ(0, axv_set_region(self->vm.fd, 1, 0, 0, 0, 0));
		munmap(p, REGION_SIZE);
		if (!fi_account(_metadata, &self->st, step, n, hit, rc, err))
			break;
	}
	fi_report(_metadata, step, &self->st, true);
	assert_clean(_metadata, self);
}

TEST_F_TIMEOUT(fault, region_add_fresh_memory, 300)
{
	FI_REQUIRE(self);
	region_add(_metadata, self, false, "SET_MEMORY_REGION (memory not yet faulted in)");
}

TEST_F_TIMEOUT(fault, region_add_touched_memory, 300)
{
	FI_REQUIRE(self);
	region_add(_metadata, self, true, "SET_MEMORY_REGION (memory faulted in)");
}

/*
 * RUN to the guest's first ucall (a hypercall exit), then (a second RUN)
 * to its MMIO read, whose decoding reads the instruction from guest
 * memory.
 */
TEST_F_TIMEOUT(fault, run, 300)
{
	struct fi_stats mmio = { 0 };
	struct axv_vcpu *vcpu;
	struct axv_ucall uc;
	unsigned int n;
	long rc;
	int err;

	FI_REQUIRE(self);

	/* the fixture's VM, again with the program image in it */
	axv_vm_close(&self->vm);
	axv_guest_vm_create(&self->vm);
	self->pins0 = axv_pinned_pages();
	self->vmlck0 = axv_vmlck_kb();

	for (n = 1; ; n++) {
		bool hit;

		vcpu = axv_guest_vcpu(&self->vm, 1, 0, fi_guest);
		hit = FI_CALL(self, n, rc, err, ioctl(vcpu->fd, AXVCPU_RUN, 0));
		if (rc < 0) {
			assert_invalid(_metadata, vcpu->fd, "RUN");
		} else {
			ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_HYPERCALL);
			ASSERT_EQ(AXV_UCALL_SYNC, axv_get_ucall(vcpu, &uc))
				TH_LOG("expected the guest's SYNC (%s)", uc.msg);
			ASSERT_EQ(FI_SYNC, uc.args[0]);
		}
		axv_vcpu_close(vcpu);
		if (!fi_account(_metadata, &self->st, "RUN to a ucall", n, hit, rc, err))
			break;
	}
	fi_report(_metadata, "RUN to a ucall", &self->st, false);

	for (n = 1; ; n++) {
		bool hit;

		vcpu = axv_guest_vcpu(&self->vm, 1, 0, fi_guest);
		ASSERT_RUN_SYNC(vcpu, FI_SYNC);
		hit = FI_CALL(self, n, rc, err, ioctl(vcpu->fd, AXVCPU_RUN, 0));
		if (rc < 0) {
			assert_invalid(_metadata, vcpu->fd, "RUN");
		} else {
			ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_MMIO_READ);
			ASSERT_EQ(AXV_GUEST_MMIO_GPA, vcpu->run->mmio.addr);
		}
		axv_vcpu_close(vcpu);
		if (!fi_account(_metadata, &mmio, "RUN to an MMIO exit", n, hit, rc, err))
			break;
	}
	fi_report(_metadata, "RUN to an MMIO exit", &mmio, false);
	/* the guest really ran: its store is in memory */
	ASSERT_EQ(FI_STORE, axv_guest_read_global(&self->vm, fi_store));
	assert_clean(_metadata, self);
}

/*
 * @before with one register changed to @v, as GET_REGS reports it: the
 * scratch GPR is set through SET_GPR, so no arch's layout of struct
 * axvcpu_regs is needed. The vCPU is given @before back.
 */
static void regs_with_marker(struct axv_vcpu *vcpu, struct axvcpu_regs *before,
			     struct axvcpu_regs *regs, __u64 v)
{
	axv_set_gpr(vcpu, AXV_GUEST_SCRATCH_GPR, v);
	axv_get_regs(vcpu, regs);
	axv_set_regs(vcpu, before);
}

/* The register ioctls are no transitions: a failure changes nothing. */
TEST_F_TIMEOUT(fault, regs, 300)
{
	struct fi_stats set = { 0 };
	struct axvcpu_regs regs, before, after;
	struct axv_vcpu *vcpu;
	unsigned int n;
	long rc;
	int err;

	FI_REQUIRE(self);

	vcpu = axv_vcpu_create(&self->vm, 2, 0);
	axv_get_regs(vcpu, &before);
	for (n = 1; ; n++) {
		bool hit;

		memset(&regs, 0xa5, sizeof(regs));
		hit = FI_CALL(self, n, rc, err, ioctl(vcpu->fd, AXVCPU_GET_REGS, &regs));
		if (rc >= 0)
			ASSERT_EQ(0, memcmp(&before, &regs, sizeof(regs)));
		ASSERT_EQ(AXVCPU_STATE_CREATED, axv_get_state(vcpu));
		if (!fi_account(_metadata, &self->st, "GET_REGS", n, hit, rc, err))
			break;
	}
	fi_report(_metadata, "GET_REGS", &self->st, true);

	for (n = 1; ; n++) {
		bool hit;

		/* new values: a failed SET_REGS leaves the old ones */
		regs_with_marker(vcpu, &before, &regs, 0x1000 + n);
		ASSERT_NE(0, memcmp(&before, &regs, sizeof(regs)))
			TH_LOG("the marker did not change the registers");
		hit = FI_CALL(self, n, rc, err, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
		axv_get_regs(vcpu, &after);
		if (rc < 0) {
			ASSERT_EQ(0, memcmp(&before, &after, sizeof(after)))
				TH_LOG("a failed SET_REGS changed the registers");
		} else {
			ASSERT_EQ(0, memcmp(&regs, &after, sizeof(after)))
				TH_LOG("SET_REGS did not set the registers");
			axv_set_regs(vcpu, &before);
		}
		ASSERT_EQ(AXVCPU_STATE_CREATED, axv_get_state(vcpu));
		if (!fi_account(_metadata, &set, "SET_REGS", n, hit, rc, err))
			break;
	}
	fi_report(_metadata, "SET_REGS", &set, true);
	axv_vcpu_close(vcpu);
	assert_clean(_metadata, self);
}

TEST_HARNESS_MAIN
