// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_nested.c - nested domains in the core, on the recording backend.
 *
 * Two instances: A shares the parent's stage-2 tag with nested domains
 * (SMMUv3 VMID, RISC-V GSCID), B gives each nested domain its own tag
 * (INVT_IOMMU_NESTED_OWN_TAGS, VT-d's DID per nested domain).  One nest
 * parent P with nested domains N1 and N2; an ATS device on A, an ATS device
 * and a plain one on B.
 *
 *  - attach / replace / detach through nested -> parent -> other nested ->
 *    blocked: after each step the parent's array is exactly what it must
 *    be (IOTLB_S2, S1_CLEAR and ATC_FULL entries while a nested domain over
 *    it is attached anywhere, none once the last one left), the tags are
 *    the parent's on A and the nested domain's own on B, and commit's log
 *    flushes the device ATC first and the dead tags' entries before their
 *    tags are released;
 *  - a parent unmap: the commands each instance receives, and their count
 *    equal to invt_invs_plan_count();
 *  - every allocation of a nested attach that creates an own tag fails in
 *    turn (-ENOMEM), and a full tag space (-ENOSPC): nothing changes;
 *  - abort before and after the install starts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <invtrack/core.h>
#include <invtrack/fault.h>

#include "record.h"

#define PAGE		4096ull
#define SID_A		0x100
#define SID_B		0x200
#define SID_B2		0x201
#define MAXX		16

static struct env {
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu a, b, c;
	struct invt_domain p, n1, n2;
	struct invt_device da, db, db2, dc, dc2;
} *E;

static void dev_init(struct invt_device *dev, struct invt_rec_iommu *ri, uint32_t sid,
		     uint32_t nr_ssids, bool ats)
{
	assert_int_equal(invt_device_init(dev, &ri->iommu, &sid, 1, nr_ssids, ats), 0);
}

static int setup(void **state)
{
	static struct env env;

	(void)state;
	E = &env;
	memset(E, 0, sizeof(*E));
	invt_rcu_register_thread();
	invt_ctx_init(&E->ctx);
	invt_recorder_init(&E->rec, true);
	assert_int_equal(invt_rec_iommu_init(&E->ctx, &E->a, &E->rec, 1, 0, 16, NULL, 16), 0);
	assert_int_equal(invt_rec_iommu_init(&E->ctx, &E->b, &E->rec, 2, INVT_IOMMU_NESTED_OWN_TAGS,
					     16, NULL, 16), 0);
	/* C: own tags, a tag space of one tag. */
	assert_int_equal(invt_rec_iommu_init(&E->ctx, &E->c, &E->rec, 3, INVT_IOMMU_NESTED_OWN_TAGS,
					     16, NULL, 1), 0);
	assert_int_equal(invt_domain_init(&E->ctx, &E->p, INVT_DOMAIN_S2, NULL), 0);
	assert_int_equal(invt_domain_init(&E->ctx, &E->n1, INVT_DOMAIN_NESTED, &E->p), 0);
	assert_int_equal(invt_domain_init(&E->ctx, &E->n2, INVT_DOMAIN_NESTED, &E->p), 0);
	dev_init(&E->da, &E->a, SID_A, 1, true);
	dev_init(&E->db, &E->b, SID_B, 1, true);
	dev_init(&E->db2, &E->b, SID_B2, 4, false);
	dev_init(&E->dc, &E->c, 1, 1, false);
	dev_init(&E->dc2, &E->c, 2, 1, false);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(invt_device_destroy(&E->da), 0);
	assert_int_equal(invt_device_destroy(&E->db), 0);
	assert_int_equal(invt_device_destroy(&E->db2), 0);
	assert_int_equal(invt_device_destroy(&E->dc), 0);
	assert_int_equal(invt_device_destroy(&E->dc2), 0);
	/* The parent goes last: its children hold it. */
	assert_int_equal(invt_domain_destroy(&E->p), -EBUSY);
	assert_int_equal(invt_domain_destroy(&E->n1), 0);
	assert_int_equal(invt_domain_destroy(&E->n2), 0);
	assert_int_equal(invt_domain_destroy(&E->p), 0);
	assert_int_equal(invt_rec_iommu_destroy(&E->a), 0);
	assert_int_equal(invt_rec_iommu_destroy(&E->b), 0);
	assert_int_equal(invt_rec_iommu_destroy(&E->c), 0);
	assert_int_equal(invt_ctx_destroy(&E->ctx), 0);
	invt_recorder_destroy(&E->rec);
	invt_rcu_unregister_thread();
	return 0;
}

/* ------------------------------------------------------------- helpers */

struct x {
	struct invt_rec_iommu *ri;
	uint8_t type;
	uint32_t id;
	uint32_t ssid;
	int users;
};

/* The parent's live entries are exactly @x[0..@n), in order. */
static void expect_array(const struct x *x, size_t n)
{
	struct invt_invs *got = invt_domain_invs_get(&E->p);
	size_t i;

	assert_non_null(got);
	assert_int_equal(got->num_invs, n);
	for (i = 0; i < n; i++) {
		const struct invt_inv *e = &got->inv[i];

		assert_ptr_equal(e->iommu, &x[i].ri->iommu);
		assert_int_equal(e->type, x[i].type);
		assert_int_equal(e->id, x[i].id);
		assert_int_equal(e->ssid, x[i].ssid);
		assert_int_equal(e->users, x[i].users);
	}
	/* The nested domains' view is their parent's array. */
	invt_invs_free(got);
	got = invt_domain_invs_get(&E->n1);
	assert_non_null(got);
	assert_int_equal(got->num_invs, n);
	invt_invs_free(got);
}

struct c {
	uint8_t op;
	uint32_t id;
	uint64_t addr;
};

/* The non-sync commands instance @ri received since the log was reset are @c[0..@n). */
static void expect_cmds(const struct invt_rec_iommu *ri, const struct c *c, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < E->rec.nlog; i++) {
		const struct invt_rec_event *ev = &E->rec.log[i];

		if (ev->kind != INVT_REC_EV_CMD || ev->iommu != ri->iommu.id ||
		    ev->cmd.op == INVT_REC_SYNC)
			continue;
		assert_true(k < n);
		assert_int_equal(ev->cmd.op, c[k].op);
		assert_int_equal(ev->cmd.id, c[k].id);
		if (c[k].op == INVT_REC_INV_PAGE)
			assert_int_equal(ev->cmd.addr, c[k].addr);
		k++;
	}
	assert_int_equal(k, n);
}

