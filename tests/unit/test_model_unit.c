// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_model_unit.c - the arch-neutral modelled unit (src/model/unit.h):
 * two-stage walks and the configuration cache.  A unit with a test arch's
 * ops walks ARM 4K tables: the stage-1 tables live at IPAs (PA +
 * TEST_IPA_OFF, mapped by stage 2), so a walk that skipped stage 2 for a
 * table access would read nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/cache.h>
#include <invtrack/model/mem.h>
#include <invtrack/model/oracle.h>
#include <invtrack/pt.h>

#include "../../src/model/unit-arch.h"

#define TEST_IPA_OFF	(UINT64_C(1) << 36)
#define TEST_IOVA	UINT64_C(0x40201000)
#define TEST_IOVA2	UINT64_C(0x40202000)	/* same last-level table */
#define TEST_DOM_S1	1u
#define TEST_DOM_S2	2u
#define TEST_VMID	5u
#define TEST_ASID	9u
#define PAGE		UINT64_C(4096)

struct tctx {
	struct invt_mem *mem;
	struct invt_oracle *oracle;
	struct invt_mem_pt_ops s2mem;
	struct invt_mem_pt_ops s1mem;
	struct invt_pt_ops s1ops;	/* the stage-1 tables at their IPAs */
	struct invt_pt s1, s2;
	struct invt_munit u;
	struct invt_munit_cfg c;
	uint64_t data_pa[2];
	uint64_t consumed, errors;
};

static struct tctx *of_s1ops(struct invt_pt_ops *ops)
{
	return (struct tctx *)((char *)ops - offsetof(struct tctx, s1ops));
}

/* A stage-1 table page: a frame, returned at its IPA, which stage 2 maps. */
static int s1_alloc(struct invt_pt_ops *ops, uint64_t *ipa)
{
	struct tctx *t = of_s1ops(ops);
	uint64_t pa;
	int ret = t->s1mem.ops.alloc_table(&t->s1mem.ops, &pa);

	if (ret)
		return ret;
	*ipa = pa + TEST_IPA_OFF;
	return invt_pt_map(&t->s2, *ipa, pa, PAGE, INVT_PT_READ | INVT_PT_WRITE);
}

static void s1_free(struct invt_pt_ops *ops, uint64_t ipa)
{
	struct tctx *t = of_s1ops(ops);

	t->s1mem.ops.free_table(&t->s1mem.ops, ipa - TEST_IPA_OFF);
}

static uint64_t *s1_va(struct invt_pt_ops *ops, uint64_t ipa)
{
	struct tctx *t = of_s1ops(ops);

	return t->s1mem.ops.table_va(&t->s1mem.ops, ipa - TEST_IPA_OFF);
}

static int t_cfg_fetch(struct invt_munit *u, uint32_t sid, uint32_t ssid,
		       struct invt_munit_cfg *c)
{
	return -EFAULT;		/* configurations are given, not fetched */
}

static bool t_cfg_in_scope(const void *scope, const struct invt_munit_cfg *c)
{
	return true;
}

static int t_leaf(const struct invt_munit_cfg *c, unsigned int stage, struct invt_pt_walk *res,
		  bool *global)
{
	*global = false;
	return 0;
}

static int t_queue_start(struct invt_munit *u)
{
	return 0;
}

static void t_queue_stop(struct invt_munit *u)
{
}

static uint64_t t_queue_clock(struct invt_munit *u)
{
	return 0;
}

static const struct invt_munit_ops t_ops = {
	.cfg_fetch = t_cfg_fetch,
	.cfg_in_scope = t_cfg_in_scope,
	.leaf = t_leaf,
	.walk_cache_root = true,
	.queue_start = t_queue_start,
	.queue_stop = t_queue_stop,
	.queue_destroy = t_queue_stop,
	.queue_clock = t_queue_clock,
};

static void noop_unlinked(struct invt_pt_gather *g, uint64_t table_pa)
{
}

/* Stage 2 no longer maps one page of IPA space. */
static void s2_unmap(struct tctx *t, uint64_t ipa)
{
	struct invt_pt_gather g = { .table_unlinked = noop_unlinked };

	assert_int_equal(invt_pt_unmap(&t->s2, ipa, PAGE, &g), 0);
	assert_int_equal(g.unmapped, PAGE);
}

