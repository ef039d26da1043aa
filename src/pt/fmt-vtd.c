// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fmt-vtd.c - Intel VT-d paging entries: second stage (4- and 5-level) and
 * first stage (x86-64 4-level, lower half), 4 KiB granule.
 *
 * Source: Intel VT-d Architecture Specification, §9.8 "First-Stage Paging
 * Entries" (which defers to the Intel 64 SDM vol. 3 §4.5 "4-Level Paging
 * and 5-Level Paging" for the IA-32e format) and §9.9 "Second-Stage Paging
 * Entries"; walks in §3.6 "First-Stage Translation" and §3.7
 * "Second-Stage Translation".  Summary: docs/hardware.md §2, "Tags".
 * What is built and why: <invtrack/pt-vtd.h>.
 *
 * VT-d numbers levels from the leaf up starting at 1 (SL-PTE level 1,
 * SL-PDE 2, SL-PDPE 3, SL-PML4E 4, SL-PML5E 5); our level n is its n + 1.
 */
#include <invtrack/pt-vtd.h>

#include "pt-internal.h"

/*
 * Address of the next table or of the page, [51:12] in every entry of both
 * stages (HAW and MAXPHYADDR at most 52; bits up to HAW-1 are used, the rest
 * below 52 are reserved and map never sets them).  In superpage entries
 * the bits below the page size are reserved; map writes aligned addresses.
 */
#define VTD_PTE_ADDR_MASK	PT_GENMASK(51, 12)

/*
 * Second stage (§9.9, "Format for Second-Stage Paging Entries"):
 *   R at 0 and W at 1: read and write permission; an entry is present when
 *   either is set (and X, bit 2, when ECAP.SLEE, not used: left 0);
 *   EMT [5:3], IPAT 6: memory type, only with ECAP.MTS: 0;
 *   PS at 7 in SL-PDE (2 MiB) and SL-PDPE (1 GiB): the entry maps a page;
 *   reserved in SL-PML4E and SL-PML5E, ignored in SL-PTE;
 *   A 8, D 9: accessed/dirty, written by hardware only with SSADE: 0;
 *   SNP at 11: snoop, only with ECAP.SC: 0.
 * Table entries get R and W, so that the leaf alone decides (the walk ANDs
 * the permissions of every level, §3.7.2).
 */
#define SS_R		PT_BIT(0)
#define SS_W		PT_BIT(1)
#define SS_PS		PT_BIT(7)

/*
 * First stage, IA-32e paging (§9.8, SDM vol. 3 §4.5 tables "Format of a
 * PML4 Entry" through "Format of a Page-Table Entry that Maps a 4-KByte
 * Page"):
 *   P 0 present; R/W 1 writes allowed; U/S 2 user-mode accesses allowed;
 *   PWT 3, PCD 4: left 0 (write-back);
 *   A 5 accessed; D 6 dirty (leaves only);
 *   PS 7 in a PDE (2 MiB) or PDPTE (1 GiB): the entry maps a page; reserved
 *   in a PML4E; PAT in a PTE (left 0);
 *   G 8 global (leaves): left 0, so that PASID-selective invalidation (which
 *   spares global entries) removes them;
 *   XD 63 execute-disable: left 0 (reserved while the PASID entry's NXE is
 *   0, which is how the driver writes it).
 * Requests from devices are user requests (PASID entry SRE = 0): U/S is set
 * at every level; R/W and A at every table level too, so the leaf decides.
 */
#define FS_P		PT_BIT(0)
#define FS_RW		PT_BIT(1)
#define FS_US		PT_BIT(2)
#define FS_A		PT_BIT(5)
#define FS_D		PT_BIT(6)
#define FS_PS		PT_BIT(7)

/* Which of our levels may hold a superpage (VT-d levels 2 and 3). */
static bool superpage_level(unsigned int lvl)
{
	return lvl == 1 || lvl == 2;
}

/* ---------------------------------------------------------- second stage */

static bool ss_is_present(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	return pte & (SS_R | SS_W);
}

static bool ss_is_table(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	/* PS set where it is reserved (SL-PML4E/PML5E): neither (a fault). */
	return lvl > 0 && ss_is_present(fmt, pte, lvl) && !(pte & SS_PS);
}

static bool ss_is_leaf(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	if (!ss_is_present(fmt, pte, lvl))
		return false;
	if (lvl == 0)
		return true;	/* SL-PTE: bit 7 is ignored */
	return superpage_level(lvl) && (pte & SS_PS);
}

static uint64_t vtd_oa(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	return pte & VTD_PTE_ADDR_MASK;
}

