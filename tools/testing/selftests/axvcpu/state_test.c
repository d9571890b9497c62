// SPDX-License-Identifier: GPL-2.0
/*
 * state_test: the vCPU lifecycle state machine of Documentation/api.rst.
 *
 *   CREATED --SETUP--> FREE --BIND--> READY --RUN--> RUNNING --exit--> READY
 *                        ^--------UNBIND---'
 *
 * Every legal transition, every illegal one (EBADFD, then INVALID for good:
 * every ioctl but GET_STATE fails with EBADFD), argument errors that change
 * nothing, the bound-thread rule of RUN, RUNNING seen from another thread,
 * and the register ioctls in CREATED, FREE and READY. The guests are C
 * (axvcpu_guest.h), so every backend runs all of it; what only x86 can
 * say (SETUP's modes and register file, x86 argument limits, the x86-only
 * ioctls in INVALID) is in x86/state_x86_test.c.
 */
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_guest.h"

/* Three reports, a halt, another report and a halt. */
static void steps_guest(void)
{
	GUEST_SYNC(0x11);
	GUEST_SYNC(0x22);
	GUEST_SYNC(0x33);
	guest_halt();
	GUEST_SYNC(0x44);
	guest_halt();
}

/* Reports 1, 2, 3, ... for ever: the count lives in the guest's state. */
static void count_guest(void)
{
	__u64 i;

	for (i = 1; ; i++)
		GUEST_SYNC(i);
}

/* Set by the host in the guest's copy while the guest spins on it. */
static volatile __u32 go_flag;

/* Spin until the host sets go_flag, report it. */
static void flag_guest(void)
{
	while (!go_flag)
		;
	GUEST_SYNC(go_flag);
}

FIXTURE(state)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
};

/* A VM with the guest library's slot 0 and its vCPU 0, in CREATED. */
static void vm_with_vcpu0(struct axv_vm *vm, struct axv_vcpu **vcpu)
{
	axv_guest_vm_create(vm);
	*vcpu = axv_vcpu_create(vm, 0, 0);
}

FIXTURE_SETUP(state)
{
	vm_with_vcpu0(&self->vm, &self->vcpu);
}

FIXTURE_TEARDOWN(state)
{
	axv_vcpu_close(self->vcpu);
	axv_vm_close(&self->vm);
}

static int do_setup(struct axv_vcpu *vcpu)
{
	struct axvcpu_setup s = { .entry = 0x1000 };

	return ioctl(vcpu->fd, AXVCPU_SETUP, &s);
}

static int vcpu_info(struct axv_vcpu *vcpu, struct axvcpu_vcpu_info *vi)
{
	memset(vi, 0, sizeof(*vi));
	return ioctl(vcpu->fd, AXVCPU_GET_VCPU_INFO, vi);
}

TEST_F(state, legal_transitions)
{
	struct axv_vcpu *vcpu = self->vcpu;
	struct axvcpu_vcpu_info vi;
	int cpu;

	ASSERT_STATE(vcpu, AXVCPU_STATE_CREATED);
	/* SETUP (CREATED -> FREE), then the guest's registers */
	axv_guest_vcpu_restart(vcpu, steps_guest);
	ASSERT_STATE(vcpu, AXVCPU_STATE_FREE);
	ASSERT_OK(vcpu_info(vcpu, &vi));
	ASSERT_EQ(AXVCPU_STATE_FREE, vi.state);
	ASSERT_EQ(-1, vi.bound_cpu);

	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_BIND, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	ASSERT_OK(vcpu_info(vcpu, &vi));
	ASSERT_EQ(AXVCPU_STATE_READY, vi.state);
	ASSERT_LE(0, vi.bound_cpu) TH_LOG("READY but bound_cpu is %d", vi.bound_cpu);
	cpu = sched_getcpu();
	ASSERT_EQ(vi.bound_cpu, cpu)
		TH_LOG("bound to CPU %d but the thread runs on CPU %d",
		       vi.bound_cpu, cpu);

	ASSERT_RUN_SYNC(vcpu, 0x11);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	ASSERT_RUN_SYNC(vcpu, 0x22);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);

	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_UNBIND, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_FREE);
	ASSERT_OK(vcpu_info(vcpu, &vi));
	ASSERT_EQ(-1, vi.bound_cpu);

	/* bound again, the guest goes on where it stopped */
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_BIND, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	ASSERT_RUN_SYNC(vcpu, 0x33);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	ASSERT_RUN_SYNC(vcpu, 0x44);
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_UNBIND, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_FREE);
}

