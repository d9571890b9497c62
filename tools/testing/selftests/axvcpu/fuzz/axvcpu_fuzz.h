/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The axvcpu ioctl fuzzer: seeded random sequences over every fd type and
 * ioctl, in several threads and processes, with vCPUs running random guest
 * code between the calls. fuzz/axvcpu_fuzz.c is the same for every
 * architecture; fuzz/<arch>.c makes the guest code and register files.
 */
#ifndef SELFTEST_AXVCPU_FUZZ_H
#define SELFTEST_AXVCPU_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/axvcpu.h>

struct fuzz_config {
	uint64_t seed;		/* base seed; each worker derives its own */
	uint64_t calls;		/* total calls over all workers */
	unsigned int seconds;	/* stop after this long even if calls remain */
	unsigned int procs;	/* processes */
	unsigned int threads;	/* threads per process */
	/*
	 * Percent of the calls with an allocation failure injected: the
	 * calling thread's n-th fault point (n random, 1..4 three times in
	 * four, else 1..24) fails
	 * (/proc/thread-self/fail-nth; the caller has configured failslab and
	 * fail_page_alloc). 0: none.
	 */
	unsigned int fault_percent;
	bool verbose;
};

#define FUZZ_MAX_PROCS		8
#define FUZZ_MAX_THREADS	8
#define FUZZ_TRAIL		4

struct fuzz_result {
	/* The last operations of every worker thread, for a stuck worker's report. */
	char trail[FUZZ_MAX_PROCS][FUZZ_MAX_THREADS][FUZZ_TRAIL][128];
	unsigned int trail_pos[FUZZ_MAX_PROCS][FUZZ_MAX_THREADS];
	uint64_t calls;		/* calls made */
	uint64_t runs;		/* RUNs that entered (returned 0) */
	uint64_t exits[16];	/* exit reasons seen */
	uint64_t findings;	/* invariant violations (printed as they happen) */
	uint64_t faults;	/* calls in which an injected failure happened */
	double seconds;
};

/* Run the fuzzer; forks config->procs children. Returns 0 when it ran. */
int fuzz_run(const struct fuzz_config *config, struct fuzz_result *result);

/* ------------------------------------------------------------------ */
/*
 * What fuzz/<arch>.c provides: the parts of the fuzzer that know an
 * architecture's instruction set and register files. They draw from the
 * calling worker thread's generator with the helpers below, so that a
 * thread's sequence still replays from the seed.
 */

/* A worker thread (opaque to the arch part). */
struct fuzz_thread;

/* The thread's generator: a random value, one below @n, a @percent chance. */
uint64_t fuzz_rnd(struct fuzz_thread *t);
unsigned int fuzz_below(struct fuzz_thread *t, unsigned int n);
bool fuzz_chance(struct fuzz_thread *t, unsigned int percent);
/* A value with a bias towards the boundaries that break code. */
uint64_t fuzz_interesting(struct fuzz_thread *t);
/* @valid most of the time, else NULL, unmapped or a kernel address. */
void *fuzz_some_ptr(struct fuzz_thread *t, void *valid);
/* An ioctl whose errno is checked against Documentation/api.rst. */
long fuzz_ioctl(struct fuzz_thread *t, int fd, unsigned long cmd,
		unsigned long arg, const char *what);
/* The worker's system fd (/dev/axvcpu). */
int fuzz_sys_fd(struct fuzz_thread *t);

/* Numbers of the architecture. */
struct fuzz_arch_info {
	unsigned int nr_gprs;		/* GPR numbers 0 .. nr_gprs - 1 */
	unsigned int fault_vector;	/* the exception that has a fault address */
};
extern const struct fuzz_arch_info fuzz_arch;

/*
 * Guest code for a memory region: random instructions, biased towards
 * those that exit, or random bytes (never what the lanes' emulator cannot
 * take, see fuzz/<arch>.c).
 */
void fuzz_arch_random_code(struct fuzz_thread *t, unsigned char *p,
			   size_t len);
/*
 * The arch part of SETUP: anything, valid or not, or (@session) a mode
 * the code of fuzz_arch_random_code() runs in.
 */
void fuzz_arch_setup(struct fuzz_thread *t, struct axvcpu_setup *s,
		     bool session);
/* Perturb a few fields of the valid register file @regs (GET_REGS). */
void fuzz_arch_random_regs(struct fuzz_thread *t, struct axvcpu_regs *regs);
/* Perturb the events in flight @ev (GET_EVENTS) before SET_EVENTS. */
void fuzz_arch_random_events(struct fuzz_thread *t, struct axvcpu_events *ev);
/* A system register id of the arch's id space, listed or not. */
uint64_t fuzz_arch_sysreg_id(struct fuzz_thread *t);
/* A byte of the GET_FPU image that its SET_FPU checks (header, control). */
unsigned int fuzz_arch_fpu_offset(struct fuzz_thread *t);
/* The arch's own vCPU ioctls on @fd (x86: the CPUID table); may do none. */
void fuzz_arch_vcpu_op(struct fuzz_thread *t, int fd);

#endif /* SELFTEST_AXVCPU_FUZZ_H */
