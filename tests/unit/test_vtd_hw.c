// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_vtd_hw.c - the VT-d hardware side: descriptor decoder (hw-decode.c),
 * executor plans (hw-exec.c), structure parser (hw-cfg.c) and the
 * invalidation queue consumer (hw-queue.c).
 *
 * Descriptors are built by hand here, field by field at the bit positions
 * of the VT-d specification §6.5.2 (not with the driver's encoders), so the
 * decoder is checked against the spec's tables rather than against code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/cache.h>
#include <invtrack/model/mem.h>
#include <invtrack/vtd-queue.h>
#include <invtrack/vtd-regs.h>

/* Path-qualified: SMMUv3's hardware headers have the same names. */
#include "../../src/arch/vtd/hw-cfg.h"
#include "../../src/arch/vtd/hw-exec.h"
#include "../../src/arch/vtd/hw-queue.h"
#include "../../src/arch/vtd/hw.h"

/* A field value @v at bit @lo. */
#define F(v, lo)	((uint64_t)(v) << (lo))
#define K(kind)		INVT_CACHE_K(INVT_CACHE_##kind)
#define NONE		INVT_CACHE_ID_NONE
#define VA_X		UINT64_C(0x200000)
#define VB		UINT64_C(0x40000000)

static const struct vtd_hw_caps caps_all = { .feat = VTD_HW_FEAT_ALL, .mamv = 9 };

static int dec(uint64_t q0, uint64_t q1, struct vtd_hw_desc *d, enum vtd_hw_bad *why)
{
	const uint64_t qw[4] = { q0, q1, 0, 0 };

	return vtd_hw_decode(qw, false, &caps_all, d, why);
}

/* ------------------------------------------------------------ decoder */

static void test_vectors(void **state)
{
	struct vtd_hw_desc d;

	(void)state;
	/* 1: context-cache, global. */
	assert_int_equal(dec(0x11, 0, &d, NULL), 0);
	assert_int_equal(d.type, VTD_HW_CC_INV);
	assert_int_equal(d.g, 1);
	/* 2: context-cache, device 0x108 of DID 0x42, FM 2. */
	assert_int_equal(dec(0x0002010800420031ull, 0, &d, NULL), 0);
	assert_int_equal(d.g, 3);
	assert_int_equal(d.did, 0x42);
	assert_int_equal(d.sid, 0x108);
	assert_int_equal(d.fm, 2);
	/* 3: context-cache, domain 0xffff. */
	assert_int_equal(dec(0xffff0021ull, 0, &d, NULL), 0);
	assert_int_equal(d.g, 2);
	assert_int_equal(d.did, 0xffff);
	/* 4: IOTLB global. */
	assert_int_equal(dec(0x12, 0, &d, NULL), 0);
	assert_int_equal(d.type, VTD_HW_IOTLB_INV);
	assert_int_equal(d.g, 1);
	/* 5: IOTLB DSI, DID 7. */
	assert_int_equal(dec(0x00070022ull, 0, &d, NULL), 0);
	assert_int_equal(d.g, 2);
	assert_int_equal(d.did, 7);
	assert_false(d.dw);
	/* 6: IOTLB PSI, DW DR, DID 0x1234, ADDR 0x7f000000, IH, AM 3. */
	assert_int_equal(dec(0x123400f2ull, 0x7f000043ull, &d, NULL), 0);
	assert_int_equal(d.g, 3);
	assert_true(d.dw);
	assert_true(d.dr);
	assert_int_equal(d.did, 0x1234);
	assert_int_equal(d.addr, 0x7f000000ull);
	assert_true(d.ih);
	assert_int_equal(d.am, 3);
	/* 7: device-TLB: PFSID 0xabc5 split, MIP 16, SID 0x200, S, ADDR. */
	assert_int_equal(dec(0xabc0020000105003ull, 0x12345001ull, &d, NULL), 0);
	assert_int_equal(d.type, VTD_HW_DEVTLB_INV);
	assert_int_equal(d.pfsid, 0xabc5);
	assert_int_equal(d.mip, 16);
	assert_int_equal(d.sid, 0x200);
	assert_true(d.s);
	assert_int_equal(d.addr, 0x12345000ull);
	/* 8: interrupt entry cache: G, IM 5, IIDX 0x99. */
	assert_int_equal(dec(0x0000009928000014ull, 0, &d, NULL), 0);
	assert_int_equal(d.type, VTD_HW_IEC_INV);
	assert_int_equal(d.g, 1);
	assert_int_equal(d.im, 5);
	assert_int_equal(d.iidx, 0x99);
	/* 9: wait: IF SW FN, StatusData 0xdeadbeef, address 0x80001008. */
	assert_int_equal(dec(0xdeadbeef00000075ull, 0x80001008ull, &d, NULL), 0);
	assert_int_equal(d.type, VTD_HW_INV_WAIT);
	assert_true(d.wif && d.wsw && d.wfn);
	assert_false(d.wpd);
	assert_int_equal(d.status_data, 0xdeadbeefu);
	assert_int_equal(d.addr, 0x80001008ull);
	/* 10: wait with PD and SW. */
	assert_int_equal(dec(0xa5, 0, &d, NULL), 0);
	assert_true(d.wpd && d.wsw);
	assert_false(d.wif || d.wfn);
	/* A wait with neither SW nor IF (FN, PD or nothing) is refused. */
	{
		enum vtd_hw_bad why;

		assert_int_equal(dec(0x85, 0, &d, &why), VTD_HW_IQEI_RSVD);
		assert_int_equal(why, VTD_HW_BAD_WAIT);
		assert_int_equal(dec(0x45, 0, &d, &why), VTD_HW_IQEI_RSVD);
		assert_int_equal(why, VTD_HW_BAD_WAIT);
		assert_int_equal(dec(0x05, 0, &d, &why), VTD_HW_IQEI_RSVD);
		assert_int_equal(dec(0x15, 0, &d, NULL), 0);	/* IF only */
	}
	/* 11: PASID-IOTLB, all of PASID 0x12345 in DID 3. */
	assert_int_equal(dec(0x0001234500030026ull, 0, &d, NULL), 0);
	assert_int_equal(d.type, VTD_HW_PIOTLB_INV);
	assert_int_equal(d.g, 2);
	assert_int_equal(d.did, 3);
	assert_int_equal(d.pasid, 0x12345);
	/* 12: PASID-IOTLB page-selective, AM 9, IH. */
	assert_int_equal(dec(0x0000000100030036ull, 0x40000049ull, &d, NULL), 0);
	assert_int_equal(d.g, 3);
	assert_int_equal(d.pasid, 1);
	assert_int_equal(d.am, 9);
	assert_true(d.ih);
	assert_int_equal(d.addr, 0x40000000ull);
	/* 13: PASID cache, domain-selective DID 0x11. */
	assert_int_equal(dec(0x00110007ull, 0, &d, NULL), 0);
	assert_int_equal(d.type, VTD_HW_PC_INV);
	assert_int_equal(d.g, 0);
	assert_int_equal(d.did, 0x11);
	/* 14: PASID cache, PASID 0xfffff of DID 0x11. */
	assert_int_equal(dec(0x000fffff00110017ull, 0, &d, NULL), 0);
	assert_int_equal(d.g, 1);
	assert_int_equal(d.pasid, 0xfffff);
	/* 15: PASID cache global. */
	assert_int_equal(dec(0x37, 0, &d, NULL), 0);
	assert_int_equal(d.g, 3);
	/* 16: PASID-device-TLB: MIP 31, PFSID 0x123a, SID 0x301, PASID 0x42. */
	assert_int_equal(dec(0x123000420301a1f8ull, 0x5801ull, &d, NULL), 0);
	assert_int_equal(d.type, VTD_HW_PDEVTLB_INV);
	assert_int_equal(d.mip, 31);
	assert_int_equal(d.pfsid, 0x123a);
	assert_int_equal(d.sid, 0x301);
	assert_int_equal(d.pasid, 0x42);
	assert_true(d.s);
	assert_int_equal(d.g, 1);
	assert_int_equal(d.addr, 0x5000);
	/* The little-endian form decodes the same. */
	{
		uint64_t le[2] = { htole64(0x123400f2ull), htole64(0x7f000043ull) };

		assert_int_equal(vtd_hw_decode_le(le, false, &caps_all, &d, NULL), 0);
		assert_int_equal(d.did, 0x1234);
		assert_int_equal(d.am, 3);
	}
}

/*
 * Per type: a valid descriptor and the bits the spec defines in qw0 and qw1
 * (written from the §6.5.2 tables, independently of the decoder's masks).
 */
static const struct {
	uint8_t type;
	uint64_t q0, q1;	/* a valid descriptor */
	uint64_t def0, def1;	/* defined bits */
} spec[] = {
	/* type, G [5:4], DID [31:16], SID [47:32], FM [49:48] */
	{ 1, 0x11, 0, 0xf | F(3, 4) | F(0xffff, 16) | F(0xffff, 32) | F(3, 48), 0 },
	/* type, G, DW [6], DR [7], DID; AM [5:0], IH [6], ADDR [63:12] */
	{ 2, 0x12, 0, 0xf | F(3, 4) | F(3, 6) | F(0xffff, 16), 0x7f | F(0xfffffffffffffull, 12) },
	/* type, PFSID [15:12], MIP [20:16], SID [47:32], PFSID [63:52]; S, ADDR */
	{ 3, 0x3, 0, 0xf | F(0xf, 12) | F(0x1f, 16) | F(0xffff, 32) | F(0xfff, 52),
	  1 | F(0xfffffffffffffull, 12) },
	/* type, G [4], IM [31:27], IIDX [47:32] */
	{ 4, 0x4, 0, 0xf | F(1, 4) | F(0x1f, 27) | F(0xffff, 32), 0 },
	/* type, IF, SW, FN, PD [7:4], StatusData [63:32]; address [63:2] */
	{ 5, 0x25, 0, 0xf | F(0xf, 4) | F(0xffffffffu, 32), ~3ull },
	/* type, G, DID, PASID [51:32]; AM, IH, ADDR */
	{ 6, 0x26, 0, 0xf | F(3, 4) | F(0xffff, 16) | F(0xfffff, 32),
	  0x7f | F(0xfffffffffffffull, 12) },
	/* type, G, DID, PASID */
	{ 7, 0x7, 0, 0xf | F(3, 4) | F(0xffff, 16) | F(0xfffff, 32), 0 },
	/* type, QDEP [8:4], PFSID, SID [31:16], PASID, PFSID; G [0], S [11], ADDR */
	{ 8, 0x8, 0, 0xf | F(0x1f, 4) | F(0xf, 12) | F(0xffff, 16) | F(0xfffff, 32) |
	  F(0xfff, 52), 1 | F(1, 11) | F(0xfffffffffffffull, 12) },
};

/* Every reserved bit of every type, in both words and both widths. */
static void test_reserved_bits(void **state)
{
	struct vtd_hw_desc d;
	enum vtd_hw_bad why;
	unsigned int i, b, w, n = 0;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		uint64_t qw[4] = { spec[i].q0, spec[i].q1, 0, 0 };

		assert_int_equal(vtd_hw_decode(qw, false, &caps_all, &d, NULL), 0);
		assert_int_equal(vtd_hw_decode(qw, true, &caps_all, &d, NULL), 0);
		assert_int_equal(d.type, spec[i].type);
		for (w = 0; w < 4; w++) {
			uint64_t def = w == 0 ? spec[i].def0 | F(7, 9) : w == 1 ? spec[i].def1 : 0;

			for (b = 0; b < 64; b++) {
				uint64_t t[4] = { qw[0], qw[1], 0, 0 };
				bool wide = w >= 2;

				if (def & F(1, b))
					continue;
				t[w] |= F(1, b);
				rc = vtd_hw_decode(t, wide, &caps_all, &d, &why);
				if (rc != VTD_HW_IQEI_RSVD || why != VTD_HW_BAD_RSVD)
					fail_msg("type %u qw%u bit %u: %d", spec[i].type, w, b, rc);
				n++;
			}
		}
	}
	/* 8 types x 2 extra quadwords x 64 bits, plus every qw0/qw1 hole. */
	assert_true(n > 8 * 128);
	/* 128-bit mode never looks at qw2/qw3. */
	{
		uint64_t t[4] = { 0x12, 0, 1, 1 };

		assert_int_equal(vtd_hw_decode(t, false, &caps_all, &d, NULL), 0);
	}
}

