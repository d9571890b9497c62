// SPDX-License-Identifier: GPL-2.0
/*
 * The code the lifecycle torture programs share (torture.h): the seeded
 * randomness, the children and their board, the guests and the state a
 * test checks at its end. Linked into the torture_*_test programs only.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "torture.h"

_Static_assert(TOR_SLOT_SIZE <= TOR_EXTRA_GPA - TOR_GPA,
	       "TOR_SLOT overlaps TOR_EXTRA_GPA");

/* ---- seeded randomness ------------------------------------------------ */

__u64 torture_seed;

static void __attribute__((constructor)) torture_seed_init(void)
{
	torture_seed = axv_seed();
}

__u64 tor_next(struct tor_rng *r)
{
	return axv_rand64(&r->s);
}

unsigned int tor_range(struct tor_rng *r, unsigned int lo, unsigned int hi)
{
	return lo + tor_next(r) % (hi - lo + 1);
}

void tor_seed(struct tor_rng *r, __u64 seed, const char *name)
{
	__u64 h = 0xcbf29ce484222325ULL;	/* FNV-1a of the test's name */

	while (*name)
		h = (h ^ (unsigned char)*name++) * 0x100000001b3ULL;
	r->s = seed ^ h;
}

void tor_shuffle(struct tor_rng *r, unsigned int *out, unsigned int n)
{
	unsigned int i, j, t;

	for (i = 0; i < n; i++)
		out[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = tor_range(r, 0, i);
		t = out[i];
		out[i] = out[j];
		out[j] = t;
	}
}

unsigned int iterations(unsigned int def)
{
	const char *v = getenv("AXVCPU_TORTURE_ITERS");

	return v && *v ? strtoul(v, NULL, 0) : def;
}

/* ---- guests ------------------------------------------------------------ */

void busy_guest(volatile __u64 *count)
{
	for (;;)
		++*count;
}

void loop_guest(volatile __u64 *count)
{
	__u64 v;

	for (;;) {
		v = ++*count;
		if (!(v % LOOP_STEP))
			GUEST_SYNC(v);
	}
}

void halt_guest(void)
{
	for (;;)
		guest_halt();
}

void hello_guest(void)
{
	GUEST_SYNC(HELLO_DATA);
	/*
	 * WFI may complete without trapping when the CPU has work pending
	 * (Arm ARM: HCR_EL2.TWI traps only a WFI that would wait; QEMU checks
	 * for a pending interrupt first), as happens under CPU hotplug: halt
	 * again, so that the next exit is still the halt.
	 */
	for (;;)
		guest_halt();
}

