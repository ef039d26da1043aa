// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * unit-nest.c - two-stage (nested) translation in the modelled unit, the
 * same for every architecture: stage 1 maps the input address to an IPA
 * through tables that are themselves at IPAs, stage 2 maps every IPA (each
 * stage-1 table access and the output) to a PA.
 *
 * Under the unit lock, for (tag_s2, tag_s1) = (VMID, ASID), (DID, PASID)
 * or (GSCID, PSCID) as the arch's configuration names them:
 *  1. the combined (INVT_CACHE_NESTED) leaf of the input address: a hit is
 *     checked by the oracle and used;
 *  2. else the stage-1 walk, from the stage-1 walk cache's entry (the IPA
 *     of the next table, both tags) or from the root IPA.  Each table
 *     access is translated by stage 2: its stage-2 leaf (tag_s2), else the
 *     stage-2 walk cache, else a stage-2 walk from the stage-2 root, each
 *     entry used checked by the oracle as the stage-2 domain's, each walk
 *     filled in.  A stage-2 fault there is a fault of the whole
 *     translation (INVT_MUNIT_FAULT_S2_TABLE): the stage-1 walk reads no
 *     entry of a table it cannot reach, cached or not;
 *  3. stage 2 of the stage-1 leaf's output, the same way;
 *  4. the combined leaf is filled (span: the smaller of the two leaves'),
 *     and the stage-1 walk entry of the last stage-1 table.
 * Stage-2 entries are checked as the parent's (invt_oracle_check_tlb()); the
 * combined and stage-1 walk entries of a VM's guest against the guest's IPA
 * pages and the host frames (invt_oracle_check_nested(), the references
 * taken at fill: struct invt_munit_cfg), else as single-stage entries.
 * The arch checks each stage's leaf (invt_munit_ops.leaf).  A structure the
 * arch's configuration fetch reads at an IPA (SMMUv3's CDs of a nested STE)
 * goes through the same stage 2 (invt_munit_s2_fetch_locked()).  What each
 * invalidation removes of these entries is the cache's (<invtrack/model/cache.h>):
 * stage-2 invalidations by IPA do not remove combined entries, except
 * where the arch's command reaches them by the IPA they translate to
 * (RISC-V IOTINVAL.GVMA: the combined leaf records it, .ipa).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "unit.h"

#define K(kind)		INVT_CACHE_K(INVT_CACHE_##kind)

/* What a table access outside stage 2's reach reads: nothing present. */
static uint64_t nest_zero_table[4096 / sizeof(uint64_t)];

/**
 * struct nest_ctx - one nested translation in progress.
 * @ops: stage-1 table access: table_va() translates the IPA by stage 2.
 * @u: the unit.
 * @c: the configuration.
 * @use_s2: the oracle's use for stage-2 entries (the stage-2 domain's).
 * @w: the result being built (@w->stale, @w->fault).
 * @table_pa: the PA of the stage-1 table accessed last.
 * @from_ipa: a walk from a stage-1 walk entry that holds its table's PA
 *	(invt_munit_ops.walk_s1_pa): the table's IPA ...
 * @from_pa: ... and that PA, which the walk's first table access uses
 *	instead of stage 2 ...
 * @from_valid: ... while true.
 */
struct nest_ctx {
	struct invt_pt_ops ops;
	struct invt_munit *u;
	const struct invt_munit_cfg *c;
	struct invt_oracle_use use_s2;
	struct invt_munit_walk *w;
	uint64_t table_pa;
	uint64_t from_ipa;
	uint64_t from_pa;
	bool from_valid;
};

/*
 * Fill a walk entry of @kind: the next table @table of @iova's walk at @lvl,
 * whose PA is @table_pa (stage 1: @table is an IPA).  A stage-1 entry keeps
 * both, the IPA (.pa) and the table's frame (.table), and the oracle
 * judges it on both (check_s1()); with invt_munit_ops.walk_s1_pa the walk
 * that starts from it reads the table at that frame (nest_table_va()).
 */
