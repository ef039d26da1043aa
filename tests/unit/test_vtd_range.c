// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_vtd_range.c - the VT-d range invalidation policy (src/arch/vtd/
 * range.c): the PSI mask rule (widened until both ends share the aligned
 * block), the fallback to domain-selective (no PSI, AM above MAMV, "all"),
 * the top of the address space, type 6 against type 2, IH for leaf-only
 * requests, the device-TLB size encoding, and that every descriptor the
 * policy emits is accepted by the encoder.  Counts are always 1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <invtrack/vtd.h>
#include <invtrack/vtd-regs.h>

#define TOP	UINT64_MAX

struct out {
	struct invt_vtd_desc d[4];
	unsigned int n;
	int stop;
};

static int collect(void *arg, const struct invt_vtd_desc *d)
{
	struct out *o = arg;
	uint64_t qw[2];

	/* Whatever the policy emits must encode. */
	assert_int_equal(invt_vtd_desc_encode(d, qw), 0);
	if (o->n < 4)
		o->d[o->n] = *d;
	o->n++;
	return o->stop;
}

static const struct invt_vtd_caps caps_psi = { .psi = true, .mamv = 18 };

/* Run @inv; exactly one descriptor must come out. */
static struct invt_vtd_desc one(const struct invt_vtd_caps *caps, const struct invt_vtd_inv *inv)
{
	struct out o = { .n = 0 };

	assert_int_equal(invt_vtd_inv_emit(caps, inv, collect, &o), 0);
	assert_int_equal(o.n, 1);
	assert_int_equal(invt_vtd_inv_count(caps, inv), 1);
	return o.d[0];
}

static struct invt_vtd_inv s2(uint64_t start, uint64_t last, bool leaf)
{
	return (struct invt_vtd_inv){ .kind = INVT_VTD_INV_S2, .did = 5, .start = start,
				      .last = last, .leaf = leaf };
}

static void test_psi_mask(void **state)
{
	struct invt_vtd_desc d;

	/* One page. */
	d = one(&caps_psi, &(struct invt_vtd_inv){ .kind = INVT_VTD_INV_S2, .did = 5,
						   .start = 0x1000, .last = 0x1fff });
	assert_int_equal(d.type, INVT_VTD_DESC_IOTLB);
	assert_int_equal(d.g, INVT_VTD_IOTLB_PSI);
	assert_int_equal(d.did, 5);
	assert_int_equal(d.am, 0);
	assert_int_equal(d.addr, 0x1000);
	assert_false(d.ih);
	/* Pages 1..3: 3 pages round up to 4, aligned at 0. */
	d = one(&caps_psi, &(struct invt_vtd_inv){ .kind = INVT_VTD_INV_S2, .did = 5,
						   .start = 0x1000, .last = 0x3fff });
	assert_int_equal(d.am, 2);
	assert_int_equal(d.addr, 0);
	/* Pages 3..4: 2 pages straddling a 4-page boundary widen to 8. */
	d = one(&caps_psi, &(struct invt_vtd_inv){ .kind = INVT_VTD_INV_S2, .did = 5,
						   .start = 0x3000, .last = 0x4fff });
	assert_int_equal(d.am, 3);
	assert_int_equal(d.addr, 0);
	/* Unaligned bytes inside pages: pages 0x10..0x11 -> AM 1 at 0x10000. */
	d = one(&caps_psi, &(struct invt_vtd_inv){ .kind = INVT_VTD_INV_S2, .did = 5,
						   .start = 0x10123, .last = 0x11001 });
	assert_int_equal(d.am, 1);
	assert_int_equal(d.addr, 0x10000);
	/* A 2 MiB superpage: AM 9. */
	d = one(&caps_psi, &(struct invt_vtd_inv){ .kind = INVT_VTD_INV_S2, .did = 5,
						   .start = 0x40200000, .last = 0x403fffff });
	assert_int_equal(d.am, 9);
	assert_int_equal(d.addr, 0x40200000);
}

static void test_leaf_hint(void **state)
{
	struct invt_vtd_inv r = s2(0x5000, 0x5fff, true);
	struct invt_vtd_desc d = one(&caps_psi, &r);

	assert_true(d.ih);
	r.leaf = false;
	d = one(&caps_psi, &r);
	assert_false(d.ih);
	r.kind = INVT_VTD_INV_S1;
	r.pasid = 3;
	r.leaf = true;
	d = one(&caps_psi, &r);
	assert_true(d.ih);
	/* Whole-tag invalidations carry no hint. */
	r.all = true;
	d = one(&caps_psi, &r);
	assert_false(d.ih);
	assert_int_equal(d.g, INVT_VTD_PIOTLB_PASID);
}

