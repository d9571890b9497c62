// SPDX-License-Identifier: GPL-2.0
/*
 * host_state_x86_test: the world switch keeps the host's state and the
 * guest's apart, and the guest sees what Documentation/design.rst ("SVM
 * specifics", "What the guest sees") promises:
 *
 *   - the host's SSE/AVX registers and MXCSR survive RUN while the guest
 *     writes its own into the same registers; the guest's survive exits and
 *     the host's use of the FPU in between, per vCPU;
 *   - the host's FS base (TLS), user GS base and syscall MSRs survive RUN
 *     while the guest writes FS_BASE, GS_BASE, KERNEL_GS_BASE, STAR, LSTAR,
 *     CSTAR, SFMASK and SYSENTER_* (passed through: no exit) and reads its
 *     own values back;
 *   - MOV DRn is emulated without an exit, DR4/DR5 alias DR6/DR7, and a
 *     host hardware breakpoint still fires after RUN;
 *   - CPUID: hypervisor bit, no SVM, "AxVCpuAxVCpu", the vCPU id as APIC ID;
 *   - EFER by RDMSR/WRMSR without an exit, SVME hidden, NXE kept;
 *   - VMRUN, VMLOAD, VMSAVE, STGI, CLGI, SKINIT, INVLPGA, MONITOR and MWAIT
 *     raise #UD in the guest; XSETBV of another value than the host's XCR0
 *     raises #GP, and in no case does the host run with the guest's XCR0;
 *     INVD is a no-op.
 *
 * MMIO loads by MOVZX/MOVSX of widths 1 and 2 into 32-bit registers, with
 * the sign extension applied on completion, are covered by
 * exits_x86_test's mmio_read_completion (movzbl, movsbl, movswl, movzwl).
 */
#include <cpuid.h>
#include <fcntl.h>
#include <sched.h>
#include <asm/prctl.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

#define DATA		__stringify(X86_DATA_GPA)
#define STACK		__stringify(X86_STACK_TOP)
#define IDTR		__stringify(X86_IDTR_GPA)

#define UD_VECTOR	6
#define GP_VECTOR	13

/* Ports the guests below report on. */
#define PORT_SSE	0x10
#define PORT_AVX	0x11
#define PORT_KEEP	0x20
#define PORT_FSGS	0x30
#define PORT_SYSMSR	0x31
#define PORT_DR		0x40
#define PORT_CPUID	0x50
#define PORT_EFER	0x58
#define PORT_UD		0x60	/* #UD handler: EIP of the faulting insn */
#define PORT_GP		0x61	/* #GP handler: EIP of the faulting insn */
#define PORT_DONE	0x62
#define PORT_XSETBV	0x63
#define PORT_BAD_UD	0x66	/* unexpected #UD (AVX guests): EIP */
#define PORT_INVD	0x70

/* ---------------------------------------------------------------- */
/* Host-side helpers                                                 */

static __u64 guest_u64(struct axv_vm *vm, __u64 gpa)
{
	__u64 v;

	memcpy(&v, axv_gpa2hva(vm, gpa), sizeof(v));
	return v;
}

static __u32 guest_u32(struct axv_vm *vm, __u64 gpa)
{
	__u32 v;

	memcpy(&v, axv_gpa2hva(vm, gpa), sizeof(v));
	return v;
}

static void guest_put_u64(struct axv_vm *vm, __u64 gpa, __u64 v)
{
	memcpy(axv_gpa2hva(vm, gpa), &v, sizeof(v));
}

static bool host_has_avx(char *why, size_t len)
{
	unsigned int a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_AVX)) {
		snprintf(why, len, "the CPU has no AVX (CPUID.1:ECX.AVX clear)");
		return false;
	}
	if (!(c & bit_OSXSAVE)) {
		snprintf(why, len, "the host kernel did not set CR4.OSXSAVE");
		return false;
	}
	asm volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	if ((lo & 6) != 6) {
		snprintf(why, len, "the host XCR0 (%#x) does not enable SSE+AVX",
			 lo);
		return false;
	}
	return true;
}

static bool host_has_osxsave(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE);
}

static __u64 host_xcr0(void)
{
	unsigned int lo, hi;

	asm volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (0));
	return ((__u64)hi << 32) | lo;
}

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
static void fill_pattern(__u8 *p, size_t n, __u8 seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (__u8)(seed * 31 + i * 7 + (i >> 4) * 13 + 1);
}

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

