/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the lifecycle torture programs share (torture_kill_test.c,
 * torture_fd_test.c, torture_hotplug_test.c; the code is in torture.c,
 * linked into those programs only):
 *
 * - one seed for every random choice, printed by each test and taken from
 *   AXVCPU_TORTURE_SEED when set (it repeats the choices, not the timing),
 *   and AXVCPU_TORTURE_ITERS, which overrides every iteration count;
 * - children that die with the test process and report on a shared board;
 * - C guests (include/axvcpu_guest.h) that count in a slot of their own,
 *   TOR_SLOT, which a parent may share with the child that creates the VM;
 * - the check that pinned pages, VmLck and the module's use count come back
 *   to where they were once a process let go of its fds.
 *
 * The assertion helpers at the end need kselftest_harness.h, which must be
 * included first; torture.c, not a test, sees only the rest.
 */
#ifndef SELFTEST_AXVCPU_TORTURE_H
#define SELFTEST_AXVCPU_TORTURE_H

#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "axvcpu_guest.h"

/* Variables one thread or process writes while another reads them. */
#define LOAD(x)			__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v)		__atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

/* Deadlines for things that should take milliseconds (the debug lane is slow). */
#define RELEASE_MS	30000
#define PROGRESS_MS	60000
/* A thread told to stop has this long to leave RUN on its own. */
#define STOP_GRACE_MS	20000

/* A child's exit status when it found an error (written to the board). */
#define CHILD_FAILED	3

/* ---- seeded randomness ------------------------------------------------ */

struct tor_rng {
	__u64 s;
};

/* AXVCPU_TORTURE_SEED, or the time at the start. */
extern __u64 torture_seed;

/* splitmix64 */
__u64 tor_next(struct tor_rng *r);
/* Uniform in [lo, hi]. */
unsigned int tor_range(struct tor_rng *r, unsigned int lo, unsigned int hi);
/* torture_seed mixed with a hash of @name (a test's own sequence). */
void tor_seed(struct tor_rng *r, __u64 seed, const char *name);
/* A random permutation of 0..n-1 in @out. */
void tor_shuffle(struct tor_rng *r, unsigned int *out, unsigned int n);
/* AXVCPU_TORTURE_ITERS, else @def. */
unsigned int iterations(unsigned int def);

/* ---- guests ------------------------------------------------------------ */

/*
 * TOR_SLOT, at the start of the guest's free range: a 64-byte line per
 * guest index (MAX_COUNTERS of them) in the first page, then a stack per
 * guest index. A vCPU's index, not its id, picks both, so that vCPU ids
 * may be anything below max_vcpus (the library's stacks go by id, < 64).
 */
#define TOR_SLOT		AXV_GUEST_FREE_SLOT
#define TOR_GPA			AXV_GUEST_FREE_GPA
#define MAX_COUNTERS		16
#define COUNTER_GPA(i)		(TOR_GPA + (i) * 64)
#define TOR_STACK_TOP(i)	(TOR_GPA + AXV_PAGE_SIZE +		\
				 ((i) + 1) * AXV_GUEST_STACK_SIZE)
#define TOR_SLOT_SIZE		(AXV_PAGE_SIZE +			\
				 MAX_COUNTERS * AXV_GUEST_STACK_SIZE)
/* A free slot and range after TOR_SLOT for the tests' other regions. */
#define TOR_EXTRA_SLOT		(TOR_SLOT + 1)
#define TOR_EXTRA_GPA		(AXV_GUEST_FREE_GPA + 16 * AXV_MiB)

/* The loop guest reports its count every LOOP_STEP increments. */
#define LOOP_STEP		256
/* What the hello guest reports before it halts. */
#define HELLO_DATA		0x5a

/*
 * The argument of the counting guests is their counter (COUNTER_GPA of
 * their index), a __u64 they increment; TOR_GUEST() makes them guest
 * functions.
 */
/* Count forever, without exits. */
void busy_guest(volatile __u64 *count);
/* Count; every LOOP_STEP increments GUEST_SYNC(count). */
void loop_guest(volatile __u64 *count);
/* Halt forever: with HALT_IN_KERNEL the vCPU waits in RUN, BLOCKED. */
void halt_guest(void);
/* GUEST_SYNC(HELLO_DATA), then halt (an AXVCPU_EXIT_HALT). */
void hello_guest(void);
#define TOR_GUEST(fn)		((void (*)(void))(fn))