static int setup(void **state)
{
	struct invt_mem_config mc = { .nr_frames = 256 };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 1, .nr_ssids = 1,
					 .nr_vms = 1 };
	struct invt_munit_params p = {
		.cfg_entries = 1, .iotlb_sets = 16, .iotlb_ways = 4, .tag = INVT_MUNIT_TAG_DOMAIN,
		.atc_name = "atc",
	};
	struct tctx *t = calloc(1, sizeof(*t));
	unsigned int i;

	assert_non_null(t);
	assert_int_equal(invt_mem_create(&mc, &t->mem), 0);
	assert_int_equal(invt_oracle_create(&oc, t->mem, &t->oracle), 0);
	invt_mem_pt_ops_init(&t->s2mem, t->mem, TEST_DOM_S2);
	invt_mem_pt_ops_init(&t->s1mem, t->mem, TEST_DOM_S1);
	t->s1ops = (struct invt_pt_ops){
		.alloc_table = s1_alloc, .free_table = s1_free, .table_va = s1_va,
	};
	assert_int_equal(invt_pt_init(&t->s2, &invt_pt_fmt_arm_s2_4k, &t->s2mem.ops), 0);
	assert_int_equal(invt_pt_init(&t->s1, &invt_pt_fmt_arm_s1_4k, &t->s1ops), 0);
	for (i = 0; i < 2; i++) {
		uint64_t iova = i ? TEST_IOVA2 : TEST_IOVA;

		assert_int_equal(invt_mem_alloc(t->mem, INVT_FRAME_DATA, TEST_DOM_S1, iova,
						&t->data_pa[i]), 0);
		assert_int_equal(invt_pt_map(&t->s1, iova, t->data_pa[i] + TEST_IPA_OFF, PAGE,
					     INVT_PT_READ | INVT_PT_WRITE), 0);
		assert_int_equal(invt_pt_map(&t->s2, t->data_pa[i] + TEST_IPA_OFF, t->data_pa[i],
					     PAGE, INVT_PT_READ), 0);
	}
	assert_int_equal(invt_munit_init(&t->u, &p, &t_ops, t->mem, t->oracle), 0);
	invt_munit_set_queue(&t->u, NULL, 0, &t->consumed, &t->errors, NULL);
	t->c = (struct invt_munit_cfg){
		.valid = true,
		.stages = INVT_MUNIT_STAGE(INVT_MUNIT_S1) | INVT_MUNIT_STAGE(INVT_MUNIT_S2),
		.ia_bits = 48, .oa_bits = 48, .tag_s2 = TEST_VMID, .tag_s1 = TEST_ASID,
		.fmt = { &invt_pt_fmt_arm_s1_4k, &invt_pt_fmt_arm_s2_4k },
		.root = { t->s1.root_pa, t->s2.root_pa },
		.domain = TEST_DOM_S1, .domain_s2 = TEST_DOM_S2,
	};
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tctx *t = *state;

	invt_munit_fini(&t->u);
	invt_oracle_destroy(t->oracle);
	invt_mem_destroy(t->mem);
	free(t);
	return 0;
}

/* Is an entry of @kinds with the test's tags cached for @addr? */
static bool cached(struct tctx *t, uint32_t kinds, uint32_t tag_s1, uint64_t addr,
		   struct invt_cache_entry *e)
{
	struct invt_cache_key key = {
		.kinds = kinds, .tag_s2 = TEST_VMID, .tag_s1 = tag_s1,
		.sid = INVT_CACHE_ID_NONE, .ssid = INVT_CACHE_ID_NONE, .iova = addr,
	};
	bool hit;

	invt_cache_lock(t->u.iotlb);
	hit = !invt_cache_lookup_locked(t->u.iotlb, &key, e);
	invt_cache_unlock(t->u.iotlb);
	return hit;
}

/* The IPA of the last stage-1 table of @iova's walk. */
static uint64_t s1_last_table(struct tctx *t, uint64_t iova)
{
	struct invt_pt_walk res;

	assert_int_equal(invt_pt_hw_walk(&invt_pt_fmt_arm_s1_4k, &t->s1ops, t->s1.root_pa, iova,
					 &res), 0);
	return res.tables[res.nr_tables - 1];
}

