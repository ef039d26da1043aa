// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_ssids.c - a device's per-ssid slots are sparse.
 *
 *  - a device with a 20-bit PASID space allocates nothing until an ssid is
 *    used, and frees each slot when its ssid is blocked again;
 *  - random attach / replace / detach over a few hundred scattered ssids
 *    agree, after every step, with a plain reference map (lookups survive
 *    table growth and backward-shift deletion);
 *  - a second transaction on a busy ssid is refused, other ssids are not;
 *    detaching an unused ssid allocates nothing;
 *  - an allocation failure at any point of an attach changes nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <invtrack/core.h>
#include <invtrack/fault.h>

#include "record.h"

#define SPACE	(1u << 20)
#define NSET	300
#define STEPS	20000

static struct {
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu ri;
	struct invt_domain dom[2];
	struct invt_device dev;
} w;

static void world_init(bool ats)
{
	uint32_t sid = 7;

	alarm(60);
	invt_rcu_register_thread();
	invt_ctx_init(&w.ctx);
	invt_recorder_init(&w.rec, false);
	assert_int_equal(invt_rec_iommu_init(&w.ctx, &w.ri, &w.rec, 0, 0, 4, NULL, 8), 0);
	assert_int_equal(invt_domain_init(&w.ctx, &w.dom[0], INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_domain_init(&w.ctx, &w.dom[1], INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_device_init(&w.dev, &w.ri.iommu, &sid, 1, SPACE, ats), 0);
	assert_null(w.dev.slots);
	assert_int_equal(w.dev.nr_used, 0);
}

static void world_teardown(void)
{
	assert_int_equal(invt_device_destroy(&w.dev), 0);
	assert_int_equal(invt_domain_destroy(&w.dom[0]), 0);
	assert_int_equal(invt_domain_destroy(&w.dom[1]), 0);
	assert_int_equal(invt_rec_iommu_destroy(&w.ri), 0);
	assert_int_equal(invt_ctx_destroy(&w.ctx), 0);
	invt_recorder_destroy(&w.rec);
	invt_rcu_unregister_thread();
	alarm(0);
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Random steps over scattered ssids against a reference map. */
static void test_random(void **state)
{
	static uint32_t ssid[NSET];
	static int ref[NSET];	/* -1 blocked, else the domain */
	uint64_t seed = 42;
	unsigned int i, k, used;
	int d;

	world_init(true);
	for (i = 0; i < NSET; i++) {
		/* Clustered and scattered, 0 (the RID) and the top of the space included. */
		ssid[i] = i == 0 ? 0 : i == 1 ? SPACE - 1 : i < 100 ? 1000 + i :
			  (uint32_t)(rnd(&seed) % SPACE);
		for (k = 0; k < i; k++)
			if (ssid[k] == ssid[i])
				ssid[i] = (ssid[i] + 1) % SPACE, k = (unsigned int)-1;
		ref[i] = -1;
	}
	for (k = 0; k < STEPS; k++) {
		i = (unsigned int)(rnd(&seed) % NSET);
		d = (int)(rnd(&seed) % 3) - 1;
		assert_int_equal(invt_attach(&w.dev, ssid[i], d < 0 ? NULL : &w.dom[d]), 0);
		ref[i] = d;
		assert_ptr_equal(invt_device_domain(&w.dev, ssid[i]), d < 0 ? NULL : &w.dom[d]);
		if (k % 997 == 0 || k == STEPS - 1) {
			for (i = used = 0; i < NSET; i++) {
				assert_ptr_equal(invt_device_domain(&w.dev, ssid[i]),
						 ref[i] < 0 ? NULL : &w.dom[ref[i]]);
				used += ref[i] >= 0;
			}
			assert_int_equal(w.dev.nr_used, used);
			assert_true(!used || 2 * used <= w.dev.nr_slots);
			assert_int_equal(invt_device_in_use(&w.dev), used > 0);
		}
	}
	for (i = 0; i < NSET; i++)
		assert_int_equal(invt_attach(&w.dev, ssid[i], NULL), 0);
	assert_int_equal(w.dev.nr_used, 0);
	assert_null(w.dev.slots);
	assert_false(invt_device_in_use(&w.dev));
	world_teardown();
}

/* Busy slots refuse a second transaction; an unused ssid's detach is empty. */
static void test_busy(void **state)
{
	struct invt_attach a, b, c;
	unsigned long n;

	world_init(false);
	assert_int_equal(invt_attach_prepare(&a, &w.dev, 5, &w.dom[0]), 0);
	assert_int_equal(invt_attach_prepare(&b, &w.dev, 5, &w.dom[1]), -EBUSY);
	assert_int_equal(invt_attach_prepare(&b, &w.dev, 5, NULL), -EBUSY);
	assert_int_equal(invt_attach_prepare(&b, &w.dev, 6, &w.dom[1]), 0);
	assert_true(invt_device_in_use(&w.dev));
	invt_attach_commit(&a);
	invt_attach_abort(&b);
	assert_ptr_equal(invt_device_domain(&w.dev, 5), &w.dom[0]);
	assert_null(invt_device_domain(&w.dev, 6));
	assert_int_equal(w.dev.nr_used, 1);

	n = invt_alloc_count();
	assert_int_equal(invt_attach_prepare(&c, &w.dev, 77, NULL), 0);
	invt_attach_commit(&c);
	assert_int_equal(invt_alloc_count(), n);
	assert_int_equal(w.dev.nr_used, 1);
	assert_int_equal(invt_attach_prepare(&c, &w.dev, SPACE, &w.dom[0]), -EINVAL);

	assert_int_equal(invt_attach(&w.dev, 5, NULL), 0);
	assert_int_equal(w.dev.nr_used, 0);
	world_teardown();
}

/* A failure at every allocation of an attach of a new ssid changes nothing. */
static void test_enomem(void **state)
{
	struct invt_invs *before;
	unsigned int nth, i;
	int ret;

	world_init(true);
	/* Fill the table to the edge of a growth, so that growing is tried too. */
	for (i = 0; i < 4; i++)
		assert_int_equal(invt_attach(&w.dev, 100 + i, &w.dom[0]), 0);
	for (nth = 1;; nth++) {
		before = w.dom[1].invs;
		invt_fault_inject(nth);
		ret = invt_attach(&w.dev, 4242, &w.dom[1]);
		invt_fault_inject(0);
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_null(invt_device_domain(&w.dev, 4242));
		assert_int_equal(w.dev.nr_used, 4);
		assert_ptr_equal(w.dom[1].invs, before);
	}
	assert_true(nth > 2);	/* the slot table and the slot, at least */
	assert_int_equal(w.dev.nr_used, 5);
	for (i = 0; i < 4; i++)
		assert_int_equal(invt_attach(&w.dev, 100 + i, NULL), 0);
	assert_int_equal(invt_attach(&w.dev, 4242, NULL), 0);
	world_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
