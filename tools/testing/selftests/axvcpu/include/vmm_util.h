/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running the reference VMM, axvcpu-run, from a test: vmm/axvcpu-run
 * beside the test program (the lane builds it there) or $AXVCPU_VMM, its
 * guests in vmm/guests; its exit status, stdout and stderr collected.
 */
#ifndef AXVCPU_VMM_UTIL_H
#define AXVCPU_VMM_UTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"

#define OUT_MAX		(256 * 1024)

/* How long a VMM may run before it is killed; below the harness's 30 s. */
static int vmm_timeout_ms = 20000;

struct vmm_result {
	int status;		/* exit status, or 128 + signal */
	char out[OUT_MAX];	/* stdout */
	char err[OUT_MAX];	/* stderr */
};

static char vmm_path[4096], guest_dir[4096], tmp_dir[64];

static inline void find_vmm(void)
{
	char self[4096];
	ssize_t n;

	if (vmm_path[0])
		return;
	if (getenv("AXVCPU_VMM")) {
		snprintf(vmm_path, sizeof(vmm_path), "%s", getenv("AXVCPU_VMM"));
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		AXV_REQUIRE(n > 0, "readlink /proc/self/exe");
		self[n] = '\0';
		snprintf(vmm_path, sizeof(vmm_path), "%s/vmm/axvcpu-run",
			 dirname(self));
	}
	snprintf(self, sizeof(self), "%s", vmm_path);
	snprintf(guest_dir, sizeof(guest_dir), "%s/guests", dirname(self));
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/vmm_test.XXXXXX");
	AXV_REQUIRE(mkdtemp(tmp_dir), "mkdtemp");
}

/* Drain @fd into @buf (NUL-terminated); false at EOF. */
/*
 * A VMM that overran its time: where each of its threads is, for the
 * log (state, wait channel and kernel stack from /proc), before it is
 * killed: a vCPU thread in the module's RUN, one waiting in the VMM, one
 * blocked in the kernel.
 */
static inline void vmm_dump_threads(pid_t pid)
{
	static const char *const files[] = { "stat", "wchan", "stack" };
	char path[320], buf[2048];
	struct dirent *d;
	unsigned int i;
	DIR *dir;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return;
	fprintf(stderr, "# the VMM (pid %d) timed out; its threads:\n", (int)pid);
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		for (i = 0; i < ARRAY_SIZE(files); i++) {
			snprintf(path, sizeof(path), "/proc/%d/task/%s/%s",
				 (int)pid, d->d_name, files[i]);
			fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n <= 0)
				continue;
			buf[n] = 0;
			fprintf(stderr, "#   %s %s: %s%s", d->d_name, files[i], buf,
				buf[n - 1] == '\n' ? "" : "\n");
		}
	}
	closedir(dir);
}

static inline bool drain(int fd, char *buf, size_t *len)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0)
		return false;
	if (*len + n >= OUT_MAX)
		n = OUT_MAX - 1 - *len;
	memcpy(buf + *len, tmp, n);
	*len += n;
	buf[*len] = '\0';
	return true;
}

/* Run the VMM with @argv (NULL-terminated, without argv[0]) and @in as stdin. */
static inline void run_vmm(struct vmm_result *r, const char *in, const char **argv)
{
	int pin[2], pout[2], perr[2], st, i, ms = 0;
	const char *args[32] = { vmm_path };
	size_t lo = 0, le = 0;
	bool oo = true, eo = true;
	pid_t pid;

	find_vmm();
	for (i = 0; argv[i]; i++)
		args[i + 1] = argv[i];
	memset(r, 0, sizeof(*r));
	AXV_REQUIRE(!pipe(pin) && !pipe(pout) && !pipe(perr), "pipe");
	pid = fork();
	AXV_REQUIRE(pid >= 0, "fork");
	if (pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		dup2(perr[1], 2);
		close(pin[1]);
		close(pout[0]);
		close(perr[0]);
		execv(vmm_path, (char **)args);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	if (in && write(pin[1], in, strlen(in)) != (ssize_t)strlen(in))
		AXV_DIE("writing the VMM's stdin");
	close(pin[1]);
	while (oo || eo) {
		struct pollfd p[2] = { { pout[0], POLLIN, 0 }, { perr[0], POLLIN, 0 } };

		if (poll(p, 2, 100) <= 0) {
			ms += 100;
			if (ms > vmm_timeout_ms) {
				vmm_dump_threads(pid);
				kill(pid, SIGKILL);
				break;
			}
			continue;
		}
		if (oo && (p[0].revents & (POLLIN | POLLHUP)))
			oo = drain(pout[0], r->out, &lo);
		if (eo && (p[1].revents & (POLLIN | POLLHUP)))
			eo = drain(perr[0], r->err, &le);
	}
	close(pout[0]);
	close(perr[0]);
	AXV_REQUIRE(waitpid(pid, &st, 0) == pid, "waitpid");
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A file in the test's directory with @len bytes of @data. */
static inline const char *tmp_file(const char *name, const void *data, size_t len)
{
	static char path[8][256];
	static int next;
	char *p = path[next++ % 8];
	int fd;

	find_vmm();
	snprintf(p, 256, "%s/%s", tmp_dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	AXV_REQUIRE(fd >= 0 && write(fd, data, len) == (ssize_t)len, "%s", p);
	close(fd);
	return p;
}

static inline int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#define ASSERT_VMM(_r, _status) do {					\
	ASSERT_EQ(_status, (_r)->status)				\
		TH_LOG("axvcpu-run exited with %d, expected %d; stdout:\n%s\nstderr:\n%s", \
		       (_r)->status, _status, (_r)->out, (_r)->err);	\
} while (0)

#define ASSERT_OUT(_r, _text)						\
	ASSERT_NE(NULL, strstr((_r)->out, _text))			\
		TH_LOG("stdout lacks \"%s\":\n%s\nstderr:\n%s", _text,	\
		       (_r)->out, (_r)->err)

/* The guest printed no @_text (a kernel's "WARNING:", "Oops"). */
#define ASSERT_NO_OUT(_r, _text)					\
	ASSERT_EQ(NULL, strstr((_r)->out, _text))			\
		TH_LOG("stdout has \"%s\":\n%s\nstderr:\n%s", _text,	\
		       (_r)->out, (_r)->err)

/* The path of guest image @name (vmm/guests/@name); two at a time. */
static inline const char *guest_path(const char *name)
{
	static char p[2][4200];
	static int next;
	char *s = p[next++ % 2];

	find_vmm();
	snprintf(s, sizeof(p[0]), "%s/%s", guest_dir, name);
	return s;
}

/*
 * Skip the test when /dev/kvm cannot be had with @modules (the lane's KVM
 * modules, loaded if need be); fail it instead when the lane shipped
 * modules (AXVCPU_KVM_MODULES) that did not load.
 */
#define VMM_REQUIRE_KVM(_modules) do {					\
	const char *__shipped = getenv("AXVCPU_KVM_MODULES");		\
	char __why[600] = "";						\
									\
	if (access("/dev/kvm", R_OK | W_OK) &&				\
	    !axv_load_kvm_modules(_modules, __why, sizeof(__why))) {	\
		ASSERT_FALSE(__shipped && *__shipped)			\
			TH_LOG("the lane's KVM modules (%s) did not load: %s", \
			       __shipped, __why);			\
		SKIP(return, "%s", __why);				\
	}								\
} while (0)

static inline const char *hello(void)
{
	return guest_path("hello.elf");
}

#endif /* AXVCPU_VMM_UTIL_H */
