/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * hw.h - Intel VT-d, hardware side: the invalidation descriptor decoder used
 * by the model.
 *
 * Written independently of the driver's encoders (cmd.c, <invtrack/vtd.h>):
 * own field extraction and own types, so that a mistake in one is caught by
 * the other.  Source: Intel VT-d specification (rev 3.x/4.x) §6.5.2
 * "Queued Invalidation Interface", one subsection per descriptor (cited at
 * each table row in hw-decode.c); summarised in docs/hardware.md §2.
 *
 * The type is qw0[3:0] | qw0[11:9] << 4 (7 bits); types 1-8 are decoded,
 * every other value is an invalid descriptor type.  Every bit a descriptor
 * does not define is reserved and rejected: the unit reports an
 * Invalidation Queue Error (FSTS.IQE) with IQER.IQEI = 4 (reserved field
 * violation).  With 256-bit descriptors (IQA.DW = 1) bits 255:128 of types
 * 1-8 are reserved too.  A granularity the descriptor does not define is
 * treated as a reserved encoding (IQEI 4).  A type the unit does not support
 * (device-TLB types without ECAP.DT, PASID-granular types without scalable
 * mode) is an invalid type (IQEI 3).
 *
 * Simplification: the spec's IQEI 5 ("invalid descriptor width": 128-bit
 * descriptors while the unit translates in scalable mode) is not modelled;
 * both widths are accepted in scalable mode.
 */
#ifndef INVTRACK_VTD_HW_H
#define INVTRACK_VTD_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Descriptor types (VT-d §6.5.2). */
#define VTD_HW_CC_INV		1	/* context-cache invalidate */
#define VTD_HW_IOTLB_INV	2	/* IOTLB invalidate */
#define VTD_HW_DEVTLB_INV	3	/* device-TLB invalidate */
#define VTD_HW_IEC_INV		4	/* interrupt entry cache invalidate */
#define VTD_HW_INV_WAIT		5	/* invalidation wait */
#define VTD_HW_PIOTLB_INV	6	/* PASID-based IOTLB invalidate */
#define VTD_HW_PC_INV		7	/* PASID-cache invalidate */
#define VTD_HW_PDEVTLB_INV	8	/* PASID-based device-TLB invalidate */

/* Op index space: the 7-bit type, counted in 256 slots. */
#define VTD_HW_NR_OPS		256

/*
 * IQER_REG.IQEI values (VT-d §11.4.9.9 "Invalidation Queue Error Record
 * Register"): why the queue stopped with FSTS.IQE.
 */
#define VTD_HW_IQEI_NONE	0	/* no error / information not available */
#define VTD_HW_IQEI_TAIL	1	/* IQT beyond the queue */
#define VTD_HW_IQEI_FETCH	2	/* descriptor fetch failed */
#define VTD_HW_IQEI_TYPE	3	/* invalid (or unsupported) type */
#define VTD_HW_IQEI_RSVD	4	/* reserved field violation */
#define VTD_HW_IQEI_WIDTH	5	/* invalid descriptor width (not modelled) */
#define VTD_HW_IQEI_TAIL_ALIGN	6	/* IQT not 256-bit aligned with DW = 1 */

/* Features of the modelled unit that decide whether a descriptor is legal. */
#define VTD_HW_FEAT_DT		(1u << 0)	/* ECAP.DT: device-TLB types 3, 8 */
#define VTD_HW_FEAT_SM		(1u << 1)	/* ECAP.SMTS + PASID: types 6, 7, 8 */
#define VTD_HW_FEAT_PSI		(1u << 2)	/* CAP.PSI: type 2 G = 3 honoured */
#define VTD_HW_FEAT_ALL		0x7u

/**
 * struct vtd_hw_caps - what the decoder needs to know of the unit.
 * @feat: VTD_HW_FEAT_* bits.
 * @mamv: CAP.MAMV: the largest AM a type 2 page-selective invalidation may
 *	carry (the model rejects larger ones: the spec leaves them undefined).
 */
struct vtd_hw_caps {
	unsigned int feat;
	unsigned int mamv;
};

/**
 * enum vtd_hw_bad - why a descriptor was rejected (finer than IQEI).
 * @VTD_HW_BAD_NONE: it was not.
 * @VTD_HW_BAD_TYPE: type not 1-8.
 * @VTD_HW_BAD_FEATURE: the unit lacks what the type needs (IQEI 3).
 * @VTD_HW_BAD_RSVD: a reserved bit is set (IQEI 4).
 * @VTD_HW_BAD_GRAN: an undefined granularity (IQEI 4).
 * @VTD_HW_BAD_AM: type 2 AM above CAP.MAMV (IQEI 4).
 * @VTD_HW_BAD_WAIT: a wait with neither SW nor IF (IQEI 4; see
 *	vtd_hw_decode()).
 */
enum vtd_hw_bad {
	VTD_HW_BAD_NONE,
	VTD_HW_BAD_TYPE,
	VTD_HW_BAD_FEATURE,
	VTD_HW_BAD_RSVD,
	VTD_HW_BAD_GRAN,
	VTD_HW_BAD_AM,
	VTD_HW_BAD_WAIT,
};

