// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hw-decode.c - RISC-V IOMMU command decoder, as the model's hardware sees
 * it (see hw.h).
 *
 * Independent of the driver's encoder (cmd.c): each command has a table row
 * with the bits it defines in dw0 and dw1, written out as masks from the
 * diagrams of RISC-V IOMMU 1.0 §3.1.1-§3.1.4; a set bit outside them is a
 * reserved bit, which makes the command illegal (§3.1).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <invtrack/riscv-regs.h>

#include "hw.h"

/**
 * struct cmd_desc - what a command defines.
 * @kind: opcode | func3 << 5.
 * @dw0: bits of dw0 it defines, opcode and func3 included, without the
 *	optional ones (NL, WSI).
 * @dw1: bits of dw1 it defines, without S.
 * @name: the spec's mnemonic.
 */
struct cmd_desc {
	uint8_t kind;
	uint64_t dw0;
	uint64_t dw1;
	const char *name;
};

/*
 * dw0 pieces: opcode + func3 [9:0] 0x3ff; AV [10] 0x400; WSI [11] 0x800;
 * PR [12] 0x1000; PW [13] 0x2000; PSCID / PID [31:12] 0xfffff000;
 * PSCV / PV [32]; GV / DSV [33]; DV [33]; NL [34]; GSCID [59:44]
 * 0x0ffff00000000000; DID [63:40] 0xffffff0000000000; RID [55:40]
 * 0x00ffff0000000000; DSEG [63:56]; DATA [63:32].
 * dw1 pieces: IOTINVAL ADDR[63:12] in [61:10] 0x3ffffffffffffc00, S [9];
 * IOFENCE.C ADDR[63:2] in [61:0] 0x3fffffffffffffff; ATS.INVAL payload G [0],
 * S [11], address [63:12]; ATS.PRGR PRGI [40:32], response [47:44],
 * destination [63:48].
 */
static const struct cmd_desc cmds[] = {
	/* §3.1.1 IOTINVAL.VMA: AV, PSCID, PSCV, GV, GSCID; ADDR */
	{ RV_HW_IOTINVAL_VMA, 0x0ffff003fffff7ffull, 0x3ffffffffffffc00ull, "IOTINVAL.VMA" },
	/* §3.1.1 IOTINVAL.GVMA: the same fields (PSCV = 1 illegal) */
	{ RV_HW_IOTINVAL_GVMA, 0x0ffff003fffff7ffull, 0x3ffffffffffffc00ull, "IOTINVAL.GVMA" },
	/* §3.1.2 IOFENCE.C: AV, PR, PW, DATA; ADDR[63:2] */
	{ RV_HW_IOFENCE_C, 0xffffffff000037ffull, 0x3fffffffffffffffull, "IOFENCE.C" },
	/* §3.1.3 IODIR.INVAL_DDT: DV, DID (PID reserved) */
	{ RV_HW_IODIR_INVAL_DDT, 0xffffff02000003ffull, 0, "IODIR.INVAL_DDT" },
	/* §3.1.3 IODIR.INVAL_PDT: PID, DV, DID */
	{ RV_HW_IODIR_INVAL_PDT, 0xffffff02fffff3ffull, 0, "IODIR.INVAL_PDT" },
	/* §3.1.4 ATS.INVAL: PID, PV, DSV, RID, DSEG; G, S, address */
	{ RV_HW_ATS_INVAL, 0xffffff03fffff3ffull, 0xfffffffffffff801ull, "ATS.INVAL" },
	/* §3.1.4 ATS.PRGR: PID, PV, DSV, RID, DSEG; PRGI, response, destination */
	{ RV_HW_ATS_PRGR, 0xffffff03fffff3ffull, 0xfffff1ff00000000ull, "ATS.PRGR" },
};

#define BIT_WSI		(1ull << 11)	/* IOFENCE.C dw0[11] */
#define BIT_NL		(1ull << 34)	/* IOTINVAL dw0[34], capabilities.NL */
#define BIT_S		(1ull << 9)	/* IOTINVAL dw1[9] (bit 73), capabilities.S */
#define IOTINVAL_ADDR	0x3ffffffffffffc00ull

static const struct cmd_desc *find_cmd(unsigned int kind)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].kind == kind)
			return &cmds[i];
	return NULL;
}

static int ill(enum rv_hw_ill reason, enum rv_hw_ill *why)
{
	if (why)
		*why = reason;
	return -EINVAL;
}

/* The widest process_id of the PDT modes in @caps (§4.2, pdtp.MODE). */
static unsigned int pid_bits(uint64_t caps)
{
	if (caps & (1ull << 40))	/* PD20 */
		return 20;
	if (caps & (1ull << 39))	/* PD17 */
		return 17;
	return (caps & INVT_RV_CAP_PD8) ? 8 : 0;
}

