// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cmd.c - VT-d invalidation descriptor encoder (driver side).
 *
 * Field positions come from the VT-d Architecture Specification §6.5.2
 * "Queued Invalidation Interface" (rev 3.x/4.x numbering), one subsection
 * per descriptor, summarised in docs/hardware.md §2 "Descriptors".  The
 * model's decoder (src/arch/vtd/hw*) is written separately on purpose: do
 * not share these definitions with it.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <invtrack/vtd.h>

/* A field: which word, its lowest bit, its width in bits. */
struct desc_field {
	uint8_t qw;
	uint8_t lo;
	uint8_t width;
};

/* §6.5.2: Type [3:0] (type bits [6:4] live at qw0[11:9], 0 for types < 16). */
static const struct desc_field F_TYPE = { 0, 0, 4 };
/* §6.5.2.1 Context-cache, §6.5.2.2 PASID-cache, §6.5.2.3 IOTLB,
 * §6.5.2.4 PASID-based IOTLB Invalidate Descriptor: Granularity [5:4].
 */
static const struct desc_field F_G = { 0, 4, 2 };
/* §6.5.2.7 Interrupt Entry Cache Invalidate Descriptor: Granularity [4]. */
static const struct desc_field F_IEC_G = { 0, 4, 1 };
/* §6.5.2.7: Index Mask IM [31:27], Interrupt Index IIDX [47:32]. */
static const struct desc_field F_IEC_IM = { 0, 27, 5 };
static const struct desc_field F_IEC_IIDX = { 0, 32, 16 };
/* §6.5.2.3 IOTLB Invalidate Descriptor: Drain Writes [6], Drain Reads [7]. */
static const struct desc_field F_DW = { 0, 6, 1 };
static const struct desc_field F_DR = { 0, 7, 1 };
/* §6.5.2.1-6.5.2.4: Domain-ID [31:16]. */
static const struct desc_field F_DID = { 0, 16, 16 };
/* §6.5.2.1: Source-ID [47:32], Function Mask [49:48]. */
static const struct desc_field F_CC_SID = { 0, 32, 16 };
static const struct desc_field F_CC_FM = { 0, 48, 2 };
/* §6.5.2.2, §6.5.2.4, §6.5.2.6: PASID [51:32]. */
static const struct desc_field F_PASID = { 0, 32, 20 };
/* §6.5.2.3, §6.5.2.4: Address Mask [69:64], Invalidation Hint [70],
 * Address [127:76] (qw1 [5:0], [6], [63:12]).
 */
static const struct desc_field F_AM = { 1, 0, 6 };
static const struct desc_field F_IH = { 1, 6, 1 };
static const struct desc_field F_ADDR = { 1, 12, 52 };
/* §6.5.2.5 Device-TLB Invalidate Descriptor: PFSID [15:12] and [63:52],
 * Max Invs Pending (queue depth) [20:16], SID [47:32]; Size [64] (qw1[0]).
 */
static const struct desc_field F_DEV_PFSID_LO = { 0, 12, 4 };
static const struct desc_field F_DEV_PFSID_HI = { 0, 52, 12 };
static const struct desc_field F_DEV_QDEP = { 0, 16, 5 };
static const struct desc_field F_DEV_SID = { 0, 32, 16 };
static const struct desc_field F_DEV_S = { 1, 0, 1 };
/* §6.5.2.6 PASID-based-Device-TLB Invalidate Descriptor: Max Invs Pending
 * [8:4], PFSID [15:12] and [63:52], SID [31:16], PASID [51:32]; Global [64]
 * and Size [75] (qw1 [0] and [11]).
 */
static const struct desc_field F_PDEV_QDEP = { 0, 4, 5 };
static const struct desc_field F_PDEV_SID = { 0, 16, 16 };
static const struct desc_field F_PDEV_G = { 1, 0, 1 };
static const struct desc_field F_PDEV_S = { 1, 11, 1 };
/* §6.5.2.8 Invalidation Wait Descriptor: IF [4], SW [5], FN [6], PD [7],
 * Status Data [63:32]; Status Address [127:66] (qw1 [63:2]).
 */
