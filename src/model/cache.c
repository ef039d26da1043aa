// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cache.c - bounded translation caches with seeded eviction (see
 * <invtrack/model/cache.h>; the SMMUv3 TLBI -> descriptor table is there).
 *
 * Slots are one array, set s holding slots [s * ways, (s + 1) * ways).  An
 * entry lives in set hash(iova >> shift, shift).  nr_shift[] counts the
 * entries of each span size so that a lookup probes only the sets of sizes
 * present; kind_shift_mask[] says which sizes each kind of entry has, so
 * that a lookup skips the sizes only other kinds have (their entries could
 * not match it).  Invalidations scan every slot: they are rare next to lookups, and
 * a range may cover any number of sets.
 *
 * A fully associative cache (one set) of FA_INDEX_MIN ways or more (a
 * device's ATC) also keeps a hash index: each valid slot is chained in
 * bucket hash(iova >> shift, shift), so that a lookup or an insert visits
 * the few slots of the buckets of the sizes present instead of every way.
 * The index changes only which slots are visited: the best match (smallest
 * span, then lowest slot) and the slot an insert takes (the lowest invalid
 * one, else a seeded random way) are those of the full scan, so the same
 * seed gives the same run.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/cache.h>

struct slot {
	bool valid;
	struct invt_cache_entry e;
};

/* Ways from which a one-set cache keeps the hash index. */
#define FA_INDEX_MIN 8
#define FA_NONE UINT32_MAX

struct invt_cache {
	pthread_mutex_t lock;
	const char *name;
	unsigned int nr_sets;
	unsigned int ways;
	uint64_t rng;
	struct slot *slots;
	uint64_t *valid_map;		/* bit i: slots[i].valid */
	uint32_t nr_shift[64];
	uint64_t shift_mask;		/* bit s: nr_shift[s] != 0 */
	uint32_t nr_kind_shift[INVT_CACHE_NR_KINDS][64];
	uint64_t kind_shift_mask[INVT_CACHE_NR_KINDS];	/* bit s: nr_kind_shift[k][s] != 0 */
	/* The index of a large one-set cache (NULL otherwise); under @lock. */
	uint32_t *fa_head;		/* per bucket: first slot, or FA_NONE */
	uint32_t *fa_next;		/* per slot: next in its bucket's chain */
	uint32_t *fa_prev;		/* per slot: previous, or FA_NONE (head) */
	unsigned int fa_buckets;	/* a power of two */
	size_t entries;
	uint64_t hits, misses, inserts, replaced, evictions, invalidated;
};

/* splitmix64: the eviction generator's step; also the set hash's mixer. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rng_next(struct invt_cache *c)
{
	c->rng += UINT64_C(0x9e3779b97f4a7c15);
	return mix64(c->rng);
}

static unsigned int set_of(const struct invt_cache *c, uint64_t iova, unsigned int shift)
{
	if (c->nr_sets == 1)
		return 0;
	return (unsigned int)(mix64((iova >> shift) * 64 + shift) & (c->nr_sets - 1));
}

static bool fa_indexed(const struct invt_cache *c)
{
	return c->fa_head != NULL;
}

static unsigned int fa_bucket(const struct invt_cache *c, uint64_t iova, unsigned int shift)
{
	return (unsigned int)(mix64((iova >> shift) * 64 + shift) & (c->fa_buckets - 1));
}

static uint64_t span_last(const struct invt_cache_entry *e)
{
	return e->iova + ((UINT64_C(1) << e->shift) - 1);
}

int invt_cache_create(const struct invt_cache_config *cfg, struct invt_cache **cachep)
{
	struct invt_cache *c;
	size_t n;

	if (!cfg || !cachep || !cfg->nr_sets || (cfg->nr_sets & (cfg->nr_sets - 1)) ||
	    !cfg->ways || cfg->ways > INVT_CACHE_MAX_SLOTS ||
	    cfg->nr_sets > INVT_CACHE_MAX_SLOTS / cfg->ways)
		return -EINVAL;
	n = (size_t)cfg->nr_sets * cfg->ways;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->slots = calloc(n, sizeof(*c->slots));
	c->valid_map = calloc((n + 63) / 64, sizeof(*c->valid_map));
	if (!c->slots || !c->valid_map || pthread_mutex_init(&c->lock, NULL)) {
		free(c->slots);
		free(c->valid_map);
		free(c);
		return -ENOMEM;
	}
	if (cfg->nr_sets == 1 && cfg->ways >= FA_INDEX_MIN) {
		unsigned int i;

		c->fa_buckets = 1;
		while (c->fa_buckets < 2 * cfg->ways)
			c->fa_buckets <<= 1;
		c->fa_head = malloc(c->fa_buckets * sizeof(*c->fa_head));
		c->fa_next = malloc(n * sizeof(*c->fa_next));
		c->fa_prev = malloc(n * sizeof(*c->fa_prev));
		if (!c->fa_head || !c->fa_next || !c->fa_prev) {
			free(c->fa_head);
			free(c->fa_next);
			free(c->fa_prev);
			pthread_mutex_destroy(&c->lock);
			free(c->slots);
			free(c->valid_map);
			free(c);
			return -ENOMEM;
		}
		for (i = 0; i < c->fa_buckets; i++)
			c->fa_head[i] = FA_NONE;
	}
	c->name = cfg->name;
	c->nr_sets = cfg->nr_sets;
	c->ways = cfg->ways;
	c->rng = cfg->seed;
	*cachep = c;
	return 0;
}

void invt_cache_destroy(struct invt_cache *cache)
{
	if (!cache)
		return;
	pthread_mutex_destroy(&cache->lock);
	free(cache->fa_head);
	free(cache->fa_next);
	free(cache->fa_prev);
	free(cache->slots);
	free(cache->valid_map);
	free(cache);
}

const char *invt_cache_name(const struct invt_cache *cache)
{
	return cache->name ? cache->name : "";
}

const char *invt_cache_kind_name(unsigned int kind)
{
	static const char *const names[INVT_CACHE_NR_KINDS] = {
		[INVT_CACHE_S1] = "s1",
		[INVT_CACHE_S2] = "s2",
		[INVT_CACHE_NESTED] = "nested",
		[INVT_CACHE_WALK_S1] = "walk-s1",
		[INVT_CACHE_WALK_S2] = "walk-s2",
		[INVT_CACHE_ATC] = "atc",
	};

	return kind < INVT_CACHE_NR_KINDS ? names[kind] : "?";
}

void invt_cache_lock(struct invt_cache *cache)
{
	pthread_mutex_lock(&cache->lock);
}

void invt_cache_unlock(struct invt_cache *cache)
{
	pthread_mutex_unlock(&cache->lock);
}

static bool same_identity(const struct invt_cache_entry *a, const struct invt_cache_entry *b)
{
	return a->kind == b->kind && a->tag_s2 == b->tag_s2 && a->tag_s1 == b->tag_s1 &&
	       a->sid == b->sid && a->ssid == b->ssid && a->global == b->global &&
	       a->iova == b->iova && a->shift == b->shift;
}

/* Called with the lock held: @s becomes invalid. */
static void slot_clear(struct invt_cache *c, struct slot *s)
{
	unsigned int shift = s->e.shift;
	size_t i = (size_t)(s - c->slots);

	s->valid = false;
	c->valid_map[i / 64] &= ~(UINT64_C(1) << (i % 64));
	if (fa_indexed(c)) {
		uint32_t next = c->fa_next[i], prev = c->fa_prev[i];

		if (prev == FA_NONE)
			c->fa_head[fa_bucket(c, s->e.iova, shift)] = next;
		else
			c->fa_next[prev] = next;
		if (next != FA_NONE)
			c->fa_prev[next] = prev;
	}
	c->entries--;
	if (--c->nr_shift[shift] == 0)
		c->shift_mask &= ~(UINT64_C(1) << shift);
	if (--c->nr_kind_shift[s->e.kind][shift] == 0)
		c->kind_shift_mask[s->e.kind] &= ~(UINT64_C(1) << shift);
}

/* Called with the lock held: @s (invalid) takes @e. */
static void slot_fill(struct invt_cache *c, struct slot *s, const struct invt_cache_entry *e)
{
	size_t i = (size_t)(s - c->slots);

	s->valid = true;
	c->valid_map[i / 64] |= UINT64_C(1) << (i % 64);
	s->e = *e;
	if (fa_indexed(c)) {
		unsigned int b = fa_bucket(c, e->iova, e->shift);

		c->fa_next[i] = c->fa_head[b];
		c->fa_prev[i] = FA_NONE;
		if (c->fa_head[b] != FA_NONE)
			c->fa_prev[c->fa_head[b]] = (uint32_t)i;
		c->fa_head[b] = (uint32_t)i;
	}
	c->entries++;
	c->nr_shift[e->shift]++;
	c->shift_mask |= UINT64_C(1) << e->shift;
	c->nr_kind_shift[e->kind][e->shift]++;
	c->kind_shift_mask[e->kind] |= UINT64_C(1) << e->shift;
}

/*
 * Insert into an indexed one-set cache: the same slot as the scan of
 * invt_cache_insert_locked() (an entry of the same identity, else the
 * lowest invalid slot, else a random way), found through the index and
 * the valid map.
 */
static int fa_insert(struct invt_cache *c, const struct invt_cache_entry *e,
		     struct invt_cache_entry *evicted)
{
	uint32_t i = c->fa_head[fa_bucket(c, e->iova, e->shift)];
	size_t w, nw = ((size_t)c->ways + 63) / 64;
	struct slot *victim = NULL;
	int ret = 0;

	for (; i != FA_NONE; i = c->fa_next[i]) {
		if (same_identity(&c->slots[i].e, e)) {
			c->slots[i].e = *e;
			c->inserts++;
			c->replaced++;
			return 0;
		}
	}
	for (w = 0; w < nw && !victim; w++) {
		uint64_t free_bits = ~c->valid_map[w];
		size_t k;

		if (!free_bits)
			continue;
		k = w * 64 + (size_t)__builtin_ctzll(free_bits);
		if (k < c->ways)
			victim = &c->slots[k];
	}
	if (!victim) {
		victim = &c->slots[rng_next(c) % c->ways];
		if (evicted)
			*evicted = victim->e;
		slot_clear(c, victim);
		c->evictions++;
		ret = 1;
	}
	slot_fill(c, victim, e);
	c->inserts++;
	return ret;
}

int invt_cache_insert_locked(struct invt_cache *cache, const struct invt_cache_entry *e,
			     struct invt_cache_entry *evicted)
{
	struct slot *set, *victim = NULL;
	unsigned int w;
	int ret = 0;

	if (!e || e->kind >= INVT_CACHE_NR_KINDS || e->shift >= 64 ||
	    (e->iova & ((UINT64_C(1) << e->shift) - 1)))
		return -EINVAL;
	if (fa_indexed(cache))
		return fa_insert(cache, e, evicted);
	set = &cache->slots[(size_t)set_of(cache, e->iova, e->shift) * cache->ways];
	for (w = 0; w < cache->ways; w++) {
		if (set[w].valid && same_identity(&set[w].e, e)) {
			set[w].e = *e;
			cache->inserts++;
			cache->replaced++;
			return 0;
		}
		if (!set[w].valid && !victim)
			victim = &set[w];
	}
	if (!victim) {
		victim = &set[rng_next(cache) % cache->ways];
		if (evicted)
			*evicted = victim->e;
		slot_clear(cache, victim);
		cache->evictions++;
		ret = 1;
	}
	slot_fill(cache, victim, e);
	cache->inserts++;
	return ret;
}

int invt_cache_insert(struct invt_cache *cache, const struct invt_cache_entry *e,
		      struct invt_cache_entry *evicted)
{
	int ret;

	pthread_mutex_lock(&cache->lock);
	ret = invt_cache_insert_locked(cache, e, evicted);
	pthread_mutex_unlock(&cache->lock);
	return ret;
}

static bool key_matches(const struct invt_cache_key *k, const struct invt_cache_entry *e)
{
	return (k->kinds & INVT_CACHE_K(e->kind)) &&
	       (e->tag_s2 == k->tag_s2 || k->tag_s2 == INVT_CACHE_ID_ANY) &&
	       (e->global || e->tag_s1 == k->tag_s1 || k->tag_s1 == INVT_CACHE_ID_ANY) &&
	       e->sid == k->sid && e->ssid == k->ssid &&
	       k->iova >= e->iova && k->iova <= span_last(e);
}

/* Called with the lock held: the best match among the ways of @set. */
static const struct slot *probe(const struct invt_cache *c, const struct slot *set,
				const struct invt_cache_key *key, const struct slot *best)
{
	unsigned int w;

	for (w = 0; w < c->ways; w++) {
		const struct slot *s = &set[w];

		if (!s->valid || !key_matches(key, &s->e))
			continue;
		if (!best || s->e.shift < best->e.shift ||
		    (s->e.shift == best->e.shift && s < best))
			best = s;
	}
	return best;
}

/* Called with the lock held. */
static const struct invt_cache_entry *find(struct invt_cache *c, const struct invt_cache_key *key)
{
	const struct slot *best = NULL;
	uint64_t mask, sizes = 0;
	uint32_t kinds;

	/* The sizes of the kinds looked up: no other entry can match. */
	for (kinds = key->kinds & (INVT_CACHE_K_ALL); kinds; kinds &= kinds - 1)
		sizes |= c->kind_shift_mask[__builtin_ctz(kinds)];
	if (fa_indexed(c)) {
		for (mask = sizes; mask; mask &= mask - 1) {
			unsigned int shift = (unsigned int)__builtin_ctzll(mask);
			uint32_t i = c->fa_head[fa_bucket(c, key->iova & ~((UINT64_C(1) << shift) - 1),
							  shift)];

			for (; i != FA_NONE; i = c->fa_next[i]) {
				const struct slot *s = &c->slots[i];

				if (!key_matches(key, &s->e))
					continue;
				if (!best || s->e.shift < best->e.shift ||
				    (s->e.shift == best->e.shift && s < best))
					best = s;
			}
		}
	} else if (c->nr_sets == 1) {
		best = probe(c, c->slots, key, NULL);
	} else {
		for (mask = sizes; mask; mask &= mask - 1) {
			unsigned int shift = (unsigned int)__builtin_ctzll(mask);
			unsigned int set = set_of(c, key->iova & ~((UINT64_C(1) << shift) - 1),
						  shift);

			best = probe(c, &c->slots[(size_t)set * c->ways], key, best);
		}
	}
	if (best)
		c->hits++;
	else
		c->misses++;
	return best ? &best->e : NULL;
}

int invt_cache_lookup_locked(struct invt_cache *cache, const struct invt_cache_key *key,
			     struct invt_cache_entry *out)
{
	const struct invt_cache_entry *e = find(cache, key);

	if (!e)
		return -ENOENT;
	*out = *e;
	return 0;
}

int invt_cache_lookup(struct invt_cache *cache, const struct invt_cache_key *key,
		      struct invt_cache_entry *out)
{
	int ret;

	pthread_mutex_lock(&cache->lock);
	ret = invt_cache_lookup_locked(cache, key, out);
	pthread_mutex_unlock(&cache->lock);
	return ret;
}

int invt_cache_lookup_cb(struct invt_cache *cache, const struct invt_cache_key *key,
			 invt_cache_lookup_fn fn, void *arg)
{
	struct invt_cache_entry copy;
	const struct invt_cache_entry *e;
	int ret;

	pthread_mutex_lock(&cache->lock);
	e = find(cache, key);
	/* A copy: @fn may insert, which could overwrite the slot. */
	if (e)
		copy = *e;
	ret = fn(cache, e ? &copy : NULL, arg);
	pthread_mutex_unlock(&cache->lock);
	return ret;
}

static bool masked_eq(uint32_t a, uint32_t b, uint32_t mask)
{
	return (a & mask) == (b & mask);
}

/* invt_cache_matches(), inlined into the invalidation scan. */
static inline bool match_entry(const struct invt_cache_match *m, const struct invt_cache_entry *e)
{
	if (e->kind >= INVT_CACHE_NR_KINDS || !(m->kinds & INVT_CACHE_K(e->kind)))
		return false;
	if (m->leaf_only && (INVT_CACHE_K(e->kind) & INVT_CACHE_K_WALK))
		return false;
	if (!masked_eq(e->tag_s2, m->tag_s2, m->tag_s2_mask))
		return false;
	if (e->global ? m->keep_global : !masked_eq(e->tag_s1, m->tag_s1, m->tag_s1_mask))
		return false;
	if (!masked_eq(e->sid, m->sid, m->sid_mask) || !masked_eq(e->ssid, m->ssid, m->ssid_mask))
		return false;
	return e->iova <= m->last && span_last(e) >= m->start;
}

bool invt_cache_matches(const struct invt_cache_match *m, const struct invt_cache_entry *e)
{
	return match_entry(m, e);
}

long invt_cache_invalidate_locked(struct invt_cache *cache, const struct invt_cache_match *m)
{
	size_t w, nw = ((size_t)cache->nr_sets * cache->ways + 63) / 64;
	long removed = 0;
	unsigned int k;
	bool any = false;

	if (m->start > m->last)
		return -EINVAL;
	/* Nothing to visit when no entry is of a kind the descriptor removes. */
	for (k = 0; k < INVT_CACHE_NR_KINDS && !any; k++)
		any = (m->kinds & INVT_CACHE_K(k)) && cache->kind_shift_mask[k];
	if (!any)
		return 0;
	/* The valid slots only, in slot order. */
	for (w = 0; w < nw; w++) {
		uint64_t bits = cache->valid_map[w];

		for (; bits; bits &= bits - 1) {
			struct slot *s = &cache->slots[w * 64 + (size_t)__builtin_ctzll(bits)];

			if (match_entry(m, &s->e)) {
				slot_clear(cache, s);
				removed++;
			}
		}
	}
	cache->invalidated += (uint64_t)removed;
	return removed;
}

long invt_cache_invalidate(struct invt_cache *cache, const struct invt_cache_match *m)
{
	long ret;

	pthread_mutex_lock(&cache->lock);
	ret = invt_cache_invalidate_locked(cache, m);
	pthread_mutex_unlock(&cache->lock);
	return ret;
}

size_t invt_cache_for_each(struct invt_cache *cache,
			   void (*fn)(const struct invt_cache_entry *e, void *arg), void *arg)
{
	size_t i, n = (size_t)cache->nr_sets * cache->ways, visited = 0;

	pthread_mutex_lock(&cache->lock);
	for (i = 0; i < n; i++) {
		if (cache->slots[i].valid) {
			fn(&cache->slots[i].e, arg);
			visited++;
		}
	}
	pthread_mutex_unlock(&cache->lock);
	return visited;
}

void invt_cache_stats(struct invt_cache *cache, struct invt_cache_stats *st)
{
	pthread_mutex_lock(&cache->lock);
	st->capacity = (size_t)cache->nr_sets * cache->ways;
	st->entries = cache->entries;
	st->hits = cache->hits;
	st->misses = cache->misses;
	st->inserts = cache->inserts;
	st->replaced = cache->replaced;
	st->evictions = cache->evictions;
	st->invalidated = cache->invalidated;
	pthread_mutex_unlock(&cache->lock);
}
