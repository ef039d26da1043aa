/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/smmuv3.h - ARM SMMUv3, driver side: command encoding and the
 * range invalidation policy.
 *
 * Commands are the 16-byte Command queue entries of ARM IHI0070 chapter 4,
 * handed out as two 64-bit words (dw0 = bytes 0-7, dw1 = bytes 8-15); queue
 * memory holds them little-endian (invt_smmu_cmd_encode_le() writes them so).
 * The model's decoder (src/arch/smmuv3/hw.h) is a separate piece of code.
 *
 * Model of the SMMU assumed here: Non-secure Command queue (SSec is always
 * 0), 16-bit ASIDs and VMIDs, SMMU_IDR5.DS == 0 (SCALE is 5 bits wide, and
 * TTL 1 with a 16K granule is reserved), 64-bit translation descriptors
 * (TTL128 is never set).
 */
#ifndef INVTRACK_SMMUV3_H
#define INVTRACK_SMMUV3_H

#include <stdbool.h>
#include <stdint.h>

/**
 * enum invt_smmu_opcode - command opcodes, dw0[7:0] (IHI0070 §4.1.1).
 * @INVT_SMMU_CMD_CFGI_STE: invalidate one STE.
 * @INVT_SMMU_CMD_CFGI_STE_RANGE: invalidate 2^(range+1) STEs; with range 31
 *	it is CMD_CFGI_ALL (see INVT_SMMU_CFGI_ALL_RANGE).
 * @INVT_SMMU_CMD_CFGI_CD: invalidate one CD of a stream.
 * @INVT_SMMU_CMD_CFGI_CD_ALL: invalidate every CD of a stream.
 * @INVT_SMMU_CMD_TLBI_NH_ALL: every stage-1 entry of a VMID.
 * @INVT_SMMU_CMD_TLBI_NH_ASID: non-global stage-1 entries of VMID+ASID.
 * @INVT_SMMU_CMD_TLBI_NH_VA: stage-1 entries by VMID+ASID+VA (and global).
 * @INVT_SMMU_CMD_TLBI_NH_VAA: stage-1 entries by VMID+VA, all ASIDs.
 * @INVT_SMMU_CMD_TLBI_EL2_ALL: every EL2 stage-1 entry.
 * @INVT_SMMU_CMD_TLBI_EL2_ASID: EL2-E2H non-global entries of an ASID.
 * @INVT_SMMU_CMD_TLBI_EL2_VA: EL2 entries by ASID+VA.
 * @INVT_SMMU_CMD_TLBI_EL2_VAA: EL2 entries by VA, all ASIDs.
 * @INVT_SMMU_CMD_TLBI_S12_VMALL: every entry of every stage of a VMID.
 * @INVT_SMMU_CMD_TLBI_S2_IPA: stage-2 entries by VMID+IPA.
 * @INVT_SMMU_CMD_TLBI_NSNH_ALL: every Non-secure non-hyp entry.
 * @INVT_SMMU_CMD_ATC_INV: ATS invalidation sent to a device.
 * @INVT_SMMU_CMD_PRI_RESP: page request group response.
 * @INVT_SMMU_CMD_RESUME: resume or terminate a stalled transaction.
 * @INVT_SMMU_CMD_SYNC: completion barrier for earlier commands.
 */
