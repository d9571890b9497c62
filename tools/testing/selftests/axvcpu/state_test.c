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
 * and the register ioctls in CREATED, FREE and READY.
 */
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

#if defined(__x86_64__)
/* Three port writes, then HLT. */
X86_GUEST(outs_guest, ".code32",
	"mov $0x11, %al\n\t"
	"out %al, $0x10\n\t"
	"mov $0x22, %al\n\t"
	"out %al, $0x10\n\t"
	"mov $0x33, %al\n\t"
	"out %al, $0x10\n\t"
	"hlt\n\t"
	"mov $0x44, %al\n\t"
	"out %al, $0x10\n\t"
	"hlt\n\t");

/* Spin until the host writes a nonzero word at X86_DATA_GPA, report it. */
X86_GUEST(flag_guest, ".code32",
	"1: cmpl $0, " __stringify(X86_DATA_GPA) "\n\t"
	"je 1b\n\t"
	"mov " __stringify(X86_DATA_GPA) ", %eax\n\t"
	"out %eax, $0x10\n\t"
	"hlt\n\t");
#endif

FIXTURE(state)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	bool have_guest;
};

static void vm_with_vcpu0(struct __test_metadata *_metadata,
			struct axv_vm *vm, struct axv_vcpu **vcpu,
			bool *have_guest)
{
	axv_vm_create(vm);
#if defined(__x86_64__)
	if (axv_arch_is_x86(vm->info.arch)) {
		axv_mem_add(vm, 0, 0, X86_MEM_SIZE, 0, NULL);
		x86_write_flat_gdt(axv_gpa2hva(vm, 0));
		x86_guest_load(vm, X86_CODE_GPA, outs_guest_start,
			       outs_guest_end);
		*have_guest = true;
	}
#endif
	*vcpu = axv_vcpu_create(vm, 0, 0);
}

FIXTURE_SETUP(state)
{
	vm_with_vcpu0(_metadata, &self->vm, &self->vcpu, &self->have_guest);
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

	if (!self->have_guest)
		SKIP(return, "no guest code for backend %s",
		     axv_arch_name(self->vm.info.arch));

	ASSERT_STATE(vcpu, AXVCPU_STATE_CREATED);
	ASSERT_OK(do_setup(vcpu));
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

	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 0x11);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 0x22);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);

	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_UNBIND, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_FREE);
	ASSERT_OK(vcpu_info(vcpu, &vi));
	ASSERT_EQ(-1, vi.bound_cpu);

	/* bound again, the guest goes on where it stopped */
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_BIND, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 0x33);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 0x44);
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
	bool have_guest;
};

FIXTURE_SETUP(illegal)
{
	vm_with_vcpu0(_metadata, &self->vm, &self->vcpu, &self->have_guest);
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

/* In INVALID every ioctl but GET_STATE fails with EBADFD. */
static void assert_invalid(struct __test_metadata *_metadata,
			   struct axv_vcpu *vcpu, __u32 arch)
{
	struct axvcpu_interrupt irq = { .vector = 0x40 };
	struct axvcpu_interrupt nmi = { .flags = AXVCPU_INTERRUPT_NMI };
	struct axvcpu_exception exc = { .vector = 6 };
	struct axvcpu_sysreg sr = { .id = AXVCPU_SYSREG_X86_MSR | 0x277 };
	struct axvcpu_sysreg_list sl = { .nr = 0 };
	struct axvcpu_fpu fpu = { .arch = arch };
	struct axvcpu_cpuid cpuid = { .nent = 0 };
	struct axvcpu_events ev = { .arch = arch };
	struct axvcpu_gpr gpr = { .reg = 0, .value = 1 };
	struct axvcpu_vcpu_info vi;
	struct axvcpu_regs regs;
	__u64 v = 1;
	int i;

	ASSERT_STATE(vcpu, AXVCPU_STATE_INVALID);
	memset(&regs, 0, sizeof(regs));
	regs.arch = arch;
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
		if (axv_arch_is_x86(arch)) {
			ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &nmi));
			ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_INJECT_EXCEPTION, &exc));
		}
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_SYSREG, &sr));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_SYSREG, &sr));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_SYSREG_LIST, &sl));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_FPU, &fpu));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_FPU, &fpu));
		if (axv_arch_is_x86(arch)) {
			ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_CPUID, &cpuid));
			ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_EVENTS, &ev));
			ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_EVENTS, &ev));
		}
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_REGS, &regs));
		regs.arch = arch;
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_VCPU_INFO, &vi));
		ASSERT_STATE(vcpu, AXVCPU_STATE_INVALID);
	}
}

