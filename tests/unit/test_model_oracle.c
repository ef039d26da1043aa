// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_model_oracle.c - the model's oracle: every rule fires, and stays
 * quiet just on the other side of it (the oracle's ablations at unit level);
 * attachment bookkeeping, bad input, counters, reports, formatting, threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <invtrack/model/cache.h>
#include <invtrack/model/mem.h>
#include <invtrack/model/oracle.h>

#define NONE INVT_MEM_NO_DOMAIN
#define STALE_TLB (INVT_VIOL_STALE_TLB + 1)
#define STALE_CONFIG (INVT_VIOL_STALE_CONFIG + 1)
#define WRONG_DOMAIN (INVT_VIOL_WRONG_DOMAIN + 1)
#define ISOLATION (INVT_VIOL_ISOLATION + 1)

struct fix {
	struct invt_mem *mem;
	struct invt_oracle *o;
};

/* 2 instances x 4 sids x 3 ssids, over a 16-frame pool. */
static int setup_n(void **state, unsigned int max_reports)
{
	static struct fix f;
	struct invt_mem_config mc = { .nr_frames = 16 };
	struct invt_oracle_config oc = { .nr_instances = 2, .nr_sids = 4, .nr_ssids = 3,
					 .max_reports = max_reports, .seed = 42 };

	memset(&f, 0, sizeof(f));
	if (invt_mem_create(&mc, &f.mem) || invt_oracle_create(&oc, f.mem, &f.o))
		return -1;
	*state = &f;
	return 0;
}

static int setup(void **state)
{
	return setup_n(state, 0);
}

static int setup_3(void **state)
{
	return setup_n(state, 3);
}

static int teardown(void **state)
{
	struct fix *f = *state;

	invt_oracle_destroy(f->o);
	invt_mem_destroy(f->mem);
	return 0;
}

static struct invt_oracle_stats stats(struct invt_oracle *o)
{
	struct invt_oracle_stats st;

	invt_oracle_stats(o, &st);
	assert_int_equal(invt_oracle_total(o), st.total);
	return st;
}

static struct invt_violation last_report(struct invt_oracle *o)
{
	struct invt_violation v[16];
	size_t n = invt_oracle_reports(o, v, 16);

	assert_true(n > 0);
	return v[n - 1];
}

static uint64_t alloc_data(struct invt_mem *mem, uint32_t dom, uint64_t iova)
{
	uint64_t pa = 0;

	assert_int_equal(invt_mem_alloc(mem, INVT_FRAME_DATA, dom, iova, &pa), 0);
	return pa;
}

/* A TLB entry of @kind by @dom over frame @pa, filled now. */
static struct invt_cache_entry entry(struct fix *f, uint8_t kind, uint32_t dom, uint64_t pa)
{
	struct invt_cache_entry e = {
		.kind = kind, .shift = 12, .tag_s2 = 0, .tag_s1 = 17, .sid = INVT_CACHE_ID_NONE,
		.ssid = INVT_CACHE_ID_NONE, .iova = 0x4000, .pa = pa, .domain = dom,
		.domain_s2 = NONE,
	};

	if (kind == INVT_CACHE_WALK_S1 || kind == INVT_CACHE_WALK_S2)
		assert_int_equal(invt_mem_ref(f->mem, pa, &e.table), 0);
	else
		assert_int_equal(invt_mem_ref(f->mem, pa, &e.leaf), 0);
	e.fill_time = invt_oracle_stamp(f->o);
	return e;
}

/* An ATC entry of (sid, ssid) by @dom over frame @pa under generation @gen. */
static struct invt_cache_entry atc_entry(struct fix *f, uint32_t sid, uint32_t ssid, uint32_t dom,
					 uint64_t pa, uint64_t gen)
{
	struct invt_cache_entry e = entry(f, INVT_CACHE_S1, dom, pa);

	e.kind = INVT_CACHE_ATC;
	e.tag_s2 = INVT_CACHE_ID_NONE;
	e.tag_s1 = INVT_CACHE_ID_NONE;
	e.sid = sid;
	e.ssid = ssid;
	e.attach_gen = gen;
	return e;
}

static struct invt_oracle_use use_of(uint32_t inst, uint32_t sid, uint32_t ssid, uint32_t dom)
{
	return (struct invt_oracle_use){ .instance = inst, .sid = sid, .ssid = ssid,
					 .iova = 0x4000, .cfg_domain = dom };
}

/* ---- creation, clock ---- */

static void test_create(void **state)
{
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 1, .nr_ssids = 1,
					 .seed = 0x1234 };
	struct invt_oracle *sentinel = (struct invt_oracle *)&oc;
	struct invt_oracle *o = sentinel;
	struct fix *f = *state;

	assert_int_equal(invt_oracle_create(NULL, f->mem, &o), -EINVAL);
	assert_int_equal(invt_oracle_create(&oc, NULL, &o), -EINVAL);
	assert_int_equal(invt_oracle_create(&oc, f->mem, NULL), -EINVAL);
	oc.nr_instances = 0;
	assert_int_equal(invt_oracle_create(&oc, f->mem, &o), -EINVAL);
	oc.nr_instances = 1;
	oc.nr_sids = 0;
	assert_int_equal(invt_oracle_create(&oc, f->mem, &o), -EINVAL);
	oc.nr_sids = 1;
	oc.nr_ssids = 0;
	assert_int_equal(invt_oracle_create(&oc, f->mem, &o), -EINVAL);
	/* (2^32 - 1)^3 slots overflow size_t */
	oc.nr_instances = oc.nr_sids = oc.nr_ssids = UINT32_MAX;
	assert_int_equal(invt_oracle_create(&oc, f->mem, &o), -EINVAL);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	/* 2^50 slots: no overflow, but no such memory (sanitizers abort here) */
	oc.nr_instances = 1u << 20;
	oc.nr_sids = 1u << 20;
	oc.nr_ssids = 1u << 10;
	assert_int_equal(invt_oracle_create(&oc, f->mem, &o), -ENOMEM);
#endif
	assert_ptr_equal(o, sentinel);

	oc.nr_instances = oc.nr_sids = oc.nr_ssids = 1;
	assert_int_equal(invt_oracle_create(&oc, f->mem, &o), 0);
	assert_int_equal(invt_oracle_seed(o), 0x1234);
	/* the clock starts at 1 and counts every call */
	assert_int_equal(invt_oracle_stamp(o), 1);
	assert_int_equal(invt_oracle_stamp(o), 2);
	assert_int_equal(invt_oracle_stamp(o), 3);
	/* a begin takes a stamp */
	assert_int_equal(invt_oracle_attach_begin(o, 0, 0, 0, 1), 0);
	assert_int_equal(invt_oracle_stamp(o), 5);
	invt_oracle_destroy(o);
	invt_oracle_destroy(NULL);
}

/* ---- attachment bookkeeping ---- */

static void test_transitions(void **state)
{
	struct fix *f = *state;

	assert_int_equal(invt_oracle_config_done(f->o, 0, 1, 0), -EINVAL);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, 1, 0), -EINVAL);
	assert_int_equal(invt_oracle_attach_abort(f->o, 0, 1, 0), -EINVAL);
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 0, 5), 0);

	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 1, 0, 5), 0);
	/* a second begin is refused and changes nothing: 5 is still the new domain */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 1, 0, 6), -EBUSY);
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 0, 5), 1);
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 0, 6), 0);
	/* other slots are independent */
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 1, 5), 0);
	assert_int_equal(invt_oracle_atc_gen(f->o, 1, 1, 0, 5), 0);
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 1, 1, 6), 0);
	assert_int_equal(invt_oracle_attach_abort(f->o, 0, 1, 1), 0);

	assert_int_equal(invt_oracle_config_done(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, 1, 0), -EINVAL);
	assert_int_equal(invt_oracle_config_done(f->o, 0, 1, 0), -EINVAL);
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 0, 5), 1);
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 0, 6), 1);
	assert_int_equal(stats(f->o).total, 0);
}

static void test_bad_ids(void **state)
{
	struct fix *f = *state;
	uint64_t pa = alloc_data(f->mem, 5, 0x4000);
	struct invt_cache_entry e = entry(f, INVT_CACHE_S1, 5, pa);
	struct invt_cache_entry a = atc_entry(f, 0, 0, 5, pa, 0);
	const struct invt_oracle_use bad[] = {
		use_of(2, 0, 0, 5), use_of(0, 4, 0, 5), use_of(0, 0, 3, 5),
		use_of(UINT32_MAX, UINT32_MAX, UINT32_MAX, 5),
	};
	struct invt_oracle_use ok = use_of(1, 3, 2, 5);
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct invt_oracle_use *u = &bad[i];

		assert_int_equal(invt_oracle_attach_begin(f->o, u->instance, u->sid, u->ssid, 5),
				 -EINVAL);
		assert_int_equal(invt_oracle_config_done(f->o, u->instance, u->sid, u->ssid),
				 -EINVAL);
		assert_int_equal(invt_oracle_attach_done(f->o, u->instance, u->sid, u->ssid),
				 -EINVAL);
		assert_int_equal(invt_oracle_attach_abort(f->o, u->instance, u->sid, u->ssid),
				 -EINVAL);
		assert_true(invt_oracle_atc_gen(f->o, u->instance, u->sid, u->ssid, 5) ==
			    INVT_ORACLE_GEN_INVALID);
		assert_int_equal(invt_oracle_check_config(f->o, u, 0), -EINVAL);
		assert_int_equal(invt_oracle_check_tlb(f->o, u, &e), -EINVAL);
		assert_int_equal(invt_oracle_check_atc(f->o, u, &a), -EINVAL);
	}
	/* NULLs and wrong kinds */
	assert_int_equal(invt_oracle_attach_begin(NULL, 0, 0, 0, 5), -EINVAL);
	assert_int_equal(invt_oracle_check_config(f->o, NULL, 0), -EINVAL);
	assert_int_equal(invt_oracle_check_config(NULL, &ok, 0), -EINVAL);
	assert_int_equal(invt_oracle_check_tlb(f->o, NULL, &e), -EINVAL);
	assert_int_equal(invt_oracle_check_tlb(f->o, &ok, NULL), -EINVAL);
	assert_int_equal(invt_oracle_check_atc(f->o, NULL, &a), -EINVAL);
	assert_int_equal(invt_oracle_check_atc(f->o, &ok, NULL), -EINVAL);
	assert_int_equal(invt_oracle_check_tlb(f->o, &ok, &a), -EINVAL);
	assert_int_equal(invt_oracle_check_atc(f->o, &ok, &e), -EINVAL);
	e.kind = INVT_CACHE_NR_KINDS;
	assert_int_equal(invt_oracle_check_tlb(f->o, &ok, &e), -EINVAL);
	e.kind = 200;
	assert_int_equal(invt_oracle_check_tlb(f->o, &ok, &e), -EINVAL);
	/* the last valid ids work: the entries are fine */
	e.kind = INVT_CACHE_S1;
	a.sid = 3;
	a.ssid = 2;
	assert_int_equal(invt_oracle_check_tlb(f->o, &ok, &e), 0);
	assert_int_equal(invt_oracle_check_atc(f->o, &ok, &a), 0);
	assert_int_equal(invt_oracle_check_config(f->o, &ok, 0), 0);
	assert_int_equal(stats(f->o).total, 0);
	assert_int_equal(invt_oracle_reports(f->o, &(struct invt_violation){ 0 }, 1), 0);
}

/* ---- STALE_CONFIG ---- */

