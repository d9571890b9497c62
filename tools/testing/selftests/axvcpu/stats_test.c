// SPDX-License-Identifier: GPL-2.0
/*
 * stats_test: what the module says about its vCPUs (Documentation/api.rst,
 * "Statistics and trace events"): the debugfs stats files count RUN
 * calls, entries, exits by reason, halts and injections as the guest
 * does them; a VM's file sums its vCPUs'; the directories come and go
 * with the fds; the axvcpu trace events record entries, exits, state
 * changes and injections.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_guest.h"

#define DEBUGFS		"/sys/kernel/debug/axvcpu"
#define HANDLER_SYNC	0x40

static const char * const exit_names[AXVCPU_NR_EXIT_REASONS] = {
	"nothing", "hypercall", "mmio_read", "mmio_write", "sysreg_read",
	"sysreg_write", "io_read", "io_write", "external_interrupt",
	"nested_page_fault", "halt", "cpu_up", "cpu_down", "system_down",
	"fail_entry", "send_ipi",
};

/* One stats file, parsed: the named values and how many lines it had. */
struct stats {
	__u64 runs, entries, exits_kernel, exits_user, halt_waits;
	__u64 halt_wait_ns, signal_exits, injections;
	__u64 exits[AXVCPU_NR_EXIT_REASONS];
	int lines, unknown;
};

static int read_stats(const char *path, struct stats *s)
{
	char name[64];
	unsigned long long v;
	FILE *f = fopen(path, "r");
	int i;

	memset(s, 0, sizeof(*s));
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %llu", name, &v) == 2) {
		s->lines++;
		if (!strcmp(name, "runs"))
			s->runs = v;
		else if (!strcmp(name, "entries"))
			s->entries = v;
		else if (!strcmp(name, "exits_kernel"))
			s->exits_kernel = v;
		else if (!strcmp(name, "exits_user"))
			s->exits_user = v;
		else if (!strcmp(name, "halt_waits"))
			s->halt_waits = v;
		else if (!strcmp(name, "halt_wait_ns"))
			s->halt_wait_ns = v;
		else if (!strcmp(name, "signal_exits"))
			s->signal_exits = v;
		else if (!strcmp(name, "injections"))
			s->injections = v;
		else if (!strncmp(name, "exit_", 5)) {
			for (i = 0; i < AXVCPU_NR_EXIT_REASONS; i++)
				if (!strcmp(name + 5, exit_names[i]))
					break;
			if (i < AXVCPU_NR_EXIT_REASONS)
				s->exits[i] = v;
			else
				s->unknown++;
		} else {
			s->unknown++;
		}
	}
	fclose(f);
	return 0;
}

/* Up to @max lines of @path that contain @needle, as TAP comments. */
static void show_lines(const char *path, const char *needle, int max)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (max > 0 && fgets(line, sizeof(line), f)) {
		if (needle && !strstr(line, needle))
			continue;
		printf("#   %s", line);
		max--;
	}
	fclose(f);
}

static void vm_dir(struct axv_vcpu *vcpu, char *buf, size_t len)
{
	struct axvcpu_vcpu_info vi;

	axv_get_vcpu_info(vcpu, &vi);
	snprintf(buf, len, DEBUGFS "/%d-%u", getpid(), vi.vm_id);
}

static int vcpu_stats(struct axv_vcpu *vcpu, struct stats *s)
{
	char path[128];

	vm_dir(vcpu, path, sizeof(path));
	snprintf(path + strlen(path), sizeof(path) - strlen(path),
		 "/vcpu%u/stats", vcpu->id);
	return read_stats(path, s);
}

static int vm_stats(struct axv_vcpu *any, struct stats *s)
{
	char path[128];

	vm_dir(any, path, sizeof(path));
	strncat(path, "/stats", sizeof(path) - strlen(path) - 1);
	return read_stats(path, s);
}

static void sync_guest(void)
{
	int i;

	for (i = 1; i <= 5; i++)
		GUEST_SYNC(i);
}

static void sync_irq(__u64 vector)
{
	GUEST_SYNC2(HANDLER_SYNC, vector);
}

static void halt_guest(void)
{
	guest_irq_set_handler(sync_irq);
	GUEST_SYNC(1);
	guest_safe_halt();
	GUEST_SYNC(2);
}

FIXTURE(stats)
{
	struct axv_vm vm;
	struct axvcpu_info info;
};

FIXTURE_SETUP(stats)
{
	struct stat st;

	axv_read_info(&self->info);
	self->vm.fd = -1;
	if (stat(DEBUGFS, &st))
		SKIP(return, "no " DEBUGFS ": debugfs is not mounted or the kernel has none");
}

FIXTURE_TEARDOWN(stats)
{
	if (self->vm.fd >= 0)
		axv_vm_close(&self->vm);
}