static void extract_iotinval(uint64_t w0, uint64_t w1, struct rv_hw_cmd *c)
{
	bool gvma = c->kind == RV_HW_IOTINVAL_GVMA;

	c->gv = (w0 >> 33) & 1;
	c->pscv = (w0 >> 32) & 1;
	if (c->gv)
		c->gscid = (uint16_t)(w0 >> 44);
	if (c->pscv)
		c->pscid = (uint32_t)(w0 >> 12) & 0xfffffu;
	/* GVMA with GV = 0: AV (and with it S, NL and ADDR) is ignored. */
	c->av = ((w0 >> 10) & 1) && (!gvma || c->gv);
	if (c->av) {
		c->nl = (w0 >> 34) & 1;
		c->s = (w1 >> 9) & 1;
		c->addr = (w1 & IOTINVAL_ADDR) << 2;	/* ADDR[63:12] at dw1[61:10] */
	}
}

/* Pull the fields of a known command out of the words; the rest stay 0. */
static void extract(uint64_t w0, uint64_t w1, struct rv_hw_cmd *c)
{
	switch (c->kind) {
	case RV_HW_IOTINVAL_VMA:
	case RV_HW_IOTINVAL_GVMA:
		extract_iotinval(w0, w1, c);
		break;
	case RV_HW_IOFENCE_C:
		c->av = (w0 >> 10) & 1;
		c->wsi = (w0 >> 11) & 1;
		c->pr = (w0 >> 12) & 1;
		c->pw = (w0 >> 13) & 1;
		if (c->av) {
			c->data = (uint32_t)(w0 >> 32);
			c->addr = (w1 & 0x3fffffffffffffffull) << 2;
		}
		break;
	case RV_HW_IODIR_INVAL_DDT:
	case RV_HW_IODIR_INVAL_PDT:
		c->dv = (w0 >> 33) & 1;
		if (c->dv)
			c->did = (uint32_t)(w0 >> 40);
		if (c->kind == RV_HW_IODIR_INVAL_PDT)
			c->pid = (uint32_t)(w0 >> 12) & 0xfffffu;
		break;
	default:	/* ATS.INVAL, ATS.PRGR */
		c->pv = (w0 >> 32) & 1;
		c->dsv = (w0 >> 33) & 1;
		if (c->pv)
			c->pid = (uint32_t)(w0 >> 12) & 0xfffffu;
		c->rid = (uint16_t)(w0 >> 40);
		if (c->dsv)
			c->dseg = (uint8_t)(w0 >> 56);
		if (c->kind == RV_HW_ATS_INVAL) {
			c->g = w1 & 1;
			c->ats_s = (w1 >> 11) & 1;
			c->addr = w1 & ~0xfffull;
		} else {
			c->prgi = (uint16_t)((w1 >> 32) & 0x1ff);
			c->resp = (uint8_t)((w1 >> 44) & 0xf);
			c->dst = (uint16_t)(w1 >> 48);
		}
		break;
	}
}

int rv_hw_decode(const uint64_t dw[2], const struct rv_hw_limits *lim, struct rv_hw_cmd *out,
		 enum rv_hw_ill *why)
{
	unsigned int op = dw[0] & 0x7f, f3 = (dw[0] >> 7) & 7, bits;
	const struct cmd_desc *d;
	uint64_t m0, m1;

	memset(out, 0, sizeof(*out));
	if (why)
		*why = RV_HW_ILL_NONE;
	if (op >= RV_HW_OP_CUSTOM)
		return ill(RV_HW_ILL_CUSTOM, why);
	d = op < 32 ? find_cmd(RV_HW_CMD(op, f3)) : NULL;
	if (!d)
		return ill(RV_HW_ILL_OPCODE, why);
	m0 = d->dw0;
	m1 = d->dw1;
	if (op == RV_HW_OP_IOTINVAL) {
		if (lim->caps & INVT_RV_CAP_NL)
			m0 |= BIT_NL;
		if (lim->caps & INVT_RV_CAP_S)
			m1 |= BIT_S;
	}
	if (d->kind == RV_HW_IOFENCE_C && lim->wsi)
		m0 |= BIT_WSI;
	if ((dw[0] & ~m0) || (dw[1] & ~m1))
		return ill(RV_HW_ILL_RESERVED, why);
	if (op == RV_HW_OP_ATS && !(lim->caps & INVT_RV_CAP_ATS))
		return ill(RV_HW_ILL_UNSUPPORTED, why);

	out->kind = d->kind;
	extract(dw[0], dw[1], out);

