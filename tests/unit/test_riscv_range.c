// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_riscv_range.c - the RISC-V range policy (src/arch/riscv/range.c).
 *
 *  - the Linux rule: per-page IOTINVAL below 2 MiB, one whole-tag command
 *    from 2 MiB (the inverted-threshold bug of docs/lessons.md would fail here);
 *  - non-leaf requests: whole tag without NL, NL = 1 per page with it;
 *  - NAPOT (S = 1): exact, disjoint cover by aligned blocks, lone pages S = 0;
 *  - ATS.INVAL sizing per PCIe, "all", PASID and segment;
 *  - IOTLB_S2_S1_CLEAR's command;
 *  - ranges ending at 2^64 - 1, 2^57 and 2^48 boundaries, under an alarm
 *    (the `end == ULONG_MAX` loop of docs/lessons.md would hang here);
 *  - invt_rv_inv_count() == commands emitted, over random ranges and caps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <invtrack/riscv.h>

#define PAGE	4096ull
#define MiB	(1024 * 1024ull)
#define MAXC	2048
#define TOP	UINT64_MAX

struct out {
	struct invt_rv_cmd c[MAXC];
	size_t n;
	size_t stop_at;		/* return 7 at this command (1-based); 0 never */
};

static int collect(void *arg, const struct invt_rv_cmd *cmd)
{
	struct out *o = arg;
	uint64_t dw[2];

	/* Every command the policy makes must encode. */
	assert_int_equal(invt_rv_cmd_encode(cmd, dw), 0);
	if (o->n < MAXC)
		o->c[o->n] = *cmd;
	o->n++;
	if (o->stop_at && o->n == o->stop_at)
		return 7;
	return 0;
}

static struct out O;

static size_t run(const struct invt_rv_caps *caps, const struct invt_rv_inv *inv)
{
	memset(&O, 0, sizeof(O));
	assert_int_equal(invt_rv_inv_emit(caps, inv, collect, &O), 0);
	assert_int_equal(invt_rv_inv_count(caps, inv), (int64_t)O.n);
	return O.n;
}

static struct invt_rv_inv s1(uint64_t start, uint64_t last)
{
	return (struct invt_rv_inv){ .kind = INVT_RV_INV_S1, .leaf = true, .pscid = 0x77,
				     .start = start, .last = last };
}

static struct invt_rv_inv s2(uint64_t start, uint64_t last)
{
	return (struct invt_rv_inv){ .kind = INVT_RV_INV_S2, .leaf = true, .gscid = 0x55,
				     .start = start, .last = last };
}

static void test_linux_threshold(void **state)
{
	struct invt_rv_caps caps = { 0 };
	struct invt_rv_inv inv;
	size_t i;

	inv = s1(0x10000, 0x10000 + 511 * PAGE - 1);
	assert_int_equal(run(&caps, &inv), 511);
	for (i = 0; i < 511; i++) {
		assert_int_equal(O.c[i].opcode, INVT_RV_OP_IOTINVAL);
		assert_int_equal(O.c[i].func3, INVT_RV_FUNC_VMA);
		assert_true(O.c[i].av && O.c[i].pscv && !O.c[i].gv && !O.c[i].s && !O.c[i].nl);
		assert_int_equal(O.c[i].pscid, 0x77);
		assert_int_equal(O.c[i].addr, 0x10000 + i * PAGE);
	}
	/* 2 MiB: one whole-PSCID command (AV = 0, PSCV = 1). */
	inv = s1(0x10000, 0x10000 + 2 * MiB - 1);
	assert_int_equal(run(&caps, &inv), 1);
	assert_true(!O.c[0].av && O.c[0].pscv && !O.c[0].gv);
	assert_int_equal(O.c[0].pscid, 0x77);
	assert_int_equal(O.c[0].addr, 0);
	/* A sub-page range still costs one page. */
	inv = s1(0x10010, 0x10020);
	assert_int_equal(run(&caps, &inv), 1);
	assert_int_equal(O.c[0].addr, 0x10000);
	/* Two pages touched by 2 bytes. */
	inv = s1(0x10fff, 0x11000);
	assert_int_equal(run(&caps, &inv), 2);
	/* all */
	inv = s1(0, 0);
	inv.all = true;
	assert_int_equal(run(&caps, &inv), 1);
	assert_false(O.c[0].av);
	/* Custom threshold. */
	caps.max_pages = 4;
	inv = s1(0, 3 * PAGE);
	assert_int_equal(run(&caps, &inv), 1);
	inv = s1(0, 3 * PAGE - 1);
	assert_int_equal(run(&caps, &inv), 3);

	/* Second stage: GVMA GV = 1, per page with AV = 1, whole with AV = 0. */
	caps.max_pages = 0;
	inv = s2(0x200000, 0x200000 + 3 * PAGE - 1);
	assert_int_equal(run(&caps, &inv), 3);
	assert_int_equal(O.c[2].func3, INVT_RV_FUNC_GVMA);
	assert_true(O.c[2].gv && O.c[2].av && !O.c[2].pscv);
	assert_int_equal(O.c[2].gscid, 0x55);
	assert_int_equal(O.c[2].addr, 0x202000);
	inv = s2(0, 2 * MiB - 1);
	assert_int_equal(run(&caps, &inv), 1);
	assert_true(O.c[0].gv && !O.c[0].av);
	assert_int_equal(O.c[0].gscid, 0x55);
}

