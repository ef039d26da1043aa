// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hw-decode.c - VT-d invalidation descriptor decoder, as the model's
 * hardware sees it.
 *
 * Independent of the driver's encoders (cmd.c): each type has a table row
 * with the bits it defines in qw0 and qw1, written out as masks from the
 * layouts of the VT-d specification §6.5.2 (subsection numbers of rev 3.x,
 * titles quoted so they are found in any revision); a set bit outside them
 * is a reserved field violation (IQEI 4).
 */
#include <stdio.h>
#include <string.h>

#include "hw.h"

/**
 * struct type_desc - what a descriptor type defines.
 * @type: the type.
 * @feat: VTD_HW_FEAT_* bits the unit needs for the type to be legal.
 * @qw0: bits of qw0 the type defines, type [3:0] included (the type's high
 *	bits [11:9] are 0 for types 1-8, so they are not defined bits).
 * @qw1: bits of qw1 the type defines.
 * @g_ok: bit n set when granularity n is defined (types with a G field).
 * @name: the mnemonic.
 */
struct type_desc {
	uint8_t type;
	uint8_t feat;
	uint64_t qw0;
	uint64_t qw1;
	uint8_t g_ok;
	const char *name;
};

/*
 * qw0 pieces: type [3:0] 0xf; G [5:4] 0x30; type 2 DW [6], DR [7]; DID
 * [31:16] 0xffff0000; type 1 SID [47:32], FM [49:48]; PASID [51:32]
 * 0x000fffff00000000; type 3 PFSID[3:0] [15:12], MIP [20:16], SID [47:32],
 * PFSID[15:4] [63:52]; type 8 QDEP [8:4], PFSID[3:0] [15:12], SID [31:16],
 * PASID [51:32], PFSID[15:4] [63:52]; type 4 G [4], IM [31:27], IIDX
 * [47:32]; type 5 IF [4], SW [5], FN [6], PD [7], StatusData [63:32].
 * qw1 pieces: AM [5:0], IH [6], ADDR [63:12]; type 3 S [0]; type 8 G [0],
 * S [11]; type 5 status address [63:2].
 */
static const struct type_desc types[] = {
	/* §6.5.2.1 "Context-cache Invalidate Descriptor": G 1 global, 2 domain, 3 device */
	{ VTD_HW_CC_INV, 0, 0x0003ffffffff003full, 0, 0x0e, "CC_INV" },
	/* §6.5.2.3 "IOTLB Invalidate Descriptor": G 1 global, 2 DSI, 3 PSI */
	{ VTD_HW_IOTLB_INV, 0, 0x00000000ffff00ffull, 0xfffffffffffff07full, 0x0e,
	  "IOTLB_INV" },
	/* §6.5.2.5 "Device-TLB Invalidate Descriptor" */
	{ VTD_HW_DEVTLB_INV, VTD_HW_FEAT_DT, 0xfff0ffff001ff00full, 0xfffffffffffff001ull, 0,
	  "DEVTLB_INV" },
	/* §6.5.2.7 "Interrupt Entry Cache Invalidate Descriptor": G [4] */
	{ VTD_HW_IEC_INV, 0, 0x0000fffff800001full, 0, 0, "IEC_INV" },
	/* §6.5.2.8 "Invalidation Wait Descriptor" */
	{ VTD_HW_INV_WAIT, 0, 0xffffffff000000ffull, 0xfffffffffffffffcull, 0, "INV_WAIT" },
	/* §6.5.2.4 "PASID-based-IOTLB Invalidate Descriptor": G 2 PASID, 3 page */
	{ VTD_HW_PIOTLB_INV, VTD_HW_FEAT_SM, 0x000fffffffff003full, 0xfffffffffffff07full, 0x0c,
	  "PIOTLB_INV" },
	/* §6.5.2.2 "PASID-cache Invalidate Descriptor": G 0 domain, 1 PASID, 3 global */
	{ VTD_HW_PC_INV, VTD_HW_FEAT_SM, 0x000fffffffff003full, 0, 0x0b, "PC_INV" },
	/* §6.5.2.6 "PASID-based-Device-TLB Invalidate Descriptor" */
	{ VTD_HW_PDEVTLB_INV, VTD_HW_FEAT_SM | VTD_HW_FEAT_DT, 0xfffffffffffff1ffull,
	  0xfffffffffffff801ull, 0, "PDEVTLB_INV" },
};

#define ADDR_PAGE_MASK	0xfffffffffffff000ull

static const struct type_desc *find_type(unsigned int type)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
}

static bool has_g(uint8_t type)
{
	return type == VTD_HW_CC_INV || type == VTD_HW_IOTLB_INV || type == VTD_HW_PIOTLB_INV ||
	       type == VTD_HW_PC_INV;
}

