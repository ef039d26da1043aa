// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fastpath.c - cost of the invalidation fast path against its lower bound.
 *
 * Measures ns per single-page leaf invalidation (size 4096) in two ways:
 *
 *   core      invt_domain_invalidate() on a domain whose array has N entries:
 *             full barrier, RCU read lock, array load, the domain's ATC lock
 *             when the array holds ATC entries, then the flush engine (runs
 *             per instance, one scan per phase, users checks, pending waits).
 *   baseline  the lower bound: one walk over a plain immutable C array of the
 *             same entries (no RCU, no barrier, no lock, no users check) that
 *             emits the same commands, with the same syncs, into the same
 *             struct invt_batch and the same backend, then waits once per
 *             instance.
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
 *            instances, 384 commands).  The array holds ATC entries, so the
 *            core takes the domain's ATC lock (read side) on every call.
 * Churn (churn=on): a second thread attaches and detaches one more device,
 *   without ATS, on instance 0, with invt_attach(dev, 0, dom) and
 *   invt_attach(dev, 0, NULL), as fast as it can.  Each attach publishes a
 *   new array (merge + call_rcu), each detach lowers the IOTLB entry's users
 *   in place; the entries, hence the commands, never change, so both paths
 *   still emit exactly the same commands.  The churn thread runs during both
 *   paths' repetitions (they are interleaved), so both share the CPU with it.
 *
 * Every case first checks, once, that one core invalidation and one baseline
 * invalidation emit the same commands (count, syncs and a checksum of the
 * bytes) and the expected count, and after timing that each path emitted
 * iterations x that count; any difference aborts with a message.  Timings are
 * reported, never asserted.  Iterations are calibrated so that each case runs
 * for about 0.5 s on an idle machine (--quick: a few ms); the result is the
 * median of 5 repetitions of each path, interleaved, after a warm-up.
 */
#define BENCH_NAME "fastpath"
#include "bench-common.h"

#include <pthread.h>

#ifndef FASTPATH_BUILDTYPE
#define FASTPATH_BUILDTYPE "unknown"
#endif

#define REPS 5

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
	pthread_t th;
	int stop;
	int err;
	uint64_t ops;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	uint64_t ops = 0;
	int ret = 0;

	invt_rcu_register_thread();
	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		ret = invt_attach(c->dev, 0, c->dom);
		if (ret)
			break;
		ret = invt_attach(c->dev, 0, NULL);
		if (ret)
			break;
		ops += 2;
	}
	c->err = ret;
	c->ops = ops;
	invt_rcu_unregister_thread();
	return NULL;
}

static void churn_start(struct churn *c, struct topo *t)
{
	memset(c, 0, sizeof(*c));
	c->dev = &t->churn_dev;
	c->dom = &t->dom;
	check(pthread_create(&c->th, NULL, churn_main, c), "pthread_create");
}

static uint64_t churn_stop(struct churn *c)
{
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELAXED);
	check(pthread_join(c->th, NULL), "pthread_join");
	check(c->err, "churn attach/detach");
	return c->ops;
}

static double run_core(struct topo *t, uint64_t iters)
{
	double t0 = now_s();
	int ret = 0;
	uint64_t i;

	for (i = 0; i < iters; i++)
		ret |= invt_domain_invalidate(&t->dom, BENCH_IOVA, BENCH_SIZE, true);
	t0 = now_s() - t0;
	check(ret, "invt_domain_invalidate");
	return t0;
}

/* Seconds for @iters baseline invalidations. */
static double run_baseline(struct topo *t, uint64_t iters)
{
	double t0 = now_s();
	uint64_t i;

	for (i = 0; i < iters; i++)
		baseline_flush(t->base, t->nr_base, &bench_range);
	return now_s() - t0;
}

static void check_same_commands(struct topo *t, const char *churn)
{
	struct sink before = sink, core, base;

	run_core(t, 1);
	core = sink_delta(&before);
	before = sink;
	run_baseline(t, 1);
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
	double core_ns;
	double baseline_ns;
	double core_min_ns;
	double core_max_ns;
	double baseline_min_ns;
	double baseline_max_ns;
	uint64_t cmds;
	uint64_t iters;
	double churn_ops_per_s;
	double seconds;
};

struct opts {
	bool quick;
	bool json;
};

