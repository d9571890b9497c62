// SPDX-License-Identifier: GPL-2.0
/*
 * axvcpu-run: the command line, the VM and its RAM, the devices' table.
 * Documentation/vmm.rst is the manual.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

static void vmm_vmsg(const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, VMM_NAME ": ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void vmm_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_vmsg(fmt, ap);
	va_end(ap);
	exit(status);
}

void vmm_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_vmsg(fmt, ap);
	va_end(ap);
}

void *vmm_gpa(struct vmm *vmm, uint64_t gpa, uint64_t len)
{
	if (gpa < arch_ram_base)
		return NULL;
	gpa -= arch_ram_base;
	if (gpa >= vmm->ram_size || len > vmm->ram_size - gpa)
		return NULL;
	return vmm->ram + gpa;
}

/* Guest RAM for [gpa, gpa + len), or exit 2 naming @what. */
void *vmm_ram(struct vmm *vmm, uint64_t gpa, uint64_t len, const char *what)
{
	void *p = vmm_gpa(vmm, gpa, len);

	if (!p)
		vmm_die(VMM_EXIT_USAGE,
			"%s: [%#llx, %#llx) is not in the guest's %llu MiB of RAM",
			what, (unsigned long long)gpa,
			(unsigned long long)(gpa + len),
			(unsigned long long)(vmm->ram_size >> 20));
	return p;
}