/* Pull the fields of a known type out of the words; the rest stay 0. */
static void extract(uint64_t w0, uint64_t w1, struct vtd_hw_desc *d)
{
	uint16_t pfsid = (uint16_t)(((w0 >> 12) & 0xf) | ((w0 >> 52) & 0xfff) << 4);

	d->type = (uint8_t)(w0 & 0xf);
	switch (d->type) {
	case VTD_HW_CC_INV:
		d->g = (uint8_t)((w0 >> 4) & 3);
		d->did = (uint16_t)(w0 >> 16);
		d->sid = (uint16_t)(w0 >> 32);
		d->fm = (uint8_t)((w0 >> 48) & 3);
		break;
	case VTD_HW_IOTLB_INV:
		d->g = (uint8_t)((w0 >> 4) & 3);
		d->dw = (w0 >> 6) & 1;
		d->dr = (w0 >> 7) & 1;
		d->did = (uint16_t)(w0 >> 16);
		d->am = (uint8_t)(w1 & 0x3f);
		d->ih = (w1 >> 6) & 1;
		d->addr = w1 & ADDR_PAGE_MASK;
		break;
	case VTD_HW_DEVTLB_INV:
		d->pfsid = pfsid;
		d->mip = (uint8_t)((w0 >> 16) & 0x1f);
		d->sid = (uint16_t)(w0 >> 32);
		d->s = w1 & 1;
		d->addr = w1 & ADDR_PAGE_MASK;
		break;
	case VTD_HW_IEC_INV:
		d->g = (uint8_t)((w0 >> 4) & 1);
		d->im = (uint8_t)((w0 >> 27) & 0x1f);
		d->iidx = (uint16_t)(w0 >> 32);
		break;
	case VTD_HW_INV_WAIT:
		d->wif = (w0 >> 4) & 1;
		d->wsw = (w0 >> 5) & 1;
		d->wfn = (w0 >> 6) & 1;
		d->wpd = (w0 >> 7) & 1;
		d->status_data = (uint32_t)(w0 >> 32);
		d->addr = w1 & ~3ull;
		break;
	case VTD_HW_PIOTLB_INV:
		d->g = (uint8_t)((w0 >> 4) & 3);
		d->did = (uint16_t)(w0 >> 16);
		d->pasid = (uint32_t)(w0 >> 32) & 0xfffffu;
		d->am = (uint8_t)(w1 & 0x3f);
		d->ih = (w1 >> 6) & 1;
		d->addr = w1 & ADDR_PAGE_MASK;
		break;
	case VTD_HW_PC_INV:
		d->g = (uint8_t)((w0 >> 4) & 3);
		d->did = (uint16_t)(w0 >> 16);
		d->pasid = (uint32_t)(w0 >> 32) & 0xfffffu;
		break;
	default:	/* VTD_HW_PDEVTLB_INV */
		d->mip = (uint8_t)((w0 >> 4) & 0x1f);
		d->pfsid = pfsid;
		d->sid = (uint16_t)(w0 >> 16);
		d->pasid = (uint32_t)(w0 >> 32) & 0xfffffu;
		d->g = (uint8_t)(w1 & 1);
		d->s = (w1 >> 11) & 1;
		d->addr = w1 & ADDR_PAGE_MASK;
		break;
	}
}

static int bad(enum vtd_hw_bad reason, int iqei, enum vtd_hw_bad *why)
{
	if (why)
		*why = reason;
	return iqei;
}

int vtd_hw_decode(const uint64_t *qw, bool wide, const struct vtd_hw_caps *caps,
		  struct vtd_hw_desc *out, enum vtd_hw_bad *why)
{
	const struct type_desc *t;

	*out = (struct vtd_hw_desc){ 0 };
	if (why)
		*why = VTD_HW_BAD_NONE;
	t = find_type(vtd_hw_op_index(qw[0]));
	if (!t)
		return bad(VTD_HW_BAD_TYPE, VTD_HW_IQEI_TYPE, why);
	if ((t->feat & caps->feat) != t->feat)
		return bad(VTD_HW_BAD_FEATURE, VTD_HW_IQEI_TYPE, why);
	if ((qw[0] & ~t->qw0) || (qw[1] & ~t->qw1) || (wide && (qw[2] || qw[3])))
		return bad(VTD_HW_BAD_RSVD, VTD_HW_IQEI_RSVD, why);

	extract(qw[0], qw[1], out);

	if (has_g(t->type) && !(t->g_ok & (1u << out->g)))
		return bad(VTD_HW_BAD_GRAN, VTD_HW_IQEI_RSVD, why);
	/* Page-selective type 2 beyond CAP.MAMV: undefined; rejected here. */
	if (t->type == VTD_HW_IOTLB_INV && out->g == 3 && (caps->feat & VTD_HW_FEAT_PSI) &&
	    out->am > caps->mamv)
		return bad(VTD_HW_BAD_AM, VTD_HW_IQEI_RSVD, why);
	/*
	 * §6.5.2.8 describes a wait by what it reports: a status write (SW) or
	 * an interrupt (IF).  One with neither reports nothing, and the
	 * specification does not clearly allow it; a unit may refuse it, and
	 * the model, strictest, does (IQEI 4: the SW/IF field combination).
	 */
	if (t->type == VTD_HW_INV_WAIT && !out->wsw && !out->wif)
		return bad(VTD_HW_BAD_WAIT, VTD_HW_IQEI_RSVD, why);
	return VTD_HW_IQEI_NONE;
}

