// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fastpath.c - cost of the invalidation fast path against its lower bound.
 *
 * Measures ns per single-page leaf invalidation (size 4096) in two ways:
 *
 *   core      invt_domain_invalidate() on a domain whose array has N entries:
 *             the thread's invalidator section (also the arrays' read side:
 *             no RCU read lock in userspace) and a full barrier (on x86 one
 *             locked add), array load, then the flush engine (an array on
 *             one instance: one straight-line scan of its phases, where the
 *             plan computed when the array was built says they end, one
 *             submission and one wait, inline; others: one scan per
 *             instance, pending waits; users checks in both), a load->load
 *             barrier and the second look at the array.
 *   baseline  the lower bound: one walk over a plain immutable C array of the
 *             same entries (no RCU, no barrier, no lock, no users check) that
 *             emits the same commands, with the same syncs, into the same
 *             struct invt_batch and the same backend, then waits once per
 *             instance.
 *   baseline_mb  the same walk after one full barrier (invt_smp_mb()): the
 *             bound for any design that must order the caller's page-table
 *             update before it reads what to invalidate (ratio_mb).
 *
 * Backend: a bench-local arch backend (struct invt_iommu_ops) so that the
 * backend costs the same, and little, on both paths.  build encodes one
 * 16-byte command per page / ATC entry into the batch (invt_batch_reserve);
 * build_sync encodes a 16-byte completion command; submit only folds the
 * batch's bytes into a per-thread checksum and counters (no lock, no log);
 * wait only counts.  Instances declare INVT_IOMMU_SYNC_ORDERS (SMMUv3-like):
 * one submission and one wait per instance and invalidation.
 *
 * Topology, for N entries in the domain's (stage-1) array:
 *   N = 1:   one instance, one device without ATS: one IOTLB_S1 entry.
 *            Commands per invalidation: 1 page + 1 sync = 2.
 *   N >= 4:  N/4 instances; behind each, 3 ATS devices (one SID each) attached
 *            to the domain: one IOTLB_S1 entry (the domain's tag on that
 *            instance, 3 users) and 3 ATC entries per instance.  Commands per
 *            instance: 1 page + sync + 3 ATC + sync = 6 (N = 256: 64
 *            instances, 384 commands).
 * Churn (churn=RATE): a second thread attaches and detaches one more device,
 *   without ATS, on instance 0, with invt_attach(dev, 0, dom) and
 *   invt_attach(dev, 0, NULL), RATE pairs a second (--churn-rate, default
 *   100000, paced in ticks of 100 us; churn=max: as fast as it can).  Each
 *   attach publishes a new array (merge + call_rcu), each detach lowers the
 *   IOTLB entry's users in place; the entries, hence the commands, never
 *   change, so every path still emits exactly the same commands.  The churn
 *   thread runs during all paths' repetitions (they are interleaved), so all
 *   share the CPU with it.
 *
 * Every case first checks, once, that one core invalidation and one baseline
 * invalidation emit the same commands (count, syncs and a checksum of the
 * bytes) and the expected count, and after timing that each path emitted
 * iterations x that count; any difference aborts with a message.  Timings are
 * reported, never asserted.  Iterations are calibrated so that each case runs
 * for about 0.7 s on an idle machine (--quick: a few ms); REPS repetitions
 * of each path, interleaved (core, baseline, baseline_mb back to back),
 * after a warm-up (--reps N sets how many; the three paths of one
 * repetition run back to back, in an order that rotates from one
 * repetition to the next, so that no path always runs first).  Printed:
 * ratio / ratio_mb, the median core time over the median baseline time;
 * ratio_paired / ratio_mb_paired, the median of the per-repetition ratios
 * (each of three runs back to back, so a busy machine slows both sides of
 * one ratio alike: the estimate to read on a shared machine), with their
 * interquartile range (ratio_paired_iqr, ratio_mb_paired_iqr: the first
 * and third quartiles of the per-repetition ratios, the spread to read
 * before trusting a difference of a few per cent); ratio_min /
 * ratio_mb_min, fastest over fastest.
 * --entries N runs one array size only (for profiling).  --clock cpu times
 * both paths by the thread's CPU time instead of the wall clock, so that
 * time spent preempted by other processes does not count (a shared machine).
 *
 * --ats-lock: what ATC entries cost two invalidating threads, at each size
 * >= 4: ns per invalidation and thread with 1 and 2 threads, on the
 * topology with ATS and on the same devices with ATS off (fewer commands,
 * so compare each topology's 2-thread/1-thread ratio), then the cost of one
 * uncontended and one two-thread-contended read_lock+read_unlock pair of a
 * writer-preferring pthread rwlock: what the read side of a domain rwlock
 * (Linux 7.1's SMMUv3 array, and invtrack before its invalidator sections)
 * adds to every invalidation of an array with ATC entries.
 */
#define BENCH_NAME "fastpath"
#include "bench-common.h"

#include <pthread.h>

#ifndef FASTPATH_BUILDTYPE
#define FASTPATH_BUILDTYPE "unknown"
#endif
/*
 * 1 in a -Durcu_inline=true build, which changes bench/peers only: the
 * core takes no RCU read lock on its fast path (its section is the read side).
 */
#ifndef BENCH_URCU_INLINE
#define BENCH_URCU_INLINE 0
#endif

/* Repetitions of each path per case: --reps, default REPS. */
#define REPS 15
#define MAX_REPS 201
#define CHURN_TICK_NS 100000ull

/* ------------------------------------------------------------ baseline */

static int phase_of(uint8_t type)
{
	if (type <= INVT_INV_IOTLB_S2)
		return 0;
	return type == INVT_INV_IOTLB_S2_S1_CLEAR ? 1 : 2;
}

/*
 * The lower bound: one pass over a sorted, immutable array; per instance one
 * batch, a completion command after each non-empty phase, one submission;
 * then one wait per instance.  For SYNC_ORDERS instances only.
 */
static __attribute__((noinline)) void baseline_flush(const struct invt_inv *inv, size_t n,
						     const struct invt_range *r)
{
	struct invt_iommu *pend[MAX_INSTANCES];
	uint64_t tok[MAX_INSTANCES];
	unsigned int np = 0, k;
	struct invt_batch b;
	size_t i = 0;

	while (i < n) {
		struct invt_iommu *iommu = inv[i].iommu;
		const struct invt_iommu_ops *ops = iommu->ops;
		int phase = phase_of(inv[i].type);

		invt_batch_init(&b, iommu);
		for (; i < n && inv[i].iommu == iommu; i++) {
			int p = phase_of(inv[i].type);

			if (p != phase) {
				ops->build_sync(&b);
				b.syncs++;
				phase = p;
			}
			ops->build(&b, &inv[i], r);
		}
		ops->build_sync(&b);
		b.syncs++;
		pend[np] = iommu;
		tok[np++] = invt_batch_submit(&b);
	}
	for (k = 0; k < np; k++)
		pend[k]->ops->wait(pend[k], tok[k]);
}

/* --------------------------------------------------------------- churn */

struct churn {
	struct invt_device *dev;
	struct invt_domain *dom;
	double rate;		/* attach+detach pairs/s; < 0: as fast as it can */
	pthread_t th;
	int stop;
	int err;
	uint64_t ops;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	uint64_t ops = 0, tick = 0, per_tick = 1, next = 0, k;
	struct timespec ts;
	int ret = 0;

	invt_rcu_register_thread();
	if (c->rate > 0) {
		/* Pairs per tick of CHURN_TICK_NS; longer ticks below 1 per tick. */
		tick = CHURN_TICK_NS;
		per_tick = (uint64_t)(c->rate * tick / 1e9 + 0.5);
		if (!per_tick) {
			per_tick = 1;
			tick = (uint64_t)(1e9 / c->rate);
		}
		next = (uint64_t)(now_s() * 1e9);
	}
	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		for (k = 0; k < per_tick && !ret; k++) {
			ret = invt_attach(c->dev, 0, c->dom);
			if (!ret)
				ret = invt_attach(c->dev, 0, NULL);
			if (!ret)
				ops += 2;
		}
		if (ret)
			break;
		if (tick) {
			next += tick;
			if ((uint64_t)(now_s() * 1e9) < next) {
				ts.tv_sec = (time_t)(next / 1000000000ull);
				ts.tv_nsec = (long)(next % 1000000000ull);
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			}
		}
	}
	c->err = ret;
	c->ops = ops;
	invt_rcu_unregister_thread();
	return NULL;
}

static void churn_start(struct churn *c, struct topo *t, double rate)
{
	memset(c, 0, sizeof(*c));
	c->dev = &t->churn_dev;
	c->dom = &t->dom;
	c->rate = rate;
	check(pthread_create(&c->th, NULL, churn_main, c), "pthread_create");
}

static uint64_t churn_stop(struct churn *c)
{
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELAXED);
	check(pthread_join(c->th, NULL), "pthread_join");
	check(c->err, "churn attach/detach");
	return c->ops;
}