static void fill_walk(struct nest_ctx *x, enum invt_cache_kind kind, unsigned int stage,
		      unsigned int lvl, uint64_t iova, uint64_t table, uint64_t table_pa)
{
	const struct invt_pt_fmt *fmt = x->c->fmt[stage];
	unsigned int wshift = fmt->granule_shift + fmt->bits_per_level * (lvl + 1);
	struct invt_cache_entry e;

	if (wshift >= 64)
		return;
	invt_munit_entry(x->u, x->c, kind, &e);
	if (stage == INVT_MUNIT_S2) {
		e.tag_s1 = INVT_CACHE_ID_NONE;
		e.domain = x->c->domain_s2;
	}
	e.shift = (uint8_t)wshift;
	e.level = (uint8_t)lvl;
	e.iova = iova & ~((UINT64_C(1) << wshift) - 1);
	e.pa = table;
	invt_mem_ref(x->u->mem, table_pa, &e.table);
	/* A guest's walk entry: also the next table's IPA page (the oracle's). */
	if (stage == INVT_MUNIT_S1 && x->c->has_vm)
		invt_oracle_guest_ref(x->u->oracle, x->c->vm, table, &e.leaf);
	e.fill_time = invt_oracle_stamp(x->u->oracle);
	invt_cache_insert_locked(x->u->iotlb, &e, NULL);
}

/*
 * The stage-1 walk entry of the last table @res read for @iova, unless the
 * walk started from that very entry (@from) or the root holds the leaf and
 * the arch caches no root entry.  Also after a walk that faulted at stage
 * 1 (not at stage 2 of a table access: that walk caches nothing): every
 * table it read is the root or was reached through a valid table
 * descriptor, and a walk cache may hold a valid table descriptor whatever
 * the rest of the walk finds (VT-d §6.2.4: paging-structure caches hold
 * present non-leaf entries; Arm and RISC-V allow speculative walks, which
 * cache table descriptors no access used).  An invalid or faulting
 * descriptor is never cached: the entry points at the table that holds
 * it, not past it.  The commands that remove such an entry are those of
 * any stage-1 walk entry (the Leaf = 0 / IH = 0 / NL = 1 forms and every
 * form without an address).
 */
static void fill_s1_walk(struct nest_ctx *x, uint64_t iova, const struct invt_pt_walk *res,
			 const struct invt_cache_entry *from)
{
	unsigned int lvl = res->level;
	uint64_t table = res->tables[res->nr_tables - 1];

	if (from && from->pa == table && from->level == lvl)
		return;		/* that entry stays as it was filled */
	if (from || res->nr_tables > 1 || x->u->ops->walk_cache_root)
		fill_walk(x, INVT_CACHE_WALK_S1, INVT_MUNIT_S1, lvl, iova, table, x->table_pa);
}

/*
 * Stage 2 of @ipa: its leaf (cached or walked and filled).  Return: 0 with
 * *@pa (exact), *@shift and *@prot, or -EFAULT.
 */
static int stage2(struct nest_ctx *x, uint64_t ipa, uint64_t *pa, unsigned int *shift,
		  unsigned int *prot)
{
	const struct invt_munit_cfg *c = x->c;
	struct invt_munit *u = x->u;
	struct invt_cache_entry e, from;
	struct invt_cache_key key;
	struct invt_pt_walk res;
	bool from_walk = false, global;
	uint64_t table;
	int ret;

	invt_munit_key(u, c, K(S2), ipa, &key);
	if (key.tag_s1 != INVT_CACHE_ID_ANY)
		key.tag_s1 = INVT_CACHE_ID_NONE;
	if (!invt_cache_lookup_locked(u->iotlb, &key, &e)) {
		if (invt_oracle_check_tlb(u->oracle, &x->use_s2, &e) > 0)
			x->w->stale = true;
		*pa = e.pa | (ipa & ((UINT64_C(1) << e.shift) - 1));
		*shift = e.shift;
		*prot = e.prot;
		return 0;
	}
	key.kinds = K(WALK_S2);
	if (!invt_cache_lookup_locked(u->iotlb, &key, &from)) {
		if (invt_oracle_check_tlb(u->oracle, &x->use_s2, &from) > 0)
			x->w->stale = true;
		from_walk = true;
		ret = invt_pt_hw_walk_from(c->fmt[INVT_MUNIT_S2], &u->ptops.ops, from.pa, from.level,
					   ipa, &res);
	} else {
		ret = invt_pt_hw_walk(c->fmt[INVT_MUNIT_S2], &u->ptops.ops, c->root[INVT_MUNIT_S2],
				      ipa, &res);
	}
	if (ret || u->ops->leaf(c, INVT_MUNIT_S2, &res, &global))
		return -EFAULT;
	*pa = res.oa;
	*shift = (unsigned int)__builtin_ctzll(res.size);
	*prot = res.prot;

	invt_munit_entry(u, c, INVT_CACHE_S2, &e);
	e.tag_s1 = INVT_CACHE_ID_NONE;
	e.domain = c->domain_s2;
	e.shift = (uint8_t)*shift;
	e.level = (uint8_t)res.level;
	e.prot = (uint8_t)res.prot;
	e.iova = ipa & ~(res.size - 1);
	e.pa = res.oa & ~(res.size - 1);
	invt_mem_ref(u->mem, e.pa, &e.leaf);
	e.fill_time = invt_oracle_stamp(u->oracle);
	invt_cache_insert_locked(u->iotlb, &e, NULL);
	/* A walk that hit the walk cache keeps that entry as it was filled. */
	table = res.tables[res.nr_tables - 1];
	if (!(from_walk && from.pa == table && from.level == res.level) &&
	    (from_walk || res.nr_tables > 1 || u->ops->walk_cache_root))
		fill_walk(x, INVT_CACHE_WALK_S2, INVT_MUNIT_S2, res.level, ipa, table, table);
	return 0;
}

