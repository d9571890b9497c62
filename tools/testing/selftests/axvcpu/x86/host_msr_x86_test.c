// SPDX-License-Identifier: GPL-2.0
/*
 * host_msr_x86_test: the host's FS base (TLS), user GS base and syscall MSRs
 * survive RUN while the guest writes FS_BASE, GS_BASE, KERNEL_GS_BASE,
 * STAR, LSTAR, CSTAR, SFMASK and SYSENTER_* (passed through: no exit) and
 * reads its own values back; EFER by RDMSR/WRMSR without an exit, SVME
 * hidden, NXE kept.
 */
#include "host_state.h"

/* Guests */

/* RDMSR ECX=@msr into DATA+@off (EAX) and DATA+@off+4 (EDX). */
#define RDMSR_TO(msr, off)						\
	"mov $" msr ", %ecx\n\t"					\
	"rdmsr\n\t"							\
	"mov %eax, " DATA "+" off "\n\t"				\
	"mov %edx, " DATA "+" off "+4\n\t"
/* WRMSR ECX=@msr from DATA+@off. */
#define WRMSR_FROM(msr, off)						\
	"mov $" msr ", %ecx\n\t"					\
	"mov " DATA "+" off ", %eax\n\t"				\
	"mov " DATA "+" off "+4, %edx\n\t"				\
	"wrmsr\n\t"

#define MSR_FS_BASE		"0xc0000100"
#define MSR_GS_BASE		"0xc0000101"
#define MSR_KERNEL_GS_BASE	"0xc0000102"

/*
 * Each round: the current FS_BASE, GS_BASE, KERNEL_GS_BASE to DATA+0x00
 * (before), the host's new values from DATA+0x20 written, read back to
 * DATA+0x40 (after), OUT.
 */
X86_GUEST(fsgs_guest, ".code32",
	"1:\n\t"
	RDMSR_TO(MSR_FS_BASE, "0x00")
	RDMSR_TO(MSR_GS_BASE, "0x08")
	RDMSR_TO(MSR_KERNEL_GS_BASE, "0x10")
	WRMSR_FROM(MSR_FS_BASE, "0x20")
	WRMSR_FROM(MSR_GS_BASE, "0x28")
	WRMSR_FROM(MSR_KERNEL_GS_BASE, "0x30")
	RDMSR_TO(MSR_FS_BASE, "0x40")
	RDMSR_TO(MSR_GS_BASE, "0x48")
	RDMSR_TO(MSR_KERNEL_GS_BASE, "0x50")
	"out %al, $" __stringify(PORT_FSGS) "\n\t"
	"jmp 1b\n\t");

static const struct {
	const char *name;
	__u32 index;
} sys_msrs[] = {
	{ "STAR", 0xc0000081 }, { "LSTAR", 0xc0000082 },
	{ "CSTAR", 0xc0000083 }, { "SFMASK", 0xc0000084 },
	{ "SYSENTER_CS", 0x174 }, { "SYSENTER_ESP", 0x175 },
	{ "SYSENTER_EIP", 0x176 },
};

/*
 * The guest's values, within each MSR's architectural width on AMD
 * (SFMASK and the SYSENTER MSRs are 32 bits wide, SYSENTER_CS 16) and
 * canonical where the register holds an address.
 */
static const __u64 sys_msr_values[][7] = {
	{ 0x0013000800000000ULL, 0xffff8000deadb000ULL, 0x00007fffcafe0000ULL,
	  0x00047700ULL, 0x1234ULL, 0x89abc000ULL, 0x76543210ULL },
	{ 0x001b001000000000ULL, 0x00007ff012345000ULL, 0xffff80000badc000ULL,
	  0x00000300ULL, 0x0008ULL, 0x00fff000ULL, 0x00c0ffeeULL },
};

/*
 * Each round: the seven MSRs above read to DATA+0x80.. (before), written
 * from DATA+0x00.., read back to DATA+0x40.. (after), OUT.
 */
X86_GUEST(sysmsr_guest, ".code32",
	"1:\n\t"
	RDMSR_TO("0xc0000081", "0x80")
	RDMSR_TO("0xc0000082", "0x88")
	RDMSR_TO("0xc0000083", "0x90")
	RDMSR_TO("0xc0000084", "0x98")
	RDMSR_TO("0x174", "0xa0")
	RDMSR_TO("0x175", "0xa8")
	RDMSR_TO("0x176", "0xb0")
	WRMSR_FROM("0xc0000081", "0x00")
	WRMSR_FROM("0xc0000082", "0x08")
	WRMSR_FROM("0xc0000083", "0x10")
	WRMSR_FROM("0xc0000084", "0x18")
	WRMSR_FROM("0x174", "0x20")
	WRMSR_FROM("0x175", "0x28")
	WRMSR_FROM("0x176", "0x30")
	RDMSR_TO("0xc0000081", "0x40")
	RDMSR_TO("0xc0000082", "0x48")
	RDMSR_TO("0xc0000083", "0x50")
	RDMSR_TO("0xc0000084", "0x58")
	RDMSR_TO("0x174", "0x60")
	RDMSR_TO("0x175", "0x68")
	RDMSR_TO("0x176", "0x70")
	"out %al, $" __stringify(PORT_SYSMSR) "\n\t"
	"jmp 1b\n\t");

