/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * attach_cases.h - the attach protocol's failure-injection cases, one table
 * for two harnesses: the cmocka test (test_attach.c) and the KUnit suite run
 * in a kernel (kernel/kunit/attach_test.c).  Data and its types only.
 *
 * Each case builds the standard world below, makes its attachments, then
 * runs one transaction with the nth allocation of prepare failing, for
 * every n until prepare succeeds; each failure must leave everything as it
 * was.  Commit never fails, also with a failure armed.
 */
#ifndef INVT_TEST_ATTACH_CASES_H
#define INVT_TEST_ATTACH_CASES_H

#include <stdbool.h>

#include <invtrack/core.h>

struct tdom {
	enum invt_domain_type type;
	int parent;
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

/*
 * The standard world: 3 instances (1 with SYNC_ORDERS, 0 and 2 without),
 * 6 domains, 4 devices.  Instance i has id 30 - 10 * i (not in registration
 * order); SID k of device d is 0x800 + 0x10 * d + k.
 */
#define ATT_STD_NINST 3
static const unsigned int att_std_flags[ATT_STD_NINST] = { 0, INVT_IOMMU_SYNC_ORDERS, 0 };

enum { D0, D1, P2, N3, N4, D5 };

static const struct tdom att_std_doms[] = {
	[D0] = { INVT_DOMAIN_S1, 0 },
	[D1] = { INVT_DOMAIN_S1, 0 },
	[P2] = { INVT_DOMAIN_S2, 0 },
	[N3] = { INVT_DOMAIN_NESTED, P2 },
	[N4] = { INVT_DOMAIN_NESTED, P2 },
	[D5] = { INVT_DOMAIN_S2, 0 },
};

static const struct tdev att_std_devs[] = {
	{ 0, 2, true, 4 },
	{ 0, 1, false, 2 },
	{ 1, INVT_MAX_SIDS, true, 2 },
	{ 2, 1, true, 2 },
};

struct fi_case {
	const char *name;
	int npre;
	struct tatt pre[4];	/* attachments made before */
	int dev, ssid, dom;	/* the transaction; dom -1: detach */
	bool commit_fault;	/* commit with an allocation failure armed */
};

#define FI(n, dv, ss, dm, np, ...)                                                                 \
	{ n, np, { __VA_ARGS__ }, dv, ss, dm, false },                                             \
	{ n " (commit under fault)", np, { __VA_ARGS__ }, dv, ss, dm, true }

/* name, (dev, ssid) -> domain, then the attachments made before */
static const struct fi_case fi_cases[] = {
	FI("attach to a fresh S1 domain", 0, 0, D0, 0),
	FI("attach to a domain used on the instance", 0, 1, D0, 1, { 1, 0, D0 }),
	FI("attach to a domain used on another instance", 2, 0, D0, 1, { 0, 0, D0 }),
	FI("replace D0 -> D1, last user of D0", 0, 0, D1, 1, { 0, 0, D0 }),
	FI("replace D0 -> D1, both in use", 0, 0, D1, 3, { 0, 0, D0 }, { 1, 0, D0 }, { 2, 0, D1 }),
	FI("nested attach, fresh parent", 0, 0, N3, 0),
	FI("nested attach, parent in use", 2, 1, N4, 2, { 0, 0, N3 }, { 1, 0, P2 }),
	FI("replace nested -> nested, same parent", 0, 0, N4, 1, { 0, 0, N3 }),
	FI("replace S1 -> nested", 0, 1, N3, 1, { 0, 1, D0 }),
	FI("replace nested -> its parent", 2, 0, P2, 1, { 2, 0, N3 }),
	FI("replace S2 -> S2", 2, 1, P2, 1, { 2, 1, D5 }),
	FI("detach from S1", 0, 0, -1, 1, { 0, 0, D0 }),
	FI("detach from nested, parent used directly", 0, 0, -1, 2, { 0, 0, N3 }, { 1, 1, P2 }),
	FI("detach from S2", 2, 0, -1, 2, { 2, 0, D5 }, { 2, 1, D5 }),
	FI("detach a blocked slot", 1, 1, -1, 0),
	FI("attach growing the tag bindings (third instance)", 3, 0, D0, 2, { 0, 0, D0 },
	   { 2, 0, D0 }),
	FI("replace nest parent -> nested over it", 2, 0, N3, 1, { 2, 0, P2 }),
	FI("detach the middle of three tag bindings", 2, 0, -1, 3, { 0, 0, D0 }, { 2, 0, D0 },
	   { 3, 0, D0 }),
	FI("detach one of two nested ssids", 0, 1, -1, 2, { 0, 0, N3 }, { 0, 1, N4 }),
	FI("replace nested -> S1 across instances' users", 3, 1, D1, 3, { 3, 1, N3 },
	   { 2, 0, N4 }, { 0, 0, N3 }),
};

#endif /* INVT_TEST_ATTACH_CASES_H */
