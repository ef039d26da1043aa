// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * stress_test.c - KUnit: invalidators and attach / detach / replace churn
 * at once, as kernel threads, on the recording backend, for a few seconds,
 * with the plan-level rules of the userspace stress test
 * (tests/stress/stress_core.c):
 *  - COVER: every (device, ssid) whose configuration was installed into a
 *    domain before an invalidation of it began, and still installed when it
 *    ended, had all its entries targeted: its instance's tag (and, nested,
 *    the stage-1 clear) and an ATC command per SID when ATS is on;
 *  - QUIESCE: no ATC command targets a (device, ssid) whose detach returned
 *    (nested: a device whose every ssid is detached).
 * Invalidations take RCU's read side and their CPU's invalidator section
 * (preemption disabled) and submit under the recorder's spinlock; churn
 * takes the domain mutexes and waits for the sections in progress (detach
 * quiescence): lockdep sees the kernel's own lock classes.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include <invtrack/core.h>

#include "record.h"

#define NI 2		/* instances: 0 orders after syncs (SMMUv3-like), 1 not */
#define ND 5		/* domains: 0, 1 stage-1; 2, 3 stage-2; 4 nested over 3 */
#define NDEV 6
#define NSSID 2
#define NT 2		/* invalidator threads */
#define MAXTG 512	/* commands one invalidation collects */
#define SECONDS 3

struct slot {
	int dom;	/* -1: blocked */
	u64 gen;	/* bumped at every install */
	u32 tag;	/* the domain's tag on the device's instance, held by the slot */
	bool quiesced;	/* a detach returned, no prepare since */
};

struct tgt {
	u32 iommu;
	u8 type;
	u32 id, ssid;
};

struct inv_thread {
	struct stress *s;
	struct task_struct *task;
	struct rnd_state rnd;
	unsigned int n;
	bool overflow;
	struct tgt t[MAXTG];
	unsigned long invalidations;
};

struct stress {
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu ri[NI];
	struct invt_domain dom[ND];
	struct invt_device dev[NDEV];
	spinlock_t lock;	/* protects @slot; nests inside rec.lock */
	struct slot slot[NDEV][NSSID];
	struct inv_thread inv[NT];
	struct task_struct *churn;
	struct rnd_state churn_rnd;
	unsigned long churns;
	atomic_t cover_bad;
	atomic_t quiesce_bad;
};

static const enum invt_domain_type dom_type[ND] = {
	INVT_DOMAIN_S1, INVT_DOMAIN_S1, INVT_DOMAIN_S2, INVT_DOMAIN_S2, INVT_DOMAIN_NESTED,
};

static int dev_inst(int d)
{
	return d % NI;
}

static int dev_nsids(int d)
{
	return 1 + d % 2;
}

static bool dev_ats(int d)
{
	return d != NDEV - 1;
}

static u32 dev_sid(int d, int k)
{
	return 0x100 + 0x10 * (u32)d + (u32)k;
}

static int owner_of(int d)
{
	return d == 4 ? 3 : d;
}

/* Called for every command, under rec.lock, in the submitting thread: no sleeping. */
static void on_cmd(void *arg, struct invt_rec_iommu *ri, const struct invt_rec_cmd *c)
{
	struct stress *s = arg;
	int t, d, k;

	for (t = 0; t < NT; t++) {
		struct inv_thread *it = &s->inv[t];

		if (it->task != current)
			continue;
		if (it->n == MAXTG) {
			it->overflow = true;
			break;
		}
		it->t[it->n++] = (struct tgt){ ri->iommu.id, c->type, c->id, c->ssid };
		break;
	}
	if (c->op != INVT_REC_ATC && c->op != INVT_REC_ATC_ALL)
		return;
	/* QUIESCE: which device owns the SID? */
	for (d = 0; d < NDEV; d++) {
		for (k = 0; k < dev_nsids(d); k++) {
			bool bad;

			if (dev_sid(d, k) != c->id || dev_inst(d) != (int)(ri->iommu.id - 1))
				continue;
			spin_lock(&s->lock);
			if (c->type == INVT_INV_ATC)
				bad = c->ssid < NSSID && s->slot[d][c->ssid].quiesced;
			else
				bad = s->slot[d][0].quiesced && s->slot[d][1].quiesced;
			spin_unlock(&s->lock);
			if (bad)
				atomic_inc(&s->quiesce_bad);
		}
	}
}

