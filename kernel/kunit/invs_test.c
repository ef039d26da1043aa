// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * invs_test.c - KUnit: invalidation arrays (merge, unref, purge) in a kernel.
 *
 * The table cases are the cmocka test's own (tests/unit/invs_cases.h): every
 * initial array, operation and exact expected result, run here on the
 * kernel's allocator.  Then the comparison table, allocation and its
 * failures, a property test of random operation sequences against a
 * reference count per key, and a kthread walking an array while unref runs
 * on it.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include <invtrack/core.h>
#include <invtrack/fault.h>

#include "invs_cases.h"

/* Pointer order differs from id order: I30 has the lowest address. */
static struct invt_iommu iommu_obj[3] = { { .id = 30 }, { .id = 10 }, { .id = 20 } };

static struct invt_iommu *im(int i)
{
	return i < 0 ? NULL : &iommu_obj[i];
}

static bool is_atc(u8 type)
{
	return type == ATC || type == FULL;
}

static bool has_ssid(u8 type)
{
	return is_atc(type) || type == S1;
}

static struct invt_inv to_inv(const struct tinv *t)
{
	struct invt_inv e = {
		.iommu = im(t->im), .type = t->type, .id = t->id, .ssid = t->ssid,
		.users = t->users,
	};

	return e;
}

static struct invt_invs *build(struct kunit *test, const struct tlist *l)
{
	struct invt_invs *a = invt_invs_alloc(l->n);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, a);
	for (i = 0; i < l->n; i++) {
		a->inv[i] = to_inv(&l->v[i]);
		if (!a->inv[i].users)
			a->num_trashes++;
		if (is_atc(a->inv[i].type))
			a->has_atc = 1;
	}
	return a;
}

