// SPDX-License-Identifier: GPL-2.0
/*
 * state_x86_test: the parts of state_test that only x86 can say. The
 * register file AXVCPU_SETUP leaves in AXVCPU_X86_MODE_FLAT32 and _REAL;
 * x86 argument errors (SETUP's mode and entry, GPR numbers, the register
 * file's reserved fields, CR8, segment attributes, the other vendor's
 * arch, interrupt vectors) that leave state and registers as they were;
 * every x86 GPR, RAX as SET_RETURN_VALUE's register and the whole x86
 * register file round-tripping in CREATED, FREE and READY; INJECT_INTERRUPT
 * at vectors 32 and 255 in each state; and the x86-only ioctls (NMI,
 * INJECT_EXCEPTION, an MSR, SET_CPUID, GET/SET_EVENTS) failing with EBADFD
 * in INVALID after each illegal transition.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

FIXTURE(state)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
};

/* No guest runs here: a VM with no memory and its vCPU 0, in CREATED. */
FIXTURE_SETUP(state)
{
	axv_vm_create(&self->vm);
	self->vcpu = axv_vcpu_create(&self->vm, 0, 0);
}

FIXTURE_TEARDOWN(state)
{
	axv_vcpu_close(self->vcpu);
	axv_vm_close(&self->vm);
}

static int do_setup(struct axv_vcpu *vcpu)
{
	struct axvcpu_setup s = { .entry = 0x1000 };

	return ioctl(vcpu->fd, AXVCPU_SETUP, &s);
}

/*
 * The legal transition into @st from the state before it, for a loop
 * through CREATED, FREE and READY.
 */
static void step_into(struct __test_metadata *_metadata, struct axv_vcpu *vcpu,
		      long st)
{
	if (st == AXVCPU_STATE_FREE)
		ASSERT_OK(do_setup(vcpu));
	if (st == AXVCPU_STATE_READY)
		ASSERT_OK(ioctl(vcpu->fd, AXVCPU_BIND, 0));
}

/* x86 argument errors return their errno and leave the state as it was. */
TEST_F(state, argument_errors_keep_state)
{
	struct axv_vcpu *vcpu = self->vcpu;
	struct axvcpu_interrupt irq = { 0 };
	struct axvcpu_setup s;
	struct axvcpu_gpr gpr;
	struct axvcpu_regs regs;
	long st;

	AXV_REQUIRE_X86(&self->vm.info);
	for (st = AXVCPU_STATE_CREATED; st <= AXVCPU_STATE_READY; st++) {
		step_into(_metadata, vcpu, st);
		TH_LOG("argument errors in %s", axv_state_name(st));

		/* SETUP: mode, its pad, entry */
		memset(&s, 0, sizeof(s));
		s.entry = 0x1000;
		s.arch.x86.mode = 2;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
		s.arch.x86.mode = 0xffffffff;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
		s.arch.x86.mode = AXVCPU_X86_MODE_FLAT32;
		s.arch.x86.pad = 1;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
		s.arch.x86.pad = 0;
		s.entry = 1ULL << 32;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
		s.entry = ~0ULL;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
		s.arch.x86.mode = AXVCPU_X86_MODE_REAL;
		s.entry = 0x100000;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SETUP, &s));
		ASSERT_STATE(vcpu, st);

		/* GPRs: unknown register, nonzero pad; the register keeps its value */
		axv_set_gpr(vcpu, X86_RBX, 0x1234);
		memset(&gpr, 0, sizeof(gpr));
		gpr.reg = AXVCPU_X86_NR_GPRS;
		gpr.value = 0x5678;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_GPR, &gpr));
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_GET_GPR, &gpr));
		gpr.reg = 0xffffffff;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_GPR, &gpr));
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_GET_GPR, &gpr));
		gpr.reg = X86_RBX;
		gpr.pad = 1;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_GPR, &gpr));
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_GET_GPR, &gpr));
		ASSERT_GPR(vcpu, X86_RBX, 0x1234);

		/* SET_REGS: wrong arch, flags, reserved; nothing is written */
		axv_get_regs(vcpu, &regs);
		ASSERT_EQ(self->vm.info.arch, regs.arch);
		regs.x86.gprs[X86_RBX] = 0x9999;
		regs.arch = AXVCPU_ARCH_NONE;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
		regs.arch = self->vm.info.arch == AXVCPU_ARCH_X86_SVM ?
			    AXVCPU_ARCH_X86_VMX : AXVCPU_ARCH_X86_SVM;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
		regs.arch = self->vm.info.arch;
		regs.flags = 1;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
		regs.flags = 0;
		regs.x86.reserved[0] = 1;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
		regs.x86.reserved[0] = 0;
		regs.x86.reserved[14] = 1;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
		regs.x86.reserved[14] = 0;
		regs.x86.cr8 = 16;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
		regs.x86.cr8 = 0;
		/* attrib bits 15:12 are not defined */
		regs.x86.ds.attrib |= 0x1000;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_SET_REGS, &regs));
		regs.x86.ds.attrib &= ~0x1000;
		ASSERT_GPR(vcpu, X86_RBX, 0x1234);

		/* INJECT_INTERRUPT: vector 32..255 */
		irq.flags = 0;
		irq.vector = 31;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq));
		irq.vector = 0;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq));
		irq.vector = 256;
		ASSERT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &irq));
		ASSERT_STATE(vcpu, st);
	}
}