/* A page-aligned TOR_SLOT_SIZE of MAP_SHARED memory, zeroed. */
void *counters_create(void);
void counters_destroy(void *counters);
/* The count of guest index @i, which the guest changes as we read. */
__u64 counter(void *counters, unsigned int i);
void counters_clear(void *counters);
/*
 * A new VM for C guests (axv_guest_vm_create()) with TOR_SLOT mapped from
 * @counters (NULL: memory of the library's, MAP_SHARED too). Returns the
 * slot's host address.
 */
void *tor_vm_create(struct axv_vm *vm, void *counters);
/*
 * Point vCPU @vcpu (CREATED) of a tor_vm_create() VM at @guest with the
 * counter and stack of index @idx: it is FREE after this.
 */
void tor_guest_start(struct axv_vcpu *vcpu, unsigned int idx,
		     void (*guest)(void));
/* vCPU @id created with @flags favouring @favor, then tor_guest_start(). */
struct axv_vcpu *guest_vcpu(struct axv_vm *vm, __u32 id, unsigned int idx,
			    __u32 flags, __u32 favor, void (*guest)(void));
/*
 * Whether RUN, which returned @rc, is loop_guest's report of @last +
 * LOOP_STEP; if not, why in @why.
 */
bool loop_exit_ok(struct axv_vcpu *vcpu, int rc, __u64 last, char *why,
		  size_t len);
/*
 * A new VM whose vCPU 0 (favouring @favor) runs hello_guest to its SYNC
 * and its halt exit, then closed; false with the reason in @why if not.
 */
bool hello_runs(__u32 favor, char *why, size_t len);

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

struct tor_board *board_create(void);
void board_destroy(struct tor_board *b);
bool board_ready(void *arg);
/* In a child: say what went wrong on the board, and exit. */
void __attribute__((noreturn, format(printf, 2, 3)))
child_fail(struct tor_board *b, const char *fmt, ...);
/* fork(); the child dies with its parent (the test process), whatever happens. */
pid_t tor_fork(void);
/* How a child ended, with what it said on the board; a static buffer. */
const char *child_status(int status, const struct tor_board *b);

/* ---- a test's state ---------------------------------------------------- */

struct tor_state {
	struct axvcpu_info info;
	struct tor_rng rng;
	long long pins_start;
	long long vmlck_start;
	long long refcnt_start;
	pid_t child;		/* killed and reaped by the teardown */
	int hp_cpu;		/* a CPU the test takes offline */
	bool hp_offline;	/* brought back by the teardown */
	cpu_set_t affinity;
};

/* Seed @ts->rng for the test @name and note the start values. */
void tor_state_init(struct tor_state *ts, const char *name);
/* Kill and reap the child, bring the CPU back online. */
void tor_state_fini(struct tor_state *ts);
/*
 * Wait until @cond(@arg) holds, the child exits (then *@status is set,
 * ts->child cleared) or @ms pass. Returns 1, -1 or 0.
 */
int wait_child_cond(struct tor_state *ts, int *status,
		    bool (*cond)(void *), void *arg, int ms);

/* ---- assertions (kselftest_harness.h test bodies) ---------------------- */

#ifdef __KSELFTEST_HARNESS_H

/* A fixture "torture" for the tests of every torture program. */
#define TORTURE_FIXTURE()						\
FIXTURE(torture)							\
{									\
	struct tor_state t;						\
};									\
FIXTURE_SETUP(torture)							\
{									\
	tor_state_init(&self->t, _metadata->name);			\
	TH_LOG("seed %llu (AXVCPU_TORTURE_SEED=%llu repeats these choices)", \
	       (unsigned long long)torture_seed,			\
	       (unsigned long long)torture_seed);			\
}									\
FIXTURE_TEARDOWN(torture)						\
{									\
	tor_state_fini(&self->t);					\
}

/*
 * Pinned pages, VmLck and the module's use count are back at their start
 * values (polled: a killed process lets go of its fds asynchronously).
 */
static inline void assert_released(struct __test_metadata *_metadata,
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

/*
 * What wait_child_cond() returned as @rc must be 1: the child did not end
 * (@status then says how it did) and the condition held in time (else the
 * message @fmt, ... says what did not happen).
 */
static inline void __attribute__((format(printf, 6, 7)))
assert_child_waited(struct __test_metadata *_metadata, int rc,
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

/* Kill the child with SIGKILL and reap it: it must not have died before. */
static inline void kill_child(struct __test_metadata *_metadata,
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

#endif /* __KSELFTEST_HARNESS_H */

#endif /* SELFTEST_AXVCPU_TORTURE_H */
