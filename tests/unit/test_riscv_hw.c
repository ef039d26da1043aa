// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_riscv_hw.c - the RISC-V IOMMU hardware side on its own: the command
 * decoder (src/arch/riscv/hw-decode.c), the executor's plans (hw-exec.c)
 * and the command-queue consumer (hw-queue.c) driven by a recording
 * executor.
 *
 * Commands are built by hand from the specification's bit positions (the
 * helpers below), never with the driver's encoder.  Worker threads never
 * assert: they count failures for the main thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/cache.h>
#include <invtrack/riscv-regs.h>

/* By path: other arches have headers of the same names on the include path. */
#include "../../src/arch/riscv/hw-exec.h"
#include "../../src/arch/riscv/hw-queue.h"
#include "../../src/arch/riscv/hw.h"

#define CAPS_BASE	(INVT_RV_CAP_ATS | INVT_RV_CAP_PD8)
#define CAPS_ALL	(CAPS_BASE | INVT_RV_CAP_NL | INVT_RV_CAP_S)
#define VA_X		UINT64_C(0x200000)
#define VB		UINT64_C(0x40000000)

/* ------------------------------------------------- building commands */

/* @v placed at bit @lo (a field of the spec's diagrams). */
#define f(v, lo)	((uint64_t)(v) << (lo))
/* opcode dw0[6:0], func3 dw0[9:7] */
#define op(o, f3)	(f(o, 0) | f(f3, 7))
/* IOTINVAL ADDR[63:12] lives in dw1[61:10]. */
#define iot_addr(a)	f((uint64_t)(a) >> 12, 10)

static const struct rv_hw_limits lim_all = { .caps = CAPS_ALL, .wsi = true };
static const struct rv_hw_limits lim_base = { .caps = CAPS_BASE };

/* ------------------------------------------------------ the vectors */

struct vec {
	const char *name;
	uint64_t dw[2];
	struct rv_hw_cmd want;	/* kind and the fields listed */
};

static void assert_cmd_eq(const char *name, const struct rv_hw_cmd *a, const struct rv_hw_cmd *b)
{
	if (a->kind != b->kind || a->av != b->av || a->pscv != b->pscv || a->gv != b->gv ||
	    a->nl != b->nl || a->s != b->s || a->wsi != b->wsi || a->pr != b->pr ||
	    a->pw != b->pw || a->dv != b->dv || a->pv != b->pv || a->dsv != b->dsv ||
	    a->g != b->g || a->ats_s != b->ats_s || a->pscid != b->pscid ||
	    a->gscid != b->gscid || a->pid != b->pid || a->did != b->did || a->rid != b->rid ||
	    a->dseg != b->dseg || a->data != b->data || a->addr != b->addr ||
	    a->prgi != b->prgi || a->resp != b->resp || a->dst != b->dst)
		fail_msg("%s: decoded fields differ (kind %u/%u addr %#llx/%#llx)", name, a->kind,
			 b->kind, (unsigned long long)a->addr, (unsigned long long)b->addr);
}

