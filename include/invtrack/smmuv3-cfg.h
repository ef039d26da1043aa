/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/smmuv3-cfg.h - ARM SMMUv3, driver side: Stream Table Entries and
 * Context Descriptors, and the order in which they are written.
 *
 * Both structures are 64 bytes: eight 64-bit words, held little-endian in
 * memory (IHI0070 §5.2 "STE, Stream Table Entry", §5.4 "CD, Context
 * Descriptor").  The builders return the words as integers (word i holds
 * bits [64i+63:64i] of the structure); the install helpers store them
 * little-endian.  The model's parser (src/arch/smmuv3/hw-cfg.h) is written
 * separately and shares nothing with this code.
 *
 * What is built, and what is fixed:
 *  - Non-secure stream table, StreamWorld NS-EL1 (STRW 0), VMSAv8-64 tables
 *    at both stages (S2AA64 = AA64 = 1), no stalls (S1STALLD = S2S = CD.S =
 *    0), no hardware access/dirty flag updates, no attribute overrides.
 *  - CD tables linear (S1Fmt = 0b00: 2^S1CDMax CDs, aligned to the table's
 *    size) or two-level with 64 KiB leaves (S1Fmt = 0b10: an array of
 *    L1CDs, §5.3, each pointing to 1024 CDs).  Stream tables linear or
 *    two-level (§3.3.2; L1STDs, §5.1).
 *  - Walk attributes: Normal Write-Back cacheable, Inner Shareable, for the
 *    CD fetch (S1CIR = S1COR = 0b01, S1CSH = 0b11) and for table walks at
 *    both stages (IR0 = OR0 = 0b01, SH0 = 0b11).
 *  - With substreams (S1CDMax > 0), S1DSS = 0b10: a transaction without a
 *    SubstreamID uses CD 0, the RID's address space, and a transaction
 *    that names SubstreamID 0 is terminated (F_STREAM_DISABLED).  Drivers
 *    put the "no PASID" attachment in CD 0 and give PASIDs from 1.
 *  - CDs: TTB0 only (EPD0 = 0, EPD1 = 1), faults recorded and aborted (R =
 *    A = 1), private ASID set (ASET = 1: no broadcast TLB maintenance).
 *  - Addresses are at most 52 bits (SMMUv3.1 to v3.3 without DS).
 */
#ifndef INVTRACK_SMMUV3_CFG_H
#define INVTRACK_SMMUV3_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/smmuv3.h>

/* Both structures are 8 words; the V bit lives in word 0 in both. */
#define INVT_SMMU_CFG_WORDS		8
/* Largest S1CDMax: SubstreamIDs are 20 bits (SMMU_IDR1.SSIDSIZE <= 20). */
#define INVT_SMMU_CDMAX_LIMIT		20
/* Bytes per STE and per CD. */
#define INVT_SMMU_CFG_BYTES		64

/**
 * enum invt_smmu_ste_config - STE.Config, bits [3:1] (IHI0070 §5.2).
 * @INVT_SMMU_STE_ABORT: 0b000: traffic aborted, no event recorded.
 * @INVT_SMMU_STE_BYPASS: 0b100: both stages bypass.
 * @INVT_SMMU_STE_S1: 0b101: stage 1 translates, stage 2 bypasses.
 * @INVT_SMMU_STE_S2: 0b110: stage 1 bypasses, stage 2 translates.
 * @INVT_SMMU_STE_NESTED: 0b111: both stages translate.
 *
 * 0b001 to 0b011 are reserved (they behave as abort); the builder
 * rejects them.
 */
enum invt_smmu_ste_config {
	INVT_SMMU_STE_ABORT = 0,
	INVT_SMMU_STE_BYPASS = 4,
	INVT_SMMU_STE_S1 = 5,
	INVT_SMMU_STE_S2 = 6,
	INVT_SMMU_STE_NESTED = 7,
};

