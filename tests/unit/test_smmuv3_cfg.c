// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_smmuv3_cfg.c - SMMUv3 STE and CD builders (driver side) against the
 * parser (model side), both against vectors written by hand from the bit
 * positions of IHI0070 §5.2 and §5.4, and the install ordering against a
 * parser running concurrently.
 *
 * INVT_TEST_SEED=<n> in the environment replays the random round trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <invtrack/smmuv3-cfg.h>

#include "hw-cfg.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct smmu_hw_cfg_idr *full_idr(void)
{
	static struct smmu_hw_cfg_idr idr;

	smmu_hw_cfg_idr_init(&idr, SMMU_HW_FEAT_ALL);
	return &idr;
}

/* log2 of an INVT_SMMU_TG_* granule, written again here. */
static unsigned int test_gshift(uint8_t tg)
{
	return tg == INVT_SMMU_TG_4K ? 12 : tg == INVT_SMMU_TG_16K ? 14 : 16;
}

static const uint8_t test_ps_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

/* The driver's struct against the parser's, fixed choices included. */
static bool same_ste(const struct invt_smmu_ste *e, const struct smmu_hw_ste *d)
{
	bool s1 = e->config == INVT_SMMU_STE_S1 || e->config == INVT_SMMU_STE_NESTED;
	bool s2 = e->config == INVT_SMMU_STE_S2 || e->config == INVT_SMMU_STE_NESTED;

	if (d->valid != e->valid || d->config != e->config || d->s1 != s1 || d->s2 != s2)
		return false;
	if (d->world != SMMU_HW_WORLD_NS_EL1 || d->strw || d->eats != e->eats ||
	    d->s2vmid != e->s2vmid)
		return false;
	if (d->s1cdmax != e->s1cdmax || d->s1ctxptr != e->s1ctxptr || d->s1stalld)
		return false;
	if (s1 && (d->s1dss != (e->s1cdmax ? 2 : 0) || d->s1cir != 1 || d->s1cor != 1 ||
		   d->s1csh != 3))
		return false;
	if (d->s2t0sz != e->s2t0sz || d->s2sl0 != e->s2sl0 || d->s2ps != e->s2ps ||
	    d->s2r != e->s2r || d->s2ttb != e->s2ttb)
		return false;
	if (s2 && (d->s2_granule != test_gshift(e->s2tg) || !d->s2aa64 || d->s2endi ||
		   d->s2affd || d->s2ptw || d->s2hd || d->s2ha || d->s2s || d->s2ir0 != 1 ||
		   d->s2or0 != 1 || d->s2sh0 != 3))
		return false;
	return true;
}

static bool same_cd(const struct invt_smmu_cd *e, const struct smmu_hw_cd *d)
{
	if (d->valid != e->valid)
		return false;
	if (!e->valid)
		return true;
	return d->t0sz == e->t0sz && d->tg0_granule == test_gshift(e->tg0) && d->ips == e->ips &&
	       d->endi == e->endi && d->affd == e->affd && d->asid == e->asid &&
	       d->ttb0 == e->ttb0 && d->mair == e->mair && d->ir0 == 1 && d->or0 == 1 &&
	       d->sh0 == 3 && !d->epd0 && d->epd1 && d->aa64 && d->r && d->a && !d->s &&
	       d->aset && !d->ha && !d->hd && !d->wxn && !d->uwxn && !d->pan && !d->tbi0 &&
	       !d->t1sz && !d->ttb1;
}

/* ---- hand-written vectors: fields -> the 8 words ---- */

struct ste_vec {
	const char *name;
	struct invt_smmu_ste ste;
	uint64_t w[8];
};

/*
 * Fixed parts, from §5.2: S1CIR = S1COR = 0b01 at word 1 bits 2 and 4, S1CSH
 * = 0b11 at word 1 [7:6]: 0xd4; S1DSS 0b10 at word 1 [1:0]: 0x2; EATS 1 at
 * word 1 bit 28.  Word 2: S2IR0 bit 40, S2OR0 bit 42, S2SH0 [45:44] =
 * 0x0000350000000000; S2AA64 bit 51; S2R bit 58.  Config at word 0 [3:1].
 */
static const struct ste_vec ste_vecs[] = {
	{ "invalid", { .valid = false }, { 0 } },
	{ "abort", { .valid = true, .config = INVT_SMMU_STE_ABORT },
	  { 0x0000000000000001ull } },
	{ "bypass", { .valid = true, .config = INVT_SMMU_STE_BYPASS },
	  { 0x0000000000000009ull } },
	{ "S1 single CD",
	  { .valid = true, .config = INVT_SMMU_STE_S1, .s1ctxptr = 0x12345640 },
	  { 0x000000001234564bull, 0x00000000000000d4ull } },
	{ "S1 16 CDs EATS vmid",
	  { .valid = true, .config = INVT_SMMU_STE_S1, .s1cdmax = 4, .s1ctxptr = 0x80000400,
	    .eats = 1, .s2vmid = 0x1234 },
	  { 0x200000008000040bull, 0x00000000100000d6ull, 0x0000000000001234ull } },
	/* 4K, IPA 40 bits, start level 1 (SL0 1) with 2 concatenated tables: 8K aligned. */
	{ "S2 4K T0SZ 24 SL0 1 PS 40",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2vmid = 0x42, .s2t0sz = 24,
	    .s2sl0 = 1, .s2tg = INVT_SMMU_TG_4K, .s2ps = INVT_SMMU_PS_40, .s2r = true,
	    .s2ttb = 0x0000004000002000ull },
	  { 0x000000000000000dull, 0, 0x040a355800000042ull, 0x0000004000002000ull } },
	/* 64K, IPA 48 bits, start level 1 (SL0 2), 6 bits: 512-byte table. */
	{ "S2 64K T0SZ 16 SL0 2 PS 48 EATS",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .eats = 1, .s2vmid = 0xffff,
	    .s2t0sz = 16, .s2sl0 = 2, .s2tg = INVT_SMMU_TG_64K, .s2ps = INVT_SMMU_PS_48,
	    .s2ttb = 0x0000876543210200ull },
	  { 0x000000000000000dull, 0x0000000010000000ull, 0x000d75900000ffffull,
	    0x0000876543210200ull } },
	/* 16K, IPA 36 bits, start level 2 (SL0 1), 11 bits: 16K table. */
	{ "nested 16K CDMax 20 EATS",
	  { .valid = true, .config = INVT_SMMU_STE_NESTED, .eats = 1, .s1cdmax = 20,
	    .s1ctxptr = 0x100000000ull, .s2vmid = 7, .s2t0sz = 28, .s2sl0 = 1,
	    .s2tg = INVT_SMMU_TG_16K, .s2ps = INVT_SMMU_PS_44, .s2r = true,
	    .s2ttb = 0x000000abcdefc000ull },
	  { 0xa00000010000000full, 0x00000000100000d6ull, 0x040cb55c00000007ull,
	    0x000000abcdefc000ull } },
	{ "S1 2 CDs at the top of 52 bits",
	  { .valid = true, .config = INVT_SMMU_STE_S1, .s1cdmax = 1,
	    .s1ctxptr = 0x000fffffffffff80ull },
	  { 0x080fffffffffff8bull, 0x00000000000000d6ull } },
	/* 64K, IPA 43 bits, level 1 resolves 1 bit; PS 52 raises the alignment to 64. */
	{ "S2 64K PS 52 64-byte table",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 21, .s2sl0 = 2,
	    .s2tg = INVT_SMMU_TG_64K, .s2ps = INVT_SMMU_PS_52,
	    .s2ttb = 0x000f000000000040ull },
	  { 0x000000000000000dull, 0, 0x000e759500000000ull, 0x000f000000000040ull } },
};

struct cd_vec {
	const char *name;
	struct invt_smmu_cd cd;
	uint64_t w[8];
};

/*
 * Fixed parts of word 0, from §5.4: IR0 = OR0 = 0b01 (bits 8, 10), SH0 =
 * 0b11 ([13:12]), EPD1 (bit 30), V (bit 31), AA64 (bit 41), R, A, ASET
 * (bits 45, 46, 47): 0x0000e200c0003500.  TTB0 in word 1, MAIR in word 3.
 */
static const struct cd_vec cd_vecs[] = {
	{ "invalid", { .valid = false }, { 0 } },
	{ "4K 48-bit VA asid 1",
	  { .valid = true, .t0sz = 16, .tg0 = INVT_SMMU_TG_4K, .ips = INVT_SMMU_PS_48,
	    .asid = 1, .ttb0 = 0x0000123456789000ull, .mair = 0x000000000044ff04ull },
	  { 0x0001e205c0003510ull, 0x0000123456789000ull, 0, 0x000000000044ff04ull } },
	{ "64K 42-bit VA ENDI AFFD asid ffff",
	  { .valid = true, .t0sz = 22, .tg0 = INVT_SMMU_TG_64K, .ips = INVT_SMMU_PS_42,
	    .endi = true, .affd = true, .asid = 0xffff, .ttb0 = 0x0000030000010000ull,
	    .mair = ~0ull },
	  { 0xffffe20bc000b556ull, 0x0000030000010000ull, 0, 0xffffffffffffffffull } },
	{ "16K 39-bit VA 64-byte table",
	  { .valid = true, .t0sz = 25, .tg0 = INVT_SMMU_TG_16K, .ips = INVT_SMMU_PS_40,
	    .asid = 0x1234, .ttb0 = 0x000000ffffffffc0ull, .mair = 0x0123456789abcdefull },
	  { 0x1234e202c0003599ull, 0x000000ffffffffc0ull, 0, 0x0123456789abcdefull } },
	{ "4K 25-bit VA IPS 32",
	  { .valid = true, .t0sz = 39, .tg0 = INVT_SMMU_TG_4K, .ips = INVT_SMMU_PS_32,
	    .asid = 0x80, .ttb0 = 0x00000000ffffff80ull },
	  { 0x0080e200c0003527ull, 0x00000000ffffff80ull } },
	{ "64K 52-bit VA IPS 52",
	  { .valid = true, .t0sz = 12, .tg0 = INVT_SMMU_TG_64K, .ips = INVT_SMMU_PS_52,
	    .asid = 0x5555, .ttb0 = 0x000fffffffffe000ull, .mair = 0xff },
	  { 0x5555e206c000354cull, 0x000fffffffffe000ull, 0, 0x00000000000000ffull } },
	{ "4K 31-bit VA IPS 52 (64-byte minimum)",
	  { .valid = true, .t0sz = 33, .tg0 = INVT_SMMU_TG_4K, .ips = INVT_SMMU_PS_52,
	    .ttb0 = 0x0000800000000040ull },
	  { 0x0000e206c0003521ull, 0x0000800000000040ull } },
};

/* A valid S1 STE (NS-EL1, no S1STALLD), through which the CD vectors are read. */
static void s1_ste(const struct smmu_hw_cfg_idr *idr, struct smmu_hw_ste *d)
{
	assert_int_equal(smmu_hw_ste_decode(ste_vecs[4].w, idr, d, NULL), 0);
}

static void test_ste_vectors(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ste_vecs); i++) {
		const struct ste_vec *v = &ste_vecs[i];
		struct smmu_hw_ste d;
		enum smmu_hw_cfg_why why;
		uint64_t w[8];
		int ret;

		memset(w, 0xa5, sizeof(w));
		if (invt_smmu_ste_build(&v->ste, w)) {
			print_error("%s: builder rejected it\n", v->name);
			fail();
		}
		if (memcmp(w, v->w, sizeof(w))) {
			int k;

			for (k = 0; k < 8; k++)
				print_error("%s: w%d %016llx want %016llx\n", v->name, k,
					    (unsigned long long)w[k], (unsigned long long)v->w[k]);
			fail();
		}
		ret = smmu_hw_ste_decode(v->w, full_idr(), &d, &why);
		if (!v->ste.valid) {
			assert_int_equal(ret, SMMU_HW_EVT_C_BAD_STE);
			assert_int_equal(why, SMMU_HW_CFG_WHY_V0);
			continue;
		}
		if (ret || !same_ste(&v->ste, &d)) {
			print_error("%s: parser %s (why %d) or fields differ\n", v->name,
				    smmu_hw_evt_name(ret), why);
			fail();
		}
	}
	/* Starting levels the parser derives for the stage 2 vectors. */
	{
		struct smmu_hw_ste d;

		assert_int_equal(smmu_hw_ste_decode(ste_vecs[5].w, full_idr(), &d, NULL), 0);
		assert_int_equal(d.s2_level, 1);
		assert_int_equal(d.s2_pa_bits, 40);
		assert_int_equal(smmu_hw_ste_decode(ste_vecs[6].w, full_idr(), &d, NULL), 0);
		assert_int_equal(d.s2_level, 1);
		assert_int_equal(smmu_hw_ste_decode(ste_vecs[7].w, full_idr(), &d, NULL), 0);
		assert_int_equal(d.s2_level, 2);
		assert_int_equal(d.s2_granule, 14);
	}
}

