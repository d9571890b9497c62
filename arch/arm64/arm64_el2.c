// SPDX-License-Identifier: GPL-2.0
/*
 * EL2 ownership. A kernel booted at EL2 without VHE leaves the hyp stub
 * there (arch/arm64/kernel/hyp-stub.S), whose HVC_SET_VECTORS hands EL2
 * to whoever asks while nobody else holds it (KVM gives it back when its
 * last VM goes). axvcpu takes it on each CPU when its first VM is created
 * (hardware_enable) and gives it back (HVC_RESET_VECTORS, our vectors
 * serve the stub's calls meanwhile) after its last VM and when a CPU goes
 * offline.
 *
 * Its EL2 code is arm64_hyp.S, copied into pages of its own. It runs with
 * the EL2 MMU on through an identity map of the kernel's RAM (normal
 * write-back memory, execute-never) and of those pages (read-only,
 * executable): Arm ARM D8 "The AArch64 Virtual Memory System
 * Architecture", 4 KiB granule, 48-bit input, TTBR0_EL2 alone (nVHE).
 */
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/ioport.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/cacheflush.h>
#include <asm/cpufeature.h>
#include <asm/kvm_arm.h>
#include <asm/sysreg.h>
#include <asm/virt.h>
#include "arm64.h"

/* EL2 stage 1 descriptors (D8.3): AttrIndx 0 is MAIR_EL2's attribute 0 */
#define EL2_VALID	BIT_ULL(0)
#define EL2_TABLE	BIT_ULL(1)	/* a table at levels 0-2, a page at 3 */
#define EL2_AP_RES1	BIT_ULL(6)	/* AP[1]: RES1 in the EL2 regime */
#define EL2_AP_RO	BIT_ULL(7)
#define EL2_SH_INNER	(3ULL << 8)
#define EL2_AF		BIT_ULL(10)
#define EL2_XN		BIT_ULL(54)
#define EL2_ADDR	GENMASK_ULL(47, 12)
#define EL2_MAIR	0xffULL		/* attribute 0: normal, write-back */
#define EL2_STACK_ORDER	1

#define EL2_PROT_RAM	(EL2_AP_RES1 | EL2_SH_INNER | EL2_AF | EL2_XN)
#define EL2_PROT_TEXT	(EL2_AP_RES1 | EL2_AP_RO | EL2_SH_INNER | EL2_AF)

unsigned int arm64_pa_bits;
unsigned int arm64_parange;
static u64 arm64_stub_pa;
static struct page *arm64_hyp_text;
static unsigned int arm64_hyp_order;
static u64 *arm64_el2_root;
static bool arm64_el2_map_failed;

/* serializes additions to the identity map once EL2 walks it */
static DEFINE_MUTEX(arm64_el2_map_lock);

static DEFINE_PER_CPU(struct arm64_hyp_cpu *, arm64_hyp_cpu);
static DEFINE_PER_CPU(bool, arm64_el2_owned);

/*
 * kallsyms_lookup_name() is not exported; a kprobe registered on it
 * tells its address (the kprobe goes again at once).
 */
static unsigned long arm64_lookup(const char *name)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long (*lookup)(const char *name);
	int ret = register_kprobe(&kp);

	if (ret < 0)
		return 0;
	lookup = (void *)kp.addr;
	unregister_kprobe(&kp);
	return lookup ? lookup(name) : 0;
}

/* Clean [start, start + size) to the point of coherency (EL2, MMU off) */
static void arm64_clean_poc(const void *start, size_t size)
{
	unsigned long line = 4UL << ((read_cpuid_cachetype() >> 16) & 0xf);
	unsigned long a = (unsigned long)start & ~(line - 1);
	unsigned long end = (unsigned long)start + size;

	for (; a < end; a += line)
		asm volatile("dc civac, %0" : : "r"(a) : "memory");
	dsb(sy);
}

/*
 * Map [start, end) (page-aligned physical addresses, identity) with @prot
 * below @table at @level: blocks where a whole aligned one fits and
 * nothing is mapped yet, tables elsewhere; entries already there stay
 * (the text pages are mapped first, then RAM around them).
 */
