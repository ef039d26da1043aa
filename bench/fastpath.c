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
#include <invtrack/core.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FASTPATH_BUILDTYPE
#define FASTPATH_BUILDTYPE "unknown"
#endif

#define PAGE_SHIFT 12
#define BENCH_IOVA 0x12345000ull
#define BENCH_SIZE 4096ull
#define REPS 5
#define ATS_DEVS_PER_INSTANCE 3
#define MAX_ENTRIES 256
#define MAX_INSTANCES (MAX_ENTRIES / (1 + ATS_DEVS_PER_INSTANCE))
/* Pages from which one whole-tag command replaces per-page commands. */
#define TAG_THRESHOLD 32

static const unsigned int entry_counts[] = { 1, 4, 16, 64, 256 };
#define NR_ENTRY_COUNTS (sizeof(entry_counts) / sizeof(entry_counts[0]))

/* ------------------------------------------------------------- backend */

enum bench_op {
	OP_PAGE = 1,
	OP_TAG,
	OP_S1_CLEAR,
	OP_ATC,
	OP_ATC_ALL,
	OP_SYNC,
};

#define CMD_BYTES 16

/* What the backend saw, per thread: only the invalidating thread submits. */
struct sink {
	uint64_t cmds;
	uint64_t syncs;
	uint64_t submits;
	uint64_t waits;
	uint64_t sum;
};

static __thread struct sink sink;

struct bench_iommu {
	struct invt_iommu iommu;
	struct invt_tag_space tags;
};

/* Word 0: op [7:0], leaf [8], entry type [15:12], ssid [35:16], id [63:36]. */
static uint64_t cmd_w0(unsigned int op, const struct invt_inv *inv, bool leaf)
{
	return op | (uint64_t)leaf << 8 | (uint64_t)(inv->type & 0xf) << 12 |
	       (uint64_t)(inv->ssid & 0xfffff) << 16 | (uint64_t)inv->id << 36;
}

static void put_cmd(struct invt_batch *b, uint64_t w0, uint64_t w1)
{
	uint64_t *c = invt_batch_reserve(b, CMD_BYTES);

	c[0] = w0;
	c[1] = w1;
}

/* ATC range, SMMUv3 style: the aligned power-of-two block of pages covering r. */
static uint64_t atc_span(const struct invt_range *r)
{
	uint64_t first = r->start >> PAGE_SHIFT, last = r->last >> PAGE_SHIFT;
	unsigned int order = first == last ? 0 : 64 - __builtin_clzll(first ^ last);

	if (order >= 52)
		return 52;
	return ((first >> order) << (order + PAGE_SHIFT)) | order;
}

static void bench_build(struct invt_batch *b, const struct invt_inv *inv,
			const struct invt_range *r)
{
	bool leaf = !r->all && r->leaf;
	uint64_t page, pages;

	switch (inv->type) {
	case INVT_INV_IOTLB_S1:
	case INVT_INV_IOTLB_S2:
		pages = r->all ? 0 : (r->last >> PAGE_SHIFT) - (r->start >> PAGE_SHIFT) + 1;
		if (r->all || pages >= TAG_THRESHOLD) {
			put_cmd(b, cmd_w0(OP_TAG, inv, false), 0);
			return;
		}
		for (page = r->start >> PAGE_SHIFT; pages; pages--, page++)
			put_cmd(b, cmd_w0(OP_PAGE, inv, leaf), page << PAGE_SHIFT);
		return;
	case INVT_INV_IOTLB_S2_S1_CLEAR:
		put_cmd(b, cmd_w0(OP_S1_CLEAR, inv, false), 0);
		return;
	case INVT_INV_ATC:
		if (!r->all) {
			put_cmd(b, cmd_w0(OP_ATC, inv, false), atc_span(r));
			return;
		}
		/* fall through */
	default:
		put_cmd(b, cmd_w0(OP_ATC_ALL, inv, false), 0);
		return;
	}
}

static void bench_build_sync(struct invt_batch *b)
{
	put_cmd(b, OP_SYNC, 0);
}

static uint64_t bench_submit(struct invt_batch *b)
{
	const uint64_t *w = (const uint64_t *)(const void *)b->buf;
	uint32_t i, nw = b->used / sizeof(uint64_t);
	uint64_t sum = 0, syncs = 0;

	for (i = 0; i < nw; i += 2) {
		sum += (w[i] * 0x9e3779b97f4a7c15ull) ^ w[i + 1];
		syncs += (w[i] & 0xff) == OP_SYNC;
	}
	sink.sum += sum;
	sink.syncs += syncs;
	sink.cmds += nw / 2;
	return ++sink.submits;
}

static void bench_wait(struct invt_iommu *iommu, uint64_t token)
{
	sink.waits++;
}

static const struct invt_iommu_ops bench_ops = {
	.build = bench_build,
	.build_sync = bench_build_sync,
	.submit = bench_submit,
	.wait = bench_wait,
};

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

/* ------------------------------------------------------------ topology */