static void test_bad_types(void **state)
{
	struct vtd_hw_desc d;
	enum vtd_hw_bad why;
	unsigned int t;

	(void)state;
	/* Types 0 and 9-15, and every type with a high bit [11:9] set. */
	for (t = 0; t < 128; t++) {
		uint64_t q0 = (t & 0xf) | F(t >> 4, 9);

		if (t >= 1 && t <= 8)
			continue;
		assert_int_equal(dec(q0, 0, &d, &why), VTD_HW_IQEI_TYPE);
		assert_int_equal(why, VTD_HW_BAD_TYPE);
	}
	/* Granularities the spec does not define. */
	assert_int_equal(dec(0x01, 0, &d, &why), VTD_HW_IQEI_RSVD);	/* CC G 0 */
	assert_int_equal(why, VTD_HW_BAD_GRAN);
	assert_int_equal(dec(0x02, 0, &d, &why), VTD_HW_IQEI_RSVD);	/* IOTLB G 0 */
	assert_int_equal(why, VTD_HW_BAD_GRAN);
	assert_int_equal(dec(0x06, 0, &d, &why), VTD_HW_IQEI_RSVD);	/* PIOTLB G 0 */
	assert_int_equal(dec(0x16, 0, &d, &why), VTD_HW_IQEI_RSVD);	/* PIOTLB G 1 */
	assert_int_equal(why, VTD_HW_BAD_GRAN);
	assert_int_equal(dec(0x27, 0, &d, &why), VTD_HW_IQEI_RSVD);	/* PC G 2 */
	assert_int_equal(why, VTD_HW_BAD_GRAN);
	/* Type 2 AM above MAMV (9); type 6 takes any AM. */
	assert_int_equal(dec(0x32, 10, &d, &why), VTD_HW_IQEI_RSVD);
	assert_int_equal(why, VTD_HW_BAD_AM);
	assert_int_equal(dec(0x32, 9, &d, NULL), 0);
	assert_int_equal(dec(0x36, 40, &d, NULL), 0);
	/* Features: no DT, no scalable mode; without PSI any AM passes. */
	{
		const struct vtd_hw_caps none = { .feat = 0, .mamv = 0 };
		const uint64_t t3[4] = { 0x3, 0, 0, 0 }, t6[4] = { 0x26, 0, 0, 0 },
			       t8[4] = { 0x8, 0, 0, 0 }, t2[4] = { 0x32, 20, 0, 0 };

		assert_int_equal(vtd_hw_decode(t3, false, &none, &d, &why), VTD_HW_IQEI_TYPE);
		assert_int_equal(why, VTD_HW_BAD_FEATURE);
		assert_int_equal(vtd_hw_decode(t6, false, &none, &d, &why), VTD_HW_IQEI_TYPE);
		assert_int_equal(vtd_hw_decode(t8, false, &none, &d, &why), VTD_HW_IQEI_TYPE);
		assert_int_equal(vtd_hw_decode(t2, false, &none, &d, NULL), 0);
	}
}

