// SPDX-License-Identifier: GPL-2.0
/*
 * axvcpu_svm_bare: the floor axvcpu_bench compares axvcpu's in-kernel exit
 * with (issue 19: at most 1.3x of it). Not part of axvcpu: loaded by the
 * bench on the CPU it pins itself to, it runs at load time a guest that
 * executes CPUID in a loop under nested paging, and times chunks of
 * CPUID exits with nothing between #VMEXIT and the next VMRUN but the RIP
 * update: no host state beyond what VMRUN itself saves, no FPU switch, no
 * event injection. The median chunk, per exit, is in the module parameter
 * median_ps (picoseconds) once the load returns; the load fails with
 * -EBUSY when SVM is taken (an axvcpu or KVM VM exists) and -ENODEV
 * without SVM and nested paging.
 */
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/svm.h>

static unsigned int chunks = 200;
module_param(chunks, uint, 0444);
MODULE_PARM_DESC(chunks, "timed chunks of 100 CPUID exits (default 200)");
static unsigned long median_ps;
module_param(median_ps, ulong, 0444);
MODULE_PARM_DESC(median_ps, "result: median picoseconds per CPUID exit");

#define BARE_PER_CHUNK	100
#define BARE_CODE_GPA	0x1000

/* the pages: VMCB, host save area, code, and the NPT levels */
enum { P_VMCB, P_HSAVE, P_CODE, P_PML5, P_PML4, P_PDPT, P_PD, P_PT, NR_PAGES };

#define NPT_PRESENT_RW_USER	0x7ULL	/* NPT walks are user accesses */

/*
 * VMRUN restores RSP and RAX only (APM vol. 2, 15.5.1): the other GPRs
 * come back holding the guest's, so they are saved around it. FS, GS,
 * TR, LDTR and the syscall MSRs are VMLOAD's and VMSAVE's, not VMRUN's:
 * without them the host's stay loaded, which a guest that only runs
 * CPUID never touches.
 */
static noinline void bare_vmrun(unsigned long vmcb_pa)
{
	asm volatile("push %%rbp\n\t"
		     "push %%rbx\n\t"
		     "push %%r12\n\t"
		     "push %%r13\n\t"
		     "push %%r14\n\t"
		     "push %%r15\n\t"
		     "vmrun %%rax\n\t"
		     "pop %%r15\n\t"
		     "pop %%r14\n\t"
		     "pop %%r13\n\t"
		     "pop %%r12\n\t"
		     "pop %%rbx\n\t"
		     "pop %%rbp\n\t"
		     : "+a"(vmcb_pa)
		     :
		     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		       "memory", "cc");
}

static void bare_seg(struct vmcb_seg *s, u16 sel, u16 attr, u32 limit)
{
	s->selector = sel;
	s->attrib = attr;
	s->limit = limit;
	s->base = 0;
}

static void bare_setup(void **pg)
{
	struct vmcb *vmcb = pg[P_VMCB];
	struct vmcb_control_area *c = &vmcb->control;
	struct vmcb_save_area *s = &vmcb->save;
	u8 *code = pg[P_CODE];

	/*
	 * GPA 0x1000 -> the code page, one 4 KiB mapping. Nested walks use
	 * the host's paging mode: five levels under CR4.LA57.
	 */
	((u64 *)pg[P_PML5])[0] = __pa(pg[P_PML4]) | NPT_PRESENT_RW_USER;
	((u64 *)pg[P_PML4])[0] = __pa(pg[P_PDPT]) | NPT_PRESENT_RW_USER;
	((u64 *)pg[P_PDPT])[0] = __pa(pg[P_PD]) | NPT_PRESENT_RW_USER;
	((u64 *)pg[P_PD])[0] = __pa(pg[P_PT]) | NPT_PRESENT_RW_USER;
	((u64 *)pg[P_PT])[BARE_CODE_GPA >> PAGE_SHIFT] =
		__pa(pg[P_CODE]) | NPT_PRESENT_RW_USER;
	/* loop: cpuid; jmp loop */
	code[0] = 0x0f;
	code[1] = 0xa2;
	code[2] = 0xeb;
	code[3] = 0xfc;

	c->intercepts[INTERCEPT_WORD3] = BIT(INTERCEPT_INTR - 96) |
					 BIT(INTERCEPT_NMI - 96) |
					 BIT(INTERCEPT_SMI - 96) |
					 BIT(INTERCEPT_CPUID - 96) |
					 BIT(INTERCEPT_SHUTDOWN - 96);
	c->intercepts[INTERCEPT_WORD4] = BIT(INTERCEPT_VMRUN - 128);
	c->asid = 1;
	c->tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	c->int_ctl = V_INTR_MASKING_MASK;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = __pa(pg[(native_read_cr4() & X86_CR4_LA57) ?
				P_PML5 : P_PML4]);

	/* flat 32-bit protected mode, paging off */
	bare_seg(&s->cs, 0x08, 0xc9b, 0xffffffff);
	bare_seg(&s->ds, 0x10, 0xc93, 0xffffffff);
	s->es = s->ds;
	s->ss = s->ds;
	bare_seg(&s->gdtr, 0, 0, 0xffff);
	bare_seg(&s->idtr, 0, 0, 0xffff);
	s->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	s->efer = EFER_SVME;
	s->rflags = X86_EFLAGS_FIXED;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ULL;
	s->rip = BARE_CODE_GPA;
}

