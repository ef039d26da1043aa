// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * unit-xlate.c - translation in the modelled unit: the configuration cache,
 * IOTLB, walk cache and device ATCs, the same for every architecture.
 *
 * One translation, under the unit lock (the IOTLB's), so that it is atomic
 * with respect to every command the executor applies:
 *  1. configuration of (sid, ssid): the configuration cache, or a fetch by
 *     the arch (invt_munit_ops.cfg_fetch: STE + CD, context + PASID entry,
 *     DC + PC).  A cached one is checked by the oracle before use
 *     (STALE_CONFIG).  A valid one that blocks (an aborting STE) is cached
 *     and terminates the request; an invalid or malformed one is not
 *     cached;
 *  2. the IOTLB: leaves of stage 1 tagged (tag_s2, tag_s1), of stage 2
 *     (tag_s2, NONE), looked up as the unit's enum invt_munit_tag says; a
 *     hit is checked (WRONG_DOMAIN, STALE_TLB) and used;
 *  3. else the walk cache (the last table of an earlier walk, same tags): a
 *     hit is checked and the walk continues from that table; else the walk
 *     starts at the root (invt_pt_hw_walk over model memory, the format the
 *     configuration names), and the arch checks the leaf
 *     (invt_munit_ops.leaf);
 *  4. the leaf and the walk entry of its last table are filled in.
 * An ATS device first looks in its own ATC, under the ATC's lock, which it
 * keeps across the translation request and the fill (mdev.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define K(kind)		INVT_CACHE_K(INVT_CACHE_##kind)

int invt_munit_cfgc_init(struct invt_munit_cfgc *cc, unsigned int nr, uint64_t seed)
{
	unsigned int buckets = 2;

	memset(cc, 0, sizeof(*cc));
	if (!nr || nr > INVT_MUNIT_MAX_CFG_ENTRIES)
		return -EINVAL;
	while (buckets < 2 * nr)
		buckets *= 2;
	cc->slot = calloc(nr, sizeof(*cc->slot));
	cc->valid = calloc((nr + 63) / 64, sizeof(*cc->valid));
	cc->bucket = calloc(buckets, sizeof(*cc->bucket));
	cc->next = calloc(nr, sizeof(*cc->next));
	if (!cc->slot || !cc->valid || !cc->bucket || !cc->next) {
		invt_munit_cfgc_fini(cc);
		return -ENOMEM;
	}
	cc->bucket_mask = buckets - 1;
	cc->nr = nr;
	cc->rng = seed;
	return 0;
}

void invt_munit_cfgc_fini(struct invt_munit_cfgc *cc)
{
	free(cc->slot);
	free(cc->valid);
	free(cc->bucket);
	free(cc->next);
	memset(cc, 0, sizeof(*cc));
}

/* The index bucket of (@sid, @ssid). */
static unsigned int cfgc_bucket(const struct invt_munit_cfgc *cc, uint32_t sid, uint32_t ssid)
{
	uint64_t h = ((uint64_t)sid << 32 | ssid) * UINT64_C(0x9e3779b97f4a7c15);

	return (unsigned int)(h >> 40) & cc->bucket_mask;
}

/* The valid slot holding (@sid, @ssid), or NULL. */
static struct invt_munit_cfg *cfgc_find(const struct invt_munit_cfgc *cc, uint32_t sid,
					uint32_t ssid)
{
	unsigned int i = cc->bucket[cfgc_bucket(cc, sid, ssid)];

	while (i) {
		struct invt_munit_cfg *c = &cc->slot[i - 1];

		if (c->sid == sid && c->ssid == ssid)
			return c;
		i = cc->next[i - 1];
	}
	return NULL;
}

/* Empty the valid slot @i: out of its bucket's chain and the valid map. */
static void cfgc_remove(struct invt_munit_cfgc *cc, unsigned int i)
{
	struct invt_munit_cfg *c = &cc->slot[i];
	uint16_t *link = &cc->bucket[cfgc_bucket(cc, c->sid, c->ssid)];

	while (*link != i + 1)
		link = &cc->next[*link - 1];
	*link = cc->next[i];
	cc->next[i] = 0;
	cc->valid[i / 64] &= ~(UINT64_C(1) << (i % 64));
	c->valid = false;
}

/* Put @c, valid, in slot @i (empty). */
static void cfgc_fill(struct invt_munit_cfgc *cc, unsigned int i, const struct invt_munit_cfg *c)
{
	uint16_t *head = &cc->bucket[cfgc_bucket(cc, c->sid, c->ssid)];

	cc->slot[i] = *c;
	cc->next[i] = *head;
	*head = (uint16_t)(i + 1);
	cc->valid[i / 64] |= UINT64_C(1) << (i % 64);
}

/* The lowest empty slot, or @cc->nr when every slot is valid. */
static unsigned int cfgc_free_slot(const struct invt_munit_cfgc *cc)
{
	unsigned int w, words = (cc->nr + 63) / 64;

	for (w = 0; w < words; w++) {
		if (~cc->valid[w]) {
			unsigned int i = w * 64 + (unsigned int)__builtin_ctzll(~cc->valid[w]);

			return i < cc->nr ? i : cc->nr;
		}
	}
	return cc->nr;
}

unsigned int invt_munit_cfg_invalidate_locked(struct invt_munit *u, const void *scope)
{
	struct invt_munit_cfgc *cc = &u->cfgc;
	unsigned int w, n = 0, words = (cc->nr + 63) / 64;

	/* The valid slots in order, as a scan of every slot visits them. */
	for (w = 0; w < words; w++) {
		uint64_t m = cc->valid[w];

		while (m) {
			unsigned int i = w * 64 + (unsigned int)__builtin_ctzll(m);

			m &= m - 1;
			if (u->ops->cfg_in_scope(scope, &cc->slot[i])) {
				cfgc_remove(cc, i);
				n++;
			}
		}
	}
	return n;
}

/* The first stage that translates: stage 1 unless only stage 2 does. */
static unsigned int first_stage(const struct invt_munit_cfg *c)
{
	return c->stages & INVT_MUNIT_STAGE(INVT_MUNIT_S1) ? INVT_MUNIT_S1 : INVT_MUNIT_S2;
}

uint32_t invt_munit_frame_domain(struct invt_munit *u, uint64_t pa)
{
	struct invt_frame_info info;

	if (!invt_mem_info(u->mem, pa, &info) && info.state == INVT_FRAME_TABLE)
		return info.domain;
	return INVT_MEM_NO_DOMAIN;
}

/*
 * Fetch and resolve the configuration of (sid, ssid), as the unit does on a
 * configuration cache miss.  Return: 0 or -EFAULT.
 */
static int cfg_fetch(struct invt_munit *u, uint32_t sid, uint32_t ssid, struct invt_munit_cfg *c)
{
	struct invt_pt_walk res;

	memset(c, 0, sizeof(*c));
	c->ia_bits = 64;
	c->oa_bits = 64;
	c->oa_bits_s2 = 64;
	if (u->ops->cfg_fetch(u, sid, ssid, c))
		return -EFAULT;
	c->sid = sid;
	c->ssid = ssid;
	c->domain = INVT_MEM_NO_DOMAIN;
	c->domain_s2 = INVT_MEM_NO_DOMAIN;
	if (!c->blocks)
		c->domain = invt_munit_frame_domain(u, c->root[first_stage(c)]);
	if (!c->blocks && invt_munit_nested(c)) {
		struct invt_frame_info info;
		int vm;

		c->domain_s2 = invt_munit_frame_domain(u, c->root[INVT_MUNIT_S2]);
		c->domain = INVT_MEM_NO_DOMAIN;
		vm = invt_oracle_vm_find(u->oracle, c->domain_s2);
		if (vm >= 0) {
			/* A VM's guest: the stage-1 root's IPA page names its domain. */
			c->has_vm = true;
			c->vm = (uint32_t)vm;
			if (!invt_oracle_guest_info(u->oracle, c->vm, c->root[INVT_MUNIT_S1], &info) &&
			    info.state == INVT_FRAME_TABLE)
				c->domain = info.domain;
		} else if (!invt_pt_hw_walk(c->fmt[INVT_MUNIT_S2], &u->ptops.ops,
					    c->root[INVT_MUNIT_S2], c->root[INVT_MUNIT_S1], &res)) {
			/* The stage-1 root is an IPA: its owner is the frame it maps to. */
			c->domain = invt_munit_frame_domain(u, res.oa);
		}
	}
	/*
	 * Stamped after the reads: a configuration read before a change began
	 * always carries an older stamp than the change's, so the oracle never
	 * calls one that saw the new structures stale.
	 */
	c->stamp = invt_oracle_stamp(u->oracle);
	c->valid = true;
	return 0;
}

/*
 * The configuration of (sid, ssid): cached (checked by the oracle), or
 * fetched and cached (one that blocks too: the caller terminates the
 * request).  Unit lock held.  Return: its slot in the
 * configuration cache, valid until the unit lock is dropped (a translation
 * reads it in place: nothing it does under the lock fetches or removes a
 * configuration), or NULL on a fetch fault (nothing cached).
 */
static const struct invt_munit_cfg *cfg_get_locked(struct invt_munit *u,
						   struct invt_oracle_use *use, bool *stale)
{
	struct invt_munit_cfgc *cc = &u->cfgc;
	struct invt_munit_cfg *c = cfgc_find(cc, use->sid, use->ssid), fetched;
	unsigned int victim;

	if (c) {
		use->cfg_domain = c->domain;
		if (invt_oracle_check_config(u->oracle, use, c->stamp) > 0)
			*stale = true;
		return c;
	}
	if (cfg_fetch(u, use->sid, use->ssid, &fetched))
		return NULL;
	victim = cfgc_free_slot(cc);
	if (victim == cc->nr) {
		cc->rng += UINT64_C(0x9e3779b97f4a7c15);
		victim = (unsigned int)(invt_munit_mix(cc->rng) % cc->nr);
		cfgc_remove(cc, victim);
	}
	cfgc_fill(cc, victim, &fetched);
	use->cfg_domain = fetched.domain;
	return &cc->slot[victim];
}

/* Fill the leaf and, unless it came from there, the walk entry. */
static void fill_locked(struct invt_munit *u, const struct invt_munit_cfg *c, unsigned int stage,
			const struct invt_pt_walk *res, bool global, uint64_t iova,
			const struct invt_cache_entry *from, struct invt_mdev_xl *xl)
{
	const struct invt_pt_fmt *fmt = c->fmt[stage];
	struct invt_cache_entry e;
	unsigned int lvl = res->level;
	unsigned int wshift = fmt->granule_shift + fmt->bits_per_level * (lvl + 1);
	uint64_t table = res->tables[res->nr_tables - 1], stamp;

	stamp = invt_oracle_stamp(u->oracle);
	invt_munit_entry(u, c, stage == INVT_MUNIT_S1 ? INVT_CACHE_S1 : INVT_CACHE_S2, &e);
	e.global = global;
	e.shift = (uint8_t)__builtin_ctzll(res->size);
	e.level = (uint8_t)lvl;
	e.prot = (uint8_t)res->prot;
	e.iova = iova & ~(res->size - 1);
	e.pa = res->oa & ~(res->size - 1);
	invt_mem_ref(u->mem, e.pa, &e.leaf);
	e.fill_time = stamp;
	invt_cache_insert_locked(u->iotlb, &e, NULL);
	invt_mdev_xl_from_entry(xl, &e);
	xl->prot = res->prot;

	/* A walk that hit the walk cache keeps that entry as it was filled. */
	if (from && from->pa == table && from->level == lvl)
		return;
	if (!from && res->nr_tables < 2 && !u->ops->walk_cache_root)
		return;		/* the leaf is in the root: nothing to cache */
	if (wshift >= 64)
		return;
	e.kind = stage == INVT_MUNIT_S1 ? INVT_CACHE_WALK_S1 : INVT_CACHE_WALK_S2;
	e.global = false;
	e.shift = (uint8_t)wshift;
	e.prot = 0;
	e.iova = iova & ~((UINT64_C(1) << wshift) - 1);
	e.pa = table;
	memset(&e.leaf, 0, sizeof(e.leaf));
	invt_mem_ref(u->mem, table, &e.table);
	invt_cache_insert_locked(u->iotlb, &e, NULL);
}

/* A nested translation (unit-nest.c) as the device receives it. */
static int nested_locked(struct invt_munit *u, const struct invt_munit_cfg *c,
			 struct invt_oracle_use *use, uint64_t iova, struct invt_mdev_xl *xl)
{
	static const unsigned int where[] = {
		[INVT_MUNIT_FAULT_NONE] = INVT_MDEV_FAULT_S1,
		[INVT_MUNIT_FAULT_S1] = INVT_MDEV_FAULT_S1,
		[INVT_MUNIT_FAULT_S2] = INVT_MDEV_FAULT_S2,
		[INVT_MUNIT_FAULT_S2_TABLE] = INVT_MDEV_FAULT_S2_TABLE,
	};
	struct invt_munit_walk w;
	int ret = invt_munit_nested_locked(u, c, use, iova, &w);

	xl->stale = xl->stale || w.stale;
	xl->nested = true;
	if (ret) {
		xl->fault = where[w.fault];
		xl->fault_ipa = w.fault_ipa;
		return ret;
	}
	xl->base = w.pa & ~((UINT64_C(1) << w.shift) - 1);
	xl->shift = w.shift;
	xl->prot = w.prot;
	xl->domain = c->domain;
	xl->domain_s2 = c->domain_s2;
	xl->nested = true;
	xl->has_vm = c->has_vm;
	xl->vm = c->vm;
	xl->guest = w.guest;
	invt_mem_ref(u->mem, xl->base, &xl->leaf);
	u->n.xlate[INVT_MUNIT_S1]++;
	return 0;
}

/*
 * Steps 1-4 under the unit lock.  @ats: an ATS translation request (the
 * configuration must allow it).  Return: 0 with @xl filled, or -EFAULT;
 * either way @xl->stale tells whether the oracle recorded a violation.
 */
static int translate(struct invt_munit *u, uint32_t sid, uint32_t ssid, uint64_t iova,
		     bool ats, struct invt_mdev_xl *xl)
{
	struct invt_oracle_use use = {
		.instance = u->p.id, .sid = sid, .ssid = ssid, .iova = iova,
		.cfg_domain = INVT_MEM_NO_DOMAIN,
	};
	const struct invt_munit_cfg *c;
	struct invt_cache_entry e;
	struct invt_cache_key key;
	struct invt_pt_walk res;
	unsigned int stage;
	bool from_walk = false, global = false;
	int ret = -EFAULT;

	memset(xl, 0, sizeof(*xl));
	invt_cache_lock(u->iotlb);
	u->n.translations++;
	if (u->ops->enabled && !u->ops->enabled(u)) {
		u->n.disabled_aborts++;
		goto out;
	}
	c = cfg_get_locked(u, &use, &xl->stale);
	if (!c || c->blocks || (ats && !c->ats))
		goto out;	/* blocked or refused by the configuration */
	if (c->ia_bits < 64 && (iova >> c->ia_bits)) {
		/* Beyond the input size: a translation fault of the first stage. */
		xl->fault = first_stage(c) == INVT_MUNIT_S1 ? INVT_MDEV_FAULT_S1 :
							       INVT_MDEV_FAULT_S2;
		xl->nested = invt_munit_nested(c);
		goto out;
	}
	if (invt_munit_nested(c)) {
		ret = nested_locked(u, c, &use, iova, xl);
		goto out;
	}
	stage = first_stage(c);
	invt_munit_key(u, c, stage == INVT_MUNIT_S1 ? K(S1) : K(S2), iova, &key);
	if (!invt_cache_lookup_locked(u->iotlb, &key, &e)) {
		if (invt_oracle_check_tlb(u->oracle, &use, &e) > 0)
			xl->stale = true;
		invt_mdev_xl_from_entry(xl, &e);
		u->n.xlate[stage]++;
		ret = 0;
		goto out;
	}
	key.kinds = stage == INVT_MUNIT_S1 ? K(WALK_S1) : K(WALK_S2);
	u->n.walks++;
	if (!invt_cache_lookup_locked(u->iotlb, &key, &e)) {
		if (invt_oracle_check_tlb(u->oracle, &use, &e) > 0)
			xl->stale = true;
		from_walk = true;
		ret = invt_pt_hw_walk_from(c->fmt[stage], &u->ptops.ops, e.pa, e.level, iova, &res);
	} else {
		ret = invt_pt_hw_walk(c->fmt[stage], &u->ptops.ops, c->root[stage], iova, &res);
	}
	if (ret || u->ops->leaf(c, stage, &res, &global)) {
		ret = -EFAULT;		/* a fault: nothing is cached */
		xl->fault = stage == INVT_MUNIT_S1 ? INVT_MDEV_FAULT_S1 : INVT_MDEV_FAULT_S2;
		goto out;
	}
	fill_locked(u, c, stage, &res, global, iova, from_walk ? &e : NULL, xl);
	u->n.xlate[stage]++;
out:
	invt_cache_unlock(u->iotlb);
	return ret;
}

/* The unit's translation, as the shared device-access code calls it. */
static int munit_translate(void *unit, uint32_t sid, uint32_t ssid, uint64_t iova, bool ats,
			   struct invt_mdev_xl *xl)
{
	return translate(unit, sid, ssid, iova, ats, xl);
}

/*
 * A Translated request (an address from the device's ATC): let through only
 * while the unit is on and the configuration of (@sid, @ssid) enables ATS
 * (STE.EATS, context-entry DTE, DC.tc.EN_ATS); see struct invt_mdev_unit.
 * The configuration comes through the configuration cache, checked by the
 * oracle as for any use.
 */
static int munit_translated(void *unit, uint32_t sid, uint32_t ssid)
{
	struct invt_munit *u = unit;
	struct invt_oracle_use use = {
		.instance = u->p.id, .sid = sid, .ssid = ssid, .cfg_domain = INVT_MEM_NO_DOMAIN,
	};
	const struct invt_munit_cfg *c;
	bool stale = false;
	int ret = -EFAULT;

	invt_cache_lock(u->iotlb);
	if (!u->ops->enabled || u->ops->enabled(u)) {
		c = cfg_get_locked(u, &use, &stale);
		if (c && !c->blocks && c->ats)
			ret = 0;
	}
	/* Accepted: locked until munit_translated_end() (struct invt_mdev_unit). */
	if (ret)
		invt_cache_unlock(u->iotlb);
	return ret;
}

static void munit_translated_end(void *unit)
{
	struct invt_munit *u = unit;

	invt_cache_unlock(u->iotlb);
}

void invt_munit_set_fault_hook(struct invt_munit *u, invt_munit_fault_fn fn, void *arg)
{
	u->fault_arg = arg;
	u->fault = fn;
}

/*
 * An untranslated access faulted: through a nested configuration, the
 * arch's record goes to the hook (invt_munit_set_fault_hook()).
 */
static void munit_fault(void *unit, uint32_t sid, uint32_t ssid, uint64_t iova, bool write,
			const struct invt_mdev_xl *xl)
{
	struct invt_munit *u = unit;
	struct invt_munit_fault_info f = {
		.sid = sid, .ssid = ssid, .iova = iova, .ipa = xl->fault_ipa, .write = write,
		.where = xl->fault, .nested = xl->nested,
	};
	uint8_t rec[INVT_MUNIT_FAULT_RECORD_MAX];
	size_t len;

	if (!u->fault || !f.nested || !u->ops->fault_record || f.where == INVT_MDEV_FAULT_NONE)
		return;
	len = u->ops->fault_record(&f, rec);
	if (len)
		u->fault(u->fault_arg, u->p.id, sid, rec, len);
}

int invt_munit_dma(struct invt_munit *u, uint32_t sid, uint32_t ssid, uint64_t iova, bool write)
{
	struct invt_mdev *d = invt_munit_find_dev(u, sid);
	struct invt_mdev_unit mu = {
		.oracle = u->oracle, .id = u->p.id, .translate = munit_translate, .unit = u,
		.fault = munit_fault, .translated = munit_translated,
		.translated_end = munit_translated_end,
	};

	if (!d)
		return -ENODEV;
	return invt_mdev_dma(&mu, d->atc, sid, ssid, iova, write);
}
