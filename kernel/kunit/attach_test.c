// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * attach_test.c - KUnit: the attach / detach / replace protocol in a kernel,
 * on the recording backend.
 *
 * The failure-injection cases are the cmocka test's own
 * (tests/unit/attach_cases.h): in the same standard world, prepare runs with
 * its 1st, 2nd, ... allocation failing until it succeeds; every failure
 * must return -ENOMEM and leave the published arrays (pointers and
 * contents), the tag spaces, the attachment counts and every slot as they
 * were.  Commit then never fails, also with a failure armed.  Further cases:
 * abort, busy slots, two-phase visibility, the order of commit's commands,
 * errors, tag exhaustion, instance removal, nested entries.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include <invtrack/core.h>
#include <invtrack/fault.h>

#include "attach_cases.h"
#include "record.h"

#define NDOM ARRAY_SIZE(att_std_doms)
#define NDEV ARRAY_SIZE(att_std_devs)
#define MAXSSID 4
#define PAGE 4096ULL

struct world {
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu ri[ATT_STD_NINST];
	bool unregistered[ATT_STD_NINST];
	struct invt_domain dom[NDOM];
	bool dom_gone[NDOM];
	struct invt_device dev[NDEV];
	bool dev_gone[NDEV];
};

static u32 inst_id(int i)
{
	return 30 - 10 * (u32)i;
}

static u32 dev_sid(int d, int k)
{
	return 0x800 + 0x10 * (u32)d + (u32)k;
}

static struct world *world_standard(struct kunit *test, u32 ntags)
{
	struct world *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	u32 sids[INVT_MAX_SIDS];
	size_t i;
	int k;

	KUNIT_ASSERT_NOT_NULL(test, w);
	invt_ctx_init(&w->ctx);
	invt_recorder_init(&w->rec, true);
	for (i = 0; i < ATT_STD_NINST; i++)
		KUNIT_ASSERT_EQ(test, invt_rec_iommu_init(&w->ctx, &w->ri[i], &w->rec, inst_id(i),
							  att_std_flags[i], 4, NULL, ntags), 0);
	for (i = 0; i < NDOM; i++) {
		const struct tdom *td = &att_std_doms[i];

		KUNIT_ASSERT_EQ(test, invt_domain_init(&w->ctx, &w->dom[i], td->type,
						       td->type == INVT_DOMAIN_NESTED ?
						       &w->dom[td->parent] : NULL), 0);
	}
	for (i = 0; i < NDEV; i++) {
		const struct tdev *td = &att_std_devs[i];

		for (k = 0; k < td->nsids; k++)
			sids[k] = dev_sid(i, k);
		KUNIT_ASSERT_EQ(test, invt_device_init(&w->dev[i], &w->ri[td->inst].iommu, sids,
						       td->nsids, td->nssids, td->ats), 0);
	}
	return w;
}

static struct invt_domain *dom_ptr(struct world *w, int d)
{
	return d >= 0 ? &w->dom[d] : NULL;
}

/* Detach everything, tear the world down; every tag must be back. */
static void world_teardown(struct kunit *test, struct world *w)
{
	size_t i;
	int s;

	for (i = 0; i < NDEV; i++) {
		if (w->dev_gone[i])
			continue;
		for (s = 0; s < att_std_devs[i].nssids; s++)
			KUNIT_EXPECT_EQ(test, invt_attach(&w->dev[i], s, NULL), 0);
		KUNIT_EXPECT_EQ(test, invt_device_destroy(&w->dev[i]), 0);
	}
	for (i = 0; i < NDOM; i++)	/* nested domains first */
		if (att_std_doms[i].type == INVT_DOMAIN_NESTED && !w->dom_gone[i])
			KUNIT_EXPECT_EQ(test, invt_domain_destroy(&w->dom[i]), 0);
	for (i = 0; i < NDOM; i++)
		if (att_std_doms[i].type != INVT_DOMAIN_NESTED && !w->dom_gone[i])
			KUNIT_EXPECT_EQ(test, invt_domain_destroy(&w->dom[i]), 0);
	for (i = 0; i < ATT_STD_NINST; i++) {
		if (w->unregistered[i])
			continue;
		KUNIT_EXPECT_EQ(test, invt_tag_space_used(&w->ri[i].tags), 0U);
		KUNIT_EXPECT_EQ(test, invt_rec_iommu_destroy(&w->ri[i]), 0);
	}
	KUNIT_EXPECT_EQ(test, invt_ctx_destroy(&w->ctx), 0);
	invt_recorder_destroy(&w->rec);
}