TEST_F(illegal, transition)
{
	struct axv_vcpu *vcpu = self->vcpu;
	struct axv_vcpu *other;
	int rc, err;

	reach(_metadata, vcpu, variant->from);
	rc = do_op(vcpu, variant->op);
	err = rc ? errno : 0;
	ASSERT_EQ(EBADFD, err)
		TH_LOG("%s in %s: expected EBADFD, got %d (%s)",
		       op_names[variant->op], axv_state_name(variant->from),
		       rc, axv_errno_name(err));
	assert_invalid(_metadata, vcpu, self->vm.info.arch);

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
	struct axv_vcpu *vcpu = self->vcpu;
	bool x86 = axv_arch_is_x86(self->vm.info.arch);
	struct axvcpu_interrupt irq = { 0 };
	struct axvcpu_setup s;
	struct axvcpu_gpr gpr;
	struct axvcpu_regs regs;
	unsigned int i;
	long st;

	for (st = AXVCPU_STATE_CREATED; st <= AXVCPU_STATE_READY; st++) {
		step_into(_metadata, vcpu, st);
		TH_LOG("argument errors in %s", axv_state_name(st));

		/* SETUP: flags, pad, arch config, entry */
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
		if (x86) {
			s.arch.x86.mode = 2;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
			s.arch.x86.mode = 0xffffffff;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
			s.arch.x86.mode = AXVCPU_X86_MODE_FLAT32;
			s.arch.x86.pad = 1;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
			s.arch.x86.pad = 0;
			s.entry = 1ULL << 32;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
			s.entry = ~0ULL;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
			s.arch.x86.mode = AXVCPU_X86_MODE_REAL;
			s.entry = 0x100000;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
		}
		ASSERT_STATE(vcpu, st);

		/* no-struct ioctls take 0 */
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_BIND, 1));
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_UNBIND, 1));
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_RUN, 1));
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_GET_STATE, 1));
		ASSERT_STATE(vcpu, st);

		/* GPRs: unknown register, nonzero pad; the register keeps its value */
		if (x86) {
			axv_set_gpr(vcpu, X86_RBX, 0x1234);
			memset(&gpr, 0, sizeof(gpr));
			gpr.reg = AXVCPU_X86_NR_GPRS;
			gpr.value = 0x5678;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_GPR, &gpr));
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_GET_GPR, &gpr));
			gpr.reg = 0xffffffff;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_GPR, &gpr));
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_GET_GPR, &gpr));
			gpr.reg = X86_RBX;
			gpr.pad = 1;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_GPR, &gpr));
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_GET_GPR, &gpr));
			ASSERT_GPR(vcpu, X86_RBX, 0x1234);
		}

		/* SET_REGS: wrong arch, flags, reserved; nothing is written */
		axv_get_regs(vcpu, &regs);
		ASSERT_EQ(self->vm.info.arch, regs.arch)
			TH_LOG("GET_REGS arch: expected %s, got %s",
			       axv_arch_name(self->vm.info.arch),
			       axv_arch_name(regs.arch));
		if (x86) {
			regs.x86.gprs[X86_RBX] = 0x9999;
			regs.arch = AXVCPU_ARCH_NONE;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
			regs.arch = self->vm.info.arch == AXVCPU_ARCH_X86_SVM ?
				    AXVCPU_ARCH_X86_VMX : AXVCPU_ARCH_X86_SVM;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
			regs.arch = self->vm.info.arch;
			regs.flags = 1;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
			regs.flags = 0;
			regs.x86.reserved[0] = 1;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
			regs.x86.reserved[0] = 0;
			regs.x86.reserved[14] = 1;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
			regs.x86.reserved[14] = 0;
			regs.x86.cr8 = 16;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
			regs.x86.cr8 = 0;
			/* attrib bits 15:12 are not defined */
			regs.x86.ds.attrib |= 0x1000;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
			regs.x86.ds.attrib &= ~0x1000;
			ASSERT_GPR(vcpu, X86_RBX, 0x1234);

			/* INJECT_INTERRUPT: vector 32..255, no unknown flag */
			irq.flags = 0;
			irq.vector = 31;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq));
			irq.vector = 0;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq));
			irq.vector = 256;
			ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq));
		}
		irq.vector = 0x40;
		irq.flags = 1U << 31;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq));
		/* an NMI has no vector */
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

	AXV_REQUIRE_X86(&self->vm.info);
	for (st = AXVCPU_STATE_CREATED; st <= AXVCPU_STATE_READY; st++) {
		step_into(_metadata, vcpu, st);
		ASSERT_EQ(0, axv_inject(vcpu, 0x40 + st))
			TH_LOG("INJECT_INTERRUPT in %s failed", axv_state_name(st));
		ASSERT_EQ(0, axv_inject(vcpu, 255));
		ASSERT_EQ(0, axv_inject(vcpu, 32));
		ASSERT_STATE(vcpu, st);
	}
}