/**
 * struct vtd_hw_desc - a decoded descriptor.  Fields its type does not
 * carry are 0.
 * @type: VTD_HW_* type, 1-8.
 * @g: granularity: types 1, 2, 6, 7 G [5:4]; type 4 G [4]; type 8 G (qw1[0]).
 * @dw: type 2 drain writes.
 * @dr: type 2 drain reads.
 * @ih: types 2, 6 invalidation hint (keep paging-structure caches).
 * @am: types 2, 6 address mask (log2 of the pages).
 * @fm: type 1 function mask.
 * @s: types 3, 8 size bit.
 * @mip: types 3, 8 MIP / QDEP.
 * @wif: type 5 IF (set ICS.IWC).
 * @wsw: type 5 SW (write the status).
 * @wfn: type 5 FN (fence).
 * @wpd: type 5 PD (page-request drain).
 * @im: type 4 index mask.
 * @did: types 1, 2, 6, 7 domain id.
 * @sid: types 1, 3, 8 source id.
 * @pfsid: types 3, 8 physical-function source id.
 * @iidx: type 4 interrupt index.
 * @pasid: types 6, 7, 8 PASID.
 * @status_data: type 5 StatusData.
 * @addr: types 2, 3, 6, 8 address (bits [11:0] zero); type 5 the status
 *	address (bits [1:0] zero).
 */
struct vtd_hw_desc {
	uint8_t type;
	uint8_t g;
	bool dw;
	bool dr;
	bool ih;
	uint8_t am;
	uint8_t fm;
	bool s;
	uint8_t mip;
	bool wif;
	bool wsw;
	bool wfn;
	bool wpd;
	uint8_t im;
	uint16_t did;
	uint16_t sid;
	uint16_t pfsid;
	uint16_t iidx;
	uint32_t pasid;
	uint32_t status_data;
	uint64_t addr;
};

/**
 * vtd_hw_op_index() - the op index (by_op / cost slot) of a descriptor.
 * @qw0: its first quadword.
 *
 * Return: qw0[3:0] | qw0[11:9] << 4, 0..127.
 */
static inline unsigned int vtd_hw_op_index(uint64_t qw0)
{
	return (unsigned int)((qw0 & 0xf) | ((qw0 >> 9) & 7) << 4);
}

/**
 * vtd_hw_decode() - decode one descriptor.
 * @qw: its quadwords as integers: 2 used, or 4 with @wide.
 * @wide: 256-bit descriptors (IQA.DW = 1): qw[2] and qw[3] must be 0.
 * @caps: the unit.
 * @out: zeroed, then filled with the fields; only meaningful on success.
 * @why: receives the detailed reason, or VTD_HW_BAD_NONE; may be NULL.
 *
 * Return: VTD_HW_IQEI_NONE (0), or the IQEI the queue stops with
 * (VTD_HW_IQEI_TYPE, VTD_HW_IQEI_RSVD) - the hardware's own code, not an
 * errno.
 */
int vtd_hw_decode(const uint64_t *qw, bool wide, const struct vtd_hw_caps *caps,
		  struct vtd_hw_desc *out, enum vtd_hw_bad *why);

/**
 * vtd_hw_decode_le() - decode one descriptor from queue memory.
 * @slot: its 16 (or with @wide 32) little-endian bytes.
 * @wide: as for vtd_hw_decode().
 * @caps: as for vtd_hw_decode().
 * @out: as for vtd_hw_decode().
 * @why: as for vtd_hw_decode().
 *
 * Return: as vtd_hw_decode().
 */
int vtd_hw_decode_le(const void *slot, bool wide, const struct vtd_hw_caps *caps,
		     struct vtd_hw_desc *out, enum vtd_hw_bad *why);

/**
 * vtd_hw_load_le() - the quadwords of a descriptor in queue memory.
 * @slot: its bytes.
 * @nr: how many quadwords (2 or 4).
 * @qw: receives them; the ones past @nr (up to 4) are zeroed.
 */
void vtd_hw_load_le(const void *slot, unsigned int nr, uint64_t qw[4]);

/**
 * vtd_hw_page_span() - addresses a page-selective type 2 / type 6 covers.
 * @d: a decoded descriptor of type 2 or 6.
 * @first: receives the first byte: ADDR with its low AM page bits cleared
 *	(hardware ignores them, §6.5.2.3).
 * @last: receives the last byte: 2^AM pages on; AM 52 and above: to 2^64-1.
 */
void vtd_hw_page_span(const struct vtd_hw_desc *d, uint64_t *first, uint64_t *last);

/**
 * vtd_hw_devtlb_span() - addresses a type 3 / type 8 invalidates.
 * @d: a decoded device-TLB descriptor.
 * @first: receives the first byte.
 * @last: receives the last byte (inclusive).
 *
 * S = 0: the 4 KiB page at ADDR.  S = 1: 8 KiB << (the number of trailing 1
 * bits of ADDR[63:12]), aligned (PCIe ATS "Invalidate Request" size
 * encoding; docs/hardware.md §5); all 52 bits set: everything.
 */
void vtd_hw_devtlb_span(const struct vtd_hw_desc *d, uint64_t *first, uint64_t *last);

/**
 * vtd_hw_op_name() - the mnemonic of an op index.
 * @op: an op index (vtd_hw_op_index()).
 *
 * Return: "CC_INV", "IOTLB_INV", ...; NULL for an index with no type.
 */
const char *vtd_hw_op_name(unsigned int op);

/**
 * vtd_hw_describe() - "MNEMONIC field=value ..." of a decoded descriptor.
 * @d: the descriptor.
 * @buf: where to write.
 * @len: its size.
 *
 * Return: what snprintf returns.
 */
int vtd_hw_describe(const struct vtd_hw_desc *d, char *buf, size_t len);

#endif /* INVTRACK_VTD_HW_H */
