// SPDX-License-Identifier: GPL-2.0
/*
 * axvcpu selftest library: device, VM, vCPU, memory and run helpers.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "axvcpu_util.h"
#if defined(__aarch64__)
#include "arm64/guest_arch.h"
#endif
#include "axvcpu_x86.h"

void axv_die(const char *file, int line, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "# %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (errno %s)\n", axv_errno_name(err));
	fflush(stderr);
	abort();
}

const char *axv_errno_name(int err)
{
	const char *name;

	if (err == 0)
		return "0";
	name = strerrorname_np(err);
	return name ? name : "unknown errno";
}

static const char *const exit_names[] = {
	[AXVCPU_EXIT_NOTHING]		 = "NOTHING",
	[AXVCPU_EXIT_HYPERCALL]		 = "HYPERCALL",
	[AXVCPU_EXIT_MMIO_READ]		 = "MMIO_READ",
	[AXVCPU_EXIT_MMIO_WRITE]	 = "MMIO_WRITE",
	[AXVCPU_EXIT_SYSREG_READ]	 = "SYSREG_READ",
	[AXVCPU_EXIT_SYSREG_WRITE]	 = "SYSREG_WRITE",
	[AXVCPU_EXIT_IO_READ]		 = "IO_READ",
	[AXVCPU_EXIT_IO_WRITE]		 = "IO_WRITE",
	[AXVCPU_EXIT_EXTERNAL_INTERRUPT] = "EXTERNAL_INTERRUPT",
	[AXVCPU_EXIT_NESTED_PAGE_FAULT]	 = "NESTED_PAGE_FAULT",
	[AXVCPU_EXIT_HALT]		 = "HALT",
	[AXVCPU_EXIT_CPU_UP]		 = "CPU_UP",
	[AXVCPU_EXIT_CPU_DOWN]		 = "CPU_DOWN",
	[AXVCPU_EXIT_SYSTEM_DOWN]	 = "SYSTEM_DOWN",
	[AXVCPU_EXIT_FAIL_ENTRY]	 = "FAIL_ENTRY",
	[AXVCPU_EXIT_SEND_IPI]		 = "SEND_IPI",
};

const char *axv_exit_name(__u32 reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "unknown exit reason";
}

const char *axv_state_name(long state)
{
	static const char *const names[] = {
		[AXVCPU_STATE_INVALID] = "INVALID",
		[AXVCPU_STATE_CREATED] = "CREATED",
		[AXVCPU_STATE_FREE]    = "FREE",
		[AXVCPU_STATE_READY]   = "READY",
		[AXVCPU_STATE_RUNNING] = "RUNNING",
		[AXVCPU_STATE_BLOCKED] = "BLOCKED",
	};

	if (state == -1)
		return "-1 (GET_STATE failed)";
	if (state >= 0 && state < (long)ARRAY_SIZE(names))
		return names[state];
	return "unknown state";
}

const char *axv_arch_name(__u32 arch)
{
	switch (arch) {
	case AXVCPU_ARCH_NONE:		return "NONE";
	case AXVCPU_ARCH_X86_VMX:	return "X86_VMX";
	case AXVCPU_ARCH_X86_SVM:	return "X86_SVM";
	case AXVCPU_ARCH_ARM64_NVHE:	return "ARM64_NVHE";
	case AXVCPU_ARCH_RISCV_H:	return "RISCV_H";
	}
	return "unknown arch";
}

const char *axv_x86_gpr_name(__u32 reg)
{
	static const char *const names[] = {
		"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
		"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
		"AH", "CH", "DH", "BH",
	};

	if (reg < ARRAY_SIZE(names))
		return names[reg];
	if (reg == AXVCPU_REG_NONE)
		return "NONE";
	return "?";
}

/* A one-line description of the last exit, for failure messages. */
const char *axv_exit_desc(const struct axvcpu_run *run)
{
	static __thread char buf[256];
	const char *name = axv_exit_name(run->exit_reason);

	switch (run->exit_reason) {
	case AXVCPU_EXIT_HYPERCALL:
		snprintf(buf, sizeof(buf), "%s nr %#llx args %#llx %#llx %#llx %#llx %#llx %#llx",
			 name, (unsigned long long)run->hypercall.nr,
			 (unsigned long long)run->hypercall.args[0],
			 (unsigned long long)run->hypercall.args[1],
			 (unsigned long long)run->hypercall.args[2],
			 (unsigned long long)run->hypercall.args[3],
			 (unsigned long long)run->hypercall.args[4],
			 (unsigned long long)run->hypercall.args[5]);
		break;
	case AXVCPU_EXIT_MMIO_READ:
	case AXVCPU_EXIT_MMIO_WRITE:
		snprintf(buf, sizeof(buf), "%s addr %#llx width %u reg %u (%s) reg_width %u sign_ext %u data %#llx",
			 name, (unsigned long long)run->mmio.addr,
			 run->mmio.width, run->mmio.reg,
			 axv_x86_gpr_name(run->mmio.reg), run->mmio.reg_width,
			 run->mmio.sign_ext,
			 (unsigned long long)run->mmio.data);
		break;
	case AXVCPU_EXIT_SYSREG_READ:
	case AXVCPU_EXIT_SYSREG_WRITE:
		snprintf(buf, sizeof(buf), "%s addr %#llx reg %u value %#llx",
			 name, (unsigned long long)run->sysreg.addr,
			 run->sysreg.reg,
			 (unsigned long long)run->sysreg.value);
		break;
	case AXVCPU_EXIT_IO_READ:
	case AXVCPU_EXIT_IO_WRITE:
		snprintf(buf, sizeof(buf), "%s port %#x width %u data %#llx",
			 name, run->io.port, run->io.width,
			 (unsigned long long)run->io.data);
		break;
	case AXVCPU_EXIT_EXTERNAL_INTERRUPT:
		snprintf(buf, sizeof(buf), "%s vector %llu", name,
			 (unsigned long long)run->external_interrupt.vector);
		break;
	case AXVCPU_EXIT_NESTED_PAGE_FAULT:
		snprintf(buf, sizeof(buf), "%s addr %#llx access %#x", name,
			 (unsigned long long)run->nested_page_fault.addr,
			 run->nested_page_fault.access);
		break;
	case AXVCPU_EXIT_FAIL_ENTRY:
		snprintf(buf, sizeof(buf), "%s reason %#llx", name,
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	default:
		snprintf(buf, sizeof(buf), "%s (%u)", name, run->exit_reason);
		break;
	}
	return buf;
}

int axv_open_dev(void)
{
	int fd = open(AXV_DEV_PATH, O_RDWR | O_CLOEXEC);

	AXV_REQUIRE(fd >= 0, "open(%s): is axvcpu.ko loaded?", AXV_DEV_PATH);
	return fd;
}

void axv_get_info(int sys_fd, struct axvcpu_info *info)
{
	memset(info, 0, sizeof(*info));
	AXV_REQUIRE(ioctl(sys_fd, AXVCPU_GET_INFO, info) == 0, "AXVCPU_GET_INFO");
}

void axv_read_info(struct axvcpu_info *info)
{
	int fd = axv_open_dev();

	axv_get_info(fd, info);
	close(fd);
}

bool axv_arch_is_x86(__u32 arch)
{
	return arch == AXVCPU_ARCH_X86_SVM || arch == AXVCPU_ARCH_X86_VMX;
}

bool axv_arch_of_host(__u32 arch)
{
#if defined(__x86_64__)
	return axv_arch_is_x86(arch);
#elif defined(__aarch64__)
	return arch == AXVCPU_ARCH_ARM64_NVHE;
#elif defined(__riscv) && __riscv_xlen == 64
	return arch == AXVCPU_ARCH_RISCV_H;
#else
	return false;
#endif
}

__u32 axv_required_features(__u32 arch)
{
	__u32 all = AXVCPU_FEATURE_READONLY_MEM | AXVCPU_FEATURE_EXIT_ON_HOST_INTR |
		    AXVCPU_FEATURE_HALT_IN_KERNEL | AXVCPU_FEATURE_IMMEDIATE_EXIT |
		    AXVCPU_FEATURE_SYSREG_FAULT;

	if (axv_arch_is_x86(arch))
		return all | AXVCPU_FEATURE_INJECT_NMI | AXVCPU_FEATURE_INJECT_EXCEPTION |
		       AXVCPU_FEATURE_CPUID;
	if (arch == AXVCPU_ARCH_ARM64_NVHE || arch == AXVCPU_ARCH_RISCV_H)
		return all | AXVCPU_FEATURE_IRQ_LINES;
	return 0;
}

void axv_vm_create(struct axv_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->sys_fd = axv_open_dev();
	axv_get_info(vm->sys_fd, &vm->info);
	vm->fd = ioctl(vm->sys_fd, AXVCPU_CREATE_VM, 0);
	AXV_REQUIRE(vm->fd >= 0, "AXVCPU_CREATE_VM (backend %s)",
		    axv_arch_name(vm->info.arch));
}

void axv_vm_close(struct axv_vm *vm)
{
	int i;

	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	vm->fd = vm->sys_fd = -1;
	for (i = 0; i < AXV_MAX_MEM; i++) {
		if (vm->mem[i].used && vm->mem[i].own_mapping)
			munmap(vm->mem[i].hva, vm->mem[i].size);
		vm->mem[i].used = false;
	}
}

int axv_set_region(int vm_fd, __u32 slot, __u32 flags, __u64 gpa,
		   __u64 size, __u64 uaddr)
{
	struct axvcpu_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = uaddr,
	};

	return ioctl(vm_fd, AXVCPU_SET_MEMORY_REGION, &r) ? -errno : 0;
}

