// SPDX-License-Identifier: GPL-2.0
/*
 * run_test: AXVCPU_RUN's kicks and signals (Documentation/api.rst, "Kicks
 * and signals"): a signal ends RUN with EINTR and EXIT_NOTHING, the vCPU
 * stays READY; immediate_exit; ioctls racing with RUN from another thread;
 * the in-kernel HALT wait (BLOCKED) woken by an injected interrupt or a
 * signal; EXIT_ON_HOST_INTR; immediate_exit set by a signal handler; an
 * interrupt injected into a running guest, with the module's kick.
 */
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_guest.h"

/* The guests' counters, read by the host in the guest's copy. */
static volatile __u64 spin_count;

/* One SYNC, then count forever. */
static void spin_guest(void)
{
	GUEST_SYNC(1);
	for (;;)
		spin_count++;
}

/* Count from the first instruction. */
static void count_spin_guest(void)
{
	for (;;)
		spin_count++;
}

/* Spin with interrupts off: only the host's own interrupts end RUN. */
static void pure_spin_guest(void)
{
	for (;;)
		guest_cpu_relax();
}

#define HANDLER_SYNC	0x40

static void sync_irq(__u64 vector)
{
	GUEST_SYNC2(HANDLER_SYNC, vector);
}

/* SYNC in a loop with interrupts on; the handler reports each interrupt. */
static void loop_irq_guest(void)
{
	guest_irq_set_handler(sync_irq);
	guest_irq_enable();
	for (;;)
		GUEST_SYNC(1);
}

/* Count with interrupts on; the handler reports each interrupt. */
static void irq_spin_guest(void)
{
	guest_irq_set_handler(sync_irq);
	GUEST_SYNC(1);
	guest_irq_enable();
	for (;;)
		spin_count++;
}

/* Wait for an interrupt three times, reporting each step. */
static void halt_irq_guest(void)
{
	guest_irq_set_handler(sync_irq);
	GUEST_SYNC(1);
	guest_safe_halt();
	GUEST_SYNC(2);
	guest_safe_halt();
	GUEST_SYNC(3);
	guest_safe_halt();
}

FIXTURE(run)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axvcpu_info info;
};

FIXTURE_SETUP(run)
{
	axv_read_info(&self->info);
	axv_install_sigusr1();
}

FIXTURE_TEARDOWN(run)
{
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
}

#define GUEST(name, flags)						\
	(self->vcpu = axv_guest_vm(&self->vm, name, (flags)))

/*
 * Where a guest stopped: inside @fn, whose body is a few dozen bytes (256
 * covers it on every architecture with room to spare).
 */
#define pc_in_fn(vcpu, fn)	axv_guest_pc_in(vcpu, fn, 256)

/*
 * Waits until the vCPU is in @wait_state, then @delay_ms, then sends
 * SIGUSR1 to @target.
 */
struct kicker {
	pthread_t thread;
	pthread_t target;
	struct axv_vcpu *vcpu;
	long wait_state;
	unsigned int delay_ms;
	long state_seen;
	int inject_vector;	/* inject this instead of signalling if >= 0 */
	int inject_rc;
	int sig;		/* the signal sent (SIGUSR1 if 0) */
};

static void *kicker_fn(void *arg)
{
	struct kicker *k = arg;

	k->state_seen = axv_wait_state(k->vcpu, k->wait_state, 20000);
	axv_msleep(k->delay_ms);
	if (k->inject_vector >= 0)
		k->inject_rc = axv_inject(k->vcpu, k->inject_vector);
	else
		pthread_kill(k->target, k->sig ? k->sig : SIGUSR1);
	return NULL;
}

static void kicker_start(struct kicker *k, struct axv_vcpu *vcpu,
			 long wait_state, unsigned int delay_ms, int vector)
{
	memset(k, 0, sizeof(*k));
	k->target = pthread_self();
	k->vcpu = vcpu;
	k->wait_state = wait_state;
	k->delay_ms = delay_ms;
	k->inject_vector = vector;
	axv_thread_run(&k->thread, kicker_fn, k);
}

