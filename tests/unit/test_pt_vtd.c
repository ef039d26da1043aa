// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_pt_vtd.c - the VT-d page-table formats (src/pt/fmt-vtd.c) through
 * the generic walker: exact entry bits at every level of both stages,
 * superpage choice, hardware walks and their faults, the 5-level geometry
 * and the first stage's lower-half limit.  Entry bits are checked against
 * the constants of the specification tables written out here, not against
 * the format's own macros.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/pt-vtd.h>

#define SZ_4K	UINT64_C(0x1000)
#define SZ_2M	UINT64_C(0x200000)
#define SZ_1G	UINT64_C(0x40000000)
#define RW	(INVT_PT_READ | INVT_PT_WRITE)
#define ADDR	UINT64_C(0x000ffffffffff000)	/* [51:12] */
#define MAXT	64

static const struct invt_pt_fmt *const SS4 = &invt_pt_fmt_vtd_ss_4l;
static const struct invt_pt_fmt *const SS5 = &invt_pt_fmt_vtd_ss_5l;
static const struct invt_pt_fmt *const FS4 = &invt_pt_fmt_vtd_fs_4l;

/* Table pages in host memory; the physical address is the host address. */
struct tmem {
	struct invt_pt_ops ops;
	void *pages[MAXT];
	int n;
	int live;
};

static int tm_alloc(struct invt_pt_ops *ops, uint64_t *pa)
{
	struct tmem *t = (struct tmem *)ops;
	void *p;

	if (t->n == MAXT)
		return -ENOMEM;
	p = aligned_alloc(SZ_4K, SZ_4K);
	if (!p)
		return -ENOMEM;
	memset(p, 0, SZ_4K);
	t->pages[t->n++] = p;
	t->live++;
	*pa = (uintptr_t)p;
	return 0;
}

static void tm_free(struct invt_pt_ops *ops, uint64_t pa)
{
	struct tmem *t = (struct tmem *)ops;

	free((void *)(uintptr_t)pa);
	t->live--;
}

