/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * hw.h - ARM SMMUv3, hardware side: the command decoder used by the model.
 *
 * Written independently of the driver's encoder (cmd.c, <invtrack/smmuv3.h>):
 * own opcodes, own field extraction, own types, so that a mistake in one is
 * caught by the other.  What is decoded is the Non-secure Command queue of an
 * SMMU with 16-bit ASIDs/VMIDs, SMMU_IDR5.DS == 0 and no 128-bit descriptors,
 * which rejects every non-zero RES0 bit (IHI0070 §4.1.5 allows either
 * rejecting or ignoring them; this model rejects).
 *
 * Opcodes decoded: CFGI_STE, CFGI_STE_RANGE (CFGI_ALL), CFGI_CD, CFGI_CD_ALL,
 * TLBI_NH_ALL/ASID/VA/VAA, TLBI_EL2_ALL/ASID/VA/VAA, TLBI_S12_VMALL,
 * TLBI_S2_IPA, TLBI_NSNH_ALL, ATC_INV, PRI_RESP, RESUME, CMD_SYNC.  Every
 * other opcode is CERROR_ILL: reserved ones as the spec says; the Secure and
 * EL3 ones as the spec says for the Non-secure queue; CFGI_VMS_PIDM (0x07)
 * as the spec says when SMMU_IDR3.MPAM == 0, which the model is; and, as a
 * limitation of the model, PREFETCH_CONFIG, PREFETCH_ADDR, STALL_TERM, DPTI_*
 * and the IMPLEMENTATION DEFINED range, which real hardware may accept.
 */
#ifndef INVTRACK_SMMUV3_HW_H
#define INVTRACK_SMMUV3_HW_H

#include <stdbool.h>
#include <stdint.h>

/* Opcodes, dw0[7:0] (IHI0070 §4.1.1). */
#define SMMU_HW_OP_CFGI_STE		0x03
#define SMMU_HW_OP_CFGI_STE_RANGE	0x04
#define SMMU_HW_OP_CFGI_CD		0x05
#define SMMU_HW_OP_CFGI_CD_ALL		0x06
#define SMMU_HW_OP_CFGI_VMS_PIDM	0x07
#define SMMU_HW_OP_TLBI_NH_ALL		0x10
#define SMMU_HW_OP_TLBI_NH_ASID		0x11
#define SMMU_HW_OP_TLBI_NH_VA		0x12
#define SMMU_HW_OP_TLBI_NH_VAA		0x13
#define SMMU_HW_OP_TLBI_EL2_ALL		0x20
#define SMMU_HW_OP_TLBI_EL2_ASID	0x21
#define SMMU_HW_OP_TLBI_EL2_VA		0x22
#define SMMU_HW_OP_TLBI_EL2_VAA		0x23
#define SMMU_HW_OP_TLBI_S12_VMALL	0x28
#define SMMU_HW_OP_TLBI_S2_IPA		0x2a
#define SMMU_HW_OP_TLBI_NSNH_ALL	0x30
#define SMMU_HW_OP_ATC_INV		0x40
#define SMMU_HW_OP_PRI_RESP		0x41
#define SMMU_HW_OP_RESUME		0x44
#define SMMU_HW_OP_SYNC			0x46

/* Command queue error codes, as SMMU_CMDQ_CONS.ERR reports them. */
#define SMMU_HW_CERROR_NONE		0
#define SMMU_HW_CERROR_ILL		1
#define SMMU_HW_CERROR_ABT		2
#define SMMU_HW_CERROR_ATC_INV_SYNC	3

/* Features of the modelled SMMU that decide whether a command is legal. */
#define SMMU_HW_FEAT_S1		(1u << 0)	/* stage 1 (CFGI_CD*, TLBI_NH_*) */
#define SMMU_HW_FEAT_S2		(1u << 1)	/* stage 2 (S2_IPA, S12_VMALL) */
#define SMMU_HW_FEAT_HYP	(1u << 2)	/* IDR0.Hyp (TLBI_EL2_*) */
#define SMMU_HW_FEAT_RIL	(1u << 3)	/* IDR3.RIL: else NUM/SCALE/TTL/TG RES0 */
#define SMMU_HW_FEAT_ATS	(1u << 4)	/* IDR0.ATS (ATC_INV) */
#define SMMU_HW_FEAT_PRI	(1u << 5)	/* IDR0.PRI (PRI_RESP) */
#define SMMU_HW_FEAT_STALL	(1u << 6)	/* stall model (RESUME) */
#define SMMU_HW_FEAT_ALL	0x7fu

/**
 * enum smmu_hw_ill - why a command was CERROR_ILL.
 * @SMMU_HW_ILL_NONE: it was not.
 * @SMMU_HW_ILL_OPCODE: reserved or unmodelled opcode.
 * @SMMU_HW_ILL_SSEC: SSec (dw0[10]) set on the Non-secure queue (§4.1.6).
 * @SMMU_HW_ILL_RES0: a bit the command does not define is set (§4.1.5).
 * @SMMU_HW_ILL_FEATURE: the SMMU lacks what the command needs.
 * @SMMU_HW_ILL_TLBI_RANGE: TG set with NUM = SCALE = TTL = 0 (§4.4.1.1).
 * @SMMU_HW_ILL_ATC_SIZE: ATC_INV Size above 52 (§4.5.1).
 * @SMMU_HW_ILL_PRI_RESP: PRI_RESP Resp 3 (§4.5.2).
 * @SMMU_HW_ILL_SYNC_CS: CMD_SYNC CS 3 (§4.7.3).
 */
