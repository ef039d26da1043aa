/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/model/cache.h - the model's translation caches (userspace).
 *
 * One generic, bounded cache serves as IOTLB, walk cache and device ATC for
 * every architecture.  Entries carry opaque tags (the arch decides what
 * tag_s2 and tag_s1 are: SMMUv3 VMID/ASID, VT-d DID/PASID, RISC-V
 * GSCID/PSCID), a span (iova aligned to 2^shift), an output address and the
 * oracle's metadata (who produced the entry, and references to the frames it
 * leads to).  Invalidation commands are executed as "remove every entry that
 * matches this descriptor" (struct invt_cache_match), so the architecture's
 * removal rules live in the executor that builds descriptors, not here.
 *
 * Geometry: nr_sets x ways slots (nr_sets = 1: fully associative).  An entry
 * goes to the set chosen by a hash of (iova >> shift, shift); a lookup probes
 * the set of every span size present in the cache.  When the set is full, a
 * victim is chosen by a pseudo-random generator seeded at creation: the same
 * sequence of operations on a cache created with the same seed evicts the
 * same entries.  The cache never holds more than nr_sets x ways entries.
 *
 * Concurrency: each cache has its own lock (a spinning, then yielding lock:
 * <invtrack/model/ylock.h>; held for a lookup, an insert or one invalidation,
 * never across a sleep); every function without the _locked suffix takes it.  To make a lookup and the check of its result
 * atomic with respect to invalidations (docs/design.md §8), either run the
 * check in invt_cache_lookup_cb()'s callback, or bracket _locked calls with
 * invt_cache_lock() / invt_cache_unlock().  The cache lock may be held while
 * calling into the memory pool (<invtrack/model/mem.h>), never the reverse.
 *
 * No global state; errors are negative errno values.
 *
 * ---------------------------------------------------------------------------
 * SMMUv3 TLBI -> match descriptor (docs/hardware.md §1 "What each TLBI removes").
 * The SMMUv3 executor fills entries so: stage-1 leaves S1 (tag_s2 = VMID,
 * tag_s1 = ASID, global = !nG), stage-2 leaves S2 (tag_s2 = VMID, tag_s1 =
 * NONE), nested combined leaves NESTED (VMID, ASID: stored under the stage-1
 * ASID), stage-1 table entries WALK_S1 (VMID, ASID), stage-2 table entries
 * WALK_S2 (VMID); EL2 (E2H) regime entries are S1/WALK_S1 with tag_s2 = an
 * executor-chosen value outside the 16-bit VMID space (EL2 below, e.g.
 * 0x10000).  "*" is a wildcard (mask 0); TLB = S1|S2|NESTED|WALK_S1|WALK_S2.
 * "global" says what happens to entries with global set: "match" = they
 * match whatever tag_s1 is (keep_global = false); "kept" = they never match.
 * "range" is [addr, addr + span - 1] (span: RIL (NUM+1) << SCALE granules,
 * or one granule with TG = 0); "leaf" is leaf_only = the command's Leaf bit.
 * TTL is a hint and is not used to narrow the match (matching more is always
 * allowed).
 *
 *   command               kinds                    tag_s2      tag_s1 global range  leaf
 *   NH_ALL(VMID)          S1|NESTED|WALK_S1        VMID        *      match  all    0
 *   NH_ASID(VMID,ASID)    S1|NESTED|WALK_S1        VMID        ASID   kept   all    0
 *   NH_VA(VMID,ASID,VA)   S1|NESTED|WALK_S1        VMID        ASID   match  VA     Leaf
 *   NH_VAA(VMID,VA)       S1|NESTED|WALK_S1        VMID        *      match  VA     Leaf
 *   EL2_ALL               S1|WALK_S1               EL2         *      match  all    0
 *   EL2_ASID(ASID)        S1|WALK_S1               EL2         ASID   kept   all    0
 *   EL2_VA(ASID,VA)       S1|WALK_S1               EL2         ASID   match  VA     Leaf
 *   EL2_VAA(VA)           S1|WALK_S1               EL2         *      match  VA     Leaf
 *   S12_VMALL(VMID)       TLB                      VMID        *      match  all    0
 *   S2_IPA(VMID,IPA)      S2|WALK_S2 (not NESTED)  VMID        *      -      IPA    Leaf
 *   NSNH_ALL              TLB                      any VMID    *      match  all    0
 *   ATC_INV(SID,SSV,SSID) ATC                      *           *      -      span   0
 *
 * NSNH_ALL's "any VMID" is tag_s2 = 0 under mask 0xffff0000: every 16-bit
 * VMID, not the EL2 tag.  ATC_INV: sid = SID exact; ssid = SSID exact when
 * SSV = 1, whatever Global (dw0[9]) says (the modelled ATC reports no Global
 * Invalidate Supported, PCIe Base §10.5.1.2, and ignores it), wildcard when
 * SSV = 0 (it also hits PASID-tagged entries, §10.3.1); span = 4 KiB << Size
 * from Address aligned down to it (Size 52: everything; above 52 the
 * executor may raise CERROR_ILL instead).
 * S2_IPA leaves NESTED entries in place: the spec expects NH_ALL / NH_VAA or
 * S12_VMALL after it, and a model that removed them would hide the missing
 * command.  tests/unit/test_model_cache.c checks every row.
 * ---------------------------------------------------------------------------
 */
