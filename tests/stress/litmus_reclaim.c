// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * litmus_reclaim.c - an array is not freed under an invalidation that holds it.
 *
 *   invalidator (I)                        attacher (A)
 *   invt_domain_invalidate():
 *     enter its section, full barrier,
 *     load array X, submit, then wait
 *     (the backend's wait holds I here)    invt_attach(): publish Y, retire X
 *                                          (full barrier, call_rcu); detach
 *                                          call_rcu(sentinel), after X's
 *     ...still inside its section          the sentinel ran? (forbidden)
 *   let go: the recheck reads X again
 *
 * In userspace the invalidator section is the arrays' read side: the fast
 * path takes no RCU read lock, and an array's call_rcu callback waits for
 * the sections in progress before it frees (src/core/compat-user.h,
 * invt_invs_read_lock()).  Forbidden: X's callback runs, so X is freed,
 * while I still holds X.  I is parked in the backend's wait, after its load
 * of X and before its recheck (which reads X's entries again when a newer
 * array was published); A retires X and then queues a sentinel callback
 * from the same thread, which liburcu runs after X's.  In the normal build
 * the sentinel cannot run before I is let go, whatever the timing: A gives
 * it --window-us microseconds per iteration (default 2000) and counts the
 * iteration as forbidden if it ran meanwhile.  With --ablate reclaim (a
 * -Dablations=true build: the callback does not wait for the sections) A
 * waits for the sentinel without a window, and the first iteration must
 * show the outcome; the run then stops at once, without letting I touch the
 * freed array.
 *
 * The other half of the argument, a section that starts while X is being
 * retired, is the store-buffering pair of the fast path's full barrier
 * (after the section's entry, before its load of the array) and the full
 * barriers of invt_invs_free_rcu() and of the callback (before it reads
 * the section records); it is the same pair as the detach quiescence's,
 * which stress_core's "barrier" and "quiesce" ablations exercise, and the
 * sanitizer runs of stress_core would see a use after free.
 *
 * How long it runs: --iterations N (default 200); --seconds S limits a
 * stall: no iteration for S seconds stops it with "HANG" (exit 1).
 */
#include <pthread.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "litmus.h"

#define CMD_BYTES 16

static struct litmus_one lit;

static __thread bool is_invalidator;
static uint64_t held;		/* I is parked in its wait (this iteration) */
static int go;			/* A lets I go */
static uint64_t sentinel_done;	/* A's call_rcu sentinel ran: X's callback too */
static uint64_t started;	/* A starts I's next invalidation; ~0: I stops */
static uint64_t finished;	/* I's invalidations that returned */

static void lit_build(struct invt_batch *b, const struct invt_inv *inv, const struct invt_range *r)
{
	invt_batch_reserve(b, CMD_BYTES);
}

static void lit_build_sync(struct invt_batch *b)
{
	invt_batch_reserve(b, CMD_BYTES);
}

static int lit_submit(struct invt_batch *b, uint64_t *token)
{
	*token = 1;
	return 0;
}

/* I parks here, inside its section, holding the array it loaded. */
static int lit_wait(struct invt_iommu *unused, uint64_t token)
{
	unsigned int spins = 0;

	if (!is_invalidator)
		return 0;
	/* Release / acquire: A sees I parked after I's load of the array. */
	__atomic_store_n(&held, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		litmus_relax(&spins);
	__atomic_store_n(&go, 0, __ATOMIC_RELAXED);
	return 0;
}

static const struct invt_iommu_ops lit_ops = {
	.build = lit_build,
	.build_sync = lit_build_sync,
	.submit = lit_submit,
	.wait = lit_wait,
};

/*
 * One invalidation per iteration, when A starts it: between two, I is
 * outside any section, so the callbacks of an iteration can finish.
 */
static void *invalidator(void *arg)
{
	uint64_t n = 0, s;

	invt_rcu_register_thread();
	is_invalidator = true;
	for (;;) {
		unsigned int spins = 0;

		while ((s = __atomic_load_n(&started, __ATOMIC_ACQUIRE)) == n)
			litmus_relax(&spins);
		if (s == UINT64_MAX)
			break;
		if (invt_domain_invalidate(&lit.dom, 0, 4096, true))
			abort();
		__atomic_store_n(&finished, ++n, __ATOMIC_RELEASE);
	}
	invt_rcu_unregister_thread();
	return NULL;
}

/*
 * Queued by A after the attach that retired X, from the same thread: liburcu
 * runs a thread's callbacks in the order they were queued, so when this one
 * runs, X's has run (and freed X).
 */
static void sentinel_cb(struct rcu_head *head)
{
	__atomic_store_n(&sentinel_done, 1, __ATOMIC_RELEASE);
}

/* Wait until *@flag >= @v; false after @seconds without (a stall). */
static bool wait_count(uint64_t *flag, uint64_t v, double seconds)
{
	double t0 = litmus_now_s();
	unsigned int spins = 0;

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < v) {
		if (litmus_now_s() - t0 >= seconds)
			return false;
		litmus_relax(&spins);
	}
	return true;
}

int main(int argc, char **argv)
{
	struct litmus_opts o = { .seconds = 60, .want = 200, .window_us = 2000 };
	const char *ablate;
	double seconds, window, t0 = litmus_now_s();
	uint64_t want, iter = 0, forbidden = 0;
	bool stalled = false;
	struct rcu_head sentinel;
	pthread_t ti;
	int ret;

	if (litmus_parse(argc, argv, &o))
		return 2;
	ablate = o.ablate;
	seconds = o.seconds;
	want = o.want;
	window = o.window_us / 1e6;
	invt_rcu_register_thread();
	/*
	 * The ablation comes before the set-up retires its first array
	 * (litmus_one_init()): a callback queued earlier would still wait for
	 * I's section, and the sentinel, queued behind it, could not run.
	 */
	if (litmus_one_init(&lit, &lit_ops, ablate, 1, 2, false))
		return 2;
	pthread_create(&ti, NULL, invalidator, NULL);
	for (iter = 0; iter < want; iter++) {
		bool early;

		__atomic_store_n(&started, iter + 1, __ATOMIC_RELEASE);
		/* I holds the current array X, inside its section. */
		if (!wait_count(&held, 1, seconds)) {
			stalled = true;
			break;
		}
		__atomic_store_n(&held, 0, __ATOMIC_RELAXED);
		/*
		 * Publish a new array, retiring X (the attach merges), then detach
		 * again: that lowers a users count in place (the IOTLB entry is
		 * shared with base_dev), so the next iteration's I loads the array
		 * this attach published, and every iteration retires exactly the
		 * array I holds.
		 */
		if (invt_attach(&lit.new_dev, 0, &lit.dom) || invt_attach(&lit.new_dev, 0, NULL))
			abort();
		__atomic_store_n(&sentinel_done, 0, __ATOMIC_RELAXED);
		urcu_memb_call_rcu(&sentinel, sentinel_cb);
		if (ablate) {
			if (!wait_count(&sentinel_done, 1, seconds)) {
				stalled = true;
				break;
			}
		} else {
			wait_count(&sentinel_done, 1, window);
		}
		early = __atomic_load_n(&sentinel_done, __ATOMIC_ACQUIRE);
		forbidden += early;
		if (early && ablate) {
			/* X is freed and I still holds it: stop before I reads it. */
			printf("litmus_reclaim: ablate=%s %.2f s, %llu iterations: "
			       "forbidden=%llu\n", ablate, litmus_now_s() - t0,
			       (unsigned long long)iter + 1, (unsigned long long)forbidden);
			fflush(stdout);
			_exit(litmus_verdict("litmus_reclaim", ablate, false, forbidden, seconds,
					     iter + 1, want));
		}
		/* Let I go: its recheck reads X; then X's callback may run. */
		__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
		if (!wait_count(&finished, iter + 1, seconds)) {
			stalled = true;
			break;
		}
		/* Our sentinel runs once I's section ended: then it can be queued again. */
		if (!wait_count(&sentinel_done, 1, seconds)) {
			stalled = true;
			break;
		}
	}
	if (stalled) {
		/* I may be stuck: report without joining. */
		printf("litmus_reclaim: ablate=%s stalled at %llu of %llu iterations\n",
		       ablate ? ablate : "none", (unsigned long long)iter,
		       (unsigned long long)want);
		fflush(stdout);
		_exit(litmus_verdict("litmus_reclaim", ablate, true, forbidden, seconds, iter,
				     want));
	}
	__atomic_store_n(&started, UINT64_MAX, __ATOMIC_RELEASE);
	pthread_join(ti, NULL);

	printf("litmus_reclaim: ablate=%s %.2f s, %llu iterations: forbidden=%llu\n",
	       ablate ? ablate : "none", litmus_now_s() - t0, (unsigned long long)iter,
	       (unsigned long long)forbidden);
	ret = litmus_one_destroy(&lit);
	invt_rcu_unregister_thread();
	if (ret)
		return 1;
	return litmus_verdict("litmus_reclaim", ablate, false, forbidden, seconds, iter, want);
}
