// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_pt_riscv.c - the RISC-V formats (src/pt/fmt-riscv.c) and the walker's
 * multi-page root (struct invt_pt_fmt.root_extra_bits, invt_pt_ops
 * alloc_root / free_root, and their invt_mem_pt_ops implementation).
 *
 *  - geometry of all six formats, by_mode, fmt_check on bad extra bits;
 *  - exact PTE words for tables and leaves, read back from memory;
 *  - superpages at every level, lookup and hardware walk;
 *  - faults on reserved encodings: W without R, high bits, misaligned
 *    superpage, A = 0, no U; D = 0 drops write;
 *  - SvNNx4: the 16 KiB root from alloc_root, aligned, entries of the fourth
 *    page reached, free through free_root; -EINVAL without alloc_root;
 *  - the same over the model's memory pool: four contiguous TABLE frames.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/mem.h>
#include <invtrack/pt-riscv.h>

#define PAGE	4096ull
#define KiB	1024ull
#define MiB	(1024 * KiB)
#define GiB	(1024 * MiB)

/* PTE bits, written out independently of fmt-riscv.c. */
#define V	(1ull << 0)
#define R	(1ull << 1)
#define W	(1ull << 2)
#define X	(1ull << 3)
#define U	(1ull << 4)
#define A	(1ull << 6)
#define D	(1ull << 7)
#define PTE(pa)	(((pa) >> 12) << 10)

/* ------------------------------------------------------------ host ops */

struct hops {
	struct invt_pt_ops ops;	/* first: callbacks get &ops */
	long tables;
	long roots;
	unsigned int last_root_pages;
};

static int h_alloc(struct invt_pt_ops *ops, uint64_t *pa)
{
	void *p = aligned_alloc(PAGE, PAGE);

	if (!p)
		return -ENOMEM;
	memset(p, 0, PAGE);
	*pa = (uintptr_t)p;
	((struct hops *)ops)->tables++;
	return 0;
}

static void h_free(struct invt_pt_ops *ops, uint64_t pa)
{
	free((void *)(uintptr_t)pa);
	((struct hops *)ops)->tables--;
}

static uint64_t *h_va(struct invt_pt_ops *ops, uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

static int h_alloc_root(struct invt_pt_ops *ops, unsigned int pages, uint64_t *pa)
{
	size_t bytes = (size_t)pages * PAGE;
	void *p = aligned_alloc(bytes, bytes);

	if (!p)
		return -ENOMEM;
	memset(p, 0, bytes);
	*pa = (uintptr_t)p;
	((struct hops *)ops)->roots++;
	((struct hops *)ops)->last_root_pages = pages;
	return 0;
}

static void h_free_root(struct invt_pt_ops *ops, uint64_t pa, unsigned int pages)
{
	assert_int_equal(pages, ((struct hops *)ops)->last_root_pages);
	free((void *)(uintptr_t)pa);
	((struct hops *)ops)->roots--;
}

static void hops_init(struct hops *h, bool root)
{
	memset(h, 0, sizeof(*h));
	h->ops.alloc_table = h_alloc;
	h->ops.free_table = h_free;
	h->ops.table_va = h_va;
	if (root) {
		h->ops.alloc_root = h_alloc_root;
		h->ops.free_root = h_free_root;
	}
}

static uint64_t entry(uint64_t table_pa, unsigned int idx)
{
	return ((uint64_t *)(uintptr_t)table_pa)[idx];
}

/* A 2 MiB-aligned, zeroed data area whose address we use as "pa". */
static uint64_t fake_pa(uint64_t off)
{
	return 0x40000000ull + off;
}

/* Where unlinked table pages go (after the invalidation, in real life). */
static struct invt_pt_ops *unlink_ops;

static void gone(struct invt_pt_gather *g, uint64_t pa)
{
	(void)g;
	unlink_ops->free_table(unlink_ops, pa);
}

/* --------------------------------------------------------------- tests */

static void test_geometry(void **state)
{
	static const struct {
		const struct invt_pt_fmt *f;
		unsigned int levels, va, extra;
		uint32_t leaves;
	} t[] = {
		{ &invt_pt_fmt_rv_sv39, 3, 38, 0, 0x7 },
		{ &invt_pt_fmt_rv_sv48, 4, 47, 0, 0xf },
		{ &invt_pt_fmt_rv_sv57, 5, 56, 0, 0x1f },
		{ &invt_pt_fmt_rv_sv39x4, 3, 41, 2, 0x7 },
		{ &invt_pt_fmt_rv_sv48x4, 4, 50, 2, 0xf },
		{ &invt_pt_fmt_rv_sv57x4, 5, 59, 2, 0x1f },
	};
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(invt_pt_fmt_check(t[i].f), 0);
		assert_int_equal(t[i].f->levels, t[i].levels);
		assert_int_equal(t[i].f->va_bits, t[i].va);
		assert_int_equal(t[i].f->root_extra_bits, t[i].extra);
		assert_int_equal(t[i].f->leaf_levels, t[i].leaves);
		assert_int_equal(t[i].f->oa_bits, 56);
	}
	assert_ptr_equal(invt_pt_fmt_rv_by_mode(false, 8), &invt_pt_fmt_rv_sv39);
	assert_ptr_equal(invt_pt_fmt_rv_by_mode(false, 9), &invt_pt_fmt_rv_sv48);
	assert_ptr_equal(invt_pt_fmt_rv_by_mode(false, 10), &invt_pt_fmt_rv_sv57);
	assert_ptr_equal(invt_pt_fmt_rv_by_mode(true, 8), &invt_pt_fmt_rv_sv39x4);
	assert_ptr_equal(invt_pt_fmt_rv_by_mode(true, 9), &invt_pt_fmt_rv_sv48x4);
	assert_ptr_equal(invt_pt_fmt_rv_by_mode(true, 10), &invt_pt_fmt_rv_sv57x4);
	assert_null(invt_pt_fmt_rv_by_mode(false, 0));
	assert_null(invt_pt_fmt_rv_by_mode(true, 11));
	assert_null(invt_pt_fmt_rv_by_mode(false, 1));
}