static void test_cd_vectors(void **state)
{
	struct smmu_hw_ste ste;
	size_t i;

	s1_ste(full_idr(), &ste);
	for (i = 0; i < ARRAY_SIZE(cd_vecs); i++) {
		const struct cd_vec *v = &cd_vecs[i];
		struct smmu_hw_cd d;
		enum smmu_hw_cfg_why why;
		uint64_t w[8];
		int ret;

		memset(w, 0x5a, sizeof(w));
		if (invt_smmu_cd_build(&v->cd, w)) {
			print_error("%s: builder rejected it\n", v->name);
			fail();
		}
		if (memcmp(w, v->w, sizeof(w))) {
			int k;

			for (k = 0; k < 8; k++)
				print_error("%s: w%d %016llx want %016llx\n", v->name, k,
					    (unsigned long long)w[k], (unsigned long long)v->w[k]);
			fail();
		}
		ret = smmu_hw_cd_decode(v->w, &ste, full_idr(), &d, &why);
		if (!v->cd.valid) {
			assert_int_equal(ret, SMMU_HW_EVT_C_BAD_CD);
			assert_int_equal(why, SMMU_HW_CFG_WHY_V0);
			continue;
		}
		if (ret || !same_cd(&v->cd, &d)) {
			print_error("%s: parser %s (why %d) or fields differ\n", v->name,
				    smmu_hw_evt_name(ret), why);
			fail();
		}
	}
	{
		struct smmu_hw_cd d;

		/* 4K with 48-bit VAs starts at level 0; 16K with 39 bits at level 1. */
		assert_int_equal(smmu_hw_cd_decode(cd_vecs[1].w, &ste, full_idr(), &d, NULL), 0);
		assert_int_equal(d.s1_level0, 0);
		assert_int_equal(d.ipa_bits, 48);
		assert_int_equal(smmu_hw_cd_decode(cd_vecs[3].w, &ste, full_idr(), &d, NULL), 0);
		assert_int_equal(d.s1_level0, 1);
		assert_int_equal(smmu_hw_cd_decode(cd_vecs[4].w, &ste, full_idr(), &d, NULL), 0);
		assert_int_equal(d.s1_level0, 2);
	}
}

/* Memory holds the words little-endian; parsing memory equals decoding words. */
static void test_memory_le(void **state)
{
	uint64_t slot[8] __attribute__((aligned(64)));
	const uint8_t *b = (const uint8_t *)slot;
	struct smmu_hw_ste a, m, ste;
	struct smmu_hw_cd ca, cm;
	size_t i;
	int k;

	for (i = 0; i < ARRAY_SIZE(ste_vecs); i++) {
		memset(slot, 0, sizeof(slot));
		invt_smmu_cfg_write(slot, ste_vecs[i].w);
		for (k = 0; k < 64; k++)
			assert_int_equal(b[k], (uint8_t)(ste_vecs[i].w[k / 8] >> (8 * (k % 8))));
		assert_int_equal(smmu_hw_ste_parse(slot, full_idr(), &m, NULL),
				 smmu_hw_ste_decode(ste_vecs[i].w, full_idr(), &a, NULL));
		if (ste_vecs[i].ste.valid)
			assert_memory_equal(&a, &m, sizeof(a));
	}
	s1_ste(full_idr(), &ste);
	for (i = 0; i < ARRAY_SIZE(cd_vecs); i++) {
		memset(slot, 0, sizeof(slot));
		invt_smmu_cfg_write(slot, cd_vecs[i].w);
		for (k = 0; k < 64; k++)
			assert_int_equal(b[k], (uint8_t)(cd_vecs[i].w[k / 8] >> (8 * (k % 8))));
		assert_int_equal(smmu_hw_cd_parse(slot, &ste, full_idr(), &cm, NULL),
				 smmu_hw_cd_decode(cd_vecs[i].w, &ste, full_idr(), &ca, NULL));
		if (cd_vecs[i].cd.valid)
			assert_memory_equal(&ca, &cm, sizeof(ca));
	}
}

/* ---- random round trips ---- */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

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

/*
 * IPA sizes each S2SL0 accepts, worked out from the level tables (a third
 * derivation, neither the builder's nor the parser's): the starting level
 * must resolve 1..stride+4 bits.  Rows: 4K, 16K, 64K; columns SL0 0, 1, 2.
 */
static const struct { uint8_t lo, hi; } sl0_ia[3][3] = {
	{ { 22, 34 }, { 31, 43 }, { 40, 52 } },
	{ { 15, 29 }, { 26, 40 }, { 37, 51 } },
	{ { 17, 33 }, { 30, 46 }, { 43, 59 } },
};

static uint64_t rand_addr(uint64_t *s, unsigned int bits, unsigned int align)
{
	return rng_next(s) & ((1ull << bits) - 1) & ~((1ull << align) - 1);
}

static void rand_ste(uint64_t *s, struct invt_smmu_ste *e)
{
	static const uint8_t cfgs[] = { 0, 4, 5, 6, 7, 7, 6, 5 };
	uint64_t r = rng_next(s);

	memset(e, 0, sizeof(*e));
	if ((r & 15) == 0)
		return;			/* invalid */
	e->valid = true;
	e->config = cfgs[(r >> 4) & 7];
	if (e->config < INVT_SMMU_STE_S1)
		return;
	e->eats = (r >> 8) & 1;
	e->s2vmid = (r >> 9) & 0xffff;
	if (e->config & 1) {
		e->s1cdmax = rng_next(s) % 21;
		e->s1ctxptr = rand_addr(s, 52, 6 + e->s1cdmax);
	}
	if (e->config & 2) {
		unsigned int row = rng_next(s) % 3, g, sl0, ia, bits, align;

		e->s2tg = (uint8_t[]){ INVT_SMMU_TG_4K, INVT_SMMU_TG_16K, INVT_SMMU_TG_64K }[row];
		g = test_gshift(e->s2tg);
		e->s2t0sz = (g == 16 ? 12 : 16) + rng_next(s) % ((g == 16 ? 28 : 24));
		ia = 64 - e->s2t0sz;
		do {
			sl0 = rng_next(s) % 3;
		} while (ia < sl0_ia[row][sl0].lo || ia > sl0_ia[row][sl0].hi);
		e->s2sl0 = (uint8_t)sl0;
		e->s2ps = rng_next(s) % 7;
		e->s2r = rng_next(s) & 1;
		align = ia - sl0_ia[row][sl0].lo + 4;	/* entry bits + 3 */
		if (e->s2ps == INVT_SMMU_PS_52 && align < 6)
			align = 6;
		bits = test_ps_bits[e->s2ps];
		if (g != 16 && bits > 48)
			bits = 48;
		e->s2ttb = rand_addr(s, bits, align);
	}
}

static void rand_cd(uint64_t *s, struct invt_smmu_cd *c)
{
	uint64_t r = rng_next(s);
	unsigned int g, ia, stride, align, bits;

	memset(c, 0, sizeof(*c));
	if ((r & 15) == 0)
		return;
	c->valid = true;
	c->tg0 = (uint8_t[]){ INVT_SMMU_TG_4K, INVT_SMMU_TG_16K, INVT_SMMU_TG_64K }[(r >> 4) % 3];
	g = test_gshift(c->tg0);
	c->t0sz = (g == 16 ? 12 : 16) + rng_next(s) % ((g == 16 ? 28 : 24));
	c->ips = rng_next(s) % 7;
	c->endi = (r >> 8) & 1;
	c->affd = (r >> 9) & 1;
	c->asid = (r >> 10) & 0xffff;
	c->mair = rng_next(s);
	ia = 64 - c->t0sz;
	stride = g - 3;
	align = (ia - g - 1) % stride + 1 + 3;
	if (c->ips == INVT_SMMU_PS_52 && align < 6)
		align = 6;
	bits = test_ps_bits[c->ips];
	if (g != 16 && bits > 48)
		bits = 48;
	c->ttb0 = rand_addr(s, bits, align);
}

#define ROUND_TRIPS 100000

static void test_roundtrip_random(void **state)
{
	uint64_t seed = test_seed(), s = seed, w[8], slot[8] __attribute__((aligned(64)));
	struct smmu_hw_ste d, m, ste;
	struct smmu_hw_cd cd, cm;
	struct invt_smmu_ste e;
	struct invt_smmu_cd c;
	enum smmu_hw_cfg_why why;
	int i, ret;

	print_message("seed %llu (INVT_TEST_SEED replays it)\n", (unsigned long long)seed);
	s1_ste(full_idr(), &ste);
	for (i = 0; i < ROUND_TRIPS; i++) {
		rand_ste(&s, &e);
		if (invt_smmu_ste_build(&e, w)) {
			print_error("seed %llu iter %d: builder rejected config %u\n",
				    (unsigned long long)seed, i, e.config);
			fail();
		}
		ret = smmu_hw_ste_decode(w, full_idr(), &d, &why);
		if (e.valid ? (ret || !same_ste(&e, &d)) : ret != SMMU_HW_EVT_C_BAD_STE) {
			print_error("seed %llu iter %d: STE %016llx %016llx %016llx %016llx: "
				    "%s why %d or fields differ\n", (unsigned long long)seed, i,
				    (unsigned long long)w[0], (unsigned long long)w[1],
				    (unsigned long long)w[2], (unsigned long long)w[3],
				    smmu_hw_evt_name(ret), why);
			fail();
		}
		invt_smmu_cfg_write(slot, w);
		if (smmu_hw_ste_parse(slot, full_idr(), &m, NULL) != ret ||
		    (!ret && memcmp(&m, &d, sizeof(m)))) {
			print_error("seed %llu iter %d: STE parse from memory differs\n",
				    (unsigned long long)seed, i);
			fail();
		}

		rand_cd(&s, &c);
		if (invt_smmu_cd_build(&c, w)) {
			print_error("seed %llu iter %d: builder rejected CD\n",
				    (unsigned long long)seed, i);
			fail();
		}
		ret = smmu_hw_cd_decode(w, &ste, full_idr(), &cd, &why);
		if (c.valid ? (ret || !same_cd(&c, &cd)) : ret != SMMU_HW_EVT_C_BAD_CD) {
			print_error("seed %llu iter %d: CD %016llx %016llx: %s why %d or fields "
				    "differ\n", (unsigned long long)seed, i,
				    (unsigned long long)w[0], (unsigned long long)w[1],
				    smmu_hw_evt_name(ret), why);
			fail();
		}
		invt_smmu_cfg_write(slot, w);
		if (smmu_hw_cd_parse(slot, &ste, full_idr(), &cm, NULL) != ret ||
		    (!ret && memcmp(&cm, &cd, sizeof(cm)))) {
			print_error("seed %llu iter %d: CD parse from memory differs\n",
				    (unsigned long long)seed, i);
			fail();
		}
	}
}

/* Random words: the parser never misbehaves, and what it accepts is consistent. */
static void test_parser_random_words(void **state)
{
	uint64_t seed = test_seed(), s = seed, w[8];
	struct smmu_hw_ste d, ste;
	struct smmu_hw_cd c;
	int i, k, ret;

	print_message("seed %llu\n", (unsigned long long)seed);
	s1_ste(full_idr(), &ste);
	for (i = 0; i < ROUND_TRIPS; i++) {
		for (k = 0; k < 8; k++)
			w[k] = rng_next(&s);
		ret = smmu_hw_ste_decode(w, full_idr(), &d, NULL);
		if (ret != 0 && ret != SMMU_HW_EVT_C_BAD_STE)
			fail();
		if (!ret && d.s2 && (d.s2_level > 3 || d.s2ttb >> 52 || d.s2_pa_bits > 52)) {
			print_error("seed %llu iter %d: accepted an impossible walk\n",
				    (unsigned long long)seed, i);
			fail();
		}
		ret = smmu_hw_cd_decode(w, &ste, full_idr(), &c, NULL);
		if (ret != 0 && ret != SMMU_HW_EVT_C_BAD_CD)
			fail();
		if (!ret && !c.epd0 && (c.t0sz < 12 || c.t0sz > 39 || c.s1_level0 > 3))
			fail();
	}
}

