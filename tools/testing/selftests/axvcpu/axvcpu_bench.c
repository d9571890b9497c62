// SPDX-License-Identifier: GPL-2.0
/*
 * axvcpu_bench: figures, not tests. Prints
 *
 *   - medians of exit round trips (RUN -> guest -> exit to user space ->
 *     RUN): port I/O (OUT), HLT and hypercall (VMMCALL); a RUN in which
 *     the guest makes 100 CPUID exits the kernel handles before its OUT,
 *     whose difference to the OUT round trip gives the cost of one exit
 *     that does not return to user space; and a null ioctl (no guest
 *     entry: GET_STATE, KVM_CHECK_EXTENSION), the system call's floor;
 *   - the time to add (pin, charge, map) and to delete (unmap, flush,
 *     unpin) a memory region of -m MiB, 1 GiB by default (the bench lane
 *     boots its emulator with enough memory for it, -m 3G): once backed as
 *     the system's transparent huge page setting has it, once with
 *     MADV_NOHUGEPAGE (4 KiB pages only);
 *   - kernel memory per vCPU (MemFree and Slab before and after creating
 *     and setting up -c vCPUs);
 *   - on SVM, the floor of an in-kernel exit: a bare VMRUN -> #VMEXIT
 *     loop of CPUID exits (axvcpu_svm_bare.ko beside axvcpu.ko, loaded once
 *     per round), and axvcpu's in-kernel exit as a multiple of it;
 *   - the same round trips on /dev/kvm when it can be had (Debian's modules
 *     from $AXVCPU_KVM_DIR, loaded for the whole run), interleaved with
 *     axvcpu's in four rounds on the same pinned CPU, and the ratio
 *     axvcpu / KVM; port I/O is the headline (like for like), and the rows
 *     KVM has to emulate on a CPU without next-RIP saving are labelled;
 *   - the seconds from the start of the reference VMM, axvcpu-run, to
 *     its Linux guest's /init (x86: Debian's vmlinuz, riscv64: the lane's
 *     Image, arm64: Debian's Image, with one vCPU, beside this program in
 *     vmm/guests/) and to its
 *     power-off, on axvcpu and with
 *     axvcpu-run --kvm on KVM, the same machine in user space for both,
 *     alternately, BOOT_ROUNDS times each.
 *
 * A failed RUN or an unexpected exit ends the bench with status 1.
 *
 * usage: axvcpu_bench [-n iterations] [-w warm-up] [-m region MiB] [-c vCPUs]
 *
 * The environment gives the defaults the options override (the lanes set
 * them per emulator: Bochs is far slower and has less memory):
 * AXVCPU_BENCH_ITERATIONS, AXVCPU_BENCH_WARMUP, AXVCPU_BENCH_REGION_MIB,
 * AXVCPU_BENCH_VCPUS.
 *
 * On riscv64 and arm64 the guests are position-independent loops at the
 * same GPA on both, MMIO stores standing for port I/O and SBI or PSCI
 * calls answered in the kernel for CPUID.
 *
 * Every x86 guest is the same .code32 loop on both; the KVM guest is put in
 * flat 32-bit protected mode with KVM_SET_SREGS, without an in-kernel
 * irqchip, so that HLT exits to user space; its hypercall is
 * KVM_HC_MAP_GPA_RANGE, which KVM_CAP_EXIT_HYPERCALL sends to user space.
 */
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "axvcpu_util.h"
#include "axvcpu_x86.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include "axvcpu_kvm_x86.h"
#elif defined(__riscv)
#include "axvcpu_kvm_riscv.h"
#elif defined(__aarch64__)
#include "axvcpu_kvm_arm64.h"
#endif
#include <sched.h>

enum { RT_IO, RT_HLT, RT_HYPERCALL, RT_CPUID, RT_NULL, NR_RT };

/*
 * Linux boots of each hypervisor under axvcpu-run, alternately: Debian's
 * vmlinuz on x86, the riscv64 lane's own Image (the lanes copy them).
 */
#define BOOT_ROUNDS	2
#if defined(__riscv)
#define BOOT_KERNEL	"Image"
#define BOOT_CONSOLE	"console=ttyS0"
#elif defined(__aarch64__)
#define BOOT_KERNEL	"Image"
#define BOOT_CONSOLE	"console=ttyAMA0"
#else
#define BOOT_KERNEL	"vmlinuz"
#define BOOT_CONSOLE	"console=ttyS0"
#endif
#define BOOT_TIMEOUT_US	(300 * 1000000.0)

/* CPUIDs per RUN of the RT_CPUID guest (each handled in the kernel). */
#define CPUID_LOOP	100

#if defined(__riscv)
static const char *const rt_names[NR_RT] = {
	"MMIO exit (store)",
	"WFI exit",
	"hypercall exit (ECALL)",
	"100 SBI calls in kernel + MMIO",
	"null ioctl (no entry)",
};
#elif defined(__aarch64__)
static const char *const rt_names[NR_RT] = {
	"MMIO exit (store)",
	"WFI exit",
	"hypercall exit (HVC)",
	"100 PSCI calls in kernel + MMIO",
	"null ioctl (no entry)",
};
#else
static const char *const rt_names[NR_RT] = {
	"port I/O exit (OUT)",
	"HLT exit",
	"hypercall exit (VMMCALL/VMCALL)",
	"100 CPUID in kernel + OUT",
	"null ioctl (no entry)",
};
#endif

/* RT_CPUID runs are ~CPUID_LOOP times longer: fewer of them. */
static const unsigned int rt_divisor[NR_RT] = {
	[RT_IO] = 1, [RT_HLT] = 1, [RT_HYPERCALL] = 1, [RT_CPUID] = 10,
	[RT_NULL] = 1,
};

struct stats {
	bool valid;
	double median_us, mean_us, min_us, p99_us;
	char note[96];
};