static int el2_map(u64 *table, unsigned int level, u64 start, u64 end,
		   u64 prot)
{
	unsigned int shift = 39 - 9 * level;
	u64 addr, next;

	for (addr = start; addr < end; addr = next) {
		u64 *e = &table[(addr >> shift) & 511];
		u64 *sub;
		int ret;

		next = min(end, (addr | (BIT_ULL(shift) - 1)) + 1);
		if (level == 3) {
			if (!(*e & EL2_VALID))
				*e = addr | prot | EL2_VALID | EL2_TABLE;
			continue;
		}
		if (*e & EL2_VALID) {
			if (!(*e & EL2_TABLE))
				continue;
			sub = __va(*e & EL2_ADDR);
		} else if (level > 0 && !(addr & (BIT_ULL(shift) - 1)) &&
			   next - addr == BIT_ULL(shift)) {
			*e = addr | prot | EL2_VALID;
			continue;
		} else {
			sub = (u64 *)get_zeroed_page(GFP_KERNEL);
			if (!sub)
				return -ENOMEM;
			*e = __pa(sub) | EL2_VALID | EL2_TABLE;
		}
		ret = el2_map(sub, level + 1, addr, next, prot);
		if (ret)
			return ret;
	}
	return 0;
}

/* Is @pa mapped in the identity map (a software walk of it)? */
static bool el2_mapped(u64 pa)
{
	u64 *table = arm64_el2_root;
	unsigned int level;

	for (level = 0; level <= 3; level++) {
		u64 e = table[(pa >> (39 - 9 * level)) & 511];

		if (!(e & EL2_VALID))
			return false;
		if (level == 3 || !(e & EL2_TABLE))
			return true;
		table = __va(e & EL2_ADDR);
	}
	return false;
}

static void el2_free(u64 *table, unsigned int level)
{
	unsigned int i;

	for (i = 0; level < 3 && i < 512; i++)
		if ((table[i] & (EL2_VALID | EL2_TABLE)) == (EL2_VALID | EL2_TABLE))
			el2_free(__va(table[i] & EL2_ADDR), level + 1);
	free_page((unsigned long)table);
}

static int el2_map_ram(struct resource *res, void *arg)
{
	u64 start = PAGE_ALIGN(res->start), end = (res->end + 1) & PAGE_MASK;

	if (end > BIT_ULL(arm64_pa_bits)) {
		*(bool *)arg = true;	/* RAM the map cannot reach */
		return 0;
	}
	if (start < end && el2_map(arm64_el2_root, 0, start, end, EL2_PROT_RAM))
		arm64_el2_map_failed = true;
	return 0;
}

static void arm64_el2_free_cpus(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct arm64_hyp_cpu *hc = per_cpu(arm64_hyp_cpu, cpu);

		if (!hc)
			continue;
		free_pages((unsigned long)__va(hc->sp) - (PAGE_SIZE << EL2_STACK_ORDER),
			   EL2_STACK_ORDER);
		free_page((unsigned long)hc);
		per_cpu(arm64_hyp_cpu, cpu) = NULL;
	}
}

/**
 * arm64_el2_setup() - prepare everything EL2 needs, take nothing yet
 *
 * Return: 0, or a negative errno (one log line says why).
 */
