/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * hw-cfg.h - ARM SMMUv3, hardware side: how the model reads Stream Table
 * Entries and Context Descriptors.
 *
 * Written independently of the driver's builders (ste.c,
 * <invtrack/smmuv3-cfg.h>): own field extraction (by the spec's bit numbers
 * across the whole structure), own types, own validity rules, so that a
 * mistake in one is caught by the other.  The rules are those of the
 * SteIllegal() and CdIllegal() pseudocode of IHI0070 §5.2.2 and §5.4.2, for
 * the Non-secure stream table of an SMMUv3.1-v3.3 (SMMU_IDR5.DS == 0,
 * no VMSAv9-128, no VMSAv8-32 LPAE tables, no split-stage ATS
 * (IDR0.NS1ATS == 1), no DPT, no
 * small translation tables (IDR3.STT == 0), no MPAM, no permission
 * indirection), with the other features chosen by struct smmu_hw_cfg_idr.
 * RES0, IGNORED and IMPLEMENTATION DEFINED bits do not make a structure
 * ILLEGAL (the pseudocode does not look at them).
 *
 * Results are the spec's event numbers (§7.3): C_BAD_STE for an STE with
 * V == 0 or an ILLEGAL one, C_BAD_CD likewise for a CD; C_BAD_SUBSTREAMID
 * and F_STREAM_DISABLED when locating a CD.  A reserved STE.Config (0b001 to
 * 0b011) is not an error: it behaves as 0b000, abort without an event.
 */
#ifndef INVTRACK_SMMUV3_HW_CFG_H
#define INVTRACK_SMMUV3_HW_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/smmuv3-queue.h>

#include "hw.h"

/* Event numbers, bits [7:0] of an event record (§7.3). */
#define SMMU_HW_EVT_NONE		0x00
#define SMMU_HW_EVT_C_BAD_STREAMID	0x02
#define SMMU_HW_EVT_F_STE_FETCH		0x03
#define SMMU_HW_EVT_C_BAD_STE		0x04
#define SMMU_HW_EVT_F_STREAM_DISABLED	0x06
#define SMMU_HW_EVT_C_BAD_SUBSTREAMID	0x08
#define SMMU_HW_EVT_F_CD_FETCH		0x09
#define SMMU_HW_EVT_C_BAD_CD		0x0a

/* smmu_hw_cd_locate() outcomes that are not events (above any event number). */
#define SMMU_HW_CFG_NO_CD		0x100	/* stage 1 bypassed: no CD used */
#define SMMU_HW_CFG_ABORT		0x101	/* Config abort: terminated silently */
#define SMMU_HW_CFG_L1CD		0x102	/* two-level: the L1CD's address given */

/* SMMU_IDR5.GRAN4K/GRAN16K/GRAN64K. */
#define SMMU_HW_GRAN_4K			(1u << 0)
#define SMMU_HW_GRAN_16K		(1u << 1)
#define SMMU_HW_GRAN_64K		(1u << 2)

/* SMMU_IDR0.TTENDIAN. */
#define SMMU_HW_TTENDIAN_MIXED		0
#define SMMU_HW_TTENDIAN_LE		2
#define SMMU_HW_TTENDIAN_BE		3

/**
 * struct smmu_hw_cfg_idr - the features of the modelled SMMU that decide
 * whether a structure is legal.
 * @feat: SMMU_HW_FEAT_* from hw.h: S1 (IDR0.S1P), S2 (IDR0.S2P), HYP
 *	(IDR0.Hyp: STRW is used), ATS (IDR0.ATS: EATS is used), STALL
 *	(IDR0.STALL_MODEL 0b00, stall and terminate; without it 0b01,
 *	terminate only).
 * @ssidsize: IDR1.SSIDSIZE, 0..20; 0: no substreams.
 * @sidsize: IDR1.SIDSIZE, StreamID bits, 0..32.
 * @st_2lvl: IDR0.ST_LEVEL == 0b01: two-level stream tables (STRTAB_BASE_CFG.FMT
 *	and SPLIT are used; else they are RES0 and the table is linear).
 * @cd2l: IDR0.CD2L: two-level CD tables (STE.S1Fmt 0b01 and 0b10 legal).
 * @oas: IDR5.OAS, in the PS encoding 0..6 (32 to 52 bits); IAS == OAS.
 * @vax52: IDR5.VAX == 0b01: 52-bit VAs with the 64K granule.
 * @gran: SMMU_HW_GRAN_* supported.
 * @httu: IDR0.HTTU: 0 none, 1 Access flag, 2 Access flag and dirty state.
 * @ttendian: IDR0.TTENDIAN, an SMMU_HW_TTENDIAN_* value.
 * @asid16: IDR0.ASID16.
 * @vmid16: IDR0.VMID16.
 * @term_abort: IDR0.TERM_MODEL == 1: no RAZ/WI termination, CD.A must be 1.
 * @e2h: SMMU_CR2.E2H: STRW 0b10 selects NS-EL2-E2H instead of NS-EL2.
 */