static void test_dsi_fallback(void **state)
{
	const struct invt_vtd_caps nopsi = { .psi = false, .mamv = 63 };
	const struct invt_vtd_caps small = { .psi = true, .mamv = 2 };
	struct invt_vtd_inv r = s2(0x3000, 0x4fff, true);	/* needs AM 3 */
	struct invt_vtd_desc d;

	d = one(&nopsi, &r);
	assert_int_equal(d.g, INVT_VTD_IOTLB_DSI);
	assert_int_equal(d.did, 5);
	assert_int_equal(d.addr, 0);
	assert_int_equal(d.am, 0);
	assert_false(d.ih);
	d = one(&small, &r);
	assert_int_equal(d.g, INVT_VTD_IOTLB_DSI);
	/* AM 2 == MAMV is still page-selective. */
	r = s2(0x4000, 0x7fff, false);
	d = one(&small, &r);
	assert_int_equal(d.g, INVT_VTD_IOTLB_PSI);
	assert_int_equal(d.am, 2);
	assert_int_equal(d.addr, 0x4000);
	r.all = true;
	d = one(&caps_psi, &r);
	assert_int_equal(d.g, INVT_VTD_IOTLB_DSI);
	/* DID_ALL (stage-1 clear of a nest parent) is always DSI. */
	d = one(&caps_psi, &(struct invt_vtd_inv){ .kind = INVT_VTD_INV_DID_ALL, .did = 9,
						   .start = 0x1000, .last = 0x1fff });
	assert_int_equal(d.type, INVT_VTD_DESC_IOTLB);
	assert_int_equal(d.g, INVT_VTD_IOTLB_DSI);
	assert_int_equal(d.did, 9);
}

/* Type 6 is page-selective whatever MAMV says; type 2 falls back. */
static void test_type6_vs_type2(void **state)
{
	const struct invt_vtd_caps small = { .psi = false, .mamv = 0 };
	struct invt_vtd_inv r = { .kind = INVT_VTD_INV_S1, .did = 4, .pasid = 0x77,
				  .start = 0x40000000, .last = 0x7fffffff };
	struct invt_vtd_desc d = one(&small, &r);

	assert_int_equal(d.type, INVT_VTD_DESC_PIOTLB);
	assert_int_equal(d.g, INVT_VTD_PIOTLB_PSI);
	assert_int_equal(d.did, 4);
	assert_int_equal(d.pasid, 0x77);
	assert_int_equal(d.am, 18);
	assert_int_equal(d.addr, 0x40000000);
	r.kind = INVT_VTD_INV_S2;
	r.pasid = 0;
	d = one(&small, &r);
	assert_int_equal(d.type, INVT_VTD_DESC_IOTLB);
	assert_int_equal(d.g, INVT_VTD_IOTLB_DSI);
	/* RID attachments of first-stage domains use PASID 0 (RID_PASID). */
	r = (struct invt_vtd_inv){ .kind = INVT_VTD_INV_S1, .did = 4, .start = 0, .last = 0xfff };
	d = one(&small, &r);
	assert_int_equal(d.type, INVT_VTD_DESC_PIOTLB);
	assert_int_equal(d.pasid, 0);
}

static void test_top_of_space(void **state)
{
	const struct invt_vtd_caps big = { .psi = true, .mamv = 63 };
	struct invt_vtd_desc d;

	/* The last two pages of 2^64. */
	d = one(&caps_psi, &(struct invt_vtd_inv){ .kind = INVT_VTD_INV_S2, .did = 1,
						   .start = TOP - 0x1fff, .last = TOP });
	assert_int_equal(d.g, INVT_VTD_IOTLB_PSI);
	assert_int_equal(d.am, 1);
	assert_int_equal(d.addr, TOP - 0x1fff);
	/* Everything: AM 52, above MAMV 18 -> DSI; with MAMV 63, PSI at 0. */
	d = one(&caps_psi, &(struct invt_vtd_inv){ .kind = INVT_VTD_INV_S2, .did = 1,
						   .start = 0, .last = TOP });
	assert_int_equal(d.g, INVT_VTD_IOTLB_DSI);
	d = one(&big, &(struct invt_vtd_inv){ .kind = INVT_VTD_INV_S2, .did = 1,
					      .start = 0, .last = TOP });
	assert_int_equal(d.g, INVT_VTD_IOTLB_PSI);
	assert_int_equal(d.am, 52);
	assert_int_equal(d.addr, 0);
	d = one(&caps_psi, &(struct invt_vtd_inv){ .kind = INVT_VTD_INV_S1, .did = 1, .pasid = 2,
						   .start = 0x1000, .last = TOP });
	assert_int_equal(d.g, INVT_VTD_PIOTLB_PSI);
	assert_int_equal(d.am, 52);
	assert_int_equal(d.addr, 0);
}