void *vmm_read_file(const char *path, size_t *size, size_t max)
{
	struct stat st;
	size_t done = 0;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		vmm_die(VMM_EXIT_USAGE, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		vmm_die(VMM_EXIT_USAGE, "%s: not a regular file", path);
	if ((uint64_t)st.st_size > max)
		vmm_die(VMM_EXIT_USAGE, "%s: %lld bytes, more than the %zu that fit",
			path, (long long)st.st_size, max);
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		vmm_die(VMM_EXIT_FAILURE, "out of memory reading %s", path);
	while (done < (size_t)st.st_size) {
		n = read(fd, buf + done, st.st_size - done);
		if (n <= 0)
			vmm_die(VMM_EXIT_USAGE, "%s: read: %s", path,
				n ? strerror(errno) : "file shrank");
		done += n;
	}
	close(fd);
	*size = done;
	return buf;
}

void vmm_load_files(struct vmm *vmm)
{
	unsigned int i;
	size_t size;
	void *buf;

	for (i = 0; i < vmm->cfg.nr_loads; i++) {
		const struct vmm_load *l = &vmm->cfg.loads[i];

		buf = vmm_read_file(l->file, &size, vmm->ram_size);
		vmm_put(vmm, l->gpa, buf, size, l->file);
		free(buf);
	}
}

void vmm_put(struct vmm *vmm, uint64_t gpa, const void *src, size_t size,
	     const char *what)
{
	void *dst = vmm_ram(vmm, gpa, size, what);

	memcpy(dst, src, size);
	arch_ram_written(dst, size);
}

void vmm_add_device(struct vmm *vmm, const struct vmm_device *d)
{
	unsigned int i;

	for (i = 0; i < vmm->nr_devices; i++) {
		const struct vmm_device *o = &vmm->devices[i];

		if (o->mmio == d->mmio && d->base < o->base + o->len &&
		    o->base < d->base + d->len)
			vmm_die(VMM_EXIT_FAILURE, "device %s overlaps %s",
				d->name, o->name);
	}
	if (vmm->nr_devices == VMM_MAX_DEVICES)
		vmm_die(VMM_EXIT_FAILURE, "too many devices");
	vmm->devices[vmm->nr_devices++] = *d;
}

void vmm_stop(struct vmm *vmm, int status)
{
	unsigned int i;

	bool was = false;

	/* the first stop's status wins; callable with vmm->lock held */
	if (__atomic_compare_exchange_n(&vmm->stopping, &was, true, false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		vmm->exit_status = status;
	pthread_cond_broadcast(&vmm->wake);	/* halted vCPUs end too */
	/* every vCPU's next RUN returns at once; running ones get a signal */
	for (i = 0; i < vmm->nr_vcpus; i++)
		if (vmm->vcpus[i].run)
			__atomic_store_n(&vmm->vcpus[i].run->immediate_exit, 1,
					 __ATOMIC_SEQ_CST);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " VMM_NAME " run --kernel FILE [--initrd FILE] [--cmdline STR]\n"
		"                   [--mem SIZE] [--cpus N] [--load FILE@GPA]... [--entry GPA]\n"
		"                   [--real-mode] [--kvm]\n"
		"       " VMM_NAME " run --load FILE@GPA... --entry GPA [...]\n"
		"       " VMM_NAME " --help | --version\n"
		"\n"
		"Runs a guest on /dev/axvcpu (axvcpu.ko). x86: the kernel is a multiboot v1\n"
		"ELF (as QEMU's -kernel loads it: --initrd becomes its module, --cmdline\n"
		"its command line); without --kernel, raw --load images and --entry\n"
		"(32-bit flat protected mode, or real mode with --real-mode).\n"
		"The machine: COM1 16550 at 0x3f8 (stdout/stdin),\n"
		"isa-debug-exit at 0xf4 (a write of V exits with (V << 1) | 1), the ACPI\n"
		"PM1a control at 0x604 (SLP_EN powers off: exit 0), fw_cfg at 0x510.\n"
		"\n"
		"  --kernel FILE    the guest kernel\n"
		"  --initrd FILE    a multiboot module (the initrd)\n"
		"  --cmdline STR    the kernel command line\n"
		"  --mem SIZE       guest RAM, e.g. 256M, 1G (default 256M, at most 3G)\n"
		"  --cpus N         vCPUs (default 1)\n"
		"  --load FILE@GPA  copy FILE into guest RAM at GPA (repeatable)\n"
		"  --entry GPA      start vCPU 0 there (raw images)\n"
		"  --real-mode      with --entry: start in real mode\n"
		"  --kvm            run on /dev/kvm instead, for comparison (x86)\n"
		"\n"
		"Exit status: 0 when the guest powers off or halts for good, (V << 1) | 1\n"
		"for a write of V to isa-debug-exit, 1 when the VMM or the module fails,\n"
		"2 for bad arguments or images.\n");
}

/* "256M", "1G", "4096k", "1048576": bytes */
static uint64_t parse_size(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		vmm_die(VMM_EXIT_USAGE, "--mem %s: not a size", s);
	switch (*end) {
	case 'k': case 'K':
		v <<= 10, end++;
		break;
	case 'm': case 'M':
		v <<= 20, end++;
		break;
	case 'g': case 'G':
		v <<= 30, end++;
		break;
	}
	if (*end)
		vmm_die(VMM_EXIT_USAGE, "--mem %s: not a size", s);
	return v;
}

static uint64_t parse_u64(const char *opt, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		vmm_die(VMM_EXIT_USAGE, "%s %s: not a number", opt, s);
	return v;
}

static void check_readable(const char *opt, const char *path)
{
	struct stat st;

	if (!path)
		return;
	if (access(path, R_OK))
		vmm_die(VMM_EXIT_USAGE, "%s %s: %s", opt, path, strerror(errno));
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		vmm_die(VMM_EXIT_USAGE, "%s %s: not a regular file", opt, path);
}

static void parse_args(int argc, char **argv, struct vmm_config *cfg)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "mem", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'n' },
		{ "load", required_argument, NULL, 'l' },
		{ "entry", required_argument, NULL, 'e' },
		{ "real-mode", no_argument, NULL, 'r' },
		{ "kvm", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmm_load *l;
	unsigned int i;
	char *at;
	int opt;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = 256ULL << 20;
	cfg->cpus = 1;
	cfg->cmdline = "";
	if (argc >= 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		exit(0);
	}
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf(VMM_NAME " " VMM_VERSION " (axvcpu API version %d)\n",
		       AXVCPU_API_VERSION);
		exit(0);
	}
	if (argc < 2 || strcmp(argv[1], "run"))
		vmm_die(VMM_EXIT_USAGE, "%s: expected 'run', '--help' or '--version'",
			argc < 2 ? "no command" : argv[1]);
	optind = 2;
	opterr = 0;	/* one line of ours instead of getopt's */
	while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (opt) {
		case 'k':
			cfg->kernel = optarg;
			break;
		case 'i':
			cfg->initrd = optarg;
			break;
		case 'c':
			cfg->cmdline = optarg;
			break;
		case 'm':
			cfg->mem_size = parse_size(optarg);
			break;
		case 'n':
			cfg->cpus = parse_u64("--cpus", optarg);
			break;
		case 'l':
			if (cfg->nr_loads == VMM_MAX_LOADS)
				vmm_die(VMM_EXIT_USAGE, "more than %d --load",
					VMM_MAX_LOADS);
			at = strrchr(optarg, '@');
			if (!at || at == optarg)
				vmm_die(VMM_EXIT_USAGE, "--load %s: expected FILE@GPA",
					optarg);
			*at = '\0';
			l = &cfg->loads[cfg->nr_loads++];
			l->file = optarg;
			l->gpa = parse_u64("--load", at + 1);
			break;
		case 'e':
			cfg->entry = parse_u64("--entry", optarg);
			cfg->has_entry = true;
			break;
		case 'r':
			cfg->real_mode = true;
			break;
		case 'K':
			cfg->kvm = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf(VMM_NAME " " VMM_VERSION "\n");
			exit(0);
		case ':':
			vmm_die(VMM_EXIT_USAGE, "%s: needs a value (see --help)",
				argv[optind - 1]);
		default:
			vmm_die(VMM_EXIT_USAGE, "%s: unknown option (see --help)",
				argv[optind - 1]);
		}
	}
	if (optind < argc)
		vmm_die(VMM_EXIT_USAGE, "%s: unexpected argument", argv[optind]);
	if (!cfg->kernel && !cfg->has_entry)
		vmm_die(VMM_EXIT_USAGE, "nothing to run: --kernel, or --load and --entry");
	if (cfg->kernel && cfg->has_entry)
		vmm_die(VMM_EXIT_USAGE, "--entry is for raw images, not with --kernel");
	if (cfg->real_mode && !cfg->has_entry)
		vmm_die(VMM_EXIT_USAGE, "--real-mode needs --entry");
	if (cfg->initrd && !cfg->kernel)
		vmm_die(VMM_EXIT_USAGE, "--initrd needs --kernel");
	/* the files first: a typo is reported before the module is touched */
	check_readable("--kernel", cfg->kernel);
	check_readable("--initrd", cfg->initrd);
	for (i = 0; i < cfg->nr_loads; i++)
		check_readable("--load", cfg->loads[i].file);
	if (!cfg->cpus || cfg->cpus > VMM_MAX_CPUS)
		vmm_die(VMM_EXIT_USAGE, "--cpus %u: 1 to %d", cfg->cpus,
			VMM_MAX_CPUS);
	if (cfg->mem_size < (2ULL << 20) || cfg->mem_size > (3ULL << 30) ||
	    cfg->mem_size & 0xfff)
		vmm_die(VMM_EXIT_USAGE,
			"--mem: 2 MiB to 3 GiB in whole pages (RAM is one region below the PCI hole)");
}

