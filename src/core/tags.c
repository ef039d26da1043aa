// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * tags.c - IOTLB tag allocators.
 *
 * A tag is handed out lowest-free-first, so a released tag is reused at the
 * first opportunity: any attachment path that releases a tag still cached
 * shows up at once in tests (WRONG_DOMAIN in the model).  Releasing is the
 * caller's promise that the tag was flushed from every instance using it.
 *
 * A flush that did not complete breaks that promise, so its entries go to
 * the space's quarantine instead: the tag stays held until a later flush of
 * each of them completes (invt_tag_retry(), when a domain next joins the
 * space), or their instance is unregistered.
 */
#include "internal.h"

#define BITS_PER_WORD (8 * sizeof(unsigned long))

int invt_tag_space_init(struct invt_tag_space *ts, uint32_t min, uint32_t max)
{
	size_t words;

	if (min > max || max == UINT32_MAX)
		return -EINVAL;
	words = ((size_t)max - min) / BITS_PER_WORD + 1;
	ts->bitmap = invt_zalloc(words * sizeof(unsigned long));
	if (!ts->bitmap)
		return -ENOMEM;
	ts->min = min;
	ts->max = max;
	ts->dirty = NULL;
	ts->nr_dirty = 0;
	ts->cap_dirty = 0;
	invt_mutex_init(&ts->lock);
	return 0;
}

void invt_tag_space_destroy(struct invt_tag_space *ts)
{
	invt_mutex_destroy(&ts->lock);
	invt_free(ts->bitmap);
	ts->bitmap = NULL;
	invt_free(ts->dirty);
	ts->dirty = NULL;
	ts->nr_dirty = 0;
	ts->cap_dirty = 0;
}

unsigned int invt_tag_space_quarantined(struct invt_tag_space *ts)
{
	unsigned int n;

	invt_mutex_lock(&ts->lock);
	n = ts->nr_dirty;
	invt_mutex_unlock(&ts->lock);
	return n;
}

unsigned int invt_tag_space_used(struct invt_tag_space *ts)
{
	size_t words = ((size_t)ts->max - ts->min) / BITS_PER_WORD + 1, i;
	unsigned int n = 0;

	invt_mutex_lock(&ts->lock);
	for (i = 0; i < words; i++)
		n += invt_popcountl(ts->bitmap[i]);
	invt_mutex_unlock(&ts->lock);
	return n;
}

/* Take the lowest free tag of @ts.  Return: 0, or -ENOSPC when all are held. */
int invt_tag_get(struct invt_tag_space *ts, uint32_t *tag)
{
	size_t nbits = (size_t)ts->max - ts->min + 1, words = (nbits - 1) / BITS_PER_WORD + 1;
	size_t w;
	int ret = -ENOSPC;

	invt_mutex_lock(&ts->lock);
	for (w = 0; w < words; w++) {
		unsigned long free_bits = ~ts->bitmap[w];
		size_t bit;

		if (!free_bits)
			continue;
		bit = w * BITS_PER_WORD + __builtin_ctzl(free_bits);
		if (bit >= nbits)
			break;
		ts->bitmap[w] |= 1ul << (bit % BITS_PER_WORD);
		*tag = ts->min + (uint32_t)bit;
		ret = 0;
		break;
	}
	invt_mutex_unlock(&ts->lock);
	return ret;
}

/* Clear @tag's bit; under ts->lock. */
static void tag_clear_locked(struct invt_tag_space *ts, uint32_t tag)
{
	size_t bit = tag - ts->min;

	INVT_DEBUG_ASSERT(tag >= ts->min && tag <= ts->max);
	INVT_DEBUG_ASSERT(ts->bitmap[bit / BITS_PER_WORD] & (1ul << (bit % BITS_PER_WORD)));
	ts->bitmap[bit / BITS_PER_WORD] &= ~(1ul << (bit % BITS_PER_WORD));
}

/* Whether a quarantined entry names @tag; under ts->lock. */
static bool tag_dirty_locked(const struct invt_tag_space *ts, uint32_t tag)
{
	unsigned int i;

	for (i = 0; i < ts->nr_dirty; i++)
		if (ts->dirty[i].inv.id == tag)
			return true;
	return false;
}

/* Give back a tag never used (no flush owed). */
void invt_tag_put(struct invt_tag_space *ts, uint32_t tag)
{
	invt_mutex_lock(&ts->lock);
	tag_clear_locked(ts, tag);
	invt_mutex_unlock(&ts->lock);
}

/*
 * A domain lets go of @tag; the caller flushed it from every instance, or
 * quarantined the entries whose flush failed: then the tag stays held.
 */