/* Five SYNCs and the return: six RUN calls, six hypercall exits, no other. */
TEST_F(stats, vcpu_counts_runs_and_exits)
{
	struct axv_vcpu *v = axv_guest_vm(&self->vm, sync_guest, 0);
	char path[160];
	struct stats s;
	int i;

	ASSERT_EQ(0, vcpu_stats(v, &s));
	EXPECT_EQ(0, s.unknown);
	EXPECT_EQ(8 + AXVCPU_NR_EXIT_REASONS, s.lines);
	EXPECT_EQ(0, s.runs);
	EXPECT_EQ(0, s.entries);
	for (i = 1; i <= 5; i++)
		ASSERT_RUN_SYNC(v, i);
	ASSERT_RUN_DONE(v);

	vm_dir(v, path, sizeof(path));
	strncat(path, "/vcpu0/stats", sizeof(path) - strlen(path) - 1);
	printf("# %s after six RUN calls:\n", path);
	show_lines(path, NULL, 64);
	ASSERT_EQ(0, vcpu_stats(v, &s));
	EXPECT_EQ(6, s.runs);
	EXPECT_EQ(6, s.exits_user);
	EXPECT_EQ(6, s.exits[AXVCPU_EXIT_HYPERCALL]);
	for (i = 0; i < AXVCPU_NR_EXIT_REASONS; i++)
		if (i != AXVCPU_EXIT_HYPERCALL)
			EXPECT_EQ(0, s.exits[i]) TH_LOG("exit reason %d", i);
	/* every entry ends in one exit, to the kernel or to user space */
	EXPECT_EQ(s.entries, s.exits_kernel + s.exits_user);
	EXPECT_EQ(0, s.halt_waits);
	EXPECT_EQ(0, s.signal_exits);
	EXPECT_EQ(0, s.injections);
	axv_vcpu_close(v);
}

/* A RUN that immediate_exit ends is a signal exit, not an entry. */
TEST_F(stats, immediate_exit_is_a_signal_exit)
{
	struct axv_vcpu *v = axv_guest_vm(&self->vm, sync_guest, 0);
	struct stats s;

	v->run->immediate_exit = 1;
	ASSERT_EQ(-EINTR, axv_run(v));
	v->run->immediate_exit = 0;
	ASSERT_EQ(0, vcpu_stats(v, &s));
	EXPECT_EQ(1, s.runs);
	EXPECT_EQ(1, s.signal_exits);
	EXPECT_EQ(0, s.entries);
	EXPECT_EQ(0, s.exits_user);
	axv_vcpu_close(v);
}

/* Two vCPUs: the VM's file is the sum of theirs, counter by counter. */
TEST_F(stats, vm_sums_its_vcpus)
{
	struct axv_vcpu *v[2];
	struct stats a, b, sum;
	int i;

	axv_guest_vm_create(&self->vm);
	for (i = 0; i < 2; i++)
		v[i] = axv_guest_vcpu(&self->vm, i, 0, sync_guest);
	for (i = 1; i <= 5; i++)
		ASSERT_RUN_SYNC(v[0], i);
	for (i = 1; i <= 2; i++)
		ASSERT_RUN_SYNC(v[1], i);
	ASSERT_EQ(0, vcpu_stats(v[0], &a));
	ASSERT_EQ(0, vcpu_stats(v[1], &b));
	ASSERT_EQ(0, vm_stats(v[0], &sum));
	EXPECT_EQ(5, a.runs);
	EXPECT_EQ(2, b.runs);
	EXPECT_EQ(a.runs + b.runs, sum.runs);
	EXPECT_EQ(a.entries + b.entries, sum.entries);
	EXPECT_EQ(a.exits_kernel + b.exits_kernel, sum.exits_kernel);
	EXPECT_EQ(a.exits_user + b.exits_user, sum.exits_user);
	for (i = 0; i < AXVCPU_NR_EXIT_REASONS; i++)
		EXPECT_EQ(a.exits[i] + b.exits[i], sum.exits[i])
			TH_LOG("exit reason %d", i);
	EXPECT_EQ(7, sum.exits[AXVCPU_EXIT_HYPERCALL]);
	for (i = 0; i < 2; i++)
		axv_vcpu_close(v[i]);
}

