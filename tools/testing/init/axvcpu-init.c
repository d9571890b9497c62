// SPDX-License-Identifier: GPL-2.0
/*
 * axvcpu-init: the guest's /init for lanes without busybox (riscv64:
 * Debian 12 has no riscv64 busybox). Built static with the lane's cross
 * compiler (tools/testing/lib.sh: build_c_init).
 *
 * It does what the busybox script of write_init (tools/testing/lib.sh)
 * does and prints the same markers on the console, so that the same
 * parse_serial_log judges the run:
 *
 *   AXVCPU-INIT uptime=<s> kernel=<release> lane=<lane>
 *   AXVCPU-KDEBUG features=<kasan,kfence,lockdep,kmemleak,failslab,...>
 *   AXVCPU-INSMOD rc=<0, or 1 with error=<errno name>>
 *   AXVCPU-TEST-BEGIN <program> uptime=<s>
 *   ... the program's output ...
 *   AXVCPU-REAP pid=<pid> cmd=<command line>     (each process it left)
 *   AXVCPU-TEST-END <program> rc=<status> uptime=<s> secs=<s> leftover=<n>
 *   AXVCPU-KMEMLEAK-BEGIN / report / AXVCPU-KMEMLEAK-END rc=<0|1>  (kmemleak)
 *   AXVCPU-KDEBUG-END debug_locks=<0|1>                            (lockdep)
 *   AXVCPU-DMESG-BEGIN / the kernel log / AXVCPU-DMESG-END
 *   AXVCPU-DONE uptime=<s>
 *
 * then powers off (reboot(RB_POWER_OFF)). In stress mode (STRESS_SECONDS)
 * the programs run again and again, each pass opening with
 * AXVCPU-STRESS-PASS <n> uptime=<s>.
 *
 * Its parameters come from /etc/axvcpu-init.conf (written by the lane,
 * lib.sh: write_init_conf), one KEY=VALUE a line:
 *   LANE            the lane's name (AXVCPU_LANE)
 *   PROGRAMS        the programs of /tests to run, in order, space-separated
 *   TIMEOUT         seconds per program: SIGTERM then, SIGKILL 10 s later
 *   KVM_MODULES     the KVM module files of /lib/axvcpu/kvm, in load order
 *   TEST_CPUS       CPU list the programs run on ("1-2", "0,2"); empty: all
 *   STRESS_SECONDS  stress mode: repeat until this guest uptime; empty: once
 *   AXVCPU_*        exported to the programs as is (AXVCPU_FUZZ_SEED, ...);
 *                   AXVCPU_MODULE_PARAMS are axvcpu.ko's parameters too
 *
 * A program's exit status is reported as busybox's timeout and a shell
 * would: its exit code, 128 + the signal that killed it, 124 when the
 * timeout killed it (or gave up on it: one SIGKILL cannot end, 30 s
 * later, is left to the reaper's count), 127 when it could not be run.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONF_PATH	"/etc/axvcpu-init.conf"
#define AXVCPU_KO	"/lib/axvcpu/axvcpu.ko"
#define AXVCPU_KVM_DIR	"/lib/axvcpu/kvm"
#define KILL_AFTER	10	/* seconds from SIGTERM to SIGKILL */
#define DEAD_AFTER	30	/* seconds from SIGKILL to giving up on it */

#define SYSLOG_ACTION_READ_ALL		3
#define SYSLOG_ACTION_SIZE_BUFFER	10

static char lane[128] = "unknown";
static char programs[4096];
static char kvm_modules[512];
static char test_cpus[128];
static double stress_seconds;	/* 0: no stress mode */
static unsigned int timeout_secs = 300;

/* Console output: line by line, and flushed before every fork. */
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* The first field of /proc/uptime, as the shell's "read -r u _" gives it. */
static const char *uptime_str(void)
{
	static char buf[64];
	FILE *f = fopen("/proc/uptime", "r");

	if (!f || fscanf(f, "%63s", buf) != 1)
		snprintf(buf, sizeof(buf), "0");
	if (f)
		fclose(f);
	return buf;
}