static void test_atc(void **state)
{
	struct invt_vtd_inv r = { .kind = INVT_VTD_INV_ATC, .sid = 0x28, .qdep = 3,
				  .start = 0x7000, .last = 0x7fff };
	struct invt_vtd_desc d = one(&caps_psi, &r);

	assert_int_equal(d.type, INVT_VTD_DESC_DEVTLB);
	assert_int_equal(d.sid, 0x28);
	assert_int_equal(d.pfsid, 0x28);
	assert_int_equal(d.qdep, 3);
	assert_false(d.size);
	assert_int_equal(d.addr, 0x7000);
	/* Pages 0..1: S = 1, no one bits: 8 KiB at 0. */
	r.start = 0;
	r.last = 0x1fff;
	d = one(&caps_psi, &r);
	assert_true(d.size);
	assert_int_equal(d.addr, 0);
	/* Pages 5..6 -> 16 KiB block at 0x4000: one trailing one. */
	r.start = 0x5000;
	r.last = 0x6fff;
	d = one(&caps_psi, &r);
	assert_true(d.size);
	assert_int_equal(d.addr, 0x5000);
	/* 2 MiB at 1 GiB: 512 pages -> eight one bits above 0x40000000. */
	r.start = 0x40000000;
	r.last = 0x401fffff;
	d = one(&caps_psi, &r);
	assert_int_equal(d.addr, 0x400ff000);
	/* The whole device TLB, with a PASID: type 8, bit 63 clear. */
	r.all = true;
	r.pasid = 9;
	d = one(&caps_psi, &r);
	assert_int_equal(d.type, INVT_VTD_DESC_PDEVTLB);
	assert_int_equal(d.pasid, 9);
	assert_int_equal(d.g, 0);
	assert_true(d.size);
	assert_int_equal(d.addr, INVT_VTD_DEVTLB_ALL_ADDR);
	/* A range reaching the top is the same span. */
	r.all = false;
	r.start = 0;
	r.last = TOP;
	d = one(&caps_psi, &r);
	assert_int_equal(d.addr, INVT_VTD_DEVTLB_ALL_ADDR);
}

static void test_errors(void **state)
{
	struct out o = { .n = 0 };
	struct invt_vtd_inv r = s2(0x2000, 0x1fff, false);

	assert_int_equal(invt_vtd_inv_emit(&caps_psi, &r, collect, &o), -EINVAL);
	assert_int_equal(invt_vtd_inv_count(&caps_psi, &r), -EINVAL);
	r.all = true;		/* start/last ignored */
	assert_int_equal(invt_vtd_inv_count(&caps_psi, &r), 1);
	r = s2(0, 0xfff, false);
	r.pasid = 1;		/* no PASID on second-stage requests */
	assert_int_equal(invt_vtd_inv_emit(&caps_psi, &r, collect, &o), -EINVAL);
	r.kind = INVT_VTD_INV_S1;
	r.pasid = 1u << 20;
	assert_int_equal(invt_vtd_inv_emit(&caps_psi, &r, collect, &o), -EINVAL);
	r.kind = 7;
	r.pasid = 0;
	assert_int_equal(invt_vtd_inv_count(&caps_psi, &r), -EINVAL);
	assert_int_equal(o.n, 0);
	/* emit's value is passed back. */
	o.stop = 42;
	r = s2(0, 0xfff, false);
	assert_int_equal(invt_vtd_inv_emit(&caps_psi, &r, collect, &o), 42);
	assert_int_equal(o.n, 1);
}

static void test_caps_from_cap(void **state)
{
	struct invt_vtd_caps c;

	invt_vtd_caps_from_cap(INVT_VTD_CAP_PSI | (9ull << INVT_VTD_CAP_MAMV_SHIFT) |
			       (1ull << 54), &c);
	assert_true(c.psi);
	assert_int_equal(c.mamv, 9);
	invt_vtd_caps_from_cap(0x3full << INVT_VTD_CAP_MAMV_SHIFT, &c);
	assert_false(c.psi);
	assert_int_equal(c.mamv, 63);
}

/* Random ranges: the emitted block covers the range and is minimal. */
static void test_random_cover(void **state)
{
	uint64_t x = 12345;
	unsigned int i;

	for (i = 0; i < 20000; i++) {
		struct invt_vtd_inv r = { .kind = INVT_VTD_INV_S1, .did = 1 };
		struct invt_vtd_desc d;
		uint64_t first, last, lenp;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		r.start = x >> (x & 31);
		lenp = (x >> 40) & ((1ull << (x & 15)) - 1);
		r.last = r.start + (lenp << 12) + (x & 0xfff);
		if (r.last < r.start)
			r.last = TOP;
		d = one(&caps_psi, &r);
		first = d.addr >> 12;
		last = d.am >= 52 ? ~0ull >> 12 : first + (1ull << d.am) - 1;
		assert_true(first <= r.start >> 12);
		assert_true(last >= r.last >> 12);
		/* Minimal: half the block would miss one end. */
		if (d.am)
			assert_true((r.start >> 12 >> (d.am - 1)) != (r.last >> 12 >> (d.am - 1)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psi_mask),
		cmocka_unit_test(test_leaf_hint),
		cmocka_unit_test(test_dsi_fallback),
		cmocka_unit_test(test_type6_vs_type2),
		cmocka_unit_test(test_top_of_space),
		cmocka_unit_test(test_atc),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_caps_from_cap),
		cmocka_unit_test(test_random_cover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
