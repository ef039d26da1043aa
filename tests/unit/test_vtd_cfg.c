// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_vtd_cfg.c - the VT-d scalable-mode structure builders (src/arch/vtd/
 * cfg.c): hand-computed words for each entry type, field-by-field read
 * back through an extractor written here from the §9.x figures, random
 * round trips, rejections, and the stores of invt_vtd_cfg_write/_clear
 * (little-endian images, present word last / first).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <string.h>

#include <invtrack/vtd-cfg.h>

static uint64_t bits(uint64_t w, unsigned int hi, unsigned int lo)
{
	return (w >> lo) & (~0ull >> (63 - (hi - lo)));
}

static void test_root(void **state)
{
	struct invt_vtd_root_entry e = { .lp = true, .lctp = 0x12345000, .up = true,
					 .uctp = 0xabcdef000ull };
	uint64_t w[2] = { 7, 7 };

	assert_int_equal(invt_vtd_root_build(&e, w), 0);
	assert_int_equal(w[0], 0x12345001);
	assert_int_equal(w[1], 0xabcdef001ull);
	e.up = false;
	e.uctp = 0;
	assert_int_equal(invt_vtd_root_build(&e, w), 0);
	assert_int_equal(w[1], 0);
	e.uctp = 0x1000;		/* pointer without UP */
	assert_int_equal(invt_vtd_root_build(&e, w), -EINVAL);
	e = (struct invt_vtd_root_entry){ .lp = true, .lctp = 0x1800 };
	assert_int_equal(invt_vtd_root_build(&e, w), -EINVAL);
	e.lctp = 1ull << 52;
	assert_int_equal(invt_vtd_root_build(&e, w), -EINVAL);
}

static void test_ctx(void **state)
{
	struct invt_vtd_ctx_entry e = { .present = true, .dte = true, .paside = true, .pdts = 3,
					.pasid_dir = 0x7777000, .rid_pasid = 0 };
	uint64_t w[4] = { 9, 9, 9, 9 };

	assert_int_equal(invt_vtd_ctx_build(&e, w), 0);
	/* P 0, DTE 2, PASIDE 3, PDTS 3 at [11:9], pointer. */
	assert_int_equal(w[0], 0x7777000ull | 0x600 | 0x8 | 0x4 | 0x1);
	assert_int_equal(w[1], 0);
	assert_int_equal(w[2], 0);
	assert_int_equal(w[3], 0);
	/* Read back field by field. */
	assert_int_equal(bits(w[0], 0, 0), 1);
	assert_int_equal(bits(w[0], 1, 1), 0);
	assert_int_equal(bits(w[0], 2, 2), 1);
	assert_int_equal(bits(w[0], 3, 3), 1);
	assert_int_equal(bits(w[0], 4, 4), 0);
	assert_int_equal(bits(w[0], 11, 9), 3);
	assert_int_equal(bits(w[0], 63, 12) << 12, 0x7777000);
	e.rid_pasid = 0xfffff;
	e.rid_priv = true;
	e.fpd = true;
	e.pre = true;
	assert_int_equal(invt_vtd_ctx_build(&e, w), 0);
	assert_int_equal(w[1], 0x1fffff);
	assert_int_equal(w[0] & 0x1f, 0x1f);
	e.rid_pasid = 1u << 20;
	assert_int_equal(invt_vtd_ctx_build(&e, w), -EINVAL);
	e.rid_pasid = 0;
	e.pdts = 8;
	assert_int_equal(invt_vtd_ctx_build(&e, w), -EINVAL);
	e.pdts = 0;
	e.pasid_dir = 0;
	assert_int_equal(invt_vtd_ctx_build(&e, w), -EINVAL);
	e = (struct invt_vtd_ctx_entry){ .dte = true };	/* set, not present */
	assert_int_equal(invt_vtd_ctx_build(&e, w), -EINVAL);
	e.dte = false;
	assert_int_equal(invt_vtd_ctx_build(&e, w), 0);
	assert_int_equal(w[0] | w[1] | w[2] | w[3], 0);
}

static void test_pdir(void **state)
{
	struct invt_vtd_pdir_entry e = { .present = true, .table = 0xfeed000 };
	uint64_t w = 5;

	assert_int_equal(invt_vtd_pdir_build(&e, &w), 0);
	assert_int_equal(w, 0xfeed001);
	e.fpd = true;
	assert_int_equal(invt_vtd_pdir_build(&e, &w), 0);
	assert_int_equal(w, 0xfeed003);
	e.table = 0xfeed800;
	assert_int_equal(invt_vtd_pdir_build(&e, &w), -EINVAL);
	e = (struct invt_vtd_pdir_entry){ .table = 0x1000 };
	assert_int_equal(invt_vtd_pdir_build(&e, &w), -EINVAL);
	e.table = 0;
	assert_int_equal(invt_vtd_pdir_build(&e, &w), 0);
	assert_int_equal(w, 0);
}