static void test_spans_and_names(void **state)
{
	struct vtd_hw_desc d = { .type = VTD_HW_DEVTLB_INV };
	uint64_t a, b;
	char buf[128];

	(void)state;
	d.addr = 0x12345000;
	vtd_hw_devtlb_span(&d, &a, &b);
	assert_int_equal(a, 0x12345000);
	assert_int_equal(b, 0x12345fff);
	d.s = true;		/* page 0x12345: one trailing 1 -> 16 KiB */
	vtd_hw_devtlb_span(&d, &a, &b);
	assert_int_equal(a, 0x12344000);
	assert_int_equal(b, 0x12347fff);
	d.addr = 0x2000;	/* no trailing 1: 8 KiB */
	vtd_hw_devtlb_span(&d, &a, &b);
	assert_int_equal(a, 0x2000);
	assert_int_equal(b, 0x3fff);
	d.addr = 0xfffffffffffff000ull;	/* all ones: everything */
	vtd_hw_devtlb_span(&d, &a, &b);
	assert_int_equal(a, 0);
	assert_int_equal(b, UINT64_MAX);

	d = (struct vtd_hw_desc){ .type = VTD_HW_IOTLB_INV, .addr = 0x7f003000, .am = 3 };
	vtd_hw_page_span(&d, &a, &b);
	assert_int_equal(a, 0x7f000000);
	assert_int_equal(b, 0x7f007fff);
	d.am = 52;
	vtd_hw_page_span(&d, &a, &b);
	assert_int_equal(a, 0);
	assert_int_equal(b, UINT64_MAX);

	assert_string_equal(vtd_hw_op_name(2), "IOTLB_INV");
	assert_string_equal(vtd_hw_op_name(8), "PDEVTLB_INV");
	assert_null(vtd_hw_op_name(0));
	assert_null(vtd_hw_op_name(17));
	assert_int_equal(vtd_hw_op_index(0x205), 0x15);
	assert_int_equal(dec(0x123400f2ull, 0x7f000043ull, &d, NULL), 0);
	vtd_hw_describe(&d, buf, sizeof(buf));
	assert_string_equal(buf, "IOTLB_INV g=3 did=4660 addr=0x7f000000 am=3 ih=1 dw=1 dr=1");
}

/* ----------------------------------------------------------- executor */

static const struct { uint8_t kind; bool global; uint8_t shift; uint32_t s2, s1; uint64_t va; }
ents[] = {
	{ INVT_CACHE_S1, false, 12, 1, 5, VA_X },		/* 0 */
	{ INVT_CACHE_S1, false, 12, 1, 6, VA_X },		/* 1: other PASID */
	{ INVT_CACHE_S1, false, 12, 2, 5, VA_X },		/* 2: other DID */
	{ INVT_CACHE_S2, false, 12, 1, NONE, VA_X },		/* 3 */
	{ INVT_CACHE_S2, false, 12, 2, NONE, VA_X },		/* 4: other DID */
	{ INVT_CACHE_WALK_S1, false, 21, 1, 5, VA_X },		/* 5 */
	{ INVT_CACHE_WALK_S2, false, 21, 1, NONE, VA_X },	/* 6 */
	{ INVT_CACHE_S1, false, 12, 1, 5, VB },			/* 7: other address */
	{ INVT_CACHE_S2, false, 12, 1, NONE, VB },		/* 8 */
	{ INVT_CACHE_S1, true, 12, 1, 5, VA_X },		/* 9: global */
	{ INVT_CACHE_NESTED, false, 12, 1, 5, VB },		/* 10: nested, other address */
};
#define NR_ENTS		(sizeof(ents) / sizeof(ents[0]))
#define ALL_ENTS	((1u << NR_ENTS) - 1)

