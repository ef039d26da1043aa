// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_smmuv3_range.c - SMMUv3 range invalidation policy.
 *
 * Each case gives the exact command list.  For every request, the emitted
 * count must equal invt_smmu_inv_count(), every command must encode, decode
 * (through the model's independent decoder, without the RIL feature when the
 * caps have none) and carry the request's tag, and the union of what the
 * decoded commands invalidate must cover the request.
 *
 * INVT_TEST_SEED=<n> in the environment replays the random requests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <invtrack/smmuv3.h>

#include "hw.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TOP UINT64_MAX
#define PG 0x1000ull

enum {
	S1 = INVT_SMMU_INV_S1,
	EL2 = INVT_SMMU_INV_S1_EL2,
	S2 = INVT_SMMU_INV_S2,
	ATC = INVT_SMMU_INV_ATC,
};

/* ---- collecting what the policy emits ---- */

#define MAX_CMDS 1024

struct sink {
	struct invt_smmu_cmd cmd[MAX_CMDS];
	int n;
	int stop_after;	/* > 0: return -EIO from that call on */
};

static int collect(void *arg, const struct invt_smmu_cmd *cmd)
{
	struct sink *s = arg;

	if (s->stop_after && s->n + 1 >= s->stop_after) {
		s->n++;
		return -EIO;
	}
	if (s->n >= MAX_CMDS)
		return -ENOSPC;
	s->cmd[s->n++] = *cmd;
	return 0;
}

struct span {
	uint64_t first, last;
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return (x->first > y->first) - (x->first < y->first);
}

static bool is_whole(uint8_t op)
{
	return op == INVT_SMMU_CMD_TLBI_NH_ASID || op == INVT_SMMU_CMD_TLBI_EL2_ASID ||
	       op == INVT_SMMU_CMD_TLBI_S12_VMALL;
}

/*
 * The checks every request gets.  Returns the number of bytes invalidated
 * beyond the request (saturating), or UINT64_MAX for whole-tag commands.
 */
static uint64_t check_emitted(const struct invt_smmu_caps *caps, const struct invt_smmu_inv *inv,
			      const struct sink *s, const char *what)
{
	unsigned int feat = SMMU_HW_FEAT_ALL & ~(caps->ril ? 0 : SMMU_HW_FEAT_RIL);
	static struct span sp[MAX_CMDS];
	uint64_t covered_to, extra = 0, dw[2];
	struct smmu_hw_cmd d;
	enum smmu_hw_ill why;
	int i;

	if (s->n != invt_smmu_inv_count(caps, inv)) {
		print_error("%s: emitted %d, count says %lld\n", what, s->n,
			    (long long)invt_smmu_inv_count(caps, inv));
		fail();
	}
	for (i = 0; i < s->n; i++) {
		const struct invt_smmu_cmd *c = &s->cmd[i];

		if (invt_smmu_cmd_encode(c, dw) ||
		    smmu_hw_decode(dw, feat, &d, &why) != SMMU_HW_CERROR_NONE) {
			print_error("%s: command %d (op 0x%02x) does not encode/decode (%d)\n",
				    what, i, c->opcode, why);
			fail();
		}
		/* The request's tag, and leaf as asked. */
		switch (inv->kind) {
		case S1:
			assert_true(d.op == INVT_SMMU_CMD_TLBI_NH_VA ||
				    d.op == INVT_SMMU_CMD_TLBI_NH_ASID);
			assert_true(d.vmid == inv->vmid && d.asid == inv->asid);
			break;
		case EL2:
			assert_true(d.op == INVT_SMMU_CMD_TLBI_EL2_VA ||
				    d.op == INVT_SMMU_CMD_TLBI_EL2_ASID);
			assert_true(d.asid == inv->asid);
			break;
		case S2:
			assert_true(d.op == INVT_SMMU_CMD_TLBI_S2_IPA ||
				    d.op == INVT_SMMU_CMD_TLBI_S12_VMALL);
			assert_true(d.vmid == inv->vmid);
			break;
		default:
			assert_int_equal(d.op, INVT_SMMU_CMD_ATC_INV);
			assert_true(d.sid == inv->sid && d.ssv == inv->ssv &&
				    d.ssid == inv->ssid);
			break;
		}
		if (is_whole(d.op)) {
			sp[i].first = 0;
			sp[i].last = TOP;
			extra = UINT64_MAX;
		} else if (d.op == INVT_SMMU_CMD_ATC_INV) {
			smmu_hw_atc_span(&d, &sp[i].first, &sp[i].last);
		} else {
			assert_int_equal(d.leaf, inv->leaf);
			smmu_hw_tlbi_span(&d, &sp[i].first, &sp[i].last);
		}
	}
	if (inv->all) {
		assert_int_equal(s->n, 1);
		assert_true(sp[0].first == 0 && sp[0].last == TOP);
		return UINT64_MAX;
	}
	/* The union must cover [start, last]. */
	qsort(sp, (size_t)s->n, sizeof(sp[0]), span_cmp);
	covered_to = inv->start;	/* first byte not yet covered */
	for (i = 0; i < s->n; i++) {
		if (sp[i].first > covered_to)
			break;
		if (sp[i].last >= covered_to) {
			if (sp[i].last >= inv->last)
				break;
			covered_to = sp[i].last + 1;
		}
	}
	if (i == s->n || sp[i].first > covered_to) {
		print_error("%s: byte 0x%llx not covered\n", what, (unsigned long long)covered_to);
		fail();
	}
	if (extra == UINT64_MAX)
		return extra;
	/* Over-invalidation, outside the request's pages. */
	for (i = 0; i < s->n; i++) {
		uint64_t lo = inv->start & ~(PG - 1), hi = inv->last | (PG - 1);

		if (sp[i].first < lo)
			extra += lo - sp[i].first;
		if (sp[i].last > hi)
			extra += sp[i].last - hi;
	}
	return extra;
}

