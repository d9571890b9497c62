// SPDX-License-Identifier: GPL-2.0
/*
 * VMX event injection (SDM vol. 3C, 26.6 "Event Injection"): the
 * exceptions, NMIs and interrupts user space queues, handed to the
 * VM-entry interruption-information field when the guest can take them
 * (interrupt- and NMI-window exits otherwise, 25.2), an event whose
 * delivery an exit interrupted delivered again (27.2.4), and
 * AXVCPU_GET_EVENTS / AXVCPU_SET_EVENTS over all of it. NMI blocking is
 * the CPU's (virtual NMIs, 25.3): the interruptibility state's bit 3.
 */
#include <linux/errno.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include "vmx.h"
#include "vmx_vmcs.h"

static void vmx_queue_event(struct vmx_vcpu *vmx, u32 vector, u32 type,
			    bool has_error, u32 error, u32 len)
{
	vmx->event = vector | type | INTR_INFO_VALID_MASK |
		     (has_error ? INTR_INFO_DELIVER_CODE_MASK : 0);
	vmx->event_err = error;
	vmx->event_len = len;
}

/**
 * vmx_inject_exception() - raise a hardware exception at the next entry
 * @vmx: the vCPU
 * @vector: the exception
 * @has_error: it pushes an error code (dropped in real mode, 26.2.1.3)
 * @error: the error code
 */
void vmx_inject_exception(struct vmx_vcpu *vmx, unsigned int vector,
			  bool has_error, u32 error)
{
	if (!(vmx->st.cr0 & X86_CR0_PE))
		has_error = false;
	vmx_queue_event(vmx, vector, INTR_TYPE_HARD_EXCEPTION, has_error,
			error, 0);
}

/**
 * vmx_inject_icebp() - deliver again the #DB of an INT1 the exit stopped
 * @vmx: the vCPU, at the exception exit of INT1 (ICEBP)
 *
 * A privileged software exception: its return address is past the
 * one-byte instruction, hence the instruction length (26.6.1.3).
 */
void vmx_inject_icebp(struct vmx_vcpu *vmx)
{
	vmx_queue_event(vmx, X86_TRAP_DB, INTR_TYPE_PRIV_SW_EXCEPTION, false,
			0, vmx->exit_insn_len);
}

/*
 * The interruptibility state VM entry takes (26.3.1.5): blocking by STI
 * only with RFLAGS.IF set (MOV SS blocking holds interrupts back for one
 * instruction the same way), and no shadow nor NMI blocking under the
 * event being injected, whose delivery ends them.
 */
static u32 vmx_entry_intr_state(struct vmx_vcpu *vmx)
{
	u32 s = vmx->intr_state;
	u32 type = vmx->event & INTR_INFO_INTR_TYPE_MASK;

	if ((s & GUEST_INTR_STATE_STI) && !(vmx->st.rflags & X86_EFLAGS_IF))
		s = (s & ~GUEST_INTR_STATE_STI) | GUEST_INTR_STATE_MOV_SS;
	if (vmx->event & INTR_INFO_VALID_MASK) {
		if (type == INTR_TYPE_EXT_INTR || type == INTR_TYPE_NMI_INTR)
			s &= ~VMX_SHADOW;
		if (type == INTR_TYPE_NMI_INTR)
			s &= ~GUEST_INTR_STATE_NMI;
	}
	return s;
}

/**
 * vmx_pick_event() - what the next entry delivers
 * @vmx: the vCPU, its VMCS current
 *
 * An event an exit interrupted, else a queued exception, an NMI, or an
 * interrupt when the guest can take one; what it cannot take yet asks for
 * an NMI- or interrupt-window exit.
 */
void vmx_pick_event(struct vmx_vcpu *vmx)
{
	struct x86_vcpu *xv = &vmx->x86;
	struct x86_exception *e = &xv->exception;
	u32 proc = vmx_caps.proc;
	bool irq_ok = (vmx->st.rflags & X86_EFLAGS_IF) &&
		      !(vmx->intr_state & VMX_SHADOW);
	int vector;

	if (!(vmx->event & INTR_INFO_VALID_MASK) && e->pending) {
		vmx_inject_exception(vmx, e->vector, e->has_error, e->error);
		if (e->vector == X86_TRAP_PF)
			vmx->st.cr2 = e->cr2;
		e->pending = false;
	}
	if (test_bit(0, &xv->nmi_pending)) {
		if ((vmx->event & INTR_INFO_VALID_MASK) ||
		    (vmx->intr_state & (VMX_SHADOW | GUEST_INTR_STATE_NMI)))
			proc |= CPU_BASED_NMI_WINDOW_EXITING;
		else if (test_and_clear_bit(0, &xv->nmi_pending))
			vmx_queue_event(vmx, X86_TRAP_NMI, INTR_TYPE_NMI_INTR,
					false, 0, 0);
	}
	if (x86_has_interrupt(xv)) {
		if (!(vmx->event & INTR_INFO_VALID_MASK) && irq_ok) {
			vector = x86_next_interrupt(xv);
			if (vector >= 0)
				vmx_queue_event(vmx, vector, INTR_TYPE_EXT_INTR,
						false, 0, 0);
		} else {
			proc |= CPU_BASED_INTR_WINDOW_EXITING;
		}
	}
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, vmx_entry_intr_state(vmx));
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, vmx->event);
	vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, vmx->event_err);
	vmcs_write(VM_ENTRY_INSTRUCTION_LEN, vmx->event_len);
}