static void test_nested_walk_and_fill(void **state)
{
	struct tctx *t = *state;
	uint64_t data_ipa = t->data_pa[0] + TEST_IPA_OFF;
	struct invt_cache_entry e;
	struct invt_munit_walk w;

	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA + 0x123, &w), 0);
	assert_int_equal(w.fault, INVT_MUNIT_FAULT_NONE);
	assert_false(w.hit);
	assert_false(w.stale);
	assert_true(w.pa == t->data_pa[0] + 0x123);
	assert_int_equal(w.shift, 12);
	/* Stage 2 maps the data read-only: the combination is read-only. */
	assert_int_equal(w.prot, INVT_PT_READ);

	/* Combined leaf (VMID, ASID), stage-2 leaf (VMID), walk entries of both. */
	assert_true(cached(t, INVT_CACHE_K(INVT_CACHE_NESTED), TEST_ASID, TEST_IOVA, &e));
	assert_true(e.pa == t->data_pa[0]);
	assert_int_equal(e.domain, TEST_DOM_S1);
	assert_int_equal(e.domain_s2, TEST_DOM_S2);
	assert_true(cached(t, INVT_CACHE_K(INVT_CACHE_S2), INVT_CACHE_ID_NONE, data_ipa, &e));
	assert_true(e.pa == t->data_pa[0]);
	assert_false(cached(t, INVT_CACHE_K(INVT_CACHE_S1), TEST_ASID, TEST_IOVA, &e));
	assert_true(cached(t, INVT_CACHE_K(INVT_CACHE_WALK_S1), TEST_ASID, TEST_IOVA, &e));
	assert_true(e.pa == s1_last_table(t, TEST_IOVA));	/* an IPA */
	assert_true(cached(t, INVT_CACHE_K(INVT_CACHE_WALK_S2), INVT_CACHE_ID_NONE, data_ipa,
			   &e));

	/* Again: the combined entry, no walk. */
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), 0);
	assert_true(w.hit);
	assert_true(w.pa == t->data_pa[0]);
	assert_int_equal(t->u.n.walks, 1);
}

static void test_stage2_fault_on_stage1_table(void **state)
{
	struct tctx *t = *state;
	uint64_t table = s1_last_table(t, TEST_IOVA);
	struct invt_cache_entry e;
	struct invt_munit_walk w;

	s2_unmap(t, table);
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_MUNIT_FAULT_S2_TABLE);
	assert_true(w.fault_ipa == table);
	/* Nothing of the failed walk is cached as a translation. */
	assert_false(cached(t, INVT_CACHE_K(INVT_CACHE_NESTED), TEST_ASID, TEST_IOVA, &e));
	assert_false(cached(t, INVT_CACHE_K(INVT_CACHE_WALK_S1), TEST_ASID, TEST_IOVA, &e));
}

static void test_stage2_fault_on_output(void **state)
{
	struct tctx *t = *state;
	uint64_t data_ipa = t->data_pa[1] + TEST_IPA_OFF;
	struct invt_munit_walk w;

	s2_unmap(t, data_ipa);
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA2, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_MUNIT_FAULT_S2);
	assert_true(w.fault_ipa == data_ipa);
	/* The other page of the same tables still translates. */
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), 0);
}

static void test_stage1_fault(void **state)
{
	struct tctx *t = *state;
	struct invt_munit_walk w;

	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA + 16 * PAGE, &w),
			 -EFAULT);
	assert_int_equal(w.fault, INVT_MUNIT_FAULT_S1);
}

/*
 * A stage-1 fault keeps the walk entry of the last table the walk read (a
 * valid table descriptor led there), which the commands of walk entries
 * remove (a Leaf = 1 form does not); and a use of it after its table's
 * frame went with no such command is what the oracle reports: a missing
 * invalidation of the entry is caught.
 */