static const struct {
	const char *name;
	uint64_t q0, q1;
	bool psi;
	uint32_t removed;
} rows[] = {
	{ "IOTLB global", 0x12, 0, true, 0x7ff },
	{ "IOTLB DSI: S2 and S1 of the DID", F(1, 16) | 0x22, 0, true, 0x7eb },
	/* §6.5.2.3: S2 of the range, S1 (leaves, tables) of the DID at any address. */
	{ "IOTLB PSI: S1 of every PASID and address of the DID too", F(1, 16) | 0x32, VA_X, true,
	  0x6eb },
	{ "IOTLB PSI IH keeps second-stage walks", F(1, 16) | 0x32, VA_X | F(1, 6), true, 0x6ab },
	{ "IOTLB PSI without CAP.PSI is a DSI", F(1, 16) | 0x32, VA_X, false, 0x7eb },
	{ "PIOTLB PASID keeps globals", F(5, 32) | F(1, 16) | 0x26, 0, true, 0x4a1 },
	{ "PIOTLB page of the PASID", F(5, 32) | F(1, 16) | 0x36, VA_X, true, 0x221 },
	{ "PIOTLB page IH", F(5, 32) | F(1, 16) | 0x36, VA_X | F(1, 6), true, 0x201 },
	/* Page-selective: globals go whatever the PASID (they serve all PASIDs). */
	{ "PIOTLB other PASID", F(6, 32) | F(1, 16) | 0x36, VA_X, true, 0x202 },
	{ "PIOTLB 2^10 pages from 0", F(5, 32) | F(1, 16) | 0x36, 10, true, 0x221 },
};

static void populate(struct invt_cache *c)
{
	struct invt_cache_match all;
	unsigned int i;

	invt_cache_match_init(&all, INVT_CACHE_K_ALL);
	invt_cache_invalidate(c, &all);
	for (i = 0; i < NR_ENTS; i++) {
		struct invt_cache_entry e = {
			.kind = ents[i].kind, .global = ents[i].global, .shift = ents[i].shift,
			.tag_s2 = ents[i].s2, .tag_s1 = ents[i].s1, .sid = NONE, .ssid = NONE,
			.iova = ents[i].va, .domain = 10, .domain_s2 = INVT_MEM_NO_DOMAIN,
			.cookie = i,
		};

		assert_int_equal(invt_cache_insert(c, &e, NULL), 0);
	}
}

static void add_bit(const struct invt_cache_entry *e, void *arg)
{
	*(uint32_t *)arg |= 1u << e->cookie;
}

static uint32_t survivors(struct invt_cache *c)
{
	uint32_t mask = 0;

	invt_cache_for_each(c, add_bit, &mask);
	return mask;
}

static void test_iotlb_scopes(void **state)
{
	struct invt_cache_config cc = { .nr_sets = 1, .ways = 16, .seed = 1 };
	struct invt_cache *c;
	struct vtd_hw_exec plan;
	struct vtd_hw_desc d;
	size_t i;

	(void)state;
	assert_int_equal(invt_cache_create(&cc, &c), 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		populate(c);
		assert_int_equal(dec(rows[i].q0, rows[i].q1, &d, NULL), 0);
		assert_int_equal(vtd_hw_exec_plan(&d, rows[i].psi, &plan), 0);
		assert_int_equal(plan.kind, VTD_HW_EXEC_TLB);
		assert_true(invt_cache_invalidate(c, &plan.match) >= 0);
		if (plan.has_fs)
			assert_true(invt_cache_invalidate(c, &plan.match_fs) >= 0);
		if (survivors(c) != (ALL_ENTS & ~rows[i].removed))
			fail_msg("%s: survivors %#x, expected %#x", rows[i].name, survivors(c),
				 ALL_ENTS & ~rows[i].removed);
	}
	invt_cache_destroy(c);
}

static void test_devtlb_and_cfg_scopes(void **state)
{
	struct invt_cache_config cc = { .nr_sets = 1, .ways = 8, .seed = 1 };
	static const struct { uint32_t sid, ssid; uint64_t va; } atc[] = {
		{ 4, NONE, VA_X }, { 4, 3, VA_X }, { 4, 3, VA_X + 0x4000 }, { 5, NONE, VA_X },
	};
	static const struct { uint64_t q0, q1; uint32_t removed; } dt[] = {
		{ F(4, 32) | 0x3, VA_X, 0x3 },				/* no PASID: all of it */
		{ F(3, 32) | F(4, 16) | 0x8, VA_X, 0x2 },		/* PASID 3, 4 KiB */
		/* G = 1: ignored by an ATC without Global Invalidate Supported. */
		{ F(3, 32) | F(4, 16) | 0x8, VA_X | 1, 0x2 },
		{ F(7, 32) | F(4, 16) | 0x8, VA_X | 1, 0 },		/* no entry of PASID 7 */
		{ F(3, 32) | F(4, 16) | 0x8, VA_X | 0x3000 | F(1, 11), 0x6 },	/* 32 KiB */
	};
	struct vtd_hw_exec plan;
	struct vtd_hw_desc d;
	struct invt_cache *c;
	size_t i, j;

	(void)state;
	assert_int_equal(invt_cache_create(&cc, &c), 0);
	for (i = 0; i < sizeof(dt) / sizeof(dt[0]); i++) {
		struct invt_cache_match all;

		invt_cache_match_init(&all, INVT_CACHE_K_ALL);
		invt_cache_invalidate(c, &all);
		for (j = 0; j < 4; j++) {
			struct invt_cache_entry e = {
				.kind = INVT_CACHE_ATC, .shift = 12, .tag_s2 = NONE, .tag_s1 = NONE,
				.sid = atc[j].sid, .ssid = atc[j].ssid, .iova = atc[j].va,
				.cookie = j,
			};

			assert_int_equal(invt_cache_insert(c, &e, NULL), 0);
		}
		assert_int_equal(dec(dt[i].q0, dt[i].q1, &d, NULL), 0);
		assert_int_equal(vtd_hw_exec_plan(&d, true, &plan), 0);
		assert_int_equal(plan.kind, VTD_HW_EXEC_DEVTLB);
		assert_int_equal(plan.sid, 4);
		invt_cache_invalidate(c, &plan.match);
		assert_int_equal(survivors(c), 0xf & ~dt[i].removed);
	}
	invt_cache_destroy(c);

	/* Context cache: SID 0x10d, FM 2 ignores SID[2:1]: 0x109/b/d/f. */
	assert_int_equal(dec(F(2, 48) | F(0x10d, 32) | F(9, 16) | 0x31, 0, &d, NULL), 0);
	assert_int_equal(vtd_hw_exec_plan(&d, true, &plan), 0);
	assert_int_equal(plan.kind, VTD_HW_EXEC_CFG);
	assert_true(vtd_hw_cfg_in_scope(&plan.cfg, 0x109, 1, 0));
	assert_true(vtd_hw_cfg_in_scope(&plan.cfg, 0x10f, 2, 7));
	assert_false(vtd_hw_cfg_in_scope(&plan.cfg, 0x108, 1, 0));
	assert_false(vtd_hw_cfg_in_scope(&plan.cfg, 0x119, 1, 0));
	/* Context cache by domain: the PASID entry's DID. */
	assert_int_equal(dec(F(9, 16) | 0x21, 0, &d, NULL), 0);
	assert_int_equal(vtd_hw_exec_plan(&d, true, &plan), 0);
	assert_true(vtd_hw_cfg_in_scope(&plan.cfg, 0x300, 9, 4));
	assert_false(vtd_hw_cfg_in_scope(&plan.cfg, 0x300, 8, 4));
	/* PASID cache: PASID-selective, domain-selective, global. */
	assert_int_equal(dec(F(4, 32) | F(9, 16) | 0x17, 0, &d, NULL), 0);
	assert_int_equal(vtd_hw_exec_plan(&d, true, &plan), 0);
	assert_true(vtd_hw_cfg_in_scope(&plan.cfg, 0x300, 9, 4));
	assert_false(vtd_hw_cfg_in_scope(&plan.cfg, 0x300, 9, 5));
	assert_false(vtd_hw_cfg_in_scope(&plan.cfg, 0x300, 8, 4));
	assert_int_equal(dec(F(9, 16) | 0x07, 0, &d, NULL), 0);
	assert_int_equal(vtd_hw_exec_plan(&d, true, &plan), 0);
	assert_true(vtd_hw_cfg_in_scope(&plan.cfg, 0x1, 9, 77));
	assert_false(vtd_hw_cfg_in_scope(&plan.cfg, 0x1, 10, 77));
	assert_int_equal(dec(0x37, 0, &d, NULL), 0);
	assert_int_equal(vtd_hw_exec_plan(&d, true, &plan), 0);
	assert_true(vtd_hw_cfg_in_scope(&plan.cfg, 0xffff, 0xffff, 0xfffff));
	/* IEC and waits change nothing cached; bad plans are refused. */
	assert_int_equal(dec(0x4, 0, &d, NULL), 0);
	assert_int_equal(vtd_hw_exec_plan(&d, true, &plan), 0);
	assert_int_equal(plan.kind, VTD_HW_EXEC_NONE);
	d = (struct vtd_hw_desc){ .type = 9 };
	assert_int_equal(vtd_hw_exec_plan(&d, true, &plan), -EINVAL);
	d = (struct vtd_hw_desc){ .type = VTD_HW_PC_INV, .g = 2 };
	assert_int_equal(vtd_hw_exec_plan(&d, true, &plan), -EINVAL);
}