/* ---- the table ---- */

/* One expected command (fields not listed are checked by check_emitted). */
struct exp {
	uint8_t op;
	uint64_t addr;
	uint8_t num, scale, tg, size;
};

struct rcase {
	const char *name;
	bool ril;
	uint32_t max_pages;
	struct invt_smmu_inv inv;
	int n;			/* commands expected */
	struct exp cmd[8];	/* exactly, when per_page is false */
	bool per_page;		/* one TG 0 TLBI of op cmd[0].op per page from cmd[0].addr */
};

#define NHVA INVT_SMMU_CMD_TLBI_NH_VA
#define NHASID INVT_SMMU_CMD_TLBI_NH_ASID
#define EL2VA INVT_SMMU_CMD_TLBI_EL2_VA
#define EL2ASID INVT_SMMU_CMD_TLBI_EL2_ASID
#define S2IPA INVT_SMMU_CMD_TLBI_S2_IPA
#define VMALL INVT_SMMU_CMD_TLBI_S12_VMALL
#define ATCINV INVT_SMMU_CMD_ATC_INV

/* Expected commands: single address (TG 0), 4K range, whole tag, ATC. */
#define PAGE(o, a)		{ .op = (o), .addr = (a) }
#define RANGE(o, a, n, s)	{ .op = (o), .addr = (a), .num = (n), .scale = (s), .tg = 1 }
#define WHOLE(o)		{ .op = (o) }
#define ATCX(a, z)		{ .op = ATCINV, .addr = (a), .size = (z) }

#define S1REQ(s, l, lf) \
	{ .kind = S1, .vmid = 3, .asid = 7, .start = (s), .last = (l), .leaf = (lf) }
#define EL2REQ(s, l, lf) { .kind = EL2, .asid = 9, .start = (s), .last = (l), .leaf = (lf) }
#define S2REQ(s, l, lf) { .kind = S2, .vmid = 5, .start = (s), .last = (l), .leaf = (lf) }
#define ATCREQ(s, l) { .kind = ATC, .sid = 0x42, .ssv = true, .ssid = 3, .start = (s), .last = (l) }