static void test_stage1_fault_keeps_walk_entry(void **state)
{
	struct tctx *t = *state;
	uint64_t table = s1_last_table(t, TEST_IOVA), hole = TEST_IOVA + 16 * PAGE;
	const uint32_t walk = INVT_CACHE_K(INVT_CACHE_WALK_S1);
	struct invt_violation v[2];
	struct invt_cache_match m;
	struct invt_cache_entry e;
	struct invt_munit_walk w;

	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, hole, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_MUNIT_FAULT_S1);
	assert_false(cached(t, INVT_CACHE_K(INVT_CACHE_NESTED), TEST_ASID, hole, &e));
	assert_true(cached(t, walk, TEST_ASID, hole, &e));
	assert_true(e.pa == table);
	assert_true(e.table.pa == table - TEST_IPA_OFF);

	/* TLBI_NH_VA-like of the hole: Leaf = 1 keeps it, Leaf = 0 removes it. */
	invt_cache_match_init(&m, INVT_CACHE_K(INVT_CACHE_S1) | INVT_CACHE_K(INVT_CACHE_NESTED) |
				  walk);
	invt_cache_match_tag_s2(&m, TEST_VMID);
	invt_cache_match_tag_s1(&m, TEST_ASID);
	invt_cache_match_range(&m, hole, hole + PAGE - 1);
	m.leaf_only = true;
	invt_cache_lock(t->u.iotlb);
	assert_int_equal(invt_cache_invalidate_locked(t->u.iotlb, &m), 0);
	m.leaf_only = false;
	assert_int_equal(invt_cache_invalidate_locked(t->u.iotlb, &m), 1);
	invt_cache_unlock(t->u.iotlb);
	assert_false(cached(t, walk, TEST_ASID, hole, &e));

	/* Filled again; the table's frame goes with no invalidation. */
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, hole, &w), -EFAULT);
	assert_true(cached(t, walk, TEST_ASID, hole, &e));
	assert_int_equal(invt_mem_free(t->mem, table - TEST_IPA_OFF), 0);
	invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w);
	assert_true(w.stale);
	assert_true(invt_oracle_reports(t->oracle, v, 2) >= 1);
	assert_int_equal(v[0].kind, INVT_VIOL_STALE_TLB);
	assert_int_equal(v[0].cache, INVT_CACHE_WALK_S1);
}

/* A walk continued from a stage-1 walk entry still reaches its table through stage 2. */
static void test_walk_cache_table_through_stage2(void **state)
{
	struct tctx *t = *state;
	uint64_t table = s1_last_table(t, TEST_IOVA);
	struct invt_cache_match m;
	struct invt_munit_walk w;
	struct invt_cache_entry e;

	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), 0);
	assert_true(cached(t, INVT_CACHE_K(INVT_CACHE_WALK_S1), TEST_ASID, TEST_IOVA2, &e));
	/* The host unmaps the table page from stage 2 and invalidates stage 2. */
	s2_unmap(t, table);
	invt_cache_match_init(&m, INVT_CACHE_K(INVT_CACHE_S2) | INVT_CACHE_K(INVT_CACHE_WALK_S2));
	invt_cache_lock(t->u.iotlb);
	invt_cache_invalidate_locked(t->u.iotlb, &m);
	invt_cache_unlock(t->u.iotlb);
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA2, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_MUNIT_FAULT_S2_TABLE);
	assert_true(w.fault_ipa == table);
}

/*
 * With invt_munit_ops.walk_s1_pa the walk entry holds its table's PA: after
 * the host unmaps the table page and invalidates stage 2 only, a walk from
 * the entry still reads the table there; once the frame goes with no
 * stage-1 invalidation, a use of the entry is reported (the missing
 * TLBI_NH_ALL is caught); a stage-1 removal sends the walk back to the
 * root, where stage 2 faults.
 */