void *counters_create(void)
{
	void *mem = mmap(NULL, TOR_SLOT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	AXV_REQUIRE(mem != MAP_FAILED, "mmap the counters");
	return mem;
}

void counters_destroy(void *counters)
{
	munmap(counters, TOR_SLOT_SIZE);
}

__u64 counter(void *counters, unsigned int i)
{
	return LOAD(*(__u64 *)((char *)counters + COUNTER_GPA(i) - TOR_GPA));
}

void counters_clear(void *counters)
{
	memset(counters, 0, COUNTER_GPA(MAX_COUNTERS) - TOR_GPA);
}

void *tor_vm_create(struct axv_vm *vm, void *counters)
{
	axv_guest_vm_create(vm);
	return axv_mem_add(vm, TOR_SLOT, TOR_GPA, TOR_SLOT_SIZE, 0, counters);
}

void tor_guest_start(struct axv_vcpu *vcpu, unsigned int idx,
		     void (*guest)(void))
{
	AXV_REQUIRE(idx < MAX_COUNTERS, "guest index %u", idx);
	axv_guest_vcpu_start(vcpu, guest, TOR_STACK_TOP(idx));
	axv_guest_args(vcpu, 1, (__u64)COUNTER_GPA(idx));
}

struct axv_vcpu *guest_vcpu(struct axv_vm *vm, __u32 id, unsigned int idx,
			    __u32 flags, __u32 favor, void (*guest)(void))
{
	struct axvcpu_create_vcpu args = {
		.vcpu_id = id,
		.favor_phys_cpu = favor,
		.flags = flags,
	};
	struct axv_vcpu *vcpu = axv_vcpu_create_args(vm, &args);

	tor_guest_start(vcpu, idx, guest);
	return vcpu;
}

bool loop_exit_ok(struct axv_vcpu *vcpu, int rc, __u64 last, char *why,
		  size_t len)
{
	struct axv_ucall uc = { 0 };
	__u64 cmd = rc ? AXV_UCALL_NONE : axv_get_ucall(vcpu, &uc);

	if (cmd == AXV_UCALL_SYNC && uc.args[0] == last + LOOP_STEP)
		return true;
	if (cmd == AXV_UCALL_ABORT)
		snprintf(why, len, "expected GUEST_SYNC(%#llx), got a guest abort: %s",
			 (unsigned long long)last + LOOP_STEP, uc.msg);
	else if (cmd == AXV_UCALL_SYNC)
		snprintf(why, len, "expected GUEST_SYNC(%#llx), got GUEST_SYNC(%#llx)",
			 (unsigned long long)last + LOOP_STEP,
			 (unsigned long long)uc.args[0]);
	else
		snprintf(why, len, "expected GUEST_SYNC(%#llx), got %s / %s",
			 (unsigned long long)last + LOOP_STEP,
			 axv_errno_name(-rc), axv_exit_desc(vcpu->run));
	return false;
}

bool hello_runs(__u32 favor, char *why, size_t len)
{
	struct axvcpu_create_vcpu args = { .favor_phys_cpu = favor };
	struct axv_vcpu *vcpu;
	struct axv_ucall uc;
	struct axv_vm vm;
	bool ok = false;
	int rc;

	axv_guest_vm_create(&vm);
	vcpu = axv_vcpu_create_args(&vm, &args);
	axv_guest_vcpu_restart(vcpu, hello_guest);
	if (ioctl(vcpu->fd, AXVCPU_BIND, 0)) {
		snprintf(why, len, "BIND: %s", axv_errno_name(errno));
		goto out;
	}
	rc = axv_run(vcpu);
	if (rc || axv_get_ucall(vcpu, &uc) != AXV_UCALL_SYNC ||
	    uc.args[0] != HELLO_DATA) {
		snprintf(why, len, "first RUN: %s / %s, expected GUEST_SYNC(%#x)",
			 axv_errno_name(-rc), axv_exit_desc(vcpu->run),
			 HELLO_DATA);
		goto unbind;
	}
	rc = axv_run(vcpu);
	if (rc || vcpu->run->exit_reason != AXVCPU_EXIT_HALT) {
		snprintf(why, len, "second RUN: %s / %s, expected the halt",
			 axv_errno_name(-rc), axv_exit_desc(vcpu->run));
		goto unbind;
	}
	ok = true;
unbind:
	ioctl(vcpu->fd, AXVCPU_UNBIND, 0);
out:
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
	return ok;
}

/* ---- children ---------------------------------------------------------- */

struct tor_board *board_create(void)
{
	struct tor_board *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	AXV_REQUIRE(b != MAP_FAILED, "mmap the board");
	return b;
}

void board_destroy(struct tor_board *b)
{
	munmap(b, sizeof(*b));
}

bool board_ready(void *arg)
{
	return LOAD(((struct tor_board *)arg)->ready);
}

void child_fail(struct tor_board *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->error, sizeof(b->error), fmt, ap);
	va_end(ap);
	_exit(CHILD_FAILED);
}

pid_t tor_fork(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	return pid;
}

const char *child_status(int status, const struct tor_board *b)
{
	static char buf[640];

	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exited with status %d%s%s",
			 WEXITSTATUS(status), b->error[0] ? ": " : "",
			 b->error);
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by signal %d (%s)%s%s",
			 WTERMSIG(status), strsignal(WTERMSIG(status)),
			 b->error[0] ? ": " : "", b->error);
	else
		snprintf(buf, sizeof(buf), "status %#x", status);
	return buf;
}

/* ---- a test's state ---------------------------------------------------- */

void tor_state_init(struct tor_state *ts, const char *name)
{
	memset(ts, 0, sizeof(*ts));
	axv_read_info(&ts->info);
	tor_seed(&ts->rng, torture_seed, name);
	sched_getaffinity(0, sizeof(ts->affinity), &ts->affinity);
	ts->pins_start = axv_pinned_pages();
	ts->vmlck_start = axv_vmlck_kb();
	/* the previous test's process may still be letting go */
	ts->refcnt_start = axv_poll_value(axv_module_refcnt, 0, 2000);
}

void tor_state_fini(struct tor_state *ts)
{
	if (ts->child > 0) {
		kill(ts->child, SIGKILL);
		waitpid(ts->child, NULL, 0);
	}
	if (ts->hp_offline)
		axv_set_cpu_online(ts->hp_cpu, true);
}

int wait_child_cond(struct tor_state *ts, int *status,
		    bool (*cond)(void *), void *arg, int ms)
{
	for (;;) {
		if (cond(arg))
			return 1;
		if (waitpid(ts->child, status, WNOHANG) == ts->child) {
			ts->child = 0;
			return -1;
		}
		if (ms <= 0)
			return 0;
		axv_msleep(2);
		ms -= 2;
	}
}