static void test_config_rule(void **state)
{
	struct fix *f = *state;
	struct invt_oracle_use u = use_of(1, 3, 2, 4);
	struct invt_oracle_use other_sid = use_of(1, 2, 2, 4);
	struct invt_oracle_use other_inst = use_of(0, 3, 2, 4);
	struct invt_violation v;
	uint64_t before, after;

	before = invt_oracle_stamp(f->o);
	assert_int_equal(invt_oracle_check_config(f->o, &u, before), 0);
	assert_int_equal(invt_oracle_attach_begin(f->o, 1, 3, 2, 5), 0);
	/* between begin and done both configurations are legitimate */
	assert_int_equal(invt_oracle_check_config(f->o, &u, before), 0);
	after = invt_oracle_stamp(f->o);
	assert_int_equal(invt_oracle_config_done(f->o, 1, 3, 2), 0);

	/* filled before begin, used after done: stale */
	assert_int_equal(invt_oracle_check_config(f->o, &u, before), STALE_CONFIG);
	v = last_report(f->o);
	assert_int_equal(v.kind, INVT_VIOL_STALE_CONFIG);
	assert_int_equal(v.instance, 1);
	assert_int_equal(v.sid, 3);
	assert_int_equal(v.ssid, 2);
	assert_int_equal(v.cache, INVT_VIOL_CACHE_CONFIG);
	assert_int_equal(v.tag_s2, INVT_CACHE_ID_NONE);
	assert_int_equal(v.tag_s1, INVT_CACHE_ID_NONE);
	assert_int_equal(v.iova, 0x4000);
	assert_int_equal(v.pa, 0);
	assert_int_equal(v.domain, 4);
	assert_int_equal(v.expected_domain, 5);
	assert_int_equal(v.verdict, -1);
	assert_int_equal(v.freed_at, 0);
	assert_int_equal(v.fill_stamp, before);
	assert_int_equal(v.use_stamp, after + 1);
	assert_non_null(strstr(v.why, "before the change began"));

	/* the boundary: the begin's own stamp (before + 1) is not before it */
	assert_int_equal(invt_oracle_check_config(f->o, &u, before + 1), 0);
	/* filled after begin */
	assert_int_equal(invt_oracle_check_config(f->o, &u, after), 0);
	/* other devices and instances are not concerned */
	assert_int_equal(invt_oracle_check_config(f->o, &other_sid, before), 0);
	assert_int_equal(invt_oracle_check_config(f->o, &other_inst, before), 0);

	/* the rule keeps holding after the commit */
	assert_int_equal(invt_oracle_attach_done(f->o, 1, 3, 2), 0);
	assert_int_equal(invt_oracle_check_config(f->o, &u, before), STALE_CONFIG);
	assert_int_equal(last_report(f->o).expected_domain, 5);
	assert_int_equal(invt_oracle_check_config(f->o, &u, after), 0);
	assert_int_equal(stats(f->o).violations[INVT_VIOL_STALE_CONFIG], 2);
	assert_int_equal(stats(f->o).total, 2);

	/* the next begin suspends it until that change is done */
	assert_int_equal(invt_oracle_attach_begin(f->o, 1, 3, 2, 6), 0);
	assert_int_equal(invt_oracle_check_config(f->o, &u, before), 0);
	assert_int_equal(invt_oracle_check_config(f->o, &u, after), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 1, 3, 2), 0);
	assert_int_equal(invt_oracle_check_config(f->o, &u, after), STALE_CONFIG);
	assert_int_equal(last_report(f->o).expected_domain, 6);
	assert_int_equal(stats(f->o).total, 3);
}

static void test_config_abort(void **state)
{
	struct fix *f = *state;
	struct invt_oracle_use u = use_of(0, 1, 0, 4);
	uint64_t s0, s1;

	/* no change ever completed: after an abort nothing is stale */
	s0 = invt_oracle_stamp(f->o);
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 1, 0, 5), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_check_config(f->o, &u, s0), STALE_CONFIG);
	assert_int_equal(invt_oracle_attach_abort(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_check_config(f->o, &u, s0), 0);
	assert_int_equal(invt_oracle_attach_abort(f->o, 0, 1, 0), -EINVAL);

	/* a completed change T1, then an aborted T2: T1's rule is back */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 1, 0, 5), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, 1, 0), 0);
	s1 = invt_oracle_stamp(f->o);
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 1, 0, 6), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_check_config(f->o, &u, s1), STALE_CONFIG);
	assert_int_equal(invt_oracle_attach_abort(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_check_config(f->o, &u, s1), 0);
	assert_int_equal(invt_oracle_check_config(f->o, &u, s0), STALE_CONFIG);
	assert_int_equal(last_report(f->o).expected_domain, 5);

	/* aborted before its configuration was done: the same */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 1, 0, 7), 0);
	assert_int_equal(invt_oracle_attach_abort(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_check_config(f->o, &u, s1), 0);
	assert_int_equal(invt_oracle_check_config(f->o, &u, s0), STALE_CONFIG);
	assert_int_equal(stats(f->o).total, 4);
}

/* ---- WRONG_DOMAIN, STALE_TLB by frame ---- */

static void test_wrong_domain(void **state)
{
	struct fix *f = *state;
	uint64_t pa = alloc_data(f->mem, 5, 0x4000);
	struct invt_cache_entry e = entry(f, INVT_CACHE_S1, 5, pa);
	struct invt_oracle_use u = use_of(1, 2, 1, 5);
	struct invt_violation v;

	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &e), 0);
	/* no domain in the configuration: only the frame is checked */
	u.cfg_domain = NONE;
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &e), 0);
	u.cfg_domain = 6;
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &e), WRONG_DOMAIN);
	v = last_report(f->o);
	assert_int_equal(v.kind, INVT_VIOL_WRONG_DOMAIN);
	assert_int_equal(v.instance, 1);
	assert_int_equal(v.sid, 2);
	assert_int_equal(v.ssid, 1);
	assert_int_equal(v.cache, INVT_CACHE_S1);
	assert_int_equal(v.tag_s2, 0);
	assert_int_equal(v.tag_s1, 17);
	assert_int_equal(v.pa, pa);
	assert_int_equal(v.domain, 5);
	assert_int_equal(v.expected_domain, 6);
	assert_int_equal(v.verdict, INVT_MEM_LIVE);
	assert_int_equal(v.freed_at, 0);
	assert_int_equal(v.fill_stamp, e.fill_time);
	assert_true(v.use_stamp > e.fill_time);
	assert_non_null(strstr(v.why, "another domain"));

	/* checked before the frame */
	assert_int_equal(invt_mem_free(f->mem, pa), 0);
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &e), WRONG_DOMAIN);
	assert_int_equal(last_report(f->o).verdict, INVT_MEM_FREED);
	u.cfg_domain = 5;
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &e), STALE_TLB);
	assert_int_equal(stats(f->o).violations[INVT_VIOL_WRONG_DOMAIN], 2);
	assert_int_equal(stats(f->o).violations[INVT_VIOL_STALE_TLB], 1);
	assert_int_equal(stats(f->o).total, 3);
}

static void test_stale_leaf(void **state)
{
	struct fix *f = *state;
	uint64_t pa = alloc_data(f->mem, 5, 0x4000);
	uint64_t pb = alloc_data(f->mem, 5, 0x5000);
	struct invt_cache_entry e = entry(f, INVT_CACHE_S1, 5, pa);
	struct invt_cache_entry s2 = entry(f, INVT_CACHE_S2, 5, pa);
	struct invt_cache_entry nested = entry(f, INVT_CACHE_NESTED, 5, pa);
	struct invt_cache_entry eb = entry(f, INVT_CACHE_S1, 5, pb);
	struct invt_oracle_use u = use_of(0, 0, 0, 5);
	struct invt_frame_info fi;
	struct invt_violation v;

	/* live leaves; the table ref (zero: outside the pool) is not looked at */
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &e), 0);
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &s2), 0);
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &nested), 0);

	assert_int_equal(invt_mem_free(f->mem, pa), 0);
	assert_int_equal(invt_mem_info(f->mem, pa, &fi), 0);
	assert_true(fi.free_time > 0);
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &e), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.kind, INVT_VIOL_STALE_TLB);
	assert_int_equal(v.verdict, INVT_MEM_FREED);
	assert_int_equal(v.freed_at, fi.free_time);
	assert_int_equal(v.pa, pa);
	assert_int_equal(v.domain, 5);
	assert_int_equal(v.expected_domain, 5);
	assert_string_equal(v.why, "leaf frame freed");
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &s2), STALE_TLB);
	assert_int_equal(last_report(f->o).cache, INVT_CACHE_S2);
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &nested), STALE_TLB);
	assert_int_equal(last_report(f->o).cache, INVT_CACHE_NESTED);

	/* LIFO: the next allocation reuses the frame, for another domain */
	assert_int_equal(alloc_data(f->mem, 9, 0x9000), pa);
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &e), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.verdict, INVT_MEM_REUSED);
	assert_int_equal(v.freed_at, fi.free_time);
	assert_string_equal(v.why, "leaf frame freed and reused");

	/* reassigned without a free */
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &eb), 0);
	assert_int_equal(invt_mem_set_owner(f->mem, pb, INVT_FRAME_OTHER, NONE, 0), 0);
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &eb), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.verdict, INVT_MEM_CHANGED);
	assert_int_equal(v.freed_at, 0);
	assert_int_equal(v.pa, pb);
	assert_string_equal(v.why, "leaf frame reassigned");
	assert_int_equal(stats(f->o).violations[INVT_VIOL_STALE_TLB], 5);
	assert_int_equal(stats(f->o).total, 5);
}

static void test_stale_walk(void **state)
{
	struct fix *f = *state;
	uint64_t t1 = 0, t2 = 0;
	struct invt_cache_entry w1, w2;
	struct invt_oracle_use u = use_of(0, 0, 0, 5);
	struct invt_violation v;

	assert_int_equal(invt_mem_alloc(f->mem, INVT_FRAME_TABLE, 5, 0, &t1), 0);
	assert_int_equal(invt_mem_alloc(f->mem, INVT_FRAME_TABLE, 5, 0, &t2), 0);
	w1 = entry(f, INVT_CACHE_WALK_S1, 5, t1);
	w2 = entry(f, INVT_CACHE_WALK_S2, 5, t2);
	w1.shift = w2.shift = 21;
	/* live tables; the leaf ref (zero: outside the pool) is not looked at */
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &w1), 0);
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &w2), 0);

	assert_int_equal(invt_mem_free(f->mem, t1), 0);
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &w1), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.cache, INVT_CACHE_WALK_S1);
	assert_int_equal(v.pa, t1);
	assert_int_equal(v.verdict, INVT_MEM_FREED);
	assert_string_equal(v.why, "table frame freed");
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &w2), 0);

	assert_int_equal(invt_mem_free(f->mem, t2), 0);
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &w2), STALE_TLB);
	assert_int_equal(last_report(f->o).cache, INVT_CACHE_WALK_S2);
	assert_int_equal(stats(f->o).total, 2);
}

/* ---- STALE_TLB in an ATC ---- */

static void test_atc_gen(void **state)
{
	struct fix *f = *state;
	uint64_t pa = alloc_data(f->mem, 1, 0x4000);
	struct invt_oracle_use u = use_of(0, 1, 0, NONE);
	struct invt_cache_entry g0, g1, g2, g3, stray;
	struct invt_violation v;

	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 0, 1), 0);
	g0 = atc_entry(f, 1, 0, 1, pa, 0);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g0), 0);

	/* replace 1 -> 2: fills from 2 get the next generation */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 1, 0, 2), 0);
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 0, 1), 0);
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 0, 2), 1);
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 1, 2), 0);
	g1 = atc_entry(f, 1, 0, 2, pa, 1);
	stray = atc_entry(f, 1, 0, 2, pa, 2);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g0), 0);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g1), 0);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &stray), STALE_TLB);
	assert_int_equal(invt_oracle_config_done(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g0), 0);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g1), 0);

	/* commit: the old attachment's entries are stale */
	assert_int_equal(invt_oracle_attach_done(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 0, 1), 1);
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 0, 2), 1);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g1), 0);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g0), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.kind, INVT_VIOL_STALE_TLB);
	assert_int_equal(v.cache, INVT_CACHE_ATC);
	assert_int_equal(v.sid, 1);
	assert_int_equal(v.domain, 1);
	assert_int_equal(v.expected_domain, 2);
	assert_int_equal(v.verdict, INVT_MEM_LIVE);
	assert_int_equal(v.pa, pa);
	assert_string_equal(v.why, "ATC filled under a replaced attachment");
	/* another ssid's generation did not move */
	u.ssid = 1;
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g0), 0);
	u.ssid = 0;

	/* an aborted transaction's generation is dropped, never reused */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 1, 0, 3), 0);
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 0, 3), 2);
	g2 = atc_entry(f, 1, 0, 3, pa, 2);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g2), 0);
	assert_int_equal(invt_oracle_attach_abort(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g2), STALE_TLB);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g1), 0);
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 1, 0, 3), 0);
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 0, 3), 3);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g2), STALE_TLB);
	g3 = atc_entry(f, 1, 0, 3, pa, 3);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g3), 0);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g1), STALE_TLB);

	/* detach: fills from the old domain keep the old generation until done */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 1, 0, NONE), 0);
	assert_int_equal(invt_oracle_atc_gen(f->o, 0, 1, 0, 3), 3);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g3), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, 1, 0), 0);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &g3), STALE_TLB);
	assert_int_equal(last_report(f->o).expected_domain, NONE);
	assert_int_equal(stats(f->o).violations[INVT_VIOL_STALE_TLB], 6);
	assert_int_equal(stats(f->o).total, 6);
}

