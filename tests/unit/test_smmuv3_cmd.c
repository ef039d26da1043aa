// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_smmuv3_cmd.c - SMMUv3 command encoder (driver side) against the
 * decoder (model side), and both against vectors written by hand from the
 * layouts of ARM IHI0070 chapter 4 (see docs/hardware.md §1).
 *
 * INVT_TEST_SEED=<n> in the environment replays the random round trips.
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

/* ---- hand-written vectors: fields -> the two words ---- */

struct vec {
	const char *name;
	struct invt_smmu_cmd cmd;
	uint64_t dw0;
	uint64_t dw1;
};

static const struct vec vecs[] = {
	{ "CFGI_STE sid 0x12345678 leaf",
	  { .opcode = 0x03, .sid = 0x12345678, .leaf = true },
	  0x1234567800000003ull, 0x0000000000000001ull },
	{ "CFGI_STE sid 0 non-leaf",
	  { .opcode = 0x03 },
	  0x0000000000000003ull, 0x0000000000000000ull },
	{ "CFGI_ALL (STE_RANGE 31)",
	  { .opcode = 0x04, .range = 31 },
	  0x0000000000000004ull, 0x000000000000001full },
	{ "CFGI_STE_RANGE sid 0x100 range 7",
	  { .opcode = 0x04, .sid = 0x100, .range = 7 },
	  0x0000010000000004ull, 0x0000000000000007ull },
	{ "CFGI_CD sid 0x42 ssid 0xabcde",
	  { .opcode = 0x05, .sid = 0x42, .ssid = 0xabcde },
	  0x00000042abcde005ull, 0x0000000000000000ull },
	{ "CFGI_CD all ones leaf",
	  { .opcode = 0x05, .sid = 0xffffffff, .ssid = 0xfffff, .leaf = true },
	  0xfffffffffffff005ull, 0x0000000000000001ull },
	{ "CFGI_CD_ALL sid 7",
	  { .opcode = 0x06, .sid = 7 },
	  0x0000000700000006ull, 0x0000000000000000ull },
	{ "TLBI_NH_ALL vmid 0xbeef",
	  { .opcode = 0x10, .vmid = 0xbeef },
	  0x0000beef00000010ull, 0x0000000000000000ull },
	{ "TLBI_NH_ASID vmid 1 asid 0xcafe",
	  { .opcode = 0x11, .vmid = 1, .asid = 0xcafe },
	  0xcafe000100000011ull, 0x0000000000000000ull },
	{ "TLBI_NH_VA single leaf",
	  { .opcode = 0x12, .vmid = 2, .asid = 3, .addr = 0x00007ffffffff000ull, .leaf = true },
	  0x0003000200000012ull, 0x00007ffffffff001ull },
	{ "TLBI_NH_VA range num 3 scale 5 4K",
	  { .opcode = 0x12, .vmid = 0x10, .asid = 0x20, .num = 3, .scale = 5, .tg = 1,
	    .addr = 0x40000000 },
	  0x0020001000503012ull, 0x0000000040000400ull },
	{ "TLBI_NH_VA top page ttl 3 leaf",
	  { .opcode = 0x12, .vmid = 0xffff, .asid = 0xffff, .tg = 1, .ttl = 3, .leaf = true,
	    .addr = 0xfffffffffffff000ull },
	  0xffffffff00000012ull, 0xfffffffffffff701ull },
	{ "TLBI_NH_VAA single",
	  { .opcode = 0x13, .vmid = 5, .addr = 0x0000123456789000ull },
	  0x0000000500000013ull, 0x0000123456789000ull },
	{ "TLBI_NH_VAA num 31 scale 31 64K",
	  { .opcode = 0x13, .vmid = 0xffff, .num = 31, .scale = 31, .tg = 3 },
	  0x0000ffff01f1f013ull, 0x0000000000000c00ull },
	{ "TLBI_EL2_ALL",
	  { .opcode = 0x20 },
	  0x0000000000000020ull, 0x0000000000000000ull },
	{ "TLBI_EL2_ASID 0x1234",
	  { .opcode = 0x21, .asid = 0x1234 },
	  0x1234000000000021ull, 0x0000000000000000ull },
	{ "TLBI_EL2_VA 2M block ttl 2",
	  { .opcode = 0x22, .asid = 0x8001, .num = 1, .tg = 1, .ttl = 2, .leaf = true,
	    .addr = 0xffff800000200000ull },
	  0x8001000000001022ull, 0xffff800000200601ull },
	{ "TLBI_EL2_VAA single leaf",
	  { .opcode = 0x23, .addr = 0x1000, .leaf = true },
	  0x0000000000000023ull, 0x0000000000001001ull },
	{ "TLBI_S12_VMALL vmid 0xff",
	  { .opcode = 0x28, .vmid = 0xff },
	  0x000000ff00000028ull, 0x0000000000000000ull },
	{ "TLBI_S2_IPA top of 52-bit IPA",
	  { .opcode = 0x2a, .vmid = 7, .addr = 0x000ffffffffff000ull, .leaf = true },
	  0x000000070000002aull, 0x000ffffffffff001ull },
	{ "TLBI_S2_IPA scale 1 16K",
	  { .opcode = 0x2a, .vmid = 0x100, .scale = 1, .tg = 2, .addr = 0x80000000ull },
	  0x000001000010002aull, 0x0000000080000800ull },
	{ "TLBI_NSNH_ALL",
	  { .opcode = 0x30 },
	  0x0000000000000030ull, 0x0000000000000000ull },
	{ "ATC_INV ssid 5 global one page",
	  { .opcode = 0x40, .sid = 0x1234, .ssv = true, .ssid = 5, .global = true,
	    .addr = 0xdead000 },
	  0x0000123400005a40ull, 0x000000000dead000ull },
	{ "ATC_INV everything",
	  { .opcode = 0x40, .sid = 9, .size = 52 },
	  0x0000000900000040ull, 0x0000000000000034ull },
	{ "ATC_INV 2M span",
	  { .opcode = 0x40, .sid = 1, .size = 9, .addr = 0x200000 },
	  0x0000000100000040ull, 0x0000000000200009ull },
	{ "PRI_RESP success",
	  { .opcode = 0x41, .sid = 0x77, .ssv = true, .ssid = 0xfffff, .grpid = 0x1ff,
	    .resp = 2 },
	  0x00000077fffff841ull, 0x00000000000021ffull },
	{ "PRI_RESP failure grp 1",
	  { .opcode = 0x41, .sid = 3, .grpid = 1 },
	  0x0000000300000041ull, 0x0000000000000001ull },
	{ "RESUME retry",
	  { .opcode = 0x44, .sid = 0xabcdef01, .action = 1, .stag = 0xbeef },
	  0xabcdef0100001044ull, 0x000000000000beefull },
	{ "RESUME abort",
	  { .opcode = 0x44, .sid = 1, .action = 2 },
	  0x0000000100002044ull, 0x0000000000000000ull },
	{ "CMD_SYNC MSI",
	  { .opcode = 0x46, .cs = 1, .msh = 3, .msiattr = 0xf, .msidata = 0xdeadbeef,
	    .msiaddr = 0x0000123456789abcull },
	  0xdeadbeef0fc01046ull, 0x0000123456789abcull },
	{ "CMD_SYNC MSI top address",
	  { .opcode = 0x46, .cs = 1, .msh = 2, .msiattr = 1, .msiaddr = 0x00fffffffffffffcull },
	  0x0000000001801046ull, 0x00fffffffffffffcull },
	{ "CMD_SYNC SEV",
	  { .opcode = 0x46, .cs = 2 },
	  0x0000000000002046ull, 0x0000000000000000ull },
	{ "CMD_SYNC none",
	  { .opcode = 0x46 },
	  0x0000000000000046ull, 0x0000000000000000ull },
};

