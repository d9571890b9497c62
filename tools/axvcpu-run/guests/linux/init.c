// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the initramfs that Linux guests of axvcpu-run boot to
 * (Documentation/vmm.rst, "Linux guests"): it says it got there, with the
 * CPUs the kernel brought online and the clock it chose, through the
 * kernel log (whose console is the guest's COM1), then powers the machine
 * off. A static program: the initramfs holds nothing else.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

/* The first line of @path, without its newline, into @buf. */
static void first_line(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!buf[0])
		snprintf(buf, size, "?");
}

int main(void)
{
	char online[64], clock[64], uptime[64], msg[512];
	int fd;

	mkdir("/dev", 0755);
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	first_line("/sys/devices/system/cpu/online", online, sizeof(online));
	first_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		   clock, sizeof(clock));
	first_line("/proc/uptime", uptime, sizeof(uptime));
	snprintf(msg, sizeof(msg),
		 "AXVCPU-LINUX-INIT cpus=%ld online=%s clocksource=%s uptime=%s\n",
		 sysconf(_SC_NPROCESSORS_ONLN), online, clock, uptime);
	/* the kernel log reaches the console without a tty in between */
	fd = open("/dev/kmsg", O_WRONLY);
	if (fd < 0 || write(fd, msg, strlen(msg)) < 0)
		fputs(msg, stderr);
	/* and the console's tty, which needs COM1's interrupts */
	fd = open("/dev/console", O_WRONLY);
	if (fd >= 0) {
		snprintf(msg, sizeof(msg), "AXVCPU-LINUX-TTY hello from /init\n");
		if (write(fd, msg, strlen(msg)) < 0)
			;
		fsync(fd);
	}
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
