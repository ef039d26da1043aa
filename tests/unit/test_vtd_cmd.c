// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_vtd_cmd.c - the VT-d descriptor encoder (src/arch/vtd/cmd.c).
 *
 *  - hand-written vectors: fields -> qw0/qw1 computed by hand from the
 *    tables of the VT-d specification §6.5.2 (one or more per descriptor
 *    type and granularity);
 *  - rejections: reserved granularities, fields a type does not carry,
 *    widths, alignment rules;
 *  - random round trips: random well-formed descriptors through the encoder
 *    and back through a small field extractor written here, independently
 *    of the encoder's tables;
 *  - the little-endian queue image in both descriptor widths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <invtrack/vtd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct vector {
	const char *name;
	struct invt_vtd_desc d;
	uint64_t qw0, qw1;
};

static const struct vector vectors[] = {
	{ "cc global", { .type = 1, .g = 1 }, 0x11, 0 },
	{ "cc domain", { .type = 1, .g = 2, .did = 0x1234 }, 0x12340021, 0 },
	{ "cc device", { .type = 1, .g = 3, .did = 2, .sid = 0xa8, .fm = 2 },
	  0x000200a800020031ull, 0 },
	{ "iotlb global dr dw", { .type = 2, .g = 1, .dr = true, .dw = true }, 0xd2, 0 },
	{ "iotlb dsi", { .type = 2, .g = 2, .did = 7 }, 0x70022, 0 },
	{ "iotlb psi", { .type = 2, .g = 3, .did = 0xffff, .am = 9, .ih = true,
			 .addr = 0x40000000 }, 0xffff0032, 0x40000049 },
	{ "iotlb psi am52", { .type = 2, .g = 3, .did = 1, .am = 52 }, 0x10032, 52 },
	{ "devtlb page", { .type = 3, .sid = 0x108, .pfsid = 0xabcd, .qdep = 5,
			   .addr = 0x7000 }, 0xabc001080005d003ull, 0x7000 },
	{ "devtlb all", { .type = 3, .sid = 1, .pfsid = 1, .size = true,
			  .addr = INVT_VTD_DEVTLB_ALL_ADDR }, 0x0000000100001003ull,
	  0x7ffffffffffff001ull },
	{ "iec global", { .type = 4 }, 0x4, 0 },
	{ "iec index", { .type = 4, .g = 1, .im = 3, .iidx = 0x55 }, 0x0000005518000014ull, 0 },
	{ "wait sw fn", { .type = 5, .sw = true, .fn = true, .status_data = 0xdeadbeef,
			  .status_addr = 0x10000004 }, 0xdeadbeef00000065ull, 0x10000004 },
	{ "wait if pd", { .type = 5, .iflag = true, .pd = true }, 0x95, 0 },
	{ "piotlb pasid", { .type = 6, .g = 2, .did = 3, .pasid = 0xfffff },
	  0x000fffff00030026ull, 0 },
	{ "piotlb psi", { .type = 6, .g = 3, .did = 3, .pasid = 1, .ih = true,
			  .addr = 0x7ffffffff000ull },
	  0x0000000100030036ull, 0x00007ffffffff040ull },
	{ "pc pasid", { .type = 7, .g = 1, .did = 9, .pasid = 0x42 }, 0x0000004200090017ull, 0 },
	{ "pc domain", { .type = 7, .g = 0, .did = 9 }, 0x90007, 0 },
	{ "pc global", { .type = 7, .g = 3 }, 0x37, 0 },
	{ "pdevtlb", { .type = 8, .qdep = 0x1f, .pfsid = 0x1234, .sid = 0xff, .pasid = 0x12345,
		       .g = 1, .size = true, .addr = 0x11000 }, 0x1231234500ff41f8ull, 0x11801 },
};