static void test_fmt_check_extra(void **state)
{
	struct invt_pt_fmt f = invt_pt_fmt_rv_sv48x4;

	/* 50 bits need the 2 extra root bits: without them it is too wide. */
	f.root_extra_bits = 1;
	assert_int_equal(invt_pt_fmt_check(&f), -EINVAL);
	f.root_extra_bits = INVT_PT_MAX_ROOT_EXTRA_BITS + 1;
	f.va_bits = 48;
	assert_int_equal(invt_pt_fmt_check(&f), -EINVAL);
	f.root_extra_bits = INVT_PT_MAX_ROOT_EXTRA_BITS;
	f.va_bits = 52;
	assert_int_equal(invt_pt_fmt_check(&f), 0);
	f.va_bits = 53;
	assert_int_equal(invt_pt_fmt_check(&f), -EINVAL);
}

/* Sv48: the exact words of the path to a 4 KiB leaf. */
static void test_sv48_words(void **state)
{
	struct invt_pt pt;
	struct hops h;
	uint64_t iova = (5ull << 39) | (7ull << 30) | (9ull << 21) | (11ull << 12);
	uint64_t l3, l2, l1, l0, pa = fake_pa(0x3000), out, sz;
	struct invt_pt_walk w;

	hops_init(&h, false);
	assert_int_equal(invt_pt_init(&pt, &invt_pt_fmt_rv_sv48, &h.ops), 0);
	assert_int_equal(h.tables, 1);
	assert_int_equal(invt_pt_map(&pt, iova, pa, PAGE, INVT_PT_READ | INVT_PT_WRITE), 0);
	assert_int_equal(h.tables, 4);

	l3 = entry(pt.root_pa, 5);
	assert_int_equal(l3 & 0x3ff, V);		/* non-leaf: V only */
	assert_int_equal(l3 >> 54, 0);
	l2 = entry((l3 >> 10) << 12, 7);
	assert_int_equal(l2 & 0x3ff, V);
	l1 = entry((l2 >> 10) << 12, 9);
	assert_int_equal(l1 & 0x3ff, V);
	l0 = entry((l1 >> 10) << 12, 11);
	assert_int_equal(l0, PTE(pa) | V | R | W | U | A | D);

	assert_int_equal(invt_pt_lookup(&pt, iova + 0x123, &out, &sz), 0);
	assert_int_equal(out, pa + 0x123);
	assert_int_equal(sz, PAGE);
	assert_int_equal(invt_pt_hw_walk(&invt_pt_fmt_rv_sv48, &h.ops, pt.root_pa, iova + 8, &w),
			 0);
	assert_int_equal(w.level, 0);
	assert_int_equal(w.oa, pa + 8);
	assert_int_equal(w.prot, INVT_PT_READ | INVT_PT_WRITE);
	assert_int_equal(w.nr_tables, 4);
	assert_int_equal(w.tables[0], pt.root_pa);

	/* Read-only: no W. */
	assert_int_equal(invt_pt_map(&pt, iova + PAGE, pa + PAGE, PAGE, INVT_PT_READ), 0);
	assert_int_equal(entry((l1 >> 10) << 12, 12), PTE(pa + PAGE) | V | R | U | A | D);
	/* Write-only is not encodable. */
	assert_int_equal(invt_pt_map(&pt, iova + 2 * PAGE, pa, PAGE, INVT_PT_WRITE), -EINVAL);
	/* Lower half only: bit 47 set is out of range. */
	assert_int_equal(invt_pt_map(&pt, 1ull << 47, pa, PAGE, INVT_PT_READ), -EINVAL);
	assert_int_equal(invt_pt_hw_walk(&invt_pt_fmt_rv_sv48, &h.ops, pt.root_pa, 1ull << 47, &w),
			 -EFAULT);
	assert_int_equal(w.fault, INVT_PT_FAULT_RANGE);
	invt_pt_free(&pt);
	assert_int_equal(h.tables, 0);
}

