// SPDX-License-Identifier: GPL-2.0
/*
 * save_restore_x86_test: a vCPU stopped in the middle of a computation
 * (GPRs, SSE registers, memory, an MSR the guest wrote, a read exit not
 * completed yet) is saved through the documented ioctls (GET_REGS,
 * GET_FPU, every id of GET_SYSREG_LIST, GET_EVENTS, and the guest's
 * memory), restored into a new VM and vCPU, and run to the end: the
 * result must be the uninterrupted run's. Documentation/api.rst, "Saving
 * and restoring a vCPU".
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

#define ROUNDS		4096

/*
 * A hash over 4096 rounds in EAX, a vector sum in XMM0, one word a round
 * stored at X86_DATA_GPA, a checkpoint OUT to 0x80 every 256 rounds
 * followed by an IN from 0x83 whose value goes into the hash. At the end:
 * the hash (0x81), XMM0's low dword (0x82), the STAR the guest wrote
 * (0x84) and the sum of the stored words (0x85).
 */
X86_GUEST(sr_guest, ".code32",
	"mov $" __stringify(X86_STACK_TOP) ", %esp\n\t"
	"mov $0xc0000081, %ecx\n\t"
	"mov $0x11112222, %eax\n\t"
	"mov $0x00334444, %edx\n\t"
	"wrmsr\n\t"
	"mov $1, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"pxor %xmm0, %xmm0\n\t"
	"mov $0x01030507, %edx\n\t"
	"movd %edx, %xmm1\n\t"
	"pshufd $0, %xmm1, %xmm1\n\t"
	"1:\n\t"
	"imul $31, %eax, %eax\n\t"
	"add %ecx, %eax\n\t"
	"paddd %xmm1, %xmm0\n\t"
	"pxor %xmm0, %xmm1\n\t"
	"mov %eax, " __stringify(X86_DATA_GPA) "(,%ecx,4)\n\t"
	"inc %ecx\n\t"
	"test $0xff, %ecx\n\t"
	"jnz 2f\n\t"
	"out %eax, $0x80\n\t"
	"mov %eax, %ebx\n\t"
	"in $0x83, %eax\n\t"
	"add %ebx, %eax\n\t"
	"2:\n\t"
	"cmp $" __stringify(ROUNDS) ", %ecx\n\t"
	"jb 1b\n\t"
	"out %eax, $0x81\n\t"
	"movd %xmm0, %eax\n\t"
	"out %eax, $0x82\n\t"
	"mov $0xc0000081, %ecx\n\t"
	"rdmsr\n\t"
	"mov %edx, %eax\n\t"
	"out %eax, $0x84\n\t"
	"xor %eax, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"3:\n\t"
	"add " __stringify(X86_DATA_GPA) "(,%ecx,4), %eax\n\t"
	"inc %ecx\n\t"
	"cmp $" __stringify(ROUNDS) ", %ecx\n\t"
	"jb 3b\n\t"
	"out %eax, $0x85\n\t"
	"hlt\n\t");

struct result {
	__u32 hash, xmm, star_hi, sum;
};

/* A saved vCPU and its guest's memory. */
struct saved {
	struct axvcpu_regs regs;
	struct axvcpu_events events;
	unsigned char *fpu;
	__u32 fpu_size;
	__u64 ids[64], values[64];
	__u32 nids;
	unsigned char *mem;
};

FIXTURE(sr)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axvcpu_info info;
};

FIXTURE_SETUP(sr)
{
	axv_read_info(&self->info);
}

FIXTURE_TEARDOWN(sr)
{
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
}

static struct axv_vcpu *sr_start(struct axv_vm *vm)
{
	struct axv_vcpu *vcpu = x86_vm_with_guest(vm, sr_guest_start, sr_guest_end, 0);

	x86_vcpu_set_cr4(vcpu, X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	return vcpu;
}

/*
 * Run to the end, answering each IN with its checkpoint number; stop
 * (return true) at the @stop_at-th exit instead, if not 0.
 */
static bool sr_run(struct __test_metadata *_metadata, struct axv_vcpu *vcpu,
		   unsigned int *exits, unsigned int stop_at, struct result *res)
{
	for (;;) {
		ASSERT_EQ(0, axv_run(vcpu)) TH_LOG("RUN: %s", axv_exit_desc(vcpu->run));
		++*exits;
		if (vcpu->run->exit_reason == AXVCPU_EXIT_IO_READ) {
			ASSERT_EQ(0x83, vcpu->run->io.port);
			vcpu->run->io.data = *exits * 7;
		} else if (vcpu->run->exit_reason == AXVCPU_EXIT_HALT) {
			return false;
		} else {
			ASSERT_EQ(AXVCPU_EXIT_IO_WRITE, vcpu->run->exit_reason)
				TH_LOG("%s", axv_exit_desc(vcpu->run));
			switch (vcpu->run->io.port) {
			case 0x81: res->hash = vcpu->run->io.data; break;
			case 0x82: res->xmm = vcpu->run->io.data; break;
			case 0x84: res->star_hi = vcpu->run->io.data; break;
			case 0x85: res->sum = vcpu->run->io.data; break;
			}
		}
		if (stop_at && *exits == stop_at)
			return true;
	}
}

static void sr_save(struct __test_metadata *_metadata, struct axv_vcpu *vcpu,
		    struct axv_vm *vm, struct saved *s, __u32 fpu_size)
{
	struct axvcpu_sysreg_list l = { .nr = 64 };
	struct axvcpu_fpu f = { .size = fpu_size };
	unsigned int i;

