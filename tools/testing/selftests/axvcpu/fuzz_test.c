// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test: a bounded run of the ioctl fuzzer (fuzz/axvcpu_fuzz.c), then
 * checks that nothing leaked and the device still runs a guest.
 *
 * Environment (all optional): AXVCPU_FUZZ_SEED (default 20261125; "random"
 * takes one from the clock), AXVCPU_FUZZ_CALLS (100000), AXVCPU_FUZZ_SECONDS
 * (90), AXVCPU_FUZZ_PROCS (2), AXVCPU_FUZZ_THREADS (3), AXVCPU_FUZZ_FAULTS
 * (5: percent of the calls with an allocation failure injected, where the
 * kernel has fail-nth, failslab and fail_page_alloc; 0 turns it off).
 * `make fuzz` runs it with a million calls and a random seed; the seed is
 * always printed.
 */
#include <dirent.h>
#include <stdlib.h>
#include <time.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_guest.h"
#include "fuzz/axvcpu_fuzz.h"

#define SANITY_SYNC	0x5a

static unsigned long long env_u64(const char *name, unsigned long long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

/* After the fuzz: a guest that reports and ends. */
static void fuzz_sanity_guest(void)
{
	GUEST_SYNC(SANITY_SYNC);
	GUEST_DONE();
}

/* Other fuzz_test processes still alive (a worker's child that got away). */
static void log_leftover_processes(struct __test_metadata *_metadata)
{
	struct dirent *e;
	DIR *d = opendir("/proc");
	char path[300], line[256];

	if (!d)
		return;
	while ((e = readdir(d))) {
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    atoi(e->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && strstr(line, "(fuzz_test)"))
			TH_LOG("still alive: %s", line);
		fclose(f);
	}
	closedir(d);
}

FIXTURE(ioctl_fuzz) {
};

FIXTURE_SETUP(ioctl_fuzz)
{
}

FIXTURE_TEARDOWN(ioctl_fuzz)
{
}

/*
 * The harness's 30 s default is too short. The run is bounded by its own
 * deadline (AXVCPU_FUZZ_SECONDS) and by the runner's timeout around the
 * program (check.sh: 300 s, 600 s in the debug lane; make fuzz: the
 * deadline + 300 s): this is only the harness's last resort.
 */
TEST_F_TIMEOUT(ioctl_fuzz, bounded, 4 * 3600)
{
	struct fuzz_config cfg = { 0 };
	struct fuzz_result res;
	const char *seed = getenv("AXVCPU_FUZZ_SEED");
	long long pins_before = axv_pinned_pages(), pins_after;
	struct axv_fi_saved fi = { 0 };
	struct axv_vcpu *vcpu;
	struct axv_vm vm;
	char why[200];
	int i;

	cfg.seed = seed && !strcmp(seed, "random") ? (uint64_t)time(NULL) :
		   env_u64("AXVCPU_FUZZ_SEED", 20261125);
	cfg.calls = env_u64("AXVCPU_FUZZ_CALLS", 100000);
	cfg.seconds = env_u64("AXVCPU_FUZZ_SECONDS", 90);
	cfg.procs = env_u64("AXVCPU_FUZZ_PROCS", 2);
	cfg.threads = env_u64("AXVCPU_FUZZ_THREADS", 3);
	cfg.fault_percent = env_u64("AXVCPU_FUZZ_FAULTS", 5);
	if (cfg.fault_percent > 100)
		cfg.fault_percent = 100;
	if (cfg.fault_percent && !axv_fi_available(why, sizeof(why))) {
		TH_LOG("fuzz: no fault injection: %s", why);
		cfg.fault_percent = 0;
	}
	if (cfg.fault_percent) {
		i = axv_fi_configure(&fi);
		ASSERT_EQ(0, i) TH_LOG("configuring failslab / fail_page_alloc: %s",
				       axv_errno_name(-i));
	}
	TH_LOG("fuzz: seed %llu (replay: AXVCPU_FUZZ_SEED=%llu), %llu calls, %u s, %u procs x %u threads, faults in %u%% of the calls",
	       (unsigned long long)cfg.seed, (unsigned long long)cfg.seed,
	       (unsigned long long)cfg.calls, cfg.seconds, cfg.procs,
	       cfg.threads, cfg.fault_percent);

	i = fuzz_run(&cfg, &res);
	axv_fi_restore(&fi);
	ASSERT_EQ(0, i);
	TH_LOG("fuzz: %llu calls in %.1f s, %llu RUNs entered the guest, %llu calls with an injected allocation failure, %llu findings",
	       (unsigned long long)res.calls, res.seconds,
	       (unsigned long long)res.runs, (unsigned long long)res.faults,
	       (unsigned long long)res.findings);
	for (i = 0; i < AXVCPU_NR_EXIT_REASONS; i++)
		if (res.exits[i])
			TH_LOG("fuzz:   exit %-20s %llu", axv_exit_name(i),
			       (unsigned long long)res.exits[i]);

	ASSERT_EQ(0, res.findings) TH_LOG("the fuzzer saw the kernel break a rule (FINDING lines above)");
	ASSERT_LT(0, res.runs) TH_LOG("no RUN entered a guest: the fuzzer did not reach the run loop");
	ASSERT_LE(cfg.calls / 10, res.calls) TH_LOG("far fewer calls than asked: the workers stalled");

	/* Every pin of every worker's memory was released with its fds. */
	pins_after = axv_poll_value(axv_pinned_pages, pins_before, 10000);
	if (pins_after != pins_before)
		log_leftover_processes(_metadata);
	ASSERT_EQ(pins_before, pins_after) TH_LOG("pinned pages: %lld before the fuzz, %lld after",
						  pins_before, pins_after);

	/* The device still works. */
	vcpu = axv_guest_vm(&vm, fuzz_sanity_guest, 0);
	ASSERT_RUN_SYNC(vcpu, SANITY_SYNC);
	ASSERT_RUN_DONE(vcpu);
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm);
}

TEST_HARNESS_MAIN