enum smmu_hw_ill {
	SMMU_HW_ILL_NONE,
	SMMU_HW_ILL_OPCODE,
	SMMU_HW_ILL_SSEC,
	SMMU_HW_ILL_RES0,
	SMMU_HW_ILL_FEATURE,
	SMMU_HW_ILL_TLBI_RANGE,
	SMMU_HW_ILL_ATC_SIZE,
	SMMU_HW_ILL_PRI_RESP,
	SMMU_HW_ILL_SYNC_CS,
};

/**
 * struct smmu_hw_cmd - a decoded command.  Fields the opcode does not carry
 * are 0.
 * @op: the opcode.
 * @ssv: SubstreamID valid.
 * @leaf: Leaf.
 * @global: ATC_INV Global.
 * @num: NUM (range multiplier - 1).
 * @scale: SCALE.
 * @ttl: TTL as written.
 * @tg: TG (0 single address, 1/2/3 = 4K/16K/64K).
 * @size: ATC_INV Size.
 * @range: CFGI_STE_RANGE Range.
 * @resp: PRI_RESP Resp.
 * @action: RESUME dw0[13:12]: bit 0 Retry, bit 1 Abort.
 * @cs: CMD_SYNC ComplSignal.
 * @msh: CMD_SYNC MSI shareability.
 * @msiattr: CMD_SYNC MSI attributes.
 * @vmid: VMID.
 * @asid: ASID.
 * @stag: RESUME STAG.
 * @grpid: PRI_RESP PRGIndex.
 * @sid: StreamID.
 * @ssid: SubstreamID.
 * @msidata: CMD_SYNC MSIData.
 * @addr: VA, IPA or ATC address (bits [11:0] zero).
 * @msiaddr: CMD_SYNC MSIAddress (bits [1:0] zero).
 */
struct smmu_hw_cmd {
	uint8_t op;
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
 * smmu_hw_decode() - decode one command.
 * @dw: dw0 and dw1 as integers.
 * @feat: SMMU_HW_FEAT_* of the modelled SMMU.
 * @out: zeroed, then filled with the fields; only meaningful on success.
 * @why: receives the reason, or SMMU_HW_ILL_NONE; may be NULL.
 *
 * Return: SMMU_HW_CERROR_NONE (0), or SMMU_HW_CERROR_ILL: the hardware's own
 * error code, which the queue consumer stores in CONS.ERR, rather than an
 * errno.
 */
int smmu_hw_decode(const uint64_t dw[2], unsigned int feat, struct smmu_hw_cmd *out,
		   enum smmu_hw_ill *why);

/**
 * smmu_hw_decode_le() - decode one command from queue memory.
 * @slot: the 16 little-endian bytes of the queue entry.
 * @feat: as for smmu_hw_decode().
 * @out: as for smmu_hw_decode().
 * @why: as for smmu_hw_decode().
 *
 * Return: as smmu_hw_decode().
 */
int smmu_hw_decode_le(const void *slot, unsigned int feat, struct smmu_hw_cmd *out,
		      enum smmu_hw_ill *why);

/**
 * smmu_hw_tlbi_span() - addresses a decoded VA/IPA TLBI is about.
 * @c: a decoded TLBI_NH_VA/NH_VAA/EL2_VA/EL2_VAA/S2_IPA.
 * @first: receives the first byte.
 * @last: receives the last byte (inclusive).
 *
 * TG 0: the 4 KiB page holding the address (entries of any size containing
 * it are removed).  Otherwise (NUM+1) << SCALE granules from the address,
 * stopping at 2^64 - 1: the range does not wrap (§4.4.1.1).  An entry is
 * removed when the addresses it translates meet [first, last].
 */
void smmu_hw_tlbi_span(const struct smmu_hw_cmd *c, uint64_t *first, uint64_t *last);

/**
 * smmu_hw_atc_span() - addresses a decoded ATC_INV invalidates.
 * @c: a decoded ATC_INV.
 * @first: receives the first byte: the address aligned down to the span.
 * @last: receives the last byte (inclusive); Size 52 is all of 2^64.
 */
void smmu_hw_atc_span(const struct smmu_hw_cmd *c, uint64_t *first, uint64_t *last);

/**
 * smmu_hw_op_name() - the spec's name of an opcode, for traces.
 * @op: an opcode.
 *
 * Return: e.g. "CMD_TLBI_NH_VA"; "CMD_UNKNOWN" for one not decoded here.
 */
const char *smmu_hw_op_name(uint8_t op);

#endif /* INVTRACK_SMMUV3_HW_H */
