/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invs_cases.h - the array cases, one table for two harnesses: the cmocka
 * test (test_invs.c) and the KUnit suite run in a kernel
 * (kernel/kunit/invs_test.c).  Data and its types only; each harness
 * provides the instances (im()) and the checks.
 *
 * Instances are named by index: the harness lays them out so that pointer
 * order differs from id order (I30 has the lowest address, the highest id).
 */
#ifndef INVT_TEST_INVS_CASES_H
#define INVT_TEST_INVS_CASES_H

#include <stddef.h>
#include <stdint.h>

#include <invtrack/invs.h>

#define NUL (-1)
#define I30 0
#define I10 1
#define I20 2

#define S1 INVT_INV_IOTLB_S1
#define S2 INVT_INV_IOTLB_S2
#define CLR INVT_INV_IOTLB_S2_S1_CLEAR
#define ATC INVT_INV_ATC
#define FULL INVT_INV_ATC_FULL

/* ------------------------------------------------------------ table entries */

#define MAXE 16

/* One entry as the table writes it: instance index (or NUL), key, users. */
struct tinv {
	int im;
	uint8_t type;
	uint32_t id;
	uint32_t ssid;
	int users;
};

struct tlist {
	size_t n;
	struct tinv v[MAXE];
};

#define E(i, t, id, ssid, users) { i, t, id, ssid, users }
#define L(...) { sizeof((struct tinv[]){ __VA_ARGS__ }) / sizeof(struct tinv), { __VA_ARGS__ } }

/* ------------------------------------------------------------------ cases */

enum op { OP_MERGE, OP_UNREF, OP_PURGE };

/**
 * struct invs_case - one table case.
 * @name: test name.
 * @op: the operation.
 * @init: the initial array (users 0: trash, counted in num_trashes).
 * @arg: merge: the add list; unref: the del list (users given are garbage,
 *	ignored by both).
 * @ret: merge: its return; unref: entries that reached 0; purge: 1 when a
 *	new array is returned, 0 for NULL.
 * @exp: the new array (merge, purge) or the array in place below its
 *	num_invs (unref).
 * @trashes: expected num_trashes.
 * @del_users: unref: users written back into each del entry.
 */
struct invs_case {
	const char *name;
	enum op op;
	struct tlist init;
	struct tlist arg;
	long ret;
	struct tlist exp;
	size_t trashes;
	int del_users[MAXE];
};

