// SPDX-License-Identifier: GPL-2.0
/*
 * module_test: every fd holds a reference on the module, so rmmod is
 * refused while any is open (Documentation/api.rst, general rules); once
 * everything is closed the module unloads, and it loads again from
 * $AXVCPU_KO with finit_module(). The torture part: refused rmmods with
 * random sets of fds open here or in another process, and twenty rounds
 * of load, use, unload (lifecycle torture with torture_*_test.c). The
 * guests are C (axvcpu_guest.h): every backend with a guest library runs
 * them.
 *
 * The runner runs it after every other program (LAST_PROGRAMS in
 * tools/testing/lib.sh): if unloading works but loading again does not,
 * no other program is left without the module.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_guest.h"

#define MODULE_NAME	"axvcpu"
/* The region of a VM that only holds memory. */
#define MEM_SIZE	(1 * AXV_MiB)

static void zz_hello_guest(void)
{
	GUEST_SYNC(0x5a);
	guest_halt();
}

/* Count forever, without exits. */
static volatile __u64 zz_busy_count;

static void zz_busy_guest(void)
{
	for (;;)
		zz_busy_count++;
}

static int delete_module(const char *name, int flags)
{
	return syscall(SYS_delete_module, name, flags);
}

/* The lane's module parameters (AXVCPU_MODULE_PARAMS), for each reload. */
static const char *module_params(void)
{
	const char *p = getenv("AXVCPU_MODULE_PARAMS");

	return p ? p : "";
}

static int finit_module(int fd, const char *params, int flags)
{
	return syscall(SYS_finit_module, fd, params, flags);
}

/*
 * delete_module() must be refused because the module is in use: with
 * EWOULDBLOCK (EAGAIN), what the kernel returns for a module whose use
 * count is not zero (Documentation/api.rst).
 */
#define ASSERT_RMMOD_REFUSED(what) do {					\
	const char *__what = (what);					\
	int __rc = delete_module(MODULE_NAME, O_NONBLOCK);		\
	int __err = __rc ? errno : 0;					\
	ASSERT_TRUE(__rc == -1 && __err == EWOULDBLOCK)			\
		TH_LOG("rmmod with %s open: expected EWOULDBLOCK, got %d (%s)", \
		       __what, __rc, axv_errno_name(__err));		\
	ASSERT_LE(0, axv_module_refcnt())					\
		TH_LOG("the module went away with %s open", __what);	\
} while (0)

/* modinfo's version: "<ABI version>.<source version>" (README, Kbuild). */
TEST(version_names_the_abi)
{
	char want[16], line[128] = "";
	FILE *f = fopen("/sys/module/" MODULE_NAME "/version", "r");

	ASSERT_NE(NULL, f) TH_LOG("no /sys/module/%s/version", MODULE_NAME);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	fclose(f);
	snprintf(want, sizeof(want), "%d.", AXVCPU_API_VERSION);
	ASSERT_EQ(0, strncmp(line, want, strlen(want))) TH_LOG("version %s", line);
	ASSERT_LT(strlen(want) + 1, strlen(line)) TH_LOG("version %s", line);
}

TEST(rmmod_refused_while_fds_open)
{
	struct axvcpu_create_vcpu c = { 0 };
	struct axvcpu_info info;
	long long base;
	int sys, vm, vcpu;
	void *run;

	base = axv_module_refcnt();
	ASSERT_LE(0, base) TH_LOG("%s is not in /proc/modules", MODULE_NAME);

	sys = axv_open_dev();
	axv_get_info(sys, &info);
	ASSERT_LT(base, axv_module_refcnt())
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

	ASSERT_EQ(base, axv_module_refcnt())
		TH_LOG("module use count after closing everything: expected %lld",
		       base);
}

/* ---- torture: seeded random choices, the seed printed ---------------- */

static __u64 zz_seed(struct __test_metadata *_metadata)
{
	__u64 seed = axv_seed();

	TH_LOG("seed %llu (AXVCPU_TORTURE_SEED=%llu repeats these choices)",
	       (unsigned long long)seed, (unsigned long long)seed);
	return seed;
}

/*
 * The count of a holder child's guest: its zz_busy_count, read in the
 * child at @hva (the child's own guest memory) through /proc/<pid>/mem
 * (process_vm_readv() needs CONFIG_CROSS_MEMORY_ATTACH, which not every
 * kernel has); 0 if it cannot be read.
 */
static __u64 zz_count(pid_t pid, __u64 hva)
{
	char path[64];
	__u64 v = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &v, sizeof(v), (off_t)hva) != sizeof(v))
		v = 0;
	close(fd);
	return v;
}