void *axv_mem_add(struct axv_vm *vm, __u32 slot, __u64 gpa, __u64 size,
		  __u32 flags, void *hva)
{
	struct axv_mem *m;
	bool own = !hva;
	int rc;

	AXV_REQUIRE(slot < AXV_MAX_MEM, "library slot %u", slot);
	m = &vm->mem[slot];
	AXV_REQUIRE(!m->used, "slot %u already used by the test", slot);
	if (own) {
		hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		AXV_REQUIRE(hva != MAP_FAILED, "mmap %#llx bytes",
			    (unsigned long long)size);
	}
	rc = axv_set_region(vm->fd, slot, flags, gpa, size,
			    (__u64)(uintptr_t)hva);
	errno = -rc;
	AXV_REQUIRE(rc == 0, "SET_MEMORY_REGION slot %u gpa %#llx size %#llx flags %#x",
		    slot, (unsigned long long)gpa, (unsigned long long)size,
		    flags);
	*m = (struct axv_mem){
		.used = true, .slot = slot, .flags = flags, .gpa = gpa,
		.size = size, .hva = hva, .own_mapping = own,
	};
	return hva;
}

void axv_mem_delete(struct axv_vm *vm, __u32 slot)
{
	struct axv_mem *m = &vm->mem[slot];
	int rc;

	AXV_REQUIRE(slot < AXV_MAX_MEM && m->used, "slot %u not in use", slot);
	rc = axv_set_region(vm->fd, slot, 0, m->gpa, 0, 0);
	errno = -rc;
	AXV_REQUIRE(rc == 0, "delete slot %u", slot);
	if (m->own_mapping)
		munmap(m->hva, m->size);
	m->used = false;
}

