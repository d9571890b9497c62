// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's HVC and SMC calls (SMC Calling Convention, Arm DEN 0028):
 * PSCI (Arm DEN 0022, v1.0 as offered here) is answered here or becomes
 * the CPU_UP, CPU_DOWN and SYSTEM_DOWN exits; every other call is a
 * HYPERCALL exit for the VMM (Documentation/api.rst, "hypercall").
 */
#include <linux/string.h>
#include <uapi/linux/psci.h>
#include "arm64.h"

/* SMCCC's "not supported" (the preset return of a HYPERCALL exit) */
#define A64_SMCCC_NOT_SUPPORTED	((u64)-1)

static int arm64_hypercall(struct arm64_vcpu *av, struct axvcpu_run *run)
{
	struct arm64_ctx *c = av->ctx;

	run->exit_reason = AXVCPU_EXIT_HYPERCALL;
	run->hypercall.nr = c->x[0];
	run->hypercall.func = 0;
	memcpy(run->hypercall.args, &c->x[1], sizeof(run->hypercall.args));
	run->hypercall.ret = A64_SMCCC_NOT_SUPPORTED;
	memcpy(run->hypercall.ret_extra, &c->x[1], sizeof(run->hypercall.ret_extra));
	av->pending = (struct arm64_pending){ .reason = AXVCPU_EXIT_HYPERCALL };
	return AXVCPU_RUN_EXIT;
}

/* the calls PSCI_FEATURES says are here (those the guest needs to boot) */
static bool arm64_psci_has(u32 fn)
{
	switch (fn) {
	case PSCI_0_2_FN_PSCI_VERSION:
	case PSCI_0_2_FN_CPU_OFF:
	case PSCI_0_2_FN_CPU_ON:
	case PSCI_0_2_FN64_CPU_ON:
	case PSCI_0_2_FN_MIGRATE_INFO_TYPE:
	case PSCI_0_2_FN_SYSTEM_OFF:
	case PSCI_0_2_FN_SYSTEM_RESET:
	case PSCI_1_0_FN_PSCI_FEATURES:
		return true;
	default:
		return false;
	}
}

/**
 * arm64_psci_call() - an HVC or SMC of the guest, the PC past it
 * @av: the vCPU
 * @run: the run struct for an exit
 *
 * Return: AXVCPU_RUN_REENTER when answered here, else AXVCPU_RUN_EXIT.
 */
int arm64_psci_call(struct arm64_vcpu *av, struct axvcpu_run *run)
{
	struct arm64_ctx *c = av->ctx;
	u32 fn = c->x[0];

	/* a function id is 32 bits wide (SMCCC 2.5): anything else is the VMM's */
	if (c->x[0] >> 32)
		return arm64_hypercall(av, run);
	switch (fn) {
	case PSCI_0_2_FN_PSCI_VERSION:
		c->x[0] = PSCI_VERSION(1, 0);
		return AXVCPU_RUN_REENTER;
	case PSCI_1_0_FN_PSCI_FEATURES:
		c->x[0] = arm64_psci_has(c->x[1]) ? PSCI_RET_SUCCESS :
						     (u64)PSCI_RET_NOT_SUPPORTED;
		return AXVCPU_RUN_REENTER;
	case PSCI_0_2_FN_MIGRATE_INFO_TYPE:
		/* no trusted OS to migrate */
		c->x[0] = PSCI_0_2_TOS_MP;
		return AXVCPU_RUN_REENTER;
	case PSCI_0_2_FN_CPU_ON:
	case PSCI_0_2_FN64_CPU_ON:
		/* target MPIDR, entry point, context id (x0 at the entry) */
		run->exit_reason = AXVCPU_EXIT_CPU_UP;
		if (fn == PSCI_0_2_FN_CPU_ON) {
			run->cpu_up.target_cpu = (u32)c->x[1];
			run->cpu_up.entry_point = (u32)c->x[2];
			run->cpu_up.arg = (u32)c->x[3];
		} else {
			run->cpu_up.target_cpu = c->x[1];
			run->cpu_up.entry_point = c->x[2];
			run->cpu_up.arg = c->x[3];
		}
		c->x[0] = PSCI_RET_SUCCESS;
		return AXVCPU_RUN_EXIT;
	case PSCI_0_2_FN_CPU_OFF:
		run->exit_reason = AXVCPU_EXIT_CPU_DOWN;
		run->cpu_down.state = 0;
		/* CPU_OFF returns only when it failed */
		c->x[0] = (u64)PSCI_RET_DENIED;
		return AXVCPU_RUN_EXIT;
	case PSCI_0_2_FN_SYSTEM_OFF:
	case PSCI_0_2_FN_SYSTEM_RESET:
		/* x0 keeps the function id: off or reset, for the VMM to read */
		run->exit_reason = AXVCPU_EXIT_SYSTEM_DOWN;
		return AXVCPU_RUN_EXIT;
	default:
		return arm64_hypercall(av, run);
	}
}