/* The 8 little-endian bytes at @p (one load where the host is little-endian). */
static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	       (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

void vtd_hw_load_le(const void *slot, unsigned int nr, uint64_t qw[4])
{
	const uint8_t *p = slot;
	unsigned int i;

	/* §6.5.2: descriptors are little-endian in memory. */
	for (i = 0; i < 4; i++)
		qw[i] = i < nr ? get_le64(p + 8 * i) : 0;
}

int vtd_hw_decode_le(const void *slot, bool wide, const struct vtd_hw_caps *caps,
		     struct vtd_hw_desc *out, enum vtd_hw_bad *why)
{
	uint64_t qw[4];

	vtd_hw_load_le(slot, wide ? 4 : 2, qw);
	return vtd_hw_decode(qw, wide, caps, out, why);
}

void vtd_hw_page_span(const struct vtd_hw_desc *d, uint64_t *first, uint64_t *last)
{
	uint64_t span;

	if (d->am >= 52) {
		*first = 0;
		*last = UINT64_MAX;
		return;
	}
	span = UINT64_C(1) << (12 + d->am);
	*first = d->addr & ~(span - 1);
	*last = *first + (span - 1);
}

void vtd_hw_devtlb_span(const struct vtd_hw_desc *d, uint64_t *first, uint64_t *last)
{
	unsigned int ones, shift;
	uint64_t span;

	if (!d->s) {
		*first = d->addr;
		*last = d->addr | 0xfffull;
		return;
	}
	/* Trailing 1 bits of ADDR[63:12]; the bit above them is the size's 0. */
	ones = (unsigned int)__builtin_ctzll(~(d->addr >> 12) | (UINT64_C(1) << 52));
	shift = 13 + ones;
	if (shift >= 64) {
		*first = 0;
		*last = UINT64_MAX;
		return;
	}
	span = UINT64_C(1) << shift;
	*first = d->addr & ~(span - 1);
	*last = *first + (span - 1);
}

const char *vtd_hw_op_name(unsigned int op)
{
	const struct type_desc *t = find_type(op);

	return t ? t->name : NULL;
}

int vtd_hw_describe(const struct vtd_hw_desc *d, char *buf, size_t len)
{
	const char *n = vtd_hw_op_name(d->type);

	if (!n)
		return snprintf(buf, len, "UNKNOWN type=%u", d->type);
	switch (d->type) {
	case VTD_HW_CC_INV:
		return snprintf(buf, len, "%s g=%u did=%u sid=0x%04x fm=%u", n, d->g, d->did,
				d->sid, d->fm);
	case VTD_HW_IOTLB_INV:
		return snprintf(buf, len, "%s g=%u did=%u addr=0x%llx am=%u ih=%u dw=%u dr=%u", n,
				d->g, d->did, (unsigned long long)d->addr, d->am, d->ih, d->dw,
				d->dr);
	case VTD_HW_DEVTLB_INV:
		return snprintf(buf, len, "%s sid=0x%04x pfsid=0x%04x mip=%u addr=0x%llx s=%u", n,
				d->sid, d->pfsid, d->mip, (unsigned long long)d->addr, d->s);
	case VTD_HW_IEC_INV:
		return snprintf(buf, len, "%s g=%u iidx=%u im=%u", n, d->g, d->iidx, d->im);
	case VTD_HW_INV_WAIT:
		return snprintf(buf, len, "%s if=%u sw=%u fn=%u pd=%u data=0x%x addr=0x%llx", n,
				d->wif, d->wsw, d->wfn, d->wpd, d->status_data,
				(unsigned long long)d->addr);
	case VTD_HW_PIOTLB_INV:
		return snprintf(buf, len, "%s g=%u did=%u pasid=%u addr=0x%llx am=%u ih=%u", n,
				d->g, d->did, d->pasid, (unsigned long long)d->addr, d->am, d->ih);
	case VTD_HW_PC_INV:
		return snprintf(buf, len, "%s g=%u did=%u pasid=%u", n, d->g, d->did, d->pasid);
	default:
		return snprintf(buf, len,
				"%s sid=0x%04x pasid=%u pfsid=0x%04x mip=%u addr=0x%llx s=%u g=%u",
				n, d->sid, d->pasid, d->pfsid, d->mip,
				(unsigned long long)d->addr, d->s, d->g);
	}
}
