// SPDX-License-Identifier: GPL-2.0
/*
 * trace_cmd_x86_test: the axvcpu trace events as a user records them
 * (Documentation/api.rst, "Statistics and trace events"): trace-cmd
 * record -e axvcpu around a program whose guest makes three hypercall
 * exits and takes one injected interrupt, then trace-cmd report. Every
 * event must parse with the format the kernel exports for it
 * (libtraceevent reads events/axvcpu/<event>/format: a TP_printk it
 * cannot evaluate shows as "[FAILED TO PARSE]"), and the report must hold
 * the entries, the three exits, the state changes and the injection. The
 * x86 lanes ship Debian's trace-cmd and its libraries in their image (the
 * riscv64 and arm64 images have no dynamic loader: their lanes read the
 * same events from tracefs, stats_test); a machine without trace-cmd
 * skips.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_guest.h"

#define TRACE_CMD	"/usr/bin/trace-cmd"
#define TRACE_DIR	"/tmp/axvcpu-trace-cmd"
#define TRACE_DAT	TRACE_DIR "/trace.dat"
#define SESSION_ARG	"--guest-session"
#define REPORT_MAX	(256 << 10)

static void sync_guest(void)
{
	int i;

	for (i = 1; i <= 3; i++)
		GUEST_SYNC(i);
}

/*
 * What trace-cmd record runs (this program with SESSION_ARG): a VM whose
 * vCPU makes three SYNC exits, then an injection; prints "vm N vcpu N"
 * for the report's check. Exit status 0 when the guest did as expected.
 */
static int guest_session(void)
{
	struct axvcpu_vcpu_info vi;
	struct axv_ucall uc;
	struct axv_vcpu *v;
	struct axv_vm vm;
	int i, rc;

	v = axv_guest_vm(&vm, sync_guest, 0);
	axv_get_vcpu_info(v, &vi);
	for (i = 1; i <= 3; i++) {
		rc = axv_run(v);
		if (rc || axv_get_ucall(v, &uc) != AXV_UCALL_SYNC ||
		    uc.args[0] != (__u64)i) {
			fprintf(stderr, "RUN %d: %d, %s\n", i, rc,
				axv_exit_desc(v->run));
			return 1;
		}
	}
	rc = axv_inject(v, AXV_GUEST_IRQ_VECTOR);
	if (rc) {
		fprintf(stderr, "the injection: %s\n", axv_errno_name(-rc));
		return 1;
	}
	printf("vm %u vcpu %u\n", vi.vm_id, v->id);
	axv_vcpu_close(v);
	axv_vm_close(&vm);
	return 0;
}

/* Runs @cmd through the shell; its output (stdout and stderr) in @buf. */
static int run_capture(const char *cmd, char *buf, size_t size)
{
	size_t n = 0, got;
	FILE *p = popen(cmd, "r");
	int st;

	buf[0] = '\0';
	if (!p)
		return -1;
	while (n + 1 < size && (got = fread(buf + n, 1, size - n - 1, p)) > 0)
		n += got;
	buf[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* How many lines of @text contain @a, @b and @c (@b and @c may be NULL). */
static int count_lines(const char *text, const char *a, const char *b,
		       const char *c)
{
	const char *line = text, *end;
	char buf[512];
	int n = 0;

	for (; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		snprintf(buf, sizeof(buf), "%.*s", (int)(end - line), line);
		if (strstr(buf, a) && (!b || strstr(buf, b)) &&
		    (!c || strstr(buf, c)))
			n++;
	}
	return n;
}

TEST(record_and_report)
{
	static char out[REPORT_MAX], report[REPORT_MAX];
	char cmd[512], who[64], self_exe[256];
	unsigned int vm_id, vcpu_id;
	struct axvcpu_info info;
	const char *p;
	ssize_t len;
	int rc;

	if (access(TRACE_CMD, X_OK))
		SKIP(return, "no " TRACE_CMD ": trace-cmd is not installed");
	axv_read_info(&info);
	len = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	ASSERT_LT(0, len);
	self_exe[len] = '\0';
	ASSERT_TRUE(!mkdir(TRACE_DIR, 0700) || errno == EEXIST);

	snprintf(cmd, sizeof(cmd), TRACE_CMD " record -e axvcpu -o " TRACE_DAT
		 " %s " SESSION_ARG " 2>&1", self_exe);
	printf("# %s\n", cmd);
	rc = run_capture(cmd, out, sizeof(out));
	ASSERT_EQ(0, rc) TH_LOG("trace-cmd record: status %d:\n%s", rc, out);
	p = strstr(out, "\nvm ");
	if (!p && !strncmp(out, "vm ", 3))
		p = out - 1;
	ASSERT_NE(NULL, p) TH_LOG("the guest session printed no vm line:\n%s", out);
	ASSERT_EQ(2, sscanf(p + 1, "vm %u vcpu %u", &vm_id, &vcpu_id));

	rc = run_capture(TRACE_CMD " report -i " TRACE_DAT " 2>&1", report,
			 sizeof(report));
	ASSERT_EQ(0, rc) TH_LOG("trace-cmd report: status %d:\n%s", rc, report);
	printf("# " TRACE_CMD " report -i " TRACE_DAT " (its axvcpu lines):\n");
	for (p = report; *p; p = strchrnul(p, '\n'), p += !!*p) {
		const char *e = strchrnul(p, '\n');

		if (memmem(p, e - p, "axvcpu_", 7))
			printf("#   %.*s\n", (int)(e - p), p);
	}
	ASSERT_EQ(0, count_lines(report, "FAILED TO PARSE", NULL, NULL))
		TH_LOG("%s", report);
	ASSERT_EQ(0, count_lines(report, "[UNKNOWN", NULL, NULL))
		TH_LOG("%s", report);

	/* trace-cmd pads the event's name: match it and the fields apart */
	snprintf(who, sizeof(who), " vm %u vcpu %u", vm_id, vcpu_id);
	EXPECT_LE(3, count_lines(report, "axvcpu_entry:", who, NULL));
	EXPECT_EQ(3, count_lines(report, "axvcpu_exit:", who, " user hypercall "));
	EXPECT_EQ(3, count_lines(report, "axvcpu_state:", who, "READY -> RUNNING"));
	EXPECT_EQ(3, count_lines(report, "axvcpu_state:", who, "RUNNING -> READY"));
	EXPECT_EQ(1, count_lines(report, "axvcpu_inject:", who,
				 info.flags & AXVCPU_FEATURE_IRQ_LINES ?
				 " line " : " interrupt "));
	EXPECT_EQ(1, count_lines(report, "axvcpu_inject:", who, " level 1 ret 0"));
	unlink(TRACE_DAT);
	rmdir(TRACE_DIR);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], SESSION_ARG))
		return guest_session();
	return test_harness_run(argc, argv);
}
