// SPDX-License-Identifier: GPL-2.0
/*
 * The axvcpu ioctl fuzzer (see axvcpu_fuzz.h).
 *
 * Each worker process holds a pool of system, VM and vCPU fds, guest memory
 * buffers and run-struct mappings, shared by its threads. Every step picks
 * an operation by weight and fills it with valid, boundary or garbage
 * arguments from the worker thread's own xorshift generator, seeded from
 * the base seed, the process index and the thread index: one thread's
 * sequence replays from the seed (the interleaving of threads does not).
 *
 * A finding is what the kernel must never do visibly: an errno outside
 * the documented set, a state or exit reason out of range, a worker that
 * cannot be killed. Splats (KASAN, lockdep, WARN) are caught by the
 * harness from the console log.
 *
 * Nothing here knows an instruction set or a register file: guest code,
 * SETUP's mode and the arch's register, event, FP and CPUID contents come
 * from fuzz/<arch>.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <sys/wait.h>

#include <linux/axvcpu.h>
#include "axvcpu_fuzz.h"

#define POOL_VMS	4
#define POOL_VCPUS	8
#define POOL_BUFS	4
#define BUF_PAGES	64
#define PAGE		4096UL
#define MAX_THREADS	FUZZ_MAX_THREADS

struct pool_vcpu {
	int fd;
	struct axvcpu_run *run;
	size_t run_len;
};

struct worker {
	pthread_mutex_t lock;		/* the pools below */
	int sys_fd;
	int vms[POOL_VMS];
	struct pool_vcpu vcpus[POOL_VCPUS];
	unsigned char *bufs[POOL_BUFS];
	unsigned int run_size;
	struct fuzz_result *res;	/* shared between processes */
	const struct fuzz_config *cfg;
	unsigned int proc;
	volatile int stop;
	uint64_t deadline_ns;
	pthread_t tids[MAX_THREADS];
};

struct fuzz_thread {
	struct worker *w;
	unsigned int idx;
	uint64_t rng;
	int nth_fd;		/* this thread's fail-nth, or -1 */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t rnd(struct fuzz_thread *t)
{
	/* xorshift64* */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545F4914F6CDD1DULL;
}

static unsigned int below(struct fuzz_thread *t, unsigned int n)
{
	return n ? rnd(t) % n : 0;
}

static bool chance(struct fuzz_thread *t, unsigned int percent)
{
	return below(t, 100) < percent;
}

/* A value with a bias towards the boundaries that break code. */
/* The worker's own image and heap (with room to grow): see op_region */
extern char __executable_start[];
static uintptr_t own_start, own_end;

static uint64_t interesting(struct fuzz_thread *t)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 255, 256, 4095,
		4096, 4097, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0xfffffffffffff000ULL, 0x7fffffffffffffffULL, ~0ULL,
		/* address-space widths, then addresses below 4 GiB */
		1ULL << 47, 1ULL << 48, 1ULL << 52, 1ULL << 57, 0xfee00000,
		0xd0000000, 0x100000, 0x1000, 0x200000,
	};

	switch (below(t, 4)) {
	case 0:
		return v[below(t, sizeof(v) / sizeof(v[0]))];
	case 1:
		return rnd(t) & 0xffff;
	case 2:
		return (rnd(t) & 0xfffff) << 12;
	default:
		return rnd(t);
	}
}

static void finding(struct fuzz_thread *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void finding(struct fuzz_thread *t, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# FINDING seed=%llu proc=%u thread=%u: %s\n",
	       (unsigned long long)t->w->cfg->seed, t->w->proc, t->idx, msg);
	fflush(stdout);
	__atomic_fetch_add(&t->w->res->findings, 1, __ATOMIC_RELAXED);
}

/* The errnos Documentation/api.rst allows an axvcpu ioctl to return. */
static bool errno_allowed(int e)
{
	switch (e) {
	case EINVAL: case EBADF: case EBADFD: case EFAULT: case ENOTTY:
	case EEXIST: case ENOENT: case ENOMEM: case EPERM: case EINTR:
	case EBUSY: case EIO: case ENODEV: case EMFILE: case ENFILE: case E2BIG:
		return true;
	default:
		return false;
	}
}

/* Note what this thread is about to do, in its trail. */
static void trail(struct fuzz_thread *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void trail(struct fuzz_thread *t, const char *fmt, ...)
{
	struct fuzz_result *res = t->w->res;
	unsigned int p = t->w->proc, i = t->idx;
	unsigned int pos = res->trail_pos[p][i]++ % FUZZ_TRAIL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->trail[p][i][pos], sizeof(res->trail[p][i][pos]), fmt, ap);
	va_end(ap);
}

/*
 * The fail-nth count this thread armed and has not disarmed yet (0: none):
 * a crash report says whether an injected failure may have been left for
 * the way back to user space (a fuzzer artifact) or not (the kernel's).
 */
static __thread volatile unsigned int armed_nth;