/* ------------------------------------------------------------- parser */

static void test_structures(void **state)
{
	uint64_t root[2] = { 0, 0 }, ce[4] = { 0 }, pe[8] = { 0 }, pde, pa;
	struct vtd_hw_pasid p;
	struct vtd_hw_ctx c;
	uint64_t doff, toff;

	(void)state;
	assert_int_equal(vtd_hw_root_parse(root, 0x05, &pa), VTD_HW_CFG_NOT_PRESENT);
	root[0] = 0x81234000ull | 1;
	root[1] = 0x85678000ull | 1;
	assert_int_equal(vtd_hw_root_parse(root, 0x05, &pa), VTD_HW_CFG_OK);
	assert_int_equal(pa, 0x81234000ull);
	assert_int_equal(vtd_hw_root_parse(root, 0x85, &pa), VTD_HW_CFG_OK);
	assert_int_equal(pa, 0x85678000ull);
	root[1] |= F(1, 5);
	assert_int_equal(vtd_hw_root_parse(root, 0x85, &pa), VTD_HW_CFG_RESERVED);

	/* P, DTE, PASIDE, PDTS 1 (256 directory entries), directory; RID_PASID 7. */
	ce[0] = 0x8abcd000ull | F(1, 9) | F(1, 3) | F(1, 2) | 1;
	ce[1] = 7;
	assert_int_equal(vtd_hw_ctx_parse(ce, &c), VTD_HW_CFG_OK);
	assert_true(c.dte && c.paside);
	assert_false(c.pre || c.fpd);
	assert_int_equal(c.pdts, 1);
	assert_int_equal(c.pasid_dir, 0x8abcd000ull);
	assert_int_equal(c.rid_pasid, 7);
	assert_true(vtd_hw_pasid_offset(&c, 0x3fff, &doff, &toff));
	assert_int_equal(doff, 8 * 0xff);
	assert_int_equal(toff, 64 * 0x3f);
	assert_false(vtd_hw_pasid_offset(&c, 0x4000, &doff, &toff));
	ce[3] = 1;
	assert_int_equal(vtd_hw_ctx_parse(ce, &c), VTD_HW_CFG_RESERVED);
	ce[3] = 0;
	ce[1] |= F(1, 21);
	assert_int_equal(vtd_hw_ctx_parse(ce, &c), VTD_HW_CFG_RESERVED);
	ce[0] &= ~1ull;
	assert_int_equal(vtd_hw_ctx_parse(ce, &c), VTD_HW_CFG_NOT_PRESENT);

	pde = 0x8000f000ull | 1;
	assert_int_equal(vtd_hw_pasid_dir_parse(&pde, &pa), VTD_HW_CFG_OK);
	assert_int_equal(pa, 0x8000f000ull);
	pde |= F(1, 2);
	assert_int_equal(vtd_hw_pasid_dir_parse(&pde, &pa), VTD_HW_CFG_RESERVED);

	/* Second stage, AW 2, DID 0x55, PWSNP set (accepted). */
	pe[0] = 0x81111000ull | F(2, 6) | F(2, 2) | 1;
	pe[1] = 0x55 | F(1, 23);
	assert_int_equal(vtd_hw_pasid_parse(pe, &p), VTD_HW_CFG_OK);
	assert_int_equal(p.pgtt, VTD_HW_PGTT_SS);
	assert_int_equal(p.aw, 2);
	assert_int_equal(p.did, 0x55);
	assert_int_equal(p.ssptptr, 0x81111000ull);
	/* First stage, FSPM 1. */
	pe[0] = F(1, 6) | 1;
	pe[2] = 0x82222000ull | F(1, 2);
	assert_int_equal(vtd_hw_pasid_parse(pe, &p), VTD_HW_CFG_OK);
	assert_int_equal(p.pgtt, VTD_HW_PGTT_FS);
	assert_int_equal(p.fspm, 1);
	assert_int_equal(p.fsptptr, 0x82222000ull);
	pe[5] = 1;
	assert_int_equal(vtd_hw_pasid_parse(pe, &p), VTD_HW_CFG_RESERVED);
	pe[5] = 0;
	pe[0] = F(5, 6) | 1;	/* PGTT 5: reserved */
	assert_int_equal(vtd_hw_pasid_parse(pe, &p), VTD_HW_CFG_RESERVED);
	pe[0] = F(1, 6) | F(1, 10) | 1;
	assert_int_equal(vtd_hw_pasid_parse(pe, &p), VTD_HW_CFG_RESERVED);
}