/* INJECT_INTERRUPT works in CREATED, FREE and READY, for x86 vectors 32..255. */
TEST_F(state, inject_in_every_state)
{
	struct axv_vcpu *vcpu = self->vcpu;
	long st;

	AXV_REQUIRE_X86(&self->vm.info);
	for (st = AXVCPU_STATE_CREATED; st <= AXVCPU_STATE_READY; st++) {
		step_into(_metadata, vcpu, st);
		ASSERT_EQ(0, axv_inject(vcpu, 0x40 + st))
			TH_LOG("INJECT_INTERRUPT in %s failed", axv_state_name(st));
		ASSERT_EQ(0, axv_inject(vcpu, 255));
		ASSERT_EQ(0, axv_inject(vcpu, 32));
		ASSERT_STATE(vcpu, st);
	}
}

/* Every GPR, SET_RETURN_VALUE and the whole register file round-trip. */
static void check_register_ioctls(struct __test_metadata *_metadata,
				  struct axv_vcpu *vcpu, __u64 seed)
{
	struct axvcpu_regs regs, back;
	__u64 v;
	__u32 i;

	for (i = 0; i < AXVCPU_X86_NR_GPRS; i++)
		axv_set_gpr(vcpu, i, seed * 0x0101010101010101ULL + i);
	for (i = 0; i < AXVCPU_X86_NR_GPRS; i++)
		ASSERT_GPR(vcpu, i, seed * 0x0101010101010101ULL + i);

	v = 0x8877665544332211ULL ^ seed;
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_SET_RETURN_VALUE, &v));
	ASSERT_GPR(vcpu, X86_RAX, v);

	axv_get_regs(vcpu, &regs);
	for (i = 0; i < AXVCPU_X86_NR_GPRS; i++) {
		ASSERT_EQ(i == X86_RAX ? v : seed * 0x0101010101010101ULL + i,
			  regs.x86.gprs[i])
			TH_LOG("GET_REGS gprs[%u] (%s) disagrees with GET_GPR",
			       i, axv_x86_gpr_name(i));
	}
	for (i = 0; i < AXVCPU_X86_NR_GPRS; i++)
		regs.x86.gprs[i] = ~(seed + i) * 0x9e3779b97f4a7c15ULL;
	regs.x86.rip = 0x2000 + seed;
	regs.x86.rflags = 0x246;
	axv_set_regs(vcpu, &regs);
	axv_get_regs(vcpu, &back);
	for (i = 0; i < sizeof(regs.x86) / 8; i++) {
		__u64 a = ((__u64 *)&regs.x86)[i], b = ((__u64 *)&back.x86)[i];

		ASSERT_EQ(a, b)
			TH_LOG("SET_REGS/GET_REGS round trip: 8 bytes at offset %u: set %#llx, got %#llx",
			       i * 8, (unsigned long long)a,
			       (unsigned long long)b);
	}
	ASSERT_GPR(vcpu, X86_RDX, regs.x86.gprs[X86_RDX]);
}

TEST_F(state, register_ioctls_in_created_free_ready)
{
	struct axv_vcpu *vcpu = self->vcpu;
	long st;

	AXV_REQUIRE_X86(&self->vm.info);
	for (st = AXVCPU_STATE_CREATED; st <= AXVCPU_STATE_READY; st++) {
		step_into(_metadata, vcpu, st);
		check_register_ioctls(_metadata, vcpu, st);
		ASSERT_STATE(vcpu, st);
	}
}