/* A deep copy, freed with the test (not counted by the fault injector). */
static struct invt_invs *dup_invs(struct kunit *test, const struct invt_invs *a)
{
	size_t sz = sizeof(*a) + a->num_invs * sizeof(a->inv[0]);
	struct invt_invs *c = kunit_kmalloc(test, sz, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	memcpy(c, a, sz);
	return c;
}

static void expect_same_inv(struct kunit *test, const struct invt_inv *a,
			    const struct invt_inv *b)
{
	KUNIT_EXPECT_PTR_EQ(test, a->iommu, b->iommu);
	KUNIT_EXPECT_EQ(test, a->type, b->type);
	KUNIT_EXPECT_EQ(test, a->id, b->id);
	KUNIT_EXPECT_EQ(test, a->ssid, b->ssid);
	KUNIT_EXPECT_EQ(test, a->users, b->users);
}

static void expect_same_invs(struct kunit *test, const struct invt_invs *a,
			     const struct invt_invs *b)
{
	size_t i;

	KUNIT_ASSERT_EQ(test, a->num_invs, b->num_invs);
	KUNIT_EXPECT_EQ(test, a->num_trashes, b->num_trashes);
	KUNIT_EXPECT_EQ(test, a->has_atc, b->has_atc);
	for (i = 0; i < a->num_invs; i++)
		expect_same_inv(test, &a->inv[i], &b->inv[i]);
}

/* As the cmocka test's assert_array(): merge may keep any ssid of equal S2/CLR keys. */
static void expect_array(struct kunit *test, const struct invt_invs *a, const struct tlist *exp,
			 size_t trashes, bool exact_ssid)
{
	size_t i;

	KUNIT_ASSERT_EQ(test, a->num_invs, exp->n);
	KUNIT_EXPECT_EQ(test, a->num_trashes, trashes);
	for (i = 0; i < exp->n; i++) {
		struct invt_inv e = to_inv(&exp->v[i]);

		KUNIT_EXPECT_PTR_EQ(test, a->inv[i].iommu, e.iommu);
		KUNIT_EXPECT_EQ(test, a->inv[i].type, e.type);
		KUNIT_EXPECT_EQ(test, a->inv[i].id, e.id);
		if (exact_ssid || has_ssid(e.type))
			KUNIT_EXPECT_EQ(test, a->inv[i].ssid, e.ssid);
		KUNIT_EXPECT_EQ(test, a->inv[i].users, e.users);
	}
}

static int list_has_atc(const struct tlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (is_atc(l->v[i].type))
			return 1;
	return 0;
}

static void case_desc(const struct invs_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(invs_table, invs_cases, case_desc);

static struct invt_invs sentinel_obj;
#define SENTINEL (&sentinel_obj)

static void invs_table_test(struct kunit *test)
{
	const struct invs_case *c = test->param_value;
	struct invt_invs *a = build(test, &c->init), *arg = build(test, &c->arg);
	struct invt_invs *a0 = dup_invs(test, a), *arg0 = dup_invs(test, arg);
	struct invt_invs *out;
	unsigned long allocs;
	size_t i, zeroed;

	switch (c->op) {
	case OP_MERGE:
		out = SENTINEL;
		KUNIT_EXPECT_EQ(test, invt_invs_merge(a, arg, &out), (int)c->ret);
		KUNIT_ASSERT_NOT_NULL(test, out);
		KUNIT_ASSERT_PTR_NE(test, out, SENTINEL);
		KUNIT_EXPECT_PTR_NE(test, out, a);
		expect_array(test, out, &c->exp, 0, false);
		KUNIT_EXPECT_EQ(test, out->has_atc, list_has_atc(&c->exp));
		expect_same_invs(test, a, a0);
		expect_same_invs(test, arg, arg0);
		invt_invs_free(out);
		break;
	case OP_UNREF:
		allocs = invt_alloc_count();
		zeroed = invt_invs_unref(a, arg);
		KUNIT_EXPECT_EQ(test, invt_alloc_count(), allocs);
		KUNIT_EXPECT_EQ(test, zeroed, (size_t)c->ret);
		expect_array(test, a, &c->exp, c->trashes, true);
		/* What was cut keeps its key and is trash: late readers skip it. */
		for (i = c->exp.n; i < c->init.n; i++) {
			struct invt_inv e = a0->inv[i];

			e.users = 0;
			expect_same_inv(test, &a->inv[i], &e);
		}
		KUNIT_EXPECT_EQ(test, a->has_atc, a0->has_atc);
		for (i = 0; i < c->arg.n; i++) {
			struct invt_inv e = arg0->inv[i];

			e.users = c->del_users[i];
			expect_same_inv(test, &arg->inv[i], &e);
		}
		break;
	case OP_PURGE:
		out = invt_invs_purge(a);
		if (!c->ret) {
			KUNIT_EXPECT_NULL(test, out);
		} else {
			KUNIT_ASSERT_NOT_NULL(test, out);
			KUNIT_EXPECT_PTR_NE(test, out, a);
			expect_array(test, out, &c->exp, 0, true);
			KUNIT_EXPECT_EQ(test, out->has_atc, list_has_atc(&c->exp));
			invt_invs_free(out);
		}
		expect_same_invs(test, a, a0);
		break;
	}
	invt_invs_free(a);
	invt_invs_free(arg);
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void invs_cmp_test(struct kunit *test)
{
	size_t i;

	/* The premise of the instance cases. */
	KUNIT_ASSERT_LT(test, (uintptr_t)im(I30), (uintptr_t)im(I10));
	for (i = 0; i < ARRAY_SIZE(cmp_cases); i++) {
		struct invt_inv a = to_inv(&cmp_cases[i].a), b = to_inv(&cmp_cases[i].b);

		KUNIT_EXPECT_EQ_MSG(test, sign(invt_invs_cmp(&a, &b)), cmp_cases[i].sign,
				    "cmp case %zu", i);
		KUNIT_EXPECT_EQ_MSG(test, sign(invt_invs_cmp(&b, &a)), -cmp_cases[i].sign,
				    "cmp case %zu, swapped", i);
	}
}

static void invs_alloc_test(struct kunit *test)
{
	size_t n, i;

	for (n = 0; n <= 5; n += 5) {
		struct invt_invs *a = invt_invs_alloc(n);

		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_EXPECT_EQ(test, a->num_invs, n);
		KUNIT_EXPECT_EQ(test, a->num_trashes, (size_t)0);
		KUNIT_EXPECT_EQ(test, a->has_atc, 0);
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_NULL(test, a->inv[i].iommu);
			KUNIT_EXPECT_EQ(test, a->inv[i].users, 0);
		}
		invt_invs_free(a);
	}
	KUNIT_EXPECT_NULL(test, invt_invs_alloc(SIZE_MAX));
	KUNIT_EXPECT_NULL(test, invt_invs_alloc(SIZE_MAX / sizeof(struct invt_inv)));
	invt_invs_free(NULL);
}

static void invs_alloc_fault_test(struct kunit *test)
{
	invt_fault_inject(1);
	KUNIT_EXPECT_NULL(test, invt_invs_alloc(3));
	KUNIT_EXPECT_FALSE(test, invt_fault_pending());
	/* The injector disarmed itself. */
	invt_invs_free(invt_invs_alloc(3));
}

static void invs_merge_fault_test(struct kunit *test)
{
	static const struct tlist init = L(E(I10, S1, 1, 0, 1), E(I10, S1, 2, 0, 0),
					   E(I10, ATC, 1, 1, 2));
	static const struct tlist add = L(E(I10, S1, 2, 0, 0), E(I10, S2, 1, 0, 0));
	struct invt_invs *a = build(test, &init), *arg = build(test, &add);
	struct invt_invs *a0 = dup_invs(test, a), *arg0 = dup_invs(test, arg);
	struct invt_invs *out = SENTINEL;
	unsigned long allocs;

	invt_fault_inject(1);
	KUNIT_EXPECT_EQ(test, invt_invs_merge(a, arg, &out), -ENOMEM);
	KUNIT_EXPECT_FALSE(test, invt_fault_pending());
	KUNIT_EXPECT_PTR_EQ(test, out, SENTINEL);
	expect_same_invs(test, a, a0);
	expect_same_invs(test, arg, arg0);

	/* Count, allocate once, fill: the same merge then succeeds. */
	allocs = invt_alloc_count();
	KUNIT_ASSERT_EQ(test, invt_invs_merge(a, arg, &out), 0);
	KUNIT_EXPECT_EQ(test, invt_alloc_count() - allocs, 1UL);
	KUNIT_ASSERT_PTR_NE(test, out, SENTINEL);
	KUNIT_EXPECT_EQ(test, out->num_invs, (size_t)4);
	invt_invs_free(out);
	invt_invs_free(a);
	invt_invs_free(arg);
}

static void invs_purge_fault_test(struct kunit *test)
{
	static const struct tlist trash = L(E(I10, S1, 1, 0, 1), E(I10, S1, 2, 0, 0),
					    E(I10, S1, 3, 0, 1));
	static const struct tlist clean = L(E(I10, S1, 1, 0, 1), E(I10, S1, 3, 0, 1));
	struct invt_invs *a = build(test, &trash), *b = build(test, &clean);
	struct invt_invs *a0 = dup_invs(test, a), *p;

	invt_fault_inject(1);
	KUNIT_EXPECT_NULL(test, invt_invs_purge(a));
	KUNIT_EXPECT_FALSE(test, invt_fault_pending());
	expect_same_invs(test, a, a0);
	p = invt_invs_purge(a);
	KUNIT_ASSERT_NOT_NULL(test, p);
	expect_array(test, p, &clean, 0, true);
	invt_invs_free(p);

	/* No trash: NULL without even trying to allocate. */
	invt_fault_inject(1);
	KUNIT_EXPECT_NULL(test, invt_invs_purge(b));
	KUNIT_EXPECT_TRUE(test, invt_fault_pending());
	invt_fault_inject(0);
	invt_invs_free(a);
	invt_invs_free(b);
}

/* ------------------------------------------------------------ property */

/* Keys: 2 instances x 5 types x 2 ids x 2 ssids (ssid counts for S1 and ATC types). */
#define P_NKEYS (2 * INVT_INV_NR_TYPES * 2 * 2)

static struct invt_inv key_inv(unsigned int k)
{
	struct invt_inv e = {
		.iommu = im(k & 1 ? I10 : I30),
		.type = (k >> 1) % INVT_INV_NR_TYPES,
		.id = (k / (2 * INVT_INV_NR_TYPES)) & 1 ? 0xfffffff0u : 7,
		.ssid = k / (4 * INVT_INV_NR_TYPES) ? 0x10000u : 0,
		.users = 1,
	};

	if (!has_ssid(e.type))
		e.ssid = 0;
	return e;
}

static unsigned int key_of(const struct invt_inv *e)
{
	unsigned int k;

	for (k = 0; k < P_NKEYS; k++) {
		struct invt_inv c = key_inv(k);

		if (!invt_invs_cmp(&c, e))
			return k;
	}
	return P_NKEYS;
}

/* The first of the keys equal to @k (ssid is no part of S2, CLR keys). */
static unsigned int key_norm(unsigned int k)
{
	struct invt_inv e = key_inv(k);

	return key_of(&e);
}

/* @a is sorted, without duplicate keys, and its live users are the model's. */
static void prop_check(struct kunit *test, const struct invt_invs *a, const int *users)
{
	int seen[P_NKEYS] = { 0 };
	size_t i, trash = 0;
	unsigned int k;

	for (i = 0; i < a->num_invs; i++) {
		if (i)
			KUNIT_ASSERT_LT(test, invt_invs_cmp(&a->inv[i - 1], &a->inv[i]), 0);
		k = key_of(&a->inv[i]);
		KUNIT_ASSERT_LT(test, k, (unsigned int)P_NKEYS);
		KUNIT_ASSERT_GE(test, a->inv[i].users, 0);
		trash += !a->inv[i].users;
		seen[k] = a->inv[i].users;
	}
	KUNIT_ASSERT_EQ(test, a->num_trashes, trash);
	if (a->num_invs)
		KUNIT_ASSERT_GT(test, a->inv[a->num_invs - 1].users, 0);
	for (k = 0; k < P_NKEYS; k++)
		KUNIT_ASSERT_EQ_MSG(test, seen[k], users[k], "key %u", k);
}

static void invs_property_test(struct kunit *test)
{
	struct rnd_state rnd;
	unsigned int run, step;

	prandom_seed_state(&rnd, 0x1e5c0de);
	for (run = 0; run < 50; run++) {
		int users[P_NKEYS] = { 0 };
		struct invt_invs *cur = invt_invs_alloc(0), *arg, *next;

		KUNIT_ASSERT_NOT_NULL(test, cur);
		for (step = 0; step < 100; step++) {
			unsigned int op = prandom_u32_state(&rnd) % 10, n, i, k;

			arg = invt_invs_alloc(4);
			KUNIT_ASSERT_NOT_NULL(test, arg);
			n = 1 + prandom_u32_state(&rnd) % 3;
			arg->num_invs = 0;
			for (i = 0; i < n; i++) {
				k = prandom_u32_state(&rnd) % P_NKEYS;
				k = key_norm(k);
				if (op >= 4 && op < 8 && !users[k])
					continue;	/* unref only what is live */
				if (op >= 4 && op < 8)
					users[k]--;
				else if (op < 4)
					users[k]++;
				arg->inv[arg->num_invs++] = key_inv(k);
			}
			if (op < 4) {
				KUNIT_ASSERT_EQ(test, invt_invs_merge(cur, arg, &next), 0);
				invt_invs_free(cur);
				cur = next;
			} else if (op < 8) {
				invt_invs_unref(cur, arg);
			} else {
				next = invt_invs_purge(cur);
				if (next) {
					KUNIT_EXPECT_EQ(test, next->num_trashes, (size_t)0);
					invt_invs_free(cur);
					cur = next;
				}
			}
			invt_invs_free(arg);
			prop_check(test, cur, users);
		}
		invt_invs_free(cur);
	}
}

/* ------------------------------------------------- concurrent reader */

struct walker {
	struct invt_invs *a;
	unsigned long walks;
	unsigned long bad;
};

/* Walks as the flush engine does: count loaded once, users read once per entry. */
static int walker_fn(void *arg)
{
	struct walker *w = arg;

	while (!kthread_should_stop()) {
		size_t n = READ_ONCE(w->a->num_invs), i;

		for (i = 0; i < n; i++) {
			int users = READ_ONCE(w->a->inv[i].users);

			if (users < 0 || users > 3 || (i && invt_invs_cmp(&w->a->inv[i - 1],
									 &w->a->inv[i]) >= 0))
				w->bad++;
		}
		WRITE_ONCE(w->walks, w->walks + 1);
		cond_resched();
	}
	return 0;
}

static void invs_concurrent_unref_test(struct kunit *test)
{
	struct walker w = { 0 };
	struct invt_invs *add, *del;
	struct task_struct *t;
	unsigned int i, round;

	add = invt_invs_alloc(64);
	del = invt_invs_alloc(1);
	KUNIT_ASSERT_NOT_NULL(test, add);
	KUNIT_ASSERT_NOT_NULL(test, del);
	for (i = 0; i < 64; i++)
		add->inv[i] = (struct invt_inv){ .iommu = im(I10), .type = S2, .id = i, .users = 1 };
	for (round = 0; round < 20; round++) {
		unsigned long start;

		/* Three users of every key. */
		w.a = invt_invs_alloc(64);
		KUNIT_ASSERT_NOT_NULL(test, w.a);
		for (i = 0; i < 64; i++) {
			w.a->inv[i] = add->inv[i];
			w.a->inv[i].users = 3;
		}
		t = kthread_run(walker_fn, &w, "invt-walker");
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		start = READ_ONCE(w.walks);
		/* Take every user, in an order that leaves trash everywhere. */
		for (i = 0; i < 3 * 64; i++) {
			del->inv[0] = add->inv[(i * 37) % 64];
			invt_invs_unref(w.a, del);
			if (!(i % 16))
				cond_resched();
		}
		while (READ_ONCE(w.walks) == start)
			msleep(1);
		kthread_stop(t);
		KUNIT_EXPECT_EQ(test, w.a->num_invs, (size_t)0);
		invt_invs_free(w.a);
	}
	KUNIT_EXPECT_EQ(test, w.bad, 0UL);
	invt_invs_free(add);
	invt_invs_free(del);
}

static struct kunit_case invs_test_cases[] = {
	KUNIT_CASE_PARAM(invs_table_test, invs_table_gen_params),
	KUNIT_CASE(invs_cmp_test),
	KUNIT_CASE(invs_alloc_test),
	KUNIT_CASE(invs_alloc_fault_test),
	KUNIT_CASE(invs_merge_fault_test),
	KUNIT_CASE(invs_purge_fault_test),
	KUNIT_CASE(invs_property_test),
	KUNIT_CASE(invs_concurrent_unref_test),
	{}
};

static struct kunit_suite invs_test_suite = {
	.name = "invtrack-invs",
	.test_cases = invs_test_cases,
};
kunit_test_suite(invs_test_suite);
