// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_pt.c - the radix walker and the ARM VMSAv8-64 formats.
 *
 * Table memory is an array of 4 KiB frames at a non-zero physical base with
 * a free list; every check of the tree's contents decodes the ARM bits here,
 * independently of src/pt.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/pt.h>

#define NFRAMES 256
#define FRAME_BASE UINT64_C(0x80000000)
#define SZ_4K UINT64_C(0x1000)
#define SZ_2M UINT64_C(0x200000)
#define SZ_1G UINT64_C(0x40000000)
#define VA_TOP (UINT64_C(1) << 48)
#define ADDR_MASK UINT64_C(0x0000fffffffff000)
#define RW (INVT_PT_READ | INVT_PT_WRITE)

static const struct invt_pt_fmt *const S1 = &invt_pt_fmt_arm_s1_4k;
static const struct invt_pt_fmt *const S2 = &invt_pt_fmt_arm_s2_4k;

/* ---- test memory ---- */

struct tmem {
	struct invt_pt_ops ops;
	uint64_t (*frames)[512];
	uint8_t used[NFRAMES];		/* atomic: read by the walker thread */
	unsigned int free_list[NFRAMES];
	unsigned int nr_free;
	unsigned int bump;
	int allocs, frees, outstanding, errors;
	int fail_after;			/* allocations left before -ENOMEM; < 0: never */
	struct invt_pt pt;
	/* unlink callback */
	struct invt_pt_gather g;
	uint64_t unlinked[NFRAMES];
	unsigned int nr_unlinked;
};

/*
 * Called through a volatile pointer so that the compiler cannot inline it as
 * "rep stos": ThreadSanitizer must see the plain writes that zero and poison
 * frames, or it could not tell whether table publication orders them.
 */
static void *(*volatile fill)(void *, int, size_t) = memset;

static struct tmem *to_tm(struct invt_pt_ops *ops)
{
	return (struct tmem *)((char *)ops - offsetof(struct tmem, ops));
}

static uint64_t frame_pa(unsigned int i)
{
	return FRAME_BASE + i * SZ_4K;
}

static int frame_of(struct tmem *tm, uint64_t pa)
{
	if (pa < FRAME_BASE || (pa & (SZ_4K - 1)) || pa >= frame_pa(NFRAMES))
		return -1;
	return (int)((pa - FRAME_BASE) / SZ_4K);
}

static int tm_alloc(struct invt_pt_ops *ops, uint64_t *pa)
{
	struct tmem *tm = to_tm(ops);
	unsigned int i;

	if (tm->fail_after == 0)
		return -ENOMEM;
	if (tm->fail_after > 0)
		tm->fail_after--;
	if (tm->nr_free)
		i = tm->free_list[--tm->nr_free];
	else if (tm->bump < NFRAMES)
		i = tm->bump++;
	else
		return -ENOMEM;
	fill(tm->frames[i], 0, SZ_4K);
	__atomic_store_n(&tm->used[i], 1, __ATOMIC_RELAXED);
	tm->allocs++;
	tm->outstanding++;
	*pa = frame_pa(i);
	return 0;
}

static void tm_free(struct invt_pt_ops *ops, uint64_t pa)
{
	struct tmem *tm = to_tm(ops);
	int i = frame_of(tm, pa);

	if (i < 0 || !tm->used[i]) {
		__atomic_fetch_add(&tm->errors, 1, __ATOMIC_RELAXED);
		return;
	}
	/* poison: a use after free shows up as garbage entries */
	fill(tm->frames[i], 0xa5, SZ_4K);
	__atomic_store_n(&tm->used[i], 0, __ATOMIC_RELAXED);
	tm->free_list[tm->nr_free++] = (unsigned int)i;
	tm->frees++;
	tm->outstanding--;
}

static uint64_t *tm_va(struct invt_pt_ops *ops, uint64_t pa)
{
	static uint64_t zero[512];
	struct tmem *tm = to_tm(ops);
	int i = frame_of(tm, pa);

	if (i < 0 || !__atomic_load_n(&tm->used[i], __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&tm->errors, 1, __ATOMIC_RELAXED);
		return zero;
	}
	return tm->frames[i];
}

static void tm_unlinked(struct invt_pt_gather *g, uint64_t pa)
{
	struct tmem *tm = (struct tmem *)((char *)g - offsetof(struct tmem, g));

	tm->unlinked[tm->nr_unlinked++] = pa;
}

/* Free the pages the last unmaps unlinked ("after the invalidation"). */
static void tm_free_unlinked(struct tmem *tm)
{
	while (tm->nr_unlinked)
		tm_free(&tm->ops, tm->unlinked[--tm->nr_unlinked]);
}

static struct tmem *tm_new(const struct invt_pt_fmt *fmt)
{
	struct tmem *tm = calloc(1, sizeof(*tm));

	assert_non_null(tm);
	tm->frames = aligned_alloc(SZ_4K, NFRAMES * SZ_4K);
	assert_non_null(tm->frames);
	memset(tm->frames, 0xa5, NFRAMES * SZ_4K);
	tm->ops.alloc_table = tm_alloc;
	tm->ops.free_table = tm_free;
	tm->ops.table_va = tm_va;
	tm->g.table_unlinked = tm_unlinked;
	tm->fail_after = -1;
	assert_int_equal(invt_pt_init(&tm->pt, fmt, &tm->ops), 0);
	assert_int_equal(tm->outstanding, 1);
	assert_int_equal(frame_of(tm, tm->pt.root_pa), 0);
	return tm;
}

/* Free the table and check that every frame came back. */
static void tm_done(struct tmem *tm)
{
	tm_free_unlinked(tm);
	invt_pt_free(&tm->pt);
	assert_int_equal(tm->outstanding, 0);
	assert_int_equal(tm->allocs, tm->frees);
	assert_int_equal(tm->errors, 0);
	free(tm->frames);
	free(tm);
}

