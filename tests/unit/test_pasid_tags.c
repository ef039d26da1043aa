// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_pasid_tags.c - stage-1 entries per (tag, PASID) on instances with
 * INVT_IOMMU_S1_PASID_TAGS (VT-d first stage), one per tag elsewhere.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include <invtrack/core.h>

#include "record.h"

static void run(bool pasid_tags)
{
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu ri;
	struct invt_domain dom;
	struct invt_device a, b;
	struct invt_invs *invs;
	uint32_t sa = 1, sb = 2;
	size_t s1 = 0, i, pages = 0;

	invt_ctx_init(&ctx);
	invt_recorder_init(&rec, true);
	assert_int_equal(invt_rec_iommu_init(&ctx, &ri, &rec, 0,
					     pasid_tags ? INVT_IOMMU_S1_PASID_TAGS : 0, 512, NULL,
					     16), 0);
	assert_int_equal(invt_domain_init(&ctx, &dom, INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_device_init(&a, &ri.iommu, &sa, 1, 8, false), 0);
	assert_int_equal(invt_device_init(&b, &ri.iommu, &sb, 1, 8, false), 0);
	/* Three attachments: a at RID and PASID 5, b at PASID 5. */
	assert_int_equal(invt_attach(&a, 0, &dom), 0);
	assert_int_equal(invt_attach(&a, 5, &dom), 0);
	assert_int_equal(invt_attach(&b, 5, &dom), 0);

	invs = invt_domain_invs_get(&dom);
	assert_non_null(invs);
	for (i = 0; i < invs->num_invs; i++) {
		if (invs->inv[i].type != INVT_INV_IOTLB_S1)
			continue;
		/* With PASID tags: (tag, 0) with 1 user, (tag, 5) with 2. */
		if (pasid_tags) {
			assert_int_equal(invs->inv[i].ssid, s1 ? 5 : 0);
			assert_int_equal(invs->inv[i].users, s1 ? 2 : 1);
		} else {
			assert_int_equal(invs->inv[i].ssid, 0);
			assert_int_equal(invs->inv[i].users, 3);
		}
		s1++;
	}
	assert_int_equal(s1, pasid_tags ? 2 : 1);
	invt_invs_free(invs);

	invt_recorder_reset(&rec);
	assert_int_equal(invt_domain_invalidate(&dom, 0x1000, 0x1000, true), 0);
	for (i = 0; i < rec.nlog; i++)
		pages += rec.log[i].kind == INVT_REC_EV_CMD &&
			 rec.log[i].cmd.op == INVT_REC_INV_PAGE;
	assert_int_equal(pages, pasid_tags ? 2 : 1);

	/* The last user of (tag, 5) leaves: the entry goes, (tag, 0) stays. */
	assert_int_equal(invt_attach(&b, 5, NULL), 0);
	assert_int_equal(invt_attach(&a, 5, NULL), 0);
	invs = invt_domain_invs_get(&dom);
	assert_non_null(invs);
	for (i = 0, s1 = 0; i < invs->num_invs; i++)
		if (invs->inv[i].type == INVT_INV_IOTLB_S1) {
			assert_int_equal(invs->inv[i].ssid, 0);
			assert_int_equal(invs->inv[i].users, 1);
			s1++;
		}
	assert_int_equal(s1, 1);
	invt_invs_free(invs);

	assert_int_equal(invt_attach(&a, 0, NULL), 0);
	assert_int_equal(invt_device_destroy(&a), 0);
	assert_int_equal(invt_device_destroy(&b), 0);
	assert_int_equal(invt_domain_destroy(&dom), 0);
	assert_int_equal(invt_rec_iommu_destroy(&ri), 0);
	assert_int_equal(invt_ctx_destroy(&ctx), 0);
	invt_recorder_destroy(&rec);
}

static void test_per_pasid(void **state)
{
	run(true);
}

static void test_per_tag(void **state)
{
	run(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_pasid),
		cmocka_unit_test(test_per_tag),
	};
	int ret;

	invt_rcu_register_thread();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	invt_rcu_unregister_thread();
	return ret;
}