/*
 * --clock cpu: the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so
 * that time the thread spends preempted by other processes does not count;
 * on a shared machine that is most of the noise.  Both paths are timed the
 * same way; the churn thread's CPU time is its own.
 */
static bool clock_cpu;

static double path_s(void)
{
	return clock_cpu ? thread_cpu_s() : now_s();
}

/* Not inlined: callgrind runs toggle collection on it (docs/performance.md). */
static __attribute__((noinline)) double run_core(struct topo *t, uint64_t iters)
{
	double t0 = path_s();
	int ret = 0;
	uint64_t i;

	for (i = 0; i < iters; i++)
		ret |= invt_domain_invalidate(&t->dom, BENCH_IOVA, BENCH_SIZE, true);
	t0 = path_s() - t0;
	check(ret, "invt_domain_invalidate");
	return t0;
}

/* Seconds for @iters baseline invalidations, each after a full barrier if @mb. */
static __attribute__((noinline)) double run_baseline(struct topo *t, uint64_t iters, bool mb)
{
	double t0 = path_s();
	uint64_t i;

	if (mb) {
		for (i = 0; i < iters; i++) {
			/* What the core's smp_mb costs; pairs with nothing here. */
			invt_smp_mb();
			baseline_flush(t->base, t->nr_base, &bench_range);
		}
	} else {
		for (i = 0; i < iters; i++)
			baseline_flush(t->base, t->nr_base, &bench_range);
	}
	return path_s() - t0;
}