#ifndef INVTRACK_MODEL_CACHE_H
#define INVTRACK_MODEL_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <invtrack/model/mem.h>

/* tag_s2, tag_s1, sid, ssid: "none" (a stage-2 entry's tag_s1, a RID ssid). */
#define INVT_CACHE_ID_NONE UINT32_MAX
/*
 * A lookup key's tag_s2 or tag_s1 only: any tag matches (an IOTLB looked up
 * by device rather than by its domain tags, which then serve only to match
 * invalidations: the device-tagged variants of src/model/vtd-xlate.c and
 * src/model/riscv-xlate.c).
 */
#define INVT_CACHE_ID_ANY (UINT32_MAX - 1)
/* Largest number of slots a cache may have. */
#define INVT_CACHE_MAX_SLOTS (1u << 24)

struct invt_cache;

/**
 * enum invt_cache_kind - what an entry caches.
 * @INVT_CACHE_S1: a stage-1 leaf (input: VA, output: PA).
 * @INVT_CACHE_S2: a stage-2 leaf (input: IPA, output: PA).
 * @INVT_CACHE_NESTED: a combined stage-1 + stage-2 leaf (input: VA).
 * @INVT_CACHE_WALK_S1: a stage-1 table entry (walk cache): the next table of
 *	the walk of every VA in the span.
 * @INVT_CACHE_WALK_S2: a stage-2 table entry, likewise for IPAs.
 * @INVT_CACHE_ATC: a device ATC translation (input: untranslated address).
 * @INVT_CACHE_NR_KINDS: number of kinds.
 */
enum invt_cache_kind {
	INVT_CACHE_S1,
	INVT_CACHE_S2,
	INVT_CACHE_NESTED,
	INVT_CACHE_WALK_S1,
	INVT_CACHE_WALK_S2,
	INVT_CACHE_ATC,
	INVT_CACHE_NR_KINDS,
};

/* Kind sets, for lookups and matches. */
#define INVT_CACHE_K(kind) (UINT32_C(1) << (kind))
#define INVT_CACHE_K_WALK (INVT_CACHE_K(INVT_CACHE_WALK_S1) | INVT_CACHE_K(INVT_CACHE_WALK_S2))
#define INVT_CACHE_K_TLB (INVT_CACHE_K(INVT_CACHE_S1) | INVT_CACHE_K(INVT_CACHE_S2) | \
			  INVT_CACHE_K(INVT_CACHE_NESTED) | INVT_CACHE_K_WALK)
#define INVT_CACHE_K_ALL (INVT_CACHE_K_TLB | INVT_CACHE_K(INVT_CACHE_ATC))