static long checked_ioctl(struct fuzz_thread *t, int fd, unsigned long cmd,
			  unsigned long arg, const char *what)
{
	long r;

	sigset_t kick, old;
	unsigned int nth = 0;
	int err;

	/*
	 * Mostly one of the first few fault points: most calls reach only a
	 * few. Not for RUN, which allocates nothing and needs the kicks to
	 * end. The kick is blocked while the thread is armed: a fault point
	 * the call did not reach would otherwise fail the signal frame's
	 * page fault on the way back to user space (SIGSEGV).
	 */
	if (t->nth_fd >= 0 && cmd != AXVCPU_RUN &&
	    chance(t, t->w->cfg->fault_percent))
		nth = 1 + below(t, chance(t, 75) ? 4 : 24);
	trail(t, "%s fd %d arg %#lx%s", what, fd, arg, nth ? " (fault)" : "");
	if (nth) {
		char b[16];
		int l = snprintf(b, sizeof(b), "%u", nth);

		sigemptyset(&kick);
		sigaddset(&kick, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &kick, &old);
		armed_nth = nth;
		if (pwrite(t->nth_fd, b, l, 0) != l) {
			armed_nth = 0;
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			nth = 0;
		}
	}
	r = ioctl(fd, cmd, arg);
	if (nth) {
		char b[16];
		ssize_t l;

		err = errno;
		l = pread(t->nth_fd, b, sizeof(b) - 1, 0);
		if (pwrite(t->nth_fd, "0", 1, 0) != 1) {
			perror("disarm fail-nth");
			_exit(3);
		}
		armed_nth = 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (l > 0) {
			b[l] = 0;
			if (atoi(b) == 0)
				__atomic_fetch_add(&t->w->res->faults, 1,
						   __ATOMIC_RELAXED);
		}
		errno = err;
	}

	__atomic_fetch_add(&t->w->res->calls, 1, __ATOMIC_RELAXED);
	if (r < 0 && !errno_allowed(errno))
		finding(t, "%s on fd %d: unexpected errno %d (%s)", what, fd,
			errno, strerror(errno));
	return r;
}

/* A pointer that is valid, NULL, unmapped or kernel space. */
static void *some_ptr(struct fuzz_thread *t, void *valid)
{
	switch (below(t, 10)) {
	case 0:
		return NULL;
	case 1:
		return (void *)0xffff800000000000ULL;
	case 2:
		return (void *)(uintptr_t)(interesting(t) & ~0xfULL);
	default:
		return valid;
	}
}

/* The helpers fuzz/<arch>.c draws with (axvcpu_fuzz.h). */
uint64_t fuzz_rnd(struct fuzz_thread *t)
{
	return rnd(t);
}

unsigned int fuzz_below(struct fuzz_thread *t, unsigned int n)
{
	return below(t, n);
}

bool fuzz_chance(struct fuzz_thread *t, unsigned int percent)
{
	return chance(t, percent);
}

uint64_t fuzz_interesting(struct fuzz_thread *t)
{
	return interesting(t);
}

void *fuzz_some_ptr(struct fuzz_thread *t, void *valid)
{
	return some_ptr(t, valid);
}

long fuzz_ioctl(struct fuzz_thread *t, int fd, unsigned long cmd,
		unsigned long arg, const char *what)
{
	return checked_ioctl(t, fd, cmd, arg, what);
}

int fuzz_sys_fd(struct fuzz_thread *t)
{
	return t->w->sys_fd;
}

static int pick_fd(struct fuzz_thread *t)
{
	struct worker *w = t->w;

	switch (below(t, 10)) {
	case 0:
		return w->sys_fd;
	case 1:
		return (int)interesting(t);
	case 2: case 3: case 4:
		return w->vms[below(t, POOL_VMS)];
	default:
		return w->vcpus[below(t, POOL_VCPUS)].fd;
	}
}

static int pick_vcpu(struct fuzz_thread *t)
{
	/* Mostly the thread's own slot, so that BIND and RUN can meet. */
	unsigned int i = chance(t, 70) ? t->idx % POOL_VCPUS : below(t, POOL_VCPUS);

	return t->w->vcpus[i].fd;
}

static void op_create_vm(struct fuzz_thread *t)
{
	struct worker *w = t->w;
	int fd = checked_ioctl(t, w->sys_fd, AXVCPU_CREATE_VM,
			       chance(t, 90) ? 0 : interesting(t), "CREATE_VM");
	unsigned int i = below(t, POOL_VMS);

	if (fd < 0)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->vms[i] >= 0)
		close(w->vms[i]);
	w->vms[i] = fd;
	pthread_mutex_unlock(&w->lock);
}