/* Why the last round trip failed, for measure()'s message. */
static char fn_failure[256];

static unsigned long iterations = 20000, warmup = 2000;
#define REGION_ROUNDS	5
/* Interleaved rounds of the round trips, axvcpu and KVM. */
#define ROUNDS		4

static unsigned long region_mib = 1024, nr_vcpus = 64;

/* results printed at the end */
enum { REGION_THP, REGION_4K, NR_REGION };
static char region_line[NR_REGION][512] = { "not measured", "not measured" };
static char thp_mode[64] = "?";
static char vcpu_mem_line[256] = "not measured";

/* Where the bench is, on stderr as it goes: a run that hangs shows where. */
static void progress(const char *who, const char *what)
{
	fprintf(stderr, "axvcpu_bench: %s: %s...\n", who, what);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void summarize(double *t, unsigned long n, struct stats *s)
{
	double sum = 0;
	unsigned long i;

	qsort(t, n, sizeof(*t), cmp_double);
	for (i = 0; i < n; i++)
		sum += t[i];
	s->valid = n > 0;
	s->median_us = n ? t[n / 2] : 0;
	s->mean_us = n ? sum / n : 0;
	s->min_us = n ? t[0] : 0;
	s->p99_us = n ? t[(n * 99) / 100] : 0;
}

/* One round trip: returns 0 if the exit was the expected one. */
typedef int (*round_trip_fn)(void *ctx);

/*
 * @warm untimed and @n timed round trips into @t. A failed RUN or an
 * unexpected exit ends the bench with status 1: a figure taken around a
 * failure would measure something else.
 */
static void measure(round_trip_fn fn, void *ctx, const char *who,
		    const char *what, unsigned long warm, unsigned long n,
		    double *t)
{
	unsigned long i;
	double t0;
	int rc;

	for (i = 0; i < warm + n; i++) {
		t0 = now_us();
		rc = fn(ctx);
		if (i >= warm)
			t[i - warm] = now_us() - t0;
		if (rc) {
			fprintf(stderr, "axvcpu_bench: %s: %s: round trip %lu failed (%s); aborting\n",
				who, what, i, fn_failure);
			exit(1);
		}
	}
}

/* ---- the bare VMRUN loop (SVM): axvcpu_svm_bare.ko ---- */

#define BARE_MODULE	"axvcpu_svm_bare"
/* on SVM: main() sets it */
static bool bare_loop;
static double bare_us[ROUNDS];
static int bare_n;
static char bare_why[512];

/*
 * Load the module (its init runs the loop on this CPU, the bench's), read
 * its median and unload it. No axvcpu or KVM VM may exist meanwhile: the
 * module takes SVM itself.
 */
static void bare_block(void)
{
	const char *ko_env = getenv("AXVCPU_KO");
	char dir[200], ko[256], buf[32];
	long ps = -1;
	FILE *f;
	int fd;

	if (bare_why[0])
		return;
	snprintf(dir, sizeof(dir), "%s", ko_env ? ko_env : "/lib/axvcpu/axvcpu.ko");
	snprintf(ko, sizeof(ko), "%s/" BARE_MODULE ".ko", dirname(dir));
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(bare_why, sizeof(bare_why), "%s: %s", ko,
			 axv_errno_name(errno));
		return;
	}
	progress("bare", "VMRUN loop");
	if (syscall(SYS_finit_module, fd, "chunks=200", 0)) {
		snprintf(bare_why, sizeof(bare_why), "loading %s: %s", ko,
			 axv_errno_name(errno));
		close(fd);
		return;
	}
	close(fd);
	f = fopen("/sys/module/" BARE_MODULE "/parameters/median_ps", "r");
	if (f && fgets(buf, sizeof(buf), f))
		ps = strtol(buf, NULL, 10);
	if (f)
		fclose(f);
	if (syscall(SYS_delete_module, BARE_MODULE, O_NONBLOCK))
		snprintf(bare_why, sizeof(bare_why), "unloading: %s",
			 axv_errno_name(errno));
	if (ps <= 0 && !bare_why[0])
		snprintf(bare_why, sizeof(bare_why), "no median_ps");
	if (ps > 0)
		bare_us[bare_n++] = ps / 1e6;
}

/* The median of the rounds' medians; 0 when none was measured. */
static double bare_median(void)
{
	if (!bare_n)
		return 0;
	qsort(bare_us, bare_n, sizeof(bare_us[0]), cmp_double);
	return bare_us[bare_n / 2];
}

#if defined(__x86_64__) || defined(__riscv) || defined(__aarch64__)
#if defined(__x86_64__)
#define BENCH_KVM_MODULES	KVM_X86_DEFAULT_MODULES
#elif defined(__riscv)
#define BENCH_KVM_MODULES	KVM_RISCV_DEFAULT_MODULES
#else
#define BENCH_KVM_MODULES	KVM_ARM64_DEFAULT_MODULES
#endif

struct axv_ctx {
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	__u32 want;
};

static int axv_round_trip(void *arg)
{
	struct axv_ctx *c = arg;
	int rc = axv_run(c->vcpu);

	if (rc || c->vcpu->run->exit_reason != c->want) {
		snprintf(fn_failure, sizeof(fn_failure), "RUN: %s, exit %s",
			 axv_errno_name(-rc), axv_exit_desc(c->vcpu->run));
		return -1;
	}
	return 0;
}

/* AXVCPU_GET_STATE: no mutex, no guest entry; the system call's floor. */
static int axv_null_ioctl(void *arg)
{
	struct axv_ctx *c = arg;
	long st = ioctl(c->vcpu->fd, AXVCPU_GET_STATE, 0);

	if (st != AXVCPU_STATE_READY) {
		snprintf(fn_failure, sizeof(fn_failure), "GET_STATE: %ld", st);
		return -1;
	}
	return 0;
}

