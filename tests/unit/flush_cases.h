/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * flush_cases.h - the flush engine's table topologies and ranges, one table
 * for two harnesses: the cmocka test (test_flush.c) and the KUnit suite run
 * in a kernel (kernel/kunit/flush_test.c).  Data and its types only.
 *
 * Instance i has id 200 - 7 * i (not in registration order); SID k of
 * device d is 0x1000 + 0x10 * d + k.  Each topology's target domain is
 * invalidated over make_ranges(), leaf and not.
 */
#ifndef INVT_TEST_FLUSH_CASES_H
#define INVT_TEST_FLUSH_CASES_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/core.h>

#define SO INVT_IOMMU_SYNC_ORDERS
#define PAGE 4096ull
#define TI 4		/* instances in table topologies */
#define MAXD 6
#define MAXDEV 24
#define MAXATT 48

struct tdom {
	enum invt_domain_type type;
	int parent;		/* NESTED only */
};

struct tdev {
	int inst;
	int nsids;
	bool ats;
	int nssids;
};

struct tatt {
	int dev;
	int ssid;
	int dom;
};

struct topo {
	const char *name;
	int ninst;
	unsigned int flags[TI];
	uint32_t thr[TI];
	bool shared_tags;	/* RISC-V-like: one S1 and one S2 space for all */
	int ndom;
	struct tdom dom[MAXD];
	int ndev;
	struct tdev dev[MAXDEV];
	int natt;
	struct tatt att[MAXATT];
	int target;
};

struct rcase {
	const char *name;
	uint64_t iova;
	uint64_t size;
	bool all;
};

/* The ranges every topology is invalidated with; @thr: first instance's. */
static int make_ranges(uint32_t thr, struct rcase *r)
{
	int n = 0;

	r[n++] = (struct rcase){ "1 page", 0x10000, PAGE, false };
	r[n++] = (struct rcase){ "1 byte, unaligned", 0x10123, 1, false };
	r[n++] = (struct rcase){ "3 pages unaligned (4 touched)", 0x10800, 3 * PAGE, false };
	r[n++] = (struct rcase){ "2 bytes across a page boundary", 0x20fff, 2, false };
	if (thr > 1) {
		r[n++] = (struct rcase){ "threshold-1 pages", 0x200000, (thr - 1) * PAGE, false };
		r[n++] = (struct rcase){ "threshold-1 pages touched, unaligned", 0x300800,
					 (uint64_t)(thr - 2) * PAGE + 1, false };
	}
	r[n++] = (struct rcase){ "threshold pages", 0x400000, thr * PAGE, false };
	r[n++] = (struct rcase){ "threshold+1 pages", 0x800000, (thr + 1ull) * PAGE, false };
	r[n++] = (struct rcase){ "threshold pages touched, unaligned", 0xa00001,
				 (uint64_t)(thr - 1) * PAGE + 1, false };
	r[n++] = (struct rcase){ "top 2 pages of the space", UINT64_MAX - 2 * PAGE + 1, 2 * PAGE,
				 false };
	r[n++] = (struct rcase){ "top page of the space", UINT64_MAX - PAGE + 1, PAGE, false };
	r[n++] = (struct rcase){ "last byte of the space", UINT64_MAX, 1, false };
	r[n++] = (struct rcase){ "1 to the top", 1, UINT64_MAX, false };
	r[n++] = (struct rcase){ "all", 0, 0, true };
	return n;
}

#define S1 { INVT_DOMAIN_S1, 0 }
#define S2 { INVT_DOMAIN_S2, 0 }
#define NEST(p) { INVT_DOMAIN_NESTED, (p) }