static uint64_t *entries(struct tmem *tm, uint64_t pa)
{
	int i = frame_of(tm, pa);

	assert_true(i >= 0 && tm->used[i]);
	return tm->frames[i];
}

/* ---- independent ARM decoder ---- */

struct leaf {
	uint64_t iova, pa, size, pte;
};

struct scan {
	struct leaf *leaves;
	size_t nr, max, tables, bad;
};

/* ARM lookup level @al (0..3) table at @pa covering input addresses from @base. */
static void scan_table(struct tmem *tm, struct scan *s, uint64_t pa, unsigned int al,
		       uint64_t base)
{
	const uint64_t *t = entries(tm, pa);
	unsigned int shift = 39 - 9 * al, i;

	s->tables++;
	for (i = 0; i < 512; i++) {
		uint64_t e = t[i], iova = base | ((uint64_t)i << shift);

		if (!(e & 1)) {
			s->bad += e != 0;	/* src/pt only ever writes 0 as invalid */
		} else if (al < 3 && (e & 3) == 3) {
			s->bad += (e & ~ADDR_MASK) != 3;	/* no attribute bits in tables */
			scan_table(tm, s, e & ADDR_MASK, al + 1, iova);
		} else if ((al == 3 && (e & 3) == 3) || ((al == 1 || al == 2) && (e & 3) == 1)) {
			assert_true(s->nr < s->max);
			s->leaves[s->nr++] = (struct leaf){ iova, e & ADDR_MASK,
							    UINT64_C(1) << shift, e };
		} else {
			s->bad++;
		}
	}
}

static struct scan scan_all(struct tmem *tm, struct leaf *buf, size_t max)
{
	struct scan s = { .leaves = buf, .max = max };

	scan_table(tm, &s, tm->pt.root_pa, 0, 0);
	assert_int_equal(s.bad, 0);
	/* every frame in use is a linked table (or an unlinked one awaiting free) */
	assert_int_equal(s.tables + tm->nr_unlinked, tm->outstanding);
	return s;
}

/* ---- snapshots: "nothing changed" ---- */

struct snap {
	uint8_t used[NFRAMES];
	uint64_t (*frames)[512];
	int outstanding, allocs;
};

static void snap_take(struct tmem *tm, struct snap *s)
{
	s->frames = malloc(NFRAMES * SZ_4K);
	assert_non_null(s->frames);
	memcpy(s->frames, tm->frames, NFRAMES * SZ_4K);
	memcpy(s->used, tm->used, sizeof(s->used));
	s->outstanding = tm->outstanding;
	s->allocs = tm->allocs;
}

/* Same frames in use with the same contents; @allocs_too: nothing allocated. */
static void snap_check(struct tmem *tm, struct snap *s, bool allocs_too)
{
	unsigned int i;

	assert_memory_equal(s->used, tm->used, sizeof(s->used));
	for (i = 0; i < NFRAMES; i++)
		if (tm->used[i])
			assert_memory_equal(s->frames[i], tm->frames[i], SZ_4K);
	assert_int_equal(s->outstanding, tm->outstanding);
	if (allocs_too)
		assert_int_equal(s->allocs, tm->allocs);
	free(s->frames);
}

static unsigned int arm_idx(uint64_t iova, unsigned int al)
{
	return (iova >> (39 - 9 * al)) & 511;
}

/* ---- exact descriptor bits ---- */

struct bits_case {
	const struct invt_pt_fmt *fmt;
	uint64_t iova, pa, size;
	unsigned int prot;
	unsigned int al;	/* ARM level of the leaf */
	uint64_t leaf;		/* hand-computed descriptor */
	unsigned int walk_prot;
};

/*
 * Hand-computed from DDI0487 / docs/hardware.md §4:
 * S1 page RW: 11 type | AP[1] 0x40 | SH=11 0x300 | AF 0x400 | nG 0x800 = 0xf43;
 *    read-only adds AP[2] 0x80 = 0xfc3; blocks have type 01: 0xf41 / 0xfc1.
 * S2 page RW: 11 | MemAttr 1111 0x3c | S2AP R 0x40 W 0x80 | SH 0x300 | AF 0x400
 *    = 0x7ff; RO 0x77f; WO 0x7bf; block RW 0x7fd, block WO 0x7bd.
 * iova 0xd2b0e227f000 has ARM indices L0 0x1a5, L1 0x0c3, L2 0x111, L3 0x07f.
 */
static const struct bits_case bits_cases[] = {
	{ &invt_pt_fmt_arm_s1_4k, 0xd2b0e227f000, 0x123456789000, SZ_4K, RW, 3,
	  0x0000123456789f43, RW },
	{ &invt_pt_fmt_arm_s1_4k, 0xd2b0e227f000, 0x123456789000, SZ_4K, INVT_PT_READ, 3,
	  0x0000123456789fc3, INVT_PT_READ },
	{ &invt_pt_fmt_arm_s1_4k, 0xd2b0e2200000, 0x80200000, SZ_2M, RW, 2,
	  0x0000000080200f41, RW },
	{ &invt_pt_fmt_arm_s1_4k, 0xd2b0c0000000, 0xc000000000, SZ_1G, INVT_PT_READ, 1,
	  0x000000c000000fc1, INVT_PT_READ },
	{ &invt_pt_fmt_arm_s2_4k, 0xd2b0e227f000, 0xfffffffff000, SZ_4K, RW, 3,
	  0x0000fffffffff7ff, RW },
	{ &invt_pt_fmt_arm_s2_4k, 0xd2b0e227f000, 0x1000, SZ_4K, INVT_PT_READ, 3,
	  0x000000000000177f, INVT_PT_READ },
	{ &invt_pt_fmt_arm_s2_4k, 0xd2b0e227f000, 0x1000, SZ_4K, INVT_PT_WRITE, 3,
	  0x00000000000017bf, INVT_PT_WRITE },
	{ &invt_pt_fmt_arm_s2_4k, 0xd2b0e2200000, 0x40000000, SZ_2M, INVT_PT_WRITE, 2,
	  0x00000000400007bd, INVT_PT_WRITE },
	{ &invt_pt_fmt_arm_s2_4k, 0xd2b0c0000000, 0x800000000000, SZ_1G, RW, 1,
	  0x00008000000007fd, RW },
};