/* An illegal transition from each state. */
enum op { OP_SETUP, OP_BIND, OP_UNBIND, OP_RUN };

static const char *const op_names[] = { "SETUP", "BIND", "UNBIND", "RUN" };

FIXTURE(illegal)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
};

FIXTURE_SETUP(illegal)
{
	vm_with_vcpu0(&self->vm, &self->vcpu);
}

FIXTURE_TEARDOWN(illegal)
{
	axv_vcpu_close(self->vcpu);
	axv_vm_close(&self->vm);
}

FIXTURE_VARIANT(illegal)
{
	long from;
	enum op op;
};

FIXTURE_VARIANT_ADD(illegal, created_bind)   { AXVCPU_STATE_CREATED, OP_BIND };
FIXTURE_VARIANT_ADD(illegal, created_unbind) { AXVCPU_STATE_CREATED, OP_UNBIND };
FIXTURE_VARIANT_ADD(illegal, created_run)    { AXVCPU_STATE_CREATED, OP_RUN };
FIXTURE_VARIANT_ADD(illegal, free_setup)     { AXVCPU_STATE_FREE, OP_SETUP };
FIXTURE_VARIANT_ADD(illegal, free_unbind)    { AXVCPU_STATE_FREE, OP_UNBIND };
FIXTURE_VARIANT_ADD(illegal, free_run)       { AXVCPU_STATE_FREE, OP_RUN };
FIXTURE_VARIANT_ADD(illegal, ready_setup)    { AXVCPU_STATE_READY, OP_SETUP };
FIXTURE_VARIANT_ADD(illegal, ready_bind)     { AXVCPU_STATE_READY, OP_BIND };

static int do_op(struct axv_vcpu *vcpu, enum op op)
{
	switch (op) {
	case OP_SETUP:
		return do_setup(vcpu);
	case OP_BIND:
		return ioctl(vcpu->fd, AXVCPU_BIND, 0);
	case OP_UNBIND:
		return ioctl(vcpu->fd, AXVCPU_UNBIND, 0);
	case OP_RUN:
		return ioctl(vcpu->fd, AXVCPU_RUN, 0);
	}
	return -1;
}

/* Bring the fixture's vCPU to @state with legal transitions. */
static void reach(struct __test_metadata *_metadata, struct axv_vcpu *vcpu,
		  long state)
{
	if (state >= AXVCPU_STATE_FREE)
		ASSERT_OK(do_setup(vcpu));
	if (state >= AXVCPU_STATE_READY)
		ASSERT_OK(ioctl(vcpu->fd, AXVCPU_BIND, 0));
	ASSERT_STATE(vcpu, state);
}

/*
 * The legal transition into @st from the state before it, for a loop
 * through CREATED, FREE and READY.
 */
static void step_into(struct __test_metadata *_metadata, struct axv_vcpu *vcpu,
		      long st)
{
	if (st == AXVCPU_STATE_FREE)
		ASSERT_OK(do_setup(vcpu));
	if (st == AXVCPU_STATE_READY)
		ASSERT_OK(ioctl(vcpu->fd, AXVCPU_BIND, 0));
}

/*
 * A system register id the backend has (the first of GET_SYSREG_LIST,
 * which is the same for every vCPU), so that an EBADFD for it is about
 * the state and not the id; 0 if the list is empty.
 */
static __u64 some_sysreg_id(struct axv_vcpu *vcpu)
{
	struct axvcpu_sysreg_list sl = { .nr = 0 };
	__u64 *ids, id;
	int rc;

	rc = ioctl(vcpu->fd, AXVCPU_GET_SYSREG_LIST, &sl);
	AXV_REQUIRE(!rc || errno == E2BIG, "GET_SYSREG_LIST: %s",
		    axv_errno_name(errno));
	if (!sl.nr)
		return 0;
	ids = calloc(sl.nr, sizeof(*ids));
	AXV_REQUIRE(ids, "calloc");
	sl.ids = (__u64)(uintptr_t)ids;
	AXV_REQUIRE(!ioctl(vcpu->fd, AXVCPU_GET_SYSREG_LIST, &sl),
		    "GET_SYSREG_LIST of %u ids", sl.nr);
	id = ids[0];
	free(ids);
	return id;
}

/*
 * In INVALID every ioctl but GET_STATE fails with EBADFD. @sysreg_id is
 * from some_sysreg_id(); the optional injections are tried where the
 * backend offers them (the x86-only ioctls: x86/state_x86_test.c).
 */