/* EFER read to DATA+0x00, NXE set, read again to DATA+0x08. */
X86_GUEST(efer_guest, ".code32",
	RDMSR_TO("0xc0000080", "0x00")
	"or $" __stringify(X86_EFER_NXE) ", %eax\n\t"
	"wrmsr\n\t"
	RDMSR_TO("0xc0000080", "0x08")
	"out %al, $" __stringify(PORT_EFER) "\n\t"
	"hlt\n\t");


/*
 * Raw system calls for the moments when the FS base might be wrong: no
 * libc (errno is thread-local) between RUN and the check of the FS base.
 */
static long raw_syscall3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall"
		     : "=a" (ret)
		     : "0" (nr), "D" (a), "S" (b), "d" (c)
		     : "rcx", "r11", "memory");
	return ret;
}

static __thread volatile unsigned long tls_word = 0x5a5a5a5a12345678UL;
static __thread volatile unsigned long tls_array[16];

/*
 * The guest owns FS_BASE, GS_BASE and KERNEL_GS_BASE without exits and
 * reads back its own values, also across exits; the host's FS base (TLS)
 * and user GS base are intact after every RUN.
 */
TEST_F(host_state, fs_gs_bases_kept_apart)
{
	const unsigned int rounds = 200;
	unsigned long host_fs = 0, host_gs = 0, fs = 0, gs = 0;
	static unsigned long gs_target[4];
	struct axvcpu_regs regs;
	struct axv_vcpu *vcpu;
	__u64 prev[3] = { 0, 0, 0 }, want[3];
	unsigned int r, i;
	long rc;

	GUEST(fsgs_guest);
	vcpu = self->vcpu;
	ASSERT_EQ(0, raw_syscall3(SYS_arch_prctl, ARCH_GET_FS, (long)&host_fs, 0));
	/* a user GS base of our own, to see that it survives */
	ASSERT_EQ(0, raw_syscall3(SYS_arch_prctl, ARCH_SET_GS, (long)gs_target, 0));
	ASSERT_EQ(0, raw_syscall3(SYS_arch_prctl, ARCH_GET_GS, (long)&host_gs, 0));
	ASSERT_EQ((unsigned long)gs_target, host_gs);
	for (i = 0; i < 16; i++)
		tls_array[i] = i * 0x0101010101010101UL;

	for (r = 0; r < rounds; r++) {
		/* canonical, distinct per round and per register */
		want[0] = 0x00007f0000000000ULL + ((__u64)r << 12);
		want[1] = 0xffff900000000000ULL + ((__u64)r << 12);
		want[2] = 0x0000400000000000ULL + ((__u64)r << 16) + 0x123000;
		for (i = 0; i < 3; i++)
			guest_put_u64(&self->vm, X86_DATA_GPA + 0x20 + 8 * i, want[i]);

		rc = raw_syscall3(SYS_ioctl, vcpu->fd, AXVCPU_RUN, 0);
		/* before any use of thread-local storage (errno included) */
		fs = gs = 0;
		raw_syscall3(SYS_arch_prctl, ARCH_GET_FS, (long)&fs, 0);
		raw_syscall3(SYS_arch_prctl, ARCH_GET_GS, (long)&gs, 0);
		ASSERT_EQ(host_fs, fs)
			TH_LOG("round %u: host FS base %#lx after RUN, expected %#lx (guest's %#llx)",
			       r, fs, host_fs, (unsigned long long)want[0]);
		ASSERT_EQ(host_gs, gs)
			TH_LOG("round %u: host user GS base %#lx after RUN, expected %#lx",
			       r, gs, host_gs);
		ASSERT_EQ(0x5a5a5a5a12345678UL, tls_word)
			TH_LOG("round %u: TLS variable reads %#lx", r, tls_word);
		for (i = 0; i < 16; i++) {
			unsigned long v = tls_array[i];

			ASSERT_EQ(i * 0x0101010101010101UL + r, v)
				TH_LOG("round %u: TLS array[%u] reads %#lx", r, i, v);
		}
		for (i = 0; i < 16; i++)
			tls_array[i]++;

		ASSERT_EQ(0, rc) TH_LOG("round %u: RUN: %s", r, axv_errno_name(-rc));
		ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
		ASSERT_RUN_FIELD(vcpu, "io.port", PORT_FSGS, vcpu->run->io.port);
		for (i = 0; i < 3; i++) {
			static const char *const names[] = {
				"FS_BASE", "GS_BASE", "KERNEL_GS_BASE" };
			__u64 before = guest_u64(&self->vm, X86_DATA_GPA + 8 * i);
			__u64 after = guest_u64(&self->vm, X86_DATA_GPA + 0x40 + 8 * i);

			ASSERT_EQ(want[i], after)
				TH_LOG("round %u: guest %s read back %#llx, wrote %#llx",
				       r, names[i], (unsigned long long)after,
				       (unsigned long long)want[i]);
			ASSERT_EQ(prev[i], before)
				TH_LOG("round %u: guest %s was %#llx at the start of the round, expected its own %#llx from before the exit",
				       r, names[i], (unsigned long long)before,
				       (unsigned long long)prev[i]);
			prev[i] = after;
		}
		axv_get_regs(vcpu, &regs);
		ASSERT_EQ(want[0], regs.x86.fs.base) TH_LOG("GET_REGS fs.base");
		ASSERT_EQ(want[1], regs.x86.gs.base) TH_LOG("GET_REGS gs.base");
		if (r % 50 == 49)
			axv_msleep(5);	/* a context switch in between */
	}
}

