/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/vtd-cfg.h - Intel VT-d, driver side: the scalable-mode
 * translation structures (root, context, PASID directory and PASID table
 * entries) and the order in which they are written.
 *
 * Layouts from the VT-d Architecture Specification chapter 9 "Translation
 * Structure Formats": §9.2 "Scalable-Mode Root Entry", §9.4 "Scalable-Mode
 * Context-Entry", §9.5 "Scalable-Mode PASID Directory Entry", §9.6
 * "Scalable-Mode PASID Table Entry".  Entries are 128, 256, 64 and 512 bits:
 * 2, 4, 1 and 8 64-bit words, little-endian in memory.  The builders return
 * the words as integers (word i holds bits [64i+63:64i]); the write helpers
 * store them little-endian.  The model's parser is separate code.
 *
 * Walk: RTADDR_REG (TTM = scalable) -> root table, 256 entries indexed by
 * bus; the lower context table holds devfn 0-127, the upper 128-255, each of
 * 128 256-bit entries (4 KiB) -> the PASID directory of 2^(PDTS+7) entries
 * indexed by PASID[19:6] -> a PASID table of 64 512-bit entries (4 KiB)
 * indexed by PASID[5:0].  Requests without PASID use the context entry's
 * RID_PASID (0 here).
 *
 * Ordering (what Linux's intel/pasid.c does, stated for the model):
 *  - every word is one single-copy-atomic 64-bit store;
 *  - the word holding the present bit (word 0 of every entry) is written
 *    last, with a release store; it pairs with the unit's acquire load of
 *    word 0, so a unit that sees P = 1 sees the other words too;
 *  - a present entry is never changed in place: clear it (word 0 first,
 *    P = 0), invalidate the caches that may hold it and wait, then write
 *    the new contents (clear-before-change).  The caller owns the
 *    invalidations; see <invtrack/vtd-driver.h> for the sequences.
 *  - A root entry's second present bit (UP, word 1) is written before word
 *    0: root entries are written before RTADDR_REG points at the table.
 * The caller serialises writers of one entry.
 */
#ifndef INVTRACK_VTD_CFG_H
#define INVTRACK_VTD_CFG_H

#include <stdbool.h>
#include <stdint.h>

#define INVT_VTD_ROOT_WORDS		2
#define INVT_VTD_CTX_WORDS		4
#define INVT_VTD_PDIR_WORDS		1
#define INVT_VTD_PASID_WORDS		8
/* Entries per table: root 256 (bus), context 128 (per half), PASID 64. */
#define INVT_VTD_ROOT_ENTRIES		256
#define INVT_VTD_CTX_ENTRIES		128
#define INVT_VTD_PASID_TABLE_ENTRIES	64
/* PDTS: the directory holds 2^(PDTS + 7) entries (PASIDs up to 2^20). */
#define INVT_VTD_PDTS_MAX		7
/* Structure pointers are 4 KiB aligned and below 2^52 (HAW). */
#define INVT_VTD_PTR_MASK		0x000ffffffffff000ull

/* PASID entry PGTT [8:6] (§9.6); 0 and 5-7 are reserved. */
#define INVT_VTD_PGTT_FS		1	/* first-stage only */
#define INVT_VTD_PGTT_SS		2	/* second-stage only */
#define INVT_VTD_PGTT_NESTED		3
#define INVT_VTD_PGTT_PT		4	/* pass-through */
/* AW [4:2]: adjusted guest address width (§9.6, as SAGAW bits). */
#define INVT_VTD_AW_39			1	/* 3-level */
#define INVT_VTD_AW_48			2	/* 4-level */
#define INVT_VTD_AW_57			3	/* 5-level */
/* FLPM [131:130]: first-stage paging mode. */
#define INVT_VTD_FLPM_4L		0
#define INVT_VTD_FLPM_5L		1

/**
 * struct invt_vtd_root_entry - a scalable-mode root entry (one bus).
 * @lp: lower present: @lctp is valid (devfn 0-127).
 * @lctp: lower scalable-mode context table.
 * @up: upper present: @uctp is valid (devfn 128-255).
 * @uctp: upper scalable-mode context table.
 *
 * A pointer whose present bit is clear must be 0.
 */
struct invt_vtd_root_entry {
	bool lp;
	uint64_t lctp;
	bool up;
	uint64_t uctp;
};

/**
 * struct invt_vtd_ctx_entry - a scalable-mode context entry (one devfn).
 * @present: P.  A non-present entry is all zeros: every field must be 0.
 * @fpd: FPD, fault processing disabled.
 * @dte: DTE, device-TLB (ATS translation requests) enabled.
 * @paside: PASIDE, requests with PASID allowed.
 * @pre: PRE, page requests allowed.
 * @pdts: PDTS, the directory holds 2^(@pdts + 7) entries, 0..7.
 * @pasid_dir: the PASID directory: 4 KiB aligned, below 2^52.
 * @rid_pasid: RID_PASID, the PASID of requests without one, below 2^20.
 * @rid_priv: RID_PRIV, requests without PASID are supervisor requests.
 */
struct invt_vtd_ctx_entry {
	bool present;
	bool fpd;
	bool dte;
	bool paside;
	bool pre;
	uint8_t pdts;
	uint64_t pasid_dir;
	uint32_t rid_pasid;
	bool rid_priv;
};

/**
 * struct invt_vtd_pdir_entry - a scalable-mode PASID directory entry.
 * @present: P.  A non-present entry is 0.
 * @fpd: FPD.
 * @table: the PASID table (64 entries): 4 KiB aligned, below 2^52.
 */
struct invt_vtd_pdir_entry {
	bool present;
	bool fpd;
	uint64_t table;
};

/**
 * struct invt_vtd_pasid_entry - a scalable-mode PASID table entry.
 * @present: P.  A non-present entry is all zeros: every field must be 0.
 * @fpd: FPD.
 * @aw: AW, an INVT_VTD_AW_* value (the second-stage table's depth; Linux
 *	writes the unit's AGAW for other PGTTs too).
 * @pgtt: an INVT_VTD_PGTT_* value.
 * @ssptptr: second-stage table (SS, NESTED): 4 KiB aligned, below 2^52.
 * @did: DID.
 * @pwsnp: PWSNP, page-walk snoop.
 * @pgsnp: PGSNP, page snoop.
 * @sre: SRE, supervisor requests (FS, NESTED).
 * @flpm: FLPM (FS, NESTED): INVT_VTD_FLPM_4L or _5L.
 * @wpe: WPE, write protect (FS, NESTED).
 * @nxe: NXE, execute-disable bit allowed (FS, NESTED).
 * @fsptptr: first-stage table (FS, NESTED): 4 KiB aligned, below 2^52.
 */
struct invt_vtd_pasid_entry {
	bool present;
	bool fpd;
	uint8_t aw;
	uint8_t pgtt;
	uint64_t ssptptr;
	uint16_t did;
	bool pwsnp;
	bool pgsnp;
	bool sre;
	uint8_t flpm;
	bool wpe;
	bool nxe;
	uint64_t fsptptr;
};

/**
 * invt_vtd_root_build() - encode a root entry.
 * @e: the entry.
 * @w: receives its 2 words.
 *
 * Return: 0, or -EINVAL (a pointer unaligned, too wide, or set without its
 * present bit) with @w untouched.
 */
int invt_vtd_root_build(const struct invt_vtd_root_entry *e, uint64_t w[INVT_VTD_ROOT_WORDS]);

/**
 * invt_vtd_ctx_build() - encode a context entry.
 * @e: the entry.
 * @w: receives its 4 words (words 2 and 3 are reserved, 0).
 *
 * Return: 0, or -EINVAL (a field set in a non-present entry, PDTS above 7,
 * a bad directory pointer, RID_PASID too wide) with @w untouched.
 */
int invt_vtd_ctx_build(const struct invt_vtd_ctx_entry *e, uint64_t w[INVT_VTD_CTX_WORDS]);

/**
 * invt_vtd_pdir_build() - encode a PASID directory entry.
 * @e: the entry.
 * @w: receives its word.
 *
 * Return: 0, or -EINVAL with @w untouched.
 */
int invt_vtd_pdir_build(const struct invt_vtd_pdir_entry *e, uint64_t *w);

/**
 * invt_vtd_pasid_build() - encode a PASID table entry.
 * @e: the entry.
 * @w: receives its 8 words (words 3..7 are 0).
 *
 * Rejects: a field set in a non-present entry; a reserved PGTT or AW; a
 * table pointer the PGTT does not use, or unaligned, or too wide; a missing
 * pointer the PGTT needs; FLPM above 1; SRE, FLPM, WPE or NXE with a PGTT
 * without first stage.
 *
 * Return: 0, or -EINVAL with @w untouched.
 */
int invt_vtd_pasid_build(const struct invt_vtd_pasid_entry *e, uint64_t w[INVT_VTD_PASID_WORDS]);

/**
 * invt_vtd_cfg_write() - store an entry: words 1..@n-1, then word 0.
 * @slot: the entry in memory, 8-byte aligned.
 * @w: its words from a builder.
 * @n: its number of words.
 *
 * Single-copy-atomic 64-bit stores, word 0 (the present bit) last with a
 * release store.  For a non-present slot (cleared, and the unit told so).
 */
void invt_vtd_cfg_write(uint64_t *slot, const uint64_t *w, unsigned int n);

/**
 * invt_vtd_cfg_break() - make an entry non-present, keeping its other words.
 * @slot: the entry in memory.
 *
 * Word 0 only (P = 0, release).  A unit that read word 0 before this store
 * reads the old words after it too, so what it caches is the old entry,
 * whole, and the invalidation (keyed by the old DID) the caller queues next
 * removes it; the caller waits for that invalidation before it changes the
 * other words.  (Zeroing them right away could let a unit combine the old
 * P = 1 with a zero DID, which no DID-keyed invalidation would ever reach.)
 */
void invt_vtd_cfg_break(uint64_t *slot);

/**
 * invt_vtd_cfg_clear() - make an entry non-present and zero it.
 * @slot: the entry in memory.
 * @n: its number of words.
 *
 * Word 0 first (P = 0, release), then the others.  For an entry the unit
 * may have cached while present, use invt_vtd_cfg_break(), invalidate and
 * wait first: this one is for entries already non-present to the unit.
 */
void invt_vtd_cfg_clear(uint64_t *slot, unsigned int n);

/**
 * invt_vtd_cfg_word() - word @i of an entry in memory, as an integer.
 * @slot: the entry.
 * @i: the word.
 *
 * Return: the word (one atomic load; the driver is the only writer).
 */
uint64_t invt_vtd_cfg_word(const uint64_t *slot, unsigned int i);

#endif /* INVTRACK_VTD_CFG_H */