static const struct vec vecs[] = {
	{ "VMA all", { op(1, 0), 0 }, { .kind = 1 } },
	{ "VMA AV PSCV", { op(1, 0) | f(1, 10) | f(0x12345, 12) | f(1, 32), iot_addr(0x7ffff000) },
	  { .kind = 1, .av = true, .pscv = true, .pscid = 0x12345, .addr = 0x7ffff000 } },
	{ "VMA GV", { op(1, 0) | f(1, 33) | f(0xbeef, 44), 0 },
	  { .kind = 1, .gv = true, .gscid = 0xbeef } },
	{ "VMA GV PSCV AV high address",
	  { op(1, 0) | f(1, 10) | f(0xfffff, 12) | f(3, 32) | f(0xffff, 44),
	    iot_addr(0xfffffffffffff000ull) },
	  { .kind = 1, .av = true, .pscv = true, .gv = true, .pscid = 0xfffff, .gscid = 0xffff,
	    .addr = 0xfffffffffffff000ull } },
	{ "VMA PSCID ignored without PSCV", { op(1, 0) | f(0x777, 12) | f(5, 44), 0 },
	  { .kind = 1 } },
	{ "VMA S (NAPOT)", { op(1, 0) | f(1, 10), iot_addr(0x201000) | f(1, 9) },
	  { .kind = 1, .av = true, .s = true, .addr = 0x201000 } },
	{ "VMA NL", { op(1, 0) | f(1, 10) | f(1, 34), iot_addr(VA_X) },
	  { .kind = 1, .av = true, .nl = true, .addr = VA_X } },
	{ "VMA ADDR ignored without AV", { op(1, 0), iot_addr(VA_X) | f(1, 9) }, { .kind = 1 } },
	{ "GVMA all VMs (AV ignored)", { op(1, 1) | f(1, 10), iot_addr(VA_X) }, { .kind = 33 } },
	{ "GVMA GV AV", { op(1, 1) | f(1, 10) | f(1, 33) | f(9, 44), iot_addr(0x123456000ull) },
	  { .kind = 33, .av = true, .gv = true, .gscid = 9, .addr = 0x123456000ull } },
	{ "GVMA GV", { op(1, 1) | f(1, 33) | f(0x8000, 44), 0 },
	  { .kind = 33, .gv = true, .gscid = 0x8000 } },
	{ "IOFENCE.C AV PR PW", { op(2, 0) | f(1, 10) | f(3, 12) | f(0xdeadbeef, 32),
				  f(0x80001004ull >> 2, 0) },
	  { .kind = 2, .av = true, .pr = true, .pw = true, .data = 0xdeadbeef,
	    .addr = 0x80001004ull } },
	{ "IOFENCE.C DATA ignored without AV", { op(2, 0) | f(1, 13) | f(0x55, 32), f(7, 0) },
	  { .kind = 2, .pw = true } },
	{ "IOFENCE.C WSI", { op(2, 0) | f(1, 11), 0 }, { .kind = 2, .wsi = true } },
	{ "INVAL_DDT all", { op(3, 0), 0 }, { .kind = 3 } },
	{ "INVAL_DDT DID", { op(3, 0) | f(1, 33) | f(0x45, 40), 0 },
	  { .kind = 3, .dv = true, .did = 0x45 } },
	{ "INVAL_PDT", { op(3, 1) | f(0xab, 12) | f(1, 33) | f(3, 40), 0 },
	  { .kind = 35, .dv = true, .did = 3, .pid = 0xab } },
	{ "ATS.INVAL PV DSV S", { op(4, 0) | f(7, 12) | f(3, 32) | f(0x1234, 40) | f(0x5a, 56),
				  0x7fff0000ull | f(1, 11) },
	  { .kind = 4, .pv = true, .dsv = true, .ats_s = true, .pid = 7, .rid = 0x1234,
	    .dseg = 0x5a, .addr = 0x7fff0000ull } },
	{ "ATS.INVAL G no PASID", { op(4, 0) | f(0x99, 12) | f(0x22, 40) | f(0x11, 56),
				    0xabc000ull | 1 },
	  { .kind = 4, .g = true, .rid = 0x22, .addr = 0xabc000ull } },
	{ "ATS.PRGR", { op(4, 1) | f(0x1f, 12) | f(1, 32) | f(0xbeef, 40),
			f(0x1ff, 32) | f(0xf, 44) | f(0xabcd, 48) },
	  { .kind = 36, .pv = true, .pid = 0x1f, .rid = 0xbeef, .prgi = 0x1ff, .resp = 0xf,
	    .dst = 0xabcd } },
};

static void test_vectors(void **state)
{
	struct rv_hw_cmd c;
	enum rv_hw_ill why;
	uint8_t le[16];
	uint64_t dw[2];
	size_t i;
	int b;

	(void)state;
	assert_true(sizeof(vecs) / sizeof(vecs[0]) >= 15);
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		if (rv_hw_decode(vecs[i].dw, &lim_all, &c, &why))
			fail_msg("%s: rejected (%d)", vecs[i].name, why);
		assert_int_equal(why, RV_HW_ILL_NONE);
		assert_cmd_eq(vecs[i].name, &c, &vecs[i].want);
		/* the queue's byte view gives the same words */
		for (b = 0; b < 16; b++)
			le[b] = (uint8_t)(vecs[i].dw[b >> 3] >> (8 * (b & 7)));
		rv_hw_words_le(le, dw);
		assert_int_equal(dw[0], vecs[i].dw[0]);
		assert_int_equal(dw[1], vecs[i].dw[1]);
	}
}

/* ------------------------------------------------- reserved bits */

struct field {
	unsigned int lo, width;
};

/* The defined fields of each kind, written from the diagrams (not hw-decode.c). */
static const struct {
	uint64_t base[2];
	struct field f0[10], f1[4];
} layouts[] = {
	/* IOTINVAL.VMA: opcode, func3, AV, PSCID, PSCV, GV, GSCID | ADDR */
	{ { 0x1, 0 }, { { 0, 7 }, { 7, 3 }, { 10, 1 }, { 12, 20 }, { 32, 1 }, { 33, 1 },
		       { 44, 16 } }, { { 10, 52 } } },
	/* IOTINVAL.GVMA: the same (PSCV itself is illegal: not flipped below) */
	{ { 0x81, 0 }, { { 0, 7 }, { 7, 3 }, { 10, 1 }, { 12, 20 }, { 32, 1 }, { 33, 1 },
			{ 44, 16 } }, { { 10, 52 } } },
	/* IOFENCE.C: AV, PR, PW, DATA | ADDR[63:2] */
	{ { 0x2, 0 }, { { 0, 7 }, { 7, 3 }, { 10, 1 }, { 12, 2 }, { 32, 32 } }, { { 0, 62 } } },
	/* IODIR.INVAL_DDT: DV, DID */
	{ { 0x3, 0 }, { { 0, 7 }, { 7, 3 }, { 33, 1 }, { 40, 24 } }, { { 0, 0 } } },
	/* IODIR.INVAL_PDT: PID, DV, DID */
	{ { 0x83 | (1ull << 33), 0 }, { { 0, 7 }, { 7, 3 }, { 12, 20 }, { 33, 1 }, { 40, 24 } },
	  { { 0, 0 } } },
	/* ATS.INVAL: PID, PV, DSV, RID, DSEG | G, S, address */
	{ { 0x4, 0 }, { { 0, 7 }, { 7, 3 }, { 12, 20 }, { 32, 1 }, { 33, 1 }, { 40, 16 },
		       { 56, 8 } }, { { 0, 1 }, { 11, 1 }, { 12, 52 } } },
	/* ATS.PRGR: as ATS.INVAL | PRGI, response, destination */
	{ { 0x84, 0 }, { { 0, 7 }, { 7, 3 }, { 12, 20 }, { 32, 1 }, { 33, 1 }, { 40, 16 },
			{ 56, 8 } }, { { 32, 9 }, { 44, 4 }, { 48, 16 } } },
};

