// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * vtd-xlate.c - translation in the modelled VT-d unit: the configuration
 * cache, IOTLB, paging-structure cache and device TLBs
 * (<invtrack/model/vtd.h>).
 *
 * One translation, under the unit lock (the IOTLB's), so that it is atomic
 * with respect to every descriptor the executor applies:
 *  1. configuration of (requester id, PASID): the configuration cache, or a
 *     fetch of root entry (RTADDR + 16 * bus), scalable-mode context entry,
 *     PASID directory entry and PASID table entry (of the request's PASID,
 *     or RID_PASID without one), parsed by src/arch/vtd/hw-cfg.c.  A cached
 *     one is checked by the oracle before use (STALE_CONFIG);
 *  2. the IOTLB: first-stage leaves tagged (DID, PASID), second-stage
 *     leaves (DID, NONE), and with INVT_MVTD_TAG_SID (the default) the
 *     requester id, which the lookup then uses instead of the DID: (sid,
 *     PASID, page); a hit is checked (WRONG_DOMAIN, STALE_TLB) and used;
 *  3. else the paging-structure cache (the last table of an earlier walk,
 *     same tags): a hit is checked and the walk continues from that table;
 *     else the walk starts at FSPTPTR / SSPTPTR (invt_pt_hw_walk);
 *  4. the leaf and the paging-structure entry of its last table are filled.
 * An ATS device first looks in its own device TLB, under that TLB's lock,
 * which it keeps across the translation request and the fill (mdev.c, shared
 * by every modelled unit).
 *
 * Supported (others fault, counted as faults; a failed fetch is not
 * cached): RTADDR.TTM = 01b (scalable mode); PGTT first-stage with FSPM 0
 * (4-level) or 1 (5-level) and ECAP.FLTS; PGTT second-stage with AW 2
 * (4-level) or AW 3 (5-level, with CAP.SAGAW 5-level) and ECAP.SLTS.  The
 * first-stage global bit is not honoured (entries are filled non-global).
 */
#include <errno.h>
#include <string.h>

#include <invtrack/pt-vtd.h>

#include "mdev.h"
#include "vtd-internal.h"

#define K(kind)		INVT_CACHE_K(INVT_CACHE_##kind)
#define MVTD_PAGE_MASK	UINT64_C(0xfff)
/* RTADDR_REG.TTM [11:10] (§11.4.5). */
#define RTADDR_TTM_MASK	(UINT64_C(3) << 10)

unsigned int mvtd_cfg_invalidate_locked(struct invt_mvtd *m, const struct vtd_hw_cfg_scope *scope)
{
	unsigned int i, n = 0;

	for (i = 0; i < m->cfg.cfg_entries; i++) {
		struct mvtd_cfg *c = &m->cfgc[i];

		if (c->valid && vtd_hw_cfg_in_scope(scope, c->sid, c->did, c->pasid)) {
			c->valid = false;
			n++;
		}
	}
	return n;
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
	return invt_mem_va(m->mem, pa);
}

/* Translation type and table of a parsed PASID entry.  Return: 0, -EFAULT. */
static int cfg_stage(struct invt_mvtd *m, const struct vtd_hw_pasid *pe, struct mvtd_cfg *c)
{
	switch (pe->pgtt) {
	case VTD_HW_PGTT_FS:
		if (!m->cfg.flts || pe->fspm > 1)
			return -EFAULT;
		c->fs = true;
		c->tag_s1 = c->pasid;
		c->fmt = mvtd_fmt(m, true, pe->fspm == 1);
		c->root = pe->fsptptr & ~MVTD_PAGE_MASK;
		break;
	case VTD_HW_PGTT_SS:
		if (!m->cfg.slts || (pe->aw != 2 && !(pe->aw == 3 && m->cfg.sagaw5)))
			return -EFAULT;
		c->fs = false;
		c->tag_s1 = INVT_CACHE_ID_NONE;
		c->fmt = mvtd_fmt(m, false, pe->aw == 3);
		c->root = pe->ssptptr & ~MVTD_PAGE_MASK;
		break;
	default:	/* nested, pass-through: not modelled */
		return -EFAULT;
	}
	return c->fmt ? 0 : -EFAULT;
}

/*
 * Fetch and resolve the configuration of (sid, ssid) from memory, as the
 * unit does on a context/PASID cache miss.  Return: 0 or -EFAULT.
 */
static int cfg_fetch(struct invt_mvtd *m, uint16_t sid, uint32_t ssid, struct mvtd_cfg *c)
{
	unsigned int pasid_bits = m->cfg.pasid_bits ? m->cfg.pasid_bits : 20;
	uint64_t rtaddr, roff, coff, doff, toff, ctp, ptab;
	struct invt_frame_info info;
	const uint64_t *va;
	struct vtd_hw_pasid pe;
	struct vtd_hw_ctx ctx;

	m->cfg_fetches++;
	/*
	 * Acquire: pairs with the consumer's release store of the root it
	 * latched at SRTP, itself after the driver's release of the GCMD write
	 * that followed the root table's initialisation.  Forbids reading the
	 * table before it.
	 */
	rtaddr = __atomic_load_n(&m->hq.root, __ATOMIC_ACQUIRE);
	if ((rtaddr & RTADDR_TTM_MASK) != INVT_VTD_RTADDR_TTM_SM)
		return -EFAULT;		/* legacy or reserved mode: not modelled */
	vtd_hw_ctx_offset(sid, &roff, &coff);
	va = mvtd_va(m, (rtaddr & ~MVTD_PAGE_MASK) + roff);
	if (!va || vtd_hw_root_parse(va, (uint8_t)sid, &ctp))
		return -EFAULT;
	va = mvtd_va(m, ctp + coff);
	if (!va || vtd_hw_ctx_parse(va, &ctx))
		return -EFAULT;
	if (ssid && (!ctx.paside || !m->cfg.pasid || (ssid >> pasid_bits)))
		return -EFAULT;
	memset(c, 0, sizeof(*c));
	c->sid = sid;
	c->ssid = ssid;
	c->pasid = ssid ? ssid : ctx.rid_pasid;
	c->dte = ctx.dte;
	if (!vtd_hw_pasid_offset(&ctx, c->pasid, &doff, &toff))
		return -EFAULT;
	va = mvtd_va(m, ctx.pasid_dir + doff);
	if (!va || vtd_hw_pasid_dir_parse(va, &ptab))
		return -EFAULT;
	va = mvtd_va(m, ptab + toff);
	if (!va || vtd_hw_pasid_parse(va, &pe))
		return -EFAULT;
	c->did = pe.did;
	if (cfg_stage(m, &pe, c))
		return -EFAULT;
	c->domain = INVT_MEM_NO_DOMAIN;
	if (!invt_mem_info(m->mem, c->root, &info) && info.state == INVT_FRAME_TABLE)
		c->domain = info.domain;
	/*
	 * Stamped after the reads: a configuration read before a change began
	 * always carries an older stamp than the change's, so the oracle never
	 * calls one that saw the new structures stale.
	 */
	c->stamp = invt_oracle_stamp(m->oracle);
	c->valid = true;
	return 0;
}

/*
 * The configuration of (sid, ssid): cached (checked by the oracle), or
 * fetched and cached.  Unit lock held.  Return: 0 or -EFAULT.
 */
static int cfg_get_locked(struct invt_mvtd *m, struct invt_oracle_use *use, struct mvtd_cfg *out,
			  bool *stale)
{
	unsigned int i, n = m->cfg.cfg_entries, victim = n;

	for (i = 0; i < n; i++) {
		struct mvtd_cfg *c = &m->cfgc[i];

		if (!c->valid) {
			if (victim == n)
				victim = i;
			continue;
		}
		if (c->sid == use->sid && c->ssid == use->ssid) {
			use->cfg_domain = c->domain;
			if (invt_oracle_check_config(m->oracle, use, c->stamp) > 0)
				*stale = true;
			*out = *c;
			return 0;
		}
	}
	if (cfg_fetch(m, (uint16_t)use->sid, use->ssid, out))
		return -EFAULT;
	if (victim == n) {
		m->cfg_rng += UINT64_C(0x9e3779b97f4a7c15);
		victim = (unsigned int)(mvtd_mix(m->cfg_rng) % n);
	}
	m->cfgc[victim] = *out;
	use->cfg_domain = out->domain;
	return 0;
}

/* Fill the leaf and, unless it came from there, the paging-structure entry. */
static void fill_locked(struct invt_mvtd *m, const struct mvtd_cfg *c,
			const struct invt_pt_walk *res, uint64_t iova,
			const struct invt_cache_entry *from, struct invt_mdev_xl *xl)
{
	struct invt_cache_entry e;
	unsigned int lvl = res->level;
	unsigned int wshift = c->fmt->granule_shift + c->fmt->bits_per_level * (lvl + 1);
	uint64_t table = res->tables[res->nr_tables - 1], stamp;

	stamp = invt_oracle_stamp(m->oracle);
	memset(&e, 0, sizeof(e));
	e.kind = c->fs ? INVT_CACHE_S1 : INVT_CACHE_S2;
	e.shift = (uint8_t)__builtin_ctzll(res->size);
	e.level = (uint8_t)lvl;
	e.prot = (uint8_t)res->prot;
	e.tag_s2 = c->did;
	e.tag_s1 = c->tag_s1;
	e.sid = m->cfg.iotlb_tag == INVT_MVTD_TAG_SID ? c->sid : INVT_CACHE_ID_NONE;
	e.ssid = INVT_CACHE_ID_NONE;
	e.iova = iova & ~(res->size - 1);
	e.pa = res->oa & ~(res->size - 1);
	e.domain = c->domain;
	e.domain_s2 = INVT_MEM_NO_DOMAIN;
	invt_mem_ref(m->mem, e.pa, &e.leaf);
	e.fill_time = stamp;
	invt_cache_insert_locked(m->iotlb, &e, NULL);

	xl->base = e.pa;
	xl->shift = e.shift;
	xl->level = lvl;
	xl->prot = res->prot;
	xl->domain = c->domain;
	xl->leaf = e.leaf;

	/* A walk that hit the paging-structure cache keeps that entry. */
	if (from && from->pa == table && from->level == lvl)
		return;
	if (wshift >= 64)
		return;
	e.kind = c->fs ? INVT_CACHE_WALK_S1 : INVT_CACHE_WALK_S2;
	e.shift = (uint8_t)wshift;
	e.prot = 0;
	e.iova = iova & ~((UINT64_C(1) << wshift) - 1);
	e.pa = table;
	memset(&e.leaf, 0, sizeof(e.leaf));
	invt_mem_ref(m->mem, table, &e.table);
	invt_cache_insert_locked(m->iotlb, &e, NULL);
}

/*
 * Steps 1-4 under the unit lock.  @ats: a translation request (needs the
 * context entry's DTE).  Return: 0 with @xl filled, or -EFAULT; either way
 * @xl->stale tells whether the oracle recorded a violation.
 */
static int translate(struct invt_mvtd *m, uint32_t sid, uint32_t ssid, uint64_t iova, bool ats,
		     struct invt_mdev_xl *xl)
{
	struct invt_oracle_use use = {
		.instance = m->cfg.id, .sid = sid, .ssid = ssid, .iova = iova,
		.cfg_domain = INVT_MEM_NO_DOMAIN,
	};
	struct invt_cache_entry e;
	struct invt_cache_key key;
	struct invt_pt_walk res;
	struct mvtd_cfg c;
	bool from_walk = false;
	int ret = -EFAULT;

	memset(xl, 0, sizeof(*xl));
	invt_cache_lock(m->iotlb);
	m->translations++;
	/* Relaxed: TES only gates; the root's acquire orders what is read. */
	if (!(__atomic_load_n(&m->regs.gsts, __ATOMIC_RELAXED) & INVT_VTD_GSTS_TES))
		goto out;			/* translation disabled: blocked */
	if (cfg_get_locked(m, &use, &c, &xl->stale) || (ats && !c.dte))
		goto out;
	key = (struct invt_cache_key){
		.kinds = c.fs ? K(S1) : K(S2),
		.tag_s2 = c.did, .tag_s1 = c.tag_s1,
		.sid = INVT_CACHE_ID_NONE, .ssid = INVT_CACHE_ID_NONE,
		.iova = iova,
	};
	if (m->cfg.iotlb_tag == INVT_MVTD_TAG_SID) {
		/* Looked up by (source-id, PASID, page): the DID is not asked. */
		key.tag_s2 = INVT_CACHE_ID_ANY;
		key.sid = sid;
	}
	if (!invt_cache_lookup_locked(m->iotlb, &key, &e)) {
		if (invt_oracle_check_tlb(m->oracle, &use, &e) > 0)
			xl->stale = true;
		invt_mdev_xl_from_entry(xl, &e);
		ret = 0;
		goto out;
	}
	key.kinds = c.fs ? K(WALK_S1) : K(WALK_S2);
	m->walks++;
	if (!invt_cache_lookup_locked(m->iotlb, &key, &e)) {
		if (invt_oracle_check_tlb(m->oracle, &use, &e) > 0)
			xl->stale = true;
		from_walk = true;
		ret = invt_pt_hw_walk_from(c.fmt, &m->ptops.ops, e.pa, e.level, iova, &res);
	} else {
		ret = invt_pt_hw_walk(c.fmt, &m->ptops.ops, c.root, iova, &res);
	}
	if (ret) {
		ret = -EFAULT;
		goto out;
	}
	fill_locked(m, &c, &res, iova, from_walk ? &e : NULL, xl);
out:
	invt_cache_unlock(m->iotlb);
	return ret;
}

/* The unit's translation, as the shared device-access code calls it. */
static int mvtd_translate(void *unit, uint32_t sid, uint32_t ssid, uint64_t iova, bool ats,
			struct invt_mdev_xl *xl)
{
	return translate(unit, sid, ssid, iova, ats, xl);
}

int invt_mvtd_dma(struct invt_mvtd *m, uint32_t id, uint32_t ssid, uint64_t iova, bool write)
{
	struct invt_mdev *d = mvtd_find_dev(m, id);
	struct invt_mdev_unit u = {
		.oracle = m->oracle, .id = m->cfg.id, .translate = mvtd_translate, .unit = m,
	};

	if (!d)
		return -ENODEV;
	return invt_mdev_dma(&u, d->atc, id, ssid, iova, write);
}