void *axv_gpa2hva(struct axv_vm *vm, __u64 gpa)
{
	int i;

	for (i = 0; i < AXV_MAX_MEM; i++) {
		struct axv_mem *m = &vm->mem[i];

		if (m->used && gpa >= m->gpa && gpa - m->gpa < m->size)
			return (char *)m->hva + (gpa - m->gpa);
	}
	AXV_DIE("GPA %#llx is in no slot", (unsigned long long)gpa);
}

void axv_guest_copy(struct axv_vm *vm, __u64 gpa, const void *start,
		    const void *end)
{
	size_t len = (const char *)end - (const char *)start;
	char *dst = axv_gpa2hva(vm, gpa);

	AXV_REQUIRE(len && gpa + len - 1 >= gpa, "guest code size %zu", len);
	axv_gpa2hva(vm, gpa + len - 1);
	memcpy(dst, start, len);
}

struct axv_vcpu *axv_vcpu_create_args(struct axv_vm *vm,
				      struct axvcpu_create_vcpu *args)
{
	struct axv_vcpu *vcpu = calloc(1, sizeof(*vcpu));

	AXV_REQUIRE(vcpu, "calloc");
	args->vm_fd = vm->fd;
	vcpu->vm = vm;
	vcpu->id = args->vcpu_id;
	vcpu->fd = ioctl(vm->sys_fd, AXVCPU_CREATE_VCPU, args);
	AXV_REQUIRE(vcpu->fd >= 0, "AXVCPU_CREATE_VCPU id %u flags %#x",
		    args->vcpu_id, args->flags);
	vcpu->run_size = vm->info.run_mmap_size;
	vcpu->run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	AXV_REQUIRE(vcpu->run != MAP_FAILED, "mmap of the run struct, %zu bytes",
		    vcpu->run_size);
	return vcpu;
}

