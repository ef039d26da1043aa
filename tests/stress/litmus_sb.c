// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * litmus_sb.c - the unmap-vs-attach store-buffering race, in lockstep.
 *
 *   invalidator (I)                      attacher (A)
 *   pte = CLEARED                        invt_attach_prepare(): publish array
 *   [fast-path full barrier]             [prepare's full barrier]
 *   invt_domain_invalidate():            the new device's hardware reads pte
 *     load array, target what it names
 *
 * Forbidden: I's invalidation does not target the device AND A's hardware
 * read the PTE as still mapped; the device would keep a translation that no
 * one invalidates.  Each iteration the two threads meet at a spin barrier,
 * then I waits a random number of pause loops so that, over many
 * iterations, its store and load sweep across A's publish.  The normal
 * build must never show the outcome; with --ablate barrier (a
 * -Dablations=true build) the run must show it, and reports how often.
 *
 * The PTE store goes through invt_sb_store(): in ablation builds it waits in
 * an emulated store buffer until the next full barrier, or until the hook
 * after the fast path's array load drains it after a random delay (the
 * drain latency of a real store buffer, stretched).  Without the emulation
 * the window is a few nanoseconds: on the development machine (AMD EPYC,
 * 2 vCPUs) 4 million lockstep iterations showed the outcome 0 times.
 *
 * How long it runs: --iterations N stops it after N iterations (with
 * --ablate: at the first forbidden outcome, failing when N iterations
 * showed none); --seconds S then limits a stall, not the run: no iteration
 * for S seconds stops it with "HANG" (exit 1).  Without --iterations it
 * runs for --seconds.
 */
#include <pthread.h>

#include "litmus.h"
#include "record.h"

#define MAPPED 1ull
#define CLEARED 2ull

static struct invt_ctx ctx;
static struct invt_recorder rec;
static struct invt_rec_iommu ri;
static struct invt_domain dom;
static struct invt_device dev;

static uint64_t pte = MAPPED;
static uint64_t a_saw;		/* what A's hardware read this iteration */
static bool i_covered;		/* I's invalidation targeted the device */
static uint64_t arrivals;	/* spin barrier */
static int stop;		/* set by main */
static int quit;		/* the invalidator's decision, passed through the barrier */
static __thread bool is_invalidator;

static uint64_t iterations, forbidden, missed, saw_mapped;

static uint64_t hook_seed = 88172645463325252ull;

/* Ablation builds: the invalidator's store buffer drains some time after its load. */
static void drain_hook(void *arg, int point)
{
	unsigned int k;

	if (point != INVT_HOOK_INVALIDATE_LOADED || !is_invalidator)
		return;
	hook_seed ^= hook_seed << 13;
	hook_seed ^= hook_seed >> 7;
	hook_seed ^= hook_seed << 17;
	for (k = hook_seed % 1024; k; k--)
		__builtin_ia32_pause();
	invt_sb_drain();
}

static void on_cmd(void *arg, struct invt_rec_iommu *r, const struct invt_rec_cmd *c)
{
	if (is_invalidator && c->op != INVT_REC_SYNC)
		i_covered = true;
}

/* Pause only: both threads on a core, so that the random delays sweep. */
static void spin_barrier(uint64_t *gen)
{
	litmus_spin_barrier(&arrivals, gen, false);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *attacher(void *arg)
{
	uint64_t gen = 0;
	struct invt_attach tx;

	invt_rcu_register_thread();
	for (;;) {
		spin_barrier(&gen);
		/* Stored before the invalidator arrived: the barrier orders it. */
		if (__atomic_load_n(&quit, __ATOMIC_RELAXED))
			break;
		if (invt_attach_prepare(&tx, &dev, 0, &dom))
			abort();
		/* Installed at once: the hardware walks the table. */
		__atomic_store_n(&a_saw, __atomic_load_n(&pte, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
		invt_attach_commit(&tx);
		spin_barrier(&gen);
		if (invt_attach(&dev, 0, NULL))
			abort();
		spin_barrier(&gen);
	}
	invt_rcu_unregister_thread();
	return NULL;
}

static void *invalidator(void *arg)
{
	uint64_t gen = 0, s = *(uint64_t *)arg | 1;
	bool bad;

	invt_rcu_register_thread();
	is_invalidator = true;
	for (;;) {
		unsigned int k = rnd(&s) % 512;
		int q = __atomic_load_n(&stop, __ATOMIC_RELAXED);

		/* One thread decides when both stop, or one would wait forever. */
		__atomic_store_n(&quit, q, __ATOMIC_RELAXED);
		i_covered = false;
		spin_barrier(&gen);
		if (q)
			break;
		while (k--)
			__builtin_ia32_pause();
		/* The unmap's PTE store; the core's barrier must order it before the load. */
		invt_sb_store(&pte, CLEARED);
		invt_domain_invalidate(&dom, 0, 4096, true);
		invt_sb_drain();
		spin_barrier(&gen);
		missed += !i_covered;
		saw_mapped += __atomic_load_n(&a_saw, __ATOMIC_RELAXED) == MAPPED;
		bad = !i_covered && __atomic_load_n(&a_saw, __ATOMIC_RELAXED) == MAPPED;
		/* Relaxed stores (this thread is the only writer): main polls both. */
		__atomic_store_n(&forbidden, forbidden + bad, __ATOMIC_RELAXED);
		__atomic_store_n(&iterations, iterations + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&pte, MAPPED, __ATOMIC_RELAXED);
		spin_barrier(&gen);
	}
	invt_rcu_unregister_thread();
	return NULL;
}

int main(int argc, char **argv)
{
	struct litmus_opts o = { .seconds = 3, .seed = (uint64_t)time(NULL) };
	double elapsed;
	bool stalled;
	pthread_t ta, ti;
	uint32_t sid = 1;
	int ret = 0;

	if (litmus_parse(argc, argv, &o))
		return 2;
	invt_rcu_register_thread();
	invt_ctx_init(&ctx);
	invt_recorder_init(&rec, false);
	rec.on_cmd = on_cmd;
	ctx.hook = drain_hook;
	ret |= invt_rec_iommu_init(&ctx, &ri, &rec, 0, INVT_IOMMU_SYNC_ORDERS, 8, NULL, 4);
	ret |= invt_domain_init(&ctx, &dom, INVT_DOMAIN_S2, NULL);
	ret |= invt_device_init(&dev, &ri.iommu, &sid, 1, 1, false);
	if (ret || litmus_ablate(&ctx, o.ablate))
		return 2;
	pthread_create(&ta, NULL, attacher, NULL);
	pthread_create(&ti, NULL, invalidator, &o.seed);
	stalled = litmus_monitor(&o, &iterations, &forbidden, &elapsed);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(ti, NULL);
	pthread_join(ta, NULL);

	printf("litmus_sb: seed=%llu ablate=%s %.2f s, %llu iterations: missed=%llu saw_mapped=%llu forbidden=%llu\n",
	       (unsigned long long)o.seed, o.ablate ? o.ablate : "none", elapsed,
	       (unsigned long long)iterations, (unsigned long long)missed,
	       (unsigned long long)saw_mapped, (unsigned long long)forbidden);
	ret = invt_device_destroy(&dev) | invt_domain_destroy(&dom) | invt_rec_iommu_destroy(&ri) |
	      invt_ctx_destroy(&ctx);
	invt_recorder_destroy(&rec);
	invt_rcu_unregister_thread();
	if (ret)
		return 1;
	return litmus_verdict("litmus_sb", o.ablate, stalled, forbidden, o.seconds, iterations,
			      o.want);
}