/* Field-by-field comparison of a driver command with a decoded one. */
static bool same_fields(const struct invt_smmu_cmd *e, const struct smmu_hw_cmd *d)
{
	return e->opcode == d->op && e->ssv == d->ssv && e->leaf == d->leaf &&
	       e->global == d->global && e->num == d->num && e->scale == d->scale &&
	       e->ttl == d->ttl && e->tg == d->tg && e->size == d->size &&
	       e->range == d->range && e->resp == d->resp && e->action == d->action &&
	       e->cs == d->cs && e->msh == d->msh && e->msiattr == d->msiattr &&
	       e->vmid == d->vmid && e->asid == d->asid && e->stag == d->stag &&
	       e->grpid == d->grpid && e->sid == d->sid && e->ssid == d->ssid &&
	       e->msidata == d->msidata && e->addr == d->addr && e->msiaddr == d->msiaddr;
}

static void test_vectors_encode(void **state)
{
	uint64_t dw[2];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vecs); i++) {
		dw[0] = dw[1] = 0x5a5a5a5a5a5a5a5aull;
		if (invt_smmu_cmd_encode(&vecs[i].cmd, dw)) {
			print_error("vector '%s': encoder rejected it\n", vecs[i].name);
			fail();
		}
		if (dw[0] != vecs[i].dw0 || dw[1] != vecs[i].dw1) {
			print_error("vector '%s': got %016llx %016llx want %016llx %016llx\n",
				    vecs[i].name, (unsigned long long)dw[0],
				    (unsigned long long)dw[1], (unsigned long long)vecs[i].dw0,
				    (unsigned long long)vecs[i].dw1);
			fail();
		}
	}
}