static bool targeted(struct inv_thread *it, u32 iommu, u8 type, u32 id, u32 ssid)
{
	unsigned int i;

	for (i = 0; i < it->n; i++)
		if (it->t[i].iommu == iommu && it->t[i].type == type && it->t[i].id == id &&
		    (type != INVT_INV_ATC || it->t[i].ssid == ssid))
			return true;
	return false;
}

/* COVER for one slot that stayed installed into @d's array for a whole invalidation. */
static bool covered(struct stress *s, struct inv_thread *it, int dev, int ssid, int dom, u32 tag)
{
	struct invt_iommu *iommu = &s->ri[dev_inst(dev)].iommu;
	bool nested = dom_type[dom] == INVT_DOMAIN_NESTED;
	u8 tt = dom_type[dom] == INVT_DOMAIN_S1 ? INVT_INV_IOTLB_S1 : INVT_INV_IOTLB_S2;
	int k;

	if (!targeted(it, iommu->id, tt, tag, 0))
		return false;
	if (nested && !targeted(it, iommu->id, INVT_INV_IOTLB_S2_S1_CLEAR, tag, 0))
		return false;
	for (k = 0; dev_ats(dev) && k < dev_nsids(dev); k++)
		if (!targeted(it, iommu->id, nested ? INVT_INV_ATC_FULL : INVT_INV_ATC,
			      dev_sid(dev, k), ssid))
			return false;
	return true;
}

static int invalidator_fn(void *arg)
{
	struct inv_thread *it = arg;
	struct stress *s = it->s;
	struct slot before[NDEV][NSSID], after[NDEV][NSSID];
	int dev, ssid;

	while (!kthread_should_stop()) {
		int d = prandom_u32_state(&it->rnd) % 4;
		u64 iova = (u64)(prandom_u32_state(&it->rnd) % 64) << 12;
		u64 size = (u64)(1 + prandom_u32_state(&it->rnd) % 8) << 12;

		spin_lock(&s->lock);
		memcpy(before, s->slot, sizeof(before));
		spin_unlock(&s->lock);
		it->n = 0;
		it->overflow = false;
		invt_domain_invalidate(&s->dom[d], iova, size, prandom_u32_state(&it->rnd) & 1);
		spin_lock(&s->lock);
		memcpy(after, s->slot, sizeof(after));
		spin_unlock(&s->lock);
		it->invalidations++;
		if (it->overflow)
			continue;
		for (dev = 0; dev < NDEV; dev++)
			for (ssid = 0; ssid < NSSID; ssid++) {
				const struct slot *b = &before[dev][ssid];

				if (b->dom < 0 || owner_of(b->dom) != d ||
				    after[dev][ssid].gen != b->gen)
					continue;
				if (!covered(s, it, dev, ssid, b->dom, b->tag))
					atomic_inc(&s->cover_bad);
			}
		cond_resched();
	}
	return 0;
}

static int churn_fn(void *arg)
{
	struct stress *s = arg;

	while (!kthread_should_stop()) {
		int dev = prandom_u32_state(&s->churn_rnd) % NDEV;
		int ssid = prandom_u32_state(&s->churn_rnd) % NSSID;
		int dom = (int)(prandom_u32_state(&s->churn_rnd) % (ND + 1)) - 1;
		struct invt_attach tx;
		u32 tag = 0;

		spin_lock(&s->lock);
		s->slot[dev][ssid].quiesced = false;
		spin_unlock(&s->lock);
		if (invt_attach_prepare(&tx, &s->dev[dev], ssid, dom >= 0 ? &s->dom[dom] : NULL))
			continue;
		/* The transaction holds the tag until the slot is left. */
		if (dom >= 0 && invt_domain_tag(&s->dom[dom], &s->ri[dev_inst(dev)].iommu, &tag))
			atomic_inc(&s->cover_bad);
		/* The configuration is installed: from here the device may use it. */
		spin_lock(&s->lock);
		s->slot[dev][ssid].tag = tag;
		s->slot[dev][ssid].dom = dom;
		s->slot[dev][ssid].gen++;
		spin_unlock(&s->lock);
		invt_attach_commit(&tx);
		if (dom < 0) {
			spin_lock(&s->lock);
			s->slot[dev][ssid].quiesced = true;
			spin_unlock(&s->lock);
		}
		s->churns++;
		cond_resched();
	}
	return 0;
}