static void assert_invalid(struct __test_metadata *_metadata,
			   struct axv_vcpu *vcpu, const struct axvcpu_info *info,
			   __u64 sysreg_id)
{
	struct axvcpu_interrupt irq = { .vector = AXV_GUEST_IRQ_VECTOR };
	struct axvcpu_interrupt nmi = { .flags = AXVCPU_INTERRUPT_NMI };
	struct axvcpu_exception exc = { 0 };
	struct axvcpu_sysreg sr = { .id = sysreg_id };
	struct axvcpu_sysreg_list sl = { .nr = 0 };
	struct axvcpu_fpu fpu = { .arch = info->arch };
	struct axvcpu_cpuid cpuid = { .nent = 0 };
	struct axvcpu_gpr gpr = { .reg = 0, .value = 1 };
	struct axvcpu_vcpu_info vi;
	struct axvcpu_regs regs;
	__u64 v = 1;
	int i;

	ASSERT_STATE(vcpu, AXVCPU_STATE_INVALID);
	memset(&regs, 0, sizeof(regs));
	regs.arch = info->arch;
	memset(&vi, 0, sizeof(vi));

	/* twice: a failure in INVALID leaves it INVALID */
	for (i = 0; i < 2; i++) {
		ASSERT_ERRNO(EBADFD, do_setup(vcpu));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_BIND, 0));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_UNBIND, 0));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_RUN, 0));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_GPR, &gpr));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_GPR, &gpr));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_RETURN_VALUE, &v));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq));
		if (info->flags & AXVCPU_FEATURE_INJECT_NMI)
			ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &nmi));
		if (info->flags & AXVCPU_FEATURE_INJECT_EXCEPTION)
			ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_INJECT_EXCEPTION, &exc));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_SYSREG, &sr));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_SYSREG, &sr));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_SYSREG_LIST, &sl));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_FPU, &fpu));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_FPU, &fpu));
		if (info->flags & AXVCPU_FEATURE_CPUID)
			ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_CPUID, &cpuid));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_REGS, &regs));
		regs.arch = info->arch;
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_VCPU_INFO, &vi));
		ASSERT_STATE(vcpu, AXVCPU_STATE_INVALID);
	}
}

TEST_F(illegal, transition)
{
	struct axv_vcpu *vcpu = self->vcpu;
	struct axv_vcpu *other;
	__u64 sysreg_id = some_sysreg_id(vcpu);
	int rc, err;

	reach(_metadata, vcpu, variant->from);
	rc = do_op(vcpu, variant->op);
	err = rc ? errno : 0;
	ASSERT_EQ(EBADFD, err)
		TH_LOG("%s in %s: expected EBADFD, got %d (%s)",
		       op_names[variant->op], axv_state_name(variant->from),
		       rc, axv_errno_name(err));
	assert_invalid(_metadata, vcpu, &self->vm.info, sysreg_id);

	/* the VM is not affected: another vCPU goes through its states */
	other = axv_vcpu_create(&self->vm, 1, 0);
	ASSERT_STATE(other, AXVCPU_STATE_CREATED);
	ASSERT_OK(do_setup(other));
	ASSERT_STATE(other, AXVCPU_STATE_FREE);
	axv_vcpu_close(other);
	ASSERT_STATE(vcpu, AXVCPU_STATE_INVALID);
}