/* ---- driver-side rejections ---- */

static const struct {
	const char *name;
	struct invt_smmu_ste ste;
} ste_bad[] = {
	{ "invalid with config", { .config = INVT_SMMU_STE_BYPASS } },
	{ "invalid with vmid", { .s2vmid = 1 } },
	{ "reserved config 1", { .valid = true, .config = 1 } },
	{ "reserved config 2", { .valid = true, .config = 2 } },
	{ "reserved config 3", { .valid = true, .config = 3 } },
	{ "config 8", { .valid = true, .config = 8 } },
	{ "abort with EATS", { .valid = true, .config = INVT_SMMU_STE_ABORT, .eats = 1 } },
	{ "bypass with vmid", { .valid = true, .config = INVT_SMMU_STE_BYPASS, .s2vmid = 1 } },
	{ "bypass with CD table",
	  { .valid = true, .config = INVT_SMMU_STE_BYPASS, .s1ctxptr = 0x1000 } },
	{ "EATS 2", { .valid = true, .config = INVT_SMMU_STE_S1, .eats = 2 } },
	{ "vmid 17 bits", { .valid = true, .config = INVT_SMMU_STE_S1, .s2vmid = 0x10000 } },
	{ "CDMax 21", { .valid = true, .config = INVT_SMMU_STE_S1, .s1cdmax = 21 } },
	{ "CD pointer not 64-byte aligned",
	  { .valid = true, .config = INVT_SMMU_STE_S1, .s1ctxptr = 0x1020 } },
	{ "CD table not aligned to its size",
	  { .valid = true, .config = INVT_SMMU_STE_S1, .s1cdmax = 4, .s1ctxptr = 0x1200 } },
	{ "CD pointer at 2^52",
	  { .valid = true, .config = INVT_SMMU_STE_S1, .s1ctxptr = 1ull << 52 } },
	{ "S1 with S2T0SZ", { .valid = true, .config = INVT_SMMU_STE_S1, .s2t0sz = 24 } },
	{ "S1 with S2TTB", { .valid = true, .config = INVT_SMMU_STE_S1, .s2ttb = 0x1000 } },
	{ "S1 with S2R", { .valid = true, .config = INVT_SMMU_STE_S1, .s2r = true } },
	{ "S2 with CDMax",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s1cdmax = 1, .s2t0sz = 24, .s2sl0 = 1,
	    .s2tg = INVT_SMMU_TG_4K, .s2ps = INVT_SMMU_PS_40 } },
	{ "S2 with CD pointer",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s1ctxptr = 0x40, .s2t0sz = 24,
	    .s2sl0 = 1, .s2tg = INVT_SMMU_TG_4K, .s2ps = INVT_SMMU_PS_40 } },
	{ "S2 granule 0",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 24, .s2sl0 = 1 } },
	{ "S2 granule 4",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 24, .s2sl0 = 1, .s2tg = 4 } },
	{ "S2PS 7",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 24, .s2sl0 = 1,
	    .s2tg = INVT_SMMU_TG_4K, .s2ps = 7 } },
	{ "S2T0SZ 40",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 40, .s2sl0 = 0,
	    .s2tg = INVT_SMMU_TG_4K } },
	{ "S2T0SZ 15 with 4K",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 15, .s2sl0 = 2,
	    .s2tg = INVT_SMMU_TG_4K } },
	{ "S2T0SZ 11 with 64K",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 11, .s2sl0 = 2,
	    .s2tg = INVT_SMMU_TG_64K, .s2ps = INVT_SMMU_PS_52 } },
	{ "S2SL0 3",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 16, .s2sl0 = 3,
	    .s2tg = INVT_SMMU_TG_16K } },
	{ "S2SL0 level 2 with 40-bit IPA (4K)",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 24, .s2sl0 = 0,
	    .s2tg = INVT_SMMU_TG_4K, .s2ps = INVT_SMMU_PS_40 } },
	{ "S2SL0 level 0 with 39-bit IPA (4K)",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 25, .s2sl0 = 2,
	    .s2tg = INVT_SMMU_TG_4K, .s2ps = INVT_SMMU_PS_40 } },
	{ "S2TTB under its table size",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 24, .s2sl0 = 1,
	    .s2tg = INVT_SMMU_TG_4K, .s2ps = INVT_SMMU_PS_40, .s2ttb = 0x1000 } },
	{ "S2TTB outside PS",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 24, .s2sl0 = 1,
	    .s2tg = INVT_SMMU_TG_4K, .s2ps = INVT_SMMU_PS_40, .s2ttb = 1ull << 40 } },
	{ "S2TTB above 48 bits with 4K",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 24, .s2sl0 = 1,
	    .s2tg = INVT_SMMU_TG_4K, .s2ps = INVT_SMMU_PS_52, .s2ttb = 1ull << 48 } },
	{ "S2TTB 16-byte aligned with PS 52",
	  { .valid = true, .config = INVT_SMMU_STE_S2, .s2t0sz = 21, .s2sl0 = 2,
	    .s2tg = INVT_SMMU_TG_64K, .s2ps = INVT_SMMU_PS_52, .s2ttb = 0x10 } },
};

static const struct {
	const char *name;
	struct invt_smmu_cd cd;
} cd_bad[] = {
	{ "invalid with asid", { .asid = 1 } },
	{ "invalid with mair", { .mair = 1 } },
	{ "granule 0", { .valid = true, .t0sz = 16 } },
	{ "granule 4", { .valid = true, .t0sz = 16, .tg0 = 4 } },
	{ "IPS 7", { .valid = true, .t0sz = 16, .tg0 = INVT_SMMU_TG_4K, .ips = 7 } },
	{ "T0SZ 40", { .valid = true, .t0sz = 40, .tg0 = INVT_SMMU_TG_4K } },
	{ "T0SZ 15 with 4K", { .valid = true, .t0sz = 15, .tg0 = INVT_SMMU_TG_4K } },
	{ "T0SZ 11 with 64K", { .valid = true, .t0sz = 11, .tg0 = INVT_SMMU_TG_64K } },
	{ "asid 17 bits",
	  { .valid = true, .t0sz = 16, .tg0 = INVT_SMMU_TG_4K, .asid = 0x10000 } },
	{ "TTB0 under its table size",
	  { .valid = true, .t0sz = 16, .tg0 = INVT_SMMU_TG_4K, .ips = INVT_SMMU_PS_48,
	    .ttb0 = 0x800 } },
	{ "TTB0 outside IPS",
	  { .valid = true, .t0sz = 16, .tg0 = INVT_SMMU_TG_4K, .ips = INVT_SMMU_PS_32,
	    .ttb0 = 1ull << 32 } },
	{ "TTB0 above 48 bits with 16K",
	  { .valid = true, .t0sz = 16, .tg0 = INVT_SMMU_TG_16K, .ips = INVT_SMMU_PS_52,
	    .ttb0 = 1ull << 48 } },
	{ "TTB0 16-byte aligned with IPS 52",
	  { .valid = true, .t0sz = 33, .tg0 = INVT_SMMU_TG_4K, .ips = INVT_SMMU_PS_52,
	    .ttb0 = 0x10 } },
};

static void test_builder_rejects(void **state)
{
	uint64_t w[8], sentinel[8];
	size_t i;

	memset(sentinel, 0xc3, sizeof(sentinel));
	for (i = 0; i < ARRAY_SIZE(ste_bad); i++) {
		memcpy(w, sentinel, sizeof(w));
		if (invt_smmu_ste_build(&ste_bad[i].ste, w) != -EINVAL) {
			print_error("STE \"%s\" accepted\n", ste_bad[i].name);
			fail();
		}
		assert_memory_equal(w, sentinel, sizeof(w));
	}
	for (i = 0; i < ARRAY_SIZE(cd_bad); i++) {
		memcpy(w, sentinel, sizeof(w));
		if (invt_smmu_cd_build(&cd_bad[i].cd, w) != -EINVAL) {
			print_error("CD \"%s\" accepted\n", cd_bad[i].name);
			fail();
		}
		assert_memory_equal(w, sentinel, sizeof(w));
	}
	/* The near misses are accepted: 64-byte aligned with PS/IPS 52. */
	{
		struct invt_smmu_ste e = ste_bad[ARRAY_SIZE(ste_bad) - 1].ste;
		struct invt_smmu_cd c = cd_bad[ARRAY_SIZE(cd_bad) - 1].cd;

		e.s2ttb = 0x40;
		c.ttb0 = 0x40;
		assert_int_equal(invt_smmu_ste_build(&e, w), 0);
		assert_int_equal(invt_smmu_cd_build(&c, w), 0);
	}
}

/* ---- parser-side errors: one rule at a time ---- */

static void set_sbits(uint64_t *w, unsigned int hi, unsigned int lo, uint64_t v)
{
	unsigned int width = hi - lo + 1;
	uint64_t mask = (width == 64 ? ~0ull : (1ull << width) - 1) << (lo % 64);

	w[lo / 64] = (w[lo / 64] & ~mask) | ((v << (lo % 64)) & mask);
}

struct ste_case {
	const char *name;
	int base;			/* index in ste_vecs */
	unsigned int hi, lo;		/* field to overwrite, spec bit numbers */
	uint64_t val;
	unsigned int hi2, lo2;		/* a second field, when hi2 */
	uint64_t val2;
	void (*idr)(struct smmu_hw_cfg_idr *idr);
	int ret;
	enum smmu_hw_cfg_why why;
};

static void idr_no_s1(struct smmu_hw_cfg_idr *i) { i->feat &= ~SMMU_HW_FEAT_S1; }
static void idr_no_s2(struct smmu_hw_cfg_idr *i) { i->feat &= ~SMMU_HW_FEAT_S2; }
static void idr_no_ats(struct smmu_hw_cfg_idr *i) { i->feat &= ~SMMU_HW_FEAT_ATS; }
static void idr_no_hyp(struct smmu_hw_cfg_idr *i) { i->feat &= ~SMMU_HW_FEAT_HYP; }
static void idr_no_stall(struct smmu_hw_cfg_idr *i) { i->feat &= ~SMMU_HW_FEAT_STALL; }
static void idr_ssid10(struct smmu_hw_cfg_idr *i) { i->ssidsize = 10; }
static void idr_ssid0(struct smmu_hw_cfg_idr *i) { i->ssidsize = 0; }
static void idr_oas48(struct smmu_hw_cfg_idr *i) { i->oas = 5; }
static void idr_httu_af(struct smmu_hw_cfg_idr *i) { i->httu = 1; }
static void idr_no_16k(struct smmu_hw_cfg_idr *i) { i->gran &= ~SMMU_HW_GRAN_16K; }
static void idr_le(struct smmu_hw_cfg_idr *i) { i->ttendian = SMMU_HW_TTENDIAN_LE; }
static void idr_be(struct smmu_hw_cfg_idr *i) { i->ttendian = SMMU_HW_TTENDIAN_BE; }
static void idr_vmid8(struct smmu_hw_cfg_idr *i) { i->vmid16 = false; }
static void idr_asid8(struct smmu_hw_cfg_idr *i) { i->asid16 = false; }
static void idr_term(struct smmu_hw_cfg_idr *i) { i->term_abort = true; }
static void idr_va48(struct smmu_hw_cfg_idr *i) { i->vax52 = false; }
static void idr_e2h(struct smmu_hw_cfg_idr *i) { i->e2h = true; }
static void idr_oas44(struct smmu_hw_cfg_idr *i) { i->oas = 4; }

static void idr_no_s2_vmid8(struct smmu_hw_cfg_idr *i)
{
	idr_no_s2(i);
	idr_vmid8(i);
}

#define OK	0
#define BAD	SMMU_HW_EVT_C_BAD_STE
#define W(r)	SMMU_HW_CFG_WHY_##r

