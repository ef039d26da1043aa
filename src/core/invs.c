// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * invs.c - invalidation arrays: order, merge, unref, purge.
 *
 * Pure functions on arrays; the locking and publication around them live in
 * attach.c.  See <invtrack/invs.h> for the contract.
 */
#include <invtrack/core.h>

#include "compat-user.h"
#include "internal.h"

static struct invt_invs_box *invs_box(const struct invt_invs *invs)
{
	return invt_container_of(invs, struct invt_invs_box, invs);
}

struct invt_invs *invt_invs_alloc(size_t n)
{
	struct invt_invs_box *box;

	if (n > (SIZE_MAX - sizeof(*box)) / sizeof(struct invt_inv))
		return NULL;
	box = invt_zalloc(sizeof(*box) + n * sizeof(struct invt_inv));
	if (!box)
		return NULL;
	box->invs.num_invs = n;
	box->built = n;
	return &box->invs;
}

size_t invt_invs_built(const struct invt_invs *invs)
{
	return invs_box(invs)->built;
}

void invt_invs_free(struct invt_invs *invs)
{
	if (invs)
		invt_free(invs_box(invs));
}

/*
 * After the grace period: wait for the invalidator sections in progress too
 * (the arrays' read side, compat-user.h: invt_invs_read_lock()), then free.
 * On call_rcu's thread, so no attach or detach waits for a section here.
 */
static void invs_free_rcu_cb(invt_rcu_head_t *head)
{
	struct invt_invs_box *box = invt_container_of(head, struct invt_invs_box, rcu);

	/* First: what the caller of invt_call_rcu() wrote (no_wait included). */
	invt_tsan_gp_acquire();
	if (!box->no_wait)
		invt_invs_sections_wait_after(box->ticket);
	invt_free(box);
}