static void stress_churn_test(struct kunit *test)
{
	struct stress *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	u32 sids[2];
	int i, k, d;

	KUNIT_ASSERT_NOT_NULL(test, s);
	spin_lock_init(&s->lock);
	invt_ctx_init(&s->ctx);
	invt_recorder_init(&s->rec, false);
	s->rec.on_cmd = on_cmd;
	s->rec.arg = s;
	for (i = 0; i < NI; i++)	/* ids 1, 2: dev_inst() + 1 */
		KUNIT_ASSERT_EQ(test, invt_rec_iommu_init(&s->ctx, &s->ri[i], &s->rec, i + 1,
							  i ? 0 : INVT_IOMMU_SYNC_ORDERS, 4, NULL,
							  8), 0);
	for (d = 0; d < ND; d++)
		KUNIT_ASSERT_EQ(test, invt_domain_init(&s->ctx, &s->dom[d], dom_type[d],
						       d == 4 ? &s->dom[3] : NULL), 0);
	for (d = 0; d < NDEV; d++) {
		for (k = 0; k < dev_nsids(d); k++)
			sids[k] = dev_sid(d, k);
		KUNIT_ASSERT_EQ(test, invt_device_init(&s->dev[d], &s->ri[dev_inst(d)].iommu, sids,
						       dev_nsids(d), NSSID, dev_ats(d)), 0);
		for (k = 0; k < NSSID; k++)
			s->slot[d][k].dom = -1;
	}

	prandom_seed_state(&s->churn_rnd, 0xc4u);
	s->churn = kthread_run(churn_fn, s, "invt-churn");
	KUNIT_ASSERT_FALSE(test, IS_ERR(s->churn));
	for (i = 0; i < NT; i++) {
		s->inv[i].s = s;
		prandom_seed_state(&s->inv[i].rnd, 0x1000u + i);
		s->inv[i].task = kthread_create(invalidator_fn, &s->inv[i], "invt-inv%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(s->inv[i].task));
		wake_up_process(s->inv[i].task);
	}
	msleep(SECONDS * 1000);
	for (i = 0; i < NT; i++)
		kthread_stop(s->inv[i].task);
	kthread_stop(s->churn);

	kunit_info(test, "%lu attach operations, %lu + %lu invalidations\n", s->churns,
		   s->inv[0].invalidations, s->inv[1].invalidations);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->cover_bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->quiesce_bad), 0);
	/* The test can fail only if both sides really ran. */
	KUNIT_EXPECT_GT(test, s->churns, 0UL);
	KUNIT_EXPECT_GT(test, s->inv[0].invalidations + s->inv[1].invalidations, 0UL);

	for (d = 0; d < NDEV; d++) {
		for (k = 0; k < NSSID; k++)
			KUNIT_EXPECT_EQ(test, invt_attach(&s->dev[d], k, NULL), 0);
		KUNIT_EXPECT_EQ(test, invt_device_destroy(&s->dev[d]), 0);
	}
	for (d = ND - 1; d >= 0; d--)
		KUNIT_EXPECT_EQ(test, invt_domain_destroy(&s->dom[d]), 0);
	for (i = 0; i < NI; i++) {
		KUNIT_EXPECT_EQ(test, invt_tag_space_used(&s->ri[i].tags), 0U);
		KUNIT_EXPECT_EQ(test, invt_rec_iommu_destroy(&s->ri[i]), 0);
	}
	KUNIT_EXPECT_EQ(test, invt_ctx_destroy(&s->ctx), 0);
	invt_recorder_destroy(&s->rec);
}

static struct kunit_case stress_test_cases[] = {
	KUNIT_CASE(stress_churn_test),
	{}
};

static struct kunit_suite stress_test_suite = {
	.name = "invtrack-stress",
	.test_cases = stress_test_cases,
};
kunit_test_suite(stress_test_suite);
