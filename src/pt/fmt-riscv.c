// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fmt-riscv.c - RISC-V Sv39 / Sv48 / Sv57 page-table entries, first stage
 * and G-stage (SvNNx4), for the generic walker.
 *
 * Source: RISC-V Privileged Architecture (version 20211203 and later),
 * section "Sv39: Page-Based 39-bit Virtual-Memory System" ("Addressing and
 * Memory Protection", "Virtual Address Translation Process"), the Sv48 and
 * Sv57 sections, "Svnapot" and "Svpbmt" for bits 63..61, and the hypervisor
 * chapter's "Two-Stage Address Translation" / "Guest Physical Address
 * Translation" for the x4 formats.  The RISC-V IOMMU 1.0 specification
 * walks both stages with these same rules.  Summarised in docs/hardware.md
 * §4.  Our level n is RISC-V level n (both count from the leaf).
 */
#include <stddef.h>

#include <invtrack/pt-riscv.h>

#include "pt-internal.h"

/*
 * PTE bits (Privileged spec, "Sv39 page table entry" figure):
 *   V 0: valid; R 1, W 2, X 3: permissions, all 0 = pointer to the next
 *   level; U 4: accessible in U-mode; G 5: global mapping; A 6: accessed;
 *   D 7: dirty; RSW [9:8]: for software; PPN [53:10]; bits [60:54] reserved
 *   (must be 0, else page fault); PBMT [62:61] (Svpbmt) and N 63 (Svnapot),
 *   0 here: an IOMMU without those extensions faults on them, and every
 *   non-leaf PTE must have them 0.
 */
#define RV_PTE_V	PT_BIT(0)
#define RV_PTE_R	PT_BIT(1)
#define RV_PTE_W	PT_BIT(2)
#define RV_PTE_X	PT_BIT(3)
#define RV_PTE_U	PT_BIT(4)
#define RV_PTE_G	PT_BIT(5)
#define RV_PTE_A	PT_BIT(6)
#define RV_PTE_D	PT_BIT(7)
#define RV_PTE_RWX	(RV_PTE_R | RV_PTE_W | RV_PTE_X)
#define RV_PTE_PPN_SHIFT 10
#define RV_PTE_PPN_MASK	PT_GENMASK(53, 10)
#define RV_PTE_HIGH	PT_GENMASK(63, 54)	/* reserved, PBMT, N */
#define RV_PAGE_SHIFT	12

/* Output address bits: PPN[43:0] of 4 KiB pages. */
#define RV_OA_BITS	56

static uint64_t rv_pa(uint64_t pte)
{
	return ((pte & RV_PTE_PPN_MASK) >> RV_PTE_PPN_SHIFT) << RV_PAGE_SHIFT;
}

static bool rv_is_present(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	return pte & RV_PTE_V;
}

/* "If pte.r = 0 and pte.x = 0" (and w = 0, else reserved): next level. */
static bool rv_is_table(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	return lvl > 0 && !(pte & RV_PTE_RWX) && !(pte & RV_PTE_HIGH);
}

/*
 * A leaf: R or X set, not the reserved W-without-R, no reserved high bits,
 * and, above level 0, a superpage whose PPN is aligned to its size ("if
 * i > 0 and pte.ppn[i-1:0] != 0, this is a misaligned superpage; stop and
 * raise a page-fault exception").
 */
static bool rv_is_leaf(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	uint64_t align = pt_lvl_size(fmt, lvl) - 1;

	if (!(pte & (RV_PTE_R | RV_PTE_X)) || ((pte & RV_PTE_W) && !(pte & RV_PTE_R)))
		return false;
	if (pte & RV_PTE_HIGH)
		return false;
	return !(rv_pa(pte) & align);
}

static uint64_t rv_oa(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	return rv_pa(pte);
}

/*
 * A = 0: without hardware A/D updating (DC.tc.SADE / GADE = 0) the access
 * raises a page fault.  (D = 0 on a write does too: leaf_prot drops WRITE.)
 */
static enum invt_pt_fault rv_leaf_fault(const struct invt_pt_fmt *fmt, uint64_t pte,
					unsigned int lvl)
{
	return (pte & RV_PTE_A) ? INVT_PT_FAULT_NONE : INVT_PT_FAULT_ACCESS;
}

/*
 * What a user-mode access (an IOMMU request without privilege, or any
 * G-stage access) may do: nothing without U; write needs W and D.
 */
static unsigned int rv_leaf_prot(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	unsigned int prot = 0;

	if (!(pte & RV_PTE_U))
		return 0;
	if (pte & RV_PTE_R)
		prot |= INVT_PT_READ;
	if ((pte & RV_PTE_W) && (pte & RV_PTE_D))
		prot |= INVT_PT_WRITE;
	return prot;
}

/* Non-leaf: V only; D, A, U are reserved for non-leaf PTEs and left 0. */
static uint64_t rv_make_table(const struct invt_pt_fmt *fmt, uint64_t table_pa,
			      unsigned int lvl)
{
	return ((table_pa >> RV_PAGE_SHIFT) << RV_PTE_PPN_SHIFT) | RV_PTE_V;
}

static uint64_t rv_make_leaf(const struct invt_pt_fmt *fmt, uint64_t pa, unsigned int lvl,
			     unsigned int prot)
{
	uint64_t pte = ((pa >> RV_PAGE_SHIFT) << RV_PTE_PPN_SHIFT) & RV_PTE_PPN_MASK;

	pte |= RV_PTE_V | RV_PTE_R | RV_PTE_U | RV_PTE_A | RV_PTE_D;
	if (prot & INVT_PT_WRITE)
		pte |= RV_PTE_W;
	return pte;
}

#define RV_COMMON						\
	.oa_bits = RV_OA_BITS,					\
	.granule_shift = 12,					\
	.bits_per_level = 9,					\
	/* read-only, read/write */				\
	.prot_ok = (1u << INVT_PT_READ) | (1u << (INVT_PT_READ | INVT_PT_WRITE)), \
	.is_present = rv_is_present,				\
	.present_mask = RV_PTE_V,				\
	.is_table = rv_is_table,				\
	.is_leaf = rv_is_leaf,					\
	.oa = rv_oa,						\
	.leaf_prot = rv_leaf_prot,				\
	.leaf_fault = rv_leaf_fault,				\
	.make_table = rv_make_table,				\
	.make_leaf = rv_make_leaf

/* First stage: the lower half of an N-bit sign-extended space. */
const struct invt_pt_fmt invt_pt_fmt_rv_sv39 = {
	.name = "riscv-sv39",
	RV_COMMON,
	.levels = 3,
	.va_bits = 38,
	.leaf_levels = 0x7,	/* 4 KiB, 2 MiB, 1 GiB */
};

const struct invt_pt_fmt invt_pt_fmt_rv_sv48 = {
	.name = "riscv-sv48",
	RV_COMMON,
	.levels = 4,
	.va_bits = 47,
	.leaf_levels = 0xf,	/* ... 512 GiB */
};

const struct invt_pt_fmt invt_pt_fmt_rv_sv57 = {
	.name = "riscv-sv57",
	RV_COMMON,
	.levels = 5,
	.va_bits = 56,
	.leaf_levels = 0x1f,	/* ... 256 TiB */
};

/*
 * G-stage SvNNx4 ("Guest Physical Address Translation"): the guest physical
 * address is N + 2 bits wide, zero-extended; the root table has 2^11
 * entries, is 16 KiB and 16 KiB aligned.
 */
const struct invt_pt_fmt invt_pt_fmt_rv_sv39x4 = {
	.name = "riscv-sv39x4",
	RV_COMMON,
	.levels = 3,
	.va_bits = 41,
	.root_extra_bits = 2,
	.leaf_levels = 0x7,
};

const struct invt_pt_fmt invt_pt_fmt_rv_sv48x4 = {
	.name = "riscv-sv48x4",
	RV_COMMON,
	.levels = 4,
	.va_bits = 50,
	.root_extra_bits = 2,
	.leaf_levels = 0xf,
};

const struct invt_pt_fmt invt_pt_fmt_rv_sv57x4 = {
	.name = "riscv-sv57x4",
	RV_COMMON,
	.levels = 5,
	.va_bits = 59,
	.root_extra_bits = 2,
	.leaf_levels = 0x1f,
};

const struct invt_pt_fmt *invt_pt_fmt_rv_by_mode(bool gstage, unsigned int mode)
{
	switch (mode) {
	case INVT_RV_ATP_MODE_SV39:
		return gstage ? &invt_pt_fmt_rv_sv39x4 : &invt_pt_fmt_rv_sv39;
	case INVT_RV_ATP_MODE_SV48:
		return gstage ? &invt_pt_fmt_rv_sv48x4 : &invt_pt_fmt_rv_sv48;
	case INVT_RV_ATP_MODE_SV57:
		return gstage ? &invt_pt_fmt_rv_sv57x4 : &invt_pt_fmt_rv_sv57;
	default:
		return NULL;
	}
}