static void test_entry_bits(void **state)
{
	size_t n;

	assert_int_equal(arm_idx(0xd2b0e227f000, 0), 0x1a5);
	assert_int_equal(arm_idx(0xd2b0e227f000, 1), 0x0c3);
	assert_int_equal(arm_idx(0xd2b0e227f000, 2), 0x111);
	assert_int_equal(arm_idx(0xd2b0e227f000, 3), 0x07f);
	for (n = 0; n < sizeof(bits_cases) / sizeof(bits_cases[0]); n++) {
		const struct bits_case *c = &bits_cases[n];
		struct tmem *tm = tm_new(c->fmt);
		uint64_t table = tm->pt.root_pa, off = c->size / 2 + 0x123, pa, sz;
		struct invt_pt_walk w;
		struct leaf buf[4];
		struct scan s;
		unsigned int al;

		assert_int_equal(invt_pt_map(&tm->pt, c->iova, c->pa, c->size, c->prot), 0);
		/* the path: table descriptors (11, address only) down to the leaf */
		for (al = 0; al < c->al; al++) {
			uint64_t e = entries(tm, table)[arm_idx(c->iova, al)];

			assert_int_equal(e & ~ADDR_MASK, 3);
			assert_int_not_equal(e & ADDR_MASK, table);
			table = e & ADDR_MASK;
		}
		assert_int_equal(entries(tm, table)[arm_idx(c->iova, c->al)], c->leaf);
		/* nothing else anywhere: one table per level above the leaf */
		s = scan_all(tm, buf, 4);
		assert_int_equal(s.nr, 1);
		assert_int_equal(s.tables, c->al + 1);
		/* hardware walk and CPU lookup agree with the map */
		assert_int_equal(invt_pt_hw_walk(c->fmt, &tm->ops, tm->pt.root_pa,
						 c->iova + off, &w), 0);
		assert_int_equal(w.fault, INVT_PT_FAULT_NONE);
		assert_int_equal(w.oa, c->pa + off);
		assert_int_equal(w.size, c->size);
		assert_int_equal(w.level, 3 - c->al);
		assert_int_equal(w.prot, c->walk_prot);
		assert_int_equal(w.pte, c->leaf);
		assert_int_equal(w.nr_tables, c->al + 1);
		assert_int_equal(w.tables[0], tm->pt.root_pa);
		assert_int_equal(w.tables[c->al], table);
		assert_int_equal(invt_pt_lookup(&tm->pt, c->iova + off, &pa, &sz), 0);
		assert_int_equal(pa, c->pa + off);
		assert_int_equal(sz, c->size);
		tm_done(tm);
	}
}

/* ---- leaf size choice ---- */

struct split_case {
	uint64_t iova, pa, size;
	unsigned int n4k, n2m, n1g, tables;
};

static const struct split_case split_cases[] = {
	{ 0x200000, 0x40200000, 0x400000, 0, 2, 0, 3 },		/* two 2M */
	{ 0x1ff000, 0x1ff000, 0x202000, 2, 1, 0, 5 },		/* 4K, 2M, 4K */
	{ 0x200000, 0x201000, 0x400000, 1024, 0, 0, 5 },	/* pa not 2M-aligned */
	{ 0x40000000, 0x80000000, 0x40200000, 0, 1, 1, 3 },	/* 1G + 2M */
	{ 0x40000000, 0x80200000, 0x40000000, 0, 512, 0, 3 },	/* pa not 1G-aligned */
	{ 0x3fe00000, 0x3fe00000, 0x40400000, 0, 2, 1, 4 },	/* 2M, 1G, 2M */
	{ 0x7ffffff000, 0x1000, 0x2000, 2, 0, 0, 7 },		/* crosses an L0 entry */
	{ VA_TOP - SZ_2M, 0x200000, SZ_2M, 0, 1, 0, 3 },	/* ends at 2^48 */
	{ 0x5000, 0x9000, SZ_4K, 1, 0, 0, 4 },
};

static void test_leaf_choice(void **state)
{
	static struct leaf buf[1100];
	size_t n, i;

	for (n = 0; n < sizeof(split_cases) / sizeof(split_cases[0]); n++) {
		const struct split_case *c = &split_cases[n];
		struct tmem *tm = tm_new(S2);
		unsigned int cnt[3] = { 0 };
		uint64_t next = c->iova, pa;
		struct scan s;

		assert_int_equal(invt_pt_map(&tm->pt, c->iova, c->pa, c->size, RW), 0);
		s = scan_all(tm, buf, 1100);
		assert_int_equal(s.tables, c->tables);
		/* leaves tile the range exactly, in order, pa following iova */
		for (i = 0; i < s.nr; i++) {
			assert_int_equal(s.leaves[i].iova, next);
			assert_int_equal(s.leaves[i].pa, c->pa + (next - c->iova));
			cnt[s.leaves[i].size == SZ_4K ? 0 : s.leaves[i].size == SZ_2M ? 1 : 2]++;
			assert_int_equal(invt_pt_lookup(&tm->pt, next, &pa, NULL), 0);
			assert_int_equal(pa, s.leaves[i].pa);
			next += s.leaves[i].size;
		}
		assert_int_equal(next, c->iova + c->size);
		assert_int_equal(cnt[0], c->n4k);
		assert_int_equal(cnt[1], c->n2m);
		assert_int_equal(cnt[2], c->n1g);
		/* just outside the range */
		assert_int_equal(invt_pt_lookup(&tm->pt, c->iova - 1, &pa, NULL), -ENOENT);
		assert_int_equal(invt_pt_lookup(&tm->pt, c->iova + c->size, &pa, NULL), -ENOENT);
		tm_done(tm);
	}
}

