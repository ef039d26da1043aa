// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_invs.c - invalidation arrays: order, merge, unref, purge.
 *
 * A table of cases, each an initial array, one operation and its exact
 * expected result; a property test of random operation sequences against a
 * reference model (a multiset of keys); a reader walking an array while
 * unref runs on it.  Instances are laid out so that pointer order differs
 * from id order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <invtrack/core.h>
#include <invtrack/fault.h>

#include "invs_cases.h"

/*
 * iommu_obj[0] has id 30, [1] id 10, [2] id 20: the array must order them
 * I10, I20, I30 although &iommu_obj[I30] is the lowest address.
 */
static struct invt_iommu iommu_obj[3] = { { .id = 30 }, { .id = 10 }, { .id = 20 } };

static struct invt_iommu *im(int i)
{
	return i < 0 ? NULL : &iommu_obj[i];
}

static bool is_atc(uint8_t type)
{
	return type == ATC || type == FULL;
}

/* Types whose ssid is part of the key (see struct invt_inv). */
static bool has_ssid(uint8_t type)
{
	return is_atc(type) || type == S1;
}

static struct invt_inv to_inv(const struct tinv *t)
{
	struct invt_inv e;

	memset(&e, 0, sizeof(e));
	e.iommu = im(t->im);
	e.type = t->type;
	e.id = t->id;
	e.ssid = t->ssid;
	e.users = t->users;
	return e;
}

/* An array holding @l's entries as given; users == 0 entries count as trash. */
static struct invt_invs *build(const struct tlist *l)
{
	struct invt_invs *a = invt_invs_alloc(l->n);
	size_t i;

	assert_non_null(a);
	for (i = 0; i < l->n; i++) {
		a->inv[i] = to_inv(&l->v[i]);
		if (!a->inv[i].users)
			a->num_trashes++;
		if (is_atc(a->inv[i].type))
			a->has_atc = 1;
	}
	return a;
}

/* A deep copy made with plain malloc (not counted by the fault injector). */
static struct invt_invs *dup_invs(const struct invt_invs *a)
{
	size_t sz = sizeof(*a) + a->num_invs * sizeof(a->inv[0]);
	struct invt_invs *c = malloc(sz);

	assert_non_null(c);
	memcpy(c, a, sz);
	return c;
}

static void assert_same_inv(const struct invt_inv *a, const struct invt_inv *b)
{
	assert_ptr_equal(a->iommu, b->iommu);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->ssid, b->ssid);
	assert_int_equal(a->users, b->users);
}

/* Every field of @a equals @b's: an input was not modified. */
static void assert_same_invs(const struct invt_invs *a, const struct invt_invs *b)
{
	size_t i;

	assert_int_equal(a->num_invs, b->num_invs);
	assert_int_equal(a->num_trashes, b->num_trashes);
	assert_int_equal(a->has_atc, b->has_atc);
	for (i = 0; i < a->num_invs; i++)
		assert_same_inv(&a->inv[i], &b->inv[i]);
}

/*
 * @a holds exactly @exp below num_invs.  ssid is compared for ATC and
 * IOTLB_S1 entries always, for the others only when @exact_ssid (unref and purge keep
 * entries as they are; merge may keep the ssid of any of several equal
 * IOTLB entries, which the order ignores).
 */
