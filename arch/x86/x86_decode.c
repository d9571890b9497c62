// SPDX-License-Identifier: GPL-2.0
/*
 * A small x86 instruction decoder for what the exit handlers must decode
 * themselves (AMD's SVM under QEMU has neither decode assists nor nRIP
 * save): the MOV family a guest uses for MMIO, and MOV to/from DRn.
 * It computes the length, the operand width, the register and how the memory
 * operand is addressed; the address itself comes from the hardware (the
 * faulting guest physical address), the addressing only serves accesses
 * that cross a page (x86_mmio_split.c).
 * SDM vol. 2, chapter 2 (instruction format) and the MOV, MOVZX, MOVSX pages.
 */
#include <linux/errno.h>
#include <linux/string.h>
#include "x86.h"

struct x86_prefixes {
	u8 opsize;		/* operand size in bytes */
	u8 addrsize;		/* address size in bytes */
	u8 rex;			/* REX byte, 0 when none */
	bool lock;		/* F0 */
	u8 seg;			/* enum x86_seg of the last segment prefix */
	unsigned int len;	/* bytes of prefixes (REX included) */
};

static int x86_decode_prefixes(const u8 *b, unsigned int avail,
			       enum x86_cpu_mode mode, struct x86_prefixes *p)
{
	bool opsize_override = false, addrsize_override = false;
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->seg = X86_SEG_DEFAULT;
	for (i = 0; i < avail && i < 15; i++) {
		switch (b[i]) {
		case 0x66:
			opsize_override = true;
			continue;
		case 0x67:
			addrsize_override = true;
			continue;
		case 0xf0:
			p->lock = true;
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			p->seg = (b[i] >> 3) & 3;	/* ES, CS, SS, DS */
			continue;
		case 0x64: case 0x65:
			p->seg = X86_SEG_FS + (b[i] & 1);
			continue;
		case 0xf2: case 0xf3:
			continue;
		}
		break;
	}
	if (mode == X86_MODE_LONG64 && i < avail && (b[i] & 0xf0) == 0x40)
		p->rex = b[i++];
	if (i >= avail)
		return -EINVAL;
	p->len = i;

	switch (mode) {
	case X86_MODE_REAL:
	case X86_MODE_PROT16:
		p->opsize = opsize_override ? 4 : 2;
		p->addrsize = addrsize_override ? 4 : 2;
		break;
	case X86_MODE_PROT32:
		p->opsize = opsize_override ? 2 : 4;
		p->addrsize = addrsize_override ? 2 : 4;
		break;
	case X86_MODE_LONG64:
		p->opsize = (p->rex & 0x8) ? 8 : (opsize_override ? 2 : 4);
		p->addrsize = addrsize_override ? 4 : 8;
		break;
	}
	return 0;
}

/* Bytes of ModRM + SIB + displacement starting at @b; -EINVAL for a register operand. */
static int x86_modrm_len(const u8 *b, unsigned int avail, u8 addrsize)
{
	u8 mod, rm;
	int len = 1;

	if (avail < 1)
		return -EINVAL;
	mod = b[0] >> 6;
	rm = b[0] & 7;
	if (mod == 3)
		return -EINVAL;

	if (addrsize == 2) {
		if (mod == 1)
			len += 1;
		else if (mod == 2 || (mod == 0 && rm == 6))
			len += 2;
	} else {
		if (rm == 4) {
			if (avail < 2)
				return -EINVAL;
			len += 1;		/* SIB */
			if (mod == 0 && (b[1] & 7) == 5)
				len += 4;	/* SIB with no base: disp32 */
		}
		if (mod == 1)
			len += 1;
		else if (mod == 2 || (mod == 0 && rm == 5))
			len += 4;	/* disp32, or RIP-relative in 64-bit mode */
	}
	return len <= avail ? len : -EINVAL;
}

static s64 x86_get_disp(const u8 *b, unsigned int size)
{
	switch (size) {
	case 1:
		return (s8)b[0];
	case 2:
		return (s16)(b[0] | b[1] << 8);
	}
	return (s32)(b[0] | b[1] << 8 | b[2] << 16 | (u32)b[3] << 24);
}

/*
 * The addressing of the ModRM operand at @b, whose length
 * x86_modrm_len() checked (SDM vol. 2, 2.1.5 and 2.2.1).
 */
static void x86_modrm_operand(const u8 *b, const struct x86_prefixes *p,
			      enum x86_cpu_mode mode, struct x86_mem_operand *m)
{
	u8 rexb = (p->rex & 0x1) ? 8 : 0, rexx = (p->rex & 0x2) ? 8 : 0;
	const u8 *d = b + 1;

