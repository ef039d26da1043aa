// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_riscv_cfg.c - RISC-V device and process context builders and the
 * install stores (src/arch/riscv/cfg.c).
 *
 *  - exact words of first-stage, G-stage and PDT device contexts, and of
 *    process contexts (RISC-V IOMMU 1.0 §2.1.3, §2.2.1);
 *  - every rejection, with the output untouched;
 *  - cfg_write / break / clear: little-endian words, V word last or first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <string.h>

#include <invtrack/riscv-cfg.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static void test_dc_words(void **state)
{
	struct invt_rv_dc s1 = { .valid = true, .en_ats = true, .pscid = 0x123,
				 .fsc_mode = INVT_RV_ATP_MODE_SV48, .fsc_pa = 0x80004000ull };
	struct invt_rv_dc s2 = { .valid = true, .gscid = 0x42, .iohgatp_mode = 9,
				 .iohgatp_pa = 0x80010000ull };
	struct invt_rv_dc pd = { .valid = true, .pdtv = true, .dpe = true, .dtf = true,
				 .fsc_mode = INVT_RV_PDTP_MODE_PD8, .fsc_pa = 0x80020000ull };
	struct invt_rv_dc off = { 0 };
	uint64_t w[8];
	unsigned int i;

	assert_int_equal(invt_rv_dc_build(&s1, w), 0);
	assert_int_equal(w[0], 0x3);				/* V, EN_ATS */
	assert_int_equal(w[1], 0);				/* iohgatp Bare */
	assert_int_equal(w[2], 0x123000);			/* ta.PSCID [31:12] */
	assert_int_equal(w[3], 0x9000000000080004ull);		/* iosatp Sv48, PPN */
	for (i = 4; i < 8; i++)
		assert_int_equal(w[i], 0);			/* MSI off */

	assert_int_equal(invt_rv_dc_build(&s2, w), 0);
	assert_int_equal(w[0], 0x1);
	assert_int_equal(w[1], 0x9004200000080010ull);		/* MODE, GSCID [59:44], PPN */
	assert_int_equal(w[2], 0);
	assert_int_equal(w[3], 0);

	assert_int_equal(invt_rv_dc_build(&pd, w), 0);
	assert_int_equal(w[0], 0x231);				/* V, DTF, PDTV, DPE */
	assert_int_equal(w[2], 0);
	assert_int_equal(w[3], 0x1000000000080020ull);		/* pdtp PD8 */

	assert_int_equal(invt_rv_dc_build(&off, w), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(w[i], 0);
}

static void test_dc_rejects(void **state)
{
	static const struct invt_rv_dc bad[] = {
		{ .en_ats = true },					/* fields on invalid */
		{ .pscid = 1 },
		{ .valid = true, .dpe = true },				/* DPE without PDTV */
		{ .valid = true, .pdtv = true, .pscid = 1, .fsc_mode = 1, .fsc_pa = 0x1000 },
		{ .valid = true, .pdtv = true, .fsc_mode = 0 },		/* pdtp Bare */
		{ .valid = true, .pdtv = true, .fsc_mode = 4, .fsc_pa = 0x1000 },
		{ .valid = true, .gscid = 1 },				/* GSCID with Bare */
		{ .valid = true, .iohgatp_pa = 0x4000 },		/* address with Bare */
		{ .valid = true, .iohgatp_mode = 9, .iohgatp_pa = 0x81001000ull }, /* not 16K */
		{ .valid = true, .iohgatp_mode = 7, .iohgatp_pa = 0x4000 },	/* reserved */
		{ .valid = true, .fsc_mode = 11, .fsc_pa = 0x1000 },
		{ .valid = true, .fsc_mode = 9, .fsc_pa = 0x1800 },	/* unaligned */
		{ .valid = true, .fsc_mode = 9, .fsc_pa = 1ull << 56 },	/* above PPN */
		{ .valid = true, .fsc_pa = 0x1000 },			/* address with Bare */
		{ .valid = true, .pscid = 1u << 20 },
		{ .valid = true, .gscid = 1u << 16, .iohgatp_mode = 9, .iohgatp_pa = 0x4000 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t w[8] = { 7, 7, 7, 7, 7, 7, 7, 7 };

		if (invt_rv_dc_build(&bad[i], w) != -EINVAL)
			fail_msg("bad DC %u accepted", i);
		assert_int_equal(w[0], 7);
		assert_int_equal(w[7], 7);
	}
}

static void test_pc(void **state)
{
	struct invt_rv_pc pc = { .valid = true, .pscid = 0x55, .mode = 9, .pa = 0x80030000ull };
	static const struct invt_rv_pc bad[] = {
		{ .pscid = 1 },
		{ .valid = true, .sum = true },
		{ .valid = true, .mode = 3, .pa = 0x1000 },
		{ .valid = true, .mode = 9, .pa = 0x1010 },
		{ .valid = true, .pa = 0x1000 },
		{ .valid = true, .pscid = 1u << 20 },
	};
	uint64_t w[2];
	unsigned int i;

	assert_int_equal(invt_rv_pc_build(&pc, w), 0);
	assert_int_equal(w[0], 0x55001);			/* V, PSCID [31:12] */
	assert_int_equal(w[1], 0x9000000000080030ull);
	pc.ens = pc.sum = true;
	assert_int_equal(invt_rv_pc_build(&pc, w), 0);
	assert_int_equal(w[0], 0x55007);
	pc = (struct invt_rv_pc){ 0 };
	assert_int_equal(invt_rv_pc_build(&pc, w), 0);
	assert_int_equal(w[0] | w[1], 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		w[0] = w[1] = 9;
		if (invt_rv_pc_build(&bad[i], w) != -EINVAL)
			fail_msg("bad PC %u accepted", i);
		assert_int_equal(w[0], 9);
	}
}

static void test_stores(void **state)
{
	uint64_t slot[8], w[8] = { 0x1, 0x1122334455667788ull, 3, 4, 5, 6, 7, 8 };
	const uint8_t *b = (const uint8_t *)slot;
	unsigned int i;

	memset(slot, 0xee, sizeof(slot));
	invt_rv_cfg_write(slot, w, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(le64toh(slot[i]), w[i]);
	assert_int_equal(slot[4], 0xeeeeeeeeeeeeeeeeull);	/* base format: 4 words */
	assert_int_equal(b[8], 0x88);				/* little-endian */
	assert_int_equal(b[15], 0x11);
	invt_rv_cfg_break(slot);
	assert_int_equal(slot[0], 0);
	assert_int_equal(le64toh(slot[1]), w[1]);
	invt_rv_cfg_clear(slot, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(slot[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dc_words),
		cmocka_unit_test(test_dc_rejects),
		cmocka_unit_test(test_pc),
		cmocka_unit_test(test_stores),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