static void op_create_vcpu(struct fuzz_thread *t)
{
	struct worker *w = t->w;
	struct axvcpu_create_vcpu c;
	uint64_t bitmap[20];
	unsigned int i = chance(t, 70) ? t->idx % POOL_VCPUS : below(t, POOL_VCPUS);
	int fd;

	memset(&c, 0, sizeof(c));
	c.vm_fd = chance(t, 85) ? w->vms[below(t, POOL_VMS)] : pick_fd(t);
	c.vcpu_id = chance(t, 80) ? below(t, 8) : interesting(t);
	if (chance(t, 20))
		c.favor_phys_cpu = chance(t, 50) ? below(t, 4) : interesting(t);
	if (chance(t, 10))
		c.flags = interesting(t);
	else if (chance(t, 30))
		c.flags = below(t, 4);
	if (chance(t, 15)) {
		for (unsigned int k = 0; k < 20; k++)
			bitmap[k] = chance(t, 50) ? rnd(t) : 0;
		c.allowed_cpus = (uintptr_t)some_ptr(t, bitmap);
		c.allowed_cpus_size = chance(t, 80) ? 8 * (1 + below(t, 20)) :
						      interesting(t);
	}
	if (chance(t, 5))
		c.reserved[below(t, 4)] = rnd(t);
	if (chance(t, 5))
		c.arch[below(t, 4)] = rnd(t);
	fd = checked_ioctl(t, w->sys_fd, AXVCPU_CREATE_VCPU,
			   (uintptr_t)some_ptr(t, &c), "CREATE_VCPU");
	if (fd < 0)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->vcpus[i].fd >= 0) {
		if (w->vcpus[i].run)
			munmap(w->vcpus[i].run, w->vcpus[i].run_len);
		close(w->vcpus[i].fd);
	}
	w->vcpus[i].fd = fd;
	w->vcpus[i].run = NULL;
	pthread_mutex_unlock(&w->lock);
}

static void op_region(struct fuzz_thread *t)
{
	struct worker *w = t->w;
	struct axvcpu_memory_region mr;
	unsigned char *buf = w->bufs[below(t, POOL_BUFS)];

	memset(&mr, 0, sizeof(mr));
	mr.slot = chance(t, 90) ? below(t, 6) : interesting(t);
	mr.flags = chance(t, 80) ? below(t, 2) : interesting(t);
	mr.guest_phys_addr = chance(t, 70) ? below(t, 8) * 0x40000ULL :
					     interesting(t);
	mr.memory_size = chance(t, 70) ? PAGE * (1 + below(t, BUF_PAGES)) :
					 interesting(t);
	if (chance(t, 15))
		mr.memory_size = 0;		/* delete */
	mr.userspace_addr = chance(t, 85) ? (uintptr_t)buf +
			    PAGE * below(t, BUF_PAGES / 2) : interesting(t);
	/*
	 * Never the worker's own image and heap: a guest given them writes
	 * the worker's data (its GOT, its heap) as the VMM asked, and the
	 * worker dies of it, which says nothing of the kernel.
	 */
	if (mr.userspace_addr < own_end &&
	    mr.userspace_addr + mr.memory_size > own_start)
		mr.userspace_addr = (uintptr_t)buf;
	if (chance(t, 5))
		mr.userspace_addr |= 1 + below(t, 4095);
	if (chance(t, 30))
		fuzz_arch_random_code(t, buf, BUF_PAGES * PAGE / 4);
	checked_ioctl(t, chance(t, 90) ? w->vms[below(t, POOL_VMS)] : pick_fd(t),
		      AXVCPU_SET_MEMORY_REGION, (uintptr_t)some_ptr(t, &mr),
		      "SET_MEMORY_REGION");
}

static void op_setup(struct fuzz_thread *t)
{
	struct axvcpu_setup s;

	memset(&s, 0, sizeof(s));
	s.entry = chance(t, 80) ? below(t, 8) * 0x40000ULL + below(t, 4) * 0x100 :
				  interesting(t);
	fuzz_arch_setup(t, &s, false);
	if (chance(t, 5))
		s.flags = rnd(t);
	/* garbage past the arch part's first word */
	if (chance(t, 5))
		s.arch.pad[1 + below(t, 7)] = rnd(t);
	checked_ioctl(t, pick_vcpu(t), AXVCPU_SETUP,
		      (uintptr_t)some_ptr(t, &s), "SETUP");
}

