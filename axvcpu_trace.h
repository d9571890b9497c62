/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's trace events (Documentation/trace/events.rst), system
 * "axvcpu": each guest entry and exit, vCPU state changes and the
 * interrupts user space injects. They cost a static branch when off;
 * enable them with trace-cmd (`trace-cmd record -e axvcpu`) or through
 * /sys/kernel/tracing/events/axvcpu/ (Documentation/design.rst,
 * "Observability").
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM axvcpu

#if !defined(_AXVCPU_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _AXVCPU_TRACE_H

#include <linux/tracepoint.h>
#include "axvcpu_core.h"

#define AXVCPU_TRACE_EXITS						\
	{ AXVCPU_EXIT_NOTHING,		"nothing" },			\
	{ AXVCPU_EXIT_HYPERCALL,	"hypercall" },			\
	{ AXVCPU_EXIT_MMIO_READ,	"mmio_read" },			\
	{ AXVCPU_EXIT_MMIO_WRITE,	"mmio_write" },			\
	{ AXVCPU_EXIT_SYSREG_READ,	"sysreg_read" },		\
	{ AXVCPU_EXIT_SYSREG_WRITE,	"sysreg_write" },		\
	{ AXVCPU_EXIT_IO_READ,		"io_read" },			\
	{ AXVCPU_EXIT_IO_WRITE,		"io_write" },			\
	{ AXVCPU_EXIT_EXTERNAL_INTERRUPT, "external_interrupt" },	\
	{ AXVCPU_EXIT_NESTED_PAGE_FAULT, "nested_page_fault" },		\
	{ AXVCPU_EXIT_HALT,		"halt" },			\
	{ AXVCPU_EXIT_CPU_UP,		"cpu_up" },			\
	{ AXVCPU_EXIT_CPU_DOWN,		"cpu_down" },			\
	{ AXVCPU_EXIT_SYSTEM_DOWN,	"system_down" },		\
	{ AXVCPU_EXIT_FAIL_ENTRY,	"fail_entry" },			\
	{ AXVCPU_EXIT_SEND_IPI,		"send_ipi" }

#define AXVCPU_TRACE_STATES				\
	{ AXVCPU_STATE_INVALID,	"INVALID" },		\
	{ AXVCPU_STATE_CREATED,	"CREATED" },		\
	{ AXVCPU_STATE_FREE,	"FREE" },		\
	{ AXVCPU_STATE_READY,	"READY" },		\
	{ AXVCPU_STATE_RUNNING,	"RUNNING" },		\
	{ AXVCPU_STATE_BLOCKED,	"BLOCKED" }

/*
 * The states are enum constants: their values go into the events' format
 * files (events/axvcpu/axvcpu_state/format), where trace-cmd's
 * libtraceevent evaluates __print_symbolic() and cannot resolve a name
 * (it printed "0x3 -> 0x4": trace_cmd_x86_test). The exit reasons are
 * macros, numbers already.
 */
TRACE_DEFINE_ENUM(AXVCPU_STATE_INVALID);
TRACE_DEFINE_ENUM(AXVCPU_STATE_CREATED);
TRACE_DEFINE_ENUM(AXVCPU_STATE_FREE);
TRACE_DEFINE_ENUM(AXVCPU_STATE_READY);
TRACE_DEFINE_ENUM(AXVCPU_STATE_RUNNING);
TRACE_DEFINE_ENUM(AXVCPU_STATE_BLOCKED);

/* The guest is about to be entered on this CPU (one arch run step). */
TRACE_EVENT(axvcpu_entry,
	TP_PROTO(const struct axvcpu_vcpu *vcpu),
	TP_ARGS(vcpu),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u32, vcpu)
	),
	TP_fast_assign(
		__entry->vm = vcpu->vm->id;
		__entry->vcpu = vcpu->vcpu_id;
	),
	TP_printk("vm %u vcpu %u", __entry->vm, __entry->vcpu)
);