static void test_vectors(void **state)
{
	size_t i;

	assert_true(ARRAY_SIZE(vectors) >= 15);
	for (i = 0; i < ARRAY_SIZE(vectors); i++) {
		uint64_t qw[2] = { 1, 1 };

		print_message("%s\n", vectors[i].name);
		assert_int_equal(invt_vtd_desc_encode(&vectors[i].d, qw), 0);
		assert_int_equal(qw[0], vectors[i].qw0);
		assert_int_equal(qw[1], vectors[i].qw1);
	}
}

static const struct invt_vtd_desc rejects[] = {
	{ .type = 0 },
	{ .type = 5, .fn = 1 },				/* a wait with neither SW nor IF */
	{ .type = 9 },
	{ .type = 1, .g = 0 },				/* cc G reserved */
	{ .type = 1, .g = 1, .did = 1 },		/* global carries no DID */
	{ .type = 1, .g = 2, .sid = 1 },		/* domain carries no SID */
	{ .type = 2, .g = 0 },
	{ .type = 2, .g = 2, .did = 1, .addr = 0x1000 },	/* DSI with address */
	{ .type = 2, .g = 2, .did = 1, .ih = true },
	{ .type = 2, .g = 3, .am = 1, .addr = 0x1000 },	/* not 2-page aligned */
	{ .type = 2, .g = 3, .am = 53 },		/* AM too wide */
	{ .type = 2, .g = 3, .addr = 0x800 },		/* below 4 KiB */
	{ .type = 2, .g = 3, .pasid = 1 },		/* no PASID in type 2 */
	{ .type = 3, .did = 1 },
	{ .type = 3, .addr = 0x1234 },
	{ .type = 3, .size = true, .addr = ~0xfffull },	/* no span */
	{ .type = 3, .qdep = 32 },
	{ .type = 4, .g = 0, .iidx = 1 },		/* global with an index */
	{ .type = 4, .g = 2 },
	{ .type = 5, .status_data = 1 },		/* status without SW */
	{ .type = 5, .status_addr = 4 },
	{ .type = 5, .sw = true, .status_addr = 6 },	/* not 4-byte aligned */
	{ .type = 5, .did = 1 },
	{ .type = 6, .g = 0 },
	{ .type = 6, .g = 1 },
	{ .type = 6, .g = 2, .addr = 0x1000 },
	{ .type = 6, .g = 3, .pasid = 1u << 20 },	/* PASID too wide */
	{ .type = 6, .g = 3, .dr = true },		/* no drain bits in type 6 */
	{ .type = 7, .g = 2 },
	{ .type = 7, .g = 0, .pasid = 1 },		/* domain-selective: no PASID */
	{ .type = 7, .g = 3, .did = 1 },		/* global: no DID */
	{ .type = 8, .g = 2 },
	{ .type = 8, .am = 1 },
};

static void test_rejects(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rejects); i++) {
		uint64_t qw[2] = { 0x1111, 0x2222 };

		print_message("reject %zu\n", i);
		assert_int_equal(invt_vtd_desc_encode(&rejects[i], qw), -EINVAL);
		assert_int_equal(qw[0], 0x1111);
		assert_int_equal(qw[1], 0x2222);
	}
}

/* ----------------------------------------------- independent extractor */

static uint64_t bits(uint64_t w, unsigned int hi, unsigned int lo)
{
	return (w >> lo) & (~0ull >> (63 - (hi - lo)));
}

