// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_riscv_cmd.c - the RISC-V IOMMU command encoder (src/arch/riscv/cmd.c).
 *
 *  - hand-computed vectors from the spec's command layouts (RISC-V IOMMU
 *    1.0 §3.1.1-3.1.4 and the NL / S extensions): fields -> two words;
 *  - little-endian queue bytes;
 *  - rejections: reserved opcodes and func3, ignored or illegal operands,
 *    misaligned addresses, over-wide fields; @dw left untouched;
 *  - random valid commands through the encoder and back through a small
 *    field extractor written here from the same tables.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/riscv.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct vec {
	const char *what;
	struct invt_rv_cmd c;
	uint64_t dw0, dw1;
};

#define VMA	.opcode = 1, .func3 = 0
#define GVMA	.opcode = 1, .func3 = 1
#define FENCE	.opcode = 2, .func3 = 0
#define DDT	.opcode = 3, .func3 = 0
#define PDT	.opcode = 3, .func3 = 1
#define INVAL	.opcode = 4, .func3 = 0
#define PRGR	.opcode = 4, .func3 = 1

static const struct vec vecs[] = {
	{ "VMA all", { VMA }, 0x1ull, 0 },
	{ "VMA pscid", { VMA, .pscv = 1, .pscid = 0x12345 }, 0x0000000112345001ull, 0 },
	{ "VMA pscid addr", { VMA, .av = 1, .pscv = 1, .pscid = 5, .addr = 0x7f12345000ull },
	  0x0000000100005401ull, 0x0000001fc48d1400ull },
	{ "VMA vm all", { VMA, .gv = 1, .gscid = 0xabcd }, 0x0abcd00200000001ull, 0 },
	{ "VMA every field", { VMA, .av = 1, .pscv = 1, .gv = 1, .nl = 1, .pscid = 0xfffff,
			       .gscid = 0xffff, .addr = 0xfffffffffffff000ull },
	  0x0ffff007fffff401ull, 0x3ffffffffffffc00ull },
	{ "VMA napot whole space", { VMA, .av = 1, .pscv = 1, .s = 1, .pscid = 0xfffff,
				     .addr = 0x7ffffffffffff000ull },
	  0x00000001fffff401ull, 0x1ffffffffffffe00ull },
	{ "GVMA all VMs", { GVMA }, 0x81ull, 0 },
	{ "GVMA gscid", { GVMA, .gv = 1, .gscid = 7 }, 0x0000700200000081ull, 0 },
	{ "GVMA gscid addr", { GVMA, .gv = 1, .av = 1, .gscid = 7, .addr = 0x40000000ull },
	  0x0000700200000481ull, 0x0000000010000000ull },
	{ "GVMA napot 2M", { GVMA, .gv = 1, .av = 1, .s = 1, .gscid = 7, .addr = 0x2ff000ull },
	  0x0000700200000481ull, 0x00000000000bfe00ull },
	{ "IOFENCE.C PR PW", { FENCE, .pr = 1, .pw = 1 }, 0x3002ull, 0 },
	{ "IOFENCE.C AV", { FENCE, .av = 1, .pr = 1, .pw = 1, .data = 0xdeadbeef,
			    .addr = 0x80001004ull },
	  0xdeadbeef00003402ull, 0x0000000020000401ull },
	{ "IOFENCE.C WSI", { FENCE, .wsi = 1 }, 0x802ull, 0 },
	{ "INVAL_DDT all", { DDT }, 0x3ull, 0 },
	{ "INVAL_DDT did", { DDT, .dv = 1, .did = 0x123456 }, 0x1234560200000003ull, 0 },
	{ "INVAL_PDT", { PDT, .dv = 1, .did = 0x2a, .pid = 7 }, 0x00002a0200007083ull, 0 },
	{ "ATS.INVAL 4K", { INVAL, .rid = 0x102, .addr = 0x5000 }, 0x0001020000000004ull,
	  0x5000ull },
	{ "ATS.INVAL all", { INVAL, .rid = 0x102, .s = 1, .addr = INVT_RV_ATS_ADDR_ALL },
	  0x0001020000000004ull, 0x7ffffffffffff800ull },
	{ "ATS.INVAL pasid seg global", { INVAL, .pv = 1, .pid = 0x33, .dsv = 1, .dseg = 0x12,
					  .rid = 0xbeef, .global = 1, .s = 1, .addr = 0x17000 },
	  0x12beef0300033004ull, 0x0000000000017801ull },
	{ "ATS.PRGR", { PRGR, .pv = 1, .pid = 1, .rid = 3, .prgi = 0x1ff, .resp = 0xf,
			.dst = 0x1234 },
	  0x0000030100001084ull, 0x1234f1ff00000000ull },
};

