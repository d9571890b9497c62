// SPDX-License-Identifier: GPL-2.0
/*
 * The trace events' definitions (axvcpu_trace.h) and the exit payload in
 * brief that the exit event records.
 */
#include "axvcpu_core.h"

#define CREATE_TRACE_POINTS
#include "axvcpu_trace.h"

/**
 * axvcpu_exit_brief() - two numbers that say most of a user exit
 * @run: the run struct, its exit just filled in by the backend
 * @a: the address, number or target of the exit (0 when it has none)
 * @b: the written value, or the width of a read, or a second detail
 */
void axvcpu_exit_brief(const struct axvcpu_run *run, u64 *a, u64 *b)
{
	*a = 0;
	*b = 0;
	switch (run->exit_reason) {
	case AXVCPU_EXIT_HYPERCALL:
		*a = run->hypercall.nr;
		*b = run->hypercall.args[0];
		break;
	case AXVCPU_EXIT_MMIO_READ:
	case AXVCPU_EXIT_MMIO_WRITE:
		*a = run->mmio.addr;
		*b = run->exit_reason == AXVCPU_EXIT_MMIO_WRITE ?
		     run->mmio.data : run->mmio.width;
		break;
	case AXVCPU_EXIT_SYSREG_READ:
	case AXVCPU_EXIT_SYSREG_WRITE:
		*a = run->sysreg.addr;
		*b = run->exit_reason == AXVCPU_EXIT_SYSREG_WRITE ?
		     run->sysreg.value : 0;
		break;
	case AXVCPU_EXIT_IO_READ:
	case AXVCPU_EXIT_IO_WRITE:
		*a = run->io.port;
		*b = run->exit_reason == AXVCPU_EXIT_IO_WRITE ?
		     run->io.data : run->io.width;
		break;
	case AXVCPU_EXIT_EXTERNAL_INTERRUPT:
		*a = run->external_interrupt.vector;
		break;
	case AXVCPU_EXIT_NESTED_PAGE_FAULT:
		*a = run->nested_page_fault.addr;
		*b = run->nested_page_fault.access;
		break;
	case AXVCPU_EXIT_CPU_UP:
		*a = run->cpu_up.target_cpu;
		*b = run->cpu_up.entry_point;
		break;
	case AXVCPU_EXIT_CPU_DOWN:
		*a = run->cpu_down.state;
		break;
	case AXVCPU_EXIT_FAIL_ENTRY:
		*a = run->fail_entry.hardware_entry_failure_reason;
		break;
	case AXVCPU_EXIT_SEND_IPI:
		*a = run->send_ipi.target_cpu;
		*b = run->send_ipi.vector;
		break;
	}
}