/* Bases: 3 S1 single CD, 4 S1 16 CDs, 5 S2 4K PS 40, 7 nested 16K PS 44, 9 S2 64K PS 52. */
static const struct ste_case ste_cases[] = {
	{ "V = 0", 7, 0, 0, 0, 0, 0, 0, NULL, BAD, W(V0) },
	{ "Config 0b001 aborts", 7, 3, 1, 1, 0, 0, 0, NULL, OK, W(NONE) },
	{ "Config 0b010 aborts", 7, 3, 1, 2, 0, 0, 0, NULL, OK, W(NONE) },
	{ "Config 0b011 aborts", 7, 3, 1, 3, 0, 0, 0, NULL, OK, W(NONE) },
	{ "S1 without S1P", 3, 0, 0, 1, 0, 0, 0, idr_no_s1, BAD, W(STAGE) },
	{ "S2 without S2P", 5, 0, 0, 1, 0, 0, 0, idr_no_s2, BAD, W(STAGE) },
	{ "nested without S1P", 7, 0, 0, 1, 0, 0, 0, idr_no_s1, BAD, W(STAGE) },
	{ "EATS split-stage", 7, 93, 92, 2, 0, 0, 0, NULL, BAD, W(EATS) },
	{ "EATS full with S2S", 7, 185, 185, 1, 0, 0, 0, NULL, BAD, W(EATS) },
	{ "EATS 0b11 without DPT is 0", 7, 93, 92, 3, 0, 0, 0, NULL, OK, W(NONE) },
	{ "EATS ignored without ATS", 7, 93, 92, 2, 0, 0, 0, idr_no_ats, OK, W(NONE) },
	{ "STRW 0b01", 3, 95, 94, 1, 0, 0, 0, NULL, BAD, W(STRW) },
	{ "STRW 0b11", 3, 95, 94, 3, 0, 0, 0, NULL, BAD, W(STRW) },
	{ "STRW 0b10 is EL2", 3, 95, 94, 2, 0, 0, 0, NULL, OK, W(NONE) },
	{ "STRW RES0 without Hyp", 3, 95, 94, 1, 0, 0, 0, idr_no_hyp, OK, W(NONE) },
	{ "STRW IGNORED with stage 2", 7, 95, 94, 3, 0, 0, 0, NULL, OK, W(NONE) },
	{ "S1STALLD without stalls", 3, 91, 91, 1, 0, 0, 0, idr_no_stall, BAD, W(STALL) },
	{ "S1STALLD with stalls", 3, 91, 91, 1, 0, 0, 0, NULL, OK, W(NONE) },
	{ "S2S without stalls", 5, 185, 185, 1, 0, 0, 0, idr_no_stall, BAD, W(STALL) },
	{ "S1CDMax above SSIDSIZE", 7, 0, 0, 1, 0, 0, 0, idr_ssid10, BAD, W(CDMAX) },
	{ "S1CDMax IGNORED without substreams", 7, 0, 0, 1, 0, 0, 0, idr_ssid0, OK, W(NONE) },
	{ "S1Fmt 2-level 4K", 4, 5, 4, 1, 0, 0, 0, NULL, BAD, W(S1FMT) },
	{ "S1Fmt 2-level 64K", 4, 5, 4, 2, 0, 0, 0, NULL, BAD, W(S1FMT) },
	{ "S1Fmt 0b11 is linear", 4, 5, 4, 3, 0, 0, 0, NULL, OK, W(NONE) },
	{ "S1Fmt IGNORED with one CD", 3, 5, 4, 1, 0, 0, 0, NULL, OK, W(NONE) },
	{ "S1ContextPtr bit 52", 3, 52, 52, 1, 0, 0, 0, NULL, BAD, W(CTXPTR) },
	{ "S1ContextPtr bit 48, OAS 48", 3, 48, 48, 1, 0, 0, 0, idr_oas48, BAD, W(CTXPTR) },
	{ "S2AA64 0", 5, 179, 179, 0, 0, 0, 0, NULL, BAD, W(AA64) },
	{ "S2HA without HTTU", 5, 184, 184, 1, 0, 0, 0, NULL, BAD, W(HTTU) },
	{ "S2HD with AF-only HTTU", 5, 184, 183, 3, 0, 0, 0, idr_httu_af, BAD, W(HTTU) },
	{ "S2HA with AF-only HTTU", 5, 184, 184, 1, 0, 0, 0, idr_httu_af, OK, W(NONE) },
	{ "S2TG 0b11", 5, 175, 174, 3, 0, 0, 0, NULL, BAD, W(GRANULE) },
	{ "S2TG 16K unsupported", 7, 0, 0, 1, 0, 0, 0, idr_no_16k, BAD, W(GRANULE) },
	{ "S2TTB bit 44 outside PS 44", 7, 236, 236, 1, 0, 0, 0, NULL, BAD, W(TTB) },
	{ "S2TTB bit 48 with 16K, PS 52", 7, 178, 176, 6, 240, 240, 1, NULL, BAD, W(TTB) },
	{ "S2PS 7 capped at OAS 48", 9, 178, 176, 7, 0, 0, 0, idr_oas48, BAD, W(TTB) },
	{ "S2PS 7 reads as 52 bits", 9, 178, 176, 7, 0, 0, 0, NULL, OK, W(NONE) },
	{ "S2T0SZ 40", 5, 165, 160, 40, 0, 0, 0, NULL, BAD, W(TXSZ) },
	{ "S2T0SZ 15 with 16K", 7, 165, 160, 15, 0, 0, 0, NULL, BAD, W(TXSZ) },
	{ "S2T0SZ 16 with 64K, OAS 48", 6, 0, 0, 1, 0, 0, 0, idr_oas48, OK, W(NONE) },
	{ "S2T0SZ 12 with 64K, OAS 48", 6, 165, 160, 12, 0, 0, 0, idr_oas48, BAD, W(TXSZ) },
	{ "S2T0SZ 12 with 64K, OAS 52", 6, 165, 160, 12, 0, 0, 0, NULL, OK, W(NONE) },
	{ "S2SL0 0b11", 5, 167, 166, 3, 0, 0, 0, NULL, BAD, W(SL0) },
	{ "S2SL0 level 3 with 36-bit IPA (16K)", 7, 167, 166, 0, 0, 0, 0, NULL, BAD, W(SL0) },
	{ "S2SL0 level 1 with 36-bit IPA (16K)", 7, 167, 166, 2, 0, 0, 0, NULL, BAD, W(SL0) },
	{ "S2ENDI on a little-endian SMMU", 5, 180, 180, 1, 0, 0, 0, idr_le, BAD, W(ENDI) },
	{ "S2ENDI 0 on a big-endian SMMU", 5, 0, 0, 1, 0, 0, 0, idr_be, BAD, W(ENDI) },
	{ "S2ENDI on a mixed-endian SMMU", 5, 180, 180, 1, 0, 0, 0, NULL, OK, W(NONE) },
	{ "VMID 0x100 with 8-bit VMIDs", 5, 143, 128, 0x100, 0, 0, 0, idr_vmid8, BAD, W(VMID) },
	{ "VMID 0xff with 8-bit VMIDs", 5, 143, 128, 0xff, 0, 0, 0, idr_vmid8, OK, W(NONE) },
	{ "VMID IGNORED in EL2", 4, 95, 94, 2, 0, 0, 0, idr_vmid8, OK, W(NONE) },
	{ "VMID IGNORED without S2P", 4, 0, 0, 1, 0, 0, 0, idr_no_s2_vmid8, OK, W(NONE) },
};

#undef BAD

static void test_ste_errors(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ste_cases); i++) {
		const struct ste_case *c = &ste_cases[i];
		struct smmu_hw_cfg_idr idr;
		struct smmu_hw_ste d;
		enum smmu_hw_cfg_why why;
		uint64_t w[8];
		int ret;

		memcpy(w, ste_vecs[c->base].w, sizeof(w));
		set_sbits(w, c->hi, c->lo, c->val);
		if (c->hi2)
			set_sbits(w, c->hi2, c->lo2, c->val2);
		smmu_hw_cfg_idr_init(&idr, SMMU_HW_FEAT_ALL);
		if (c->idr)
			c->idr(&idr);
		ret = smmu_hw_ste_decode(w, &idr, &d, &why);
		if (ret != c->ret || why != c->why) {
			print_error("%s: got %s why %d, want %s why %d\n", c->name,
				    smmu_hw_evt_name(ret), why, smmu_hw_evt_name(c->ret), c->why);
			fail();
		}
	}
}

/* What the accepted cases above decode to. */
static void test_ste_effective_values(void **state)
{
	struct smmu_hw_cfg_idr idr;
	struct smmu_hw_ste d;
	uint64_t w[8];

	smmu_hw_cfg_idr_init(&idr, SMMU_HW_FEAT_ALL);

	/* Reserved Config behaves as abort; nothing else is decoded. */
	memcpy(w, ste_vecs[7].w, sizeof(w));
	set_sbits(w, 3, 1, 2);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &d, NULL), 0);
	assert_true(d.valid);
	assert_int_equal(d.config, 0);
	assert_false(d.s1 || d.s2 || d.eats || d.s2vmid || d.s1ctxptr);

	/* Bypass ignores every S1/S2 field, EATS included. */
	memcpy(w, ste_vecs[7].w, sizeof(w));
	set_sbits(w, 3, 1, 4);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &d, NULL), 0);
	assert_int_equal(d.config, 4);
	assert_false(d.eats || d.s2vmid || d.s1cdmax || d.s2ttb);

	/* EATS 0b11 behaves as 0b00; EATS without IDR0.ATS is 0. */
	set_sbits(w, 3, 1, 7);
	set_sbits(w, 93, 92, 3);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &d, NULL), 0);
	assert_int_equal(d.eats, 0);
	set_sbits(w, 93, 92, 1);
	idr.feat &= ~SMMU_HW_FEAT_ATS;
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &d, NULL), 0);
	assert_int_equal(d.eats, 0);
	idr.feat |= SMMU_HW_FEAT_ATS;
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &d, NULL), 0);
	assert_int_equal(d.eats, 1);

	/* S1DSS 0b11 reads as 0b00; S1Fmt 0b11 as linear. */
	memcpy(w, ste_vecs[4].w, sizeof(w));
	set_sbits(w, 65, 64, 3);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &d, NULL), 0);
	assert_int_equal(d.s1dss, 0);

	/* STRW 0b10: NS-EL2, or NS-EL2-E2H with CR2.E2H; no VMID tagging. */
	memcpy(w, ste_vecs[4].w, sizeof(w));
	set_sbits(w, 95, 94, 2);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &d, NULL), 0);
	assert_int_equal(d.world, SMMU_HW_WORLD_NS_EL2);
	assert_int_equal(d.strw, 2);
	assert_int_equal(d.s2vmid, 0);
	idr_e2h(&idr);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &d, NULL), 0);
	assert_int_equal(d.world, SMMU_HW_WORLD_NS_EL2_E2H);

	/* Without substreams S1CDMax reads as 0 (one CD). */
	smmu_hw_cfg_idr_init(&idr, SMMU_HW_FEAT_ALL);
	idr.ssidsize = 0;
	assert_int_equal(smmu_hw_ste_decode(ste_vecs[7].w, &idr, &d, NULL), 0);
	assert_int_equal(d.s1cdmax, 0);
	assert_int_equal(d.s1dss, 0);

	/* Effective PS is MIN(S2PS, OAS). */
	smmu_hw_cfg_idr_init(&idr, SMMU_HW_FEAT_ALL);
	idr.oas = 5;
	memcpy(w, ste_vecs[6].w, sizeof(w));
	set_sbits(w, 178, 176, 6);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &d, NULL), 0);
	assert_int_equal(d.s2_pa_bits, 48);
	assert_int_equal(d.s2ps, 6);
}

struct cd_case {
	const char *name;
	unsigned int hi, lo;
	uint64_t val;
	unsigned int hi2, lo2;
	uint64_t val2;
	void (*idr)(struct smmu_hw_cfg_idr *idr);
	bool s1stalld;
	int ret;
	enum smmu_hw_cfg_why why;
};

#define BAD	SMMU_HW_EVT_C_BAD_CD

