// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_ats_fault.c - a device whose ATC never answers, on every
 * architecture (driver on the core, in front of its modelled unit, the
 * oracle watching).
 *
 * Per architecture: domain D maps IOVA; devices A and B (both ATS) attach
 * to D and fill their ATCs from it; then A's ATC stops answering (every ATC
 * invalidation to it times out) and A is detached.  The commit's ATC
 * invalidation fails INVT_CMD_RETRIES_MUST times, so the driver turns A's
 * ATS off in its configuration and the core takes A's ATC entries out of
 * the arrays.  Then:
 *  - A's ATC still holds the translation, but its Translated requests are
 *    refused by the unit: the access faults, nothing reaches memory;
 *  - the count says so (driver stats.ats_disabled = 1), the core's device
 *    says ATS is off, and A attached again adds no ATC entry;
 *  - unmapping IOVA from D invalidates (B's ATC included) and completes: no
 *    invalidation waits on A any more, and B's ATC lost nothing (B faults
 *    after the unmap, as it must);
 *  - the frame is freed and reused: the oracle reports nothing throughout.
 * And the same ATC dying while A stays attached: the unmap's invalidation
 * turns A's ATS off itself and completes (unmap_while_attached()).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model-rig.h"

#define DEV_A	3	/* its ATC stops answering */
#define DEV_B	4	/* a healthy ATS device on the same domain */
#define IOVA	UINT64_C(0x10000)
#define SZ_4K	MRIG_SZ_4K

static const uint32_t dev_ids[2] = { DEV_A, DEV_B };

/* Attach or detach device @i, the oracle told as the scenario does. */
static void attach(struct mrig *r, unsigned int i, bool on)
{
	uint32_t id = dev_ids[i];

	assert_int_equal(invt_oracle_attach_begin(r->oracle, 0, id, 0,
						  on ? r->dom->id : INVT_MEM_NO_DOMAIN), 0);
	assert_int_equal(r->ops->attach(r, i, on), 0);
	assert_int_equal(invt_oracle_config_done(r->oracle, 0, id, 0), 0);
	assert_int_equal(invt_oracle_attach_done(r->oracle, 0, id, 0), 0);
}

/* The ATC entries of D's array. */
static unsigned int atc_entries(struct mrig *r)
{
	struct invt_invs *invs = invt_domain_invs_get(r->dom);
	unsigned int n = 0;
	size_t i;

	assert_non_null(invs);
	for (i = 0; i < invs->num_invs; i++)
		if (invs->inv[i].users && (invs->inv[i].type == INVT_INV_ATC ||
					   invs->inv[i].type == INVT_INV_ATC_FULL))
			n++;
	invt_invs_free(invs);
	return n;
}

/* D maps IOVA; both devices attach and fill their ATCs from it (a second read hits). */
static void both_filled(struct mrig *r)
{
	unsigned int i;

	mrig_map_page(r, IOVA);
	for (i = 0; i < 2; i++) {
		attach(r, i, true);
		assert_int_equal(r->ops->dma(r, dev_ids[i], IOVA, false), 0);
		assert_int_equal(r->ops->dma(r, dev_ids[i], IOVA, true), 0);
	}
	assert_int_equal(atc_entries(r), 2);
}

/*
 * IOVA was unmapped and its frame freed: the frame goes to another page of
 * D, and no device may reach it at IOVA (A's ATC still holds IOVA: its
 * Translated request is refused).
 */
static void freed_frame_unreachable(struct mrig *r)
{
	uint64_t pa2;
	unsigned int i;

	assert_int_equal(invt_mem_alloc(r->mem, INVT_FRAME_DATA, r->dom->id, IOVA + SZ_4K, &pa2),
			 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(r->ops->dma(r, dev_ids[i], IOVA, false), -EFAULT);
		assert_int_equal(r->ops->dma(r, dev_ids[i], IOVA, true), -EFAULT);
	}
	assert_int_equal(mrig_violations(r), 0);
	assert_int_equal(invt_mem_free(r->mem, pa2), 0);
}

