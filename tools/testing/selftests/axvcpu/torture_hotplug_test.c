// SPDX-License-Identifier: GPL-2.0
/*
 * torture_hotplug_test: CPU hotplug under running vCPUs. The second test
 * CPU (axv_test_cpu(1)) goes offline and online again and again, with
 * random pauses from one printed seed (torture.h), while vCPU threads run
 * a guest, unbind and bind again, and VMs are created and run. Every RUN
 * must come back with the guest's next report, no vCPU may ever be bound
 * to a CPU outside its allowed set (the test CPUs; the hotplugged CPU
 * alone for one of them, whose BIND and RUN must be refused while that
 * CPU is offline), and once the CPU is back every vCPU must run on. Then
 * the pinned pages, this process's VmLck and the module's use count must
 * be back where they were.
 *
 * AXVCPU_TORTURE_SEED repeats the choices, AXVCPU_TORTURE_ITERS sets the
 * number of offline/online cycles.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "torture.h"

TORTURE_FIXTURE();

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
	char why[320];
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
		if (!loop_exit_ok(vcpu, rc, last, why, sizeof(why))) {
			HP_ERR(w, "%s; %s", why, axv_regs_desc(vcpu));
			break;
		}
		last += LOOP_STEP;
		STORE(w->exits, w->exits + 1);
		/* the assertion of this test: never outside the allowed set */
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
	char error[512];
};

static void *hp_churn_fn(void *arg)
{
	struct hp_churn *c = arg;
	char why[320];

	while (!LOAD(*c->stop) && !c->error[0]) {
		if (hello_runs(tor_range(&c->rng, 0, 1), why, sizeof(why)))
			c->runs++;
		else
			HP_ERR(c, "%s%s", why,
			       LOAD(c->kicked) ? " (did not come back)" : "");
	}
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
 * Four vCPU threads run a guest that reports every LOOP_STEP increments
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
	tor_vm_create(&vm, NULL);
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
		tor_guest_start(w[i].vcpu, i, TOR_GUEST(loop_guest));
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