static void test_non_leaf(void **state)
{
	struct invt_rv_caps caps = { 0 };
	struct invt_rv_inv inv = s1(0, 2 * PAGE - 1);

	inv.leaf = false;
	assert_int_equal(run(&caps, &inv), 1);
	assert_false(O.c[0].av);
	caps.nl = true;
	assert_int_equal(run(&caps, &inv), 2);
	assert_true(O.c[0].av && O.c[0].nl && O.c[1].nl);
	/* Leaf requests never set NL. */
	inv.leaf = true;
	assert_int_equal(run(&caps, &inv), 2);
	assert_false(O.c[0].nl);
	/* NAPOT with NL. */
	caps.napot = true;
	inv.leaf = false;
	assert_int_equal(run(&caps, &inv), 1);
	assert_true(O.c[0].s && O.c[0].nl);
}

/* The pages an IOTINVAL (AV = 1) names: [*first, *first + *n). */
static void napot_span(const struct invt_rv_cmd *c, uint64_t *first, uint64_t *n)
{
	uint64_t pn = c->addr >> 12;
	unsigned int x;

	if (!c->s) {
		*first = pn;
		*n = 1;
		return;
	}
	x = (unsigned int)__builtin_ctzll(~pn);	/* the first 0 bit */
	*n = 2ull << x;
	*first = pn & ~(*n - 1);
}

/* The commands cover exactly [start, last] pages, in order, disjoint. */
static void assert_exact_cover(uint64_t firstp, uint64_t lastp)
{
	uint64_t next = firstp, f, n;
	size_t i;

	for (i = 0; i < O.n; i++) {
		napot_span(&O.c[i], &f, &n);
		assert_int_equal(f, next);
		assert_true(n == 1 || !(f & (n - 1)));
		next = f + n;
	}
	assert_int_equal(next - 1, lastp);
}

static void test_napot(void **state)
{
	struct invt_rv_caps caps = { .napot = true };
	struct invt_rv_inv inv;

	inv = s1(0, 2 * MiB - 1);
	assert_int_equal(run(&caps, &inv), 1);
	assert_true(O.c[0].s && O.c[0].av);
	assert_int_equal(O.c[0].addr, 0xff000);	/* page 0xff: 2^9 pages */
	assert_exact_cover(0, 511);

	/* pfn 1..512: 1, 2, 4, ..., 256 then 1: 10 commands. */
	inv = s1(PAGE, 513 * PAGE - 1);
	assert_int_equal(run(&caps, &inv), 10);
	assert_false(O.c[0].s);
	assert_false(O.c[9].s);
	assert_exact_cover(1, 512);

	/* A lone page: S = 0. */
	inv = s1(5 * PAGE, 5 * PAGE);
	assert_int_equal(run(&caps, &inv), 1);
	assert_false(O.c[0].s);
	assert_int_equal(O.c[0].addr, 5 * PAGE);

	/* The whole 64-bit space: one block of 2^52 pages. */
	inv = s1(0, TOP);
	assert_int_equal(run(&caps, &inv), 1);
	assert_int_equal(O.c[0].addr, 0x7ffffffffffff000ull);
	assert_exact_cover(0, (1ull << 52) - 1);

	/* G-stage too. */
	inv = s2(1ull << 30, (1ull << 31) - 1);
	assert_int_equal(run(&caps, &inv), 1);
	assert_int_equal(O.c[0].func3, INVT_RV_FUNC_GVMA);
	assert_true(O.c[0].s && O.c[0].gv && O.c[0].av);
	assert_exact_cover(1ull << 18, (1ull << 19) - 1);
}