TEST_F_TIMEOUT(run, signal_interrupts_spinning_guest, 90)
{
	struct axv_vcpu *vcpu;
	struct kicker k;
	int i, rc;

	GUEST(spin_guest, 0);
	vcpu = self->vcpu;
	ASSERT_RUN_SYNC(vcpu, 1);

	for (i = 0; i < 2; i++) {
		kicker_start(&k, vcpu, AXVCPU_STATE_RUNNING, 100, -1);
		rc = axv_run(vcpu);
		pthread_join(k.thread, NULL);
		ASSERT_EQ(AXVCPU_STATE_RUNNING, k.state_seen)
			TH_LOG("the kicking thread never saw RUNNING (saw %s)",
			       axv_state_name(k.state_seen));
		ASSERT_EQ(-EINTR, rc)
			TH_LOG("RUN %d of a spinning guest after SIGUSR1: expected EINTR, got %s (exit %s)",
			       i, axv_errno_name(-rc), axv_exit_desc(vcpu->run));
		ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_NOTHING);
		ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
		/* "the guest state is exactly where it stopped" */
		ASSERT_TRUE(pc_in_fn(vcpu, spin_guest))
			TH_LOG("PC after EINTR %#llx: expected the spin loop at %p",
			       (unsigned long long)axv_vcpu_pc(vcpu), spin_guest);
	}
	ASSERT_LT(0, axv_guest_read_global(&self->vm, spin_count))
		TH_LOG("the guest never counted");
}

TEST_F(run, immediate_exit)
{
	struct axv_vcpu *vcpu;
	__u64 pc;
	int rc;

	AXV_REQUIRE_FEATURE(&self->info, AXVCPU_FEATURE_IMMEDIATE_EXIT);
	GUEST(spin_guest, 0);
	vcpu = self->vcpu;

	vcpu->run->immediate_exit = 1;
	rc = axv_run(vcpu);
	ASSERT_EQ(-EINTR, rc)
		TH_LOG("RUN with immediate_exit: expected EINTR, got %s",
		       axv_errno_name(-rc));
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_NOTHING);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	ASSERT_EQ((__u64)(uintptr_t)spin_guest, axv_vcpu_pc(vcpu))
		TH_LOG("immediate_exit: the guest was entered");
	ASSERT_EQ(1, vcpu->run->immediate_exit)
		TH_LOG("the kernel cleared immediate_exit");
	/* again: it stays set until user space clears it */
	ASSERT_EQ(-EINTR, axv_run(vcpu));
	ASSERT_EQ((__u64)(uintptr_t)spin_guest, axv_vcpu_pc(vcpu));

	vcpu->run->immediate_exit = 0;
	ASSERT_RUN_SYNC(vcpu, 1);

	/* after an exit, before the guest goes on */
	pc = axv_vcpu_pc(vcpu);
	vcpu->run->immediate_exit = 1;
	ASSERT_EQ(-EINTR, axv_run(vcpu));
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_NOTHING);
	ASSERT_EQ(pc, axv_vcpu_pc(vcpu));
	ASSERT_EQ(0, axv_guest_read_global(&self->vm, spin_count))
		TH_LOG("the guest ran past its SYNC");
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
}

static struct axvcpu_run *volatile imm_run;

/* The race immediate_exit closes: the signal handler sets it. */
static void set_immediate_exit(int sig)
{
	imm_run->immediate_exit = 1;
}

/*
 * immediate_exit set by a signal handler during RUN: RUN returns EINTR,
 * and every RUN after it, until user space clears the byte, returns EINTR
 * without entering the guest (its counter does not move).
 */