/* ------------------------------------------------------------ snapshots */

struct snap {
	struct invt_invs *raw[NDOM];	/* the published pointers */
	struct invt_invs *copy[NDOM];	/* their live entries */
	unsigned int used[ATT_STD_NINST];
	int dom_att[NDOM];
	int inst_att[ATT_STD_NINST];
	unsigned int nbind[NDOM];
	struct invt_domain *slot[NDEV][MAXSSID];
};

static void snap_take(struct kunit *test, struct world *w, struct snap *s)
{
	size_t i;
	int k;

	for (i = 0; i < NDOM; i++) {
		s->raw[i] = w->dom[i].invs;
		s->copy[i] = invt_domain_invs_get(&w->dom[i]);
		KUNIT_ASSERT_NOT_NULL(test, s->copy[i]);
		s->dom_att[i] = READ_ONCE(w->dom[i].nr_attached);
		s->nbind[i] = w->dom[i].nr_bindings;
	}
	for (i = 0; i < ATT_STD_NINST; i++) {
		s->used[i] = invt_tag_space_used(&w->ri[i].tags);
		s->inst_att[i] = READ_ONCE(w->ri[i].iommu.nr_attached);
	}
	for (i = 0; i < NDEV; i++)
		for (k = 0; k < att_std_devs[i].nssids; k++)
			s->slot[i][k] = invt_device_domain(&w->dev[i], k);
}

static void snap_free(struct snap *s)
{
	size_t i;

	for (i = 0; i < NDOM; i++)
		invt_invs_free(s->copy[i]);
}

static bool same_invs(const struct invt_invs *a, const struct invt_invs *b)
{
	size_t i;

	if (a->num_invs != b->num_invs)
		return false;
	for (i = 0; i < a->num_invs; i++)
		if (invt_invs_cmp(&a->inv[i], &b->inv[i]) || a->inv[i].users != b->inv[i].users)
			return false;
	return true;
}

/* Everything @s recorded is as it was; @same_ptrs: the published pointers too. */
static void snap_expect(struct kunit *test, struct world *w, struct snap *s, bool same_ptrs)
{
	struct snap now;
	size_t i;
	int k;

	snap_take(test, w, &now);
	for (i = 0; i < NDOM; i++) {
		if (same_ptrs)
			KUNIT_EXPECT_PTR_EQ_MSG(test, now.raw[i], s->raw[i], "domain %zu", i);
		KUNIT_EXPECT_TRUE_MSG(test, same_invs(now.copy[i], s->copy[i]), "domain %zu", i);
		KUNIT_EXPECT_EQ(test, now.dom_att[i], s->dom_att[i]);
		KUNIT_EXPECT_EQ(test, now.nbind[i], s->nbind[i]);
	}
	for (i = 0; i < ATT_STD_NINST; i++) {
		KUNIT_EXPECT_EQ_MSG(test, now.used[i], s->used[i], "instance %zu", i);
		KUNIT_EXPECT_EQ(test, now.inst_att[i], s->inst_att[i]);
	}
	for (i = 0; i < NDEV; i++)
		for (k = 0; k < att_std_devs[i].nssids; k++)
			KUNIT_EXPECT_PTR_EQ(test, now.slot[i][k], s->slot[i][k]);
	snap_free(&now);
}

/* Live entries of @d's array (its parent's when nested) matching (type, id, ssid). */
static int live(struct world *w, int d, int inst, u8 type, u32 id, u32 ssid)
{
	struct invt_invs *c = invt_domain_invs_get(&w->dom[d]);
	int n = 0;
	size_t i;

	if (!c)
		return -1;
	for (i = 0; i < c->num_invs; i++)
		if (c->inv[i].iommu == &w->ri[inst].iommu && c->inv[i].type == type &&
		    c->inv[i].id == id && c->inv[i].ssid == ssid && c->inv[i].users > 0)
			n++;
	invt_invs_free(c);
	return n;
}