int arm64_el2_setup(void)
{
	size_t size = __axv_hyp_end - __axv_hyp_start;
	u64 mmfr0 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR0_EL1);
	unsigned int parange = cpuid_feature_extract_unsigned_field(mmfr0,
					ID_AA64MMFR0_EL1_PARANGE_SHIFT);
	unsigned long stub = arm64_lookup("__hyp_stub_vectors");
	phys_addr_t text;
	bool high = false;
	u64 tcr;
	int cpu;

	/*
	 * With 4 KiB pages and no FEAT_LPA2, translation outputs stop at 48
	 * bits (D8.2.3): EL2's map and stage 2 use at most that, and RAM
	 * above it is refused below.
	 */
	arm64_parange = min(parange, 5U);	/* 0b0101: 48 bits */
	arm64_pa_bits = id_aa64mmfr0_parange_to_phys_shift(arm64_parange);
	if (!stub) {
		pr_info("axvcpu: the kernel's hyp stub vectors are not found (kprobes off?)\n");
		return -ENODEV;
	}
	arm64_stub_pa = __pa_symbol(stub);

	arm64_hyp_order = get_order(size);
	arm64_hyp_text = alloc_pages(GFP_KERNEL | __GFP_ZERO, arm64_hyp_order);
	arm64_el2_root = (u64 *)get_zeroed_page(GFP_KERNEL);
	if (!arm64_hyp_text || !arm64_el2_root)
		goto nomem;
	memcpy(page_address(arm64_hyp_text), __axv_hyp_start, size);
	text = page_to_phys(arm64_hyp_text);
	/* EL2 fetches the first call with its MMU off: from memory */
	arm64_clean_poc(page_address(arm64_hyp_text), size);
	asm volatile("ic ialluis" : : : "memory");
	dsb(ish);
	isb();

	if (el2_map(arm64_el2_root, 0, text, text + PAGE_ALIGN(size), EL2_PROT_TEXT))
		goto nomem;
	arm64_el2_map_failed = false;
	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
			    0, -1, &high, el2_map_ram);
	if (arm64_el2_map_failed)
		goto nomem;
	if (high) {
		pr_info("axvcpu: RAM above %u bits of physical address: EL2's map cannot reach it\n",
			arm64_pa_bits);
		arm64_el2_teardown();
		return -ENODEV;
	}

	/* D13.2.131 TCR_EL2 (nVHE): T0SZ 16, walks write-back inner shareable */
	tcr = TCR_EL2_RES1 | (16 << TCR_T0SZ_OFFSET) | TCR_IRGN0_WBWA |
	      TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K |
	      ((u64)arm64_parange << TCR_EL2_PS_SHIFT);
	for_each_possible_cpu(cpu) {
		struct arm64_hyp_cpu *hc = (void *)get_zeroed_page(GFP_KERNEL);
		unsigned long stack = __get_free_pages(GFP_KERNEL, EL2_STACK_ORDER);

		if (!hc || !stack) {
			free_page((unsigned long)hc);
			free_pages(stack, EL2_STACK_ORDER);
			goto nomem;
		}
		hc->stub = arm64_stub_pa;
		hc->host_vectors = text + (__axv_hyp_host_vectors - __axv_hyp_start);
		hc->guest_vectors = text + (__axv_hyp_guest_vectors - __axv_hyp_start);
		hc->mair = EL2_MAIR;
		hc->tcr = tcr;
		hc->ttbr = __pa(arm64_el2_root);
		hc->sctlr = INIT_SCTLR_EL2_MMU_ON;
		hc->vtcr = arm64_s2_vtcr();
		hc->sp = __pa(stack) + (PAGE_SIZE << EL2_STACK_ORDER);
		per_cpu(arm64_hyp_cpu, cpu) = hc;
	}
	return 0;

nomem:
	pr_info("axvcpu: no memory for the EL2 code and tables\n");
	arm64_el2_teardown();
	return -ENOMEM;
}

/**
 * arm64_el2_map_page() - make the RAM page at @pa reachable at EL2
 * @pa: its physical address, page aligned
 *
 * The identity map covers the RAM there was when the module loaded; a
 * page from memory hot-added since (a vCPU's context) is mapped here. New
 * entries only fill invalid ones, and no TLB holds a translation that
 * faulted (Arm ARM D8, "Translation Lookaside Buffers"), so no TLBI; the
 * DSB makes them visible to every CPU's walks before the page is used.
 *
 * Return: 0, -ENOMEM, or -ERANGE past the map's output size.
 */
int arm64_el2_map_page(phys_addr_t pa)
{
	int ret;

	if (pa + PAGE_SIZE > BIT_ULL(arm64_pa_bits))
		return -ERANGE;
	/* el2_map() leaves what is mapped already (a block of the boot RAM) */
	mutex_lock(&arm64_el2_map_lock);
	ret = el2_map(arm64_el2_root, 0, pa, pa + PAGE_SIZE, EL2_PROT_RAM);
	mutex_unlock(&arm64_el2_map_lock);
	dsb(ishst);
	return ret;
}

/**
 * arm64_el2_unmapped_pa() - a page EL2's identity map does not map
 * @pa: set to it
 *
 * What an injected EL2 fault hands A64_HVC_RUN as the context
 * (arm64_debugfs.c): the last page below the map's output size, else
 * page 0, whichever is not mapped.
 *
 * Return: true when one was found.
 */
bool arm64_el2_unmapped_pa(u64 *pa)
{
	u64 top = BIT_ULL(arm64_pa_bits) - PAGE_SIZE;
	bool found = true;

	mutex_lock(&arm64_el2_map_lock);
	if (!el2_mapped(top))
		*pa = top;
	else if (!el2_mapped(0))
		*pa = 0;
	else
		found = false;
	mutex_unlock(&arm64_el2_map_lock);
	return found;
}