static const struct desc_field F_IF = { 0, 4, 1 };
static const struct desc_field F_SW = { 0, 5, 1 };
static const struct desc_field F_FN = { 0, 6, 1 };
static const struct desc_field F_PD = { 0, 7, 1 };
static const struct desc_field F_SDATA = { 0, 32, 32 };
static const struct desc_field F_SADDR = { 1, 2, 62 };

static inline __attribute__((always_inline)) void put(uint64_t qw[2], struct desc_field f,
						       uint64_t val)
{
	uint64_t mask = f.width == 64 ? ~0ull : (1ull << f.width) - 1;

	qw[f.qw] |= (val & mask) << f.lo;
}

/* Which struct fields a (type, granularity) carries. */
enum {
	C_G = 1u << 0,
	C_DRW = 1u << 1,	/* dr, dw */
	C_DID = 1u << 2,
	C_SID = 1u << 3,
	C_FM = 1u << 4,
	C_PSI = 1u << 5,	/* am, ih, addr */
	C_ATS = 1u << 6,	/* pfsid, qdep, size, addr */
	C_PASID = 1u << 7,
	C_IEC_IDX = 1u << 8,	/* im, iidx */
	C_WAIT = 1u << 9,	/* iflag, sw, fn, pd */
	C_STATUS = 1u << 10,	/* status_data, status_addr */
	C_INVALID = 1u << 31,
};

/*
 * What a descriptor of (@type, @g) carries; a wait's also depends on @sw and
 * @iflag.  Constants in each encoder of invt_vtd_desc_encode().
 */
static inline unsigned int carried(uint8_t type, uint8_t g, bool sw, bool iflag)
{
	switch (type) {
	case INVT_VTD_DESC_CC:
		switch (g) {
		case INVT_VTD_CC_GLOBAL:	return C_G;
		case INVT_VTD_CC_DOMAIN:	return C_G | C_DID;
		case INVT_VTD_CC_DEVICE:	return C_G | C_DID | C_SID | C_FM;
		default:			return C_INVALID;
		}
	case INVT_VTD_DESC_IOTLB:
		switch (g) {
		case INVT_VTD_IOTLB_GLOBAL:	return C_G | C_DRW;
		case INVT_VTD_IOTLB_DSI:	return C_G | C_DRW | C_DID;
		case INVT_VTD_IOTLB_PSI:	return C_G | C_DRW | C_DID | C_PSI;
		default:			return C_INVALID;
		}
	case INVT_VTD_DESC_DEVTLB:
		return C_SID | C_ATS;
	case INVT_VTD_DESC_IEC:
		switch (g) {
		case INVT_VTD_IEC_GLOBAL:	return 0;
		case INVT_VTD_IEC_INDEX:	return C_G | C_IEC_IDX;
		default:			return C_INVALID;
		}
	case INVT_VTD_DESC_WAIT:
		/*
		 * §6.5.2.8: a wait that neither writes a status (SW) nor
		 * raises an interrupt (IF) completes unobserved; implementations
		 * may refuse it (the model does, with IQE): never encode one.
		 */
		if (!sw && !iflag)
			return C_INVALID;
		return sw ? C_WAIT | C_STATUS : C_WAIT;
	case INVT_VTD_DESC_PIOTLB:
		switch (g) {
		case INVT_VTD_PIOTLB_PASID:	return C_G | C_DID | C_PASID;
		case INVT_VTD_PIOTLB_PSI:	return C_G | C_DID | C_PASID | C_PSI;
		default:			return C_INVALID;
		}
	case INVT_VTD_DESC_PC:
		switch (g) {
		case INVT_VTD_PC_DOMAIN:	return C_DID;
		case INVT_VTD_PC_PASID:		return C_G | C_DID | C_PASID;
		case INVT_VTD_PC_GLOBAL:	return C_G;
		default:			return C_INVALID;
		}
	case INVT_VTD_DESC_PDEVTLB:
		/* G is a 1-bit flag here, not a granularity. */
		return g > 1 ? C_INVALID : C_G | C_SID | C_ATS | C_PASID;
	default:
		return C_INVALID;
	}
}

/*
 * Whether @d sets a field that @allowed does not carry.  With @allowed a
 * constant (see invt_vtd_desc_encode()), only the fields of the groups
 * outside it are read.
 */