/**
 * vmx_requeue_event() - after an exit: the event its delivery interrupted
 * @vmx: the vCPU, its VMCS current, the exit's reason and qualification read
 *
 * A hardware event goes again at the next entry (27.2.4). A software
 * interrupt or exception does not: RIP still points at its INT n, INT3,
 * INTO or INT1 (27.3.3), which runs again and raises it again. An IRET
 * that unblocked NMIs and then faulted into the exit runs again too: the
 * blocking comes back with it (27.2.3).
 */
void vmx_requeue_event(struct vmx_vcpu *vmx)
{
	u32 info = vmcs_read(IDT_VECTORING_INFO_FIELD);
	u32 reason = vmx->exit_reason & 0xffff;
	bool iret_unblocked;

	vmx->event = 0;
	if (info & VECTORING_INFO_VALID_MASK) {
		if ((info & INTR_INFO_INTR_TYPE_MASK) >= INTR_TYPE_SOFT_INTR)
			return;
		vmx->event = info & ~INTR_INFO_RESVD_BITS_MASK;
		vmx->event_err = vmcs_read(IDT_VECTORING_ERROR_CODE);
		vmx->event_len = 0;
		return;
	}
	if (reason == EXIT_REASON_EXCEPTION_NMI)
		iret_unblocked = vmx->exit_intr_info &
				 INTR_INFO_UNBLOCK_NMI;
	else if (reason == EXIT_REASON_EPT_VIOLATION)
		iret_unblocked = vmx->exit_qual & INTR_INFO_UNBLOCK_NMI;
	else
		iret_unblocked = false;
	if (iret_unblocked)
		vmx->intr_state |= GUEST_INTR_STATE_NMI;
}

/**
 * vmx_get_events() - AXVCPU_GET_EVENTS
 * @vcpu: the vCPU (lock held)
 * @ev: zeroed; the x86 part is filled in
 *
 * An event in flight is a hardware one: software interrupts and
 * exceptions run their instruction again instead (vmx_requeue_event()).
 */
void vmx_get_events(struct axvcpu_vcpu *vcpu, struct axvcpu_events *ev)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct axvcpu_x86_events *e = &ev->x86;
	u32 type = (vmx->event & INTR_INFO_INTR_TYPE_MASK) >> 8;

	x86_events_get_queued(&vmx->x86, e);
	e->interrupt_shadow = !!(vmx->intr_state & VMX_SHADOW);
	e->nmi_masked = !!(vmx->intr_state & GUEST_INTR_STATE_NMI);
	/* VMX's interruption types 0-3 are the AXVCPU_X86_EVENT_* values */
	if ((vmx->event & INTR_INFO_VALID_MASK) &&
	    type <= AXVCPU_X86_EVENT_EXCEPTION) {
		e->injected_valid = 1;
		e->injected_type = type;
		e->injected_vector = vmx->event & INTR_INFO_VECTOR_MASK;
		e->injected_has_error_code =
			!!(vmx->event & INTR_INFO_DELIVER_CODE_MASK);
		if (e->injected_has_error_code)
			e->injected_error_code = vmx->event_err;
	}
}

/**
 * vmx_set_events() - AXVCPU_SET_EVENTS
 * @vcpu: the vCPU (lock held)
 * @ev: the events, arch and flags checked by the core
 *
 * Besides x86_events_valid()'s rules, VM entry's own (26.2.1.3, 26.3.1.4):
 * an external interrupt in flight needs RFLAGS.IF set, and a software
 * interrupt in flight is refused (VMX would need the length of its INT n,
 * which the ABI does not carry; GET_EVENTS never reports one on VMX).
 *
 * Return: 0, or -EINVAL (nothing changes then).
 */
int vmx_set_events(struct axvcpu_vcpu *vcpu, const struct axvcpu_events *ev)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	const struct axvcpu_x86_events *e = &ev->x86;

	if (!x86_events_valid(e))
		return -EINVAL;
	if (e->injected_valid &&
	    (e->injected_type == AXVCPU_X86_EVENT_SOFT_INTR ||
	     (e->injected_type == AXVCPU_X86_EVENT_INTR &&
	      !(vmx->st.rflags & X86_EFLAGS_IF))))
		return -EINVAL;
	x86_events_set_queued(&vmx->x86, e);
	vmx->intr_state &= ~(VMX_SHADOW | GUEST_INTR_STATE_NMI);
	if (e->interrupt_shadow)
		vmx->intr_state |= GUEST_INTR_STATE_STI;
	if (e->nmi_masked)
		vmx->intr_state |= GUEST_INTR_STATE_NMI;
	vmx->event = 0;
	vmx->event_err = 0;
	vmx->event_len = 0;
	if (e->injected_valid)
		vmx_queue_event(vmx, e->injected_vector,
				e->injected_type << 8,
				e->injected_has_error_code,
				e->injected_error_code, 0);
	return 0;
}