/*
 * Physical address sizes, as STE.S2PS and CD.IPS encode them (§5.2, §5.4,
 * the same encoding as VTCR_EL2.PS / TCR_EL1.IPS).  0b111 is reserved up to
 * SMMUv3.3 and is rejected.
 */
#define INVT_SMMU_PS_32		0
#define INVT_SMMU_PS_36		1
#define INVT_SMMU_PS_40		2
#define INVT_SMMU_PS_42		3
#define INVT_SMMU_PS_44		4
#define INVT_SMMU_PS_48		5
#define INVT_SMMU_PS_52		6

/**
 * invt_smmu_ps_encode() - the PS / IPS / OAS encoding of an address size.
 * @bits: 32, 36, 40, 42, 44, 48 or 52.
 *
 * Return: an INVT_SMMU_PS_* value, or -EINVAL for another size.
 */
int invt_smmu_ps_encode(unsigned int bits);

/**
 * invt_smmu_ps_bits() - the address size a PS / IPS / OAS encoding names.
 * @ps: INVT_SMMU_PS_32.._52.
 *
 * Return: bits, or 0 for 0b111 (reserved up to SMMUv3.3) and above.
 */
unsigned int invt_smmu_ps_bits(unsigned int ps);

/**
 * struct invt_smmu_geometry - the walk a translation regime needs.
 * @txsz: T0SZ (CD) or S2T0SZ (STE): 64 - input bits.
 * @sl0: stage 2 only: S2SL0, the VTCR_EL2.SL0 encoding of @level.
 * @level: ARM starting level of the walk (0..3).
 * @concat: stage 2 only: tables concatenated at the starting level (1 to
 *	16); 1 at stage 1.
 */
struct invt_smmu_geometry {
	uint8_t txsz;
	uint8_t sl0;
	uint8_t level;
	uint8_t concat;
};

/**
 * invt_smmu_s1_geometry() - CD.T0SZ and the starting level for a VA size.
 * @va_bits: 25..48, or up to 52 with the 64K granule and @vax52.
 * @tg: INVT_SMMU_TG_4K, _16K or _64K.
 * @vax52: SMMU_IDR5.VAX == 0b01 (52-bit VAs with the 64K granule).
 * @g: out.
 *
 * T0SZ = 64 - @va_bits within the range of §5.4 (CD.T0SZ: 16..39, 12 with
 * the 64K granule and 52-bit VAs); the walk starts at the highest level
 * that resolves at least one bit, without concatenation (VMSAv8-64 stage 1).
 *
 * Return: 0, or -EINVAL (@g untouched).
 */
int invt_smmu_s1_geometry(unsigned int va_bits, unsigned int tg, bool vax52,
			  struct invt_smmu_geometry *g);

/**
 * invt_smmu_s2_geometry() - STE.S2T0SZ and S2SL0 for an IPA size.
 * @ia_bits: IPA bits: 25 up to @ias.
 * @tg: INVT_SMMU_TG_4K, _16K or _64K.
 * @ias: the SMMU's input address size in bits (OAS when it has no AArch32
 *	tables, §3.4).
 * @g: out.
 *
 * S2T0SZ = 64 - @ia_bits, which §5.2 bounds by MAX(16, 64 - IAS) (12 with
 * the 64K granule) and 39; an out-of-range value makes the STE ILLEGAL
 * (SMMUv3.1 on), so it is refused here.  The walk starts at the level that
 * resolves at most one table's bits; where S2SL0 cannot encode it (level 0
 * with 16K, DS == 0) it starts one level lower with 2 to 16 concatenated
 * tables (§5.2 S2SL0; VMSAv8-64 stage 2).
 *
 * Return: 0, or -EINVAL for a bad granule or size outside [25, 52],
 * -ERANGE for one the SMMU cannot take (@g untouched either way).
 */