/* -------------------------------------------------------------- queue */

#define NR_EV 512

struct qfx {
	struct invt_mem *mem;
	struct invt_vtd_regs regs;
	struct vtd_hw_queue hq;
	uint64_t qpa;		/* queue memory */
	uint8_t *q;
	uint64_t spa;		/* status words */
	uint32_t *st;
	bool wide;
	uint64_t tail;
	uint64_t qbytes;
	unsigned int nev;
	uint8_t ev_type[NR_EV];
	uint8_t ev[NR_EV];
	unsigned int timeout_sid;	/* device-TLB to this SID times out */
};

static int q_exec(void *arg, const struct vtd_hw_desc *d, const uint64_t qw[4],
		  enum vtd_hw_event ev, unsigned int iqei)
{
	struct qfx *f = arg;

	if (f->nev < NR_EV) {
		f->ev_type[f->nev] = (uint8_t)vtd_hw_op_index(qw[0]);
		f->ev[f->nev] = (uint8_t)(ev == VTD_HW_EV_INVALID ? 0x80 | iqei : ev);
		f->nev++;
	}
	if (ev == VTD_HW_EV_EXEC && d->type == VTD_HW_DEVTLB_INV && d->sid == f->timeout_sid)
		return VTD_HW_EXEC_TIMEOUT;
	return VTD_HW_EXEC_OK;
}

static struct qfx *qfx_new(bool wide, unsigned int qs)
{
	struct invt_mem_config mc = { .nr_frames = 64 };
	struct vtd_hw_queue_exec ex = { .exec = q_exec };
	struct qfx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	ex.arg = f;
	f->timeout_sid = 0x10000;
	assert_int_equal(invt_mem_create(&mc, &f->mem), 0);
	assert_int_equal(invt_mem_alloc_contig(f->mem, 1u << qs, INVT_FRAME_OTHER, 0, 0, &f->qpa),
			 0);
	assert_int_equal(invt_mem_alloc(f->mem, INVT_FRAME_OTHER, 0, 0, &f->spa), 0);
	f->q = invt_mem_va(f->mem, f->qpa);
	f->st = invt_mem_va(f->mem, f->spa);
	f->wide = wide;
	f->qbytes = UINT64_C(4096) << qs;
	vtd_hw_queue_init(&f->hq, &f->regs, f->mem, &caps_all, &ex, VTD_HW_QUEUE_INLINE);
	/* Release: pairs with the consumer's acquire load of IQA. */
	__atomic_store_n(&f->regs.iqa, f->qpa | (wide ? INVT_VTD_IQA_DW : 0) | qs,
			 __ATOMIC_RELEASE);
	return f;
}

static void qfx_free(struct qfx *f)
{
	vtd_hw_queue_destroy(&f->hq);
	invt_mem_destroy(f->mem);
	free(f);
}

/* Write a descriptor at the tail (not yet published). */
static void put(struct qfx *f, uint64_t q0, uint64_t q1)
{
	uint64_t w[4] = { htole64(q0), htole64(q1), 0, 0 };

	memcpy(f->q + f->tail, w, f->wide ? 32 : 16);
	f->tail = (f->tail + (f->wide ? 32 : 16)) % f->qbytes;
}

/* Publish IQT and ring the doorbell. */
static void ring(struct qfx *f)
{
	/* Release: pairs with the consumer's acquire load of IQT. */
	__atomic_store_n(&f->regs.iqt, f->tail, __ATOMIC_RELEASE);
	f->regs.doorbell(f->regs.doorbell_arg);
}

static void clear_fsts(struct qfx *f, uint32_t bits)
{
	/* Release: pairs with the consumer's acquire exchange of the mailbox. */
	__atomic_store_n(&f->regs.fsts_clear, bits, __ATOMIC_RELEASE);
	f->regs.doorbell(f->regs.doorbell_arg);
}

/* Wait descriptor, SW (and IF), status word @i, data @data. */
#define WAIT(f, i, data)	put(f, F(data, 32) | F(1, 5) | F(1, 4) | 0x5, (f)->spa + 4 * (i))

static uint32_t status(struct qfx *f, unsigned int i)
{
	return __atomic_load_n(&f->st[i], __ATOMIC_ACQUIRE);
}

static void test_queue_wait(void **state)
{
	unsigned int w;

	(void)state;
	for (w = 0; w < 2; w++) {
		struct qfx *f = qfx_new(w, 0);
		unsigned int dsz = w ? 32 : 16;

		put(f, 0x12, 0);			/* IOTLB global */
		put(f, 0x15, 0);			/* wait with IF only */
		WAIT(f, 1, 0x1234);
		ring(f);
		assert_int_equal(status(f, 1), 0x1234);
		assert_int_equal(f->regs.iqh, 3 * dsz);
		assert_int_equal(f->regs.ics, INVT_VTD_ICS_IWC);
		assert_int_equal(f->regs.fsts, 0);
		assert_int_equal(f->nev, 3);
		assert_int_equal(f->ev_type[0], VTD_HW_IOTLB_INV);
		assert_int_equal(f->ev_type[2], VTD_HW_INV_WAIT);
		assert_int_equal(f->ev[2], VTD_HW_EV_EXEC);
		/* Defaults: IOTLB 200 + two waits 100. */
		assert_int_equal(vtd_hw_queue_clock(&f->hq), 400);
		assert_int_equal(__atomic_load_n(&f->hq.consumed, __ATOMIC_RELAXED), 3);
		/* Nothing new: nothing happens. */
		ring(f);
		assert_int_equal(f->nev, 3);
		qfx_free(f);
	}
}

/* A wait that neither writes a status nor interrupts stops the queue. */
static void test_queue_silent_wait(void **state)
{
	struct qfx *f = qfx_new(false, 0);
	uint64_t bad_at;

	(void)state;
	put(f, 0x12, 0);
	bad_at = f->tail;
	put(f, 0x45, 0);			/* FN only */
	WAIT(f, 0, 1);
	ring(f);
	assert_int_equal(f->regs.iqh, bad_at);
	assert_int_equal(f->regs.fsts, INVT_VTD_FSTS_IQE);
	assert_int_equal(f->regs.iqer & 0xf, VTD_HW_IQEI_RSVD);
	assert_int_equal(status(f, 0), 0);
	qfx_free(f);
}