struct smmu_hw_cfg_idr {
	unsigned int feat;
	uint8_t ssidsize;
	uint8_t sidsize;
	bool st_2lvl;
	bool cd2l;
	uint8_t oas;
	bool vax52;
	uint8_t gran;
	uint8_t httu;
	uint8_t ttendian;
	bool asid16;
	bool vmid16;
	bool term_abort;
	bool e2h;
};

/**
 * enum smmu_hw_world - StreamWorld of a Non-secure STE (§5.2 STRW).
 * @SMMU_HW_WORLD_NS_EL1: NS-EL1 (also any STE that uses stage 2).
 * @SMMU_HW_WORLD_NS_EL2: NS-EL2: no ASID, TTB0 only.
 * @SMMU_HW_WORLD_NS_EL2_E2H: NS-EL2-E2H: ASID, both TTBs, no VMID.
 */
enum smmu_hw_world {
	SMMU_HW_WORLD_NS_EL1,
	SMMU_HW_WORLD_NS_EL2,
	SMMU_HW_WORLD_NS_EL2_E2H,
};

/**
 * enum smmu_hw_cfg_why - which rule gave the result.
 * @SMMU_HW_CFG_WHY_NONE: none: no error.
 * @SMMU_HW_CFG_WHY_V0: V == 0.
 * @SMMU_HW_CFG_WHY_STAGE: Config enables a stage the SMMU lacks.
 * @SMMU_HW_CFG_WHY_EATS: split-stage ATS, or full ATS with S2S and stage 2.
 * @SMMU_HW_CFG_WHY_STRW: reserved STRW (0b01, 0b11) while STRW is used.
 * @SMMU_HW_CFG_WHY_STALL: S1STALLD, S2S or CD.S against the stall model, or
 *	CD.S with S1STALLD.
 * @SMMU_HW_CFG_WHY_CDMAX: S1CDMax above SSIDSIZE.
 * @SMMU_HW_CFG_WHY_S1FMT: a two-level CD table on an SMMU without CD2L.
 * @SMMU_HW_CFG_WHY_CTXPTR: S1ContextPtr beyond the address size.
 * @SMMU_HW_CFG_WHY_AA64: VMSAv8-32 LPAE tables selected (S2AA64/AA64 == 0).
 * @SMMU_HW_CFG_WHY_HTTU: HA/HD (S2HA/S2HD) beyond IDR0.HTTU.
 * @SMMU_HW_CFG_WHY_GRANULE: reserved or unsupported granule.
 * @SMMU_HW_CFG_WHY_TTB: table base outside the effective PS/IPS (or 48 bits
 *	with a 4K/16K granule).
 * @SMMU_HW_CFG_WHY_TXSZ: T0SZ, T1SZ or S2T0SZ out of range.
 * @SMMU_HW_CFG_WHY_SL0: S2SL0 inconsistent with S2T0SZ and S2TG.
 * @SMMU_HW_CFG_WHY_ENDI: endianness the SMMU does not support.
 * @SMMU_HW_CFG_WHY_VMID: VMID above 8 bits without IDR0.VMID16.
 * @SMMU_HW_CFG_WHY_ASID: ASID above 8 bits without IDR0.ASID16.
 * @SMMU_HW_CFG_WHY_TERM: CD.A == 0 with IDR0.TERM_MODEL == 1.
 * @SMMU_HW_CFG_WHY_SSID_NO_S1: a SubstreamID while stage 1 is off.
 * @SMMU_HW_CFG_WHY_SSID_DISABLED: a SubstreamID while S1CDMax == 0.
 * @SMMU_HW_CFG_WHY_SSID_RANGE: SubstreamID >= 2^S1CDMax.
 * @SMMU_HW_CFG_WHY_SSID0: SubstreamID 0 while S1DSS == 0b10.
 * @SMMU_HW_CFG_WHY_NO_SSID: no SubstreamID while S1DSS == 0b00 (or 0b11).
 * @SMMU_HW_CFG_WHY_SID_RANGE: StreamID >= 2^MIN(LOG2SIZE, SIDSIZE).
 * @SMMU_HW_CFG_WHY_SID_L1: L1STD.Span 0, Reserved (12..31) or above SPLIT + 1.
 * @SMMU_HW_CFG_WHY_SID_SPAN: StreamID beyond the level-2 array's 2^(Span - 1).
 * @SMMU_HW_CFG_WHY_SSID_L1: L1CD with V == 0.
 * @SMMU_HW_CFG_WHY_FETCH: a table or descriptor outside memory.
 */