static void test_walk_cache_table_pa(void **state)
{
	static struct invt_munit_ops ops;	/* outlives a failed assert (teardown) */
	struct tctx *t = *state;
	uint64_t table = s1_last_table(t, TEST_IOVA);
	struct invt_violation v[2];
	struct invt_cache_match m;
	struct invt_munit_walk w;
	struct invt_cache_entry e;

	ops = t_ops;
	ops.walk_s1_pa = true;
	t->u.ops = &ops;
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), 0);
	s2_unmap(t, table);
	invt_cache_match_init(&m, INVT_CACHE_K(INVT_CACHE_S2) | INVT_CACHE_K(INVT_CACHE_WALK_S2));
	invt_cache_lock(t->u.iotlb);
	invt_cache_invalidate_locked(t->u.iotlb, &m);
	invt_cache_unlock(t->u.iotlb);
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA2, &w), 0);
	assert_false(w.hit);
	assert_false(w.stale);
	assert_true(w.pa == t->data_pa[1]);

	/* The combined leaves go (Leaf = 1); the table's frame is freed. */
	invt_cache_match_init(&m, INVT_CACHE_K(INVT_CACHE_NESTED));
	invt_cache_lock(t->u.iotlb);
	invt_cache_invalidate_locked(t->u.iotlb, &m);
	invt_cache_unlock(t->u.iotlb);
	assert_int_equal(invt_mem_free(t->mem, table - TEST_IPA_OFF), 0);
	invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA2, &w);
	assert_true(w.stale);
	assert_int_equal(invt_oracle_reports(t->oracle, v, 2), 1);
	assert_int_equal(v[0].kind, INVT_VIOL_STALE_TLB);
	assert_int_equal(v[0].cache, INVT_CACHE_WALK_S1);

	/* Stage 1 removed: from the root, stage 2 of the table faults. */
	invt_cache_match_init(&m, INVT_CACHE_K(INVT_CACHE_NESTED) |
				  INVT_CACHE_K(INVT_CACHE_WALK_S1));
	invt_cache_lock(t->u.iotlb);
	invt_cache_invalidate_locked(t->u.iotlb, &m);
	invt_cache_unlock(t->u.iotlb);
	assert_false(cached(t, INVT_CACHE_K(INVT_CACHE_WALK_S1), TEST_ASID, TEST_IOVA2, &e));
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA2, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_MUNIT_FAULT_S2_TABLE);
	t->u.ops = &t_ops;
}

/* Stage-2 removals by IPA keep combined entries; removals by VMID drop them. */
static void test_removal_of_combined(void **state)
{
	struct tctx *t = *state;
	uint64_t data_ipa = t->data_pa[0] + TEST_IPA_OFF;
	struct invt_cache_match m;
	struct invt_munit_walk w;

	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), 0);
	/* TLBI_S2_IPA-like: stage-2 leaves of the IPA only. */
	invt_cache_match_init(&m, INVT_CACHE_K(INVT_CACHE_S2));
	invt_cache_match_tag_s2(&m, TEST_VMID);
	invt_cache_match_range(&m, data_ipa, data_ipa + PAGE - 1);
	invt_cache_lock(t->u.iotlb);
	invt_cache_invalidate_locked(t->u.iotlb, &m);
	invt_cache_unlock(t->u.iotlb);
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), 0);
	assert_true(w.hit);
	/* TLBI_NH_ALL-like (the S1_CLEAR entry): everything of stage 1 under the VMID. */
	invt_cache_match_init(&m, INVT_CACHE_K(INVT_CACHE_NESTED) | INVT_CACHE_K(INVT_CACHE_S1) |
			      INVT_CACHE_K(INVT_CACHE_WALK_S1));
	invt_cache_match_tag_s2(&m, TEST_VMID);
	invt_cache_lock(t->u.iotlb);
	invt_cache_invalidate_locked(t->u.iotlb, &m);
	invt_cache_unlock(t->u.iotlb);
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), 0);
	assert_false(w.hit);
	assert_true(w.pa == t->data_pa[0]);
}

/* A combined entry used after its data frame went back to the pool: stale. */
static void test_oracle_sees_combined(void **state)
{
	struct tctx *t = *state;
	struct invt_oracle_stats st;
	struct invt_munit_walk w;

	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), 0);
	assert_false(w.stale);
	assert_int_equal(invt_mem_free(t->mem, t->data_pa[0]), 0);
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), 0);
	assert_true(w.hit);
	assert_true(w.stale);
	invt_oracle_stats(t->oracle, &st);
	assert_int_equal(st.violations[INVT_VIOL_STALE_TLB], 1);
}

/*
 * A VM the oracle keeps (slot 0, parent TEST_DOM_S2, IPA pages = frames +
 * TEST_IPA_OFF), the configuration naming it: combined and stage-1 walk
 * entries carry the guest's IPA pages, checked on both stages.  The guest
 * unmapping its page and its invalidation completing makes the combined
 * entry stale at stage 1; the host's frame of a guest table page going
 * makes the stage-1 walk entry stale at stage 2.
 */