/* Whether @d's array covers (dev, ssid): its tag entry, and an ATC entry per SID. */
static bool covers(struct world *w, int dev, int ssid, int d)
{
	const struct tdev *td = &att_std_devs[dev];
	enum invt_domain_type type = att_std_doms[d].type;
	u8 tt = type == INVT_DOMAIN_S1 ? INVT_INV_IOTLB_S1 : INVT_INV_IOTLB_S2;
	struct invt_iommu *iommu = &w->ri[td->inst].iommu;
	u32 tag;
	int k;

	if (invt_domain_tag(&w->dom[d], iommu, &tag) || live(w, d, td->inst, tt, tag, 0) != 1)
		return false;
	if (type == INVT_DOMAIN_NESTED &&
	    live(w, d, td->inst, INVT_INV_IOTLB_S2_S1_CLEAR, tag, 0) != 1)
		return false;
	for (k = 0; td->ats && k < td->nsids; k++) {
		if (type == INVT_DOMAIN_NESTED ?
		    live(w, d, td->inst, INVT_INV_ATC_FULL, dev_sid(dev, k), 0) != 1 :
		    live(w, d, td->inst, INVT_INV_ATC, dev_sid(dev, k), ssid) != 1)
			return false;
	}
	return true;
}

/* ------------------------------------------------ failure injection */

static void fi_desc(const struct fi_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fi, fi_cases, fi_desc);

static void attach_fault_injection_test(struct kunit *test)
{
	const struct fi_case *c = test->param_value;
	struct world *w = world_standard(test, 8);
	struct invt_domain *old;
	unsigned int failures = 0, nth;
	struct invt_attach tx;
	struct snap s;
	int i, ret;

	for (i = 0; i < c->npre; i++)
		KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[c->pre[i].dev], c->pre[i].ssid,
						  dom_ptr(w, c->pre[i].dom)), 0);
	old = invt_device_domain(&w->dev[c->dev], c->ssid);

	for (nth = 1;; nth++) {
		bool pending;

		KUNIT_ASSERT_LT(test, nth, 64U);
		snap_take(test, w, &s);
		invt_fault_inject(nth);
		ret = invt_attach_prepare(&tx, &w->dev[c->dev], c->ssid, dom_ptr(w, c->dom));
		pending = invt_fault_pending();
		invt_fault_inject(0);
		if (!ret) {
			snap_free(&s);
			KUNIT_EXPECT_TRUE(test, pending);	/* no allocation failed */
			break;
		}
		KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
		KUNIT_EXPECT_FALSE(test, pending);
		failures++;
		/* Nothing published, nothing held, the device where it was. */
		snap_expect(test, w, &s, true);
		snap_free(&s);
	}
	kunit_info(test, "prepare failed %u times under injection\n", failures);
	if (c->dom >= 0)
		KUNIT_EXPECT_GE(test, failures, 1U);	/* the loop cannot pass vacuously */
	else
		KUNIT_EXPECT_EQ(test, failures, 0U);	/* detach's prepare allocates nothing */

	/* Prepared: the new domain covers the device, which still uses the old one. */
	KUNIT_EXPECT_PTR_EQ(test, invt_device_domain(&w->dev[c->dev], c->ssid), old);
	if (c->dom >= 0)
		KUNIT_EXPECT_TRUE(test, covers(w, c->dev, c->ssid, c->dom));

	if (c->commit_fault)
		invt_fault_inject(1);
	invt_attach_commit(&tx);
	invt_fault_inject(0);
	KUNIT_EXPECT_PTR_EQ(test, invt_device_domain(&w->dev[c->dev], c->ssid),
			    dom_ptr(w, c->dom));
	if (c->dom >= 0)
		KUNIT_EXPECT_TRUE(test, covers(w, c->dev, c->ssid, c->dom));

	/* And the slot is free for the next transaction. */
	KUNIT_EXPECT_EQ(test, invt_attach(&w->dev[c->dev], c->ssid, NULL), 0);
	world_teardown(test, w);
}

/* ------------------------------------------------------- other cases */

/* Commands in the log on @inst matching (op, id, ssid). */
static int count_cmds(struct world *w, int inst, u8 op, u32 id, u32 ssid)
{
	size_t e;
	int n = 0;

	for (e = 0; e < w->rec.nlog; e++) {
		const struct invt_rec_event *ev = &w->rec.log[e];

		if (ev->kind == INVT_REC_EV_CMD && ev->iommu == inst_id(inst) &&
		    ev->cmd.op == op && ev->cmd.id == id && ev->cmd.ssid == ssid)
			n++;
	}
	return n;
}

static void invalidate_page(struct kunit *test, struct world *w, int d)
{
	invt_recorder_reset(&w->rec);
	KUNIT_EXPECT_EQ(test, invt_domain_invalidate(&w->dom[d], 0x7000, PAGE, true), 0);
}

