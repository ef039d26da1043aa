// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_model_cache.c - the model's translation caches: lookup rules, bounded
 * size, seeded eviction, the SMMUv3 TLBI -> match descriptor table of
 * <invtrack/model/cache.h> checked row by row against docs/hardware.md §1, and a
 * concurrency smoke test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/cache.h>
#include <invtrack/model/ylock.h>

#define NONE INVT_CACHE_ID_NONE
#define K(x) INVT_CACHE_K(INVT_CACHE_##x)

static struct invt_cache *mk(unsigned int sets, unsigned int ways, uint64_t seed)
{
	struct invt_cache_config cfg = { .name = "t", .nr_sets = sets, .ways = ways,
					 .seed = seed };
	struct invt_cache *c = NULL;

	assert_int_equal(invt_cache_create(&cfg, &c), 0);
	return c;
}

static struct invt_cache_stats stats(struct invt_cache *c)
{
	struct invt_cache_stats st;

	invt_cache_stats(c, &st);
	/* the accounting identity holds in every snapshot */
	assert_int_equal(st.inserts, st.entries + st.replaced + st.evictions + st.invalidated);
	assert_true(st.entries <= st.capacity);
	return st;
}

/* An IOTLB entry: no device fields. */
static struct invt_cache_entry ent(unsigned int kind, uint32_t s2, uint32_t s1, bool global,
				   uint64_t iova, unsigned int shift, uint64_t pa)
{
	return (struct invt_cache_entry){
		.kind = (uint8_t)kind, .global = global, .shift = (uint8_t)shift,
		.tag_s2 = s2, .tag_s1 = s1, .sid = NONE, .ssid = NONE,
		.iova = iova, .pa = pa, .domain = 1, .domain_s2 = INVT_MEM_NO_DOMAIN,
	};
}

static struct invt_cache_key key(uint32_t kinds, uint32_t s2, uint32_t s1, uint64_t iova)
{
	return (struct invt_cache_key){ .kinds = kinds, .tag_s2 = s2, .tag_s1 = s1, .sid = NONE,
					.ssid = NONE, .iova = iova };
}

/* pa of the entry found, or 0 on a miss */
static uint64_t look(struct invt_cache *c, struct invt_cache_key k)
{
	struct invt_cache_entry out;

	return invt_cache_lookup(c, &k, &out) ? 0 : out.pa;
}

/* ---- creation ---- */

static void test_create(void **state)
{
	struct invt_cache_config cfg = { .nr_sets = 4, .ways = 2 };
	struct invt_cache *c = NULL;

	(void)state;
	assert_int_equal(invt_cache_create(&cfg, &c), 0);
	assert_string_equal(invt_cache_name(c), "");
	assert_int_equal(stats(c).capacity, 8);
	assert_int_equal(stats(c).entries, 0);
	invt_cache_destroy(c);
	invt_cache_destroy(NULL);

	cfg.nr_sets = 3;
	assert_int_equal(invt_cache_create(&cfg, &c), -EINVAL);
	cfg.nr_sets = 0;
	assert_int_equal(invt_cache_create(&cfg, &c), -EINVAL);
	cfg.nr_sets = 4;
	cfg.ways = 0;
	assert_int_equal(invt_cache_create(&cfg, &c), -EINVAL);
	cfg.nr_sets = 1u << 20;
	cfg.ways = 32;
	assert_int_equal(invt_cache_create(&cfg, &c), -EINVAL);
	assert_string_equal(invt_cache_kind_name(INVT_CACHE_WALK_S2), "walk-s2");
	assert_string_equal(invt_cache_kind_name(INVT_CACHE_NR_KINDS), "?");
}

/* ---- lookup rules ---- */