enum invt_smmu_opcode {
	INVT_SMMU_CMD_CFGI_STE = 0x03,
	INVT_SMMU_CMD_CFGI_STE_RANGE = 0x04,
	INVT_SMMU_CMD_CFGI_CD = 0x05,
	INVT_SMMU_CMD_CFGI_CD_ALL = 0x06,
	INVT_SMMU_CMD_TLBI_NH_ALL = 0x10,
	INVT_SMMU_CMD_TLBI_NH_ASID = 0x11,
	INVT_SMMU_CMD_TLBI_NH_VA = 0x12,
	INVT_SMMU_CMD_TLBI_NH_VAA = 0x13,
	INVT_SMMU_CMD_TLBI_EL2_ALL = 0x20,
	INVT_SMMU_CMD_TLBI_EL2_ASID = 0x21,
	INVT_SMMU_CMD_TLBI_EL2_VA = 0x22,
	INVT_SMMU_CMD_TLBI_EL2_VAA = 0x23,
	INVT_SMMU_CMD_TLBI_S12_VMALL = 0x28,
	INVT_SMMU_CMD_TLBI_S2_IPA = 0x2a,
	INVT_SMMU_CMD_TLBI_NSNH_ALL = 0x30,
	INVT_SMMU_CMD_ATC_INV = 0x40,
	INVT_SMMU_CMD_PRI_RESP = 0x41,
	INVT_SMMU_CMD_RESUME = 0x44,
	INVT_SMMU_CMD_SYNC = 0x46,
};

/* CMD_CFGI_ALL is CMD_CFGI_STE_RANGE with this Range (IHI0070 §4.3.6). */
#define INVT_SMMU_CFGI_ALL_RANGE	31
/* Largest SubstreamID + 1: SSID is 20 bits. */
#define INVT_SMMU_SSID_LIMIT		(1u << 20)
/* ATC_INV Size meaning "everything" (2^64 bytes, IHI0070 §4.5.1). */
#define INVT_SMMU_ATC_SIZE_ALL		52

/* TG values: granule of the entries a VA/IPA TLBI targets (§4.4.1.1). */
#define INVT_SMMU_TG_NONE	0	/* single address, no range, no TTL */
#define INVT_SMMU_TG_4K		1
#define INVT_SMMU_TG_16K	2
#define INVT_SMMU_TG_64K	3

/* PRI_RESP Resp (§4.5.2); 3 is reserved. */
#define INVT_SMMU_PRI_RESP_FAILURE	0
#define INVT_SMMU_PRI_RESP_INVALID	1
#define INVT_SMMU_PRI_RESP_SUCCESS	2

/* RESUME dw0[13:12] (§4.7.1): bit 12 Retry, bit 13 Abort (on terminate). */
#define INVT_SMMU_RESUME_TERM		0
#define INVT_SMMU_RESUME_RETRY		1
#define INVT_SMMU_RESUME_ABORT		2

/* CMD_SYNC ComplSignal (§4.7.3); 3 is reserved. */
#define INVT_SMMU_SYNC_CS_NONE		0
#define INVT_SMMU_SYNC_CS_IRQ		1
#define INVT_SMMU_SYNC_CS_SEV		2

/**
 * struct invt_smmu_cmd - one command, by fields.
 * @opcode: an enum invt_smmu_opcode.
 * @ssv: SubstreamID valid (ATC_INV, PRI_RESP).
 * @leaf: Leaf (CFGI_STE, CFGI_CD, VA/IPA TLBIs): last level only.
 * @global: Global (ATC_INV, only with @ssv).
 * @num: NUM, range multiplier minus one, 0..31 (VA/IPA TLBIs).
 * @scale: SCALE, 0..31 (VA/IPA TLBIs).
 * @ttl: TTL, leaf level hint, 0..3 (VA/IPA TLBIs).
 * @tg: TG, an INVT_SMMU_TG_* value (VA/IPA TLBIs).
 * @size: ATC_INV Size: the span is 4 KiB << @size, 0..52.
 * @range: CFGI_STE_RANGE Range: 2^(@range+1) StreamIDs, 0..31.
 * @resp: PRI_RESP Resp, an INVT_SMMU_PRI_RESP_* value.
 * @action: RESUME action, an INVT_SMMU_RESUME_* value.
 * @cs: CMD_SYNC ComplSignal, an INVT_SMMU_SYNC_CS_* value.
 * @msh: CMD_SYNC MSI shareability (0, 2 or 3; 1 is reserved).
 * @msiattr: CMD_SYNC MSI memory attributes, 0..15.
 * @vmid: VMID (NH_*, S12_VMALL, S2_IPA).
 * @asid: ASID (NH_ASID, NH_VA, EL2_ASID, EL2_VA).
 * @stag: RESUME STAG.
 * @grpid: PRI_RESP PRGIndex, 0..511.
 * @sid: StreamID.
 * @ssid: SubstreamID, below INVT_SMMU_SSID_LIMIT.
 * @msidata: CMD_SYNC MSIData.
 * @addr: VA, IPA (below 2^52) or ATC address; 4 KiB aligned at least.
 * @msiaddr: CMD_SYNC MSIAddress: 4-byte aligned, below 2^56.
 *
 * A field the opcode does not carry must be 0: zero the struct, then set
 * what the command needs.
 */