static void attach_abort_test(struct kunit *test)
{
	struct world *w = world_standard(test, 8);
	struct invt_attach tx;
	struct snap s;

	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[0], 0, &w->dom[D0]), 0);
	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[2], 1, &w->dom[P2]), 0);
	snap_take(test, w, &s);

	/* Replace D0 -> D1 (a fresh tag for D1), abort: all as before. */
	KUNIT_ASSERT_EQ(test, invt_attach_prepare(&tx, &w->dev[0], 0, &w->dom[D1]), 0);
	KUNIT_EXPECT_TRUE(test, covers(w, 0, 0, D1));
	invt_attach_abort(&tx);
	snap_expect(test, w, &s, false);

	/* Abort with an allocation failure armed: still complete. */
	KUNIT_ASSERT_EQ(test, invt_attach_prepare(&tx, &w->dev[2], 1, &w->dom[N4]), 0);
	invt_fault_inject(1);
	invt_attach_abort(&tx);
	invt_fault_inject(0);
	snap_expect(test, w, &s, false);
	snap_free(&s);

	/* And the aborted slots still work. */
	KUNIT_EXPECT_EQ(test, invt_attach(&w->dev[2], 1, &w->dom[N4]), 0);
	KUNIT_EXPECT_EQ(test, invt_attach(&w->dev[0], 0, &w->dom[D1]), 0);
	world_teardown(test, w);
}

static void attach_busy_test(struct kunit *test)
{
	struct world *w = world_standard(test, 8);
	struct invt_attach tx, tx2;

	KUNIT_ASSERT_EQ(test, invt_attach_prepare(&tx, &w->dev[0], 0, &w->dom[D1]), 0);
	KUNIT_EXPECT_EQ(test, invt_attach_prepare(&tx2, &w->dev[0], 0, &w->dom[D5]), -EBUSY);
	KUNIT_EXPECT_EQ(test, invt_attach_prepare(&tx2, &w->dev[0], 0, NULL), -EBUSY);
	/* Objects of an open transaction cannot go away. */
	KUNIT_EXPECT_EQ(test, invt_device_destroy(&w->dev[0]), -EBUSY);
	KUNIT_EXPECT_EQ(test, invt_domain_destroy(&w->dom[D1]), -EBUSY);
	KUNIT_EXPECT_EQ(test, invt_iommu_unregister(&w->ri[0].iommu), -EBUSY);
	/* Another ssid of the device is another slot. */
	KUNIT_ASSERT_EQ(test, invt_attach_prepare(&tx2, &w->dev[0], 2, &w->dom[D0]), 0);
	invt_attach_commit(&tx2);
	invt_attach_commit(&tx);
	world_teardown(test, w);
}

static void attach_two_phase_test(struct kunit *test)
{
	struct world *w = world_standard(test, 8);
	struct invt_attach tx;
	u32 t0, t1;
	int k;

	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[0], 3, &w->dom[D0]), 0);
	KUNIT_ASSERT_EQ(test, invt_domain_tag(&w->dom[D0], &w->ri[0].iommu, &t0), 0);
	KUNIT_ASSERT_EQ(test, invt_attach_prepare(&tx, &w->dev[0], 3, &w->dom[D1]), 0);
	KUNIT_ASSERT_EQ(test, invt_domain_tag(&w->dom[D1], &w->ri[0].iommu, &t1), 0);
	KUNIT_EXPECT_NE(test, t0, t1);

	/* Both domains invalidate the device's instance and ATC. */
	invalidate_page(test, w, D0);
	KUNIT_EXPECT_EQ(test, count_cmds(w, 0, INVT_REC_INV_PAGE, t0, 0), 1);
	for (k = 0; k < 2; k++)
		KUNIT_EXPECT_EQ(test, count_cmds(w, 0, INVT_REC_ATC, dev_sid(0, k), 3), 1);
	invalidate_page(test, w, D1);
	KUNIT_EXPECT_EQ(test, count_cmds(w, 0, INVT_REC_INV_PAGE, t1, 0), 1);
	for (k = 0; k < 2; k++)
		KUNIT_EXPECT_EQ(test, count_cmds(w, 0, INVT_REC_ATC, dev_sid(0, k), 3), 1);

	invt_attach_commit(&tx);
	/* Only D1 now; D0 has no user left and issues nothing at all. */
	invalidate_page(test, w, D0);
	KUNIT_EXPECT_EQ(test, w->rec.nlog, (size_t)0);
	invalidate_page(test, w, D1);
	KUNIT_EXPECT_EQ(test, count_cmds(w, 0, INVT_REC_INV_PAGE, t1, 0), 1);
	world_teardown(test, w);
}