static void lookup_rules(unsigned int sets, unsigned int ways)
{
	struct invt_cache *c = mk(sets, ways, 1);
	struct invt_cache_entry e, out;
	struct invt_cache_key k;

	e = ent(INVT_CACHE_S1, 1, 10, false, 0x1000, 12, 0x80001000);
	e.leaf.gen = 4;
	e.attach_gen = 9;
	e.cookie = 0xc0c0;
	e.prot = 3;
	assert_int_equal(invt_cache_insert(c, &e, NULL), 0);
	assert_int_equal(invt_cache_insert(c, &(struct invt_cache_entry){
		.kind = INVT_CACHE_S1, .tag_s2 = 1, .tag_s1 = 10, .sid = NONE, .ssid = NONE,
		.iova = 0x200000, .shift = 21, .pa = 0x80200000 }, NULL), 0);
	assert_int_equal(invt_cache_insert(c, &(struct invt_cache_entry){
		.kind = INVT_CACHE_S1, .global = true, .tag_s2 = 1, .tag_s1 = 11, .sid = NONE,
		.ssid = NONE, .iova = 0x7000, .shift = 12, .pa = 0x80007000 }, NULL), 0);

	/* hit: a full copy, oracle fields included */
	k = key(K(S1), 1, 10, 0x1abc);
	assert_int_equal(invt_cache_lookup(c, &k, &out), 0);
	assert_int_equal(out.kind, INVT_CACHE_S1);
	assert_false(out.global);
	assert_int_equal(out.shift, 12);
	assert_int_equal(out.prot, 3);
	assert_int_equal(out.tag_s2, 1);
	assert_int_equal(out.tag_s1, 10);
	assert_int_equal(out.iova, 0x1000);
	assert_int_equal(out.pa, 0x80001000);
	assert_int_equal(out.domain, 1);
	assert_int_equal(out.domain_s2, INVT_MEM_NO_DOMAIN);
	assert_int_equal(out.leaf.gen, 4);
	assert_int_equal(out.attach_gen, 9);
	assert_int_equal(out.cookie, 0xc0c0);
	/* misses: other ASID, other VMID, other kind, outside the span */
	assert_int_equal(look(c, key(K(S1), 1, 11, 0x1000)), 0);
	assert_int_equal(look(c, key(K(S1), 2, 10, 0x1000)), 0);
	assert_int_equal(look(c, key(K(NESTED) | K(S2), 1, 10, 0x1000)), 0);
	assert_int_equal(look(c, key(K(S1), 1, 10, 0x2000)), 0);
	assert_int_equal(look(c, key(K(S1), 1, 10, 0xfff)), 0);
	/* a 2 MiB entry covers its whole span */
	assert_int_equal(look(c, key(K(S1), 1, 10, 0x3fffff)), 0x80200000);
	assert_int_equal(look(c, key(K(S1), 1, 10, 0x400000)), 0);
	/* global: any ASID, but the VMID must match */
	assert_int_equal(look(c, key(K(S1), 1, 10, 0x7008)), 0x80007000);
	assert_int_equal(look(c, key(K(S1), 1, 99, 0x7008)), 0x80007000);
	assert_int_equal(look(c, key(K(S1), 2, 11, 0x7008)), 0);
	assert_int_equal(look(c, key(K(S1) | K(S2), 1, 10, 0x1000)), 0x80001000);

	/* walk entries at two levels: the smallest span wins */
	assert_int_equal(invt_cache_insert(c, &(struct invt_cache_entry){
		.kind = INVT_CACHE_WALK_S1, .tag_s2 = 1, .tag_s1 = 10, .sid = NONE, .ssid = NONE,
		.iova = 0, .shift = 30, .pa = 0xa000 }, NULL), 0);
	assert_int_equal(invt_cache_insert(c, &(struct invt_cache_entry){
		.kind = INVT_CACHE_WALK_S1, .tag_s2 = 1, .tag_s1 = 10, .sid = NONE, .ssid = NONE,
		.iova = 0x200000, .shift = 21, .pa = 0xb000 }, NULL), 0);
	assert_int_equal(look(c, key(K(WALK_S1), 1, 10, 0x234567)), 0xb000);
	assert_int_equal(look(c, key(K(WALK_S1), 1, 10, 0x434567)), 0xa000);
	assert_int_equal(look(c, key(K(WALK_S1), 1, 10, 0x40000000)), 0);

	/* ATC: sid and ssid exact */
	assert_int_equal(invt_cache_insert(c, &(struct invt_cache_entry){
		.kind = INVT_CACHE_ATC, .tag_s2 = NONE, .tag_s1 = NONE, .sid = 5, .ssid = 2,
		.iova = 0x1000, .shift = 12, .pa = 0xc000 }, NULL), 0);
	k = key(K(ATC), NONE, NONE, 0x1000);
	k.sid = 5;
	k.ssid = 2;
	assert_int_equal(look(c, k), 0xc000);
	k.ssid = NONE;
	assert_int_equal(look(c, k), 0);
	k.ssid = 2;
	k.sid = 6;
	assert_int_equal(look(c, k), 0);

	assert_int_equal(stats(c).hits, 8);
	assert_int_equal(stats(c).misses, 10);
	assert_int_equal(stats(c).entries, 6);
	invt_cache_destroy(c);
}

static void test_lookup_full_assoc(void **state)
{
	(void)state;
	lookup_rules(1, 16);
}

static void test_lookup_set_assoc(void **state)
{
	(void)state;
	lookup_rules(16, 2);
}

static void test_insert_checks_and_replace(void **state)
{
	struct invt_cache *c = mk(4, 2, 7);
	struct invt_cache_entry e = ent(INVT_CACHE_S2, 3, NONE, false, 0x200000, 21, 0x1000000);
	struct invt_cache_entry bad;

	(void)state;
	bad = e;
	bad.iova = 0x201000;
	assert_int_equal(invt_cache_insert(c, &bad, NULL), -EINVAL);
	bad = e;
	bad.shift = 64;
	bad.iova = 0;
	assert_int_equal(invt_cache_insert(c, &bad, NULL), -EINVAL);
	bad = e;
	bad.kind = INVT_CACHE_NR_KINDS;
	assert_int_equal(invt_cache_insert(c, &bad, NULL), -EINVAL);
	assert_int_equal(stats(c).inserts, 0);

	/* same identity: overwritten, not duplicated */
	assert_int_equal(invt_cache_insert(c, &e, NULL), 0);
	e.pa = 0x2000000;
	e.leaf.gen = 2;
	assert_int_equal(invt_cache_insert(c, &e, NULL), 0);
	assert_int_equal(stats(c).entries, 1);
	assert_int_equal(stats(c).replaced, 1);
	assert_int_equal(look(c, key(K(S2), 3, NONE, 0x3fffff)), 0x2000000);
	/* global differs: another identity */
	e.global = true;
	assert_int_equal(invt_cache_insert(c, &e, NULL), 0);
	assert_int_equal(stats(c).entries, 2);
	/* shift 63 is a legal span */
	bad = ent(INVT_CACHE_S1, 1, 1, false, 0, 63, 5);
	assert_int_equal(invt_cache_insert(c, &bad, NULL), 0);
	assert_int_equal(look(c, key(K(S1), 1, 1, UINT64_C(0x7fffffffffffffff))), 5);
	assert_int_equal(look(c, key(K(S1), 1, 1, UINT64_C(0x8000000000000000))), 0);
	invt_cache_destroy(c);
}