void invt_invs_free_rcu(struct invt_ctx *ctx, struct invt_invs *invs)
{
	if (!invs)
		return;
	invs_box(invs)->no_wait = invt_ablated(ctx, INVT_ABLATE_RECLAIM);
	/*
	 * Full barrier: the store that unpublished @invs (the caller's) comes
	 * before the load of the ticket, and so before the loads of the
	 * section records by any pass numbered above it (which stores its
	 * number, then a full barrier, then loads: compat-user.c), the pass
	 * the callback waits for.  Pairs with the full barrier at the top of
	 * domain_flush() (after the section's entry, before the array's load)
	 * and with the pass's: forbidden, a section that loads @invs while
	 * that pass misses it.  (Userspace; in the kernel RCU covers the
	 * readers and it is only redundant, on a path that allocates and
	 * publishes anyway.)
	 */
	invt_smp_mb();
	invs_box(invs)->ticket = invt_invs_sections_ticket();
	invt_call_rcu(&invs_box(invs)->rcu, invs_free_rcu_cb);
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

static bool type_is_atc(uint8_t type)
{
	return type == INVT_INV_ATC || type == INVT_INV_ATC_FULL;
}

/*
 * ATC entries are per ssid; so are stage-1 IOTLB entries of instances that
 * tag first-stage translations by PASID (INVT_IOMMU_S1_PASID_TAGS: VT-d);
 * everywhere else their ssid is 0.
 */
static bool type_has_ssid(uint8_t type)
{
	return type_is_atc(type) || type == INVT_INV_IOTLB_S1;
}

int invt_invs_cmp(const struct invt_inv *a, const struct invt_inv *b)
{
	int r;

	if (a->iommu != b->iommu) {
		if (!a->iommu)
			return -1;
		if (!b->iommu)
			return 1;
		r = cmp_u32(a->iommu->id, b->iommu->id);
		if (r)
			return r;
	}
	r = cmp_u32(a->type, b->type);
	if (r)
		return r;
	r = cmp_u32(a->id, b->id);
	if (r || !type_has_ssid(a->type))
		return r;
	return cmp_u32(a->ssid, b->ssid);
}

/*
 * Index of the entry of @invs[0..n) equal to @key, or of the first entry
 * after it (n when none), by binary search.  Trash keeps its key and place,
 * so the array stays sorted whatever the users counts are.
 */
static size_t invs_lower_bound(const struct invt_inv *inv, size_t n,
			       const struct invt_inv *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (invt_invs_cmp(&inv[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct invt_inv *invs_find(struct invt_invs *invs, const struct invt_inv *key)
{
	size_t n = invs->num_invs;
	size_t i = invs_lower_bound(invs->inv, n, key);

	if (i < n && !invt_invs_cmp(&invs->inv[i], key))
		return &invs->inv[i];
	return NULL;
}

static bool inv_live(const struct invt_inv *inv)
{
	return INVT_READ_ONCE(inv->users) > 0;
}

/* Whether @add[i] equals a live entry of @invs or an earlier @add entry. */
static bool add_is_known(const struct invt_invs *invs, const struct invt_invs *add, size_t i)
{
	const struct invt_inv *e = invs_find((struct invt_invs *)invs, &add->inv[i]);
	size_t j;

	if (e && inv_live(e))
		return true;
	for (j = 0; j < i; j++)
		if (!invt_invs_cmp(&add->inv[j], &add->inv[i]))
			return true;
	return false;
}

/*
 * Set has_atc, and the box's plan (internal.h), from the entries of @invs:
 * the straight-line flush's instance and its phases' ends, when every entry
 * is on one instance with INVT_IOMMU_SYNC_ORDERS.
 */
static void invs_summarize(struct invt_invs *invs)
{
	struct invt_invs_plan *plan = &invs_box(invs)->plan;
	size_t n = invs->num_invs, i;
	/* phase_end holds 32-bit ends: a longer array goes the general way. */
	struct invt_iommu *one = n && n <= UINT32_MAX ? invs->inv[0].iommu : NULL;
	int phase = -1;

	invs->has_atc = 0;
	plan->nr_phases = 0;
	for (i = 0; i < n; i++) {
		const struct invt_inv *inv = &invs->inv[i];
		int p = invt_inv_phase(inv->type);

		if (type_is_atc(inv->type))
			invs->has_atc = 1;
		if (inv->iommu != one)
			one = NULL;
		if (!one)
			continue;
		/* Sorted: within one instance, phases only rise. */
		INVT_DEBUG_ASSERT(p >= phase);
		if (p != phase)
			plan->nr_phases++;
		plan->phase_end[plan->nr_phases - 1] = (uint32_t)(i + 1);
		phase = p;
	}
	if (one && !(one->flags & INVT_IOMMU_SYNC_ORDERS))
		one = NULL;
	plan->iommu = one;
	plan->ops = one ? one->ops : NULL;
}

int invt_invs_merge(const struct invt_invs *invs, const struct invt_invs *add,
		    struct invt_invs **out)
{
	size_t live = invs->num_invs - invs->num_trashes;
	size_t n = live, i, j;
	struct invt_invs *m;

	/* Pass 1: count exactly, so that pass 2 cannot fail. */
	for (i = 0; i < add->num_invs; i++)
		if (!add_is_known(invs, add, i))
			n++;
	m = invt_invs_alloc(n);
	if (!m)
		return -ENOMEM;

	/* Pass 2: the live entries, already sorted... */
	for (i = 0, j = 0; i < invs->num_invs; i++) {
		if (!inv_live(&invs->inv[i]))
			continue;
		m->inv[j] = invs->inv[i];
		m->inv[j].users = INVT_READ_ONCE(invs->inv[i].users);
		j++;
	}
	INVT_DEBUG_ASSERT(j == live);
	m->num_invs = j;
	/* ...then each added entry, inserted in place or counted. */
	for (i = 0; i < add->num_invs; i++) {
		struct invt_inv *e = invs_find(m, &add->inv[i]);
		size_t at;

		if (e) {
			e->users++;
			continue;
		}
		at = invs_lower_bound(m->inv, m->num_invs, &add->inv[i]);
		memmove(&m->inv[at + 1], &m->inv[at], (m->num_invs - at) * sizeof(m->inv[0]));
		m->inv[at] = add->inv[i];
		m->inv[at].users = 1;
		m->num_invs++;
	}
	INVT_DEBUG_ASSERT(m->num_invs == n);
	invs_summarize(m);
	*out = m;
	return 0;
}

size_t invt_invs_unref(struct invt_invs *invs, struct invt_invs *del)
{
	size_t zeroed = 0, i, j, n;

	for (i = 0; i < del->num_invs; i++) {
		struct invt_inv *e = invs_find(invs, &del->inv[i]);
		int users;

		if (!e || !inv_live(e)) {
			INVT_DEBUG_ASSERT(!"invt_invs_unref: no live entry matches");
			del->inv[i].users = 1;
			continue;
		}
		users = e->users - 1;
		/*
		 * Relaxed: readers only need to see either value; a reader that
		 * still sees users > 0 may issue one more command for the entry,
		 * which the callers allow for (attach.c flushes and quiesces after
		 * unref, never before).
		 */
		INVT_WRITE_ONCE(e->users, users);
		if (!users) {
			invs->num_trashes++;
			zeroed++;
			/*
			 * Earlier del entries equal to this one took users from the
			 * same entry (it was live for them): its reaching 0 is
			 * theirs to learn too.
			 */
			for (j = 0; j < i; j++)
				if (!invt_invs_cmp(&del->inv[j], &del->inv[i]))
					del->inv[j].users = 0;
		}
		del->inv[i].users = users ? 1 : 0;
	}

	/* Cut trailing trash; readers never walk past the num_invs they loaded. */
	n = invs->num_invs;
	while (n && !invs->inv[n - 1].users) {
		n--;
		invs->num_trashes--;
	}
	INVT_WRITE_ONCE(invs->num_invs, n);
	return zeroed;
}

struct invt_invs *invt_invs_filter(const struct invt_invs *invs,
				   bool (*keep)(const struct invt_inv *inv, const void *arg),
				   const void *arg)
{
	size_t n = 0, i, j;
	struct invt_invs *p;

	for (i = 0; i < invs->num_invs; i++)
		n += inv_live(&invs->inv[i]) && (!keep || keep(&invs->inv[i], arg));
	p = invt_invs_alloc(n);
	if (!p)
		return NULL;
	for (i = 0, j = 0; i < invs->num_invs; i++)
		if (inv_live(&invs->inv[i]) && (!keep || keep(&invs->inv[i], arg))) {
			p->inv[j] = invs->inv[i];
			p->inv[j].users = INVT_READ_ONCE(invs->inv[i].users);
			j++;
		}
	invs_summarize(p);
	return p;
}

bool invt_invs_stale_atc(const struct invt_invs *invs)
{
	size_t i;

	if (!invs->has_atc)
		return false;
	for (i = 0; i < invs->num_invs; i++)
		if (type_is_atc(invs->inv[i].type) && inv_live(&invs->inv[i]))
			return false;
	return true;
}

struct invt_invs *invt_invs_purge(const struct invt_invs *invs)
{
	if (!invs->num_trashes)
		return NULL;
	return invt_invs_filter(invs, NULL, NULL);
}