/* Argument errors return their errno and leave the state as it was. */
TEST_F(state, argument_errors_keep_state)
{
	static const __u32 arches[] = {
		AXVCPU_ARCH_NONE, AXVCPU_ARCH_X86_VMX, AXVCPU_ARCH_X86_SVM,
		AXVCPU_ARCH_ARM64_NVHE, AXVCPU_ARCH_RISCV_H, 0xffffffff,
	};
	struct axv_vcpu *vcpu = self->vcpu;
	struct axvcpu_interrupt irq = { 0 };
	struct axvcpu_setup s;
	struct axvcpu_gpr gpr;
	struct axvcpu_regs regs;
	unsigned int i;
	long st;
	int rc;

	for (st = AXVCPU_STATE_CREATED; st <= AXVCPU_STATE_READY; st++) {
		step_into(_metadata, vcpu, st);
		TH_LOG("argument errors in %s", axv_state_name(st));

		/* SETUP: flags, pad, arch config */
		memset(&s, 0, sizeof(s));
		s.entry = 0x1000;
		s.flags = 1;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
		s.flags = 0;
		s.pad = 1;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
		s.pad = 0;
		for (i = 1; i < ARRAY_SIZE(s.arch.pad); i++) {
			s.arch.pad[i] = 1;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
			s.arch.pad[i] = 0;
		}
		ASSERT_STATE(vcpu, st);

		/* no-struct ioctls take 0 */
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_BIND, 1));
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_UNBIND, 1));
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_RUN, 1));
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_GET_STATE, 1));
		ASSERT_STATE(vcpu, st);

		/* GPRs: unknown register, nonzero pad; the register keeps its value */
		axv_set_gpr(vcpu, AXV_GUEST_SCRATCH_GPR, 0x1234);
		memset(&gpr, 0, sizeof(gpr));
		gpr.reg = 0xffffffff;
		gpr.value = 0x5678;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_GPR, &gpr));
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_GET_GPR, &gpr));
		gpr.reg = AXV_GUEST_SCRATCH_GPR;
		gpr.pad = 1;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_GPR, &gpr));
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_GET_GPR, &gpr));
		ASSERT_EQ(0x1234, axv_get_gpr(vcpu, AXV_GUEST_SCRATCH_GPR));

		/*
		 * SET_REGS: wrong arch, flags; nothing is written. The
		 * register file offered differs from the vCPU's in the
		 * scratch register (0x9999 there, 0x1234 in the vCPU).
		 */
		axv_set_gpr(vcpu, AXV_GUEST_SCRATCH_GPR, 0x9999);
		axv_get_regs(vcpu, &regs);
		axv_set_gpr(vcpu, AXV_GUEST_SCRATCH_GPR, 0x1234);
		ASSERT_EQ(self->vm.info.arch, regs.arch)
			TH_LOG("GET_REGS arch: expected %s, got %s",
			       axv_arch_name(self->vm.info.arch),
			       axv_arch_name(regs.arch));
		for (i = 0; i < ARRAY_SIZE(arches); i++) {
			if (arches[i] == self->vm.info.arch)
				continue;
			regs.arch = arches[i];
			rc = ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs);
			ASSERT_EQ(EINVAL, rc ? errno : 0)
				TH_LOG("SET_REGS with arch %#x: expected EINVAL, got %d (%s)",
				       arches[i], rc, axv_errno_name(rc ? errno : 0));
		}
		regs.arch = self->vm.info.arch;
		regs.flags = 1;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
		regs.flags = 0;
		ASSERT_EQ(0x1234, axv_get_gpr(vcpu, AXV_GUEST_SCRATCH_GPR))
			TH_LOG("a failed SET_REGS wrote the register file");

		/* INJECT_INTERRUPT: no unknown flag; an NMI has no vector */
		irq.vector = AXV_GUEST_IRQ_VECTOR;
		irq.flags = 1U << 31;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq));
		irq.flags = AXVCPU_INTERRUPT_NMI;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq));
		ASSERT_STATE(vcpu, st);
	}
}

/* INJECT_INTERRUPT works in CREATED, FREE and READY. */
TEST_F(state, inject_in_every_state)
{
	struct axv_vcpu *vcpu = self->vcpu;
	long st;

	for (st = AXVCPU_STATE_CREATED; st <= AXVCPU_STATE_READY; st++) {
		step_into(_metadata, vcpu, st);
		ASSERT_EQ(0, axv_inject(vcpu, AXV_GUEST_IRQ_VECTOR))
			TH_LOG("INJECT_INTERRUPT in %s failed", axv_state_name(st));
		ASSERT_STATE(vcpu, st);
	}
}

struct thread_call {
	struct axv_vcpu *vcpu;
	int rc;
	int err;
	long state;
};

/*
 * Bring @c's vCPU to READY running steps_guest, then run @fn(@c) on
 * another thread and join it.
 */
static void ready_then_call(struct __test_metadata *_metadata,
			    struct thread_call *c, void *(*fn)(void *))
{
	pthread_t t;

	axv_guest_vcpu_restart(c->vcpu, steps_guest);
	ASSERT_OK(ioctl(c->vcpu->fd, AXVCPU_BIND, 0));
	ASSERT_STATE(c->vcpu, AXVCPU_STATE_READY);
	axv_thread_run(&t, fn, c);
	pthread_join(t, NULL);
}

static void *run_from_other_thread(void *arg)
{
	struct thread_call *c = arg;

	c->rc = ioctl(c->vcpu->fd, AXVCPU_RUN, 0);
	c->err = c->rc ? errno : 0;
	c->state = axv_get_state(c->vcpu);
	return NULL;
}