/* vcpu<N>/ goes with the vCPU fd, the VM's directory with the VM fd. */
TEST_F(stats, directories_follow_the_fds)
{
	struct axv_vcpu *v = axv_guest_vm(&self->vm, sync_guest, 0);
	char dir[128], path[160];
	struct stat st;

	vm_dir(v, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/vcpu%u", dir, v->id);
	ASSERT_EQ(0, stat(dir, &st)) TH_LOG("%s: %s", dir, strerror(errno));
	ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
	axv_vcpu_close(v);
	EXPECT_NE(0, stat(path, &st)) TH_LOG("%s outlived its vCPU", path);
	EXPECT_EQ(0, stat(dir, &st));
	axv_vm_close(&self->vm);
	self->vm.fd = -1;
	EXPECT_NE(0, stat(dir, &st)) TH_LOG("%s outlived its VM", dir);
}

static struct axv_vcpu *halt_vcpu;

static void *inject_when_blocked(void *arg)
{
	long st = axv_wait_state(halt_vcpu, AXVCPU_STATE_BLOCKED, 20000);

	if (st == AXVCPU_STATE_BLOCKED) {
		axv_msleep(100);
		*(int *)arg = axv_inject(halt_vcpu, AXV_GUEST_IRQ_VECTOR);
	}
	return NULL;
}

/* A halt waited in the kernel for 100 ms: counted, and its time. */
TEST_F(stats, halt_wait_time)
{
	struct axv_ucall uc;
	struct stats s;
	int rc = -1;
	pthread_t t;

	AXV_REQUIRE_FEATURE(&self->info, AXVCPU_FEATURE_HALT_IN_KERNEL);
	halt_vcpu = axv_guest_vm(&self->vm, halt_guest,
				 AXVCPU_VCPU_HALT_IN_KERNEL);
	ASSERT_RUN_SYNC(halt_vcpu, 1);
	axv_thread_run(&t, inject_when_blocked, &rc);
	ASSERT_EQ(0, axv_run(halt_vcpu));
	pthread_join(t, NULL);
	ASSERT_EQ(0, rc) TH_LOG("the injection: %s", axv_errno_name(-rc));
	ASSERT_EQ(AXV_UCALL_SYNC, axv_get_ucall(halt_vcpu, &uc));
	EXPECT_EQ(HANDLER_SYNC, uc.args[0]);

	ASSERT_EQ(0, vcpu_stats(halt_vcpu, &s));
	EXPECT_LE(1, s.halt_waits);
	EXPECT_LE(80ULL * 1000 * 1000, s.halt_wait_ns)
		TH_LOG("halt_wait_ns %llu after a 100 ms wait",
		       (unsigned long long)s.halt_wait_ns);
	EXPECT_GT(5ULL * 1000 * 1000 * 1000, s.halt_wait_ns);
	EXPECT_LE(1, s.injections);
	EXPECT_EQ(0, s.exits[AXVCPU_EXIT_HALT])
		TH_LOG("a halt waited in the kernel is no user exit");
	axv_vcpu_close(halt_vcpu);
}

/* ---- trace events ---- */

static const char *tracefs(void)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	static char path[64];
	struct stat st;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/events/axvcpu", dirs[i]);
		if (!stat(path, &st))
			return dirs[i];
	}
	return NULL;
}

static int write_str(const char *dir, const char *file, const char *s,
		     int flags)
{
	char path[128];
	int fd, n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | flags);
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* How many lines of the trace buffer contain all of @a and @b. */
static int trace_count(const char *dir, const char *a, const char *b)
{
	char path[128], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
	fclose(f);
	return n;
}

TEST_F(stats, trace_events)
{
	const char *dir = tracefs();
	struct axvcpu_vcpu_info vi;
	char who[64], want[96];
	struct axv_vcpu *v;
	int i, rc;

	if (!dir)
		SKIP(return, "no events/axvcpu in tracefs: the kernel has no event tracing");
	v = axv_guest_vm(&self->vm, sync_guest, 0);
	axv_get_vcpu_info(v, &vi);
	ASSERT_EQ(0, write_str(dir, "trace", "", O_TRUNC));
	ASSERT_EQ(0, write_str(dir, "events/axvcpu/enable", "1", 0));
	for (i = 1; i <= 3; i++)
		ASSERT_RUN_SYNC(v, i);
	rc = axv_inject(v, AXV_GUEST_IRQ_VECTOR);
	ASSERT_EQ(0, write_str(dir, "events/axvcpu/enable", "0", 0));
	ASSERT_EQ(0, rc) TH_LOG("the injection: %s", axv_errno_name(-rc));

	snprintf(who, sizeof(who), ": vm %u vcpu %u ", vi.vm_id, v->id);
	snprintf(want, sizeof(want), "%s/trace", dir);
	printf("# %s, the axvcpu events of three SYNCs and an injection:\n", want);
	show_lines(want, ": axvcpu_", 24);
	/* the entry event's line ends after the vCPU number */
	snprintf(want, sizeof(want), "axvcpu_entry: vm %u vcpu %u\n",
		 vi.vm_id, v->id);
	EXPECT_LE(3, trace_count(dir, want, NULL));
	snprintf(want, sizeof(want), "axvcpu_exit%s", who);
	EXPECT_EQ(3, trace_count(dir, want, " user hypercall "));
	snprintf(want, sizeof(want), "axvcpu_state%s", who);
	EXPECT_EQ(3, trace_count(dir, want, "READY -> RUNNING"));
	EXPECT_EQ(3, trace_count(dir, want, "RUNNING -> READY"));
	snprintf(want, sizeof(want), "axvcpu_inject%s", who);
	EXPECT_EQ(1, trace_count(dir, want,
				 self->info.flags & AXVCPU_FEATURE_IRQ_LINES ?
				 " line " : " interrupt "));
	EXPECT_EQ(1, trace_count(dir, want, " level 1 ret 0"));
	axv_vcpu_close(v);
}

TEST_HARNESS_MAIN
