// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * smmuv3-xlate.c - translation in the modelled SMMUv3: the configuration
 * cache, IOTLB, walk cache and device ATCs (<invtrack/model/smmuv3.h>).
 *
 * One translation, under the instance lock (the IOTLB's), so that it is
 * atomic with respect to every command the executor applies:
 *  1. configuration of (sid, ssid): the configuration cache, or a fetch of
 *     the STE (SMMU_STRTAB_BASE + 64 * sid) and, with stage 1, of the CD,
 *     parsed by src/arch/smmuv3/hw-cfg.c.  A cached one is checked by the
 *     oracle before use (STALE_CONFIG);
 *  2. the IOTLB: S1 leaves tagged (VMID, ASID), S2 leaves (VMID, NONE);
 *     a hit is checked (WRONG_DOMAIN, STALE_TLB) and used;
 *  3. else the walk cache (the last table of an earlier walk, same tags):
 *     a hit is checked and the walk continues from that table; else the
 *     walk starts at the root (invt_pt_hw_walk over model memory);
 *  4. the leaf and the walk entry of its last table are filled in.
 * An ATS device first looks in its own ATC, under the ATC's lock, which it
 * keeps across the translation request and the fill (mdev.c, shared by
 * every modelled unit).
 *
 * What the model supports of the configurations (others fault, counted as
 * faults): STE Config S1 (0b101) with a CD of 4 KiB granule, or S2 (0b110)
 * with a 4 KiB granule and no concatenated tables at the start, any input
 * size the parser accepts (the ARM 4K descriptors of invt_pt_fmt_arm_s1_4k
 * / _s2_4k walked from the starting level T0SZ / S2SL0 name).  An input
 * address at or above 2^(64 - TxSZ) is a translation fault, a leaf beyond
 * the effective output size an address size fault.  Abort, bypass (which
 * the driver never uses) and nested STEs fault, as do invalid or ILLEGAL
 * structures (recorded as C_BAD_STE / C_BAD_CD); a failed fetch is not
 * cached.  Stream tables (linear, or two-level through L1STDs) and CD
 * tables (linear, or through L1CDs) are located by hw-cfg.c from the
 * SMMU_STRTAB_BASE(_CFG) latched when SMMUEN was acknowledged; while
 * the SMMU is disabled every transaction aborts (GBPA).
 */
#include <errno.h>
#include <string.h>

#include "mdev.h"
#include "smmuv3-internal.h"

#define K(kind)		INVT_CACHE_K(INVT_CACHE_##kind)
/* Stage-1 descriptor bit 11, nG: 0 = global, the leaf matches every ASID. */
#define ARM_PTE_NG	(UINT64_C(1) << 11)
/* The granule the model walks: 4 KiB (9 index bits per level). */
#define MSMMU_GRANULE	12
#define MSMMU_STRIDE	9
#define MSMMU_PAGE_MASK	((UINT64_C(1) << MSMMU_GRANULE) - 1)

/*
 * Levels of a walk whose starting level resolves the top bits of @ia_bits
 * with one table (no concatenation), or 0 when the start @level given does
 * not do that.
 */
static uint8_t walk_levels(unsigned int ia_bits, unsigned int level)
{
	int top = (int)ia_bits - MSMMU_GRANULE - (3 - (int)level) * MSMMU_STRIDE;

	return top >= 1 && top <= MSMMU_STRIDE ? (uint8_t)(4 - level) : 0;
}

/* Record a C_BAD_STE ([0]) or C_BAD_CD ([1]) event.  Instance lock held. */
static void record_bad(struct invt_msmmu *m, unsigned int which, enum smmu_hw_cfg_why why)
{
	m->c_bad[which]++;
	if (why != SMMU_HW_CFG_WHY_V0)
		m->illegal[which]++;
}

unsigned int msmmu_cfg_invalidate_locked(struct invt_msmmu *m,
					 const struct smmu_hw_cfg_scope *scope)
{
	unsigned int i, n = 0;

	for (i = 0; i < m->cfg.cfg_entries; i++) {
		struct msmmu_cfg *c = &m->cfgc[i];

		if (c->valid && smmu_hw_cfg_in_scope(scope, c->sid, c->ssid)) {
			c->valid = false;
			n++;
		}
	}
	return n;
}

/* Level-1 descriptors, read by hw-cfg.c from model memory. */
static const uint64_t *l1_va(void *arg, uint64_t pa)
{
	return invt_mem_va(arg, pa);
}

/* Stage-1 configuration from the STE's CD.  Return: 0 or -EFAULT. */
static int cfg_fetch_cd(struct invt_msmmu *m, const struct smmu_hw_ste *ste, uint32_t ssid,
			struct msmmu_cfg *c)
{
	const struct smmu_hw_mem l1 = { l1_va, m->mem };
	enum smmu_hw_cfg_why why;
	struct smmu_hw_cd cd;
	uint64_t cd_pa;
	uint64_t *va;

	if (smmu_hw_cd_find(ste, ssid != 0, ssid, &l1, &cd_pa, NULL))
		return -EFAULT;		/* event, abort, or stage 1 bypassed */
	va = invt_mem_va(m->mem, cd_pa);
	if (!va)
		return -EFAULT;
	if (smmu_hw_cd_parse(va, ste, &m->idr, &cd, &why)) {
		record_bad(m, 1, why);
		return -EFAULT;
	}
	if (cd.epd0 || cd.tg0_granule != MSMMU_GRANULE)
		return -EFAULT;		/* not a table format the model walks */
	c->ia_bits = (uint8_t)(64 - cd.t0sz);
	c->oa_bits = cd.ipa_bits;
	c->levels = walk_levels(c->ia_bits, cd.s1_level0);
	if (!c->levels)
		return -EFAULT;
	c->asid = cd.asid;
	c->root = cd.ttb0 & ~MSMMU_PAGE_MASK;
	return 0;
}

/*
 * Fetch and resolve the configuration of (sid, ssid) from memory, as the
 * SMMU does on a configuration cache miss.  Return: 0 or -EFAULT.
 */
static int cfg_fetch(struct invt_msmmu *m, uint32_t sid, uint32_t ssid, struct msmmu_cfg *c)
{
	const struct smmu_hw_mem l1 = { l1_va, m->mem };
	struct invt_frame_info info;
	enum smmu_hw_cfg_why why;
	struct smmu_hw_ste ste;
	uint64_t base, ste_pa, *va;
	uint32_t bcfg;

	/*
	 * The table the SMMU latched when SMMUEN was acknowledged (the driver
	 * programmed it, with release stores, before setting SMMUEN); while
	 * disabled, GBPA aborts the transaction.
	 */
	if (!smmu_hw_queue_translating(&m->hq, &base, &bcfg))
		return -EFAULT;		/* disabled since translate() looked */
	m->cfg_fetches++;
	/* C_BAD_STREAMID (out of range, L1STD Span) or F_STE_FETCH. */
	if (smmu_hw_ste_locate(&m->idr, base, bcfg, sid, &l1, &ste_pa, NULL))
		return -EFAULT;
	va = invt_mem_va(m->mem, ste_pa);
	if (!va)
		return -EFAULT;		/* outside memory */
	if (smmu_hw_ste_parse(va, &m->idr, &ste, &why)) {
		record_bad(m, 0, why);	/* V == 0 or ILLEGAL: C_BAD_STE */
		return -EFAULT;
	}
	if (ste.s1 == ste.s2)
		return -EFAULT;		/* abort, bypass or nested */
	memset(c, 0, sizeof(*c));
	c->sid = sid;
	c->ssid = ssid;
	c->s1 = ste.s1;
	c->eats = ste.eats;
	c->vmid = ste.s2vmid;
	if (ste.s1) {
		if (cfg_fetch_cd(m, &ste, ssid, c))
			return -EFAULT;
	} else {
		if (ssid)
			return -EFAULT;	/* C_BAD_SUBSTREAMID: stage 1 is off */
		if (ste.s2_granule != MSMMU_GRANULE)
			return -EFAULT;
		c->ia_bits = (uint8_t)(64 - ste.s2t0sz);
		c->oa_bits = ste.s2_pa_bits;
		c->levels = walk_levels(c->ia_bits, ste.s2_level);
		if (!c->levels)
			return -EFAULT;	/* concatenated tables: not modelled */
		c->asid = INVT_CACHE_ID_NONE;
		c->root = ste.s2ttb & ~MSMMU_PAGE_MASK;
	}
	c->domain = INVT_MEM_NO_DOMAIN;
	if (!invt_mem_info(m->mem, c->root, &info) && info.state == INVT_FRAME_TABLE)
		c->domain = info.domain;
	/*
	 * Stamped after the reads: a configuration read before a change began
	 * always carries an older stamp than the change's, so the oracle
	 * never calls one that saw the new structures stale.
	 */
	c->stamp = invt_oracle_stamp(m->oracle);
	c->valid = true;
	return 0;
}

/*
 * The configuration of (sid, ssid): cached (checked by the oracle), or
 * fetched and cached.  Instance lock held.  Return: 0 or -EFAULT.
 */
static int cfg_get_locked(struct invt_msmmu *m, struct invt_oracle_use *use,
			  struct msmmu_cfg *out, bool *stale)
{
	unsigned int i, n = m->cfg.cfg_entries, victim = n;

	for (i = 0; i < n; i++) {
		struct msmmu_cfg *c = &m->cfgc[i];

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
	if (cfg_fetch(m, use->sid, use->ssid, out))
		return -EFAULT;
	if (victim == n) {
		m->cfg_rng += UINT64_C(0x9e3779b97f4a7c15);
		victim = (unsigned int)(msmmu_mix(m->cfg_rng) % n);
	}
	m->cfgc[victim] = *out;
	use->cfg_domain = out->domain;
	return 0;
}

/* Fill the leaf and, unless it came from there, the walk entry. */
static void fill_locked(struct invt_msmmu *m, const struct msmmu_cfg *c,
			const struct invt_pt_walk *res, uint64_t iova,
			const struct invt_cache_entry *from, struct invt_mdev_xl *xl)
{
	struct invt_cache_entry e;
	unsigned int lvl = res->level, wshift = MSMMU_GRANULE + 9 * (lvl + 1);
	uint64_t table = res->tables[res->nr_tables - 1], stamp;

	stamp = invt_oracle_stamp(m->oracle);
	memset(&e, 0, sizeof(e));
	e.kind = c->s1 ? INVT_CACHE_S1 : INVT_CACHE_S2;
	e.global = c->s1 && !(res->pte & ARM_PTE_NG);
	e.shift = (uint8_t)__builtin_ctzll(res->size);
	e.level = (uint8_t)lvl;
	e.prot = (uint8_t)res->prot;
	e.tag_s2 = c->vmid;
	e.tag_s1 = c->asid;
	e.sid = INVT_CACHE_ID_NONE;
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

	/* A walk that hit the walk cache keeps that entry as it was filled. */
	if (from && from->pa == table && from->level == lvl)
		return;
	e.kind = c->s1 ? INVT_CACHE_WALK_S1 : INVT_CACHE_WALK_S2;
	e.global = false;
	e.shift = (uint8_t)wshift;
	e.prot = 0;
	e.iova = iova & ~((UINT64_C(1) << wshift) - 1);
	e.pa = table;
	memset(&e.leaf, 0, sizeof(e.leaf));
	invt_mem_ref(m->mem, table, &e.table);
	invt_cache_insert_locked(m->iotlb, &e, NULL);
}

/*
 * Steps 1-4 under the instance lock.  @ats: an ATS translation request
 * (needs STE.EATS == 1).  Return: 0 with @xl filled, or -EFAULT; either way
 * @xl->stale tells whether the oracle recorded a violation.
 */
static int translate(struct invt_msmmu *m, uint32_t sid, uint32_t ssid, uint64_t iova,
		     bool ats, struct invt_mdev_xl *xl)
{
	struct invt_oracle_use use = {
		.instance = m->cfg.id, .sid = sid, .ssid = ssid, .iova = iova,
		.cfg_domain = INVT_MEM_NO_DOMAIN,
	};
	struct invt_pt_fmt fmt;
	struct invt_cache_entry e;
	struct invt_cache_key key;
	struct invt_pt_walk res;
	struct msmmu_cfg c;
	bool from_walk = false;
	int ret = -EFAULT;

	uint64_t base;
	uint32_t bcfg;

	memset(xl, 0, sizeof(*xl));
	invt_cache_lock(m->iotlb);
	m->translations++;
	/* SMMUEN off (acknowledged): GBPA decides; bypass is not modelled. */
	if (!smmu_hw_queue_translating(&m->hq, &base, &bcfg)) {
		m->disabled_aborts++;
		goto out;
	}
	if (cfg_get_locked(m, &use, &c, &xl->stale) || (ats && !c.eats))
		goto out;
	if (iova >> c.ia_bits)
		goto out;		/* beyond T0SZ / S2T0SZ: translation fault */
	key = (struct invt_cache_key){
		.kinds = c.s1 ? K(S1) : K(S2),
		.tag_s2 = c.vmid, .tag_s1 = c.asid,
		.sid = INVT_CACHE_ID_NONE, .ssid = INVT_CACHE_ID_NONE,
		.iova = iova,
	};
	if (!invt_cache_lookup_locked(m->iotlb, &key, &e)) {
		if (invt_oracle_check_tlb(m->oracle, &use, &e) > 0)
			xl->stale = true;
		xl->base = e.pa;
		xl->shift = e.shift;
		xl->level = e.level;
		xl->prot = e.prot;
		xl->domain = e.domain;
		xl->leaf = e.leaf;
		m->xlate[!c.s1]++;
		ret = 0;
		goto out;
	}
	/* The ARM 4K descriptors, walked from the configuration's start. */
	fmt = c.s1 ? invt_pt_fmt_arm_s1_4k : invt_pt_fmt_arm_s2_4k;
	fmt.va_bits = c.ia_bits;
	fmt.levels = c.levels;
	key.kinds = c.s1 ? K(WALK_S1) : K(WALK_S2);
	m->walks++;
	if (!invt_cache_lookup_locked(m->iotlb, &key, &e)) {
		if (invt_oracle_check_tlb(m->oracle, &use, &e) > 0)
			xl->stale = true;
		from_walk = true;
		ret = invt_pt_hw_walk_from(&fmt, &m->ptops.ops, e.pa, e.level, iova, &res);
	} else {
		ret = invt_pt_hw_walk(&fmt, &m->ptops.ops, c.root, iova, &res);
	}
	/* A leaf beyond the effective output size: address size fault. */
	if (ret || (res.oa >> c.oa_bits)) {
		ret = -EFAULT;
		goto out;
	}
	fill_locked(m, &c, &res, iova, from_walk ? &e : NULL, xl);
	m->xlate[!c.s1]++;
out:
	invt_cache_unlock(m->iotlb);
	return ret;
}

/* The unit's translation, as the shared device-access code calls it. */
static int msmmu_translate(void *unit, uint32_t sid, uint32_t ssid, uint64_t iova, bool ats,
			struct invt_mdev_xl *xl)
{
	return translate(unit, sid, ssid, iova, ats, xl);
}

int invt_msmmu_dma(struct invt_msmmu *m, uint32_t sid, uint32_t ssid, uint64_t iova, bool write)
{
	struct invt_mdev *d = msmmu_find_dev(m, sid);
	struct invt_mdev_unit u = {
		.oracle = m->oracle, .id = m->cfg.id, .translate = msmmu_translate, .unit = m,
	};

	if (!d)
		return -ENODEV;
	return invt_mdev_dma(&u, d->atc, sid, ssid, iova, write);
}