/* ---- bounded size, eviction determinism ---- */

static void count_fn(const struct invt_cache_entry *e, void *arg)
{
	(void)e;
	(*(size_t *)arg)++;
}

static void test_bounded(void **state)
{
	struct invt_cache *c = mk(1, 8, 42);
	struct invt_cache_entry e, ev;
	struct invt_cache_stats st;
	unsigned int i, nev = 0;
	size_t n = 0;

	(void)state;
	for (i = 0; i < 100; i++) {
		int r;

		e = ent(INVT_CACHE_S1, 1, 1, false, (uint64_t)i << 12, 12, 0x100000 + i);
		memset(&ev, 0, sizeof(ev));
		r = invt_cache_insert(c, &e, &ev);
		assert_int_equal(r, i < 8 ? 0 : 1);
		if (r == 1) {
			nev++;
			/* the victim was in the cache and is gone now */
			assert_true(ev.pa >= 0x100000 && ev.pa < 0x100000 + i);
			assert_int_equal(look(c, key(K(S1), 1, 1, ev.iova)), 0);
		}
		assert_int_equal(look(c, key(K(S1), 1, 1, e.iova)), e.pa);
	}
	st = stats(c);
	assert_int_equal(st.entries, 8);
	assert_int_equal(st.evictions, 92);
	assert_int_equal(nev, 92);
	assert_int_equal(invt_cache_for_each(c, count_fn, &n), 8);
	assert_int_equal(n, 8);
	invt_cache_destroy(c);

	/* set-associative: never more than ways per set, capacity overall */
	c = mk(8, 2, 42);
	for (i = 0; i < 1000; i++) {
		e = ent(INVT_CACHE_S1 + i % 3, i % 5, i % 7, false, (uint64_t)i << 21, 21, i);
		assert_true(invt_cache_insert(c, &e, NULL) >= 0);
		assert_true(stats(c).entries <= 16);
	}
	st = stats(c);
	assert_int_equal(st.inserts, 1000);
	assert_int_equal(st.entries + st.evictions, 1000);
	invt_cache_destroy(c);
}

#define LOG_MAX 4096

struct run_log {
	uint64_t evicted[LOG_MAX];	/* pa of each victim, in order */
	unsigned int n;
	uint64_t final[64];
	size_t nfinal;
	struct invt_cache_stats st;
};

static void final_fn(const struct invt_cache_entry *e, void *arg)
{
	struct run_log *l = arg;

	l->final[l->nfinal++] = e->pa;
}

/* A fixed pseudo-random sequence of inserts, lookups and invalidations. */
static void run_ops(uint64_t seed, unsigned int sets, unsigned int ways, struct run_log *l)
{
	struct invt_cache *c = mk(sets, ways, seed);
	uint64_t x = 12345;
	unsigned int i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < 3000; i++) {
		unsigned int op, vmid, asid, shift;
		struct invt_cache_entry e, ev;
		struct invt_cache_match m;
		uint64_t iova;

		x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
		op = (unsigned int)(x >> 60);
		vmid = (unsigned int)(x >> 40) & 3;
		asid = (unsigned int)(x >> 44) & 3;
		shift = (x >> 50) & 1 ? 21 : 12;
		iova = ((x >> 20) & 0xff) << shift;
		if (op < 11) {
			e = ent(INVT_CACHE_S1, vmid, asid, false, iova, shift, i + 1);
			if (invt_cache_insert(c, &e, &ev) == 1) {
				assert_true(l->n < LOG_MAX);
				l->evicted[l->n++] = ev.pa;
			}
		} else if (op < 15) {
			look(c, key(K(S1), vmid, asid, iova));
		} else {
			invt_cache_match_init(&m, K(S1));
			invt_cache_match_tag_s2(&m, vmid);
			invt_cache_match_tag_s1(&m, asid);
			assert_true(invt_cache_invalidate(c, &m) >= 0);
		}
	}
	invt_cache_for_each(c, final_fn, l);
	l->st = stats(c);
	invt_cache_destroy(c);
}

static void test_eviction_determinism(void **state)
{
	struct run_log *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	unsigned int g;
	static const unsigned int geo[][2] = { { 1, 32 }, { 8, 4 } };

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	for (g = 0; g < 2; g++) {
		run_ops(99, geo[g][0], geo[g][1], a);
		run_ops(99, geo[g][0], geo[g][1], b);
		assert_true(a->n > 100);
		assert_int_equal(a->n, b->n);
		assert_memory_equal(a->evicted, b->evicted, a->n * sizeof(a->evicted[0]));
		assert_int_equal(a->nfinal, b->nfinal);
		assert_memory_equal(a->final, b->final, a->nfinal * sizeof(a->final[0]));
		assert_memory_equal(&a->st, &b->st, sizeof(a->st));
		assert_int_equal(a->st.evictions, a->n);

		/* another seed picks other victims */
		run_ops(100, geo[g][0], geo[g][1], b);
		assert_true(a->n != b->n ||
			    memcmp(a->evicted, b->evicted, a->n * sizeof(a->evicted[0])) != 0);
	}
	free(a);
	free(b);
}

/* ---- the SMMUv3 TLBI -> match table, row by row ---- */

#define EL2 UINT32_C(0x10000)	/* the executor's tag_s2 for the EL2 regime */