/*
 * The guest owns the syscall and sysenter MSRs without exits and reads its
 * own values back, also across exits; the host's system calls (this RUN's
 * return among them) keep working, which they would not with the guest's
 * LSTAR or STAR.
 */
TEST_F(host_state, syscall_msrs_kept_apart)
{
	struct axv_vcpu *vcpu;
	unsigned int r, i;
	pid_t pid = getpid();

	GUEST(sysmsr_guest);
	vcpu = self->vcpu;
	for (r = 0; r < 20; r++) {
		const __u64 *vals = sys_msr_values[r % 2];

		for (i = 0; i < ARRAY_SIZE(sys_msrs); i++)
			guest_put_u64(&self->vm, X86_DATA_GPA + 8 * i, vals[i]);
		ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_IO_WRITE);
		ASSERT_RUN_FIELD(vcpu, "io.port", PORT_SYSMSR, vcpu->run->io.port);
		for (i = 0; i < ARRAY_SIZE(sys_msrs); i++) {
			__u64 got = guest_u64(&self->vm, X86_DATA_GPA + 0x40 + 8 * i);
			__u64 before = guest_u64(&self->vm, X86_DATA_GPA + 0x80 + 8 * i);
			__u64 prev = sys_msr_values[(r + 1) % 2][i];

			ASSERT_EQ(vals[i], got)
				TH_LOG("round %u: guest %s (%#x) read back %#llx, wrote %#llx",
				       r, sys_msrs[i].name, sys_msrs[i].index,
				       (unsigned long long)got,
				       (unsigned long long)vals[i]);
			if (!r)
				continue;
			ASSERT_EQ(prev, before)
				TH_LOG("round %u: guest %s (%#x) was %#llx after the exit, expected its own %#llx",
				       r, sys_msrs[i].name, sys_msrs[i].index,
				       (unsigned long long)before,
				       (unsigned long long)prev);
		}
		ASSERT_EQ(pid, (pid_t)syscall(SYS_getpid));
	}
}


/* EFER by RDMSR/WRMSR: no exit, SVME hidden, NXE set by the guest stays. */
TEST_F(host_state, efer_msr)
{
	unsigned int a, b, c, d;
	struct axvcpu_regs regs;
	struct axv_vcpu *vcpu;
	__u64 first, second;

	AXV_REQUIRE_X86(&self->info);
	if (!__get_cpuid(0x80000001, &a, &b, &c, &d) || !(d & (1U << 20)))
		SKIP(return, "the CPU has no NX (CPUID.80000001:EDX.NX clear)");
	GUEST(efer_guest);
	vcpu = self->vcpu;
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_RUN_FIELD(vcpu, "io.port (no exit before)", PORT_EFER,
			 vcpu->run->io.port);
	first = guest_u64(&self->vm, X86_DATA_GPA);
	second = guest_u64(&self->vm, X86_DATA_GPA + 8);
	ASSERT_EQ(0, first & X86_EFER_SVME)
		TH_LOG("guest RDMSR EFER = %#llx: SVME visible",
		       (unsigned long long)first);
	ASSERT_EQ(0, first) TH_LOG("guest EFER %#llx after FLAT32 set-up, expected 0",
				   (unsigned long long)first);
	ASSERT_EQ(X86_EFER_NXE, second)
		TH_LOG("guest RDMSR EFER after setting NXE = %#llx",
		       (unsigned long long)second);
	axv_get_regs(vcpu, &regs);
	ASSERT_EQ(X86_EFER_NXE, regs.x86.efer)
		TH_LOG("GET_REGS efer %#llx", (unsigned long long)regs.x86.efer);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

TEST_HARNESS_MAIN