static void test_atc_frame(void **state)
{
	struct fix *f = *state;
	uint64_t pa = alloc_data(f->mem, 1, 0x4000);
	struct invt_oracle_use u = use_of(1, 0, 2, NONE);
	struct invt_cache_entry e = atc_entry(f, 0, 2, 1, pa, 0);
	struct invt_frame_info fi;
	struct invt_violation v;

	assert_int_equal(invt_oracle_check_atc(f->o, &u, &e), 0);
	assert_int_equal(invt_mem_free(f->mem, pa), 0);
	assert_int_equal(invt_mem_info(f->mem, pa, &fi), 0);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &e), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.verdict, INVT_MEM_FREED);
	assert_int_equal(v.freed_at, fi.free_time);
	assert_int_equal(v.instance, 1);
	assert_int_equal(v.ssid, 2);
	assert_string_equal(v.why, "ATC frame freed");
	assert_int_equal(stats(f->o).total, 1);
}

/* ---- counters, reports, format ---- */

/* More counting threads than the oracle has stripes of its own (31). */
#define C_THREADS 40
#define C_ROUNDS 2000

struct counter {
	struct invt_oracle *o[2];
};

/* Counts in one oracle, then another, then the first again. */
static void *counter_fn(void *arg)
{
	struct counter *c = arg;
	int k, i;

	for (k = 0; k < 3; k++) {
		struct invt_oracle *o = c->o[k & 1];

		for (i = 0; i < C_ROUNDS; i++) {
			invt_oracle_count_access(o);
			invt_oracle_count_fault(o);
			invt_oracle_count_nested_access(o);
		}
	}
	return NULL;
}

/* Every count lands, whichever stripe a thread got (its own or the shared one). */
static void test_count_threads(void **state)
{
	struct fix *f = *state;
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 1, .nr_ssids = 1 };
	struct counter c;
	struct invt_oracle_stats st;
	pthread_t t[C_THREADS];
	int i;

	c.o[0] = f->o;
	assert_int_equal(invt_oracle_create(&oc, f->mem, &c.o[1]), 0);
	for (i = 0; i < C_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, counter_fn, &c), 0);
	for (i = 0; i < C_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	st = stats(c.o[0]);
	assert_int_equal(st.accesses, 2 * C_THREADS * 2 * C_ROUNDS);
	assert_int_equal(st.nested_accesses, C_THREADS * 2 * C_ROUNDS);
	assert_int_equal(st.faults, C_THREADS * 2 * C_ROUNDS);
	st = stats(c.o[1]);
	assert_int_equal(st.accesses, 2 * C_THREADS * C_ROUNDS);
	assert_int_equal(st.nested_accesses, C_THREADS * C_ROUNDS);
	assert_int_equal(st.faults, C_THREADS * C_ROUNDS);
	invt_oracle_destroy(c.o[1]);
}

static void test_reports(void **state)
{
	struct fix *f = *state;	/* max_reports = 3 */
	uint64_t pa = alloc_data(f->mem, 5, 0x4000);
	struct invt_cache_entry e = entry(f, INVT_CACHE_S1, 5, pa);
	struct invt_cache_entry a = atc_entry(f, 0, 0, 5, pa, 7);
	struct invt_oracle_use u = use_of(0, 0, 0, 5);
	struct invt_oracle_use wrong = use_of(0, 0, 0, 6);
	struct invt_violation v[8];
	struct invt_oracle_stats st;
	int i;

	for (i = 0; i < 3; i++)
		invt_oracle_count_access(f->o);
	invt_oracle_count_fault(f->o);
	invt_oracle_count_fault(f->o);
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 0, 0, 5), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, 0, 0), 0);

	assert_int_equal(invt_oracle_check_config(f->o, &u, 1), STALE_CONFIG);
	assert_int_equal(invt_oracle_check_tlb(f->o, &wrong, &e), WRONG_DOMAIN);
	assert_int_equal(invt_oracle_check_atc(f->o, &u, &a), STALE_TLB);
	assert_int_equal(invt_mem_free(f->mem, pa), 0);
	assert_int_equal(invt_oracle_check_tlb(f->o, &u, &e), STALE_TLB);
	assert_int_equal(invt_oracle_check_config(f->o, &u, 2), STALE_CONFIG);

	st = stats(f->o);
	assert_int_equal(st.accesses, 3);
	assert_int_equal(st.faults, 2);
	assert_int_equal(st.violations[INVT_VIOL_STALE_TLB], 2);
	assert_int_equal(st.violations[INVT_VIOL_STALE_CONFIG], 2);
	assert_int_equal(st.violations[INVT_VIOL_WRONG_DOMAIN], 1);
	assert_int_equal(st.total, 5);

	/* the first three, in order, whole */
	memset(v, 0, sizeof(v));
	assert_int_equal(invt_oracle_reports(f->o, v, 8), 3);
	assert_int_equal(v[0].kind, INVT_VIOL_STALE_CONFIG);
	assert_int_equal(v[0].fill_stamp, 1);
	assert_int_equal(v[1].kind, INVT_VIOL_WRONG_DOMAIN);
	assert_int_equal(v[1].expected_domain, 6);
	assert_int_equal(v[2].kind, INVT_VIOL_STALE_TLB);
	assert_int_equal(v[2].cache, INVT_CACHE_ATC);
	assert_true(v[0].use_stamp < v[1].use_stamp && v[1].use_stamp < v[2].use_stamp);
	assert_int_equal(v[3].kind, 0);
	assert_null(v[3].why);
	memset(v, 0, sizeof(v));
	assert_int_equal(invt_oracle_reports(f->o, v, 1), 1);
	assert_int_equal(v[0].kind, INVT_VIOL_STALE_CONFIG);
	assert_null(v[1].why);
	assert_int_equal(invt_oracle_reports(f->o, v, 0), 0);
}

static void test_reports_default(void **state)
{
	struct fix *f = *state;	/* max_reports = 0: 8 */
	struct invt_oracle_use u = use_of(0, 0, 0, 5);
	struct invt_violation v[16];
	int i;

	/* stamps 1..10 go to fills, the begin takes 11 */
	for (i = 1; i <= 10; i++)
		assert_int_equal(invt_oracle_stamp(f->o), i);
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 0, 0, 5), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, 0, 0), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(invt_oracle_check_config(f->o, &u, (uint64_t)i + 1), STALE_CONFIG);
	assert_int_equal(invt_oracle_check_config(f->o, &u, 11), 0);
	assert_int_equal(stats(f->o).total, 10);
	assert_int_equal(invt_oracle_reports(f->o, v, 16), 8);
	for (i = 0; i < 8; i++) {
		assert_int_equal(v[i].fill_stamp, i + 1);
		assert_int_equal(v[i].use_stamp, 12 + i);
	}
}