struct invt_smmu_cmd {
	uint8_t opcode;
	bool ssv;
	bool leaf;
	bool global;
	uint8_t num;
	uint8_t scale;
	uint8_t ttl;
	uint8_t tg;
	uint8_t size;
	uint8_t range;
	uint8_t resp;
	uint8_t action;
	uint8_t cs;
	uint8_t msh;
	uint8_t msiattr;
	uint16_t vmid;
	uint16_t asid;
	uint16_t stag;
	uint16_t grpid;
	uint32_t sid;
	uint32_t ssid;
	uint32_t msidata;
	uint64_t addr;
	uint64_t msiaddr;
};

/**
 * invt_smmu_cmd_encode() - encode a command into its two 64-bit words.
 * @cmd: the command.
 * @dw: receives dw0 (bytes 0-7) and dw1 (bytes 8-15) as integers.
 *
 * Rejects what the hardware would reject or ignore, and encodings whose
 * effect is UNPREDICTABLE: unknown opcode, a non-zero field the opcode does
 * not carry, a value too wide for its field, reserved values (TG set with
 * NUM = SCALE = TTL = 0, TTL 1 with the 16K granule, PRI Resp 3, SYNC CS 3,
 * MSH 1), TG 0 with NUM, SCALE or TTL set, addresses not aligned to 4 KiB,
 * to the granule or to the TTL level's block size, an IPA at or above 2^52,
 * an ATC address not aligned to its span, a StreamID with bits set below
 * the STE range, Global or an SSID without SSV, MSI fields without CS_IRQ.
 *
 * Return: 0, or -EINVAL with @dw untouched.
 */
int invt_smmu_cmd_encode(const struct invt_smmu_cmd *cmd, uint64_t dw[2]);

/**
 * invt_smmu_cmd_encode_le() - encode a command into queue memory.
 * @cmd: the command.
 * @slot: 16 bytes, written little-endian whatever the host byte order.
 *
 * Return: 0, or -EINVAL (see invt_smmu_cmd_encode()) with @slot untouched.
 */
int invt_smmu_cmd_encode_le(const struct invt_smmu_cmd *cmd, void *slot);

/**
 * enum invt_smmu_inv_kind - what an invalidation request targets.
 * @INVT_SMMU_INV_S1: stage-1 entries of VMID+ASID (TLBI_NH_VA/NH_ASID).
 * @INVT_SMMU_INV_S1_EL2: host (EL2-E2H) stage-1 entries of an ASID
 *	(TLBI_EL2_VA/EL2_ASID).
 * @INVT_SMMU_INV_S2: stage-2 entries of a VMID (TLBI_S2_IPA/S12_VMALL).
 * @INVT_SMMU_INV_ATC: a device's ATC (ATC_INV on SID, and SSID with SSV).
 */
enum invt_smmu_inv_kind {
	INVT_SMMU_INV_S1,
	INVT_SMMU_INV_S1_EL2,
	INVT_SMMU_INV_S2,
	INVT_SMMU_INV_ATC,
};

/**
 * struct invt_smmu_inv - one invalidation request.
 * @kind: an enum invt_smmu_inv_kind.
 * @leaf: only last-level entries changed (TLBIs; ignored for the ATC).
 * @all: the whole tag (or the whole ATC): @start and @last are ignored.
 * @ssv: ATC only: @ssid is valid; without it the ATC_INV also hits every
 *	PASID of the device.
 * @asid: S1 and S1_EL2.
 * @vmid: S1 and S2.
 * @sid: ATC only.
 * @ssid: ATC only, with @ssv.
 * @start: first byte.
 * @last: last byte, inclusive (a range may end at 2^64 - 1); >= @start.
 *
 * Fields the kind does not use are ignored.
 */