TEST_F_TIMEOUT(run, immediate_exit_from_signal_handler, 90)
{
	struct sigaction sa = { .sa_handler = set_immediate_exit };
	struct axv_vcpu *vcpu;
	struct kicker k;
	__u64 count;
	int rc;

	AXV_REQUIRE_FEATURE(&self->info, AXVCPU_FEATURE_IMMEDIATE_EXIT);
	GUEST(count_spin_guest, 0);
	vcpu = self->vcpu;
	imm_run = vcpu->run;
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR2, &sa, NULL));

	kicker_start(&k, vcpu, AXVCPU_STATE_RUNNING, 100, -1);
	k.sig = SIGUSR2;	/* read by the kicker after its 100 ms */
	rc = axv_run(vcpu);
	pthread_join(k.thread, NULL);
	ASSERT_EQ(-EINTR, rc) TH_LOG("RUN: %s", axv_errno_name(-rc));
	ASSERT_EQ(1, vcpu->run->immediate_exit) TH_LOG("the handler did not run");
	count = axv_guest_read_global(&self->vm, spin_count);
	ASSERT_LT(0, count) TH_LOG("the guest never ran before the signal");
	ASSERT_EQ(-EINTR, axv_run(vcpu));
	ASSERT_EQ(-EINTR, axv_run(vcpu));
	ASSERT_EQ(count, axv_guest_read_global(&self->vm, spin_count))
		TH_LOG("RUN entered the guest with immediate_exit set");
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	signal(SIGUSR2, SIG_DFL);
}

struct racer {
	struct axv_vcpu *vcpu;
	volatile bool stop;
	int bound_cpu;
	unsigned long iterations;
	unsigned long injections;
	char error[256];
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;
	struct axvcpu_vcpu_info vi;
	struct axvcpu_gpr g;
	__u64 expect = 0;
	long st;

	while (!r->stop && !r->error[0]) {
		memset(&g, 0, sizeof(g));
		g.reg = AXV_GUEST_SCRATCH_GPR;
		if (ioctl(r->vcpu->fd, AXVCPU_GET_GPR, &g))
			snprintf(r->error, sizeof(r->error), "GET_GPR: %s",
				 axv_errno_name(errno));
		else if (g.value != expect)
			snprintf(r->error, sizeof(r->error),
				 "GET_GPR of the scratch register: expected %#llx, got %#llx",
				 (unsigned long long)expect,
				 (unsigned long long)g.value);
		g.value = ++expect;
		if (ioctl(r->vcpu->fd, AXVCPU_SET_GPR, &g))
			snprintf(r->error, sizeof(r->error), "SET_GPR: %s",
				 axv_errno_name(errno));
		memset(&vi, 0, sizeof(vi));
		if (ioctl(r->vcpu->fd, AXVCPU_GET_VCPU_INFO, &vi))
			snprintf(r->error, sizeof(r->error), "GET_VCPU_INFO: %s",
				 axv_errno_name(errno));
		else if (vi.state != AXVCPU_STATE_READY ||
			 vi.bound_cpu != r->bound_cpu)
			snprintf(r->error, sizeof(r->error),
				 "GET_VCPU_INFO under the mutex: expected READY on CPU %d, got %s on %d",
				 r->bound_cpu, axv_state_name(vi.state),
				 vi.bound_cpu);
		st = axv_get_state(r->vcpu);
		if (st != AXVCPU_STATE_READY && st != AXVCPU_STATE_RUNNING)
			snprintf(r->error, sizeof(r->error),
				 "GET_STATE during RUN loop: %s",
				 axv_state_name(st));
		if (!(r->iterations % 8)) {
			int rc = axv_inject(r->vcpu, AXV_GUEST_IRQ_VECTOR);

			if (rc)
				snprintf(r->error, sizeof(r->error),
					 "INJECT_INTERRUPT: %s",
					 axv_errno_name(-rc));
			r->injections++;
		}
		r->iterations++;
	}
	return NULL;
}