int invt_smmu_s2_geometry(unsigned int ia_bits, unsigned int tg, unsigned int ias,
			  struct invt_smmu_geometry *g);

/* STE.EATS values the builder accepts (§5.2): 0 ATS off, 1 full ATS. */
#define INVT_SMMU_EATS_OFF	0
#define INVT_SMMU_EATS_FULL	1

/*
 * STE.S1Fmt (§5.2): 0b00 linear CD table; 0b01 two-level, 4 KiB leaf
 * tables of 64 CDs (SubstreamID[5:0] indexes the leaf); 0b10 two-level,
 * 64 KiB leaf tables of 1024 CDs (SubstreamID[9:0]).  The L1 table holds
 * MAX(1, 2^(S1CDMax - split)) L1CDs.
 */
#define INVT_SMMU_S1FMT_LINEAR		0
#define INVT_SMMU_S1FMT_L2_4K		1
#define INVT_SMMU_S1FMT_L2_64K		2
/* Bytes of an L1STD (§5.1) and of an L1CD (§5.3). */
#define INVT_SMMU_L1_BYTES		8
/*
 * The two-level stream table the driver builds: SMMU_STRTAB_BASE_CFG.SPLIT
 * = 8 (§6.3.25: 16 KiB leaf tables of 256 STEs), each L1STD with Span = 9
 * (2^(Span - 1) = 256 STEs, §5.1).  SPLIT may be 6, 8 or 10.
 */
#define INVT_SMMU_STRTAB_SPLIT		8
/* SMMU_STRTAB_BASE_CFG: SPLIT [10:6]; FMT [17:16] 0b01 two-level. */
#define INVT_SMMU_STRTAB_CFG_SPLIT_SHIFT 6
#define INVT_SMMU_STRTAB_CFG_FMT_2LVL	1u
/* The driver's two-level CD tables: S1Fmt 0b10, 2^10 CDs per leaf. */
#define INVT_SMMU_CD_SPLIT		10u

/**
 * invt_smmu_l1std_build() - encode a Level 1 Stream Table Descriptor (§5.1).
 * @l2ptr: the level-2 array of 2^(@span - 1) STEs, aligned to its size
 *	(L2Ptr[5 + Span - 1:0] are treated as 0), below 2^52; 0 with @span 0.
 * @span: 0 (L2Ptr invalid: the StreamIDs of this descriptor are invalid) or
 *	1..11 (12..31 are Reserved and behave as 0).
 * @d: receives the descriptor as an integer: Span [4:0], L2Ptr [55:6].
 *
 * Return: 0, or -EINVAL with @d untouched.
 */
int invt_smmu_l1std_build(uint64_t l2ptr, unsigned int span, uint64_t *d);

/**
 * invt_smmu_l1cd_build() - encode a Level 1 Context Descriptor (§5.3).
 * @l2ptr: the leaf CD table, 4 KiB aligned (L2Ptr is bits [55:12]), below
 *	2^52; 0 when @valid is false.
 * @valid: V [0]; 0: a CD fetch through it is C_BAD_SUBSTREAMID.
 * @d: receives the descriptor as an integer.
 *
 * Return: 0, or -EINVAL with @d untouched.
 */
int invt_smmu_l1cd_build(uint64_t l2ptr, bool valid, uint64_t *d);

/**
 * invt_smmu_l1_publish() - make a level-1 descriptor point to its table.
 * @slot: the L1STD or L1CD in memory.
 * @d: its new value.
 *
 * One 64-bit release store.  The leaf table must be fully written before
 * (its invalid or blocking entries), and the caller then issues the
 * non-leaf CFGI (CMD_CFGI_STE / CMD_CFGI_CD with Leaf = 0, §5.1, §5.3) and
 * a CMD_SYNC before relying on the new level.
 */
void invt_smmu_l1_publish(uint64_t *slot, uint64_t d);