/*
 * The guests using VEX instructions have a #UD handler that reports the
 * faulting EIP on PORT_BAD_UD, so that an emulated CPU without AVX in the
 * guest gives a reason instead of a triple fault.
 */
#define BAD_UD_HANDLER(label)						\
	#label ":\n\t"							\
	"mov (%esp), %eax\n\t"						\
	"out %eax, $" __stringify(PORT_BAD_UD) "\n\t"			\
	"hlt\n\t"

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

/* CPUID leaves 1, 0x80000001, 0x40000000, 0x8000000a to DATA+0x00.. */
X86_GUEST(cpuid_guest, ".code32",
	"mov $1, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"cpuid\n\t"
	"mov %eax, " DATA "+0x00\n\t"
	"mov %ebx, " DATA "+0x04\n\t"
	"mov %ecx, " DATA "+0x08\n\t"
	"mov %edx, " DATA "+0x0c\n\t"
	"mov $0x80000001, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"cpuid\n\t"
	"mov %eax, " DATA "+0x10\n\t"
	"mov %ebx, " DATA "+0x14\n\t"
	"mov %ecx, " DATA "+0x18\n\t"
	"mov %edx, " DATA "+0x1c\n\t"
	"mov $0x40000000, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"cpuid\n\t"
	"mov %eax, " DATA "+0x20\n\t"
	"mov %ebx, " DATA "+0x24\n\t"
	"mov %ecx, " DATA "+0x28\n\t"
	"mov %edx, " DATA "+0x2c\n\t"
	"mov $0x8000000a, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"cpuid\n\t"
	"mov %eax, " DATA "+0x30\n\t"
	"mov %ebx, " DATA "+0x34\n\t"
	"mov %ecx, " DATA "+0x38\n\t"
	"mov %edx, " DATA "+0x3c\n\t"
	"out %al, $" __stringify(PORT_CPUID) "\n\t"
	"hlt\n\t");

/* EFER read to DATA+0x00, NXE set, read again to DATA+0x08. */
X86_GUEST(efer_guest, ".code32",
	RDMSR_TO("0xc0000080", "0x00")
	"or $" __stringify(X86_EFER_NXE) ", %eax\n\t"
	"wrmsr\n\t"
	RDMSR_TO("0xc0000080", "0x08")
	"out %al, $" __stringify(PORT_EFER) "\n\t"
	"hlt\n\t");

/*
 * Every SVM instruction and MONITOR/MWAIT in turn; the #UD handler reports
 * the faulting EIP and returns past the (3-byte) instruction.
 */
X86_GUEST(ud_guest, ".code32",
	"mov $" STACK ", %esp\n\t"
	"lidt " IDTR "\n\t"
	"xor %eax, %eax\n\t"
	"xor %ecx, %ecx\n\t"
	"xor %edx, %edx\n\t"
	"ud_vmrun: vmrun\n\t"
	"ud_vmload: vmload\n\t"
	"ud_vmsave: vmsave\n\t"
	"ud_stgi: stgi\n\t"
	"ud_clgi: clgi\n\t"
	"ud_skinit: skinit\n\t"
	"ud_invlpga: invlpga\n\t"
	"mov $" DATA ", %eax\n\t"
	"ud_monitor: monitor\n\t"
	"ud_mwait: mwait\n\t"
	"mov $0xaa, %al\n\t"
	"out %al, $" __stringify(PORT_DONE) "\n\t"
	"hlt\n\t"
	"ud_handler:\n\t"
	"push %eax\n\t"
	"mov 4(%esp), %eax\n\t"
	"out %eax, $" __stringify(PORT_UD) "\n\t"
	"addl $3, 4(%esp)\n\t"
	"pop %eax\n\t"
	"iret\n\t");
X86_GUEST_LABEL(ud_vmrun);
X86_GUEST_LABEL(ud_vmload);
X86_GUEST_LABEL(ud_vmsave);
X86_GUEST_LABEL(ud_stgi);
X86_GUEST_LABEL(ud_clgi);
X86_GUEST_LABEL(ud_skinit);
X86_GUEST_LABEL(ud_invlpga);
X86_GUEST_LABEL(ud_monitor);
X86_GUEST_LABEL(ud_mwait);
X86_GUEST_LABEL(ud_handler);