/* ---- hardware walk faults ---- */

static void expect_fault(struct tmem *tm, uint64_t iova, enum invt_pt_fault f,
			 unsigned int level, unsigned int nr_tables)
{
	struct invt_pt_walk w;

	assert_int_equal(invt_pt_hw_walk(tm->pt.fmt, &tm->ops, tm->pt.root_pa, iova, &w), -EFAULT);
	assert_int_equal(w.fault, f);
	assert_int_equal(w.level, level);
	assert_int_equal(w.nr_tables, nr_tables);
	assert_int_equal(w.oa, 0);
	assert_int_equal(w.size, 0);
	assert_int_equal(w.prot, 0);
}

static void test_hw_walk_faults(void **state)
{
	struct tmem *tm = tm_new(S1);
	struct invt_pt_walk w;
	uint64_t pa, *leaf, *l0;

	expect_fault(tm, 0, INVT_PT_FAULT_TRANSLATION, 3, 1);
	expect_fault(tm, VA_TOP, INVT_PT_FAULT_RANGE, 3, 0);
	expect_fault(tm, ~UINT64_C(0), INVT_PT_FAULT_RANGE, 3, 0);
	assert_int_equal(invt_pt_lookup(&tm->pt, VA_TOP, &pa, NULL), -ENOENT);

	assert_int_equal(invt_pt_map(&tm->pt, 0x200000, 0x600000, SZ_2M, RW), 0);
	assert_int_equal(invt_pt_map(&tm->pt, 0x1000, 0x7000, SZ_4K, RW), 0);
	expect_fault(tm, 0x400000, INVT_PT_FAULT_TRANSLATION, 1, 3);	/* empty L2 slot */
	expect_fault(tm, 0x2000, INVT_PT_FAULT_TRANSLATION, 0, 4);	/* empty L3 slot */
	expect_fault(tm, SZ_1G, INVT_PT_FAULT_TRANSLATION, 2, 2);	/* empty L1 slot */

	/* AF clear: access flag fault; the CPU view still sees the mapping */
	assert_int_equal(invt_pt_hw_walk(S1, &tm->ops, tm->pt.root_pa, 0x1000, &w), 0);
	leaf = &entries(tm, w.tables[3])[1];
	assert_int_equal(*leaf, 0x7f43);
	*leaf = 0x7b43;
	expect_fault(tm, 0x1000, INVT_PT_FAULT_ACCESS, 0, 4);
	assert_int_equal(invt_pt_lookup(&tm->pt, 0x1fff, &pa, NULL), 0);
	assert_int_equal(pa, 0x7fff);
	/* AP[1] clear: privileged only, no device access */
	*leaf = 0x7f03;
	assert_int_equal(invt_pt_hw_walk(S1, &tm->ops, tm->pt.root_pa, 0x1000, &w), 0);
	assert_int_equal(w.prot, 0);
	/* 01 at ARM level 3 is reserved */
	*leaf = 0x7f41;
	expect_fault(tm, 0x1000, INVT_PT_FAULT_TRANSLATION, 0, 4);
	*leaf = 0x7f43;
	/* RES0 output-address bits [20:12] of a 2M block are ignored */
	assert_int_equal(invt_pt_hw_walk(S1, &tm->ops, tm->pt.root_pa, 0x200000, &w), 0);
	entries(tm, w.tables[2])[1] |= 0x1ff000;
	assert_int_equal(invt_pt_hw_walk(S1, &tm->ops, tm->pt.root_pa, 0x234567, &w), 0);
	assert_int_equal(w.oa, 0x634567);
	assert_int_equal(invt_pt_lookup(&tm->pt, 0x234567, &pa, NULL), 0);
	assert_int_equal(pa, 0x634567);
	entries(tm, w.tables[2])[1] &= ~UINT64_C(0x1ff000);
	/* 01 at ARM level 0: no block there with a 4K granule */
	l0 = &entries(tm, tm->pt.root_pa)[0];
	pa = *l0;
	*l0 = 0xf41;
	expect_fault(tm, 0x1000, INVT_PT_FAULT_TRANSLATION, 3, 1);
	*l0 = pa;
	assert_int_equal(invt_pt_hw_walk(S1, &tm->ops, tm->pt.root_pa, 0x1000, &w), 0);
	assert_int_equal(w.oa, 0x7000);
	tm_done(tm);
}

/* ---- -EEXIST and -EINVAL change nothing ---- */

struct bad_map {
	uint64_t iova, pa, size;
	unsigned int prot;
	int ret;
};

static void try_bad_maps(struct tmem *tm, const struct bad_map *b, size_t n)
{
	struct snap s;
	size_t i;

	for (i = 0; i < n; i++) {
		snap_take(tm, &s);
		assert_int_equal(invt_pt_map(&tm->pt, b[i].iova, b[i].pa, b[i].size, b[i].prot),
				 b[i].ret);
		snap_check(tm, &s, true);
	}
}