/*
 * A child holding a VM with a region and a vCPU that runs the busy guest.
 * Writes the address of its guest's count to @ready_fd when it holds them
 * all; never returns.
 */
static void zz_holder_child(int ready_fd)
{
	struct axv_vcpu *vcpu;
	struct axv_vm vm;
	__u64 hva;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	vcpu = axv_guest_vm(&vm, zz_busy_guest, 0);
	hva = (__u64)(uintptr_t)axv_guest_global(&vm, zz_busy_count);
	if (write(ready_fd, &hva, sizeof(hva)) != sizeof(hva))
		_exit(3);
	axv_run(vcpu);
	_exit(3);	/* RUN never returns on its own */
}

/*
 * Fork a holder child and wait until it holds its fds and its guest
 * counts; returns its pid (-1 if it did not get there), the address of
 * its count in *@hva.
 */
static pid_t zz_start_holder(__u64 *hva)
{
	bool ready;
	int p[2], i;
	pid_t pid;

	*hva = 0;
	AXV_REQUIRE(pipe(p) == 0, "pipe");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	AXV_REQUIRE(pid >= 0, "fork");
	if (pid == 0) {
		close(p[0]);
		zz_holder_child(p[1]);
	}
	close(p[1]);
	ready = read(p[0], hva, sizeof(*hva)) == sizeof(*hva);
	close(p[0]);
	/* the guest counts: the child is inside RUN */
	for (i = 0; ready && i < 60000 && !zz_count(pid, *hva); i++)
		axv_msleep(1);
	if (!ready || !zz_count(pid, *hva)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

static void zz_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* One rmmod, refused as documented; it changes nothing. */
static void assert_rmmod_refused(struct __test_metadata *_metadata,
				 const char *what, unsigned int it)
{
	long long before = axv_module_refcnt(), after;
	int rc = delete_module(MODULE_NAME, O_NONBLOCK);
	int err = rc ? errno : 0;

	after = axv_module_refcnt();
	ASSERT_TRUE(rc == -1 && err == EWOULDBLOCK)
		TH_LOG("iteration %u: rmmod with %s: %d (%s), expected EWOULDBLOCK",
		       it, what, rc, axv_errno_name(err));
	ASSERT_EQ(before, after)
		TH_LOG("iteration %u: the refused rmmod changed the use count",
		       it);
}

/* A READY vCPU of a new VM, set up to run the hello guest. */
static struct axv_vcpu *zz_vcpu(struct axv_vm *vm)
{
	return axv_guest_vm(vm, zz_hello_guest, 0);
}

enum {
	HOLD_SYS = 1 << 0,	/* a system fd */
	HOLD_VM = 1 << 1,	/* a VM fd with a region */
	HOLD_VCPU = 1 << 2,	/* a vCPU fd (its VM's fds closed) */
	HOLD_RUN_MAP = 1 << 3,	/* only a mapping of a run struct */
	HOLD_ALL = (1 << 4) - 1,
};

/* The tests that unload the module, in this order. */
FIXTURE(module)
{
	pid_t child;	/* killed by the teardown */
	__u64 child_count_hva;	/* where the child's guest counts, in it */
	__u64 seed;
};

FIXTURE_SETUP(module)
{
}

FIXTURE_TEARDOWN(module)
{
	if (self->child > 0)
		zz_kill(self->child);
}

/*
 * rmmod is refused with EWOULDBLOCK (EAGAIN) while anything holds the
 * module: any mix of this process's fds and mappings, or fds of another
 * process (whose guest keeps running). Each refusal leaves the use count
 * as it was and every fd working; afterwards the count is back at its
 * start value.
 */
TEST_F_TIMEOUT(module, rmmod_refused_torture, 600)
{
	self->seed = zz_seed(_metadata);
	long long base, v;
	unsigned int it, k;

	base = axv_module_refcnt();
	ASSERT_LE(0, base) TH_LOG("no /sys/module/%s/refcnt", MODULE_NAME);

	for (it = 0; it < 30; it++) {
		unsigned int hold = 1 + axv_rand64(&self->seed) % HOLD_ALL;
		unsigned int tries = 1 + axv_rand64(&self->seed) % 3;
		struct axv_vcpu *vcpu = NULL, *mapped = NULL;
		struct axv_vm vm, vm2, vm3;
		int sys = -1, files = 0;

		if (hold & HOLD_SYS) {
			sys = axv_open_dev();
			files++;
		}
		if (hold & HOLD_VM) {
			axv_vm_create(&vm);
			axv_mem_add(&vm, 0, 0, MEM_SIZE, 0, NULL);
			close(vm.sys_fd);
			vm.sys_fd = -1;
			files++;
		}
		if (hold & HOLD_VCPU) {
			vcpu = zz_vcpu(&vm2);
			/* the vCPU holds its VM: only its fd remains */
			close(vm2.fd);
			close(vm2.sys_fd);
			vm2.fd = -1;
			vm2.sys_fd = -1;
			files++;
		}
		if (hold & HOLD_RUN_MAP) {
			axv_vm_create(&vm3);
			mapped = axv_vcpu_create(&vm3, 0, 0);
			close(mapped->fd);
			mapped->fd = -1;
			axv_vm_close(&vm3);
			files++;
		}
		v = axv_module_refcnt();
		ASSERT_EQ(base + files, v)
			TH_LOG("iteration %u: %d files open (set %#x): use count %lld, base %lld",
			       it, files, hold, v, base);

		for (k = 0; k < tries; k++)
			assert_rmmod_refused(_metadata, "this process's fds", it);

		/* everything still works */
		if (sys >= 0) {
			ASSERT_EQ(AXVCPU_API_VERSION,
				  ioctl(sys, AXVCPU_GET_API_VERSION, 0));
			close(sys);
		}
		if (hold & HOLD_VM) {
			ASSERT_EQ(-ENOENT, axv_set_region(vm.fd, 1, 0, 0, 0, 0));
			axv_mem_delete(&vm, 0);
			axv_vm_close(&vm);
		}
		if (vcpu) {
			ASSERT_RUN_SYNC(vcpu, 0x5a);
			ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
			axv_vcpu_close(vcpu);
			axv_vm_close(&vm2);
		}
		if (mapped) {
			ASSERT_EQ(0, mapped->run->exit_reason);
			axv_vcpu_close(mapped);
		}
		v = axv_poll_value(axv_module_refcnt, base, 2000);
		ASSERT_EQ(base, v)
			TH_LOG("iteration %u: use count %lld after closing all, %lld at the start",
			       it, v, base);
	}

	/* the fds of another process */
	for (it = 0; it < 10; it++) {
		unsigned int tries = 1 + axv_rand64(&self->seed) % 5;
		__u64 count = 0;

		self->child = zz_start_holder(&self->child_count_hva);
		ASSERT_LT(0, self->child)
			TH_LOG("iteration %u: the child did not start", it);
		ASSERT_LT(base, axv_module_refcnt())
			TH_LOG("iteration %u: the child's fds do not count", it);
		for (k = 0; k < tries; k++) {
			axv_msleep(axv_rand64(&self->seed) % 6);
			count = zz_count(self->child, self->child_count_hva);
			assert_rmmod_refused(_metadata, "another process's fds",
					     it);
		}
		/* its guest runs on as if nothing had happened */
		for (k = 0; k < 60000 &&
		     zz_count(self->child, self->child_count_hva) == count; k++)
			axv_msleep(1);
		ASSERT_NE(count, zz_count(self->child, self->child_count_hva))
			TH_LOG("iteration %u: the child's guest stopped counting",
			       it);
		zz_kill(self->child);
		self->child = 0;
		v = axv_poll_value(axv_module_refcnt, base, 30000);
		ASSERT_EQ(base, v)
			TH_LOG("iteration %u: use count %lld after the kill, %lld at the start",
			       it, v, base);
	}
}

static int zz_load(const char *ko)
{
	int fd, rc, i;

	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = finit_module(fd, module_params(), 0) ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	/* devtmpfs makes the node as the misc device registers */
	for (i = 0; i < 500; i++) {
		fd = open(AXV_DEV_PATH, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		axv_msleep(10);
	}
	return -ENODEV;
}

/*
 * Twenty rounds of: load the module, use it, unload it. The use is a VM
 * and a vCPU running a guest to its exits, all closed (the unload right
 * after the last close must succeed: nothing is left behind); or a child
 * running a guest killed with SIGKILL, the unload retried until its fds
 * are gone (only EWOULDBLOCK meanwhile); or a VM with a region. The
 * module is loaded again at the end.
 */
TEST_F_TIMEOUT(module, reload_loop, 600)
{
	const char *ko = getenv("AXVCPU_KO");
	unsigned int it, kills = 0, runs = 0;
	int rc, i;

	if (!ko || !*ko)
		SKIP(return, "%s",
		     "AXVCPU_KO is not set: no unloading a module that cannot come back");
	if (access(ko, R_OK))
		SKIP(return, "AXVCPU_KO=%s: %s", ko, axv_errno_name(errno));
	self->seed = zz_seed(_metadata);

	ASSERT_EQ(0, axv_poll_value(axv_module_refcnt, 0, 2000))
		TH_LOG("something holds the module before the loop");
	for (it = 0; it < 20; it++) {
		unsigned int mode = axv_rand64(&self->seed) % 3;

		rc = delete_module(MODULE_NAME, O_NONBLOCK);
		ASSERT_EQ(0, rc)
			TH_LOG("iteration %u: rmmod with nothing open: %s", it,
			       axv_errno_name(errno));
		ASSERT_EQ(-1, axv_module_refcnt()) TH_LOG("still loaded");
		ASSERT_GT(0, open(AXV_DEV_PATH, O_RDWR))
			TH_LOG("%s still opens after rmmod", AXV_DEV_PATH);
		rc = zz_load(ko);
		ASSERT_EQ(0, rc)
			TH_LOG("iteration %u: loading %s: %s", it, ko,
			       axv_errno_name(-rc));
		ASSERT_EQ(0, axv_module_refcnt());

		if (mode == 0) {
			struct axv_vcpu *vcpu;
			struct axv_vm vm;

			/* the rmmod right after the last close must work */
			vcpu = zz_vcpu(&vm);
			ASSERT_RUN_SYNC(vcpu, 0x5a);
			ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
			axv_vcpu_close(vcpu);
			axv_vm_close(&vm);
			runs++;
		} else if (mode == 1) {
			self->child = zz_start_holder(&self->child_count_hva);
			ASSERT_LT(0, self->child)
				TH_LOG("iteration %u: the child did not start", it);
			axv_msleep(axv_rand64(&self->seed) % 20);
			kill(self->child, SIGKILL);
			/* unload as soon as its fds are gone */
			for (i = 0; i < 30000; i++) {
				rc = delete_module(MODULE_NAME, O_NONBLOCK);
				if (!rc || errno != EWOULDBLOCK)
					break;
				usleep(1000);
			}
			waitpid(self->child, NULL, 0);
			self->child = 0;
			ASSERT_EQ(0, rc)
				TH_LOG("iteration %u: rmmod after the kill: %s",
				       it, axv_errno_name(errno));
			kills++;
			rc = zz_load(ko);
			ASSERT_EQ(0, rc)
				TH_LOG("iteration %u: loading %s: %s", it, ko,
				       axv_errno_name(-rc));
		} else {
			struct axv_vm vm;

			axv_vm_create(&vm);
			axv_mem_add(&vm, 0, 0, MEM_SIZE, 0, NULL);
			axv_vm_close(&vm);
		}
	}
	/* leave it loaded */
	rc = delete_module(MODULE_NAME, O_NONBLOCK);
	ASSERT_EQ(0, rc) TH_LOG("last rmmod: %s", axv_errno_name(errno));
	rc = zz_load(ko);
	ASSERT_EQ(0, rc) TH_LOG("loading %s: %s", ko, axv_errno_name(-rc));
	TH_LOG("20 loads and unloads: %u with a guest run, %u with a killed child",
	       runs, kills);
}

/*
 * Must stay the last test of the last program: a fixture test, as the
 * harness runs the fixture-less tests first.
 */
TEST_F(module, unload_and_reload)
{
	const char *ko = getenv("AXVCPU_KO");
	int fd, i, rc;

	if (!ko || !*ko)
		SKIP(return, "%s",
		     "AXVCPU_KO is not set: not unloading a module that cannot be loaded again");
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "AXVCPU_KO=%s: %s", ko, axv_errno_name(errno));
	for (i = 0; i < 200 && axv_module_refcnt() > 0; i++)
		axv_msleep(10);
	ASSERT_EQ(0, axv_module_refcnt())
		TH_LOG("something still holds the module (use count %lld)",
		       axv_module_refcnt());

	rc = delete_module(MODULE_NAME, O_NONBLOCK);
	ASSERT_EQ(0, rc)
		TH_LOG("rmmod with nothing open: %s", axv_errno_name(errno));
	ASSERT_EQ(-1, axv_module_refcnt()) TH_LOG("still in /proc/modules");
	ASSERT_GT(0, open(AXV_DEV_PATH, O_RDWR))
		TH_LOG("%s still opens after rmmod", AXV_DEV_PATH);

	rc = finit_module(fd, module_params(), 0);
	ASSERT_EQ(0, rc)
		TH_LOG("finit_module(%s): %s", ko, axv_errno_name(errno));
	close(fd);
	ASSERT_LE(0, axv_module_refcnt());

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