struct thread_call {
	struct axv_vcpu *vcpu;
	int rc;
	int err;
	long state;
};

/* Bring @c's vCPU to READY, then run @fn(@c) on another thread and join it. */
static void ready_then_call(struct __test_metadata *_metadata,
			    struct thread_call *c, void *(*fn)(void *))
{
	pthread_t t;

	reach(_metadata, c->vcpu, AXVCPU_STATE_READY);
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

	if (!self->have_guest)
		SKIP(return, "no guest code for backend %s",
		     axv_arch_name(self->vm.info.arch));
	ready_then_call(_metadata, &c, run_from_other_thread);
	ASSERT_EQ(EPERM, c.err)
		TH_LOG("RUN from a thread that is not the bound one: expected EPERM, got %d (%s)",
		       c.rc, axv_errno_name(c.err));
	ASSERT_EQ(AXVCPU_STATE_READY, c.state);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	/* nothing ran: the bound thread sees the first exit */
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 0x11);
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

	if (!self->have_guest)
		SKIP(return, "no guest code for backend %s",
		     axv_arch_name(self->vm.info.arch));
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
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	/* the old thread is no longer the bound one */
	ASSERT_ERRNO(EPERM, ioctl(vcpu->fd, AXVCPU_RUN, 0));
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

struct spin_run {
	struct axv_vcpu *vcpu;
	int bind_rc;
	int rc;
};

static void *bind_and_run(void *arg)
{
	struct spin_run *r = arg;

	r->bind_rc = ioctl(r->vcpu->fd, AXVCPU_BIND, 0) ? -errno : 0;
	if (!r->bind_rc)
		r->rc = axv_run(r->vcpu);
	return NULL;
}

/* GET_STATE takes no mutex: another thread sees RUNNING during RUN. */
TEST_F(state, running_seen_from_other_thread)
{
#if defined(__x86_64__)
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct spin_run r = { 0 };
	struct axv_watchdog wd;
	volatile __u32 *flag;
	long st;
	pthread_t t;

	AXV_REQUIRE_X86(&self->vm.info);
	x86_vm_create(&vm);
	x86_guest_load(&vm, X86_CODE_GPA, flag_guest_start, flag_guest_end);
	flag = axv_gpa2hva(&vm, X86_DATA_GPA);
	vcpu = axv_vcpu_create(&vm, 0, 0);
	axv_vcpu_setup(vcpu, X86_CODE_GPA, AXVCPU_X86_MODE_FLAT32);
	r.vcpu = vcpu;

	axv_thread_run(&t, bind_and_run, &r);
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
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_RUN_FIELD(vcpu, "io.data", 0x1234, vcpu->run->io.data);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
#else
	SKIP(return, "no guest code for this architecture");
#endif
}

