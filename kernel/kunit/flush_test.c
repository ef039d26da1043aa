// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * flush_test.c - KUnit: flush plans of the engine in a kernel, read back
 * from the recording backend's log.
 *
 * The topologies and ranges are the cmocka test's own
 * (tests/unit/flush_cases.h).  For every plan (topology x range x leaf) the
 * log must show:
 *  - exactly the commands of the arch's policy for every live entry (per
 *    page below the threshold, one whole-tag command from it up, one per
 *    stage-1 clear and ATC entry), and in total what invt_invs_plan_count()
 *    computes: the engine meets the minimum;
 *  - per instance, phases in order (IOTLB, stage-1 clear, ATC), each
 *    non-empty phase closed by a completion command;
 *  - one wait per instance with SYNC_ORDERS, one per non-empty phase without;
 *  - every instance's first submission before any wait (waits overlap).
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include <invtrack/core.h>
#include <invtrack/fault.h>

#include "flush_cases.h"
#include "record.h"

#define MAXI 20		/* instances in the widest test */
#define NTAGS 16

struct world {
	int ninst;
	bool shared;
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu ri[MAXI];
	struct invt_tag_space gts[2];
	int ndom;
	struct invt_domain dom[MAXD];
	int ndev;
	struct invt_device dev[MAXDEV];
	int natt;
	struct tatt att[MAXATT];
	bool active[MAXATT];
};

static u32 inst_id(int i)
{
	return 200 - 7 * (u32)i;
}

static u32 dev_sid(int d, int k)
{
	return 0x1000 + 0x10 * (u32)d + (u32)k;
}

static int inst_of_id(struct world *w, u32 id)
{
	int i;

	for (i = 0; i < w->ninst; i++)
		if (inst_id(i) == id)
			return i;
	return -1;
}

static struct world *world_init(struct kunit *test, int ninst, const unsigned int *flags,
				const u32 *thr, bool shared)
{
	struct world *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct invt_tag_space *sp[2];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, w);
	sp[0] = &w->gts[0];
	sp[1] = &w->gts[1];
	w->ninst = ninst;
	w->shared = shared;
	invt_ctx_init(&w->ctx);
	invt_recorder_init(&w->rec, true);
	if (shared) {
		KUNIT_ASSERT_EQ(test, invt_tag_space_init(&w->gts[0], 1, NTAGS), 0);
		KUNIT_ASSERT_EQ(test, invt_tag_space_init(&w->gts[1], 1, NTAGS), 0);
	}
	for (i = 0; i < ninst; i++)
		KUNIT_ASSERT_EQ(test, invt_rec_iommu_init(&w->ctx, &w->ri[i], &w->rec, inst_id(i),
							  flags[i], thr[i], shared ? sp : NULL,
							  NTAGS), 0);
	return w;
}

static int world_domain(struct kunit *test, struct world *w, enum invt_domain_type type,
			int parent)
{
	int d = w->ndom++;

	KUNIT_ASSERT_LT(test, d, MAXD);
	KUNIT_ASSERT_EQ(test, invt_domain_init(&w->ctx, &w->dom[d], type,
					       type == INVT_DOMAIN_NESTED ? &w->dom[parent] : NULL),
			0);
	return d;
}

static int world_device(struct kunit *test, struct world *w, const struct tdev *td)
{
	u32 sids[INVT_MAX_SIDS];
	int d = w->ndev++, k;

	KUNIT_ASSERT_LT(test, d, MAXDEV);
	for (k = 0; k < td->nsids; k++)
		sids[k] = dev_sid(d, k);
	KUNIT_ASSERT_EQ(test, invt_device_init(&w->dev[d], &w->ri[td->inst].iommu, sids,
					       td->nsids, td->nssids, td->ats), 0);
	return d;
}

static int world_attach(struct kunit *test, struct world *w, int dev, int ssid, int dom)
{
	int a = w->natt++;

	KUNIT_ASSERT_LT(test, a, MAXATT);
	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[dev], ssid, &w->dom[dom]), 0);
	w->att[a] = (struct tatt){ dev, ssid, dom };
	w->active[a] = true;
	return a;
}

