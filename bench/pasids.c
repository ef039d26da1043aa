// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * pasids.c - what a device's PASIDs cost: memory and attach time with 1,
 * 100 and 100000 PASIDs in use on one device with a 20-bit PASID space.
 *
 * Memory is the heap the device's per-ssid state holds (slot table and
 * slots, from the structure's own counts) and, as a cross-check, the
 * growth of the heap (mallinfo2) over the attaches, which also holds each
 * attachment's entry list.  The flat table this replaced held 24 bytes per
 * possible ssid: 24 MiB for 2^20, whatever was in use.  Times are ns per
 * attach / detach in this run, on the recording backend (no hardware).
 *
 *	pasids [--quick]
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <invtrack/core.h>

#include "record.h"

#define SPACE	(1u << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run(uint32_t n, bool spread)
{
	struct invt_recorder rec;
	struct invt_rec_iommu ri;
	struct invt_domain dom;
	struct invt_device dev;
	struct invt_ctx ctx;
	size_t heap0, heap1, state;
	double t0, t_att, t_det;
	uint32_t sid = 1, i, ssid;

	invt_ctx_init(&ctx);
	invt_recorder_init(&rec, false);
	if (invt_rec_iommu_init(&ctx, &ri, &rec, 0, 0, 4, NULL, 8) ||
	    invt_domain_init(&ctx, &dom, INVT_DOMAIN_S1, NULL) ||
	    invt_device_init(&dev, &ri.iommu, &sid, 1, SPACE, false))
		return 1;
	heap0 = mallinfo2().uordblks;
	t0 = now();
	for (i = 0; i < n; i++) {
		/* Spread: scattered over the whole space; else consecutive. */
		ssid = spread ? (uint32_t)((i * 2654435761u) % SPACE) : i;
		if (invt_attach(&dev, ssid, &dom))
			return fprintf(stderr, "attach %u failed\n", ssid), 1;
	}
	t_att = now() - t0;
	heap1 = mallinfo2().uordblks;
	state = dev.nr_slots * sizeof(*dev.slots) + dev.nr_used * sizeof(struct invt_attachment);
	t0 = now();
	for (i = 0; i < n; i++) {
		ssid = spread ? (uint32_t)((i * 2654435761u) % SPACE) : i;
		if (invt_attach(&dev, ssid, NULL))
			return 1;
	}
	t_det = now() - t0;
	printf("| %6u | %-10s | %10zu | %8.1f | %10zd | %10zu | %8.0f | %8.0f |\n", n,
	       spread ? "scattered" : "consecutive", state, (double)state / n,
	       (ssize_t)(heap1 - heap0), (size_t)SPACE * 24, t_att / n * 1e9, t_det / n * 1e9);
	if (dev.nr_used || dev.slots)
		return 1;
	invt_device_destroy(&dev);
	invt_domain_destroy(&dom);
	invt_rec_iommu_destroy(&ri);
	invt_ctx_destroy(&ctx);
	invt_recorder_destroy(&rec);
	return 0;
}

int main(int argc, char **argv)
{
	static const uint32_t counts[] = { 1, 100, 100000 };
	bool quick = argc > 1 && !strcmp(argv[1], "--quick");
	unsigned int i;
	int ret = 0;

	invt_rcu_register_thread();
	printf("| PASIDs | ssids      | state (B)  | B/PASID  | heap (B)   | flat (B)   "
	       "| ns/attach | ns/detach |\n");
	printf("|---:|---|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < 3 && !ret; i++) {
		if (quick && counts[i] > 1000)
			break;
		ret = run(counts[i], false) || run(counts[i], true);
	}
	invt_rcu_unregister_thread();
	return ret;
}