/* /dev/kvm, loading Debian's modules first; -1 with @why when not. */
static int open_kvm(char *why, size_t len)
{
	int kvm;

	progress("KVM", "loading the modules");
	if (access("/dev/kvm", R_OK | W_OK) &&
	    !axv_load_kvm_modules(BENCH_KVM_MODULES, why, len))
		return -1;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		snprintf(why, len, "open /dev/kvm: %s", axv_errno_name(errno));
	return kvm;
}
#endif

#if defined(__x86_64__)
X86_GUEST(bench_io_guest, ".code32",
	"1: out %al, $0x10\n\t"
	"jmp 1b\n\t");

X86_GUEST(bench_hlt_guest, ".code32",
	"1: hlt\n\t"
	"jmp 1b\n\t");

/* KVM_HC_MAP_GPA_RANGE (12): gpa 0x1000, 1 page, attributes 0 */
X86_GUEST(bench_hc_guest, ".code32",
	"1: mov $12, %eax\n\t"
	"mov $0x1000, %ebx\n\t"
	"mov $1, %ecx\n\t"
	"xor %edx, %edx\n\t"
	"vmmcall\n\t"
	"jmp 1b\n\t");

/* CPUID_LOOP CPUIDs (exits both hypervisors handle in the kernel), OUT */
X86_GUEST(bench_cpuid_guest, ".code32",
	"1: mov $" __stringify(CPUID_LOOP) ", %esi\n\t"
	"2: xor %eax, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"cpuid\n\t"
	"dec %esi\n\t"
	"jnz 2b\n\t"
	"out %al, $0x10\n\t"
	"jmp 1b\n\t");

/* RT_NULL never enters the guest; it has one only to have a vCPU fd. */
static const struct {
	const char *start, *end;
	__u32 exit_reason;
} guests[NR_RT] = {
	[RT_IO] = { bench_io_guest_start, bench_io_guest_end, AXVCPU_EXIT_IO_WRITE },
	[RT_HLT] = { bench_hlt_guest_start, bench_hlt_guest_end, AXVCPU_EXIT_HALT },
	[RT_HYPERCALL] = { bench_hc_guest_start, bench_hc_guest_end, AXVCPU_EXIT_HYPERCALL },
	[RT_CPUID] = { bench_cpuid_guest_start, bench_cpuid_guest_end, AXVCPU_EXIT_IO_WRITE },
	[RT_NULL] = { bench_io_guest_start, bench_io_guest_end, AXVCPU_EXIT_NOTHING },
};

/* One block of round trip @rt on a fresh axvcpu VM, closed again. */
static void axv_block(int rt, unsigned long warm, unsigned long n, double *t)
{
	struct axv_ctx c;

	c.vcpu = x86_vm_with_guest(&c.vm, guests[rt].start, guests[rt].end, 0);
	c.want = guests[rt].exit_reason;
	measure(rt == RT_NULL ? axv_null_ioctl : axv_round_trip, &c, "axvcpu",
		rt_names[rt], warm, n, t);
	axv_vcpu_close(c.vcpu);
	axv_vm_close(&c.vm);
}

/* ---- /dev/kvm ---- */

struct kvm_ctx {
	struct kvm_x86_vm k;
	__u32 want;
};

static int kvm_vm_with_guest(struct kvm_ctx *c, int kvm, int rt, char *why,
			     size_t len)
{
	c->want = rt == RT_IO || rt == RT_CPUID ? KVM_EXIT_IO :
		  rt == RT_HLT ? KVM_EXIT_HLT : KVM_EXIT_HYPERCALL;
	return kvm_x86_vm_create(&c->k, kvm, guests[rt].start, guests[rt].end,
				 rt == RT_HYPERCALL, why, len);
}

static int kvm_round_trip(void *arg)
{
	struct kvm_ctx *c = arg;
	int rc = ioctl(c->k.vcpu, KVM_RUN, 0);

	if (rc || c->k.run->exit_reason != c->want) {
		snprintf(fn_failure, sizeof(fn_failure),
			 "KVM_RUN: %s, exit_reason %u",
			 rc ? axv_errno_name(errno) : "0",
			 c->k.run->exit_reason);
		return -1;
	}
	if (c->k.run->exit_reason == KVM_EXIT_HYPERCALL)
		c->k.run->hypercall.ret = 0;
	return 0;
}