static uint32_t tag_of(struct invt_domain *d, struct invt_rec_iommu *ri)
{
	uint32_t tag = 0;

	assert_int_equal(invt_domain_tag(d, &ri->iommu, &tag), 0);
	return tag;
}

static uint64_t rec_entry_cmds(struct invt_iommu *iommu, const struct invt_inv *inv,
			       const struct invt_range *r)
{
	(void)iommu;
	return invt_rec_policy_cmds(inv->type, r, 16);
}

/* --------------------------------------------------------------- tests */

static void test_transitions(void **state)
{
	const uint8_t S2 = INVT_INV_IOTLB_S2, CLR = INVT_INV_IOTLB_S2_S1_CLEAR;
	const uint8_t FULL = INVT_INV_ATC_FULL, ATC = INVT_INV_ATC;
	struct invt_rec_iommu *A = &E->a, *B = &E->b;
	uint32_t t, d1, d2, tmp;

	(void)state;
	/* 1. A's device on N1: the parent's tag on A, clear and whole ATC. */
	assert_int_equal(invt_attach(&E->da, 0, &E->n1), 0);
	t = tag_of(&E->p, A);
	assert_int_equal(tag_of(&E->n1, A), t);
	{
		const struct x x[] = {
			{ A, S2, t, 0, 1 }, { A, CLR, t, 0, 1 }, { A, FULL, SID_A, 0, 1 },
		};

		expect_array(x, 3);
	}
	assert_int_equal(E->n1.nr_bindings, 0);
	assert_int_equal(E->p.nr_bindings, 1);

	/* 2. Replace N1 -> P directly: the clear and the whole ATC go. */
	invt_recorder_reset(&E->rec);
	assert_int_equal(invt_attach(&E->da, 0, &E->p), 0);
	{
		const struct x x[] = { { A, S2, t, 0, 1 }, { A, ATC, SID_A, 0, 1 } };
		/* Commit: the device's whole ATC, then the clear whose last user left. */
		const struct c c[] = {
			{ INVT_REC_ATC_ALL, SID_A, 0 }, { INVT_REC_S1_CLEAR, t, 0 },
		};

		expect_array(x, 2);
		expect_cmds(A, c, 2);
	}
	assert_int_equal(tag_of(&E->p, A), t);

	/* 3. Replace P -> N2, 4. N2 -> N1: nested entries back, same tag. */
	assert_int_equal(invt_attach(&E->da, 0, &E->n2), 0);
	invt_recorder_reset(&E->rec);
	assert_int_equal(invt_attach(&E->da, 0, &E->n1), 0);
	{
		const struct x x[] = {
			{ A, S2, t, 0, 1 }, { A, CLR, t, 0, 1 }, { A, FULL, SID_A, 0, 1 },
		};
		/* Only the ATC: the entries N2 left are N1's too, still used. */
		const struct c c[] = { { INVT_REC_ATC_ALL, SID_A, 0 } };

		expect_array(x, 3);
		expect_cmds(A, c, 1);
	}

	/* 5. B's devices on N1 and N2: each nested domain's own tag on B. */
	assert_int_equal(invt_attach(&E->db, 0, &E->n1), 0);
	assert_int_equal(invt_attach(&E->db2, 2, &E->n2), 0);
	d1 = tag_of(&E->n1, B);
	d2 = tag_of(&E->n2, B);
	assert_int_not_equal(d1, d2);
	assert_int_equal(invt_domain_tag(&E->p, &B->iommu, &tmp), -ENOENT);
	assert_int_equal(E->n1.nr_bindings, 1);
	assert_int_equal(E->n2.nr_bindings, 1);
	assert_int_equal(invt_tag_space_used(&B->tags), 2);
	{
		const struct x x[] = {
			{ A, S2, t, 0, 1 },  { A, CLR, t, 0, 1 },  { A, FULL, SID_A, 0, 1 },
			{ B, S2, d1, 0, 1 }, { B, S2, d2, 0, 1 },  { B, CLR, d1, 0, 1 },
			{ B, CLR, d2, 0, 1 }, { B, FULL, SID_B, 0, 1 },
		};

		expect_array(x, 8);
	}

	/* 6. A parent unmap of two pages: which commands on which instance. */
	invt_recorder_reset(&E->rec);
	assert_int_equal(invt_domain_invalidate(&E->p, PAGE, 2 * PAGE, true), 0);
	{
		const struct c ca[] = {
			{ INVT_REC_INV_PAGE, t, PAGE }, { INVT_REC_INV_PAGE, t, 2 * PAGE },
			{ INVT_REC_S1_CLEAR, t, 0 }, { INVT_REC_ATC_ALL, SID_A, 0 },
		};
		const struct c cb[] = {
			{ INVT_REC_INV_PAGE, d1, PAGE }, { INVT_REC_INV_PAGE, d1, 2 * PAGE },
			{ INVT_REC_INV_PAGE, d2, PAGE }, { INVT_REC_INV_PAGE, d2, 2 * PAGE },
			{ INVT_REC_S1_CLEAR, d1, 0 },	 { INVT_REC_S1_CLEAR, d2, 0 },
			{ INVT_REC_ATC_ALL, SID_B, 0 },
		};
		const struct invt_range r = { .start = PAGE, .last = 3 * PAGE - 1, .leaf = true };
		struct invt_invs *cur = invt_domain_invs_get(&E->p);
		uint64_t cmds, syncs, logged = 0;
		size_t i;

		expect_cmds(A, ca, 4);
		expect_cmds(B, cb, 7);
		for (i = 0; i < E->rec.nlog; i++)
			logged += E->rec.log[i].kind == INVT_REC_EV_CMD;
		/* Both instances use the recording ops: one plan covers them. */
		invt_invs_plan_count(cur, &r, A->iommu.ops, rec_entry_cmds, &cmds, &syncs);
		invt_invs_free(cur);
		assert_int_equal(logged, cmds);
		/* Three non-empty phases per instance, one sync each. */
		assert_int_equal(syncs, 6);
	}

	/* 7. B's ATS device leaves N1: its ATC, then N1's tag on B, released. */
	invt_recorder_reset(&E->rec);
	assert_int_equal(invt_attach(&E->db, 0, NULL), 0);
	{
		const struct c cb[] = {
			{ INVT_REC_ATC_ALL, SID_B, 0 }, { INVT_REC_INV_TAG, d1, 0 },
			{ INVT_REC_S1_CLEAR, d1, 0 },
		};
		const struct x x[] = {
			{ A, S2, t, 0, 1 },  { A, CLR, t, 0, 1 }, { A, FULL, SID_A, 0, 1 },
			{ B, S2, d2, 0, 1 }, { B, CLR, d2, 0, 1 },
		};

		expect_cmds(B, cb, 3);
		expect_array(x, 5);
	}
	assert_int_equal(E->n1.nr_bindings, 0);
	assert_int_equal(invt_tag_space_used(&B->tags), 1);
	assert_int_equal(invt_domain_tag(&E->n1, &B->iommu, &tmp), -ENOENT);

	/* 8. A's device blocked: nothing of A is left, the parent's tag goes. */
	invt_recorder_reset(&E->rec);
	assert_int_equal(invt_attach(&E->da, 0, NULL), 0);
	{
		const struct c ca[] = {
			{ INVT_REC_ATC_ALL, SID_A, 0 }, { INVT_REC_INV_TAG, t, 0 },
			{ INVT_REC_S1_CLEAR, t, 0 },
		};
		const struct x x[] = { { B, S2, d2, 0, 1 }, { B, CLR, d2, 0, 1 } };

		expect_cmds(A, ca, 3);
		expect_array(x, 2);
	}
	assert_int_equal(E->p.nr_bindings, 0);
	assert_int_equal(invt_tag_space_used(&A->tags), 0);

	/* 9. The last nested user leaves: the parent's array is empty. */
	assert_int_equal(invt_attach(&E->db2, 2, NULL), 0);
	expect_array(NULL, 0);
	assert_int_equal(E->n2.nr_bindings, 0);
	assert_int_equal(invt_tag_space_used(&B->tags), 0);
	assert_int_equal(invt_domain_invalidate(&E->p, 0, PAGE, true), 0);
}