static void test_oracle_guest_pages(void **state)
{
	struct tctx *t = *state;
	uint64_t data_ipa = t->data_pa[0] + TEST_IPA_OFF;
	uint64_t table_ipa = s1_last_table(t, TEST_IOVA);
	struct invt_violation v[4];
	struct invt_oracle_stats st;
	struct invt_pt_walk res;
	struct invt_cache_entry e;
	struct invt_munit_walk w;
	unsigned int i;

	assert_int_equal(invt_oracle_vm_init(t->oracle, 0, TEST_DOM_S2,
					     invt_mem_base(t->mem) + TEST_IPA_OFF, 256 * PAGE), 0);
	assert_int_equal(invt_pt_hw_walk(&invt_pt_fmt_arm_s1_4k, &t->s1ops, t->s1.root_pa,
					 TEST_IOVA, &res), 0);
	for (i = 0; i < res.nr_tables; i++)
		assert_int_equal(invt_oracle_guest_map(t->oracle, 0, res.tables[i], 1,
						       INVT_FRAME_TABLE, TEST_DOM_S1, 0), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(invt_oracle_guest_map(t->oracle, 0, t->data_pa[i] + TEST_IPA_OFF,
						       1, INVT_FRAME_DATA, TEST_DOM_S1,
						       i ? TEST_IOVA2 : TEST_IOVA), 0);
	t->c.has_vm = true;
	t->c.vm = 0;

	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), 0);
	assert_false(w.stale);
	assert_true(w.guest.pa == data_ipa);
	assert_true(cached(t, INVT_CACHE_K(INVT_CACHE_NESTED), TEST_ASID, TEST_IOVA, &e));
	assert_true(e.table.pa == data_ipa);
	assert_true(e.leaf.pa == t->data_pa[0]);
	assert_true(cached(t, INVT_CACHE_K(INVT_CACHE_WALK_S1), TEST_ASID, TEST_IOVA, &e));
	assert_true(e.leaf.pa == table_ipa);
	assert_true(e.table.pa == table_ipa - TEST_IPA_OFF);
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), 0);
	assert_true(w.hit);
	assert_false(w.stale);

	/* The guest unmaps its page; stale only once its invalidation completed. */
	assert_int_equal(invt_oracle_guest_unmap(t->oracle, 0, data_ipa, 1), 0);
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), 0);
	assert_false(w.stale);
	assert_int_equal(invt_oracle_guest_inv_done(t->oracle, 0, data_ipa, 1), 0);
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), 0);
	assert_true(w.hit);
	assert_true(w.stale);
	invt_oracle_stats(t->oracle, &st);
	assert_int_equal(st.violations[INVT_VIOL_STALE_TLB], 1);
	assert_int_equal(invt_oracle_reports(t->oracle, v, 4), 1);
	assert_int_equal(v[0].stage, 1);
	assert_int_equal(v[0].cache, INVT_CACHE_NESTED);

	/*
	 * The host frame of the last table goes (freed with no invalidation):
	 * the walk entry leading to it is stale at stage 2, whatever the walk
	 * then reads there.
	 */
	assert_int_equal(invt_mem_free(t->mem, table_ipa - TEST_IPA_OFF), 0);
	invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA2, &w);
	assert_true(w.stale);
	/* Then the table's stage-2 leaf, checked as the parent's (stage 0). */
	assert_int_equal(invt_oracle_reports(t->oracle, v, 4), 3);
	assert_int_equal(v[1].stage, 2);
	assert_int_equal(v[1].cache, INVT_CACHE_WALK_S1);
	assert_int_equal(v[2].stage, 0);
	assert_int_equal(v[2].cache, INVT_CACHE_S2);
}

/*
 * A structure a configuration fetch reads at an IPA: translated by stage 2
 * (its leaf cached, tagged with the VMID alone); an IPA stage 2 does not
 * map faults and caches nothing, and so does a mapping without read
 * permission.
 */
