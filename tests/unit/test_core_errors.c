// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_core_errors.c - the core when a flush fails, when a transaction is
 * aborted, and when its input crosses contexts (recording backend).
 *
 *  - invalidation returns the first submit or wait error, every instance
 *    still flushed;
 *  - a tag whose last-user flush failed is quarantined: not handed to
 *    another domain, not used again on that instance, until a later flush
 *    completes; unregistering the instance drops it;
 *  - an ATC whose invalidation failed on commit stays in the old domain's
 *    array;
 *  - a failed completion sends again what it covered: the last phase alone
 *    where completions order later commands and it was the only error;
 *  - abort after invt_attach_installing() cleans the ATC, before it not;
 *  - a nest parent of another context is refused (init and prepare);
 *  - no array keeps an unregistered instance in its trailing trash;
 *  - the batch counters do not wrap at 2^32 commands;
 *  - ablation builds: "two-phase" keeps "on error nothing changed" and an
 *    abort gives the old domain its entries back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <invtrack/ablation.h>
#include <invtrack/core.h>

#include "record.h"

#define PAGE 4096ull

struct world {
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu ri[2];
	struct invt_tag_space shared;	/* tags 1..2, shared by both instances */
};

/* Two instances with INVT_IOMMU_* @flags. */
static void world_init_flags(struct world *w, bool shared_tags, unsigned int flags)
{
	struct invt_tag_space *sp[2] = { &w->shared, &w->shared };
	int i;

	memset(w, 0, sizeof(*w));
	invt_ctx_init(&w->ctx);
	invt_recorder_init(&w->rec, true);
	if (shared_tags)
		assert_int_equal(invt_tag_space_init(&w->shared, 1, 2), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(invt_rec_iommu_init(&w->ctx, &w->ri[i], &w->rec, (uint32_t)i + 1,
						     flags, 4, shared_tags ? sp : NULL, 2), 0);
}

static void world_init(struct world *w, bool shared_tags)
{
	world_init_flags(w, shared_tags, 0);
}

static void world_fini(struct world *w, bool shared_tags)
{
	int i;

	for (i = 0; i < 2; i++)
		assert_int_equal(invt_rec_iommu_destroy(&w->ri[i]), 0);
	if (shared_tags)
		invt_tag_space_destroy(&w->shared);
	invt_recorder_destroy(&w->rec);
	assert_int_equal(invt_ctx_destroy(&w->ctx), 0);
}

static void dev_init(struct invt_device *d, struct invt_rec_iommu *ri, uint32_t sid, bool ats)
{
	assert_int_equal(invt_device_init(d, &ri->iommu, &sid, 1, 1, ats), 0);
}

/* Commands of @op logged for instance @id (0: any) since the last reset. */
static unsigned int logged(struct world *w, uint8_t op, uint32_t id)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < w->rec.nlog; i++)
		n += w->rec.log[i].kind == INVT_REC_EV_CMD && w->rec.log[i].cmd.op == op &&
		     (!id || w->rec.log[i].iommu == id);
	return n;
}

static unsigned int live_entries(struct invt_domain *d, uint8_t type)
{
	struct invt_invs *c = invt_domain_invs_get(d);
	unsigned int n = 0;
	size_t i;

	assert_non_null(c);
	for (i = 0; i < c->num_invs; i++)
		n += c->inv[i].type == type && c->inv[i].users;
	invt_invs_free(c);
	return n;
}

/* A wait error is returned, and the other instance is still flushed. */
static void test_invalidate_error(void **state)
{
	struct world w;
	struct invt_domain d;
	struct invt_device a, b;

	(void)state;
	world_init(&w, false);
	assert_int_equal(invt_domain_init(&w.ctx, &d, INVT_DOMAIN_S1, NULL), 0);
	dev_init(&a, &w.ri[0], 1, false);
	dev_init(&b, &w.ri[1], 2, false);
	assert_int_equal(invt_attach(&a, 0, &d), 0);
	assert_int_equal(invt_attach(&b, 0, &d), 0);

	w.ri[0].wait_err = -ETIMEDOUT;
	invt_recorder_reset(&w.rec);
	assert_int_equal(invt_domain_invalidate(&d, 0, PAGE, true), -ETIMEDOUT);
	assert_int_equal(logged(&w, INVT_REC_INV_PAGE, 2), 1);
	assert_int_equal(invt_domain_invalidate_all(&d), -ETIMEDOUT);
	w.ri[0].wait_err = 0;
	w.ri[1].submit_err = -EIO;
	invt_recorder_reset(&w.rec);
	assert_int_equal(invt_domain_invalidate(&d, 0, PAGE, true), -EIO);
	assert_int_equal(logged(&w, INVT_REC_INV_PAGE, 1), 1);
	w.ri[1].submit_err = 0;
	assert_int_equal(invt_domain_invalidate(&d, 0, PAGE, true), 0);

	assert_int_equal(invt_attach(&a, 0, NULL), 0);
	assert_int_equal(invt_attach(&b, 0, NULL), 0);
	assert_int_equal(invt_device_destroy(&a), 0);
	assert_int_equal(invt_device_destroy(&b), 0);
	assert_int_equal(invt_domain_destroy(&d), 0);
	world_fini(&w, false);
}