/* KVM_CHECK_EXTENSION on /dev/kvm: no lock, no guest entry. */
static int kvm_null_ioctl(void *arg)
{
	struct kvm_ctx *c = arg;

	if (ioctl(c->k.kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0) {
		snprintf(fn_failure, sizeof(fn_failure), "KVM_CHECK_EXTENSION");
		return -1;
	}
	return 0;
}

/*
 * One block of round trip @rt on a fresh KVM VM, closed again; false with
 * the reason in @note when KVM cannot set that guest up.
 */
static bool kvm_block(int kvm, int rt, unsigned long warm, unsigned long n,
		      double *t, char *note, size_t len)
{
	struct kvm_ctx c;

	if (kvm_vm_with_guest(&c, kvm, rt, note, len)) {
		kvm_x86_vm_close(&c.k);
		return false;
	}
	measure(rt == RT_NULL ? kvm_null_ioctl : kvm_round_trip, &c, "KVM",
		rt_names[rt], warm, n, t);
	kvm_x86_vm_close(&c.k);
	return true;
}

#elif defined(__riscv) || defined(__aarch64__)
#if defined(__riscv)
/*
 * The riscv64 guests, position independent, at BENCH_RV_GPA in both
 * hypervisors (KVM_RISCV_GPA: VS mode, vsatp bare): a store to a GPA with
 * no memory (MMIO), WFI, an ECALL of an SBI extension neither answers
 * (the experimental range: KVM_EXIT_RISCV_SBI on KVM, HYPERCALL here), and
 * CPUID_LOOP SBI base calls both answer in the kernel, then the store.
 */
#define BENCH_RV_GPA	KVM_RISCV_GPA
#define BENCH_RV_GUEST(name, body)					\
	extern const char name##_start[], name##_end[];			\
	asm(".pushsection .rodata\n.balign 4\n"				\
	    ".option push\n.option norvc\n"				\
	    #name "_start:\n"						\
	    "	li t0, 0x10000000\n"					\
	    body							\
	    #name "_end:\n"						\
	    ".option pop\n.popsection\n")

BENCH_RV_GUEST(bench_mmio_guest,
	"1: sw zero, 0(t0)\n"
	"	j 1b\n");
BENCH_RV_GUEST(bench_wfi_guest,
	"1: wfi\n"
	"	j 1b\n");
BENCH_RV_GUEST(bench_ecall_guest,
	"	li a7, 0x08000000\n"
	"	li a6, 0\n"
	"1: ecall\n"
	"	j 1b\n");
BENCH_RV_GUEST(bench_sbi_guest,
	"1: li s0, " __stringify(CPUID_LOOP) "\n"
	"2: li a7, 0x10\n"
	"	li a6, 0\n"
	"	ecall\n"
	"	addi s0, s0, -1\n"
	"	bnez s0, 2b\n"
	"	sw zero, 0(t0)\n"
	"	j 1b\n");

#define BENCH_MEM_SIZE	KVM_RISCV_MEM_SIZE
#define BENCH_HVC_GUEST	bench_ecall_guest
#define BENCH_KVM_HYPERCALL_EXIT KVM_EXIT_RISCV_SBI
#define kvm_bench_vm	kvm_riscv_vm
#define kvm_bench_vm_create(k, kvm, s, e, why, len) \
	kvm_riscv_vm_create(k, kvm, s, e, 0, why, len)
#define kvm_bench_vm_close kvm_riscv_vm_close
#define BENCH_GPA	BENCH_RV_GPA
#else
/*
 * The arm64 guests, position independent, at KVM_ARM64_GPA in both
 * hypervisors (EL1h, MMU off): a store to a GPA with no memory (MMIO),
 * WFI, an HVC of an SMCCC function neither knows (0xc6000000, a vendor
 * hypervisor call: a HYPERCALL exit here, answered NOT_SUPPORTED in the
 * kernel by KVM), and CPUID_LOOP PSCI_VERSION calls both answer in the
 * kernel, then the store. The loop's registers are x19 and x20, which an
 * SMCCC call preserves (KVM zeroes x1-x3 with the result).
 */
#define BENCH_A64_GUEST(name, body)					\
	extern const char name##_start[], name##_end[];			\
	asm(".pushsection .rodata\n.balign 4\n"				\
	    #name "_start:\n"						\
	    "	movz x20, #0x1000, lsl #16\n"	/* KVM_ARM64_MMIO_GPA */	\
	    body							\
	    #name "_end:\n"						\
	    ".popsection\n")

BENCH_A64_GUEST(bench_mmio_guest,
	"1: str wzr, [x20]\n"
	"	b 1b\n");
BENCH_A64_GUEST(bench_wfi_guest,
	"1: wfi\n"
	"	b 1b\n");
BENCH_A64_GUEST(bench_hvc_guest,
	"1: movz x0, #0xc600, lsl #16\n"
	"	hvc #0\n"
	"	b 1b\n");
BENCH_A64_GUEST(bench_psci_guest,
	"1: mov x19, #" __stringify(CPUID_LOOP) "\n"
	"2: movz x0, #0x8400, lsl #16\n"	/* PSCI_VERSION */
	"	hvc #0\n"
	"	subs x19, x19, #1\n"
	"	b.ne 2b\n"
	"	str wzr, [x20]\n"
	"	b 1b\n");

#define bench_sbi_guest_start	bench_psci_guest_start
#define bench_sbi_guest_end	bench_psci_guest_end
#define BENCH_MEM_SIZE	KVM_ARM64_MEM_SIZE
#define BENCH_HVC_GUEST	bench_hvc_guest
#define BENCH_KVM_HYPERCALL_EXIT 0	/* none: KVM answers an unknown HVC */
#define kvm_bench_vm	kvm_arm64_vm
#define kvm_bench_vm_create kvm_arm64_vm_create
#define kvm_bench_vm_close kvm_arm64_vm_close
#define BENCH_GPA	KVM_ARM64_GPA
#endif

#define __guest_start(g)	g##_start
#define __guest_end(g)		g##_end
#define guest_start(g)		__guest_start(g)
#define guest_end(g)		__guest_end(g)

static const struct {
	const char *start, *end;
	__u32 exit_reason;
} guests[NR_RT] = {
	[RT_IO] = { bench_mmio_guest_start, bench_mmio_guest_end, AXVCPU_EXIT_MMIO_WRITE },
	[RT_HLT] = { bench_wfi_guest_start, bench_wfi_guest_end, AXVCPU_EXIT_HALT },
	[RT_HYPERCALL] = { guest_start(BENCH_HVC_GUEST), guest_end(BENCH_HVC_GUEST),
			   AXVCPU_EXIT_HYPERCALL },
	[RT_CPUID] = { bench_sbi_guest_start, bench_sbi_guest_end, AXVCPU_EXIT_MMIO_WRITE },
	[RT_NULL] = { bench_mmio_guest_start, bench_mmio_guest_end, AXVCPU_EXIT_NOTHING },
};

static void axv_block(int rt, unsigned long warm, unsigned long n, double *t)
{
	struct axv_ctx c;
	void *mem;

	axv_vm_create(&c.vm);
	mem = axv_mem_add(&c.vm, 0, BENCH_GPA, BENCH_MEM_SIZE, 0, NULL);
	memcpy(mem, guests[rt].start, guests[rt].end - guests[rt].start);
	c.vcpu = axv_vcpu_create(&c.vm, 0, 0);
	axv_vcpu_setup(c.vcpu, BENCH_GPA, 0);
	axv_vcpu_bind(c.vcpu);
	c.want = guests[rt].exit_reason;
	measure(rt == RT_NULL ? axv_null_ioctl : axv_round_trip, &c, "axvcpu",
		rt_names[rt], warm, n, t);
	axv_vcpu_close(c.vcpu);
	axv_vm_close(&c.vm);
}

struct kvm_ctx {
	struct kvm_bench_vm k;
	int kvm;
	__u32 want;
};

static int kvm_round_trip(void *arg)
{
	struct kvm_ctx *c = arg;
	int rc = ioctl(c->k.vcpu, KVM_RUN, 0);

	if (rc || c->k.run->exit_reason != c->want) {
		snprintf(fn_failure, sizeof(fn_failure),
			 "KVM_RUN: %s, exit_reason %u",
			 rc ? axv_errno_name(errno) : "0",
			 c->k.run->exit_reason);
		return -1;
	}
#if defined(__riscv)
	if (c->want == KVM_EXIT_RISCV_SBI) {
		c->k.run->riscv_sbi.ret[0] = -2;	/* NOT_SUPPORTED */
		c->k.run->riscv_sbi.ret[1] = 0;
	}
#endif
	return 0;
}

static int kvm_null_ioctl(void *arg)
{
	struct kvm_ctx *c = arg;

	if (ioctl(c->kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0) {
		snprintf(fn_failure, sizeof(fn_failure), "KVM_CHECK_EXTENSION");
		return -1;
	}
	return 0;
}

/*
 * KVM waits for an interrupt in the kernel on WFI (it has no exit for it),
 * and arm64 KVM answers an HVC it does not know in the kernel: those rows
 * are axvcpu's alone.
 */
static bool kvm_block(int kvm, int rt, unsigned long warm, unsigned long n,
		      double *t, char *note, size_t len)
{
	struct kvm_ctx c;

	if (rt == RT_HLT) {
		snprintf(note, len, "KVM handles WFI in the kernel");
		return false;
	}
	if (rt == RT_HYPERCALL && !BENCH_KVM_HYPERCALL_EXIT) {
		snprintf(note, len, "KVM answers the HVC in the kernel");
		return false;
	}
	c.kvm = kvm;
	c.want = rt == RT_HYPERCALL ? BENCH_KVM_HYPERCALL_EXIT : KVM_EXIT_MMIO;
	if (kvm_bench_vm_create(&c.k, kvm, guests[rt].start, guests[rt].end,
				note, len)) {
		kvm_bench_vm_close(&c.k);
		return false;
	}
	measure(rt == RT_NULL ? kvm_null_ioctl : kvm_round_trip, &c, "KVM",
		rt_names[rt], warm, n, t);
	kvm_bench_vm_close(&c.k);
	return true;
}

#endif

#if defined(__x86_64__) || defined(__riscv) || defined(__aarch64__)
/*
 * The round trips of both, interleaved: ROUNDS rounds, each a block of
 * every row on axvcpu and on KVM (which goes first alternates), so that
 * drift of the emulated machine over the run falls on both alike. Each
 * block runs on a VM of its own, closed before the other's: either module
 * holds SVM only while it has a VM. The thread stays on one CPU (main()
 * pinned it), where BIND puts the axvcpu vCPU and the KVM vCPU runs too.
 */
static void bench_round_trips(struct stats *axv, struct stats *kvm_s,
			      int kvm)
{
	double *ta[NR_RT], *tk[NR_RT];
	unsigned long n[NR_RT], warm, per;
	bool kvm_ok[NR_RT];
	int r, rt, side;

	for (rt = 0; rt < NR_RT; rt++) {
		n[rt] = iterations / rt_divisor[rt] ? iterations / rt_divisor[rt] : 1;
		ta[rt] = calloc(n[rt], sizeof(double));
		tk[rt] = calloc(n[rt], sizeof(double));
		AXV_REQUIRE(ta[rt] && tk[rt], "calloc");
		kvm_ok[rt] = kvm >= 0;
	}
	for (r = 0; r < ROUNDS; r++) {
		for (rt = 0; rt < NR_RT; rt++) {
			per = n[rt] / ROUNDS + (r < (int)(n[rt] % ROUNDS));
			warm = warmup / rt_divisor[rt] / ROUNDS;
			for (side = 0; side < 2; side++) {
				bool k = (side + r) & 1;
				double *t = (k ? tk[rt] : ta[rt]) +
					    r * (n[rt] / ROUNDS) +
					    (r < (int)(n[rt] % ROUNDS) ? r :
					     (int)(n[rt] % ROUNDS));

				progress(k ? "KVM" : "axvcpu", rt_names[rt]);
				if (!k)
					axv_block(rt, warm, per, t);
				else if (kvm_ok[rt])
					kvm_ok[rt] = kvm_block(kvm, rt, warm, per, t,
							       kvm_s[rt].note,
							       sizeof(kvm_s[rt].note));
			}
		}
		if (bare_loop)
			bare_block();
	}
	for (rt = 0; rt < NR_RT; rt++) {
		summarize(ta[rt], n[rt], &axv[rt]);
		if (kvm_ok[rt])
			summarize(tk[rt], n[rt], &kvm_s[rt]);
		free(ta[rt]);
		free(tk[rt]);
	}
}

#endif

#if defined(__x86_64__)
/* CPUID 0x8000000A EDX bit 3: the CPU saves the next RIP on #VMEXIT. */
static bool cpu_has_nrips(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x8000000a)
		return false;
	__cpuid(0x8000000a, a, b, c, d);
	return d & (1U << 3);
}
#endif /* __x86_64__ */

/* The bracketed word of /sys/kernel/mm/transparent_hugepage/enabled. */
static void read_thp_mode(void)
{
	char buf[128], *a, *b;
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f)) {
		a = strchr(buf, '[');
		b = a ? strchr(a, ']') : NULL;
		if (a && b) {
			*b = 0;
			snprintf(thp_mode, sizeof(thp_mode), "%s", a + 1);
		}
	}
	fclose(f);
}

