/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The EL1 side of the hyp calls, and the guest's FP/SIMD registers, which
 * are loaded and saved at EL1 around A64_HVC_RUN (the kernel's own are
 * out of the way between kernel_neon_begin() and kernel_neon_end()).
 */
#include <linux/linkage.h>
#include <asm/assembler.h>

/*
 * u64 arm64_hyp_call(u64 fn, u64 arg): HVC #0 with x0 = fn, x1 = arg.
 * EL2 may clobber x0-x17 as a called function may; A64_HVC_RUN gives
 * x18-x30 back itself.
 */
SYM_FUNC_START(arm64_hyp_call)
	hvc	#0
	ret
SYM_FUNC_END(arm64_hyp_call)

/* void arm64_fp_save(void *fp): struct axvcpu_arm64_fpu's layout:
 * V0-V31 at 0, FPSR at 512, FPCR at 516 */
SYM_FUNC_START(arm64_fp_save)
	stp	q0, q1, [x0, #0]
	stp	q2, q3, [x0, #32]
	stp	q4, q5, [x0, #64]
	stp	q6, q7, [x0, #96]
	stp	q8, q9, [x0, #128]
	stp	q10, q11, [x0, #160]
	stp	q12, q13, [x0, #192]
	stp	q14, q15, [x0, #224]
	stp	q16, q17, [x0, #256]
	stp	q18, q19, [x0, #288]
	stp	q20, q21, [x0, #320]
	stp	q22, q23, [x0, #352]
	stp	q24, q25, [x0, #384]
	stp	q26, q27, [x0, #416]
	stp	q28, q29, [x0, #448]
	stp	q30, q31, [x0, #480]
	mrs	x1, fpsr
	str	w1, [x0, #512]
	mrs	x1, fpcr
	str	w1, [x0, #516]
	ret
SYM_FUNC_END(arm64_fp_save)

/* void arm64_fp_load(const void *fp): the same layout back */
SYM_FUNC_START(arm64_fp_load)
	ldp	q0, q1, [x0, #0]
	ldp	q2, q3, [x0, #32]
	ldp	q4, q5, [x0, #64]
	ldp	q6, q7, [x0, #96]
	ldp	q8, q9, [x0, #128]
	ldp	q10, q11, [x0, #160]
	ldp	q12, q13, [x0, #192]
	ldp	q14, q15, [x0, #224]
	ldp	q16, q17, [x0, #256]
	ldp	q18, q19, [x0, #288]
	ldp	q20, q21, [x0, #320]
	ldp	q22, q23, [x0, #352]
	ldp	q24, q25, [x0, #384]
	ldp	q26, q27, [x0, #416]
	ldp	q28, q29, [x0, #448]
	ldp	q30, q31, [x0, #480]
	ldr	w1, [x0, #512]
	msr	fpsr, x1
	ldr	w1, [x0, #516]
	msr	fpcr, x1
	ret
SYM_FUNC_END(arm64_fp_load)