/* One thread loops RUN, another loops register and info ioctls. */
TEST_F_TIMEOUT(run, ioctls_race_with_run, 240)
{
	const unsigned long min_runs = 2000, max_runs = 100000;
	unsigned long runs = 0, handled = 0;
	struct axvcpu_vcpu_info vi;
	struct axv_vcpu *vcpu;
	struct axv_ucall uc;
	__u64 cmd = 0;
	struct racer r;
	pthread_t t;
	int rc = 0;

	GUEST(loop_irq_guest, 0);
	vcpu = self->vcpu;
	axv_get_vcpu_info(vcpu, &vi);

	memset(&r, 0, sizeof(r));
	r.vcpu = vcpu;
	r.bound_cpu = vi.bound_cpu;
	axv_thread_run(&t, racer_fn, &r);
	while (runs < max_runs && (runs < min_runs || !handled) && !r.error[0]) {
		rc = axv_run(vcpu);
		if (rc)
			break;
		cmd = axv_get_ucall(vcpu, &uc);
		if (cmd != AXV_UCALL_SYNC ||
		    (uc.args[0] != 1 && uc.args[0] != HANDLER_SYNC))
			break;
		if (uc.args[0] == HANDLER_SYNC)
			handled++;
		runs++;
	}
	r.stop = true;
	pthread_join(t, NULL);
	ASSERT_EQ(0, r.error[0]) TH_LOG("racing thread: %s", r.error);
	ASSERT_EQ(0, rc) TH_LOG("RUN %lu: %s", runs, axv_errno_name(-rc));
	ASSERT_EQ(AXV_UCALL_SYNC, cmd)
		TH_LOG("unexpected exit %s (%s)", axv_exit_desc(vcpu->run), uc.msg);
	ASSERT_TRUE(uc.args[0] == 1 || uc.args[0] == HANDLER_SYNC)
		TH_LOG("unexpected GUEST_SYNC(%#llx)",
		       (unsigned long long)uc.args[0]);
	ASSERT_LE(1, handled)
		TH_LOG("%lu RUNs, %lu injections, none delivered",
		       runs, r.injections);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	TH_LOG("%lu RUNs, %lu racing ioctl rounds, %lu injections, %lu handler exits",
	       runs, r.iterations, r.injections, handled);
}

struct injector {
	struct axv_vcpu *vcpu;
	int cpu;		/* where the injecting thread runs */
	int bound_cpu;
	long state_seen;
	long long ipis_before;	/* function-call IPIs of bound_cpu */
	int rc;
};

static void *inject_when_running(void *arg)
{
	struct injector *in = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(in->cpu, &set);
	in->rc = -sched_setaffinity(0, sizeof(set), &set);
	if (in->rc)
		return NULL;
	in->state_seen = axv_wait_state(in->vcpu, AXVCPU_STATE_RUNNING, 20000);
	/* let the guest spin a little inside RUN */
	axv_msleep(20);
	in->ipis_before = axv_call_ipis(in->bound_cpu);
	in->rc = axv_inject(in->vcpu, AXV_GUEST_IRQ_VECTOR);
	return NULL;
}

/*
 * INJECT_INTERRUPT from another CPU while the guest spins inside RUN: the
 * handler runs and RUN returns its SYNC. The host's timer tick would get
 * the interrupt in too, a few milliseconds later, so the module's kick is
 * told from it by the function-call IPI it sends to the vCPU's CPU: in at
 * least 3 of 5 rounds that CPU must have taken one between the injection
 * and the exit (a round without one is an injection that fell between two
 * guest entries, where no kick is needed).
 */
