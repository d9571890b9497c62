// SPDX-License-Identifier: GPL-2.0
/*
 * run_test: AXVCPU_RUN's kicks and signals (Documentation/api.rst, "Kicks
 * and signals"): a signal ends RUN with EINTR and EXIT_NOTHING, the vCPU
 * stays READY; immediate_exit; ioctls racing with RUN from another thread;
 * the in-kernel HALT wait (BLOCKED) woken by an injected interrupt or a
 * signal; EXIT_ON_HOST_INTR; immediate_exit set by a signal handler.
 */
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

#if defined(__x86_64__)
/* One OUT, then spin forever. */
X86_GUEST(spin_guest, ".code32",
	"mov $1, %al\n\t"
	"out %al, $0x10\n\t"
	"spin_here:\n\t"
	"jmp spin_here\n\t");
X86_GUEST_LABEL(spin_here);

/* OUT in a loop with interrupts on; vector 0x40 reports on port 0x40. */
X86_GUEST(loop_irq_guest, ".code32",
	"mov $" __stringify(X86_STACK_TOP) ", %esp\n\t"
	"lidt " __stringify(X86_IDTR_GPA) "\n\t"
	"sti\n\t"
	"1: out %al, $0x10\n\t"
	"inc %eax\n\t"
	"jmp 1b\n\t"
	"loop_irq_handler:\n\t"
	"push %eax\n\t"
	"mov $0x40, %al\n\t"
	"out %al, $0x40\n\t"
	"pop %eax\n\t"
	"iret\n\t");
X86_GUEST_LABEL(loop_irq_handler);

/* HLT with interrupts on, twice. */
X86_GUEST(halt_irq_guest, ".code32",
	"mov $" __stringify(X86_STACK_TOP) ", %esp\n\t"
	"lidt " __stringify(X86_IDTR_GPA) "\n\t"
	"mov $1, %al\n\t"
	"out %al, $0x11\n\t"
	"sti\n\t"
	"hlt\n\t"
	"mov $2, %al\n\t"
	"out %al, $0x12\n\t"
	"hlt\n\t"
	"mov $3, %al\n\t"
	"out %al, $0x12\n\t"
	"hlt\n\t"
	"halt_irq_handler:\n\t"
	"push %eax\n\t"
	"mov $0x40, %al\n\t"
	"out %al, $0x40\n\t"
	"pop %eax\n\t"
	"iret\n\t");
X86_GUEST_LABEL(halt_irq_handler);

/* Spin from the first instruction. */
X86_GUEST(pure_spin_guest, ".code32",
	"1: jmp 1b\n\t");

/* Counts in EBX: how far it ran tells whether RUN entered it. */
X86_GUEST(count_spin_guest, ".code32",
	"xor %ebx, %ebx\n\t"
	"1: inc %ebx\n\t"
	"jmp 1b\n\t");
#endif

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

#if defined(__x86_64__)
#define GUEST(name, flags)	X86_FIXTURE_GUEST(name, flags)
#else
#define GUEST(name, flags)						\
	SKIP(return, "no guest code for this architecture")
#endif

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
	int inject_vector;	/* inject this instead of signalling if nonzero */
	int inject_rc;
	int sig;		/* the signal sent (SIGUSR1 if 0) */
};

static void *kicker_fn(void *arg)
{
	struct kicker *k = arg;

	k->state_seen = axv_wait_state(k->vcpu, k->wait_state, 20000);
	axv_msleep(k->delay_ms);
	if (k->inject_vector)
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
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 1);

	for (i = 0; i < 2; i++) {
		kicker_start(&k, vcpu, AXVCPU_STATE_RUNNING, 100, 0);
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
		ASSERT_EQ(X86_GUEST_GPA(spin_guest, spin_here), axv_vcpu_rip(vcpu))
			TH_LOG("RIP after EINTR: expected the spin loop");
	}
}