static void check_same_commands(struct topo *t, const char *churn)
{
	struct sink before = sink, core, base;

	run_core(t, 1);
	core = sink_delta(&before);
	before = sink;
	run_baseline(t, 1, false);
	base = sink_delta(&before);

	if (core.cmds != base.cmds || core.syncs != base.syncs || core.sum != base.sum)
		die("entries=%u churn=%s: core emitted %" PRIu64 " commands (%" PRIu64
		    " syncs, checksum %016" PRIx64 "), baseline %" PRIu64 " (%" PRIu64
		    " syncs, checksum %016" PRIx64 ")", t->entries, churn, core.cmds, core.syncs,
		    core.sum, base.cmds, base.syncs, base.sum);
	if (core.cmds != t->expect_cmds || core.syncs != t->expect_syncs)
		die("entries=%u churn=%s: %" PRIu64 " commands (%" PRIu64 " syncs), expected %"
		    PRIu64 " (%" PRIu64 ")", t->entries, churn, core.cmds, core.syncs,
		    t->expect_cmds, t->expect_syncs);
	if (core.submits != base.submits || core.waits != base.waits)
		die("entries=%u churn=%s: core %" PRIu64 " submits / %" PRIu64 " waits, baseline %"
		    PRIu64 " / %" PRIu64, t->entries, churn, core.submits, core.waits,
		    base.submits, base.waits);
}

