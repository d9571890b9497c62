// SPDX-License-Identifier: GPL-2.0
/*
 * zz_module_test: every fd holds a reference on the module, so rmmod is
 * refused while any is open (Documentation/api.rst, general rules); once
 * everything is closed the module unloads, and it loads again from
 * $AXVCPU_KO with finit_module().
 *
 * Named to run last of all the programs: if unloading works but loading
 * again does not, no other program is left without the module.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"

#define MODULE_NAME	"axvcpu"

static int delete_module(const char *name, int flags)
{
	return syscall(SYS_delete_module, name, flags);
}

static int finit_module(int fd, const char *params, int flags)
{
	return syscall(SYS_finit_module, fd, params, flags);
}

/* The use count of the module in /proc/modules, -1 if it is not loaded. */
static long module_refcount(void)
{
	char line[512], name[64];
	long size, refs;
	FILE *f = fopen("/proc/modules", "r");

	AXV_REQUIRE(f, "open /proc/modules");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld %ld", name, &size, &refs) == 3 &&
		    !strcmp(name, MODULE_NAME)) {
			fclose(f);
			return refs;
		}
	}
	fclose(f);
	return -1;
}

/* delete_module() must be refused because the module is in use. */
#define ASSERT_RMMOD_REFUSED(what) do {					\
	int __rc = delete_module(MODULE_NAME, O_NONBLOCK);		\
	int __err = __rc ? errno : 0;					\
	ASSERT_TRUE(__rc == -1 && (__err == EBUSY || __err == EAGAIN))	\
		TH_LOG("rmmod with %s open: expected EBUSY/EWOULDBLOCK, got %d (%s)", \
		       what, __rc, axv_errno_name(__err));		\
	ASSERT_LE(0, module_refcount())					\
		TH_LOG("the module went away with %s open", what);	\
} while (0)

TEST(rmmod_refused_while_fds_open)
{
	struct axvcpu_create_vcpu c = { 0 };
	struct axvcpu_info info;
	long base;
	int sys, vm, vcpu;
	void *run;

	base = module_refcount();
	ASSERT_LE(0, base) TH_LOG("%s is not in /proc/modules", MODULE_NAME);

	sys = axv_open_dev();
	axv_get_info(sys, &info);
	ASSERT_LT(base, module_refcount())
		TH_LOG("an open /dev/axvcpu does not hold the module");
	ASSERT_RMMOD_REFUSED("the system fd");

	vm = ioctl(sys, AXVCPU_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	c.vm_fd = vm;
	vcpu = ioctl(sys, AXVCPU_CREATE_VCPU, &c);
	ASSERT_LE(0, vcpu);
	run = mmap(NULL, info.run_mmap_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, vcpu, 0);
	ASSERT_NE(MAP_FAILED, run);

	close(sys);
	ASSERT_RMMOD_REFUSED("a VM fd and a vCPU fd");
	close(vm);
	ASSERT_RMMOD_REFUSED("a vCPU fd");
	close(vcpu);
	ASSERT_RMMOD_REFUSED("a mapping of a vCPU's run struct");
	munmap(run, info.run_mmap_size);

	ASSERT_EQ(base, module_refcount())
		TH_LOG("module use count after closing everything: expected %ld",
		       base);
}

/* Must stay the last test of the last program. */
TEST(unload_and_reload)
{
	const char *ko = getenv("AXVCPU_KO");
	int fd, i, rc;

	if (!ko || !*ko)
		SKIP(return, "AXVCPU_KO is not set: not unloading a module that cannot be loaded again");
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "AXVCPU_KO=%s: %s", ko, axv_errno_name(errno));
	for (i = 0; i < 200 && module_refcount() > 0; i++)
		axv_msleep(10);
	ASSERT_EQ(0, module_refcount())
		TH_LOG("something still holds the module (use count %ld)",
		       module_refcount());

	rc = delete_module(MODULE_NAME, O_NONBLOCK);
	ASSERT_EQ(0, rc)
		TH_LOG("rmmod with nothing open: %s", axv_errno_name(errno));
	ASSERT_EQ(-1, module_refcount()) TH_LOG("still in /proc/modules");
	ASSERT_GT(0, open(AXV_DEV_PATH, O_RDWR))
		TH_LOG("%s still opens after rmmod", AXV_DEV_PATH);

	rc = finit_module(fd, "", 0);
	ASSERT_EQ(0, rc)
		TH_LOG("finit_module(%s): %s", ko, axv_errno_name(errno));
	close(fd);
	ASSERT_LE(0, module_refcount());

	/* devtmpfs makes the node as the misc device registers */
	for (i = 0; i < 500; i++) {
		fd = open(AXV_DEV_PATH, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			break;
		axv_msleep(10);
	}
	ASSERT_LE(0, fd) TH_LOG("no %s after reloading", AXV_DEV_PATH);
	ASSERT_EQ(AXVCPU_API_VERSION, ioctl(fd, AXVCPU_GET_API_VERSION, 0));
	rc = ioctl(fd, AXVCPU_CREATE_VM, 0);
	ASSERT_LE(0, rc)
		TH_LOG("CREATE_VM after reloading: %s", axv_errno_name(errno));
	close(rc);
	close(fd);
}

TEST_HARNESS_MAIN
