// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hw-decode.c - SMMUv3 command decoder, as the model's hardware sees it.
 *
 * Independent of the driver's encoder (cmd.c): each opcode has a table row
 * with the bits it defines in dw0 and dw1, written out as masks from the
 * layouts in ARM IHI0070 chapter 4; a set bit outside them is a RES0
 * violation, which this model reports as CERROR_ILL (§4.1.5).
 */
#include <stddef.h>

#include "hw.h"

/**
 * struct op_desc - what an opcode defines.
 * @op: the opcode.
 * @feat: SMMU_HW_FEAT_* bits the SMMU needs for the command to be legal.
 * @dw0: bits of dw0 the command defines, opcode included.
 * @dw1: bits of dw1 the command defines.
 * @name: the spec's name.
 */
struct op_desc {
	uint8_t op;
	uint8_t feat;
	uint64_t dw0;
	uint64_t dw1;
	const char *name;
};

/*
 * dw0 pieces: opcode [7:0] 0xff; Global [9] 0x200; SSV [11] 0x800;
 * SubstreamID [31:12] 0xfffff000; NUM [16:12] 0x1f000; SCALE [24:20]
 * 0x1f00000; RESUME Ac/Ab and SYNC CS [13:12] 0x3000; MSH [23:22] 0xc00000;
 * MSIAttr [27:24] 0xf000000; StreamID/MSIData [63:32]; VMID [47:32];
 * ASID [63:48].
 * dw1 pieces: Leaf [0]; Range [4:0]; Size [5:0]; PRGIndex [8:0];
 * Resp [13:12]; STAG [15:0]; TTL [9:8] + TG [11:10] 0xf00; VA [63:12];
 * IPA [51:12]; MSIAddress [55:2].
 */
/* Indexed by opcode: an entry without a name is an opcode the SMMU does not know. */
#define OP(op, feat, dw0, dw1, name) [op] = { op, feat, dw0, dw1, name }

