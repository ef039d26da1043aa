/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/vtd.h - Intel VT-d, driver side: invalidation descriptor
 * encoding and the range invalidation policy.
 *
 * Descriptors are those of the VT-d Architecture Specification §6.5.2
 * "Queued Invalidation Interface" (rev 3.x/4.x section numbers; titles are
 * quoted next to each encoding in src/arch/vtd/cmd.c): 128 bits, handed out
 * as two 64-bit words qw0 (bits 63:0) and qw1 (bits 127:64).  In the
 * 256-bit queue format (IQA_REG.DW = 1, required in scalable mode, §6.5.2)
 * every descriptor used here has qw2 = qw3 = 0.  Queue memory holds them
 * little-endian (invt_vtd_desc_encode_le()).  The model's decoder
 * (src/arch/vtd/hw*) is a separate piece of code.
 *
 * The descriptor type is qw0[3:0] with qw0[11:9] as its high bits (types
 * 16 and up); every type here is below 16, so qw0[11:9] is always 0.
 */
#ifndef INVTRACK_VTD_H
#define INVTRACK_VTD_H

#include <stdbool.h>
#include <stdint.h>

/**
 * enum invt_vtd_desc_type - descriptor types (§6.5.2.1-6.5.2.8).
 * @INVT_VTD_DESC_CC: context-cache invalidate.
 * @INVT_VTD_DESC_IOTLB: IOTLB invalidate (second-stage / DID granular).
 * @INVT_VTD_DESC_DEVTLB: device-TLB invalidate (ATS, requests without PASID).
 * @INVT_VTD_DESC_IEC: interrupt entry cache invalidate.
 * @INVT_VTD_DESC_WAIT: invalidation wait (completion).
 * @INVT_VTD_DESC_PIOTLB: PASID-based IOTLB invalidate (first stage).
 * @INVT_VTD_DESC_PC: PASID-cache invalidate.
 * @INVT_VTD_DESC_PDEVTLB: PASID-based device-TLB invalidate.
 */
enum invt_vtd_desc_type {
	INVT_VTD_DESC_CC = 1,
	INVT_VTD_DESC_IOTLB = 2,
	INVT_VTD_DESC_DEVTLB = 3,
	INVT_VTD_DESC_IEC = 4,
	INVT_VTD_DESC_WAIT = 5,
	INVT_VTD_DESC_PIOTLB = 6,
	INVT_VTD_DESC_PC = 7,
	INVT_VTD_DESC_PDEVTLB = 8,
};

/* Context-cache G (§6.5.2.1); 0 is reserved. */
#define INVT_VTD_CC_GLOBAL		1
#define INVT_VTD_CC_DOMAIN		2
#define INVT_VTD_CC_DEVICE		3
/* IOTLB G (§6.5.2.3); 0 is reserved. */
#define INVT_VTD_IOTLB_GLOBAL		1
#define INVT_VTD_IOTLB_DSI		2
#define INVT_VTD_IOTLB_PSI		3
/* PASID-based IOTLB G (§6.5.2.4); 0 and 1 are reserved. */
#define INVT_VTD_PIOTLB_PASID		2	/* all non-global entries of DID+PASID */
#define INVT_VTD_PIOTLB_PSI		3	/* page-selective within DID+PASID */
/* PASID-cache G (§6.5.2.2); 2 is reserved. */
#define INVT_VTD_PC_DOMAIN		0	/* every PASID of the DID */
#define INVT_VTD_PC_PASID		1	/* DID + PASID */
#define INVT_VTD_PC_GLOBAL		3
/* IEC G (§6.5.2.7). */
#define INVT_VTD_IEC_GLOBAL		0
#define INVT_VTD_IEC_INDEX		1

/* Largest PASID + 1 (20 bits) and AM (a 6-bit field; 52 spans 2^64). */
#define INVT_VTD_PASID_LIMIT		(1u << 20)
#define INVT_VTD_AM_MAX			52
/* Device-TLB address with S = 1 meaning "every address" (§6.5.2.5, PCIe ATS). */
#define INVT_VTD_DEVTLB_ALL_ADDR	0x7ffffffffffff000ull

