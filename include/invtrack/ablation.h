/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/ablation.h - switching protocol rules off, to prove tests see it.
 *
 * Only a build configured with -Dablations=true compiles the switches in;
 * in a normal build every check is the constant false and leaves no trace on
 * the fast path, and invt_ablate() answers -EOPNOTSUPP.
 */
#ifndef INVTRACK_ABLATION_H
#define INVTRACK_ABLATION_H

#include <stdbool.h>
#include <stdint.h>

struct invt_ctx;

/**
 * enum invt_ablation - a protocol rule that can be switched off.
 * @INVT_ABLATE_BARRIER: "barrier": the fast path's full barrier between the
 *	caller's PTE stores and the load of the array.
 * @INVT_ABLATE_TWO_PHASE: "two-phase": the old domain drops the device's
 *	entries in prepare, while the device still uses the old configuration
 *	(its tag and counts stay held, so that an abort gives them back).
 * @INVT_ABLATE_TAG_FLUSH: "tag-flush": no flush when a tag's last user
 *	leaves; the tag is released dirty.
 * @INVT_ABLATE_ATC_ORDER: "atc-order": ATC invalidations not separated
 *	from the IOTLB invalidations by a completion command.
 * @INVT_ABLATE_CONFIG_INVAL: "config-inval": no configuration cache
 *	invalidation after a configuration change (arch drivers).
 * @INVT_ABLATE_RECHECK: "recheck": the fast path does not look at the array
 *	again once its IOTLB invalidations completed, so a device attached
 *	meanwhile keeps ATC entries refilled from the old IOTLB entries.
 * @INVT_ABLATE_TEARDOWN_IOTLB: "teardown-iotlb": no IOTLB invalidation of
 *	the old tag when a present configuration entry is torn down (arch
 *	drivers whose spec asks for one: VT-d §6.5.3.3).
 * @INVT_ABLATE_ABORT_ATC: "abort-atc": an abort after install drops the
 *	new domain's entries without invalidating the device's ATC first, as
 *	if the device had never used the new configuration.
 * @INVT_ABLATE_QUIESCE: "quiesce": a detach that dropped ATC entries returns
 *	without waiting for the invalidations in progress that may still send
 *	ATC commands for them (detach quiescence).
 * @INVT_ABLATE_VIOMMU_COUNT: "viommu-count": a guest batch stopped by a
 *	refused command counts the commands converted before it as done
 *	without issuing them (the viommu layer).
 * @INVT_ABLATE_VDEV_PIN: "vdev-pin": a vdevice can be destroyed while a
 *	nested domain is attached to its device (the viommu layer).
 * @INVT_ABLATE_PARENT_FLUSH: "parent-flush": a nest parent's array gets no
 *	IOTLB_S2_S1_CLEAR entry for a nested domain attached over it, so a
 *	host unmap of the parent sends only the stage-2 invalidation of the
 *	nested domain's tag, which leaves the guest's combined (stage 1 + 2)
 *	translations cached where it does not remove them (SMMUv3's
 *	CMD_TLBI_S2_IPA; RISC-V's IOTINVAL.GVMA keeps the guest's walk
 *	entries; not VT-d, whose page-selective IOTLB invalidation of a DID
 *	removes all its first-stage and nested entries).
 * @INVT_ABLATE_NESTED_ATC: "nested-atc": devices attached to nested domains
 *	get no ATC_FULL entry: neither a parent unmap nor their leaving
 *	invalidates their ATCs.
 * @INVT_ABLATE_RECLAIM: "reclaim": a replaced array is freed after
 *	liburcu's grace period alone, without waiting for the invalidator
 *	sections in progress, which are the arrays' read side in userspace
 *	(src/core/compat-user.h): a section may still hold the freed array.
 * @INVT_ABLATE_VIOMMU_ISOLATION: "viommu-isolation": guest commands keep
 *	the stage-2 tag (VMID, VT-d DID, GSCID) and the virtual device id the
 *	guest wrote instead of the viommu's tag and the physical id (the
 *	viommu layer).
 * @INVT_ABLATE_PARENT_TAGS: "parent-tags": a nest parent's array gets no
 *	entry at all for a nested domain attached over it (neither IOTLB_S2
 *	nor IOTLB_S2_S1_CLEAR): a host unmap of the parent invalidates
 *	nothing under the nested domain's tag (Linux VT-d's missing parent
 *	flush, 2024: the parent had no cache tags of its nested domains).
 * @INVT_ABLATE_NR: number of rules.
 */