/* The register file SETUP leaves in AXVCPU_X86_MODE_FLAT32. */
TEST_F(state, setup_flat32_registers)
{
	const struct axvcpu_x86_segment *segs[5];
	struct axv_vcpu *vcpu = self->vcpu;
	struct axvcpu_setup s = { .entry = 0x12345 };
	struct axvcpu_regs regs;
	unsigned int i;

	AXV_REQUIRE_X86(&self->vm.info);
	/* SETUP overrides what was set before it */
	axv_set_gpr(vcpu, X86_RSI, 0x5555);
	s.arch.x86.mode = AXVCPU_X86_MODE_FLAT32;
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_SETUP, &s));
	axv_get_regs(vcpu, &regs);

	ASSERT_EQ(0x12345, regs.x86.rip);
	ASSERT_EQ(0x2, regs.x86.rflags);
	for (i = 0; i < AXVCPU_X86_NR_GPRS; i++) {
		ASSERT_EQ(0, regs.x86.gprs[i])
			TH_LOG("%s after SETUP: expected 0, got %#llx",
			       axv_x86_gpr_name(i),
			       (unsigned long long)regs.x86.gprs[i]);
	}
	ASSERT_EQ(X86_CR0_PE | X86_CR0_ET | X86_CR0_NE, regs.x86.cr0)
		TH_LOG("CR0: expected PE|ET|NE, got %#llx",
		       (unsigned long long)regs.x86.cr0);
	ASSERT_EQ(0, regs.x86.cr3);
	ASSERT_EQ(0, regs.x86.cr4);
	ASSERT_EQ(0, regs.x86.efer)
		TH_LOG("EFER: expected 0 (the guest's view), got %#llx",
		       (unsigned long long)regs.x86.efer);

	ASSERT_EQ(0x08, regs.x86.cs.selector);
	ASSERT_EQ(0, regs.x86.cs.base);
	ASSERT_EQ(0xffffffff, regs.x86.cs.limit);
	ASSERT_TRUE(X86_SEG_TYPE(regs.x86.cs.attrib) & 0x8)
		TH_LOG("CS type %#x is not code", X86_SEG_TYPE(regs.x86.cs.attrib));
	ASSERT_TRUE((regs.x86.cs.attrib & (X86_SEG_S | X86_SEG_P | X86_SEG_DB)) ==
		    (X86_SEG_S | X86_SEG_P | X86_SEG_DB))
		TH_LOG("CS attrib %#x: expected S, P and D/B set",
		       regs.x86.cs.attrib);
	ASSERT_FALSE(regs.x86.cs.attrib & X86_SEG_L);
	ASSERT_EQ(0, X86_SEG_DPL(regs.x86.cs.attrib));

	segs[0] = &regs.x86.ds;
	segs[1] = &regs.x86.es;
	segs[2] = &regs.x86.fs;
	segs[3] = &regs.x86.gs;
	segs[4] = &regs.x86.ss;
	for (i = 0; i < 5; i++) {
		const struct axvcpu_x86_segment *sg = segs[i];

		ASSERT_EQ(0x10, sg->selector)
			TH_LOG("data segment %u: selector %#x", i, sg->selector);
		ASSERT_EQ(0, sg->base);
		ASSERT_EQ(0xffffffff, sg->limit)
			TH_LOG("data segment %u: limit %#x", i, sg->limit);
		ASSERT_EQ(0x2, X86_SEG_TYPE(sg->attrib) & 0xa)
			TH_LOG("data segment %u: type %#x is not writable data",
			       i, X86_SEG_TYPE(sg->attrib));
		ASSERT_TRUE((sg->attrib & (X86_SEG_S | X86_SEG_P)) ==
			    (X86_SEG_S | X86_SEG_P))
			TH_LOG("data segment %u: attrib %#x", i, sg->attrib);
	}
	ASSERT_TRUE(regs.x86.ss.attrib & X86_SEG_DB)
		TH_LOG("SS must be a 32-bit stack segment (attrib %#x)",
		       regs.x86.ss.attrib);
	ASSERT_EQ(0, regs.x86.gdt.base);
	ASSERT_EQ(0xffff, regs.x86.gdt.limit);
	ASSERT_EQ(0, regs.x86.idt.base);
	ASSERT_EQ(0xffff, regs.x86.idt.limit);
}