/**
 * struct invt_vtd_desc - one descriptor, by fields.
 * @type: an enum invt_vtd_desc_type.
 * @g: granularity, an INVT_VTD_{CC,IOTLB,PIOTLB,PC,IEC}_* value (CC,
 *	IOTLB, PIOTLB, PC, IEC); for PDEVTLB the G bit (global mappings of
 *	every PASID), 0 or 1.
 * @dr: IOTLB: drain reads.
 * @dw: IOTLB: drain writes.
 * @ih: IOTLB / PIOTLB page-selective: invalidation hint, only leaf entries
 *	changed (paging-structure caches may be kept).
 * @size: DEVTLB / PDEVTLB: S, the address encodes a span larger than 4 KiB.
 * @fm: CC device-selective: function mask, 0..3.
 * @am: IOTLB / PIOTLB page-selective: address mask, 2^@am pages, 0..52.
 * @qdep: DEVTLB / PDEVTLB: the device's invalidate queue depth, 0..31.
 * @im: IEC index-selective: index mask, 0..31.
 * @iflag: WAIT: IF, set ICS.IWC (and interrupt) on completion.
 * @sw: WAIT: SW, write @status_data to @status_addr on completion.
 * @fn: WAIT: FN, fence: later descriptors wait for this one's completion.
 * @pd: WAIT: PD, page request drain.
 * @did: domain id (CC domain-selective, IOTLB DSI/PSI, PIOTLB, PC).
 * @sid: source id (CC device-selective, DEVTLB, PDEVTLB).
 * @pfsid: DEVTLB / PDEVTLB: physical function source id (the SID itself
 *	for a device that is not an SR-IOV VF).
 * @iidx: IEC index-selective: interrupt index.
 * @pasid: PIOTLB, PC PASID-selective, PDEVTLB; below INVT_VTD_PASID_LIMIT.
 * @status_data: WAIT with SW.
 * @addr: IOTLB / PIOTLB PSI: 4 KiB aligned and aligned to 2^@am pages;
 *	DEVTLB / PDEVTLB: the ATS address, 4 KiB aligned, whose trailing one
 *	bits from bit 12 encode the span when @size is set (span 8 KiB <<
 *	trailing ones; all-ones [63:12] is undefined and rejected).
 * @status_addr: WAIT with SW: 4-byte aligned.
 *
 * A field the type (and granularity) does not carry must be 0: zero the
 * struct, then set what the descriptor needs.
 */
struct invt_vtd_desc {
	uint8_t type;
	uint8_t g;
	bool dr;
	bool dw;
	bool ih;
	bool size;
	uint8_t fm;
	uint8_t am;
	uint8_t qdep;
	uint8_t im;
	bool iflag;
	bool sw;
	bool fn;
	bool pd;
	uint16_t did;
	uint16_t sid;
	uint16_t pfsid;
	uint16_t iidx;
	uint32_t pasid;
	uint32_t status_data;
	uint64_t addr;
	uint64_t status_addr;
};

/**
 * invt_vtd_desc_encode() - encode a descriptor into its two 64-bit words.
 * @d: the descriptor.
 * @qw: receives qw0 (bits 63:0) and qw1 (bits 127:64) as integers.
 *
 * Rejects: an unknown type; a reserved granularity; a non-zero field the
 * type or granularity does not carry (an address with a domain-selective
 * invalidation, status fields with SW = 0, ...); a value too wide for its
 * field; a page-selective address not aligned to 2^AM pages or with bits
 * below 12; a device-TLB address with bits below 12, or all ones in
 * [63:12] with S; a status address not 4-byte aligned.
 *
 * Return: 0, or -EINVAL with @qw untouched.
 */
int invt_vtd_desc_encode(const struct invt_vtd_desc *d, uint64_t qw[2]);

/**
 * invt_vtd_desc_encode_le() - encode a descriptor into queue memory.
 * @d: the descriptor.
 * @slot: @bytes bytes, written little-endian whatever the host byte order.
 * @bytes: 16 (128-bit queue) or 32 (256-bit queue: qw2 = qw3 = 0).
 *
 * Return: 0, or -EINVAL (see invt_vtd_desc_encode(), or a bad @bytes) with
 * @slot untouched.
 */
int invt_vtd_desc_encode_le(const struct invt_vtd_desc *d, void *slot, unsigned int bytes);

/**
 * enum invt_vtd_inv_kind - what an invalidation request targets.
 * @INVT_VTD_INV_S2: second-stage (and, in scalable mode, every) IOTLB entry
 *	of a DID: IOTLB invalidate, PSI or DSI.
 * @INVT_VTD_INV_S1: first-stage entries of DID + PASID: PASID-based IOTLB
 *	invalidate, page-selective or PASID-selective.
 * @INVT_VTD_INV_DID_ALL: every entry of a DID, whatever the range (the
 *	stage-1 clear of a nest parent): IOTLB DSI.
 * @INVT_VTD_INV_ATC: a device TLB: device-TLB invalidate (PASID 0, the
 *	RID's requests without PASID) or PASID-based device-TLB invalidate.
 */
