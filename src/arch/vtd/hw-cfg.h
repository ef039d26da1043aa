/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * hw-cfg.h - Intel VT-d, hardware side: the scalable-mode translation
 * structures as the modelled unit reads them from memory.
 *
 * Written apart from the driver's builders (cfg.c): own field extraction
 * from the VT-d specification §9 ("Translation Structure Formats"):
 *	§9.2 "Scalable-Mode Root Entry": 256 entries of 128 bits indexed by
 *	    bus; lower half: LP [0], LCTP [63:12] (devfn 0-127); upper half:
 *	    UP [64], UCTP [127:76] (devfn 128-255); [11:1] and [75:65] reserved.
 *	§9.4 "Scalable-Mode Context Entry": 128 entries of 256 bits per
 *	    context table, indexed by devfn[6:0]; qw0: P [0], FPD [1], DTE [2],
 *	    PASIDE [3], PRE [4], reserved [8:5], PDTS [11:9] (2^(PDTS+7)
 *	    directory entries), PASIDDIRPTR [63:12]; qw1: RID_PASID [19:0],
 *	    RID_PRIV [20], reserved [63:21]; qw2, qw3 reserved.
 *	§9.5 "Scalable-Mode PASID Directory Entry": 64 bits, indexed by
 *	    PASID[19:6]: P [0], FPD [1], reserved [11:2], SMPTPTR [63:12].
 *	§9.6 "Scalable-Mode PASID Table Entry": 512 bits, 64 per table,
 *	    indexed by PASID[5:0]; qw0: P [0], FPD [1], AW [4:2], SSEE [5],
 *	    PGTT [8:6] (1 first-stage, 2 second-stage, 3 nested, 4 pass-
 *	    through), SSADE [9], reserved [11:10], SSPTPTR [63:12]; qw1: DID
 *	    [15:0], reserved [22:16], PWSNP [23], PGSNP [24], CD [25], EMTE [26],
 *	    EMT [29:27], PWT [30], PCD [31], PAT [63:32]; qw2: SRE [0], ERE [1],
 *	    FSPM [3:2] (0 4-level, 1 5-level), WPE [4], NXE [5], SMEP [6], EAFE
 *	    [7], reserved [11:8], FSPTPTR [63:12]; qw3-qw7 reserved.
 * An entry with P = 1 and a reserved bit set is invalid (the unit reports a
 * translation fault); an entry with P = 0 is not present whatever else it
 * holds.
 *
 * Memory ordering: each parser reads the quadword holding the present bit
 * first, with an acquire load: it pairs with the driver's release store of
 * that quadword, which it writes last when making an entry present, so the
 * other quadwords read after it are the ones written before.  The other
 * quadwords are read with relaxed atomic loads (the driver may be
 * rewriting a non-present entry concurrently).
 */
#ifndef INVTRACK_VTD_HW_CFG_H
#define INVTRACK_VTD_HW_CFG_H

#include <stdbool.h>
#include <stdint.h>

/* PASID table entry PGTT values (§9.6). */
#define VTD_HW_PGTT_FS		1
#define VTD_HW_PGTT_SS		2
#define VTD_HW_PGTT_NESTED	3
#define VTD_HW_PGTT_PT		4

/* Parse results. */
#define VTD_HW_CFG_OK		0
#define VTD_HW_CFG_NOT_PRESENT	1	/* P = 0 */
#define VTD_HW_CFG_RESERVED	2	/* P = 1 and a reserved bit set */

/**
 * struct vtd_hw_ctx - a scalable-mode context entry.
 * @fpd: fault processing disable.
 * @dte: device-TLB (ATS translation requests) enabled.
 * @paside: requests with PASID allowed.
 * @pre: page requests enabled.
 * @pdts: PASID directory size field: 2^(@pdts + 7) entries.
 * @pasid_dir: PASID directory address.
 * @rid_pasid: PASID whose entry requests without PASID use.
 * @rid_priv: privilege of requests without PASID.
 */
