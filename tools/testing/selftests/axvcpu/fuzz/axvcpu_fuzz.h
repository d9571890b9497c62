/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The axvcpu ioctl fuzzer: seeded random sequences over every fd type and
 * ioctl, in several threads and processes, with vCPUs running random guest
 * code between the calls.
 */
#ifndef SELFTEST_AXVCPU_FUZZ_H
#define SELFTEST_AXVCPU_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

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

#endif /* SELFTEST_AXVCPU_FUZZ_H */