/**
 * struct invt_cache_entry - one cached translation.
 * @kind: enum invt_cache_kind.
 * @global: matches lookups with any tag_s1 (ARM nG = 0, VT-d/RISC-V G).
 * @shift: log2 of the span of input addresses the entry covers: the leaf
 *	size (12, 21, 30 for 4K/2M/1G), or for a walk entry the span translated
 *	through the cached table (21 for a pointer to a last-level table).
 * @level: the arch's level of the leaf or table entry; informational.
 * @prot: permissions (INVT_PT_READ / INVT_PT_WRITE of <invtrack/pt.h>).
 * @tag_s2: stage-2 / VM tag (VMID, DID, GSCID), or INVT_CACHE_ID_NONE.
 * @tag_s1: stage-1 / address-space tag (ASID, PASID, PSCID), or NONE.
 * @sid: device (stream id) of an ATC entry; NONE in IOTLB entries.
 * @ssid: substream (PASID) of an ATC entry; NONE for the RID or in IOTLBs.
 * @iova: first input address covered, aligned to 2^@shift.
 * @pa: leaf: output address of @iova; walk: the next table page.
 * @domain: the domain whose table produced the entry (stage-1 domain for a
 *	nested entry).
 * @domain_s2: nested: the stage-2 domain; else INVT_MEM_NO_DOMAIN.
 * @leaf: leaf entries: the data frame at @pa, when it was filled.  A
 *	stage-1 walk entry of a VM's guest (two stages): the IPA page of the
 *	next table (invt_oracle_guest_ref()).
 * @table: walk entries: the table frame at @pa, when it was filled.  A
 *	combined leaf or ATC entry of a VM's guest: the IPA page of its
 *	output (invt_oracle_guest_ref()).
 * @attach_gen: ATC: generation of the (device, ssid) attachment at fill.
 * @fill_time: the filler's clock at fill; informational.
 * @cookie: free for the caller (the model's ATCs: a VM's slot + 1 for an
 *	entry filled through its two stages, else 0).
 * @ipa: a combined (NESTED) leaf: the intermediate (guest physical)
 *	address stage 1 gives for @iova, aligned to 2^@shift, which a match
 *	by IPA compares (struct invt_cache_match); 0 in other kinds.
 *
 * Oracle fields are stored and returned, never interpreted by the cache.
 */
struct invt_cache_entry {
	uint8_t kind;
	bool global;
	uint8_t shift;
	uint8_t level;
	uint8_t prot;
	uint32_t tag_s2;
	uint32_t tag_s1;
	uint32_t sid;
	uint32_t ssid;
	uint64_t iova;
	uint64_t pa;
	uint32_t domain;
	uint32_t domain_s2;
	struct invt_frame_ref leaf;
	struct invt_frame_ref table;
	uint64_t attach_gen;
	uint64_t fill_time;
	uint64_t cookie;
	uint64_t ipa;
};

/**
 * struct invt_cache_key - what a lookup searches for.
 * @kinds: set of INVT_CACHE_K() bits to consider.
 * @tag_s2: compared exactly; INVT_CACHE_ID_ANY matches every tag.
 * @tag_s1: compared exactly with non-global entries; global ones match any.
 * @sid: compared exactly (NONE for IOTLB lookups).
 * @ssid: compared exactly (NONE for the RID or IOTLB lookups).
 * @iova: the input address; entries whose span contains it match.
 */
struct invt_cache_key {
	uint32_t kinds;
	uint32_t tag_s2;
	uint32_t tag_s1;
	uint32_t sid;
	uint32_t ssid;
	uint64_t iova;
};

