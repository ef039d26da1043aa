// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fmt-arm.c - ARM VMSAv8-64 translation table descriptors, 4 KiB granule,
 * 48-bit input address, 4 levels (ARM lookup levels 0..3), stage 1 and 2.
 *
 * Source: ARM DDI0487 (Arm Architecture Reference Manual for A-profile),
 * chapter "The AArch64 Virtual Memory System Architecture".  Section numbers
 * are those of issues E.a-G.b (D5.x; issue A numbered the chapter D4, issues
 * J.a and later D8, with "Translation table descriptor formats" and "Memory
 * access control"); the titles quoted find them in any issue.  Summarised
 * in docs/hardware.md §4.  Stage 1 permission use by a device
 * follows ARM IHI0070 (SMMUv3).
 *
 * Our level n is ARM lookup level 3 - n.
 */
#include <invtrack/pt.h>

#include "pt-internal.h"

/*
 * Descriptor type, bits[1:0] (DDI0487 D5.3.1 "VMSAv8-64 translation table
 * level 0, level 1, and level 2 descriptor formats" and D5.3.2 "Armv8
 * translation table level 3 descriptor formats"):
 *   x0  invalid (bit 0 is the valid bit) at every level;
 *   01  block at levels 1 (1 GiB) and 2 (2 MiB); invalid (reserved) at
 *       level 0 with the 4 KiB granule and at level 3;
 *   11  table at levels 0-2, page at level 3.
 */
#define ARM_PTE_VALID PT_BIT(0)
#define ARM_PTE_TYPE_MASK PT_GENMASK(1, 0)
#define ARM_PTE_TYPE_BLOCK UINT64_C(1)
#define ARM_PTE_TYPE_TABLE UINT64_C(3)
#define ARM_PTE_TYPE_PAGE UINT64_C(3)

/*
 * Output address (D5.3.1, D5.3.2; 48-bit OA, no FEAT_LPA): next-level table
 * address [47:12] in a table descriptor, output address [47:12] in a page,
 * [47:21] in a level 2 block and [47:30] in a level 1 block (the bits below
 * are RES0 there; map only ever writes aligned addresses).
 */
#define ARM_PTE_ADDR_MASK PT_GENMASK(47, 12)

/*
 * Lower attributes shared by both stages (D5.3.3 "Memory attribute fields in
 * the VMSAv8-64 translation table format descriptors"):
 *   SH[1:0] at [9:8]: 0b11 Inner Shareable (D5.5 "Memory region attributes",
 *   shareability field encoding);
 *   AF at 10: the Access flag; a block or page with AF 0 raises an Access
 *   flag fault when used (D5.4 "Memory access control", "The Access flag").
 * XN fields at [54:53] (stage 1 UXN/PXN, stage 2 XN[1:0]) are left 0: the
 * mapping API has no execute permission, and 0 means executable.
 */
#define ARM_PTE_SH_SHIFT 8
#define ARM_PTE_SH_IS (UINT64_C(3) << ARM_PTE_SH_SHIFT)
#define ARM_PTE_AF PT_BIT(10)

/*
 * Stage 1 (D5.3.3 for the fields; D5.4 "Data access permissions for stage 1
 * translations" for AP):
 *   AttrIndx[2:0] at [4:2], index into MAIR: 0, see <invtrack/pt.h>;
 *   NS at 5, ignored for Non-secure streams: 0;
 *   AP[1] at 6: 1 = accessible from EL0 (unprivileged); SMMU transactions
 *   are unprivileged unless the STE overrides it (IHI0070 STE.PRIVCFG), so
 *   every stage 1 leaf sets it;
 *   AP[2] at 7: 1 = read-only, 0 = read/write.  Stage 1 cannot grant write
 *   without read;
 *   nG at 11: 1 = non-global: the entry is tagged with the ASID, so that
 *   TLBI_NH_ASID (which spares global entries) removes it.
 */
#define ARM_S1_ATTRINDX_SHIFT 2
#define ARM_S1_ATTRINDX_NORMAL 0
#define ARM_S1_AP_UNPRIV PT_BIT(6)
#define ARM_S1_AP_RDONLY PT_BIT(7)
#define ARM_S1_NG PT_BIT(11)

/*
 * Stage 2 (D5.3.3 for MemAttr; D5.4 "Data access permissions for stage 2
 * translations" for S2AP):
 *   MemAttr[3:0] at [5:2]: 0b1111 = Normal, Outer Write-Back Cacheable,
 *   Inner Write-Back Cacheable (stage 2 memory attributes, FWB not used);
 *   S2AP[1:0] at [7:6]: bit 6 grants read, bit 7 grants write.
 */
#define ARM_S2_MEMATTR_SHIFT 2
#define ARM_S2_MEMATTR_NORMAL_WB (UINT64_C(0xf) << ARM_S2_MEMATTR_SHIFT)
#define ARM_S2AP_READ PT_BIT(6)
#define ARM_S2AP_WRITE PT_BIT(7)

static bool arm_is_present(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	return pte & ARM_PTE_VALID;
}

static bool arm_is_table(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	/* 11 is a table at ARM levels 0-2 only, i.e. our levels 1-3. */
	return lvl > 0 && (pte & ARM_PTE_TYPE_MASK) == ARM_PTE_TYPE_TABLE;
}

static bool arm_is_leaf(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	uint64_t type = pte & ARM_PTE_TYPE_MASK;

	switch (lvl) {
	case 0:		/* ARM level 3: page */
		return type == ARM_PTE_TYPE_PAGE;
	case 1:		/* ARM level 2: 2 MiB block */
	case 2:		/* ARM level 1: 1 GiB block */
		return type == ARM_PTE_TYPE_BLOCK;
	default:	/* ARM level 0: no block with the 4 KiB granule */
		return false;
	}
}

static uint64_t arm_oa(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	return pte & ARM_PTE_ADDR_MASK;
}

static enum invt_pt_fault arm_leaf_fault(const struct invt_pt_fmt *fmt, uint64_t pte,
					 unsigned int lvl)
{
	return (pte & ARM_PTE_AF) ? INVT_PT_FAULT_NONE : INVT_PT_FAULT_ACCESS;
}

/*
 * Table descriptor: type 11 and the next-level table address (D5.3.1).  The
 * hierarchical attributes NSTable, APTable, XNTable, PXNTable at [63:59]
 * are left 0 (no restriction), the same for both stages.
 */
static uint64_t arm_make_table(const struct invt_pt_fmt *fmt, uint64_t table_pa,
			       unsigned int lvl)
{
	return (table_pa & ARM_PTE_ADDR_MASK) | ARM_PTE_TYPE_TABLE;
}

/* Block at our levels 1-2 (ARM 2-1), page at our level 0 (ARM 3). */
static uint64_t arm_leaf_type(unsigned int lvl)
{
	return lvl == 0 ? ARM_PTE_TYPE_PAGE : ARM_PTE_TYPE_BLOCK;
}

static uint64_t arm_s1_make_leaf(const struct invt_pt_fmt *fmt, uint64_t pa, unsigned int lvl,
				 unsigned int prot)
{
	uint64_t pte = (pa & ARM_PTE_ADDR_MASK) | arm_leaf_type(lvl);

	pte |= (uint64_t)ARM_S1_ATTRINDX_NORMAL << ARM_S1_ATTRINDX_SHIFT;
	pte |= ARM_S1_AP_UNPRIV | ARM_PTE_SH_IS | ARM_PTE_AF | ARM_S1_NG;
	if (!(prot & INVT_PT_WRITE))
		pte |= ARM_S1_AP_RDONLY;
	return pte;
}

/* What an unprivileged (device) access may do through a stage 1 leaf. */
static unsigned int arm_s1_leaf_prot(const struct invt_pt_fmt *fmt, uint64_t pte,
				     unsigned int lvl)
{
	if (!(pte & ARM_S1_AP_UNPRIV))
		return 0;	/* privileged only */
	return (pte & ARM_S1_AP_RDONLY) ? INVT_PT_READ : INVT_PT_READ | INVT_PT_WRITE;
}

static uint64_t arm_s2_make_leaf(const struct invt_pt_fmt *fmt, uint64_t pa, unsigned int lvl,
				 unsigned int prot)
{
	uint64_t pte = (pa & ARM_PTE_ADDR_MASK) | arm_leaf_type(lvl);

	pte |= ARM_S2_MEMATTR_NORMAL_WB | ARM_PTE_SH_IS | ARM_PTE_AF;
	if (prot & INVT_PT_READ)
		pte |= ARM_S2AP_READ;
	if (prot & INVT_PT_WRITE)
		pte |= ARM_S2AP_WRITE;
	return pte;
}

static unsigned int arm_s2_leaf_prot(const struct invt_pt_fmt *fmt, uint64_t pte,
				     unsigned int lvl)
{
	return ((pte & ARM_S2AP_READ) ? INVT_PT_READ : 0) |
	       ((pte & ARM_S2AP_WRITE) ? INVT_PT_WRITE : 0);
}

#define ARM_4K_48BIT_COMMON					\
	.levels = 4,						\
	.va_bits = 48,						\
	.oa_bits = 48,						\
	.granule_shift = 12,					\
	.bits_per_level = 9,					\
	.leaf_levels = 0x7,	/* 4 KiB, 2 MiB, 1 GiB */	\
	.is_present = arm_is_present,				\
	.present_mask = ARM_PTE_VALID,				\
	.is_table = arm_is_table,				\
	.is_leaf = arm_is_leaf,					\
	.oa = arm_oa,						\
	.leaf_fault = arm_leaf_fault,				\
	.make_table = arm_make_table

const struct invt_pt_fmt invt_pt_fmt_arm_s1_4k = {
	.name = "arm-s1-4k-48",
	ARM_4K_48BIT_COMMON,
	/* read-only, read/write */
	.prot_ok = (1u << INVT_PT_READ) | (1u << (INVT_PT_READ | INVT_PT_WRITE)),
	.leaf_prot = arm_s1_leaf_prot,
	.make_leaf = arm_s1_make_leaf,
};

const struct invt_pt_fmt invt_pt_fmt_arm_s2_4k = {
	.name = "arm-s2-4k-48",
	ARM_4K_48BIT_COMMON,
	/* read-only, write-only, read/write */
	.prot_ok = (1u << INVT_PT_READ) | (1u << INVT_PT_WRITE) |
		   (1u << (INVT_PT_READ | INVT_PT_WRITE)),
	.leaf_prot = arm_s2_leaf_prot,
	.make_leaf = arm_s2_make_leaf,
};