static void bench_region(int sys_fd, int kind)
{
	size_t size = region_mib * AXV_MiB;
	unsigned long pages = size / AXV_PAGE_SIZE;
	double add[REGION_ROUNDS], del[REGION_ROUNDS], t0, first_add;
	char *line = region_line[kind];
	const size_t len = sizeof(region_line[kind]);
	long huge0, huge_kb;
	struct stats sa, sd;
	int vm, i, rc;
	void *mem;

	/* a kernel without THP (the riscv64 lanes') has 4 KiB pages alone */
	bool thp = !access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK);

	progress("axvcpu", kind == REGION_4K ? "memory region, 4 KiB pages" :
		 "memory region, transparent huge pages");
	if (kind == REGION_THP && !thp) {
		snprintf(line, len, "not measured: this kernel has no transparent huge pages");
		return;
	}
	huge0 = thp ? axv_meminfo_kb("AnonHugePages") : 0;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		snprintf(line, len,
			 "mmap of %lu MiB failed (%s); give the machine more memory or use -m",
			 region_mib, axv_errno_name(errno));
		return;
	}
	if (kind == REGION_4K && thp && madvise(mem, size, MADV_NOHUGEPAGE)) {
		snprintf(line, len, "madvise(MADV_NOHUGEPAGE): %s",
			 axv_errno_name(errno));
		munmap(mem, size);
		return;
	}
	/* every page present and private before the first add */
	memset(mem, 0x5a, size);
	huge_kb = thp ? axv_meminfo_kb("AnonHugePages") - huge0 : 0;
	vm = ioctl(sys_fd, AXVCPU_CREATE_VM, 0);
	AXV_REQUIRE(vm >= 0, "AXVCPU_CREATE_VM");
	for (i = 0; i < REGION_ROUNDS; i++) {
		t0 = now_us();
		rc = axv_set_region(vm, 0, 0, 0, size, (__u64)(uintptr_t)mem);
		add[i] = now_us() - t0;
		if (rc) {
			snprintf(line, len,
				 "SET_MEMORY_REGION of %lu MiB failed (%s)",
				 region_mib, axv_errno_name(-rc));
			goto out;
		}
		t0 = now_us();
		rc = axv_set_region(vm, 0, 0, 0, 0, 0);
		del[i] = now_us() - t0;
		AXV_REQUIRE(rc == 0, "delete");
	}
	first_add = add[0];
	summarize(add, REGION_ROUNDS, &sa);
	summarize(del, REGION_ROUNDS, &sd);
	snprintf(line, len,
		 "%lu MiB (%lu pages, %ld MiB in huge pages): add (pin + charge + map) median %.1f ms (min %.1f, max %.1f, first %.1f), %.2f us/page; delete (unmap + flush + unpin) median %.1f ms (min %.1f, max %.1f), %.2f us/page; %d rounds",
		 region_mib, pages, huge_kb / 1024, sa.median_us / 1e3,
		 sa.min_us / 1e3,
		 add[REGION_ROUNDS - 1] / 1e3, first_add / 1e3,
		 sa.median_us / pages, sd.median_us / 1e3, sd.min_us / 1e3,
		 del[REGION_ROUNDS - 1] / 1e3, sd.median_us / pages,
		 REGION_ROUNDS);