/**
 * struct invt_cache_match - which entries an invalidation removes.
 * @kinds: set of INVT_CACHE_K() bits.
 * @tag_s2: with @tag_s2_mask: an entry matches when
 *	(entry.tag_s2 & mask) == (tag_s2 & mask); mask 0 is a wildcard.
 * @tag_s2_mask: see @tag_s2.
 * @tag_s1: likewise for non-global entries; global entries ignore it.
 * @tag_s1_mask: see @tag_s1.
 * @sid: likewise.
 * @sid_mask: see @sid.
 * @ssid: likewise.
 * @ssid_mask: see @ssid.
 * @start: first input address of the range (inclusive).
 * @last: last input address of the range (inclusive); entries whose span
 *	overlaps [@start, @last] match.
 * @keep_global: global entries never match (TLBI by ASID).
 * @leaf_only: walk entries never match (Leaf = 1).
 * @by_ipa: NESTED entries match only when their output IPA span,
 *	[ipa, ipa + 2^shift - 1], overlaps [@ipa_start, @ipa_last] (a
 *	second-stage invalidation by guest physical address that reaches the
 *	combined entries translating to it: RISC-V IOTINVAL.GVMA); entries of
 *	other kinds ignore it.
 * @ipa_start: see @by_ipa.
 * @ipa_last: see @by_ipa (inclusive).
 *
 * Start from invt_cache_match_init() (everything wildcard) and narrow with
 * the setters below, so a forgotten field over-invalidates rather than
 * silently matching nothing.
 */
struct invt_cache_match {
	uint32_t kinds;
	uint32_t tag_s2, tag_s2_mask;
	uint32_t tag_s1, tag_s1_mask;
	uint32_t sid, sid_mask;
	uint32_t ssid, ssid_mask;
	uint64_t start, last;
	bool keep_global;
	bool leaf_only;
	bool by_ipa;
	uint64_t ipa_start, ipa_last;
};

/**
 * invt_cache_match_init() - a descriptor matching every entry of @kinds.
 * @m: the descriptor.
 * @kinds: set of INVT_CACHE_K() bits.
 */
static inline void invt_cache_match_init(struct invt_cache_match *m, uint32_t kinds)
{
	*m = (struct invt_cache_match){ .kinds = kinds, .start = 0, .last = UINT64_MAX };
}

/**
 * invt_cache_match_tag_s2() - match one stage-2 tag exactly.
 * @m: the descriptor.
 * @tag: the tag.
 */
static inline void invt_cache_match_tag_s2(struct invt_cache_match *m, uint32_t tag)
{
	m->tag_s2 = tag;
	m->tag_s2_mask = UINT32_MAX;
}

/**
 * invt_cache_match_tag_s1() - match one stage-1 tag exactly (non-global).
 * @m: the descriptor.
 * @tag: the tag.
 */
static inline void invt_cache_match_tag_s1(struct invt_cache_match *m, uint32_t tag)
{
	m->tag_s1 = tag;
	m->tag_s1_mask = UINT32_MAX;
}

/**
 * invt_cache_match_sid() - match one device exactly.
 * @m: the descriptor.
 * @sid: the stream id.
 */
static inline void invt_cache_match_sid(struct invt_cache_match *m, uint32_t sid)
{
	m->sid = sid;
	m->sid_mask = UINT32_MAX;
}

/**
 * invt_cache_match_ssid() - match one substream exactly.
 * @m: the descriptor.
 * @ssid: the substream id (INVT_CACHE_ID_NONE: the RID entries only).
 */
static inline void invt_cache_match_ssid(struct invt_cache_match *m, uint32_t ssid)
{
	m->ssid = ssid;
	m->ssid_mask = UINT32_MAX;
}

/**
 * invt_cache_match_range() - match entries overlapping [start, last].
 * @m: the descriptor.
 * @start: first address.
 * @last: last address (inclusive), at least @start.
 */
static inline void invt_cache_match_range(struct invt_cache_match *m, uint64_t start,
					  uint64_t last)
{
	m->start = start;
	m->last = last;
}

/**
 * invt_cache_match_ipa_range() - match NESTED entries by output IPA.
 * @m: the descriptor.
 * @start: first IPA.
 * @last: last IPA (inclusive), at least @start.
 *
 * Only NESTED entries whose output IPA span overlaps [@start, @last] match
 * (see struct invt_cache_match, @by_ipa); the input range still applies.
 */