static double uptime(void)
{
	return strtod(uptime_str(), NULL);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The first line of @path into @buf (no newline); false if unreadable. */
static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static void set_param(const char *key, const char *val)
{
	if (!strcmp(key, "LANE"))
		snprintf(lane, sizeof(lane), "%s", val);
	else if (!strcmp(key, "PROGRAMS"))
		snprintf(programs, sizeof(programs), "%s", val);
	else if (!strcmp(key, "TIMEOUT"))
		timeout_secs = strtoul(val, NULL, 10) ?: 300;
	else if (!strcmp(key, "KVM_MODULES"))
		snprintf(kvm_modules, sizeof(kvm_modules), "%s", val);
	else if (!strcmp(key, "TEST_CPUS"))
		snprintf(test_cpus, sizeof(test_cpus), "%s", val);
	else if (!strcmp(key, "STRESS_SECONDS"))
		stress_seconds = strtod(val, NULL);
	else if (!strncmp(key, "AXVCPU_", 7))
		setenv(key, val, 1);
	else
		say("axvcpu-init: %s: unknown key %s (ignored)", CONF_PATH, key);
}

static void read_conf(void)
{
	char line[4096], *eq;
	FILE *f = fopen(CONF_PATH, "r");

	if (!f) {
		say("axvcpu-init: cannot open %s: %s", CONF_PATH, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !(eq = strchr(line, '=')))
			continue;
		*eq = '\0';
		set_param(line, eq + 1);
	}
	fclose(f);
}

static void mount_one(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) && errno != EBUSY)
		say("axvcpu-init: mount %s on %s: %s", type, dir, strerror(errno));
}

static void setup_fs(void)
{
	int fd;

	mount_one("proc", "/proc", "proc");
	mount_one("sysfs", "/sys", "sysfs");
	mount_one("devtmpfs", "/dev", "devtmpfs");
	mount_one("debugfs", "/sys/kernel/debug", "debugfs");
	mount_one("devpts", "/dev/pts", "devpts");
	mount_one("tmpfs", "/dev/shm", "tmpfs");
	mkdir("/tmp", 01777);
	/* the console of the devtmpfs just mounted, as "exec </dev/console" */
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/* The whole kernel log, or NULL. The caller frees it. */
static char *klog_read(void)
{
	int size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0), len;
	char *buf;

	if (size <= 0)
		return NULL;
	buf = malloc(size + 1);
	if (!buf)
		return NULL;
	len = klogctl(SYSLOG_ACTION_READ_ALL, buf, size);
	if (len < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* The debug features this kernel has active, as write_init finds them. */
static void report_kdebug(void)
{
	char features[256] = "", ki[32];
	char *log = klog_read();

	if (log && strstr(log, "KernelAddressSanitizer initialized"))
		strcat(features, ",kasan");
	free(log);
	if (read_line("/sys/module/kfence/parameters/sample_interval", ki, sizeof(ki)) &&
	    strcmp(ki, "0"))
		strcat(features, ",kfence");
	if (exists("/proc/lockdep_stats"))
		strcat(features, ",lockdep");
	if (exists("/sys/kernel/debug/kmemleak"))
		strcat(features, ",kmemleak");
	if (exists("/sys/kernel/debug/failslab"))
		strcat(features, ",failslab");
	if (exists("/sys/kernel/debug/fail_page_alloc"))
		strcat(features, ",fail_page_alloc");
	say("AXVCPU-KDEBUG features=%s", features[0] ? features + 1 : "");
}

static void load_axvcpu(void)
{
	const char *params = getenv("AXVCPU_MODULE_PARAMS");
	int fd = open(AXVCPU_KO, O_RDONLY | O_CLOEXEC), e = 0;

	if (fd < 0 || syscall(SYS_finit_module, fd, params ? params : "", 0))
		e = errno;
	if (fd >= 0)
		close(fd);
	if (e)
		say("AXVCPU-INSMOD rc=1 error=%s", strerrorname_np(e) ?: "?");
	else
		say("AXVCPU-INSMOD rc=0");
}

/* A taskset -c list ("1-2", "0,2-3") into @set; false if malformed. */
static bool parse_cpus(const char *list, cpu_set_t *set)
{
	const char *p = list;
	char *end;
	long a, b;

	CPU_ZERO(set);
	while (*p) {
		a = strtol(p, &end, 10);
		if (end == p || a < 0)
			return false;
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtol(p, &end, 10);
			if (end == p || b < a)
				return false;
		}
		for (; a <= b && a < CPU_SETSIZE; a++)
			CPU_SET(a, set);
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return false;
	}
	return true;
}

/* Reap every child that has ended; true if @pid was one (status set). */
static bool reap_children(pid_t pid, int *status)
{
	bool found = false;
	pid_t r;
	int st;

	while ((r = waitpid(-1, &st, WNOHANG)) > 0) {
		if (r == pid) {
			*status = st;
			found = true;
		}
	}
	return found;
}

/*
 * Wait for @pid up to @secs seconds (SIGCHLD blocked: sigtimedwait wakes
 * on any child's end, orphans included, which are reaped on the way).
 */
static bool wait_for(pid_t pid, int *status, double secs)
{
	struct timespec end, now, left;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)secs;
	for (;;) {
		if (reap_children(pid, status))
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (left.tv_sec < 0)
			return false;
		/* at most 1 s a wait: a SIGCHLD merged with another is not lost */
		if (left.tv_sec >= 1) {
			left.tv_sec = 1;
			left.tv_nsec = 0;
		}
		sigtimedwait(&chld, NULL, &left);
	}
}