struct vtd_hw_ctx {
	bool fpd;
	bool dte;
	bool paside;
	bool pre;
	unsigned int pdts;
	uint64_t pasid_dir;
	uint32_t rid_pasid;
	bool rid_priv;
};

/**
 * struct vtd_hw_pasid - a scalable-mode PASID table entry (fields the model
 * uses, and the attributes it accepts but ignores are not kept).
 * @fpd: fault processing disable.
 * @aw: second-stage address width: 2 = 48-bit 4-level, 3 = 57-bit 5-level.
 * @pgtt: VTD_HW_PGTT_*.
 * @ssptptr: second-stage table root.
 * @did: domain id.
 * @sre: supervisor requests enabled.
 * @fspm: first-stage paging mode: 0 4-level, 1 5-level.
 * @fsptptr: first-stage table root.
 */
struct vtd_hw_pasid {
	bool fpd;
	unsigned int aw;
	unsigned int pgtt;
	uint64_t ssptptr;
	uint16_t did;
	bool sre;
	unsigned int fspm;
	uint64_t fsptptr;
};

/**
 * vtd_hw_root_parse() - the context table of a devfn from its root entry.
 * @root: the 128-bit root entry (two quadwords in memory).
 * @devfn: the requester's device/function (chooses the half).
 * @ctp: receives the context table's address.
 *
 * Return: VTD_HW_CFG_OK, _NOT_PRESENT or _RESERVED.
 */
int vtd_hw_root_parse(const uint64_t *root, uint8_t devfn, uint64_t *ctp);

/**
 * vtd_hw_ctx_parse() - parse a scalable-mode context entry.
 * @ce: its four quadwords in memory.
 * @out: receives the fields on success.
 *
 * Return: VTD_HW_CFG_OK, _NOT_PRESENT or _RESERVED.
 */
int vtd_hw_ctx_parse(const uint64_t *ce, struct vtd_hw_ctx *out);

/**
 * vtd_hw_pasid_dir_parse() - parse a PASID directory entry.
 * @pde: the entry in memory.
 * @table: receives the PASID table's address.
 *
 * Return: VTD_HW_CFG_OK, _NOT_PRESENT or _RESERVED.
 */
int vtd_hw_pasid_dir_parse(const uint64_t *pde, uint64_t *table);

/**
 * vtd_hw_pasid_parse() - parse a scalable-mode PASID table entry.
 * @pe: its eight quadwords in memory.
 * @out: receives the fields on success.
 *
 * Return: VTD_HW_CFG_OK, _NOT_PRESENT or _RESERVED (also for a PGTT value
 * the spec reserves: 0, 5-7).
 */
int vtd_hw_pasid_parse(const uint64_t *pe, struct vtd_hw_pasid *out);

/**
 * vtd_hw_ctx_offset() - where a requester's entries are.
 * @sid: requester id (bus << 8 | devfn).
 * @root_off: receives the root entry's offset in the root table.
 * @ctx_off: receives the context entry's offset in its context table.
 */
static inline void vtd_hw_ctx_offset(uint16_t sid, uint64_t *root_off, uint64_t *ctx_off)
{
	*root_off = 16 * (uint64_t)(sid >> 8);
	*ctx_off = 32 * (uint64_t)(sid & 0x7f);
}

/**
 * vtd_hw_pasid_offset() - where a PASID's entries are.
 * @ctx: the context entry.
 * @pasid: the PASID (20 bits).
 * @dir_off: receives the directory entry's offset in the directory.
 * @tab_off: receives the PASID entry's offset in its table.
 *
 * Return: true, or false when the PASID is beyond the directory's size
 * (PDTS), which the unit reports as a fault.
 */
bool vtd_hw_pasid_offset(const struct vtd_hw_ctx *ctx, uint32_t pasid, uint64_t *dir_off,
			 uint64_t *tab_off);

#endif /* INVTRACK_VTD_HW_CFG_H */