	m->addrsize = p->addrsize;
	m->seg = p->seg;
	m->mod = b[0] >> 6;
	m->base = -1;
	m->index = -1;
	if (p->addrsize == 2) {
		m->rm = b[0] & 7;
		if (m->mod == 1)
			m->disp = x86_get_disp(d, 1);
		else if (m->mod == 2 || (m->mod == 0 && m->rm == 6))
			m->disp = x86_get_disp(d, 2);
		return;
	}
	m->rm = (b[0] & 7) | rexb;
	if ((b[0] & 7) == 4) {
		u8 sib = b[1];

		m->has_sib = true;
		m->scale = sib >> 6;
		if ((((sib >> 3) & 7) | rexx) != 4)
			m->index = ((sib >> 3) & 7) | rexx;
		if (!(m->mod == 0 && (sib & 7) == 5))
			m->base = (sib & 7) | rexb;
		d++;
		if (m->mod == 0 && (sib & 7) == 5) {
			m->disp = x86_get_disp(d, 4);
			return;
		}
	} else if (m->mod == 0 && (b[0] & 7) == 5) {
		/* disp32 alone: RIP-relative in 64-bit mode */
		m->rip_rel = mode == X86_MODE_LONG64;
		m->disp = x86_get_disp(d, 4);
		return;
	}
	if (!m->has_sib)
		m->base = m->rm;
	if (m->mod == 1)
		m->disp = x86_get_disp(d, 1);
	else if (m->mod == 2)
		m->disp = x86_get_disp(d, 4);
}

/* The register an 8-bit ModRM.reg field names: AH..BH without REX. */
static u32 x86_reg8(u8 reg, u8 rex)
{
	if (!rex && reg >= 4 && reg < 8)
		return AXVCPU_X86_REG_AH + (reg - 4);
	return reg;
}

static u64 x86_get_imm(const u8 *b, unsigned int size)
{
	u64 v = 0;

	memcpy(&v, b, size);
	return v;
}

/**
 * x86_decode_mmio() - decode the memory-access instruction of an MMIO exit
 * @bytes: the instruction bytes at the guest's RIP
 * @avail: how many bytes are valid
 * @mode: the guest's execution mode
 * @insn: the result
 *
 * Handles MOV r/m<->reg (88, 89, 8A, 8B), MOV r/m<-imm (C6 /0, C7 /0), MOV
 * with moffs (A0..A3), MOVZX and MOVSX (0F B6, B7, BE, BF).
 *
 * Return: 0, or -EINVAL for anything else.
 */
int x86_decode_mmio(const u8 *bytes, unsigned int avail,
		    enum x86_cpu_mode mode, struct x86_insn *insn)
{
	struct x86_prefixes p;
	const u8 *b;
	unsigned int left, op_len = 1;
	u8 op, reg = 0, rexr, opsize;
	int mlen = 0;

	if (x86_decode_prefixes(bytes, avail, mode, &p))
		return -EINVAL;
	memset(insn, 0, sizeof(*insn));
	b = bytes + p.len;
	left = avail - p.len;
	op = b[0];
	rexr = (p.rex & 0x4) ? 8 : 0;
	opsize = p.opsize;

	if (op == 0x0f) {
		if (left < 2)
			return -EINVAL;
		op_len = 2;
		op = b[1];
		if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
			return -EINVAL;
	}

	if (op_len == 1 && op >= 0xa0 && op <= 0xa3) {
		/* MOV AL/eAX <-> moffs: the offset is address-size wide. */
		if (left < 1u + p.addrsize)
			return -EINVAL;
		insn->len = p.len + 1 + p.addrsize;
		insn->mem.addrsize = p.addrsize;
		insn->mem.seg = p.seg;
		insn->mem.moffs = true;
		insn->mem.base = -1;
		insn->mem.index = -1;
		insn->mem.disp = (s64)x86_get_imm(b + 1, p.addrsize);
		insn->is_write = op >= 0xa2;
		insn->width = (op & 1) ? opsize : 1;
		insn->reg = X86_RAX;
		insn->reg_width = insn->width;
		return 0;
	}

	if (left < op_len + 1)
		return -EINVAL;
	mlen = x86_modrm_len(b + op_len, left - op_len, p.addrsize);
	if (mlen < 0)
		return -EINVAL;
	reg = ((b[op_len] >> 3) & 7) | rexr;
	insn->len = p.len + op_len + mlen;
	x86_modrm_operand(b + op_len, &p, mode, &insn->mem);

