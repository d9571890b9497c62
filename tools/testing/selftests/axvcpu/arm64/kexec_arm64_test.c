// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_arm64_test: kexec while axvcpu owns EL2, over two boots
 * (Documentation/testing.rst, "Programs that span a kexec").
 *
 * Stage 1 (no argument): guests run on every CPU, so EL2 is axvcpu's
 * there; a VM stays alive with one vCPU in guest mode on another thread;
 * then this kernel's own Image, a second initramfs and this boot's device
 * tree go to kexec_load() and reboot(LINUX_REBOOT_CMD_KEXEC) starts it.
 * axvcpu's reboot notifier must give EL2 back to the hyp stub on every
 * CPU first: kexec installs its own EL2 vectors through the stub to enter
 * the next kernel at EL2 (arch/arm64/kernel/machine_kexec.c), and it may
 * copy that kernel over axvcpu's EL2 pages.
 *
 * Stage 2 (--continue, run by the /init of the kexec'd boot, which finds
 * /etc/axvcpu-continue in the initramfs stage 1 made): the new kernel
 * started at EL2 on every CPU, and axvcpu.ko, loaded again, takes EL2
 * and runs a guest on each CPU.
 *
 * This program has no kexec-tools to lean on (Debian's arm64 kernel has
 * no kexec_file_load): it lays out the segments itself, as
 * Documentation/arm64/booting.rst asks (the Image 2 MiB aligned plus its
 * text_offset, the device tree 8-byte aligned within 2 MiB, x0 its
 * address), with a purgatory of six instructions that sets x0-x3 and
 * jumps to the Image. The device tree is this boot's (/sys/firmware/fdt)
 * with linux,initrd-start/end rewritten in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest.h"
#include "axvcpu_guest.h"

#define PLAN		5
#define STAGE1_TESTS	3
#define IMAGE_PATH	"kexec/Image"
#define INITRD_PATH	"kexec/initrd.gz"
#define RESULTS_PATH	"/etc/axvcpu-kexec-results"
#define SZ_2M		(2ULL << 20)
#define PAGE		4096ULL
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((__u64)(a) - 1))

/*
 * The purgatory: the kernel's relocation code branches to it at EL2 (or
 * EL1), MMU off, after copying the segments; it enters the Image with
 * x0 = the device tree and x1-x3 = 0 (booting.rst, "Call the kernel
 * image"). Its two literals are filled in per load.
 */
asm(".pushsection .rodata\n"
    ".balign 8\n"
    ".globl kexec_purgatory\n"
    ".type kexec_purgatory, %object\n"
    "kexec_purgatory:\n"
    "	ldr	x0, 1f\n"
    "	mov	x1, xzr\n"
    "	mov	x2, xzr\n"
    "	mov	x3, xzr\n"
    "	ldr	x4, 2f\n"
    "	br	x4\n"
    "1:	.quad	0\n"	/* 8-byte aligned: six instructions before it */
    "2:	.quad	0\n"
    ".size kexec_purgatory, . - kexec_purgatory\n"
    ".popsection\n");
/* global: testing.rst, "The arm64 lanes", says why */
extern const __u32 kexec_purgatory[10];
#define PURGATORY_DTB	24	/* offsets of the literals 1: and 2: */
#define PURGATORY_ENTRY	32

