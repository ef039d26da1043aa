// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * attach-map-unmap.c - a driver's life with the invtrack core, step by step:
 * bring up an instance, attach an ATS device to a stage-1 domain, map and
 * unmap through the page-table library, invalidate what the unmap removed,
 * detach.  The instance is the toy driver of log-iommu.c, whose queue is a
 * log, so each step checks the commands it caused.
 *
 * Builds against the installed headers and libinvtrack alone:
 *	cc attach-map-unmap.c log-iommu.c $(pkg-config --cflags --libs invtrack)
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/core.h>
#include <invtrack/pt.h>

#include "log-iommu.h"

#define PAGE_SIZE 4096u
#define SID 0x42		/* the device's stream ID */
#define IOVA 0x100000u		/* where the device sees the buffer */

/*
 * Table pages for the page-table library.  The hardware walks physical
 * addresses; in this userspace example a page's "physical address" is its
 * host address (a kernel driver allocates DMA-able pages and converts).
 */
static int table_alloc(struct invt_pt_ops *ops, uint64_t *pa)
{
	void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

	if (!p)
		return -1;
	memset(p, 0, PAGE_SIZE);
	*pa = (uintptr_t)p;
	return 0;
}

static void table_free(struct invt_pt_ops *ops, uint64_t pa)
{
	free((void *)(uintptr_t)pa);
}

static uint64_t *table_va(struct invt_pt_ops *ops, uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

static struct invt_pt_ops table_ops = {
	.alloc_table = table_alloc,
	.free_table = table_free,
	.table_va = table_va,
};

/*
 * Table pages an unmap emptied: the hardware may still walk them (walk
 * caches) until the invalidation completed, so they are freed after it.
 */
static uint64_t unlinked[8];
static unsigned int nr_unlinked;

static void table_unlinked(struct invt_pt_gather *gather, uint64_t table_pa)
{
	if (nr_unlinked < 8)
		unlinked[nr_unlinked++] = table_pa;
}

#define CHECK(expr) do {							\
	int ret_ = (expr);							\
	if (ret_) {								\
		fprintf(stderr, "FAIL: %s: %d\n", #expr, ret_);		\
		exit(1);							\
	}									\
} while (0)

int main(void)
{
	static struct log_iommu smmu;
	static uint8_t buffer[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	const uint32_t sid = SID;
	struct invt_pt_gather gather;
	struct invt_attach tx;
	struct invt_ctx ctx;
	struct invt_device dev;
	struct invt_domain dom;
	struct invt_pt pt;
	uint32_t asid;
	unsigned int i;
	bool ok = true;

	/* Every thread that calls into the core is registered with RCU first. */
	invt_rcu_register_thread();
	invt_ctx_init(&ctx);

	/* Probe: the driver fills in its instance (ops, tag spaces) and registers it. */
	CHECK(log_iommu_init(&smmu, &ctx, 0));

	/* A PCIe device with ATS behind it, no PASIDs (one ssid: 0, the RID). */
	CHECK(invt_device_init(&dev, &smmu.iommu, &sid, 1, 1, true));

	/* A stage-1 domain and its I/O page table (ARM VMSAv8-64, 4 KiB granule). */
	CHECK(invt_domain_init(&ctx, &dom, INVT_DOMAIN_S1, NULL));
	CHECK(invt_pt_init(&pt, &invt_pt_fmt_arm_s1_4k, &table_ops));

	/*
	 * Attach in three steps.  Prepare gives the domain an ASID on this
	 * instance and adds the device's entries to its invalidation array:
	 * from here on, invalidations of the domain reach the device.
	 */
	CHECK(invt_attach_prepare(&tx, &dev, 0, &dom));
	CHECK(invt_domain_tag(&dom, &smmu.iommu, &asid));
	/* Then the driver installs the configuration (CD with ASID and TTB0, STE)... */
	invt_attach_installing(&tx);
	printf("install: STE of SID %#x -> CD { ASID %" PRIu32 ", TTB0 %#" PRIx64 " }\n",
	       sid, asid, pt.root_pa);
	/* ...invalidates its configuration caches (CFGI_STE + CMD_SYNC), and commits. */
	invt_attach_commit(&tx);
	/* The device was blocked: no old translation to clean from its ATC. */
	ok &= log_expect(&smmu, "attach", NULL, 0);

	/* Map two pages.  A map changes no valid entry: nothing to invalidate. */
	CHECK(invt_pt_map(&pt, IOVA, (uintptr_t)buffer, sizeof(buffer),
			  INVT_PT_READ | INVT_PT_WRITE));
	ok &= log_expect(&smmu, "map", NULL, 0);

	/*
	 * Unmap them: the page-table library clears the entries and says what
	 * to invalidate; invt_domain_invalidate() sends it to every IOTLB tag
	 * and ATC the domain's array names, IOTLB before ATC, and waits.
	 */
	memset(&gather, 0, sizeof(gather));
	gather.table_unlinked = table_unlinked;
	CHECK(invt_pt_unmap(&pt, IOVA, sizeof(buffer), &gather));
	CHECK(invt_domain_invalidate(&dom, gather.iova, gather.size, gather.leaf_only));
	{
		const uint64_t last = IOVA + sizeof(buffer) - 1;
		const struct log_cmd want[] = {
			{ .op = LOG_INV_RANGE, .id = asid, .start = IOVA, .last = last, .leaf = 0 },
			{ .op = LOG_SYNC },
			{ .op = LOG_ATC_RANGE, .id = SID, .start = IOVA, .last = last, .leaf = 0 },
			{ .op = LOG_SYNC },
		};
		/* Emptied table pages were unlinked: walk caches go too (not leaf-only). */
		ok &= !gather.leaf_only && nr_unlinked > 0;
		ok &= log_expect(&smmu, "unmap", want, 4);
	}
	/* Only now may the unlinked table pages be reused. */
	for (i = 0; i < nr_unlinked; i++)
		table_free(&table_ops, unlinked[i]);

	/*
	 * Detach: prepare with no domain, install the blocking (abort) STE,
	 * commit.  The domain's last user on this instance left, so the core
	 * flushes its ASID before releasing it, and cleans the device's ATC.
	 */
	CHECK(invt_attach_prepare(&tx, &dev, 0, NULL));
	invt_attach_installing(&tx);
	printf("install: STE of SID %#x -> abort\n", sid);
	invt_attach_commit(&tx);
	{
		const struct log_cmd want[] = {
			{ .op = LOG_ATC_ALL, .id = SID },
			{ .op = LOG_SYNC },
			{ .op = LOG_INV_TAG, .id = asid },
			{ .op = LOG_SYNC },
		};
		ok &= log_expect(&smmu, "detach", want, 4);
	}
	ok &= invt_tag_space_used(&smmu.tags) == 0;

	/* Teardown, in reverse. */
	invt_pt_free(&pt);
	CHECK(invt_domain_destroy(&dom));
	CHECK(invt_device_destroy(&dev));
	CHECK(log_iommu_destroy(&smmu));
	CHECK(invt_ctx_destroy(&ctx));
	invt_rcu_unregister_thread();

	printf("%s: %u submissions, %u waits\n", ok ? "ok" : "FAIL", smmu.submits, smmu.waits);
	return ok ? 0 : 1;
}