/* Every GPR, SET_RETURN_VALUE and the whole register file round-trip. */
static void check_register_ioctls(struct __test_metadata *_metadata,
				  struct axv_vcpu *vcpu, __u64 seed)
{
	struct axvcpu_regs regs, back;
	__u64 v;
	__u32 i;

	for (i = 0; i < AXVCPU_X86_NR_GPRS; i++)
		axv_set_gpr(vcpu, i, seed * 0x0101010101010101ULL + i);
	for (i = 0; i < AXVCPU_X86_NR_GPRS; i++)
		ASSERT_GPR(vcpu, i, seed * 0x0101010101010101ULL + i);

	v = 0x8877665544332211ULL ^ seed;
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_SET_RETURN_VALUE, &v));
	ASSERT_GPR(vcpu, X86_RAX, v);

	axv_get_regs(vcpu, &regs);
	for (i = 0; i < AXVCPU_X86_NR_GPRS; i++) {
		ASSERT_EQ(i == X86_RAX ? v : seed * 0x0101010101010101ULL + i,
			  regs.x86.gprs[i])
			TH_LOG("GET_REGS gprs[%u] (%s) disagrees with GET_GPR",
			       i, axv_x86_gpr_name(i));
	}
	for (i = 0; i < AXVCPU_X86_NR_GPRS; i++)
		regs.x86.gprs[i] = ~(seed + i) * 0x9e3779b97f4a7c15ULL;
	regs.x86.rip = 0x2000 + seed;
	regs.x86.rflags = 0x246;
	axv_set_regs(vcpu, &regs);
	axv_get_regs(vcpu, &back);
	for (i = 0; i < sizeof(regs.x86) / 8; i++) {
		__u64 a = ((__u64 *)&regs.x86)[i], b = ((__u64 *)&back.x86)[i];

		ASSERT_EQ(a, b)
			TH_LOG("SET_REGS/GET_REGS round trip: 8 bytes at offset %u: set %#llx, got %#llx",
			       i * 8, (unsigned long long)a,
			       (unsigned long long)b);
	}
	ASSERT_GPR(vcpu, X86_RDX, regs.x86.gprs[X86_RDX]);
}

TEST_F(state, register_ioctls_in_created_free_ready)
{
	struct axv_vcpu *vcpu = self->vcpu;
	long st;

	AXV_REQUIRE_X86(&self->vm.info);
	for (st = AXVCPU_STATE_CREATED; st <= AXVCPU_STATE_READY; st++) {
		step_into(_metadata, vcpu, st);
		check_register_ioctls(_metadata, vcpu, st);
		ASSERT_STATE(vcpu, st);
	}
}