/* Only the bound thread may RUN. */
TEST_F(state, run_from_other_thread)
{
	struct axv_vcpu *vcpu = self->vcpu;
	struct thread_call c = { .vcpu = vcpu };

	ready_then_call(_metadata, &c, run_from_other_thread);
	ASSERT_EQ(EPERM, c.err)
		TH_LOG("RUN from a thread that is not the bound one: expected EPERM, got %d (%s)",
		       c.rc, axv_errno_name(c.err));
	ASSERT_EQ(AXVCPU_STATE_READY, c.state);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	/* nothing ran: the bound thread sees the first exit */
	ASSERT_RUN_SYNC(vcpu, 0x11);
}

static void *unbind_rebind_run(void *arg)
{
	struct thread_call *c = arg;

	c->rc = ioctl(c->vcpu->fd, AXVCPU_UNBIND, 0);
	if (c->rc) {
		c->err = errno;
		c->state = -100;	/* UNBIND failed */
		return NULL;
	}
	c->state = axv_get_state(c->vcpu);
	if (ioctl(c->vcpu->fd, AXVCPU_BIND, 0)) {
		c->err = errno;
		c->state = -101;	/* BIND failed */
		return NULL;
	}
	c->rc = axv_run(c->vcpu);
	c->err = -c->rc;
	return NULL;
}

/* UNBIND from any thread; a rebinding thread becomes the one that runs. */
TEST_F(state, unbind_from_other_thread)
{
	struct axv_vcpu *vcpu = self->vcpu;
	struct thread_call c = { .vcpu = vcpu };
	struct axv_ucall uc;

	ready_then_call(_metadata, &c, unbind_rebind_run);
	ASSERT_NE(-100, c.state)
		TH_LOG("UNBIND from another thread: %s", axv_errno_name(c.err));
	ASSERT_NE(-101, c.state)
		TH_LOG("BIND from the second thread: %s", axv_errno_name(c.err));
	ASSERT_EQ(AXVCPU_STATE_FREE, c.state)
		TH_LOG("after UNBIND from another thread: expected FREE, got %s",
		       axv_state_name(c.state));
	ASSERT_EQ(0, c.rc)
		TH_LOG("RUN from the newly bound thread: %s", axv_errno_name(c.err));
	ASSERT_EQ(AXV_UCALL_SYNC, axv_get_ucall(vcpu, &uc))
		TH_LOG("exit %s: expected the guest's first report",
		       axv_exit_desc(vcpu->run));
	ASSERT_EQ(0x11, uc.args[0]);
	/* the old thread is no longer the bound one */
	ASSERT_ERRNO(EPERM, ioctl(vcpu->fd, AXVCPU_RUN, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

/*
 * UNBIND, a move to another CPU and BIND again leave the guest's state
 * as it was: the vCPU's hardware context (VMX's VMCS, SVM's VMCB, the
 * H extension's CSRs, the EL2 context) leaves the old CPU and is loaded
 * on the new one. Round the CPUs this thread may use, twice, and once
 * more rebinding on the same CPU (VMX: VMCLEAR, then VMLAUNCH again).
 */
TEST_F(state, rebind_on_each_cpu_keeps_state)
{
	struct axv_vcpu *vcpu = self->vcpu;
	cpu_set_t allowed, one;
	__u64 expect = 1;
	int cpu, round;

	ASSERT_OK(sched_getaffinity(0, sizeof(allowed), &allowed));
	axv_guest_vcpu_restart(vcpu, count_guest);
	axv_vcpu_bind(vcpu);
	ASSERT_RUN_SYNC(vcpu, expect++);
	for (round = 0; round < 2; round++) {
		for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			if (!CPU_ISSET(cpu, &allowed))
				continue;
			axv_vcpu_unbind(vcpu);
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			ASSERT_OK(sched_setaffinity(0, sizeof(one), &one));
			axv_vcpu_bind(vcpu);
			ASSERT_RUN_SYNC(vcpu, expect++);
			ASSERT_RUN_SYNC(vcpu, expect++);
		}
	}
	axv_vcpu_unbind(vcpu);
	axv_vcpu_bind(vcpu);
	ASSERT_RUN_SYNC(vcpu, expect++);
	ASSERT_OK(sched_setaffinity(0, sizeof(allowed), &allowed));
}

/* GET_STATE takes no mutex: another thread sees RUNNING during RUN. */
TEST_F(state, running_seen_from_other_thread)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axv_runner r = { 0 };
	struct axv_watchdog wd;
	struct axv_ucall uc;
	volatile __u32 *flag;
	long st;
	pthread_t t;

	axv_guest_vm_create(&vm);
	flag = axv_guest_global(&vm, go_flag);
	vcpu = axv_guest_vcpu_free(&vm, 0, 0, flag_guest);
	r.vcpu = vcpu;

	axv_thread_run(&t, axv_bind_and_run, &r);
	axv_watchdog_arm(&wd, t, 30);
	st = axv_wait_state(vcpu, AXVCPU_STATE_RUNNING, 10000);
	*flag = 0x1234;		/* let the guest go, whatever happened */
	pthread_join(t, NULL);
	ASSERT_FALSE(axv_watchdog_disarm(&wd))
		TH_LOG("the guest did not see the flag within 30 s");
	ASSERT_EQ(AXVCPU_STATE_RUNNING, st)
		TH_LOG("GET_STATE from another thread during RUN: expected RUNNING, got %s",
		       axv_state_name(st));
	ASSERT_EQ(0, r.bind_rc) TH_LOG("BIND: %s", axv_errno_name(-r.bind_rc));
	ASSERT_EQ(0, r.rc) TH_LOG("RUN: %s", axv_errno_name(-r.rc));
	ASSERT_EQ(AXV_UCALL_SYNC, axv_get_ucall(vcpu, &uc))
		TH_LOG("exit %s: expected the guest's report",
		       axv_exit_desc(vcpu->run));
	ASSERT_EQ(0x1234, uc.args[0]);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
}

/* Does @regs hold the 8 bytes @v, aligned, anywhere in its register file? */
static bool regs_hold(const struct axvcpu_regs *regs, __u64 v)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(regs->pad); i++)
		if (regs->pad[i] == v)
			return true;
	return false;
}