static void test_s2_fetch(void **state)
{
	struct tctx *t = *state;
	uint64_t frame, ipa, pa = 0;
	struct invt_oracle_stats st;
	struct invt_cache_entry e;
	int ret;

	assert_int_equal(invt_mem_alloc(t->mem, INVT_FRAME_OTHER, 0, 0, &frame), 0);
	ipa = frame + TEST_IPA_OFF;
	invt_cache_lock(t->u.iotlb);
	ret = invt_munit_s2_fetch_locked(&t->u, &t->c, ipa + 0x40, &pa);
	invt_cache_unlock(t->u.iotlb);
	assert_int_equal(ret, -EFAULT);
	assert_false(cached(t, INVT_CACHE_K(INVT_CACHE_S2), INVT_CACHE_ID_NONE, ipa, &e));

	assert_int_equal(invt_pt_map(&t->s2, ipa, frame, PAGE, INVT_PT_READ), 0);
	invt_cache_lock(t->u.iotlb);
	ret = invt_munit_s2_fetch_locked(&t->u, &t->c, ipa + 0x40, &pa);
	invt_cache_unlock(t->u.iotlb);
	assert_int_equal(ret, 0);
	assert_true(pa == frame + 0x40);
	assert_true(cached(t, INVT_CACHE_K(INVT_CACHE_S2), INVT_CACHE_ID_NONE, ipa, &e));
	assert_true(e.pa == frame);
	assert_int_equal(e.domain, TEST_DOM_S2);

	/* Write-only at stage 2: a structure fetch is a read, it faults. */
	assert_int_equal(invt_pt_map(&t->s2, ipa + PAGE, frame, PAGE, INVT_PT_WRITE), 0);
	invt_cache_lock(t->u.iotlb);
	ret = invt_munit_s2_fetch_locked(&t->u, &t->c, ipa + PAGE, &pa);
	invt_cache_unlock(t->u.iotlb);
	assert_int_equal(ret, -EFAULT);
	invt_oracle_stats(t->oracle, &st);
	assert_int_equal(st.total, 0);
}

static void test_not_nested(void **state)
{
	struct tctx *t = *state;
	struct invt_munit_walk w;

	t->c.stages = INVT_MUNIT_STAGE(INVT_MUNIT_S1);
	assert_int_equal(invt_munit_walk_nested(&t->u, &t->c, TEST_IOVA, &w), -EINVAL);
	assert_int_equal(t->u.n.translations, 0);
}

/* The configuration cache: fetches counted, scopes by sid (UINT32_MAX: all). */
static unsigned int cc_fetches;
static uint64_t cc_root;

static int cc_cfg_fetch(struct invt_munit *u, uint32_t sid, uint32_t ssid,
			struct invt_munit_cfg *c)
{
	u->n.cfg_fetches++;
	cc_fetches++;
	/* Stage 2 only, from a root mapping nothing at the test's addresses. */
	c->stages = INVT_MUNIT_STAGE(INVT_MUNIT_S2);
	c->fmt[INVT_MUNIT_S2] = &invt_pt_fmt_arm_s2_4k;
	c->root[INVT_MUNIT_S2] = cc_root;
	c->tag_s2 = TEST_VMID;
	c->tag_s1 = INVT_CACHE_ID_NONE;
	return 0;
}

static bool cc_in_scope(const void *scope, const struct invt_munit_cfg *c)
{
	uint32_t sid = *(const uint32_t *)scope;

	return sid == UINT32_MAX || c->sid == sid;
}

static const struct invt_munit_ops cc_ops = {
	.cfg_fetch = cc_cfg_fetch,
	.cfg_in_scope = cc_in_scope,
	.leaf = t_leaf,
	.queue_start = t_queue_start,
	.queue_stop = t_queue_stop,
	.queue_destroy = t_queue_stop,
	.queue_clock = t_queue_clock,
};

#define CC_SLOTS	5u
#define CC_SIDS		16u

/* A unit of CC_SLOTS configuration slots with devices 0..CC_SIDS-1. */
static void cc_unit(struct tctx *t, struct invt_munit *u, uint64_t seed)
{
	struct invt_munit_params p = {
		.seed = seed, .cfg_entries = CC_SLOTS, .iotlb_sets = 4, .iotlb_ways = 2,
		.tag = INVT_MUNIT_TAG_DOMAIN, .atc_name = "atc",
	};
	uint32_t sid;

	memset(u, 0, sizeof(*u));
	assert_int_equal(invt_munit_init(u, &p, &cc_ops, t->mem, t->oracle), 0);
	invt_munit_set_queue(u, NULL, 0, &t->consumed, &t->errors, NULL);
	for (sid = 0; sid < CC_SIDS; sid++)
		assert_int_equal(invt_munit_add_device(u, sid, 0), 0);
	cc_root = t->s2.root_pa;
}