/* Superpages at each level of each first-stage format. */
static void test_superpages(void **state)
{
	const struct invt_pt_fmt *fmts[] = { &invt_pt_fmt_rv_sv39, &invt_pt_fmt_rv_sv48,
					     &invt_pt_fmt_rv_sv57 };
	unsigned int f, lvl;

	for (f = 0; f < 3; f++) {
		const struct invt_pt_fmt *fmt = fmts[f];

		for (lvl = 0; lvl < fmt->levels; lvl++) {
			uint64_t size = PAGE << (9 * lvl);
			uint64_t iova = size, pa = size * 2, out, sz;
			struct invt_pt_walk w;
			struct invt_pt_gather g = { .table_unlinked = gone };
			struct invt_pt pt;
			struct hops h;

			/* The root level maps 2^(va_bits) / 2 ... keep inside. */
			if (iova + size > (1ull << fmt->va_bits))
				continue;
			hops_init(&h, false);
			unlink_ops = &h.ops;
			assert_int_equal(invt_pt_init(&pt, fmt, &h.ops), 0);
			assert_int_equal(invt_pt_map(&pt, iova, pa, size, INVT_PT_READ), 0);
			assert_int_equal(h.tables, fmt->levels - lvl);
			assert_int_equal(invt_pt_lookup(&pt, iova + size - 8, &out, &sz), 0);
			assert_int_equal(out, pa + size - 8);
			assert_int_equal(sz, size);
			assert_int_equal(invt_pt_hw_walk(fmt, &h.ops, pt.root_pa, iova, &w), 0);
			assert_int_equal(w.level, lvl);
			assert_int_equal(w.size, size);
			assert_int_equal(w.pte, PTE(pa) | V | R | U | A | D);
			assert_int_equal(invt_pt_unmap(&pt, iova, size, &g), 0);
			assert_int_equal(g.size, size);
			invt_pt_free(&pt);
			assert_int_equal(h.tables, 0);
		}
	}
}