/**
 * struct invt_smmu_ste - one Stream Table Entry, by fields.
 * @valid: V.  An invalid STE is all zeros: every other field must be 0.
 * @config: an enum invt_smmu_ste_config.
 * @eats: an INVT_SMMU_EATS_* value; 0 with ABORT and BYPASS.
 * @s1cdmax: stage 1 (S1, NESTED): log2 of the number of CDs,
 *	0..INVT_SMMU_CDMAX_LIMIT; 0 means one CD and no substreams.
 * @s1fmt: stage 1 with @s1cdmax > 0: an INVT_SMMU_S1FMT_* value; else 0.
 * @s1ctxptr: stage 1: address of the CD table (an IPA with NESTED), below
 *	2^52: a linear table aligned to its size (64 << @s1cdmax); an L1CD
 *	array aligned to the larger of 64 bytes and its size.
 * @s2vmid: VMID, 0..0xffff; with S1, S2 and NESTED (an S1-only stream is
 *	tagged with it too).
 * @s2t0sz: stage 2 (S2, NESTED): S2T0SZ, 64 - IPA bits; 16..39 (12..39
 *	with the 64K granule).
 * @s2sl0: stage 2: S2SL0, the VTCR_EL2.SL0 encoding of the starting level
 *	(4K: 0 level 2, 1 level 1, 2 level 0; 16K and 64K: 0 level 3,
 *	1 level 2, 2 level 1); must agree with @s2t0sz and @s2tg.
 * @s2tg: stage 2: granule, INVT_SMMU_TG_4K, _16K or _64K.
 * @s2ps: stage 2: output size, INVT_SMMU_PS_32.._52.
 * @s2r: stage 2: S2R, record stage 2 translation faults in the event queue.
 * @s2ttb: stage 2: table base, aligned to the size of the starting-level
 *	table (concatenated tables included; 64 bytes at least with @s2ps 52),
 *	inside @s2ps and below 2^48 unless the granule is 64K.
 *
 * Fields the configuration does not use must be 0.
 */
struct invt_smmu_ste {
	bool valid;
	uint8_t config;
	uint8_t eats;
	uint8_t s1cdmax;
	uint8_t s1fmt;
	uint64_t s1ctxptr;
	uint32_t s2vmid;
	uint8_t s2t0sz;
	uint8_t s2sl0;
	uint8_t s2tg;
	uint8_t s2ps;
	bool s2r;
	uint64_t s2ttb;
};

/**
 * struct invt_smmu_cd - one Context Descriptor, by fields.
 * @valid: V.  An invalid CD is all zeros: every other field must be 0.
 * @t0sz: T0SZ, 64 - VA bits; 16..39 (12..39 with the 64K granule).
 * @tg0: TTB0 granule, INVT_SMMU_TG_4K, _16K or _64K.
 * @ips: output (IPA) size, INVT_SMMU_PS_32.._52.
 * @endi: ENDI, big-endian translation tables.
 * @affd: AFFD, no Access flag faults (AF treated as 1).
 * @asid: ASID, 0..0xffff.
 * @ttb0: table base, aligned to the size of the starting-level table (64
 *	bytes at least with @ips 52), inside @ips and below 2^48 unless the
 *	granule is 64K.
 * @mair: MAIR, the 64-bit {MAIR1, MAIR0} pair; any value.
 */
struct invt_smmu_cd {
	bool valid;
	uint8_t t0sz;
	uint8_t tg0;
	uint8_t ips;
	bool endi;
	bool affd;
	uint32_t asid;
	uint64_t ttb0;
	uint64_t mair;
};

/**
 * invt_smmu_ste_build() - encode an STE.
 * @ste: the entry.
 * @w: receives the 8 words, as integers.
 *
 * Rejects: an unknown or reserved Config; a field the Config does not use
 * that is not 0; EATS other than 0 or 1, or set with ABORT/BYPASS; S1CDMax
 * above 20; a CD table pointer not aligned to the table or at/above 2^52;
 * a VMID above 0xffff; an unknown granule or PS; S2T0SZ out of range or not
 * consistent with S2SL0 and the granule; an S2TTB not aligned to its
 * starting-level table, or outside PS, or (granule 4K or 16K) at/above 2^48.
 *
 * Return: 0, or -EINVAL with @w untouched.
 */