static const struct op_desc ops[256] = {
	/* §4.3.1 CMD_CFGI_STE: SID dw0[63:32]; Leaf dw1[0] */
	OP(SMMU_HW_OP_CFGI_STE, 0, 0xffffffff000000ffull, 0x1ull, "CMD_CFGI_STE"),
	/* §4.3.2 CMD_CFGI_STE_RANGE: SID dw0[63:32]; Range dw1[4:0] */
	OP(SMMU_HW_OP_CFGI_STE_RANGE, 0, 0xffffffff000000ffull, 0x1full, "CMD_CFGI_STE_RANGE"),
	/* §4.3.3 CMD_CFGI_CD: SSID dw0[31:12]; SID dw0[63:32]; Leaf dw1[0] */
	OP(SMMU_HW_OP_CFGI_CD, SMMU_HW_FEAT_S1, 0xfffffffffffff0ffull, 0x1ull, "CMD_CFGI_CD"),
	/* §4.3.4 CMD_CFGI_CD_ALL: SID dw0[63:32] */
	OP(SMMU_HW_OP_CFGI_CD_ALL, SMMU_HW_FEAT_S1, 0xffffffff000000ffull, 0, "CMD_CFGI_CD_ALL"),
	/* §4.4.2.1 CMD_TLBI_NH_ALL: VMID dw0[47:32] */
	OP(SMMU_HW_OP_TLBI_NH_ALL, SMMU_HW_FEAT_S1, 0x0000ffff000000ffull, 0, "CMD_TLBI_NH_ALL"),
	/* §4.4.2.2 CMD_TLBI_NH_ASID: VMID dw0[47:32]; ASID dw0[63:48] */
	OP(SMMU_HW_OP_TLBI_NH_ASID, SMMU_HW_FEAT_S1, 0xffffffff000000ffull, 0,
	   "CMD_TLBI_NH_ASID"),
	/* §4.4.2.4 CMD_TLBI_NH_VA: NUM, SCALE, VMID, ASID; Leaf, TTL, TG, VA */
	OP(SMMU_HW_OP_TLBI_NH_VA, SMMU_HW_FEAT_S1, 0xffffffff01f1f0ffull,
	   0xffffffffffffff01ull, "CMD_TLBI_NH_VA"),
	/* §4.4.2.3 CMD_TLBI_NH_VAA: NUM, SCALE, VMID; Leaf, TTL, TG, VA */
	OP(SMMU_HW_OP_TLBI_NH_VAA, SMMU_HW_FEAT_S1, 0x0000ffff01f1f0ffull,
	   0xffffffffffffff01ull, "CMD_TLBI_NH_VAA"),
	/* §4.4.2.7 CMD_TLBI_EL2_ALL: no fields */
	OP(SMMU_HW_OP_TLBI_EL2_ALL, SMMU_HW_FEAT_HYP, 0xffull, 0, "CMD_TLBI_EL2_ALL"),
	/* §4.4.2.10 CMD_TLBI_EL2_ASID: ASID dw0[63:48] */
	OP(SMMU_HW_OP_TLBI_EL2_ASID, SMMU_HW_FEAT_HYP, 0xffff0000000000ffull, 0,
	   "CMD_TLBI_EL2_ASID"),
	/* §4.4.2.8 CMD_TLBI_EL2_VA: NUM, SCALE, ASID; Leaf, TTL, TG, VA */
	OP(SMMU_HW_OP_TLBI_EL2_VA, SMMU_HW_FEAT_HYP, 0xffff000001f1f0ffull,
	   0xffffffffffffff01ull, "CMD_TLBI_EL2_VA"),
	/* §4.4.2.9 CMD_TLBI_EL2_VAA: NUM, SCALE; Leaf, TTL, TG, VA */
	OP(SMMU_HW_OP_TLBI_EL2_VAA, SMMU_HW_FEAT_HYP, 0x0000000001f1f0ffull,
	   0xffffffffffffff01ull, "CMD_TLBI_EL2_VAA"),
	/* §4.4.3.2 CMD_TLBI_S12_VMALL: VMID dw0[47:32] */
	OP(SMMU_HW_OP_TLBI_S12_VMALL, SMMU_HW_FEAT_S2, 0x0000ffff000000ffull, 0,
	   "CMD_TLBI_S12_VMALL"),
	/* §4.4.3.1 CMD_TLBI_S2_IPA: NUM, SCALE, VMID; Leaf, TTL, TG, IPA[51:12] */
	OP(SMMU_HW_OP_TLBI_S2_IPA, SMMU_HW_FEAT_S2, 0x0000ffff01f1f0ffull,
	   0x000fffffffffff01ull, "CMD_TLBI_S2_IPA"),
	/* §4.4.4.1 CMD_TLBI_NSNH_ALL: no fields */
	OP(SMMU_HW_OP_TLBI_NSNH_ALL, 0, 0xffull, 0, "CMD_TLBI_NSNH_ALL"),
	/* §4.5.1 CMD_ATC_INV: Global, SSV, SSID, SID; Size dw1[5:0], Address */
	OP(SMMU_HW_OP_ATC_INV, SMMU_HW_FEAT_ATS, 0xfffffffffffffaffull,
	   0xfffffffffffff03full, "CMD_ATC_INV"),
	/* §4.5.2 CMD_PRI_RESP: SSV, SSID, SID; PRGIndex dw1[8:0], Resp dw1[13:12] */
	OP(SMMU_HW_OP_PRI_RESP, SMMU_HW_FEAT_PRI, 0xfffffffffffff8ffull, 0x31ffull,
	   "CMD_PRI_RESP"),
	/* §4.7.1 CMD_RESUME: Ac/Ab dw0[13:12], SID dw0[63:32]; STAG dw1[15:0] */
	OP(SMMU_HW_OP_RESUME, SMMU_HW_FEAT_STALL, 0xffffffff000030ffull, 0xffffull,
	   "CMD_RESUME"),
	/* §4.7.3 CMD_SYNC: CS, MSH, MSIAttr, MSIData; MSIAddress dw1[55:2] */
	OP(SMMU_HW_OP_SYNC, 0, 0xffffffff0fc030ffull, 0x00fffffffffffffcull, "CMD_SYNC"),
};

#undef OP

/* NUM/SCALE in dw0 and TTL/TG in dw1: RES0 on an SMMU without RIL. */
#define RIL_DW0_BITS	0x0000000001f1f000ull
#define RIL_DW1_BITS	0x0000000000000f00ull
/* SSec, dw0[10] (§4.1.6). */
#define SSEC_BIT	0x400ull

static const struct op_desc *find_op(uint8_t op)
{
	return ops[op].name ? &ops[op] : NULL;
}