/*
 * The end of the XSETBV guests: XGETBV (ECX is 0) to DATA+0x08, OUT 2 on
 * PORT_XSETBV, HLT; then their #GP handler at @gp_label, which reports the
 * faulting EIP on PORT_GP, drops the error code and returns past the
 * 3-byte XSETBV.
 */
#define XSETBV_GUEST_END(gp_label)					\
	"xgetbv\n\t"							\
	"mov %eax, " DATA "+0x08\n\t"					\
	"mov %edx, " DATA "+0x0c\n\t"					\
	"mov $2, %al\n\t"						\
	"out %al, $" __stringify(PORT_XSETBV) "\n\t"			\
	"hlt\n\t"							\
	#gp_label ":\n\t"						\
	"push %eax\n\t"							\
	"mov 8(%esp), %eax\n\t"						\
	"out %eax, $" __stringify(PORT_GP) "\n\t"			\
	"addl $3, 8(%esp)\n\t"						\
	"pop %eax\n\t"							\
	"add $4, %esp\n\t"						\
	"iret\n\t"

/*
 * XGETBV to DATA+0x00; XSETBV of that value (allowed); XSETBV of ESI:EDI's
 * value (EDX:EAX = EDI:ESI), which must raise #GP; XGETBV to DATA+0x10;
 * then XCR0 is written back at once from DATA+0x00, in case the second
 * XSETBV was not refused and changed the XCR0 the host shares, and read
 * to DATA+0x08. The #GP handler reports EIP, drops the error code and
 * returns past the 3-byte XSETBV.
 */
X86_GUEST(xsetbv_guest, ".code32",
	"mov $" STACK ", %esp\n\t"
	"lidt " IDTR "\n\t"
	"xor %ecx, %ecx\n\t"
	"xgetbv\n\t"
	"mov %eax, " DATA "+0x00\n\t"
	"mov %edx, " DATA "+0x04\n\t"
	"xs_same: xsetbv\n\t"
	"mov $1, %al\n\t"
	"out %al, $" __stringify(PORT_XSETBV) "\n\t"
	"xor %ecx, %ecx\n\t"
	"mov %esi, %eax\n\t"
	"mov %edi, %edx\n\t"
	"xs_other: xsetbv\n\t"
	"xor %ecx, %ecx\n\t"
	"xgetbv\n\t"
	"mov %eax, " DATA "+0x10\n\t"
	"mov %edx, " DATA "+0x14\n\t"
	"mov " DATA "+0x00, %eax\n\t"
	"mov " DATA "+0x04, %edx\n\t"
	"xsetbv\n\t"
	XSETBV_GUEST_END(xs_gp_handler)
	BAD_UD_HANDLER(xs_ud_handler));
X86_GUEST_LABEL(xs_same);
X86_GUEST_LABEL(xs_other);
X86_GUEST_LABEL(xs_gp_handler);
X86_GUEST_LABEL(xs_ud_handler);

/*
 * XSETBV of ESI:EDI's value without putting XCR0 back: XGETBV to
 * DATA+0x00, OUT 1; after the next entry XGETBV to DATA+0x08, OUT 2. A #GP
 * (the XSETBV intercepted) is reported on PORT_GP and skipped.
 */
X86_GUEST(xcr0_left_guest, ".code32",
	"mov $" STACK ", %esp\n\t"
	"lidt " IDTR "\n\t"
	"xor %ecx, %ecx\n\t"
	"mov %esi, %eax\n\t"
	"mov %edi, %edx\n\t"
	"xl_set: xsetbv\n\t"
	"xor %ecx, %ecx\n\t"
	"xgetbv\n\t"
	"mov %eax, " DATA "+0x00\n\t"
	"mov %edx, " DATA "+0x04\n\t"
	"mov $1, %al\n\t"
	"out %al, $" __stringify(PORT_XSETBV) "\n\t"
	"xor %ecx, %ecx\n\t"
	XSETBV_GUEST_END(xl_gp_handler)
	BAD_UD_HANDLER(xl_ud_handler));
X86_GUEST_LABEL(xl_set);
X86_GUEST_LABEL(xl_gp_handler);
X86_GUEST_LABEL(xl_ud_handler);