	if (op_len == 2) {
		/* MOVZX/MOVSX reg, r/m8 or r/m16 */
		insn->width = (op & 1) ? 2 : 1;
		insn->reg = reg;
		insn->reg_width = opsize;
		insn->sign_ext = op >= 0xbe;
		return 0;
	}

	switch (op) {
	case 0x88:
	case 0x8a:
		insn->is_write = op == 0x88;
		insn->width = 1;
		insn->reg = x86_reg8(reg, p.rex);
		insn->reg_width = 1;
		return 0;
	case 0x89:
	case 0x8b:
		insn->is_write = op == 0x89;
		insn->width = opsize;
		insn->reg = reg;
		insn->reg_width = opsize;
		return 0;
	case 0xc6:
	case 0xc7:
		if ((b[1] >> 3) & 7)
			return -EINVAL;	/* only /0 is MOV */
		insn->is_write = true;
		insn->reg = AXVCPU_REG_NONE;
		insn->width = op == 0xc6 ? 1 : opsize;
		{
			/* imm8, imm16 or imm32 (sign-extended for 64-bit) */
			unsigned int isz = min_t(unsigned int, insn->width, 4);

			if (left < op_len + mlen + isz)
				return -EINVAL;
			insn->imm = x86_get_imm(b + op_len + mlen, isz);
			if (insn->width == 8)
				insn->imm = (u64)(s64)(s32)insn->imm;
			insn->len += isz;
		}
		return 0;
	}
	return -EINVAL;
}

/**
 * x86_decode_mov_dr() - decode MOV to or from a debug register
 * @bytes: the instruction bytes at the guest's RIP
 * @avail: how many bytes are valid
 * @mode: the guest's execution mode
 * @gpr: the general-purpose register operand
 * @dr: the debug register number (0..7)
 * @to_dr: MOV DRn, reg (a write of the debug register)
 * @len: the instruction's length
 *
 * Return: 0, or -EINVAL when the bytes are not 0F 21 / 0F 23.
 */
int x86_decode_mov_dr(const u8 *bytes, unsigned int avail,
		      enum x86_cpu_mode mode, u32 *gpr, u32 *dr, bool *to_dr,
		      u8 *len)
{
	struct x86_prefixes p;
	const u8 *b;

	if (x86_decode_prefixes(bytes, avail, mode, &p))
		return -EINVAL;
	b = bytes + p.len;
	if (avail - p.len < 3 || b[0] != 0x0f || (b[1] != 0x21 && b[1] != 0x23))
		return -EINVAL;
	/* The ModRM mod field is ignored: the operands are always registers. */
	*dr = ((b[2] >> 3) & 7) | ((p.rex & 0x4) ? 8 : 0);
	*gpr = (b[2] & 7) | ((p.rex & 0x1) ? 8 : 0);
	*to_dr = b[1] == 0x23;
	*len = p.len + 3;
	return *dr < 8 ? 0 : -EINVAL;
}

/**
 * x86_decode_mov_to_cr() - decode MOV CRn, reg (0F 22 /r); LOCK MOV CR0
 *	is CR8 (AMD's AltMovCr8: the hardware only exits for it as a CR8
 *	access where the CPU has that feature)
 * @bytes: the instruction bytes at the guest's RIP
 * @avail: how many bytes are valid
 * @mode: the guest's execution mode
 * @gpr: the general-purpose register operand
 * @cr: the control register number
 * @len: the instruction's length
 *
 * Return: 0, or -EINVAL when the bytes are not a MOV to a control register.
 */
int x86_decode_mov_to_cr(const u8 *bytes, unsigned int avail,
			 enum x86_cpu_mode mode, u32 *gpr, u32 *cr, u8 *len)
{
	struct x86_prefixes p;
	const u8 *b;

	if (x86_decode_prefixes(bytes, avail, mode, &p))
		return -EINVAL;
	b = bytes + p.len;
	if (avail - p.len < 3 || b[0] != 0x0f || b[1] != 0x22)
		return -EINVAL;
	*cr = ((b[2] >> 3) & 7) | ((p.rex & 0x4) ? 8 : 0);
	if (p.lock && *cr == 0)
		*cr = 8;
	*gpr = (b[2] & 7) | ((p.rex & 0x1) ? 8 : 0);
	*len = p.len + 3;
	return 0;
}
