// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU lifecycle state machine (the seed's AxVCpu state rules).
 *
 *   CREATED --SETUP--> FREE --BIND--> READY --RUN--> RUNNING --exit--> READY
 *   READY --UNBIND--> FREE; RUNNING <-> BLOCKED only inside RUN.
 *
 * A transition attempted from any state but its own "from" state fails
 * with -EBADFD and leaves the vCPU INVALID, which is terminal. Callers hold
 * the vCPU's lock for every transition; readers of the state (GET_STATE,
 * INJECT_INTERRUPT) do not, so the state is an atomic_t.
 */
#include <linux/lockdep.h>
#include "axvcpu_core.h"
#include "axvcpu_trace.h"

/* Every change of the state goes through here: the trace event sees it. */
static void axvcpu_state_store(struct axvcpu_vcpu *vcpu, int to)
{
	int from = atomic_xchg(&vcpu->state, to);

	if (from != to)
		trace_axvcpu_state(vcpu, from, to);
}

/**
 * axvcpu_state_get() - the vCPU's current state, without the lock
 * @vcpu: the vCPU
 *
 * Return: the enum axvcpu_state value.
 */
enum axvcpu_state axvcpu_state_get(const struct axvcpu_vcpu *vcpu)
{
	return atomic_read(&vcpu->state);
}

/**
 * axvcpu_state_transition() - move the vCPU from @from to @to
 * @vcpu: the vCPU, its lock held
 * @from: the state the transition starts from
 * @to: the state it ends in
 *
 * Return: 0, or -EBADFD when the vCPU is not in @from; the vCPU is then
 * INVALID.
 */
int axvcpu_state_transition(struct axvcpu_vcpu *vcpu, enum axvcpu_state from,
			    enum axvcpu_state to)
{
	lockdep_assert_held(&vcpu->lock);

	if (atomic_cmpxchg(&vcpu->state, from, to) != from) {
		axvcpu_state_store(vcpu, AXVCPU_STATE_INVALID);
		return -EBADFD;
	}
	trace_axvcpu_state(vcpu, from, to);
	return 0;
}

/**
 * axvcpu_state_set_invalid() - make the vCPU INVALID (terminal)
 * @vcpu: the vCPU, its lock held
 *
 * Used when the arch operation of a transition fails.
 */
void axvcpu_state_set_invalid(struct axvcpu_vcpu *vcpu)
{
	lockdep_assert_held(&vcpu->lock);
	axvcpu_state_store(vcpu, AXVCPU_STATE_INVALID);
}

/**
 * axvcpu_state_allows_regs() - may registers be read or written now?
 * @vcpu: the vCPU, its lock held
 *
 * Register access is not a transition: the seed calls it on the arch vCPU
 * in CREATED, FREE and READY.
 *
 * Return: true in those states.
 */
bool axvcpu_state_allows_regs(const struct axvcpu_vcpu *vcpu)
{
	switch (axvcpu_state_get(vcpu)) {
	case AXVCPU_STATE_CREATED:
	case AXVCPU_STATE_FREE:
	case AXVCPU_STATE_READY:
		return true;
	default:
		return false;
	}
}

/**
 * axvcpu_state_block() - RUNNING -> BLOCKED while RUN waits for an interrupt
 * @vcpu: the vCPU, its lock held, RUNNING
 */
void axvcpu_state_block(struct axvcpu_vcpu *vcpu)
{
	WARN_ON_ONCE(axvcpu_state_transition(vcpu, AXVCPU_STATE_RUNNING,
					     AXVCPU_STATE_BLOCKED));
}

/**
 * axvcpu_state_unblock() - BLOCKED -> RUNNING when the wait ends
 * @vcpu: the vCPU, its lock held, BLOCKED
 */
void axvcpu_state_unblock(struct axvcpu_vcpu *vcpu)
{
	WARN_ON_ONCE(axvcpu_state_transition(vcpu, AXVCPU_STATE_BLOCKED,
					     AXVCPU_STATE_RUNNING));
}

/**
 * axvcpu_state_check() - the prologue of a transition with an arch step
 * @vcpu: the vCPU, its lock held
 * @from: the state the transition must start from
 *
 * The seed's with_state_transition(): check the state, run the arch step,
 * then axvcpu_state_finish() commits or invalidates.
 *
 * Return: 0, or -EBADFD when the vCPU is not in @from; it is then INVALID.
 */
int axvcpu_state_check(struct axvcpu_vcpu *vcpu, enum axvcpu_state from)
{
	lockdep_assert_held(&vcpu->lock);

	if (axvcpu_state_get(vcpu) != from) {
		axvcpu_state_store(vcpu, AXVCPU_STATE_INVALID);
		return -EBADFD;
	}
	return 0;
}

/**
 * axvcpu_state_finish() - the epilogue of a transition with an arch step
 * @vcpu: the vCPU, its lock held, checked by axvcpu_state_check()
 * @to: the state the transition ends in
 * @err: the arch step's result
 *
 * Return: @err; the vCPU is in @to when it is 0, INVALID otherwise.
 */
int axvcpu_state_finish(struct axvcpu_vcpu *vcpu, enum axvcpu_state to,
			int err)
{
	lockdep_assert_held(&vcpu->lock);
	axvcpu_state_store(vcpu, err ? AXVCPU_STATE_INVALID : to);
	return err;
}