enum tlbi_op {
	NH_ALL, NH_ASID, NH_VA, NH_VAA, EL2_ALL, EL2_ASID, EL2_VA, EL2_VAA, S12_VMALL, S2_IPA,
	NSNH_ALL, ATC_INV,
};

/* A decoded command, as the SMMUv3 executor will see it. */
struct tlbi {
	const char *name;
	enum tlbi_op op;
	uint32_t vmid, asid;
	uint64_t addr, size;	/* VA/IPA forms: [addr, addr + size) */
	bool leaf;
	uint32_t sid, ssid;	/* ATC_INV */
	bool ssv;
	unsigned int atc_size;	/* ATC_INV Size: 4 KiB << atc_size */
	uint32_t removed;	/* expected: bit i = population entry i removed */
};

/* The table of <invtrack/model/cache.h>, as code. */
static void tlbi_match(const struct tlbi *t, struct invt_cache_match *m)
{
	const uint32_t nh = K(S1) | K(NESTED) | K(WALK_S1), el2 = K(S1) | K(WALK_S1);

	switch (t->op) {
	case NH_ALL:
	case NH_ASID:
	case NH_VA:
	case NH_VAA:
		invt_cache_match_init(m, nh);
		invt_cache_match_tag_s2(m, t->vmid);
		break;
	case EL2_ALL:
	case EL2_ASID:
	case EL2_VA:
	case EL2_VAA:
		invt_cache_match_init(m, el2);
		invt_cache_match_tag_s2(m, EL2);
		break;
	case S12_VMALL:
		invt_cache_match_init(m, INVT_CACHE_K_TLB);
		invt_cache_match_tag_s2(m, t->vmid);
		break;
	case S2_IPA:
		invt_cache_match_init(m, K(S2) | K(WALK_S2));
		invt_cache_match_tag_s2(m, t->vmid);
		break;
	case NSNH_ALL:
		invt_cache_match_init(m, INVT_CACHE_K_TLB);
		m->tag_s2 = 0;
		m->tag_s2_mask = 0xffff0000;
		break;
	case ATC_INV:
		invt_cache_match_init(m, K(ATC));
		invt_cache_match_sid(m, t->sid);
		if (t->ssv)
			invt_cache_match_ssid(m, t->ssid);
		if (t->atc_size < 52) {
			uint64_t span = UINT64_C(0x1000) << t->atc_size;
			uint64_t start = t->addr & ~(span - 1);

			invt_cache_match_range(m, start, start + span - 1);
		}
		return;
	}
	if (t->op == NH_ASID || t->op == NH_VA || t->op == EL2_ASID || t->op == EL2_VA)
		invt_cache_match_tag_s1(m, t->asid);
	if (t->op == NH_ASID || t->op == EL2_ASID)
		m->keep_global = true;
	if (t->op == NH_VA || t->op == NH_VAA || t->op == EL2_VA || t->op == EL2_VAA ||
	    t->op == S2_IPA) {
		invt_cache_match_range(m, t->addr, t->addr + t->size - 1);
		m->leaf_only = t->leaf;
	}
}

/*
 * The population: VMIDs 1 and 2, ASIDs 10 and 11, the EL2 regime, two
 * devices.  Global entries were filled under another ASID than the commands
 * name, so only their global bit can make them match.
 */
#define P(k, g, sh, s2, s1, sd, ss, va, p) {						\
	.kind = INVT_CACHE_##k, .global = g, .shift = sh, .tag_s2 = s2, .tag_s1 = s1,	\
	.sid = sd, .ssid = ss, .iova = va, .pa = p, .domain = 1 }

/* P(kind, global, shift, tag_s2, tag_s1, sid, ssid, iova, pa) */
static const struct invt_cache_entry population[] = {
	/*  0 */ P(S1, false, 12, 1, 10, NONE, NONE, 0x1000, 0xa0),
	/*  1 */ P(S1, false, 12, 1, 11, NONE, NONE, 0x1000, 0xa1),
	/*  2 */ P(S1, false, 21, 1, 10, NONE, NONE, 0x200000, 0xa2),
	/*  3 */ P(S1, true, 12, 1, 11, NONE, NONE, 0x5000, 0xa3),
	/*  4 */ P(S1, false, 12, 2, 10, NONE, NONE, 0x1000, 0xa4),
	/*  5 */ P(NESTED, false, 12, 1, 10, NONE, NONE, 0x1000, 0xa5),
	/*  6 */ P(NESTED, false, 12, 2, 10, NONE, NONE, 0x1000, 0xa6),
	/*  7 */ P(WALK_S1, false, 21, 1, 10, NONE, NONE, 0, 0xa7),
	/*  8 */ P(WALK_S1, false, 21, 1, 11, NONE, NONE, 0, 0xa8),
	/*  9 */ P(S2, false, 12, 1, NONE, NONE, NONE, 0x1000, 0xa9),
	/* 10 */ P(S2, false, 12, 1, NONE, NONE, NONE, 0x9000, 0xaa),
	/* 11 */ P(WALK_S2, false, 21, 1, NONE, NONE, NONE, 0, 0xab),
	/* 12 */ P(S2, false, 12, 2, NONE, NONE, NONE, 0x1000, 0xac),
	/* 13 */ P(WALK_S2, false, 21, 2, NONE, NONE, NONE, 0, 0xad),
	/* 14 */ P(S1, false, 12, EL2, 10, NONE, NONE, 0x1000, 0xae),
	/* 15 */ P(S1, true, 12, EL2, 11, NONE, NONE, 0x5000, 0xaf),
	/* 16 */ P(WALK_S1, false, 21, EL2, 10, NONE, NONE, 0, 0xb0),
	/* 17 */ P(ATC, false, 12, NONE, NONE, 5, NONE, 0x1000, 0xb1),
	/* 18 */ P(ATC, false, 12, NONE, NONE, 5, 1, 0x1000, 0xb2),
	/* 19 */ P(ATC, false, 12, NONE, NONE, 6, NONE, 0x1000, 0xb3),
	/* 20 */ P(ATC, false, 12, NONE, NONE, 5, NONE, 0x100000, 0xb4),
	/* 21 */ P(NESTED, true, 12, 1, 12, NONE, NONE, 0x5000, 0xb5),
	/* 22 */ P(S1, false, 12, 1, 10, NONE, NONE, 0x400000, 0xb6),
};