static const struct invs_case invs_cases[] = {
	/* ---- merge ---- */
	{
		.name = "merge/empty+empty",
		.op = OP_MERGE,
	},
	{
		.name = "merge/into empty, add users ignored",
		.op = OP_MERGE,
		.arg = L(E(I10, S1, 5, 0, 99)),
		.exp = L(E(I10, S1, 5, 0, 1)),
	},
	{
		.name = "merge/empty add copies live entries",
		.op = OP_MERGE,
		.init = L(E(NUL, S1, 1, 0, 2), E(I10, S2, 3, 0, 1), E(I20, ATC, 7, 4, 3)),
		.exp = L(E(NUL, S1, 1, 0, 2), E(I10, S2, 3, 0, 1), E(I20, ATC, 7, 4, 3)),
	},
	{
		.name = "merge/every type, reverse order, garbage users",
		.op = OP_MERGE,
		.arg = L(E(I10, FULL, 1, 0, -7), E(I10, ATC, 1, 0, 0), E(I10, CLR, 1, 0, 1000),
			 E(I10, S2, 1, 0, 2), E(I10, S1, 1, 0, -1)),
		.exp = L(E(I10, S1, 1, 0, 1), E(I10, S2, 1, 0, 1), E(I10, CLR, 1, 0, 1),
			 E(I10, ATC, 1, 0, 1), E(I10, FULL, 1, 0, 1)),
	},
	{
		.name = "merge/NULL instance first",
		.op = OP_MERGE,
		.arg = L(E(I10, S1, 1, 0, 5), E(NUL, FULL, 9, 0, 5), E(I30, S1, 0, 0, 5),
			 E(NUL, S1, 2, 0, 5)),
		.exp = L(E(NUL, S1, 2, 0, 1), E(NUL, FULL, 9, 0, 1), E(I10, S1, 1, 0, 1),
			 E(I30, S1, 0, 0, 1)),
	},
	{
		.name = "merge/instances by id, not pointer; instance before type",
		.op = OP_MERGE,
		.arg = L(E(I30, S1, 1, 0, 0), E(I20, S1, 1, 0, 0), E(I10, FULL, 1, 0, 0),
			 E(I10, S1, 1, 0, 0), E(I30, S2, 0, 0, 0)),
		.exp = L(E(I10, S1, 1, 0, 1), E(I10, FULL, 1, 0, 1), E(I20, S1, 1, 0, 1),
			 E(I30, S1, 1, 0, 1), E(I30, S2, 0, 0, 1)),
	},
	{
		.name = "merge/ids unsigned, type before id",
		.op = OP_MERGE,
		.arg = L(E(I10, S2, 0xffffffffu, 0, 0), E(I10, S2, 1, 0, 0),
			 E(I10, S2, 0x80000000u, 0, 0), E(I10, S2, 0, 0, 0),
			 E(I10, S1, 0xffffffffu, 0, 0), E(I10, CLR, 0, 0, 0)),
		.exp = L(E(I10, S1, 0xffffffffu, 0, 1), E(I10, S2, 0, 0, 1), E(I10, S2, 1, 0, 1),
			 E(I10, S2, 0x80000000u, 0, 1), E(I10, S2, 0xffffffffu, 0, 1),
			 E(I10, CLR, 0, 0, 1)),
	},
	{
		.name = "merge/ssid ignored for S2 and CLR, kept for S1",
		.op = OP_MERGE,
		.arg = L(E(I10, S1, 4, 1, 0), E(I10, S1, 4, 2, 0), E(I10, S2, 4, 0xffffffffu, 0),
			 E(I10, S2, 4, 0, 0), E(I10, CLR, 4, 3, 0), E(I10, CLR, 4, 9, 0)),
		.exp = L(E(I10, S1, 4, 1, 1), E(I10, S1, 4, 2, 1), E(I10, S2, 4, 0, 2),
			 E(I10, CLR, 4, 0, 2)),
	},
	{
		.name = "merge/IOTLB_S1 ssid selects the entry (PASID-tagged stage 1)",
		.op = OP_MERGE,
		.arg = L(E(I10, S1, 4, 6, 0), E(I10, S1, 4, 5, 0), E(I10, S1, 4, 5, 0),
			 E(I10, S1, 3, 9, 0)),
		.exp = L(E(I10, S1, 3, 9, 1), E(I10, S1, 4, 5, 2), E(I10, S1, 4, 6, 1)),
	},
	{
		.name = "merge/ssid ignored against a live entry",
		.op = OP_MERGE,
		.init = L(E(I20, S2, 4, 0, 1)),
		.arg = L(E(I20, S2, 4, 77, 0)),
		.exp = L(E(I20, S2, 4, 0, 2)),
	},
	{
		.name = "merge/ssid distinguishes ATC and ATC_FULL",
		.op = OP_MERGE,
		.arg = L(E(I10, ATC, 4, 2, 0), E(I10, ATC, 4, 1, 0), E(I10, ATC, 4, 1, 0),
			 E(I10, FULL, 4, 3, 0), E(I10, FULL, 4, 0, 0)),
		.exp = L(E(I10, ATC, 4, 1, 2), E(I10, ATC, 4, 2, 1), E(I10, FULL, 4, 0, 1),
			 E(I10, FULL, 4, 3, 1)),
	},
	{
		.name = "merge/ATC id before ssid",
		.op = OP_MERGE,
		.arg = L(E(I10, ATC, 5, 0, 0), E(I10, ATC, 4, 9, 0), E(I10, ATC, 4, 0xffffffffu, 0)),
		.exp = L(E(I10, ATC, 4, 9, 1), E(I10, ATC, 4, 0xffffffffu, 1), E(I10, ATC, 5, 0, 1)),
	},
	{
		.name = "merge/duplicates in add",
		.op = OP_MERGE,
		.arg = L(E(I10, S1, 1, 0, 0), E(I20, S1, 1, 0, 0), E(I10, S1, 1, 0, 0),
			 E(I10, S1, 1, 0, 0)),
		.exp = L(E(I10, S1, 1, 0, 3), E(I20, S1, 1, 0, 1)),
	},
	{
		.name = "merge/equal to a live entry adds one user",
		.op = OP_MERGE,
		.init = L(E(I10, S1, 1, 0, 2), E(I10, S2, 1, 0, 1)),
		.arg = L(E(I10, S2, 1, 0, 0), E(I10, S1, 2, 0, 0), E(I10, S2, 1, 0, 0)),
		.exp = L(E(I10, S1, 1, 0, 2), E(I10, S1, 2, 0, 1), E(I10, S2, 1, 0, 3)),
	},
	{
		.name = "merge/drops trash",
		.op = OP_MERGE,
		.init = L(E(I10, S1, 1, 0, 0), E(I10, S1, 2, 0, 1), E(I10, S2, 1, 0, 0),
			  E(I10, ATC, 3, 0, 1)),
		.arg = L(E(I10, S1, 3, 0, 0)),
		.exp = L(E(I10, S1, 2, 0, 1), E(I10, S1, 3, 0, 1), E(I10, ATC, 3, 0, 1)),
	},
	{
		.name = "merge/drops trash, empty add",
		.op = OP_MERGE,
		.init = L(E(I10, S1, 1, 0, 1), E(I10, S1, 2, 0, 0), E(I10, FULL, 3, 0, 0),
			  E(I30, S1, 3, 0, 4)),
		.exp = L(E(I10, S1, 1, 0, 1), E(I30, S1, 3, 0, 4)),
	},
	{
		.name = "merge/re-adds a trashed key",
		.op = OP_MERGE,
		.init = L(E(I10, S1, 1, 0, 0), E(I10, S1, 2, 0, 1)),
		.arg = L(E(I10, S1, 1, 0, 7)),
		.exp = L(E(I10, S1, 1, 0, 1), E(I10, S1, 2, 0, 1)),
	},
	{
		.name = "merge/re-adds a trashed key twice",
		.op = OP_MERGE,
		.init = L(E(NUL, S1, 1, 0, 1), E(I10, ATC, 1, 5, 0), E(I20, S1, 2, 0, 1)),
		.arg = L(E(I10, ATC, 1, 5, 0), E(I10, ATC, 1, 5, 0)),
		.exp = L(E(NUL, S1, 1, 0, 1), E(I10, ATC, 1, 5, 2), E(I20, S1, 2, 0, 1)),
	},
	{
		.name = "merge/interleaves add between live entries",
		.op = OP_MERGE,
		.init = L(E(NUL, S2, 1, 0, 1), E(I10, S2, 1, 0, 1), E(I30, FULL, 8, 0, 2)),
		.arg = L(E(I30, ATC, 8, 1, 0), E(I20, CLR, 1, 0, 0), E(NUL, S1, 9, 0, 0),
			 E(I10, S1, 1, 0, 0), E(I30, FULL, 8, 0, 0)),
		.exp = L(E(NUL, S1, 9, 0, 1), E(NUL, S2, 1, 0, 1), E(I10, S1, 1, 0, 1),
			 E(I10, S2, 1, 0, 1), E(I20, CLR, 1, 0, 1), E(I30, ATC, 8, 1, 1),
			 E(I30, FULL, 8, 0, 3)),
	},

	/* ---- unref ---- */
	{
		.name = "unref/empty del",
		.op = OP_UNREF,
		.init = L(E(I10, S1, 1, 0, 1), E(I10, S1, 2, 0, 0), E(I10, S1, 3, 0, 1)),
		.ret = 0,
		.exp = L(E(I10, S1, 1, 0, 1), E(I10, S1, 2, 0, 0), E(I10, S1, 3, 0, 1)),
		.trashes = 1,
	},
	{
		.name = "unref/one user of several",
		.op = OP_UNREF,
		.init = L(E(I10, S1, 1, 0, 3)),
		.arg = L(E(I10, S1, 1, 0, 0)),
		.ret = 0,
		.exp = L(E(I10, S1, 1, 0, 2)),
		.del_users = { 1 },
	},
	{
		.name = "unref/two users in one call",
		.op = OP_UNREF,
		.init = L(E(I10, S1, 1, 0, 3), E(I10, S2, 1, 0, 1)),
		.arg = L(E(I10, S1, 1, 0, 0), E(I10, S1, 1, 0, -5)),
		.ret = 0,
		.exp = L(E(I10, S1, 1, 0, 1), E(I10, S2, 1, 0, 1)),
		.del_users = { 1, 1 },
	},
	{
		/* Both del entries' match reached 0: both learn it. */
		.name = "unref/duplicate del takes the last two users",
		.op = OP_UNREF,
		.init = L(E(I10, S1, 1, 0, 2), E(I10, S2, 1, 0, 1)),
		.arg = L(E(I10, S1, 1, 0, 1), E(I10, S1, 1, 0, 1)),
		.ret = 1,
		.exp = L(E(I10, S1, 1, 0, 0), E(I10, S2, 1, 0, 1)),
		.trashes = 1,
		.del_users = { 0, 0 },
	},
	{
		.name = "unref/duplicate del among others",
		.op = OP_UNREF,
		.init = L(E(I10, S1, 1, 0, 2), E(I10, S2, 1, 0, 3), E(I10, ATC, 1, 1, 1),
			  E(I10, ATC, 1, 2, 1)),
		.arg = L(E(I10, ATC, 1, 1, 0), E(I10, S1, 1, 0, 0), E(I10, S2, 1, 0, 0),
			 E(I10, S1, 1, 0, 0)),
		.ret = 2,
		.exp = L(E(I10, S1, 1, 0, 0), E(I10, S2, 1, 0, 2), E(I10, ATC, 1, 1, 0),
			 E(I10, ATC, 1, 2, 1)),
		.trashes = 2,
		.del_users = { 0, 0, 1, 0 },
	},
	{
		.name = "unref/trash in the middle stays",
		.op = OP_UNREF,
		.init = L(E(NUL, S1, 1, 0, 1), E(I10, S2, 2, 0, 1), E(I20, ATC, 3, 0, 1)),
		.arg = L(E(I10, S2, 2, 0, 1)),
		.ret = 1,
		.exp = L(E(NUL, S1, 1, 0, 1), E(I10, S2, 2, 0, 0), E(I20, ATC, 3, 0, 1)),
		.trashes = 1,
		.del_users = { 0 },
	},
	{
		.name = "unref/trailing trash cut",
		.op = OP_UNREF,
		.init = L(E(I10, S1, 1, 0, 1), E(I10, S1, 2, 0, 1)),
		.arg = L(E(I10, S1, 2, 0, 1)),
		.ret = 1,
		.exp = L(E(I10, S1, 1, 0, 1)),
		.del_users = { 0 },
	},
	{
		.name = "unref/several trailing trash cut, older trash included",
		.op = OP_UNREF,
		.init = L(E(I10, S1, 1, 0, 1), E(I10, S1, 2, 0, 0), E(I10, S1, 3, 0, 1),
			  E(I10, S1, 4, 0, 1)),
		.arg = L(E(I10, S1, 4, 0, 1), E(I10, S1, 3, 0, 1)),
		.ret = 2,
		.exp = L(E(I10, S1, 1, 0, 1)),
		.trashes = 0,
		.del_users = { 0, 0 },
	},
	{
		.name = "unref/cut stops at the last live entry",
		.op = OP_UNREF,
		.init = L(E(I10, S1, 1, 0, 1), E(I10, S1, 2, 0, 1), E(I10, S1, 3, 0, 1),
			  E(I10, S1, 4, 0, 1)),
		.arg = L(E(I10, S1, 4, 0, 1), E(I10, S1, 2, 0, 1)),
		.ret = 2,
		.exp = L(E(I10, S1, 1, 0, 1), E(I10, S1, 2, 0, 0), E(I10, S1, 3, 0, 1)),
		.trashes = 1,
		.del_users = { 0, 0 },
	},
	{
		.name = "unref/last entry losing one user is not cut",
		.op = OP_UNREF,
		.init = L(E(I10, S1, 1, 0, 0), E(I10, S1, 2, 0, 2)),
		.arg = L(E(I10, S1, 2, 0, 1)),
		.ret = 0,
		.exp = L(E(I10, S1, 1, 0, 0), E(I10, S1, 2, 0, 1)),
		.trashes = 1,
		.del_users = { 1 },
	},
	{
		.name = "unref/whole array becomes trash",
		.op = OP_UNREF,
		.init = L(E(I10, S1, 1, 0, 1), E(I10, ATC, 2, 5, 2)),
		.arg = L(E(I10, ATC, 2, 5, 1), E(I10, S1, 1, 0, 1), E(I10, ATC, 2, 5, 1)),
		.ret = 2,
		.exp = { 0 },
		.trashes = 0,
		.del_users = { 0, 0, 0 },
	},
	{
		.name = "unref/whole array with older trash becomes empty",
		.op = OP_UNREF,
		.init = L(E(NUL, S1, 1, 0, 0), E(I10, S1, 1, 0, 1), E(I10, S2, 1, 0, 0),
			  E(I30, FULL, 1, 0, 1)),
		.arg = L(E(I30, FULL, 1, 0, 1), E(I10, S1, 1, 0, 1)),
		.ret = 2,
		.exp = { 0 },
		.trashes = 0,
		.del_users = { 0, 0 },
	},
	{
		.name = "unref/every type",
		.op = OP_UNREF,
		.init = L(E(I20, S1, 1, 0, 1), E(I20, S2, 1, 0, 1), E(I20, CLR, 1, 0, 1),
			  E(I20, ATC, 1, 0, 1), E(I20, FULL, 1, 0, 1)),
		.arg = L(E(I20, CLR, 1, 0, 1), E(I20, S1, 1, 0, 1), E(I20, ATC, 1, 0, 1),
			 E(I20, S2, 1, 0, 1)),
		.ret = 4,
		.exp = L(E(I20, S1, 1, 0, 0), E(I20, S2, 1, 0, 0), E(I20, CLR, 1, 0, 0),
			 E(I20, ATC, 1, 0, 0), E(I20, FULL, 1, 0, 1)),
		.trashes = 4,
		.del_users = { 0, 0, 0, 0 },
	},
	{
		.name = "unref/ssid ignored for S2 and CLR",
		.op = OP_UNREF,
		.init = L(E(I10, S1, 1, 0, 2), E(I10, S2, 1, 3, 1), E(I10, CLR, 1, 0, 1),
			  E(I10, ATC, 1, 0, 1)),
		.arg = L(E(I10, S1, 1, 0, 1), E(I10, S2, 1, 0, 1), E(I10, CLR, 1, 0xffffffffu, 1)),
		.ret = 2,
		.exp = L(E(I10, S1, 1, 0, 1), E(I10, S2, 1, 3, 0), E(I10, CLR, 1, 0, 0),
			 E(I10, ATC, 1, 0, 1)),
		.trashes = 2,
		.del_users = { 1, 0, 0 },
	},
	{
		.name = "unref/ATC ssid selects the entry",
		.op = OP_UNREF,
		.init = L(E(I10, ATC, 1, 1, 1), E(I10, ATC, 1, 2, 1), E(I10, FULL, 1, 0, 1),
			  E(I10, FULL, 1, 6, 1)),
		.arg = L(E(I10, ATC, 1, 1, 1), E(I10, FULL, 1, 0, 1)),
		.ret = 2,
		.exp = L(E(I10, ATC, 1, 1, 0), E(I10, ATC, 1, 2, 1), E(I10, FULL, 1, 0, 0),
			 E(I10, FULL, 1, 6, 1)),
		.trashes = 2,
		.del_users = { 0, 0 },
	},
	{
		.name = "unref/finds entries ordered by instance id",
		.op = OP_UNREF,
		.init = L(E(NUL, S1, 1, 0, 1), E(I10, S1, 1, 0, 1), E(I20, S1, 1, 0, 2),
			  E(I30, S1, 1, 0, 1), E(I30, S2, 1, 0, 1)),
		.arg = L(E(I20, S1, 1, 0, 1), E(I10, S1, 1, 0, 1), E(NUL, S1, 1, 0, 1),
			 E(I30, S2, 1, 0, 1)),
		.ret = 3,
		.exp = L(E(NUL, S1, 1, 0, 0), E(I10, S1, 1, 0, 0), E(I20, S1, 1, 0, 1),
			 E(I30, S1, 1, 0, 1)),
		.trashes = 2,
		.del_users = { 1, 0, 0, 0 },
	},

	/* ---- purge ---- */
	{
		.name = "purge/empty array -> NULL",
		.op = OP_PURGE,
		.ret = 0,
	},
	{
		.name = "purge/no trash -> NULL",
		.op = OP_PURGE,
		.init = L(E(NUL, S1, 1, 0, 1), E(I10, ATC, 2, 3, 2)),
		.ret = 0,
	},
	{
		.name = "purge/drops trash, keeps live entries and users",
		.op = OP_PURGE,
		.init = L(E(NUL, S1, 1, 0, 2), E(I10, S2, 1, 5, 0), E(I10, ATC, 3, 4, 1),
			  E(I20, FULL, 5, 0, 0), E(I30, S1, 1, 9, 3)),
		.ret = 1,
		.exp = L(E(NUL, S1, 1, 0, 2), E(I10, ATC, 3, 4, 1), E(I30, S1, 1, 9, 3)),
	},
	{
		.name = "purge/dropping the only ATC entry clears has_atc",
		.op = OP_PURGE,
		.init = L(E(I10, S1, 1, 0, 1), E(I10, ATC, 3, 0, 0), E(I10, FULL, 3, 0, 0),
			  E(I20, S2, 1, 0, 1)),
		.ret = 1,
		.exp = L(E(I10, S1, 1, 0, 1), E(I20, S2, 1, 0, 1)),
	},
	{
		.name = "purge/leading trash",
		.op = OP_PURGE,
		.init = L(E(NUL, CLR, 1, 0, 0), E(NUL, FULL, 1, 0, 0), E(I10, CLR, 2, 0, 7)),
		.ret = 1,
		.exp = L(E(I10, CLR, 2, 0, 7)),
	},
};