static void test_map_eexist(void **state)
{
	struct tmem *tm = tm_new(S1);
	static const struct bad_map bad[] = {
		{ 0x1000, 0x1000, SZ_4K, RW, -EEXIST },		/* same page */
		{ 0x0, 0x0, 0x2000, RW, -EEXIST },		/* ends on it */
		{ 0x0, 0x0, SZ_2M, RW, -EEXIST },		/* 2M over its table */
		{ 0x0, 0x0, SZ_1G, RW, -EEXIST },		/* 1G over tables */
		{ 0x300000, 0x0, SZ_4K, RW, -EEXIST },		/* inside a 2M block */
		{ 0x100000, 0x100000, SZ_2M, RW, -EEXIST },	/* runs into the block */
		{ 0x40200000, 0x0, SZ_2M, RW, -EEXIST },	/* inside a 1G block */
		/* free start needing new tables, overlap at the very end */
		{ 0x400000, 0x401000, SZ_1G - 0x400000 + SZ_4K, RW, -EEXIST },
	};
	static const struct bad_map bad_empty = { 0x0, 0x0, SZ_2M, RW, -EEXIST };
	struct invt_pt_walk w;
	uint64_t pa;

	assert_int_equal(invt_pt_map(&tm->pt, 0x1000, 0x1000, SZ_4K, RW), 0);
	assert_int_equal(invt_pt_map(&tm->pt, 0x200000, 0x200000, SZ_2M, RW), 0);
	assert_int_equal(invt_pt_map(&tm->pt, SZ_1G, SZ_1G, SZ_1G, RW), 0);
	try_bad_maps(tm, bad, sizeof(bad) / sizeof(bad[0]));
	assert_int_equal(invt_pt_lookup(&tm->pt, 0x0, &pa, NULL), -ENOENT);
	assert_int_equal(invt_pt_lookup(&tm->pt, 0x400000, &pa, NULL), -ENOENT);
	/*
	 * Unmap never leaves an empty table linked; one made by hand where a
	 * block would go still counts as occupied (documented choice).
	 */
	assert_int_equal(invt_pt_hw_walk(S1, &tm->ops, tm->pt.root_pa, 0x1000, &w), 0);
	entries(tm, w.tables[3])[1] = 0;
	try_bad_maps(tm, &bad_empty, 1);
	tm_done(tm);
}

static void test_map_einval(void **state)
{
	struct tmem *tm = tm_new(S1);
	static const struct bad_map bad[] = {
		{ 0x800, 0x0, SZ_4K, RW, -EINVAL },		/* iova misaligned */
		{ 0x0, 0x1001, SZ_4K, RW, -EINVAL },		/* pa misaligned */
		{ 0x0, 0x0, 0x1800, RW, -EINVAL },		/* size misaligned */
		{ 0x0, 0x0, 0x0, RW, -EINVAL },			/* zero size */
		{ VA_TOP, 0x0, SZ_4K, RW, -EINVAL },		/* starts at 2^48 */
		{ VA_TOP - SZ_4K, 0x0, 0x2000, RW, -EINVAL },	/* crosses 2^48 */
		{ 0x1000, 0x0, 0xfffffffffffff000, RW, -EINVAL },	/* ends at 2^64 */
		{ 0xfffffffffffff000, 0x0, 0x2000, RW, -EINVAL },	/* wraps past 2^64 */
		{ 0x0, VA_TOP, SZ_4K, RW, -EINVAL },		/* pa beyond 48 bits */
		{ 0x0, VA_TOP - SZ_4K, 0x2000, RW, -EINVAL },	/* pa crosses 2^48 */
		{ 0x0, 0xfffffffffffff000, 0x2000, RW, -EINVAL },	/* pa wraps */
		{ 0x0, 0x0, SZ_4K, 0, -EINVAL },		/* no permission */
		{ 0x0, 0x0, SZ_4K, INVT_PT_WRITE, -EINVAL },	/* S1 cannot write-only */
		{ 0x0, 0x0, SZ_4K, RW | 4, -EINVAL },		/* unknown bit */
	};
	struct invt_pt_walk w;

	try_bad_maps(tm, bad, sizeof(bad) / sizeof(bad[0]));
	/* the boundaries themselves are fine */
	assert_int_equal(invt_pt_map(&tm->pt, VA_TOP - SZ_4K, VA_TOP - SZ_4K, SZ_4K, RW), 0);
	assert_int_equal(invt_pt_hw_walk(S1, &tm->ops, tm->pt.root_pa, VA_TOP - 1, &w), 0);
	assert_int_equal(w.oa, VA_TOP - 1);
	tm_done(tm);

	tm = tm_new(S2);
	assert_int_equal(invt_pt_map(&tm->pt, 0x0, 0x0, SZ_4K, INVT_PT_WRITE), 0);
	assert_int_equal(invt_pt_map(&tm->pt, 0x1000, 0x0, SZ_4K, 4), -EINVAL);
	tm_done(tm);
}

/* ---- unmap ---- */

static void unmap_ok(struct tmem *tm, uint64_t iova, uint64_t size, uint64_t g_iova,
		     uint64_t g_size, uint64_t unmapped, bool leaf_only, size_t nr_tables)
{
	unsigned int before = tm->nr_unlinked;
	int outstanding = tm->outstanding;

	memset(&tm->g.iova, 0x5a, sizeof(tm->g) - offsetof(struct invt_pt_gather, iova));
	assert_int_equal(invt_pt_unmap(&tm->pt, iova, size, &tm->g), 0);
	if (g_size)
		assert_int_equal(tm->g.iova, g_iova);
	assert_int_equal(tm->g.size, g_size);
	assert_int_equal(tm->g.unmapped, unmapped);
	assert_int_equal(tm->g.leaf_only, leaf_only);
	assert_int_equal(tm->g.nr_tables, nr_tables);
	assert_int_equal(tm->nr_unlinked - before, nr_tables);
	assert_int_equal(tm->outstanding, outstanding);	/* src/pt freed nothing */
}