#define S1ALL_JUNK { .kind = S1, .vmid = 3, .asid = 7, .all = true, .start = 5, .last = 1 }
#define S1ALL { .kind = S1, .vmid = 3, .asid = 7, .all = true }
#define EL2ALL { .kind = EL2, .asid = 9, .all = true }
#define S2ALL { .kind = S2, .vmid = 5, .all = true }
#define ATCALL { .kind = ATC, .sid = 0x42, .all = true }
#define ATCNOSSID { .kind = ATC, .sid = 7, .start = 0x3000, .last = 0x3fff }

/* CASE(name, ril, max_pages, request, count, expected commands...) */
#define CASE(nm, r, mp, rq, cnt, ...) \
	{ .name = (nm), .ril = (r), .max_pages = (mp), .inv = rq, .n = (cnt), \
	  .cmd = { __VA_ARGS__ } }
/* PER_PAGE(name, max_pages, request, count, op, first address) */
#define PER_PAGE(nm, mp, rq, cnt, o, a) \
	{ .name = (nm), .max_pages = (mp), .inv = rq, .n = (cnt), .per_page = true, \
	  .cmd = { PAGE(o, a) } }

static const struct rcase cases[] = {
	/* ---- without RIL ---- */
	CASE("noril 1 page leaf", false, 0, S1REQ(0x1000, 0x1fff, true), 1, PAGE(NHVA, 0x1000)),
	CASE("noril unaligned start, 2 pages", false, 0, S1REQ(0x1800, 0x27ff, false),
	     2, PAGE(NHVA, 0x1000), PAGE(NHVA, 0x2000)),
	CASE("noril one byte", false, 0, S1REQ(0x1234, 0x1234, true), 1, PAGE(NHVA, 0x1000)),
	PER_PAGE("noril 511 pages: per page", 0, S1REQ(0x40000000, 0x40000000 + 511 * PG - 1, true),
		 511, NHVA, 0x40000000),
	CASE("noril 512 pages: whole ASID", false, 0,
	     S1REQ(0x40000000, 0x40000000 + 512 * PG - 1, true), 1, WHOLE(NHASID)),
	CASE("noril 513 pages: whole ASID", false, 0,
	     S1REQ(0x40000000, 0x40000000 + 513 * PG - 1, false), 1, WHOLE(NHASID)),
	CASE("noril 511 pages unaligned = 512 pages", false, 0,
	     S1REQ(0x40000800, 0x40000800 + 511 * PG - 1, true), 1, WHOLE(NHASID)),
	CASE("noril S2 3 pages non-leaf", false, 0, S2REQ(0x80000000, 0x80002fff, false),
	     3, PAGE(S2IPA, 0x80000000), PAGE(S2IPA, 0x80001000), PAGE(S2IPA, 0x80002000)),
	CASE("noril S2 512 pages: S12_VMALL", false, 0, S2REQ(0, 512 * PG - 1, true),
	     1, WHOLE(VMALL)),
	CASE("noril EL2 2 pages", false, 0,
	     EL2REQ(0xffff800000000000ull, 0xffff800000001fffull, true),
	     2, PAGE(EL2VA, 0xffff800000000000ull), PAGE(EL2VA, 0xffff800000001000ull)),
	CASE("noril ends at 2^64-1", false, 0, S1REQ(0xffffffffffffe000ull, TOP, true),
	     2, PAGE(NHVA, 0xffffffffffffe000ull), PAGE(NHVA, 0xfffffffffffff000ull)),
	PER_PAGE("noril 511 pages ending at 2^64-1", 0, S1REQ(TOP - 511 * PG + 1, TOP, false),
		 511, NHVA, TOP - 511 * PG + 1),
	CASE("noril whole space", false, 0, S1REQ(0, TOP, true), 1, WHOLE(NHASID)),
	CASE("noril all", false, 0, S1ALL,
	     1, WHOLE(NHASID)),
	CASE("noril EL2 all", false, 0, EL2ALL,
	     1, WHOLE(EL2ASID)),
	CASE("noril S2 all", false, 0, S2ALL, 1, WHOLE(VMALL)),
	CASE("noril threshold 4: 3 pages", false, 4, S1REQ(0, 3 * PG - 1, true),
	     3, PAGE(NHVA, 0), PAGE(NHVA, 0x1000), PAGE(NHVA, 0x2000)),
	CASE("noril threshold 4: 4 pages", false, 4, S1REQ(0, 4 * PG - 1, true),
	     1, WHOLE(NHASID)),
	CASE("noril S2 beyond 52-bit IPA", false, 0,
	     S2REQ(1ull << 52, (1ull << 52) + 0xfff, true), 1, WHOLE(VMALL)),

	/* ---- with RIL ---- */
	CASE("ril 1 page leaf (+1 page)", true, 0, S1REQ(0x1000, 0x1fff, true),
	     1, RANGE(NHVA, 0x1000, 0, 1)),
	CASE("ril 1 page non-leaf (+1 page)", true, 0, S1REQ(0x1000, 0x1fff, false),
	     1, RANGE(NHVA, 0x1000, 0, 1)),
	CASE("ril 2 pages", true, 0, S1REQ(0x1000, 0x2fff, false), 1, RANGE(NHVA, 0x1000, 0, 1)),
	CASE("ril 3 pages", true, 0, S1REQ(0x10000, 0x12fff, false),
	     1, RANGE(NHVA, 0x10000, 2, 0)),
	CASE("ril 33 pages non-leaf (pages&31)==1", true, 0,
	     S1REQ(0x100000, 0x100000 + 33 * PG - 1, false), 1, RANGE(NHVA, 0x100000, 16, 1)),
	CASE("ril 65 pages leaf (pages&31)==1", true, 0,
	     S1REQ(0x100000, 0x100000 + 65 * PG - 1, true),
	     2, RANGE(NHVA, 0x100000, 0, 1), RANGE(NHVA, 0x102000, 0, 6)),
	CASE("ril 511 pages", true, 0, S1REQ(0x40000000, 0x40000000 + 511 * PG - 1, true),
	     2, RANGE(NHVA, 0x40000000, 30, 0), RANGE(NHVA, 0x4001f000, 14, 5)),
	CASE("ril 512 pages", true, 0, S1REQ(0x40000000, 0x40000000 + 512 * PG - 1, true),
	     1, RANGE(NHVA, 0x40000000, 0, 9)),
	CASE("ril 513 pages (+1 page)", true, 0,
	     S1REQ(0x40000000, 0x40000000 + 513 * PG - 1, false),
	     2, RANGE(NHVA, 0x40000000, 0, 1), RANGE(NHVA, 0x40002000, 0, 9)),
	CASE("ril unaligned 5 pages", true, 0, S1REQ(0x1234, 0x5678, true),
	     1, RANGE(NHVA, 0x1000, 4, 0)),
	CASE("ril ends at 2^64-1, 2 pages", true, 0, S1REQ(0xffffffffffffe000ull, TOP, true),
	     1, RANGE(NHVA, 0xffffffffffffe000ull, 0, 1)),
	CASE("ril top page (+1 page below)", true, 0, S1REQ(0xfffffffffffff000ull, TOP, false),
	     1, RANGE(NHVA, 0xffffffffffffe000ull, 0, 1)),
	CASE("ril top 33 pages (+1 page below)", true, 0, S1REQ(TOP - 33 * PG + 1, TOP, false),
	     1, RANGE(NHVA, 0xfffffffffffde000ull, 16, 1)),
	CASE("ril 2^36-1 pages: 8 commands", true, 0,
	     S1REQ(0, ((1ull << 36) - 1) * PG - 1, false), 8,
	     RANGE(NHVA, 0, 30, 0), RANGE(NHVA, 31 * PG, 30, 5),
	     RANGE(NHVA, 0x3ffull * PG, 30, 10), RANGE(NHVA, 0x7fffull * PG, 30, 15),
	     RANGE(NHVA, 0xfffffull * PG, 30, 20), RANGE(NHVA, 0x1ffffffull * PG, 30, 25),
	     RANGE(NHVA, 0x3fffffffull * PG, 30, 30), RANGE(NHVA, 0x7ffffffffull * PG, 15, 31)),
	CASE("ril 2^35 pages: SCALE capped at 31", true, 0, S1REQ(0, (1ull << 47) - 1, true),
	     1, RANGE(NHVA, 0, 15, 31)),
	CASE("ril 2^36 pages: whole ASID", true, 0, S1REQ(0, (1ull << 48) - 1, true),
	     1, WHOLE(NHASID)),
	CASE("ril whole space", true, 0, S1REQ(0, TOP, false), 1, WHOLE(NHASID)),
	CASE("ril all (start/last ignored)", true, 0,
	     S1ALL_JUNK,
	     1, WHOLE(NHASID)),
	CASE("ril S2 5 pages leaf", true, 0, S2REQ(0x80000000, 0x80004fff, true),
	     1, RANGE(S2IPA, 0x80000000, 4, 0)),
	CASE("ril S2 top IPA page (+1 page below)", true, 0,
	     S2REQ((1ull << 52) - PG, (1ull << 52) - 1, false),
	     1, RANGE(S2IPA, (1ull << 52) - 2 * PG, 0, 1)),
	CASE("ril S2 beyond IPA", true, 0, S2REQ((1ull << 52) - PG, 1ull << 52, false),
	     1, WHOLE(VMALL)),
	CASE("ril EL2 64 pages", true, 0, EL2REQ(0x200000, 0x23ffff, true),
	     1, RANGE(EL2VA, 0x200000, 0, 6)),

	/* ---- ATC ---- */
	CASE("atc 1 page", false, 0, ATCREQ(0x5000, 0x5fff), 1, ATCX(0x5000, 0)),
	CASE("atc 2 pages across a 4-page boundary", true, 0, ATCREQ(0x5000, 0x6fff),
	     1, ATCX(0x4000, 2)),
	CASE("atc unaligned 2 bytes over a page line", false, 0, ATCREQ(0x1fff, 0x2000),
	     1, ATCX(0, 2)),
	CASE("atc 2M aligned", false, 0, ATCREQ(0x200000, 0x3fffff), 1, ATCX(0x200000, 9)),
	CASE("atc whole space", false, 0, ATCREQ(0, TOP), 1, ATCX(0, 52)),
	CASE("atc top page", false, 0, ATCREQ(0xfffffffffffff000ull, TOP),
	     1, ATCX(0xfffffffffffff000ull, 0)),
	CASE("atc all, no ssid", false, 0, ATCALL,
	     1, ATCX(0, 52)),
	CASE("atc no ssid", false, 0, ATCNOSSID,
	     1, ATCX(0x3000, 0)),
};