/*
 * The last detach's tag flush fails: the tag stays held (another domain gets
 * the other one, then none), the same domain cannot use it again on that
 * instance, and once a flush completes it is free again.
 */
static void test_tag_quarantine(void **state)
{
	struct world w;
	struct invt_domain d1, d2, d3;
	struct invt_device a, b;
	uint32_t tag;

	(void)state;
	world_init(&w, true);
	assert_int_equal(invt_domain_init(&w.ctx, &d1, INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_domain_init(&w.ctx, &d2, INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_domain_init(&w.ctx, &d3, INVT_DOMAIN_S1, NULL), 0);
	dev_init(&a, &w.ri[0], 1, false);
	dev_init(&b, &w.ri[0], 2, false);
	assert_int_equal(invt_attach(&a, 0, &d1), 0);
	assert_int_equal(invt_domain_tag(&d1, &w.ri[0].iommu, &tag), 0);
	assert_int_equal(tag, 1);

	/*
	 * The flush of tag 1, whose last user leaves, does not complete: sent
	 * once, then again three times (INVT_CMD_RETRIES).
	 */
	w.ri[0].wait_err = -EIO;
	invt_recorder_reset(&w.rec);
	assert_int_equal(invt_attach(&a, 0, NULL), 0);
	assert_int_equal(logged(&w, INVT_REC_INV_TAG, 1), 4);
	assert_int_equal(invt_tag_space_quarantined(&w.shared), 1);
	assert_int_equal(invt_tag_space_used(&w.shared), 1);

	/* The retry fails too: d2 gets tag 2, d3 none. */
	assert_int_equal(invt_attach(&b, 0, &d2), 0);
	assert_int_equal(invt_domain_tag(&d2, &w.ri[0].iommu, &tag), 0);
	assert_int_equal(tag, 2);
	assert_int_equal(invt_attach(&a, 0, &d3), -ENOSPC);
	assert_int_equal(invt_tag_space_quarantined(&w.shared), 1);

	/* The queue recovers: the next join's retry completes, tag 1 is free. */
	w.ri[0].wait_err = 0;
	invt_recorder_reset(&w.rec);
	assert_int_equal(invt_attach(&a, 0, &d3), 0);
	assert_int_equal(logged(&w, INVT_REC_INV_TAG, 1), 1);
	assert_int_equal(invt_tag_space_quarantined(&w.shared), 0);
	assert_int_equal(invt_domain_tag(&d3, &w.ri[0].iommu, &tag), 0);
	assert_int_equal(tag, 1);

	assert_int_equal(invt_attach(&a, 0, NULL), 0);
	assert_int_equal(invt_attach(&b, 0, NULL), 0);
	assert_int_equal(invt_tag_space_used(&w.shared), 0);
	assert_int_equal(invt_device_destroy(&a), 0);
	assert_int_equal(invt_device_destroy(&b), 0);
	assert_int_equal(invt_domain_destroy(&d1), 0);
	assert_int_equal(invt_domain_destroy(&d2), 0);
	assert_int_equal(invt_domain_destroy(&d3), 0);
	world_fini(&w, true);
}

/*
 * The tag's flush failed on one instance while the domain still holds it
 * through the other: the domain may not come back to that instance until a
 * flush there completes (its own freed pages may still be cached there).
 * Unregistering the instance drops its quarantined entries.
 */
static void test_tag_quarantine_same_domain(void **state)
{
	struct world w;
	struct invt_domain d;
	struct invt_device a, b;

	(void)state;
	world_init(&w, true);
	assert_int_equal(invt_domain_init(&w.ctx, &d, INVT_DOMAIN_S1, NULL), 0);
	dev_init(&a, &w.ri[0], 1, false);
	dev_init(&b, &w.ri[1], 2, false);
	assert_int_equal(invt_attach(&a, 0, &d), 0);
	assert_int_equal(invt_attach(&b, 0, &d), 0);
	w.ri[0].wait_err = -EIO;
	assert_int_equal(invt_attach(&a, 0, NULL), 0);
	assert_int_equal(invt_tag_space_quarantined(&w.shared), 1);
	assert_int_equal(invt_attach(&a, 0, &d), -EIO);
	assert_null(invt_device_domain(&a, 0));
	w.ri[0].wait_err = 0;
	assert_int_equal(invt_attach(&a, 0, &d), 0);
	assert_int_equal(invt_tag_space_quarantined(&w.shared), 0);
	assert_int_equal(invt_attach(&a, 0, NULL), 0);

	/* Quarantined again, then the instance goes: the entry goes with it. */
	w.ri[0].wait_err = -EIO;
	assert_int_equal(invt_attach(&a, 0, &d), 0);
	assert_int_equal(invt_attach(&a, 0, NULL), 0);
	assert_int_equal(invt_tag_space_quarantined(&w.shared), 1);
	assert_int_equal(invt_device_destroy(&a), 0);
	assert_int_equal(invt_iommu_unregister(&w.ri[0].iommu), 0);
	assert_int_equal(invt_tag_space_quarantined(&w.shared), 0);
	assert_int_equal(invt_tag_space_used(&w.shared), 1);	/* d's, through b */
	assert_int_equal(invt_attach(&b, 0, NULL), 0);
	assert_int_equal(invt_tag_space_used(&w.shared), 0);
	assert_int_equal(invt_device_destroy(&b), 0);
	assert_int_equal(invt_domain_destroy(&d), 0);
	assert_int_equal(invt_rec_iommu_destroy(&w.ri[1]), 0);
	invt_tag_space_destroy(&w.shared);
	invt_recorder_destroy(&w.rec);
	assert_int_equal(invt_ctx_destroy(&w.ctx), 0);
}

/* The commit's ATC invalidation fails: the old domain keeps covering that ATC. */
static void test_atc_clean_error(void **state)
{
	struct world w;
	struct invt_domain d1, d2;
	struct invt_device a;

	(void)state;
	world_init(&w, false);
	assert_int_equal(invt_domain_init(&w.ctx, &d1, INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_domain_init(&w.ctx, &d2, INVT_DOMAIN_S1, NULL), 0);
	dev_init(&a, &w.ri[0], 7, true);
	assert_int_equal(invt_attach(&a, 0, &d1), 0);
	w.ri[0].wait_err = -ETIMEDOUT;
	assert_int_equal(invt_attach(&a, 0, &d2), 0);
	w.ri[0].wait_err = 0;
	assert_int_equal(live_entries(&d1, INVT_INV_ATC), 1);
	invt_recorder_reset(&w.rec);
	assert_int_equal(invt_domain_invalidate(&d1, 0, PAGE, true), 0);
	assert_int_equal(logged(&w, INVT_REC_ATC, 1), 1);

	assert_int_equal(invt_attach(&a, 0, NULL), 0);
	assert_int_equal(invt_device_destroy(&a), 0);
	assert_int_equal(invt_domain_destroy(&d1), 0);
	assert_int_equal(invt_domain_destroy(&d2), 0);
	world_fini(&w, false);
}

/* on_cmd: a command error counted at the first page invalidation (*@arg: once more). */
static void count_error_at_page(void *arg, struct invt_rec_iommu *ri,
				const struct invt_rec_cmd *cmd)
{
	bool *once = arg;

	if (cmd->op == INVT_REC_INV_PAGE && *once) {
		*once = false;
		__atomic_fetch_add(&ri->errors, 1, __ATOMIC_RELAXED);
	}
}

/*
 * What a failed completion makes the engine send again (wait_retry()), for
 * an ATS device's page: IOTLB phase, then ATC phase.
 *  - completions that order later commands (SMMUv3-like), the last one
 *    failed and the only error counted: the ATC phase alone, once per
 *    failure;
 *  - the same with a second error counted during the batch (heard by the
 *    IOTLB phase's completion): the whole batch;
 *  - phase-by-phase waits (RISC-V-like): the failed phase alone (here the
 *    IOTLB phase, whose wait comes first).
 */
static void test_retry_failed_phase(void **state)
{
	static const unsigned int flags[2] = { INVT_IOMMU_SYNC_ORDERS, 0 };
	struct invt_domain d;
	struct invt_device a;
	struct world w;
	bool once;
	int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		world_init_flags(&w, false, flags[k]);
		assert_int_equal(invt_domain_init(&w.ctx, &d, INVT_DOMAIN_S1, NULL), 0);
		dev_init(&a, &w.ri[0], 7, true);
		assert_int_equal(invt_attach(&a, 0, &d), 0);

		/* The last completion fails once, then twice in a row. */
		w.ri[0].fail_waits = 1;
		invt_recorder_reset(&w.rec);
		assert_int_equal(invt_domain_invalidate(&d, 0, PAGE, true), 0);
		/* Phase by phase, the first wait is the IOTLB phase's. */
		assert_int_equal(logged(&w, INVT_REC_INV_PAGE, 1), k ? 2 : 1);
		assert_int_equal(logged(&w, INVT_REC_ATC, 1), k ? 1 : 2);
		if (!k) {
			w.ri[0].fail_waits = 2;
			invt_recorder_reset(&w.rec);
			assert_int_equal(invt_domain_invalidate(&d, 0, PAGE, true), 0);
			assert_int_equal(logged(&w, INVT_REC_INV_PAGE, 1), 1);
			assert_int_equal(logged(&w, INVT_REC_ATC, 1), 3);
			assert_int_equal(logged(&w, INVT_REC_SYNC, 1), 4);
		}

		/* Another error counted while the batch ran: all of it again. */
		once = true;
		w.rec.on_cmd = count_error_at_page;
		w.rec.arg = &once;
		w.ri[0].fail_waits = 1;
		invt_recorder_reset(&w.rec);
		assert_int_equal(invt_domain_invalidate(&d, 0, PAGE, true), 0);
		w.rec.on_cmd = NULL;
		assert_int_equal(logged(&w, INVT_REC_INV_PAGE, 1), 2);
		assert_int_equal(logged(&w, INVT_REC_ATC, 1), k ? 1 : 2);
		assert_int_equal(w.ri[0].fail_waits, 0);

		assert_int_equal(invt_attach(&a, 0, NULL), 0);
		assert_int_equal(invt_device_destroy(&a), 0);
		assert_int_equal(invt_domain_destroy(&d), 0);
		world_fini(&w, false);
	}
}

/* Abort: an ATC invalidation after installing began, none before. */
static void test_abort_installed(void **state)
{
	struct world w;
	struct invt_domain d1, d2;
	struct invt_device a;
	struct invt_attach tx;

	(void)state;
	world_init(&w, false);
	assert_int_equal(invt_domain_init(&w.ctx, &d1, INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_domain_init(&w.ctx, &d2, INVT_DOMAIN_S1, NULL), 0);
	dev_init(&a, &w.ri[0], 7, true);
	assert_int_equal(invt_attach(&a, 0, &d1), 0);

	invt_recorder_reset(&w.rec);
	assert_int_equal(invt_attach_prepare(&tx, &a, 0, &d2), 0);
	invt_attach_abort(&tx);
	assert_int_equal(logged(&w, INVT_REC_ATC_ALL, 0), 0);
	assert_int_equal(logged(&w, INVT_REC_INV_TAG, 0), 1);	/* d2's tag, last user */
	assert_ptr_equal(invt_device_domain(&a, 0), &d1);

	invt_recorder_reset(&w.rec);
	assert_int_equal(invt_attach_prepare(&tx, &a, 0, &d2), 0);
	invt_attach_installing(&tx);
	invt_attach_abort(&tx);
	assert_int_equal(logged(&w, INVT_REC_ATC_ALL, 1), 1);
	assert_int_equal(logged(&w, INVT_REC_INV_TAG, 1), 1);
	assert_ptr_equal(invt_device_domain(&a, 0), &d1);
	assert_int_equal(live_entries(&d2, INVT_INV_ATC), 0);
	assert_int_equal(live_entries(&d1, INVT_INV_ATC), 1);

	assert_int_equal(invt_attach(&a, 0, NULL), 0);
	assert_int_equal(invt_device_destroy(&a), 0);
	assert_int_equal(invt_domain_destroy(&d1), 0);
	assert_int_equal(invt_domain_destroy(&d2), 0);
	world_fini(&w, false);
}

/* A nest parent of another context: refused by init and by prepare. */
static void test_cross_context_parent(void **state)
{
	struct world w, x;
	struct invt_domain pa, pb, n;
	struct invt_device a;

	(void)state;
	world_init(&w, false);
	world_init(&x, false);
	assert_int_equal(invt_domain_init(&w.ctx, &pa, INVT_DOMAIN_S2, NULL), 0);
	assert_int_equal(invt_domain_init(&x.ctx, &pb, INVT_DOMAIN_S2, NULL), 0);
	assert_int_equal(invt_domain_init(&w.ctx, &n, INVT_DOMAIN_NESTED, &pb), -EINVAL);
	assert_int_equal(pb.nr_children, 0);

	/* A caller that builds its nested domain by hand: prepare checks too. */
	assert_int_equal(invt_domain_init(&w.ctx, &n, INVT_DOMAIN_NESTED, &pa), 0);
	n.parent = &pb;
	dev_init(&a, &w.ri[0], 1, false);
	assert_int_equal(invt_attach(&a, 0, &n), -EINVAL);
	assert_int_equal(live_entries(&pb, INVT_INV_IOTLB_S2), 0);
	assert_null(invt_device_domain(&a, 0));
	n.parent = &pa;
	assert_int_equal(invt_attach(&a, 0, &n), 0);
	assert_int_equal(invt_attach(&a, 0, NULL), 0);

	assert_int_equal(invt_device_destroy(&a), 0);
	assert_int_equal(invt_domain_destroy(&n), 0);
	assert_int_equal(invt_domain_destroy(&pa), 0);
	assert_int_equal(invt_domain_destroy(&pb), 0);
	world_fini(&w, false);
	world_fini(&x, false);
}

/*
 * Entries of an instance cut off an array's end as trailing trash still name
 * it past num_invs: unregistering it rebuilds that array too.
 */
static void test_unregister_trailing_trash(void **state)
{
	struct world w;
	struct invt_domain d;
	struct invt_device a, b;
	const struct invt_invs *before;

	(void)state;
	world_init(&w, false);
	assert_int_equal(invt_domain_init(&w.ctx, &d, INVT_DOMAIN_S1, NULL), 0);
	dev_init(&a, &w.ri[0], 1, false);
	dev_init(&b, &w.ri[1], 2, false);
	assert_int_equal(invt_attach(&a, 0, &d), 0);
	assert_int_equal(invt_attach(&b, 0, &d), 0);
	/* Instance 2's entry sorts last: it is cut off, not left as trash. */
	assert_int_equal(invt_attach(&b, 0, NULL), 0);
	before = d.invs;
	assert_int_equal(before->num_invs, 1);
	assert_int_equal(before->num_trashes, 0);
	assert_int_equal(invt_device_destroy(&b), 0);
	assert_int_equal(invt_rec_iommu_destroy(&w.ri[1]), 0);
	assert_ptr_not_equal(d.invs, before);
	assert_int_equal(d.invs->num_invs, 1);
	assert_ptr_equal(d.invs->inv[0].iommu, &w.ri[0].iommu);

	assert_int_equal(invt_attach(&a, 0, NULL), 0);
	assert_int_equal(invt_device_destroy(&a), 0);
	assert_int_equal(invt_domain_destroy(&d), 0);
	assert_int_equal(invt_rec_iommu_destroy(&w.ri[0]), 0);
	invt_recorder_destroy(&w.rec);
	assert_int_equal(invt_ctx_destroy(&w.ctx), 0);
}

/*
 * A phase that built 2^32 commands is still seen to have built some (and
 * gets its completion command).  The build op below stands for them: it
 * counts 2^32 commands as already submitted and queues none.
 */
static uint64_t big_submits, big_syncs;

static void big_build(struct invt_batch *b, const struct invt_inv *inv, const struct invt_range *r)
{
	(void)inv;
	(void)r;
	b->submitted += UINT64_C(1) << 32;
}

static void big_build_sync(struct invt_batch *b)
{
	invt_batch_reserve(b, 16);
	big_syncs++;
}

static int big_submit(struct invt_batch *b, uint64_t *token)
{
	(void)b;
	*token = ++big_submits;
	return 0;
}

static int big_wait(struct invt_iommu *iommu, uint64_t token)
{
	(void)iommu;
	(void)token;
	return 0;
}

static const struct invt_iommu_ops big_ops = { big_build, big_build_sync, big_submit, big_wait,
						 NULL, NULL };

static void test_batch_counters_64(void **state)
{
	struct invt_ctx ctx;
	struct invt_tag_space ts;
	struct invt_iommu iommu = { .id = 1, .ops = &big_ops, .tags = { &ts, &ts } };
	struct invt_invs *invs = invt_invs_alloc(1);
	const struct invt_range all = { .all = true };

	(void)state;
	invt_ctx_init(&ctx);
	assert_int_equal(invt_tag_space_init(&ts, 1, 1), 0);
	assert_int_equal(invt_iommu_register(&ctx, &iommu), 0);
	assert_non_null(invs);
	invs->inv[0] = (struct invt_inv){ .iommu = &iommu, .type = INVT_INV_IOTLB_S1, .id = 1,
					  .users = 1 };
	assert_int_equal(invt_invs_flush(&ctx, invs, &all), 0);
	assert_int_equal(big_syncs, 1);
	assert_int_equal(big_submits, 1);
	invt_invs_free(invs);
	assert_int_equal(invt_iommu_unregister(&iommu), 0);
	invt_tag_space_destroy(&ts);
	assert_int_equal(invt_ctx_destroy(&ctx), 0);
}

/*
 * Ablation builds, "two-phase": a prepare that fails leaves the old domain
 * as it was (attached, its entries live), and an abort gives the old domain
 * its entries back, so that the next detach works.
 */
static void test_two_phase_ablation(void **state)
{
	struct world w;
	struct invt_domain d1, d2, d3;
	struct invt_device a, b, c;
	struct invt_attach tx;

	(void)state;
	world_init(&w, true);
	if (invt_ablate(&w.ctx, "two-phase") == -EOPNOTSUPP) {
		world_fini(&w, true);
		skip();
	}
	assert_int_equal(invt_domain_init(&w.ctx, &d1, INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_domain_init(&w.ctx, &d2, INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_domain_init(&w.ctx, &d3, INVT_DOMAIN_S1, NULL), 0);
	dev_init(&a, &w.ri[0], 1, true);
	dev_init(&b, &w.ri[0], 2, false);
	dev_init(&c, &w.ri[0], 3, false);
	assert_int_equal(invt_attach(&a, 0, &d1), 0);
	assert_int_equal(invt_attach(&c, 0, &d1), 0);
	assert_int_equal(invt_attach(&b, 0, &d2), 0);

	/* Both tags held (d1 keeps its own through c): joining d3 fails. */
	assert_int_equal(invt_attach(&a, 0, &d3), -ENOSPC);
	assert_int_equal(d1.nr_attached, 2);
	assert_int_equal(live_entries(&d1, INVT_INV_ATC), 1);
	assert_int_equal(invt_attach(&c, 0, NULL), 0);
	assert_int_equal(invt_domain_destroy(&d1), -EBUSY);

	/* Installed, then aborted: d1 covers a again, and a detaches cleanly. */
	assert_int_equal(invt_attach(&b, 0, NULL), 0);
	assert_int_equal(invt_attach_prepare(&tx, &a, 0, &d2), 0);
	assert_int_equal(live_entries(&d1, INVT_INV_ATC), 0);	/* the ablated rule */
	invt_attach_installing(&tx);
	invt_attach_abort(&tx);
	assert_int_equal(live_entries(&d1, INVT_INV_ATC), 1);
	assert_int_equal(live_entries(&d2, INVT_INV_ATC), 0);
	assert_int_equal(invt_attach(&a, 0, &d2), 0);
	assert_int_equal(live_entries(&d1, INVT_INV_ATC), 0);
	assert_int_equal(invt_attach(&a, 0, NULL), 0);
	assert_int_equal(invt_tag_space_used(&w.shared), 0);

	assert_int_equal(invt_device_destroy(&a), 0);
	assert_int_equal(invt_device_destroy(&b), 0);
	assert_int_equal(invt_device_destroy(&c), 0);
	assert_int_equal(invt_domain_destroy(&d1), 0);
	assert_int_equal(invt_domain_destroy(&d2), 0);
	assert_int_equal(invt_domain_destroy(&d3), 0);
	world_fini(&w, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalidate_error),
		cmocka_unit_test(test_tag_quarantine),
		cmocka_unit_test(test_tag_quarantine_same_domain),
		cmocka_unit_test(test_atc_clean_error),
		cmocka_unit_test(test_retry_failed_phase),
		cmocka_unit_test(test_abort_installed),
		cmocka_unit_test(test_cross_context_parent),
		cmocka_unit_test(test_unregister_trailing_trash),
		cmocka_unit_test(test_batch_counters_64),
		cmocka_unit_test(test_two_phase_ablation),
	};
	int ret;

	invt_rcu_register_thread();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	invt_rcu_unregister_thread();
	return ret;
}