static int bare_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* One chunk: BARE_PER_CHUNK CPUID exits; the nanoseconds they took. */
static u64 bare_chunk(struct vmcb *vmcb)
{
	unsigned int done = 0;
	unsigned long flags;
	u64 t0, t1;

	local_irq_save(flags);
	t0 = ktime_get_ns();
	while (done < BARE_PER_CHUNK) {
		asm volatile("clgi" ::: "memory");
		bare_vmrun(__pa(vmcb));
		asm volatile("stgi" ::: "memory");
		vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
		if (vmcb->control.exit_code == SVM_EXIT_CPUID) {
			vmcb->save.rip += 2;
			done++;
		} else if (vmcb->control.exit_code != SVM_EXIT_INTR &&
			   vmcb->control.exit_code != SVM_EXIT_NMI &&
			   vmcb->control.exit_code != SVM_EXIT_SMI) {
			break;
		}
	}
	t1 = ktime_get_ns();
	local_irq_restore(flags);
	return done == BARE_PER_CHUNK ? t1 - t0 : 0;
}

static int bare_run(void **pg, u64 *t)
{
	u64 efer, hsave;
	unsigned int i;
	int ret = 0;

	preempt_disable();
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		preempt_enable();
		return -EBUSY;
	}
	rdmsrl(MSR_VM_HSAVE_PA, hsave);
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, __pa(pg[P_HSAVE]));
	for (i = 0; i < chunks && !ret; i++) {
		t[i] = bare_chunk(pg[P_VMCB]);
		if (!t[i])
			ret = -EIO;
	}
	wrmsrl(MSR_VM_HSAVE_PA, hsave);
	wrmsrl(MSR_EFER, efer);
	preempt_enable();
	if (ret)
		pr_err("axvcpu_svm_bare: unexpected exit %#x\n",
		       ((struct vmcb *)pg[P_VMCB])->control.exit_code);
	return ret;
}

static int __init bare_init(void)
{
	void *pg[NR_PAGES] = { };
	u64 *t;
	int i, ret = -ENOMEM;

	if (!boot_cpu_has(X86_FEATURE_SVM) || !boot_cpu_has(X86_FEATURE_NPT))
		return -ENODEV;
	if (!chunks)
		return -EINVAL;
	t = kcalloc(chunks, sizeof(*t), GFP_KERNEL);
	for (i = 0; i < NR_PAGES; i++)
		pg[i] = (void *)get_zeroed_page(GFP_KERNEL);
	for (i = 0; i < NR_PAGES; i++)
		if (!pg[i])
			goto out;
	if (!t)
		goto out;
	bare_setup(pg);
	ret = bare_run(pg, t);
	if (!ret) {
		sort(t, chunks, sizeof(*t), bare_cmp, NULL);
		median_ps = t[chunks / 2] * 1000 / BARE_PER_CHUNK;
	}
out:
	for (i = 0; i < NR_PAGES; i++)
		free_page((unsigned long)pg[i]);
	kfree(t);
	return ret;
}

static void __exit bare_exit(void)
{
}

module_init(bare_init);
module_exit(bare_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("axvcpu bench: a bare SVM VMRUN/#VMEXIT loop");