static void run_case(const struct rcase *rc)
{
	struct invt_smmu_caps caps = { .ril = rc->ril, .max_pages = rc->max_pages };
	static struct sink s;
	uint64_t extra;
	int i;

	memset(&s, 0, sizeof(s));
	assert_int_equal(invt_smmu_inv_emit(&caps, &rc->inv, collect, &s), 0);
	if (s.n != rc->n) {
		print_error("%s: %d commands, want %d\n", rc->name, s.n, rc->n);
		fail();
	}
	for (i = 0; i < s.n; i++) {
		const struct invt_smmu_cmd *c = &s.cmd[i];
		const struct exp *e = &rc->cmd[rc->per_page ? 0 : i];
		uint64_t addr = rc->per_page ? e->addr + (uint64_t)i * PG : e->addr;

		if (c->opcode != e->op || c->addr != addr || c->num != e->num ||
		    c->scale != e->scale || c->tg != e->tg || c->size != e->size ||
		    c->ttl != 0) {
			print_error("%s: command %d: op 0x%02x addr 0x%llx num %u scale %u tg %u "
				    "size %u ttl %u\n", rc->name, i, c->opcode,
				    (unsigned long long)c->addr, c->num, c->scale, c->tg, c->size,
				    c->ttl);
			fail();
		}
	}
	extra = check_emitted(&caps, &rc->inv, &s, rc->name);
	/* Per-page and non-RIL lists are exact; RIL adds one page at most. */
	if (extra != UINT64_MAX && rc->inv.kind != ATC)
		assert_true(extra <= (rc->ril ? PG : 0));
}