out:
	close(vm);
	munmap(mem, size);
}

static void bench_vcpu_memory(void)
{
	long free0, slab0, free1, slab1;
	struct axv_vcpu **vcpus;
	struct axv_vm vm;
	unsigned long i;

	progress("axvcpu", "kernel memory per vCPU");
	axv_vm_create(&vm);
	if (nr_vcpus > vm.info.max_vcpus)
		nr_vcpus = vm.info.max_vcpus;
	vcpus = calloc(nr_vcpus, sizeof(*vcpus));
	AXV_REQUIRE(vcpus, "calloc");
	free0 = axv_meminfo_kb("MemFree");
	slab0 = axv_meminfo_kb("Slab");
	for (i = 0; i < nr_vcpus; i++) {
		vcpus[i] = axv_vcpu_create(&vm, i, 0);
		axv_vcpu_setup(vcpus[i], 0x1000, 0);
	}
	free1 = axv_meminfo_kb("MemFree");
	slab1 = axv_meminfo_kb("Slab");
	snprintf(vcpu_mem_line, sizeof(vcpu_mem_line),
		 "%.1f kB less MemFree, %.1f kB more Slab (%lu vCPUs created and set up)",
		 (double)(free0 - free1) / nr_vcpus,
		 (double)(slab1 - slab0) / nr_vcpus, nr_vcpus);
	for (i = 0; i < nr_vcpus; i++)
		axv_vcpu_close(vcpus[i]);
	free(vcpus);
	axv_vm_close(&vm);
}

/*
 * axvcpu-run (vmm/ beside this program) booting its Linux guest, on KVM
 * with @kvm: the seconds to the /init marker and to the VMM's exit, or
 * false with @why.
 */
