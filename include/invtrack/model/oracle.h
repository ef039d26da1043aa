/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/model/oracle.h - the model's oracle: which translations and
 * configurations may still be used (userspace).
 *
 * docs/design.md §8.  The hardware model asks the oracle at every use of a
 * cached translation or configuration, under the lock of the cache it used
 * (so no invalidation can slip between the lookup and the check); the
 * scenario tells it where each attach transaction of a (device, ssid)
 * stands.  Violations:
 *
 *  STALE_TLB	a translation (IOTLB leaf, walk-cache table, ATC) whose
 *		frame was freed or reassigned since it was filled; or an ATC
 *		translation filled under an attachment of (device, ssid) that
 *		has since been replaced or detached (commit returned).
 *  STALE_CONFIG a configuration (STE/CD, context/PASID entry, DC/PC) cached
 *		before the (device, ssid)'s last configuration change began,
 *		used after that change was reported done (its configuration
 *		invalidation completed).
 *  WRONG_DOMAIN an IOTLB entry found under the tags of the device's
 *		configuration but produced by another domain's table than
 *		the one that configuration points to (a tag reused while
 *		still cached).  Checked before the frame, since a reused tag
 *		can hit entries whose frames are still live.
 *  ISOLATION	a command issued for a guest (translated from its
 *		invalidation batch by its viommu, or sent for it straight to
 *		the queue) reached a unit naming a stage-2 tag (VMID, DID,
 *		GSCID) or a device the issuing VM does not own, or reached
 *		another instance than its viommu's; or an event record a
 *		guest read from its viommu names a device that is not the
 *		VM's (invt_oracle_check_isolation()).
 *
 * Attachment bookkeeping per (instance, sid, ssid), from the scenario:
 *	invt_oracle_attach_begin()	before the core's prepare
 *	invt_oracle_config_done()	the new configuration is installed and
 *					its invalidation completed
 *	invt_oracle_attach_done()	commit returned (or abort: _abort())
 * An ATC fill records a generation from invt_oracle_atc_gen(): the current
 * attachment's, or - while a transaction is open and the fill came from the
 * new domain - the next one's.  At use, an ATC entry is valid while its
 * generation is the current one, or the next one during a transaction.
 * Each transaction gets a generation of its own (an aborted transaction's
 * is never reused), so an ATC fill from the new domain of an aborted
 * transaction stays stale for good.
 *
 * Fill stamps: a cache that fills an entry takes invt_oracle_stamp() after
 * reading what it caches (configuration words, PTEs), under its lock.  The
 * stamp is an acquire-release increment, so a fill stamp below a
 * transaction's begin stamp proves the fill read memory before the
 * scenario began changing it (see invt_oracle_stamp()).
 *
 * Nested translation (two stages): a VM is one nest parent (stage 2, IPA ->
 * PA, owned by the host) and the nested domains of its guest (stage 1, IOVA
 * -> IPA, whose tables live in IPA pages backed by the parent).  Host frames
 * keep their meaning: the parent's data frames are DATA of (parent, IPA
 * page) in the pool from the host's map until its unmap's invalidation
 * completed, as for any domain.  The guest's side is kept here, per VM slot
 * (invt_oracle_vm_init()): every IPA page is FREE, DATA of (nested domain,
 * IOVA page), TABLE of a nested domain or OTHER (the guest's CD / PASID
 * tables, queues), from invt_oracle_guest_map() until
 * the guest's invalidation of its unmap completed
 * (invt_oracle_guest_inv_done()); a version bumped at each change plays the
 * pool's generation (invt_oracle_guest_ref() / _check_nested()).  A combined
 * translation is stale when its IPA page changed hands on the guest's side
 * (stage 1), its host frame on the host's (stage 2: unmapped and
 * invalidated, or reassigned), or when a guest table page it was built from
 * did either: a walk must not use cached contents of a table page whose
 * stage-2 mapping is gone.  Reports name the stage (struct invt_violation
 * .stage).  Who calls what:
 *	host (scenario)	the parent's frames with the pool, as any domain's
 *	guest (scenario) invt_oracle_guest_map() / _alloc() before writing
 *			the PTE or table pointer; _unmap() once cleared;
 *			_inv_done() once the guest's invalidation completed
 *	unit, config	vm = invt_oracle_vm_find(parent); the nested domain
 *			from invt_oracle_guest_info() of the stage-1 root
 *	unit, fill	invt_oracle_guest_ref() of the IPA page(s), invt_mem_ref()
 *			of the host frame(s), with the walk, under the lock
 *	unit, use	invt_oracle_check_nested(); stage-2 entries of the
 *			walk: invt_oracle_check_tlb() with the parent
 * The guest pages are written under their VM's mutex and read lock-free
 * (a sequence counter per page).
 *
 * The access and fault counters are atomic; violations are counted, and the
 * first ones (up to max_reports) kept whole for reports, under the oracle's
 * mutex, which also protects the attachment bookkeeping.  It is the
 * innermost lock of the model: held for a few loads and stores, never while
 * calling out (the memory pool's mutex is taken before it, not inside).  No
 * global state.
 */
#ifndef INVTRACK_MODEL_ORACLE_H
#define INVTRACK_MODEL_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <invtrack/model/cache.h>
#include <invtrack/model/mem.h>

/**
 * enum invt_violation_kind - what the oracle found.
 * @INVT_VIOL_STALE_TLB: a translation used after it should be gone.
 * @INVT_VIOL_STALE_CONFIG: a configuration used after it should be gone.
 * @INVT_VIOL_WRONG_DOMAIN: a translation of another domain under the tag.
 * @INVT_VIOL_ISOLATION: a command issued for a VM named what it does not own.
 * @INVT_VIOL_NR: number of kinds.
 */
enum invt_violation_kind {
	INVT_VIOL_STALE_TLB,
	INVT_VIOL_STALE_CONFIG,
	INVT_VIOL_WRONG_DOMAIN,
	INVT_VIOL_ISOLATION,
	INVT_VIOL_NR,
};

/* invt_violation.cache for a configuration cache entry. */
#define INVT_VIOL_CACHE_CONFIG INVT_CACHE_NR_KINDS
/* invt_violation.cache for a command on a queue (ISOLATION). */
#define INVT_VIOL_CACHE_COMMAND (INVT_CACHE_NR_KINDS + 1)

/* invt_oracle_atc_gen() for ids out of range: no attachment ever has it. */
#define INVT_ORACLE_GEN_INVALID UINT64_MAX

/**
 * struct invt_violation - one violation, for a report.
 * @kind: an enum invt_violation_kind.
 * @instance: the instance id.
 * @sid: the device's stream id.
 * @ssid: the ssid (0: the RID).
 * @cache: the cache the stale item came from: an enum invt_cache_kind, or
 *	INVT_VIOL_CACHE_CONFIG.
 * @tag_s2: the entry's stage-2 / VM tag (INVT_CACHE_ID_NONE: none).
 * @tag_s1: the entry's stage-1 tag (INVT_CACHE_ID_NONE: none).
 * @iova: the address the device accessed.
 * @pa: the frame the entry leads to (leaf or table), 0 for configurations;
 *	nested: the host frame behind @ipa (0: none known).
 * @domain: the domain that produced the entry.
 * @expected_domain: IOTLB and walk-cache checks: the domain the
 *	configuration in use points to (@use->cfg_domain); ATC and
 *	configuration checks: the domain of the current attachment (the new
 *	one once a transaction's configuration is done); INVT_MEM_NO_DOMAIN if
 *	none.
 * @verdict: an enum invt_mem_verdict for the frame at @pa, as found at the
 *	use (STALE_TLB by frame: not INVT_MEM_LIVE); -1 for configurations.
 * @freed_at: the memory clock when the frame was last freed (FREED, REUSED;
 *	else 0).
 * @fill_stamp: the oracle stamp when the entry was filled.
 * @use_stamp: the oracle stamp at the use.
 * @why: a short static text saying which rule fired.
 * @stage: 0 for the single-stage checks; invt_oracle_check_nested(): 1 when
 *	the guest's side (stage 1) fired, 2 when the host's (stage 2).  For
 *	stage 1, @verdict and @freed_at describe the IPA page (the oracle's
 *	clock); for stage 2 the host frame.  WRONG_DOMAIN at stage 2: @domain
 *	is the entry's stage-2 domain, @expected_domain the VM's parent.
 * @vm: nested: the VM slot.
 * @ipa: nested: the IPA page concerned (the entry's output page, the next
 *	table's page, or the guest table page the entry was built from).
 * @repeats: later violations that differed from this one only in their use
 *	(same kind, unit, device, ssid, address, cache, tags, frame, domains
 *	and fill): counted here instead of taking a report of their own.
 */
struct invt_violation {
	int kind;
	uint32_t instance;
	uint32_t sid;
	uint32_t ssid;
	unsigned int cache;
	uint32_t tag_s2;
	uint32_t tag_s1;
	uint64_t iova;
	uint64_t pa;
	uint32_t domain;
	uint32_t expected_domain;
	int verdict;
	uint64_t freed_at;
	uint64_t fill_stamp;
	uint64_t use_stamp;
	const char *why;
	unsigned int stage;
	uint32_t vm;
	uint64_t ipa;
	uint64_t repeats;
};

/**
 * struct invt_oracle_config - creation parameters.
 * @nr_instances: instance ids 0..@nr_instances-1.
 * @nr_sids: stream ids 0..@nr_sids-1 on each instance.
 * @nr_ssids: ssids 0..@nr_ssids-1 (0 is the RID).
 * @max_reports: violations kept whole (the first ones); 0 means 8.
 * @seed: the run's seed, repeated in reports.
 * @collapse: a violation that repeats a kept one (struct invt_violation
 *	.repeats) is counted on it instead of taking a report of its own.
 * @nr_vms: VM slots 0..@nr_vms-1 for nested translation (0: none); each is
 *	set up with invt_oracle_vm_init().
 */
struct invt_oracle_config {
	unsigned int nr_instances;
	unsigned int nr_sids;
	unsigned int nr_ssids;
	unsigned int max_reports;
	uint64_t seed;
	bool collapse;
	unsigned int nr_vms;
};

struct invt_oracle;

/**
 * struct invt_oracle_stats - the oracle's counters.
 * @accesses: DMA accesses that translated and were checked.
 * @faults: accesses that did not translate (unmapped, blocked, aborted).
 * @nested_accesses: of @accesses, those that translated through two stages
 *	(invt_oracle_count_nested_access()); never above @accesses.
 * @violations: per enum invt_violation_kind.
 * @total: all violations.
 */
struct invt_oracle_stats {
	uint64_t accesses;
	uint64_t faults;
	uint64_t nested_accesses;
	uint64_t violations[INVT_VIOL_NR];
	uint64_t total;
};

/**
 * invt_oracle_create() - an oracle over a memory pool.
 * @cfg: its parameters (copied).
 * @mem: the pool whose frames it checks.
 * @out: receives the oracle.
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
int invt_oracle_create(const struct invt_oracle_config *cfg, struct invt_mem *mem,
		       struct invt_oracle **out);

/** invt_oracle_destroy() - free an oracle. @o: the oracle, or NULL. */
void invt_oracle_destroy(struct invt_oracle *o);

/**
 * invt_oracle_stamp() - the next value of the oracle's logical clock.
 * @o: the oracle.
 *
 * Monotonic across threads: an acquire-release fetch-and-add on one counter,
 * so all stamps are distinct and totally ordered, starting at 1 (0 is
 * before every stamp).  A stamp taken after another in happens-before order
 * is larger; and when a filler's stamp is smaller than a scenario's begin
 * stamp, everything the filler did before its stamp happens before
 * everything the scenario does after its begin.  Caches store it at fill.
 *
 * Return: the stamp.
 */
uint64_t invt_oracle_stamp(struct invt_oracle *o);

/**
 * invt_oracle_attach_begin() - a transaction on (inst, sid, ssid) begins.
 * @o: the oracle.
 * @inst: instance id.
 * @sid: stream id.
 * @ssid: ssid.
 * @new_domain: the domain it moves to, or INVT_MEM_NO_DOMAIN (detach).
 *
 * Call before the core's prepare, once per SID of the device.
 * Return: 0, -EINVAL for ids out of range, -EBUSY when one is open.
 */
int invt_oracle_attach_begin(struct invt_oracle *o, uint32_t inst, uint32_t sid, uint32_t ssid,
			     uint32_t new_domain);

/**
 * invt_oracle_config_done() - the new configuration is in use.
 * @o: the oracle.
 * @inst: instance id.
 * @sid: stream id.
 * @ssid: ssid.
 *
 * From now, a configuration cached before the matching _begin() is stale.
 * Return: 0, -EINVAL (ids, no open transaction).
 */
int invt_oracle_config_done(struct invt_oracle *o, uint32_t inst, uint32_t sid, uint32_t ssid);

/**
 * invt_oracle_attach_done() - commit returned.
 * @o: the oracle.
 * @inst: instance id.
 * @sid: stream id.
 * @ssid: ssid.
 *
 * The attachment generation advances: ATC entries of the old one are stale.
 * Return: 0, -EINVAL.
 */
int invt_oracle_attach_done(struct invt_oracle *o, uint32_t inst, uint32_t sid, uint32_t ssid);

/**
 * invt_oracle_attach_abort() - the transaction was aborted.
 * @o: the oracle.
 * @inst: instance id.
 * @sid: stream id.
 * @ssid: ssid.
 *
 * The old configuration is back: the configuration rule returns to what it
 * was before the matching _begin() (configurations cached since the last
 * completed change are legitimate again), the generation stays, and ATC
 * entries filled from the aborted transaction's new domain become stale.
 *
 * Return: 0, -EINVAL (ids, no open transaction).
 */
int invt_oracle_attach_abort(struct invt_oracle *o, uint32_t inst, uint32_t sid, uint32_t ssid);

/**
 * invt_oracle_atc_gen() - the generation an ATC fill records.
 * @o: the oracle.
 * @inst: instance id.
 * @sid: stream id.
 * @ssid: ssid.
 * @domain: the domain the translation came from.
 *
 * Return: the generation (see the header comment), or
 * INVT_ORACLE_GEN_INVALID for ids out of range.
 */
uint64_t invt_oracle_atc_gen(struct invt_oracle *o, uint32_t inst, uint32_t sid, uint32_t ssid,
			     uint32_t domain);

/**
 * struct invt_oracle_use - where a use happens.
 * @instance: instance id.
 * @sid: stream id.
 * @ssid: ssid.
 * @iova: the address accessed.
 * @cfg_domain: the domain the configuration in use points to, or
 *	INVT_MEM_NO_DOMAIN.
 */
struct invt_oracle_use {
	uint32_t instance;
	uint32_t sid;
	uint32_t ssid;
	uint64_t iova;
	uint32_t cfg_domain;
};

/**
 * invt_oracle_check_config() - a cached configuration is about to be used.
 * @o: the oracle.
 * @use: where.
 * @fill_stamp: the stamp the configuration cache recorded at fill.
 *
 * STALE_CONFIG when the last configuration change of (instance, sid, ssid)
 * is done and @fill_stamp is older than its begin.
 *
 * Return: 0, INVT_VIOL_STALE_CONFIG + 1 when it was recorded as one, or
 * -EINVAL (NULL, ids out of range; nothing recorded).
 */
int invt_oracle_check_config(struct invt_oracle *o, const struct invt_oracle_use *use,
			     uint64_t fill_stamp);

/**
 * invt_oracle_check_tlb() - an IOTLB or walk-cache entry is about to be used.
 * @o: the oracle.
 * @use: where; @use->cfg_domain must be set.
 * @e: the entry (leaf kinds: @e->leaf is checked; walk kinds: @e->table).
 *
 * WRONG_DOMAIN when @e->domain differs from @use->cfg_domain (not checked
 * when that is INVT_MEM_NO_DOMAIN), else STALE_TLB when the frame is no
 * longer what it was at fill.
 *
 * Return: 0, the violation kind + 1, or -EINVAL (NULL, ids out of range,
 * @e->kind not an IOTLB or walk kind; nothing recorded).
 */
int invt_oracle_check_tlb(struct invt_oracle *o, const struct invt_oracle_use *use,
			  const struct invt_cache_entry *e);

/**
 * invt_oracle_check_atc() - a device ATC entry is about to be used.
 * @o: the oracle.
 * @use: where (@use->cfg_domain is ignored).
 * @e: the ATC entry (@e->leaf, @e->attach_gen, @e->domain).
 *
 * STALE_TLB when the leaf frame is no longer what it was at fill, or when
 * @e->attach_gen is neither the current generation nor, during a
 * transaction, the next one.
 *
 * Return: 0, INVT_VIOL_STALE_TLB + 1, or -EINVAL (NULL, ids out of range,
 * @e->kind not INVT_CACHE_ATC; nothing recorded).
 */
int invt_oracle_check_atc(struct invt_oracle *o, const struct invt_oracle_use *use,
			  const struct invt_cache_entry *e);

/* struct invt_oracle_guest_cmd.names */
#define INVT_ORACLE_NAMES_TAG	(1u << 0)
#define INVT_ORACLE_NAMES_DEV	(1u << 1)

/* Stage-2 tags a VM may own on one instance at once (its parent's, a nested domain's). */
#define INVT_ORACLE_MAX_VM_TAGS	2u

/**
 * struct invt_oracle_guest_cmd - one command a unit received for a guest
 *	(or one event record a guest read: @names INVT_ORACLE_NAMES_DEV).
 * @instance: the instance whose queue it reached.
 * @vm: the issuing VM's slot.
 * @home: the instance the VM's viommu (or its direct path) is bound to.
 * @names: INVT_ORACLE_NAMES_TAG and / or _DEV: which of @tag_s2 and @dev
 *	the command names, as the unit decodes it (0: neither).
 * @tag_s2: the stage-2 tag it names (VMID, DID, GSCID).
 * @dev: the device id it names (StreamID, source-id, device_id).
 * @nr_tags: entries of @tags.
 * @tags: the stage-2 tags the VM owns on @instance now (the nest parent's;
 *	where a nested domain has its own, VT-d's DID, that one too).
 * @nr_devs: entries of @devs.
 * @devs: the device ids the VM's viommu on @instance binds.
 */
struct invt_oracle_guest_cmd {
	uint32_t instance;
	uint32_t vm;
	uint32_t home;
	unsigned int names;
	uint32_t tag_s2;
	uint32_t dev;
	unsigned int nr_tags;
	uint32_t tags[INVT_ORACLE_MAX_VM_TAGS];
	unsigned int nr_devs;
	const uint32_t *devs;
};

/**
 * invt_oracle_check_isolation() - a command issued for a guest reached a unit.
 * @o: the oracle.
 * @c: the command and what the VM owns.
 *
 * ISOLATION when the command reached another instance than @c->home, names
 * a stage-2 tag not in @c->tags, or a device not in @c->devs.  The report
 * carries the instance, the device (sid), the tag (tag_s2) and the VM (vm);
 * its cache is INVT_VIOL_CACHE_COMMAND.
 *
 * Return: 0, INVT_VIOL_ISOLATION + 1 when recorded, or -EINVAL (NULL,
 * @c->nr_tags above INVT_ORACLE_MAX_VM_TAGS, @c->devs NULL with
 * @c->nr_devs; nothing recorded).
 */
int invt_oracle_check_isolation(struct invt_oracle *o, const struct invt_oracle_guest_cmd *c);

/** invt_oracle_count_access() - one access translated and checked. @o: the oracle. */
void invt_oracle_count_access(struct invt_oracle *o);

/** invt_oracle_count_fault() - one access faulted (expected). @o: the oracle. */
void invt_oracle_count_fault(struct invt_oracle *o);

/* ---- nested translation: the guest's side of a VM, and two-stage checks ---- */

/**
 * invt_oracle_vm_init() - set up a VM slot.
 * @o: the oracle.
 * @vm: the slot, below struct invt_oracle_config.nr_vms.
 * @parent: the VM's nest parent (the stage-2 domain), not INVT_MEM_NO_DOMAIN.
 * @ipa_base: the first IPA of the guest's memory, 4 KiB aligned.
 * @ipa_size: its size in bytes, a non-zero multiple of 4 KiB; every IPA page
 *	of [@ipa_base, @ipa_base + @ipa_size) starts FREE.
 *
 * Once per slot, before anything uses the VM; other threads may be checking
 * meanwhile (the slot is published with a release store).  A VM lives as
 * long as the oracle.
 *
 * Return: 0; -EINVAL (bad argument, a range past 2^64, another VM with
 * @parent); -EBUSY when the slot was set up already; -ENOMEM.
 */
int invt_oracle_vm_init(struct invt_oracle *o, uint32_t vm, uint32_t parent, uint64_t ipa_base,
			uint64_t ipa_size);

/**
 * invt_oracle_vm_find() - the VM slot of a nest parent.
 * @o: the oracle.
 * @parent: the parent domain, e.g. the one a nested configuration's stage-2
 *	pointer leads to.
 *
 * A scan of the slots set up so far: call it when a configuration is
 * fetched and keep the slot with it, not at every access.
 *
 * Return: the slot, or -ENOENT.
 */
int invt_oracle_vm_find(struct invt_oracle *o, uint32_t parent);

/**
 * invt_oracle_guest_map() - the guest's stage 1 starts using IPA pages.
 * @o: the oracle.
 * @vm: the VM slot.
 * @ipa: the first page, 4 KiB aligned.
 * @nr: number of pages, at least 1.
 * @state: INVT_FRAME_DATA (mapped by @domain at @iova), INVT_FRAME_TABLE
 *	(a page of @domain's stage-1 tables) or INVT_FRAME_OTHER (another
 *	structure of the guest's: a CD or PASID table, a queue).
 * @domain: the nested domain (ignored for OTHER).
 * @iova: DATA: the IOVA of the first page, 4 KiB aligned; page i backs
 *	@iova + i * 4 KiB.  Ignored for TABLE.
 *
 * Call before the guest writes the PTE (or the table pointer) that makes
 * the pages reachable.  Every page must be FREE: one unmapped but not yet
 * invalidated stays the old owner's until invt_oracle_guest_inv_done().
 *
 * Return: 0; -EINVAL (bad argument, outside the VM, VM not set up); -EBUSY
 * when a page is not FREE (nothing changed).
 */
int invt_oracle_guest_map(struct invt_oracle *o, uint32_t vm, uint64_t ipa, uint64_t nr,
			  enum invt_frame_state state, uint32_t domain, uint64_t iova);

/**
 * invt_oracle_guest_alloc() - take a FREE IPA page and map it.
 * @o: the oracle.
 * @vm: the VM slot.
 * @state: as for invt_oracle_guest_map().
 * @domain: as for invt_oracle_guest_map().
 * @iova: as for invt_oracle_guest_map().
 * @ipa: out: the page.
 *
 * The page freed last is taken first (as the pool does with host frames),
 * so a translation that outlives the guest's invalidation soon leads to a
 * page with another owner.  For a guest that does not place its pages
 * itself.
 *
 * Return: 0; -EINVAL; -ENOMEM when no page of the VM is FREE.
 */
int invt_oracle_guest_alloc(struct invt_oracle *o, uint32_t vm, enum invt_frame_state state,
			    uint32_t domain, uint64_t iova, uint64_t *ipa);

/**
 * invt_oracle_guest_unmap() - the guest removed pages from its stage 1.
 * @o: the oracle.
 * @vm: the VM slot.
 * @ipa: the first page.
 * @nr: number of pages.
 *
 * Call once the guest cleared the PTEs (or unlinked the table pages).
 * Translations cached from them stay legitimate until the guest's
 * invalidation completes: nothing becomes stale here.
 *
 * Return: 0; -EINVAL (bad argument, a page FREE or unmapped already;
 * nothing changed).
 */
int invt_oracle_guest_unmap(struct invt_oracle *o, uint32_t vm, uint64_t ipa, uint64_t nr);

/**
 * invt_oracle_guest_inv_done() - the guest's invalidation of an unmap completed.
 * @o: the oracle.
 * @vm: the VM slot.
 * @ipa: the first page.
 * @nr: number of pages.
 *
 * Call when the guest saw the completion of the invalidation that covers
 * the unmap (its sync, through the vIOMMU or the scenario's guest API).  The
 * pages become FREE: every translation or walk entry cached from them is
 * stale from now (rule (a) of docs/model.md).
 *
 * Return: 0; -EINVAL (bad argument, a page not unmapped; nothing changed).
 */
int invt_oracle_guest_inv_done(struct invt_oracle *o, uint32_t vm, uint64_t ipa, uint64_t nr);

/**
 * invt_oracle_guest_ref() - what a cache remembers of an IPA page, at fill.
 * @o: the oracle.
 * @vm: the VM slot.
 * @ipa: any address inside the page.
 * @ref: out: @ref->pa the page's IPA, its state, owner (domain, iova) and
 *	version (@ref->gen) now.
 *
 * Lock-free (a sequence-counter read); call it under the cache's lock, with
 * the walk that produced the entry, as invt_mem_ref() for host frames.  A
 * reference to a FREE page (a walk through a dangling entry) stays valid
 * only while the page stays FREE.
 *
 * Return: 0, or -EINVAL (VM not set up, @ipa outside it: @ref then checks as
 * INVT_MEM_BAD_REF).
 */
int invt_oracle_guest_ref(struct invt_oracle *o, uint32_t vm, uint64_t ipa,
			  struct invt_frame_ref *ref);

/**
 * invt_oracle_guest_info() - an IPA page's state now.
 * @o: the oracle.
 * @vm: the VM slot.
 * @ipa: any address inside the page.
 * @info: out: state, owner, version (@info->gen), and the oracle's clock at
 *	its last map (@info->alloc_time) and free (@info->free_time).
 *
 * A unit finds the nested domain of a configuration from the IPA of its
 * stage-1 table root (TABLE: @info->domain), as it finds a single-stage
 * domain with invt_mem_info().  Lock-free.
 *
 * Return: 0, or -EINVAL.
 */
int invt_oracle_guest_info(struct invt_oracle *o, uint32_t vm, uint64_t ipa,
			   struct invt_frame_info *info);

/* struct invt_oracle_nest.flags */
#define INVT_ORACLE_NEST_S1 (1u << 0)	/* @s1 is set */
#define INVT_ORACLE_NEST_S2 (1u << 1)	/* @s2 is set */

/**
 * struct invt_oracle_table_page - a guest table page an entry was built from.
 * @s1: the page (its IPA in @s1.pa), invt_oracle_guest_ref() at fill.
 * @s2: the host frame the walk read it from, invt_mem_ref() at fill.
 */
struct invt_oracle_table_page {
	struct invt_frame_ref s1;
	struct invt_frame_ref s2;
};

/**
 * struct invt_oracle_nest - the two-stage facts of one use.
 * @vm: the VM slot of the nest parent the configuration in use points to.
 * @flags: INVT_ORACLE_NEST_S1, INVT_ORACLE_NEST_S2: which of @s1, @s2 are set.
 * @s1: the IPA page the entry leads to, invt_oracle_guest_ref() at fill: a
 *	leaf's output page (DATA), or the next table's page (TABLE) for a
 *	walk entry.
 * @s2: the host frame behind @s1's IPA, invt_mem_ref() at fill (for a
 *	combined leaf, its e->leaf).  Optional for a stage-1 walk entry that
 *	caches the next table's IPA (the walk translates the IPA again); given,
 *	the entry is also stale once that table's stage-2 mapping is gone (a
 *	parent's completed invalidation removes the VM's stage-1 entries).
 * @tables: the guest table pages whose contents the entry caches (the
 *	pages the walk read its descriptors from), or NULL.
 * @nr_tables: entries in @tables.
 */
struct invt_oracle_nest {
	uint32_t vm;
	unsigned int flags;
	struct invt_frame_ref s1;
	struct invt_frame_ref s2;
	const struct invt_oracle_table_page *tables;
	unsigned int nr_tables;
};

/**
 * invt_oracle_check_nested() - a cached entry of a nested translation is about to be used.
 * @o: the oracle.
 * @use: where; @use->cfg_domain: the nested domain the configuration points
 *	to (or INVT_MEM_NO_DOMAIN; ignored for ATC entries).
 * @e: the entry: INVT_CACHE_NESTED (a combined leaf; @n needs @s1 and @s2),
 *	INVT_CACHE_WALK_S1 (a guest walk entry; @n needs @s1) or
 *	INVT_CACHE_ATC (a device ATC entry filled with a combined translation;
 *	@n needs @s1 and @s2).  Its kind, tags, @e->domain (the nested
 *	domain), @e->domain_s2 (the parent, or INVT_MEM_NO_DOMAIN), fill time and
 *	ATC generation are used; its @leaf / @table are not (@n says which
 *	frames).  Stage-2 entries (S2, WALK_S2) of a nested walk go to
 *	invt_oracle_check_tlb() with @use->cfg_domain set to the parent.
 * @n: the two-stage facts.
 *
 * In order, the first that fires is recorded:
 * WRONG_DOMAIN (not for ATC) at stage 1 when @e->domain is not
 * @use->cfg_domain, at stage 2 when @e->domain_s2 is set and is not the VM's
 * parent; STALE_TLB at stage 1 when @n->s1's page changed since (the guest
 * unmapped it and its invalidation completed; rule (a)); at stage 2 when
 * @n->s2's frame did (the host unmapped it and its invalidation completed,
 * rule (b), or it was reassigned, rule (c)); then the same two for each of
 * @n->tables (a walk through a guest table page whose stage-2 mapping is
 * gone must not use cached contents); and for ATC entries the attachment
 * generation rule of invt_oracle_check_atc().
 *
 * Return: 0, the violation kind + 1, or -EINVAL (NULL, ids out of range, VM
 * not set up, a kind or flags other than above, @nr_tables without @tables;
 * nothing recorded).
 */
int invt_oracle_check_nested(struct invt_oracle *o, const struct invt_oracle_use *use,
			     const struct invt_cache_entry *e, const struct invt_oracle_nest *n);

/**
 * invt_oracle_count_nested_access() - one access translated through two stages and checked.
 * @o: the oracle.
 *
 * Instead of invt_oracle_count_access(): counts it in both
 * struct invt_oracle_stats .accesses and .nested_accesses.
 */
void invt_oracle_count_nested_access(struct invt_oracle *o);

/**
 * invt_oracle_seed() - the seed given at creation, for reports.
 * @o: the oracle.
 *
 * Return: the seed.
 */
uint64_t invt_oracle_seed(const struct invt_oracle *o);

/**
 * invt_oracle_stats() - the counters.
 * @o: the oracle.
 * @st: out: violations and total consistent with each other (and with
 *	invt_oracle_reports()); accesses and faults as of the call.
 */
void invt_oracle_stats(struct invt_oracle *o, struct invt_oracle_stats *st);

/**
 * invt_oracle_total() - how many violations were found, without the lock
 *	invt_oracle_stats() takes: cheap enough to poll after every operation.
 * @o: the oracle.
 *
 * Return: the total at some point during the call (a count recorded by
 * another thread may show a little late); invt_oracle_reports() or
 * invt_oracle_stats() then give what it counts.
 */
uint64_t invt_oracle_total(struct invt_oracle *o);

/**
 * invt_oracle_reports() - the first violations, in the order found.
 * @o: the oracle.
 * @out: room for @max.
 * @max: how many to copy.
 *
 * Return: how many were copied.
 */
size_t invt_oracle_reports(struct invt_oracle *o, struct invt_violation *out, size_t max);

/**
 * invt_violation_name() - "STALE_TLB", "STALE_CONFIG", "WRONG_DOMAIN".
 * @kind: an enum invt_violation_kind.
 *
 * Return: the name, or "?".
 */
const char *invt_violation_name(int kind);

/**
 * invt_violation_format() - one line describing a violation.
 * @v: the violation.
 * @seed: the run's seed, printed for replay.
 * @buf: where to write.
 * @len: its size.
 *
 * Return: what snprintf returns.
 */
int invt_violation_format(const struct invt_violation *v, uint64_t seed, char *buf, size_t len);

#endif /* INVTRACK_MODEL_ORACLE_H */