/*
 * GET_GPR and SET_GPR of the scratch register, SET_RETURN_VALUE, and the
 * whole register file through GET_REGS and SET_REGS round-trip. (Every
 * GPR by number, and the return register by name: x86/state_x86_test.c.)
 */
static void check_register_ioctls(struct __test_metadata *_metadata,
				  struct axv_vcpu *vcpu, __u64 seed)
{
	const __u32 scratch = AXV_GUEST_SCRATCH_GPR;
	__u64 v1 = 0xc0de5c0000000000ULL + seed * 0x0101010101ULL,
	      v2 = ~v1 * 0x9e3779b97f4a7c15ULL, v;
	struct axvcpu_regs a, b, c;

	axv_set_gpr(vcpu, scratch, v1);
	ASSERT_EQ(v1, axv_get_gpr(vcpu, scratch));
	axv_get_regs(vcpu, &a);
	ASSERT_TRUE(regs_hold(&a, v1))
		TH_LOG("GET_REGS does not hold the value SET_GPR wrote");

	/* SET_REGS writes the file back: the scratch register returns to v1 */
	axv_set_gpr(vcpu, scratch, v2);
	axv_get_regs(vcpu, &b);
	ASSERT_TRUE(regs_hold(&b, v2));
	ASSERT_NE(0, memcmp(&a, &b, sizeof(a)));
	axv_set_regs(vcpu, &a);
	ASSERT_EQ(v1, axv_get_gpr(vcpu, scratch))
		TH_LOG("SET_REGS did not write the scratch register");
	axv_get_regs(vcpu, &c);
	ASSERT_EQ(0, memcmp(&a, &c, sizeof(a)))
		TH_LOG("SET_REGS/GET_REGS round trip changed the register file");

	/* SET_RETURN_VALUE puts the value in a register of the file */
	v = 0x8877665544332211ULL ^ seed;
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_SET_RETURN_VALUE, &v));
	axv_get_regs(vcpu, &b);
	ASSERT_TRUE(regs_hold(&b, v))
		TH_LOG("SET_RETURN_VALUE: the value is in no register");
	axv_set_regs(vcpu, &a);
	axv_get_regs(vcpu, &c);
	ASSERT_EQ(0, memcmp(&a, &c, sizeof(a)));
}

TEST_F(state, register_ioctls_in_created_free_ready)
{
	struct axv_vcpu *vcpu = self->vcpu;
	long st;

	for (st = AXVCPU_STATE_CREATED; st <= AXVCPU_STATE_READY; st++) {
		step_into(_metadata, vcpu, st);
		check_register_ioctls(_metadata, vcpu, st);
		ASSERT_STATE(vcpu, st);
	}
}

TEST_HARNESS_MAIN