static void test_vectors(void **state)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vecs); i++) {
		uint64_t dw[2] = { 1, 1 };
		uint8_t b[16];
		unsigned int k;

		if (invt_rv_cmd_encode(&vecs[i].c, dw))
			fail_msg("%s rejected", vecs[i].what);
		if (dw[0] != vecs[i].dw0 || dw[1] != vecs[i].dw1)
			fail_msg("%s: %016llx %016llx", vecs[i].what, (unsigned long long)dw[0],
				 (unsigned long long)dw[1]);
		assert_int_equal(invt_rv_cmd_encode_le(&vecs[i].c, b), 0);
		for (k = 0; k < 16; k++) {
			uint64_t w = k < 8 ? vecs[i].dw0 : vecs[i].dw1;

			assert_int_equal(b[k], (uint8_t)(w >> (8 * (k % 8))));
		}
	}
	assert_true(ARRAY_SIZE(vecs) >= 15);
}

static const struct vec bad[] = {
	{ "opcode 0", { .opcode = 0 }, 0, 0 },
	{ "opcode 5", { .opcode = 5 }, 0, 0 },
	{ "opcode 64 custom", { .opcode = 64 }, 0, 0 },
	{ "IOTINVAL func3 2", { .opcode = 1, .func3 = 2 }, 0, 0 },
	{ "IOFENCE func3 1", { .opcode = 2, .func3 = 1 }, 0, 0 },
	{ "IODIR func3 2", { .opcode = 3, .func3 = 2 }, 0, 0 },
	{ "ATS func3 2", { .opcode = 4, .func3 = 2 }, 0, 0 },
	{ "VMA pscid without pscv", { VMA, .pscid = 1 }, 0, 0 },
	{ "VMA gscid without gv", { VMA, .gscid = 1 }, 0, 0 },
	{ "VMA addr without av", { VMA, .pscv = 1, .addr = 0x1000 }, 0, 0 },
	{ "VMA s without av", { VMA, .s = 1 }, 0, 0 },
	{ "VMA nl without av", { VMA, .nl = 1 }, 0, 0 },
	{ "VMA addr unaligned", { VMA, .av = 1, .addr = 0x1800 }, 0, 0 },
	{ "VMA napot all ones", { VMA, .av = 1, .s = 1, .addr = 0xfffffffffffff000ull }, 0, 0 },
	{ "VMA pid", { VMA, .pid = 1 }, 0, 0 },
	{ "GVMA pscv illegal", { GVMA, .gv = 1, .pscv = 1 }, 0, 0 },
	{ "GVMA pscid", { GVMA, .gv = 1, .pscid = 3 }, 0, 0 },
	{ "GVMA av without gv", { GVMA, .av = 1, .addr = 0x1000 }, 0, 0 },
	{ "VMA pscid too wide", { VMA, .pscv = 1, .pscid = 1u << 20 }, 0, 0 },
	{ "VMA gscid too wide", { VMA, .gv = 1, .gscid = 1u << 16 }, 0, 0 },
	{ "FENCE addr without av", { FENCE, .addr = 0x1000 }, 0, 0 },
	{ "FENCE data without av", { FENCE, .data = 1 }, 0, 0 },
	{ "FENCE addr unaligned", { FENCE, .av = 1, .addr = 0x1002 }, 0, 0 },
	{ "FENCE pscv", { FENCE, .pscv = 1 }, 0, 0 },
	{ "DDT pid", { DDT, .dv = 1, .pid = 1 }, 0, 0 },
	{ "DDT did without dv", { DDT, .did = 1 }, 0, 0 },
	{ "DDT did too wide", { DDT, .dv = 1, .did = 1u << 24 }, 0, 0 },
	{ "PDT without dv", { PDT, .pid = 1 }, 0, 0 },
	{ "ATS pid without pv", { INVAL, .pid = 1 }, 0, 0 },
	{ "ATS dseg without dsv", { INVAL, .dseg = 1 }, 0, 0 },
	{ "ATS global without pv", { INVAL, .global = 1 }, 0, 0 },
	{ "ATS addr unaligned", { INVAL, .addr = 0x10 }, 0, 0 },
	{ "ATS.INVAL prgi", { INVAL, .prgi = 1 }, 0, 0 },
	{ "ATS.PRGR addr", { PRGR, .addr = 0x1000 }, 0, 0 },
	{ "ATS.PRGR prgi too wide", { PRGR, .prgi = 512 }, 0, 0 },
	{ "ATS.PRGR resp too wide", { PRGR, .resp = 16 }, 0, 0 },
	{ "IODIR av", { DDT, .av = 1 }, 0, 0 },
};

