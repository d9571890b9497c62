// SPDX-License-Identifier: GPL-2.0
/*
 * What the x86 guest's CPU says it is and the MSRs the VMM answers.
 *
 * CPUID: the hypervisor's default table (AXVCPU_GET_SUPPORTED_CPUID) less
 * what this machine does not give a guest: the features whose MSRs or
 * state neither the module nor this VMM switches or emulates (machine
 * checks, MTRRs, performance counters, PKU, the speculation-control MSRs,
 * TSC_ADJUST, the TSC-deadline timer), with x2APIC offered (the local APIC
 * has it, lapic.c; not on KVM, whose MSR filters cannot send the x2APIC
 * MSRs to user space) and each vCPU's own APIC ID (SDM vol. 2A, CPUID;
 * AMD APM vol. 3, appendix E).
 *
 * MSRs the module leaves to user space: IA32_APIC_BASE and the x2APIC
 * registers (lapic.c), and the few that Linux reads or writes without a
 * fault handler on the CPUs this table describes, kept here as plain
 * storage; every other one faults (#GP), as on KVM without ignore_msrs.
 * AXVCPU_RUN_DEBUG=1 in the environment names each one the guest touches.
 */
#include <stdlib.h>
#include <string.h>

#include "x86.h"

#define MAX_CPUID		256

/* leaf 1 */
#define EDX_MCE			(1U << 7)
#define EDX_MTRR		(1U << 12)
#define EDX_MCA			(1U << 14)
#define EDX_ACPI		(1U << 22)	/* thermal MSRs */
#define EDX_TM			(1U << 29)
#define ECX_DTES64		(1U << 2)
#define ECX_DS_CPL		(1U << 4)
#define ECX_SMX			(1U << 6)
#define ECX_EST			(1U << 7)
#define ECX_TM2			(1U << 8)
#define ECX_SDBG		(1U << 11)
#define ECX_PDCM		(1U << 15)
#define ECX_X2APIC		(1U << 21)
#define ECX_TSC_DEADLINE	(1U << 24)
/* leaf 7, subleaf 0 */
#define EBX7_TSC_ADJUST		(1U << 1)
#define EBX7_PQM		(1U << 12)
#define EBX7_PQE		(1U << 15)
#define EBX7_INTEL_PT		(1U << 25)
#define ECX7_PKU		(1U << 3)
#define ECX7_WAITPKG		(1U << 5)
#define EDX7_SPEC_CTRL_ALL	(0xfU << 26 | 1U << 31)	/* 26-29, 31 */
#define EDX7_CORE_CAPS		(1U << 30)	/* IA32_CORE_CAPABILITIES */
/* leaf 0x80000001 */
#define ECX81_EXTAPIC		(1U << 3)
#define ECX81_IBS		(1U << 10)
#define ECX81_SKINIT		(1U << 12)
#define ECX81_WDT		(1U << 13)
#define ECX81_LWP		(1U << 15)
#define ECX81_PERFCTR		(0x3U << 23 | 1U << 28)	/* core, NB, LLC */
/* leaf 0x80000008 EBX: IBPB .. and the SSBD controls */
#define EBX88_SPEC_CTRL_ALL	(0x7fU << 12 | 0x3U << 24)

#define MSR_APIC_BASE		0x0000001b
#define MSR_PATCH_LEVEL		0x0000008b
#define MSR_MISC_ENABLE		0x000001a0
#define MSR_AMD_SYSCFG		0xc0010010
#define MSR_AMD_HWCR		0xc0010015
#define MSR_AMD_DE_CFG		0xc0011029

/*
 * IA32_MISC_ENABLE at reset: fast strings on, no branch trace store and no
 * PEBS (SDM vol. 4, table 2-2), as the performance-monitoring leaves say.
 */
#define MISC_ENABLE_RESET	(1ULL << 0 | 1ULL << 11 | 1ULL << 12)

/*
 * MSRs kept as storage: the guest reads back what it wrote. Linux reads
 * IA32_MISC_ENABLE with a plain RDMSR on Intel (verify_cpu.S, clearing
 * XD_DISABLE, before any exception handler exists), the AMD ones on AMD.
 */
static const struct {
	uint32_t id;
	uint64_t reset;
} stored_msrs[] = {
	{ MSR_PATCH_LEVEL, 0 },
	{ MSR_MISC_ENABLE, MISC_ENABLE_RESET },
	{ MSR_AMD_SYSCFG, 0 },
	{ MSR_AMD_HWCR, 0 },
	{ MSR_AMD_DE_CFG, 0 },
};

#define NR_STORED	(sizeof(stored_msrs) / sizeof(stored_msrs[0]))

struct x86_cpu {
	uint64_t msr[NR_STORED];
};

static struct axvcpu_cpuid_entry cpuid[MAX_CPUID];
static unsigned int cpuid_nent;
static bool debug;