/*
 * Commit's log: the device's ATC first, then a whole-tag command for the
 * tag whose last user left, and a wait after it; the tag is released only
 * then, and handed to the next domain.
 */
static void attach_commit_order_test(struct kunit *test)
{
	struct world *w = world_standard(test, 8);
	size_t e, atc = 0, tag = 0, wait = 0;
	u32 t0, t;

	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[0], 0, &w->dom[D0]), 0);
	KUNIT_ASSERT_EQ(test, invt_domain_tag(&w->dom[D0], &w->ri[0].iommu, &t0), 0);
	invt_recorder_reset(&w->rec);
	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[0], 0, NULL), 0);
	for (e = 0; e < w->rec.nlog; e++) {
		const struct invt_rec_event *ev = &w->rec.log[e];

		if (ev->kind == INVT_REC_EV_CMD && ev->cmd.op == INVT_REC_ATC_ALL && !atc)
			atc = e + 1;
		if (ev->kind == INVT_REC_EV_CMD && ev->cmd.op == INVT_REC_INV_TAG &&
		    ev->cmd.id == t0 && !tag)
			tag = e + 1;
		if (ev->kind == INVT_REC_EV_WAIT && tag && !wait)
			wait = e + 1;
	}
	KUNIT_EXPECT_GT(test, atc, (size_t)0);
	KUNIT_EXPECT_GT(test, tag, atc);
	KUNIT_EXPECT_GT(test, wait, tag);
	KUNIT_EXPECT_EQ(test, invt_tag_space_used(&w->ri[0].tags), 0U);
	/* Lowest free first: the flushed tag goes to the next domain. */
	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[1], 0, &w->dom[D1]), 0);
	KUNIT_ASSERT_EQ(test, invt_domain_tag(&w->dom[D1], &w->ri[0].iommu, &t), 0);
	KUNIT_EXPECT_EQ(test, t, t0);
	world_teardown(test, w);
}

static void attach_errors_test(struct kunit *test)
{
	struct world *w = world_standard(test, 8);
	struct invt_ctx other;
	struct invt_domain foreign;
	struct invt_attach tx;

	KUNIT_EXPECT_EQ(test, invt_attach(&w->dev[1], 2, &w->dom[D0]), -EINVAL);	/* ssid */
	invt_ctx_init(&other);
	KUNIT_ASSERT_EQ(test, invt_domain_init(&other, &foreign, INVT_DOMAIN_S1, NULL), 0);
	KUNIT_EXPECT_EQ(test, invt_attach_prepare(&tx, &w->dev[0], 0, &foreign), -EINVAL);
	KUNIT_EXPECT_EQ(test, invt_domain_destroy(&foreign), 0);
	KUNIT_EXPECT_EQ(test, invt_ctx_destroy(&other), 0);
	KUNIT_EXPECT_EQ(test, invt_domain_invalidate(&w->dom[D0], 0, 0, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, invt_domain_invalidate(&w->dom[D0], 0x1000, U64_MAX, false),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, invt_domain_invalidate(&w->dom[N3], 0, PAGE, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, invt_domain_invalidate_all(&w->dom[N3]), -EINVAL);
	KUNIT_EXPECT_EQ(test, invt_domain_init(&w->ctx, &foreign, INVT_DOMAIN_NESTED, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, invt_domain_init(&w->ctx, &foreign, INVT_DOMAIN_NESTED,
					       &w->dom[D0]), -EINVAL);
	/* A nest parent with nested domains over it stays. */
	KUNIT_EXPECT_EQ(test, invt_domain_destroy(&w->dom[P2]), -EBUSY);
	world_teardown(test, w);
}

static void attach_enospc_test(struct kunit *test)
{
	struct world *w = world_standard(test, 2);	/* 2 tags per instance */
	struct snap s;

	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[0], 0, &w->dom[D0]), 0);
	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[0], 1, &w->dom[D1]), 0);
	snap_take(test, w, &s);
	KUNIT_EXPECT_EQ(test, invt_attach(&w->dev[0], 2, &w->dom[D5]), -ENOSPC);
	snap_expect(test, w, &s, true);
	snap_free(&s);
	/* A domain already holding a tag there still attaches. */
	KUNIT_EXPECT_EQ(test, invt_attach(&w->dev[1], 0, &w->dom[D0]), 0);
	world_teardown(test, w);
}