enum invt_vtd_inv_kind {
	INVT_VTD_INV_S2,
	INVT_VTD_INV_S1,
	INVT_VTD_INV_DID_ALL,
	INVT_VTD_INV_ATC,
};

/**
 * struct invt_vtd_inv - one invalidation request.
 * @kind: an enum invt_vtd_inv_kind.
 * @leaf: only leaf entries changed (IH = 1 on page-selective IOTLB ones).
 * @all: the whole tag (or the whole device TLB): @start and @last ignored.
 * @did: S2, S1, DID_ALL.
 * @pasid: S1 and ATC (0 for the RID: device-TLB without PASID).
 * @sid: ATC: the device's source id (also written as PFSID).
 * @qdep: ATC: its invalidate queue depth field.
 * @start: first byte.
 * @last: last byte, inclusive (a range may end at 2^64 - 1); >= @start.
 */
struct invt_vtd_inv {
	uint8_t kind;
	bool leaf;
	bool all;
	uint16_t did;
	uint32_t pasid;
	uint16_t sid;
	uint8_t qdep;
	uint64_t start;
	uint64_t last;
};

/**
 * struct invt_vtd_caps - what the policy may use (CAP_REG, §11.4.2).
 * @psi: CAP.PSI: IOTLB page-selective invalidation is supported.
 * @mamv: CAP.MAMV: the largest AM an IOTLB PSI may use, 0..63.
 */
struct invt_vtd_caps {
	bool psi;
	uint8_t mamv;
};

/**
 * invt_vtd_caps_from_cap() - the policy's capabilities from CAP_REG.
 * @cap: the register.
 * @caps: out.
 */
void invt_vtd_caps_from_cap(uint64_t cap, struct invt_vtd_caps *caps);

/**
 * typedef invt_vtd_emit_t - receives each descriptor of a request.
 * @arg: the caller's cookie.
 * @d: the descriptor; valid during the call only.
 *
 * Return: 0 to go on; anything else stops the policy, which returns it.
 */
typedef int (*invt_vtd_emit_t)(void *arg, const struct invt_vtd_desc *d);

/**
 * invt_vtd_inv_emit() - turn a request into descriptors.
 * @caps: the unit's capabilities.
 * @inv: the request.
 * @emit: called once per descriptor.
 * @arg: passed to @emit.
 *
 * One descriptor per request, in 4 KiB pages [first, last] = [start >> 12,
 * last >> 12] (docs/hardware.md §2 "Page-selective invalidation"):
 *  - AM = fls(first ^ last): the smallest aligned block of 2^AM pages that
 *    holds both ends (the page count rounded up to a power of two, widened
 *    until start and end share the block; over-invalidates, never splits);
 *    the address is first aligned down to it;
 *  - S2: IOTLB PSI with that AM and IH = @leaf; IOTLB DSI when @all, when
 *    !@caps->psi, or when AM > @caps->mamv;
 *  - S1: PASID-based IOTLB page-selective-within-PASID with that AM (any AM
 *    up to 52: MAMV bounds the IOTLB invalidate descriptor only, and
 *    Linux's first-stage flush does not check it) and IH = @leaf;
 *    PASID-selective (G = 2, non-global entries) when @all;
 *  - DID_ALL: IOTLB DSI;
 *  - ATC: device-TLB (PASID 0) or PASID-based device-TLB (G = 0) with S = 0
 *    for one page, else S = 1 and the span 2^AM pages encoded by AM - 1
 *    one bits from address bit 12 (PCIe ATS, §6.5.2.5); @all is the span
 *    2^64 (INVT_VTD_DEVTLB_ALL_ADDR).
 *
 * Return: 0; -EINVAL for a malformed request (unknown kind, @last < @start
 * without @all, PASID too wide, a PASID with S2 or DID_ALL); or @emit's
 * non-zero value.
 */
int invt_vtd_inv_emit(const struct invt_vtd_caps *caps, const struct invt_vtd_inv *inv,
		      invt_vtd_emit_t emit, void *arg);

/**
 * invt_vtd_inv_count() - how many descriptors invt_vtd_inv_emit() produces.
 * @caps: the unit's capabilities.
 * @inv: the request.
 *
 * Return: 1 for every well-formed request (the policy never splits), or
 * -EINVAL.
 */
int64_t invt_vtd_inv_count(const struct invt_vtd_caps *caps, const struct invt_vtd_inv *inv);

#endif /* INVTRACK_VTD_H */
