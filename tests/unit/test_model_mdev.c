// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_model_mdev.c - the model's device table: ids below INVT_MDEV_DIRECT
 * found by their direct slot, the others by the search, both alike.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>

#include "../../src/model/mdev.h"

static const uint32_t ids[] = { 0, 1, 7, INVT_MDEV_DIRECT - 1, INVT_MDEV_DIRECT, 1000, 65535 };
#define NR_IDS (sizeof(ids) / sizeof(ids[0]))

static bool added(uint32_t id)
{
	size_t k;

	for (k = 0; k < NR_IDS; k++)
		if (ids[k] == id)
			return true;
	return false;
}

static void test_find(void **state)
{
	struct invt_mdev_table t;
	struct invt_mdev *d;
	uint32_t id;
	size_t k;

	(void)state;
	assert_int_equal(invt_mdev_table_init(&t), 0);
	assert_null(invt_mdev_find(&t, 0));
	assert_null(invt_mdev_find(&t, INVT_MDEV_DIRECT));
	/* Enough devices that the array grows (8 first): old arrays stay valid. */
	for (k = 0; k < NR_IDS; k++)
		assert_int_equal(invt_mdev_add(&t, ids[k], k % 2 ? 4 : 0, "atc", k), 0);
	for (k = 0; k < NR_IDS; k++) {
		d = invt_mdev_find(&t, ids[k]);
		assert_non_null(d);
		assert_int_equal(d->id, ids[k]);
		assert_true(!d->atc == !(k % 2));
		assert_int_equal(invt_mdev_add(&t, ids[k], 0, "atc", 0), -EEXIST);
	}
	for (id = 0; id < 2 * INVT_MDEV_DIRECT; id++)
		if (!added(id))
			assert_null(invt_mdev_find(&t, id));
	invt_mdev_table_destroy(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