static void test_format(void **state)
{
	struct invt_violation v = {
		.kind = INVT_VIOL_STALE_TLB, .instance = 1, .sid = 3, .ssid = 2,
		.cache = INVT_CACHE_S1, .tag_s2 = 0, .tag_s1 = 17, .iova = 0x4000,
		.pa = 0x80012000, .domain = 5, .expected_domain = 5,
		.verdict = INVT_MEM_REUSED, .freed_at = 1234, .fill_stamp = 77, .use_stamp = 90,
		.why = "leaf frame freed and reused",
	};
	const char *want = "STALE_TLB: instance 1 sid 3 ssid 2 iova 0x4000 via s1 (tags 0/17) -> "
			   "frame 0x80012000 (reused, freed at t=1234), domain 5, config domain 5, "
			   "filled at t=77, used at t=90 (rule: leaf frame freed and reused); "
			   "replay: --seed 12345";
	struct fix *f = *state;
	char buf[512], small[16];

	assert_int_equal(invt_violation_format(&v, 12345, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
	/* truncated, terminated, the full length returned */
	assert_int_equal(invt_violation_format(&v, 12345, small, sizeof(small)), strlen(want));
	assert_string_equal(small, "STALE_TLB: inst");

	v.kind = INVT_VIOL_WRONG_DOMAIN;
	v.cache = INVT_CACHE_S2;
	v.tag_s1 = INVT_CACHE_ID_NONE;
	v.verdict = INVT_MEM_LIVE;
	v.freed_at = 0;
	v.expected_domain = NONE;
	v.why = "x";
	invt_violation_format(&v, 1, buf, sizeof(buf));
	assert_string_equal(buf, "WRONG_DOMAIN: instance 1 sid 3 ssid 2 iova 0x4000 via s2 "
			    "(tags 0/none) -> frame 0x80012000 (live), domain 5, config domain "
			    "none, filled at t=77, used at t=90 (rule: x); replay: --seed 1");

	v = (struct invt_violation){ .kind = INVT_VIOL_STALE_CONFIG, .sid = 1,
				     .cache = INVT_VIOL_CACHE_CONFIG, .domain = 4,
				     .expected_domain = 5, .verdict = -1, .fill_stamp = 3,
				     .use_stamp = 9, .why = "y" };
	invt_violation_format(&v, 99, buf, sizeof(buf));
	assert_string_equal(buf, "STALE_CONFIG: instance 0 sid 1 ssid 0 iova 0x0 via config, "
			    "domain 4, attached domain 5, filled at t=3, used at t=9 (rule: y); "
			    "replay: --seed 99");

	/* a real report, with the oracle's seed */
	{
		uint64_t pa = alloc_data(f->mem, 1, 0x4000);
		struct invt_cache_entry e = atc_entry(f, 2, 1, 1, pa, 5);
		struct invt_oracle_use u = use_of(0, 2, 1, NONE);

		assert_int_equal(invt_oracle_check_atc(f->o, &u, &e), STALE_TLB);
		v = last_report(f->o);
		invt_violation_format(&v, invt_oracle_seed(f->o), buf, sizeof(buf));
		assert_non_null(strstr(buf, "STALE_TLB: instance 0 sid 2 ssid 1 iova 0x4000 "
					    "via atc (tags none/none)"));
		assert_non_null(strstr(buf, "attached domain none"));
		assert_non_null(strstr(buf, "(rule: ATC filled under a replaced attachment)"));
		assert_non_null(strstr(buf, "; replay: --seed 42"));
	}

	assert_string_equal(invt_violation_name(INVT_VIOL_STALE_TLB), "STALE_TLB");
	assert_string_equal(invt_violation_name(INVT_VIOL_STALE_CONFIG), "STALE_CONFIG");
	assert_string_equal(invt_violation_name(INVT_VIOL_WRONG_DOMAIN), "WRONG_DOMAIN");
	assert_string_equal(invt_violation_name(INVT_VIOL_ISOLATION), "ISOLATION");
	assert_string_equal(invt_violation_name(INVT_VIOL_NR), "?");
	assert_string_equal(invt_violation_name(-1), "?");
}

/* ---- ISOLATION: a command issued for a guest names what its VM does not own ---- */

static void test_isolation(void **state)
{
	struct fix *f = *state;
	static const uint32_t devs[] = { 1, 3 };
	struct invt_oracle_guest_cmd c = {
		.instance = 1, .vm = 2, .home = 1, .names = INVT_ORACLE_NAMES_TAG,
		.tag_s2 = 7, .nr_tags = 2, .tags = { 5, 7 }, .nr_devs = 2, .devs = devs,
	};
	struct invt_violation v;
	char buf[512];

	/* Owned: either tag, either device, or a command naming neither. */
	assert_int_equal(invt_oracle_check_isolation(f->o, &c), 0);
	c.tag_s2 = 5;
	assert_int_equal(invt_oracle_check_isolation(f->o, &c), 0);
	c.names = INVT_ORACLE_NAMES_DEV;
	c.tag_s2 = 99;		/* not named: not looked at */
	c.dev = 3;
	assert_int_equal(invt_oracle_check_isolation(f->o, &c), 0);
	c.names = 0;
	c.dev = 2;
	assert_int_equal(invt_oracle_check_isolation(f->o, &c), 0);
	assert_int_equal(stats(f->o).total, 0);

	/* Another VM's tag, or any tag while the VM owns none there. */
	c.names = INVT_ORACLE_NAMES_TAG | INVT_ORACLE_NAMES_DEV;
	c.tag_s2 = 6;
	c.dev = 1;
	assert_int_equal(invt_oracle_check_isolation(f->o, &c), ISOLATION);
	v = last_report(f->o);
	assert_int_equal(v.kind, INVT_VIOL_ISOLATION);
	assert_int_equal(v.instance, 1);
	assert_int_equal(v.vm, 2);
	assert_int_equal(v.tag_s2, 6);
	assert_int_equal(v.sid, 1);
	assert_int_equal(v.cache, INVT_VIOL_CACHE_COMMAND);
	assert_string_equal(v.why, "stage-2 tag the issuing VM does not own");
	c.tag_s2 = 5;
	c.nr_tags = 0;
	assert_int_equal(invt_oracle_check_isolation(f->o, &c), ISOLATION);

	/* A device the viommu does not bind (the virtual id left in). */
	c.nr_tags = 2;
	c.dev = 0x101;
	assert_int_equal(invt_oracle_check_isolation(f->o, &c), ISOLATION);
	v = last_report(f->o);
	assert_int_equal(v.sid, 0x101);
	assert_string_equal(v.why, "device the issuing VM's viommu does not bind");

	/* Another instance than the viommu's, whatever it names. */
	c.dev = 1;
	c.instance = 0;
	assert_int_equal(invt_oracle_check_isolation(f->o, &c), ISOLATION);
	v = last_report(f->o);
	assert_string_equal(v.why, "command on another instance than its viommu's");
	invt_violation_format(&v, 42, buf, sizeof(buf));
	assert_non_null(strstr(buf, "ISOLATION: instance 0 vm 2 tag 5 device 1, at t="));
	assert_non_null(strstr(buf, "(rule: command on another instance than its viommu's); "
				    "replay: --seed 42"));
	assert_int_equal(stats(f->o).violations[INVT_VIOL_ISOLATION], 4);
	assert_int_equal(stats(f->o).total, 4);

	/* Bad input records nothing. */
	assert_int_equal(invt_oracle_check_isolation(f->o, NULL), -EINVAL);
	assert_int_equal(invt_oracle_check_isolation(NULL, &c), -EINVAL);
	c.nr_tags = INVT_ORACLE_MAX_VM_TAGS + 1;
	assert_int_equal(invt_oracle_check_isolation(f->o, &c), -EINVAL);
	c.nr_tags = 2;
	c.devs = NULL;
	assert_int_equal(invt_oracle_check_isolation(f->o, &c), -EINVAL);
	assert_int_equal(stats(f->o).total, 4);
}

/* ---- threads (for TSan): exact totals whatever the interleaving ---- */

#define T_CHECKERS 2
#define T_ITERS 20000
#define T_CYCLES 3000

struct checker {
	struct invt_oracle *o;
	struct invt_cache_entry e;	/* an ATC entry over a live frame */
	uint64_t stamps;
	uint64_t config_hits, atc_hits;
	uint64_t errors;		/* non-monotonic stamps, negative returns */
};

static void *checker_fn(void *arg)
{
	struct checker *c = arg;
	struct invt_oracle_use u = use_of(0, 0, 0, NONE);
	uint64_t prev = 0;
	int i, r;

	for (i = 0; i < T_ITERS; i++) {
		uint64_t s = invt_oracle_stamp(c->o);

		c->stamps++;
		if (s <= prev)
			c->errors++;
		prev = s;
		/* stale whenever a change is done (a fill older than everything) */
		r = invt_oracle_check_config(c->o, &u, 0);
		if (r < 0)
			c->errors++;
		c->config_hits += r == STALE_CONFIG;
		/* a fill now, from domain 1, used at once: stale only if a commit slipped in */
		c->e.attach_gen = invt_oracle_atc_gen(c->o, 0, 0, 0, 1);
		r = invt_oracle_check_atc(c->o, &u, &c->e);
		if (r < 0)
			c->errors++;
		c->atc_hits += r == STALE_TLB;
		invt_oracle_count_access(c->o);
	}
	return NULL;
}

struct scenario {
	struct invt_oracle *o;
	uint64_t begins, errors;
};

static void *scenario_fn(void *arg)
{
	struct scenario *s = arg;
	int i;

	for (i = 0; i < T_CYCLES; i++) {
		if (invt_oracle_attach_begin(s->o, 0, 0, 0, (uint32_t)(i % 3)))
			s->errors++;
		s->begins++;
		if (invt_oracle_config_done(s->o, 0, 0, 0))
			s->errors++;
		if ((i % 4 == 3 ? invt_oracle_attach_abort(s->o, 0, 0, 0) :
				  invt_oracle_attach_done(s->o, 0, 0, 0)))
			s->errors++;
		invt_oracle_count_fault(s->o);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fix *f = *state;
	uint64_t pa = alloc_data(f->mem, 1, 0x4000);
	struct checker c[T_CHECKERS];
	struct scenario s = { .o = f->o };
	struct invt_violation v[8];
	struct invt_oracle_stats st;
	pthread_t t[T_CHECKERS + 1];
	uint64_t stamps = 0, cfg = 0, atc = 0;
	size_t n, k;
	int i;

	for (i = 0; i < T_CHECKERS; i++) {
		c[i] = (struct checker){ .o = f->o };
		c[i].e = atc_entry(f, 0, 0, 1, pa, 0);
	}
	stamps = T_CHECKERS;	/* atc_entry() took one each */
	for (i = 0; i < T_CHECKERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, checker_fn, &c[i]), 0);
	assert_int_equal(pthread_create(&t[T_CHECKERS], NULL, scenario_fn, &s), 0);
	for (i = 0; i <= T_CHECKERS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);

	assert_int_equal(s.errors, 0);
	assert_int_equal(s.begins, T_CYCLES);
	for (i = 0; i < T_CHECKERS; i++) {
		assert_int_equal(c[i].errors, 0);
		assert_int_equal(c[i].stamps, T_ITERS);
		stamps += c[i].stamps;
		cfg += c[i].config_hits;
		atc += c[i].atc_hits;
	}
	st = stats(f->o);
	assert_int_equal(st.accesses, (uint64_t)T_CHECKERS * T_ITERS);
	assert_int_equal(st.faults, T_CYCLES);
	assert_int_equal(st.violations[INVT_VIOL_STALE_CONFIG], cfg);
	assert_int_equal(st.violations[INVT_VIOL_STALE_TLB], atc);
	assert_int_equal(st.violations[INVT_VIOL_WRONG_DOMAIN], 0);
	assert_int_equal(st.total, cfg + atc);
	/* every stamp accounted for: checkers', begins', one per violation */
	assert_int_equal(invt_oracle_stamp(f->o), stamps + s.begins + st.total + 1);
	n = invt_oracle_reports(f->o, v, 8);
	assert_int_equal(n, st.total < 8 ? st.total : 8);
	for (k = 0; k < n; k++)
		assert_true(v[k].kind == INVT_VIOL_STALE_CONFIG ||
			    v[k].kind == INVT_VIOL_STALE_TLB);
	/* the last cycle (i = T_CYCLES - 1, i % 4 == 3) aborted; the rule is the last done's */
	assert_int_equal(invt_oracle_check_config(f->o, &(struct invt_oracle_use){ 0 }, 0),
			 STALE_CONFIG);
}

/* ---- nested translation: both stages ---- */

#define PARENT 100
#define NDOM 7
#define IPA0 UINT64_C(0x40000000)
#define VMID 3
#define ASID 17

/* As setup(), with 3 VM slots: 0 (parent 100, 16 pages at IPA0), 1 (parent 200, 4 pages at 0). */
static int setup_nest(void **state)
{
	static struct fix f;
	struct invt_mem_config mc = { .nr_frames = 16 };
	struct invt_oracle_config oc = { .nr_instances = 2, .nr_sids = 4, .nr_ssids = 3,
					 .seed = 42, .nr_vms = 3 };

	memset(&f, 0, sizeof(f));
	if (invt_mem_create(&mc, &f.mem) || invt_oracle_create(&oc, f.mem, &f.o) ||
	    invt_oracle_vm_init(f.o, 0, PARENT, IPA0, 16 * INVT_MEM_FRAME_SIZE) ||
	    invt_oracle_vm_init(f.o, 1, 200, 0, 4 * INVT_MEM_FRAME_SIZE))
		return -1;
	*state = &f;
	return 0;
}

/* The host maps @ipa of the parent: a DATA frame of (PARENT, ipa). */
static uint64_t host_map(struct fix *f, uint64_t ipa)
{
	return alloc_data(f->mem, PARENT, ipa);
}

/* The host unmaps the frame at @pa and its invalidation completes. */
static void host_unmap_done(struct fix *f, uint64_t pa)
{
	struct invt_mem_chain chain = INVT_MEM_CHAIN_INIT;

	assert_int_equal(invt_mem_chain_add(f->mem, &chain, pa), 0);
	assert_int_equal(invt_mem_chain_free(f->mem, &chain), 1);
}

/* The guest maps @ipa at @iova of NDOM (DATA), or as a table page of NDOM. */
static void guest_map(struct fix *f, uint64_t ipa, enum invt_frame_state state, uint64_t iova)
{
	assert_int_equal(invt_oracle_guest_map(f->o, 0, ipa, 1, state, NDOM, iova), 0);
}

/* The guest unmaps @ipa and its invalidation completes. */
static void guest_unmap_done(struct fix *f, uint64_t ipa)
{
	assert_int_equal(invt_oracle_guest_unmap(f->o, 0, ipa, 1), 0);
	assert_int_equal(invt_oracle_guest_inv_done(f->o, 0, ipa, 1), 0);
}

/* Facts of a fill through VM 0: IPA page @ipa, host frame @pa (0: none). */
static struct invt_oracle_nest nest_of(struct fix *f, uint64_t ipa, uint64_t pa)
{
	struct invt_oracle_nest n = { .vm = 0, .flags = INVT_ORACLE_NEST_S1 };

	assert_int_equal(invt_oracle_guest_ref(f->o, 0, ipa, &n.s1), 0);
	if (pa) {
		assert_int_equal(invt_mem_ref(f->mem, pa, &n.s2), 0);
		n.flags |= INVT_ORACLE_NEST_S2;
	}
	return n;
}

/* A guest table page @ipa read from host frame @pa, as a fill records it. */
static struct invt_oracle_table_page table_of(struct fix *f, uint64_t ipa, uint64_t pa)
{
	struct invt_oracle_table_page t;

	assert_int_equal(invt_oracle_guest_ref(f->o, 0, ipa, &t.s1), 0);
	assert_int_equal(invt_mem_ref(f->mem, pa, &t.s2), 0);
	return t;
}

/* An entry of @kind by nested domain @dom over parent @parent, to @out, filled now. */
static struct invt_cache_entry nentry(struct fix *f, uint8_t kind, uint32_t dom, uint32_t parent,
				      uint64_t out)
{
	struct invt_cache_entry e = {
		.kind = kind, .shift = kind == INVT_CACHE_WALK_S1 ? 21 : 12, .tag_s2 = VMID,
		.tag_s1 = ASID, .sid = INVT_CACHE_ID_NONE, .ssid = INVT_CACHE_ID_NONE,
		.iova = kind == INVT_CACHE_WALK_S1 ? 0 : 0x4000, .pa = out, .domain = dom,
		.domain_s2 = parent,
	};

	e.fill_time = invt_oracle_stamp(f->o);
	return e;
}

static void test_vm_setup(void **state)
{
	struct fix *f = *state;
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 1, .nr_ssids = 1 };
	struct invt_frame_info fi;
	struct invt_oracle *o;

	/* slots 0 and 1 are set up; 2 is free */
	assert_int_equal(invt_oracle_vm_find(f->o, PARENT), 0);
	assert_int_equal(invt_oracle_vm_find(f->o, 200), 1);
	assert_int_equal(invt_oracle_vm_find(f->o, 300), -ENOENT);
	assert_int_equal(invt_oracle_vm_find(NULL, PARENT), -ENOENT);
	assert_int_equal(invt_oracle_vm_init(f->o, 0, 300, 0, INVT_MEM_FRAME_SIZE), -EBUSY);
	assert_int_equal(invt_oracle_vm_init(f->o, 2, PARENT, 0, INVT_MEM_FRAME_SIZE), -EINVAL);
	assert_int_equal(invt_oracle_vm_init(f->o, 3, 300, 0, INVT_MEM_FRAME_SIZE), -EINVAL);
	assert_int_equal(invt_oracle_vm_init(NULL, 2, 300, 0, INVT_MEM_FRAME_SIZE), -EINVAL);
	assert_int_equal(invt_oracle_vm_init(f->o, 2, NONE, 0, INVT_MEM_FRAME_SIZE), -EINVAL);
	assert_int_equal(invt_oracle_vm_init(f->o, 2, 300, 0x800, INVT_MEM_FRAME_SIZE), -EINVAL);
	assert_int_equal(invt_oracle_vm_init(f->o, 2, 300, 0, 0x1800), -EINVAL);
	assert_int_equal(invt_oracle_vm_init(f->o, 2, 300, 0, 0), -EINVAL);
	assert_int_equal(invt_oracle_vm_init(f->o, 2, 300, UINT64_MAX - 0xfff,
					     2 * INVT_MEM_FRAME_SIZE), -EINVAL);
	/* 2^32 - 1 pages or more: beyond the page index */
	assert_int_equal(invt_oracle_vm_init(f->o, 2, 300, 0, UINT64_C(0xffffffff) << 12),
			 -EINVAL);
	/* slot 2 is still free, and never set up: every guest call refuses it */
	assert_int_equal(invt_oracle_vm_find(f->o, 300), -ENOENT);
	assert_int_equal(invt_oracle_guest_map(f->o, 2, 0, 1, INVT_FRAME_DATA, NDOM, 0), -EINVAL);
	assert_int_equal(invt_oracle_guest_info(f->o, 2, 0, &fi), -EINVAL);
	/* the last page of the address space works */
	assert_int_equal(invt_oracle_vm_init(f->o, 2, 300, UINT64_MAX - 0xfff,
					     INVT_MEM_FRAME_SIZE), 0);
	assert_int_equal(invt_oracle_vm_find(f->o, 300), 2);
	assert_int_equal(invt_oracle_guest_info(f->o, 2, UINT64_MAX, &fi), 0);
	assert_int_equal(fi.state, INVT_FRAME_FREE);

	/* an oracle without VM slots */
	assert_int_equal(invt_oracle_create(&oc, f->mem, &o), 0);
	assert_int_equal(invt_oracle_vm_init(o, 0, PARENT, 0, INVT_MEM_FRAME_SIZE), -EINVAL);
	assert_int_equal(invt_oracle_vm_find(o, PARENT), -ENOENT);
	invt_oracle_destroy(o);
	assert_int_equal(stats(f->o).total, 0);
}

static void test_guest_pages(void **state)
{
	struct fix *f = *state;
	uint64_t a = IPA0 + 0x2000, ipa = 0;
	struct invt_frame_info fi, fi2;
	struct invt_frame_ref r;
	int i;

	/* fresh pages: FREE, owned by nobody */
	assert_int_equal(invt_oracle_guest_info(f->o, 0, a + 0x123, &fi), 0);
	assert_int_equal(fi.state, INVT_FRAME_FREE);
	assert_int_equal(fi.domain, NONE);
	assert_int_equal(fi.alloc_time, 0);
	assert_int_equal(fi.free_time, 0);

	/* map three pages: page i backs iova + i pages */
	assert_int_equal(invt_oracle_guest_map(f->o, 0, a, 3, INVT_FRAME_DATA, NDOM, 0x10000), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(invt_oracle_guest_info(f->o, 0, a + i * 0x1000u, &fi2), 0);
		assert_int_equal(fi2.state, INVT_FRAME_DATA);
		assert_int_equal(fi2.domain, NDOM);
		assert_int_equal(fi2.iova, 0x10000 + i * 0x1000u);
		assert_true(fi2.alloc_time > 0);
		assert_true(fi2.gen != fi.gen);
	}
	assert_int_equal(invt_oracle_guest_ref(f->o, 0, a + 0x1fff, &r), 0);
	assert_int_equal(r.pa, a + 0x1000);
	assert_int_equal(r.state, INVT_FRAME_DATA);
	assert_int_equal(r.domain, NDOM);
	assert_int_equal(r.iova, 0x11000);

	/* mapped pages cannot be mapped again: nothing changes, even the free neighbour */
	assert_int_equal(invt_oracle_guest_map(f->o, 0, a - 0x1000, 2, INVT_FRAME_TABLE, NDOM, 0),
			 -EBUSY);
	assert_int_equal(invt_oracle_guest_info(f->o, 0, a - 0x1000, &fi2), 0);
	assert_int_equal(fi2.state, INVT_FRAME_FREE);
	/* inv_done needs an unmap first; unmap needs a mapped page */
	assert_int_equal(invt_oracle_guest_inv_done(f->o, 0, a, 1), -EINVAL);
	assert_int_equal(invt_oracle_guest_unmap(f->o, 0, a - 0x1000, 2), -EINVAL);
	assert_int_equal(invt_oracle_guest_unmap(f->o, 0, a, 2), 0);
	assert_int_equal(invt_oracle_guest_unmap(f->o, 0, a + 0x1000, 1), -EINVAL);
	/* unmapped, not invalidated yet: still the owner's, not mappable, same version */
	assert_int_equal(invt_oracle_guest_info(f->o, 0, a, &fi2), 0);
	assert_int_equal(fi2.state, INVT_FRAME_DATA);
	assert_int_equal(invt_oracle_guest_map(f->o, 0, a, 1, INVT_FRAME_DATA, NDOM, 0), -EBUSY);
	assert_int_equal(invt_oracle_guest_ref(f->o, 0, a + 0x1000, &r), 0);
	/* a range with a page not unmapped is refused whole */
	assert_int_equal(invt_oracle_guest_inv_done(f->o, 0, a, 3), -EINVAL);
	assert_int_equal(invt_oracle_guest_inv_done(f->o, 0, a, 2), 0);
	assert_int_equal(invt_oracle_guest_info(f->o, 0, a + 0x1000, &fi2), 0);
	assert_int_equal(fi2.state, INVT_FRAME_FREE);
	assert_int_equal(fi2.domain, NONE);
	assert_true(fi2.free_time > fi2.alloc_time);
	assert_true(fi2.gen != r.gen);
	assert_int_equal(invt_oracle_guest_info(f->o, 0, a + 0x2000, &fi2), 0);
	assert_int_equal(fi2.state, INVT_FRAME_DATA);

	/* alloc: the page freed last first, then the one before it */
	assert_int_equal(invt_oracle_guest_alloc(f->o, 0, INVT_FRAME_TABLE, NDOM, 0, &ipa), 0);
	assert_int_equal(ipa, a + 0x1000);
	assert_int_equal(invt_oracle_guest_info(f->o, 0, ipa, &fi2), 0);
	assert_int_equal(fi2.state, INVT_FRAME_TABLE);
	assert_int_equal(fi2.iova, 0);
	assert_int_equal(invt_oracle_guest_alloc(f->o, 0, INVT_FRAME_DATA, NDOM, 0x7000, &ipa), 0);
	assert_int_equal(ipa, a);
	/* then the never-used pages, lowest first; until none is left */
	assert_int_equal(invt_oracle_guest_alloc(f->o, 0, INVT_FRAME_DATA, NDOM, 0, &ipa), 0);
	assert_int_equal(ipa, IPA0);
	for (i = 0; i < 12; i++)
		assert_int_equal(invt_oracle_guest_alloc(f->o, 0, INVT_FRAME_DATA, NDOM, 0, &ipa),
				 0);
	assert_int_equal(invt_oracle_guest_alloc(f->o, 0, INVT_FRAME_DATA, NDOM, 0, &ipa), -ENOMEM);
	/* an explicitly mapped page leaves the free list: VM 1 has 4 pages */
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x1000, 2, INVT_FRAME_DATA, 8, 0), 0);
	assert_int_equal(invt_oracle_guest_alloc(f->o, 1, INVT_FRAME_DATA, 8, 0, &ipa), 0);
	assert_int_equal(ipa, 0);
	assert_int_equal(invt_oracle_guest_alloc(f->o, 1, INVT_FRAME_DATA, 8, 0, &ipa), 0);
	assert_int_equal(ipa, 0x3000);
	assert_int_equal(invt_oracle_guest_alloc(f->o, 1, INVT_FRAME_DATA, 8, 0, &ipa), -ENOMEM);

	/* bad arguments change nothing */
	assert_int_equal(invt_oracle_guest_unmap(f->o, 1, 0x1000, 1), 0);
	assert_int_equal(invt_oracle_guest_inv_done(f->o, 1, 0x1000, 1), 0);
	assert_int_equal(invt_oracle_guest_map(NULL, 1, 0x1000, 1, INVT_FRAME_DATA, 8, 0), -EINVAL);
	assert_int_equal(invt_oracle_guest_map(f->o, 3, 0x1000, 1, INVT_FRAME_DATA, 8, 0), -EINVAL);
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x1800, 1, INVT_FRAME_DATA, 8, 0), -EINVAL);
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x1000, 0, INVT_FRAME_DATA, 8, 0), -EINVAL);
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x1000, 4, INVT_FRAME_DATA, 8, 0), -EINVAL);
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x4000, 1, INVT_FRAME_DATA, 8, 0), -EINVAL);
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x1000, UINT64_MAX, INVT_FRAME_DATA, 8, 0),
			 -EINVAL);
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x1000, 1, INVT_FRAME_FREE, 8, 0), -EINVAL);
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x1000, 1, INVT_FRAME_DATA, NONE, 0),
			 -EINVAL);
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x1000, 1, INVT_FRAME_DATA, 8, 0x10),
			 -EINVAL);
	/* the IOVA range may end at 2^64, not wrap */
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x1000, 2, INVT_FRAME_DATA, 8,
					       UINT64_MAX & ~UINT64_C(0xfff)), -EINVAL);
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x1000, 1, INVT_FRAME_DATA, 8,
					       UINT64_MAX & ~UINT64_C(0xfff)), 0);
	assert_int_equal(invt_oracle_guest_unmap(f->o, 1, 0x1000, 1), 0);
	assert_int_equal(invt_oracle_guest_inv_done(f->o, 1, 0x1000, 1), 0);
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x1000, 1, INVT_FRAME_TABLE, 8,
					       0x123), 0);	/* TABLE: iova ignored */
	assert_int_equal(invt_oracle_guest_info(f->o, 1, 0x1000, &fi), 0);
	assert_int_equal(fi.iova, 0);
	assert_int_equal(invt_oracle_guest_unmap(f->o, 1, 0x1000, 1), 0);
	assert_int_equal(invt_oracle_guest_inv_done(f->o, 1, 0x1000, 1), 0);
	/* OTHER (a CD table, a queue of the guest's): no owner domain, no iova */
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x1000, 1, INVT_FRAME_OTHER, NONE,
					       0x123), 0);
	assert_int_equal(invt_oracle_guest_info(f->o, 1, 0x1000, &fi), 0);
	assert_int_equal(fi.state, INVT_FRAME_OTHER);
	assert_int_equal(fi.domain, NONE);
	assert_int_equal(fi.iova, 0);
	assert_int_equal(invt_oracle_guest_map(f->o, 1, 0x1000, 1, INVT_FRAME_OTHER, 8, 0),
			 -EBUSY);
	assert_int_equal(invt_oracle_guest_alloc(NULL, 1, INVT_FRAME_DATA, 8, 0, &ipa), -EINVAL);
	assert_int_equal(invt_oracle_guest_alloc(f->o, 1, INVT_FRAME_DATA, 8, 0, NULL), -EINVAL);
	assert_int_equal(invt_oracle_guest_alloc(f->o, 1, INVT_FRAME_FREE, 8, 0, &ipa), -EINVAL);
	assert_int_equal(invt_oracle_guest_unmap(f->o, 1, 0x4000, 1), -EINVAL);
	assert_int_equal(invt_oracle_guest_unmap(f->o, 1, 0x1000, 0), -EINVAL);
	assert_int_equal(invt_oracle_guest_inv_done(f->o, 1, 0x1001, 1), -EINVAL);
	assert_int_equal(invt_oracle_guest_inv_done(NULL, 1, 0x1000, 1), -EINVAL);
	assert_int_equal(invt_oracle_guest_info(f->o, 1, 0x4000, &fi), -EINVAL);
	assert_int_equal(invt_oracle_guest_info(f->o, 1, 0x1000, NULL), -EINVAL);
	assert_int_equal(invt_oracle_guest_ref(f->o, 1, 0x1000, NULL), -EINVAL);
	/* outside the VM: a reference that checks as outside it */
	assert_int_equal(invt_oracle_guest_ref(f->o, 0, IPA0 - 1, &r), -EINVAL);
	assert_int_equal(r.pa, IPA0 - 0x1000);
	assert_int_equal(invt_oracle_guest_ref(f->o, 3, 0, &r), -EINVAL);
	assert_int_equal(stats(f->o).total, 0);
}

