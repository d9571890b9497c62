// SPDX-License-Identifier: GPL-2.0
/*
 * guest_test: the C guest library (include/axvcpu_guest.h) on this
 * backend: the program image runs as guest code in the arch's 64-bit mode,
 * ucalls carry values and failed asserts out, arguments and globals go
 * in, 8-byte MMIO moves whole 64-bit values both ways, the guest's FPU/SIMD
 * works, interrupts reach a C handler, and several vCPUs run one function.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "axvcpu_guest.h"

FIXTURE(guest)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axvcpu_info info;
};

FIXTURE_SETUP(guest)
{
	axv_read_info(&self->info);
}

FIXTURE_TEARDOWN(guest)
{
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
}

static void sync_guest(void)
{
	GUEST_SYNC(1);
	GUEST_SYNC2(0x1122334455667788ULL, 0x8877665544332211ULL);
	GUEST_DONE();
}

TEST_F(guest, sync_values_and_done)
{
	struct axv_ucall uc;

	self->vcpu = axv_guest_vm(&self->vm, sync_guest, 0);
	ASSERT_RUN_SYNC(self->vcpu, 1);
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(0x1122334455667788ULL, uc.args[0]);
	ASSERT_EQ(0x8877665544332211ULL, uc.args[1]);
	ASSERT_RUN_DONE(self->vcpu);
}

static void return_guest(void)
{
	GUEST_SYNC(7);
}

/* A guest function that returns is DONE, and stays DONE. */
TEST_F(guest, return_is_done)
{
	self->vcpu = axv_guest_vm(&self->vm, return_guest, 0);
	ASSERT_RUN_SYNC(self->vcpu, 7);
	ASSERT_RUN_DONE(self->vcpu);
	ASSERT_RUN_DONE(self->vcpu);
}

static void args_guest(__u64 a, __u64 b, __u64 c, __u64 d, __u64 e, __u64 f)
{
	GUEST_SYNC2(a, b);
	GUEST_SYNC2(c, d);
	GUEST_SYNC2(e, f);
}

TEST_F(guest, six_arguments)
{
	struct axv_ucall uc;
	int i;

	self->vcpu = axv_guest_vm(&self->vm, (void (*)(void))args_guest, 0);
	axv_guest_args(self->vcpu, 6, 0x100000001ULL, 2ULL, 3ULL, 4ULL, 5ULL,
		       0xfffffffffffffff6ULL);
	for (i = 0; i < 3; i++) {
		ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
		ASSERT_EQ(i == 0 ? 0x100000001ULL : 2 * i + 1, uc.args[0]);
		ASSERT_EQ(i == 2 ? 0xfffffffffffffff6ULL : 2 * i + 2,
			  uc.args[1]);
	}
	ASSERT_RUN_DONE(self->vcpu);
}

static void assert_guest(void)
{
	volatile __u64 one = 1;

	GUEST_ASSERT_EQ(one, 2);
	GUEST_SYNC(99);		/* never: the assert does not return */
}

/* A failed GUEST_ASSERT is an ABORT ucall with file, line and expression. */
TEST_F(guest, assert_reports_where)
{
	struct axv_ucall uc;

	self->vcpu = axv_guest_vm(&self->vm, assert_guest, 0);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HYPERCALL);
	ASSERT_EQ(AXV_UCALL_ABORT, axv_get_ucall(self->vcpu, &uc));
	ASSERT_NE(NULL, strstr(uc.msg, "guest_test.c:"))
		TH_LOG("message: %s", uc.msg);
	ASSERT_NE(NULL, strstr(uc.msg, "one == 2")) TH_LOG("message: %s", uc.msg);
	ASSERT_EQ(1, uc.args[0]);
	ASSERT_EQ(2, uc.args[1]);
	/* resumed, it aborts again */
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HYPERCALL);
	ASSERT_EQ(AXV_UCALL_ABORT, axv_get_ucall(self->vcpu, &uc));
}

static __u64 shared_in, shared_out;

static void globals_guest(void)
{
	GUEST_SYNC(shared_in);
	shared_out = shared_in * 3;
	GUEST_SYNC(0);
}

/* Globals: the guest has its own copy, synced on request. */
TEST_F(guest, globals_in_and_out)
{
	shared_in = 5;
	self->vcpu = axv_guest_vm(&self->vm, globals_guest, 0);
	shared_in = 0x123456789aULL;
	axv_guest_sync_global(&self->vm, shared_in);
	ASSERT_RUN_SYNC(self->vcpu, 0x123456789aULL);
	ASSERT_RUN_SYNC(self->vcpu, 0);
	ASSERT_EQ(0x369d0369ceULL, axv_guest_read_global(&self->vm, shared_out));
	ASSERT_EQ(0, shared_out) TH_LOG("the guest wrote the host's copy");
}