/* A direct parent attachment and a nested one on the own-tag instance. */
static void test_parent_and_nested_on_b(void **state)
{
	const uint8_t S2 = INVT_INV_IOTLB_S2, CLR = INVT_INV_IOTLB_S2_S1_CLEAR;
	struct invt_rec_iommu *B = &E->b;
	uint32_t tp, d1;

	(void)state;
	assert_int_equal(invt_attach(&E->db2, 0, &E->p), 0);
	assert_int_equal(invt_attach(&E->db2, 1, &E->n1), 0);
	tp = tag_of(&E->p, B);
	d1 = tag_of(&E->n1, B);
	assert_int_not_equal(tp, d1);
	{
		/* Sorted by tag within a type; the parent's DID has no clear. */
		const struct x x1[] = {
			{ B, S2, tp, 0, 1 }, { B, S2, d1, 0, 1 }, { B, CLR, d1, 0, 1 },
		};
		const struct x x2[] = {
			{ B, S2, d1, 0, 1 }, { B, S2, tp, 0, 1 }, { B, CLR, d1, 0, 1 },
		};

		if (tp < d1)
			expect_array(x1, 3);
		else
			expect_array(x2, 3);
	}
	/* Replace nested -> parent at ssid 1: one direct user more, no nested entry. */
	assert_int_equal(invt_attach(&E->db2, 1, &E->p), 0);
	{
		const struct x x[] = { { B, S2, tp, 0, 2 } };

		expect_array(x, 1);
	}
	assert_int_equal(invt_attach(&E->db2, 1, NULL), 0);
	assert_int_equal(invt_attach(&E->db2, 0, NULL), 0);
	expect_array(NULL, 0);
	assert_int_equal(invt_tag_space_used(&B->tags), 0);
}

