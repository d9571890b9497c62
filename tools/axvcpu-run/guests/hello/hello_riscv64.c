// SPDX-License-Identifier: GPL-2.0
/*
 * The riscv64 sample guest of make demo: greets through the 16550, says
 * what it runs on (the SBI implementation, the harts, memory and command
 * line of the device tree it was given), starts every other hart through
 * SBI HSM and lets each greet and stop, then powers off through SBI SRST.
 * A raw image: axvcpu-run runs it from its first byte at RAM + 2 MiB.
 */
#include "../common/io_riscv64.h"
#include "../common/machine.h"

#define SBI_EXT_BASE		0x10
#define SBI_EXT_HSM		0x48534d
#define SBI_EXT_SRST		0x53525354
#define SBI_HSM_HART_START	0
#define SBI_HSM_HART_STOP	1
#define SBI_HSM_HART_STATUS	2
#define SBI_HSM_STOPPED		1
#define SBI_IMPL_AXVCPU		0x6178	/* the module's, Documentation/api.rst */
#define HELLO_OPAQUE		0x68656c6c6fUL	/* "hello" */

void guest_main(unsigned long hartid, const void *fdt);
void guest_secondary(unsigned long hartid, unsigned long opaque);
void _secondary(void);

static volatile unsigned int greeted;

/* A hart started by hart_start: greets and stops (SBI v2.0, 9.2). */
void guest_secondary(unsigned long hartid, unsigned long opaque)
{
	puts("hart ");
	putu(hartid);
	puts(": started through SBI HSM, opaque ");
	puthex(opaque);
	puts(opaque == HELLO_OPAQUE ? " (as given)\n" : " (not as given)\n");
	__atomic_store_n(&greeted, hartid + 1, __ATOMIC_RELEASE);
	sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0);
}

/* Starts @hart, waits for its greeting and its stop; false on failure. */
static bool start_hart(unsigned long hart)
{
	struct sbiret r;
	unsigned long spins;

	r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, hart,
		     (unsigned long)_secondary, HELLO_OPAQUE);
	if (r.error) {
		puts("hart_start failed: ");
		putu(-r.error);
		puts("\n");
		return false;
	}
	for (spins = 0; spins < 100000000UL; spins++) {
		if (__atomic_load_n(&greeted, __ATOMIC_ACQUIRE) != hart + 1)
			continue;
		r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STATUS, hart, 0, 0);
		if (!r.error && r.value == SBI_HSM_STOPPED)
			return true;
	}
	puts("hart did not greet and stop\n");
	return false;
}

void guest_main(unsigned long hartid, const void *fdt)
{
	struct fdt_machine m = { 0 };
	struct sbiret spec, impl, ver;
	unsigned long h;
	bool ok = true;

	puts("Hello from an axvcpu guest (riscv64, hart ");
	putu(hartid);
	puts(")\n");
	spec = sbi_call(SBI_EXT_BASE, 0, 0, 0, 0);
	impl = sbi_call(SBI_EXT_BASE, 1, 0, 0, 0);
	ver = sbi_call(SBI_EXT_BASE, 2, 0, 0, 0);
	puts("running on: SBI ");
	putu((spec.value >> 24) & 0x7f);
	puts(".");
	putu(spec.value & 0xffffff);
	puts(", implementation ");
	if (impl.value == SBI_IMPL_AXVCPU)
		puts("axvcpu");
	else
		puthex(impl.value);
	puts(" version ");
	putu(ver.value);
	puts("\n");
	if (!fdt_parse(fdt, &m)) {
		puts("a1 holds no device tree\n");
		ok = false;
	} else {
		print_machine(&m, "hart", m.isa);
	}
	for (h = 0; h < m.cpus; h++)
		if (h != hartid && !start_hart(h))
			ok = false;
	puts(ok ? "powering off\n" : "powering off (with a failure)\n");
	/* system_reset: shutdown, the reason 1 (system failure) on failure */
	sbi_call(SBI_EXT_SRST, 0, 0, ok ? 0 : 1, 0);
}