static void mmio64_guest(void)
{
	volatile __u64 *mmio = (volatile __u64 *)AXV_GUEST_MMIO_GPA;
	__u64 v;

	mmio[1] = 0x0123456789abcdefULL;
	v = mmio[2];
	GUEST_SYNC(v);
	mmio[3] = v + 1;
	GUEST_DONE();
}

/* 8-byte MMIO: the whole 64-bit value leaves and enters the guest. */
TEST_F(guest, mmio_8_bytes)
{
	struct axvcpu_run *run;

	self->vcpu = axv_guest_vm(&self->vm, mmio64_guest, 0);
	run = self->vcpu->run;
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_MMIO_WRITE);
	ASSERT_EQ(AXV_GUEST_MMIO_GPA + 8, run->mmio.addr);
	ASSERT_EQ(8, run->mmio.width);
	ASSERT_EQ(0x0123456789abcdefULL, run->mmio.data);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_MMIO_READ);
	ASSERT_EQ(AXV_GUEST_MMIO_GPA + 16, run->mmio.addr);
	ASSERT_EQ(8, run->mmio.width);
	run->mmio.data = 0xfedcba9876543210ULL;
	ASSERT_RUN_SYNC(self->vcpu, 0xfedcba9876543210ULL);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_MMIO_WRITE);
	ASSERT_EQ(AXV_GUEST_MMIO_GPA + 24, run->mmio.addr);
	ASSERT_EQ(0xfedcba9876543211ULL, run->mmio.data);
	ASSERT_RUN_DONE(self->vcpu);
}

static void fpu_guest(void)
{
	volatile double x = 1.5;
	volatile float y = 2.25f;

	x = x * 3 + y;
	GUEST_SYNC((__u64)(x * 100));
}

/* Compiled C uses the FPU/SIMD registers: the guest has them. */
TEST_F(guest, floating_point)
{
	self->vcpu = axv_guest_vm(&self->vm, fpu_guest, 0);
	ASSERT_RUN_SYNC(self->vcpu, 675);
	ASSERT_RUN_DONE(self->vcpu);
}

static volatile __u64 irq_count, irq_seen;

static void count_irq(__u64 vector)
{
	irq_seen = vector;
	irq_count++;
}

static void irq_guest(void)
{
	guest_irq_set_handler(count_irq);
	GUEST_SYNC(0);
	guest_irq_enable();
	while (!irq_count)
		guest_cpu_relax();
	guest_irq_disable();
	GUEST_SYNC2(irq_count, irq_seen);
}

/* An injected interrupt reaches the guest's C handler. */
TEST_F(guest, interrupt_handler)
{
	struct axv_ucall uc;

	self->vcpu = axv_guest_vm(&self->vm, irq_guest, 0);
	ASSERT_RUN_SYNC(self->vcpu, 0);
	ASSERT_OK(axv_inject(self->vcpu, AXV_GUEST_IRQ_VECTOR));
	ASSERT_RUN_UCALL(self->vcpu, AXV_UCALL_SYNC, &uc);
	ASSERT_EQ(1, uc.args[0]);
	ASSERT_EQ(AXV_GUEST_IRQ_SEEN, uc.args[1]);
	ASSERT_RUN_DONE(self->vcpu);
}

static void halt_guest(void)
{
	guest_halt();
	GUEST_SYNC(1);
}

/* The arch's wait-for-interrupt is a HALT exit without HALT_IN_KERNEL. */
TEST_F(guest, halt_exits)
{
	self->vcpu = axv_guest_vm(&self->vm, halt_guest, 0);
	ASSERT_RUN_EXIT(self->vcpu, AXVCPU_EXIT_HALT);
	ASSERT_RUN_SYNC(self->vcpu, 1);
}

static void id_guest(__u64 id)
{
	GUEST_SYNC(id * 0x100 + 1);
	GUEST_SYNC(id * 0x100 + 2);
}

/* Several vCPUs run one function, each on its own stack with its own id. */
TEST_F(guest, vcpus_share_code)
{
	struct axv_vcpu *v[4];
	int i, step;

	axv_guest_vm_create(&self->vm);
	for (i = 0; i < 4; i++) {
		v[i] = axv_guest_vcpu(&self->vm, i, 0, (void (*)(void))id_guest);
		axv_guest_args(v[i], 1, (__u64)i);
	}
	for (step = 1; step <= 2; step++)
		for (i = 3; i >= 0; i--)
			ASSERT_RUN_SYNC(v[i], i * 0x100 + step);
	for (i = 0; i < 4; i++) {
		ASSERT_RUN_DONE(v[i]);
		axv_vcpu_close(v[i]);
	}
}

TEST_HARNESS_MAIN