struct snap {
	struct invt_invs *invs;
	unsigned int pb, n1b, n2b, used_b;
	bool in_use;
};

static void snap_take(struct snap *s)
{
	s->invs = E->p.invs;
	s->pb = E->p.nr_bindings;
	s->n1b = E->n1.nr_bindings;
	s->n2b = E->n2.nr_bindings;
	s->used_b = invt_tag_space_used(&E->b.tags);
	s->in_use = invt_device_in_use(&E->db);
}

static void snap_check(const struct snap *s)
{
	assert_ptr_equal(E->p.invs, s->invs);
	assert_int_equal(E->p.nr_bindings, s->pb);
	assert_int_equal(E->n1.nr_bindings, s->n1b);
	assert_int_equal(E->n2.nr_bindings, s->n2b);
	assert_int_equal(invt_tag_space_used(&E->b.tags), s->used_b);
	assert_int_equal(invt_device_in_use(&E->db), s->in_use);
}

/*
 * Every allocation of a nested attach fails in turn: the first one of N1
 * on B (a slot, the entries, N1's bindings, the merged array), and a
 * replace N1 -> N2 that creates N2's tag.  Nothing changes.
 */
static void test_alloc_fail(void **state)
{
	struct invt_domain *to[] = { &E->n1, &E->n2 };
	struct invt_attach tx;
	unsigned int k, nth, fired;
	struct snap s;
	int ret;

	(void)state;
	for (k = 0; k < 2; k++) {
		fired = 0;
		for (nth = 1;; nth++) {
			snap_take(&s);
			invt_fault_inject(nth);
			ret = invt_attach_prepare(&tx, &E->db, 0, to[k]);
			if (!invt_fault_pending()) {
				invt_fault_inject(0);
				if (ret) {
					assert_int_equal(ret, -ENOMEM);
					snap_check(&s);
					fired++;
					continue;
				}
				/* A failure in a later, optional allocation. */
				invt_attach_commit(&tx);
				break;
			}
			invt_fault_inject(0);
			assert_int_equal(ret, 0);
			invt_attach_commit(&tx);
			break;
		}
		/* The slot, the entries, the bindings and the merge (and N2's). */
		assert_true(fired >= (k ? 3 : 4));
		assert_ptr_equal(invt_device_domain(&E->db, 0), to[k]);
	}
	assert_int_equal(invt_attach(&E->db, 0, NULL), 0);
	expect_array(NULL, 0);
	assert_int_equal(invt_tag_space_used(&E->b.tags), 0);
}