/* Ranges at the top of the space, 2^57 and 2^48: bounded by an alarm. */
static void test_top(void **state)
{
	static const uint64_t ends[] = { TOP, (1ull << 57) - 1, 1ull << 57, (1ull << 48) - 1,
					 1ull << 48, (1ull << 57) + PAGE - 1 };
	struct invt_rv_caps none = { 0 }, nap = { .napot = true };
	struct invt_rv_inv inv;
	unsigned int i;

	alarm(100);	/* a hang cap only */
	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		uint64_t e = ends[i], lastp = e >> 12;

		inv = s1(e - 2 * PAGE + 1, e);
		assert_int_equal(run(&none, &inv), 2 + ((e & 0xfff) != 0xfff));
		assert_int_equal(O.c[O.n - 1].addr, lastp << 12);
		inv = s1(e - 4 * MiB + 1, e);
		assert_int_equal(run(&none, &inv), 1);
		inv = s1(PAGE, e);
		assert_int_equal(run(&none, &inv), 1);
		run(&nap, &inv);
		assert_exact_cover(1, lastp);
		inv = s1((e & ~0xfffull) - 300 * PAGE, e);
		run(&nap, &inv);
		assert_exact_cover(lastp - 300, lastp);
		inv = s2(PAGE, e);
		run(&nap, &inv);
		assert_exact_cover(1, lastp);
		inv = (struct invt_rv_inv){ .kind = INVT_RV_INV_ATC, .start = e - PAGE + 1,
					    .last = e };
		assert_int_equal(run(&none, &inv), 1);
	}
	/* [4K, 2^64 - 1] with NAPOT: one block per order 0..51. */
	inv = s1(PAGE, TOP);
	assert_int_equal(run(&nap, &inv), 52);
	alarm(0);
}

static void test_vm_s1_all(void **state)
{
	struct invt_rv_caps caps = { .napot = true, .nl = true };
	struct invt_rv_inv inv = { .kind = INVT_RV_INV_VM_S1_ALL, .gscid = 0x99, .start = 5,
				   .last = 1 };

	assert_int_equal(run(&caps, &inv), 1);
	assert_int_equal(O.c[0].func3, INVT_RV_FUNC_VMA);
	assert_true(O.c[0].gv && !O.c[0].av && !O.c[0].pscv);
	assert_int_equal(O.c[0].gscid, 0x99);
	assert_int_equal(O.c[0].pscid, 0);
}