	/* §3.1.1: "Setting PSCV to 1 with IOTINVAL.GVMA is illegal." */
	if (d->kind == RV_HW_IOTINVAL_GVMA && out->pscv)
		return ill(RV_HW_ILL_PSCV, why);
	if (op == RV_HW_OP_IODIR) {
		/* §3.1.3: DV must be 1 for IODIR.INVAL_PDT. */
		if (d->kind == RV_HW_IODIR_INVAL_PDT && !out->dv)
			return ill(RV_HW_ILL_DV, why);
		if (out->dv && lim->did_bits && lim->did_bits < 24 && (out->did >> lim->did_bits))
			return ill(RV_HW_ILL_WIDTH, why);
		bits = pid_bits(lim->caps);
		if (d->kind == RV_HW_IODIR_INVAL_PDT && bits < 20 && (out->pid >> bits))
			return ill(RV_HW_ILL_WIDTH, why);
	}
	return 0;
}

/* The 8 little-endian bytes at @p (one load where the host is little-endian). */
static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	       (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

void rv_hw_words_le(const void *slot, uint64_t dw[2])
{
	const uint8_t *p = slot;

	dw[0] = get_le64(p);
	dw[1] = get_le64(p + 8);
}

/*
 * A NAPOT range of pages: the lowest 0 bit of @pn is bit X -> 2^(X+1) pages,
 * aligned.  @width: bits of @pn; none 0 (or only the top one) -> all.
 */
static void napot(uint64_t pn, unsigned int width, uint64_t *first, uint64_t *last)
{
	uint64_t ones = ~pn & ((UINT64_C(1) << width) - 1);
	unsigned int x;

	if (!ones || ones == UINT64_C(1) << (width - 1)) {
		*first = 0;
		*last = UINT64_MAX;
		return;
	}
	x = (unsigned int)__builtin_ctzll(ones);
	pn &= ~((UINT64_C(2) << x) - 1);
	*first = pn << 12;
	*last = *first + ((UINT64_C(0x2000) << x) - 1);
}

void rv_hw_iotinval_span(const struct rv_hw_cmd *c, uint64_t *first, uint64_t *last)
{
	if (!c->s) {
		*first = c->addr & ~0xfffull;
		*last = *first | 0xfffull;
		return;
	}
	napot(c->addr >> 12, 52, first, last);
}

void rv_hw_ats_span(const struct rv_hw_cmd *c, uint64_t *first, uint64_t *last)
{
	uint64_t pn = c->addr >> 12;

	if (!c->ats_s) {
		*first = c->addr & ~0xfffull;
		*last = *first | 0xfffull;
		return;
	}
	/* All 52 bits 1 also means everything here (no top-bit special case). */
	if (pn == (UINT64_C(1) << 52) - 1) {
		*first = 0;
		*last = UINT64_MAX;
		return;
	}
	napot(pn, 53, first, last);
}

const char *rv_hw_cmd_name(unsigned int kind)
{
	const struct cmd_desc *d = kind < 256 ? find_cmd(kind) : NULL;

	return d ? d->name : NULL;
}

int rv_hw_describe(const struct rv_hw_cmd *c, char *buf, size_t len)
{
	const char *n = rv_hw_cmd_name(c->kind);

	if (!n)
		return snprintf(buf, len, "ILLEGAL");
	switch (c->kind) {
	case RV_HW_IOTINVAL_VMA:
	case RV_HW_IOTINVAL_GVMA:
		return snprintf(buf, len,
				"%s av=%d pscv=%d gv=%d nl=%d s=%d pscid=%u gscid=%u addr=%#llx",
				n, c->av, c->pscv, c->gv, c->nl, c->s, c->pscid, c->gscid,
				(unsigned long long)c->addr);
	case RV_HW_IOFENCE_C:
		return snprintf(buf, len, "%s av=%d wsi=%d pr=%d pw=%d data=%#x addr=%#llx", n,
				c->av, c->wsi, c->pr, c->pw, c->data,
				(unsigned long long)c->addr);
	case RV_HW_IODIR_INVAL_DDT:
	case RV_HW_IODIR_INVAL_PDT:
		return snprintf(buf, len, "%s dv=%d did=%u pid=%u", n, c->dv, c->did, c->pid);
	case RV_HW_ATS_INVAL:
		return snprintf(buf, len,
				"%s pv=%d pid=%u dsv=%d dseg=%u rid=%#x g=%d s=%d addr=%#llx", n,
				c->pv, c->pid, c->dsv, c->dseg, c->rid, c->g, c->ats_s,
				(unsigned long long)c->addr);
	default:
		return snprintf(buf, len,
				"%s pv=%d pid=%u dsv=%d dseg=%u rid=%#x prgi=%u resp=%u dst=%#x",
				n, c->pv, c->pid, c->dsv, c->dseg, c->rid, c->prgi, c->resp,
				c->dst);
	}
}