/* A full tag space: -ENOSPC, nothing changes; the parent's tag instance is unaffected. */
static void test_no_tag(void **state)
{
	struct invt_rec_iommu *C = &E->c;
	struct invt_invs *before;
	uint32_t d1;

	(void)state;
	assert_int_equal(invt_attach(&E->dc, 0, &E->n1), 0);
	d1 = tag_of(&E->n1, C);
	before = E->p.invs;
	assert_int_equal(invt_attach(&E->dc2, 0, &E->n2), -ENOSPC);
	assert_ptr_equal(E->p.invs, before);
	assert_int_equal(E->n2.nr_bindings, 0);
	assert_null(invt_device_domain(&E->dc2, 0));
	/* N1 again shares its own tag. */
	assert_int_equal(invt_attach(&E->dc2, 0, &E->n1), 0);
	assert_int_equal(tag_of(&E->n1, C), d1);
	{
		const struct x x[] = { { C, INVT_INV_IOTLB_S2, d1, 0, 2 },
				       { C, INVT_INV_IOTLB_S2_S1_CLEAR, d1, 0, 2 } };

		expect_array(x, 2);
	}
	assert_int_equal(invt_attach(&E->dc2, 0, NULL), 0);
	assert_int_equal(invt_attach(&E->dc, 0, NULL), 0);
	expect_array(NULL, 0);
	assert_int_equal(invt_tag_space_used(&C->tags), 0);
}

/*
 * Abort of a nested attach on the own-tag instance: before the install no
 * ATC command (the device never used the nested domain); after it, the
 * device's whole ATC first; either way the nested domain's tag is flushed
 * before it is released.
 */
static void test_abort(void **state)
{
	struct invt_attach tx;
	uint32_t d1;

	(void)state;
	invt_recorder_reset(&E->rec);
	assert_int_equal(invt_attach_prepare(&tx, &E->db, 0, &E->n1), 0);
	assert_int_equal(E->n1.nr_bindings, 1);
	d1 = tag_of(&E->n1, &E->b);
	invt_attach_abort(&tx);
	{
		/* No ATC command (the device never used N1); the dead tag is flushed. */
		const struct c cb[] = { { INVT_REC_INV_TAG, d1, 0 }, { INVT_REC_S1_CLEAR, d1, 0 } };

		expect_cmds(&E->b, cb, 2);
	}
	expect_array(NULL, 0);
	assert_int_equal(E->n1.nr_bindings, 0);
	assert_int_equal(invt_tag_space_used(&E->b.tags), 0);

	invt_recorder_reset(&E->rec);
	assert_int_equal(invt_attach_prepare(&tx, &E->db, 0, &E->n1), 0);
	d1 = tag_of(&E->n1, &E->b);
	invt_attach_installing(&tx);
	invt_attach_abort(&tx);
	{
		const struct c cb[] = {
			{ INVT_REC_ATC_ALL, SID_B, 0 }, { INVT_REC_INV_TAG, d1, 0 },
			{ INVT_REC_S1_CLEAR, d1, 0 },
		};

		expect_cmds(&E->b, cb, 3);
	}
	expect_array(NULL, 0);
	assert_int_equal(E->n1.nr_bindings, 0);
	assert_int_equal(invt_tag_space_used(&E->b.tags), 0);
	assert_null(invt_device_domain(&E->db, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_transitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_and_nested_on_b, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