static void attach_instance_removal_test(struct kunit *test)
{
	struct world *w = world_standard(test, 8);
	size_t d, i;

	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[1], 0, &w->dom[D0]), 0);
	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[2], 0, &w->dom[D0]), 0);
	/* Attached: the instance stays. */
	KUNIT_EXPECT_EQ(test, invt_iommu_unregister(&w->ri[0].iommu), -EBUSY);
	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[1], 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, invt_device_destroy(&w->dev[0]), 0);
	KUNIT_ASSERT_EQ(test, invt_device_destroy(&w->dev[1]), 0);
	w->dev_gone[0] = w->dev_gone[1] = true;
	KUNIT_ASSERT_EQ(test, invt_rec_iommu_destroy(&w->ri[0]), 0);
	w->unregistered[0] = true;
	for (d = 0; d < NDOM; d++) {
		struct invt_invs *c = invt_domain_invs_get(&w->dom[d]);

		KUNIT_ASSERT_NOT_NULL(test, c);
		for (i = 0; i < c->num_invs; i++)
			KUNIT_EXPECT_PTR_NE(test, c->inv[i].iommu, &w->ri[0].iommu);
		invt_invs_free(c);
	}
	/* Invalidation reaches exactly the remaining instance. */
	invalidate_page(test, w, D0);
	for (i = 0; i < w->rec.nlog; i++)
		KUNIT_EXPECT_EQ(test, w->rec.log[i].iommu, inst_id(1));
	KUNIT_EXPECT_GT(test, w->rec.nlog, (size_t)0);
	world_teardown(test, w);
}

static void attach_duplicate_sids_test(struct kunit *test)
{
	struct world *w = world_standard(test, 8);
	static const u32 dup[] = { 5, 6, 5 };
	struct invt_device dev;

	KUNIT_EXPECT_EQ(test, invt_device_init(&dev, &w->ri[0].iommu, dup, 3, 1, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, invt_device_init(&dev, &w->ri[0].iommu, dup, 0, 1, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, invt_device_init(&dev, &w->ri[0].iommu, dup, INVT_MAX_SIDS + 1, 1,
					       true), -EINVAL);
	KUNIT_EXPECT_EQ(test, invt_device_init(&dev, &w->ri[0].iommu, dup, 2, 0, true), -EINVAL);
	world_teardown(test, w);
}

/* A nested attachment puts the parent's S2 tag, the stage-1 clear and ATC_FULL in its array. */
static void attach_nested_entries_test(struct kunit *test)
{
	struct world *w = world_standard(test, 8);
	u32 tag;
	int k;

	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[2], 1, &w->dom[N3]), 0);
	KUNIT_ASSERT_EQ(test, invt_domain_tag(&w->dom[P2], &w->ri[1].iommu, &tag), 0);
	KUNIT_EXPECT_EQ(test, live(w, P2, 1, INVT_INV_IOTLB_S2, tag, 0), 1);
	KUNIT_EXPECT_EQ(test, live(w, P2, 1, INVT_INV_IOTLB_S2_S1_CLEAR, tag, 0), 1);
	for (k = 0; k < INVT_MAX_SIDS; k++)
		KUNIT_EXPECT_EQ(test, live(w, P2, 1, INVT_INV_ATC_FULL, dev_sid(2, k), 0), 1);
	/* A second nested domain over the same parent shares its entries. */
	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[2], 0, &w->dom[N4]), 0);
	invalidate_page(test, w, P2);
	KUNIT_EXPECT_EQ(test, count_cmds(w, 1, INVT_REC_S1_CLEAR, tag, 0), 1);
	for (k = 0; k < INVT_MAX_SIDS; k++)
		KUNIT_EXPECT_EQ(test, count_cmds(w, 1, INVT_REC_ATC_ALL, dev_sid(2, k), 0), 1);
	world_teardown(test, w);
}

static struct kunit_case attach_test_cases[] = {
	KUNIT_CASE_PARAM(attach_fault_injection_test, fi_gen_params),
	KUNIT_CASE(attach_abort_test),
	KUNIT_CASE(attach_busy_test),
	KUNIT_CASE(attach_two_phase_test),
	KUNIT_CASE(attach_commit_order_test),
	KUNIT_CASE(attach_errors_test),
	KUNIT_CASE(attach_enospc_test),
	KUNIT_CASE(attach_instance_removal_test),
	KUNIT_CASE(attach_duplicate_sids_test),
	KUNIT_CASE(attach_nested_entries_test),
	{}
};

static struct kunit_suite attach_test_suite = {
	.name = "invtrack-attach",
	.test_cases = attach_test_cases,
};
kunit_test_suite(attach_test_suite);