enum smmu_hw_cfg_why {
	SMMU_HW_CFG_WHY_NONE,
	SMMU_HW_CFG_WHY_V0,
	SMMU_HW_CFG_WHY_STAGE,
	SMMU_HW_CFG_WHY_EATS,
	SMMU_HW_CFG_WHY_STRW,
	SMMU_HW_CFG_WHY_STALL,
	SMMU_HW_CFG_WHY_CDMAX,
	SMMU_HW_CFG_WHY_S1FMT,
	SMMU_HW_CFG_WHY_CTXPTR,
	SMMU_HW_CFG_WHY_AA64,
	SMMU_HW_CFG_WHY_HTTU,
	SMMU_HW_CFG_WHY_GRANULE,
	SMMU_HW_CFG_WHY_TTB,
	SMMU_HW_CFG_WHY_TXSZ,
	SMMU_HW_CFG_WHY_SL0,
	SMMU_HW_CFG_WHY_ENDI,
	SMMU_HW_CFG_WHY_VMID,
	SMMU_HW_CFG_WHY_ASID,
	SMMU_HW_CFG_WHY_TERM,
	SMMU_HW_CFG_WHY_SSID_NO_S1,
	SMMU_HW_CFG_WHY_SSID_DISABLED,
	SMMU_HW_CFG_WHY_SSID_RANGE,
	SMMU_HW_CFG_WHY_SSID0,
	SMMU_HW_CFG_WHY_NO_SSID,
	SMMU_HW_CFG_WHY_SID_RANGE,
	SMMU_HW_CFG_WHY_SID_L1,
	SMMU_HW_CFG_WHY_SID_SPAN,
	SMMU_HW_CFG_WHY_SSID_L1,
	SMMU_HW_CFG_WHY_FETCH,
};

/**
 * struct smmu_hw_ste - a parsed STE.  Fields of a stage that does not
 * translate, and IGNORED fields, are 0.
 * @raw: the eight words as read (word 0 only when V == 0).
 * @valid: V.
 * @config: Config as it behaves: 0 (abort, reserved values included), 4, 5,
 *	6 or 7.
 * @s1: stage 1 translates (Config 0b1x1).
 * @s2: stage 2 translates (Config 0b11x).
 * @world: an enum smmu_hw_world.
 * @strw: STRW when used, else 0.
 * @eats: effective EATS: 1 full ATS, else 0.
 * @s1cdmax: S1CDMax (0 when the SMMU has no substreams).
 * @s1fmt: S1Fmt as it behaves: 0 linear (0b11 and S1CDMax == 0 included),
 *	1 two-level with 4 KiB leaves, 2 with 64 KiB leaves.
 * @s1dss: S1DSS as it behaves (0b11 reads as 0b00); 0 without substreams.
 * @s1cir: S1CIR.
 * @s1cor: S1COR.
 * @s1csh: S1CSH.
 * @s1stalld: S1STALLD.
 * @s1ctxptr: S1ContextPtr, address bits [55:6].
 * @s2vmid: S2VMID when it tags translations, else 0.
 * @s2t0sz: S2T0SZ.
 * @s2sl0: S2SL0 as written.
 * @s2_level: the starting level S2SL0 selects.
 * @s2_granule: log2 of the stage 2 granule: 12, 14 or 16.
 * @s2ir0: S2IR0.
 * @s2or0: S2OR0.
 * @s2sh0: S2SH0.
 * @s2ps: S2PS as written.
 * @s2_pa_bits: effective output size in bits, MIN(S2PS, OAS).
 * @s2aa64: S2AA64.
 * @s2endi: S2ENDI.
 * @s2affd: S2AFFD.
 * @s2ptw: S2PTW.
 * @s2hd: S2HD.
 * @s2ha: S2HA.
 * @s2s: S2S.
 * @s2r: S2R.
 * @s2ttb: S2TTB, address bits [51:4] as written (the walker aligns it).
 */
