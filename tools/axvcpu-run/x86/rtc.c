// SPDX-License-Identifier: GPL-2.0
/*
 * The CMOS real-time clock at 0x70 (index; bit 7 masks NMIs) and 0x71
 * (data), as the MC146818A data sheet lays it out: the time and date from
 * the host's clock (UTC) in BCD or binary and 12- or 24-hour form as
 * register B asks, register A's divider with the update-in-progress bit
 * clear, register D's valid-RAM bit, and 114 bytes of NVRAM. No alarms
 * and no periodic interrupt (IRQ 8 stays low).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "x86.h"

#define RTC_REG_A	0x0a
#define RTC_REG_B	0x0b
#define RTC_REG_C	0x0c
#define RTC_REG_D	0x0d
#define RTC_CENTURY	0x32	/* the FADT's CENTURY index (x86/acpi.c) */
#define RTC_B_24H	0x02
#define RTC_B_BINARY	0x04

struct rtc {
	uint8_t index;
	uint8_t ram[128];
};

static uint8_t rtc_put(const struct rtc *r, unsigned int v)
{
	if (r->ram[RTC_REG_B] & RTC_B_BINARY)
		return v;
	return (v / 10) << 4 | v % 10;
}

static uint8_t rtc_time(const struct rtc *r, unsigned int reg)
{
	time_t now = time(NULL);
	struct tm tm;
	unsigned int h;

	gmtime_r(&now, &tm);
	switch (reg) {
	case 0:
		return rtc_put(r, tm.tm_sec);
	case 2:
		return rtc_put(r, tm.tm_min);
	case 4:
		h = tm.tm_hour;
		if (r->ram[RTC_REG_B] & RTC_B_24H)
			return rtc_put(r, h);
		return rtc_put(r, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0);
	case 6:
		return rtc_put(r, tm.tm_wday + 1);
	case 7:
		return rtc_put(r, tm.tm_mday);
	case 8:
		return rtc_put(r, tm.tm_mon + 1);
	case 9:
		return rtc_put(r, tm.tm_year % 100);
	case RTC_CENTURY:
		return rtc_put(r, 19 + tm.tm_year / 100);
	}
	return r->ram[reg];
}

static void rtc_read(struct vmm *vmm, void *dev, uint64_t off,
		     unsigned int width, uint64_t *val)
{
	struct rtc *r = dev;

	if (off == 0) {
		*val = 0xff;
		return;
	}
	*val = rtc_time(r, r->index);
	if (r->index == RTC_REG_C)
		r->ram[RTC_REG_C] = 0;	/* reading C clears the flags */
}

static void rtc_write(struct vmm *vmm, void *dev, uint64_t off,
		      unsigned int width, uint64_t val)
{
	struct rtc *r = dev;

	if (off == 0) {
		r->index = val & 0x7f;
		return;
	}
	switch (r->index) {
	case RTC_REG_A:
		r->ram[RTC_REG_A] = val & 0x7f;	/* UIP is read-only */
		break;
	case RTC_REG_C: case RTC_REG_D:
		break;
	case 0: case 2: case 4: case 6: case 7: case 8: case 9:
	case RTC_CENTURY:
		break;	/* the time is the host's: setting it is ignored */
	default:
		r->ram[r->index] = val;
	}
}

void rtc_init(struct vmm *vmm)
{
	struct rtc *r = calloc(1, sizeof(*r));
	struct vmm_device d = { .name = "CMOS RTC", .base = 0x70, .len = 2,
				.read = rtc_read, .write = rtc_write };

	if (!r)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	r->ram[RTC_REG_A] = 0x26;	/* 32.768 kHz, 1.024 kHz rate */
	r->ram[RTC_REG_B] = RTC_B_24H;
	r->ram[RTC_REG_D] = 0x80;	/* valid RAM and time */
	d.dev = r;
	vmm_add_device(vmm, &d);
}