void invt_tag_release(struct invt_tag_space *ts, uint32_t tag)
{
	unsigned int i;

	invt_mutex_lock(&ts->lock);
	if (tag_dirty_locked(ts, tag)) {
		for (i = 0; i < ts->nr_dirty; i++)
			if (ts->dirty[i].inv.id == tag)
				ts->dirty[i].released = true;
	} else {
		tag_clear_locked(ts, tag);
	}
	invt_mutex_unlock(&ts->lock);
}

/*
 * Quarantine @inv, an IOTLB entry of a tag held in @ts whose flush failed.
 * Return: 0, or -ENOMEM: then the caller keeps the tag forever.
 */
int invt_tag_quarantine(struct invt_tag_space *ts, const struct invt_inv *inv)
{
	struct invt_tag_quarantine *q;
	unsigned int i;
	int ret = 0;

	invt_mutex_lock(&ts->lock);
	for (i = 0; i < ts->nr_dirty; i++)
		if (!invt_invs_cmp(&ts->dirty[i].inv, inv))
			goto out;	/* already there: one flush clears both */
	if (ts->nr_dirty == ts->cap_dirty) {
		unsigned int cap = ts->cap_dirty ? 2 * ts->cap_dirty : 4;

		q = invt_zalloc(cap * sizeof(*q));
		if (!q) {
			ret = -ENOMEM;
			goto out;
		}
		if (ts->nr_dirty)
			memcpy(q, ts->dirty, ts->nr_dirty * sizeof(*q));
		invt_free(ts->dirty);
		ts->dirty = q;
		ts->cap_dirty = cap;
	}
	q = &ts->dirty[ts->nr_dirty++];
	q->inv = *inv;
	q->inv.users = 1;
	q->released = false;
out:
	invt_mutex_unlock(&ts->lock);
	return ret;
}

/* Remove quarantined entry @i, freeing its tag if it was the last; under ts->lock. */
static void dirty_remove_locked(struct invt_tag_space *ts, unsigned int i)
{
	struct invt_tag_quarantine q = ts->dirty[i];

	ts->dirty[i] = ts->dirty[--ts->nr_dirty];
	if (q.released && !tag_dirty_locked(ts, q.inv.id))
		tag_clear_locked(ts, q.inv.id);
}

/* Room for a private one-entry array, on the stack. */
union one_inv {
	struct invt_invs invs;
	char room[sizeof(struct invt_invs) + sizeof(struct invt_inv)];
};

/*
 * Flush every quarantined entry of @ts again; the ones that complete leave
 * the quarantine (and a released tag with no entry left is free again).
 * Sleeps (queue waits) under ts->lock: the drivers' queue locks nest inside.
 * Return: whether entries remain quarantined.
 */
bool invt_tag_retry(struct invt_tag_space *ts)
{
	static const struct invt_range all = { .all = true };
	union one_inv one;
	unsigned int i;
	bool left;

	invt_mutex_lock(&ts->lock);
	for (i = 0; i < ts->nr_dirty;) {
		struct invt_iommu *iommu = ts->dirty[i].inv.iommu;

		one.invs.num_invs = 1;
		one.invs.num_trashes = 0;
		one.invs.has_atc = 0;
		one.invs.inv[0] = ts->dirty[i].inv;
		if (!invt_invs_flush(iommu->ctx, &one.invs, &all))
			dirty_remove_locked(ts, i);
		else
			i++;
	}
	left = ts->nr_dirty;
	invt_mutex_unlock(&ts->lock);
	return left;
}

/* Whether an entry of (@iommu, @tag) is quarantined in @ts. */
bool invt_tag_dirty_on(struct invt_tag_space *ts, const struct invt_iommu *iommu, uint32_t tag)
{
	bool dirty = false;
	unsigned int i;

	invt_mutex_lock(&ts->lock);
	for (i = 0; i < ts->nr_dirty && !dirty; i++)
		dirty = ts->dirty[i].inv.iommu == iommu && ts->dirty[i].inv.id == tag;
	invt_mutex_unlock(&ts->lock);
	return dirty;
}

/* @iommu goes away, and its IOTLB with it: drop its quarantined entries. */
void invt_tag_forget(struct invt_tag_space *ts, const struct invt_iommu *iommu)
{
	unsigned int i;

	invt_mutex_lock(&ts->lock);
	for (i = 0; i < ts->nr_dirty;) {
		if (ts->dirty[i].inv.iommu == iommu)
			dirty_remove_locked(ts, i);
		else
			i++;
	}
	invt_mutex_unlock(&ts->lock);
}