static void test_queue_iqe(void **state)
{
	struct qfx *f = qfx_new(false, 0);
	uint64_t bad_at;

	(void)state;
	put(f, 0x12, 0);
	bad_at = f->tail;
	put(f, 0x12 | F(1, 8), 0);		/* IOTLB with reserved bit 8 */
	WAIT(f, 0, 1);
	ring(f);
	assert_int_equal(f->regs.iqh, bad_at);
	assert_int_equal(f->regs.fsts, INVT_VTD_FSTS_IQE);
	assert_int_equal(f->regs.iqer & 0xf, VTD_HW_IQEI_RSVD);
	assert_int_equal(status(f, 0), 0);
	assert_int_equal(f->nev, 2);
	assert_int_equal(f->ev[1], 0x80 | VTD_HW_IQEI_RSVD);
	/* Stopped: ringing again fetches nothing. */
	ring(f);
	assert_int_equal(f->nev, 2);
	assert_int_equal(f->regs.iqh, bad_at);
	/* Software rewrites the bad descriptor and clears IQE: resumes at IQH. */
	{
		uint64_t w[2] = { htole64(0x11), 0 };

		memcpy(f->q + bad_at, w, 16);
	}
	clear_fsts(f, INVT_VTD_FSTS_IQE);
	assert_int_equal(f->regs.fsts, 0);
	assert_int_equal(f->regs.fsts_clear, 0);
	assert_int_equal(status(f, 0), 1);
	assert_int_equal(f->regs.iqh, 48);
	assert_int_equal(f->nev, 4);
	assert_int_equal(f->ev_type[2], VTD_HW_CC_INV);
	assert_int_equal(__atomic_load_n(&f->hq.errors, __ATOMIC_RELAXED), 1);

	/* Bad tails: beyond the queue, and not a descriptor boundary. */
	__atomic_store_n(&f->regs.iqt, 0x1000, __ATOMIC_RELEASE);
	f->regs.doorbell(f->regs.doorbell_arg);
	assert_int_equal(f->regs.fsts, INVT_VTD_FSTS_IQE);
	assert_int_equal(f->regs.iqer & 0xf, VTD_HW_IQEI_TAIL);
	assert_int_equal(f->regs.iqh, 48);
	qfx_free(f);

	f = qfx_new(true, 0);
	__atomic_store_n(&f->regs.iqt, 16, __ATOMIC_RELEASE);
	f->regs.doorbell(f->regs.doorbell_arg);
	assert_int_equal(f->regs.iqer & 0xf, VTD_HW_IQEI_TAIL_ALIGN);
	assert_int_equal(f->regs.iqh, 0);
	/* 256-bit: a set bit in qw2 is a reserved field violation. */
	__atomic_store_n(&f->regs.iqt, 0, __ATOMIC_RELEASE);
	clear_fsts(f, INVT_VTD_FSTS_IQE);
	assert_int_equal(f->regs.fsts, 0);
	{
		uint64_t w[4] = { htole64(0x12), 0, htole64(1), 0 };

		memcpy(f->q, w, 32);
		f->tail = 32;
	}
	ring(f);
	assert_int_equal(f->regs.fsts, INVT_VTD_FSTS_IQE);
	assert_int_equal(f->regs.iqer & 0xf, VTD_HW_IQEI_RSVD);
	assert_int_equal(f->regs.iqh, 0);
	qfx_free(f);
}

static void test_queue_ite(void **state)
{
	struct qfx *f = qfx_new(false, 0);

	(void)state;
	f->timeout_sid = 0x42;
	put(f, F(0x42, 32) | 0x3, 0x5000);	/* device-TLB to 0x42: times out */
	WAIT(f, 0, 1);
	put(f, 0x12, 0);
	WAIT(f, 1, 2);
	ring(f);
	assert_int_equal(f->regs.fsts, INVT_VTD_FSTS_ITE);
	assert_int_equal((f->regs.iqer >> 32) & 0xffff, 0x42);
	/* Everything fetched; the pending waits aborted, nothing written. */
	assert_int_equal(f->regs.iqh, 64);
	assert_int_equal(status(f, 0), 0);
	assert_int_equal(status(f, 1), 0);
	assert_int_equal(f->regs.ics, 0);
	assert_int_equal(f->nev, 4);
	assert_int_equal(f->ev[0], VTD_HW_EV_EXEC);
	assert_int_equal(f->ev[1], VTD_HW_EV_ABORTED);
	assert_int_equal(f->ev[2], VTD_HW_EV_EXEC);
	assert_int_equal(f->ev[3], VTD_HW_EV_ABORTED);
	/* New work waits while ITE is set. */
	WAIT(f, 2, 3);
	ring(f);
	assert_int_equal(f->nev, 4);
	assert_int_equal(status(f, 2), 0);
	clear_fsts(f, INVT_VTD_FSTS_ITE);
	assert_int_equal(status(f, 2), 3);
	assert_int_equal(f->regs.iqh, 80);
	assert_int_equal(f->regs.fsts, 0);
	assert_int_equal(f->ev[4], VTD_HW_EV_EXEC);
	/* A device that answers: no error. */
	put(f, F(0x43, 32) | 0x3, 0x5000);
	WAIT(f, 3, 4);
	ring(f);
	assert_int_equal(status(f, 3), 4);
	assert_int_equal(f->regs.fsts, 0);
	qfx_free(f);
}

/* 300 descriptors through a 256-entry queue, in batches ending in a wait. */
static void test_queue_wrap(void **state)
{
	unsigned int w;

	(void)state;
	for (w = 0; w < 2; w++) {
		struct qfx *f = qfx_new(w, 0);
		unsigned int b, i, dsz = w ? 32 : 16, per = w ? 60 : 100;

		for (b = 0; b < 3; b++) {
			for (i = 0; i + 1 < per; i++)
				put(f, 0x4, 0);		/* interrupt entry cache: no-op */
			WAIT(f, b, b + 1);
			ring(f);
			assert_int_equal(status(f, b), b + 1);
			assert_int_equal(f->regs.iqh, (uint64_t)(b + 1) * per * dsz % f->qbytes);
		}
		assert_int_equal(__atomic_load_n(&f->hq.consumed, __ATOMIC_RELAXED), 3 * per);
		assert_int_equal(f->regs.fsts, 0);
		qfx_free(f);
	}
}

/* ------------------------------------------- driver and unit together */

/*
 * The driver's queue (queue.c) on this consumer, with the consumer run by
 * hand (threaded mode: no doorbell; the test is its thread) so that a
 * driver poll can be placed inside the unit's handling of an ITE.
 */