static unsigned int ss_leaf_prot(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	return ((pte & SS_R) ? INVT_PT_READ : 0) | ((pte & SS_W) ? INVT_PT_WRITE : 0);
}

static uint64_t ss_make_table(const struct invt_pt_fmt *fmt, uint64_t table_pa,
			      unsigned int lvl)
{
	return (table_pa & VTD_PTE_ADDR_MASK) | SS_R | SS_W;
}

static uint64_t ss_make_leaf(const struct invt_pt_fmt *fmt, uint64_t pa, unsigned int lvl,
			     unsigned int prot)
{
	uint64_t pte = pa & VTD_PTE_ADDR_MASK;

	if (prot & INVT_PT_READ)
		pte |= SS_R;
	if (prot & INVT_PT_WRITE)
		pte |= SS_W;
	if (lvl > 0)
		pte |= SS_PS;
	return pte;
}

#define VTD_SS_COMMON						\
	.oa_bits = 52,						\
	.granule_shift = 12,					\
	.bits_per_level = 9,					\
	.leaf_levels = 0x7,	/* 4 KiB, 2 MiB, 1 GiB */	\
	/* read-only, write-only, read/write */			\
	.prot_ok = (1u << INVT_PT_READ) | (1u << INVT_PT_WRITE) |	\
		   (1u << (INVT_PT_READ | INVT_PT_WRITE)),	\
	.is_present = ss_is_present,				\
	.present_mask = SS_R | SS_W,				\
	.is_table = ss_is_table,				\
	.is_leaf = ss_is_leaf,					\
	.oa = vtd_oa,						\
	.leaf_prot = ss_leaf_prot,				\
	.make_table = ss_make_table,				\
	.make_leaf = ss_make_leaf

const struct invt_pt_fmt invt_pt_fmt_vtd_ss_4l = {
	.name = "vtd-ss-4l-48",
	.levels = 4,
	.va_bits = 48,
	VTD_SS_COMMON,
};

const struct invt_pt_fmt invt_pt_fmt_vtd_ss_5l = {
	.name = "vtd-ss-5l-57",
	.levels = 5,
	.va_bits = 57,
	VTD_SS_COMMON,
};

/* ----------------------------------------------------------- first stage */

static bool fs_is_present(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	return pte & FS_P;
}

static bool fs_is_table(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	/* PS in a PML4E is reserved: neither table nor leaf (a fault). */
	return lvl > 0 && (pte & FS_P) && !(pte & FS_PS);
}

static bool fs_is_leaf(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	if (!(pte & FS_P))
		return false;
	if (lvl == 0)
		return true;	/* PTE: bit 7 is PAT */
	return superpage_level(lvl) && (pte & FS_PS);
}

/*
 * What a user-mode (device) access may do through a leaf: nothing without
 * U/S (supervisor page), read when present, write with R/W.  Table entries
 * built here never restrict (U/S and R/W set).
 */
static unsigned int fs_leaf_prot(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	if (!(pte & FS_US))
		return 0;
	return (pte & FS_RW) ? INVT_PT_READ | INVT_PT_WRITE : INVT_PT_READ;
}

static uint64_t fs_make_table(const struct invt_pt_fmt *fmt, uint64_t table_pa,
			      unsigned int lvl)
{
	return (table_pa & VTD_PTE_ADDR_MASK) | FS_P | FS_RW | FS_US | FS_A;
}

static uint64_t fs_make_leaf(const struct invt_pt_fmt *fmt, uint64_t pa, unsigned int lvl,
			     unsigned int prot)
{
	uint64_t pte = (pa & VTD_PTE_ADDR_MASK) | FS_P | FS_US | FS_A;

	if (prot & INVT_PT_WRITE)
		pte |= FS_RW | FS_D;
	if (lvl > 0)
		pte |= FS_PS;
	return pte;
}

const struct invt_pt_fmt invt_pt_fmt_vtd_fs_4l = {
	.name = "vtd-fs-4l-47",
	.levels = 4,
	.va_bits = 47,		/* the lower half of the canonical 48-bit space */
	.oa_bits = 52,
	.granule_shift = 12,
	.bits_per_level = 9,
	.leaf_levels = 0x7,	/* 4 KiB, 2 MiB, 1 GiB */
	/* read-only, read/write: present always grants read */
	.prot_ok = (1u << INVT_PT_READ) | (1u << (INVT_PT_READ | INVT_PT_WRITE)),
	.is_present = fs_is_present,
	.present_mask = FS_P,
	.is_table = fs_is_table,
	.is_leaf = fs_is_leaf,
	.oa = vtd_oa,
	.leaf_prot = fs_leaf_prot,
	.make_table = fs_make_table,
	.make_leaf = fs_make_leaf,
};