TEST_F_TIMEOUT(run, inject_while_running, 120)
{
	struct axvcpu_vcpu_info vi;
	struct axv_watchdog wd;
	struct axv_vcpu *vcpu;
	struct injector in;
	int round, kicked = 0, i, rc;
	struct axv_ucall uc;
	long long after;
	pthread_t t;

	GUEST(irq_spin_guest, 0);
	vcpu = self->vcpu;
	ASSERT_RUN_SYNC(vcpu, 1);
	axv_get_vcpu_info(vcpu, &vi);

	for (round = 0; round < 5; round++) {
		memset(&in, 0, sizeof(in));
		in.vcpu = vcpu;
		in.bound_cpu = vi.bound_cpu;
		in.cpu = -1;
		for (i = 0; i < axv_nr_test_cpus(); i++)
			if (axv_test_cpu(i) != vi.bound_cpu)
				in.cpu = axv_test_cpu(i);
		ASSERT_LE(0, in.cpu)
			TH_LOG("needs a second test CPU besides the bound CPU %d",
			       vi.bound_cpu);
		axv_thread_run(&t, inject_when_running, &in);
		axv_watchdog_arm(&wd, pthread_self(), 30);
		rc = axv_run(vcpu);
		after = axv_call_ipis(vi.bound_cpu);
		ASSERT_FALSE(axv_watchdog_disarm(&wd))
			TH_LOG("the injected interrupt did not end RUN within 30 s (injector saw %s, INJECT rc %d)",
			       axv_state_name(in.state_seen), in.rc);
		pthread_join(t, NULL);
		ASSERT_EQ(AXVCPU_STATE_RUNNING, in.state_seen)
			TH_LOG("the injecting thread never saw RUNNING");
		ASSERT_EQ(0, in.rc) TH_LOG("INJECT_INTERRUPT during RUN: %s",
					   axv_errno_name(-in.rc));
		ASSERT_EQ(0, rc) TH_LOG("RUN: %s", axv_errno_name(-rc));
		ASSERT_EQ(AXV_UCALL_SYNC, axv_get_ucall(vcpu, &uc))
			TH_LOG("exit %s: expected the handler's SYNC",
			       axv_exit_desc(vcpu->run));
		ASSERT_EQ(HANDLER_SYNC, uc.args[0]);
		ASSERT_EQ(AXV_GUEST_IRQ_SEEN, uc.args[1]);
		ASSERT_LE(0, in.ipis_before) TH_LOG("no function-call IPI count");
		if (after > in.ipis_before)
			kicked++;
	}
	ASSERT_LE(3, kicked)
		TH_LOG("only %d of 5 injections into a running guest sent CPU %d a function-call IPI: no kick, the timer tick delivered them",
		       kicked, vi.bound_cpu);
	TH_LOG("%d of 5 injections kicked CPU %d", kicked, vi.bound_cpu);
}

