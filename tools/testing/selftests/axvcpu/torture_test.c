// SPDX-License-Identifier: GPL-2.0
/*
 * torture_test: the lifecycle under abuse, tens of times each, with random
 * choices and delays from one printed seed (AXVCPU_TORTURE_SEED replays the
 * choices; the timing is the machine's):
 *
 * - a child killed with SIGKILL while several vCPU threads are inside RUN,
 *   while it adds and deletes a 64 MiB memory region, and while it creates
 *   and closes VMs and vCPUs;
 * - a child calling _exit() without closing anything, with vCPUs in every
 *   state (CREATED, FREE, READY, READY bound to a thread that is gone,
 *   RUNNING in another thread, BLOCKED in an in-kernel HLT, INVALID) and
 *   VM fds holding memory regions;
 * - the fds of a VM created by this process held only by a child, which
 *   exits or is killed;
 * - the second test CPU (axv_test_cpu(1), CPU 1 by default) going offline
 *   and online again and again while vCPU threads run
 *   a guest, rebind, and VMs are created and run.
 *
 * After every iteration the pinned pages (nr_foll_pin_*), this process's
 * VmLck and the module's use count (/sys/module/axvcpu/refcnt) must come
 * back to where they were: a killed process's fds are released
 * asynchronously, so they are polled. The kernel's own checks (KASAN,
 * lockdep, kmemleak in the debug lane) and the runner's splat gate do the
 * rest. The unload/reload torture is in module_test.c.
 *
 * AXVCPU_TORTURE_ITERS overrides every test's iteration count.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"
/* last: the headers above use the GCC attribute of that name */
#include <stdnoreturn.h>

#define __constructor		__attribute__((constructor))
/* Variables one thread or process writes while another reads them. */
#define LOAD(x)			__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v)		__atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

/* Guest code in the 1 MiB standard layout (axvcpu_x86.h). */
#define BUSY_GPA	0x1000
#define LOOP_GPA	0x1100
#define HALT_GPA	0x1200
#define HELLO_GPA	0x1300
/* vCPU i counts at COUNTER_GPA(i): one cache line each */
#define COUNTER_GPA(i)	(X86_DATA_GPA + (i) * 64)
#define MAX_COUNTERS	16
/* The loop guest exits every LOOP_STEP increments. */
#define LOOP_STEP	256
#define LOOP_PORT	0x10
#define HELLO_PORT	0x10
#define HELLO_DATA	0x5a
/* Where the large region of kill_during_memory_setup goes. */
#define BIG_GPA		0x10000000ULL
#define BIG_SIZE	(64 * AXV_MiB)
#define EXTRA_GPA	0x1000000ULL

/* Deadlines for things that should take milliseconds (the debug lane is slow). */
#define RELEASE_MS	30000
#define PROGRESS_MS	60000
/* A thread told to stop has this long to leave RUN on its own. */
#define STOP_GRACE_MS	20000

/* A child's exit status when it found an error (written to the board). */
#define CHILD_FAILED	3

#if defined(__x86_64__)
/* Count at (%ebx) forever, without exits. */
X86_GUEST(busy_guest, ".code32",
	  "1: incl (%ebx)\n\t"
	  "jmp 1b\n\t");

/* Count at (%ebx); every LOOP_STEP increments report the count on LOOP_PORT. */
X86_GUEST(loop_guest, ".code32",
	  "1: incl (%ebx)\n\t"
	  "mov (%ebx), %eax\n\t"
	  "test $" __stringify(LOOP_STEP - 1) ", %eax\n\t"
	  "jnz 1b\n\t"
	  "out %eax, $" __stringify(LOOP_PORT) "\n\t"
	  "jmp 1b\n\t");

/* HLT forever: with HALT_IN_KERNEL the vCPU waits in RUN, BLOCKED. */
X86_GUEST(halt_guest, ".code32",
	  "1: hlt\n\t"
	  "jmp 1b\n\t");

X86_GUEST(hello_guest, ".code32",
	  "mov $" __stringify(HELLO_DATA) ", %al\n\t"
	  "out %al, $" __stringify(HELLO_PORT) "\n\t"
	  "hlt\n\t");

static void put_guest(void *mem, __u64 gpa, const char *start, const char *end)
{
	memcpy((char *)mem + gpa, start, end - start);
}

/* The GDT and every guest of this file into a 1 MiB guest memory image. */
static bool guests_load(void *mem)
{
	x86_write_flat_gdt((char *)mem + X86_GDT_GPA);
	put_guest(mem, BUSY_GPA, busy_guest_start, busy_guest_end);
	put_guest(mem, LOOP_GPA, loop_guest_start, loop_guest_end);
	put_guest(mem, HALT_GPA, halt_guest_start, halt_guest_end);
	put_guest(mem, HELLO_GPA, hello_guest_start, hello_guest_end);
	return true;
}
#else
static bool guests_load(void *mem)
{
	return false;
}
#endif

/* ---- seeded randomness ------------------------------------------------ */

struct tor_rng {
	__u64 s;
};

static __u64 torture_seed;

