/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * internal.h - what the core's files share and nothing else sees.
 */
#ifndef INVT_CORE_INTERNAL_H
#define INVT_CORE_INTERNAL_H

#include <invtrack/ablation.h>
#include <invtrack/core.h>

#include "compat-user.h"

/* Flush phases of one instance, in the order they must complete. */
enum invt_phase {
	INVT_PHASE_IOTLB,
	INVT_PHASE_S1_CLEAR,
	INVT_PHASE_ATC,
	INVT_NR_PHASES,
};

static inline enum invt_phase invt_inv_phase(uint8_t type)
{
	switch (type) {
	case INVT_INV_IOTLB_S1:
	case INVT_INV_IOTLB_S2:
		return INVT_PHASE_IOTLB;
	case INVT_INV_IOTLB_S2_S1_CLEAR:
		return INVT_PHASE_S1_CLEAR;
	default:
		return INVT_PHASE_ATC;
	}
}

/*
 * The straight-line flush of an array whose entries are all on one instance
 * (flush.c: flush_one_instance()), decided when the array is built
 * (invt_invs_merge(), invt_invs_filter()) rather than at every call:
 * @iommu: that instance, when it has INVT_IOMMU_SYNC_ORDERS; NULL when the
 *	entries span instances, the instance lacks it, the array is empty or
 *	was built by hand (the general engine flushes those);
 * @ops: @iommu's ops (fixed once it is registered): one load less between
 *	the array and the first command;
 * @nr_phases: how many phases hold entries (1 to INVT_NR_PHASES);
 * @phase_end: the end of each of those phases' entries, in phase order (an
 *	array is sorted by type within an instance, and phases follow types,
 *	so each phase's entries are contiguous and start where the previous
 *	phase's end).
 * It stays true of the array: entries keep their instance and type, and
 * unref only lowers users and cuts entries off the end (the flush bounds
 * each phase by the num_invs it loaded).
 */
struct invt_invs_plan {
	struct invt_iommu *iommu;
	const struct invt_iommu_ops *ops;
	unsigned int nr_phases;
	uint32_t phase_end[INVT_NR_PHASES];
};

/*
 * An array with the RCU head that frees it and the number of entries it was
 * built with (num_invs may be lowered since), hidden before it; @no_wait:
 * freed without waiting for the invalidator sections (ablation "reclaim");
 * @ticket: invt_invs_sections_ticket() when it was retired; @plan: how the
 * fast path flushes it (above).  @plan is last but the array, so that it
 * shares a cache line with num_invs: the fast path reads both.
 */
struct invt_invs_box {
	invt_rcu_head_t rcu;
	size_t built;
	bool no_wait;
	unsigned long ticket;
	struct invt_invs_plan plan;
	struct invt_invs invs; /* last: ends in a flexible array */
};

static inline const struct invt_invs_box *invt_invs_box_of(const struct invt_invs *invs)
{
	return invt_container_of(invs, const struct invt_invs_box, invs);
}

#ifdef __KERNEL__
/*
 * Enter an invalidator section, then a full barrier: the kernel's per-CPU
 * section and smp_mb() (compat-user.h has a one-step version for x86).
 */
static inline struct invt_reader *invt_inv_enter_mb(const void *key)
{
	struct invt_reader *r = invt_inv_enter(key);

	/*
	 * Full barrier: the caller's PTE stores before its loads of the array.
	 * Pairs with the barrier in invt_attach_prepare() after it publishes
	 * an array; forbids both missing the other (domain_flush()).
	 */
	invt_smp_mb();
	return r;
}

/* RCU alone is the arrays' grace period here: no sections to wait for. */
#define invt_invs_sections_ticket() 0ul
#define invt_invs_sections_wait_after(ticket) ((void)(ticket))
#endif

/* Entries @invs was built with, trailing trash cut off since included. */
size_t invt_invs_built(const struct invt_invs *invs);

/*
 * Free @invs, an array of @ctx that was published and is no longer, after a
 * grace period and after the invalidator sections in progress (compat-user.h).
 */
void invt_invs_free_rcu(struct invt_ctx *ctx, struct invt_invs *invs);

/*
 * A new array of the live entries of @invs for which @keep (NULL: all)
 * returns true, has_atc recomputed; NULL when out of memory.
 */
struct invt_invs *invt_invs_filter(const struct invt_invs *invs,
				   bool (*keep)(const struct invt_inv *inv, const void *arg),
				   const void *arg);

/* Whether @invs says has_atc without a live ATC entry left. */
bool invt_invs_stale_atc(const struct invt_invs *invs);

#ifdef INVT_ABLATIONS
static inline bool invt_ablated(const struct invt_ctx *ctx, enum invt_ablation rule)
{
	return INVT_READ_ONCE(ctx->ablations) & (1ul << rule);
}

static inline void invt_hook(const struct invt_ctx *ctx, enum invt_hook_point point)
{
	if (ctx->hook)
		ctx->hook(ctx->hook_arg, point);
}
#else
#define invt_ablated(ctx, rule) ((void)(ctx), false)
#define invt_hook(ctx, point) ((void)(ctx))
#endif

/* The domain whose array an attachment to @dom changes. */
static inline struct invt_domain *invt_invs_owner(struct invt_domain *dom)
{
	return dom && dom->type == INVT_DOMAIN_NESTED ? dom->parent : dom;
}

/*
 * An invalidation of @dom (not nested) failed with -EIO (attach.c): find the
 * ATCs of its array that never answer and have their devices' ATS turned
 * off, their ATC entries out of the arrays.  Call with no lock held and
 * outside any invalidator section; may sleep.  Return: how many devices
 * this call turned ATS off for (then flush again).
 */
int invt_atc_dead_off(struct invt_domain *dom);

int invt_tag_get(struct invt_tag_space *ts, uint32_t *tag);

/*
 * A device's per-ssid slots (objects.c), all under dev->lock:
 * invt_slot_find() the slot of @ssid, or NULL when the ssid is unused;
 * invt_slot_get() the same, created blocked and idle when absent (NULL when
 * out of memory: nothing changed); invt_slot_put() frees the slot when it is
 * blocked and idle again.
 */
struct invt_attachment *invt_slot_find(struct invt_device *dev, uint32_t ssid);
struct invt_attachment *invt_slot_get(struct invt_device *dev, uint32_t ssid);
void invt_slot_put(struct invt_device *dev, struct invt_attachment *a);
void invt_tag_put(struct invt_tag_space *ts, uint32_t tag);
void invt_tag_release(struct invt_tag_space *ts, uint32_t tag);
int invt_tag_quarantine(struct invt_tag_space *ts, const struct invt_inv *inv);
bool invt_tag_retry(struct invt_tag_space *ts);
bool invt_tag_dirty_on(struct invt_tag_space *ts, const struct invt_iommu *iommu, uint32_t tag);
void invt_tag_forget(struct invt_tag_space *ts, const struct invt_iommu *iommu);

#endif /* INVT_CORE_INTERNAL_H */