static bool boot_linux(bool kvm, double *to_init, double *total, char *why,
		       size_t len)
{
	char self[4096], dir[4096], vmm[4200], kernel[4200], initrd[4200];
	char out[65536];
	size_t n = 0;
	double t0, now;
	int p[2], st;
	ssize_t got;
	pid_t pid;

	got = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (got <= 0) {
		snprintf(why, len, "readlink /proc/self/exe");
		return false;
	}
	self[got] = '\0';
	snprintf(dir, sizeof(dir), "%s", dirname(self));
	snprintf(vmm, sizeof(vmm), "%s/vmm/axvcpu-run", dir);
	snprintf(kernel, sizeof(kernel), "%s/vmm/guests/%s", dir, BOOT_KERNEL);
	snprintf(initrd, sizeof(initrd), "%s/vmm/guests/linux-initramfs.cpio", dir);
	if (access(vmm, X_OK) || access(kernel, R_OK)) {
		snprintf(why, len, "no vmm/axvcpu-run or vmm/guests/%s beside the bench",
			 BOOT_KERNEL);
		return false;
	}
	if (pipe(p)) {
		snprintf(why, len, "pipe: %s", axv_errno_name(errno));
		return false;
	}
	t0 = now_us();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(p[1], 1);
		dup2(null, 2);
		execl(vmm, vmm, "run", "--kernel", kernel, "--initrd", initrd,
		      "--mem", "256M", "--cmdline",
		      axv_linux_cmdline(BOOT_CONSOLE " loglevel=5"),
		      kvm ? "--kvm" : NULL, NULL);
		_exit(127);
	}
	close(p[1]);
	*to_init = 0;
	for (;;) {
		struct pollfd pf = { p[0], POLLIN, 0 };

		now = now_us();
		if (now - t0 > BOOT_TIMEOUT_US) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&pf, 1, 100) <= 0)
			continue;
		got = read(p[0], out + n, sizeof(out) - 1 - n);
		if (got <= 0)
			break;
		n += got;
		out[n] = '\0';
		if (!*to_init && strstr(out, "AXVCPU-LINUX-INIT"))
			*to_init = (now_us() - t0) / 1e6;
		if (n > sizeof(out) / 2) {	/* keep the tail */
			memmove(out, out + n / 2, n - n / 2 + 1);
			n -= n / 2;
		}
	}
	close(p[0]);
	waitpid(pid, &st, 0);
	*total = (now_us() - t0) / 1e6;
	if (!WIFEXITED(st) || WEXITSTATUS(st) || !*to_init) {
		snprintf(why, len, "axvcpu-run%s %s (%s /init)", kvm ? " --kvm" : "",
			 WIFEXITED(st) ? "failed" : "killed",
			 *to_init ? "after" : "before");
		return false;
	}
	return true;
}

static void bench_boot(bool have_kvm)
{
	double init[2][BOOT_ROUNDS], total[2][BOOT_ROUNDS];
	int r, k, done[2] = { 0, 0 };
	char why[2][256] = { "", "" };

	for (r = 0; r < BOOT_ROUNDS; r++)
		for (k = 0; k < 1 + have_kvm; k++) {
			progress(k ? "KVM" : "axvcpu", "axvcpu-run Linux boot");
			if (boot_linux(k, &init[k][done[k]], &total[k][done[k]],
				       why[k], sizeof(why[k])))
				done[k]++;
		}
	printf("\nLinux guest under axvcpu-run (1 vCPU, 256 MiB): seconds from the VMM's start, each round\n");
	for (k = 0; k < 2; k++) {
		printf("  %-7s", k ? "KVM" : "axvcpu");
		if (!done[k]) {
			printf(" n/a (%s)\n", k && !have_kvm ? "no /dev/kvm" : why[k]);
			continue;
		}
		printf(" to /init");
		for (r = 0; r < done[k]; r++)
			printf(" %6.2f", init[k][r]);
		printf(", to power-off");
		for (r = 0; r < done[k]; r++)
			printf(" %6.2f", total[k][r]);
		printf("\n");
	}
}

static void print_row(const char *who, const char *what, const struct stats *s)
{
	if (!s->valid) {
		printf("  %-7s %-26s %s\n", who, what,
		       s->note[0] ? s->note : "n/a");
		return;
	}
	printf("  %-7s %-26s %10.2f %10.2f %10.2f %10.2f%s\n", who, what,
	       s->median_us, s->mean_us, s->min_us, s->p99_us, s->note);
}

static void print_in_kernel_exit(const char *who, const struct stats *s)
{
	if (!s[RT_CPUID].valid || !s[RT_IO].valid) {
		printf("  %-7s n/a\n", who);
		return;
	}
	printf("  %-7s %10.2f us\n", who,
	       (s[RT_CPUID].median_us - s[RT_IO].median_us) / CPUID_LOOP);
}