struct result {
	unsigned int entries;
	unsigned int instances;
	bool churn;
	char churn_label[24];
	double core_ns;
	double baseline_ns;
	double baseline_mb_ns;
	double core_min_ns;
	double core_max_ns;
	double baseline_min_ns;
	double baseline_max_ns;
	double baseline_mb_min_ns;
	double ratio_paired;
	double ratio_mb_paired;
	double ratio_paired_q1;
	double ratio_paired_q3;
	double ratio_mb_paired_q1;
	double ratio_mb_paired_q3;
	uint64_t cmds;
	uint64_t iters;
	double churn_ops_per_s;
	double seconds;
};

struct opts {
	bool quick;
	bool json;
	bool ats_lock;
	unsigned int only;	/* one array size (--entries), 0: all */
	int reps;		/* repetitions of each path per case (--reps) */
	double churn_rate;	/* pairs/s; < 0: max */
};

static void churn_label(char *buf, size_t len, bool on, double rate)
{
	if (!on)
		snprintf(buf, len, "off");
	else if (rate < 0)
		snprintf(buf, len, "max");
	else if (rate >= 1000 && (uint64_t)rate % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "k", (uint64_t)rate / 1000);
	else
		snprintf(buf, len, "%.0f", rate);
}

static void check_total(const struct topo *t, const char *path, const char *cname,
			const struct sink *before, uint64_t iters)
{
	uint64_t total = sink_delta(before).cmds;

	if (total != iters * t->expect_cmds)
		die("entries=%u churn=%s: %s emitted %" PRIu64 " commands in %" PRIu64
		    " invalidations, expected %" PRIu64, t->entries, cname, path, total, iters,
		    iters * t->expect_cmds);
}

/* Quantile @q of the @n sorted values @v (linear between neighbours). */
static double quantile(const double *v, int n, double q)
{
	double pos = q * (n - 1);
	int k = (int)pos;

	return k + 1 < n ? v[k] + (pos - k) * (v[k + 1] - v[k]) : v[k];
}

/* One repetition's run of path @path (0 core, 1 baseline, 2 baseline_mb): ns per call. */
static double run_path(struct topo *t, int path, uint64_t iters, const char *cname)
{
	static const char *const names[] = { "core", "baseline", "baseline_mb" };
	struct sink before = sink;
	double ns;

	if (!path)
		ns = run_core(t, iters) * 1e9 / iters;
	else
		ns = run_baseline(t, iters, path == 2) * 1e9 / iters;
	check_total(t, names[path], cname, &before, iters);
	return ns;
}

