// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_recheck.c - the fast path's second look at the array.
 *
 * A device attached while an invalidation runs may refill its ATC from IOTLB
 * entries that live until the invalidation's IOTLB commands complete; the
 * array the invalidation loaded does not name that ATC.  invt_domain_
 * invalidate() therefore looks at the array again after its IOTLB phase was
 * waited for, and flushes the later-phase entries that appeared.  Here the
 * attach runs inside the recording backend's wait, i.e. exactly between the
 * IOTLB completion and the second look, and the log must show the new
 * device's ATC invalidated after that wait; with nothing attached, or a
 * device without ATS, nothing more may be sent.
 *
 * test_late_many_racing also detaches a device from another thread while
 * the second look flushes the newer array whole: the invalidator must read
 * that published array's num_invs by the reader rules of <invtrack/invs.h>
 * (ThreadSanitizer builds report a plain load racing with the unref).
 */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include <invtrack/ablation.h>
#include <invtrack/core.h>

#include "record.h"

#define PAGE 4096ull
#define NLATE 5		/* ATS devices of 4 SIDs: 20 new ATC entries, past the stack room */

struct world {
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu ri;
	struct invt_iommu_ops ops;
	int (*orig_wait)(struct invt_iommu *iommu, uint64_t token);
	struct invt_domain dom;
	struct invt_device base;	/* non-ATS, attached: the IOTLB tag */
	struct invt_device late[NLATE];	/* attached during the first wait */
	unsigned int nr_late;		/* how many to attach then */
	bool armed;
	bool race;			/* the second wait lets the detacher run */
	unsigned int waits;
};

static struct world *cur;

/* The first wait completes, then devices attach: the race window. */
/*
 * The detacher and the invalidator hand over with relaxed atomics only, so
 * that nothing orders the invalidator's reads of the array before the
 * detacher's unref for ThreadSanitizer: only the reader rules can.
 */
static int race_ready, race_go, race_done;

static void *detacher(void *arg)
{
	struct world *w = arg;

	invt_rcu_register_thread();
	/*
	 * Registered before the invalidation starts: registering takes the
	 * readers' lock, which an array's call_rcu callback holds while it
	 * waits for the sections in progress, and the invalidator's section
	 * waits for this thread below (a cycle no real driver's wait makes).
	 */
	__atomic_store_n(&race_ready, 1, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&race_go, __ATOMIC_RELAXED))
		sched_yield();
	/* Unref in place of the array the invalidator is flushing. */
	invt_attach(&w->base, 0, NULL);
	__atomic_store_n(&race_done, 1, __ATOMIC_RELAXED);
	invt_rcu_unregister_thread();
	return NULL;
}

static int wait_then_attach(struct invt_iommu *iommu, uint64_t token)
{
	unsigned int i;
	int ret = cur->orig_wait(iommu, token);

	if (cur->race && ++cur->waits == 2) {
		__atomic_store_n(&race_go, 1, __ATOMIC_RELAXED);
		while (!__atomic_load_n(&race_done, __ATOMIC_RELAXED))
			sched_yield();
	}
	if (!cur->armed)
		return ret;
	cur->armed = false;
	for (i = 0; i < cur->nr_late; i++)
		assert_int_equal(invt_attach(&cur->late[i], 0, &cur->dom), 0);
	return ret;
}

static void world_init(struct world *w, bool late_ats, unsigned int nr_late)
{
	uint32_t sid = 1, sids[4];
	unsigned int i, j;

	memset(w, 0, sizeof(*w));
	cur = w;
	invt_ctx_init(&w->ctx);
	invt_recorder_init(&w->rec, true);
	assert_int_equal(invt_rec_iommu_init(&w->ctx, &w->ri, &w->rec, 0, INVT_IOMMU_SYNC_ORDERS,
					     512, NULL, 64), 0);
	w->ops = *w->ri.iommu.ops;
	w->orig_wait = w->ops.wait;
	w->ops.wait = wait_then_attach;
	w->ri.iommu.ops = &w->ops;
	assert_int_equal(invt_domain_init(&w->ctx, &w->dom, INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_device_init(&w->base, &w->ri.iommu, &sid, 1, 1, false), 0);
	assert_int_equal(invt_attach(&w->base, 0, &w->dom), 0);
	for (i = 0; i < NLATE; i++) {
		for (j = 0; j < 4; j++)
			sids[j] = 100 + 4 * i + j;
		assert_int_equal(invt_device_init(&w->late[i], &w->ri.iommu, sids, 4, 1, late_ats),
				 0);
	}
	w->nr_late = nr_late;
	invt_recorder_reset(&w->rec);
}

static void world_done(struct world *w)
{
	unsigned int i;

	invt_attach(&w->base, 0, NULL);
	for (i = 0; i < NLATE; i++) {
		if (invt_device_domain(&w->late[i], 0))
			invt_attach(&w->late[i], 0, NULL);
		assert_int_equal(invt_device_destroy(&w->late[i]), 0);
	}
	assert_int_equal(invt_device_destroy(&w->base), 0);
	assert_int_equal(invt_domain_destroy(&w->dom), 0);
	assert_int_equal(invt_rec_iommu_destroy(&w->ri), 0);
	assert_int_equal(invt_ctx_destroy(&w->ctx), 0);
	invt_recorder_destroy(&w->rec);
	cur = NULL;
}

/* Log index of the first wait, and the ATC commands after it, per SID. */
static size_t first_wait(const struct world *w)
{
	size_t i;

	for (i = 0; i < w->rec.nlog; i++)
		if (w->rec.log[i].kind == INVT_REC_EV_WAIT)
			return i;
	fail_msg("no wait in the log");
	return 0;
}

static unsigned int atc_after(const struct world *w, size_t from, uint32_t sid)
{
	unsigned int n = 0;
	size_t i;

	for (i = from; i < w->rec.nlog; i++) {
		const struct invt_rec_event *e = &w->rec.log[i];

		if (e->kind == INVT_REC_EV_CMD && e->cmd.id == sid &&
		    (e->cmd.op == INVT_REC_ATC || e->cmd.op == INVT_REC_ATC_ALL))
			n++;
	}
	return n;
}

static unsigned int cmds_in_log(const struct world *w)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < w->rec.nlog; i++)
		n += w->rec.log[i].kind == INVT_REC_EV_CMD;
	return n;
}

