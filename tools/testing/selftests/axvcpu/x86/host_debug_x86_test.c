// SPDX-License-Identifier: GPL-2.0
/*
 * host_debug_x86_test: MOV DRn is emulated without an exit, DR4/DR5 alias
 * DR6/DR7, the guest's debug registers persist across exits, and a host
 * hardware breakpoint still fires after RUN.
 */
#include "host_state.h"

#define GUEST_DR0	0x11111111
#define GUEST_DR1	0x22222222
#define GUEST_DR2	0x33333333
#define GUEST_DR3	0x44444444
#define GUEST_DR6	0xffff0ff1	/* B0 */
#define GUEST_DR7	0x00000703	/* L0, G0, LE, GE: exec breakpoint 0 */

/*
 * Writes DR0-3, DR6, DR7 once, then each round reads them (through six
 * different GPRs) and DR4/DR5 (aliases of DR6/DR7 with CR4.DE clear) to
 * DATA+0x00.., OUT.
 */
X86_GUEST(dr_guest, ".code32",
	"mov $" __stringify(GUEST_DR0) ", %eax\n\t"
	"mov %eax, %dr0\n\t"
	"mov $" __stringify(GUEST_DR1) ", %ecx\n\t"
	"mov %ecx, %dr1\n\t"
	"mov $" __stringify(GUEST_DR2) ", %edx\n\t"
	"mov %edx, %dr2\n\t"
	"mov $" __stringify(GUEST_DR3) ", %ebx\n\t"
	"mov %ebx, %dr3\n\t"
	"mov $" __stringify(GUEST_DR6) ", %esi\n\t"
	"mov %esi, %dr6\n\t"
	"mov $" __stringify(GUEST_DR7) ", %edi\n\t"
	"mov %edi, %dr7\n\t"
	"1:\n\t"
	"xor %eax, %eax\n\t"
	"xor %ebx, %ebx\n\t"
	"xor %ecx, %ecx\n\t"
	"xor %edx, %edx\n\t"
	"xor %esi, %esi\n\t"
	"xor %edi, %edi\n\t"
	"xor %ebp, %ebp\n\t"
	"mov %dr0, %ebx\n\t"
	"mov %ebx, " DATA "+0x00\n\t"
	"mov %dr1, %ecx\n\t"
	"mov %ecx, " DATA "+0x04\n\t"
	"mov %dr2, %edx\n\t"
	"mov %edx, " DATA "+0x08\n\t"
	"mov %dr3, %esi\n\t"
	"mov %esi, " DATA "+0x0c\n\t"
	"mov %dr6, %edi\n\t"
	"mov %edi, " DATA "+0x10\n\t"
	"mov %dr7, %ebp\n\t"
	"mov %ebp, " DATA "+0x14\n\t"
	"mov %dr4, %eax\n\t"
	"mov %eax, " DATA "+0x18\n\t"
	"mov %dr5, %eax\n\t"
	"mov %eax, " DATA "+0x1c\n\t"
	"out %al, $" __stringify(PORT_DR) "\n\t"
	"jmp 1b\n\t");

/*
 * MOV to and from DR0-DR7 is emulated in the kernel: no exit to user
 * space, the guest reads back its own values (DR4/DR5 as DR6/DR7 with
 * CR4.DE clear), and they persist across exits.
 */
TEST_F(host_state, debug_registers_emulated)
{
	static const struct {
		const char *name;
		__u32 want;
	} dr[] = {
		{ "DR0", GUEST_DR0 }, { "DR1", GUEST_DR1 }, { "DR2", GUEST_DR2 },
		{ "DR3", GUEST_DR3 }, { "DR6", GUEST_DR6 }, { "DR7", GUEST_DR7 },
		{ "DR4 (alias of DR6)", GUEST_DR6 },
		{ "DR5 (alias of DR7)", GUEST_DR7 },
	};
	struct axv_vcpu *vcpu;
	unsigned int r, i;

	GUEST(dr_guest);
	vcpu = self->vcpu;
	for (r = 0; r < 3; r++) {
		memset(axv_gpa2hva(&self->vm, X86_DATA_GPA), 0, 0x20);
		/* the first exit is the OUT after all the DR accesses */
		ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_IO_WRITE);
		ASSERT_RUN_FIELD(vcpu, "io.port", PORT_DR, vcpu->run->io.port);
		for (i = 0; i < ARRAY_SIZE(dr); i++) {
			__u32 got = guest_u32(&self->vm, X86_DATA_GPA + 4 * i);

			ASSERT_EQ(dr[i].want, got)
				TH_LOG("round %u: guest %s reads %#x, expected %#x",
				       r, dr[i].name, got, dr[i].want);
		}
	}
}

static volatile __u32 bp_target;

static long long bp_count(int fd)
{
	long long n = -1;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return -1;
	return n;
}

/*
 * #VMEXIT disables the host's DR7 breakpoints (APM vol. 2, 15.6): after
 * RUN a host hardware breakpoint (perf, on a variable of this thread)
 * must still fire, while the guest plays with its own debug registers.
 * (QEMU 7.2's #VMEXIT reloads the host's DR7 unchanged, so there this
 * passes even without the module's hw_breakpoint_restore().)
 */
TEST_F(host_state, host_breakpoint_survives_run)
{
	struct perf_event_attr pe;
	struct axv_vcpu *vcpu;
	long long n;
	int fd, r;

	GUEST(dr_guest);
	vcpu = self->vcpu;
	memset(&pe, 0, sizeof(pe));
	pe.type = PERF_TYPE_BREAKPOINT;
	pe.size = sizeof(pe);
	pe.bp_type = HW_BREAKPOINT_W;
	pe.bp_addr = (uintptr_t)&bp_target;
	pe.bp_len = HW_BREAKPOINT_LEN_4;
	pe.exclude_kernel = 1;
	pe.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &pe, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		SKIP(return, "perf_event_open(PERF_TYPE_BREAKPOINT): %s",
		     axv_errno_name(errno));
	bp_target = 1;
	bp_target = 2;
	n = bp_count(fd);
	if (n != 2) {
		close(fd);
		SKIP(return, "a hardware breakpoint counted %lld of 2 writes before any RUN", n);
	}
	for (r = 0; r < 20; r++) {
		int rc = axv_run(vcpu);

		bp_target = r;
		n = bp_count(fd);
		ASSERT_EQ(0, rc) TH_LOG("RUN: %s", axv_errno_name(-rc));
		ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
		ASSERT_EQ(3 + r, n)
			TH_LOG("round %d: the host breakpoint did not fire after RUN (%lld hits for %d writes)",
			       r, n, 3 + r);
	}
	close(fd);
}

TEST_HARNESS_MAIN