static void test_table(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
}

/* ---- errors and callbacks ---- */

static void test_errors(void **state)
{
	struct invt_smmu_caps caps = { .ril = true };
	static const struct invt_smmu_inv bad[] = {
		{ .kind = S1, .start = 0x2000, .last = 0x1fff },
		{ .kind = 9, .start = 0, .last = 0 },
		{ .kind = ATC, .ssid = 1, .start = 0, .last = 0 },
		{ .kind = ATC, .ssv = true, .ssid = 1u << 20, .start = 0, .last = 0 },
	};
	static struct sink s;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&s, 0, sizeof(s));
		assert_int_equal(invt_smmu_inv_emit(&caps, &bad[i], collect, &s), -EINVAL);
		assert_int_equal(s.n, 0);
		assert_int_equal(invt_smmu_inv_count(&caps, &bad[i]), -EINVAL);
	}
}

/* A callback error stops the policy at once and is returned. */
static void test_callback_error(void **state)
{
	struct invt_smmu_caps noril = { 0 }, ril = { .ril = true };
	struct invt_smmu_inv a = S1REQ(0, 10 * PG - 1, true);
	struct invt_smmu_inv b = S1REQ(0, 511 * PG - 1, true);
	static struct sink s;

	memset(&s, 0, sizeof(s));
	s.stop_after = 3;
	assert_int_equal(invt_smmu_inv_emit(&noril, &a, collect, &s), -EIO);
	assert_int_equal(s.n, 3);
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	assert_int_equal(invt_smmu_inv_emit(&ril, &b, collect, &s), -EIO);
	assert_int_equal(s.n, 1);
}

