// SPDX-License-Identifier: GPL-2.0
/*
 * The ID registers a guest reads. HCR_EL2.TID3 traps its reads of the ID
 * space (op0 3, op1 0, CRn 0, CRm 1-7: Arm ARM D13.2.46, D18.3) and they
 * are answered here, in the kernel, with no exit: the host's system-wide
 * values (the kernel's sanitised view, the same on every CPU) with what
 * this backend does not give a guest hidden, so that a guest kernel never
 * turns on a feature whose state is not switched or whose instructions
 * trap to EL2: SVE, SME, pointer authentication, MTE, the PMU, statistical
 * profiling, trace, RAS, MPAM, AMU, WFxT, MOPS, and EL2 and EL3
 * themselves (seen on QEMU's -cpu max: a Linux guest died reading ZCR_EL1
 * after ID_AA64PFR0_EL1 said SVE). The AArch64 registers pass an
 * allow-list of fields, so a feature this file does not know stays hidden
 * until someone looks at it. The physical address size is the VM's IPA
 * size, not the host's. Encodings the architecture does not allocate, and
 * ID_AFR0/ID_AA64AFR0/1 (IMPLEMENTATION DEFINED), read as zero. AArch32
 * ID registers are the host's: they describe the AArch32 state a guest's
 * EL0 may run in.
 */
#include <asm/cpufeature.h>
#include <asm/sysreg.h>
#include "arm64.h"

/* a 4-bit ID field at @shift */
#define F(shift)	(0xfULL << (shift))

/*
 * The AArch64 fields a guest sees as the host has them, by register
 * (D19.2 gives each field). ID_AA64ZFR0, ID_AA64SMFR0 and ID_AA64DFR1 have
 * none: zero.
 */
#define A64_PFR0_ALLOW	(F(0) | F(4) | F(16) | F(20) | F(24) | F(48) | F(56) | F(60))
		/* EL0, EL1, FP, AdvSIMD, GIC, DIT, CSV2, CSV3 */
#define A64_PFR1_ALLOW	(F(0) | F(4) | F(32))
		/* BT, SSBS, CSV2_frac */
#define A64_ISAR0_ALLOW	(~0ULL)
		/* instructions only: AES, SHA*, CRC32, atomics, RDM, DP, FHM, TS, TLB, RNDR */
#define A64_ISAR1_ALLOW	(F(0) | F(12) | F(16) | F(20) | F(32) | F(36) | F(40) | \
			 F(44) | F(48) | F(52))
		/* DPB, JSCVT, FCMA, LRCPC, FRINTTS, SB, SPECRES, BF16, DGH, I8MM */
#define A64_ISAR2_ALLOW	(F(4) | F(28))
		/* RPRES, CLRBHB */
#define A64_DFR0_ALLOW	(F(0) | F(12) | F(20) | F(28) | F(36))
		/* DebugVer, BRPs, WRPs, CTX_CMPs, DoubleLock */
#define A64_MMFR0_ALLOW	(F(0) | F(4) | F(8) | F(12) | F(16) | F(20) | F(24) | F(28) | F(44))
		/* PARange, ASIDBits, BigEnd, SNSMem, BigEndEL0, TGran16/64/4, ExS */
#define A64_MMFR1_ALLOW	(F(0) | F(12) | F(20) | F(36) | F(44))
		/* HAFDBS, HPDS, PAN, ETS, AFP */
#define A64_MMFR2_ALLOW	(F(0) | F(4) | F(12) | F(16) | F(20) | F(28) | F(32) | F(36) | \
			 F(48) | F(52) | F(60))
		/* CnP, UAO, IESB, VARange, CCIDX, ST, AT, IDS, TTL, BBM, E0PD */

/* ID_AA64MMFR0_EL1.PARange: the encodings and their sizes (D19.2.64) */
static const u8 arm64_parange_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

/* [CRm - 1][op2]: what the guest reads */
static u64 arm64_id_regs[7][8];

/*
 * The sanitised value of ID register (3, 0, 0, @crm, @op2) with only the
 * fields of @allow kept. read_sanitised_ftr_reg() knows every register
 * asked for here (arch/arm64/kernel/cpufeature.c, 6.1 on).
 */
static void arm64_id_set(u32 crm, u32 op2, u64 allow)
{
	arm64_id_regs[crm - 1][op2] =
		read_sanitised_ftr_reg(sys_reg(3, 0, 0, crm, op2)) & allow;
}

/**
 * arm64_idregs_init() - compute the guests' ID registers
 * @ipa_bits: the guests' physical address size (stage 2's input)
 */
void arm64_idregs_init(unsigned int ipa_bits)
{
	unsigned int i, cap = 0;
	u32 op2;
	u64 pa;

	/* AArch32: ID_PFR0-1, ID_DFR0, ID_MMFR0-3; ID_ISAR0-5, ID_MMFR4, ID_ISAR6 */
	for (op2 = 0; op2 < 8; op2++) {
		if (op2 != 3)			/* ID_AFR0: zero */
			arm64_id_set(1, op2, ~0ULL);
		arm64_id_set(2, op2, ~0ULL);
	}
	/* MVFR0-2, ID_PFR2, ID_DFR1, ID_MMFR5 */
	for (op2 = 0; op2 < 7; op2++)
		if (op2 != 3)
			arm64_id_set(3, op2, ~0ULL);

	arm64_id_set(4, 0, A64_PFR0_ALLOW);
	arm64_id_set(4, 1, A64_PFR1_ALLOW);
	arm64_id_set(5, 0, A64_DFR0_ALLOW);
	arm64_id_set(6, 0, A64_ISAR0_ALLOW);
	arm64_id_set(6, 1, A64_ISAR1_ALLOW);
	arm64_id_set(6, 2, A64_ISAR2_ALLOW);
	arm64_id_set(7, 0, A64_MMFR0_ALLOW);
	arm64_id_set(7, 1, A64_MMFR1_ALLOW);
	arm64_id_set(7, 2, A64_MMFR2_ALLOW);

	/* PARange: the largest encoding within the IPA size, if below the host's */
	for (i = 0; i < ARRAY_SIZE(arm64_parange_bits); i++)
		if (arm64_parange_bits[i] <= ipa_bits)
			cap = i;
	pa = arm64_id_regs[7 - 1][0] & F(0);
	if (pa > cap)
		arm64_id_regs[7 - 1][0] = (arm64_id_regs[7 - 1][0] & ~F(0)) | cap;
}

/**
 * arm64_idreg_read() - a guest's read of ID register (3, 0, 0, @crm, @op2)
 * @crm: 1 to 7
 * @op2: 0 to 7
 *
 * Return: the value the guest reads (zero where nothing is allocated).
 */
u64 arm64_idreg_read(u32 crm, u32 op2)
{
	if (crm < 1 || crm > 7 || op2 > 7)
		return 0;
	return arm64_id_regs[crm - 1][op2];
}
