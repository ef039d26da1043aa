// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cfg.c - RISC-V IOMMU device and process contexts (driver side): builders,
 * and the stores that install them.
 *
 * Field positions: RISC-V IOMMU 1.0 §2.1.3 "Device-context fields"
 * ("Translation control (tc)", "IO hypervisor guest address translation
 * and protection (iohgatp)", "Translation attributes (ta)", "First-Stage
 * context (fsc)"), §2.2.1 "Process-context fields".  The model's parser is
 * written separately on purpose: do not share these definitions with it.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <invtrack/riscv-cfg.h>

/* iohgatp, iosatp, pdtp: PPN [43:0], GSCID [59:44] (iohgatp), MODE [63:60]. */
#define ATP_PPN_MASK	((1ull << 44) - 1)
#define ATP_GSCID_SHIFT	44
#define ATP_MODE_SHIFT	60
/* ta.PSCID [31:12] (DC with PDTV = 0, and PC). */
#define TA_PSCID_SHIFT	12
#define PSCID_LIMIT	(1u << 20)
#define GSCID_LIMIT	(1u << 16)
/* Physical addresses: PPN of 44 bits. */
#define PA_LIMIT_SHIFT	56

static bool atp_mode_ok(uint8_t mode)
{
	return mode == INVT_RV_ATP_MODE_BARE || mode == INVT_RV_ATP_MODE_SV39 ||
	       mode == INVT_RV_ATP_MODE_SV48 || mode == INVT_RV_ATP_MODE_SV57;
}

/* A root at @pa aligned to @align, or 0 exactly when @bare. */
static bool root_ok(bool bare, uint64_t pa, uint64_t align)
{
	if (bare)
		return pa == 0;
	return !(pa & (align - 1)) && !(pa >> PA_LIMIT_SHIFT);
}

static uint64_t atp(uint8_t mode, uint64_t pa)
{
	return (uint64_t)mode << ATP_MODE_SHIFT | ((pa >> 12) & ATP_PPN_MASK);
}

int invt_rv_dc_build(const struct invt_rv_dc *dc, uint64_t w[INVT_RV_DC_WORDS_MAX])
{
	uint64_t tc = 0, iohgatp, ta = 0, fsc;

	if (!dc->valid) {
		/* Field by field: padding is not part of the value. */
		if (dc->en_ats || dc->dtf || dc->pdtv || dc->dpe || dc->iohgatp_mode ||
		    dc->gscid || dc->iohgatp_pa || dc->pscid || dc->fsc_mode || dc->fsc_pa)
			return -EINVAL;
		memset(w, 0, INVT_RV_DC_WORDS_MAX * sizeof(*w));
		return 0;
	}
	if ((dc->dpe && !dc->pdtv) || dc->pscid >= PSCID_LIMIT || dc->gscid >= GSCID_LIMIT)
		return -EINVAL;
	/* iohgatp: Bare, or SvNNx4 with a 16 KiB aligned root. */
	if (!atp_mode_ok(dc->iohgatp_mode) ||
	    !root_ok(dc->iohgatp_mode == INVT_RV_ATP_MODE_BARE, dc->iohgatp_pa, 16384) ||
	    (dc->iohgatp_mode == INVT_RV_ATP_MODE_BARE && dc->gscid))
		return -EINVAL;
	if (dc->pdtv) {
		/* fsc = pdtp; ta.PSCID is not used (each PC has its own). */
		if (dc->pscid || dc->fsc_mode < INVT_RV_PDTP_MODE_PD8 ||
		    dc->fsc_mode > INVT_RV_PDTP_MODE_PD20 || !root_ok(false, dc->fsc_pa, 4096))
			return -EINVAL;
	} else if (!atp_mode_ok(dc->fsc_mode) ||
		   !root_ok(dc->fsc_mode == INVT_RV_ATP_MODE_BARE, dc->fsc_pa, 4096)) {
		return -EINVAL;
	}

	tc = INVT_RV_DC_TC_V;
	tc |= dc->en_ats ? INVT_RV_DC_TC_EN_ATS : 0;
	tc |= dc->dtf ? INVT_RV_DC_TC_DTF : 0;
	tc |= dc->pdtv ? INVT_RV_DC_TC_PDTV : 0;
	tc |= dc->dpe ? INVT_RV_DC_TC_DPE : 0;
	iohgatp = atp(dc->iohgatp_mode, dc->iohgatp_pa) | (uint64_t)dc->gscid << ATP_GSCID_SHIFT;
	if (!dc->pdtv)
		ta = (uint64_t)dc->pscid << TA_PSCID_SHIFT;
	fsc = atp(dc->fsc_mode, dc->fsc_pa);

	w[0] = tc;
	w[1] = iohgatp;
	w[2] = ta;
	w[3] = fsc;
	/* Extended format: msiptp (MODE Off), msi_addr_mask, _pattern, reserved. */
	w[4] = w[5] = w[6] = w[7] = 0;
	return 0;
}

int invt_rv_pc_build(const struct invt_rv_pc *pc, uint64_t w[INVT_RV_PC_WORDS])
{
	if (!pc->valid) {
		if (pc->ens || pc->sum || pc->pscid || pc->mode || pc->pa)
			return -EINVAL;
		w[0] = w[1] = 0;
		return 0;
	}
	if ((pc->sum && !pc->ens) || pc->pscid >= PSCID_LIMIT || !atp_mode_ok(pc->mode) ||
	    !root_ok(pc->mode == INVT_RV_ATP_MODE_BARE, pc->pa, 4096))
		return -EINVAL;
	w[0] = INVT_RV_PC_TA_V | (pc->ens ? INVT_RV_PC_TA_ENS : 0) |
	       (pc->sum ? INVT_RV_PC_TA_SUM : 0) | (uint64_t)pc->pscid << TA_PSCID_SHIFT;
	w[1] = atp(pc->mode, pc->pa);
	return 0;
}

void invt_rv_cfg_write(uint64_t *slot, const uint64_t *w, unsigned int n)
{
	unsigned int i;

	for (i = 1; i < n; i++)
		__atomic_store_n(&slot[i], htole64(w[i]), __ATOMIC_RELAXED);
	/*
	 * Release: pairs with the IOMMU's acquire load of word 0 (tc / ta)
	 * when it fetches the context.  Forbids it seeing V = 1 with any of
	 * the words above still old.
	 */
	__atomic_store_n(&slot[0], htole64(w[0]), __ATOMIC_RELEASE);
}

void invt_rv_cfg_break(uint64_t *slot)
{
	/*
	 * Relaxed: the IODIR invalidation that follows is published by the
	 * queue's release store of cqt, which orders this store before it.
	 */
	__atomic_store_n(&slot[0], 0, __ATOMIC_RELAXED);
}

void invt_rv_cfg_clear(uint64_t *slot, unsigned int n)
{
	unsigned int i;

	/* V = 0 and known to the IOMMU: the other words are ignored. */
	for (i = 0; i < n; i++)
		__atomic_store_n(&slot[i], 0, __ATOMIC_RELAXED);
}