int invt_smmu_ste_build(const struct invt_smmu_ste *ste, uint64_t w[INVT_SMMU_CFG_WORDS]);

/**
 * invt_smmu_cd_build() - encode a CD.
 * @cd: the descriptor.
 * @w: receives the 8 words, as integers.
 *
 * Rejects: an unknown granule or IPS; T0SZ out of range; an ASID above
 * 0xffff; a TTB0 not aligned to its starting-level table, or outside IPS,
 * or (granule 4K or 16K) at/above 2^48; an invalid CD with any field set.
 *
 * Return: 0, or -EINVAL with @w untouched.
 */
int invt_smmu_cd_build(const struct invt_smmu_cd *cd, uint64_t w[INVT_SMMU_CFG_WORDS]);

/*
 * Installing an STE or a CD (IHI0070 §3.21.3 and §3.21.3.1).
 *
 * The SMMU may read a reachable structure at any time, one 64-bit word at a
 * time and in any order, and may cache it whether valid or not.  So:
 *  - every word is written with one single-copy-atomic 64-bit store;
 *  - word 0, which holds V in both structures, is written last, with a
 *    release store: it pairs with the reader's acquire load of word 0, so a
 *    reader that sees the new V = 1 sees the other seven new words too;
 *  - a structure the SMMU can reach is never changed while valid (no hitless
 *    update is attempted here).  A change is break-before-make:
 *
 *	invt_smmu_cfg_break(slot);		V = 0 (or _break_to(): a valid
 *						aborting STE / blocking CD)
 *	CMD_CFGI_STE (or _CD); CMD_SYNC; wait	old contents no longer used
 *	invt_smmu_cfg_write_body(slot, w);	words 1..7, V still 0
 *	CMD_CFGI_STE (or _CD); CMD_SYNC; wait	nothing holds a partial copy
 *	invt_smmu_cfg_make_valid(slot, w);	word 0 with V = 1, release
 *	CMD_CFGI_STE (or _CD); CMD_SYNC; wait	new contents in use
 *
 *    The caller owns the commands: the steps are separate functions so that
 *    the driver queues the configuration invalidations between them.  The
 *    middle invalidation is the spec's: the SMMU is not bound to read the
 *    word holding V after the others, so without it an SMMU may combine a
 *    stale word with the new V.  (The model's parser reads word 0 first
 *    with acquire, for which the release store alone suffices.)  A slot
 *    that is already invalid and whose V = 0 the SMMU has been told about
 *    starts at the second step.
 *  - invt_smmu_cfg_write() does body and V at once: for a structure the
 *    SMMU cannot reach yet (a CD table before the STE that points to it is
 *    valid, a new level-2 table), as in the note of §3.21.3.1.
 * The caller serialises writers of one slot.
 */

/**
 * invt_smmu_cfg_write() - write a structure nothing can reach yet.
 * @slot: the 8 words of the STE or CD in memory, 8-byte aligned.
 * @w: the words from invt_smmu_ste_build() or invt_smmu_cd_build().
 *
 * Words 1..7 with single 64-bit atomic stores, then word 0 with a release
 * store.  Follow with a CMD_CFGI and a CMD_SYNC once the structure is
 * reachable, as for any change.
 */
void invt_smmu_cfg_write(uint64_t *slot, const uint64_t w[INVT_SMMU_CFG_WORDS]);

/**
 * invt_smmu_cfg_break() - first step of a change: make the structure invalid.
 * @slot: the 8 words in memory.
 *
 * Stores 0 into word 0 (V = 0, the rest of the structure IGNORED).  The
 * caller then issues CMD_CFGI_STE/CD and CMD_SYNC and waits for the sync
 * before invt_smmu_cfg_write_body().
 */