static void test_rejects(void **state)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t dw[2] = { 0x1111, 0x2222 };
		uint8_t b[16];

		memset(b, 0x5a, sizeof(b));
		if (invt_rv_cmd_encode(&bad[i].c, dw) != -EINVAL)
			fail_msg("%s accepted", bad[i].what);
		assert_int_equal(dw[0], 0x1111);
		assert_int_equal(dw[1], 0x2222);
		assert_int_equal(invt_rv_cmd_encode_le(&bad[i].c, b), -EINVAL);
		assert_int_equal(b[0], 0x5a);
	}
}

/* ----------------------------------------------- independent extractor */

static uint64_t bits(const uint64_t dw[2], unsigned int w, unsigned int hi, unsigned int lo)
{
	uint64_t v = dw[w] >> lo;

	return hi - lo == 63 ? v : v & ((1ull << (hi - lo + 1)) - 1);
}

/* Decode with the spec's bit numbers ([hi:lo] of dw0 / dw1). */
static void extract(const uint64_t dw[2], struct invt_rv_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->opcode = (uint8_t)bits(dw, 0, 6, 0);
	c->func3 = (uint8_t)bits(dw, 0, 9, 7);
	switch (c->opcode) {
	case 1:
		c->av = bits(dw, 0, 10, 10);
		c->pscid = (uint32_t)bits(dw, 0, 31, 12);
		c->pscv = bits(dw, 0, 32, 32);
		c->gv = bits(dw, 0, 33, 33);
		c->nl = bits(dw, 0, 34, 34);
		c->gscid = (uint32_t)bits(dw, 0, 59, 44);
		c->s = bits(dw, 1, 9, 9);
		c->addr = bits(dw, 1, 61, 10) << 12;
		assert_int_equal(bits(dw, 0, 11, 11) | bits(dw, 0, 43, 35) | bits(dw, 0, 63, 60) |
				 bits(dw, 1, 8, 0) | bits(dw, 1, 63, 62), 0);
		break;
	case 2:
		c->av = bits(dw, 0, 10, 10);
		c->wsi = bits(dw, 0, 11, 11);
		c->pr = bits(dw, 0, 12, 12);
		c->pw = bits(dw, 0, 13, 13);
		c->data = (uint32_t)bits(dw, 0, 63, 32);
		c->addr = bits(dw, 1, 61, 0) << 2;
		assert_int_equal(bits(dw, 0, 31, 14) | bits(dw, 1, 63, 62), 0);
		break;
	case 3:
		c->pid = (uint32_t)bits(dw, 0, 31, 12);
		c->dv = bits(dw, 0, 33, 33);
		c->did = (uint32_t)bits(dw, 0, 63, 40);
		assert_int_equal(bits(dw, 0, 11, 10) | bits(dw, 0, 32, 32) | bits(dw, 0, 39, 34) |
				 dw[1], 0);
		break;
	default:
		c->pid = (uint32_t)bits(dw, 0, 31, 12);
		c->pv = bits(dw, 0, 32, 32);
		c->dsv = bits(dw, 0, 33, 33);
		c->rid = (uint16_t)bits(dw, 0, 55, 40);
		c->dseg = (uint8_t)bits(dw, 0, 63, 56);
		assert_int_equal(bits(dw, 0, 11, 10) | bits(dw, 0, 39, 34), 0);
		if (c->func3 == 0) {
			c->global = bits(dw, 1, 0, 0);
			c->s = bits(dw, 1, 11, 11);
			c->addr = bits(dw, 1, 63, 12) << 12;
			assert_int_equal(bits(dw, 1, 10, 1), 0);
		} else {
			c->prgi = (uint16_t)bits(dw, 1, 40, 32);
			c->resp = (uint8_t)bits(dw, 1, 47, 44);
			c->dst = (uint16_t)bits(dw, 1, 63, 48);
			assert_int_equal(bits(dw, 1, 31, 0) | bits(dw, 1, 43, 41), 0);
		}
		break;
	}
}