/* Base: cd_vecs[1], 4K, T0SZ 16, IPS 48, TTB0 0x123456789000, EPD1. */
static const struct cd_case cd_cases[] = {
	{ "V = 0", 31, 31, 0, 0, 0, 0, NULL, false, BAD, W(V0) },
	{ "S with S1STALLD", 44, 44, 1, 0, 0, 0, NULL, true, BAD, W(STALL) },
	{ "S without stalls", 44, 44, 1, 0, 0, 0, idr_no_stall, false, BAD, W(STALL) },
	{ "S with stalls", 44, 44, 1, 0, 0, 0, NULL, false, OK, W(NONE) },
	{ "A = 0, abort-only termination", 46, 46, 0, 0, 0, 0, idr_term, false, BAD, W(TERM) },
	{ "A = 0, RAZ/WI supported", 46, 46, 0, 0, 0, 0, NULL, false, OK, W(NONE) },
	{ "ENDI on a little-endian SMMU", 15, 15, 1, 0, 0, 0, idr_le, false, BAD, W(ENDI) },
	{ "ENDI 0 on a big-endian SMMU", 15, 15, 0, 0, 0, 0, idr_be, false, BAD, W(ENDI) },
	{ "ENDI IGNORED, both EPD", 15, 14, 3, 0, 0, 0, idr_le, false, OK, W(NONE) },
	{ "AA64 0", 41, 41, 0, 0, 0, 0, NULL, false, BAD, W(AA64) },
	{ "HA without HTTU", 43, 43, 1, 0, 0, 0, NULL, false, BAD, W(HTTU) },
	{ "HD with AF-only HTTU", 42, 42, 1, 0, 0, 0, idr_httu_af, false, BAD, W(HTTU) },
	{ "ASID 0x100 with 8-bit ASIDs", 63, 48, 0x100, 0, 0, 0, idr_asid8, false, BAD,
	  W(ASID) },
	{ "ASID 0xff with 8-bit ASIDs", 63, 48, 0xff, 0, 0, 0, idr_asid8, false, OK, W(NONE) },
	{ "T0SZ 40", 5, 0, 40, 0, 0, 0, NULL, false, BAD, W(TXSZ) },
	{ "T0SZ 15", 5, 0, 15, 0, 0, 0, NULL, false, BAD, W(TXSZ) },
	{ "T0SZ 12, 64K, 52-bit VA", 7, 0, 0x40 | 12, 0, 0, 0, NULL, false, OK, W(NONE) },
	{ "T0SZ 12, 64K, 48-bit VA", 7, 0, 0x40 | 12, 0, 0, 0, idr_va48, false, BAD, W(TXSZ) },
	{ "T0SZ IGNORED with EPD0", 14, 0, 0x4100, 0, 0, 0, NULL, false, OK, W(NONE) },
	{ "TTB1 on, T1SZ 0", 30, 30, 0, 0, 0, 0, NULL, false, BAD, W(TXSZ) },
	{ "TTB1 on, TG1 0b00 reserved", 30, 30, 0, 21, 16, 16, NULL, false, BAD, W(GRANULE) },
	{ "TG0 0b11", 7, 6, 3, 0, 0, 0, NULL, false, BAD, W(GRANULE) },
	{ "TG0 16K unsupported", 7, 6, 2, 0, 0, 0, idr_no_16k, false, BAD, W(GRANULE) },
	{ "TTB0 bit 48 with 4K, IPS 52", 112, 112, 1, 34, 32, 6, NULL, false, BAD, W(TTB) },
	{ "TTB0 outside IPS 40", 34, 32, 2, 0, 0, 0, NULL, false, BAD, W(TTB) },
	{ "TTB0 bit 44, IPS 52 capped by OAS 44", 34, 32, 6, 0, 0, 0, idr_oas44, false, BAD,
	  W(TTB) },
};

#undef BAD
#undef OK

static void test_cd_errors(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cd_cases); i++) {
		const struct cd_case *c = &cd_cases[i];
		struct smmu_hw_cfg_idr idr;
		struct smmu_hw_ste ste;
		struct smmu_hw_cd d;
		enum smmu_hw_cfg_why why;
		uint64_t w[8];
		int ret;

		memcpy(w, cd_vecs[1].w, sizeof(w));
		set_sbits(w, c->hi, c->lo, c->val);
		if (c->hi2)
			set_sbits(w, c->hi2, c->lo2, c->val2);
		smmu_hw_cfg_idr_init(&idr, SMMU_HW_FEAT_ALL);
		if (c->idr)
			c->idr(&idr);
		s1_ste(&idr, &ste);
		ste.s1stalld = c->s1stalld;
		ret = smmu_hw_cd_decode(w, &ste, &idr, &d, &why);
		if (ret != c->ret || why != c->why) {
			print_error("%s: got %s why %d, want %s why %d\n", c->name,
				    smmu_hw_evt_name(ret), why, smmu_hw_evt_name(c->ret), c->why);
			fail();
		}
	}
}

/* The StreamWorld of the STE changes how a CD reads (§5.4.1). */
static void test_cd_worlds(void **state)
{
	struct smmu_hw_cfg_idr idr;
	struct smmu_hw_ste ste;
	struct smmu_hw_cd d;
	uint64_t w[8];

	smmu_hw_cfg_idr_init(&idr, SMMU_HW_FEAT_ALL);
	s1_ste(&idr, &ste);
	ste.world = SMMU_HW_WORLD_NS_EL2;
	memcpy(w, cd_vecs[1].w, sizeof(w));
	/* EL2: EPD0 IGNORED (TTB0 still walked), no TTB1, ASID IGNORED. */
	set_sbits(w, 14, 14, 1);
	set_sbits(w, 30, 30, 0);
	idr.asid16 = false;
	assert_int_equal(smmu_hw_cd_decode(w, &ste, &idr, &d, NULL), 0);
	assert_false(d.epd0);
	assert_true(d.epd1);
	assert_int_equal(d.asid, 0);
	assert_int_equal(d.ttb0, 0x0000123456789000ull);
	/* NS-EL1 reads the same words as TTB1 enabled with T1SZ 0: ILLEGAL. */
	ste.world = SMMU_HW_WORLD_NS_EL1;
	assert_int_equal(smmu_hw_cd_decode(w, &ste, &idr, &d, NULL), SMMU_HW_EVT_C_BAD_CD);
	/* With EPD0 in EL1, TTB0 fields are IGNORED and read as 0. */
	set_sbits(w, 30, 30, 1);
	idr.asid16 = true;
	assert_int_equal(smmu_hw_cd_decode(w, &ste, &idr, &d, NULL), 0);
	assert_true(d.epd0);
	assert_int_equal(d.ttb0, 0);
	assert_int_equal(d.asid, 1);

	/* Only the 4K and 16K granules cap TTB0 at 48 bits. */
	memcpy(w, cd_vecs[1].w, sizeof(w));
	set_sbits(w, 7, 6, 1);			/* TG0 64K */
	set_sbits(w, 34, 32, 6);		/* IPS 52 */
	set_sbits(w, 112, 112, 1);		/* TTB0 address bit 48 */
	assert_int_equal(smmu_hw_cd_decode(w, &ste, &idr, &d, NULL), 0);
	assert_int_equal(d.ttb0, 0x0001123456789000ull);
	assert_int_equal(d.ipa_bits, 52);
	set_sbits(w, 7, 6, 2);			/* TG0 16K */
	assert_int_equal(smmu_hw_cd_decode(w, &ste, &idr, &d, NULL), SMMU_HW_EVT_C_BAD_CD);
}

/* ---- locating the CD ---- */

static void test_cd_locate(void **state)
{
	struct smmu_hw_cfg_idr idr;
	struct smmu_hw_ste ste;
	enum smmu_hw_cfg_why why;
	uint64_t addr, w[8];

	smmu_hw_cfg_idr_init(&idr, SMMU_HW_FEAT_ALL);

	/* Abort: no event; bypass and S2-only: no CD, an SSID is C_BAD_SUBSTREAMID. */
	assert_int_equal(smmu_hw_ste_decode(ste_vecs[1].w, &idr, &ste, NULL), 0);
	assert_int_equal(smmu_hw_cd_locate(&ste, false, 0, &addr, &why), SMMU_HW_CFG_ABORT);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 3, &addr, &why), SMMU_HW_CFG_ABORT);
	assert_int_equal(smmu_hw_ste_decode(ste_vecs[2].w, &idr, &ste, NULL), 0);
	assert_int_equal(smmu_hw_cd_locate(&ste, false, 0, &addr, &why), SMMU_HW_CFG_NO_CD);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 0, &addr, &why),
			 SMMU_HW_EVT_C_BAD_SUBSTREAMID);
	assert_int_equal(why, SMMU_HW_CFG_WHY_SSID_NO_S1);
	assert_int_equal(smmu_hw_ste_decode(ste_vecs[5].w, &idr, &ste, NULL), 0);
	assert_int_equal(smmu_hw_cd_locate(&ste, false, 0, &addr, &why), SMMU_HW_CFG_NO_CD);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 1, &addr, &why),
			 SMMU_HW_EVT_C_BAD_SUBSTREAMID);
	assert_int_equal(why, SMMU_HW_CFG_WHY_SSID_NO_S1);

	/* One CD: used without an SSID; any SSID is C_BAD_SUBSTREAMID. */
	assert_int_equal(smmu_hw_ste_decode(ste_vecs[3].w, &idr, &ste, NULL), 0);
	assert_int_equal(smmu_hw_cd_locate(&ste, false, 0, &addr, &why), 0);
	assert_int_equal(addr, 0x12345640);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 0, &addr, &why),
			 SMMU_HW_EVT_C_BAD_SUBSTREAMID);
	assert_int_equal(why, SMMU_HW_CFG_WHY_SSID_DISABLED);

	/* 16 CDs, S1DSS 0b10 as built: no SSID -> CD 0; SSID 0 -> F_STREAM_DISABLED. */
	assert_int_equal(smmu_hw_ste_decode(ste_vecs[4].w, &idr, &ste, NULL), 0);
	assert_int_equal(smmu_hw_cd_locate(&ste, false, 0, &addr, &why), 0);
	assert_int_equal(addr, 0x80000400);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 0, &addr, &why),
			 SMMU_HW_EVT_F_STREAM_DISABLED);
	assert_int_equal(why, SMMU_HW_CFG_WHY_SSID0);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 5, &addr, &why), 0);
	assert_int_equal(addr, 0x80000400 + 5 * 64);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 15, &addr, &why), 0);
	assert_int_equal(addr, 0x80000400 + 15 * 64);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 16, &addr, &why),
			 SMMU_HW_EVT_C_BAD_SUBSTREAMID);
	assert_int_equal(why, SMMU_HW_CFG_WHY_SSID_RANGE);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 0xfffff, &addr, &why),
			 SMMU_HW_EVT_C_BAD_SUBSTREAMID);

	/* S1DSS 0b00 (and 0b11): no SSID is F_STREAM_DISABLED; SSID 0 is CD 0. */
	memcpy(w, ste_vecs[4].w, sizeof(w));
	set_sbits(w, 65, 64, 0);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &ste, NULL), 0);
	assert_int_equal(smmu_hw_cd_locate(&ste, false, 0, &addr, &why),
			 SMMU_HW_EVT_F_STREAM_DISABLED);
	assert_int_equal(why, SMMU_HW_CFG_WHY_NO_SSID);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 0, &addr, &why), 0);
	assert_int_equal(addr, 0x80000400);
	set_sbits(w, 65, 64, 3);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &ste, NULL), 0);
	assert_int_equal(smmu_hw_cd_locate(&ste, false, 0, &addr, &why),
			 SMMU_HW_EVT_F_STREAM_DISABLED);

	/* S1DSS 0b01: no SSID bypasses stage 1. */
	set_sbits(w, 65, 64, 1);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &ste, NULL), 0);
	assert_int_equal(smmu_hw_cd_locate(&ste, false, 0, &addr, &why), SMMU_HW_CFG_NO_CD);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 2, &addr, &why), 0);
	assert_int_equal(addr, 0x80000400 + 128);

	/* RES0 pointer bits under the table size are taken as zero. */
	set_sbits(w, 55, 6, (0x80000400ull | 0x140) >> 6);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &ste, NULL), 0);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 3, &addr, &why), 0);
	assert_int_equal(addr, 0x80000400 + 192);

	/* CD 2^20 - 1 of the largest table. */
	assert_int_equal(smmu_hw_ste_decode(ste_vecs[7].w, &idr, &ste, NULL), 0);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 0xfffff, &addr, &why), 0);
	assert_int_equal(addr, 0x100000000ull + 0xfffffull * 64);
}

/* ---- two-level tables (§3.3.2, §5.1 L1STD, §5.3 L1CD, §6.3.25) ---- */