X86_GUEST(invd_guest, ".code32",
	"movl $0x12345678, " DATA "\n\t"
	"mov $0x5a, %al\n\t"
	"invd\n\t"
	"out %al, $" __stringify(PORT_INVD) "\n\t"
	"invd_after_out:\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(invd_after_out);

/* ---------------------------------------------------------------- */

FIXTURE(host_state)
{
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct axv_vcpu *vcpu2;
	struct axvcpu_info info;
};

FIXTURE_SETUP(host_state)
{
	axv_read_info(&self->info);
}

FIXTURE_TEARDOWN(host_state)
{
	axv_vcpu_close(self->vcpu2);
	axv_vcpu_close(self->vcpu);
	if (self->vm.fd > 0)
		axv_vm_close(&self->vm);
}

#define GUEST(name)		X86_FIXTURE_GUEST(name, 0)

/* The guest stopped in its #UD handler: a VEX instruction was refused. */
#define SKIP_IF_GUEST_UD(_vcpu, _what) do {				\
	if ((_vcpu)->run->exit_reason == AXVCPU_EXIT_IO_WRITE &&	\
	    (_vcpu)->run->io.port == PORT_BAD_UD)			\
		SKIP(return, "%s: #UD in the guest at %#llx (no AVX for a guest with CR4.OSXSAVE on this CPU)", \
		     _what, (unsigned long long)(_vcpu)->run->io.data);	\
} while (0)

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

/*
 * CPUID as the guest sees it, on vCPU 3: the hypervisor bit, no SVM (and
 * an empty SVM leaf), no VMX, x2APIC or MONITOR, "AxVCpuAxVCpu" at
 * 0x40000000, and the vCPU id as initial APIC ID.
 */
TEST_F(host_state, cpuid_guest_view)
{
	unsigned int a, b, c, d;
	__u32 l1_ebx, l1_ecx, ext_ecx, sig[3];
	struct axv_vcpu *vcpu;
	unsigned int i;

	AXV_REQUIRE_X86(&self->info);
	x86_vm_create(&self->vm);
	x86_guest_load(&self->vm, X86_CODE_GPA, cpuid_guest_start,
		       cpuid_guest_end);
	vcpu = self->vcpu = x86_vcpu_ready(&self->vm, 3, 0, X86_CODE_GPA);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_RUN_FIELD(vcpu, "io.port (no exit before)", PORT_CPUID,
			 vcpu->run->io.port);

	l1_ebx = guest_u32(&self->vm, X86_DATA_GPA + 0x04);
	l1_ecx = guest_u32(&self->vm, X86_DATA_GPA + 0x08);
	ext_ecx = guest_u32(&self->vm, X86_DATA_GPA + 0x18);
	for (i = 0; i < 3; i++)
		sig[i] = guest_u32(&self->vm, X86_DATA_GPA + 0x24 + 4 * i);

	ASSERT_TRUE(l1_ecx & (1U << 31))
		TH_LOG("CPUID.1:ECX %#x: hypervisor bit (31) clear", l1_ecx);
	ASSERT_EQ(0, l1_ecx & (1U << 5))
		TH_LOG("CPUID.1:ECX %#x: VMX (5) visible", l1_ecx);
	ASSERT_EQ(0, l1_ecx & (1U << 21))
		TH_LOG("CPUID.1:ECX %#x: x2APIC (21) visible", l1_ecx);
	ASSERT_EQ(0, l1_ecx & (1U << 3))
		TH_LOG("CPUID.1:ECX %#x: MONITOR (3) visible", l1_ecx);
	ASSERT_EQ(3, l1_ebx >> 24)
		TH_LOG("CPUID.1:EBX %#x: initial APIC ID %u, expected the vCPU id 3",
		       l1_ebx, l1_ebx >> 24);
	/* the host has SVM (we run on it): the guest must not see it */
	__cpuid(0x80000001, a, b, c, d);
	ASSERT_EQ(0, ext_ecx & (1U << 2))
		TH_LOG("CPUID.80000001:ECX %#x: SVM (2) visible (host's %#x)",
		       ext_ecx, c);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, guest_u32(&self->vm, X86_DATA_GPA + 0x30 + 4 * i))
			TH_LOG("CPUID.8000000A register %u nonzero: SVM features visible", i);
	ASSERT_EQ(0, memcmp(sig, "AxVCpuAxVCpu", 12))
		TH_LOG("CPUID.40000000 EBX,ECX,EDX = \"%.12s\"", (char *)sig);
	ASSERT_LE(0x40000000, guest_u32(&self->vm, X86_DATA_GPA + 0x20))
		TH_LOG("CPUID.40000000:EAX (max leaf) %#x",
		       guest_u32(&self->vm, X86_DATA_GPA + 0x20));
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