struct smmu_hw_ste {
	uint64_t raw[8];
	bool valid;
	uint8_t config;
	bool s1;
	bool s2;
	uint8_t world;
	uint8_t strw;
	uint8_t eats;
	uint8_t s1cdmax;
	uint8_t s1fmt;
	uint8_t s1dss;
	uint8_t s1cir;
	uint8_t s1cor;
	uint8_t s1csh;
	bool s1stalld;
	uint64_t s1ctxptr;
	uint16_t s2vmid;
	uint8_t s2t0sz;
	uint8_t s2sl0;
	uint8_t s2_level;
	uint8_t s2_granule;
	uint8_t s2ir0;
	uint8_t s2or0;
	uint8_t s2sh0;
	uint8_t s2ps;
	uint8_t s2_pa_bits;
	bool s2aa64;
	bool s2endi;
	bool s2affd;
	bool s2ptw;
	bool s2hd;
	bool s2ha;
	bool s2s;
	bool s2r;
	uint64_t s2ttb;
};

/**
 * struct smmu_hw_cd - a parsed CD.  Fields of a disabled TTB (EPDx, or TTB1
 * in NS-EL2) are 0.
 * @raw: the eight words as read (word 0 only when V == 0).
 * @valid: V.
 * @t0sz: T0SZ.
 * @tg0_granule: log2 of the TTB0 granule: 12, 14 or 16.
 * @s1_level0: starting level of TTB0 walks.
 * @ir0: IR0.
 * @or0: OR0.
 * @sh0: SH0.
 * @epd0: effective EPD0.
 * @endi: ENDI.
 * @t1sz: T1SZ.
 * @tg1_granule: log2 of the TTB1 granule.
 * @ir1: IR1.
 * @or1: OR1.
 * @sh1: SH1.
 * @epd1: effective EPD1 (true in NS-EL2, where TTB1 does not exist).
 * @ips: IPS as written.
 * @ipa_bits: effective output size in bits, MIN(IPS, OAS).
 * @affd: AFFD.
 * @wxn: WXN.
 * @uwxn: UWXN.
 * @tbi0: TBI0.
 * @tbi1: TBI1.
 * @pan: PAN.
 * @aa64: AA64.
 * @hd: HD.
 * @ha: HA.
 * @s: S.
 * @r: R.
 * @a: A.
 * @aset: ASET.
 * @asid: ASID (0 in NS-EL2, where it is IGNORED).
 * @ttb0: TTB0, address bits [51:4] as written.
 * @ttb1: TTB1, address bits [51:4] as written.
 * @mair: {MAIR1, MAIR0}.
 */
struct smmu_hw_cd {
	uint64_t raw[8];
	bool valid;
	uint8_t t0sz;
	uint8_t tg0_granule;
	uint8_t s1_level0;
	uint8_t ir0;
	uint8_t or0;
	uint8_t sh0;
	bool epd0;
	bool endi;
	uint8_t t1sz;
	uint8_t tg1_granule;
	uint8_t ir1;
	uint8_t or1;
	uint8_t sh1;
	bool epd1;
	uint8_t ips;
	uint8_t ipa_bits;
	bool affd;
	bool wxn;
	bool uwxn;
	bool tbi0;
	bool tbi1;
	bool pan;
	bool aa64;
	bool hd;
	bool ha;
	bool s;
	bool r;
	bool a;
	bool aset;
	uint16_t asid;
	uint64_t ttb0;
	uint64_t ttb1;
	uint64_t mair;
};

/**
 * smmu_hw_cfg_idr_init() - a fully featured SMMU, to be trimmed.
 * @idr: receives: @feat as given, SSIDSIZE 20, SIDSIZE 16, linear tables
 *	only (ST_LEVEL 0b00, CD2L 0), OAS 52 bits, 52-bit VAs, all granules,
 *	no HTTU, mixed-endian tables, 16-bit ASIDs and VMIDs, RAZ/WI
 *	termination supported, E2H off.
 * @feat: SMMU_HW_FEAT_* bits.
 */
void smmu_hw_cfg_idr_init(struct smmu_hw_cfg_idr *idr, unsigned int feat);