struct axv_vcpu *axv_vcpu_create(struct axv_vm *vm, __u32 id, __u32 flags)
{
	struct axvcpu_create_vcpu args = {
		.vcpu_id = id,
		.flags = flags,
	};

	return axv_vcpu_create_args(vm, &args);
}

void axv_vcpu_close(struct axv_vcpu *vcpu)
{
	if (!vcpu)
		return;
	if (vcpu->run && vcpu->run != MAP_FAILED)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	free(vcpu);
}

void axv_vcpu_setup(struct axv_vcpu *vcpu, __u64 entry, __u32 mode)
{
	struct axvcpu_setup s = { .entry = entry };

	s.arch.x86.mode = mode;
	AXV_REQUIRE(ioctl(vcpu->fd, AXVCPU_SETUP, &s) == 0,
		    "AXVCPU_SETUP entry %#llx mode %u",
		    (unsigned long long)entry, mode);
}

void axv_vcpu_bind(struct axv_vcpu *vcpu)
{
	AXV_REQUIRE(ioctl(vcpu->fd, AXVCPU_BIND, 0) == 0, "AXVCPU_BIND vCPU %u",
		    vcpu->id);
}

void axv_vcpu_unbind(struct axv_vcpu *vcpu)
{
	AXV_REQUIRE(ioctl(vcpu->fd, AXVCPU_UNBIND, 0) == 0,
		    "AXVCPU_UNBIND vCPU %u", vcpu->id);
}

int axv_run(struct axv_vcpu *vcpu)
{
#if defined(__aarch64__)
	/*
	 * The test VMs' interrupt controller (include/arm64/guest_arch.h):
	 * a read of the acknowledge register lowers the IRQ line and reads
	 * 0 (an IRQ); the guest goes on, the test never sees the exit.
	 */
	struct axvcpu_irq_line down = { .line = AXVCPU_ARM64_IRQ_LINE_IRQ };

	for (;;) {
		if (ioctl(vcpu->fd, AXVCPU_RUN, 0))
			return -errno;
		if (vcpu->run->exit_reason != AXVCPU_EXIT_MMIO_READ ||
		    vcpu->run->mmio.addr != AXV_GUEST_IRQ_ACK_GPA)
			return 0;
		if (ioctl(vcpu->fd, AXVCPU_SET_IRQ_LINE, &down))
			return -errno;
		vcpu->run->mmio.data = 0;
	}
#else
	return ioctl(vcpu->fd, AXVCPU_RUN, 0) ? -errno : 0;
#endif
}

long axv_get_state(struct axv_vcpu *vcpu)
{
	return ioctl(vcpu->fd, AXVCPU_GET_STATE, 0);
}

void axv_get_vcpu_info(struct axv_vcpu *vcpu, struct axvcpu_vcpu_info *vi)
{
	memset(vi, 0, sizeof(*vi));
	AXV_REQUIRE(ioctl(vcpu->fd, AXVCPU_GET_VCPU_INFO, vi) == 0,
		    "AXVCPU_GET_VCPU_INFO vCPU %u", vcpu->id);
}

__u64 axv_get_gpr(struct axv_vcpu *vcpu, __u32 reg)
{
	struct axvcpu_gpr g = { .reg = reg };

	AXV_REQUIRE(ioctl(vcpu->fd, AXVCPU_GET_GPR, &g) == 0,
		    "AXVCPU_GET_GPR reg %u", reg);
	return g.value;
}

void axv_set_gpr(struct axv_vcpu *vcpu, __u32 reg, __u64 value)
{
	struct axvcpu_gpr g = { .reg = reg, .value = value };

	AXV_REQUIRE(ioctl(vcpu->fd, AXVCPU_SET_GPR, &g) == 0,
		    "AXVCPU_SET_GPR reg %u", reg);
}

void axv_get_regs(struct axv_vcpu *vcpu, struct axvcpu_regs *regs)
{
	memset(regs, 0, sizeof(*regs));
	AXV_REQUIRE(ioctl(vcpu->fd, AXVCPU_GET_REGS, regs) == 0,
		    "AXVCPU_GET_REGS");
}

void axv_set_regs(struct axv_vcpu *vcpu, struct axvcpu_regs *regs)
{
	AXV_REQUIRE(ioctl(vcpu->fd, AXVCPU_SET_REGS, regs) == 0,
		    "AXVCPU_SET_REGS");
}