static void world_detach(struct kunit *test, struct world *w, int a)
{
	KUNIT_ASSERT_TRUE(test, w->active[a]);
	KUNIT_ASSERT_EQ(test, invt_attach(&w->dev[w->att[a].dev], w->att[a].ssid, NULL), 0);
	w->active[a] = false;
}

static void world_teardown(struct kunit *test, struct world *w)
{
	int i;

	for (i = 0; i < w->natt; i++)
		if (w->active[i])
			world_detach(test, w, i);
	for (i = 0; i < w->ndev; i++)
		KUNIT_EXPECT_EQ(test, invt_device_destroy(&w->dev[i]), 0);
	for (i = w->ndom - 1; i >= 0; i--)	/* children after their parents */
		KUNIT_EXPECT_EQ(test, invt_domain_destroy(&w->dom[i]), 0);
	for (i = 0; i < w->ninst; i++) {
		if (!w->shared)
			KUNIT_EXPECT_EQ(test, invt_tag_space_used(&w->ri[i].tags), 0U);
		KUNIT_EXPECT_EQ(test, invt_rec_iommu_destroy(&w->ri[i]), 0);
	}
	if (w->shared) {
		KUNIT_EXPECT_EQ(test, invt_tag_space_used(&w->gts[0]), 0U);
		KUNIT_EXPECT_EQ(test, invt_tag_space_used(&w->gts[1]), 0U);
		invt_tag_space_destroy(&w->gts[0]);
		invt_tag_space_destroy(&w->gts[1]);
	}
	KUNIT_EXPECT_EQ(test, invt_ctx_destroy(&w->ctx), 0);
	invt_recorder_destroy(&w->rec);
}

/* ------------------------------------------------------------- the check */

static int phase_of_op(u8 op)
{
	switch (op) {
	case INVT_REC_INV_PAGE:
	case INVT_REC_INV_TAG:
		return 0;
	case INVT_REC_S1_CLEAR:
		return 1;
	default:
		return 2;
	}
}

static u64 rec_entry_cmds(struct invt_iommu *iommu, const struct invt_inv *inv,
			  const struct invt_range *r)
{
	const struct invt_rec_iommu *ri = container_of(iommu, struct invt_rec_iommu, iommu);

	return invt_rec_policy_cmds(inv->type, r, ri->threshold);
}