#define NPOP (sizeof(population) / sizeof(population[0]))
#define B(i) (UINT32_C(1) << (i))
#define POP_ALL ((UINT32_C(1) << NPOP) - 1)
#define POP_ATC (B(17) | B(18) | B(19) | B(20))
#define POP_EL2 (B(14) | B(15) | B(16))

static const struct tlbi cases[] = {
	/* every stage-1 entry of the VMID, global ones included */
	{ "NH_ALL(1)", NH_ALL, .vmid = 1,
	  .removed = B(0) | B(1) | B(2) | B(3) | B(5) | B(7) | B(8) | B(21) | B(22) },
	{ "NH_ALL(2)", NH_ALL, .vmid = 2, .removed = B(4) | B(6) },
	/* non-global stage-1 entries of the ASID in the VMID: not 3, not 21 */
	{ "NH_ASID(1,10)", NH_ASID, .vmid = 1, .asid = 10,
	  .removed = B(0) | B(2) | B(5) | B(7) | B(22) },
	{ "NH_ASID(1,11)", NH_ASID, .vmid = 1, .asid = 11, .removed = B(1) | B(8) },
	{ "NH_ASID(1,12): global 21 stays", NH_ASID, .vmid = 1, .asid = 12, .removed = 0 },
	/* VMID+ASID+VA, leaf: walk entries stay */
	{ "NH_VA(1,10,0x1000,leaf)", NH_VA, .vmid = 1, .asid = 10, .addr = 0x1000,
	  .size = 0x1000, .leaf = true, .removed = B(0) | B(5) },
	{ "NH_VA(1,10,0x1000)", NH_VA, .vmid = 1, .asid = 10, .addr = 0x1000, .size = 0x1000,
	  .removed = B(0) | B(5) | B(7) },
	/* global entries matching VMID+VA go, whatever ASID filled them */
	{ "NH_VA(1,10,0x5000,leaf): globals", NH_VA, .vmid = 1, .asid = 10, .addr = 0x5000,
	  .size = 0x1000, .leaf = true, .removed = B(3) | B(21) },
	{ "NH_VA(2,10,0x5000,leaf): other VMID", NH_VA, .vmid = 2, .asid = 10, .addr = 0x5000,
	  .size = 0x1000, .leaf = true, .removed = 0 },
	/* a RIL range over [0, 4 MiB): the 2 MiB block, not the entry at 4 MiB */
	{ "NH_VA(1,10,[0,4M),leaf)", NH_VA, .vmid = 1, .asid = 10, .addr = 0, .size = 0x400000,
	  .leaf = true, .removed = B(0) | B(2) | B(3) | B(5) | B(21) },
	{ "NH_VA(1,10,0x3ff000,leaf): inside the block", NH_VA, .vmid = 1, .asid = 10,
	  .addr = 0x3ff000, .size = 0x1000, .leaf = true, .removed = B(2) },
	/* all ASIDs of the VMID */
	{ "NH_VAA(1,0x1000,leaf)", NH_VAA, .vmid = 1, .addr = 0x1000, .size = 0x1000,
	  .leaf = true, .removed = B(0) | B(1) | B(5) },
	{ "NH_VAA(1,0x1000)", NH_VAA, .vmid = 1, .addr = 0x1000, .size = 0x1000,
	  .removed = B(0) | B(1) | B(5) | B(7) | B(8) },
	/* the EL2 regime only */
	{ "EL2_ALL", EL2_ALL, .removed = POP_EL2 },
	{ "EL2_ASID(10)", EL2_ASID, .asid = 10, .removed = B(14) | B(16) },
	{ "EL2_VA(10,0x5000,leaf)", EL2_VA, .asid = 10, .addr = 0x5000, .size = 0x1000,
	  .leaf = true, .removed = B(15) },
	{ "EL2_VA(10,0x1000)", EL2_VA, .asid = 10, .addr = 0x1000, .size = 0x1000,
	  .removed = B(14) | B(16) },
	{ "EL2_VAA(0x1000,leaf)", EL2_VAA, .addr = 0x1000, .size = 0x1000, .leaf = true,
	  .removed = B(14) },
	/* every entry of every stage of the VMID; never ATC entries */
	{ "S12_VMALL(1)", S12_VMALL, .vmid = 1,
	  .removed = B(0) | B(1) | B(2) | B(3) | B(5) | B(7) | B(8) | B(9) | B(10) | B(11) |
		     B(21) | B(22) },
	{ "S12_VMALL(2)", S12_VMALL, .vmid = 2, .removed = B(4) | B(6) | B(12) | B(13) },
	/* stage-2 entries only: combined entry 5 at the same address stays */
	{ "S2_IPA(1,0x1000,leaf)", S2_IPA, .vmid = 1, .addr = 0x1000, .size = 0x1000,
	  .leaf = true, .removed = B(9) },
	{ "S2_IPA(1,0x1000)", S2_IPA, .vmid = 1, .addr = 0x1000, .size = 0x1000,
	  .removed = B(9) | B(11) },
	{ "S2_IPA(1,[0,64K),leaf)", S2_IPA, .vmid = 1, .addr = 0, .size = 0x10000, .leaf = true,
	  .removed = B(9) | B(10) },
	{ "S2_IPA(2,0x1000)", S2_IPA, .vmid = 2, .addr = 0x1000, .size = 0x1000,
	  .removed = B(12) | B(13) },
	/* everything but EL2 and the ATCs */
	{ "NSNH_ALL", NSNH_ALL, .removed = POP_ALL & ~POP_EL2 & ~POP_ATC },
	/* ATC_INV: SSV=0 also hits PASID-tagged entries */
	{ "ATC_INV(5,0x1000)", ATC_INV, .sid = 5, .addr = 0x1000, .removed = B(17) | B(18) },
	{ "ATC_INV(5,ssid 1,0x1000)", ATC_INV, .sid = 5, .ssv = true, .ssid = 1, .addr = 0x1000,
	  .removed = B(18) },
	{ "ATC_INV(5,0x1000,Size 8): 1 MiB", ATC_INV, .sid = 5, .addr = 0x1000, .atc_size = 8,
	  .removed = B(17) | B(18) },
	{ "ATC_INV(5,0x1000,Size 9): 2 MiB", ATC_INV, .sid = 5, .addr = 0x1000, .atc_size = 9,
	  .removed = B(17) | B(18) | B(20) },
	{ "ATC_INV(5,Size 52)", ATC_INV, .sid = 5, .atc_size = 52,
	  .removed = B(17) | B(18) | B(20) },
	{ "ATC_INV(6,Size 52)", ATC_INV, .sid = 6, .atc_size = 52, .removed = B(19) },
};