static void run_case(struct topo *t, bool churn_on, const struct opts *o, struct result *res)
{
	char cname[24];
	/* Per repetition of one path: 3 paths x 15 reps ~ 0.7 s a case. */
	double rep_s = o->quick ? 0.0002 : 0.015, calib_s = o->quick ? 0.0002 : 0.004;
	double core_t[MAX_REPS], base_t[MAX_REPS], mb_t[MAX_REPS], pair[MAX_REPS];
	double pair_mb[MAX_REPS], ns[3];
	double t0 = now_s(), el;
	uint64_t iters = 1, churn_ops = 0;
	int rep, reps = o->reps, k;
	struct churn c;

	churn_label(cname, sizeof(cname), churn_on, o->churn_rate);
	if (churn_on)
		churn_start(&c, t, o->churn_rate);

	check_same_commands(t, cname);

	/*
	 * Calibrate on the core path (the slower one): double until a run
	 * takes calib_s, then take the best of 3 runs, so that one preemption
	 * (churn, RCU worker) does not shrink the repetitions.  Warm all up.
	 */
	while ((el = run_core(t, iters)) < calib_s)
		iters *= 2;
	for (rep = 0; rep < 2; rep++) {
		double e = run_core(t, iters);

		if (e < el)
			el = e;
	}
	iters = (uint64_t)(rep_s * iters / el);
	if (!iters)
		iters = 1;
	run_core(t, iters);
	run_baseline(t, iters, false);
	run_baseline(t, iters, true);

	for (rep = 0; rep < reps; rep++) {
		/*
		 * The three back to back, on the same machine state (paired);
		 * the first of them rotates, so that none always runs first.
		 */
		for (k = 0; k < 3; k++) {
			int path = (rep + k) % 3;

			ns[path] = run_path(t, path, iters, cname);
		}
		core_t[rep] = ns[0];
		base_t[rep] = ns[1];
		mb_t[rep] = ns[2];
		pair[rep] = ns[0] / ns[1];
		pair_mb[rep] = ns[0] / ns[2];
	}

	if (churn_on)
		churn_ops = churn_stop(&c);
	el = now_s() - t0;

	memset(res, 0, sizeof(*res));
	res->entries = t->entries;
	res->instances = t->nr_iommus;
	res->churn = churn_on;
	memcpy(res->churn_label, cname, sizeof(cname));
	/* median() sorts its array: the quartiles read the sorted values. */
	res->ratio_paired = median(pair, reps);
	res->ratio_paired_q1 = quantile(pair, reps, 0.25);
	res->ratio_paired_q3 = quantile(pair, reps, 0.75);
	res->ratio_mb_paired = median(pair_mb, reps);
	res->ratio_mb_paired_q1 = quantile(pair_mb, reps, 0.25);
	res->ratio_mb_paired_q3 = quantile(pair_mb, reps, 0.75);
	res->core_ns = median(core_t, reps);
	res->baseline_ns = median(base_t, reps);
	res->baseline_mb_ns = median(mb_t, reps);
	res->core_min_ns = core_t[0];
	res->core_max_ns = core_t[reps - 1];
	res->baseline_min_ns = base_t[0];
	res->baseline_mb_min_ns = mb_t[0];
	res->baseline_max_ns = base_t[reps - 1];
	res->cmds = t->expect_cmds;
	res->iters = iters;
	res->churn_ops_per_s = churn_ops / el;
	res->seconds = el;
}

static double ratio_of(const struct result *r)
{
	return r->baseline_ns > 0 ? r->core_ns / r->baseline_ns : 0;
}

static double ratio_mb_of(const struct result *r)
{
	return r->baseline_mb_ns > 0 ? r->core_ns / r->baseline_mb_ns : 0;
}

/* Fastest repetition over fastest repetition: what the machine's noise adds least to. */
static double ratio_min_of(const struct result *r)
{
	return r->baseline_min_ns > 0 ? r->core_min_ns / r->baseline_min_ns : 0;
}

static double ratio_mb_min_of(const struct result *r)
{
	return r->baseline_mb_min_ns > 0 ? r->core_min_ns / r->baseline_mb_min_ns : 0;
}

static bool ndebug(void)
{
#ifdef NDEBUG
	return true;
#else
	return false;
#endif
}

static void print_text_header(const struct opts *o)
{
	printf("# fastpath: ns per 4 KiB leaf invalidation, core=invt_domain_invalidate vs "
	       "baseline=plain array walk (baseline_mb: after one full barrier), same bench "
	       "backend (16 B cmds, sum-only submit, SYNC_ORDERS); topology: entries=1 -> 1 "
	       "instance x 1 non-ATS device, entries=N>=4 -> N/4 instances x (IOTLB_S1 + 3 ATS "
	       "devices = 3 ATC); churn: 2nd thread attach/detach pairs of a non-ATS device on "
	       "instance 0 per second (max: unpaced); median of %d reps (paired ratios: "
	       "median and interquartile range); build=%s ndebug=%d "
	       "urcu_inline=%d clock=%s%s\n",
	       o->reps, FASTPATH_BUILDTYPE, ndebug(), BENCH_URCU_INLINE,
	       clock_cpu ? "cpu" : "wall",
	       o->quick ? " quick" : "");
}