static uint64_t defined(const struct field *fl, unsigned int n)
{
	uint64_t m = 0;
	unsigned int i;

	for (i = 0; i < n && fl[i].width; i++)
		m |= (fl[i].width == 64 ? ~0ull : ((1ull << fl[i].width) - 1)) << fl[i].lo;
	return m;
}

static void test_reserved_bits(void **state)
{
	unsigned int k, bit, checked = 0;
	struct rv_hw_cmd c;
	enum rv_hw_ill why;

	(void)state;
	for (k = 0; k < sizeof(layouts) / sizeof(layouts[0]); k++) {
		uint64_t m[2] = { defined(layouts[k].f0, 10), defined(layouts[k].f1, 4) };

		assert_int_equal(rv_hw_decode(layouts[k].base, &lim_base, &c, NULL), 0);
		for (bit = 10; bit < 128; bit++) {
			uint64_t dw[2] = { layouts[k].base[0], layouts[k].base[1] };

			if (m[bit >> 6] & (1ull << (bit & 63)))
				continue;
			dw[bit >> 6] |= 1ull << (bit & 63);
			if (rv_hw_decode(dw, &lim_base, &c, &why) != -EINVAL ||
			    why != RV_HW_ILL_RESERVED)
				fail_msg("kind %u: reserved bit %u accepted", k, bit);
			checked++;
		}
	}
	assert_int_equal(checked, 302);	/* 27 + 27 + 21 + 93 + 73 + 18 + 43 */
	/* NL (bit 34), S (bit 73) and WSI (bit 11) exist only with their feature */
	{
		uint64_t nl[2] = { 0x1 | f(1, 10) | f(1, 34), 0 };
		uint64_t s[2] = { 0x1 | f(1, 10), f(1, 9) };
		uint64_t wsi[2] = { 0x2 | f(1, 11), 0 };
		struct rv_hw_limits nl_only = { .caps = CAPS_BASE | INVT_RV_CAP_NL };

		assert_int_equal(rv_hw_decode(nl, &lim_base, &c, &why), -EINVAL);
		assert_int_equal(why, RV_HW_ILL_RESERVED);
		assert_int_equal(rv_hw_decode(nl, &nl_only, &c, NULL), 0);
		assert_true(c.nl);
		assert_int_equal(rv_hw_decode(s, &nl_only, &c, &why), -EINVAL);
		assert_int_equal(rv_hw_decode(s, &lim_all, &c, NULL), 0);
		assert_true(c.s);
		assert_int_equal(rv_hw_decode(wsi, &lim_base, &c, &why), -EINVAL);
		assert_int_equal(rv_hw_decode(wsi, &lim_all, &c, NULL), 0);
	}
}

static void test_opcodes_and_rules(void **state)
{
	struct rv_hw_limits no_ats = { .caps = INVT_RV_CAP_PD8 }, narrow = lim_base;
	unsigned int o, f3, legal = 0;
	struct rv_hw_cmd c;
	enum rv_hw_ill why;

	(void)state;
	for (o = 0; o < 128; o++) {
		for (f3 = 0; f3 < 8; f3++) {
			/* IODIR.INVAL_PDT needs DV: give every candidate DV (bit 33) */
			uint64_t dw[2] = { op(o, f3) | (o == 3 && f3 == 1 ? f(1, 33) : 0), 0 };
			int ok = (o >= 1 && o <= 4 && f3 <= 1) && !(o == 2 && f3 == 1);
			int rc = rv_hw_decode(dw, &lim_all, &c, &why);

			if (ok) {
				assert_int_equal(rc, 0);
				assert_int_equal(c.kind, o | f3 << 5);
				legal++;
				continue;
			}
			assert_int_equal(rc, -EINVAL);
			assert_int_equal(why, o >= 64 ? RV_HW_ILL_CUSTOM : RV_HW_ILL_OPCODE);
		}
	}
	assert_int_equal(legal, 7);
	/* GVMA with PSCV = 1; INVAL_PDT with DV = 0; ATS without capabilities.ATS */
	assert_int_equal(rv_hw_decode((uint64_t[]){ op(1, 1) | f(1, 32), 0 }, &lim_all, &c, &why),
			 -EINVAL);
	assert_int_equal(why, RV_HW_ILL_PSCV);
	assert_int_equal(rv_hw_decode((uint64_t[]){ op(3, 1) | f(5, 12), 0 }, &lim_all, &c, &why),
			 -EINVAL);
	assert_int_equal(why, RV_HW_ILL_DV);
	assert_int_equal(rv_hw_decode((uint64_t[]){ op(4, 0), 0 }, &no_ats, &c, &why), -EINVAL);
	assert_int_equal(why, RV_HW_ILL_UNSUPPORTED);
	/* widths: 1LVL base format has 7-bit device_ids, PD8 8-bit process_ids */
	narrow.did_bits = 7;
	assert_int_equal(rv_hw_decode((uint64_t[]){ op(3, 0) | f(1, 33) | f(127, 40), 0 }, &narrow,
				      &c, NULL), 0);
	assert_int_equal(rv_hw_decode((uint64_t[]){ op(3, 0) | f(1, 33) | f(128, 40), 0 }, &narrow,
				      &c, &why), -EINVAL);
	assert_int_equal(why, RV_HW_ILL_WIDTH);
	assert_int_equal(rv_hw_decode((uint64_t[]){ op(3, 1) | f(1, 33) | f(255, 12), 0 },
				      &narrow, &c, NULL), 0);
	assert_int_equal(rv_hw_decode((uint64_t[]){ op(3, 1) | f(1, 33) | f(256, 12), 0 },
				      &narrow, &c, &why), -EINVAL);
	assert_int_equal(why, RV_HW_ILL_WIDTH);
	assert_string_equal(rv_hw_cmd_name(33), "IOTINVAL.GVMA");
	assert_null(rv_hw_cmd_name(5));
}