/*
 * The oracle's check of a stage-1 side entry of @c (a combined leaf or a
 * stage-1 walk entry) about to be used: against the guest's IPA pages and
 * the host frames when the parent is a VM's, else as a single-stage entry.
 */
static int check_s1(struct invt_munit *u, const struct invt_munit_cfg *c,
		    const struct invt_oracle_use *use, const struct invt_cache_entry *e)
{
	struct invt_oracle_nest n = {
		.vm = c->vm, .flags = INVT_ORACLE_NEST_S1 | INVT_ORACLE_NEST_S2,
	};

	if (!c->has_vm)
		return invt_oracle_check_tlb(u->oracle, use, e);
	/* See struct invt_munit_cfg: which reference is which stage's. */
	n.s1 = e->kind == INVT_CACHE_NESTED ? e->table : e->leaf;
	n.s2 = e->kind == INVT_CACHE_NESTED ? e->leaf : e->table;
	return invt_oracle_check_nested(u->oracle, use, e, &n);
}

/* A stage-1 table access: the IPA's table through stage 2, or nothing. */
static uint64_t *nest_table_va(struct invt_pt_ops *ops, uint64_t ipa)
{
	struct nest_ctx *x = (struct nest_ctx *)((char *)ops - offsetof(struct nest_ctx, ops));
	unsigned int shift, prot;
	uint64_t pa, *va;

	if (x->w->fault != INVT_MUNIT_FAULT_NONE)
		return nest_zero_table;
	/* The walk entry's table, at the PA the entry holds. */
	if (x->from_valid && ipa == x->from_ipa) {
		x->from_valid = false;
		va = invt_mem_va(x->u->mem, x->from_pa);
		if (va) {
			x->table_pa = x->from_pa;
			return va;
		}
	}
	if (stage2(x, ipa, &pa, &shift, &prot) || !(prot & INVT_PT_READ) ||
	    !(va = invt_mem_va(x->u->mem, pa))) {
		x->w->fault = INVT_MUNIT_FAULT_S2_TABLE;
		x->w->fault_ipa = ipa;
		return nest_zero_table;
	}
	x->table_pa = pa & ~((UINT64_C(1) << 12) - 1);
	return va;
}

int invt_munit_s2_fetch_locked(struct invt_munit *u, const struct invt_munit_cfg *c, uint64_t ipa,
			       uint64_t *pa)
{
	struct invt_munit_walk w = { .fault = INVT_MUNIT_FAULT_NONE };
	struct invt_munit_cfg s2c = *c;
	struct nest_ctx x = {
		.u = u, .c = &s2c, .w = &w,
		.use_s2 = { .instance = u->p.id, .sid = c->sid, .ssid = c->ssid, .iova = ipa },
	};
	unsigned int shift, prot;

	/* The stage-2 domain, as the unit records it once the fetch is done. */
	s2c.domain_s2 = invt_munit_frame_domain(u, c->root[INVT_MUNIT_S2]);
	x.use_s2.cfg_domain = s2c.domain_s2;
	if (stage2(&x, ipa, pa, &shift, &prot) || !(prot & INVT_PT_READ) ||
	    !invt_mem_va(u->mem, *pa))
		return -EFAULT;
	return 0;
}

int invt_munit_nested_locked(struct invt_munit *u, const struct invt_munit_cfg *c,
			     struct invt_oracle_use *use, uint64_t iova, struct invt_munit_walk *w)
{
	const struct invt_pt_fmt *fmt = c->fmt[INVT_MUNIT_S1];
	struct nest_ctx x = {
		.ops = { .table_va = nest_table_va }, .u = u, .c = c, .use_s2 = *use, .w = w,
	};
	struct invt_cache_entry e, from;
	struct invt_cache_key key;
	struct invt_pt_walk res;
	unsigned int s2_shift, s2_prot;
	uint64_t pa;
	bool from_walk = false;
	int ret;