#define NCASES (sizeof(invs_cases) / sizeof(invs_cases[0]))

/* ------------------------------------------------------------------- cmp */

struct cmp_case {
	struct tinv a, b;
	int sign;
};

static const struct cmp_case cmp_cases[] = {
	{ E(NUL, S1, 1, 0, 1), E(NUL, S1, 1, 0, 1), 0 },
	{ E(NUL, FULL, 9, 9, 1), E(I30, S1, 0, 0, 1), -1 },
	{ E(I10, S1, 0, 0, 1), E(NUL, FULL, 9, 9, 1), 1 },
	{ E(I30, S1, 0, 0, 1), E(I10, FULL, 9, 9, 1), 1 },	/* lower address, higher id */
	{ E(I10, FULL, 9, 9, 1), E(I20, S1, 0, 0, 1), -1 },
	{ E(I20, S1, 0, 0, 1), E(I30, S1, 0, 0, 1), -1 },
	{ E(I10, S2, 0, 0, 1), E(I10, S1, 0xffffffffu, 0, 1), 1 },
	{ E(I10, CLR, 0, 0, 1), E(I10, ATC, 0, 0, 1), -1 },
	{ E(I10, ATC, 0xffffffffu, 0, 1), E(I10, FULL, 0, 0, 1), -1 },
	{ E(I10, S1, 0xffffffffu, 0, 1), E(I10, S1, 1, 0, 1), 1 },
	{ E(I10, S1, 0x80000000u, 0, 1), E(I10, S1, 0x7fffffffu, 0, 1), 1 },
	{ E(I10, S1, 4, 1, 1), E(I10, S1, 4, 2, 1), -1 },	/* PASID-tagged stage 1 */
	{ E(I10, S2, 4, 0xffffffffu, 1), E(I10, S2, 4, 0, 1), 0 },
	{ E(I10, CLR, 4, 3, 1), E(I10, CLR, 4, 0, 1), 0 },
	{ E(I10, ATC, 4, 1, 1), E(I10, ATC, 4, 2, 1), -1 },
	{ E(I10, ATC, 4, 0xffffffffu, 1), E(I10, ATC, 4, 0, 1), 1 },
	{ E(I10, FULL, 4, 3, 1), E(I10, FULL, 4, 0, 1), 1 },
	{ E(I10, FULL, 4, 3, 1), E(I10, FULL, 4, 3, 7), 0 },	/* users not in the key */
	{ E(I10, ATC, 3, 9, 1), E(I10, ATC, 4, 0, 1), -1 },
};

#endif /* INVT_TEST_INVS_CASES_H */