/* ---- random requests ---- */

static uint64_t rng_next(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t test_seed(void)
{
	const char *env = getenv("INVT_TEST_SEED");

	if (env)
		return strtoull(env, NULL, 0);
	return (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
}

#define RANDOM_REQUESTS 20000

static void test_random(void **state)
{
	uint64_t seed = test_seed(), st = seed;
	static struct sink s;
	char what[96];
	int i;

	for (i = 0; i < RANDOM_REQUESTS; i++) {
		uint64_t r = rng_next(&st), len;
		struct invt_smmu_caps caps = { .ril = r & 1, .max_pages = (r >> 1) & 1 ? 0 : 64 };
		struct invt_smmu_inv inv = { 0 };
		uint64_t extra;

		inv.kind = (uint8_t)((r >> 2) & 3);
		inv.leaf = (r >> 4) & 1;
		inv.all = ((r >> 5) & 31) == 0;
		inv.vmid = (uint16_t)(r >> 16);
		inv.asid = (uint16_t)(r >> 32);
		inv.sid = (uint32_t)(r >> 24);
		inv.ssv = (r >> 10) & 1;
		inv.ssid = inv.ssv ? (uint32_t)(r >> 40) & 0xfffff : 0;
		/* Lengths from one byte to 2^64, log-uniform; starts anywhere. */
		len = rng_next(&st) >> (rng_next(&st) % 64);
		inv.start = rng_next(&st);
		if ((r >> 11) & 1)
			inv.start = TOP - len;	/* end at the top */
		else if ((r >> 12) & 1)
			inv.start &= (1ull << 52) - 1;
		inv.last = inv.start + len > inv.start ? inv.start + len : TOP;
		if ((r >> 13) & 1 && inv.last - inv.start > 600 * PG)	/* keep lists short */
			inv.last = inv.start + (rng_next(&st) % 600) * PG;
		if (inv.last < inv.start)
			inv.last = TOP;

		snprintf(what, sizeof(what), "seed %llu request %d", (unsigned long long)seed, i);
		memset(&s, 0, sizeof(s));
		if (invt_smmu_inv_emit(&caps, &inv, collect, &s)) {
			print_error("%s: emit failed\n", what);
			fail();
		}
		extra = check_emitted(&caps, &inv, &s, what);
		if (extra != UINT64_MAX && inv.kind != ATC && extra > (caps.ril ? PG : 0)) {
			print_error("%s: over-invalidates by %llu bytes\n", what,
				    (unsigned long long)extra);
			fail();
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_callback_error),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