	memset(w, 0, sizeof(*w));
	x.use_s2.cfg_domain = c->domain_s2;
	invt_munit_key(u, c, K(NESTED), iova, &key);
	if (!invt_cache_lookup_locked(u->iotlb, &key, &e)) {
		if (check_s1(u, c, use, &e) > 0)
			w->stale = true;
		w->guest = e.table;
		w->pa = e.pa | (iova & ((UINT64_C(1) << e.shift) - 1));
		w->shift = e.shift;
		w->prot = e.prot;
		w->global = e.global;
		w->hit = true;
		return 0;
	}
	u->n.walks++;
	key.kinds = K(WALK_S1);
	if (!invt_cache_lookup_locked(u->iotlb, &key, &from)) {
		if (check_s1(u, c, use, &from) > 0)
			w->stale = true;
		from_walk = true;
		x.from_valid = u->ops->walk_s1_pa;
		x.from_ipa = from.pa;
		x.from_pa = from.table.pa;
		ret = invt_pt_hw_walk_from(fmt, &x.ops, from.pa, from.level, iova, &res);
	} else {
		ret = invt_pt_hw_walk(fmt, &x.ops, c->root[INVT_MUNIT_S1], iova, &res);
	}
	if (w->fault != INVT_MUNIT_FAULT_NONE)
		return -EFAULT;		/* stage 2 of a table access */
	if (ret || u->ops->leaf(c, INVT_MUNIT_S1, &res, &w->global)) {
		w->fault = INVT_MUNIT_FAULT_S1;
		/* The tables it read may stay cached (see fill_s1_walk()). */
		if (res.nr_tables)
			fill_s1_walk(&x, iova, &res, from_walk ? &from : NULL);
		return -EFAULT;
	}
	if (stage2(&x, res.oa, &pa, &s2_shift, &s2_prot)) {
		w->fault = INVT_MUNIT_FAULT_S2;
		w->fault_ipa = res.oa;
		return -EFAULT;
	}
	w->pa = pa;
	w->shift = (unsigned int)__builtin_ctzll(res.size);
	if (s2_shift < w->shift)
		w->shift = s2_shift;
	w->prot = res.prot & s2_prot;

	invt_munit_entry(u, c, INVT_CACHE_NESTED, &e);
	e.domain_s2 = c->domain_s2;
	e.global = w->global;
	e.shift = (uint8_t)w->shift;
	e.level = (uint8_t)res.level;
	e.prot = (uint8_t)w->prot;
	e.iova = iova & ~((UINT64_C(1) << w->shift) - 1);
	e.pa = pa & ~((UINT64_C(1) << w->shift) - 1);
	/* Its IPA, which a removal by IPA compares (RISC-V IOTINVAL.GVMA). */
	e.ipa = res.oa & ~((UINT64_C(1) << w->shift) - 1);
	invt_mem_ref(u->mem, e.pa, &e.leaf);
	/* A guest's combined leaf: also its output's IPA page (the oracle's). */
	if (c->has_vm)
		invt_oracle_guest_ref(u->oracle, c->vm, res.oa, &e.table);
	w->guest = e.table;
	e.fill_time = invt_oracle_stamp(u->oracle);
	invt_cache_insert_locked(u->iotlb, &e, NULL);

	fill_s1_walk(&x, iova, &res, from_walk ? &from : NULL);
	return 0;
}

int invt_munit_walk_nested(struct invt_munit *u, const struct invt_munit_cfg *c, uint64_t iova,
			   struct invt_munit_walk *w)
{
	struct invt_oracle_use use = {
		.instance = u->p.id, .sid = c->sid, .ssid = c->ssid, .iova = iova,
		.cfg_domain = c->domain,
	};
	int ret;

	if (!invt_munit_nested(c)) {
		memset(w, 0, sizeof(*w));
		w->fault = INVT_MUNIT_FAULT_S1;
		return -EINVAL;
	}
	invt_cache_lock(u->iotlb);
	u->n.translations++;
	ret = invt_munit_nested_locked(u, c, &use, iova, w);
	if (!ret)
		u->n.xlate[INVT_MUNIT_S1]++;
	invt_cache_unlock(u->iotlb);
	return ret;
}