static bool is_addr_tlbi(uint8_t op)
{
	return op == SMMU_HW_OP_TLBI_NH_VA || op == SMMU_HW_OP_TLBI_NH_VAA ||
	       op == SMMU_HW_OP_TLBI_EL2_VA || op == SMMU_HW_OP_TLBI_EL2_VAA ||
	       op == SMMU_HW_OP_TLBI_S2_IPA;
}

/* The VA/IPA TLBI fields (§4.4.1.1); @amask: the address bits defined. */
static void extract_tlbi(uint64_t w0, uint64_t w1, uint64_t amask, struct smmu_hw_cmd *c)
{
	c->num = (uint8_t)((w0 >> 12) & 0x1f);
	c->scale = (uint8_t)((w0 >> 20) & 0x1f);
	c->leaf = w1 & 1;
	c->ttl = (uint8_t)((w1 >> 8) & 3);
	c->tg = (uint8_t)((w1 >> 10) & 3);
	c->addr = w1 & amask;
}

/* Pull the fields of a known opcode out of the words; the rest stay 0. */
static void extract(uint64_t w0, uint64_t w1, struct smmu_hw_cmd *c)
{
	uint32_t hi = (uint32_t)(w0 >> 32);
	uint16_t vmid = (uint16_t)(w0 >> 32), asid = (uint16_t)(w0 >> 48);
	uint32_t ssid = (uint32_t)(w0 >> 12) & 0xfffffu;

	c->op = (uint8_t)w0;
	switch (c->op) {
	case SMMU_HW_OP_CFGI_STE:
		c->sid = hi;
		c->leaf = w1 & 1;
		break;
	case SMMU_HW_OP_CFGI_STE_RANGE:
		c->sid = hi;
		c->range = (uint8_t)(w1 & 0x1f);
		break;
	case SMMU_HW_OP_CFGI_CD:
		c->sid = hi;
		c->ssid = ssid;
		c->leaf = w1 & 1;
		break;
	case SMMU_HW_OP_CFGI_CD_ALL:
		c->sid = hi;
		break;
	case SMMU_HW_OP_TLBI_NH_ALL:
	case SMMU_HW_OP_TLBI_S12_VMALL:
		c->vmid = vmid;
		break;
	case SMMU_HW_OP_TLBI_NH_ASID:
		c->vmid = vmid;
		c->asid = asid;
		break;
	case SMMU_HW_OP_TLBI_NH_VA:
		c->vmid = vmid;
		c->asid = asid;
		extract_tlbi(w0, w1, 0xfffffffffffff000ull, c);
		break;
	case SMMU_HW_OP_TLBI_NH_VAA:
		c->vmid = vmid;
		extract_tlbi(w0, w1, 0xfffffffffffff000ull, c);
		break;
	case SMMU_HW_OP_TLBI_EL2_ASID:
		c->asid = asid;
		break;
	case SMMU_HW_OP_TLBI_EL2_VA:
		c->asid = asid;
		extract_tlbi(w0, w1, 0xfffffffffffff000ull, c);
		break;
	case SMMU_HW_OP_TLBI_EL2_VAA:
		extract_tlbi(w0, w1, 0xfffffffffffff000ull, c);
		break;
	case SMMU_HW_OP_TLBI_S2_IPA:
		c->vmid = vmid;
		extract_tlbi(w0, w1, 0x000ffffffffff000ull, c);
		break;
	case SMMU_HW_OP_ATC_INV:
		c->global = (w0 >> 9) & 1;
		c->ssv = (w0 >> 11) & 1;
		c->ssid = ssid;
		c->sid = hi;
		c->size = (uint8_t)(w1 & 0x3f);
		c->addr = w1 & 0xfffffffffffff000ull;
		break;
	case SMMU_HW_OP_PRI_RESP:
		c->ssv = (w0 >> 11) & 1;
		c->ssid = ssid;
		c->sid = hi;
		c->grpid = (uint16_t)(w1 & 0x1ff);
		c->resp = (uint8_t)((w1 >> 12) & 3);
		break;
	case SMMU_HW_OP_RESUME:
		c->action = (uint8_t)((w0 >> 12) & 3);
		c->sid = hi;
		c->stag = (uint16_t)w1;
		break;
	case SMMU_HW_OP_SYNC:
		c->cs = (uint8_t)((w0 >> 12) & 3);
		c->msh = (uint8_t)((w0 >> 22) & 3);
		c->msiattr = (uint8_t)((w0 >> 24) & 0xf);
		c->msidata = hi;
		c->msiaddr = w1 & 0x00fffffffffffffcull;
		break;
	default:	/* EL2_ALL, NSNH_ALL: no fields */
		break;
	}
}