static void test_unmap_leaf_only(void **state)
{
	struct tmem *tm = tm_new(S1);
	uint64_t pa;

	assert_int_equal(invt_pt_map(&tm->pt, 0x1000, 0x9000, 0x3000, RW), 0);
	unmap_ok(tm, 0x2000, SZ_4K, 0x2000, SZ_4K, SZ_4K, true, 0);
	assert_int_equal(invt_pt_lookup(&tm->pt, 0x2000, &pa, NULL), -ENOENT);
	assert_int_equal(invt_pt_lookup(&tm->pt, 0x1000, &pa, NULL), 0);
	assert_int_equal(pa, 0x9000);
	assert_int_equal(invt_pt_lookup(&tm->pt, 0x3000, &pa, NULL), 0);
	assert_int_equal(pa, 0xb000);
	expect_fault(tm, 0x2000, INVT_PT_FAULT_TRANSLATION, 0, 4);
	/* only the entry right after the range left in the table: it stays */
	assert_int_equal(invt_pt_map(&tm->pt, 0x2000, 0xa000, SZ_4K, RW), 0);
	unmap_ok(tm, 0x1000, 0x2000, 0x1000, 0x2000, 0x2000, true, 0);
	assert_int_equal(invt_pt_lookup(&tm->pt, 0x3000, &pa, NULL), 0);
	assert_int_equal(invt_pt_map(&tm->pt, 0x1000, 0x9000, SZ_4K, RW), 0);
	/* unmapped space is no error */
	unmap_ok(tm, 0x2000, SZ_4K, 0, 0, 0, true, 0);
	unmap_ok(tm, 0x123400000000, SZ_1G, 0, 0, 0, true, 0);
	unmap_ok(tm, 0x0, 0x1000, 0, 0, 0, true, 0);
	/* a span with a hole: reported from the first to the end of the last leaf */
	unmap_ok(tm, 0x0, 0x1ff000, 0x1000, 0x3000, 0x2000, false, 3);
	tm_done(tm);
}

static void test_unmap_tables(void **state)
{
	struct tmem *tm = tm_new(S2);
	static const uint64_t zero[512];
	const uint64_t x = 0xd2b0e227f000;
	struct invt_pt_walk w;
	unsigned int i;
	struct leaf buf[8];
	struct scan s;

	/* one page: its three tables come back, children first; the root stays */
	assert_int_equal(invt_pt_map(&tm->pt, x, 0x5000, SZ_4K, RW), 0);
	assert_int_equal(invt_pt_hw_walk(S2, &tm->ops, tm->pt.root_pa, x, &w), 0);
	unmap_ok(tm, x, SZ_4K, x, SZ_4K, SZ_4K, false, 3);
	assert_int_equal(tm->unlinked[0], w.tables[3]);
	assert_int_equal(tm->unlinked[1], w.tables[2]);
	assert_int_equal(tm->unlinked[2], w.tables[1]);
	assert_int_equal(entries(tm, tm->pt.root_pa)[arm_idx(x, 0)], 0);
	expect_fault(tm, x, INVT_PT_FAULT_TRANSLATION, 3, 1);
	/* the unlinked pages are left all invalid, and still allocated */
	for (i = 1; i < 4; i++)
		assert_memory_equal(entries(tm, w.tables[i]), zero, SZ_4K);
	tm_free_unlinked(tm);
	assert_int_equal(tm->outstanding, 1);

	/* a sibling keeps the shared tables: only the L3 table goes */
	assert_int_equal(invt_pt_map(&tm->pt, 0x1000, 0x1000, SZ_4K, RW), 0);
	assert_int_equal(invt_pt_map(&tm->pt, 0x200000, 0x200000, SZ_4K, RW), 0);
	assert_int_equal(invt_pt_hw_walk(S2, &tm->ops, tm->pt.root_pa, 0x1000, &w), 0);
	unmap_ok(tm, 0x1000, SZ_4K, 0x1000, SZ_4K, SZ_4K, false, 1);
	assert_int_equal(tm->unlinked[0], w.tables[3]);
	tm_free_unlinked(tm);
	s = scan_all(tm, buf, 8);
	assert_int_equal(s.nr, 1);
	assert_int_equal(s.tables, 4);

	/* a mixed span over two L1 entries: leaves, blocks, five tables */
	assert_int_equal(invt_pt_map(&tm->pt, 0x5000, 0x5000, SZ_4K, RW), 0);
	assert_int_equal(invt_pt_map(&tm->pt, 0x400000, 0x400000, SZ_2M, RW), 0);
	assert_int_equal(invt_pt_map(&tm->pt, SZ_1G + 0x1000, 0x1000, SZ_4K, RW), 0);
	unmap_ok(tm, 0x0, 2 * SZ_1G, 0x5000, SZ_1G + 0x2000 - 0x5000, 3 * SZ_4K + SZ_2M, false,
		 6);
	s = scan_all(tm, buf, 8);
	assert_int_equal(s.nr, 0);
	assert_int_equal(s.tables, 1);
	tm_done(tm);
}

/* An entry left at either end of a table, or of the range's neighbours, keeps it. */
static void test_unmap_keeps_table(void **state)
{
	struct tmem *tm = tm_new(S1);
	static const uint64_t left[] = { 0x0, 0x1ff000, 0x100000, 0x0ff000, 0x101000 };
	unsigned int k;

	for (k = 0; k < sizeof(left) / sizeof(left[0]); k++) {
		uint64_t gone = left[k] == 0x100000 ? 0x0 : 0x100000;

		assert_int_equal(invt_pt_map(&tm->pt, left[k], 0x9000, SZ_4K, RW), 0);
		assert_int_equal(invt_pt_map(&tm->pt, gone, 0xa000, SZ_4K, RW), 0);
		unmap_ok(tm, gone, SZ_4K, gone, SZ_4K, SZ_4K, true, 0);
		/* the last one goes with its tables */
		unmap_ok(tm, left[k], SZ_4K, left[k], SZ_4K, SZ_4K, false, 3);
		tm_free_unlinked(tm);
	}
	tm_done(tm);
}