/* Extractor for a PASID entry, from the §9.6 figure. */
static void pe_extract(const uint64_t w[8], struct invt_vtd_pasid_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->present = bits(w[0], 0, 0);
	e->fpd = bits(w[0], 1, 1);
	e->aw = (uint8_t)bits(w[0], 4, 2);
	e->pgtt = (uint8_t)bits(w[0], 8, 6);
	e->ssptptr = bits(w[0], 63, 12) << 12;
	e->did = (uint16_t)bits(w[1], 15, 0);
	e->pwsnp = bits(w[1], 23, 23);
	e->pgsnp = bits(w[1], 24, 24);
	e->sre = bits(w[2], 0, 0);
	e->flpm = (uint8_t)bits(w[2], 3, 2);
	e->wpe = bits(w[2], 4, 4);
	e->nxe = bits(w[2], 5, 5);
	e->fsptptr = bits(w[2], 63, 12) << 12;
}

static void test_pasid(void **state)
{
	struct invt_vtd_pasid_entry ss = { .present = true, .aw = INVT_VTD_AW_48,
					   .pgtt = INVT_VTD_PGTT_SS, .ssptptr = 0x40000000,
					   .did = 0x1234 };
	struct invt_vtd_pasid_entry fs = { .present = true, .aw = INVT_VTD_AW_48,
					   .pgtt = INVT_VTD_PGTT_FS, .fsptptr = 0x55555000,
					   .did = 7, .flpm = INVT_VTD_FLPM_4L };
	struct invt_vtd_pasid_entry back;
	uint64_t w[8];
	unsigned int i;

	assert_int_equal(invt_vtd_pasid_build(&ss, w), 0);
	/* P, AW 2 at [4:2], PGTT 2 at [8:6], pointer; DID in word 1. */
	assert_int_equal(w[0], 0x40000000ull | 0x80 | 0x8 | 0x1);
	assert_int_equal(w[1], 0x1234);
	for (i = 2; i < 8; i++)
		assert_int_equal(w[i], 0);
	pe_extract(w, &back);
	assert_memory_equal(&back, &ss, sizeof(back));

	assert_int_equal(invt_vtd_pasid_build(&fs, w), 0);
	assert_int_equal(w[0], 0x40 | 0x8 | 0x1);
	assert_int_equal(w[1], 7);
	assert_int_equal(w[2], 0x55555000);
	pe_extract(w, &back);
	assert_memory_equal(&back, &fs, sizeof(back));
	fs.sre = fs.wpe = fs.nxe = fs.pgsnp = fs.pwsnp = fs.fpd = true;
	fs.flpm = INVT_VTD_FLPM_5L;
	fs.aw = INVT_VTD_AW_57;
	assert_int_equal(invt_vtd_pasid_build(&fs, w), 0);
	assert_int_equal(w[2], 0x55555000ull | 0x20 | 0x10 | 0x4 | 0x1);
	assert_int_equal(w[1], 7 | (1u << 23) | (1u << 24));
	pe_extract(w, &back);
	assert_memory_equal(&back, &fs, sizeof(back));
}