/* @overlap: no wait before every instance submitted (at most 16 instances waited together). */
static void check_plan(struct kunit *test, struct world *w, int target, const struct rcase *rc,
		       bool leaf, bool overlap)
{
	struct invt_range r = { .start = rc->iova, .last = rc->iova + (rc->size - 1),
				.leaf = leaf, .all = rc->all };
	int cur[MAXI], syncs[MAXI], waits[MAXI], cmds_left[MAXI];
	bool submitted[MAXI], any_wait = false;
	u64 want_cmds, want_syncs, got_cmds = 0, got_syncs = 0;
	struct invt_invs *arr;
	size_t e, i;
	int k;

	arr = invt_domain_invs_get(&w->dom[target]);
	KUNIT_ASSERT_NOT_NULL(test, arr);
	invt_invs_plan_count(arr, &r, w->ri[0].iommu.ops, rec_entry_cmds, &want_cmds,
			     &want_syncs);

	invt_recorder_reset(&w->rec);
	if (rc->all)
		KUNIT_ASSERT_EQ(test, invt_domain_invalidate_all(&w->dom[target]), 0);
	else
		KUNIT_ASSERT_EQ(test, invt_domain_invalidate(&w->dom[target], rc->iova, rc->size,
							     leaf), 0);

	for (k = 0; k < w->ninst; k++) {
		cur[k] = -1;
		syncs[k] = 0;
		waits[k] = 0;
		cmds_left[k] = 0;
		submitted[k] = false;
	}
	for (e = 0; e < w->rec.nlog; e++) {
		const struct invt_rec_event *ev = &w->rec.log[e];
		int in = inst_of_id(w, ev->iommu);

		KUNIT_ASSERT_GE(test, in, 0);
		switch (ev->kind) {
		case INVT_REC_EV_CMD:
			got_cmds++;
			if (ev->cmd.op == INVT_REC_SYNC) {
				got_syncs++;
				syncs[in]++;
				cmds_left[in] = 0;
				break;
			}
			/* Phases in order; a new phase only after a completion. */
			KUNIT_EXPECT_GE_MSG(test, phase_of_op(ev->cmd.op), cur[in], "%s", rc->name);
			if (phase_of_op(ev->cmd.op) != cur[in])
				KUNIT_EXPECT_EQ_MSG(test, cmds_left[in], 0, "%s: phase %d unsynced",
						    rc->name, cur[in]);
			cur[in] = phase_of_op(ev->cmd.op);
			cmds_left[in]++;
			if (ev->cmd.op == INVT_REC_INV_PAGE || ev->cmd.op == INVT_REC_INV_TAG)
				KUNIT_EXPECT_EQ(test, ev->cmd.leaf, !rc->all && leaf);
			break;
		case INVT_REC_EV_SUBMIT:
			/* Every instance's first submission comes before any wait. */
			if (!submitted[in] && overlap)
				KUNIT_EXPECT_FALSE_MSG(test, any_wait, "%s: wait before submit",
						       rc->name);
			submitted[in] = true;
			break;
		case INVT_REC_EV_WAIT:
			any_wait = true;
			waits[in]++;
			break;
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, got_cmds, want_cmds, "%s%s", rc->name, leaf ? " (leaf)" : "");
	KUNIT_EXPECT_EQ_MSG(test, got_syncs, want_syncs, "%s", rc->name);
	for (k = 0; k < w->ninst; k++) {
		KUNIT_EXPECT_EQ_MSG(test, cmds_left[k], 0, "%s: instance %d ends unsynced",
				    rc->name, k);
		if (w->ri[k].iommu.flags & SO)
			KUNIT_EXPECT_EQ(test, waits[k], syncs[k] ? 1 : 0);
		else
			KUNIT_EXPECT_EQ(test, waits[k], syncs[k]);
	}
	/* Each live entry got exactly its policy's commands. */
	for (i = 0; i < arr->num_invs; i++) {
		const struct invt_inv *inv = &arr->inv[i];
		u64 n = 0;

		if (!inv->users)
			continue;
		for (e = 0; e < w->rec.nlog; e++) {
			const struct invt_rec_event *ev = &w->rec.log[e];

			n += ev->kind == INVT_REC_EV_CMD && ev->cmd.op != INVT_REC_SYNC &&
			     ev->iommu == inv->iommu->id && ev->cmd.type == inv->type &&
			     ev->cmd.id == inv->id && ev->cmd.ssid == inv->ssid;
		}
		KUNIT_EXPECT_EQ_MSG(test, n, rec_entry_cmds(inv->iommu, inv, &r),
				    "%s: entry %zu (type %u id %u)", rc->name, i, inv->type, inv->id);
	}
	invt_invs_free(arr);
}

static void run_ranges(struct kunit *test, struct world *w, int target, u32 thr, bool overlap)
{
	struct rcase r[16];
	int n = make_ranges(thr, r), i;

	for (i = 0; i < n; i++) {
		check_plan(test, w, target, &r[i], false, overlap);
		check_plan(test, w, target, &r[i], true, overlap);
	}
}

/* ------------------------------------------------------------- the tests */

static void topo_desc(const struct topo *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(topo, topos, topo_desc);

static void flush_topology_test(struct kunit *test)
{
	const struct topo *t = test->param_value;
	struct world *w = world_init(test, t->ninst, t->flags, t->thr, t->shared_tags);
	int i;

	for (i = 0; i < t->ndom; i++)
		world_domain(test, w, t->dom[i].type, t->dom[i].parent);
	for (i = 0; i < t->ndev; i++)
		world_device(test, w, &t->dev[i]);
	for (i = 0; i < t->natt; i++)
		world_attach(test, w, t->att[i].dev, t->att[i].ssid, t->att[i].dom);
	run_ranges(test, w, t->target, t->thr[0], true);
	world_teardown(test, w);
}

static const unsigned int flags_mixed[4] = { SO, 0, SO, 0 };
static const u32 thr4[4] = { 4, 4, 4, 4 };

/* A domain that never had an attachment issues nothing, whatever the range. */
static void flush_never_attached_test(struct kunit *test)
{
	struct world *w = world_init(test, 2, flags_mixed, thr4, false);
	int d, o;

	d = world_domain(test, w, INVT_DOMAIN_S1, 0);
	o = world_domain(test, w, INVT_DOMAIN_S2, 0);
	world_device(test, w, &(struct tdev){ 0, 1, true, 1 });
	world_attach(test, w, 0, 0, o);
	run_ranges(test, w, d, 4, true);
	KUNIT_EXPECT_EQ(test, w->rec.nlog, (size_t)0);
	world_teardown(test, w);
}

/* -EINVAL for empty ranges, ranges past 2^64 and nested domains; nothing issued. */
static void flush_einval_test(struct kunit *test)
{
	struct world *w = world_init(test, 2, flags_mixed, thr4, false);
	int s1, p, n;

	s1 = world_domain(test, w, INVT_DOMAIN_S1, 0);
	p = world_domain(test, w, INVT_DOMAIN_S2, 0);
	n = world_domain(test, w, INVT_DOMAIN_NESTED, p);
	world_device(test, w, &(struct tdev){ 0, 2, true, 2 });
	world_device(test, w, &(struct tdev){ 1, 1, true, 1 });
	world_attach(test, w, 0, 0, s1);
	world_attach(test, w, 0, 1, n);
	world_attach(test, w, 1, 0, p);

	invt_recorder_reset(&w->rec);
	KUNIT_EXPECT_EQ(test, invt_domain_invalidate(&w->dom[s1], 0x1000, 0, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, invt_domain_invalidate(&w->dom[s1], U64_MAX - PAGE + 1, 2 * PAGE,
						     false), -EINVAL);
	KUNIT_EXPECT_EQ(test, invt_domain_invalidate(&w->dom[s1], U64_MAX, 2, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, invt_domain_invalidate(&w->dom[s1], 2, U64_MAX, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, invt_domain_invalidate(&w->dom[n], 0x1000, PAGE, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, invt_domain_invalidate_all(&w->dom[n]), -EINVAL);
	KUNIT_EXPECT_EQ(test, w->rec.nlog, (size_t)0);

	/* The largest valid ranges next to them are accepted. */
	check_plan(test, w, s1, &(struct rcase){ "top page", U64_MAX - PAGE + 1, PAGE, false },
		   false, true);
	check_plan(test, w, s1, &(struct rcase){ "0 to the top", 0, U64_MAX, false }, false,
		   true);
	check_plan(test, w, p, &(struct rcase){ "1 to the top", 1, U64_MAX, false }, true, true);
	world_teardown(test, w);
}

/* A detached device disappears from the next plan, with its instance if last. */
static void flush_detach_midway_test(struct kunit *test)
{
	static const unsigned int flags[3] = { 0, SO, 0 };
	static const u32 thr[3] = { 8, 8, 8 };
	const struct rcase small = { "3 pages", 0x5000, 3 * PAGE, false };
	const struct rcase all = { "all", 0, 0, true };
	struct world *w = world_init(test, 3, flags, thr, false);
	int d, p, n, a0, a1, a2, a3, a4;

	d = world_domain(test, w, INVT_DOMAIN_S1, 0);
	p = world_domain(test, w, INVT_DOMAIN_S2, 0);
	n = world_domain(test, w, INVT_DOMAIN_NESTED, p);
	world_device(test, w, &(struct tdev){ 0, 2, true, 2 });
	world_device(test, w, &(struct tdev){ 0, 1, true, 1 });
	world_device(test, w, &(struct tdev){ 1, 1, false, 1 });
	world_device(test, w, &(struct tdev){ 2, 3, true, 1 });
	a0 = world_attach(test, w, 0, 0, d);
	a1 = world_attach(test, w, 1, 0, d);
	a2 = world_attach(test, w, 2, 0, d);
	a3 = world_attach(test, w, 3, 0, n);
	a4 = world_attach(test, w, 0, 1, n);

	check_plan(test, w, d, &small, true, true);
	check_plan(test, w, p, &all, false, true);
	world_detach(test, w, a0);
	check_plan(test, w, d, &small, true, true);
	world_detach(test, w, a2);
	check_plan(test, w, d, &small, false, true);
	check_plan(test, w, d, &all, false, true);
	KUNIT_EXPECT_EQ(test, inst_of_id(w, inst_id(1)), 1);
	world_detach(test, w, a3);
	check_plan(test, w, p, &small, false, true);
	world_detach(test, w, a4);
	check_plan(test, w, p, &small, false, true);
	KUNIT_EXPECT_EQ(test, w->rec.nlog, (size_t)0);	/* nothing left */
	world_detach(test, w, a1);
	check_plan(test, w, d, &all, false, true);
	world_teardown(test, w);
}

/* Trash left by a failed purge is skipped: it costs no command. */
static void flush_trash_only_test(struct kunit *test)
{
	struct world *w = world_init(test, 2, flags_mixed, thr4, false);
	const struct rcase two = { "2 pages", 0x3000, 2 * PAGE, false };
	const struct rcase all = { "all", 0, 0, true };
	int d, a, b;

	d = world_domain(test, w, INVT_DOMAIN_S1, 0);
	world_device(test, w, &(struct tdev){ 0, 2, true, 1 });
	world_device(test, w, &(struct tdev){ 1, 1, true, 1 });
	a = world_attach(test, w, 0, 0, d);
	b = world_attach(test, w, 1, 0, d);

	/* Instance 1 (id 193) sorts first: its entries become trash in the middle. */
	invt_fault_inject(1);
	world_detach(test, w, b);
	KUNIT_EXPECT_FALSE(test, invt_fault_pending());
	invt_fault_inject(0);
	KUNIT_EXPECT_GT(test, w->dom[d].invs->num_trashes, (size_t)0);
	check_plan(test, w, d, &two, true, true);

	invt_fault_inject(1);
	world_detach(test, w, a);
	invt_fault_inject(0);
	check_plan(test, w, d, &two, true, true);
	check_plan(test, w, d, &all, false, true);
	KUNIT_EXPECT_EQ(test, w->rec.nlog, (size_t)0);
	world_teardown(test, w);
}

/* More instances than the engine waits on at once (16): every completion still waited. */
static void flush_many_instances_test(struct kunit *test)
{
	unsigned int flags[MAXI];
	u32 thr[MAXI];
	struct world *w;
	int i, d, p, n;

	for (i = 0; i < MAXI; i++) {
		flags[i] = i % 3 ? 0 : SO;
		thr[i] = 3 + i % 4;
	}
	w = world_init(test, MAXI, flags, thr, false);
	d = world_domain(test, w, INVT_DOMAIN_S1, 0);
	p = world_domain(test, w, INVT_DOMAIN_S2, 0);
	n = world_domain(test, w, INVT_DOMAIN_NESTED, p);
	for (i = 0; i < MAXI; i++)
		world_device(test, w, &(struct tdev){ i, 1 + i % 2, i % 4 != 3, 2 });
	for (i = 0; i < MAXI; i++) {
		world_attach(test, w, i, 0, d);
		world_attach(test, w, i, 1, n);
	}
	run_ranges(test, w, d, thr[0], false);
	run_ranges(test, w, p, thr[0], false);
	world_teardown(test, w);
}

static struct kunit_case flush_test_cases[] = {
	KUNIT_CASE_PARAM(flush_topology_test, topo_gen_params),
	KUNIT_CASE(flush_never_attached_test),
	KUNIT_CASE(flush_einval_test),
	KUNIT_CASE(flush_detach_midway_test),
	KUNIT_CASE(flush_trash_only_test),
	KUNIT_CASE(flush_many_instances_test),
	{}
};

static struct kunit_suite flush_test_suite = {
	.name = "invtrack-flush",
	.test_cases = flush_test_cases,
};
kunit_test_suite(flush_test_suite);