static void *read_file(const char *path, size_t *len)
{
	struct stat st;
	void *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st)) {
		ksft_print_msg("%s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(st.st_size);
	/* sysfs binary files give a page or so per read() */
	for (*len = 0; buf && *len < (size_t)st.st_size; *len += n) {
		n = read(fd, (char *)buf + *len, st.st_size - *len);
		if (n <= 0) {
			ksft_print_msg("%s: cannot read %lld bytes\n", path,
				       (long long)st.st_size);
			free(buf);
			buf = NULL;
		}
	}
	close(fd);
	return buf;
}

/* ---- the flattened device tree (Devicetree Specification, 5) ---- */

#define FDT_MAGIC	0xd00dfeed
#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_NOP		4
#define FDT_END		9

static __u32 be32(const void *p)
{
	const unsigned char *b = p;

	return (__u32)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

static __u64 be_cells(const void *p, __u32 len)
{
	return len == 8 ? (__u64)be32(p) << 32 | be32((const char *)p + 4) : be32(p);
}

static void put_be_cells(void *p, __u32 len, __u64 v)
{
	unsigned char *b = p;
	int i;

	for (i = len - 1; i >= 0; i--, v >>= 8)
		b[i] = v;
}

/*
 * The value of property @prop of the first node at depth 1 whose name
 * begins with @node; NULL if there is none.
 */
static void *fdt_prop(void *fdt, size_t size, const char *node,
		      const char *prop, __u32 *len)
{
	char *base = fdt;
	const char *strings = base + be32(base + 12);
	__u32 off = be32(base + 8), end = off + be32(base + 36);
	int depth = 0, in = 0;

	if (size < 40 || be32(base) != FDT_MAGIC || end > size)
		return NULL;
	while (off + 4 <= end) {
		__u32 tok = be32(base + off);
		const char *name;

		off += 4;
		switch (tok) {
		case FDT_BEGIN_NODE:
			name = base + off;
			depth++;
			if (depth == 2)
				in = !strncmp(name, node, strlen(node));
			off += ALIGN_UP(strlen(name) + 1, 4);
			break;
		case FDT_END_NODE:
			if (depth-- == 2)
				in = 0;
			break;
		case FDT_PROP:
			*len = be32(base + off);
			name = strings + be32(base + off + 4);
			if (in && !strcmp(name, prop))
				return base + off + 8;
			off += 8 + ALIGN_UP(*len, 4);
			break;
		case FDT_NOP:
			break;
		default:
			return NULL;
		}
	}
	return NULL;
}

/* ---- the second boot's initramfs ---- */

/* One newc cpio member (the kernel's initramfs format, buffer-format.rst) */
static size_t cpio_add(char *out, __u32 ino, __u32 mode, const char *name,
		       const char *data)
{
	size_t n = strlen(name) + 1, dlen = data ? strlen(data) : 0, len;

	len = sprintf(out, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		      ino, mode, 0, 0, 1, 0, dlen, 0, 0, 0, 0, n, 0);
	memcpy(out + len, name, n);
	len = ALIGN_UP(len + n, 4);
	if (dlen)
		memcpy(out + len, data, dlen);
	return ALIGN_UP(len + dlen, 4);
}

/*
 * The lane's second initramfs with, in front of it, an uncompressed
 * archive of two files for the next boot's /init and for stage 2:
 * /etc/axvcpu-continue (this program's name: /init runs it with
 * --continue) and the stage's results.
 */
static char *stage2_initrd(const char *gz, size_t gz_len, size_t *len,
			   unsigned int pass, unsigned int fail)
{
	char results[64], *buf = calloc(1, 4096 + gz_len);
	size_t n = 0;

	if (!buf)
		return NULL;
	snprintf(results, sizeof(results), "pass=%u fail=%u\n", pass, fail);
	n += cpio_add(buf + n, 1, 040755, "etc", NULL);
	n += cpio_add(buf + n, 2, 0100644, "etc/axvcpu-continue",
		      "kexec_arm64_test\n");
	n += cpio_add(buf + n, 3, 0100644, RESULTS_PATH + 1, results);
	n += cpio_add(buf + n, 0, 0, "TRAILER!!!", NULL);
	n = ALIGN_UP(n, 512);
	memcpy(buf + n, gz, gz_len);
	*len = n + gz_len;
	return buf;
}

/* ---- guests ---- */

static volatile __u64 spins;

static void done_guest(void)
{
	GUEST_DONE();
}

static void spin_guest(void)
{
	for (;;) {
		spins++;
		guest_cpu_relax();
	}
}

/* RUN ends with GUEST_DONE(): 0, else a negative errno or -EPROTO. */
static int run_done(struct axv_vcpu *v)
{
	int rc = axv_run(v);

	if (rc)
		return rc;
	return axv_get_ucall(v, NULL) == AXV_UCALL_DONE ? 0 : -EPROTO;
}

/* A guest on each test CPU, each vCPU bound to it: EL2 is ours there. */
static bool run_everywhere(const char *stage)
{
	int i, rc, n = axv_nr_test_cpus();
	struct axv_vm vm;
	bool ok = true;

	axv_guest_vm_create(&vm);
	for (i = 0; i < n && i < 8; i++) {
		struct axvcpu_create_vcpu args = {
			.vcpu_id = i, .favor_phys_cpu = axv_test_cpu(i),
		};
		struct axv_vcpu *v = axv_guest_vcpu_args(&vm, &args, done_guest);

		axv_vcpu_bind(v);
		rc = run_done(v);
		if (rc) {
			ksft_print_msg("%s: vCPU %d on CPU %d: %s (%s)\n", stage,
				       i, args.favor_phys_cpu,
				       axv_errno_name(-rc), axv_exit_desc(v->run));
			ok = false;
		}
		axv_vcpu_close(v);
	}
	axv_vm_close(&vm);
	return ok;
}

struct spinner {
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	int cpu;
};

/* The vCPU's own thread (RUN is the binding thread's): RUN until it fails. */
static void *spinner_thread(void *arg)
{
	struct spinner *s = arg;
	struct axvcpu_create_vcpu args = {
		.vcpu_id = 0, .favor_phys_cpu = s->cpu,
	};

	s->vcpu = axv_guest_vcpu_args(&s->vm, &args, spin_guest);
	axv_vcpu_bind(s->vcpu);
	while (!axv_run(s->vcpu))
		;
	return NULL;
}

/* ---- stage 1 ---- */

struct layout {
	__u64 ram, ram_end;
	__u64 kernel, kernel_size;
	__u64 initrd, dtb, purgatory;
};

static bool plan_layout(struct layout *l, void *fdt, size_t fdt_len,
			const char *image, size_t image_len, size_t initrd_len)
{
	__u32 len;
	void *reg = fdt_prop(fdt, fdt_len, "memory", "reg", &len);

	if (!reg || len != 16) {
		ksft_print_msg("no /memory reg of two 2-cell values in the device tree\n");
		return false;
	}
	l->ram = be_cells(reg, 8);
	l->ram_end = l->ram + be_cells((char *)reg + 8, 8);
	/* booting.rst, "The Image": text_offset at 8, image_size at 16, "ARM\x64" at 56 */
	if (image_len < 64 || memcmp(image + 56, "ARM\x64", 4)) {
		ksft_print_msg("%s is not an arm64 Image\n", IMAGE_PATH);
		return false;
	}
	memcpy(&l->kernel, image + 8, 8);
	memcpy(&l->kernel_size, image + 16, 8);
	if (l->kernel_size < image_len)
		l->kernel_size = image_len;
	l->kernel += ALIGN_UP(l->ram, SZ_2M);
	l->initrd = ALIGN_UP(l->kernel + l->kernel_size, SZ_2M);
	l->dtb = ALIGN_UP(l->initrd + initrd_len, SZ_2M);
	l->purgatory = l->dtb + ALIGN_UP(fdt_len, PAGE);
	if (fdt_len > SZ_2M || l->purgatory + PAGE > l->ram_end) {
		ksft_print_msg("the segments do not fit in RAM [%#llx, %#llx)\n",
			       (unsigned long long)l->ram,
			       (unsigned long long)l->ram_end);
		return false;
	}
	return true;
}

static bool set_initrd(void *fdt, size_t fdt_len, __u64 start, __u64 end)
{
	__u32 ls, le;
	void *s = fdt_prop(fdt, fdt_len, "chosen", "linux,initrd-start", &ls);
	void *e = fdt_prop(fdt, fdt_len, "chosen", "linux,initrd-end", &le);

	if (!s || !e || (ls != 4 && ls != 8) || (le != 4 && le != 8)) {
		ksft_print_msg("no linux,initrd-start/end in /chosen to rewrite\n");
		return false;
	}
	put_be_cells(s, ls, start);
	put_be_cells(e, le, end);
	return true;
}

static bool load_next_kernel(void)
{
	size_t image_len, gz_len, initrd_len, fdt_len;
	char *image = read_file(IMAGE_PATH, &image_len);
	char *gz = read_file(INITRD_PATH, &gz_len);
	char *fdt = read_file("/sys/firmware/fdt", &fdt_len);
	char purgatory[PAGE] = { 0 };
	struct kexec_segment seg[4];
	char *initrd = NULL;
	struct layout l;
	__u64 entry;
	long rc;

	if (!image || !gz || !fdt)
		return false;
	/* stage 1's three tests pass if the next boot reads this file */
	initrd = stage2_initrd(gz, gz_len, &initrd_len,
			       ksft_get_pass_cnt() + 1, ksft_get_fail_cnt());
	if (!initrd || !plan_layout(&l, fdt, fdt_len, image, image_len, initrd_len) ||
	    !set_initrd(fdt, fdt_len, l.initrd, l.initrd + initrd_len))
		return false;
	entry = l.kernel;
	memcpy(purgatory, kexec_purgatory, sizeof(kexec_purgatory));
	memcpy(purgatory + PURGATORY_DTB, &l.dtb, 8);
	memcpy(purgatory + PURGATORY_ENTRY, &entry, 8);
	seg[0] = (struct kexec_segment){ image, image_len, (void *)l.kernel,
					 ALIGN_UP(l.kernel_size, PAGE) };
	seg[1] = (struct kexec_segment){ initrd, initrd_len, (void *)l.initrd,
					 ALIGN_UP(initrd_len, PAGE) };
	seg[2] = (struct kexec_segment){ fdt, fdt_len, (void *)l.dtb,
					 ALIGN_UP(fdt_len, PAGE) };
	seg[3] = (struct kexec_segment){ purgatory, PAGE, (void *)l.purgatory,
					 PAGE };
	ksft_print_msg("Image at %#llx, initramfs at %#llx (%zu bytes), device tree at %#llx, purgatory at %#llx\n",
		       (unsigned long long)l.kernel, (unsigned long long)l.initrd,
		       initrd_len, (unsigned long long)l.dtb,
		       (unsigned long long)l.purgatory);
	rc = syscall(SYS_kexec_load, l.purgatory, 4, seg, KEXEC_ARCH_DEFAULT);
	if (rc)
		ksft_print_msg("kexec_load: %s\n", strerror(errno));
	free(initrd);
	free(image);
	free(gz);
	free(fdt);
	return !rc;
}

static int stage1(void)
{
	struct spinner s = { .cpu = axv_test_cpu(1) };
	pthread_t t;
	int i;

	ksft_print_header();
	ksft_set_plan(PLAN);
	ksft_test_result(run_everywhere("stage 1"),
			 "stage 1: a guest runs on each CPU (axvcpu owns EL2)\n");

	/* A VM left alive, its vCPU in guest mode, when the reboot begins */
	axv_guest_vm_create(&s.vm);
	if (pthread_create(&t, NULL, spinner_thread, &s))
		ksft_exit_fail_msg("pthread_create: %s\n", strerror(errno));
	for (i = 0; i < 1000 && !axv_guest_read_global(&s.vm, spins); i++)
		usleep(10000);
	ksft_test_result(axv_guest_read_global(&s.vm, spins) != 0,
			 "stage 1: a vCPU is in guest mode on CPU %d\n", s.cpu);

	if (!load_next_kernel()) {
		ksft_test_result_fail("stage 1: kexec_load of this kernel, a second initramfs and the device tree\n");
		ksft_exit_fail();
	}
	ksft_test_result_pass("stage 1: kexec_load of this kernel, a second initramfs and the device tree\n");
	ksft_print_msg("rebooting into the loaded kernel (stage 2 goes on there)\n");
	fflush(stdout);
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	ksft_print_msg("reboot(LINUX_REBOOT_CMD_KEXEC): %s\n", strerror(errno));
	return ksft_exit_fail();
}

/* ---- stage 2 ---- */

static bool log_has(const char *needle)
{
	int size = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	char *buf = size > 0 ? malloc(size + 1) : NULL;
	bool found = false;
	int n;

	if (!buf)
		return false;
	n = klogctl(3, buf, size);		/* SYSLOG_ACTION_READ_ALL */
	if (n >= 0) {
		buf[n] = 0;
		found = strstr(buf, needle);
	}
	free(buf);
	return found;
}

static int stage2(void)
{
	unsigned int pass = 0, fail = 0;
	FILE *f = fopen(RESULTS_PATH, "r");

	if (!f || fscanf(f, "pass=%u fail=%u", &pass, &fail) != 2)
		ksft_exit_fail_msg("stage 2 without stage 1's results (%s)\n",
				   RESULTS_PATH);
	fclose(f);
	/* numbering and totals go on from stage 1 */
	ksft_cnt.ksft_pass = pass;
	ksft_cnt.ksft_fail = fail;
	ksft_plan = PLAN;
	if (pass + fail != STAGE1_TESTS)
		ksft_exit_fail_msg("stage 1 ran %u tests, not %d\n", pass + fail,
				   STAGE1_TESTS);
	ksft_print_msg("stage 2: the kernel kexec started\n");
	/* arch/arm64/kernel/setup.c, hyp_mode_check() */
	ksft_test_result(log_has("CPU: All CPU(s) started at EL2"),
			 "stage 2: the kernel booted by kexec started at EL2 on every CPU\n");
	ksft_test_result(run_everywhere("stage 2"),
			 "stage 2: a guest runs on each CPU (axvcpu took EL2 again)\n");
	if (ksft_get_fail_cnt())
		return ksft_exit_fail();
	return ksft_exit_pass();
}

int main(int argc, char **argv)
{
	struct axvcpu_info info;

	axv_read_info(&info);
	if (info.arch != AXVCPU_ARCH_ARM64_NVHE) {
		ksft_print_header();
		ksft_exit_skip("arm64 nVHE only; backend is %s\n",
			       axv_arch_name(info.arch));
	}
	if (argc > 1 && !strcmp(argv[1], "--continue"))
		return stage2();
	return stage1();
}