/*
 * Run /tests/@prog as "timeout -k 10 TIMEOUT ./prog </dev/null" under
 * taskset: its status as the shell's $? would be.
 */
static int run_program(const char *prog)
{
	char path[512];
	cpu_set_t cpus;
	int status = 0, fd;
	bool timed_out = false;
	pid_t pid;

	snprintf(path, sizeof(path), "./%s", prog);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		say("axvcpu-init: fork: %s", strerror(errno));
		return 127;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (test_cpus[0]) {
			if (!parse_cpus(test_cpus, &cpus)) {
				say("axvcpu-init: bad TEST_CPUS '%s'", test_cpus);
				_exit(125);
			}
			if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
				say("axvcpu-init: sched_setaffinity(%s): %s", test_cpus,
				    strerror(errno));
				_exit(125);
			}
		}
		if (chdir("/tests")) {
			say("axvcpu-init: chdir /tests: %s", strerror(errno));
			_exit(125);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			if (fd > 0)
				close(fd);
		}
		execl(path, path, (char *)NULL);
		say("axvcpu-init: exec %s: %s", path, strerror(errno));
		_exit(127);
	}
	if (!wait_for(pid, &status, timeout_secs)) {
		timed_out = true;
		say("axvcpu-init: %s still running after %u s: SIGTERM", prog, timeout_secs);
		kill(pid, SIGTERM);
		if (!wait_for(pid, &status, KILL_AFTER)) {
			say("axvcpu-init: %s still running %d s after SIGTERM: SIGKILL",
			    prog, KILL_AFTER);
			kill(pid, SIGKILL);
			/*
			 * A process stuck in the kernel does not die: leave
			 * it (the reaper counts it) rather than hang the run.
			 */
			if (!wait_for(pid, &status, DEAD_AFTER))
				say("axvcpu-init: %s still alive %d s after SIGKILL (stuck in the kernel?)",
				    prog, DEAD_AFTER);
		}
	}
	if (timed_out)
		return 124;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/*
 * Kill what a program left running: every user process (one with an exe
 * link; kernel threads have none) but this one. Returns how many.
 */