static inline void invt_cache_match_ipa_range(struct invt_cache_match *m, uint64_t start,
					      uint64_t last)
{
	m->by_ipa = true;
	m->ipa_start = start;
	m->ipa_last = last;
}

/**
 * struct invt_cache_config - creation parameters of a cache.
 * @name: for messages (copied pointer; may be NULL).
 * @nr_sets: number of sets, a power of two (1: fully associative).
 * @ways: slots per set, at least 1.  nr_sets * ways <= INVT_CACHE_MAX_SLOTS.
 * @seed: seed of the eviction generator.
 */
struct invt_cache_config {
	const char *name;
	unsigned int nr_sets;
	unsigned int ways;
	uint64_t seed;
};

/**
 * struct invt_cache_stats - counters of a cache.
 * @capacity: nr_sets * ways.
 * @entries: valid entries now.
 * @hits: lookups that found an entry.
 * @misses: lookups that found none.
 * @inserts: entries inserted.
 * @replaced: inserts that overwrote an entry with the same identity (kind,
 *	tags, sid, ssid, global, iova, shift).
 * @evictions: entries evicted to make room.
 * @invalidated: entries removed by invalidations.
 *
 * Always inserts == entries + replaced + evictions + invalidated.
 */
struct invt_cache_stats {
	size_t capacity;
	size_t entries;
	uint64_t hits;
	uint64_t misses;
	uint64_t inserts;
	uint64_t replaced;
	uint64_t evictions;
	uint64_t invalidated;
};

/**
 * invt_cache_create() - create an empty cache.
 * @cfg: its parameters (copied).
 * @cachep: out: the cache.
 *
 * Return: 0, -EINVAL for a bad geometry, or -ENOMEM.
 */
int invt_cache_create(const struct invt_cache_config *cfg, struct invt_cache **cachep);

/**
 * invt_cache_destroy() - free a cache.
 * @cache: the cache, or NULL.  No other thread may use it any more.
 */
void invt_cache_destroy(struct invt_cache *cache);

/**
 * invt_cache_name() - the name given at creation.
 * @cache: the cache.
 *
 * Return: the name, or "" when none was given.
 */
const char *invt_cache_name(const struct invt_cache *cache);

/**
 * invt_cache_kind_name() - a kind's name, for messages.
 * @kind: enum invt_cache_kind.
 *
 * Return: "s1", "s2", "nested", "walk-s1", "walk-s2", "atc", or "?".
 */
const char *invt_cache_kind_name(unsigned int kind);

/**
 * invt_cache_lock() - take the cache's lock, for the _locked functions.
 * @cache: the cache.
 */
void invt_cache_lock(struct invt_cache *cache);

/**
 * invt_cache_unlock() - release the cache's lock.
 * @cache: the cache.
 */
void invt_cache_unlock(struct invt_cache *cache);

/**
 * invt_cache_insert() - insert an entry, evicting one if its set is full.
 * @cache: the cache.
 * @e: the entry (copied).  @e->iova must be aligned to 2^@e->shift, @e->shift
 *	below 64, @e->kind a valid kind.
 * @evicted: out, optional (NULL): the entry evicted, when one was.
 *
 * An entry with the same identity (kind, tag_s2, tag_s1, sid, ssid, global,
 * iova, shift) is overwritten instead.  Otherwise the entry takes a free slot
 * of its set or, when none is free, the slot of a victim drawn from the seeded
 * generator.
 *
 * Return: 0 (nothing evicted), 1 (an entry was evicted), or -EINVAL.
 */
int invt_cache_insert(struct invt_cache *cache, const struct invt_cache_entry *e,
		      struct invt_cache_entry *evicted);

/**
 * invt_cache_insert_locked() - invt_cache_insert() with the lock held.
 * @cache: the cache, locked by the caller.
 * @e: the entry.
 * @evicted: out, optional.
 *
 * Return: as invt_cache_insert().
 */
