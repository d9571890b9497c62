// SPDX-License-Identifier: GPL-2.0
/*
 * VMCB clean bits (APM vol. 2, 15.15.3): a set bit tells VMRUN that its
 * group of VMCB fields is unchanged since the last #VMEXIT of this VMCB
 * on this CPU, so the CPU may use the copy it cached.
 *
 * Instead of marking a group dirty at each of the many places that write
 * the VMCB (a missed one would run the guest with stale state, and no
 * emulator here implements the cache to show it), the groups are compared
 * with a copy taken at the last #VMEXIT: a group is clean only if every
 * byte of it is equal. The cost is a small copy per exit and a compare per
 * entry; the result is never wrong as long as the copy lists a group's
 * fields completely. The LBR and AVIC groups are not used by axvcpu and
 * are always dirty.
 */
#include <linux/string.h>
#include <asm/cpufeature.h>
#include "svm.h"

/* VMCB clean field bits, APM vol. 2, table 15-10 */
#define SVM_CLEAN_I	BIT(0)	/* intercepts, TSC offset, pause filter */
#define SVM_CLEAN_IOPM	BIT(1)	/* IOPM_BASE_PA, MSRPM_BASE_PA */
#define SVM_CLEAN_ASID	BIT(2)
#define SVM_CLEAN_TPR	BIT(3)	/* V_TPR, V_IRQ, ..., V_INTR_VECTOR */
#define SVM_CLEAN_NP	BIT(4)	/* NP_ENABLE, N_CR3, G_PAT */
#define SVM_CLEAN_CRX	BIT(5)	/* CR0, CR3, CR4, EFER */
#define SVM_CLEAN_DRX	BIT(6)	/* DR6, DR7 */
#define SVM_CLEAN_DT	BIT(7)	/* GDTR, IDTR */
#define SVM_CLEAN_SEG	BIT(8)	/* CS, DS, SS, ES, CPL */
#define SVM_CLEAN_CR2	BIT(9)

static void svm_clean_take(struct svm_clean_groups *g, const struct vmcb *vmcb)
{
	const struct vmcb_control_area *c = &vmcb->control;
	const struct vmcb_save_area *s = &vmcb->save;

	/* zeroed first: the groups are compared whole, padding included */
	memset(g, 0, sizeof(*g));
	memcpy(g->i.intercepts, c->intercepts, sizeof(g->i.intercepts));
	g->i.pf_thresh = c->pause_filter_thresh;
	g->i.pf_count = c->pause_filter_count;
	g->i.tsc_offset = c->tsc_offset;
	g->iopm.iopm = c->iopm_base_pa;
	g->iopm.msrpm = c->msrpm_base_pa;
	g->asid = c->asid;
	g->tpr.int_ctl = c->int_ctl;
	g->tpr.int_vector = c->int_vector;
	g->np.nested_ctl = c->nested_ctl;
	g->np.ncr3 = c->nested_cr3;
	g->np.g_pat = s->g_pat;
	g->crx.cr0 = s->cr0;
	g->crx.cr3 = s->cr3;
	g->crx.cr4 = s->cr4;
	g->crx.efer = s->efer;
	g->drx.dr6 = s->dr6;
	g->drx.dr7 = s->dr7;
	g->dt.gdtr = s->gdtr;
	g->dt.idtr = s->idtr;
	g->seg.es = s->es;
	g->seg.cs = s->cs;
	g->seg.ss = s->ss;
	g->seg.ds = s->ds;
	g->seg.cpl = s->cpl;
	g->cr2 = s->cr2;
}

/* @bit when the group at @now equals the one at @then, else 0 */
static u32 svm_clean_if_same(const void *now, const void *then, size_t len,
			     u32 bit)
{
	return memcmp(now, then, len) ? 0 : bit;
}

/**
 * svm_clean_bits() - set the VMCB's clean field for the coming VMRUN
 * @svm: the vCPU about to enter
 * @same_cpu_vmcb: this CPU's last VMRUN was of this VMCB, since this CPU
 *	enabled SVM (no other VMCB, no other CPU in between)
 *
 * Context: interrupts disabled, right before VMRUN.
 */
void svm_clean_bits(struct svm_vcpu *svm, bool same_cpu_vmcb)
{
	struct svm_clean_groups *now = &svm->clean_now;
	const struct svm_clean_groups *then = &svm->clean_then;
	u32 clean = 0;

	if (boot_cpu_has(X86_FEATURE_VMCBCLEAN) && svm->clean_valid &&
	    same_cpu_vmcb) {
		svm_clean_take(now, svm->vmcb);
		clean |= svm_clean_if_same(&now->i, &then->i,
					   sizeof(now->i), SVM_CLEAN_I);
		clean |= svm_clean_if_same(&now->iopm, &then->iopm,
					   sizeof(now->iopm), SVM_CLEAN_IOPM);
		clean |= svm_clean_if_same(&now->asid, &then->asid,
					   sizeof(now->asid), SVM_CLEAN_ASID);
		clean |= svm_clean_if_same(&now->tpr, &then->tpr,
					   sizeof(now->tpr), SVM_CLEAN_TPR);
		clean |= svm_clean_if_same(&now->np, &then->np,
					   sizeof(now->np), SVM_CLEAN_NP);
		clean |= svm_clean_if_same(&now->crx, &then->crx,
					   sizeof(now->crx), SVM_CLEAN_CRX);
		clean |= svm_clean_if_same(&now->drx, &then->drx,
					   sizeof(now->drx), SVM_CLEAN_DRX);
		clean |= svm_clean_if_same(&now->dt, &then->dt,
					   sizeof(now->dt), SVM_CLEAN_DT);
		clean |= svm_clean_if_same(&now->seg, &then->seg,
					   sizeof(now->seg), SVM_CLEAN_SEG);
		clean |= svm_clean_if_same(&now->cr2, &then->cr2,
					   sizeof(now->cr2), SVM_CLEAN_CR2);
	}
	svm->vmcb->control.clean = clean;
}

/**
 * svm_clean_after_exit() - remember the VMCB as the CPU left it
 * @svm: the vCPU that just exited
 * @entered: the VMRUN entered the guest (not VMEXIT_INVALID: after a
 *	refused entry nothing is known to be cached)
 */
void svm_clean_after_exit(struct svm_vcpu *svm, bool entered)
{
	svm->clean_valid = entered && boot_cpu_has(X86_FEATURE_VMCBCLEAN);
	if (svm->clean_valid)
		svm_clean_take(&svm->clean_then, svm->vmcb);
}
