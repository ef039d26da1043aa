// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * objects.c - contexts, instances, devices and domains: set up and tear down.
 */
#include "internal.h"

void invt_ctx_init(struct invt_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	invt_mutex_init(&ctx->lock);
	invt_list_init(&ctx->iommus);
	invt_list_init(&ctx->domains);
}

int invt_ctx_destroy(struct invt_ctx *ctx)
{
	if (!invt_list_empty(&ctx->iommus) || !invt_list_empty(&ctx->domains))
		return -EBUSY;
	/* Run the pending call_rcu frees, so that leak checkers see them. */
	invt_rcu_barrier();
	invt_mutex_destroy(&ctx->lock);
	return 0;
}

int invt_iommu_register(struct invt_ctx *ctx, struct invt_iommu *iommu)
{
	struct invt_list *pos;

	if (!iommu->ops || !iommu->ops->build || !iommu->ops->build_sync ||
	    !iommu->ops->submit || !iommu->ops->wait || !iommu->tags[0] || !iommu->tags[1])
		return -EINVAL;
	invt_mutex_lock(&ctx->lock);
	invt_list_for_each(pos, &ctx->iommus) {
		if (invt_container_of(pos, struct invt_iommu, node)->id == iommu->id) {
			invt_mutex_unlock(&ctx->lock);
			return -EEXIST;
		}
	}
	iommu->ctx = ctx;
	iommu->nr_attached = 0;
	invt_mutex_init(&iommu->devs_lock);
	invt_list_init(&iommu->devs);
	invt_list_add_tail(&iommu->node, &ctx->iommus);
	invt_mutex_unlock(&ctx->lock);
	return 0;
}

static bool inv_not_of(const struct invt_inv *inv, const void *iommu)
{
	return inv->iommu != iommu;
}

/*
 * Whether any entry @invs was built with names @iommu: also the trash cut off
 * its end (past num_invs, where no reader looks), so that no array keeps a
 * pointer to the instance once it is freed.
 */
static bool invs_names(const struct invt_invs *invs, const struct invt_iommu *iommu)
{
	size_t i, n = invt_invs_built(invs);

	for (i = 0; i < n; i++)
		if (invs->inv[i].iommu == iommu)
			return true;
	return false;
}

int invt_iommu_unregister(struct invt_iommu *iommu)
{
	struct invt_ctx *ctx = iommu->ctx;
	struct invt_list *pos;
	int ret = 0;

	if (!ctx)
		return -EINVAL;
	if (__atomic_load_n(&iommu->nr_attached, __ATOMIC_ACQUIRE))
		return -EBUSY;
	invt_mutex_lock(&ctx->lock);
	invt_list_for_each(pos, &ctx->domains) {
		struct invt_domain *dom = invt_container_of(pos, struct invt_domain, node);
		struct invt_invs *old, *clean;

		invt_mutex_lock(&dom->lock);
		old = dom->invs;
		if (invs_names(old, iommu)) {
			clean = invt_invs_filter(old, inv_not_of, iommu);
			if (clean) {
				invt_rcu_assign_pointer(dom->invs, clean);
				invt_invs_free_rcu(ctx, old);
			} else {
				ret = -ENOMEM;
			}
		}
		invt_mutex_unlock(&dom->lock);
		if (ret)
			break;
	}
	if (!ret)
		invt_list_del(&iommu->node);
	invt_mutex_unlock(&ctx->lock);
	if (ret)
		return ret;
	/* Its IOTLB goes with it: quarantined entries of it are moot. */
	invt_tag_forget(iommu->tags[0], iommu);
	if (iommu->tags[1] != iommu->tags[0])
		invt_tag_forget(iommu->tags[1], iommu);
	/* Readers that loaded an array naming @iommu have left: it may be freed. */
	invt_synchronize_rcu();
	/* No device of it is in use (no attach runs: the caller's guarantee). */
	INVT_DEBUG_ASSERT(invt_list_empty(&iommu->devs));
	invt_mutex_destroy(&iommu->devs_lock);
	iommu->ctx = NULL;
	return 0;
}

int invt_device_init(struct invt_device *dev, struct invt_iommu *iommu, const uint32_t *sids,
		     unsigned int nr_sids, uint32_t nr_ssids, bool ats)
{
	unsigned int i, j;

	if (!iommu || !iommu->ctx || !nr_sids || nr_sids > INVT_MAX_SIDS || !nr_ssids ||
	    nr_ssids > (1u << 20))
		return -EINVAL;
	for (i = 0; i < nr_sids; i++)
		for (j = 0; j < i; j++)
			if (sids[i] == sids[j])
				return -EINVAL;
	memset(dev, 0, sizeof(*dev));
	for (i = 0; i < nr_sids; i++)
		dev->sids[i] = sids[i];
	dev->iommu = iommu;
	dev->nr_sids = nr_sids;
	dev->nr_ssids = nr_ssids;
	dev->ats = ats;
	invt_mutex_init(&dev->lock);
	return 0;
}

/* ---- per-ssid slots: a hash table of the ssids in use (under dev->lock) ---- */

/* Fibonacci hashing of the ssid onto a table of 2^k slots. */
static uint32_t slot_hash(const struct invt_device *dev, uint32_t ssid)
{
	return (uint32_t)(ssid * UINT32_C(2654435769)) & (dev->nr_slots - 1);
}

struct invt_attachment *invt_slot_find(struct invt_device *dev, uint32_t ssid)
{
	uint32_t i;

	if (!dev->nr_slots)
		return NULL;
	for (i = slot_hash(dev, ssid); dev->slots[i]; i = (i + 1) & (dev->nr_slots - 1))
		if (dev->slots[i]->ssid == ssid)
			return dev->slots[i];
	return NULL;
}