static void test_unmap_partial_block(void **state)
{
	struct tmem *tm = tm_new(S1);
	static const uint64_t bad[][2] = {
		{ 0x201000, SZ_4K },			/* inside the 2M block */
		{ 0x100000, SZ_2M },			/* ends inside it */
		{ 0x300000, SZ_2M },			/* starts inside it */
		{ SZ_1G + SZ_2M, SZ_2M },		/* inside the 1G block */
		{ 0x0, SZ_1G + SZ_4K },			/* ends inside the 1G block */
	};
	struct snap s;
	size_t i;

	assert_int_equal(invt_pt_map(&tm->pt, 0x1000, 0x1000, SZ_4K, RW), 0);
	assert_int_equal(invt_pt_map(&tm->pt, 0x200000, 0x200000, SZ_2M, RW), 0);
	assert_int_equal(invt_pt_map(&tm->pt, SZ_1G, 0x0, SZ_1G, RW), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snap_take(tm, &s);
		assert_int_equal(invt_pt_unmap(&tm->pt, bad[i][0], bad[i][1], &tm->g), -EINVAL);
		snap_check(tm, &s, true);
		assert_int_equal(tm->nr_unlinked, 0);
	}
	/* whole blocks go; the L2 table stays for the page at 0x1000 */
	unmap_ok(tm, 0x200000, SZ_2M, 0x200000, SZ_2M, SZ_2M, true, 0);
	unmap_ok(tm, SZ_1G, SZ_1G, SZ_1G, SZ_1G, SZ_1G, true, 0);
	tm_done(tm);
}

static void test_unmap_einval(void **state)
{
	struct tmem *tm = tm_new(S1);
	static const uint64_t bad[][2] = {
		{ 0x0, 0x0 }, { 0x800, SZ_4K }, { 0x0, 0x1800 }, { VA_TOP, SZ_4K },
		{ VA_TOP - SZ_4K, 0x2000 }, { 0xfffffffffffff000, 0x2000 },
	};
	struct snap s;
	size_t i;

	assert_int_equal(invt_pt_map(&tm->pt, 0x0, 0x0, SZ_4K, RW), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snap_take(tm, &s);
		assert_int_equal(invt_pt_unmap(&tm->pt, bad[i][0], bad[i][1], &tm->g), -EINVAL);
		snap_check(tm, &s, true);
	}
	tm->g.table_unlinked = NULL;
	assert_int_equal(invt_pt_unmap(&tm->pt, 0x0, SZ_4K, &tm->g), -EINVAL);
	assert_int_equal(invt_pt_unmap(&tm->pt, 0x0, SZ_4K, NULL), -EINVAL);
	tm->g.table_unlinked = tm_unlinked;
	unmap_ok(tm, 0x0, SZ_4K, 0x0, SZ_4K, SZ_4K, false, 3);
	tm_done(tm);
}

/* ---- allocation failure, free-all, formats ---- */

static void test_map_enomem(void **state)
{
	/*
	 * An existing page, then [512G - 8K, 1T + 12K): L1 idx 511 of L0 idx 0
	 * needs an L2 and an L3, L0 idx 1 an L1 of 1G blocks, L0 idx 2 an L1,
	 * an L2 and an L3: 6 new tables, 2 reused.
	 */
	const uint64_t iova = 0x7fffffe000, size = 0x8000005000;
	struct tmem *tm = tm_new(S1);
	struct leaf buf[1100];
	struct snap s;
	int k, allocs;

	assert_int_equal(invt_pt_map(&tm->pt, 0x1000, 0x1000, SZ_4K, RW), 0);
	for (k = 0; k < 6; k++) {
		snap_take(tm, &s);
		tm->fail_after = k;
		assert_int_equal(invt_pt_map(&tm->pt, iova, iova, size, RW), -ENOMEM);
		snap_check(tm, &s, false);
		assert_int_equal(tm->allocs - s.allocs, k);
		assert_int_equal(tm->frees - (s.allocs - s.outstanding), k);
	}
	tm->fail_after = -1;
	allocs = tm->allocs;
	assert_int_equal(invt_pt_map(&tm->pt, iova, iova, size, RW), 0);
	assert_int_equal(tm->allocs - allocs, 6);
	assert_int_equal(scan_all(tm, buf, 1100).tables, 10);
	tm_done(tm);

	/* init */
	tm = tm_new(S1);
	tm->fail_after = 0;
	assert_int_equal(invt_pt_init(&(struct invt_pt){ 0 }, S1, &tm->ops), -ENOMEM);
	assert_int_equal(tm->outstanding, 1);
	tm->fail_after = -1;
	tm_done(tm);
}

static void test_free_all(void **state)
{
	struct tmem *tm = tm_new(S2);

	assert_int_equal(invt_pt_map(&tm->pt, 0x0, 0x201000, 0x600000, RW), 0);
	assert_int_equal(invt_pt_map(&tm->pt, 0x7ffffff000, 0x1000, 0x2000, INVT_PT_READ), 0);
	assert_int_equal(invt_pt_map(&tm->pt, 2 * SZ_1G, 0x0, SZ_1G, RW), 0);
	assert_int_equal(invt_pt_map(&tm->pt, VA_TOP - SZ_2M, 0x0, SZ_2M, RW), 0);
	/* root; L1 L2 3xL3; L2 L3 + L1 L2 L3 across 512G; none for 1G; L1 L2 */
	assert_int_equal(tm->outstanding, 1 + 5 + 5 + 0 + 2);
	/* some tables already unlinked and pending: tm_done frees those itself */
	unmap_ok(tm, VA_TOP - SZ_2M, SZ_2M, VA_TOP - SZ_2M, SZ_2M, SZ_2M, false, 2);
	tm_done(tm);	/* asserts outstanding == 0, allocs == frees */
}