/* Decode qw0/qw1 into a descriptor, from the §6.5.2 figures. */
static void extract(const uint64_t qw[2], struct invt_vtd_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->type = (uint8_t)(bits(qw[0], 3, 0) | bits(qw[0], 11, 9) << 4);
	switch (d->type) {
	case 1:
		d->g = (uint8_t)bits(qw[0], 5, 4);
		d->did = (uint16_t)bits(qw[0], 31, 16);
		d->sid = (uint16_t)bits(qw[0], 47, 32);
		d->fm = (uint8_t)bits(qw[0], 49, 48);
		break;
	case 2:
	case 6:
		d->g = (uint8_t)bits(qw[0], 5, 4);
		if (d->type == 2) {
			d->dw = bits(qw[0], 6, 6);
			d->dr = bits(qw[0], 7, 7);
		} else {
			d->pasid = (uint32_t)bits(qw[0], 51, 32);
		}
		d->did = (uint16_t)bits(qw[0], 31, 16);
		d->am = (uint8_t)bits(qw[1], 5, 0);
		d->ih = bits(qw[1], 6, 6);
		d->addr = qw[1] & ~0xfffull;
		break;
	case 3:
		d->pfsid = (uint16_t)(bits(qw[0], 15, 12) | bits(qw[0], 63, 52) << 4);
		d->qdep = (uint8_t)bits(qw[0], 20, 16);
		d->sid = (uint16_t)bits(qw[0], 47, 32);
		d->size = bits(qw[1], 0, 0);
		d->addr = qw[1] & ~0xfffull;
		break;
	case 4:
		d->g = (uint8_t)bits(qw[0], 4, 4);
		d->im = (uint8_t)bits(qw[0], 31, 27);
		d->iidx = (uint16_t)bits(qw[0], 47, 32);
		break;
	case 5:
		d->iflag = bits(qw[0], 4, 4);
		d->sw = bits(qw[0], 5, 5);
		d->fn = bits(qw[0], 6, 6);
		d->pd = bits(qw[0], 7, 7);
		d->status_data = (uint32_t)bits(qw[0], 63, 32);
		d->status_addr = qw[1] & ~3ull;
		break;
	case 7:
		d->g = (uint8_t)bits(qw[0], 5, 4);
		d->did = (uint16_t)bits(qw[0], 31, 16);
		d->pasid = (uint32_t)bits(qw[0], 51, 32);
		break;
	case 8:
		d->qdep = (uint8_t)bits(qw[0], 8, 4);
		d->pfsid = (uint16_t)(bits(qw[0], 15, 12) | bits(qw[0], 63, 52) << 4);
		d->sid = (uint16_t)bits(qw[0], 31, 16);
		d->pasid = (uint32_t)bits(qw[0], 51, 32);
		d->g = (uint8_t)bits(qw[1], 0, 0);
		d->size = bits(qw[1], 11, 11);
		d->addr = qw[1] & ~0xfffull;
		break;
	}
}

static void test_vectors_extract(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vectors); i++) {
		uint64_t qw[2] = { vectors[i].qw0, vectors[i].qw1 };
		struct invt_vtd_desc d;

		extract(qw, &d);
		assert_memory_equal(&d, &vectors[i].d, sizeof(d));
	}
}

/* ------------------------------------------------------- random trips */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t rnd_bits(unsigned int n)
{
	return n >= 64 ? rnd() : rnd() & ((1ull << n) - 1);
}

