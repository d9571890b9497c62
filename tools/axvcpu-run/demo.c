// SPDX-License-Identifier: GPL-2.0
/*
 * make demo, inside the emulator: the reference VMM runs the sample guest
 * (guests/hello) on /dev/axvcpu, then a Linux kernel (the lane copies one
 * to guests/: Debian's vmlinuz on x86 and Image on arm64, its own Image
 * on riscv64) with two
 * vCPUs to the /init of guests/linux-initramfs.cpio; their consoles are
 * this program's output. Installed as /tests/axvcpu_demo, the VMM and the
 * guests in /tests/vmm. A C program rather than a script: the riscv64
 * lanes' guests have no shell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define HELLO		"guests/hello.elf"
#define HELLO_CPUS	"1"
#define LINUX		"guests/vmlinuz"
#define LINUX_CMDLINE	"console=ttyS0 loglevel=5"
#elif defined(__riscv)
#define HELLO		"guests/hello.bin"
#define HELLO_CPUS	"2"	/* the second hart starts through SBI HSM */
#define LINUX		"guests/Image"
#define LINUX_CMDLINE	"console=ttyS0 loglevel=5"
#elif defined(__aarch64__)
#define HELLO		"guests/hello.bin"
#define HELLO_CPUS	"2"	/* the second CPU starts through PSCI CPU_ON */
#define LINUX		"guests/Image"
#define LINUX_CMDLINE	"console=ttyAMA0 loglevel=5"
#else
#error "axvcpu-demo: no sample guest for this architecture"
#endif

#define SYSLOG_ACTION_READ_ALL	3
#define SYSLOG_SIZE		(1 << 20)

/* The module's last "ready" line of the kernel log, or "". */
static void module_line(char *line, size_t size)
{
	char *log = malloc(SYSLOG_SIZE), *p, *found = NULL;
	int n = log ? klogctl(SYSLOG_ACTION_READ_ALL, log, SYSLOG_SIZE - 1) : -1;

	line[0] = '\0';
	if (n <= 0) {
		free(log);
		return;
	}
	log[n] = '\0';
	for (p = log; (p = strstr(p, "axvcpu: /dev/axvcpu ready")); p++)
		found = p;
	if (found)
		snprintf(line, size, "%.*s", (int)strcspn(found, "\n"), found);
	free(log);
}

/* Runs axvcpu-run with @argv (after its name); its exit status. */
static int vmm(const char *const *argv)
{
	const char *args[32] = { "./axvcpu-run" };
	unsigned int i;
	int st;
	pid_t pid;

	printf("== axvcpu-run");
	for (i = 0; argv[i] && i + 2 < 32; i++) {
		args[i + 1] = argv[i];
		printf(strchr(argv[i], ' ') ? " '%s'" : " %s", argv[i]);
	}
	printf("\n");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execv(args[0], (char *const *)args);
		perror("axvcpu-run");
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		perror("axvcpu-demo: fork or wait");
		return 1;
	}
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	printf("== axvcpu-run exited with status %d\n", st);
	fflush(stdout);
	return st;
}

int main(void)
{
	char line[256];
	struct utsname u;
	int rc;

	if (chdir("/tests/vmm") && chdir("vmm")) {
		perror("axvcpu-demo: no /tests/vmm");
		return 1;
	}
	uname(&u);
	module_line(line, sizeof(line));
	printf("== host: %s %s %s, %ld CPUs; %s\n", u.sysname, u.release,
	       u.machine, sysconf(_SC_NPROCESSORS_ONLN),
	       line[0] ? line : "no ready line of axvcpu in the kernel log");
	fflush(stdout);
	rc = vmm((const char *[]){ "--version", NULL });
	if (rc)
		return rc;
	rc = vmm((const char *[]){ "run", "--kernel", HELLO, "--mem", "64M",
				   "--cpus", HELLO_CPUS, "--cmdline", "make demo",
				   NULL });
	if (rc)
		return rc;
	if (access(LINUX, R_OK)) {
		printf("== no %s: the Linux guest is left out\n", LINUX);
		return 1;
	}
	return vmm((const char *[]){ "run", "--kernel", LINUX,
				     "--initrd", "guests/linux-initramfs.cpio",
				     "--mem", "256M", "--cpus", "2", "--cmdline",
				     LINUX_CMDLINE, NULL });
}
