// SPDX-License-Identifier: GPL-2.0
/*
 * SVM event injection: the interrupts, NMIs and exceptions user space
 * queues, handed to the hardware before each entry (V_IRQ, EVENTINJ: APM
 * vol. 2, 15.20 and 15.21), the NMI blocking SVM leaves to software, and
 * AXVCPU_GET_EVENTS / AXVCPU_SET_EVENTS, which save and restore all of it.
 */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include "svm.h"

/**
 * svm_set_iret_intercept() - intercept IRET while an NMI handler runs
 * @svm: the vCPU
 * @on: intercept it, or not
 */
void svm_set_iret_intercept(struct svm_vcpu *svm, bool on)
{
	u32 *w3 = &svm->vmcb->control.intercepts[INTERCEPT_WORD3];

	if (on)
		*w3 |= BIT(INTERCEPT_IRET - 96);
	else
		*w3 &= ~BIT(INTERCEPT_IRET - 96);
}

/**
 * svm_nmi_iret() - the guest's IRET while an injected NMI is masked
 * @svm: the vCPU, at the IRET exit (the IRET has not run yet)
 *
 * Without the vNMI feature SVM keeps no NMI blocking for an NMI injected
 * through EVENTINJ (APM vol. 2, 15.20 "Event Injection"): the backend
 * does, and the handler's IRET ends it. The next NMI waits for the exit
 * after this one, so that it is not delivered before the IRET has run.
 */
void svm_nmi_iret(struct svm_vcpu *svm)
{
	svm->x86.nmi_masked = false;
	svm->x86.nmi_after_iret = true;
	svm_set_iret_intercept(svm, false);
}

/**
 * svm_inject_event() - hand a queued exception or NMI to the hardware
 * @svm: the vCPU, about to enter
 *
 * Puts a queued exception or NMI in EVENTINJ (APM vol. 2, 15.20) when it is
 * free: it still holds an event whose delivery an exit interrupted. An
 * exception user space queued goes first; an NMI waits while the guest
 * is in an NMI handler, right after its IRET, and in an interrupt shadow.
 *
 * Return: SVM_TOOK_* (what svm_untake_event() gives back).
 */
int svm_inject_event(struct svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct x86_vcpu *xv = &svm->x86;
	struct x86_exception *e = &xv->exception;

	if (c->event_inj & SVM_EVTINJ_VALID)
		return SVM_TOOK_NOTHING;
	if (e->pending) {
		c->event_inj = e->vector | SVM_EVTINJ_TYPE_EXEPT |
			       SVM_EVTINJ_VALID;
		/* Real mode pushes no error code. */
		if (e->has_error && (svm->vmcb->save.cr0 & X86_CR0_PE)) {
			c->event_inj |= SVM_EVTINJ_VALID_ERR;
			c->event_inj_err = e->error;
		}
		if (e->vector == PF_VECTOR)
			svm->vmcb->save.cr2 = e->cr2;
		e->pending = false;
		return SVM_TOOK_EXCEPTION;
	}
	/* A plain read first: no locked operation on entries without an NMI. */
	if (!test_bit(0, &xv->nmi_pending) || xv->nmi_masked ||
	    xv->nmi_after_iret || (c->int_state & SVM_INTERRUPT_SHADOW_MASK) ||
	    !test_and_clear_bit(0, &xv->nmi_pending))
		return SVM_TOOK_NOTHING;
	c->event_inj = X86_TRAP_NMI | SVM_EVTINJ_TYPE_NMI | SVM_EVTINJ_VALID;
	xv->nmi_masked = true;
	svm_set_iret_intercept(svm, true);
	return SVM_TOOK_NMI;
}

/**
 * svm_inject_pending() - hand a queued interrupt to the hardware
 * @svm: the vCPU, about to enter
 *
 * As a virtual interrupt (V_IRQ), which the CPU delivers once the guest
 * can take it.
 */