static void test_fmt_check(void **state)
{
	struct invt_pt_fmt f;
	int i;

	assert_int_equal(invt_pt_fmt_check(S1), 0);
	assert_int_equal(invt_pt_fmt_check(S2), 0);
	assert_int_equal(invt_pt_fmt_check(NULL), -EINVAL);
	/* the scans' mask test says what is_present() says */
	assert_int_not_equal(S1->present_mask, 0);
	assert_int_not_equal(S2->present_mask, 0);
	for (i = 0; i < 11; i++) {
		f = *S1;
		switch (i) {
		case 0: f.levels = 0; break;
		case 1: f.levels = INVT_PT_MAX_LEVELS + 1; break;
		case 2: f.va_bits = 49; break;
		case 3: f.va_bits = 39; break;
		case 4: f.leaf_levels = 0x6; break;
		case 5: f.leaf_levels = 0x17; break;
		case 6: f.prot_ok |= 1; break;
		case 7: f.make_leaf = NULL; break;
		case 8: f.granule_shift = 13; break;
		case 9: f.present_mask |= UINT64_C(1) << 1; break;
		case 10: f.present_mask = UINT64_C(1) << 63; break;
		}
		assert_int_equal(invt_pt_fmt_check(&f), -EINVAL);
	}
	/* a 3-level, 39-bit variant of the same format is consistent */
	f = *S1;
	f.levels = 3;
	f.va_bits = 39;
	assert_int_equal(invt_pt_fmt_check(&f), 0);
}

/* ---- hardware walks concurrent with map/unmap ---- */

#define DELTA (UINT64_C(8) * SZ_1G)

static const uint64_t ranges[][2] = {
	{ 0x1000, SZ_4K }, { 0x200000, SZ_2M }, { 0x5ff000, 0x202000 },
	{ SZ_1G, SZ_1G }, { 3 * SZ_1G - SZ_2M, SZ_2M + 0x3000 }, { 0x8000000000, 0x5000 },
};
#define NR_RANGES (sizeof(ranges) / sizeof(ranges[0]))

struct race {
	struct tmem *tm;
	unsigned long epoch, seen, stop;
	unsigned long walks;	/* relaxed: progress only, no ordering */
	unsigned long ok, faults, bad;
};

static void *walker(void *arg)
{
	struct race *r = arg;
	const uint64_t *rg;
	struct invt_pt_walk w;
	unsigned int n = 0;
	uint64_t iova;
	int ret;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		/*
		 * Quiescent state: the previous walk is over.  The acquire pairs
		 * with the unmapper's release increment (this walk starts after
		 * the unmap), the release with its acquire wait (it may free).
		 */
		__atomic_store_n(&r->seen, __atomic_load_n(&r->epoch, __ATOMIC_ACQUIRE),
				 __ATOMIC_RELEASE);
		rg = ranges[n % NR_RANGES];
		iova = rg[0] + ((n / NR_RANGES) % 3) * (rg[1] / 2 & ~(SZ_4K - 1));
		ret = invt_pt_hw_walk(S1, &r->tm->ops, r->tm->pt.root_pa, iova, &w);

		if (!ret && w.oa == iova + DELTA && w.prot == RW && w.size >= SZ_4K)
			r->ok++;
		else if (ret == -EFAULT && w.fault == INVT_PT_FAULT_TRANSLATION)
			r->faults++;
		else
			r->bad++;
		n++;
		__atomic_store_n(&r->walks, n, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_concurrent_walk(void **state)
{
	struct race r = { .tm = tm_new(S1) };
	bool mapped[NR_RANGES] = { false };
	unsigned int i, k;
	unsigned long e;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, walker, &r), 0);
	for (i = 0; i < 3000; i++) {
		k = (i * 7 + i / 5) % NR_RANGES;
		if (!mapped[k]) {
			assert_int_equal(invt_pt_map(&r.tm->pt, ranges[k][0], ranges[k][0] + DELTA,
						     ranges[k][1], RW), 0);
			/*
			 * Let the walker visit every sample while nothing orders
			 * the map's writes before its loads but the page-table
			 * code itself (relaxed progress counter, no epoch bump).
			 */
			e = __atomic_load_n(&r.walks, __ATOMIC_RELAXED) + 3 * NR_RANGES + 1;
			while (__atomic_load_n(&r.walks, __ATOMIC_RELAXED) < e)
				sched_yield();
		} else {
			assert_int_equal(invt_pt_unmap(&r.tm->pt, ranges[k][0], ranges[k][1],
						       &r.tm->g), 0);
			assert_int_equal(r.tm->g.unmapped, ranges[k][1]);
			/* "invalidation": wait until no walk that began before is running */
			e = __atomic_add_fetch(&r.epoch, 1, __ATOMIC_RELEASE);

			while (__atomic_load_n(&r.seen, __ATOMIC_ACQUIRE) < e)
				sched_yield();
			tm_free_unlinked(r.tm);
		}
		mapped[k] = !mapped[k];
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.bad, 0);
	assert_true(r.ok > 0);
	assert_true(r.faults > 0);
	tm_done(r.tm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_bits),
		cmocka_unit_test(test_leaf_choice),
		cmocka_unit_test(test_hw_walk_faults),
		cmocka_unit_test(test_map_eexist),
		cmocka_unit_test(test_map_einval),
		cmocka_unit_test(test_unmap_leaf_only),
		cmocka_unit_test(test_unmap_tables),
		cmocka_unit_test(test_unmap_partial_block),
		cmocka_unit_test(test_unmap_einval),
		cmocka_unit_test(test_map_enomem),
		cmocka_unit_test(test_free_all),
		cmocka_unit_test(test_unmap_keeps_table),
		cmocka_unit_test(test_fmt_check),
		cmocka_unit_test(test_concurrent_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