static void test_vectors_decode(void **state)
{
	struct smmu_hw_cmd d;
	enum smmu_hw_ill why;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vecs); i++) {
		uint64_t dw[2] = { vecs[i].dw0, vecs[i].dw1 };

		if (smmu_hw_decode(dw, SMMU_HW_FEAT_ALL, &d, &why) != SMMU_HW_CERROR_NONE) {
			print_error("vector '%s': decoder says ILL (%d)\n", vecs[i].name, why);
			fail();
		}
		if (!same_fields(&vecs[i].cmd, &d)) {
			print_error("vector '%s': decoded fields differ\n", vecs[i].name);
			fail();
		}
	}
}

/* Queue memory is little-endian whatever the host is. */
static void test_vectors_le(void **state)
{
	uint8_t slot[16], want[16];
	struct smmu_hw_cmd d;
	size_t i;
	int b;

	for (i = 0; i < ARRAY_SIZE(vecs); i++) {
		for (b = 0; b < 8; b++) {
			want[b] = (uint8_t)(vecs[i].dw0 >> (8 * b));
			want[8 + b] = (uint8_t)(vecs[i].dw1 >> (8 * b));
		}
		assert_int_equal(invt_smmu_cmd_encode_le(&vecs[i].cmd, slot), 0);
		assert_memory_equal(slot, want, 16);
		assert_int_equal(smmu_hw_decode_le(slot, SMMU_HW_FEAT_ALL, &d, NULL), 0);
		assert_true(same_fields(&vecs[i].cmd, &d));
	}
	/* One spelled out byte by byte: CMD_SYNC with MSI. */
	{
		static const uint8_t sync[16] = {
			0x46, 0x10, 0xc0, 0x0f, 0xef, 0xbe, 0xad, 0xde,
			0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12, 0x00, 0x00,
		};
		struct invt_smmu_cmd c = { .opcode = 0x46, .cs = 1, .msh = 3, .msiattr = 0xf,
					   .msidata = 0xdeadbeef,
					   .msiaddr = 0x0000123456789abcull };

		assert_int_equal(invt_smmu_cmd_encode_le(&c, slot), 0);
		assert_memory_equal(slot, sync, 16);
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

static const uint8_t good_ops[] = {
	0x03, 0x04, 0x05, 0x06, 0x10, 0x11, 0x12, 0x13, 0x20, 0x21,
	0x22, 0x23, 0x28, 0x2a, 0x30, 0x40, 0x41, 0x44, 0x46,
};

/*
 * Alignment (log2) an address needs for TG/TTL (IHI0070 §4.4.1.1): the
 * granule, or the block size of level 1/2.  0 marks TG 16K + TTL 1, reserved
 * with DS == 0.
 */
static const uint8_t align_shift[4][4] = {
	{ 12, 12, 12, 12 },	/* TG 0: not used */
	{ 12, 30, 21, 12 },	/* 4K */
	{ 14, 0, 25, 14 },	/* 16K */
	{ 16, 42, 29, 16 },	/* 64K */
};

static void rand_tlbi(uint64_t *s, struct invt_smmu_cmd *c, bool ipa)
{
	uint64_t r = rng_next(s);

	c->leaf = r & 1;
	c->tg = (r >> 1) & 3;
	c->addr = rng_next(s) & ~0xfffull;
	if (ipa)
		c->addr &= (1ull << 52) - 1;
	if (c->tg == 0)
		return;
	c->num = (r >> 3) & 31;
	c->scale = (r >> 8) & 31;
	c->ttl = (r >> 13) & 3;
	if (!align_shift[c->tg][c->ttl])
		c->ttl = 2;
	if (!c->num && !c->scale && !c->ttl)
		c->num = 1 + ((r >> 15) & 15);
	c->addr &= ~((1ull << align_shift[c->tg][c->ttl]) - 1);
}

static void rand_cmd(uint64_t *s, struct invt_smmu_cmd *c)
{
	uint64_t r = rng_next(s), r2 = rng_next(s);

	memset(c, 0, sizeof(*c));
	c->opcode = good_ops[r % ARRAY_SIZE(good_ops)];
	r >>= 8;
	switch (c->opcode) {
	case 0x03:
		c->sid = (uint32_t)r2;
		c->leaf = r & 1;
		break;
	case 0x04:
		c->range = r & 31;
		c->sid = (uint32_t)(r2 & ~((2ull << c->range) - 1));
		break;
	case 0x05:
		c->sid = (uint32_t)r2;
		c->ssid = (r2 >> 32) & 0xfffff;
		c->leaf = r & 1;
		break;
	case 0x06:
		c->sid = (uint32_t)r2;
		break;
	case 0x10:
	case 0x28:
		c->vmid = (uint16_t)r2;
		break;
	case 0x11:
		c->vmid = (uint16_t)r2;
		c->asid = (uint16_t)(r2 >> 16);
		break;
	case 0x12:
		c->vmid = (uint16_t)r2;
		c->asid = (uint16_t)(r2 >> 16);
		rand_tlbi(s, c, false);
		break;
	case 0x13:
		c->vmid = (uint16_t)r2;
		rand_tlbi(s, c, false);
		break;
	case 0x21:
		c->asid = (uint16_t)r2;
		break;
	case 0x22:
		c->asid = (uint16_t)r2;
		rand_tlbi(s, c, false);
		break;
	case 0x23:
		rand_tlbi(s, c, false);
		break;
	case 0x2a:
		c->vmid = (uint16_t)r2;
		rand_tlbi(s, c, true);
		break;
	case 0x40:
		c->sid = (uint32_t)r2;
		c->ssv = r & 1;
		if (c->ssv) {
			c->ssid = (r2 >> 32) & 0xfffff;
			c->global = (r >> 1) & 1;
		}
		c->size = (r >> 2) % 53;
		c->addr = c->size == 52 ? 0 :
			  rng_next(s) & ~((1ull << (12 + c->size)) - 1);
		break;
	case 0x41:
		c->sid = (uint32_t)r2;
		c->ssv = r & 1;
		if (c->ssv)
			c->ssid = (r2 >> 32) & 0xfffff;
		c->grpid = (r >> 1) & 0x1ff;
		c->resp = (r >> 10) % 3;
		break;
	case 0x44:
		c->sid = (uint32_t)r2;
		c->action = r % 3;
		c->stag = (uint16_t)(r2 >> 32);
		break;
	case 0x46:
		c->cs = r % 3;
		if (c->cs == 1) {
			static const uint8_t mshs[] = { 0, 2, 3 };

			c->msh = mshs[(r >> 2) % 3];
			c->msiattr = (r >> 4) & 15;
			c->msidata = (uint32_t)r2;
			c->msiaddr = rng_next(s) & 0x00fffffffffffffcull;
		}
		break;
	default:	/* 0x20, 0x30: no fields */
		break;
	}
}

static uint64_t test_seed(void)
{
	const char *env = getenv("INVT_TEST_SEED");

	if (env)
		return strtoull(env, NULL, 0);
	return (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
}

#define ROUND_TRIPS 200000

static void test_roundtrip_random(void **state)
{
	uint64_t seed = test_seed(), s = seed, dw[2];
	struct invt_smmu_cmd c;
	struct smmu_hw_cmd d;
	enum smmu_hw_ill why;
	int i;

	for (i = 0; i < ROUND_TRIPS; i++) {
		rand_cmd(&s, &c);
		if (invt_smmu_cmd_encode(&c, dw)) {
			print_error("seed %llu iter %d: encoder rejected opcode 0x%02x\n",
				    (unsigned long long)seed, i, c.opcode);
			fail();
		}
		if (smmu_hw_decode(dw, SMMU_HW_FEAT_ALL, &d, &why) ||
		    !same_fields(&c, &d)) {
			print_error("seed %llu iter %d: opcode 0x%02x words %016llx %016llx "
				    "decode ill=%d or fields differ\n",
				    (unsigned long long)seed, i, c.opcode,
				    (unsigned long long)dw[0], (unsigned long long)dw[1], why);
			fail();
		}
	}
}

/* ---- reserved bits, opcodes, features ---- */

/*
 * Bits each opcode defines, written here a third time from the spec tables
 * (neither the encoder's nor the decoder's): opcode byte included.
 */
static const struct {
	uint8_t op;
	uint64_t dw0;
	uint64_t dw1;
} defined[] = {
	{ 0x03, 0xffffffff000000ffull, 0x0000000000000001ull },
	{ 0x04, 0xffffffff000000ffull, 0x000000000000001full },
	{ 0x05, 0xfffffffffffff0ffull, 0x0000000000000001ull },
	{ 0x06, 0xffffffff000000ffull, 0 },
	{ 0x10, 0x0000ffff000000ffull, 0 },
	{ 0x11, 0xffffffff000000ffull, 0 },
	{ 0x12, 0xffffffff01f1f0ffull, 0xffffffffffffff01ull },
	{ 0x13, 0x0000ffff01f1f0ffull, 0xffffffffffffff01ull },
	{ 0x20, 0x00000000000000ffull, 0 },
	{ 0x21, 0xffff0000000000ffull, 0 },
	{ 0x22, 0xffff000001f1f0ffull, 0xffffffffffffff01ull },
	{ 0x23, 0x0000000001f1f0ffull, 0xffffffffffffff01ull },
	{ 0x28, 0x0000ffff000000ffull, 0 },
	{ 0x2a, 0x0000ffff01f1f0ffull, 0x000fffffffffff01ull },
	{ 0x30, 0x00000000000000ffull, 0 },
	{ 0x40, 0xfffffffffffffaffull, 0xfffffffffffff03full },
	{ 0x41, 0xfffffffffffff8ffull, 0x00000000000031ffull },
	{ 0x44, 0xffffffff000030ffull, 0x000000000000ffffull },
	{ 0x46, 0xffffffff0fc030ffull, 0x00fffffffffffffcull },
};

static bool is_addr_tlbi(uint8_t op)
{
	return op == 0x12 || op == 0x13 || op == 0x22 || op == 0x23 || op == 0x2a;
}

/* Flip each bit of an all-zero (valid) command of each opcode. */
static void test_res0_bits(void **state)
{
	struct smmu_hw_cmd d;
	enum smmu_hw_ill why;
	size_t i;
	int bit, nrej = 0;

	for (i = 0; i < ARRAY_SIZE(defined); i++) {
		uint64_t base[2] = { defined[i].op, 0 };

		assert_int_equal(smmu_hw_decode(base, SMMU_HW_FEAT_ALL, &d, &why), 0);
		for (bit = 8; bit < 128; bit++) {
			uint64_t dw[2] = { base[0], base[1] };
			uint64_t m = 1ull << (bit % 64);
			bool inside = (bit < 64 ? defined[i].dw0 : defined[i].dw1) & m;
			int ret;

			dw[bit / 64] |= m;
			ret = smmu_hw_decode(dw, SMMU_HW_FEAT_ALL, &d, &why);
			if (!inside) {
				if (ret != SMMU_HW_CERROR_ILL ||
				    why != (bit == 10 ? SMMU_HW_ILL_SSEC : SMMU_HW_ILL_RES0)) {
					print_error("op 0x%02x bit %d: ret %d why %d\n",
						    defined[i].op, bit, ret, why);
					fail();
				}
				nrej++;
				continue;
			}
			/* Defined bits: fine alone, except the TLBI range rules. */
			if (is_addr_tlbi(defined[i].op) &&
			    ((bit >= 12 && bit <= 24) || (bit >= 72 && bit <= 73))) {
				/* NUM/SCALE/TTL with TG 0 are RES0 (§4.4.1.1) */
				assert_int_equal(ret, SMMU_HW_CERROR_ILL);
				assert_int_equal(why, SMMU_HW_ILL_RES0);
			} else if (is_addr_tlbi(defined[i].op) && (bit == 74 || bit == 75)) {
				/* TG with NUM = SCALE = TTL = 0: reserved */
				assert_int_equal(ret, SMMU_HW_CERROR_ILL);
				assert_int_equal(why, SMMU_HW_ILL_TLBI_RANGE);
			} else if (ret) {
				print_error("op 0x%02x defined bit %d rejected (why %d)\n",
					    defined[i].op, bit, why);
				fail();
			}
		}
		/* All undefined bits at once, too. */
		{
			uint64_t dw[2] = { base[0] | ~defined[i].dw0, ~defined[i].dw1 };

			assert_int_equal(smmu_hw_decode(dw, SMMU_HW_FEAT_ALL, &d, &why),
					 SMMU_HW_CERROR_ILL);
		}
	}
	/* 19 opcodes; sanity check that the loop did something. */
	assert_true(nrej > 19 * 20);
}

/* Without RIL, NUM, SCALE, TTL and TG are RES0 too. */
static void test_res0_without_ril(void **state)
{
	static const int bits[] = { 12, 16, 20, 24, 72, 73, 74, 75 };
	unsigned int feat = SMMU_HW_FEAT_ALL & ~SMMU_HW_FEAT_RIL;
	static const uint8_t ops[] = { 0x12, 0x13, 0x22, 0x23, 0x2a };
	struct smmu_hw_cmd d;
	enum smmu_hw_ill why;
	size_t i, j;

	/* Every hand vector without a range decodes the same without RIL. */
	for (i = 0; i < ARRAY_SIZE(vecs); i++) {
		uint64_t dw[2] = { vecs[i].dw0, vecs[i].dw1 };

		if (vecs[i].cmd.tg)
			continue;
		if (smmu_hw_decode(dw, feat, &d, &why) || !same_fields(&vecs[i].cmd, &d)) {
			print_error("vector '%s' without RIL: why %d\n", vecs[i].name, why);
			fail();
		}
	}
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		uint64_t ok[2] = { ops[i], 0x1000 | 1 };

		assert_int_equal(smmu_hw_decode(ok, feat, &d, &why), 0);
		for (j = 0; j < ARRAY_SIZE(bits); j++) {
			uint64_t dw[2] = { ok[0], ok[1] };

			dw[bits[j] / 64] |= 1ull << (bits[j] % 64);
			assert_int_equal(smmu_hw_decode(dw, feat, &d, &why), SMMU_HW_CERROR_ILL);
			assert_int_equal(why, SMMU_HW_ILL_RES0);
		}
	}
}

static void test_bad_opcodes(void **state)
{
	struct smmu_hw_cmd d;
	enum smmu_hw_ill why;
	unsigned int op;
	size_t i;
	int nbad = 0;

	for (op = 0; op < 256; op++) {
		uint64_t dw[2] = { op, 0 };
		bool good = false;

		for (i = 0; i < ARRAY_SIZE(good_ops); i++)
			good |= good_ops[i] == op;
		if (good)
			continue;
		assert_int_equal(smmu_hw_decode(dw, SMMU_HW_FEAT_ALL, &d, &why),
				 SMMU_HW_CERROR_ILL);
		assert_int_equal(why, SMMU_HW_ILL_OPCODE);
		nbad++;
	}
	assert_int_equal(nbad, 256 - (int)ARRAY_SIZE(good_ops));
	/* Named cases: CFGI_VMS_PIDM (not CFGI_ALL), prefetch, EL3, Secure, STALL_TERM. */
	{
		static const uint8_t named[] = { 0x00, 0x07, 0x01, 0x02, 0x18, 0x1a, 0x45,
						 0x50, 0x5a, 0x60, 0x70, 0x80, 0xff };

		for (i = 0; i < ARRAY_SIZE(named); i++) {
			uint64_t dw[2] = { named[i], 0 };
			struct invt_smmu_cmd c = { .opcode = named[i] };

			assert_int_equal(smmu_hw_decode(dw, SMMU_HW_FEAT_ALL, &d, &why),
					 SMMU_HW_CERROR_ILL);
			assert_int_equal(invt_smmu_cmd_encode(&c, dw), -EINVAL);
		}
	}
	assert_string_equal(smmu_hw_op_name(0x07), "CMD_UNKNOWN");
	assert_string_equal(smmu_hw_op_name(0x12), "CMD_TLBI_NH_VA");
}

static void test_features(void **state)
{
	static const struct {
		uint8_t op;
		unsigned int need;
	} t[] = {
		{ 0x05, SMMU_HW_FEAT_S1 }, { 0x06, SMMU_HW_FEAT_S1 }, { 0x10, SMMU_HW_FEAT_S1 },
		{ 0x11, SMMU_HW_FEAT_S1 }, { 0x12, SMMU_HW_FEAT_S1 }, { 0x13, SMMU_HW_FEAT_S1 },
		{ 0x20, SMMU_HW_FEAT_HYP }, { 0x21, SMMU_HW_FEAT_HYP },
		{ 0x22, SMMU_HW_FEAT_HYP }, { 0x23, SMMU_HW_FEAT_HYP },
		{ 0x28, SMMU_HW_FEAT_S2 }, { 0x2a, SMMU_HW_FEAT_S2 },
		{ 0x40, SMMU_HW_FEAT_ATS }, { 0x41, SMMU_HW_FEAT_PRI },
		{ 0x44, SMMU_HW_FEAT_STALL },
		{ 0x03, 0 }, { 0x04, 0 }, { 0x30, 0 }, { 0x46, 0 },
	};
	struct smmu_hw_cmd d;
	enum smmu_hw_ill why;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		uint64_t dw[2] = { t[i].op, 0 };

		assert_int_equal(smmu_hw_decode(dw, t[i].need, &d, &why), 0);
		if (!t[i].need)
			continue;
		assert_int_equal(smmu_hw_decode(dw, SMMU_HW_FEAT_ALL & ~t[i].need, &d, &why),
				 SMMU_HW_CERROR_ILL);
		assert_int_equal(why, SMMU_HW_ILL_FEATURE);
	}
}

/* The specific CERROR_ILL rules beyond RES0. */
static void test_decode_ill_rules(void **state)
{
	static const struct {
		uint64_t dw0, dw1;
		enum smmu_hw_ill why;
	} t[] = {
		/* CMD_SYNC CS 3 */
		{ 0x0000000000003046ull, 0, SMMU_HW_ILL_SYNC_CS },
		/* NH_VA TG 4K, NUM = SCALE = TTL = 0 */
		{ 0x0000000000000012ull, 0x0000000000001400ull, SMMU_HW_ILL_TLBI_RANGE },
		/* S2_IPA TG 64K, zeros */
		{ 0x000000010000002aull, 0x0000000000000c00ull, SMMU_HW_ILL_TLBI_RANGE },
		/* NH_VAA TG 16K TTL 1 (treated as 0 with DS == 0), zeros */
		{ 0x0000000000000013ull, 0x0000000000000900ull, SMMU_HW_ILL_TLBI_RANGE },
		/* NH_VA TG 0 with SCALE 1 */
		{ 0x0000000000100012ull, 0, SMMU_HW_ILL_RES0 },
		/* ATC_INV Size 53 and 63 */
		{ 0x0000000000000040ull, 0x0000000000000035ull, SMMU_HW_ILL_ATC_SIZE },
		{ 0x0000000000000040ull, 0x000000000000003full, SMMU_HW_ILL_ATC_SIZE },
		/* PRI_RESP Resp 3 */
		{ 0x0000000000000041ull, 0x0000000000003000ull, SMMU_HW_ILL_PRI_RESP },
		/* SSec on CFGI_STE and on ATC_INV */
		{ 0x0000000000000403ull, 0, SMMU_HW_ILL_SSEC },
		{ 0x0000000000000440ull, 0, SMMU_HW_ILL_SSEC },
		/* CFGI_CD with SSV set: CFGI_CD has no SSV */
		{ 0x0000000000000805ull, 0, SMMU_HW_ILL_RES0 },
		/* S2_IPA with IPA bit 52 */
		{ 0x000000000000002aull, 0x0010000000000000ull, SMMU_HW_ILL_RES0 },
		/* SCALE bit 25 (only with DS == 1) */
		{ 0x0000000002001012ull, 0x0000000000000400ull, SMMU_HW_ILL_RES0 },
		/* TTL128, dw1[7] */
		{ 0x0000000000001012ull, 0x0000000000000480ull, SMMU_HW_ILL_RES0 },
		/* CMD_SYNC MSIAddress bit 56 */
		{ 0x0000000000001046ull, 0x0100000000000000ull, SMMU_HW_ILL_RES0 },
	};
	struct smmu_hw_cmd d;
	enum smmu_hw_ill why;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		uint64_t dw[2] = { t[i].dw0, t[i].dw1 };

		assert_int_equal(smmu_hw_decode(dw, SMMU_HW_FEAT_ALL, &d, &why),
				 SMMU_HW_CERROR_ILL);
		assert_int_equal(why, t[i].why);
	}
	/* Legal neighbours: ATC Size 52, 16K TTL 1 with NUM set, RESUME 3. */
	{
		uint64_t a[2] = { 0x40, 0x34 }, b[2] = { 0x1013, 0x900 }, c[2] = { 0x3044, 0 };

		assert_int_equal(smmu_hw_decode(a, SMMU_HW_FEAT_ALL, &d, &why), 0);
		assert_int_equal(smmu_hw_decode(b, SMMU_HW_FEAT_ALL, &d, &why), 0);
		assert_int_equal(smmu_hw_decode(c, SMMU_HW_FEAT_ALL, &d, &why), 0);
		assert_int_equal(d.action, 3);
	}
}

