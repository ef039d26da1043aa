/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * unit.h - the modelled IOMMU unit every architecture shares: lifecycle,
 * devices and their ATCs, the configuration cache, IOTLB and walk cache,
 * translation, the invalidations waiting for their completion, counters and
 * costs.  Each architecture (smmuv3.c, vtd.c, riscv.c) adds its registers,
 * its queue consumer (src/arch/ARCH/hw-queue.c), the execution of its
 * commands and a small table of operations (struct invt_munit_ops): how a
 * configuration is fetched and what a configuration invalidation removes,
 * which table format a stage walks and what the hardware checks in a leaf
 * (unit-arch.h has what it builds itself with).  Two-stage translation is
 * in unit-nest.c.  Model-internal, not installed.
 *
 * Locks, outermost first:
 *	the consumer lock (the arch's hardware queue): one executor at a time;
 *	a device's ATC lock: that ATC's entries;
 *	the unit lock = the IOTLB's cache lock: the configuration cache, the
 *	    IOTLB and walk cache (both in @iotlb), the pending invalidations'
 *	    application and the counters of struct invt_munit marked so;
 *	the device table's lock (mdev.c; never held while calling out);
 *	the memory pool's and the oracle's mutexes (innermost).
 * A device access takes ATC -> unit; the executor takes consumer -> unit or
 * consumer -> ATC, never an ATC and the unit together.
 */
#ifndef INVT_MODEL_UNIT_H
#define INVT_MODEL_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <invtrack/model/cache.h>
#include <invtrack/model/mem.h>
#include <invtrack/model/oracle.h>
#include <invtrack/pt.h>

#include "mdev.h"

/* Largest configuration cache (its index holds slot numbers in 16 bits). */
#define INVT_MUNIT_MAX_CFG_ENTRIES	4096u

/* Commands counted per op index (every arch has at most 256). */
#define INVT_MUNIT_NR_OPS		256u

/*
 * Invalidations executed but not yet known complete: they take effect when
 * the arch's completion says so, or early when this many wait.
 */
#define INVT_MUNIT_MAX_PENDING		64u

/* Room for an arch's configuration-invalidation scope in a pending entry. */
#define INVT_MUNIT_SCOPE_WORDS		4u

/* Arch event counters kept with the unit's (SMMUv3: C_BAD_STE, ...). */
#define INVT_MUNIT_NR_EVENTS		5u

/* Stages, as indices of struct invt_munit_cfg's per-stage arrays. */
enum invt_munit_stage {
	INVT_MUNIT_S1,
	INVT_MUNIT_S2,
	INVT_MUNIT_NR_STAGES,
};

/* Bits of struct invt_munit_cfg.stages. */
#define INVT_MUNIT_STAGE(s)	(1u << (s))

/**
 * enum invt_munit_tag - what the IOTLB lookup asks besides the address.
 * @INVT_MUNIT_TAG_DOMAIN: the configuration's tags (tag_s2, tag_s1).
 * @INVT_MUNIT_TAG_SID: the requester id and tag_s1 (VT-d by source-id:
 *	entries carry the sid, the lookup does not ask tag_s2).
 * @INVT_MUNIT_TAG_DEVICE: the device and substream (RISC-V by device:
 *	entries carry both, the lookup asks neither tag).
 */
enum invt_munit_tag {
	INVT_MUNIT_TAG_DOMAIN,
	INVT_MUNIT_TAG_SID,
	INVT_MUNIT_TAG_DEVICE,
};

/**
 * struct invt_munit_cfg - one resolved configuration of (sid, ssid).
 * @valid: the slot holds one.
 * @sid: the stream / requester / device id.
 * @ssid: the substream / PASID / process id, 0 for requests without one.
 * @cfg_tag: what the arch's configuration invalidations name besides
 *	(sid, ssid): VT-d the PASID entry's DID; 0 elsewhere.
 * @entry_ssid: the substream whose entry was used: VT-d the PASID (@ssid,
 *	or RID_PASID); @ssid elsewhere.
 * @per_ssid: resolved through a per-substream structure the arch can
 *	invalidate alone (RISC-V: a process context).
 * @stages: INVT_MUNIT_STAGE() bits of the stages that translate.
 * @ats: ATS translation requests are served (STE.EATS, context DTE,
 *	DC.tc.EN_ATS).
 * @blocks: a valid structure terminates every request of (sid, ssid)
 *	(SMMUv3: an STE of Config abort, a CD with EPD0 and EPD1 set; VT-d: a
 *	context entry with PASIDE 0, ssid != 0; RISC-V: a DC without PDTV,
 *	ssid != 0): cached like any valid configuration, as the
 *	specifications allow, so that a change away from it without its
 *	invalidation leaves it in use (STALE_CONFIG when the change is done);
 *	no other field but @sid, @ssid, @cfg_tag, @entry_ssid, @per_ssid and
 *	@stamp is meaningful.
 * @ia_bits: input address size; an address at or above 2^@ia_bits is a
 *	translation fault (64: no limit).
 * @oa_bits: output address size the arch's leaf check applies (64: none);
 *	nested: stage 1's (an IPA size).
 * @oa_bits_s2: nested: stage 2's output address size (64: none).
 * @tag_s2: the stage-2 tag of its translations (VMID, DID, GSCID).
 * @tag_s1: the stage-1 tag (ASID, PASID, PSCID), else INVT_CACHE_ID_NONE.
 * @fmt: per stage, the table format walked (NULL when it does not translate).
 * @root: per stage, the root table (stage 2: the first of its pages).
 * @domain: owner domain of the first translating stage's root table frame
 *	(nested: of the frame stage 2 maps the stage-1 root to), or
 *	INVT_MEM_NO_DOMAIN.
 * @domain_s2: nested: owner domain of the stage-2 root table frame, else
 *	INVT_MEM_NO_DOMAIN.
 * @has_vm: nested: stage 2 is the nest parent of a VM the oracle keeps
 *	(invt_oracle_vm_find()): the stage-1 side of what it caches is
 *	checked against the guest's IPA pages (invt_oracle_check_nested()).
 * @vm: with @has_vm, the oracle's VM slot.
 * @stamp: the oracle's stamp when it was fetched.
 *
 * Nested (both stages translate, unit-nest.c): @root[INVT_MUNIT_S1] and
 * every stage-1 table address are IPAs, each stage-1 table access is
 * itself translated by stage 2; the IOTLB then holds stage-2 leaves tagged
 * (@tag_s2, NONE) and combined (INVT_CACHE_NESTED) leaves tagged (@tag_s2,
 * @tag_s1), the walk cache stage-1 entries (IPA of the next table, both
 * tags) and stage-2 entries (@tag_s2).  With @has_vm, a combined leaf also
 * remembers the guest's IPA page it leads to in its @table reference and a
 * stage-1 walk entry the next table's IPA page in its @leaf reference
 * (invt_oracle_guest_ref(); the other reference is the host frame, as
 * always).
 */
struct invt_munit_cfg {
	bool valid;
	uint32_t sid;
	uint32_t ssid;
	uint32_t cfg_tag;
	uint32_t entry_ssid;
	bool per_ssid;
	uint8_t stages;
	bool ats;
	bool blocks;
	uint8_t ia_bits;
	uint8_t oa_bits;
	uint8_t oa_bits_s2;
	uint32_t tag_s2;
	uint32_t tag_s1;
	const struct invt_pt_fmt *fmt[INVT_MUNIT_NR_STAGES];
	uint64_t root[INVT_MUNIT_NR_STAGES];
	uint32_t domain;
	uint32_t domain_s2;
	bool has_vm;
	uint32_t vm;
	uint64_t stamp;
};

/**
 * struct invt_munit_cfgc - the configuration cache: @nr slots, each holding
 * one configuration, at most one per (sid, ssid), and an index over them
 * (all under the unit lock).
 * @slot: the slots; @slot[i].valid says whether slot i holds one.
 * @valid: bit i of word i / 64: @slot[i].valid, so that the lowest free slot
 *	and the valid slots are found without visiting the others.
 * @bucket: per hash bucket of (sid, ssid), 1 + the first valid slot of its
 *	chain, 0 for none.
 * @next: per slot, 1 + the next valid slot of its bucket's chain, 0 at the
 *	end.
 * @bucket_mask: buckets - 1 (a power of two, at least twice @nr).
 * @nr: slots.
 * @rng: the victim generator, when no slot is free.
 *
 * The index changes which slots are visited, not what the cache does: a
 * miss takes the lowest free slot, else a seeded random one, and an
 * invalidation removes every valid slot in its scope, exactly as a scan of
 * all the slots in order would (the same seed gives the same run).
 */
struct invt_munit_cfgc {
	struct invt_munit_cfg *slot;
	uint64_t *valid;
	uint16_t *bucket;
	uint16_t *next;
	unsigned int bucket_mask;
	unsigned int nr;
	uint64_t rng;
};

/* Both stages translate: a nested configuration. */
static inline bool invt_munit_nested(const struct invt_munit_cfg *c)
{
	return c->stages == (INVT_MUNIT_STAGE(INVT_MUNIT_S1) | INVT_MUNIT_STAGE(INVT_MUNIT_S2));
}

/**
 * enum invt_munit_fault - where a translation stopped.
 * @INVT_MUNIT_FAULT_NONE: it translated.
 * @INVT_MUNIT_FAULT_S1: the (stage-1, or only) walk or its leaf faulted.
 * @INVT_MUNIT_FAULT_S2: stage 2 of the output address faulted.
 * @INVT_MUNIT_FAULT_S2_TABLE: stage 2 of a stage-1 table access faulted
 *	(the stage-1 walk read no entry of that table).
 */
enum invt_munit_fault {
	INVT_MUNIT_FAULT_NONE,
	INVT_MUNIT_FAULT_S1,
	INVT_MUNIT_FAULT_S2,
	INVT_MUNIT_FAULT_S2_TABLE,
};

/**
 * struct invt_munit_walk - what a two-stage translation gave.
 * @fault: enum invt_munit_fault.
 * @fault_ipa: with a stage-2 fault, the IPA whose translation faulted.
 * @pa: the output address of the input address (exact, not aligned).
 * @shift: log2 of the span translated alike (the smaller of the stages').
 * @prot: INVT_PT_* the stages allow together.
 * @global: the stage-1 leaf matches every tag_s1.
 * @hit: it came from a combined IOTLB entry (no walk).
 * @stale: the oracle recorded a violation on the way.
 * @guest: with the configuration's @has_vm, the guest's IPA page of the
 *	output as the combined leaf remembers it.
 */
struct invt_munit_walk {
	enum invt_munit_fault fault;
	uint64_t fault_ipa;
	uint64_t pa;
	unsigned int shift;
	unsigned int prot;
	bool global;
	bool hit;
	bool stale;
	struct invt_frame_ref guest;
};

/**
 * struct invt_munit_pending - an executed invalidation not yet complete.
 * @type: the arch's kind of it (a descriptor type; 0 where one kind).
 * @cfg: it removes configurations (@scope), else IOTLB entries (@match).
 * @seq: the arch's completion number (RISC-V: fences fetched before it).
 * @match: what it removes from the IOTLB.
 * @scope: the arch's configuration scope, copied (see cfg_in_scope).
 */
struct invt_munit_pending {
	uint8_t type;
	bool cfg;
	uint64_t seq;
	struct invt_cache_match match;
	uint64_t scope[INVT_MUNIT_SCOPE_WORDS];
};

/**
 * struct invt_munit_counters - what a unit counts under its lock.
 * @by_op: commands executed per op index.
 * @translations: translation requests.
 * @walks: page-table walks started.
 * @cfg_fetches: configuration fetches.
 * @xlate: successful translations through stage 1 [0] and 2 [1] (the first
 *	stage that translates; nested ones count as stage 1).
 * @disabled_aborts: requests aborted while translation was disabled.
 * @events: the arch's event counters.
 */
struct invt_munit_counters {
	uint64_t by_op[INVT_MUNIT_NR_OPS];
	uint64_t translations;
	uint64_t walks;
	uint64_t cfg_fetches;
	uint64_t xlate[INVT_MUNIT_NR_STAGES];
	uint64_t disabled_aborts;
	uint64_t events[INVT_MUNIT_NR_EVENTS];
};

struct invt_munit;

/* Bytes of the largest fault record an arch writes (SMMUv3, RISC-V: 32). */
#define INVT_MUNIT_FAULT_RECORD_MAX	32u

/**
 * struct invt_munit_fault_info - a translation fault of an untranslated access,
 *	as the unit knows it when it records one.
 * @sid: the device.
 * @ssid: 0 or the substream / PASID / process id.
 * @iova: the input address.
 * @ipa: stage-2 faults: the IPA whose translation faulted.
 * @write: a write (else a read).
 * @where: an enum invt_mdev_fault (never _NONE).
 * @nested: the configuration translates through two stages.
 */
struct invt_munit_fault_info {
	uint32_t sid;
	uint32_t ssid;
	uint64_t iova;
	uint64_t ipa;
	bool write;
	unsigned int where;
	bool nested;
};

/* Store @v little-endian at @p (fault records). */
static inline void invt_munit_put_le64(uint8_t *p, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/**
 * typedef invt_munit_fault_fn - where a unit's fault records go: the
 *	memory of its event / fault queue as its driver reads it.
 * @arg: the hook's argument.
 * @instance: the unit's id.
 * @sid: the device the record names.
 * @record: the record, in the arch's format (little-endian).
 * @len: its bytes.
 *
 * Called with no lock of the unit held, from the accessing thread.
 */
typedef void (*invt_munit_fault_fn)(void *arg, uint32_t instance, uint32_t sid,
				    const void *record, size_t len);

/**
 * struct invt_munit_ops - what differs per architecture.
 * @cfg_fetch: fetch and parse the configuration of (@sid, @ssid) from model
 *	memory, as the hardware does on a configuration cache miss; fill
 *	@c's arch fields, stages, tags, formats and roots (@c is zeroed but
 *	for @ia_bits, @oa_bits and @oa_bits_s2, 64; the unit then sets @sid,
 *	@ssid, @domain, @domain_s2, @stamp and @valid).  A structure at an
 *	IPA (a nested configuration's) is read through
 *	invt_munit_s2_fetch_locked().  Count @u->n.cfg_fetches when the
 *	fetch starts.  Unit lock held.  Return: 0 (with @c->blocks set for a
 *	valid structure that terminates the request: cached, see struct
 *	invt_munit_cfg) or -EFAULT (an invalid, malformed or unmodelled
 *	structure, or a fetch that faulted: not cached).
 * @cfg_in_scope: whether the cached @c falls in the arch's configuration
 *	invalidation @scope.
 * @enabled: optional: translation is enabled (else every request aborts,
 *	counted in @u->n.disabled_aborts).  Unit lock held.
 * @leaf: the hardware's own checks of the walk's leaf at @stage of @c: 0,
 *	with @res->prot what the leaf allows and *@global whether it matches
 *	every tag_s1, or -EFAULT (a fault: nothing is cached).
 * @walk_cache_root: a leaf found in the root table fills a walk-cache
 *	entry of the root (RISC-V does not: nothing to cache).
 * @walk_s1_pa: a nested configuration's stage-1 walk entries hold the
 *	stage-2 translation of their table's IPA with it: a walk from one
 *	reads that table at the PA the entry holds, with no stage-2 lookup
 *	(unit-nest.c; else each walk translates the IPA again).
 * @queue_start: start the consumer thread.
 * @queue_stop: stop it (no-op when not running).
 * @queue_destroy: stop it and release the queue.
 * @queue_clock: modelled time executed so far.
 * @fault_record: optional: write the arch's record of @f into @rec (at
 *	most INVT_MUNIT_FAULT_RECORD_MAX bytes); return its size, or 0 when
 *	the arch records no such fault.
 */
struct invt_munit_ops {
	int (*cfg_fetch)(struct invt_munit *u, uint32_t sid, uint32_t ssid,
			 struct invt_munit_cfg *c);
	bool (*cfg_in_scope)(const void *scope, const struct invt_munit_cfg *c);
	bool (*enabled)(struct invt_munit *u);
	int (*leaf)(const struct invt_munit_cfg *c, unsigned int stage, struct invt_pt_walk *res,
		    bool *global);
	bool walk_cache_root;
	bool walk_s1_pa;
	int (*queue_start)(struct invt_munit *u);
	void (*queue_stop)(struct invt_munit *u);
	void (*queue_destroy)(struct invt_munit *u);
	uint64_t (*queue_clock)(struct invt_munit *u);
	size_t (*fault_record)(const struct invt_munit_fault_info *f, uint8_t *rec);
};

/**
 * struct invt_munit_params - what an arch's configuration gives the unit.
 * @id: instance id (oracle reports, traces).
 * @seed: seed of the IOTLB's, configuration cache's and ATCs' victims.
 * @threaded: the consumer runs in its own thread after start.
 * @ats: devices may have ATCs.
 * @cfg_entries: configuration cache slots, 1..INVT_MUNIT_MAX_CFG_ENTRIES.
 * @iotlb_sets: IOTLB sets.
 * @iotlb_ways: IOTLB ways.
 * @tag: enum invt_munit_tag.
 * @atc_name: the ATCs' name ("atc", "devtlb").
 * @atc_window: optional, called after an ATC invalidation took effect.
 * @window_arg: its first argument.
 * @trace: optional, told about every command executed.
 * @trace_arg: its first argument.
 */
struct invt_munit_params {
	uint32_t id;
	uint64_t seed;
	bool threaded;
	bool ats;
	unsigned int cfg_entries;
	unsigned int iotlb_sets;
	unsigned int iotlb_ways;
	enum invt_munit_tag tag;
	const char *atc_name;
	void (*atc_window)(void *arg, uint32_t instance, uint32_t sid, uint32_t ssid,
			   uint64_t addr);
	void *window_arg;
	void (*trace)(void *arg, uint32_t instance, const uint64_t *words, unsigned int outcome);
	void *trace_arg;
};

/**
 * struct invt_munit - the arch-neutral part of a modelled unit, embedded in
 * the arch's instance (invt_munit_arch() finds it back).
 * @p: its parameters.
 * @ops: the arch's operations.
 * @mem: model memory.
 * @oracle: the oracle.
 * @ptops: page-table ops over @mem (only table_va is used, by walks).
 * @iotlb: IOTLB and walk cache; its lock is the unit lock.
 * @cfgc: configuration cache, @p.cfg_entries slots (unit lock).
 * @n: the unit's counters (unit lock).
 * @cost_ns: the consumer's cost table (set before it first ran).
 * @nr_costs: entries of @cost_ns.
 * @consumed: the consumer's count of commands consumed (atomic).
 * @errors: the consumer's count of command errors (atomic).
 * @handshake_errors: the consumer's count of forbidden register writes
 *	(atomic), or NULL.
 * @pending: invalidations executed, not yet complete, in queue order
 *	(consumer lock; applied under the unit lock).
 * @nr_pending: entries of @pending used (consumer lock).
 * @devs: the devices (mdev.c; its own lock).
 * @fault: where fault records go (invt_munit_set_fault_hook()), or NULL.
 * @fault_arg: its first argument.
 */
struct invt_munit {
	struct invt_munit_params p;
	const struct invt_munit_ops *ops;
	struct invt_mem *mem;
	struct invt_oracle *oracle;
	struct invt_mem_pt_ops ptops;
	struct invt_cache *iotlb;

	struct invt_munit_cfgc cfgc;
	struct invt_munit_counters n;

	const uint32_t *cost_ns;
	unsigned int nr_costs;
	const uint64_t *consumed;
	const uint64_t *errors;
	const uint64_t *handshake_errors;

	struct invt_munit_pending pending[INVT_MUNIT_MAX_PENDING];
	unsigned int nr_pending;

	struct invt_mdev_table devs;

	invt_munit_fault_fn fault;
	void *fault_arg;
};

/* The arch's instance of type @type around the unit @u (member @member). */
#define invt_munit_arch(u, type, member) \
	((type *)((char *)(u) - offsetof(type, member)))

/*
 * The IOTLB key of @kinds for @c's translations of @iova, as the unit's
 * enum invt_munit_tag looks them up.
 */
static inline void invt_munit_key(const struct invt_munit *u, const struct invt_munit_cfg *c,
				  uint32_t kinds, uint64_t iova, struct invt_cache_key *key)
{
	*key = (struct invt_cache_key){
		.kinds = kinds,
		.tag_s2 = c->tag_s2, .tag_s1 = c->tag_s1,
		.sid = INVT_CACHE_ID_NONE, .ssid = INVT_CACHE_ID_NONE,
		.iova = iova,
	};
	if (u->p.tag == INVT_MUNIT_TAG_SID) {
		/* Looked up by (source-id, PASID, page): the DID is not asked. */
		key->tag_s2 = INVT_CACHE_ID_ANY;
		key->sid = c->sid;
	} else if (u->p.tag == INVT_MUNIT_TAG_DEVICE) {
		/* Looked up by (device_id, process_id, page): no tag is asked. */
		key->tag_s2 = INVT_CACHE_ID_ANY;
		key->tag_s1 = INVT_CACHE_ID_ANY;
		key->sid = c->sid;
		key->ssid = c->ssid;
	}
}

/*
 * An IOTLB entry of @kind for @c (zeroed, then tags, requester and
 * domains as the unit tags its entries); the caller sets the rest.
 */
static inline void invt_munit_entry(const struct invt_munit *u, const struct invt_munit_cfg *c,
				    enum invt_cache_kind kind, struct invt_cache_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)kind;
	e->tag_s2 = c->tag_s2;
	e->tag_s1 = c->tag_s1;
	e->sid = INVT_CACHE_ID_NONE;
	e->ssid = INVT_CACHE_ID_NONE;
	if (u->p.tag != INVT_MUNIT_TAG_DOMAIN)
		e->sid = c->sid;
	if (u->p.tag == INVT_MUNIT_TAG_DEVICE)
		e->ssid = c->ssid;
	e->domain = c->domain;
	e->domain_s2 = INVT_MEM_NO_DOMAIN;
}

/**
 * struct invt_munit_stats - the unit's counters, one snapshot.
 * @n: the unit's own.
 * @consumed: commands consumed.
 * @errors: command errors.
 * @handshake_errors: forbidden register writes (0 where not counted).
 * @clock_ns: modelled time executed.
 * @iotlb: the IOTLB's own statistics.
 */
struct invt_munit_stats {
	struct invt_munit_counters n;
	uint64_t consumed;
	uint64_t errors;
	uint64_t handshake_errors;
	uint64_t clock_ns;
	struct invt_cache_stats iotlb;
};

/* splitmix64 finaliser: seeds and victim choices. */
static inline uint64_t invt_munit_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * unit.c: lifecycle, devices, commands' common effects, counters.
 */

/**
 * invt_munit_init() - set up the unit's caches and device table.
 * @u: the unit (zeroed, inside the arch's instance).
 * @p: parameters (@p->cfg_entries checked by the caller).
 * @ops: the arch's operations.
 * @mem: model memory.
 * @oracle: the oracle.
 *
 * The arch then sets up its queue and points @u->cost_ns, @u->consumed,
 * @u->errors (and @u->handshake_errors) at its counters.
 *
 * Return: 0, -EINVAL, -ENOMEM; on error nothing is left allocated.
 */
int invt_munit_init(struct invt_munit *u, const struct invt_munit_params *p,
		    const struct invt_munit_ops *ops, struct invt_mem *mem,
		    struct invt_oracle *oracle);

/**
 * invt_munit_fini() - stop and release the queue (@u->ops->queue_destroy),
 * then free the devices and caches.
 * @u: the unit.
 */
void invt_munit_fini(struct invt_munit *u);

/* Free the devices and caches only (the queue was never set up). */
void invt_munit_release(struct invt_munit *u);

/* Start the consumer thread in threaded mode.  Return: 0 or its error. */
int invt_munit_start(struct invt_munit *u);

/* Stop the consumer thread, if running. */
void invt_munit_stop(struct invt_munit *u);

/* A device with an ATC of @atc_entries (0: none).  Return: 0, -errno. */
int invt_munit_add_device(struct invt_munit *u, uint32_t sid, unsigned int atc_entries);

/* Make the ATC invalidations of device @sid time out.  Return: 0, -ENODEV. */
int invt_munit_set_atc_timeout(struct invt_munit *u, uint32_t sid, bool on);

/* The device @sid, or NULL.  Takes the table's lock. */
struct invt_mdev *invt_munit_find_dev(struct invt_munit *u, uint32_t sid);

/* The counters, one snapshot (takes the unit lock). */
void invt_munit_stats(struct invt_munit *u, struct invt_munit_stats *st);

/* The cost of op index @op, 0 beyond the table. */
uint32_t invt_munit_cost_ns(const struct invt_munit *u, unsigned int op);

/* Count command @op and trace it with its @words and @outcome.  Unit lock held. */
void invt_munit_account_locked(struct invt_munit *u, unsigned int op, const uint64_t *words,
			       unsigned int outcome);

/* Trace a command (counted or not).  Unit lock held where the arch says. */
void invt_munit_trace(struct invt_munit *u, const uint64_t *words, unsigned int outcome);

/**
 * invt_munit_atc_inv() - an ATC invalidation's effect on device @sid.
 * @u: the unit.
 * @sid: the device.
 * @match: what it removes from the device's ATC.
 *
 * Takes the device's ATC lock only.  Return: true when the device's ATC
 * invalidations time out (the fault injection of set_atc_timeout).
 */
bool invt_munit_atc_inv(struct invt_munit *u, uint32_t sid, const struct invt_cache_match *match);

/* Tell the atc_window hook that an ATC invalidation took effect. */
void invt_munit_atc_window(struct invt_munit *u, uint32_t sid, uint32_t ssid, uint64_t addr);

/*
 * Queue an executed invalidation until it completes (completing them all
 * first when the queue is full: completing early is always allowed).
 * @p->type, @p->cfg, @p->seq and @p->match or @p->scope are copied.  Unit
 * lock held.
 */
void invt_munit_pend_locked(struct invt_munit *u, const struct invt_munit_pending *p);

/*
 * Complete, in queue order, the pending invalidations whose type is in
 * @types (a mask of 1 << type) and whose seq is at most @seq; the others
 * stay pending, in order.  Unit lock held.
 */
void invt_munit_complete_locked(struct invt_munit *u, uint32_t types, uint64_t seq);

#define INVT_MUNIT_ALL_TYPES	UINT32_MAX

/*
 * unit-xlate.c: configuration cache, translation, device accesses.
 */

/*
 * Set up an empty configuration cache of @nr slots (1..INVT_MUNIT_MAX_CFG_
 * ENTRIES) whose victims @seed chooses.  Return: 0 or -ENOMEM (nothing
 * left allocated).
 */
int invt_munit_cfgc_init(struct invt_munit_cfgc *cc, unsigned int nr, uint64_t seed);

/* Free a configuration cache's slots and index. */
void invt_munit_cfgc_fini(struct invt_munit_cfgc *cc);

/*
 * Remove every cached configuration in the arch's @scope.  Unit lock held.
 * Return: how many were removed.
 */
unsigned int invt_munit_cfg_invalidate_locked(struct invt_munit *u, const void *scope);

/**
 * invt_munit_nested_locked() - a two-stage translation of @iova under @c
 *	(unit-nest.c): the combined IOTLB entry, or the stage-1 walk (from
 *	the walk cache or the root) with every table access translated by
 *	stage 2 (its IOTLB leaves, walk cache or walk), then stage 2 of the
 *	output; what was walked is filled in.  Unit lock held.
 * @u: the unit.
 * @c: a nested configuration (invt_munit_nested()).
 * @use: the oracle's use (stage-1 side: @use->cfg_domain = @c->domain).
 * @iova: the input address (below 2^@c->ia_bits).
 * @w: out.
 *
 * Return: 0, or -EFAULT with @w->fault saying where.
 */
int invt_munit_nested_locked(struct invt_munit *u, const struct invt_munit_cfg *c,
			     struct invt_oracle_use *use, uint64_t iova, struct invt_munit_walk *w);

/**
 * invt_munit_s2_fetch_locked() - stage 2 of a structure a configuration
 *	fetch reads at an IPA (SMMUv3: the CD or L1CD of a nested STE, whose
 *	S1ContextPtr is an IPA), as for a stage-1 table access: the stage-2
 *	leaf (tag_s2) from the IOTLB, else the stage-2 walk cache or a walk
 *	from the stage-2 root, each entry used checked by the oracle as the
 *	stage-2 domain's, what was walked filled in.  Unit lock held.
 * @u: the unit.
 * @c: the configuration being fetched: @c->sid, @c->ssid, @c->tag_s2 and
 *	the stage-2 format and root set.
 * @ipa: the structure's address.
 * @pa: receives its physical address.
 *
 * Return: 0, or -EFAULT: a stage-2 fault (not mapped, not readable, or
 * outside memory); nothing of the structure may be read.
 */
int invt_munit_s2_fetch_locked(struct invt_munit *u, const struct invt_munit_cfg *c, uint64_t ipa,
			       uint64_t *pa);

/* The owner domain of the table frame at @pa, or INVT_MEM_NO_DOMAIN. */
uint32_t invt_munit_frame_domain(struct invt_munit *u, uint64_t pa);

/**
 * invt_munit_walk_nested() - a two-stage translation of @iova through the
 *	unit's caches, for a nested configuration given by its roots and tags
 *	rather than fetched (tests of the unit alone).  Takes the unit lock.
 * @u: the unit.
 * @c: the configuration: @c->stages both, formats, roots (stage 1 an
 *	IPA), tags, @c->sid / @c->ssid the requester the oracle is told of.
 * @iova: the input address.
 * @w: out.
 *
 * Return: 0, or -EFAULT with @w->fault saying where.
 */
int invt_munit_walk_nested(struct invt_munit *u, const struct invt_munit_cfg *c, uint64_t iova,
			   struct invt_munit_walk *w);

/**
 * invt_munit_set_fault_hook() - where the unit's fault records go.
 * @u: the unit, before any device access.
 * @fn: the hook (NULL: records are dropped, as with the queue disabled).
 * @arg: its first argument.
 *
 * A translation fault of an untranslated access through a nested
 * configuration is recorded (the arch's invt_munit_ops.fault_record) and
 * handed to @fn: the faults a VMM may have to forward.  Faults of other
 * configurations are the host driver's alone and are only counted.
 */
void invt_munit_set_fault_hook(struct invt_munit *u, invt_munit_fault_fn fn, void *arg);

/**
 * invt_munit_dma() - one device access through the unit.
 * @u: the unit.
 * @sid: the device.
 * @ssid: 0 or the substream.
 * @iova: the address.
 * @write: a write or a read.
 *
 * Return: 0, -EFAULT (faulted), -ENODEV (no such device).
 */
int invt_munit_dma(struct invt_munit *u, uint32_t sid, uint32_t ssid, uint64_t iova, bool write);

#endif /* INVT_MODEL_UNIT_H */