/* VMRUN, VMLOAD, VMSAVE, STGI, CLGI, SKINIT, INVLPGA, MONITOR, MWAIT: #UD. */
TEST_F(host_state, svm_instructions_raise_ud)
{
	static const struct {
		const char *name;
		const char *label;
	} insns[] = {
		{ "VMRUN", ud_vmrun }, { "VMLOAD", ud_vmload },
		{ "VMSAVE", ud_vmsave }, { "STGI", ud_stgi },
		{ "CLGI", ud_clgi }, { "SKINIT", ud_skinit },
		{ "INVLPGA", ud_invlpga }, { "MONITOR", ud_monitor },
		{ "MWAIT", ud_mwait },
	};
	struct axv_vcpu *vcpu;
	unsigned int i;

	GUEST(ud_guest);
	vcpu = self->vcpu;
	x86_idt_set_gate(&self->vm, UD_VECTOR,
			 X86_GUEST_GPA(ud_guest, ud_handler));
	for (i = 0; i < ARRAY_SIZE(insns); i++) {
		__u64 at = X86_CODE_GPA + (insns[i].label - ud_guest_start);

		ASSERT_EQ(0, axv_run(vcpu));
		ASSERT_EQ(AXVCPU_EXIT_IO_WRITE, vcpu->run->exit_reason)
			TH_LOG("%s at %#llx: expected #UD in the guest, got exit %s (rip %#llx)",
			       insns[i].name, (unsigned long long)at,
			       axv_exit_desc(vcpu->run),
			       (unsigned long long)axv_vcpu_rip(vcpu));
		ASSERT_EQ(PORT_UD, vcpu->run->io.port)
			TH_LOG("%s at %#llx: no #UD (OUT to port %#x instead)",
			       insns[i].name, (unsigned long long)at,
			       vcpu->run->io.port);
		ASSERT_EQ(at, vcpu->run->io.data)
			TH_LOG("%s: #UD reported at %#llx, expected %#llx", insns[i].name,
			       (unsigned long long)vcpu->run->io.data,
			       (unsigned long long)at);
	}
	ASSERT_RUN_IO_WRITE(vcpu, PORT_DONE, 1, 0xaa);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

/*
 * The vCPU of an XSETBV guest: its #GP handler at @gp_gpa and its #UD
 * handler at @ud_gpa in the IDT, CR4.OSFXSR and CR4.OSXSAVE set, and the
 * XCR0 @value it is to write in ESI:EDI.
 */
static void xsetbv_vcpu_prepare(struct axv_vm *vm, struct axv_vcpu *vcpu,
				__u64 gp_gpa, __u64 ud_gpa, __u64 value)
{
	x86_idt_set_gate(vm, GP_VECTOR, gp_gpa);
	x86_idt_set_gate(vm, UD_VECTOR, ud_gpa);
	x86_vcpu_set_cr4(vcpu, X86_CR4_OSFXSR | X86_CR4_OSXSAVE);
	axv_set_gpr(vcpu, X86_RSI, (__u32)value);
	axv_set_gpr(vcpu, X86_RDI, value >> 32);
}

/*
 * XSETBV may only write the host's XCR0 (the guest runs with it): the
 * same value is accepted, another (valid) one raises #GP in the guest.
 * The guest writes the host's value back right after, so that an XSETBV
 * that was not intercepted (QEMU 7.2 TCG has no XSETBV intercept) leaves
 * the host's XCR0 as it was: a host running with the guest's XCR0 gets
 * "Bad FPU state" on its next FPU restore and SIGILL in user space.
 */
TEST_F(host_state, xsetbv_other_value_raises_gp)
{
	__u64 xcr0, other, seen, restored;
	struct axv_vcpu *vcpu;

	AXV_REQUIRE_X86(&self->info);
	if (!host_has_osxsave())
		SKIP(return, "the host kernel does not use XSAVE (CR4.OSXSAVE clear)");
	xcr0 = host_xcr0();
	/* x87+SSE, or x87 alone: always a value the CPU would accept */
	other = xcr0 != 0x3 ? 0x3 : 0x1;
	GUEST(xsetbv_guest);
	vcpu = self->vcpu;
	xsetbv_vcpu_prepare(&self->vm, vcpu, X86_GUEST_GPA(xsetbv_guest, xs_gp_handler),
			    X86_GUEST_GPA(xsetbv_guest, xs_ud_handler), other);

	ASSERT_EQ(0, axv_run(vcpu));
	if (vcpu->run->exit_reason == AXVCPU_EXIT_FAIL_ENTRY)
		SKIP(return, "a guest CR4 with OSXSAVE was refused (FAIL_ENTRY %#llx)",
		     (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
	SKIP_IF_GUEST_UD(vcpu, "xgetbv/xsetbv");
	/* XSETBV of the host's own value: accepted, no #GP */
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	ASSERT_EQ(PORT_XSETBV, vcpu->run->io.port)
		TH_LOG("XSETBV of the host's XCR0 %#llx: OUT to port %#x data %#llx (%#x is #GP)",
		       (unsigned long long)xcr0, vcpu->run->io.port,
		       (unsigned long long)vcpu->run->io.data, PORT_GP);
	seen = guest_u64(&self->vm, X86_DATA_GPA);
	ASSERT_EQ(xcr0, seen) TH_LOG("guest XGETBV %#llx, host XCR0 %#llx",
				     (unsigned long long)seen,
				     (unsigned long long)xcr0);

	ASSERT_EQ(0, axv_run(vcpu));
	ASSERT_EQ(xcr0, host_xcr0())
		TH_LOG("host XCR0 %#llx after the guest's XSETBV, was %#llx",
		       (unsigned long long)host_xcr0(), (unsigned long long)xcr0);
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	seen = guest_u64(&self->vm, X86_DATA_GPA + 0x10);
	if (vcpu->run->io.port == PORT_XSETBV && seen == other)
		SKIP(return, "this CPU does not intercept XSETBV (QEMU's SVM): the guest's XSETBV ran; host XCR0 checked unchanged after RUN");
	ASSERT_EQ(PORT_GP, vcpu->run->io.port)
		TH_LOG("XSETBV %#llx (host XCR0 %#llx) did not raise #GP (OUT to port %#x data %#llx); XGETBV after it gave %#llx: %s",
		       (unsigned long long)other, (unsigned long long)xcr0,
		       vcpu->run->io.port, (unsigned long long)vcpu->run->io.data,
		       (unsigned long long)seen,
		       vcpu->run->io.port != PORT_XSETBV ? "unexpected port" :
		       seen == other ?
		       "the XSETBV was executed, not intercepted: the guest set the XCR0 it shares with the host (and put it back itself)" :
		       "XCR0 unchanged: the XSETBV was skipped without #GP");
	ASSERT_EQ(X86_GUEST_GPA(xsetbv_guest, xs_other), vcpu->run->io.data)
		TH_LOG("#GP at %#llx", (unsigned long long)vcpu->run->io.data);
	ASSERT_RUN_IO_WRITE(vcpu, PORT_XSETBV, 1, 2);
	restored = guest_u64(&self->vm, X86_DATA_GPA + 8);
	ASSERT_EQ(xcr0, restored)
		TH_LOG("guest XGETBV %#llx at the end", (unsigned long long)restored);
	ASSERT_EQ(xcr0, host_xcr0());
}

/*
 * Whatever a guest's XSETBV does, the host never runs with the guest's
 * XCR0: here the guest does not put it back. Intercepted (hardware), it
 * raises #GP and XCR0 never changes; not intercepted (QEMU's SVM), it
 * changes the shared XCR0 until the exit, and the module must put the
 * host's back before it saves or restores any state with it. Without that
 * the host's next FPU restore fails ("Bad FPU state") and its AVX code
 * dies of SIGILL, this test first.
 */
TEST_F(host_state, xsetbv_never_reaches_host)
{
	__u8 in[32], out[32];
	__u64 xcr0, other, first, later;
	struct axv_vcpu *vcpu;
	char why[128];
	bool gp = false;

	AXV_REQUIRE_X86(&self->info);
	if (!host_has_osxsave())
		SKIP(return, "the host kernel does not use XSAVE (CR4.OSXSAVE clear)");
	xcr0 = host_xcr0();
	other = xcr0 != 0x3 ? 0x3 : 0x1;
	GUEST(xcr0_left_guest);
	vcpu = self->vcpu;
	xsetbv_vcpu_prepare(&self->vm, vcpu, X86_GUEST_GPA(xcr0_left_guest, xl_gp_handler),
			    X86_GUEST_GPA(xcr0_left_guest, xl_ud_handler), other);

	ASSERT_EQ(0, axv_run(vcpu));
	ASSERT_EQ(xcr0, host_xcr0())
		TH_LOG("host XCR0 %#llx after RUN: the guest's XSETBV of %#llx reached the host (was %#llx)",
		       (unsigned long long)host_xcr0(),
		       (unsigned long long)other, (unsigned long long)xcr0);
	if (vcpu->run->exit_reason == AXVCPU_EXIT_FAIL_ENTRY)
		SKIP(return, "a guest CR4 with OSXSAVE was refused (FAIL_ENTRY %#llx)",
		     (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
	SKIP_IF_GUEST_UD(vcpu, "xgetbv/xsetbv");
	ASSERT_EXIT_REASON(vcpu, AXVCPU_EXIT_IO_WRITE);
	if (vcpu->run->io.port == PORT_GP) {
		gp = true;
		ASSERT_EQ(X86_GUEST_GPA(xcr0_left_guest, xl_set), vcpu->run->io.data);
		ASSERT_EQ(0, axv_run(vcpu));
		ASSERT_EQ(xcr0, host_xcr0());
	}
	ASSERT_RUN_FIELD(vcpu, "io.port", PORT_XSETBV, vcpu->run->io.port);
	ASSERT_RUN_FIELD(vcpu, "io.data (checkpoint)", 1, vcpu->run->io.data);
	first = guest_u64(&self->vm, X86_DATA_GPA);
	TH_LOG("XSETBV %#llx %s; the guest read %#llx before its exit",
	       (unsigned long long)other,
	       gp ? "raised #GP" : "was not intercepted", (unsigned long long)first);

	/* the host's own FPU and AVX state work with its XCR0 */
	fill_pattern(in, sizeof(in), 0x3c);
	if (host_has_avx(why, sizeof(why)))
		asm volatile("vmovdqu %1, %%ymm3\n\t"
			     "vmovdqu %%ymm3, %0\n\t"
			     "vzeroupper"
			     : "=m" (out) : "m" (in) : "xmm3");
	else
		memcpy(out, in, sizeof(out));
	ASSERT_EQ(0, memcmp(in, out, sizeof(in)));
	ASSERT_EQ(getpid(), (pid_t)syscall(SYS_getpid));

	/* back in the guest, XCR0 is the host's again: the guest runs with it */
	ASSERT_RUN_IO_WRITE(vcpu, PORT_XSETBV, 1, 2);
	later = guest_u64(&self->vm, X86_DATA_GPA + 8);
	ASSERT_EQ(xcr0, later)
		TH_LOG("guest XGETBV %#llx after an exit, host XCR0 %#llx",
		       (unsigned long long)later, (unsigned long long)xcr0);
	ASSERT_EQ(xcr0, host_xcr0());
}

/*
 * INVD is a no-op: the guest goes on without an exit and memory stays.
 * (QEMU 7.2 checks INVD against the WBINVD intercept bit, which the module
 * does not set, so there INVD never reaches the module's handler.)
 */
TEST_F(host_state, invd_is_noop)
{
	struct axv_vcpu *vcpu;

	GUEST(invd_guest);
	vcpu = self->vcpu;
	ASSERT_RUN_IO_WRITE(vcpu, PORT_INVD, 1, 0x5a);
	ASSERT_EQ(X86_GUEST_GPA(invd_guest, invd_after_out), axv_vcpu_rip(vcpu))
		TH_LOG("RIP after INVD and OUT");
	ASSERT_EQ(0x12345678, guest_u32(&self->vm, X86_DATA_GPA))
		TH_LOG("the store before INVD was lost");
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

TEST_HARNESS_MAIN