TEST_F_TIMEOUT(run, halt_in_kernel, 120)
{
	bool handler = false, after = false;
	struct axv_watchdog wd;
	struct axv_vcpu *vcpu;
	struct axv_ucall uc;
	struct kicker k;
	int n, rc;

	AXV_REQUIRE_FEATURE(&self->info, AXVCPU_FEATURE_HALT_IN_KERNEL);
	GUEST(halt_irq_guest, AXVCPU_VCPU_HALT_IN_KERNEL);
	vcpu = self->vcpu;
	ASSERT_RUN_SYNC(vcpu, 1);

	/* the halt waits in the kernel; an injected interrupt wakes it */
	kicker_start(&k, vcpu, AXVCPU_STATE_BLOCKED, 50, AXV_GUEST_IRQ_VECTOR);
	axv_watchdog_arm(&wd, pthread_self(), 40);
	rc = axv_run(vcpu);
	ASSERT_FALSE(axv_watchdog_disarm(&wd))
		TH_LOG("RUN did not return within 40 s of the HLT (kicker saw %s)",
		       axv_state_name(k.state_seen));
	pthread_join(k.thread, NULL);
	ASSERT_EQ(AXVCPU_STATE_BLOCKED, k.state_seen)
		TH_LOG("GET_STATE while the guest halts: expected BLOCKED, got %s",
		       axv_state_name(k.state_seen));
	ASSERT_EQ(0, k.inject_rc) TH_LOG("INJECT_INTERRUPT while BLOCKED: %s",
					 axv_errno_name(-k.inject_rc));
	ASSERT_EQ(0, rc) TH_LOG("RUN: %s", axv_errno_name(-rc));
	ASSERT_EQ(AXV_UCALL_SYNC, axv_get_ucall(vcpu, &uc))
		TH_LOG("exit %s: expected the handler's SYNC",
		       axv_exit_desc(vcpu->run));
	ASSERT_EQ(HANDLER_SYNC, uc.args[0]) TH_LOG("SYNC from the handler");
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	/* back from the handler to after the halt */
	ASSERT_RUN_SYNC(vcpu, 2);

	/* the second HLT: a signal ends the wait with EINTR */
	kicker_start(&k, vcpu, AXVCPU_STATE_BLOCKED, 50, -1);
	axv_watchdog_arm(&wd, pthread_self(), 40);
	rc = axv_run(vcpu);
	/* the EINTR must be the kicker's signal, not the watchdog's */
	ASSERT_FALSE(axv_watchdog_disarm(&wd))
		TH_LOG("the kicker's signal did not end the in-kernel HALT within 40 s");
	pthread_join(k.thread, NULL);
	ASSERT_EQ(AXVCPU_STATE_BLOCKED, k.state_seen);
	ASSERT_EQ(-EINTR, rc)
		TH_LOG("signal during the in-kernel HALT: expected EINTR, got %s (exit %s)",
		       axv_errno_name(-rc), axv_exit_desc(vcpu->run));
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_NOTHING);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);

	/*
	 * An interrupt gets the guest going again: the handler reports it
	 * and the guest reaches the code after the second HLT (in either
	 * order, depending on whether the interrupted wait goes on).
	 */
	ASSERT_EQ(0, axv_inject(vcpu, AXV_GUEST_IRQ_VECTOR));
	axv_watchdog_arm(&wd, pthread_self(), 40);
	for (n = 0; n < 3 && !(handler && after); n++) {
		rc = axv_run(vcpu);
		if (rc || axv_get_ucall(vcpu, &uc) != AXV_UCALL_SYNC)
			break;
		if (uc.args[0] == HANDLER_SYNC)
			handler = true;
		else if (uc.args[0] == 3)
			after = true;
		else
			break;
	}
	ASSERT_FALSE(axv_watchdog_disarm(&wd))
		TH_LOG("RUN after the interrupted HALT did not return within 40 s");
	ASSERT_EQ(0, rc) TH_LOG("RUN: %s", axv_errno_name(-rc));
	ASSERT_TRUE(handler && after)
		TH_LOG("after injecting: handler SYNC %s, code after the halt %s; last exit %s",
		       handler ? "seen" : "missing",
		       after ? "reached" : "not reached",
		       axv_exit_desc(vcpu->run));
}

TEST_F_TIMEOUT(run, exit_on_host_interrupt, 90)
{
	struct axv_watchdog wd;
	struct axv_vcpu *vcpu;
	int i, rc;

	AXV_REQUIRE_FEATURE(&self->info, AXVCPU_FEATURE_EXIT_ON_HOST_INTR);
	if (axv_lane_quirk("guest_masks_host_intr"))
		SKIP(return, "the emulator masks host interrupts while the guest runs with IF clear (AXVCPU_QUIRKS; reliability.rst, Emulator bugs)");
	GUEST(pure_spin_guest, AXVCPU_VCPU_EXIT_ON_HOST_INTR);
	vcpu = self->vcpu;

	for (i = 0; i < 3; i++) {
		/* the timer tick of the bound CPU comes within milliseconds */
		axv_watchdog_arm(&wd, pthread_self(), 20);
		rc = axv_run(vcpu);
		ASSERT_FALSE(axv_watchdog_disarm(&wd))
			TH_LOG("no EXTERNAL_INTERRUPT exit within 20 s");
		ASSERT_EQ(0, rc) TH_LOG("RUN %d: %s", i, axv_errno_name(-rc));
		ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_EXTERNAL_INTERRUPT);
		if (self->info.arch == AXVCPU_ARCH_X86_SVM)
			ASSERT_RUN_FIELD(vcpu, "external_interrupt.vector (SVM: 0)",
					 0, vcpu->run->external_interrupt.vector);
		ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	}
}

TEST_HARNESS_MAIN