static void print_text(const struct result *r)
{
	printf("fastpath entries=%u churn=%s core_ns=%.1f baseline_ns=%.1f ratio=%.2f "
	       "baseline_mb_ns=%.1f ratio_mb=%.2f ratio_paired=%.2f ratio_mb_paired=%.2f "
	       "ratio_paired_iqr=%.3f-%.3f ratio_mb_paired_iqr=%.3f-%.3f "
	       "ratio_min=%.2f ratio_mb_min=%.2f instances=%u cmds=%" PRIu64 " iters=%" PRIu64
	       " core_range=%.1f-%.1f baseline_range=%.1f-%.1f churn_ops_per_s=%.0f\n",
	       r->entries, r->churn_label, r->core_ns, r->baseline_ns, ratio_of(r),
	       r->baseline_mb_ns, ratio_mb_of(r), r->ratio_paired, r->ratio_mb_paired,
	       r->ratio_paired_q1, r->ratio_paired_q3, r->ratio_mb_paired_q1,
	       r->ratio_mb_paired_q3, ratio_min_of(r), ratio_mb_min_of(r), r->instances, r->cmds, r->iters,
	       r->core_min_ns, r->core_max_ns, r->baseline_min_ns, r->baseline_max_ns,
	       r->churn_ops_per_s);
	fflush(stdout);
}

static void print_json(const struct result *res, size_t n, const struct opts *o)
{
	size_t i;

	printf("{\"benchmark\":\"fastpath\",\"build\":\"%s\",\"ndebug\":%s,\"urcu_inline\":%s,"
	       "\"clock\":\"%s\",\"quick\":%s,"
	       "\"reps\":%d,\"size\":%llu,\"backend\":\"bench\",\"churn_rate\":%.0f,\"cases\":[",
	       FASTPATH_BUILDTYPE, ndebug() ? "true" : "false",
	       BENCH_URCU_INLINE ? "true" : "false", clock_cpu ? "cpu" : "wall",
	       o->quick ? "true" : "false",
	       o->reps, BENCH_SIZE, o->churn_rate);
	for (i = 0; i < n; i++) {
		const struct result *r = &res[i];

		printf("%s\n {\"entries\":%u,\"instances\":%u,\"churn\":%s,\"churn_label\":\"%s\","
		       "\"core_ns\":%.2f,\"baseline_ns\":%.2f,\"ratio\":%.4f,"
		       "\"baseline_mb_ns\":%.2f,"
		       "\"ratio_mb\":%.4f,\"ratio_paired\":%.4f,\"ratio_mb_paired\":%.4f,"
		       "\"ratio_paired_q1\":%.4f,\"ratio_paired_q3\":%.4f,"
		       "\"ratio_mb_paired_q1\":%.4f,\"ratio_mb_paired_q3\":%.4f,"
		       "\"ratio_min\":%.4f,\"ratio_mb_min\":%.4f,"
		       "\"cmds\":%" PRIu64 ",\"iters\":%" PRIu64
		       ",\"core_min_ns\":%.2f,\"core_max_ns\":%.2f,\"baseline_min_ns\":%.2f,"
		       "\"baseline_max_ns\":%.2f,\"churn_ops_per_s\":%.0f,\"seconds\":%.3f}",
		       i ? "," : "", r->entries, r->instances, r->churn ? "true" : "false",
		       r->churn_label, r->core_ns, r->baseline_ns, ratio_of(r), r->baseline_mb_ns,
		       ratio_mb_of(r), r->ratio_paired, r->ratio_mb_paired, r->ratio_paired_q1,
		       r->ratio_paired_q3, r->ratio_mb_paired_q1, r->ratio_mb_paired_q3,
		       ratio_min_of(r),
		       ratio_mb_min_of(r), r->cmds, r->iters, r->core_min_ns, r->core_max_ns,
		       r->baseline_min_ns, r->baseline_max_ns, r->churn_ops_per_s, r->seconds);
	}
	printf("\n]}\n");
}