void invt_smmu_cfg_break(uint64_t *slot);

/* Word 0 of an STE that aborts silently: V = 1, Config 0b000 (§5.2). */
#define INVT_SMMU_STE_W0_ABORT		0x1ull
/*
 * Word 0 of a CD that translates nothing: V = 1 [31], EPD0 [14] and EPD1
 * [30] (no table walk: translation fault, no C_BAD_CD), AA64 [41], R [45],
 * A [46] (§5.4); the other fields are IGNORED or 0.
 */
#define INVT_SMMU_CD_W0_BLOCK		((1ull << 31) | (1ull << 14) | (1ull << 30) | \
					 (1ull << 41) | (1ull << 45) | (1ull << 46))

/**
 * invt_smmu_cfg_break_to() - first step of a change, keeping the slot valid.
 * @slot: the 8 words in memory.
 * @w0: INVT_SMMU_STE_W0_ABORT or INVT_SMMU_CD_W0_BLOCK: word 0 of a valid
 *	structure that uses no other word, so that whatever mix of old and
 *	new words the SMMU reads until the change completes, transactions
 *	are terminated (abort, or a translation fault) instead of raising
 *	C_BAD_STE / C_BAD_CD for an invalid structure.
 *
 * Then as after invt_smmu_cfg_break(): CMD_CFGI, CMD_SYNC, wait, body,
 * CMD_CFGI, CMD_SYNC, wait, invt_smmu_cfg_make_valid().
 */
void invt_smmu_cfg_break_to(uint64_t *slot, uint64_t w0);

/**
 * invt_smmu_cfg_write_body() - second step: the new contents, still invalid.
 * @slot: the 8 words in memory; word 0 must be 0 or a word 0 of
 *	invt_smmu_cfg_break_to(), and the SMMU must have been told so (the
 *	break, then CFGI + SYNC completed).
 * @w: the new words.
 *
 * Stores words 1..7 with single 64-bit atomic stores; word 0 stays 0.  The
 * caller then issues CMD_CFGI_STE/CD and CMD_SYNC and waits for the sync
 * before invt_smmu_cfg_make_valid().
 */
void invt_smmu_cfg_write_body(uint64_t *slot, const uint64_t w[INVT_SMMU_CFG_WORDS]);

/**
 * invt_smmu_cfg_make_valid() - last step: publish word 0.
 * @slot: the 8 words in memory, body already written.
 * @w: the same words as given to invt_smmu_cfg_write_body().
 *
 * Stores word 0 with a release store.  The caller then issues
 * CMD_CFGI_STE/CD and CMD_SYNC, and waits before relying on the new
 * configuration (or, for a detach, before freeing what the old one used).
 */
void invt_smmu_cfg_make_valid(uint64_t *slot, const uint64_t w[INVT_SMMU_CFG_WORDS]);

/**
 * invt_smmu_ste_set_eats() - change STE.EATS of a valid STE in place.
 * @slot: the STE's 8 words in memory.
 * @eats: enum invt_smmu_eats value.
 *
 * EATS (bits [93:92], word 1) lies within one 64-bit doubleword, which the
 * SMMU reads single-copy atomically: §3.21.3 lets such a field change
 * without making the STE invalid.  The caller then issues CMD_CFGI_STE and
 * CMD_SYNC and waits: from then on, with EATS = 0b00, the SMMU answers the
 * stream's ATS Translation Requests with UR and (SMMU_CR0.ATSCHK = 1)
 * terminates its Translated traffic with F_TRANSL_FORBIDDEN (§5.2 EATS).
 */
void invt_smmu_ste_set_eats(uint64_t *slot, uint8_t eats);

#endif /* INVTRACK_SMMUV3_CFG_H */