void x86_cpu_init(struct vmm *vmm)
{
	const char *d = getenv("AXVCPU_RUN_DEBUG");
	unsigned int i;

	debug = d && *d && strcmp(d, "0");
	cpuid_nent = vmm->hv->get_cpuid(vmm, cpuid, MAX_CPUID);
	for (i = 0; i < cpuid_nent; i++) {
		struct axvcpu_cpuid_entry *e = &cpuid[i];

		switch (e->function) {
		case 1:
			e->edx &= ~(EDX_MCE | EDX_MTRR | EDX_MCA | EDX_ACPI |
				    EDX_TM);
			e->ecx &= ~(ECX_DTES64 | ECX_DS_CPL | ECX_SMX |
				    ECX_EST | ECX_TM2 | ECX_SDBG | ECX_PDCM |
				    ECX_TSC_DEADLINE);
			/* KVM keeps the x2APIC MSRs to itself: none there */
			if (vmm->hv == &vmm_hv_axvcpu)
				e->ecx |= ECX_X2APIC;
			else
				e->ecx &= ~ECX_X2APIC;
			break;
		case 6:		/* thermal and power: only ARAT */
			e->eax &= 1U << 2;
			e->ebx = e->ecx = e->edx = 0;
			break;
		case 7:
			if (e->index)
				break;
			e->ebx &= ~(EBX7_TSC_ADJUST | EBX7_PQM | EBX7_PQE |
				    EBX7_INTEL_PT);
			e->ecx &= ~(ECX7_PKU | ECX7_WAITPKG);
			e->edx &= ~(EDX7_SPEC_CTRL_ALL | EDX7_CORE_CAPS);
			break;
		case 0xa:	/* architectural performance monitoring */
			e->eax = e->ebx = e->ecx = e->edx = 0;
			break;
		case 0x80000001:
			e->ecx &= ~(ECX81_EXTAPIC | ECX81_IBS | ECX81_SKINIT |
				    ECX81_WDT | ECX81_LWP | ECX81_PERFCTR);
			break;
		case 0x80000007:	/* only the invariant TSC */
			e->edx &= 1U << 8;
			break;
		case 0x80000008:
			e->ebx &= ~EBX88_SPEC_CTRL_ALL;
			break;
		}
	}
}

void x86_cpu_vcpu_init(struct vmm_vcpu *v)
{
	struct axvcpu_cpuid_entry table[MAX_CPUID];
	unsigned int i;

	v->arch = calloc(1, sizeof(struct x86_cpu));
	if (!v->arch)
		vmm_die(VMM_EXIT_FAILURE, "out of memory");
	for (i = 0; i < NR_STORED; i++)
		((struct x86_cpu *)v->arch)->msr[i] = stored_msrs[i].reset;
	memcpy(table, cpuid, cpuid_nent * sizeof(*table));
	for (i = 0; i < cpuid_nent; i++) {
		struct axvcpu_cpuid_entry *e = &table[i];

		/* the vCPU's APIC ID, where each leaf gives it */
		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | v->id << 24;
		else if (e->function == 0xb || e->function == 0x1f)
			e->edx = v->id;
		else if (e->function == 0x8000001e)
			e->eax = v->id;
	}
	v->vmm->hv->set_cpuid(v, table, cpuid_nent);
}

static bool cpu_msr(struct vmm_vcpu *vcpu, bool write, uint64_t id,
		    uint64_t *value)
{
	struct x86_cpu *cpu = vcpu->arch;
	unsigned int i;

	if (id == MSR_APIC_BASE)
		return lapic_base_msr(vcpu, write, value);
	if (lapic_x2apic_msr(vcpu, write, id, value))
		return true;

	for (i = 0; i < NR_STORED; i++) {
		if (stored_msrs[i].id != id)
			continue;
		if (write)
			cpu->msr[i] = *value;
		else
			*value = cpu->msr[i];
		return true;
	}
	if (debug)
		vmm_warn("vCPU %u: %s of MSR %#llx: #GP", vcpu->id,
			 write ? "WRMSR" : "RDMSR", (unsigned long long)id);
	return false;
}

/*
 * Under vmm->lock, as port and MMIO accesses are (vmm_device_access()):
 * the local APIC's MSRs change the state its timer and other vCPUs' IPIs
 * change from other threads (IRR, ISR, the timer's deadline). Without it
 * an EOI racing the timer thread's next interrupt lost one of the two
 * updates of ISR/IRR, and the guest's timer interrupts stopped for good.
 */
bool arch_sysreg(struct vmm_vcpu *vcpu, bool write, uint64_t id,
		 uint64_t *value)
{
	bool ok;

	pthread_mutex_lock(&vcpu->vmm->lock);
	ok = cpu_msr(vcpu, write, id, value);
	pthread_mutex_unlock(&vcpu->vmm->lock);
	return ok;
}