/**
 * smmu_hw_idr_write() - the ID registers of the SMMU @idr describes.
 * @idr: its features.
 * @cmdqs: SMMU_IDR1.CMDQS, largest Command queue LOG2SIZE (0..19).
 * @regs: receives SMMU_IDR0, IDR1, IDR3 and IDR5 (IHI0070 §6.3): VMSAv8-64
 *	tables only (TTF 0b10, so IAS == OAS), coherent accesses (COHACC),
 *	the stall model STALL gives (0b00 with it, 0b01 without), the rest
 *	(SIDSIZE, ST_LEVEL, CD2L included) from @idr.
 */
void smmu_hw_idr_write(const struct smmu_hw_cfg_idr *idr, unsigned int cmdqs,
		       struct invt_smmu_regs *regs);

/**
 * struct smmu_hw_mem - how the SMMU reads a level-1 descriptor.
 * @va: the host address of the 8 bytes at physical address @pa, or NULL
 *	when nothing is there (a fetch abort).
 * @arg: first argument of @va.
 */
struct smmu_hw_mem {
	const uint64_t *(*va)(void *arg, uint64_t pa);
	void *arg;
};

/**
 * smmu_hw_ste_locate() - where the STE of a StreamID is (§3.3, §6.3.25).
 * @idr: the SMMU's features (SIDSIZE, ST_LEVEL).
 * @base: SMMU_STRTAB_BASE as latched.
 * @cfg: SMMU_STRTAB_BASE_CFG as latched: LOG2SIZE (effective MIN(LOG2SIZE,
 *	SIDSIZE)), FMT (0b01 two-level with ST_LEVEL; other values and
 *	without ST_LEVEL: linear), SPLIT (6, 8 or 10; others behave as 6).
 * @sid: the StreamID.
 * @mem: reads the L1STD of a two-level table (acquire: pairs with the
 *	driver's release store publishing it, invt_smmu_l1_publish()).
 * @ste_addr: receives the STE's address when the result is 0.
 * @why: receives the rule behind the result; may be NULL.
 *
 * A linear table is taken as aligned to its size, an L1STD array to the
 * larger of 64 bytes and its size, a level-2 array to its 2^(Span - 1)
 * STEs (§5.1 L2Ptr).  A StreamID out of range, through an L1STD with Span
 * 0, Reserved or above SPLIT + 1, or beyond its Span is C_BAD_STREAMID
 * (§5.1.1).
 *
 * Return: 0, SMMU_HW_EVT_C_BAD_STREAMID, or SMMU_HW_EVT_F_STE_FETCH (the
 * L1STD is outside memory).
 */
int smmu_hw_ste_locate(const struct smmu_hw_cfg_idr *idr, uint64_t base, uint32_t cfg,
		       uint32_t sid, const struct smmu_hw_mem *mem, uint64_t *ste_addr,
		       enum smmu_hw_cfg_why *why);

/**
 * smmu_hw_ste_decode() - decode and check an STE held as integers.
 * @w: the 8 words (word i holds bits [64i+63:64i]).
 * @idr: the SMMU's features.
 * @out: zeroed, then filled; meaningful only on success.
 * @why: receives the rule behind the result; may be NULL.
 *
 * Return: SMMU_HW_EVT_NONE (0), or SMMU_HW_EVT_C_BAD_STE for V == 0 or an
 * ILLEGAL entry.
 */
int smmu_hw_ste_decode(const uint64_t w[8], const struct smmu_hw_cfg_idr *idr,
		       struct smmu_hw_ste *out, enum smmu_hw_cfg_why *why);

/**
 * smmu_hw_ste_parse() - fetch an STE from memory, as the SMMU does.
 * @mem: the 64 little-endian bytes of the STE, 8-byte aligned.
 * @idr: the SMMU's features.
 * @out: as for smmu_hw_ste_decode().
 * @why: as for smmu_hw_ste_decode().
 *
 * Word 0 (V) is read first with an acquire load, then words 1..7 with
 * 64-bit atomic loads; with V == 0 nothing else is read.
 *
 * Return: as smmu_hw_ste_decode().
 */
int smmu_hw_ste_parse(const uint64_t *mem, const struct smmu_hw_cfg_idr *idr,
		      struct smmu_hw_ste *out, enum smmu_hw_cfg_why *why);

/**
 * smmu_hw_cd_decode() - decode and check a CD held as integers.
 * @w: the 8 words.
 * @ste: the valid STE the CD was located through (its StreamWorld and
 *	S1STALLD decide parts of the CD's legality, §5.4.1).
 * @idr: the SMMU's features.
 * @out: zeroed, then filled; meaningful only on success.
 * @why: receives the rule behind the result; may be NULL.
 *
 * Return: SMMU_HW_EVT_NONE (0), or SMMU_HW_EVT_C_BAD_CD for V == 0 or an
 * ILLEGAL descriptor.
 */