static void assert_array(const struct invt_invs *a, const struct tlist *exp, size_t trashes,
			 bool exact_ssid)
{
	size_t i;

	assert_int_equal(a->num_invs, exp->n);
	assert_int_equal(a->num_trashes, trashes);
	for (i = 0; i < exp->n; i++) {
		struct invt_inv e = to_inv(&exp->v[i]);

		assert_ptr_equal(a->inv[i].iommu, e.iommu);
		assert_int_equal(a->inv[i].type, e.type);
		assert_int_equal(a->inv[i].id, e.id);
		if (exact_ssid || has_ssid(e.type))
			assert_int_equal(a->inv[i].ssid, e.ssid);
		assert_int_equal(a->inv[i].users, e.users);
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

static struct invt_invs sentinel_obj;
#define SENTINEL (&sentinel_obj)

static void run_table_case(void **state)
{
	const struct invs_case *c = *state;
	struct invt_invs *a = build(&c->init), *arg = build(&c->arg);
	struct invt_invs *a0 = dup_invs(a), *arg0 = dup_invs(arg);
	struct invt_invs *out;
	unsigned long allocs;
	size_t i, zeroed;
	int ret;

	switch (c->op) {
	case OP_MERGE:
		out = SENTINEL;
		ret = invt_invs_merge(a, arg, &out);
		assert_int_equal(ret, c->ret);
		assert_non_null(out);
		assert_ptr_not_equal(out, SENTINEL);
		assert_ptr_not_equal(out, a);
		assert_array(out, &c->exp, 0, false);
		assert_int_equal(out->has_atc, list_has_atc(&c->exp));
		assert_same_invs(a, a0);
		assert_same_invs(arg, arg0);
		invt_invs_free(out);
		break;
	case OP_UNREF:
		allocs = invt_alloc_count();
		zeroed = invt_invs_unref(a, arg);
		assert_int_equal(invt_alloc_count(), allocs);
		assert_int_equal(zeroed, c->ret);
		assert_array(a, &c->exp, c->trashes, true);
		/* What was cut keeps its key and is trash: late readers skip it. */
		for (i = c->exp.n; i < c->init.n; i++) {
			struct invt_inv e = a0->inv[i];

			e.users = 0;
			assert_same_inv(&a->inv[i], &e);
		}
		assert_int_equal(a->has_atc, a0->has_atc);
		assert_int_equal(arg->num_invs, arg0->num_invs);
		for (i = 0; i < c->arg.n; i++) {
			struct invt_inv e = arg0->inv[i];

			e.users = c->del_users[i];
			assert_same_inv(&arg->inv[i], &e);
		}
		break;
	case OP_PURGE:
		out = invt_invs_purge(a);
		if (!c->ret) {
			assert_null(out);
		} else {
			assert_non_null(out);
			assert_ptr_not_equal(out, a);
			assert_array(out, &c->exp, 0, true);
			assert_int_equal(out->has_atc, list_has_atc(&c->exp));
			invt_invs_free(out);
		}
		assert_same_invs(a, a0);
		break;
	}
	invt_invs_free(a);
	invt_invs_free(arg);
	free(a0);
	free(arg0);
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void test_cmp(void **state)
{
	size_t i;

	/* The premise of the instance cases. */
	assert_true((uintptr_t)im(I30) < (uintptr_t)im(I10));
	assert_true(im(I10)->id < im(I20)->id && im(I20)->id < im(I30)->id);
	for (i = 0; i < sizeof(cmp_cases) / sizeof(cmp_cases[0]); i++) {
		struct invt_inv a = to_inv(&cmp_cases[i].a), b = to_inv(&cmp_cases[i].b);

		if (sign(invt_invs_cmp(&a, &b)) != cmp_cases[i].sign ||
		    sign(invt_invs_cmp(&b, &a)) != -cmp_cases[i].sign)
			fail_msg("cmp case %zu: got %d / %d, want sign %d", i, invt_invs_cmp(&a, &b),
				 invt_invs_cmp(&b, &a), cmp_cases[i].sign);
	}
}

/* ------------------------------------------------------ alloc and faults */

static void test_alloc(void **state)
{
	size_t n, i;

	for (n = 0; n <= 5; n += 5) {
		struct invt_invs *a = invt_invs_alloc(n);

		assert_non_null(a);
		assert_int_equal(a->num_invs, n);
		assert_int_equal(a->num_trashes, 0);
		assert_int_equal(a->has_atc, 0);
		for (i = 0; i < n; i++) {
			assert_null(a->inv[i].iommu);
			assert_int_equal(a->inv[i].type, 0);
			assert_int_equal(a->inv[i].id, 0);
			assert_int_equal(a->inv[i].ssid, 0);
			assert_int_equal(a->inv[i].users, 0);
		}
		invt_invs_free(a);
	}
	assert_null(invt_invs_alloc(SIZE_MAX));
	assert_null(invt_invs_alloc(SIZE_MAX / sizeof(struct invt_inv)));
	invt_invs_free(NULL);
}

static void test_alloc_fault(void **state)
{
	invt_fault_inject(1);
	assert_null(invt_invs_alloc(3));
	assert_false(invt_fault_pending());
	/* The injector disarmed itself. */
	invt_invs_free(invt_invs_alloc(3));
}

static void test_merge_fault(void **state)
{
	static const struct tlist init = L(E(I10, S1, 1, 0, 1), E(I10, S1, 2, 0, 0),
					   E(I10, ATC, 1, 1, 2));
	static const struct tlist add = L(E(I10, S1, 2, 0, 0), E(I10, S2, 1, 0, 0));
	struct invt_invs *a = build(&init), *arg = build(&add);
	struct invt_invs *a0 = dup_invs(a), *arg0 = dup_invs(arg);
	struct invt_invs *out = SENTINEL;
	unsigned long allocs = invt_alloc_count();

	invt_fault_inject(1);
	assert_int_equal(invt_invs_merge(a, arg, &out), -ENOMEM);
	assert_false(invt_fault_pending());
	assert_ptr_equal(out, SENTINEL);
	assert_same_invs(a, a0);
	assert_same_invs(arg, arg0);

	/* Count, allocate once, fill: the same merge then succeeds. */
	allocs = invt_alloc_count();
	assert_int_equal(invt_invs_merge(a, arg, &out), 0);
	assert_int_equal(invt_alloc_count() - allocs, 1);
	assert_ptr_not_equal(out, SENTINEL);
	assert_int_equal(out->num_invs, 4);
	invt_invs_free(out);
	invt_invs_free(a);
	invt_invs_free(arg);
	free(a0);
	free(arg0);
}

static void test_purge_fault(void **state)
{
	static const struct tlist trash = L(E(I10, S1, 1, 0, 1), E(I10, S1, 2, 0, 0),
					    E(I10, S1, 3, 0, 1));
	static const struct tlist clean = L(E(I10, S1, 1, 0, 1), E(I10, S1, 3, 0, 1));
	struct invt_invs *a = build(&trash), *b = build(&clean), *a0 = dup_invs(a), *p;

	invt_fault_inject(1);
	assert_null(invt_invs_purge(a));
	assert_false(invt_fault_pending());
	assert_same_invs(a, a0);
	p = invt_invs_purge(a);
	assert_non_null(p);
	assert_array(p, &clean, 0, true);
	invt_invs_free(p);

	/* No trash: NULL without even trying to allocate. */
	invt_fault_inject(1);
	assert_null(invt_invs_purge(b));
	assert_true(invt_fault_pending());
	invt_fault_inject(0);
	invt_invs_free(a);
	invt_invs_free(b);
	free(a0);
}

/* --------------------------------------------------------- property test */

/* Key space: 3 instances x 5 types x 2 ids x (2 ssids for ATC and S1 types). */
#define P_NIM 3
#define P_NID 2
#define P_NSSID 2
#define P_NKEYS (P_NIM * INVT_INV_NR_TYPES * P_NID * P_NSSID)
static const int p_im[P_NIM] = { I30, NUL, I10 };
static const uint32_t p_id[P_NID] = { 7, 0xfffffff0u };
static const uint32_t p_ssid[P_NSSID] = { 0, 0x10000u };

struct prop {
	uint64_t rng;
	unsigned int seed;
	int step;
	int users[P_NKEYS];	/* the model; keys without ssid use ssid index 0 only */
	struct invt_invs *cur;
};

static uint64_t rnd(struct prop *p)
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return p->rng;
}

static unsigned int rn(struct prop *p, unsigned int n)
{
	return (unsigned int)(rnd(p) % n);
}

#define PCHECK(p, cond)                                                         \
	do {                                                                    \
		if (!(cond))                                                    \
			fail_msg("seed %u step %d: %s (line %d)", (p)->seed,    \
				 (p)->step, #cond, __LINE__);                   \
	} while (0)

static int key_index(int imi, unsigned int type, unsigned int idi, unsigned int ssidi)
{
	if (!has_ssid(type))
		ssidi = 0;
	return ((imi * INVT_INV_NR_TYPES + type) * P_NID + idi) * P_NSSID + ssidi;
}

/* A random key; types without ssid get a random (ignored) one. */
static struct invt_inv rand_key(struct prop *p, int *k)
{
	unsigned int imi = rn(p, P_NIM), type = rn(p, INVT_INV_NR_TYPES), idi = rn(p, P_NID);
	unsigned int ssidi = rn(p, P_NSSID);
	struct invt_inv e;

	memset(&e, 0, sizeof(e));
	e.iommu = im(p_im[imi]);
	e.type = type;
	e.id = p_id[idi];
	e.ssid = p_ssid[ssidi];
	e.users = (int)rn(p, 5) - 2;	/* garbage */
	*k = key_index(imi, type, idi, ssidi);
	return e;
}

static int key_of(struct prop *p, const struct invt_inv *e)
{
	int imi, idi, ssidi = 0;

	for (imi = 0; imi < P_NIM && im(p_im[imi]) != e->iommu; imi++)
		;
	for (idi = 0; idi < P_NID && p_id[idi] != e->id; idi++)
		;
	PCHECK(p, imi < P_NIM && idi < P_NID && e->type < INVT_INV_NR_TYPES);
	if (has_ssid(e->type)) {
		for (ssidi = 0; ssidi < P_NSSID && p_ssid[ssidi] != e->ssid; ssidi++)
			;
		PCHECK(p, ssidi < P_NSSID);
	}
	return key_index(imi, e->type, idi, ssidi);
}

static void prop_check(struct prop *p, const struct invt_invs *a)
{
	int seen[P_NKEYS] = { 0 };
	size_t i, trash = 0, live = 0;
	int k, model_live = 0;
	bool live_atc = false;

	for (i = 0; i < a->num_invs; i++) {
		const struct invt_inv *e = &a->inv[i];

		if (i + 1 < a->num_invs)
			PCHECK(p, invt_invs_cmp(e, &a->inv[i + 1]) < 0);
		PCHECK(p, e->users >= 0);
		if (!e->users) {
			trash++;
			continue;
		}
		live++;
		live_atc |= is_atc(e->type);
		k = key_of(p, e);
		PCHECK(p, !seen[k]);
		seen[k] = 1;
		PCHECK(p, e->users == p->users[k]);
	}
	for (k = 0; k < P_NKEYS; k++)
		model_live += p->users[k] > 0;
	PCHECK(p, live == (size_t)model_live);
	PCHECK(p, a->num_trashes == trash);
	PCHECK(p, !a->num_invs || a->inv[a->num_invs - 1].users > 0);
	PCHECK(p, !live_atc || a->has_atc);
}

static void prop_merge(struct prop *p)
{
	unsigned int n = rn(p, 7), i;
	struct invt_invs *add = invt_invs_alloc(n), *add0, *cur0, *out = SENTINEL;
	bool fault = !rn(p, 10);
	int k, ret;

	PCHECK(p, add != NULL);
	for (i = 0; i < n; i++)
		add->inv[i] = rand_key(p, &k);
	add0 = dup_invs(add);
	cur0 = dup_invs(p->cur);
	if (fault)
		invt_fault_inject(1);
	ret = invt_invs_merge(p->cur, add, &out);
	if (fault) {
		PCHECK(p, ret == -ENOMEM && out == SENTINEL && !invt_fault_pending());
	} else {
		PCHECK(p, ret == 0 && out != SENTINEL && out != NULL);
		PCHECK(p, out->num_trashes == 0);
		for (i = 0; i < n; i++) {
			k = key_of(p, &add->inv[i]);
			p->users[k]++;
		}
	}
	assert_same_invs(add, add0);
	assert_same_invs(p->cur, cur0);
	if (!fault) {
		bool atc = false;

		for (i = 0; i < out->num_invs; i++)
			atc |= is_atc(out->inv[i].type);
		PCHECK(p, out->has_atc == atc);
		invt_invs_free(p->cur);
		p->cur = out;
	}
	invt_invs_free(add);
	free(add0);
	free(cur0);
}

static void prop_unref(struct prop *p)
{
	unsigned int n = rn(p, 5), i, j;
	int left[P_NKEYS], at_zero[P_NKEYS], keys[8];
	struct invt_invs *del = invt_invs_alloc(n);
	size_t expect_zeroed = 0, zeroed;
	unsigned long allocs;

	PCHECK(p, del != NULL);
	memcpy(left, p->users, sizeof(left));
	/* Pick live entries, each at most as many times as it has users. */
	for (i = 0, j = 0; i < n && p->cur->num_invs; i++) {
		const struct invt_inv *e = &p->cur->inv[rn(p, (unsigned int)p->cur->num_invs)];
		int k;

		if (!e->users)
			continue;
		k = key_of(p, e);
		if (!left[k])
			continue;
		left[k]--;
		del->inv[j] = *e;
		if (!has_ssid(e->type))
			del->inv[j].ssid = (uint32_t)rnd(p);	/* ignored */
		del->inv[j].users = (int)rn(p, 5) - 2;		/* ignored */
		keys[j++] = k;
	}
	del->num_invs = j;
	for (i = 0; i < P_NKEYS; i++) {
		at_zero[i] = p->users[i] > 0 && !left[i];
		expect_zeroed += at_zero[i];
	}
	allocs = invt_alloc_count();
	zeroed = invt_invs_unref(p->cur, del);
	PCHECK(p, invt_alloc_count() == allocs);
	PCHECK(p, zeroed == expect_zeroed);
	for (i = 0; i < j; i++)
		PCHECK(p, del->inv[i].users == (at_zero[keys[i]] ? 0 : 1));
	memcpy(p->users, left, sizeof(left));
	invt_invs_free(del);
}

static void prop_purge(struct prop *p)
{
	struct invt_invs *cur0 = dup_invs(p->cur), *out;
	bool fault = !rn(p, 8);

	if (fault)
		invt_fault_inject(1);
	out = invt_invs_purge(p->cur);
	if (!p->cur->num_trashes) {
		PCHECK(p, out == NULL);
		if (fault) {
			PCHECK(p, invt_fault_pending());
			invt_fault_inject(0);
		}
	} else if (fault) {
		PCHECK(p, out == NULL && !invt_fault_pending());
	} else {
		PCHECK(p, out != NULL && out->num_trashes == 0);
		PCHECK(p, out->num_invs == p->cur->num_invs - p->cur->num_trashes);
		prop_check(p, out);
	}
	assert_same_invs(p->cur, cur0);
	free(cur0);
	if (out) {
		invt_invs_free(p->cur);
		p->cur = out;
	}
}

static void test_property(void **state)
{
	const char *env = getenv("INVT_SEED");
	unsigned int base = env ? (unsigned int)strtoul(env, NULL, 0) : (unsigned int)time(NULL);
	unsigned int run;

	print_message("test_property: base seed %u (INVT_SEED=%u to replay)\n", base, base);
	for (run = 0; run < 300; run++) {
		struct prop p;

		memset(&p, 0, sizeof(p));
		p.seed = base + run;
		p.rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)p.seed * 0x2545f4914f6cdd1dull);
		if (!p.rng)
			p.rng = 1;
		p.cur = invt_invs_alloc(0);
		assert_non_null(p.cur);
		for (p.step = 0; p.step < 200; p.step++) {
			unsigned int op = rn(&p, 10);

			if (op < 4)
				prop_merge(&p);
			else if (op < 8)
				prop_unref(&p);
			else
				prop_purge(&p);
			prop_check(&p, p.cur);
		}
		invt_invs_free(p.cur);
	}
}

/* ----------------------------------------------------- concurrent reader */

#define C_N 64
#define C_USERS 3
#define C_ROUNDS 40

/*
 * The main thread publishes one array per round and unrefs every user of
 * every entry in random order while the reader walks whatever array it
 * loaded.  The reader only counts what it sees wrong; the main thread
 * asserts (cmocka's asserts longjmp: only on the main thread).
 */
struct conc {
	struct invt_invs *arr;		/* published (atomic) */
	struct invt_inv keys[C_N];	/* the keys, as built */
	int stop;			/* atomic */
	unsigned long walks;		/* atomic */
	unsigned long overlapped;	/* walks during which num_invs or users changed */
	unsigned long key_changed, users_up, bad_users, n_up, n_big;
};

static void *conc_reader(void *arg)
{
	struct conc *c = arg;
	struct invt_invs *prev = NULL;
	int last[C_N];
	size_t last_n = C_N;
	int i;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		struct invt_invs *a = __atomic_load_n(&c->arr, __ATOMIC_ACQUIRE);
		size_t n = INVT_READ_ONCE(a->num_invs), k;
		bool changed = false;

		if (a != prev) {
			/* A new round: a fresh array, every entry at C_USERS. */
			for (i = 0; i < C_N; i++)
				last[i] = C_USERS;
			last_n = C_N;
			prev = a;
		}
		if (n > last_n)
			c->n_up++;
		if (n > C_N)
			c->n_big++;
		changed |= n != last_n;
		last_n = n;
		for (k = 0; k < n && k < C_N; k++) {
			const struct invt_inv *e = &a->inv[k];
			int users = INVT_READ_ONCE(e->users);

			if (e->iommu != c->keys[k].iommu || e->type != c->keys[k].type ||
			    e->id != c->keys[k].id || e->ssid != c->keys[k].ssid)
				c->key_changed++;
			if (users < 0 || users > C_USERS)
				c->bad_users++;
			if (users > last[k])
				c->users_up++;
			changed |= users != last[k];
			last[k] = users;
		}
		/* num_invs as loaded at the start must not have grown meanwhile. */
		if (INVT_READ_ONCE(a->num_invs) > n)
			c->n_up++;
		c->overlapped += changed;
		__atomic_fetch_add(&c->walks, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void wait_walks(struct conc *c, unsigned long n)
{
	unsigned long w = __atomic_load_n(&c->walks, __ATOMIC_ACQUIRE) + n;

	while (__atomic_load_n(&c->walks, __ATOMIC_ACQUIRE) < w)
		sched_yield();
}

static int qsort_cmp(const void *a, const void *b)
{
	return invt_invs_cmp(a, b);
}

static void test_concurrent_unref(void **state)
{
	static struct conc c;
	struct invt_invs *arr[C_ROUNDS], *del = invt_invs_alloc(1);
	int order[C_N * C_USERS], i, r, n = C_N * C_USERS;
	uint64_t rng = 88172645463325252ull;
	pthread_t th;

	memset(&c, 0, sizeof(c));
	assert_non_null(del);
	for (r = 0; r < C_ROUNDS; r++) {
		struct invt_invs *a = invt_invs_alloc(C_N);

		assert_non_null(a);
		for (i = 0; i < C_N; i++) {
			a->inv[i].iommu = im(i % 4 == 3 ? NUL : i % 3);
			a->inv[i].type = (uint8_t)((i / 4) % INVT_INV_NR_TYPES);
			a->inv[i].id = (uint32_t)i;
			a->inv[i].ssid = (uint32_t)(i & 7);
			a->inv[i].users = C_USERS;
		}
		qsort(a->inv, C_N, sizeof(a->inv[0]), qsort_cmp);
		for (i = 0; i + 1 < C_N; i++)
			assert_true(invt_invs_cmp(&a->inv[i], &a->inv[i + 1]) < 0);
		arr[r] = a;
	}
	memcpy(c.keys, arr[0]->inv, sizeof(c.keys));

	c.arr = arr[0];
	assert_int_equal(pthread_create(&th, NULL, conc_reader, &c), 0);
	for (r = 0; r < C_ROUNDS; r++) {
		struct invt_invs *a = arr[r];

		__atomic_store_n(&c.arr, a, __ATOMIC_RELEASE);
		wait_walks(&c, 1);
		for (i = 0; i < n; i++)
			order[i] = i % C_N;
		for (i = n - 1; i > 0; i--) {
			int j, t;

			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			j = (int)(rng % (uint64_t)(i + 1));
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (i = 0; i < n; i++) {
			del->inv[0] = c.keys[order[i]];
			del->num_invs = 1;
			if (!(i % 4))
				wait_walks(&c, 1);
			invt_invs_unref(a, del);
		}
		/* Main-thread checks of the round: everything trash, all cut. */
		assert_int_equal(a->num_invs, 0);
		assert_int_equal(a->num_trashes, 0);
		for (i = 0; i < C_N; i++)
			assert_int_equal(a->inv[i].users, 0);
	}
	wait_walks(&c, 2);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);

	print_message("test_concurrent_unref: %lu walks, %lu saw a change\n", c.walks,
		      c.overlapped);
	assert_true(c.walks >= (unsigned long)(C_ROUNDS * n / 4));
	assert_true(c.overlapped > 0);
	assert_int_equal(c.key_changed, 0);
	assert_int_equal(c.bad_users, 0);
	assert_int_equal(c.users_up, 0);
	assert_int_equal(c.n_up, 0);
	assert_int_equal(c.n_big, 0);
	for (r = 0; r < C_ROUNDS; r++)
		invt_invs_free(arr[r]);
	invt_invs_free(del);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_alloc_fault),
		cmocka_unit_test(test_merge_fault),
		cmocka_unit_test(test_purge_fault),
		cmocka_unit_test(test_property),
		cmocka_unit_test(test_concurrent_unref),
	};
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]), i;
	struct CMUnitTest *tests = calloc(NCASES + nfixed, sizeof(*tests));
	int ret;

	if (!tests)
		return 1;
	for (i = 0; i < NCASES; i++) {
		tests[i].name = invs_cases[i].name;
		tests[i].test_func = run_table_case;
		tests[i].initial_state = (void *)&invs_cases[i];
	}
	memcpy(&tests[NCASES], fixed, sizeof(fixed));
	ret = _cmocka_run_group_tests("invs", tests, NCASES + nfixed, NULL, NULL);
	free(tests);
	return ret;
}