static int ill(enum smmu_hw_ill reason, enum smmu_hw_ill *why)
{
	if (why)
		*why = reason;
	return SMMU_HW_CERROR_ILL;
}

int smmu_hw_decode(const uint64_t dw[2], unsigned int feat, struct smmu_hw_cmd *out,
		   enum smmu_hw_ill *why)
{
	const struct op_desc *d;
	uint64_t m0, m1;
	unsigned int ttl;

	*out = (struct smmu_hw_cmd){ 0 };
	if (why)
		*why = SMMU_HW_ILL_NONE;
	d = find_op((uint8_t)dw[0]);
	if (!d)
		return ill(SMMU_HW_ILL_OPCODE, why);
	if (dw[0] & SSEC_BIT)
		return ill(SMMU_HW_ILL_SSEC, why);
	if ((d->feat & feat) != d->feat)
		return ill(SMMU_HW_ILL_FEATURE, why);
	m0 = d->dw0;
	m1 = d->dw1;
	if (!(feat & SMMU_HW_FEAT_RIL) && is_addr_tlbi(d->op)) {
		m0 &= ~RIL_DW0_BITS;
		m1 &= ~RIL_DW1_BITS;
	}
	if ((dw[0] & ~m0) || (dw[1] & ~m1))
		return ill(SMMU_HW_ILL_RES0, why);

	extract(dw[0], dw[1], out);

	if (is_addr_tlbi(d->op)) {
		/* §4.4.1.1: with TG 0, NUM, SCALE and TTL are RES0. */
		if (!out->tg && (out->num || out->scale || out->ttl))
			return ill(SMMU_HW_ILL_RES0, why);
		/* With DS == 0, TTL 1 for the 16K granule is treated as 0. */
		ttl = (out->tg == 2 && out->ttl == 1) ? 0 : out->ttl;
		if (out->tg && !out->num && !out->scale && !ttl)
			return ill(SMMU_HW_ILL_TLBI_RANGE, why);
	}
	if (d->op == SMMU_HW_OP_ATC_INV && out->size > 52)
		return ill(SMMU_HW_ILL_ATC_SIZE, why);
	if (d->op == SMMU_HW_OP_PRI_RESP && out->resp == 3)
		return ill(SMMU_HW_ILL_PRI_RESP, why);
	if (d->op == SMMU_HW_OP_SYNC && out->cs == 3)
		return ill(SMMU_HW_ILL_SYNC_CS, why);
	return SMMU_HW_CERROR_NONE;
}

/* The 8 little-endian bytes at @p (one load where the host is little-endian). */
static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	       (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

int smmu_hw_decode_le(const void *slot, unsigned int feat, struct smmu_hw_cmd *out,
		      enum smmu_hw_ill *why)
{
	const uint8_t *p = slot;
	uint64_t dw[2] = { get_le64(p), get_le64(p + 8) };

	return smmu_hw_decode(dw, feat, out, why);
}

void smmu_hw_tlbi_span(const struct smmu_hw_cmd *c, uint64_t *first, uint64_t *last)
{
	unsigned int gshift;
	uint64_t len;

	*first = c->addr & ~0xfffull;
	if (!c->tg) {
		*last = *first | 0xfffull;
		return;
	}
	gshift = 10 + 2 * c->tg;	/* TG 1/2/3: 4K/16K/64K */
	len = ((uint64_t)c->num + 1) << (c->scale + gshift);	/* <= 2^52 */
	if (len - 1 > UINT64_MAX - *first)
		*last = UINT64_MAX;	/* no wrap (§4.4.1.1) */
	else
		*last = *first + (len - 1);
}

void smmu_hw_atc_span(const struct smmu_hw_cmd *c, uint64_t *first, uint64_t *last)
{
	uint64_t span_mask;

	if (c->size >= 52) {
		*first = 0;
		*last = UINT64_MAX;
		return;
	}
	span_mask = (1ull << (12 + c->size)) - 1;
	*first = c->addr & ~span_mask;
	*last = *first | span_mask;
}

const char *smmu_hw_op_name(uint8_t op)
{
	const struct op_desc *d = find_op(op);

	return d ? d->name : "CMD_UNKNOWN";
}