static void test_tlbi_table(void **state)
{
	unsigned int ci, i;

	(void)state;
	assert_true(NPOP <= 32);
	for (ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		const struct tlbi *t = &cases[ci];
		struct invt_cache *c = mk(4, 32, ci);
		struct invt_cache_match m;
		uint32_t got = 0;

		for (i = 0; i < NPOP; i++)
			assert_int_equal(invt_cache_insert(c, &population[i], NULL), 0);
		assert_int_equal(stats(c).entries, NPOP);
		tlbi_match(t, &m);

		/* the predicate ... */
		for (i = 0; i < NPOP; i++)
			if (invt_cache_matches(&m, &population[i]))
				got |= B(i);
		if (got != t->removed)
			print_error("%s: predicate removes %#x, expected %#x\n", t->name, got,
				    t->removed);
		assert_int_equal(got, t->removed);

		/* ... and the cache agree */
		assert_int_equal(invt_cache_invalidate(c, &m), __builtin_popcount(t->removed));
		for (i = 0; i < NPOP; i++) {
			const struct invt_cache_entry *p = &population[i];
			struct invt_cache_key k = {
				.kinds = INVT_CACHE_K(p->kind), .tag_s2 = p->tag_s2,
				.tag_s1 = p->tag_s1, .sid = p->sid, .ssid = p->ssid, .iova = p->iova,
			};
			struct invt_cache_entry out;
			bool gone = invt_cache_lookup(c, &k, &out) != 0;

			if (!gone)
				assert_int_equal(out.pa, p->pa);
			if (gone != !!(t->removed & B(i)))
				print_error("%s: entry %u %s\n", t->name, i,
					    gone ? "removed" : "kept");
			assert_int_equal(gone, !!(t->removed & B(i)));
		}
		assert_int_equal(stats(c).invalidated, __builtin_popcount(t->removed));
		invt_cache_destroy(c);
	}
}

/* Descriptor edge cases: empty kind set, bad range, masks. */
static void test_match_edges(void **state)
{
	struct invt_cache *c = mk(1, 64, 3);
	struct invt_cache_match m;
	unsigned int i;

	(void)state;
	for (i = 0; i < NPOP; i++)
		assert_int_equal(invt_cache_insert(c, &population[i], NULL), 0);
	invt_cache_match_init(&m, 0);
	assert_int_equal(invt_cache_invalidate(c, &m), 0);
	invt_cache_match_init(&m, INVT_CACHE_K_ALL);
	invt_cache_match_range(&m, 2, 1);
	assert_int_equal(invt_cache_invalidate(c, &m), -EINVAL);
	/* leaves only (walk entries span [0, 2 MiB)): a range between two spans */
	invt_cache_match_init(&m, INVT_CACHE_K_ALL & ~INVT_CACHE_K_WALK);
	invt_cache_match_range(&m, 0x6000, 0x8fff);
	assert_int_equal(invt_cache_invalidate(c, &m), 0);
	/* a range ending at 2^64 - 1: entries 2, 10, 20, 22 */
	invt_cache_match_range(&m, 0x9000, UINT64_MAX);
	assert_int_equal(invt_cache_invalidate(c, &m), 4);
	/* the walk entries overlap any address below 2 MiB */
	invt_cache_match_init(&m, INVT_CACHE_K_WALK);
	invt_cache_match_range(&m, 0x1fffff, 0x1fffff);
	assert_int_equal(invt_cache_invalidate(c, &m), 5);
	assert_int_equal(stats(c).entries, NPOP - 9);
	invt_cache_match_init(&m, INVT_CACHE_K_ALL);
	assert_int_equal(invt_cache_invalidate(c, &m), NPOP - 9);
	assert_int_equal(stats(c).entries, 0);
	invt_cache_destroy(c);
}

