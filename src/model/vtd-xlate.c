// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * vtd-xlate.c - what translation in the modelled VT-d unit does its own way
 * (the rest is the shared unit's, unit-xlate.c): the configuration fetch
 * (root entry at RTADDR + 16 * bus, scalable-mode context entry, PASID
 * directory and PASID table entry of the request's PASID, or RID_PASID
 * without one, parsed by src/arch/vtd/hw-cfg.c), the scope of context- and
 * PASID-cache invalidations, and the walk formats.  IOTLB tags: first-stage
 * leaves (DID, PASID), second-stage leaves (DID, NONE), and with
 * INVT_MVTD_TAG_SID (the default) the requester id, which the lookup then
 * uses instead of the DID: (sid, PASID, page).
 *
 * A present entry that blocks the request is cached like any present one
 * (the only one: a context entry with PASIDE 0 for a request with PASID);
 * a not-present entry (the driver's way to block) or one with reserved
 * bits set is not (the unit reports CAP.CM = 0, §6.1: such entries are
 * cached only in Caching Mode).
 *
 * Supported (others fault, counted as faults; a failed fetch is not
 * cached): RTADDR.TTM = 01b (scalable mode); PGTT first-stage with FSPM 0
 * (4-level) or 1 (5-level) and ECAP.FLTS; PGTT second-stage with AW 2
 * (4-level) or AW 3 (5-level, with CAP.SAGAW 5-level) and ECAP.SLTS; PGTT
 * nested (011b) with both and ECAP.NEST: the first stage's tables guest
 * physical, translated by the second stage (unit-nest.c).  The root,
 * context and PASID structures are host physical in every mode.  The
 * first-stage global bit is not honoured (entries are filled non-global).
 */
#include <errno.h>
#include <string.h>

#include <invtrack/pt-vtd.h>

#include "vtd-internal.h"

#define MVTD_PAGE_MASK	UINT64_C(0xfff)
/* RTADDR_REG.TTM [11:10] (§11.4.5). */
#define RTADDR_TTM_MASK	(UINT64_C(3) << 10)

bool mvtd_cfg_in_scope(const void *scope, const struct invt_munit_cfg *c)
{
	return vtd_hw_cfg_in_scope(scope, (uint16_t)c->sid, (uint16_t)c->cfg_tag, c->entry_ssid);
}

bool mvtd_enabled(struct invt_munit *u)
{
	/* Relaxed: TES only gates; the root's acquire orders what is read. */
	return __atomic_load_n(&mvtd_of(u)->regs.gsts, __ATOMIC_RELAXED) & INVT_VTD_GSTS_TES;
}

int mvtd_leaf(const struct invt_munit_cfg *c, unsigned int stage, struct invt_pt_walk *res,
	      bool *global)
{
	(void)c;
	(void)stage;
	(void)res;
	*global = false;	/* the first-stage G bit is not honoured */
	return 0;
}

/* The page-table format of a PASID entry's stage and depth, or NULL. */
static const struct invt_pt_fmt *mvtd_fmt(const struct invt_mvtd *m, bool fs, bool five)
{
	const struct invt_pt_fmt *f;

	if (fs)
		f = five ? m->cfg.fmt_fs5 : m->cfg.fmt_fs4;
	else
		f = five ? m->cfg.fmt_ss5 : m->cfg.fmt_ss4;
	/* The library's formats (src/pt/fmt-vtd.c): no 5-level first stage. */
	if (!f && fs && !five)
		f = &invt_pt_fmt_vtd_fs_4l;
	else if (!f && !fs)
		f = five ? &invt_pt_fmt_vtd_ss_5l : &invt_pt_fmt_vtd_ss_4l;
	return f;
}

/* A host pointer to a structure in model memory, or NULL. */
static const uint64_t *mvtd_va(struct invt_mvtd *m, uint64_t pa)
{
	return invt_mem_va(m->u.mem, pa);
}

/* Translation type and table of a parsed PASID entry.  Return: 0, -EFAULT. */
static int cfg_stage(struct invt_mvtd *m, const struct vtd_hw_pasid *pe, struct invt_munit_cfg *c)
{
	unsigned int s;

	switch (pe->pgtt) {
	case VTD_HW_PGTT_FS:
		if (!m->cfg.flts || pe->fspm > 1)
			return -EFAULT;
		s = INVT_MUNIT_S1;
		c->tag_s1 = c->entry_ssid;
		c->fmt[s] = mvtd_fmt(m, true, pe->fspm == 1);
		c->root[s] = pe->fsptptr & ~MVTD_PAGE_MASK;
		break;
	case VTD_HW_PGTT_SS:
		if (!m->cfg.slts || (pe->aw != 2 && !(pe->aw == 3 && m->cfg.sagaw5)))
			return -EFAULT;
		s = INVT_MUNIT_S2;
		c->tag_s1 = INVT_CACHE_ID_NONE;
		c->fmt[s] = mvtd_fmt(m, false, pe->aw == 3);
		c->root[s] = pe->ssptptr & ~MVTD_PAGE_MASK;
		break;
	case VTD_HW_PGTT_NESTED:
		/*
		 * §3.8, §9.6: FSPTPTR and every first-stage table are guest
		 * physical, each access translated by the second stage from
		 * SSPTPTR (unit-nest.c); combined entries tagged (DID, PASID).
		 */
		if (!m->cfg.nest || pe->fspm > 1 || (pe->aw != 2 && !(pe->aw == 3 && m->cfg.sagaw5)))
			return -EFAULT;
		c->tag_s1 = c->entry_ssid;
		c->fmt[INVT_MUNIT_S1] = mvtd_fmt(m, true, pe->fspm == 1);
		c->root[INVT_MUNIT_S1] = pe->fsptptr & ~MVTD_PAGE_MASK;
		c->fmt[INVT_MUNIT_S2] = mvtd_fmt(m, false, pe->aw == 3);
		c->root[INVT_MUNIT_S2] = pe->ssptptr & ~MVTD_PAGE_MASK;
		c->stages = INVT_MUNIT_STAGE(INVT_MUNIT_S1) | INVT_MUNIT_STAGE(INVT_MUNIT_S2);
		return c->fmt[INVT_MUNIT_S1] && c->fmt[INVT_MUNIT_S2] ? 0 : -EFAULT;
	default:	/* pass-through: not modelled */
		return -EFAULT;
	}
	c->stages = INVT_MUNIT_STAGE(s);
	return c->fmt[s] ? 0 : -EFAULT;
}

int mvtd_cfg_fetch(struct invt_munit *u, uint32_t sid, uint32_t ssid, struct invt_munit_cfg *c)
{
	struct invt_mvtd *m = mvtd_of(u);
	unsigned int pasid_bits = m->cfg.pasid_bits ? m->cfg.pasid_bits : 20;
	uint64_t rtaddr, roff, coff, doff, toff, ctp, ptab;
	const uint64_t *va;
	struct vtd_hw_pasid pe;
	struct vtd_hw_ctx ctx;

	u->n.cfg_fetches++;
	/*
	 * Acquire: pairs with the consumer's release store of the root it
	 * latched at SRTP, itself after the driver's release of the GCMD write
	 * that followed the root table's initialisation.  Forbids reading the
	 * table before it.
	 */
	rtaddr = __atomic_load_n(&m->hq.root, __ATOMIC_ACQUIRE);
	if ((rtaddr & RTADDR_TTM_MASK) != INVT_VTD_RTADDR_TTM_SM)
		return -EFAULT;		/* legacy or reserved mode: not modelled */
	vtd_hw_ctx_offset((uint16_t)sid, &roff, &coff);
	va = mvtd_va(m, (rtaddr & ~MVTD_PAGE_MASK) + roff);
	if (!va || vtd_hw_root_parse(va, (uint8_t)sid, &ctp))
		return -EFAULT;
	va = mvtd_va(m, ctp + coff);
	if (!va || vtd_hw_ctx_parse(va, &ctx))
		return -EFAULT;
	c->entry_ssid = ssid ? ssid : ctx.rid_pasid;
	if (ssid && !ctx.paside) {
		/*
		 * A request with PASID through a present context entry whose
		 * PASIDE is 0 is blocked by that entry (§9.4), which the
		 * context cache may hold as any present one (§6.2.1); software
		 * invalidates it after changing the entry (§6.5.3.3).  Cached.
		 */
		c->blocks = true;
		return 0;
	}
	if (ssid && (!m->cfg.pasid || (ssid >> pasid_bits)))
		return -EFAULT;
	c->ats = ctx.dte;
	if (!vtd_hw_pasid_offset(&ctx, c->entry_ssid, &doff, &toff))
		return -EFAULT;
	va = mvtd_va(m, ctx.pasid_dir + doff);
	if (!va || vtd_hw_pasid_dir_parse(va, &ptab))
		return -EFAULT;
	va = mvtd_va(m, ptab + toff);
	if (!va || vtd_hw_pasid_parse(va, &pe))
		return -EFAULT;
	c->cfg_tag = pe.did;
	c->tag_s2 = pe.did;
	return cfg_stage(m, &pe, c);
}