int axv_inject(struct axv_vcpu *vcpu, __u32 vector)
{
	struct axvcpu_interrupt irq = { .vector = vector };
	struct axvcpu_irq_line line = { .line = vector, .level = 1 };

	if (vcpu->vm->info.flags & AXVCPU_FEATURE_IRQ_LINES)
		return ioctl(vcpu->fd, AXVCPU_SET_IRQ_LINE, &line) ? -errno : 0;
	return ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq) ? -errno : 0;
}

int axv_inject_nmi(struct axv_vcpu *vcpu)
{
	struct axvcpu_interrupt irq = { .flags = AXVCPU_INTERRUPT_NMI };

	return ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq) ? -errno : 0;
}

int axv_inject_exception(struct axv_vcpu *vcpu, __u32 vector, __u32 flags,
			 __u32 error_code, __u64 fault_addr)
{
	struct axvcpu_exception exc = {
		.vector = vector,
		.flags = flags,
		.error_code = error_code,
		.fault_addr = fault_addr,
	};

	return ioctl(vcpu->fd, AXVCPU_INJECT_EXCEPTION, &exc) ? -errno : 0;
}

__u64 axv_vcpu_rip(struct axv_vcpu *vcpu)
{
	struct axvcpu_regs regs;

	memset(&regs, 0, sizeof(regs));
	if (ioctl(vcpu->fd, AXVCPU_GET_REGS, &regs))
		return ~0ULL;
	if (!axv_arch_is_x86(regs.arch))
		return ~0ULL;
	return regs.x86.rip;
}

__u64 axv_vcpu_pc(struct axv_vcpu *vcpu)
{
	struct axvcpu_regs regs;

	memset(&regs, 0, sizeof(regs));
	if (ioctl(vcpu->fd, AXVCPU_GET_REGS, &regs))
		return ~0ULL;
	switch (regs.arch) {
	case AXVCPU_ARCH_X86_VMX:
	case AXVCPU_ARCH_X86_SVM:
		return regs.x86.rip;
	case AXVCPU_ARCH_ARM64_NVHE:
		return regs.arm64.pc;
	case AXVCPU_ARCH_RISCV_H:
		return regs.riscv64.pc;
	}
	return ~0ULL;
}

