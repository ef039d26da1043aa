// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * litmus_recheck.c - the fast path's second look at the array, in lockstep.
 *
 *   attacher + hardware (A)                invalidator (I)
 *                                          invt_domain_invalidate():
 *                                            load array (old: no new device)
 *                                            submit IOTLB + sync, ATC + sync
 *   see I's submission
 *   invt_attach_prepare(): publish array
 *   [prepare's full barrier]
 *   install: store ste                     wait: load completion (relaxed)
 *   the device uses ste and refills its
 *   ATC from the IOTLB entry I's commands
 *   have not yet removed
 *   store completion (release)
 *                                            [load->load barrier]
 *                                            load array again: flush the
 *                                            new device's ATC
 *
 * Forbidden: I's invalidation ends without an ATC command for the new
 * device although its ATC was refilled before I's IOTLB invalidation
 * completed: a stale translation nobody invalidates.  The chain from A's
 * publish to I's second load is publish -> full barrier -> store ste ->
 * (hardware) -> completion store -> I's completion load -> I's array load:
 * it ends in a load of I's, so the fast path needs only load->load order
 * there (invt_smp_rmb(); flush.c explains).  The backend's wait reads the
 * completion with a relaxed load on purpose, as a driver polling a register
 * without acquire may: the core's barrier, not the driver's, provides the
 * order.  x86 keeps loads in order anyway, so on this machine the normal
 * build can fail only if the second look is missing or misplaced (compiler
 * reordering included); on a weakly ordered CPU it also tests the barrier.
 *
 * A waits for I's first submission before it publishes, so I's first load
 * always misses the device and every iteration needs the second look: with
 * --ablate recheck (a -Dablations=true build) the first iteration must show
 * the outcome.
 *
 * How long it runs: --iterations N (default 1000) stops it after N
 * iterations (with --ablate: at the first forbidden outcome, failing when N
 * iterations showed none); --seconds S limits a stall: no iteration for S
 * seconds stops it with "HANG" (exit 1).
 */
#include <pthread.h>

#include "litmus.h"

#define BASE_SID 1
#define NEW_SID 2
#define CMD_BYTES 16

static struct litmus_one lit;

static uint64_t ste;		/* the new device's configuration: the iteration that installed it */
static uint64_t submitted;	/* last completion token submitted */
static uint64_t completed;	/* last completion token the "hardware" completed */
static int i_done;		/* I's invalidation returned (this iteration) */
static bool i_covered;		/* I built an ATC command for the new device */
static uint64_t arrivals;	/* spin barrier */
static int stop;		/* set by main */
static int quit;		/* the invalidator's decision, passed through the barrier */
static __thread bool is_invalidator;

static uint64_t iterations, forbidden;

static void lit_build(struct invt_batch *b, const struct invt_inv *inv, const struct invt_range *r)
{
	invt_batch_reserve(b, CMD_BYTES);
	if (is_invalidator && (inv->type == INVT_INV_ATC || inv->type == INVT_INV_ATC_FULL) &&
	    inv->id == NEW_SID)
		i_covered = true;
}

static void lit_build_sync(struct invt_batch *b)
{
	invt_batch_reserve(b, CMD_BYTES);
}

/* Only I and A submit, never at once: A's own flushes run while I is between iterations. */
static int lit_submit(struct invt_batch *b, uint64_t *token)
{
	/* Release: pairs with A's acquire (it "fetches" our commands). */
	*token = __atomic_add_fetch(&submitted, 1, __ATOMIC_RELEASE);
	return 0;
}

static int lit_wait(struct invt_iommu *unused, uint64_t token)
{
	unsigned int spins = 0;

	if (!is_invalidator) {
		/* A's own flushes: the hardware is A; complete them at once. */
		__atomic_store_n(&completed, token, __ATOMIC_RELEASE);
		return 0;
	}
	/* Relaxed on purpose: see the comment at the top. */
	while (__atomic_load_n(&completed, __ATOMIC_RELAXED) < token)
		litmus_relax(&spins);
	return 0;
}

static const struct invt_iommu_ops lit_ops = {
	.build = lit_build,
	.build_sync = lit_build_sync,
	.submit = lit_submit,
	.wait = lit_wait,
};

static void spin_barrier(uint64_t *gen)
{
	litmus_spin_barrier(&arrivals, gen, true);
}

static void *attacher(void *arg)
{
	uint64_t gen = 0, iter = 0, seen;
	struct invt_attach tx;

	invt_rcu_register_thread();
	for (;;) {
		unsigned int spins = 0;

		seen = __atomic_load_n(&submitted, __ATOMIC_ACQUIRE);
		spin_barrier(&gen);
		/* Stored before the invalidator arrived: the barrier orders it. */
		if (__atomic_load_n(&quit, __ATOMIC_RELAXED))
			break;
		iter++;
		/* I's first submission: its first load of the array is behind us. */
		while (__atomic_load_n(&submitted, __ATOMIC_ACQUIRE) == seen)
			litmus_relax(&spins);
		if (invt_attach_prepare(&tx, &lit.new_dev, 0, &lit.dom))
			abort();
		/* Install, behind prepare's full barrier; the device uses it at once... */
		__atomic_store_n(&ste, iter, __ATOMIC_RELAXED);
		/*
		 * ...and refills its ATC from the IOTLB entry, before the hardware
		 * completes I's IOTLB invalidation: complete what was submitted,
		 * until I returns.  Release: pairs with the core's load->load
		 * barrier after I's relaxed completion load.
		 */
		while (!__atomic_load_n(&i_done, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&completed, __atomic_load_n(&submitted, __ATOMIC_ACQUIRE),
					 __ATOMIC_RELEASE);
			litmus_relax(&spins);
		}
		invt_attach_commit(&tx);
		spin_barrier(&gen);
		if (invt_attach(&lit.new_dev, 0, NULL))
			abort();
		spin_barrier(&gen);
	}
	invt_rcu_unregister_thread();
	return NULL;
}

static void *invalidator(void *arg)
{
	uint64_t gen = 0;
	bool bad;

	invt_rcu_register_thread();
	is_invalidator = true;
	for (;;) {
		int q = __atomic_load_n(&stop, __ATOMIC_RELAXED);

		/* One thread decides when both stop, or one would wait forever. */
		__atomic_store_n(&quit, q, __ATOMIC_RELAXED);
		i_covered = false;
		__atomic_store_n(&i_done, 0, __ATOMIC_RELAXED);
		spin_barrier(&gen);
		if (q)
			break;
		if (invt_domain_invalidate(&lit.dom, 0, 4096, true))
			abort();
		__atomic_store_n(&i_done, 1, __ATOMIC_RELEASE);
		spin_barrier(&gen);
		/* A installed before it completed our IOTLB invalidation: the ATC refilled. */
		bad = !i_covered;
		/* Relaxed stores (this thread is the only writer): main polls both. */
		__atomic_store_n(&forbidden, forbidden + bad, __ATOMIC_RELAXED);
		__atomic_store_n(&iterations, iterations + 1, __ATOMIC_RELAXED);
		spin_barrier(&gen);
	}
	invt_rcu_unregister_thread();
	return NULL;
}

int main(int argc, char **argv)
{
	struct litmus_opts o = { .seconds = 60, .want = 1000 };
	double elapsed;
	bool stalled;
	pthread_t ta, ti;
	int ret;

	if (litmus_parse(argc, argv, &o))
		return 2;
	invt_rcu_register_thread();
	/* The base device gives I an IOTLB entry to invalidate, shared with the new one. */
	if (litmus_one_init(&lit, &lit_ops, o.ablate, BASE_SID, NEW_SID, true))
		return 2;
	pthread_create(&ta, NULL, attacher, NULL);
	pthread_create(&ti, NULL, invalidator, NULL);
	stalled = litmus_monitor(&o, &iterations, &forbidden, &elapsed);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(ti, NULL);
	pthread_join(ta, NULL);

	printf("litmus_recheck: ablate=%s %.2f s, %llu iterations: forbidden=%llu\n",
	       o.ablate ? o.ablate : "none", elapsed, (unsigned long long)iterations,
	       (unsigned long long)forbidden);
	ret = litmus_one_destroy(&lit);
	invt_rcu_unregister_thread();
	if (ret)
		return 1;
	return litmus_verdict("litmus_recheck", o.ablate, stalled, forbidden, o.seconds, iterations,
			      o.want);
}