enum invt_ablation {
	INVT_ABLATE_BARRIER,
	INVT_ABLATE_TWO_PHASE,
	INVT_ABLATE_TAG_FLUSH,
	INVT_ABLATE_ATC_ORDER,
	INVT_ABLATE_CONFIG_INVAL,
	INVT_ABLATE_RECHECK,
	INVT_ABLATE_TEARDOWN_IOTLB,
	INVT_ABLATE_ABORT_ATC,
	INVT_ABLATE_QUIESCE,
	INVT_ABLATE_VIOMMU_COUNT,
	INVT_ABLATE_VDEV_PIN,
	INVT_ABLATE_PARENT_FLUSH,
	INVT_ABLATE_NESTED_ATC,
	INVT_ABLATE_RECLAIM,
	INVT_ABLATE_VIOMMU_ISOLATION,
	INVT_ABLATE_PARENT_TAGS,
	INVT_ABLATE_NR,
};

/**
 * invt_ablate() - switch one rule off in @ctx, by name.
 * @ctx: the context.
 * @rule: "barrier", "two-phase", "tag-flush", "atc-order", "config-inval",
 *	"recheck", "teardown-iotlb", "abort-atc", "quiesce", "viommu-count",
 *	"vdev-pin", "parent-flush", "nested-atc", "reclaim", "viommu-isolation",
 *	"parent-tags".
 *
 * Return: 0, -EINVAL for an unknown name, -EOPNOTSUPP in a normal build.
 */
int invt_ablate(struct invt_ctx *ctx, const char *rule);

/**
 * invt_ablation_name() - the name of a rule.
 * @rule: an enum invt_ablation.
 *
 * Return: the name, or NULL when out of range.
 */
const char *invt_ablation_name(int rule);

/**
 * invt_ablations_built() - whether this build can switch rules off.
 *
 * Return: true in a -Dablations=true build.
 */
bool invt_ablations_built(void);

/**
 * invt_sb_store() - a store the emulated store buffer may hold back.
 * @p: where to store.
 * @v: the value.
 *
 * x86 lets a store wait in the store buffer while later loads go ahead: the
 * reordering the fast-path barrier forbids.  Real hardware keeps that window
 * to nanoseconds, too short for a test to hit reliably, so ablation builds
 * emulate it: the store is queued in the calling thread's buffer and done by
 * its next full barrier (invt_smp_mb()), lock acquisition, or
 * invt_sb_drain().  In a normal build it is a relaxed atomic store.
 */
void invt_sb_store(uint64_t *p, uint64_t v);

/**
 * invt_sb_pt_enable() - buffer the calling thread's page-table clears.
 * @on: whether invt_pt_unmap() in this thread sends its PTE clears through
 *	the emulated store buffer (ablation builds; ignored otherwise).
 *
 * Off by default, so that page-table code and its tests keep plain
 * semantics; a scenario that must observe the "barrier" ablation turns it on
 * in its unmapping threads, and drains (invt_sb_drain()) before it frees
 * what an unmap released.
 */
void invt_sb_pt_enable(bool on);

/**
 * invt_sb_pt_enabled() - whether invt_sb_pt_enable(true) is in force.
 *
 * Return: the calling thread's setting; false in a normal build.
 */
bool invt_sb_pt_enabled(void);

/**
 * invt_sb_load() - a load that sees the calling thread's buffered stores.
 * @p: where to load from.
 * @order: __ATOMIC_RELAXED or __ATOMIC_ACQUIRE, for the load from memory.
 *
 * Store-to-load forwarding, as a real store buffer does: the newest value
 * the calling thread buffered for @p, else the value in memory.  Other
 * threads keep seeing memory.  In a normal build it is the atomic load.
 */
uint64_t invt_sb_load(const uint64_t *p, int order);

/**
 * invt_sb_drain() - perform the calling thread's buffered stores, in order.
 *
 * A no-op in a normal build.
 */
void invt_sb_drain(void);

/*
 * Protocol points where test builds call ctx->hook (to inject delays and
 * widen race windows).  Normal builds compile the calls out.
 */
enum invt_hook_point {
	INVT_HOOK_PREPARE_PUBLISHED,	/* new array published, config not yet installed */
	INVT_HOOK_TWO_PHASE_GAP,	/* ablated two-phase: old left, device still uses it */
	INVT_HOOK_COMMIT_BEFORE_UNREF,	/* ATC cleaned, old entries still live */
	INVT_HOOK_INVALIDATE_LOADED,	/* fast path: array loaded, commands not built */
};

#endif /* INVTRACK_ABLATION_H */