/* The register file SETUP leaves in AXVCPU_X86_MODE_FLAT32. */
TEST_F(state, setup_flat32_registers)
{
	const struct axvcpu_x86_segment *segs[5];
	struct axv_vcpu *vcpu = self->vcpu;
	struct axvcpu_setup s = { .entry = 0x12345 };
	struct axvcpu_regs regs;
	unsigned int i;

	AXV_REQUIRE_X86(&self->vm.info);
	/* SETUP overrides what was set before it */
	axv_set_gpr(vcpu, X86_RSI, 0x5555);
	s.arch.x86.mode = AXVCPU_X86_MODE_FLAT32;
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_SETUP, &s));
	axv_get_regs(vcpu, &regs);

	ASSERT_EQ(0x12345, regs.x86.rip);
	ASSERT_EQ(0x2, regs.x86.rflags);
	for (i = 0; i < AXVCPU_X86_NR_GPRS; i++) {
		ASSERT_EQ(0, regs.x86.gprs[i])
			TH_LOG("%s after SETUP: expected 0, got %#llx",
			       axv_x86_gpr_name(i),
			       (unsigned long long)regs.x86.gprs[i]);
	}
	ASSERT_EQ(X86_CR0_PE | X86_CR0_ET | X86_CR0_NE, regs.x86.cr0)
		TH_LOG("CR0: expected PE|ET|NE, got %#llx",
		       (unsigned long long)regs.x86.cr0);
	ASSERT_EQ(0, regs.x86.cr3);
	ASSERT_EQ(0, regs.x86.cr4);
	ASSERT_EQ(0, regs.x86.efer)
		TH_LOG("EFER: expected 0 (the guest's view), got %#llx",
		       (unsigned long long)regs.x86.efer);

	ASSERT_EQ(0x08, regs.x86.cs.selector);
	ASSERT_EQ(0, regs.x86.cs.base);
	ASSERT_EQ(0xffffffff, regs.x86.cs.limit);
	ASSERT_TRUE(X86_SEG_TYPE(regs.x86.cs.attrib) & 0x8)
		TH_LOG("CS type %#x is not code", X86_SEG_TYPE(regs.x86.cs.attrib));
	ASSERT_TRUE((regs.x86.cs.attrib & (X86_SEG_S | X86_SEG_P | X86_SEG_DB)) ==
		    (X86_SEG_S | X86_SEG_P | X86_SEG_DB))
		TH_LOG("CS attrib %#x: expected S, P and D/B set",
		       regs.x86.cs.attrib);
	ASSERT_FALSE(regs.x86.cs.attrib & X86_SEG_L);
	ASSERT_EQ(0, X86_SEG_DPL(regs.x86.cs.attrib));

	segs[0] = &regs.x86.ds;
	segs[1] = &regs.x86.es;
	segs[2] = &regs.x86.fs;
	segs[3] = &regs.x86.gs;
	segs[4] = &regs.x86.ss;
	for (i = 0; i < 5; i++) {
		const struct axvcpu_x86_segment *sg = segs[i];

		ASSERT_EQ(0x10, sg->selector)
			TH_LOG("data segment %u: selector %#x", i, sg->selector);
		ASSERT_EQ(0, sg->base);
		ASSERT_EQ(0xffffffff, sg->limit)
			TH_LOG("data segment %u: limit %#x", i, sg->limit);
		ASSERT_EQ(0x2, X86_SEG_TYPE(sg->attrib) & 0xa)
			TH_LOG("data segment %u: type %#x is not writable data",
			       i, X86_SEG_TYPE(sg->attrib));
		ASSERT_TRUE((sg->attrib & (X86_SEG_S | X86_SEG_P)) ==
			    (X86_SEG_S | X86_SEG_P))
			TH_LOG("data segment %u: attrib %#x", i, sg->attrib);
	}
	ASSERT_TRUE(regs.x86.ss.attrib & X86_SEG_DB)
		TH_LOG("SS must be a 32-bit stack segment (attrib %#x)",
		       regs.x86.ss.attrib);
	ASSERT_EQ(0, regs.x86.gdt.base);
	ASSERT_EQ(0xffff, regs.x86.gdt.limit);
	ASSERT_EQ(0, regs.x86.idt.base);
	ASSERT_EQ(0xffff, regs.x86.idt.limit);
}

/* AXVCPU_X86_MODE_REAL: CS = entry >> 4, IP = entry & 0xf. */
TEST_F(state, setup_real_registers)
{
	struct axv_vcpu *vcpu = self->vcpu;
	struct axvcpu_setup s = { .entry = 0x9abcd };
	struct axvcpu_regs regs;

	AXV_REQUIRE_X86(&self->vm.info);
	s.arch.x86.mode = AXVCPU_X86_MODE_REAL;
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_SETUP, &s));
	axv_get_regs(vcpu, &regs);
	ASSERT_EQ(0x9abc, regs.x86.cs.selector);
	ASSERT_EQ(0x9abc0, regs.x86.cs.base);
	ASSERT_EQ(0xd, regs.x86.rip);
	ASSERT_EQ(0, regs.x86.cr0 & X86_CR0_PE)
		TH_LOG("real mode with CR0.PE set: CR0 %#llx",
		       (unsigned long long)regs.x86.cr0);
	ASSERT_EQ(0, regs.x86.ds.selector);
	ASSERT_EQ(0, regs.x86.ds.base);
	ASSERT_EQ(0xffff, regs.x86.ds.limit);
	ASSERT_EQ(0, regs.x86.ss.base);
	ASSERT_EQ(0xffff, regs.x86.ss.limit);
}

TEST_HARNESS_MAIN