/* Encodings the hardware refuses, planted by hand into a 2-level path. */
static void test_faults(void **state)
{
	const struct invt_pt_fmt *fmt = &invt_pt_fmt_rv_sv39;
	uint64_t pa = fake_pa(0), *leafp, l1_pa, iova = 2 * MiB;
	struct invt_pt_walk w;
	struct invt_pt pt;
	struct hops h;

	hops_init(&h, false);
	assert_int_equal(invt_pt_init(&pt, fmt, &h.ops), 0);
	assert_int_equal(invt_pt_map(&pt, iova, pa, PAGE, INVT_PT_READ | INVT_PT_WRITE), 0);
	l1_pa = (entry(pt.root_pa, 0) >> 10) << 12;
	leafp = (uint64_t *)(uintptr_t)((entry(l1_pa, 1) >> 10) << 12);

	leafp[0] = PTE(pa) | V | W | U | A | D;		/* W without R */
	assert_int_equal(invt_pt_hw_walk(fmt, &h.ops, pt.root_pa, iova, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_PT_FAULT_TRANSLATION);
	leafp[0] = PTE(pa) | V | R | U | A | D | (1ull << 63);	/* N without Svnapot */
	assert_int_equal(invt_pt_hw_walk(fmt, &h.ops, pt.root_pa, iova, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_PT_FAULT_TRANSLATION);
	leafp[0] = PTE(pa) | V | R | U | A | D | (1ull << 54);	/* reserved bit */
	assert_int_equal(invt_pt_hw_walk(fmt, &h.ops, pt.root_pa, iova, &w), -EFAULT);
	leafp[0] = PTE(pa) | V | R | U | D;			/* A = 0 */
	assert_int_equal(invt_pt_hw_walk(fmt, &h.ops, pt.root_pa, iova, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_PT_FAULT_ACCESS);
	leafp[0] = PTE(pa) | V | R | W | A | D;			/* no U */
	assert_int_equal(invt_pt_hw_walk(fmt, &h.ops, pt.root_pa, iova, &w), 0);
	assert_int_equal(w.prot, 0);
	leafp[0] = PTE(pa) | V | R | W | U | A;			/* D = 0: no write */
	assert_int_equal(invt_pt_hw_walk(fmt, &h.ops, pt.root_pa, iova, &w), 0);
	assert_int_equal(w.prot, INVT_PT_READ);
	leafp[0] = PTE(pa) | V | X | U | A;			/* execute-only leaf */
	assert_int_equal(invt_pt_hw_walk(fmt, &h.ops, pt.root_pa, iova, &w), 0);
	assert_int_equal(w.prot, 0);
	leafp[0] = PTE(pa) | V | U | A | D;			/* non-leaf at level 0 */
	assert_int_equal(invt_pt_hw_walk(fmt, &h.ops, pt.root_pa, iova, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_PT_FAULT_TRANSLATION);
	leafp[0] = PTE(pa) | V | R | W | U | A | D;

	/* A 2 MiB superpage whose PPN is not 2 MiB aligned: misaligned. */
	((uint64_t *)(uintptr_t)l1_pa)[3] = PTE(pa + PAGE) | V | R | U | A | D;
	assert_int_equal(invt_pt_hw_walk(fmt, &h.ops, pt.root_pa, 3 * 2 * MiB, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_PT_FAULT_TRANSLATION);
	assert_int_equal(w.level, 1);
	((uint64_t *)(uintptr_t)l1_pa)[3] = 0;
	/* A non-leaf with PBMT set faults too. */
	((uint64_t *)(uintptr_t)pt.root_pa)[1] = PTE(l1_pa) | V | (1ull << 61);
	assert_int_equal(invt_pt_hw_walk(fmt, &h.ops, pt.root_pa, GiB, &w), -EFAULT);
	assert_int_equal(w.level, 2);
	((uint64_t *)(uintptr_t)pt.root_pa)[1] = 0;
	invt_pt_free(&pt);
	assert_int_equal(h.tables, 0);
}

/* Sv48x4: 16 KiB root, 2048 entries, the fourth page reached. */
static void test_x4_root(void **state)
{
	const struct invt_pt_fmt *fmt = &invt_pt_fmt_rv_sv48x4;
	struct invt_pt_gather g = { .table_unlinked = gone };
	uint64_t gpa = (2047ull << 39) | (3ull << 12), pa = fake_pa(0x5000), out, l3;
	struct invt_pt_walk w;
	struct invt_pt pt;
	struct hops h;

	hops_init(&h, true);
	unlink_ops = &h.ops;
	assert_int_equal(invt_pt_init(&pt, fmt, &h.ops), 0);
	assert_int_equal(h.roots, 1);
	assert_int_equal(h.tables, 0);
	assert_int_equal(h.last_root_pages, 4);
	assert_int_equal(pt.root_pa & (16 * KiB - 1), 0);

	assert_int_equal(invt_pt_map(&pt, gpa, pa, PAGE, INVT_PT_READ | INVT_PT_WRITE), 0);
	assert_int_equal(h.tables, 3);
	/* Root index 2047: entry 511 of the fourth page. */
	l3 = entry(pt.root_pa + 3 * PAGE, 511);
	assert_int_equal(l3 & 0x3ff, V);
	assert_int_equal(entry(pt.root_pa, 511), 0);
	assert_int_equal(invt_pt_hw_walk(fmt, &h.ops, pt.root_pa, gpa + 4, &w), 0);
	assert_int_equal(w.oa, pa + 4);
	assert_int_equal(w.nr_tables, 4);
	/* A GPA at 2^50 is out of range; just below is fine. */
	assert_int_equal(invt_pt_map(&pt, 1ull << 50, pa, PAGE, INVT_PT_READ), -EINVAL);
	assert_int_equal(invt_pt_map(&pt, (1ull << 50) - PAGE, pa, PAGE, INVT_PT_READ), 0);
	assert_int_equal(invt_pt_lookup(&pt, (1ull << 50) - 1, &out, NULL), 0);
	assert_int_equal(out, pa + PAGE - 1);

	/* Both share root entry 2047 and its level-2 table only. */
	assert_int_equal(invt_pt_unmap(&pt, gpa, PAGE, &g), 0);
	assert_int_equal(g.nr_tables, 2);
	assert_int_equal(h.tables, 3);
	assert_int_equal(entry(pt.root_pa + 3 * PAGE, 511), l3);
	assert_int_equal(invt_pt_lookup(&pt, gpa, &out, NULL), -ENOENT);
	/* Entries in the first page and the third page too, then free all. */
	assert_int_equal(invt_pt_map(&pt, 0, pa, 2 * MiB, INVT_PT_READ), 0);
	assert_int_equal(invt_pt_map(&pt, 1100ull << 39, pa, GiB, INVT_PT_READ), 0);
	assert_int_equal(entry(pt.root_pa + 2 * PAGE, 1100 - 1024) & V, V);
	invt_pt_free(&pt);
	assert_int_equal(h.tables, 0);
	assert_int_equal(h.roots, 0);

	/* Without alloc_root a multi-page root cannot be had. */
	hops_init(&h, false);
	assert_int_equal(invt_pt_init(&pt, fmt, &h.ops), -EINVAL);
	assert_int_equal(h.tables, 0);
	/* ... while a one-page root never uses alloc_root. */
	hops_init(&h, true);
	assert_int_equal(invt_pt_init(&pt, &invt_pt_fmt_rv_sv39, &h.ops), 0);
	assert_int_equal(h.roots, 0);
	assert_int_equal(h.tables, 1);
	invt_pt_free(&pt);
}

/* Over the model's pool: four contiguous TABLE frames of the domain. */
static void test_x4_model_mem(void **state)
{
	struct invt_mem_config cfg = { .nr_frames = 64 };
	struct invt_pt_gather g = { .table_unlinked = gone };
	struct invt_mem_pt_ops o;
	struct invt_frame_info fi;
	struct invt_mem_stats st;
	struct invt_mem *mem;
	struct invt_pt_walk w;
	struct invt_pt pt;
	uint64_t data, gpa = 1537ull << 39;
	unsigned int i;

	assert_int_equal(invt_mem_create(&cfg, &mem), 0);
	invt_mem_pt_ops_init(&o, mem, 7);
	unlink_ops = &o.ops;
	assert_int_equal(invt_pt_init(&pt, &invt_pt_fmt_rv_sv57x4, &o.ops), 0);
	assert_int_equal(pt.root_pa & (16 * KiB - 1), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(invt_mem_info(mem, pt.root_pa + i * PAGE, &fi), 0);
		assert_int_equal(fi.state, INVT_FRAME_TABLE);
		assert_int_equal(fi.domain, 7);
	}
	assert_int_equal(invt_mem_alloc(mem, INVT_FRAME_DATA, 7, 0, &data), 0);
	/* Sv57x4 root index = gpa[58:48]; 1537 << 39 has root index 3. */
	assert_int_equal(invt_pt_map(&pt, gpa, data, PAGE, INVT_PT_READ), 0);
	assert_int_equal(invt_pt_hw_walk(&invt_pt_fmt_rv_sv57x4, &o.ops, pt.root_pa, gpa, &w), 0);
	assert_int_equal(w.oa, data);
	/* An index in the fourth root page: gpa[58:57] = 3. */
	assert_int_equal(invt_pt_map(&pt, 3ull << 57, data, PAGE, INVT_PT_READ), 0);
	assert_int_equal(invt_pt_hw_walk(&invt_pt_fmt_rv_sv57x4, &o.ops, pt.root_pa, 3ull << 57,
					 &w), 0);
	assert_int_equal(w.oa, data);
	assert_int_equal(invt_pt_unmap(&pt, gpa, PAGE, &g), 0);
	invt_pt_free(&pt);
	assert_int_equal(o.errors, 0);
	assert_int_equal(invt_mem_free(mem, data), 0);
	invt_mem_stats(mem, &st);
	assert_int_equal(st.nr_table, 0);
	assert_int_equal(st.nr_free, 64);
	assert_int_equal(st.bad_frees, 0);
	invt_mem_destroy(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_fmt_check_extra),
		cmocka_unit_test(test_sv48_words),
		cmocka_unit_test(test_superpages),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_x4_root),
		cmocka_unit_test(test_x4_model_mem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