static void test_atc(void **state)
{
	struct invt_rv_caps caps = { 0 };
	struct invt_rv_inv inv = { .kind = INVT_RV_INV_ATC, .device_id = 0x12345 };

	/* One page: S = 0. */
	inv.start = 0x7000;
	inv.last = 0x7fff;
	assert_int_equal(run(&caps, &inv), 1);
	assert_int_equal(O.c[0].opcode, INVT_RV_OP_ATS);
	assert_int_equal(O.c[0].func3, INVT_RV_FUNC_ATS_INVAL);
	assert_false(O.c[0].s);
	assert_int_equal(O.c[0].addr, 0x7000);
	assert_int_equal(O.c[0].rid, 0x2345);
	assert_true(O.c[0].dsv);
	assert_int_equal(O.c[0].dseg, 1);
	assert_false(O.c[0].pv);
	/* Pages 1..2: fls(1 ^ 2) = 2 -> 4 pages at 0: address[63:12] = 0b1. */
	inv.start = 0x1000;
	inv.last = 0x2fff;
	run(&caps, &inv);
	assert_true(O.c[0].s);
	assert_int_equal(O.c[0].addr, 0x1000);
	/* Pages 0x40..0x7f: 64 pages at 0x40: trailing ones 5. */
	inv.start = 0x40000;
	inv.last = 0x7ffff;
	run(&caps, &inv);
	assert_int_equal(O.c[0].addr, 0x5f000);
	/* all, with a PASID; no segment. */
	inv = (struct invt_rv_inv){ .kind = INVT_RV_INV_ATC, .all = true, .pv = true,
				    .pid = 9, .device_id = 0x42 };
	run(&caps, &inv);
	assert_true(O.c[0].s && O.c[0].pv && !O.c[0].dsv);
	assert_int_equal(O.c[0].addr, INVT_RV_ATS_ADDR_ALL);
	assert_int_equal(O.c[0].pid, 9);
	assert_int_equal(O.c[0].rid, 0x42);
	/* [0, 2^64 - 1] is the same "all" encoding. */
	inv.all = false;
	inv.start = 0;
	inv.last = TOP;
	run(&caps, &inv);
	assert_int_equal(O.c[0].addr, INVT_RV_ATS_ADDR_ALL);
}

static void test_malformed(void **state)
{
	struct invt_rv_caps caps = { 0 };
	struct invt_rv_inv inv = s1(0x2000, 0x1000);

	memset(&O, 0, sizeof(O));
	assert_int_equal(invt_rv_inv_emit(&caps, &inv, collect, &O), -EINVAL);
	assert_int_equal(invt_rv_inv_count(&caps, &inv), -EINVAL);
	inv = s1(0, PAGE);
	inv.kind = 9;
	assert_int_equal(invt_rv_inv_count(&caps, &inv), -EINVAL);
	inv = s1(0, PAGE);
	inv.pscid = 1u << 20;
	assert_int_equal(invt_rv_inv_emit(&caps, &inv, collect, &O), -EINVAL);
	inv = (struct invt_rv_inv){ .kind = INVT_RV_INV_ATC, .pid = 3 };	/* pid without pv */
	assert_int_equal(invt_rv_inv_count(&caps, &inv), -EINVAL);
	inv = (struct invt_rv_inv){ .kind = INVT_RV_INV_ATC, .device_id = 1u << 24 };
	assert_int_equal(invt_rv_inv_count(&caps, &inv), -EINVAL);
	assert_int_equal(O.n, 0);
	/* The emitter's value stops the policy. */
	inv = s1(0, 100 * PAGE - 1);
	O.stop_at = 3;
	assert_int_equal(invt_rv_inv_emit(&caps, &inv, collect, &O), 7);
	assert_int_equal(O.n, 3);
}

static uint64_t rnd64(void)
{
	return (uint64_t)random() << 42 ^ (uint64_t)random() << 21 ^ (uint64_t)random();
}

static void test_count_random(void **state)
{
	unsigned int i;

	srandom(4242);
	alarm(100);	/* a hang cap only */
	for (i = 0; i < 4000; i++) {
		struct invt_rv_caps caps = { .napot = random() & 1, .nl = random() & 1,
					     .max_pages = random() & 1 ? 0 : 1 + random() % 64 };
		uint64_t start = rnd64() >> (random() % 64), len;
		struct invt_rv_inv inv;

		if (random() & 3)
			len = (uint64_t)(random() % 600) * PAGE;
		else
			len = rnd64() >> (random() % 64);
		if (start + len < start)
			len = TOP - start;
		inv = (random() & 1) ? s1(start, start + len) : s2(start, start + len);
		inv.leaf = random() & 1;
		if (!(random() % 8))
			inv.kind = INVT_RV_INV_ATC;
		run(&caps, &inv);
		if (caps.napot && inv.kind != INVT_RV_INV_ATC && (inv.leaf || caps.nl))
			assert_exact_cover(start >> 12, (start + len) >> 12);
	}
	alarm(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_threshold),
		cmocka_unit_test(test_non_leaf),
		cmocka_unit_test(test_napot),
		cmocka_unit_test(test_top),
		cmocka_unit_test(test_vm_s1_all),
		cmocka_unit_test(test_atc),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_count_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
