// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_tags.c - IOTLB tag spaces: ranges, counting, and tag lifetime as the
 * attach path uses it (lowest free first, -ENOSPC, release on detach, one
 * tag per domain and space however many instances share the space).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/core.h>
#include <invtrack/fault.h>

#include "record.h"

/* ------------------------------------------------------- the space alone */

static void test_init_bad_ranges(void **state)
{
	static const uint32_t bad[][2] = {
		{ 2, 1 },
		{ UINT32_MAX, 0 },
		{ 0, UINT32_MAX },
		{ UINT32_MAX, UINT32_MAX },
		{ 5, UINT32_MAX },
	};
	unsigned long allocs = invt_alloc_count();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct invt_tag_space ts;

		assert_int_equal(invt_tag_space_init(&ts, bad[i][0], bad[i][1]), -EINVAL);
	}
	/* Rejected before allocating anything. */
	assert_int_equal(invt_alloc_count(), allocs);
}

static void test_init_good_ranges(void **state)
{
	static const uint32_t good[][2] = {
		{ 0, 0 },
		{ 1, 1 },
		{ 5, 5 },
		{ 1, 63 },
		{ 0, 63 },
		{ 0, 64 },
		{ 100, 1000 },
		{ UINT32_MAX - 1, UINT32_MAX - 1 },
		{ UINT32_MAX - 200, UINT32_MAX - 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct invt_tag_space ts;

		memset(&ts, 0xa5, sizeof(ts));
		assert_int_equal(invt_tag_space_init(&ts, good[i][0], good[i][1]), 0);
		assert_int_equal(ts.min, good[i][0]);
		assert_int_equal(ts.max, good[i][1]);
		assert_int_equal(invt_tag_space_used(&ts), 0);
		invt_tag_space_destroy(&ts);
	}
}

static void test_init_enomem(void **state)
{
	struct invt_tag_space ts;

	invt_fault_inject(1);
	assert_int_equal(invt_tag_space_init(&ts, 1, 16), -ENOMEM);
	assert_false(invt_fault_pending());
	/* Nothing to destroy; the next init works. */
	assert_int_equal(invt_tag_space_init(&ts, 1, 16), 0);
	assert_int_equal(invt_tag_space_used(&ts), 0);
	invt_tag_space_destroy(&ts);
}

/* ------------------------------------------------------ through attach */

struct sys {
	struct invt_ctx ctx;
	struct invt_recorder rec;
};

static void sys_init(struct sys *s)
{
	invt_ctx_init(&s->ctx);
	invt_recorder_init(&s->rec, false);
}

static void sys_destroy(struct sys *s)
{
	assert_int_equal(invt_ctx_destroy(&s->ctx), 0);
	invt_recorder_destroy(&s->rec);
}

static void dev_init(struct invt_device *dev, struct invt_rec_iommu *ri, uint32_t sid,
		     uint32_t nr_ssids)
{
	assert_int_equal(invt_device_init(dev, &ri->iommu, &sid, 1, nr_ssids, false), 0);
}

/*
 * @dom's live entries are exactly one per (instance, tag) given, of @type,
 * each with @users users.
 */
static void assert_entries(struct invt_domain *dom, uint8_t type, size_t n,
			   struct invt_rec_iommu *const *ri, const uint32_t *tag, const int *users)
{
	struct invt_invs *invs = invt_domain_invs_get(dom);
	size_t i;

	assert_non_null(invs);
	assert_int_equal(invs->num_invs, n);
	assert_int_equal(invs->num_trashes, 0);
	for (i = 0; i < n; i++) {
		assert_ptr_equal(invs->inv[i].iommu, &ri[i]->iommu);
		assert_int_equal(invs->inv[i].type, type);
		assert_int_equal(invs->inv[i].id, tag[i]);
		assert_int_equal(invs->inv[i].users, users[i]);
	}
	invt_invs_free(invs);
}

/* @dom has one S1 entry on @ri with tag @tag and @users users. */
static void assert_one(struct invt_domain *dom, struct invt_rec_iommu *ri, uint32_t tag,
		       int users)
{
	assert_entries(dom, INVT_INV_IOTLB_S1, 1, &ri, &tag, &users);
}

static void assert_empty(struct invt_domain *dom)
{
	assert_entries(dom, INVT_INV_IOTLB_S1, 0, NULL, NULL, NULL);
}

/*
 * A two-tag own space (tags 1 and 2): two domains take them, a third gets
 * -ENOSPC and nothing changes; detaching returns a tag, which is reused
 * lowest first.
 */
static void test_exhaustion_and_reuse(void **state)
{
	struct sys s;
	struct invt_rec_iommu ri;
	struct invt_domain dom[4];
	struct invt_device dev[5];
	struct invt_tag_space *ts = &ri.tags;
	uint64_t cmds;
	int i;

	sys_init(&s);
	assert_int_equal(invt_rec_iommu_init(&s.ctx, &ri, &s.rec, 3, 0, 8, NULL, 2), 0);
	assert_ptr_equal(ri.iommu.tags[0], ts);
	assert_ptr_equal(ri.iommu.tags[1], ts);
	assert_int_equal(ts->min, 1);
	assert_int_equal(ts->max, 2);
	for (i = 0; i < 4; i++)
		assert_int_equal(invt_domain_init(&s.ctx, &dom[i], INVT_DOMAIN_S1, NULL), 0);
	for (i = 0; i < 5; i++)
		dev_init(&dev[i], &ri, 0x100 + i, 1);
	assert_int_equal(invt_tag_space_used(ts), 0);

	assert_int_equal(invt_attach(&dev[0], 0, &dom[0]), 0);
	assert_one(&dom[0], &ri, 1, 1);
	assert_int_equal(invt_tag_space_used(ts), 1);
	assert_int_equal(invt_attach(&dev[1], 0, &dom[1]), 0);
	assert_one(&dom[1], &ri, 2, 1);
	assert_int_equal(invt_tag_space_used(ts), 2);
	/* A second attachment of a domain takes no tag. */
	assert_int_equal(invt_attach(&dev[3], 0, &dom[0]), 0);
	assert_one(&dom[0], &ri, 1, 2);
	assert_int_equal(invt_tag_space_used(ts), 2);

	/* Third domain: no tag left, nothing changes. */
	cmds = __atomic_load_n(&ri.cmds, __ATOMIC_RELAXED);
	assert_int_equal(invt_attach(&dev[2], 0, &dom[2]), -ENOSPC);
	assert_null(invt_device_domain(&dev[2], 0));
	assert_empty(&dom[2]);
	assert_int_equal(dom[2].nr_attached, 0);
	assert_int_equal(dom[2].nr_bindings, 0);
	assert_one(&dom[0], &ri, 1, 2);
	assert_one(&dom[1], &ri, 2, 1);
	assert_int_equal(invt_tag_space_used(ts), 2);
	assert_int_equal(ri.iommu.nr_attached, 3);
	assert_int_equal(__atomic_load_n(&ri.cmds, __ATOMIC_RELAXED), cmds);
	/* ...and it can be retried, with the same result. */
	assert_int_equal(invt_attach(&dev[2], 0, &dom[2]), -ENOSPC);
	assert_int_equal(invt_tag_space_used(ts), 2);

	/* Detaching one of two users of dom[0] keeps its tag. */
	assert_int_equal(invt_attach(&dev[0], 0, NULL), 0);
	assert_null(invt_device_domain(&dev[0], 0));
	assert_one(&dom[0], &ri, 1, 1);
	assert_int_equal(invt_tag_space_used(ts), 2);
	assert_int_equal(invt_attach(&dev[2], 0, &dom[2]), -ENOSPC);

	/* The last user leaves: tag 1 goes back and dom[2] gets it. */
	cmds = __atomic_load_n(&ri.cmds, __ATOMIC_RELAXED);
	assert_int_equal(invt_attach(&dev[3], 0, NULL), 0);
	/* Flushed before release: at least the tag command and a sync. */
	assert_true(__atomic_load_n(&ri.cmds, __ATOMIC_RELAXED) >= cmds + 2);
	assert_empty(&dom[0]);
	assert_int_equal(invt_tag_space_used(ts), 1);
	assert_int_equal(invt_attach(&dev[2], 0, &dom[2]), 0);
	assert_ptr_equal(invt_device_domain(&dev[2], 0), &dom[2]);
	assert_one(&dom[2], &ri, 1, 1);
	assert_int_equal(invt_tag_space_used(ts), 2);

	/* Release tag 2 while 1 is held: the next domain gets 2. */
	assert_int_equal(invt_attach(&dev[1], 0, NULL), 0);
	assert_int_equal(invt_tag_space_used(ts), 1);
	assert_int_equal(invt_attach(&dev[4], 0, &dom[3]), 0);
	assert_one(&dom[3], &ri, 2, 1);

	/* Release both, higher first: the next domain gets 1, the lowest. */
	assert_int_equal(invt_attach(&dev[4], 0, NULL), 0);
	assert_int_equal(invt_attach(&dev[2], 0, NULL), 0);
	assert_int_equal(invt_tag_space_used(ts), 0);
	assert_int_equal(invt_attach(&dev[0], 0, &dom[1]), 0);
	assert_one(&dom[1], &ri, 1, 1);
	assert_int_equal(invt_tag_space_used(ts), 1);

	/*
	 * Replace dom[1] -> dom[0]: dom[0] joins while dom[1] still holds tag
	 * 1, so it takes 2; then dom[1] leaves and gives 1 back.
	 */
	assert_int_equal(invt_attach(&dev[0], 0, &dom[0]), 0);
	assert_one(&dom[0], &ri, 2, 1);
	assert_empty(&dom[1]);
	assert_int_equal(invt_tag_space_used(ts), 1);
	assert_int_equal(invt_attach(&dev[0], 0, NULL), 0);
	assert_int_equal(invt_tag_space_used(ts), 0);

	for (i = 0; i < 5; i++)
		assert_int_equal(invt_device_destroy(&dev[i]), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(invt_domain_destroy(&dom[i]), 0);
	assert_int_equal(invt_rec_iommu_destroy(&ri), 0);
	sys_destroy(&s);
}

/*
 * Two instances sharing one tag space (RISC-V PSCIDs): a domain attached
 * through both holds ONE tag, named by both instances' entries, and keeps it
 * until its last attachment on either instance leaves.
 */
static void test_shared_space(void **state)
{
	struct sys s;
	struct invt_tag_space ts;
	struct invt_tag_space *const tags[2] = { &ts, &ts };
	struct invt_rec_iommu ra, rb;
	struct invt_rec_iommu *both[2] = { &rb, &ra };	/* rb has the lower id */
	struct invt_domain d1, d2;
	struct invt_device da, db, db2;
	const uint32_t tag10[2] = { 10, 10 };
	int users[2] = { 1, 1 };

	sys_init(&s);
	assert_int_equal(invt_tag_space_init(&ts, 10, 12), 0);
	assert_int_equal(invt_rec_iommu_init(&s.ctx, &ra, &s.rec, 7, 0, 8, tags, 0), 0);
	assert_int_equal(invt_rec_iommu_init(&s.ctx, &rb, &s.rec, 3, 0, 8, tags, 0), 0);
	assert_int_equal(invt_domain_init(&s.ctx, &d1, INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_domain_init(&s.ctx, &d2, INVT_DOMAIN_S1, NULL), 0);
	dev_init(&da, &ra, 1, 1);
	dev_init(&db, &rb, 2, 1);
	dev_init(&db2, &rb, 3, 1);

	assert_int_equal(invt_attach(&da, 0, &d1), 0);
	assert_int_equal(invt_tag_space_used(&ts), 1);
	assert_int_equal(invt_attach(&db, 0, &d1), 0);
	assert_int_equal(invt_tag_space_used(&ts), 1);
	assert_int_equal(d1.nr_bindings, 1);
	/* Ordered by instance id: rb (3) before ra (7); one tag, 10, for both. */
	assert_entries(&d1, INVT_INV_IOTLB_S1, 2, both, tag10, users);

	/* Another domain, through rb only, takes the next tag of the space. */
	assert_int_equal(invt_attach(&db2, 0, &d2), 0);
	assert_one(&d2, &rb, 11, 1);
	assert_int_equal(invt_tag_space_used(&ts), 2);

	/* d1 leaves ra: the tag stays (still used through rb). */
	assert_int_equal(invt_attach(&da, 0, NULL), 0);
	assert_one(&d1, &rb, 10, 1);
	assert_int_equal(invt_tag_space_used(&ts), 2);
	/* And comes back through ra: the same tag, not a new one. */
	assert_int_equal(invt_attach(&da, 0, &d1), 0);
	assert_entries(&d1, INVT_INV_IOTLB_S1, 2, both, tag10, users);
	assert_int_equal(invt_tag_space_used(&ts), 2);

	/* d1 leaves both: tag 10 goes back. */
	assert_int_equal(invt_attach(&db, 0, NULL), 0);
	assert_one(&d1, &ra, 10, 1);
	assert_int_equal(invt_tag_space_used(&ts), 2);
	assert_int_equal(invt_attach(&da, 0, NULL), 0);
	assert_empty(&d1);
	assert_int_equal(invt_tag_space_used(&ts), 1);

	/* d1 again, through ra first: the lowest free tag, 10 again. */
	assert_int_equal(invt_attach(&da, 0, &d1), 0);
	assert_one(&d1, &ra, 10, 1);
	assert_int_equal(invt_tag_space_used(&ts), 2);

	assert_int_equal(invt_attach(&da, 0, NULL), 0);
	assert_int_equal(invt_attach(&db2, 0, NULL), 0);
	assert_int_equal(invt_tag_space_used(&ts), 0);
	assert_int_equal(invt_device_destroy(&da), 0);
	assert_int_equal(invt_device_destroy(&db), 0);
	assert_int_equal(invt_device_destroy(&db2), 0);
	assert_int_equal(invt_domain_destroy(&d1), 0);
	assert_int_equal(invt_domain_destroy(&d2), 0);
	assert_int_equal(invt_rec_iommu_destroy(&ra), 0);
	assert_int_equal(invt_rec_iommu_destroy(&rb), 0);
	invt_tag_space_destroy(&ts);
	sys_destroy(&s);
}

/* Separate stage-1 and stage-2 spaces: each domain type draws from its own. */
static void test_stage_spaces(void **state)
{
	struct sys s;
	struct invt_tag_space s1, s2;
	struct invt_tag_space *const tags[2] = { &s1, &s2 };
	struct invt_rec_iommu ri;
	struct invt_domain d1, d2;
	struct invt_device dev;
	const uint32_t tag = 100;
	const int one = 1;
	struct invt_rec_iommu *rp = &ri;

	sys_init(&s);
	assert_int_equal(invt_tag_space_init(&s1, 1, 4), 0);
	assert_int_equal(invt_tag_space_init(&s2, 100, 101), 0);
	assert_int_equal(invt_rec_iommu_init(&s.ctx, &ri, &s.rec, 1, 0, 8, tags, 0), 0);
	assert_int_equal(invt_domain_init(&s.ctx, &d1, INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_domain_init(&s.ctx, &d2, INVT_DOMAIN_S2, NULL), 0);
	dev_init(&dev, &ri, 5, 2);

	assert_int_equal(invt_attach(&dev, 0, &d2), 0);
	assert_entries(&d2, INVT_INV_IOTLB_S2, 1, &rp, &tag, &one);
	assert_int_equal(invt_tag_space_used(&s1), 0);
	assert_int_equal(invt_tag_space_used(&s2), 1);
	assert_int_equal(invt_attach(&dev, 1, &d1), 0);
	assert_one(&d1, &ri, 1, 1);
	assert_int_equal(invt_tag_space_used(&s1), 1);
	assert_int_equal(invt_tag_space_used(&s2), 1);

	assert_int_equal(invt_attach(&dev, 0, NULL), 0);
	assert_int_equal(invt_tag_space_used(&s2), 0);
	assert_int_equal(invt_tag_space_used(&s1), 1);
	assert_int_equal(invt_attach(&dev, 1, NULL), 0);
	assert_int_equal(invt_tag_space_used(&s1), 0);

	assert_int_equal(invt_device_destroy(&dev), 0);
	assert_int_equal(invt_domain_destroy(&d1), 0);
	assert_int_equal(invt_domain_destroy(&d2), 0);
	assert_int_equal(invt_rec_iommu_destroy(&ri), 0);
	invt_tag_space_destroy(&s1);
	invt_tag_space_destroy(&s2);
	sys_destroy(&s);
}

/*
 * A 65-tag space (0..64) spans two bitmap words: every tag is handed out in
 * order, the 66th domain gets -ENOSPC, and a released tag of either word is
 * the one handed out next.
 */
#define W_TAGS 65
#define W_DOMS (W_TAGS + 1)

static void test_word_boundary(void **state)
{
	struct sys s;
	struct invt_tag_space ts;
	struct invt_tag_space *const tags[2] = { &ts, &ts };
	struct invt_rec_iommu ri;
	struct invt_domain *dom = calloc(W_DOMS, sizeof(*dom));
	struct invt_device dev;
	int i;

	assert_non_null(dom);
	sys_init(&s);
	assert_int_equal(invt_tag_space_init(&ts, 0, W_TAGS - 1), 0);
	assert_int_equal(invt_rec_iommu_init(&s.ctx, &ri, &s.rec, 1, 0, 8, tags, 0), 0);
	for (i = 0; i < W_DOMS; i++)
		assert_int_equal(invt_domain_init(&s.ctx, &dom[i], INVT_DOMAIN_S1, NULL), 0);
	dev_init(&dev, &ri, 9, W_DOMS);

	for (i = 0; i < W_TAGS; i++) {
		assert_int_equal(invt_attach(&dev, i, &dom[i]), 0);
		assert_one(&dom[i], &ri, (uint32_t)i, 1);
		assert_int_equal(invt_tag_space_used(&ts), i + 1);
	}
	assert_int_equal(invt_attach(&dev, W_DOMS - 1, &dom[W_DOMS - 1]), -ENOSPC);
	assert_int_equal(invt_tag_space_used(&ts), W_TAGS);

	/* Tag 64, alone in the second word. */
	assert_int_equal(invt_attach(&dev, 64, NULL), 0);
	assert_int_equal(invt_tag_space_used(&ts), W_TAGS - 1);
	assert_int_equal(invt_attach(&dev, W_DOMS - 1, &dom[W_DOMS - 1]), 0);
	assert_one(&dom[W_DOMS - 1], &ri, 64, 1);
	assert_int_equal(invt_attach(&dev, 64, &dom[64]), -ENOSPC);

	/* Tags 63 and 5: 5 is handed out first, then 63. */
	assert_int_equal(invt_attach(&dev, 63, NULL), 0);
	assert_int_equal(invt_attach(&dev, 5, NULL), 0);
	assert_int_equal(invt_tag_space_used(&ts), W_TAGS - 2);
	assert_int_equal(invt_attach(&dev, 64, &dom[64]), 0);
	assert_one(&dom[64], &ri, 5, 1);
	assert_int_equal(invt_attach(&dev, 5, &dom[5]), 0);
	assert_one(&dom[5], &ri, 63, 1);
	assert_int_equal(invt_tag_space_used(&ts), W_TAGS);

	for (i = 0; i < W_DOMS; i++)
		if (i != 63)
			assert_int_equal(invt_attach(&dev, i, NULL), 0);
	assert_int_equal(invt_tag_space_used(&ts), 0);
	assert_int_equal(invt_device_destroy(&dev), 0);
	for (i = 0; i < W_DOMS; i++)
		assert_int_equal(invt_domain_destroy(&dom[i]), 0);
	assert_int_equal(invt_rec_iommu_destroy(&ri), 0);
	invt_tag_space_destroy(&ts);
	sys_destroy(&s);
	free(dom);
}

/* The top of the 32-bit range: UINT32_MAX - 1 is a valid tag. */
static void test_top_of_range(void **state)
{
	struct sys s;
	struct invt_tag_space ts;
	struct invt_tag_space *const tags[2] = { &ts, &ts };
	struct invt_rec_iommu ri;
	struct invt_domain dom[3];
	struct invt_device dev;
	int i;

	sys_init(&s);
	assert_int_equal(invt_tag_space_init(&ts, UINT32_MAX - 2, UINT32_MAX - 1), 0);
	assert_int_equal(invt_rec_iommu_init(&s.ctx, &ri, &s.rec, 1, 0, 8, tags, 0), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(invt_domain_init(&s.ctx, &dom[i], INVT_DOMAIN_S1, NULL), 0);
	dev_init(&dev, &ri, 9, 3);
	assert_int_equal(invt_attach(&dev, 0, &dom[0]), 0);
	assert_int_equal(invt_attach(&dev, 1, &dom[1]), 0);
	assert_one(&dom[0], &ri, UINT32_MAX - 2, 1);
	assert_one(&dom[1], &ri, UINT32_MAX - 1, 1);
	assert_int_equal(invt_attach(&dev, 2, &dom[2]), -ENOSPC);
	assert_int_equal(invt_tag_space_used(&ts), 2);
	assert_int_equal(invt_attach(&dev, 0, NULL), 0);
	assert_int_equal(invt_attach(&dev, 1, NULL), 0);
	assert_int_equal(invt_tag_space_used(&ts), 0);
	assert_int_equal(invt_device_destroy(&dev), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(invt_domain_destroy(&dom[i]), 0);
	assert_int_equal(invt_rec_iommu_destroy(&ri), 0);
	invt_tag_space_destroy(&ts);
	sys_destroy(&s);
}

/*
 * An attach that fails with -ENOMEM at any of its allocations gives back
 * the tag it took: the space's count is unchanged and the next successful
 * attach still gets the lowest tag.
 */
static void test_enomem_returns_tag(void **state)
{
	struct sys s;
	struct invt_rec_iommu ri;
	struct invt_domain d0, d1;
	struct invt_device dev0, dev1;
	unsigned int nth;
	int failures = 0, ret = -ENOMEM;

	sys_init(&s);
	assert_int_equal(invt_rec_iommu_init(&s.ctx, &ri, &s.rec, 1, 0, 8, NULL, 4), 0);
	assert_int_equal(invt_domain_init(&s.ctx, &d0, INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_domain_init(&s.ctx, &d1, INVT_DOMAIN_S1, NULL), 0);
	dev_init(&dev0, &ri, 1, 1);
	dev_init(&dev1, &ri, 2, 1);
	assert_int_equal(invt_attach(&dev0, 0, &d0), 0);
	assert_one(&d0, &ri, 1, 1);

	for (nth = 1; nth < 32 && ret; nth++) {
		invt_fault_inject(nth);
		ret = invt_attach(&dev1, 0, &d1);
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			assert_false(invt_fault_pending());
			failures++;
			assert_null(invt_device_domain(&dev1, 0));
			assert_int_equal(invt_tag_space_used(&ri.tags), 1);
			assert_int_equal(d1.nr_bindings, 0);
			assert_empty(&d1);
		}
	}
	invt_fault_inject(0);
	assert_int_equal(ret, 0);
	assert_true(failures >= 2);	/* the entry list and the merged array */
	assert_one(&d1, &ri, 2, 1);
	assert_int_equal(invt_tag_space_used(&ri.tags), 2);

	assert_int_equal(invt_attach(&dev0, 0, NULL), 0);
	assert_int_equal(invt_attach(&dev1, 0, NULL), 0);
	assert_int_equal(invt_tag_space_used(&ri.tags), 0);
	assert_int_equal(invt_device_destroy(&dev0), 0);
	assert_int_equal(invt_device_destroy(&dev1), 0);
	assert_int_equal(invt_domain_destroy(&d0), 0);
	assert_int_equal(invt_domain_destroy(&d1), 0);
	assert_int_equal(invt_rec_iommu_destroy(&ri), 0);
	sys_destroy(&s);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_bad_ranges),
		cmocka_unit_test(test_init_good_ranges),
		cmocka_unit_test(test_init_enomem),
		cmocka_unit_test(test_exhaustion_and_reuse),
		cmocka_unit_test(test_shared_space),
		cmocka_unit_test(test_stage_spaces),
		cmocka_unit_test(test_word_boundary),
		cmocka_unit_test(test_top_of_range),
		cmocka_unit_test(test_enomem_returns_tag),
	};
	int ret;

	invt_rcu_register_thread();
	ret = cmocka_run_group_tests_name("tags", tests, NULL, NULL);
	invt_rcu_unregister_thread();
	return ret;
}