/* ---- encoder rejections ---- */

static void test_encode_rejects(void **state)
{
	static const struct {
		const char *name;
		struct invt_smmu_cmd cmd;
	} t[] = {
		{ "opcode 0", { .opcode = 0x00 } },
		{ "opcode 0x07", { .opcode = 0x07 } },
		{ "ssid 2^20", { .opcode = 0x05, .ssid = 1u << 20 } },
		{ "ATC size 53", { .opcode = 0x40, .size = 53 } },
		{ "NUM 32", { .opcode = 0x12, .num = 32, .tg = 1 } },
		{ "SCALE 32", { .opcode = 0x12, .scale = 32, .tg = 1 } },
		{ "TTL 4", { .opcode = 0x12, .ttl = 4, .tg = 1 } },
		{ "TG 4", { .opcode = 0x12, .num = 1, .tg = 4 } },
		{ "TG 0 NUM 1", { .opcode = 0x12, .num = 1 } },
		{ "TG 0 SCALE 1", { .opcode = 0x13, .scale = 1 } },
		{ "TG 0 TTL 3", { .opcode = 0x2a, .ttl = 3 } },
		{ "TG 4K all zero", { .opcode = 0x12, .tg = 1 } },
		{ "TG 64K all zero", { .opcode = 0x2a, .tg = 3 } },
		{ "TG 16K TTL 1", { .opcode = 0x12, .tg = 2, .ttl = 1, .num = 1 } },
		{ "addr not 4K aligned", { .opcode = 0x12, .addr = 0x800 } },
		{ "addr low bit", { .opcode = 0x13, .addr = 0x1001 } },
		{ "16K range, addr 4K", { .opcode = 0x12, .tg = 2, .num = 1, .addr = 0x1000 } },
		{ "64K range, addr 16K", { .opcode = 0x12, .tg = 3, .num = 1, .addr = 0x4000 } },
		{ "TTL 2 addr not 2M", { .opcode = 0x12, .tg = 1, .ttl = 2, .addr = 0x1000 } },
		{ "TTL 1 addr not 1G", { .opcode = 0x12, .tg = 1, .ttl = 1, .addr = 0x200000 } },
		{ "IPA 2^52", { .opcode = 0x2a, .addr = 1ull << 52 } },
		{ "ASID on NH_VAA", { .opcode = 0x13, .asid = 1 } },
		{ "VMID on EL2_VA", { .opcode = 0x22, .vmid = 1 } },
		{ "SID on NH_ALL", { .opcode = 0x10, .sid = 1 } },
		{ "leaf on CFGI_CD_ALL", { .opcode = 0x06, .leaf = true } },
		{ "SSV on CFGI_CD", { .opcode = 0x05, .ssv = true } },
		{ "addr on CFGI_STE", { .opcode = 0x03, .addr = 0x1000 } },
		{ "range fields on NSNH_ALL", { .opcode = 0x30, .tg = 1, .num = 1 } },
		{ "msidata on TLBI", { .opcode = 0x10, .msidata = 1 } },
		{ "ATC ssid without ssv", { .opcode = 0x40, .ssid = 1 } },
		{ "ATC global without ssv", { .opcode = 0x40, .global = true } },
		{ "ATC addr inside span", { .opcode = 0x40, .size = 1, .addr = 0x1000 } },
		{ "ATC size 52 addr", { .opcode = 0x40, .size = 52, .addr = 0x1000 } },
		{ "STE_RANGE sid low bits", { .opcode = 0x04, .range = 3, .sid = 0x8 } },
		{ "CFGI_ALL sid", { .opcode = 0x04, .range = 31, .sid = 1u << 31 } },
		{ "STE range 32", { .opcode = 0x04, .range = 32 } },
		{ "PRI resp 3", { .opcode = 0x41, .resp = 3 } },
		{ "PRI grpid 512", { .opcode = 0x41, .grpid = 512 } },
		{ "PRI ssid without ssv", { .opcode = 0x41, .ssid = 2 } },
		{ "RESUME action 3", { .opcode = 0x44, .action = 3 } },
		{ "SYNC cs 3", { .opcode = 0x46, .cs = 3 } },
		{ "SYNC msh 1", { .opcode = 0x46, .cs = 1, .msh = 1 } },
		{ "SYNC msiattr 16", { .opcode = 0x46, .cs = 1, .msiattr = 16 } },
		{ "SYNC msi without IRQ", { .opcode = 0x46, .cs = 0, .msiaddr = 0x1000 } },
		{ "SYNC msidata with SEV", { .opcode = 0x46, .cs = 2, .msidata = 1 } },
		{ "SYNC msiaddr unaligned", { .opcode = 0x46, .cs = 1, .msiaddr = 0x1002 } },
		{ "SYNC msiaddr 2^56", { .opcode = 0x46, .cs = 1, .msiaddr = 1ull << 56 } },
	};
	uint8_t slot[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		uint64_t dw[2] = { 0x1111, 0x2222 };

		if (invt_smmu_cmd_encode(&t[i].cmd, dw) != -EINVAL) {
			print_error("'%s' accepted\n", t[i].name);
			fail();
		}
		assert_true(dw[0] == 0x1111 && dw[1] == 0x2222);
		memset(slot, 0xa5, sizeof(slot));
		assert_int_equal(invt_smmu_cmd_encode_le(&t[i].cmd, slot), -EINVAL);
		assert_int_equal(slot[0], 0xa5);
	}
}