static uint64_t rnd64(void)
{
	return (uint64_t)random() << 42 ^ (uint64_t)random() << 21 ^ (uint64_t)random();
}

static bool coin(void)
{
	return random() & 1;
}

/* A random command the encoder must accept. */
static void random_cmd(struct invt_rv_cmd *c)
{
	static const uint8_t ops[][2] = { { 1, 0 }, { 1, 1 }, { 2, 0 }, { 3, 0 }, { 3, 1 },
					  { 4, 0 }, { 4, 1 } };
	unsigned int k = (unsigned int)random() % ARRAY_SIZE(ops);

	memset(c, 0, sizeof(*c));
	c->opcode = ops[k][0];
	c->func3 = ops[k][1];
	switch (k) {
	case 0:
	case 1:
		c->gv = coin();
		if (c->gv)
			c->gscid = (uint32_t)random() & 0xffff;
		if (k == 0 && (c->pscv = coin()))
			c->pscid = (uint32_t)random() & 0xfffff;
		c->av = (k == 0 || c->gv) && coin();
		if (c->av) {
			c->addr = rnd64() & ~0xfffull;
			c->nl = coin();
			c->s = coin();
			if (c->s && (c->addr >> 12) == (1ull << 52) - 1)
				c->addr = 0;
		}
		break;
	case 2:
		c->wsi = coin();
		c->pr = coin();
		c->pw = coin();
		if ((c->av = coin())) {
			c->data = (uint32_t)rnd64();
			c->addr = rnd64() & ~3ull;
		}
		break;
	case 3:
	case 4:
		c->dv = k == 4 || coin();
		if (c->dv)
			c->did = (uint32_t)random() & 0xffffff;
		if (k == 4)
			c->pid = (uint32_t)random() & 0xfffff;
		break;
	default:
		if ((c->pv = coin()))
			c->pid = (uint32_t)random() & 0xfffff;
		if ((c->dsv = coin()))
			c->dseg = (uint8_t)random();
		c->rid = (uint16_t)random();
		if (k == 5) {
			c->global = c->pv && coin();
			c->s = coin();
			c->addr = rnd64() & ~0xfffull;
		} else {
			c->prgi = (uint16_t)(random() & 511);
			c->resp = (uint8_t)(random() & 15);
			c->dst = (uint16_t)random();
		}
		break;
	}
}

static void test_round_trip(void **state)
{
	unsigned int i;

	srandom(12345);
	for (i = 0; i < 20000; i++) {
		struct invt_rv_cmd c, back;
		uint64_t dw[2];

		random_cmd(&c);
		if (invt_rv_cmd_encode(&c, dw))
			fail_msg("iteration %u: opcode %u func3 %u rejected", i, c.opcode, c.func3);
		extract(dw, &back);
		if (memcmp(&c, &back, sizeof(c)))
			fail_msg("iteration %u: opcode %u func3 %u differs", i, c.opcode, c.func3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