/* Fetches one access of (@sid, @ssid) costs (it faults: nothing is mapped there). */
static unsigned int cc_access(struct invt_munit *u, uint32_t sid, uint32_t ssid)
{
	unsigned int before = cc_fetches;

	assert_int_equal(invt_munit_dma(u, sid, ssid, 0, false), -EFAULT);
	return cc_fetches - before;
}

static unsigned int cc_invalidate(struct invt_munit *u, uint32_t sid)
{
	unsigned int n;

	invt_cache_lock(u->iotlb);
	n = invt_munit_cfg_invalidate_locked(u, &sid);
	invt_cache_unlock(u->iotlb);
	return n;
}

static void test_cfg_cache(void **state)
{
	struct tctx *t = *state;
	struct invt_munit u, v;
	unsigned int i, missed = 0;
	uint64_t rng = 7;

	cc_unit(t, &u, 1);
	/* Free slots: every configuration stays until invalidated. */
	for (i = 0; i < CC_SLOTS; i++)
		assert_int_equal(cc_access(&u, i, i % 2), 1);
	for (i = 0; i < CC_SLOTS; i++)
		assert_int_equal(cc_access(&u, i, i % 2), 0);
	assert_int_equal(cc_access(&u, 1, 0), 1);	/* another ssid, in a victim's slot */
	assert_int_equal(cc_invalidate(&u, UINT32_MAX), CC_SLOTS);
	for (i = 0; i < CC_SLOTS; i++)
		assert_int_equal(cc_access(&u, 2, i), 1);
	/* Only the scope goes, whatever it shares a chain with. */
	assert_int_equal(cc_invalidate(&u, 3), 0);
	assert_int_equal(cc_invalidate(&u, 2), CC_SLOTS);
	assert_int_equal(cc_invalidate(&u, 2), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(cc_access(&u, i, 0), 1);
	assert_int_equal(cc_invalidate(&u, 1), 1);
	assert_int_equal(cc_access(&u, 0, 0), 0);
	assert_int_equal(cc_access(&u, 2, 0), 0);
	assert_int_equal(cc_access(&u, 1, 0), 1);
	assert_int_equal(cc_invalidate(&u, UINT32_MAX), 3);

	/*
	 * Full: each miss replaces one entry, the cache never holds more than
	 * its slots nor one key twice, and the same seed replaces the same.
	 */
	invt_munit_release(&u);
	cc_unit(t, &u, 1);
	cc_unit(t, &v, 1);
	for (i = 0; i < 2000; i++) {
		uint32_t sid, ssid;
		unsigned int fu, fv;

		rng = invt_munit_mix(rng);
		sid = (uint32_t)(rng % CC_SIDS);
		ssid = (uint32_t)(rng >> 32) % 2;
		fu = cc_access(&u, sid, ssid);
		fv = cc_access(&v, sid, ssid);
		assert_int_equal(fu, fv);
		assert_true(fu <= 1);
		missed += fu;
		assert_int_equal(cc_access(&u, sid, ssid), 0);
		assert_int_equal(cc_access(&v, sid, ssid), 0);
		if (i % 97 == 0) {
			assert_int_equal(cc_invalidate(&u, sid), cc_invalidate(&v, sid));
			assert_int_equal(cc_access(&u, sid, ssid), 1);
			assert_int_equal(cc_access(&v, sid, ssid), 1);
		}
	}
	assert_true(missed > CC_SLOTS && missed < 2000);
	assert_int_equal(cc_invalidate(&u, UINT32_MAX), CC_SLOTS);
	assert_int_equal(cc_invalidate(&v, UINT32_MAX), CC_SLOTS);
	assert_int_equal(u.n.cfg_fetches, v.n.cfg_fetches);
	invt_munit_release(&u);
	invt_munit_release(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nested_walk_and_fill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stage2_fault_on_stage1_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stage2_fault_on_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stage1_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stage1_fault_keeps_walk_entry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_walk_cache_table_through_stage2, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_walk_cache_table_pa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removal_of_combined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oracle_sees_combined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oracle_guest_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s2_fetch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cfg_cache, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