/* (a) the guest unmapped the IPA page and its invalidation completed */
static void test_nested_stage1(void **state)
{
	struct fix *f = *state;
	uint64_t ipa = IPA0 + 0x3000, again = 0, pa = host_map(f, ipa);
	struct invt_oracle_use u = use_of(0, 1, 0, NDOM);
	struct invt_cache_entry e, e2;
	struct invt_oracle_nest n, n2;
	struct invt_frame_info fi;
	struct invt_violation v;

	guest_map(f, ipa, INVT_FRAME_DATA, 0x4000);
	e = nentry(f, INVT_CACHE_NESTED, NDOM, PARENT, pa);
	n = nest_of(f, ipa, pa);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &n), 0);

	/* unmapped, the guest's invalidation not complete: still legitimate */
	assert_int_equal(invt_oracle_guest_unmap(f->o, 0, ipa, 1), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &n), 0);
	/* another page of the guest comes and goes: nothing to do with this one */
	guest_map(f, ipa + 0x1000, INVT_FRAME_DATA, 0x5000);
	guest_unmap_done(f, ipa + 0x1000);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &n), 0);

	assert_int_equal(invt_oracle_guest_inv_done(f->o, 0, ipa, 1), 0);
	assert_int_equal(invt_oracle_guest_info(f->o, 0, ipa, &fi), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &n), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.kind, INVT_VIOL_STALE_TLB);
	assert_int_equal(v.stage, 1);
	assert_int_equal(v.vm, 0);
	assert_int_equal(v.ipa, ipa);
	assert_int_equal(v.pa, pa);
	assert_int_equal(v.cache, INVT_CACHE_NESTED);
	assert_int_equal(v.tag_s2, VMID);
	assert_int_equal(v.tag_s1, ASID);
	assert_int_equal(v.domain, NDOM);
	assert_int_equal(v.expected_domain, NDOM);
	assert_int_equal(v.verdict, INVT_MEM_FREED);
	assert_int_equal(v.freed_at, fi.free_time);
	assert_int_equal(v.fill_stamp, e.fill_time);
	assert_string_equal(v.why, "stage 1: IPA page unmapped and invalidated by the guest");
	/* the host's side is untouched: stage 2 alone would not have seen it */
	assert_int_equal(invt_mem_check(f->mem, &n.s2, NULL), INVT_MEM_LIVE);

	/* remapped at the same IOVA, to the same IPA page (freed last) and PA */
	assert_int_equal(invt_oracle_guest_alloc(f->o, 0, INVT_FRAME_DATA, NDOM, 0x4000, &again),
			 0);
	assert_int_equal(again, ipa);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &n), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.verdict, INVT_MEM_REUSED);
	assert_int_equal(v.freed_at, fi.free_time);
	assert_string_equal(v.why, "stage 1: IPA page unmapped, invalidated and mapped again");
	/* a fill after the remap is fine, the same translation as the stale one */
	e2 = nentry(f, INVT_CACHE_NESTED, NDOM, PARENT, pa);
	n2 = nest_of(f, ipa, pa);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e2, &n2), 0);
	assert_int_equal(stats(f->o).violations[INVT_VIOL_STALE_TLB], 2);
	assert_int_equal(stats(f->o).total, 2);
}