static const struct topo topos[] = {
	{
		.name = "1 instance (sync orders), S1, one device without ATS",
		.ninst = 1, .flags = { SO }, .thr = { 8 },
		.ndom = 1, .dom = { S1 },
		.ndev = 1, .dev = { { 0, 1, false, 1 } },
		.natt = 1, .att = { { 0, 0, 0 } },
		.target = 0,
	},
	{
		.name = "1 instance (no sync order), S1, ATS device on 2 ssids + plain device",
		.ninst = 1, .flags = { 0 }, .thr = { 5 },
		.ndom = 2, .dom = { S1, S1 },
		.ndev = 2, .dev = { { 0, 2, true, 4 }, { 0, 1, false, 1 } },
		.natt = 4, .att = { { 0, 0, 0 }, { 0, 2, 0 }, { 1, 0, 0 }, { 0, 3, 1 } },
		.target = 0,
	},
	{
		.name = "2 instances mixed, S2, ATS devices on both",
		.ninst = 2, .flags = { SO, 0 }, .thr = { 6, 3 },
		.ndom = 1, .dom = { S2 },
		.ndev = 3, .dev = { { 0, 2, true, 1 }, { 1, 3, true, 1 }, { 1, 1, false, 1 } },
		.natt = 3, .att = { { 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 } },
		.target = 0,
	},
	{
		.name = "nest parent: 2 instances mixed, nested domains over it and a direct user",
		.ninst = 2, .flags = { SO, 0 }, .thr = { 4, 4 },
		.ndom = 3, .dom = { S2, NEST(0), NEST(0) },
		.ndev = 3, .dev = { { 0, 4, true, 2 }, { 1, 1, false, 1 }, { 1, 1, true, 1 } },
		.natt = 4, .att = { { 0, 0, 1 }, { 1, 0, 2 }, { 2, 0, 0 }, { 0, 1, 2 } },
		.target = 0,
	},
	{
		.name = "nest parent only through nested domains, 3 instances no sync order",
		.ninst = 3, .flags = { 0, 0, 0 }, .thr = { 7, 2, 16 },
		.ndom = 3, .dom = { S2, NEST(0), S1 },
		.ndev = 4, .dev = { { 0, 2, true, 1 }, { 1, 1, true, 2 }, { 2, 1, false, 1 },
				    { 2, 1, true, 1 } },
		.natt = 4, .att = { { 0, 0, 1 }, { 1, 0, 1 }, { 2, 0, 1 }, { 3, 0, 2 } },
		.target = 0,
	},
	{
		.name = "4 instances with sync order, one S1 domain, shared tag spaces",
		.ninst = 4, .flags = { SO, SO, SO, SO }, .thr = { 8, 8, 8, 8 },
		.shared_tags = true,
		.ndom = 2, .dom = { S1, S1 },
		.ndev = 4, .dev = { { 0, 1, true, 1 }, { 1, 2, true, 2 }, { 2, 1, false, 1 },
				    { 3, 4, true, 1 } },
		.natt = 5,
		.att = { { 0, 0, 1 }, { 0, 0, 0 }, { 1, 1, 0 }, { 2, 0, 0 }, { 3, 0, 0 } },
		.target = 0,
	},
	{
		.name = "4 instances without sync order, other domains attached too",
		.ninst = 4, .flags = { 0, 0, 0, 0 }, .thr = { 3, 5, 9, 17 },
		.ndom = 4, .dom = { S2, S1, S2, NEST(2) },
		.ndev = 5, .dev = { { 0, 1, true, 2 }, { 1, 1, true, 1 }, { 2, 2, true, 1 },
				    { 3, 1, false, 1 }, { 3, 3, true, 1 } },
		.natt = 6, .att = { { 0, 0, 0 }, { 0, 1, 1 }, { 1, 0, 3 }, { 2, 0, 0 }, { 3, 0, 0 },
				    { 4, 0, 2 } },
		.target = 0,
	},
	{
		.name = "4 instances mixed, nest parent with nested users on every instance",
		.ninst = 4, .flags = { SO, 0, SO, 0 }, .thr = { 4, 6, 8, 10 },
		.ndom = 3, .dom = { S2, NEST(0), NEST(0) },
		.ndev = 4, .dev = { { 0, 2, true, 1 }, { 1, 1, true, 2 }, { 2, 1, false, 1 },
				    { 3, 4, true, 1 } },
		.natt = 5,
		.att = { { 0, 0, 1 }, { 1, 0, 2 }, { 1, 1, 1 }, { 2, 0, 0 }, { 3, 0, 2 } },
		.target = 0,
	},
	{
		.name = "3 instances mixed, threshold 40: batches fill and are split",
		.ninst = 3, .flags = { SO, 0, SO }, .thr = { 40, 40, 70 },
		.ndom = 2, .dom = { S2, NEST(0) },
		.ndev = 3, .dev = { { 0, 4, true, 1 }, { 1, 2, true, 1 }, { 2, 1, false, 1 } },
		.natt = 3, .att = { { 0, 0, 1 }, { 1, 0, 0 }, { 2, 0, 0 } },
		.target = 0,
	},
	{
		.name = "threshold 1: every range is one whole-tag command",
		.ninst = 2, .flags = { 0, SO }, .thr = { 1, 1 },
		.ndom = 1, .dom = { S2 },
		.ndev = 2, .dev = { { 0, 1, false, 1 }, { 1, 1, true, 1 } },
		.natt = 2, .att = { { 0, 0, 0 }, { 1, 0, 0 } },
		.target = 0,
	},
	{
		.name = "4 SIDs, 5 ssids on one domain (ATC per SID per ssid)",
		.ninst = 1, .flags = { 0 }, .thr = { 12 },
		.ndom = 1, .dom = { S1 },
		.ndev = 1, .dev = { { 0, INVT_MAX_SIDS, true, 8 } },
		.natt = 5,
		.att = { { 0, 0, 0 }, { 0, 1, 0 }, { 0, 3, 0 }, { 0, 5, 0 }, { 0, 7, 0 } },
		.target = 0,
	},
	{
		.name = "target without attachments while others are attached",
		.ninst = 2, .flags = { SO, 0 }, .thr = { 4, 4 },
		.ndom = 3, .dom = { S1, S2, S1 },
		.ndev = 2, .dev = { { 0, 1, true, 1 }, { 1, 2, true, 1 } },
		.natt = 2, .att = { { 0, 0, 0 }, { 1, 0, 1 } },
		.target = 2,
	},
};

#endif /* INVT_TEST_FLUSH_CASES_H */
