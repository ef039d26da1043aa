// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bench-common.h - what bench/fastpath and bench/peers share: the bench
 * backend (struct invt_iommu_ops that builds 16-byte commands and only
 * checksums what it is given), the topology of N entries, timing helpers.
 *
 * Define BENCH_NAME (the program name for messages) before including.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <invtrack/core.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_SHIFT 12
#define BENCH_IOVA 0x12345000ull
#define BENCH_SIZE 4096ull
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
static inline uint64_t cmd_w0(unsigned int op, const struct invt_inv *inv, bool leaf)
{
	return op | (uint64_t)leaf << 8 | (uint64_t)(inv->type & 0xf) << 12 |
	       (uint64_t)(inv->ssid & 0xfffff) << 16 | (uint64_t)inv->id << 36;
}

static inline void put_cmd(struct invt_batch *b, uint64_t w0, uint64_t w1)
{
	uint64_t *c = invt_batch_reserve(b, CMD_BYTES);

	c[0] = w0;
	c[1] = w1;
}

/* ATC range, SMMUv3 style: the aligned power-of-two block of pages covering r. */
static inline uint64_t atc_span(const struct invt_range *r)
{
	uint64_t first = r->start >> PAGE_SHIFT, last = r->last >> PAGE_SHIFT;
	unsigned int order = first == last ? 0 : 64 - __builtin_clzll(first ^ last);

	if (order >= 52)
		return 52;
	return ((first >> order) << (order + PAGE_SHIFT)) | order;
}

static inline void bench_build(struct invt_batch *b, const struct invt_inv *inv,
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

static inline void bench_build_sync(struct invt_batch *b)
{
	put_cmd(b, OP_SYNC, 0);
}

static inline int bench_submit(struct invt_batch *b, uint64_t *token)
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
	*token = ++sink.submits;
	return 0;
}

static inline int bench_wait(struct invt_iommu *iommu, uint64_t token)
{
	sink.waits++;
	return 0;
}

static const struct invt_iommu_ops bench_ops = {
	.build = bench_build,
	.build_sync = bench_build_sync,
	.submit = bench_submit,
	.wait = bench_wait,
};

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

static inline void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);

static inline void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", BENCH_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static inline void check(int ret, const char *what)
{
	if (ret)
		die("%s failed: %d (%s)", what, ret, strerror(ret < 0 ? -ret : ret));
}

/*
 * The topology of @entries (1, or a multiple of 4): see bench/fastpath.c.
 * @no_atc: the same instances and devices with ATS off, so that the array
 * holds only the IOTLB entries (entries / 4 of them).
 */
static inline void topo_init_ats(struct topo *t, unsigned int entries, bool no_atc)
{
	unsigned int ats = entries == 1 ? 0 : ATS_DEVS_PER_INSTANCE;
	bool dev_ats = ats != 0 && !no_atc;
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
			check(invt_device_init(dev, &t->iommus[i].iommu, &sid, 1, 1, dev_ats),
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
	if (invs->num_invs != (dev_ats || !ats ? entries : t->nr_iommus))
		die("topology for %u entries built %zu", entries, invs->num_invs);
	t->nr_base = invs->num_invs;
	t->base = calloc(t->nr_base, sizeof(*t->base));
	if (!t->base)
		die("out of memory");
	memcpy(t->base, invs->inv, t->nr_base * sizeof(*t->base));
	invt_invs_free(invs);

	/* Per instance: 1 page + sync, plus the ATC phase and its sync. */
	if (!dev_ats)
		ats = 0;
	t->expect_syncs = t->nr_iommus * (ats ? 2 : 1);
	t->expect_cmds = t->nr_iommus * (1 + ats) + t->expect_syncs;
}

static inline void topo_init(struct topo *t, unsigned int entries)
{
	topo_init_ats(t, entries, false);
}

static inline void topo_destroy(struct topo *t)
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

/* -------------------------------------------------------------- timing */

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The calling thread's CPU time in seconds (the benches' --clock cpu). */
static inline double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static const struct invt_range bench_range = {
	.start = BENCH_IOVA,
	.last = BENCH_IOVA + BENCH_SIZE - 1,
	.leaf = true,
};

/* Seconds for @iters core invalidations. */
static inline struct sink sink_delta(const struct sink *before)
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
static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static inline double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif /* BENCH_COMMON_H */