/* ------------------------------------------------- ATC entries, rwlock */

struct lock_arg {
	struct topo *t;
	pthread_rwlock_t *lock;	/* NULL: invalidate instead */
	pthread_barrier_t *go;
	int *stop;
	uint64_t n;
	double secs;
	int err;
};

static void *lock_main(void *arg)
{
	struct lock_arg *a = arg;
	uint64_t n = 0;
	double t0;
	int ret = 0;

	invt_rcu_register_thread();
	pthread_barrier_wait(a->go);
	t0 = now_s();
	while (!__atomic_load_n(a->stop, __ATOMIC_RELAXED)) {
		if (a->lock) {
			pthread_rwlock_rdlock(a->lock);
			pthread_rwlock_unlock(a->lock);
		} else {
			ret |= invt_domain_invalidate(&a->t->dom, BENCH_IOVA, BENCH_SIZE, true);
		}
		n++;
	}
	a->secs = now_s() - t0;
	a->n = n;
	a->err = ret;
	invt_rcu_unregister_thread();
	return NULL;
}

/* ns per operation and thread, @threads threads for @secs, median of REPS. */
static double lock_run(struct topo *t, pthread_rwlock_t *lock, unsigned int threads, double secs)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)(secs * 1e9) };
	struct lock_arg args[2];
	pthread_barrier_t go;
	pthread_t th[2];
	double v[REPS];
	unsigned int i;
	int stop, rep;

	for (rep = 0; rep < REPS; rep++) {
		double per_s = 0;

		stop = 0;
		check(pthread_barrier_init(&go, NULL, threads + 1), "pthread_barrier_init");
		for (i = 0; i < threads; i++) {
			args[i] = (struct lock_arg){ .t = t, .lock = lock, .go = &go,
						     .stop = &stop };
			check(pthread_create(&th[i], NULL, lock_main, &args[i]), "pthread_create");
		}
		pthread_barrier_wait(&go);
		nanosleep(&ts, NULL);
		__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
		for (i = 0; i < threads; i++) {
			check(pthread_join(th[i], NULL), "pthread_join");
			check(args[i].err, "invt_domain_invalidate");
			per_s += args[i].secs > 0 ? args[i].n / args[i].secs : 0;
		}
		pthread_barrier_destroy(&go);
		v[rep] = per_s > 0 ? 1e9 * threads / per_s : 0;
	}
	return median(v, REPS);
}

/*
 * --ats-lock: 1 and 2 invalidating threads on the ATS topology and on the
 * same devices with ATS off; then a domain rwlock's read side alone.
 */