/* A random well-formed descriptor (fields the type does not carry are 0). */
static void random_desc(struct invt_vtd_desc *d)
{
	static const uint8_t types[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	unsigned int am;

	memset(d, 0, sizeof(*d));
	d->type = types[rnd() % ARRAY_SIZE(types)];
	switch (d->type) {
	case 1:
		d->g = (uint8_t)(1 + rnd() % 3);
		if (d->g >= 2)
			d->did = (uint16_t)rnd();
		if (d->g == 3) {
			d->sid = (uint16_t)rnd();
			d->fm = (uint8_t)rnd_bits(2);
		}
		break;
	case 2:
	case 6:
		d->g = (uint8_t)(d->type == 2 ? 1 + rnd() % 3 : 2 + rnd() % 2);
		if (d->type == 2) {
			d->dr = rnd() & 1;
			d->dw = rnd() & 1;
		} else {
			d->pasid = (uint32_t)rnd_bits(20);
		}
		if (d->g >= 2)
			d->did = (uint16_t)rnd();
		if (d->g == 3) {
			am = (unsigned int)(rnd() % 53);
			d->am = (uint8_t)am;
			d->ih = rnd() & 1;
			d->addr = am >= 52 ? 0 : rnd() >> (12 + am) << (12 + am);
		}
		break;
	case 3:
	case 8:
		d->sid = (uint16_t)rnd();
		d->pfsid = (uint16_t)rnd();
		d->qdep = (uint8_t)rnd_bits(5);
		d->size = rnd() & 1;
		d->addr = rnd() & ~0xfffull;
		if (d->size && d->addr == ~0xfffull)
			d->addr = 0;
		if (d->type == 8) {
			d->pasid = (uint32_t)rnd_bits(20);
			d->g = rnd() & 1;
		}
		break;
	case 4:
		d->g = rnd() & 1;
		if (d->g) {
			d->im = (uint8_t)rnd_bits(5);
			d->iidx = (uint16_t)rnd();
		}
		break;
	case 5:
		d->iflag = rnd() & 1;
		d->sw = rnd() & 1;
		/* A wait with neither SW nor IF is never encoded (see below). */
		if (!d->iflag && !d->sw)
			d->sw = 1;
		d->fn = rnd() & 1;
		d->pd = rnd() & 1;
		if (d->sw) {
			d->status_data = (uint32_t)rnd();
			d->status_addr = rnd() & ~3ull;
		}
		break;
	default:	/* 7 */
		d->g = (uint8_t)(rnd() % 3);
		d->g = d->g == 2 ? 3 : d->g;
		if (d->g != 3)
			d->did = (uint16_t)rnd();
		if (d->g == 1)
			d->pasid = (uint32_t)rnd_bits(20);
		break;
	}
}

static void test_random_roundtrip(void **state)
{
	unsigned int i;

	for (i = 0; i < 20000; i++) {
		struct invt_vtd_desc d, back;
		uint64_t qw[2];

		random_desc(&d);
		assert_int_equal(invt_vtd_desc_encode(&d, qw), 0);
		extract(qw, &back);
		assert_memory_equal(&d, &back, sizeof(d));
	}
}

/* A well-formed descriptor plus one stray field is rejected. */
static void test_random_stray(void **state)
{
	unsigned int i, rejected = 0;

	for (i = 0; i < 5000; i++) {
		struct invt_vtd_desc d;
		uint64_t qw[2];

		random_desc(&d);
		switch (d.type) {
		case 1:
		case 7:
			d.am = 1;	/* no address mask in cache invalidations */
			break;
		case 2:
			d.pasid = 1;
			break;
		case 3:
		case 4:
			d.did = 1;
			break;
		case 5:
			d.sid = 1;
			break;
		case 6:
			d.dr = true;
			break;
		default:
			d.fm = 1;
			break;
		}
		rejected += invt_vtd_desc_encode(&d, qw) == -EINVAL;
	}
	assert_int_equal(rejected, 5000);
}

static void test_encode_le(void **state)
{
	const struct invt_vtd_desc d = vectors[11].d;	/* wait sw fn */
	uint8_t slot[32], expect[32] = { 0 };
	unsigned int i;

	for (i = 0; i < 8; i++) {
		expect[i] = (uint8_t)(vectors[11].qw0 >> (8 * i));
		expect[8 + i] = (uint8_t)(vectors[11].qw1 >> (8 * i));
	}
	memset(slot, 0xa5, sizeof(slot));
	assert_int_equal(invt_vtd_desc_encode_le(&d, slot, 32), 0);
	assert_memory_equal(slot, expect, 32);
	memset(slot, 0xa5, sizeof(slot));
	assert_int_equal(invt_vtd_desc_encode_le(&d, slot, 16), 0);
	assert_memory_equal(slot, expect, 16);
	assert_int_equal(slot[16], 0xa5);
	assert_int_equal(invt_vtd_desc_encode_le(&d, slot, 24), -EINVAL);
	memset(slot, 0xa5, sizeof(slot));
	assert_int_equal(invt_vtd_desc_encode_le(&rejects[0], slot, 32), -EINVAL);
	assert_int_equal(slot[0], 0xa5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_vectors_extract),
		cmocka_unit_test(test_random_roundtrip),
		cmocka_unit_test(test_random_stray),
		cmocka_unit_test(test_encode_le),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