/*
 * A match by output IPA (RISC-V IOTINVAL.GVMA by address): combined
 * entries go only where their IPA span overlaps; other kinds ignore it.
 */
static void test_match_by_ipa(void **state)
{
	struct invt_cache *c = mk(4, 4, 5);
	struct invt_cache_entry e[4] = {
		ent(INVT_CACHE_NESTED, 7, 1, false, 0x1000, 12, 0xa000),
		ent(INVT_CACHE_NESTED, 7, 1, false, 0x200000, 21, 0xc00000),
		ent(INVT_CACHE_NESTED, 7, 2, false, 0x2000, 12, 0xb000),
		ent(INVT_CACHE_S2, 7, NONE, false, 0x90000, 12, 0xd000),
	};
	struct invt_cache_match m;
	unsigned int i;

	(void)state;
	e[0].ipa = 0x90000;
	e[1].ipa = 0x400000;	/* [0x400000, 0x5fffff] */
	e[2].ipa = 0x91000;
	for (i = 0; i < 4; i++)
		assert_int_equal(invt_cache_insert(c, &e[i], NULL), 0);
	invt_cache_match_init(&m, K(NESTED) | K(S2));
	invt_cache_match_tag_s2(&m, 7);
	invt_cache_match_ipa_range(&m, 0x90000, 0x90fff);
	assert_true(invt_cache_matches(&m, &e[0]));
	assert_false(invt_cache_matches(&m, &e[2]));
	assert_true(invt_cache_matches(&m, &e[3]));	/* not NESTED: input range only */
	assert_int_equal(invt_cache_invalidate(c, &m), 2);
	assert_int_equal(look(c, key(K(NESTED), 7, 2, 0x2000)), 0xb000);
	/* inside the 2 MiB entry's output span */
	invt_cache_match_ipa_range(&m, 0x5ff000, 0x5fffff);
	assert_int_equal(invt_cache_invalidate(c, &m), 1);
	assert_int_equal(look(c, key(K(NESTED), 7, 1, 0x200000)), 0);
	assert_int_equal(stats(c).entries, 1);
	invt_cache_destroy(c);
}

/* ---- lookup and check under the lock ---- */

struct cb_arg {
	int calls, misses;
	uint64_t seen_pa;
};

static int check_or_fill(struct invt_cache *c, const struct invt_cache_entry *e, void *arg)
{
	struct cb_arg *a = arg;
	struct invt_cache_entry fill;
	struct invt_cache_match m;

	a->calls++;
	if (e) {
		a->seen_pa = e->pa;
		/* the callback runs locked: _locked calls are allowed */
		invt_cache_match_init(&m, INVT_CACHE_K_ALL);
		invt_cache_match_range(&m, e->iova, e->iova);
		assert_int_equal(invt_cache_invalidate_locked(c, &m), 1);
		/* the copy survives its slot's invalidation */
		return e->pa == 0x1234000 ? 7 : -1;
	}
	a->misses++;
	fill = ent(INVT_CACHE_S1, 1, 1, false, 0x4000, 12, 0x1234000);
	assert_int_equal(invt_cache_insert_locked(c, &fill, NULL), 0);
	return -ENOENT;
}

static void test_lookup_cb(void **state)
{
	struct invt_cache *c = mk(2, 2, 5);
	struct invt_cache_key k = key(K(S1), 1, 1, 0x4008);
	struct invt_cache_entry out;
	struct cb_arg a = { 0 };

	(void)state;
	assert_int_equal(invt_cache_lookup_cb(c, &k, check_or_fill, &a), -ENOENT);
	assert_int_equal(invt_cache_lookup_cb(c, &k, check_or_fill, &a), 7);
	assert_int_equal(a.calls, 2);
	assert_int_equal(a.misses, 1);
	assert_int_equal(a.seen_pa, 0x1234000);
	assert_int_equal(stats(c).entries, 0);
	assert_int_equal(stats(c).hits, 1);
	assert_int_equal(stats(c).misses, 1);

	invt_cache_lock(c);
	assert_int_equal(invt_cache_lookup_locked(c, &k, &out), -ENOENT);
	invt_cache_unlock(c);
	invt_cache_destroy(c);
}

/* ---- concurrency smoke ---- */

#define SMOKE_ITERS 100000
#define MAGIC UINT64_C(0x5bd1e9955bd1e995)

struct smoke {
	struct invt_cache *c;
	uint64_t inserts, lookups, invalidated, bad;
	unsigned int id;
};

/* Inserter: entries whose cookie is a function of the rest (torn copies show). */
static void *inserter(void *arg)
{
	struct smoke *s = arg;
	uint64_t x = 77 + s->id;
	unsigned int i;

	for (i = 0; i < SMOKE_ITERS; i++) {
		struct invt_cache_entry e;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		e = ent(INVT_CACHE_S1, (uint32_t)(x & 3), (uint32_t)((x >> 2) & 3), false,
			((x >> 8) & 0x3ff) << 12, 12, (x >> 8) & 0xffff);
		e.cookie = e.iova ^ e.pa ^ e.tag_s2 ^ MAGIC;
		if (invt_cache_insert(s->c, &e, NULL) < 0)
			s->bad++;
		else
			s->inserts++;
	}
	return NULL;
}