static void test_pasid_rejects(void **state)
{
	const struct invt_vtd_pasid_entry base = { .present = true, .aw = INVT_VTD_AW_48,
						   .pgtt = INVT_VTD_PGTT_SS,
						   .ssptptr = 0x1000, .did = 1 };
	struct invt_vtd_pasid_entry e;
	uint64_t w[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	e = base;
	e.pgtt = 0;
	assert_int_equal(invt_vtd_pasid_build(&e, w), -EINVAL);
	e.pgtt = 5;
	assert_int_equal(invt_vtd_pasid_build(&e, w), -EINVAL);
	e = base;
	e.aw = 0;
	assert_int_equal(invt_vtd_pasid_build(&e, w), -EINVAL);
	e.aw = 4;
	assert_int_equal(invt_vtd_pasid_build(&e, w), -EINVAL);
	e = base;
	e.fsptptr = 0x2000;		/* second stage only: no first-stage table */
	assert_int_equal(invt_vtd_pasid_build(&e, w), -EINVAL);
	e = base;
	e.ssptptr = 0;			/* missing */
	assert_int_equal(invt_vtd_pasid_build(&e, w), -EINVAL);
	e = base;
	e.ssptptr = 0x1100;
	assert_int_equal(invt_vtd_pasid_build(&e, w), -EINVAL);
	e = base;
	e.sre = true;			/* first-stage field on an SS entry */
	assert_int_equal(invt_vtd_pasid_build(&e, w), -EINVAL);
	e = base;
	e.pgtt = INVT_VTD_PGTT_FS;
	e.fsptptr = e.ssptptr;
	e.ssptptr = 0;
	e.flpm = 2;
	assert_int_equal(invt_vtd_pasid_build(&e, w), -EINVAL);
	e.flpm = 0;
	assert_int_equal(invt_vtd_pasid_build(&e, w), 0);
	e = (struct invt_vtd_pasid_entry){ .did = 1 };	/* not present, field set */
	w[0] = 9;
	assert_int_equal(invt_vtd_pasid_build(&e, w), -EINVAL);
	assert_int_equal(w[0], 9);
	e.did = 0;
	assert_int_equal(invt_vtd_pasid_build(&e, w), 0);
	assert_int_equal(w[0], 0);
	/* Pass-through and nested. */
	e = (struct invt_vtd_pasid_entry){ .present = true, .aw = 2, .pgtt = INVT_VTD_PGTT_PT,
					   .did = 1 };
	assert_int_equal(invt_vtd_pasid_build(&e, w), 0);
	assert_int_equal(w[0], 0x109);
	e.pgtt = INVT_VTD_PGTT_NESTED;
	assert_int_equal(invt_vtd_pasid_build(&e, w), -EINVAL);
	e.ssptptr = 0x3000;
	e.fsptptr = 0x4000;
	assert_int_equal(invt_vtd_pasid_build(&e, w), 0);
	assert_int_equal(w[0], 0x30c9);
	assert_int_equal(w[2], 0x4000);
}

/* Random well-formed entries come back field by field. */
static void test_pasid_random(void **state)
{
	uint64_t x = 88172645463325252ull;
	unsigned int i;

	for (i = 0; i < 10000; i++) {
		struct invt_vtd_pasid_entry e, back;
		uint64_t w[8];
		bool fs, ss;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memset(&e, 0, sizeof(e));
		e.present = true;
		e.pgtt = (uint8_t)(1 + x % 4);
		e.aw = (uint8_t)(1 + (x >> 8) % 3);
		e.did = (uint16_t)(x >> 16);
		e.fpd = x >> 32 & 1;
		e.pwsnp = x >> 33 & 1;
		e.pgsnp = x >> 34 & 1;
		fs = e.pgtt == 1 || e.pgtt == 3;
		ss = e.pgtt == 2 || e.pgtt == 3;
		if (ss)
			e.ssptptr = (x << 12 & INVT_VTD_PTR_MASK) | 0x1000;
		if (fs) {
			e.fsptptr = (x >> 3 << 12 & INVT_VTD_PTR_MASK) | 0x2000;
			e.sre = x >> 35 & 1;
			e.wpe = x >> 36 & 1;
			e.nxe = x >> 37 & 1;
			e.flpm = x >> 38 & 1;
		}
		assert_int_equal(invt_vtd_pasid_build(&e, w), 0);
		pe_extract(w, &back);
		assert_memory_equal(&back, &e, sizeof(e));
	}
}

static void test_write_clear(void **state)
{
	uint64_t slot[8], w[8] = { 0x101, 2, 3, 4, 5, 6, 7, 8 };
	unsigned int i;

	memset(slot, 0, sizeof(slot));
	invt_vtd_cfg_write(slot, w, 8);
	for (i = 0; i < 8; i++) {
		assert_int_equal(slot[i], htole64(w[i]));
		assert_int_equal(invt_vtd_cfg_word(slot, i), w[i]);
	}
	invt_vtd_cfg_clear(slot, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(slot[i], 0);
	/* A 4-word entry leaves the words after it alone. */
	slot[4] = 0x55;
	invt_vtd_cfg_write(slot, w, 4);
	assert_int_equal(slot[4], 0x55);
	invt_vtd_cfg_clear(slot, 4);
	assert_int_equal(slot[4], 0x55);
	assert_int_equal(slot[3], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_ctx),
		cmocka_unit_test(test_pdir),
		cmocka_unit_test(test_pasid),
		cmocka_unit_test(test_pasid_rejects),
		cmocka_unit_test(test_pasid_random),
		cmocka_unit_test(test_write_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