static void test_spans(void **state)
{
	struct rv_hw_cmd c = { .kind = RV_HW_IOTINVAL_VMA, .av = true };
	uint64_t a, b;

	(void)state;
	c.addr = 0x12345000;		/* S = 0: the page */
	rv_hw_iotinval_span(&c, &a, &b);
	assert_int_equal(a, 0x12345000);
	assert_int_equal(b, 0x12345fff);
	c.s = true;
	c.addr = 0x12344000;		/* page number ...0: X = 0, 8 KiB */
	rv_hw_iotinval_span(&c, &a, &b);
	assert_int_equal(a, 0x12344000);
	assert_int_equal(b, 0x12345fff);
	c.addr = 0x12347000;		/* ...0111: X = 3, 16 pages */
	rv_hw_iotinval_span(&c, &a, &b);
	assert_int_equal(a, 0x12340000);
	assert_int_equal(b, 0x1234ffff);
	c.addr = 0x7ffffffffffff000ull;	/* all but the top bit: everything */
	rv_hw_iotinval_span(&c, &a, &b);
	assert_int_equal(a, 0);
	assert_int_equal(b, UINT64_MAX);
	c.addr = 0xfffffffffffff000ull;	/* all ones (UNSPECIFIED): everything */
	rv_hw_iotinval_span(&c, &a, &b);
	assert_int_equal(a, 0);
	assert_int_equal(b, UINT64_MAX);

	c = (struct rv_hw_cmd){ .kind = RV_HW_ATS_INVAL, .addr = 0xabc000 };
	rv_hw_ats_span(&c, &a, &b);
	assert_int_equal(a, 0xabc000);
	assert_int_equal(b, 0xabcfff);
	c.ats_s = true;
	c.addr = 0xab3000;		/* two trailing ones: 8 KiB << 2 = 32 KiB */
	rv_hw_ats_span(&c, &a, &b);
	assert_int_equal(a, 0xab0000);
	assert_int_equal(b, 0xab7fff);
	c.addr = 0xfffffffffffff000ull;
	rv_hw_ats_span(&c, &a, &b);
	assert_int_equal(a, 0);
	assert_int_equal(b, UINT64_MAX);
}

/* ---------------------------------------------------- executor scopes */

#define HOST	RV_HW_EXEC_HOST
#define NONE	INVT_CACHE_ID_NONE
/* ipa: a combined entry's GPA (what GVMA by address compares), else 0. */
static const struct {
	uint8_t kind; bool global; uint8_t shift; uint32_t s2, s1; uint64_t va, ipa;
} ents[] = {
	{ INVT_CACHE_S1, false, 12, HOST, 5, VA_X, 0 },		/* 0 */
	{ INVT_CACHE_S1, false, 12, HOST, 6, VA_X, 0 },		/* 1: other PSCID */
	{ INVT_CACHE_S1, true, 12, HOST, 5, VA_X, 0 },		/* 2: global */
	{ INVT_CACHE_S1, false, 12, HOST, 5, VB, 0 },		/* 3: other VA */
	{ INVT_CACHE_WALK_S1, false, 21, HOST, 5, VA_X, 0 },	/* 4: walk */
	{ INVT_CACHE_S1, false, 12, 1, 5, VA_X, 0 },		/* 5: VM 1 first stage */
	{ INVT_CACHE_NESTED, false, 12, 1, 5, VA_X, VA_X },	/* 6: VM 1 combined */
	{ INVT_CACHE_WALK_S1, false, 21, 1, 5, VA_X, 0 },		/* 7: VM 1 walk */
	{ INVT_CACHE_S2, false, 12, 1, NONE, VA_X, 0 },		/* 8: VM 1 G stage */
	{ INVT_CACHE_WALK_S2, false, 21, 1, NONE, VA_X, 0 },	/* 9: VM 1 G walk */
	{ INVT_CACHE_S2, false, 12, 2, NONE, VA_X, 0 },		/* 10: VM 2 G stage */
	{ INVT_CACHE_S2, false, 12, 1, NONE, VB, 0 },		/* 11: VM 1 other GPA */
	{ INVT_CACHE_S1, false, 12, HOST, 5, VA_X + 0x3000, 0 },	/* 12: 3 pages on */
	{ INVT_CACHE_NESTED, false, 12, 1, 5, VB, VB },		/* 13: VM 1, other GPA */
};
#define NR_ENTS		(sizeof(ents) / sizeof(ents[0]))
#define ALL_ENTS	((1u << NR_ENTS) - 1)