TEST_F(run, immediate_exit)
{
	struct axv_vcpu *vcpu;
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
	ASSERT_EQ(X86_CODE_GPA, axv_vcpu_rip(vcpu))
		TH_LOG("immediate_exit: the guest was entered");
	ASSERT_EQ(1, vcpu->run->immediate_exit)
		TH_LOG("the kernel cleared immediate_exit");
	/* again: it stays set until user space clears it */
	ASSERT_EQ(-EINTR, axv_run(vcpu));
	ASSERT_EQ(X86_CODE_GPA, axv_vcpu_rip(vcpu));

	vcpu->run->immediate_exit = 0;
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 1, 1);

	/* after an exit, before the guest goes on */
	vcpu->run->immediate_exit = 1;
	ASSERT_EQ(-EINTR, axv_run(vcpu));
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_NOTHING);
	ASSERT_EQ(X86_GUEST_GPA(spin_guest, spin_here), axv_vcpu_rip(vcpu));
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

	kicker_start(&k, vcpu, AXVCPU_STATE_RUNNING, 100, 0);
	k.sig = SIGUSR2;	/* read by the kicker after its 100 ms */
	rc = axv_run(vcpu);
	pthread_join(k.thread, NULL);
	ASSERT_EQ(-EINTR, rc) TH_LOG("RUN: %s", axv_errno_name(-rc));
	ASSERT_EQ(1, vcpu->run->immediate_exit) TH_LOG("the handler did not run");
	count = axv_get_gpr(vcpu, X86_RBX);
	ASSERT_LT(0, count) TH_LOG("the guest never ran before the signal");
	ASSERT_EQ(-EINTR, axv_run(vcpu));
	ASSERT_EQ(-EINTR, axv_run(vcpu));
	ASSERT_EQ(count, axv_get_gpr(vcpu, X86_RBX))
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
	__u64 expect_r15 = 0;
	long st;

	while (!r->stop && !r->error[0]) {
		memset(&g, 0, sizeof(g));
		g.reg = X86_R15;
		if (ioctl(r->vcpu->fd, AXVCPU_GET_GPR, &g))
			snprintf(r->error, sizeof(r->error), "GET_GPR: %s",
				 axv_errno_name(errno));
		else if (g.value != expect_r15)
			snprintf(r->error, sizeof(r->error),
				 "GET_GPR R15: expected %#llx, got %#llx",
				 (unsigned long long)expect_r15,
				 (unsigned long long)g.value);
		g.value = ++expect_r15;
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
			int rc = axv_inject(r->vcpu, 0x40);

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
	unsigned long runs = 0, port40 = 0;
	struct axvcpu_vcpu_info vi;
	struct axv_vcpu *vcpu;
	struct racer r;
	pthread_t t;
	int rc;

	GUEST(loop_irq_guest, 0);
	vcpu = self->vcpu;
	x86_idt_set_gate(&self->vm, 0x40,
			 X86_GUEST_GPA(loop_irq_guest, loop_irq_handler));
	axv_get_vcpu_info(vcpu, &vi);

	memset(&r, 0, sizeof(r));
	r.vcpu = vcpu;
	r.bound_cpu = vi.bound_cpu;
	axv_thread_run(&t, racer_fn, &r);
	while (runs < max_runs && (runs < min_runs || !port40) && !r.error[0]) {
		rc = axv_run(vcpu);
		if (rc || vcpu->run->exit_reason != AXVCPU_EXIT_IO_WRITE ||
		    (vcpu->run->io.port != 0x10 && vcpu->run->io.port != 0x40))
			break;
		if (vcpu->run->io.port == 0x40)
			port40++;
		runs++;
	}
	r.stop = true;
	pthread_join(t, NULL);
	ASSERT_EQ(0, r.error[0]) TH_LOG("racing thread: %s", r.error);
	ASSERT_EQ(0, rc) TH_LOG("RUN %lu: %s", runs, axv_errno_name(-rc));
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_TRUE(vcpu->run->io.port == 0x10 || vcpu->run->io.port == 0x40)
		TH_LOG("unexpected exit %s", axv_exit_desc(vcpu->run));
	ASSERT_LE(1, port40)
		TH_LOG("%lu RUNs, %lu injections of 0x40, none delivered",
		       runs, r.injections);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	TH_LOG("%lu RUNs, %lu racing ioctl rounds, %lu injections, %lu handler exits",
	       runs, r.iterations, r.injections, port40);
}

TEST_F_TIMEOUT(run, halt_in_kernel, 120)
{
	bool handler = false, after = false;
	struct axv_watchdog wd;
	struct axv_vcpu *vcpu;
	struct kicker k;
	int n, rc;

	AXV_REQUIRE_FEATURE(&self->info, AXVCPU_FEATURE_HALT_IN_KERNEL);
	GUEST(halt_irq_guest, AXVCPU_VCPU_HALT_IN_KERNEL);
	vcpu = self->vcpu;
	x86_idt_set_gate(&self->vm, 0x40,
			 X86_GUEST_GPA(halt_irq_guest, halt_irq_handler));
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 1, 1);

	/* HLT waits in the kernel; an injected interrupt wakes it */
	kicker_start(&k, vcpu, AXVCPU_STATE_BLOCKED, 50, 0x40);
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
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_RUN_FIELD(vcpu, "io.port (the handler)", 0x40, vcpu->run->io.port);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	/* IRET back to after the HLT */
	ASSERT_RUN_IO_WRITE(vcpu, 0x12, 1, 2);

	/* the second HLT: a signal ends the wait with EINTR */
	kicker_start(&k, vcpu, AXVCPU_STATE_BLOCKED, 50, 0);
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
	ASSERT_EQ(0, axv_inject(vcpu, 0x40));
	axv_watchdog_arm(&wd, pthread_self(), 40);
	for (n = 0; n < 3 && !(handler && after); n++) {
		rc = axv_run(vcpu);
		if (rc || vcpu->run->exit_reason != AXVCPU_EXIT_IO_WRITE)
			break;
		if (vcpu->run->io.port == 0x40)
			handler = true;
		else if (vcpu->run->io.port == 0x12 && vcpu->run->io.data == 3)
			after = true;
		else
			break;
	}
	ASSERT_FALSE(axv_watchdog_disarm(&wd))
		TH_LOG("RUN after the interrupted HALT did not return within 40 s");
	ASSERT_EQ(0, rc) TH_LOG("RUN: %s", axv_errno_name(-rc));
	ASSERT_TRUE(handler && after)
		TH_LOG("after injecting 0x40: handler exit %s, code after HLT %s; last exit %s",
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