/* The test's memory: physical addresses are host addresses. */
static const uint64_t *id_va(void *arg, uint64_t pa)
{
	(void)arg;
	return pa ? (const uint64_t *)(uintptr_t)pa : NULL;
}

static const struct smmu_hw_mem id_mem = { id_va, NULL };

static void test_l1_descriptors(void **state)
{
	uint64_t d = 0x5a5a;

	(void)state;
	/* L1STD: Span [4:0], L2Ptr [55:6], the array aligned to its 2^(Span-1) STEs. */
	assert_int_equal(invt_smmu_l1std_build(0x12344000, 9, &d), 0);
	assert_int_equal(d, 0x12344000ull | 9);
	assert_int_equal(invt_smmu_l1std_build(0xfffffffff000ull, 7, &d), 0);
	assert_int_equal(d & 0x1f, 7);
	assert_int_equal(d >> 6, 0xfffffffff000ull >> 6);
	assert_int_equal(invt_smmu_l1std_build(0x40, 1, &d), 0);	/* one STE */
	assert_int_equal(d, 0x41);
	assert_int_equal(invt_smmu_l1std_build(0, 0, &d), 0);		/* invalid */
	assert_int_equal(d, 0);
	d = 0x5a5a;
	assert_int_equal(invt_smmu_l1std_build(0x12342000, 9, &d), -EINVAL); /* 8K < 16K */
	assert_int_equal(invt_smmu_l1std_build(0x1000, 0, &d), -EINVAL);
	assert_int_equal(invt_smmu_l1std_build(0x10000000, 12, &d), -EINVAL); /* Reserved */
	assert_int_equal(invt_smmu_l1std_build(1ull << 52, 1, &d), -EINVAL);
	assert_int_equal(d, 0x5a5a);

	/* L1CD: V [0], L2Ptr [55:12]. */
	assert_int_equal(invt_smmu_l1cd_build(0x87650000, true, &d), 0);
	assert_int_equal(d, 0x87650001ull);
	assert_int_equal(invt_smmu_l1cd_build(0xffffffffff000ull, true, &d), 0);
	assert_int_equal(d, 0xffffffffff001ull);
	assert_int_equal(invt_smmu_l1cd_build(0, false, &d), 0);
	assert_int_equal(d, 0);
	d = 0x5a5a;
	assert_int_equal(invt_smmu_l1cd_build(0x87650800, true, &d), -EINVAL);
	assert_int_equal(invt_smmu_l1cd_build(0x1000, false, &d), -EINVAL);
	assert_int_equal(invt_smmu_l1cd_build(1ull << 52, true, &d), -EINVAL);
	assert_int_equal(d, 0x5a5a);
}

/* STE.S1Fmt [5:4] with S1CDMax: built, parsed, legal only with IDR0.CD2L. */
static void test_ste_s1fmt(void **state)
{
	struct invt_smmu_ste ste = { .valid = true, .config = INVT_SMMU_STE_S1, .s1cdmax = 12,
				     .s1fmt = INVT_SMMU_S1FMT_L2_64K, .s1ctxptr = 0x40000040 };
	struct smmu_hw_cfg_idr idr;
	enum smmu_hw_cfg_why why;
	struct smmu_hw_ste m;
	uint64_t w[8];

	(void)state;
	smmu_hw_cfg_idr_init(&idr, SMMU_HW_FEAT_ALL);
	/* 2^(12 - 10) L1CDs = 32 bytes: the pointer needs 64-byte alignment only. */
	assert_int_equal(invt_smmu_ste_build(&ste, w), 0);
	assert_int_equal((w[0] >> 4) & 3, 2);
	assert_int_equal((w[0] >> 59) & 0x1f, 12);
	assert_int_equal(w[0] & 0x00ffffffffffffc0ull, 0x40000040);
	/* Without CD2L: ILLEGAL (§5.2 S1Fmt); with it, parsed as built. */
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &m, &why), SMMU_HW_EVT_C_BAD_STE);
	assert_int_equal(why, SMMU_HW_CFG_WHY_S1FMT);
	idr.cd2l = true;
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &m, &why), 0);
	assert_int_equal(m.s1fmt, 2);
	assert_int_equal(m.s1cdmax, 12);
	/* 4K leaves (0b01), 2^(20 - 6) L1CDs = 128 KiB: aligned to it. */
	ste.s1fmt = INVT_SMMU_S1FMT_L2_4K;
	ste.s1cdmax = 20;
	assert_int_equal(invt_smmu_ste_build(&ste, w), -EINVAL);
	ste.s1ctxptr = 0x40020000;
	assert_int_equal(invt_smmu_ste_build(&ste, w), 0);
	assert_int_equal((w[0] >> 4) & 3, 1);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &m, &why), 0);
	assert_int_equal(m.s1fmt, 1);
	/* 0b11 Reserved, behaves as 0b00; S1Fmt IGNORED without substreams. */
	w[0] |= 3ull << 4;
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &m, &why), 0);
	assert_int_equal(m.s1fmt, 0);
	/*
	 * A nested STE (Config 0b111) over a guest's two-level CD table, word
	 * by word (§5.2): word 0 V [0], Config [3:1] 0b111, S1Fmt [5:4] 0b10,
	 * S1ContextPtr [55:6] (an IPA), S1CDMax [63:59] 12; word 1 S1DSS 0b10,
	 * S1CIR / S1COR 0b01, S1CSH 0b11 (0xd6); word 2 S2VMID [143:128],
	 * S2T0SZ 16 [165:160], S2SL0 0b10 [167:166], S2IR0 / S2OR0 0b01, S2SH0
	 * 0b11, S2TG 4K, S2PS 48 bits (0b101) [178:176], S2AA64 [179], S2R
	 * [186]; word 3 S2TTB [243:196].
	 */
	{
		const struct invt_smmu_ste n = {
			.valid = true, .config = INVT_SMMU_STE_NESTED, .s1cdmax = 12,
			.s1fmt = INVT_SMMU_S1FMT_L2_64K, .s1ctxptr = 0x40000040, .s2vmid = 0x2a,
			.s2t0sz = 16, .s2sl0 = 2, .s2tg = INVT_SMMU_TG_4K,
			.s2ps = INVT_SMMU_PS_48, .s2r = true, .s2ttb = 0x0000001234567000ull };
		const uint64_t want[8] = { 0x600000004000006full, 0x00000000000000d6ull,
					   0x040d35900000002aull, 0x0000001234567000ull };

		assert_int_equal(invt_smmu_ste_build(&n, w), 0);
		assert_memory_equal(w, want, sizeof(want));
		assert_int_equal(smmu_hw_ste_decode(w, &idr, &m, &why), 0);
		assert_true(m.s1 && m.s2);
		assert_int_equal(m.config, 7);
		assert_int_equal(m.s1fmt, 2);
		assert_int_equal(m.s1cdmax, 12);
		assert_int_equal(m.s1ctxptr, 0x40000040);
		assert_int_equal(m.s2vmid, 0x2a);
		assert_int_equal(m.s2ttb, 0x0000001234567000ull);
		assert_int_equal(m.s2_level, 0);
	}
	/* The builder refuses S1Fmt > 0b10, or without S1CDMax. */
	ste.s1fmt = 3;
	assert_int_equal(invt_smmu_ste_build(&ste, w), -EINVAL);
	ste.s1fmt = INVT_SMMU_S1FMT_L2_64K;
	ste.s1cdmax = 0;
	assert_int_equal(invt_smmu_ste_build(&ste, w), -EINVAL);
}

static void test_ste_locate(void **state)
{
	static uint64_t l1[4] __attribute__((aligned(64)));
	static uint64_t l2[256 * 8] __attribute__((aligned(16384)));
	uint64_t base = (uintptr_t)l1, l2pa = (uintptr_t)l2, addr;
	const uint32_t fmt2 = 1u << 16, split8 = 8u << 6;
	struct smmu_hw_cfg_idr idr;
	enum smmu_hw_cfg_why why;

	(void)state;
	smmu_hw_cfg_idr_init(&idr, SMMU_HW_FEAT_ALL);
	idr.sidsize = 10;

	/* Linear: base aligned to the table, 64 * sid; sid >= 2^LOG2SIZE out of range. */
	assert_int_equal(smmu_hw_ste_locate(&idr, 0x80000000 | 0x40, 6, 5, &id_mem, &addr, &why),
			 0);
	assert_int_equal(addr, 0x80000000 + 5 * 64);
	assert_int_equal(smmu_hw_ste_locate(&idr, 0x80000000, 6, 64, &id_mem, &addr, &why),
			 SMMU_HW_EVT_C_BAD_STREAMID);
	assert_int_equal(why, SMMU_HW_CFG_WHY_SID_RANGE);
	/* The effective LOG2SIZE is MIN(LOG2SIZE, SIDSIZE). */
	assert_int_equal(smmu_hw_ste_locate(&idr, 0x80000000, 16, 1024, &id_mem, &addr, &why),
			 SMMU_HW_EVT_C_BAD_STREAMID);
	/* FMT 0b01 without ST_LEVEL: RES0, linear. */
	assert_int_equal(smmu_hw_ste_locate(&idr, 0x80000000, fmt2 | split8 | 10, 700, &id_mem,
					    &addr, &why), 0);
	assert_int_equal(addr, 0x80000000 + 700 * 64);

	/* Two levels, SPLIT 8: L1STD sid[9:8], STE sid[7:0]. */
	idr.st_2lvl = true;
	memset(l1, 0, sizeof(l1));
	assert_int_equal(smmu_hw_ste_locate(&idr, base, fmt2 | split8 | 10, 0x2a5, &id_mem, &addr,
					    &why), SMMU_HW_EVT_C_BAD_STREAMID);
	assert_int_equal(why, SMMU_HW_CFG_WHY_SID_L1);		/* Span 0 */
	assert_int_equal(invt_smmu_l1std_build(l2pa, 9, &l1[2]), 0);
	l1[2] = htole64(l1[2]);
	assert_int_equal(smmu_hw_ste_locate(&idr, base, fmt2 | split8 | 10, 0x2a5, &id_mem, &addr,
					    &why), 0);
	assert_int_equal(addr, l2pa + 0xa5 * 64);
	/* A smaller Span: StreamIDs beyond 2^(Span - 1) are invalid. */
	l1[2] = htole64(l2pa | 5);				/* 16 STEs */
	assert_int_equal(smmu_hw_ste_locate(&idr, base, fmt2 | split8 | 10, 0x20f, &id_mem, &addr,
					    &why), 0);
	assert_int_equal(addr, l2pa + 15 * 64);
	assert_int_equal(smmu_hw_ste_locate(&idr, base, fmt2 | split8 | 10, 0x210, &id_mem, &addr,
					    &why), SMMU_HW_EVT_C_BAD_STREAMID);
	assert_int_equal(why, SMMU_HW_CFG_WHY_SID_SPAN);
	/* Span above SPLIT + 1, or Reserved (12..31): invalid. */
	l1[2] = htole64(l2pa | 10);
	assert_int_equal(smmu_hw_ste_locate(&idr, base, fmt2 | split8 | 10, 0x200, &id_mem, &addr,
					    &why), SMMU_HW_EVT_C_BAD_STREAMID);
	assert_int_equal(why, SMMU_HW_CFG_WHY_SID_L1);
	l1[2] = htole64(l2pa | 12);
	assert_int_equal(smmu_hw_ste_locate(&idr, base, fmt2 | split8 | 10, 0x200, &id_mem, &addr,
					    &why), SMMU_HW_EVT_C_BAD_STREAMID);
	/* L2Ptr bits under the array's size are taken as 0. */
	l1[2] = htole64((l2pa + 0x200) | 5);			/* 16 STEs: 1 KiB */
	assert_int_equal(smmu_hw_ste_locate(&idr, base, fmt2 | split8 | 10, 0x203, &id_mem, &addr,
					    &why), 0);
	assert_int_equal(addr, l2pa + 3 * 64);
	/* SPLIT Reserved (7) behaves as 6: L1STD sid[9:6], Span up to 7. */
	memset(l1, 0, sizeof(l1));
	l1[1] = htole64(l2pa | 7);
	assert_int_equal(smmu_hw_ste_locate(&idr, base, fmt2 | 7u << 6 | 8, 0x45, &id_mem, &addr,
					    &why), 0);
	assert_int_equal(addr, l2pa + 5 * 64);
	/* An L1STD outside memory: F_STE_FETCH. */
	assert_int_equal(smmu_hw_ste_locate(&idr, 0, fmt2 | split8 | 10, 0x45, &id_mem, &addr,
					    &why), SMMU_HW_EVT_F_STE_FETCH);
}