static inline bool stray(const struct invt_vtd_desc *d, unsigned int allowed)
{
	uint64_t x = 0;

	if (!(allowed & C_G))
		x |= d->g;
	if (!(allowed & C_DRW))
		x |= d->dr | d->dw;
	if (!(allowed & C_DID))
		x |= d->did;
	if (!(allowed & C_SID))
		x |= d->sid;
	if (!(allowed & C_FM))
		x |= d->fm;
	if (!(allowed & C_PSI))
		x |= d->am | d->ih;
	if (!(allowed & C_ATS))
		x |= d->pfsid | d->qdep | d->size;
	if (!(allowed & C_PASID))
		x |= d->pasid;
	if (!(allowed & C_IEC_IDX))
		x |= d->im | d->iidx;
	if (!(allowed & C_WAIT))
		x |= d->iflag | d->sw | d->fn | d->pd;
	if (!(allowed & C_STATUS))
		x |= d->status_data | d->status_addr;
	/* The address belongs to whichever of C_PSI / C_ATS the type carries. */
	if (!(allowed & (C_PSI | C_ATS)))
		x |= d->addr;
	return x != 0;
}

/*
 * Values too wide for their field, in the groups @allowed carries: the
 * others are 0 once stray() passed, and 0 fits every field.
 */
static inline bool widths_ok(const struct invt_vtd_desc *d, unsigned int allowed)
{
	return (!(allowed & C_FM) || d->fm <= 3) &&
	       (!(allowed & C_PSI) || d->am <= INVT_VTD_AM_MAX) &&
	       (!(allowed & C_ATS) || d->qdep <= 31) &&
	       (!(allowed & C_IEC_IDX) || d->im <= 31) &&
	       (!(allowed & C_PASID) || d->pasid < INVT_VTD_PASID_LIMIT);
}

static inline __attribute__((always_inline)) bool rules_ok(const struct invt_vtd_desc *d,
							    unsigned int allowed)
{
	uint64_t mask;

	if (allowed & C_PSI) {
		/*
		 * §6.5.2.3/§6.5.2.4: ADDR [63:12]; the low AM bits of the page
		 * number are ignored by hardware: demand zeros (AM 52 spans
		 * 2^64, so the address must be 0).
		 */
		mask = d->am >= INVT_VTD_AM_MAX ? ~0ull : (1ull << (12 + d->am)) - 1;
		return !(d->addr & mask);
	}
	if (allowed & C_ATS) {
		if (d->addr & 0xfff)
			return false;
		/* S = 1 with [63:12] all ones names no span (PCIe ATS). */
		return !(d->size && d->addr == ~0xfffull);
	}
	if (allowed & C_STATUS)
		return !(d->status_addr & 3);	/* §6.5.2.8: Status Address [63:2] */
	return true;
}

/*
 * Encode @d, a descriptor of (@type, @g) (a wait: with @sw, @iflag): constants
 * in each case of invt_vtd_desc_encode(), so that every kind of descriptor
 * gets its own copy, which reads and checks only what concerns it.
 */