struct dqfx {
	struct invt_mem *mem;
	struct invt_vtd_regs regs;
	struct vtd_hw_queue hq;
	struct invt_dma_ops dma;
	struct invt_vtd_qi q;
	unsigned int aborted;		/* VTD_HW_EV_ABORTED seen */
	bool poll_in_abort;		/* the driver polls at the first one */
};

static void *dq_alloc(void *arg, size_t bytes, uint64_t *pa)
{
	struct dqfx *f = arg;

	if (invt_mem_alloc_contig(f->mem, (bytes + 4095) / 4096, INVT_FRAME_OTHER, 0, 0, pa))
		return NULL;
	return invt_mem_va(f->mem, *pa);
}

static void dq_free(void *arg, void *va, uint64_t pa, size_t bytes)
{
	struct dqfx *f = arg;

	(void)va;
	invt_mem_free_contig(f->mem, pa, (bytes + 4095) / 4096);
}

static int dq_exec(void *arg, const struct vtd_hw_desc *d, const uint64_t qw[4],
		   enum vtd_hw_event ev, unsigned int iqei)
{
	struct dqfx *f = arg;

	(void)qw;
	(void)iqei;
	if (ev == VTD_HW_EV_ABORTED && !f->aborted++ && f->poll_in_abort)
		/*
		 * A driver thread that runs while the unit handles the
		 * time-out: whatever FSTS and IQH say now must be the whole
		 * truth (no doorbell: the clear it asks for waits in the
		 * mailbox; a short spin limit ends its wait for it).
		 */
		invt_vtd_qi_poll(&f->q);
	if (ev == VTD_HW_EV_EXEC && d->type == VTD_HW_DEVTLB_INV && d->sid == 0x42)
		return VTD_HW_EXEC_TIMEOUT;
	return VTD_HW_EXEC_OK;
}

/* Submit @n raw 128-bit descriptors; return the token of the last wait. */
static uint64_t dq_submit(struct dqfx *f, const uint64_t (*qw)[2], unsigned int n)
{
	uint8_t buf[8][16];
	uint64_t tok = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t w[2] = { htole64(qw[i][0]), htole64(qw[i][1]) };

		memcpy(buf[i], w, 16);
	}
	assert_int_equal(invt_vtd_qi_submit(&f->q, buf, n, NULL, &tok), 0);
	return tok;
}

/*
 * An ITE aborts the two waits the unit fetched (everything up to the IQT it
 * read).  A driver that polls while the unit is still consuming them must
 * not see the error before IQH stopped past them (§6.5.2.10: IQH does not
 * advance while ITE is set): it would record only the waits below the IQH
 * it read, clear ITE, and the others would stay pending for ever - their
 * status never written, never recorded as aborted - holding the queue's
 * room (the stuck state of threaded runs with ITEs).  Both waits must
 * retire, their waiters get -EIO after a fresh wait, and the queue goes on.
 */
static void test_queue_ite_driver(void **state)
{
	const uint64_t b1[2][2] = { { F(0x42, 32) | 0x3, 0x5000 },	/* times out */
				    { 0x5 | F(1, 5) | F(1, 6), 0 } };	/* wait, SW FN */
	const uint64_t b2[2][2] = { { 0x12, 0 }, { 0x5 | F(1, 5) | F(1, 6), 0 } };
	struct invt_mem_config mc = { .nr_frames = 64 };
	struct vtd_hw_queue_exec ex = { .exec = dq_exec };
	struct dqfx *f = calloc(1, sizeof(*f));
	uint64_t t1, t2, t3;

	(void)state;
	assert_non_null(f);
	assert_int_equal(invt_mem_create(&mc, &f->mem), 0);
	f->dma = (struct invt_dma_ops){ dq_alloc, dq_free, f };
	ex.arg = f;
	vtd_hw_queue_init(&f->hq, &f->regs, f->mem, &caps_all, &ex, VTD_HW_QUEUE_THREADED);
	assert_int_equal(invt_vtd_qi_init(&f->q, &f->regs, 0, false, &f->dma), 0);
	f->q.spin_limit = 256;
	f->poll_in_abort = true;

	t1 = dq_submit(f, b1, 2);
	t2 = dq_submit(f, b2, 2);
	vtd_hw_queue_run(&f->hq);		/* the time-out, both waits aborted */
	assert_int_equal(f->aborted, 2);
	assert_int_equal(f->regs.iqh, 4 * 16);
	/* The unit takes any clear asked for, the driver recovers, the unit resumes. */
	vtd_hw_queue_run(&f->hq);
	invt_vtd_qi_poll(&f->q);
	vtd_hw_queue_run(&f->hq);
	assert_int_equal(f->regs.fsts, 0);
	assert_int_equal(__atomic_load_n(&f->q.stats.ite, __ATOMIC_RELAXED), 1);
	assert_int_equal(__atomic_load_n(&f->q.stats.aborted, __ATOMIC_RELAXED), 2);
	/* Nothing pending: every wait written retired. */
	assert_int_equal(f->q.pend_first, f->q.pend_last);
	assert_int_equal(__atomic_load_n(&f->q.retired, __ATOMIC_RELAXED), f->q.prod);

	/* The waiters resubmit; with the unit on its thread their waits complete. */
	f->q.spin_limit = INVT_VTD_QI_DEFAULT_SPINS;
	assert_int_equal(vtd_hw_queue_start(&f->hq), 0);
	assert_int_equal(invt_vtd_qi_wait(&f->q, t1), -EIO);
	assert_int_equal(invt_vtd_qi_wait(&f->q, t2), -EIO);
	t3 = dq_submit(f, b2, 2);
	assert_int_equal(invt_vtd_qi_wait(&f->q, t3), 0);
	vtd_hw_queue_stop(&f->hq);
	assert_int_equal(__atomic_load_n(&f->q.stats.ite, __ATOMIC_RELAXED), 1);
	assert_int_equal(__atomic_load_n(&f->q.stats.timeouts, __ATOMIC_RELAXED), 0);

	invt_vtd_qi_destroy(&f->q);
	vtd_hw_queue_destroy(&f->hq);
	invt_mem_destroy(f->mem);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_reserved_bits),
		cmocka_unit_test(test_bad_types),
		cmocka_unit_test(test_spans_and_names),
		cmocka_unit_test(test_iotlb_scopes),
		cmocka_unit_test(test_devtlb_and_cfg_scopes),
		cmocka_unit_test(test_structures),
		cmocka_unit_test(test_queue_wait),
		cmocka_unit_test(test_queue_silent_wait),
		cmocka_unit_test(test_queue_iqe),
		cmocka_unit_test(test_queue_ite),
		cmocka_unit_test(test_queue_wrap),
		cmocka_unit_test(test_queue_ite_driver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
