// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scaling.c - what one attach+detach costs as the domain's array grows.
 *
 * Topology, for N entries: one instance (the bench backend of
 * bench-common.h), one device without ATS when N = 1, else N - 1 devices
 * with ATS, one SID each, attached to the domain: the IOTLB_S1 entry they
 * share plus N - 1 ATC entries.  A further device without ATS on the same
 * instance is then attached and detached again and again: each attach
 * merges into a new array of N entries (its IOTLB entry is already there:
 * users + 1) and publishes it, each detach lowers users in place.  Merge is
 * linear in N, so is the pair's cost.
 *
 * Prints, per N: `scaling entries=N pairs=P pair_ns_p50=X pair_ns_p99=Y
 * pair_ns_mean=Z`.  Timings are reported, never asserted.
 */
#define BENCH_NAME "scaling"
#include "bench-common.h"

static const unsigned int sizes[] = { 1, 4, 16, 64, 256, 1024, 4096 };
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))
#define MAX_PAIRS 20000

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

struct one {
	struct invt_ctx ctx;
	struct bench_iommu bi;
	struct invt_domain dom;
	struct invt_device *devs;
	unsigned int nr_devs;
	struct invt_device churn;
};

static void one_init(struct one *o, unsigned int entries)
{
	bool ats = entries > 1;
	struct invt_invs *invs;
	unsigned int j;
	uint32_t sid;

	memset(o, 0, sizeof(*o));
	o->nr_devs = ats ? entries - 1 : 1;
	o->devs = calloc(o->nr_devs, sizeof(*o->devs));
	if (!o->devs)
		die("out of memory");
	invt_ctx_init(&o->ctx);
	check(invt_tag_space_init(&o->bi.tags, 1, 64), "invt_tag_space_init");
	o->bi.iommu.ops = &bench_ops;
	o->bi.iommu.flags = INVT_IOMMU_SYNC_ORDERS;
	o->bi.iommu.tags[0] = &o->bi.tags;
	o->bi.iommu.tags[1] = &o->bi.tags;
	check(invt_iommu_register(&o->ctx, &o->bi.iommu), "invt_iommu_register");
	check(invt_domain_init(&o->ctx, &o->dom, INVT_DOMAIN_S1, NULL), "invt_domain_init");
	for (j = 0; j < o->nr_devs; j++) {
		sid = 0x1000 + j;
		check(invt_device_init(&o->devs[j], &o->bi.iommu, &sid, 1, 1, ats),
		      "invt_device_init");
		check(invt_attach(&o->devs[j], 0, &o->dom), "invt_attach");
	}
	sid = 0x10;
	check(invt_device_init(&o->churn, &o->bi.iommu, &sid, 1, 1, false), "invt_device_init");
	invs = invt_domain_invs_get(&o->dom);
	if (!invs)
		die("out of memory");
	if (invs->num_invs != entries)
		die("built %zu entries, not %u", invs->num_invs, entries);
	invt_invs_free(invs);
}

static void one_destroy(struct one *o)
{
	unsigned int j;

	for (j = 0; j < o->nr_devs; j++)
		check(invt_attach(&o->devs[j], 0, NULL), "detach");
	for (j = 0; j < o->nr_devs; j++)
		check(invt_device_destroy(&o->devs[j]), "invt_device_destroy");
	check(invt_device_destroy(&o->churn), "invt_device_destroy");
	check(invt_domain_destroy(&o->dom), "invt_domain_destroy");
	check(invt_iommu_unregister(&o->bi.iommu), "invt_iommu_unregister");
	invt_tag_space_destroy(&o->bi.tags);
	check(invt_ctx_destroy(&o->ctx), "invt_ctx_destroy");
	free(o->devs);
}

int main(int argc, char **argv)
{
	bool quick = argc > 1 && !strcmp(argv[1], "--quick");
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	double budget = quick ? 0.002 : 0.2;
	uint64_t *lat = malloc(MAX_PAIRS * sizeof(*lat));
	size_t i;

	if (argc > 2 || (argc == 2 && !quick && !json)) {
		fprintf(stderr, "usage: scaling [--quick | --json]\n");
		return 2;
	}
	if (!lat)
		die("out of memory");
	invt_rcu_register_thread();
	if (json)
		printf("{\"benchmark\":\"scaling\",\"cases\":[");
	else
		printf("# scaling: attach+detach of a non-ATS device on a domain whose array has "
		       "N entries (1 instance; N - 1 ATS devices), ns per pair\n");
	for (i = 0; i < NR_SIZES; i++) {
		double t0 = now_s(), sum = 0;
		struct one o;
		size_t n = 0, k;

		one_init(&o, sizes[i]);
		while (n < MAX_PAIRS && (n < 50 || now_s() - t0 < budget)) {
			uint64_t s = now_ns();

			check(invt_attach(&o.churn, 0, &o.dom), "attach");
			check(invt_attach(&o.churn, 0, NULL), "detach");
			lat[n++] = now_ns() - s;
		}
		for (k = 0; k < n; k++)
			sum += lat[k];
		qsort(lat, n, sizeof(*lat), cmp_u64);
		if (json)
			printf("%s\n {\"entries\":%u,\"pairs\":%zu,\"pair_ns_p50\":%" PRIu64
			       ",\"pair_ns_p99\":%" PRIu64 ",\"pair_ns_mean\":%.0f}", i ? "," : "",
			       sizes[i], n, lat[n / 2], lat[(n * 99) / 100], sum / n);
		else
			printf("scaling entries=%u pairs=%zu pair_ns_p50=%" PRIu64 " pair_ns_p99=%"
			       PRIu64 " pair_ns_mean=%.0f\n", sizes[i], n, lat[n / 2],
			       lat[(n * 99) / 100], sum / n);
		fflush(stdout);
		one_destroy(&o);
	}
	if (json)
		printf("\n]}\n");
	invt_rcu_unregister_thread();
	free(lat);
	return 0;
}