static void test_cd_find_2lvl(void **state)
{
	static uint64_t l1[8] __attribute__((aligned(64)));
	static uint64_t l2[64 * 8] __attribute__((aligned(4096)));
	struct invt_smmu_ste b = { .valid = true, .config = INVT_SMMU_STE_S1, .s1cdmax = 8,
				   .s1fmt = INVT_SMMU_S1FMT_L2_4K };
	uint64_t l2pa = (uintptr_t)l2, addr, w[8];
	struct smmu_hw_cfg_idr idr;
	enum smmu_hw_cfg_why why;
	struct smmu_hw_ste ste;

	(void)state;
	smmu_hw_cfg_idr_init(&idr, SMMU_HW_FEAT_ALL);
	idr.cd2l = true;
	b.s1ctxptr = (uintptr_t)l1;
	assert_int_equal(invt_smmu_ste_build(&b, w), 0);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &ste, NULL), 0);
	memset(l1, 0, sizeof(l1));
	/* 4K leaves of 64 CDs: L1CD ssid[7:6], CD ssid[5:0]. */
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 0x85, &addr, &why), SMMU_HW_CFG_L1CD);
	assert_int_equal(addr, (uintptr_t)&l1[2]);
	/* V == 0: C_BAD_SUBSTREAMID (§5.3.1). */
	assert_int_equal(smmu_hw_cd_find(&ste, true, 0x85, &id_mem, &addr, &why),
			 SMMU_HW_EVT_C_BAD_SUBSTREAMID);
	assert_int_equal(why, SMMU_HW_CFG_WHY_SSID_L1);
	assert_int_equal(invt_smmu_l1cd_build(l2pa, true, &l1[2]), 0);
	l1[2] = htole64(l1[2]);
	assert_int_equal(smmu_hw_cd_find(&ste, true, 0x85, &id_mem, &addr, &why), 0);
	assert_int_equal(addr, l2pa + 5 * 64);
	/* Range checks come first: ssid >= 2^S1CDMax, SubstreamID 0 with S1DSS 0b10. */
	assert_int_equal(smmu_hw_cd_find(&ste, true, 0x100, &id_mem, &addr, &why),
			 SMMU_HW_EVT_C_BAD_SUBSTREAMID);
	assert_int_equal(why, SMMU_HW_CFG_WHY_SSID_RANGE);
	assert_int_equal(smmu_hw_cd_find(&ste, true, 0, &id_mem, &addr, &why),
			 SMMU_HW_EVT_F_STREAM_DISABLED);
	/* No SubstreamID: CD 0, through L1CD 0 (V == 0 here). */
	assert_int_equal(smmu_hw_cd_find(&ste, false, 0, &id_mem, &addr, &why),
			 SMMU_HW_EVT_C_BAD_SUBSTREAMID);
	l1[0] = htole64(l2pa | 1);
	assert_int_equal(smmu_hw_cd_find(&ste, false, 0, &id_mem, &addr, &why), 0);
	assert_int_equal(addr, l2pa);
	/* 64K leaves (0b10): one L1CD for S1CDMax <= 10, CD ssid[9:0]. */
	b.s1fmt = INVT_SMMU_S1FMT_L2_64K;
	assert_int_equal(invt_smmu_ste_build(&b, w), 0);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &ste, NULL), 0);
	assert_int_equal(smmu_hw_cd_find(&ste, true, 0xc5, &id_mem, &addr, &why), 0);
	assert_int_equal(addr, l2pa + 0xc5 * 64);
	/* Linear tables need no memory read. */
	b.s1fmt = INVT_SMMU_S1FMT_LINEAR;
	b.s1ctxptr = 0x80000000;
	assert_int_equal(invt_smmu_ste_build(&b, w), 0);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &ste, NULL), 0);
	assert_int_equal(smmu_hw_cd_find(&ste, true, 0xc5, NULL, &addr, &why), 0);
	assert_int_equal(addr, 0x80000000 + 0xc5 * 64);
}

/* ---- install ordering ---- */

enum seen { SEEN_INVALID, SEEN_OLD, SEEN_NEW, SEEN_TORN, SEEN_NR };

struct race {
	uint64_t slot[8] __attribute__((aligned(64)));
	uint64_t old_w[8];
	uint64_t new_w[8];
	bool cd;			/* the slot holds a CD, read through @ste */
	struct smmu_hw_ste ste;
	struct smmu_hw_cfg_idr idr;
	unsigned long gen;		/* parses completed by the worker */
	int stop;
	/* Written by the worker only; read after the join. */
	unsigned long seen[SEEN_NR];
	uint64_t torn_raw[8];
	int torn_ret;
};

static enum seen classify(const struct race *r, int ret, int why, const uint64_t *raw)
{
	if (ret && why == SMMU_HW_CFG_WHY_V0)
		return SEEN_INVALID;
	if (!ret && !memcmp(raw, r->old_w, sizeof(r->old_w)))
		return SEEN_OLD;
	if (!ret && !memcmp(raw, r->new_w, sizeof(r->new_w)))
		return SEEN_NEW;
	return SEEN_TORN;
}

static enum seen parse_once(struct race *r, int *retp, uint64_t *raw)
{
	enum smmu_hw_cfg_why why;
	struct smmu_hw_ste s;
	struct smmu_hw_cd c;
	int ret;

	if (r->cd) {
		ret = smmu_hw_cd_parse(r->slot, &r->ste, &r->idr, &c, &why);
		memcpy(raw, c.raw, sizeof(c.raw));
	} else {
		ret = smmu_hw_ste_parse(r->slot, &r->idr, &s, &why);
		memcpy(raw, s.raw, sizeof(s.raw));
	}
	*retp = ret;
	return classify(r, ret, why, raw);
}

/* The hardware: parses the slot in a loop, collects what it saw. */
static void *race_worker(void *arg)
{
	struct race *r = arg;
	uint64_t raw[8];
	enum seen k;
	int ret;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		k = parse_once(r, &ret, raw);
		if (k == SEEN_TORN && !r->seen[SEEN_TORN]) {
			memcpy(r->torn_raw, raw, sizeof(raw));
			r->torn_ret = ret;
		}
		r->seen[k]++;
		/*
		 * End of one structure walk.  Acq-rel read-modify-write: the
		 * parse above happens before a waiter that sees this count,
		 * and a store the waiter made before its own read-modify-write
		 * of @gen is visible to the parses after this one.
		 */
		if ((__atomic_fetch_add(&r->gen, 1, __ATOMIC_SEQ_CST) & 7) == 0)
			sched_yield();
	}
	return NULL;
}

/*
 * CMD_CFGI + CMD_SYNC, as far as the structure's reader is concerned: the
 * sync completes once every walk that may have started before it has
 * finished (§3.21.3), i.e. after two more completed parses.
 */
static void fake_cfgi_sync(struct race *r)
{
	unsigned long g0 = __atomic_fetch_add(&r->gen, 0, __ATOMIC_SEQ_CST);

	while (__atomic_load_n(&r->gen, __ATOMIC_ACQUIRE) < g0 + 2)
		sched_yield();
}

/* A fixed amount of work, never a time: about a second here, sanitizers included. */
#define RACE_CHANGES	1000

static void run_race(struct race *r)
{
	pthread_t t;
	int i, k;

	memset(r->slot, 0, sizeof(r->slot));
	invt_smmu_cfg_write(r->slot, r->old_w);
	assert_int_equal(pthread_create(&t, NULL, race_worker, r), 0);
	for (i = 0; i < RACE_CHANGES; i++) {
		const uint64_t *to = (i & 1) ? r->old_w : r->new_w;

		invt_smmu_cfg_break(r->slot);
		fake_cfgi_sync(r);
		invt_smmu_cfg_write_body(r->slot, to);
		fake_cfgi_sync(r);
		invt_smmu_cfg_make_valid(r->slot, to);
		fake_cfgi_sync(r);
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(t, NULL), 0);

	print_message("%s: %d changes; parses: %lu invalid, %lu old, %lu new, %lu torn\n",
		      r->cd ? "CD" : "STE", i, r->seen[SEEN_INVALID], r->seen[SEEN_OLD],
		      r->seen[SEEN_NEW], r->seen[SEEN_TORN]);
	if (r->seen[SEEN_TORN]) {
		for (k = 0; k < 8; k++)
			print_error("torn w%d %016llx (old %016llx new %016llx)\n", k,
				    (unsigned long long)r->torn_raw[k],
				    (unsigned long long)r->old_w[k],
				    (unsigned long long)r->new_w[k]);
		fail();
	}
	/* Each sync waits for whole parses: every state was seen at least once. */
	assert_true(r->seen[SEEN_INVALID] > 0);
	assert_true(r->seen[SEEN_OLD] > 0);
	assert_true(r->seen[SEEN_NEW] > 0);
}

static void test_install_ordering_ste(void **state)
{
	static struct race r;

	memset(&r, 0, sizeof(r));
	smmu_hw_cfg_idr_init(&r.idr, SMMU_HW_FEAT_ALL);
	/* Nested -> S2-only and back: words 0 to 3 all differ. */
	memcpy(r.old_w, ste_vecs[7].w, sizeof(r.old_w));
	memcpy(r.new_w, ste_vecs[5].w, sizeof(r.new_w));
	run_race(&r);
}

static void test_install_ordering_cd(void **state)
{
	static struct race r;

	memset(&r, 0, sizeof(r));
	smmu_hw_cfg_idr_init(&r.idr, SMMU_HW_FEAT_ALL);
	r.cd = true;
	s1_ste(&r.idr, &r.ste);
	memcpy(r.old_w, cd_vecs[1].w, sizeof(r.old_w));
	memcpy(r.new_w, cd_vecs[2].w, sizeof(r.new_w));
	run_race(&r);
}

/*
 * The check above can see a mix: skipping the break step and writing the
 * new body under the old valid word 0 is exactly what it reports as torn
 * (deterministically, single thread).
 */
static void test_torn_detector(void **state)
{
	static struct race r;
	uint64_t raw[8];
	int ret;

	memset(&r, 0, sizeof(r));
	smmu_hw_cfg_idr_init(&r.idr, SMMU_HW_FEAT_ALL);
	memcpy(r.old_w, ste_vecs[7].w, sizeof(r.old_w));
	memcpy(r.new_w, ste_vecs[5].w, sizeof(r.new_w));
	invt_smmu_cfg_write(r.slot, r.old_w);
	assert_int_equal(parse_once(&r, &ret, raw), SEEN_OLD);
	invt_smmu_cfg_write_body(r.slot, r.new_w);	/* no break first: wrong */
	assert_int_equal(parse_once(&r, &ret, raw), SEEN_TORN);
	/* The right order. */
	invt_smmu_cfg_break(r.slot);
	assert_int_equal(parse_once(&r, &ret, raw), SEEN_INVALID);
	invt_smmu_cfg_write_body(r.slot, r.new_w);
	assert_int_equal(parse_once(&r, &ret, raw), SEEN_INVALID);
	invt_smmu_cfg_make_valid(r.slot, r.new_w);
	assert_int_equal(parse_once(&r, &ret, raw), SEEN_NEW);
}

/* ------------------------------------------ geometry from the ID registers */

static const unsigned int oas_sizes[] = { 32, 36, 40, 42, 44, 48, 52 };
static const uint8_t granules[] = { INVT_SMMU_TG_4K, INVT_SMMU_TG_16K, INVT_SMMU_TG_64K };

/* An SMMU with OAS @bits (IAS the same: no AArch32 tables). */
static struct smmu_hw_cfg_idr idr_oas(unsigned int bits)
{
	struct smmu_hw_cfg_idr idr;

	smmu_hw_cfg_idr_init(&idr, SMMU_HW_FEAT_ALL);
	idr.oas = (uint8_t)invt_smmu_ps_encode(bits);
	return idr;
}

static void test_ps_encode(void **state)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(oas_sizes); i++) {
		assert_int_equal(invt_smmu_ps_encode(oas_sizes[i]), (int)i);
		assert_int_equal(invt_smmu_ps_bits(i), oas_sizes[i]);
	}
	assert_int_equal(invt_smmu_ps_encode(46), -EINVAL);
	assert_int_equal(invt_smmu_ps_encode(0), -EINVAL);
	assert_int_equal(invt_smmu_ps_bits(7), 0);
}

