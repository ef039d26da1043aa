// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_abort_atc.c - an attach aborted after its install must leave the
 * device's ATC clean, on every architecture (driver on the core, in front of
 * its modelled unit, the oracle watching).
 *
 * The five steps, per architecture:
 *  1. domain D maps IOVA 0x10000; device A (ATS, id 3) is detached;
 *  2. prepare A -> D, install: A's configuration names D;
 *  3. A reads 0x10000: an ATS translation request fills its ATC;
 *  4. abort: A is detached again and its ATC must no longer translate
 *     0x10000 (the access faults, the oracle reports nothing);
 *  5. unmap 0x10000 and invalidate D, free the frame: still clean;
 *  6. A attached to D again (ATS enabled in its configuration once more):
 *     0x10000 faults, nothing of the aborted attachment is left in its ATC.
 * And an abort before any install sends no ATC invalidation.
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

#define DEV_ID	3
#define IOVA	UINT64_C(0x10000)

static const uint32_t dev_id = DEV_ID;

static void five_steps(const struct mrig_ops *ops)
{
	struct mrig *r = mrig_new(ops, &dev_id, 1);
	uint64_t before;

	mrig_map_page(r, IOVA);

	/* Step 2: prepare and install, the oracle told as the scenario does. */
	assert_int_equal(invt_oracle_attach_begin(r->oracle, 0, DEV_ID, 0, r->dom->id), 0);
	assert_int_equal(ops->prepare(r), 0);
	assert_int_equal(ops->install(r), 0);
	assert_int_equal(invt_oracle_config_done(r->oracle, 0, DEV_ID, 0), 0);

	/* Step 3: an ATS translation request fills the ATC; the next read hits it. */
	assert_int_equal(ops->dma(r, DEV_ID, IOVA, false), 0);
	assert_int_equal(ops->dma(r, DEV_ID, IOVA, false), 0);
	assert_int_equal(mrig_violations(r), 0);

	/* Step 4: abort; the device is blocked again and its ATC is clean. */
	before = ops->consumed(r);
	ops->abort(r);
	assert_int_equal(invt_oracle_attach_abort(r->oracle, 0, DEV_ID, 0), 0);
	assert_true(ops->consumed(r) > before);
	assert_int_equal(ops->dma(r, DEV_ID, IOVA, false), -EFAULT);
	assert_int_equal(mrig_violations(r), 0);

	/* Step 5: unmap, invalidate, free: nothing reaches the freed frame. */
	assert_int_equal(mrig_unmap_page(r, IOVA), 0);
	assert_int_equal(ops->dma(r, DEV_ID, IOVA, false), -EFAULT);
	assert_int_equal(ops->dma(r, DEV_ID, IOVA, true), -EFAULT);
	assert_int_equal(mrig_violations(r), 0);

	/*
	 * Step 6: A attached to D for good.  Its configuration enables ATS
	 * again, so an ATC entry the abort left would now be used (the unmap
	 * above did not reach A's ATC: A was not in D's array): the access
	 * must walk D's table and fault.
	 */
	assert_int_equal(invt_oracle_attach_begin(r->oracle, 0, DEV_ID, 0, r->dom->id), 0);
	assert_int_equal(ops->attach(r, 0, true), 0);
	assert_int_equal(invt_oracle_config_done(r->oracle, 0, DEV_ID, 0), 0);
	assert_int_equal(invt_oracle_attach_done(r->oracle, 0, DEV_ID, 0), 0);
	assert_int_equal(ops->dma(r, DEV_ID, IOVA, false), -EFAULT);
	assert_int_equal(ops->dma(r, DEV_ID, IOVA, true), -EFAULT);
	assert_int_equal(mrig_violations(r), 0);
	assert_int_equal(ops->attach(r, 0, false), 0);
	mrig_free(r);
}

/*
 * An abort before install stays cheap: the hardware never saw the domain,
 * so no configuration is written back and no ATC invalidated; only the tag
 * the prepare allocated is flushed as its last user leaves (one
 * invalidation and its completion command), as any detach does.
 */
static void abort_before_install(const struct mrig_ops *ops)
{
	struct mrig *r = mrig_new(ops, &dev_id, 1);
	uint64_t before;

	mrig_map_page(r, IOVA);
	before = ops->consumed(r);
	assert_int_equal(ops->prepare(r), 0);
	ops->abort(r);
	assert_int_equal(ops->consumed(r) - before, 2);
	assert_int_equal(ops->dma(r, DEV_ID, IOVA, false), -EFAULT);
	assert_int_equal(mrig_unmap_page(r, IOVA), 0);
	assert_int_equal(mrig_violations(r), 0);
	mrig_free(r);
}

static void test_smmuv3(void **state)
{
	(void)state;
	five_steps(&mrig_smmuv3);
	abort_before_install(&mrig_smmuv3);
}

static void test_vtd(void **state)
{
	(void)state;
	five_steps(&mrig_vtd);
	abort_before_install(&mrig_vtd);
}

static void test_riscv(void **state)
{
	(void)state;
	five_steps(&mrig_riscv);
	abort_before_install(&mrig_riscv);
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