/* Guest RAM: one anonymous mapping, given to the hypervisor as slot 0. */
static void ram_create(struct vmm *vmm)
{
	vmm->ram_size = vmm->cfg.mem_size;
	vmm->ram = mmap(NULL, vmm->ram_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vmm->ram == MAP_FAILED)
		vmm_die(VMM_EXIT_FAILURE, "guest RAM of %llu MiB: %s",
			(unsigned long long)(vmm->ram_size >> 20), strerror(errno));
}

static void vcpus_create(struct vmm *vmm)
{
	unsigned int i;

	for (i = 0; i < vmm->cfg.cpus; i++) {
		struct vmm_vcpu *v = &vmm->vcpus[i];

		v->vmm = vmm;
		v->id = i;
		v->started = i == 0;	/* the others wait for the BSP */
		vmm->hv->vcpu_create(v);
	}
	vmm->nr_vcpus = vmm->cfg.cpus;
}

int main(int argc, char **argv)
{
	static struct vmm vmm;
	pthread_condattr_t ca;

	parse_args(argc, argv, &vmm.cfg);
	pthread_mutex_init(&vmm.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&vmm.timer_cond, &ca);
	pthread_cond_init(&vmm.wake, NULL);
	setvbuf(stdout, NULL, _IONBF, 0);
	vmm.hv = vmm.cfg.kvm ? &vmm_hv_kvm : &vmm_hv_axvcpu;
	ram_create(&vmm);
	vmm.hv->vm_create(&vmm);
	vcpus_create(&vmm);
	arch_machine_init(&vmm);
	arch_load(&vmm);
	return vmm_run(&vmm);
}