const char *axv_regs_desc(struct axv_vcpu *vcpu)
{
	static __thread char buf[256];
	struct axvcpu_regs regs;
	const struct axvcpu_x86_regs *x = &regs.x86;

	memset(&regs, 0, sizeof(regs));
	if (ioctl(vcpu->fd, AXVCPU_GET_REGS, &regs)) {
		snprintf(buf, sizeof(buf), "GET_REGS: %s", axv_errno_name(errno));
		return buf;
	}
	if (!axv_arch_is_x86(regs.arch)) {
		snprintf(buf, sizeof(buf), "arch %u", regs.arch);
		return buf;
	}
	snprintf(buf, sizeof(buf),
		 "rip %#llx rsp %#llx rflags %#llx rax %#llx rbx %#llx cs %#x/%#x cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx",
		 (unsigned long long)x->rip, (unsigned long long)x->gprs[X86_RSP],
		 (unsigned long long)x->rflags, (unsigned long long)x->gprs[X86_RAX],
		 (unsigned long long)x->gprs[X86_RBX], x->cs.selector, x->cs.attrib,
		 (unsigned long long)x->cr0, (unsigned long long)x->cr3,
		 (unsigned long long)x->cr4, (unsigned long long)x->efer);
	return buf;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

long axv_wait_state(struct axv_vcpu *vcpu, long state, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	long st;

	for (;;) {
		st = axv_get_state(vcpu);
		if (st == state || now_ms() > end)
			return st;
		usleep(1000);
	}
}

/*
 * Read /sys/devices/system/cpu/@name, a list of ranges ("0-3,8-11"), into
 * @set. Returns the highest CPU in it, or -1 when it is empty.
 */
static int axv_read_cpu_list(const char *name, cpu_set_t *set)
{
	char path[64], buf[256], *p = buf, *end;
	int last = -1;
	long a, b;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/%s", name);
	f = fopen(path, "r");
	AXV_REQUIRE(f, "open %s", path);
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	CPU_ZERO(set);
	while (*p >= '0' && *p <= '9') {
		a = strtol(p, &end, 10);
		b = *end == '-' ? strtol(end + 1, &end, 10) : a;
		for (; a <= b && a < CPU_SETSIZE; a++)
			CPU_SET(a, set);
		if (b > last)
			last = b;
		p = *end == ',' ? end + 1 : end;
	}
	return last;
}

int axv_nr_cpu_ids(void)
{
	cpu_set_t possible;
	int last = axv_read_cpu_list("possible", &possible);

	AXV_REQUIRE(last >= 0, "parse /sys/devices/system/cpu/possible");
	return last + 1;
}

int axv_nr_online_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

/* The process's affinity when it started, before any BIND narrowed it. */
static cpu_set_t axv_start_affinity;
static bool axv_start_affinity_ok;

__attribute__((constructor)) static void axv_save_start_affinity(void)
{
	axv_start_affinity_ok = !sched_getaffinity(0, sizeof(axv_start_affinity),
						   &axv_start_affinity);
}

int axv_test_cpus(int *cpus, int max)
{
	cpu_set_t online;
	int cpu, n = 0;

	axv_read_cpu_list("online", &online);
	for (cpu = 0; cpu < CPU_SETSIZE && n < max; cpu++) {
		if (axv_start_affinity_ok &&
		    !CPU_ISSET(cpu, &axv_start_affinity))
			continue;
		if (CPU_ISSET(cpu, &online))
			cpus[n++] = cpu;
	}
	return n;
}

int axv_nr_test_cpus(void)
{
	int cpus[AXV_MAX_TEST_CPUS];

	return axv_test_cpus(cpus, AXV_MAX_TEST_CPUS);
}

int axv_test_cpu(int i)
{
	int cpus[AXV_MAX_TEST_CPUS], n;

	n = axv_test_cpus(cpus, AXV_MAX_TEST_CPUS);
	AXV_REQUIRE(n > 0, "no CPU to run tests on");
	return cpus[i % n];
}

static long long read_key(const char *path, const char *key, bool colon)
{
	size_t klen = strlen(key);
	char line[512];
	long long v = -1;
	FILE *f;

	f = fopen(path, "r");
	AXV_REQUIRE(f, "open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen))
			continue;
		if (colon ? line[klen] != ':' : line[klen] != ' ')
			continue;
		v = strtoll(line + klen + 1, NULL, 10);
		break;
	}
	fclose(f);
	AXV_REQUIRE(v >= 0, "no %s in %s", key, path);
	return v;
}

long axv_proc_status_kb(const char *key)
{
	return read_key("/proc/self/status", key, true);
}

long long axv_call_ipis(int cpu)
{
	char line[4096], *p, *end, *save;
	int col = -1, i = 0, c;
	long long v = -1;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	/* the header names the online CPUs' columns: "CPU0 CPU1 ..." */
	if (fgets(line, sizeof(line), f)) {
		for (p = strtok_r(line, " \t\n", &save); p;
		     p = strtok_r(NULL, " \t\n", &save), i++)
			if (sscanf(p, "CPU%d", &c) == 1 && c == cpu)
				col = i;
	}
	while (col >= 0 && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "Function call interrupts"))
			continue;
		/* "CAL:  n0 n1 ...  Function call interrupts" */
		p = strchr(line, ':');
		for (i = 0, p = p ? strtok_r(p + 1, " \t", &save) : NULL;
		     p && i < col; i++)
			p = strtok_r(NULL, " \t", &save);
		if (p) {
			v = strtoll(p, &end, 10);
			if (end == p)
				v = -1;
		}
		break;
	}
	fclose(f);
	return v;
}

long axv_meminfo_kb(const char *key)
{
	return read_key("/proc/meminfo", key, true);
}

long long axv_vmstat(const char *key)
{
	return read_key("/proc/vmstat", key, false);
}

/*
 * The vmstat counters are per-CPU deltas folded into the global ones once
 * a second (vm.stat_interval); writing vm.stat_refresh folds them now, so
 * that the difference below is exact and not off by the per-CPU slack.
 */
static void vmstat_refresh(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "1\n", 2) < 0)
		; /* the counters are then at most a second late: callers poll */
	close(fd);
}

long long axv_pinned_pages(void)
{
	vmstat_refresh();
	return axv_vmstat("nr_foll_pin_acquired") -
	       axv_vmstat("nr_foll_pin_released");
}

long long axv_vmlck_kb(void)
{
	return axv_proc_status_kb("VmLck");
}

