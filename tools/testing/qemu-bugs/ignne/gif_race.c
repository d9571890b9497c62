// SPDX-License-Identifier: GPL-2.0
/*
 * gif_race.ko: shows, without axvcpu, that QEMU's multi-threaded TCG
 * loses updates to CPU 0's global interrupt flag (GIF).
 *
 * QEMU's TCG keeps GIF in hflags2 of the emulated CPU. Every x87
 * environment load on any CPU (FLDENV, FRSTOR, FXRSTOR, XRSTOR) clears
 * IGNNE with a plain read-modify-write of the *first* CPU's hflags2
 * (cpu_clear_ignne(), target/i386/tcg/sysemu/fpu_helper.c), from that
 * CPU's own thread and without a lock. When CPU 0 executes CLGI or STGI
 * in between, its change is undone: STGI can be lost (CPU 0 then takes
 * no interrupt at all) and, after a #VMEXIT, nested paging can come
 * back on (the host then runs with the guest's NPT).
 *
 * On CPU 0 this module sets EFER.SVME and runs CLGI; STGI pairs with
 * interrupts enabled. Every 4096 pairs it waits up to 200 ms for a 1 ms
 * hrtimer of its own on CPU 0: with RFLAGS.IF set only GIF = 0 keeps it
 * from firing. When it stays silent, one more STGI is executed and the
 * timer must fire at once: that STGI is the proof GIF was clear. Run
 * tools/testing/qemu-bugs/ignne/run.sh: user space on CPU 1 loops on
 * FLDENV meanwhile. Parameter: seconds (10).
 */
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/smp.h>
#include <asm/msr.h>
#include <asm/svm.h>

static unsigned int seconds = 10;
module_param(seconds, uint, 0444);

static struct hrtimer tick;
static unsigned long ticks;

static enum hrtimer_restart tick_fn(struct hrtimer *t)
{
	WRITE_ONCE(ticks, ticks + 1);
	hrtimer_forward_now(t, ms_to_ktime(1));
	return HRTIMER_RESTART;
}

/* Did the tick fire within @ms of wall time, interrupts enabled? */
static bool tick_within(unsigned int ms)
{
	unsigned long t0 = READ_ONCE(ticks);
	ktime_t end = ktime_add_ms(ktime_get(), ms);

	while (ktime_before(ktime_get(), end))
		if (READ_ONCE(ticks) != t0)
			return true;
	return false;
}

static int gif_race_on_cpu0(void *unused)
{
	unsigned long pairs = 0, lost = 0, silent = 0;
	unsigned long end = jiffies + seconds * HZ;
	u64 efer;
	int i;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_info("gif_race: EFER.SVME already set (KVM?), not running\n");
		return -EBUSY;
	}
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	hrtimer_init(&tick, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	tick.function = tick_fn;
	hrtimer_start(&tick, ms_to_ktime(1), HRTIMER_MODE_REL_PINNED);

	while (time_before(jiffies, end)) {
		for (i = 0; i < 4096; i++) {
			asm volatile("clgi" ::: "memory");
			asm volatile("stgi" ::: "memory");
		}
		pairs += 4096;
		if (tick_within(200))
			continue;
		/* silent for 200 ms with IF set: is it GIF? */
		silent++;
		asm volatile("stgi" ::: "memory");
		if (tick_within(20)) {
			lost++;
			pr_info("gif_race: GIF was clear after STGI (pair %lu): the timer fired only after one more STGI\n",
				pairs);
		}
	}
	hrtimer_cancel(&tick);
	wrmsrl(MSR_EFER, efer);
	pr_info("gif_race: %lu CLGI/STGI pairs on CPU 0 in %u s, STGI lost %lu times (%lu silent waits)\n",
		pairs, seconds, lost, silent);
	return 0;
}

static int __init gif_race_init(void)
{
	return smp_call_on_cpu(0, gif_race_on_cpu0, NULL, false);
}

static void __exit gif_race_exit(void)
{
}

module_init(gif_race_init);
module_exit(gif_race_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("QEMU MTTCG IGNNE/hflags2 race reproducer (no axvcpu)");
