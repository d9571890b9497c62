// SPDX-License-Identifier: GPL-2.0
/*
 * AXVCPU_GET_EVENTS / AXVCPU_SET_EVENTS, the part both x86 vendors share:
 * the checks on a struct axvcpu_x86_events and the events queued in
 * software (the NMI, the exception and the vectors user space injected and
 * the hardware has not been handed yet). The interrupt shadow, the NMI
 * blocking and the event in flight live in the vendor's control block.
 */
#include <linux/bitmap.h>
#include <linux/string.h>
#include <asm/traps.h>
#include "x86.h"

/* An event in flight the hardware can deliver (the SDM's rules of 26.2.1.3). */
static bool x86_injected_valid(const struct axvcpu_x86_events *e)
{
	if (!e->injected_valid)
		return !e->injected_type && !e->injected_vector &&
		       !e->injected_has_error_code && !e->injected_error_code;
	if (e->injected_has_error_code > 1 ||
	    (!e->injected_has_error_code && e->injected_error_code))
		return false;
	switch (e->injected_type) {
	case AXVCPU_X86_EVENT_INTR:
	case AXVCPU_X86_EVENT_SOFT_INTR:
		return !e->injected_has_error_code;
	case AXVCPU_X86_EVENT_NMI:
		return e->injected_vector == X86_TRAP_NMI &&
		       !e->injected_has_error_code;
	case AXVCPU_X86_EVENT_EXCEPTION:
		return x86_exception_valid(e->injected_vector,
					   e->injected_has_error_code,
					   e->injected_error_code, 0);
	}
	return false;
}

/**
 * x86_events_valid() - may SET_EVENTS take @e?
 * @e: the x86 events
 *
 * Return: true when every field is in range and consistent.
 */
bool x86_events_valid(const struct axvcpu_x86_events *e)
{
	if (e->interrupt_shadow > 1 || e->nmi_pending > 1 ||
	    e->nmi_masked > 1 || e->exception_pending > 1 ||
	    e->exception_has_error_code > 1 || e->injected_valid > 1 ||
	    memchr_inv(e->pad, 0, sizeof(e->pad)) ||
	    memchr_inv(e->reserved, 0, sizeof(e->reserved)) ||
	    (u32)e->pending_irqs[0])	/* vectors 0-31 are not interrupts */
		return false;
	if (e->exception_pending) {
		if (!x86_exception_valid(e->exception_vector,
					 e->exception_has_error_code,
					 e->exception_error_code,
					 e->exception_fault_addr))
			return false;
	} else if (e->exception_vector || e->exception_has_error_code ||
		   e->exception_error_code || e->exception_fault_addr) {
		return false;
	}
	return x86_injected_valid(e);
}

/**
 * x86_events_get_queued() - the events still queued in software
 * @xv: the vCPU (lock held)
 * @e: zeroed; the NMI, exception and vector fields are filled in
 */
void x86_events_get_queued(struct x86_vcpu *xv, struct axvcpu_x86_events *e)
{
	e->nmi_pending = test_bit(0, &xv->nmi_pending);
	if (xv->exception.pending) {
		e->exception_pending = 1;
		e->exception_vector = xv->exception.vector;
		e->exception_has_error_code = xv->exception.has_error;
		e->exception_error_code = xv->exception.error;
		e->exception_fault_addr = xv->exception.cr2;
	}
	bitmap_to_arr64(e->pending_irqs, xv->pending_irqs, 256);
}

/**
 * x86_events_set_queued() - replace the events queued in software
 * @xv: the vCPU (lock held)
 * @e: events x86_events_valid() took
 */
void x86_events_set_queued(struct x86_vcpu *xv,
			   const struct axvcpu_x86_events *e)
{
	if (e->nmi_pending)
		set_bit(0, &xv->nmi_pending);
	else
		clear_bit(0, &xv->nmi_pending);
	xv->nmi_after_iret = false;
	xv->exception.pending = e->exception_pending;
	xv->exception.vector = e->exception_vector;
	xv->exception.has_error = e->exception_has_error_code;
	xv->exception.error = e->exception_error_code;
	xv->exception.cr2 = e->exception_fault_addr;
	bitmap_from_arr64(xv->pending_irqs, e->pending_irqs, 256);
}