long long axv_module_refcnt(void)
{
	FILE *f = fopen("/sys/module/axvcpu/refcnt", "r");
	long long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

long axv_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	AXV_REQUIRE(d, "opendir /proc/self/fd");
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

int axv_set_cpu_online(int cpu, bool online)
{
	char path[64];
	int fd, rc;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = write(fd, online ? "1" : "0", 1) == 1 ? 0 : -errno;
	close(fd);
	return rc;
}

#define AXV_DBG "/sys/kernel/debug/"

static const struct {
	const char *file;
	const char *value;
} axv_fi_knobs[AXV_FI_KNOBS] = {
	{ AXV_DBG "failslab/ignore-gfp-wait", "N" },
	{ AXV_DBG "failslab/verbose", "0" },
	{ AXV_DBG "fail_page_alloc/ignore-gfp-wait", "N" },
	{ AXV_DBG "fail_page_alloc/ignore-gfp-highmem", "N" },
	{ AXV_DBG "fail_page_alloc/min-order", "0" },
	{ AXV_DBG "fail_page_alloc/verbose", "0" },
};

bool axv_fi_available(char *why, size_t len)
{
	if (access(AXV_FAIL_NTH, F_OK)) {
		snprintf(why, len, "no %s: the kernel lacks CONFIG_FAULT_INJECTION (the x86-svm-debug lane has it)",
			 AXV_FAIL_NTH);
		return false;
	}
	if (access(AXV_DBG "failslab", F_OK) ||
	    access(AXV_DBG "fail_page_alloc", F_OK)) {
		snprintf(why, len, "no failslab / fail_page_alloc in debugfs: the kernel lacks CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC or CONFIG_FAULT_INJECTION_DEBUG_FS");
		return false;
	}
	return true;
}

static int axv_rw_knob(const char *path, char *buf, size_t len, bool wr)
{
	int fd = open(path, wr ? O_WRONLY : O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = wr ? write(fd, buf, strlen(buf)) : read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	if (!wr) {
		buf[n] = 0;
		buf[strcspn(buf, "\n")] = 0;
	}
	return 0;
}

int axv_fi_configure(struct axv_fi_saved *saved)
{
	char v[32];
	int i, rc;

	memset(saved, 0, sizeof(*saved));
	for (i = 0; i < AXV_FI_KNOBS; i++) {
		rc = axv_rw_knob(axv_fi_knobs[i].file, saved->value[i],
				 sizeof(saved->value[i]), false);
		if (rc)
			return rc;
		snprintf(v, sizeof(v), "%s", axv_fi_knobs[i].value);
		rc = axv_rw_knob(axv_fi_knobs[i].file, v, sizeof(v), true);
		if (rc)
			return rc;
		saved->changed[i] = true;
	}
	return 0;
}

void axv_fi_restore(struct axv_fi_saved *saved)
{
	int i;

	for (i = 0; i < AXV_FI_KNOBS; i++)
		if (saved->changed[i])
			axv_rw_knob(axv_fi_knobs[i].file, saved->value[i],
				    sizeof(saved->value[i]), true);
	memset(saved, 0, sizeof(*saved));
}

long long axv_poll_value(long long (*fn)(void), long long want, int ms)
{
	long long v;

	for (;;) {
		v = fn();
		if (v == want || ms <= 0)
			return v;
		axv_msleep(10);
		ms -= 10;
	}
}

void axv_drop_cap_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int w = CAP_IPC_LOCK / 32;
	__u32 bit = 1U << (CAP_IPC_LOCK % 32);

	memset(data, 0, sizeof(data));
	AXV_REQUIRE(syscall(SYS_capget, &hdr, data) == 0, "capget");
	data[w].effective &= ~bit;
	data[w].permitted &= ~bit;
	data[w].inheritable &= ~bit;
	AXV_REQUIRE(syscall(SYS_capset, &hdr, data) == 0, "capset");
}

/*
 * What modprobe would pass the module in file @file ("kvm-amd.ko"): the
 * kernel command line's "<name>.<param>=<value>" options for it, the name
 * with '-' as '_' (kmod's modprobe.d(5), "KERNEL COMMAND LINE"); the
 * kernel itself gives them to no module loaded later.
 */
void axv_cmdline_module_params(const char *file, char *out, size_t len)
{
	char name[64], cmdline[4096], *tok, *save;
	size_t n, i;
	FILE *f;

	snprintf(name, sizeof(name), "%s", file);
	name[strcspn(name, ".")] = 0;
	for (i = 0; name[i]; i++)
		if (name[i] == '-')
			name[i] = '_';
	strcat(name, ".");
	n = strlen(name);
	out[0] = 0;
	f = fopen("/proc/cmdline", "r");
	if (!f)
		return;
	if (!fgets(cmdline, sizeof(cmdline), f))
		cmdline[0] = 0;
	fclose(f);
	for (tok = strtok_r(cmdline, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		if (strncmp(tok, name, n) || !tok[n])
			continue;
		if (strlen(out) + strlen(tok + n) + 2 > len)
			break;
		if (out[0])
			strcat(out, " ");
		strcat(out, tok + n);
	}
}

bool axv_load_kvm_modules(const char *default_list, char *why, size_t len)
{
	const char *dir = getenv("AXVCPU_KVM_DIR");
	const char *list = getenv("AXVCPU_KVM_MODULES");
	char names[256], path[512], params[512], *name, *save;
	int fd;

	if (!dir || !*dir) {
		snprintf(why, len, "AXVCPU_KVM_DIR is not set");
		return false;
	}
	snprintf(names, sizeof(names), "%s",
		 list && *list ? list : default_list);
	for (name = strtok_r(names, " ", &save); name;
	     name = strtok_r(NULL, " ", &save)) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(why, len, "%s: %s", path, axv_errno_name(errno));
			return false;
		}
		axv_cmdline_module_params(name, params, sizeof(params));
		if (syscall(SYS_finit_module, fd, params, 0) && errno != EEXIST) {
			snprintf(why, len, "finit_module(%s): %s", path,
				 axv_errno_name(errno));
			close(fd);
			return false;
		}
		close(fd);
	}
	if (access("/dev/kvm", R_OK | W_OK)) {
		snprintf(why, len, "no /dev/kvm after loading %s", names);
		return false;
	}
	return true;
}