/* ---- spans the model will invalidate ---- */

static void test_spans(void **state)
{
	struct smmu_hw_cmd c = { 0 };
	uint64_t f, l;

	c.op = 0x12;
	c.addr = 0x5000;
	smmu_hw_tlbi_span(&c, &f, &l);
	assert_true(f == 0x5000 && l == 0x5fff);
	c.tg = 1;
	c.num = 3;
	c.scale = 5;	/* 4 * 32 pages = 512 KiB */
	smmu_hw_tlbi_span(&c, &f, &l);
	assert_true(f == 0x5000 && l == 0x5000 + 0x80000 - 1);
	c.tg = 3;
	c.num = 31;
	c.scale = 31;	/* 32 << 31 << 16 = 2^52 bytes */
	c.addr = 0xfff0000000000000ull;
	smmu_hw_tlbi_span(&c, &f, &l);
	assert_true(f == 0xfff0000000000000ull && l == UINT64_MAX);
	c.addr = 0xfff8000000000000ull;	/* would pass 2^64: no wrap */
	smmu_hw_tlbi_span(&c, &f, &l);
	assert_true(f == 0xfff8000000000000ull && l == UINT64_MAX);

	memset(&c, 0, sizeof(c));
	c.op = 0x40;
	c.addr = 0x4000;
	c.size = 2;
	smmu_hw_atc_span(&c, &f, &l);
	assert_true(f == 0x4000 && l == 0x7fff);
	c.size = 52;
	c.addr = 0;
	smmu_hw_atc_span(&c, &f, &l);
	assert_true(f == 0 && l == UINT64_MAX);
	c.size = 51;
	c.addr = 0x8000000000000000ull;
	smmu_hw_atc_span(&c, &f, &l);
	assert_true(f == 0x8000000000000000ull && l == UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_encode),
		cmocka_unit_test(test_vectors_decode),
		cmocka_unit_test(test_vectors_le),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_res0_bits),
		cmocka_unit_test(test_res0_without_ril),
		cmocka_unit_test(test_bad_opcodes),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_decode_ill_rules),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_spans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
