// SPDX-License-Identifier: GPL-2.0
/*
 * host_fpu_x86_test: the host's SSE/AVX registers and MXCSR survive RUN while
 * the guest writes its own into the same registers; the guest's survive
 * exits and the host's use of the FPU in between, per vCPU (Documentation/
 * design.rst, "SVM specifics").
 */
#include "host_state.h"

#define XMM_LD(n)	"movdqu " #n "*16(%[in]), %%xmm" #n "\n\t"
#define XMM_ST(n)	"movdqu %%xmm" #n ", " #n "*16(%[out])\n\t"
#define YMM_LD(n)	"vmovdqu " #n "*32(%[in]), %%ymm" #n "\n\t"
#define YMM_ST(n)	"vmovdqu %%ymm" #n ", " #n "*32(%[out])\n\t"
#define XMM_CLOBBERS	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",	\
			"xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",	\
			"xmm12", "xmm13", "xmm14", "xmm15"

/*
 * One RUN with xmm0..xmm15 and MXCSR holding the host's pattern: one asm
 * statement loads them, makes the ioctl(RUN) system call and stores them
 * back, so that nothing but the kernel runs in between. MXCSR is put back
 * to @mxcsr_restore afterwards. Returns the system call's result.
 */
static long run_with_xmm(int fd, const void *in, void *out, __u32 mxcsr_in,
			 __u32 *mxcsr_out, __u32 mxcsr_restore)
{
	long ret;

	asm volatile("ldmxcsr %[mi]\n\t"
		     XMM_LD(0) XMM_LD(1) XMM_LD(2) XMM_LD(3)
		     XMM_LD(4) XMM_LD(5) XMM_LD(6) XMM_LD(7)
		     XMM_LD(8) XMM_LD(9) XMM_LD(10) XMM_LD(11)
		     XMM_LD(12) XMM_LD(13) XMM_LD(14) XMM_LD(15)
		     "syscall\n\t"
		     XMM_ST(0) XMM_ST(1) XMM_ST(2) XMM_ST(3)
		     XMM_ST(4) XMM_ST(5) XMM_ST(6) XMM_ST(7)
		     XMM_ST(8) XMM_ST(9) XMM_ST(10) XMM_ST(11)
		     XMM_ST(12) XMM_ST(13) XMM_ST(14) XMM_ST(15)
		     "stmxcsr %[mo]\n\t"
		     "ldmxcsr %[mr]\n\t"
		     : "=a" (ret), [mo] "=m" (*mxcsr_out)
		     : "0" ((long)SYS_ioctl), "D" ((long)fd),
		       "S" ((long)AXVCPU_RUN), "d" (0L),
		       [in] "r" (in), [out] "r" (out), [mi] "m" (mxcsr_in),
		       [mr] "m" (mxcsr_restore)
		     : "rcx", "r11", "memory", XMM_CLOBBERS);
	return ret;
}

/* The same for the whole of ymm0..ymm15 (AVX). */
static long run_with_ymm(int fd, const void *in, void *out)
{
	long ret;

	asm volatile(YMM_LD(0) YMM_LD(1) YMM_LD(2) YMM_LD(3)
		     YMM_LD(4) YMM_LD(5) YMM_LD(6) YMM_LD(7)
		     YMM_LD(8) YMM_LD(9) YMM_LD(10) YMM_LD(11)
		     YMM_LD(12) YMM_LD(13) YMM_LD(14) YMM_LD(15)
		     "syscall\n\t"
		     YMM_ST(0) YMM_ST(1) YMM_ST(2) YMM_ST(3)
		     YMM_ST(4) YMM_ST(5) YMM_ST(6) YMM_ST(7)
		     YMM_ST(8) YMM_ST(9) YMM_ST(10) YMM_ST(11)
		     YMM_ST(12) YMM_ST(13) YMM_ST(14) YMM_ST(15)
		     "vzeroupper\n\t"
		     : "=a" (ret)
		     : "0" ((long)SYS_ioctl), "D" ((long)fd),
		       "S" ((long)AXVCPU_RUN), "d" (0L),
		       [in] "r" (in), [out] "r" (out)
		     : "rcx", "r11", "memory", XMM_CLOBBERS);
	return ret;
}