static const struct {
	const char *name;
	uint64_t dw[2];
	uint32_t removed;
} rows[] = {
	{ "VMA host all", { op(1, 0), 0 }, 0x101f },
	{ "VMA PSCV keeps globals", { op(1, 0) | f(1, 32) | f(5, 12), 0 }, 0x1019 },
	{ "VMA AV leaves of the page", { op(1, 0) | f(1, 10), iot_addr(VA_X) }, 0x0007 },
	{ "VMA AV PSCV", { op(1, 0) | f(1, 10) | f(1, 32) | f(5, 12), iot_addr(VA_X) }, 0x0001 },
	{ "VMA AV NL takes walks", { op(1, 0) | f(1, 10) | f(1, 34), iot_addr(VA_X) }, 0x0017 },
	{ "VMA AV S 4 pages", { op(1, 0) | f(1, 10), iot_addr(VA_X + 0x1000) | f(1, 9) },
	  0x1007 },
	{ "VMA GV", { op(1, 0) | f(1, 33) | f(1, 44), 0 }, 0x20e0 },
	{ "VMA GV AV", { op(1, 0) | f(1, 10) | f(1, 33) | f(1, 44), iot_addr(VA_X) }, 0x0060 },
	{ "GVMA all VMs", { op(1, 1), 0 }, 0x2f40 },
	{ "GVMA GV", { op(1, 1) | f(1, 33) | f(1, 44), 0 }, 0x2b40 },
	/* The combined entries of that GPA only (not 13), whatever their VA. */
	{ "GVMA GV AV: leaf + combined of the GPA", { op(1, 1) | f(1, 10) | f(1, 33) | f(1, 44),
						      iot_addr(VA_X) }, 0x0140 },
	{ "GVMA GV AV NL", { op(1, 1) | f(1, 10) | f(1, 33) | f(1, 34) | f(1, 44),
			     iot_addr(VA_X) }, 0x0340 },
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
			.cookie = i, .ipa = ents[i].ipa,
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

static void test_exec_scopes(void **state)
{
	struct invt_cache_config cc = { .nr_sets = 1, .ways = 16, .seed = 1 };
	struct invt_cache *c;
	struct rv_hw_exec p;
	struct rv_hw_cmd hc;
	unsigned int i, j;

	(void)state;
	assert_int_equal(invt_cache_create(&cc, &c), 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		populate(c);
		assert_int_equal(rv_hw_decode(rows[i].dw, &lim_all, &hc, NULL), 0);
		assert_int_equal(rv_hw_exec_plan(&hc, &p), 0);
		assert_int_equal(p.kind, RV_HW_EXEC_TLB);
		for (j = 0; j < p.nr_match; j++)
			assert_true(invt_cache_invalidate(c, &p.match[j]) >= 0);
		if (survivors(c) != (ALL_ENTS & ~rows[i].removed))
			fail_msg("%s: survivors %#x, expected %#x", rows[i].name, survivors(c),
				 ALL_ENTS & ~rows[i].removed);
	}
	invt_cache_destroy(c);
}

static void test_exec_dir_ats(void **state)
{
	struct rv_hw_cmd c;
	struct rv_hw_exec p;

	(void)state;
	/* IODIR.INVAL_DDT DV = 1: every entry of the device, PC or not */
	assert_int_equal(rv_hw_decode((uint64_t[]){ op(3, 0) | f(1, 33) | f(6, 40), 0 }, &lim_all,
				      &c, NULL), 0);
	assert_int_equal(rv_hw_exec_plan(&c, &p), 0);
	assert_int_equal(p.kind, RV_HW_EXEC_DIR);
	assert_true(rv_hw_dir_in_scope(&p.dir, 6, 0, false));
	assert_true(rv_hw_dir_in_scope(&p.dir, 6, 9, true));
	assert_false(rv_hw_dir_in_scope(&p.dir, 7, 0, false));
	/* DV = 0: everything */
	assert_int_equal(rv_hw_decode((uint64_t[]){ op(3, 0), 0 }, &lim_all, &c, NULL), 0);
	assert_int_equal(rv_hw_exec_plan(&c, &p), 0);
	assert_true(rv_hw_dir_in_scope(&p.dir, 99, 3, true));
	/* INVAL_PDT: only what a process context of that PID resolved */
	assert_int_equal(rv_hw_decode((uint64_t[]){ op(3, 1) | f(1, 33) | f(6, 40), 0 }, &lim_all,
				      &c, NULL), 0);
	assert_int_equal(rv_hw_exec_plan(&c, &p), 0);
	assert_true(rv_hw_dir_in_scope(&p.dir, 6, 0, true));
	assert_false(rv_hw_dir_in_scope(&p.dir, 6, 0, false));
	assert_false(rv_hw_dir_in_scope(&p.dir, 6, 1, true));
	/* ATS.INVAL: device_id with the segment, one PASID, PCIe size */
	assert_int_equal(rv_hw_decode((uint64_t[]){ op(4, 0) | f(3, 12) | f(3, 32) | f(0x10, 40) |
						    f(2, 56), 0x12345000ull | f(1, 11) },
				      &lim_all, &c, NULL), 0);
	assert_int_equal(rv_hw_exec_plan(&c, &p), 0);
	assert_int_equal(p.kind, RV_HW_EXEC_ATC);
	assert_int_equal(p.did, 0x20010);
	assert_int_equal(p.pid, 3);
	assert_int_equal(p.match[0].kinds, INVT_CACHE_K(INVT_CACHE_ATC));
	assert_int_equal(p.match[0].sid, 0x20010);
	assert_int_equal(p.match[0].sid_mask, UINT32_MAX);
	assert_int_equal(p.match[0].ssid, 3);
	assert_int_equal(p.match[0].ssid_mask, UINT32_MAX);
	assert_int_equal(p.match[0].start, 0x12344000);
	assert_int_equal(p.match[0].last, 0x12347fff);	/* one trailing 1: 16 KiB */
	/* no PASID: every ssid */
	c.pv = false;
	assert_int_equal(rv_hw_exec_plan(&c, &p), 0);
	assert_int_equal(p.match[0].ssid_mask, 0);
	/* G: ignored (no Global Invalidate Supported), PID's entries alone */
	c.pv = true;
	c.g = true;
	assert_int_equal(rv_hw_exec_plan(&c, &p), 0);
	assert_int_equal(p.match[0].ssid, 3);
	assert_int_equal(p.match[0].ssid_mask, UINT32_MAX);
	/* fences and PRGR change nothing */
	c = (struct rv_hw_cmd){ .kind = RV_HW_IOFENCE_C };
	assert_int_equal(rv_hw_exec_plan(&c, &p), 0);
	assert_int_equal(p.kind, RV_HW_EXEC_NONE);
	c.kind = RV_HW_ATS_PRGR;
	assert_int_equal(rv_hw_exec_plan(&c, &p), 0);
	assert_int_equal(p.kind, RV_HW_EXEC_NONE);
	c.kind = 5;
	assert_int_equal(rv_hw_exec_plan(&c, &p), -EINVAL);
}

/* ------------------------------------------------ the queue consumer */

#define QMEM_BASE	UINT64_C(0x40000000)
#define QLOG2		2	/* 4 entries: no wrap bit, so 3 fit */
#define QN		(1u << QLOG2)
#define FENCE_PA	(QMEM_BASE + 0x1000)

struct qfx {
	struct invt_riscv_regs regs;
	struct rv_hw_queue hq;
	uint8_t mem[0x2000];
	char log[256];		/* E<kind>:<seq> ... F<seq> ... (consumer lock) */
	size_t len;
	unsigned int timeout_kind;	/* exec reports a timeout for it */
	unsigned int traced, traced_err;
	unsigned long execs;	/* atomic */
};

static int q_exec(void *arg, const struct rv_hw_cmd *cmd, uint64_t seq)
{
	struct qfx *q = arg;

	if (q->len + 16 < sizeof(q->log))
		q->len += (size_t)snprintf(q->log + q->len, sizeof(q->log) - q->len, "E%u:%llu ",
					   cmd->kind, (unsigned long long)seq);
	__atomic_fetch_add(&q->execs, 1, __ATOMIC_RELAXED);
	return cmd->kind == q->timeout_kind ? RV_HW_QUEUE_TIMEOUT : 0;
}

static void q_fence(void *arg, const struct rv_hw_cmd *cmd, uint64_t seq, bool timed_out)
{
	struct qfx *q = arg;

	if (q->len + 16 < sizeof(q->log))
		q->len += (size_t)snprintf(q->log + q->len, sizeof(q->log) - q->len, "%s%llu ",
					   timed_out ? "T" : "F", (unsigned long long)seq);
}

static void q_trace(void *arg, const uint64_t dw[2], unsigned int err)
{
	struct qfx *q = arg;

	q->traced++;
	if (err)
		q->traced_err++;
}

static void *q_va(void *arg, uint64_t pa, size_t len)
{
	struct qfx *q = arg;

	if (pa < QMEM_BASE || pa + len > QMEM_BASE + sizeof(q->mem))
		return NULL;
	return q->mem + (pa - QMEM_BASE);
}

static struct qfx *q_new(enum rv_hw_queue_mode mode)
{
	struct rv_hw_queue_ops ops = {
		.exec = q_exec, .fence = q_fence, .trace = q_trace, .va = q_va,
	};
	struct qfx *q = calloc(1, sizeof(*q));

	assert_non_null(q);
	ops.arg = q;
	q->timeout_kind = 255;
	q->regs.capabilities = CAPS_BASE;
	assert_int_equal(rv_hw_queue_init(&q->hq, &q->regs, &ops, mode), 0);
	q->regs.cqb = (QMEM_BASE >> 12) << INVT_RV_CQB_PPN_SHIFT | (QLOG2 - 1);
	/* Release: pairs with the consumer's acquire load of cqcsr. */
	__atomic_store_n(&q->regs.cqcsr, INVT_RV_CQCSR_CQEN, __ATOMIC_RELEASE);
	return q;
}

static void q_free(struct qfx *q)
{
	rv_hw_queue_destroy(&q->hq);
	free(q);
}

static uint32_t cqh(struct qfx *q)
{
	/* Acquire: pairs with the consumer's release store of cqh. */
	return __atomic_load_n(&q->regs.cqh, __ATOMIC_ACQUIRE);
}

static uint32_t csr(struct qfx *q)
{
	return __atomic_load_n(&q->regs.cqcsr, __ATOMIC_ACQUIRE);
}

static uint32_t fence_word(struct qfx *q)
{
	return __atomic_load_n((uint32_t *)(q->mem + (FENCE_PA - QMEM_BASE)), __ATOMIC_ACQUIRE);
}

/* Write @n commands at cqt and publish them; ring the doorbell if any. */
static void q_push(struct qfx *q, const uint64_t (*cmds)[2], unsigned int n)
{
	uint32_t t = __atomic_load_n(&q->regs.cqt, __ATOMIC_RELAXED);
	unsigned int i, b;

	for (i = 0; i < n; i++, t = (t + 1) % QN)
		for (b = 0; b < 16; b++)
			q->mem[16 * t + b] = (uint8_t)(cmds[i][b >> 3] >> (8 * (b & 7)));
	/* Release: pairs with the consumer's acquire load of cqt. */
	__atomic_store_n(&q->regs.cqt, t, __ATOMIC_RELEASE);
	if (q->regs.doorbell)
		q->regs.doorbell(q->regs.doorbell_arg);
}

static void q_clear(struct qfx *q, uint32_t bits)
{
	/* Release: pairs with the consumer's acquire exchange. */
	__atomic_store_n(&q->regs.cqcsr_clear, bits, __ATOMIC_RELEASE);
	q->regs.doorbell(q->regs.doorbell_arg);
}

#define VMA		{ op(1, 0), 0 }
#define ATS		{ op(4, 0) | f(1, 40), 0 }
#define FENCE(d)	{ op(2, 0) | f(1, 10) | f(d, 32), FENCE_PA >> 2 }
#define BAD		{ op(9, 0), 0 }

static void test_queue_fence_and_order(void **state)
{
	struct qfx *q = q_new(RV_HW_QUEUE_INLINE);

	(void)state;
	assert_int_equal(csr(q) & INVT_RV_CQCSR_CQON, 0);	/* nothing ran yet */
	q_push(q, (const uint64_t[][2]){ VMA, FENCE(0x1234) }, 2);
	assert_true(csr(q) & INVT_RV_CQCSR_CQON);
	assert_int_equal(fence_word(q), 0x1234);
	assert_int_equal(cqh(q), 2);
	assert_string_equal(q->log, "E1:0 F0 ");
	/* the ATS.INVAL behind the fence runs before the fence completes */
	q->len = 0;
	q_push(q, (const uint64_t[][2]){ VMA, FENCE(0x99), ATS }, 3);
	assert_string_equal(q->log, "E1:1 E4:2 F1 ");
	assert_int_equal(fence_word(q), 0x99);
	assert_int_equal(cqh(q), 1);		/* 2 + 3 entries, mod 4 */
	assert_int_equal(q->hq.consumed, 5);
	assert_int_equal(rv_hw_queue_clock(&q->hq), 100 + 1000 + 100 + 1000 + 500);
	assert_int_equal(q->traced, 5);
	assert_int_equal(q->traced_err, 0);
	q_free(q);
}

static void test_queue_no_wrap_bit(void **state)
{
	struct qfx *q = q_new(RV_HW_QUEUE_INLINE);
	unsigned int i;

	(void)state;
	/* full = cqt == cqh - 1: three entries of four, several times round */
	for (i = 0; i < 5; i++) {
		q_push(q, (const uint64_t[][2]){ VMA, VMA, FENCE(i + 1) }, 3);
		assert_int_equal(cqh(q), (3 * (i + 1)) % QN);
		assert_int_equal(fence_word(q), i + 1);
	}
	assert_int_equal(q->hq.consumed, 15);
	/* empty = cqh == cqt: a doorbell does nothing */
	q->regs.doorbell(q->regs.doorbell_arg);
	assert_int_equal(q->hq.consumed, 15);
	/* cqen off: the queue stops, cqon goes; back on: cqh restarts at 0 */
	__atomic_store_n(&q->regs.cqcsr, 0, __ATOMIC_RELEASE);
	q_push(q, (const uint64_t[][2]){ VMA }, 1);
	assert_int_equal(q->hq.consumed, 15);
	assert_int_equal(csr(q) & INVT_RV_CQCSR_CQON, 0);
	__atomic_store_n(&q->regs.cqt, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&q->regs.cqcsr, INVT_RV_CQCSR_CQEN, __ATOMIC_RELEASE);
	q_push(q, (const uint64_t[][2]){ VMA }, 1);
	assert_int_equal(cqh(q), 1);
	assert_int_equal(q->hq.consumed, 16);
	q_free(q);
}

static void test_queue_cmd_ill(void **state)
{
	struct qfx *q = q_new(RV_HW_QUEUE_INLINE);
	const uint64_t good[2] = VMA;
	unsigned int b;

	(void)state;
	q_push(q, (const uint64_t[][2]){ VMA, BAD, VMA }, 3);
	assert_int_equal(cqh(q), 1);
	assert_true(csr(q) & INVT_RV_CQCSR_CMD_ILL);
	assert_int_equal(q->hq.errors, 1);
	assert_int_equal(q->hq.consumed, 1);
	assert_int_equal(q->traced_err, 1);
	/* stopped: another doorbell does nothing */
	q->regs.doorbell(q->regs.doorbell_arg);
	assert_int_equal(q->hq.consumed, 1);
	/* software rewrites the entry and clears cmd_ill: it resumes there */
	for (b = 0; b < 16; b++)
		q->mem[16 + b] = (uint8_t)(good[b >> 3] >> (8 * (b & 7)));
	q_clear(q, INVT_RV_CQCSR_CMD_ILL);
	assert_int_equal(csr(q) & INVT_RV_CQCSR_CMD_ILL, 0);
	assert_int_equal(__atomic_load_n(&q->regs.cqcsr_clear, __ATOMIC_RELAXED), 0);
	assert_int_equal(cqh(q), 3);
	assert_int_equal(q->hq.consumed, 3);
	/* an illegal command behind an open fence: the fence completes first */
	q->len = 0;
	q_push(q, (const uint64_t[][2]){ FENCE(7), ATS, BAD }, 3);
	assert_string_equal(q->log, "E4:1 F0 ");
	assert_int_equal(fence_word(q), 7);
	assert_int_equal(cqh(q), 1);		/* at BAD: 3 + 2 mod 4 */
	assert_true(csr(q) & INVT_RV_CQCSR_CMD_ILL);
	q_free(q);
}

static void test_queue_cmd_to(void **state)
{
	struct qfx *q = q_new(RV_HW_QUEUE_INLINE);

	(void)state;
	q->timeout_kind = RV_HW_ATS_INVAL;
	q_push(q, (const uint64_t[][2]){ ATS, FENCE(5) }, 2);
	assert_int_equal(cqh(q), 1);		/* at the fence */
	assert_true(csr(q) & INVT_RV_CQCSR_CMD_TO);
	assert_int_equal(fence_word(q), 0);	/* it did not complete */
	assert_string_equal(q->log, "E4:0 T0 ");
	assert_int_equal(q->hq.errors, 1);
	/* cleared: the fence is fetched again and completes */
	q->timeout_kind = 255;
	q_clear(q, INVT_RV_CQCSR_CMD_TO);
	assert_int_equal(csr(q) & INVT_RV_CQCSR_CMD_TO, 0);
	assert_int_equal(fence_word(q), 5);
	assert_int_equal(cqh(q), 2);
	/* a timeout behind a fence is the next fence's to report */
	q->len = 0;
	q->timeout_kind = RV_HW_ATS_INVAL;
	q_push(q, (const uint64_t[][2]){ FENCE(8), ATS, FENCE(9) }, 3);
	assert_string_equal(q->log, "E4:3 F2 T3 ");
	assert_int_equal(fence_word(q), 8);
	assert_int_equal(cqh(q), 0);		/* at the second fence: 2 + 2 mod 4 */
	assert_true(csr(q) & INVT_RV_CQCSR_CMD_TO);
	q_free(q);
}

struct producer {
	struct qfx *q;
	unsigned int rounds;
	unsigned int bad;
};

static void *q_producer(void *arg)
{
	struct producer *p = arg;
	unsigned int i;

	for (i = 1; i <= p->rounds; i++) {
		q_push(p->q, (const uint64_t[][2]){ VMA, FENCE(i) }, 2);
		/* wait for the fence's DATA and cqh past it (acquire loads) */
		while (fence_word(p->q) != i || cqh(p->q) != (2 * i) % QN) {
			if (fence_word(p->q) > i)
				p->bad++;
			sched_yield();
		}
	}
	return NULL;
}

static void test_queue_threaded(void **state)
{
	struct qfx *q = q_new(RV_HW_QUEUE_THREADED);
	struct producer p = { .q = q, .rounds = 500 };
	pthread_t t;

	(void)state;
	assert_null(q->regs.doorbell);
	assert_int_equal(rv_hw_queue_start(&q->hq), 0);
	assert_int_equal(rv_hw_queue_start(&q->hq), -EINVAL);
	assert_int_equal(pthread_create(&t, NULL, q_producer, &p), 0);
	pthread_join(t, NULL);
	rv_hw_queue_stop(&q->hq);
	assert_int_equal(p.bad, 0);
	assert_int_equal(__atomic_load_n(&q->execs, __ATOMIC_RELAXED), 500);
	assert_int_equal(q->hq.consumed, 1000);
	assert_int_equal(q->hq.errors, 0);
	q_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_reserved_bits),
		cmocka_unit_test(test_opcodes_and_rules),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_exec_scopes),
		cmocka_unit_test(test_exec_dir_ats),
		cmocka_unit_test(test_queue_fence_and_order),
		cmocka_unit_test(test_queue_no_wrap_bit),
		cmocka_unit_test(test_queue_cmd_ill),
		cmocka_unit_test(test_queue_cmd_to),
		cmocka_unit_test(test_queue_threaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