struct topo {
	struct invt_ctx ctx;
	unsigned int entries;
	unsigned int nr_iommus;
	struct bench_iommu *iommus;
	unsigned int nr_devs;
	struct invt_device *devs;
	struct invt_device churn_dev;
	struct invt_domain dom;
	struct invt_inv *base; /* the baseline's plain copy of the array */
	size_t nr_base;
	uint64_t expect_cmds;
	uint64_t expect_syncs;
};

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);

static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "fastpath: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void check(int ret, const char *what)
{
	if (ret)
		die("%s failed: %d (%s)", what, ret, strerror(ret < 0 ? -ret : ret));
}

static void topo_init(struct topo *t, unsigned int entries)
{
	unsigned int ats = entries == 1 ? 0 : ATS_DEVS_PER_INSTANCE;
	struct invt_invs *invs;
	unsigned int i, j;
	uint32_t sid;

	memset(t, 0, sizeof(*t));
	t->entries = entries;
	t->nr_iommus = entries == 1 ? 1 : entries / (1 + ATS_DEVS_PER_INSTANCE);
	t->nr_devs = entries == 1 ? 1 : t->nr_iommus * ats;
	if (t->nr_iommus > MAX_INSTANCES)
		die("too many instances: %u", t->nr_iommus);
	t->iommus = calloc(t->nr_iommus, sizeof(*t->iommus));
	t->devs = calloc(t->nr_devs, sizeof(*t->devs));
	if (!t->iommus || !t->devs)
		die("out of memory");

	invt_ctx_init(&t->ctx);
	for (i = 0; i < t->nr_iommus; i++) {
		struct bench_iommu *bi = &t->iommus[i];

		check(invt_tag_space_init(&bi->tags, 1, 64), "invt_tag_space_init");
		bi->iommu.id = i;
		bi->iommu.ops = &bench_ops;
		bi->iommu.flags = INVT_IOMMU_SYNC_ORDERS;
		bi->iommu.tags[0] = &bi->tags;
		bi->iommu.tags[1] = &bi->tags;
		check(invt_iommu_register(&t->ctx, &bi->iommu), "invt_iommu_register");
	}
	check(invt_domain_init(&t->ctx, &t->dom, INVT_DOMAIN_S1, NULL), "invt_domain_init");

	for (i = 0; i < t->nr_iommus; i++) {
		for (j = 0; j < (ats ? ats : 1); j++) {
			struct invt_device *dev = &t->devs[i * (ats ? ats : 1) + j];

			sid = 0x100 + j;
			check(invt_device_init(dev, &t->iommus[i].iommu, &sid, 1, 1, ats != 0),
			      "invt_device_init");
			check(invt_attach(dev, 0, &t->dom), "invt_attach");
		}
	}
	sid = 0x10;
	check(invt_device_init(&t->churn_dev, &t->iommus[0].iommu, &sid, 1, 1, false),
	      "invt_device_init (churn)");

	invs = invt_domain_invs_get(&t->dom);
	if (!invs)
		die("invt_domain_invs_get: out of memory");
	if (invs->num_invs != entries)
		die("topology for %u entries built %zu", entries, invs->num_invs);
	t->nr_base = invs->num_invs;
	t->base = calloc(t->nr_base, sizeof(*t->base));
	if (!t->base)
		die("out of memory");
	memcpy(t->base, invs->inv, t->nr_base * sizeof(*t->base));
	invt_invs_free(invs);

	/* Per instance: 1 page + sync, plus the ATC phase and its sync. */
	t->expect_syncs = t->nr_iommus * (ats ? 2 : 1);
	t->expect_cmds = t->nr_iommus * (1 + ats) + t->expect_syncs;
}

static void topo_destroy(struct topo *t)
{
	unsigned int i;

	for (i = 0; i < t->nr_devs; i++)
		check(invt_attach(&t->devs[i], 0, NULL), "detach");
	for (i = 0; i < t->nr_devs; i++)
		check(invt_device_destroy(&t->devs[i]), "invt_device_destroy");
	check(invt_device_destroy(&t->churn_dev), "invt_device_destroy (churn)");
	check(invt_domain_destroy(&t->dom), "invt_domain_destroy");
	for (i = 0; i < t->nr_iommus; i++) {
		check(invt_iommu_unregister(&t->iommus[i].iommu), "invt_iommu_unregister");
		invt_tag_space_destroy(&t->iommus[i].tags);
	}
	check(invt_ctx_destroy(&t->ctx), "invt_ctx_destroy");
	free(t->base);
	free(t->devs);
	free(t->iommus);
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

/* -------------------------------------------------------------- timing */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static const struct invt_range bench_range = {
	.start = BENCH_IOVA,
	.last = BENCH_IOVA + BENCH_SIZE - 1,
	.leaf = true,
};

/* Seconds for @iters core invalidations. */
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

static struct sink sink_delta(const struct sink *before)
{
	struct sink d = {
		.cmds = sink.cmds - before->cmds,
		.syncs = sink.syncs - before->syncs,
		.submits = sink.submits - before->submits,
		.waits = sink.waits - before->waits,
		.sum = sink.sum - before->sum,
	};

	return d;
}

/* One invalidation of each path: the same commands, the expected count. */
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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