/**
 * arm64_el2_teardown() - free what arm64_el2_setup() allocated
 *
 * Context: EL2 given back on every CPU.
 */
void arm64_el2_teardown(void)
{
	arm64_el2_free_cpus();
	if (arm64_el2_root)
		el2_free(arm64_el2_root, 0);
	arm64_el2_root = NULL;
	if (arm64_hyp_text)
		__free_pages(arm64_hyp_text, arm64_hyp_order);
	arm64_hyp_text = NULL;
}

/**
 * arm64_el2_take() - install axvcpu's EL2 on this CPU
 *
 * HVC_SET_VECTORS to the stub, then A64_HVC_INIT (MMU on), then a ping
 * that only our vectors answer so: proof that EL2 is ours.
 *
 * Context: preemption disabled.
 * Return: 0, or -EBUSY when EL2 is someone else's (KVM with a VM alive).
 */
int arm64_el2_take(void)
{
	struct arm64_hyp_cpu *hc = this_cpu_read(arm64_hyp_cpu);
	u64 ret;

	if (this_cpu_read(arm64_el2_owned))
		return 0;
	/* A64_HVC_INIT reads it with the MMU off */
	arm64_clean_poc(hc, sizeof(*hc));
	ret = arm64_hyp_call(HVC_SET_VECTORS, hc->host_vectors);
	if (ret) {
		pr_info_ratelimited("axvcpu: EL2 is not free on CPU %d (KVM has a VM?): %#llx\n",
				    smp_processor_id(), ret);
		return -EBUSY;
	}
	ret = arm64_hyp_call(A64_HVC_INIT, __pa(hc));
	if (!ret)
		ret = arm64_hyp_call(A64_HVC_PING, 0) != A64_HVC_PONG;
	if (ret) {
		/* vectors installed, but not answering as ours: put the stub back */
		arm64_hyp_call(HVC_RESET_VECTORS, 0);
		pr_info_ratelimited("axvcpu: EL2 did not answer as ours on CPU %d\n",
				    smp_processor_id());
		return -EBUSY;
	}
	this_cpu_write(arm64_el2_owned, true);
	return 0;
}

/**
 * arm64_el2_give_back() - the kernel's stub back in EL2 on this CPU
 *
 * Context: preemption disabled.
 */
void arm64_el2_give_back(void)
{
	if (!this_cpu_read(arm64_el2_owned))
		return;
	arm64_hyp_call(HVC_RESET_VECTORS, 0);
	this_cpu_write(arm64_el2_owned, false);
}

/**
 * arm64_el2_run() - enter the guest of @ctx on this CPU
 * @ctx: the vCPU's context (in the identity map: the kernel's RAM)
 *
 * EL2 may have lost our vectors (a CPU that went through a power-down
 * state comes back with the kernel's stub): the stub refuses the unknown
 * call, EL2 is taken again and the entry made once more.
 *
 * Context: interrupts disabled.
 * Return: an A64_EXIT_* code, or 0 when EL2 cannot be had.
 */
u64 arm64_el2_run(struct arm64_ctx *ctx)
{
	u64 pa = __pa(ctx), ret;

	/* a test's injected fault: a context EL2 cannot reach */
	if (unlikely(arm64_el2_fault_armed()))
		arm64_el2_fault_take(&pa);
	ret = arm64_hyp_call(A64_HVC_RUN, pa);
	if (ret != HVC_STUB_ERR)
		return ret;
	this_cpu_write(arm64_el2_owned, false);
	/* after the reboot notifier gave EL2 back, it stays the stub's */
	if (axvcpu_hardware_stopped() || arm64_el2_take())
		return 0;
	return arm64_hyp_call(A64_HVC_RUN, pa);
}

/**
 * arm64_el2_panic_info() - what EL2 recorded of an exception it took
 * @esr: ESR_EL2
 * @elr: ELR_EL2
 * @far: FAR_EL2
 *
 * Return: true when a test injected it (arm64_debugfs.c).
 */
bool arm64_el2_panic_info(u64 *esr, u64 *elr, u64 *far)
{
	struct arm64_hyp_cpu *hc = this_cpu_read(arm64_hyp_cpu);

	*esr = hc->panic_esr;
	*elr = hc->panic_elr;
	*far = hc->panic_far;
	return arm64_el2_fault_injected();
}