/* Hand-derived values: S2T0SZ and S2SL0 for each OAS with the 4K granule. */
static void test_s2_geometry_4k(void **state)
{
	/* IPA bits, S2T0SZ, S2SL0 (4K: 2 = level 0, 1 = level 1, 0 = level 2). */
	static const struct { unsigned int ia; uint8_t t0sz, sl0, level; } v[] = {
		{ 48, 16, 2, 0 }, { 44, 20, 2, 0 }, { 42, 22, 2, 0 }, { 40, 24, 2, 0 },
		{ 39, 25, 1, 1 }, { 36, 28, 1, 1 }, { 32, 32, 1, 1 }, { 30, 34, 0, 2 },
		{ 25, 39, 0, 2 },
	};
	struct invt_smmu_geometry g;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		assert_int_equal(invt_smmu_s2_geometry(v[i].ia, INVT_SMMU_TG_4K, 48, &g), 0);
		assert_int_equal(g.txsz, v[i].t0sz);
		assert_int_equal(g.sl0, v[i].sl0);
		assert_int_equal(g.level, v[i].level);
		assert_int_equal(g.concat, 1);
	}
	/* 16K at 48 bits: level 0 is not encodable, level 1 with 2 tables. */
	assert_int_equal(invt_smmu_s2_geometry(48, INVT_SMMU_TG_16K, 48, &g), 0);
	assert_int_equal(g.level, 1);
	assert_int_equal(g.sl0, 2);
	assert_int_equal(g.concat, 2);
	/* Wider than IAS (the case of issue 17: 48-bit IPA, OAS 44): refused. */
	assert_int_equal(invt_smmu_s2_geometry(48, INVT_SMMU_TG_4K, 44, &g), -ERANGE);
	assert_int_equal(invt_smmu_s2_geometry(41, INVT_SMMU_TG_4K, 40, &g), -ERANGE);
	assert_int_equal(invt_smmu_s2_geometry(52, INVT_SMMU_TG_4K, 52, &g), -ERANGE);
	assert_int_equal(invt_smmu_s2_geometry(24, INVT_SMMU_TG_4K, 48, &g), -EINVAL);
	assert_int_equal(invt_smmu_s2_geometry(40, 0, 48, &g), -EINVAL);
}

/*
 * For every OAS and granule: the widest stage-2 domain the SMMU can take
 * (IPA = MIN(IAS, 48, or 52 with 64K)), the STE built from the derived
 * fields, parsed by the model as an SMMU of that OAS: legal, with the
 * starting level and output size derived.  One bit wider: refused by the
 * driver, and the STE a driver would build anyway is ILLEGAL (TXSZ).
 */
static void test_s2_derived_fields(void **state)
{
	unsigned int i, j, illegal = 0;

	for (i = 0; i < ARRAY_SIZE(oas_sizes); i++) {
		struct smmu_hw_cfg_idr idr = idr_oas(oas_sizes[i]);

		for (j = 0; j < ARRAY_SIZE(granules); j++) {
			unsigned int shift = test_gshift(granules[j]);
			unsigned int ia = oas_sizes[i], max = shift == 16 ? 52 : 48;
			struct invt_smmu_ste ste = { .valid = true, .config = INVT_SMMU_STE_S2,
						     .s2vmid = 3, .s2tg = granules[j], .s2r = true,
						     .s2ttb = 1ull << 24 };
			struct invt_smmu_geometry g;
			enum smmu_hw_cfg_why why;
			struct smmu_hw_ste hs;
			uint64_t w[INVT_SMMU_CFG_WORDS];

			if (ia > max)
				ia = max;
			assert_int_equal(invt_smmu_s2_geometry(ia, granules[j], oas_sizes[i], &g),
					 0);
			ste.s2t0sz = g.txsz;
			ste.s2sl0 = g.sl0;
			ste.s2ps = (uint8_t)invt_smmu_ps_encode(oas_sizes[i]);
			assert_int_equal(invt_smmu_ste_build(&ste, w), 0);
			if (smmu_hw_ste_decode(w, &idr, &hs, &why))
				fail_msg("OAS %u granule %u: C_BAD_STE, rule %d", oas_sizes[i],
					 shift, (int)why);
			assert_int_equal(hs.s2t0sz, 64 - ia);
			assert_int_equal(hs.s2_level, g.level);
			assert_int_equal(hs.s2_pa_bits, oas_sizes[i]);

			/* One bit more than the SMMU holds. */
			if (ia + 1 > max)
				continue;
			assert_int_equal(invt_smmu_s2_geometry(ia + 1, granules[j], oas_sizes[i],
							       &g), -ERANGE);
			ste.s2t0sz = (uint8_t)(64 - ia - 1);
			if (shift == 12)	/* the level a 4K walk of ia + 1 bits starts at */
				ste.s2sl0 = ia + 1 > 39 ? 2 : ia + 1 > 30 ? 1 : 0;
			if (invt_smmu_ste_build(&ste, w))
				continue;	/* the builder's own consistency check */
			assert_int_equal(smmu_hw_ste_decode(w, &idr, &hs, &why),
					 SMMU_HW_EVT_C_BAD_STE);
			assert_int_equal(why, SMMU_HW_CFG_WHY_TXSZ);
			illegal++;
		}
	}
	/* Every 4K and 16K case below 48 bits, and 64K below 52. */
	assert_true(illegal >= 12);
}

/* CD.T0SZ from the VA size, CD.IPS = OAS, for every OAS and granule. */
static void test_cd_derived_fields(void **state)
{
	static const unsigned int va[] = { 48, 44, 39, 32, 25 };
	unsigned int i, j, k;

	for (i = 0; i < ARRAY_SIZE(oas_sizes); i++) {
		struct smmu_hw_cfg_idr idr = idr_oas(oas_sizes[i]);
		struct smmu_hw_ste ste;
		uint64_t sw[INVT_SMMU_CFG_WORDS] = { 0 };

		/* A valid S1 STE for the CD's context (NS-EL1). */
		sw[0] = 1 | (uint64_t)INVT_SMMU_STE_S1 << 1;
		assert_int_equal(smmu_hw_ste_decode(sw, &idr, &ste, NULL), 0);
		for (j = 0; j < ARRAY_SIZE(granules); j++) {
			for (k = 0; k < ARRAY_SIZE(va); k++) {
				struct invt_smmu_cd cd = { .valid = true, .tg0 = granules[j],
							   .asid = 7, .ttb0 = 1ull << 24,
							   .mair = 0xff };
				struct invt_smmu_geometry g;
				struct smmu_hw_cd hc;
				enum smmu_hw_cfg_why why;
				uint64_t w[INVT_SMMU_CFG_WORDS];

				assert_int_equal(invt_smmu_s1_geometry(va[k], granules[j], false,
								       &g), 0);
				cd.t0sz = g.txsz;
				cd.ips = (uint8_t)invt_smmu_ps_encode(oas_sizes[i]);
				assert_int_equal(invt_smmu_cd_build(&cd, w), 0);
				if (smmu_hw_cd_decode(w, &ste, &idr, &hc, &why))
					fail_msg("OAS %u granule %u VA %u: C_BAD_CD, rule %d",
						 oas_sizes[i], test_gshift(granules[j]), va[k],
						 (int)why);
				assert_int_equal(hc.t0sz, 64 - va[k]);
				assert_int_equal(hc.s1_level0, g.level);
				assert_int_equal(hc.ipa_bits, oas_sizes[i]);
			}
		}
	}
	/* 52-bit VAs need the 64K granule and IDR5.VAX. */
	{
		struct invt_smmu_geometry g;

		assert_int_equal(invt_smmu_s1_geometry(52, INVT_SMMU_TG_4K, true, &g), -EINVAL);
		assert_int_equal(invt_smmu_s1_geometry(52, INVT_SMMU_TG_64K, false, &g), -EINVAL);
		assert_int_equal(invt_smmu_s1_geometry(52, INVT_SMMU_TG_64K, true, &g), 0);
		assert_int_equal(g.txsz, 12);
	}
}

/*
 * What issue 17 found: a fixed S2T0SZ of 16 (48-bit IPA) on an SMMU with
 * a 44-bit OAS (IAS 44) is ILLEGAL; the model records C_BAD_STE.
 */
static void test_s2t0sz_out_of_range(void **state)
{
	struct smmu_hw_cfg_idr idr = idr_oas(44);
	struct invt_smmu_ste ste = { .valid = true, .config = INVT_SMMU_STE_S2, .s2vmid = 1,
				     .s2t0sz = 16, .s2sl0 = 2, .s2tg = INVT_SMMU_TG_4K,
				     .s2ps = INVT_SMMU_PS_48, .s2ttb = 1ull << 24 };
	enum smmu_hw_cfg_why why;
	struct smmu_hw_ste hs;
	uint64_t w[INVT_SMMU_CFG_WORDS];

	assert_int_equal(invt_smmu_ste_build(&ste, w), 0);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &hs, &why), SMMU_HW_EVT_C_BAD_STE);
	assert_int_equal(why, SMMU_HW_CFG_WHY_TXSZ);
	/* The same STE on a 48-bit SMMU is legal; S2T0SZ 20 is on the 44-bit one. */
	idr = idr_oas(48);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &hs, &why), 0);
	idr = idr_oas(44);
	ste.s2t0sz = 20;
	assert_int_equal(invt_smmu_ste_build(&ste, w), 0);
	assert_int_equal(smmu_hw_ste_decode(w, &idr, &hs, &why), 0);
}

/*
 * The words a break keeps valid: an aborting STE and a blocking CD are
 * legal whatever the other words hold, and translate nothing.
 */
static void test_break_words(void **state)
{
	const struct smmu_hw_cfg_idr *idr = full_idr();
	uint64_t w[INVT_SMMU_CFG_WORDS], s1[INVT_SMMU_CFG_WORDS] = { 0 };
	struct smmu_hw_ste ste, s1ste;
	struct smmu_hw_cd cd;
	unsigned int i;

	s1[0] = 1 | (uint64_t)INVT_SMMU_STE_S1 << 1;
	assert_int_equal(smmu_hw_ste_decode(s1, idr, &s1ste, NULL), 0);
	for (i = 0; i < 2; i++) {
		/* Other words zero, then all ones (any stale body). */
		memset(w, i ? 0xff : 0, sizeof(w));
		w[0] = INVT_SMMU_STE_W0_ABORT;
		assert_int_equal(smmu_hw_ste_decode(w, idr, &ste, NULL), 0);
		assert_true(ste.valid);
		assert_int_equal(ste.config, INVT_SMMU_STE_ABORT);
		assert_int_equal(smmu_hw_cd_locate(&ste, false, 0, &(uint64_t){ 0 }, NULL),
				 SMMU_HW_CFG_ABORT);
		w[0] = INVT_SMMU_CD_W0_BLOCK;
		assert_int_equal(smmu_hw_cd_decode(w, &s1ste, idr, &cd, NULL), 0);
		assert_true(cd.valid && cd.epd0 && cd.epd1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ste_vectors),
		cmocka_unit_test(test_cd_vectors),
		cmocka_unit_test(test_memory_le),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_parser_random_words),
		cmocka_unit_test(test_builder_rejects),
		cmocka_unit_test(test_ste_errors),
		cmocka_unit_test(test_ste_effective_values),
		cmocka_unit_test(test_cd_errors),
		cmocka_unit_test(test_cd_worlds),
		cmocka_unit_test(test_cd_locate),
		cmocka_unit_test(test_torn_detector),
		cmocka_unit_test(test_install_ordering_ste),
		cmocka_unit_test(test_install_ordering_cd),
		cmocka_unit_test(test_ps_encode),
		cmocka_unit_test(test_s2_geometry_4k),
		cmocka_unit_test(test_s2_derived_fields),
		cmocka_unit_test(test_cd_derived_fields),
		cmocka_unit_test(test_s2t0sz_out_of_range),
		cmocka_unit_test(test_break_words),
		cmocka_unit_test(test_l1_descriptors),
		cmocka_unit_test(test_ste_s1fmt),
		cmocka_unit_test(test_ste_locate),
		cmocka_unit_test(test_cd_find_2lvl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