/* @name's value from the environment, or @def when it is not set */
static unsigned long env_ulong(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

int main(int argc, char **argv)
{
	struct stats axv[NR_RT], kvm[NR_RT];
	bool have_kvm = false, nrips = true;
	struct axvcpu_info info;
	char why[512] = "";
	int opt, sys, i;
	int kvm_fd = -1;
	cpu_set_t cpus;

	iterations = env_ulong("AXVCPU_BENCH_ITERATIONS", iterations);
	warmup = env_ulong("AXVCPU_BENCH_WARMUP", warmup);
	region_mib = env_ulong("AXVCPU_BENCH_REGION_MIB", region_mib);
	nr_vcpus = env_ulong("AXVCPU_BENCH_VCPUS", nr_vcpus);
	while ((opt = getopt(argc, argv, "n:w:m:c:h")) != -1) {
		switch (opt) {
		case 'n':
			iterations = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			warmup = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			region_mib = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			nr_vcpus = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n iterations] [-w warm-up] [-m region MiB (1024)] [-c vCPUs]\n",
				argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (!iterations || !nr_vcpus || !region_mib) {
		fprintf(stderr, "%s: -n, -m and -c must be positive\n", argv[0]);
		return 2;
	}
	memset(axv, 0, sizeof(axv));
	memset(kvm, 0, sizeof(kvm));
	setvbuf(stdout, NULL, _IOLBF, 0);

	sys = axv_open_dev();
	axv_get_info(sys, &info);
	/* one CPU for the whole bench: BIND puts the vCPU there, KVM runs there */
	CPU_ZERO(&cpus);
	CPU_SET(axv_test_cpu(0), &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
		fprintf(stderr, "axvcpu_bench: sched_setaffinity(CPU %d): %s\n",
			axv_test_cpu(0), axv_errno_name(errno));
		return 1;
	}
	printf("axvcpu_bench: backend %s, %d online CPUs, pinned to CPU %d, %lu round trips after %lu warm-up (CPUID loop: a tenth), %d interleaved rounds\n",
	       axv_arch_name(info.arch), axv_nr_online_cpus(), axv_test_cpu(0),
	       iterations, warmup, ROUNDS);

#if defined(__x86_64__)
	if (axv_arch_is_x86(info.arch)) {
		/* both modules loaded for the whole run, as a host would have them */
		kvm_fd = open_kvm(why, sizeof(why));
		have_kvm = kvm_fd >= 0;
		/* VMX gives every exit's instruction length: no decoding */
		nrips = info.arch != AXVCPU_ARCH_X86_SVM || cpu_has_nrips();
		bare_loop = info.arch == AXVCPU_ARCH_X86_SVM;
		bench_round_trips(axv, kvm, kvm_fd);
		if (have_kvm)
			close(kvm_fd);
	} else {
		snprintf(why, sizeof(why), "no guest code for this backend");
	}
#elif defined(__riscv) || defined(__aarch64__)
	if (info.arch == AXVCPU_ARCH_RISCV_H ||
	    info.arch == AXVCPU_ARCH_ARM64_NVHE) {
		kvm_fd = open_kvm(why, sizeof(why));
		have_kvm = kvm_fd >= 0;
		bench_round_trips(axv, kvm, kvm_fd);
		if (have_kvm)
			close(kvm_fd);
	} else {
		snprintf(why, sizeof(why), "no guest code for this backend");
	}
#else
	snprintf(why, sizeof(why), "no guest code for this architecture");
#endif
	if (axv_arch_is_x86(info.arch) || info.arch == AXVCPU_ARCH_RISCV_H ||
	    info.arch == AXVCPU_ARCH_ARM64_NVHE)
		bench_boot(have_kvm);
	read_thp_mode();
	bench_region(sys, REGION_THP);
	bench_region(sys, REGION_4K);
	bench_vcpu_memory();
	close(sys);

	/*
	 * Without next-RIP saving in the CPU's SVM (CPUID 8000000A:EDX bit 3;
	 * QEMU's SVM has none), KVM decodes the instruction in its emulator to
	 * skip HLT, VMMCALL and CPUID; axvcpu knows their lengths. OUT is like
	 * for like: both take its length from the IOIO exit information.
	 */
	if (have_kvm && !nrips) {
		for (i = RT_HLT; i <= RT_CPUID; i++)
			snprintf(kvm[i].note, sizeof(kvm[i].note),
				 "  (KVM emulates: no NRIPS)");
	}
	printf("\nheadline, like for like: %s round trip, median\n", rt_names[RT_IO]);
	if (axv[RT_IO].valid && have_kvm && kvm[RT_IO].valid)
		printf("  axvcpu %.2f us, KVM %.2f us, ratio axvcpu / KVM %.2f\n",
		       axv[RT_IO].median_us, kvm[RT_IO].median_us,
		       axv[RT_IO].median_us / kvm[RT_IO].median_us);
	else
		printf("  n/a (%s)\n", why[0] ? why : "not measured");

	printf("\nround trip: RUN -> guest -> exit to user space, in microseconds\n");
	printf("  %-7s %-26s %10s %10s %10s %10s\n", "", "", "median",
	       "mean", "min", "p99");
	for (i = 0; i < NR_RT; i++)
		print_row("axvcpu", rt_names[i], &axv[i]);
	for (i = 0; i < NR_RT; i++) {
		if (!have_kvm) {
			printf("  %-7s %-26s n/a (%s)\n", "KVM", rt_names[i], why);
			continue;
		}
		print_row("KVM", rt_names[i], &kvm[i]);
	}
	printf("\nin-kernel exit (no return to user space), per exit: (\"%s\" - \"%s\") / %d\n",
	       rt_names[RT_CPUID], rt_names[RT_IO], CPUID_LOOP);
	print_in_kernel_exit("axvcpu", axv);
	if (have_kvm)
		print_in_kernel_exit("KVM", kvm);
	if (bare_loop) {
		double bare = bare_median();

		if (bare > 0) {
			printf("  %-7s %10.2f us  (bare VMRUN -> #VMEXIT loop of CPUID exits, median of %d loads)\n",
			       "bare", bare, bare_n);
			if (axv[RT_CPUID].valid && axv[RT_IO].valid)
				printf("  axvcpu / bare %.2f (goal <= 1.3)\n",
				       (axv[RT_CPUID].median_us -
					axv[RT_IO].median_us) / CPUID_LOOP / bare);
		} else {
			printf("  %-7s n/a (%s)\n", "bare", bare_why);
		}
	}
	printf("\nmemory region, transparent huge pages [%s]:\n  %s\n",
	       thp_mode, region_line[REGION_THP]);
	printf("memory region, MADV_NOHUGEPAGE (4 KiB pages):\n  %s\n",
	       region_line[REGION_4K]);
	printf("kernel memory per vCPU: %s\n", vcpu_mem_line);
	printf("\nratio axvcpu / KVM (medians)\n");
	for (i = 0; i < NR_RT; i++) {
		if (axv[i].valid && kvm[i].valid && kvm[i].median_us > 0)
			printf("  %-34s %6.2f%s\n", rt_names[i],
			       axv[i].median_us / kvm[i].median_us, kvm[i].note);
		else
			printf("  %-34s n/a\n", rt_names[i]);
	}
	return 0;
}