static int smoke_check(struct invt_cache *c, const struct invt_cache_entry *e, void *arg)
{
	struct smoke *s = arg;

	(void)c;
	if (e && e->cookie != (e->iova ^ e->pa ^ e->tag_s2 ^ MAGIC))
		s->bad++;
	return 0;
}

/* Invalidator: by VMID, by ASID, by range, and checked lookups. */
static void *invalidator(void *arg)
{
	struct smoke *s = arg;
	unsigned int i;

	for (i = 0; i < SMOKE_ITERS; i++) {
		struct invt_cache_match m;
		struct invt_cache_key k = key(K(S1), i & 3, (i >> 2) & 3, (uint64_t)(i & 0x3ff) << 12);
		long r;

		if (i % 4 == 0) {
			invt_cache_match_init(&m, K(S1));
			invt_cache_match_tag_s2(&m, i & 3);
			if (i % 8 == 0)
				invt_cache_match_tag_s1(&m, (i >> 3) & 3);
			else
				invt_cache_match_range(&m, k.iova, k.iova + 0xffff);
			r = invt_cache_invalidate(s->c, &m);
			if (r < 0)
				s->bad++;
			else
				s->invalidated += (uint64_t)r;
		} else {
			invt_cache_lookup_cb(s->c, &k, smoke_check, s);
			s->lookups++;
		}
	}
	return NULL;
}

static void test_concurrency_smoke(void **state)
{
	struct smoke s[3];
	struct invt_cache_stats st;
	struct invt_cache_match m;
	pthread_t t[3];
	uint64_t inserts = 0, lookups = 0, invalidated = 0;
	unsigned int i;
	size_t n = 0;

	(void)state;
	for (i = 0; i < 3; i++) {
		s[i] = (struct smoke){ .id = i };
		s[i].c = i == 0 ? mk(16, 4, 11) : s[0].c;
	}
	assert_int_equal(pthread_create(&t[0], NULL, inserter, &s[0]), 0);
	assert_int_equal(pthread_create(&t[1], NULL, inserter, &s[1]), 0);
	assert_int_equal(pthread_create(&t[2], NULL, invalidator, &s[2]), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(s[i].bad, 0);
		inserts += s[i].inserts;
		lookups += s[i].lookups;
		invalidated += s[i].invalidated;
	}
	st = stats(s[0].c);
	assert_int_equal(inserts, 2 * SMOKE_ITERS);
	assert_int_equal(st.inserts, inserts);
	assert_int_equal(st.hits + st.misses, lookups);
	assert_int_equal(lookups, SMOKE_ITERS * 3 / 4);
	assert_int_equal(st.invalidated, invalidated);
	assert_int_equal(invt_cache_for_each(s[0].c, count_fn, &n), st.entries);
	assert_int_equal(n, st.entries);
	assert_true(st.entries <= 64);
	invt_cache_match_init(&m, INVT_CACHE_K_ALL);
	assert_int_equal(invt_cache_invalidate(s[0].c, &m), (long)st.entries);
	st = stats(s[0].c);
	assert_int_equal(st.entries, 0);
	invt_cache_destroy(s[0].c);
}

/*
 * The caches' lock itself (invtrack/model/ylock.h), with more threads than
 * a 2-core machine has CPUs, so that waiters also take the yield path: a
 * plain counter bumped under it loses no increment (a lock that let two in
 * would lose some, and ThreadSanitizer builds would report the race).
 */
#define YLOCK_THREADS 4
#define YLOCK_ITERS 200000

struct ylock_shared {
	pthread_barrier_t start;
	struct invt_ylock lock;
	uint64_t count;		/* under @lock, plain accesses */
};

static void *ylock_bumper(void *arg)
{
	struct ylock_shared *sh = arg;
	unsigned int i;
	uint64_t c;

	pthread_barrier_wait(&sh->start);	/* all at once */
	for (i = 0; i < YLOCK_ITERS; i++) {
		invt_ylock_lock(&sh->lock);
		/* A read, a pause, a write: a window another owner would hit. */
		c = sh->count;
		invt_cpu_relax();
		sh->count = c + 1;
		invt_ylock_unlock(&sh->lock);
	}
	return NULL;
}

static void test_ylock(void **state)
{
	struct ylock_shared sh = { .count = 0 };	/* zeroed: unlocked */
	pthread_t t[YLOCK_THREADS];
	unsigned int i;

	(void)state;
	assert_int_equal(pthread_barrier_init(&sh.start, NULL, YLOCK_THREADS), 0);
	assert_true(invt_ylock_trylock(&sh.lock));
	assert_false(invt_ylock_trylock(&sh.lock));	/* held: refused */
	invt_ylock_unlock(&sh.lock);
	assert_true(invt_ylock_trylock(&sh.lock));
	invt_ylock_unlock(&sh.lock);
	for (i = 0; i < YLOCK_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, ylock_bumper, &sh), 0);
	for (i = 0; i < YLOCK_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(sh.count, (uint64_t)YLOCK_THREADS * YLOCK_ITERS);
	pthread_barrier_destroy(&sh.start);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_lookup_full_assoc),
		cmocka_unit_test(test_lookup_set_assoc),
		cmocka_unit_test(test_insert_checks_and_replace),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_eviction_determinism),
		cmocka_unit_test(test_tlbi_table),
		cmocka_unit_test(test_match_edges),
		cmocka_unit_test(test_match_by_ipa),
		cmocka_unit_test(test_lookup_cb),
		cmocka_unit_test(test_concurrency_smoke),
		cmocka_unit_test(test_ylock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