static inline __attribute__((always_inline)) int encode(const struct invt_vtd_desc *d,
							uint8_t type, uint8_t g, bool sw,
							bool iflag, uint64_t qw[2])
{
	unsigned int allowed = carried(type, g, sw, iflag);
	uint64_t w[2] = { 0, 0 };

	if (allowed & C_INVALID)
		return -EINVAL;
	if (stray(d, allowed))
		return -EINVAL;
	if (!widths_ok(d, allowed) || !rules_ok(d, allowed))
		return -EINVAL;

	put(w, F_TYPE, type);
	switch (type) {
	case INVT_VTD_DESC_CC:
		put(w, F_G, d->g);
		put(w, F_DID, d->did);
		put(w, F_CC_SID, d->sid);
		put(w, F_CC_FM, d->fm);
		break;
	case INVT_VTD_DESC_IOTLB:
	case INVT_VTD_DESC_PIOTLB:
		put(w, F_G, d->g);
		put(w, F_DR, d->dr);
		put(w, F_DW, d->dw);
		put(w, F_DID, d->did);
		put(w, F_PASID, d->pasid);	/* 0 for IOTLB (not carried) */
		put(w, F_AM, d->am);
		put(w, F_IH, d->ih);
		put(w, F_ADDR, d->addr >> 12);
		break;
	case INVT_VTD_DESC_DEVTLB:
		put(w, F_DEV_PFSID_LO, d->pfsid);
		put(w, F_DEV_PFSID_HI, d->pfsid >> 4);
		put(w, F_DEV_QDEP, d->qdep);
		put(w, F_DEV_SID, d->sid);
		put(w, F_DEV_S, d->size);
		put(w, F_ADDR, d->addr >> 12);
		break;
	case INVT_VTD_DESC_IEC:
		put(w, F_IEC_G, d->g);
		put(w, F_IEC_IM, d->im);
		put(w, F_IEC_IIDX, d->iidx);
		break;
	case INVT_VTD_DESC_WAIT:
		put(w, F_IF, d->iflag);
		put(w, F_SW, d->sw);
		put(w, F_FN, d->fn);
		put(w, F_PD, d->pd);
		put(w, F_SDATA, d->status_data);
		put(w, F_SADDR, d->status_addr >> 2);
		break;
	case INVT_VTD_DESC_PC:
		put(w, F_G, d->g);
		put(w, F_DID, d->did);
		put(w, F_PASID, d->pasid);
		break;
	default:	/* INVT_VTD_DESC_PDEVTLB */
		put(w, F_PDEV_QDEP, d->qdep);
		put(w, F_DEV_PFSID_LO, d->pfsid);
		put(w, F_DEV_PFSID_HI, d->pfsid >> 4);
		put(w, F_PDEV_SID, d->sid);
		put(w, F_PASID, d->pasid);
		put(w, F_PDEV_G, d->g);
		put(w, F_PDEV_S, d->size);
		put(w, F_ADDR, d->addr >> 12);
		break;
	}
	qw[0] = w[0];
	qw[1] = w[1];
	return 0;
}

/* Granularities are 2-bit fields (§6.5.2): carried() refuses the rest. */
#define ENCODE(type)							\
	case type:							\
		switch (d->g) {						\
		case 0: return encode(d, type, 0, false, false, qw);	\
		case 1: return encode(d, type, 1, false, false, qw);	\
		case 2: return encode(d, type, 2, false, false, qw);	\
		case 3: return encode(d, type, 3, false, false, qw);	\
		default: return -EINVAL;				\
		}

int invt_vtd_desc_encode(const struct invt_vtd_desc *d, uint64_t qw[2])
{
	switch (d->type) {
	ENCODE(INVT_VTD_DESC_CC);
	ENCODE(INVT_VTD_DESC_IOTLB);
	ENCODE(INVT_VTD_DESC_DEVTLB);
	ENCODE(INVT_VTD_DESC_IEC);
	ENCODE(INVT_VTD_DESC_PIOTLB);
	ENCODE(INVT_VTD_DESC_PC);
	ENCODE(INVT_VTD_DESC_PDEVTLB);
	case INVT_VTD_DESC_WAIT:
		/* Carries G nowhere: stray() refuses a non-zero one. */
		if (d->sw)
			return encode(d, INVT_VTD_DESC_WAIT, 0, true, false, qw);
		if (d->iflag)
			return encode(d, INVT_VTD_DESC_WAIT, 0, false, true, qw);
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

#undef ENCODE

/* @v as 8 little-endian bytes at @b: one store (GCC merges the byte stores only in part). */
static void put_le64(uint8_t *b, uint64_t v)
{
	uint64_t le = htole64(v);

	memcpy(b, &le, sizeof(le));
}

int invt_vtd_desc_encode_le(const struct invt_vtd_desc *d, void *slot, unsigned int bytes)
{
	uint8_t *b = slot;
	uint64_t qw[2];
	int ret;

	if (bytes != 16 && bytes != 32)
		return -EINVAL;
	ret = invt_vtd_desc_encode(d, qw);
	if (ret)
		return ret;
	/* §6.5.2: descriptors are little-endian; qw2 and qw3 are 0 here. */
	put_le64(b, qw[0]);
	put_le64(b + 8, qw[1]);
	if (bytes == 32) {
		put_le64(b + 16, 0);
		put_le64(b + 24, 0);
	}
	return 0;
}