static void op_run(struct fuzz_thread *t)
{
	struct worker *w = t->w;
	unsigned int i = chance(t, 80) ? t->idx % POOL_VCPUS : below(t, POOL_VCPUS);
	struct axvcpu_run *run;
	int fd;
	long r;

	pthread_mutex_lock(&w->lock);
	fd = w->vcpus[i].fd;
	if (fd >= 0 && !w->vcpus[i].run) {
		void *p = mmap(NULL, w->run_size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, fd, 0);

		if (p != MAP_FAILED) {
			w->vcpus[i].run = p;
			w->vcpus[i].run_len = w->run_size;
		}
	}
	run = w->vcpus[i].run;
	if (run) {
		/* Garbage where completion values and the kick byte live. */
		if (chance(t, 20))
			run->immediate_exit = chance(t, 50);
		if (chance(t, 30))
			run->mmio.data = rnd(t);
		if (chance(t, 10))
			run->mmio.reg = rnd(t);
	}
	pthread_mutex_unlock(&w->lock);

	if (chance(t, 60))
		checked_ioctl(t, fd, AXVCPU_BIND, 0, "BIND");
	r = checked_ioctl(t, fd, AXVCPU_RUN, chance(t, 97) ? 0 : rnd(t), "RUN");
	if (r == 0) {
		__atomic_fetch_add(&w->res->runs, 1, __ATOMIC_RELAXED);
		pthread_mutex_lock(&w->lock);
		/* The mapping may have gone with the fd; read it under the lock. */
		if (w->vcpus[i].fd == fd && w->vcpus[i].run) {
			uint32_t reason = w->vcpus[i].run->exit_reason;

			if (reason >= AXVCPU_NR_EXIT_REASONS)
				finding(t, "RUN exit_reason %u", reason);
			else
				__atomic_fetch_add(&w->res->exits[reason], 1,
						   __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&w->lock);
	}
}

static void op_regs_on(struct fuzz_thread *t, int fd)
{
	struct axvcpu_regs regs;
	struct axvcpu_gpr gpr;
	__u64 v;

	switch (below(t, 5)) {
	case 0:
		memset(&gpr, 0, sizeof(gpr));
		gpr.reg = chance(t, 80) ? below(t, fuzz_arch.nr_gprs) : interesting(t);
		gpr.value = interesting(t);
		if (chance(t, 5))
			gpr.pad = rnd(t);
		checked_ioctl(t, fd, chance(t, 50) ? AXVCPU_SET_GPR : AXVCPU_GET_GPR,
			      (uintptr_t)some_ptr(t, &gpr), "SET/GET_GPR");
		break;
	case 1:
		v = interesting(t);
		checked_ioctl(t, fd, AXVCPU_SET_RETURN_VALUE,
			      (uintptr_t)some_ptr(t, &v), "SET_RETURN_VALUE");
		break;
	default:
		memset(&regs, 0, sizeof(regs));
		if (checked_ioctl(t, fd, AXVCPU_GET_REGS, (uintptr_t)&regs,
				  "GET_REGS") < 0 && chance(t, 50))
			break;
		/* Perturb a few fields of a valid register file. */
		fuzz_arch_random_regs(t, &regs);
		if (chance(t, 5))
			regs.arch = rnd(t);
		checked_ioctl(t, fd, AXVCPU_SET_REGS, (uintptr_t)some_ptr(t, &regs),
			      "SET_REGS");
		break;
	}
}

static void op_regs(struct fuzz_thread *t)
{
	op_regs_on(t, pick_vcpu(t));
}

/* AXVCPU_INJECT_EXCEPTION: valid vectors and error codes, and garbage. */
static void op_exception_on(struct fuzz_thread *t, int fd)
{
	struct axvcpu_exception exc;

	memset(&exc, 0, sizeof(exc));
	exc.vector = chance(t, 80) ? below(t, 32) : interesting(t);
	exc.flags = chance(t, 50) ? AXVCPU_EXCEPTION_ERROR_CODE : 0;
	exc.error_code = chance(t, 50) ? 0 : rnd(t);
	if (exc.vector == fuzz_arch.fault_vector || chance(t, 5))
		exc.fault_addr = interesting(t);
	if (chance(t, 5))
		exc.flags = rnd(t);
	if (chance(t, 5))
		exc.pad = rnd(t);
	if (chance(t, 5))
		exc.reserved[below(t, 4)] = rnd(t);
	checked_ioctl(t, fd, AXVCPU_INJECT_EXCEPTION,
		      (uintptr_t)some_ptr(t, &exc), "INJECT_EXCEPTION");
}

/* System registers by id: listed ids, near misses and garbage. */
static void op_sysreg_on(struct fuzz_thread *t, int fd)
{
	struct axvcpu_sysreg_list l;
	struct axvcpu_sysreg r;
	uint64_t ids[32];

	memset(&l, 0, sizeof(l));
	l.nr = chance(t, 80) ? 32 : below(t, 16);
	l.ids = (uintptr_t)some_ptr(t, ids);
	if (chance(t, 5))
		l.pad = rnd(t);
	memset(ids, 0, sizeof(ids));
	checked_ioctl(t, fd, AXVCPU_GET_SYSREG_LIST, (uintptr_t)some_ptr(t, &l),
		      "GET_SYSREG_LIST");
	memset(&r, 0, sizeof(r));
	r.id = chance(t, 70) ? ids[below(t, 16)] :
	       chance(t, 50) ? fuzz_arch_sysreg_id(t) :
	       interesting(t);
	r.value = interesting(t);
	if (chance(t, 5))
		r.flags = rnd(t);
	if (chance(t, 5))
		r.pad = rnd(t);
	checked_ioctl(t, fd, chance(t, 50) ? AXVCPU_GET_SYSREG : AXVCPU_SET_SYSREG,
		      (uintptr_t)some_ptr(t, &r), "GET/SET_SYSREG");
}

/*
 * FP state: GET into a buffer, then SET it back as it is, with a few
 * random bytes where SET_FPU checks the image (the arch's choice) or with
 * a wrong size.
 */
static void op_fpu_on(struct fuzz_thread *t, int fd)
{
	static __thread unsigned char img[8192];
	struct axvcpu_fpu f;

	memset(&f, 0, sizeof(f));
	f.size = chance(t, 80) ? sizeof(img) : below(t, 4096);
	f.addr = (uintptr_t)some_ptr(t, img);
	if (chance(t, 5))
		f.reserved[below(t, 4)] = rnd(t);
	checked_ioctl(t, fd, AXVCPU_GET_FPU, (uintptr_t)some_ptr(t, &f), "GET_FPU");
	if (chance(t, 30))
		img[fuzz_arch_fpu_offset(t)] = rnd(t);
	if (chance(t, 10))
		f.size = interesting(t);
	if (chance(t, 5))
		f.flags = rnd(t);
	checked_ioctl(t, fd, AXVCPU_SET_FPU, (uintptr_t)some_ptr(t, &f), "SET_FPU");
}

/* Events in flight: GET, then SET them back with a byte or a word changed. */
static void op_events_on(struct fuzz_thread *t, int fd)
{
	struct axvcpu_events ev;

	memset(&ev, 0, sizeof(ev));
	checked_ioctl(t, fd, AXVCPU_GET_EVENTS, (uintptr_t)some_ptr(t, &ev),
		      "GET_EVENTS");
	fuzz_arch_random_events(t, &ev);
	if (chance(t, 5))
		ev.flags = rnd(t);
	checked_ioctl(t, fd, AXVCPU_SET_EVENTS, (uintptr_t)some_ptr(t, &ev),
		      "SET_EVENTS");
}

static void op_misc(struct fuzz_thread *t)
{
	struct axvcpu_interrupt irq = { .vector = 0 };
	struct axvcpu_vcpu_info vi;
	struct axvcpu_info info;
	uint64_t cpus[16];
	int fd = pick_fd(t);
	long r;

	switch (below(t, 8)) {
	case 0:
		r = checked_ioctl(t, fd, AXVCPU_GET_STATE, chance(t, 95) ? 0 : rnd(t),
				  "GET_STATE");
		if (r > AXVCPU_STATE_BLOCKED)
			finding(t, "GET_STATE returned %ld", r);
		break;
	case 1:
		irq.vector = chance(t, 80) ? 32 + below(t, 224) : interesting(t);
		if (chance(t, 10)) {
			/* an NMI, mostly well-formed */
			irq.flags = AXVCPU_INTERRUPT_NMI;
			irq.vector = chance(t, 80) ? 0 : irq.vector;
		}
		if (chance(t, 5))
			irq.flags = rnd(t);
		checked_ioctl(t, fd, AXVCPU_INJECT_INTERRUPT,
			      (uintptr_t)some_ptr(t, &irq), "INJECT_INTERRUPT");
		if (chance(t, 10)) {
			struct axvcpu_irq_line l = {
				.line = chance(t, 80) ? below(t, 12) : rnd(t),
				.level = chance(t, 90) ? below(t, 2) : rnd(t),
			};

			checked_ioctl(t, fd, AXVCPU_SET_IRQ_LINE,
				      (uintptr_t)some_ptr(t, &l), "SET_IRQ_LINE");
		}
		if (chance(t, 40))
			op_exception_on(t, fd);
		else if (chance(t, 40))
			op_sysreg_on(t, fd);
		else if (chance(t, 40))
			op_fpu_on(t, fd);
		else if (chance(t, 50))
			fuzz_arch_vcpu_op(t, fd);
		else
			op_events_on(t, fd);
		break;
	case 2:
		memset(&vi, 0, sizeof(vi));
		vi.allowed_cpus_size = chance(t, 70) ? 8 * below(t, 17) : interesting(t);
		vi.allowed_cpus = (uintptr_t)some_ptr(t, cpus);
		if (chance(t, 5))
			vi.reserved[below(t, 4)] = rnd(t);
		checked_ioctl(t, fd, AXVCPU_GET_VCPU_INFO,
			      (uintptr_t)some_ptr(t, &vi), "GET_VCPU_INFO");
		break;
	case 3:
		checked_ioctl(t, fd, AXVCPU_UNBIND, chance(t, 95) ? 0 : rnd(t),
			      "UNBIND");
		break;
	case 4:
		checked_ioctl(t, t->w->sys_fd, AXVCPU_GET_INFO,
			      (uintptr_t)some_ptr(t, &info), "GET_INFO");
		break;
	case 5:
		/* Any ioctl number of ours, any size and direction. */
		checked_ioctl(t, fd, _IOC(below(t, 4), AXVCPU_IO_MAGIC, below(t, 0x40),
					  below(t, 2048)),
			      (uintptr_t)some_ptr(t, cpus), "random ioctl");
		break;
	case 6: {
		/* mmap with odd sizes and offsets, then unmap. */
		size_t len = chance(t, 70) ? PAGE : interesting(t) & 0xffffff;
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			       chance(t, 80) ? 0 : (interesting(t) & ~0xfffULL));

		if (p != MAP_FAILED) {
			if (len >= sizeof(struct axvcpu_run))
				((volatile struct axvcpu_run *)p)->immediate_exit = 0;
			munmap(p, len);
		}
		break;
	}
	default:
		checked_ioctl(t, t->w->sys_fd, AXVCPU_GET_API_VERSION,
			      chance(t, 90) ? 0 : rnd(t), "GET_API_VERSION");
		break;
	}
}