static void __constructor torture_seed_init(void)
{
	const char *s = getenv("AXVCPU_TORTURE_SEED");
	struct timespec ts;

	if (s && *s) {
		torture_seed = strtoull(s, NULL, 0);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	torture_seed = (__u64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* splitmix64 */
static __u64 tor_next(struct tor_rng *r)
{
	__u64 z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static unsigned int tor_range(struct tor_rng *r, unsigned int lo,
			      unsigned int hi)
{
	return lo + tor_next(r) % (hi - lo + 1);
}

static void tor_seed(struct tor_rng *r, __u64 seed, const char *name)
{
	__u64 h = 0xcbf29ce484222325ULL;	/* FNV-1a of the test's name */

	while (*name)
		h = (h ^ (unsigned char)*name++) * 0x100000001b3ULL;
	r->s = seed ^ h;
}

/* A random permutation of 0..n-1 in @out. */
static void tor_shuffle(struct tor_rng *r, unsigned int *out, unsigned int n)
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

static unsigned int iterations(unsigned int def)
{
	const char *v = getenv("AXVCPU_TORTURE_ITERS");

	return v && *v ? strtoul(v, NULL, 0) : def;
}

/* ---- children ---------------------------------------------------------- */

/*
 * A page shared with a child: how far it got and what went wrong. The
 * child writes, the parent reads (and resets it before each fork).
 */
struct tor_board {
	int ready;		/* LOAD/STORE */
	int phase;		/* LOAD/STORE */
	int go;			/* LOAD/STORE */
	unsigned long cycles;	/* LOAD/STORE */
	long long add_us;	/* LOAD/STORE: the last add took this long */
	long long delete_us;	/* LOAD/STORE */
	long states[16];	/* written before ready */
	long results[16];	/* written before ready */
	char error[512];	/* written before the child exits */
};

enum { PHASE_USER, PHASE_ADD, PHASE_DELETE, NR_PHASES };

static struct tor_board *board_create(void)
{
	struct tor_board *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	AXV_REQUIRE(b != MAP_FAILED, "mmap the board");
	return b;
}

/* In a child: say what went wrong on the board, and exit. */
static noreturn void
child_fail(struct tor_board *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->error, sizeof(b->error), fmt, ap);
	va_end(ap);
	_exit(CHILD_FAILED);
}

/* A child dies with its parent (the test process), whatever happens. */
static pid_t tor_fork(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	return pid;
}

static const char *child_status(int status, const struct tor_board *b)
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

/* The guest memory image, shared with children (MAP_SHARED). */
static void *guest_mem_create(void)
{
	void *mem = mmap(NULL, X86_MEM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	AXV_REQUIRE(mem != MAP_FAILED, "mmap guest memory");
	guests_load(mem);
	return mem;
}

/* The count of the guest of vCPU @i, which the guest changes as we read. */
static __u32 counter(void *mem, unsigned int i)
{
	return LOAD(*(__u32 *)((char *)mem + COUNTER_GPA(i)));
}

static void counters_clear(void *mem)
{
	memset((char *)mem + COUNTER_GPA(0), 0, COUNTER_GPA(MAX_COUNTERS) - COUNTER_GPA(0));
}

/* A vCPU set up at @entry counting at COUNTER_GPA(@idx), favouring @favor. */
static struct axv_vcpu *guest_vcpu(struct axv_vm *vm, __u32 id,
				   unsigned int idx, __u32 flags, __u32 favor,
				   __u64 entry)
{
	struct axvcpu_create_vcpu args = {
		.vcpu_id = id,
		.favor_phys_cpu = favor,
		.flags = flags,
	};
	struct axv_vcpu *vcpu = axv_vcpu_create_args(vm, &args);

	axv_vcpu_setup(vcpu, entry, AXVCPU_X86_MODE_FLAT32);
	axv_set_gpr(vcpu, X86_RBX, COUNTER_GPA(idx));
	return vcpu;
}

/* ---- the fixture ------------------------------------------------------- */

/* A test's state, for the helpers below. */
struct tor_state {
	struct axvcpu_info info;
	struct tor_rng rng;
	long long pins_start;
	long long vmlck_start;
	long long refcnt_start;
	pid_t child;		/* killed and reaped by the teardown */
	int hp_cpu;		/* the CPU cpu_hotplug_while_running takes offline */
	bool hp_offline;	/* brought back by the teardown */
	cpu_set_t affinity;
};

FIXTURE(torture)
{
	struct tor_state t;
};

FIXTURE_SETUP(torture)
{
	struct tor_state *ts = &self->t;

	axv_read_info(&ts->info);
	tor_seed(&ts->rng, torture_seed, _metadata->name);
	TH_LOG("seed %llu (AXVCPU_TORTURE_SEED=%llu repeats these choices)",
	       (unsigned long long)torture_seed,
	       (unsigned long long)torture_seed);
	sched_getaffinity(0, sizeof(ts->affinity), &ts->affinity);
	ts->pins_start = axv_pinned_pages();
	ts->vmlck_start = axv_vmlck_kb();
	/* the previous test's process may still be letting go */
	ts->refcnt_start = axv_poll_value(axv_module_refcnt, 0, 2000);
}

FIXTURE_TEARDOWN(torture)
{
	struct tor_state *ts = &self->t;

	if (ts->child > 0) {
		kill(ts->child, SIGKILL);
		waitpid(ts->child, NULL, 0);
	}
	if (ts->hp_offline)
		axv_set_cpu_online(ts->hp_cpu, true);
}

/*
 * Pinned pages, VmLck and the module's use count are back at their start
 * values (polled: a killed process lets go of its fds asynchronously).
 */
static void assert_released(struct __test_metadata *_metadata,
			    struct tor_state *ts, const char *what,
			    unsigned int it)
{
	long long v;

	v = axv_poll_value(axv_pinned_pages, ts->pins_start, RELEASE_MS);
	ASSERT_EQ(ts->pins_start, v)
		TH_LOG("%s, iteration %u: %lld pages still pinned %d s later",
		       what, it, v - ts->pins_start, RELEASE_MS / 1000);
	v = axv_poll_value(axv_module_refcnt, ts->refcnt_start, RELEASE_MS);
	ASSERT_EQ(ts->refcnt_start, v)
		TH_LOG("%s, iteration %u: module use count %lld, %lld at the start",
		       what, it, v, ts->refcnt_start);
	v = axv_poll_value(axv_vmlck_kb, ts->vmlck_start, RELEASE_MS);
	ASSERT_EQ(ts->vmlck_start, v)
		TH_LOG("%s, iteration %u: VmLck %lld kB, %lld kB at the start",
		       what, it, v, ts->vmlck_start);
}

/* Why this file's guests cannot run here, or NULL when they can. */
static const char *no_guests(const struct axvcpu_info *info)
{
	static char why[128];

#if defined(__x86_64__)
	if (axv_arch_is_x86(info->arch))
		return NULL;
	snprintf(why, sizeof(why), "x86 guest code only; backend is %s",
		 axv_arch_name(info->arch));
#else
	snprintf(why, sizeof(why), "no guest code for this architecture");
#endif
	return why;
}

/*
 * Wait until @cond(@arg) holds, the child exits (then *@status is set,
 * ts->child cleared) or @ms pass. Returns 1, -1 or 0.
 */
static int wait_child_cond(struct tor_state *ts, int *status,
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

/*
 * What wait_child_cond() returned as @rc must be 1: the child did not end
 * (@status then says how it did) and the condition held in time (else the
 * message @fmt, ... says what did not happen).
 */
static void assert_child_waited(struct __test_metadata *_metadata, int rc,
				const int *status, const struct tor_board *b,
				unsigned int it, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ASSERT_NE(-1, rc)
		TH_LOG("iteration %u: the child ended: %s", it,
		       child_status(*status, b));
	ASSERT_EQ(1, rc)
		TH_LOG("iteration %u: %s", it, what);
}

static bool board_ready(void *arg)
{
	return LOAD(((struct tor_board *)arg)->ready);
}

/* Kill the child with SIGKILL and reap it: it must not have died before. */
static void kill_child(struct __test_metadata *_metadata,
		       struct tor_state *ts, struct tor_board *b,
		       const char *what, unsigned int it)
{
	int status = 0;
	bool gone = waitpid(ts->child, &status, WNOHANG) == ts->child;

	if (!gone) {
		kill(ts->child, SIGKILL);
		waitpid(ts->child, &status, 0);
	}
	ts->child = 0;
	ASSERT_FALSE(gone)
		TH_LOG("%s, iteration %u: the child ended before the kill: %s",
		       what, it, child_status(status, b));
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("%s, iteration %u: child %s", what, it,
		       child_status(status, b));
}

/* The device still works: a new VM runs the hello guest to its exits. */
static void assert_hello_runs(struct __test_metadata *_metadata,
			      struct tor_state *ts)
{
	struct axv_vcpu *vcpu;
	struct axv_vm vm;
	void *mem;

	if (!axv_arch_is_x86(ts->info.arch))
		return;
	axv_vm_create(&vm);
	mem = axv_mem_add(&vm, 0, 0, X86_MEM_SIZE, 0, NULL);
	if (guests_load(mem)) {
		vcpu = guest_vcpu(&vm, 0, 0, 0, 0, HELLO_GPA);
		axv_vcpu_bind(vcpu);
		ASSERT_RUN_IO_WRITE(vcpu, HELLO_PORT, 1, HELLO_DATA);
		ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
		axv_vcpu_unbind(vcpu);
		axv_vcpu_close(vcpu);
	}
	axv_vm_close(&vm);
}

/* ---- kill -9 during RUN ------------------------------------------------ */

/* A thread of a child running one of its vCPUs; it reports errors on @b. */
struct child_thread {
	pthread_t thread;
	struct axv_vcpu *vcpu;
	struct tor_board *b;
	bool exits;		/* run_child_thread(): the guest exits */
	bool run;		/* role_thread_fn(): RUN after BIND */
};

static void *run_child_thread(void *arg)
{
	struct child_thread *t = arg;
	struct axv_vcpu *vcpu = t->vcpu;
	__u64 last = 0;
	int rc;

	if (ioctl(vcpu->fd, AXVCPU_BIND, 0))
		child_fail(t->b, "vCPU %u: BIND: %s", vcpu->id,
			   axv_errno_name(errno));
	for (;;) {
		rc = axv_run(vcpu);
		if (!t->exits)
			child_fail(t->b, "vCPU %u: the exit-less guest came back: %s / %s",
				   vcpu->id, axv_errno_name(-rc),
				   axv_exit_desc(vcpu->run));
		if (rc || vcpu->run->exit_reason != AXVCPU_EXIT_IO_WRITE ||
		    vcpu->run->io.port != LOOP_PORT ||
		    vcpu->run->io.data != last + LOOP_STEP)
			child_fail(t->b, "vCPU %u: expected OUT %#llx to port %#x, got %s / %s",
				   vcpu->id, (unsigned long long)last + LOOP_STEP,
				   LOOP_PORT, axv_errno_name(-rc),
				   axv_exit_desc(vcpu->run));
		last += LOOP_STEP;
	}
	return NULL;
}

static noreturn void
run_child(struct tor_board *b, void *mem, unsigned int nvcpus,
	  unsigned int exit_mask)
{
	struct child_thread t[MAX_COUNTERS];
	struct axv_vm vm;
	unsigned int i;

	axv_vm_create(&vm);
	axv_mem_add(&vm, 0, 0, X86_MEM_SIZE, 0, mem);
	for (i = 0; i < nvcpus; i++) {
		t[i].exits = exit_mask & (1U << i);
		t[i].b = b;
		t[i].vcpu = guest_vcpu(&vm, i, i, 0, axv_test_cpu(i),
				       t[i].exits ? LOOP_GPA : BUSY_GPA);
		axv_thread_run(&t[i].thread, run_child_thread, &t[i]);
	}
	STORE(b->ready, 1);
	for (;;)
		pause();
}

struct counters_arg {
	void *mem;
	unsigned int n;
};

static bool counters_running(void *arg)
{
	struct counters_arg *c = arg;
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (counter(c->mem, i) == 0)
			return false;
	return true;
}

/*
 * A child with 2-4 vCPU threads inside RUN (some guests never exit, some
 * exit every LOOP_STEP increments, so that a thread may also be between
 * two RUNs) is killed at a random moment once every guest counts.
 */
TEST_F_TIMEOUT(torture, kill_during_run, 600)
{
	struct tor_state *ts = &self->t;
	unsigned int n = iterations(20);
	unsigned int it, vcpus_total = 0;
	struct counters_arg ca;
	struct tor_board *b;
	int status, rc;
	void *mem;

	if (no_guests(&ts->info))
		SKIP(return, "%s", no_guests(&ts->info));
	b = board_create();
	mem = guest_mem_create();
	ca.mem = mem;
	for (it = 0; it < n; it++) {
		unsigned int nvcpus = tor_range(&ts->rng, 2, 4);
		unsigned int exit_mask = tor_next(&ts->rng);
		unsigned int delay = tor_range(&ts->rng, 0, 20);

		memset(b, 0, sizeof(*b));
		counters_clear(mem);
		ts->child = tor_fork();
		ASSERT_LE(0, ts->child);
		if (ts->child == 0)
			run_child(b, mem, nvcpus, exit_mask);

		ca.n = nvcpus;
		rc = wait_child_cond(ts, &status, counters_running, &ca,
				     PROGRESS_MS);
		assert_child_waited(_metadata, rc, &status, b, it,
				    "not every one of %u guests counts after %d s",
				    nvcpus, PROGRESS_MS / 1000);
		axv_msleep(delay);
		kill_child(_metadata, ts, b, "kill during RUN", it);
		assert_released(_metadata, ts, "kill during RUN", it);
		vcpus_total += nvcpus;
	}
	TH_LOG("%u children killed with %u vCPU threads in RUN", n,
	       vcpus_total);
	munmap(mem, X86_MEM_SIZE);
	munmap(b, sizeof(*b));
}

/* ---- kill -9 during memory region set-up ------------------------------- */

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void *mem_child_vcpu_fn(void *arg)
{
	struct child_thread *t = arg;
	int rc;

	if (ioctl(t->vcpu->fd, AXVCPU_BIND, 0))
		child_fail(t->b, "BIND: %s", axv_errno_name(errno));
	rc = axv_run(t->vcpu);
	child_fail(t->b, "the exit-less guest came back: %s / %s",
		   axv_errno_name(-rc), axv_exit_desc(t->vcpu->run));
}

static noreturn void
mem_child(struct tor_board *b, void *mem, bool run_vcpu, bool populate)
{
	struct child_thread t = { .b = b };
	long long t0, t1;
	struct axv_vm vm;
	void *big;
	int rc;

	axv_vm_create(&vm);
	axv_mem_add(&vm, 0, 0, X86_MEM_SIZE, 0, mem);
	if (run_vcpu) {
		/* a guest runs while its VM's regions come and go */
		t.vcpu = guest_vcpu(&vm, 0, 0, 0, 0, BUSY_GPA);
		axv_thread_run(&t.thread, mem_child_vcpu_fn, &t);
	}
	/* not populated: the first add faults the pages in as it pins them */
	big = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0),
		   -1, 0);
	if (big == MAP_FAILED)
		child_fail(b, "mmap %lu MiB: %s", BIG_SIZE / AXV_MiB,
			   axv_errno_name(errno));
	STORE(b->ready, 1);
	for (;;) {
		STORE(b->phase, PHASE_ADD);
		t0 = now_us();
		rc = axv_set_region(vm.fd, 1, 0, BIG_GPA, BIG_SIZE,
				    (__u64)(uintptr_t)big);
		if (rc)
			child_fail(b, "adding %lu MiB: %s", BIG_SIZE / AXV_MiB,
				   axv_errno_name(-rc));
		STORE(b->phase, PHASE_DELETE);
		t1 = now_us();
		rc = axv_set_region(vm.fd, 1, 0, BIG_GPA, 0, 0);
		if (rc)
			child_fail(b, "deleting %lu MiB: %s",
				   BIG_SIZE / AXV_MiB, axv_errno_name(-rc));
		STORE(b->phase, PHASE_USER);
		STORE(b->add_us, t1 - t0);
		STORE(b->delete_us, now_us() - t1);
		STORE(b->cycles, b->cycles + 1);
	}
}

static bool board_cycled(void *arg)
{
	return LOAD(((struct tor_board *)arg)->cycles) > 0;
}

/*
 * A child adds and deletes a 64 MiB region in a loop (half the time with
 * a vCPU of the VM running a guest, half the time with the memory faulted
 * in beforehand) and is killed after a random delay of up to twice the
 * first add/delete cycle measured for its kind (without populate the
 * first add also faults the pages in; the later ones are faster): while
 * it pins and maps, while it unmaps and unpins, or between the two.
 */
TEST_F_TIMEOUT(torture, kill_during_memory_setup, 600)
{
	struct tor_state *ts = &self->t;
	static const char *const phase_names[NR_PHASES] = {
		"between the ioctls", "adding", "deleting",
	};
	unsigned int n = iterations(20), it, at_kill[NR_PHASES] = { 0 };
	/* the first add/delete cycle of a child, without and with populate */
	long long cycle_us[2] = { 0, 0 };
	unsigned long cycles_total = 0;
	struct tor_board *b;
	int status, rc;
	void *mem;

	if (no_guests(&ts->info))
		SKIP(return, "%s", no_guests(&ts->info));
	b = board_create();
	mem = guest_mem_create();
	for (it = 0; it < n; it++) {
		bool run_vcpu = tor_next(&ts->rng) & 1;
		bool populate = tor_next(&ts->rng) & 1;
		long long delay_us;

		memset(b, 0, sizeof(*b));
		ts->child = tor_fork();
		ASSERT_LE(0, ts->child);
		if (ts->child == 0)
			mem_child(b, mem, run_vcpu, populate);

		rc = wait_child_cond(ts, &status, board_ready, b,
				     PROGRESS_MS);
		/* the first time: how long is a cycle? */
		if (rc == 1 && !cycle_us[populate])
			rc = wait_child_cond(ts, &status, board_cycled, b,
					     PROGRESS_MS);
		assert_child_waited(_metadata, rc, &status, b, it,
				    "the child did not start (or add and delete)");
		if (!cycle_us[populate])
			cycle_us[populate] = LOAD(b->add_us) +
					     LOAD(b->delete_us);
		delay_us = tor_next(&ts->rng) % (2 * cycle_us[populate] + 1);
		usleep(delay_us);
		at_kill[LOAD(b->phase)]++;
		kill_child(_metadata, ts, b, "kill during memory set-up", it);
		cycles_total += LOAD(b->cycles);
		assert_released(_metadata, ts, "kill during memory set-up",
				it);
	}
	TH_LOG("%u kills: %u %s, %u %s, %u %s",
	       n, at_kill[PHASE_ADD], phase_names[PHASE_ADD],
	       at_kill[PHASE_DELETE], phase_names[PHASE_DELETE],
	       at_kill[PHASE_USER], phase_names[PHASE_USER]);
	TH_LOG("%lu add/delete cycles of %lu MiB done; a first one: %lld ms, populated %lld ms",
	       cycles_total, BIG_SIZE / AXV_MiB, cycle_us[0] / 1000,
	       cycle_us[1] / 1000);
	/* The test's premise: kills did land inside SET_MEMORY_REGION. */
	ASSERT_LT(0, at_kill[PHASE_ADD] + at_kill[PHASE_DELETE]);
	munmap(mem, X86_MEM_SIZE);
	munmap(b, sizeof(*b));
}

/* ---- kill -9 during CREATE_VM / CREATE_VCPU loops ---------------------- */

struct create_thread {
	pthread_t thread;
	struct tor_board *b;
	struct tor_rng rng;
	void *buf;		/* 64 KiB this thread maps as a region */
	size_t run_size;
	unsigned int max_vcpus;	/* vCPU ids are drawn below this */
};

#define CREATE_MAX_VCPUS	8
#define CREATE_MAX_IDS		256
#define CREATE_BUF_SIZE		(64 * 1024)

static void *create_loop_fn(void *arg)
{
	struct create_thread *t = arg;
	int fds[CREATE_MAX_VCPUS + 2];
	void *runs[CREATE_MAX_VCPUS];
	unsigned int ids[CREATE_MAX_IDS], order[CREATE_MAX_VCPUS + 2];
	unsigned int k, j, nfds;
	int sys, vm;

	for (;;) {
		sys = open(AXV_DEV_PATH, O_RDWR | O_CLOEXEC);
		if (sys < 0)
			child_fail(t->b, "open: %s", axv_errno_name(errno));
		vm = ioctl(sys, AXVCPU_CREATE_VM, 0);
		if (vm < 0)
			child_fail(t->b, "CREATE_VM: %s", axv_errno_name(errno));
		if (tor_next(&t->rng) & 1) {
			int rc = axv_set_region(vm, 0, 0, 0, CREATE_BUF_SIZE,
						(__u64)(uintptr_t)t->buf);

			if (rc)
				child_fail(t->b, "SET_MEMORY_REGION: %s",
					   axv_errno_name(-rc));
		}
		k = tor_range(&t->rng, 1, CREATE_MAX_VCPUS);
		tor_shuffle(&t->rng, ids, t->max_vcpus);
		for (j = 0; j < k; j++) {
			struct axvcpu_create_vcpu c = {
				.vm_fd = vm,
				.vcpu_id = ids[j],
			};
			struct axvcpu_setup s = { .entry = X86_CODE_GPA };

			fds[j] = ioctl(sys, AXVCPU_CREATE_VCPU, &c);
			if (fds[j] < 0)
				child_fail(t->b, "CREATE_VCPU %u: %s", ids[j],
					   axv_errno_name(errno));
			runs[j] = NULL;
			if (tor_next(&t->rng) & 1 &&
			    ioctl(fds[j], AXVCPU_SETUP, &s))
				child_fail(t->b, "SETUP: %s",
					   axv_errno_name(errno));
			if (tor_next(&t->rng) & 1) {
				runs[j] = mmap(NULL, t->run_size,
					       PROT_READ | PROT_WRITE,
					       MAP_SHARED, fds[j], 0);
				if (runs[j] == MAP_FAILED)
					child_fail(t->b, "mmap run: %s",
						   axv_errno_name(errno));
			}
		}
		fds[k] = vm;
		fds[k + 1] = sys;
		nfds = k + 2;
		tor_shuffle(&t->rng, order, nfds);
		for (j = 0; j < nfds; j++) {
			close(fds[order[j]]);
			if (order[j] < k && runs[order[j]])
				munmap(runs[order[j]], t->run_size);
		}
		__atomic_add_fetch(&t->b->cycles, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static noreturn void
create_child(struct tor_board *b, __u64 seed,
	     const struct axvcpu_info *info)
{
	struct create_thread t[2];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		t[i].b = b;
		t[i].rng.s = seed + i;
		t[i].run_size = info->run_mmap_size;
		t[i].max_vcpus = info->max_vcpus < CREATE_MAX_IDS ?
				 info->max_vcpus : CREATE_MAX_IDS;
		t[i].buf = mmap(NULL, CREATE_BUF_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (t[i].buf == MAP_FAILED)
			child_fail(b, "mmap: %s", axv_errno_name(errno));
	}
	STORE(b->ready, 1);
	axv_thread_run(&t[1].thread, create_loop_fn, &t[1]);
	create_loop_fn(&t[0]);
	_exit(CHILD_FAILED);
}

/*
 * A child whose two threads create VMs (some with a region) and vCPUs
 * (some set up, some with their run struct mapped) and close them in a
 * random order, in a loop, is killed after a random delay. Afterwards a
 * VM of this process still enables the hardware and runs a guest.
 */
TEST_F_TIMEOUT(torture, kill_during_create_loops, 600)
{
	struct tor_state *ts = &self->t;
	unsigned int n = iterations(30), it;
	unsigned long cycles_total = 0;
	struct tor_board *b;
	int status, rc;

	b = board_create();
	for (it = 0; it < n; it++) {
		unsigned int delay = tor_range(&ts->rng, 0, 80);
		__u64 seed = tor_next(&ts->rng);

		memset(b, 0, sizeof(*b));
		ts->child = tor_fork();
		ASSERT_LE(0, ts->child);
		if (ts->child == 0)
			create_child(b, seed, &ts->info);

		rc = wait_child_cond(ts, &status, board_ready, b,
				     PROGRESS_MS);
		assert_child_waited(_metadata, rc, &status, b, it,
				    "the child did not start");
		axv_msleep(delay);
		kill_child(_metadata, ts, b, "kill during create loops", it);
		cycles_total += LOAD(b->cycles);
		assert_released(_metadata, ts, "kill during create loops", it);
	}
	TH_LOG("%u kills, %lu VMs created and closed by the children", n,
	       cycles_total);
	assert_hello_runs(_metadata, ts);
	munmap(b, sizeof(*b));
}

/* ---- _exit() with vCPUs in every state --------------------------------- */

enum role {
	ROLE_CREATED, ROLE_FREE, ROLE_READY, ROLE_READY_GONE, ROLE_RUNNING,
	ROLE_BLOCKED, ROLE_INVALID, NR_ROLES,
};

static const char *const role_names[NR_ROLES] = {
	"CREATED", "FREE", "READY", "READY (bound thread gone)", "RUNNING",
	"BLOCKED", "INVALID",
};

static const long role_states[NR_ROLES] = {
	AXVCPU_STATE_CREATED, AXVCPU_STATE_FREE, AXVCPU_STATE_READY,
	AXVCPU_STATE_READY, AXVCPU_STATE_RUNNING, AXVCPU_STATE_BLOCKED,
	AXVCPU_STATE_INVALID,
};

#define ROLE_ABSENT	(-2L)

/* Bind, then either return (the vCPU stays bound to a gone thread) or RUN. */
static void *role_thread_fn(void *arg)
{
	struct child_thread *t = arg;
	int rc;

	if (ioctl(t->vcpu->fd, AXVCPU_BIND, 0))
		child_fail(t->b, "vCPU %u: BIND: %s", t->vcpu->id,
			   axv_errno_name(errno));
	if (!t->run)
		return NULL;
	rc = axv_run(t->vcpu);
	child_fail(t->b, "vCPU %u: RUN came back: %s / %s", t->vcpu->id,
		   axv_errno_name(-rc), axv_exit_desc(t->vcpu->run));
}

struct states_config {
	struct tor_rng rng;
	bool halt_in_kernel;
	unsigned int max_vcpus;
	unsigned int ncpus;
};

static noreturn void
states_child(struct tor_board *b, void *mem, struct states_config *cfg)
{
	struct child_thread t[NR_ROLES];
	struct axv_vcpu *v[NR_ROLES] = { NULL };
	unsigned int order[NR_ROLES], ids[CREATE_MAX_IDS], i;
	struct axvcpu_setup s = { .entry = BUSY_GPA };
	struct axv_vm vm, vm2;
	long st;

	axv_vm_create(&vm);
	axv_mem_add(&vm, 0, 0, X86_MEM_SIZE, 0, mem);
	axv_mem_add(&vm, 1, EXTRA_GPA,
		    tor_range(&cfg->rng, 1, 8) * AXV_MiB, 0, NULL);
	/* a second VM holding a region and no vCPU */
	axv_vm_create(&vm2);
	axv_mem_add(&vm2, 0, 0, tor_range(&cfg->rng, 1, 4) * AXV_MiB, 0,
		    NULL);

	tor_shuffle(&cfg->rng, order, NR_ROLES);
	tor_shuffle(&cfg->rng, ids, cfg->max_vcpus);
	memset(t, 0, sizeof(t));
	for (i = 0; i < NR_ROLES; i++) {
		enum role r = order[i];
		__u32 favor = axv_test_cpu(tor_range(&cfg->rng, 0,
						     cfg->ncpus - 1));

		t[r].b = b;
		switch (r) {
		case ROLE_CREATED:
			v[r] = axv_vcpu_create(&vm, ids[i], 0);
			break;
		case ROLE_FREE:
			v[r] = guest_vcpu(&vm, ids[i], r, 0, favor, BUSY_GPA);
			break;
		case ROLE_READY:
			v[r] = guest_vcpu(&vm, ids[i], r, 0, favor, BUSY_GPA);
			axv_vcpu_bind(v[r]);
			break;
		case ROLE_READY_GONE:
			t[r].vcpu = guest_vcpu(&vm, ids[i], r, 0, favor,
					       BUSY_GPA);
			v[r] = t[r].vcpu;
			axv_thread_run(&t[r].thread, role_thread_fn, &t[r]);
			pthread_join(t[r].thread, NULL);
			break;
		case ROLE_RUNNING:
			t[r].vcpu = guest_vcpu(&vm, ids[i], r, 0, favor,
					       BUSY_GPA);
			v[r] = t[r].vcpu;
			t[r].run = true;
			axv_thread_run(&t[r].thread, role_thread_fn, &t[r]);
			break;
		case ROLE_BLOCKED:
			if (!cfg->halt_in_kernel)
				break;
			t[r].vcpu = guest_vcpu(&vm, ids[i], r,
					       AXVCPU_VCPU_HALT_IN_KERNEL,
					       favor, HALT_GPA);
			v[r] = t[r].vcpu;
			t[r].run = true;
			axv_thread_run(&t[r].thread, role_thread_fn, &t[r]);
			break;
		case ROLE_INVALID:
			/* SETUP twice: the second is from the wrong state */
			v[r] = guest_vcpu(&vm, ids[i], r, 0, favor, BUSY_GPA);
			if (ioctl(v[r]->fd, AXVCPU_SETUP, &s) != -1 ||
			    errno != EBADFD)
				child_fail(b, "a second SETUP did not fail with EBADFD");
			break;
		default:
			break;
		}
	}
	/* the running guest counts, the halted one waits in the kernel */
	for (i = 0; i < PROGRESS_MS && !counter(mem, ROLE_RUNNING); i++)
		axv_msleep(1);
	if (v[ROLE_RUNNING])
		axv_wait_state(v[ROLE_RUNNING], AXVCPU_STATE_RUNNING,
			       PROGRESS_MS);
	if (v[ROLE_BLOCKED])
		axv_wait_state(v[ROLE_BLOCKED], AXVCPU_STATE_BLOCKED,
			       PROGRESS_MS);
	for (i = 0; i < NR_ROLES; i++) {
		st = v[i] ? axv_get_state(v[i]) : ROLE_ABSENT;
		b->states[i] = st;
	}
	STORE(b->ready, 1);
	usleep(tor_range(&cfg->rng, 0, 5000));
	_exit(0);
}

/*
 * A child leaves with _exit() and closes nothing: two VMs with regions,
 * one of them with a vCPU in every state, each with its run struct
 * mapped. Everything must be released by the exit alone.
 */
TEST_F_TIMEOUT(torture, exit_with_fds_in_every_state, 600)
{
	struct tor_state *ts = &self->t;
	unsigned int n = iterations(20), it, i;
	struct states_config cfg;
	struct tor_board *b;
	int status, rc;
	void *mem;

	if (no_guests(&ts->info))
		SKIP(return, "%s", no_guests(&ts->info));
	cfg.halt_in_kernel = ts->info.flags & AXVCPU_FEATURE_HALT_IN_KERNEL;
	cfg.max_vcpus = ts->info.max_vcpus < CREATE_MAX_IDS ?
			ts->info.max_vcpus : CREATE_MAX_IDS;
	cfg.ncpus = axv_nr_test_cpus();
	ASSERT_LE(NR_ROLES, cfg.max_vcpus);
	if (!cfg.halt_in_kernel)
		TH_LOG("no AXVCPU_FEATURE_HALT_IN_KERNEL: no BLOCKED vCPU");
	b = board_create();
	mem = guest_mem_create();
	for (it = 0; it < n; it++) {
		cfg.rng.s = tor_next(&ts->rng);
		memset(b, 0, sizeof(*b));
		counters_clear(mem);
		ts->child = tor_fork();
		ASSERT_LE(0, ts->child);
		if (ts->child == 0)
			states_child(b, mem, &cfg);

		rc = wait_child_cond(ts, &status, board_ready, b,
				     PROGRESS_MS);
		if (rc == 1) {
			waitpid(ts->child, &status, 0);
			ts->child = 0;
		}
		ASSERT_NE(0, rc)
			TH_LOG("iteration %u: the child did not get its vCPUs into their states",
			       it);
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("iteration %u: child %s", it,
			       child_status(status, b));
		for (i = 0; i < NR_ROLES; i++) {
			long want = role_states[i];

			if (i == ROLE_BLOCKED && !cfg.halt_in_kernel)
				want = ROLE_ABSENT;
			ASSERT_EQ(want, b->states[i])
				TH_LOG("iteration %u: the %s vCPU was in state %s before the exit",
				       it, role_names[i],
				       axv_state_name(b->states[i]));
		}
		assert_released(_metadata, ts, "_exit with fds open", it);
	}
	munmap(mem, X86_MEM_SIZE);
	munmap(b, sizeof(*b));
}

/* ---- a VM of this process, held only by a child ------------------------ */

static noreturn void
inherited_child(struct tor_board *b, struct axv_vm *vm, struct axv_vcpu *ready,
		void *mem)
{
	struct child_thread t = { .b = b, .run = true };
	int i;

	/* only the creator changes the regions */
	b->results[0] = axv_set_region(vm->fd, 2, 0, 2 * EXTRA_GPA,
				       AXV_PAGE_SIZE, (__u64)(uintptr_t)mem);
	/* only the bound thread (the parent's) runs it */
	b->results[1] = axv_run(ready);
	/* a vCPU of the inherited VM, created and run here */
	t.vcpu = guest_vcpu(vm, 3, 3, 0, 0, BUSY_GPA);
	axv_thread_run(&t.thread, role_thread_fn, &t);
	for (i = 0; i < PROGRESS_MS && !counter(mem, 3); i++)
		axv_msleep(1);
	b->results[2] = axv_wait_state(t.vcpu, AXVCPU_STATE_RUNNING,
				       PROGRESS_MS);
	STORE(b->ready, 1);
	while (!LOAD(b->go))
		axv_msleep(1);
	_exit(0);
}

/*
 * This process creates a VM with two regions (charged to its VmLck) and
 * vCPUs in CREATED, FREE and READY (bound here), forks, and closes all of
 * it: the child, which also runs a vCPU of its own in the VM, now holds
 * the VM alone, and the charge stays with this process until the child
 * exits or is killed. Then it must all come back.
 */
TEST_F_TIMEOUT(torture, inherited_fds_exit, 600)
{
	struct tor_state *ts = &self->t;
	unsigned int n = iterations(20), it, kills = 0;
	int ncpus = axv_nr_test_cpus();
	struct tor_board *b;
	int status, rc;

	if (no_guests(&ts->info))
		SKIP(return, "%s", no_guests(&ts->info));
	b = board_create();
	for (it = 0; it < n; it++) {
		size_t extra = tor_range(&ts->rng, 1, 16) * AXV_MiB;
		bool kill_it = tor_next(&ts->rng) & 1;
		long long want_kb, pins;
		struct axv_vcpu *v[3];
		struct axv_vm vm;
		void *mem;

		memset(b, 0, sizeof(*b));
		axv_vm_create(&vm);
		mem = axv_mem_add(&vm, 0, 0, X86_MEM_SIZE, 0, NULL);
		guests_load(mem);
		axv_mem_add(&vm, 1, EXTRA_GPA, extra, 0, NULL);
		want_kb = ts->vmlck_start + (X86_MEM_SIZE + extra) / 1024;
		ASSERT_EQ(want_kb, axv_vmlck_kb());
		v[0] = axv_vcpu_create(&vm, 0, 0);
		v[1] = guest_vcpu(&vm, 1, 1, 0, 0, BUSY_GPA);
		v[2] = guest_vcpu(&vm, 2, 2, 0,
				  axv_test_cpu(tor_range(&ts->rng, 0, ncpus - 1)),
				  LOOP_GPA);
		axv_vcpu_bind(v[2]);

		ts->child = tor_fork();
		ASSERT_LE(0, ts->child);
		if (ts->child == 0)
			inherited_child(b, &vm, v[2], mem);

		rc = wait_child_cond(ts, &status, board_ready, b,
				     PROGRESS_MS);
		assert_child_waited(_metadata, rc, &status, b, it,
				    "the child's vCPU did not run");
		ASSERT_EQ(-EIO, b->results[0])
			TH_LOG("SET_MEMORY_REGION from another process: expected EIO, got %s",
			       axv_errno_name(-b->results[0]));
		ASSERT_EQ(-EPERM, b->results[1])
			TH_LOG("RUN from another process: expected EPERM, got %s",
			       axv_errno_name(-b->results[1]));
		ASSERT_EQ(AXVCPU_STATE_RUNNING, b->results[2])
			TH_LOG("the child's vCPU: %s",
			       axv_state_name(b->results[2]));

		/* closing everything here releases nothing: the child has it */
		pins = axv_pinned_pages();
		axv_vcpu_close(v[0]);
		axv_vcpu_close(v[1]);
		axv_vcpu_close(v[2]);
		axv_vm_close(&vm);
		ASSERT_EQ(want_kb, axv_vmlck_kb())
			TH_LOG("iteration %u: the child still has the VM, but VmLck dropped",
			       it);
		ASSERT_EQ(pins, axv_pinned_pages())
			TH_LOG("iteration %u: the child still has the VM, but pages were unpinned",
			       it);

		if (kill_it) {
			kill_child(_metadata, ts, b, "inherited fds", it);
			kills++;
		} else {
			STORE(b->go, 1);
			waitpid(ts->child, &status, 0);
			ts->child = 0;
			ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
				TH_LOG("iteration %u: child %s", it,
				       child_status(status, b));
		}
		/* the binding of v[2] kept this thread on one CPU */
		sched_setaffinity(0, sizeof(ts->affinity), &ts->affinity);
		assert_released(_metadata, ts, "inherited fds", it);
	}
	TH_LOG("%u children: %u killed, %u exited", n, kills, n - kills);
	munmap(b, sizeof(*b));
}

/* ---- CPU hotplug while vCPUs run --------------------------------------- */

struct hp_worker {
	pthread_t thread;
	struct axv_vcpu *vcpu;
	struct tor_rng rng;
	bool only_hp_cpu;
	bool *stop;		/* LOAD/STORE, as the three below */
	bool kicked;
	bool done;
	unsigned long exits;
	unsigned long rebinds;
	unsigned long bind_refused;
	unsigned long run_refused;
	__u64 test_cpus;	/* a bit for each of axv_test_cpus() below 64 */
	int hp_cpu;
	char error[512];
};

#define HP_ERR(w, fmt, ...)						\
	snprintf((w)->error, sizeof((w)->error), fmt, ##__VA_ARGS__)

static void *hp_worker_fn(void *arg)
{
	struct hp_worker *w = arg;
	struct axv_vcpu *vcpu = w->vcpu;
	struct axvcpu_vcpu_info vi;
	bool bound = false;
	__u64 last = 0;
	long st;
	int rc;

	while (!LOAD(*w->stop)) {
		if (!bound) {
			if (ioctl(vcpu->fd, AXVCPU_BIND, 0) == 0) {
				bound = true;
			} else if (errno == EINVAL && w->only_hp_cpu) {
				/* its CPU is offline: refused, nothing changed */
				st = axv_get_state(vcpu);
				if (st != AXVCPU_STATE_FREE) {
					HP_ERR(w, "BIND refused with EINVAL, then state %s",
					       axv_state_name(st));
					break;
				}
				w->bind_refused++;
				usleep(500);
				continue;
			} else {
				HP_ERR(w, "BIND: %s", axv_errno_name(errno));
				break;
			}
		}
		rc = axv_run(vcpu);
		if (rc == -EINVAL && w->only_hp_cpu) {
			/* bound, and its only CPU went offline: refused, READY */
			st = axv_get_state(vcpu);
			if (st != AXVCPU_STATE_READY) {
				HP_ERR(w, "RUN refused with EINVAL, then state %s",
				       axv_state_name(st));
				break;
			}
			if (ioctl(vcpu->fd, AXVCPU_UNBIND, 0)) {
				HP_ERR(w, "UNBIND after a refused RUN: %s",
				       axv_errno_name(errno));
				break;
			}
			bound = false;
			w->run_refused++;
			usleep(500);
			continue;
		}
		if (rc == -EINTR && LOAD(w->kicked)) {
			HP_ERR(w, "RUN did not come back in %d s (count %#llx)",
			       (PROGRESS_MS + STOP_GRACE_MS) / 1000,
			       (unsigned long long)last);
			break;
		}
		if (rc || vcpu->run->exit_reason != AXVCPU_EXIT_IO_WRITE ||
		    vcpu->run->io.port != LOOP_PORT ||
		    vcpu->run->io.data != last + LOOP_STEP) {
			HP_ERR(w, "expected OUT %#llx to port %#x, got %s / %s; %s",
			       (unsigned long long)last + LOOP_STEP, LOOP_PORT,
			       axv_errno_name(-rc), axv_exit_desc(vcpu->run),
			       axv_regs_desc(vcpu));
			break;
		}
		last += LOOP_STEP;
		STORE(w->exits, w->exits + 1);
		axv_get_vcpu_info(vcpu, &vi);
		if (vi.bound_cpu < 0 || vi.bound_cpu >= 64 ||
		    !(w->test_cpus & (1ULL << vi.bound_cpu)) ||
		    (w->only_hp_cpu && vi.bound_cpu != w->hp_cpu)) {
			HP_ERR(w, "bound to CPU %d, outside %s", vi.bound_cpu,
			       w->only_hp_cpu ? "its allowed set" :
			       "the test CPUs (the thread's own affinity)");
			break;
		}
		if (tor_range(&w->rng, 0, 15) == 0) {
			if (ioctl(vcpu->fd, AXVCPU_UNBIND, 0)) {
				HP_ERR(w, "UNBIND: %s", axv_errno_name(errno));
				break;
			}
			bound = false;
			w->rebinds++;
		}
	}
	if (bound && ioctl(vcpu->fd, AXVCPU_UNBIND, 0) && !w->error[0])
		HP_ERR(w, "UNBIND at the end: %s", axv_errno_name(errno));
	STORE(w->done, true);
	return NULL;
}

/* New VMs come and go and run a guest to its exits, favouring either CPU. */
struct hp_churn {
	pthread_t thread;
	struct tor_rng rng;
	bool *stop;		/* LOAD/STORE, as the two below */
	bool kicked;
	bool done;
	unsigned long runs;
	char error[256];
};

/* One VM: create it, run the hello guest to its two exits, close it. */
static void hp_churn_once(struct hp_churn *c)
{
	struct axv_vcpu *vcpu;
	struct axv_vm vm;
	void *mem;
	int rc;

	axv_vm_create(&vm);
	mem = axv_mem_add(&vm, 0, 0, 0x10000, 0, NULL);
	guests_load(mem);
	vcpu = guest_vcpu(&vm, 0, 0, 0, tor_range(&c->rng, 0, 1), HELLO_GPA);
	if (ioctl(vcpu->fd, AXVCPU_BIND, 0)) {
		HP_ERR(c, "BIND: %s", axv_errno_name(errno));
		goto out;
	}
	rc = axv_run(vcpu);
	if (rc || vcpu->run->exit_reason != AXVCPU_EXIT_IO_WRITE ||
	    vcpu->run->io.data != HELLO_DATA) {
		HP_ERR(c, "first RUN: %s / %s%s", axv_errno_name(-rc),
		       axv_exit_desc(vcpu->run),
		       LOAD(c->kicked) ? " (did not come back)" : "");
		goto unbind;
	}
	rc = axv_run(vcpu);
	if (rc || vcpu->run->exit_reason != AXVCPU_EXIT_HALT) {
		HP_ERR(c, "second RUN: %s / %s%s", axv_errno_name(-rc),
		       axv_exit_desc(vcpu->run),
		       LOAD(c->kicked) ? " (did not come back)" : "");
		goto unbind;
	}
	c->runs++;
unbind:
	ioctl(vcpu->fd, AXVCPU_UNBIND, 0);
out:
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
}

static void *hp_churn_fn(void *arg)
{
	struct hp_churn *c = arg;

	while (!LOAD(*c->stop) && !c->error[0])
		hp_churn_once(c);
	STORE(c->done, true);
	return NULL;
}

/*
 * Join threads told to stop: those still running after STOP_GRACE_MS are
 * stuck in RUN, and are interrupted with SIGUSR1 (their RUN returns EINTR
 * and they report it) every second until they are done.
 */
static void join_stopping(pthread_t *t, bool **done, bool **kicked,
			  unsigned int n)
{
	unsigned int i, left;
	int ms;

	for (ms = 0, left = n; left; ms += 10) {
		left = 0;
		for (i = 0; i < n; i++) {
			if (LOAD(*done[i]))
				continue;
			left++;
			if (ms >= STOP_GRACE_MS && ms % 1000 == 0) {
				STORE(*kicked[i], true);
				pthread_kill(t[i], SIGUSR1);
			}
		}
		if (left)
			axv_msleep(10);
	}
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

#define HP_WORKERS	4

/*
 * Four vCPU threads run a guest that exits every LOOP_STEP increments
 * (one favouring the first test CPU, two the second, one allowed on the
 * second only) and now and then UNBIND and BIND again, while another
 * thread creates, runs and closes VMs, and the second test CPU (HP below,
 * CPU 1 by default) goes offline and online again and again. Every RUN
 * must come back with the next count, and every vCPU stays bound to a test
 * CPU (the thread's own affinity) and the HP-only one to HP; BIND and RUN
 * of the HP-only vCPU are refused with EINVAL (and change nothing) while
 * HP is offline; once HP is back for good every vCPU must keep reaching
 * its exits.
 */
TEST_F_TIMEOUT(torture, cpu_hotplug_while_running, 600)
{
	struct tor_state *ts = &self->t;
	unsigned int n = iterations(12), c, i;
	bool *done[HP_WORKERS + 1], *kicked[HP_WORKERS + 1];
	pthread_t threads[HP_WORKERS + 1];
	struct hp_worker w[HP_WORKERS];
	bool stop = false;
	unsigned long snap[HP_WORKERS];
	struct hp_churn churn;
	struct axv_vm vm;
	__u64 only1[16];
	char online_path[64];
	int rc, ms, hp, cpus[AXV_MAX_TEST_CPUS], ncpus, k;
	__u64 test_cpus = 0;
	bool all;
	void *mem;

	if (no_guests(&ts->info))
		SKIP(return, "%s", no_guests(&ts->info));
	if (axv_nr_test_cpus() < 2)
		SKIP(return, "needs two CPUs to run tests on, has %d",
		     axv_nr_test_cpus());
	hp = ts->hp_cpu = axv_test_cpu(1);
	ncpus = axv_test_cpus(cpus, AXV_MAX_TEST_CPUS);
	for (k = 0; k < ncpus; k++)
		if (cpus[k] < 64)
			test_cpus |= 1ULL << cpus[k];
	snprintf(online_path, sizeof(online_path),
		 "/sys/devices/system/cpu/cpu%d/online", hp);
	if (access(online_path, W_OK))
		SKIP(return, "CPU %d cannot be taken offline: %s: %s", hp,
		     online_path, axv_errno_name(errno));
	rc = axv_set_cpu_online(hp, false);
	if (rc)
		SKIP(return, "CPU %d cannot be taken offline: %s", hp,
		     axv_errno_name(-rc));
	ts->hp_offline = true;
	rc = axv_set_cpu_online(hp, true);
	ASSERT_EQ(0, rc) TH_LOG("CPU %d back online: %s", hp,
				axv_errno_name(-rc));
	ts->hp_offline = false;

	axv_install_sigusr1();
	mem = x86_vm_create(&vm);
	guests_load(mem);
	memset(w, 0, sizeof(w));
	memset(only1, 0, sizeof(only1));
	only1[hp / 64] = 1ULL << (hp % 64);
	for (i = 0; i < HP_WORKERS; i++) {
		struct axvcpu_create_vcpu args = {
			.vcpu_id = i,
			.favor_phys_cpu = i == 0 ? axv_test_cpu(0) : hp,
		};

		w[i].only_hp_cpu = i == HP_WORKERS - 1;
		if (w[i].only_hp_cpu) {
			args.allowed_cpus = (__u64)(uintptr_t)only1;
			args.allowed_cpus_size = sizeof(only1);
		}
		w[i].vcpu = axv_vcpu_create_args(&vm, &args);
		axv_vcpu_setup(w[i].vcpu, LOOP_GPA, AXVCPU_X86_MODE_FLAT32);
		axv_set_gpr(w[i].vcpu, X86_RBX, COUNTER_GPA(i));
		w[i].rng.s = tor_next(&ts->rng);
		w[i].stop = &stop;
		w[i].hp_cpu = hp;
		w[i].test_cpus = test_cpus;
	}
	memset(&churn, 0, sizeof(churn));
	churn.rng.s = tor_next(&ts->rng);
	churn.stop = &stop;
	for (i = 0; i < HP_WORKERS; i++)
		axv_thread_run(&w[i].thread, hp_worker_fn, &w[i]);
	axv_thread_run(&churn.thread, hp_churn_fn, &churn);

	for (c = 0; c < n; c++) {
		rc = axv_set_cpu_online(hp, false);
		ASSERT_EQ(0, rc)
			TH_LOG("cycle %u: CPU %d offline: %s", c, hp,
			       axv_errno_name(-rc));
		ts->hp_offline = true;
		axv_msleep(tor_range(&ts->rng, 1, 30));
		rc = axv_set_cpu_online(hp, true);
		ASSERT_EQ(0, rc)
			TH_LOG("cycle %u: CPU %d online: %s", c, hp,
			       axv_errno_name(-rc));
		ts->hp_offline = false;
		axv_msleep(tor_range(&ts->rng, 1, 30));
	}

	/* HP is back for good: every vCPU must keep reaching its exits */
	for (i = 0; i < HP_WORKERS; i++)
		snap[i] = LOAD(w[i].exits);
	for (ms = 0, all = false; !all && ms < PROGRESS_MS; ms += 10) {
		all = true;
		for (i = 0; i < HP_WORKERS; i++)
			if (LOAD(w[i].exits) < snap[i] + 3 && !LOAD(w[i].done))
				all = false;
		if (!all)
			axv_msleep(10);
	}
	STORE(stop, true);
	for (i = 0; i < HP_WORKERS; i++) {
		threads[i] = w[i].thread;
		done[i] = &w[i].done;
		kicked[i] = &w[i].kicked;
	}
	threads[i] = churn.thread;
	done[i] = &churn.done;
	kicked[i] = &churn.kicked;
	join_stopping(threads, done, kicked, HP_WORKERS + 1);

	for (i = 0; i < HP_WORKERS; i++) {
		EXPECT_EQ(0, w[i].error[0])
			TH_LOG("vCPU %u: %s", i, w[i].error);
		EXPECT_LE(snap[i] + 3, w[i].exits)
			TH_LOG("vCPU %u: %lu exits since CPU %d is back for good, expected 3",
			       i, w[i].exits - snap[i], hp);
		EXPECT_EQ(AXVCPU_STATE_FREE, axv_get_state(w[i].vcpu));
		TH_LOG("vCPU %u%s: %lu exits, %lu rebinds, %lu binds and %lu RUNs refused",
		       i, w[i].only_hp_cpu ? " (hotplugged CPU only)" : "", w[i].exits,
		       w[i].rebinds, w[i].bind_refused, w[i].run_refused);
	}
	EXPECT_EQ(0, churn.error[0]) TH_LOG("VM churn: %s", churn.error);
	TH_LOG("%u offline/online cycles of CPU %d; %lu VMs created and run meanwhile",
	       n, hp, churn.runs);
	if (!_metadata->passed)
		return;		/* the EXPECTs above said why */
	for (i = 0; i < HP_WORKERS; i++)
		axv_vcpu_close(w[i].vcpu);
	axv_vm_close(&vm);
	assert_released(_metadata, ts, "CPU hotplug", 0);
}

TEST_HARNESS_MAIN