/* Fill @n bytes with a pattern no two registers or rounds share. */
/* Index of the first differing 16- or 32-byte register, or -1. */
static int first_diff(const __u8 *a, const __u8 *b, int nregs, int size)
{
	int i;

	for (i = 0; i < nregs; i++)
		if (memcmp(a + i * size, b + i * size, size))
			return i;
	return -1;
}

/* ---------------------------------------------------------------- */
/* Guests                                                            */

/* Writes its own xmm0..xmm7 and MXCSR from DATA, then OUT, forever. */
X86_GUEST(sse_clobber_guest, ".code32",
	"1:\n\t"
	"movdqu " DATA "+0x00, %xmm0\n\t"
	"movdqu " DATA "+0x10, %xmm1\n\t"
	"movdqu " DATA "+0x20, %xmm2\n\t"
	"movdqu " DATA "+0x30, %xmm3\n\t"
	"movdqu " DATA "+0x40, %xmm4\n\t"
	"movdqu " DATA "+0x50, %xmm5\n\t"
	"movdqu " DATA "+0x60, %xmm6\n\t"
	"movdqu " DATA "+0x70, %xmm7\n\t"
	"ldmxcsr " DATA "+0x100\n\t"
	"out %al, $" __stringify(PORT_SSE) "\n\t"
	"jmp 1b\n\t");

/* Writes its own ymm0..ymm7 from DATA, then OUT, forever. */
X86_GUEST(avx_clobber_guest, ".code32",
	"mov $" STACK ", %esp\n\t"
	"lidt " IDTR "\n\t"
	"1:\n\t"
	"vmovdqu " DATA "+0x00, %ymm0\n\t"
	"vmovdqu " DATA "+0x20, %ymm1\n\t"
	"vmovdqu " DATA "+0x40, %ymm2\n\t"
	"vmovdqu " DATA "+0x60, %ymm3\n\t"
	"vmovdqu " DATA "+0x80, %ymm4\n\t"
	"vmovdqu " DATA "+0xa0, %ymm5\n\t"
	"vmovdqu " DATA "+0xc0, %ymm6\n\t"
	"vmovdqu " DATA "+0xe0, %ymm7\n\t"
	"out %al, $" __stringify(PORT_AVX) "\n\t"
	"jmp 1b\n\t"
	BAD_UD_HANDLER(avx_clobber_ud));
X86_GUEST_LABEL(avx_clobber_ud);

/* ESI: the pattern's address, EDI: where to store xmm7 after the exit. */
X86_GUEST(sse_keep_guest, ".code32",
	"movdqu (%esi), %xmm7\n\t"
	"mov $1, %al\n\t"
	"out %al, $" __stringify(PORT_KEEP) "\n\t"
	"movdqu %xmm7, (%edi)\n\t"
	"mov $2, %al\n\t"
	"out %al, $" __stringify(PORT_KEEP) "\n\t"
	"hlt\n\t");

/* The same with ymm7. */
X86_GUEST(avx_keep_guest, ".code32",
	"mov $" STACK ", %esp\n\t"
	"lidt " IDTR "\n\t"
	"vmovdqu (%esi), %ymm7\n\t"
	"mov $1, %al\n\t"
	"out %al, $" __stringify(PORT_KEEP) "\n\t"
	"vmovdqu %ymm7, (%edi)\n\t"
	"mov $2, %al\n\t"
	"out %al, $" __stringify(PORT_KEEP) "\n\t"
	"hlt\n\t"
	BAD_UD_HANDLER(avx_keep_ud));
X86_GUEST_LABEL(avx_keep_ud);

/*
 * RUN with the host's xmm0..xmm15 and MXCSR loaded; the guest loads its
 * own xmm0..xmm7 and MXCSR (and XRSTOR of its area replaces all sixteen):
 * after RUN the host's are intact.
 */