	/* the first register ioctl completes the pending read */
	axv_get_regs(vcpu, &s->regs);
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_GET_EVENTS, &s->events));
	s->fpu = calloc(1, fpu_size);
	ASSERT_NE(NULL, s->fpu);
	f.addr = (__u64)(unsigned long)s->fpu;
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_GET_FPU, &f));
	s->fpu_size = fpu_size;
	l.ids = (__u64)(unsigned long)s->ids;
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_GET_SYSREG_LIST, &l));
	s->nids = l.nr;
	for (i = 0; i < s->nids; i++) {
		struct axvcpu_sysreg r = { .id = s->ids[i] };

		ASSERT_OK(ioctl(vcpu->fd, AXVCPU_GET_SYSREG, &r));
		s->values[i] = r.value;
	}
	s->mem = malloc(X86_MEM_SIZE);
	ASSERT_NE(NULL, s->mem);
	memcpy(s->mem, axv_gpa2hva(vm, 0), X86_MEM_SIZE);
}

/* A new VM with the saved memory, a new vCPU with the saved state. */
static struct axv_vcpu *sr_restore(struct __test_metadata *_metadata,
				   struct axv_vm *vm, struct saved *s)
{
	struct axvcpu_fpu f = { .size = s->fpu_size };
	struct axv_vcpu *vcpu;
	unsigned int i;

	x86_vm_create(vm);
	memcpy(axv_gpa2hva(vm, 0), s->mem, X86_MEM_SIZE);
	vcpu = x86_vcpu_ready(vm, 0, 0, X86_CODE_GPA);
	axv_set_regs(vcpu, &s->regs);
	for (i = 0; i < s->nids; i++) {
		struct axvcpu_sysreg r = { .id = s->ids[i], .value = s->values[i] };

		ASSERT_EQ(0, ioctl(vcpu->fd, AXVCPU_SET_SYSREG, &r))
			TH_LOG("SET_SYSREG %#llx = %#llx: %s", (unsigned long long)r.id,
			       (unsigned long long)r.value, axv_errno_name(errno));
	}
	f.arch = s->regs.arch;
	f.addr = (__u64)(unsigned long)s->fpu;
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_SET_FPU, &f));
	ASSERT_OK(ioctl(vcpu->fd, AXVCPU_SET_EVENTS, &s->events));
	free(s->fpu);
	free(s->mem);
	return vcpu;
}

static void save_restore_at(struct __test_metadata *_metadata, struct axvcpu_info *info,
			    unsigned int stop_at, bool fill_read)
{
	struct result whole = { 0 }, parts = { 0 };
	struct axv_vm vm1 = { 0 }, vm2 = { 0 }, vm3 = { 0 };
	unsigned int exits = 0, exits2 = 0;
	struct axv_vcpu *vcpu;
	struct saved s;

	vcpu = sr_start(&vm1);
	ASSERT_FALSE(sr_run(_metadata, vcpu, &exits, 0, &whole));
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm1);
	ASSERT_NE(0, whole.hash);

	vcpu = sr_start(&vm2);
	ASSERT_TRUE(sr_run(_metadata, vcpu, &exits2, stop_at, &parts));
	if (fill_read) {
		/* stopped at an IN: its value is in the run struct, not applied */
		ASSERT_EQ(AXVCPU_EXIT_IO_READ, vcpu->run->exit_reason);
		vcpu->run->io.data = exits2 * 7;
	}
	memset(&s, 0, sizeof(s));
	sr_save(_metadata, vcpu, &vm2, &s, info->fpu_state_size);
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm2);

	vcpu = sr_restore(_metadata, &vm3, &s);
	ASSERT_FALSE(sr_run(_metadata, vcpu, &exits2, 0, &parts));
	axv_vcpu_close(vcpu);
	axv_vm_close(&vm3);
	ASSERT_EQ(exits, exits2);
	ASSERT_EQ(whole.hash, parts.hash);
	ASSERT_EQ(whole.xmm, parts.xmm);
	ASSERT_EQ(0x00334444, parts.star_hi);
	ASSERT_EQ(whole.sum, parts.sum);
}

/* Saved at a checkpoint OUT, half-way. */
TEST_F(sr, after_an_out)
{
	AXV_REQUIRE_X86(&self->info);
	/* exits: OUT, IN per checkpoint; the 17th is the 9th OUT */
	save_restore_at(_metadata, &self->info, 17, false);
}

/* Saved right after an IN exit whose value user space has just put in. */
TEST_F(sr, with_a_read_to_complete)
{
	AXV_REQUIRE_X86(&self->info);
	save_restore_at(_metadata, &self->info, 10, true);
}

TEST_HARNESS_MAIN