struct invt_smmu_inv {
	uint8_t kind;
	bool leaf;
	bool all;
	bool ssv;
	uint16_t asid;
	uint16_t vmid;
	uint32_t sid;
	uint32_t ssid;
	uint64_t start;
	uint64_t last;
};

/* Linux's rule: per-page TLBIs up to granule / 8 pages (512 with 4 KiB). */
#define INVT_SMMU_DEFAULT_MAX_PAGES	512

/**
 * struct invt_smmu_caps - what the policy may use.
 * @ril: SMMU_IDR3.RIL: range invalidation and the TTL hint exist.
 * @max_pages: without @ril, a range of this many 4 KiB pages or more is
 *	invalidated by one whole-tag command instead of one command per page;
 *	0 means INVT_SMMU_DEFAULT_MAX_PAGES.
 */
struct invt_smmu_caps {
	bool ril;
	uint32_t max_pages;
};

/**
 * typedef invt_smmu_emit_t - receives each command of a request, in order.
 * @arg: the caller's cookie.
 * @cmd: the command; valid during the call only.
 *
 * Return: 0 to go on; anything else stops the policy, which returns it.
 */
typedef int (*invt_smmu_emit_t)(void *arg, const struct invt_smmu_cmd *cmd);

/**
 * invt_smmu_inv_emit() - turn a request into commands.
 * @caps: the SMMU's capabilities.
 * @inv: the request.
 * @emit: called once per command.
 * @arg: passed to @emit.
 *
 * The policy, in 4 KiB pages [start >> 12, last >> 12]:
 *  - @inv->all: one whole-tag command (NH_ASID, EL2_ASID, S12_VMALL) or an
 *    ATC_INV of Size 52.
 *  - ATC: one ATC_INV, Size = fls(first_pfn ^ last_pfn), address aligned
 *    down to the span (over-invalidates instead of splitting).
 *  - With RIL: range TLBIs with TG 4K and TTL 0 (the level is unknown).
 *    Chunks: scale = ctz(pages), capped at 31; num = (pages >> scale) & 31;
 *    NUM = num - 1; repeat on the pages left.  When (pages & 31) == 1 the
 *    first chunk would be NUM = SCALE = TTL = 0, a reserved encoding, so one
 *    page is added (after the range, or before it when the range ends at
 *    the top of the address space).  With TTL 0 this applies to leaf and
 *    non-leaf requests alike.  A range of 2^36 pages or more (beyond one
 *    SCALE 31 command's reach) becomes one whole-tag command.
 *  - Without RIL: one single-address TLBI (TG 0) per page below
 *    @caps->max_pages pages, else one whole-tag command.
 *  - S2 ranges reaching above the 52-bit IPA space become S12_VMALL.
 * Whole-tag stage-1 commands (NH_ASID, EL2_ASID) leave global entries:
 * I/O page tables are expected to map with nG = 1.
 *
 * Return: 0; -EINVAL for a malformed request (unknown kind, @last < @start
 * without @all, SSID too wide or set without SSV); or @emit's non-zero value.
 */
int invt_smmu_inv_emit(const struct invt_smmu_caps *caps, const struct invt_smmu_inv *inv,
		       invt_smmu_emit_t emit, void *arg);

/**
 * invt_smmu_inv_count() - how many commands invt_smmu_inv_emit() produces.
 * @caps: the SMMU's capabilities.
 * @inv: the request.
 *
 * Computed arithmetically, without running the policy: the minimum command
 * count for this policy, which a flush engine should meet exactly.
 *
 * Return: the count (at least 1), or -EINVAL for a malformed request.
 */
int64_t invt_smmu_inv_count(const struct invt_smmu_caps *caps, const struct invt_smmu_inv *inv);

#endif /* INVTRACK_SMMUV3_H */