/* (b) the host unmapped the IPA and its invalidation completed; (c) reassigned */
static void test_nested_stage2(void **state)
{
	struct fix *f = *state;
	uint64_t ipa = IPA0 + 0x5000, ipb = IPA0 + 0x6000;
	uint64_t pa = host_map(f, ipa), pb = host_map(f, ipb);
	struct invt_oracle_use u = use_of(1, 3, 2, NDOM);
	struct invt_mem_chain chain = INVT_MEM_CHAIN_INIT;
	struct invt_cache_entry e, eb, e2;
	struct invt_oracle_nest n, nb, n2;
	struct invt_frame_info fi;
	struct invt_violation v;

	guest_map(f, ipa, INVT_FRAME_DATA, 0x4000);
	guest_map(f, ipb, INVT_FRAME_DATA, 0x8000);
	e = nentry(f, INVT_CACHE_NESTED, NDOM, PARENT, pa);
	n = nest_of(f, ipa, pa);
	eb = nentry(f, INVT_CACHE_NESTED, NDOM, PARENT, pb);
	nb = nest_of(f, ipb, pb);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &n), 0);

	/* the host unmapped it, its invalidation not complete (frame on its chain) */
	assert_int_equal(invt_mem_chain_add(f->mem, &chain, pa), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &n), 0);
	assert_int_equal(invt_mem_chain_free(f->mem, &chain), 1);
	assert_int_equal(invt_mem_info(f->mem, pa, &fi), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &n), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.stage, 2);
	assert_int_equal(v.ipa, ipa);
	assert_int_equal(v.pa, pa);
	assert_int_equal(v.verdict, INVT_MEM_FREED);
	assert_int_equal(v.freed_at, fi.free_time);
	assert_string_equal(v.why, "stage 2: leaf frame unmapped and invalidated by the host");
	/* the guest's side is untouched: stage 1 alone would not have seen it */
	assert_int_equal(invt_oracle_guest_info(f->o, 0, ipa, &fi), 0);
	assert_int_equal(fi.state, INVT_FRAME_DATA);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &eb, &nb), 0);

	/* the host maps the IPA again, to the same frame: the old fill outlived the invalidation */
	assert_int_equal(host_map(f, ipa), pa);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &n), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.verdict, INVT_MEM_REUSED);
	assert_string_equal(v.why, "stage 2: leaf frame freed and reused");
	e2 = nentry(f, INVT_CACHE_NESTED, NDOM, PARENT, pa);
	n2 = nest_of(f, ipa, pa);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e2, &n2), 0);

	/* (c) the frame behind ipb reassigned without a free */
	assert_int_equal(invt_mem_set_owner(f->mem, pb, INVT_FRAME_DATA, PARENT, ipa + 0x10000), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &eb, &nb), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.stage, 2);
	assert_int_equal(v.verdict, INVT_MEM_CHANGED);
	assert_int_equal(v.freed_at, 0);
	assert_int_equal(v.pa, pb);
	assert_string_equal(v.why, "stage 2: leaf frame reassigned");
	assert_int_equal(stats(f->o).violations[INVT_VIOL_STALE_TLB], 3);
	assert_int_equal(stats(f->o).total, 3);
}

/* Walk entries over guest table pages, and entries built from guest table pages. */
static void test_nested_tables(void **state)
{
	struct fix *f = *state;
	uint64_t tp = IPA0 + 0x1000, tq = IPA0 + 0x2000, ipa = IPA0 + 0x3000;
	uint64_t tpa = host_map(f, tp), tqa = host_map(f, tq), pa = host_map(f, ipa);
	struct invt_oracle_use u = use_of(0, 0, 1, NDOM);
	struct invt_mem_chain chain = INVT_MEM_CHAIN_INIT;
	struct invt_oracle_table_page tpage[2];
	struct invt_cache_entry w, wi, wq, leaf;
	struct invt_oracle_nest nw, nwi, nwq, nleaf, bare;
	struct invt_violation v;

	guest_map(f, tp, INVT_FRAME_TABLE, 0);
	guest_map(f, tq, INVT_FRAME_TABLE, 0);
	guest_map(f, ipa, INVT_FRAME_DATA, 0x4000);
	/* a walk entry to table tp holding its PA; one holding only its IPA */
	w = nentry(f, INVT_CACHE_WALK_S1, NDOM, PARENT, tpa);
	nw = nest_of(f, tp, tpa);
	wi = nentry(f, INVT_CACHE_WALK_S1, NDOM, NONE, tp);
	nwi = nest_of(f, tp, 0);
	/* the same over tq, for the guest's side */
	wq = nentry(f, INVT_CACHE_WALK_S1, NDOM, NONE, tq);
	nwq = nest_of(f, tq, 0);
	/* a combined leaf whose descriptors were read from tq, then tp */
	leaf = nentry(f, INVT_CACHE_NESTED, NDOM, PARENT, pa);
	tpage[0] = table_of(f, tq, tqa);
	tpage[1] = table_of(f, tp, tpa);
	nleaf = nest_of(f, ipa, pa);
	nleaf.tables = tpage;
	nleaf.nr_tables = 2;
	bare = nest_of(f, ipa, pa);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &w, &nw), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &wi, &nwi), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &wq, &nwq), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &leaf, &nleaf), 0);

	/* the host unmaps table page tp: nothing stale until its invalidation completed */
	assert_int_equal(invt_mem_chain_add(f->mem, &chain, tpa), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &w, &nw), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &leaf, &nleaf), 0);
	assert_int_equal(invt_mem_chain_free(f->mem, &chain), 1);

	assert_int_equal(invt_oracle_check_nested(f->o, &u, &w, &nw), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.stage, 2);
	assert_int_equal(v.cache, INVT_CACHE_WALK_S1);
	assert_int_equal(v.ipa, tp);
	assert_int_equal(v.pa, tpa);
	assert_int_equal(v.verdict, INVT_MEM_FREED);
	assert_string_equal(v.why, "stage 2: table page unmapped and invalidated by the host");
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &leaf, &nleaf), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.stage, 2);
	assert_int_equal(v.cache, INVT_CACHE_NESTED);
	assert_int_equal(v.ipa, tp);
	assert_int_equal(v.pa, tpa);
	assert_string_equal(v.why,
			    "stage 2: walked table page unmapped and invalidated by the host");
	/* without the walked pages, the leaf's own page and frame are live */
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &leaf, &bare), 0);
	/* a walk entry holding the IPA: the next walk translates it again (and faults) */
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &wi, &nwi), 0);

	/* the guest frees table page tq after its invalidation */
	guest_unmap_done(f, tq);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &wq, &nwq), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.stage, 1);
	assert_int_equal(v.ipa, tq);
	assert_int_equal(v.pa, 0);
	assert_string_equal(v.why, "stage 1: table page freed by the guest");
	/* the first walked page that fired is reported: tq (stage 1) before tp */
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &leaf, &nleaf), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.stage, 1);
	assert_int_equal(v.ipa, tq);
	assert_int_equal(v.pa, tqa);
	assert_string_equal(v.why, "stage 1: walked table page freed by the guest");
	/* and a table page used again by the guest */
	guest_map(f, tq, INVT_FRAME_DATA, 0x9000);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &wq, &nwq), STALE_TLB);
	assert_string_equal(last_report(f->o).why,
			    "stage 1: table page freed and reused by the guest");
	assert_int_equal(stats(f->o).violations[INVT_VIOL_STALE_TLB], 5);
	assert_int_equal(stats(f->o).total, 5);
}