int smmu_hw_cd_decode(const uint64_t w[8], const struct smmu_hw_ste *ste,
		      const struct smmu_hw_cfg_idr *idr, struct smmu_hw_cd *out,
		      enum smmu_hw_cfg_why *why);

/**
 * smmu_hw_cd_parse() - fetch a CD from memory, as the SMMU does.
 * @mem: the 64 little-endian bytes of the CD, 8-byte aligned.
 * @ste: as for smmu_hw_cd_decode().
 * @idr: the SMMU's features.
 * @out: as for smmu_hw_cd_decode().
 * @why: as for smmu_hw_cd_decode().
 *
 * Word 0 (V is bit 31) first with an acquire load, then words 1..7.
 *
 * Return: as smmu_hw_cd_decode().
 */
int smmu_hw_cd_parse(const uint64_t *mem, const struct smmu_hw_ste *ste,
		     const struct smmu_hw_cfg_idr *idr, struct smmu_hw_cd *out,
		     enum smmu_hw_cfg_why *why);

/**
 * smmu_hw_cd_locate() - which CD a transaction uses.
 * @ste: a valid parsed STE.
 * @ssv: the transaction carries a SubstreamID.
 * @ssid: the SubstreamID, with @ssv.
 * @cd_addr: receives the CD's address when the result is 0: for a linear
 *	table, S1ContextPtr (bits [S1CDMax+5:6] taken as zero) + 64 * index.
 * @why: receives the rule behind the result; may be NULL.
 *
 * Without @ssv the index is 0 when S1CDMax == 0; otherwise S1DSS decides:
 * 0b00 (and 0b11) F_STREAM_DISABLED, 0b01 stage 1 bypass, 0b10 CD 0.  With
 * @ssv: C_BAD_SUBSTREAMID when stage 1 is off, S1CDMax == 0 or @ssid >=
 * 2^S1CDMax; F_STREAM_DISABLED for @ssid 0 with S1DSS 0b10.
 *
 * Return: 0 (fetch the CD at @cd_addr), SMMU_HW_CFG_L1CD (a two-level
 * table: @cd_addr is the L1CD's address; smmu_hw_cd_find() follows it),
 * SMMU_HW_CFG_NO_CD (stage 1 bypassed), SMMU_HW_CFG_ABORT (Config abort: no
 * event), or an event number (SMMU_HW_EVT_C_BAD_SUBSTREAMID,
 * SMMU_HW_EVT_F_STREAM_DISABLED).
 */
int smmu_hw_cd_locate(const struct smmu_hw_ste *ste, bool ssv, uint32_t ssid,
		      uint64_t *cd_addr, enum smmu_hw_cfg_why *why);

/**
 * smmu_hw_cd_find() - smmu_hw_cd_locate() through an L1CD too (§5.3).
 * @ste: as for smmu_hw_cd_locate().
 * @ssv: likewise.
 * @ssid: likewise.
 * @mem: reads the L1CD (acquire: pairs with invt_smmu_l1_publish()).
 * @cd_addr: receives the CD's address when the result is 0.
 * @why: likewise.
 *
 * The L1CD array is taken as aligned to the larger of 64 bytes and its
 * size; its entry SubstreamID[S1CDMax - 1:split] (split 6 for S1Fmt 0b01,
 * 10 for 0b10) gives the leaf table, indexed by SubstreamID[split - 1:0].
 * An L1CD with V == 0 is C_BAD_SUBSTREAMID (§5.3.1; the model says the same
 * for CD 0 reached without a SubstreamID).
 *
 * Return: as smmu_hw_cd_locate() but never SMMU_HW_CFG_L1CD;
 * SMMU_HW_EVT_F_CD_FETCH when the L1CD is outside memory.
 */
int smmu_hw_cd_find(const struct smmu_hw_ste *ste, bool ssv, uint32_t ssid,
		    const struct smmu_hw_mem *mem, uint64_t *cd_addr,
		    enum smmu_hw_cfg_why *why);

/**
 * smmu_hw_evt_name() - the spec's name of an event number, for traces.
 * @code: a result of the functions above.
 *
 * Return: e.g. "C_BAD_STE"; "NONE" for 0; "UNKNOWN" otherwise.
 */
const char *smmu_hw_evt_name(int code);

#endif /* INVTRACK_SMMUV3_HW_CFG_H */