int invt_cache_insert_locked(struct invt_cache *cache, const struct invt_cache_entry *e,
			     struct invt_cache_entry *evicted);

/**
 * invt_cache_lookup() - find the entry translating an address.
 * @cache: the cache.
 * @key: what to look for.
 * @out: out: a copy of the entry found.
 *
 * When several entries match (e.g. walk entries at several levels), the one
 * with the smallest span wins; among equal spans, the lowest slot.  Counts a
 * hit or a miss.
 *
 * Return: 0, or -ENOENT on a miss.
 */
int invt_cache_lookup(struct invt_cache *cache, const struct invt_cache_key *key,
		      struct invt_cache_entry *out);

/**
 * invt_cache_lookup_locked() - invt_cache_lookup() with the lock held.
 * @cache: the cache, locked by the caller.
 * @key: what to look for.
 * @out: out: a copy of the entry found.
 *
 * Return: as invt_cache_lookup().
 */
int invt_cache_lookup_locked(struct invt_cache *cache, const struct invt_cache_key *key,
			     struct invt_cache_entry *out);

/**
 * typedef invt_cache_lookup_fn - checks a lookup's result under the lock.
 * @cache: the cache, locked: the callback may call the _locked functions
 *	(e.g. walk and insert on a miss) and the memory pool, nothing that
 *	takes this cache's lock.
 * @e: the entry found, or NULL on a miss.
 * @arg: the caller's argument.
 *
 * Return: passed back by invt_cache_lookup_cb().
 */
typedef int (*invt_cache_lookup_fn)(struct invt_cache *cache, const struct invt_cache_entry *e,
				    void *arg);

/**
 * invt_cache_lookup_cb() - look up and check atomically.
 * @cache: the cache.
 * @key: what to look for.
 * @fn: called with the lock still held, with the entry or NULL.
 * @arg: passed to @fn.
 *
 * No invalidation can run between the lookup and the end of @fn: what @fn
 * sees is what the hardware would use.
 *
 * Return: @fn's return value.
 */
int invt_cache_lookup_cb(struct invt_cache *cache, const struct invt_cache_key *key,
			 invt_cache_lookup_fn fn, void *arg);

/**
 * invt_cache_invalidate() - remove every entry a descriptor matches.
 * @cache: the cache.
 * @m: the descriptor (see struct invt_cache_match for the rule).
 *
 * Return: the number of entries removed, or -EINVAL when @m->start >
 * @m->last.
 */
long invt_cache_invalidate(struct invt_cache *cache, const struct invt_cache_match *m);

/**
 * invt_cache_invalidate_locked() - invt_cache_invalidate() with the lock.
 * @cache: the cache, locked by the caller.
 * @m: the descriptor.
 *
 * Return: as invt_cache_invalidate().
 */
long invt_cache_invalidate_locked(struct invt_cache *cache, const struct invt_cache_match *m);

/**
 * invt_cache_matches() - would a descriptor remove an entry?
 * @m: the descriptor.
 * @e: the entry.
 *
 * The rule invt_cache_invalidate() applies, for executors and tests.
 *
 * Return: true when it would.
 */
bool invt_cache_matches(const struct invt_cache_match *m, const struct invt_cache_entry *e);

/**
 * invt_cache_for_each() - call a function on every valid entry.
 * @cache: the cache.
 * @fn: called under the lock, in slot order; must not call into this cache.
 * @arg: passed to @fn.
 *
 * Return: the number of entries visited.
 */
size_t invt_cache_for_each(struct invt_cache *cache,
			   void (*fn)(const struct invt_cache_entry *e, void *arg), void *arg);

/**
 * invt_cache_stats() - the cache's counters.
 * @cache: the cache.
 * @st: out: a consistent snapshot.
 */
void invt_cache_stats(struct invt_cache *cache, struct invt_cache_stats *st);

#endif /* INVTRACK_MODEL_CACHE_H */