static void test_nested_domains(void **state)
{
	struct fix *f = *state;
	uint64_t ipa = IPA0, pa = host_map(f, ipa);
	struct invt_oracle_use u = use_of(0, 0, 0, NDOM);
	struct invt_oracle_use any = use_of(0, 0, 0, NONE);
	struct invt_cache_entry other, other_parent, no_parent, w;
	struct invt_oracle_nest n;
	struct invt_violation v;

	guest_map(f, ipa, INVT_FRAME_DATA, 0x4000);
	n = nest_of(f, ipa, pa);
	other = nentry(f, INVT_CACHE_NESTED, 8, PARENT, pa);
	other_parent = nentry(f, INVT_CACHE_NESTED, NDOM, 200, pa);
	no_parent = nentry(f, INVT_CACHE_NESTED, NDOM, NONE, pa);

	/* another nested domain's entry under the configuration's tags */
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &other, &n), WRONG_DOMAIN);
	v = last_report(f->o);
	assert_int_equal(v.kind, INVT_VIOL_WRONG_DOMAIN);
	assert_int_equal(v.stage, 1);
	assert_int_equal(v.domain, 8);
	assert_int_equal(v.expected_domain, NDOM);
	assert_int_equal(v.verdict, INVT_MEM_LIVE);
	assert_string_equal(v.why, "stage 1: entry of another nested domain under the "
			    "configuration's tags");
	/* built on another parent than the VM's (a VMID / DID / GSCID reused) */
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &other_parent, &n), WRONG_DOMAIN);
	v = last_report(f->o);
	assert_int_equal(v.stage, 2);
	assert_int_equal(v.domain, 200);
	assert_int_equal(v.expected_domain, PARENT);
	assert_string_equal(v.why,
			    "stage 2: entry built on another parent than the configuration's");
	/* not checked when unknown */
	assert_int_equal(invt_oracle_check_nested(f->o, &any, &other, &n), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &no_parent, &n), 0);
	/* a stage-2 mismatch on a walk entry holding only an IPA: no frame verdict */
	w = nentry(f, INVT_CACHE_WALK_S1, NDOM, 200, ipa);
	n.flags = INVT_ORACLE_NEST_S1;
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &w, &n), WRONG_DOMAIN);
	assert_int_equal(last_report(f->o).verdict, -1);
	/* the domain rule comes first, and its report carries the stale stage's verdict */
	n.flags |= INVT_ORACLE_NEST_S2;
	guest_unmap_done(f, ipa);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &other, &n), WRONG_DOMAIN);
	assert_int_equal(last_report(f->o).verdict, INVT_MEM_FREED);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &no_parent, &n), STALE_TLB);
	assert_int_equal(stats(f->o).violations[INVT_VIOL_WRONG_DOMAIN], 4);
	assert_int_equal(stats(f->o).violations[INVT_VIOL_STALE_TLB], 1);
	assert_int_equal(stats(f->o).total, 5);
}

/* A device ATC entry filled with a combined translation. */
static void test_nested_atc(void **state)
{
	struct fix *f = *state;
	uint64_t ipa = IPA0 + 0x4000, pa = host_map(f, ipa);
	struct invt_oracle_use u = use_of(0, 2, 1, 99);	/* cfg_domain ignored */
	struct invt_cache_entry a, old;
	struct invt_oracle_nest n;
	struct invt_violation v;

	guest_map(f, ipa, INVT_FRAME_DATA, 0x4000);
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, 2, 1, NDOM), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, 2, 1), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, 2, 1), 0);
	a = nentry(f, INVT_CACHE_ATC, NDOM, PARENT, pa);
	a.tag_s2 = a.tag_s1 = INVT_CACHE_ID_NONE;
	a.sid = 2;
	a.ssid = 1;
	a.attach_gen = invt_oracle_atc_gen(f->o, 0, 2, 1, NDOM);
	old = a;
	old.attach_gen = 0;	/* filled under the attachment before */
	n = nest_of(f, ipa, pa);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &a, &n), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &old, &n), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.stage, 0);
	assert_int_equal(v.expected_domain, NDOM);
	assert_string_equal(v.why, "ATC filled under a replaced attachment");

	/* the guest unmaps: nothing until its invalidation (ATC included) completed */
	assert_int_equal(invt_oracle_guest_unmap(f->o, 0, ipa, 1), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &a, &n), 0);
	assert_int_equal(invt_oracle_guest_inv_done(f->o, 0, ipa, 1), 0);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &a, &n), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.stage, 1);
	assert_int_equal(v.cache, INVT_CACHE_ATC);
	assert_int_equal(v.expected_domain, NDOM);
	assert_string_equal(v.why, "stage 1: IPA page unmapped and invalidated by the guest");

	/* the host unmaps: the ATC entry of the next fill goes stale at stage 2 */
	guest_map(f, ipa, INVT_FRAME_DATA, 0x4000);
	n = nest_of(f, ipa, pa);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &a, &n), 0);
	host_unmap_done(f, pa);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &a, &n), STALE_TLB);
	v = last_report(f->o);
	assert_int_equal(v.stage, 2);
	assert_string_equal(v.why, "stage 2: leaf frame unmapped and invalidated by the host");
	assert_int_equal(stats(f->o).total, 3);
}

static void test_nested_bad_input(void **state)
{
	struct fix *f = *state;
	uint64_t ipa = IPA0, pa = host_map(f, ipa);
	struct invt_oracle_use u = use_of(1, 3, 2, NDOM);
	const struct invt_oracle_use bad[] = {
		use_of(2, 0, 0, NDOM), use_of(0, 4, 0, NDOM), use_of(0, 0, 3, NDOM),
	};
	const uint8_t kinds[] = { INVT_CACHE_S1, INVT_CACHE_S2, INVT_CACHE_WALK_S2,
				  INVT_CACHE_NR_KINDS, 200 };
	struct invt_oracle_table_page t;
	struct invt_cache_entry e, w;
	struct invt_oracle_nest n, m, outside;
	size_t i;

	guest_map(f, ipa, INVT_FRAME_DATA, 0x4000);
	e = nentry(f, INVT_CACHE_NESTED, NDOM, PARENT, pa);
	w = nentry(f, INVT_CACHE_WALK_S1, NDOM, PARENT, pa);
	n = nest_of(f, ipa, pa);
	t = table_of(f, ipa, pa);

	assert_int_equal(invt_oracle_check_nested(NULL, &u, &e, &n), -EINVAL);
	assert_int_equal(invt_oracle_check_nested(f->o, NULL, &e, &n), -EINVAL);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, NULL, &n), -EINVAL);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, NULL), -EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(invt_oracle_check_nested(f->o, &bad[i], &e, &n), -EINVAL);
	/* VM slots: 2 was never set up, 3 does not exist */
	m = n;
	m.vm = 2;
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &m), -EINVAL);
	m.vm = 3;
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &m), -EINVAL);
	/* kinds: stage-2 and single-stage entries go to invt_oracle_check_tlb() */
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct invt_cache_entry k = e;

		k.kind = kinds[i];
		assert_int_equal(invt_oracle_check_nested(f->o, &u, &k, &n), -EINVAL);
	}
	/* flags: a combined leaf needs both stages; a walk entry its stage 1 */
	m = n;
	m.flags = INVT_ORACLE_NEST_S1;
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &m), -EINVAL);
	m.flags = INVT_ORACLE_NEST_S2;
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &m), -EINVAL);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &w, &m), -EINVAL);
	m.flags = INVT_ORACLE_NEST_S1 | INVT_ORACLE_NEST_S2 | 4;
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &m), -EINVAL);
	m.flags = INVT_ORACLE_NEST_S1 | INVT_ORACLE_NEST_S2;
	m.nr_tables = 1;
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &m), -EINVAL);
	assert_int_equal(stats(f->o).total, 0);

	/* the valid ones work: the last ids, with a table page, a walk entry */
	m.tables = &t;
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &m), 0);
	m.flags = INVT_ORACLE_NEST_S1;
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &w, &m), 0);

	/* a reference from outside the VM is not valid input but a finding: stage 1 */
	outside = n;
	assert_int_equal(invt_oracle_guest_ref(f->o, 0, IPA0 + 16 * INVT_MEM_FRAME_SIZE,
					       &outside.s1), -EINVAL);
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &outside), STALE_TLB);
	assert_int_equal(last_report(f->o).verdict, INVT_MEM_BAD_REF);
	assert_string_equal(last_report(f->o).why, "stage 1: IPA page outside the VM");
	/* so is a reference never taken (zeroed): no page has version 0 */
	memset(&outside.s1, 0, sizeof(outside.s1));
	outside.s1.pa = ipa;
	assert_int_equal(invt_oracle_check_nested(f->o, &u, &e, &outside), STALE_TLB);
	assert_int_equal(stats(f->o).total, 2);
}

static void test_nested_format(void **state)
{
	struct invt_violation v = {
		.kind = INVT_VIOL_STALE_TLB, .sid = 1, .cache = INVT_CACHE_NESTED, .tag_s2 = 3,
		.tag_s1 = 17, .iova = 0x4000, .pa = 0x80003000, .domain = 7,
		.expected_domain = 7, .verdict = INVT_MEM_FREED, .freed_at = 40,
		.fill_stamp = 30, .use_stamp = 50, .stage = 1, .vm = 0, .ipa = 0x40003000,
		.why = "stage 1: IPA page unmapped and invalidated by the guest",
	};
	struct fix *f = *state;
	char buf[512];

	invt_violation_format(&v, 7, buf, sizeof(buf));
	assert_string_equal(buf, "STALE_TLB: instance 0 sid 1 ssid 0 iova 0x4000 via nested "
			    "(tags 3/17) -> ipa 0x40003000 of vm 0 (freed, freed at t=40) -> "
			    "frame 0x80003000, domain 7, config domain 7, filled at t=30, used at "
			    "t=50 (rule: stage 1: IPA page unmapped and invalidated by the guest); "
			    "replay: --seed 7");
	v.stage = 2;
	v.verdict = INVT_MEM_CHANGED;
	v.freed_at = 0;
	v.why = "stage 2: leaf frame reassigned";
	invt_violation_format(&v, 7, buf, sizeof(buf));
	assert_string_equal(buf, "STALE_TLB: instance 0 sid 1 ssid 0 iova 0x4000 via nested "
			    "(tags 3/17) -> ipa 0x40003000 of vm 0 -> frame 0x80003000 (changed), "
			    "domain 7, config domain 7, filled at t=30, used at t=50 (rule: stage "
			    "2: leaf frame reassigned); replay: --seed 7");
	/* a walk entry holding an IPA: no frame; an ATC entry: "attached domain" */
	v = (struct invt_violation){ .kind = INVT_VIOL_STALE_TLB, .cache = INVT_CACHE_ATC,
				     .tag_s2 = INVT_CACHE_ID_NONE, .tag_s1 = INVT_CACHE_ID_NONE,
				     .domain = 7, .expected_domain = NONE,
				     .verdict = INVT_MEM_REUSED, .freed_at = 9, .stage = 1,
				     .vm = 2, .ipa = 0x1000, .why = "w" };
	invt_violation_format(&v, 1, buf, sizeof(buf));
	assert_string_equal(buf, "STALE_TLB: instance 0 sid 0 ssid 0 iova 0x0 via atc (tags "
			    "none/none) -> ipa 0x1000 of vm 2 (reused, freed at t=9), domain 7, "
			    "attached domain none, filled at t=0, used at t=0 (rule: w); replay: "
			    "--seed 1");

	/* single-stage reports keep stage 0 (and their format, test_format) */
	{
		uint64_t pa = alloc_data(f->mem, 5, 0x4000);
		struct invt_cache_entry e = entry(f, INVT_CACHE_S1, 5, pa);
		struct invt_oracle_use u = use_of(0, 0, 0, 5);

		assert_int_equal(invt_mem_free(f->mem, pa), 0);
		assert_int_equal(invt_oracle_check_tlb(f->o, &u, &e), STALE_TLB);
		v = last_report(f->o);
		assert_int_equal(v.stage, 0);
		assert_int_equal(v.vm, 0);
		assert_int_equal(v.ipa, 0);
	}
}

