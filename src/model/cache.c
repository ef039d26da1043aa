// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cache.c - bounded translation caches with seeded eviction (see
 * <invtrack/model/cache.h>; the SMMUv3 TLBI -> descriptor table is there).
 *
 * Slots are numbered alike in two arrays (keys, entries), set s holding
 * slots [s * ways, (s + 1) * ways).  An entry lives in set hash(iova >>
 * shift, shift).  nr_shift[] counts the entries of each span size so that a
 * lookup probes only the sets of sizes present; kind_shift_mask[] says which
 * sizes each kind of entry has, so that a lookup skips the sizes only other
 * kinds have (their entries could not match it).  Invalidations scan every
 * valid slot: they are rare next to lookups, and a range may cover any
 * number of sets.  Two bitmaps per slot narrow the scan: kind_map[k] marks
 * the valid slots of kind k, tag_map[b] those whose tag_s2 hashes to bucket
 * b; an invalidation visits only the slots of the kinds it removes and,
 * when it names one tag_s2 exactly (a domain, a VM: nearly all do), of that
 * tag's bucket.  The scan still decides on the whole key, in slot order.
 *
 * A slot's key holds what lookups, invalidations and inserts compare (kind,
 * tags, requester, span: the entry's identity) in 32 bytes, apart from the
 * rest of the entry (144 bytes): a probe of four ways or an invalidation
 * scan reads two cache lines of keys per four slots instead of nine, and
 * an entry only when it matches.
 *
 * A fully associative cache (one set) of FA_INDEX_MIN ways or more (a
 * device's ATC) also keeps a hash index: each valid slot is chained in
 * bucket hash(iova >> shift, shift), so that a lookup or an insert visits
 * the few slots of the buckets of the sizes present instead of every way.
 * The index changes only which slots are visited: the best match (smallest
 * span, then lowest slot) and the slot an insert takes (the lowest invalid
 * one, else a seeded random way) are those of the full scan, so the same
 * seed gives the same run.
 *
 * A lookup probes the sizes present from the smallest up and, at size s,
 * compares only the entries that start at the address aligned to s and span
 * exactly s: an entry of another size that matches is visited in its own
 * size's probe.  So the first probe that finds a match holds the best one
 * (smallest span) and the lookup stops there.  A cache of several sets also
 * keeps, per set, the sizes its valid entries span (set_shifts[]): a probe
 * of a size the set holds no entry of reads no key.  Most probes are such
 * (a set holds four pages; block entries are few), and most translations
 * of a run miss (they fault), so a miss usually reads one set's keys.
 * set_count[] counts them per set and size, so that keeping set_shifts[]
 * costs an increment and a decrement.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/cache.h>
#include <invtrack/model/ylock.h>

/* What a lookup, an invalidation and an insert compare of slot i's entry. */
struct slot_key {
	uint8_t kind;
	bool global;
	uint8_t shift;
	bool valid;
	uint32_t tag_s2;
	uint32_t tag_s1;
	uint32_t sid;
	uint32_t ssid;
	uint64_t iova;
};

/* Ways from which a one-set cache keeps the hash index. */
#define FA_INDEX_MIN 8
#define FA_NONE UINT32_MAX

/* Buckets of tag_map (a power of two). */
#define TAG_BUCKETS 64

struct invt_cache {
	struct invt_ylock lock;	/* every field below; see invtrack/model/ylock.h */
	const char *name;
	unsigned int nr_sets;
	unsigned int ways;
	uint64_t rng;
	struct slot_key *keys;		/* per slot: its key, valid or not */
	struct invt_cache_entry *ents;	/* per slot: the entry, while keys[i].valid */
	uint64_t *valid_map;		/* bit i: keys[i].valid */
	size_t nr_words;		/* of each slot bitmap */
	uint64_t *kind_map;		/* [kind][word]: bit i: valid, keys[i].kind == kind */
	uint64_t *tag_map;		/* [bucket][word]: bit i: valid, tag_bucket(tag_s2) */
	/*
	 * Several sets of at most 255 ways (else both NULL): per set, bit s: a
	 * valid slot of it spans 2^s; [set][s]: how many.
	 */
	uint64_t *set_shifts;
	uint8_t (*set_count)[64];
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

/* tag_map's bucket of @tag: a multiplicative hash's top bits. */
static unsigned int tag_bucket(uint32_t tag)
{
	return (unsigned int)((tag * UINT32_C(0x9e3779b1)) >> (32 - 6));
}

_Static_assert(TAG_BUCKETS == 1 << 6, "tag_bucket() takes 6 bits");

static bool fa_indexed(const struct invt_cache *c)
{
	return c->fa_head != NULL;
}

static unsigned int fa_bucket(const struct invt_cache *c, uint64_t iova, unsigned int shift)
{
	return (unsigned int)(mix64((iova >> shift) * 64 + shift) & (c->fa_buckets - 1));
}

static uint64_t span_last(const struct slot_key *k)
{
	return k->iova + ((UINT64_C(1) << k->shift) - 1);
}

static struct slot_key key_of(const struct invt_cache_entry *e)
{
	return (struct slot_key){
		.kind = e->kind, .global = e->global, .shift = e->shift, .valid = true,
		.tag_s2 = e->tag_s2, .tag_s1 = e->tag_s1, .sid = e->sid, .ssid = e->ssid,
		.iova = e->iova,
	};
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
	c->keys = calloc(n, sizeof(*c->keys));
	c->ents = calloc(n, sizeof(*c->ents));
	c->nr_words = (n + 63) / 64;
	c->valid_map = calloc(c->nr_words, sizeof(*c->valid_map));
	c->kind_map = calloc(INVT_CACHE_NR_KINDS * c->nr_words, sizeof(*c->kind_map));
	c->tag_map = calloc(TAG_BUCKETS * c->nr_words, sizeof(*c->tag_map));
	if (cfg->nr_sets > 1 && cfg->ways <= UINT8_MAX) {
		c->set_shifts = calloc(cfg->nr_sets, sizeof(*c->set_shifts));
		c->set_count = calloc(cfg->nr_sets, sizeof(*c->set_count));
	}
	if (!c->keys || !c->ents || !c->valid_map || !c->kind_map || !c->tag_map ||
	    (cfg->nr_sets > 1 && cfg->ways <= UINT8_MAX && (!c->set_shifts || !c->set_count))) {
		free(c->set_shifts);
		free(c->set_count);
		free(c->keys);
		free(c->ents);
		free(c->valid_map);
		free(c->kind_map);
		free(c->tag_map);
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
			free(c->set_shifts);
			free(c->set_count);
			free(c->keys);
			free(c->ents);
			free(c->valid_map);
			free(c->kind_map);
			free(c->tag_map);
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
	free(cache->fa_head);
	free(cache->fa_next);
	free(cache->fa_prev);
	free(cache->keys);
	free(cache->ents);
	free(cache->valid_map);
	free(cache->kind_map);
	free(cache->tag_map);
	free(cache->set_shifts);
	free(cache->set_count);
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
	invt_ylock_lock(&cache->lock);
}

void invt_cache_unlock(struct invt_cache *cache)
{
	invt_ylock_unlock(&cache->lock);
}

/* The same entry (an insert replaces it): every field of the key. */
static bool same_identity(const struct slot_key *a, const struct slot_key *b)
{
	/* The address first: it tells the entries of a set apart most often. */
	return a->iova == b->iova && a->shift == b->shift && a->kind == b->kind &&
	       a->tag_s2 == b->tag_s2 && a->tag_s1 == b->tag_s1 && a->sid == b->sid &&
	       a->ssid == b->ssid && a->global == b->global;
}

/* Called with the lock held: slot @i becomes invalid. */
static void slot_clear(struct invt_cache *c, size_t i)
{
	struct slot_key *k = &c->keys[i];
	unsigned int shift = k->shift;
	uint64_t bit = UINT64_C(1) << (i % 64);
	size_t w = i / 64;

	k->valid = false;
	c->valid_map[w] &= ~bit;
	c->kind_map[k->kind * c->nr_words + w] &= ~bit;
	c->tag_map[tag_bucket(k->tag_s2) * c->nr_words + w] &= ~bit;
	if (fa_indexed(c)) {
		uint32_t next = c->fa_next[i], prev = c->fa_prev[i];

		if (prev == FA_NONE)
			c->fa_head[fa_bucket(c, k->iova, shift)] = next;
		else
			c->fa_next[prev] = next;
		if (next != FA_NONE)
			c->fa_prev[next] = prev;
	}
	if (c->set_shifts && --c->set_count[i / c->ways][shift] == 0)
		c->set_shifts[i / c->ways] &= ~(UINT64_C(1) << shift);
	c->entries--;
	if (--c->nr_shift[shift] == 0)
		c->shift_mask &= ~(UINT64_C(1) << shift);
	if (--c->nr_kind_shift[k->kind][shift] == 0)
		c->kind_shift_mask[k->kind] &= ~(UINT64_C(1) << shift);
}

/* Called with the lock held: slot @i (invalid) takes @e. */
static void slot_fill(struct invt_cache *c, size_t i, const struct invt_cache_entry *e)
{
	uint64_t bit = UINT64_C(1) << (i % 64);
	size_t w = i / 64;

	c->keys[i] = key_of(e);
	c->valid_map[w] |= bit;
	c->kind_map[e->kind * c->nr_words + w] |= bit;
	c->tag_map[tag_bucket(e->tag_s2) * c->nr_words + w] |= bit;
	c->ents[i] = *e;
	if (fa_indexed(c)) {
		unsigned int b = fa_bucket(c, e->iova, e->shift);

		c->fa_next[i] = c->fa_head[b];
		c->fa_prev[i] = FA_NONE;
		if (c->fa_head[b] != FA_NONE)
			c->fa_prev[c->fa_head[b]] = (uint32_t)i;
		c->fa_head[b] = (uint32_t)i;
	}
	if (c->set_shifts) {
		c->set_count[i / c->ways][e->shift]++;
		c->set_shifts[i / c->ways] |= UINT64_C(1) << e->shift;
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
	size_t w, nw = ((size_t)c->ways + 63) / 64, victim = SIZE_MAX;
	struct slot_key k = key_of(e);
	int ret = 0;

	for (; i != FA_NONE; i = c->fa_next[i]) {
		if (same_identity(&c->keys[i], &k)) {
			c->ents[i] = *e;
			c->inserts++;
			c->replaced++;
			return 0;
		}
	}
	for (w = 0; w < nw && victim == SIZE_MAX; w++) {
		uint64_t free_bits = ~c->valid_map[w];
		size_t j;

		if (!free_bits)
			continue;
		j = w * 64 + (size_t)__builtin_ctzll(free_bits);
		if (j < c->ways)
			victim = j;
	}
	if (victim == SIZE_MAX) {
		victim = (size_t)(rng_next(c) % c->ways);
		if (evicted)
			*evicted = c->ents[victim];
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
	size_t set, victim = SIZE_MAX;
	struct slot_key k;
	unsigned int w;
	int ret = 0;

	if (!e || e->kind >= INVT_CACHE_NR_KINDS || e->shift >= 64 ||
	    (e->iova & ((UINT64_C(1) << e->shift) - 1)))
		return -EINVAL;
	if (fa_indexed(cache))
		return fa_insert(cache, e, evicted);
	k = key_of(e);
	set = (size_t)set_of(cache, e->iova, e->shift) * cache->ways;
	for (w = 0; w < cache->ways; w++) {
		const struct slot_key *sk = &cache->keys[set + w];

		if (sk->valid && same_identity(sk, &k)) {
			cache->ents[set + w] = *e;
			cache->inserts++;
			cache->replaced++;
			return 0;
		}
		if (!sk->valid && victim == SIZE_MAX)
			victim = set + w;
	}
	if (victim == SIZE_MAX) {
		victim = set + (size_t)(rng_next(cache) % cache->ways);
		if (evicted)
			*evicted = cache->ents[victim];
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

	invt_ylock_lock(&cache->lock);
	ret = invt_cache_insert_locked(cache, e, evicted);
	invt_ylock_unlock(&cache->lock);
	return ret;
}

/* key_matches() of an entry known to span exactly the probed size's block of @k->iova. */
static bool key_tags_match(const struct invt_cache_key *k, const struct slot_key *e)
{
	return (k->kinds & INVT_CACHE_K(e->kind)) &&
	       (e->tag_s2 == k->tag_s2 || k->tag_s2 == INVT_CACHE_ID_ANY) &&
	       (e->global || e->tag_s1 == k->tag_s1 || k->tag_s1 == INVT_CACHE_ID_ANY) &&
	       e->sid == k->sid && e->ssid == k->ssid;
}

static bool key_matches(const struct invt_cache_key *k, const struct slot_key *e)
{
	return (k->kinds & INVT_CACHE_K(e->kind)) &&
	       (e->tag_s2 == k->tag_s2 || k->tag_s2 == INVT_CACHE_ID_ANY) &&
	       (e->global || e->tag_s1 == k->tag_s1 || k->tag_s1 == INVT_CACHE_ID_ANY) &&
	       e->sid == k->sid && e->ssid == k->ssid &&
	       k->iova >= e->iova && k->iova <= span_last(e);
}

/* No slot: probe()'s and find()'s "none yet". */
#define NO_SLOT SIZE_MAX

/* Whether slot @i is a better match than slot @best (smallest span, then lowest slot). */
static bool better(const struct invt_cache *c, size_t i, size_t best)
{
	return best == NO_SLOT || c->keys[i].shift < c->keys[best].shift ||
	       (c->keys[i].shift == c->keys[best].shift && i < best);
}

/* Called with the lock held: the best match among the ways of the set at slot @set. */
static size_t probe(const struct invt_cache *c, size_t set, const struct invt_cache_key *key,
		    size_t best)
{
	unsigned int w;

	for (w = 0; w < c->ways; w++) {
		const struct slot_key *sk = &c->keys[set + w];

		if (!sk->valid || !key_matches(key, sk))
			continue;
		if (better(c, set + w, best))
			best = set + w;
	}
	return best;
}

/*
 * Called with the lock held: the lowest of the slots of the set at @set
 * that hold a match of span 2^@shift starting at @iova (@key->iova
 * aligned), or NO_SLOT.
 */
static size_t probe_size(const struct invt_cache *c, size_t set, const struct invt_cache_key *key,
			 uint64_t iova, unsigned int shift)
{
	unsigned int w;

	for (w = 0; w < c->ways; w++) {
		const struct slot_key *sk = &c->keys[set + w];

		if (sk->iova == iova && sk->shift == shift && sk->valid && key_tags_match(key, sk))
			return set + w;
	}
	return NO_SLOT;
}

/* Likewise through the index of a large one-set cache: the lowest such slot of the chain. */
static size_t fa_probe_size(const struct invt_cache *c, const struct invt_cache_key *key,
			    uint64_t iova, unsigned int shift)
{
	uint32_t i = c->fa_head[fa_bucket(c, iova, shift)];
	size_t best = NO_SLOT;

	for (; i != FA_NONE; i = c->fa_next[i]) {
		const struct slot_key *sk = &c->keys[i];

		if (i < best && sk->iova == iova && sk->shift == shift && key_tags_match(key, sk))
			best = i;
	}
	return best;
}

/*
 * Called with the lock held.  The sizes are probed from the smallest: the
 * first match is of the smallest span, the lowest slot of that span (see the
 * top of the file).
 */
static const struct invt_cache_entry *find(struct invt_cache *c, const struct invt_cache_key *key)
{
	size_t best = NO_SLOT;
	uint64_t mask, sizes = 0;
	uint32_t kinds = key->kinds & INVT_CACHE_K_ALL;

	/* The sizes of the kinds looked up: no other entry can match. */
	if (kinds && !(kinds & (kinds - 1))) {
		sizes = c->kind_shift_mask[__builtin_ctz(kinds)];	/* one kind: most lookups */
	} else {
		for (; kinds; kinds &= kinds - 1)
			sizes |= c->kind_shift_mask[__builtin_ctz(kinds)];
	}
	if (c->nr_sets > 1) {
		for (mask = sizes; mask; mask &= mask - 1) {
			unsigned int shift = (unsigned int)__builtin_ctzll(mask);
			uint64_t iova = key->iova & ~((UINT64_C(1) << shift) - 1);
			unsigned int set = set_of(c, iova, shift);

			/* No entry of this size in the set: nothing to compare. */
			if (c->set_shifts && !(c->set_shifts[set] & (UINT64_C(1) << shift)))
				continue;
			best = probe_size(c, (size_t)set * c->ways, key, iova, shift);
			if (best != NO_SLOT)
				break;
		}
	} else if (!fa_indexed(c)) {
		best = probe(c, 0, key, NO_SLOT);
	} else {
		for (mask = sizes; mask && best == NO_SLOT; mask &= mask - 1) {
			unsigned int shift = (unsigned int)__builtin_ctzll(mask);
			uint64_t iova = key->iova & ~((UINT64_C(1) << shift) - 1);

			best = fa_probe_size(c, key, iova, shift);
		}
	}
	if (best != NO_SLOT)
		c->hits++;
	else
		c->misses++;
	return best != NO_SLOT ? &c->ents[best] : NULL;
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

	invt_ylock_lock(&cache->lock);
	ret = invt_cache_lookup_locked(cache, key, out);
	invt_ylock_unlock(&cache->lock);
	return ret;
}

int invt_cache_lookup_cb(struct invt_cache *cache, const struct invt_cache_key *key,
			 invt_cache_lookup_fn fn, void *arg)
{
	struct invt_cache_entry copy;
	const struct invt_cache_entry *e;
	int ret;

	invt_ylock_lock(&cache->lock);
	e = find(cache, key);
	/* A copy: @fn may insert, which could overwrite the slot. */
	if (e)
		copy = *e;
	ret = fn(cache, e ? &copy : NULL, arg);
	invt_ylock_unlock(&cache->lock);
	return ret;
}

/* No valid entry is of @kind. */
static bool c_kind_empty(const struct invt_cache *c, unsigned int kind)
{
	return !c->kind_shift_mask[kind];
}

static bool masked_eq(uint32_t a, uint32_t b, uint32_t mask)
{
	return (a & mask) == (b & mask);
}

/* invt_cache_matches() on an entry's key, inlined into the invalidation scan. */
static inline bool match_key(const struct invt_cache_match *m, const struct slot_key *e)
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

/* @m's output-IPA condition on @e (struct invt_cache_match, @by_ipa). */
static bool match_ipa(const struct invt_cache_match *m, const struct invt_cache_entry *e)
{
	return !m->by_ipa || e->kind != INVT_CACHE_NESTED ||
	       (e->ipa <= m->ipa_last && e->ipa + ((UINT64_C(1) << e->shift) - 1) >= m->ipa_start);
}

bool invt_cache_matches(const struct invt_cache_match *m, const struct invt_cache_entry *e)
{
	struct slot_key k = key_of(e);

	return match_key(m, &k) && match_ipa(m, e);
}

long invt_cache_invalidate_locked(struct invt_cache *cache, const struct invt_cache_match *m)
{
	size_t w, nw = cache->nr_words;
	const uint64_t *tags = NULL;
	uint32_t kinds = m->kinds & INVT_CACHE_K_ALL, k;
	long removed = 0;

	if (m->start > m->last)
		return -EINVAL;
	/* Nothing to visit when no entry is of a kind the descriptor removes. */
	for (k = kinds; k; k &= k - 1) {
		if (!c_kind_empty(cache, (unsigned int)__builtin_ctz(k)))
			break;
	}
	if (!k)
		return 0;
	/* One tag_s2 named exactly: its bucket's slots only. */
	if (m->tag_s2_mask == UINT32_MAX)
		tags = &cache->tag_map[tag_bucket(m->tag_s2) * nw];
	/* The valid slots of those kinds (and bucket) only, in slot order. */
	for (w = 0; w < nw; w++) {
		uint64_t bits = 0;

		for (k = kinds; k; k &= k - 1)
			bits |= cache->kind_map[(size_t)__builtin_ctz(k) * nw + w];
		if (tags)
			bits &= tags[w];
		for (; bits; bits &= bits - 1) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(bits);

			if (match_key(m, &cache->keys[i]) && match_ipa(m, &cache->ents[i])) {
				slot_clear(cache, i);
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

	invt_ylock_lock(&cache->lock);
	ret = invt_cache_invalidate_locked(cache, m);
	invt_ylock_unlock(&cache->lock);
	return ret;
}

size_t invt_cache_for_each(struct invt_cache *cache,
			   void (*fn)(const struct invt_cache_entry *e, void *arg), void *arg)
{
	size_t i, n = (size_t)cache->nr_sets * cache->ways, visited = 0;

	invt_ylock_lock(&cache->lock);
	for (i = 0; i < n; i++) {
		if (cache->keys[i].valid) {
			fn(&cache->ents[i], arg);
			visited++;
		}
	}
	invt_ylock_unlock(&cache->lock);
	return visited;
}

void invt_cache_stats(struct invt_cache *cache, struct invt_cache_stats *st)
{
	invt_ylock_lock(&cache->lock);
	st->capacity = (size_t)cache->nr_sets * cache->ways;
	st->entries = cache->entries;
	st->hits = cache->hits;
	st->misses = cache->misses;
	st->inserts = cache->inserts;
	st->replaced = cache->replaced;
	st->evictions = cache->evictions;
	st->invalidated = cache->invalidated;
	invt_ylock_unlock(&cache->lock);
}