static uint64_t *tm_va(struct invt_pt_ops *ops, uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

static void tm_init(struct tmem *t)
{
	memset(t, 0, sizeof(*t));
	t->ops = (struct invt_pt_ops){ .alloc_table = tm_alloc, .free_table = tm_free,
					.table_va = tm_va };
}

/* The entry at @lvl on @iova's path (0 when the path stops earlier). */
static uint64_t entry_at(const struct invt_pt *pt, uint64_t iova, unsigned int lvl)
{
	uint64_t table = pt->root_pa, e = 0;
	unsigned int l = pt->fmt->levels;

	while (l-- > lvl) {
		e = ((uint64_t *)(uintptr_t)table)[(iova >> (12 + 9 * l)) & 511];
		if (l == lvl)
			return e;
		table = e & ADDR;
		if (!table)
			return 0;
	}
	return e;
}

static void test_fmt_check(void **state)
{
	assert_int_equal(invt_pt_fmt_check(SS4), 0);
	assert_int_equal(invt_pt_fmt_check(SS5), 0);
	assert_int_equal(invt_pt_fmt_check(FS4), 0);
	assert_int_equal(SS4->levels, 4);
	assert_int_equal(SS4->va_bits, 48);
	assert_int_equal(SS5->levels, 5);
	assert_int_equal(SS5->va_bits, 57);
	assert_int_equal(FS4->levels, 4);
	assert_int_equal(FS4->va_bits, 47);
}

/*
 * Second stage (§9.9): tables R|W; a 4 KiB read-only page is R; a 2 MiB
 * write-only page W|PS; a 1 GiB read/write page R|W|PS.
 */
static void test_ss_bits(void **state)
{
	struct tmem t;
	struct invt_pt pt;
	uint64_t e, pa = 0x123456000ull;

	tm_init(&t);
	assert_int_equal(invt_pt_init(&pt, SS4, &t.ops), 0);
	assert_int_equal(invt_pt_map(&pt, 0x1000, pa, SZ_4K, INVT_PT_READ), 0);
	assert_int_equal(invt_pt_map(&pt, 0x40200000, 0x80200000, SZ_2M, INVT_PT_WRITE), 0);
	assert_int_equal(invt_pt_map(&pt, 0x80000000, 0xc0000000, SZ_1G, RW), 0);

	e = entry_at(&pt, 0x1000, 3);
	assert_int_equal(e & ~ADDR, 0x3);		/* SL-PML4E: R W */
	e = entry_at(&pt, 0x1000, 2);
	assert_int_equal(e & ~ADDR, 0x3);
	e = entry_at(&pt, 0x1000, 1);
	assert_int_equal(e & ~ADDR, 0x3);
	e = entry_at(&pt, 0x1000, 0);
	assert_int_equal(e, pa | 0x1);			/* SL-PTE: R */
	e = entry_at(&pt, 0x40200000, 1);
	assert_int_equal(e, 0x80200000ull | 0x80 | 0x2);	/* SL-PDE: PS W */
	e = entry_at(&pt, 0x80000000, 2);
	assert_int_equal(e, 0xc0000000ull | 0x80 | 0x3);	/* SL-PDPE: PS R W */
	invt_pt_free(&pt);
	assert_int_equal(t.live, 0);
}

/*
 * First stage (IA-32e): tables P|R/W|U/S|A = 0x27; a read-only 4 KiB page
 * P|U/S|A = 0x25; a writable 2 MiB page P|R/W|U/S|A|D|PS = 0xe7.
 */
static void test_fs_bits(void **state)
{
	struct tmem t;
	struct invt_pt pt;

	tm_init(&t);
	assert_int_equal(invt_pt_init(&pt, FS4, &t.ops), 0);
	assert_int_equal(invt_pt_map(&pt, 0x7000, 0x9000, SZ_4K, INVT_PT_READ), 0);
	assert_int_equal(invt_pt_map(&pt, 0x200000, 0x400000, SZ_2M, RW), 0);
	assert_int_equal(invt_pt_map(&pt, 0x40000000, 0x40000000, SZ_1G, RW), 0);
	/* Write-only cannot be encoded. */
	assert_int_equal(invt_pt_map(&pt, 0x10000, 0x10000, SZ_4K, INVT_PT_WRITE), -EINVAL);

	assert_int_equal(entry_at(&pt, 0x7000, 3) & ~ADDR, 0x27);
	assert_int_equal(entry_at(&pt, 0x7000, 2) & ~ADDR, 0x27);
	assert_int_equal(entry_at(&pt, 0x7000, 1) & ~ADDR, 0x27);
	assert_int_equal(entry_at(&pt, 0x7000, 0), 0x9000ull | 0x25);
	assert_int_equal(entry_at(&pt, 0x200000, 1), 0x400000ull | 0xe7);
	assert_int_equal(entry_at(&pt, 0x40000000, 2), 0x40000000ull | 0xe7);
	invt_pt_free(&pt);
	assert_int_equal(t.live, 0);
}

/* Hardware walks: translations, permissions, leaf sizes. */
static void test_walks(void **state)
{
	struct tmem t;
	struct invt_pt pt;
	struct invt_pt_walk w;

	tm_init(&t);
	assert_int_equal(invt_pt_init(&pt, SS5, &t.ops), 0);
	/* Top of the 57-bit space: PML5 index 511. */
	assert_int_equal(invt_pt_map(&pt, (1ull << 57) - SZ_2M, 0x200000, SZ_2M, INVT_PT_WRITE), 0);
	assert_int_equal(invt_pt_hw_walk(SS5, &t.ops, pt.root_pa, (1ull << 57) - 0x1234, &w), 0);
	assert_int_equal(w.level, 1);
	assert_int_equal(w.size, SZ_2M);
	assert_int_equal(w.oa, 0x400000 - 0x1234);
	assert_int_equal(w.prot, INVT_PT_WRITE);
	assert_int_equal(w.nr_tables, 4);
	/* Beyond 57 bits: range fault; unmapped: translation fault. */
	assert_int_equal(invt_pt_hw_walk(SS5, &t.ops, pt.root_pa, 1ull << 57, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_PT_FAULT_RANGE);
	assert_int_equal(invt_pt_hw_walk(SS5, &t.ops, pt.root_pa, 0, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_PT_FAULT_TRANSLATION);
	invt_pt_free(&pt);

	assert_int_equal(invt_pt_init(&pt, FS4, &t.ops), 0);
	assert_int_equal(invt_pt_map(&pt, 0x3000, 0x5000, SZ_4K, RW), 0);
	assert_int_equal(invt_pt_hw_walk(FS4, &t.ops, pt.root_pa, 0x3008, &w), 0);
	assert_int_equal(w.oa, 0x5008);
	assert_int_equal(w.prot, RW);
	assert_int_equal(w.level, 0);
	/* The upper half (bit 47 set) is out of the format's range. */
	assert_int_equal(invt_pt_map(&pt, 1ull << 47, 0, SZ_4K, RW), -EINVAL);
	assert_int_equal(invt_pt_hw_walk(FS4, &t.ops, pt.root_pa, 1ull << 47, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_PT_FAULT_RANGE);
	invt_pt_free(&pt);
	assert_int_equal(t.live, 0);
}

/*
 * Hand-made entries the walker must refuse: PS where it is reserved
 * (second-stage SL-PML4E, first-stage PML4E), a supervisor-only first-stage
 * leaf (no U/S: no access), a second-stage entry with neither R nor W.
 */
static void test_decode_rules(void **state)
{
	struct tmem t;
	struct invt_pt pt;
	struct invt_pt_walk w;
	uint64_t *root, *pte;

	tm_init(&t);
	assert_int_equal(invt_pt_init(&pt, SS4, &t.ops), 0);
	root = (uint64_t *)(uintptr_t)pt.root_pa;
	root[0] = 0x40000000ull | 0x80 | 0x3;	/* PS in an SL-PML4E: reserved */
	assert_int_equal(invt_pt_hw_walk(SS4, &t.ops, pt.root_pa, 0x1000, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_PT_FAULT_TRANSLATION);
	assert_int_equal(w.level, 3);
	root[0] = 0x40000000ull | 0x4;		/* X only: not present */
	assert_false(SS4->is_present(SS4, root[0], 3));
	root[0] = 0;
	invt_pt_free(&pt);

	assert_int_equal(invt_pt_init(&pt, FS4, &t.ops), 0);
	assert_int_equal(invt_pt_map(&pt, 0x1000, 0x2000, SZ_4K, RW), 0);
	pte = (uint64_t *)(uintptr_t)(entry_at(&pt, 0x1000, 1) & ADDR);
	pte[1] &= ~0x4ull;			/* clear U/S of the leaf */
	assert_int_equal(invt_pt_hw_walk(FS4, &t.ops, pt.root_pa, 0x1000, &w), 0);
	assert_int_equal(w.prot, 0);
	root = (uint64_t *)(uintptr_t)pt.root_pa;
	assert_true(FS4->is_table(FS4, root[0], 3));
	assert_false(FS4->is_table(FS4, root[0] | 0x80, 3));
	assert_false(FS4->is_leaf(FS4, root[0] | 0x80, 3));
	assert_true(FS4->is_leaf(FS4, 0x1000 | 0x1, 0));
	assert_true(FS4->is_leaf(FS4, 0x200000 | 0x81, 1));
	assert_false(FS4->is_leaf(FS4, 0x200000 | 0x80, 1));
	invt_pt_free(&pt);
	assert_int_equal(t.live, 0);
}

/* Largest leaf where both addresses are aligned and the range covers it. */
static void test_leaf_choice(void **state)
{
	struct tmem t;
	struct invt_pt pt;
	uint64_t sz;
	uint64_t pa;

	tm_init(&t);
	assert_int_equal(invt_pt_init(&pt, SS4, &t.ops), 0);
	assert_int_equal(invt_pt_map(&pt, SZ_1G - SZ_4K, SZ_1G - SZ_4K, SZ_1G + SZ_2M + SZ_4K, RW),
			 0);
	assert_int_equal(invt_pt_lookup(&pt, SZ_1G - SZ_4K, &pa, &sz), 0);
	assert_int_equal(sz, SZ_4K);
	assert_int_equal(invt_pt_lookup(&pt, SZ_1G + 5, &pa, &sz), 0);
	assert_int_equal(sz, SZ_1G);
	assert_int_equal(pa, SZ_1G + 5);
	assert_int_equal(invt_pt_lookup(&pt, 2 * SZ_1G + 7, &pa, &sz), 0);
	assert_int_equal(sz, SZ_2M);
	invt_pt_free(&pt);
	assert_int_equal(t.live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_check),
		cmocka_unit_test(test_ss_bits),
		cmocka_unit_test(test_fs_bits),
		cmocka_unit_test(test_walks),
		cmocka_unit_test(test_decode_rules),
		cmocka_unit_test(test_leaf_choice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