/* Repeats of one nested item collapse onto its report; another stage is another item. */
static void test_nested_collapse(void **state)
{
	static struct fix g;
	struct invt_mem_config mc = { .nr_frames = 16 };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 1, .nr_ssids = 1,
					 .collapse = true, .nr_vms = 1 };
	uint64_t ipa = IPA0, pa;
	struct invt_oracle_use u = use_of(0, 0, 0, NDOM);
	struct invt_cache_entry e;
	struct invt_oracle_nest n;
	struct invt_violation v[4];
	int i;

	(void)state;
	assert_int_equal(invt_mem_create(&mc, &g.mem), 0);
	assert_int_equal(invt_oracle_create(&oc, g.mem, &g.o), 0);
	assert_int_equal(invt_oracle_vm_init(g.o, 0, PARENT, IPA0, INVT_MEM_FRAME_SIZE), 0);
	pa = host_map(&g, ipa);
	assert_int_equal(invt_oracle_guest_map(g.o, 0, ipa, 1, INVT_FRAME_DATA, NDOM, 0x4000), 0);
	e = nentry(&g, INVT_CACHE_NESTED, NDOM, PARENT, pa);
	n = nest_of(&g, ipa, pa);
	assert_int_equal(invt_oracle_guest_unmap(g.o, 0, ipa, 1), 0);
	assert_int_equal(invt_oracle_guest_inv_done(g.o, 0, ipa, 1), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(invt_oracle_check_nested(g.o, &u, &e, &n), STALE_TLB);
	/* the same entry with a fresh stage-1 reference: now stage 2 fires */
	assert_int_equal(invt_oracle_guest_map(g.o, 0, ipa, 1, INVT_FRAME_DATA, NDOM, 0x4000), 0);
	assert_int_equal(invt_oracle_guest_ref(g.o, 0, ipa, &n.s1), 0);
	host_unmap_done(&g, pa);
	assert_int_equal(invt_oracle_check_nested(g.o, &u, &e, &n), STALE_TLB);
	assert_int_equal(invt_oracle_reports(g.o, v, 4), 2);
	assert_int_equal(v[0].stage, 1);
	assert_int_equal(v[0].repeats, 2);
	assert_int_equal(v[1].stage, 2);
	assert_int_equal(v[1].repeats, 0);
	assert_int_equal(stats(g.o).total, 4);
	invt_oracle_destroy(g.o);
	invt_mem_destroy(g.mem);
}

static void test_nested_counts(void **state)
{
	struct fix *f = *state;
	struct invt_oracle_stats st;

	invt_oracle_count_nested_access(f->o);
	invt_oracle_count_access(f->o);
	invt_oracle_count_nested_access(f->o);
	invt_oracle_count_fault(f->o);
	st = stats(f->o);
	assert_int_equal(st.accesses, 3);
	assert_int_equal(st.nested_accesses, 2);
	assert_int_equal(st.faults, 1);
	assert_int_equal(st.total, 0);
}

/*
 * ---- threads (for TSan): a guest cycling one page while checkers take
 * references and check; counters read while they move ----
 */

#define N_CHECKERS 2
#define N_ITERS 20000
#define N_CYCLES 5000
#define N_COUNTS 1000000

struct nchecker {
	struct fix *f;
	uint64_t pa;
	uint64_t checks, stale, torn, errors;
};

static void *nchecker_fn(void *arg)
{
	struct nchecker *c = arg;
	struct invt_oracle_use u = use_of(0, 0, 0, NONE);
	struct invt_oracle_nest n = { .vm = 0, .flags = INVT_ORACLE_NEST_S1 | INVT_ORACLE_NEST_S2 };
	struct invt_cache_entry e = {
		.kind = INVT_CACHE_NESTED, .tag_s2 = VMID, .tag_s1 = ASID, .pa = c->pa,
		.domain = NDOM, .domain_s2 = PARENT,
	};
	struct invt_frame_info fi;
	int i, r;

	if (invt_mem_ref(c->f->mem, c->pa, &n.s2))
		c->errors++;
	for (i = 0; i < N_ITERS; i++) {
		/* every snapshot is one version: domain and iova written together */
		if (invt_oracle_guest_ref(c->f->o, 0, IPA0, &n.s1) ||
		    invt_oracle_guest_info(c->f->o, 0, IPA0, &fi))
			c->errors++;
		if ((n.s1.gen & 1) || (fi.gen & 1))
			c->torn++;
		if (n.s1.state == INVT_FRAME_DATA &&
		    n.s1.domain != NDOM + ((n.s1.iova >> INVT_MEM_FRAME_SHIFT) & 1))
			c->torn++;
		if (fi.state == INVT_FRAME_DATA &&
		    fi.domain != NDOM + ((fi.iova >> INVT_MEM_FRAME_SHIFT) & 1))
			c->torn++;
		if (fi.state == INVT_FRAME_FREE && (fi.domain != NONE || fi.iova))
			c->torn++;
		/* a fill now, used at once: stale only if the guest moved in between */
		e.domain = n.s1.domain;
		e.fill_time = invt_oracle_stamp(c->f->o);
		r = invt_oracle_check_nested(c->f->o, &u, &e, &n);
		if (r < 0)
			c->errors++;
		c->stale += r == STALE_TLB;
		c->checks++;
	}
	return NULL;
}

/* Counts nested accesses as fast as it can, for the stats reader. */
static void *ncounter_fn(void *arg)
{
	struct invt_oracle *o = arg;
	int i;

	for (i = 0; i < N_COUNTS; i++)
		invt_oracle_count_nested_access(o);
	return NULL;
}

struct nguest {
	struct invt_oracle *o;
	uint64_t cycles, errors;
};

static void *nguest_fn(void *arg)
{
	struct nguest *g = arg;
	uint64_t k;

	for (k = 0; k < N_CYCLES; k++) {
		if (invt_oracle_guest_map(g->o, 0, IPA0, 1, INVT_FRAME_DATA,
					  NDOM + (uint32_t)(k & 1), k << INVT_MEM_FRAME_SHIFT) ||
		    invt_oracle_guest_unmap(g->o, 0, IPA0, 1) ||
		    invt_oracle_guest_inv_done(g->o, 0, IPA0, 1))
			g->errors++;
		g->cycles++;
	}
	return NULL;
}

struct nreader {
	struct invt_oracle *o;
	volatile bool *stop;
	uint64_t reads, bad;
};

static void *nreader_fn(void *arg)
{
	struct nreader *r = arg;
	struct invt_oracle_stats st;

	while (!__atomic_load_n(r->stop, __ATOMIC_ACQUIRE)) {
		invt_oracle_stats(r->o, &st);
		r->bad += st.nested_accesses > st.accesses;
		r->reads++;
	}
	return NULL;
}

static void test_nested_threads(void **state)
{
	struct fix *f = *state;
	struct nchecker c[N_CHECKERS];
	struct nguest g = { .o = f->o };
	uint64_t pa = host_map(f, IPA0);
	volatile bool stop = false;
	struct nreader rd = { .o = f->o, .stop = &stop };
	pthread_t t[N_CHECKERS + 3];
	struct invt_oracle_stats st;
	uint64_t stale = 0;
	int i;

	for (i = 0; i < N_CHECKERS; i++)
		c[i] = (struct nchecker){ .f = f, .pa = pa };
	assert_int_equal(pthread_create(&t[N_CHECKERS + 1], NULL, nreader_fn, &rd), 0);
	for (i = 0; i < N_CHECKERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, nchecker_fn, &c[i]), 0);
	assert_int_equal(pthread_create(&t[N_CHECKERS], NULL, nguest_fn, &g), 0);
	assert_int_equal(pthread_create(&t[N_CHECKERS + 2], NULL, ncounter_fn, f->o), 0);
	for (i = 0; i <= N_CHECKERS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(pthread_join(t[N_CHECKERS + 2], NULL), 0);
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(t[N_CHECKERS + 1], NULL), 0);

	assert_int_equal(g.errors, 0);
	assert_int_equal(g.cycles, N_CYCLES);
	assert_int_equal(rd.bad, 0);
	for (i = 0; i < N_CHECKERS; i++) {
		assert_int_equal(c[i].errors, 0);
		assert_int_equal(c[i].torn, 0);
		assert_int_equal(c[i].checks, N_ITERS);
		stale += c[i].stale;
	}
	st = stats(f->o);
	assert_int_equal(st.violations[INVT_VIOL_STALE_TLB], stale);
	assert_int_equal(st.total, stale);
	assert_int_equal(st.accesses, N_COUNTS);
	assert_int_equal(st.nested_accesses, N_COUNTS);
	/* the page ends FREE: a reference now is valid, a check after a map is not */
	{
		struct invt_oracle_nest n = { .vm = 0, .flags = INVT_ORACLE_NEST_S1 };
		struct invt_cache_entry w = { .kind = INVT_CACHE_WALK_S1, .domain = NDOM,
					      .domain_s2 = NONE };
		struct invt_oracle_use u = use_of(0, 0, 0, NONE);

		assert_int_equal(invt_oracle_guest_ref(f->o, 0, IPA0, &n.s1), 0);
		assert_int_equal(n.s1.state, INVT_FRAME_FREE);
		assert_int_equal(invt_oracle_check_nested(f->o, &u, &w, &n), 0);
		guest_map(f, IPA0, INVT_FRAME_TABLE, 0);
		assert_int_equal(invt_oracle_check_nested(f->o, &u, &w, &n), STALE_TLB);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atc_gen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atc_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reports, setup_3, teardown),
		cmocka_unit_test_setup_teardown(test_reports_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_setup, setup_nest, teardown),
		cmocka_unit_test_setup_teardown(test_guest_pages, setup_nest, teardown),
		cmocka_unit_test_setup_teardown(test_nested_stage1, setup_nest, teardown),
		cmocka_unit_test_setup_teardown(test_nested_stage2, setup_nest, teardown),
		cmocka_unit_test_setup_teardown(test_nested_tables, setup_nest, teardown),
		cmocka_unit_test_setup_teardown(test_nested_domains, setup_nest, teardown),
		cmocka_unit_test_setup_teardown(test_nested_atc, setup_nest, teardown),
		cmocka_unit_test_setup_teardown(test_nested_bad_input, setup_nest, teardown),
		cmocka_unit_test_setup_teardown(test_nested_format, setup_nest, teardown),
		cmocka_unit_test(test_nested_collapse),
		cmocka_unit_test_setup_teardown(test_nested_counts, setup_nest, teardown),
		cmocka_unit_test_setup_teardown(test_nested_threads, setup_nest, teardown),
		cmocka_unit_test_setup_teardown(test_isolation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
