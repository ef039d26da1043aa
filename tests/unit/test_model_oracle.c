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
	assert_string_equal(invt_violation_name(INVT_VIOL_NR), "?");
	assert_string_equal(invt_violation_name(-1), "?");
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