/* Nothing attaches: one page command and one completion, nothing more. */
static void test_quiet(void **state)
{
	struct world w;

	world_init(&w, true, 0);
	w.armed = true;
	assert_int_equal(invt_domain_invalidate(&w.dom, 0x10000, PAGE, true), 0);
	assert_int_equal(cmds_in_log(&w), 2);
	world_done(&w);
}

/* An ATS device attaches in the window: its ATC is invalidated after it. */
static void test_late_ats(void **state)
{
	struct world w;
	size_t wi;
	int j;

	world_init(&w, true, 1);
	w.armed = true;
	assert_int_equal(invt_domain_invalidate(&w.dom, 0x10000, PAGE, true), 0);
	wi = first_wait(&w);
	for (j = 0; j < 4; j++)
		assert_int_equal(atc_after(&w, wi, 100 + j), 1);
	/* 1 page + 1 sync, then 4 ATC + 1 sync; nothing else. */
	assert_int_equal(cmds_in_log(&w), 7);
	world_done(&w);
}

/* A device without ATS attaches in the window: nothing more to send. */
static void test_late_no_ats(void **state)
{
	struct world w;

	world_init(&w, false, 1);
	w.armed = true;
	assert_int_equal(invt_domain_invalidate(&w.dom, 0x10000, PAGE, true), 0);
	assert_int_equal(cmds_in_log(&w), 2);
	world_done(&w);
}

/* More new entries than the stack holds: the whole newer array's ATC phase. */
static void test_late_many(void **state)
{
	struct world w;
	unsigned int i, j;
	size_t wi;

	world_init(&w, true, NLATE);
	w.armed = true;
	assert_int_equal(invt_domain_invalidate(&w.dom, 0x10000, PAGE, true), 0);
	wi = first_wait(&w);
	for (i = 0; i < NLATE; i++)
		for (j = 0; j < 4; j++)
			assert_int_equal(atc_after(&w, wi, 100 + 4 * i + j), 1);
	world_done(&w);
}

/*
 * As above, with the base device detached (its entry unref'd in place of the
 * published array) while the second look flushes that array.
 */
static void test_late_many_racing(void **state)
{
	struct world w;
	pthread_t t;
	unsigned int i, j;
	size_t wi;

	world_init(&w, true, NLATE);
	race_ready = 0;
	race_go = 0;
	race_done = 0;
	w.race = true;
	assert_int_equal(pthread_create(&t, NULL, detacher, &w), 0);
	while (!__atomic_load_n(&race_ready, __ATOMIC_RELAXED))
		sched_yield();
	w.armed = true;
	assert_int_equal(invt_domain_invalidate(&w.dom, 0x10000, PAGE, true), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.waits, 2);
	assert_null(invt_device_domain(&w.base, 0));
	wi = first_wait(&w);
	for (i = 0; i < NLATE; i++)
		for (j = 0; j < 4; j++)
			assert_int_equal(atc_after(&w, wi, 100 + 4 * i + j), 1);
	world_done(&w);
}

/* The ablation build can switch the second look off: then the ATC is missed. */
static void test_ablated(void **state)
{
	struct world w;

	if (!invt_ablations_built()) {
		skip();
		return;
	}
	world_init(&w, true, 1);
	assert_int_equal(invt_ablate(&w.ctx, "recheck"), 0);
	w.armed = true;
	assert_int_equal(invt_domain_invalidate(&w.dom, 0x10000, PAGE, true), 0);
	assert_int_equal(atc_after(&w, 0, 100), 0);
	world_done(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet),
		cmocka_unit_test(test_late_ats),
		cmocka_unit_test(test_late_no_ats),
		cmocka_unit_test(test_late_many),
		cmocka_unit_test(test_late_many_racing),
		cmocka_unit_test(test_ablated),
	};
	int ret;

	invt_rcu_register_thread();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	invt_rcu_unregister_thread();
	return ret;
}
