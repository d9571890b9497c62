// SPDX-License-Identifier: GPL-2.0
/*
 * nohw_test: the module on a CPU it cannot use (Documentation/api.rst,
 * AXVCPU_GET_INFO and AXVCPU_CREATE_VM). It loads and offers
 * /dev/axvcpu, GET_INFO says AXVCPU_ARCH_NONE with no features, every
 * CREATE_VM fails with ENODEV and takes nothing, and the kernel log has
 * the one line saying why.
 *
 * Runs only in the lanes that boot such a CPU (LANE_ONLY_PROGRAMS in
 * tools/testing/lib.sh): x86-nosvm (-cpu max,-svm) expects "no AMD SVM or
 * Intel VMX", x86-nonpt (-cpu EPYC,-npt) "SVM without nested paging",
 * riscv64-noh (-cpu rv64,h=false) "no H extension", arm64-noel2 (-M virt
 * without virtualization) "no EL2", arm64-vhe (-cpu max: the kernel takes
 * EL2 for itself) "the kernel runs at EL2 (VHE)".
 */
#include <regex.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"

#define SYSLOG_ACTION_READ_ALL	3
#define SYSLOG_ACTION_SIZE_BUFFER 10

/* The line the lane's CPU must have made the module log, as an ERE. */
static const char *expected_line(void)
{
	const char *lane = getenv("AXVCPU_LANE");

	if (!lane)
		return NULL;
	if (strstr(lane, "nonpt"))
		return "axvcpu: SVM without nested paging is not supported";
	if (strstr(lane, "nosvm"))
		return "axvcpu: no AMD SVM or Intel VMX on this CPU";
	if (strstr(lane, "noh"))
		return "axvcpu: no H extension on this CPU";
	if (strstr(lane, "noel2"))
		return "axvcpu: no EL2 on this CPU";
	if (strstr(lane, "vhe"))
		return "axvcpu: the kernel runs at EL2 \\(VHE\\); axvcpu needs an nVHE kernel";
	return NULL;
}

/* How many lines of the kernel log match @ere. */
static int klog_count(const char *ere)
{
	int size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0), n = 0, len;
	char *buf, *line, *save;
	regex_t re;

	if (size <= 0 || regcomp(&re, ere, REG_EXTENDED | REG_NOSUB))
		return -1;
	buf = calloc(1, size + 1);
	len = buf ? klogctl(SYSLOG_ACTION_READ_ALL, buf, size) : -1;
	if (len < 0) {
		free(buf);
		regfree(&re);
		return -1;
	}
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		n += !regexec(&re, line, 0, NULL, 0);
	free(buf);
	regfree(&re);
	return n;
}

TEST(no_usable_hardware)
{
	const char *want = expected_line();
	struct axvcpu_info info;
	long long refs;
	long fds;
	int sys, i;

	ASSERT_NE(NULL, want)
		TH_LOG("lane %s is not one of the no-hardware lanes this program is for",
		       getenv("AXVCPU_LANE") ?: "(unset)");
	sys = axv_open_dev();
	ASSERT_LE(0, sys) TH_LOG("the module must load and offer %s",
				 AXV_DEV_PATH);
	ASSERT_EQ(AXVCPU_API_VERSION, ioctl(sys, AXVCPU_GET_API_VERSION, 0));
	axv_get_info(sys, &info);
	ASSERT_EQ(AXVCPU_ARCH_NONE, info.arch)
		TH_LOG("GET_INFO arch %s on a CPU the module cannot use",
		       axv_arch_name(info.arch));
	ASSERT_EQ(0, info.flags) TH_LOG("features offered without a backend");

	fds = axv_open_fds();
	refs = axv_module_refcnt();
	ASSERT_LE(1, refs) TH_LOG("the open system fd holds the module");
	for (i = 0; i < 3; i++)
		ASSERT_ERRNO(ENODEV, ioctl(sys, AXVCPU_CREATE_VM, 0));
	ASSERT_EQ(fds, axv_open_fds()) TH_LOG("a failed CREATE_VM left an fd");
	ASSERT_EQ(refs, axv_module_refcnt())
		TH_LOG("a failed CREATE_VM kept a module reference");
	close(sys);

	ASSERT_EQ(1, klog_count(want))
		TH_LOG("expected one kernel log line matching \"%s\"", want);
	ASSERT_EQ(1, klog_count("axvcpu: /dev/axvcpu ready, backend none"))
		TH_LOG("the module's load line should name no backend");
}

TEST_HARNESS_MAIN