TEST_F(host_state, host_sse_survives_run)
{
	__u8 in[16 * 16], out[16 * 16];
	__u32 mxcsr_out, mxcsr_orig;
	/* round toward -inf: not the default 0x1f80 the guest's area starts with */
	const __u32 host_mxcsr = 0x3f80, guest_mxcsr = 0x9f80;
	struct axv_vcpu *vcpu;
	int round, bad;
	long rc;

	GUEST(sse_clobber_guest);
	vcpu = self->vcpu;
	x86_vcpu_set_cr4(vcpu, X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	asm volatile("stmxcsr %0" : "=m" (mxcsr_orig));

	for (round = 0; round < 8; round++) {
		fill_pattern(axv_gpa2hva(&self->vm, X86_DATA_GPA), 8 * 16,
			     0x80 + round);
		memcpy(axv_gpa2hva(&self->vm, X86_DATA_GPA + 0x100),
		       &guest_mxcsr, 4);
		fill_pattern(in, sizeof(in), round);
		memset(out, 0, sizeof(out));
		rc = run_with_xmm(vcpu->fd, in, out, host_mxcsr, &mxcsr_out,
				  mxcsr_orig);
		ASSERT_EQ(0, rc) TH_LOG("round %d: RUN: %s", round,
					axv_errno_name(-rc));
		ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
		ASSERT_RUN_FIELD(vcpu, "io.port", PORT_SSE, vcpu->run->io.port);
		bad = first_diff(in, out, 16, 16);
		ASSERT_EQ(-1, bad)
			TH_LOG("round %d: host xmm%d changed across RUN (%s)",
			       round, bad,
			       !memcmp(out + bad * 16,
				       (__u8 *)axv_gpa2hva(&self->vm, X86_DATA_GPA) + bad * 16,
				       16) ? "it holds the guest's value" :
				       "not the guest's value either");
		ASSERT_EQ(host_mxcsr, mxcsr_out)
			TH_LOG("round %d: host MXCSR %#x after RUN, expected %#x (guest's %#x)",
			       round, mxcsr_out, host_mxcsr, guest_mxcsr);
	}
}

/* The same for the upper halves of ymm0..ymm15 (the guest writes ymm0-7). */
TEST_F(host_state, host_avx_survives_run)
{
	__u8 in[16 * 32], out[16 * 32];
	struct axv_vcpu *vcpu;
	char why[128];
	int round, bad;
	long rc;

	AXV_REQUIRE_X86(&self->info);
	if (!host_has_avx(why, sizeof(why)))
		SKIP(return, "%s", why);
	GUEST(avx_clobber_guest);
	vcpu = self->vcpu;
	x86_idt_set_gate(&self->vm, UD_VECTOR,
			 X86_GUEST_GPA(avx_clobber_guest, avx_clobber_ud));
	x86_vcpu_set_cr4(vcpu, X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT |
			 X86_CR4_OSXSAVE);

	for (round = 0; round < 8; round++) {
		fill_pattern(axv_gpa2hva(&self->vm, X86_DATA_GPA), 8 * 32,
			     0xc0 + round);
		fill_pattern(in, sizeof(in), 0x40 + round);
		memset(out, 0, sizeof(out));
		rc = run_with_ymm(vcpu->fd, in, out);
		ASSERT_EQ(0, rc) TH_LOG("round %d: RUN: %s", round,
					axv_errno_name(-rc));
		if (round == 0 &&
		    vcpu->run->exit_reason == AXVCPU_EXIT_FAIL_ENTRY)
			SKIP(return, "a guest CR4 with OSXSAVE was refused (FAIL_ENTRY %#llx)",
			     (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
		SKIP_IF_GUEST_UD(vcpu, "vmovdqu to ymm");
		ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
		ASSERT_RUN_FIELD(vcpu, "io.port", PORT_AVX, vcpu->run->io.port);
		bad = first_diff(in, out, 16, 32);
		ASSERT_EQ(-1, bad)
			TH_LOG("round %d: host ymm%d changed across RUN (upper half %s)",
			       round, bad,
			       memcmp(in + bad * 32 + 16, out + bad * 32 + 16, 16) ?
			       "differs" : "intact, lower half differs");
	}
}

/* Load some other value into the host's own @reg (xmm7 or ymm7). */
static void clobber_host_reg7(bool ymm, __u8 seed)
{
	__u8 junk[32];

	fill_pattern(junk, sizeof(junk), seed);
	if (ymm)
		asm volatile("vmovdqu %0, %%ymm7\n\tvzeroupper"
			     : : "m" (junk) : "xmm7");
	else
		asm volatile("movdqu %0, %%xmm7" : : "m" (junk) : "xmm7");
}

/* System calls in between that use or switch the FPU state. */
static void host_fpu_traffic(struct axv_vcpu *other)
{
	struct axvcpu_regs regs;
	char buf[64];
	int fd;

	getpid();
	sched_yield();
	fd = open("/proc/self/status", O_RDONLY);
	if (fd >= 0) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	axv_msleep(2);
	axv_get_regs(other, &regs);
}

/*
 * The guest's register 7 survives an exit, the host's own use of it,
 * other system calls and a sleep, and another vCPU's use of it: two vCPUs
 * of one VM on one thread, each with its own pattern.
 */
static void guest_reg_kept(struct __test_metadata *_metadata,
			   FIXTURE_DATA(host_state) *self, bool ymm)
{
	const unsigned int size = ymm ? 32 : 16;
	const __u64 pat_gpa[2] = { X86_DATA_GPA, X86_DATA_GPA + 0x100 };
	const __u64 out_gpa[2] = { X86_DATA_GPA + 0x200, X86_DATA_GPA + 0x300 };
	struct axv_vcpu *v[2];
	unsigned int i;
	char why[128];

	AXV_REQUIRE_X86(&self->info);
	if (ymm && !host_has_avx(why, sizeof(why)))
		SKIP(return, "%s", why);
	x86_vm_create(&self->vm);
	if (ymm) {
		x86_guest_load(&self->vm, X86_CODE_GPA, avx_keep_guest_start,
			       avx_keep_guest_end);
		x86_idt_set_gate(&self->vm, UD_VECTOR,
				 X86_GUEST_GPA(avx_keep_guest, avx_keep_ud));
	} else {
		x86_guest_load(&self->vm, X86_CODE_GPA, sse_keep_guest_start,
			       sse_keep_guest_end);
	}
	self->vcpu = x86_vcpu_ready(&self->vm, 0, 0, X86_CODE_GPA);
	self->vcpu2 = x86_vcpu_ready(&self->vm, 1, 0, X86_CODE_GPA);
	v[0] = self->vcpu;
	v[1] = self->vcpu2;
	for (i = 0; i < 2; i++) {
		fill_pattern(axv_gpa2hva(&self->vm, pat_gpa[i]), size, 0x11 * (i + 1));
		memset(axv_gpa2hva(&self->vm, out_gpa[i]), 0, size);
		axv_set_gpr(v[i], X86_RSI, pat_gpa[i]);
		axv_set_gpr(v[i], X86_RDI, out_gpa[i]);
		x86_vcpu_set_cr4(v[i], X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT |
				 (ymm ? X86_CR4_OSXSAVE : 0));
	}

	/* each vCPU loads its pattern and exits; the host clobbers in between */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, axv_run(v[i]));
		if (ymm && i == 0 &&
		    v[i]->run->exit_reason == AXVCPU_EXIT_FAIL_ENTRY)
			SKIP(return, "a guest CR4 with OSXSAVE was refused (FAIL_ENTRY %#llx)",
			     (unsigned long long)v[i]->run->fail_entry.hardware_entry_failure_reason);
		SKIP_IF_GUEST_UD(v[i], "vmovdqu to ymm7");
		ASSERT_EXIT_REASON(v[i], AXVCPU_EXIT_IO_WRITE);
		ASSERT_RUN_FIELD(v[i], "io.data (checkpoint)", 1, v[i]->run->io.data);
		clobber_host_reg7(ymm, 0x5a + i);
		host_fpu_traffic(v[i]);
		clobber_host_reg7(ymm, 0xa5 + i);
	}
	/* each stores what it has in register 7 now */
	for (i = 0; i < 2; i++) {
		const __u8 *want = axv_gpa2hva(&self->vm, pat_gpa[i]);
		const __u8 *got = axv_gpa2hva(&self->vm, out_gpa[i]);
		const __u8 *other = axv_gpa2hva(&self->vm, pat_gpa[!i]);

		ASSERT_RUN_IO_WRITE(v[i], PORT_KEEP, 1, 2);
		ASSERT_EQ(0, memcmp(want, got, size))
			TH_LOG("vCPU %u: guest %s7 lost across the exit (%s)", i,
			       ymm ? "ymm" : "xmm",
			       !memcmp(other, got, size) ? "it holds the other vCPU's value" :
			       !memcmp(want, got, 16) ? "upper half lost" :
			       "neither this vCPU's nor the other's value");
	}
}

TEST_F(host_state, guest_sse_kept_across_exits)
{
	guest_reg_kept(_metadata, self, false);
}

TEST_F(host_state, guest_avx_kept_across_exits)
{
	guest_reg_kept(_metadata, self, true);
}

TEST_HARNESS_MAIN
