// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 sample guest of make demo: greets through the PL011, says what
 * it runs on (the PSCI version, MIDR_EL1 and the exception level it was
 * entered at; the model, CPUs, memory and command line of the device tree
 * it was given), starts every other CPU through PSCI CPU_ON and lets each
 * greet and turn itself off (CPU_OFF), then powers off through PSCI
 * SYSTEM_OFF. An Image (start_arm64.S) that runs from the start of RAM
 * with the MMU off.
 */
#include "../common/io_arm64.h"
#include "../common/machine.h"

#define HELLO_CONTEXT		0x68656c6c6fUL	/* "hello" */
#define MPIDR_AFF_MASK		0xff00ffffffUL	/* Aff3-Aff0 */

void guest_main(const void *fdt);
void guest_secondary(unsigned long context);
void guest_exception(unsigned long vector, unsigned long esr,
		     unsigned long elr, unsigned long far);
void _secondary(void);

/* the MPIDR affinity of the last CPU that greeted, plus one */
static volatile unsigned long greeted;

static unsigned long my_mpidr(void)
{
	return read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
}

/* A CPU started by CPU_ON: greets and turns itself off (PSCI 1.1, 5.5). */
void guest_secondary(unsigned long context)
{
	unsigned long mpidr = my_mpidr();

	puts("CPU ");
	putu(mpidr & 0xff);
	puts(": started through PSCI CPU_ON, context id ");
	puthex(context);
	puts(context == HELLO_CONTEXT ? " (as given)\n" : " (not as given)\n");
	__atomic_store_n(&greeted, mpidr + 1, __ATOMIC_RELEASE);
	psci_call(PSCI_CPU_OFF, 0, 0, 0);
	puts("CPU_OFF returned\n");
}

/* Any exception: a fault of this guest's, or an UNDEF from the host. */
void guest_exception(unsigned long vector, unsigned long esr,
		     unsigned long elr, unsigned long far)
{
	puts("unexpected exception: vector ");
	putu(vector);
	puts(", ESR_EL1 ");
	puthex(esr);
	puts(", ELR_EL1 ");
	puthex(elr);
	puts(", FAR_EL1 ");
	puthex(far);
	puts("\npowering off (with a failure)\n");
	psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
}

/* Starts @mpidr, waits for its greeting and its CPU_OFF; false on failure. */
static bool start_cpu(unsigned long mpidr)
{
	unsigned long spins;
	long r;

	r = psci_call(PSCI_CPU_ON, mpidr, (unsigned long)_secondary,
		      HELLO_CONTEXT);
	if (r) {
		puts("CPU_ON ");
		puthex(mpidr);
		puts(" failed: ");
		putu(-r);
		puts("\n");
		return false;
	}
	for (spins = 0; spins < 100000000UL; spins++) {
		if (__atomic_load_n(&greeted, __ATOMIC_ACQUIRE) != mpidr + 1)
			continue;
		/* AFFINITY_INFO, level 0: is it off yet? (5.7) */
		if (psci_call(PSCI_AFFINITY_INFO, mpidr, 0, 0) == PSCI_AFFINITY_OFF)
			return true;
	}
	puts("CPU ");
	puthex(mpidr);
	puts(" did not greet and turn off\n");
	return false;
}

void guest_main(const void *fdt)
{
	static struct fdt_machine m;	/* in bss: no memset to call */
	unsigned long mpidr = my_mpidr(), v;
	bool ok = true;
	unsigned int i;

	puts("Hello from an axvcpu guest (arm64, CPU ");
	putu(mpidr & 0xff);
	puts(")\n");
	v = psci_call(PSCI_VERSION, 0, 0, 0);
	puts("running on: PSCI ");
	putu(v >> 16 & 0x7fff);
	puts(".");
	putu(v & 0xffff);
	puts(", MIDR_EL1 ");
	puthex(read_sysreg(midr_el1));
	puts(", EL");
	putu(read_sysreg(CurrentEL) >> 2 & 3);
	puts("\n");
	if (!fdt_parse(fdt, &m)) {
		puts("x0 holds no device tree\n");
		ok = false;
	} else {
		print_machine(&m, "CPU", m.cpu_compatible);
	}
	for (i = 0; i < m.cpus && i < FDT_MAX_CPUS; i++)
		if (m.cpu_reg[i] != mpidr && !start_cpu(m.cpu_reg[i]))
			ok = false;
	puts(ok ? "powering off\n" : "powering off (with a failure)\n");
	psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
}