static void run_case(struct topo *t, bool churn_on, const struct opts *o, struct result *res)
{
	const char *cname = churn_on ? "on" : "off";
	/* Per repetition of one path: 2 paths x REPS reps ~ 0.4 s a case. */
	double rep_s = o->quick ? 0.0005 : 0.04, calib_s = o->quick ? 0.0002 : 0.004;
	double core_t[REPS], base_t[REPS], t0 = now_s(), el;
	uint64_t iters = 1, total, churn_ops = 0;
	struct sink before;
	struct churn c;
	int rep;

	if (churn_on)
		churn_start(&c, t);

	check_same_commands(t, cname);

	/*
	 * Calibrate on the core path (the slower one): double until a run
	 * takes calib_s, then take the best of 3 runs, so that one preemption
	 * (churn, RCU worker) does not shrink the repetitions.  Warm both up.
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
	run_baseline(t, iters);

	for (rep = 0; rep < REPS; rep++) {
		before = sink;
		core_t[rep] = run_core(t, iters) * 1e9 / iters;
		total = sink_delta(&before).cmds;
		if (total != iters * t->expect_cmds)
			die("entries=%u churn=%s: core emitted %" PRIu64 " commands in %" PRIu64
			    " invalidations, expected %" PRIu64, t->entries, cname, total, iters,
			    iters * t->expect_cmds);
		before = sink;
		base_t[rep] = run_baseline(t, iters) * 1e9 / iters;
		total = sink_delta(&before).cmds;
		if (total != iters * t->expect_cmds)
			die("entries=%u churn=%s: baseline emitted %" PRIu64 " commands in %" PRIu64
			    " invalidations, expected %" PRIu64, t->entries, cname, total, iters,
			    iters * t->expect_cmds);
	}

	if (churn_on)
		churn_ops = churn_stop(&c);
	el = now_s() - t0;

	memset(res, 0, sizeof(*res));
	res->entries = t->entries;
	res->instances = t->nr_iommus;
	res->churn = churn_on;
	res->core_ns = median(core_t, REPS);
	res->baseline_ns = median(base_t, REPS);
	res->core_min_ns = core_t[0];
	res->core_max_ns = core_t[REPS - 1];
	res->baseline_min_ns = base_t[0];
	res->baseline_max_ns = base_t[REPS - 1];
	res->cmds = t->expect_cmds;
	res->iters = iters;
	res->churn_ops_per_s = churn_ops / el;
	res->seconds = el;
}

static double ratio_of(const struct result *r)
{
	return r->baseline_ns > 0 ? r->core_ns / r->baseline_ns : 0;
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
	       "baseline=plain array walk, same bench backend (16 B cmds, sum-only submit, "
	       "SYNC_ORDERS); topology: entries=1 -> 1 instance x 1 non-ATS device, "
	       "entries=N>=4 -> N/4 instances x (IOTLB_S1 + 3 ATS devices = 3 ATC); "
	       "churn: 2nd thread attach/detach of a non-ATS device on instance 0; "
	       "median of %d reps; build=%s ndebug=%d%s\n",
	       REPS, FASTPATH_BUILDTYPE, ndebug(), o->quick ? " quick" : "");
}

static void print_text(const struct result *r)
{
	printf("fastpath entries=%u churn=%s core_ns=%.1f baseline_ns=%.1f ratio=%.2f "
	       "instances=%u cmds=%" PRIu64 " iters=%" PRIu64 " core_range=%.1f-%.1f "
	       "baseline_range=%.1f-%.1f churn_ops_per_s=%.0f\n",
	       r->entries, r->churn ? "on" : "off", r->core_ns, r->baseline_ns, ratio_of(r),
	       r->instances, r->cmds, r->iters, r->core_min_ns, r->core_max_ns,
	       r->baseline_min_ns, r->baseline_max_ns, r->churn_ops_per_s);
	fflush(stdout);
}

static void print_json(const struct result *res, size_t n, const struct opts *o)
{
	size_t i;

	printf("{\"benchmark\":\"fastpath\",\"build\":\"%s\",\"ndebug\":%s,\"quick\":%s,"
	       "\"reps\":%d,\"size\":%llu,\"backend\":\"bench\",\"cases\":[",
	       FASTPATH_BUILDTYPE, ndebug() ? "true" : "false", o->quick ? "true" : "false",
	       REPS, BENCH_SIZE);
	for (i = 0; i < n; i++) {
		const struct result *r = &res[i];

		printf("%s\n {\"entries\":%u,\"instances\":%u,\"churn\":%s,\"core_ns\":%.2f,"
		       "\"baseline_ns\":%.2f,\"ratio\":%.4f,\"cmds\":%" PRIu64 ",\"iters\":%" PRIu64
		       ",\"core_min_ns\":%.2f,\"core_max_ns\":%.2f,\"baseline_min_ns\":%.2f,"
		       "\"baseline_max_ns\":%.2f,\"churn_ops_per_s\":%.0f,\"seconds\":%.3f}",
		       i ? "," : "", r->entries, r->instances, r->churn ? "true" : "false",
		       r->core_ns, r->baseline_ns, ratio_of(r), r->cmds, r->iters,
		       r->core_min_ns, r->core_max_ns, r->baseline_min_ns, r->baseline_max_ns,
		       r->churn_ops_per_s, r->seconds);
	}
	printf("\n]}\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: fastpath [--quick] [--json]\n"
		   "  --quick  a few ms per case (smoke run: checks command counts only)\n"
		   "  --json   print the results as one JSON document\n");
}

int main(int argc, char **argv)
{
	struct result res[NR_ENTRY_COUNTS * 2];
	struct opts o = { 0 };
	size_t nres = 0, i;
	struct topo t;
	int a, churn;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--quick")) {
			o.quick = true;
		} else if (!strcmp(argv[a], "--json")) {
			o.json = true;
		} else if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}

	invt_rcu_register_thread();
	if (!o.json)
		print_text_header(&o);
	for (i = 0; i < NR_ENTRY_COUNTS; i++) {
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