static int reap_leftovers(void)
{
	char path[64], exe[512], cmd[512];
	struct dirent *d;
	int n = 0, fd, status;
	ssize_t len, i;
	DIR *proc;
	pid_t pid;

	proc = opendir("/proc");
	if (!proc)
		return 0;
	while ((d = readdir(proc))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid = atoi(d->d_name);
		if (pid == 1 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		if (readlink(path, exe, sizeof(exe)) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		len = 0;
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			len = read(fd, cmd, sizeof(cmd) - 1);
			close(fd);
		}
		if (len < 0)
			len = 0;
		for (i = 0; i < len; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		cmd[len] = '\0';
		say("AXVCPU-REAP pid=%d cmd=%s", pid, cmd);
		if (!kill(pid, SIGKILL))
			n++;
	}
	closedir(proc);
	if (n) {
		sleep(1);
		reap_children(0, &status);
	}
	return n;
}

static void run_programs(void)
{
	char list[sizeof(programs)], *prog, *save;
	double t0, t1;
	int rc, left;

	snprintf(list, sizeof(list), "%s", programs);
	for (prog = strtok_r(list, " ", &save); prog; prog = strtok_r(NULL, " ", &save)) {
		if (!exists("/sys/module/axvcpu"))
			load_axvcpu();
		t0 = uptime();
		say("AXVCPU-TEST-BEGIN %s uptime=%s", prog, uptime_str());
		rc = run_program(prog);
		left = reap_leftovers();
		t1 = uptime();
		say("AXVCPU-TEST-END %s rc=%d uptime=%s secs=%.2f leftover=%d",
		    prog, rc, uptime_str(), t1 - t0, left);
	}
}

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

static void cat_file(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return;
	fflush(stdout);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) != n)
			break;
	close(fd);
}

/* kmemleak's report after two scans (objects younger than 5 s never show). */
static void report_kmemleak(void)
{
	bool ok;

	if (!exists("/sys/kernel/debug/kmemleak"))
		return;
	say("AXVCPU-KMEMLEAK-BEGIN uptime=%s", uptime_str());
	sleep(6);
	ok = write_file("/sys/kernel/debug/kmemleak", "scan");
	if (ok) {
		sleep(2);
		ok = write_file("/sys/kernel/debug/kmemleak", "scan");
	}
	if (ok)
		cat_file("/sys/kernel/debug/kmemleak");
	say("AXVCPU-KMEMLEAK-END rc=%d uptime=%s", ok ? 0 : 1, uptime_str());
}

static void report_debug_locks(void)
{
	char line[256];
	FILE *f = fopen("/proc/lockdep_stats", "r");
	char *p;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "debug_locks:");
		if (p) {
			say("AXVCPU-KDEBUG-END debug_locks=%ld",
			    strtol(p + strlen("debug_locks:"), NULL, 10));
			break;
		}
	}
	fclose(f);
}

/* The kernel log as busybox's dmesg prints it: without the <level> prefixes. */
static void dump_dmesg(void)
{
	char *log = klog_read(), *line, *save, *p;

	say("AXVCPU-DMESG-BEGIN");
	if (log) {
		for (line = strtok_r(log, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			p = line;
			if (*p == '<') {
				p += strspn(p + 1, "0123456789") + 1;
				if (*p == '>')
					p++;
				else
					p = line;
			}
			puts(p);
		}
		free(log);
	}
	say("AXVCPU-DMESG-END");
}

int main(void)
{
	struct utsname u;
	sigset_t chld;
	unsigned int pass = 0;

	/* SIGCHLD stays blocked here: wait_for() takes it with sigtimedwait */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup_fs();
	read_conf();
	setenv("PATH", "/bin:/sbin", 1);
	setenv("AXVCPU_KO", AXVCPU_KO, 1);
	setenv("AXVCPU_KVM_DIR", AXVCPU_KVM_DIR, 1);
	setenv("AXVCPU_KVM_MODULES", kvm_modules, 1);
	setenv("AXVCPU_LANE", lane, 1);
	uname(&u);
	say("AXVCPU-INIT uptime=%s kernel=%s lane=%s", uptime_str(), u.release, lane);
	report_kdebug();
	load_axvcpu();
	if (stress_seconds > 0) {
		while (uptime() < stress_seconds) {
			say("AXVCPU-STRESS-PASS %u uptime=%s", ++pass, uptime_str());
			run_programs();
		}
	} else {
		run_programs();
	}
	report_kmemleak();
	report_debug_locks();
	dump_dmesg();
	say("AXVCPU-DONE uptime=%s", uptime_str());
	sync();
	reboot(RB_POWER_OFF);
	say("axvcpu-init: reboot(RB_POWER_OFF): %s", strerror(errno));
	for (;;)
		pause();
}