__u64 axv_rand64(__u64 *state)
{
	__u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

__u64 axv_seed(void)
{
	const char *s = getenv("AXVCPU_TORTURE_SEED");
	struct timespec ts;

	if (s && *s)
		return strtoull(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void *axv_bind_and_run(void *arg)
{
	struct axv_runner *r = arg;

	r->bind_rc = ioctl(r->vcpu->fd, AXVCPU_BIND, 0) ? -errno : 0;
	if (!r->bind_rc)
		r->rc = axv_run(r->vcpu);
	return NULL;
}

static void empty_handler(int sig)
{
}

void axv_install_sigusr1(void)
{
	struct sigaction sa = { .sa_handler = empty_handler };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: RUN must come back with EINTR */
	AXV_REQUIRE(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
}

void axv_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void axv_thread_run(pthread_t *t, void *(*fn)(void *), void *arg)
{
	AXV_REQUIRE(pthread_create(t, NULL, fn, arg) == 0, "pthread_create");
}

static void *watchdog_fn(void *arg)
{
	struct axv_watchdog *wd = arg;
	long long end = now_ms() + wd->seconds * 1000LL;

	while (!wd->disarmed) {
		if (now_ms() >= end) {
			wd->fired = true;
			pthread_kill(wd->target, SIGUSR1);
			end = now_ms() + 1000;
		}
		usleep(10000);
	}
	return NULL;
}

void axv_watchdog_arm(struct axv_watchdog *wd, pthread_t target,
		      unsigned int seconds)
{
	memset(wd, 0, sizeof(*wd));
	wd->target = target;
	wd->seconds = seconds;
	axv_install_sigusr1();
	axv_thread_run(&wd->thread, watchdog_fn, wd);
}

bool axv_watchdog_disarm(struct axv_watchdog *wd)
{
	wd->disarmed = true;
	pthread_join(wd->thread, NULL);
	return wd->fired;
}

bool axv_lane_quirk(const char *name)
{
	const char *q = getenv("AXVCPU_QUIRKS");
	size_t n = strlen(name);

	while (q && *q) {
		if (!strncmp(q, name, n) && (q[n] == ',' || !q[n]))
			return true;
		q = strchr(q, ',');
		if (q)
			q++;
	}
	return false;
}

const char *axv_linux_cmdline(const char *base)
{
	static char buf[1024];
	const char *extra = getenv("AXVCPU_LINUX_GUEST_ARGS");

	snprintf(buf, sizeof(buf), "%s%s%s", base, extra && *extra ? " " : "",
		 extra ? extra : "");
	return buf;
}