static void slot_insert(struct invt_attachment **tab, uint32_t n, struct invt_attachment *a)
{
	uint32_t i = (uint32_t)(a->ssid * UINT32_C(2654435769)) & (n - 1);

	while (tab[i])
		i = (i + 1) & (n - 1);
	tab[i] = a;
}

struct invt_attachment *invt_slot_get(struct invt_device *dev, uint32_t ssid)
{
	struct invt_attachment *a = invt_slot_find(dev, ssid), **tab;
	uint32_t n, i;

	if (a)
		return a;
	/* At most half full: grow before inserting, all or nothing. */
	if (2 * (dev->nr_used + 1) > dev->nr_slots) {
		n = dev->nr_slots ? 2 * dev->nr_slots : 4;
		tab = invt_zalloc(n * sizeof(*tab));
		if (!tab)
			return NULL;
		for (i = 0; i < dev->nr_slots; i++)
			if (dev->slots[i])
				slot_insert(tab, n, dev->slots[i]);
		invt_free(dev->slots);
		dev->slots = tab;
		dev->nr_slots = n;
	}
	a = invt_zalloc(sizeof(*a));
	if (!a)
		return NULL;
	a->ssid = ssid;
	slot_insert(dev->slots, dev->nr_slots, a);
	dev->nr_used++;
	return a;
}

void invt_slot_put(struct invt_device *dev, struct invt_attachment *a)
{
	uint32_t i, j, home, mask = dev->nr_slots - 1;

	if (a->domain || a->busy)
		return;
	for (i = slot_hash(dev, a->ssid); dev->slots[i] != a; i = (i + 1) & mask)
		;
	/* Backward-shift deletion: no tombstones, lookups stay short. */
	for (j = (i + 1) & mask; dev->slots[j]; j = (j + 1) & mask) {
		home = slot_hash(dev, dev->slots[j]->ssid);
		/* Move slots[j] into the hole unless its home lies in (i, j]. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			dev->slots[i] = dev->slots[j];
			i = j;
		}
	}
	dev->slots[i] = NULL;
	dev->nr_used--;
	invt_free(a);
	if (!dev->nr_used) {
		invt_free(dev->slots);
		dev->slots = NULL;
		dev->nr_slots = 0;
	}
}

bool invt_device_in_use(struct invt_device *dev)
{
	bool used;

	invt_mutex_lock(&dev->lock);
	used = dev->nr_used;
	invt_mutex_unlock(&dev->lock);
	return used;
}

int invt_device_destroy(struct invt_device *dev)
{
	if (dev->nr_used)
		return -EBUSY;
	/* The transaction that left nr_used at 0 took it out of iommu->devs. */
	INVT_DEBUG_ASSERT(!dev->linked);
	invt_mutex_destroy(&dev->lock);
	return 0;
}

struct invt_domain *invt_device_domain(struct invt_device *dev, uint32_t ssid)
{
	struct invt_attachment *a;
	struct invt_domain *dom;

	if (ssid >= dev->nr_ssids)
		return NULL;
	invt_mutex_lock(&dev->lock);
	a = invt_slot_find(dev, ssid);
	dom = a ? a->domain : NULL;
	invt_mutex_unlock(&dev->lock);
	return dom;
}

int invt_domain_init(struct invt_ctx *ctx, struct invt_domain *dom, enum invt_domain_type type,
		     struct invt_domain *parent)
{
	/*
	 * A parent of another context would take our instances' entries into
	 * an array whose instances are numbered apart (and its nr_children
	 * would change under our ctx->lock): refuse it.
	 */
	if (type > INVT_DOMAIN_NESTED || (type == INVT_DOMAIN_NESTED) != !!parent ||
	    (parent && (parent->type != INVT_DOMAIN_S2 || parent->ctx != ctx)))
		return -EINVAL;
	memset(dom, 0, sizeof(*dom));
	dom->invs = invt_invs_alloc(0);
	if (!dom->invs)
		return -ENOMEM;
	dom->ctx = ctx;
	dom->type = type;
	dom->parent = parent;
	invt_mutex_init(&dom->lock);
	invt_mutex_lock(&ctx->lock);
	dom->id = ctx->next_domain_id++;
	if (parent)
		parent->nr_children++;
	invt_list_add_tail(&dom->node, &ctx->domains);
	invt_mutex_unlock(&ctx->lock);
	return 0;
}

int invt_domain_destroy(struct invt_domain *dom)
{
	struct invt_ctx *ctx = dom->ctx;

	invt_mutex_lock(&ctx->lock);
	if (__atomic_load_n(&dom->nr_attached, __ATOMIC_ACQUIRE) || dom->nr_children) {
		invt_mutex_unlock(&ctx->lock);
		return -EBUSY;
	}
	if (dom->parent)
		dom->parent->nr_children--;
	invt_list_del(&dom->node);
	invt_mutex_unlock(&ctx->lock);
	INVT_DEBUG_ASSERT(!dom->nr_bindings);
	invt_invs_free_rcu(ctx, dom->invs);
	dom->invs = NULL;
	invt_free(dom->bindings);
	invt_mutex_destroy(&dom->lock);
	return 0;
}

struct invt_invs *invt_domain_invs_get(struct invt_domain *dom)
{
	struct invt_domain *owner = invt_invs_owner(dom);
	struct invt_invs *copy;

	invt_mutex_lock(&owner->lock);
	copy = invt_invs_filter(owner->invs, NULL, NULL);
	invt_mutex_unlock(&owner->lock);
	return copy;
}