/*
 * The arch step returned. @user: the exit goes to user space with
 * @reason (an AXVCPU_EXIT_*) and @a, @b its payload in brief (axvcpu_exit_brief());
 * else it was handled in the kernel. @hw is the hardware's exit code
 * (struct axvcpu_vcpu @hw_exit).
 */
TRACE_EVENT(axvcpu_exit,
	TP_PROTO(const struct axvcpu_vcpu *vcpu, bool user, u32 reason,
		 u64 a, u64 b),
	TP_ARGS(vcpu, user, reason, a, b),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u32, vcpu)
		__field(bool, user)
		__field(u32, reason)
		__field(u64, hw)
		__field(u64, a)
		__field(u64, b)
	),
	TP_fast_assign(
		__entry->vm = vcpu->vm->id;
		__entry->vcpu = vcpu->vcpu_id;
		__entry->user = user;
		__entry->reason = reason;
		__entry->hw = vcpu->hw_exit;
		__entry->a = a;
		__entry->b = b;
	),
	TP_printk("vm %u vcpu %u hw %#llx %s %s %#llx %#llx",
		  __entry->vm, __entry->vcpu, __entry->hw,
		  __entry->user ? "user" : "kernel",
		  __entry->user ? __print_symbolic(__entry->reason,
						   AXVCPU_TRACE_EXITS) : "-",
		  __entry->a, __entry->b)
);

/* A vCPU state change of the seed's lifecycle (axvcpu_state.c). */
TRACE_EVENT(axvcpu_state,
	TP_PROTO(const struct axvcpu_vcpu *vcpu, int from, int to),
	TP_ARGS(vcpu, from, to),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u32, vcpu)
		__field(int, from)
		__field(int, to)
	),
	TP_fast_assign(
		__entry->vm = vcpu->vm->id;
		__entry->vcpu = vcpu->vcpu_id;
		__entry->from = from;
		__entry->to = to;
	),
	TP_printk("vm %u vcpu %u %s -> %s", __entry->vm, __entry->vcpu,
		  __print_symbolic(__entry->from, AXVCPU_TRACE_STATES),
		  __print_symbolic(__entry->to, AXVCPU_TRACE_STATES))
);

#define AXVCPU_TRACE_INTERRUPT	0
#define AXVCPU_TRACE_NMI	1
#define AXVCPU_TRACE_LINE	2
#define AXVCPU_TRACE_EXCEPTION	3

/*
 * INJECT_INTERRUPT (@value the vector), its NMI form, SET_IRQ_LINE (@value
 * the line, @level) or INJECT_EXCEPTION (@value the vector); @ret the
 * backend's answer.
 */
TRACE_EVENT(axvcpu_inject,
	TP_PROTO(const struct axvcpu_vcpu *vcpu, int kind, u32 value,
		 u32 level, int ret),
	TP_ARGS(vcpu, kind, value, level, ret),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u32, vcpu)
		__field(int, kind)
		__field(u32, value)
		__field(u32, level)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->vm = vcpu->vm->id;
		__entry->vcpu = vcpu->vcpu_id;
		__entry->kind = kind;
		__entry->value = value;
		__entry->level = level;
		__entry->ret = ret;
	),
	TP_printk("vm %u vcpu %u %s %u level %u ret %d",
		  __entry->vm, __entry->vcpu,
		  __print_symbolic(__entry->kind,
				   { AXVCPU_TRACE_INTERRUPT, "interrupt" },
				   { AXVCPU_TRACE_NMI, "nmi" },
				   { AXVCPU_TRACE_LINE, "line" },
				   { AXVCPU_TRACE_EXCEPTION, "exception" }),
		  __entry->value, __entry->level, __entry->ret)
);

#endif /* _AXVCPU_TRACE_H */

/* define_trace.h finds this file again through the module's -I$(src) */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE axvcpu_trace
#include <trace/define_trace.h>