static void op_close(struct fuzz_thread *t)
{
	struct worker *w = t->w;
	unsigned int i;

	pthread_mutex_lock(&w->lock);
	if (chance(t, 50)) {
		i = below(t, POOL_VMS);
		if (w->vms[i] >= 0)
			close(w->vms[i]);
		w->vms[i] = -1;
	} else {
		i = below(t, POOL_VCPUS);
		if (w->vcpus[i].run)
			munmap(w->vcpus[i].run, w->vcpus[i].run_len);
		if (w->vcpus[i].fd >= 0)
			close(w->vcpus[i].fd);
		w->vcpus[i].fd = -1;
		w->vcpus[i].run = NULL;
	}
	pthread_mutex_unlock(&w->lock);
}

/* A child that does a few operations and is killed with SIGKILL mid-way. */
static void op_fork_and_kill(struct fuzz_thread *t)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct fuzz_thread c = *t;

		/* never outlive the thread that forked it (it kills and reaps us) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);

		c.rng ^= 0x9e3779b97f4a7c15ULL;
		/* the inherited fd arms the parent's thread: open the child's own */
		if (c.nth_fd >= 0)
			c.nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
		for (;;) {
			op_run(&c);
			op_region(&c);
		}
	}
	if (pid > 0) {
		usleep(below(t, 3000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/*
 * A well-formed session: a VM with random guest code, a vCPU taken through
 * SETUP and BIND, then a series of RUNs with random completions, register
 * pokes and injections between them. Random single calls alone mostly hit
 * the argument checks; this is what drives the exit handlers and decoders.
 */
static void op_guest_session(struct fuzz_thread *t)
{
	struct worker *w = t->w;
	struct axvcpu_create_vcpu c = { 0 };
	struct axvcpu_memory_region mr = { 0 };
	struct axvcpu_setup s = { 0 };
	unsigned char *buf = w->bufs[t->idx % POOL_BUFS];
	struct axvcpu_run *run;
	unsigned int n;
	int vm, vcpu;

	vm = checked_ioctl(t, w->sys_fd, AXVCPU_CREATE_VM, 0, "CREATE_VM");
	if (vm < 0)
		return;
	fuzz_arch_random_code(t, buf, BUF_PAGES * PAGE / 2);
	mr.memory_size = BUF_PAGES * PAGE / 2;
	mr.userspace_addr = (uintptr_t)buf;
	mr.flags = chance(t, 10) ? AXVCPU_MEM_READONLY : 0;
	checked_ioctl(t, vm, AXVCPU_SET_MEMORY_REGION, (uintptr_t)&mr,
		      "SET_MEMORY_REGION");
	c.vm_fd = vm;
	c.flags = below(t, 4);
	vcpu = checked_ioctl(t, w->sys_fd, AXVCPU_CREATE_VCPU, (uintptr_t)&c,
			     "CREATE_VCPU");
	if (vcpu < 0)
		goto out_vm;
	run = mmap(NULL, w->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		goto out_vcpu;
	s.entry = PAGE * below(t, 4) + below(t, 64);
	fuzz_arch_setup(t, &s, true);
	{
		const unsigned char *b = buf + s.entry;

		trail(t, "session arch %#llx entry %#llx code %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x",
		      (unsigned long long)s.arch.pad[0], (unsigned long long)s.entry,
		      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		      b[10], b[11]);
	}
	checked_ioctl(t, vcpu, AXVCPU_SETUP, (uintptr_t)&s, "SETUP");
	checked_ioctl(t, vcpu, AXVCPU_BIND, 0, "BIND");
	for (n = 4 + below(t, 28); n && !w->stop; n--) {
		long r;

		run->mmio.data = rnd(t);
		run->hypercall.ret = rnd(t);
		/* Answer with a fault: mostly after SYSREG exits, at times after others. */
		if ((run->exit_reason == AXVCPU_EXIT_SYSREG_READ ||
		     run->exit_reason == AXVCPU_EXIT_SYSREG_WRITE) ? chance(t, 50) :
		    chance(t, 3))
			run->complete_fault = chance(t, 90) ? 1 : rnd(t);
		/* No sync-regs part exists: a nonzero sync_dirty is refused. */
		if (chance(t, 2))
			run->sync_dirty = interesting(t);
		if (chance(t, 10))
			op_regs_on(t, vcpu);
		if (chance(t, 10)) {
			struct axvcpu_interrupt irq = { .vector = 32 + below(t, 224) };

			if (chance(t, 20)) {
				irq.vector = 0;
				irq.flags = AXVCPU_INTERRUPT_NMI;
			}
			checked_ioctl(t, vcpu, AXVCPU_INJECT_INTERRUPT,
				      (uintptr_t)&irq, "INJECT_INTERRUPT");
		}
		if (chance(t, 5))
			op_exception_on(t, vcpu);
		if (chance(t, 5))
			op_sysreg_on(t, vcpu);
		if (chance(t, 3))
			op_fpu_on(t, vcpu);
		if (chance(t, 3))
			fuzz_arch_vcpu_op(t, vcpu);
		if (chance(t, 5))
			op_events_on(t, vcpu);
		r = checked_ioctl(t, vcpu, AXVCPU_RUN, 0, "RUN");
		if (r == 0) {
			__atomic_fetch_add(&w->res->runs, 1, __ATOMIC_RELAXED);
			if (run->exit_reason >= AXVCPU_NR_EXIT_REASONS)
				finding(t, "RUN exit_reason %u", run->exit_reason);
			else
				__atomic_fetch_add(&w->res->exits[run->exit_reason], 1,
						   __ATOMIC_RELAXED);
		} else if (errno == EINVAL && (run->complete_fault || run->sync_dirty)) {
			/* an answer or sync part RUN refused: take it back, go on */
			run->complete_fault = 0;
			run->sync_dirty = 0;
		} else if (errno != EINTR) {
			break;
		}
	}
	if (chance(t, 50))
		checked_ioctl(t, vcpu, AXVCPU_UNBIND, 0, "UNBIND");
	munmap(run, w->run_size);
out_vcpu:
	close(vcpu);
out_vm:
	close(vm);
}

static void *worker_thread(void *arg)
{
	struct fuzz_thread *t = arg;
	struct worker *w = t->w;
	const struct fuzz_config *cfg = w->cfg;

	t->nth_fd = -1;
	if (cfg->fault_percent)
		t->nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);

	while (!w->stop) {
		unsigned int op = below(t, 100);

		if (__atomic_load_n(&w->res->calls, __ATOMIC_RELAXED) >= cfg->calls ||
		    now_ns() > w->deadline_ns)
			break;
		if (op < 10)
			op_guest_session(t);
		else if (op < 30)
			op_run(t);
		else if (op < 42)
			op_regs(t);
		else if (op < 57)
			op_misc(t);
		else if (op < 67)
			op_region(t);
		else if (op < 77)
			op_setup(t);
		else if (op < 85)
			op_create_vcpu(t);
		else if (op < 90)
			op_create_vm(t);
		else if (op < 99)
			op_close(t);
		else if (t->idx == 0 && chance(t, 20))
			op_fork_and_kill(t);
	}
	if (t->nth_fd >= 0)
		close(t->nth_fd);
	return NULL;
}

static void sig_nop(int sig)
{
}

/* A worker's own crash: say where, for the FINDING its parent reports. */
static void sig_crash(int sig, siginfo_t *si, void *uc)
{
	const ucontext_t *u = uc;
	unsigned long pc = 0;
	char b[200];
	int n;

#if defined(__x86_64__)
	pc = u->uc_mcontext.gregs[REG_RIP];
#elif defined(__riscv)
	pc = u->uc_mcontext.__gregs[REG_PC];
#elif defined(__aarch64__)
	pc = u->uc_mcontext.pc;
#endif
	/* code 128 (SI_KERNEL) with no address: a signal frame or rseq write failed */
	n = snprintf(b, sizeof(b),
		     "# worker pid %d tid %ld: signal %d code %d at address %p, pc %#lx, fail-nth %s\n",
		     (int)getpid(), (long)syscall(SYS_gettid), sig, si->si_code,
		     si->si_addr, pc, armed_nth ? "armed" : "not armed");
	unsigned long a = (unsigned long)si->si_addr, lo, hi;
	char line[256];
	FILE *f;

	if (write(STDOUT_FILENO, b, n) < 0)
		_exit(128 + sig);
	/* and what is mapped there (not async-signal-safe: it dies anyway) */
	f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && a >= lo && a < hi)
			printf("# worker pid %d: mapped there: %s", (int)getpid(), line);
		else if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && pc >= lo && pc < hi)
			printf("# worker pid %d: pc in: %s", (int)getpid(), line);
	}
	fflush(stdout);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One worker process: its pools, its threads, a kicker that interrupts RUN. */
static void worker_main(struct worker *w)
{
	struct fuzz_thread ctx[MAX_THREADS];
	struct sigaction sa;
	unsigned int i, n = w->cfg->threads;
	uint64_t kicks = 0;

	own_start = (uintptr_t)__executable_start;
	own_end = (uintptr_t)sbrk(0) + (64UL << 20);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_nop;
	sigaction(SIGUSR1, &sa, NULL);		/* no SA_RESTART: RUN ends with EINTR */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sig_crash;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	pthread_mutex_init(&w->lock, NULL);
	w->sys_fd = open("/dev/axvcpu", O_RDWR);
	if (w->sys_fd < 0) {
		perror("open /dev/axvcpu");
		_exit(2);
	}
	{
		struct axvcpu_info info;

		if (ioctl(w->sys_fd, AXVCPU_GET_INFO, &info))
			_exit(2);
		w->run_size = info.run_mmap_size;
	}
	for (i = 0; i < POOL_VMS; i++)
		w->vms[i] = -1;
	for (i = 0; i < POOL_VCPUS; i++)
		w->vcpus[i].fd = -1;
	for (i = 0; i < POOL_BUFS; i++) {
		w->bufs[i] = mmap(NULL, BUF_PAGES * PAGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (w->bufs[i] == MAP_FAILED)
			_exit(2);
	}
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	for (i = 0; i < n; i++) {
		ctx[i].w = w;
		ctx[i].idx = i;
		ctx[i].rng = w->cfg->seed * 0x9e3779b97f4a7c15ULL +
			     (w->proc + 1) * 1000003ULL + i * 7919ULL + 1;
		pthread_create(&w->tids[i], NULL, worker_thread, &ctx[i]);
	}
	/* Kick every thread now and then, so a spinning guest ends its RUN. */
	while (__atomic_load_n(&w->res->calls, __ATOMIC_RELAXED) < w->cfg->calls &&
	       now_ns() < w->deadline_ns) {
		usleep(3000);
		for (i = 0; i < n; i++)
			pthread_kill(w->tids[i], SIGUSR1);
		kicks++;
	}
	w->stop = 1;
	/* Keep kicking until every thread is out of RUN. */
	for (i = 0; i < n; i++) {
		while (pthread_tryjoin_np(w->tids[i], NULL)) {
			pthread_kill(w->tids[i], SIGUSR1);
			usleep(1000);
		}
	}
	_exit(0);
}

/* The last operations of every thread of worker @proc. */
static void print_trail(struct fuzz_result *res, unsigned int proc)
{
	unsigned int th, k;

	for (th = 0; th < FUZZ_MAX_THREADS; th++)
		for (k = 0; k < FUZZ_TRAIL; k++) {
			unsigned int n = res->trail_pos[proc][th];

			if (n > k)
				printf("#   thread %u, op -%u: %s\n", th, k,
				       res->trail[proc][th][(n - 1 - k) % FUZZ_TRAIL]);
		}
	fflush(stdout);
}

int fuzz_run(const struct fuzz_config *cfg, struct fuzz_result *out)
{
	struct fuzz_result *res;
	pid_t pids[FUZZ_MAX_PROCS];
	unsigned int i, procs = cfg->procs > FUZZ_MAX_PROCS ? FUZZ_MAX_PROCS : cfg->procs;
	uint64_t start = now_ns();
	uint64_t deadline = start + cfg->seconds * 1000000000ULL;

	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return -1;
	memset(res, 0, sizeof(*res));
	fflush(stdout);

	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct worker *w = calloc(1, sizeof(*w));

			w->res = res;
			w->cfg = cfg;
			w->proc = i;
			w->deadline_ns = deadline;
			worker_main(w);
		}
	}
	/*
	 * Reap. A worker that outlives the deadline by 30 s is killed (one
	 * that cannot be killed is stuck in the kernel), and one that ends
	 * any other way than by finishing its calls is a finding too.
	 */
	for (i = 0; i < procs; i++) {
		uint64_t limit = deadline + 30000000000ULL;
		bool killed = false;
		int status = 0;
		pid_t r;

		for (;;) {
			r = waitpid(pids[i], &status, WNOHANG);
			if (r == pids[i])
				break;
			if (r < 0 && errno != EINTR) {
				printf("# FINDING seed=%llu proc=%u: waitpid: %s\n",
				       (unsigned long long)cfg->seed, i, strerror(errno));
				res->findings++;
				break;
			}
			if (!killed && now_ns() > limit) {
				printf("# FINDING seed=%llu proc=%u: worker still alive 30 s after the deadline; SIGKILL\n",
				       (unsigned long long)cfg->seed, i);
				res->findings++;
				print_trail(res, i);
				kill(pids[i], SIGKILL);
				killed = true;
			}
			usleep(10000);
		}
		if (r == pids[i] && !killed &&
		    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			printf("# FINDING seed=%llu proc=%u: worker ended early (%s %d)\n",
			       (unsigned long long)cfg->seed, i,
			       WIFSIGNALED(status) ? "signal" : "exit status",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			res->findings++;
			print_trail(res, i);
		}
	}
	*out = *res;
	out->seconds = (now_ns() - start) / 1e9;
	munmap(res, sizeof(*res));
	return 0;
}