void svm_inject_pending(struct svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	int vector;

	if (c->int_ctl & V_IRQ_MASK)
		return;
	vector = x86_next_interrupt(&svm->x86);
	if (vector < 0)
		return;
	c->int_vector = vector;
	c->int_ctl |= V_IRQ_MASK | V_INTR_PRIO_MASK | V_IGN_TPR_MASK;
}

/**
 * svm_untake_event() - a refused entry gives back what it was to deliver
 * @svm: the vCPU
 * @took: svm_inject_event()'s return value for that entry
 */
void svm_untake_event(struct svm_vcpu *svm, int took)
{
	svm->vmcb->control.event_inj = 0;
	if (took == SVM_TOOK_EXCEPTION) {
		svm->x86.exception.pending = true;
	} else if (took == SVM_TOOK_NMI) {
		set_bit(0, &svm->x86.nmi_pending);
		svm->x86.nmi_masked = false;
		svm_set_iret_intercept(svm, false);
	}
}

/**
 * svm_get_events() - AXVCPU_GET_EVENTS
 * @vcpu: the vCPU (lock held)
 * @ev: zeroed; the x86 part is filled in
 *
 * A vector in V_IRQ that the guest has not taken yet counts as queued.
 */
void svm_get_events(struct axvcpu_vcpu *vcpu, struct axvcpu_events *ev)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct axvcpu_x86_events *e = &ev->x86;
	struct x86_vcpu *xv = &svm->x86;

	x86_events_get_queued(xv, e);
	e->interrupt_shadow = !!(c->int_state & SVM_INTERRUPT_SHADOW_MASK);
	e->nmi_masked = xv->nmi_masked;
	if (c->event_inj & SVM_EVTINJ_VALID) {
		/* SVM's EVENTINJ types are the AXVCPU_X86_EVENT_* values. */
		e->injected_valid = 1;
		e->injected_type = (c->event_inj & SVM_EVTINJ_TYPE_MASK) >>
				   SVM_EVTINJ_TYPE_SHIFT;
		e->injected_vector = c->event_inj & SVM_EVTINJ_VEC_MASK;
		e->injected_has_error_code = !!(c->event_inj &
						SVM_EVTINJ_VALID_ERR);
		if (e->injected_has_error_code)
			e->injected_error_code = c->event_inj_err;
	}
	if (c->int_ctl & V_IRQ_MASK)
		e->pending_irqs[c->int_vector / 64] |= BIT_ULL(c->int_vector % 64);
}

/**
 * svm_set_events() - AXVCPU_SET_EVENTS
 * @vcpu: the vCPU (lock held)
 * @ev: the events, arch and flags checked by the core
 *
 * Replaces every event in flight, the queued vectors included (an
 * INJECT_INTERRUPT racing with it from another thread may be lost).
 *
 * Return: 0, or -EINVAL for fields out of range or inconsistent (nothing
 * changes then).
 */
int svm_set_events(struct axvcpu_vcpu *vcpu, const struct axvcpu_events *ev)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;
	const struct axvcpu_x86_events *e = &ev->x86;
	struct x86_vcpu *xv = &svm->x86;

	if (!x86_events_valid(e))
		return -EINVAL;
	x86_events_set_queued(xv, e);
	c->int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
	if (e->interrupt_shadow)
		c->int_state |= SVM_INTERRUPT_SHADOW_MASK;
	xv->nmi_masked = e->nmi_masked;
	svm_set_iret_intercept(svm, e->nmi_masked);
	c->event_inj = 0;
	c->event_inj_err = 0;
	if (e->injected_valid) {
		c->event_inj = e->injected_vector | SVM_EVTINJ_VALID |
			       (e->injected_type << SVM_EVTINJ_TYPE_SHIFT);
		if (e->injected_has_error_code) {
			c->event_inj |= SVM_EVTINJ_VALID_ERR;
			c->event_inj_err = e->injected_error_code;
		}
	}
	c->int_ctl &= ~V_IRQ_MASK;
	return 0;
}