static void ats_lock(const struct opts *o)
{
	double secs = o->quick ? 0.002 : 0.1;
	pthread_rwlockattr_t attr;
	pthread_rwlock_t lock;
	struct topo t;
	size_t i;
	int no_atc;

	for (i = 1; i < NR_ENTRY_COUNTS; i++) {
		double ns[2][2];

		for (no_atc = 0; no_atc < 2; no_atc++) {
			topo_init_ats(&t, entry_counts[i], no_atc);
			ns[no_atc][0] = lock_run(&t, NULL, 1, secs);
			ns[no_atc][1] = lock_run(&t, NULL, 2, secs);
			topo_destroy(&t);
		}
		printf("fastpath ats-lock entries=%u atc=on ns_1t=%.1f ns_2t=%.1f scaling=%.2f "
		       "atc=off ns_1t=%.1f ns_2t=%.1f scaling=%.2f lock_share=%.2f\n",
		       entry_counts[i], ns[0][0], ns[0][1], ns[0][1] / ns[0][0], ns[1][0],
		       ns[1][1], ns[1][1] / ns[1][0],
		       ns[0][1] / ns[0][0] - ns[1][1] / ns[1][0]);
		fflush(stdout);
	}
	/* The lock type and attributes the core's ATC lock had (compat-user.h). */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	printf("fastpath ats-lock read_lock_pair_ns_1t=%.1f read_lock_pair_ns_2t=%.1f\n",
	       lock_run(NULL, &lock, 1, secs), lock_run(NULL, &lock, 2, secs));
	pthread_rwlock_destroy(&lock);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: fastpath [--quick] [--json] [--churn-rate RATE|max] [--entries N] "
		   "[--clock wall|cpu] [--reps N] [--ats-lock]\n"
		   "  --quick            a few ms per case (smoke run: checks command counts)\n"
		   "  --json             print the results as one JSON document\n"
		   "  --churn-rate R     the churn thread's attach+detach pairs per second\n"
		   "                     (default 100000; max: as fast as it can)\n"
		   "  --entries N        only the array of N entries (1, 4, 16, 64 or 256;\n"
		   "                     for profiling one size)\n"
		   "  --clock C          time the paths by wall clock (default) or by the\n"
		   "                     thread's CPU time (cpu: preemption does not count)\n"
		   "  --reps N           repetitions of each path per case (3-%d, default %d;\n"
		   "                     more narrow the paired ratios' interquartile range)\n"
		   "  --ats-lock         what ATC entries cost two invalidating threads\n",
		MAX_REPS, REPS);
}

int main(int argc, char **argv)
{
	struct result res[NR_ENTRY_COUNTS * 2];
	struct opts o = { .churn_rate = 100000, .reps = REPS };
	size_t nres = 0, i;
	struct topo t;
	int a, churn;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--quick")) {
			o.quick = true;
		} else if (!strcmp(argv[a], "--json")) {
			o.json = true;
		} else if (!strcmp(argv[a], "--clock") && a + 1 < argc) {
			a++;
			if (strcmp(argv[a], "cpu") && strcmp(argv[a], "wall")) {
				usage(stderr);
				return 2;
			}
			clock_cpu = !strcmp(argv[a], "cpu");
		} else if (!strcmp(argv[a], "--reps") && a + 1 < argc) {
			o.reps = atoi(argv[++a]);
			if (o.reps < 3 || o.reps > MAX_REPS) {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(argv[a], "--ats-lock")) {
			o.ats_lock = true;
		} else if (!strcmp(argv[a], "--churn-rate") && a + 1 < argc) {
			a++;
			o.churn_rate = strcmp(argv[a], "max") ? strtod(argv[a], NULL) : -1;
			if (!(o.churn_rate < 0 || (o.churn_rate >= 1 && o.churn_rate <= 1e8))) {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(argv[a], "--entries") && a + 1 < argc) {
			size_t k;

			o.only = (unsigned int)strtoul(argv[++a], NULL, 10);
			for (k = 0; k < NR_ENTRY_COUNTS && entry_counts[k] != o.only; k++)
				;
			if (k == NR_ENTRY_COUNTS) {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}

	invt_rcu_register_thread();
	if (o.ats_lock) {
		ats_lock(&o);
		invt_rcu_unregister_thread();
		return 0;
	}
	if (!o.json)
		print_text_header(&o);
	for (i = 0; i < NR_ENTRY_COUNTS; i++) {
		if (o.only && entry_counts[i] != o.only)
			continue;
		topo_init(&t, entry_counts[i]);
		for (churn = 0; churn < 2; churn++) {
			run_case(&t, churn, &o, &res[nres]);
			if (!o.json)
				print_text(&res[nres]);
			nres++;
		}
		topo_destroy(&t);
	}
	if (o.json)
		print_json(res, nres, &o);
	invt_rcu_unregister_thread();
	return 0;
}