/* AXVCPU_X86_MODE_REAL: CS = entry >> 4, IP = entry & 0xf. */
TEST_F(state, setup_real_registers)
{
	struct axv_vcpu *vcpu = self->vcpu;
	struct axvcpu_setup s = { .entry = 0x9abcd };
	struct axvcpu_regs regs;

	AXV_REQUIRE_X86(&self->vm.info);
	s.arch.x86.mode = AXVCPU_X86_MODE_REAL;
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_SETUP, &s));
	axv_get_regs(vcpu, &regs);
	ASSERT_EQ(0x9abc, regs.x86.cs.selector);
	ASSERT_EQ(0x9abc0, regs.x86.cs.base);
	ASSERT_EQ(0xd, regs.x86.rip);
	ASSERT_EQ(0, regs.x86.cr0 & X86_CR0_PE)
		TH_LOG("real mode with CR0.PE set: CR0 %#llx",
		       (unsigned long long)regs.x86.cr0);
	ASSERT_EQ(0, regs.x86.ds.selector);
	ASSERT_EQ(0, regs.x86.ds.base);
	ASSERT_EQ(0xffff, regs.x86.ds.limit);
	ASSERT_EQ(0, regs.x86.ss.base);
	ASSERT_EQ(0xffff, regs.x86.ss.limit);
}

/* After an illegal transition, the x86-only ioctls fail with EBADFD too. */
enum op { OP_SETUP, OP_BIND, OP_UNBIND, OP_RUN };

FIXTURE(illegal)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
};

FIXTURE_SETUP(illegal)
{
	axv_vm_create(&self->vm);
	self->vcpu = axv_vcpu_create(&self->vm, 0, 0);
}

FIXTURE_TEARDOWN(illegal)
{
	axv_vcpu_close(self->vcpu);
	axv_vm_close(&self->vm);
}

FIXTURE_VARIANT(illegal)
{
	long from;
	enum op op;
};

FIXTURE_VARIANT_ADD(illegal, created_bind)   { AXVCPU_STATE_CREATED, OP_BIND };
FIXTURE_VARIANT_ADD(illegal, created_unbind) { AXVCPU_STATE_CREATED, OP_UNBIND };
FIXTURE_VARIANT_ADD(illegal, created_run)    { AXVCPU_STATE_CREATED, OP_RUN };
FIXTURE_VARIANT_ADD(illegal, free_setup)     { AXVCPU_STATE_FREE, OP_SETUP };
FIXTURE_VARIANT_ADD(illegal, free_unbind)    { AXVCPU_STATE_FREE, OP_UNBIND };
FIXTURE_VARIANT_ADD(illegal, free_run)       { AXVCPU_STATE_FREE, OP_RUN };
FIXTURE_VARIANT_ADD(illegal, ready_setup)    { AXVCPU_STATE_READY, OP_SETUP };
FIXTURE_VARIANT_ADD(illegal, ready_bind)     { AXVCPU_STATE_READY, OP_BIND };

static int do_op(struct axv_vcpu *vcpu, enum op op)
{
	switch (op) {
	case OP_SETUP:
		return do_setup(vcpu);
	case OP_BIND:
		return ioctl(vcpu->fd, AXVCPU_BIND, 0);
	case OP_UNBIND:
		return ioctl(vcpu->fd, AXVCPU_UNBIND, 0);
	case OP_RUN:
		return ioctl(vcpu->fd, AXVCPU_RUN, 0);
	}
	return -1;
}

TEST_F(illegal, x86_ioctls_in_invalid)
{
	struct axvcpu_interrupt nmi = { .flags = AXVCPU_INTERRUPT_NMI };
	struct axvcpu_exception exc = { .vector = 6 };
	struct axvcpu_sysreg sr = { .id = AXVCPU_SYSREG_X86_MSR | 0x277 };
	struct axvcpu_cpuid cpuid = { .nent = 0 };
	struct axvcpu_events ev = { .arch = self->vm.info.arch };
	struct axv_vcpu *vcpu = self->vcpu;
	int i;

	AXV_REQUIRE_X86(&self->vm.info);
	if (variant->from >= AXVCPU_STATE_FREE)
		ASSERT_OK(do_setup(vcpu));
	if (variant->from >= AXVCPU_STATE_READY)
		ASSERT_OK(ioctl(vcpu->fd, AXVCPU_BIND, 0));
	ASSERT_STATE(vcpu, variant->from);
	ASSERT_ERRNO(EBADFD, do_op(vcpu, variant->op));
	ASSERT_STATE(vcpu, AXVCPU_STATE_INVALID);

	/* twice: a failure in INVALID leaves it INVALID */
	for (i = 0; i < 2; i++) {
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_INJECT_INTERRUPT, &nmi));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_INJECT_EXCEPTION, &exc));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_SYSREG, &sr));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_SYSREG, &sr));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_CPUID, &cpuid));
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_GET_EVENTS, &ev));
		ev.arch = self->vm.info.arch;
		ASSERT_ERRNO(EBADFD, ioctl(vcpu->fd, AXVCPU_SET_EVENTS, &ev));
		ASSERT_STATE(vcpu, AXVCPU_STATE_INVALID);
	}
}

TEST_HARNESS_MAIN