static void never_answers(const struct mrig_ops *ops)
{
	struct mrig *r = mrig_new(ops, dev_ids, 2);
	unsigned int i;

	both_filled(r);
	assert_true(invt_device_ats(ops->dev(r, 0)));
	assert_int_equal(ops->ats_disabled(r), 0);

	/* A's ATC stops answering; detaching it turns its ATS off. */
	assert_int_equal(ops->never_answer(r, DEV_A), 0);
	attach(r, 0, false);
	assert_int_equal(ops->ats_disabled(r), 1);
	assert_false(invt_device_ats(ops->dev(r, 0)));
	assert_true(invt_device_ats(ops->dev(r, 1)));
	assert_int_equal(atc_entries(r), 1);	/* B's only */
	/* A's ATC still holds IOVA, but its Translated requests are refused. */
	assert_int_equal(ops->dma(r, DEV_A, IOVA, false), -EFAULT);
	assert_int_equal(mrig_violations(r), 0);

	/* A attached again: no ATC entry, and still nothing through its ATC. */
	attach(r, 0, true);
	assert_int_equal(atc_entries(r), 1);
	assert_int_equal(ops->dma(r, DEV_A, IOVA, false), -EFAULT);
	assert_int_equal(ops->ats_disabled(r), 1);

	/* Unmap: the invalidation completes (B's ATC included), nothing lost. */
	assert_int_equal(mrig_unmap_page(r, IOVA), 0);
	freed_frame_unreachable(r);

	for (i = 0; i < 2; i++)
		attach(r, i, false);
	assert_int_equal(atc_entries(r), 0);
	assert_int_equal(mrig_violations(r), 0);
	mrig_free(r);
}

/*
 * A's ATC stops answering while A stays attached: the unmap's invalidation
 * finds it dead, A's ATS goes off and its ATC entry leaves D's array, and
 * the invalidation is sent again and completes (it used to return -EIO until
 * A's next detach or replace), so the frame can be freed.
 */
static void unmap_while_attached(const struct mrig_ops *ops)
{
	struct mrig *r = mrig_new(ops, dev_ids, 2);
	unsigned int i;

	both_filled(r);
	assert_int_equal(ops->never_answer(r, DEV_A), 0);

	/* Unmap with A attached: completes, A's ATS off, B's ATC cleaned. */
	assert_int_equal(mrig_unmap_page(r, IOVA), 0);
	assert_int_equal(ops->ats_disabled(r), 1);
	assert_false(invt_device_ats(ops->dev(r, 0)));
	assert_true(invt_device_ats(ops->dev(r, 1)));
	assert_int_equal(atc_entries(r), 1);	/* B's only */
	freed_frame_unreachable(r);

	/* A's detach waits on no ATC; nothing turned off twice. */
	for (i = 0; i < 2; i++)
		attach(r, i, false);
	assert_int_equal(ops->ats_disabled(r), 1);
	assert_int_equal(atc_entries(r), 0);
	assert_int_equal(mrig_violations(r), 0);
	mrig_free(r);
}

static void test_smmuv3(void **state)
{
	(void)state;
	never_answers(&mrig_smmuv3);
	unmap_while_attached(&mrig_smmuv3);
}

static void test_vtd(void **state)
{
	(void)state;
	never_answers(&mrig_vtd);
	unmap_while_attached(&mrig_vtd);
}

static void test_riscv(void **state)
{
	(void)state;
	never_answers(&mrig_riscv);
	unmap_while_attached(&mrig_riscv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smmuv3),
		cmocka_unit_test(test_vtd),
		cmocka_unit_test(test_riscv),
	};
	int ret;

	invt_rcu_register_thread();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	invt_rcu_unregister_thread();
	return ret;
}
